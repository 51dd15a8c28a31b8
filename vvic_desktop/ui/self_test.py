"""`vvic-desktop --self-test OUT.png`: one demo search end to end, a screenshot, exit 0.

Drops the bundled sample photo through the drop area's own queue, waits for the crop view,
asks for the automatic crop, searches the demo marketplace, waits for grouped results with
their thumbnails, saves a screenshot of the window and quits with 0. Any failure or the
timeout quits with 1 and one line on stderr saying which step failed.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from vvic_desktop.i18n import resources_dir

SAMPLE = "samples/dress-photo.jpg"
log = logging.getLogger(__name__)


class SelfTest(QObject):
    def __init__(self, window: object, out: Path, timeout_s: float = 90.0) -> None:
        super().__init__(window)  # type: ignore[arg-type]
        self.window = window
        self.out = out
        self.deadline = time.monotonic() + timeout_s
        self.step = "start"
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._tick)
        self._waiting: Callable[[], bool] | None = None
        self._then: Callable[[], None] | None = None
        self._search_outcome: tuple[object, object] | None = None

    def start(self) -> None:
        self.window.searchFinished.connect(self._search_finished)
        QTimer.singleShot(0, self._drop_sample)
        self._timer.start()

    # each step starts something, then waits for a condition before the next
    def _wait(self, step: str, condition: Callable[[], bool], then: Callable[[], None]) -> None:
        self.step = step
        self._waiting, self._then = condition, then

    def _tick(self) -> None:
        if time.monotonic() > self.deadline:
            self._fail(f"timed out at step '{self.step}'")
            return
        if self._waiting is not None and self._waiting():
            then, self._waiting = self._then, None
            if then is not None:
                then()

    def _drop_sample(self) -> None:
        sample = resources_dir() / SAMPLE
        if not sample.is_file():
            self._fail(f"sample photo missing: {sample}")
            return
        self.window.drop_area.add_paths([str(sample)])
        self._wait("load photo", self.window.crop_view.has_photo, self._auto_crop)

    def _auto_crop(self) -> None:
        before = self.window.crop_view.auto_crop_count()
        self.window.crop_view.auto_crop()
        self._wait(
            "auto crop",
            lambda: self.window.crop_view.auto_crop_count() > before,
            self._search,
        )

    def _search(self) -> None:
        self.window.start_search()
        self._wait("search", lambda: self._search_outcome is not None, self._check_results)

    def _search_finished(self, result: object, error: object) -> None:
        self._search_outcome = (result, error)

    def _check_results(self) -> None:
        result, error = self._search_outcome  # type: ignore[misc]
        if error is not None:
            self._fail(f"search failed: {error}")
            return
        if not getattr(result, "groups", None):
            self._fail("search returned no groups")
            return
        self._wait("thumbnails", self._thumbnails_settled, self._screenshot)

    def _thumbnails_settled(self) -> bool:
        """Every card in the first screenful has its picture (or a definite "no image")."""
        from vvic_desktop.ui.results import Roles, ThumbState

        model = self.window.results_model
        rows = min(model.rowCount(), 12)
        if rows == 0:
            return False
        states = [
            model.index(row).data(Roles.Thumbnail) is not None
            or model.index(row).data(Roles.ThumbnailState)
            in (ThumbState.READY, ThumbState.FAILED, ThumbState.NONE)
            for row in range(rows)
        ]
        return all(states)

    def _screenshot(self) -> None:
        self.step = "screenshot"
        self.out.parent.mkdir(parents=True, exist_ok=True)
        if not self.window.grab().save(str(self.out)):
            self._fail(f"could not write {self.out}")
            return
        self._timer.stop()
        print(f"self-test passed: {self.out}")
        QApplication.instance().exit(0)

    def _fail(self, why: str) -> None:
        self._timer.stop()
        log.error("self-test failed: %s", why)
        # a windowed Windows build has no stderr (None): the log file above still says why
        if sys.stderr is not None:
            sys.stderr.write(f"error: self-test failed: {why}\n")
        QApplication.instance().exit(1)
