"""The one threading helper (STYLE habit 3), and the pools it runs on.

`Task(fn)` runs `fn(cancel, progress)` on a QThreadPool and hands its result or its exception
back to the GUI thread. Every exception is caught and emitted: PySide6 only prints an
exception raised in a worker and carries on, which would leave a spinner turning forever.

`Pools` owns one pool per kind of latency (search: 2, thumbnails: 4, storage writes: 1) and
keeps each running task, with its callbacks, until its answer has been delivered; then it
lets go of all of them, so that what a task's work and callbacks hold (photos, results) is
freed with it. `shutdown()` cancels everything and waits, for `closeEvent`.

The answers travel through one `TaskSignals` per `Pools`, created in the GUI thread and never
deleted, tagged with the task's key. One signals object per task, owned by the task, would
either live forever (its connection to a callback that holds the task keeps both alive: every
task leaked, with its work's photos) or die on the worker thread where the pool deletes the
finished task: a QObject destroyed off its thread, while the GUI thread may be delivering
its signal. Neither happens here: no QObject is created or destroyed per task, and the work
and callbacks are let go of in the GUI thread.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any, NamedTuple

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import Cancelled

log = logging.getLogger(__name__)

Progress = Callable[[str, int], None]
TaskFn = Callable[[CancelToken, Progress], Any]
Done = Callable[[Any, BaseException | None], None]


class TaskSignals(QObject):
    """Created in the GUI thread; emitted from the workers; delivered queued to the GUI thread."""

    progress = Signal(object, str, int)  # task key, stage, percent
    finished = Signal(object, object, object)  # task key, result, error (exactly one is None)


# Every TaskSignals ever made: a worker may still emit into one after its window is gone, and
# none may be destroyed by a worker dropping the last reference. One small object per window.
_SIGNALS: list[TaskSignals] = []


class Task(QRunnable):
    def __init__(self, fn: TaskFn, signals: TaskSignals, key: int, *, name: str = "") -> None:
        super().__init__()
        self.cancel = CancelToken()
        self.name = name or getattr(fn, "__name__", "task")
        self.key = key
        self._fn: TaskFn | None = fn
        self._signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:  # worker thread: never touch a widget here
        # The work is dropped here before the answer goes out: `Pools` holds it too and lets
        # go of it in the GUI thread once the answer has arrived, so what it holds is never
        # freed on this thread.
        fn, self._fn = self._fn, None
        result: object = None
        error: BaseException | None = None
        try:
            if self.cancel.cancelled or fn is None:
                raise Cancelled()
            result = fn(self.cancel, self._progress)
        except Cancelled as exc:
            error = exc
        except BaseException as exc:  # surfaced as a value, never swallowed
            log.debug("task %s failed", self.name, exc_info=True)
            error = exc
        del fn
        try:
            self._signals.finished.emit(self.key, result, error)
        except RuntimeError:
            # The interpreter is shutting down and the signals object is gone: nobody is left
            # to receive the answer (a traceback on stderr at exit helps no one).
            log.debug("task %s finished after its receiver was deleted", self.name)

    def _progress(self, stage: str, percent: int) -> None:
        if not self.cancel.cancelled:
            self._signals.progress.emit(self.key, stage, int(percent))


class _Live(NamedTuple):
    """A running task, its work and its callbacks, kept by `Pools` until the answer arrives."""

    task: Task
    fn: TaskFn
    on_done: Done | None
    on_progress: Progress | None


class Pools(QObject):
    """One pool per kind of latency; every task kept until its answer is delivered."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.search = self._pool(2)
        self.thumbnails = self._pool(4)
        self.storage = self._pool(1)
        self.batch = self._pool(1)  # one batch runs for minutes: the search pool stays free
        self._signals = TaskSignals()
        _SIGNALS.append(self._signals)
        self._signals.finished.connect(self._finished)
        self._signals.progress.connect(self._progressed)
        # key -> the task, its work, and its callbacks, until the answer is delivered
        self._live: dict[int, _Live] = {}
        self._keys = itertools.count()
        self._closed = False

    def _pool(self, threads: int) -> QThreadPool:
        pool = QThreadPool(self)
        pool.setMaxThreadCount(threads)
        return pool

    def start(
        self,
        pool: QThreadPool,
        fn: TaskFn,
        on_done: Done | None = None,
        on_progress: Progress | None = None,
        *,
        name: str = "",
    ) -> Task:
        """Run `fn(cancel, progress)` on `pool`; callbacks run in the GUI thread."""
        key = next(self._keys)
        task = Task(fn, self._signals, key, name=name)
        if self._closed:  # the window is closing: nothing new starts (its pools may be gone)
            task.cancel.cancel()
            return task
        self._live[key] = _Live(task, fn, on_done, on_progress)
        pool.start(task)
        return task

    @Slot(object, object, object)
    def _finished(self, key: int, result: Any, error: Any) -> None:
        entry = self._live.pop(key, None)
        if entry is not None and entry.on_done is not None and not self._closed:
            entry.on_done(result, error)

    @Slot(object, str, int)
    def _progressed(self, key: int, stage: str, percent: int) -> None:
        entry = self._live.get(key)
        if entry is not None and entry.on_progress is not None and not self._closed:
            entry.on_progress(stage, percent)

    @property
    def running(self) -> int:
        return len(self._live)

    def cancel_all(self) -> None:
        for entry in list(self._live.values()):
            entry.task.cancel.cancel()

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
