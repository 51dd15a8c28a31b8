"""Seed module 1, done right: turn any photo into the JPEG every marketplace accepts.

Order of work, chosen so that the expensive steps touch as few pixels as possible:

1. open lazily (`intake`): format sniffed, bombs refused from the header alone;
2. work out the output size from the *header* (EXIF orientation, crop, size policy);
3. JPEG: ask libjpeg for a reduced-scale DCT decode (`Image.draft`), never the full 12 MP;
4. crop before any per-pixel conversion; flatten transparency on white, 16-bit to 8-bit
   by its high byte, CMYK to RGB;
5. one resample on a numpy view (`_resample`: whole-number area reduction, then bilinear;
   bicubic up); the seed's light denoise only where no reduction averages the noise;
   transparency stays premultiplied through it and is flattened on white at output size;
6. EXIF orientation applied to the small output (a transpose of 1 MP, not of 12 MP);
7. pad with white only when a very long or thin photo cannot otherwise meet the limits;
8. JPEG q90, stepping quality down until it fits in 5 MB. Re-encoding from pixels also drops
   the photo's EXIF (GPS position, phone model) before it is uploaded anywhere.

Size policy (DESIGN §5): both sides ≥ 800 px (the API minimum; smaller photos are upscaled
with a note), short side ≤ 1024 px, long side ≤ 2400 px (padding when a thin strip cannot
meet both). The seed's fit-into-1024×1024 made a 4:3 photo 1024×768, below its own minimum.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from vvic_desktop.core.errors import EncodeFailed, ImageError, ImageTooSmall
from vvic_desktop.core.intake import OpenedImage, damaged, exif_orientation, load_source
from vvic_desktop.core.models import CropBox, PreparedImage

MIN_SIDE = 800
MIN_SOURCE_SIDE = 8  # below this there is nothing to search with (and no crop can fit)
MAX_SHORT_SIDE = 1024
MAX_LONG_SIDE = 2400
MAX_JPEG_BYTES = 5 * 1024 * 1024
JPEG_QUALITIES = (90, 85, 78, 70, 60, 50)
DENOISE_BELOW_REDUCTION = 0.8  # output/source scale above this: no resample averages noise

# Notes a prepared image can carry (codes in PreparedImage.notes; text for people here).
NOTE_TEXT: dict[str, tuple[str, str]] = {
    "upscaled": (
        "图片小于 800×800，已放大；匹配效果可能较弱，建议换一张更清晰的照片。",
        "The photo is smaller than 800×800 and was enlarged; matches may be weaker.",
    ),
    "padded": (
        "图片过长或过窄，已在两侧补白以满足平台尺寸要求。",
        "The photo is very long or thin; white margins were added to meet the size limits.",
    ),
    "first_frame": ("动图只使用第一帧。", "Animated image: only the first frame is used."),
    "flattened": ("透明背景已替换为白色。", "Transparency was flattened on white."),
    "converted_16bit": ("16 位图片已转换为 8 位。", "The 16-bit image was converted to 8 bits."),
    "cmyk": ("CMYK 图片已转换为 RGB。", "The CMYK image was converted to RGB."),
    "quality_reduced": (
        "为满足 5 MB 限制，已降低 JPEG 质量。",
        "JPEG quality was lowered to stay under 5 MB.",
    ),
    # about the answer, shown the same way ("code:N" notes carry a count)
    "more_results": (
        "服务多返回了 {n} 条商品（超出所要的数量），未显示。",
        "The service sent {n} more listings than asked for; they are not shown.",
    ),
    "skipped_items": (
        "{n} 条商品无法读取（价格或字段无效），已跳过。",
        "{n} listings could not be read (an invalid price or fields) and were skipped.",
    ),
    "pictures_unavailable": (
        "{n} 条商品的图片不可用，仅按标题和价格归类。",
        "{n} listings have no usable picture; they were grouped by title and price only.",
    ),
    # not about the image, but shown the same way: the local catalog has nothing to search
    "local_catalog_empty": (
        "本地图库还是空的：先保存几次搜索，或用“导入文件夹”导入档口照片。",
        "The local catalog is empty: save some searches, or import stall photos with "
        "“Import folder”.",
    ),
    "local_catalog_indexing": (
        "本地图库中还有部分旧图片正在后台建立索引，暂时搜不到；稍后再搜一次。",
        "Some older pictures of the local catalog are still being indexed in the background "
        "and cannot be found yet; search again in a while.",
    ),
}


def note_text(code: str, lang: str = "zh_CN") -> str:
    """A note's words; "code:N" notes put N into the text."""
    name, _, count = code.partition(":")
    if name in NOTE_TEXT and count:
        zh, en = NOTE_TEXT[name]
        return (zh if lang.startswith("zh") else en).replace("{n}", count)
    zh, en = NOTE_TEXT.get(code, (code, code))
    return zh if lang.startswith("zh") else en


@dataclass(frozen=True, slots=True)
class SizePlan:
    """Output geometry in upright coordinates."""

    scale: float  # output pixels per upright source pixel
    width: int  # resized content, before padding
    height: int
    canvas_w: int  # final size, padding included
    canvas_h: int


def plan_size(width: int, height: int) -> SizePlan:
    """The size policy for a width×height (upright, cropped) image."""
    short, long = min(width, height), max(width, height)
    if short < MIN_SIDE:
        scale = MIN_SIDE / short
    elif short > MAX_SHORT_SIDE:
        scale = MAX_SHORT_SIDE / short
    else:
        scale = 1.0
    if long * scale > MAX_LONG_SIDE:
        scale = MAX_LONG_SIDE / long
    out_w = max(1, round(width * scale))
    out_h = max(1, round(height * scale))
    return SizePlan(scale, out_w, out_h, max(out_w, MIN_SIDE), max(out_h, MIN_SIDE))


# EXIF orientation → how to turn stored pixels upright (as PIL's exif_transpose does).
_SWAPS_AXES = {5, 6, 7, 8}


def _upright_box_to_stored(
    box: CropBox, orientation: int, stored_w: int, stored_h: int
) -> tuple[int, int, int, int]:
    """Map a crop in upright coordinates to (left, top, right, bottom) in stored pixels."""
    x0, y0, x1, y1 = box.x, box.y, box.x + box.w, box.y + box.h
    ws, hs = stored_w, stored_h
    if orientation == 2:
        xs, ys = (ws - x1, ws - x0), (y0, y1)
    elif orientation == 3:
        xs, ys = (ws - x1, ws - x0), (hs - y1, hs - y0)
    elif orientation == 4:
        xs, ys = (x0, x1), (hs - y1, hs - y0)
    elif orientation == 5:
        xs, ys = (y0, y1), (x0, x1)
    elif orientation == 6:
        xs, ys = (y0, y1), (hs - x1, hs - x0)
    elif orientation == 7:
        xs, ys = (ws - y1, ws - y0), (hs - x1, hs - x0)
    elif orientation == 8:
        xs, ys = (ws - y1, ws - y0), (x0, x1)
    else:
        xs, ys = (x0, x1), (y0, y1)
    return xs[0], ys[0], xs[1], ys[1]


def _orient(array: np.ndarray, orientation: int) -> np.ndarray:
    if orientation == 2:
        return cv2.flip(array, 1)
    if orientation == 3:
        return cv2.rotate(array, cv2.ROTATE_180)
    if orientation == 4:
        return cv2.flip(array, 0)
    if orientation == 5:
        return cv2.transpose(array)
    if orientation == 6:
        return cv2.rotate(array, cv2.ROTATE_90_CLOCKWISE)
    if orientation == 7:
        return cv2.rotate(cv2.transpose(array), cv2.ROTATE_180)
    if orientation == 8:
        return cv2.rotate(array, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return array


def _exif_orientation(image: Image.Image) -> int:
    """EXIF orientation. A JPEG's EXIF is read from its header; other formats (PNG keeps
    EXIF after the pixel data) are decoded first, so a corrupt data stream raises here
    instead of being swallowed with the metadata and the photo passing half black."""
    if image.format not in ("JPEG", "MPO"):
        image.load()
    return exif_orientation(image)


def _to_array(image: Image.Image, notes: list[str]) -> tuple[np.ndarray, bool]:
    """Decoded pixels as uint8 (H×W, H×W×3, or premultiplied H×W×4) and whether premultiplied.

    Transparency is kept premultiplied through the resample and flattened on white at the
    output size (`_flatten`): by linearity that equals compositing at full size, for a
    fraction of the work. 16-bit images keep their high byte (30000 → 117, not 255).
    """
    mode = image.mode
    if mode in ("RGB", "L") and "transparency" not in image.info:
        return np.asarray(image), False
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        notes.append("converted_16bit")
        wide = np.asarray(image)
        if mode == "I" and wide.size and int(wide.max()) <= 255:
            return wide.astype(np.uint8), False  # an 8-bit image stored as 32-bit ints
        return (np.clip(wide, 0, 65535).astype(np.uint32) >> 8).astype(np.uint8), False
    if mode == "F":
        return np.clip(np.asarray(image), 0, 255).astype(np.uint8), False
    if mode == "CMYK":
        notes.append("cmyk")
        return np.asarray(image.convert("RGB")), False
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if not has_alpha:
        return np.asarray(image.convert("RGB")), False
    rgba = np.asarray(image if mode == "RGBA" else image.convert("RGBA"))
    if int(rgba[..., 3].min()) == 255:
        return np.ascontiguousarray(rgba[..., :3]), False
    notes.append("flattened")
    return cv2.cvtColor(rgba, cv2.COLOR_RGBA2mRGBA), True


def _flatten(premultiplied: np.ndarray) -> np.ndarray:
    """Premultiplied RGBA → RGB on white: c·a + 255·(1 − a) = premultiplied c + (255 − a)."""
    white_share = cv2.cvtColor(255 - premultiplied[..., 3], cv2.COLOR_GRAY2RGB)
    return cv2.add(np.ascontiguousarray(premultiplied[..., :3]), white_share)


def _resample(pixels: np.ndarray, width: int, height: int, denoise: bool) -> np.ndarray:
    """One good-enough resample, fast on every ratio.

    OpenCV's INTER_AREA is fast only for whole-number ratios, so a reduction is a whole-number
    area reduction (an edge remainder of < k pixels dropped) followed by a bilinear step for
    the ratio left (< 2, where bilinear stays within 45 dB of a Lanczos resize). `denoise`
    adds the seed's light Gaussian; only images that are not being reduced need it, because
    a reduction already averages the noise away. Enlargement is bicubic after the denoise.
    """
    src_h, src_w = pixels.shape[:2]
    if denoise:
        pixels = cv2.GaussianBlur(pixels, (3, 3), 0.5)
    if (src_w, src_h) == (width, height):
        return pixels
    factor = min(src_w / width, src_h / height)
    if factor < 1.0:
        return cv2.resize(pixels, (width, height), interpolation=cv2.INTER_CUBIC)
    whole = int(factor)
    if whole >= 2:
        usable_h, usable_w = src_h // whole * whole, src_w // whole * whole
        pixels = cv2.resize(
            pixels[:usable_h, :usable_w],
            (usable_w // whole, usable_h // whole),
            interpolation=cv2.INTER_AREA,
        )
    if pixels.shape[:2] != (height, width):
        pixels = cv2.resize(pixels, (width, height), interpolation=cv2.INTER_LINEAR)
    return pixels


def _encode(array: np.ndarray, bgr: bool, notes: list[str]) -> bytes:
    """JPEG-encode with OpenCV (which takes BGR), stepping quality down to fit 5 MB."""
    if array.ndim == 2:
        array = cv2.cvtColor(array, cv2.COLOR_GRAY2BGR)
    elif not bgr:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    data = b""
    for quality in JPEG_QUALITIES:
        ok, encoded = cv2.imencode(".jpg", array, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise EncodeFailed("the JPEG encoder failed", limit_mb=MAX_JPEG_BYTES // 2**20)
        data = encoded.tobytes()
        if len(data) <= MAX_JPEG_BYTES:
            if quality != JPEG_QUALITIES[0]:
                notes.append("quality_reduced")
            return data
    raise EncodeFailed(
        f"{len(data)} bytes at q{JPEG_QUALITIES[-1]}", limit_mb=MAX_JPEG_BYTES // 2**20
    )


def prepare(
    source: str | os.PathLike[str] | bytes | Image.Image | OpenedImage,
    crop: CropBox | None = None,
) -> PreparedImage:
    """Prepare a photo (path, URL, bytes, PIL image) for image search. Raises ImageError."""
    opened = source if isinstance(source, OpenedImage) else load_source(source)
    try:
        return _prepare(opened, crop)
    except ImageError:
        raise
    except Exception as exc:
        # Pillow reports truncated and corrupt data as OSError at decode time; a hostile
        # file can make any decoder raise anything (MemoryError included).
        raise damaged(opened.format, exc) from None


_CV2_REDUCED = {
    2: cv2.IMREAD_REDUCED_COLOR_2,
    4: cv2.IMREAD_REDUCED_COLOR_4,
    8: cv2.IMREAD_REDUCED_COLOR_8,
}


def _decode_jpeg_reduced(
    opened: OpenedImage, image: Image.Image, scale: float
) -> np.ndarray | None:
    """A JPEG decoded by libjpeg straight into a BGR array, at the DCT scale (1/2, 1/4, 1/8)
    that still covers the output: no full-size decode, no PIL→numpy copy.

    None when PIL must decode instead: not a JPEG from bytes, CMYK (PIL undoes Adobe's
    inversion), or a file without an end-of-image marker after its last scan (OpenCV would
    quietly return a grey-filled truncated picture where PIL raises).
    """
    data = opened.data
    if opened.format != "JPEG" or data is None or image.mode not in ("RGB", "L", "YCbCr"):
        return None
    if data.rfind(b"\xff\xd9") < data.rfind(b"\xff\xda"):
        return None  # truncated: let PIL report it
    factor = next((f for f in (8, 4, 2) if f * scale <= 1.0), 1)
    flags = _CV2_REDUCED.get(factor, cv2.IMREAD_COLOR) | cv2.IMREAD_IGNORE_ORIENTATION
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if pixels is None or pixels.ndim != 3:
        return None
    return pixels


def _scaled_box(
    box: tuple[int, int, int, int], fx: float, fy: float, width: int, height: int
) -> tuple[int, int, int, int]:
    """A stored-pixel box in the coordinates of a reduced decode, kept inside it."""
    left, top, right, bottom = box
    return (
        max(0, math.floor(left * fx)),
        max(0, math.floor(top * fy)),
        min(width, math.ceil(right * fx)),
        min(height, math.ceil(bottom * fy)),
    )


def _prepare(opened: OpenedImage, crop: CropBox | None) -> PreparedImage:
    image = opened.image
    notes: list[str] = []
    if getattr(image, "is_animated", False):
        notes.append("first_frame")
        image.seek(0)
    orientation = _exif_orientation(image)
    stored_w, stored_h = image.size
    upright_w, upright_h = (
        (stored_h, stored_w) if orientation in _SWAPS_AXES else (stored_w, stored_h)
    )
    if min(upright_w, upright_h) < MIN_SOURCE_SIDE:
        raise ImageTooSmall(f"{upright_w}×{upright_h}", width=upright_w, height=upright_h,
                            min_side=MIN_SOURCE_SIDE)

    box = (crop or CropBox(0, 0, upright_w, upright_h)).clamped(upright_w, upright_h)
    plan = plan_size(box.w, box.h)
    left, top, right, bottom = _upright_box_to_stored(box, orientation, stored_w, stored_h)

    # Reduced-scale decode: just enough pixels that the crop still covers the output.
    pixels = _decode_jpeg_reduced(opened, image, plan.scale)
    bgr = pixels is not None
    if pixels is not None:
        decoded_h, decoded_w = pixels.shape[:2]
        premultiplied = False
        left, top, right, bottom = _scaled_box(
            (left, top, right, bottom),
            decoded_w / stored_w,
            decoded_h / stored_h,
            decoded_w,
            decoded_h,
        )
        pixels = pixels[top:bottom, left:right]
    else:
        if opened.format == "JPEG" and plan.scale < 1.0:
            want = (math.ceil(stored_w * plan.scale), math.ceil(stored_h * plan.scale))
            image.draft("RGB" if image.mode in ("RGB", "YCbCr") else image.mode, want)
        image.load()
        decoded_w, decoded_h = image.size
        stored_box = _scaled_box(
            (left, top, right, bottom),
            decoded_w / stored_w,
            decoded_h / stored_h,
            decoded_w,
            decoded_h,
        )
        if stored_box != (0, 0, decoded_w, decoded_h):
            image = image.crop(stored_box)
        pixels, premultiplied = _to_array(image, notes)

    target = (plan.height, plan.width) if orientation in _SWAPS_AXES else (plan.width, plan.height)
    pixels = _resample(pixels, *target, denoise=plan.scale > DENOISE_BELOW_REDUCTION)
    if premultiplied:
        pixels = _flatten(pixels)
    if plan.scale > 1.0:
        notes.append("upscaled")
    pixels = _orient(pixels, orientation)

    if (plan.canvas_w, plan.canvas_h) != (plan.width, plan.height):
        notes.append("padded")
        pad_x, pad_y = plan.canvas_w - plan.width, plan.canvas_h - plan.height
        white = (255, 255, 255) if pixels.ndim == 3 else 255
        pixels = cv2.copyMakeBorder(
            pixels,
            pad_y // 2,
            pad_y - pad_y // 2,
            pad_x // 2,
            pad_x - pad_x // 2,
            cv2.BORDER_CONSTANT,
            value=white,
        )
    jpeg = _encode(pixels, bgr, notes)
    return PreparedImage(
        jpeg=jpeg,
        width=plan.canvas_w,
        height=plan.canvas_h,
        sha256=hashlib.sha256(jpeg).hexdigest(),
        notes=tuple(dict.fromkeys(notes)),
        source_format=opened.format,
        source_size=(upright_w, upright_h),
    )
