"""`vvic-desktop` with no display: one line saying how to run headless, exit 2 (not Qt's abort)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vvic_desktop.app import has_display

ROOT = Path(__file__).resolve().parents[2]
RUN_APP = "import sys; from vvic_desktop.app import main; sys.exit(main(sys.argv[1:]))"


def headless_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(VVIC_DESKTOP_DATA_DIR=str(data_dir),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), **extra)
    return env


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="X11/Wayland platforms only")
@pytest.mark.parametrize("lang, word",
                         [("en", "xvfb-run -a vvic-desktop"), ("zh_CN", "无界面运行")])
def test_no_display_says_how_to_run_headless_and_exits_2(data_dir, lang, word):
    done = subprocess.run([sys.executable, "-c", RUN_APP, "--lang", lang],
                          env=headless_env(data_dir), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and word in done.stderr
    assert "libxcb" not in done.stderr and done.stdout == ""


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="X11/Wayland platforms only")
def test_the_message_follows_the_locale_without_lang(data_dir):
    done = subprocess.run([sys.executable, "-c", RUN_APP], capture_output=True, text=True,
                          env=headless_env(data_dir, VVIC_LANG="zh_CN"), timeout=60)
    assert done.returncode == 2 and "无界面运行" in done.stderr


def test_what_counts_as_a_display():
    assert not has_display({}, "linux")
    assert has_display({"DISPLAY": ":0"}, "linux")
    assert has_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert has_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not has_display({"DISPLAY": ""}, "freebsd14")
    assert has_display({}, "win32") and has_display({}, "darwin")
