"""The Batch tab: photos and folders in, a batch run to the end off the GUI thread, the
paused message when the platform makes it wait, export, and resume after a restart."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from batch_photos import listing_photos
from PySide6.QtCore import Qt

from vvic_desktop.core.batch import DONE, FAILED, PAUSED, QUEUED
from vvic_desktop.services import SearchServices
from vvic_desktop.ui.batch_view import BatchView


@pytest.fixture
def folder(tmp_path: Path, sandbox_catalog) -> Path:
    photos = tmp_path / "wish list"
    listing_photos(sandbox_catalog, photos, 4)
    (photos / "broken.jpg").write_bytes(b"\xff\xd8 torn")
    return photos


@pytest.fixture
def make_view(qtbot, pools, sandbox):
    made = []

    def make() -> BatchView:
        services = SearchServices.open(sandbox=sandbox)
        view = BatchView(services, pools, services.settings)
        qtbot.addWidget(view)
        view.show()
        made.append(view)
        return view

    yield make
    for view in made:
        view.shutdown()
        view.services.close()


def test_a_folder_runs_to_the_end_and_exports_one_workbook(qtbot, make_view, folder, tmp_path):
    view = make_view()
    assert view.market_box.currentData() == "vvic"  # demo: the demo marketplace
    assert not view.start_button.isEnabled()
    with qtbot.waitSignal(view.photosAdded, timeout=10_000):
        view.add_paths([folder])  # walked on a worker
    assert view.start_button.isEnabled() and "5 photos added" in view.header.text()
    # listed before Start, each queued, with its picture
    assert view.model.rowCount() == 5
    assert {view.model.index(r, 1).data() for r in range(5)} == {"queued"}
    with qtbot.waitSignal(view.batchFinished, timeout=60_000) as finished:
        view.start()
    info = finished.args[0]
    assert info.counts == {DONE: 4, FAILED: 1}
    qtbot.waitUntil(lambda: view.model.rowCount() == 5 and all(
        i.state in (DONE, FAILED) for i in view.model.items))
    broken = next(i for i in view.model.items if i.state == FAILED)
    assert broken.name == "broken.jpg" and broken.error_message
    # a small picture of each readable photo beside its name; none for the torn file
    qtbot.waitUntil(lambda: len(view.model.thumbnails) == 4, timeout=10_000)
    pictures = {view.model.index(r, 0).data(): view.model.index(r, 0).data(
        Qt.ItemDataRole.DecorationRole) for r in range(5)}
    assert pictures["broken.jpg"] is None
    assert all(not p.isNull() for name, p in pictures.items() if name != "broken.jpg")
    states = {view.model.index(r, 1).data() for r in range(5)}
    assert states == {"done", "failed"}
    assert "4 of 5" not in view.header.text() and "5 of 5 photos" in view.header.text()
    assert view.retry_button.isEnabled() and view.export_button.isEnabled()
    out = tmp_path / "batch.xlsx"
    with qtbot.waitSignal(view.exportFinished, timeout=30_000) as exported:
        view.export(out)
    assert exported.args == ["xlsx", None]
    sheet = openpyxl.load_workbook(out).worksheets[0]
    headings = [r[3] for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] is None
                and r[3]]
    assert len(headings) == 4  # a section per photo that was searched


def test_quota_exhausted_shows_when_it_resumes_and_a_restart_offers_to_resume(
    qtbot, make_view, folder, sandbox
) -> None:
    view = make_view()
    with qtbot.waitSignal(view.photosAdded, timeout=10_000):
        view.add_paths([folder / "p0.jpg", folder / "p1.jpg"])
    sandbox.inject("429-long")  # the platform says: come back tomorrow
    view.start()
    qtbot.waitUntil(lambda: view.notice.isVisible(), timeout=30_000)
    assert "resumes at" in view.notice.text()
    # every call sent counts against the AppKey's minute, the refused one too
    qtbot.waitUntil(lambda: f"{len(sandbox.call_log)} of 20 calls used this minute"
                    in view.header.text(), timeout=10_000)
    assert view.pause_button.isEnabled()
    with qtbot.waitSignal(view.batchFinished, timeout=30_000) as finished:
        view.pause()
    info = finished.args[0]
    # the photo that met the 429 waits in the queue; nothing failed, nothing was lost
    assert info.state == PAUSED and info.counts.get(QUEUED) and not info.counts.get(FAILED)
    # a new window (after a restart) finds the unfinished batch and resumes it
    again = make_view()
    qtbot.waitUntil(lambda: again.batch_id == info.id and again.start_button.isEnabled(),
                    timeout=10_000)
    import sqlite3

    with sqlite3.connect(again.services.paths.data / "quota.sqlite3") as conn:  # next day
        conn.execute("DELETE FROM penalties")
    with qtbot.waitSignal(again.batchFinished, timeout=60_000) as done:
        again.start()
    assert done.args[0].counts == {DONE: 2}
