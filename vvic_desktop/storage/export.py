"""Search results as plain JSON: the CLI's `--json`, `vvic group` and the window's Save."""

from __future__ import annotations

from typing import Any

from vvic_desktop.core.models import SearchResult, StyleGroup
from vvic_desktop.storage.cache import decimal_text, offer_to_json


def group_to_json(group: StyleGroup) -> dict[str, Any]:
    """One style group as DESIGN §6 shows it (prices as decimal strings)."""
    return {
        "item_ids": [o.item_id for o in group.offers],
        "best_item_id": group.best_offer.item_id,
        "price_min": decimal_text(group.price_min),
        "price_median": decimal_text(group.price_median),
        "price_max": decimal_text(group.price_max),
        "stall_count": group.stall_count,
    }


def result_to_json(result: SearchResult) -> dict[str, Any]:
    query = result.query
    f = query.filters
    return {
        "query": {
            "photo": query.source,
            "market": query.market,
            "crop": query.crop.as_text() if query.crop else None,
            "image_sha256": result.image_sha256,
            "filters": {
                "price_min": decimal_text(f.price_min),
                "price_max": decimal_text(f.price_max),
                "min_order_max": f.min_order_max,
                "in_stock_only": f.in_stock_only,
                "credit_level": f.credit_level,
                "max_results": f.max_results,
            },
        },
        "offers": [offer_to_json(o) for o in result.offers],
        "groups": [
            {**group_to_json(g), "in_stock_count": g.in_stock_count, "category": g.category}
            for g in result.groups
        ],
        "notes": list(result.notes),
        "stats": dict(result.stats),
    }
