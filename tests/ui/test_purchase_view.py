"""The 进货单 / Purchase list tab (pytest-qt, offscreen): stall sections in walking order with
pictures, in-place quantities, MOQ warnings, cheaper-stall swaps, copy and export; adding from
the results grid, the compare view and a saved search; the tab's badge; storage off the GUI
thread."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

import pytest
from library_data import make_result
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QPushButton, QSpinBox

from vvic_desktop.storage.purchase import PurchaseList
from vvic_desktop.ui.compare_view import CompareView
from vvic_desktop.ui.purchase_view import LINE_ROLE, Col, PurchaseView
from vvic_desktop.ui.results import Roles

from . import test_library_view
from .test_library_view import started

services = test_library_view.services  # the same fixture


@pytest.fixture
def view(qtbot, services, pools) -> PurchaseView:
    widget = PurchaseView(services, pools)
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    return widget


def shown(qtbot, view: PurchaseView, action=None) -> None:
    """Run `action` (default: a refresh) and wait until the tree shows the new plan."""
    with qtbot.waitSignal(view.planShown, timeout=10000):
        (action or view.refresh)()
    qtbot.waitUntil(lambda: view.pools.running == 0, timeout=10000)


def line_items(view: PurchaseView) -> list:
    out = []
    for i in range(view.tree.topLevelItemCount()):
        head = view.tree.topLevelItem(i)
        out += [head.child(j) for j in range(head.childCount())]
    return out


def filled(services) -> dict:
    """Four lines at four stalls of one saved search (groups of three)."""
    store = services.thumbnail_store
    result = make_result(store, 6, group_size=3, prices=["120.00", "100.00", "90.00",
                                                         "80.00", "70.00", "60.00"])
    services.library.save(result, name="春装")
    saved = services.library.get("春装")
    purchases = services.purchase_list
    ids = {}
    for item, qty in (("item-4", 1), ("item-0", 3), ("item-2", 2), ("item-3", 5)):
        ids[item] = purchases.add_from_saved(saved, item, quantity=qty)
    # make item-2 (90, credit C) a cheaper choice for item-1/0 by giving it credit A
    raw = services.database.read("SELECT id, group_data FROM purchase_lines")
    with services.database.transaction() as conn:
        for line_id, data in raw:
            entries = json.loads(data)
            for e in entries:
                e["offer"]["stall"]["credit_level"] = "A"
            conn.execute("UPDATE purchase_lines SET group_data = ? WHERE id = ?",
                         (json.dumps(entries), line_id))
    return ids


def test_sections_in_walking_order_with_pictures_totals_and_moq(qtbot, view, services) -> None:
    filled(services)
    reads = []
    original = PurchaseList.plan

    def spy(self):
        reads.append(threading.current_thread() is threading.main_thread())
        return original(self)

    PurchaseList.plan = spy  # type: ignore[method-assign]
    try:
        shown(qtbot, view)
    finally:
        PurchaseList.plan = original  # type: ignore[method-assign]
    assert reads == [False]  # the database is read on the storage pool
    heads = [view.tree.topLevelItem(i) for i in range(view.tree.topLevelItemCount())]
    # make_result: positions 3F-300+i, so the route is by stall number
    assert [h.text(Col.Item).split(" · ")[0] for h in heads] == [
        "1. 档口0", "2. 档口2", "3. 档口0", "4. 档口1"]
    assert ["3F-300" in heads[0].text(Col.Item), "3F-304" in heads[3].text(Col.Item)] == [
        True, True]
    assert [h.text(Col.Subtotal) for h in heads] == ["¥360.00", "¥180.00", "¥400.00", "¥70.00"]
    items = line_items(view)
    assert all(not it.icon(Col.Item).isNull() for it in items)  # pictures from the rows
    # MOQ 2 (make_result): the one-piece line is flagged, its stall too
    assert heads[3].text(Col.Moq) == "below minimum"
    assert "4 stalls · 4 lines · 11 pieces · total ¥1010.00" in view.summary.text()
    assert "1 below the minimum order" in view.summary.text()
    assert view.tab_title(4) == "Purchase list (4)"


def test_quantity_in_place_swap_copy_remove_export(qtbot, view, services, tmp_path) -> None:
    ids = filled(services)
    shown(qtbot, view)
    first = line_items(view)[0]
    line_id = first.data(0, LINE_ROLE)
    spin = view.tree.itemWidget(first, Col.Qty).findChild(QSpinBox)
    assert isinstance(spin, QSpinBox) and spin.value() == 3
    view.tree.setCurrentItem(first)
    shown(qtbot, view, lambda: spin.setValue(7))
    assert view.tree.currentItem().data(0, LINE_ROLE) == line_id  # still selected
    assert services.purchase_list.line(line_id).quantity == 7
    assert view.plan.find(line_id).line.quantity == 7

    # item-0 (120, A) has item-2 (90, now A) at another stall: the hint and its swap
    item0 = ids["item-0"]
    row = next(it for it in line_items(view) if it.data(0, LINE_ROLE) == item0)
    button = view.tree.itemWidget(row, Col.Cheaper).findChild(QPushButton)
    assert isinstance(button, QPushButton)
    assert "save ¥" in button.text() and "¥90.00" in button.text()
    shown(qtbot, view, button.click)
    assert services.purchase_list.line(item0).offer.item_id == "item-2"

    # copy one stall for messaging
    head = view.tree.topLevelItem(0)
    view.tree.setCurrentItem(head)
    view.copy_selected()
    text = QGuiApplication.clipboard().text()
    assert text.splitlines()[0] == "档口2 广州十三行 3F-302"  # item-0 moved here
    assert text == view.text_for(0)
    menu = view.context_menu_for(line_items(view)[0])
    assert {a.objectName() for a in menu.actions()} >= {
        "purchaseNote", "purchaseRemoveLine", "purchaseCopyStall"}

    # export on the storage pool
    out = tmp_path / "list.xlsx"
    with qtbot.waitSignal(view.statusMessage, timeout=10000) as said:
        view.export_to(out)
    assert said.args[1] is False and out.stat().st_size > 0

    # remove the selected line
    count = services.purchase_list.count()
    view.tree.setCurrentItem(line_items(view)[-1])
    shown(qtbot, view, view.remove_selected)
    assert services.purchase_list.count() == count - 1


def test_errors_are_messages_not_crashes(qtbot, view, services) -> None:
    shown(qtbot, view)
    assert view.placeholder.isVisible() and not view.export_button.isEnabled()
    with qtbot.waitSignal(view.statusMessage, timeout=10000) as said:
        view.set_quantity(12345, 3)
    text, is_error = said.args
    assert is_error and "not on the purchase list" in text


def test_add_from_a_saved_result_compare_view_and_badge(qtbot, make_window) -> None:
    window = started(qtbot, make_window(demo=False, show=False))
    tab = window.tabs.indexOf(window.purchase_view)
    assert window.tabs.tabText(tab) == "Purchase list"
    library = window.services.library
    search_id = library.save(make_result(window.services.thumbnail_store, 4, group_size=2),
                             name="标记")
    with qtbot.waitSignal(window.library_view.searchOpened, timeout=5000):
        window.library_view.open_search(search_id)
    menu = window.results_view.context_menu_for(window.results_model.index(0))
    add = next(a for a in menu.actions() if a.objectName() == "addToPurchase")
    with qtbot.waitSignal(window.purchase_view.planShown, timeout=10000):
        add.trigger()
    qtbot.waitUntil(lambda: window.tabs.tabText(tab) == "Purchase list (1)", timeout=5000)
    line = window.services.purchase_list.lines()[0]
    assert line.source == "标记" and len(line.group) == 1

    # the compare view of a group: its rows add too
    group = window.results_model.index(0).data(Roles.Group)
    window.open_compare(group)
    dialog = window.findChild(QDialog, "compareWindow")
    compare = dialog.findChild(CompareView)
    row_menu = compare.context_menu_for(1)
    add = next(a for a in row_menu.actions() if a.objectName() == "addToPurchase")
    with qtbot.waitSignal(window.purchase_view.planShown, timeout=10000):
        add.trigger()
    qtbot.waitUntil(lambda: window.tabs.tabText(tab) == "Purchase list (2)", timeout=5000)
    dialog.close()
    assert window.purchase_view.plan.total == sum(
        (ln.offer.price for ln in window.services.purchase_list.lines()), Decimal(0))
    assert window.action_export_purchase.text() == "Export &purchase list…"
