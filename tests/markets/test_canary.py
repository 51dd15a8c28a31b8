"""A canary secret never reaches a log (DEBUG, urllib3 included), an error text or a repr."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
from scripted_server import CANARY, Permits, Reply, ScriptedServer, Seen

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import VvicError
from vvic_desktop.core.models import Filters, PreparedImage
from vvic_desktop.markets.base import Credentials
from vvic_desktop.markets.registry import create_market

# The server echoes the secret back in its error texts, as careless gateways do.
ECHO = f"secret={CANARY}&sign=ABCDEF sign:{CANARY}"

SUCCESS = {
    "vvic": {"code": 200, "msg": "ok", "data": {"items": [
        {"item_id": "1", "title": "连衣裙", "price": "69"}]}},
    "taobao": {"image_search_response": {"items": {"item": [
        {"num_iid": 1, "title": "连衣裙", "price": "69.00"}]}}},
    "onebound-vvic": {"error_code": "0000", "reason": "ok", "api_info": "today:1 max:100",
                      "items": {"item": [{"num_iid": "1", "title": "连衣裙", "price": "69"}]}},
    "1688": {"result": {"success": True, "result": {"data": [
        {"offerId": 1, "subject": "连衣裙", "priceInfo": {"price": "45"}}]}}},
}
FAILURE = {
    "vvic": {"code": 401, "msg": f"签名错误 {ECHO}"},
    "taobao": {"error_response": {"code": 25, "msg": "Invalid Signature", "sub_msg": ECHO}},
    "onebound-vvic": {"error_code": "4005", "reason": f"授权失败 {ECHO}"},
    "1688": {"error_code": "gw.SignatureInvalid", "error_message": ECHO},
}
UPLOAD = {"error_code": "0000", "items": {"item": {"name": "img-1"}}}


def scripted(name: str, body: dict[str, Any]) -> Any:
    def route(seen: Seen) -> Reply:
        if seen.path == "/taobao/upload_img/":
            return Reply(200, UPLOAD)
        if "product.image.upload" in seen.path:
            return Reply(200, {"result": {"success": "true", "result": "img-1"}})
        return Reply(200, body)
    return route


def texts_of(error: BaseException) -> list[str]:
    texts = [str(error), repr(error), repr(error.args)]
    if isinstance(error, VvicError):
        texts += [error.detail, error.message("zh_CN"), error.message("en"),
                  repr(error.to_dict()), repr(error.fields)]
    return texts


@pytest.mark.parametrize("name", ["vvic", "taobao", "onebound-vvic", "1688"])
def test_canary_never_leaks(
    name: str, server: ScriptedServer, prepared: PreparedImage,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    credentials = Credentials("canary-key", CANARY, session=CANARY)
    market = create_market(name, credentials=credentials, endpoint=server.url)
    permits = Permits()

    server.script(scripted(name, SUCCESS[name]))
    answer = market.search(prepared, Filters(), CancelToken(), permits)
    assert answer.offers
    leaks = [repr(answer), repr(market), repr(credentials)]

    server.script(scripted(name, FAILURE[name]))
    with pytest.raises(VvicError) as caught:
        market.search(prepared, Filters(), CancelToken(), permits)
    leaks += texts_of(caught.value)

    # A transport failure with the secret in the URL (OneBound's query): refused port.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    probe.close()
    dead_market = create_market(name, credentials=credentials, endpoint=dead)
    with pytest.raises(VvicError) as transport:
        dead_market.search(prepared, Filters(), CancelToken(), permits)
    leaks += texts_of(transport.value)

    # Malformed answers get logged as a snippet: the snippet is redacted too.
    server.script(Reply(200, f"<html>error {ECHO}</html>"))
    with pytest.raises(VvicError) as bad:
        market.search(prepared, Filters(), CancelToken(), permits)
    leaks += texts_of(bad.value)

    assert any(r.name.startswith("urllib3") for r in caplog.records)
    assert caplog.text
    leaks.append(caplog.text)
    leaks += [r.getMessage() for r in caplog.records]
    for text in leaks:
        assert CANARY not in text
