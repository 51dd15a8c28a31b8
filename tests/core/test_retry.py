"""call_with_retry: which errors are retried, how long it waits, and that cancel is prompt."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

import pytest
from cancelling import cancel_once_waiting

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import (
    BadRequest,
    BadResponse,
    Cancelled,
    NetworkError,
    QuotaExceeded,
    QuotaExhausted,
    ServiceError,
    SignatureError,
    VvicError,
)
from vvic_desktop.core.retry import (
    MAX_WAIT,
    backoff_delay,
    bounded_wait,
    call_with_retry,
    countdown,
)

NOW = 1_700_000_000.0


def scripted(*outcomes: object) -> tuple[Callable[[], str], list[int]]:
    """A function that raises or returns the given outcomes in turn, counting its calls."""
    calls: list[int] = []

    def fn() -> str:
        calls.append(1)
        outcome = outcomes[len(calls) - 1]
        if isinstance(outcome, BaseException):
            raise outcome
        return str(outcome)

    return fn, calls


def test_transient_errors_are_retried_with_full_jitter() -> None:
    fn, calls = scripted(NetworkError("reset"), ServiceError("502", market="vvic"), "ok")
    slept: list[float] = []
    seen: list[tuple[int, str, float]] = []
    result = call_with_retry(
        fn, cancel=CancelToken(), rng=random.Random(7), sleep=slept.append,
        on_retry=lambda n, err, delay: seen.append((n, err.code, delay)),
    )
    assert result == "ok" and len(calls) == 3
    expected = random.Random(7)
    assert slept == [expected.uniform(1, 2), expected.uniform(1, 4)]
    assert [(n, code) for n, code, _ in seen] == [(1, "network"), (2, "service")]
    assert [delay for *_, delay in seen] == slept


def test_gives_up_after_three_attempts_with_the_last_error() -> None:
    fn, calls = scripted(NetworkError("a"), NetworkError("b"), NetworkError("c"), "never")
    slept: list[float] = []
    with pytest.raises(NetworkError) as info:
        call_with_retry(fn, cancel=CancelToken(), sleep=slept.append)
    assert info.value.detail == "c"
    assert len(calls) == 3 and len(slept) == 2


@pytest.mark.parametrize("error", [SignatureError("bad", market="vvic"), BadRequest("x"),
                                   VvicError("unknown"), Cancelled()])
def test_permanent_errors_are_not_retried(error: VvicError) -> None:
    fn, calls = scripted(error, "ok")
    slept: list[float] = []
    with pytest.raises(type(error)):
        call_with_retry(fn, cancel=CancelToken(), sleep=slept.append)
    assert len(calls) == 1 and slept == []


def test_non_vvic_exceptions_propagate_unchanged() -> None:
    fn, calls = scripted(KeyError("price"), "ok")
    with pytest.raises(KeyError):
        call_with_retry(fn, cancel=CancelToken(), sleep=lambda s: None)
    assert len(calls) == 1


@pytest.mark.parametrize("attempt", range(1, 8))
def test_backoff_bounds(attempt: int) -> None:
    rng = random.Random(attempt)
    delays = [backoff_delay(attempt, rng, base=1.0, cap=20.0) for _ in range(200)]
    assert min(delays) >= 1.0
    assert max(delays) <= min(20.0, 2.0**attempt)


def test_retry_after_is_honoured_exactly() -> None:
    fn, calls = scripted(QuotaExceeded("429", market="vvic", retry_after=7), "ok")
    slept: list[float] = []
    assert call_with_retry(fn, cancel=CancelToken(), sleep=slept.append) == "ok"
    assert slept == [7.0] and len(calls) == 2


def test_retry_after_above_limit_raises_quota_exhausted_with_resume_time() -> None:
    fn, calls = scripted(QuotaExceeded("429", market="vvic", retry_after=86400), "ok")
    slept: list[float] = []
    with pytest.raises(QuotaExhausted) as info:
        call_with_retry(fn, cancel=CancelToken(), sleep=slept.append, clock=lambda: NOW)
    assert len(calls) == 1 and slept == []
    assert info.value.resumes_at.timestamp() == pytest.approx(NOW + 86400)
    message = info.value.message("en")
    # not today: the date is shown with the time
    assert "resumes at " + info.value.resumes_at.strftime("%Y-%m-%d %H:%M") in message
    assert "vvic" in message


def test_quota_on_the_last_attempt_becomes_quota_exhausted() -> None:
    fn, calls = scripted(*(QuotaExceeded("429", market="vvic", retry_after=30),) * 3)
    slept: list[float] = []
    with pytest.raises(QuotaExhausted) as info:
        call_with_retry(fn, cancel=CancelToken(), sleep=slept.append, clock=lambda: NOW)
    assert len(calls) == 3 and slept == [30.0, 30.0]
    assert info.value.resumes_at.timestamp() == pytest.approx(NOW + 30)


def test_cancel_during_a_real_wait_ends_it() -> None:
    cancel = CancelToken()
    fn, calls = scripted(QuotaExceeded("429", market="vvic", retry_after=3600), "ok")
    waiting = threading.Event()

    def on_retry(n: int, err: VvicError, delay: float) -> None:
        waiting.set()

    outcome = cancel_once_waiting(  # the Retry-After it ends is an hour long
        lambda: call_with_retry(fn, cancel=cancel, on_retry=on_retry, max_retry_after=7200),
        waiting, cancel)
    assert isinstance(outcome, Cancelled) and len(calls) == 1


def test_already_cancelled_token_makes_no_call() -> None:
    cancel = CancelToken()
    cancel.cancel()
    fn, calls = scripted("ok")
    with pytest.raises(Cancelled):
        call_with_retry(fn, cancel=cancel)
    assert calls == []


@pytest.mark.parametrize("seconds", [300, 10**23, float("inf"), 3e11])
def test_long_waits_end_the_search_at_once_with_a_resume_time(seconds: float) -> None:
    fn, calls = scripted(QuotaExceeded("429", market="taobao", retry_after=seconds), "ok")
    slept: list[float] = []
    with pytest.raises(QuotaExhausted) as info:
        call_with_retry(fn, cancel=CancelToken(), sleep=slept.append, clock=lambda: NOW)
    assert len(calls) == 1 and slept == []
    assert "resumes at" in info.value.message("en")


@pytest.mark.parametrize("error", [
    BadResponse("HTTP 200, malformed JSON", market="vvic"),
    BadResponse("HTTP 200, web page instead of JSON", market="vvic"),
    BadResponse("unexpected redirect (HTTP 302)", market="vvic"),
    BadRequest("HTTP 404", market="vvic"),
])
def test_hopeless_faults_are_not_repeated(error: VvicError) -> None:
    fn, calls = scripted(error, "ok")
    with pytest.raises(type(error)):
        call_with_retry(fn, cancel=CancelToken(), sleep=lambda s: None)
    assert len(calls) == 1


def test_countdown_ticks_every_second_through_the_given_sleep() -> None:
    ticks: list[int] = []
    slept: list[float] = []
    countdown(3.5, slept.append, ticks.append)
    assert ticks == [4, 3, 2, 1] and sum(slept) == 3.5
    assert bounded_wait("nan") == 60.0 and bounded_wait(-4) == 0.0
    assert bounded_wait(1e30) == MAX_WAIT
