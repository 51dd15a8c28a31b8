"""Groups + the set of expanded groups + a sort key → the flat rows a results view shows.

Lives in core so the Qt model only adapts it (STYLE habit 2): a collapsed group is one
header row carrying how many offers it hides; an expanded group is its header followed by
one row per offer (best offer first). Groups are sorted as wholes, so a sort never splits
a group; offers inside an expanded group are ordered by the same key.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Literal

from vvic_desktop.core.models import Offer, StyleGroup
from vvic_desktop.core.style_groups import best_offer_key  # no numpy: the window loads it

SortKey = Literal["similarity", "best", "price", "price_desc", "stalls", "sales", "credit"]
SORT_KEYS: tuple[SortKey, ...] = (
    "similarity", "best", "price", "price_desc", "stalls", "sales", "credit",
)


class RowKind(Enum):
    GROUP = "group"
    OFFER = "offer"


@dataclass(frozen=True, slots=True)
class ResultRow:
    kind: RowKind
    group: StyleGroup
    offer: Offer  # the group's best offer on a GROUP row
    group_index: int  # position of the group among the sorted groups
    expanded: bool = False  # GROUP rows: is the group open
    hidden_count: int = 0  # GROUP rows: offers not shown (collapsed: all but the header)

    @property
    def group_id(self) -> str:
        return self.group.group_id


_BIG = Decimal("1e12")


def _price(offer: Offer) -> Decimal:
    return offer.price if offer.price is not None else _BIG


def _similarity(offer: Offer) -> float:
    return offer.similarity if offer.similarity is not None else -1.0


# Offer.extra key: the listing's place in the marketplace's answer over every page loaded
# (0 = first), set by `core.pipeline.run_search`. OneBound, Taobao and 1688 rank their image
# search by likeness but report no similarity figure; without the rank, "most similar first"
# fell back to the cheapest offer and put a ¥28 T-shirt above the photographed dress.
ANSWER_RANK = "answer_rank"
_UNRANKED = 1 << 30


def answer_rank(offer: Offer) -> int:
    rank = offer.extra.get(ANSWER_RANK)
    return rank if isinstance(rank, int) and not isinstance(rank, bool) and rank >= 0 \
        else _UNRANKED


def best_similarity(group: StyleGroup) -> float:
    """How much the group's closest listing looks like the photo (-1 when unknown)."""
    return max((_similarity(o) for o in group.offers), default=-1.0)


def best_rank(group: StyleGroup) -> int:
    """The marketplace's rank of the group's highest-ranked listing."""
    return min((answer_rank(o) for o in group.offers), default=_UNRANKED)


def _group_sort_key(group: StyleGroup, key: SortKey) -> tuple:
    best = group.best_offer
    if key == "similarity":  # relevance: the style that looks most like the photo leads
        # the figure when the market gives one, else (and on ties) the market's own order
        return (-best_similarity(group), best_rank(group), best_offer_key(best))
    if key == "best":
        return best_offer_key(best)
    if key == "price":
        return (group.price_min is None, group.price_min or 0, best_offer_key(best))
    if key == "price_desc":
        return (group.price_min is None, -(group.price_min or 0), best_offer_key(best))
    if key == "stalls":
        return (-group.stall_count, _price(best))
    if key == "sales":
        return (-sum(o.sales or 0 for o in group.offers), _price(best))
    if key == "credit":
        return best_offer_key(best, ("credit", "sales", "price", "stock"))
    raise ValueError(f"unknown sort key {key!r}")


def _offer_sort_key(offer: Offer, key: SortKey) -> tuple:
    if key == "similarity":
        return (-_similarity(offer), answer_rank(offer), best_offer_key(offer))
    if key in ("price", "stalls"):
        return (_price(offer), best_offer_key(offer))
    if key == "price_desc":
        return (offer.price is None, -(offer.price or 0))
    if key == "sales":
        return (-(offer.sales or 0), _price(offer))
    if key == "credit":
        return best_offer_key(offer, ("credit", "sales", "price", "stock"))
    return best_offer_key(offer)


def sort_groups(groups: Sequence[StyleGroup], key: SortKey = "best") -> list[StyleGroup]:
    """Groups in display order (stable: equal groups keep their given order)."""
    return sorted(groups, key=lambda g: _group_sort_key(g, key))


def build_rows(
    groups: Sequence[StyleGroup],
    expanded: Collection[str] = (),
    sort_key: SortKey = "best",
) -> list[ResultRow]:
    """The flat display rows. `expanded` holds group ids; a single-offer group has no
    children to show and is always one row."""
    rows: list[ResultRow] = []
    for index, group in enumerate(sort_groups(groups, sort_key)):
        is_open = group.group_id in expanded and len(group.offers) > 1
        hidden = 0 if is_open else len(group.offers) - 1
        rows.append(ResultRow(RowKind.GROUP, group, group.best_offer, index, is_open, hidden))
        if is_open:
            members = sorted(group.offers, key=lambda o: _offer_sort_key(o, sort_key))
            rows.extend(ResultRow(RowKind.OFFER, group, o, index) for o in members)
    return rows
