"""Re-ranking a local search's candidates by local-feature verification."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from vvic_desktop.core import rerank

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "dress-photo.jpg"


class Fixed:
    """A verifier that knows the answer: inliers by candidate (tests the ordering only)."""

    def __init__(self, inliers: dict[int, int]) -> None:
        self.by_value = inliers

    def inliers(self, query: np.ndarray, candidate: np.ndarray) -> int:
        return self.by_value.get(int(candidate[0, 0, 0]), 0)


def picture(value: int) -> np.ndarray:
    return np.full((8, 8, 3), value, np.uint8)


def test_a_verified_candidate_moves_up_the_others_keep_their_order() -> None:
    ranked = [("a", 0.90), ("b", 0.88), ("c", 0.86), ("d", 0.80), ("e", 0.70)]
    pictures = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}
    out = rerank.rerank(picture(0), ranked, lambda k: picture(pictures[k]),
                        Fixed({3: rerank.FULL_INLIERS, 2: rerank.MIN_INLIERS - 1}), top=4)
    assert [k for k, _ in out] == ["c", "a", "b", "d", "e"]  # e was not verified: stays last
    assert dict(out)["a"] == 0.90 and 0.86 < dict(out)["c"] <= 1.0


def test_missing_pictures_and_verifier_errors_leave_the_order_alone() -> None:
    class Broken:
        def inliers(self, query: np.ndarray, candidate: np.ndarray) -> int:
            raise cv2.error("bad picture")

    ranked = [("a", 0.9), ("b", 0.8)]
    assert rerank.rerank(picture(0), ranked, lambda k: None, Fixed({})) == ranked
    assert rerank.rerank(picture(0), ranked, lambda k: picture(1), Broken()) == ranked


def test_orb_verifier_confirms_a_rephoto_and_rejects_another_picture() -> None:
    with Image.open(SAMPLE) as photo:
        rgb = np.asarray(photo.convert("RGB"))
    garment = rgb[400:1400, 150:1100]
    h, w = garment.shape[:2]
    # a re-photo: rotated 8°, shrunk, mirrored, slightly darker
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), 8, 0.8)
    rephoto = cv2.warpAffine(garment, matrix, (w, h), borderValue=(200, 200, 200))
    rephoto = np.ascontiguousarray((rephoto[:, ::-1] * 0.85).astype(np.uint8))
    verifier = rerank.OrbVerifier()
    assert verifier.inliers(rephoto, garment) >= rerank.MIN_INLIERS
    rng = np.random.default_rng(5)
    other = cv2.GaussianBlur(rng.integers(0, 255, (h, w, 3)).astype(np.uint8), (0, 0), 2)
    assert verifier.inliers(rephoto, other) < rerank.MIN_INLIERS
