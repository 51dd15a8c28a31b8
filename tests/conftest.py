"""Fixtures every test gets: offscreen Qt, a temp data dir, an in-memory keyring."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("VVIC_LANG", "en")

import keyring
import keyring.backend
import pytest

from vvic_desktop.core import errors


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives and dies with one test: never the user's real keychain."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring() -> MemoryKeyring:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Every test's --data-dir: a fresh temp folder, never the user's real data."""
    folder = tmp_path / "vvic-data"
    folder.mkdir()
    monkeypatch.setenv("VVIC_DESKTOP_DATA_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def english_messages():
    errors.set_language("en")
    yield
    errors.set_language("en")
