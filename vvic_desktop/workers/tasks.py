"""The one threading helper (STYLE habit 3), and the pools it runs on.

`Task(fn)` runs `fn(cancel, progress)` on a QThreadPool and hands its result or its exception
back to the GUI thread through `TaskSignals`, which live in the GUI thread (a QRunnable is not
a QObject). Every exception is caught and emitted: PySide6 only prints an exception raised in a
worker and carries on, which would leave a spinner turning forever.

`Pools` owns one pool per kind of latency (search: 2, thumbnails: 4, storage writes: 1) and
keeps each running task alive until its signal has been delivered, so that no signal is ever
emitted from a deleted source. `shutdown()` cancels everything and waits, for `closeEvent`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import Cancelled

log = logging.getLogger(__name__)

Progress = Callable[[str, int], None]
TaskFn = Callable[[CancelToken, Progress], Any]


class TaskSignals(QObject):
    """Created in the GUI thread; emitted from the worker; delivered queued to the GUI thread."""

    progress = Signal(str, int)  # stage, percent
    finished = Signal(object, object)  # result, error (exactly one is None)


class Task(QRunnable):
    def __init__(self, fn: TaskFn, *, name: str = "") -> None:
        super().__init__()
        self.signals = TaskSignals()
        self.cancel = CancelToken()
        self.name = name or getattr(fn, "__name__", "task")
        self._fn = fn
        self.setAutoDelete(True)

    def run(self) -> None:  # worker thread: never touch a widget here
        try:
            if self.cancel.cancelled:
                raise Cancelled()
            result = self._fn(self.cancel, self._progress)
        except Cancelled as exc:
            self._deliver(None, exc)
        except BaseException as exc:  # surfaced as a value, never swallowed
            log.debug("task %s failed", self.name, exc_info=True)
            self._deliver(None, exc)
        else:
            self._deliver(result, None)

    def _deliver(self, result: object, error: BaseException | None) -> None:
        try:
            self.signals.finished.emit(result, error)
        except RuntimeError:
            # The app is shutting down and Qt already deleted the signals object: nobody is
            # left to receive the answer (a traceback on stderr at exit helps no one).
            log.debug("task %s finished after its receiver was deleted", self.name)

    def _progress(self, stage: str, percent: int) -> None:
        if not self.cancel.cancelled:
            self.signals.progress.emit(stage, int(percent))


class Pools(QObject):
    """One pool per kind of latency; every task kept alive until its result is delivered."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.search = self._pool(2)
        self.thumbnails = self._pool(4)
        self.storage = self._pool(1)
        self.batch = self._pool(1)  # one batch runs for minutes: the search pool stays free
        self._live: set[Task] = set()
        self._closed = False

    def _pool(self, threads: int) -> QThreadPool:
        pool = QThreadPool(self)
        pool.setMaxThreadCount(threads)
        return pool

    def start(
        self,
        pool: QThreadPool,
        fn: TaskFn,
        on_done: Callable[[Any, BaseException | None], None] | None = None,
        on_progress: Callable[[str, int], None] | None = None,
        *,
        name: str = "",
    ) -> Task:
        """Run `fn(cancel, progress)` on `pool`; callbacks run in the GUI thread."""
        task = Task(fn, name=name)
        if self._closed:  # the window is closing: nothing new starts (its pools may be gone)
            task.cancel.cancel()
            return task
        if on_progress is not None:
            task.signals.progress.connect(on_progress)
        task.signals.finished.connect(self._make_finisher(task, on_done))
        self._live.add(task)
        pool.start(task)
        return task

    def _make_finisher(
        self, task: Task, on_done: Callable[[Any, BaseException | None], None] | None
    ) -> Callable[[Any, Any], None]:
        @Slot(object, object)
        def finished(result: Any, error: Any) -> None:
            self._live.discard(task)
            if on_done is not None and not self._closed:
                on_done(result, error)

        return finished

    @property
    def running(self) -> int:
        return len(self._live)

    def cancel_all(self) -> None:
        for task in list(self._live):
            task.cancel.cancel()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel every task and wait for the pools; True if all stopped in time."""
        self._closed = True
        self.cancel_all()
        for pool in (self.search, self.thumbnails, self.storage, self.batch):
            pool.clear()  # queued tasks never start
        done = all(
            pool.waitForDone(timeout_ms)
            for pool in (self.search, self.thumbnails, self.storage, self.batch)
        )
        self._live.clear()
        return done
