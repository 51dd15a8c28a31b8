"""Each adapter against the sandbox marketplace, which checks signatures, timestamps and
parameters with its own code (it imports nothing from markets/): a pass means the client
speaks the protocol, not that it agrees with itself."""

from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from scripted_server import CANARY, Permits

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import (
    AuthError,
    BadResponse,
    ClockSkew,
    ImageRejected,
    PermissionDenied,
    QuotaExceeded,
    QuotaExhausted,
    ServiceError,
    SignatureError,
    Timeout,
    VvicError,
)
from vvic_desktop.core.models import Filters, PreparedImage
from vvic_desktop.core.prepare import prepare
from vvic_desktop.markets.adapter import Timeouts
from vvic_desktop.markets.base import Credentials
from vvic_desktop.markets.registry import create_market
from vvic_desktop.markets.vvic import DetailCache
from vvic_desktop.sandbox.server import DEMO_CREDENTIALS, DEMO_TOKENS, SandboxServer

ACCOUNT = {"vvic": "vvic", "taobao": "taobao", "onebound-vvic": "onebound",
           "onebound-taobao": "onebound", "1688": "1688"}
MARKETS = list(ACCOUNT)


# 1688's image upload answers no content faults: aim those at the image query.
AOP_QUERY = ("/openapi/param2/1/com.alibaba.fenxiao.crossborder/product.search.imageQuery/"
             + DEMO_CREDENTIALS["1688"][0])


def creds(account: str) -> Credentials:
    key, secret = DEMO_CREDENTIALS[account]
    return Credentials(key, secret, session=DEMO_TOKENS.get(account, ""))


@pytest.fixture(scope="module")
def query(sandbox_catalog: Any) -> tuple[PreparedImage, str]:
    """A listing photo through the real prepare(), and the style it belongs to."""
    listing = sandbox_catalog.listings[5]
    return prepare(sandbox_catalog.listing_image(listing.item_id)), listing.style_id


def style_of(catalog: Any, item_id: str) -> str:
    return catalog.listing(item_id).style_id


@pytest.mark.parametrize("name", MARKETS)
def test_success_path_finds_the_photos_style(
    name: str, sandbox: SandboxServer, sandbox_catalog: Any, query: tuple[PreparedImage, str]
) -> None:
    image, style_id = query
    market = create_market(name, credentials=creds(ACCOUNT[name]), endpoint=sandbox.url)
    permits = Permits()
    answer = market.search(image, Filters(max_results=20), CancelToken(), permits)

    assert answer.offers and answer.skipped == 0
    assert permits.count == answer.api_calls == len(sandbox.call_log)
    assert all(record.status == 200 for record in sandbox.call_log)
    top = answer.offers[0]
    assert style_of(sandbox_catalog, top.item_id) == style_id
    assert all(o.market == name and o.title for o in answer.offers)
    assert all(o.price is None or isinstance(o.price, Decimal) for o in answer.offers)
    assert top.image_url.startswith(sandbox.url + "/img/")
    if name.startswith("onebound"):
        assert answer.quota_left is not None and answer.quota_left < 10100


def test_vvic_filters_reach_the_service(
    sandbox: SandboxServer, sandbox_catalog: Any, query: tuple[PreparedImage, str]
) -> None:
    image, _ = query
    market = create_market("vvic", credentials=creds("vvic"), endpoint=sandbox.url)
    filters = Filters(credit_level="A", in_stock_only=True, max_results=50)
    answer = market.search(image, filters, CancelToken(), Permits())
    assert answer.offers
    for offer in answer.offers:
        listing = sandbox_catalog.listing(offer.item_id)
        assert listing.credit_level == "A" and listing.stock >= 1
        assert offer.stall.credit_level == "A"


def test_vvic_open_platform_enrichment(
    sandbox: SandboxServer, sandbox_catalog: Any, query: tuple[PreparedImage, str]
) -> None:
    image, _ = query
    market = create_market("vvic", credentials=creds("vvic"), endpoint=sandbox.url,
                           open_credentials=creds("vvic-open"))
    permits = Permits()
    answer = market.search(image, Filters(max_results=25), CancelToken(), permits)
    assert answer.notes == []
    # 25 ids go out in two signed detail calls of at most 20.
    assert [r.endpoint for r in sandbox.call_log] == [
        "/api/search/item/image", "/api/item/detail/v1", "/api/item/detail/v1"]
    assert all(r.status == 200 for r in sandbox.call_log) and permits.count == 3
    for offer in answer.offers:
        listing = sandbox_catalog.listing(offer.item_id)
        assert offer.stall.market == listing.market_name
        assert offer.art_no == listing.art_no
        assert offer.extra["supply_level"].endswith("档口")


def test_vvic_details_are_cached_across_searches(
    sandbox: SandboxServer, sandbox_catalog: Any, query: tuple[PreparedImage, str]
) -> None:
    image, _ = query
    now = [0.0]
    cache = DetailCache(ttl=3600, clock=lambda: now[0])

    def search(max_results: int) -> Any:
        market = create_market("vvic", credentials=creds("vvic"), endpoint=sandbox.url,
                               open_credentials=creds("vvic-open"), detail_cache=cache)
        return market.search(image, Filters(max_results=max_results), CancelToken(), Permits())

    first = search(10)
    second = search(30)  # the first 10 are known: 20 new ids, one detail call
    endpoints = [r.endpoint for r in sandbox.call_log]
    assert endpoints == ["/api/search/item/image", "/api/item/detail/v1",
                         "/api/search/item/image", "/api/item/detail/v1"]
    assert first.api_calls == 2 and second.api_calls == 2
    assert all(o.extra.get("supply_level") for o in second.offers)
    now[0] = 3601.0  # a day's worth later (here: the cache's hour) they are asked again
    search(10)
    assert [r.endpoint for r in sandbox.call_log][4:] == [
        "/api/search/item/image", "/api/item/detail/v1"]


def test_vvic_enrichment_with_a_wrong_open_secret_keeps_the_result(
    sandbox: SandboxServer, query: tuple[PreparedImage, str]
) -> None:
    image, _ = query
    wrong = Credentials(DEMO_CREDENTIALS["vvic-open"][0], "not-the-secret")
    market = create_market("vvic", credentials=creds("vvic"), endpoint=sandbox.url,
                           open_credentials=wrong)
    answer = market.search(image, Filters(), CancelToken(), Permits())
    assert answer.offers
    assert answer.notes == ["enrich_failed:auth"]


@pytest.mark.parametrize("name", MARKETS)
def test_wrong_secret_is_an_auth_error(
    name: str, sandbox: SandboxServer, query: tuple[PreparedImage, str]
) -> None:
    key, _ = DEMO_CREDENTIALS[ACCOUNT[name]]
    market = create_market(name, credentials=Credentials(key, CANARY), endpoint=sandbox.url)
    with pytest.raises(AuthError) as caught:
        market.search(query[0], Filters(), CancelToken(), Permits())
    if name in ("vvic", "taobao"):
        assert isinstance(caught.value, SignatureError)
    assert CANARY not in repr(caught.value) + str(caught.value) + caught.value.detail


FAULT_ERRORS: list[tuple[str, type[VvicError]]] = [
    ("429", QuotaExceeded), ("429-no-retry-after", QuotaExceeded), ("500", ServiceError),
    ("502", BadResponse), ("503", BadResponse), ("html", BadResponse),
    ("malformed", BadResponse), ("permission", PermissionDenied),
]


@pytest.mark.parametrize("name", MARKETS)
@pytest.mark.parametrize(("fault", "expected"), FAULT_ERRORS)
def test_injected_faults(
    name: str, fault: str, expected: type[VvicError], sandbox: SandboxServer,
    query: tuple[PreparedImage, str],
) -> None:
    protocol = "onebound" if name.startswith("onebound") else name
    sandbox.inject(fault, endpoint=AOP_QUERY if name == "1688" else protocol)
    market = create_market(name, credentials=creds(ACCOUNT[name]), endpoint=sandbox.url)
    with pytest.raises(expected) as caught:
        market.search(query[0], Filters(), CancelToken(), Permits())
    if fault == "429":
        assert isinstance(caught.value, QuotaExceeded) and caught.value.retry_after == 7
    if fault == "429-no-retry-after" and name != "taobao":
        assert isinstance(caught.value, QuotaExceeded) and caught.value.retry_after == 60


@pytest.mark.parametrize("name", MARKETS)
def test_damaged_items_are_skipped_and_counted(
    name: str, sandbox: SandboxServer, query: tuple[PreparedImage, str]
) -> None:
    protocol = "onebound" if name.startswith("onebound") else name
    endpoint = {"onebound-vvic": "/vvic/item_search_img/", "1688": AOP_QUERY,
                "onebound-taobao": "/taobao/item_search_img/"}.get(name, protocol)
    sandbox.inject("missing-fields", endpoint=endpoint)
    market = create_market(name, credentials=creds(ACCOUNT[name]), endpoint=sandbox.url)
    answer = market.search(query[0], Filters(), CancelToken(), Permits())
    assert answer.offers and answer.skipped > 0
    assert answer.raw_count == len(answer.offers) + answer.skipped


def test_slow_loris_answer_ends_at_the_deadline(
    sandbox: SandboxServer, query: tuple[PreparedImage, str]
) -> None:
    sandbox.inject("slow", endpoint="vvic")
    market = create_market("vvic", credentials=creds("vvic"), endpoint=sandbox.url,
                           timeouts=Timeouts(connect=1, read=60, deadline=1))
    # a byte every 0.4 s for minutes: no read times out, only the 1-s deadline can end it
    with pytest.raises(Timeout) as info:
        market.search(query[0], Filters(), CancelToken(), Permits())
    assert info.value.detail.endswith("total deadline")


def test_quota_from_the_service_is_a_quota_error(
    sandbox_catalog: Any, query: tuple[PreparedImage, str]
) -> None:
    with SandboxServer(port=0, latency=(0, 0), quota=1, catalog=sandbox_catalog) as server:
        market = create_market("taobao", credentials=creds("taobao"), endpoint=server.url)
        market.search(query[0], Filters(), CancelToken(), Permits())
        with pytest.raises(QuotaExceeded) as caught:
            market.search(query[0], Filters(), CancelToken(), Permits())
    assert 1 <= caught.value.retry_after <= 60


def test_taobao_clock_skew_against_a_skewed_server(
    sandbox_catalog: Any, query: tuple[PreparedImage, str]
) -> None:
    # The server's clock is 11 minutes ahead of ours: TOP answers 31, the adapter reads the
    # offset from the Date header, re-signs once, and keeps the offset.
    def server_clock() -> float:
        return time.time() + 660

    with SandboxServer(port=0, latency=(0, 0), quota=100, catalog=sandbox_catalog,
                       clock=server_clock) as server:
        market = create_market("taobao", credentials=creds("taobao"), endpoint=server.url)
        permits = Permits()
        answer = market.search(query[0], Filters(), CancelToken(), permits)
        assert [r.status for r in server.call_log] == [401, 200]
        assert permits.count == 2 and answer.offers
        (note,) = answer.notes
        assert abs(int(note.removeprefix("clock_skew:")) - 660) <= 2
        again = market.search(query[0], Filters(), CancelToken(), permits)
        assert again.notes == [] and [r.status for r in server.call_log] == [401, 200, 200]


def test_taobao_clock_skew_that_moves_raises(
    sandbox_catalog: Any, query: tuple[PreparedImage, str]
) -> None:
    # A server whose clock jumps by an hour between the two calls: the re-signed call is
    # still refused, and the adapter gives up with ClockSkew instead of looping.
    servers: list[SandboxServer] = []

    def server_clock() -> float:
        first_call = not servers or servers[0].requests_received <= 1
        return time.time() + (660.0 if first_call else 4000.0)

    with SandboxServer(port=0, latency=(0, 0), quota=100, catalog=sandbox_catalog,
                       clock=server_clock) as server:
        servers.append(server)
        market = create_market("taobao", credentials=creds("taobao"), endpoint=server.url)
        permits = Permits()
        with pytest.raises(ClockSkew):
            market.search(query[0], Filters(), CancelToken(), permits)
        assert [r.status for r in server.call_log] == [401, 401] and permits.count == 2


def test_onebound_daily_quota_used_up_pauses_until_tomorrow(
    sandbox_catalog: Any, query: tuple[PreparedImage, str]
) -> None:
    with SandboxServer(port=0, latency=(0, 0), quota=100, catalog=sandbox_catalog,
                       onebound_daily_max=3) as server:
        market = create_market("onebound-vvic", credentials=creds("onebound"),
                               endpoint=server.url)
        first = market.search(query[0], Filters(), CancelToken(), Permits())
        assert first.quota_left == 1
        with pytest.raises(QuotaExhausted) as caught:
            market.search(query[0], Filters(), CancelToken(), Permits())
    assert caught.value.resumes_at > datetime.now().astimezone()


def test_vvic_small_image_is_rejected_as_an_image_problem(
    sandbox: SandboxServer, prepared: PreparedImage
) -> None:
    # 64×64: the service's 400 "参数无效" says why in its detail; the user must hear it is
    # the photo, not the filters.
    market = create_market("vvic", credentials=creds("vvic"), endpoint=sandbox.url)
    with pytest.raises(ImageRejected) as caught:
        market.search(prepared, Filters(), CancelToken(), Permits())
    assert "800" in caught.value.detail
