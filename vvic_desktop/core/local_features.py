"""Local features of a picture and their geometric verification (no Qt, no storage).

Two listings of one style re-post the same factory photo, edited: recompressed, resized,
cropped, framed, padded, stamped with a stall's name, mirrored, set inside a collage. Hashes
of the whole picture move under such edits; the photo's corners and blobs do not. So:

- `extract(image)` reduces a picture once to ORB keypoints and binary descriptors on a
  modest grey image (`ANALYSIS_SIDE`), the same for its mirror image, plus a small RGB
  thumbnail for comparing colour later and the thumbnail's garment mask (what is not the
  studio background, a frame or a pad). `LocalFeatures.to_bytes()` / `from_bytes()` store
  them (versioned) beside the picture's thumbnail, so a picture is analysed once.
- `verify(a, b)` matches descriptors (2-NN Hamming with Lowe's ratio test), then fits a
  similarity transform (rotation, uniform scale, shift: `cv2.estimateAffinePartial2D`
  under RANSAC) mapping b into a, plain and mirrored; the answer is the better fit's inlier
  count, whether b was mirrored, and the transform. Two shots of different garments find a
  handful of chance inliers; a crop, frame, pad, stamp or collage of one photo finds tens.
- `overlap_colour(a, b, match)` warps b's colour thumbnail onto a's through the transform
  and compares colour only where both pictures show the same place and at least one shows
  the garment (studio background left out): a frame or pad does not count, a recoloured
  copy of one photo (the same cut in another colour: another product) shows its colour
  difference in full.
- `aligned_structure(a, b, match)` is the fit's own second opinion: the pictures' fine
  structure compared pixel for pixel where the fit lays one on the other (the same photo
  agrees, a chance fit of two photos does not; blind to colour).
- `dense_fit(a, b)` lays b on a without keypoints (garment masks, then ECC), for a print
  of repeated dots, stripes or checks whose keypoints all look alike; what it proposes is
  judged by `aligned_structure` and colour like any fit.
- `looks_composite(f)`: a collage or a picture with an inset, read off the stored mask
  (such a picture leads a group last, and its proposals are widened); `gutter_cells(f)`
  the cells of a collage, whose own hashes (`LocalFeatures.cells`, made by
  `core.pictures`) propose it beside the photos it holds.
"""

from __future__ import annotations

import dataclasses
import math
import struct
from dataclasses import dataclass, field
from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image

# The grey image the keypoints are found on: the longer side in pixels (a collage's cell of
# an 800-px listing is still ~120 px; ORB on both orientations takes ~2 ms).
ANALYSIS_SIDE = 256
# A collage's keypoints are found on a grey image twice as large (`finer_keypoints`): a cell
# of a three- or four-photo collage at 256 px holds too few of them to fit its photo.
COMPOSITE_SIDE = 512
MAX_FEATURES = 250
# The colour thumbnail (RGB) compared inside the aligned overlap: the longer side.
COLOUR_SIDE = 96
RATIO = 0.8  # Lowe's ratio test
# A plain fit with this many inliers is the same photo, unmirrored: the mirrored fit is not
# tried (on real listings no pair with a plain fit this good had a better mirrored one).
MIRROR_SKIP_INLIERS = 50
# 2: the thumbnail's garment mask is stored too (found once per picture, not per grouping).
# 3: and its corner inset (`inset_box`), likewise.
# 4: the garment mask leaves out the studio background inside a deep coloured pad or frame.
# 5: the stored box may be a banner across the top or bottom (`inset_box`).
# 6: and the pHashes of a collage's cells (`LocalFeatures.cells`).
# 7: a collage's keypoints are found at `COMPOSITE_SIDE`.
# 8: a cell's plain pHash only (its mirrored one was stored and never read).
# 9: a collage keeps its `ANALYSIS_SIDE` keypoints too (`LocalFeatures.coarse`).
FORMAT_VERSION = 9
_MAGIC = b"VLF"
_HEADER = struct.Struct("<3sBHHHHHH")  # magic, version, w, h, n plain, n mirror, thumb w, h
_INSET = struct.Struct("<HHHH")  # x0, y0, x1, y1 of the thumbnail's inset; all 0: none
_CELLS = struct.Struct("<B")  # how many cell hashes follow, each a uint64
_COARSE = struct.Struct("<HHHH")  # w, h, n plain, n mirror of the coarse keypoints; all 0: none
MAX_CELLS = 8
DESCRIPTOR_BYTES = 32

_orb = cv2.ORB_create(  # type: ignore[attr-defined]
    nfeatures=MAX_FEATURES, scaleFactor=1.3, nlevels=5, edgeThreshold=19, patchSize=19,
    fastThreshold=8,
)


@dataclass(frozen=True, slots=True)
class Keypoints:
    """One analysis of a picture's keypoints (see `LocalFeatures`' fields of these names)."""

    width: int
    height: int
    points: np.ndarray
    descriptors: np.ndarray
    mirror_points: np.ndarray
    mirror_descriptors: np.ndarray

    def keypoints(self) -> Keypoints:
        """These fields alone, as a `Keypoints`."""
        return Keypoints(self.width, self.height, self.points, self.descriptors,
                         self.mirror_points, self.mirror_descriptors)


@dataclass(frozen=True, slots=True)
class LocalFeatures(Keypoints):
    """ORB keypoints of a picture analysed at `width` × `height`, and of its mirror image.

    `points` are (k, 2) float32 pixel positions in the analysed image; `mirror_points` are
    in the mirrored image's own frame (x' = width − 1 − x). `colour` is a (h, w, 3) uint8
    RGB thumbnail of the same picture, `garment` its (h, w) `_foreground` as 0/1 uint8,
    `inset` the thumbnail's corner inset (`inset_box`; None: none). `cells` are a
    collage's cells' pHashes, (k,) uint64 (`gutter_cells`; empty for a picture of one
    piece; a mirrored copy is found against the other picture's mirrored hash).
    `coarse`: a collage's keypoints as first found at `ANALYSIS_SIDE`, when `finer_keypoints`
    found these ones on the picture decoded larger (`coarser()`; None for any other).
    """

    colour: np.ndarray
    garment: np.ndarray
    inset: tuple[int, int, int, int] | None = None
    cells: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    coarse: Keypoints | None = None

    def __len__(self) -> int:
        return len(self.points)

    def coarser(self) -> LocalFeatures | None:
        """These features with the `coarse` keypoints in place of the finer ones (None when
        there are none): `grouping_rules.confirm_pair` tries them where the finer ones fall
        short. Both sets are kept because each confirms collages the other misses: on the
        real photos' dev collages, 163 of 173 confirm against their main photo pairwise with
        the finer set, 156 with the coarse one, 168 with either; the sandbox's drawn
        two-photo collages fit better coarse (bench_group's collage-pair recall)."""
        return None if self.coarse is None else self.with_keypoints(self.coarse, None)

    def with_keypoints(self, k: Keypoints, coarse: Keypoints | None) -> LocalFeatures:
        """These features with `k`'s keypoints (and frame) and `coarse` in place."""
        return dataclasses.replace(
            self, width=k.width, height=k.height, points=k.points, descriptors=k.descriptors,
            mirror_points=k.mirror_points, mirror_descriptors=k.mirror_descriptors,
            coarse=coarse)

    def to_bytes(self) -> bytes:
        th, tw = self.colour.shape[:2]
        head = _HEADER.pack(_MAGIC, FORMAT_VERSION, self.width, self.height,
                            len(self.points), len(self.mirror_points), tw, th)
        return b"".join([
            head,
            *_keypoint_bytes(self),
            np.ascontiguousarray(self.colour, dtype=np.uint8).tobytes(),
            np.packbits(self.garment.astype(bool), axis=None).tobytes(),
            _INSET.pack(*(self.inset or (0, 0, 0, 0))),
            _CELLS.pack(len(self.cells)),
            np.ascontiguousarray(self.cells, dtype="<u8").tobytes(),
            *_coarse_bytes(self.coarse),
        ])

    @classmethod
    def from_bytes(cls, data: bytes) -> LocalFeatures:
        """The features `to_bytes` wrote; ValueError for anything else (another version, a
        truncated or foreign file), so a stale or damaged store entry is recomputed."""
        if len(data) < _HEADER.size:
            raise ValueError("local features: too short")
        magic, version, w, h, n, nm, tw, th = _HEADER.unpack_from(data)
        if magic != _MAGIC or version != FORMAT_VERSION:
            raise ValueError("local features: unknown format")
        sizes = (n * 8, n * DESCRIPTOR_BYTES, nm * 8, nm * DESCRIPTOR_BYTES, tw * th * 3,
                 (tw * th + 7) // 8, _INSET.size, _CELLS.size)
        fixed = _HEADER.size + sum(sizes)
        if len(data) < fixed or not (w and h):
            raise ValueError("local features: wrong length")
        (k,) = _CELLS.unpack_from(data, fixed - _CELLS.size)
        cells_end = fixed + k * 8
        if k > MAX_CELLS or len(data) < cells_end + _COARSE.size:
            raise ValueError("local features: wrong length")
        cw, ch, cn, cnm = _COARSE.unpack_from(data, cells_end)
        coarse_at = cells_end + _COARSE.size
        if len(data) != coarse_at + (cn + cnm) * (8 + DESCRIPTOR_BYTES):
            raise ValueError("local features: wrong length")
        if (cn or cnm) and not (cw and ch):
            raise ValueError("local features: coarse keypoints without a size")
        colour_at = _HEADER.size + sum(sizes[:4])  # after the keypoints
        garment_at = colour_at + sizes[4]
        x0, y0, x1, y1 = _INSET.unpack_from(data, garment_at + sizes[5])
        if (x1 or y1) and not (x0 < x1 <= tw and y0 < y1 <= th):
            raise ValueError("local features: inset outside the thumbnail")
        return cls(
            w, h,
            *_keypoint_arrays(data, _HEADER.size, n, nm),
            np.frombuffer(data, np.uint8, sizes[4], colour_at).reshape(th, tw, 3).copy(),
            np.unpackbits(np.frombuffer(data, np.uint8, sizes[5], garment_at), count=tw * th)
            .reshape(th, tw),
            (x0, y0, x1, y1) if x1 else None,
            np.frombuffer(data[fixed:cells_end], "<u8").astype(np.uint64),
            Keypoints(cw, ch, *_keypoint_arrays(data, coarse_at, cn, cnm)) if cw else None,
        )


def _keypoint_arrays(data: bytes, pos: int, n: int, nm: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(points, descriptors, mirror points, mirror descriptors) stored from `pos` on: n
    plain and nm mirrored keypoints, as `_keypoint_bytes` wrote them."""
    out: list[np.ndarray] = []
    for count in (n, nm):
        points = np.frombuffer(data, "<f4", count * 2, pos).reshape(count, 2)
        pos += count * 8
        desc = np.frombuffer(data, np.uint8, count * DESCRIPTOR_BYTES, pos)
        pos += count * DESCRIPTOR_BYTES
        out += [points.astype(np.float32), desc.reshape(count, DESCRIPTOR_BYTES).copy()]
    return out[0], out[1], out[2], out[3]


def _keypoint_bytes(k: Keypoints) -> list[bytes]:
    return [k.points.astype("<f4").tobytes(), k.descriptors.astype(np.uint8).tobytes(),
            k.mirror_points.astype("<f4").tobytes(),
            k.mirror_descriptors.astype(np.uint8).tobytes()]


def _coarse_bytes(c: Keypoints | None) -> list[bytes]:
    if c is None:
        return [_COARSE.pack(0, 0, 0, 0)]
    return [_COARSE.pack(c.width, c.height, len(c.points), len(c.mirror_points)),
            *_keypoint_bytes(c)]


@dataclass(frozen=True, slots=True)
class Match:
    """The best geometric fit of picture b onto picture a.

    `transform` (2×3) maps b's analysed-image pixels (of its mirror image when `mirrored`)
    to a's; None when no fit was found. `scale` and `rotation` (degrees) are read from it.
    """

    inliers: int = 0
    matches: int = 0  # descriptor pairs that passed the ratio test
    mirrored: bool = False
    transform: np.ndarray | None = None
    scale: float = 0.0
    rotation: float = 0.0


NO_MATCH = Match()


def _grey_and_colour(image: np.ndarray | Image.Image,
                     side: int = ANALYSIS_SIDE) -> tuple[np.ndarray, np.ndarray]:
    rgb = np.asarray(image.convert("RGB")) if isinstance(image, Image.Image) else image
    if rgb.ndim == 2:
        rgb = cv2.cvtColor(rgb, cv2.COLOR_GRAY2RGB)
    rgb = np.ascontiguousarray(rgb[:, :, :3], dtype=np.uint8)
    h, w = rgb.shape[:2]
    scale = min(1.0, side / max(h, w))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    h, w = rgb.shape[:2]
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    cscale = min(1.0, COLOUR_SIDE / max(h, w))
    csize = (max(1, round(w * cscale)), max(1, round(h * cscale)))
    small = cv2.resize(rgb, csize, interpolation=cv2.INTER_AREA)
    return grey, small


def _points(keypoints: tuple[cv2.KeyPoint, ...] | list[cv2.KeyPoint]) -> np.ndarray:
    if not keypoints:
        return np.zeros((0, 2), np.float32)
    return np.array([kp.pt for kp in keypoints], np.float32)


def _descriptors(desc: np.ndarray | None, n: int) -> np.ndarray:
    if desc is None or n == 0:
        return np.zeros((0, DESCRIPTOR_BYTES), np.uint8)
    return np.ascontiguousarray(desc, dtype=np.uint8)


def extract(image: np.ndarray | Image.Image) -> LocalFeatures:
    """Local features of an RGB picture (a PIL image or an (h, w, 3) uint8 array).

    ORB's descriptors are not mirror-invariant, so the mirror image is analysed too (as
    fast as describing mirrored keypoints, which must rebuild the pyramid anyway). A
    picture too small or too plain for keypoints gives empty features, which match
    nothing.
    """
    grey, colour = _grey_and_colour(image)
    garment = _foreground(colour).view(np.uint8)
    k = _detect(grey)
    return LocalFeatures(k.width, k.height, k.points, k.descriptors, k.mirror_points,
                         k.mirror_descriptors, colour, garment, inset_box(colour))


def _detect(grey: np.ndarray) -> Keypoints:
    """ORB's keypoints of a grey image and of its mirror image (none below 24 px a side:
    nothing to find there)."""
    h, w = grey.shape
    if min(h, w) < 24:
        empty_p, empty_d = _points([]), _descriptors(None, 0)
        return Keypoints(w, h, empty_p, empty_d, empty_p, empty_d)
    kps, desc = _orb.detectAndCompute(grey, None)
    mkps, mdesc = _orb.detectAndCompute(np.ascontiguousarray(grey[:, ::-1]), None)
    return Keypoints(w, h, _points(kps), _descriptors(desc, len(kps)),
                     _points(mkps), _descriptors(mdesc, len(mkps)))


def finer_keypoints(f: LocalFeatures, image: np.ndarray | Image.Image) -> LocalFeatures:
    """`f` (a collage's features, `gutter_cells`) with its keypoints found again on `image`,
    the same picture decoded larger, at up to `COMPOSITE_SIDE` (as many keypoints, spread
    over the cells at twice the size); its thumbnail, mask, inset and cells are kept, and
    its own keypoints as `coarse`. `f` itself when `image` is no larger than what `f` was
    analysed at."""
    grey, _ = _grey_and_colour(image, COMPOSITE_SIDE)
    if max(grey.shape) <= max(f.width, f.height):
        return f
    return f.with_keypoints(_detect(grey), f.keypoints())


def _ratio_matches(qd: np.ndarray, td: np.ndarray,
                   need: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(query index, train index) of the 2-NN Hamming matches passing Lowe's ratio test, one
    per train keypoint (a repeated pattern must not vote twice: the closer match counts,
    the earlier query on a tie), in the order their train keypoint was first matched.

    When fewer than `need` queries pass the ratio test, no fit can come of them: their
    query indices come back unsorted with no train indices (the caller only counts them),
    without the work of keeping one per train keypoint.

    `cv2.batchDistance` is what `BFMatcher.knnMatch` runs, without one Python object per
    match (those cost more than the distances)."""
    if len(qd) < 1 or len(td) < 2:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    dist, idx = cv2.batchDistance(qd, td, cv2.CV_32S, normType=cv2.NORM_HAMMING, K=2)
    good = np.flatnonzero(dist[:, 0] < RATIO * dist[:, 1])  # ≥ 2 train rows: both filled
    if len(good) < max(need, 1):
        return good, np.zeros(0, np.intp)
    train = idx[good, 0]
    # Per train keypoint: closest, then earliest (the sort is stable and `good` ascends).
    order = np.lexsort((dist[good, 0], train))
    ts = train[order]
    starts = np.flatnonzero(np.concatenate(([True], ts[1:] != ts[:-1])))
    # Each train keypoint's place: the earliest query that matched it.
    place = np.argsort(np.minimum.reduceat(order, starts))
    kept = order[starts[place]]
    return good[kept], train[kept].astype(np.intp)


RANSAC_CONFIDENCE = 0.995
RANSAC_MAX_ITERATIONS = 1000


def _ransac_iterations(matches: int, min_inliers: int) -> int:
    """RANSAC's iteration cap for a caller that needs `min_inliers` inliers among `matches`.

    OpenCV's RANSAC stops early once a model explains enough of the matches; with none it
    runs to the cap, which is where unrelated pictures spend their time. A fit worth having
    has at least `min_inliers` of the matches on it, so a two-point sample lands all on it
    with probability p = (min_inliers / matches)²: after n draws it was missed with
    (1 − p)ⁿ. The cap is four times the draws that bring that to 1 − confidence, so a fit
    of that size is missed with (1 − confidence)⁴ (below 10⁻⁹); never above the plain cap.
    """
    share = min(1.0, min_inliers / max(matches, 1))
    p = share * share
    if p >= 1.0:
        return 16
    draws = math.log(1.0 - RANSAC_CONFIDENCE) / math.log1p(-p)
    return int(min(RANSAC_MAX_ITERATIONS, max(16, math.ceil(4 * draws))))


def _fit(pa: np.ndarray, da: np.ndarray, pb: np.ndarray, db: np.ndarray,
         tolerance: float, min_inliers: int = 4) -> tuple[int, int, np.ndarray | None]:
    """(inliers, ratio-test matches, transform b→a) of one descriptor set against another.
    Fewer than `min_inliers` matches cannot give that many inliers: no fit is tried."""
    if len(da) < 2 or len(db) < 2:
        return 0, 0, None
    need = max(4, min_inliers)
    q, t = _ratio_matches(db, da, need)
    if len(q) < need:
        return 0, len(q), None
    transform, inlier_mask = cv2.estimateAffinePartial2D(
        pb[q], pa[t], method=cv2.RANSAC, ransacReprojThreshold=tolerance,
        maxIters=_ransac_iterations(len(q), min_inliers), confidence=RANSAC_CONFIDENCE,
        refineIters=10,
    )
    if transform is None or inlier_mask is None:
        return 0, len(q), None
    return int(inlier_mask.sum()), len(q), transform


def verify(a: LocalFeatures, b: LocalFeatures, *, try_mirror: bool = True,
           tolerance: float | None = None, min_inliers: int = 4) -> Match:
    """The best similarity-transform fit of b onto a, plain or mirrored (see `Match`).

    `tolerance` is RANSAC's reprojection error in a's pixels (default 1.5 % of a's longer
    side). The mirrored fit is tried unless the plain one is already sure
    (`MIRROR_SKIP_INLIERS`). A fit is only sought where the ratio test leaves
    `min_inliers` matches (a caller that needs that many inliers loses nothing and saves
    the RANSAC runs of unrelated pictures).
    """
    tol = tolerance if tolerance is not None else 0.015 * max(a.width, a.height)
    inl, count, transform = _fit(a.points, a.descriptors, b.points, b.descriptors, tol,
                                 min_inliers)
    mirrored = False
    if try_mirror and inl < MIRROR_SKIP_INLIERS:
        m_inl, m_count, m_transform = _fit(
            a.points, a.descriptors, b.mirror_points, b.mirror_descriptors, tol, min_inliers)
        if m_inl > inl:
            inl, count, transform, mirrored = m_inl, m_count, m_transform, True
    if transform is None:
        return Match(matches=count)
    scale = float(np.hypot(transform[0, 0], transform[1, 0]))
    rotation = float(np.degrees(np.arctan2(transform[1, 0], transform[0, 0])))
    return Match(inl, count, mirrored, transform, scale, rotation)


def reverse(match: Match, a: LocalFeatures, b: LocalFeatures) -> Match:
    """The same fit seen from b: a `Match` mapping a (mirrored when `match.mirrored`) onto b,
    for `overlap_colour(b, a, …)` (the colour compared in b's frame)."""
    if match.transform is None:
        return match
    inverse = cv2.invertAffineTransform(match.transform)
    if match.mirrored:
        # mirror(a) → a → mirror(b) → b: flips on both sides of the inverse.
        flip_a = np.array([[-1.0, 0.0, a.width - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        flip_b = np.array([[-1.0, 0.0, b.width - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        inverse = (flip_b @ np.vstack([inverse, [0.0, 0.0, 1.0]]) @ flip_a)[:2]
    scale = float(np.hypot(inverse[0, 0], inverse[1, 0]))
    rotation = float(np.degrees(np.arctan2(inverse[1, 0], inverse[0, 0])))
    return Match(match.inliers, match.matches, match.mirrored, inverse, scale, rotation)


# --------------------------------------------------------------------------- colour


@dataclass(frozen=True, slots=True)
class OverlapColour:
    """Colour agreement of two aligned pictures, inside their shared garment area.

    `changed` is the share of the compared pixels whose colour differs by more than a
    re-post's slight colour shift could make (another lightness, chroma or hue; thin lines
    of misalignment and thin watermark strokes opened away), `shift` the distance of the
    mean colours (RGB); `coverage` the compared pixels' share of a's garment pixels.
    A recolour (the same photo, another colour: another product) changes a solid part of
    the garment; a brighter or warmer copy changes nothing beyond the tolerances.
    """

    changed: float
    shift: float
    coverage: float
    pixels: int
    blob: float = 1.0  # the largest connected changed part, as a share of the compared pixels
    # The densest window (about an eighth of the picture's shorter side) of changed pixels:
    # a recoloured part (a waistband, a panel) changes a window through; the scattered
    # strokes a slight shift or a stamp leave do not.
    part: float = 1.0
    masked: bool = False  # a corner inset (`inset_box`) was left out of the compared pixels
    # The changed pixels themselves, in a's thumbnail (0/1 uint8; None where too little was
    # compared), for `pair_inset`; not part of the answer's value.
    changed_pixels: np.ndarray | None = field(default=None, compare=False, repr=False)


NO_OVERLAP = OverlapColour(1.0, float("inf"), 0.0, 0)


def _colour_planes(thumb: np.ndarray) -> tuple[np.ndarray, ...]:
    """Six (h, w) float32 planes: CIE L*, chroma (from a*, b*), HSV hue in degrees, HSV
    saturation, a*, b*.

    Hue is HSV's, not Lab's: Lab squeezes blue to purple into a few degrees, where a
    slight white-balance shift of a blue garment moves its Lab hue as far as a recolour to
    purple does; in HSV the recolour is four times the shift.
    """
    rgb = cv2.GaussianBlur(thumb, (3, 3), 0)
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab).astype(np.float32)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL).astype(np.float32)
    a_star, b_star = lab[..., 1] - 128.0, lab[..., 2] - 128.0
    return (
        lab[..., 0] * (100.0 / 255.0),
        _length(a_star, b_star),
        hsv[..., 0] * (360.0 / 256.0),
        np.minimum(hsv[..., 1], hsv[..., 2]),  # low for grey and for near-black pixels
        a_star,
        b_star,
    )


def _length(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """sqrt(x² + y²) of float32 planes holding whole numbers (a*, b* and their steps), the
    very values `np.hypot` gives (the squares sum exactly, the square root is correctly
    rounded; checked for every pair in ±255) in a third of its time. `cv2.magnitude` is
    faster still but its square root is not exact."""
    return np.sqrt(x * x + y * y)


def _foreground(thumb: np.ndarray) -> np.ndarray:
    """Pixels that are neither the picture's outer colour (a frame, a pad, the studio
    background) nor the colour a tenth of the way in (the studio background inside a frame
    or pad): each the median of its ring. The seam where a frame meets the photo (a line
    of blended colour, neither the frame's nor the photo's) and the outermost pixels are
    left out too: lines of the outer colour at each edge, two pixels more.

    A frame or pad deeper than a tenth (a portrait photo padded to square in pink or black
    has bands of 10–17 % at its sides) puts the second ring on the seam or inside the band,
    and the studio background inside was taken for garment: compared as garment, it diluted
    a recolour (`_pad_depth`). So where the outer lines end in a straight step (a pad's or
    frame's inner edge, not a garment's outline), the ring just inside them is a third
    colour left out, when that ring is mostly one colour (a background, not the garment
    running along a frame)."""
    lab = cv2.cvtColor(thumb, cv2.COLOR_RGB2Lab).astype(np.float32)
    h, w = lab.shape[:2]
    out = np.ones((h, w), bool)
    pads = (0, 0, 0, 0)
    for depth in (0, max(1, min(h, w) // 10)):
        inner = lab[depth: h - depth, depth: w - depth]
        if inner.shape[0] < 2 or inner.shape[1] < 2:
            continue
        differs = _differs(lab, _ring(inner))
        out &= differs
        if depth == 0:
            rows = np.count_nonzero(differs, axis=1) / w
            cols = np.count_nonzero(differs, axis=0) / h
            out[: _plain_edge(rows) + 2] = False
            out[h - _plain_edge(rows[::-1]) - 2:] = False
            out[:, : _plain_edge(cols) + 2] = False
            out[:, w - _plain_edge(cols[::-1]) - 2:] = False
            pads = (_pad_depth(rows), _pad_depth(rows[::-1]), _pad_depth(cols),
                    _pad_depth(cols[::-1]))
    if any(pads):
        top, bottom, left, right = (d + 2 if d else 0 for d in pads)
        inner = lab[top: h - bottom, left: w - right]
        if min(inner.shape[:2]) >= 8:
            ring = _ring(inner)
            d = ring - np.median(ring, axis=0)
            if np.mean(np.sqrt((d * d).sum(axis=1)) <= 12.0) >= 0.5:
                out &= _differs(lab, ring)
    return out


def _ring(inner: np.ndarray) -> np.ndarray:
    """The outermost pixels of an (h, w, 3) block, as (n, 3)."""
    return np.concatenate([inner[0], inner[-1], inner[:, 0], inner[:, -1]])


def _differs(lab: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Pixels of `lab` whose colour is not the median of `ring` (ΔE over 12)."""
    d = lab - np.median(ring, axis=0)
    d *= d
    return np.asarray(np.sqrt(d[..., 0] + d[..., 1] + d[..., 2]) > 12.0)


# A pad's or frame's inner edge: the line after the plain outer lines differs from the
# outer colour along nearly all of it (a straight step; a garment's outline rises gradually).
PAD_STEP = 0.9


def _pad_depth(share: np.ndarray) -> int:
    """Lines of a pad or frame at one edge (`share`: per line from that edge, the share of
    pixels unlike the outer colour): the plain outer lines when the picture starts right
    after them in a straight step (the next line or the one after, `PAD_STEP`); else 0."""
    d = _plain_edge(share)
    if d < 2 or d >= len(share) - 2:
        return 0
    return d if max(share[d], share[d + 1]) >= PAD_STEP else 0


def _plain_edge(share: np.ndarray) -> int:
    """How many lines from the start have (almost) nothing but the outer colour."""
    busy = np.flatnonzero(share > 0.1)
    return int(busy[0]) if len(busy) else len(share)


Planes = tuple[np.ndarray, ...]


def _changed(a: Planes, b: Planes) -> np.ndarray:
    """Per pixel (`_colour_planes` of both): is the colour another, beyond a slight shift.

    Lightness, chroma and (for saturated pixels) HSV hue each within a re-post's shift, and
    the a*b* step as a whole too: a grey part turned mint or a muted blue turned muted
    green moves a little in chroma and has no reliable hue on the grey side, but steps
    across the a*b* plane further than a shift of that chroma goes (a hue turn of a few
    degrees plus a saturation change of ~12 % moves a*b* by under a quarter of the chroma).
    """
    chroma = np.maximum(a[1], b[1])
    d_light = np.abs(a[0] - b[0]) - 0.12 * np.maximum(a[0], b[0])
    d_chroma = np.abs(a[1] - b[1]) - 0.2 * chroma
    d_ab = _length(a[4] - b[4], a[5] - b[5]) - 0.35 * chroma
    hue = np.abs(a[2] - b[2])
    hue = np.minimum(hue, 360.0 - hue)
    coloured = (a[3] > 60.0) & (b[3] > 60.0)
    return (d_light > 8.0) | (d_chroma > 10.0) | (d_ab > 6.0) | (coloured & (hue > 11.0))


def _densest(changed: np.ndarray, use: np.ndarray) -> float:
    """The largest share of changed pixels in a window (about an eighth of the shorter
    side) at least half compared (both masks 0/1 uint8)."""
    k = max(5, (min(use.shape) // 8) | 1)
    counts = cv2.boxFilter(use, cv2.CV_32F, (k, k), normalize=False,
                           borderType=cv2.BORDER_CONSTANT)
    hits = cv2.boxFilter(changed, cv2.CV_32F, (k, k), normalize=False,
                         borderType=cv2.BORDER_CONSTANT)
    full = counts >= 0.5 * k * k
    if not full.any():
        return 0.0
    return float(min(1.0, (hits[full] / counts[full]).max()))


# A corner inset (a listing's picture-in-picture detail close-up): its inner corner lies
# 15–50 % of the way in on both axes, and both inner sides are straight steps of grey along
# at least INSET_EDGE_MIN of their length (from 8 % in: an inset may sit off the edge).
INSET_SPAN = (0.15, 0.5)
INSET_EDGE_MIN = 0.8
INSET_STEP = 18.0  # grey levels between neighbouring pixels that count as a step
# An `inset` box is left out of a pair's compared pixels only while it hides at most this
# share of them. A pasted close-up covers a corner of the photo; a box that covers most of
# what the pair shares is the garment itself, taken for an inset (a collage's cell whose
# garment a crop cut off at the top: the cut edge and the hem are its straight sides), and
# leaving it out would compare the legs and shoes a recolour keeps. Measured on the real
# apparel photos (eval_real's checks, session 20): true insets hide at most 0.33 (dev) and
# 0.31 (held-out) of the compared pixels; boxes on collage cells 0.43–1.0 (a draw in which
# one hid 0.68 of a cell and merged a blue pair of shorts with its grey colour variant).
INSET_HIDES_MAX = 0.5


def _grey(colour: np.ndarray) -> np.ndarray:
    """A colour thumbnail's grey, as float32 (differences of it may be negative)."""
    return cv2.cvtColor(colour, cv2.COLOR_RGB2GRAY).astype(np.float32)


def _steps(colour: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(h, w) bool maps of a colour thumbnail: a step of grey (`INSET_STEP`) between a pixel
    and its left or right neighbour, and its upper or lower one."""
    grey = _grey(colour)
    h, w = grey.shape
    step_x = np.zeros((h, w), bool)
    dx = np.abs(np.diff(grey, axis=1)) > INSET_STEP
    step_x[:, 1:] |= dx
    step_x[:, :-1] |= dx
    step_y = np.zeros((h, w), bool)
    dy = np.abs(np.diff(grey, axis=0)) > INSET_STEP
    step_y[1:] |= dy
    step_y[:-1] |= dy
    return step_x, step_y


def _seen_from(step_x: np.ndarray, step_y: np.ndarray, flip_x: bool,
               flip_y: bool) -> tuple[np.ndarray, np.ndarray]:
    """The step maps (`_steps`) turned so that the corner asked for is the top left."""
    ex = step_x[::-1] if flip_y else step_x
    ey = step_y[::-1] if flip_y else step_y
    if flip_x:
        ex, ey = ex[:, ::-1], ey[:, ::-1]
    return ex, ey


def _corner_box(x: int, y: int, w: int, h: int, flip_x: bool,
                flip_y: bool) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) in the picture of the box from a corner to the inner corner (x, y)
    as seen from that corner (`_seen_from`)."""
    x0, x1 = (w - x - 1, w) if flip_x else (0, x + 1)
    y0, y1 = (h - y - 1, h) if flip_y else (0, y + 1)
    return x0, y0, x1, y1


def inset_box(colour: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of a corner inset in a colour thumbnail, or None.

    Listings paste a close-up of the fabric into a corner of the garment's photo; a copy
    with the inset and one without are the same photo, but inside the inset's rectangle the
    colours are another picture's. Found by shape alone: an axis-aligned rectangle in one
    corner whose two inner sides are long straight steps (the inset's edge against what it
    covers). Measured on the real apparel photos (session 16, 96 px thumbnails): found on 195
    of 230 main photos given an inset (a 2–3× close-up, 28–38 % of the shorter side, in a
    random corner), and on 8 of 537 photos without one (close-ups and backs with straight
    seams). An inset over a garment of its own colour shows no step on that side and is
    missed. Accepting a weaker second side found more on dev (157 and 161 of 173 at 0.6 and
    0.5), but also found one in 21 and 48 of 269 dev photos without one, so it was not taken.
    The largest such rectangle is taken, because the close-up inside holds straight steps
    too. Against the highest-scoring one, that raised dev copies confirmed from 120 to 137
    of 173. About 0.2 ms a picture, once, in `extract`; the box is stored with the
    features (format 3), so a grouping with features stored does no more work.

    `overlap_colour` leaves the rectangle out of the compared pixels. It is at most half of
    each side, and a recolour changes the garment outside it as well. Leaving it out hides
    only a recolour confined to that corner. A rectangle that would hide most of what a
    pair shares is not left out (`INSET_HIDES_MAX`).

    With no corner inset, a stall's banner across the top or bottom (`_banner_box`) is
    returned instead and left out the same way."""
    h, w = colour.shape[:2]
    if min(h, w) < 24:
        return None
    step_x, step_y = _steps(colour)
    lo, hi = INSET_SPAN
    xs = np.arange(int(lo * w), int(hi * w) + 1)  # the inset's inner corner, seen from the
    ys = np.arange(int(lo * h), int(hi * h) + 1)  # top left
    r0, c0 = round(0.08 * h), round(0.08 * w)
    area = ys[:, None] * xs[None, :]
    best: tuple[int, tuple[int, int, int, int]] | None = None
    for flip_y in (False, True):
        for flip_x in (False, True):
            ex, ey = _seen_from(step_x, step_y, flip_x, flip_y)
            # the vertical side at column x over rows r0..y-2, the horizontal one at row y
            # over columns c0..x-2 (running sums over the columns and rows that can be one)
            down = np.cumsum(ex[: ys[-1], xs], axis=0, dtype=np.int32)
            along = np.cumsum(ey[ys, : xs[-1]], axis=1, dtype=np.int32)
            side_v = (down[ys - 2] - down[r0 - 1]) / np.maximum(ys - 1 - r0, 1)[:, None]
            side_h = (along[:, xs - 2] - along[:, c0 - 1][:, None]) / np.maximum(xs - 1 - c0, 1)
            # the largest rectangle whose sides are both steps: an inset's own picture may
            # hold straight steps inside it too
            fits = np.where(np.minimum(side_v, side_h) >= INSET_EDGE_MIN, area, 0)
            k = np.unravel_index(int(np.argmax(fits)), fits.shape)
            found = int(fits[k])
            if found > 0 and (best is None or found > best[0]):
                best = (found, _corner_box(int(xs[k[1]]), int(ys[k[0]]), w, h, flip_x,
                                           flip_y))
    return best[1] if best is not None else _banner_box(colour, step_y)


# A banner: a band across the top or bottom of a listing (the stall's name, a WeChat
# number, on a solid or nearly solid strip) whose inner edge lies this far in.
BANNER_SPAN = (0.05, 0.25)
BANNER_INK = 0.05


def _banner_rows(step_y: np.ndarray, first: int) -> np.ndarray:
    """Per row from `first` to the banner span's end (`BANNER_SPAN`), from the top: is it
    a straight step across the picture (`INSET_EDGE_MIN` of the columns from 8 % in on
    each side)?"""
    h, w = step_y.shape
    c0 = round(0.08 * w)
    rows = np.arange(first, int(BANNER_SPAN[1] * h) + 1)
    return np.asarray(step_y[rows, c0: w - c0].mean(axis=1) >= INSET_EDGE_MIN)


def _banner_box(colour: np.ndarray,
                step_y: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of a banner at the top or bottom (`BANNER_SPAN`), or None: the
    deepest straight step across the picture from that edge (`INSET_EDGE_MIN`), where the
    picture's outermost row is not its outer colour and the band holds writing.

    A frame, or a pad to square, has the same step, but its outermost rows are the
    picture's outer colour (the median of its outermost pixels), where a banner's are the
    band's colour, out to both sides (a framed photo padded to square has pad there); and
    its band is plain, where a banner's holds its writing (`BANNER_INK` of its pixels, less
    the two rows at its inner edge and 8 % at each side, off the band's own grey). A
    straight hem or seam across the picture has studio background at the edge beyond it.

    Measured on the real apparel photos (eval_real `--stress wm:banner`, session 22): found
    on 120 of 173 dev watermark copies, none on the usual corpus's pictures; the banner
    copies' recall went from 0.10 to 0.73 (dev) and 0.07 to 0.70 (held-out), with no merge
    and the usual eval_real unchanged. A band of the garment's own grey where it meets it
    shows no step and is missed, as an inset is; a translucent band's writing over a busy
    photo may also hide the step."""
    h, w = step_y.shape
    first = max(2, int(BANNER_SPAN[0] * h))
    c0 = round(0.08 * w)
    grey = _grey(colour)
    outer = np.median(_ring(grey[:, :, None]))
    for top in (True, False):
        rows = np.flatnonzero(_banner_rows(step_y if top else step_y[::-1], first))
        if not len(rows):
            continue
        y = first + int(rows[-1])
        if top:
            box, edge, band = (0, 0, w, y + 1), grey[0], grey[: max(1, y - 1)]
        else:
            box, edge, band = (0, h - y - 1, w, h), grey[-1], grey[h - max(1, y - 1):]
        if np.mean(np.abs(edge - outer) > INSET_STEP) < 0.5:
            continue  # the outermost row is the outer colour: a frame, a pad, a hem
        ends = np.concatenate([edge[:3], edge[-3:]])
        if np.any(np.abs(ends - np.median(edge)) > INSET_STEP):
            continue  # the band stops short of the sides: a frame inside a pad
        inside = band[:, c0: w - c0]
        if np.mean(np.abs(inside - np.median(inside)) > INSET_STEP) >= BANNER_INK:
            return box
    return None


def looks_composite(f: LocalFeatures) -> bool:
    """Does the picture hold another picture: a corner inset (`inset_box`), or garment on
    both sides of a gutter (a row or column through the middle half with no garment on it:
    a collage's cells, or several items photographed apart)? Read off the stored thumbnail
    mask, no pixels decoded."""
    return f.inset is not None or _has_gutter(f.garment)


def looks_collage(f: LocalFeatures) -> bool:
    """Garment on both sides of a gutter (`looks_composite` without the inset)."""
    return _has_gutter(f.garment)


def _has_gutter(garment: np.ndarray) -> bool:
    """Garment on both sides of a row or column through the middle half with none on it."""
    for axis in (0, 1):  # columns, then rows
        lines = np.asarray(garment.any(axis=axis), bool)  # which hold garment
        n = lines.shape[0]
        inner = lines[n // 4: n - n // 4]
        if (inner.size and not inner.all() and lines[: n // 4].any()
                and lines[n - n // 4:].any()):
            return True
    return False


# A collage's cell: at least this many thumbnail pixels of garment along each axis (a
# 2×2 collage's cell is ~40 px of the 96-px thumbnail; a gap between trouser legs or
# a sleeve's tip apart from the body is a few)
CELL_MIN = 8
CELL_MARGIN = 2  # thumbnail pixels of background kept round a cell's garment


def _runs(lines: np.ndarray | np.bool_, minimum: int) -> list[tuple[int, int]]:
    """[start, end) of the runs of True in `lines` at least `minimum` long."""
    padded = np.concatenate([[False], np.asarray(lines, bool), [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)
            if b - a >= minimum]


def gutter_cells(f: LocalFeatures) -> list[tuple[float, float, float, float]]:
    """A collage's cells: the garment split along the empty rows and columns between its
    pictures (columns, then rows inside each; rows first when the columns leave one piece),
    each (x0, y0, x1, y1) as shares of the picture's width and height with a small margin.
    [] for a picture of one piece, or when the pieces are not a collage's (no gutter runs
    through the middle half, as `looks_composite` asks; a collage whose cell was also taken
    for an inset or a banner still has its cells); at most `MAX_CELLS`."""
    if not _has_gutter(f.garment):
        return []
    mask = np.asarray(f.garment, bool)
    th, tw = mask.shape
    for first in (0, 1):  # 0: columns, then rows in each
        boxes = []
        outer = _runs(mask.any(axis=first), CELL_MIN)
        for a, b in outer:
            band = mask[:, a:b] if first == 0 else mask[a:b, :]
            for c, d in _runs(band.any(axis=1 - first), CELL_MIN):
                x0, x1, y0, y1 = (a, b, c, d) if first == 0 else (c, d, a, b)
                boxes.append((max(0, x0 - CELL_MARGIN) / tw, max(0, y0 - CELL_MARGIN) / th,
                              min(tw, x1 + CELL_MARGIN) / tw, min(th, y1 + CELL_MARGIN) / th))
        if len(boxes) >= 2:
            return boxes[:MAX_CELLS]
    return []


class ColourCache:
    """The per-picture part of `overlap_colour` (colour planes, the garment's pixel count,
    mirrored thumbnail), computed once per picture for a whole grouping instead of once per
    pair (the garment mask itself is found once per picture, by `extract`).
    Holds the features it was asked about, so their ids stay theirs."""

    def __init__(self) -> None:
        self._planes: dict[int, tuple[LocalFeatures, Planes]] = {}
        self._garments: dict[int, tuple[LocalFeatures, np.ndarray, int]] = {}
        self._thumbs: dict[tuple[int, bool], tuple[LocalFeatures, np.ndarray, np.ndarray]] = {}
        self._greys: dict[tuple[int, bool], tuple[LocalFeatures, np.ndarray]] = {}

    def planes(self, f: LocalFeatures) -> Planes:
        hit = self._planes.get(id(f))
        if hit is None:
            hit = self._planes[id(f)] = (f, _colour_planes(f.colour))
        return hit[1]

    def garment(self, f: LocalFeatures) -> tuple[np.ndarray, int]:
        """(the unmirrored thumbnail's garment mask, 0/1 uint8, as `extract` found it; its
        pixel count)."""
        hit = self._garments.get(id(f))
        if hit is None:
            hit = self._garments[id(f)] = (f, f.garment, cv2.countNonZero(f.garment))
        return hit[1], hit[2]

    def thumb(self, f: LocalFeatures, mirrored: bool) -> tuple[np.ndarray, np.ndarray]:
        """(the colour thumbnail, mirrored when asked; its `_foreground` as 0/1 uint8).
        The mirror image's garment is the garment's mirror image (`_foreground` treats
        both sides alike), so it is flipped, not found again."""
        hit = self._thumbs.get((id(f), mirrored))
        if hit is None:
            colour, garment = f.colour, self.garment(f)[0]
            if mirrored:
                colour, garment = colour[:, ::-1], garment[:, ::-1]
            hit = self._thumbs[(id(f), mirrored)] = (f, np.ascontiguousarray(colour),
                                                     np.ascontiguousarray(garment))
        return hit[1], hit[2]

    def grey(self, f: LocalFeatures, mirrored: bool) -> np.ndarray:
        """The colour thumbnail in grey, float32 (mirrored when asked)."""
        hit = self._greys.get((id(f), mirrored))
        if hit is None:
            grey = cv2.cvtColor(self.thumb(f, mirrored)[0], cv2.COLOR_RGB2GRAY)
            hit = self._greys[(id(f), mirrored)] = (f, grey.astype(np.float32))
        return hit[1]


_SEAM = np.ones((3, 3), np.uint8)
_STROKE = np.ones((2, 2), np.uint8)


def overlap_colour(a: LocalFeatures, b: LocalFeatures, match: Match,
                   cache: ColourCache | None = None) -> OverlapColour:
    """Compare colour where b, aligned by `match`, covers a (see `OverlapColour`); `cache`
    keeps each picture's share of the work for its next pair."""
    if match.transform is None:
        return NO_OVERLAP
    cache = cache if cache is not None else ColourCache()
    use_u8, warped, masked = _compared(a, b, match, cache)
    _, garment = cache.garment(a)
    count = int(np.count_nonzero(use_u8))
    garment = max(garment, 1)
    if count < 12:
        return OverlapColour(1.0, float("inf"), count / garment, count, masked=masked)
    changed = _changed_pixels(a, use_u8, warped, cache)
    d = np.subtract(cv2.mean(a.colour, use_u8), cv2.mean(warped, use_u8))
    shift = float(np.sqrt((d * d).sum()))
    hits = cv2.countNonZero(changed)
    if not hits:  # nothing changed: no part of it to measure
        return OverlapColour(0.0, shift, count / garment, count, 0.0, 0.0, masked, changed)
    _parts, _labels, stats, _c = cv2.connectedComponentsWithStats(changed, connectivity=8)
    blob = int(stats[1:, cv2.CC_STAT_AREA].max())
    return OverlapColour(hits / count, shift, count / garment, count, blob / count,
                         _densest(changed, use_u8), masked, changed)


def _compared(a: LocalFeatures, b: LocalFeatures, match: Match,
              cache: ColourCache) -> tuple[np.ndarray, np.ndarray, bool]:
    """(the pixels of a's thumbnail to compare, 0/1 uint8 (`_aligned_mask`); b's colour
    thumbnail warped onto a's; whether an inset was left out)."""
    thumb_b, _ = cache.thumb(b, match.mirrored)
    to_a, use_u8, masked = _aligned_mask(a, b, match, cache, _SEAM)
    ha, wa = a.colour.shape[:2]
    warped = cv2.warpAffine(thumb_b, to_a, (wa, ha), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REPLICATE)
    return use_u8, warped, masked


def _changed_pixels(a: LocalFeatures, use_u8: np.ndarray, warped: np.ndarray,
                    cache: ColourCache) -> np.ndarray:
    """The compared pixels of a whose colour changed in `warped` (0/1 uint8). Thin lines (an
    edge a pixel off, a watermark's strokes) open away; a recoloured part of the garment
    stays."""
    return cv2.morphologyEx(
        _changed(cache.planes(a), _colour_planes(warped)).view(np.uint8) & use_u8,
        cv2.MORPH_OPEN, _STROKE)


# `pair_inset`: the changed pixels a pasted inset leaves lie in a corner box (this share of
# them inside a box spanning 10–55 % of each side, its extent their 97th percentile).
PAIR_INSET_SPAN = (0.1, 0.55)
PAIR_INSET_SHARE = 0.9
PAIR_INSET_COMPARED = 0.4  # the box holds at most this share of the compared pixels


def pair_inset(a: LocalFeatures, b: LocalFeatures, match: Match,
               cache: ColourCache | None = None, *, seen_a: OverlapColour | None = None,
               seen_b: OverlapColour | None = None,
               ) -> list[tuple[LocalFeatures, LocalFeatures]]:
    """The pair (a, b) again with a corner inset the pair itself shows, for each picture that
    shows one (at most two answers; none when either picture already has an inset).

    `inset_box` finds an inset by its two straight inner sides; over a garment of the
    inset's own colour one side shows no step, and the copy is refused as a recolour. Seen
    from a pair whose fit is sure, such an inset is where the colour changed: nearly all the
    changed pixels (`PAIR_INSET_SHARE`) lie in a corner box of one picture, and that box's
    inner side is a long straight step in that picture (`INSET_EDGE_MIN`, one side enough),
    and the box holds at most `PAIR_INSET_COMPARED` of the compared pixels (a collage's
    cell, another corner box with straight sides, is all the pair shares; a picture that
    `looks_composite` is not searched either). A recolour changes the garment, not a
    corner box with a straight edge. On the real photos (session 17), of the pairs refused
    by colour with a sure fit: 36 of 52 same-photo pairs are accepted with the box, and no
    colour variant pair found one (0 of 1,018 dev, 0 of 361 held-out; the last two rules
    were added after the first version merged a held-out collage's recoloured cell).
    Where no corner box holds them, a banner's band across the top or bottom may
    (`_changed_band`): a banner of the background's own colour, which `inset_box` misses.

    `seen_a`, `seen_b`: `overlap_colour` already read in a's and b's frame (None: not
    read), whose changed pixels are used again. Where more than `PAIR_INSET_COMPARED /
    PAIR_INSET_SHARE` changed, no box can hold 90 % of it within 40 % of the compared
    pixels: that frame is not searched. b's frame is not searched either where a's was not
    and b's was not read: the changed share is nearly the same in both frames. A recolour,
    which changed most of the garment, costs nothing more."""
    if match.transform is None or a.inset is not None or b.inset is not None:
        return []
    cache = cache if cache is not None else ColourCache()
    most = PAIR_INSET_COMPARED / PAIR_INSET_SHARE
    out = []
    for first in (True, False):
        x, y, fit = (a, b, match) if first else (b, a, reverse(match, a, b))
        seen = seen_a if first else seen_b
        if seen is not None and seen.changed > most:
            continue
        if not first and seen is None and seen_a is not None and seen_a.changed > most:
            continue
        if looks_composite(x):  # a collage's cell is a corner box with straight sides too
            continue
        if seen is not None and seen.changed_pixels is not None:
            changed = seen.changed_pixels
            use_u8 = None
        else:
            use_u8, warped, _masked = _compared(x, y, fit, cache)
            changed = _changed_pixels(x, use_u8, warped, cache)
        box = _changed_corner(x.colour, changed) or _changed_band(x.colour, changed)
        if box is not None:
            if use_u8 is None:
                use_u8 = _aligned_mask(x, y, fit, cache, _SEAM)[1]
            x0, y0, x1, y1 = box
            inside = cv2.countNonZero(use_u8[y0:y1, x0:x1])
            if inside > PAIR_INSET_COMPARED * cv2.countNonZero(use_u8):
                continue  # the box is most of what the pictures share: not an inset
            found = dataclasses.replace(x, inset=box)
            out.append((found, b) if first else (a, found))
    return out


def _changed_corner(colour: np.ndarray,
                    changed: np.ndarray) -> tuple[int, int, int, int] | None:
    """The smallest corner box (x0, y0, x1, y1) of a thumbnail holding nearly all its
    changed pixels, with a straight step along one of its inner sides (see `pair_inset`)."""
    ys, xs = np.nonzero(changed)
    if len(xs) < 12:
        return None
    h, w = changed.shape
    lo, hi = PAIR_INSET_SPAN
    r0, c0 = round(0.08 * h), round(0.08 * w)
    step_x, step_y = _steps(colour)
    best: tuple[int, tuple[int, int, int, int]] | None = None
    for flip_y in (False, True):
        for flip_x in (False, True):
            u = w - 1 - xs if flip_x else xs  # seen from the corner
            v = h - 1 - ys if flip_y else ys
            ux = int(np.quantile(u, 0.97)) + 1
            vy = int(np.quantile(v, 0.97)) + 1
            if not (lo * w <= ux <= hi * w and lo * h <= vy <= hi * h):
                continue
            if np.mean((u <= ux) & (v <= vy)) < PAIR_INSET_SHARE:
                continue
            ex, ey = _seen_from(step_x, step_y, flip_x, flip_y)
            # the inner sides, a column or row either way of the box's edge
            side_v = max((float(ex[r0:vy, c].mean()) for c in range(max(0, ux - 2),
                                                                    min(w, ux + 3))),
                         default=0.0) if vy > r0 else 0.0
            side_h = max((float(ey[r, c0:ux].mean()) for r in range(max(0, vy - 2),
                                                                    min(h, vy + 3))),
                         default=0.0) if ux > c0 else 0.0
            if max(side_v, side_h) < INSET_EDGE_MIN:
                continue
            area = (ux + 1) * (vy + 1)
            if best is None or area < best[0]:
                best = (area, _corner_box(ux, vy, w, h, flip_x, flip_y))
    return None if best is None else best[1]


# `_changed_band`: at most this share of a plain band is writing, and its rows with
# writing cross a median of at least this many runs of it (a garment's rows one to three).
BANNER_INK_MAX = 0.5
BANNER_RUNS = 4


def _changed_band(colour: np.ndarray,
                  changed: np.ndarray) -> tuple[int, int, int, int] | None:
    """The band (x0, y0, x1, y1) across the top or bottom of a thumbnail (`BANNER_SPAN`)
    holding nearly all its changed pixels, where the thumbnail shows a plain band with
    writing: a banner of the picture's own background colour (white on a studio photo),
    which `_banner_box` cannot tell from the background, and which shows a straight step
    only where it crosses the garment (see `pair_inset`). Plain: out to both picture
    sides the band's grey (`INSET_STEP`), `BANNER_INK`–`BANNER_INK_MAX` of its pixels
    off it (less 8 % at each side), and its rows with writing crossing `BANNER_RUNS` runs
    of it: a recoloured hem or waistband is one run or two a row (a leg each).

    Measured on the real apparel photos (eval_real `--stress wm:banner`, session 22): of
    the 173 dev banner copies, 37 were refused against their main photo, 21 of them among
    the 39 white ones (`inset_box` found none of those); with this, 19 are, 9 of them white
    (every solid white band is accepted; a translucent one lets the garment through, which
    reads as ink). Some coloured bands are found here too: those over a garment of their
    own grey, which `inset_box` misses. The banner copies' recall in the grouping went
    from 0.73 to 0.81 (dev) and 0.70 to 0.82 (held-out); no colour-variant pair is
    confirmed the same pairwise that was not before (dev 1,512, held-out 513 pairs, on the
    usual and the banner corpus), and the usual eval_real is unchanged."""
    ys = np.nonzero(changed)[0]
    if len(ys) < 12:
        return None
    h, w = changed.shape
    c0 = round(0.08 * w)
    grey = _grey(colour)
    for top in (True, False):
        depth = int(np.quantile(ys if top else h - 1 - ys, 0.97)) + 1
        if not BANNER_SPAN[0] * h <= depth <= BANNER_SPAN[1] * h or depth < 4:
            continue  # (under 4 rows, less the two below, no two rows of writing are left)
        # less the two rows at its inner edge (the changed pixels reach a row or two
        # past it, where the garment meets it)
        band = grey[: depth - 2] if top else grey[h - depth + 2:]
        inside = band[:, c0: w - c0]
        tone = float(np.median(inside))
        off = np.abs(inside - tone) > INSET_STEP
        if not BANNER_INK <= float(off.mean()) <= BANNER_INK_MAX:
            continue
        inked = off[off.mean(axis=1) >= BANNER_INK]
        runs = np.count_nonzero(np.diff(inked.view(np.int8), axis=1) == 1, axis=1)
        if len(runs) < 2 or np.median(runs) < BANNER_RUNS:
            continue  # not writing: a garment's rows cross one to three runs of it
        sides = np.concatenate([band[:, :2], band[:, -2:]], axis=1)
        if np.mean(np.abs(sides - tone) > INSET_STEP) > 0.1:
            continue
        return (0, 0, w, depth) if top else (0, h - depth, w, h)
    return None


def _to_thumbnail(a: LocalFeatures, b: LocalFeatures, b_thumb_shape: tuple[int, ...],
                  match: Match) -> np.ndarray:
    """The 2×3 map from b's colour thumbnail to a's: b's thumbnail → b's analysed frame →
    a's analysed frame (the fit) → a's thumbnail, written out."""
    assert match.transform is not None
    ha, wa = a.colour.shape[:2]
    hb, wb = b_thumb_shape[:2]
    ax, ay = wa / a.width, ha / a.height
    bx, by = b.width / wb, b.height / hb
    (m00, m01, m02), (m10, m11, m12) = match.transform.tolist()
    return np.array([[ax * m00 * bx, ax * m01 * by, ax * m02],
                     [ay * m10 * bx, ay * m11 * by, ay * m12]])


def _aligned_mask(a: LocalFeatures, b: LocalFeatures, match: Match, cache: ColourCache,
                  seam: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """(b's thumbnail → a's thumbnail map; the pixels of a's thumbnail to compare, 0/1
    uint8; whether an inset was left out): where b lies (less `seam` at its border,
    interpolated with the outside), at least one of the two shows the garment, and neither
    shows its corner inset (another picture's pixels, `inset_box`), unless that box would
    hide more than `INSET_HIDES_MAX` of those pixels (then it is compared like the rest)."""
    thumb_b, fg_thumb_b = cache.thumb(b, match.mirrored)
    ha, wa = a.colour.shape[:2]
    hb, wb = thumb_b.shape[:2]
    to_a = _to_thumbnail(a, b, thumb_b.shape, match)
    # (One warp of the footprint and the garment as two channels would differ: OpenCV's
    # nearest-pixel warp rounds one channel and several differently.)
    footprint = cv2.warpAffine(np.ones((hb, wb), np.uint8), to_a, (wa, ha),
                               flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT)
    valid = cv2.erode(footprint, seam)
    fg_b = cv2.warpAffine(fg_thumb_b, to_a, (wa, ha), flags=cv2.INTER_NEAREST)
    fg_a, _ = cache.garment(a)
    use_u8 = valid & (fg_a | fg_b)
    if a.inset is None and b.inset is None:
        return to_a, use_u8, False
    most = INSET_HIDES_MAX * cv2.countNonZero(use_u8)
    boxes: list[np.ndarray] = []
    if a.inset is not None:
        x0, y0, x1, y1 = _widened(a.inset, wa, ha)
        box = np.zeros((ha, wa), np.uint8)
        box[y0:y1, x0:x1] = 1
        boxes.append(box)
    if b.inset is not None:
        x0, y0, x1, y1 = _widened(b.inset, wb, hb)
        if match.mirrored:
            x0, x1 = wb - x1, wb - x0
        box = np.zeros((hb, wb), np.uint8)
        box[y0:y1, x0:x1] = 1
        boxes.append(cv2.warpAffine(box, to_a, (wa, ha), flags=cv2.INTER_NEAREST))
    keep = [box for box in boxes if cv2.countNonZero(use_u8 & box) <= most]
    for box in keep:
        use_u8[box > 0] = 0
    return to_a, use_u8, bool(keep)


# `aligned_structure`: detail finer than this (in thumbnail pixels, a Gaussian's sigma) is
# compared; coarser shading (light, a colour shift) is taken out first.
STRUCTURE_SIGMA = 3.0
_STRUCTURE_SEAM = np.ones((5, 5), np.uint8)


# `dense_fit`: ECC's iterations and its stop (the correlation's gain per step), the blur of
# the garment masks the first pass aligns, the smoothing of the second pass's gradients, and
# how far from a similarity its affine answer may be (the larger of its two scales over the
# smaller; a re-post is never stretched).
DENSE_ITERATIONS = 50
DENSE_EPS = 1e-4
DENSE_MASK_BLUR = 2.0
DENSE_SMOOTHING = 3
DENSE_STRETCH_MAX = 1.08
_DENSE_EDGE = np.ones((5, 5), np.uint8)


def _ecc(template: np.ndarray, image: np.ndarray, warp: np.ndarray, mask: np.ndarray,
         smoothing: int) -> np.ndarray | None:
    """ECC's affine warp (template pixels → image pixels) from `warp`; None: it did not
    converge (uncorrelated, or the fit left the frame)."""
    try:
        _cc, found = cv2.findTransformECC(
            template, image, warp.astype(np.float32), cv2.MOTION_AFFINE,
            (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, DENSE_ITERATIONS, DENSE_EPS),
            mask, smoothing)
    except cv2.error:
        return None
    return np.asarray(found, np.float64)


def _first_of(found: np.ndarray | None, otherwise: np.ndarray) -> np.ndarray:
    return found if found is not None else otherwise


class DenseFit(NamedTuple):
    """`dense_fit`'s answer: the fit (`NO_MATCH`: none) and its `aligned_structure`."""

    match: Match
    structure: float


def dense_fit(a: LocalFeatures, b: LocalFeatures, cache: ColourCache | None = None, *,
              mirror: bool = True) -> DenseFit:
    """b laid onto a without keypoints, plain and (with `mirror`) mirrored; the orientation
    whose fit agrees better (`aligned_structure`) is kept, with that agreement.
    `Match.inliers` is 0.

    Three steps on the thumbnails: the garment masks' centres and areas give a first
    similarity; ECC (`cv2.findTransformECC`, affine) aligns the blurred masks (the
    silhouette: a print's period cannot trap it); ECC again on the grey pictures, from
    there, with b's garment as its mask (a frame or pad of b does not count). A fit
    stretched past `DENSE_STRETCH_MAX` is none; a pass that does not converge leaves the
    alignment as it was.

    For pictures whose keypoints cannot be told apart: a print of repeated dots, stripes or
    checks gives hundreds of ORB keypoints that all look alike, so Lowe's ratio test keeps
    almost none and `verify` finds no fit even between a photo and its plain re-encode (the
    sandbox's dotted trousers: 2 inliers). What it lays on a is only a proposal:
    `grouping_rules.confirm_pair` asks the structure and the colour of it, and calls it
    only for pictures whose whole-picture hashes are already near. Aligning the grey
    pictures straight from the first similarity (one ECC pass) left a third of the
    sandbox's same-style pairs misaligned by a period of their print or stretched."""
    cache = cache if cache is not None else ColourCache()
    mask_a = cache.garment(a)[0]
    moments_a = cv2.moments(mask_a, True)
    best = DenseFit(NO_MATCH, 0.0)
    if moments_a["m00"] < 20:
        return best
    blurred_a = cv2.GaussianBlur(mask_a.astype(np.float32), (0, 0), DENSE_MASK_BLUR)
    ha, wa = mask_a.shape
    for mirrored in (False, True) if mirror else (False,):
        thumb_b, mask_b = cache.thumb(b, mirrored)
        moments_b = cv2.moments(mask_b, True)
        if moments_b["m00"] < 20:
            continue
        scale = math.sqrt(moments_a["m00"] / moments_b["m00"])
        xa, ya = moments_a["m10"] / moments_a["m00"], moments_a["m01"] / moments_a["m00"]
        xb, yb = moments_b["m10"] / moments_b["m00"], moments_b["m01"] / moments_b["m00"]
        start = np.array([[scale, 0.0, xa - scale * xb], [0.0, scale, ya - scale * yb]])
        # ECC's warp maps the template's (a's) pixels to the input's (b's).
        warp = cv2.invertAffineTransform(start)
        blurred_b = cv2.GaussianBlur(mask_b.astype(np.float32), (0, 0), DENSE_MASK_BLUR)
        warp = _first_of(_ecc(blurred_a, blurred_b, warp, np.ones_like(mask_b), 5), warp)
        finer = _ecc(cache.grey(a, False), cache.grey(b, mirrored), warp,
                     cv2.dilate(mask_b, _DENSE_EDGE), DENSE_SMOOTHING)
        to_a = cv2.invertAffineTransform(_first_of(finer, warp))  # b's thumbnail → a's
        singular = np.linalg.svd(to_a[:, :2], compute_uv=False)
        if not singular[1] > 0 or singular[0] / singular[1] > DENSE_STRETCH_MAX:
            continue
        hb, wb = thumb_b.shape[:2]
        # In the analysed frames, as `verify`'s transforms are (`_to_thumbnail` inverted).
        transform = (np.diag([a.width / wa, a.height / ha, 1.0])
                     @ np.vstack([to_a, [0.0, 0.0, 1.0]])
                     @ np.diag([wb / b.width, hb / b.height, 1.0]))[:2]
        match = Match(0, 0, mirrored, transform,
                      float(np.hypot(transform[0, 0], transform[1, 0])),
                      float(np.degrees(np.arctan2(transform[1, 0], transform[0, 0]))))
        agree = aligned_structure(a, b, match, cache)
        if best.match.transform is None or agree > best.structure:
            best = DenseFit(match, agree)
    return best


def aligned_structure(a: LocalFeatures, b: LocalFeatures, match: Match,
                      cache: ColourCache | None = None) -> float:
    """How well the pictures' fine structure agrees where `match` lays b onto a: the
    normalised cross-correlation (−1…1) of their grey thumbnails' detail (less a Gaussian
    blur of `STRUCTURE_SIGMA`) over the compared pixels of `overlap_colour`, in whichever
    frame agrees better (a collage's cell is a few dozen pixels in its own thumbnail: the
    finer picture is blurred to the coarser one's detail before comparing).

    A second opinion on a fit, independent of the keypoints: the same photo aligned
    correctly agrees nearly pixel for pixel, a chance fit of two different photos does not.
    Blind to colour (a recolour keeps the structure), so it never stands in for the colour
    check. 0.0 when there is no fit or too little overlap."""
    if match.transform is None:
        return 0.0
    cache = cache if cache is not None else ColourCache()
    return max(_structure_in(a, b, match, cache),
               _structure_in(b, a, reverse(match, a, b), cache))


def _structure_in(a: LocalFeatures, b: LocalFeatures, match: Match,
                  cache: ColourCache) -> float:
    """`aligned_structure` in a's frame."""
    to_a, use_u8, _masked = _aligned_mask(a, b, match, cache, _STRUCTURE_SEAM)
    if cv2.countNonZero(use_u8) < 30:
        return 0.0
    ha, wa = a.colour.shape[:2]
    grey_b = cache.grey(b, match.mirrored)
    grey_a = cache.grey(a, False)
    zoom = math.hypot(to_a[0, 0], to_a[1, 0])  # b's thumbnail pixels per a's
    if zoom < 1.0:  # b is shrunk onto a: blur it to a's detail first
        grey_b = cv2.GaussianBlur(grey_b, (0, 0), 0.5 / zoom)
    elif zoom > 1.0:  # b is enlarged: a shows finer detail than b can, blur a to b's
        grey_a = cv2.GaussianBlur(grey_a, (0, 0), 0.5 * zoom)
    warped = cv2.warpAffine(grey_b, to_a, (wa, ha), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REPLICATE)
    use = use_u8.astype(bool)
    x = (grey_a - cv2.GaussianBlur(grey_a, (0, 0), STRUCTURE_SIGMA))[use]
    y = (warped - cv2.GaussianBlur(warped, (0, 0), STRUCTURE_SIGMA))[use]
    x -= x.mean()
    y -= y.mean()
    norm = math.sqrt(float(np.dot(x, x)) * float(np.dot(y, y)))
    return float(np.dot(x, y)) / norm if norm > 0 else 0.0


def _widened(box: tuple[int, int, int, int], w: int, h: int) -> tuple[int, int, int, int]:
    """An inset's rectangle a pixel wider on every side (its edge is blended), in the frame."""
    x0, y0, x1, y1 = box
    return max(0, x0 - 1), max(0, y0 - 1), min(w, x1 + 1), min(h, y1 + 1)
