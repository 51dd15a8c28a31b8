"""Auto-crop finds the garment on textured backgrounds and falls back to the whole image."""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageFilter

from vvic_desktop.core.autocrop import analyse, propose_crop
from vvic_desktop.core.models import CropBox
from vvic_desktop.sandbox.catalog import Catalog

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "dress-photo.jpg"


def iou(a: CropBox, b: tuple[int, int, int, int]) -> float:
    ax0, ay0, ax1, ay1 = a.x, a.y, a.x + a.w, a.y + a.h
    bx0, by0, bx1, by1 = b
    ix = max(0, min(ax1, bx1) - max(ax0, bx0))
    iy = max(0, min(ay1, by1) - max(ay0, by0))
    inter = ix * iy
    return inter / ((ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter)


@functools.cache
def catalog() -> Catalog:
    return Catalog(seed=7)


def coverage(box: CropBox, truth: tuple[int, int, int, int]) -> float:
    """How much of the garment's true box the proposal keeps (1.0 = nothing cut off)."""
    bx0, by0, bx1, by1 = truth
    ix = max(0, min(box.x + box.w, bx1) - max(box.x, bx0))
    iy = max(0, min(box.y + box.h, by1) - max(box.y, by0))
    return ix * iy / ((bx1 - bx0) * (by1 - by0))


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


def scene(style_id: str, kind: str, seed: int) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A catalog garment pasted off-centre on a generated background, and its true box."""
    rng = np.random.default_rng(seed)
    width, height = 1200, 1500
    garment = catalog().style_image(style_id, size=700)
    size = int(rng.integers(620, 860))
    alpha = cutout_alpha(garment).resize((size, size), Image.Resampling.LANCZOS)
    cut = garment.resize((size, size), Image.Resampling.LANCZOS).convert("RGBA")
    cut.putalpha(alpha)
    dx = int(rng.integers(120, width - size - 120 + 1))
    dy = int(rng.integers(150, height - size - 150 + 1))
    photo = Image.fromarray(background(kind, width, height, seed))
    photo.paste(cut, (dx, dy), cut)
    return photo, box_of(alpha, dx, dy)


def sample_truth() -> tuple[int, int, int, int]:
    """The sample photo's garment box, rebuilt from how make_samples.py pasted it."""
    garment = catalog().style_image("ST018", size=1000)
    alpha = cutout_alpha(garment).resize((1000, 1000), Image.Resampling.LANCZOS)
    alpha = alpha.rotate(-4, resample=Image.Resampling.BICUBIC, expand=True)
    return box_of(alpha, 90, 300)


def test_finds_the_dress_in_the_sample_photo() -> None:
    truth = sample_truth()
    with Image.open(SAMPLE) as photo:
        proposal = analyse(photo)
    assert proposal.found, proposal.reason
    assert iou(proposal.box, truth) >= 0.8
    assert coverage(proposal.box, truth) >= 0.97  # the hem's tips are not cut off
    # it is a real crop, not the whole 1200×1600 frame
    assert proposal.box.w * proposal.box.h < 0.5 * 1200 * 1600


@pytest.mark.parametrize(
    ("style_id", "kind", "seed"),
    [("ST001", "wall", 1), ("ST004", "planks", 2), ("ST018", "tiles", 3),
     ("ST010", "wall", 4), ("ST025", "planks", 5), ("ST033", "tiles", 6),
     ("ST040", "tiles", 7), ("ST012", "wall", 8)],
)
def test_finds_catalog_garments_on_generated_backgrounds(style_id: str, kind: str,
                                                         seed: int) -> None:
    photo, truth = scene(style_id, kind, seed)
    box = propose_crop(photo)
    assert iou(box, truth) >= 0.8, (box, truth)
    assert coverage(box, truth) >= 0.97, (box, truth)


def test_accepts_arrays_in_the_same_coordinates() -> None:
    photo, truth = scene("ST004", "wall", 9)
    from_image = propose_crop(photo)
    from_array = propose_crop(np.asarray(photo))
    assert from_image == from_array
    rgba = np.dstack([np.asarray(photo), np.full(photo.size[::-1], 255, np.uint8)])
    assert iou(propose_crop(rgba), truth) >= 0.8


def test_falls_back_to_the_whole_image_when_there_is_nothing_to_find() -> None:
    flat = np.full((900, 700, 3), 200, np.uint8)
    proposal = analyse(flat)
    assert not proposal.found
    assert proposal.box == CropBox(0, 0, 700, 900)


def test_a_garment_filling_the_frame_gives_the_whole_image() -> None:
    garment = catalog().style_image("ST018", size=600)
    arr = np.asarray(garment.convert("RGB"))
    # crop into the garment itself: no background left anywhere
    inner = np.ascontiguousarray(arr[180:480, 200:400])
    box = propose_crop(inner)
    assert box.w * box.h >= 0.85 * inner.shape[0] * inner.shape[1]


def test_tiny_images_are_returned_whole() -> None:
    assert propose_crop(np.zeros((10, 12, 3), np.uint8)) == CropBox(0, 0, 12, 10)
    assert propose_crop(Image.new("L", (8, 8), 40)) == CropBox(0, 0, 8, 8)
