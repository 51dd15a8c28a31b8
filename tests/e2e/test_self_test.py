"""`vvic-desktop --self-test OUT.png`: a real process, one demo search end to end."""

from __future__ import annotations

import os
import subprocess
import sys

from PIL import Image


def test_self_test_runs_a_demo_search_and_saves_a_screenshot(tmp_path):
    out = tmp_path / "shot.png"
    # no display and no QT_QPA_PLATFORM: the self-test picks offscreen by itself
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    if sys.platform in ("win32", "darwin"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "vvic_desktop",
            "--self-test",
            str(out),
            "--data-dir",
            str(tmp_path / "data"),
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "self-test passed" in done.stdout
    shot = Image.open(out)
    assert shot.width >= 900 and shot.height >= 600
    # the grid is not blank: the screenshot has many distinct colours (pictures, badges)
    assert len(shot.convert("RGB").getcolors(1 << 20) or []) > 500
    assert "Traceback" not in done.stderr
