"""How one saved search is painted in the library list: the query thumbnail, the title (a ★
for a named, kept search), date, market and counts, notes and tags, a change badge."""

from __future__ import annotations

from PySide6.QtCore import (
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPen,
)
from PySide6.QtWidgets import (
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from vvic_desktop.storage.library import SearchSummary
from vvic_desktop.ui.library.model import THUMB_EDGE, LibraryModel, ModelIndex
from vvic_desktop.ui.results.delegate import draw_fitted

ROW_HEIGHT = THUMB_EDGE + 16


class LibraryDelegate(QStyledItemDelegate):
    """A row: the query thumbnail, the title (a ★ for a named, kept search), the date, market
    and counts, the notes and tags, and a change badge when "search again" found changes."""

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        return QSize(option.rect.width() or 480, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        summary: SearchSummary | None = index.data(LibraryModel.SummaryRole)
        if summary is None:
            return
        painter.save()
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            rect = option.rect.adjusted(4, 3, -4, -3)
            selected = bool(option.state & QStyle.StateFlag.State_Selected)
            painter.setPen(QPen(option.palette.highlight().color(), 2) if selected
                           else QPen(QColor("#d8dde6"), 1))
            painter.setBrush(QColor("#eef4ff") if selected else QColor("#ffffff"))
            painter.drawRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
            thumb = QRect(rect.x() + 6, rect.y() + (rect.height() - THUMB_EDGE) // 2,
                          THUMB_EDGE, THUMB_EDGE)
            if not draw_fitted(painter, index.data(LibraryModel.ThumbnailRole), thumb):
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor("#eef1f5"))
                painter.drawRoundedRect(QRectF(thumb), 4, 4)
            left = thumb.right() + 12
            right = rect.right() - 8
            badge_width = self._paint_badge(painter, option, summary, right, rect.y() + 8)
            bold = QFont(option.font)
            bold.setBold(True)
            line = QFontMetrics(option.font).height() + 3
            y = rect.y() + 7
            title = ("★ " if summary.name else "") + summary.title
            self._text(painter, bold, QColor("#1f2937"),
                       QRect(left, y, right - left - badge_width - 8, line), title)
            y += line
            model = index.model()
            facts = model.facts(summary) if isinstance(model, LibraryModel) else ""
            self._text(painter, option.font, QColor("#374151"), QRect(left, y, right - left, line),
                       facts)
            y += line
            extra = " · ".join(p for p in (" ".join(f"#{t}" for t in summary.tags),
                                           summary.notes.replace("\n", " ")) if p)
            self._text(painter, option.font, QColor("#6b7280"), QRect(left, y, right - left, line),
                       extra)
        finally:
            painter.restore()

    @staticmethod
    def _text(painter: QPainter, font: QFont, colour: QColor, rect: QRect, text: str) -> None:
        painter.setFont(font)
        painter.setPen(colour)
        elided = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)

    def _paint_badge(self, painter: QPainter, option: QStyleOptionViewItem,
                     summary: SearchSummary, right: int, top: int) -> int:
        if summary.change_count <= 0:
            return 0
        text = self.tr("%n change(s)", "", summary.change_count)
        font = QFont(option.font)
        font.setBold(True)
        metrics = QFontMetrics(font)
        width = metrics.horizontalAdvance(text) + 14
        badge = QRectF(right - width, top, width, metrics.height() + 4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#e8590c"))
        painter.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
        return width
