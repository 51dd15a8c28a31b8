"""Cancel a call that sits in a long wait, from another thread, and see how it ended.

    outcome = cancel_once_waiting(lambda: run_search(...), waiting, cancel)

`work` runs in a thread; once it sets `waiting` (it is about to wait an hour, say), `cancel`
is cancelled and the thread joined. The 60 s bounds on the event and the join only catch a
hang: they are never a timing the test depends on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from vvic_desktop.core.cancel import CancelToken


def cancel_once_waiting(work: Callable[[], object], waiting: threading.Event,
                        cancel: CancelToken) -> object:
    """What `work()` returned, or the exception it raised (a BaseException: Cancelled)."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    assert waiting.wait(60)
    cancel.cancel()
    thread.join(60)
    assert not thread.is_alive()
    return outcome[0]
