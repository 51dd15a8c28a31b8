"""Thumbnail store: content-addressed, atomic; downloader: bounded, each URL once."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from scripted_server import Reply, ScriptedServer

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import Cancelled, NetworkError
from vvic_desktop.paths import AppPaths
from vvic_desktop.storage.thumbs import ThumbnailDownloader, ThumbnailStore, sha256_hex


@pytest.fixture
def store() -> ThumbnailStore:
    return ThumbnailStore(AppPaths.resolve().thumbnails)


def test_put_is_content_addressed_sharded_and_idempotent(store: ThumbnailStore) -> None:
    sha = store.put(b"picture")
    assert sha == sha256_hex(b"picture")
    path = store.path_for(sha)
    assert path.parent.parent.name == sha[:2] and path.parent.name == sha[2:4]
    assert store.put(b"picture") == sha
    assert store.get(sha) == b"picture"
    assert store.get(sha256_hex(b"other")) is None
    # No temp file is left behind next to the stored picture.
    assert [p.name for p in path.parent.iterdir()] == [sha]


def test_path_for_refuses_non_hash_names(store: ThumbnailStore) -> None:
    with pytest.raises(ValueError):
        store.path_for("../../etc/passwd")


def test_each_url_is_fetched_once_across_calls_and_duplicates(store: ThumbnailStore) -> None:
    calls: Counter[str] = Counter()
    lock = threading.Lock()

    def fetch(url: str, **kw: object) -> bytes:
        assert kw["allow_private"] is True and kw["max_bytes"] > 0
        with lock:
            calls[url] += 1
        return b"img:" + url.rsplit("/", 1)[1].encode()[:1]  # b and bb share content

    dl = ThumbnailDownloader(store, allow_private=True, fetch=fetch)
    urls = ["http://x/a", "http://x/b", "http://x/a", "http://x/bb"]
    first = dl.fetch_all(urls)
    assert set(first.shas) == {"http://x/a", "http://x/b", "http://x/bb"}
    assert first.shas["http://x/b"] == first.shas["http://x/bb"]  # same content, one file
    second = dl.fetch_all(urls)
    assert second.shas == first.shas and second.downloaded == 0
    assert all(n == 1 for n in calls.values()) and len(calls) == 3


def test_concurrency_is_bounded(store: ThumbnailStore) -> None:
    active, peak = 0, 0
    lock = threading.Lock()
    gate = threading.Barrier(3, timeout=60)

    def fetch(url: str, **kw: object) -> bytes:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        if url.endswith(("/0", "/1", "/2")):
            gate.wait()  # three fetches provably overlap
        with lock:
            active -= 1
        return url.encode()

    dl = ThumbnailDownloader(store, max_workers=3, fetch=fetch)
    report = dl.fetch_all([f"http://x/{k}" for k in range(12)])
    assert len(report.shas) == 12 and peak == 3


def test_a_failing_url_is_reported_not_raised(store: ThumbnailStore) -> None:
    def fetch(url: str, **kw: object) -> bytes:
        if "bad" in url:
            raise NetworkError("refused")
        return b"ok"

    report = ThumbnailDownloader(store, fetch=fetch).fetch_all(["http://x/bad", "http://x/ok"])
    assert list(report.shas) == ["http://x/ok"]
    assert isinstance(report.errors["http://x/bad"], NetworkError)
    assert store.sha_for_url("http://x/bad") is None


def test_on_arrival_sees_each_downloaded_picture_once_and_cannot_lose_one(
        store: ThumbnailStore, caplog: pytest.LogCaptureFixture) -> None:
    """The hook runs once per picture fetched from the network (not for what the store
    already holds); a hook that fails leaves the picture stored and reported, and the other
    downloads go on."""
    seen: list[bytes] = []
    lock = threading.Lock()

    def hook(data: bytes) -> None:
        with lock:
            seen.append(data)
        if data == b"img:b":
            raise RuntimeError("analysis broke")

    store.remember_url("http://x/held", store.put(b"img:held"))
    dl = ThumbnailDownloader(store, fetch=lambda url, **kw: b"img:" + url[-1].encode(),
                             on_arrival=hook)
    urls = ["http://x/a", "http://x/b", "http://x/c", "http://x/held", "http://x/a"]
    with caplog.at_level(logging.WARNING):
        report = dl.fetch_all(urls)
    assert sorted(seen) == [b"img:a", b"img:b", b"img:c"]
    assert set(report.shas) == set(urls) and not report.errors and report.downloaded == 3
    assert store.get(report.shas["http://x/b"]) == b"img:b"
    assert "analysing a picture on arrival failed" in caplog.text
    assert dl.fetch_all(urls).downloaded == 0 and len(seen) == 3


def test_cancel_during_arrivals_stops_the_downloads(store: ThumbnailStore) -> None:
    token = CancelToken()
    hooked = threading.Event()
    seen: list[bytes] = []

    def hook(data: bytes) -> None:
        seen.append(data)
        token.cancel()
        hooked.set()

    def fetch(url: str, **kw: object) -> bytes:
        if not url.endswith("/0"):
            assert hooked.wait(timeout=60)
        return url.encode()

    dl = ThumbnailDownloader(store, max_workers=1, fetch=fetch, on_arrival=hook)
    with pytest.raises(Cancelled):
        dl.fetch_all([f"http://x/{k}" for k in range(10)], cancel=token)
    assert 1 <= len(seen) <= 2
    assert store.sha_for_url("http://x/0") and not store.sha_for_url("http://x/9")


def test_pictures_waiting_for_on_arrival_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A download that would queue more than ARRIVAL_PENDING pictures waits (the bytes held
    stay bounded); every queued picture is still seen, and the room is given back."""
    from vvic_desktop.storage import thumbs

    monkeypatch.setattr(thumbs, "ARRIVAL_PENDING", 2)
    monkeypatch.setattr(thumbs, "ARRIVAL_WORKERS", 1)
    started, go = threading.Event(), threading.Event()
    seen: list[bytes] = []

    def hook(data: bytes) -> None:
        started.set()
        assert go.wait(timeout=60)
        seen.append(data)

    arrivals = thumbs._Arrivals(hook)
    arrivals.submit(b"a")
    assert started.wait(timeout=60)  # "a" is being analysed, "b" waits behind it
    arrivals.submit(b"b")
    assert not arrivals._room.acquire(blocking=False)  # full: a third submit would wait
    go.set()
    arrivals.close(cancelled=False)
    assert seen == [b"a", b"b"]
    assert all(arrivals._room.acquire(blocking=False) for _ in range(2))


def test_cancel_raises_and_keeps_what_was_stored(store: ThumbnailStore) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        ThumbnailDownloader(store, fetch=lambda url, **kw: b"x").fetch_all(
            ["http://x/1"], cancel=token)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    """Answers every path with a JPEG-looking body naming that path."""
    scripted = ScriptedServer()
    scripted.script(lambda seen: Reply(200, b"\xff\xd8\xff" + seen.path.encode(),
                                       {"Content-Type": "image/jpeg"}))
    yield scripted
    scripted.close()


def test_real_fetch_through_intake_on_loopback(store: ThumbnailStore,
                                               server: ScriptedServer) -> None:
    urls = [f"{server.url}/item/{k}.jpg" for k in range(6)] * 2
    dl = ThumbnailDownloader(store, allow_private=True)
    report = dl.fetch_all(urls)
    assert len(report.shas) == 6 and not report.errors
    assert store.get(report.shas[urls[0]]) == b"\xff\xd8\xff/item/0.jpg"
    assert all(n == 1 for n in Counter(seen.path for seen in server.requests).values())
    # Loopback is refused unless the caller allows private addresses.
    refused = ThumbnailDownloader(ThumbnailStore(store.root / "other")).fetch_all([urls[0]])
    assert urls[0] in refused.errors
