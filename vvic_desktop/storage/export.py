"""Exports: plain JSON (the CLI's `--json`, `vvic group`), and for people CSV, XLSX and HTML.

`export_sections(sections, path, thumbnails)` writes by the file's suffix. Pictures come from
the caller's `thumbnails(offer) -> bytes | None` (the library's store), never from the network.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import html
import io
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from vvic_desktop.core.errors import VvicError
from vvic_desktop.core.models import (
    Filters,
    Offer,
    OfferMark,
    SearchResult,
    StyleGroup,
    filters_to_json,
)
from vvic_desktop.core.prices import format_price
from vvic_desktop.core.redact import json_text
from vvic_desktop.storage.cache import decimal_text, offer_to_json
from vvic_desktop.storage.files import storage_error, temp_prefix, write_atomically
from vvic_desktop.storage.thumbs import small_jpeg


class UnknownExportFormat(VvicError):
    code = "export_format"
    zh = "不支持导出为“{suffix}”。请用 .xlsx、.csv、.html 或 .json 作为文件扩展名。"
    en = "Cannot export to “{suffix}”. Use .xlsx, .csv, .html or .json as the file extension."


def group_to_json(group: StyleGroup) -> dict[str, Any]:
    """One style group as DESIGN §6 shows it (prices as decimal strings)."""
    return {
        "item_ids": [o.item_id for o in group.offers],
        "best_item_id": group.best_offer.item_id,
        "price_min": decimal_text(group.price_min),
        "price_median": decimal_text(group.price_median),
        "price_max": decimal_text(group.price_max),
        "stall_count": group.stall_count,
    }


def result_to_json(result: SearchResult) -> dict[str, Any]:
    query = result.query
    f = query.filters
    return {
        "query": {
            "photo": query.source,
            "market": query.market,
            "crop": query.crop.as_text() if query.crop else None,
            "image_sha256": result.image_sha256,
            "filters": filters_to_json(f),
        },
        "offers": [offer_to_json(o) for o in result.offers],
        "groups": [
            {**group_to_json(g), "in_stock_count": g.in_stock_count, "category": g.category}
            for g in result.groups
        ],
        "notes": list(result.notes),
        "stats": dict(result.stats),
    }


# --- files for people: CSV, XLSX with pictures, an HTML report ---------------------------------
#
# One row per offer, grouped by style in the groups' order (the best offer first in each), with
# the group's price spread on its first row. A file may hold several sections (a batch: one per
# photo); they follow one another on one sheet, each with a heading row, so a buyer can print
# it or filter it as one table. Every writer writes a temp file beside the target and renames
# it into place: a crash, a full disk or a locked file never leaves a torn export behind.

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
THUMB_EXPORT_PX = 120
ROW_PICTURE_PX = 80  # fits a 66 pt (88 px) row
QUERY_PICTURE_PX = 88  # fits the picture column (width 13 ≈ 96 px) and the 90 pt heading row
CHANGE_TEXT = {
    "new": ("新", "new"),
    "price_down": ("降价", "price down"),
    "price_up": ("涨价", "price up"),
}
PICTURE_UNAVAILABLE_TEXT = ("图片不可用", "picture unavailable")
COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    # key, zh, en, XLSX width
    ("style", "款式", "Style", 7),
    ("best", "最优", "Best", 6),
    ("picture", "图片", "Picture", 13),
    ("title", "标题", "Title", 30),
    ("price", "价格", "Price", 9),
    ("price_max", "最高价", "Price max", 9),
    ("stall", "档口", "Stall", 16),
    ("stall_market", "市场", "Market", 12),
    ("position", "位置", "Position", 10),
    ("credit", "信誉", "Credit", 6),
    ("min_order", "起批量", "Min. order", 8),
    ("stock", "库存", "Stock", 8),
    ("sales", "销量", "Sales", 8),
    ("similarity", "相似度", "Similarity", 9),
    ("group_min", "组最低价", "Group min", 10),
    ("group_median", "组中位价", "Group median", 10),
    ("group_max", "组最高价", "Group max", 10),
    ("stalls", "档口数", "Stalls", 7),
    ("shortlisted", "收藏", "Shortlisted", 8),
    ("note", "备注", "Note", 20),
    ("change", "变化", "Change", 8),
    ("link", "链接", "Link", 16),
)


PRINT_PAGES_WIDE = 2
PRINT_REPEATED_COLUMNS = 4  # style, best, picture, title: every printed page says which item
A4_LANDSCAPE_CHARS = 150  # XLSX width units (characters of the 11 pt default font) on a page


def print_scale_pt(font_pt: float = 11) -> float:
    """The font size the XLSX prints at: Excel shrinks the sheet until each page's columns
    (the repeated ones plus its share of the rest) fit the page width, never above 100%."""
    widths = [c[3] for c in COLUMNS]
    repeated = sum(widths[:PRINT_REPEATED_COLUMNS])
    per_page = repeated + sum(widths[PRINT_REPEATED_COLUMNS:]) / PRINT_PAGES_WIDE
    return font_pt * min(1.0, A4_LANDSCAPE_CHARS / per_page)


@dataclass(slots=True)
class ExportSection:
    title: str  # the saved search's name, or the photo's file name in a batch
    result: SearchResult
    query_image: bytes | None = None  # the query photo, shown at the section's head
    marks: dict[str, OfferMark] = field(default_factory=dict)  # Offer.key -> mark
    best_only: bool = False  # batch: one row per style (its best offer)
    changes: dict[str, str] = field(default_factory=dict)  # Offer.key -> new|price_down|…


ThumbnailLookup = Callable[[Offer], bytes | None]


@dataclass(slots=True)
class _Row:
    style: int | None  # 1-based style number; None for an offer outside every group
    offer: Offer
    group: StyleGroup | None
    first_in_group: bool


def _rows(section: ExportSection) -> list[_Row]:
    rows: list[_Row] = []
    placed: set[int] = set()
    for number, group in enumerate(section.result.groups, 1):
        members = [group.best_offer] + [o for o in group.offers if o is not group.best_offer]
        if section.best_only:
            members = members[:1]
        for i, offer in enumerate(members):
            rows.append(_Row(number, offer, group, i == 0))
        placed.update(id(o) for o in group.offers)
    if not section.best_only:
        rows += [_Row(None, o, None, False) for o in section.result.offers if id(o) not in placed]
    return rows


def _zh(language: str | None) -> bool:
    from vvic_desktop.core.errors import language as current

    return (language or current()).startswith("zh")


def _header(zh: bool) -> list[str]:
    return [c[1] if zh else c[2] for c in COLUMNS]


def _values(row: _Row, section: ExportSection, zh: bool) -> dict[str, Any]:
    """The row's cells as Python values (Decimal prices, None when unknown)."""
    o, g = row.offer, row.group
    mark = section.marks.get(o.key)
    change = section.changes.get(o.key, "")
    first = row.first_in_group
    return {
        "style": row.style,
        "best": "★" if g is not None and o is g.best_offer else "",
        # a listing whose picture the search refused says so (core.pipeline marks it)
        "picture": (PICTURE_UNAVAILABLE_TEXT[0 if zh else 1]
                    if o.extra.get("picture_unavailable") else None),
        "title": o.title,
        "price": o.price,
        "price_max": o.price_max if o.price_max != o.price else None,
        "stall": o.stall.name,
        "stall_market": o.stall.market,
        "position": o.stall.position,
        "credit": o.stall.credit_level,
        "min_order": o.min_order,
        "stock": o.stock,
        "sales": o.sales,
        "similarity": o.similarity,
        "group_min": g.price_min if g is not None and first else None,
        "group_median": g.price_median if g is not None and first else None,
        "group_max": g.price_max if g is not None and first else None,
        "stalls": g.stall_count if g is not None and first else None,
        "shortlisted": "★" if mark and mark.shortlisted else "",
        "note": mark.note if mark else "",
        "change": CHANGE_TEXT[change][0 if zh else 1] if change in CHANGE_TEXT else "",
        "link": o.detail_url if _is_web_link(o.detail_url) else "",
    }


def _is_web_link(url: str) -> bool:
    return url.lower().startswith(("http://", "https://")) and len(url) < 2000


def neutralise(text: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _section_heading(section: ExportSection, zh: bool) -> str:
    q = section.result.query
    when = section.result.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
    groups, offers = len(section.result.groups), len(section.result.offers)
    filters = "".join(f" · {part}" for part in _filter_texts(q.filters, zh))
    if zh:
        return f"{section.title} · {q.market} · {when}{filters} · {groups} 款 {offers} 个货源"
    return f"{section.title} · {q.market} · {when}{filters} · {groups} styles, {offers} offers"


def _filter_texts(f: Filters, zh: bool) -> list[str]:
    """The filters the buyer set, so a shared report says what was (and was not) searched."""
    parts = []
    if f.price_min is not None or f.price_max is not None:
        parts.append(f"¥{decimal_text(f.price_min) or ''}–{decimal_text(f.price_max) or ''}")
    if f.min_order_max is not None:
        parts.append(f"起批≤{f.min_order_max}" if zh else f"min. order ≤{f.min_order_max}")
    if f.in_stock_only:
        parts.append("仅有货" if zh else "in stock only")
    if f.credit_level:
        parts.append(f"信誉≥{f.credit_level}" if zh else f"credit ≥{f.credit_level}")
    if f.category:
        parts.append(f.category)
    return parts


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_text(value) or ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def write_csv(
    sections: Sequence[ExportSection], path: Path, *, language: str | None = None
) -> None:
    """UTF-8 with a BOM (Excel then reads Chinese right); formula-like text neutralised."""
    zh = _zh(language)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = [h for h, c in zip(_header(zh), COLUMNS, strict=True) if c[0] != "picture"]
    keys = [c[0] for c in COLUMNS if c[0] != "picture"]
    writer.writerow(["section", *header] if len(sections) > 1 else header)
    for section in sections:
        for row in _rows(section):
            values = _values(row, section, zh)
            cells = [_csv_cell(values[k]) for k in keys]
            if len(sections) > 1:
                cells.insert(0, neutralise(section.title))
            writer.writerow(cells)
    write_atomically(Path(path), out.getvalue().encode("utf-8-sig"))


def _picture(data: bytes | None, size: int = THUMB_EXPORT_PX) -> bytes | None:
    """A small JPEG of a stored picture; None if there is none or it cannot be decoded."""
    if not data:
        return None
    from vvic_desktop.core.errors import PictureUnavailable

    try:
        return small_jpeg(data, size)
    except PictureUnavailable:
        return None


def write_xlsx(
    sections: Sequence[ExportSection],
    path: Path,
    thumbnails: ThumbnailLookup,
    *,
    language: str | None = None,
) -> None:
    """One sheet: a heading per section, then its rows with pictures embedded in the cells."""
    import xlsxwriter

    zh = _zh(language)
    with written_beside(Path(path)) as tmp:
        book = xlsxwriter.Workbook(
            str(tmp),
            {"strings_to_formulas": False, "strings_to_urls": False,
             "strings_to_numbers": False},
        )
        sheet = book.add_worksheet("搜款结果" if zh else "Results")
        bold = book.add_format({"bold": True, "bg_color": "#FFE7D6", "border": 1})
        heading = book.add_format({"bold": True, "font_size": 12, "bg_color": "#FFF4EC",
                                   "valign": "vcenter"})
        money = book.add_format({"num_format": "¥#,##0.00", "valign": "vcenter"})
        percent = book.add_format({"num_format": "0%", "valign": "vcenter"})
        text = book.add_format({"text_wrap": True, "valign": "vcenter"})
        best = book.add_format({"bold": True, "font_color": "#C04000", "valign": "vcenter",
                                "align": "center"})
        link = book.add_format({"font_color": "blue", "underline": 1, "valign": "vcenter"})
        plain = book.add_format({"valign": "vcenter"})
        for col, (_key, _zh_name, _en_name, width) in enumerate(COLUMNS):
            sheet.set_column(col, col, width)
        sheet.write_row(0, 0, _header(zh), bold)
        sheet.freeze_panes(1, 0)
        # printed for the purchase run: landscape A4, the header on every page. All the
        # columns on one page wide printed at about 6 pt; instead the columns are split over
        # PRINT_PAGES_WIDE pages with style, best, picture and title repeated on each, which
        # keeps the text at about 10 pt (print_scale_pt gives the figure).
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        sheet.fit_to_pages(PRINT_PAGES_WIDE, 0)
        sheet.repeat_rows(0)
        sheet.repeat_columns(0, PRINT_REPEATED_COLUMNS - 1)
        keys = [c[0] for c in COLUMNS]
        r = 1
        for section in sections:
            sheet.set_row(r, 90 if section.query_image else 20)
            sheet.write_string(r, 3, _section_heading(section, zh), heading)
            query = _picture(section.query_image, QUERY_PICTURE_PX)
            if query is not None:
                _place_picture(sheet, r, 2, "query.jpg", query)
            r += 1
            for row in _rows(section):
                values = _values(row, section, zh)
                sheet.set_row(r, 66)
                for col, key in enumerate(keys):
                    value = values[key]
                    if key == "picture":
                        pic = None if value else _picture(thumbnails(row.offer),
                                                          ROW_PICTURE_PX)
                        if pic is not None:
                            _place_picture(sheet, r, col, f"{row.offer.item_id}.jpg", pic)
                        elif value:
                            sheet.write_string(r, col, value, text)
                    elif value is None or value == "":
                        continue
                    elif key == "link":
                        sheet.write_url(r, col, value, link, string=value[:250])
                    elif isinstance(value, Decimal):
                        sheet.write_number(r, col, float(value), money)
                    elif key == "similarity":
                        sheet.write_number(r, col, float(value), percent)
                    elif isinstance(value, int | float):
                        sheet.write_number(r, col, value, plain)
                    elif key in ("best", "shortlisted"):
                        sheet.write_string(r, col, value, best)
                    else:
                        sheet.write_string(r, col, neutralise(str(value)), text)
                r += 1
        sheet.autofilter(0, 0, max(r - 1, 1), len(COLUMNS) - 1)
        book.close()


@contextlib.contextmanager
def written_beside(path: Path) -> Iterator[Path]:
    """A temp file beside `path` to write; renamed into place when the block ends, removed
    on any error (an OSError becomes the user's StorageError)."""
    tmp = _temp_beside(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise storage_error(exc) from None
    except BaseException:
        _discard(tmp)
        raise


def _place_picture(sheet: Any, row: int, col: int, name: str, data: bytes,
                   url: str = "") -> None:
    """A picture anchored to its cell (moves and sizes with it; every spreadsheet shows it);
    with `url`, clicking it opens that link."""
    options: dict[str, Any] = {
        "image_data": io.BytesIO(data), "x_offset": 3, "y_offset": 3, "object_position": 1,
    }
    if url:
        options["url"] = url
    sheet.insert_image(row, col, name, options)


def write_html(
    sections: Sequence[ExportSection],
    path: Path,
    thumbnails: ThumbnailLookup,
    *,
    language: str | None = None,
) -> None:
    """A self-contained report: inline CSS, pictures as data: URIs, no script, no request."""
    zh = _zh(language)
    e = html.escape
    keys = [c[0] for c in COLUMNS]
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'\">",
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e('搜款结果' if zh else 'Search results')}</title>",
        # a phone: the page is as wide as the screen and the wide table scrolls sideways in
        # its box; no cell is squeezed to one Chinese character a line (min-width, a short
        # link text)
        "<style>body{font-family:system-ui,'Microsoft YaHei','PingFang SC',sans-serif;"
        "margin:8px;color:#222}div.wide{overflow-x:auto;-webkit-overflow-scrolling:touch;"
        "margin-bottom:24px}table{border-collapse:collapse;min-width:100%}"
        "th,td{border:1px solid #ddd;padding:4px 6px;font-size:13px;vertical-align:middle}"
        "th{white-space:nowrap}td{min-width:3em}td.title{min-width:14em}"
        "td.link{white-space:nowrap}"
        "th{background:#ffe7d6;position:sticky;top:0}tr.first td{border-top:2px solid #f60}"
        "td.num{text-align:right;white-space:nowrap}td.best{color:#c04000;font-weight:bold}"
        "h2{font-size:16px;background:#fff4ec;padding:6px}img{max-width:96px;max-height:96px}"
        "@media print{th{position:static}}</style></head><body>",
    ]
    for section in sections:
        parts.append(f"<h2>{e(_section_heading(section, zh))}</h2>")
        query = _picture(section.query_image, 160)
        if query is not None:
            parts.append(f'<p><img alt="" src="{_data_uri(query)}"></p>')
        parts.append('<div class="wide"><table><thead><tr>')
        parts += [f"<th>{e(h)}</th>" for h in _header(zh)]
        parts.append("</tr></thead><tbody>")
        for row in _rows(section):
            values = _values(row, section, zh)
            parts.append('<tr class="first">' if row.first_in_group else "<tr>")
            for key in keys:
                value = values[key]
                if key == "picture":
                    pic = None if value else _picture(thumbnails(row.offer))
                    cell = f'<img alt="" src="{_data_uri(pic)}">' if pic else e(value or "")
                    parts.append(f"<td>{cell}</td>")
                elif key == "link" and value:
                    label = "打开" if zh else "Open"
                    parts.append(f'<td class="link"><a href="{e(value)}" title="{e(value)}" '
                                 f'rel="noopener noreferrer">{label}</a></td>')
                elif key == "title":
                    parts.append(f'<td class="title">{e("" if value is None else str(value))}</td>')
                elif isinstance(value, Decimal):
                    parts.append(f'<td class="num">{e(format_price(value, ""))}</td>')
                elif key == "similarity" and value is not None:
                    parts.append(f'<td class="num">{float(value):.0%}</td>')
                elif isinstance(value, int | float):
                    parts.append(f'<td class="num">{value}</td>')
                elif key in ("best", "shortlisted") and value:
                    parts.append(f'<td class="best">{e(value)}</td>')
                else:
                    parts.append(f"<td>{e('' if value is None else str(value))}</td>")
            parts.append("</tr>")
        parts.append("</tbody></table></div>")
    parts.append("</body></html>")
    write_atomically(Path(path), "\n".join(parts).encode("utf-8"))


def _data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def export_sections(
    sections: Sequence[ExportSection],
    path: Path,
    thumbnails: ThumbnailLookup,
    *,
    language: str | None = None,
) -> str:
    """Write by the file's suffix (.csv, .xlsx, .html, .json); returns the format written."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        write_csv(sections, path, language=language)
    elif suffix == ".xlsx":
        write_xlsx(sections, path, thumbnails, language=language)
    elif suffix in (".html", ".htm"):
        write_html(sections, path, thumbnails, language=language)
    elif suffix == ".json":
        data: Any = (result_to_json(sections[0].result) if len(sections) == 1 else
                     {"sections": [{"title": s.title, **result_to_json(s.result)}
                                   for s in sections]})
        write_atomically(Path(path), json_text(data).encode())
    else:
        raise UnknownExportFormat("suffix", suffix=suffix or "?")
    return "html" if suffix == ".htm" else suffix.lstrip(".")


def _temp_beside(path: Path) -> Path:
    folder = path.resolve().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=folder)
    except OSError as exc:
        raise storage_error(exc) from None
    os.close(fd)
    return Path(tmp)


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink()
