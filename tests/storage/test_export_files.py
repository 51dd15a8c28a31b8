"""CSV, XLSX and HTML exports: Chinese intact, numbers as numbers, no formula, no script."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from library_data import jpeg, make_result

from vvic_desktop.core.errors import StorageError, VvicError
from vvic_desktop.core.models import OfferMark
from vvic_desktop.storage.export import ExportSection, export_sections, write_csv, write_html
from vvic_desktop.storage.thumbs import ThumbnailStore

HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+2", "-3", "@SUM(A1)", "\tcmd", "\rx"]


@pytest.fixture
def section(data_dir: Path) -> ExportSection:
    store = ThumbnailStore(data_dir / "thumbs")
    result = make_result(store, 8, group_size=3)
    for i, title in enumerate(HOSTILE):
        result.offers[i] = dataclasses.replace(result.offers[i], title=title)
    # groups hold the same offer objects: rebuild them from the renamed offers
    from vvic_desktop.core.style_groups import make_group

    result.groups = [make_group(result.offers[i:i + 3]) for i in range(0, 8, 3)]
    result.offers[6] = dataclasses.replace(result.offers[6], detail_url="javascript:alert(1)")
    result.groups[2] = make_group(result.offers[6:8])
    pictures = {o.key: jpeg((10 * i, 100, 200)) for i, o in enumerate(result.offers)}
    section = ExportSection(
        title="春季 <script>alert(1)</script>",
        result=result,
        query_image=jpeg((250, 250, 250), 400),
        marks={result.offers[1].key: OfferMark(True, "质量好")},
        changes={result.offers[2].key: "price_down"},
    )
    PICTURES.clear()
    PICTURES.update(pictures)
    return section


PICTURES: dict[str, bytes] = {}


def thumbnails(offer) -> bytes | None:
    return PICTURES.get(offer.key)


def export(section: ExportSection, path: Path, language: str = "zh_CN") -> str:
    return export_sections([section], path, thumbnails, language=language)


def test_csv_has_a_bom_chinese_text_and_no_formula(section, tmp_path: Path) -> None:
    out = tmp_path / "结果.csv"
    assert export(section, out) == "csv"
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["款式", "最优", "标题", "价格"]
    titles = [r[2] for r in rows[1:]]
    for hostile in HOSTILE:
        assert "'" + hostile in titles
    for cell in (c for r in rows for c in r):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    prices = [r[3] for r in rows[1:]]
    assert all(Decimal(p) > 0 for p in prices)  # plain decimals, not neutralised text
    assert any(r[-3] == "质量好" for r in rows)  # the offer's note
    assert any(r[-2] == "降价" for r in rows)


def test_csv_in_english_names_columns_in_english(section, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    write_csv([section], out, language="en")
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("Style,Best,Title,Price")


def test_xlsx_has_pictures_numbers_links_and_text_not_formulas(section, tmp_path: Path) -> None:
    out = tmp_path / "结果.xlsx"
    assert export(section, out) == "xlsx"
    book = openpyxl.load_workbook(out)
    sheet = book.worksheets[0]
    assert sheet.title == "搜款结果"
    assert [c.value for c in sheet[1]][:4] == ["款式", "最优", "图片", "标题"]
    # every offer's picture plus the query photo
    assert len(sheet._images) == len(section.result.offers) + 1
    rows = list(sheet.iter_rows(min_row=3, values_only=False))
    by_title = {r[3].value: r for r in rows if r[3].value}
    for hostile in HOSTILE[:-1]:  # (XLSX stores a bare CR in its own escaped form)
        cell = by_title["'" + hostile][3]
        assert cell.data_type == "s"
    price_cells = [r[4] for r in rows if r[4].value is not None]
    assert price_cells and all(c.data_type == "n" for c in price_cells)
    links = [r[-1] for r in rows if r[-1].value]
    assert links and all(c.hyperlink.target.startswith("https://") for c in links)
    assert all("javascript" not in str(r[-1].value) for r in rows)
    assert sum(1 for r in rows if r[1].value == "★") == len(section.result.groups)
    # the first row of each group carries the group's spread
    spreads = [r[14].value for r in rows if r[14].value is not None]
    assert len(spreads) == len(section.result.groups)


def test_batch_export_one_sheet_a_section_per_photo_best_offer_only(section, tmp_path) -> None:
    other = dataclasses.replace(section, title="第二张", best_only=True)
    first = dataclasses.replace(section, best_only=True)
    out = tmp_path / "batch.xlsx"
    export_sections([first, other], out, thumbnails, language="en")
    sheet = openpyxl.load_workbook(out).worksheets[0]
    offers = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[3] and r[0]]
    assert len(offers) == 2 * len(section.result.groups)  # one row per style per photo
    headings = [r[3] for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] is None
                and r[3]]
    assert any(h.startswith("第二张") for h in headings)
    # the heading says what was searched: market and the filters the buyer set
    assert all(" · vvic · " in h and "¥–150 · in stock only · " in h for h in headings)


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "a":
            self.links.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs["src"])


def test_html_is_self_contained_escaped_and_script_free(section, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert export(section, out) == "html"
    text = out.read_text(encoding="utf-8")
    parser = _Html()
    parser.feed(text)
    assert "script" not in parser.tags
    assert "&lt;script&gt;" in text
    assert len(parser.images) == len(section.result.offers) + 1
    assert all(src.startswith("data:image/jpeg;base64,") for src in parser.images)
    assert parser.links and all(h.startswith("https://") for h in parser.links)
    assert "Content-Security-Policy" in text


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder of its own (tmp_path also holds the test's data dir)."""
    (tmp_path / "exports").mkdir()
    return tmp_path / "exports"


def test_a_failed_write_leaves_no_temp_file_and_the_old_export_intact(
    section, folder: Path, monkeypatch
) -> None:
    out = folder / "keep.xlsx"
    out.write_bytes(b"old export")
    import xlsxwriter.workbook

    def fail(self):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "close", fail)
    with pytest.raises(StorageError) as info:
        export(section, out)
    assert info.value.code == "disk_full"
    assert out.read_bytes() == b"old export"
    assert [p.name for p in folder.iterdir()] == ["keep.xlsx"]


def test_a_folder_that_is_a_file_gives_a_clear_message(section, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    blocker = folder / "not-a-folder"
    blocker.write_text("x")
    for suffix in (".csv", ".html", ".xlsx"):
        with pytest.raises(StorageError):
            export(section, blocker / f"out{suffix}")
    assert os.listdir(folder) == ["not-a-folder"]


def test_unknown_suffixes_are_refused(section, tmp_path: Path) -> None:
    with pytest.raises(VvicError) as info:
        export(section, tmp_path / "out.pdf")
    assert ".xlsx" in info.value.message("en")


def test_a_missing_or_broken_picture_leaves_the_cell_empty_and_strays_go_last(
    section, tmp_path: Path
) -> None:
    stray = dataclasses.replace(section.result.offers[0], item_id="stray", title="无组货源")
    section.result.offers.append(stray)  # an offer in no group (should not happen, but)
    PICTURES[section.result.offers[0].key] = b"\xff\xd8 not a jpeg"
    PICTURES.pop(section.result.offers[1].key)
    out = tmp_path / "r.xlsx"
    export(section, out)
    sheet = openpyxl.load_workbook(out).worksheets[0]
    # offers 0 and 1 have no usable picture; the stray shares offer 0's key; + the query photo
    assert len(sheet._images) == len(section.result.offers) - 3 + 1
    last = list(sheet.iter_rows(values_only=True))[-1]
    assert last[3] == "无组货源" and last[0] is None and last[1] is None
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    html_out = tmp_path / "r.html"
    export(section, html_out)
    parser = _Html()
    parser.feed(html_out.read_text(encoding="utf-8"))
    assert len(parser.images) == len(section.result.offers) - 3 + 1


def test_html_links_open_nothing_behind_them_and_the_policy_forbids_scripts(
    section, tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    write_html([section], out, thumbnails, language="en")
    text = out.read_text(encoding="utf-8")
    assert text.count('rel="noopener noreferrer"') == text.count("<a ")
    policy = text.split('http-equiv="Content-Security-Policy" content="')[1].split('"')[0]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert 'href="javascript' not in text
    parser = _Html()
    parser.feed(text)
    assert not {"link", "iframe", "object", "embed", "base"} & set(parser.tags)  # no requests
    assert 'src="http' not in text and "url(" not in text
    assert "<th>Title</th>" in text


def test_a_failed_csv_or_html_write_keeps_the_old_file(
    section, folder: Path, monkeypatch
) -> None:
    (folder / "keep.csv").write_bytes(b"old")
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", _locked)
    for target in (folder / "keep.csv", folder / "keep.html"):
        with pytest.raises(StorageError) as info:
            export(section, target)
        assert "keep" in info.value.message("en")
    monkeypatch.setattr(os, "replace", real_replace)
    assert (folder / "keep.csv").read_bytes() == b"old"
    assert sorted(p.name for p in folder.iterdir()) == ["keep.csv"]


def _locked(src, dst):
    """os.replace over a file another program holds open (Excel on Windows)."""
    raise PermissionError(13, "Permission denied", str(dst))


def test_a_picture_the_search_refused_is_named_not_embedded(section, tmp_path: Path) -> None:
    marked = section.result.offers[7]
    marked.extra["picture_unavailable"] = "damaged_image"  # core.pipeline's mark
    out = tmp_path / "r.xlsx"
    export(section, out)
    sheet = openpyxl.load_workbook(out).worksheets[0]
    # its stored thumbnail is not embedded; the cell says why there is none
    assert len(sheet._images) == len(section.result.offers) - 1 + 1
    row = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[3] == marked.title)
    assert row[2] == "图片不可用"
    html_out = tmp_path / "r.html"
    export(section, html_out, language="en")
    page = html_out.read_text(encoding="utf-8")
    assert page.count("picture unavailable") == 1
    parser = _Html()
    parser.feed(page)
    assert len(parser.images) == len(section.result.offers) - 1 + 1
