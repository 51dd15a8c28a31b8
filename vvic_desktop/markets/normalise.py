"""Helpers every adapter shares: tolerant field parsing, envelopes, HTTP status mapping.
(Prices and counts are parsed by core/prices.py, which `vvic group` uses too.)

Marketplace JSON is loosely typed (prices as "69.00", "69-89", "¥69", "" or null; counts as
strings; lists that are sometimes a single object). These functions never raise on odd
input: they return None (or a default) and the adapter decides to skip and count the item.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import logging
from collections.abc import Callable, Mapping
from typing import Any

from vvic_desktop.core.errors import (
    AuthError,
    BadGateway,
    BadRequest,
    BadResponse,
    PermissionDenied,
    QuotaExceeded,
    ServiceError,
    VvicError,
)
from vvic_desktop.core.models import Offer, Stall
from vvic_desktop.core.prices import (  # the adapters' names for core's parsers
    parse_int,
    parse_price,
    price_given,
)
from vvic_desktop.core.redact import inert, redact
from vvic_desktop.markets.http import HttpResponse

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER = 60.0
# The longest wait a Retry-After can ask for; beyond it the service's number is noise (a
# 400-digit value, a date in year 9999). A wait this long ends the search anyway with
# "resumes at <date time>" (core.retry), so the cap only keeps the arithmetic finite.
MAX_RETRY_AFTER = 7 * 24 * 3600.0
def parse_float(value: Any) -> float | None:
    """A similarity in 0..1 (also accepts 0..100 percentages and strings)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number or number < 0:
        return None
    if number > 1:
        number = number / 100 if number <= 100 else None  # type: ignore[assignment]
    return number


def text(value: Any, limit: int = 500) -> str:
    """A display string from str/int/float, inert (see `inert`); anything else → ""."""
    if isinstance(value, str):
        return inert(value[: limit * 4]).strip()[:limit]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def item_id_text(value: Any) -> str:
    """An id from a string or an int (ids above 2**53 come as strings from careful APIs)."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip()[:64]
    return ""


def url_text(value: Any) -> str:
    """An http(s) URL or ""; protocol-relative "//img..." becomes https."""
    url = text(value, 2000)
    if url.startswith("//"):
        url = "https:" + url
    return url if url.startswith(("http://", "https://")) else ""


def as_list(value: Any) -> list[Any]:
    """A JSON list, a single object wrapped in a list, or [] for null / anything else."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return []


def dig(data: Any, *path: str) -> Any:
    """data[p0][p1]… or None as soon as a level is missing or not an object."""
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def normalise_items(
    items: Any, convert: Callable[[Mapping[str, Any]], Offer | None]
) -> tuple[list[Offer], int, int]:
    """Apply `convert` to each item: (offers, raw_count, skipped). Never raises for bad items."""
    raw = as_list(items)
    offers: list[Offer] = []
    skipped = 0
    seen: set[str] = set()
    for item in raw:
        offer: Offer | None = None
        if isinstance(item, Mapping):
            try:
                offer = convert(item)
            except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
                log.debug("skipping malformed item: %s", redact(str(exc))[:200])
                offer = None
        if offer is None or offer.key in seen:
            skipped += 1
            continue
        seen.add(offer.key)
        offers.append(offer)
    return offers, len(raw), skipped


def make_offer(
    market: str,
    item: Mapping[str, Any],
    *,
    id_keys: tuple[str, ...],
    title_keys: tuple[str, ...] = ("title",),
    price_keys: tuple[str, ...] = ("price",),
    image_keys: tuple[str, ...] = ("image_url", "pic_url"),
    detail_keys: tuple[str, ...] = ("detail_url",),
    stall: Stall | None = None,
    stock_keys: tuple[str, ...] = ("stock",),
    sales_keys: tuple[str, ...] = ("sales",),
    moq_keys: tuple[str, ...] = ("min_order", "batch_num"),
    similarity_keys: tuple[str, ...] = ("similarity",),
    art_no_keys: tuple[str, ...] = ("art_no",),
) -> Offer | None:
    """The common item → Offer conversion; None when the item has no id or no title."""

    def first(keys: tuple[str, ...]) -> Any:
        for key in keys:
            value = item.get(key)
            if value not in (None, ""):
                return value
        return None

    item_id = item_id_text(first(id_keys))
    raw_title = first(title_keys)
    title = text(raw_title)
    if not item_id or not title:
        return None
    price, price_max = (None, None)
    offered = False
    for key in price_keys:
        raw_price = item.get(key)
        offered = offered or price_given(raw_price)
        price, price_max = parse_price(raw_price)
        if price is not None:
            break
    if price is None and offered:
        return None  # a price we cannot read ("1e308", "0x45", "69,00") skips the item
    return Offer(
        market=market,
        item_id=item_id,
        title=title,
        price=price,
        price_max=price_max,
        image_url=url_text(first(image_keys)),
        detail_url=url_text(first(detail_keys)),
        stall=stall or Stall(),
        stock=parse_int(first(stock_keys)),
        sales=parse_int(first(sales_keys)),
        min_order=parse_int(first(moq_keys)),
        similarity=parse_float(first(similarity_keys)),
        art_no=text(first(art_no_keys), 64),
        # What the marketplace sent, when sanitising changed it: for `--json` (escaped there
        # by core.redact.json_text), never shown on a terminal or a label.
        extra={"raw_title": raw_title[:500]} if isinstance(raw_title, str) and (
            raw_title.strip()[:500] != title) else {},
    )


def credit_level(value: Any) -> str:
    """"A"/"a"/"A级" → "A"; anything not A/B/C → ""."""
    level = text(value).upper()[:1]
    return level if level in ("A", "B", "C") else ""


# --- envelopes ------------------------------------------------------------------------------


def snippet(response: HttpResponse, limit: int = 200) -> str:
    """A short, redacted, inert, one-line view of a body for logs and error details."""
    body = inert(redact(response.text[: limit * 4]))
    return " ".join(body.split())[:limit]


def decode_json(response: HttpResponse, market: str) -> dict[str, Any]:
    """The body as a JSON object, or BadResponse (HTML pages, malformed JSON, wrong shape).

    A 429 stays a quota answer whatever its body (a proxy's HTML "too many requests").
    """
    if response.status == 429 and (
        response.header("Retry-After") or not response.content.lstrip().startswith(b"{")
    ):
        # The service said when (or sent no JSON at all): that is the answer, whatever the
        # body says. Without a header the adapter reads its JSON (a ban's seconds in sub_msg).
        raise QuotaExceeded(f"HTTP 429 {snippet(response, 80)}", market=market,
                            retry_after=retry_after(response.header("Retry-After")))
    if 300 <= response.status < 400:  # adapters never follow: a redirect is not an answer
        raise BadResponse(f"unexpected redirect (HTTP {response.status})", market=market)
    content_type = (response.header("Content-Type") or "").lower()
    head = response.content[:64].lstrip().lower()
    # A 5xx/408 page (a proxy's "502 Bad Gateway") is a transient fault: the status says so.
    # The same page or broken JSON in any other answer will not change on a repeat.
    transient = response.status >= 500 or response.status == 408
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<")) or "text/html" in content_type:
        log.warning("%s answered HTTP %s with a web page: %s", market, response.status,
                    snippet(response))
        reason = f"HTTP {response.status}, web page instead of JSON"
        raise (BadGateway if transient else BadResponse)(reason, market=market)
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError, RecursionError):
        log.warning("%s answered HTTP %s with malformed JSON: %s", market, response.status,
                    snippet(response))
        reason = f"HTTP {response.status}, malformed JSON"
        raise (BadGateway if transient else BadResponse)(reason, market=market) from None
    if not isinstance(data, dict):
        log.warning("%s answered with a JSON %s, not an object", market, type(data).__name__)
        raise BadResponse(f"JSON {type(data).__name__} instead of an object", market=market)
    return data


def retry_after(headers_value: str | None, default: float = DEFAULT_RETRY_AFTER,
                now: _dt.datetime | None = None) -> float:
    """Retry-After as seconds in [0, MAX_RETRY_AFTER]: delta-seconds or an HTTP-date
    (RFC 9110 §10.2.3); `default` when absent or unreadable (negative numbers, garbage);
    absurd values (400 digits, year 9999) are capped. Never raises."""
    if not headers_value:
        return default
    value = headers_value.strip()[:200]
    if value.isascii() and value.isdigit():
        # Compare as text first: int("9" * 400) is fine, float() of it overflows.
        digits = value.lstrip("0") or "0"
        return MAX_RETRY_AFTER if len(digits) > 9 else min(float(int(digits)), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when is None:
            return default
        if when.tzinfo is None:
            when = when.replace(tzinfo=_dt.UTC)
        now = now or _dt.datetime.now(_dt.UTC)
        seconds = (when - now).total_seconds()
    except (TypeError, ValueError, IndexError, OverflowError):
        return default
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def status_error(response: HttpResponse, market: str, reason: str = "") -> VvicError | None:
    """The error a bare HTTP status means for any marketplace, or None for 2xx."""
    status = response.status
    reason = reason or f"HTTP {status}"
    if 200 <= status < 300:
        return None
    if status == 429:
        return QuotaExceeded(reason, market=market,
                             retry_after=retry_after(response.header("Retry-After")))
    if status == 401:
        return AuthError(reason, market=market)
    if status == 403:
        return PermissionDenied(reason, market=market)
    if status in (408,) or status >= 500:
        if status == 503 and response.header("Retry-After"):
            return QuotaExceeded(reason, market=market,
                                 retry_after=retry_after(response.header("Retry-After")))
        return ServiceError(reason, market=market)
    if 300 <= status < 400:
        return BadResponse(f"unexpected redirect (HTTP {status})", market=market)
    return BadRequest(reason, market=market)
