"""Search results with pictures in a thumbnail store, for library, export and batch tests."""

from __future__ import annotations

import io
from decimal import Decimal

from PIL import Image

from vvic_desktop.core.models import (
    CropBox,
    Filters,
    Offer,
    PreparedImage,
    SearchQuery,
    SearchResult,
    Stall,
)
from vvic_desktop.core.style_groups import make_group
from vvic_desktop.storage.thumbs import ThumbnailStore, sha256_hex

COLOURS = [(200, 30, 40), (30, 120, 200), (40, 160, 60), (230, 180, 20), (120, 60, 160)]


def jpeg(colour: tuple[int, int, int], size: int = 96) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, "JPEG", quality=90)
    return out.getvalue()


def offer(i: int, *, price: str | None = "99.00", stall: str = "", title: str = "") -> Offer:
    return Offer(
        market="vvic",
        item_id=f"item-{i}",
        title=title or f"韩版碎花连衣裙 款{i}",
        price=Decimal(price) if price is not None else None,
        image_url=f"http://127.0.0.1:9/img/{i}.jpg",
        detail_url=f"https://www.vvic.com/item/{i}",
        stall=Stall(name=stall or f"档口{i % 3}", market="广州十三行", position=f"3F-{300 + i}",
                    credit_level="ABC"[i % 3]),
        stock=10 + i,
        min_order=2,
        similarity=0.9 - i / 100,
    )


def make_result(
    store: ThumbnailStore | None,
    n_offers: int = 6,
    *,
    group_size: int = 3,
    source: str = "/photos/dress.jpg",
    prices: list[str] | None = None,
) -> SearchResult:
    """`n_offers` offers in groups of `group_size`; their pictures put into `store`."""
    offers = [
        offer(i, price=(prices[i] if prices else f"{90 + 5 * i}.00")) for i in range(n_offers)
    ]
    if store is not None:
        for i, o in enumerate(offers):
            sha = store.put(jpeg(COLOURS[i % len(COLOURS)]))
            store.remember_url(o.image_url, sha)
    groups = [make_group(offers[i:i + group_size]) for i in range(0, n_offers, group_size)]
    picture = jpeg((250, 250, 250), 800)
    prepared = PreparedImage(jpeg=picture, width=800, height=800, sha256=sha256_hex(picture))
    return SearchResult(
        query=SearchQuery(source=source, market="vvic", crop=CropBox(1, 2, 300, 400),
                          filters=Filters(price_max=Decimal("150"), in_stock_only=True)),
        offers=offers,
        groups=groups,
        image_sha256=prepared.sha256,
        notes=["upscaled"],
        stats={"raw": n_offers, "api_calls": 1},
        prepared=prepared,
    )
