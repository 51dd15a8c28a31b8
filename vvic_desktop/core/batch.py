"""Batch search over a persisted queue (seed module 4, done right).

The queue lives in the library database (`batches`, `batch_items`; storage/db.py migration 2;
the SQL is storage/batch_queue.py's, behind `BatchStore`):
every state change is one transaction, so killing the process loses nothing. On start,
items a dead process left `running` go back to `queued`; their paid answer, if the call had
finished, is in the result cache (written the moment the service answers, keyed by the
prepared image), so resuming never pays for a call twice.

Workers take items under the shared sliding-window quota limiter (the same one every search
uses, across processes: a CLI batch and the GUI share the AppKey's quota). There are as many
workers as keep the quota busy at the service's latency. Identical photos (same prepared
image) are searched once: the later ones are `skipped` as duplicates of the first and share
its saved search. A platform that says "quota exhausted" (a Retry-After beyond the retry
limit) pauses the batch until the time it gave; it then continues by itself.

No Qt, no HTTP here: what the runner calls out to (search, save, prepare, events) comes in
one `BatchBackend` (services wires it), so the GUI, the CLI and the tests drive the same runner.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import math
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from vvic_desktop.core import errors
from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.models import (
    CropBox,
    Filters,
    PreparedImage,
    SearchQuery,
    SearchResult,
)
from vvic_desktop.core.result_rows import sort_groups

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, SKIPPED = "queued", "running", "done", "failed", "skipped"
ACTIVE, PAUSED, CANCELLED, FINISHED = "active", "paused", "cancelled", "finished"
MAX_WORKERS = 8
AUTO_CROP = "auto"  # batch_items.crop of a photo to cut to the garment when it is searched


@dataclass(slots=True)
class BatchItem:
    id: int
    batch_id: int
    position: int
    photo: str
    crop: CropBox | None
    state: str
    attempts: int = 0
    image_sha256: str | None = None
    search_id: int | None = None
    duplicate_of: int | None = None
    error_code: str = ""
    error_message: str = ""
    group_count: int | None = None
    cheapest: Decimal | None = None
    auto_crop: bool = False  # no crop given: cut to the garment first (core.autocrop)

    @property
    def name(self) -> str:
        return self.photo.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or self.photo


@dataclass(slots=True)
class BatchInfo:
    id: int
    name: str
    market: str
    endpoint: str
    filters: Filters
    state: str
    paused_until: float | None
    message: str
    created_at: float
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def remaining(self) -> int:
        return self.counts.get(QUEUED, 0) + self.counts.get(RUNNING, 0)


def top_cheapest(result: SearchResult) -> str | None:
    """The lowest price of the style most like the photo (the top group by similarity), as
    decimal text: what "cheapest" means to a buyer. The cheapest listing of any returned style
    would often be another garment altogether."""
    if not result.groups:
        return None
    top = sort_groups(result.groups, "similarity")[0]
    prices = [o.price for o in top.offers if o.price is not None]
    return str(min(prices)) if prices else None


class BatchStore(Protocol):
    """The persisted queue the runner works from (implemented in storage/batch_queue.py:
    batches and their items, one transaction per change, so a killed process loses nothing)."""

    def create(self, name: str, market: str, photos: Sequence[tuple[str, CropBox | None]], *,
               filters: Filters | None = None, endpoint: str = "", auto_crop: bool = True
               ) -> int: ...
    def info(self, batch_id: int) -> BatchInfo: ...
    def latest(self, *, unfinished: bool = True) -> int | None: ...
    def items(self, batch_id: int) -> list[BatchItem]: ...
    def item(self, item_id: int) -> BatchItem: ...
    def recover(self, batch_id: int) -> int: ...
    def claim(self, batch_id: int) -> BatchItem | None: ...
    def set_hash(self, item_id: int, sha: str) -> None: ...
    def finish(self, item_id: int, search_id: int | None, result: SearchResult) -> None: ...
    def skip_duplicate(self, item: BatchItem, first: BatchItem) -> None: ...
    def fail(self, item_id: int, error: errors.VvicError) -> None: ...
    def requeue(self, item_id: int) -> None: ...
    def set_state(self, batch_id: int, state: str, *, paused_until: float | None = None,
                  message: str = "") -> None: ...
    def retry_failed(self, batch_id: int) -> int: ...


SearchFn = Callable[[SearchQuery, PreparedImage, CancelToken], SearchResult]
SaveFn = Callable[[SearchResult, BatchItem], int | None]
PrepareFn = Callable[[BatchItem, CancelToken], PreparedImage]
# ("item", BatchItem) | ("batch", BatchInfo) | ("waiting", seconds until the quota resumes)
EventFn = Callable[[str, Any], None]


def default_prepare(item: BatchItem, cancel: CancelToken) -> PreparedImage:
    from vvic_desktop.core.autocrop import prepare_for_search
    from vvic_desktop.core.intake import load_source

    return prepare_for_search(load_source(item.photo, cancel=cancel), item.crop,
                              auto=item.auto_crop)


def ignore_events(kind: str, payload: Any) -> None:
    """A backend's `events` when no one listens."""


@dataclass(frozen=True, slots=True)
class BatchBackend:
    """What a `BatchRunner` calls out to; services wires it (search through the quota, the
    cache and the retries; save into the library), tests hand in fakes. Called from the
    runner's worker threads."""

    search: SearchFn  # one photo's search, prepared already: (query, prepared, cancel)
    save: SaveFn  # keep a result; the saved search's id, or None when it could not be kept
    prepare: PrepareFn = default_prepare  # the photo of an item, loaded and prepared
    # ("item", BatchItem) | ("batch", BatchInfo) | ("waiting", seconds): the GUI, the CLI
    events: EventFn = ignore_events
    # calls the AppKey spent in the last window (every process's), for display; None: unknown
    calls_used: Callable[[], int] | None = None


def workers_for(quota: int, latency_s: float = 3.0) -> int:
    """Enough parallel calls to spend `quota` per minute at `latency_s` per call, plus one."""
    return max(1, min(MAX_WORKERS, math.ceil(quota * latency_s / 60.0) + 1))


class BatchRunner:
    """Runs one batch to the end (or until paused / cancelled); see the module docstring."""

    def __init__(
        self,
        queue: BatchStore,
        batch_id: int,
        backend: BatchBackend,
        *,
        workers: int = 2,
        quota_per_minute: int = 20,
        cancel: CancelToken | None = None,
        clock: Callable[[], float] = time.time,
        lock_path: Path | None = None,
    ) -> None:
        self.queue = queue
        self._lock_path = lock_path
        self.batch_id = batch_id
        self.backend = backend
        self._on_event = backend.events
        self.workers = max(1, workers)
        self.quota_per_minute = max(1, quota_per_minute)
        self.cancel = cancel or CancelToken()
        self._clock = clock
        self._pause = threading.Event()
        self._lock = threading.Lock()
        self._first_by_hash: dict[str, BatchItem] = {}
        self._waiting: dict[str, list[BatchItem]] = {}
        self._exhausted: errors.QuotaExhausted | None = None
        self._latencies: list[float] = []

    # --- control -------------------------------------------------------------------------

    def pause(self) -> None:
        """Finish the calls under way, start no new one; `run` returns with the batch paused."""
        self._pause.set()

    def calls_this_minute(self) -> int | None:
        """Calls the AppKey spent in the last window (every process's), when known."""
        if self.backend.calls_used is None:
            return None
        try:
            return self.backend.calls_used()
        except Exception:  # a display figure: never let it stop the batch
            log.debug("calls used: unavailable", exc_info=True)
            return None

    def eta_seconds(self, info: BatchInfo | None = None) -> float:
        info = info or self.queue.info(self.batch_id)
        remaining = info.remaining
        by_quota = remaining / self.quota_per_minute * 60.0
        latency = sorted(self._latencies)[len(self._latencies) // 2] if self._latencies else 2.0
        return max(by_quota, remaining * latency / self.workers)

    def run(self) -> BatchInfo:
        """Work until no item is queued, the batch is paused, or `cancel` fires.

        Raises BatchBusy when another runner (another window, a `vvic batch`) holds the
        batch: its `running` items are live calls, and requeueing them would pay twice.
        """
        with _run_lock(self._lock_path):
            return self._run()

    def _run(self) -> BatchInfo:
        self._pause.clear()
        self.queue.recover(self.batch_id)
        self._remember_done()
        while True:
            self.queue.set_state(self.batch_id, ACTIVE)
            self._emit_batch()
            self._exhausted = None
            threads = [threading.Thread(target=self._work, name=f"batch-{i}", daemon=True)
                       for i in range(self.workers)]
            for t in threads:
                t.start()
            try:
                for t in threads:
                    while t.is_alive():  # a timed join: a signal (Ctrl+C) gets through
                        t.join(0.25)
            except BaseException:  # Ctrl+C in the CLI: stop the calls, keep the rest queued
                self.cancel.cancel()
                for t in threads:
                    t.join()
                self._settle_duplicates()
                self.queue.set_state(self.batch_id, CANCELLED)
                raise
            self._settle_duplicates()
            if self.cancel.cancelled:
                self.queue.set_state(self.batch_id, CANCELLED)
                break
            if self._exhausted is not None:
                resumes = self._exhausted.resumes_at.timestamp()
                self.queue.set_state(self.batch_id, PAUSED, paused_until=resumes,
                                     message=self._exhausted.message())
                self._emit_batch()
                # wait for the time the platform gave, then continue by itself
                if not self._wait_until(resumes):
                    break
                continue
            if self._pause.is_set():
                self.queue.set_state(self.batch_id, PAUSED)
                break
            # a worker that died of something unforeseen leaves items queued: not finished
            left = self.queue.info(self.batch_id).remaining
            self.queue.set_state(self.batch_id, PAUSED if left else FINISHED)
            break
        info = self.queue.info(self.batch_id)
        self._on_event("batch", info)
        return info

    def _wait_until(self, when: float) -> bool:
        while self._clock() < when:
            if self._pause.is_set():  # paused already (e.g. on the PAUSED event): no wait
                return False
            self._on_event("waiting", when - self._clock())  # a countdown for the CLI
            if self.cancel.wait(min(1.0, when - self._clock())) or self._pause.is_set():
                if self.cancel.cancelled:
                    self.queue.set_state(self.batch_id, CANCELLED)
                return False
        return True

    # --- one worker ------------------------------------------------------------------------

    def _stop(self) -> bool:
        return self.cancel.cancelled or self._pause.is_set() or self._exhausted is not None

    def _work(self) -> None:
        while not self._stop():
            item = self.queue.claim(self.batch_id)
            if item is None:
                return
            self._on_event("item", item)
            try:
                self._one(item)
            except errors.Cancelled:
                self.queue.requeue(item.id)
                return
            except errors.QuotaExhausted as exc:
                self.queue.requeue(item.id)
                with self._lock:
                    if self._exhausted is None or exc.resumes_at > self._exhausted.resumes_at:
                        self._exhausted = exc
                return
            except errors.VvicError as exc:
                self.queue.fail(item.id, exc)
            except Exception as exc:  # one bad photo must not stop the others
                log.exception("batch item %s failed", item.id)
                self.queue.fail(item.id, errors.VvicError(type(exc).__name__,
                                                          reason=type(exc).__name__))
            self._on_event("item", self.queue.item(item.id))

    def _one(self, item: BatchItem) -> None:
        prepared = self.backend.prepare(item, self.cancel)
        self.queue.set_hash(item.id, prepared.sha256)
        with self._lock:
            first = self._first_by_hash.get(prepared.sha256)
            if first is not None and first.id != item.id:
                if first.state == DONE:
                    self.queue.skip_duplicate(item, first)
                else:  # its twin is still being searched: settle when that is done
                    self._waiting.setdefault(prepared.sha256, []).append(item)
                return
            self._first_by_hash[prepared.sha256] = item
        info = self.queue.info(self.batch_id)
        query = SearchQuery(item.photo, info.market, item.crop or prepared.crop, info.filters)
        started = time.monotonic()
        result = self.backend.search(query, prepared, self.cancel)
        self._latencies.append(time.monotonic() - started)
        search_id = self.backend.save(result, item)
        self.queue.finish(item.id, search_id, result)
        done = self.queue.item(item.id)
        with self._lock:
            self._first_by_hash[prepared.sha256] = done
            twins = self._waiting.pop(prepared.sha256, [])
        for twin in twins:
            self.queue.skip_duplicate(twin, done)
            self._on_event("item", self.queue.item(twin.id))

    def _remember_done(self) -> None:
        for item in self.queue.items(self.batch_id):
            if item.state == DONE and item.image_sha256:
                self._first_by_hash.setdefault(item.image_sha256, item)

    def _settle_duplicates(self) -> None:
        """Twins whose first copy failed or was interrupted go back to the queue."""
        with self._lock:
            waiting = [i for twins in self._waiting.values() for i in twins]
            self._waiting.clear()
            for sha, first in list(self._first_by_hash.items()):
                if first.state != DONE:
                    del self._first_by_hash[sha]
        for item in waiting:
            if self.queue.item(item.id).state == RUNNING:
                self.queue.requeue(item.id)

    def _emit_batch(self) -> None:
        self._on_event("batch", self.queue.info(self.batch_id))


@contextlib.contextmanager
def _run_lock(path: Path | None) -> Iterator[None]:
    """An exclusive, non-blocking OS lock on `path` for one run of one batch. The OS drops
    it when the process dies (SIGKILL included), so a crash never leaves a batch locked."""
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            if sys.platform == "win32":  # (mypy narrows on sys.platform, not os.name)
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise errors.BatchBusy(f"{path.name} is locked") from exc
        yield  # closing the file releases the lock


def resumes_text(info: BatchInfo) -> str:
    """"quota exhausted, resumes at HH:MM" for a paused batch, in the user's language (the
    date too when that is not today: `errors.resume_moment`)."""
    if info.paused_until is None:
        return info.message
    when = errors.resume_moment(_dt.datetime.fromtimestamp(info.paused_until).astimezone())
    if errors.language().startswith("zh"):
        return f"调用额度已用完，将在 {when} 自动继续。"
    return f"Quota exhausted; resumes at {when}."
