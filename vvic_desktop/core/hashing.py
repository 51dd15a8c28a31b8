"""Perceptual hashes and colour signatures, computed once per image, vectorised over a batch.

Every listing image is reduced once to an `ImageSignature` row of a `SignatureBatch`:
dHash and pHash (64 bits each, the same bits as ImageHash's `dhash` / `phash` for the same
input image), both again for the mirrored image (stalls re-post flipped photos), an HSV
colour histogram of the garment (the hash alone cannot tell colours apart), and a small
normalised grey "layout" that tells prints apart where the silhouette hashes collide
(same-cut garments on white reach dHash distance 0 across different prints).

Per image the work is: decode at reduced scale (JPEG `draft`), trim plain borders and the
plain background around the garment, resize to a few tiny grids. Everything after the
resize (differences, DCT, medians, bit packing, histograms) runs in numpy over the batch.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from vvic_desktop.core.errors import DamagedImage, EmptyImage

HASH_SIZE = 8
PHASH_FACTOR = 4
LAYOUT_SIZE = 16
# Hue bins (circular, soft-assigned so a slight colour shift stays in agreement) × 3
# saturation × 3 value bins, plus 4 grey levels for unsaturated pixels.
HUE_BINS, SAT_BINS, VAL_BINS, GREY_BINS = 12, 3, 3, 4
COLOUR_DIM = HUE_BINS * SAT_BINS * VAL_BINS + GREY_BINS
# Decoding target: large enough to trim borders and build a 32×32 pHash grid.
WORK_SIZE = 128
_RESAMPLE = Image.Resampling.LANCZOS  # what ImageHash uses (its ANTIALIAS)


def _dct_matrix(n: int, rows: int) -> np.ndarray:
    """Rows of the unnormalised DCT-II matrix, as scipy.fftpack.dct computes it (type 2)."""
    k = np.arange(rows, dtype=np.float64)[:, None]
    i = np.arange(n, dtype=np.float64)[None, :]
    return 2.0 * np.cos(np.pi * k * (2.0 * i + 1.0) / (2.0 * n))


_DCT = _dct_matrix(HASH_SIZE * PHASH_FACTOR, HASH_SIZE)


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """(N, 64) bools → (N,) uint64, the first bit the most significant (ImageHash's hex order)."""
    packed = np.packbits(bits.reshape(len(bits), -1).astype(np.uint8), axis=1)
    return packed.view(">u8").reshape(-1).astype(np.uint64)


def unpack_bits(hashes: np.ndarray) -> np.ndarray:
    """(N,) uint64 → (N, 64) bools; the inverse of `pack_bits`."""
    as_bytes = np.asarray(hashes, dtype=np.uint64).astype(">u8").view(np.uint8)
    return np.unpackbits(as_bytes.reshape(-1, 8), axis=1).astype(bool)


def dhash_bits(grey_9x8: np.ndarray) -> np.ndarray:
    """(N, 8, 9) grey grids → (N, 64) bools: is each pixel brighter than its left neighbour."""
    return (grey_9x8[:, :, 1:] > grey_9x8[:, :, :-1]).reshape(len(grey_9x8), -1)


def phash_bits(grey_32: np.ndarray) -> np.ndarray:
    """(N, 32, 32) grey grids → (N, 64) bools: low 8×8 DCT terms above their median."""
    low = _DCT @ grey_32.astype(np.float64) @ _DCT.T  # (N, 8, 8): only the rows we keep
    flat = low.reshape(len(grey_32), -1)
    return flat > np.median(flat, axis=1, keepdims=True)


def dhash(images: Sequence[Image.Image]) -> np.ndarray:
    """dHash (8×8) of each image as uint64; the same bits as `imagehash.dhash(img)`."""
    grids = np.stack([
        np.asarray(im.convert("L").resize((HASH_SIZE + 1, HASH_SIZE), _RESAMPLE)) for im in images
    ]) if images else np.zeros((0, HASH_SIZE, HASH_SIZE + 1), np.uint8)
    return pack_bits(dhash_bits(grids))


def phash(images: Sequence[Image.Image]) -> np.ndarray:
    """pHash (8×8 of 32×32) as uint64; the same bits as `imagehash.phash(img)`."""
    side = HASH_SIZE * PHASH_FACTOR
    grids = np.stack([
        np.asarray(im.convert("L").resize((side, side), _RESAMPLE)) for im in images
    ]) if images else np.zeros((0, side, side), np.uint8)
    return pack_bits(phash_bits(grids))


def popcount(values: np.ndarray) -> np.ndarray:
    """Bits set in each uint64."""
    return np.bitwise_count(np.asarray(values, dtype=np.uint64)).astype(np.uint8)


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise (broadcasting) Hamming distance of uint64 hashes."""
    return popcount(np.bitwise_xor(a, b))


# --------------------------------------------------------------------------- trimming


def trim_plain(rgb: np.ndarray, tolerance: int = 28, rounds: int = 3) -> np.ndarray:
    """Cut plain borders, padding and the plain background around the subject.

    A frame, white padding and the studio background are all "the colour of the outer
    ring"; each round removes one such layer (a coloured frame, then white padding inside
    it). A row or column counts as content when more than 2 % of it differs from the ring
    colour, so a thin watermark line in a corner does not hold the box open.
    """
    out = rgb
    for _ in range(rounds):
        h, w = out.shape[:2]
        if h < 8 or w < 8:
            break
        ring = np.concatenate([out[0], out[-1], out[:, 0], out[:, -1]]).astype(np.int16)
        plain = np.median(ring, axis=0)
        # Only a ring that is mostly one colour is a border or background.
        if np.mean(np.abs(ring - plain).max(axis=1) <= tolerance) < 0.8:
            break
        differs = np.abs(out.astype(np.int16) - plain).max(axis=2) > tolerance
        rows = np.flatnonzero(differs.mean(axis=1) > 0.02)
        cols = np.flatnonzero(differs.mean(axis=0) > 0.02)
        if len(rows) < 4 or len(cols) < 4:
            break
        cut = out[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1]
        if cut.shape == out.shape:
            break
        out = cut
    return out


# --------------------------------------------------------------------------- signatures


@dataclass(slots=True)
class SignatureBatch:
    """Signatures of N images, row i for image i; `ok[i]` False when image i was missing."""

    dhash: np.ndarray  # (N,) uint64
    phash: np.ndarray  # (N,) uint64
    dhash_mirror: np.ndarray  # (N,) uint64: of the left-right mirrored image
    phash_mirror: np.ndarray  # (N,) uint64
    colour: np.ndarray  # (N, COLOUR_DIM) float32, rows sum to 1
    layout: np.ndarray  # (N, 256) float32, zero-mean unit-norm grey 16×16
    layout_mirror: np.ndarray  # (N, 256) float32
    ok: np.ndarray  # (N,) bool

    def __len__(self) -> int:
        return len(self.ok)

    @classmethod
    def empty(cls, n: int) -> SignatureBatch:
        z64 = np.zeros(n, np.uint64)
        return cls(
            z64, z64.copy(), z64.copy(), z64.copy(),
            np.zeros((n, COLOUR_DIM), np.float32),
            np.zeros((n, LAYOUT_SIZE * LAYOUT_SIZE), np.float32),
            np.zeros((n, LAYOUT_SIZE * LAYOUT_SIZE), np.float32),
            np.zeros(n, bool),
        )


def load_image(source: bytes | str | Path | Image.Image, size: int = WORK_SIZE) -> Image.Image:
    """Decode an item image small and upright: JPEG is decoded at reduced scale."""
    if isinstance(source, Image.Image):
        img = source
    else:
        try:
            raw = source if isinstance(source, bytes) else Path(source).read_bytes()
        except OSError as exc:
            raise EmptyImage(f"cannot read item image: {exc.strerror}") from None
        if not raw:
            raise EmptyImage("item image is empty")
        try:
            img = Image.open(io.BytesIO(raw))
            # The DCT-domain downscale: 800 px decodes as 100–200 px, ~10× faster.
            img.draft("RGB", (size, size))
            img.load()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise DamagedImage(f"item image cannot be decoded: {type(exc).__name__}") from None
    with contextlib.suppress(Exception):  # a broken EXIF block must not cost the image
        img = ImageOps.exif_transpose(img) or img
    if img.mode != "RGB":
        if img.mode in ("RGBA", "LA", "P", "PA"):
            rgba = img.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            img = flat
        else:
            img = img.convert("RGB")
    if max(img.size) > size * 2:
        img = img.copy()
        img.thumbnail((size * 2, size * 2), Image.Resampling.BILINEAR)
    return img


def _colour_histograms(pixels: list[np.ndarray]) -> np.ndarray:
    """HSV histograms of foreground pixels, soft over hue; one row per image."""
    out = np.zeros((len(pixels), COLOUR_DIM), np.float32)
    for row, rgb in enumerate(pixels):
        hsv = np.asarray(Image.fromarray(rgb).convert("HSV"), dtype=np.float32).reshape(-1, 3)
        h, s, v = hsv[:, 0] / 256.0, hsv[:, 1] / 255.0, hsv[:, 2] / 255.0
        # The plain background is not the garment: drop near-white pixels when the rest is
        # enough to describe it (a white garment keeps all its pixels).
        fg = ~((s < 0.12) & (v > 0.9))
        if fg.mean() > 0.15:
            h, s, v = h[fg], s[fg], v[fg]
        grey = s < 0.2
        hist = np.zeros(COLOUR_DIM, np.float64)
        gbin = np.minimum((v[grey] * GREY_BINS).astype(int), GREY_BINS - 1)
        np.add.at(hist, HUE_BINS * SAT_BINS * VAL_BINS + gbin, 1.0)
        hc, sc, vc = h[~grey], s[~grey], v[~grey]
        pos = hc * HUE_BINS - 0.5
        lo = np.floor(pos).astype(int)
        frac = pos - lo
        sbin = np.minimum(((sc - 0.2) / 0.8 * SAT_BINS).astype(int), SAT_BINS - 1)
        vbin = np.minimum((vc * VAL_BINS).astype(int), VAL_BINS - 1)
        base = sbin * VAL_BINS + vbin
        np.add.at(hist, (lo % HUE_BINS) * SAT_BINS * VAL_BINS + base, 1.0 - frac)
        np.add.at(hist, ((lo + 1) % HUE_BINS) * SAT_BINS * VAL_BINS + base, frac)
        total = hist.sum()
        out[row] = hist / total if total else hist
    return out


def _normalise_rows(a: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(a, axis=1, keepdims=True)
    return (a / np.where(norm > 1e-6, norm, 1.0)).astype(np.float32)


def signatures(images: Sequence[Image.Image | None], *, trim: bool = True) -> SignatureBatch:
    """Signatures of decoded images (None = missing image: `ok` False, zero row)."""
    n = len(images)
    batch = SignatureBatch.empty(n)
    present = [i for i, im in enumerate(images) if im is not None]
    if not present:
        return batch
    side = HASH_SIZE * PHASH_FACTOR
    d_grid = np.empty((len(present), HASH_SIZE, HASH_SIZE + 1), np.uint8)
    p_grid = np.empty((len(present), side, side), np.uint8)
    l_grid = np.empty((len(present), LAYOUT_SIZE, LAYOUT_SIZE), np.float32)
    colour_px: list[np.ndarray] = []
    for row, i in enumerate(present):
        im = images[i]
        assert im is not None
        rgb = np.asarray(im.convert("RGB"))
        if trim:
            rgb = trim_plain(rgb)
        colour_px.append(np.ascontiguousarray(rgb))
        grey = Image.fromarray(rgb).convert("L")
        d_grid[row] = np.asarray(grey.resize((HASH_SIZE + 1, HASH_SIZE), _RESAMPLE))
        p_grid[row] = np.asarray(grey.resize((side, side), _RESAMPLE))
        l_grid[row] = np.asarray(grey.resize((LAYOUT_SIZE, LAYOUT_SIZE), Image.Resampling.BOX))
    idx = np.asarray(present)
    batch.dhash[idx] = pack_bits(dhash_bits(d_grid))
    batch.phash[idx] = pack_bits(phash_bits(p_grid))
    # Mirrored hashes without a second resize: resizing commutes with a left-right flip
    # up to rounding, so flip the grids (the 9-wide dHash grid flips to its own shape).
    batch.dhash_mirror[idx] = pack_bits(dhash_bits(d_grid[:, :, ::-1]))
    batch.phash_mirror[idx] = pack_bits(phash_bits(p_grid[:, :, ::-1]))
    batch.colour[idx] = _colour_histograms(colour_px)
    flat = l_grid.reshape(len(present), -1)
    batch.layout[idx] = _normalise_rows(flat)
    batch.layout_mirror[idx] = _normalise_rows(l_grid[:, :, ::-1].reshape(len(present), -1))
    batch.ok[idx] = True
    return batch


def signatures_from_sources(
    sources: Iterable[bytes | str | Path | Image.Image | None],
) -> tuple[SignatureBatch, list[str]]:
    """Decode and sign each source; an unreadable one becomes a missing row.

    Returns the batch and, per source, "" or the error code that made it missing.
    """
    decoded: list[Image.Image | None] = []
    problems: list[str] = []
    for src in sources:
        if src is None:
            decoded.append(None)
            problems.append("missing")
            continue
        try:
            decoded.append(load_image(src))
            problems.append("")
        except (EmptyImage, DamagedImage) as exc:
            decoded.append(None)
            problems.append(exc.code)
    return signatures(decoded), problems
