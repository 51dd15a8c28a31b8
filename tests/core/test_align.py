"""Alignment: category from titles, thresholds with strictness, cues rank but never drop."""

from __future__ import annotations

from decimal import Decimal

from vvic_desktop.core import align
from vvic_desktop.core.models import Offer


def _o(item: str, title: str, similarity: float | None) -> Offer:
    return Offer("vvic", item, title, Decimal(50), similarity=similarity)


def test_category_of_titles() -> None:
    assert align.category_of("广州十三行 韩版圆领碎花连衣裙 混批") == "dress"
    assert align.category_of("高腰A字半身裙") == "skirt"  # not "dress" for 裙
    assert align.category_of("春秋长袖衬衣") == "shirt"
    assert align.category_of("纯棉短袖T恤女") == "tshirt"
    assert align.category_of("高腰阔腿牛仔裤") == "trousers"
    assert align.category_of("宽松针织衫") == "sweater"
    assert align.category_of("秋冬夹克外套") == "coat"
    assert align.category_of("新款现货") == "default"


def test_dominant_category_and_thresholds() -> None:
    titles = ["碎花连衣裙", "雪纺长裙", "衬衫", "无关"]
    assert align.dominant_category(titles) == "dress"
    assert align.dominant_category(["衬衫", "连衣裙"]) == "default"  # a tie: unknown
    assert align.threshold_for("dress") == 0.75
    assert align.threshold_for("sweater") == 0.68
    assert align.threshold_for("coat") == 0.70  # default
    assert align.threshold_for("shirt", 1.2) == 0.84
    assert align.threshold_for("shirt", 9) == align.threshold_for("shirt", 1.5)
    assert align.threshold_for("dress", 0.5) == 0.375


def test_cues_rank_but_never_drop() -> None:
    offers = [
        _o("plain", "连衣裙", 0.80),  # no cue word at all: the seed dropped this
        _o("vneck", "V领连衣裙", 0.80),
        _o("round", "圆领连衣裙", 0.80),
        _o("weak", "圆领连衣裙", 0.60),
        _o("unknown", "圆领连衣裙", None),
    ]
    result = align.align_offers(offers, query_title="圆领")
    assert sorted(o.item_id for o in result.offers) == sorted(o.item_id for o in offers)
    order = [o.item_id for o in result.offers]
    assert order.index("round") < order.index("plain") < order.index("vneck")
    assert result.category == "dress" and result.threshold == 0.75
    assert result.weak == {"vvic:weak"}  # below 0.75, marked not removed
    assert "vvic:unknown" not in result.weak


def test_consensus_cues_without_query_title() -> None:
    offers = [_o(str(k), "韩版圆领连衣裙", 0.8) for k in range(3)] + [_o("x", "欧美V领连衣裙", 0.8)]
    result = align.align_offers(offers, strictness=1.2)
    assert result.offers[-1].item_id == "x"
    assert result.threshold == 0.9


def test_print_and_cut_words() -> None:
    assert align.print_of("碎花连衣裙") == "floral"
    assert align.print_of("条纹格子衬衫") == ""  # two prints named: unknown
    a, b = align.cut_words("V领毛衣"), align.cut_words("圆领毛衣")
    assert align.cuts_conflict(a, b)
    assert not align.cuts_conflict(a, align.cut_words("V领圆领毛衣"))
    assert not align.cuts_conflict(a, align.cut_words("毛衣"))
