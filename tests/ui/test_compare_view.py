"""The compare view: a group's offers side by side and the painted price-spread strip."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QDesktopServices, QFont, QIcon, QMouseEvent
from PySide6.QtWidgets import QApplication
from ui.results_data import jpeg, offer

from vvic_desktop.core.style_groups import make_group
from vvic_desktop.ui.compare_view import (
    BEST_COLOUR,
    Column,
    CompareView,
    PriceSpreadStrip,
    spread_points,
)
from vvic_desktop.ui.results import ThumbnailLoader


@pytest.fixture
def group():
    return make_group([
        offer("000001", "90", credit="A", stall="甲", stock=0, min_order=5, similarity=0.91),
        offer("000002", "60", credit="A", stall="乙", stock=120, min_order=2, similarity=0.88),
        offer("000003", "50", credit="C", stall="丙", stock=None, min_order=None),
        offer("000004", "70", credit="B", stall="丁", stock=8, min_order=3,
              url="file:///etc/passwd"),
    ])


@pytest.fixture
def compare(qtbot, pools):
    data = jpeg((30, 160, 60))
    loader = ThumbnailLoader(pools, lambda urls, cancel: {u: data for u in urls})
    view = CompareView(loader)
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def _cell(view: CompareView, row: int, column: Column) -> str:
    return view.model.index(row, column).data()


def test_offers_side_by_side_best_first(compare, group):
    compare.set_group(group)
    model = compare.model
    assert compare.objectName() == "compareView" and compare.accessibleName()
    assert model.rowCount() == 4
    assert [model.offer(r).item_id for r in range(4)] == ["000002", "000001", "000004", "000003"]
    assert _cell(compare, 0, Column.Price) == "¥60.00 (best offer)"
    assert model.index(0, Column.Price).data(Qt.ItemDataRole.FontRole).bold()
    assert not isinstance(model.index(1, Column.Price).data(Qt.ItemDataRole.FontRole), QFont)
    assert _cell(compare, 1, Column.Stock) == "Out of stock"
    assert _cell(compare, 3, Column.Stock) == "—"
    assert _cell(compare, 0, Column.MinOrder) == "2"
    assert _cell(compare, 0, Column.Credit) == "A"
    assert _cell(compare, 0, Column.Market) == "广州十三行"
    assert _cell(compare, 0, Column.Position) == "3F-002"
    assert _cell(compare, 0, Column.Stall) == "乙"
    assert _cell(compare, 0, Column.Similarity) == "88%"
    assert "4 stalls" in compare.summary.text() and "¥50.00 to ¥90.00" in compare.summary.text()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in Column]
    assert headers[Column.MinOrder] == "Min. order"


def test_pictures_arrive_in_the_table(qtbot, compare, group):
    compare.set_group(group)
    index = compare.model.index(0, Column.Picture)
    assert index.data() in ("Loading…", None)
    qtbot.waitUntil(lambda: isinstance(index.data(Qt.ItemDataRole.DecorationRole), QIcon),
                    timeout=5000)
    assert index.data() is None  # the placeholder text is gone


def test_strip_marks_min_median_max_and_best(compare, group):
    compare.set_group(group)
    strip = compare.strip
    assert strip.objectName() == "priceSpreadStrip"
    marks = strip.marker_positions()
    assert marks["min"] < marks["median"] < marks["max"]
    assert marks["best"] == pytest.approx(marks["min"] + (marks["max"] - marks["min"]) * 0.25)
    assert strip.describe() == "Lowest ¥50.00, median ¥60.00, highest ¥90.00, best offer ¥60.00."
    image = strip.grab().toImage()
    ratio = image.devicePixelRatio()
    y = strip.height() / 2 + 4
    best = image.pixelColor(QPoint(int(marks["best"] * ratio), int(y * ratio)))
    assert abs(best.red() - BEST_COLOUR.red()) < 30 and abs(best.blue() - BEST_COLOUR.blue()) < 30


def test_strip_counts_the_top_of_a_price_range(qtbot):
    strip = PriceSpreadStrip()
    qtbot.addWidget(strip)
    ranged = dataclasses.replace(offer("000009", "60"), price_max=Decimal("95"))
    strip.set_group(make_group([offer("000008", "50"), ranged]))
    assert "highest ¥95.00" in strip.describe()


def test_one_price_and_no_group(qtbot):
    strip = PriceSpreadStrip()
    qtbot.addWidget(strip)
    strip.resize(400, 96)
    strip.set_group(make_group([offer("000001", "30"), offer("000002", "30")]))
    marks = strip.marker_positions()
    assert marks["min"] == marks["max"] == marks["best"] == pytest.approx(200)
    strip.grab()  # paints without dividing by a zero span
    strip.set_group(None)
    assert strip.marker_positions() == {}
    assert strip.describe() == "No prices to compare."
    strip.grab()


def test_spread_points():
    assert spread_points([Decimal(10), Decimal(20), Decimal(15)], Decimal(10), Decimal(20),
                         0, 100) == [0, 100, 50]


def test_double_click_opens_web_links_only(qtbot, compare, group, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    messages: list[str] = []
    compare.statusMessage.connect(messages.append)
    compare.set_group(group)
    table = compare.table
    for row in (0, 2):  # a web link, then a file: link
        rect = table.visualRect(compare.model.index(row, Column.Stall))
        for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                     QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseButtonRelease):
            centre = rect.center()
            QApplication.sendEvent(table.viewport(), QMouseEvent(
                kind, QPointF(centre), QPointF(table.viewport().mapToGlobal(centre)),
                Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton,
                Qt.KeyboardModifier.NoModifier))
    assert opened == ["https://www.vvic.com/item/000002"]
    assert messages == ["This listing has no web link."]


def test_empty_view_explains_itself(compare):
    compare.set_group(None)
    assert compare.model.rowCount() == 0
    assert compare.group() is None
    assert compare.title.text() == "No style selected"


def test_a_row_whose_picture_is_unusable_says_so(qtbot, compare, group):
    marked = group.offers[0]
    marked.extra["picture_unavailable"] = "damaged_image"  # core.pipeline's mark
    compare.set_group(group)
    row = next(r for r in range(compare.model.rowCount()) if compare.model.offer(r) is marked)
    index = compare.model.index(row, Column.Picture)
    assert index.data() == "Picture unavailable"
    assert index.data(Qt.ItemDataRole.DecorationRole) is None  # never fetched
