"""Propose a crop box around the garment in a photo (the crop tool's "auto" button).

`propose_crop(image_or_array) -> CropBox` in the pixel coordinates of the image it is given
(callers pass the upright, EXIF-rotated photo). No Qt.

How: GrabCut seeded with a centred rectangle, on a downscale of about 160 px on the long
side. A buyer's photo has the garment roughly in the middle and background at the edges,
which is exactly GrabCut's rectangle prior; its colour models (GMMs) then separate a printed
garment from a textured wall better than edges do (edges fire on the wall's texture too).
Slow changes of brightness (a lamp's fall-off, a phone's vignette) are taken out first, so
a lit middle of the wall is not mistaken for the garment. A stall photo is not a clean
wall: tighter centred rectangles are tried too, and the answer whose garment differs most
in colour from the ring of photo right around its box wins (a tighter one by a margin;
one inside the wider one's box on colour alone, else less its distance from the middle).
The garment is the large piece near the middle; pieces next to it join it, things apart
from it (a bag, a stool, a neighbour's sleeve at the frame's edge) stay out, and so does a
piece next to it of a clearly different colour standing beside it (a box set down by a
pair of trousers). A last
GrabCut inside the box found learns the background right next to the garment and tightens
the box, unless that would cut the garment or its garment is mostly not the first one's
(the wall round the garment taken for the foreground). Last, a solid thing of a clearly
different colour at the box's edge and mostly outside the garment's outline (a bag or a
bottle touching it, which GrabCut joins to it) is split off. Up to five GrabCuts on the
small copy: about 0.4 s of CPU for a 2 MP phone photo, decoding included (0.17 s with the
single GrabCut it replaced; measured under heavy load, so an upper figure; 0.25 s median at
load ~1.1 on 640-px previews); in the app it runs on a worker.
A lazily-opened JPEG is decoded at reduced scale (`Image.draft`; this
mutates the image object passed in, so pass a fresh one or an array).

When no start finds a garment (on a busy wallpaper the background colours learnt at the
photo's edges explain the garment too, or a small distinct thing such as a face wins), or
what they find does not cover the photo's middle (a thing of a more distinct colour
beside a garment that blends with its wall), GrabCut is asked once more with a small box
in the photo's middle marked garment for sure (a buyer aims at the garment); its answer
is taken only when it is of a plausible size and its colours differ from the photo's
edges (a close-up filled to its edges with the garment stays whole). When the answer
still looks wrong (almost nothing or almost everything is foreground, or the foreground
is a thin sliver), the whole image is returned: a full-frame crop is harmless, a wrong
tight crop searches for the wrong thing.

Auto-crop is the default for a search with no crop (`vvic search`, `vvic batch`, the GUI,
which draws the suggested box as soon as a photo is added): `suggest_crop(opened)` gives
the box a search uses, `prepare_for_search` prepares the photo with it. `--no-crop` (CLI)
or resetting the box (GUI) sends the whole photo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

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
SLIVER = 0.08  # a box narrower or shorter than this share of the image's side is a sliver
SEED_SIDE = 0.08  # side of the centred box taken as garment when no start found one
SEED_DISTINCT = 0.5  # ... whose answer's colours must differ this much from the photo's edges
FLAT_SIGMA = 0.25  # of the long side: brightness changes slower than this are taken out
CANDIDATES = (0.12, 0.2)  # margins of the tighter centred rectangles also tried
CANDIDATE_MARGIN = 0.05  # a tighter candidate must score this much higher
CENTRE_PULL = 1.5  # score lost per unit of the box centre's offset (fractions of the sides)
RING = 0.15  # of the box's side: the background ring a candidate's colours are compared with
REFINE_PASSES = 2  # GrabCut again inside the box found, this many times at most
REFINE_MARGIN = 0.12  # of the box's side, added around it for the refining pass
REFINE_MAX_SHARE = 0.85  # no refining when the box plus margin covers this share of the image
CUT_BORDER = 0.08  # a refined garment touching its rectangle along more than this is cut
MIN_REFINED = 0.3  # a refined box below this share of the previous one lost the garment
MIN_KEPT = 0.6  # share of the first pass's garment a refined box must still hold
MIN_OURS = 0.6  # share of a refined garment that must be the first pass's garment
CENTRE_WEIGHT = 0.6  # how much a piece's distance from the middle counts against it
EDGE_PENALTY = 0.5  # weight of a piece running into the rectangle's border
NEAR = 0.1  # of the image's side: pieces closer than this to the garment join it
JOIN_SHARE = 0.25  # pieces smaller than this share of the garment's never join it
JOIN_COLOUR = 30.0  # Lab distance above which a nearby piece's colour is another thing's
JOIN_COLUMNS = 0.5  # ... and share of its width below which it stands beside the garment
SPLIT_COLOURS = 3  # colour clusters the garment's box is split into
SPLIT_DISTANCE = 30.0  # Lab distance (8-bit units) above which two clusters are distinct
SPLIT_MIN = 0.08  # a thing split off holds at least this share of the box's foreground
SPLIT_OUTSIDE = 0.6  # ... and lies at least this much outside the main piece's hull
SPLIT_KEEP = 0.5  # what is left holds at least this share of the foreground
# OpenCV's RNG state set before each GrabCut and k-means: their initialisation would
# otherwise vary between runs, and so would the box.
RNG_SEED = 12345
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
    # A light blur merges fine background texture (grout lines, plaster, wood grain) into
    # its base colour before GrabCut fits its colour models; the garment's print survives.
    small = np.asarray(cv2.GaussianBlur(small, (0, 0), BLUR_SIGMA), dtype=np.uint8)
    small = _flatten_light(small)
    rect = (mx, my, sw - mx, sh - my)
    first = _best_candidate(small, _segment(small, rect))
    if not _plausible(first, sw, sh) or not _holds_centre(first.box, sw, sh):
        # Every start found nothing garment-like (on a busy background the colour model
        # learnt at the photo's edges also explains the garment: a black garment on a dark
        # wallpaper; or a small distinct thing such as a face or a logo wins), or what they
        # found lies away from the middle (a thing of a more distinct colour beside a
        # garment that blends with its wall: a yellow bag beside brown trousers on wood).
        # The buyer aims at the garment, so the middle of the photo is taken as garment and
        # GrabCut asked again; its answer counts only when its colours are not the photo
        # edges' own (a close-up, all garment to its edges, stays whole).
        seeded = _segment(small, rect, seed=SEED_SIDE)
        if _plausible(seeded, sw, sh) and _edge_distinctness(small, seeded, rect) >= SEED_DISTINCT:
            first = seeded
    if isinstance(first, str):
        return CropProposal(whole, False, first)
    box, mask = first.box, first.mask
    # Refine: GrabCut again inside the found box plus a margin. Its background model now
    # learns the surroundings right next to the garment (the wall's local light, the things
    # beside it) rather than the photo's far edges, so wall and clutter glued to the garment
    # in the first pass fall away. The refined box is kept only when it does not cut the
    # garment (its foreground does not run along the rectangle's border) and keeps most of
    # the first pass's garment: a margin on both sides, not one cue at its limit.
    for _ in range(REFINE_PASSES):
        bw, bh = box[2] - box[0], box[3] - box[1]
        rect = (max(0, box[0] - round(REFINE_MARGIN * bw)),
                max(0, box[1] - round(REFINE_MARGIN * bh)),
                min(sw, box[2] + round(REFINE_MARGIN * bw)),
                min(sh, box[3] + round(REFINE_MARGIN * bh)))
        if (rect[2] - rect[0]) * (rect[3] - rect[1]) > REFINE_MAX_SHARE * sw * sh:
            break  # the first pass found (nearly) the whole frame: nothing to learn from
        refined = _segment(small, rect)
        if isinstance(refined, str) or refined.border > CUT_BORDER:
            break
        nb = refined.box
        kept = first.mask[nb[1]:nb[3], nb[0]:nb[2]].sum() / max(1, int(first.mask.sum()))
        if (nb[2] - nb[0]) * (nb[3] - nb[1]) < MIN_REFINED * bw * bh or kept < MIN_KEPT:
            break
        # An inverted answer (the wall round the garment taken for the foreground, which a
        # box reaching the frame's edges invites) holds little of the first garment.
        ours = int((refined.mask & first.mask).sum()) / max(1, int(refined.mask.sum()))
        if ours < MIN_OURS:
            break
        if nb == box:
            break
        box, mask = nb, refined.mask
    box = _split_off(small, mask, box)
    x0, y0, x1, y1 = box
    fraction = first.fraction
    if fraction < MIN_AREA:
        return CropProposal(whole, False, "foreground too small")
    if fraction > MAX_AREA:
        return CropProposal(whole, False, "foreground fills the image")
    bw, bh = x1 - x0, y1 - y0
    if _sliver(box, sw, sh):
        return CropProposal(whole, False, "foreground is a sliver")
    # back to full resolution, padded a little so a hem or sleeve tip is never cut off
    sx, sy = width / sw, height / sh
    pad_x, pad_y = PAD * bw * sx, PAD * bh * sy
    fx0 = max(0, int(np.floor(x0 * sx - pad_x)))
    fy0 = max(0, int(np.floor(y0 * sy - pad_y)))
    fx1 = min(width, int(np.ceil(x1 * sx + pad_x)))
    fy1 = min(height, int(np.ceil(y1 * sy + pad_y)))
    return CropProposal(CropBox(fx0, fy0, fx1 - fx0, fy1 - fy0), True)


def _holds_centre(box: tuple[int, int, int, int], sw: int, sh: int) -> bool:
    """Whether the box covers the middle of the image."""
    return box[0] <= sw / 2 <= box[2] and box[1] <= sh / 2 <= box[3]


def _sliver(box: tuple[int, int, int, int], sw: int, sh: int) -> bool:
    return box[2] - box[0] < SLIVER * sw or box[3] - box[1] < SLIVER * sh


def _plausible(segment: _Segment | str, sw: int, sh: int) -> TypeGuard[_Segment]:
    """A garment found, of a plausible size and not a sliver (as the final answer must be)."""
    return (isinstance(segment, _Segment) and segment.fraction >= MIN_AREA
            and not _sliver(segment.box, sw, sh))


@dataclass(frozen=True, slots=True)
class _Segment:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 at the working scale
    fraction: float  # the kept foreground's share of the image
    border: float  # share of the rectangle's inner border that is kept foreground
    mask: NDArray[np.uint8]  # kept foreground, 0/1


def _segment(small: NDArray[np.uint8], rect: tuple[int, int, int, int],
             seed: float = 0.0) -> _Segment | str:
    """GrabCut inside `rect` (x0, y0, x1, y1): the garment's box, or why there is none.

    `seed`: a centred box this fraction of the image's sides is marked garment for sure."""
    sh, sw = small.shape[:2]
    x0, y0, x1, y1 = rect
    mask = np.zeros((sh, sw), np.uint8)
    mode = cv2.GC_INIT_WITH_RECT
    if seed > 0:
        mask[y0:y1, x0:x1] = cv2.GC_PR_FGD
        hx, hy = max(1, round(seed * sw / 2)), max(1, round(seed * sh / 2))
        mask[sh // 2 - hy:sh // 2 + hy, sw // 2 - hx:sw // 2 + hx] = cv2.GC_FGD
        mode = cv2.GC_INIT_WITH_MASK
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(RNG_SEED)
    try:
        cv2.grabCut(small, mask, (x0, y0, x1 - x0, y1 - y0), bgd, fgd, ITERATIONS, mode)
    except cv2.error:
        return "segmentation failed"
    foreground = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    # Opening removes the speckles GrabCut leaves on a textured wall; the garment is the
    # largest connected piece left (plus pieces of comparable size: a two-part outfit).
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    foreground = cv2.morphologyEx(foreground, cv2.MORPH_OPEN, kernel)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(foreground,
                                                                        connectivity=8)
    if count <= 1:
        return "no foreground"
    colours = _piece_colours(small, labels, count)
    keep = _garment_pieces(stats, centroids, rect, (sw, sh), colours)
    bx0 = min(int(stats[i, cv2.CC_STAT_LEFT]) for i in keep)
    by0 = min(int(stats[i, cv2.CC_STAT_TOP]) for i in keep)
    bx1 = max(int(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH]) for i in keep)
    by1 = max(int(stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT]) for i in keep)
    fraction = sum(int(stats[i, cv2.CC_STAT_AREA]) for i in keep) / float(sw * sh)
    kept_mask = np.isin(labels, keep).astype(np.uint8)
    box = _trim_sparse_edges(kept_mask[by0:by1, bx0:bx1].astype(bool), bx0, by0, bx1, by1)
    # the rectangle's inner border, where the image's edge is not the rectangle's edge
    ring = []
    if y0 > 0:
        ring.append(kept_mask[y0, x0:x1])
    if y1 < sh:
        ring.append(kept_mask[y1 - 1, x0:x1])
    if x0 > 0:
        ring.append(kept_mask[y0:y1, x0])
    if x1 < sw:
        ring.append(kept_mask[y0:y1, x1 - 1])
    border = float(np.concatenate(ring).mean()) if ring else 0.0
    return _Segment(box, fraction, border, kept_mask)


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


def _best_candidate(small: NDArray[np.uint8], first: _Segment | str) -> _Segment | str:
    """The most garment-like of GrabCut's answers from centred rectangles of several sizes
    (`first`: the answer from the widest rectangle, or why it found nothing).

    The photo's edge is not always the garment's background: a lit patch of wall, a table
    or a neighbour's stock can fill the middle. A tighter starting rectangle learns the
    background nearer the garment. Each answer is scored on two cues: how distinct its
    garment's colours are from a ring of the photo right around its box (a box of wall has
    a ring of the same wall), less how far its box's centre is from the photo's (a buyer
    aims at the garment; a box stretched over a bag or a box beside it drifts off-centre).
    An answer that runs into its rectangle (a cut garment) does not count, and a tighter
    answer must beat the wider one by a margin. A tighter answer inside the wider one's box
    (the widest start answering with the lit wall round the garment) is judged on colour
    alone, by the same margin: the pull to the middle chooses between things apart, not
    between a box and a part of it. When the widest rectangle found nothing (a busy wall
    whose colours the garment shares), the tighter ones still may.
    """
    sh, sw = small.shape[:2]
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB)
    best, best_score = first, (_garment_score(lab, first) if isinstance(first, _Segment)
                               else -np.inf)
    for margin in CANDIDATES:
        mx, my = round(sw * margin), round(sh * margin)
        candidate = _segment(small, (mx, my, sw - mx, sh - my))
        if isinstance(candidate, str) or candidate.border > CUT_BORDER \
                or candidate.fraction < MIN_AREA:
            continue
        score = _garment_score(lab, candidate)
        if score > best_score + CANDIDATE_MARGIN or (
                isinstance(best, _Segment) and _nested(candidate.box, best.box)
                and _distinctness(lab, candidate) > _distinctness(lab, best) + CANDIDATE_MARGIN):
            best, best_score = candidate, score
    return best


def _nested(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    """Whether box `inner` lies within box `outer` (a pixel of slack a side)."""
    return inner[0] >= outer[0] - 1 and inner[1] >= outer[1] - 1 \
        and inner[2] <= outer[2] + 1 and inner[3] <= outer[3] + 1


def _garment_score(lab: NDArray[Any], segment: _Segment) -> float:
    """Colour distinctness from the surroundings, less the box's distance from the middle."""
    sh, sw = lab.shape[:2]
    x0, y0, x1, y1 = segment.box
    off = float(np.hypot((x0 + x1) / (2 * sw) - 0.5, (y0 + y1) / (2 * sh) - 0.5))
    return _distinctness(lab, segment) - CENTRE_PULL * off


def _distinctness(lab: NDArray[Any], segment: _Segment) -> float:
    """Hellinger distance between the colours of the segment's garment and of the ring of
    background round its box (0: the same colours, 1: nothing in common)."""
    sh, sw = lab.shape[:2]
    x0, y0, x1, y1 = segment.box
    rx, ry = max(2, round(RING * (x1 - x0))), max(2, round(RING * (y1 - y0)))
    ring = np.zeros((sh, sw), bool)
    ring[max(0, y0 - ry):min(sh, y1 + ry), max(0, x0 - rx):min(sw, x1 + rx)] = True
    ring[y0:y1, x0:x1] = False
    inside = np.zeros((sh, sw), bool)
    inside[y0:y1, x0:x1] = segment.mask[y0:y1, x0:x1] > 0
    return _hellinger(lab, inside, ring)


def _hellinger(lab: NDArray[Any], one: NDArray[np.bool_], other: NDArray[np.bool_]) -> float:
    """Hellinger distance between the Lab colour histograms (8 bins a channel) of two
    regions (0: the same colours, 1: nothing in common; 0 when either is too small)."""
    if one.sum() < 16 or other.sum() < 16:
        return 0.0
    bins = (lab.astype(np.int32) // 32)
    index = bins[..., 0] * 64 + bins[..., 1] * 8 + bins[..., 2]
    a = np.bincount(index[one], minlength=512).astype(np.float64)
    b = np.bincount(index[other], minlength=512).astype(np.float64)
    overlap = float(np.sqrt(a / a.sum() * b / b.sum()).sum())
    return float(np.sqrt(max(0.0, 1.0 - overlap)))


def _edge_distinctness(small: NDArray[np.uint8], segment: _Segment,
                       rect: tuple[int, int, int, int]) -> float:
    """Hellinger distance between the colours of the segment's garment and of the photo's
    edges outside `rect` (where GrabCut learnt the background)."""
    sh, sw = small.shape[:2]
    edges = np.ones((sh, sw), bool)
    edges[rect[1]:rect[3], rect[0]:rect[2]] = False
    return _hellinger(cv2.cvtColor(small, cv2.COLOR_BGR2LAB), segment.mask > 0, edges)


def _split_off(small: NDArray[np.uint8], mask: NDArray[np.uint8],
               box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The box with things of another colour at its edge split off (a bag, a bottle or a
    box touching the garment, which GrabCut joins to it as one piece).

    The box's foreground is clustered by colour; each cluster's solid pieces (a print's
    dots and stripes are too thin to survive an opening) are candidates. The garment is
    the largest piece near the middle; a piece of a clearly different colour that reaches
    the box's edge and lies mostly outside the garment's outline (its convex hull, hollows
    between legs or under arms filled) is something beside it.
    The box shrinks only when most of the foreground stays in it: when unsure, the wider
    box (the whole garment and a bit more) beats a tight one that cuts the garment.
    """
    sh, sw = mask.shape
    x0, y0, x1, y1 = box
    region = mask[y0:y1, x0:x1].astype(bool)
    total = int(region.sum())
    if total < 64:
        return box
    lab = cv2.cvtColor(small[y0:y1, x0:x1], cv2.COLOR_BGR2LAB).astype(np.float32)
    samples = np.ascontiguousarray(lab[region])
    cv2.setRNGSeed(RNG_SEED)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    _, labels, _ = cv2.kmeans(samples, SPLIT_COLOURS, None, criteria, 2,
                                    cv2.KMEANS_PP_CENTERS)
    grid = np.full(region.shape, -1, np.int32)
    grid[region] = labels.ravel()
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    # (piece, its box, its mean colour, its score, solid?); what no solid piece holds (a
    # print's dots and stripes) makes pieces of its own, never solid, never split off
    pieces: list[tuple[NDArray[np.bool_], tuple[int, int, int, int], NDArray[Any], float,
                       bool]] = []
    solid_all = np.zeros(region.shape, bool)
    layers = [(grid == c) for c in range(SPLIT_COLOURS)]
    for layer_index in range(SPLIT_COLOURS + 1):
        if layer_index < SPLIT_COLOURS:
            layer = layers[layer_index]
        else:
            layer = region & ~solid_all
        solid = cv2.morphologyEx(layer.astype(np.uint8), cv2.MORPH_OPEN, kernel)
        count, comp, stats, centroids = cv2.connectedComponentsWithStats(solid, connectivity=8)
        for i in range(1, count):
            area = int(stats[i, cv2.CC_STAT_AREA])
            if area < SPLIT_MIN * total:
                continue
            piece = comp == i
            if layer_index < SPLIT_COLOURS:
                solid_all |= piece
            left, top = int(stats[i, cv2.CC_STAT_LEFT]), int(stats[i, cv2.CC_STAT_TOP])
            b = (left, top, left + int(stats[i, cv2.CC_STAT_WIDTH]),
                 top + int(stats[i, cv2.CC_STAT_HEIGHT]))
            cx, cy = centroids[i][0] + x0, centroids[i][1] + y0
            off = float(np.hypot((cx - sw / 2) / (sw / 2), (cy - sh / 2) / (sh / 2)))
            colour = lab[piece & region].mean(axis=0)
            pieces.append((piece, b, colour, area * max(0.15, 1.0 - CENTRE_WEIGHT * off),
                           layer_index < SPLIT_COLOURS))
    if len(pieces) < 2:
        return box
    main = max(pieces, key=lambda p: p[3])
    mcolour = main[2]
    bw, bh = x1 - x0, y1 - y0
    # the main piece's outline, hollows filled (between a pair of trouser legs, under arms)
    hull = np.zeros(region.shape, np.uint8)
    points = cv2.findNonZero(main[0].astype(np.uint8))
    cv2.fillConvexPoly(hull, cv2.convexHull(points), 1)
    hull = hull.astype(bool)
    keep = region.copy()
    for piece, b, colour, _, is_solid in pieces:
        if piece is main[0] or not is_solid \
                or float(np.linalg.norm(colour - mcolour)) < SPLIT_DISTANCE:
            continue
        if not (b[0] <= 1 or b[1] <= 1 or b[2] >= bw - 1 or b[3] >= bh - 1):
            continue  # not at the box's edge: part of the garment (a pocket, a print)
        inside = (piece & hull).sum() / max(1, int(piece.sum()))
        if 1.0 - inside < SPLIT_OUTSIDE:
            continue
        keep &= ~cv2.dilate(piece.astype(np.uint8), kernel).astype(bool)
    if keep.sum() < SPLIT_KEEP * total or keep.sum() == total:
        return box
    # what is left: the pieces joined to the garment's main piece
    count, comp = cv2.connectedComponents(
        cv2.morphologyEx(keep.astype(np.uint8), cv2.MORPH_OPEN, kernel), connectivity=8)
    centre_label = np.bincount(comp[main[0] & keep].ravel(), minlength=count)
    centre_label[0] = 0
    if centre_label.max() == 0:
        return box
    left = comp == int(centre_label.argmax())
    if left.sum() < SPLIT_KEEP * total:
        return box
    ys, xs = np.nonzero(left)
    return _trim_sparse_edges(left[ys.min():ys.max() + 1, xs.min():xs.max() + 1],
                              x0 + int(xs.min()), y0 + int(ys.min()),
                              x0 + int(xs.max()) + 1, y0 + int(ys.max()) + 1)


def _flatten_light(small: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The image with its slow changes of brightness taken out (a lamp's fall-off, a phone's
    vignette, a shadowed half): GrabCut's background colours, learnt at the photo's edges,
    then also fit the wall behind the garment. Colour (a, b of Lab) is left alone."""
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB).astype(np.float32)
    light = lab[..., 0]
    slow = cv2.GaussianBlur(light, (0, 0), FLAT_SIGMA * max(light.shape))
    lab[..., 0] = np.clip(light - slow + float(slow.mean()), 0, 255)
    return np.ascontiguousarray(cv2.cvtColor(lab.astype(np.uint8), cv2.COLOR_LAB2BGR))


def _piece_colours(small: NDArray[np.uint8], labels: NDArray[Any], count: int
                   ) -> NDArray[np.float64]:
    """The mean Lab colour (8-bit units) of each labelled piece, row per label."""
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB).reshape(-1, 3).astype(np.float64)
    flat = labels.ravel()
    sizes = np.maximum(1, np.bincount(flat, minlength=count)).astype(np.float64)
    return np.stack([np.bincount(flat, weights=lab[:, c], minlength=count) / sizes
                     for c in range(3)], axis=1)


def _garment_pieces(stats: NDArray[Any], centroids: NDArray[Any],
                    rect: tuple[int, int, int, int], size: tuple[int, int],
                    colours: NDArray[np.float64] | None = None) -> list[int]:
    """The connected pieces (labels) that make the garment.

    The garment is the piece a buyer aims at: large and near the middle of the frame, and
    whole (a piece running into the rectangle's border is usually something beside the
    garment that the frame cuts: a neighbour's sleeve, a person, a box). Other large pieces
    join it only when they are next to it (a two-part outfit, a print split by the
    segmentation); things standing apart from it (a bag, a stool) stay out, and so does a
    piece next to it that is both of a clearly different colour (`colours`: mean Lab per
    label) and beside it rather than above or below it (mostly outside its columns): a
    box or a bottle set down by the garment. A garment's own parts that the segmentation
    split share its colours, or stand above and below each other (a top and a skirt).
    """
    sw, sh = size
    x0, y0, x1, y1 = rect
    pieces = range(1, len(stats))

    def box(i: int) -> tuple[int, int, int, int]:
        left, top = int(stats[i, cv2.CC_STAT_LEFT]), int(stats[i, cv2.CC_STAT_TOP])
        return (left, top, left + int(stats[i, cv2.CC_STAT_WIDTH]),
                top + int(stats[i, cv2.CC_STAT_HEIGHT]))

    def score(i: int) -> float:
        cx, cy = centroids[i]
        off = float(np.hypot((cx - sw / 2) / (sw / 2), (cy - sh / 2) / (sh / 2)))
        b = box(i)
        runs_out = (x0 > 0 and b[0] <= x0 + 1) or (y0 > 0 and b[1] <= y0 + 1) \
            or (x1 < sw and b[2] >= x1 - 1) or (y1 < sh and b[3] >= y1 - 1)
        return float(stats[i, cv2.CC_STAT_AREA]) * max(0.15, 1.0 - CENTRE_WEIGHT * off) \
            * (EDGE_PENALTY if runs_out else 1.0)

    main = max(pieces, key=score)
    main_area = int(stats[main, cv2.CC_STAT_AREA])
    keep = [main]
    gx, gy = NEAR * sw, NEAR * sh
    grown = True
    while grown:
        grown = False
        bx0, by0, bx1, by1 = (min(box(i)[0] for i in keep), min(box(i)[1] for i in keep),
                              max(box(i)[2] for i in keep), max(box(i)[3] for i in keep))
        for i in pieces:
            if i in keep or stats[i, cv2.CC_STAT_AREA] < JOIN_SHARE * main_area:
                continue
            b = box(i)
            if b[0] < bx1 + gx and b[2] > bx0 - gx and b[1] < by1 + gy and b[3] > by0 - gy:
                if colours is not None and _stands_beside(b, box(main), colours[i],
                                                          colours[main]):
                    continue
                keep.append(i)
                grown = True
    return keep


def _stands_beside(piece: tuple[int, int, int, int], main: tuple[int, int, int, int],
                   colour: NDArray[np.float64], main_colour: NDArray[np.float64]) -> bool:
    """Whether a piece near the garment's main piece is a thing set beside it: of a clearly
    different colour and mostly outside the main piece's columns."""
    if float(np.linalg.norm(colour - main_colour)) < JOIN_COLOUR:
        return False
    shared = max(0, min(piece[2], main[2]) - max(piece[0], main[0]))
    return shared < JOIN_COLUMNS * (piece[2] - piece[0])


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
