"""Re-rank a local search's best candidates by local-feature verification.

A re-photo of a catalogued garment shares its print, seams and labels with the catalogue
picture: many local features match under one geometric transform. A look-alike of the same
cut in another print shares the outline only. So the top `RERANK_TOP` candidates of the
embedding search are checked with a `Verifier` (ratio-tested matches, RANSAC-verified,
mirrored too). A candidate with at least `VERIFIED_INLIERS` inliers is a verified geometric
match and moves above every unverified one (decisively: a bonus added to the cosine let a
closer-coloured stranger stay ahead); verified candidates keep the embedding's order among
themselves, plus a small bonus that grows with the inliers. That order matters: the colour
variants of one style are one studio photo recoloured, so ORB (grey) verifies all of them
alike; the embedding's colour block tells them apart. The rest keep the embedding's order.

Measured on the real photos (apparel-dev, 230 products; ORB inliers of a simulated re-photo
against its own catalogue picture / a product of another style / another colour of its
style): 700 features: median 40, ≥ 20 in 67 % / 99th percentile 12, max 38 / median 17.5;
1500 features (kept): median 61, ≥ 20 in 77 % / p99 14, ≥ 20 in 0.4 % / median 29. A real
back view or close-up shares no surface with the main photo: ≥ 12 inliers in 5 % / 4 %.
Cutting the query to the garment (GrabCut, white fill) before ORB measured worse (≥ 20 in
57 %): the fill's edges match each other. The 30 candidates: top-5 measured equal at 20 and
40 (both above 10 by 2–3 points). All 230 products, 700 features, top-5 dev / held-out:
re-photos 0.80 / 0.78 by the embedding, 0.83 / 0.83 with the old rule (top 10, bonus 0.25),
0.85 / 0.85 with this one; back views 0.76 / 0.74 → 0.79 / 0.74 (a bonus below 12 inliers
would add 2 points on dev, but that is chance level).

The `Verifier` interface is all `rerank` needs: `inliers(query, candidate) -> int`.
`OrbVerifier` describes the query once per search (as it is and mirrored) and each candidate
once; it can keep catalogue pictures' keypoints between searches (a bounded cache keyed by the
picture; off by default, see CACHE_PICTURES). It keeps its own 480 px working size: grouping's
`core.local_features` (256 px, tuned for listing copies of one photo) found too few inliers
on re-photos
(15, 6, 3, 2, 9, 7, 3, 3, 2, 13 on 10 real products, against at most 3 by chance).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

import cv2
import numpy as np

RERANK_TOP = 30  # candidates verified per query
MIN_INLIERS = 12  # fewer: no evidence (two unrelated photos reach 4–8 by chance, 12 at p99)
VERIFIED_INLIERS = 20  # a verified geometric match: lifted above every unverified candidate
FULL_INLIERS = 60  # inliers at which the bonus is whole
BONUS = 0.1  # added to the 0..1 cosine score at FULL_INLIERS (orders the verified ones)
WORK_SIDE = 480  # px, long side both pictures are matched at
# Catalogue pictures whose keypoints are kept between searches (about 60 KB each). Off: with
# 512, later searches ran faster (bench_local_first_query, load ~20: 13.2 s, 7.1 s, 5.7 s) and
# the first searched after a restart became 1.86x the second, over issue 13's bar of 1.5x
# (off: 14.6 s, 10.7 s, 12.2 s, 1.36x). On once descriptions are made as pictures enter the
# library, like the embeddings.
CACHE_PICTURES = 0


class Verifier(Protocol):
    def inliers(self, query: np.ndarray, candidate: np.ndarray) -> int:
        """RGB uint8 arrays → geometrically consistent local-feature matches."""
        ...


class Described(NamedTuple):
    """Keypoint positions (n, 2) and their ORB descriptors (None: none found)."""

    points: np.ndarray
    descriptors: np.ndarray | None


def _grey(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    if scale < 1:
        rgb = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))),
                         interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)


class OrbVerifier:
    """ORB keypoints, Lowe's ratio test, RANSAC under a partial affine (similarity) model;
    mirrored too (listings are often flipped): the query is described as it is and mirrored,
    each candidate once (matching a mirrored query is matching a mirrored candidate).

    `inliers` describes both pictures; `rerank` uses `describe_query` once a search and
    `inliers_for` per candidate, whose description is cached by its key (a catalogue
    picture's sha256 names its content, so a cached description never goes stale)."""

    def __init__(self, features: int = 1500, ratio: float = 0.78,
                 cache: int = CACHE_PICTURES) -> None:
        self._orb = cv2.ORB.create(nfeatures=features, fastThreshold=10)
        self._matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
        self.ratio = ratio
        self._cache: OrderedDict[str, Described] = OrderedDict()
        self._cache_size = max(0, int(cache))
        self._lock = threading.Lock()

    def _describe(self, grey: np.ndarray) -> Described:
        keypoints, descriptors = self._orb.detectAndCompute(grey, None)
        points = np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2)
        return Described(points, descriptors)

    def describe(self, rgb: np.ndarray) -> Described:
        return self._describe(_grey(rgb))

    def describe_query(self, rgb: np.ndarray) -> tuple[Described, Described]:
        """The query as it is and mirrored."""
        grey = _grey(rgb)
        return self._describe(grey), self._describe(np.ascontiguousarray(grey[:, ::-1]))

    def inliers(self, query: np.ndarray, candidate: np.ndarray) -> int:
        return self._best(self.describe_query(query), self.describe(candidate))

    def inliers_for(self, query: tuple[Described, Described], key: str,
                    picture: Callable[[], np.ndarray | None]) -> int:
        """Inliers of a described query against the candidate `key` (its picture is read
        and described only when not cached; None: 0)."""
        with self._lock:
            described = self._cache.get(key)
            if described is not None:
                self._cache.move_to_end(key)
        if described is None:
            rgb = picture()
            if rgb is None:
                return 0
            described = self.describe(rgb)
            with self._lock:
                self._cache[key] = described
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return self._best(query, described)

    def _best(self, query: tuple[Described, Described], candidate: Described) -> int:
        return max(self._verified(q, candidate) for q in query)

    def _verified(self, query: Described, candidate: Described) -> int:
        if (query.descriptors is None or candidate.descriptors is None
                or len(query.points) < MIN_INLIERS or len(candidate.points) < MIN_INLIERS):
            return 0
        pairs = self._matcher.knnMatch(query.descriptors, candidate.descriptors, k=2)
        good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < self.ratio * p[1].distance]
        if len(good) < MIN_INLIERS:
            return 0
        src = query.points[[m.queryIdx for m in good]]
        dst = candidate.points[[m.trainIdx for m in good]]
        _, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC,
                                              ransacReprojThreshold=6.0, maxIters=1000,
                                              confidence=0.99)
        return int(mask.sum()) if mask is not None else 0


def default_verifier() -> Verifier:
    return OrbVerifier()


def bonus(inliers: int) -> float:
    """What local evidence adds to a cosine: nothing below chance (MIN_INLIERS), then a
    share of BONUS growing to FULL_INLIERS (weak evidence counts a little: a back view
    shares seams and outline with the front, measured +5 points of top-5 on dev)."""
    return BONUS * min(1.0, inliers / FULL_INLIERS) if inliers >= MIN_INLIERS else 0.0


def verified_score(score: float, inliers: int) -> float:
    """The sort key of a candidate: a verified match (≥ VERIFIED_INLIERS) above every
    unverified one; within each tier the cosine plus `bonus`."""
    return (2.0 if inliers >= VERIFIED_INLIERS else 0.0) + score + bonus(inliers)


def reorder(ranked: Sequence[tuple[str, float]], inliers: Sequence[int]
            ) -> list[tuple[str, float]]:
    """`ranked` (key, cosine) best first, `inliers[i]` of its i-th candidate (the first
    len(inliers) were verified) → re-ordered: verified ones first (see the module docstring),
    the unverified rest after them. A verified candidate's score rises by the bonus (at most
    1.0) so that scores still fall down the list where possible; the order carries the
    decision."""
    head, tail = list(ranked[:len(inliers)]), list(ranked[len(inliers):])
    scored = [(verified_score(score, found), -position, key, min(1.0, score + bonus(found)))
              for position, ((key, score), found) in enumerate(zip(head, inliers, strict=True))]
    scored.sort(reverse=True)
    return [(key, shown) for _, _, key, shown in scored] + tail


def rerank(
    query: np.ndarray,
    ranked: Sequence[tuple[str, float]],
    picture: Callable[[str], np.ndarray | None],
    verifier: Verifier,
    *,
    top: int = RERANK_TOP,
) -> list[tuple[str, float]]:
    """`ranked` (key, cosine) best first → the same keys re-ordered by `reorder`.

    `picture(key)` gives a candidate's RGB (None: left unverified). Only the first `top`
    candidates are verified; the others keep their place after them.
    """
    head = list(ranked[:top])
    described: tuple[Described, Described] | None = None
    if isinstance(verifier, OrbVerifier) and head:
        try:
            described = verifier.describe_query(query)
        except cv2.error:
            return list(ranked)
    inliers: list[int] = []
    for key, _ in head:
        try:
            if described is not None and isinstance(verifier, OrbVerifier):
                found = verifier.inliers_for(described, key, functools.partial(picture, key))
            else:
                rgb = picture(key)
                found = verifier.inliers(query, rgb) if rgb is not None else 0
        except cv2.error:
            found = 0
        inliers.append(found)
    return reorder(ranked, inliers)
