"""The one protocol every marketplace adapter speaks."""

from __future__ import annotations

from collections.abc import Callable
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


@dataclass(slots=True)
class MarketAnswer:
    offers: list[Offer]
    raw_count: int = 0  # items the service returned
    skipped: int = 0  # items dropped as malformed
    api_calls: int = 0  # requests sent, retries and uploads included
    quota_left: int | None = None  # when the service reports it (OneBound api_info)
    notes: list[str] = field(default_factory=list)


class Marketplace(Protocol):
    name: ClassVar[str]

    def search(
        self, image: PreparedImage, filters: Filters, cancel: CancelToken, acquire: Acquire
    ) -> MarketAnswer:
        """Search by image. Every failure is raised as a `core.errors.VvicError`."""
        ...
