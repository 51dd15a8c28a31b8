"""The one protocol every marketplace adapter speaks: declared in core (core/marketplace.py,
so core depends on nothing of ours), named here for the adapters."""

from vvic_desktop.core.marketplace import (
    FIRST_PAGE,
    MARKET_NAMES,
    Acquire,
    Credentials,
    MarketAnswer,
    Marketplace,
    PageRequest,
    more_pages,
)

__all__ = ["FIRST_PAGE", "MARKET_NAMES", "Acquire", "Credentials", "MarketAnswer",
           "Marketplace", "PageRequest", "more_pages"]
