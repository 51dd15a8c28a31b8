"""The main window: wiring only (STYLE habit 1). Widgets come from their own modules; the
search itself is `services.search` (core.pipeline.run_search) on the search pool.

Layout: tabs "Search", "Library" (and "Batch" when that widget is installed). The search tab
has a filter bar on top; on the left the intake (drop area + strip of queued photos), the
crop view and the search button; on the right the results grid (with a banner when it shows
a saved search); a status bar with the stage, progress, cancel and the quota left this
minute. Frequent actions have shortcuts: Ctrl+O open, Ctrl+V paste, Enter search, Esc cancel,
Ctrl+S save to the library (named: kept for good), Ctrl+E export, Ctrl+, settings.

The library: opened on the storage pool at start-up (its notice, e.g. a damaged file moved
aside, shown once in a banner); each successful live search is saved there when the
`library.autosave` setting is on. A save that fails (full disk, read-only folder) says so in
the status bar and the results stay on screen: searching never depends on the library.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vvic_desktop.core import errors
from vvic_desktop.core.models import Offer, OfferMark, SearchQuery, SearchResult
from vvic_desktop.services import LOCAL_MARKET, SearchServices
from vvic_desktop.storage.library import SavedSearch
from vvic_desktop.storage.settings import API_MARKETS, Settings
from vvic_desktop.ui.batch_view import BatchView
from vvic_desktop.ui.compare_view import CompareView
from vvic_desktop.ui.crop_tool import CropTool
from vvic_desktop.ui.drop_area import DropArea
from vvic_desktop.ui.filter_bar import FilterBar
from vvic_desktop.ui.intake_strip import IntakeStrip
from vvic_desktop.ui.library import (
    LibraryView,
    ask_export_path,
    ask_text,
    export_file_name,
    local_time,
)
from vvic_desktop.ui.results import UI_SORT_KEYS, ResultsModel, ResultsView, ThumbnailLoader
from vvic_desktop.workers.tasks import Pools

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    searchFinished = Signal(object, object)  # SearchResult | None, error | None
    librarySaved = Signal(object, object)  # search id | None, error | None (autosave, Ctrl+S)
    libraryReady = Signal(object)  # the database's notice (StorageError | None), at start-up
    markSaved = Signal(str, object)  # offer key, OfferMark

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
        self._last_result: SearchResult | None = None
        self._saved: SavedSearch | None = None  # the saved search on screen (opened)
        self._saved_id: int | None = None  # the library id of the result on screen

        self.setWindowTitle(
            self.tr("VVIC Image Search — demo data") if demo else self.tr("VVIC Image Search")
        )
        self._build_widgets()
        self._build_actions()
        self._build_status_bar()
        self._restore_state()
        self._update_quota()
        self._open_library()

    # --- construction -----------------------------------------------------------------------

    def _build_widgets(self) -> None:
        # The local catalog needs no key and no network: the default until the buyer picks a
        # marketplace, which is then remembered (state.last_market).
        self.filter_bar = FilterBar((*API_MARKETS, LOCAL_MARKET))
        self.filter_bar.set_market(
            "vvic" if self.demo else str(self.settings.get("state.last_market"))
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
        results_bar = QHBoxLayout()
        results_bar.addWidget(QLabel(self.tr("Sort")))
        results_bar.addWidget(self.sort_box)
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
        self.tabs.addTab(self.batch_view, self.tr("Batch"))

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

        self.drop_area.photosAdded.connect(self.add_photos)
        self.drop_area.problem.connect(self.show_message)
        self.intake_strip.currentPhotoChanged.connect(self._show_photo)
        self.intake_strip.photosRemoved.connect(self.crop_view.forget_photos)
        self.crop_view.problem.connect(self.show_message)
        self.crop_view.photoLoaded.connect(self._photo_loaded)
        self.results_view.compareRequested.connect(self.open_compare)
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

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_label = QLabel(objectName="statusMessage")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar(objectName="searchProgress")
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.cancel_button = QToolButton(objectName="cancelButton")
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel the search"))
        self.cancel_button.clicked.connect(self.cancel_search)
        self.cancel_button.hide()
        self.quota_label = QLabel(objectName="quotaLabel")
        bar.addWidget(self.status_label, 1)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        bar.addPermanentWidget(self.quota_label)
        if self.demo:
            badge = QLabel(self.tr("DEMO DATA"), objectName="demoBadge")
            badge.setToolTip(
                self.tr("Results come from the built-in demo marketplace, not a real one")
            )
            badge.setStyleSheet(
                "QLabel { background: #e8590c; color: white; font-weight: bold;"
                " padding: 1px 8px; border-radius: 3px; }"
            )
            bar.addPermanentWidget(badge)
        self.show_message(self.tr("Drop a photo of a garment to start."))

    # --- photos -----------------------------------------------------------------------------

    def add_photos(self, photos: list[Any]) -> None:
        self.intake_strip.add_photos(photos)

    def _show_photo(self, photo: Any) -> None:
        if photo is None:
            self.search_button.setEnabled(False)
            return
        self.crop_view.load_photo(photo)

    def _photo_loaded(self) -> None:
        self.search_button.setEnabled(True)

    # --- search -----------------------------------------------------------------------------

    def current_query(self) -> SearchQuery | None:
        photo = self.intake_strip.current_photo()
        if photo is None:
            return None
        return SearchQuery(
            source=str(photo.path),
            market=self.filter_bar.market(),
            crop=self.crop_view.crop_box(),
            filters=self.filter_bar.filters(int(self.settings.get("search.max_results"))),
        )

    def start_search(self) -> None:
        query = self.current_query()
        if query is None:
            self.show_message(self.tr("Drop or open a photo first."))
            return
        self.cancel_search(quiet=True)  # a newer search replaces the older one
        self._generation += 1
        generation = self._generation
        services = self.services

        def work(cancel: Any, progress: Any) -> SearchResult:
            return services.search(query, cancel=cancel, progress=progress)

        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.show_message(self.tr("Searching {market}…").format(market=query.market))
        self._search_task = self.pools.start(
            self.pools.search,
            work,
            functools.partial(self._search_done, generation),
            functools.partial(self._search_progress, generation),
            name="search",
        )

    def _search_shortcut(self) -> None:
        """Enter searches on the search tab; on the library tab it opens the selected search."""
        if self.tabs.currentWidget() is self.search_page:
            self.start_search()
        elif self.tabs.currentWidget() is self.library_view:
            self.library_view.open_search(self.library_view.current_id())

    def cancel_search(self, quiet: bool = False) -> None:
        if self._search_task is not None:
            self._search_task.cancel.cancel()
            self._search_task = None
            self._generation += 1  # whatever it still delivers is stale
            self._search_idle()
            if not quiet:
                self.show_message(self.tr("Search cancelled."))

    def _search_progress(self, generation: int, stage: str, percent: int) -> None:
        if generation != self._generation:
            return
        self.progress.setValue(percent)
        self.show_message(self._stage_text(stage))

    def _stage_text(self, stage: str) -> str:
        texts = {
            "prepare": self.tr("Preparing the photo…"),
            "cache": self.tr("Looking in saved results…"),
            "quota": self.tr("Waiting for the call quota…"),
            "search": self.tr("Asking the marketplace…"),
            "retry": self.tr("The marketplace had a hiccup; trying again…"),
            "thumbnails": self.tr("Fetching listing pictures…"),
            "group": self.tr("Grouping the same styles…"),
            "done": self.tr("Done."),
        }
        return texts.get(stage.split(" ", 1)[0], stage)

    def _search_done(self, generation: int, result: Any, error: Any) -> None:
        if generation != self._generation:
            return  # a newer search replaced this one
        self._search_task = None
        self._search_idle()
        if error is not None:
            self._show_error(error)
        else:
            self._last_result = result
            self._forget_saved()
            self.thumbnails.clear()  # the old search's picture work is cancelled
            self.results_model.set_groups(result.groups)
            self.results_model.set_marks({}, {})
            self._apply_filters_in_place()
            stats = result.stats
            origin = (
                self.tr("from saved results")
                if stats.get("cached")
                else self.tr("%n API call(s)", "", int(stats.get("api_calls", 0)))
            )
            self.show_message(
                self.tr("{offers} listings in {groups} styles ({origin}).").format(
                    offers=len(result.offers), groups=len(result.groups), origin=origin
                )
            )
        self._update_quota()
        if error is None and bool(self.settings.get("library.autosave")):
            self._save(result, None)
        self.searchFinished.emit(result, error)

    def _search_idle(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()

    def _show_error(self, error: BaseException, what: str = "search") -> None:
        """A failure of the search (or of a library `what`) as a message in the status bar."""
        if isinstance(error, errors.Cancelled):
            if what == "search":
                self.show_message(self.tr("Search cancelled."))
        elif isinstance(error, errors.VvicError):
            log.info("%s failed: %s (%s)", what, error.code, error.detail)
            self.show_message(error.message(), error=True)
        else:
            log.error("unexpected %s failure", what, exc_info=error)
            self.show_message(
                self.tr("Unexpected error ({kind}); details are in the log file.").format(
                    kind=type(error).__name__
                ),
                error=True,
            )

    # --- library -------------------------------------------------------------------------------

    def _open_library(self) -> None:
        """Open (check, migrate) the library off the GUI thread; show its notice once."""
        services = self.services

        def work(cancel: Any, progress: Any) -> Any:
            return services.library.db.notice

        def done(notice: Any, error: Any) -> None:
            if error is not None:  # the database keeps an in-memory fallback: rare
                log.error("library could not be opened", exc_info=error)
                notice = error
            if isinstance(notice, errors.VvicError):
                self.notice_label.setText(notice.message())
                self.notice_label.show()
                self.show_message(notice.message(), error=True)
            self.library_view.refresh()
            self.libraryReady.emit(notice)

        self.pools.start(self.pools.storage, work, done, name="library-open")

    def _forget_saved(self) -> None:
        self._saved = None
        self._saved_id = None
        self.results_view.marks_enabled = False
        self.saved_bar.hide()

    def _save(self, result: SearchResult, name: str | None) -> None:
        """Save `result` (autosave: name None) on the storage pool; the results stay."""
        services = self.services

        def work(cancel: Any, progress: Any) -> int:
            return services.save_search(result, name=name, cancel=cancel)

        def done(search_id: Any, error: Any) -> None:
            if error is not None:
                self._show_error(error, "library")
            elif result is self._last_result:
                self._saved_id = int(search_id)
                self.results_view.marks_enabled = True
                if name:
                    self._show_banner(name, result)
                    self.show_message(self.tr("Saved to the library as “{name}”.").format(
                        name=name))
                self.library_view.refresh()
            self.librarySaved.emit(search_id, error)

        self.pools.start(self.pools.storage, work, done, name="library-save")

    def save_to_library(self) -> None:
        """Ctrl+S: name the result on screen (a named search is kept for good)."""
        result = self._last_result
        if result is None:
            self.show_message(self.tr("Nothing to save yet: search first."))
            return
        current = self._saved.summary.name or "" if self._saved is not None else ""
        name = ask_text(self, self.tr("Save to library"),
                        self.tr("Name (a named search is kept for good):"), current)
        if name is None or not name.strip():
            return
        name = name.strip()
        if self._saved_id is None:
            self._save(result, name)
            return
        search_id, services = self._saved_id, self.services

        def work(cancel: Any, progress: Any) -> None:
            services.library.rename(search_id, name)

        def done(_r: Any, error: Any) -> None:
            if error is not None:
                self._show_error(error, "library")
            else:
                if search_id == self._saved_id:
                    self._show_banner(name, result)
                self.show_message(self.tr("Saved to the library as “{name}”.").format(name=name))
                self.library_view.refresh()
            self.librarySaved.emit(search_id if error is None else None, error)

        self.pools.start(self.pools.storage, work, done, name="library-rename")

    def _show_banner(self, name: str, result: SearchResult) -> None:
        self._set_banner(result.created_at.astimezone().strftime("%Y-%m-%d %H:%M"), name)

    def _set_banner(self, date: str, name: str) -> None:
        self.saved_banner.setText(self.tr("Saved search · {date} · {name}").format(
            date=date, name=name))
        self.saved_bar.show()

    def _show_query_picture(self, saved: SavedSearch) -> None:
        """The saved query photo (a 240 px JPEG in the store) beside the banner, decoded on
        the storage pool."""
        self.saved_picture.clear()
        services, sha, search_id = self.services, saved.summary.query_thumb, saved.id
        size = self.saved_picture.size()  # read here: widgets belong to the GUI thread

        def work(cancel: Any, progress: Any) -> QImage | None:
            image = QImage.fromData(services.library.picture(sha) or b"")
            return None if image.isNull() else image.scaled(
                size, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation)

        def done(image: Any, error: Any) -> None:
            if error is None and image is not None and search_id == self._saved_id:
                self.saved_picture.setPixmap(QPixmap.fromImage(image))

        self.pools.start(self.pools.storage, work, done, name="library-query-picture")

    def search_again(self) -> None:
        """The banner's button: "search again" for the saved search on screen."""
        if self._saved_id is not None:
            self.library_view.search_again(self._saved_id)

    def show_saved(self, saved: SavedSearch) -> None:
        """Show a saved search in the search tab: the grid from the library, offline."""
        self.cancel_search(quiet=True)
        self._last_result = saved.result
        self._saved = saved
        self._saved_id = saved.id
        self.thumbnails.clear()
        self.results_model.set_groups(saved.result.groups)
        self.results_model.set_marks(saved.marks, saved.changes)
        self.results_view.marks_enabled = True
        self._apply_filters_in_place()
        self._set_banner(local_time(saved.summary), saved.summary.title)
        self._show_query_picture(saved)
        self.tabs.setCurrentWidget(self.search_page)
        changes = len(saved.changes)
        self.show_message(self.tr("{offers} listings in {groups} styles (saved).").format(
            offers=len(saved.result.offers), groups=len(saved.result.groups))
            + (" " + self.tr("%n change(s) since the last search.", "", changes)
               if changes else ""))

    def _saved_deleted(self, search_id: int) -> None:
        if search_id == self._saved_id:
            self._forget_saved()

    def _saved_changed(self, search_id: int) -> None:
        """A rename in the library tab: the banner of the search on screen follows."""
        if search_id != self._saved_id:
            return
        services = self.services

        def work(cancel: Any, progress: Any) -> Any:
            return next((s for s in services.library.list() if s.id == search_id), None)

        def done(summary: Any, error: Any) -> None:
            if error is None and summary is not None and search_id == self._saved_id:
                if self._saved is not None:
                    self._saved.summary = summary
                self._set_banner(local_time(summary), summary.title)

        self.pools.start(self.pools.storage, work, done, name="library-summary")

    def set_shortlisted(self, offer: Offer, shortlisted: bool) -> None:
        self._mark(offer, shortlisted=shortlisted)

    def edit_note(self, offer: Offer) -> None:
        note = ask_text(self, self.tr("Note"), self.tr("Note on “{title}”:").format(
            title=offer.title), self.results_model.mark(offer.key).note)
        if note is not None:
            self._mark(offer, note=note)

    def _mark(self, offer: Offer, **change: Any) -> None:
        """A ★ or a note on one offer of the saved result on screen, kept in the library."""
        if self._saved_id is None:
            self.show_message(self.tr("Save the search first (Ctrl+S) to mark listings."))
            return
        search_id, services, key = self._saved_id, self.services, offer.key

        def work(cancel: Any, progress: Any) -> Any:
            return services.library.mark_offer(search_id, key, **change)

        def done(mark: Any, error: Any) -> None:
            if error is not None:
                self._show_error(error, "library")
                return
            if search_id == self._saved_id:
                self.results_model.set_mark(key, mark)
            self.markSaved.emit(key, mark)

        self.pools.start(self.pools.storage, work, done, name="library-mark")

    def export_results(self) -> None:
        """Ctrl+E: the result on screen (live or saved) to XLSX/CSV/HTML/JSON, with the
        pictures and the buyer's marks, written on the storage pool."""
        result = self._last_result
        if result is None:
            self.show_message(self.tr("Nothing to export yet: search first."))
            return
        title = self._saved.summary.title if self._saved is not None else Path(
            result.query.source).stem or "results"
        path = ask_export_path(self, export_file_name(title))
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        result, saved = self._last_result, self._saved
        if result is None:
            return
        store, services, language = self.services.thumbnail_store, self.services, \
            errors.language()
        marks = {o.key: self.results_model.mark(o.key) for o in result.offers
                 if self.results_model.mark(o.key) != OfferMark()}
        changes = dict(saved.changes) if saved is not None else {}
        title = saved.summary.title if saved is not None else Path(result.query.source).name

        def picture(offer: Offer) -> bytes | None:
            sha = (saved.thumbnails.get(offer.key) if saved is not None else None) or (
                store.sha_for_url(offer.image_url) if offer.image_url else None)
            try:
                return store.get(sha) if sha else None
            except (errors.StorageError, OSError, ValueError):
                return None

        def work(cancel: Any, progress: Any) -> str:
            from vvic_desktop.storage.export import ExportSection, export_sections

            query_image = result.prepared.jpeg if result.prepared is not None else (
                services.library.picture(saved.query_image) if saved is not None else None)
            section = ExportSection(title=title, result=result, query_image=query_image,
                                    marks=marks, changes=changes)
            return export_sections([section], path, picture, language=language)

        def done(_kind: Any, error: Any) -> None:
            if error is not None:
                self._show_error(error, "library")
            else:
                self.show_message(self.tr("Exported to {path}.").format(path=path))

        self.pools.start(self.pools.storage, work, done, name="export")

    def show_message(self, text: str, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet("QLabel { color: #c92a2a; }" if error else "")

    def _update_quota(self) -> None:
        """Refresh the quota label. Reading it touches the keyring and the quota database,
        either of which may block, so it runs on the storage pool."""
        market = self.filter_bar.market()
        services = self.services

        def read(cancel: Any, progress: Any) -> tuple[int, int] | None:
            return services.quota_left(market)

        self.pools.start(
            self.pools.storage, read, functools.partial(self._show_quota, market), name="quota"
        )

    def _show_quota(self, market: str, left: Any, error: Any) -> None:
        if market != self.filter_bar.market():
            return  # the user picked another market meanwhile
        if market == LOCAL_MARKET:
            self.quota_label.setText(self.tr("Local catalog: offline, no quota"))
        elif left is None:
            self.quota_label.setText(self.tr("No AppKey"))
        else:
            self.quota_label.setText(
                self.tr("Quota {left}/{quota} per min").format(left=left[0], quota=left[1])
            )

    # --- other actions ------------------------------------------------------------------------

    def _apply_filters_in_place(self) -> None:
        """Filter the shown results without a new search (and without spending quota)."""
        self.results_model.set_filter(
            text=self.text_filter.text().strip(), filters=self.filter_bar.filters()
        )

    def open_compare(self, group: Any) -> None:
        window = QDialog(self, objectName="compareWindow")
        window.setWindowTitle(self.tr("Compare stalls"))
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(window)
        compare = CompareView(self.thumbnails, parent=window)
        compare.statusMessage.connect(self.show_message)
        compare.set_group(group)
        layout.addWidget(compare)
        window.resize(980, 620)
        window.show()

    def open_settings(self) -> None:
        from vvic_desktop.ui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, parent=self, pools=self.pools)
        if dialog.exec():
            self._update_quota()

    def save_results(self) -> None:
        if self._last_result is None:
            self.show_message(self.tr("Nothing to save yet: search first."))
            return
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save results"), "results.json", self.tr("JSON (*.json)")
        )
        if not path:
            return
        from vvic_desktop.storage.export import result_to_json
        from vvic_desktop.storage.files import write_atomically

        data = json.dumps(result_to_json(self._last_result), ensure_ascii=False, indent=2)
        try:
            write_atomically(Path(path), data.encode("utf-8"))
        except errors.VvicError as exc:
            self.show_message(exc.message(), error=True)
            return
        self.show_message(self.tr("Saved to {path}.").format(path=path))

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
