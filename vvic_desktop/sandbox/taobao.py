"""Taobao's TOP router (DESIGN §4): ``POST|GET /router/rest`` with
``method=taobao.image.search`` (the seed's contract; the router and its signatures are
documented, this method is not in a public document).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vvic_desktop.sandbox.faults import success
from vvic_desktop.sandbox.wire import (
    CHINA,
    PAGE_SIZE,
    TAOBAO_CATS,
    TIMESTAMP_SKEW,
    Refusal,
    Speaker,
    check_image,
    concat,
    json_answer,
    same,
)

if TYPE_CHECKING:
    from vvic_desktop.sandbox.wire import Answer, Request

PATH = "/router/rest"


class TopRouter(Speaker):
    """The TOP router serving ``taobao.image.search``."""

    @staticmethod
    def app_key_of(req: Request) -> str:
        return req.query.get("app_key") or req.form.get("app_key", "")

    def handle(self, req: Request, fault: str | None) -> Answer:
        params = {**req.query, **req.form}

        def error(code: int, msg: str, outcome: int, sub_code: str = "", sub_msg: str = "",
                  headers: dict[str, str] | None = None) -> Refusal:
            payload: dict[str, Any] = {"code": code, "msg": msg}
            if sub_code:
                payload["sub_code"] = sub_code
            if sub_msg:
                payload["sub_msg"] = sub_msg
            payload["request_id"] = hashlib.md5(repr(sorted(params)).encode()).hexdigest()[:13]
            return Refusal(json_answer(200, {"error_response": payload}, outcome=outcome,
                                       headers=headers))

        method = params.get("method", "")
        if not method:
            raise error(21, "Missing Method", 400)
        app_key = params.get("app_key", "")
        if not app_key:
            raise error(28, "Missing App Key", 401)
        secret = self.server.secret("taobao", app_key)
        if secret is None:
            raise error(29, "Invalid App Key", 401)
        sign_method = params.get("sign_method", "md5")
        if not params.get("sign"):
            raise error(24, "Missing Signature", 401)
        expected = top_sign(params, secret, sign_method)
        if expected is None:
            raise error(25, "Invalid Signature", 401, "isv.invalid-signature",
                        f"unsupported sign_method {sign_method}")
        if not same(params["sign"], expected):
            raise error(25, "Invalid Signature", 401)
        sent = parse_timestamp(params.get("timestamp", ""))
        if sent is None:
            raise error(31, "Invalid Timestamp", 401, "isv.invalid-timestamp",
                        "timestamp must be yyyy-MM-dd HH:mm:ss (GMT+8) or epoch milliseconds")
        if abs(sent - self.server.clock()) > TIMESTAMP_SKEW:
            raise error(31, "Invalid Timestamp", 401, "isv.invalid-timestamp",
                        "the timestamp differs from the server time by more than 10 minutes")
        if params.get("v", "2.0") != "2.0":
            raise error(34, "Unsupported Version", 400)
        if params.get("format", "xml") != "json":
            raise error(41, "Invalid Arguments", 400, "isv.invalid-parameter:format",
                        "the sandbox answers format=json only")
        if params.get("session") and not params["session"].startswith("demo"):
            raise error(27, "Invalid Session", 401, "invalid-sessionkey", "session无效")
        if method != "taobao.image.search":
            raise error(22, "Invalid Method", 404, "isv.method-not-exist",
                        f"{method} is not served by the sandbox")
        seconds = self.over_quota(app_key)
        if seconds is not None:
            raise error(7, "App Call Limited", 429, "accesscontrol.limited-by-app-access-count",
                        f"This ban will last for {seconds} more seconds",
                        headers={"Retry-After": str(seconds)})
        image_data = params.get("image_data", "")
        if "image_data" in req.files:
            # A file part (TOP's byte[] parameter): sent raw, outside the signature.
            data: bytes = req.files["image_data"]
        elif not image_data:
            raise error(40, "Missing Required Arguments", 400, "isv.missing-parameter",
                        "image_data")
        elif image_data.startswith("http://") or image_data.startswith("https://"):
            fetched = self.server.image_bytes_from_url(image_data)
            if fetched is None:
                raise error(41, "Invalid Arguments", 400, "isv.invalid-parameter:image_data",
                            "the image URL cannot be fetched")
            data = fetched
        else:
            try:
                data = base64.b64decode(image_data, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise error(41, "Invalid Arguments", 400, "isv.invalid-parameter:image_data",
                            "image_data is not base64") from exc
        image = check_image(data, min_side=1)
        if isinstance(image, str):
            raise error(41, "Invalid Arguments", 400, "isv.invalid-parameter:image_data", image)
        # seed 003: `page` 分页页码 (默认1): a whole number from 1; anything else is refused
        # like any invalid argument (41, isv.invalid-parameter). A page past the last is an
        # empty page that still reports the total.
        page_text = params.get("page") or "1"
        if not page_text.isdigit() or int(page_text) < 1:
            raise error(41, "Invalid Arguments", 400, "isv.invalid-parameter:page",
                        "page must be a whole number from 1")
        page = int(page_text)
        cat = params.get("cat", "")
        matches = [
            (listing, sim) for listing, sim in self.server.matches(image)
            if not cat or TAOBAO_CATS[self.server.catalog.style(listing.style_id).category] == cat
        ]
        total = len(matches)
        rows = [
            {
                "num_iid": int(listing.item_id),
                "title": listing.title,
                "pic_url": f"{req.base_url}/img/{listing.item_id}.jpg",
                "price": listing.price,
                "sales": listing.sales,
                "seller_nick": listing.stall_name,
                "detail_url": f"{req.base_url}/item/{listing.item_id}",
                "is_tmall": False,
            }
            for listing, _ in matches[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        ]
        return success(fault, lambda items: {"image_search_response": {
            "items": {"item": items}, "total_results": total}}, rows)


def top_sign(params: dict[str, str], secret: str, sign_method: str) -> str | None:
    text = concat(params, skip_empty=True).encode("utf-8")
    key = secret.encode("utf-8")
    if sign_method == "md5":
        return hashlib.md5(key + text + key).hexdigest().upper()
    if sign_method == "hmac":
        return hmac.new(key, text, hashlib.md5).hexdigest().upper()
    if sign_method == "hmac-sha256":
        return hmac.new(key, text, hashlib.sha256).hexdigest().upper()
    return None


def parse_timestamp(stamp: str) -> float | None:
    """Seconds since the epoch for the two forms the router takes: "yyyy-MM-dd HH:mm:ss" in
    China time (the documented form) and epoch milliseconds (what Taobao's own Python SDK
    sends, ``str(long(time.time() * 1000))``); None for anything else."""
    if stamp.isdigit() and 12 <= len(stamp) <= 14:
        return int(stamp) / 1000.0
    try:
        return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA).timestamp()
    except ValueError:
        return None
