"""Taobao TOP adapter: form POST, signatures, Alibaba's error codes, clock skew."""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import hmac
import re
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
    ClockSkew,
    ConfigError,
    ImageRejected,
    PermissionDenied,
    QuotaExceeded,
    RequestRefused,
    Retry,
    ServiceError,
    SessionExpired,
    SignatureError,
    VvicError,
)
from vvic_desktop.core.models import Filters, PreparedImage
from vvic_desktop.markets.base import Credentials
from vvic_desktop.markets.taobao import TaobaoMarket

SECRET = "top-secret-99"
SUCCESS = {"image_search_response": {"items": {"item": [
    {"num_iid": 5551, "title": "法式碎花连衣裙", "pic_url": "https://img.alicdn.com/1.jpg",
     "price": "69.00", "sales": "1200", "seller_nick": "花园小铺",
     "detail_url": "https://item.taobao.com/item.htm?id=5551", "is_tmall": True},
    {"num_iid": "5552", "title": "碎花裙", "price": "", "sales": None},
    {"num_iid": None, "title": "no id"},
]}, "total_results": 3}}


def market(server: ScriptedServer, **kwargs: Any) -> TaobaoMarket:
    return TaobaoMarket(Credentials("top-key", SECRET), server.url, **kwargs)


def run(adapter: TaobaoMarket, image: PreparedImage, permits: Permits):
    return adapter.search(image, Filters(category="50010850"), CancelToken(), permits)


def top_md5(form: dict[str, str], secret: str) -> str:
    concat = "".join(f"{k}{form[k]}" for k in sorted(form) if k != "sign" and form[k] != "")
    return hashlib.md5((secret + concat + secret).encode()).hexdigest().upper()


def test_success_is_a_signed_form_post(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    server.script(Reply(200, SUCCESS))
    answer = run(market(server), prepared, permits)

    seen = server.requests[0]
    assert (seen.method, seen.path, seen.query) == ("POST", "/router/rest", {})
    form = seen.form
    assert form["method"] == "taobao.image.search" and form["app_key"] == "top-key"
    assert (form["format"], form["v"], form["sign_method"]) == ("json", "2.0", "md5")
    assert form["cat"] == "50010850"
    assert base64.b64decode(form["image_data"], validate=True) == prepared.jpeg
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", form["timestamp"])
    china_now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)
    sent = dt.datetime.strptime(form["timestamp"], "%Y-%m-%d %H:%M:%S")
    assert abs((china_now.replace(tzinfo=None) - sent).total_seconds()) < 5
    assert form["sign"] == top_md5(form, SECRET)
    assert "app_secret" not in form and SECRET not in seen.body.decode()

    assert permits.count == 1 and answer.api_calls == 1
    assert (answer.raw_count, answer.skipped) == (3, 1)
    first, second = answer.offers
    assert first.item_id == "5551" and first.price == Decimal("69.00") and first.sales == 1200
    assert first.stall.name == "花园小铺" and first.extra["is_tmall"] is True
    assert second.price is None and second.sales is None


def test_hmac_sign_method(server: ScriptedServer, permits: Permits,
                          prepared: PreparedImage) -> None:
    server.script(Reply(200, SUCCESS))
    run(market(server, sign_method="hmac"), prepared, permits)
    form = server.requests[0].form
    concat = "".join(f"{k}{form[k]}" for k in sorted(form) if k != "sign" and form[k] != "")
    expected = hmac.new(SECRET.encode(), concat.encode(), hashlib.md5).hexdigest().upper()
    assert form["sign"] == expected


def test_unknown_sign_method_is_refused_up_front(server: ScriptedServer) -> None:
    with pytest.raises(ConfigError):
        market(server, sign_method="sha1")


@pytest.mark.parametrize(
    "body",
    [{"image_search_response": {"total_results": 0}},
     {"image_search_response": {"items": {"item": []}, "total_results": 0}},
     {"image_search_response": {"items": None}}],
)
def test_success_without_items_is_an_empty_list(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage, body: dict[str, Any]
) -> None:
    server.script(Reply(200, body))
    assert run(market(server), prepared, permits).offers == []


def error(code: int, sub_code: str = "", sub_msg: str = "", msg: str = "") -> Reply:
    failure: dict[str, Any] = {"code": code, "msg": msg or f"error {code}"}
    if sub_code:
        failure["sub_code"] = sub_code
    if sub_msg:
        failure["sub_msg"] = sub_msg
    return Reply(200, {"error_response": failure})


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (error(7, "accesscontrol.limited-by-app-access-count",
               "This ban will last for 15 more seconds"), QuotaExceeded),
        (error(11, "isv.permission-api-package-limit"), PermissionDenied),
        (error(15, "isp.remote-service-error"), ServiceError),
        (error(15), ServiceError),
        (error(21), BadRequest),
        (error(22), BadRequest),
        (error(25), SignatureError),
        (error(27), SessionExpired),
        (error(29), AuthError),
        (error(41, "isv.invalid-parameter:image_data"), ImageRejected),
        (error(40, "isv.missing-parameter:page"), BadRequest),
        (error(999, "isp.top-remote-connection-timeout"), ServiceError),
        (error(998, "isv.item-not-exist"), RequestRefused),
        (error(15, "isv.invalid-parameter:cat", "类目ID不存在"), RequestRefused),
        (error(15, "isv.invalid-parameter:image_data"), ImageRejected),
        (error(10, "isp.service-unavailable"), ServiceError),
        (Reply(503, "<html>Service Unavailable</html>", {"Content-Type": "text/html"}),
         BadGateway),
        (Reply(200, "{'not': json}"), BadResponse),
        (Reply(200, {"something_else": {}}), BadResponse),
        (Reply(429, {"error_response": {"code": 7, "msg": "App Call Limited"}},
               {"Retry-After": "9"}), QuotaExceeded),
    ],
)
def test_error_codes_map_to_core_errors(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage,
    reply: Reply, expected: type[VvicError],
) -> None:
    server.script(reply)
    raised_exactly(expected, lambda: run(market(server), prepared, permits))
    assert permits.count == 1


def test_code_7_takes_the_ban_length_from_sub_msg_or_retry_after(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    server.script(error(7, "accesscontrol.limited-by-app-access-count",
                        "This ban will last for 15 more seconds"))
    with pytest.raises(QuotaExceeded) as caught:
        run(market(server), prepared, permits)
    assert caught.value.retry_after == 15
    server.script(error(7))
    with pytest.raises(QuotaExceeded) as caught:
        run(market(server), prepared, permits)
    assert caught.value.retry_after == 60


def test_an_isv_sub_code_is_the_callers_error_shown_in_its_own_words(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    server.script(error(15, "isv.invalid-parameter:cat", "类目ID不存在或已失效",
                        msg="Remote service error"))
    with pytest.raises(RequestRefused) as caught:
        run(market(server), prepared, permits)
    refused = caught.value
    assert refused.retry is Retry.NEVER
    assert "类目ID不存在或已失效" in refused.message("zh_CN")
    assert "isv.invalid-parameter:cat" in refused.message("en")
    assert len(server.requests) == permits.count == 1


# --- clock skew -----------------------------------------------------------------------------

SKEW = dt.timedelta(minutes=11)


def skew_checking_server(seen: Seen, *, always_31: bool = False) -> Reply:
    """Like TOP: reject a timestamp more than 10 min from the server's clock with code 31."""
    server_now = dt.datetime.now(dt.UTC)
    headers = {"Date": email.utils.format_datetime(server_now, usegmt=True)}
    sent = dt.datetime.strptime(seen.form["timestamp"], "%Y-%m-%d %H:%M:%S")
    sent = sent.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    if always_31 or abs((sent - server_now).total_seconds()) > 600:
        return Reply(200, {"error_response": {"code": 31, "msg": "Invalid Timestamp"}}, headers)
    if seen.form["sign"] != top_md5(seen.form, SECRET):
        return Reply(200, {"error_response": {"code": 25, "msg": "Invalid Signature"}}, headers)
    return Reply(200, SUCCESS, headers)


def fast_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC) + SKEW


def test_clock_skew_is_corrected_from_the_date_header_once(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    server.script(skew_checking_server)
    adapter = market(server, clock=fast_clock)
    answer = run(adapter, prepared, permits)

    assert len(server.requests) == 2 and permits.count == 2 and answer.api_calls == 2
    assert len(answer.offers) == 2
    (note,) = answer.notes
    assert note.startswith("clock_skew:")
    assert abs(int(note.split(":")[1]) + 660) <= 2
    assert adapter.clock_offset == pytest.approx(-660, abs=2)

    # The offset is kept: the next search is right the first time.
    again = run(adapter, prepared, permits)
    assert len(server.requests) == 3 and permits.count == 3 and again.notes == []


def test_a_second_code_31_raises_clock_skew(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    server.script(lambda seen: skew_checking_server(seen, always_31=True))
    with pytest.raises(ClockSkew) as caught:
        run(market(server, clock=fast_clock), prepared, permits)
    assert len(server.requests) == 2 and permits.count == 2
    shown = re.search(r"about (\d+) s", caught.value.message("en"))
    assert shown is not None and abs(int(shown.group(1)) - 660) <= 2


def test_code_31_without_a_date_header_raises_clock_skew_at_once(
    server: ScriptedServer, permits: Permits, prepared: PreparedImage
) -> None:
    reply = error(31)
    reply.no_date = True
    server.script(reply)
    with pytest.raises(ClockSkew):
        run(market(server), prepared, permits)
    assert len(server.requests) == 1
