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
