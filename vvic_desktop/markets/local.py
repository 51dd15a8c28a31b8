"""The market `local`: the buyer's own catalog (imported photos and every saved offer).

Same protocol as the web marketplaces, so a local search is prepared, grouped, shown, saved
and exported exactly like any other; it needs no key, no quota and no network. The catalog
itself (pictures, embeddings, vector index) lives in `storage.local_catalog` and is handed in,
so this module stays free of storage and of Qt.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Protocol

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.models import Filters, Offer, PreparedImage
from vvic_desktop.markets.base import FIRST_PAGE, Acquire, MarketAnswer, PageRequest

MIN_CANDIDATES = 20  # pictures asked of the index: grouping needs neighbours to group


class Catalog(Protocol):
    def search(self, jpeg: bytes, k: int, *, cancel: CancelToken | None = None
               ) -> list[tuple[Offer, float]]: ...


class LocalMarket:
    name: ClassVar[str] = "local"

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def search(
        self, image: PreparedImage, filters: Filters, cancel: CancelToken, acquire: Acquire,
        page: PageRequest = FIRST_PAGE,
    ) -> MarketAnswer:
        """The catalog's nearest pictures; `acquire` is not called (no quota to spend). One
        page: the catalog answers everything near in one go."""
        k = max(MIN_CANDIDATES, filters.max_results)
        found = self.catalog.search(image.jpeg, k, cancel=cancel)
        offers: list[Offer] = []
        seen: set[str] = set()
        for offer, score in found:
            if offer.key in seen:
                continue
            seen.add(offer.key)
            offers.append(dataclasses.replace(offer, similarity=round(max(0.0, score), 4)))
        notes = [] if offers else ["local_catalog_empty"]
        if getattr(self.catalog, "pending", 0):  # old pictures still being embedded
            notes.append("local_catalog_indexing")
        return MarketAnswer(offers=offers, raw_count=len(offers), api_calls=0, notes=notes)
