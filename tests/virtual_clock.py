"""A shared virtual clock for tests with several threads that wait on time (batch workers).

Time moves only when every participating thread is asleep on the clock: it then jumps to
the earliest wake-up. A thread that is doing anything else (an HTTP call in flight, a
database write) holds time still, so a call granted at virtual time t also reaches the
server at t, whatever the machine's load. Nothing waits in real time for the virtual
seconds, so a 60-s quota window or a 7-s Retry-After costs nothing.

Participants are the live threads `is_participant` accepts (by default the batch runner's
workers, named "batch-N"), plus any thread while it sleeps on the clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import Cancelled

US = 1_000_000


def batch_workers(thread: threading.Thread) -> bool:
    return thread.name.startswith("batch-")


class VirtualClock:
    def __init__(self, start: float | None = None,
                 is_participant: Callable[[threading.Thread], bool] = batch_workers) -> None:
        # Start at the real time so that signed request timestamps stay within the
        # servers' allowed skew (minutes) over the few virtual minutes a test spans.
        self._now_us = round((time.time() if start is None else start) * US)
        self._is_participant = is_participant
        self._cond = threading.Condition()
        self._sleepers: dict[int, int] = {}  # thread ident -> wake-up time (µs)
        self.slept: list[float] = []  # every requested sleep, in seconds

    def __call__(self) -> float:
        with self._cond:
            return self._now_us / US

    def advance(self, seconds: float) -> None:
        """Move time forward from the test's own thread (not a participant)."""
        with self._cond:
            self._now_us += round(seconds * US)
            self._cond.notify_all()

    def sleep(self, seconds: float, cancel: CancelToken | None = None) -> None:
        """Block until virtual time reaches now + seconds (Cancelled if `cancel` fires)."""
        me = threading.get_ident()
        with self._cond:
            self.slept.append(seconds)
            wake = self._now_us + max(1, round(seconds * US))
            self._sleepers[me] = wake
            self._cond.notify_all()
            try:
                while self._now_us < wake:
                    if cancel is not None and cancel.cancelled:
                        raise Cancelled()
                    if self._everyone_asleep():
                        self._now_us = max(self._now_us, min(self._sleepers.values()))
                        self._cond.notify_all()
                        continue
                    # Real time only to notice what the others do (a call finishing, a
                    # thread ending): never a measure of how long this sleep lasts.
                    self._cond.wait(0.01)
            finally:
                del self._sleepers[me]
                self._cond.notify_all()

    def limiter_sleep(self, cancel: CancelToken, seconds: float) -> None:
        """The QuotaLimiter's `sleeper` signature."""
        cancel.raise_if_cancelled()
        self.sleep(seconds, cancel)

    def _everyone_asleep(self) -> bool:
        awake = [t for t in threading.enumerate()
                 if self._is_participant(t) and t.ident not in self._sleepers]
        return not awake
