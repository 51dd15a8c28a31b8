"""Candidate pairs for same-style grouping: which pairs of listings are worth checking
(`core.grouping` decides and clusters them).

Generous on purpose: every pair within a pHash distance (plain or mirrored; all pairs at
once by XOR + popcount, a multi-index above a few thousand items), each picture's nearest
few by hash and colour (a collage's hash is another picture's), a collage's cells' nearest
by their own hashes, and for a listing without a picture the listings whose titles could be
near enough.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from vvic_desktop.core import hashing
from vvic_desktop.core.hashing import SignatureBatch
from vvic_desktop.core.models import Offer
from vvic_desktop.core.titles import title_bigrams


def pair_distances(batch: SignatureBatch, i: np.ndarray,
                   j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pHash distances of pairs (i, j): plain, and with j mirrored."""
    return (hashing.hamming(batch.phash[i], batch.phash[j]),
            hashing.hamming(batch.phash[i], batch.phash_mirror[j]))


def pair_distance(batch: SignatureBatch, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """pHash distance of pairs (i, j): the smaller of plain and j mirrored."""
    return np.minimum(*pair_distances(batch, i, j))


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
            keep = (a < b) & (pair_distance(batch, a, b) <= max_distance)
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


def title_pairs(
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


def union_pairs(n: int, i_parts: tuple[np.ndarray, ...],
                 j_parts: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of all parts (i < j each), every pair once, in (i, j) order."""
    code = np.unique(pair_codes(n, np.concatenate(i_parts), np.concatenate(j_parts)))
    i, j = np.divmod(code, n + 1)
    return i.astype(np.intp), j.astype(np.intp)


def pair_codes(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """One int64 per pair (i, j) of n items, ordered as (i, j) (`union_pairs` reads them
    back with divmod by n + 1)."""
    return i.astype(np.int64) * (n + 1) + j


_NEAREST_LIMIT = 600  # above this many pictures the n × n score matrix is not built


def nearest_places(batch: SignatureBatch) -> np.ndarray | None:
    """(n, n) int32: `place[a, b]` is b's place in a's list of the present pictures by
    pHash distance (plain or mirrored) plus colour-histogram difference, nearest first
    (0); n for a picture itself and for a missing one. None above `_NEAREST_LIMIT`
    pictures (the n × n score matrix is not built)."""
    n = len(batch)
    ok = np.flatnonzero(batch.ok)
    if len(ok) < 2 or len(ok) > _NEAREST_LIMIT:
        return None
    p, pm = batch.phash[ok], batch.phash_mirror[ok]
    dist = np.minimum(hashing.popcount(p[:, None] ^ p[None, :]),
                      hashing.popcount(p[:, None] ^ pm[None, :])).astype(np.float32) / 64
    colour = batch.colour[ok].astype(np.float32)
    inter = np.minimum(colour[:, None, :], colour[None, :, :]).sum(axis=2)
    score = dist + 0.7 * (1.0 - inter)
    np.fill_diagonal(score, np.inf)
    order = np.argsort(score, axis=1, kind="stable")
    mine = np.empty_like(order)
    np.put_along_axis(mine, order, np.arange(len(ok))[None, :], axis=1)
    mine[np.arange(len(ok)), np.arange(len(ok))] = n
    place = np.full((n, n), n, np.int32)
    place[np.ix_(ok, ok)] = mine
    return place


def nearest_pairs(places: np.ndarray | None, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each present picture with its k nearest others (`nearest_places`): pairs i < j."""
    if places is None or k <= 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    a, b = np.nonzero(places < min(k, len(places)))  # n: itself, or no picture
    return union_pairs(len(places), (np.minimum(a, b),), (np.maximum(a, b),))


def _row_nearest(distance: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's k smallest of an n × n `distance` (k < n; the caller keeps the diagonal
    out of reach): (rows, columns), k entries per row, in no particular order."""
    kk = min(k, len(distance) - 1)
    near = np.argpartition(distance, kk - 1, axis=1)[:, :kk]
    return np.repeat(np.arange(len(distance)), kk), near.reshape(-1)


def cell_pairs(batch: SignatureBatch, cells: Sequence[np.ndarray], composite: np.ndarray,
               max_distance: int, per_cell: int) -> tuple[np.ndarray, np.ndarray]:
    """Proposals from a collage's cells: `cells[x]` holds picture x's cells' pHashes
    ((k,) uint64: `LocalFeatures.cells`; empty for most pictures), and each cell is
    proposed beside the `per_cell` plain pictures (not `composite`) nearest it, plain or
    mirrored, within `max_distance` (i < j). The whole collage's hash is no photo's, so without them
    a collage is proposed beside pictures near it by colour: often another view of its
    product that it also holds, not the photo it was made from. Only proposes."""
    plain = np.flatnonzero(batch.ok & ~composite)
    out_i: list[np.ndarray] = []
    out_j: list[np.ndarray] = []
    if not len(plain):
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    p, pm = batch.phash[plain], batch.phash_mirror[plain]
    for x, hashes in enumerate(cells):
        if not len(hashes) or not batch.ok[x]:
            continue
        for h in hashes:
            d = np.minimum(hashing.popcount(p ^ h), hashing.popcount(pm ^ h))
            near = np.flatnonzero(d <= max_distance)
            near = near[np.argsort(d[near], kind="stable")[:per_cell]]
            found = plain[near]
            found = found[found != x]
            out_i.append(np.minimum(found, x))
            out_j.append(np.maximum(found, x))
    if not out_i:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    return (np.concatenate(out_i).astype(np.intp), np.concatenate(out_j).astype(np.intp))


def shared_pairs(n: int, i: np.ndarray, j: np.ndarray, tight: np.ndarray,
                 composite: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Proposals a composite picture shares with near-identical pictures: where a
    `composite` x (a collage, a picture with an inset: its hash is not its photo's) is
    proposed beside y, and y and z are near-identical (`tight`: a mask over the pairs
    (i, j), say pHash distance ≤ 6: a re-encode, resize or pad of one photo), (x, z) is
    proposed too (i < j, not already in (i, j)). A collage is proposed beside a few of its
    photo's copies by colour; the group's leader, which alone confirms members, may not be
    among them. Only proposes: every pair is still confirmed on its own."""
    comp = np.flatnonzero(composite)
    if not len(comp) or not len(i) or not tight.any():
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    # Both directions of every pair, sorted by their first picture: a picture's proposals
    # (and, of the tight pairs, its near-identical pictures) are one slice.
    src, dst = np.concatenate([i, j]), np.concatenate([j, i])
    order = np.argsort(src, kind="stable")
    src, dst = src[order], dst[order]
    is_tight = np.concatenate([tight, tight])[order]
    starts = np.searchsorted(src, np.arange(n + 1))
    tsrc, tdst = src[is_tight], dst[is_tight]
    tstarts = np.searchsorted(tsrc, np.arange(n + 1))
    out_i: list[np.ndarray] = []
    out_j: list[np.ndarray] = []
    for x in comp.tolist():
        mine = dst[starts[x]: starts[x + 1]]
        if not len(mine):
            continue
        reach = np.concatenate([tdst[tstarts[y]: tstarts[y + 1]] for y in mine.tolist()])
        reach = np.setdiff1d(reach, np.append(mine, x))
        out_i.append(np.minimum(reach, x))
        out_j.append(np.maximum(reach, x))
    if not out_i:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    return (np.concatenate(out_i).astype(np.intp), np.concatenate(out_j).astype(np.intp))


# `keypoint_pairs`: a descriptor's key in table t is its bytes t, t + 8, t + 16, t + 24
# (BRIEF tests far apart in the pattern), `KEY_BITS` bits; a key held by more than
# `KEY_HOLDERS_MAX` pictures says little (a model's arm, a plain background's edge) and is
# not counted. Chosen on the real photos' dev styles (session 25), copies of a main photo
# with one of its own product's main-view pictures among their 3 proposals, of 1,903: one
# table of 32 bits 1,871 (16 ms for 200 pictures); two tables 1,876 (33 ms); 16-bit keys
# 1,858 (their few values are held by many pictures: 60,000 keys for 170,000 descriptors);
# 24 holders at most instead of 12, 1,875 and slower.
KEY_TABLES = 1
KEY_BITS = 32
KEY_SPREAD = 8
KEY_HOLDERS_MAX = 12
_HOLDER_BITS = 12
_KEY_COLUMNS = np.array([[t + KEY_SPREAD * m for m in range(4)] for t in range(KEY_TABLES)])


def descriptor_keys(descriptors: np.ndarray) -> np.ndarray:
    """The keys (int64, table t's in [t << KEY_BITS, (t + 1) << KEY_BITS)) of (k, 32) uint8
    ORB descriptors, one per descriptor and table (repeats left in)."""
    b = descriptors[:, _KEY_COLUMNS].astype(np.int64)  # (k, tables, 4)
    v = (b[..., 0] | (b[..., 1] << 8) | (b[..., 2] << 16) | (b[..., 3] << 24))
    v &= (1 << KEY_BITS) - 1
    v += np.arange(KEY_TABLES, dtype=np.int64) << KEY_BITS
    return v.reshape(-1)


def keypoint_pairs(descriptors: Sequence[tuple[np.ndarray, np.ndarray] | None],
                   k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each picture with the k others whose keypoints it shares most: pairs i < j, and for
    each whether it shares more with the other's mirror image than with its plain one.

    `descriptors[x]`: picture x's ORB descriptors and its mirror image's (None: no
    keypoints). Two copies of one photo share most of their keypoints, however the copy
    was cropped, framed, padded, stamped or mirrored, where the garment crop's pHash can
    move by 20–34 bits (a stall's name stamped against the hem widens the crop). A share is
    counted as in text search: descriptors are cut into short keys (`descriptor_keys`),
    and each key two pictures hold adds its rarity, log(n / pictures holding it); the
    mirror image's keys count against the other picture's plain ones. Measured on the real
    apparel photos (session 25; every copy of a main photo, in a grouping of its whole
    category): with k = 3, 1,871 of 1,903 dev copies and 609 of 627 held-out copies have a
    main-view picture of their own product among their proposals (k = 1: 1,601 and 504).
    As a threshold the share would be weak (other photos of models on white share many
    keys, a recoloured twin shares nearly all), so it only ranks. Only proposes: every pair
    is still confirmed on its own. Up to `_NEAREST_LIMIT` pictures (the shares are an
    n × n matrix); none above."""
    none = np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0, bool)
    n = len(descriptors)
    if k <= 0 or n < 2 or n > _NEAREST_LIMIT:
        return none
    parts = [(x, flip, desc) for x, d in enumerate(descriptors) if d is not None
             for flip, desc in enumerate(d) if len(desc)]
    if not parts:
        return none
    keys = descriptor_keys(np.concatenate([desc for _x, _f, desc in parts]))
    holder = np.repeat([2 * x + flip for x, flip, _d in parts],
                       [KEY_TABLES * len(desc) for _x, _f, desc in parts])
    # One sort of (key, holder): each key's holders are one run, a repeat within a
    # picture sits next to itself and is dropped.
    code = np.sort((keys << _HOLDER_BITS) | holder)  # 2n < 2 ** _HOLDER_BITS
    code = code[np.r_[True, code[1:] != code[:-1]]]
    key = code >> _HOLDER_BITS
    holder = (code & ((1 << _HOLDER_BITS) - 1)).astype(np.int32)  # 2 × picture + mirrored
    plain = (holder & 1) == 0
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    plain_holders = np.add.reduceat(plain.astype(np.int32), starts)
    useful = (sizes >= 2) & (plain_holders >= 1) & (plain_holders <= KEY_HOLDERS_MAX)
    weight = np.log(n / np.maximum(plain_holders, 1))
    # Every ordered pair of holders of each useful key: a plain holder against any other.
    group = np.repeat(np.arange(len(starts)), sizes)
    a_rec = np.flatnonzero(useful[group] & plain)
    g = group[a_rec]
    reps = sizes[g]
    a_who = np.repeat(holder[a_rec] >> 1, reps)
    offset = np.arange(len(a_who)) - np.repeat(np.cumsum(reps) - reps, reps)
    b_holder = holder[np.repeat(starts[g], reps) + offset]
    w = np.repeat(weight[g], reps)
    b_who = b_holder >> 1
    keep = a_who != b_who
    cell = ((b_holder[keep] & 1).astype(np.intp) * (n * n) + a_who[keep].astype(np.intp) * n
            + b_who[keep])
    score = np.bincount(cell, weights=w[keep], minlength=2 * n * n).reshape(2, n, n)
    mirror = np.maximum(score[1], score[1].T)
    total = np.maximum(score[0], mirror)
    far = -total
    np.fill_diagonal(far, 1.0)  # shares are ≥ 0: a picture is never its own nearest
    a, b = _row_nearest(far, k)
    real = total[a, b] > 0
    a, b = a[real], b[real]
    i, j = union_pairs(n, (np.minimum(a, b),), (np.maximum(a, b),))
    return i, j, (mirror > score[0])[i, j]
