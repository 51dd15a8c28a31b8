"""The demo marketplace over real HTTP, with signatures written out here independently."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import math
import threading
import time
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
import requests
from PIL import Image

from vvic_desktop.sandbox import alibaba1688 as sandbox_aop
from vvic_desktop.sandbox import server as server_module
from vvic_desktop.sandbox import taobao as sandbox_taobao
from vvic_desktop.sandbox import wire as sandbox_wire
from vvic_desktop.sandbox.catalog import Catalog
from vvic_desktop.sandbox.server import DEMO_CREDENTIALS, DEMO_TOKENS, FAULTS, SandboxServer

VVIC_KEY, VVIC_SECRET = DEMO_CREDENTIALS["vvic"]
OPEN_ID, OPEN_SECRET = DEMO_CREDENTIALS["vvic-open"]
TOP_KEY, TOP_SECRET = DEMO_CREDENTIALS["taobao"]
OB_KEY, OB_SECRET = DEMO_CREDENTIALS["onebound"]
CHINA = timezone(timedelta(hours=8))


class FakeClock:
    def __init__(self, now: float = 1_790_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- reference signing, written out from DESIGN §4 ---------------------------------------------


def vvic_body(image: bytes, *, key: str = VVIC_KEY, secret: str = VVIC_SECRET,
              now: float | None = None, **extra: object) -> dict[str, object]:
    raw = base64.b64encode(image).decode()
    body: dict[str, object] = {
        "app_key": key, "image_base64": raw, "max_results": 20,
        "timestamp": int((time.time() if now is None else now) * 1000),
        "version": "2.2", "sign_method": "md5", **extra,
    }
    text = "".join(k + (v if isinstance(v, str) else json.dumps(v))
                   for k, v in sorted(body.items()))
    body["sign"] = hashlib.md5((secret + text + secret).encode()).hexdigest()
    body["image_base64"] = "data:image/jpeg;base64," + (
        raw.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"))
    return body


def top_params(image_data: str, *, method: str = "taobao.image.search",
               sign_method: str = "md5", key: str = TOP_KEY, secret: str = TOP_SECRET,
               now: float | None = None, **extra: str) -> dict[str, str]:
    stamp = datetime.fromtimestamp(time.time() if now is None else now, CHINA)
    params = {"method": method, "app_key": key, "timestamp": stamp.strftime("%Y-%m-%d %H:%M:%S"),
              "format": "json", "v": "2.0", "sign_method": sign_method,
              "image_data": image_data, **extra}
    params["sign"] = top_reference_sign(params, secret, sign_method)
    return params


def top_reference_sign(params: dict[str, str], secret: str, sign_method: str) -> str:
    text = "".join(k + v for k, v in sorted(params.items()) if v and k != "sign")
    if sign_method == "md5":
        return hashlib.md5((secret + text + secret).encode()).hexdigest().upper()
    digest = hashlib.md5 if sign_method == "hmac" else hashlib.sha256
    return hmac.new(secret.encode(), text.encode(), digest).hexdigest().upper()


def open_params(item_vid: str, *, now: float | None = None, app_id: str = OPEN_ID,
                secret: str = OPEN_SECRET) -> dict[str, str]:
    stamp = str(int((time.time() if now is None else now) * 1000))
    params = {"app_id": app_id, "timestamp": stamp, "item_vid": item_vid}
    text = "".join(k + v for k, v in sorted(params.items()))
    params["sign"] = hmac.new(secret.encode(), (text + secret + stamp).encode(),
                              hashlib.sha256).hexdigest()
    return params


def query_jpeg(catalog: Catalog, item_id: str, min_side: int = 820) -> bytes:
    """A listing photo scaled up to the V2.2 minimum, as a client's prepare would send it."""
    image = Image.open(io.BytesIO(catalog.listing_image(item_id)))
    scale = min_side / min(image.size)
    image = image.resize((round(image.width * scale), round(image.height * scale)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def style_of(catalog: Catalog, item_id: str | int) -> str:
    return catalog.listing(str(item_id)).style_id


# -- VVIC V2.2 ------------------------------------------------------------------------------------


def test_vvic_search_finds_own_style_first(sandbox, sandbox_catalog) -> None:
    listing = sandbox_catalog.listings[7]
    answer = requests.post(sandbox.url + "/api/search/item/image",
                           json=vvic_body(query_jpeg(sandbox_catalog, listing.item_id)), timeout=10)
    assert answer.status_code == 200
    data = answer.json()
    assert (data["code"], data["msg"]) == (200, "success")
    items = data["data"]["items"]
    assert len(items) == 20
    own = len(sandbox_catalog.listings_of(listing.style_id))
    assert {style_of(sandbox_catalog, i["item_id"]) for i in items[:own]} == {listing.style_id}
    first = items[0]
    for name in ("item_id", "title", "price", "stock", "credit_level", "sales", "image_url",
                 "similarity", "shop_name", "market", "position", "batch_num", "art_no"):
        assert name in first
    assert 0 < items[-1]["similarity"] <= first["similarity"] <= 1
    picture = requests.get(first["image_url"], timeout=10)
    assert picture.status_code == 200 and picture.content[:3] == b"\xff\xd8\xff"
    assert picture.content == sandbox_catalog.listing_image(first["item_id"])
    assert sandbox.call_log[-1][1:] == (VVIC_KEY, "/api/search/item/image", 200)


def test_vvic_signature_key_and_timestamp_are_checked(sandbox, sandbox_catalog) -> None:
    image = query_jpeg(sandbox_catalog, sandbox_catalog.listings[0].item_id)
    url = sandbox.url + "/api/search/item/image"
    tampered = vvic_body(image)
    tampered["max_results"] = 21  # signed with 20
    answer = requests.post(url, json=tampered, timeout=10)
    assert answer.status_code == 401 and "签名" in answer.json()["msg"]
    wrong_secret = vvic_body(image, secret="not-the-secret")
    assert requests.post(url, json=wrong_secret, timeout=10).status_code == 401
    unknown = vvic_body(image, key="nobody", secret=VVIC_SECRET)
    answer = requests.post(url, json=unknown, timeout=10)
    assert answer.status_code == 401 and answer.json()["msg"] == "app_key无效"
    stale = vvic_body(image, now=time.time() - 11 * 60)
    assert requests.post(url, json=stale, timeout=10).status_code == 401
    assert requests.post(url, json=vvic_body(image, now=time.time() - 9 * 60),
                         timeout=10).status_code == 200
    assert [r.status for r in sandbox.call_log] == [401, 401, 401, 401, 200]


def test_vvic_signs_the_raw_base64_not_the_escaped_body(sandbox, sandbox_catalog) -> None:
    image = query_jpeg(sandbox_catalog, sandbox_catalog.listings[1].item_id)
    body = vvic_body(image)
    escaped = str(body["image_base64"])[len("data:image/jpeg;base64,"):]
    signed_escaped = {k: v for k, v in body.items() if k != "sign"}
    signed_escaped["image_base64"] = escaped
    text = "".join(k + (v if isinstance(v, str) else json.dumps(v))
                   for k, v in sorted(signed_escaped.items()))
    body["sign"] = hashlib.md5((VVIC_SECRET + text + VVIC_SECRET).encode()).hexdigest()
    assert "%2" in escaped or "%3D" in escaped
    answer = requests.post(sandbox.url + "/api/search/item/image", json=body, timeout=10)
    assert answer.status_code == 401


def test_vvic_numbers_are_signed_as_written(sandbox, sandbox_catalog) -> None:
    image = query_jpeg(sandbox_catalog, sandbox_catalog.listings[2].item_id)
    body = vvic_body(image)
    del body["sign"]
    body["image_base64"] = base64.b64encode(image).decode()
    # "60.50" as written in the JSON text, which json.dumps(60.5) would not reproduce.
    fields = {**body, "price_min": "60.50"}
    text = "".join(k + (v if isinstance(v, str) else json.dumps(v))
                   for k, v in sorted(fields.items()))
    sign = hashlib.md5((VVIC_SECRET + text + VVIC_SECRET).encode()).hexdigest()
    body["image_base64"] = "data:image/jpeg;base64," + str(body["image_base64"]).replace(
        "+", "%2B").replace("/", "%2F").replace("=", "%3D")
    raw = json.dumps({**body, "sign": sign})[:-1] + ', "price_min": 60.50}'
    answer = requests.post(sandbox.url + "/api/search/item/image", data=raw.encode(),
                           headers={"Content-Type": "application/json"}, timeout=10)
    assert answer.status_code == 200
    assert all(float(i["price"].split("-")[0]) >= 60.5 for i in answer.json()["data"]["items"])


def test_vvic_filters_apply(sandbox, sandbox_catalog) -> None:
    image = query_jpeg(sandbox_catalog, sandbox_catalog.listings[30].item_id)
    body = vvic_body(image, max_results=50, price_min=40, price_max=120, stock=1,
                     credit_level="B", batch_num=5)
    items = requests.post(sandbox.url + "/api/search/item/image", json=body,
                          timeout=10).json()["data"]["items"]
    assert items
    for item in items:
        assert 40 <= float(item["price"].split("-")[0]) <= 120
        assert item["stock"] >= 1 and item["credit_level"] in ("A", "B")
        assert item["batch_num"] <= 5


def _png(size: tuple[int, int], noise: bool = False) -> bytes:
    if noise:
        arr = np.random.default_rng(3).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
        image = Image.fromarray(arr)
    else:
        image = Image.new("RGB", size, (200, 30, 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("case", ["small", "too-big", "gif", "bmp", "not-base64",
                                  "max-results-0", "max-results-51", "version"])
def test_vvic_bad_parameters_answer_400(sandbox, case: str) -> None:
    good = _png((820, 820))
    extra: dict[str, object] = {}
    image = good
    if case == "small":
        image = _png((799, 1200))
    elif case == "too-big":
        image = _png((1400, 1400), noise=True)
        assert len(image) > 5 * 1024 * 1024
    elif case in ("gif", "bmp"):
        out = io.BytesIO()
        Image.new("RGB", (900, 900), (10, 20, 30)).save(out, case.upper())
        image = out.getvalue()
    elif case == "max-results-0":
        extra["max_results"] = 0
    elif case == "max-results-51":
        extra["max_results"] = 51
    elif case == "version":
        extra["version"] = "2.1"
    body = vvic_body(image, **extra)
    if case == "not-base64":
        raw = "!!notbase64!!"
        body = vvic_body(good)
        fields = {k: v for k, v in body.items() if k != "sign"}
        fields["image_base64"] = raw
        text = "".join(k + (v if isinstance(v, str) else json.dumps(v))
                       for k, v in sorted(fields.items()))
        body = {**fields, "sign": hashlib.md5((VVIC_SECRET + text + VVIC_SECRET).encode())
                .hexdigest()}
    answer = requests.post(sandbox.url + "/api/search/item/image", json=body, timeout=20)
    assert answer.status_code == 400
    assert answer.json()["code"] == 400 and answer.json()["msg"] == "参数无效"


def test_png_and_webp_queries_are_accepted(sandbox, sandbox_catalog) -> None:
    for fmt in ("PNG", "WEBP"):
        image = Image.open(io.BytesIO(query_jpeg(sandbox_catalog,
                                                 sandbox_catalog.listings[3].item_id)))
        out = io.BytesIO()
        image.save(out, fmt)
        answer = requests.post(sandbox.url + "/api/search/item/image",
                               json=vvic_body(out.getvalue()), timeout=10)
        assert answer.status_code == 200, fmt


# -- VVIC open platform -------------------------------------------------------------------------


def test_vvic_open_detail(sandbox, sandbox_catalog) -> None:
    a, b = sandbox_catalog.listings[4], sandbox_catalog.listings[40]
    answer = requests.get(sandbox.url + "/api/item/detail/v1",
                          params=open_params(f"{a.item_id},{b.item_id},404"), timeout=10)
    data = answer.json()
    assert answer.status_code == 200 and data["status"] == 200
    rows = {row["item_vid"]: row for row in data["data"]["item_list"]}
    assert set(rows) == {a.item_id, b.item_id}
    row = rows[a.item_id]
    assert (row["item_title"], row["price"], row["shop_name"], row["art_no"]) == (
        a.title, a.price, a.stall_name, a.art_no)
    assert f"{row['floor']}-{row['stall_no']}" == a.position
    for name in ("market_code", "supply_level"):
        assert row[name]


def test_vvic_open_rejects_bad_sign_and_unknown_app(sandbox, sandbox_catalog) -> None:
    item = sandbox_catalog.listings[4].item_id
    params = open_params(item)
    params["item_vid"] = sandbox_catalog.listings[5].item_id  # not what was signed
    answer = requests.get(sandbox.url + "/api/item/detail/v1", params=params, timeout=10)
    assert answer.status_code == 401 and answer.json()["status"] != 200
    assert "签名" in answer.json()["message"]
    answer = requests.get(sandbox.url + "/api/item/detail/v1",
                          params=open_params(item, app_id="nobody"), timeout=10)
    assert answer.status_code == 401 and answer.json()["message"]
    # The secret must be in the message as well as the key: HMAC over the pairs alone fails.
    stamp = str(int(time.time() * 1000))
    params = {"app_id": OPEN_ID, "timestamp": stamp, "item_vid": item}
    text = "".join(k + v for k, v in sorted(params.items()))
    params["sign"] = hmac.new(OPEN_SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()
    answer = requests.get(sandbox.url + "/api/item/detail/v1", params=params, timeout=10)
    assert answer.status_code == 401


# -- Taobao TOP ---------------------------------------------------------------------------------


def test_top_md5_matches_taobaos_published_example() -> None:
    params = {"app_key": "12345678", "fields": "num_iid,title,nick,price,num", "format": "json",
              "method": "taobao.item.seller.get", "num_iid": "11223344", "session": "test",
              "sign_method": "md5", "timestamp": "2016-01-01 12:00:00", "v": "2.0"}
    expected = "66987CB115214E59E6EC978214934FB8"
    assert sandbox_taobao.top_sign(params, "helloworld", "md5") == expected
    assert top_reference_sign(params, "helloworld", "md5") == expected


@pytest.mark.parametrize("sign_method", ["md5", "hmac", "hmac-sha256"])
def test_top_image_search(sandbox, sandbox_catalog, sign_method: str) -> None:
    listing = sandbox_catalog.listings[60]
    image = base64.b64encode(sandbox_catalog.listing_image(listing.item_id)).decode()
    answer = requests.post(sandbox.url + "/router/rest",
                           data=top_params(image, sign_method=sign_method), timeout=10)
    assert answer.status_code == 200
    result = answer.json()["image_search_response"]
    items = result["items"]["item"]
    assert result["total_results"] == len(sandbox_catalog.listings)
    assert len(items) == 20
    assert style_of(sandbox_catalog, items[0]["num_iid"]) == listing.style_id
    for name in ("num_iid", "title", "pic_url", "price", "sales", "seller_nick", "detail_url",
                 "is_tmall"):
        assert name in items[0]
    assert requests.get(items[0]["pic_url"], timeout=10).status_code == 200
    second = requests.post(sandbox.url + "/router/rest",
                           data=top_params(image, sign_method=sign_method, page="2"), timeout=10)
    page_two = second.json()["image_search_response"]["items"]["item"]
    assert not {i["num_iid"] for i in page_two} & {i["num_iid"] for i in items}


def test_top_accepts_an_image_url_on_the_server_and_a_category(sandbox, sandbox_catalog) -> None:
    listing = sandbox_catalog.listings[90]
    category = sandbox_catalog.style(listing.style_id).category
    cat = sandbox_wire.TAOBAO_CATS[category]
    answer = requests.post(sandbox.url + "/router/rest", timeout=10,
                           data=top_params(sandbox.image_url(listing.item_id), cat=cat))
    items = answer.json()["image_search_response"]["items"]["item"]
    assert style_of(sandbox_catalog, items[0]["num_iid"]) == listing.style_id
    assert {sandbox_catalog.style(style_of(sandbox_catalog, i["num_iid"])).category
            for i in items} == {category}


def _top_error(sandbox, params: dict[str, str]) -> dict[str, object]:
    answer = requests.post(sandbox.url + "/router/rest", data=params, timeout=10)
    assert answer.status_code == 200
    return answer.json()["error_response"]


def test_top_error_codes(sandbox, sandbox_catalog) -> None:
    image = base64.b64encode(sandbox_catalog.listing_image(sandbox_catalog.listings[0].item_id))
    image_text = image.decode()
    bad_sign = top_params(image_text)
    bad_sign["sign"] = "0" * 32
    assert _top_error(sandbox, bad_sign)["code"] == 25
    assert _top_error(sandbox, top_params(image_text, secret="wrong"))["code"] == 25
    assert _top_error(sandbox, top_params(image_text, key="87654321"))["code"] == 29
    no_method = top_params(image_text)
    del no_method["method"]
    assert _top_error(sandbox, no_method)["code"] == 21
    assert _top_error(sandbox, top_params(image_text, method="taobao.item.get"))["code"] == 22
    skewed = _top_error(sandbox, top_params(image_text, now=time.time() + 11 * 60))
    assert skewed["code"] == 31 and "isv.invalid-timestamp" in str(skewed["sub_code"])
    assert _top_error(sandbox, top_params(image_text, session="stolen"))["code"] == 27
    assert _top_error(sandbox, top_params("not base64 at all!"))["code"] == 41
    assert _top_error(sandbox, top_params("http://example.com/a.jpg"))["code"] == 41


def test_top_takes_both_timestamp_forms_of_the_router(sandbox, sandbox_catalog) -> None:
    image = base64.b64encode(sandbox_catalog.listing_image(
        sandbox_catalog.listings[0].item_id)).decode()
    dated = top_params(image)
    assert "image_search_response" in requests.post(sandbox.url + "/router/rest", data=dated,
                                                    timeout=10).json()
    # What Taobao's own Python SDK sends: str(int(time.time() * 1000)).
    epoch = {k: v for k, v in dated.items() if k != "sign"}
    epoch["timestamp"] = str(int(time.time() * 1000))
    epoch["sign"] = top_reference_sign(epoch, TOP_SECRET, "md5")
    assert "image_search_response" in requests.post(sandbox.url + "/router/rest", data=epoch,
                                                    timeout=10).json()
    late = {**epoch, "timestamp": str(int((time.time() - 3600) * 1000))}
    late["sign"] = top_reference_sign(late, TOP_SECRET, "md5")
    assert _top_error(sandbox, late)["code"] == 31
    for stamp in ("2026/01/01 12:00:00", "1700000000", "soon"):
        odd = {**epoch, "timestamp": stamp}
        odd["sign"] = top_reference_sign(odd, TOP_SECRET, "md5")
        assert _top_error(sandbox, odd)["code"] == 31


def test_date_header_follows_the_server_clock(sandbox_catalog) -> None:
    clock = FakeClock(time.time() + 3600)
    with SandboxServer(latency=(0, 0), catalog=sandbox_catalog, clock=clock) as server:
        image = base64.b64encode(sandbox_catalog.listing_image(
            sandbox_catalog.listings[0].item_id)).decode()
        answer = requests.post(server.url + "/router/rest", data=top_params(image), timeout=10)
        # The client signed with its own (1 h behind) clock: code 31, and the Date header
        # tells it the server's time, so that it can correct and re-sign.
        assert answer.json()["error_response"]["code"] == 31
        served = server_module.http_date_to_epoch(answer.headers["Date"])
        assert abs(served - clock.now) < 1.5
        fixed = top_params(image, now=time.time() + (served - time.time()))
        assert "image_search_response" in requests.post(server.url + "/router/rest",
                                                        data=fixed, timeout=10).json()


# -- OneBound -----------------------------------------------------------------------------------


def test_onebound_upload_then_search(sandbox, sandbox_catalog) -> None:
    listing = sandbox_catalog.listings[120]
    code = base64.b64encode(sandbox_catalog.listing_image(listing.item_id)).decode()
    sandbox.onebound_upload_shape = "url"
    upload = requests.post(sandbox.url + "/taobao/upload_img/", params={"key": OB_KEY},
                           data={"secret": OB_SECRET, "imgcode": code}, timeout=10).json()
    assert upload["error_code"] == "0000"
    imgid = upload["items"]["item"]["name"]
    assert imgid.startswith(sandbox.url + "/img/upload/")
    assert requests.get(imgid, timeout=10).content == sandbox_catalog.listing_image(
        listing.item_id)
    for path in ("/vvic/item_search_img/", "/taobao/item_search_img/"):
        answer = requests.get(sandbox.url + path, timeout=10,
                              params={"key": OB_KEY, "secret": OB_SECRET, "imgid": imgid})
        data = answer.json()
        assert data["error_code"] == "0000" and data["error"] == ""
        items = data["items"]["item"]
        assert style_of(sandbox_catalog, items[0]["num_iid"]) == listing.style_id
        for name in ("num_iid", "title", "pic_url", "price", "promotion_price", "sales",
                     "seller_nick", "area", "position", "hid", "detail_url"):
            assert name in items[0]
    assert data["api_info"] == "today:3 max:10100"
    vvic_item = requests.get(sandbox.url + "/vvic/item_search_img/", timeout=10, params={
        "key": OB_KEY, "secret": OB_SECRET, "imgid": sandbox.image_url(listing.item_id),
    }).json()["items"]["item"][0]
    assert vvic_item["hid"] and vvic_item["position"]


def test_onebound_upload_answers_in_both_documented_shapes(sandbox, sandbox_catalog) -> None:
    code = base64.b64encode(sandbox_catalog.listing_image(
        sandbox_catalog.listings[3].item_id)).decode()
    items = {}
    for shape in ("url", "id"):
        sandbox.onebound_upload_shape = shape
        items[shape] = requests.post(
            sandbox.url + "/taobao/upload_img/", params={"key": OB_KEY},
            data={"secret": OB_SECRET, "imgcode": code}, timeout=10).json()["items"]["item"]
    assert items["url"]["name"].startswith(sandbox.url + "/img/upload/")
    bare = items["id"]
    assert "/" not in bare["name"] and bare["url"].startswith("//127.0.0.1:")
    assert "http:" + bare["url"] == items["url"]["name"]


def test_onebound_wants_the_key_in_the_url_and_a_documented_lang(sandbox, sandbox_catalog) -> None:
    code = base64.b64encode(sandbox_catalog.listing_image(
        sandbox_catalog.listings[0].item_id)).decode()
    upload = sandbox.url + "/taobao/upload_img/"
    in_body = requests.post(upload, data={"key": OB_KEY, "secret": OB_SECRET, "imgcode": code},
                            timeout=10).json()
    assert in_body["error_code"] == "4005" and in_body["error"] == "缺少key(须在URL中)"
    secret_in_query = requests.post(upload, params={"key": OB_KEY, "secret": OB_SECRET},
                                    data={"imgcode": code}, timeout=10).json()
    assert secret_in_query["error_code"] == "0000"
    imgid = sandbox.image_url(sandbox_catalog.listings[0].item_id)
    search = sandbox.url + "/taobao/item_search_img/"
    good = {"key": OB_KEY, "secret": OB_SECRET, "imgid": imgid}
    for lang in ("cn", "en", "ru"):
        answer = requests.get(search, params={**good, "lang": lang}, timeout=10).json()
        assert answer["error_code"] == "0000"
    for lang in ("zh-CN", "zh", ""):
        answer = requests.get(search, params={**good, "lang": lang}, timeout=10).json()
        assert answer["error_code"] == "4006" and "lang" in answer["reason"]


def test_onebound_bad_key_and_daily_quota(sandbox_catalog) -> None:
    with SandboxServer(latency=(0, 0), catalog=sandbox_catalog,
                       onebound_daily_max=2) as server:
        imgid = server.image_url(sandbox_catalog.listings[0].item_id)
        url = server.url + "/vvic/item_search_img/"
        bad = requests.get(url, params={"key": OB_KEY, "secret": "guess", "imgid": imgid},
                           timeout=10).json()
        assert bad["error_code"] == "4005" and bad["reason"]
        unknown = requests.get(url, params={"key": "x", "secret": OB_SECRET, "imgid": imgid},
                               timeout=10).json()
        assert unknown["error_code"] == "4005"
        good = {"key": OB_KEY, "secret": OB_SECRET, "imgid": imgid}
        assert requests.get(url, params=good, timeout=10).json()["api_info"] == "today:1 max:2"
        assert requests.get(url, params=good, timeout=10).json()["api_info"] == "today:2 max:2"
        over = requests.get(url, params=good, timeout=10).json()
        assert over["error_code"] == "4013" and over["api_info"] == "today:2 max:2"
        assert [r.status for r in server.call_log] == [401, 401, 200, 200, 429]


# -- quota ----------------------------------------------------------------------------------------


def test_quota_is_a_sliding_window_per_key(sandbox_catalog) -> None:
    clock = FakeClock()
    with SandboxServer(latency=(0, 0), quota=3, catalog=sandbox_catalog, clock=clock) as server:
        ids = ",".join(x.item_id for x in sandbox_catalog.listings[:2])

        def call() -> requests.Response:
            return requests.get(server.url + "/api/item/detail/v1",
                                params=open_params(ids, now=clock.now), timeout=10)

        statuses = []
        for index in range(4):  # calls at +0, +10, +20, +30 s: three accepted, one refused
            clock.now += 10.0 if index else 0.0
            statuses.append(call().status_code)
        assert statuses == [200, 200, 200, 429]
        refused = call()
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) == 30  # the first call leaves at +60 s
        clock.now += 29.9
        assert call().status_code == 429
        clock.now += 0.1  # exactly 60 s after the first call: it has left the window
        assert call().status_code == 200
        assert call().status_code == 429
        # Other keys have windows of their own: the TOP key is untouched.
        image = base64.b64encode(sandbox_catalog.listing_image(
            sandbox_catalog.listings[0].item_id)).decode()
        for _ in range(3):
            answer = requests.post(server.url + "/router/rest",
                                   data=top_params(image, now=clock.now), timeout=10)
            assert "image_search_response" in answer.json()
        limited = requests.post(server.url + "/router/rest",
                                data=top_params(image, now=clock.now), timeout=10).json()
        assert limited["error_response"]["code"] == 7
        assert "more seconds" in limited["error_response"]["sub_msg"]
        accepted = [r for r in server.call_log if r.status == 200]
        assert len(accepted) == 7
        refused_log = [r for r in server.call_log if r.status == 429]
        assert len(refused_log) == 5
        # Never more than `quota` accepted calls of one key in any 60 s window.
        for record in accepted:
            same = [r for r in accepted if r.app_key == record.app_key
                    and record.time - 60 < r.time <= record.time]
            assert len(same) <= 3


# -- faults ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [f for f in FAULTS if f != "slow"])
def test_each_fault_on_vvic(sandbox, sandbox_catalog, fault: str) -> None:
    image = query_jpeg(sandbox_catalog, sandbox_catalog.listings[0].item_id)
    sandbox.inject(fault)
    sent = time.time()
    answer = requests.post(sandbox.url + "/api/search/item/image", json=vvic_body(image),
                           timeout=10)
    answered = time.time()
    if fault in ("500", "502", "503", "504"):
        assert answer.status_code == int(fault)
        if fault != "500":
            assert "text/html" in answer.headers["Content-Type"]
    elif fault.startswith("429"):
        assert answer.status_code == 429 and answer.json()["code"] == 429
        expected = {"429": "7", "429-long": "86400", "429-no-retry-after": None,
                    "429-http-date": "GMT"}[fault]
        if fault == "429-http-date":
            when = server_module.http_date_to_epoch(answer.headers["Retry-After"])
            # 7 s after the server's clock when it answered, in whole seconds
            assert math.floor(sent + 7) <= when <= answered + 7
        else:
            assert answer.headers.get("Retry-After") == expected
    elif fault == "malformed":
        assert answer.status_code == 200
        with pytest.raises(ValueError):
            json.loads(answer.text)
    elif fault == "html":
        assert answer.status_code == 200 and answer.text.lstrip().startswith("<!DOCTYPE html>")
        with pytest.raises(ValueError):
            answer.json()
    elif fault == "empty":
        assert answer.json()["data"]["items"] == []
    elif fault == "missing-fields":
        items = answer.json()["data"]["items"]
        assert any(i is None or not isinstance(i, dict) for i in items)
        prices = [i.get("price", "<missing>") for i in items if isinstance(i, dict)]
        assert {"", "69-89", None, "<missing>"} <= set(prices) | {"<missing>"}
        assert "" in prices and "69-89" in prices and None in prices
        assert any(isinstance(i, dict) and "title" not in i for i in items)
        assert any(isinstance(i, dict) and isinstance(i.get("stock"), str) for i in items)
    elif fault == "permission":
        assert answer.status_code == 403
    elif fault == "isp":
        assert answer.status_code == 500
    elif fault == "isv":
        assert answer.status_code == 400 and answer.json()["msg"] == "参数无效"
    # The fault was used up: the next call is answered normally.
    again = requests.post(sandbox.url + "/api/search/item/image", json=vvic_body(image),
                          timeout=10)
    assert again.status_code == 200 and again.json()["data"]["items"]


@pytest.mark.parametrize("fault", ["missing-fields", "empty", "malformed", "429", "isp",
                                   "permission", "isv"])
def test_faults_on_top_and_onebound(sandbox, sandbox_catalog, fault: str) -> None:
    image = base64.b64encode(sandbox_catalog.listing_image(
        sandbox_catalog.listings[0].item_id)).decode()
    sandbox.inject(fault, endpoint="taobao")
    top = requests.post(sandbox.url + "/router/rest", data=top_params(image), timeout=10)
    sandbox.inject(fault, endpoint="/vvic/item_search_img/")
    ob = requests.get(sandbox.url + "/vvic/item_search_img/", timeout=10, params={
        "key": OB_KEY, "secret": OB_SECRET,
        "imgid": sandbox.image_url(sandbox_catalog.listings[0].item_id)})
    if fault == "missing-fields":
        top_items = top.json()["image_search_response"]["items"]["item"]
        ob_items = ob.json()["items"]["item"]
        for items in (top_items, ob_items):
            prices = [i.get("price", "<missing>") for i in items if isinstance(i, dict)]
            assert "" in prices and "69-89" in prices and None in prices
    elif fault == "empty":
        assert top.json()["image_search_response"]["items"]["item"] == []
        assert ob.json()["items"]["item"] == []
    elif fault == "malformed":
        for answer in (top, ob):
            with pytest.raises(ValueError):
                json.loads(answer.text)
    elif fault == "429":
        assert top.status_code == 429 and top.json()["error_response"]["code"] == 7
        assert ob.status_code == 429 and ob.json()["error_code"] == "4011"
    elif fault == "isp":
        assert top.json()["error_response"]["sub_code"].startswith("isp.")
        assert ob.status_code == 500
    elif fault == "permission":
        assert top.json()["error_response"]["code"] == 11
        assert ob.json()["error_code"] == "4004"
    elif fault == "isv":
        error = top.json()["error_response"]
        assert error["code"] == 15 and error["sub_code"].startswith("isv.") and error["sub_msg"]
        assert ob.json()["error_code"] == "4006"


def test_faults_are_scoped_counted_and_validated(sandbox, sandbox_catalog) -> None:
    image = query_jpeg(sandbox_catalog, sandbox_catalog.listings[0].item_id)
    url = sandbox.url + "/api/search/item/image"
    sandbox.inject("503", count=2, endpoint="taobao")
    assert requests.post(url, json=vvic_body(image), timeout=10).status_code == 200
    sandbox.inject("500", count=2)
    statuses = [requests.post(url, json=vvic_body(image), timeout=10).status_code
                for _ in range(3)]
    assert statuses == [500, 500, 200]
    item = sandbox_catalog.listings[0].item_id
    sandbox.inject("502", endpoint="img")
    assert requests.get(sandbox.image_url(item), timeout=10).status_code == 502
    assert requests.get(sandbox.image_url(item), timeout=10).status_code == 200
    with pytest.raises(ValueError):
        sandbox.inject("teapot")
    with pytest.raises(ValueError):
        sandbox.inject("500", endpoint="/nowhere")


def test_fail_rate_injects_random_5xx(sandbox_catalog) -> None:
    with SandboxServer(latency=(0, 0), fail_rate=1.0, catalog=sandbox_catalog) as server:
        answers = [requests.get(server.url + "/api/item/detail/v1",
                                params=open_params("1"), timeout=10) for _ in range(6)]
        assert {a.status_code for a in answers} <= {500, 502, 503, 504}
        assert all(r.status >= 500 for r in server.call_log)
    with SandboxServer(latency=(0, 0), fail_rate=0.5, seed=3, catalog=sandbox_catalog) as server:
        codes = [requests.get(server.url + "/api/item/detail/v1", params=open_params("1"),
                              timeout=10).status_code for _ in range(20)]
        assert 200 in codes and any(code >= 500 for code in codes)


def test_slow_fault_outlasts_a_read_timeout_and_stop_does_not_hang(sandbox_catalog) -> None:
    server = SandboxServer(latency=(0, 0), catalog=sandbox_catalog).start()
    try:
        server.inject("slow")
        image = query_jpeg(sandbox_catalog, sandbox_catalog.listings[0].item_id)
        with pytest.raises(requests.exceptions.ConnectionError):
            # requests reports a read timeout inside the body as a ConnectionError.
            answer = requests.post(server.url + "/api/search/item/image",
                                   json=vvic_body(image), timeout=(2, 0.2))
            assert answer.content is None
        server.inject("slow")
        streaming = requests.post(server.url + "/api/search/item/image",
                                  json=vvic_body(image), timeout=(2, 5), stream=True)
        assert streaming.status_code == 200  # headers came; the body drips (for minutes)
    finally:
        stopper = threading.Thread(target=server.stop)
        stopper.start()
        stopper.join(60)  # bounds a hang only: the drip it cuts short lasts minutes
        assert not stopper.is_alive()


def test_stop_interrupts_the_latency_wait(sandbox_catalog) -> None:
    server = SandboxServer(latency=(30, 30), catalog=sandbox_catalog).start()
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(requests.get(server.url + "/api/item/detail/v1",
                                        params=open_params("1"), timeout=40))
        except requests.RequestException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=call)
    worker.start()
    assert server.wait_for_requests(1, timeout=60)
    server.stop()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert outcome and isinstance(outcome[0], requests.RequestException)
    assert server.call_log == []  # the call was never answered


def test_unknown_paths_and_images(sandbox) -> None:
    assert requests.get(sandbox.url + "/api/nothing", timeout=10).status_code == 404
    assert requests.get(sandbox.url + "/img/000.jpg", timeout=10).status_code == 404
    assert sandbox.call_log == []


# -- 1688 AOP -------------------------------------------------------------------------------------

AOP_KEY, AOP_SECRET = DEMO_CREDENTIALS["1688"]


def aop_post(sandbox, api: str, fields: dict[str, str], *, key: str = AOP_KEY,
             secret: str = AOP_SECRET, now: float | None = None,
             token: str | None = DEMO_TOKENS["1688"], by_names: bool = False
             ) -> requests.Response:
    url_path = f"param2/1/com.alibaba.fenxiao.crossborder/{api}/{key}"
    form = {**fields, "_aop_timestamp": str(int((time.time() if now is None else now) * 1000))}
    if token is not None:
        form["access_token"] = token
    # The published rule sorts the key+value strings; `by_names` plays the old mistake.
    pieces = [k + form[k] for k in sorted(form)] if by_names else sorted(
        k + v for k, v in form.items())
    text = url_path + "".join(pieces)
    form["_aop_signature"] = hmac.new(secret.encode(), text.encode(),
                                      hashlib.sha1).hexdigest().upper()
    return requests.post(f"{sandbox.url}/openapi/{url_path}", data=form, timeout=10)


def test_1688_upload_then_image_query(sandbox, sandbox_catalog) -> None:
    listing = sandbox_catalog.listings[200]
    b64 = base64.b64encode(sandbox_catalog.listing_image(listing.item_id)).decode()
    upload = aop_post(sandbox, "product.image.upload",
                      {"uploadImageParam": json.dumps({"imageBase64": b64})}).json()["result"]
    assert upload["success"] is True and upload["result"]
    query = json.dumps({"imageId": upload["result"], "beginPage": 1, "pageSize": 10,
                        "priceStart": "1"})
    page = aop_post(sandbox, "product.search.imageQuery",
                    {"offerQueryParam": query}).json()["result"]["result"]
    offers = page["data"]
    assert len(offers) == 10 and page["totalRecords"] >= 10
    assert style_of(sandbox_catalog, offers[0]["offerId"]) == listing.style_id
    for name in ("offerId", "subject", "imageUrl", "priceInfo", "monthSold", "repurchaseRate",
                 "minOrderQuantity", "companyName"):
        assert name in offers[0]
    assert [r.endpoint.rsplit("/", 2)[-2] for r in sandbox.call_log] == [
        "product.image.upload", "product.search.imageQuery"]


def test_1688_gateway_errors(sandbox, sandbox_catalog) -> None:
    fields = {"offerQueryParam": json.dumps({"imageId": "nope"})}
    bad = aop_post(sandbox, "product.search.imageQuery", fields, secret="wrong")
    assert bad.status_code == 401 and bad.json()["error_code"] == "gw.SignatureInvalid"
    unknown = aop_post(sandbox, "product.search.imageQuery", fields, key="other-key")
    assert unknown.json()["error_code"] == "gw.AppKeyNotExist"
    skewed = aop_post(sandbox, "product.search.imageQuery", fields, now=time.time() - 3600)
    assert "Timestamp" in skewed.json()["error_code"]
    missing = aop_post(sandbox, "product.search.imageQuery", fields).json()["result"]
    assert missing["success"] is False and "image" in missing["message"]
    assert aop_post(sandbox, "product.nothing", fields).status_code == 404


def test_1688_gateway_signer_reproduces_the_published_vector() -> None:
    path = "param2/1/com.alibaba.fenxiao.crossborder/x/1688-demo-key"
    assert sandbox_aop.aop_signature(path, {"a": "z", "ab": "1"}, "s") == (
        "9E95E311239856EC1B7B863E8E68064ED4930670")


def test_1688_signature_sorts_key_value_strings(sandbox) -> None:
    # {"a": "z", "ab": "1"}: by names "azab1", by key+value strings "ab1az". The gateway
    # checks the second; a client sorting names is refused.
    fields = {"offerQueryParam": json.dumps({"imageId": "nope"}), "a": "z", "ab": "1"}
    right = aop_post(sandbox, "product.search.imageQuery", fields)
    assert right.status_code == 200  # signature and token accepted (a business error follows)
    wrong = aop_post(sandbox, "product.search.imageQuery", fields, by_names=True)
    assert wrong.status_code == 401 and wrong.json()["error_code"] == "gw.SignatureInvalid"


def test_1688_needs_the_access_token_on_every_call(sandbox, sandbox_catalog) -> None:
    b64 = base64.b64encode(sandbox_catalog.listing_image(sandbox_catalog.listings[0].item_id))
    upload = {"uploadImageParam": json.dumps({"imageBase64": b64.decode()})}
    query = {"offerQueryParam": json.dumps({"imageId": "x"})}
    for api, fields in (("product.image.upload", upload), ("product.search.imageQuery", query)):
        missing = aop_post(sandbox, api, fields, token=None)
        assert missing.status_code == 401
        assert missing.json()["error_message"] == "Request need user authorized"
        assert aop_post(sandbox, api, fields, token="someone-elses").status_code == 401
    sandbox.tokens["1688"].discard(DEMO_TOKENS["1688"])  # the authorisation expired
    assert aop_post(sandbox, "product.image.upload", upload).status_code == 401


def test_image_download_faults(sandbox, sandbox_catalog) -> None:
    item = sandbox_catalog.listings[0].item_id
    url = sandbox.image_url(item)
    whole = sandbox_catalog.listing_image(item)
    sandbox.inject("malformed", endpoint="img")
    truncated = requests.get(url, timeout=10)
    assert truncated.status_code == 200 and whole.startswith(truncated.content)
    assert len(truncated.content) < len(whole)
    with pytest.raises(OSError):
        Image.open(io.BytesIO(truncated.content)).load()
    sandbox.inject("html", endpoint="img")
    placeholder = requests.get(url, timeout=10)
    assert placeholder.headers["Content-Type"] == "image/jpeg"
    assert placeholder.content.lstrip().startswith(b"<!DOCTYPE html>")
    sandbox.inject("empty", endpoint="img")
    assert requests.get(url, timeout=10).content == b""
    sandbox.inject("503", endpoint="img")
    assert requests.get(url, timeout=10).status_code == 503
    assert requests.get(url, timeout=10).content == whole
    # Image faults never touch the API, and unscoped faults never touch images.
    assert sandbox.call_log == []
    sandbox.inject("500")
    assert requests.get(url, timeout=10).status_code == 200


def test_concurrent_calls_never_exceed_the_quota(sandbox_catalog) -> None:
    clock = FakeClock()
    with SandboxServer(latency=(0, 0), quota=10, catalog=sandbox_catalog, clock=clock) as server:
        params = open_params(sandbox_catalog.listings[0].item_id, now=clock.now)
        codes: list[int] = []
        lock = threading.Lock()

        def call() -> None:
            code = requests.get(server.url + "/api/item/detail/v1", params=params,
                                timeout=20).status_code
            with lock:
                codes.append(code)

        workers = [threading.Thread(target=call) for _ in range(24)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=30)
        assert sorted(codes) == [200] * 10 + [429] * 14
        assert len(server.call_log) == 24


def test_latency_is_applied(sandbox_catalog) -> None:
    with SandboxServer(latency=(0.3, 0.3), catalog=sandbox_catalog) as server:
        waits: list[bool] = []
        real_wait = server._wait_latency
        server._wait_latency = lambda: waits.append(True) or real_wait()  # type: ignore[method-assign]
        started = time.monotonic()
        requests.get(server.url + "/api/item/detail/v1", params=open_params("1"), timeout=10)
        assert time.monotonic() - started >= 0.3 and len(waits) == 1
        answer = requests.get(server.image_url(sandbox_catalog.listings[0].item_id), timeout=10)
        assert answer.status_code == 200
        assert len(waits) == 1  # pictures are not API calls: no latency


def test_a_bad_content_length_is_refused(sandbox) -> None:
    import socket

    host, port = sandbox.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(b"POST /router/rest HTTP/1.0\r\nContent-Length: lots\r\n\r\n")
        reply = conn.recv(200)
    assert reply.startswith(b"HTTP/1.0 400")


def test_non_ascii_signatures_are_refused_not_crashed(sandbox, sandbox_catalog) -> None:
    image = query_jpeg(sandbox_catalog, sandbox_catalog.listings[0].item_id)
    body = vvic_body(image)
    body["sign"] = "签名" * 16
    answer = requests.post(sandbox.url + "/api/search/item/image", json=body, timeout=10)
    assert answer.status_code == 401
    params = top_params(base64.b64encode(image).decode())
    params["sign"] = "签名"
    assert _top_error(sandbox, params)["code"] == 25
    ob = requests.get(sandbox.url + "/vvic/item_search_img/", timeout=10,
                      params={"key": OB_KEY, "secret": "密钥", "imgid": "x"}).json()
    assert ob["error_code"] == "4005"


def test_detail_pages_and_localhost_image_urls(sandbox, sandbox_catalog) -> None:
    listing = sandbox_catalog.listings[11]
    page = requests.get(f"{sandbox.url}/item/{listing.item_id}", timeout=10)
    assert page.status_code == 200 and listing.title in page.text
    assert f"/img/{listing.item_id}.jpg" in page.text
    localhost = sandbox.image_url(listing.item_id).replace("127.0.0.1", "localhost")
    answer = requests.get(sandbox.url + "/taobao/item_search_img/", timeout=10, params={
        "key": OB_KEY, "secret": OB_SECRET, "imgid": localhost})
    items = answer.json()["items"]["item"]
    assert style_of(sandbox_catalog, items[0]["num_iid"]) == listing.style_id
    other_port = sandbox.image_url(listing.item_id).replace(sandbox.url.rsplit(":", 1)[1], "1")
    refused = requests.get(sandbox.url + "/taobao/item_search_img/", timeout=10, params={
        "key": OB_KEY, "secret": OB_SECRET, "imgid": other_port}).json()
    assert refused["error_code"] == "4006"


def test_multipart_uploads(sandbox, sandbox_catalog) -> None:
    listing = sandbox_catalog.listings[150]
    photo = sandbox_catalog.listing_image(listing.item_id)
    # TOP: the image as a byte[] file part, outside the signature; text fields signed.
    params = top_params("")  # an empty value is not signed
    del params["image_data"]
    answer = requests.post(sandbox.url + "/router/rest", timeout=10,
                           files={"image_data": ("q.jpg", photo, "image/jpeg"),
                                  **{k: (None, v) for k, v in params.items()}})
    items = answer.json()["image_search_response"]["items"]["item"]
    assert style_of(sandbox_catalog, items[0]["num_iid"]) == listing.style_id
    # OneBound: imgcode as a file part, the secret as a field, the key in the URL.
    sandbox.onebound_upload_shape = "url"
    upload = requests.post(sandbox.url + "/taobao/upload_img/", timeout=10,
                           params={"key": OB_KEY},
                           files={"imgcode": ("q.jpg", photo, "image/jpeg"),
                                  "secret": (None, OB_SECRET)}).json()
    assert upload["error_code"] == "0000"
    assert requests.get(upload["items"]["item"]["name"], timeout=10).content == photo
