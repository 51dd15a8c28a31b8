"""The main window end to end on the sandbox marketplace (pytest-qt, offscreen)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from vvic_desktop.core import errors
from vvic_desktop.i18n import resources_dir
from vvic_desktop.ui.main_window import MainWindow

SAMPLE = str(resources_dir() / "samples" / "dress-photo.jpg")


def start_slow_search(qtbot, window: MainWindow, sandbox, start) -> None:
    """Start a search whose marketplace call hangs, and wait until the call is in flight."""
    sandbox.inject("slow", count=1)
    before = sandbox.requests_received
    start()
    qtbot.waitUntil(lambda: sandbox.requests_received > before, timeout=10000)


def load_sample(qtbot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.crop_view.photoLoaded, timeout=10000):
        window.drop_area.add_paths([SAMPLE])
    assert window.search_button.isEnabled()


def test_widgets_have_the_names_tests_and_screen_readers_use(make_window):
    window = make_window()
    for name in ("dropArea", "cropView", "searchButton", "resultsView", "marketSelector"):
        widget = window.findChild(QWidget, name)
        assert widget is not None, name
        assert widget.accessibleName() or name in ("dropArea", "cropView", "resultsView"), name
    assert window.findChild(QWidget, "demoBadge") is not None
    assert "demo" in window.windowTitle().lower()


def test_a_demo_search_reaches_the_grid(qtbot, make_window):
    window = make_window()
    load_sample(qtbot, window)
    with qtbot.waitSignal(window.searchFinished, timeout=30000) as finished:
        window.start_search()
    result, error = finished.args
    assert error is None
    assert result.groups
    qtbot.waitUntil(lambda: window.results_model.rowCount() > 0)
    assert window.results_model.rowCount() == len(result.groups)  # groups start collapsed
    assert "styles" in window.status_label.text()
    left, quota = window.services.quota_left("vvic")
    qtbot.waitUntil(lambda: window.quota_label.text() == f"Quota {left}/{quota} per min")


def test_enter_searches_and_escape_cancels(qtbot, make_window, sandbox):
    window = make_window()
    load_sample(qtbot, window)
    start_slow_search(qtbot, window, sandbox, lambda: qtbot.keyClick(window, Qt.Key.Key_Return))
    task = window._search_task
    assert task is not None
    assert window.progress.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert task.cancel.cancelled  # the call in flight is told to stop, not left to run out
    assert window.status_label.text() == "Search cancelled."
    assert not window.progress.isVisible()
    qtbot.waitUntil(lambda: window.pools.running == 0, timeout=60_000)


def test_a_newer_search_replaces_the_older(qtbot, make_window, sandbox):
    window = make_window()
    load_sample(qtbot, window)
    start_slow_search(qtbot, window, sandbox, window.start_search)
    first = window._search_task
    with qtbot.waitSignal(window.searchFinished, timeout=30000) as finished:
        window.start_search()
    assert first.cancel.cancelled
    assert finished.args[1] is None  # only the newer search's result was delivered


def test_errors_reach_the_status_bar_as_messages(qtbot, make_window, monkeypatch):
    for var in ("VVIC_APP_KEY", "VVIC_APP_SECRET"):
        monkeypatch.delenv(var, raising=False)
    window = make_window(demo=False)
    window.filter_bar.set_market("vvic")
    load_sample(qtbot, window)
    with qtbot.waitSignal(window.searchFinished, timeout=10000) as finished:
        window.start_search()
    assert isinstance(finished.args[1], errors.MissingCredentials)
    assert "No AppKey is set for vvic" in window.status_label.text()
    qtbot.waitUntil(lambda: window.quota_label.text() == "No AppKey")


def test_unexpected_worker_errors_become_messages(qtbot, make_window, monkeypatch):
    window = make_window()
    load_sample(qtbot, window)

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(window.services, "search", broken)
    with qtbot.waitSignal(window.searchFinished, timeout=10000):
        window.start_search()
    assert "Unexpected error (RuntimeError)" in window.status_label.text()


def test_closing_while_a_search_runs_is_clean(qtbot, make_window, sandbox):
    window = make_window()
    load_sample(qtbot, window)
    start_slow_search(qtbot, window, sandbox, window.start_search)
    task = window._search_task
    assert task is not None
    window.close()
    assert task.cancel.cancelled  # closing cancels the call in flight instead of waiting it out
    assert window.pools.running == 0


def test_geometry_and_splitter_are_remembered(qtbot, make_window):
    window = make_window()
    # the offscreen screen is 800 px wide and the window's minimum width is more, so Qt
    # clamps the restored width: check the height and the splitter
    window.resize(1000, 580)
    window.splitter.setSizes([300, 700])
    sizes = window.splitter.sizes()
    assert window.height() == 580
    window.close()
    again = make_window()
    assert again.height() == 580
    restored = again.splitter.sizes()
    assert abs(restored[0] / sum(restored) - sizes[0] / sum(sizes)) < 0.02


def test_search_without_a_photo_says_what_to_do(qtbot, make_window):
    window = make_window()
    qtbot.waitUntil(lambda: window.quota_label.text() != "")  # the start-up quota read
    qtbot.waitUntil(lambda: window.pools.running == 0)
    window.start_search()
    assert window.status_label.text() == "Drop or open a photo first."
    assert window.pools.running == 0


def test_filters_other_than_the_market_do_not_reread_the_quota(qtbot, make_window, monkeypatch):
    window = make_window()
    qtbot.waitUntil(lambda: window.quota_label.text() != "")
    reads = []
    monkeypatch.setattr(window.services, "quota_left", lambda market: reads.append(market))
    window.filter_bar.strictness.setValue(120)
    window.filter_bar.in_stock.setChecked(True)
    window.filter_bar.set_market("taobao")
    qtbot.waitUntil(lambda: reads == ["taobao"])
    qtbot.waitUntil(lambda: window.quota_label.text() == "No AppKey")


def test_without_a_key_the_local_catalog_is_the_default_and_searches_offline(
    qtbot, make_window, tmp_path, sandbox_catalog
) -> None:
    window = make_window(demo=False)
    assert window.filter_bar.market() == "local"
    qtbot.waitUntil(lambda: "no quota" in window.quota_label.text())
    folder = tmp_path / "stall"
    folder.mkdir()
    for n, style in enumerate(sandbox_catalog.styles[:6]):
        picture = sandbox_catalog.style_image(style.style_id, 300)
        picture.save(folder / f"档口{n}_{50 + n}_款{n}.jpg")
    window.services.local_catalog.import_folder(folder)
    load_sample(qtbot, window)
    with qtbot.waitSignal(window.searchFinished, timeout=30000) as finished:
        window.start_search()
    result, error = finished.args
    assert error is None and result.query.market == "local"
    assert {o.market for o in result.offers} == {"local"} and len(result.offers) == 6
    assert window.results_model.rowCount() >= 1
    # the choice is remembered for the next start
    window.filter_bar.set_market("taobao")
    window.close()
    again = make_window(demo=False)
    assert again.filter_bar.market() == "taobao"


def test_file_menu_opens_the_import_dialog(qtbot, make_window) -> None:
    window = make_window(demo=False)
    window.action_import.trigger()
    dialog = window.findChild(QWidget, "importDialog")
    assert dialog is not None and dialog.isVisible()
    dialog.reject()


def test_a_saved_search_is_embedded_on_a_worker_not_at_query_time(qtbot, make_window):
    """Autosave puts the result's pictures in the local catalog, embedded on the storage
    worker (never the GUI thread); a later local search embeds only its query photo (its
    views: the garment cut and the photo as it came, `core.features.query_views`)."""
    import threading

    import numpy as np

    window = make_window()
    catalog = window.services.local_catalog

    class CountingEmbedder:
        name, version, dim = "test-mean", "1", 3

        def __init__(self) -> None:
            self.calls: list[tuple[int, bool]] = []  # (images, on the GUI thread)

        def embed(self, images):
            on_gui = threading.current_thread() is threading.main_thread()
            self.calls.append((len(images), on_gui))
            rows = np.vstack([np.asarray(im, np.float32).reshape(-1, 3).mean(axis=0) + 1
                              for im in images])
            return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    embedder = CountingEmbedder()
    catalog._embedder = embedder
    load_sample(qtbot, window)
    with qtbot.waitSignal(window.librarySaved, timeout=60000) as saved:
        window.start_search()
    assert saved.args[1] is None
    embedded = sum(n for n, _ in embedder.calls)
    assert embedded == len(catalog.offers_by_picture()) > 0
    assert not any(on_gui for _, on_gui in embedder.calls)
    embedder.calls.clear()
    window.filter_bar.set_market("local")
    with qtbot.waitSignal(window.searchFinished, timeout=60000) as finished:
        window.start_search()
    assert finished.args[1] is None and finished.args[0].offers
    # The query photo only (its views, in one call), on a worker; no catalogue picture is
    # embedded at query time.
    from vvic_desktop.core.features import query_views
    from vvic_desktop.storage.local_catalog import _decode

    sent = _decode(finished.args[0].prepared.jpeg, size=0)
    assert embedder.calls == [(len(query_views(sent)), False)]
