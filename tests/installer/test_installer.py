"""The installer's parts, checked without running PyInstaller (too slow for the test run).

`bash installer/smoke.sh` does the real build and the frozen self-test; these tests keep the
spec, the Inno Setup template, the .desktop file, the tarball layout and the build script's
checks honest between real builds.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import types
from pathlib import Path

import pytest
from PIL import Image

from vvic_desktop import __version__

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"
ISS_TEMPLATE = INSTALLER / "vvic-desktop.iss.in"
DESKTOP = INSTALLER / "vvic-desktop.desktop"
posix_only = pytest.mark.skipif(os.name != "posix", reason="shell scripts and Linux layout")


def _load(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build():
    """installer/build.py as a module (installer/ is not a package)."""
    return _load("vvic_installer_build", INSTALLER / "build.py")


@pytest.fixture(scope="module")
def make_icons():
    return _load("vvic_installer_make_icons", INSTALLER / "make_icons.py")


@pytest.fixture(scope="module")
def translations_built():
    sys.path.insert(0, str(INSTALLER))
    import build_translations

    if not list((ROOT / "resources" / "i18n").glob("*.qm")):
        build_translations.release()


# --- the PyInstaller spec ----------------------------------------------------------------------


class _Recorder:
    """Stands in for PyInstaller's Analysis/PYZ/EXE/COLLECT/BUNDLE: keeps what it was given."""

    def __init__(self, calls: dict[str, list], kind: str) -> None:
        self.calls, self.kind = calls, kind

    def __call__(self, *args, **kwargs):
        self.calls.setdefault(self.kind, []).append((args, kwargs))
        return types.SimpleNamespace(pure=[], scripts=[], binaries=[], datas=[], zipfiles=[])


@pytest.fixture
def spec_run(monkeypatch, translations_built):
    """Execute the spec with PyInstaller's names stubbed, as PyInstaller would (SPECPATH set)."""
    collected: list[str] = []
    hooks = types.ModuleType("PyInstaller.utils.hooks")

    def collect_submodules(package, filter=None):
        collected.append(package)
        return [f"{package}.stub"]

    hooks.collect_submodules = collect_submodules
    hooks.copy_metadata = lambda dist: [(f"/site/{dist}-25.7.0.dist-info", f"{dist}.dist-info")]
    for name in ("PyInstaller", "PyInstaller.utils"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    calls: dict[str, list] = {}
    namespace = {
        "SPECPATH": str(INSTALLER),
        "__name__": "__main__",
        **{kind: _Recorder(calls, kind) for kind in ("Analysis", "PYZ", "EXE", "COLLECT")},
        "BUNDLE": _Recorder(calls, "BUNDLE"),
    }
    source = (INSTALLER / "vvic-desktop.spec").read_text(encoding="utf-8")
    exec(compile(source, "vvic-desktop.spec", "exec"), namespace)
    return calls, collected, namespace


def test_spec_bundles_every_resource_the_app_reads(spec_run):
    calls, _, _ = spec_run
    (args, kwargs), = calls["Analysis"]
    assert Path(args[0][0]) == ROOT / "vvic_desktop" / "__main__.py"
    datas = kwargs["datas"]
    local = [(Path(src), dest) for src, dest in datas if not src.startswith("/site/")]
    for src, _ in local:
        assert src.is_file(), src
    placed = {(src.name, dest) for src, dest in local}
    assert ("vvic_desktop_zh_CN.qm", "resources/i18n") in placed
    assert ("vvic_desktop_en.qm", "resources/i18n") in placed
    assert ("dress-photo.jpg", "resources/samples") in placed  # the --self-test photo
    assert ("vvic-desktop-256.png", "resources/icons") in placed
    # keyring finds its backends through its package metadata (entry points)
    assert ("/site/keyring-25.7.0.dist-info", "keyring.dist-info") in datas


@pytest.mark.skipif(
    not (Path(sys.prefix) / "share/vvic-desktop/models/efficientnet-lite0.onnx").is_file(),
    reason="the local catalog's model was not built (installer/bootstrap.sh)",
)
def test_spec_bundles_the_model_file_with_its_licence(spec_run):
    calls, _, _ = spec_run
    (_, kwargs), = calls["Analysis"]
    placed = {(Path(src).name, dest) for src, dest in kwargs["datas"]}
    assert ("efficientnet-lite0.onnx", "vvic_desktop_models") in placed  # core.features, frozen
    assert ("efficientnet-lite0-LICENSE.txt", "vvic_desktop_models") in placed


def test_spec_collects_keyring_backends_and_leaves_out_test_tools(spec_run):
    calls, collected, _ = spec_run
    (_, kwargs), = calls["Analysis"]
    assert "keyring.backends" in collected
    assert "vvic_desktop" in collected
    assert "pillow_heif" in kwargs["hiddenimports"]
    for heavy in ("scipy", "onnxruntime", "pytest", "tkinter"):
        assert heavy in kwargs["excludes"]


def test_spec_builds_a_windowed_onedir_app_named_after_the_package_version(spec_run):
    calls, _, namespace = spec_run
    (_, exe), = calls["EXE"]
    assert exe["console"] is False
    assert exe["exclude_binaries"] is True  # onedir: the binaries go to COLLECT
    assert exe["name"] == "vvic-desktop"
    (_, collect), = calls["COLLECT"]
    assert collect["name"] == "vvic-desktop"
    assert namespace["VERSION"] == __version__


def test_windows_exe_carries_a_version_resource_with_the_package_version(spec_run):
    _, _, namespace = spec_run
    recorded = types.ModuleType("PyInstaller.utils.win32.versioninfo")
    for cls in ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "VarFileInfo"):
        setattr(recorded, cls, lambda *a, _cls=cls, **k: (_cls, a, k))
    recorded.StringStruct = lambda key, value: (key, value)
    recorded.VarStruct = lambda name, values: (name, values)
    win32 = types.ModuleType("PyInstaller.utils.win32")
    win32.versioninfo = recorded
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "PyInstaller.utils.win32", win32)
        patch.setitem(sys.modules, "PyInstaller.utils.win32.versioninfo", recorded)
        _, _, info = namespace["windows_version_info"]("2.10.3")
    (_, _, fixed), = [info["ffi"]]
    assert fixed["filevers"] == fixed["prodvers"] == (2, 10, 3, 0)
    (_, (tables,), _), _ = info["kids"]
    (_, (_, strings), _), = tables
    assert ("FileVersion", "2.10.3") in strings
    assert ("OriginalFilename", "vvic-desktop.exe") in strings


def test_spec_refuses_to_build_without_compiled_translations(spec_run, monkeypatch, tmp_path):
    _, _, namespace = spec_run
    monkeypatch.setitem(namespace, "RESOURCES", tmp_path)
    with pytest.raises(SystemExit, match="build_translations"):
        namespace["data_files"]()


# --- the Inno Setup template -------------------------------------------------------------------


@pytest.fixture
def iss_text(build, tmp_path):
    folder = tmp_path / "dist" / "vvic-desktop"
    folder.mkdir(parents=True)
    icon = tmp_path / "vvic-desktop.ico"
    path = build.write_iss(__version__, folder, icon, dist=tmp_path / "dist")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Inno Setup reads UTF-8 only with a BOM
    return raw.decode("utf-8-sig"), folder, icon


def _directives(text: str) -> dict[str, str]:
    section, found = "", {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "Setup" and "=" in line and not line.startswith(";"):
            key, value = line.split("=", 1)
            found[key.strip()] = value.strip()
    return found


def test_iss_is_filled_with_the_version_and_this_builds_paths(iss_text):
    text, folder, icon = iss_text
    assert f'#define AppVersion "{__version__}"' in text
    assert f'#define AppSourceDir "{folder.resolve()}"' in text
    assert f'#define AppIconFile "{icon.resolve()}"' in text
    assert "@" not in "".join(line for line in text.splitlines() if line.startswith("#define"))
    setup = _directives(text)
    assert setup["AppVersion"] == "{#AppVersion}"
    assert setup["OutputBaseFilename"] == "vvic-desktop-{#AppVersion}-windows-x64-setup"


def test_iss_installs_per_user_in_chinese_and_english(iss_text):
    text, _, _ = iss_text
    setup = _directives(text)
    assert setup["PrivilegesRequired"] == "lowest"  # no administrator, no UAC prompt
    assert setup["DefaultDirName"].startswith("{autopf}")  # per user: %LOCALAPPDATA%\Programs
    assert setup["AppId"].startswith("{{")  # fixed, so an upgrade installs over the old one
    assert 'Name: "chinesesimplified"; MessagesFile: "{#ChineseMessages}"' in text
    assert 'Name: "english"; MessagesFile: "compiler:Default.isl"' in text
    assert "chinesesimplified.AppName=搜款图搜" in text
    assert "english.AppName=VVIC Image Search" in text


def test_iss_has_shortcuts_and_an_uninstaller(iss_text):
    text, _, _ = iss_text
    icons = text.split("[Icons]", 1)[1].split("\n[", 1)[0]
    assert 'Name: "{autoprograms}\\{cm:AppName}"; Filename: "{app}\\{#AppExeName}"' in icons
    assert 'Filename: "{uninstallexe}"' in icons  # Start-menu uninstall entry
    assert 'Name: "{autodesktop}\\{cm:AppName}"' in icons and "Tasks: desktopicon" in icons
    setup = _directives(text)
    assert setup["UninstallDisplayIcon"] == "{app}\\{#AppExeName}"
    assert 'Source: "{#AppSourceDir}\\*"' in text and "recursesubdirs" in text


def test_template_filling_refuses_a_placeholder_without_a_value(build):
    with pytest.raises(build.BuildError, match="VERSION"):
        build.fill_template("AppVersion=@VERSION@ @APP_DIR@", {"APP_DIR": "x"})
    with pytest.raises(build.BuildError, match="EXTRA"):
        build.fill_template("@VERSION@", {"VERSION": "1", "EXTRA": "y"})
    assert build.fill_template("v=@VERSION@", {"VERSION": "1.2"}) == "v=1.2"


# --- the Linux .desktop file and tarball ----------------------------------------------------------


def test_desktop_file_names_the_program_and_icon_in_both_languages(make_icons):
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == "VVIC Image Search"
    assert entry["Name[zh_CN]"] == "搜款图搜"
    assert entry["Exec"] == entry["TryExec"] == "vvic-desktop"
    assert entry["Icon"] == make_icons.NAME  # the hicolor PNGs the tarball ships
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")
    from vvic_desktop.ui.identity import DESKTOP_FILE_NAME

    assert DESKTOP.stem == DESKTOP_FILE_NAME  # Wayland matches windows to the file by this


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="desktop-file-utils")
def test_desktop_file_passes_desktop_file_validate():
    proc = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "error" not in proc.stdout


def _fake_bundle(root: Path) -> Path:
    folder = root / "dist" / "vvic-desktop"
    internal = folder / "_internal"
    for rel in (
        "resources/i18n/vvic_desktop_zh_CN.qm",
        "resources/i18n/vvic_desktop_en.qm",
        "resources/samples/dress-photo.jpg",
        "resources/icons/vvic-desktop-256.png",
        "keyring-25.7.0.dist-info/entry_points.txt",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "_pillow_heif.cpython-311-x86_64-linux-gnu.so",
        "vvic_desktop_models/efficientnet-lite0.onnx",
        "vvic_desktop_models/efficientnet-lite0-LICENSE.txt",
    ):
        (internal / rel).parent.mkdir(parents=True, exist_ok=True)
        (internal / rel).write_bytes(b"x")
    program = folder / ("vvic-desktop.exe" if sys.platform == "win32" else "vvic-desktop")
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    return folder


def test_check_bundle_names_what_is_missing(build, tmp_path):
    folder = _fake_bundle(tmp_path)
    build.check_bundle(folder)  # complete: no error
    (folder / "_internal/resources/i18n/vvic_desktop_zh_CN.qm").unlink()
    shutil.rmtree(next((folder / "_internal").glob("keyring-*.dist-info")))
    next((folder / "_internal").glob("_pillow_heif*")).unlink()
    with pytest.raises(build.BuildError) as caught:
        build.check_bundle(folder)
    assert "Chinese translation" in str(caught.value)
    assert "keyring" in str(caught.value)
    assert "HEIC" in str(caught.value)


@posix_only
def test_tarball_holds_app_desktop_entry_icons_and_installer(build, make_icons, tmp_path):
    folder = _fake_bundle(tmp_path)
    icons = tmp_path / "icons"
    make_icons.write_pngs(icons)
    out = build.make_tarball("9.8.7", folder, icons, dist=tmp_path / "dist")
    assert out.name == f"vvic-desktop-9.8.7-linux-{build.platform.machine()}.tar.gz"
    with tarfile.open(out) as tar:
        members = {m.name: m for m in tar.getmembers()}
    top = "vvic-desktop-9.8.7"
    assert members[f"{top}/vvic-desktop"].mode & stat.S_IXUSR
    assert members[f"{top}/install.sh"].mode & stat.S_IXUSR
    assert f"{top}/_internal/resources/i18n/vvic_desktop_zh_CN.qm" in members
    assert f"{top}/share/applications/vvic-desktop.desktop" in members
    for size in make_icons.PNG_SIZES:
        assert f"{top}/share/icons/hicolor/{size}x{size}/apps/vvic-desktop.png" in members
    assert {m.uid for m in members.values()} == {0}  # not the builder's own uid
    assert not (tmp_path / "dist" / (out.name + ".part")).exists()


@posix_only
def test_install_script_adds_a_menu_entry_that_points_at_the_unpacked_app(
    build, make_icons, tmp_path
):
    folder = _fake_bundle(tmp_path)
    icons = tmp_path / "icons"
    make_icons.write_pngs(icons)
    out = build.make_tarball("1.0.0", folder, icons, dist=tmp_path / "dist")
    unpacked = tmp_path / "unpacked"
    with tarfile.open(out) as tar:
        # extraction filters came in 3.11.4 (Debian 12 has 3.11.2); where they exist, say
        # which one (3.12 and 3.13 warn without, 3.14 defaults to "data")
        if hasattr(tarfile, "tar_filter"):
            tar.extractall(unpacked, filter="tar")
        else:
            tar.extractall(unpacked)  # our own tarball, just built
    app = unpacked / "vvic-desktop-1.0.0"
    home = tmp_path / "home"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
    subprocess.run(["sh", str(app / "install.sh")], env=env, check=True, capture_output=True)
    entry = home / ".local/share/applications/vvic-desktop.desktop"
    text = entry.read_text(encoding="utf-8")
    assert f"Exec={home}/.local/bin/vvic-desktop" in text
    assert (home / ".local/bin/vvic-desktop").resolve() == (app / "vvic-desktop").resolve()
    assert (home / ".local/share/icons/hicolor/48x48/apps/vvic-desktop.png").is_file()
    subprocess.run(
        ["sh", str(app / "install.sh"), "--remove"], env=env, check=True, capture_output=True
    )
    assert not entry.exists()
    assert not (home / ".local/bin/vvic-desktop").exists()


# --- the frozen self-test step -------------------------------------------------------------------


def _fake_program(folder: Path, body: str) -> None:
    program = folder / "vvic-desktop"
    program.write_text("#!/bin/sh\n" + body)
    program.chmod(0o755)


@posix_only
def test_self_test_step_passes_an_offscreen_run_that_wrote_its_screenshot(build, tmp_path):
    folder = _fake_bundle(tmp_path)
    # the fake app insists on what the real step must give it: offscreen, a data dir, Chinese
    _fake_program(
        folder,
        '[ "$QT_QPA_PLATFORM" = offscreen ] || exit 3\n'
        '[ -z "${DISPLAY:-}" ] || exit 4\n'
        'case "$*" in *"--lang zh_CN"*"--data-dir "*"--self-test "*) ;; *) exit 5 ;; esac\n'
        'for last; do :; done\nprintf PNG > "$last"\n',
    )
    shot = tmp_path / "kept" / "self-test.png"
    seconds = build.run_self_test(folder, shot, timeout_s=30)
    assert shot.read_bytes() == b"PNG"
    assert seconds >= 0


@posix_only
def test_self_test_step_fails_the_build_on_a_non_zero_exit(build, tmp_path):
    folder = _fake_bundle(tmp_path)
    _fake_program(folder, "echo 'error: self-test failed: timed out at step search' >&2\nexit 1\n")
    with pytest.raises(build.BuildError, match=r"exited 1:\n.*timed out at step search"):
        build.run_self_test(folder, tmp_path / "shot.png", timeout_s=30)


@posix_only
def test_self_test_step_shows_the_apps_log_when_the_program_has_no_stderr(build, tmp_path):
    """A windowed Windows build writes nothing to stderr: the reason is in its log file."""
    folder = _fake_bundle(tmp_path)
    _fake_program(
        folder,
        'for a; do [ "$prev" = --data-dir ] && dir=$a; prev=$a; done\n'
        'mkdir -p "$dir/logs"\n'
        'echo "ERROR vvic_desktop.ui.self_test: self-test failed: no groups" > '
        '"$dir/logs/vvic-desktop.log"\n'
        "exit 1\n",
    )
    with pytest.raises(build.BuildError, match="self-test failed: no groups"):
        build.run_self_test(folder, tmp_path / "shot.png", timeout_s=30)


@posix_only
def test_self_test_step_fails_the_build_without_a_screenshot(build, tmp_path):
    folder = _fake_bundle(tmp_path)
    _fake_program(folder, "exit 0\n")
    with pytest.raises(build.BuildError, match="no screenshot"):
        build.run_self_test(folder, tmp_path / "shot.png", timeout_s=30)


# --- icons ----------------------------------------------------------------------------------------


def test_icons_come_in_every_size_each_platform_needs(make_icons, tmp_path):
    files = make_icons.build_icons(tmp_path)
    with Image.open(files["ico"]) as ico:
        assert ico.info["sizes"] >= {(s, s) for s in (16, 24, 32, 48, 64, 128, 256)}
    with Image.open(files["icns"]) as icns:
        assert {w for w, _, _ in icns.info["sizes"]} >= {16, 32, 128, 256, 512}
    for size in make_icons.PNG_SIZES:
        with Image.open(tmp_path / f"vvic-desktop-{size}.png") as png:
            assert png.size == (size, size)
            assert png.mode == "RGBA"
            # the tile is opaque in the middle and transparent in the corner
            assert png.getpixel((size // 2, size // 2))[3] == 255
            assert png.getpixel((0, 0))[3] < 16


def test_committed_window_icons_match_the_drawing(make_icons, tmp_path):
    """resources/icons is make_icons' output: redrawing gives the same pictures."""
    for path in make_icons.write_pngs(tmp_path, make_icons.RESOURCE_SIZES):
        with Image.open(path) as fresh, Image.open(ROOT / "resources/icons" / path.name) as kept:
            assert fresh.tobytes() == kept.tobytes()
