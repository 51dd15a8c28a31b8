"""Retry with full jitter, Retry-After and a cancellable sleep (DESIGN §5, matrix C1/C2).

Our own loop instead of urllib3's `Retry` or tenacity: urllib3 does not retry POST by
default and sleeps with `time.sleep` (no cancel); both would also hide which attempt is
running from the UI's "retrying 2/3". Only errors whose `retry` class says so are retried;
everything else (bad secret, bad image, cancel) is raised at once.
"""

from __future__ import annotations

import datetime as _dt
import math
import random
import time
from collections.abc import Callable
from typing import TypeVar

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import QuotaExceeded, QuotaExhausted, Retry, VvicError

T = TypeVar("T")

# on_retry(attempt that failed (1-based), its error, seconds until the next attempt)
OnRetry = Callable[[int, VvicError, float], None]

# The longest wait a search sits through for a service's Retry-After (or quota answer). A
# buyer watching a countdown tolerates half a minute; beyond that the search ends at once with
# "resumes at <time>" (QuotaExhausted) and costs no further request — a 429 with
# Retry-After 300 is one request and a clear message, not five silent minutes. Batch runs
# pause on QuotaExhausted and resume at that time by themselves.
IN_SEARCH_MAX_WAIT = 30.0
# Beyond this no clock arithmetic is meaningful (and datetime overflows near year 9999).
MAX_WAIT = 7 * 24 * 3600.0


def bounded_wait(seconds: object, default: float = 60.0) -> float:
    """Any wait a service asked for as a float in [0, MAX_WAIT] (NaN, negative, absurd)."""
    try:
        value = float(seconds)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return default
    if math.isnan(value):
        return default
    return min(max(0.0, value), MAX_WAIT)


def countdown(seconds: float, sleep: Callable[[float], None],
              tick: Callable[[int], None], step: float = 1.0) -> None:
    """Sleep `seconds` in steps of `step`, telling `tick` the whole seconds left before each:
    a wait the user can see (and, through a cancellable `sleep`, stop)."""
    left = bounded_wait(seconds, 0.0)
    while left > 0:
        tick(math.ceil(left))
        chunk = min(step, left)
        sleep(chunk)
        left -= chunk


def _market_of(error: VvicError) -> str:
    return str(error.fields.get("market", ""))


def _exhausted(error: VvicError, wait: float, now: Callable[[], float]) -> QuotaExhausted:
    resumes_at = _dt.datetime.fromtimestamp(now() + bounded_wait(wait)).astimezone()
    return QuotaExhausted(
        f"service asked to wait {wait:.0f} s ({error.code})",
        market=_market_of(error),
        resumes_at=resumes_at,
    )


def backoff_delay(attempt: int, rng: random.Random, base: float = 1.0, cap: float = 20.0) -> float:
    """Full jitter after failed attempt `attempt` (1-based): uniform(base, min(cap, base·2^n))."""
    return rng.uniform(base, max(base, min(cap, base * 2**attempt)))


def call_with_retry(
    fn: Callable[[], T],
    *,
    cancel: CancelToken,
    attempts: int = 3,
    base: float = 1.0,
    cap: float = 20.0,
    max_retry_after: float = IN_SEARCH_MAX_WAIT,
    rng: random.Random | None = None,
    sleep: Callable[[float], None] | None = None,
    on_retry: OnRetry | None = None,
    clock: Callable[[], float] = time.time,
) -> T:
    """Call `fn` up to `attempts` times.

    - `Retry.BACKOFF` errors wait a full-jitter delay, `Retry.AFTER` (quota) errors wait the
      service's `retry_after`; a `retry_after` above `max_retry_after` raises
      `QuotaExhausted` ("resumes at HH:MM") at once instead of blocking the queue.
    - A quota error on the last attempt also becomes `QuotaExhausted`, so the caller can
      pause until the time the service gave instead of failing the item.
    - `sleep` defaults to `cancel.sleep`: a cancel during a wait raises `Cancelled` at once.
    - Errors whose retry class is NEVER (a malformed or HTML answer, an oversize body, a
      redirect, a 4xx other than 408/429, a bad secret) are raised at once: repeating them
      would only pay another quota permit for the same answer.
    """
    rng = rng or random.Random()
    sleep = sleep or cancel.sleep
    attempts = max(1, attempts)
    for attempt in range(1, attempts + 1):
        cancel.raise_if_cancelled()
        try:
            return fn()
        except VvicError as error:
            if error.retry is Retry.NEVER:
                raise
            if isinstance(error, QuotaExceeded) or error.retry is Retry.AFTER:
                wait = bounded_wait(getattr(error, "retry_after", 60.0))
                if wait > max_retry_after or attempt == attempts:
                    raise _exhausted(error, wait, clock) from error
                delay = max(0.0, wait)
            else:
                if attempt == attempts:
                    raise
                delay = backoff_delay(attempt, rng, base, cap)
            if on_retry is not None:
                on_retry(attempt, error, delay)
            sleep(delay)
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover
