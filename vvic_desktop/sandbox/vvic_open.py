"""VVIC's open platform (``api.vvic.com/api``, documented): ``GET item/detail/v1`` with
``app_id``, ``timestamp`` (ms) and ``sign = hex(HMAC-SHA256(secret, sorted key+value + secret
+ timestamp))``; answers ``{status, message, data: {item_list: [...]}}``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any

from vvic_desktop.sandbox.faults import success
from vvic_desktop.sandbox.wire import TIMESTAMP_SKEW, Refusal, Speaker, concat, json_answer, same

if TYPE_CHECKING:
    from vvic_desktop.sandbox.wire import Answer, Request

PATH = "/api/item/detail/v1"


class VvicOpen(Speaker):
    """The open platform's item detail call (stall enrichment)."""

    @staticmethod
    def app_key_of(req: Request) -> str:
        return req.query.get("app_id", "")

    def handle(self, req: Request, fault: str | None) -> Answer:
        params = dict(req.query)
        app_id = params.get("app_id", "")
        for name in ("app_id", "timestamp", "sign", "item_vid"):
            if not params.get(name):
                raise Refusal(json_answer(400, {"status": 400, "message": f"缺少参数 {name}"}))
        secret = self.server.secret("vvic-open", app_id)
        if secret is None:
            raise Refusal(json_answer(401, {"status": 401, "message": "app_id无效"}))
        message = concat(params, skip_empty=False) + secret + params["timestamp"]
        expected = hmac.new(secret.encode(), message.encode("utf-8"), hashlib.sha256).hexdigest()
        if not same(params["sign"].lower(), expected):
            raise Refusal(json_answer(401, {"status": 401, "message": "签名错误"}))
        try:
            ts_ms = int(params["timestamp"])
        except ValueError as exc:
            raise Refusal(json_answer(400, {"status": 400, "message": "timestamp无效"})) from exc
        if abs(ts_ms / 1000.0 - self.server.clock()) > TIMESTAMP_SKEW:
            raise Refusal(json_answer(401, {"status": 401, "message": "时间戳已过期"}))
        seconds = self.over_quota(app_id)
        if seconds is not None:
            raise Refusal(json_answer(429, {"status": 429, "message": "调用频率超限"},
                                      headers={"Retry-After": str(seconds)}))
        rows: list[dict[str, Any]] = []
        for vid in params["item_vid"].split(","):
            try:
                listing = self.server.catalog.listing(vid.strip())
            except KeyError:
                continue
            floor, _, stall_no = listing.position.partition("-")
            rows.append({
                "item_vid": listing.item_id,
                "item_title": listing.title,
                "price": listing.price,
                "shop_name": listing.stall_name,
                "shop_id": "s" + hashlib.md5(listing.stall_name.encode()).hexdigest()[:8],
                "market_code": self.server.catalog.market_code(listing.item_id),
                "market_name": listing.market_name,
                "supply_level": {"A": "金牌档口", "B": "实力档口", "C": "普通档口"}[
                    listing.credit_level],
                "art_no": listing.art_no,
                "floor": floor,
                "stall_no": stall_no,
                "stock": listing.stock,
                "batch_num": listing.min_order,
                "index_img_url": f"{req.base_url}/img/{listing.item_id}.jpg",
            })
        return success(fault, lambda items: {"status": 200, "message": "success",
                                             "data": {"item_list": items}}, rows)
