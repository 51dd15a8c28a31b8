"""A cancel token shared between the GUI/CLI and a running job."""

from __future__ import annotations

import threading

from vvic_desktop.core.errors import Cancelled


class CancelToken:
    """Set once by whoever wants the job stopped; checked and waited on by the job.

    `wait()` is the cancellable sleep every retry and limiter uses: it returns early
    (True) the moment `cancel()` is called, so no job sleeps through a user's Esc.
    """

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True if cancelled meanwhile."""
        if seconds <= 0:
            return self._event.is_set()
        return self._event.wait(seconds)

    def sleep(self, seconds: float) -> None:
        """Sleep `seconds` or raise Cancelled as soon as the token is cancelled."""
        if self.wait(seconds):
            raise Cancelled()
