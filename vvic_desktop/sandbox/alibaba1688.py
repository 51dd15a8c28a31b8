"""1688's AOP gateway (documented): ``POST /openapi/param2/1/<namespace>/<api>/<app_key>``
for ``product.image.upload`` and ``product.search.imageQuery``, signed with
``_aop_signature`` = upper hex HMAC-SHA1(secret, url path + the sorted ``key+value`` strings),
both carrying the member's OAuth ``access_token``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from typing import TYPE_CHECKING, Any

from vvic_desktop.sandbox.catalog import Listing
from vvic_desktop.sandbox.faults import success
from vvic_desktop.sandbox.wire import (
    TAOBAO_CATS,
    TIMESTAMP_SKEW,
    Refusal,
    Speaker,
    check_image,
    json_answer,
    passes,
    same,
)

if TYPE_CHECKING:
    from vvic_desktop.sandbox.wire import Answer, Request

# 1688's AOP gateway: /openapi/param2/1/<namespace>/<api>/<app_key>
AOP_PREFIX = "/openapi/"
AOP_NAMESPACE = "com.alibaba.fenxiao.crossborder"
AOP_APIS = ("product.image.upload", "product.search.imageQuery")


class AopGateway(Speaker):
    """The two AOP calls of 1688's image search."""

    @staticmethod
    def app_key_of(req: Request) -> str:
        return req.path.rstrip("/").rsplit("/", 1)[-1]

    def handle(self, req: Request, fault: str | None) -> Answer:
        def gateway(status: int, code: str, message: str, outcome: int | None = None,
                    headers: dict[str, str] | None = None) -> Refusal:
            return Refusal(json_answer(status, {
                "error_code": code, "error_message": message, "exception": message,
                "request_id": hashlib.md5(req.path.encode()).hexdigest()[:16],
            }, outcome=outcome, headers=headers))

        def business(code: str, message: str, outcome: int = 400) -> Refusal:
            return Refusal(json_answer(200, {"result": {"success": False, "code": code,
                                                        "message": message}}, outcome=outcome))

        url_path = req.path[len(AOP_PREFIX):]
        parts = url_path.split("/")
        if req.method != "POST":
            raise gateway(400, "gw.HttpMethodNotAllowed", "use POST", outcome=400)
        if len(parts) != 5 or parts[:3] != ["param2", "1", AOP_NAMESPACE] or \
                parts[3] not in AOP_APIS:
            raise gateway(404, "gw.ApiNotExist", f"api {url_path} does not exist")
        api, app_key = parts[3], parts[4]
        secret = self.server.secret("1688", app_key)
        if secret is None:
            raise gateway(401, "gw.AppKeyNotExist", "AppKey does not exist")
        params = {**req.query, **req.form}
        given = params.pop("_aop_signature", "")
        if not given or not same(given, aop_signature(url_path, params, secret)):
            raise gateway(401, "gw.SignatureInvalid", "Request signature is invalid")
        # Both image-search APIs act for a 1688 member: the OAuth access_token is required.
        # The gateway answers a missing, expired or unknown token alike.
        if not self.server.token_valid("1688", params.get("access_token", "")):
            raise gateway(401, "401", "Request need user authorized")
        if "_aop_timestamp" in params:
            try:
                sent = int(params["_aop_timestamp"]) / 1000.0
            except ValueError:
                sent = 0.0
            if abs(sent - self.server.clock()) > TIMESTAMP_SKEW:
                raise gateway(401, "gw.TimestampInvalid", "_aop_timestamp is out of range")
        seconds = self.over_quota(app_key)
        if seconds is not None:
            raise gateway(429, "gw.QosAppFrequencyLimit",
                          f"App call frequency limit, retry in {seconds} s",
                          headers={"Retry-After": str(seconds)})

        if api == "product.image.upload":
            try:
                upload = json.loads(params.get("uploadImageParam", ""))
                data = base64.b64decode(str(upload["imageBase64"]), validate=True)
            except (ValueError, KeyError, TypeError, binascii.Error) as exc:
                raise business("400", "uploadImageParam.imageBase64 无效 (image invalid)") \
                    from exc
            image = check_image(data, min_side=1)
            if isinstance(image, str):
                raise business("400", f"图片无效 image: {image}")
            image_id = hashlib.sha1(data).hexdigest()[:20]
            self.server.remember_upload(image_id, data)
            return json_answer(200, {"result": {"success": True, "code": "200", "message": "",
                                                "result": image_id}})

        try:
            query = json.loads(params.get("offerQueryParam", ""))
            image_id = str(query["imageId"])
            page = int(query.get("beginPage", 1))
            size = int(query.get("pageSize", 20))
            low = float(query["priceStart"]) if query.get("priceStart") not in (None, "") \
                else None
            high = float(query["priceEnd"]) if query.get("priceEnd") not in (None, "") else None
            category = str(query.get("categoryId") or "")
        except (ValueError, KeyError, TypeError) as exc:
            raise business("400", "offerQueryParam 无效") from exc
        if not 1 <= size <= 50:
            raise business("400", "pageSize must be 1-50")
        if page < 1:  # beginPage counts from 1; a page past totalPage is empty
            raise business("400", "beginPage must be 1 or more")
        uploaded = self.server.uploaded(image_id)
        if uploaded is None:
            raise business("400", "imageId 不存在 (image not found), upload it first")
        image = check_image(uploaded, min_side=1)
        assert not isinstance(image, str)  # checked at upload
        filters: dict[str, Any] = {}
        if low is not None:
            filters["price_min"] = low
        if high is not None:
            filters["price_max"] = high
        matches = [
            (listing, sim) for listing, sim in self.server.matches(image)
            if passes(listing, filters) and (not category or TAOBAO_CATS[
                self.server.catalog.style(listing.style_id).category] == category)
        ]
        rows = [self._offer(listing, req.base_url)
                for listing, _ in matches[(page - 1) * size: page * size]]
        total = len(matches)
        return success(fault, lambda items: {"result": {
            "success": True, "code": "200", "message": "",
            "result": {"totalRecords": total, "totalPage": max(1, math.ceil(total / size)),
                       "pageSize": size, "currentPage": page, "data": items}}}, rows)

    def _offer(self, listing: Listing, base: str) -> dict[str, Any]:
        low = listing.price.split("-")[0]
        digest = int(hashlib.md5(listing.item_id.encode()).hexdigest()[:6], 16)
        identities = {"A": ["powerful_merchants", "super_factory"], "B": ["powerful_merchants"],
                      "C": []}[listing.credit_level]
        return {
            "offerId": int(listing.item_id),
            "subject": listing.title,
            "subjectTrans": "",
            "imageUrl": f"{base}/img/{listing.item_id}.jpg",
            "priceInfo": {"price": low, "consignPrice": f"{float(low) * 1.1:.2f}"},
            "monthSold": listing.sales,
            "repurchaseRate": f"{digest % 40 + 5}%",
            "minOrderQuantity": listing.min_order,
            "companyName": f"{listing.market_name}{listing.stall_name}",
            "sellerIdentities": identities,
        }


def aop_signature(url_path: str, params: dict[str, str], secret: str) -> str:
    """What the gateway expects in `_aop_signature`: upper hex HMAC-SHA1(secret, url path +
    the `key + value` strings sorted as strings; the published rule sorts those, not the
    names). `params` holds everything sent but the signature itself."""
    message = url_path + "".join(sorted(k + v for k, v in params.items()))
    return hmac.new(secret.encode(), message.encode("utf-8"), hashlib.sha1).hexdigest().upper()
