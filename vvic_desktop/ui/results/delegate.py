"""Paints group and offer cards for the results grid from the model's roles.

Every card has the same size (`CARD_SIZE`), so the view can lay out 10,000 of them with
`uniformItemSizes` without asking for each one's size.

Group card: the representative picture with an "N stalls" badge, the price range, the best
offer's price and stall, its credit badge and position, and the expand toggle.
Offer card (a member shown under an expanded group, with an accent bar on its left): price,
similarity, stall name and position, market, credit badge, stock and minimum order.

While a picture loads the card shows a placeholder; when it cannot be loaded, a clear
"No image" state; a listing the search marked `picture_unavailable` (its picture refused by
the one picture loader or its download) shows "Picture unavailable" and is never fetched.
Pictures are decoded at the view's devicePixelRatio (see thumbnails.py) and drawn at their
logical size, so they stay sharp on HiDPI screens.

Signal `toggleRequested(int row)`: the user clicked a group card's toggle.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from vvic_desktop.ui.results.model import Roles, format_price
from vvic_desktop.ui.results.thumbnails import DEFAULT_EDGE, ThumbState

MARGIN = 4  # between cards
PAD = 8  # inside a card
CARD_SIZE = QSize(DEFAULT_EDGE + 2 * (MARGIN + PAD), DEFAULT_EDGE + 2 * (MARGIN + PAD) + 104)

PRICE_COLOUR = QColor("#d4380d")
MUTED = QColor("#6b7280")
TEXT = QColor("#1f2937")
LINK = QColor("#1d4ed8")
BORDER = QColor("#d8dde6")
OFFER_BG = QColor("#f6f8fb")
ACCENT = QColor("#f59e0b")
PLACEHOLDER_BG = QColor("#eef1f5")
CREDIT_COLOURS = {"A": QColor("#15803d"), "B": QColor("#2563eb"), "C": QColor("#9ca3af")}

ModelIndex = QModelIndex | QPersistentModelIndex


def card_rect(rect: QRect) -> QRect:
    return rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)


def thumb_rect(rect: QRect) -> QRect:
    card = card_rect(rect)
    return QRect(card.x() + PAD, card.y() + PAD, DEFAULT_EDGE, DEFAULT_EDGE)


def _line_height(font: QFont) -> int:
    return QFontMetrics(font).height() + 2


def toggle_rect(rect: QRect, font: QFont) -> QRect:
    """Where a group card's expand toggle sits (the card's last line)."""
    card = card_rect(rect)
    height = _line_height(font) + 4
    return QRect(card.x() + PAD, card.bottom() - PAD - height + 1, card.width() - 2 * PAD, height)


def draw_fitted(painter: QPainter, pixmap: object, area: QRect) -> bool:
    """Draw `pixmap` centred in `area`, scaled to fit in proportion (at its logical size, so
    it stays sharp on HiDPI); False, and nothing drawn, when there is no picture."""
    if not isinstance(pixmap, QPixmap) or pixmap.isNull():
        return False
    size = pixmap.deviceIndependentSize().toSize()
    size.scale(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    target = QRect(0, 0, size.width(), size.height())
    target.moveCenter(area.center())
    painter.drawPixmap(target, pixmap)
    return True


def fit_keeping_tail(metrics: QFontMetrics, head: str, tail: str, joiner: str,
                     width: int) -> str:
    """`head + joiner + tail` in `width` pixels, shortening the head (with …) and never the
    tail."""
    text = joiner.join(p for p in (head, tail) if p)
    if not head or not tail or metrics.horizontalAdvance(text) <= width:
        return text
    room = width - metrics.horizontalAdvance(joiner + tail)
    short = metrics.elidedText(head, Qt.TextElideMode.ElideRight, max(room, 0))
    return (short + joiner if short else "") + tail


class ResultsDelegate(QStyledItemDelegate):
    toggleRequested = Signal(int)

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        return QSize(CARD_SIZE)

    # -- painting ----------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        painter.save()
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            is_group = index.data(Roles.Kind) == "group"
            selected = bool(option.state & QStyle.StateFlag.State_Selected)
            self._paint_frame(painter, option, is_group, selected)
            self._paint_thumbnail(painter, option, index)
            if is_group:
                self._paint_group_text(painter, option, index)
            else:
                self._paint_offer_text(painter, option, index)
        finally:
            painter.restore()

    def _paint_frame(self, painter: QPainter, option: QStyleOptionViewItem, is_group: bool,
                     selected: bool) -> None:
        card = QRectF(card_rect(option.rect)).adjusted(0.5, 0.5, -0.5, -0.5)
        highlight = option.palette.highlight().color()
        painter.setPen(QPen(highlight, 2) if selected else QPen(BORDER, 1))
        painter.setBrush(QBrush(QColor("#ffffff") if is_group else OFFER_BG))
        painter.drawRoundedRect(card, 6, 6)
        if not is_group:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(ACCENT)
            painter.drawRoundedRect(QRectF(card.x() + 1, card.y() + 8, 3, card.height() - 16),
                                    1.5, 1.5)

    def _paint_thumbnail(self, painter: QPainter, option: QStyleOptionViewItem,
                         index: ModelIndex) -> None:
        area = thumb_rect(option.rect)
        state = index.data(Roles.ThumbnailState)
        if not draw_fitted(painter, index.data(Roles.Thumbnail), area):
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(PLACEHOLDER_BG)
            painter.drawRoundedRect(QRectF(area), 4, 4)
            painter.setPen(MUTED)
            text = self.placeholder_text(index)
            if state != ThumbState.LOADING or index.data(Roles.PictureUnavailable):
                self._paint_no_image_icon(painter, area)
            label = QRect(area.x(), area.center().y() + 18, area.width(), 20)
            painter.drawText(label, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                             text)
        if index.data(Roles.Kind) == "group":
            self._paint_stall_badge(painter, option, area, int(index.data(Roles.StallCount)))
        self._paint_marks(painter, option, area, index)

    def placeholder_text(self, index: ModelIndex) -> str:
        """What the picture area says when there is no picture to draw: a listing whose
        picture the search refused (PictureUnavailable) says so instead of waiting."""
        if index.data(Roles.PictureUnavailable):
            return self.tr("Picture unavailable")
        if index.data(Roles.ThumbnailState) == ThumbState.LOADING:
            return self.tr("Loading picture…")
        return self.tr("No image")

    def change_text(self, index: ModelIndex) -> str:
        """The change badge of a card ("" for none): a saved search after "search again"."""
        if index.data(Roles.Kind) == "group":
            count = int(index.data(Roles.ChangeCount) or 0)
            return self.tr("%n changed", "", count) if count else ""
        return {"new": self.tr("New"), "price_down": self.tr("Price down"),
                "price_up": self.tr("Price up")}.get(index.data(Roles.Change) or "", "")

    def _paint_marks(self, painter: QPainter, option: QStyleOptionViewItem, area: QRect,
                     index: ModelIndex) -> None:
        """The ★ of a shortlisted offer and the change badge, at the picture's top right."""
        font = QFont(option.font)
        font.setBold(True)
        metrics = QFontMetrics(font)
        right = area.right() - 6
        painter.setFont(font)
        if index.data(Roles.Shortlisted):
            star = QRectF(right - metrics.height() - 4, area.y() + 6, metrics.height() + 4,
                          metrics.height() + 4)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(255, 255, 255, 220))
            painter.drawEllipse(star)
            painter.setPen(ACCENT)
            painter.drawText(star, Qt.AlignmentFlag.AlignCenter, "★")
            right = int(star.x()) - 4
        text = self.change_text(index)
        if text:
            change = index.data(Roles.Change)
            colour = {"price_down": CREDIT_COLOURS["A"], "price_up": PRICE_COLOUR}.get(
                change, QColor("#e8590c"))
            width = metrics.horizontalAdvance(text) + 12
            badge = QRectF(right - width, area.y() + 6, width, metrics.height() + 4)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(badge, 3, 3)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)

    @staticmethod
    def _paint_no_image_icon(painter: QPainter, area: QRect) -> None:
        centre = QPointF(area.center())
        frame = QRectF(centre.x() - 22, centre.y() - 30, 44, 34)
        painter.setPen(QPen(MUTED, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(frame, 4, 4)
        painter.drawLine(frame.topLeft() + QPointF(-4, -4), frame.bottomRight() + QPointF(4, 4))

    def _paint_stall_badge(self, painter: QPainter, option: QStyleOptionViewItem, area: QRect,
                           stalls: int) -> None:
        text = self.tr("%n stall(s)", "", stalls)
        font = QFont(option.font)
        font.setBold(True)
        metrics = QFontMetrics(font)
        badge = QRectF(area.x() + 6, area.y() + 6, metrics.horizontalAdvance(text) + 14,
                       metrics.height() + 4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(17, 24, 39, 200))
        painter.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)

    def _text_lines(self, option: QStyleOptionViewItem) -> tuple[QRect, int]:
        area = thumb_rect(option.rect)
        card = card_rect(option.rect)
        top = area.bottom() + 7
        return QRect(card.x() + PAD, top, card.width() - 2 * PAD, 0), _line_height(option.font)

    def _draw_line(self, painter: QPainter, font: QFont, colour: QColor, rect: QRect,
                   text: str, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> None:
        painter.setFont(font)
        painter.setPen(colour)
        elided = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, align | Qt.AlignmentFlag.AlignVCenter, elided)

    def _draw_keeping_tail(self, painter: QPainter, font: QFont, colour: QColor, rect: QRect,
                           head: str, tail: str, joiner: str, empty: str = "") -> None:
        """`head` and `tail` on one line; when it is too long the head is shortened, never the
        tail (the stall position, 7F-701, is what the buyer walks to; the market name is
        what they know already)."""
        text = fit_keeping_tail(QFontMetrics(font), head, tail, joiner, rect.width()) or empty
        self._draw_line(painter, font, colour, rect, text)

    def _price_font(self, option: QStyleOptionViewItem) -> QFont:
        font = QFont(option.font)
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25 if font.pointSizeF() > 0 else 12)
        return font

    def _paint_credit(self, painter: QPainter, option: QStyleOptionViewItem, x: int, y: int,
                      height: int, level: str) -> int:
        """A small coloured badge with the credit level; returns its width (0 if unknown)."""
        if not level:
            return 0
        font = QFont(option.font)
        font.setBold(True)
        text = self.tr("Credit {level}").format(level=level)
        width = QFontMetrics(font).horizontalAdvance(text) + 10
        badge = QRectF(x, y + 1, width, height - 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(CREDIT_COLOURS.get(level.upper(), MUTED))
        painter.drawRoundedRect(badge, 3, 3)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
        return width + 6

    def _price_text(self, low: Decimal | None, high: Decimal | None) -> str:
        """One price, or "¥12.00–18.00" when the two ends differ."""
        if low is not None and high is not None and high != low:
            return self.tr("{low}–{high}").format(low=format_price(low),
                                                  high=format_price(high).lstrip("¥"))
        return format_price(low)

    def _paint_group_text(self, painter: QPainter, option: QStyleOptionViewItem,
                          index: ModelIndex) -> None:
        line, height = self._text_lines(option)
        price_font = self._price_font(option)
        price_height = QFontMetrics(price_font).height() + 2
        prices = self._price_text(index.data(Roles.PriceMin), index.data(Roles.PriceMax))
        y = line.y()
        self._draw_line(painter, price_font, PRICE_COLOUR,
                        QRect(line.x(), y, line.width(), price_height), prices)
        y += price_height
        best = self.tr("Best {price} · {stall}").format(
            price=format_price(index.data(Roles.Price)), stall=index.data(Roles.StallName) or "—")
        self._draw_line(painter, option.font, TEXT, QRect(line.x(), y, line.width(), height),
                        best)
        y += height
        used = self._paint_credit(painter, option, line.x(), y, height,
                                  index.data(Roles.Credit) or "")
        self._draw_keeping_tail(painter, option.font, MUTED,
                                QRect(line.x() + used, y, line.width() - used, height),
                                index.data(Roles.Market) or "",
                                index.data(Roles.StallPosition) or "", " ")
        y += height
        summary = self.tr("Median {price} · {n} in stock").format(
            price=format_price(index.data(Roles.PriceMedian)),
            n=index.data(Roles.InStockCount))
        if index.data(Roles.ArtNo):  # 货号 of the best offer: what a buyer asks the stall for
            summary += " · " + self.tr("No. {art_no}").format(art_no=index.data(Roles.ArtNo))
        self._draw_line(painter, option.font, MUTED, QRect(line.x(), y, line.width(), height),
                        summary)
        toggle = toggle_rect(option.rect, option.font)
        count = int(index.data(Roles.OfferCount))
        if count < 2:
            self._draw_line(painter, option.font, MUTED, toggle, self.tr("Only one listing"))
        elif index.data(Roles.Expanded):
            self._draw_line(painter, option.font, LINK, toggle,
                            self.tr("▾ Collapse {n} listings").format(n=count))
        else:
            self._draw_line(painter, option.font, LINK, toggle,
                            self.tr("▸ Show all {n} listings").format(n=count))

    def _paint_offer_text(self, painter: QPainter, option: QStyleOptionViewItem,
                          index: ModelIndex) -> None:
        line, height = self._text_lines(option)
        price_font = self._price_font(option)
        price_height = QFontMetrics(price_font).height() + 2
        text = self._price_text(index.data(Roles.Price), index.data(Roles.PriceHigh))
        y = line.y()
        similarity = index.data(Roles.Similarity)
        if similarity is not None:
            match = self.tr("{percent}% match").format(percent=round(similarity * 100))
            self._draw_line(painter, option.font, MUTED,
                            QRect(line.x(), y, line.width(), price_height), match,
                            Qt.AlignmentFlag.AlignRight)
        self._draw_line(painter, price_font, PRICE_COLOUR,
                        QRect(line.x(), y, line.width() - 70, price_height), text)
        y += price_height
        self._draw_keeping_tail(painter, option.font, TEXT,
                                QRect(line.x(), y, line.width(), height),
                                index.data(Roles.StallName) or "",
                                index.data(Roles.StallPosition) or "", " · ", empty="—")
        y += height
        self._draw_line(painter, option.font, MUTED, QRect(line.x(), y, line.width(), height),
                        " · ".join(p for p in (index.data(Roles.Market),
                                               index.data(Roles.Marketplace)) if p))
        y += height
        used = self._paint_credit(painter, option, line.x(), y, height,
                                  index.data(Roles.Credit) or "")
        stock = index.data(Roles.Stock)
        stock_text = (self.tr("Stock {n}").format(n=stock) if stock is not None
                      else self.tr("Stock unknown"))
        self._draw_line(painter, option.font, TEXT if stock != 0 else PRICE_COLOUR,
                        QRect(line.x() + used, y, line.width() - used, height),
                        stock_text if stock != 0 else self.tr("Out of stock"))
        y += height
        moq, sales = index.data(Roles.MinOrder), index.data(Roles.Sales)
        facts = [self.tr("Min. order {n}").format(n=moq) if moq is not None
                 else self.tr("Min. order unknown")]
        if sales is not None:
            facts.append(self.tr("{n} sold").format(n=sales))
        if index.data(Roles.ArtNo):
            facts.append(self.tr("No. {art_no}").format(art_no=index.data(Roles.ArtNo)))
        self._draw_line(painter, option.font, MUTED, QRect(line.x(), y, line.width(), height),
                        " · ".join(facts))

    # -- interaction -------------------------------------------------------------------------

    def editorEvent(self, event: QEvent, model: QAbstractItemModel,
                    option: QStyleOptionViewItem, index: ModelIndex) -> bool:
        """A click on a group's toggle opens or closes the group and nothing else: the press
        and the double-click are consumed too, so the selection stays where it was."""
        kinds = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                 QEvent.Type.MouseButtonDblClick)
        if (event.type() in kinds and isinstance(event, QMouseEvent)
                and event.button() == Qt.MouseButton.LeftButton
                and index.data(Roles.Kind) == "group"
                and int(index.data(Roles.OfferCount)) > 1
                and toggle_rect(option.rect, option.font).contains(event.position().toPoint())):
            if event.type() == QEvent.Type.MouseButtonRelease:
                self.toggleRequested.emit(index.row())
            return True
        return super().editorEvent(event, model, option, index)

