"""1688 adapter: AOP-signed upload + imageQuery, gateway and business errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

import pytest
from scripted_server import Permits, Reply, ScriptedServer, Seen, raised_exactly

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import (
    AccessTokenNeeded,
    AuthError,
    BadGateway,
    BadRequest,
    BadResponse,
    ClockSkew,
    ImageRejected,
    PermissionDenied,
    QuotaExceeded,
    ServiceError,
    SignatureError,
    VvicError,
)
from vvic_desktop.core.models import Filters, PreparedImage
from vvic_desktop.markets.alibaba1688 import Alibaba1688Market
from vvic_desktop.markets.base import Credentials
from vvic_desktop.markets.registry import create_market

SECRET = "ali-secret-5"
PREFIX = "/openapi/param2/1/com.alibaba.fenxiao.crossborder/"
UPLOAD_OK = {"result": {"success": "true", "code": "200", "message": "", "result": "img-778"}}
QUERY_OK = {"result": {"success": True, "code": "200", "result": {"totalRecords": 2, "data": [
    {"offerId": 620201390233, "subject": "法式碎花连衣裙 批发", "imageUrl":
     "https://cbu01.alicdn.com/img/1.jpg", "priceInfo": {"price": "45.50"}, "monthSold": 1234,
     "repurchaseRate": "13%", "sellerIdentities": ["super_factory"], "minOrderQuantity": "2"},
    {"offerId": "620201390234", "subject": "碎花裙", "priceInfo": {"price": "39-49"}},
    {"subject": "no id"},
]}}}


def routed(upload: Reply | None = None, query: Reply | None = None) -> Any:
    def route(seen: Seen) -> Reply:
        if "product.image.upload" in seen.path:
            return upload or Reply(200, UPLOAD_OK)
        return query or Reply(200, QUERY_OK)
    return route


def market(server: ScriptedServer) -> Alibaba1688Market:
    return Alibaba1688Market(Credentials("ali-key", SECRET, session="tok-1"), server.url)


def aop(path: str, form: dict[str, str]) -> str:
    concat = "".join(f"{k}{form[k]}" for k in sorted(form) if k != "_aop_signature")
    return hmac.new(SECRET.encode(), (path + concat).encode(), hashlib.sha1).hexdigest().upper()


def test_upload_then_image_query(server: ScriptedServer, permits: Permits,
                                 prepared: PreparedImage) -> None:
    server.script(routed())
    filters = Filters(price_min=Decimal("30"), price_max=Decimal("60"), max_results=10)
    answer = market(server).search(prepared, filters, CancelToken(), permits)

    upload, query = server.requests
    assert upload.path == PREFIX + "product.image.upload/ali-key"
    form = upload.form
    assert form["access_token"] == "tok-1"
    image = json.loads(form["uploadImageParam"])["imageBase64"]
    assert base64.b64decode(image) == prepared.jpeg
    assert form["_aop_signature"] == aop(upload.path.removeprefix("/openapi/"), form)

    assert query.path == PREFIX + "product.search.imageQuery/ali-key"
    qform = query.form
    offer_query = json.loads(qform["offerQueryParam"])
    assert offer_query["imageId"] == "img-778" and offer_query["pageSize"] == 10
    assert (offer_query["priceStart"], offer_query["priceEnd"]) == ("30", "60")
    assert qform["_aop_signature"] == aop(query.path.removeprefix("/openapi/"), qform)

    assert permits.count == 2 and answer.api_calls == 2
    assert (answer.raw_count, answer.skipped) == (3, 1)
    first, second = answer.offers
    assert first.market == "1688" and first.item_id == "620201390233"
    assert first.price == Decimal("45.50") and first.sales == 1234 and first.min_order == 2
    assert first.detail_url == "https://detail.1688.com/offer/620201390233.html"
    assert first.extra["repurchase_rate"] == "13%"
    assert second.price == Decimal("39") and second.price_max == Decimal("49")


def gateway(status: int, code: str, message: str = "") -> Reply:
    message = message or f"{code} happened"
    return Reply(status, {"error_code": code, "error_message": message, "exception": message})


@pytest.mark.parametrize(
    ("upload", "query", "expected"),
    [
        (gateway(401, "gw.SignatureInvalid"), None, SignatureError),
        (gateway(401, "gw.AccessTokenExpired"), None, AccessTokenNeeded),
        (None, gateway(401, "401", "Request need user authorized"), AccessTokenNeeded),
        (gateway(400, "gw.AppKeyNotExists"), None, AuthError),
        (gateway(403, "gw.IsvNotAuthorized"), None, PermissionDenied),
        (None, gateway(429, "gw.QpsOverrun"), QuotaExceeded),
        (None, gateway(400, "gw.MissingParameter"), BadRequest),
        (None, gateway(500, "gw.SystemError"), ServiceError),
        (gateway(400, "gw.TimestampExpired"), None, ClockSkew),
        (Reply(200, {"result": {"success": "false", "code": "IMAGE_TOO_SMALL",
                                "message": "image size"}}), None, ImageRejected),
        (None, Reply(200, {"result": {"success": False, "code": "PARAM_ERROR",
                                      "message": "bad page"}}), BadRequest),
        (Reply(200, {"result": {"success": "true", "result": ""}}), None, BadResponse),
        (None, Reply(200, {"unexpected": 1}), BadResponse),
        (None, Reply(502, "<html>bad gateway</html>"), BadGateway),
    ],
)
def test_errors_map_to_core_errors(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage,
    upload: Reply | None, query: Reply | None, expected: type[VvicError],
) -> None:
    server.script(routed(upload, query))
    raised_exactly(expected,
                   lambda: market(server).search(prepared, Filters(), CancelToken(), permits))
    assert permits.count == len(server.requests)


def test_registered_as_1688() -> None:
    adapter = create_market("1688", credentials=Credentials("k", "s"),
                            endpoint="http://127.0.0.1:1")
    assert isinstance(adapter, Alibaba1688Market) and adapter.name == "1688"


def test_no_access_token_means_no_call_and_a_message_saying_how_to_renew(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    adapter = Alibaba1688Market(Credentials("ali-key", SECRET), server.url)
    with pytest.raises(AccessTokenNeeded) as caught:
        adapter.search(prepared, Filters(), CancelToken(), permits)
    assert server.requests == [] and permits.count == 0
    zh, en = caught.value.message("zh_CN"), caught.value.message("en")
    for text in (zh, en):
        assert "open.1688.com" in text and "vvic config set-credentials 1688" in text
        assert "ALI1688_ACCESS_TOKEN" in text
    assert "设置" in zh and "Settings" in en
