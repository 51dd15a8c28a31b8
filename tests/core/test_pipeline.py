"""run_search with a fake marketplace: cache, quota permits per attempt, retries, cancel,
progress, filters and grouping."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

import pytest
from cancelling import cancel_once_waiting
from PIL import Image

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import (
    Cancelled,
    ConfigError,
    QuotaExceeded,
    QuotaExhausted,
    ServiceError,
    SignatureError,
    StorageError,
)
from vvic_desktop.core.marketplace import (
    FIRST_PAGE,
    PageRequest,
    ThumbnailFetcher,
    more_pages,
)
from vvic_desktop.core.models import Filters, Offer, PreparedImage, SearchQuery, Stall
from vvic_desktop.core.pipeline import (
    CachePlan,
    QuotaPlan,
    RetryPolicy,
    SearchEnvironment,
    filter_offers,
    run_search,
)
from vvic_desktop.core.ratelimit import QuotaLimiter
from vvic_desktop.markets.base import Acquire, MarketAnswer
from vvic_desktop.storage.cache import ResultCache
from vvic_desktop.storage.quota_log import QuotaLog

US = 1_000_000


class FakeClock:
    def __init__(self) -> None:
        self.now_us = 1_700_000_000 * US
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now_us / US

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now_us += max(1, round(seconds * US))

    def limiter_sleep(self, cancel: CancelToken, seconds: float) -> None:
        cancel.raise_if_cancelled()
        self.sleep(seconds)


def offer(item_id: str, price: str | None = "50", **kw: object) -> Offer:
    return Offer(market="vvic", item_id=item_id, title=f"连衣裙 {item_id}",
                 price=Decimal(price) if price is not None else None, **kw)  # type: ignore[arg-type]


class FakeMarket:
    """Takes a permit before each request, then raises or answers as scripted."""

    name: ClassVar[str] = "vvic"

    def __init__(self, *outcomes: object, on_request: Callable[[], None] | None = None) -> None:
        self.outcomes = list(outcomes)
        self.requests = 0
        self.on_request = on_request
        self.quota_left: int | None = None

    def search(self, image: PreparedImage, filters: Filters, cancel: CancelToken,
               acquire: Acquire) -> MarketAnswer:
        acquire(cancel)
        self.requests += 1
        if self.on_request:
            self.on_request()
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, BaseException):
            raise outcome
        assert isinstance(outcome, list)
        return MarketAnswer(offers=outcome, raw_count=len(outcome) + 1, skipped=1, api_calls=1,
                            quota_left=self.quota_left)


def prepared_image(tag: bytes = b"photo") -> PreparedImage:
    return PreparedImage(jpeg=tag, width=800, height=800, sha256=hashlib.sha256(tag).hexdigest(),
                         notes=("upscaled",))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limiter(tmp_path: Path, clock: FakeClock) -> QuotaLimiter:
    return QuotaLimiter(QuotaLog(tmp_path / "quota.sqlite3"), clock=clock,
                        sleeper=clock.limiter_sleep)


@pytest.fixture
def cache(tmp_path: Path, clock: FakeClock) -> ResultCache:
    return ResultCache(tmp_path / "cache.sqlite3", clock=clock)


def virtual_time(clock: FakeClock) -> SearchEnvironment:
    """Searches on the fake clock: every wait is recorded and skipped, none is real."""
    return SearchEnvironment(clock=clock, sleep=clock.sleep)


def search(market: FakeMarket, limiter: QuotaLimiter | None, cache: ResultCache | None,
           clock: FakeClock, *, quota: int = 20, filters: Filters | None = None,
           prepared: PreparedImage | None = None, cancel: CancelToken | None = None,
           progress: Callable[[str, int], None] | None = None, endpoint: str = "",
           use_cache: bool = True, max_quota_wait: float = 120.0,
           thumbnails: ThumbnailFetcher | None = None):
    query = SearchQuery(source="photo.jpg", market="vvic", filters=filters or Filters())
    plan = None if limiter is None else QuotaPlan(limiter, "vvic:KEY", quota, max_quota_wait)
    kept = None if cache is None else CachePlan(cache, endpoint=endpoint, read=use_cache)
    return run_search(
        query, market, cancel=cancel or CancelToken(),
        progress=progress or (lambda stage, pct: None), quota=plan, cache=kept,
        thumbnails=thumbnails, prepared=prepared or prepared_image(), env=virtual_time(clock),
    )


def test_result_has_offers_groups_and_stats(limiter, cache, clock) -> None:
    market = FakeMarket([offer("1"), offer("2", "60")])
    result = search(market, limiter, cache, clock)
    assert [o.item_id for o in result.offers] == ["1", "2"]
    assert sorted(o.item_id for g in result.groups for o in g.offers) == ["1", "2"]
    assert result.stats == {"raw": 3, "skipped": 1, "filtered": 0, "api_calls": 1, "cached": 0,
                            "page": 1, "seen": 3, "more": 0}
    assert result.image_sha256 == prepared_image().sha256
    assert "upscaled" in result.notes


def test_same_photo_twice_costs_one_call(limiter, cache, clock) -> None:
    market = FakeMarket([offer("1", "69.00")])
    first = search(market, limiter, cache, clock)
    second = search(market, limiter, cache, clock)
    assert market.requests == 1
    assert second.stats["cached"] == 1 and second.stats["api_calls"] == 0
    assert second.stats["raw"] == first.stats["raw"]
    assert str(second.offers[0].price) == "69.00"
    assert len(limiter.recent("vvic:KEY")) == 1
    # different filters or another endpoint are other questions
    search(market, limiter, cache, clock, filters=Filters(max_results=5))
    search(market, limiter, cache, clock, endpoint="http://127.0.0.1:1")
    assert market.requests == 3


def test_use_cache_false_always_asks(limiter, cache, clock) -> None:
    market = FakeMarket([offer("1")])
    search(market, limiter, cache, clock)
    search(market, limiter, cache, clock, use_cache=False)
    assert market.requests == 2


def test_failures_are_not_cached(limiter, cache, clock) -> None:
    market = FakeMarket(SignatureError("bad", market="vvic"), [offer("1")])
    with pytest.raises(SignatureError):
        search(market, limiter, cache, clock)
    assert search(market, limiter, cache, clock).stats["cached"] == 0


def test_retries_take_permits(limiter, cache, clock) -> None:
    market = FakeMarket(ServiceError("502", market="vvic"), ServiceError("503", market="vvic"),
                        [offer("1")])
    stages: list[str] = []
    result = search(market, limiter, cache, clock, progress=lambda s, p: stages.append(s))
    assert market.requests == 3
    assert result.stats["api_calls"] == 3
    assert len(limiter.recent("vvic:KEY")) == 3
    assert "retry 2/3" in stages and "retry 3/3" in stages
    # two back-off waits, each announced ("wait N") and slept whole on the injected clock
    assert len([s for s in stages if s.startswith("wait ")]) == 2
    assert len(clock.slept) == 2 and all(1 <= s <= 20 for s in clock.slept)


def test_retries_wait_for_the_quota_like_first_attempts(limiter, cache, clock) -> None:
    market = FakeMarket(ServiceError("502", market="vvic"), [offer("1")])
    result = search(market, limiter, cache, clock, quota=1)
    # the retry needed a second permit: it waited for the first to leave the window
    assert result.stats["api_calls"] == 2
    grants = limiter.recent("vvic:KEY", window=3600)
    assert grants[1] - grants[0] >= 60


def test_quota_answer_penalises_the_key(limiter, cache, clock) -> None:
    market = FakeMarket(QuotaExceeded("429", market="vvic", retry_after=30), [offer("1")])
    start = clock()
    stages: list[str] = []
    search(market, limiter, cache, clock, progress=lambda s, p: stages.append(s))
    assert clock.slept[0] == 30
    assert "wait 30" in stages
    assert limiter.next_free("vvic:KEY", 20) <= clock()
    assert limiter.recent("vvic:KEY", 3600)[-1] >= start + 30


def test_long_retry_after_raises_quota_exhausted(limiter, cache, clock) -> None:
    market = FakeMarket(QuotaExceeded("429", market="vvic", retry_after=3600), [offer("1")])
    with pytest.raises(QuotaExhausted) as info:
        search(market, limiter, cache, clock)
    assert market.requests == 1
    assert "resumes at" in info.value.message("en")
    # the next photo of a batch stops at the limiter: no request spent to hear "429" again
    with pytest.raises(QuotaExhausted):
        search(market, limiter, cache, clock, prepared=prepared_image(b"another photo"))
    assert market.requests == 1
    assert limiter.next_free("vvic:KEY", 20) == pytest.approx(clock() + 3600, abs=1)


def test_limiter_wait_beyond_max_raises_quota_exhausted(limiter, cache, clock) -> None:
    limiter.penalise("vvic:KEY", clock() + 600)
    market = FakeMarket([offer("1")])
    with pytest.raises(QuotaExhausted):
        search(market, limiter, cache, clock, max_quota_wait=120)
    assert market.requests == 0


def test_progress_stages_in_order(limiter, cache, clock) -> None:
    seen: list[tuple[str, int]] = []
    search(FakeMarket([offer("1")]), limiter, cache, clock,
           progress=lambda s, p: seen.append((s, p)))
    stages = [s for s, _ in seen]
    assert stages == ["prepare", "cache", "quota", "search", "group", "done"]
    percents = [p for _, p in seen]
    assert percents == sorted(percents) and percents[-1] == 100


def test_cancel_while_waiting_for_quota_ends_the_wait(tmp_path: Path) -> None:
    """Real clock and real waits: the quota is spent, so the search waits an hour unless the
    cancel ends the wait (the join below only bounds a hang)."""
    limiter = QuotaLimiter(QuotaLog(tmp_path / "quota.sqlite3"), window=3600)
    limiter.acquire("vvic:KEY", 1, CancelToken())
    market = FakeMarket([offer("1")])
    cancel = CancelToken()
    waiting = threading.Event()

    def progress(stage: str, pct: int) -> None:
        if stage == "quota":
            waiting.set()

    outcome = cancel_once_waiting(lambda: run_search(
        SearchQuery(source="x", market="vvic"), market, cancel=cancel, progress=progress,
        quota=QuotaPlan(limiter, "vvic:KEY", 1, max_wait=7200), prepared=prepared_image(),
    ), waiting, cancel)
    assert isinstance(outcome, Cancelled)
    assert market.requests == 0  # nothing was sent, no permit was spent
    assert len(limiter.recent("vvic:KEY")) == 1


def test_cancel_during_retry_backoff_ends_the_backoff(tmp_path: Path) -> None:
    cancel = CancelToken()
    market = FakeMarket(ServiceError("502", market="vvic"), [offer("1")])
    retrying = threading.Event()
    outcome = cancel_once_waiting(lambda: run_search(
        SearchQuery(source="x", market="vvic"), market, cancel=cancel,
        progress=lambda s, p: retrying.set() if s.startswith("retry") else None,
        quota=None, prepared=prepared_image(),
        env=SearchEnvironment(retry=RetryPolicy(base=3600, cap=3600)),  # an hour's back-off
    ), retrying, cancel)
    assert isinstance(outcome, Cancelled) and market.requests == 1


def test_filters_apply_to_every_market() -> None:
    offers = [
        offer("cheap", "30"), offer("mid", "60"), offer("dear", "120"), offer("unknown", None),
        offer("range", "40", price_max=Decimal("70")),
        offer("soldout", "60", stock=0), offer("moq", "60", min_order=50),
        offer("credit-c", "60", stall=Stall(credit_level="C")),
        offer("credit-a", "60", stall=Stall(credit_level="A")),
    ]
    filters = Filters(price_min=Decimal("50"), price_max=Decimal("100"), in_stock_only=True,
                      min_order_max=10, credit_level="B")
    kept = [o.item_id for o in filter_offers(offers, filters)]
    assert kept == ["mid", "unknown", "range", "credit-a"]
    assert len(filter_offers(offers, Filters())) == len(offers)


def test_thumbnails_feed_grouping(limiter, cache, clock, tmp_path: Path) -> None:
    def picture(colour: tuple[int, int, int]) -> bytes:
        buf = io.BytesIO()
        img = Image.new("RGB", (64, 64), colour)
        img.paste((255, 255, 255), (16, 16, 48, 48))
        img.save(buf, "PNG")
        return buf.getvalue()

    offers = [offer("1", image_url="http://img/1"), offer("2", image_url="http://img/2"),
              offer("3", image_url="")]
    calls: list[list[str]] = []

    def thumbs(items: list[Offer], cancel: CancelToken, progress) -> dict[str, bytes]:
        calls.append([o.item_id for o in items])
        progress(1, 1)
        return {o.key: picture((200, 30, 30)) for o in items if o.image_url}

    seen: list[str] = []
    result = search(FakeMarket(offers), limiter, cache, clock, thumbnails=thumbs,
                    progress=lambda s, p: seen.append(s))
    assert calls == [["1", "2", "3"]]
    assert "thumbnails" in seen and "thumbnails 1/1" in seen  # what it waits for
    assert sorted(o.item_id for g in result.groups for o in g.offers) == ["1", "2", "3"]


def test_real_preparation_of_a_photo(tmp_path: Path, limiter, cache, clock) -> None:
    photo = tmp_path / "photo.png"
    Image.new("RGB", (400, 300), (180, 40, 60)).save(photo)
    market = FakeMarket([offer("1")])
    result = run_search(
        SearchQuery(source=str(photo), market="vvic"), market, cancel=CancelToken(),
        quota=QuotaPlan(limiter, "vvic:KEY", 20), cache=CachePlan(cache),
        env=virtual_time(clock),
    )
    assert len(result.image_sha256) == 64 and result.offers
    assert result.notes  # a 400×300 photo is upscaled to the API minimum, with a note


def test_a_cache_that_cannot_write_does_not_lose_the_result(limiter, cache, clock,
                                                            monkeypatch) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise StorageError("database or disk is full")

    monkeypatch.setattr(cache, "put", full_disk)
    result = search(FakeMarket([offer("1")]), limiter, cache, clock)
    assert [o.item_id for o in result.offers] == ["1"] and result.stats["cached"] == 0


def test_daily_quota_left_is_passed_on_when_the_service_reports_it(limiter, cache, clock) -> None:
    market = FakeMarket([offer("1")])
    market.quota_left = 10042
    assert search(market, limiter, cache, clock).stats["quota_left"] == 10042


class PagedMarket:
    """Pages of a fixed ranking, `size` a page; says whether another page follows."""

    name: ClassVar[str] = "taobao"

    def __init__(self, offers: list[Offer], size: int) -> None:
        self.offers, self.size = offers, size
        self.pages_asked: list[PageRequest] = []

    def search(self, image: PreparedImage, filters: Filters, cancel: CancelToken,
               acquire: Acquire, page: PageRequest = FIRST_PAGE) -> MarketAnswer:
        acquire(cancel)
        self.pages_asked.append(page)
        chunk = self.offers[(page.number - 1) * self.size: page.number * self.size]
        return MarketAnswer(offers=list(chunk), raw_count=len(chunk), api_calls=1,
                            page=page.number, token="img-1",
                            has_more=more_pages(page, len(chunk), total=len(self.offers)))


def paged_search(market: PagedMarket, limiter, cache, clock, *, more_of=None,
                 filters: Filters | None = None):
    query = SearchQuery(source="photo.jpg", market="taobao", filters=filters or Filters())
    return run_search(
        query, market, cancel=CancelToken(), quota=QuotaPlan(limiter, "taobao:KEY", 20),
        cache=CachePlan(cache), prepared=prepared_image(), env=virtual_time(clock),
        more_of=more_of,
    )


def test_load_more_appends_the_next_page_and_regroups(limiter, cache, clock) -> None:
    offers = [offer(str(n), str(40 + n)) for n in range(5)]
    market = PagedMarket(offers, size=2)
    first = paged_search(market, limiter, cache, clock)
    assert first.stats["more"] == 1 and first.stats["page"] == 1 and first.page_token == "img-1"
    second = paged_search(market, limiter, cache, clock, more_of=first)
    asked = market.pages_asked[-1]
    assert (asked.number, asked.seen, asked.token) == (2, 2, "img-1")
    assert [o.item_id for o in second.offers] == ["0", "1", "2", "3"]
    assert sorted(o.item_id for g in second.groups for o in g.offers) == ["0", "1", "2", "3"]
    assert second.stats["added"] == 2 and second.stats["api_calls"] == 2
    assert second.stats["more"] == 1
    third = paged_search(market, limiter, cache, clock, more_of=second)
    assert [o.item_id for o in third.offers] == ["0", "1", "2", "3", "4"]
    assert third.stats["more"] == 0 and third.stats["seen"] == 5
    with pytest.raises(ConfigError):  # no page after the last
        paged_search(market, limiter, cache, clock, more_of=third)


def test_load_more_from_the_cache_costs_nothing_and_keeps_more(limiter, cache, clock) -> None:
    market = PagedMarket([offer(str(n)) for n in range(4)], size=2)
    first = paged_search(market, limiter, cache, clock)
    paged_search(market, limiter, cache, clock, more_of=first)
    calls = len(market.pages_asked)
    again = paged_search(market, limiter, cache, clock)  # the same photo: from the cache
    assert again.stats["cached"] == 1 and again.stats["more"] == 1
    assert "more_pages" not in again.notes
    more = paged_search(market, limiter, cache, clock, more_of=again)
    assert len(market.pages_asked) == calls and more.stats["cached"] == 1
    assert len(more.offers) == 4


def test_load_more_counts_a_repeated_listing_once(limiter, cache, clock) -> None:
    market = PagedMarket([offer("1"), offer("2"), offer("2"), offer("3")], size=2)
    first = paged_search(market, limiter, cache, clock)
    second = paged_search(market, limiter, cache, clock, more_of=first)
    assert [o.item_id for o in second.offers] == ["1", "2", "3"]
    assert second.stats["added"] == 1
