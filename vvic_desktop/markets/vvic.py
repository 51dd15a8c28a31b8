"""VVIC (搜款网): the seed's V2.2 image search, enriched from the open platform.

Search: POST JSON `{base}/api/search/item/image` signed with `vvic_v22_sign` (DESIGN §4;
this endpoint is the seed's contract, not in VVIC's public docs). Enrichment: the real open
platform's GET `{open_base}/item/detail/v1` (`vvic_open_sign`) adds market, floor/stall,
supply level and art number when open-platform credentials (their own app id and secret)
are configured: batched, under the search's limiter, cached a day (DetailCache); it never
costs the search result (a failure adds a note). Without them nothing is asked.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

import requests

from vvic_desktop.core.errors import (
    AuthError,
    BadRequest,
    BadResponse,
    Cancelled,
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
from vvic_desktop.markets.base import Credentials, MarketAnswer
from vvic_desktop.markets.http import HttpResponse, register_secret
from vvic_desktop.markets.signing import vvic_body_image, vvic_open_sign, vvic_v22_sign

log = logging.getLogger(__name__)

PRODUCTION_URL = MARKETS["vvic"].production_url
SANDBOX_URL = MARKETS["vvic"].sandbox_url
SEARCH_PATH = "/api/search/item/image"
OPEN_API_PATH = "/api"  # the open platform lives under {base}/api: item/detail/v1, item/list/v1
DETAIL_PATH = "/item/detail/v1"
DETAIL_BATCH = 20  # item ids per detail call

_IMAGE_WORDS = ("图片", "图像", "image", "分辨率", "尺寸", "像素", "格式", "base64", "resolution")
_SIGN_WORDS = ("签名", "sign")
_KEY_WORDS = ("app_key", "appkey", "app key", "密钥", "secret")


class DetailCache:
    """item/detail/v1 rows by item id, kept a day: a stall's market, floor and number move
    seldom, and every detail call costs a permit of the AppKey's quota. Bounded (oldest out
    first), thread-safe; an id the platform did not know is remembered too (as None), so that
    it is not asked for again and again. One per app (services), shared by its searches."""

    def __init__(self, max_items: int = 5000, ttl: float = 24 * 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_items, self.ttl, self.clock = max_items, ttl, clock
        self._rows: OrderedDict[tuple[str, str], tuple[float, Mapping[str, Any] | None]] = (
            OrderedDict())
        self._lock = threading.Lock()

    def get(self, scope: str, ids: list[str]) -> tuple[dict[str, Mapping[str, Any]], list[str]]:
        """(rows known for `ids`, ids not in the cache); `scope` is the open-platform app."""
        found: dict[str, Mapping[str, Any]] = {}
        missing: list[str] = []
        now = self.clock()
        with self._lock:
            for item_id in ids:
                entry = self._rows.get((scope, item_id))
                if entry is None or now - entry[0] > self.ttl:
                    missing.append(item_id)
                elif entry[1] is not None:
                    found[item_id] = entry[1]
        return found, missing

    def put(self, scope: str, asked: list[str], rows: Mapping[str, Mapping[str, Any]]) -> None:
        now = self.clock()
        with self._lock:
            for item_id in asked:
                key = (scope, item_id)
                self._rows[key] = (now, rows.get(item_id))
                self._rows.move_to_end(key)
            while len(self._rows) > self.max_items:
                self._rows.popitem(last=False)


def _json_number(value: Decimal) -> int | float:
    """Filters go into the JSON body as numbers; integral prices as ints (\"50\", not 50.0)."""
    return int(value) if value == value.to_integral_value() else float(value)


class VvicMarket(HttpAdapter):
    name: ClassVar[str] = "vvic"
    display: ClassVar[str] = "VVIC"
    # The seed's V2.2 image search takes max_results (1-50) and no page: one answer is all.
    pages: ClassVar[bool] = False

    def __init__(
        self,
        credentials: Credentials | None,
        base_url: str = PRODUCTION_URL,
        session: requests.Session | None = None,
        timeouts: Timeouts | None = None,
        *,
        open_credentials: Credentials | None = None,
        open_base_url: str | None = None,
        detail_cache: DetailCache | None = None,
    ) -> None:
        super().__init__(credentials, base_url, session, timeouts)
        self.open_credentials = open_credentials
        self.detail_cache = detail_cache if detail_cache is not None else DetailCache()
        if open_credentials is not None:
            register_secret(open_credentials.app_secret)
        self.open_base_url = (open_base_url or self.base_url + OPEN_API_PATH).rstrip("/")

    # --- search -------------------------------------------------------------------------

    def search_params(self, image: PreparedImage, filters: Filters) -> dict[str, Any]:
        """The signed JSON body (exposed for tests: what goes over the wire)."""
        raw_b64 = base64.b64encode(image.jpeg).decode("ascii")
        params: dict[str, Any] = {
            "app_key": self.credentials.app_key,
            "image_base64": vvic_body_image(raw_b64),
            "max_results": max(1, min(50, int(filters.max_results or 20))),
            "timestamp": str(int(time.time() * 1000)),
            "version": "2.2",
            "sign_method": "md5",
        }
        if filters.price_min is not None:
            params["price_min"] = _json_number(filters.price_min)
        if filters.price_max is not None:
            params["price_max"] = _json_number(filters.price_max)
        if filters.min_order_max is not None:
            params["batch_num"] = int(filters.min_order_max)
        if filters.in_stock_only:
            params["stock"] = 1
        if filters.credit_level:
            params["credit_level"] = filters.credit_level
        params["sign"] = vvic_v22_sign(params, self.credentials.app_secret)
        return params

    def _search(self, image: PreparedImage, filters: Filters, call: SearchCall) -> MarketAnswer:
        body = self.search_params(image, filters)
        response = self.send(call, "POST", self.base_url + SEARCH_PATH, json=body)
        data = self._check(response)
        items = nz.dig(data, "data", "items")
        if items is not None and not isinstance(items, list | dict):
            raise BadResponse("data.items is not a list", market=self.market_label)
        offers, raw_count, skipped = nz.normalise_items(items, self._offer)
        answer = MarketAnswer(offers=offers, raw_count=raw_count, skipped=skipped)
        if offers and self.open_credentials is not None:
            answer.offers = self._enrich(call, offers, answer.notes)
        answer.api_calls = call.api_calls
        return answer

    def _check(self, response: HttpResponse) -> dict[str, Any]:
        """The JSON envelope of a search answer, or the error it means."""
        market = self.market_label
        data = nz.decode_json(response, market)
        code = data.get("code")
        message = nz.text(data.get("msg") or data.get("message"), 200)
        detail = nz.text(data.get("detail") or data.get("sub_msg"), 200)
        if detail:
            message = f"{message}: {detail}" if message else detail
        code_text = nz.text(code)
        if response.status == 200 and code_text in ("200", "0"):
            return data
        if response.status == 429 or code_text == "429":
            raise QuotaExceeded(
                message or "429", market=market,
                retry_after=nz.retry_after(response.header("Retry-After")),
            )
        reason = f"{code_text or response.status} {message}".strip()
        lowered = message.lower()
        if code_text == "400" or response.status == 400:
            if any(word in lowered for word in _IMAGE_WORDS):
                raise ImageRejected(reason, market=market)
            raise BadRequest(reason, market=market)
        if any(word in lowered for word in _SIGN_WORDS):
            raise SignatureError(reason, market=market)
        if code_text == "401" or response.status == 401:
            raise AuthError(reason, market=market)
        if code_text == "403" or response.status == 403:
            raise PermissionDenied(reason, market=market)
        if any(word in lowered for word in _KEY_WORDS):
            raise AuthError(reason, market=market)
        error = nz.status_error(response, market, reason)
        if error is not None:
            raise error
        if code is None:
            raise BadResponse("no code in the answer", market=market)
        raise ServiceError(reason, market=market)

    def _offer(self, item: Mapping[str, Any]) -> Offer | None:
        stall = Stall(
            name=nz.text(item.get("shop_name") or item.get("stall_name")),
            market=nz.text(item.get("market") or item.get("market_name")),
            position=nz.text(item.get("position") or item.get("stall_position")),
            credit_level=nz.credit_level(item.get("credit_level")),
            shop_id=nz.item_id_text(item.get("shop_id")),
        )
        return nz.make_offer(
            self.name, item, id_keys=("item_id", "item_vid", "id"),
            title_keys=("title", "item_title"),
            price_keys=("price", "discount_price"),
            detail_keys=("detail_url", "item_url", "url"),
            stall=stall,
        )

    # --- open-platform enrichment ---------------------------------------------------------

    def _enrich(self, call: SearchCall, offers: list[Offer], notes: list[str]) -> list[Offer]:
        """Merge item/detail/v1 data into the offers; on any failure keep them as they are.

        Ids already in the detail cache cost nothing; the others go out DETAIL_BATCH to a
        call, each call after its own permit of the search's limiter."""
        assert self.open_credentials is not None
        scope = f"{self.open_credentials.app_key}@{self.open_base_url}"
        ids = list(dict.fromkeys(offer.item_id for offer in offers))
        details, missing = self.detail_cache.get(scope, ids)
        try:
            for start in range(0, len(missing), DETAIL_BATCH):
                batch = missing[start:start + DETAIL_BATCH]
                fetched = self._details(call, batch)
                self.detail_cache.put(scope, batch, fetched)
                details.update(fetched)
        except Cancelled:
            raise
        except VvicError as exc:
            log.info("vvic enrichment failed: %s", exc.detail)
            notes.append(f"enrich_failed:{exc.code}")
        if not details:
            return offers
        return [self._merge(offer, details.get(offer.item_id)) for offer in offers]

    def _details(self, call: SearchCall, ids: list[str]) -> dict[str, Mapping[str, Any]]:
        assert self.open_credentials is not None
        params: dict[str, Any] = {
            "app_id": self.open_credentials.app_key,
            "item_vid": ",".join(ids),
            "timestamp": str(int(time.time() * 1000)),
        }
        params["sign"] = vvic_open_sign(params, self.open_credentials.app_secret)
        response = self.send(call, "GET", self.open_base_url + DETAIL_PATH, params=params)
        market = self.market_label
        data = nz.decode_json(response, market)
        status = nz.text(data.get("status"))
        if response.status != 200 or status not in ("200", "0", "success", "ok"):
            reason = f"{status or response.status} {nz.text(data.get('message'), 200)}".strip()
            error = nz.status_error(response, market, reason)
            raise error or ServiceError(reason, market=market)
        found: dict[str, Mapping[str, Any]] = {}
        for item in nz.as_list(nz.dig(data, "data", "item_list")):
            if isinstance(item, Mapping):
                vid = nz.item_id_text(item.get("item_vid") or item.get("item_id"))
                if vid:
                    found[vid] = item
        return found

    @staticmethod
    def _merge(offer: Offer, detail: Mapping[str, Any] | None) -> Offer:
        if not detail:
            return offer
        floor = nz.text(detail.get("floor"))
        position = nz.text(detail.get("position") or detail.get("stall_no"))
        if floor and position and not position.startswith(floor):
            position = f"{floor}-{position}"
        stall = dataclasses.replace(
            offer.stall,
            name=nz.text(detail.get("shop_name")) or offer.stall.name,
            market=nz.text(detail.get("market_name") or detail.get("market_code"))
            or offer.stall.market,
            position=position or floor or offer.stall.position,
            shop_id=nz.item_id_text(detail.get("shop_id")) or offer.stall.shop_id,
        )
        extra = dict(offer.extra)
        supply = nz.text(detail.get("supply_level"))
        if supply:
            extra["supply_level"] = supply
        price, price_max = nz.parse_price(detail.get("price"))
        return dataclasses.replace(
            offer,
            stall=stall,
            art_no=nz.text(detail.get("art_no"), 64) or offer.art_no,
            price=offer.price if offer.price is not None else price,
            price_max=offer.price_max if offer.price is not None else price_max,
            extra=extra,
        )
