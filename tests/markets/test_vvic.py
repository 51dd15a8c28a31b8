"""VVIC adapter against a scripted loopback server: request shape, signature, every failure."""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

import pytest
from scripted_server import Permits, Reply, ScriptedServer, Seen, raised_exactly

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import (
    AuthError,
    BadGateway,
    BadRequest,
    BadResponse,
    ImageRejected,
    PermissionDenied,
    QuotaExceeded,
    ServiceError,
    SignatureError,
    Timeout,
    VvicError,
)
from vvic_desktop.core.models import Filters, PreparedImage
from vvic_desktop.markets.adapter import Timeouts
from vvic_desktop.markets.base import Credentials
from vvic_desktop.markets.vvic import VvicMarket

SECRET = "vvic-secret-42"
OPEN_SECRET = "open-secret-77"

ITEMS = [
    {"item_id": "v1", "title": "韩版圆领碎花连衣裙", "price": "69.00", "stock": "50",
     "credit_level": "A", "sales": 120, "image_url": "https://img.vvic.com/1.jpg",
     "similarity": 0.92, "shop_name": "玫瑰坊", "market": "十三行"},
    {"item_id": "v2", "title": "圆领碎花裙", "price": "72-80", "stock": 0, "credit_level": "b",
     "image_url": "//img.vvic.com/2.jpg", "similarity": "0.9"},
    {"item_id": "v3", "price": "65"},  # no title: skipped
    "garbage",
]


def ok(items: Any = ITEMS) -> Reply:
    return Reply(200, {"code": 200, "msg": "success", "data": {"items": items}})


def market(server: ScriptedServer, **kwargs: Any) -> VvicMarket:
    return VvicMarket(Credentials("vvic-key", SECRET), server.url, **kwargs)


def run(adapter: VvicMarket, image: PreparedImage, permits: Permits,
        filters: Filters | None = None):
    return adapter.search(image, filters or Filters(), CancelToken(), permits)


def expected_v22_sign(body: dict[str, Any], secret: str) -> str:
    """Written out independently of markets.signing: raw image, JSON text of numbers."""
    parts = []
    for key in sorted(body):
        if key == "sign":
            continue
        value = body[key]
        if key == "image_base64":
            value = value.removeprefix("data:image/jpeg;base64,")
            value = value.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")
        elif not isinstance(value, str):
            value = json.dumps(value)
        parts.append(f"{key}{value}")
    return hashlib.md5((secret + "".join(parts) + secret).encode()).hexdigest()


def test_success_sends_a_signed_v22_body_and_normalises_items(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    server.script(ok())
    filters = Filters(price_min=Decimal("50"), price_max=Decimal("99.5"), min_order_max=3,
                      in_stock_only=True, credit_level="A", max_results=80)
    answer = run(market(server), prepared, permits, filters)

    seen = server.requests[0]
    assert (seen.method, seen.path) == ("POST", "/api/search/item/image")
    body = seen.json()
    assert body["app_key"] == "vvic-key" and body["version"] == "2.2"
    assert body["sign_method"] == "md5" and body["max_results"] == 50
    assert body["price_min"] == 50 and body["price_max"] == 99.5
    assert body["batch_num"] == 3 and body["stock"] == 1 and body["credit_level"] == "A"
    assert body["image_base64"].startswith("data:image/jpeg;base64,")
    raw = body["image_base64"].removeprefix("data:image/jpeg;base64,")
    assert not set(raw) & set("+/=")
    unescaped = raw.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")
    assert base64.b64decode(unescaped) == prepared.jpeg
    assert body["sign"] == expected_v22_sign(body, SECRET)
    assert SECRET not in seen.body.decode()

    assert permits.count == 1 and answer.api_calls == 1
    assert (answer.raw_count, answer.skipped) == (4, 2)
    first, second = answer.offers
    assert first.market == "vvic" and first.item_id == "v1"
    assert first.price == Decimal("69.00") and first.stock == 50 and first.sales == 120
    assert first.stall.credit_level == "A" and first.stall.name == "玫瑰坊"
    assert first.similarity == pytest.approx(0.92)
    assert second.price == Decimal("72") and second.price_max == Decimal("80")
    assert second.image_url == "https://img.vvic.com/2.jpg" and second.stall.credit_level == "B"


def test_max_results_is_clamped_to_at_least_one(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    server.script(ok([]))
    answer = run(market(server), prepared, permits, Filters(max_results=0))
    assert server.requests[0].json()["max_results"] >= 1
    assert answer.offers == []


def _http_date(seconds: int) -> str:
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    return email.utils.format_datetime(when, usegmt=True)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(429, {"code": 429, "msg": "调用频率超限"}), QuotaExceeded),
        (Reply(200, {"code": 429, "msg": "调用频率超限"}), QuotaExceeded),
        (Reply(429, "<html>Too Many Requests</html>", {"Content-Type": "text/html"}),
         QuotaExceeded),
        (Reply(400, {"code": 400, "msg": "参数无效"}), BadRequest),
        (Reply(400, {"code": 400, "msg": "参数无效：图片分辨率需≥800×800"}), ImageRejected),
        (Reply(200, {"code": 401, "msg": "签名错误"}), SignatureError),
        (Reply(200, {"code": 401, "msg": "app_key无效"}), AuthError),
        (Reply(403, {"code": 403, "msg": "无权限"}), PermissionDenied),
        (Reply(500, {"code": 500, "msg": "系统繁忙"}), ServiceError),
        (Reply(200, {"code": 500, "msg": "系统繁忙"}), ServiceError),
        (Reply(502, "<html><body>502 Bad Gateway</body></html>",
               {"Content-Type": "text/html"}), BadGateway),
        (Reply(200, "<!DOCTYPE html><title>portal login</title>"), BadResponse),
        (Reply(200, '{"code": 200, "data": {"items": [}'), BadResponse),
        (Reply(200, [1, 2, 3]), BadResponse),
        (Reply(200, {"code": 200, "data": {"items": "nope"}}), BadResponse),
        (Reply(200, {"msg": "where is the code"}), BadResponse),
    ],
)
def test_failures_map_to_core_errors(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage,
    reply: Reply, error: type[VvicError],
) -> None:
    server.script(reply)
    raised_exactly(error, lambda: run(market(server), prepared, permits))
    assert permits.count == 1


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({"Retry-After": "7"}, 7.0), ({}, 60.0), ({"Retry-After": "http-date+300"}, 300.0)],
)
def test_429_retry_after_seconds_date_or_default(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage,
    headers: dict[str, str], expected: float,
) -> None:
    if headers.get("Retry-After") == "http-date+300":  # built now, not at collection time
        headers = {"Retry-After": _http_date(300)}
    server.script(Reply(429, {"code": 429, "msg": "too many"}, headers))
    with pytest.raises(QuotaExceeded) as caught:
        run(market(server), prepared, permits)
    assert caught.value.retry_after == pytest.approx(expected, abs=3)


def test_null_data_is_an_empty_answer(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    server.script(Reply(200, {"code": 200, "msg": "ok", "data": None}))
    answer = run(market(server), prepared, permits)
    assert answer.offers == [] and answer.raw_count == 0


def test_slow_server_ends_in_timeout(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    body = json.dumps({"code": 200, "data": {"items": []}}).encode()
    server.script(Reply(200, body, drip=0.4))
    adapter = market(server, timeouts=Timeouts(connect=1, read=5, deadline=1))
    with pytest.raises(Timeout):
        run(adapter, prepared, permits)


# --- open-platform enrichment -------------------------------------------------------------


def routed(detail: Reply) -> Any:
    def route(seen: Seen) -> Reply:
        return detail if seen.path == "/api/item/detail/v1" else ok()
    return route


def test_enrichment_adds_stall_data_with_a_signed_detail_call(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    detail = Reply(200, {"status": 200, "message": "ok", "data": {"item_list": [
        {"item_vid": "v1", "shop_name": "玫瑰坊", "market_code": "SSH", "market_name": "十三行",
         "floor": "3F", "position": "312", "supply_level": "金牌", "art_no": "A-1029"},
        {"item_vid": "unrelated", "shop_name": "x"},
    ]}})
    server.script(routed(detail))
    adapter = market(server, open_credentials=Credentials("open-app", OPEN_SECRET))
    answer = run(adapter, prepared, permits)

    assert permits.count == 2 and answer.api_calls == 2
    query = server.requests[1].query
    assert server.requests[1].method == "GET"
    assert query["app_id"] == "open-app" and query["item_vid"] == "v1,v2"
    concat = "".join(f"{k}{query[k]}" for k in sorted(query) if k != "sign")
    message = concat + OPEN_SECRET + query["timestamp"]
    assert query["sign"] == hmac.new(OPEN_SECRET.encode(), message.encode(),
                                     hashlib.sha256).hexdigest()
    first, second = answer.offers
    assert first.stall.market == "十三行" and first.stall.position == "3F-312"
    assert first.art_no == "A-1029" and first.extra["supply_level"] == "金牌"
    assert second.stall.market == "" and second.art_no == ""
    assert answer.notes == []


@pytest.mark.parametrize(
    "detail",
    [Reply(500, {"status": 500, "message": "busy"}), Reply(200, "<html>oops</html>"),
     Reply(200, {"status": 401, "message": "sign error"})],
)
def test_enrichment_failure_keeps_the_result_and_adds_a_note(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage, detail: Reply
) -> None:
    server.script(routed(detail))
    adapter = market(server, open_credentials=Credentials("open-app", OPEN_SECRET))
    answer = run(adapter, prepared, permits)
    assert [o.item_id for o in answer.offers] == ["v1", "v2"]
    assert len(answer.notes) == 1 and answer.notes[0].startswith("enrich_failed:")
    assert permits.count == 2
