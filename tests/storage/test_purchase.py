"""The purchase list in the library database: migration 4, snapshots that work offline,
quantities, swaps; and its exports read back (XLSX with openpyxl, HTML parsed, text)."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from library_data import make_result

from vvic_desktop.core.errors import LibraryReadOnly
from vvic_desktop.core.models import Stall
from vvic_desktop.storage import db as dbmod
from vvic_desktop.storage.db import Database
from vvic_desktop.storage.library import Library
from vvic_desktop.storage.purchase import (
    BadQuantity,
    OfferNotInSearch,
    PurchaseLineNotFound,
    PurchaseList,
)
from vvic_desktop.storage.purchase_export import UnknownPurchaseFormat
from vvic_desktop.storage.thumbs import ThumbnailStore


@pytest.fixture
def store(data_dir: Path) -> ThumbnailStore:
    return ThumbnailStore(data_dir / "thumbs")


@pytest.fixture
def db(data_dir: Path):
    database = Database(data_dir / "library.sqlite3")
    yield database
    database.close()


@pytest.fixture
def library(db, store) -> Library:
    return Library(db, store)


@pytest.fixture
def purchases(db, store) -> PurchaseList:
    return PurchaseList(db, store)


def test_migration_4_from_a_v3_file_with_data_keeps_it_and_backs_it_up(data_dir, store) -> None:
    path = data_dir / "library.sqlite3"
    old = Database(path, migrations=dbmod.MIGRATIONS[:3])
    Library(old, store).save(make_result(store, 4), name="v3 data")
    old.close()
    assert dbmod.SCHEMA_VERSION == 4
    db = Database(path)
    try:
        assert db.version() == 4
        with sqlite3.connect(data_dir / "library.sqlite3.v3.bak") as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
            assert conn.execute("SELECT name FROM searches").fetchall() == [("v3 data",)]
        library, purchases = Library(db, store), PurchaseList(db, store)
        saved = library.get("v3 data")
        assert saved.summary.offer_count == 4
        purchases.add_from_saved(saved, "item-1", quantity=2)
        assert [ln.offer.item_id for ln in purchases.lines()] == ["item-1"]
    finally:
        db.close()


def test_a_line_is_a_snapshot_that_works_offline(library, purchases, store, data_dir) -> None:
    result = make_result(store, 6, group_size=3)
    result.offers[1] = dataclasses.replace(result.offers[1], art_no="K5658")
    result.groups[0].offers[1] = result.offers[1]
    library.save(result, name="春装")
    saved = library.get("春装")
    line_id = purchases.add_from_saved(saved, "item-1", quantity=3, note="  杏色   M ")
    # the search goes, the thumbnail store goes: the line is whole
    library.delete(saved.id)
    shutil.rmtree(data_dir / "thumbs")
    line = purchases.line(line_id)
    assert line.offer == saved.result.offers[1]
    assert (line.quantity, line.note, line.source) == (3, "杏色 M", "春装")
    assert line.offer.art_no == "K5658" and line.offer.price == Decimal("95.00")
    assert [o.item_id for o in line.group] == ["item-0", "item-2"]
    assert set(line.group_pictures) == {o.key for o in line.group}
    picture = purchases.pictures()[line_id]
    assert picture[:2] == b"\xff\xd8"  # a JPEG, in the row itself
    with pytest.raises(OfferNotInSearch):
        purchases.add_from_saved(saved, "no-such-item")


def test_adding_again_adds_quantity_a_new_note_is_a_new_line(library, purchases, store) -> None:
    library.save(make_result(store, 3), name="s")
    saved = library.get("s")
    first = purchases.add_from_saved(saved, "item-0", quantity=2, note="红")
    assert purchases.add_from_saved(saved, "vvic:item-0", quantity=3, note="红") == first
    other = purchases.add_from_saved(saved, "item-0", quantity=1, note="蓝")
    assert other != first
    assert [(ln.quantity, ln.note) for ln in purchases.lines()] == [(5, "红"), (1, "蓝")]
    purchases.set_quantity(first, 12)
    purchases.set_note(other, "蓝 L")
    assert [(ln.quantity, ln.note) for ln in purchases.lines()] == [(12, "红"), (1, "蓝 L")]
    for bad in (0, -1, 100_001, "x"):
        with pytest.raises(BadQuantity):
            purchases.set_quantity(first, bad)  # type: ignore[arg-type]
    assert BadQuantity("x", value=0, maximum=1).message("zh_CN").startswith("数量必须")
    assert purchases.remove("item-0") == 2
    assert purchases.count() == 0
    with pytest.raises(PurchaseLineNotFound):
        purchases.remove("item-0")
    with pytest.raises(PurchaseLineNotFound):
        purchases.set_quantity(999, 1)


def test_swap_to_the_cheaper_stall_and_back(library, purchases, store) -> None:
    library.save(make_result(store, 3, prices=["120.00", "100.00", "90.00"]), name="s")
    saved = library.get("s")
    # item-1 (100, credit B) has item-2 (90, credit C: below) and item-0 (120, dearer)
    line_id = purchases.add_from_saved(saved, "item-0", quantity=4)  # 120, credit A
    hint = purchases.plan().find(line_id).cheaper
    assert hint is None  # the cheaper ones have lower credit
    line_id = purchases.add_from_saved(saved, "item-2", quantity=4)  # 90, C: nothing cheaper
    assert purchases.plan().find(line_id).cheaper is None
    purchases.clear()
    line_id = purchases.add_from_saved(saved, "item-1", quantity=4)  # 100, B
    assert purchases.plan().find(line_id).cheaper is None  # 90 is C
    # make item-2 credit A in the group snapshot: a swap is offered and taken
    db = purchases.db
    raw = json.loads(db.read("SELECT group_data FROM purchase_lines")[0][0])
    for entry in raw:
        entry["offer"]["stall"]["credit_level"] = "A"
    with db.transaction() as conn:
        conn.execute("UPDATE purchase_lines SET group_data = ?", (json.dumps(raw),))
    hint = purchases.plan().find(line_id).cheaper
    assert hint.offer.item_id == "item-2" and hint.saving == Decimal("40.00")
    picture_before = purchases.pictures()[line_id]
    swapped = purchases.swap(line_id, hint.offer.key)
    assert swapped.offer.item_id == "item-2" and swapped.quantity == 4
    assert purchases.plan().total == Decimal("360.00")
    assert purchases.pictures()[line_id] != picture_before  # the new offer's own picture
    back = purchases.swap(line_id, "vvic:item-1")
    assert back.offer.item_id == "item-1"
    with pytest.raises(PurchaseLineNotFound):
        purchases.swap(line_id, "vvic:not-in-group")


def test_one_damaged_line_never_sinks_the_list(library, purchases, store) -> None:
    library.save(make_result(store, 3), name="s")
    saved = library.get("s")
    purchases.add_from_saved(saved, "item-0")
    bad = purchases.add_from_saved(saved, "item-1")
    with purchases.db.transaction() as conn:
        conn.execute("UPDATE purchase_lines SET data = '{not json' WHERE id = ?", (bad,))
    assert [ln.offer.item_id for ln in purchases.lines()] == ["item-0"]


def test_read_only_library_refuses_changes_with_a_message(data_dir, store) -> None:
    path = data_dir / "library.sqlite3"
    Database(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    db = Database(path)
    try:
        purchases = PurchaseList(db, store)
        with pytest.raises(LibraryReadOnly):
            purchases.add(make_result(None, 1).offers[0])
    finally:
        db.close()


# --- exports ------------------------------------------------------------------------------


def four_stall_list(library, purchases, store) -> None:
    result = make_result(store, 6, group_size=3)
    hostile = '=HYPERLINK("x")<script>1</script>'
    result.offers[4] = dataclasses.replace(result.offers[4], art_no="A&B")
    result.groups[1].offers[1] = result.offers[4]
    result.offers[5] = dataclasses.replace(
        result.offers[5], title=hostile,
        stall=Stall(name="<b>档口</b>", market="广州十三行", position="见详情"))
    result.groups[1].offers[2] = result.offers[5]
    library.save(result, name="s")
    saved = library.get("s")
    for item, qty in (("item-0", 1), ("item-3", 2), ("item-4", 3), ("item-5", 1)):
        purchases.add_from_saved(saved, item, quantity=qty, note="白 M" if qty == 2 else "")


def test_xlsx_reads_back_with_pictures_sections_ticks_and_one_page_wide(
        library, purchases, store, tmp_path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    four_stall_list(library, purchases, store)
    out = tmp_path / "进货单.xlsx"
    assert purchases.export(out, language="zh_CN") == "xlsx"
    book = openpyxl.load_workbook(out)
    sheet = book.active
    assert sheet.title == "进货单"
    assert len(sheet._images) == 4
    assert [c.value for c in sheet[1]][:3] == ["✓", "图片", "货号 / 标题"]
    col_a = [str(r[0].value) for r in sheet.iter_rows(min_row=2) if r[0].value]
    headings = [v for v in col_a if v[:2] in ("1.", "2.", "3.", "4.")]
    plan = purchases.plan()
    assert len(headings) == 4 == len(plan.sections)
    for heading, section in zip(headings, plan.sections, strict=True):
        assert heading.startswith(f"{plan.sections.index(section) + 1}. {section.stall}")
    assert headings[-1].startswith("4. <b>档口</b>")  # unparseable position last, as text
    cells = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(isinstance(v, str) and v.startswith("'=HYPERLINK") for v in cells)  # neutralised
    assert float(plan.total) in cells
    assert any(isinstance(v, str) and v.startswith("总计：4 个档口") for v in cells)
    # one page wide (1 is OOXML's default width, which XlsxWriter leaves out), any tall
    assert sheet.page_setup.fitToWidth in (None, 1, "1")
    assert int(sheet.page_setup.fitToHeight) == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows.replace("$", "") == "1:1"
    import zipfile

    with zipfile.ZipFile(out) as book_zip:  # each picture links to its listing
        rels = book_zip.read("xl/drawings/_rels/drawing1.xml.rels").decode()
    assert rels.count('Target="https://www.vvic.com/item/') == 4


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data) -> None:
        self.text.append(data)


def test_html_route_sheet_is_self_contained_and_escaped(library, purchases, store,
                                                        tmp_path) -> None:
    four_stall_list(library, purchases, store)
    out = tmp_path / "route.html"
    assert purchases.export(out, language="en") == "html"
    page = _Page()
    page.feed(out.read_text("utf-8"))
    tags = page.tags
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) \
        in tags
    assert not [t for t, _a in tags if t in ("script", "link", "iframe", "object")]
    images = [a["src"] for t, a in tags if t == "img"]
    assert len(images) == 4 and all(s.startswith("data:image/jpeg;base64,") for s in images)
    assert len([a for t, a in tags if t == "input" and a.get("type") == "checkbox"]) == 4
    hrefs = [a["href"] for t, a in tags if t == "a"]
    assert all(h.startswith("https://www.vvic.com/") for h in hrefs)
    text = "".join(page.text)
    assert "<script>1</script>" in text and "A&B# " in text  # shown as text, never as markup
    assert "<b>档口</b>" in text
    sections = [a for t, a in tags if t == "section"]
    assert len(sections) == 4
    assert "Grand total: 4 stalls, 4 lines, 7 pcs" in text


def test_text_export_and_unknown_format(library, purchases, store, tmp_path) -> None:
    four_stall_list(library, purchases, store)
    out = tmp_path / "list.txt"
    assert purchases.export(out, language="zh_CN") == "txt"
    text = out.read_text("utf-8")
    blocks = text.strip().split("\n\n")
    assert len(blocks) == 5  # four stalls and the grand total
    assert blocks[1].splitlines()[1].startswith("- 韩版碎花连衣裙 款3（白 M） 2件 ¥105.00")
    assert blocks[-1].startswith("总计 4 个档口 7 件")
    with pytest.raises(UnknownPurchaseFormat) as err:
        purchases.export(tmp_path / "list.csv")
    assert ".xlsx" in err.value.message("en")
