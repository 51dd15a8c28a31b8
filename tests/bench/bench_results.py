"""Benchmark: the results grid with 10,000 results (not collected by pytest).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_results.py [--quick]

Targets (issue 5): 10,000 result rows populate within 200 ms; memory after scrolling
through them stays under 400 MB; a 10 ms heartbeat never sees a gap over 100 ms while
10,000 results load. "Populate" is timed from `set_groups` to the first screen painted with
the rows in the model (and, separately, to the view's layout of all 10,000 cards).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: TID251 - a GUI benchmark
from PySide6.QtWidgets import QApplication  # noqa: TID251
from ui.results_data import jpeg, synthetic_groups

from vvic_desktop.storage.thumbs import ThumbnailStore
from vvic_desktop.ui.results import ResultsModel, ResultsView, ThumbnailLoader
from vvic_desktop.workers.tasks import Pools


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size in MB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def spin(app: QApplication, ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(app: QApplication, predicate, timeout: float = 10.0) -> float:
    start = time.perf_counter()
    while not predicate():
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        if time.perf_counter() - start > timeout:
            raise TimeoutError
    return time.perf_counter() - start


def fill_store(store: ThumbnailStore, urls: list[str]) -> None:
    for i, url in enumerate(urls):
        colour = (i * 37 % 256, i * 91 % 256, i * 53 % 256)
        store.remember_url(url, store.put(jpeg(colour, (300, 400))))


def populate(app: QApplication, groups, *, pools: Pools | None, label: str,
             expand_all: bool = False) -> dict:
    model = ResultsModel(pools=pools)
    view = ResultsView(model)
    view.resize(1280, 900)
    view.show()
    spin(app, 50)
    painted: list[float] = []
    original = view.paintEvent

    def timed_paint(event) -> None:
        original(event)
        if model.rowCount():
            painted.append(time.perf_counter())

    view.paintEvent = timed_paint  # type: ignore[method-assign]
    rebuilt: list[float] = []
    model.rowsRebuilt.connect(lambda: rebuilt.append(time.perf_counter()))
    start = time.perf_counter()
    model.set_groups(groups, expanded=[g.group_id for g in groups] if expand_all else ())
    wait_for(app, lambda: bool(painted))
    last = model.index(model.rowCount() - 1)
    wait_for(app, lambda: view.visualRect(last).isValid() and view.visualRect(last).bottom() > 0
             and view.verticalScrollBar().maximum() > 0)
    laid_out = time.perf_counter()
    result = {
        "label": label,
        "rows": model.rowCount(),
        "rows_ready_ms": (rebuilt[0] - start) * 1000,
        "first_paint_ms": (painted[0] - start) * 1000,
        "all_laid_out_ms": (laid_out - start) * 1000,
    }
    view.close()
    view.deleteLater()
    spin(app, 20)
    return result


def heartbeat_while_loading(app: QApplication, groups, pools: Pools, loader) -> float:
    model = ResultsModel(loader, pools=pools)
    view = ResultsView(model, loader)
    view.resize(1280, 900)
    view.show()
    model.set_groups(groups[:8])
    spin(app, 300)  # first paint of the process (fonts) is start-up, not loading
    beats: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: beats.append(time.perf_counter()))
    timer.start()
    spin(app, 50)
    model.set_groups(groups)
    spin(app, 400)
    for step in range(1, 11):
        view.verticalScrollBar().setValue(step * view.verticalScrollBar().maximum() // 10)
        spin(app, 60)
    timer.stop()
    view.close()
    view.deleteLater()
    spin(app, 20)
    return max(b - a for a, b in itertools.pairwise(beats))


def scroll_through(app: QApplication, groups, pools: Pools, loader, page_wait_ms: int) -> dict:
    model = ResultsModel(loader, pools=pools)
    view = ResultsView(model, loader)
    view.resize(1280, 900)
    view.show()
    model.set_groups(groups)
    wait_for(app, lambda: model.rowCount() == len(groups))
    spin(app, 300)
    bar = view.verticalScrollBar()
    start = time.perf_counter()
    pages = 0
    while True:
        spin(app, page_wait_ms)
        pages += 1
        if bar.value() >= bar.maximum():
            break
        bar.setValue(bar.value() + bar.pageStep())
    spin(app, 500)
    gc.collect()
    current, peak = rss_mb()
    return {"pages": pages, "seconds": time.perf_counter() - start, "rss_mb": current,
            "peak_rss_mb": peak, "pixmap_cache_mb": loader.cached_bytes / 2**20,
            "batches": loader.tasks_started}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the scroll-through")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    print(f"start rss {rss_mb()[0]:.0f} MB")
    t = time.perf_counter()
    singles = synthetic_groups(10_000, per_group=1, seed=3)
    mixed = synthetic_groups(2_500, per_group=4, seed=5)  # ≈10,000 offers in groups
    print(f"test data built in {time.perf_counter() - t:.1f} s "
          f"({sum(len(g.offers) for g in mixed)} offers in {len(mixed)} groups)")
    pools = Pools()
    try:
        for groups, label, use_pools, expand in (
                (singles, "10,000 groups, inline", False, False),
                (singles, "10,000 groups, worker", True, False),
                (mixed, "2,500 groups of ~10,000 offers, collapsed", True, False),
                (mixed, "2,500 groups of ~10,000 offers, all expanded", True, True)):
            runs = [populate(app, groups, pools=pools if use_pools else None, label=label,
                             expand_all=expand) for _ in range(3)]
            best = min(runs, key=lambda r: r["first_paint_ms"])
            print(f"populate [{label}] rows={best['rows']}: rows ready "
                  f"{best['rows_ready_ms']:.0f} ms, first paint {best['first_paint_ms']:.0f} ms,"
                  f" all cards laid out {best['all_laid_out_ms']:.0f} ms "
                  f"(runs: {[round(r['first_paint_ms']) for r in runs]})")
        with tempfile.TemporaryDirectory() as folder:
            store = ThumbnailStore(folder)
            urls = [o.image_url for g in singles for o in g.offers]
            if not args.quick:
                t = time.perf_counter()
                fill_store(store, urls)
                print(f"stored {len(urls)} distinct pictures in {time.perf_counter() - t:.1f} s")
            loader = ThumbnailLoader.for_store(pools, store)
            gaps = [heartbeat_while_loading(app, singles, pools, loader) for _ in range(3)]
            print(f"heartbeat max gap while 10,000 results load and scroll: "
                  f"{[round(g * 1000) for g in gaps]} ms")
            if not args.quick:
                loader.clear()
                report = scroll_through(app, singles, pools, loader, page_wait_ms=40)
                print(f"scrolled {report['pages']} pages in {report['seconds']:.1f} s: "
                      f"rss {report['rss_mb']:.0f} MB (peak {report['peak_rss_mb']:.0f} MB), "
                      f"pixmap cache {report['pixmap_cache_mb']:.0f} MB, "
                      f"{report['batches']} thumbnail batches")
    finally:
        pools.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
