"""Auto-crop by default in `vvic search` and `vvic batch`: a photo with no --crop is cut to
the garment first, the box used is in the JSON and saved with the search; --no-crop sends
the whole photo."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from e2e_helpers import SAMPLE
from PIL import Image

from vvic_desktop.cli import main
from vvic_desktop.core.models import CropBox
from vvic_desktop.paths import AppPaths
from vvic_desktop.storage.db import Database
from vvic_desktop.storage.library import Library
from vvic_desktop.storage.thumbs import ThumbnailStore

SAMPLE_STYLE = "ST018"  # resources/samples/make_samples.py: the floral A-line dress


def run_json(capsys, argv: list[str]) -> dict:
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def first_style(answer: dict, catalog) -> str:
    best = answer["groups"][0]["best_item_id"]
    return catalog.listing(best).style_id


def test_search_cuts_to_the_garment_by_default(capsys, sandbox_catalog) -> None:
    answer = run_json(capsys, ["search", SAMPLE, "--demo"])
    assert answer["query"]["crop"] is not None
    box = CropBox.parse(answer["query"]["crop"])
    with Image.open(SAMPLE) as photo:
        width, height = photo.size
    # inside the photo, and a real cut (the wall around the dress is left out)
    assert box.x >= 0 and box.y >= 0 and box.x + box.w <= width and box.y + box.h <= height
    assert box.w * box.h < 0.8 * width * height
    # the dress hangs at (90, 300) and is about 1000 px wide: the box overlaps it
    assert box.x < 700 and box.x + box.w > 500 and box.y < 900 and box.y + box.h > 800
    assert first_style(answer, sandbox_catalog) == SAMPLE_STYLE


def test_no_crop_sends_the_whole_photo(capsys) -> None:
    cut = run_json(capsys, ["search", SAMPLE, "--demo"])
    whole = run_json(capsys, ["search", SAMPLE, "--demo", "--no-crop"])
    assert whole["query"]["crop"] is None
    assert whole["query"]["image_sha256"] != cut["query"]["image_sha256"]


def test_a_given_crop_is_used_as_given(capsys) -> None:
    answer = run_json(capsys, ["search", SAMPLE, "--demo", "--crop", "10,20,900,1200"])
    assert answer["query"]["crop"] == "10,20,900,1200"


def test_the_box_used_is_saved_with_the_search(capsys, data_dir) -> None:
    answer = run_json(capsys, ["search", SAMPLE, "--demo", "--save", "dress"])
    paths = AppPaths.resolve(str(data_dir)).ensure()
    db = Database(paths.database)
    try:
        library = Library(db, ThumbnailStore(paths.thumbnails))
        saved = library.get("dress")
    finally:
        db.close()
    assert saved.result.query.crop is not None
    assert saved.result.query.crop.as_text() == answer["query"]["crop"]


def test_batch_cuts_each_photo_unless_no_crop(capsys, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "dress.jpg")
    answer = run_json(capsys, ["batch", str(folder), "--demo", "--name", "cut"])
    (item,) = answer["items"]
    assert item["state"] == "done" and item["crop"] is not None
    box = CropBox.parse(item["crop"])
    assert box.w * box.h < 0.8 * 1200 * 1600

    shutil.copy(SAMPLE, folder / "dress.jpg")
    answer = run_json(capsys, ["batch", str(folder), "--demo", "--name", "whole", "--no-crop"])
    (item,) = answer["items"]
    assert item["state"] == "done" and item["crop"] is None


@pytest.mark.parametrize("market", ["onebound-vvic", "onebound-taobao", "taobao", "1688"])
def test_markets_without_a_similarity_figure_lead_with_their_own_best_match(
        capsys, sandbox_catalog, market: str) -> None:
    """These answers rank by likeness but carry no similarity figure: "most similar first"
    follows the market's order (it used to fall back to the cheapest style, a ¥28 T-shirt
    above the photographed dress)."""
    answer = run_json(capsys, ["search", SAMPLE, "--demo", "--market", market])
    assert all(o.get("similarity") is None for o in answer["offers"])
    assert first_style(answer, sandbox_catalog) == SAMPLE_STYLE
