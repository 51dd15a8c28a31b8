"""The import dialog: a folder of stall photos and a price list into the local catalog."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from vvic_desktop.services import SearchServices
from vvic_desktop.ui.dialogs.import_dialog import ImportDialog


def test_import_runs_off_the_gui_thread_and_reports_skipped_files(
    qtbot, pools, tmp_path: Path
) -> None:
    folder = tmp_path / "stalls"
    folder.mkdir()
    for n, colour in enumerate([(200, 20, 20), (20, 20, 200)]):
        Image.new("RGB", (240, 320), colour).save(folder / f"档口{n}_{90 + n}_连衣裙{n}.jpg")
    (folder / "bad.jpg").write_bytes(b"\xff\xd8 not really")
    prices = tmp_path / "prices.csv"
    prices.write_text("file,title,price\n档口1_91_连衣裙1.jpg,蓝色连衣裙,88\n", encoding="utf-8")
    services = SearchServices.open()
    dialog = ImportDialog(services, pools)
    qtbot.addWidget(dialog)
    dialog.start_import()
    assert "Choose a photo folder" in dialog.status.text()
    dialog.folder.setText(str(folder))
    dialog.prices.setText(str(prices))
    with qtbot.waitSignal(dialog.finished_import, timeout=30_000) as done:
        dialog.start_import()
        assert not dialog.import_button.isEnabled()
    report, error = done.args
    assert error is None and report.imported == 2
    assert "Imported 2 new" in dialog.status.text() and "1 skipped" in dialog.status.text()
    assert dialog.problems.isVisibleTo(dialog) and "bad.jpg" in dialog.problems.toPlainText()
    titles = {o.title: o.price for offers in services.local_catalog.offers_by_picture().values()
              for o in offers}
    assert str(titles["蓝色连衣裙"]) == "88"
    services.close()


def test_a_missing_folder_is_reported_in_the_dialog(qtbot, pools, tmp_path: Path) -> None:
    services = SearchServices.open()
    dialog = ImportDialog(services, pools)
    qtbot.addWidget(dialog)
    dialog.folder.setText(str(tmp_path / "nowhere"))
    with qtbot.waitSignal(dialog.finished_import, timeout=10_000) as done:
        dialog.start_import()
    assert done.args[1] is not None
    assert "nowhere" in dialog.status.text()
    assert dialog.import_button.isEnabled()
    services.close()
