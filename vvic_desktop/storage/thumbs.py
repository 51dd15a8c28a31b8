"""Content-addressed thumbnail files and a bounded downloader that fetches each URL once.

Files live under `AppPaths.thumbnails` as `ab/cd/<sha256>` (two shard levels keep folders
small), and what grouping computed from a picture (its local features) beside them as
`features/<kind>/ab/<sha256>`, `kind` naming the analysis and its version. The name is the
sha256 of the content, so the same picture from two URLs is stored
once and a saved search refers to its thumbnails by hash. A second small map
`urls/ef/<sha256(url)>` remembers which content a URL gave, so the GUI, grouping and the
library never download a URL twice. Every write goes to a temp file then `os.replace`, so
a crash never leaves a half-written picture under a valid name.

No Qt: the GUI's thumbnail pool calls `ThumbnailDownloader.fetch_all` from a worker.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import Cancelled, StorageError, VvicError
from vvic_desktop.core.marketplace import ThumbnailFetcher
from vvic_desktop.core.models import Offer
from vvic_desktop.storage.files import write_atomically

log = logging.getLogger(__name__)

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
DEFAULT_WORKERS = 4
THUMB_MAX_BYTES = 8 * 1024 * 1024  # an item picture larger than this is not a thumbnail
THUMB_DEADLINE_S = 15.0
# Threads that run `ThumbnailDownloader.on_arrival` beside the downloads: a picture's
# analysis (~4 ms of CPU) is far shorter than a download, and the machine has two cores.
ARRIVAL_WORKERS = 2
# Pictures waiting for them at most: a download that would queue another waits, so the bytes
# held stay bounded (8 × THUMB_MAX_BYTES at worst) however fast the pictures come.
ARRIVAL_PENDING = 8

Fetch = Callable[..., bytes]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ThumbnailStore:
    """Picture bytes by sha256, plus the url → sha256 map. Safe across threads and processes."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path_for(self, sha: str) -> Path:
        if not _SHA_RE.match(sha):
            raise ValueError(f"not a sha256: {sha!r}")
        return self.root / sha[:2] / sha[2:4] / sha

    def _url_path(self, url: str) -> Path:
        key = sha256_hex(url.encode("utf-8"))
        return self.root / "urls" / key[:2] / key

    def has(self, sha: str) -> bool:
        return self.path_for(sha).is_file()

    def get(self, sha: str) -> bytes | None:
        try:
            return self.path_for(sha).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"cannot read thumbnail: {exc.strerror}") from None

    def put(self, data: bytes) -> str:
        """Store `data` (once) and return its sha256."""
        sha = sha256_hex(data)
        path = self.path_for(sha)
        if not path.is_file():
            write_atomically(path, data, durable=False)
        return sha

    def remember_url(self, url: str, sha: str) -> None:
        write_atomically(self._url_path(url), sha.encode("ascii"), durable=False)

    def sha_for_url(self, url: str) -> str | None:
        """The content a URL gave before, if that content is still stored."""
        try:
            sha = self._url_path(url).read_text("ascii").strip()
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        except OSError:
            return None
        return sha if _SHA_RE.match(sha) and self.has(sha) else None

    # -- analyses kept beside the pictures (core.pictures.FeatureStore) --------------------

    def _features_path(self, sha: str, kind: str) -> Path:
        if not _SHA_RE.match(sha) or not _KIND_RE.match(kind):
            raise ValueError(f"not a sha256 and feature kind: {sha!r}, {kind!r}")
        return self.root / "features" / kind / sha[:2] / sha

    def load_features(self, sha: str, kind: str) -> bytes | None:
        """The `kind` of features stored for picture `sha`, or None."""
        try:
            return self._features_path(sha, kind).read_bytes()
        except OSError:
            return None

    def save_features(self, sha: str, kind: str, data: bytes) -> None:
        write_atomically(self._features_path(sha, kind), data, durable=False)


_KIND_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,40}$")


@dataclass(slots=True)
class FetchReport:
    """What `fetch_all` got: url → sha256 for each stored picture, url → error otherwise."""

    shas: dict[str, str] = field(default_factory=dict)
    errors: dict[str, VvicError] = field(default_factory=dict)
    downloaded: int = 0  # network fetches made (the rest came from the store)


class ThumbnailDownloader:
    """Fetch item pictures through `core.intake.fetch_url`, at most `max_workers` at a time.

    Each distinct URL is fetched at most once per store: URLs already in the store's map are
    answered from disk, duplicates within a call share one download, and concurrent calls
    for the same URL wait for the one in flight instead of fetching it again.
    Which private hosts a picture may come from is `policy` (`core.intake.address_policy`,
    decided once per search target); `allow_private` is the legacy flag (loopback and LAN,
    never link-local) for tests and `vvic group --allow-private`.
    `on_arrival(data)` runs for each picture fetched from the network once it is stored, on
    `ARRIVAL_WORKERS` threads beside the downloads (a search's downloader analyses it for
    grouping there: `core.pictures.analyse_on_arrival`); it is not run for pictures already
    stored, and `fetch_all` returns after the last one finished.
    """

    def __init__(
        self,
        store: ThumbnailStore,
        *,
        allow_private: bool = False,
        policy: object | None = None,
        max_workers: int = DEFAULT_WORKERS,
        max_bytes: int = THUMB_MAX_BYTES,
        deadline: float = THUMB_DEADLINE_S,
        fetch: Fetch | None = None,
        on_arrival: Callable[[bytes], None] | None = None,
    ) -> None:
        if fetch is None:
            from vvic_desktop.core.intake import fetch_url

            fetch = fetch_url
        self.store = store
        self.allow_private = allow_private
        self.policy = policy  # an intake.AddressPolicy; None: from allow_private
        self.max_workers = max(1, max_workers)
        self.max_bytes = max_bytes
        self.deadline = deadline
        self._fetch = fetch
        self.on_arrival = on_arrival
        self._lock = threading.Lock()
        self._inflight: dict[str, threading.Event] = {}

    def fetch_all(
        self,
        urls: Iterable[str],
        *,
        cancel: CancelToken | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> FetchReport:
        """Make every URL's picture available in the store; never raises for one bad URL.

        Raises Cancelled when `cancel` fires (pictures already stored stay stored).
        """
        report = FetchReport()
        todo: list[str] = []
        for url in dict.fromkeys(u for u in urls if u):
            sha = self.store.sha_for_url(url)
            if sha:
                report.shas[url] = sha
            else:
                todo.append(url)
        total, done = len(todo), 0
        if progress and total:
            progress(0, total)
        if not todo:
            return report
        # `on_arrival` runs on threads of its own, so a download never waits for the
        # analysis of the one before; fetch_all returns once every arrival is analysed.
        arrivals = _Arrivals(self.on_arrival) if self.on_arrival is not None else None
        cancelled = False
        try:
            with ThreadPoolExecutor(max_workers=min(self.max_workers, len(todo)),
                                    thread_name_prefix="thumbs") as pool:
                futures = {url: pool.submit(self._one, url, cancel, arrivals) for url in todo}
                for url, fut in futures.items():
                    try:
                        sha, fetched = fut.result()
                        report.shas[url] = sha
                        report.downloaded += int(fetched)
                    except Cancelled:
                        cancelled = True
                        for other in futures.values():
                            other.cancel()
                        raise
                    except VvicError as exc:
                        report.errors[url] = exc
                    done += 1
                    if progress:
                        progress(done, total)
        finally:
            if arrivals is not None:
                arrivals.close(cancelled)
        return report

    def _one(self, url: str, cancel: CancelToken | None,
             arrivals: _Arrivals | None = None) -> tuple[str, bool]:
        if cancel is not None:
            cancel.raise_if_cancelled()
        while True:
            with self._lock:
                waiting = self._inflight.get(url)
                if waiting is None:
                    mine = threading.Event()
                    self._inflight[url] = mine
                    break
            # Another call is fetching this URL: wait for it, then read its result.
            while not waiting.wait(0.05):
                if cancel is not None:
                    cancel.raise_if_cancelled()
            sha = self.store.sha_for_url(url)
            if sha:
                return sha, False
        try:
            sha = self.store.sha_for_url(url)
            if sha:
                return sha, False
            policy: dict[str, Any] = {"policy": self.policy} if self.policy is not None else {}
            data = self._fetch(
                url, allow_private=self.allow_private, max_bytes=self.max_bytes,
                deadline=self.deadline, cancel=cancel, **policy,
            )
            sha = self.store.put(data)
            self.store.remember_url(url, sha)
            if arrivals is not None:
                arrivals.submit(data)
            return sha, True
        finally:
            with self._lock:
                self._inflight.pop(url, None)
            mine.set()


class _Arrivals:
    """`ThumbnailDownloader.on_arrival` run beside one `fetch_all`'s downloads, on
    `ARRIVAL_WORKERS` threads, with at most `ARRIVAL_PENDING` pictures waiting."""

    def __init__(self, hook: Callable[[bytes], None]) -> None:
        self._hook = hook
        self._pool = ThreadPoolExecutor(max_workers=ARRIVAL_WORKERS,
                                        thread_name_prefix="thumbs-arrival")
        self._room = threading.BoundedSemaphore(ARRIVAL_PENDING)

    def submit(self, data: bytes) -> None:
        """Queue a picture just stored; waits while `ARRIVAL_PENDING` are queued (each
        hook call is bounded, so the wait is)."""
        self._room.acquire()
        self._pool.submit(self._run, data)

    def _run(self, data: bytes) -> None:
        """Work done ahead for grouping: whatever goes wrong there costs grouping the work
        again, never the picture, and never the other downloads."""
        try:
            self._hook(data)
        except Exception:  # a hook's fault must not sink a stored picture
            log.warning("analysing a picture on arrival failed", exc_info=True)
        finally:
            self._room.release()

    def close(self, cancelled: bool) -> None:
        """Wait for the queued pictures; when cancelled, only for those already started."""
        self._pool.shutdown(wait=True, cancel_futures=cancelled)


def stored_picture_sha(store: ThumbnailStore, url: str) -> str | None:
    """The sha of the picture `url` gave, if it is in the store; None on any fault."""
    if not url:
        return None
    try:
        return store.sha_for_url(url)
    except (StorageError, OSError, ValueError):
        return None


def small_jpeg(data: bytes, size: int) -> bytes:
    """A small JPEG of a picture (query thumbnails, imported photos, exports), decoded
    through the one picture loader. Raises PictureUnavailable for an unusable picture."""
    from vvic_desktop.core.intake import load_picture

    picture = load_picture(data, max_side=size)
    if max(picture.size) > size:
        picture = picture.copy()
        picture.thumbnail((size, size))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def thumbnails_from(downloader: ThumbnailDownloader) -> ThumbnailFetcher:
    """Adapt a ThumbnailDownloader to the pipeline's `thumbnails` hook (core.marketplace):
    each URL is fetched once (the store remembers it), an item whose picture failed is
    grouped on its title and price. It carries the store as `features`, where grouping
    keeps each picture's local features beside its thumbnail."""

    class _Fetch:
        features = downloader.store

        def __call__(self, offers: list[Offer], cancel: CancelToken,
                     progress: Callable[[int, int], None]) -> Mapping[str, object]:
            report = downloader.fetch_all([o.image_url for o in offers if o.image_url],
                                          cancel=cancel, progress=progress)
            found: dict[str, object] = {
                o.key: downloader.store.path_for(report.shas[o.image_url])
                for o in offers if o.image_url in report.shas
            }
            # A picture that could not be fetched: its error, so the listing can say why.
            found.update({o.key: report.errors[o.image_url] for o in offers
                          if o.image_url in report.errors})
            return found

    return _Fetch()
