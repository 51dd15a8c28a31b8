"""Build the installable app: `python installer/build.py` → dist/vvic-desktop/ and friends.

Steps, each stopping the build with one `error: …` line when it fails:

1. compile the translations (resources/i18n/*.ts → .qm; PyInstaller bundles the .qm);
2. draw the icons (installer/make_icons.py → build/icons: PNGs, .ico, .icns);
3. freeze with PyInstaller (installer/vvic-desktop.spec → dist/vvic-desktop/, one folder);
4. check the bundle holds what the app reads at run time (translations, sample, icons,
   keyring's entry points, Qt's offscreen platform plugin);
5. fill the Inno Setup template → dist/vvic-desktop.iss (compile it on Windows with `iscc`);
6. on Linux, pack dist/vvic-desktop-<version>-linux-x86_64.tar.gz (app, .desktop file, icons,
   install.sh);
7. run the frozen app's `--self-test OUT.png` offscreen with a throw-away data dir and fail
   the build unless it exits 0 and wrote the screenshot (kept as dist/self-test.png).

PyInstaller is not a cross-compiler: build on the system you ship for (the README says how).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import make_icons  # noqa: E402 - installer/ is not a package

DIST = ROOT / "dist"
BUILD = ROOT / "build"
ICONS = BUILD / "icons"
SPEC = HERE / "vvic-desktop.spec"
ISS_TEMPLATE = HERE / "vvic-desktop.iss.in"
DESKTOP_FILE = HERE / "vvic-desktop.desktop"
LINUX_INSTALL = HERE / "install-linux.sh"
NAME = "vvic-desktop"
SELF_TEST_TIMEOUT_S = 240.0
MODELS = Path(sys.prefix) / "share" / "vvic-desktop" / "models"  # bootstrap.sh builds them there
PLACEHOLDER = re.compile(r"@([A-Z_]+)@")


class BuildError(Exception):
    """A step failed; the message says which and what to do."""


def package_version() -> str:
    """`vvic_desktop.__version__` (the package's __init__ imports nothing else)."""
    from vvic_desktop import __version__

    return __version__


def app_dir(dist: Path = DIST) -> Path:
    return dist / NAME


def executable(folder: Path) -> Path:
    return folder / (f"{NAME}.exe" if sys.platform == "win32" else NAME)


def fill_template(template: str, values: Mapping[str, str]) -> str:
    """Replace every `@NAME@`; a placeholder without a value (or a value without a place) is an
    error, so a template edit cannot ship an installer that still says `@VERSION@`."""
    wanted = set(PLACEHOLDER.findall(template))
    missing = sorted(wanted - set(values))
    unused = sorted(set(values) - wanted)
    if missing or unused:
        raise BuildError(
            f"template placeholders without a value: {missing}; values without a place: {unused}"
        )
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def iss_values(version: str, folder: Path, icon: Path, output_dir: Path) -> dict[str, str]:
    """The template's values; Windows paths, since only Inno Setup on Windows reads them."""
    return {
        "VERSION": version,
        "APP_DIR": str(folder.resolve()),
        "ICON_FILE": str(icon.resolve()),
        "OUTPUT_DIR": str(output_dir.resolve()),
    }


def write_iss(version: str, folder: Path, icon: Path, dist: Path = DIST) -> Path:
    """dist/vvic-desktop.iss, UTF-8 with a BOM (how Inno Setup 6 knows the file is Unicode)."""
    text = fill_template(
        ISS_TEMPLATE.read_text(encoding="utf-8"), iss_values(version, folder, icon, dist)
    )
    out = dist / f"{NAME}.iss"
    out.write_text(text, encoding="utf-8-sig", newline="\r\n")
    return out


def tarball_name(version: str) -> str:
    return f"{NAME}-{version}-linux-{platform.machine() or 'x86_64'}.tar.gz"


def make_tarball(version: str, folder: Path, icons: Path, dist: Path = DIST) -> Path:
    """The Linux download: one top folder with the app, its .desktop file, icons, install.sh."""
    top = f"{NAME}-{version}"
    out = dist / tarball_name(version)
    partial = out.with_name(out.name + ".part")
    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=top, filter=_anonymous)
        tar.add(
            DESKTOP_FILE,
            arcname=f"{top}/share/applications/{DESKTOP_FILE.name}",
            filter=_anonymous,
        )
        for size in make_icons.PNG_SIZES:
            tar.add(
                icons / f"{NAME}-{size}.png",
                arcname=f"{top}/share/icons/hicolor/{size}x{size}/apps/{NAME}.png",
                filter=_anonymous,
            )
        tar.add(LINUX_INSTALL, arcname=f"{top}/install.sh", filter=_anonymous)
    os.replace(partial, out)
    return out


def _anonymous(member: tarfile.TarInfo) -> tarfile.TarInfo:
    """Files unpack as the user who unpacks them, not as the builder's uid; the modes stay
    (the program and install.sh executable), minus group/other write."""
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    member.mode &= 0o755
    return member


def check_bundle(folder: Path) -> None:
    """What the frozen app reads at run time is in the bundle (a missing .qm shows English to a
    Chinese user and passes every smoke test, so look for it here)."""
    internal = folder / "_internal"
    wanted = {
        "the program": executable(folder),
        "Chinese translation": internal / "resources/i18n/vvic_desktop_zh_CN.qm",
        "English translation": internal / "resources/i18n/vvic_desktop_en.qm",
        "self-test photo": internal / "resources/samples/dress-photo.jpg",
        "window icon": internal / "resources/icons/vvic-desktop-256.png",
    }
    missing = [f"{what} ({path})" for what, path in wanted.items() if not path.is_file()]
    if not any(internal.glob("keyring-*.dist-info/entry_points.txt")):
        missing.append("keyring's entry points (keyring-*.dist-info): it would find no backend")
    if not any(internal.glob("_pillow_heif*")):
        missing.append("pillow-heif's decoder (_pillow_heif): iPhone HEIC photos would fail")
    if not any(internal.glob("PySide6/**/platforms/*offscreen*")):
        missing.append("Qt's offscreen platform plugin")
    if (MODELS / "efficientnet-lite0.onnx").is_file():  # the local catalog's model, licence
        for rel in ("efficientnet-lite0.onnx", "efficientnet-lite0-LICENSE.txt"):
            if not (internal / "vvic_desktop_models" / rel).is_file():
                missing.append(f"vvic_desktop_models/{rel}")
    if missing:
        raise BuildError("the bundle lacks: " + "; ".join(missing))


def run_self_test(folder: Path, screenshot: Path, timeout_s: float = SELF_TEST_TIMEOUT_S) -> float:
    """The frozen app's own end-to-end check, offscreen, with a temp data dir; seconds taken."""
    program = executable(folder)
    with tempfile.TemporaryDirectory(prefix="vvic-selftest-") as tmp:
        out = Path(tmp) / "self-test.png"
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        env.pop("VVIC_DESKTOP_DATA_DIR", None)
        env["QT_QPA_PLATFORM"] = "offscreen"
        # the demo needs no secret: keep the user's keychain out of a build step
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
        # in Chinese, the language most users see: proves the bundled .qm and a CJK font load
        command = [
            str(program),
            "--lang",
            "zh_CN",
            "--data-dir",
            str(Path(tmp) / "data"),
            "--self-test",
            str(out),
        ]
        started = time.monotonic()
        try:
            proc = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise BuildError(f"frozen self-test did not finish in {timeout_s:.0f} s") from exc
        elapsed = time.monotonic() - started
        if proc.returncode != 0:
            # a windowed Windows program has no stderr: the app's log file says why instead
            log = Path(tmp) / "data" / "logs" / "vvic-desktop.log"
            said = proc.stderr or proc.stdout or ""
            if not said.strip() and log.is_file():
                said = log.read_text(encoding="utf-8", errors="replace")
            tail = "\n".join(said.strip().splitlines()[-15:])
            raise BuildError(f"frozen self-test exited {proc.returncode}:\n{tail}")
        if not out.is_file() or out.stat().st_size == 0:
            raise BuildError(f"frozen self-test exited 0 but wrote no screenshot at {out}")
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out, screenshot)
    return elapsed


def run(command: list[str], what: str, env: Mapping[str, str] | None = None) -> None:
    print(f"== {what}", flush=True)
    try:
        subprocess.run(command, cwd=ROOT, env=dict(env) if env else None, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BuildError(f"{what} failed: {exc}") from exc


def freeze(icons: Path) -> Path:
    try:
        import PyInstaller  # noqa: F401
    except ImportError as exc:
        raise BuildError('PyInstaller is not installed: pip install -e ".[build]"') from exc
    env = {**os.environ, "VVIC_ICON_DIR": str(icons)}
    run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(DIST),
            "--workpath",
            str(BUILD / "pyinstaller"),
            str(SPEC),
        ],
        "PyInstaller",
        env,
    )
    return app_dir()


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def build(self_test: bool = True) -> int:
    timings: dict[str, float] = {}
    started = time.monotonic()
    version = package_version()
    print(f"vvic-desktop {version} on {sys.platform} ({platform.machine()})", flush=True)
    run([sys.executable, str(HERE / "build_translations.py")], "translations")

    print("== icons", flush=True)
    icon_files = make_icons.build_icons(ICONS)

    t = time.monotonic()
    folder = freeze(ICONS)
    timings["PyInstaller"] = time.monotonic() - t
    check_bundle(folder)

    iss = write_iss(version, folder, icon_files["ico"])
    print(f"Inno Setup script: {iss.relative_to(ROOT)}")
    if sys.platform.startswith("linux"):
        t = time.monotonic()
        tarball = make_tarball(version, folder, ICONS)
        timings["tarball"] = time.monotonic() - t
        size_mib = tarball.stat().st_size / 2**20
        print(f"Linux tarball: {tarball.relative_to(ROOT)} ({size_mib:.1f} MiB)")
    print(f"bundle: {folder.relative_to(ROOT)} ({folder_size(folder) / 2**20:.1f} MiB)")

    if self_test:
        print("== frozen self-test (offscreen)", flush=True)
        shot = DIST / "self-test.png"
        timings["self-test"] = run_self_test(folder, shot)
        print(f"self-test passed; screenshot: {shot.relative_to(ROOT)}")
    timings["total"] = time.monotonic() - started
    print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Freeze vvic-desktop and test the result.")
    parser.add_argument(
        "--no-self-test", action="store_true", help="skip the frozen --self-test (not for release)"
    )
    args = parser.parse_args(argv)
    try:
        return build(self_test=not args.no_self_test)
    except BuildError as exc:
        print(f"error: build failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
