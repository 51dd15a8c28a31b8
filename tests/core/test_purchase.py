"""The purchase run's pure model: positions in walking order, totals, MOQ and cheaper stalls."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vvic_desktop.core.models import Offer, Stall
from vvic_desktop.core.purchase import (
    PurchaseLine,
    build_plan,
    cheaper_offer,
    line_label,
    parse_position,
    plan_text,
    plan_to_json,
    stall_text,
    swap_line,
)

# Positions as the marketplaces write them: VVIC listings and the open platform's
# floor + stall_no ("3F" + "312"), OneBound's `position`, the sandbox catalog's own forms,
# sellers' addresses on Taobao/1688 shop pages, DESIGN's "3F-312".
POSITIONS = [
    # text, building, floor, zone, number
    ("7F-738", "", 7, "", 738),  # VVIC 十三行
    ("3F-312", "", 3, "", 312),  # DESIGN
    ("2楼A区213", "", 2, "A", 213),  # 四季青
    ("B区-4006", "", 4, "B", 4006),  # 四季青 (sandbox): the floor from the stall number
    ("A区-4060", "", 4, "A", 4060),
    ("3楼 305", "", 3, "", 305),  # OneBound `position`
    ("新金马 4楼 412", "新金马", 4, "", 412),  # 沙河 building + floor
    ("大西豪 B1-26", "大西豪", -1, "", 26),  # a basement
    ("F2-A123", "", 2, "A", 123),
    ("负一楼 B028", "", -1, "B", 28),
    ("二楼 208", "", 2, "", 208),  # Chinese numerals
    ("A座3楼318", "A座", 3, "", 318),
    ("5楼518档", "", 5, "", 518),
    ("L3-305", "", 3, "", 305),
    ("3F312", "", 3, "", 312),  # open platform floor + stall_no glued
    ("3F-3F312", "", 3, "", 312),  # vvic _merge of a floor already in the number
    ("1F-A08", "", 1, "A", 8),
    ("十三行新中国大厦 6楼 618", "十三行新中国大厦", 6, "", 618),
    ("4-412", "", 4, "", 412),
    ("女人街2楼-2132", "女人街", 2, "", 2132),
    ("佰润 5F-5088", "佰润", 5, "", 5088),
    ("７Ｆ－７３８", "", 7, "", 738),  # full-width, as some shop pages write it
]


@pytest.mark.parametrize(("text", "building", "floor", "zone", "number"), POSITIONS)
def test_parse_position(text, building, floor, zone, number) -> None:
    place = parse_position(text)
    assert (place.building, place.floor, place.zone, place.number) == (
        building, floor, zone, number)
    assert place.parsed and place.raw == text


@pytest.mark.parametrize("text", ["", "档口", "见详情", "   ", "x" * 500, "楼"])
def test_unparseable_positions_are_kept_as_given(text) -> None:
    place = parse_position(text)
    assert not place.parsed
    assert place.raw == text.strip()[:120]


def offer(item_id: str, price: str | None, stall: str, position: str, *,
          market: str = "广州十三行", credit: str = "A", moq: int | None = None,
          stock: int | None = 10, title: str = "连衣裙", art_no: str = "") -> Offer:
    return Offer(
        market="vvic", item_id=item_id, title=title,
        price=Decimal(price) if price is not None else None,
        stall=Stall(name=stall, market=market, position=position, credit_level=credit),
        min_order=moq, stock=stock, art_no=art_no,
    )


def line(n: int, o: Offer, qty: int = 1, group: tuple[Offer, ...] = (), note: str = ""
         ) -> PurchaseLine:
    return PurchaseLine(id=n, offer=o, quantity=qty, group=group, note=note)


def test_walking_order_market_building_floor_stall_unparseable_last() -> None:
    lines = [
        line(1, offer("1", "10", "七楼档", "7F-738")),
        line(2, offer("2", "10", "二楼B", "2楼B区201")),
        line(3, offer("3", "10", "无位置", "见详情")),
        line(4, offer("4", "10", "二楼A", "2楼A区213")),
        line(5, offer("5", "10", "负一", "B1-26")),
        line(6, offer("6", "10", "四季青", "B区-4006", market="杭州四季青")),
        line(7, offer("7", "10", "一楼", "1F-117")),
        line(8, offer("8", "10", "一楼", "1F-117")),  # same stall: one section
    ]
    plan = build_plan(lines)
    assert [s.stall for s in plan.sections] == [
        "负一", "一楼", "二楼A", "二楼B", "七楼档", "无位置", "四季青"]
    assert [s.market for s in plan.sections][-1] == "杭州四季青"
    assert [p.line.id for p in plan.sections[1].lines] == [7, 8]
    assert plan.sections[5].position == "见详情"


def test_totals_are_decimal_and_exact() -> None:
    lines = [
        line(1, offer("1", "33.99", "甲", "1F-101"), qty=3),
        line(2, offer("2", "0.10", "甲", "1F-101"), qty=7),
        line(3, offer("3", "29.60", "乙", "2F-201"), qty=5),
        line(4, offer("4", None, "乙", "2F-201"), qty=2),  # no price: counted, not summed
    ]
    plan = build_plan(lines)
    assert [s.total for s in plan.sections] == [Decimal("102.67"), Decimal("148.00")]
    assert plan.total == Decimal("250.67")
    assert (plan.quantity, plan.line_count, plan.unpriced) == (17, 4, 1)
    data = plan_to_json(plan)
    assert data["total"] == "250.67"
    assert data["sections"][0]["lines"][0]["subtotal"] == "101.97"
    assert data["sections"][1]["lines"][1]["subtotal"] is None


def test_moq_per_line_and_pooled_under_mixing() -> None:
    plain = offer("1", "50", "甲", "1F-101", moq=5)
    mix_a = offer("2", "40", "乙", "2F-201", moq=6, title="针织衫 可混批")
    mix_b = offer("3", "45", "乙", "2F-201", moq=4, title="毛衣 可混批")
    alone = offer("4", "30", "乙", "2F-201", moq=3)  # not mixable: its own minimum
    plan = build_plan([line(1, plain, 3), line(2, mix_a, 2), line(3, mix_b, 3),
                       line(4, alone, 3)])
    first, second = plan.sections
    assert first.lines[0].below_moq and first.lines[0].moq == 5
    assert second.mixed and second.mixed_quantity == 5 and second.mixed_moq == 6
    assert [(p.moq, p.below_moq) for p in second.lines] == [(6, True), (6, True), (3, False)]
    plan = build_plan([line(2, mix_a, 2), line(3, mix_b, 4)])  # 6 pieces together: enough
    assert not plan.sections[0].below_moq
    assert plan.below_moq_count == 0
    # the adapter's explicit flag wins over the title
    flagged = Offer(**{**{f: getattr(mix_a, f) for f in mix_a.__slots__}, "extra":
                       {"mixed_batch": False}})
    assert build_plan([line(1, flagged, 2)]).sections[0].mixed is False


def test_cheaper_stall_in_stock_credit_not_below_saving() -> None:
    chosen = offer("1", "102", "柒素", "C区-7032", credit="B")
    cheaper_c = offer("2", "80", "差信誉", "1F-1", credit="C")  # credit below: never
    sold_out = offer("3", "85", "缺货", "1F-2", credit="A", stock=0)  # out of stock: never
    same_stall = offer("4", "90", "柒素", "C区-7032", credit="B")  # same stall: never
    good = offer("5", "100", "雅简", "5F-549", credit="A", moq=2)
    better = offer("6", "95", "潮芊", "1F-103", credit="B", moq=2)
    dearer = offer("7", "120", "贵", "1F-3", credit="A")
    group = (cheaper_c, sold_out, same_stall, good, better, dearer)
    hint = cheaper_offer(line(1, chosen, 3, group))
    assert hint is not None and hint.offer.item_id == "6"
    assert (hint.saving_each, hint.saving, hint.meets_moq) == (
        Decimal("7"), Decimal("21"), True)
    # one piece is below both candidates' minimum: still offered, flagged
    assert cheaper_offer(line(1, chosen, 1, group)).meets_moq is False
    # nothing cheaper that qualifies
    assert cheaper_offer(line(1, chosen, 1, (cheaper_c, sold_out, dearer))) is None
    # a line without price has no hint
    assert cheaper_offer(line(1, offer("9", None, "x", "1F-1"), 1, group)) is None


def test_swap_takes_the_cheaper_offer_and_can_be_undone() -> None:
    chosen = offer("1", "102", "柒素", "C区-7032")
    other = offer("2", "100", "雅简", "5F-549")
    original = PurchaseLine(1, chosen, 3, "杏色M", (other,), picture="a" * 64,
                            group_pictures={other.key: "b" * 64})
    swapped = swap_line(original, other)
    assert swapped.offer == other and swapped.quantity == 3 and swapped.note == "杏色M"
    assert swapped.group == (chosen,)
    assert swapped.picture == "b" * 64 and swapped.group_pictures == {chosen.key: "a" * 64}
    assert cheaper_offer(swapped) is None
    back = swap_line(swapped, chosen)
    assert back.offer == chosen and back.group == (other,)
    with pytest.raises(ValueError):
        swap_line(original, offer("x", "1", "外", "1F-1"))


def test_text_per_stall_for_messaging() -> None:
    plan = build_plan([
        line(1, offer("1", "29.6", "雅樱服饰", "1F-104", title="7171# 春秋V领T恤", art_no="7171"),
             qty=5, note="白色 M"),
        line(2, offer("2", "33.99", "衣柒精品", "7F-716", title="法式纯色T恤"), qty=2),
    ])
    text = stall_text(plan.sections[0])
    assert text.splitlines() == [
        "雅樱服饰 广州十三行 1F-104", "- 7171# 春秋V领T恤（白色 M） 5件 ¥29.60",
        "合计 5 件 ¥148.00"]
    english = plan_text(plan, zh=False)
    assert "- 法式纯色T恤 ×2 ¥33.99" in english
    assert english.rstrip().endswith("Grand total: 2 stalls, 7 pcs, ¥215.98")
    assert line_label(offer("3", "1", "x", "", title="A-12# 裙", art_no="A-12")) == "A-12# 裙"
