"""Lazy thumbnails for the results grid and the compare view.

`ThumbnailLoader` turns an item picture URL into a small QPixmap:

- `request(url)` only queues the URL; a short single-shot timer gathers every request of
  one paint pass into a few batches, so a scroll that reveals 40 cards starts a handful of
  tasks instead of 40 (STYLE habit 4).
- each batch runs on `Pools.thumbnails`: the bytes come from `storage.thumbs.ThumbnailStore`
  (the pipeline already downloaded them for grouping) or, when missing and a downloader is
  given, through `ThumbnailDownloader.fetch_all`; decoding and scaling happen in the worker
  as `QImage` (safe off the GUI thread). Only the cheap `QPixmap.fromImage` runs in the GUI
  thread.
- finished URLs are gathered again and announced once per flush through `ready(list[str])`;
  the model turns that into `dataChanged` for exactly the rows that show those URLs.
- pixmaps live in an LRU bounded in bytes; a URL that cannot be loaded is remembered as
  failed so the card shows "no image" instead of asking again on every paint.

Public API: `request(url)`, `state(url) -> ThumbState`, `pixmap(url) -> QPixmap | None`,
`set_device_pixel_ratio(dpr)`, `clear()` (a new search: cancels work in flight),
signal `ready(list)`.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QObject, QSize, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.storage.thumbs import ThumbnailDownloader, ThumbnailStore
from vvic_desktop.ui.picture_images import picture_image
from vvic_desktop.workers.tasks import Pools, Task

log = logging.getLogger(__name__)

DEFAULT_EDGE = 176  # logical pixels of the square a card reserves for its picture
BATCH_SIZE = 8
# Decoding holds the GIL part of the time: two batches at once keep pictures coming without
# starving the GUI thread (and leave the pool's other threads to downloads elsewhere).
MAX_BATCHES_IN_FLIGHT = 2
REQUEST_COALESCE_MS = 15
READY_COALESCE_MS = 30
DEFAULT_CACHE_BYTES = 96 * 1024 * 1024


class ThumbState(IntEnum):
    NONE = 0  # the offer has no picture URL
    LOADING = 1  # queued or being decoded: paint a placeholder
    READY = 2
    FAILED = 3  # could not be fetched or decoded: paint "no image"


def load_scaled(data: bytes, edge_px: int) -> QImage | None:
    """Decode picture bytes and scale them to fit an edge_px square (worker thread)."""
    return picture_image(data, QSize(edge_px, edge_px))


class _PixmapCache:
    """Least-recently-used pixmaps, bounded by their decoded size in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[str, QPixmap] = OrderedDict()

    def get(self, key: str) -> QPixmap | None:
        pixmap = self._items.get(key)
        if pixmap is not None:
            self._items.move_to_end(key)
        return pixmap

    def put(self, key: str, pixmap: QPixmap) -> list[str]:
        """Store a pixmap; return the keys evicted to stay within the byte budget."""
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= _size_of(old)
        self._items[key] = pixmap
        self.bytes += _size_of(pixmap)
        evicted: list[str] = []
        while self.bytes > self.max_bytes and len(self._items) > 1:
            gone, pm = self._items.popitem(last=False)
            self.bytes -= _size_of(pm)
            evicted.append(gone)
        return evicted

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: str) -> bool:
        return key in self._items


def _size_of(pixmap: QPixmap) -> int:
    return pixmap.width() * pixmap.height() * 4


BytesSource = Callable[[list[str], CancelToken], dict[str, bytes]]


def store_source(store: ThumbnailStore,
                 downloader: ThumbnailDownloader | None = None) -> BytesSource:
    """Picture bytes by URL from the thumbnail store, downloading what is missing."""

    def fetch(urls: list[str], cancel: CancelToken) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        missing: list[str] = []
        for url in urls:
            sha = store.sha_for_url(url)
            data = store.get(sha) if sha else None
            if data is None:
                missing.append(url)
            else:
                found[url] = data
        if missing and downloader is not None:
            report = downloader.fetch_all(missing, cancel=cancel)
            for url, sha in report.shas.items():
                data = store.get(sha)
                if data is not None:
                    found[url] = data
        return found

    return fetch


class ThumbnailLoader(QObject):
    """See the module docstring."""

    ready = Signal(list)  # URLs whose state changed to READY or FAILED

    def __init__(
        self,
        pools: Pools,
        source: BytesSource,
        *,
        edge: int = DEFAULT_EDGE,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._pools = pools
        self._source = source
        self._edge = edge
        self._dpr = 1.0
        self._cache = _PixmapCache(cache_bytes)
        self._failed: set[str] = set()
        self._pending: dict[str, None] = {}  # insertion-ordered set: first painted, first loaded
        self._inflight: set[str] = set()
        self._tasks: set[Task] = set()
        self._arrived: dict[str, None] = {}
        self._generation = 0
        self._request_timer = self._single_shot(REQUEST_COALESCE_MS, self._start_batches)
        self._ready_timer = self._single_shot(READY_COALESCE_MS, self._announce)
        self.tasks_started = 0  # for tests and the bench: how many batches ran

    @classmethod
    def for_store(cls, pools: Pools, store: ThumbnailStore,
                  downloader: ThumbnailDownloader | None = None, **kwargs: Any
                  ) -> ThumbnailLoader:
        return cls(pools, store_source(store, downloader), **kwargs)

    def _single_shot(self, ms: int, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    # -- queries (GUI thread) --------------------------------------------------------------

    @property
    def edge(self) -> int:
        return self._edge

    @property
    def edge_px(self) -> int:
        return max(1, round(self._edge * self._dpr))

    def set_device_pixel_ratio(self, dpr: float) -> None:
        """HiDPI: pictures are decoded at edge × dpr device pixels; a change reloads them."""
        dpr = max(1.0, float(dpr))
        if abs(dpr - self._dpr) < 0.01:
            return
        self._dpr = dpr
        self.clear()

    def state(self, url: str) -> ThumbState:
        if not url:
            return ThumbState.NONE
        if url in self._cache:
            return ThumbState.READY
        if url in self._failed:
            return ThumbState.FAILED
        return ThumbState.LOADING

    def pixmap(self, url: str) -> QPixmap | None:
        return self._cache.get(url) if url else None

    def request(self, url: str) -> None:
        """Ask for a URL's picture; cheap and idempotent, so paint code may call it freely."""
        if (not url or url in self._cache or url in self._failed or url in self._pending
                or url in self._inflight):
            return
        self._pending[url] = None
        if not self._request_timer.isActive():
            self._request_timer.start()

    def request_many(self, urls: Iterable[str]) -> None:
        for url in urls:
            self.request(url)

    def clear(self) -> None:
        """Forget every picture and cancel work in flight (a new search, a new DPR)."""
        self._generation += 1
        for task in self._tasks:
            task.cancel.cancel()
        self._tasks.clear()
        self._pending.clear()
        self._inflight.clear()
        self._arrived.clear()
        self._failed.clear()
        self._cache.clear()

    @property
    def cached_bytes(self) -> int:
        return self._cache.bytes

    # -- work ------------------------------------------------------------------------------

    def _start_batches(self) -> None:
        """Start batches while fewer than MAX_BATCHES_IN_FLIGHT run; the rest wait their turn
        (each finished batch starts the next), newest requests first: they are what the
        user is looking at now."""
        generation, edge_px, source = self._generation, self.edge_px, self._source
        while self._pending and len(self._tasks) < MAX_BATCHES_IN_FLIGHT:
            newest = list(self._pending)[-BATCH_SIZE:]
            for url in newest:
                del self._pending[url]
            batch = newest
            self._inflight.update(batch)

            def work(cancel: CancelToken, _progress: Any, batch: list[str] = batch
                     ) -> dict[str, QImage | None]:
                found = source(batch, cancel)
                images: dict[str, QImage | None] = {}
                for url in batch:
                    cancel.raise_if_cancelled()
                    data = found.get(url)
                    images[url] = load_scaled(data, edge_px) if data else None
                return images

            holder: list[Task] = []

            def done(result: Any, error: BaseException | None, batch: list[str] = batch,
                     holder: list[Task] = holder, generation: int = generation) -> None:
                if holder:
                    self._tasks.discard(holder[0])
                self._finished(generation, batch, result, error)

            task = self._pools.start(self._pools.thumbnails, work, done, name="thumbnails")
            holder.append(task)
            self._tasks.add(task)
            self.tasks_started += 1

    def _finished(self, generation: int, batch: list[str], result: Any,
                  error: BaseException | None) -> None:
        if generation != self._generation:
            return  # a new search or DPR replaced this batch: its pictures are stale
        images: dict[str, QImage | None] = result if isinstance(result, dict) else {}
        if error is not None:
            log.debug("thumbnail batch failed: %s", error)
        for url in batch:
            self._inflight.discard(url)
            image = images.get(url)
            if image is None:
                self._failed.add(url)
            else:
                pixmap = QPixmap.fromImage(image)
                pixmap.setDevicePixelRatio(self._dpr)
                self._cache.put(url, pixmap)
            self._arrived[url] = None
        if not self._ready_timer.isActive():
            self._ready_timer.start()
        if self._pending:
            self._start_batches()

    def _announce(self) -> None:
        urls = list(self._arrived)
        self._arrived.clear()
        if urls:
            self.ready.emit(urls)
