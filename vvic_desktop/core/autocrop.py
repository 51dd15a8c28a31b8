"""Propose a crop box around the garment in a photo (the crop tool's "auto" button).

`propose_crop(image_or_array) -> CropBox` in the pixel coordinates of the image it is given
(callers pass the upright, EXIF-rotated photo). No Qt.

How: GrabCut seeded with a centred rectangle, on a downscale of about 160 px on the long
side. A buyer's photo has the garment roughly in the middle and background at the edges,
which is exactly GrabCut's rectangle prior; its colour models (GMMs) then separate a printed
garment from a textured wall better than edges do (edges fire on the wall's texture too).
The downscale keeps it far below the 300 ms budget for a 12 MP photo: decoding dominates,
so a lazily-opened JPEG is decoded at reduced scale (`Image.draft`; this
mutates the image object passed in, so pass a fresh one or an array).

When the answer looks wrong (almost nothing or almost everything is foreground, or the
foreground is a thin sliver), the whole image is returned: a full-frame crop is harmless,
a wrong tight crop searches for the wrong thing.

Auto-crop is the default for a search with no crop (`vvic search`, `vvic batch`, the GUI,
which draws the suggested box as soon as a photo is added): `suggest_crop(opened)` gives
the box a search uses, `prepare_for_search` prepares the photo with it. `--no-crop` (CLI)
or resetting the box (GUI) sends the whole photo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

from vvic_desktop.core.models import CropBox

if TYPE_CHECKING:
    from vvic_desktop.core.intake import OpenedImage
    from vvic_desktop.core.models import PreparedImage

WORK_SIDE = 160  # long side of the working downscale, px (GrabCut's max-flow grows fast above)
RECT_MARGIN = 0.04  # fraction of each side assumed to be background
ITERATIONS = 4
PAD = 0.02  # fraction of the box side added around the found garment
BLUR_SIGMA = 1.0  # px at the working scale
SPARSE_EDGE = 0.02  # rows/columns with less than this share of the densest one are trimmed
MIN_AREA, MAX_AREA = 0.03, 0.92  # plausible foreground fractions of the image
PREVIEW_SIDE = 640  # long side of the upright copy a search's crop is proposed on


@dataclass(frozen=True, slots=True)
class CropProposal:
    """The proposed box and whether it is a real finding or the whole-image fallback."""

    box: CropBox
    found: bool
    reason: str = ""


def propose_crop(image_or_array: Image.Image | NDArray[np.uint8]) -> CropBox:
    """The garment's box in `image_or_array`'s pixel coordinates (whole image when unsure)."""
    return analyse(image_or_array).box


def analyse(image_or_array: Image.Image | NDArray[np.uint8]) -> CropProposal:
    """Like `propose_crop`, but also says whether it fell back to the whole image and why."""
    small, width, height = _working_copy(image_or_array)
    whole = CropBox(0, 0, width, height)
    sh, sw = small.shape[:2]
    if sw < 16 or sh < 16:
        return CropProposal(whole, False, "image too small")
    mx, my = max(1, round(sw * RECT_MARGIN)), max(1, round(sh * RECT_MARGIN))
    rect = (mx, my, sw - 2 * mx, sh - 2 * my)
    # A light blur merges fine background texture (grout lines, plaster, wood grain) into
    # its base colour before GrabCut fits its colour models; the garment's print survives.
    small = np.asarray(cv2.GaussianBlur(small, (0, 0), BLUR_SIGMA), dtype=np.uint8)
    mask = np.zeros((sh, sw), np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    # A fixed RNG state: GrabCut's k-means initialisation would otherwise vary between runs.
    cv2.setRNGSeed(12345)
    try:
        cv2.grabCut(small, mask, rect, bgd, fgd, ITERATIONS, cv2.GC_INIT_WITH_RECT)
    except cv2.error:
        return CropProposal(whole, False, "segmentation failed")
    foreground = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    # Opening removes the speckles GrabCut leaves on a textured wall; the garment is the
    # largest connected piece left (plus pieces of comparable size: a two-part outfit).
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    foreground = cv2.morphologyEx(foreground, cv2.MORPH_OPEN, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(foreground, connectivity=8)
    if count <= 1:
        return CropProposal(whole, False, "no foreground")
    areas = stats[1:, cv2.CC_STAT_AREA]
    largest = int(areas.max())
    keep = [i + 1 for i, a in enumerate(areas) if a >= 0.25 * largest]
    x0 = min(int(stats[i, cv2.CC_STAT_LEFT]) for i in keep)
    y0 = min(int(stats[i, cv2.CC_STAT_TOP]) for i in keep)
    x1 = max(int(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH]) for i in keep)
    y1 = max(int(stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT]) for i in keep)
    fraction = sum(int(areas[i - 1]) for i in keep) / float(sw * sh)
    kept = np.isin(labels[y0:y1, x0:x1], keep)
    x0, y0, x1, y1 = _trim_sparse_edges(kept, x0, y0, x1, y1)
    if fraction < MIN_AREA:
        return CropProposal(whole, False, "foreground too small")
    if fraction > MAX_AREA:
        return CropProposal(whole, False, "foreground fills the image")
    bw, bh = x1 - x0, y1 - y0
    if bw < 0.08 * sw or bh < 0.08 * sh:
        return CropProposal(whole, False, "foreground is a sliver")
    # back to full resolution, padded a little so a hem or sleeve tip is never cut off
    sx, sy = width / sw, height / sh
    pad_x, pad_y = PAD * bw * sx, PAD * bh * sy
    fx0 = max(0, int(np.floor(x0 * sx - pad_x)))
    fy0 = max(0, int(np.floor(y0 * sy - pad_y)))
    fx1 = min(width, int(np.ceil(x1 * sx + pad_x)))
    fy1 = min(height, int(np.ceil(y1 * sy + pad_y)))
    return CropProposal(CropBox(fx0, fy0, fx1 - fx0, fy1 - fy0), True)


def upright_preview(opened: OpenedImage, max_side: int) -> tuple[NDArray[np.uint8], int, int]:
    """(upright RGB copy at most `max_side` px long, upright full width, upright full height).

    The full size comes from the header and the EXIF orientation (5–8 swap the sides), so a
    48 MP photo costs only its reduced-scale decode. `opened.image` is not touched when the
    encoded bytes are at hand (a fresh lazy image is opened on them): a search prepares the
    same `opened` afterwards, and `Image.draft` would otherwise shrink it for good.
    """
    from vvic_desktop.core import intake

    image = intake.open_bytes(opened.data).image if opened.data is not None \
        else opened.image.copy()
    width, height = image.size
    try:
        orientation = int(image.getexif().get(0x0112, 1))
    except (ValueError, TypeError, OSError):
        orientation = 1
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    if image.format == "JPEG":
        image.draft("RGB", (max_side, max_side))
    try:
        image = ImageOps.exif_transpose(image) or image
    except (ValueError, TypeError, OSError):  # a broken EXIF block must not cost the photo
        pass
    fmt = opened.format or image.format or "?"
    try:  # a torn file fails here: the same DamagedImage (and words) as the search's loader
        if image.mode in ("RGBA", "LA", "P", "PA"):
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            image = flat
        image = image.convert("RGB")
        image.thumbnail((max_side, max_side))
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise intake.damaged(fmt, exc) from None
    return np.ascontiguousarray(np.asarray(image)), width, height


def box_on_full(proposal: CropProposal, preview_w: int, preview_h: int,
                width: int, height: int) -> CropBox | None:
    """A proposal made on a preview, in the full photo's pixels (None when not found)."""
    if not proposal.found:
        return None
    sx, sy = width / max(1, preview_w), height / max(1, preview_h)
    b = proposal.box
    box = CropBox(round(b.x * sx), round(b.y * sy), round(b.w * sx), round(b.h * sy))
    return box.clamped(width, height)


def suggest_crop(opened: OpenedImage) -> CropBox | None:
    """The garment's box in the upright photo's pixels, or None (search the whole photo)."""
    preview, width, height = upright_preview(opened, PREVIEW_SIDE)
    return box_on_full(analyse(preview), preview.shape[1], preview.shape[0], width, height)


def prepare_for_search(opened: OpenedImage, crop: CropBox | None, *, auto: bool
                       ) -> PreparedImage:
    """The photo prepared for a search: cut to `crop`, else (when `auto`) to the garment.

    The box used travels on the result (`PreparedImage.crop`), so the search that is saved,
    printed as JSON or shown says which part of the photo was searched.
    """
    import dataclasses

    from vvic_desktop.core.errors import ImageError
    from vvic_desktop.core.prepare import prepare

    if crop is None and auto:
        try:
            crop = suggest_crop(opened)
        except (ImageError, OSError, ValueError, cv2.error):
            crop = None  # the whole photo; `prepare` reports a photo that is really unusable
    prepared = prepare(opened, crop)
    return dataclasses.replace(prepared, crop=crop)


def _trim_sparse_edges(
    kept: NDArray[np.bool_], x0: int, y0: int, x1: int, y1: int
) -> tuple[int, int, int, int]:
    """Drop box rows/columns at the edges holding only a trace of foreground.

    On a strongly patterned background (tiles, boards) GrabCut can glue a few background
    cells to the garment's outline; they are sparse compared with the garment's own rows.
    A strap or sleeve tip is thin too, so the cut-off is low (a tenth of the densest row).
    """
    rows, cols = kept.sum(axis=1), kept.sum(axis=0)
    dense_rows = np.flatnonzero(rows >= SPARSE_EDGE * rows.max())
    dense_cols = np.flatnonzero(cols >= SPARSE_EDGE * cols.max())
    return (x0 + int(dense_cols[0]), y0 + int(dense_rows[0]),
            x0 + int(dense_cols[-1]) + 1, y0 + int(dense_rows[-1]) + 1)


def _working_copy(
    image_or_array: Image.Image | NDArray[np.uint8],
) -> tuple[NDArray[np.uint8], int, int]:
    """(≈WORK_SIDE-px BGR copy, full width, full height)."""
    if isinstance(image_or_array, Image.Image):
        image = image_or_array
        width, height = image.size
        scale = max(width, height) / WORK_SIDE
        if image.format == "JPEG" and scale >= 2:
            # decode at 1/2, 1/4 or 1/8 scale: a 12 MP JPEG decodes in a fraction of the time
            image.draft("RGB", (max(1, int(width / scale)), max(1, int(height / scale))))
        if image.mode != "RGB":
            image = image.convert("RGB")
        factor = int(max(image.size) // (WORK_SIDE * 2))
        if factor >= 2:
            image = image.reduce(factor)
        array = np.asarray(image)
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    else:
        array = np.asarray(image_or_array)
        if array.ndim == 2:
            array = cv2.cvtColor(array, cv2.COLOR_GRAY2BGR)
        elif array.shape[2] == 4:
            array = cv2.cvtColor(array, cv2.COLOR_RGBA2BGR)
        else:
            array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
        height, width = array.shape[:2]
    if array.dtype != np.uint8:
        array = array.astype(np.uint8)
    long_side = max(array.shape[:2])
    if long_side > WORK_SIDE:
        f = WORK_SIDE / long_side
        size = (max(1, round(array.shape[1] * f)), max(1, round(array.shape[0] * f)))
        array = cv2.resize(array, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(array), width, height
