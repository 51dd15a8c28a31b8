"""One search, start to finish: the single code path of the GUI, the CLI and batch (DESIGN §2).

    prepare → cache? → quota + retry → market.search → filter → thumbnails → group

Pure Python, no Qt; importing it loads neither numpy, PIL nor OpenCV (grouping and picture
preparation load them when a search runs), so `vvic --help` stays fast.
`progress(stage, percent)` reports each stage; `cancel` stops it at the next check or during
any wait (quota slot, retry back-off, HTTP read).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import (
    QuotaExceeded,
    QuotaExhausted,
    StorageError,
    VvicError,
)
from vvic_desktop.core.marketplace import (
    FIRST_PAGE,
    MarketAnswer,
    Marketplace,
    PageRequest,
    ResultStore,
    ThumbnailFetcher,
)
from vvic_desktop.core.models import (
    CREDIT_LEVELS,
    Filters,
    Offer,
    PreparedImage,
    SearchQuery,
    SearchResult,
)
from vvic_desktop.core.ratelimit import QuotaLimiter
from vvic_desktop.core.result_rows import ANSWER_RANK, sort_groups
from vvic_desktop.core.retry import IN_SEARCH_MAX_WAIT, call_with_retry, countdown

if TYPE_CHECKING:
    from vvic_desktop.core.grouping_rules import GroupingSettings
    from vvic_desktop.core.pictures import Pictures

log = logging.getLogger(__name__)

Progress = Callable[[str, int], None]

# Stage names reported through `progress` (the GUI translates them).
STAGE_PREPARE = "prepare"
STAGE_CACHE = "cache"
STAGE_QUOTA = "quota"  # waiting for a permit
STAGE_SEARCH = "search"
STAGE_RETRY = "retry"  # reported as "retry 2/3"
STAGE_WAIT = "wait"  # reported as "wait 12": seconds left before the next attempt, each second
STAGE_THUMBNAILS = "thumbnails"
STAGE_GROUP = "group"
STAGE_DONE = "done"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3
    base: float = 1.0
    cap: float = 20.0
    max_retry_after: float = IN_SEARCH_MAX_WAIT  # longer: "resumes at …" (core.retry)


@dataclass(frozen=True, slots=True)
class QuotaPlan:
    """Whose calls a search spends: every request the adapter sends takes a permit first.

    A search without a plan (`quota=None`) is one of a market without a quota (the local
    catalog)."""

    limiter: QuotaLimiter  # the sliding-window log every process and window shares
    key: str  # whose window: the AppKey at one service (services.quota_key)
    per_minute: int  # calls the key may make a minute (the market's setting)
    max_wait: float = 120.0  # seconds a permit may be waited for; later: QuotaExhausted


@dataclass(frozen=True, slots=True)
class CachePlan:
    """Where a search's answer is kept, so that the same photo never pays for a call twice.

    The key is (prepared image, market, filters, `endpoint`); a search without a plan
    (`cache=None`) neither reads nor writes (the local catalog, which grows)."""

    store: ResultStore  # the result cache (storage.cache.ResultCache)
    endpoint: str = ""  # the service's base URL ("": production): a sandbox's answers stay apart
    read: bool = True  # False: ask the service again ("refresh"); the answer is still kept


@dataclass(frozen=True, slots=True)
class SearchEnvironment:
    """How every search of one run behaves, whichever market it asks: the retry policy, the
    network policy for the photo, and the time it goes by. `services.SearchServices` builds it
    in one place; the tests put a virtual clock in it, so that no wait is real."""

    retry: RetryPolicy = RetryPolicy()  # attempts and back-off of a failed call
    allow_lan_images: bool = False  # a photo URL may name a private address (off: SSRF)
    clock: Callable[[], float] = time.time  # "now" for Retry-After and quota penalties
    # every wait (back-off, Retry-After): None counts down on the cancel token, one tick a
    # second; a given sleep (a virtual clock shared by batch workers) gets the whole wait
    sleep: Callable[[float], None] | None = None
    rng: random.Random | None = None  # the back-off's jitter (None: the module's)


def _no_progress(stage: str, percent: int) -> None:
    pass


def run_search(
    query: SearchQuery,
    market: Marketplace,
    *,
    cancel: CancelToken,
    progress: Progress = _no_progress,
    quota: QuotaPlan | None,
    cache: CachePlan | None = None,
    thumbnails: ThumbnailFetcher | None = None,
    prepared: PreparedImage | None = None,
    grouping: GroupingSettings | None = None,
    env: SearchEnvironment = SearchEnvironment(),
    more_of: SearchResult | None = None,
) -> SearchResult:
    """Search `market` for the style in `query.source` and group what it finds.

    `more_of` ("load more"): the next page of that earlier result's search (its query, its
    prepared photo); the new listings join its offers and everything is grouped again, so
    they land in the styles already shown. The result's stats say `page`, `seen` (items the
    pages returned) and `more` (1: the market says another page follows).

    `quota` may be None only for markets without a quota (the local library); `cache` None
    searches without the result cache. `thumbnails` fetches item pictures for grouping;
    without it grouping uses titles and prices only. `prepared` skips preparation when the
    caller already has the image (the GUI's crop preview). `env` is the run's retry policy,
    network policy and clock. Raises `VvicError`s: `Cancelled`, `QuotaExhausted` ("resumes at
    HH:MM"), the market's errors after retries, image errors from preparation.
    """
    page = FIRST_PAGE
    earlier: list[Offer] = []
    if more_of is not None:
        if not more_of.stats.get("more"):
            from vvic_desktop.core.errors import ConfigError

            raise ConfigError("the marketplace said there is no further page")
        query = more_of.query
        prepared = prepared or more_of.prepared
        page = PageRequest(int(more_of.stats.get("page", 1)) + 1,
                           int(more_of.stats.get("seen", len(more_of.offers))),
                           more_of.page_token)
        earlier = list(more_of.offers)
    filters = query.filters
    stats = {"raw": 0, "skipped": 0, "filtered": 0, "api_calls": 0, "cached": 0}
    notes: list[str] = []

    cancel.raise_if_cancelled()
    progress(STAGE_PREPARE, 0)
    if prepared is None:
        # Pillow/OpenCV load on first use, so importing the pipeline stays cheap
        from vvic_desktop.core.autocrop import prepare_for_search
        from vvic_desktop.core.intake import load_source

        opened = load_source(query.source, allow_lan=env.allow_lan_images, cancel=cancel)
        prepared = prepare_for_search(opened, query.crop, auto=query.auto_crop)
    if query.crop is None and prepared.crop is not None:
        query = dataclasses.replace(query, crop=prepared.crop)  # the box used is kept
    notes.extend(prepared.notes)
    cancel.raise_if_cancelled()

    progress(STAGE_CACHE, 15)
    filters_key = filters.cache_key() + (f"|page={page.number}" if page.number > 1 else "")
    cache_args = (prepared.sha256, query.market, filters_key,
                  cache.endpoint if cache is not None else "")
    cached = cache.store.get(*cache_args) if cache is not None and cache.read else None
    has_more, token = False, ""
    if cached is not None:
        offers = list(cached.offers)
        stats.update(raw=cached.raw_count, skipped=cached.skipped, cached=1)
        has_more = NOTE_MORE_PAGES in cached.notes
        notes.extend(n for n in cached.notes if n not in notes and n != NOTE_MORE_PAGES)
    else:
        answer = _search_with_quota_and_retry(
            market, prepared, filters, cancel=cancel, progress=progress, quota=quota, env=env,
            stats=stats, page=page,
        )
        has_more, token = answer.has_more, answer.token
        offers = list(answer.offers)
        stats.update(raw=answer.raw_count or len(answer.offers), skipped=answer.skipped)
        # At most what was asked for (≤ 50): a service answering 10,000 items must not cost
        # 10,000 thumbnail requests and minutes of grouping. The rest is counted, not kept.
        limit = max(1, min(MAX_RESULTS, int(filters.max_results or 20)))
        if len(offers) > limit:
            answer.notes.append(f"more_results:{len(offers) - limit}")
            offers = offers[:limit]
        if answer.skipped:
            answer.notes.append(f"skipped_items:{answer.skipped}")
        if answer.quota_left is not None:  # OneBound's daily allowance, for the status bar
            stats["quota_left"] = answer.quota_left
        notes.extend(answer.notes)
        if cache is not None:
            kept_notes = list(answer.notes) + ([NOTE_MORE_PAGES] if has_more else [])
            try:
                cache.store.put(*cache_args, offers, raw_count=stats["raw"],
                                skipped=stats["skipped"], notes=kept_notes)
            except StorageError as exc:  # a cache that cannot write must not lose the result
                log.warning("result cache not written: %s", exc.detail)

    cancel.raise_if_cancelled()
    stats.update(page=page.number, seen=page.seen + stats["raw"], more=int(has_more))
    if more_of is not None:
        # The new page joins the listings shown (a listing a page repeats counts once) and
        # everything is grouped again; the counts add up over the pages.
        known = {o.key for o in earlier}
        offers = [o for o in offers if o.key not in known]
        stats["added"] = len(offers)
        for name in ("raw", "skipped", "filtered", "api_calls"):
            stats[name] += int(more_of.stats.get(name, 0))
        stats["cached"] = int(stats["cached"] and more_of.stats.get("cached", 0))
    filtered = filter_offers(offers, filters)
    stats["filtered"] += len(offers) - len(filtered)
    kept = earlier + filtered
    for rank, offer in enumerate(kept):  # the market's order: "most similar" where no figure
        offer.extra[ANSWER_RANK] = rank

    images: Mapping[str, object] | None = None
    if thumbnails is not None and kept:
        progress(STAGE_THUMBNAILS, 60)

        def thumb_progress(done: int, total: int) -> None:
            # "thumbnails 12/40": the status bar says what the search is waiting for
            progress(f"{STAGE_THUMBNAILS} {done}/{total}", 60 + (25 * done) // max(total, 1))

        images = thumbnails(kept, cancel, thumb_progress)
    cancel.raise_if_cancelled()

    progress(STAGE_GROUP, 85)
    from vvic_desktop.core.grouping import group_offers  # numpy, cv2
    from vvic_desktop.core.grouping_rules import GroupingSettings

    settings = grouping or GroupingSettings(strictness=filters.strictness)
    pictures = None
    if images is not None:
        pictures = _pictures_marking_unavailable(
            kept, images, notes, getattr(thumbnails, "features", None))
    # Relevance first: the style that looks most like the photo leads (CLI, JSON, batch).
    groups = sort_groups(
        group_offers(kept, images, pictures=pictures,  # type: ignore[arg-type]
                     settings=settings),
        "similarity",
    )
    progress(STAGE_DONE, 100)
    if more_of is not None:
        notes = list(more_of.notes) + [n for n in notes if n not in more_of.notes]
    return SearchResult(
        query=query, offers=kept, groups=groups, image_sha256=prepared.sha256,
        notes=notes, stats=stats, prepared=prepared,
        page_token=token or (more_of.page_token if more_of is not None else ""),
    )


MAX_RESULTS = 50
NOTE_MORE_PAGES = "more_pages"  # kept with a cached answer: the market had another page
PICTURE_UNAVAILABLE = "picture_unavailable"  # Offer.extra key: why its picture is unusable


def _pictures_marking_unavailable(
    offers: list[Offer], images: Mapping[str, object], notes: list[str],
    feature_store: object = None,
) -> Pictures:
    """Analyse every listing picture once (core.pictures, through the one picture loader;
    local features kept in `feature_store` when given); a listing whose picture is missing,
    failed to download or cannot be used keeps its place, marked
    `extra["picture_unavailable"] = <error code>`, and is grouped on title and price."""
    from vvic_desktop.core.pictures import analyse

    sources: list[object] = []
    fetch_errors: dict[int, str] = {}
    for k, offer in enumerate(offers):
        value = images.get(offer.key)
        if isinstance(value, VvicError):
            fetch_errors[k] = value.code
            value = None
        sources.append(value)
    pictures = analyse(sources, store=feature_store)  # type: ignore[arg-type]
    unavailable = 0
    for k, (offer, problem) in enumerate(zip(offers, pictures.problems, strict=True)):
        why = fetch_errors.get(k) or problem
        if why:
            offer.extra[PICTURE_UNAVAILABLE] = why
            unavailable += 1
    if unavailable:
        notes.append(f"pictures_unavailable:{unavailable}")
    return pictures


def _search_with_quota_and_retry(
    market: Marketplace,
    prepared: PreparedImage,
    filters: Filters,
    *,
    cancel: CancelToken,
    progress: Progress,
    quota: QuotaPlan | None,
    env: SearchEnvironment,
    stats: dict[str, int],
    page: PageRequest = FIRST_PAGE,
) -> MarketAnswer:
    retry, sleep = env.retry, env.sleep
    def acquire(token: CancelToken) -> None:
        # Every request the adapter sends (retries, uploads, re-signed calls) passes here.
        if quota is not None:
            progress(STAGE_QUOTA, 20)
            quota.limiter.acquire(quota.key, quota.per_minute, token, max_wait=quota.max_wait)
        stats["api_calls"] += 1
        progress(STAGE_SEARCH, 30)

    def on_retry(attempt: int, error: VvicError, delay: float) -> None:
        if isinstance(error, QuotaExceeded) and quota is not None:
            # The service's word wins over our count: no permit for anyone before then.
            quota.limiter.penalise(quota.key, env.clock() + error.retry_after)
        log.info("retrying %s after %s (attempt %d/%d, %.1f s)", market.name, error.code,
                 attempt + 1, retry.attempts, delay)
        progress(f"{STAGE_RETRY} {attempt + 1}/{retry.attempts}", 30)

    def tick(left: int) -> None:
        progress(f"{STAGE_WAIT} {left}", 30)

    def visible_sleep(delay: float) -> None:
        # Every wait is visible (CLI line, GUI status) and cancellable. On the real clock it
        # is a countdown, one tick a second; an injected `sleep` (a virtual clock shared by
        # batch workers) gets the whole wait in one call, announced once.
        if sleep is None:
            countdown(delay, cancel.sleep, tick)
        else:
            tick(math.ceil(delay))
            sleep(delay)

    try:
        return call_with_retry(
            lambda: (market.search(prepared, filters, cancel, acquire, page) if page.number > 1
                     else market.search(prepared, filters, cancel, acquire)),
            cancel=cancel, attempts=retry.attempts, base=retry.base, cap=retry.cap,
            max_retry_after=retry.max_retry_after, rng=env.rng, sleep=visible_sleep,
            on_retry=on_retry, clock=env.clock,
        )
    except QuotaExhausted as exc:
        # Remember the pause for this key, so the next photo of a batch (or a second
        # window) stops here at once instead of spending a request to hear it again.
        if quota is not None:
            quota.limiter.penalise(quota.key, exc.resumes_at.timestamp())
        raise


def filter_offers(offers: list[Offer], filters: Filters) -> list[Offer]:
    """Apply the buyer's filters to what came back.

    Not every API filters (OneBound and TOP take no price or stock filter), so every
    market's answer is filtered the same way here. An unknown value (no price, no stock
    figure) is kept: the buyer can judge it, and dropping it would hide listings.
    """
    allowed_credit = _allowed_credit(filters.credit_level)
    kept: list[Offer] = []
    for offer in offers:
        top = offer.price_max if offer.price_max is not None else offer.price
        if filters.price_min is not None and top is not None and top < filters.price_min:
            continue
        if filters.price_max is not None and offer.price is not None and (
            offer.price > filters.price_max
        ):
            continue
        if filters.in_stock_only and not offer.in_stock:
            continue
        if (filters.min_order_max is not None and offer.min_order is not None
                and offer.min_order > filters.min_order_max):
            continue
        if allowed_credit is not None and offer.stall.credit_level and (
            offer.stall.credit_level not in allowed_credit
        ):
            continue
        kept.append(offer)
    return kept


def _allowed_credit(level: str | None) -> tuple[str, ...] | None:
    """"B" means A or B (DESIGN: A > B > C)."""
    if not level:
        return None
    level = level.upper()
    if level not in CREDIT_LEVELS:
        return None
    return CREDIT_LEVELS[: CREDIT_LEVELS.index(level) + 1]


