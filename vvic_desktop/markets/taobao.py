"""Taobao TOP router: `taobao.image.search` (seed 003, with Alibaba's real error codes).

Form POST (never GET: a GET puts `sign` into urllib3's debug log and into requests' error
texts) to `{base}/router/rest`. Error codes follow Alibaba's list, not the seed's table; for
code 15 (remote service error) the sub-code decides: `isv.*` is the caller's error (one call,
never retried, the sub-message shown), `isp.*` or none a platform fault worth a retry.
Code 31 (invalid timestamp) means the computer's clock is off: the server's `Date` header
gives the offset, the call is re-signed once with it (a new limiter permit), and the offset is
kept for later calls.
"""

from __future__ import annotations

import base64
import datetime as _dt
import email.utils
import logging
import re
import threading
from collections.abc import Mapping
from typing import Any, ClassVar

import requests

from vvic_desktop.core.errors import (
    AuthError,
    BadRequest,
    BadResponse,
    ClockSkew,
    ImageRejected,
    PermissionDenied,
    QuotaExceeded,
    RequestRefused,
    ServiceError,
    SessionExpired,
    SignatureError,
    VvicError,
)
from vvic_desktop.core.market_info import MARKETS
from vvic_desktop.core.models import Filters, Offer, PreparedImage, Stall
from vvic_desktop.markets import normalise as nz
from vvic_desktop.markets.adapter import HttpAdapter, SearchCall, Timeouts
from vvic_desktop.markets.base import Credentials, MarketAnswer, more_pages
from vvic_desktop.markets.http import HttpResponse
from vvic_desktop.markets.signing import top_sign

log = logging.getLogger(__name__)

PRODUCTION_URL = MARKETS["taobao"].production_url
SANDBOX_URL = MARKETS["taobao"].sandbox_url
ROUTER_PATH = "/router/rest"
METHOD = "taobao.image.search"
CHINA = _dt.timezone(_dt.timedelta(hours=8))

# Alibaba's TOP error list (developer.alibaba.com articleId=102707), not the seed's table.
_CODE_ERRORS: dict[int, type[VvicError]] = {
    3: ServiceError,  # upload fail
    7: QuotaExceeded,  # app call limited
    9: BadRequest,  # http action not allowed
    10: ServiceError,  # service currently unavailable
    11: PermissionDenied,  # insufficient ISV permissions
    12: PermissionDenied,  # insufficient user permissions
    13: PermissionDenied,  # insufficient partner permissions
    15: ServiceError,  # remote service error
    21: BadRequest,  # missing method
    22: BadRequest,  # invalid method
    23: BadRequest,  # invalid format
    24: SignatureError,  # missing signature
    25: SignatureError,  # invalid signature
    26: SessionExpired,  # missing session
    27: SessionExpired,  # invalid session
    28: AuthError,  # missing app key
    29: AuthError,  # invalid app key
    30: BadRequest,  # missing timestamp
    32: BadRequest,  # missing version
    33: BadRequest,  # invalid version
    34: BadRequest,  # unsupported version
    40: BadRequest,  # missing required arguments
    41: BadRequest,  # invalid arguments
    42: PermissionDenied,  # forbidden request
    43: BadRequest,  # parameter error
    47: BadRequest,  # invalid encoding
}
CLOCK_SKEW_CODE = 31
_SECONDS_RE = re.compile(r"(\d+)\s*(?:more\s+)?(?:seconds?|secs?|s\b|秒)", re.IGNORECASE)
_IMAGE_WORDS = ("image", "pic", "图片", "图像")


def retry_after_from_sub_msg(sub_msg: str, default: float = nz.DEFAULT_RETRY_AFTER) -> float:
    """Code 7's "This ban will last for 15 more seconds" / "…15秒后解禁" → 15."""
    match = _SECONDS_RE.search(sub_msg or "")
    return float(match.group(1)) if match else default


class TaobaoMarket(HttpAdapter):
    name: ClassVar[str] = "taobao"
    display: ClassVar[str] = "淘宝 Taobao"

    def __init__(
        self,
        credentials: Credentials | None,
        base_url: str = PRODUCTION_URL,
        session: requests.Session | None = None,
        timeouts: Timeouts | None = None,
        *,
        sign_method: str = "md5",
        page_size: int | None = None,
        clock: Any = None,
    ) -> None:
        super().__init__(credentials, base_url, session, timeouts)
        top_sign({}, "", sign_method)  # ConfigError now for an unknown method, not mid-search
        self.sign_method = sign_method
        self.page_size = page_size
        self._clock = clock or (lambda: _dt.datetime.now(_dt.UTC))
        self._offset = _dt.timedelta(0)  # server time − our time, learnt from a code 31
        self._lock = threading.Lock()

    @property
    def clock_offset(self) -> float:
        return self._offset.total_seconds()

    def timestamp(self) -> str:
        with self._lock:
            offset = self._offset
        return (self._clock() + offset).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")

    def search_params(self, image: PreparedImage, filters: Filters,
                      page: int = 1) -> dict[str, Any]:
        params: dict[str, Any] = {
            "method": METHOD,
            "app_key": self.credentials.app_key,
            "timestamp": self.timestamp(),
            "format": "json",
            "v": "2.0",
            "sign_method": self.sign_method,
            "image_data": base64.b64encode(image.jpeg).decode("ascii"),
        }
        if self.credentials.session:
            params["session"] = self.credentials.session
        if filters.category and filters.category.isdigit():
            params["cat"] = filters.category
        if self.page_size:
            params["page_size"] = str(self.page_size)
        if page > 1:  # seed 003: `page`, 分页页码 (默认1)
            params["page"] = str(page)
        params["sign"] = top_sign(params, self.credentials.app_secret, self.sign_method)
        return params

    def _search(self, image: PreparedImage, filters: Filters, call: SearchCall) -> MarketAnswer:
        notes: list[str] = []
        url = self.base_url + ROUTER_PATH
        page = call.page.number
        response = self.send(call, "POST", url, data=self.search_params(image, filters, page))
        try:
            data = self._check(response)
        except ClockSkew as skew:
            offset = self._server_offset(response)
            if offset is None:
                raise ClockSkew(skew.detail + ", no Date header", market=self.market_label,
                                offset="?") from None
            with self._lock:
                self._offset = offset
            seconds = round(offset.total_seconds())
            log.warning("taobao: clock off by %s s, re-signing once", seconds)
            response = self.send(call, "POST", url,
                                 data=self.search_params(image, filters, page))
            try:
                data = self._check(response)
            except ClockSkew:
                raise ClockSkew(f"invalid timestamp after re-signing (offset {seconds} s)",
                                market=self.market_label, offset=abs(seconds)) from None
            notes.append(f"clock_skew:{seconds}")
        items = nz.dig(data, "image_search_response", "items", "item")
        offers, raw_count, skipped = nz.normalise_items(items, self._offer)
        # The router gives only the total (`total_results`): another page follows while the
        # pages so far hold fewer items than that.
        total = nz.parse_int(nz.dig(data, "image_search_response", "total_results"))
        return MarketAnswer(offers=offers, raw_count=raw_count, skipped=skipped,
                            api_calls=call.api_calls, notes=notes, page=page,
                            has_more=more_pages(call.page, raw_count, total=total))

    def _server_offset(self, response: HttpResponse) -> _dt.timedelta | None:
        header = response.header("Date")
        if not header:
            return None
        try:
            server = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError):
            return None
        if server.tzinfo is None:
            server = server.replace(tzinfo=_dt.UTC)
        return server - self._clock()

    def _check(self, response: HttpResponse) -> dict[str, Any]:
        market = self.market_label
        data = nz.decode_json(response, market)
        failure = data.get("error_response")
        if isinstance(failure, Mapping):
            raise self._error(failure, response)
        if response.status == 429 or response.status >= 500:
            error = nz.status_error(response, market)
            assert error is not None
            raise error
        if not isinstance(data.get("image_search_response"), Mapping):
            raise BadResponse("neither image_search_response nor error_response", market=market)
        return data

    def _error(self, failure: Mapping[str, Any], response: HttpResponse) -> VvicError:
        market = self.market_label
        code = nz.parse_int(failure.get("code"))
        sub_code = nz.text(failure.get("sub_code"), 100)
        sub_msg = nz.text(failure.get("sub_msg"), 200)
        parts = (str(code) if code is not None else "", nz.text(failure.get("msg"), 100),
                 sub_code, sub_msg)
        reason = " ".join(part for part in parts if part)
        if code == CLOCK_SKEW_CODE:
            return ClockSkew(reason, market=market, offset="?")
        if code == 7:
            header = response.header("Retry-After")
            seconds = (nz.retry_after(header) if header
                       else retry_after_from_sub_msg(sub_msg))
            return QuotaExceeded(reason, market=market, retry_after=seconds)
        kind = _CODE_ERRORS.get(code) if code is not None else None
        image = any(w in sub_code.lower() for w in _IMAGE_WORDS)
        if kind is not None and kind is not ServiceError:
            if kind is BadRequest and image:
                return ImageRejected(reason, market=market)
            return kind(reason, market=market)
        # Code 15 (and 3, 10, or a code not listed) says little by itself; the sub-code
        # decides: isv.* is the caller's error, permanent, shown in the platform's words;
        # isp.* (or no sub-code) a fault on the platform's side, worth a retry later.
        if sub_code.startswith("isv."):
            if image:
                return ImageRejected(reason, market=market)
            return RequestRefused(reason, market=market, sub_code=sub_code,
                                  sub_msg=sub_msg or nz.text(failure.get("msg"), 100))
        return ServiceError(reason or "unknown error_response", market=market)

    def _offer(self, item: Mapping[str, Any]) -> Offer | None:
        offer = nz.make_offer(
            self.name, item, id_keys=("num_iid", "item_id"),
            price_keys=("price", "zk_final_price", "reserve_price"),
            image_keys=("pic_url", "image_url"),
            detail_keys=("detail_url", "item_url"),
            stall=Stall(name=nz.text(item.get("seller_nick") or item.get("nick"))),
            stock_keys=("num", "stock"),
            sales_keys=("sales", "volume"),
        )
        if offer is not None and item.get("is_tmall") in (True, "true", 1, "1"):
            offer.extra["is_tmall"] = True
        return offer
