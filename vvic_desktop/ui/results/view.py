"""The results grid: an icon-mode QListView of group and offer cards.

    view = ResultsView(model)            # objectName "resultsView"
    view.compareRequested.connect(...)   # StyleGroup: open the compare view for it
    view.statusMessage.connect(...)      # str: e.g. "This listing has no web link."

Click a group card's toggle (or press Space) to expand it in place; double-click (or Enter)
opens the listing's `detail_url` in the browser (http/https only); the context menu copies
the link, the title or the stall, expands or collapses, and asks for the compare view.
The view tells the thumbnail loader its devicePixelRatio so pictures stay sharp on HiDPI.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDesktopServices,
    QGuiApplication,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu, QWidget

from vvic_desktop.core.models import Offer, StyleGroup
from vvic_desktop.ui.menus import add_action
from vvic_desktop.ui.results.delegate import MUTED, ResultsDelegate
from vvic_desktop.ui.results.model import ResultsModel, Roles
from vvic_desktop.ui.results.thumbnails import ThumbnailLoader


def is_web_url(url: str) -> bool:
    """Only http(s) links go to the browser: a listing's URL comes from a remote service,
    and `file:` or custom schemes must never be opened from it."""
    parsed = QUrl(url)
    return parsed.isValid() and parsed.scheme().lower() in ("http", "https") and bool(
        parsed.host())


def open_in_browser(url: str) -> bool:
    """Hand a listing's http(s) link to the system browser; False (nothing opened) else."""
    if not is_web_url(url):
        return False
    QDesktopServices.openUrl(QUrl(url))
    return True


def stall_text(offer: Offer) -> str:
    stall = offer.stall
    return " ".join(p for p in (stall.name, stall.market, stall.position) if p)


class ResultsView(QListView):
    compareRequested = Signal(object)  # StyleGroup
    listingOpened = Signal(str)  # the URL handed to the browser
    statusMessage = Signal(str)
    shortlistRequested = Signal(object, bool)  # Offer, shortlisted (a saved search is shown)
    noteRequested = Signal(object)  # Offer
    purchaseRequested = Signal(object, object)  # Offer, its StyleGroup: add to 进货单
    findSimilarRequested = Signal(object)  # Offer: search by its picture (找相似)

    def __init__(self, model: ResultsModel, thumbnails: ThumbnailLoader | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsView")
        self.setAccessibleName(self.tr("Search results"))
        self._thumbnails = thumbnails
        self._placeholder = self.tr("No results yet. Drop a photo and press Search.")
        self.marks_enabled = False  # the shown result is in the library: ★ and notes work
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setUniformItemSizes(True)  # one sizeHint for all: 10,000 cards lay out at once
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(100)  # small layout slices: the GUI thread stays responsive
        self.setSpacing(0)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setDragEnabled(False)
        self.delegate = ResultsDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setModel(model)
        self.delegate.toggleRequested.connect(model.toggle)
        self.doubleClicked.connect(self.open_listing)

    def results_model(self) -> ResultsModel:
        model = self.model()
        assert isinstance(model, ResultsModel)
        return model

    def set_placeholder_text(self, text: str) -> None:
        self._placeholder = text
        self.viewport().update()

    # -- actions -----------------------------------------------------------------------------

    def open_listing(self, index: QModelIndex) -> bool:
        """Open the listing of `index` in the browser; False (and a status message) if it has
        no http(s) link."""
        if not index.isValid():
            return False
        url = index.data(Roles.DetailUrl) or ""
        if not open_in_browser(url):
            self.statusMessage.emit(self.tr("This listing has no web link."))
            return False
        self.listingOpened.emit(url)
        return True

    def toggle_current(self) -> None:
        index = self.currentIndex()
        if index.isValid():
            self.results_model().toggle(index.row())

    def copy_to_clipboard(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.statusMessage.emit(self.tr("Copied to the clipboard."))

    def context_menu_for(self, index: QModelIndex) -> QMenu:
        """The context menu of one card (built on demand; tests trigger its actions)."""
        menu = QMenu(self)
        menu.setObjectName("resultsContextMenu")
        offer: Offer = index.data(Roles.Offer)
        group: StyleGroup = index.data(Roles.Group)
        add_action(menu, self.tr("Open listing in browser"), "openListing",
                   lambda: self.open_listing(index), enabled=is_web_url(offer.detail_url))
        menu.addSeparator()
        copy = self.copy_to_clipboard
        add_action(menu, self.tr("Copy link"), "copyLink", lambda: copy(offer.detail_url),
                   enabled=bool(offer.detail_url))
        add_action(menu, self.tr("Copy title"), "copyTitle", lambda: copy(offer.title))
        add_action(menu, self.tr("Copy stall"), "copyStall", lambda: copy(stall_text(offer)),
                   enabled=bool(stall_text(offer)))
        menu.addSeparator()
        if len(group.offers) > 1:
            model = self.results_model()
            expanded = model.is_expanded(group.group_id)
            gid = group.group_id
            add_action(menu, self.tr("Collapse group") if expanded else self.tr("Expand group"),
                       "toggleGroup", lambda: model.set_expanded(gid, not expanded))
        add_action(menu, self.tr("Compare stalls side by side"), "compareGroup",
                   lambda: self.compareRequested.emit(group))
        add_action(menu, self.tr("Add to purchase list"), "addToPurchase",
                   lambda: self.purchaseRequested.emit(offer, group))
        add_action(menu, self.tr("Find similar (search by this picture)…"), "findSimilar",
                   lambda: self.findSimilarRequested.emit(offer), enabled=bool(offer.image_url))
        if self.marks_enabled:
            menu.addSeparator()
            starred = self.results_model().mark(offer.key).shortlisted
            add_action(menu, self.tr("Remove from shortlist") if starred
                       else self.tr("★ Shortlist this listing"), "toggleShortlist",
                       lambda: self.shortlistRequested.emit(offer, not starred))
            add_action(menu, self.tr("Note on this listing…"), "editNote",
                       lambda: self.noteRequested.emit(offer))
        return menu

    # -- events ------------------------------------------------------------------------------

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.indexAt(event.pos())
        if not index.isValid():
            return
        menu = self.context_menu_for(index)
        menu.exec(event.globalPos())
        menu.deleteLater()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.toggle_current()
            event.accept()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_listing(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._sync_device_pixel_ratio()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.DevicePixelRatioChange:
            self._sync_device_pixel_ratio()

    def _sync_device_pixel_ratio(self) -> None:
        if self._thumbnails is not None:
            self._thumbnails.set_device_pixel_ratio(self.devicePixelRatioF())
            self.viewport().update()

    def placeholder_text(self) -> str:
        """What the empty grid says: nothing searched yet, or results all hidden by filters."""
        model = self.model()
        if isinstance(model, ResultsModel) and model.total_groups > 0:
            return self.tr("No result matches the filters. Clear the filter text or widen "
                           "the price, market or category to see the %n style(s) found.", "",
                           model.total_groups)
        return self._placeholder

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        text = self.placeholder_text()
        if self.model() is not None and self.model().rowCount() == 0 and text:
            painter = QPainter(self.viewport())
            painter.setPen(MUTED)
            painter.drawText(self.viewport().rect().adjusted(24, 24, -24, -24),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
            painter.end()
