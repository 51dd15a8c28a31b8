"""The compare view: one style group's offers side by side.

    compare = CompareView(thumbnails)      # objectName "compareView"
    compare.set_group(group)               # a StyleGroup (e.g. from ResultsView.compareRequested)
    compare.listingOpened.connect(...)     # str: URL handed to the browser

A painted price-spread strip (`PriceSpreadStrip`, objectName "priceSpreadStrip") shows every
offer's price as a dot on the min–max axis and marks the minimum, the median, the maximum and
the best offer. Below it a table (`CompareModel`, objectName "compareTable") lists the offers,
best first, with picture, price, stock, minimum order, credit, market, stall position, stall,
sales and similarity; the best offer's row is bold. Double-click opens a listing's link in
the browser (http/https only).
"""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMenu,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from vvic_desktop.core.models import Offer, StyleGroup
from vvic_desktop.core.result_rows import best_offer_key
from vvic_desktop.ui.menus import add_action
from vvic_desktop.ui.results.delegate import ACCENT, MUTED, TEXT
from vvic_desktop.ui.results.model import format_price, picture_unavailable
from vvic_desktop.ui.results.thumbnails import ThumbnailLoader, ThumbState
from vvic_desktop.ui.results.view import open_in_browser

ModelIndex = QModelIndex | QPersistentModelIndex

PICTURE_EDGE = 88
BEST_COLOUR = ACCENT  # the results cards' colours, so that "best" looks alike in both
TEXT_COLOUR = TEXT
AXIS_COLOUR = QColor("#9ca3af")
DOT_COLOUR = QColor("#2563eb")
BEST_ROW_BG = QColor("#fff7e6")


class Column(IntEnum):
    Picture = 0
    Price = 1
    Stock = 2
    MinOrder = 3
    Credit = 4
    Market = 5
    Position = 6
    Stall = 7
    Sales = 8
    Similarity = 9


OfferRole = Qt.ItemDataRole.UserRole + 1
SortValueRole = Qt.ItemDataRole.UserRole + 2


class CompareModel(QAbstractTableModel):
    """A group's offers, best first; pictures asked of the loader only when painted."""

    def __init__(self, thumbnails: ThumbnailLoader | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._offers: list[Offer] = []
        self._best: Offer | None = None
        self._thumbs = thumbnails
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnails_ready)

    def set_group(self, group: StyleGroup | None) -> None:
        self.beginResetModel()
        self._offers = sorted(group.offers, key=best_offer_key) if group else []
        self._best = group.best_offer if group else None
        self.endResetModel()

    def offer(self, row: int) -> Offer:
        return self._offers[row]

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._offers)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = {
            Column.Picture: self.tr("Picture"),
            Column.Price: self.tr("Price"),
            Column.Stock: self.tr("Stock"),
            Column.MinOrder: self.tr("Min. order"),
            Column.Credit: self.tr("Credit"),
            Column.Market: self.tr("Market"),
            Column.Position: self.tr("Stall position"),
            Column.Stall: self.tr("Stall"),
            Column.Sales: self.tr("Sales"),
            Column.Similarity: self.tr("Similarity"),
        }
        return titles.get(Column(section)) if 0 <= section < len(Column) else None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._offers):
            return None
        offer = self._offers[index.row()]
        column = Column(index.column())
        if role == OfferRole:
            return offer
        if role == Qt.ItemDataRole.FontRole and offer is self._best:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and offer is self._best:
            return QBrush(BEST_ROW_BG)
        if role == Qt.ItemDataRole.ToolTipRole:
            return offer.title
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
                Column.Price, Column.Stock, Column.MinOrder, Column.Sales, Column.Similarity):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if column is Column.Picture:
            return self._picture(offer, role)
        if role == SortValueRole:
            return self._sort_value(offer, column)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return self._text(offer, column)

    def _text(self, offer: Offer, column: Column) -> str:
        def number(value: int | None) -> str:
            return "—" if value is None else str(value)

        match column:
            case Column.Price:
                text = format_price(offer.price)
                if offer.price_max is not None and offer.price_max != offer.price:
                    text = self.tr("{low}–{high}").format(
                        low=text, high=format_price(offer.price_max).lstrip("¥"))
                if offer is self._best:
                    text = self.tr("{price} (best offer)").format(price=text)
                return text
            case Column.Stock:
                return self.tr("Out of stock") if offer.stock == 0 else number(offer.stock)
            case Column.MinOrder:
                return number(offer.min_order)
            case Column.Credit:
                return offer.stall.credit_level or "—"
            case Column.Market:
                return offer.stall.market or "—"
            case Column.Position:
                return offer.stall.position or "—"
            case Column.Stall:
                return offer.stall.name or "—"
            case Column.Sales:
                return number(offer.sales)
            case Column.Similarity:
                return "—" if offer.similarity is None else f"{round(offer.similarity * 100)}%"
        return ""

    @staticmethod
    def _sort_value(offer: Offer, column: Column) -> Any:
        values = {
            Column.Price: offer.price, Column.Stock: offer.stock,
            Column.MinOrder: offer.min_order, Column.Credit: offer.stall.credit_level,
            Column.Sales: offer.sales, Column.Similarity: offer.similarity,
        }
        return values.get(column)

    def _picture(self, offer: Offer, role: int) -> Any:
        if picture_unavailable(offer):  # the search refused it: say so, never fetch it
            return self.tr("Picture unavailable") if role == Qt.ItemDataRole.DisplayRole else None
        url = offer.image_url
        state = self._thumbs.state(url) if self._thumbs is not None else ThumbState.NONE
        if role == Qt.ItemDataRole.DecorationRole and self._thumbs is not None:
            pixmap = self._thumbs.pixmap(url)
            if pixmap is None:
                self._thumbs.request(url)
                return None
            return QIcon(pixmap)  # a QIcon is drawn at the view's iconSize, not its own size
        if role == Qt.ItemDataRole.DisplayRole:
            if state == ThumbState.LOADING:
                return self.tr("Loading…")
            if state in (ThumbState.FAILED, ThumbState.NONE):
                return self.tr("No image")
        return None

    def _thumbnails_ready(self, urls: list[str]) -> None:
        wanted = set(urls)
        for row, offer in enumerate(self._offers):
            if offer.image_url in wanted:
                index = self.index(row, Column.Picture)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole,
                                                     Qt.ItemDataRole.DisplayRole])


def spread_points(prices: list[Decimal], low: Decimal, high: Decimal, x0: float,
                  width: float) -> list[float]:
    """x positions of prices on an axis from x0 (low) to x0 + width (high)."""
    span = high - low
    if span <= 0:
        return [x0 + width / 2 for _ in prices]
    return [x0 + float((p - low) / span) * width for p in prices]


class PriceSpreadStrip(QWidget):
    """Every offer's price on the group's min–max axis; min, median, max and best marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("priceSpreadStrip")
        self.setAccessibleName(self.tr("Price spread"))
        self.setMinimumHeight(96)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._prices: list[Decimal] = []
        self._ranges: list[tuple[Decimal, Decimal]] = []  # "69-89" listings
        self._low: Decimal | None = None
        self._median: Decimal | None = None
        self._high: Decimal | None = None
        self._best: Decimal | None = None

    def sizeHint(self) -> QSize:
        return QSize(480, 96)

    def set_group(self, group: StyleGroup | None) -> None:
        if group is None:
            self._prices, self._ranges = [], []
            self._low = self._median = self._high = self._best = None
        else:
            self._prices = sorted(o.price for o in group.offers if o.price is not None)
            self._ranges = [(o.price, o.price_max) for o in group.offers
                            if o.price is not None and o.price_max is not None
                            and o.price_max > o.price]
            self._low = self._prices[0] if self._prices else None
            # The top of a "69-89" range counts, as in the group's own price_max.
            tops = [high for _, high in self._ranges]
            self._high = max([*self._prices[-1:], *tops]) if self._prices else None
            self._median = group.price_median
            self._best = group.best_offer.price
        self.setAccessibleDescription(self.describe())
        self.update()

    def describe(self) -> str:
        """The strip in words (accessible description and tests)."""
        if not self._prices:
            return self.tr("No prices to compare.")
        return self.tr("Lowest {low}, median {median}, highest {high}, best offer {best}.").format(
            low=format_price(self._low), median=format_price(self._median),
            high=format_price(self._high), best=format_price(self._best))

    def marker_positions(self) -> dict[str, float]:
        """x of each marker in widget coordinates (tests check the painting geometry)."""
        x0, width = self._axis()
        if self._low is None or self._high is None:
            return {}
        marks = {"min": self._low, "median": self._median, "max": self._high, "best": self._best}
        return {name: spread_points([value], self._low, self._high, x0, width)[0]
                for name, value in marks.items() if value is not None}

    def _axis(self) -> tuple[float, float]:
        margin = 48.0
        return margin, max(10.0, self.width() - 2 * margin)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        metrics = QFontMetrics(self.font())
        if self._low is None or self._high is None:
            painter.setPen(MUTED)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.describe())
            painter.end()
            return
        x0, width = self._axis()
        axis_y = self.height() / 2 + 4
        painter.setPen(QPen(AXIS_COLOUR, 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(QPointF(x0, axis_y), QPointF(x0 + width, axis_y))
        painter.setPen(QPen(QColor(37, 99, 235, 110), 5, Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap))
        for low, high in self._ranges:
            a, b = spread_points([low, high], self._low, self._high, x0, width)
            painter.drawLine(QPointF(a, axis_y - 9), QPointF(b, axis_y - 9))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(37, 99, 235, 150))
        for x in spread_points(self._prices, self._low, self._high, x0, width):
            painter.drawEllipse(QPointF(x, axis_y), 5, 5)
        marks = self.marker_positions()
        labels = [("min", self.tr("Lowest {price}")), ("median", self.tr("Median {price}")),
                  ("max", self.tr("Highest {price}"))]
        values = {"min": self._low, "median": self._median, "max": self._high}
        painter.setPen(QPen(TEXT_COLOUR, 2))
        for i, (name, template) in enumerate(labels):
            if name not in marks:
                continue
            x = marks[name]
            painter.drawLine(QPointF(x, axis_y - 10), QPointF(x, axis_y + 10))
            text = template.format(price=format_price(values[name]))
            text_width = metrics.horizontalAdvance(text)
            left = min(max(2.0, x - text_width / 2), self.width() - text_width - 2)
            # Stagger the three labels (above, below, above) so close prices never overlap.
            y = axis_y + 14 + metrics.ascent() if i == 1 else axis_y - 14 - metrics.descent()
            if self._low == self._high and i != 1:
                continue
            painter.drawText(QPointF(left, y), text)
        best_x = marks.get("best")
        if best_x is not None:
            painter.setPen(QPen(QColor("#b45309"), 1.5))
            painter.setBrush(BEST_COLOUR)
            star = QPolygonF([QPointF(best_x, axis_y - 9), QPointF(best_x + 8, axis_y),
                              QPointF(best_x, axis_y + 9), QPointF(best_x - 8, axis_y)])
            painter.drawPolygon(star)
            text = self.tr("Best offer {price}").format(price=format_price(self._best))
            font = QFont(self.font())
            font.setBold(True)
            painter.setFont(font)
            bold = QFontMetrics(font)
            text_width = bold.horizontalAdvance(text)
            left = min(max(2.0, best_x - text_width / 2), self.width() - text_width - 2)
            painter.setPen(QColor("#b45309"))
            painter.drawText(QRectF(left, 2, text_width + 2, bold.height()),
                             Qt.AlignmentFlag.AlignLeft, text)
        painter.end()


class CompareView(QWidget):
    listingOpened = Signal(str)
    statusMessage = Signal(str)
    purchaseRequested = Signal(object, object)  # Offer, its StyleGroup: add to 进货单
    findSimilarRequested = Signal(object)  # Offer: search by its picture (找相似)

    def __init__(self, thumbnails: ThumbnailLoader | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareView")
        self.setAccessibleName(self.tr("Compare stalls"))
        self._group: StyleGroup | None = None
        self.title = QLabel(self)
        self.title.setObjectName("compareTitle")
        self.title.setWordWrap(True)
        title_font = QFont(self.title.font())
        title_font.setBold(True)
        title_font.setPointSizeF(max(title_font.pointSizeF(), 9.0) * 1.2)
        self.title.setFont(title_font)
        self.summary = QLabel(self)
        self.summary.setObjectName("compareSummary")
        self.strip = PriceSpreadStrip(self)
        self.model = CompareModel(thumbnails, self)
        self.table = QTableView(self)
        self.table.setObjectName("compareTable")
        self.table.setAccessibleName(self.tr("Offers of this style"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setIconSize(QSize(PICTURE_EDGE, PICTURE_EDGE))
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(PICTURE_EDGE + 8)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.Picture, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(Column.Picture, PICTURE_EDGE + 12)
        header.setSectionResizeMode(Column.Stall, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.table.doubleClicked.connect(self.open_listing)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.strip)
        layout.addWidget(self.table, 1)
        self.set_group(None)

    def group(self) -> StyleGroup | None:
        return self._group

    def set_group(self, group: StyleGroup | None) -> None:
        self._group = group
        self.model.set_group(group)
        self.strip.set_group(group)
        if group is None:
            self.title.setText(self.tr("No style selected"))
            self.summary.setText(self.tr("Right-click a result and choose “Compare stalls side "
                                         "by side”."))
            return
        self.title.setText(group.representative.title)
        self.summary.setText(self.tr(
            "%n stall(s) · {listings} listings · {in_stock} in stock · {low} to {high}", "",
            group.stall_count,
        ).format(listings=len(group.offers),
                 in_stock=group.in_stock_count, low=format_price(group.price_min),
                 high=format_price(group.price_max)))

    def context_menu_for(self, row: int) -> QMenu:
        """The menu of one compared offer: add it to the purchase list."""
        menu = QMenu(self)
        menu.setObjectName("compareContextMenu")
        offer, group = self.model.offer(row), self._group
        add_action(menu, self.tr("Add to purchase list"), "addToPurchase",
                   lambda: self.purchaseRequested.emit(offer, group))
        add_action(menu, self.tr("Find similar (search by this picture)…"), "compareFindSimilar",
                   lambda: self.findSimilarRequested.emit(offer), enabled=bool(offer.image_url))
        return menu

    def _context_menu(self, pos: Any) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid() or self._group is None:
            return
        menu = self.context_menu_for(index.row())
        menu.exec(self.table.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def find_similar(self) -> None:
        """The selected row's listing picture as a new search (the window confirms: paid)."""
        index = self.table.currentIndex()
        if index.isValid():
            offer = self.model.offer(index.row())
            if offer.image_url:
                self.findSimilarRequested.emit(offer)

    def open_listing(self, index: QModelIndex) -> bool:
        if not index.isValid():
            return False
        url = self.model.offer(index.row()).detail_url
        if not open_in_browser(url):
            self.statusMessage.emit(self.tr("This listing has no web link."))
            return False
        self.listingOpened.emit(url)
        return True
