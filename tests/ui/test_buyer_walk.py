"""Issue 17: the defects a buyer met walking through the window, each driven through the widgets
(pytest-qt, offscreen). One test per defect; the name says which."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from library_data import make_result
from library_data import offer as make_offer
from PIL import Image
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication

from vvic_desktop.core import errors, intake
from vvic_desktop.core.batch import RUNNING, top_cheapest
from vvic_desktop.core.models import CropBox
from vvic_desktop.core.style_groups import make_group
from vvic_desktop.paths import AppPaths
from vvic_desktop.ui.drop_area import IntakePhoto, save_intake_bytes
from vvic_desktop.ui.main_window import MainWindow
from vvic_desktop.ui.results import Roles

from .test_main_window import load_sample


def photos(folder: Path, count: int) -> list[IntakePhoto]:
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(count):
        path = folder / f"photo-{i:02d}.jpg"
        Image.new("RGB", (64 + i, 80), (10 * i % 255, 80, 140)).save(path, "JPEG")
        made.append(IntakePhoto(path=path, label=path.name))
    return made


# --- the intake and the left pane -----------------------------------------------------------


def test_a_new_photo_becomes_current_and_is_scrolled_into_view(qtbot, make_window, tmp_path):
    window = make_window()
    strip = window.intake_strip
    queued = photos(tmp_path / "in", 30)
    window.add_photos(queued[:1])
    assert strip.current_photo() == queued[0]
    for photo in queued[1:]:
        window.add_photos([photo])
        assert strip.current_photo() == photo  # Search runs on the photo just added
    last = strip.model_.index(strip.count() - 1)
    assert strip.viewport().rect().intersects(strip.visualRect(last))
    window.add_photos([queued[3]])  # added again: it is selected, not duplicated
    assert strip.current_photo() == queued[3] and strip.count() == 30


def test_opening_a_saved_search_shows_its_photo_and_crop(qtbot, make_window, tmp_path):
    window = make_window()
    load_sample(qtbot, window)
    window.crop_view.set_crop(CropBox(10, 20, 200, 260))
    with qtbot.waitSignal(window.librarySaved, timeout=30000) as saved:
        window.start_search()
    search_id = saved.args[0]
    other = photos(tmp_path / "other", 1)
    with qtbot.waitSignal(window.crop_view.photoLoaded, timeout=10000):
        window.add_photos(other)
    assert window.intake_strip.current_photo() == other[0]
    with qtbot.waitSignal(window.library_view.searchOpened, timeout=5000):
        window.library_view.open_search(search_id)
    qtbot.waitUntil(lambda: window.intake_strip.current_photo() is not None
                    and window.intake_strip.current_photo().path.name == "dress-photo.jpg"
                    and window.crop_view.crop_box() == CropBox(10, 20, 200, 260),
                    timeout=10000)


def test_crop_label_changes_do_not_move_the_panes(qtbot, make_window):
    window = make_window()
    load_sample(qtbot, window)
    qtbot.waitUntil(lambda: window.splitter.sizes()[0] > 0)
    before = window.splitter.sizes()
    window.crop_view.set_crop(CropBox(1, 2, 300, 400))
    window.crop_view.info.setText("Crop 12345 × 12345 px at (12345, 12345) " * 3)
    QApplication.processEvents()
    assert window.splitter.sizes() == before


def test_pasted_pictures_are_named_by_the_time_they_were_pasted(qtbot, make_window):
    window = make_window()
    image = Image.new("RGB", (120, 160), (200, 40, 60))
    from PIL.ImageQt import ImageQt

    QApplication.clipboard().setImage(ImageQt(image))
    with qtbot.waitSignal(window.drop_area.photosAdded, timeout=10000) as added:
        window.drop_area.paste_from_clipboard()
    photo = added.args[0][0]
    assert photo.label.startswith("Pasted picture 20") and ":" in photo.label
    assert photo.path.name.startswith("Pasted picture 20")  # not a hash


def test_a_pasted_name_taken_by_another_picture_gets_a_number(tmp_path):
    first = save_intake_bytes(tmp_path, b"one", ".png", name="粘贴的图片 2026-12-03 16.20")
    again = save_intake_bytes(tmp_path, b"one", ".png", name="粘贴的图片 2026-12-03 16.20")
    other = save_intake_bytes(tmp_path, b"two", ".png", name="粘贴的图片 2026-12-03 16.20")
    assert first == again and first.name == "粘贴的图片 2026-12-03 16.20.png"
    assert other.name == "粘贴的图片 2026-12-03 16.20 (2).png"


# --- results ----------------------------------------------------------------------------------


def test_filters_hiding_every_result_say_so(qtbot, make_window):
    window = make_window()
    first_start = window.results_view.placeholder_text()
    window.results_model.set_groups(make_result(None).groups)
    window.text_filter.setText("no such stall anywhere")
    assert window.results_model.rowCount() == 0
    text = window.results_view.placeholder_text()
    assert text != first_start and "No result matches the filters" in text


def test_enter_in_a_price_or_min_order_field_does_not_start_a_paid_search(
        qtbot, make_window, sandbox):
    window = make_window()
    load_sample(qtbot, window)
    before = sandbox.requests_received
    for box in (window.filter_bar.price_min, window.filter_bar.price_max,
                window.filter_bar.min_order):
        box.setFocus()
        box.lineEdit().selectAll()
        qtbot.keyClicks(box.lineEdit(), "50")
        qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
        assert window._search_task is None
    assert sandbox.requests_received == before
    assert window.filter_bar.price_min.value() == 50  # the value was taken


# --- the library: demo and repeats ------------------------------------------------------------


def test_demo_results_are_saved_and_exported_as_demo(qtbot, make_window, tmp_path):
    window = make_window(demo=True)
    load_sample(qtbot, window)
    with qtbot.waitSignal(window.librarySaved, timeout=30000) as saved:
        window.start_search()
    summary = next(s for s in window.services.library.list() if s.id == saved.args[0])
    assert summary.market == "demo"
    out = tmp_path / "demo.html"
    window.services.library.export(saved.args[0], out, language="en")
    assert " · demo · " in out.read_text(encoding="utf-8")


def test_repeating_a_search_updates_its_unnamed_entry(qtbot, make_window):
    window = make_window()
    load_sample(qtbot, window)
    ids = []
    for _ in range(2):
        with qtbot.waitSignal(window.librarySaved, timeout=30000) as saved:
            window.start_search()
        ids.append(saved.args[0])
    assert ids[0] == ids[1]
    assert len(window.services.library.list()) == 1


# --- batch --------------------------------------------------------------------------------


def test_batch_cheapest_is_the_matching_styles_lowest_price():
    dress = [dataclasses.replace(make_offer(i, price=p), similarity=0.95)
             for i, p in enumerate(("133.00", "177.00"))]
    other = [dataclasses.replace(make_offer(5, price="26.00"), similarity=0.40)]
    result = make_result(None)
    result.groups = [make_group(other), make_group(dress)]
    result.offers = other + dress
    assert top_cheapest(result) == "133.00"


def test_a_batch_row_left_running_by_a_crash_reads_queued(qtbot, pools, sandbox, tmp_path,
                                                           open_services):
    services = open_services(sandbox=sandbox)
    made = photos(tmp_path / "b", 2)
    queue = services.batch_queue
    batch_id = queue.create("crashed", "vvic", [(str(p.path), None) for p in made])
    assert queue.claim(batch_id) is not None  # a runner took it, then the app died
    from vvic_desktop.ui.batch_view import BatchView

    view = BatchView(services, pools, services.settings)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=10000)
    assert any(i.state == RUNNING for i in view.model.items)
    assert {view.model.index(r, 1).data() for r in range(2)} == {"queued"}
    view.shutdown()


def test_a_finished_batch_row_opens_its_result(qtbot, make_window, tmp_path):
    window = make_window()
    view = window.batch_view
    made = photos(tmp_path / "b", 1)
    with qtbot.waitSignal(view.photosAdded, timeout=10000):
        view.add_paths([made[0].path])
    with qtbot.waitSignal(view.batchFinished, timeout=60000):
        view.start()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1
                    and view.model.items[0].search_id is not None, timeout=10000)
    with qtbot.waitSignal(window.library_view.searchOpened, timeout=10000) as opened:
        view.table.doubleClicked.emit(view.model.index(0, 0))
    assert opened.args[0].id == view.model.items[0].search_id


# --- messages -----------------------------------------------------------------------------


@pytest.mark.parametrize("error", [
    errors.NetworkError("[Errno -2] Name or service not known"),
    errors.StorageError("OSError: [Errno 28] No space left on device"),
    errors.NoSecureKeyring("No recommended backend was available. Install a recommended 3rd "
                           "party backend package; or, install the keyrings.alt package"),
    errors.DamagedImage("image file is truncated (7 bytes not processed)"),
    errors.VvicError("KeyError: 'x'"),
])
def test_chinese_messages_carry_no_raw_english(error):
    text = error.message("zh_CN")
    letters = [w for w in text.replace("AppKey", "").replace("GNOME Keyring", "")
               .replace("KWallet", "").replace("Linux", "").split() if w.isascii()
               and any(c.isalpha() for c in w)]
    assert not letters, text
    assert error.detail  # the raw cause stays for the log


def test_a_truncated_jpeg_gets_one_message_everywhere(qtbot, make_window, tmp_path):
    window = make_window()
    good = tmp_path / "torn.jpg"
    Image.new("RGB", (400, 300), (120, 30, 30)).save(good, "JPEG")
    good.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    shown: list[str] = []
    window.crop_view.problem.connect(shown.append)
    window.add_photos([IntakePhoto(path=good, label=good.name)])
    strip = window.intake_strip.model_
    qtbot.waitUntil(lambda: bool(shown) and bool(strip.thumbnail_problem(str(good))),
                    timeout=10000)
    assert shown[0] == strip.thumbnail_problem(str(good))
    with pytest.raises(errors.DamagedImage) as searched:  # what the search's loader says
        from vvic_desktop.core.prepare import prepare

        prepare(intake.load_picture(str(good)), None)
    assert shown[0] == searched.value.message()


# --- no disk work on the GUI thread -----------------------------------------------------------


@pytest.fixture
def gui_thread_io(monkeypatch):
    """Record every sqlite3.connect and os.scandir made on the GUI thread."""
    seen: list[str] = []
    main = threading.main_thread()
    real_connect, real_scandir = sqlite3.connect, os.scandir

    def connect(*args, **kwargs):
        if threading.current_thread() is main:
            seen.append(f"sqlite3.connect{args[:1]}")
        return real_connect(*args, **kwargs)

    def scandir(*args, **kwargs):
        if threading.current_thread() is main:
            seen.append(f"os.scandir{args[:1]}")
        return real_scandir(*args, **kwargs)

    def start() -> list[str]:
        monkeypatch.setattr(sqlite3, "connect", connect)
        monkeypatch.setattr(os, "scandir", scandir)
        return seen

    return start


def test_no_database_open_or_folder_walk_on_the_gui_thread(qtbot, sandbox, tmp_path,
                                                           gui_thread_io, open_services):
    services = open_services(sandbox=sandbox)
    settings = services.settings
    folder = tmp_path / "wish list"
    photos(folder / "sub", 3)
    seen = gui_thread_io()
    window = MainWindow(services, settings, language="en", demo=True)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.libraryReady, timeout=10000):
        pass
    view = window.batch_view
    with qtbot.waitSignal(view.photosAdded, timeout=10000) as added:
        view.add_paths([folder])
    assert added.args[0] == 3
    window.results_model.set_groups(make_result(None).groups)
    window.close()
    assert seen == []


def test_the_quota_label_follows_the_batch(qtbot, make_window, tmp_path):
    window = make_window()
    view = window.batch_view
    with qtbot.waitSignal(view.photosAdded, timeout=10000):
        view.add_paths([p.path for p in photos(tmp_path / "q", 2)])
    with qtbot.waitSignal(view.batchFinished, timeout=60000):
        view.start()
    left, quota = window.services.quota_left("vvic")
    qtbot.waitUntil(lambda: window.quota_label.text() == f"Quota {left}/{quota} per min",
                    timeout=10000)
    assert Decimal(left) < Decimal(quota)


def test_the_window_title_names_the_app_once(make_window):
    window = make_window(demo=False)
    title = window.windowTitle()
    assert title.count("VVIC") == 1 or title.count("搜款") == 1
    assert QModelIndex is not None


def test_a_damaged_settings_file_is_moved_aside_and_the_window_says_so(qtbot, data_dir,
                                                                        sandbox, open_services):
    paths = AppPaths.resolve(data_dir)
    paths.ensure().settings_file.write_text("{oops", encoding="utf-8")
    services = open_services(sandbox=sandbox)
    window = MainWindow(services, services.settings, language="en", demo=True)
    qtbot.addWidget(window)
    window.show()
    moved = list(paths.settings_file.parent.glob("settings.json.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_text(encoding="utf-8") == "{oops"
    assert window.notice_label.isVisible() and moved[0].name in window.notice_label.text()
    window.close()


def test_saving_results_as_json_is_written_off_the_gui_thread(qtbot, make_window, tmp_path,
                                                              gui_thread_io, monkeypatch):
    window = make_window()
    window._last_result = make_result(None)
    from vvic_desktop.storage import files

    threads = []
    real = files.write_atomically
    monkeypatch.setattr(files, "write_atomically",
                        lambda *a, **k: (threads.append(threading.current_thread()),
                                         real(*a, **k))[1])
    out = tmp_path / "r.json"
    with qtbot.waitSignal(window.exported, timeout=10000) as done:
        window.write_json(out)
    assert done.args == [str(out), None] and out.is_file()
    assert threads and threading.main_thread() not in threads
    assert '"market": "demo"' in out.read_text(encoding="utf-8")  # a demo window


def test_a_card_shortens_the_market_never_the_stall_position(qtbot):
    from PySide6.QtGui import QFont, QFontMetrics

    from vvic_desktop.ui.results.delegate import fit_keeping_tail

    metrics = QFontMetrics(QFont())
    head, tail = "Guangzhou Shisanhang Wholesale Market", "7F-701"
    text = fit_keeping_tail(metrics, head, tail, " ", metrics.horizontalAdvance("Guangzhou 7F-701"))
    assert text.endswith(" 7F-701") and "…" in text
    assert fit_keeping_tail(metrics, "沙河", "2F-1", " ", 500) == "沙河 2F-1"


# --- results as they arrive -------------------------------------------------------------------


def test_cards_show_before_the_pictures_and_progress_says_what_it_waits_for(qtbot,
                                                                            make_window):
    window = make_window()
    load_sample(qtbot, window)
    events: list[tuple[str, int]] = []
    window.partialResults.connect(
        lambda generation, groups: events.append(("partial", window.results_model.rowCount())))
    texts: list[str] = []
    window.status_label.setText("")
    original = window.show_message

    def spy(text: str, error: bool = False) -> None:
        texts.append(text)
        original(text, error)

    window.show_message = spy
    window.searchFinished.connect(lambda result, error: events.append(("done", 0)))
    with qtbot.waitSignal(window.searchFinished, timeout=30000) as finished:
        window.start_search()
    result, error = finished.args
    assert error is None
    assert events[0][0] == "partial" and events[-1][0] == "done"
    qtbot.waitUntil(lambda: window.results_model.rowCount() == len(result.groups))
    total = len(result.offers)
    assert any(t.startswith("Fetching listing pictures:") and f"of {total}" in t
               for t in texts), texts


# --- find similar -----------------------------------------------------------------------------


def test_find_similar_says_what_it_costs_and_searches_by_the_listing_picture(
        qtbot, make_window, sandbox, monkeypatch):
    window = make_window()
    load_sample(qtbot, window)
    with qtbot.waitSignal(window.searchFinished, timeout=30000) as first:
        window.start_search()
    offer = first.args[0].groups[0].best_offer
    asked: list[str] = []
    monkeypatch.setattr("vvic_desktop.ui.search_controller.ask_confirm",
                        lambda parent, title, text: (asked.append(text), False)[1])
    before = sandbox.requests_received
    menu = window.results_view.context_menu_for(window.results_model.index(0))
    action = next(a for a in menu.actions() if a.objectName() == "findSimilar")
    action.trigger()
    qtbot.waitUntil(lambda: bool(asked), timeout=10000)
    left, quota = window.services.quota_left("vvic")
    assert f"{left} of {quota} left this minute" in asked[0]  # shown before it is spent
    assert sandbox.requests_received == before  # declined: nothing spent
    monkeypatch.setattr("vvic_desktop.ui.search_controller.ask_confirm", lambda *a: True)
    with qtbot.waitSignal(window.searchFinished, timeout=30000) as second:
        window.find_similar(offer)
    result, error = second.args
    assert error is None and result.groups
    assert window.intake_strip.current_photo().label.startswith("Like: ")
    sha = window.services.thumbnail_store.sha_for_url(offer.image_url)
    assert result.query.source == str(window.services.thumbnail_store.path_for(sha))


def test_a_compare_row_offers_find_similar(qtbot):
    from vvic_desktop.ui.compare_view import CompareView

    view = CompareView()
    qtbot.addWidget(view)
    group = make_result(None).groups[0]
    view.set_group(group)
    menu = view.context_menu_for(1)
    action = next(a for a in menu.actions() if a.objectName() == "compareFindSimilar")
    with qtbot.waitSignal(view.findSimilarRequested, timeout=1000) as asked:
        action.trigger()
    assert asked.args[0] == view.model.offer(1)


# --- filters a buyer uses ----------------------------------------------------------------------


def test_results_filter_by_wholesale_market(qtbot, make_window):
    window = make_window()
    result = make_result(None, n_offers=6)
    shahe = [dataclasses.replace(o, stall=dataclasses.replace(o.stall, market="沙河"))
             for o in result.offers[3:]]
    result.groups = [make_group(result.offers[:3]), make_group(shahe)]
    window.results_model.set_groups(result.groups)
    window._refresh_market_filter()
    box = window.market_filter
    assert [box.itemText(i) for i in range(box.count())] == ["All markets", "广州十三行", "沙河"]
    box.setCurrentIndex(box.findData("沙河"))
    qtbot.waitUntil(lambda: window.results_model.rowCount() == 1)
    shown = window.results_model.index(0).data(Roles.Group)
    assert {o.stall.market for o in shown.offers} == {"沙河"}
    box.setCurrentIndex(0)
    qtbot.waitUntil(lambda: window.results_model.rowCount() == 2)


def test_results_filter_by_garment_category(qtbot, make_window):
    window = make_window()
    result = make_result(None, n_offers=6)
    trousers = [dataclasses.replace(o, title=f"高腰阔腿裤 {o.item_id}")
                for o in result.offers[3:]]
    dresses = [dataclasses.replace(o, title=f"碎花连衣裙 {o.item_id}")
               for o in result.offers[:3]]
    window.results_model.set_groups([make_group(dresses), make_group(trousers)])
    window._refresh_market_filter()  # refreshes the category choices too
    box = window.category_filter
    assert box.isEnabled()
    assert [box.itemData(i) for i in range(box.count())] == ["", "dress", "trousers"]
    assert [box.itemText(i) for i in range(box.count())] == [
        "All categories", "Dresses", "Trousers"]
    box.setCurrentIndex(box.findData("trousers"))
    qtbot.waitUntil(lambda: window.results_model.rowCount() == 1)
    shown = window.results_model.index(0).data(Roles.Group)
    assert shown.category == "trousers"
    # a new search keeps the choice while its styles have that category, else shows all
    window.results_model.set_groups([make_group(dresses)])
    window._refresh_market_filter()
    window._apply_filters_in_place()
    assert box.currentData() == "" and window.results_model.rowCount() == 1


def test_cards_carry_the_style_number(qtbot, make_window):
    window = make_window()
    offer = dataclasses.replace(make_offer(1), art_no="A8821")
    window.results_model.set_groups([make_group([offer])])
    assert window.results_model.index(0).data(Roles.ArtNo) == "A8821"
