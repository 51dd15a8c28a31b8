"""The library list model: one row per saved search (`SearchSummary`), its query thumbnail
as a pixmap decoded beforehand on the storage pool (painting never decodes)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import (
    QImage,
    QPixmap,
)

from vvic_desktop.storage.library import SearchSummary

THUMB_EDGE = 64

ModelIndex = QModelIndex | QPersistentModelIndex


def local_time(summary: SearchSummary) -> str:
    moment = summary.refreshed_at or summary.created_at
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")



class LibraryModel(QAbstractListModel):
    SummaryRole = Qt.ItemDataRole.UserRole + 1
    ThumbnailRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[SearchSummary] = []
        self._pixmaps: dict[str, QPixmap] = {}  # query_thumb sha -> pixmap

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def summaries(self) -> list[SearchSummary]:
        return list(self._rows)

    def summary(self, row: int) -> SearchSummary:
        return self._rows[row]

    def row_of(self, search_id: int) -> int:
        return next((at for at, s in enumerate(self._rows) if s.id == search_id), -1)

    def known_thumbnails(self) -> set[str]:
        return set(self._pixmaps)

    def set_rows(self, rows: list[SearchSummary], images: dict[str, QImage]) -> None:
        """A new list; `images` are freshly decoded query thumbnails (by sha)."""
        self.beginResetModel()
        self._rows = list(rows)
        for sha, image in images.items():
            self._pixmaps[sha] = QPixmap.fromImage(image)
        wanted = {s.query_thumb for s in rows if s.query_thumb}
        self._pixmaps = {k: v for k, v in self._pixmaps.items() if k in wanted}
        self.endResetModel()

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        summary = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return summary.title
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return ", ".join(p for p in (summary.title, self.facts(summary), summary.notes) if p)
        if role == self.SummaryRole:
            return summary
        if role in (self.ThumbnailRole, Qt.ItemDataRole.DecorationRole):
            return self._pixmaps.get(summary.query_thumb or "")
        return None

    def facts(self, summary: SearchSummary) -> str:
        return self.tr("{date} · {market} · {groups} styles · {offers} listings").format(
            date=local_time(summary), market=summary.market, groups=summary.group_count,
            offers=summary.offer_count)
