"""Who the app is to the operating system: its names, its icon, where Qt keeps settings.

platformdirs names the app's folders from (appname, appauthor) = (APP_NAME, APP_AUTHOR); Qt
names its own from (applicationName, organizationName). Both are set from the same two
constants here, so a Windows user finds one `%LOCALAPPDATA%\\VVIC\\vvic_desktop` folder and
not a second vendor spelling beside it.

The names alone do not make Qt and platformdirs agree: on Linux platformdirs ignores the
vendor (`~/.config/vvic_desktop`) where Qt's native settings go to `~/.config/VVIC/
vvic_desktop.conf`; on Windows they go to the registry, on macOS to a plist. So QSettings is
switched to INI files inside the config folder paths.py resolved (platformdirs', or
`--data-dir`'s): any default-constructed `QSettings()` (ours, or a library's) lands beside
settings.json and window.ini, and `--data-dir` keeps Qt's settings out of the user's real
folders too.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtGui import QGuiApplication, QIcon

from vvic_desktop import APP_AUTHOR, APP_NAME, __version__
from vvic_desktop.i18n import resources_dir
from vvic_desktop.paths import AppPaths

# The .desktop file's name (installer/vvic-desktop.desktop): Wayland matches windows to it.
DESKTOP_FILE_NAME = "vvic-desktop"
# Reversed, it is the macOS bundle identifier in installer/vvic-desktop.spec.
ORGANIZATION_DOMAIN = "vvic.desktop"
ICON_GLOB = "vvic-desktop-*.png"


def app_icon() -> QIcon:
    """The window and taskbar icon, from every size in resources/icons (Qt picks per use)."""
    icon = QIcon()
    for png in sorted((resources_dir() / "icons").glob(ICON_GLOB)):
        icon.addFile(str(png))
    return icon


def apply_identity(app: QCoreApplication, paths: AppPaths) -> None:
    """Names, version, icon and the QSettings location, before any window or QSettings exists."""
    app.setOrganizationName(APP_AUTHOR)
    app.setOrganizationDomain(ORGANIZATION_DOMAIN)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(paths.config))
    if isinstance(app, QGuiApplication):
        QGuiApplication.setDesktopFileName(DESKTOP_FILE_NAME)
        QGuiApplication.setWindowIcon(app_icon())
