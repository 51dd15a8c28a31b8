"""The threading helper: results and errors reach the GUI thread; shutdown is clean."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QCoreApplication, QThread

from vvic_desktop.core.errors import Cancelled, NetworkError
from vvic_desktop.workers.tasks import Pools


def test_result_arrives_in_the_gui_thread(qtbot, pools):
    seen = {}

    def work(cancel, progress):
        progress("working", 50)
        return threading.current_thread().name

    def done(result, error):
        seen["result"], seen["error"] = result, error
        seen["gui"] = QThread.currentThread() is qtbot_main_thread

    qtbot_main_thread = QThread.currentThread()
    stages = []
    pools.start(pools.search, work, done, lambda stage, pct: stages.append((stage, pct)))
    qtbot.waitUntil(lambda: "result" in seen)
    assert seen["error"] is None
    assert seen["result"] != threading.current_thread().name  # it ran elsewhere
    assert seen["gui"] is True
    qtbot.waitUntil(lambda: stages == [("working", 50)])
    assert pools.running == 0


def test_exceptions_are_values_not_lost(qtbot, pools):
    seen = []

    def work(cancel, progress):
        raise NetworkError("boom", reason="boom")

    pools.start(pools.search, work, lambda r, e: seen.append(e))
    qtbot.waitUntil(lambda: bool(seen))
    assert isinstance(seen[0], NetworkError)

    def bug(cancel, progress):
        return 1 / 0

    pools.start(pools.search, bug, lambda r, e: seen.append(e))
    qtbot.waitUntil(lambda: len(seen) == 2)
    assert isinstance(seen[1], ZeroDivisionError)


def test_cancel_reaches_the_worker(qtbot, pools):
    started, seen = threading.Event(), []

    def work(cancel, progress):
        started.set()
        cancel.sleep(30)  # raises Cancelled as soon as the token is cancelled

    task = pools.start(pools.search, work, lambda r, e: seen.append(e))
    assert started.wait(60)
    task.cancel.cancel()
    qtbot.waitUntil(lambda: bool(seen))
    assert isinstance(seen[0], Cancelled)


def test_shutdown_cancels_and_waits_for_running_workers(qtbot):
    pools = Pools()
    started = threading.Barrier(5)
    finished = []

    def work(cancel, progress):
        started.wait(60)
        cancel.sleep(3600)

    for _ in range(4):
        pools.start(pools.thumbnails, work, lambda r, e: finished.append(e))
    started.wait(60)
    assert pools.shutdown(60_000) is True  # the workers' sleeps are an hour: only the cancel
    assert pools.search.activeThreadCount() == 0 and pools.thumbnails.activeThreadCount() == 0
    # results of cancelled work are not delivered after shutdown
    QCoreApplication.processEvents()  # deliver anything already queued
    assert finished == []


def test_nothing_starts_after_shutdown(qtbot):
    pools = Pools()
    pools.shutdown()
    ran = []
    task = pools.start(pools.search, lambda cancel, progress: ran.append(1))
    assert task.cancel.cancelled
    assert pools.search.waitForDone(60_000) and ran == [] and pools.running == 0


def test_work_and_callbacks_are_let_go_in_the_gui_thread_once_answered(qtbot, pools):
    # What a task's work and callbacks hold (a photo, a result) is freed once its answer has
    # arrived, and in the GUI thread: never kept for the life of the window, never dropped on
    # a worker (where a Qt object among it would be destroyed off its thread).
    class Photo:
        pass

    gui_thread = QThread.currentThread()
    freed: list[bool] = []
    answers: list[object] = []
    for _ in range(12):
        photo = Photo()
        weakref.finalize(photo, lambda: freed.append(QThread.currentThread() is gui_thread))

        def work(cancel, progress, photo=photo):
            progress("reading", 50)
            return id(photo)

        pools.start(pools.thumbnails, work, lambda r, e, photo=photo: answers.append(r),
                    lambda stage, pct, photo=photo: None)
        del photo, work
    qtbot.waitUntil(lambda: len(answers) == 12 and pools.running == 0)
    gc.collect()
    assert freed == [True] * 12
