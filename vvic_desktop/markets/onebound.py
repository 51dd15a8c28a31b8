"""OneBound gateway: the documented route to VVIC and Taobao image search.

Two API calls per search, each after its own limiter permit: upload the prepared JPEG
(`POST {base}/taobao/upload_img/?key=&lang=`, `secret` and `imgcode` = base64 in the form
body), then `GET {base}/{vvic|taobao}/item_search_img/?key=&secret=&imgid=&lang=`.

The documents (open.onebound.cn/help/api/*.item_search_img.html, taobao.upload_img): `key`
"必须以GET方式拼接在URL中" on every call, the upload included; `secret` in the query or the
body; `lang` one of cn, en, ru (default cn). The upload answers either the picture's address
in `items.item.name`, or a bare image id in `name` beside the address in `url`
(scheme-relative, "//g-search3.alicdn.com/..."); `imgid` is always the address. The search
GET carries the secret in its URL, so every text built from a URL here goes through
`redact()` (http.py does it for the transport errors) and the secret is registered for
literal removal too.
"""

from __future__ import annotations

import base64
import datetime as _dt
import logging
import re
from collections.abc import Mapping
from typing import Any, ClassVar

import requests

from vvic_desktop.core.errors import (
    AuthError,
    BadRequest,
    BadResponse,
    ConfigError,
    ImageRejected,
    PermissionDenied,
    QuotaExceeded,
    QuotaExhausted,
    Retry,
    ServiceError,
    VvicError,
)
from vvic_desktop.core.market_info import MARKETS
from vvic_desktop.core.models import Filters, Offer, PreparedImage, Stall
from vvic_desktop.markets import normalise as nz
from vvic_desktop.markets.adapter import HttpAdapter, SearchCall, Timeouts
from vvic_desktop.markets.base import Credentials, MarketAnswer, more_pages
from vvic_desktop.markets.http import HttpResponse

log = logging.getLogger(__name__)

PRODUCTION_URL = MARKETS["onebound-vvic"].production_url
UPLOAD_PATH = "/taobao/upload_img/"
CHINA = _dt.timezone(_dt.timedelta(hours=8))

LANGS = ("cn", "en", "ru")  # the documented `lang` values


def lang_for(setting: str, ui_language: str) -> str:
    """The `lang` to send: the setting when it is one of LANGS, else the UI language's
    (cn for Chinese, en for anything else)."""
    if setting in LANGS:
        return setting
    return "cn" if ui_language.lower().startswith("zh") else "en"


_API_INFO_RE = re.compile(r"today\s*:\s*(\d+).*?max\s*:\s*(\d+)", re.IGNORECASE | re.DOTALL)

# OneBound's documented error codes (open.onebound.cn/help/api error list); the reason text
# decides where a code is not listed, because the gateway reuses codes across its APIs.
_CODE_ERRORS: dict[str, type[VvicError]] = {
    "4002": AuthError,  # key/secret invalid
    "4003": AuthError,  # key not authorised / expired
    "4004": PermissionDenied,  # api not enabled for this key
    "4005": AuthError,  # authorisation failed
    "4006": BadRequest,  # parameter error
    "4011": QuotaExceeded,  # too many requests
    "4013": QuotaExhausted,  # daily quota used up: waiting minutes will not help
    "4016": QuotaExhausted,  # balance / plan exhausted
    "5000": ServiceError,  # server error
}
_EMPTY_CODES = ("2000",)  # "search result is empty": a success with no items
_QUOTA_WORDS = ("quota", "limit", "次数", "超出", "超过", "频繁", "余额", "额度")
_AUTH_WORDS = ("key", "secret", "密钥", "授权", "验证失败", "认证")
_IMAGE_WORDS = ("图片", "image", "imgid", "imgcode", "pic")


def next_china_midnight(now: _dt.datetime | None = None) -> _dt.datetime:
    """When OneBound's daily count starts again (its day is China time), in local time."""
    china = (now or _dt.datetime.now(_dt.UTC)).astimezone(CHINA)
    midnight = (china + _dt.timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                       microsecond=0)
    return midnight.astimezone()


def uploaded_image_address(item: Any) -> str:
    """The `imgid` an upload answer gives: `name` when it is the picture's address, else its
    `url` (a scheme-relative "//host/..." gets http:, as in the documents' own examples),
    else a bare `name` as it is; "" when there is neither."""
    if not isinstance(item, Mapping):
        return ""
    name = nz.text(item.get("name"), 2000)
    url = nz.text(item.get("url"), 2000)
    if name.startswith(("http://", "https://")):
        return name
    for address in (url, name):
        if address.startswith("//"):
            return "http:" + address
        if address.startswith(("http://", "https://")):
            return address
    return name


def quota_left(api_info: Any) -> int | None:
    """"today:58 max:10100" → 10042 calls left today; None when absent or unreadable."""
    match = _API_INFO_RE.search(nz.text(api_info))
    if match is None:
        return None
    return max(0, int(match.group(2)) - int(match.group(1)))


class OneBoundMarket(HttpAdapter):
    name: ClassVar[str] = "onebound"
    display: ClassVar[str] = "OneBound"
    platform: ClassVar[str] = ""  # "vvic" or "taobao": the gateway path

    def __init__(
        self,
        credentials: Credentials | None,
        base_url: str = PRODUCTION_URL,
        session: requests.Session | None = None,
        timeouts: Timeouts | None = None,
        *,
        lang: str = "cn",
    ) -> None:
        super().__init__(credentials, base_url, session, timeouts)
        if lang not in LANGS:
            raise ConfigError(f"OneBound lang must be one of {', '.join(LANGS)}, got {lang!r}")
        self.lang = lang
        self._uploaded: dict[str, str] = {}  # picture sha256 → OneBound imgid

    def _search(self, image: PreparedImage, filters: Filters, call: SearchCall) -> MarketAnswer:
        # A repeat of the same search (a retry) reuses the uploaded picture's id: the upload
        # costs a call of its own and the picture has not changed.
        # a later page reuses page 1's imgid (one call, not two) when it is known
        token = call.page.token if call.page.number > 1 else ""
        imgid = token or self._uploaded.get(image.sha256) or self._upload(call, image)[0]
        if len(self._uploaded) >= 16:
            self._uploaded.clear()
        self._uploaded[image.sha256] = imgid
        params: dict[str, Any] = {
            "key": self.credentials.app_key,
            "secret": self.credentials.app_secret,
            "imgid": imgid,
            "lang": self.lang,
        }
        # No `page_size`: item_search_img documents key, secret, imgid, lang, cat and page
        # only (DESIGN §6); the number of results shown is cut here, after the answer.
        if call.page.number > 1:  # item_search_img: `page`, 页数
            params["page"] = call.page.number
        url = f"{self.base_url}/{self.platform}/item_search_img/"
        try:
            try:
                data = self._check(self.send(call, "GET", url, params=params))
            except BadRequest:
                if not token:
                    raise
                # page 1's imgid is no longer known to the gateway (4006 "imgid无效"): the
                # photo is uploaded once more and the page asked again with the new id
                imgid = params["imgid"] = self._upload(call, image)[0]
                self._uploaded[image.sha256] = imgid
                data = self._check(self.send(call, "GET", url, params=params))
        except VvicError as error:
            if error.retry is Retry.NEVER:  # the id may be the problem: a new search uploads
                self._uploaded.pop(image.sha256, None)
            raise
        self._uploaded.pop(image.sha256, None)  # kept for repeats only, not across searches
        items = nz.dig(data, "items", "item")
        offers, raw_count, skipped = nz.normalise_items(items, self._offer)
        # The envelope's `items` says page, page_count and real_total_results (or
        # total_results); "2000" (a page past the last) is an empty page: no more.
        items_part = data.get("items")
        envelope: Mapping[str, Any] = items_part if isinstance(items_part, Mapping) else {}
        total = nz.parse_int(envelope.get("real_total_results"))
        if total is None:
            total = nz.parse_int(envelope.get("total_results"))
        has_more = more_pages(call.page, raw_count, total=total,
                              page_count=nz.parse_int(envelope.get("page_count")))
        return MarketAnswer(
            offers=offers, raw_count=raw_count, skipped=skipped, api_calls=call.api_calls,
            quota_left=quota_left(data.get("api_info")), page=call.page.number,
            has_more=has_more, token=imgid,
        )

    def _upload(self, call: SearchCall, image: PreparedImage) -> tuple[str, dict[str, Any]]:
        # The key in the URL (the documents insist), the secret and the picture in the body.
        query = {"key": self.credentials.app_key, "lang": self.lang}
        form = {
            "secret": self.credentials.app_secret,
            "imgcode": base64.b64encode(image.jpeg).decode("ascii"),
        }
        response = self.send(call, "POST", self.base_url + UPLOAD_PATH, params=query, data=form)
        data = self._check(response, upload=True)
        imgid = uploaded_image_address(nz.dig(data, "items", "item"))
        if not imgid:
            raise BadResponse("upload answer without items.item.name or url",
                              market=self.market_label)
        return imgid, data

    def _check(self, response: HttpResponse, upload: bool = False) -> dict[str, Any]:
        market = self.market_label
        data = nz.decode_json(response, market)
        code = nz.text(data.get("error_code"))
        if response.status == 200 and code in ("0000", "0"):
            return data
        if code in _EMPTY_CODES and not upload:
            data["items"] = {"item": []}
            return data
        reason_text = nz.text(data.get("reason") or data.get("error"), 200)
        reason = f"{code or response.status} {reason_text}".strip()
        if response.status == 429:
            raise QuotaExceeded(reason, market=market,
                                retry_after=nz.retry_after(response.header("Retry-After")))
        kind = _CODE_ERRORS.get(code)
        lowered = reason_text.lower()
        if upload and kind in (None, BadRequest) and any(w in lowered for w in _IMAGE_WORDS):
            kind = ImageRejected  # the upload refused the photo itself
        if kind is None:
            if any(word in lowered for word in _QUOTA_WORDS):
                kind = QuotaExceeded
            elif any(word in lowered for word in _AUTH_WORDS):
                kind = AuthError
        if kind is QuotaExceeded:
            raise QuotaExceeded(reason, market=market,
                                retry_after=nz.retry_after(response.header("Retry-After")))
        if kind is QuotaExhausted:
            raise QuotaExhausted(reason, market=market, resumes_at=next_china_midnight())
        if kind is not None:
            raise kind(reason, market=market)
        error = nz.status_error(response, market, reason)
        if error is not None:
            raise error
        if not code:
            raise BadResponse("no error_code in the answer", market=market)
        raise ServiceError(reason, market=market)

    def _offer(self, item: Mapping[str, Any]) -> Offer | None:
        stall = Stall(
            name=nz.text(item.get("seller_nick") or item.get("shop_name")),
            market=nz.text(item.get("area") or item.get("market")),
            position=nz.text(item.get("position")),
            credit_level=nz.credit_level(item.get("credit_level")),
        )
        offer = nz.make_offer(
            self.name, item, id_keys=("num_iid", "item_id"),
            price_keys=("promotion_price", "price"),
            image_keys=("pic_url", "image_url"),
            detail_keys=("detail_url",),
            stall=stall,
            art_no_keys=("hid", "art_no"),
        )
        if offer is None:
            return None
        # The list price stays visible when the promotion price is the one used.
        list_price, _ = nz.parse_price(item.get("price"))
        if list_price is not None and offer.price is not None and list_price != offer.price:
            offer.extra["list_price"] = str(list_price)
        return offer


class OneBoundVvic(OneBoundMarket):
    name: ClassVar[str] = "onebound-vvic"
    display: ClassVar[str] = "OneBound · VVIC"
    platform: ClassVar[str] = "vvic"


class OneBoundTaobao(OneBoundMarket):
    name: ClassVar[str] = "onebound-taobao"
    display: ClassVar[str] = "OneBound · 淘宝"
    platform: ClassVar[str] = "taobao"
