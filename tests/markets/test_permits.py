"""Every API request is sent only after its own permit; a refused permit sends nothing."""

from __future__ import annotations

from typing import Any

import pytest
from scripted_server import Reply, ScriptedServer, Seen

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import Cancelled, QuotaExhausted, ServiceError
from vvic_desktop.core.models import Filters, PreparedImage
from vvic_desktop.markets.base import Credentials
from vvic_desktop.markets.registry import create_market

NAMES = ["vvic", "taobao", "onebound-vvic", "onebound-taobao", "1688"]
UPLOADS = {"/taobao/upload_img/": {"error_code": "0000", "items": {"item": {"name": "i"}}}}


def creds(name: str) -> Credentials:
    """1688 sends nothing without the member's access_token: give it one."""
    return Credentials("k", "s", session="t" if name == "1688" else "")


class CountingLimiter:
    """Grants `allowed` permits, then refuses; records the requests sent at each grant."""

    def __init__(self, server: ScriptedServer, allowed: int) -> None:
        self.server, self.allowed, self.sent_at_grant = server, allowed, []

    def __call__(self, cancel: CancelToken) -> None:
        self.sent_at_grant.append(len(self.server.requests))
        if len(self.sent_at_grant) > self.allowed:
            raise QuotaExhausted("test limiter", market="x")


def route(seen: Seen) -> Reply:
    if seen.path in UPLOADS:
        return Reply(200, UPLOADS[seen.path])
    if "product.image.upload" in seen.path:
        return Reply(200, {"result": {"success": "true", "result": "img"}})
    return Reply(500, {"code": 500, "msg": "unused"})


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("allowed", [0, 1])
def test_refused_permit_sends_nothing_more(
    name: str, allowed: int, server: ScriptedServer, prepared: PreparedImage
) -> None:
    server.script(route)
    market = create_market(name, credentials=creds(name), endpoint=server.url)
    limiter = CountingLimiter(server, allowed)
    two_calls = name in ("onebound-vvic", "onebound-taobao", "1688")
    # One-call markets get their one permit and then the scripted 500.
    expected = QuotaExhausted if allowed == 0 or two_calls else ServiceError
    with pytest.raises(expected):
        market.search(prepared, Filters(), CancelToken(), limiter)
    # Permit n was asked for when n-1 requests had gone out: never a request without one.
    assert limiter.sent_at_grant == list(range(len(limiter.sent_at_grant)))
    assert len(server.requests) == min(allowed, len(limiter.sent_at_grant))


@pytest.mark.parametrize("name", NAMES)
def test_cancelled_search_sends_nothing(
    name: str, server: ScriptedServer, prepared: PreparedImage
) -> None:
    token = CancelToken()
    token.cancel()
    market = create_market(name, credentials=creds(name), endpoint=server.url)
    calls: list[Any] = []
    with pytest.raises(Cancelled):
        market.search(prepared, Filters(), token, lambda c: calls.append(c))
    assert server.requests == [] and calls == []
