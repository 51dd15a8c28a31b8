"""SearchServices: the composition the GUI and the CLI share, against the sandbox."""

from __future__ import annotations

import threading

import pytest

from vvic_desktop.core import errors
from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.models import CropBox, SearchQuery
from vvic_desktop.paths import AppPaths
from vvic_desktop.services import SearchServices, is_loopback, quota_key

SAMPLE = "resources/samples/dress-photo.jpg"


@pytest.fixture
def services(open_services, sandbox):
    return open_services(sandbox=sandbox)


def test_demo_search_returns_grouped_offers_with_thumbnails(services, data_dir):
    stages = []
    result = services.search(
        SearchQuery(SAMPLE, "vvic", crop=CropBox(270, 440, 620, 900)),
        cancel=CancelToken(),
        progress=lambda stage, percent: stages.append(stage),
    )
    assert result.offers and result.groups
    assert sum(len(group.offers) for group in result.groups) == len(result.offers)
    assert result.stats["api_calls"] == 1
    assert stages[0] == "prepare" and stages[-1] == "done"
    assert any((data_dir / "thumbs").rglob("*")), "item pictures were stored for offline use"


def test_the_same_photo_twice_costs_one_call(services):
    query = SearchQuery(SAMPLE, "taobao")
    first = services.search(query, cancel=CancelToken(), progress=lambda s, p: None)
    second = services.search(query, cancel=CancelToken(), progress=lambda s, p: None)
    assert first.stats["api_calls"] == 1
    assert second.stats["cached"] == 1 and second.stats["api_calls"] == 0
    assert [o.item_id for o in second.offers] == [o.item_id for o in first.offers]


def test_quota_left_counts_this_minute(services):
    left, quota = services.quota_left("vvic")
    assert left == quota
    services.search(SearchQuery(SAMPLE, "vvic"), cancel=CancelToken(), progress=lambda s, p: None)
    assert services.quota_left("vvic") == (quota - 1, quota)


def test_without_credentials_the_message_says_how(open_services, monkeypatch):
    for var in ("VVIC_APP_KEY", "VVIC_APP_SECRET"):
        monkeypatch.delenv(var, raising=False)
    services = open_services()
    with pytest.raises(errors.MissingCredentials) as info:
        services.target("vvic")
    assert "demo" in info.value.message("en")
    assert "演示" in info.value.message("zh_CN")


def test_a_search_downloader_analyses_each_picture_for_grouping(services):
    """The search's downloader stores each picture's local features and signature row as it
    arrives, so grouping after the last download reads them instead of decoding."""
    from vvic_desktop.core.pictures import FEATURES_KIND, SIGNATURE_KIND
    from vvic_desktop.markets.base import Credentials
    from vvic_desktop.services import Target
    from vvic_desktop.storage.thumbs import sha256_hex

    with open(SAMPLE, "rb") as fh:
        data = fh.read()
    downloader = services.downloader(
        Target("vvic", Credentials("k", "s"), "http://127.0.0.1:1", True))
    assert downloader.on_arrival is not None
    downloader.on_arrival(data)
    store, sha = services.thumbnail_store, sha256_hex(data)
    assert store.load_features(sha, FEATURES_KIND) and store.load_features(sha, SIGNATURE_KIND)


def test_quota_key_and_loopback():
    assert is_loopback("http://127.0.0.1:8765") and is_loopback("http://localhost:1")
    assert not is_loopback("https://api.vvic.com") and not is_loopback(None)
    from vvic_desktop.markets.base import Credentials
    from vvic_desktop.services import Target

    target = Target("vvic", Credentials("k", "SECRET-xyz"), "http://127.0.0.1:1", True)
    assert quota_key(target) == "vvic:k@http://127.0.0.1:1"
    assert "SECRET-xyz" not in quota_key(target)


def test_open_is_paths_then_settings_then_demo_then_services(data_dir, tmp_path):
    from vvic_desktop.core.errors import language

    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "config").mkdir(parents=True)
    (elsewhere / "config" / "settings.json").write_text(
        '{"version": 1, "values": {"search.max_results": 7}}', encoding="utf-8")
    services = SearchServices.open(elsewhere, demo=True, demo_latency=(0, 0), language="zh_CN")
    try:
        assert services.paths == AppPaths.resolve(elsewhere)
        assert services.settings.get("search.max_results") == 7
        assert services.demo is not None and is_loopback(services.demo.url)
        assert services.target("vvic").loopback  # the demo's own AppKey, no keyring
        assert language() == "zh_CN" and services.language == "zh_CN"
    finally:
        services.close()
    assert not any(data_dir.iterdir()), "an explicit data dir leaves the default one alone"


def _demo_threads(before: set) -> list[str]:
    return [t.name for t in set(threading.enumerate()) - before if t.name == "demo-marketplace"]


def test_a_background_demo_starts_when_asked_or_first_needed(data_dir):
    """The app starts the demo's thread once its window has shown: until then nothing runs,
    and the picture policy the window builds does not wait for it."""
    from vvic_desktop.core.intake import address_policy
    from vvic_desktop.services import DemoMarketplace

    before = set(threading.enumerate())
    demo = DemoMarketplace(latency=(0, 0), background=True)
    try:
        assert _demo_threads(before) == [] and demo.server is None
        assert address_policy(demo.host_url).loopback  # what the window asks: no start
        assert demo.server is None
        assert is_loopback(demo.url)  # first needed: started, and waited for
        assert demo.server is not None and demo.host_url == "http://127.0.0.1"
        demo.start()  # once only
        assert len(_demo_threads(before)) <= 1
    finally:
        demo.close()


def test_a_background_demo_closed_before_it_started_never_starts(data_dir):
    from vvic_desktop.services import DemoMarketplace

    before = set(threading.enumerate())
    demo = DemoMarketplace(latency=(0, 0), background=True)
    demo.close()  # returns: nothing was started
    demo.start()
    assert _demo_threads(before) == [] and demo.server is None
    with pytest.raises(errors.ConfigError):
        demo.url  # noqa: B018


def test_open_touches_no_database_until_one_is_needed(open_services, data_dir):
    services = open_services()
    assert services.settings.messages == []
    assert not list(data_dir.rglob("*.sqlite3"))  # `vvic config show` creates no database
    assert services.quota_left("vvic") is None  # no credentials: nothing to count
    services.limiter.recent("vvic:key")
    assert (data_dir / "quota.sqlite3").exists()
