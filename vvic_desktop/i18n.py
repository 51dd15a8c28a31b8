"""Language choice and Qt translators: Chinese first, English second.

Source strings are English and go through `tr()`; `resources/i18n/vvic_desktop_<lang>.ts` are
maintained with pyside6-lupdate and compiled to `.qm` by `installer/build_translations.py`
(a build step: `.qm` files are generated, never edited). Where the `.qm` is missing (an
editable install, a wheel built without Qt's tools) the `.ts` itself is read at start-up by
`TsTranslator`, so every install speaks Chinese. A translation that cannot be loaded either
way is logged, and `translation_problem()` says so once for the window to show. Errors from
`core.errors` carry both languages themselves; `apply_language` switches them too.
"""

from __future__ import annotations

import logging
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from vvic_desktop.core import errors

LANGUAGES = ("zh_CN", "en")
MAX_TS_BYTES = 8 * 1024 * 1024

log = logging.getLogger(__name__)


def resources_dir() -> Path:
    """`resources/` inside a frozen bundle, inside the installed package (a wheel: see
    installer/build_hook.py), or beside the package (a source checkout, an editable install)."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    package = Path(__file__).resolve().parent
    inside = package / "resources"
    return inside if inside.is_dir() else package.parent / "resources"


def choose_language(setting: str | None, system_locale: str | None = None) -> str:
    """ "system" (or nothing) follows the OS locale: zh* → zh_CN, anything else → en."""
    if setting and setting != "system":
        return "zh_CN" if setting.lower().startswith("zh") else "en"
    name = system_locale if system_locale is not None else QLocale.system().name()
    return "zh_CN" if name.lower().startswith("zh") else "en"


_installed: list[QTranslator] = []
_problem: str | None = None


def translation_problem() -> str | None:
    """Why the interface translation did not load, once: the next call returns None."""
    global _problem
    problem, _problem = _problem, None
    return problem


def _plural_index(lang: str, n: int) -> int:
    """Qt's numerus form for `n`: Chinese has one form, English two (1, other)."""
    if lang.startswith("zh") or n < 0:
        return 0
    return 0 if n == 1 else 1


def read_ts(path: Path) -> dict[tuple[str, str, str], list[str]]:
    """(context, source, disambiguation) → translated form(s) of a Qt Linguist .ts file;
    messages without a translation (or obsolete ones) are left out, as lrelease does."""
    if path.stat().st_size > MAX_TS_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_TS_BYTES} bytes")
    messages: dict[tuple[str, str, str], list[str]] = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("obsolete", "vanished"):
                continue
            if message.get("numerus") == "yes":
                forms = [form.text or "" for form in translation.iter("numerusform")]
            else:
                forms = [translation.text or ""]
            if not any(forms):
                continue
            key = (name, message.findtext("source") or "", message.findtext("comment") or "")
            messages[key] = forms
    return messages


class TsTranslator(QTranslator):
    """The `.ts` file read directly, for an install whose `.qm` was never compiled."""

    def __init__(self, path: Path, lang: str, parent: QCoreApplication | None = None) -> None:
        super().__init__(parent)
        self._lang = lang
        self._messages = read_ts(path)

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:  # type: ignore[override]
        forms = self._messages.get((context, source, disambiguation or ""))
        if not forms:
            return None  # Qt then shows the English source
        return forms[min(_plural_index(self._lang, n), len(forms) - 1)] or forms[0]

    def isEmpty(self) -> bool:
        return not self._messages


def _load_ours(app: QCoreApplication, lang: str) -> QTranslator | None:
    """The compiled .qm, else the .ts read directly; None (logged) when neither loads."""
    global _problem
    qm = resources_dir() / "i18n" / f"vvic_desktop_{lang}.qm"
    compiled = QTranslator(app)
    if qm.is_file() and compiled.load(str(qm)):
        return compiled
    ts = qm.with_suffix(".ts")
    try:
        translator = TsTranslator(ts, lang, app)
    except (OSError, ValueError, ET.ParseError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
    else:
        if not translator.isEmpty():
            log.info("translation %s read from %s (no compiled .qm)", lang, ts.name)
            return translator
        reason = "no translated message"
    log.warning("translation %s could not be loaded from %s or %s (%s)", lang, qm, ts, reason)
    _problem = (f"界面翻译（{lang}）无法加载，暂时显示英文。详见日志。" if lang == "zh_CN"
                else f"The {lang} interface translation could not be loaded; see the log.")
    return None


def apply_language(app: QCoreApplication, lang: str) -> bool:
    """Install the app's and Qt's own translators for `lang`; True if the app's own loaded."""
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
    ours = _load_ours(app, lang)
    if ours is not None:
        app.installTranslator(ours)
        _installed.append(ours)
    qt_own = QTranslator(app)  # standard dialogs and buttons (OK/Cancel, file dialogs)
    if qt_own.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_own)
        _installed.append(qt_own)
    return ours is not None
