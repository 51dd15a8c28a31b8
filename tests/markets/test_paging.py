""""Load more": each paging market's page parameter against the sandbox, which serves pages as
the documents say (seed 003's `page` for Taobao, OneBound's item_search_img `page`, 1688's
`beginPage`/`pageSize` with `totalPage`), and refuses what they forbid."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from scripted_server import Permits

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import ConfigError
from vvic_desktop.core.market_info import page_cost
from vvic_desktop.core.marketplace import MAX_PAGES, PageRequest, more_pages
from vvic_desktop.core.models import Filters, PreparedImage
from vvic_desktop.core.prepare import prepare
from vvic_desktop.markets.base import Credentials
from vvic_desktop.markets.registry import create_market
from vvic_desktop.sandbox.server import DEMO_CREDENTIALS, DEMO_TOKENS, SandboxServer
from vvic_desktop.sandbox.wire import PAGE_SIZE

ACCOUNT = {"taobao": "taobao", "onebound-vvic": "onebound", "onebound-taobao": "onebound",
           "1688": "1688"}


def creds(account: str) -> Credentials:
    key, secret = DEMO_CREDENTIALS[account]
    return Credentials(key, secret, session=DEMO_TOKENS.get(account, ""))


@pytest.fixture(scope="module")
def image(sandbox_catalog: Any) -> PreparedImage:
    listing = sandbox_catalog.listings[5]
    return prepare(sandbox_catalog.listing_image(listing.item_id))


def search(name: str, sandbox: SandboxServer, image: PreparedImage, page: PageRequest,
           filters: Filters | None = None) -> tuple[Any, Permits]:
    market = create_market(name, credentials=creds(ACCOUNT[name]), endpoint=sandbox.url)
    permits = Permits()
    answer = market.search(image, filters or Filters(max_results=20), CancelToken(), permits,
                           page)
    return answer, permits


@pytest.mark.parametrize("name", list(ACCOUNT))
def test_page_two_follows_page_one(name: str, sandbox: SandboxServer,
                                   image: PreparedImage) -> None:
    first, _ = search(name, sandbox, image, PageRequest())
    assert first.page == 1 and first.has_more and first.offers
    second, permits = search(name, sandbox, image,
                             PageRequest(2, seen=first.raw_count, token=first.token))
    assert second.page == 2 and second.offers
    # a different slice of the same ranking: no listing of page 1 comes again
    assert not {o.key for o in first.offers} & {o.key for o in second.offers}
    # with page 1's picture id a later page is one call: no second upload
    assert permits.count == second.api_calls == 1
    assert second.has_more  # 389 listings: far more than two pages


@pytest.mark.parametrize("name", ["onebound-vvic", "1688"])
def test_later_page_without_the_picture_id_uploads_again(
    name: str, sandbox: SandboxServer, image: PreparedImage
) -> None:
    answer, permits = search(name, sandbox, image, PageRequest(2, seen=20))
    assert answer.offers and permits.count == 2 == page_cost(name, token_known=False)
    assert page_cost(name, token_known=True) == 1 and page_cost("taobao", False) == 1


def test_vvic_and_local_do_not_page() -> None:
    assert page_cost("vvic", True) is None and page_cost("local", True) is None


def test_vvic_adapter_refuses_a_second_page(sandbox: SandboxServer,
                                            image: PreparedImage) -> None:
    market = create_market("vvic", credentials=creds("vvic"), endpoint=sandbox.url)
    with pytest.raises(ConfigError):
        market.search(image, Filters(), CancelToken(), Permits(), PageRequest(2))
    assert sandbox.call_log == []  # refused before any call


def test_1688_last_page_by_total_page(sandbox: SandboxServer, sandbox_catalog: Any,
                                      image: PreparedImage) -> None:
    size = 50
    first, _ = search("1688", sandbox, image, PageRequest(), Filters(max_results=size))
    total = len(sandbox_catalog.listings)
    last_number = -(-total // size)
    assert last_number < MAX_PAGES
    last, _ = search("1688", sandbox, image,
                     PageRequest(last_number, seen=size * (last_number - 1), token=first.token),
                     Filters(max_results=size))
    assert len(last.offers) == total - size * (last_number - 1)
    assert not last.has_more
    past, _ = search("1688", sandbox, image,
                     PageRequest(last_number + 1, seen=total, token=first.token),
                     Filters(max_results=size))
    assert past.offers == [] and not past.has_more


def test_onebound_page_past_the_last_is_an_empty_page(
    sandbox: SandboxServer, sandbox_catalog: Any, image: PreparedImage
) -> None:
    total = len(sandbox_catalog.listings)
    first, _ = search("onebound-vvic", sandbox, image, PageRequest())
    past = -(-total // PAGE_SIZE) + 1
    answer, _ = search("onebound-vvic", sandbox, image,
                       PageRequest(past, seen=total, token=first.token))
    assert answer.offers == [] and not answer.has_more  # "2000": search result is empty


def test_taobao_total_results_ends_the_paging(sandbox: SandboxServer, sandbox_catalog: Any,
                                              image: PreparedImage) -> None:
    total = len(sandbox_catalog.listings)
    last = -(-total // PAGE_SIZE)
    answer, _ = search("taobao", sandbox, image, PageRequest(last, seen=PAGE_SIZE * (last - 1)))
    assert len(answer.offers) == total - PAGE_SIZE * (last - 1)
    assert not answer.has_more
    past, _ = search("taobao", sandbox, image, PageRequest(last + 1, seen=total))
    assert past.offers == [] and not past.has_more


def test_more_pages_rules() -> None:
    assert more_pages(PageRequest(1), 20, page_count=3)
    assert not more_pages(PageRequest(3, seen=40), 20, page_count=3)
    assert more_pages(PageRequest(1), 20, total=41)
    assert not more_pages(PageRequest(3, seen=40), 1, total=41)
    assert not more_pages(PageRequest(2, seen=20), 0, total=1000)  # an empty page ends it
    assert not more_pages(PageRequest(1), 20)  # the service says nothing: no promise
    assert not more_pages(PageRequest(MAX_PAGES, seen=180), 20, total=1000)  # bounded


# -- the sandbox refuses what the documents forbid ------------------------------------------


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5"])
def test_sandbox_onebound_refuses_a_bad_page(sandbox: SandboxServer, image: PreparedImage,
                                             page: str) -> None:
    first, _ = search("onebound-vvic", sandbox, image, PageRequest())
    key, secret = DEMO_CREDENTIALS["onebound"]
    answer = requests.get(f"{sandbox.url}/vvic/item_search_img/", params={
        "key": key, "secret": secret, "imgid": first.token, "page": page}, timeout=30)
    body = answer.json()
    assert body["error_code"] == "4006" and "page" in body["reason"]


@pytest.mark.parametrize("page", ["0", "-2", "two"])
def test_sandbox_taobao_refuses_a_bad_page(sandbox: SandboxServer, image: PreparedImage,
                                           page: str) -> None:
    from vvic_desktop.markets.signing import top_sign

    market = create_market("taobao", credentials=creds("taobao"), endpoint=sandbox.url)
    params = market.search_params(image, Filters())
    params.pop("sign")
    params["page"] = page
    params["sign"] = top_sign(params, DEMO_CREDENTIALS["taobao"][1], "md5")
    body = requests.post(f"{sandbox.url}/router/rest", data=params, timeout=30).json()
    failure = body["error_response"]
    assert failure["code"] == 41 and failure["sub_code"] == "isv.invalid-parameter:page"


@pytest.mark.parametrize(("begin", "size"), [(0, 20), (-1, 20), (1, 0), (1, 51)])
def test_sandbox_1688_refuses_a_bad_page_or_size(sandbox: SandboxServer, image: PreparedImage,
                                                 begin: int, size: int) -> None:
    first, _ = search("1688", sandbox, image, PageRequest())
    market = create_market("1688", credentials=creds("1688"), endpoint=sandbox.url)
    api = "product.search.imageQuery"
    form = market.signed_form(api, {"offerQueryParam": json.dumps(
        {"imageId": first.token, "beginPage": begin, "pageSize": size})})
    body = requests.post(f"{sandbox.url}/openapi/{market.api_path(api)}", data=form,
                         timeout=30).json()
    assert body["result"]["success"] is False and body["result"]["code"] == "400"


@pytest.mark.parametrize(("name", "stale"), [("onebound-vvic", "http://127.0.0.1:9/gone.jpg"),
                                             ("1688", "0123456789abcdef0123")])
def test_a_stale_picture_id_uploads_the_photo_again(name: str, stale: str,
                                                     sandbox: SandboxServer,
                                                     image: PreparedImage) -> None:
    """The gateway no longer knows page 1's picture id (OneBound 4006 "imgid无效", 1688
    "imageId 不存在"): the page is asked again after one new upload, not failed."""
    answer, permits = search(name, sandbox, image, PageRequest(2, seen=20, token=stale))
    assert answer.offers and answer.token != stale
    assert permits.count == answer.api_calls == 3  # refused query, upload, query
