"""The purchase list taken to the market: XLSX to print, an HTML route sheet for the phone,
plain text per stall for messaging.

Every format follows the plan's walking order (a section per stall), carries each line's
货号/title, note, price, quantity and subtotal, the stall's total and MOQ warning, and the
grand total. Pictures come from the lines' own small JPEGs (no network, no store). Escaping,
formula neutralising, data: URIs and atomic writes are `storage.export`'s.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from vvic_desktop.core.purchase import (
    PlannedLine,
    PurchaseLine,
    PurchasePlan,
    StallSection,
    line_label,
    money,
    plan_text,
)
from vvic_desktop.storage.export import (
    ROW_PICTURE_PX,
    UnknownExportFormat,
    _data_uri,
    _is_web_link,
    _picture,
    _place_picture,
    _zh,
    neutralise,
    written_beside,
)
from vvic_desktop.storage.files import write_atomically

PictureLookup = Callable[[PurchaseLine], bytes | None]

# key, zh, en, XLSX width (portrait A4: the sum prints one page wide)
COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("tick", "✓", "✓", 4),
    ("picture", "图片", "Picture", 12),
    ("item", "货号 / 标题", "Style no. / title", 32),
    ("note", "备注", "Note", 12),
    ("price", "单价", "Price", 8),
    ("qty", "数量", "Qty", 6),
    ("subtotal", "小计", "Subtotal", 10),
    ("moq", "起批", "MOQ", 6),
    ("hint", "提示", "Hint", 20),
)


def section_heading(index: int, section: StallSection, zh: bool) -> str:
    where = " · ".join(x for x in (section.market, section.position) if x)
    stall = section.stall or ("（未知档口）" if zh else "(unknown stall)")
    credit = ""
    if section.credit_level:
        credit = f" · {'信誉' if zh else 'credit'} {section.credit_level}"
    mixed = (" · 可混批" if zh else " · mixing allowed") if section.mixed else ""
    return f"{index}. {stall}" + (f" · {where}" if where else "") + credit + mixed


def section_total(section: StallSection, zh: bool, *, with_money: bool = True) -> str:
    amount = f" ¥{money(section.total)}" if with_money else ""
    text = (f"合计 {section.quantity} 件{amount}" if zh
            else f"Total {section.quantity} pcs{amount}")
    if section.below_moq:
        text += " · 未达起批量" if zh else " · below minimum order"
    return text


def grand_total(plan: PurchasePlan, zh: bool, *, with_money: bool = True) -> str:
    if zh:
        amount = f"，¥{money(plan.total)}" if with_money else ""
        return (f"总计：{len(plan.sections)} 个档口，{plan.line_count} 款，"
                f"{plan.quantity} 件{amount}")
    amount = f", ¥{money(plan.total)}" if with_money else ""
    return (f"Grand total: {len(plan.sections)} stalls, {plan.line_count} lines, "
            f"{plan.quantity} pcs{amount}")


def hint_text(planned: PlannedLine, zh: bool) -> str:
    """The line's MOQ warning and cheaper stall, in words."""
    parts = []
    if planned.below_moq:
        parts.append(f"未达起批量 {planned.moq}" if zh else f"below MOQ {planned.moq}")
    if planned.cheaper is not None:
        parts.append(_cheaper_only(planned, zh))
    return "；".join(parts) if zh else "; ".join(parts)


def write_xlsx(plan: PurchasePlan, path: Path, pictures: PictureLookup, *,
               language: str | None = None) -> None:
    """One sheet, a section per stall in walking order, a tick column, printed one page
    wide (portrait A4, the header repeated on each page)."""
    import xlsxwriter

    zh = _zh(language)
    with written_beside(Path(path)) as tmp:
        book = xlsxwriter.Workbook(
            str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                       "strings_to_numbers": False})
        sheet = book.add_worksheet("进货单" if zh else "Purchase list")
        header = book.add_format({"bold": True, "bg_color": "#FFE7D6", "border": 1,
                                  "align": "center", "valign": "vcenter"})
        heading = book.add_format({"bold": True, "font_size": 12, "bg_color": "#FFF4EC",
                                   "valign": "vcenter"})
        tick = book.add_format({"border": 2, "align": "center", "valign": "vcenter",
                                "font_size": 14})
        text = book.add_format({"text_wrap": True, "valign": "vcenter"})
        warn = book.add_format({"text_wrap": True, "valign": "vcenter", "font_color": "#B91C1C"})
        money_fmt = book.add_format({"num_format": "¥#,##0.00", "valign": "vcenter"})
        plain = book.add_format({"valign": "vcenter", "align": "center"})
        total_fmt = book.add_format({"bold": True, "num_format": "¥#,##0.00", "top": 1})
        total_text = book.add_format({"bold": True, "top": 1, "align": "right"})
        total_warn = book.add_format({"bold": True, "top": 1, "align": "right",
                                      "font_color": "#B91C1C"})
        keys = [c[0] for c in COLUMNS]
        for col, (_key, _zh_name, _en_name, width) in enumerate(COLUMNS):
            sheet.set_column(col, col, width)
        sheet.write_row(0, 0, [c[1] if zh else c[2] for c in COLUMNS], header)
        sheet.freeze_panes(1, 0)
        sheet.set_portrait()
        sheet.set_paper(9)  # A4
        sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
        sheet.set_header("&L&\"-,Bold\"" + ("进货单" if zh else "Purchase list") + "&R&P / &N")
        last = len(COLUMNS) - 1
        r = 1
        for index, section in enumerate(plan.sections, 1):
            sheet.set_row(r, 22)
            sheet.merge_range(r, 0, r, last, neutralise(section_heading(index, section, zh)),
                              heading)
            r += 1
            for planned in section.lines:
                line = planned.line
                o = line.offer
                sheet.set_row(r, 66)
                sheet.write_string(r, keys.index("tick"), "", tick)
                pic = _picture(pictures(line), ROW_PICTURE_PX)
                if pic is not None:
                    link = o.detail_url if _is_web_link(o.detail_url) else ""
                    _place_picture(sheet, r, keys.index("picture"), f"{line.id}.jpg", pic,
                                   url=link)
                # the text wraps in its cell (a link cell would not): the picture is the link
                sheet.write_string(r, keys.index("item"), neutralise(line_label(o, 60)), text)
                if line.note:
                    sheet.write_string(r, keys.index("note"), neutralise(line.note), text)
                if o.price is not None:
                    sheet.write_number(r, keys.index("price"), float(o.price), money_fmt)
                sheet.write_number(r, keys.index("qty"), line.quantity, plain)
                if line.subtotal is not None:
                    sheet.write_number(r, keys.index("subtotal"), float(line.subtotal),
                                       money_fmt)
                if planned.moq is not None:
                    sheet.write_number(r, keys.index("moq"), planned.moq, plain)
                hint = hint_text(planned, zh)
                if hint:
                    sheet.write_string(r, keys.index("hint"), neutralise(hint),
                                       warn if planned.below_moq else text)
                r += 1
            sheet.merge_range(r, 0, r, keys.index("subtotal") - 1,
                              section_total(section, zh, with_money=False),
                              total_warn if section.below_moq else total_text)
            sheet.write_number(r, keys.index("subtotal"), float(section.total), total_fmt)
            r += 2
        sheet.set_row(r, 22)
        sheet.merge_range(r, 0, r, keys.index("subtotal") - 1,
                          grand_total(plan, zh, with_money=False), total_text)
        sheet.write_number(r, keys.index("subtotal"), float(plan.total), total_fmt)
        sheet.print_area(0, 0, r, last)
        book.close()


_CSS = (
    "body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;"
    "padding:8px;color:#222;background:#fafafa;font-size:16px}"
    "h1{font-size:20px;margin:8px 4px}"
    "section{background:#fff;border:1px solid #e5e5e5;border-radius:8px;margin:10px 0;"
    "padding:8px}"
    "h2{font-size:17px;margin:2px 0 6px;color:#9a3412}"
    ".where{font-size:15px;color:#555;margin-bottom:6px}"
    "label.line{display:flex;gap:8px;align-items:center;padding:6px 0;"
    "border-top:1px solid #eee}"
    "label.line input{width:24px;height:24px;flex:none}"
    "label.line input:checked~.txt{text-decoration:line-through;color:#999}"
    "img{width:64px;height:64px;object-fit:cover;border-radius:4px;flex:none}"
    ".noimg{width:64px;height:64px;background:#eee;border-radius:4px;flex:none}"
    ".txt{flex:1;min-width:0;overflow-wrap:anywhere}"
    ".qty{font-weight:bold;white-space:nowrap}"
    ".warn{color:#b91c1c;font-size:14px}.hint{color:#15803d;font-size:14px}"
    ".total{text-align:right;font-weight:bold;padding-top:6px;border-top:1px solid #ddd}"
    ".grand{font-size:18px;font-weight:bold;text-align:right;margin:12px 4px}"
    "a{color:#1d4ed8}"
)


def write_html(plan: PurchasePlan, path: Path, pictures: PictureLookup, *,
               language: str | None = None) -> None:
    """A route sheet for the phone: one file, no script, no request (pictures as data: URIs,
    a CSP that forbids any fetch), a tick box per line, every text escaped."""
    zh = _zh(language)
    e = html.escape
    title = "进货单 · 拿货路线" if zh else "Purchase list · route"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'\">",
        '<meta name="referrer" content="no-referrer">',
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="grand">{e(grand_total(plan, zh))}</p>',
    ]
    for index, section in enumerate(plan.sections, 1):
        stall = section.stall or ("（未知档口）" if zh else "(unknown stall)")
        parts.append(f"<section><h2>{index}. {e(stall)}</h2>")
        where = " · ".join(x for x in (section.market, section.position) if x)
        extra = []
        if section.credit_level:
            extra.append(("信誉 " if zh else "credit ") + section.credit_level)
        if section.mixed:
            extra.append("可混批" if zh else "mixing allowed")
        line = " · ".join([where, *extra]) if where else " · ".join(extra)
        if line:
            parts.append(f'<div class="where">{e(line)}</div>')
        for planned in section.lines:
            parts.append(_html_line(planned, pictures, zh))
        cls = "total warn" if section.below_moq else "total"
        parts.append(f'<div class="{cls}">{e(section_total(section, zh))}</div></section>')
    parts.append(f'<p class="grand">{e(grand_total(plan, zh))}</p></body></html>')
    write_atomically(Path(path), "\n".join(parts).encode("utf-8"))


def _html_line(planned: PlannedLine, pictures: PictureLookup, zh: bool) -> str:
    e = html.escape
    line = planned.line
    o = line.offer
    pic = _picture(pictures(line))
    img = f'<img alt="" src="{_data_uri(pic)}">' if pic else '<span class="noimg"></span>'
    label = e(line_label(o))
    if _is_web_link(o.detail_url):
        label = f'<a href="{e(o.detail_url)}" rel="noopener noreferrer">{label}</a>'
    price = f"¥{money(o.price)}" if o.price is not None else ("价格未知" if zh else "no price")
    qty = f"× {line.quantity}"
    sub = f" = ¥{money(line.subtotal)}" if line.subtotal is not None else ""
    bits = [f'<span class="txt">{label}']
    if line.note:
        bits.append(f"<br>{e(line.note)}")
    bits.append(f'<br><span class="qty">{e(price)} {e(qty)}{e(sub)}</span>')
    if planned.below_moq:
        bits.append(f'<br><span class="warn">'
                    f"{e(('未达起批量 ' if zh else 'below MOQ ') + str(planned.moq))}</span>")
    if planned.cheaper is not None:
        bits.append(f'<br><span class="hint">{e(_cheaper_only(planned, zh))}</span>')
    bits.append("</span>")
    return f'<label class="line"><input type="checkbox">{img}{"".join(bits)}</label>'


def _cheaper_only(planned: PlannedLine, zh: bool) -> str:
    c = planned.cheaper
    assert c is not None
    where = " ".join(x for x in (c.offer.stall.name, c.offer.stall.position) if x)
    return (f"更便宜：{where} ¥{money(c.offer.price)}，省 ¥{money(c.saving)}" if zh
            else f"cheaper: {where} ¥{money(c.offer.price)}, save ¥{money(c.saving)}")


def write_text(plan: PurchasePlan, path: Path, *, language: str | None = None) -> None:
    write_atomically(Path(path), plan_text(plan, zh=_zh(language)).encode("utf-8"))


def export_plan(plan: PurchasePlan, path: Path, pictures: PictureLookup, *,
                language: str | None = None) -> str:
    """Write by suffix (.xlsx, .html/.htm, .txt); returns the format written."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        write_xlsx(plan, path, pictures, language=language)
    elif suffix in (".html", ".htm"):
        write_html(plan, path, pictures, language=language)
    elif suffix == ".txt":
        write_text(plan, path, language=language)
    else:
        raise UnknownPurchaseFormat("suffix", suffix=suffix or "?")
    return "html" if suffix == ".htm" else suffix.lstrip(".")


class UnknownPurchaseFormat(UnknownExportFormat):
    code = "purchase_export_format"
    zh = "进货单不能导出为“{suffix}”。请用 .xlsx、.html 或 .txt 作为文件扩展名。"
    en = "The purchase list cannot be exported to “{suffix}”. Use .xlsx, .html or .txt."
