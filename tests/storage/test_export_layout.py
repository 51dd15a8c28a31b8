"""Issue 17: an HTML export a buyer can read on a phone, an XLSX that prints legibly."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from library_data import make_result

from vvic_desktop.storage.export import ExportSection, export_sections, print_scale_pt


def test_html_fits_a_phone_and_keeps_chinese_cells_readable(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    export_sections([ExportSection(title="裙", result=make_result(None))], out,
                    lambda offer: None, language="zh_CN")
    page = out.read_text(encoding="utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<div class="wide"><table>' in page and "overflow-x:auto" in page  # scrolls, fits
    assert "td.title{min-width:14em}" in page  # a title is never one character a line
    assert '">打开</a>' in page and "https://www.vvic.com/item/0" in page  # short link text


def test_xlsx_prints_at_a_legible_size(tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    export_sections([ExportSection(title="裙", result=make_result(None))], out,
                    lambda offer: None, language="zh_CN")
    sheet = openpyxl.load_workbook(out).worksheets[0]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 2 and sheet.print_title_cols == "$A:$D"
    assert sheet.print_title_rows == "$1:$1"
    assert print_scale_pt() >= 9  # was about 6 pt with every column on one page
