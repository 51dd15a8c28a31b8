"""Photos for batch tests: each one a listing picture of a different sandbox catalog style,
so every photo is a different prepared image (one search each) with offers to find."""

from __future__ import annotations

from pathlib import Path

from vvic_desktop.sandbox.catalog import Catalog


def listing_photos(catalog: Catalog, folder: Path, count: int) -> list[Path]:
    """`count` JPEGs p0.jpg, p1.jpg… in `folder` (created), in order."""
    folder.mkdir(parents=True, exist_ok=True)
    photos = []
    for i, style in enumerate(catalog.styles[:count]):
        path = folder / f"p{i}.jpg"
        path.write_bytes(catalog.listing_image(catalog.listings_of(style.style_id)[0].item_id))
        photos.append(path)
    return photos
