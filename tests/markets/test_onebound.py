"""OneBound adapters: upload then search, quota from api_info, error codes."""

from __future__ import annotations

import base64
import datetime as dt
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
    ConfigError,
    ImageRejected,
    PermissionDenied,
    QuotaExceeded,
    QuotaExhausted,
    ServiceError,
    VvicError,
)
from vvic_desktop.core.models import Filters, PreparedImage
from vvic_desktop.markets.base import Credentials
from vvic_desktop.markets.onebound import (
    OneBoundMarket,
    OneBoundTaobao,
    OneBoundVvic,
    lang_for,
    next_china_midnight,
)

SECRET = "ob-secret-31"
UPLOAD_OK = {"items": {"item": {"name": "/2026/11/21/abc123.jpg"}}, "error": "",
             "reason": "ok", "error_code": "0000", "api_info": "today:57 max:10100"}
SEARCH_OK = {
    "items": {"page": 1, "item": [
        {"num_iid": "778899", "title": "新款碎花连衣裙", "pic_url": "//img1.vvic.com/x.jpg",
         "price": "89.00", "promotion_price": "69.00", "sales": "35", "seller_nick": "小花家",
         "area": "广州十三行", "position": "3F-312", "hid": "A1029",
         "detail_url": "https://www.vvic.com/item/778899"},
        {"num_iid": 778900, "title": "碎花裙", "price": "72-80"},
        {"title": "missing id"},
    ]},
    "error": "", "reason": "ok", "error_code": "0000", "api_info": "today:58 max:10100",
}


def routed(upload: Reply | None = None, search: Reply | None = None) -> Any:
    def route(seen: Seen) -> Reply:
        if seen.path == "/taobao/upload_img/":
            return upload or Reply(200, UPLOAD_OK)
        return search or Reply(200, SEARCH_OK)
    return route


def run(adapter: OneBoundMarket, image: PreparedImage, permits: Permits):
    return adapter.search(image, Filters(), CancelToken(), permits)


@pytest.mark.parametrize(("cls", "platform"), [(OneBoundVvic, "vvic"),
                                               (OneBoundTaobao, "taobao")])
def test_upload_then_search(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage,
    cls: type[OneBoundMarket], platform: str,
) -> None:
    server.script(routed())
    answer = run(cls(Credentials("ob-key", SECRET), server.url), prepared, permits)

    upload, search = server.requests
    assert (upload.method, upload.path) == ("POST", "/taobao/upload_img/")
    form = upload.form
    assert base64.b64decode(form["imgcode"]) == prepared.jpeg
    # The key in the URL on every call (the documents' rule), the secret in the body.
    assert upload.query["key"] == "ob-key" and "key" not in form
    assert form["secret"] == SECRET and "secret" not in upload.query
    assert (search.method, search.path) == ("GET", f"/{platform}/item_search_img/")
    assert search.query["imgid"] == "/2026/11/21/abc123.jpg"
    assert search.query["key"] == "ob-key" and search.query["secret"] == SECRET
    assert upload.query["lang"] == search.query["lang"] == "cn"

    assert permits.count == 2 and answer.api_calls == 2
    assert answer.quota_left == 10100 - 58
    assert (answer.raw_count, answer.skipped) == (3, 1)
    first, second = answer.offers
    assert first.market == cls.name and first.item_id == "778899"
    assert first.price == Decimal("69.00") and first.extra["list_price"] == "89.00"
    assert first.stall.market == "广州十三行" and first.stall.position == "3F-312"
    assert first.art_no == "A1029" and first.image_url == "https://img1.vvic.com/x.jpg"
    assert second.price == Decimal("72") and second.price_max == Decimal("80")


def envelope(code: str, reason: str) -> Reply:
    return Reply(200, {"error": reason, "reason": reason, "error_code": code, "items": None})


@pytest.mark.parametrize(
    ("upload", "search", "expected"),
    [
        (None, envelope("4005", "授权失败"), AuthError),
        (envelope("4002", "key或secret错误"), None, AuthError),
        (None, envelope("4004", "该接口未开通"), PermissionDenied),
        (None, envelope("4013", "超出每日调用上限"), QuotaExhausted),
        (None, envelope("4999", "今日调用次数已超出"), QuotaExceeded),
        (None, envelope("4998", "invalid api key"), AuthError),
        (None, envelope("4006", "参数错误"), BadRequest),
        (None, envelope("5000", "服务器内部错误"), ServiceError),
        (None, envelope("4997", "something odd"), ServiceError),
        (envelope("4996", "图片格式不支持"), None, ImageRejected),
        (envelope("4006", "imgcode无效: image cannot be decoded"), None, ImageRejected),
        (None, envelope("4006", "imgid无效"), BadRequest),
        (Reply(200, {"error_code": "0000", "items": {}}), None, BadResponse),
        (None, Reply(502, "<html>bad gateway</html>", {"Content-Type": "text/html"}),
         BadGateway),
        (None, Reply(429, "slow down", {"Retry-After": "12"}), QuotaExceeded),
        (None, Reply(200, {"items": []}), BadResponse),
    ],
)
def test_errors_map_to_core_errors(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage,
    upload: Reply | None, search: Reply | None, expected: type[VvicError],
) -> None:
    server.script(routed(upload, search))
    error = raised_exactly(expected, lambda: run(
        OneBoundVvic(Credentials("ob-key", SECRET), server.url), prepared, permits))
    assert permits.count == len(server.requests)
    for text in (str(error), repr(error), error.detail):
        assert SECRET not in text


def test_empty_result_code_is_an_empty_list(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    server.script(routed(search=envelope("2000", "搜索结果为空")))
    answer = run(OneBoundTaobao(Credentials("ob-key", SECRET), server.url), prepared, permits)
    assert answer.offers == [] and answer.skipped == 0


def test_quota_retry_after_header_is_used(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    server.script(routed(search=Reply(429, "slow down", {"Retry-After": "12"})))
    with pytest.raises(QuotaExceeded) as caught:
        run(OneBoundVvic(Credentials("ob-key", SECRET), server.url), prepared, permits)
    assert caught.value.retry_after == 12


def test_daily_quota_resumes_at_china_midnight() -> None:
    now = dt.datetime(2026, 11, 21, 17, 30, tzinfo=dt.UTC)  # 01:30 on the 22nd in China
    resumes = next_china_midnight(now)
    assert resumes.astimezone(dt.UTC) == dt.datetime(2026, 11, 22, 16, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("item", "imgid"), [
    ({"name": "https://img.alicdn.com/imgextra/i1/O1CN01.jpg", "status": 1},
     "https://img.alicdn.com/imgextra/i1/O1CN01.jpg"),
    ({"name": "TB14_f0bsrrK1Rjy1zeXXXalFXa", "status": 1,
      "url": "//g-search3.alicdn.com/img/bao/uploaded/i4/TB14_f0bsrrK1Rjy1zeXXXalFXa"},
     "http://g-search3.alicdn.com/img/bao/uploaded/i4/TB14_f0bsrrK1Rjy1zeXXXalFXa"),
    ({"name": "TB14_x", "url": "https://g-search3.alicdn.com/TB14_x"},
     "https://g-search3.alicdn.com/TB14_x"),
])
def test_both_shapes_of_the_upload_answer(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage,
    item: dict[str, Any], imgid: str,
) -> None:
    upload = {"items": {"item": item}, "error": "", "reason": "", "error_code": "0000"}
    server.script(routed(upload=Reply(200, upload)))
    run(OneBoundTaobao(Credentials("ob-key", SECRET), server.url), prepared, permits)
    assert server.requests[1].query["imgid"] == imgid


def test_an_upload_answer_without_an_address_is_a_bad_response(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    upload = {"items": {"item": {"status": 1}}, "error": "", "reason": "", "error_code": "0000"}
    server.script(routed(upload=Reply(200, upload)))
    with pytest.raises(BadResponse):
        run(OneBoundTaobao(Credentials("ob-key", SECRET), server.url), prepared, permits)
    assert len(server.requests) == 1


def test_lang_follows_the_setting_or_the_ui_language(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    assert lang_for("", "zh_CN") == "cn" and lang_for("", "en") == "en"
    assert lang_for("ru", "zh_CN") == "ru" and lang_for("zh-CN", "en") == "en"
    server.script(routed())
    run(OneBoundVvic(Credentials("ob-key", SECRET), server.url, lang="en"), prepared, permits)
    assert {seen.query["lang"] for seen in server.requests} == {"en"}
    with pytest.raises(ConfigError):
        OneBoundVvic(Credentials("ob-key", SECRET), server.url, lang="zh-CN")
