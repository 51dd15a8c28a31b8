"""`vvic config set-credentials MARKET | set-quota MARKET N | set NAME VALUE | show`.

The secret is read from a hidden prompt, or from stdin when stdin is not a terminal
(`printf %s "$SECRET" | vvic config set-credentials vvic --app-key KEY`), never from argv:
command lines are visible to every user of the machine (`ps`) and end up in shell history.
1688 also asks for the member's access_token (hidden; piped: the line after the secret;
`--token-only` replaces just the token after a renewed authorisation). `vvic-open` is VVIC's
open platform (its own app id and secret), which adds stall details to vvic results.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from vvic_desktop.cli.args import add_action, add_action_group
from vvic_desktop.cli.common import open_services
from vvic_desktop.core import errors
from vvic_desktop.storage.settings import API_MARKETS, OPTIONS, Kind, Settings

# Every account `set-credentials` knows: the markets, and VVIC's open platform (stall
# details for vvic results, with its own app id and secret).
CREDENTIAL_ACCOUNTS = (*API_MARKETS, "vvic-open")  # storage.secrets.VVIC_OPEN (loaded lazily)


def register(sub: argparse._SubParsersAction) -> None:
    actions = add_action_group(
        sub, "config", help="credentials, quotas and settings / 设置",
        description="Store marketplace credentials in the OS keyring and change settings.",
        dest="config_action",
    )

    creds = add_action(
        actions, "set-credentials", set_credentials,
        help="store a market's AppKey and secret in the OS keyring",
        description="The secret is asked for (hidden) or read from stdin; never give it as "
                    "an argument.",
    )
    creds.add_argument("market", choices=CREDENTIAL_ACCOUNTS)
    creds.add_argument("--app-key", metavar="KEY", help="the AppKey (asked for if omitted)")
    creds.add_argument("--token-only", action="store_true",
                       help="1688: replace only the access_token (after renewing the "
                            "authorisation on open.1688.com)")

    quota = add_action(actions, "set-quota", set_quota,
                       help="calls per minute your AppKey may make")
    quota.add_argument("market", choices=API_MARKETS)
    quota.add_argument("calls_per_minute", metavar="N")

    setting = add_action(actions, "set", set_value,
                         help="change one setting (see `vvic config show`)")
    setting.add_argument("name", choices=sorted(OPTIONS), metavar="NAME")
    setting.add_argument("value")

    show = add_action(actions, "show", show_settings,
                      help="print settings and which credentials are set")
    show.add_argument("--json", action="store_true")


def _settings(args: argparse.Namespace) -> Settings:
    return open_services(args).settings


def set_credentials(args: argparse.Namespace) -> int:
    import keyring  # loaded here, not at import: `vvic --help` stays fast

    from vvic_desktop.storage import secrets

    market = args.market
    # Say so before the user types a secret that could not be kept.
    reason = secrets.insecure_backend_reason()
    if reason:
        raise errors.NoSecureKeyring(reason)
    interactive = sys.stdin.isatty()
    wants_token = secrets.needs_token(market)
    if args.token_only:
        if not wants_token:
            raise errors.ConfigError(f"{market} has no access_token")
        secrets.store_token(market, _read_token(market, interactive) or "")
        sys.stdout.write(f"saved the new {market} access_token in the keyring\n")
        return 0
    app_key = args.app_key
    if not app_key:
        if not interactive:
            raise errors.ConfigError("give --app-key KEY when the secret comes from stdin")
        app_key = input(f"{market} AppKey: ").strip()
    if interactive:
        secret = getpass.getpass(f"{market} secret (hidden): ")
    else:
        secret = sys.stdin.readline().rstrip("\r\n")
    token = _read_token(market, interactive) if wants_token else None
    secrets.store(market, app_key, secret, token=token)
    backend = type(keyring.get_keyring()).__name__
    also = " and access_token" if token else ""
    sys.stdout.write(f"saved the {market} AppKey {app_key}, its secret{also} in the keyring "
                     f"({backend})\n")
    if wants_token and not token and not secrets.stored_token(market):
        sys.stdout.write(f"note: no access_token yet: searches need one "
                         f"({secrets.how_to_set(market)})\n")
    return 0


def _read_token(market: str, interactive: bool) -> str | None:
    """The access_token from a hidden prompt or the next stdin line; None if left empty."""
    if interactive:
        token = getpass.getpass(f"{market} access_token (hidden; from authorising the app on "
                                f"open.1688.com; empty: keep the saved one): ")
    else:
        token = sys.stdin.readline()
    return token.strip() or None


def set_quota(args: argparse.Namespace) -> int:
    settings = _settings(args)
    name = f"market.{args.market}.quota_per_minute"
    settings.set(name, args.calls_per_minute)
    settings.save()
    sys.stdout.write(f"{args.market}: at most {settings.get(name)} calls per minute\n")
    return 0


def set_value(args: argparse.Namespace) -> int:
    settings = _settings(args)
    settings.set(args.name, args.value)
    settings.save()
    sys.stdout.write(f"{args.name} = {settings.get(args.name)!r}\n")
    return 0


def credential_status(market: str) -> dict[str, Any]:
    """Where `market`'s credentials come from; the AppKey at most, never the secret (nor the
    access_token: only where it comes from)."""
    from vvic_desktop.storage import secrets

    status: dict[str, Any]
    stored = secrets.from_keyring(market)
    from_env = secrets.from_environment(market)
    if stored is not None:
        status = {"source": "keyring", "app_key": stored.app_key}
    elif from_env is not None:
        status = {"source": "environment", "app_key": from_env.app_key}
    else:
        status = {"source": None, "app_key": None, "how_to_set": secrets.how_to_set(market)}
    if secrets.needs_token(market):
        status["access_token"] = ("keyring" if secrets.stored_token(market) else
                                  "environment" if secrets.token_from_environment(market)
                                  else None)
    return status


def show_settings(args: argparse.Namespace) -> int:
    from vvic_desktop.storage import secrets

    settings = _settings(args)
    values = dict(settings.items(Kind.USER))
    creds = {market: credential_status(market) for market in CREDENTIAL_ACCOUNTS}
    keyring_problem = secrets.insecure_backend_reason()
    if args.json:
        json.dump({"settings": values, "credentials": creds, "keyring_problem": keyring_problem,
                   "settings_file": str(settings.path)},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    out = sys.stdout
    out.write(f"settings file: {settings.path}\n")
    width = max(len(name) for name in values)
    production = _production_urls()
    for name, value in values.items():
        shown = json.dumps(value, ensure_ascii=False)
        default = " (default)" if value == OPTIONS[name].default else ""
        if name.endswith(".base_url") and not value and name in production:
            default = f" (default: production, {production[name]})"
        out.write(f"  {name:<{width}}  {shown}{default}\n")
    out.write("credentials:\n")
    for market, status in creds.items():
        token = ""
        if "access_token" in status:
            token = (f", access_token ({status['access_token']})" if status["access_token"]
                     else ", no access_token")
        if status["source"]:
            out.write(f"  {market:<16} AppKey {status['app_key']} ({status['source']}){token}\n")
        else:
            out.write(f"  {market:<16} not set: {status['how_to_set']}\n")
    if keyring_problem:
        out.write(f"keyring: {errors.NoSecureKeyring(keyring_problem).message()}\n")
    return 0


def _production_urls() -> dict[str, str]:
    """Setting name -> the production URL an empty base_url stands for."""
    from vvic_desktop.core.market_info import MARKETS

    return {f"market.{name}.base_url": info.production_url for name, info in MARKETS.items()}
