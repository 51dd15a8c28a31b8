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

Where the parts live: `grouping_candidates` proposes the pairs, `grouping_rules` holds the
settings, the signature evidence and its decision and the geometric `confirm_pair`,
`style_groups` builds a group's card (best offer, price spread); this module runs them
(`group_offers`, `evaluate`, `confirm_and_cluster`: the leader rule).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import numpy as np
from PIL import Image

from vvic_desktop.core.grouping_candidates import (
    candidate_pairs_all,
    candidate_pairs_index,
    cell_pairs,
    keypoint_pairs,
    nearest_pairs,
    nearest_places,
    pair_codes,
    pair_distance,
    pair_distances,
    shared_pairs,
    title_pairs,
    union_pairs,
)
from vvic_desktop.core.grouping_rules import (
    Confirmation,
    GroupingSettings,
    PairEvidence,
    _second_opinion,
    _strictness_factor,
    confirm_pair,
    mirror_possible,
    pair_evidence,
)
from vvic_desktop.core.hashing import SignatureBatch
from vvic_desktop.core.local_features import ColourCache, LocalFeatures, looks_composite
from vvic_desktop.core.models import Offer, StyleGroup
from vvic_desktop.core.pictures import FeatureStore, Pictures, analyse
from vvic_desktop.core.style_groups import best_offer_key, make_group

ImageSource = bytes | Image.Image | str | Path


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
    composite = _composites(pictures)
    ev = evaluate(pictures.signatures, offers, settings, composite,
                  [f.cells if f is not None else _NO_CELLS for f in pictures.features],
                  pictures.features)
    clusters = confirm_and_cluster(len(offers), ev, pictures, settings, composite)
    groups = [
        make_group([offers[k] for k in members], settings.best_offer_order)
        for members in clusters
    ]
    groups.sort(key=lambda g: (-len(g.offers), best_offer_key(g.best_offer, ("price",))))
    return groups


_TIGHT = 6  # pHash distance of near-identical pictures, which share their proposals
# A collage's cell is proposed beside this many plain pictures nearest it by pHash (the
# colour variants of one style, one photo recoloured, share a hash: the photo's own copies
# come along through `shared_pairs`)
_CELL_NEIGHBOURS = 4
_NO_CELLS = np.zeros(0, np.uint64)
# A fit this close to `inliers_min` is checked once more against a sure member (unrelated
# pictures' chance fits have a median of 3 inliers).
_NEAR_MISS_INLIERS = 8
_CONFIRM_WORKERS = 2  # this machine class has two cores
# A pair to confirm: the leader's features, the candidate's, `second_opinion`, `mirror` and
# `near` (`confirm_pair`'s arguments).
_Job = tuple[LocalFeatures, LocalFeatures, bool, bool, bool]


_T = TypeVar("_T")
_R = TypeVar("_R")


def _on_cores(pool: ThreadPoolExecutor, workers: int, fn: Callable[[_T], _R],
              jobs: Sequence[_T]) -> list[_R]:
    """`fn` of each job, in order, on this thread and `workers` − 1 of `pool`'s at once:
    each takes the next job as it finishes one (the checks' costs vary tenfold), without a
    future per job (their hand-overs cost a tenth of a cheap check)."""
    if workers < 2 or len(jobs) < 2:
        return [fn(job) for job in jobs]
    out: list[_R | None] = [None] * len(jobs)
    ticket = itertools.count()  # next() on a count is atomic under the GIL

    def work() -> None:
        while (k := next(ticket)) < len(jobs):
            out[k] = fn(jobs[k])

    helpers = [pool.submit(work) for _ in range(min(workers, len(jobs)) - 1)]
    work()
    for helper in helpers:
        helper.result()
    return out  # type: ignore[return-value]  # every slot is filled


def _picked(jobs: Sequence[_Job | None], at: Sequence[int]) -> list[_Job]:
    return [job for m in at if (job := jobs[m]) is not None]


def _composites(pictures: Pictures) -> np.ndarray:
    """Per picture: does it hold another picture (`looks_composite`)?"""
    return np.array([f is not None and looks_composite(f) for f in pictures.features], bool)


def confirm_and_cluster(n: int, ev: PairEvidence, pictures: Pictures,
                        settings: GroupingSettings,
                        composite: np.ndarray | None = None) -> list[list[int]]:
    """Star clustering with lazy confirmation: every member is confirmed against its leader.

    Items are visited by how many near candidates they have (most first: the clean photo
    most re-posts were made from; ties: the earlier item, usually the better search rank),
    a `composite` picture (a collage, an inset: `looks_composite`) after every plain one.
    A near candidate is near by hash and in the first places of either picture's nearest
    list (`GroupingSettings.proposal_nearest_first`): a copy whose colour was shifted is
    near its photo's copies by hash alone, and would lead them from far down their lists.
    An unassigned item becomes a leader and is checked against each unassigned candidate;
    the confirmed ones join it. No chaining: a member never brings in its own candidates.
    Candidates further down the nearest lists (`PairEvidence.late_place`) are checked
    after the others, and only as far down as the leader has found members: one place
    further for each.
    A candidate whose fit to the leader fell short (borderline, or a fit of 8–14 inliers)
    is checked once more against the member nearest it whose own check was sure on both
    cues (the leader's photo re-encoded, resized, padded).
    Pairs with local features on both sides are confirmed geometrically
    (`confirm_pair`; the mirrored fit only where the hashes leave a mirror possible:
    `mirror_possible`); the others (no picture, a picture too plain for keypoints) by the
    signature and title rule. Titles naming different garments and prices a third apart
    veto either way.
    A picture about to lead a group of its own is first checked against those of its
    `spare` pairs (nearest by shared keypoints, `keypoint_pairs`) that vouch for a group:
    the group's leader, or a member whose check was sure on both cues. It joins the first
    that confirms it, under the whole rule; nothing else is checked through a spare pair.
    """
    feats = pictures.features
    batch = pictures.signatures
    ok = batch.ok
    if composite is None:
        composite = _composites(pictures)
    price_ok = ~(ev.price_ratio > settings.price_ratio_max)
    spare = ev.spare if len(ev.spare) == len(ev.i) else np.zeros(len(ev.i), bool)
    spare_mirrored = (ev.spare_mirrored.tolist() if len(ev.spare_mirrored) == len(ev.i)
                      else [False] * len(ev.i))
    late_places = (ev.late_place if len(ev.late_place) == len(ev.i)
                   else np.zeros(len(ev.i), np.intp))
    late_place = late_places.tolist()
    first = settings.proposal_nearest_first
    near = (ev.hash_distance <= settings.candidate_distance) & ~spare & (late_places == 0)
    degree = np.bincount(ev.i[near], minlength=n) + np.bincount(ev.j[near], minlength=n)
    edges: list[list[int]] = [[] for _ in range(n)]
    spares: list[list[int]] = [[] for _ in range(n)]
    order_k = np.lexsort((ev.colour * -1, ev.hash_distance))  # nearest candidates first
    for k in order_k.tolist():
        lists = spares if spare[k] else edges
        lists[int(ev.i[k])].append(k)
        lists[int(ev.j[k])].append(k)
    group_of = [-1] * n
    vouches = [False] * n  # a leader, or a member whose check was sure on both cues
    groups: list[list[int]] = []
    cache = ColourCache()

    def confirm(job: _Job) -> Confirmation:
        return confirm_pair(job[0], job[1], job[2], settings, cache, mirror=job[3],
                            near=job[4])

    strict = _strictness_factor(settings)

    def sure(c: Confirmation) -> bool:  # both cues in their sure band
        return (c.same and c.inliers >= settings.inliers_sure * strict
                and c.changed <= settings.changed_sure / strict)

    def near_miss(c: Confirmation) -> bool:  # a fit was found, short of sure enough
        return c.reason == "borderline" or (c.reason == "geometry"
                                            and c.inliers >= _NEAR_MISS_INLIERS)

    def mirror(a: int, b: int) -> bool:  # could b be a mirrored copy of a?
        plain, flipped = pair_distances(batch, np.array([a]), np.array([b]))
        return mirror_possible(int(plain[0]), int(flipped[0]),
                               bool(composite[a] or composite[b]))

    # Pictures with another picture pasted in (a corner inset, a collage's cells) lead
    # last: a leader should be the plain photo the copies were made from, and a
    # composite's fit to a plain copy is weaker (its photo is smaller, partly covered).
    visit = np.lexsort((np.arange(n), -degree, composite)).tolist()
    workers = _CONFIRM_WORKERS  # this thread and workers - 1 of the pool's
    with ThreadPoolExecutor(max_workers=max(1, workers - 1)) as pool:
        def fittable(a: int, b: int) -> bool:  # both pictures have keypoints enough
            fa, fb = feats[a], feats[b]
            return bool(ok[a] and ok[b] and fa is not None and fb is not None
                        and min(len(fa), len(fb)) >= settings.min_keypoints)

        def usable(k: int) -> bool:
            return (fittable(int(ev.i[k]), int(ev.j[k])) and not ev.conflict[k]
                    and bool(price_ok[k]))

        def keypoint_jobs(x: int) -> tuple[list[_Job], list[int]]:
            """The checks that may let x join a group instead of leading its own, and
            their groups: x against each of its nearest by shared keypoints (`spare`
            pairs) that vouches for a group (its leader, or a member whose check was sure:
            the leader's photo re-encoded, resized, padded), one per group; x joins the
            first, in candidate order, that confirms it under the whole rule. Not
            chaining: a voucher is the leader's own photo. Proposed only here, for a
            picture none of whose candidates brought it in (a stall's name stamped against
            the hem moves the crop's hash 20–34 bits)."""
            tried: set[int] = set()
            jobs: list[_Job] = []
            gids: list[int] = []
            for k in spares[x]:
                other = int(ev.j[k]) if int(ev.i[k]) == x else int(ev.i[k])
                gid = group_of[other]
                if gid < 0 or gid in tried or not vouches[other] or not usable(k):
                    continue
                tried.add(gid)
                fo, fx = feats[other], feats[x]
                assert fo is not None and fx is not None  # `usable`
                # Fitted in the one orientation the shared keypoints say, not both: most
                # of these checks are refusals (another product's photo), each a whole fit.
                jobs.append((fo, fx, _second_opinion(ev, k, settings), spare_mirrored[k],
                             bool(ev.dhash_distance[k] <= settings.dense_hash_max)))
                gids.append(gid)
            return jobs, gids

        for leader in visit:
            if group_of[leader] >= 0:
                continue
            spare_jobs, spare_gids = keypoint_jobs(leader) if spares[leader] else ([], [])
            # The leader's open candidates are independent of one another (each is checked
            # against the leader alone): the geometric checks run on both cores at once
            # (OpenCV's matching and RANSAC release the GIL; `_on_cores`), the answers are
            # applied in candidate order, so the groups are those of checking one by one.
            # Its `keypoint_jobs` run in the same batch; should one confirm it, it joins
            # that group and its own candidates' answers are dropped.
            others: list[int] = []
            same: list[bool | None] = []  # the signature rule's verdict, None: a check's
            job_of: list[_Job | None] = []
            late: list[int] = []  # its place in the nearest lists when its check waits
            for k in edges[leader]:
                a, b = int(ev.i[k]), int(ev.j[k])
                other = b if a == leader else a
                if group_of[other] >= 0 or ev.conflict[k] or not price_ok[k]:
                    continue
                fa, fb = feats[leader], feats[other]
                others.append(other)
                if fittable(a, b):
                    assert fa is not None and fb is not None  # `fittable`
                    job_of.append((fa, fb, _second_opinion(ev, k, settings),
                                   mirror(leader, other),
                                   bool(ev.dhash_distance[k] <= settings.dense_hash_max)))
                    same.append(None)
                    late.append(int(late_place[k]))
                else:
                    job_of.append(None)
                    same.append(bool(ev.same[k]))
                    late.append(0)
            answer: list[Confirmation | None] = [None] * len(others)
            now = [m for m, job in enumerate(job_of) if job is not None and not late[m]]
            checked_all = _on_cores(pool, workers, confirm, spare_jobs + _picked(job_of, now))
            joined = next((g for g, c in zip(spare_gids, checked_all, strict=False)
                           if c.same), -1)
            if joined >= 0:
                group_of[leader] = joined
                groups[joined].append(leader)
                continue
            for m, c in zip(now, checked_all[len(spare_jobs):], strict=True):
                answer[m] = c
            # The candidates further down the nearest lists, as far as the leader keeps
            # finding its copies (`GroupingSettings.proposal_nearest_first`).
            found = sum(1 for m, a_m in enumerate(answer)
                        if (a_m.same if a_m is not None else same[m]))
            waiting = sorted((m for m in range(len(others)) if late[m]),
                             key=lambda m: late[m])
            while waiting:
                due = [m for m in waiting if late[m] < found + first]
                if not due:
                    break
                waiting = waiting[len(due):]
                for m, c in zip(due, _on_cores(pool, workers, confirm, _picked(job_of, due)),
                                strict=True):
                    answer[m] = c
                    found += c.same
            gid = len(groups)
            group_of[leader] = gid
            vouches[leader] = True
            members = [leader]
            vouchers: list[int] = []
            missed: list[int] = []
            for m, other in enumerate(others):
                verdict = same[m]
                if job_of[m] is not None:
                    got = answer[m]
                    if got is None:  # further down its lists than the leader's copies reach
                        continue
                    if sure(got):
                        vouchers.append(other)
                        vouches[other] = True
                    elif near_miss(got):
                        missed.append(other)
                    verdict = got.same
                if verdict:
                    group_of[other] = gid
                    members.append(other)
            if vouchers and missed:
                # A candidate that fitted the leader, but not well enough, is checked once
                # more against the member nearest it that is surely the leader's own photo
                # (both cues sure: a re-encode, resize or pad of it). Not chaining: that
                # member is the leader's photo, and the candidate must pass the whole rule
                # against it, colour included.
                ids = np.array(vouchers)
                second = []
                for x in missed:
                    dist = pair_distance(batch, ids, np.full(len(ids), x))
                    sure_one, fx = feats[int(ids[int(np.argmin(dist))])], feats[x]
                    assert sure_one is not None and fx is not None  # both were checked
                    second.append((sure_one, fx, False, True, False))
                for x, checked in zip(missed, _on_cores(pool, workers, confirm, second),
                                      strict=True):
                    if checked.same:
                        group_of[x] = gid
                        members.append(x)
            groups.append(members)
    return groups


def evaluate(
    batch: SignatureBatch, offers: Sequence[Offer], settings: GroupingSettings,
    composite: np.ndarray | None = None, cells: Sequence[np.ndarray] | None = None,
    features: Sequence[LocalFeatures | None] | None = None,
) -> PairEvidence:
    """Candidate pairs and their signature evidence: pairs near by hash (plain or mirrored),
    each picture's nearest few by hash and colour, for a `composite` picture (a mask: a
    collage, an inset; `looks_composite`) also its `cells`' nearest plain pictures
    (`cell_pairs`) and the near-identical pictures of all those (`shared_pairs`), and
    title-only pairs for offers without a picture. With `features`, each picture's nearest
    few by shared keypoints (`keypoint_pairs`) are added as `spare` pairs where none of the
    above proposed them. A pair past the first places of both its pictures' nearest lists
    gets its place in `late_place` (up to 600 pictures: `nearest_places`), unless a
    composite's cells or shared proposals brought it (they find its photo, whatever its
    place)."""
    n = len(offers)
    places = None
    elsewhere = [np.zeros(0, np.int64)]  # a composite's cell and shared proposals
    if n <= settings.all_pairs_limit:
        ci, cj = candidate_pairs_all(batch, settings.proposal_distance)
        places = nearest_places(batch)
        ni, nj = nearest_pairs(places, settings.proposal_neighbours)
        ci, cj = union_pairs(n, (ci, ni), (cj, nj))
        if composite is not None and composite.any():
            if cells is not None:
                ki, kj = cell_pairs(batch, cells, composite, settings.proposal_distance,
                                    _CELL_NEIGHBOURS)
                if len(ki):
                    ci, cj = union_pairs(n, (ci, ki), (cj, kj))
                    elsewhere.append(pair_codes(n, ki, kj))
            tight = batch.ok[ci] & batch.ok[cj] & (pair_distance(batch, ci, cj) <= _TIGHT)
            si, sj = shared_pairs(n, ci, cj, tight, composite)
            if len(si):
                ci, cj = union_pairs(n, (ci, si), (cj, sj))
                elsewhere.append(pair_codes(n, si, sj))
    else:
        ci, cj = candidate_pairs_index(batch, min(settings.candidate_distance, 7))
    missing = np.flatnonzero(~batch.ok)
    if len(missing):
        min_dice = min(settings.title_only_min, settings.title_art_no_min)
        ti, tj = title_pairs(offers, missing, min_dice)
        if len(ti):
            ci, cj = union_pairs(n, (ci, ti), (cj, tj))
    spare_i = spare_j = np.zeros(0, np.intp)
    spare_mirrored = np.zeros(0, bool)
    if features is not None and n <= settings.all_pairs_limit:
        ki, kj, km = keypoint_pairs([_descriptors(f) for f in features],
                                    settings.keypoint_neighbours)
        keep = batch.ok[ki] & batch.ok[kj]
        keep[keep] = ~np.isin(pair_codes(n, ki[keep], kj[keep]), pair_codes(n, ci, cj))
        spare_i, spare_j, spare_mirrored = ki[keep], kj[keep], km[keep]
    ev = pair_evidence(batch, offers, np.concatenate([ci, spare_i]).astype(np.intp),
                       np.concatenate([cj, spare_j]).astype(np.intp), settings)
    ev.spare = np.r_[np.zeros(len(ci), bool), np.ones(len(spare_i), bool)]
    ev.spare_mirrored = np.r_[np.zeros(len(ci), bool), spare_mirrored]
    ev.late_place = np.zeros(len(ev.i), np.intp)
    if places is not None:
        # A pair's place: the nearer of its two pictures' lists. Those past the first few
        # wait for the leader to find its copies (`confirm_and_cluster`).
        place = np.minimum(places[ci, cj], places[cj, ci])
        late = place >= settings.proposal_nearest_first
        late &= ~np.isin(pair_codes(n, ci, cj), np.concatenate(elsewhere))
        ev.late_place[:len(ci)][late] = place[late]
    return ev


def _descriptors(f: LocalFeatures | None) -> tuple[np.ndarray, np.ndarray] | None:
    """A picture's ORB descriptors and its mirror image's at the analysis size (a
    collage's coarse set: its finer one is found on the picture decoded larger)."""
    if f is None:
        return None
    k = f.coarse if f.coarse is not None else f
    return k.descriptors, k.mirror_descriptors
