"""Same-style grouping (seed module 3): one card per style, best offer, price spread.

Evidence, strongest first:
1. image: pHash distance of the garment crops over all pairs at once (XOR + popcount in
   numpy, the mirrored hash too; a multi-index above a few thousand items) proposes
   candidate pairs; colour (HSV histogram), silhouette and texture (which tells prints
   apart when same-cut silhouettes collide) must all confirm them;
2. title: character-bigram similarity after removing market and boilerplate words lifts a
   pair whose print measure is borderline; titles naming different categories, prints or
   cuts (连衣裙/衬衫, 碎花/条纹, V领/圆领) veto a pair: a same-fabric pleated and A-line
   skirt look alike in a 100-pixel thumbnail, their titles do not;
3. price: listings of one style rarely differ by more than a third (a veto, never a reason).

Groups are built without chaining: a leader is chosen (the item most others agree with)
and only items that agree with the leader itself join it; two groups merge only if their
leaders agree and most cross pairs do. Connected components would chain a red dress to a
blue one through a watermarked intermediate.

An offer without a usable image is grouped on title + price only, under stricter rules
(near-identical title, or the same 货号 with a similar title, and a close price): weak
evidence never merges.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from statistics import median_low
from typing import Literal

import numpy as np
from PIL import Image

from vvic_desktop.core import hashing
from vvic_desktop.core.hashing import SignatureBatch
from vvic_desktop.core.local_features import (
    ColourCache,
    LocalFeatures,
    overlap_colour,
    reverse,
    verify,
)
from vvic_desktop.core.models import Offer, StyleGroup
from vvic_desktop.core.pictures import FeatureStore, Pictures, analyse
from vvic_desktop.core.titles import (
    CUT_FAMILIES,
    category_of,
    cut_words,
    dominant_category,
    print_of,
    title_bigrams,
)

ImageSource = bytes | Image.Image | str | Path
BestOfferKey = Literal["credit", "price", "sales", "stock"]
DEFAULT_BEST_ORDER: tuple[BestOfferKey, ...] = ("credit", "price", "sales", "stock")

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


# --------------------------------------------------------------------------- candidates


def _pair_distance(batch: SignatureBatch, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    plain = hashing.hamming(batch.phash[i], batch.phash[j])
    mirror = hashing.hamming(batch.phash[i], batch.phash_mirror[j])
    return np.minimum(plain, mirror)


def candidate_pairs_all(batch: SignatureBatch, max_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair i < j of present images within `max_distance`, by a blocked all-pairs XOR."""
    ok = np.flatnonzero(batch.ok)
    p, pm = batch.phash[ok], batch.phash_mirror[ok]
    out_i: list[np.ndarray] = []
    out_j: list[np.ndarray] = []
    block = 1024
    for start in range(0, len(ok), block):
        rows = slice(start, start + block)
        d = np.minimum(
            hashing.popcount(p[rows, None] ^ p[None, :]),
            hashing.popcount(p[rows, None] ^ pm[None, :]),
        )
        a, b = np.nonzero(d <= max_distance)
        a += start
        keep = a < b
        out_i.append(ok[a[keep]])
        out_j.append(ok[b[keep]])
    if not out_i:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    return np.concatenate(out_i), np.concatenate(out_j)


_BLOCK = 8192  # pairs per block of evidence work (bounds temporary memory)
_CHUNKS = 4  # 16-bit chunks; probing each at radius 1 finds every pair within 4*2-1 = 7
_FLIPS = np.concatenate([[0], 1 << np.arange(16)]).astype(np.uint64)


def candidate_pairs_index(
    batch: SignatureBatch, max_distance: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs within `max_distance` (≤ 7) by multi-index hashing instead of all pairs.

    Pigeonhole: if two 64-bit hashes differ in at most 7 bits, one of the four 16-bit chunks
    differs in at most 1. Each chunk is indexed once (bucketed), every hash probes its chunk
    and the 16 one-bit neighbours, and only those collisions are checked in full. The mirrored
    hash is indexed beside the plain one, so flipped listings are found too.
    """
    if max_distance > 2 * _CHUNKS - 1:
        raise ValueError(f"the index finds distances up to {2 * _CHUNKS - 1}")
    ok = np.flatnonzero(batch.ok)
    n = len(ok)
    keys = np.concatenate([batch.phash[ok], batch.phash_mirror[ok]])
    owner = np.concatenate([ok, ok])
    probe = batch.phash[ok]
    found_i: list[np.ndarray] = []
    found_j: list[np.ndarray] = []
    for c in range(_CHUNKS):
        shift = np.uint64(16 * c)
        table = ((keys >> shift) & np.uint64(0xFFFF)).astype(np.intp)
        order = np.argsort(table, kind="stable")
        # A direct bucket table (65536 entries): where each chunk value's run starts.
        bucket_start = np.zeros(65537, np.intp)
        np.cumsum(np.bincount(table, minlength=65536), out=bucket_start[1:])
        mine = ((probe >> shift) & np.uint64(0xFFFF)).astype(np.intp)
        for flip in _FLIPS:
            q = mine ^ int(flip)
            lo = bucket_start[q]
            counts = bucket_start[q + 1] - lo
            total = int(counts.sum())
            if total == 0:
                continue
            qi = np.repeat(np.arange(n), counts)
            starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
            pos = np.arange(total) + starts
            a, b = ok[qi], owner[order[pos]]
            # Check each collision in full at once; only true neighbours are kept.
            keep = (a < b) & (_pair_distance(batch, a, b) <= max_distance)
            found_i.append(a[keep])
            found_j.append(b[keep])
    if not found_i:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    i = np.concatenate(found_i)
    j = np.concatenate(found_j)
    # The same pair is found through several chunks: keep one of each.
    code = np.unique(i.astype(np.int64) * (len(batch) + 1) + j)
    i, j = np.divmod(code, len(batch) + 1)
    return i.astype(np.intp), j.astype(np.intp)


# --------------------------------------------------------------------------- evidence


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
    hd = np.where(img, _pair_distance(batch, i, j), 64).astype(np.int16)
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


# --------------------------------------------------------------------------- clustering


# --------------------------------------------------------------------------- groups


_CREDIT_RANK = {"A": 0, "B": 1, "C": 2}


def best_offer_key(offer: Offer, order: Sequence[BestOfferKey] = DEFAULT_BEST_ORDER) -> tuple:
    """Sort key: smaller is better. Unknown values rank after every known one."""
    parts: list[object] = []
    for name in order:
        if name == "credit":
            parts.append(_CREDIT_RANK.get(offer.stall.credit_level.upper(), 3))
        elif name == "price":
            parts.append((offer.price is None, offer.price or Decimal(0)))
        elif name == "sales":
            parts.append((offer.sales is None, -(offer.sales or 0)))
        elif name == "stock":
            parts.append((offer.stock is None, -(offer.stock or 0)))
        else:
            raise ValueError(f"unknown best-offer criterion {name!r}")
    return tuple(parts)


def make_group(members: Sequence[Offer], order: Sequence[BestOfferKey] = DEFAULT_BEST_ORDER,
               representative: Offer | None = None) -> StyleGroup:
    """A StyleGroup of the given offers (the first is the leader unless told otherwise)."""
    if not members:
        raise ValueError("a group needs at least one offer")
    best = min(members, key=lambda o: best_offer_key(o, order))
    prices = sorted(o.price for o in members if o.price is not None)
    highs = [o.price_max or o.price for o in members if o.price is not None]
    stalls = {(o.stall.name or f"item:{o.key}") for o in members}
    gid = hashlib.sha1("\n".join(sorted(o.key for o in members)).encode()).hexdigest()[:12]
    return StyleGroup(
        offers=list(members),
        best_offer=best,
        price_min=prices[0] if prices else None,
        price_median=median_low(prices) if prices else None,
        price_max=max(highs) if highs else None,  # type: ignore[type-var]
        stall_count=len(stalls),
        in_stock_count=sum(1 for o in members if o.in_stock),
        representative=representative or members[0],
        group_id=f"g-{gid}",
        category=dominant_category(o.title for o in members),
    )


def group_offers(
    offers: Sequence[Offer],
    images: Mapping[str, ImageSource] | None = None,
    *,
    signatures: SignatureBatch | None = None,
    pictures: Pictures | None = None,
    feature_store: FeatureStore | None = None,
    settings: GroupingSettings | None = None,
) -> list[StyleGroup]:
    """Group offers of the same style; largest groups first, then cheapest best offer.

    `images` maps `offer.key` to the item image (bytes, a decoded PIL image, or a local
    path), analysed once (`core.pictures`; local features kept in `feature_store` when
    given). `pictures` may be given instead when the caller analysed them already, or
    `signatures` alone (row i for offers[i]: no local features, the signature rule decides
    every pair). An offer whose image is absent or cannot be decoded is grouped on title and
    price only, under the stricter title rule (`GroupingSettings.title_only_min`). Never
    drops an offer: every offer is in exactly one group.
    """
    settings = settings or GroupingSettings()
    offers = list(offers)
    if not offers:
        return []
    if pictures is None:
        if signatures is not None:
            pictures = Pictures(signatures, [None] * len(signatures), [""] * len(signatures))
        else:
            sources = [images.get(o.key) if images is not None else None for o in offers]
            pictures = analyse(sources, store=feature_store)
    if len(pictures.signatures) != len(offers) or len(pictures.features) != len(offers):
        raise ValueError("signatures must have one row per offer")
    ev = evaluate(pictures.signatures, offers, settings)
    clusters = confirm_and_cluster(len(offers), ev, pictures, settings)
    groups = [
        make_group([offers[k] for k in members], settings.best_offer_order)
        for members in clusters
    ]
    groups.sort(key=lambda g: (-len(g.offers), best_offer_key(g.best_offer, ("price",))))
    return groups


# --------------------------------------------------------------------------- confirmation


@dataclass(frozen=True, slots=True)
class Confirmation:
    """What the geometric check of one pair found (for evaluations and tests)."""

    same: bool
    inliers: int
    changed: float
    coverage: float
    mirrored: bool
    reason: str


def confirm_pair(a: LocalFeatures, b: LocalFeatures, second_opinion: bool,
                 settings: GroupingSettings, cache: ColourCache | None = None) -> Confirmation:
    """Are a and b the same photo (edited)? Geometry and colour inside the aligned overlap
    must both agree; a cue in its borderline band needs the other in its sure band and
    `second_opinion` (the signatures agree too). `cache` keeps each picture's colour work
    for its next pair."""
    s = _strictness_factor(settings)
    match = verify(a, b, min_inliers=math.ceil(settings.inliers_min * s))
    lo, hi = settings.scale_range
    plausible = (
        match.transform is not None and lo <= match.scale <= hi
        and abs(match.rotation) <= settings.max_rotation
    )
    if match.inliers < settings.inliers_min * s or not plausible:
        return Confirmation(False, match.inliers, 1.0, 0.0, match.mirrored, "geometry")
    # Colour in both frames: a collage's other cells or a frame weigh differently in each,
    # and the stricter reading decides.
    cache = cache if cache is not None else ColourCache()
    ab = overlap_colour(a, b, match, cache)
    if _recoloured(ab.changed, ab.blob, ab.part, settings, s):
        # The stricter reading decides, and this one already refuses: b's frame cannot help.
        return Confirmation(False, match.inliers, ab.changed, ab.coverage, match.mirrored,
                            "colour")
    ba = overlap_colour(b, a, reverse(match, a, b), cache)
    changed = max(ab.changed, ba.changed)
    blob = max(ab.blob, ba.blob)
    coverage = max(ab.coverage, ba.coverage)
    base = (not _recoloured(changed, blob, max(ab.part, ba.part), settings, s)
            and coverage >= settings.coverage_min)
    geo_sure = match.inliers >= settings.inliers_sure * s
    col_sure = changed <= settings.changed_sure / s and blob <= settings.blob_sure / s
    if not base:
        reason = "colour"
    elif (geo_sure and col_sure) or ((geo_sure or col_sure) and second_opinion):
        reason = ""
    else:
        reason = "borderline"
    return Confirmation(not reason, match.inliers, changed, coverage, match.mirrored, reason)


def _recoloured(changed: float, blob: float, part: float, settings: GroupingSettings,
                s: float) -> bool:
    """Colour inside the aligned overlap says another product: too much changed, one
    changed part too large, or a changed part past the sure band that is solid somewhere
    (a recoloured garment part, not a stamp's scattered strokes)."""
    return (changed > settings.changed_max / s or blob > settings.blob_max / s
            or (blob > settings.blob_sure / s and part > settings.part_max))


def _second_opinion(ev: PairEvidence, k: int, settings: GroupingSettings) -> bool:
    """The whole-picture signatures agree: hashes near, or the colour histograms close."""
    reach = settings.candidate_distance + 4
    return bool(ev.hash_distance[k] <= reach or ev.dhash_distance[k] <= reach
                or ev.colour[k] >= 0.75)


def confirm_and_cluster(n: int, ev: PairEvidence, pictures: Pictures,
                        settings: GroupingSettings) -> list[list[int]]:
    """Star clustering with lazy confirmation: every member is confirmed against its leader.

    Items are visited by how many near candidates they have (most first: the clean photo
    most re-posts were made from; ties: the earlier item, usually the better search rank).
    An unassigned item becomes a leader and is checked against each unassigned candidate;
    the confirmed ones join it. No chaining: a member never brings in its own candidates.
    Pairs with local features on both sides are confirmed geometrically
    (`confirm_pair`); the others (no picture, a picture too plain for keypoints) by the
    signature and title rule. Titles naming different garments and prices a third apart
    veto either way.
    """
    feats = pictures.features
    ok = pictures.signatures.ok
    price_ok = ~(ev.price_ratio > settings.price_ratio_max)
    near = ev.hash_distance <= settings.candidate_distance
    degree = np.bincount(ev.i[near], minlength=n) + np.bincount(ev.j[near], minlength=n)
    edges: list[list[int]] = [[] for _ in range(n)]
    order_k = np.lexsort((ev.colour * -1, ev.hash_distance))  # nearest candidates first
    for k in order_k.tolist():
        edges[int(ev.i[k])].append(k)
        edges[int(ev.j[k])].append(k)
    group_of = [-1] * n
    groups: list[list[int]] = []
    cache = ColourCache()
    for leader in np.lexsort((np.arange(n), -degree)).tolist():
        if group_of[leader] >= 0:
            continue
        gid = len(groups)
        group_of[leader] = gid
        members = [leader]
        for k in edges[leader]:
            a, b = int(ev.i[k]), int(ev.j[k])
            other = b if a == leader else a
            if group_of[other] >= 0 or ev.conflict[k] or not price_ok[k]:
                continue
            fa, fb = feats[leader], feats[other]
            geometric = (
                ok[a] and ok[b] and fa is not None and fb is not None
                and min(len(fa), len(fb)) >= settings.min_keypoints
            )
            if geometric:
                assert fa is not None and fb is not None
                same = confirm_pair(fa, fb, _second_opinion(ev, k, settings), settings,
                                    cache).same
            else:
                same = bool(ev.same[k])
            if same:
                group_of[other] = gid
                members.append(other)
        groups.append(members)
    return groups


def _title_pairs(
    offers: Sequence[Offer], missing: np.ndarray, min_dice: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of an image-less offer with any offer whose title could reach
    `min_dice`: an inverted index over bigrams, so no n² pass over titles."""
    grams = [title_bigrams(o.title) for o in offers]
    postings: dict[str, list[int]] = {}
    for k, g in enumerate(grams):
        for gram in g:
            postings.setdefault(gram, []).append(k)
    pairs: set[tuple[int, int]] = set()
    for m in missing.tolist():
        mine = grams[m]
        if not mine:
            continue
        shared: Counter[int] = Counter()
        for gram in mine:
            shared.update(postings[gram])
        for k, count in shared.items():
            if k != m and 2 * count >= min_dice * (len(mine) + len(grams[k])):
                pairs.add((min(k, m), max(k, m)))
    if not pairs:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    arr = np.array(sorted(pairs), dtype=np.intp)
    return arr[:, 0], arr[:, 1]


def evaluate(
    batch: SignatureBatch, offers: Sequence[Offer], settings: GroupingSettings
) -> PairEvidence:
    """Candidate pairs and their signature evidence: pairs near by hash (plain or mirrored),
    each picture's nearest few by hash and colour, and title-only pairs for offers without
    a picture."""
    n = len(offers)
    if n <= settings.all_pairs_limit:
        ci, cj = candidate_pairs_all(batch, settings.proposal_distance)
        ni, nj = nearest_pairs(batch, settings.proposal_neighbours)
        ci, cj = _union_pairs(n, (ci, ni), (cj, nj))
    else:
        ci, cj = candidate_pairs_index(batch, min(settings.candidate_distance, 7))
    missing = np.flatnonzero(~batch.ok)
    if len(missing):
        min_dice = min(settings.title_only_min, settings.title_art_no_min)
        ti, tj = _title_pairs(offers, missing, min_dice)
        if len(ti):
            ci, cj = _union_pairs(n, (ci, ti), (cj, tj))
    return pair_evidence(batch, offers, ci, cj, settings)


def _union_pairs(n: int, i_parts: tuple[np.ndarray, ...],
                 j_parts: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    code = np.unique(np.concatenate(i_parts).astype(np.int64) * (n + 1)
                     + np.concatenate(j_parts))
    i, j = np.divmod(code, n + 1)
    return i.astype(np.intp), j.astype(np.intp)


_NEAREST_LIMIT = 600  # above this many pictures the n × n score matrix is not built


def nearest_pairs(batch: SignatureBatch, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each present picture with its k nearest others by pHash distance (plain or
    mirrored) plus colour-histogram difference: pairs i < j."""
    ok = np.flatnonzero(batch.ok)
    if k <= 0 or len(ok) < 2 or len(ok) > _NEAREST_LIMIT:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    p, pm = batch.phash[ok], batch.phash_mirror[ok]
    dist = np.minimum(hashing.popcount(p[:, None] ^ p[None, :]),
                      hashing.popcount(p[:, None] ^ pm[None, :])).astype(np.float32) / 64
    colour = batch.colour[ok].astype(np.float32)
    inter = np.minimum(colour[:, None, :], colour[None, :, :]).sum(axis=2)
    score = dist + 0.7 * (1.0 - inter)
    np.fill_diagonal(score, np.inf)
    kk = min(k, len(ok) - 1)
    near = np.argpartition(score, kk - 1, axis=1)[:, :kk]
    a = np.repeat(np.arange(len(ok)), kk)
    b = near.reshape(-1)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return ok[lo], ok[hi]
