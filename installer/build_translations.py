"""Translations build step.

    python installer/build_translations.py            compile resources/i18n/*.ts → *.qm
    python installer/build_translations.py --update   first re-extract strings (pyside6-lupdate)

The `.ts` files are the sources (edited with Qt Linguist or by hand); the `.qm` files are
generated here and are not committed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

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


def update(extra: list[str] | None = None) -> None:
    I18N.mkdir(parents=True, exist_ok=True)
    for lang in LANGUAGES:
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
