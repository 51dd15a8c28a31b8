"""The results grid as a user meets it: lazy thumbnails, the expand toggle, double-click,
context menu, painting states, and a GUI thread that never stalls on 10,000 results."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QEvent, QItemSelectionModel, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QDesktopServices, QGuiApplication, QMouseEvent
from PySide6.QtWidgets import QApplication, QListView
from ui.results_data import jpeg, offer, synthetic_groups

from vvic_desktop.core.style_groups import make_group
from vvic_desktop.ui.results import (
    ResultsModel,
    ResultsView,
    Roles,
    ThumbnailLoader,
    ThumbState,
)
from vvic_desktop.ui.results import model as results_model
from vvic_desktop.ui.results.delegate import CARD_SIZE, PLACEHOLDER_BG, thumb_rect, toggle_rect
from vvic_desktop.ui.results.view import is_web_url

RED = (220, 30, 30)


class Pictures:
    """A fast picture source: red JPEGs, except URLs containing "broken"."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.threads: list[threading.Thread] = []
        self.data = jpeg(RED, (300, 300))

    def __call__(self, urls, cancel):
        self.asked.extend(urls)
        self.threads.append(threading.current_thread())
        return {u: (b"garbage" if "broken" in u else self.data) for u in urls}


@pytest.fixture
def pictures():
    return Pictures()


@pytest.fixture
def grid(qtbot, pools, pictures):
    loader = ThumbnailLoader(pools, pictures)
    model = ResultsModel(loader, pools=pools)
    view = ResultsView(model, loader)
    qtbot.addWidget(view)
    view.resize(4 * CARD_SIZE.width() + 40, 2 * CARD_SIZE.height() + 20)
    view.show()
    qtbot.waitExposed(view)
    return view, model, loader


def double_click(widget, pos: QPoint) -> None:
    """A real double-click sequence (QTest's mouseDClick skips the first press/release pair,
    which the view needs to remember the pressed card)."""
    for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                 QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseButtonRelease):
        event = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)),
                            Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, event)


def _visible_rows(view: ResultsView) -> list[int]:
    area = view.viewport().rect()
    return [r for r in range(view.model().rowCount())
            if view.visualRect(view.model().index(r)).intersects(area)]


def test_names_and_mode(grid):
    view, _model, _loader = grid
    assert view.objectName() == "resultsView"
    assert view.accessibleName()
    assert view.viewMode() == QListView.ViewMode.IconMode
    assert view.uniformItemSizes()


def test_only_visible_cards_load_their_pictures(qtbot, grid, pictures):
    view, model, loader = grid
    model.set_groups(synthetic_groups(400, per_group=1))
    qtbot.waitUntil(lambda: bool(pictures.asked), timeout=3000)
    visible = _visible_rows(view)
    urls = {model.index(r).data(Roles.ImageUrl) for r in visible}
    qtbot.waitUntil(lambda: all(loader.pixmap(u) is not None for u in urls), timeout=5000)
    assert set(pictures.asked) == urls  # nothing off screen was fetched
    last = model.index(model.rowCount() - 1)
    # The view lays cards out in batches of 100 between events; scrolling before the last
    # batch is laid out would land on a bottom that later moves (a busy machine's CI failed so).
    qtbot.waitUntil(lambda: view.visualRect(last).isValid(), timeout=3000)
    view.scrollToBottom()
    qtbot.waitUntil(lambda: last.data(Roles.ImageUrl) in pictures.asked, timeout=3000)
    assert len(pictures.asked) < 60


def test_a_picture_arrives_as_data_changed_for_its_rows_only(qtbot, grid, pictures):
    _view, model, loader = grid
    shared = "http://img.test/shared.jpg"
    groups = [make_group([offer(f"{i:06d}", "10", image_url=shared if i == 3 else None)])
              for i in range(6)]
    model.set_groups(groups)
    qtbot.waitUntil(lambda: loader.pixmap(shared) is not None, timeout=5000)
    qtbot.waitUntil(lambda: len(pictures.asked) == 6, timeout=5000)
    changed: list[int] = []
    model.dataChanged.connect(lambda a, b, roles: changed.extend(range(a.row(), b.row() + 1)))
    loader.ready.emit([shared])
    assert changed == [model.row_of_group(groups[3].group_id)]


def test_cards_paint_picture_placeholder_and_no_image(qtbot, grid):
    view, model, _loader = grid
    groups = [make_group([offer("000001", "10")]),
              make_group([offer("000002", "12", image_url="http://img.test/broken.jpg")]),
              make_group([offer("000003", "14", image_url="")])]
    model.set_groups(groups)
    rows = [model.row_of_group(g.group_id) for g in groups]
    assert model.index(rows[2]).data(Roles.ThumbnailState) == ThumbState.NONE
    qtbot.waitUntil(lambda: [model.index(r).data(Roles.ThumbnailState) for r in rows[:2]]
                    == [ThumbState.READY, ThumbState.FAILED], timeout=5000)
    image = view.viewport().grab().toImage()

    def centre_colour(row: int) -> QColor:
        centre = thumb_rect(view.visualRect(model.index(row))).center() + QPoint(0, 40)
        return image.pixelColor(int(centre.x() * image.devicePixelRatio()),
                                int(centre.y() * image.devicePixelRatio()))

    picture = centre_colour(rows[0])
    assert picture.red() > 180 and picture.green() < 80  # the red picture
    for row in rows[1:]:  # a broken picture and no picture: the "No image" panel
        assert centre_colour(row) == PLACEHOLDER_BG


def test_toggle_click_expands_in_place_keeping_selection_and_scroll(qtbot, grid):
    view, model, _loader = grid
    groups = synthetic_groups(60, per_group=3, seed=4)
    model.set_groups(groups)
    view.verticalScrollBar().setValue(CARD_SIZE.height() // 2)
    qtbot.waitUntil(lambda: bool(_visible_rows(view)), timeout=2000)
    visible = _visible_rows(view)
    target = next(r for r in visible if model.index(r).data(Roles.OfferCount) > 1
                  and view.visualRect(model.index(r)).top() >= 0)
    chosen = model.index(visible[-1])
    chosen_item = chosen.data(Roles.Offer).key
    view.selectionModel().select(chosen, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    scroll = view.verticalScrollBar().value()
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    count = model.index(target).data(Roles.OfferCount)
    where = toggle_rect(view.visualRect(model.index(target)), view.font()).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert inserted == [(target + 1, target + count)]
    assert model.index(target).data(Roles.Expanded)
    assert view.verticalScrollBar().value() == scroll
    selected = view.selectionModel().selectedIndexes()  # the toggle click did not select
    assert [(i.data(Roles.Kind), i.data(Roles.Offer).key) for i in selected] == [
        ("group", chosen_item)]
    view.setCurrentIndex(model.index(target))
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert not model.index(target).data(Roles.Expanded)


def test_double_click_opens_only_web_links(qtbot, grid, monkeypatch):
    view, model, _loader = grid
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    model.set_groups([make_group([offer("000001", "10")]),
                      make_group([offer("000002", "11", url="javascript:alert(1)")])])
    messages: list[str] = []
    view.statusMessage.connect(messages.append)
    for row in range(2):
        double_click(view.viewport(), thumb_rect(view.visualRect(model.index(row))).center())
    assert opened == ["https://www.vvic.com/item/000001"]
    assert messages == ["This listing has no web link."]


def test_context_menu_copies_and_asks_for_the_compare_view(qtbot, grid):
    view, model, _loader = grid
    group = make_group([offer("000001", "10", stall="陈记"), offer("000002", "12")])
    model.set_groups([group])
    menu = view.context_menu_for(model.index(0))
    actions = {a.objectName(): a for a in menu.actions() if a.objectName()}
    clipboard = QGuiApplication.clipboard()
    actions["copyLink"].trigger()
    assert clipboard.text() == group.best_offer.detail_url
    actions["copyTitle"].trigger()
    assert clipboard.text() == group.best_offer.title
    actions["copyStall"].trigger()
    assert clipboard.text() == "陈记 广州十三行 3F-001"
    with qtbot.waitSignal(view.compareRequested) as blocker:
        actions["compareGroup"].trigger()
    assert blocker.args == [group]
    actions["toggleGroup"].trigger()
    assert model.rowCount() == 3


def test_is_web_url():
    assert is_web_url("https://www.vvic.com/item/1")
    assert is_web_url("http://item.taobao.com/x?id=1")
    for bad in ("", "javascript:alert(1)", "file:///etc/passwd", "ftp://x/y", "https://"):
        assert not is_web_url(bad), bad


def test_10000_results_load_off_the_gui_thread_while_its_events_keep_flowing(
    qtbot, grid, pictures, monkeypatch
):
    """The GUI thread hands 10,000 results to a worker and keeps processing events while
    the worker sorts and flattens them; pictures decode on workers too. (How long the
    heartbeat's longest gap is on this machine: tests/bench/bench_results.py.)"""
    view, model, loader = grid
    model.set_groups(synthetic_groups(8, per_group=2, seed=8))
    assert model.rowCount() == 8  # a small set is shown at once, inline
    gui = threading.current_thread()
    built_on: list[threading.Thread] = []
    release = threading.Event()
    real_rows_for = results_model.rows_for

    def held_rows_for(*args, **kwargs):
        built_on.append(threading.current_thread())
        release.wait(60)  # hold the worker: the GUI thread must not be waiting for it
        return real_rows_for(*args, **kwargs)

    monkeypatch.setattr(results_model, "rows_for", held_rows_for)
    beats: list[int] = []
    heartbeat = QTimer()
    heartbeat.setInterval(1)
    heartbeat.timeout.connect(lambda: beats.append(1))
    model.set_groups(synthetic_groups(10_000, per_group=1, seed=9))
    assert model.busy and model.rowCount() == 8  # handed over: the old rows still shown
    heartbeat.start()
    qtbot.waitUntil(lambda: len(beats) >= 20 and bool(built_on), timeout=10_000)
    assert model.busy and model.rowCount() == 8  # events flowed while the worker was held
    with qtbot.waitSignal(model.rowsRebuilt, timeout=60_000):
        release.set()
    heartbeat.stop()
    assert built_on and gui not in built_on
    assert model.rowCount() == 10_000 and not model.busy
    pictures.threads.clear()
    # the view lays the cards out in slices of 100, an event-loop turn each
    end = model.index(model.rowCount() - 1)
    qtbot.waitUntil(lambda: view.visualRect(end).isValid(), timeout=60_000)
    bar = view.verticalScrollBar()
    for step in range(1, 6):  # and the user scrolls while pictures arrive
        bar.setValue(step * bar.maximum() // 5)
        qtbot.wait(10)
    assert end.row() in _visible_rows(view)
    last = end.data(Roles.ImageUrl)
    qtbot.waitUntil(lambda: loader.pixmap(last) is not None, timeout=30_000)
    assert pictures.threads and gui not in pictures.threads  # fetched and decoded on workers


def _unusable(item: str, price: str, why: str = "url_refused"):
    marked = offer(item, price, image_url=f"http://img.test/never-{item}.jpg")
    marked.extra["picture_unavailable"] = why  # what core.pipeline marks
    return marked


def test_a_listing_whose_picture_is_unusable_says_so_and_is_never_fetched(
        qtbot, qapp, grid, pictures):
    from vvic_desktop import i18n

    view, model, _loader = grid
    groups = [make_group([offer("000001", "10")]), make_group([_unusable("000002", "12")])]
    model.set_groups(groups)
    good, bad = (model.index(model.row_of_group(g.group_id)) for g in groups)
    assert bad.data(Roles.PictureUnavailable) == "url_refused"
    assert good.data(Roles.PictureUnavailable) == ""
    # no endless placeholder: the state is final at once and the picture is never asked for
    assert bad.data(Roles.ThumbnailState) == ThumbState.FAILED
    assert bad.data(Roles.Thumbnail) is None
    assert view.delegate.placeholder_text(bad) == "Picture unavailable"
    qtbot.waitUntil(lambda: good.data(Roles.ThumbnailState) == ThumbState.READY, timeout=5000)
    assert not any("never-" in url for url in pictures.asked)
    image = view.viewport().grab().toImage()
    centre = thumb_rect(view.visualRect(bad)).center() + QPoint(0, 40)
    assert image.pixelColor(int(centre.x() * image.devicePixelRatio()),
                            int(centre.y() * image.devicePixelRatio())) == PLACEHOLDER_BG
    try:
        assert i18n.apply_language(qapp, "zh_CN")
        assert view.delegate.placeholder_text(bad) == "图片不可用"
    finally:
        assert i18n.apply_language(qapp, "en")


def test_a_group_card_says_so_when_its_representatives_picture_is_unusable(grid):
    _view, model, _loader = grid
    marked = _unusable("000001", "10")
    group = make_group([marked, offer("000002", "9")], representative=marked)
    model.set_groups([group])
    header = model.index(0)
    assert header.data(Roles.Offer) is not marked  # the best offer has a usable picture…
    assert header.data(Roles.PictureUnavailable) == "url_refused"  # …the card shows this one
    model.set_expanded(group.group_id, True)
    members = {model.index(r).data(Roles.Offer).item_id: model.index(r) for r in (1, 2)}
    assert members["000001"].data(Roles.PictureUnavailable) == "url_refused"
    assert members["000002"].data(Roles.PictureUnavailable) == ""
