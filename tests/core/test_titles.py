"""Titles: category, print and cut words; similarity without the market's boilerplate."""

from __future__ import annotations

from vvic_desktop.core import titles


def test_category_of_titles() -> None:
    assert titles.category_of("广州十三行 韩版圆领碎花连衣裙 混批") == "dress"
    assert titles.category_of("高腰A字半身裙") == "skirt"  # not "dress" for 裙
    assert titles.category_of("春秋长袖衬衣") == "shirt"
    assert titles.category_of("纯棉短袖T恤女") == "tshirt"
    assert titles.category_of("高腰阔腿牛仔裤") == "trousers"
    assert titles.category_of("宽松针织衫") == "sweater"
    assert titles.category_of("秋冬夹克外套") == "coat"
    assert titles.category_of("新款现货") == "default"


def test_dominant_category() -> None:
    names = ["碎花连衣裙", "雪纺长裙", "衬衫", "无关"]
    assert titles.dominant_category(names) == "dress"
    assert titles.dominant_category(["衬衫", "连衣裙"]) == "default"  # a tie: unknown


def test_print_and_cut_words() -> None:
    assert titles.print_of("碎花连衣裙") == "floral"
    assert titles.print_of("条纹格子衬衫") == ""  # two prints named: unknown
    a, b = titles.cut_words("V领毛衣"), titles.cut_words("圆领毛衣")
    assert titles.cuts_conflict(a, b)
    assert not titles.cuts_conflict(a, titles.cut_words("V领圆领毛衣"))
    assert not titles.cuts_conflict(a, titles.cut_words("毛衣"))


def test_title_similarity_ignores_market_and_boilerplate() -> None:
    a = "广州十三行 2026新款韩版圆领碎花连衣裙 混批"
    assert titles.title_similarity(a, "杭州四季青 韩版圆领碎花连衣裙 批发") == 1.0
    assert titles.title_similarity(a, "纯棉宽松休闲牛仔裤") < 0.1
