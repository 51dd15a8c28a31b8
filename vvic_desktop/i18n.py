"""Language choice and Qt translators: Chinese first, English second.

Source strings are English and go through `tr()`; `resources/i18n/vvic_desktop_<lang>.ts` are
maintained with pyside6-lupdate and compiled to `.qm` by `installer/build_translations.py`
(a build step: `.qm` files are generated, never edited). Errors from `core.errors` carry both
languages themselves; `apply_language` switches them too.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from vvic_desktop.core import errors

LANGUAGES = ("zh_CN", "en")


def resources_dir() -> Path:
    """`resources/` beside the package (source checkout) or inside a frozen bundle."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def choose_language(setting: str | None, system_locale: str | None = None) -> str:
    """ "system" (or nothing) follows the OS locale: zh* → zh_CN, anything else → en."""
    if setting and setting != "system":
        return "zh_CN" if setting.lower().startswith("zh") else "en"
    name = system_locale if system_locale is not None else QLocale.system().name()
    return "zh_CN" if name.lower().startswith("zh") else "en"


_installed: list[QTranslator] = []


def apply_language(app: QCoreApplication, lang: str) -> bool:
    """Install the app's and Qt's own translators for `lang`; True if the app's .qm loaded."""
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    errors.set_language(lang)
    QLocale.setDefault(
        QLocale(
            QLocale.Language.Chinese if lang == "zh_CN" else QLocale.Language.English,
            QLocale.Country.China if lang == "zh_CN" else QLocale.Country.UnitedStates,
        )
    )
    loaded = False
    ours = QTranslator(app)
    if ours.load(str(resources_dir() / "i18n" / f"vvic_desktop_{lang}.qm")):
        app.installTranslator(ours)
        _installed.append(ours)
        loaded = True
    qt_own = QTranslator(app)  # standard dialogs and buttons (OK/Cancel, file dialogs)
    if qt_own.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_own)
        _installed.append(qt_own)
    return loaded
