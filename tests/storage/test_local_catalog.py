"""The local catalog: importing photos with prices, incremental embeddings, search by photo."""

from __future__ import annotations

import io
import os
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from library_data import make_result
from PIL import Image

from vvic_desktop.core import errors
from vvic_desktop.storage.db import Database
from vvic_desktop.storage.library import Library
from vvic_desktop.storage.local_catalog import (
    LOCAL_URL_PREFIX,
    LocalCatalog,
    info_from_name,
    read_price_table,
)
from vvic_desktop.storage.thumbs import ThumbnailStore

COLOURS = {"red": (210, 30, 40), "blue": (30, 80, 210), "green": (40, 170, 60),
           "yellow": (235, 200, 30)}


class ColourEmbedder:
    """A tiny deterministic stand-in: the normalised mean colour (tests the plumbing only)."""

    name = "test-colour"
    version = "1"
    dim = 3

    def __init__(self) -> None:
        self.embedded = 0

    def embed(self, images):
        self.embedded += len(images)
        rows = [np.asarray(im, dtype=np.float32).reshape(-1, 3).mean(axis=0) + 1 for im in images]
        out = np.vstack(rows)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def photo(colour: tuple[int, int, int], size=(300, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=92)
    return out.getvalue()


@pytest.fixture
def catalog(data_dir: Path) -> LocalCatalog:
    db = Database(data_dir / "library.sqlite3")
    embedder = ColourEmbedder()
    yield LocalCatalog(db, ThumbnailStore(data_dir / "thumbs"), embedder_factory=lambda: embedder)
    db.close()


@pytest.fixture(autouse=True)
def no_grabcut(monkeypatch) -> None:
    """The query region cut is features' business (tested there); here keep the photo whole."""
    import vvic_desktop.core.features as features

    monkeypatch.setattr(features, "garment_region", lambda rgb: rgb)


def test_file_names_carry_stall_price_and_title() -> None:
    info = info_from_name("金丽档口_89_韩版碎花连衣裙")
    assert (info.stall, info.price, info.title) == ("金丽档口", Decimal("89"), "韩版碎花连衣裙")
    info = info_from_name("金丽档口_89.5_韩版_碎花")
    assert (info.stall, info.price, info.title) == ("金丽档口", Decimal("89.5"), "韩版_碎花")
    info = info_from_name("王姐_¥120_连衣裙")
    assert (info.stall, info.title, info.price) == ("王姐", "连衣裙", Decimal("120"))
    for camera in ("IMG_2031", "IMG_2031_1", "DSC_0042_edit", "连衣裙_120"):
        assert info_from_name(camera) == info_from_name(camera).__class__(title=camera)


def test_price_table_in_english_or_chinese_utf8_or_gb18030(tmp_path: Path) -> None:
    english = tmp_path / "en.csv"
    english.write_text("file,title,price,stall,market,position,min_order,note\n"
                       "a.jpg,Red dress,89.00,Stall A,十三行,3F-301,5,nice\n", encoding="utf-8")
    row = read_price_table(english)["a.jpg"]
    assert (row.title, row.price, row.stall, row.market, row.position, row.min_order,
            row.note) == ("Red dress", Decimal("89.00"), "Stall A", "十三行", "3F-301", 5, "nice")
    chinese = tmp_path / "zh.csv"
    chinese.write_bytes('文件,标题,价格,档口\nb.jpg,蓝色衬衫,"￥1,200.5",金丽\n'.encode("gb18030"))
    row = read_price_table(chinese)["b.jpg"]
    assert (row.title, row.price, row.stall) == ("蓝色衬衫", Decimal("1200.5"), "金丽")
    bad = tmp_path / "bad.csv"
    bad.write_text("title,price\nx,1\n", encoding="utf-8")
    with pytest.raises(errors.BadItemsFile) as info:
        read_price_table(bad)
    assert "file" in info.value.message("en")


def test_import_a_folder_with_bad_files_and_then_update_prices(
    catalog: LocalCatalog, tmp_path: Path
) -> None:
    folder = tmp_path / "stall photos"
    (folder / "sub").mkdir(parents=True)
    (folder / "金丽_89_红色连衣裙.jpg").write_bytes(photo(COLOURS["red"]))
    (folder / "sub" / "blue.png").write_bytes(photo(COLOURS["blue"]))
    (folder / "broken.jpg").write_bytes(photo(COLOURS["green"])[:200])
    (folder / "notes.txt").write_text("not a photo")
    os.mkfifo(folder / "pipe.jpg")  # must be skipped, not opened (it would block)
    (folder / "loop").symlink_to(folder)  # must not be followed
    prices = tmp_path / "prices.csv"
    prices.write_text("file,title,price,stall\nsub/blue.png,蓝色衬衫,120,王姐档口\n"
                      "gone.jpg,不存在,1,x\n", encoding="utf-8")
    report = catalog.import_folder(folder, prices=prices)
    assert (report.imported, report.updated) == (2, 0)
    assert any(p.startswith("broken.jpg: ") for p in report.problems)
    assert any(p.startswith("gone.jpg: ") for p in report.problems)
    offers = [o for group in catalog.offers_by_picture().values() for o in group]
    by_title = {o.title: o for o in offers}
    red = by_title["红色连衣裙"]
    assert (red.price, red.stall.name) == (Decimal("89"), "金丽")
    assert by_title["蓝色衬衫"].price == Decimal("120")
    for offer in offers:
        assert offer.market == "local" and offer.image_url.startswith(LOCAL_URL_PREFIX)
        sha = offer.image_url[len(LOCAL_URL_PREFIX):]
        assert catalog.thumbnails.sha_for_url(offer.image_url) == sha
        assert catalog.thumbnails.has(sha)
    # importing again updates the details instead of adding copies
    prices.write_text("file,title,price,stall\nsub/blue.png,蓝色衬衫,99,王姐档口\n",
                      encoding="utf-8")
    again = catalog.import_folder(folder, prices=prices)
    assert (again.imported, again.updated) == (0, 2)
    offers = [o for group in catalog.offers_by_picture().values() for o in group]
    assert len(offers) == 2
    assert {o.title: o.price for o in offers}["蓝色衬衫"] == Decimal("99")


def test_search_finds_imported_and_saved_offers_and_embeds_each_picture_once(
    catalog: LocalCatalog, tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name, colour in COLOURS.items():
        (folder / f"档口_{len(name)}0_{name}.jpg").write_bytes(photo(colour))
    catalog.import_folder(folder)
    embedder = catalog.embedder
    assert embedder.embedded == 4
    # saved searches are part of the catalog too, embedded as they are saved
    library = Library(catalog.db, catalog.thumbnails)
    library.saved_listeners.append(catalog.add_search)
    library.save(make_result(catalog.thumbnails, 3))
    assert embedder.embedded == 4 + 3
    found = catalog.search(photo(COLOURS["red"]), 3)
    assert found[0][0].title == "red"
    assert len(found) >= 3
    assert embedder.embedded == 4 + 3 + 1  # the query only
    catalog.search(photo(COLOURS["blue"]), 2)
    assert embedder.embedded == 4 + 1 + 3 + 1  # nothing re-embedded
    # a fresh process reuses the stored vectors
    fresh = LocalCatalog(catalog.db, catalog.thumbnails, embedder_factory=ColourEmbedder)
    assert fresh.search(photo(COLOURS["green"]), 1)[0][0].title == "green"
    assert fresh.embedder.embedded == 1


class VerifiesYellow:
    """A verifier stand-in: only the yellow picture matches the query geometrically."""

    def inliers(self, query: np.ndarray, candidate: np.ndarray) -> int:
        mean = candidate.reshape(-1, 3).mean(axis=0)
        return 80 if mean[0] > 180 and mean[1] > 160 and mean[2] < 90 else 0


def test_a_verified_match_beyond_the_answers_length_is_lifted_into_it(
    data_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name, colour in COLOURS.items():
        (folder / f"{name}.jpg").write_bytes(photo(colour))
    db = Database(data_dir / "library.sqlite3")
    try:
        catalog = LocalCatalog(db, ThumbnailStore(data_dir / "thumbs"),
                               embedder_factory=ColourEmbedder, verifier=VerifiesYellow())
        catalog.import_folder(folder)
        # by colour alone a red query finds red first and yellow is not in a 1-item answer
        catalog.rerank_top = 0
        assert [o.title for o, _ in catalog.search(photo(COLOURS["red"]), 1)] == ["red"]
        catalog.rerank_top = None  # the default: more candidates verified than shown
        found = catalog.search(photo(COLOURS["red"]), 1)
        assert [o.title for o, _ in found] == ["yellow"]
    finally:
        db.close()


def test_a_query_whose_cut_picked_the_wall_still_finds_its_item(
    catalog: LocalCatalog, tmp_path: Path, monkeypatch
) -> None:
    """The query is searched cut and as it came (core.features.query_views); a cut that
    kept a patch of grey wall instead of the red garment must not decide alone."""
    import vvic_desktop.core.features as features

    folder = tmp_path / "photos"
    folder.mkdir()
    for name, colour in COLOURS.items():
        (folder / f"{name}.jpg").write_bytes(photo(colour))
    catalog.import_folder(folder)  # plain pictures: whatever the cut keeps is their colour

    def wall_corner(rgb: np.ndarray) -> np.ndarray:  # a cut gone wrong: the top-left corner
        return np.ascontiguousarray(rgb[: rgb.shape[0] // 5, : rgb.shape[1] // 5])

    monkeypatch.setattr(features, "garment_region", wall_corner)
    query = Image.new("RGB", (300, 400), COLOURS["red"])
    query.paste((128, 128, 128), (0, 0, 70, 90))  # a tight frame with the wall in a corner
    out = io.BytesIO()
    query.save(out, "JPEG", quality=92)
    found = catalog.search(out.getvalue(), 4)
    assert found[0][0].title == "red"
    # the cut alone (the search before) answers yellow: the grey wall is nearest it
    monkeypatch.setattr(features, "query_views", lambda rgb: [wall_corner(rgb)])
    assert catalog.search(out.getvalue(), 4)[0][0].title == "yellow"


def test_an_empty_catalog_answers_with_nothing(catalog: LocalCatalog) -> None:
    assert catalog.search(photo(COLOURS["red"]), 5) == []


def test_a_missing_folder_says_so(catalog: LocalCatalog, tmp_path: Path) -> None:
    with pytest.raises(errors.FileMissing):
        catalog.import_folder(tmp_path / "nope")


def distinct_result(store: ThumbnailStore, n: int):
    """A saved search of 3 offers with pictures of their own (colours by `n`)."""
    import dataclasses

    from vvic_desktop.core.style_groups import make_group

    base = make_result(None, 3)
    offers = []
    for k, o in enumerate(base.offers):
        url = f"http://127.0.0.1:9/img/s{n}-{k}.jpg"
        store.remember_url(url, store.put(photo((10 * n, 80 * k, 200 - 5 * n), (96, 96))))
        offers.append(dataclasses.replace(o, item_id=f"s{n}-{k}", image_url=url))
    return dataclasses.replace(base, offers=offers, groups=[make_group(offers)])


def test_saved_searches_are_embedded_when_saved_never_in_a_query(
    catalog: LocalCatalog,
) -> None:
    """20 saved, never searched: the first local query embeds the query photo and nothing
    else (the figure behind "first query ≤ 1.5× the second"; timing is bench_local's)."""
    library = Library(catalog.db, catalog.thumbnails)
    library.saved_listeners.append(catalog.add_search)
    embedder = catalog.embedder
    for n in range(20):
        library.save(distinct_result(catalog.thumbnails, n))
    saved = embedder.embedded
    assert saved == len(catalog.offers_by_picture())  # each distinct picture once, at saving
    calls: list[int] = []
    original = embedder.embed
    embedder.embed = lambda images: calls.append(len(images)) or original(images)
    fresh_process = LocalCatalog(catalog.db, catalog.thumbnails,
                                 embedder_factory=lambda: embedder)
    fresh_process.search(photo(COLOURS["red"]), 5)
    catalog.search(photo(COLOURS["blue"]), 5)
    assert calls == [1, 1]  # one query photo each: no catalog picture embedded at query time
    assert fresh_process.pending == 0 and catalog.pending == 0


def test_old_pictures_are_caught_up_in_the_background_not_in_a_query(
    catalog: LocalCatalog,
) -> None:
    library = Library(catalog.db, catalog.thumbnails)  # no listener: an older version's save
    library.save(make_result(catalog.thumbnails, 4))
    embedder = catalog.embedder
    assert catalog.search(photo(COLOURS["red"]), 5) == []  # nothing searchable yet
    assert embedder.embedded == 0 and catalog.pending == 4
    # the market says some pictures are not searchable yet
    from vvic_desktop.core.cancel import CancelToken
    from vvic_desktop.core.models import Filters, PreparedImage
    from vvic_desktop.markets.local import LocalMarket

    jpeg = photo(COLOURS["red"])
    answer = LocalMarket(catalog).search(PreparedImage(jpeg, 300, 400, "x"), Filters(),
                                         CancelToken(), lambda: None)
    assert "local_catalog_indexing" in answer.notes
    # the background catch-up, bounded per call
    assert catalog.catch_up(limit=3) == 3 and catalog.pending == 1
    assert catalog.catch_up(limit=3) == 1 and catalog.pending == 0
    assert catalog.catch_up(limit=3) == 0
    assert embedder.embedded == 4
    assert catalog.search(photo(COLOURS["red"]), 5)


def test_a_new_embedder_re_embeds_the_library_in_the_background_never_in_a_query(
    catalog: LocalCatalog,
) -> None:
    """Stored vectors carry their embedder's name and version: after an update changes the
    embedder (or a model goes missing and the fallback takes over), the old vectors are not
    mixed with the new ones; the GUI's background catch-up re-embeds the library, a chunk at
    a time, and a query meanwhile embeds only itself."""
    library = Library(catalog.db, catalog.thumbnails)
    library.saved_listeners.append(catalog.add_search)
    library.save(make_result(catalog.thumbnails, 4))
    assert catalog.embedder.embedded == 4

    class NewColourEmbedder(ColourEmbedder):
        version = "2"

    updated = LocalCatalog(catalog.db, catalog.thumbnails, embedder_factory=NewColourEmbedder)
    assert updated.embedder_key != catalog.embedder_key
    assert updated.search(photo(COLOURS["red"]), 5) == []  # old vectors are not used
    assert updated.embedder.embedded == 0 and updated.pending == 4  # nothing at query time
    assert updated.catch_up(limit=3) == 3 and updated.catch_up(limit=3) == 1
    assert updated.pending == 0 and updated.embedder.embedded == 4
    assert len(updated.search(photo(COLOURS["red"]), 5)) == 4
    assert updated.embedder.embedded == 4 + 1  # the query
    # the previous embedder's vectors are still there: going back costs nothing
    again = LocalCatalog(catalog.db, catalog.thumbnails, embedder_factory=ColourEmbedder)
    assert len(again.search(photo(COLOURS["red"]), 5)) == 4 and again.embedder.embedded == 1
