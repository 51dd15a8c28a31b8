"""Generated stall photos for the auto-crop tests: catalog garments (the demo marketplace's
own styles) on generated backgrounds, alone or among clutter, with their true boxes."""

from __future__ import annotations

import functools

import cv2
import numpy as np
from PIL import Image, ImageFilter

from vvic_desktop.sandbox.catalog import Catalog


@functools.cache
def catalog() -> Catalog:
    return Catalog(seed=7)


def cutout_alpha(garment: Image.Image) -> Image.Image:
    """The garment's mask: flood its light product-shot background from the corners
    (the same recipe resources/samples/make_samples.py uses to build the sample photo)."""
    rgb = np.ascontiguousarray(np.asarray(garment.convert("RGB")))
    flood = np.zeros((rgb.shape[0] + 2, rgb.shape[1] + 2), np.uint8)
    for corner in ((0, 0), (rgb.shape[1] - 1, 0), (0, rgb.shape[0] - 1)):
        cv2.floodFill(rgb.copy(), flood, corner, (0, 0, 0), (3, 3, 3), (3, 3, 3),
                      4 | cv2.FLOODFILL_MASK_ONLY | (255 << 8))
    mask = cv2.erode(255 - flood[1:-1, 1:-1], np.ones((3, 3), np.uint8))
    return Image.fromarray(mask).filter(ImageFilter.GaussianBlur(1.0))


def box_of(alpha: Image.Image, dx: int, dy: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = alpha.point(lambda v: 255 if v > 127 else 0).getbbox()
    return dx + x0, dy + y0, dx + x1, dy + y1


def background(kind: str, width: int, height: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    if kind == "wall":  # wavy plaster with uneven light
        grey = 175 + 8 * np.sin(x / 6.0 + np.sin(y / 19.0)) + rng.normal(0, 5, (height, width))
        grey *= 0.8 + 0.25 * (1 - ((x - width / 3) ** 2 + (y - height / 3) ** 2) / width**2)
        base = np.stack([grey, grey * 0.97, grey * 0.9], axis=-1)
    elif kind == "planks":  # wooden floor boards
        board = (y // 90) % 2
        grain = 20 * np.sin(x / 3.0 + 4 * np.sin(y / 40.0))
        tone = 150 + 25 * board + grain + rng.normal(0, 6, (height, width))
        base = np.stack([tone, tone * 0.75, tone * 0.5], axis=-1)
    else:  # "tiles": grout lines and speckle
        grout = ((x % 64) < 4) | ((y % 64) < 4)
        tone = np.where(grout, 90.0, 205.0) + rng.normal(0, 10, (height, width))
        base = np.stack([tone * 0.95, tone, tone * 1.02], axis=-1)
    return np.clip(base, 0, 255).astype(np.uint8)


def garment_cut(style_id: str, size: int) -> tuple[Image.Image, Image.Image]:
    """(RGBA cut-out, its alpha) of a catalog garment, size × size."""
    garment = catalog().style_image(style_id, size=700)
    alpha = cutout_alpha(garment).resize((size, size), Image.Resampling.LANCZOS)
    cut = garment.resize((size, size), Image.Resampling.LANCZOS).convert("RGBA")
    cut.putalpha(alpha)
    return cut, alpha


def scene(style_id: str, kind: str, seed: int) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A catalog garment pasted off-centre on a generated background, and its true box."""
    rng = np.random.default_rng(seed)
    width, height = 1200, 1500
    cut, alpha = garment_cut(style_id, int(rng.integers(620, 860)))
    size = cut.width
    dx = int(rng.integers(120, width - size - 120 + 1))
    dy = int(rng.integers(150, height - size - 150 + 1))
    photo = Image.fromarray(background(kind, width, height, seed))
    photo.paste(cut, (dx, dy), cut)
    return photo, box_of(alpha, dx, dy)


def cluttered_scene(style_id: str, other_id: str, seed: int
                    ) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A stall photo: the garment hung in the middle of a planks background, a bag and a
    box standing beside it, and part of another garment (`other_id`) at the left edge."""
    rng = np.random.default_rng(seed)
    width, height = 1200, 1600
    photo = Image.fromarray(background("planks", width, height, seed))
    # things around the garment: a dark bag lower right, a pale box lower left
    draw = np.asarray(photo).copy()
    bx = int(rng.integers(880, 960))
    cv2.rectangle(draw, (bx, 1050), (bx + 230, 1400), (40, 45, 70), -1)
    cv2.ellipse(draw, (bx + 115, 1050), (80, 60), 0, 180, 360, (40, 45, 70), 14)
    cv2.rectangle(draw, (40, 1180), (260, 1480), (210, 200, 170), -1)
    cv2.rectangle(draw, (200, 1180), (260, 1480), (150, 140, 120), -1)
    photo = Image.fromarray(draw)
    other = catalog().style_image(other_id, size=600)
    cut = other.convert("RGBA")
    cut.putalpha(cutout_alpha(other))
    photo.paste(cut, (-380, int(rng.integers(300, 500))), cut)
    cut, alpha = garment_cut(style_id, int(rng.integers(640, 720)))
    size = cut.width
    dx = int(rng.integers(240, width - size - 240 + 1))
    dy = int(rng.integers(330, 450))
    photo.paste(cut, (dx, dy), cut)
    return photo, box_of(alpha, dx, dy)
