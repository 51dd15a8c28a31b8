"""The thumbnail loader: batched off the GUI thread, cached within a byte budget, HiDPI."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtGui import QPixmap
from ui.results_data import jpeg

from vvic_desktop.storage.thumbs import ThumbnailDownloader, ThumbnailStore
from vvic_desktop.ui.results.thumbnails import (
    BATCH_SIZE,
    ThumbnailLoader,
    ThumbState,
    _PixmapCache,
    load_scaled,
    store_source,
)

RED = (220, 30, 30)


class FakeSource:
    """Picture bytes by URL; URLs containing "broken" give bytes that are not a picture,
    URLs containing "missing" give nothing. Records which thread asked for what."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.threads: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, urls, cancel):
        with self.lock:
            self.calls.append(list(urls))
            self.threads.add(threading.current_thread().name)
        found = {}
        for url in urls:
            if "missing" in url:
                continue
            found[url] = b"not a picture" if "broken" in url else jpeg(RED, (400, 600))
        return found

    @property
    def asked(self) -> list[str]:
        return [u for call in self.calls for u in call]


@pytest.fixture
def source():
    return FakeSource()


@pytest.fixture
def loader(pools, source):
    return ThumbnailLoader(pools, source, edge=100)


def _wait_ready(qtbot, loader, urls):
    pending = set(urls)

    def arrived(got):
        pending.difference_update(got)

    loader.ready.connect(arrived)
    qtbot.waitUntil(lambda: not pending, timeout=5000)
    loader.ready.disconnect(arrived)


def test_requests_are_batched_and_decoded_off_the_gui_thread(qtbot, loader, source):
    urls = [f"http://img.test/{i}.jpg" for i in range(20)]
    for url in urls:
        loader.request(url)
        loader.request(url)  # asking twice costs nothing
    assert all(loader.state(u) == ThumbState.LOADING for u in urls)
    emitted: list[list[str]] = []
    loader.ready.connect(emitted.append)
    _wait_ready(qtbot, loader, urls)
    assert loader.tasks_started == -(-len(urls) // BATCH_SIZE)  # 3 batches, not 20 tasks
    assert sorted(source.asked) == sorted(urls)
    assert threading.main_thread().name not in source.threads
    assert len(emitted) <= loader.tasks_started  # arrivals are announced together
    pixmap = loader.pixmap(urls[0])
    assert isinstance(pixmap, QPixmap)
    assert pixmap.height() == 100 and pixmap.width() in (66, 67)  # fits the 100 px square
    assert loader.state(urls[0]) == ThumbState.READY
    loader.request(urls[0])
    assert loader.tasks_started == 3  # cached: no new work


def test_broken_and_missing_pictures_fail_once(qtbot, loader, source):
    urls = ["http://img.test/broken.jpg", "http://img.test/missing.jpg"]
    loader.request_many(urls)
    _wait_ready(qtbot, loader, urls)
    assert [loader.state(u) for u in urls] == [ThumbState.FAILED, ThumbState.FAILED]
    assert loader.pixmap(urls[0]) is None
    loader.request_many(urls)
    assert loader.tasks_started == 1  # a failure is remembered, not retried on every paint
    assert loader.state("") == ThumbState.NONE


def test_pictures_are_decoded_for_the_device_pixel_ratio(qtbot, loader):
    loader.set_device_pixel_ratio(2.0)
    assert loader.edge_px == 200
    url = "http://img.test/hidpi.jpg"
    loader.request(url)
    _wait_ready(qtbot, loader, [url])
    pixmap = loader.pixmap(url)
    assert pixmap.height() == 200  # device pixels
    assert pixmap.devicePixelRatio() == 2.0
    assert pixmap.deviceIndependentSize().height() == 100  # what the card lays out


def test_clear_drops_work_in_flight(qtbot, loader, source):
    loader.request("http://img.test/old.jpg")
    qtbot.waitUntil(lambda: loader.tasks_started == 1, timeout=2000)
    loader.clear()
    late: list[list[str]] = []
    loader.ready.connect(late.append)
    loader.request("http://img.test/new.jpg")
    _wait_ready(qtbot, loader, ["http://img.test/new.jpg"])
    assert loader.pixmap("http://img.test/old.jpg") is None
    assert all("http://img.test/old.jpg" not in batch for batch in late)


def test_cache_is_bounded_in_bytes(qtbot):
    cache = _PixmapCache(max_bytes=3 * 100 * 100 * 4)
    for i in range(5):
        pixmap = QPixmap(100, 100)
        evicted = cache.put(f"u{i}", pixmap)
        assert cache.bytes <= cache.max_bytes
        if i >= 3:
            assert evicted == [f"u{i - 3}"]
    cache.get("u2")  # recently used: survives the next eviction
    cache.put("u5", QPixmap(100, 100))
    assert "u2" in cache and "u3" not in cache
    assert len(cache) == 3


def test_load_scaled_keeps_small_pictures_and_rejects_garbage(qtbot):
    small = load_scaled(jpeg(RED, (40, 30)), 100)
    assert (small.width(), small.height()) == (40, 30)
    assert load_scaled(b"\x00" * 50, 100) is None


def test_store_source_reads_the_store_and_downloads_what_is_missing(tmp_path):
    store = ThumbnailStore(tmp_path / "thumbs")
    known = "http://img.test/known.jpg"
    store.remember_url(known, store.put(jpeg(RED)))
    fetched: list[str] = []

    def fake_fetch(url, **_kwargs):
        fetched.append(url)
        return jpeg((0, 0, 200))

    downloader = ThumbnailDownloader(store, fetch=fake_fetch)
    source = store_source(store, downloader)
    from vvic_desktop.core.cancel import CancelToken

    got = source([known, "http://img.test/new.jpg"], CancelToken())
    assert set(got) == {known, "http://img.test/new.jpg"}
    assert fetched == ["http://img.test/new.jpg"]
    assert store_source(store)(["http://img.test/other.jpg"], CancelToken()) == {}
