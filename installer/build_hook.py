"""The build hook: a wheel carries resources/ (translations, icons, the sample photo) inside
the package, as vvic_desktop/resources, with the translations compiled when Qt's lrelease is
at hand. Without lrelease (pip's isolated build has no PySide6) the .ts files go in as they
are and vvic_desktop.i18n reads them at start-up. An editable install keeps using the
checkout's resources/ (same fallback). pyproject.toml names it ([tool.setuptools.cmdclass]),
so the project's top level stays as DESIGN §3 lays it out."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("i18n", "icons", "samples")  # not the README's screenshots


def _lrelease() -> str | None:
    for name in ("pyside6-lrelease", "lrelease"):
        beside = Path(sys.executable).with_name(name)
        if beside.exists():
            return str(beside)
        found = shutil.which(name)
        if found:
            return found
    return None


def ship_resources(target: Path, lrelease: str | None) -> None:
    """Copy resources/ into `target` (the wheel's vvic_desktop/resources), compiling the
    translations with `lrelease` when given; a stale .qm is dropped so the .ts is read."""
    for folder in SHIPPED:
        source = ROOT / "resources" / folder
        if source.is_dir():
            shutil.copytree(source, target / folder, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    for ts in sorted((target / "i18n").glob("*.ts")):
        qm = ts.with_suffix(".qm")
        if qm.exists() and (lrelease or qm.stat().st_mtime < ts.stat().st_mtime):
            qm.unlink()
        if qm.exists() or lrelease is None:
            continue
        done = subprocess.run([lrelease, str(ts), "-qm", str(qm)], capture_output=True)
        if done.returncode != 0:
            print(f"warning: {ts.name} not compiled; it is read at start-up instead")


class BuildPyWithResources(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # the checkout's resources/ are used in place
        ship_resources(Path(self.build_lib) / "vvic_desktop" / "resources", _lrelease())
