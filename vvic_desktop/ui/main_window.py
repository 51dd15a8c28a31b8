"""The main window: wiring only (STYLE habit 1). Widgets come from their own modules; the
search itself is `services.search` (core.pipeline.run_search) on the search pool.

Layout: tabs "Search", "Library" (and "Batch" when that widget is installed). The search tab
has a filter bar on top; on the left the intake (drop area + strip of queued photos), the
crop view and the search button; on the right the results grid (with a banner when it shows
a saved search); a status bar with the stage, progress, cancel and the quota left this
minute. Frequent actions have shortcuts: Ctrl+O open, Ctrl+V paste, Enter search, Esc cancel,
Ctrl+S save to the library (named: kept for good), Ctrl+E export, Ctrl+, settings.

The window is put together from three parts, each in its own module:
- ui/search_controller.py  `SearchController`: the query, the search, its progress and result;
- ui/saved_search_actions.py  `SavedSearchActions`: the library (autosave, Ctrl+S, a saved
  search on screen, ★ and notes, export);
- ui/status_area.py  `StatusArea`: the status bar (message, progress, cancel, quota) and the
  words for stages and failures.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vvic_desktop.core import errors
from vvic_desktop.core.models import Offer, SearchResult
from vvic_desktop.services import LOCAL_MARKET, SearchServices
from vvic_desktop.storage.library import SavedSearch
from vvic_desktop.storage.settings import API_MARKETS, LAST_MARKET, Settings
from vvic_desktop.ui.batch_view import BatchView
from vvic_desktop.ui.compare_view import CompareView
from vvic_desktop.ui.crop_tool import CropTool
from vvic_desktop.ui.drop_area import DropArea
from vvic_desktop.ui.filter_bar import FilterBar
from vvic_desktop.ui.intake_strip import IntakeStrip
from vvic_desktop.ui.library import LibraryView
from vvic_desktop.ui.purchase_view import PurchaseView
from vvic_desktop.ui.results import UI_SORT_KEYS, ResultsModel, ResultsView, ThumbnailLoader
from vvic_desktop.ui.saved_search_actions import SavedSearchActions
from vvic_desktop.ui.search_controller import SearchController
from vvic_desktop.ui.status_area import StatusArea
from vvic_desktop.workers.tasks import Pools

log = logging.getLogger(__name__)


class MainWindow(SearchController, SavedSearchActions, StatusArea, QMainWindow):
    searchFinished = Signal(object, object)  # SearchResult | None, error | None
    moreLoaded = Signal(object, object)  # "load more": SearchResult | None, error | None
    librarySaved = Signal(object, object)  # search id | None, error | None (autosave, Ctrl+S)
    libraryReady = Signal(object)  # the database's notice (StorageError | None), at start-up
    markSaved = Signal(str, object)  # offer key, OfferMark
    exported = Signal(str, object)  # path, error | None (Ctrl+E, JSON)
    partialResults = Signal(int, object)  # search generation, provisional groups (a worker)

    # lupdate files each string under the class it is written in; PySide6's tr() looks only
    # under the object's own class name. The mixins' strings are found under theirs.
    TR_CONTEXTS = ("MainWindow", "SearchController", "SavedSearchActions", "StatusArea")

    def tr(self, text: str, disambiguation: str | None = None, n: int = -1) -> str:
        plain = QCoreApplication.translate("", text, disambiguation, n)  # %n filled in
        for context in self.TR_CONTEXTS:
            found = QCoreApplication.translate(context, text, disambiguation, n)
            if found != plain:
                return found
        return plain

    def __init__(
        self,
        services: SearchServices,
        settings: Settings,
        *,
        language: str = "zh_CN",
        demo: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.services = services
        self.settings = settings
        self.language = language
        self.demo = demo
        self.pools = Pools(self)
        self._generation = 0
        self._search_task: Any = None
        self._partial_shown = -1  # the search generation whose provisional cards are shown
        self._last_result: SearchResult | None = None
        self._saved: SavedSearch | None = None  # the saved search on screen (opened)
        self._saved_id: int | None = None  # the library id of the result on screen
        self._more_generation = -1  # the generation of the "load more" running, if any

        # The platform adds " — <application display name>" (app.py sets it) to any title
        # other than that name itself: the title names the app once either way.
        self.setWindowTitle(self.tr("Demo data") if demo else self.tr("VVIC Image Search"))
        self._build_widgets()
        self._build_actions()
        self._build_status_bar()
        self._restore_state()
        if settings.notice is not None:  # settings.json was damaged and moved aside
            self.show_notice(settings.notice.message())
        # The quota (the keyring, the demo marketplace) and the library are read on the
        # storage worker once the event loop turns: after the window's first paint, not
        # competing with its construction.
        QTimer.singleShot(0, self, self._update_quota)
        QTimer.singleShot(0, self, self._open_library)

    # --- construction -----------------------------------------------------------------------

    def _build_widgets(self) -> None:
        # The local catalog needs no key and no network: the default until the buyer picks a
        # marketplace, which is then remembered (state.last_market).
        self.filter_bar = FilterBar((*API_MARKETS, LOCAL_MARKET))
        self.filter_bar.set_market(
            "vvic" if self.demo else self.settings.value(LAST_MARKET)
        )

        self.drop_area = DropArea(
            self.pools, self.settings, self.services.paths, allow_private_hosts=self.demo
        )
        self.intake_strip = IntakeStrip(self.pools)
        self.crop_view = CropTool(self.pools)
        self.search_button = QPushButton(self.tr("Search by image"), objectName="searchButton")
        self.search_button.setAccessibleName(self.tr("Search by image"))
        self.search_button.setDefault(True)
        self.search_button.setEnabled(False)
        self.search_button.clicked.connect(self.start_search)

        left = QWidget(objectName="intakePanel")
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 6, 6)
        left_layout.addWidget(self.drop_area)
        left_layout.addWidget(self.intake_strip)
        left_layout.addWidget(self.crop_view, 1)
        left_layout.addWidget(self.search_button)

        self.thumbnails = ThumbnailLoader.for_store(
            self.pools, self.services.thumbnail_store, self.services.picture_downloader()
        )
        self.results_model = ResultsModel(self.thumbnails, parent=self, pools=self.pools)
        self.results_view = ResultsView(self.results_model, self.thumbnails)
        self.results_view.set_placeholder_text(
            self.tr("Results appear here: one card per style, with its stalls and prices.")
        )
        self.sort_box = QComboBox(objectName="sortSelector")
        self.sort_box.setAccessibleName(self.tr("Sort results by"))
        sort_labels = {
            "similarity": self.tr("Most similar first"),
            "best": self.tr("Best offer first"),
            "price": self.tr("Price, low to high"),
            "price_desc": self.tr("Price, high to low"),
            "credit": self.tr("Stall credit"),
            "sales": self.tr("Sales"),
            "stalls": self.tr("Most stalls"),
        }
        # Relevance first: the style that looks most like the photo leads.
        for key in sorted(
            UI_SORT_KEYS,
            key=lambda k: list(sort_labels).index(k) if k in sort_labels else len(sort_labels),
        ):
            self.sort_box.addItem(sort_labels.get(key, key), key)
        self.results_model.set_sort(str(self.sort_box.currentData()))
        self.sort_box.currentIndexChanged.connect(
            lambda _i: self.results_model.set_sort(str(self.sort_box.currentData()))
        )
        self.text_filter = QLineEdit(objectName="resultsFilter")
        self.text_filter.setPlaceholderText(self.tr("Filter by title or stall…"))
        self.text_filter.setAccessibleName(self.tr("Filter results by text"))
        self.text_filter.setClearButtonEnabled(True)
        self.text_filter.textChanged.connect(self._apply_filters_in_place)
        self.market_filter = QComboBox(objectName="stallMarketFilter")
        self.market_filter.setAccessibleName(self.tr("Wholesale market"))
        self.market_filter.setToolTip(self.tr("Only listings from one wholesale market"))
        self.market_filter.addItem(self.tr("All markets"), "")
        self.market_filter.currentIndexChanged.connect(self._apply_filters_in_place)
        # the garment categories the result titles name (core.titles): no marketplace's
        # search answer carries a category of its own
        self.category_filter = QComboBox(objectName="categoryFilter")
        self.category_filter.setAccessibleName(self.tr("Garment category"))
        self.category_filter.setToolTip(self.tr("Only styles of one garment category"))
        self.filter_bar.fill_categories(self.category_filter, [])
        self.category_filter.currentIndexChanged.connect(self._apply_filters_in_place)
        results_bar = QHBoxLayout()
        results_bar.addWidget(QLabel(self.tr("Sort")))
        results_bar.addWidget(self.sort_box)
        results_bar.addWidget(self.market_filter)
        results_bar.addWidget(self.category_filter)
        results_bar.addWidget(self.text_filter, 1)
        right = QWidget(objectName="resultsPanel")
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 6, 6, 6)
        self.saved_bar = QWidget(objectName="savedBar")
        self.saved_bar.setStyleSheet(
            "#savedBar { background: #e7f0ff; border-radius: 3px; }"
            " QLabel { color: #1d4ed8; padding: 4px 8px; }")
        self.saved_banner = QLabel(objectName="savedBanner")
        self.saved_picture = QLabel(objectName="savedQueryPicture")  # what was searched
        self.saved_picture.setFixedSize(40, 40)
        self.saved_picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.saved_picture.setAccessibleName(self.tr("The photo this search was made with"))
        self.search_again_button = QToolButton(objectName="searchAgainButton")
        self.search_again_button.setText(self.tr("Search again"))
        self.search_again_button.setAccessibleName(self.tr("Search again"))
        self.search_again_button.setToolTip(
            self.tr("Run this saved search again and mark new listings and price changes"))
        self.search_again_button.clicked.connect(self.search_again)
        bar_layout = QHBoxLayout(self.saved_bar)
        bar_layout.setContentsMargins(4, 2, 4, 2)
        bar_layout.addWidget(self.saved_picture)
        bar_layout.addWidget(self.saved_banner, 1)
        bar_layout.addWidget(self.search_again_button)
        self.saved_bar.hide()
        right_layout.addWidget(self.saved_bar)
        right_layout.addLayout(results_bar)
        right_layout.addWidget(self.results_view, 1)
        # "加载更多": the marketplace's next page, shown only when it says there is one; its
        # label says the calls it costs and the quota left before anything is spent
        self.load_more_button = QPushButton(objectName="loadMoreButton")
        self.load_more_button.setAccessibleName(self.tr("Load more results"))
        self.load_more_button.setToolTip(self.tr(
            "Ask the marketplace for its next page of results: a paid call of your AppKey. "
            "The new listings join the styles shown."))
        self.load_more_button.clicked.connect(self.load_more)
        self.load_more_button.hide()
        right_layout.addWidget(self.load_more_button)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="mainSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)

        self.search_page = QWidget(objectName="searchPage")
        layout = QVBoxLayout(self.search_page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.splitter, 1)

        self.library_view = LibraryView(self.services, self.pools)
        self.tabs = QTabWidget(objectName="mainTabs")
        self.tabs.setAccessibleName(self.tr("Views"))
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.search_page, self.tr("Search"))
        self.tabs.addTab(self.library_view, self.tr("Library"))
        self.batch_view = BatchView(self.services, self.pools, self.settings)
        self.batch_view.batchFinished.connect(lambda _info: self._update_quota())
        self.batch_view.callsChanged.connect(self._update_quota)
        self.batch_view.searchOpened.connect(self.library_view.open_search)
        self.tabs.addTab(self.batch_view, self.tr("Batch"))
        self.purchase_view = PurchaseView(self.services, self.pools)
        self.tabs.addTab(self.purchase_view, self.purchase_view.tab_title(0))
        self.purchase_view.countChanged.connect(self._purchase_count)
        self.purchase_view.statusMessage.connect(self.show_message)
        self.results_view.purchaseRequested.connect(self.add_to_purchase)
        self.libraryReady.connect(lambda _notice: self.purchase_view.refresh())

        self.notice_label = QLabel(objectName="libraryNotice")
        self.notice_label.setWordWrap(True)
        self.notice_label.setStyleSheet(
            "QLabel { background: #fff4e6; color: #9a3412; padding: 6px 10px;"
            " border-bottom: 1px solid #fdba74; }")
        self.notice_label.hide()
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.notice_label)
        outer.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.library_view.searchOpened.connect(self.show_saved)
        self.library_view.statusMessage.connect(self.show_message)
        self.library_view.deleted.connect(self._saved_deleted)
        self.library_view.changed.connect(self._saved_changed)
        self.results_view.shortlistRequested.connect(self.set_shortlisted)
        self.results_view.noteRequested.connect(self.edit_note)

        self.partialResults.connect(self._show_partial)
        self.drop_area.photosAdded.connect(self.add_photos)
        self.drop_area.problem.connect(self.show_message)
        self.intake_strip.currentPhotoChanged.connect(self._show_photo)
        self.intake_strip.photosRemoved.connect(self.crop_view.forget_photos)
        self.crop_view.problem.connect(self.show_message)
        self.crop_view.photoLoaded.connect(self._photo_loaded)
        self.results_view.compareRequested.connect(self.open_compare)
        self.results_view.findSimilarRequested.connect(self.find_similar)
        self.results_view.statusMessage.connect(self.show_message)
        self.filter_bar.market_box.currentIndexChanged.connect(self._update_quota)
        self.filter_bar.changed.connect(self._apply_filters_in_place)

    def _build_actions(self) -> None:
        menu_file = self.menuBar().addMenu(self.tr("&File"))
        self.action_open = self._action(
            self.tr("&Open photos…"),
            QKeySequence.StandardKey.Open,
            self.drop_area.open_files_dialog,
        )
        self.action_paste = self._action(
            self.tr("&Paste photo"),
            QKeySequence.StandardKey.Paste,
            self.drop_area.paste_from_clipboard,
        )
        self.action_save = self._action(
            self.tr("&Save to library…"), QKeySequence.StandardKey.Save, self.save_to_library
        )
        self.action_export = self._action(
            self.tr("&Export results (Excel, CSV, HTML)…"),
            QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_E),
            self.export_results,
        )
        self.action_export_json = self._action(
            self.tr("Export results as &JSON…"), QKeySequence(), self.save_results
        )
        self.action_import = self._action(
            self.tr("&Import stall photos…"), QKeySequence(), self.open_import
        )
        self.action_settings = self._action(
            self.tr("S&ettings…"),
            QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Comma),
            self.open_settings,
        )
        self.action_quit = self._action(self.tr("&Quit"), QKeySequence.StandardKey.Quit, self.close)
        for action in (self.action_open, self.action_paste, self.action_save):
            menu_file.addAction(action)
        menu_export = menu_file.addMenu(self.tr("E&xport"))
        menu_export.addAction(self.action_export)
        menu_export.addAction(self.action_export_json)
        self.action_export_purchase = self._action(
            self.tr("Export &purchase list…"), QKeySequence(), self.purchase_view.export_dialog
        )
        menu_export.addAction(self.action_export_purchase)
        menu_file.addAction(self.action_import)
        menu_file.addSeparator()
        menu_file.addAction(self.action_settings)
        menu_file.addSeparator()
        menu_file.addAction(self.action_quit)

        menu_search = self.menuBar().addMenu(self.tr("&Search"))
        self.action_search = self._action(
            self.tr("&Search by image"), QKeySequence(Qt.Key.Key_Return), self._search_shortcut
        )
        self.action_search.setShortcuts(
            [
                QKeySequence(Qt.Key.Key_Return),
                QKeySequence(Qt.Key.Key_Enter),
                QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Return),
            ]
        )
        self.action_cancel = self._action(
            self.tr("&Cancel"), QKeySequence(Qt.Key.Key_Escape), self.cancel_search
        )
        self.action_auto_crop = self._action(
            self.tr("&Auto crop"),
            QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_R),
            self.crop_view.auto_crop,
        )
        for action in (self.action_search, self.action_cancel, self.action_auto_crop):
            menu_search.addAction(action)

    def _action(self, text: str, shortcut: Any, slot: Any) -> QAction:
        action = QAction(text, self)
        action.setShortcut(shortcut)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    # --- photos -----------------------------------------------------------------------------

    def add_photos(self, photos: list[Any]) -> None:
        self.intake_strip.add_photos(photos, select=not self.drop_area.continuing)

    def _show_photo(self, photo: Any) -> None:
        if photo is None:
            self.search_button.setEnabled(False)
            return
        self.crop_view.load_photo(photo)

    def _photo_loaded(self) -> None:
        self.search_button.setEnabled(True)

    # --- other actions ------------------------------------------------------------------------

    def add_to_purchase(self, offer: Offer, group: Any) -> None:
        """An offer from the results (live or a saved search) onto the purchase list."""
        saved = self._saved
        if saved is not None and any(o.key == offer.key for o in saved.result.offers):
            self.purchase_view.add_offer(offer, group, source=saved.summary.title,
                                         search_id=saved.id, pictures=dict(saved.thumbnails))
        else:
            self.purchase_view.add_offer(offer, group)

    def _purchase_count(self, count: int) -> None:
        self.tabs.setTabText(self.tabs.indexOf(self.purchase_view),
                             self.purchase_view.tab_title(count))

    def open_compare(self, group: Any) -> None:
        window = QDialog(self, objectName="compareWindow")
        window.setWindowTitle(self.tr("Compare stalls"))
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(window)
        compare = CompareView(self.thumbnails, parent=window)
        compare.statusMessage.connect(self.show_message)
        compare.purchaseRequested.connect(self.add_to_purchase)
        compare.findSimilarRequested.connect(self.find_similar)
        compare.set_group(group)
        layout.addWidget(compare)
        window.resize(980, 620)
        window.show()

    def open_settings(self) -> None:
        from vvic_desktop.ui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, parent=self, pools=self.pools)
        if dialog.exec():
            self._update_quota()

    # --- state --------------------------------------------------------------------------------

    def _qsettings(self) -> QSettings:
        return QSettings(str(self.services.paths.config / "window.ini"), QSettings.Format.IniFormat)

    def _restore_state(self) -> None:
        state = self._qsettings()
        geometry = state.value("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        splitter = state.value("splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        else:
            QTimer.singleShot(0, lambda: self.splitter.setSizes([480, 800]))

    def _save_state(self) -> None:
        state = self._qsettings()
        state.setValue("geometry", self.saveGeometry())
        state.setValue("splitter", self.splitter.saveState())
        state.sync()
        if not self.demo:
            try:
                self.settings.set("state.last_market", self.filter_bar.market())
                self.settings.save()
            except errors.VvicError as exc:  # a read-only folder must not stop closing
                log.info("last market not saved: %s", exc.detail)

    def open_import(self) -> None:
        """File ▸ Import stall photos: a folder (and price list) into the local catalog."""
        from vvic_desktop.ui.dialogs.import_dialog import ImportDialog

        dialog = ImportDialog(self.services, self.pools, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(
            lambda report: self.show_message(report.summary())
        )
        dialog.open()
        self.import_dialog = dialog

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save_state()
        self.batch_view.shutdown(5000)  # its photos stay queued for the next start
        self.pools.shutdown(5000)
        super().closeEvent(event)
