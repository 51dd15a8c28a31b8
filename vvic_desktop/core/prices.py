"""Prices, one way: parsed as plain decimals from whatever a marketplace or an items file
sends (exponents, hex, NaN, infinity and ambiguous forms refused), and shown the same
everywhere (window, CLI tables, exports): ¥12.50."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

UNKNOWN = "—"


def format_price(value: Decimal | None, unknown: str = UNKNOWN) -> str:
    """¥12.50 — yuan with two decimals; `unknown` for a missing or non-finite price."""
    if value is None:
        return unknown
    try:
        if not value.is_finite():
            return unknown
        return f"¥{value.quantize(Decimal('0.01')):.2f}"
    except (InvalidOperation, AttributeError, ValueError):
        return unknown


def format_price_range(low: Decimal | None, high: Decimal | None,
                       unknown: str = UNKNOWN) -> str:
    """¥12.50–¥18.00, or one price when both ends agree (or one is missing)."""
    if low is None or high is None or low == high:
        return format_price(low if low is not None else high, unknown)
    return f"{format_price(low, unknown)}–{format_price(high, unknown)}"


# Prices above this are garbage for a garment listing (or an overflow attempt).
_PRICE_LIMIT = Decimal("10000000")
_RANGE_SPLIT_RE = re.compile(r"\s*(?:-|~|～|—|至|到)\s*")
# A plain decimal: digits with an optional fraction, or thousands grouped by commas
# ("1,299.00"). No sign, exponent, hex, NaN, infinity; "69,00" (a decimal comma, or a
# mistyped 6900?) is ambiguous and refused.
_PLAIN_DECIMAL_RE = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?", re.ASCII)
# Currency marks a listing may wrap a price in.
_CURRENCY_RE = re.compile(r"^(?:¥|￥|RMB|CNY|元)\s*|\s*(?:元|起|/件|每件)$", re.IGNORECASE)


def parse_decimal(value: Any) -> Decimal | None:
    """One price-like value as a Decimal: 69, 69.5, "69.00", "¥69", "69元", " 69 ",
    "1,299.00" → Decimal; "", None, "abc", NaN, infinity, exponents ("1e308", "1.2e3"),
    hex ("0x45"), "69,00", negative, booleans and absurd values → None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float | Decimal):
        text = str(value) if value == value and value not in (float("inf"), float("-inf")) else ""
    elif isinstance(value, str):
        text = value.strip()
        for _ in range(2):  # "¥69元"
            text = _CURRENCY_RE.sub("", text).strip()
        if len(text) > 40 or not _PLAIN_DECIMAL_RE.fullmatch(text):
            return None
        text = text.replace(",", "")
    else:
        return None
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0 or number > _PRICE_LIMIT:
        return None
    return number


def parse_price(value: Any) -> tuple[Decimal | None, Decimal | None]:
    """A price or price range: "69-89" → (69, 89); "69" → (69, None); bad → (None, None)."""
    if isinstance(value, str):
        parts = [p for p in _RANGE_SPLIT_RE.split(value.strip()) if p]
        if len(parts) == 2:
            low, high = parse_decimal(parts[0]), parse_decimal(parts[1])
            if low is None or high is None:
                return None, None  # half a range is not a price
            if high < low:
                low, high = high, low
            return low, (high if high != low else None)
        if len(parts) > 2:
            return None, None
    return parse_decimal(value), None


def price_given(value: Any) -> bool:
    """Whether a price field holds something (a refused price skips the item; an absent
    one keeps it with an unknown price)."""
    return value not in (None, "") and not (isinstance(value, str) and not value.strip())


def parse_int(value: Any) -> int | None:
    """An integer count from 12, "12", "12.0", "1,200", "1.2万"; None for anything else."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value == value and 0 <= value < 1e15 else None
    if isinstance(value, str):
        text = value.strip().replace(",", "").rstrip("+")
        factor = 1
        if text.endswith("万"):
            factor, text = 10_000, text[:-1]
        try:
            number = Decimal(text)
        except (InvalidOperation, ValueError):
            return None
        if not number.is_finite() or number < 0 or number >= Decimal("1e15"):
            return None
        return int(number * factor)
    return None


def parse_filter_price(text: str) -> Decimal:
    """A price typed into a filter (CLI option or form field), parsed like a listing's, or
    ConfigError saying it is not a price."""
    from vvic_desktop.core.errors import ConfigError

    value = parse_decimal(text)
    if value is None:
        raise ConfigError(f"not a price: {text!r}")
    return value
