"""Offers and style groups for the results-grid tests, bench and screenshots.

`synthetic_groups` is fast (no pictures drawn) and deterministic; `catalog_groups` takes real
listings from the sandbox catalog and, given a ThumbnailStore, stores their pictures under
the offers' image URLs so a ThumbnailLoader finds them without a network.
"""

from __future__ import annotations

import io
import random
from decimal import Decimal

from PIL import Image

from vvic_desktop.core.models import Offer, Stall, StyleGroup
from vvic_desktop.core.style_groups import make_group
from vvic_desktop.storage.thumbs import ThumbnailStore

MARKETS = ("广州十三行", "杭州四季青", "广州沙河", "濮院")
TITLES = ("碎花连衣裙", "条纹衬衫", "阔腿裤", "针织开衫", "百褶半身裙", "圆领T恤")


def offer(item: str, price: str | None, *, credit: str = "B", stall: str = "",
          sales: int | None = 0, stock: int | None = 10, min_order: int | None = 2,
          similarity: float | None = None, title: str = "碎花连衣裙",
          url: str | None = None, image_url: str | None = None,
          market: str = "广州十三行") -> Offer:
    return Offer(
        market="vvic", item_id=item, title=title,
        price=Decimal(price) if price is not None else None,
        image_url=image_url if image_url is not None else f"http://img.test/{item}.jpg",
        detail_url=url if url is not None else f"https://www.vvic.com/item/{item}",
        stall=Stall(name=stall or f"档口{item}", market=market, position=f"3F-{item[-3:]}",
                    credit_level=credit),
        stock=stock, sales=sales, min_order=min_order, similarity=similarity,
    )


def synthetic_groups(n_groups: int, per_group: int = 4, seed: int = 1) -> list[StyleGroup]:
    """n_groups groups of 1..per_group*2-1 offers (average ≈ per_group)."""
    rng = random.Random(seed)
    groups: list[StyleGroup] = []
    counter = 0
    for g in range(n_groups):
        size = rng.randint(1, max(1, per_group * 2 - 1))
        base = rng.randint(30, 160)
        members = []
        for _ in range(size):
            counter += 1
            members.append(offer(
                f"{counter:06d}", f"{base + rng.randint(-10, 20)}.00",
                credit=rng.choice("ABC"), sales=rng.randint(0, 500),
                stock=rng.choice((0, 5, 50, 300, None)), min_order=rng.randint(1, 10),
                similarity=round(rng.uniform(0.6, 0.99), 3),
                title=f"{TITLES[g % len(TITLES)]} 款{g}", market=rng.choice(MARKETS)))
        groups.append(make_group(members))
    return groups


def jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (320, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=85)
    return out.getvalue()


def catalog_groups(n_groups: int = 20, store: ThumbnailStore | None = None,
                   pictures_for: set[int] | None = None, seed: int = 7) -> list[StyleGroup]:
    """Groups of sandbox-catalog listings (one group per style). With a store, the
    pictures of the representative of every group, and of every member of the groups whose
    positions are in `pictures_for`, are stored under their image URLs."""
    from vvic_desktop.sandbox.catalog import Catalog

    catalog = Catalog(seed=seed)
    groups: list[StyleGroup] = []
    for position, style in enumerate(catalog.styles[:n_groups]):
        offers = []
        for rank, listing in enumerate(catalog.listings_of(style.style_id)):
            low, _, high = listing.price.partition("-")
            offers.append(Offer(
                market="vvic", item_id=listing.item_id, title=listing.title,
                price=Decimal(low), price_max=Decimal(high) if high else None,
                image_url=f"http://sandbox.test/img/{listing.item_id}.jpg",
                detail_url=f"https://www.vvic.com/item/{listing.item_id}",
                stall=Stall(name=listing.stall_name, market=listing.market_name,
                            position=listing.position, credit_level=listing.credit_level),
                stock=listing.stock, sales=listing.sales, min_order=listing.min_order,
                similarity=round(0.97 - 0.03 * rank - 0.004 * position, 3),
                art_no=listing.art_no))
        group = make_group(offers)
        groups.append(group)
        if store is not None:
            wanted = group.offers if pictures_for and position in pictures_for else [
                group.representative]
            for member in wanted:
                sha = store.put(catalog.listing_image(member.item_id))
                store.remember_url(member.image_url, sha)
    return groups
