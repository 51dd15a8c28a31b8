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
