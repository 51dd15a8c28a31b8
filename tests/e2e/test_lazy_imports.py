"""What `vvic --help` and `import core.pipeline` load: none of the heavy libraries, which load
when a command needs them (the start-up figure itself is in tests/bench/bench_startup.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "PIL", "cv2", "scipy", "imagehash", "requests", "keyring", "PySide6")
PROBE = """
import contextlib, io, json, sys
{setup}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""
HELP = """
from vvic_desktop.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(["--help"])
    except SystemExit:
        pass
"""


def loaded_after(setup: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", PROBE.format(setup=setup, heavy=HEAVY)],
                          capture_output=True, text=True, env=env, timeout=60, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("setup", [
    HELP,
    "import vvic_desktop.core.pipeline",
])
def test_help_and_the_pipeline_load_no_heavy_library(setup):
    assert loaded_after(setup) == []


@pytest.mark.parametrize("command", ["prepare", "search", "batch", "group", "library",
                                     "purchase", "config", "sandbox"])
def test_each_subcommands_help_loads_no_heavy_library(command):
    setup = HELP.replace('["--help"]', f'["{command}", "--help"]')
    assert loaded_after(setup) == []


WINDOW_PROBE = """
import json, os, sys, threading
import vvic_desktop.ui.main_window as mw
shown = mw.MainWindow.show
def show(self):
    shown(self)  # before the event loop turns: what start-up did to get here
    print(json.dumps({{
        "heavy": sorted(m for m in {heavy!r} if m in sys.modules),
        "threads": sorted(t.name for t in threading.enumerate()
                          if t.name in ("demo-marketplace", "sandbox-index")),
        "sandbox": "vvic_desktop.sandbox.server" in sys.modules,
        "tasks": self.pools.running,
    }}), flush=True)
    os._exit(0)
mw.MainWindow.show = show
from vvic_desktop.app import main
main(["--demo", "--data-dir", sys.argv[1]])
"""
# What searching needs, not showing: loaded on the first search, on its worker.
SEARCH_ONLY = ("numpy", "cv2", "scipy", "imagehash", "requests", "urllib3", "keyring",
               "vvic_desktop.core.grouping", "vvic_desktop.core.hashing",
               "vvic_desktop.storage.local_catalog")


def test_the_window_shows_before_any_search_library_or_background_work(tmp_path):
    """`vvic-desktop --demo` builds and shows its window with none of the search libraries
    loaded, the demo marketplace not yet started, and no worker task begun: the library
    open, the unfinished batch, the demo's catalog all start once the event loop turns."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-c", WINDOW_PROBE.format(heavy=SEARCH_ONLY), str(tmp_path / "data")],
        capture_output=True, text=True, env=env, timeout=120, check=True)
    at_show = json.loads(done.stdout.strip().splitlines()[-1])
    assert at_show == {"heavy": [], "threads": [], "sandbox": False, "tasks": 0}, done.stderr
