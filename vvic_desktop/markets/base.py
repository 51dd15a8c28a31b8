"""The one protocol every marketplace adapter speaks: declared in core (core/marketplace.py,
so core depends on nothing of ours), named here for the adapters."""

from vvic_desktop.core.marketplace import (
    MARKET_NAMES,
    Acquire,
    Credentials,
    MarketAnswer,
    Marketplace,
)

__all__ = ["MARKET_NAMES", "Acquire", "Credentials", "MarketAnswer", "Marketplace"]
