"""Listing pictures decoded small and upright, fast: a plain JPEG straight from OpenCV's
DCT-scaled decoder into an array (it releases the GIL, so decoding runs on worker threads),
everything else through the one picture loader (`intake.load_picture`, PIL's `draft`).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from vvic_desktop.core import intake

# Decoding target: large enough to trim borders and build a 32×32 pHash grid.
WORK_SIZE = 64


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


def load_rgb(source: bytes | str | Path | Image.Image, size: int = WORK_SIZE) -> np.ndarray:
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


def decode(source: bytes | str | Path | Image.Image, size: int = WORK_SIZE) -> np.ndarray:
    """An item picture as an upright RGB array whose longer side is at most 2 × `size`
    (JPEG decoded at reduced scale); `EmptyImage` / `DamagedImage` when unusable."""
    return load_rgb(source, size)
