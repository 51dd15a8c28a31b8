"""The synthetic catalog: deterministic, realistic in its spreads, look-alikes really differ."""

from __future__ import annotations

import io
import re

import numpy as np
from PIL import Image

from vvic_desktop.sandbox import catalog as catalog_module
from vvic_desktop.sandbox.catalog import CATEGORIES, PRINT_KINDS, VARIATIONS, Catalog


def test_same_seed_gives_same_metadata_and_bytes() -> None:
    a, b = Catalog(seed=7), Catalog(seed=7)
    assert a.styles == b.styles
    assert a.listings == b.listings
    for listing in a.listings[::40]:
        assert a.listing_image(listing.item_id) == b.listing_image(listing.item_id)
    assert np.array_equal(np.asarray(a.style_image("ST003", 200)),
                          np.asarray(b.style_image("ST003", 200)))


def test_other_seed_gives_other_catalog() -> None:
    a, b = Catalog(seed=7), Catalog(seed=8)
    assert [x.item_id for x in a.listings] != [x.item_id for x in b.listings]


def test_metadata_draws_no_picture_until_one_is_asked_for(monkeypatch) -> None:
    drawn: list[str] = []
    real_draw, real_render = catalog_module._draw_style, catalog_module._render_listing
    monkeypatch.setattr(catalog_module, "_draw_style",
                        lambda style, *a: drawn.append(style.style_id) or real_draw(style, *a))
    monkeypatch.setattr(catalog_module, "_render_listing",
                        lambda cat, listing, *a: drawn.append(listing.item_id)
                        or real_render(cat, listing, *a))
    cat = Catalog(seed=11, n_styles=48)
    assert len(cat.listings) > 48 and drawn == []  # metadata only: pictures are lazy
    first = cat.listings[0]
    cat.listing_image(first.item_id)
    assert first.item_id in drawn
    again = len(drawn)
    cat.listing_image(first.item_id)
    assert len(drawn) == again  # and cached once drawn


def test_catalog_shape_and_spreads() -> None:
    cat = Catalog()
    assert len(cat.styles) >= 40
    assert {s.category for s in cat.styles} == set(CATEGORIES)
    assert {s.print_kind for s in cat.styles} == set(PRINT_KINDS)
    assert len({s.colour for s in cat.styles}) >= 6
    ids = [listing.item_id for listing in cat.listings]
    assert len(ids) == len(set(ids))
    for style in cat.styles:
        listings = cat.listings_of(style.style_id)
        assert 3 <= len(listings) <= 12
        assert len({x.stall_name for x in listings}) == len(listings)
    base = {s.style_id: cat.base_price(s.style_id) for s in cat.styles}
    ranges = 0
    for listing in cat.listings:
        assert set(listing.variations) <= set(VARIATIONS)
        assert 1 <= listing.min_order <= 10
        assert listing.credit_level in ("A", "B", "C")
        assert re.fullmatch(r"\d+F-\d+|[ABC]区-\d+", listing.position)
        if "-" in listing.price:
            ranges += 1
            low = float(listing.price.split("-")[0])
        else:
            assert re.fullmatch(r"\d+\.\d\d", listing.price)
            low = float(listing.price)
        assert 0.74 * base[listing.style_id] <= low <= 1.26 * base[listing.style_id]
    assert ranges > 0
    assert any(x.stock == 0 for x in cat.listings)
    assert any("collage" in x.variations for x in cat.listings)
    assert len({x.market_name for x in cat.listings}) >= 5


def test_titles_carry_the_category_word() -> None:
    cat = Catalog()
    words = {"dress": ("连衣裙", "裙"), "shirt": ("衬衫", "衬衣"), "tshirt": ("T恤",),
             "trousers": ("裤",), "skirt": ("裙",), "sweater": ("毛衣", "针织衫")}
    for listing in cat.listings:
        category = cat.style(listing.style_id).category
        assert any(w in listing.title for w in words[category]), listing.title
    # Stalls word the same style differently.
    for style in cat.styles[:10]:
        titles = [x.title for x in cat.listings_of(style.style_id)]
        assert len(set(titles)) > 1


def test_lookalikes_share_cut_and_differ_in_print_or_colour() -> None:
    cat = Catalog()
    lookalikes = [s for s in cat.styles if s.lookalike_of]
    assert len(lookalikes) >= len(cat.styles) // 5
    for style in lookalikes:
        original = cat.style(style.lookalike_of)
        assert (style.category, style.cut) == (original.category, original.cut)
        assert (style.print_kind, style.colour) != (original.print_kind, original.colour)
        a = np.asarray(cat.style_image(style.style_id, 128), np.float32)
        b = np.asarray(cat.style_image(original.style_id, 128), np.float32)
        assert np.abs(a - b).mean() > 8.0


def test_images_are_garment_shots_of_sensible_size() -> None:
    cat = Catalog()
    shot = cat.style_image(cat.styles[0].style_id)
    assert shot.mode == "RGB" and shot.size == (800, 800)
    pixels = np.asarray(shot)
    # Light background at the corners, garment in the middle.
    assert pixels[:20, :20].mean() > 225
    assert np.abs(pixels[350:450, 350:450].astype(int) - pixels[5, 5].astype(int)).mean() > 20
    for listing in cat.listings[::25]:
        image = Image.open(io.BytesIO(cat.listing_image(listing.item_id)))
        assert image.format == "JPEG"
        assert 600 <= max(image.size) <= 900


def test_catalog_is_the_same_in_another_process() -> None:
    """A pure function of the seed: no dependence on hash randomisation or process state."""
    import hashlib
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import hashlib, sys\n"
        "from vvic_desktop.sandbox.catalog import Catalog\n"
        "c = Catalog(seed=7)\n"
        "h = hashlib.sha256(repr((c.styles, c.listings)).encode())\n"
        "for l in c.listings[::97]: h.update(c.listing_image(l.item_id))\n"
        "print(h.hexdigest())\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=root, text=True,
                         capture_output=True, timeout=60, check=True).stdout.strip()
    here = Catalog(seed=7)
    digest = hashlib.sha256(repr((here.styles, here.listings)).encode())
    for listing in here.listings[::97]:
        digest.update(here.listing_image(listing.item_id))
    assert out == digest.hexdigest()
