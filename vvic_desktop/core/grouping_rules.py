"""The pair rules of same-style grouping: the settings, the signature evidence of candidate
pairs and its vectorised decision (`pair_evidence`, `decide`), and the geometric
confirmation of one pair by local features and colour inside the aligned overlap
(`confirm_pair`). `core.grouping` applies them under the leader rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from vvic_desktop.core import hashing
from vvic_desktop.core.grouping_candidates import pair_distance
from vvic_desktop.core.hashing import SignatureBatch
from vvic_desktop.core.local_features import (
    ColourCache,
    LocalFeatures,
    Match,
    OverlapColour,
    aligned_structure,
    dense_fit,
    looks_collage,
    overlap_colour,
    pair_inset,
    reverse,
    verify,
)
from vvic_desktop.core.models import Offer
from vvic_desktop.core.style_groups import DEFAULT_BEST_ORDER, BestOfferKey
from vvic_desktop.core.titles import (
    CUT_FAMILIES,
    category_of,
    cut_words,
    print_of,
    title_bigrams,
)


@dataclass(frozen=True, slots=True)
class GroupingSettings:
    """Thresholds of the pair rule; `strictness` > 1 asks for more agreement."""

    best_offer_order: tuple[BestOfferKey, ...] = DEFAULT_BEST_ORDER
    strictness: float = 1.0
    # Candidate pairs: pHash distance of the garment crops (min over plain/mirrored).
    candidate_distance: int = 18
    # Confirmation: colour histogram intersection, silhouette IoU, texture distance.
    colour_min: float = 0.70
    silhouette_min: float = 0.60
    texture_max: float = 0.40
    # Titles this alike let a pair through with a little more texture difference.
    title_lift: float = 0.6
    texture_lift: float = 0.15
    # Title-only (no image) rule.
    title_only_min: float = 0.85
    title_art_no_min: float = 0.5
    price_ratio_max: float = 0.34
    # Geometric confirmation (`core.local_features`), where both pictures have keypoints.
    # Candidates are proposed generously: every pair within this pHash distance, plus each
    # picture's nearest few by hash and colour (a collage's hash is another picture's).
    proposal_distance: int = 12
    proposal_neighbours: int = 10
    # Every picture ranks the others by pHash distance plus colour difference (its nearest
    # list). A candidate pair past the first `proposal_nearest_first` places of both its
    # pictures' lists (a composite's cell and shared proposals aside) is checked only as
    # far down as the leader keeps finding its copies: place r once the leader has
    # r - `proposal_nearest_first` + 1 members (`grouping.confirm_and_cluster`). A picture
    # with many copies fills the top of its list with them; one with none has a list of
    # look-alikes and colour variants (one photo recoloured: the same hash), each a whole
    # fit to refuse. Chosen on the real photos' dev styles (session 28; eval_real, and
    # bench_group's 200 listings, whose groups stay the same): 4, with the leaders ordered
    # by candidates near in the lists too, took the checks from 4,458 to 3,141 (dev) and
    # from 868 to 495 (bench), and the copies rejoining their main photo from 1,868 to
    # 1,877 of 1,903. With the old order 4 and 6 lost 3 of them; 8 lost none but saved
    # less than a third as much on the bench.
    proposal_nearest_first: int = 4
    # A picture about to lead a group of its own is first checked against its nearest few
    # by shared keypoints (`grouping_candidates.keypoint_pairs`) that surely belong to a
    # group already (`grouping.confirm_and_cluster`).
    keypoint_neighbours: int = 3
    # A pair is the same photo when its similarity fit has at least `inliers_min` inliers
    # and, inside the aligned overlap, at most `changed_max` of the garment changed colour;
    # a cue in its borderline band (fewer than `inliers_sure` inliers, more than
    # `changed_sure` changed) needs the other cue in its sure band and a second opinion
    # (hashes, colour histogram) as well.
    inliers_min: int = 15
    inliers_sure: int = 50
    changed_max: float = 0.18
    changed_sure: float = 0.08
    # The largest connected part that changed colour (a recoloured panel or band, not the
    # scattered strokes of a watermark or an edge a pixel off), share of compared pixels.
    blob_max: float = 0.05
    blob_sure: float = 0.025
    # A changed part above `blob_sure` is refused too when some window of the overlap
    # (`OverlapColour.part`) changed nearly through: the second cue of a recolour, so that a
    # recoloured waistband or bra sitting just under `blob_max` is still another product.
    part_max: float = 0.9
    # The fine structure of the two pictures laid on one another by the fit
    # (`local_features.aligned_structure`): a second opinion on a borderline fit whose colour
    # is sure, where the whole-picture signatures cannot agree (a collage's cell, a framed
    # or padded copy). Session 17, dev styles, fits of 15–49 inliers with colour sure: the
    # same photo 0.85 at the 1st percentile (0.66 at the lowest, a fit on a 40-px collage
    # cell); different styles' chance fits (all refused by colour) 0.76 at the 99.9th, 0.79
    # at the highest.
    aligned_min: float = 0.82
    # Where keypoints find no fit (a print of repeated dots, stripes or checks, whose
    # keypoints all look alike) but the pictures' dHashes are within `dense_hash_max`, the
    # pair is laid on itself densely (`local_features.dense_fit`) and is the same photo when
    # the structure agrees to `dense_structure_min` and colour is in its sure band: three
    # cues, none at its limit. Measured in session 24 on pairs whose keypoints failed:
    # - the sandbox's same-style listings (seed 2026), dHash ≤ 8 and colour sure: 204 of
    #   271 at ≥ 0.92, median 0.96; different styles of one category with colour sure:
    #   0.856 at the highest (the rest are refused by colour);
    # - real apparel photos (apparel-dev, dev 1,450 and held-out 126 pairs of different
    #   products of one category): 0.61 at the highest for other styles, 0.89 for colour
    #   variants (refused by colour); none has colour sure. No real listing copy of one
    #   photo failed its keypoints, so real photos never needed it;
    # - bench_group's 200 real listings: 3 pairs reach it (dHash ≤ 8), none confirmed;
    # - real photographs of a repeated pattern (scikit-image's brick): copies fail their
    #   keypoints too (2–13 inliers) but sit at dHash 14–31 (no silhouette to hold the
    #   hash), so they stay apart; their dense fits agree 0.77–0.91, other photos ≤ 0.31.
    dense_hash_max: int = 8
    dense_structure_min: float = 0.92
    coverage_min: float = 0.15
    max_rotation: float = 12.0  # degrees: listings are not rotated, a chance fit often is
    scale_range: tuple[float, float] = (0.25, 4.0)
    # Pictures with fewer keypoints (a plain garment) are decided by the signature rule.
    min_keypoints: int = 80
    # Above this many items the candidate search uses the multi-index instead of all pairs;
    # its reach is pHash distance 7, so at that scale (a library, not one search's 20–50
    # results) heavily cropped re-posts may stay apart.
    all_pairs_limit: int = 3000


@dataclass(slots=True)
class PairEvidence:
    """Evidence for candidate pairs (i < j), one entry per pair."""

    i: np.ndarray
    j: np.ndarray
    hash_distance: np.ndarray  # min pHash distance, plain or mirrored
    dhash_distance: np.ndarray
    colour: np.ndarray  # histogram intersection 0..1
    silhouette: np.ndarray  # mask IoU 0..1, best of plain or mirrored
    texture: np.ndarray  # texture distance (0 = same), best of plain or mirrored
    title: np.ndarray  # bigram Dice 0..1 (0 where the decision does not depend on it)
    price_ratio: np.ndarray  # |a-b| / max(a,b); nan when a price is missing
    conflict: np.ndarray  # the titles name different categories, prints or cuts
    same: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    # Pairs proposed by shared keypoints alone (`keypoint_pairs`): checked only for a
    # picture that would otherwise lead a group of its own (empty: none).
    spare: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    # Of those, the pairs whose keypoints say mirrored (only that orientation is fitted).
    spare_mirrored: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    # Pairs past the first places of both their pictures' nearest lists (a composite's
    # cell and shared proposals aside): each one's place (the nearer of its two pictures'
    # lists), 0 for every other pair (empty: none; `GroupingSettings.proposal_nearest_first`).
    late_place: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))

_BLOCK = 8192  # pairs per block of evidence work (bounds temporary memory)


def _prices(offers: Sequence[Offer]) -> np.ndarray:
    return np.array([float(o.price) if o.price is not None else np.nan for o in offers])


def pair_evidence(
    batch: SignatureBatch,
    offers: Sequence[Offer],
    i: np.ndarray,
    j: np.ndarray,
    settings: GroupingSettings,
) -> PairEvidence:
    """Evidence for the given pairs, and the decision `same` for each."""
    img = batch.ok[i] & batch.ok[j]
    hd = np.where(img, pair_distance(batch, i, j), 64).astype(np.int16)
    dd = np.where(
        img,
        np.minimum(
            hashing.hamming(batch.dhash[i], batch.dhash[j]),
            hashing.hamming(batch.dhash[i], batch.dhash_mirror[j]),
        ),
        64,
    ).astype(np.int16)
    s = _strictness_factor(settings)
    colour = np.zeros(len(i), np.float64)
    silhouette = np.zeros(len(i), np.float64)
    texture = np.full(len(i), 9.0)
    # A cascade in blocks: colour for every image pair, the silhouette only where colour
    # agrees, the texture only where both do. Blocks bound the temporary memory.
    for start in range(0, len(i), _BLOCK):
        sl = slice(start, start + _BLOCK)
        bi, bj, bimg = i[sl], j[sl], img[sl]
        col = np.minimum(batch.colour[bi], batch.colour[bj]).sum(axis=1, dtype=np.float32)
        col = np.where(bimg, col, 0.0)
        colour[sl] = col
        go = np.flatnonzero(col >= min(settings.colour_min * s, 0.97))
        if not len(go):
            continue
        gi, gj = bi[go], bj[go]
        sil = np.maximum(
            _iou(batch.silhouette[gi], batch.silhouette[gj]),
            _iou(batch.silhouette[gi], SignatureBatch.mirrored_silhouette(batch.silhouette[gj])),
        )
        silhouette[start + go] = sil
        go2 = go[sil >= min(settings.silhouette_min * s, 0.97)]
        if not len(go2):
            continue
        gi, gj = bi[go2], bj[go2]
        texture[start + go2] = np.minimum(
            _texture_distance(batch.texture[gi], batch.texture[gj]),
            _texture_distance(batch.texture[gi], batch.texture_mirror[gj]),
        )
    prices = _prices(offers)
    pa, pb = prices[i], prices[j]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.abs(pa - pb) / np.maximum(pa, pb)
    codes = _title_codes(offers)
    conflict = _conflicts(codes, i, j)
    # Title similarity is per pair Python work, and only decides pairs without images or
    # with a borderline print measure: compute it for those alone.
    s = _strictness_factor(settings)
    texture_max = settings.texture_max / s
    borderline = (texture > texture_max) & (texture <= texture_max + settings.texture_lift)
    needs_title = ~img | borderline
    needs_title &= ~conflict
    title = np.zeros(len(i), np.float64)
    bigrams: dict[int, frozenset[str]] = {}
    for k in np.flatnonzero(needs_title).tolist():
        a, b = int(i[k]), int(j[k])
        if a not in bigrams:
            bigrams[a] = title_bigrams(offers[a].title)
        if b not in bigrams:
            bigrams[b] = title_bigrams(offers[b].title)
        title[k] = _dice(bigrams[a], bigrams[b])
    ev = PairEvidence(i, j, hd, dd, colour, silhouette, texture, title, ratio, conflict)
    ev.same = decide(ev, offers, img, settings)
    return ev


def _strictness_factor(settings: GroupingSettings) -> float:
    """The user's strictness (0.5 loose … 1.5 strict) moves thresholds by half as much, so
    that even the loosest setting still needs colour, shape and print to agree."""
    strictness = min(max(settings.strictness, 0.5), 1.5)
    return 1.0 + (strictness - 1.0) / 2


def _title_codes(offers: Sequence[Offer]) -> np.ndarray:
    """Per offer: category code, print code, then one bit mask per cut family (0 = unnamed)."""
    cats: dict[str, int] = {"default": 0}
    prints: dict[str, int] = {"": 0}
    rows: list[list[int]] = []
    seen: dict[str, list[int]] = {}
    for offer in offers:
        known = seen.get(offer.title)
        if known is not None:
            rows.append(known)
            continue
        cat = cats.setdefault(category_of(offer.title), len(cats))
        prt = prints.setdefault(print_of(offer.title), len(prints))
        masks = [
            sum(1 << k for k, w in enumerate(family) if w in words)
            for family, words in zip(CUT_FAMILIES, cut_words(offer.title), strict=True)
        ]
        seen[offer.title] = [cat, prt, *masks]
        rows.append(seen[offer.title])
    return np.array(rows, dtype=np.int64).reshape(len(offers), 2 + len(CUT_FAMILIES))


def _conflicts(codes: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Pairs whose titles name different categories, prints or cuts (unnamed never conflicts)."""
    a, b = codes[i], codes[j]
    named = (a != 0) & (b != 0)
    differ = named[:, :2] & (a[:, :2] != b[:, :2])
    disjoint = named[:, 2:] & ((a[:, 2:] & b[:, 2:]) == 0)
    return differ.any(axis=1) | disjoint.any(axis=1)


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    union = np.maximum(a, b).sum(axis=1, dtype=np.int32)
    return np.minimum(a, b).sum(axis=1, dtype=np.int32) / np.where(union > 0, union, 1)


def _texture_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Half the L1 distance of orientation histograms, plus half the log-energy gap."""
    return np.abs(a[:, :-1] - b[:, :-1]).sum(axis=1) / 2 + 0.5 * np.abs(a[:, -1] - b[:, -1])


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def decide(
    ev: PairEvidence, offers: Sequence[Offer], img: np.ndarray, settings: GroupingSettings
) -> np.ndarray:
    """The pair rule, vectorised. Image evidence must agree on shape, colour and print.

    `strictness` (0.5 loose … 1.5 strict) moves every threshold together, by half as much
    (`_strictness_factor`).
    """
    s = _strictness_factor(settings)
    price_ok = ~(ev.price_ratio > settings.price_ratio_max)  # a missing price is no objection
    colour_min = min(settings.colour_min * s, 0.97)
    silhouette_min = min(settings.silhouette_min * s, 0.97)
    texture_max = settings.texture_max / s
    near = ev.hash_distance <= round(settings.candidate_distance / s)
    shape_colour = img & near & (ev.colour >= colour_min) & (ev.silhouette >= silhouette_min)
    by_image = shape_colour & (ev.texture <= texture_max)
    # A similar title may lift a pair whose print measure is borderline, never one whose
    # shape or colour disagrees.
    lifted = (
        shape_colour & (ev.texture <= texture_max + settings.texture_lift)
        & (ev.title >= settings.title_lift)
    )
    arts = np.zeros(len(ev.i), bool)
    for k in np.flatnonzero(~img).tolist():  # title-only pairs are few: Python is fine
        a, b = offers[int(ev.i[k])].art_no, offers[int(ev.j[k])].art_no
        arts[k] = bool(a) and a == b
    no_img = ~img
    by_title = no_img & (
        (ev.title >= min(settings.title_only_min * s, 0.98))
        | (arts & (ev.title >= settings.title_art_no_min))
    )
    # Titles naming a dress and a shirt, stripes and dots, or a V and a round neck are two
    # styles whatever the pictures say (look-alikes are where pictures are weakest).
    return (by_image | lifted | by_title) & price_ok & ~ev.conflict


@dataclass(frozen=True, slots=True)
class Confirmation:
    """What the geometric check of one pair found (for evaluations and tests)."""

    same: bool
    inliers: int
    changed: float
    coverage: float
    mirrored: bool
    reason: str
    aligned: float = float("nan")  # `aligned_structure`, where it was asked (else nan)


def confirm_pair(a: LocalFeatures, b: LocalFeatures, second_opinion: bool,
                 settings: GroupingSettings, cache: ColourCache | None = None, *,
                 mirror: bool = True, near: bool = False) -> Confirmation:
    """Are a and b the same photo (edited)? Geometry and colour inside the aligned overlap
    must both agree; a cue in its borderline band needs the other in its sure band and
    `second_opinion` (the signatures agree too). Where the fit is borderline, colour sure
    and the signatures disagree (a collage's cell), the fit's own second opinion is asked:
    does it lay the same picture on itself (`aligned_structure` ≥ `aligned_min`)? `cache`
    keeps each picture's colour work for its next pair. `mirror`: also try b mirrored
    (`mirror_possible` says when that cannot be needed).

    A collage keeps two sets of keypoints (`LocalFeatures.coarser`): where the finer set's
    fit falls short (too few inliers, or borderline), the pair is checked again, whole, with
    the coarse one, and either confirmation stands. A colour refusal is never checked again:
    a recolour stays another colour whichever keypoints align it.

    `near`: the whole-picture dHashes are within `dense_hash_max`. Where such a pair's
    keypoints find no fit, `_dense` lays it on itself without them."""
    first = _confirm(a, b, second_opinion, settings, cache, mirror)
    if near and not first.same and first.reason == "geometry":
        dense = _dense(a, b, first, settings, cache, mirror)
        if dense is not None:
            return dense
    if first.same or first.reason == "colour":
        return first
    a2, b2 = a.coarser(), b.coarser()
    if a2 is None and b2 is None:
        return first
    again = _confirm(a2 or a, b2 or b, second_opinion, settings, cache, mirror)
    return again if again.same else first


def _confirm(a: LocalFeatures, b: LocalFeatures, second_opinion: bool,
             settings: GroupingSettings, cache: ColourCache | None, mirror: bool
             ) -> Confirmation:
    """`confirm_pair` with one set of keypoints on each side."""
    s = _strictness_factor(settings)
    match = verify(a, b, try_mirror=mirror, min_inliers=math.ceil(settings.inliers_min * s))
    lo, hi = settings.scale_range
    plausible = (
        match.transform is not None and lo <= match.scale <= hi
        and abs(match.rotation) <= settings.max_rotation
    )
    if match.inliers < settings.inliers_min * s or not plausible:
        return Confirmation(False, match.inliers, 1.0, 0.0, match.mirrored, "geometry")
    cache = cache if cache is not None else ColourCache()
    geo_sure = match.inliers >= settings.inliers_sure * s
    colour = _colour(a, b, match, settings, s, cache)
    if colour.refused and geo_sure:
        # A sure fit whose colour changed in a corner box with a straight edge: an inset
        # `inset_box` missed (over a garment of its own colour), left out as a found one is;
        # or in a plain band with writing across the top or bottom: a banner it missed.
        for a2, b2 in pair_inset(a, b, match, cache, seen_a=colour.ab, seen_b=colour.ba):
            again = _colour(a2, b2, match, settings, s, cache)
            if not again.refused:
                colour = again
                break
    if colour.refused:
        return Confirmation(False, match.inliers, colour.changed, colour.coverage,
                            match.mirrored, "colour")
    changed, blob, coverage = colour.changed, colour.blob, colour.coverage
    base = coverage >= settings.coverage_min
    col_sure = changed <= settings.changed_sure / s and blob <= settings.blob_sure / s
    aligned = float("nan")
    if base and col_sure and not geo_sure and not second_opinion:
        # The fit is borderline and the signatures disagree (a collage's cell or a heavy
        # crop moves every whole-picture hash): does the fit lay the same picture on itself?
        # It speaks for the geometry only, never for colour (a recolour keeps the structure),
        # so colour must be sure.
        aligned = aligned_structure(a, b, match, cache)
        second_opinion = aligned >= min(settings.aligned_min * s, 0.97)
    if not base:
        reason = "colour"
    elif (geo_sure and col_sure) or ((geo_sure or col_sure) and second_opinion):
        reason = ""
    else:
        reason = "borderline"
    return Confirmation(not reason, match.inliers, changed, coverage, match.mirrored, reason,
                        aligned)


def _dense(a: LocalFeatures, b: LocalFeatures, failed: Confirmation,
           settings: GroupingSettings, cache: ColourCache | None, mirror: bool
           ) -> Confirmation | None:
    """The same photo by a dense fit (`local_features.dense_fit`), for a pair whose
    keypoints found none: a plausible similarity, the fine structure agreeing to
    `dense_structure_min` (a correct alignment of one photo; a chance one does not) and
    colour in its sure band. None: not shown so (the keypoints' refusal stands). Not for a
    collage: its garment mask is several photos', which the first similarity is made of.
    A picture with an inset is tried (a dotted print's squares of dots are often taken for
    one); the inset is left out of the compared pixels as everywhere.
    The answer keeps the keypoints' inlier count, so it is never a voucher (`grouping`'s
    both-cues-sure member)."""
    if looks_collage(a) or looks_collage(b):
        return None
    cache = cache if cache is not None else ColourCache()
    match, structure = dense_fit(a, b, cache, mirror=mirror)
    lo, hi = settings.scale_range
    if (match.transform is None or not lo <= match.scale <= hi
            or abs(match.rotation) > settings.max_rotation):
        return None
    s = _strictness_factor(settings)
    if structure < min(settings.dense_structure_min * s, 0.99):
        return None
    colour = _colour(a, b, match, settings, s, cache)
    if (colour.refused or colour.coverage < settings.coverage_min
            or colour.changed > settings.changed_sure / s
            or colour.blob > settings.blob_sure / s):
        return None
    return Confirmation(True, failed.inliers, colour.changed, colour.coverage, match.mirrored,
                        "", structure)


@dataclass(frozen=True, slots=True)
class _Colour:
    """Colour of a fitted pair read in both frames (`_colour`)."""

    refused: bool
    changed: float
    blob: float
    coverage: float
    ab: OverlapColour  # read in a's frame
    ba: OverlapColour | None  # in b's frame (None: not read, a's frame refused already)


def _colour(a: LocalFeatures, b: LocalFeatures, match: Match, settings: GroupingSettings,
            s: float, cache: ColourCache) -> _Colour:
    """Colour in both frames: a collage's other cells or a frame weigh differently in each,
    and the stricter reading decides."""
    ab = overlap_colour(a, b, match, cache)
    if _recoloured(ab.changed, ab.blob, ab.part, settings, s):
        # The stricter reading decides, and this one already refuses: b's frame cannot help.
        return _Colour(True, ab.changed, ab.blob, ab.coverage, ab, None)
    ba = overlap_colour(b, a, reverse(match, a, b), cache)
    changed = max(ab.changed, ba.changed)
    blob = max(ab.blob, ba.blob)
    refused = _recoloured(changed, blob, max(ab.part, ba.part), settings, s)
    return _Colour(refused, changed, blob, max(ab.coverage, ba.coverage), ab, ba)


def _recoloured(changed: float, blob: float, part: float, settings: GroupingSettings,
                s: float) -> bool:
    """Colour inside the aligned overlap says another product: too much changed, one
    changed part too large, or a changed part past the sure band that is solid somewhere
    (a recoloured garment part, not a stamp's scattered strokes)."""
    return (changed > settings.changed_max / s or blob > settings.blob_max / s
            or (blob > settings.blob_sure / s and part > settings.part_max))


# A mirrored fit is not tried where the whole-picture hashes say the copy is not mirrored:
# the plain pHash distance is this much below the mirrored one ...
MIRROR_HASH_MARGIN = 6
# ... and the mirrored one is no near match (the candidate distance plus a margin).
MIRROR_HASH_FAR = 22


def mirror_possible(plain: int, mirrored: int, composite: bool) -> bool:
    """Could b be a mirrored copy of a, given their pHash distances plain and with b
    mirrored? Only a cost saving (the mirrored fit is about half of an unrelated pair's
    check): a composite (a collage's cell, an inset: its whole-picture hash is another
    picture's) always says yes.

    Measured on eval_real's checks (session 18): on dev, 479 of 4,376 checks were accepted
    through a mirrored fit, and the rule skips 589 of the 2,345 mirrored fits; one decision
    changed (a mirrored copy, heavily cropped, with both distances past 24), and dev copies
    rejoin 1832 → 1831 of 1903. The margin was chosen on dev (a margin of 0–4 bits changed
    4 dev decisions, 6 changed 1); held-out's counts were printed in the same table, and
    its grouping is unchanged. bench_group's 200 listings: 236 of 686 mirrored fits
    skipped, 6 % less CPU, the same groups."""
    if composite:
        return True
    return not (mirrored > MIRROR_HASH_FAR and mirrored >= plain + MIRROR_HASH_MARGIN)


def _second_opinion(ev: PairEvidence, k: int, settings: GroupingSettings) -> bool:
    """The whole-picture signatures agree: hashes near, or the colour histograms close."""
    reach = settings.candidate_distance + 4
    return bool(ev.hash_distance[k] <= reach or ev.dhash_distance[k] <= reach
                or ev.colour[k] >= 0.75)
