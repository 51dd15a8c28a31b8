"""1688 (Alibaba wholesale) image search over the AOP gateway.

Two calls, each after its own limiter permit: `product.image.upload` (base64 → imageId), then
`product.search.imageQuery` (imageId + price range / category / page). Both are form POSTs to
`{base}/openapi/param2/1/com.alibaba.fenxiao.crossborder/<api>/<app_key>`, signed with
`_aop_signature` over the URL path after `/openapi/` plus the sorted `key+value` strings
(signing.aop_sign), and both carry the member's OAuth `access_token` (Credentials.session):
without one no call is sent; a gateway that says the authorisation is missing or expired
("401 Request need user authorized") gets AccessTokenNeeded, whose message says how to renew.
Field names follow the published crossborder SDK models (offerId, subject, priceInfo.price,
monthSold, repurchaseRate); this adapter is not yet checked against a live 1688 account.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import requests

from vvic_desktop.core.errors import (
    AccessTokenNeeded,
    AuthError,
    BadRequest,
    BadResponse,
    ClockSkew,
    ImageRejected,
    PermissionDenied,
    QuotaExceeded,
    ServiceError,
    SignatureError,
    VvicError,
)
from vvic_desktop.core.market_info import MARKETS
from vvic_desktop.core.models import Filters, Offer, PreparedImage, Stall
from vvic_desktop.markets import normalise as nz
from vvic_desktop.markets.adapter import HttpAdapter, SearchCall, Timeouts
from vvic_desktop.markets.base import Credentials, MarketAnswer, more_pages
from vvic_desktop.markets.http import HttpResponse
from vvic_desktop.markets.signing import aop_sign

log = logging.getLogger(__name__)

PRODUCTION_URL = MARKETS["1688"].production_url
SANDBOX_URL = MARKETS["1688"].sandbox_url
NAMESPACE = "com.alibaba.fenxiao.crossborder"
UPLOAD_API = "product.image.upload"
QUERY_API = "product.search.imageQuery"
TOKEN_ENV_VAR = "ALI1688_ACCESS_TOKEN"  # the CLI's way to give the token (storage.secrets)

# Gateway error codes (gw.*) by the words they contain; first match wins.
_GATEWAY_WORDS: tuple[tuple[tuple[str, ...], type[VvicError]], ...] = (
    (("qps", "overrun", "limit", "flowcontrol"), QuotaExceeded),
    (("signature",), SignatureError),
    (("timestamp",), ClockSkew),
    (("accesstoken", "token", "session"), AccessTokenNeeded),
    (("appkey",), AuthError),
    (("permission", "notauthorized", "unauthorized", "forbidden", "apiunsupported"),
     PermissionDenied),
    (("param", "missing", "invalid"), BadRequest),
    (("system", "timeout", "unavailable", "isp", "error"), ServiceError),
)
_IMAGE_WORDS = ("image", "图片", "pic")


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


class Alibaba1688Market(HttpAdapter):
    name: ClassVar[str] = "1688"
    display: ClassVar[str] = "1688"

    def __init__(
        self,
        credentials: Credentials | None,
        base_url: str = PRODUCTION_URL,
        session: requests.Session | None = None,
        timeouts: Timeouts | None = None,
        *,
        country: str = "en",
    ) -> None:
        super().__init__(credentials, base_url, session, timeouts)
        self.country = country

    def api_path(self, api: str) -> str:
        """The signed part of the URL: everything after `/openapi/`."""
        return f"param2/1/{NAMESPACE}/{api}/{self.credentials.app_key}"

    def signed_form(self, api: str, params: Mapping[str, Any]) -> dict[str, str]:
        form = {key: str(value) for key, value in params.items()}
        form["_aop_timestamp"] = str(int(time.time() * 1000))
        form["access_token"] = self.credentials.session
        form["_aop_signature"] = aop_sign(self.api_path(api), form, self.credentials.app_secret)
        return form

    def token_needed(self, detail: str) -> AccessTokenNeeded:
        return AccessTokenNeeded(detail, market=self.market_label, env_var=TOKEN_ENV_VAR)

    def _post(self, call: SearchCall, api: str, params: Mapping[str, Any]) -> dict[str, Any]:
        url = f"{self.base_url}/openapi/{self.api_path(api)}"
        response = self.send(call, "POST", url, data=self.signed_form(api, params))
        return self._check(response, upload=api == UPLOAD_API)

    def _search(self, image: PreparedImage, filters: Filters, call: SearchCall) -> MarketAnswer:
        if not self.credentials.session:
            # Both APIs refuse a call without the member's token: say so without paying a call.
            raise self.token_needed("no access_token")
        # a later page reuses page 1's imageId (one call, not two) when it is known
        image_id = (call.page.token if call.page.number > 1 else "") or self._upload(call, image)
        query: dict[str, Any] = {
            "imageId": image_id,
            "beginPage": call.page.number,
            "pageSize": max(1, min(50, int(filters.max_results or 20))),
            "country": self.country,
        }
        if filters.price_min is not None:
            query["priceStart"] = str(filters.price_min)
        if filters.price_max is not None:
            query["priceEnd"] = str(filters.price_max)
        if filters.category and filters.category.isdigit():
            query["categoryId"] = int(filters.category)
        try:
            result = self._post(call, QUERY_API, {"offerQueryParam": json.dumps(query)})
        except (BadRequest, ImageRejected):
            if not call.page.token or image_id != call.page.token:
                raise
            # page 1's imageId has expired ("imageId 不存在"): upload once more, ask again
            image_id = query["imageId"] = self._upload(call, image)
            result = self._post(call, QUERY_API, {"offerQueryParam": json.dumps(query)})
        page = result.get("result")
        items = nz.dig(page, "data") if isinstance(page, Mapping) else page
        offers, raw_count, skipped = nz.normalise_items(items, self._offer)
        page_count = nz.parse_int(page.get("totalPage")) if isinstance(page, Mapping) else None
        total = nz.parse_int(page.get("totalRecords")) if isinstance(page, Mapping) else None
        return MarketAnswer(offers=offers, raw_count=raw_count, skipped=skipped,
                            api_calls=call.api_calls, page=call.page.number, token=image_id,
                            has_more=more_pages(call.page, raw_count, page_count=page_count,
                                                total=total))

    def _upload(self, call: SearchCall, image: PreparedImage) -> str:
        """product.image.upload: the photo's imageId."""
        upload = self._post(call, UPLOAD_API, {"uploadImageParam": json.dumps(
            {"imageBase64": base64.b64encode(image.jpeg).decode("ascii")})})
        image_id = nz.text(upload.get("result"), 200)
        if not image_id:
            raise BadResponse("upload answer without an imageId", market=self.market_label)
        return image_id

    def _check(self, response: HttpResponse, upload: bool) -> dict[str, Any]:
        """The business result object ({success, code, message, result}) or the error."""
        market = self.market_label
        data = nz.decode_json(response, market)
        gateway_code = nz.text(data.get("error_code") or data.get("errorCode"), 100)
        if gateway_code:
            message = nz.text(data.get("error_message") or data.get("errorMessage"), 200)
            raise self._gateway_error(gateway_code, message, response)
        error = nz.status_error(response, market)
        if error is not None:
            raise error
        result = data.get("result")
        if not isinstance(result, Mapping):
            raise BadResponse("no result object in the answer", market=market)
        if _truthy(result.get("success")):
            return dict(result)
        code = nz.text(result.get("code"), 100)
        message = nz.text(result.get("message"), 200)
        reason = f"{code} {message}".strip() or "success=false"
        if any(word in (code + message).lower() for word in _IMAGE_WORDS):
            raise ImageRejected(reason, market=market)
        if upload:
            raise ServiceError(reason, market=market)
        raise BadRequest(reason, market=market)

    def _gateway_error(self, code: str, message: str, response: HttpResponse) -> VvicError:
        market = self.market_label
        reason = f"{code} {message}".strip()
        lowered = code.lower()
        if code == "401" or "need user authorized" in message.lower():
            return self.token_needed(reason)  # the gateway's words for no or a stale token
        for words, kind in _GATEWAY_WORDS:
            if any(word in lowered for word in words):
                if kind is QuotaExceeded:
                    return QuotaExceeded(reason, market=market,
                                         retry_after=nz.retry_after(response.header("Retry-After")))
                if kind is ClockSkew:
                    return ClockSkew(reason, market=market, offset="?")
                if kind is AccessTokenNeeded:
                    return self.token_needed(reason)
                return kind(reason, market=market)
        return ServiceError(reason, market=market)

    def _offer(self, item: Mapping[str, Any]) -> Offer | None:
        price_info = item.get("priceInfo")
        price_source = price_info if isinstance(price_info, Mapping) else {}
        flat = dict(item)
        flat["price"] = price_source.get("price") or item.get("price")
        offer_id = nz.item_id_text(item.get("offerId"))
        flat["detail_url"] = f"https://detail.1688.com/offer/{offer_id}.html" if offer_id else ""
        offer = nz.make_offer(
            self.name, flat, id_keys=("offerId",), title_keys=("subject", "subjectTrans"),
            image_keys=("imageUrl",), sales_keys=("monthSold",),
            moq_keys=("minOrderQuantity", "quantityBegin"),
            stall=Stall(name=nz.text(item.get("companyName") or item.get("sellerName"))),
        )
        if offer is None:
            return None
        repurchase = nz.text(item.get("repurchaseRate"), 16)
        if repurchase:
            offer.extra["repurchase_rate"] = repurchase
        identities = [nz.text(v, 40) for v in nz.as_list(item.get("sellerIdentities"))]
        if any(identities):
            offer.extra["seller_identities"] = [v for v in identities if v]
        return offer
