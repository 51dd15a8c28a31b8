"""What core needs from a marketplace, and what it needs from the stores beside it.

Core depends on nothing of ours but itself (DESIGN §3): the marketplace protocol every
adapter in markets/ speaks, and the result-cache and picture hooks the pipeline calls, are
declared here and implemented in markets/ and storage/.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.models import Filters, Offer, PreparedImage

MARKET_NAMES = ("vvic", "taobao", "onebound-vvic", "onebound-taobao", "1688", "local")

# Blocks until the per-credential limiter grants one call (raises Cancelled / QuotaExhausted).
# Adapters call it before *every* request to the API, re-signed retries and uploads included.
Acquire = Callable[[CancelToken], None]
@dataclass(frozen=True, slots=True)
class Credentials:
    app_key: str
    app_secret: str = field(repr=False)
    session: str = field(default="", repr=False)

    def __repr__(self) -> str:  # never print the secret
        return f"Credentials(app_key={self.app_key!r}, app_secret=***)"


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page of a search's answer to ask for ("load more"). `seen` is how many items the
    earlier pages returned (a market that reports only a total needs it to tell whether
    another page exists); `token` the service's id of the picture page 1 uploaded (OneBound's
    imgid, 1688's imageId): with it a later page costs one call, without it the picture is
    uploaded again."""

    number: int = 1
    seen: int = 0
    token: str = ""


FIRST_PAGE = PageRequest()
MAX_PAGES = 10  # "load more" stops here: at most 10 pages of a search are ever asked for


@dataclass(slots=True)
class MarketAnswer:
    offers: list[Offer]
    raw_count: int = 0  # items the service returned
    skipped: int = 0  # items dropped as malformed
    api_calls: int = 0  # requests sent, retries and uploads included
    quota_left: int | None = None  # when the service reports it (OneBound api_info)
    notes: list[str] = field(default_factory=list)
    page: int = 1  # the page this answer is
    has_more: bool = False  # the service says another page follows (see `more_pages`)
    token: str = ""  # the uploaded picture's id, for the next page (PageRequest.token)


def more_pages(page: PageRequest, raw_count: int, *, page_count: int | None = None,
               total: int | None = None) -> bool:
    """Whether another page follows, in the service's own terms: its page count (1688's
    totalPage, OneBound's page_count) when it gives one, else its total (Taobao's
    total_results, OneBound's real_total_results) against the items seen so far. An empty
    page ends the paging whatever the totals say, and so does MAX_PAGES."""
    if raw_count <= 0 or page.number >= MAX_PAGES:
        return False
    if page_count is not None and page_count > 0:
        return page.number < page_count
    if total is not None:
        return page.seen + raw_count < total
    return False


class Marketplace(Protocol):
    name: ClassVar[str]

    def search(
        self, image: PreparedImage, filters: Filters, cancel: CancelToken, acquire: Acquire,
        page: PageRequest = FIRST_PAGE,
    ) -> MarketAnswer:
        """Search by image (`page`: a later page of the same search, where the service pages).
        Every failure is raised as a `core.errors.VvicError`."""
        ...


class CachedResult(Protocol):
    """A stored answer (storage/cache.py's CachedAnswer)."""

    offers: list[Offer]
    raw_count: int
    skipped: int
    notes: list[str]


class ResultStore(Protocol):
    """The result cache: the same prepared photo, market, filters and endpoint cost one call
    (implemented by storage/cache.py's ResultCache)."""

    def get(self, image_sha256: str, market: str, filters_key: str,
            endpoint: str = "") -> CachedResult | None: ...

    def put(self, image_sha256: str, market: str, filters_key: str, endpoint: str,
            offers: list[Offer], *, raw_count: int = 0, skipped: int = 0,
            notes: list[str] | None = None) -> None: ...


class ThumbnailFetcher(Protocol):
    """What grouping needs from the picture store: item pictures by offer key (storage/thumbs.py
    provides one with `thumbnails_from`). A fetcher may carry `features`, a
    `core.pictures.FeatureStore` for the pictures' local features."""

    def __call__(self, offers: list[Offer], cancel: CancelToken,
                 progress: Callable[[int, int], None]) -> Mapping[str, object]: ...
