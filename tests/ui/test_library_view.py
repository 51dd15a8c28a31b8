"""The library tab and its wiring into the main window (pytest-qt, offscreen).

Saved searches come from `library_data.make_result` (pictures in the thumbnail store under
URLs on a refused loopback port) or from a real demo search whose sandbox is then stopped, so
"offline" means it: no picture can come from anywhere but the store.
"""

from __future__ import annotations

import csv
import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from library_data import make_result
from library_data import offer as make_offer
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QWidget

from vvic_desktop.core import errors
from vvic_desktop.core.models import OfferMark, SearchResult
from vvic_desktop.core.style_groups import make_group
from vvic_desktop.paths import AppPaths
from vvic_desktop.storage.library import Library
from vvic_desktop.ui.library import LibraryModel, LibraryView, export_file_name, split_tags
from vvic_desktop.ui.library import view as library_view
from vvic_desktop.ui.main_window import MainWindow
from vvic_desktop.ui.results import Roles, ThumbState

from .test_main_window import load_sample


@pytest.fixture
def services(open_services):
    return open_services()


@pytest.fixture
def view(qtbot, services, pools) -> LibraryView:
    widget = LibraryView(services, pools)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def refreshed(qtbot, view: LibraryView) -> list:
    with qtbot.waitSignal(view.listRefreshed, timeout=5000):
        view.refresh()
    return view.model.summaries()


def result_with(store, *, title: str, stall: str, source: str) -> SearchResult:
    """A result whose offers carry `title` and `stall` (to find it by the filter)."""
    base = make_result(store, 4, group_size=2, source=source)
    offers = [dataclasses.replace(o, title=f"{title} {i}",
                                  stall=dataclasses.replace(o.stall, name=stall))
              for i, o in enumerate(base.offers)]
    groups = [make_group(offers[i:i + 2]) for i in (0, 2)]
    return dataclasses.replace(base, offers=offers, groups=groups)


def started(qtbot, window: MainWindow) -> MainWindow:
    """Show `window` and wait until its library is open (the start-up read)."""
    with qtbot.waitSignal(window.libraryReady, timeout=10000):
        window.show()
    qtbot.waitUntil(lambda: window.pools.running == 0, timeout=10000)
    return window


def all_pictures_loaded(window: MainWindow) -> bool:
    model = window.results_model
    for row in range(model.rowCount()):
        index = model.index(row)
        index.data(Roles.Thumbnail)  # asks the loader, as painting does
        if index.data(Roles.ThumbnailState) != ThumbState.READY:
            return False
    return model.rowCount() > 0


# --- the list -----------------------------------------------------------------------------


def test_the_list_shows_saved_searches_with_counts_and_thumbnails(qtbot, view, services):
    library: Library = services.library
    first = library.save(make_result(services.thumbnail_store, 6, group_size=3), name="春款")
    second = library.save(make_result(services.thumbnail_store, 4, group_size=1,
                                      source="/photos/shirt.jpg"))
    rows = refreshed(qtbot, view)
    assert [s.id for s in rows] == [second, first]  # newest first
    assert view.objectName() == "libraryView" and view.accessibleName() == "Library"
    by_id = {s.id: s for s in rows}
    assert (by_id[first].group_count, by_id[first].offer_count) == (2, 6)
    assert (by_id[second].group_count, by_id[second].offer_count) == (4, 4)
    index = view.model.index(view.model.row_of(second))
    assert index.data() == "shirt.jpg"  # an unnamed search shows its photo's name
    tooltip = view.model.index(view.model.row_of(first)).data(Qt.ItemDataRole.ToolTipRole)
    assert "vvic · 2 styles · 6 listings" in tooltip
    for row in range(2):
        pixmap = view.model.index(row).data(LibraryModel.ThumbnailRole)
        assert isinstance(pixmap, QPixmap) and not pixmap.isNull()
    view.list.setCurrentIndex(index)
    assert view.buttons["open"].isEnabled() and view.buttons["delete"].isEnabled()
    view.list.grab()  # paints every row with the delegate (no exception, no decode)


def test_the_filter_narrows_by_title_stall_notes_and_name(qtbot, view, services):
    library, store = services.library, services.thumbnail_store
    coat = library.save(result_with(store, title="羊毛大衣", stall="阿玲服饰", source="/a.jpg"))
    jeans = library.save(result_with(store, title="高腰牛仔裤", stall="潮人档", source="/b.jpg"),
                         notes="给王姐看")
    named = library.save(make_result(store, 2), name="夏季连衣裙")
    assert len(refreshed(qtbot, view)) == 3

    def filtered(text: str) -> set[int]:
        with qtbot.waitSignal(view.listRefreshed, timeout=5000):
            view.filter_edit.setText(text)  # debounced: one query after typing stops
        return {s.id for s in view.model.summaries()}

    assert filtered("大衣") == {coat}
    assert filtered("潮人档") == {jeans}
    assert filtered("王姐") == {jeans}
    assert filtered("夏季") == {named}
    assert filtered("没有这个词") == set()
    assert view.list.placeholder == "No saved search matches “没有这个词”."
    view.list.grab()  # the hint is painted over the empty list
    assert filtered("") == {coat, jeans, named}


def test_rename_notes_and_delete_persist(qtbot, view, services, monkeypatch):
    library = services.library
    search_id = library.save(make_result(services.thumbnail_store, 3))
    refreshed(qtbot, view)
    monkeypatch.setattr(library_view, "ask_text", lambda *a: "  秋季外套 ")
    with qtbot.waitSignal(view.changed, timeout=5000):
        view.rename_search(search_id)
    assert library.get(search_id).summary.name == "秋季外套"

    monkeypatch.setattr(library_view, "ask_notes", lambda *a: ("等老板确认", ["秋", "外套"]))
    with qtbot.waitSignal(view.changed, timeout=5000):
        view.edit_notes(search_id)
    summary = library.get(search_id).summary
    assert (summary.notes, sorted(summary.tags)) == ("等老板确认", sorted(["秋", "外套"]))

    monkeypatch.setattr(library_view, "ask_confirm", lambda *a: False)
    view.delete_search(search_id)
    qtbot.waitUntil(lambda: view.pools.running == 0)
    assert len(library) == 1  # declined: nothing deleted
    monkeypatch.setattr(library_view, "ask_confirm", lambda *a: True)
    view.select(search_id)
    with qtbot.waitSignal(view.deleted, timeout=5000):
        qtbot.keyClick(view.list, Qt.Key.Key_Delete)
    assert len(library) == 0
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)


def test_a_taken_name_is_a_message_and_nothing_changes(qtbot, view, services, monkeypatch):
    library = services.library
    library.save(make_result(services.thumbnail_store, 2), name="已有")
    other = library.save(make_result(services.thumbnail_store, 2))
    refreshed(qtbot, view)
    monkeypatch.setattr(library_view, "ask_text", lambda *a: "已有")
    with qtbot.waitSignal(view.statusMessage, timeout=5000) as message:
        view.rename_search(other)
    assert message.args[1] is True and "already exists" in message.args[0]
    assert library.get(other).summary.name is None


def test_export_from_the_library_needs_no_network(qtbot, view, services, tmp_path):
    library = services.library
    search_id = library.save(make_result(services.thumbnail_store, 4), name="导出")
    library.mark_offer(search_id, library.get(search_id).result.offers[0].key, shortlisted=True)
    refreshed(qtbot, view)
    out = tmp_path / "out.csv"
    with qtbot.waitSignal(view.statusMessage, timeout=10000) as message:
        view.export_to(search_id, out)
    assert message.args == [f"Exported to {out}.", False]
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len([r for r in rows if any("韩版碎花连衣裙" in c for c in r)]) == 4


def test_tags_and_file_names_from_what_the_user_typed():
    assert split_tags("春款, 裙，dresses ,, ") == ["春款", "裙", "dresses"]
    assert export_file_name('王姐/春款: "A"') == "王姐_春款_ _A_.xlsx"
    assert export_file_name(" .. ", ".csv") == "results.csv"


# --- the window -----------------------------------------------------------------------------


def test_a_saved_search_opens_offline_with_every_thumbnail(qtbot, make_window, sandbox):
    window = started(qtbot, make_window(show=False))
    assert window.findChild(QWidget, "libraryView") is window.library_view
    load_sample(qtbot, window)
    with qtbot.waitSignal(window.librarySaved, timeout=30000) as saved:  # autosave
        window.start_search()
    search_id, error = saved.args
    assert error is None
    live_groups = window.results_model.total_groups
    window.close()
    sandbox.stop()  # the network is gone: pictures can only come from the store

    again = started(qtbot, make_window(demo=False, show=False))  # not even the demo marketplace
    assert [s.id for s in again.library_view.model.summaries()] == [search_id]
    with qtbot.waitSignal(again.library_view.searchOpened, timeout=5000):
        again.tabs.setCurrentWidget(again.library_view)
        again.library_view.select(search_id)
        again._search_shortcut()  # Enter on the library tab opens the selected search
    assert again.tabs.currentWidget() is again.search_page
    assert again.results_model.total_groups == live_groups
    assert again.saved_banner.isVisible()
    assert again.saved_banner.text().startswith("Saved search · ")
    qtbot.waitUntil(lambda: all_pictures_loaded(again), timeout=10000)
    qtbot.waitUntil(lambda: not again.saved_picture.pixmap().isNull())  # the query photo


def test_autosave_can_be_switched_off(qtbot, make_window, sandbox):
    window = started(qtbot, make_window(show=False))
    window.settings.set("library.autosave", False)
    load_sample(qtbot, window)
    with qtbot.waitSignal(window.searchFinished, timeout=30000):
        window.start_search()
    qtbot.waitUntil(lambda: window.pools.running == 0, timeout=10000)
    assert len(window.services.library) == 0
    assert not window.results_view.marks_enabled  # nothing to mark: not in the library


@pytest.mark.parametrize("failure", [errors.DiskFull("SQLITE_FULL"),
                                     errors.LibraryReadOnly("read-only", reason="EROFS")])
def test_a_full_disk_keeps_the_results_and_says_so(qtbot, make_window, sandbox, monkeypatch,
                                                   failure):
    """A full disk or a read-only library: the autosave fails with its message, the results
    stay on screen and the next search works."""

    def full(*args, **kwargs):
        raise failure

    monkeypatch.setattr(Library, "save", full)
    window = started(qtbot, make_window(show=False))
    load_sample(qtbot, window)
    with qtbot.waitSignal(window.librarySaved, timeout=30000) as saved:
        window.start_search()
    assert saved.args[1] is failure
    assert window.status_label.text() == failure.message()
    assert window.status_label.styleSheet()  # shown as an error
    assert window.results_model.rowCount() > 0  # the search itself is on screen
    with qtbot.waitSignal(window.searchFinished, timeout=30000) as again:
        window.start_search()  # and searching still works
    assert again.args[1] is None


def test_ctrl_s_names_the_result_and_keeps_it(qtbot, make_window, sandbox, monkeypatch):
    window = started(qtbot, make_window(show=False))
    load_sample(qtbot, window)
    with qtbot.waitSignal(window.librarySaved, timeout=30000) as autosaved:
        window.start_search()
    monkeypatch.setattr("vvic_desktop.ui.saved_search_actions.ask_text", lambda *a: "客户A的裙子")
    with qtbot.waitSignal(window.librarySaved, timeout=5000) as named:
        window.action_save.trigger()
    assert named.args == [autosaved.args[0], None]  # the autosaved search got the name
    assert window.services.library.get("客户A的裙子").id == autosaved.args[0]
    assert "客户A的裙子" in window.saved_banner.text()
    assert window.action_save.shortcut().toString() == "Ctrl+S"


def test_ctrl_s_without_autosave_saves_a_named_search(qtbot, make_window, sandbox, monkeypatch):
    window = started(qtbot, make_window(show=False))
    window.settings.set("library.autosave", False)
    load_sample(qtbot, window)
    with qtbot.waitSignal(window.searchFinished, timeout=30000):
        window.start_search()
    assert len(window.services.library) == 0
    monkeypatch.setattr("vvic_desktop.ui.saved_search_actions.ask_text", lambda *a: "   ")
    window.action_save.trigger()  # a blank name saves nothing
    qtbot.waitUntil(lambda: window.pools.running == 0)
    assert len(window.services.library) == 0
    monkeypatch.setattr("vvic_desktop.ui.saved_search_actions.ask_text", lambda *a: "留着")
    with qtbot.waitSignal(window.librarySaved, timeout=10000) as named:
        window.action_save.trigger()
    search_id, error = named.args
    assert error is None
    saved = window.services.library.get("留着")
    assert saved.id == search_id and window.services.library.missing_pictures(search_id) == 0
    assert window.results_view.marks_enabled  # now in the library: ★ and notes work


def test_search_again_marks_what_changed(qtbot, make_window, monkeypatch):
    window = started(qtbot, make_window(demo=False, show=False))
    library = window.services.library
    original = make_result(window.services.thumbnail_store, 4, group_size=2)
    search_id = library.save(original, name="复查")
    key = original.offers[1].key
    library.mark_offer(search_id, key, shortlisted=True, note="好")
    calls = []

    def fresh(query, *, cancel, progress, endpoint=None, use_cache=True, prepared=None):
        calls.append((query.source, use_cache, prepared))
        cheaper = dataclasses.replace(original.offers[0], price=Decimal("50.00"))
        new = make_offer(9, stall="新档口")
        window.services.thumbnail_store.remember_url(
            new.image_url, window.services.thumbnail_store.sha_for_url(original.offers[0]
                                                                       .image_url))
        offers = [cheaper, *original.offers[1:], new]
        return dataclasses.replace(original, offers=offers,
                                   groups=[make_group(offers[:2]), make_group(offers[2:])])

    monkeypatch.setattr(window.services, "search", fresh)
    with qtbot.waitSignal(window.library_view.searchOpened, timeout=5000):
        window.library_view.open_search(search_id)
    assert window.search_again_button.isVisible()
    with qtbot.waitSignal(window.library_view.searchOpened, timeout=10000) as opened:
        window.search_again_button.click()  # the saved-search banner's button
    source, use_cache, prepared = calls[0]
    assert source == original.query.source and use_cache is False
    assert prepared.jpeg == original.prepared.jpeg  # the stored photo, not the moved original
    saved = opened.args[0]
    assert saved.changes == {original.offers[0].key: "price_down",
                             make_offer(9).key: "new"}
    assert saved.marks[key] == OfferMark(True, "好")  # marks survive a search again
    model = window.results_model
    changed = {model.index(r).data(Roles.ChangeCount) for r in range(model.rowCount())}
    assert changed == {1}  # one change in each group
    for group_id in [model.index(r).data(Roles.GroupId) for r in range(model.rowCount())]:
        model.set_expanded(group_id, True)
    changes = [model.index(r).data(Roles.Change) for r in range(model.rowCount())
               if model.index(r).data(Roles.Kind) == "offer"]
    assert sorted(c for c in changes if c) == ["new", "price_down"]
    labels = {window.results_view.delegate.change_text(model.index(r))
              for r in range(model.rowCount())}
    assert "Price down" in labels
    qtbot.waitUntil(lambda: [s.change_count for s in window.library_view.model.summaries()]
                    == [2])


def test_shortlist_and_notes_persist_from_the_grid(qtbot, make_window, monkeypatch):
    window = started(qtbot, make_window(demo=False, show=False))
    library = window.services.library
    result = make_result(window.services.thumbnail_store, 4, group_size=2)
    search_id = library.save(result, name="标记")
    with qtbot.waitSignal(window.library_view.searchOpened, timeout=5000):
        window.library_view.open_search(search_id)
    index = window.results_model.index(0)
    menu = window.results_view.context_menu_for(index)
    star = next(a for a in menu.actions() if a.objectName() == "toggleShortlist")
    with qtbot.waitSignal(window.markSaved, timeout=5000):
        star.trigger()
    offer = index.data(Roles.Offer)
    assert library.get(search_id).marks[offer.key].shortlisted
    assert window.results_model.index(0).data(Roles.Shortlisted) is True
    monkeypatch.setattr("vvic_desktop.ui.saved_search_actions.ask_text", lambda *a: "问起批量")
    with qtbot.waitSignal(window.markSaved, timeout=5000):
        window.edit_note(offer)
    assert library.get(search_id).marks[offer.key] == OfferMark(True, "问起批量")
    assert window.results_model.index(0).data(Roles.Note) == "问起批量"


def test_the_window_exports_the_saved_search_on_screen(qtbot, make_window, tmp_path):
    window = started(qtbot, make_window(demo=False, show=False))
    library = window.services.library
    search_id = library.save(make_result(window.services.thumbnail_store, 3), name="出口")
    with qtbot.waitSignal(window.library_view.searchOpened, timeout=5000):
        window.library_view.open_search(search_id)
    out = tmp_path / "report.html"
    window.export_to(out)
    qtbot.waitUntil(lambda: window.status_label.text() == f"Exported to {out}.", timeout=10000)
    assert out.read_text(encoding="utf-8").count("data:image/jpeg") >= 3


def test_the_export_menu_writes_a_workbook_of_the_live_result(qtbot, make_window, sandbox,
                                                              tmp_path, monkeypatch):
    openpyxl = pytest.importorskip("openpyxl")
    window = started(qtbot, make_window(show=False))
    window.settings.set("library.autosave", False)
    load_sample(qtbot, window)
    with qtbot.waitSignal(window.searchFinished, timeout=30000) as finished:
        window.start_search()
    out = tmp_path / "dress.xlsx"
    suggested = []
    monkeypatch.setattr("vvic_desktop.ui.saved_search_actions.ask_export_path",
                        lambda parent, name: suggested.append(name) or str(out))
    window.action_export.trigger()
    qtbot.waitUntil(lambda: window.status_label.text() == f"Exported to {out}.", timeout=20000)
    assert suggested == ["dress-photo.xlsx"]
    sheet = openpyxl.load_workbook(out).active
    assert sheet.max_row > len(finished.args[0].offers)  # a row per offer, plus headings
    assert sheet._images  # the pictures came from the thumbnail store


def test_a_corrupt_library_is_moved_aside_and_the_user_told(qtbot, make_window, data_dir):
    paths = AppPaths.resolve(data_dir).ensure()
    paths.database.write_bytes(b"this is not a database" * 100)
    window = make_window(demo=False, show=False)
    with qtbot.waitSignal(window.libraryReady, timeout=10000) as ready:
        window.show()
    assert isinstance(ready.args[0], errors.DatabaseRecovered)
    assert window.notice_label.isVisible()
    assert window.notice_label.text() == ready.args[0].message()
    assert list(Path(paths.database.parent).glob("library.sqlite3.corrupt-*"))
    qtbot.waitUntil(lambda: window.pools.running == 0)
    assert window.library_view.model.rowCount() == 0
    assert window.library_view.list.placeholder.startswith("No saved searches yet.")
