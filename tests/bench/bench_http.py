"""Benchmark: how soon the HTTP layer gives up at its deadline or on cancel (not collected by
pytest).

    .venv/bin/python tests/bench/bench_http.py [--rounds N]

tests/markets/test_http.py checks *that* the deadline or the cancel ends a slow-loris body,
dripping headers or a silent server (nothing else could); this prints how long after the
deadline (1 s) or the cancel (0.3 s) the call returned on this machine. The watchdog polls
every 50 ms, so ~50 ms over is expected on an idle machine; the tests once held these to
< 1 s over the deadline and < 1.2 s after the cancel.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: scripted_server
from scripted_server import Reply, ScriptedServer

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import Cancelled, Timeout
from vvic_desktop.markets import http

DEADLINE = 1.0
CANCEL_AT = 0.3


def overrun(server: ScriptedServer, reply: Reply, *, cancel: bool) -> float:
    """Seconds between the deadline (or the cancel) and the call's return."""
    server.script(reply)
    token = CancelToken()
    timer = threading.Timer(CANCEL_AT, token.cancel) if cancel else None
    if timer:
        timer.start()
    start = time.monotonic()
    try:
        http.request(http.make_session(), "GET", server.url, read_timeout=60,
                     deadline=60 if cancel else DEADLINE, cancel=token)
    except (Timeout, Cancelled):
        pass
    else:
        raise AssertionError("the slow reply was not cut off")
    finally:
        if timer:
            timer.cancel()
    return time.monotonic() - start - (CANCEL_AT if cancel else DEADLINE)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    cases = {
        "slow-loris body, deadline": (Reply(200, b"x" * 100, drip=0.4), False),
        "silent after headers, deadline": (Reply(200, b"x", content_length=100, drip=600),
                                           False),
        "slow-loris body, cancel": (Reply(200, b"x" * 100, drip=0.4), True),
    }
    print(f"HTTP give-up latency, {args.rounds} rounds (load {os.getloadavg()[0]:.1f}), ms "
          "after the deadline / cancel:")
    for label, (reply, cancel) in cases.items():
        server = ScriptedServer()
        try:
            runs = [overrun(server, reply, cancel=cancel) * 1000 for _ in range(args.rounds)]
        finally:
            server.close()
        print(f"  {label:<32} median {statistics.median(runs):6.0f}, max {max(runs):6.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
