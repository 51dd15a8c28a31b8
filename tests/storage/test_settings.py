"""Settings: declared once, typed, atomic saves, and a corrupt file never crashes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vvic_desktop.core.errors import ConfigError
from vvic_desktop.storage.settings import OPTIONS, Kind, Settings


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "settings.json")
    assert settings.messages == []
    assert settings.quota_for("vvic") == 20
    assert settings.base_url_for("vvic") == ""
    assert settings.cache_ttl_seconds == 24 * 3600
    assert settings.get("images.allow_lan_hosts") is False
    assert settings.get("search.max_results") == 20
    assert settings.quota_for("local") == 0


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "settings.json"
    settings = Settings.load(path)
    settings.set("market.vvic.quota_per_minute", "80")
    settings.set("market.taobao.base_url", "http://127.0.0.1:8765")
    settings.set("images.allow_lan_hosts", "yes")
    settings.set("cache.ttl_hours", 1.5)
    settings.set("state.last_market", "taobao")
    settings.save()
    again = Settings.load(path)
    assert again.messages == []
    assert again.quota_for("vvic") == 80
    assert again.base_url_for("taobao") == "http://127.0.0.1:8765"
    assert again.get("images.allow_lan_hosts") is True
    assert again.cache_ttl_seconds == 5400
    assert again.get("state.last_market") == "taobao"
    assert not list(path.parent.glob("*.tmp"))  # the temp file was renamed into place
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00garbage", b"[1, 2]",
                                     b'{"values": 5}', b""])
def test_corrupt_file_gives_defaults_and_a_message(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    settings = Settings.load(path)
    assert settings.messages and "default" in settings.messages[0]
    assert settings.quota_for("vvic") == 20
    # the damaged file is kept aside, not overwritten by the next save; the user is told
    moved = list(tmp_path.glob("settings.json.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_bytes() == content
    assert settings.notice is not None and moved[0].name in settings.notice.message()
    settings.set("market.vvic.quota_per_minute", 30)
    settings.save()  # saving repairs the file
    assert Settings.load(path).quota_for("vvic") == 30


def test_one_bad_value_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "values": {
        "market.vvic.quota_per_minute": -5, "market.taobao.quota_per_minute": 40,
        "some.future.option": 1,
    }}), encoding="utf-8")
    settings = Settings.load(path)
    assert settings.quota_for("vvic") == 20 and settings.quota_for("taobao") == 40
    assert len(settings.messages) == 1 and "quota_per_minute" in settings.messages[0]


@pytest.mark.parametrize(("name", "value"), [
    ("market.vvic.quota_per_minute", 0), ("market.vvic.quota_per_minute", "many"),
    ("market.vvic.quota_per_minute", True), ("images.allow_lan_hosts", "maybe"),
    ("ui.language", "fr"), ("market.vvic.base_url", "ftp://x"), ("no.such.option", 1),
    ("search.max_results", 500),
])
def test_invalid_values_are_config_errors(tmp_path: Path, name: str, value: object) -> None:
    settings = Settings.load(tmp_path / "settings.json")
    with pytest.raises(ConfigError):
        settings.set(name, value)


def test_user_settings_and_ui_state_are_apart() -> None:
    kinds = {opt.kind for opt in OPTIONS.values()}
    assert kinds == {Kind.USER, Kind.UI_STATE}
    user_names = dict(Settings().items(Kind.USER))
    assert "state.last_market" not in user_names and "market.vvic.quota_per_minute" in user_names


def test_typed_options_read_with_their_own_type(tmp_path) -> None:
    from vvic_desktop.storage.settings import (
        ALLOW_LAN_IMAGES,
        CACHE_TTL_HOURS,
        MAX_RESULTS,
        OPTIONS,
        Settings,
    )

    settings = Settings(tmp_path / "s.json")
    assert settings.value(MAX_RESULTS) == 20 and settings.value(ALLOW_LAN_IMAGES) is False
    settings.set("search.max_results", "35")
    settings.set("images.allow_lan_hosts", "yes")
    settings.set("cache.ttl_hours", 2)
    assert settings.value(MAX_RESULTS) == 35
    assert settings.value(ALLOW_LAN_IMAGES) is True
    ttl = settings.value(CACHE_TTL_HOURS)
    assert ttl == 2.0 and isinstance(ttl, float)
    assert OPTIONS["search.max_results"] is MAX_RESULTS  # declared once
