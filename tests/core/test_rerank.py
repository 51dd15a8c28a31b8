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


def test_a_verified_match_far_down_the_list_comes_first_whatever_its_cosine() -> None:
    ranked = [(f"k{i}", 0.95 - i * 0.01) for i in range(rerank.RERANK_TOP + 5)]
    last_verified = rerank.RERANK_TOP - 1  # the last candidate that is verified at all
    pictures = {key: i for i, (key, _) in enumerate(ranked)}
    out = rerank.rerank(picture(0), ranked, lambda k: picture(pictures[k]),
                        Fixed({last_verified: rerank.VERIFIED_INLIERS}))
    assert out[0][0] == f"k{last_verified}"
    assert [k for k, _ in out[1:]] == [k for k, _ in ranked if k != f"k{last_verified}"]
    # beyond the verified head nothing moves, even with many inliers
    beyond = rerank.rerank(picture(0), ranked, lambda k: picture(pictures[k]),
                           Fixed({rerank.RERANK_TOP + 2: 500}))
    assert beyond == ranked


def test_verified_colour_variants_keep_the_embeddings_order_and_weak_evidence_lifts_nothing(
) -> None:
    # b and c are one photo recoloured: both verify; the embedding (colour) prefers b
    ranked = [("a", 0.90), ("b", 0.80), ("c", 0.78), ("d", 0.70)]
    pictures = {"a": 1, "b": 2, "c": 3, "d": 4}
    out = rerank.rerank(picture(0), ranked, lambda k: picture(pictures[k]),
                        Fixed({2: 40, 3: 45, 4: rerank.VERIFIED_INLIERS - 1}))
    assert [k for k, _ in out] == ["b", "c", "a", "d"]


def test_orb_descriptions_of_catalogue_pictures_are_cached_by_key() -> None:
    with Image.open(SAMPLE) as photo:
        rgb = np.asarray(photo.convert("RGB"))
    garment = np.ascontiguousarray(rgb[400:1400, 150:1100])
    rng = np.random.default_rng(7)
    other = cv2.GaussianBlur(rng.integers(0, 255, garment.shape).astype(np.uint8), (0, 0), 2)
    store = {"same": garment, "other": other}
    reads: list[str] = []

    def read(key: str) -> np.ndarray:
        reads.append(key)
        return store[key]

    verifier = rerank.OrbVerifier(cache=2)
    ranked = [("other", 0.9), ("same", 0.8)]
    query = np.ascontiguousarray((garment[:, ::-1] * 0.9).astype(np.uint8))
    first = rerank.rerank(query, ranked, read, verifier)
    assert [k for k, _ in first] == ["same", "other"]
    assert sorted(reads) == ["other", "same"]
    reads.clear()
    again = rerank.rerank(query, ranked, read, verifier)
    assert again == first
    assert reads == []  # both described once, kept
    store["third"] = garment[::2, ::2]
    rerank.rerank(query, [("third", 0.95), *ranked], read, verifier)
    # three pictures, room for two: each read evicts the least recently used one
    assert reads == ["third", "other", "same"]
