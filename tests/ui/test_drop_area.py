"""Intake: dropped files, folders, URLs and pasted pictures become queued photos, without
ever blocking the window; the strip shows them with lazily made thumbnails."""

from __future__ import annotations

import io
import itertools
import os
import threading
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QFileDialog
from scripted_server import Reply, ScriptedServer

from vvic_desktop.paths import AppPaths
from vvic_desktop.storage.settings import Settings
from vvic_desktop.ui import drop_area as drop_module
from vvic_desktop.ui.drop_area import (
    BATCH,
    DropArea,
    IntakePhoto,
    collect_image_files,
    paths_from_mime,
)
from vvic_desktop.ui.intake_strip import IntakeStrip


def png_bytes(colour: tuple[int, int, int] = (200, 40, 40), size: int = 24) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def drop(qtbot, pools, data_dir):
    widget = DropArea(pools, Settings(), AppPaths.resolve(data_dir))
    qtbot.addWidget(widget)
    return widget


def collect(qtbot, drop: DropArea, start) -> list[IntakePhoto]:  # type: ignore[no-untyped-def]
    """Run `start()` and gather every photo and problem until the drop area is idle."""
    photos: list[IntakePhoto] = []
    drop.photosAdded.connect(photos.extend)
    start()
    qtbot.waitUntil(lambda: drop.pending() == 0, timeout=10_000)
    drop.photosAdded.disconnect(photos.extend)
    return photos


def mime_with_urls(*urls: QUrl) -> QMimeData:
    mime = QMimeData()
    mime.setUrls(list(urls))
    return mime


# --- paths_from_mime --------------------------------------------------------------------------


def test_paths_from_mime_sorts_files_web_and_refused(tmp_path: Path) -> None:
    photo = tmp_path / "a photo 照片.jpg"
    mime = mime_with_urls(
        QUrl.fromLocalFile(str(photo)),
        QUrl("https://img.example.com/p/1.jpg?x=1"),
        QUrl("http://example.com/2.png"),
        QUrl("data:image/png;base64,iVBORw0KGgo="),
        QUrl("javascript:alert(1)"),
        QUrl("blob:https://example.com/uuid"),
        QUrl("ftp://example.com/3.jpg"),
    )
    paths, urls, refused = paths_from_mime(mime)
    assert paths == [photo]
    assert urls == [
        "https://img.example.com/p/1.jpg?x=1",
        "http://example.com/2.png",
        "data:image/png;base64,iVBORw0KGgo=",
    ]
    assert len(refused) == 3
    assert any(r.startswith("javascript:") for r in refused)


def test_paths_from_mime_reads_addresses_from_plain_text(tmp_path: Path) -> None:
    mime = QMimeData()
    local = QUrl.fromLocalFile(str(tmp_path / "b.png")).toString()
    mime.setText(f"https://example.com/a.jpg\nnot an address\n{local}\n")
    paths, urls, refused = paths_from_mime(mime)
    assert urls == ["https://example.com/a.jpg"]
    assert paths == [tmp_path / "b.png"]
    assert refused == []


def test_paths_from_mime_caps_data_urls() -> None:
    huge = "data:image/png;base64," + "A" * (drop_module.MAX_DATA_URL_CHARS + 10)
    paths, urls, refused = paths_from_mime(mime_with_urls(QUrl(huge)))
    assert (paths, urls) == ([], [])
    assert len(refused) == 1 and "20 MB" in refused[0]


# --- collect_image_files ----------------------------------------------------------------------


def test_folder_walk_skips_non_regular_files_and_symlink_loops(tmp_path: Path) -> None:
    root = tmp_path / "drop"
    (root / "sub" / "deeper").mkdir(parents=True)
    for rel in ("a.jpg", "sub/b.PNG", "sub/deeper/c.webp"):
        (root / rel).write_bytes(png_bytes())
    (root / "notes.txt").write_text("not a photo")
    os.mkfifo(root / "pipe.jpg")  # opening it would block forever
    os.symlink("/dev/zero", root / "zero.jpg")  # a device behind an image name
    os.symlink(root, root / "sub" / "loop")  # a symlink back up: followlinks=False
    result = collect_image_files([root])
    assert sorted(p.relative_to(root).as_posix() for p in result.files) == [
        "a.jpg", "sub/b.PNG", "sub/deeper/c.webp",
    ]
    assert result.skipped == 2
    assert not result.capped


def test_folder_walk_is_capped_in_count_and_depth(tmp_path: Path) -> None:
    many = tmp_path / "many"
    many.mkdir()
    for i in range(30):
        (many / f"{i:02}.jpg").write_bytes(b"x")
    capped = collect_image_files([many], max_files=10)
    assert len(capped.files) == 10 and capped.capped

    deep = tmp_path / "deep"
    folder = deep
    for level in range(6):
        folder = folder / f"l{level}"
        folder.mkdir(parents=True)
        (folder / "p.jpg").write_bytes(b"x")
    shallow = collect_image_files([deep], max_depth=3)
    # three folder levels below the dropped one: l0, l0/l1, l0/l1/l2; l3 and below are not read
    assert sorted(len(p.relative_to(deep).parts) for p in shallow.files) == [2, 3, 4]
    assert shallow.capped


def test_a_dropped_fifo_is_refused_with_a_message(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = collect_image_files([fifo, tmp_path / "missing.jpg"])
    assert result.files == []
    assert len(result.problems) == 2
    assert "not a regular file" in result.problems[0]


# --- the widget with real events ----------------------------------------------------------------


def test_real_drag_enter_and_drop_of_files_and_a_folder(qtbot, drop, tmp_path: Path) -> None:
    single = tmp_path / "single.jpg"
    single.write_bytes(png_bytes())
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "x.png").write_bytes(png_bytes((0, 90, 0)))
    mime = mime_with_urls(QUrl.fromLocalFile(str(single)), QUrl.fromLocalFile(str(folder)))
    drop.resize(300, 120)
    drop.show()
    point = QPointF(50, 40)
    # PySide6 6.11 (pinned) takes a QPoint for QDragEnterEvent, a QPointF for QDropEvent
    enter = QDragEnterEvent(
        point.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(drop, enter)
    assert enter.isAccepted()
    event = QDropEvent(
        point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(drop.photosAdded, timeout=5000) as blocker:
        QApplication.sendEvent(drop, event)
    assert event.isAccepted()
    assert sorted(p.path.name for p in blocker.args[0]) == ["single.jpg", "x.png"]


def test_drag_enter_ignores_data_without_urls_text_or_image(drop) -> None:
    mime = QMimeData()
    mime.setData("application/x-custom", b"1")
    enter = QDragEnterEvent(
        QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(drop, enter)
    assert not enter.isAccepted()


def test_a_thousand_files_are_taken_at_once_and_handed_out_in_slices(
    qtbot, drop, tmp_path: Path, monkeypatch
) -> None:
    """The drop handler only queues: the folder walk and file checks run on a worker, and
    the photos come back BATCH at a time with the event loop turning between slices.
    (Handler time and heartbeat gaps on this machine: tests/bench/bench_drop.py.)"""
    data = png_bytes()
    files = []
    for i in range(1000):
        path = tmp_path / f"p{i:04}.png"
        path.write_bytes(data)
        files.append(QUrl.fromLocalFile(str(path)))
    strip = IntakeStrip(drop._pools)
    qtbot.addWidget(strip)
    strip.resize(600, 100)
    strip.show()
    drop.photosAdded.connect(strip.add_photos)
    problems: list[str] = []
    drop.problem.connect(problems.append)
    gui = threading.current_thread()
    walked_on: list[threading.Thread] = []
    real_collect = drop_module.collect_image_files

    def collect(*args, **kwargs):
        walked_on.append(threading.current_thread())
        return real_collect(*args, **kwargs)

    monkeypatch.setattr(drop_module, "collect_image_files", collect)
    events: list[int] = []  # 0: an event-loop turn (a 0-ms timer), n: a slice of n photos
    drop.photosAdded.connect(lambda photos: events.append(len(photos)))
    turns = QTimer()
    turns.setInterval(0)
    turns.timeout.connect(lambda: events.append(0))

    mime = mime_with_urls(*files)
    drop.show()
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(drop, QDragEnterEvent(QPoint(10, 10), *args))
    QApplication.sendEvent(drop, QDropEvent(QPointF(10, 10), *args))
    assert drop.pending() == 1 and strip.count() == 0  # queued, nothing read in the handler
    turns.start()
    qtbot.waitUntil(lambda: drop.pending() == 0, timeout=60_000)
    turns.stop()
    assert strip.count() == 1000, problems
    assert walked_on and gui not in walked_on
    slices = [n for n in events if n]
    assert sum(slices) == 1000 and max(slices) <= BATCH and len(slices) >= 1000 // BATCH
    delivery = events[events.index(slices[0]):]
    assert all(a == 0 or b == 0 for a, b in itertools.pairwise(delivery))  # a turn between
    # the visible thumbnails arrive too
    qtbot.waitUntil(lambda: strip.model_.thumbnail_ready(strip.photos()[0].key), timeout=30_000)
    assert strip.current_photo() is not None and strip.current_photo().path.name == "p0000.png"


def test_refused_schemes_give_a_message(qtbot, drop) -> None:
    mime = mime_with_urls(QUrl("javascript:alert(document.cookie)"))
    with qtbot.waitSignal(drop.problem) as blocker:
        drop.take_mime(mime)
    assert "http/https" in blocker.args[0]
    assert drop.pending() == 0


def test_a_missing_file_and_a_fifo_give_messages(qtbot, drop, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.jpg"
    os.mkfifo(fifo)
    problems: list[str] = []
    drop.problem.connect(problems.append)
    photos = collect(qtbot, drop, lambda: drop.add_paths([str(fifo), str(tmp_path / "gone.jpg")]))
    assert photos == []
    assert any("not a regular file" in p for p in problems)
    assert any("gone.jpg" in p for p in problems)


# --- URLs through a loopback server --------------------------------------------------------------


@pytest.fixture
def image_server():
    routes = {
        "/dress.png": Reply(200, png_bytes((10, 20, 200), 40), {"Content-Type": "image/png"}),
        "/placeholder.jpg": Reply(200, b"<!DOCTYPE html><html>hotlink denied</html>",
                                  {"Content-Type": "image/jpeg"}),
    }
    server = ScriptedServer()
    server.script(lambda seen: routes.get(
        seen.path, Reply(404, b"missing", {"Content-Type": "text/plain"})))
    yield server.url
    server.close()


def test_browser_image_urls_are_downloaded_on_a_worker(qtbot, pools, data_dir, image_server):
    drop = DropArea(pools, Settings(), AppPaths.resolve(data_dir), allow_private_hosts=True)
    qtbot.addWidget(drop)
    problems: list[str] = []
    drop.problem.connect(problems.append)
    mime = mime_with_urls(
        QUrl(image_server + "/dress.png"), QUrl(image_server + "/placeholder.jpg")
    )
    photos = collect(qtbot, drop, lambda: drop.take_mime(mime))
    assert len(photos) == 1
    photo = photos[0]
    assert photo.origin == "url" and photo.url == image_server + "/dress.png"
    assert photo.path.is_file() and photo.path.is_relative_to(data_dir)
    with Image.open(photo.path) as saved:
        assert saved.getpixel((5, 5)) == (10, 20, 200)
    assert len(problems) == 1 and "HTML" in problems[0]


def test_loopback_urls_are_refused_by_default(qtbot, drop, image_server) -> None:
    problems: list[str] = []
    drop.problem.connect(problems.append)
    photos = collect(qtbot, drop, lambda: drop.add_urls([image_server + "/dress.png"]))
    assert photos == []
    assert len(problems) == 1 and "not allowed" in problems[0]


def test_data_urls_are_decoded(qtbot, drop) -> None:
    import base64

    url = "data:image/png;base64," + base64.b64encode(png_bytes((1, 2, 3))).decode()
    photos = collect(qtbot, drop, lambda: drop.take_mime(mime_with_urls(QUrl(url))))
    assert len(photos) == 1 and photos[0].label == "data:"
    with Image.open(photos[0].path) as saved:
        assert saved.getpixel((0, 0)) == (1, 2, 3)


# --- clipboard and the file dialog ---------------------------------------------------------------


def test_paste_a_clipboard_image(qtbot, drop) -> None:
    image = QImage(30, 20, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    for x in range(10):
        image.setPixel(x, 0, 0xFF0000FF)  # opaque blue in ARGB32
    QGuiApplication.clipboard().setImage(image)
    photos = collect(qtbot, drop, drop.paste_from_clipboard)
    assert len(photos) == 1 and photos[0].origin == "clipboard"
    with Image.open(photos[0].path) as pasted:
        assert pasted.size == (30, 20)
        assert pasted.convert("RGB").getpixel((3, 0)) == (0, 0, 255)
        assert pasted.convert("RGB").getpixel((20, 10)) == (255, 255, 255)


def test_paste_addresses_and_an_empty_clipboard(qtbot, drop, tmp_path: Path) -> None:
    photo = tmp_path / "copied.png"
    photo.write_bytes(png_bytes())
    QGuiApplication.clipboard().setText(QUrl.fromLocalFile(str(photo)).toString())
    photos = collect(qtbot, drop, drop.paste_from_clipboard)
    assert [p.path for p in photos] == [photo]
    QGuiApplication.clipboard().clear()
    with qtbot.waitSignal(drop.problem) as blocker:
        drop.paste_from_clipboard()
    assert "clipboard" in blocker.args[0]


def test_open_files_dialog_adds_the_chosen_files(qtbot, drop, tmp_path, monkeypatch) -> None:
    chosen = tmp_path / "chosen.png"
    chosen.write_bytes(png_bytes())
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([str(chosen)], ""))
    )
    photos = collect(qtbot, drop, drop.open_files_dialog)
    assert [p.path for p in photos] == [chosen]
    assert drop._settings.get("state.last_folder") == str(tmp_path)


# --- the strip ----------------------------------------------------------------------------------


def test_strip_selects_removes_and_marks_unreadable_photos(qtbot, pools, tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    good.write_bytes(png_bytes())
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"<html>not a picture</html>")
    strip = IntakeStrip(pools)
    qtbot.addWidget(strip)
    strip.show()
    current: list[object] = []
    strip.currentPhotoChanged.connect(current.append)
    photos = [IntakePhoto(good, good.name), IntakePhoto(bad, bad.name)]
    strip.add_photos(photos)
    strip.add_photos([IntakePhoto(good, "again")])  # duplicate by key: ignored
    assert strip.count() == 2
    assert current == [photos[0]]
    qtbot.waitUntil(lambda: strip.model_.thumbnail_ready(photos[0].key))
    qtbot.waitUntil(lambda: strip.model_.thumbnail_problem(photos[1].key) is not None)
    assert "not a supported image" in strip.model_.thumbnail_problem(photos[1].key)

    strip.select(1)
    assert current[-1] == photos[1]
    removed: list[list[str]] = []
    strip.photosRemoved.connect(removed.append)
    strip.remove_selected()
    assert removed == [[photos[1].key]]
    assert strip.current_photo() == photos[0]
    strip.setFocus()
    qtbot.keyClick(strip, Qt.Key.Key_Delete)
    assert strip.count() == 0
    assert current[-1] is None


def test_dropped_image_data_without_an_address_is_kept(qtbot, drop) -> None:
    image = QImage(16, 12, QImage.Format.Format_RGB32)
    image.fill(0xFF00FF00)  # opaque green
    mime = QMimeData()
    mime.setImageData(image)
    photos = collect(qtbot, drop, lambda: drop.take_mime(mime))
    assert len(photos) == 1
    with Image.open(photos[0].path) as saved:
        assert saved.size == (16, 12) and saved.mode == "RGB"
        assert saved.getpixel((8, 6)) == (0, 255, 0)


def test_a_huge_clipboard_image_is_refused_with_a_message(qtbot, drop, monkeypatch) -> None:
    monkeypatch.setattr(drop_module.intake, "MAX_IMAGE_PIXELS", 100 * 100)
    image = QImage(200, 100, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFFFF)
    QGuiApplication.clipboard().setImage(image)
    problems: list[str] = []
    drop.problem.connect(problems.append)
    photos = collect(qtbot, drop, drop.paste_from_clipboard)
    assert photos == []
    assert len(problems) == 1 and "200" in problems[0]
