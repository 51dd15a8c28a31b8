"""Perceptual hashes and image signatures, computed once per image, vectorised over a batch.

Every listing image is reduced once to one row of a `SignatureBatch`: dHash and pHash
(64 bits each, the same bits as ImageHash's `dhash` / `phash` for the same input image)
of the garment crop, both again mirrored (stalls re-post flipped photos), an HSV colour
histogram of the garment's pixels (the hash alone cannot tell colours apart), the
garment's silhouette, and a texture histogram that tells prints apart where the hashes
collide (same-cut garments on white reach dHash distance 0 across different prints).

Per image the work is: decode at reduced scale (OpenCV's DCT-scaled JPEG decode on a
background thread, PIL's `draft` for everything else), cut away frames, padding,
background and watermarks (`garment_crop`), resize to a few tiny grids, pick the garment's
pixels and gradients. The bit work (differences, DCT, medians, packing) and the histogram
binning run in numpy over many images at once.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from vvic_desktop.core import intake
from vvic_desktop.core.errors import PictureUnavailable

HASH_SIZE = 8
PHASH_FACTOR = 4
# Hue bins (circular, soft-assigned so a slight colour shift stays in agreement) × 3
# saturation × 3 value bins, plus 4 grey levels for unsaturated pixels.
HUE_BINS, SAT_BINS, VAL_BINS, GREY_BINS = 12, 3, 3, 4
COLOUR_DIM = HUE_BINS * SAT_BINS * VAL_BINS + GREY_BINS
# Decoding target: large enough to trim borders and build a 32×32 pHash grid.
WORK_SIZE = 64
_RESAMPLE = Image.Resampling.LANCZOS  # what ImageHash uses (its ANTIALIAS)


def _dct_matrix(n: int, rows: int) -> np.ndarray:
    """Rows of the unnormalised DCT-II matrix, as scipy.fftpack.dct computes it (type 2)."""
    k = np.arange(rows, dtype=np.float64)[:, None]
    i = np.arange(n, dtype=np.float64)[None, :]
    return 2.0 * np.cos(np.pi * k * (2.0 * i + 1.0) / (2.0 * n))


_DCT = _dct_matrix(HASH_SIZE * PHASH_FACTOR, HASH_SIZE)

try:  # ImageHash depends on scipy, so it is present wherever ImageHash is
    from scipy import fftpack as _fftpack
except ImportError:  # pragma: no cover
    _fftpack = None


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
    """(N, 32, 32) grey grids → (N, 64) bools: low 8×8 DCT terms above their median.

    The DCT is scipy.fftpack's (ImageHash's own), batched over the first axis: a product
    shot is nearly symmetric, so many odd-frequency terms are ~0 and their bits are decided
    by rounding; only the same arithmetic gives the same bits. Without scipy the matrix
    form computes the same transform (bits may differ only on such near-ties).
    """
    grids = grey_32.astype(np.float64)
    if _fftpack is not None:
        low = _fftpack.dct(_fftpack.dct(grids, axis=1), axis=2)[:, :HASH_SIZE, :HASH_SIZE]
    else:
        low = _DCT @ grids @ _DCT.T  # (N, 8, 8): only the rows we keep
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


# --------------------------------------------------------------------------- signatures

SIL_W, SIL_H = 16, 24
TEXTURE_BINS = 8
TEXTURE_DIM = TEXTURE_BINS + 1
# Mirroring maps a gradient angle θ to π − θ: bin k (centred on (k + ½)·π/8) to bin 7 − k;
# the energy stays.
_TEXTURE_MIRROR = [*range(TEXTURE_BINS - 1, -1, -1), TEXTURE_BINS]


@dataclass(slots=True)
class SignatureBatch:
    """Signatures of N images, row i for image i; `ok[i]` False when image i was missing.

    Hashes are of the garment crop; `colour` is an HSV histogram of garment pixels;
    `silhouette` the garment mask on a 16×24 grid (tells cuts apart); `texture` a
    gradient-orientation histogram plus log edge energy inside the garment (tells prints
    apart: solid, stripes, checks, dots, flowers); each with its mirrored twin.
    """

    dhash: np.ndarray  # (N,) uint64
    phash: np.ndarray  # (N,) uint64
    dhash_mirror: np.ndarray  # (N,) uint64: of the left-right mirrored crop
    phash_mirror: np.ndarray  # (N,) uint64
    colour: np.ndarray  # (N, COLOUR_DIM) float16, rows sum to 1
    silhouette: np.ndarray  # (N, SIL_H*SIL_W) uint8, 255 = garment (mirror: `mirrored_silhouette`)
    texture: np.ndarray  # (N, TEXTURE_DIM) float32
    texture_mirror: np.ndarray
    ok: np.ndarray  # (N,) bool

    def __len__(self) -> int:
        return len(self.ok)

    @classmethod
    def empty(cls, n: int) -> SignatureBatch:
        # Compact rows (about 700 bytes an image) so that 100k listings fit in ~70 MB.
        z64 = np.zeros(n, np.uint64)
        return cls(
            z64, z64.copy(), z64.copy(), z64.copy(),
            np.zeros((n, COLOUR_DIM), np.float16),
            np.zeros((n, SIL_H * SIL_W), np.uint8),
            np.zeros((n, TEXTURE_DIM), np.float32), np.zeros((n, TEXTURE_DIM), np.float32),
            np.zeros(n, bool),
        )

    @staticmethod
    def mirrored_silhouette(rows: np.ndarray) -> np.ndarray:
        """Silhouette rows (k, SIL_H*SIL_W) of the left-right mirrored images."""
        return rows.reshape(-1, SIL_H, SIL_W)[:, :, ::-1].reshape(len(rows), -1)

    def take(self, rows: np.ndarray) -> SignatureBatch:
        """The signatures of the given rows, as a new batch."""
        return SignatureBatch(*(getattr(self, name)[rows] for name in self.__slots__))


# A signature row as bytes (`row_bytes` / `set_row`), kept beside a picture's local features
# so that a picture seen before is not decoded again. Bump SIGNATURE_FORMAT whenever what a
# row holds or how it is computed changes: a stored row of another format is refused.
SIGNATURE_FORMAT = 2
_ROW_MAGIC = b"VSG"
_ROW_FIELDS = (("dhash", "<u8"), ("phash", "<u8"), ("dhash_mirror", "<u8"),
               ("phash_mirror", "<u8"), ("colour", "<f2"), ("silhouette", "u1"),
               ("texture", "<f4"), ("texture_mirror", "<f4"))
_ROW_SIZES = (8, 8, 8, 8, COLOUR_DIM * 2, SIL_H * SIL_W, TEXTURE_DIM * 4, TEXTURE_DIM * 4)


def row_bytes(batch: SignatureBatch, k: int) -> bytes:
    """Row k of a batch (a present image) as versioned bytes for `set_row`."""
    if not batch.ok[k]:
        raise ValueError("a missing row has no signature")
    return _ROW_MAGIC + bytes([SIGNATURE_FORMAT]) + b"".join(
        np.ascontiguousarray(getattr(batch, name)[k], dtype=dt).tobytes()
        for name, dt in _ROW_FIELDS)


def set_row(batch: SignatureBatch, k: int, data: bytes) -> None:
    """Fill row k from `row_bytes`; ValueError for anything else (another format, a
    truncated or foreign file), so a stale or damaged entry is computed again."""
    head = len(_ROW_MAGIC) + 1
    if (len(data) != head + sum(_ROW_SIZES) or data[:3] != _ROW_MAGIC
            or data[3] != SIGNATURE_FORMAT):
        raise ValueError("signature row: unknown format or wrong length")
    pos = head
    for (name, dt), size in zip(_ROW_FIELDS, _ROW_SIZES, strict=True):
        values = np.frombuffer(data[pos: pos + size], dt)
        target = getattr(batch, name)
        target[k] = values[0] if target.ndim == 1 else values
        pos += size
    batch.ok[k] = True


# Baseline, extended and progressive Huffman JPEG: what libjpeg decodes the same for both.
_SOF_HUFFMAN = (0xC0, 0xC1, 0xC2)
_CV2_SCALE_FLAGS = {8: cv2.IMREAD_REDUCED_GRAYSCALE_8, 4: cv2.IMREAD_REDUCED_GRAYSCALE_4,
                    2: cv2.IMREAD_REDUCED_GRAYSCALE_2, 1: cv2.IMREAD_GRAYSCALE}
_CV2_FLAGS = cv2.IMREAD_COLOR_RGB | cv2.IMREAD_IGNORE_ORIENTATION
# EXIF orientation → the transpose PIL's `exif_transpose` applies, on an array.
_ORIENT = {
    2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2), 6: lambda a: a.transpose(1, 0, 2)[:, ::-1],
    7: lambda a: a.transpose(1, 0, 2)[::-1, ::-1], 8: lambda a: a.transpose(1, 0, 2)[::-1],
}


def _jpeg_header(raw: bytes) -> tuple[int, int, bool] | None:
    """(width, height, has EXIF) of an 8-bit Huffman JPEG with 1 or 3 components, read from
    its markers; None for anything else (PIL decodes those: CMYK, arithmetic, 12-bit...)."""
    if raw[:2] != b"\xff\xd8":
        return None
    pos, end, exif = 2, len(raw) - 10, False
    while pos < end:
        if raw[pos] != 0xFF:
            return None
        marker = raw[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _SOF_HUFFMAN:
            if raw[pos + 4] != 8 or raw[pos + 9] not in (1, 3):
                return None
            height = int.from_bytes(raw[pos + 5: pos + 7], "big")
            width = int.from_bytes(raw[pos + 7: pos + 9], "big")
            return (width, height, exif) if width and height else None
        if marker == 0xDA or 0xC3 <= marker <= 0xCF:
            return None  # a scan before any frame header, or a frame PIL must handle
        exif = exif or (marker == 0xE1 and raw[pos + 4: pos + 10] == b"Exif\x00\x00")
        pos += 2 + int.from_bytes(raw[pos + 2: pos + 4], "big")
    return None


def _decode_jpeg(raw: bytes, size: int) -> np.ndarray | None:
    """An RGB array decoded by OpenCV (which releases the GIL) at the DCT scale PIL's
    `draft("RGB", (size, size))` picks, upright: the same pixels PIL gives.

    None when PIL must decode instead: not a plain JPEG (see `_jpeg_header`), or one without
    an end-of-image marker after its last scan (OpenCV would quietly return a grey-filled
    truncated picture where PIL raises).
    """
    header = _jpeg_header(raw)
    # Truncated: a scan (FFDA) after the last FFD9; searched forward from that FFD9, which
    # is near the end, not backward through the whole file (that held the GIL for ~30 us).
    if header is None or raw.find(b"\xff\xda", raw.rfind(b"\xff\xd9") + 1) >= 0:
        return None
    width, height, exif = header
    if width * height > intake.MAX_IMAGE_PIXELS:
        return None  # the loader refuses it with the right message
    ratio = min(width // size, height // size)
    scale = next((s for s in (8, 4, 2, 1) if ratio >= s), 1)
    rgb = cv2.imdecode(np.frombuffer(raw, np.uint8), _CV2_SCALE_FLAGS[scale] | _CV2_FLAGS)
    if rgb is None or rgb.ndim != 3 or rgb.shape[:2] != (-(-height // scale), -(-width // scale)):
        return None
    if exif:
        orientation = 1
        with contextlib.suppress(Exception):  # a broken EXIF block must not cost the image
            orientation = Image.open(io.BytesIO(raw)).getexif().get(0x0112, 1)
        if orientation in _ORIENT:
            rgb = np.ascontiguousarray(_ORIENT[orientation](rgb))
    return rgb


def _load_rgb(source: bytes | str | Path | Image.Image, size: int = WORK_SIZE) -> np.ndarray:
    """`load_image` as an RGB array; JPEGs go straight from OpenCV into the array."""
    if not isinstance(source, Image.Image):
        raw = source if isinstance(source, bytes) else intake.read_file(source)
        try:
            rgb = _decode_jpeg(raw, size) if raw else None
        except Exception:  # a header OpenCV's path misreads: the loader decides
            rgb = None
        if rgb is not None:
            if max(rgb.shape[:2]) <= size * 2:
                return rgb
            img = Image.fromarray(rgb)
            img.thumbnail((size * 2, size * 2), Image.Resampling.BILINEAR)
            return np.asarray(img)
        source = raw
    return np.asarray(load_image(source, size))


def load_image(source: bytes | str | Path | Image.Image, size: int = WORK_SIZE) -> Image.Image:
    """Decode an item image small and upright through the one picture loader
    (`intake.load_picture`): JPEG at reduced scale, longer side at most 2 × `size`.
    Raises `PictureUnavailable`."""
    return intake.load_picture(source, max_side=size)


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
class _ImageFeatures:
    d_grid: np.ndarray
    p_grid: np.ndarray
    hsv: np.ndarray  # garment pixels for the colour histogram (`_garment_hsv`)
    silhouette: np.ndarray
    gradients: np.ndarray  # for the texture histogram (`_gradients`)
    energy: np.float32 | None
    colour: np.ndarray | None = None  # the histograms, once `_finish` has run
    texture: np.ndarray | None = None


# Images whose histograms are finished together while later images are still decoding.
_CHUNK = 32


def _finish(rows: Sequence[_ImageFeatures]) -> None:
    """Colour and texture histograms of `rows`, in one batched pass (see `_colour_histograms`);
    the pixels they were made from are dropped."""
    colour = _colour_histograms([f.hsv for f in rows])
    texture = _textures([f.gradients for f in rows], [f.energy for f in rows])
    for f, c, t in zip(rows, colour, texture, strict=True):
        f.colour, f.texture = c, t
        f.hsv = f.gradients = _NO_PIXELS


_NO_PIXELS = np.zeros((0, 3), np.float32)


def _features(rgb: np.ndarray) -> _ImageFeatures:
    """Everything per image that cannot be batched (resizes, crop, cv2 filters); the
    histograms are finished for the whole batch at once in `_assemble`."""
    side = HASH_SIZE * PHASH_FACTOR
    crop, mask = garment_crop(rgb)
    grey_img = Image.fromarray(np.ascontiguousarray(crop)).convert("L")
    grads, energy = _gradients(np.asarray(grey_img), mask)
    return _ImageFeatures(
        np.asarray(grey_img.resize((HASH_SIZE + 1, HASH_SIZE), _RESAMPLE)),
        np.asarray(grey_img.resize((side, side), _RESAMPLE)),
        _garment_hsv(crop, mask),
        cv2.resize(mask.astype(np.float32), (SIL_W, SIL_H), interpolation=cv2.INTER_AREA),
        grads,
        energy,
    )


def _assemble(features: Sequence[_ImageFeatures | None]) -> SignatureBatch:
    batch = SignatureBatch.empty(len(features))
    present = [i for i, f in enumerate(features) if f is not None]
    if not present:
        return batch
    rows = [f for f in features if f is not None]
    idx = np.asarray(present)
    d_grid = np.stack([f.d_grid for f in rows])
    p_grid = np.stack([f.p_grid for f in rows])
    batch.dhash[idx] = pack_bits(dhash_bits(d_grid))
    batch.phash[idx] = pack_bits(phash_bits(p_grid))
    # Mirrored hashes flip the resized grids (resizing commutes with a left-right flip up
    # to rounding), so a flipped listing costs no second resize.
    batch.dhash_mirror[idx] = pack_bits(dhash_bits(d_grid[:, :, ::-1]))
    batch.phash_mirror[idx] = pack_bits(phash_bits(p_grid[:, :, ::-1]))
    pending = [f for f in rows if f.colour is None]
    if pending:
        _finish(pending)
    batch.colour[idx] = np.stack(_computed([f.colour for f in rows]))
    sil = np.stack([f.silhouette for f in rows]).reshape(len(rows), -1)
    batch.silhouette[idx] = np.clip(np.rint(sil * 255), 0, 255).astype(np.uint8)
    tex = np.stack(_computed([f.texture for f in rows]))
    batch.texture[idx] = tex
    batch.texture_mirror[idx] = tex[:, _TEXTURE_MIRROR]
    batch.ok[idx] = True
    return batch


def signatures(images: Sequence[Image.Image | None]) -> SignatureBatch:
    """Signatures of decoded images (None = missing image: `ok` False, zero row).

    The hashes are ImageHash's dhash/phash of the garment crop (`garment_crop`), i.e.
    `imagehash.phash(Image.fromarray(crop))` bit for bit.
    """
    return _assemble([
        None if im is None else _features(np.asarray(im.convert("RGB"))) for im in images
    ])


def decode(source: bytes | str | Path | Image.Image, size: int = WORK_SIZE) -> np.ndarray:
    """An item picture as an upright RGB array whose longer side is at most 2 × `size`
    (JPEG decoded at reduced scale); `EmptyImage` / `DamagedImage` when unusable."""
    return _load_rgb(source, size)


def signatures_of_arrays(rgbs: Sequence[np.ndarray | None]) -> SignatureBatch:
    """Signatures of decoded RGB arrays (see `decode`; None = missing). An array larger
    than `decode(…, WORK_SIZE)` gives is reduced to that size first, so the signatures do
    not depend on how large the caller decoded."""
    out: list[_ImageFeatures | None] = []
    for rgb in rgbs:
        if rgb is None:
            out.append(None)
            continue
        limit = WORK_SIZE * 2
        if max(rgb.shape[:2]) > limit:
            scale = limit / max(rgb.shape[:2])
            size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        out.append(_features(rgb))
    return _assemble(out)


def _decode_source(src: bytes | str | Path | Image.Image | None) -> np.ndarray | str:
    """The decoded RGB array, or the error code that makes the row missing."""
    if src is None:
        return "missing"
    try:
        return _load_rgb(src)
    except PictureUnavailable as exc:
        return exc.code


def signatures_from_sources(
    sources: Iterable[bytes | str | Path | Image.Image | None],
    *,
    workers: int = 2,
) -> tuple[SignatureBatch, list[str]]:
    """Decode and sign each source; an unreadable one becomes a missing row.

    Decoding runs ahead on `workers` − 1 threads (at least one; OpenCV's JPEG decoder
    releases the GIL) while this thread computes the features of what is already decoded:
    the features are many short calls that hold the GIL, which two threads would only
    fight over. Returns the batch and, per source, "" or the error code that made it
    missing.
    """
    items = list(sources)
    if workers > 1 and len(items) > 8:
        decoded: list[_ImageFeatures | str] = []
        pending: list[_ImageFeatures] = []
        with ThreadPoolExecutor(max_workers=max(1, workers - 1)) as pool:
            for d in pool.map(_decode_source, items):
                decoded.append(_features_or_code(d))
                if not isinstance(decoded[-1], str):
                    pending.append(decoded[-1])
                if len(pending) == _CHUNK:  # overlap the batched histograms with decoding
                    _finish(pending)
                    pending = []
    else:
        decoded = [_features_or_code(_decode_source(src)) for src in items]
    return (
        _assemble([None if isinstance(d, str) else d for d in decoded]),
        [d if isinstance(d, str) else "" for d in decoded],
    )


def _features_or_code(decoded: np.ndarray | str) -> _ImageFeatures | str:
    if isinstance(decoded, str):
        return decoded
    try:
        return _features(decoded)
    except Exception:  # one odd picture (shape, content) costs its row, never the batch
        return PictureUnavailable.code


def _computed(values: list[np.ndarray | None]) -> list[np.ndarray]:
    """The arrays `_finish` has filled in (it fills every one it is given)."""
    arrays = [v for v in values if v is not None]
    if len(arrays) != len(values):
        raise ValueError("features used before they were computed")
    return arrays
