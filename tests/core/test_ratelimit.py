"""The quota limiter: no 60-s window ever holds more than `quota` grants, across objects,
threads, processes and restarts; waits are cancellable; long waits become QuotaExhausted."""

from __future__ import annotations

import contextlib
import multiprocessing
import sqlite3
import threading
from pathlib import Path
from typing import Protocol

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import Cancelled, QuotaExhausted
from vvic_desktop.core.ratelimit import QuotaLimiter
from vvic_desktop.storage.quota_log import QuotaLog

US = 1_000_000
WINDOW_US = 60 * US


def exact_limiter(db, clock, **options) -> QuotaLimiter:
    """A limiter spacing grants by exactly the window (no transit guard): exact arithmetic."""
    return QuotaLimiter(QuotaLog(db), clock=clock, sleeper=clock.sleeper, transit_guard=0,
                        **options)


class FakeClock:
    """Time in whole microseconds, so grant times compare exactly; sleeping advances it."""

    def __init__(self, start_us: int = 1_700_000_000 * US) -> None:
        self.now_us = start_us
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now_us / US

    def advance(self, seconds: float) -> None:
        self.now_us += max(1, round(seconds * US))

    def sleeper(self, cancel: CancelToken, seconds: float) -> None:
        cancel.raise_if_cancelled()
        self.slept.append(seconds)
        self.advance(seconds)


def assert_no_window_over(grants_us: list[int], quota: int) -> None:
    grants_us = sorted(grants_us)
    for i in range(len(grants_us) - quota):
        # quota+1 consecutive grants must span at least a full window
        assert grants_us[i + quota] - grants_us[i] >= WINDOW_US, (i, grants_us[i : i + quota + 1])


def test_grants_up_to_quota_then_waits_for_the_oldest_to_leave_the_window(tmp_path: Path) -> None:
    clock = FakeClock()
    limiter = exact_limiter(tmp_path / "q.sqlite3", clock)
    cancel = CancelToken()
    start = clock.now_us
    for _ in range(3):
        limiter.acquire("vvic:k", 3, cancel)
        clock.advance(1)
    assert clock.slept == []
    limiter.acquire("vvic:k", 3, cancel)
    # the first grant was at `start`: the fourth may go exactly 60 s later, not before
    assert clock.now_us == start + WINDOW_US
    assert len(limiter.recent("vvic:k")) == 3  # the window (now-60, now] holds 3 grants


def test_keys_are_independent(tmp_path: Path) -> None:
    clock = FakeClock()
    limiter = exact_limiter(tmp_path / "q.sqlite3", clock)
    cancel = CancelToken()
    for _ in range(2):
        limiter.acquire("vvic:a", 2, cancel)
        limiter.acquire("vvic:b", 2, cancel)
    assert clock.slept == []
    limiter.acquire("vvic:a", 2, cancel)
    assert clock.slept and clock.slept[0] == pytest.approx(60, abs=1e-3)


def test_margin_keeps_calls_unused(tmp_path: Path) -> None:
    clock = FakeClock()
    limiter = exact_limiter(tmp_path / "q.sqlite3", clock, margin=1)
    cancel = CancelToken()
    limiter.acquire("k", 3, cancel)
    limiter.acquire("k", 3, cancel)
    assert clock.slept == []
    limiter.acquire("k", 3, cancel)
    assert clock.slept  # the third had to wait: 3 - margin 1 = 2 per window
    assert limiter.effective_limit(1) == 1  # never below one call


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    quota=st.integers(min_value=1, max_value=6),
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("call"), st.integers(min_value=0, max_value=3)),  # retries
            st.tuples(st.just("idle"), st.floats(min_value=0, max_value=90)),
            st.tuples(st.just("penalty"), st.floats(min_value=0, max_value=100)),
        ),
        max_size=40,
    ),
)
def test_property_no_window_exceeds_quota_with_retries_and_penalties(
    tmp_path_factory: pytest.TempPathFactory, quota: int, steps: list[tuple[str, float]]
) -> None:
    clock = FakeClock()
    db = tmp_path_factory.mktemp("prop") / "q.sqlite3"
    limiter = exact_limiter(db, clock)
    cancel = CancelToken()
    grants: list[int] = []
    penalties: list[tuple[int, int]] = []  # (grants made before it, until)
    for kind, amount in steps:
        if kind == "call":
            # one request and `amount` retries: every attempt takes its own permit
            for _ in range(1 + int(amount)):
                limiter.acquire("vvic:key", quota, cancel, max_wait=10_000)
                grants.append(clock.now_us)
        elif kind == "idle":
            clock.advance(amount)
        else:
            until_us = clock.now_us + round(amount * US)
            limiter.penalise("vvic:key", until_us / US)
            penalties.append((len(grants), until_us))
    assert_no_window_over(grants, quota)
    for granted_before, until in penalties:
        assert not [g for g in grants[granted_before:] if g < until], "granted inside a penalty"


def test_wait_beyond_max_wait_raises_quota_exhausted_with_resume_time(tmp_path: Path) -> None:
    clock = FakeClock()
    limiter = exact_limiter(tmp_path / "q.sqlite3", clock)
    cancel = CancelToken()
    limiter.penalise("vvic:k", clock() + 600)
    with pytest.raises(QuotaExhausted) as info:
        limiter.acquire("vvic:k", 20, cancel, max_wait=120)
    assert clock.slept == []  # it did not sleep first and fail later
    assert info.value.resumes_at.timestamp() == pytest.approx(clock() + 600, abs=1)
    assert info.value.resumes_at.strftime("%H:%M") in info.value.message("en")
    assert limiter.recent("vvic:k") == []  # nothing was granted


def test_penalty_within_max_wait_is_waited_out(tmp_path: Path) -> None:
    clock = FakeClock()
    limiter = exact_limiter(tmp_path / "q.sqlite3", clock)
    until = clock() + 7
    limiter.penalise("k", until)
    limiter.penalise("k", until - 5)  # an earlier penalty never shortens a later one
    limiter.acquire("k", 20, CancelToken())
    assert clock() == pytest.approx(until, abs=1e-6)


def test_clock_set_back_waits_at_most_one_window(tmp_path: Path) -> None:
    clock = FakeClock()
    limiter = exact_limiter(tmp_path / "q.sqlite3", clock)
    for _ in range(2):
        limiter.acquire("k", 2, CancelToken())
    clock.now_us -= 3600 * US  # the user (or NTP) set the clock back an hour
    limiter.acquire("k", 2, CancelToken(), max_wait=120)
    assert clock.slept == [pytest.approx(60, abs=1e-3)]


def test_restart_keeps_the_log(tmp_path: Path) -> None:
    clock = FakeClock()
    db = tmp_path / "q.sqlite3"
    first = exact_limiter(db, clock)
    for _ in range(4):
        first.acquire("k", 4, CancelToken())
    clock.advance(5)
    del first
    restarted = exact_limiter(db, clock)
    assert len(restarted.recent("k")) == 4
    with pytest.raises(QuotaExhausted):
        restarted.acquire("k", 4, CancelToken(), max_wait=10)
    restarted.acquire("k", 4, CancelToken())
    assert clock.slept == [pytest.approx(55, abs=1e-3)]


def test_cancel_during_wait_raises_cancelled_promptly(tmp_path: Path) -> None:
    """Real clock and the default sleeper: a waiting acquire stops as soon as cancelled."""
    limiter = QuotaLimiter(QuotaLog(tmp_path / "q.sqlite3"))
    limiter.acquire("k", 1, CancelToken())
    cancel = CancelToken()
    outcome: list[BaseException] = []
    started = threading.Event()

    def waiter() -> None:
        started.set()
        try:
            limiter.acquire("k", 1, cancel)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=waiter)
    thread.start()
    started.wait(5)
    cancel.cancel()
    thread.join(2)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)
    assert len(limiter.recent("k")) == 1


def test_two_limiters_in_two_threads_share_the_quota(tmp_path: Path) -> None:
    db = tmp_path / "q.sqlite3"
    limiters = [QuotaLimiter(QuotaLog(db)), QuotaLimiter(QuotaLog(db))]
    granted: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)

    def greedy(limiter: QuotaLimiter) -> None:
        barrier.wait()
        for _ in range(10):
            try:
                limiter.acquire("k", 7, CancelToken(), max_wait=0)
            except QuotaExhausted:
                continue
            with lock:
                granted.append(1)

    threads = [threading.Thread(target=greedy, args=(lim,)) for lim in limiters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(granted) == 7
    assert len(limiters[0].recent("k")) == 7


class EventLike(Protocol):
    def wait(self, timeout: float | None = ...) -> bool: ...


def _greedy_process(db: str, start: EventLike, out: multiprocessing.Queue[int]) -> None:
    limiter = QuotaLimiter(QuotaLog(db))
    start.wait(10)
    count = 0
    for _ in range(10):
        try:
            limiter.acquire("k", 6, CancelToken(), max_wait=0)
        except QuotaExhausted:
            continue
        count += 1
    out.put(count)


def test_two_processes_never_exceed_the_quota_together(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")  # fork is unsafe beside threads
    db = str(tmp_path / "q.sqlite3")
    QuotaLimiter(QuotaLog(db))  # create the schema before the race
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_greedy_process, args=(db, start, out)) for _ in range(2)]
    for p in procs:
        p.start()
    start.set()
    counts = [out.get(timeout=20) for _ in procs]
    for p in procs:
        p.join(10)
        assert p.exitcode == 0
    assert sum(counts) == 6
    assert len(QuotaLimiter(QuotaLog(db)).recent("k")) == 6


def test_the_transit_guard_spaces_grants_a_little_more_than_the_window(tmp_path) -> None:
    """Requests take varying time to reach the service: at exactly 60 s apart the service
    may count Q + 1 in its window; the default guard keeps 1.8 s of slack."""
    clock = FakeClock()
    limiter = QuotaLimiter(QuotaLog(tmp_path / "q.sqlite3"), clock=clock, sleeper=clock.sleeper)
    for _ in range(3):
        limiter.acquire("k", 3, CancelToken())
    limiter.acquire("k", 3, CancelToken())
    assert clock.slept == [pytest.approx(60 * 1.03)]


def test_the_log_has_a_schema_version_and_keeps_an_older_file(tmp_path: Path) -> None:
    db = tmp_path / "q.sqlite3"
    first = QuotaLimiter(QuotaLog(db))
    first.acquire("k", 5, CancelToken())
    first.close()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        conn.execute("PRAGMA user_version = 0")  # as the files written before versions
        conn.commit()
    assert len(QuotaLimiter(QuotaLog(db)).recent("k")) == 1


def test_a_log_that_cannot_be_written_still_keeps_the_quota_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    clock = FakeClock()
    limiter = exact_limiter(blocker / "q.sqlite3", clock)
    for _ in range(2):
        limiter.acquire("k", 2, CancelToken())
    with pytest.raises(QuotaExhausted):
        limiter.acquire("k", 2, CancelToken(), max_wait=10)
    assert limiter.store.db.in_memory
