"""The library's dialogs: one line of text, a yes/no, notes and tags, a file to export to.

Module-level functions so that tests can replace them (monkeypatch the module that calls
them). Plus the small text helpers that go with them (tags, a safe export file name).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)

EXPORT_FILTERS = "Excel (*.xlsx);;CSV (*.csv);;HTML (*.html);;JSON (*.json)"




# --- dialogs (module level: tests replace them) -------------------------------------------


def ask_text(parent: QWidget, title: str, label: str, text: str = "") -> str | None:
    """One line of text, or None when cancelled."""
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value if ok else None


def ask_confirm(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


def ask_notes(parent: QWidget, notes: str, tags: list[str]) -> tuple[str, list[str]] | None:
    """The notes and the comma-separated tags of a saved search, or None when cancelled."""
    dialog = QDialog(parent)
    dialog.setObjectName("notesDialog")
    dialog.setWindowTitle(QCoreApplication.translate("LibraryView", "Notes and tags"))
    notes_edit = QPlainTextEdit(notes, dialog)
    notes_edit.setAccessibleName(QCoreApplication.translate("LibraryView", "Notes"))
    tags_edit = QLineEdit(", ".join(tags), dialog)
    tags_edit.setAccessibleName(QCoreApplication.translate("LibraryView", "Tags"))
    tags_edit.setPlaceholderText(
        QCoreApplication.translate("LibraryView", "comma separated, e.g. spring, dresses"))
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form = QFormLayout(dialog)
    form.addRow(QCoreApplication.translate("LibraryView", "Notes"), notes_edit)
    form.addRow(QCoreApplication.translate("LibraryView", "Tags"), tags_edit)
    form.addRow(buttons)
    if not dialog.exec():
        return None
    return notes_edit.toPlainText(), split_tags(tags_edit.text())


def ask_export_path(parent: QWidget, suggested: str) -> str:
    """A file to export to ("" when cancelled); the suffix picks the format."""
    path, chosen = QFileDialog.getSaveFileName(
        parent, QCoreApplication.translate("LibraryView", "Export"), suggested, EXPORT_FILTERS
    )
    if path and not Path(path).suffix and chosen:
        path += chosen[chosen.find("*.") + 1:chosen.find(")")]
    return path


def split_tags(text: str) -> list[str]:
    """"spring, 裙，dresses" -> ["spring", "裙", "dresses"] (ASCII and full-width commas)."""
    return [t.strip() for t in text.replace("，", ",").split(",") if t.strip()]


def export_file_name(title: str, suffix: str = ".xlsx") -> str:
    """A safe default file name from a saved search's title."""
    cleaned = "".join("_" if c in '\\/:*?"<>|' else c for c in title).strip(" .")
    return (cleaned or "results") + suffix
