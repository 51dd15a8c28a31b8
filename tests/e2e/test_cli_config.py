"""`vvic config`: secrets from a prompt or stdin only, quotas and settings in the data dir."""

from __future__ import annotations

import io
import json
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from vvic_desktop.cli import main
from vvic_desktop.storage import secrets
from vvic_desktop.storage.settings import Settings

CANARY = "CANARY-cfg-5ec7e7-9d2"


class FakeStdin(io.StringIO):
    def __init__(self, text: str, tty: bool) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_set_credentials_reads_the_secret_from_stdin(monkeypatch, capsys, data_dir: Path) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin(CANARY + "\n", tty=False))
    assert main(["config", "set-credentials", "vvic", "--app-key", "KEY1"]) == 0
    creds = secrets.load("vvic", environ={})
    assert creds is not None and (creds.app_key, creds.app_secret) == ("KEY1", CANARY)
    out, err = capsys.readouterr()
    assert "KEY1" in out and CANARY not in out + err


def test_set_credentials_prompts_without_echo_on_a_terminal(monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin("", tty=True))
    prompts: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "KEY2")
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or CANARY)
    assert main(["config", "set-credentials", "taobao"]) == 0
    creds = secrets.load("taobao", environ={})
    assert creds is not None and creds.app_key == "KEY2" and creds.app_secret == CANARY
    assert len(prompts) == 2 and "hidden" in prompts[1]


def test_there_is_no_way_to_pass_the_secret_as_an_argument(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["config", "set-credentials", "vvic", "--app-key", "K", "--secret", CANARY])
    assert info.value.code == 2


def test_no_secure_keyring_says_so_and_exits_2(monkeypatch, capsys) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.setattr("sys.stdin", FakeStdin(CANARY + "\n", tty=False))
    assert main(["config", "set-credentials", "vvic", "--app-key", "K"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "keyring" in err.lower() and "environment variables" in err
    assert CANARY not in out + err


def test_piped_secret_needs_app_key(monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin(CANARY, tty=False))
    assert main(["config", "set-credentials", "vvic"]) == 2
    assert "--app-key" in capsys.readouterr().err


def test_set_quota_is_stored_in_the_data_dir_settings(capsys, data_dir: Path) -> None:
    assert main(["config", "set-quota", "vvic", "80"]) == 0
    assert Settings.load(data_dir / "config" / "settings.json").quota_for("vvic") == 80
    assert main(["config", "set-quota", "vvic", "0"]) == 2
    assert main(["config", "set-quota", "vvic", "lots"]) == 2
    err = capsys.readouterr().err
    assert err.count("error: ") == 2 and "Traceback" not in err


def test_set_generic_value(capsys, data_dir: Path) -> None:
    assert main(["config", "set", "cache.ttl_hours", "2"]) == 0
    assert Settings.load(data_dir / "config" / "settings.json").cache_ttl_seconds == 7200


def test_show_lists_settings_and_credential_sources_without_secrets(monkeypatch, capsys) -> None:
    secrets.store("vvic", "SHOWKEY", CANARY)
    monkeypatch.setenv("TAOBAO_APP_KEY", "ENVKEY")
    monkeypatch.setenv("TAOBAO_APP_SECRET", CANARY + "-env")
    assert main(["config", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["settings"]["market.vvic.quota_per_minute"] == 20
    assert shown["credentials"]["vvic"] == {"source": "keyring", "app_key": "SHOWKEY"}
    assert shown["credentials"]["taobao"] == {"source": "environment", "app_key": "ENVKEY"}
    assert shown["credentials"]["1688"]["source"] is None
    assert "state.last_market" not in shown["settings"]  # UI state is not a user setting
    assert main(["config", "show"]) == 0
    text = capsys.readouterr().out
    assert "SHOWKEY" in text and CANARY not in text and "ALI1688_APP_KEY" in text
    assert "production, https://" in text


def test_corrupt_settings_file_is_a_note_not_a_crash(capsys, data_dir: Path) -> None:
    (data_dir / "config").mkdir()
    (data_dir / "config" / "settings.json").write_text("{oops", encoding="utf-8")
    assert main(["config", "show"]) == 0
    assert "corrupt" in capsys.readouterr().err


def test_1688_asks_for_the_access_token_too(monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin("", tty=True))
    prompts: list[str] = []
    answers = iter([CANARY, CANARY + "-token"])
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "ALIKEY")
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or next(answers))
    assert main(["config", "set-credentials", "1688"]) == 0
    creds = secrets.load("1688", environ={})
    assert creds is not None and (creds.app_key, creds.session) == ("ALIKEY", CANARY + "-token")
    assert len(prompts) == 3 and "access_token" in prompts[2] and "hidden" in prompts[2]
    # Renewed authorisation: only the token changes.
    monkeypatch.setattr("sys.stdin", FakeStdin("renewed-token\n", tty=False))
    assert main(["config", "set-credentials", "1688", "--token-only"]) == 0
    creds = secrets.load("1688", environ={})
    assert creds is not None and (creds.app_secret, creds.session) == (CANARY, "renewed-token")
    capsys.readouterr()
    assert main(["config", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["credentials"]["1688"]["access_token"] == "keyring"
    assert shown["credentials"]["vvic-open"]["source"] is None
    assert CANARY not in json.dumps(shown) and "renewed-token" not in json.dumps(shown)
    assert main(["config", "set-credentials", "vvic", "--token-only"]) == 2


def test_piped_1688_credentials_take_the_token_from_the_next_line(monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin(f"{CANARY}\ntok-2\n", tty=False))
    assert main(["config", "set-credentials", "1688", "--app-key", "K"]) == 0
    creds = secrets.load("1688", environ={})
    assert creds is not None and (creds.app_secret, creds.session) == (CANARY, "tok-2")
    monkeypatch.setattr("sys.stdin", FakeStdin(f"{CANARY}\n", tty=False))
    assert main(["config", "set-credentials", "1688", "--app-key", "K2"]) == 0
    assert "no access_token yet" in capsys.readouterr().out


def test_vvic_open_platform_credentials(monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin(CANARY + "\n", tty=False))
    assert main(["config", "set-credentials", "vvic-open", "--app-key", "OPEN1"]) == 0
    creds = secrets.load("vvic-open", environ={})
    assert creds is not None and (creds.app_key, creds.app_secret) == ("OPEN1", CANARY)
    capsys.readouterr()
    assert main(["config", "show"]) == 0
    assert "vvic-open" in capsys.readouterr().out
