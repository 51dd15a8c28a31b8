"""Benchmark: start-up of both commands.

1. `vvic --help` against a bare `python -c "import numpy, cv2, PIL.Image"` (goal: ≤ 1.5×).
2. Time from launching `vvic-desktop --demo` to its window being shown (goal: ≤ 1 s), against
   a bare Python process that imports PySide6 and shows an empty QMainWindow (the floor of
   any Qt app on this machine).

Run: `python tests/bench/bench_startup.py [--runs N]` (offscreen; not collected by pytest).
Every figure is the median of N fresh processes, after one warm-up run of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

APP = r"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
import vvic_desktop.ui.main_window as mw
original_show = mw.MainWindow.show
def show(self):
    original_show(self)
    QApplication.instance().processEvents()
    print(time.time(), flush=True)
    QTimer.singleShot(0, self.close)
mw.MainWindow.show = show
from vvic_desktop.app import main
sys.exit(main(["--demo", "--data-dir", sys.argv[1]]))
"""

FLOOR = r"""
import time
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(1280, 800); w.show(); app.processEvents()
print(time.time(), flush=True)
"""


# As a user runs it: Python writes and reuses .pyc files (a CI or sandbox environment may
# set PYTHONDONTWRITEBYTECODE, which recompiles every module of ours on every start).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def shown_after(code: str, *args: str) -> float:
    env = {**ENV, "QT_QPA_PLATFORM": "offscreen"}
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120
    )
    return float(done.stdout.strip().splitlines()[0]) - started


HELP = "import sys; from vvic_desktop.cli import main; sys.exit(main(['--help']))"
BARE_IMPORTS = "import numpy, cv2, PIL.Image"


def process_seconds(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120, env=ENV)
    return time.perf_counter() - started


def help_ratio(runs: int) -> None:
    process_seconds(HELP), process_seconds(BARE_IMPORTS)  # warm the file cache
    helps, bares = [], []
    for _ in range(runs):
        helps.append(process_seconds(HELP))
        bares.append(process_seconds(BARE_IMPORTS))
    h, b = statistics.median(helps), statistics.median(bares)
    print(f"vvic --help {h * 1000:.0f} ms, import numpy+cv2+PIL {b * 1000:.0f} ms, "
          f"ratio {h / b:.2f}x (goal: ≤ 1.5x; median of {runs})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    help_ratio(args.runs)
    app, floor = [], []
    with tempfile.TemporaryDirectory() as data:
        shown_after(APP, data)  # warm the file cache
        for _ in range(args.runs):
            app.append(shown_after(APP, data))
            floor.append(shown_after(FLOOR))
    a, f = statistics.median(app), statistics.median(floor)
    print(
        f"window shown after start (median of {args.runs}): vvic-desktop --demo {a * 1000:.0f} ms,"
        f" bare Qt window {f * 1000:.0f} ms, ratio {a / f:.2f}x (goal: app ≤ 1000 ms)"
    )


if __name__ == "__main__":
    main()
