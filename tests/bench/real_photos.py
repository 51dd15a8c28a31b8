"""Real apparel photos and the listing copies stalls make of them, for evaluations.

The photos are read in place from `../shared/data/apparel-dev/products` (Open Software
License 3.0: never copy them, or anything made from them, into the project); the listing
copies are made in memory, seeded, so every run sees the same pictures.

`split_styles()` is the dev / held-out rule every evaluation uses: the distinct style ids
sorted, every 4th (index % 4 == 3) held out. Thresholds are chosen on dev only.
"""

from __future__ import annotations

import io
import json
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("VVIC_APPAREL_DEV", ROOT.parent / "shared" / "data" / "apparel-dev"))
if not DATA.is_dir():  # a worktree sits one level deeper than the main checkout
    DATA = Path("/work/shared/data/apparel-dev")
LABELS = DATA / "products" / "labels.json"
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

# The kinds of listing edit; "combo" is two or three of the others at once (what most real
# re-posts are); "collage" puts the photo in a 2–4 picture grid; "inset" pastes a 2–3×
# close-up of the photo's own middle into a corner (picture-in-picture, the detail inset
# wholesale listings carry; last, so the draws of the others did not change when it came).
EDITS = ("recompress", "resize", "crop", "border", "pad", "watermark", "mirror", "colour",
         "combo", "collage", "inset")
COMPOSITES = ("collage", "inset")  # edits that add another picture's pixels
STALLS = ("十三行小野家", "四季青阿美服饰", "沙河南城女装", "杭州衣品天成", "白马7楼A12",
          "濮院羊毛衫", "新塘牛仔工厂店", "虎门潮流前线")
LISTING_SIDE = 800  # the longer side of a marketplace listing photo


@dataclass(frozen=True, slots=True)
class Photo:
    path: Path
    product: str
    style: str
    colour: str
    view: str
    category: str


@dataclass(frozen=True, slots=True)
class Listing:
    """One picture in an evaluation: a real photo as it is, or a listing copy of one."""

    key: str
    product: str
    style: str
    category: str
    source: str  # the photo it was made from (its path relative to the products folder)
    view: str
    edit: str  # "original" or one of EDITS
    jpeg: bytes


@lru_cache(maxsize=1)
def photos() -> tuple[Photo, ...]:
    rows = json.loads(LABELS.read_text(encoding="utf-8"))
    return tuple(
        Photo(DATA / r["file"], r["product_id"], r["style_id"], r["colour"], r["view"],
              r["category"])
        for r in rows
    )


def split_styles() -> tuple[list[str], list[str]]:
    """(dev, held-out) style ids: sorted, every 4th (index % 4 == 3) held out."""
    styles = sorted({p.style for p in photos()})
    return ([s for k, s in enumerate(styles) if k % 4 != 3],
            [s for k, s in enumerate(styles) if k % 4 == 3])


@lru_cache(maxsize=512)
def _open(path: Path) -> Image.Image:
    img = Image.open(path)
    img.draft("RGB", (LISTING_SIDE, LISTING_SIDE))
    img = ImageOps.exif_transpose(img.convert("RGB"))
    img.thumbnail((LISTING_SIDE * 1.25, LISTING_SIDE * 1.25), Image.Resampling.LANCZOS)
    return img


def _jpeg(img: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _fit(img: Image.Image, side: int = LISTING_SIDE) -> Image.Image:
    img = img.copy()
    img.thumbnail((side, side), Image.Resampling.LANCZOS)
    return img


def _crop(img: Image.Image, rng: random.Random) -> Image.Image:
    w, h = img.size
    total = rng.uniform(0.05, 0.15)
    side = rng.choice(["lr", "tb", "all", "one"])
    if side == "one":
        edge = rng.choice("ltrb")
        box = [0, 0, w, h]
        k = {"l": 0, "t": 1, "r": 2, "b": 3}[edge]
        cut = int((w if k in (0, 2) else h) * total)
        box[k] = cut if k < 2 else box[k] - cut
        return img.crop(tuple(box))
    fx = total if side in ("lr", "all") else 0.0
    fy = total if side in ("tb", "all") else 0.0
    left = int(w * fx * rng.uniform(0.3, 0.7))
    right = int(w * fx) - left
    top = int(h * fy * rng.uniform(0.3, 0.7))
    bottom = int(h * fy) - top
    return img.crop((left, top, w - right, h - bottom))


def _border(img: Image.Image, rng: random.Random) -> Image.Image:
    width = max(4, int(max(img.size) * rng.uniform(0.02, 0.07)))
    colour = rng.choice([(200, 30, 40), (20, 20, 20), (240, 200, 60), (60, 120, 200),
                         (255, 255, 255), (230, 230, 230)])
    return ImageOps.expand(img, border=width, fill=colour)


def _pad(img: Image.Image, rng: random.Random) -> Image.Image:
    w, h = img.size
    side = max(w, h)
    fill = rng.choice([(255, 255, 255), (245, 245, 245), (250, 240, 235)])
    out = Image.new("RGB", (side, side), fill)
    out.paste(img, ((side - w) // 2, (side - h) // 2))
    return out


def _stall_text(img: Image.Image, rng: random.Random, share: tuple[float, float],
                least: int) -> tuple[Image.Image, ImageFont.FreeTypeFont, str, int]:
    """(the picture as RGBA, a font `share` of its width high, a stall's name, that size)."""
    size = max(least, int(img.size[0] * rng.uniform(*share)))
    return img.convert("RGBA"), ImageFont.truetype(str(FONT), size), rng.choice(STALLS), size


def _watermark(img: Image.Image, rng: random.Random) -> Image.Image:
    img, font, text, size = _stall_text(img, rng, (0.05, 0.09), 12)
    w, h = img.size
    if rng.random() < 0.5:
        text += f" 微信{rng.randint(10000, 99999)}"
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    alpha = rng.randint(110, 200)
    colour = rng.choice([(255, 255, 255), (40, 40, 40), (200, 30, 30), (120, 120, 120)])
    where = rng.choice(["centre", "corner", "tiled"])
    if where == "tiled":
        for y in range(size, h, int(h * 0.28)):
            draw.text((rng.randint(0, max(1, w // 4)), y), text, font=font,
                      fill=(*colour, alpha // 2))
    else:
        box = draw.textbbox((0, 0), text, font=font)
        tw, th = box[2] - box[0], box[3] - box[1]
        if where == "centre":
            xy = ((w - tw) // 2, int(h * rng.uniform(0.35, 0.65)))
        else:
            xy = (rng.choice([8, max(8, w - tw - 8)]), rng.choice([8, max(8, h - th - 12)]))
        draw.text(xy, text, font=font, fill=(*colour, alpha))
    return Image.alpha_composite(img, layer).convert("RGB")


def colour_shift(img: Image.Image, rng: random.Random) -> Image.Image:
    """A slight colour change a re-post picks up (white balance, a filter): hue by a few
    degrees, saturation and brightness by under ±12 %. Still the same product."""
    arr = np.asarray(img.convert("HSV")).astype(np.int16)
    arr[..., 0] = (arr[..., 0] + rng.randint(-4, 4)) % 256  # ±6° of hue
    hsv = Image.fromarray(arr.astype(np.uint8), "HSV").convert("RGB")
    hsv = ImageEnhance.Color(hsv).enhance(rng.uniform(0.88, 1.12))
    return ImageEnhance.Brightness(hsv).enhance(rng.uniform(0.9, 1.08))


def _collage(img: Image.Image, others: list[Image.Image], rng: random.Random) -> Image.Image:
    cells = [img, *others][: rng.choice([2, 3, 4])]
    while len(cells) < 2:
        cells.append(_crop(img, rng))
    rng.shuffle(cells)
    cols = 2
    rows = (len(cells) + 1) // 2
    cell = LISTING_SIDE // 2
    out = Image.new("RGB", (cols * cell, rows * cell), (255, 255, 255))
    for k, c in enumerate(cells):
        c = _fit(c, cell - 6)
        x = (k % cols) * cell + (cell - c.width) // 2
        y = (k // cols) * cell + (cell - c.height) // 2
        out.paste(c, (x, y))
    return out


def _inset(img: Image.Image, rng: random.Random) -> Image.Image:
    w, h = img.size
    zoom = rng.uniform(2.0, 3.0)
    side = int(min(w, h) * rng.uniform(0.28, 0.38))
    src = side / zoom
    cx, cy = rng.uniform(0.35, 0.65) * w, rng.uniform(0.35, 0.65) * h
    box = (int(cx - src / 2), int(cy - src / 2), int(cx + src / 2), int(cy + src / 2))
    detail = img.crop(box).resize((side, side), Image.Resampling.LANCZOS)
    detail = ImageOps.expand(detail, border=max(2, side // 60),
                             fill=rng.choice([(255, 255, 255), (230, 230, 230), (40, 40, 40)]))
    margin = int(min(w, h) * rng.uniform(0.0, 0.04))
    corner = rng.choice(["bl", "br", "tl", "tr"])
    x = margin if corner[1] == "l" else w - detail.width - margin
    y = margin if corner[0] == "t" else h - detail.height - margin
    out = img.copy()
    out.paste(detail, (x, y))
    return out


_SIMPLE = {
    "crop": _crop, "border": _border, "pad": _pad, "watermark": _watermark,
    "colour": colour_shift, "mirror": lambda im, _rng: ImageOps.mirror(im),
    "inset": _inset,
}


# `stress(spec)`: harsher edits than the ones above, to read the rules' margins (how far
# past the drawn edits a copy still rejoins, where a colour variant starts to merge).
Edit = Callable[[Image.Image, random.Random], Image.Image]
_STRESS_EDITS: dict[str, Edit] = {}
_STRESS_RANGES: dict[str, tuple[int, int]] = {}


def stress(spec: str | None) -> None:
    """Make every later listing copy with harsher edits (None or "": the usual ones).

    - "hue:K": the colour edit turns hue by K of 256 (either way, always the full K; the
      usual edit draws up to 4), saturation ×0.85–1.15, brightness ×0.88–1.10.
    - "wb:G": the colour edit is a white-balance shift, red ×G and blue ÷G (or the reverse).
    - "harsh": crops of 12–22 % (all sides), borders of 7–12 %, recompression at quality
      20–40, resizing to 200–300 px.
    - "wm:big": the watermark is a stall's name 10–16 % of the width high, turned 20–40°
      across the middle of the picture (half the time repeated down it), 35–65 % opaque.
    - "wm:banner": the watermark is a band across the top or bottom 8–14 % of the picture,
      a solid or 70–90 % opaque colour, with the stall's name and a WeChat number in it.
    - "pad:fill": padding to square with a coloured fill (black, grey, beige, pink) or, half
      the time, the photo itself enlarged and blurred behind it (the "blur fill").

    Each draws its random numbers differently, so every later draw of a product changes
    (other crops, other collages): compare a stressed figure with another run, not edit
    by edit with the usual one."""
    _STRESS_EDITS.clear()
    _STRESS_RANGES.clear()
    if not spec:
        return
    kind, _, arg = spec.partition(":")
    if kind == "hue":
        _STRESS_EDITS["colour"] = _hue_turn(int(arg))
    elif kind == "wb":
        _STRESS_EDITS["colour"] = _white_balance(float(arg))
    elif spec == "wm:big":
        _STRESS_EDITS["watermark"] = _big_watermark
    elif spec == "wm:banner":
        _STRESS_EDITS["watermark"] = _banner
    elif spec == "pad:fill":
        _STRESS_EDITS["pad"] = _fill_pad
    elif kind == "harsh":
        _STRESS_EDITS.update(crop=_harsh_crop, border=_harsh_border)
        _STRESS_RANGES.update(quality=(20, 40), side=(200, 300))
    else:
        raise ValueError(f"unknown stress {spec!r}")


def _hue_turn(k: int) -> Edit:
    def edit(img: Image.Image, rng: random.Random) -> Image.Image:
        arr = np.asarray(img.convert("HSV")).astype(np.int16)
        arr[..., 0] = (arr[..., 0] + rng.choice([-k, k])) % 256
        hsv = Image.fromarray(arr.astype(np.uint8), "HSV").convert("RGB")
        hsv = ImageEnhance.Color(hsv).enhance(rng.uniform(0.85, 1.15))
        return ImageEnhance.Brightness(hsv).enhance(rng.uniform(0.88, 1.1))
    return edit


def _white_balance(gain: float) -> Edit:
    def edit(img: Image.Image, rng: random.Random) -> Image.Image:
        arr = np.asarray(img.convert("RGB")).astype(np.float32)
        g = gain if rng.random() < 0.5 else 1.0 / gain
        arr[..., 0] *= g
        arr[..., 2] /= g
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    return edit


def _big_watermark(img: Image.Image, rng: random.Random) -> Image.Image:
    img, font, text, _size = _stall_text(img, rng, (0.10, 0.16), 16)
    w, h = img.size
    colour = rng.choice([(255, 255, 255), (40, 40, 40), (150, 150, 150), (200, 30, 30)])
    alpha = rng.randint(90, 165)
    box = ImageDraw.Draw(img).textbbox((0, 0), text, font=font)
    stamp = Image.new("RGBA", (box[2] - box[0] + 8, box[3] - box[1] + 8), (0, 0, 0, 0))
    ImageDraw.Draw(stamp).text((4 - box[0], 4 - box[1]), text, font=font,
                               fill=(*colour, alpha))
    stamp = stamp.rotate(rng.choice([-1, 1]) * rng.uniform(20, 40), expand=True,
                         resample=Image.Resampling.BICUBIC)
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    rows = [rng.uniform(0.4, 0.6)] if rng.random() < 0.5 else [0.2, 0.5, 0.8]
    for fy in rows:
        layer.alpha_composite(stamp, (max(0, (w - stamp.width) // 2),
                                      max(0, int(h * fy) - stamp.height // 2)))
    return Image.alpha_composite(img, layer).convert("RGB")


def _banner(img: Image.Image, rng: random.Random) -> Image.Image:
    img = img.convert("RGBA")
    w, h = img.size
    band = int(h * rng.uniform(0.08, 0.14))
    fill = rng.choice([(200, 30, 40), (20, 20, 20), (250, 250, 250), (240, 200, 60)])
    alpha = 255 if rng.random() < 0.5 else rng.randint(180, 230)
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    y0 = 0 if rng.random() < 0.5 else h - band
    draw.rectangle((0, y0, w, y0 + band), fill=(*fill, alpha))
    font = ImageFont.truetype(str(FONT), max(12, int(band * 0.5)))
    text = f"{rng.choice(STALLS)}  微信{rng.randint(10000, 99999)}"
    ink = (20, 20, 20) if sum(fill) > 500 else (255, 255, 255)
    draw.text((int(w * 0.04), y0 + band // 4), text, font=font, fill=(*ink, 255))
    return Image.alpha_composite(img, layer).convert("RGB")


def _fill_pad(img: Image.Image, rng: random.Random) -> Image.Image:
    w, h = img.size
    side = max(w, h)
    if rng.random() < 0.5:
        fill = rng.choice([(0, 0, 0), (128, 128, 128), (225, 210, 185), (240, 190, 200)])
        out = Image.new("RGB", (side, side), fill)
    else:
        out = img.convert("RGB").resize((side, side), Image.Resampling.BILINEAR)
        out = out.filter(ImageFilter.GaussianBlur(side / 30))
    out.paste(img, ((side - w) // 2, (side - h) // 2))
    return out


def _harsh_crop(img: Image.Image, rng: random.Random) -> Image.Image:
    w, h = img.size
    t = rng.uniform(0.12, 0.22)
    left, top = int(w * t * rng.uniform(0.3, 0.7)), int(h * t * rng.uniform(0.3, 0.7))
    return img.crop((left, top, w - (int(w * t) - left), h - (int(h * t) - top)))


def _harsh_border(img: Image.Image, rng: random.Random) -> Image.Image:
    width = max(4, int(max(img.size) * rng.uniform(0.07, 0.12)))
    colour = rng.choice([(200, 30, 40), (20, 20, 20), (255, 255, 255)])
    return ImageOps.expand(img, border=width, fill=colour)


def listing_copy(photo: Photo, edit: str, rng: random.Random,
                 others: list[Photo] | None = None) -> bytes:
    """A listing picture made from `photo` by `edit` (then resized and re-encoded, as every
    listing is; `stress` makes the edits harsher)."""
    img = _open(photo.path)
    quality = rng.randint(70, 92)
    side = LISTING_SIDE
    simple: dict[str, Edit] = {**_SIMPLE, **_STRESS_EDITS}
    if edit == "recompress":
        quality = rng.randint(*_STRESS_RANGES.get("quality", (40, 85)))
    elif edit == "resize":
        side = rng.randint(*_STRESS_RANGES.get("side", (300, 700)))
    elif edit in simple:
        img = simple[edit](img, rng)
    elif edit == "combo":
        for name in rng.sample(["crop", "border", "pad", "watermark", "mirror", "colour"],
                               rng.choice([2, 3])):
            img = simple[name](img, rng)
        quality = rng.randint(50, 85)
    elif edit == "collage":
        img = _collage(img, [_open(o.path) for o in (others or [])], rng)
    elif edit != "original":
        raise ValueError(edit)
    return _jpeg(_fit(img, side), quality)


def corpus(styles: list[str], *, seed: int = 13, copies: tuple[str, ...] = EDITS,
           views: tuple[str, ...] = ("main", "back", "detail")) -> Iterator[Listing]:
    """Per product of `styles`: its real photos of `views` (as listings: resized, re-encoded)
    and, of its main photo, one listing copy per kind of edit in `copies`."""
    wanted = set(styles)
    by_product: dict[str, list[Photo]] = {}
    for p in photos():
        if p.style in wanted:
            by_product.setdefault(p.product, []).append(p)
    for product in sorted(by_product):
        shots = by_product[product]
        rng = random.Random(f"{seed}:{product}")
        for p in shots:
            if p.view in views:
                yield Listing(f"{product}/{p.view}", product, p.style, p.category,
                              p.path.name, p.view, "original", listing_copy(p, "original", rng))
        main = next((p for p in shots if p.view == "main"), None)
        if main is None:
            continue
        for edit in copies:
            others = [p for p in shots if p is not main] if edit == "collage" else None
            yield Listing(f"{product}/main~{edit}", product, main.style, main.category,
                          main.path.name, "main", edit, listing_copy(main, edit, rng, others))

