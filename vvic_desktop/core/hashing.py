"""Perceptual hashes and image signatures, computed once per image, vectorised over a batch.

Every listing image is reduced once to one row of a `SignatureBatch`: dHash and pHash
(64 bits each, the same bits as ImageHash's `dhash` / `phash` for the same input image)
of the garment crop, both again mirrored (stalls re-post flipped photos), an HSV colour
histogram of the garment's pixels (the hash alone cannot tell colours apart), the
garment's silhouette, and a texture histogram that tells prints apart where the hashes
collide (same-cut garments on white reach dHash distance 0 across different prints).

Per image the work is: decode at reduced scale (`picture_decode`: OpenCV's DCT-scaled
JPEG decode on a background thread, PIL's `draft` for everything else), cut away frames,
padding, background and watermarks, resize to a few tiny grids, pick the garment's pixels
and gradients (`signature_features`). Here the bit work (differences, DCT, medians,
packing) and the histogram binning run in numpy over many images at once, and the rows
are kept as `SignatureBatch`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from vvic_desktop.core import signature_features as sf
from vvic_desktop.core.errors import PictureUnavailable
from vvic_desktop.core.picture_decode import load_rgb
from vvic_desktop.core.signature_features import (
    COLOUR_DIM,
    HASH_SIZE,
    PHASH_FACTOR,
    RESAMPLE,
    SIL_H,
    SIL_W,
    TEXTURE_BINS,
    TEXTURE_DIM,
    ImageFeatures,
    crop_features,
    finish_histograms,
)


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
        np.asarray(im.convert("L").resize((HASH_SIZE + 1, HASH_SIZE), RESAMPLE)) for im in images
    ]) if images else np.zeros((0, HASH_SIZE, HASH_SIZE + 1), np.uint8)
    return pack_bits(dhash_bits(grids))


def phash(images: Sequence[Image.Image]) -> np.ndarray:
    """pHash (8×8 of 32×32) as uint64; the same bits as `imagehash.phash(img)`."""
    side = HASH_SIZE * PHASH_FACTOR
    grids = np.stack([
        np.asarray(im.convert("L").resize((side, side), RESAMPLE)) for im in images
    ]) if images else np.zeros((0, side, side), np.uint8)
    return pack_bits(phash_bits(grids))


# Images whose histograms are finished together while later images are still decoding.
_CHUNK = 32


def popcount(values: np.ndarray) -> np.ndarray:
    """Bits set in each uint64."""
    return np.bitwise_count(np.asarray(values, dtype=np.uint64)).astype(np.uint8)


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise (broadcasting) Hamming distance of uint64 hashes."""
    return popcount(np.bitwise_xor(a, b))


# --------------------------------------------------------------------------- signatures

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


def assemble(features: Sequence[ImageFeatures | None]) -> SignatureBatch:
    """The signature batch of per-picture features (`signature_features.image_features`;
    None = missing)."""
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
        finish_histograms(pending)
    batch.colour[idx] = np.stack(_computed([f.colour for f in rows]))
    sil = np.stack([f.silhouette for f in rows]).reshape(len(rows), -1)
    batch.silhouette[idx] = np.clip(np.rint(sil * 255), 0, 255).astype(np.uint8)
    tex = np.stack(_computed([f.texture for f in rows]))
    batch.texture[idx] = tex
    batch.texture_mirror[idx] = tex[:, _TEXTURE_MIRROR]
    batch.ok[idx] = True
    return batch


def cell_hashes(rgb: np.ndarray, boxes: Sequence[tuple[float, float, float, float]]
                ) -> np.ndarray:
    """(k,) uint64: the pHash of each box of `rgb` (x0, y0, x1, y1 as shares of its width
    and height: a collage's cells, `local_features.gutter_cells`), made as a whole
    picture's is (its garment crop first), so a cell's hash is near the hash of the photo
    the cell holds (or, mirrored, near that photo's mirrored hash)."""
    h, w = rgb.shape[:2]
    grids = []
    for x0, y0, x1, y1 in boxes:
        crop = rgb[int(y0 * h): max(int(y0 * h) + 1, round(y1 * h)),
                   int(x0 * w): max(int(x0 * w) + 1, round(x1 * w))]
        if min(crop.shape[:2]) >= 8:
            grids.append(sf.image_features(np.ascontiguousarray(crop)).p_grid)
    if not grids:
        return np.zeros(0, np.uint64)
    return pack_bits(phash_bits(np.stack(grids)))


def signatures(images: Sequence[Image.Image | None]) -> SignatureBatch:
    """Signatures of decoded images (None = missing image: `ok` False, zero row).

    The hashes are ImageHash's dhash/phash of the garment crop (`garment_crop`), i.e.
    `imagehash.phash(Image.fromarray(crop))` bit for bit.
    """
    return assemble([
        None if im is None else crop_features(np.asarray(im.convert("RGB"))) for im in images
    ])


def signatures_of_arrays(rgbs: Sequence[np.ndarray | None]) -> SignatureBatch:
    """Signatures of decoded RGB arrays (see `decode`; None = missing). An array larger
    than `decode(…, WORK_SIZE)` gives is reduced to that size first, so the signatures do
    not depend on how large the caller decoded."""
    return assemble([None if rgb is None else sf.image_features(rgb) for rgb in rgbs])


def _decode_source(src: bytes | str | Path | Image.Image | None) -> np.ndarray | str:
    """The decoded RGB array, or the error code that makes the row missing."""
    if src is None:
        return "missing"
    try:
        return load_rgb(src)
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
        decoded: list[ImageFeatures | str] = []
        pending: list[ImageFeatures] = []
        with ThreadPoolExecutor(max_workers=max(1, workers - 1)) as pool:
            for d in pool.map(_decode_source, items):
                decoded.append(_features_or_code(d))
                if not isinstance(decoded[-1], str):
                    pending.append(decoded[-1])
                if len(pending) == _CHUNK:  # overlap the batched histograms with decoding
                    finish_histograms(pending)
                    pending = []
    else:
        decoded = [_features_or_code(_decode_source(src)) for src in items]
    return (
        assemble([None if isinstance(d, str) else d for d in decoded]),
        [d if isinstance(d, str) else "" for d in decoded],
    )


def _features_or_code(decoded: np.ndarray | str) -> ImageFeatures | str:
    if isinstance(decoded, str):
        return decoded
    try:
        return crop_features(decoded)
    except Exception:  # one odd picture (shape, content) costs its row, never the batch
        return PictureUnavailable.code


def _computed(values: list[np.ndarray | None]) -> list[np.ndarray]:
    """The arrays `finish_histograms` has filled in (it fills every one it is given)."""
    arrays = [v for v in values if v is not None]
    if len(arrays) != len(values):
        raise ValueError("features used before they were computed")
    return arrays
