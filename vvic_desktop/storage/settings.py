"""Options declared once: name, type, default, and whether it is a user setting or UI state.

The file is a small JSON object in `AppPaths.config` (settings.json), written through a
temporary file and `os.replace` so a crash never leaves half a file. A missing, unreadable
or corrupt file gives the defaults and a message for the user, never a crash; a single bad
value falls back to its default the same way. Secrets never live here (storage.secrets).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from vvic_desktop.core.errors import ConfigError, SettingsRecovered, StorageError
from vvic_desktop.core.marketplace import MARKET_NAMES
from vvic_desktop.storage.files import aside_path, write_atomically

SCHEMA_VERSION = 1
API_MARKETS = tuple(m for m in MARKET_NAMES if m != "local")


class Kind(Enum):
    USER = "user"  # shown in the settings dialog and `vvic config show`
    UI_STATE = "ui"  # remembered for convenience (last market, last folder)


T = TypeVar("T", int, float, bool, str)


@dataclass(frozen=True, slots=True)
class Option(Generic[T]):
    """One setting, declared once: `settings.value(OPTION)` reads it with its own type."""

    name: str
    type: type[T]
    default: T
    kind: Kind = Kind.USER
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None

    def coerce(self, value: Any) -> Any:
        """`value` as this option's type, or ConfigError saying what is wrong."""
        if self.type is bool:
            if isinstance(value, bool):
                result: Any = value
            elif isinstance(value, str) and value.lower() in ("1", "true", "yes", "on"):
                result = True
            elif isinstance(value, str) and value.lower() in ("0", "false", "no", "off"):
                result = False
            else:
                raise ConfigError(f"{self.name} must be true or false, got {value!r}")
        elif self.type is int:
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                raise ConfigError(f"{self.name} must be a whole number, got {value!r}")
            try:
                result = int(value)
            except ValueError:
                raise ConfigError(f"{self.name} must be a whole number, got {value!r}") from None
        elif self.type is float:
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise ConfigError(f"{self.name} must be a number, got {value!r}")
            try:
                result = float(value)
            except ValueError:
                raise ConfigError(f"{self.name} must be a number, got {value!r}") from None
        else:
            if not isinstance(value, str):
                raise ConfigError(f"{self.name} must be text, got {value!r}")
            result = value.strip()
        if self.minimum is not None and result < self.minimum:
            raise ConfigError(f"{self.name} must be at least {self.minimum:g}, got {result}")
        if self.maximum is not None and result > self.maximum:
            raise ConfigError(f"{self.name} must be at most {self.maximum:g}, got {result}")
        if self.choices is not None and result not in self.choices:
            raise ConfigError(f"{self.name} must be one of {', '.join(self.choices)}")
        if self.name.endswith(".base_url") and result and not _is_http_url(result):
            raise ConfigError(f"{self.name} must start with http:// or https://")
        return result


def _is_http_url(text: str) -> bool:
    return text.startswith(("http://", "https://")) and len(text) > len("https://")


# Per-minute quotas: VVIC's 20 (basic AppKey tier, 80 for the higher one) comes from the
# seed article only and is unverified (reliability matrix §2); the others are conservative
# guesses. All are settings so the user can enter their own tier.
_DEFAULT_QUOTA = {"vvic": 20, "taobao": 60, "onebound-vvic": 60, "onebound-taobao": 60, "1688": 60}


ONEBOUND_LANG = Option("market.onebound.lang", str, "",
                       help="OneBound's lang (titles' language): cn, en, ru, or empty to follow "
                            "the UI language (cn for Chinese, en otherwise)",
                       choices=("", "cn", "en", "ru"))
QUOTA_SAFETY_MARGIN = Option("quota.safety_margin", int, 0,
                             help="quota calls per minute kept unused", minimum=0, maximum=100)
CACHE_TTL_HOURS = Option("cache.ttl_hours", float, 24.0,
                         help="how long a search result is reused", minimum=0, maximum=24 * 365)
ALLOW_LAN_IMAGES = Option("images.allow_lan_hosts", bool, False,
                          help="allow image URLs on private / LAN addresses")
UI_LANGUAGE = Option("ui.language", str, "", help="zh_CN, en, or empty for the system language",
                     choices=("", "zh_CN", "en"))
NETWORK_PROXY = Option("network.proxy", str, "", help="HTTP(S) proxy URL; empty = system proxy")
MAX_RESULTS = Option("search.max_results", int, 20, help="results asked for per search",
                     minimum=1, maximum=50)
LIBRARY_AUTOSAVE = Option(
    "library.autosave", bool, True,
    help="save every search to the library (unnamed ones are trimmed oldest first)")
LIBRARY_MAX_UNNAMED = Option("library.max_unnamed", int, 200,
                             help="how many unnamed searches the library keeps",
                             minimum=1, maximum=100_000)
LAST_MARKET = Option("state.last_market", str, "local", Kind.UI_STATE, choices=MARKET_NAMES)
LAST_FOLDER = Option("state.last_folder", str, "", Kind.UI_STATE)


def base_url_option(market: str) -> Option[str]:
    return Option(f"market.{market}.base_url", str, "",
                  help=f"{market} API base URL; empty = the production service")


def quota_option(market: str) -> Option[int]:
    return Option(f"market.{market}.quota_per_minute", int, _DEFAULT_QUOTA[market],
                  help=f"{market} calls per minute allowed for your AppKey",
                  minimum=1, maximum=10_000)


def _declare() -> dict[str, Option[Any]]:
    options: list[Option[Any]] = []
    for market in API_MARKETS:
        options += [base_url_option(market), quota_option(market)]
    options += [
        ONEBOUND_LANG, QUOTA_SAFETY_MARGIN, CACHE_TTL_HOURS, ALLOW_LAN_IMAGES, UI_LANGUAGE,
        NETWORK_PROXY, MAX_RESULTS, LIBRARY_AUTOSAVE, LIBRARY_MAX_UNNAMED, LAST_MARKET,
        LAST_FOLDER,
    ]
    return {option.name: option for option in options}


OPTIONS: dict[str, Option[Any]] = _declare()


def option(name: str) -> Option[Any]:
    try:
        return OPTIONS[name]
    except KeyError:
        raise ConfigError(f"unknown setting {name!r}") from None


class Settings:
    """The values of OPTIONS, loaded from and saved to one JSON file."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._values: dict[str, Any] = {}
        self.messages: list[str] = []  # problems met while loading, for the status bar
        # a damaged file moved aside at load (SettingsRecovered): the window and the CLI say so
        self.notice: StorageError | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Settings:
        settings = cls(path)
        assert settings.path is not None
        try:
            text = settings.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return settings
        except UnicodeDecodeError as exc:
            return settings._set_aside(f"not UTF-8 text ({exc.reason})")
        except OSError as exc:
            settings.messages.append(
                f"settings file unreadable ({type(exc).__name__}); using defaults"
            )
            return settings
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            return settings._set_aside(f"not JSON (line {exc.lineno})")
        values = data.get("values") if isinstance(data, dict) else None
        if not isinstance(values, dict):
            return settings._set_aside("an unexpected shape (no values object)")
        for name, raw in values.items():
            if name not in OPTIONS:
                continue  # a setting of a newer or older version: ignore, keep the rest
            try:
                settings._values[name] = OPTIONS[name].coerce(raw)
            except ConfigError as exc:
                settings.messages.append(f"{exc.detail}; using the default")
        return settings

    def _set_aside(self, why: str) -> Settings:
        """The file is damaged: move it to settings.json.corrupt-<timestamp> (as the library
        database does) so that the next save does not overwrite what may be recovered by
        hand, and keep the defaults. `notice` and `messages` tell."""
        assert self.path is not None
        moved = aside_path(self.path)
        try:
            self.path.replace(moved)
        except OSError as exc:  # a read-only folder: say so, the defaults still work
            self.messages.append(f"settings file is damaged ({why}) and could not be moved "
                                 f"aside ({type(exc).__name__}); using defaults")
            return self
        self.notice = SettingsRecovered(f"settings file {why}", moved=moved.name)
        self.messages.append(self.notice.message())
        return self

    def get(self, name: str) -> Any:
        """The value of a setting named at run time (`vvic config`, the settings dialog's
        lists); code that knows which setting it wants reads `value(OPTION)`."""
        return self._values.get(name, option(name).default)

    def value(self, opt: Option[T]) -> T:
        """`opt`'s value, of `opt`'s type."""
        return cast(T, self._values.get(opt.name, opt.default))

    def set(self, name: str, value: Any) -> None:
        self._values[name] = option(name).coerce(value)

    def reset(self, name: str) -> None:
        option(name)
        self._values.pop(name, None)

    def items(self, kind: Kind | None = Kind.USER) -> Iterator[tuple[str, Any]]:
        for name, opt in OPTIONS.items():
            if kind is None or opt.kind is kind:
                yield name, self.get(name)

    # --- market helpers -----------------------------------------------------------------

    def quota_for(self, market: str) -> int:
        return self.value(quota_option(market)) if market in API_MARKETS else 0

    def base_url_for(self, market: str) -> str:
        return self.value(base_url_option(market)) if market in API_MARKETS else ""

    @property
    def cache_ttl_seconds(self) -> float:
        return self.value(CACHE_TTL_HOURS) * 3600

    # --- saving -------------------------------------------------------------------------

    def save(self) -> None:
        """Write atomically: a temp file in the same folder, fsync, then os.replace."""
        if self.path is None:
            raise StorageError("these settings have no file")
        payload = {"version": SCHEMA_VERSION,
                   "values": {k: v for k, v in sorted(self._values.items())}}
        text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
        write_atomically(self.path, text.encode("utf-8"))
