"""Tolerant parsing of marketplace fields, and the normaliser's never-raise promise."""

from __future__ import annotations

import datetime as dt
import email.utils
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vvic_desktop.core.models import Offer
from vvic_desktop.markets import normalise as nz
from vvic_desktop.markets.alibaba1688 import Alibaba1688Market
from vvic_desktop.markets.base import Credentials
from vvic_desktop.markets.onebound import OneBoundVvic, quota_left
from vvic_desktop.markets.taobao import TaobaoMarket, retry_after_from_sub_msg
from vvic_desktop.markets.vvic import VvicMarket


@pytest.mark.parametrize(
    ("raw", "price", "price_max"),
    [
        ("69.00", Decimal("69.00"), None),
        ("69-89", Decimal("69"), Decimal("89")),
        ("89 ~ 69", Decimal("69"), Decimal("89")),
        ("69-69", Decimal("69"), None),
        ("¥69", Decimal("69"), None),
        ("69元", Decimal("69"), None),
        ("1,299.50", Decimal("1299.50"), None),
        (69, Decimal("69"), None),
        (69.5, Decimal("69.5"), None),
        ("", None, None),
        (None, None, None),
        ("abc", None, None),
        ("-5", None, None),
        (-5, None, None),
        (True, None, None),
        ({"min": 1}, None, None),
        ([69], None, None),
        (float("nan"), None, None),
        ("1e999999", None, None),
        (10**12, None, None),
        ("1e308", None, None),  # was ¥1, and the best offer
        ("1.2e3", None, None),
        ("0x45", None, None),
        ("69,00", None, None),  # decimal comma or 6900? refused
        ("NaN", None, None),
        ("Infinity", None, None),
        ("inf", None, None),
        ("1,299", Decimal("1299"), None),
        ("1,299.00", Decimal("1299.00"), None),
        ("￥59.00元", Decimal("59.00"), None),
        ("69-abc", None, None),
        ("1-2-3", None, None),
        ("+69", None, None),
        ("٦٩", None, None),  # Arabic-Indic digits: not a plain decimal
        (1e308, None, None),
        (float("inf"), None, None),
        (Decimal("NaN"), None, None),
    ],
)
def test_parse_price(raw: Any, price: Decimal | None, price_max: Decimal | None) -> None:
    assert nz.parse_price(raw) == (price, price_max)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(12, 12), ("12", 12), ("12.0", 12), ("1,200", 1200), ("1.2万", 12000), ("100+", 100),
     ("", None), (None, None), ("many", None), (-3, None), (True, None), (3.7, 3),
     (float("inf"), None), ([1], None)],
)
def test_parse_int(raw: Any, expected: int | None) -> None:
    assert nz.parse_int(raw) == expected


def test_retry_after_seconds_date_and_default() -> None:
    now = dt.datetime(2026, 11, 21, 12, 0, 0, tzinfo=dt.UTC)
    later = email.utils.format_datetime(now + dt.timedelta(seconds=90), usegmt=True)
    assert nz.retry_after("7") == 7.0
    assert nz.retry_after(later, now=now) == 90.0
    assert nz.retry_after(None) == 60.0
    assert nz.retry_after("soon") == 60.0
    earlier = email.utils.format_datetime(now - dt.timedelta(seconds=90), usegmt=True)
    assert nz.retry_after(earlier, now=now) == 0.0


@pytest.mark.parametrize(("header", "expected"), [
    ("99999999999999999999999", nz.MAX_RETRY_AFTER),
    ("300000000000", nz.MAX_RETRY_AFTER),
    ("9" * 400, nz.MAX_RETRY_AFTER),
    ("0000000000000000000300", 300.0),
    ("-5", 60.0),
    ("1.5", 60.0),
    ("garbage\x1b[2J", 60.0),
    ("Fri, 31 Dec 9999 23:59:59 GMT", nz.MAX_RETRY_AFTER),
    ("Mon, 01 Jan 0001 00:00:00 GMT", 0.0),
    ("Wed, 99 Foo 2026 99:99:99 GMT", 60.0),
    ("\u0663\u0660\u0660", 60.0),  # "300" in Arabic-Indic digits: isdigit() but not ASCII
    ("", 60.0),
])
def test_retry_after_of_any_form_is_bounded(header: str, expected: float) -> None:
    now = dt.datetime(2026, 11, 21, 12, 0, 0, tzinfo=dt.UTC)
    assert nz.retry_after(header, now=now) == expected


@pytest.mark.parametrize(("raw", "shown"), [
    ("连衣裙\x1b]0;pwned\x07 新款", "连衣裙 新款"),  # OSC: window title
    ("\x1b[2J\x1b[H清屏", "清屏"),  # CSI: clear screen
    ("a\x9b31mb", "ab"),  # 8-bit CSI
    ("evil\u202egnp.exe", "evilgnp.exe"),  # bidi override
    ("tab\there\nline", "tab here line"),
    ("bell\x07\x00nul\x7f", "bellnul"),
    ("\x1bP1$r\x1b\\dcs", "dcs"),
    ("plain 韩版 T恤", "plain 韩版 T恤"),
])
def test_marketplace_text_is_inert(raw: str, shown: str) -> None:
    assert nz.text(raw) == shown
    assert nz.inert(raw) == shown or nz.inert(raw).strip() == shown


def test_quota_left_from_api_info() -> None:
    assert quota_left("today:58 max:10100") == 10042
    assert quota_left("today:10100 max:10100") == 0
    assert quota_left(None) is None
    assert quota_left("garbage") is None


def test_top_ban_seconds_from_sub_msg() -> None:
    assert retry_after_from_sub_msg("This ban will last for 15 more seconds") == 15
    assert retry_after_from_sub_msg("调用频率超限，将在30秒后解禁") == 30
    assert retry_after_from_sub_msg("no number here") == 60


def test_credit_level() -> None:
    assert [nz.credit_level(v) for v in ("A", "b", "A级", "D", None, 3)] == ["A", "B", "A", "", "",
                                                                            ""]


CREDS = Credentials("k", "s")
CONVERTERS = {
    "vvic": VvicMarket(CREDS, "http://127.0.0.1:9")._offer,
    "taobao": TaobaoMarket(CREDS, "http://127.0.0.1:9")._offer,
    "onebound": OneBoundVvic(CREDS, "http://127.0.0.1:9")._offer,
    "1688": Alibaba1688Market(CREDS, "http://127.0.0.1:9")._offer,
}
FIELD_NAMES = ["item_id", "num_iid", "title", "price", "promotion_price", "stock", "sales",
               "credit_level", "image_url", "pic_url", "detail_url", "similarity", "seller_nick",
               "shop_name", "position", "market", "hid", "is_tmall", "batch_num", "offerId",
               "subject", "priceInfo", "monthSold", "sellerIdentities", "repurchaseRate"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)
items = st.lists(
    st.one_of(json_values, st.dictionaries(st.sampled_from(FIELD_NAMES), json_values)),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(payload=st.one_of(json_values, items))
def test_normaliser_never_raises_on_arbitrary_json(payload: Any) -> None:
    for convert in CONVERTERS.values():
        offers, raw_count, skipped = nz.normalise_items(payload, convert)
        assert raw_count == len(offers) + skipped
        for offer in offers:
            assert isinstance(offer, Offer)
            assert offer.item_id and offer.title
            assert offer.price is None or (isinstance(offer.price, Decimal) and offer.price >= 0)
            assert offer.stock is None or isinstance(offer.stock, int)


def test_bad_items_are_counted_and_skipped() -> None:
    items_in = [
        {"item_id": "1", "title": "连衣裙", "price": "69-89", "stock": "12"},
        {"item_id": "2", "price": "70"},  # no title
        {"title": "no id"},
        "not an object",
        None,
        {"item_id": 3, "title": "衬衫", "price": None, "sales": "1.2万"},
        {"item_id": "1", "title": "duplicate id"},
    ]
    offers, raw_count, skipped = nz.normalise_items(items_in, CONVERTERS["vvic"])
    assert raw_count == 7 and skipped == 5
    assert [o.item_id for o in offers] == ["1", "3"]
    assert offers[0].price == Decimal("69") and offers[0].price_max == Decimal("89")
    assert offers[0].stock == 12
    assert offers[1].price is None and offers[1].sales == 12000
