"""OneBound's gateway (documented: open.onebound.cn): ``GET /vvic/item_search_img/``,
``GET /taobao/item_search_img/`` and ``POST|GET /taobao/upload_img/``; envelope
``{items, error, reason, error_code ("0000" ok), api_info ("today:N max:M")}``.

As strict as the documents: ``key`` only in the URL query (a key in a form body is a 4005),
``secret`` in the query or the body, ``lang`` one of cn/en/ru, ``imgid`` an image address.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vvic_desktop.sandbox.faults import CONTENT_FAULTS, content_fault
from vvic_desktop.sandbox.wire import (
    CHINA,
    PAGE_SIZE,
    Refusal,
    Speaker,
    check_image,
    json_answer,
    same,
)

if TYPE_CHECKING:
    from vvic_desktop.sandbox.server import SandboxServer
    from vvic_desktop.sandbox.wire import Answer, Request

PATHS = ("/vvic/item_search_img/", "/taobao/item_search_img/", "/taobao/upload_img/")
UPLOAD_PATH = "/taobao/upload_img/"
LANGS = ("cn", "en", "ru")  # the documented `lang` values (default cn)
# The two shapes of an upload answer seen in the documents: the picture's URL in `name`, or
# a bare image id in `name` with the URL (scheme-relative) in `url`.
UPLOAD_SHAPES = ("mixed", "url", "id")
MARKET_AREAS = {"广州十三行": "广东 广州", "广州沙河": "广东 广州", "广州白马": "广东 广州",
                "杭州四季青": "浙江 杭州", "濮院": "浙江 嘉兴", "深圳南油": "广东 深圳"}


class OneBound(Speaker):
    """The gateway: image upload and the two image searches, with a daily call count."""

    def __init__(self, server: SandboxServer) -> None:
        super().__init__(server)
        self._lock = threading.Lock()
        self._daily: dict[tuple[str, str], int] = {}

    @staticmethod
    def app_key_of(req: Request) -> str:
        return req.param("key") or ""

    def handle(self, req: Request, fault: str | None) -> Answer:
        if req.path == UPLOAD_PATH:
            return self._upload(req, fault)
        return self._search(req, fault)

    def _auth(self, req: Request) -> str:
        # The documents: "key: 调用key(必须以GET方式拼接在URL中)", on every API, upload_img
        # included; the secret may come in the query or the form body.
        if not req.query.get("key"):
            raise Refusal(envelope_answer(401, error="缺少key(须在URL中)",
                                          reason="key必须以GET方式拼接在URL中",
                                          error_code="4005"))
        key = req.query["key"]
        secret = req.param("secret") or ""
        lang = req.param("lang")
        if lang is not None and lang not in LANGS:
            raise Refusal(envelope_answer(400, error="参数错误", error_code="4006",
                                          reason=f"lang参数无效,可选值: {','.join(LANGS)}"))
        known = self.server.secret("onebound", key)
        if known is None or not same(secret, known):
            raise Refusal(envelope_answer(401, error="授权验证失败", reason="key或secret错误",
                                          error_code="4005"))
        seconds = self.over_quota(key)
        if seconds is not None:
            raise Refusal(envelope_answer(429, error="请求过于频繁", error_code="4011",
                                          reason=f"请求过于频繁,请{seconds}秒后再试",
                                          headers={"Retry-After": str(seconds)}))
        day = datetime.fromtimestamp(self.server.clock(), CHINA).strftime("%Y-%m-%d")
        with self._lock:
            used = self._daily.get((key, day), 0)
            if used >= self.server.onebound_daily_max:
                over = True
            else:
                over = False
                self._daily[(key, day)] = used + 1
        if over:
            raise Refusal(envelope_answer(429, error="今日调用次数已用完", error_code="4013",
                                          reason="今日调用次数已超出上限,请明日再试或升级套餐",
                                          api_info=self._api_info(key)))
        return key

    def _api_info(self, key: str) -> str:
        day = datetime.fromtimestamp(self.server.clock(), CHINA).strftime("%Y-%m-%d")
        with self._lock:
            used = self._daily.get((key, day), 0)
        return f"today:{used} max:{self.server.onebound_daily_max}"

    def _upload(self, req: Request, fault: str | None) -> Answer:
        key = self._auth(req)
        code = (req.param("imgcode") or "").strip()
        data: bytes | None
        if "imgcode" in req.files:
            data = req.files["imgcode"]
        elif not code:
            raise Refusal(envelope_answer(400, error="参数错误", reason="imgcode不能为空",
                                          error_code="4006", api_info=self._api_info(key)))
        elif code.startswith("http://") or code.startswith("https://"):
            data = self.server.image_bytes_from_url(code)
        else:
            if code.startswith("data:") and "," in code:
                code = code.split(",", 1)[1]
            try:
                # Forms may turn `+` into spaces when the client forgot to escape it.
                data = base64.b64decode(code.replace(" ", "+"), validate=True)
            except (binascii.Error, ValueError):
                data = None
        image = check_image(data, min_side=1) if data is not None else "图片无法读取"
        if data is None or isinstance(image, str):
            raise Refusal(envelope_answer(400, error="图片上传失败", reason=f"imgcode无效: {image}",
                                          error_code="4006", api_info=self._api_info(key)))
        upload_id = hashlib.sha1(data).hexdigest()[:20]
        self.server.remember_upload(upload_id, data)
        url = f"{req.base_url}/img/upload/{upload_id}.jpg"
        shape = self.server.onebound_upload_shape
        if shape == "mixed":
            shape = "url" if int(upload_id[0], 16) % 2 else "id"
        item: dict[str, Any] = {"name": url, "status": 1}
        if shape == "id":
            item = {"name": upload_id, "url": url.split(":", 1)[1], "status": 1,
                    "extraInfo": f"width:{image.width}height:{image.height}size={len(data)}"}
        if fault in CONTENT_FAULTS:
            return content_fault(fault, {"items": {"item": item}, "error": "",
                                         "reason": "", "error_code": "0000",
                                         "api_info": self._api_info(key)}, empty_key=None)
        return envelope_answer(200, items={"item": item}, api_info=self._api_info(key))

    def _search(self, req: Request, fault: str | None) -> Answer:
        key = self._auth(req)
        imgid = (req.param("imgid") or "").strip()
        data = self.server.image_bytes_from_url(imgid) if imgid else None
        if data is None:
            raise Refusal(envelope_answer(400, error="参数错误", error_code="4006",
                                          reason="imgid无效,请先调用upload_img上传图片",
                                          api_info=self._api_info(key)))
        image = check_image(data, min_side=1)
        if isinstance(image, str):
            raise Refusal(envelope_answer(400, error="图片无法识别", reason=image,
                                          error_code="4006", api_info=self._api_info(key)))
        # item_search_img: `page` 页数, a whole number from 1 (4006 参数错误 otherwise); a page
        # past the last answers 2000, the gateway's "search result is empty".
        page_text = (req.param("page") or "1").strip()
        if not page_text.isdigit() or int(page_text) < 1:
            raise Refusal(envelope_answer(400, error="参数错误", error_code="4006",
                                          reason="page must be a whole number from 1",
                                          api_info=self._api_info(key)))
        page = int(page_text)
        vvic = req.path.startswith("/vvic/")
        matches = self.server.matches(image)
        page_count = max(1, math.ceil(len(matches) / PAGE_SIZE))
        if page > page_count:
            return envelope_answer(200, error="搜索结果为空", error_code="2000",
                                   reason="search result is empty",
                                   api_info=self._api_info(key))
        rows = []
        for listing, _ in matches[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]:
            price = listing.price.split("-")[0]
            promotion = f"{float(price) * 0.95:.2f}" if listing.sales > 100 else price
            rows.append({
                "num_iid": listing.item_id,
                "title": listing.title,
                "pic_url": f"{req.base_url}/img/{listing.item_id}.jpg",
                "price": listing.price,
                "promotion_price": promotion,
                "sales": listing.sales,
                "seller_nick": listing.stall_name,
                "area": listing.market_name if vvic else MARKET_AREAS.get(
                    listing.market_name, ""),
                "position": listing.position if vvic else "",
                "hid": listing.art_no if vvic else "",
                "detail_url": f"{req.base_url}/item/{listing.item_id}",
            })
        envelope = {
            "items": {"page": str(page), "real_total_results": str(len(matches)),
                      "total_results": str(len(matches)), "page_size": str(PAGE_SIZE),
                      "page_count": str(page_count), "item": rows},
            "error": "", "reason": "", "error_code": "0000", "api_info": self._api_info(key),
        }
        if fault in CONTENT_FAULTS:
            return content_fault(fault, envelope, empty_key="items.item")
        return json_answer(200, envelope)


def envelope_answer(outcome: int, *, error: str = "", reason: str = "",
                    error_code: str = "0000", items: Any = None, api_info: str = "",
                    headers: dict[str, str] | None = None) -> Answer:
    payload: dict[str, Any] = {}
    if items is not None:
        payload["items"] = items
    payload.update(error=error, reason=reason, error_code=error_code)
    if api_info:
        payload["api_info"] = api_info
    return json_answer(200, payload, outcome=outcome, headers=headers)
