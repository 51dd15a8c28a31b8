"""App identity: Qt's names and settings file agree with platformdirs; the icon loads."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication

from vvic_desktop import APP_AUTHOR, APP_NAME, __version__
from vvic_desktop.paths import ENV_DATA_DIR, AppPaths
from vvic_desktop.ui.identity import DESKTOP_FILE_NAME, app_icon, apply_identity


@pytest.fixture
def identity(qapp, tmp_path):
    """apply_identity changes process-wide Qt state: put the test app's back afterwards."""
    before = (qapp.organizationName(), qapp.organizationDomain(), qapp.applicationName())
    yield qapp
    qapp.setOrganizationName(before[0])
    qapp.setOrganizationDomain(before[1])
    qapp.setApplicationName(before[2])
    QSettings.setDefaultFormat(QSettings.Format.NativeFormat)
    # never back to the user's real ~/.config: later tests only ever see a temp folder
    stray = tmp_path / "qsettings-after-test"
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(stray))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(stray))


@pytest.fixture
def platform_home(tmp_path, monkeypatch):
    """No --data-dir: platformdirs' own locations, with HOME and XDG pointed into tmp_path."""
    monkeypatch.delenv(ENV_DATA_DIR, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    return home


def test_qt_names_are_the_platformdirs_identity(identity, platform_home):
    apply_identity(identity, AppPaths.resolve())
    assert identity.applicationName() == APP_NAME
    assert identity.organizationName() == APP_AUTHOR
    assert identity.applicationVersion() == __version__
    assert QGuiApplication.desktopFileName() == DESKTOP_FILE_NAME
    # the same pair platformdirs is given resolves to the folder paths.py uses
    dirs = platformdirs.PlatformDirs(identity.applicationName(), identity.organizationName())
    assert Path(dirs.user_config_dir) == AppPaths.resolve().config


def test_default_qsettings_live_in_the_platformdirs_config_folder(identity, platform_home):
    paths = AppPaths.resolve()
    config_dir = Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))
    assert config_dir.is_relative_to(platform_home)  # the test never looks at the real home
    apply_identity(identity, paths)

    settings = QSettings()  # what any code gets without naming a file
    settings.setValue("probe", "written")
    settings.sync()
    written = Path(settings.fileName())
    assert settings.status() == QSettings.Status.NoError
    assert written.is_file()
    assert written.is_relative_to(config_dir)
    assert written.parent.parent == paths.config  # <config>/<organisation>/<application>.ini
    # nothing went to Qt's native spot beside it (~/.config/VVIC/vvic_desktop.conf on Linux)
    assert not (platform_home / ".config" / APP_AUTHOR).exists()
    assert QSettings().value("probe") == "written"


def test_data_dir_keeps_qt_settings_inside_it(identity, tmp_path):
    paths = AppPaths.resolve(tmp_path / "portable")
    apply_identity(identity, paths)
    assert Path(QSettings().fileName()).is_relative_to(tmp_path / "portable")


def test_window_icon_has_small_and_large_sizes(identity, tmp_path):
    icon = app_icon()
    assert not icon.isNull()
    sizes = {size.width() for size in icon.availableSizes()}
    assert {32, 256} <= sizes
    apply_identity(identity, AppPaths.resolve(tmp_path / "data"))
    assert not QGuiApplication.windowIcon().isNull()
