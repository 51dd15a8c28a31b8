"""Re-rank a local search's best candidates by local-feature verification.

A re-photo of a catalogued garment shares its print, seams and labels with the catalogue
picture: many local features match under one geometric transform. A look-alike of the same
cut in another print shares the outline only. So the top `RERANK_TOP` candidates of the
embedding search are checked with a `Verifier` (ratio-tested matches, RANSAC-verified,
mirrored too) and a candidate with enough inliers moves up by a bonus that grows with them;
the embedding's order stands among the rest.

The `Verifier` interface is all this module needs: `inliers(query, candidate) -> int`.
`OrbVerifier` (ORB on 480 px, ratio test, RANSAC partial affine) was written before the
shared `core.local_features` (grouping's verifier) existed. Measured on 10 real products,
a simulated phone re-photo against its catalogue photo / against another product:
ORB@480 here 36, 25, 16, 0, 27, 36, 0, 0, 0, 17 inliers / at most 4;
`local_features.verify` (256 px, tuned for listing copies of one photo) 15, 6, 3, 2, 9, 7,
3, 3, 2, 13 / at most 3 - too few to separate a re-photo from chance at its size. So the
re-rank keeps its own size; once `local_features.extract` takes a working size, the switch
is `default_verifier` returning `inliers = verify(extract(a), extract(b)).inliers`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import cv2
import numpy as np

RERANK_TOP = 10  # candidates verified per query
MIN_INLIERS = 12  # fewer: no evidence (two unrelated photos reach 4–8 by chance)
FULL_INLIERS = 60  # inliers at which the bonus is whole
BONUS = 0.25  # added to the 0..1 cosine score at FULL_INLIERS
WORK_SIDE = 480  # px, long side both pictures are matched at


class Verifier(Protocol):
    def inliers(self, query: np.ndarray, candidate: np.ndarray) -> int:
        """RGB uint8 arrays → geometrically consistent local-feature matches."""
        ...


def _grey(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    if scale < 1:
        rgb = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))),
                         interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)


class OrbVerifier:
    """ORB keypoints, Lowe's ratio test, RANSAC under a partial affine (similarity) model;
    the mirrored candidate too (listings are often flipped)."""

    def __init__(self, features: int = 700, ratio: float = 0.78) -> None:
        self._orb = cv2.ORB.create(nfeatures=features, fastThreshold=10)
        self._matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
        self.ratio = ratio

    def _describe(self, grey: np.ndarray) -> tuple[list, np.ndarray | None]:
        keypoints, descriptors = self._orb.detectAndCompute(grey, None)
        return list(keypoints), descriptors

    def inliers(self, query: np.ndarray, candidate: np.ndarray) -> int:
        qk, qd = self._describe(_grey(query))
        if qd is None or len(qk) < MIN_INLIERS:
            return 0
        grey = _grey(candidate)
        return max(self._verified(qk, qd, *self._describe(g)) for g in (grey, grey[:, ::-1]))

    def _verified(self, qk: list, qd: np.ndarray, ck: list, cd: np.ndarray | None) -> int:
        if cd is None or len(ck) < MIN_INLIERS:
            return 0
        pairs = self._matcher.knnMatch(qd, cd, k=2)
        good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < self.ratio * p[1].distance]
        if len(good) < MIN_INLIERS:
            return 0
        src = np.array([qk[m.queryIdx].pt for m in good], np.float32)
        dst = np.array([ck[m.trainIdx].pt for m in good], np.float32)
        _, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC,
                                              ransacReprojThreshold=6.0, maxIters=1000,
                                              confidence=0.99)
        return int(mask.sum()) if mask is not None else 0


def default_verifier() -> Verifier:
    return OrbVerifier()


def rerank(
    query: np.ndarray,
    ranked: Sequence[tuple[str, float]],
    picture: Callable[[str], np.ndarray | None],
    verifier: Verifier,
    *,
    top: int = RERANK_TOP,
) -> list[tuple[str, float]]:
    """`ranked` (key, cosine) best first → the same keys re-ordered by verified score.

    `picture(key)` gives a candidate's RGB (None: left as it is). Only the first `top`
    candidates are verified; the others keep their place after them.
    """
    head, tail = list(ranked[:top]), list(ranked[top:])
    scored: list[tuple[float, int, str, float]] = []
    for position, (key, score) in enumerate(head):
        bonus = 0.0
        rgb = picture(key)
        if rgb is not None:
            try:
                found = verifier.inliers(query, rgb)
            except cv2.error:
                found = 0
            if found >= MIN_INLIERS:
                bonus = BONUS * min(1.0, found / FULL_INLIERS)
        scored.append((score + bonus, -position, key, score))
    scored.sort(reverse=True)
    return [(key, min(1.0, total)) for total, _, key, _ in scored] + tail
