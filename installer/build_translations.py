"""Translations build step.

    python installer/build_translations.py            compile resources/i18n/*.ts → *.qm
    python installer/build_translations.py --update   first re-extract strings (pyside6-lupdate)

The `.ts` files are the sources (edited with Qt Linguist or by hand); the `.qm` files are
generated here and are not committed.
"""

from __future__ import annotations

import argparse
import copy
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"
LANGUAGES = ("zh_CN", "en")


def tool(name: str) -> str:
    """The pyside6 tool next to this interpreter (a venv), else on PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"error: {name} not found (pip install PySide6-Essentials)")
    return found


def sources() -> list[str]:
    package = ROOT / "vvic_desktop"
    files = [package / "app.py", package / "i18n.py"]
    files += sorted((package / "ui").rglob("*.py"))
    return [str(path.relative_to(ROOT)) for path in files if path.exists()]


def ts_path(lang: str) -> Path:
    return I18N / f"vvic_desktop_{lang}.ts"


def _finished(path: Path) -> dict[str, ET.Element]:
    """Source text -> its finished <translation> element, from any context of `path`."""
    found: dict[str, ET.Element] = {}
    if not path.exists():
        return found
    for message in ET.parse(path).getroot().iter("message"):
        translation = message.find("translation")
        source = message.findtext("source")
        if source is not None and translation is not None and translation.get("type") is None:
            found.setdefault(source, translation)
    return found


def _carry_over(path: Path, known: dict[str, ET.Element]) -> int:
    """A string that moved to another class (a new lupdate context) keeps its translation:
    fill each unfinished message whose source text was translated before. Returns how many."""
    tree = ET.parse(path)
    filled = 0
    for message in tree.getroot().iter("message"):
        translation = message.find("translation")
        old = known.get(message.findtext("source") or "")
        if translation is None or old is None or translation.get("type") != "unfinished":
            continue
        if (message.get("numerus") == "yes") != bool(old.findall("numerusform")):
            continue
        message.remove(translation)
        message.append(copy.deepcopy(old))
        filled += 1
    if filled:
        tree.write(path, encoding="utf-8", xml_declaration=True)
    return filled


def update(extra: list[str] | None = None) -> None:
    I18N.mkdir(parents=True, exist_ok=True)
    for lang in LANGUAGES:
        known = _finished(ts_path(lang))
        subprocess.run(
            [
                tool("pyside6-lupdate"),
                *sources(),
                "-no-obsolete",
                "-locations",
                "none",
                "-target-language",
                lang,
                "-ts",
                str(ts_path(lang)),
                *(extra or []),
            ],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        _carry_over(ts_path(lang), known)


def release() -> None:
    for lang in LANGUAGES:
        source = ts_path(lang)
        if not source.exists():
            continue
        subprocess.run(
            [
                tool("pyside6-lrelease"),
                "-silent",
                str(source),
                "-qm",
                str(source.with_suffix(".qm")),
            ],
            check=True,
            cwd=ROOT,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--update", action="store_true", help="re-extract strings first")
    args = parser.parse_args()
    if args.update:
        update()
    release()


if __name__ == "__main__":
    main()
