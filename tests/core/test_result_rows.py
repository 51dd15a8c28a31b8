"""Display rows: groups sorted as wholes, expanded groups followed by their offers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vvic_desktop.core.models import Offer, Stall
from vvic_desktop.core.result_rows import RowKind, build_rows, sort_groups
from vvic_desktop.core.style_groups import make_group


def _o(item: str, price: str, credit: str = "B", sales: int = 0) -> Offer:
    return Offer(
        "vvic",
        item,
        "连衣裙",
        Decimal(price),
        stall=Stall(name=f"s{item}", credit_level=credit),
        sales=sales,
    )


@pytest.fixture
def groups():
    cheap = make_group([_o("c1", "50", "C"), _o("c2", "55", "C", sales=9)])
    premium = make_group([_o("p1", "90", "A"), _o("p2", "80", "A"), _o("p3", "85", "B")])
    single = make_group([_o("s1", "60", "B", sales=100)])
    return [cheap, premium, single]


def test_collapsed_groups_are_one_row_with_hidden_count(groups) -> None:
    rows = build_rows(groups)
    assert [r.kind for r in rows] == [RowKind.GROUP] * 3
    assert [r.offer.item_id for r in rows] == ["p2", "s1", "c1"]  # best: credit first
    assert [r.hidden_count for r in rows] == [2, 0, 1]


def test_expanded_group_lists_its_offers_after_its_header(groups) -> None:
    premium = groups[1].group_id
    rows = build_rows(groups, expanded={premium})
    assert [(r.kind.value, r.offer.item_id) for r in rows[:4]] == [
        ("group", "p2"),
        ("offer", "p2"),
        ("offer", "p1"),
        ("offer", "p3"),
    ]
    assert rows[0].expanded and rows[0].hidden_count == 0


def test_sorting_never_splits_a_group(groups) -> None:
    every = {g.group_id for g in groups}
    for key in ("best", "price", "price_desc", "stalls", "sales", "credit"):
        rows = build_rows(groups, expanded=every, sort_key=key)
        seen: list[str] = []
        for row in rows:
            if not seen or seen[-1] != row.group_id:
                assert row.group_id not in seen, key
                seen.append(row.group_id)
        assert len(rows) == 3 + 5  # the single-offer group has no child rows


def test_sort_keys_order_groups(groups) -> None:
    assert [g.best_offer.item_id for g in sort_groups(groups, "price")] == ["c1", "s1", "p2"]
    assert next(g.best_offer.item_id for g in sort_groups(groups, "price_desc")) == "p2"
    assert [len(g.offers) for g in sort_groups(groups, "stalls")] == [3, 2, 1]
    assert sort_groups(groups, "sales")[0].best_offer.item_id == "s1"
    with pytest.raises(ValueError):
        sort_groups(groups, "colour")  # type: ignore[arg-type]


def test_single_offer_group_cannot_expand(groups) -> None:
    single = groups[2].group_id
    rows = build_rows(groups, expanded={single})
    assert len(rows) == 3 and not next(r for r in rows if r.group_id == single).expanded


def test_similarity_puts_the_closest_style_first_and_its_closest_listing_first() -> None:
    from dataclasses import replace

    far = make_group(
        [
            replace(_o("f1", "10", "A"), similarity=0.41),
            replace(_o("f2", "11", "A"), similarity=0.40),
        ]
    )
    near = make_group(
        [
            replace(_o("n1", "90", "C"), similarity=0.62),
            replace(_o("n2", "95", "C"), similarity=0.88),
        ]
    )
    unknown = make_group([_o("u1", "5", "A")])
    rows = build_rows([far, unknown, near], {near.group_id}, "similarity")
    assert [(r.kind, r.offer.item_id) for r in rows] == [
        (RowKind.GROUP, near.best_offer.item_id),
        (RowKind.OFFER, "n2"),
        (RowKind.OFFER, "n1"),
        (RowKind.GROUP, far.best_offer.item_id),
        (RowKind.GROUP, "u1"),
    ]


def test_without_a_similarity_figure_the_markets_own_order_decides() -> None:
    from dataclasses import replace

    from vvic_desktop.core.result_rows import ANSWER_RANK

    def ranked(item: str, price: str, rank: object) -> Offer:
        offer = _o(item, price)
        offer.extra[ANSWER_RANK] = rank
        return offer

    cheap = make_group([ranked("c1", "28", 5), ranked("c2", "30", 6)])
    matched = make_group([ranked("m1", "133", 3), ranked("m2", "177", 0)])
    unranked = make_group([_o("u1", "1")])
    hostile = make_group([ranked("h1", "2", True), ranked("h2", "3", -4), ranked("h3", "4", "0")])
    order = [g.best_offer.item_id for g in sort_groups([cheap, unranked, hostile, matched],
                                                         "similarity")]
    assert order[:2] == ["m1", "c1"]  # the market's first listing's style leads, not the cheapest
    assert set(order[2:]) == {"u1", "h1"}  # unusable ranks count as none
    rows = build_rows([matched], {matched.group_id}, "similarity")
    assert [r.offer.item_id for r in rows[1:]] == ["m2", "m1"]
    # a similarity figure, where the market gives one, still comes first
    figure = make_group([replace(ranked("f1", "50", 9), similarity=0.5)])
    assert sort_groups([matched, figure], "similarity")[0] is figure
