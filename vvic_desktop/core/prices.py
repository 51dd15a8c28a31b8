"""One way to show a price, everywhere (window, CLI tables, exports): ¥12.50."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

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
