"""--data-dir and VVIC_DESKTOP_DATA_DIR keep every file under one folder."""

from __future__ import annotations

from pathlib import Path

from vvic_desktop.paths import ENV_DATA_DIR, AppPaths


def test_explicit_data_dir_wins(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "from-env"))
    paths = AppPaths.resolve(tmp_path / "explicit")
    assert paths.data == (tmp_path / "explicit").resolve()
    for folder in (paths.config, paths.cache, paths.logs, paths.thumbnails):
        assert folder.is_relative_to(paths.data)


def test_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "from-env"))
    assert AppPaths.resolve().data == (tmp_path / "from-env").resolve()


def test_platform_locations_without_override(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_DATA_DIR, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    paths = AppPaths.resolve()
    assert paths.data == Path(tmp_path / "share" / "vvic_desktop")


def test_ensure_creates_the_folders(tmp_path):
    paths = AppPaths.resolve(tmp_path / "d").ensure()
    assert all(p.is_dir() for p in (paths.data, paths.config, paths.cache, paths.logs))
