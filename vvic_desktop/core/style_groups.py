"""A style group's card: its offers, best offer, price spread (what a grouping returns and
a saved search or the results view rebuilds). No numpy, no OpenCV: the UI and the library
build groups without loading the picture stack."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal
from statistics import median_low
from typing import Literal

from vvic_desktop.core.models import Offer, StyleGroup
from vvic_desktop.core.titles import dominant_category

BestOfferKey = Literal["credit", "price", "sales", "stock"]
DEFAULT_BEST_ORDER: tuple[BestOfferKey, ...] = ("credit", "price", "sales", "stock")

_CREDIT_RANK = {"A": 0, "B": 1, "C": 2}


def best_offer_key(offer: Offer, order: Sequence[BestOfferKey] = DEFAULT_BEST_ORDER) -> tuple:
    """Sort key: smaller is better. Unknown values rank after every known one."""
    parts: list[object] = []
    for name in order:
        if name == "credit":
            parts.append(_CREDIT_RANK.get(offer.stall.credit_level.upper(), 3))
        elif name == "price":
            parts.append((offer.price is None, offer.price or Decimal(0)))
        elif name == "sales":
            parts.append((offer.sales is None, -(offer.sales or 0)))
        elif name == "stock":
            parts.append((offer.stock is None, -(offer.stock or 0)))
        else:
            raise ValueError(f"unknown best-offer criterion {name!r}")
    return tuple(parts)


def make_group(members: Sequence[Offer], order: Sequence[BestOfferKey] = DEFAULT_BEST_ORDER,
               representative: Offer | None = None) -> StyleGroup:
    """A StyleGroup of the given offers (the first is the leader unless told otherwise)."""
    if not members:
        raise ValueError("a group needs at least one offer")
    best = min(members, key=lambda o: best_offer_key(o, order))
    prices = sorted(o.price for o in members if o.price is not None)
    highs = [o.price_max or o.price for o in members if o.price is not None]
    stalls = {(o.stall.name or f"item:{o.key}") for o in members}
    gid = hashlib.sha1("\n".join(sorted(o.key for o in members)).encode()).hexdigest()[:12]
    return StyleGroup(
        offers=list(members),
        best_offer=best,
        price_min=prices[0] if prices else None,
        price_median=median_low(prices) if prices else None,
        price_max=max(highs) if highs else None,  # type: ignore[type-var]
        stall_count=len(stalls),
        in_stock_count=sum(1 for o in members if o.in_stock),
        representative=representative or members[0],
        group_id=f"g-{gid}",
        category=dominant_category(o.title for o in members),
    )
