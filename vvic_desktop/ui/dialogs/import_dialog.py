"""Import a folder of stall photos (with an optional price list) into the local catalog.

`ImportDialog(services, pools, parent=None)`, objectName "importDialog". The import runs on
`pools.storage` (decoding, storing, embedding); progress and the report come back by signal,
and Cancel stops it between photos (what was imported stays). Emits `imported(report)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vvic_desktop.ui.messages import error_text
from vvic_desktop.workers.tasks import Pools


class ImportDialog(QDialog):
    imported = Signal(object)  # ImportReport
    finished_import = Signal(object, object)  # report | None, error | None

    def __init__(self, services: Any, pools: Pools, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.pools = pools
        self._task: Any = None
        self.setObjectName("importDialog")
        self.setAccessibleName(self.tr("Import photos"))
        self.setWindowTitle(self.tr("Import stall photos into the local catalog"))
        self.setMinimumWidth(560)

        intro = QLabel(self.tr(
            "Choose a folder of photos of stall items. Prices and stall names come from a "
            "CSV file (columns: file, title, price, stall, market, position, min_order, note) "
            "or from file names like 档口_89_连衣裙.jpg. Photos already imported are updated."
        ))
        intro.setWordWrap(True)
        self.folder = QLineEdit()
        self.folder.setObjectName("importFolder")
        self.folder.setAccessibleName(self.tr("Photo folder"))
        self.prices = QLineEdit()
        self.prices.setObjectName("importPrices")
        self.prices.setAccessibleName(self.tr("Price list (CSV, optional)"))
        self.prices.setPlaceholderText(self.tr("optional"))
        form = QFormLayout()
        form.addRow(self.tr("Photo folder:"), self._with_browse(self.folder, self._pick_folder))
        form.addRow(self.tr("Price list (CSV):"), self._with_browse(self.prices, self._pick_csv))

        self.progress = QProgressBar()
        self.progress.setObjectName("importProgress")
        self.progress.hide()
        self.status = QLabel()
        self.status.setObjectName("importStatus")
        self.status.setWordWrap(True)
        self.problems = QPlainTextEdit()
        self.problems.setObjectName("importProblems")
        self.problems.setAccessibleName(self.tr("Skipped files"))
        self.problems.setReadOnly(True)
        self.problems.hide()

        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton(
            self.tr("Import"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setObjectName("importButton")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self._cancel_or_close)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)

    def _with_browse(self, line: QLineEdit, slot: Any) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(line, 1)
        button = QPushButton(self.tr("Browse…"))
        button.clicked.connect(slot)
        row.addWidget(button)
        return box

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Photo folder"))
        if folder:
            self.folder.setText(folder)

    def _pick_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Price list"), "", self.tr("CSV files (*.csv);;All files (*)")
        )
        if path:
            self.prices.setText(path)

    # --- the import --------------------------------------------------------------------------

    def start_import(self) -> None:
        folder_text = self.folder.text().strip()
        if not folder_text:
            self.status.setText(self.tr("Choose a photo folder first."))
            return
        folder = Path(folder_text).expanduser()
        prices_text = self.prices.text().strip()
        prices = Path(prices_text).expanduser() if prices_text else None
        catalog = self.services.local_catalog

        def work(cancel: Any, progress: Any) -> Any:
            def step(done: int, total: int) -> None:
                progress("import", (100 * done) // max(total, 1))

            return catalog.import_folder(folder, prices=prices, cancel=cancel, progress=step)

        self.import_button.setEnabled(False)
        self.cancel_button.setText(self.tr("Cancel"))
        self.progress.setValue(0)
        self.progress.show()
        self.problems.hide()
        self.status.setText(self.tr("Importing…"))
        self._task = self.pools.start(
            self.pools.storage, work, self._done, lambda _stage, pct: self.progress.setValue(pct),
            name="import",
        )

    def _done(self, report: Any, error: Any) -> None:
        self._task = None
        self.import_button.setEnabled(True)
        self.cancel_button.setText(self.tr("Close"))
        self.progress.hide()
        if error is not None:
            text = error_text(error, "import")
            self.status.setText(text)
        else:
            self.status.setText(self.tr(
                "Imported {imported} new and updated {updated} photos; {skipped} skipped."
            ).format(imported=report.imported, updated=report.updated,
                     skipped=len(report.problems)))
            if report.problems:
                self.problems.setPlainText("\n".join(report.problems))
                self.problems.show()
            self.imported.emit(report)
        self.finished_import.emit(report, error)

    def _cancel_or_close(self) -> None:
        if self._task is not None:
            self._task.cancel.cancel()
            self.status.setText(self.tr("Cancelling…"))
        else:
            self.reject()

    def reject(self) -> None:
        if self._task is not None:
            self._task.cancel.cancel()
        super().reject()
