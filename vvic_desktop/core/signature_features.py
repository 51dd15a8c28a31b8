"""The per-picture part of a listing picture's signature (`core.hashing` batches it): the
garment cut out of frames, padding, background and watermarks (`garment_crop`), the hash
grids, the garment's pixels and gradients; and the colour and texture histograms,
finished for many pictures at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from vvic_desktop.core.picture_decode import WORK_SIZE

HASH_SIZE = 8
PHASH_FACTOR = 4
# Hue bins (circular, soft-assigned so a slight colour shift stays in agreement) × 3
# saturation × 3 value bins, plus 4 grey levels for unsaturated pixels.
HUE_BINS, SAT_BINS, VAL_BINS, GREY_BINS = 12, 3, 3, 4
COLOUR_DIM = HUE_BINS * SAT_BINS * VAL_BINS + GREY_BINS
RESAMPLE = Image.Resampling.LANCZOS  # what ImageHash uses (its ANTIALIAS)
SIL_W, SIL_H = 16, 24
TEXTURE_BINS = 8
TEXTURE_DIM = TEXTURE_BINS + 1


# --------------------------------------------------------------------------- trimming

_OPEN = np.ones((3, 3), np.uint8)
_ERODE = np.ones((7, 7), np.uint8)


def _plain_lines(rgb: np.ndarray, tolerance: int, axis: int, ends: float = 0.04) -> np.ndarray:
    """Per row (axis=1) or column (axis=0) of `rgb`: is its middle 92 % one colour.

    The 4 % at each end are ignored so that a row crossing a frame's sides still counts as
    plain; max − min per channel. Rows are transposed into columns first: a reduction over
    the first axis is numpy's fast one (this runs on every line of every image).
    """
    length = rgb.shape[axis]
    edge = max(1, int(length * ends))
    if axis == 1:
        middle = cv2.transpose(rgb[:, edge: length - edge])
    else:
        middle = rgb[edge: length - edge]
    spread = middle.max(axis=0) - middle.min(axis=0)
    return spread.max(axis=1) <= 2 * tolerance


def garment_crop(rgb: np.ndarray, tolerance: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """The garment's bounding box and its mask, without frames, padding and watermarks.

    1. Peel plain lines off every edge: a coloured frame, padding and the studio background
       are all lines of one colour (each line's own colour, so a red frame around a grey
       pad around a white background all go).
    2. What differs from the background colour, closed (stripes the colour of the
       background must not cut the garment into strips) and opened (thin watermark strokes
       vanish), split into connected parts; parts under 15 % of the largest (a stall's
       code stamped in a corner) or apart from it (the second shot of a side-by-side
       collage) do not widen the box.
    """
    rgb = np.ascontiguousarray(rgb)
    if min(rgb.shape[:2]) < 8:  # a 1×1 GIF, a 1000×10 banner: nothing to trim
        return rgb, np.ones(rgb.shape[:2], bool)
    rows = np.flatnonzero(~_plain_lines(rgb, tolerance, 1))
    cols = np.flatnonzero(~_plain_lines(rgb, tolerance, 0))
    if len(rows) < 4 or len(cols) < 4:
        return rgb, np.ones(rgb.shape[:2], bool)
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    # A frame wider than the 4 % a line's ends may differ (up to ~7 % on a re-post) keeps
    # the lines just inside it from being plain. When what was peeled is another colour
    # than the edge of what is left (a frame, then the photo's background), peel once more
    # there, where a line must be plain nearly end to end (its ends are the frame's seam).
    if (y0, x0) != (0, 0) and min(y1 - y0, x1 - x0) >= 8:
        part = rgb[y0:y1, x0:x1]
        outer = np.median(np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]), axis=0)
        inside = part[2:-2, 2:-2]  # past the frame's blended seam
        ring = np.concatenate([inside[0], inside[-1], inside[:, 0], inside[:, -1]])
        ring = ring.astype(np.int16)
        edge = np.median(ring, axis=0)
        # ... and only where what is left is edged mostly by one colour (a background),
        # not already the garment's box (whose edge lines may be one colour: a hem).
        one_colour = (np.abs(ring - edge) <= tolerance).all(axis=1).mean() >= 0.75
        if one_colour and np.abs(outer - edge).max() > 2 * tolerance:
            rows = np.flatnonzero(~_plain_lines(part, tolerance, 1, 0.01))
            cols = np.flatnonzero(~_plain_lines(part, tolerance, 0, 0.01))
            if len(rows) >= 4 and len(cols) >= 4:
                y0, y1, x0, x1 = y0 + rows[0], y0 + rows[-1] + 1, x0 + cols[0], x0 + cols[-1] + 1
    inner = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    ring = np.concatenate([inner[0], inner[-1], inner[:, 0], inner[:, -1]])
    background = np.median(ring, axis=0).astype(np.uint8)
    # A pixel differs when any channel is more than `tolerance` off the background's.
    low = tuple(np.maximum(background.astype(int) - tolerance, 0).tolist())
    high = tuple(np.minimum(background.astype(int) + tolerance, 255).tolist())
    differs = cv2.bitwise_not(cv2.inRange(inner, low, high))  # 255 = differs
    # Closing bridges background-coloured stripes up to ~5 % of the image wide.
    reach = max(5, (min(differs.shape) // 22) | 1)
    close = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach))
    solid = cv2.morphologyEx(
        cv2.morphologyEx(differs, cv2.MORPH_CLOSE, close), cv2.MORPH_OPEN, _OPEN
    )
    count, labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    if count <= 1:
        return rgb[y0:y1, x0:x1], differs > 0
    areas = stats[1:, cv2.CC_STAT_AREA]
    largest = int(np.argmax(areas)) + 1
    lx, ly, lw, lh = stats[largest, :4]
    mx, my = max(2, lw // 20), max(2, lh // 20)
    x, y, w, h = stats[1:, 0], stats[1:, 1], stats[1:, 2], stats[1:, 3]
    # Parts of the garment touch or overlap the largest part's box; a second shot beside
    # it (a two-photo collage) or a stamp in a far corner does not.
    touches = (x <= lx + lw + mx) & (x + w >= lx - mx) & (y <= ly + lh + my) & (y + h >= ly - my)
    big = np.flatnonzero((areas >= 0.15 * areas.max()) & touches) + 1
    bx0, by0 = stats[big, 0].min(), stats[big, 1].min()
    bx1 = (stats[big, 0] + stats[big, 2]).max()
    by1 = (stats[big, 1] + stats[big, 3]).max()
    keep = np.zeros(count, bool)
    keep[big] = True
    mask = keep[labels[by0:by1, bx0:bx1]]
    return rgb[y0 + by0: y0 + by1, x0 + bx0: x0 + bx1], mask


def trim_plain(rgb: np.ndarray) -> np.ndarray:
    """The garment's bounding box (see `garment_crop`)."""
    return garment_crop(rgb)[0]


# --------------------------------------------------------------------------- features


def _garment_hsv(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """HSV (k, 3) uint8 of the garment's pixels, every other pixel each way (a histogram of
    ~5k pixels is as good as of 20k); all pixels when the mask is nearly empty."""
    rgb, mask = rgb[::2, ::2], mask[::2, ::2]
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2HSV_FULL).reshape(-1, 3)
    if np.count_nonzero(mask) / mask.size > 0.05:
        hsv = hsv[mask.reshape(-1)]
    return hsv


def _colour_histograms(hsvs: Sequence[np.ndarray]) -> np.ndarray:
    """HSV histograms (n, COLOUR_DIM) of garment pixels, soft over hue so a slight shift still
    agrees; all images' pixels in one pass (one bincount, each image's bins offset)."""
    n = len(hsvs)
    image = np.repeat(np.arange(n, dtype=np.intp) * COLOUR_DIM, [len(h) for h in hsvs])
    hsv = np.concatenate(hsvs).astype(np.float32)
    h, s, v = hsv[:, 0] / 256.0, hsv[:, 1] / 255.0, hsv[:, 2] / 255.0
    grey = s < 0.2
    n_chroma = HUE_BINS * SAT_BINS * VAL_BINS
    size = n * COLOUR_DIM
    hist = np.bincount(
        image[grey] + n_chroma + np.minimum((v[grey] * GREY_BINS).astype(np.intp), GREY_BINS - 1),
        minlength=size,
    ).astype(np.float64)
    chroma = ~grey
    hc, sc, vc, base = h[chroma], s[chroma], v[chroma], image[chroma]
    pos = hc * HUE_BINS - 0.5
    lo = np.floor(pos).astype(np.intp)
    frac = pos - lo
    sbin = np.minimum(((sc - 0.2) / 0.8 * SAT_BINS).astype(np.intp), SAT_BINS - 1)
    vbin = np.minimum((vc * VAL_BINS).astype(np.intp), VAL_BINS - 1)
    base += sbin * VAL_BINS + vbin
    per_hue = SAT_BINS * VAL_BINS
    hist += np.bincount((lo % HUE_BINS) * per_hue + base, weights=1.0 - frac, minlength=size)
    hist += np.bincount(((lo + 1) % HUE_BINS) * per_hue + base, weights=frac, minlength=size)
    hist = hist.reshape(n, COLOUR_DIM)
    total = hist.sum(axis=1, keepdims=True)
    return np.divide(hist, total, out=hist, where=total != 0)


def _gradients(grey: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.float32 | None]:
    """(gx, gy, magnitude) (k, 3) float32 of the pixels inside the garment (edges eroded
    away) and the log mean magnitude; None instead of the energy when under 20 pixels."""
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    inner = cv2.erode(mask.view(np.uint8), _ERODE).view(bool)
    picked = cv2.merge([gx, gy, cv2.magnitude(gx, gy)])[inner]
    if len(picked) < 20:
        return picked[:0], None
    return picked, np.log1p(picked[:, 2].mean())


def _textures(grads: Sequence[np.ndarray], energies: Sequence[np.float32 | None]) -> np.ndarray:
    """Orientation histograms of gradients inside the garment + energy, (n, TEXTURE_DIM);
    all images' gradients in one pass (zeros for an image with too few pixels)."""
    n = len(grads)
    out = np.zeros((n, TEXTURE_DIM))
    image = np.repeat(np.arange(n, dtype=np.intp) * TEXTURE_BINS, [len(g) for g in grads])
    picked = np.concatenate(grads)
    gx, gy, mag = picked[:, 0], picked[:, 1], picked[:, 2]
    angle = np.arctan2(gy, gx) % np.pi
    # Soft binning between the two nearest bin centres: an edge exactly between two bins
    # (horizontal stripes sit on a boundary) must not flip bins under a mirror or a crop.
    pos = angle * (TEXTURE_BINS / np.pi) - 0.5
    lo = np.floor(pos).astype(np.intp)
    frac = pos - lo
    size = n * TEXTURE_BINS
    hist = np.bincount(lo % TEXTURE_BINS + image, weights=mag * (1 - frac), minlength=size)
    hist += np.bincount((lo + 1) % TEXTURE_BINS + image, weights=mag * frac, minlength=size)
    hist = hist.reshape(n, TEXTURE_BINS)
    out[:, :TEXTURE_BINS] = hist / (hist.sum(axis=1, keepdims=True) + 1e-6)
    out[:, TEXTURE_BINS] = [0.0 if e is None else e for e in energies]
    out[[e is None for e in energies]] = 0.0
    return out


@dataclass(slots=True)
class ImageFeatures:
    """One picture's share of its signature row (`crop_features`), before the batch."""

    d_grid: np.ndarray
    p_grid: np.ndarray
    hsv: np.ndarray  # garment pixels for the colour histogram (`_garment_hsv`)
    silhouette: np.ndarray
    gradients: np.ndarray  # for the texture histogram (`_gradients`)
    energy: np.float32 | None
    colour: np.ndarray | None = None  # the histograms, once `finish_histograms` has run
    texture: np.ndarray | None = None


def finish_histograms(rows: Sequence[ImageFeatures]) -> None:
    """Colour and texture histograms of `rows`, in one batched pass (see `_colour_histograms`);
    the pixels they were made from are dropped."""
    colour = _colour_histograms([f.hsv for f in rows])
    texture = _textures([f.gradients for f in rows], [f.energy for f in rows])
    for f, c, t in zip(rows, colour, texture, strict=True):
        f.colour, f.texture = c, t
        f.hsv = f.gradients = _NO_PIXELS


_NO_PIXELS = np.zeros((0, 3), np.float32)


def crop_features(rgb: np.ndarray) -> ImageFeatures:
    """Everything per image that cannot be batched (resizes, crop, cv2 filters); the
    histograms are finished for the whole batch at once in `hashing.assemble`."""
    side = HASH_SIZE * PHASH_FACTOR
    crop, mask = garment_crop(rgb)
    grey_img = Image.fromarray(np.ascontiguousarray(crop)).convert("L")
    grads, energy = _gradients(np.asarray(grey_img), mask)
    return ImageFeatures(
        np.asarray(grey_img.resize((HASH_SIZE + 1, HASH_SIZE), RESAMPLE)),
        np.asarray(grey_img.resize((side, side), RESAMPLE)),
        _garment_hsv(crop, mask),
        cv2.resize(mask.astype(np.float32), (SIL_W, SIL_H), interpolation=cv2.INTER_AREA),
        grads,
        energy,
    )


def image_features(rgb: np.ndarray) -> ImageFeatures:
    """The per-picture part of `signatures_of_arrays` for one decoded RGB array (mostly
    OpenCV and PIL calls that release the GIL: a worker thread may run it); `assemble`
    finishes a batch of them."""
    limit = WORK_SIZE * 2
    if max(rgb.shape[:2]) > limit:
        scale = limit / max(rgb.shape[:2])
        size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return crop_features(rgb)
