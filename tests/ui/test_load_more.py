""""加载更多 / Load more" in the main window (pytest-qt, offscreen, on the sandbox marketplace):
shown only when the market says another page follows, its cost said before it is spent, the
next page's cards joining the styles shown, and kept with the saved search."""

from __future__ import annotations

from PySide6.QtCore import Qt

from vvic_desktop.i18n import resources_dir
from vvic_desktop.ui.main_window import MainWindow

SAMPLE = str(resources_dir() / "samples" / "dress-photo.jpg")


def search(qtbot, window: MainWindow, market: str):
    window.filter_bar.set_market(market)
    with qtbot.waitSignal(window.crop_view.photoLoaded, timeout=10000):
        window.drop_area.add_paths([SAMPLE])
    with qtbot.waitSignal(window.librarySaved) as saved, \
            qtbot.waitSignal(window.searchFinished) as finished:
        window.start_search()
    result, error = finished.args
    assert error is None, error
    search_id, save_error = saved.args
    assert save_error is None
    return result, search_id


def shown_keys(window: MainWindow) -> set[str]:
    return {o.key for g in window.results_model.groups for o in g.offers}


def test_load_more_appends_the_next_page_into_the_groups(qtbot, make_window):
    window = make_window()
    first, search_id = search(qtbot, window, "taobao")
    button = window.load_more_button
    assert first.stats["more"] == 1
    qtbot.waitUntil(button.isVisible)
    # the cost is said before anything is spent: one call, and the quota left this minute
    left, quota = window.services.quota_left("taobao")
    qtbot.waitUntil(lambda: f"{left} of {quota} left this minute" in button.text())
    assert "1 API call" in button.text()
    before = shown_keys(window)
    assert before == {o.key for o in first.offers}

    with qtbot.waitSignal(window.moreLoaded) as loaded:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    result, error = loaded.args
    assert error is None, error
    assert result.stats["page"] == 2 and result.stats["added"] > 0
    # the earlier cards stay, the new ones join them, every listing in exactly one style
    after = shown_keys(window)
    assert before < after and after == {o.key for o in result.offers}
    members = [o.key for g in result.groups for o in g.offers]
    assert len(members) == len(set(members)) == len(result.offers)
    assert window.results_model.rowCount() == len(result.groups)
    assert "more listing" in window.status_label.text()
    assert window._last_result is result
    qtbot.waitUntil(button.isVisible)  # 389 sandbox listings: still more to load

    # saved with the search: the library entry holds every page, and opening it shows them
    saved = window.services.library.get(search_id)
    assert {o.key for o in saved.result.offers} == after
    assert saved.result.stats["page"] == 2
    window.show_saved(saved)
    qtbot.waitUntil(lambda: shown_keys(window) == after)
    qtbot.waitUntil(button.isVisible)  # its next page can be loaded from the library too


def test_no_load_more_where_the_market_does_not_page(qtbot, make_window):
    window = make_window()
    result, _ = search(qtbot, window, "vvic")  # the V2.2 search has no page parameter
    assert result.stats["more"] == 0
    assert not window.load_more_button.isVisible()
    window.load_more()  # nothing to load: no call, no change
    assert window._search_task is None and window._last_result is result


def test_load_more_is_hidden_while_a_search_runs(qtbot, make_window, sandbox):
    window = make_window()
    search(qtbot, window, "taobao")
    qtbot.waitUntil(window.load_more_button.isVisible)
    sandbox.inject("slow", count=1)
    before = sandbox.requests_received
    window.filter_bar.set_market("1688")  # not in the result cache: a call that hangs
    window.start_search()
    assert not window.load_more_button.isVisible()
    qtbot.waitUntil(lambda: sandbox.requests_received > before)
    window.cancel_search()
    qtbot.waitUntil(window.load_more_button.isVisible)  # the shown result still has more


def test_a_page_that_cannot_be_saved_is_still_shown(qtbot, make_window, monkeypatch):
    from vvic_desktop.core.errors import DiskFull

    window = make_window()
    first, search_id = search(qtbot, window, "taobao")
    qtbot.waitUntil(window.load_more_button.isVisible)

    def full(*args, **kwargs):
        raise DiskFull("no space left on device")

    monkeypatch.setattr(window.services, "save_more", full)
    with qtbot.waitSignal(window.moreLoaded) as loaded:
        window.load_more()
    result, error = loaded.args
    assert error is None and len(result.offers) > len(first.offers)
    assert shown_keys(window) == {o.key for o in result.offers}
    assert "could not be added to the saved search" in window.status_label.text()
    assert "library_not_updated" not in result.notes
    # the library entry is as it was: page 1 only
    saved = window.services.library.get(search_id)
    assert {o.key for o in saved.result.offers} == {o.key for o in first.offers}


def test_a_saved_search_loads_more_with_its_stored_photo(qtbot, make_window, tmp_path):
    """Reopened from the library after the photo file is gone: the next page is asked with
    the prepared photo the library kept (the same picture), and the label says the upload
    costs a call again."""
    import shutil

    photo = tmp_path / "连衣裙.jpg"
    shutil.copy(SAMPLE, photo)
    window = make_window()
    window.filter_bar.set_market("onebound-vvic")
    with qtbot.waitSignal(window.crop_view.photoLoaded):
        window.drop_area.add_paths([str(photo)])
    with qtbot.waitSignal(window.librarySaved) as saved, \
            qtbot.waitSignal(window.searchFinished) as finished:
        window.start_search()
    first = finished.args[0]
    search_id = saved.args[0]
    photo.unlink()
    window.show_saved(window.services.library.get(search_id))
    qtbot.waitUntil(window.load_more_button.isVisible)
    assert "2 API calls" in window.load_more_button.text()  # upload + page: no picture id
    with qtbot.waitSignal(window.moreLoaded) as loaded:
        window.load_more()
    result, error = loaded.args
    assert error is None, error
    assert result.image_sha256 == first.image_sha256  # the very same picture was sent
    assert len(result.offers) > len(first.offers)
    saved_now = window.services.library.get(search_id)
    assert {o.key for o in saved_now.result.offers} == {o.key for o in result.offers}
