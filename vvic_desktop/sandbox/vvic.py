"""VVIC image search, the seed's "V2.2" contract (DESIGN §4): ``POST /api/search/item/image``,
a JSON body signed with lower-case md5 of ``secret + sorted key+value + secret``.

No public VVIC document shows this endpoint; the sandbox speaks the seed's contract.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import TYPE_CHECKING, Any

from vvic_desktop.sandbox.catalog import Listing
from vvic_desktop.sandbox.faults import success
from vvic_desktop.sandbox.wire import (
    CREDIT_RANK,
    MIN_IMAGE_SIDE,
    TIMESTAMP_SKEW,
    Refusal,
    Speaker,
    check_image,
    concat,
    json_answer,
    passes,
    same,
)

if TYPE_CHECKING:
    from vvic_desktop.sandbox.wire import Answer, Request

PATH = "/api/search/item/image"


class RawNumber(str):
    """A JSON number kept as the text the client wrote (the V2.2 signature signs that)."""


class VvicSearch(Speaker):
    """The V2.2 image search."""

    @staticmethod
    def app_key_of(req: Request) -> str:
        try:
            body = json.loads(req.raw_body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return ""
        key = body.get("app_key") if isinstance(body, dict) else None
        return key if isinstance(key, str) else ""

    def handle(self, req: Request, fault: str | None) -> Answer:
        def bad(detail: str) -> Refusal:
            return Refusal(json_answer(400, {"code": 400, "msg": "参数无效", "detail": detail}))

        if req.method != "POST":
            raise Refusal(json_answer(405, {"code": 405, "msg": "请使用POST"}, outcome=400))
        try:
            body = json.loads(req.raw_body.decode("utf-8"), parse_int=RawNumber,
                              parse_float=RawNumber)
        except (UnicodeDecodeError, ValueError) as exc:
            raise bad("body is not JSON") from exc
        if not isinstance(body, dict):
            raise bad("body is not a JSON object")
        app_key = body.get("app_key")
        secret = self.server.secret("vvic", app_key) if isinstance(app_key, str) else None
        if secret is None:
            raise Refusal(json_answer(401, {"code": 401, "msg": "app_key无效"}))
        image_value = body.get("image_base64")
        if not isinstance(image_value, str) or not image_value:
            raise bad("image_base64 missing")
        raw_b64 = raw_image(image_value)
        signed = {k: (raw_b64 if k == "image_base64" else v) for k, v in body.items()}
        expected = hashlib.md5(
            (secret + concat(signed, skip_empty=False) + secret).encode("utf-8")
        ).hexdigest()
        if not same(str(body.get("sign", "")), expected):
            raise Refusal(json_answer(401, {"code": 401, "msg": "签名错误"}))
        timestamp = body.get("timestamp")
        try:
            ts_ms = int(str(timestamp))
        except ValueError as exc:
            raise bad("timestamp must be milliseconds") from exc
        if abs(ts_ms / 1000.0 - self.server.clock()) > TIMESTAMP_SKEW:
            raise Refusal(json_answer(401, {"code": 401, "msg": "时间戳已过期"}))
        if body.get("version") != "2.2":
            raise bad("version must be 2.2")
        max_results = body.get("max_results", RawNumber("20"))
        if not isinstance(max_results, RawNumber) or not str(max_results).isdigit() or not (
            1 <= int(max_results) <= 50
        ):
            raise bad("max_results must be an integer 1-50")
        filters = filters_of(body)
        if filters is None:
            raise bad("bad filter value")
        seconds = self.over_quota(str(app_key))
        if seconds is not None:
            raise Refusal(json_answer(429, {"code": 429, "msg": "请求过于频繁,请稍后再试"},
                                      headers={"Retry-After": str(seconds)}))
        try:
            data = base64.b64decode(raw_b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise bad("image_base64 is not base64") from exc
        image = check_image(data, min_side=MIN_IMAGE_SIDE)
        if isinstance(image, str):
            raise bad(image)

        items: list[dict[str, Any]] = []
        for listing, similarity in self.server.matches(image):
            if not passes(listing, filters):
                continue
            items.append(self._item(listing, similarity, req.base_url))
            if len(items) >= int(max_results):
                break
        return success(fault, lambda rows: {"code": 200, "msg": "success",
                                            "data": {"items": rows}}, items)

    def _item(self, listing: Listing, similarity: float, base: str) -> dict[str, Any]:
        return {
            "item_id": listing.item_id,
            "title": listing.title,
            "price": listing.price,
            "stock": listing.stock,
            "credit_level": listing.credit_level,
            "sales": listing.sales,
            "image_url": f"{base}/img/{listing.item_id}.jpg",
            "similarity": similarity,
            "shop_name": listing.stall_name,
            "market": listing.market_name,
            "position": listing.position,
            "batch_num": listing.min_order,
            "art_no": listing.art_no,
            "detail_url": f"{base}/item/{listing.item_id}",
        }


def raw_image(value: str) -> str:
    if value.startswith("data:") and "," in value:
        value = value.split(",", 1)[1]
    return value.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")

def filters_of(body: dict[str, Any]) -> dict[str, Any] | None:
    filters: dict[str, Any] = {}
    try:
        for name in ("price_min", "price_max"):
            if body.get(name) not in (None, ""):
                filters[name] = float(str(body[name]))
        for name in ("batch_num", "stock"):
            if body.get(name) not in (None, ""):
                filters[name] = int(str(body[name]))
    except ValueError:
        return None
    level = body.get("credit_level")
    if level not in (None, ""):
        if str(level).upper() not in CREDIT_RANK:
            return None
        filters["credit_level"] = str(level).upper()
    return filters
