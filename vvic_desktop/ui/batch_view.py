"""The Batch tab: many photos searched from the persisted queue (core/batch.py).

`BatchView(services, pools, settings, parent=None)`, objectName "batchView". Photos and
folders are added (buttons or drag and drop), then Start creates a batch and runs it on the
window's one-thread batch pool (a batch runs for minutes; the search pool stays free for the
search tab). No disk work on the GUI thread: folders are walked on the thumbnails pool, the
queue (the library database) is read and written on the storage pool. Runner events arrive
from worker threads through a relay signal and update one row at a time. The header shows
progress, an ETA from the quota, and "quota exhausted, resumes at HH:MM" while the platform
makes the batch wait. An unfinished batch from an earlier run (a crash, a closed laptop) is
shown at start and continues with Resume.
"""

from __future__ import annotations

import datetime
import functools
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from vvic_desktop.core import errors
from vvic_desktop.core.batch import (
    DONE,
    FAILED,
    PAUSED,
    QUEUED,
    RUNNING,
    SKIPPED,
    BatchInfo,
    BatchItem,
    resumes_text,
)
from vvic_desktop.core.intake import walk_photos
from vvic_desktop.core.marketplace import MARKET_NAMES
from vvic_desktop.core.prices import format_price
from vvic_desktop.storage.settings import LAST_MARKET, Settings
from vvic_desktop.ui.intake_strip import make_thumbnail
from vvic_desktop.ui.messages import error_text
from vvic_desktop.workers.tasks import Pools, Task

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
THUMB_PX = 64  # made at this size, shown at half (sharp on 2x screens)
STATE_COLOURS = {DONE: "#2b8a3e", FAILED: "#c92a2a", RUNNING: "#1971c2", SKIPPED: "#868e96"}


class _Relay(QObject):
    """Lives in the GUI thread; the runner's threads emit through it (queued to the GUI)."""

    event = Signal(str, object)


class BatchModel(QAbstractTableModel):
    COLUMNS = ("photo", "state", "attempts", "styles", "cheapest", "message")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.items: list[BatchItem] = []
        # False while no runner of this window works on the batch: a row left "running" by
        # a crash or a closed app is not being searched, it waits for Start (queued)
        self.live = False
        self._row: dict[int, int] = {}
        self.thumbnails: dict[str, QPixmap] = {}  # photo path -> its small picture

    def set_thumbnail(self, photo: str, pixmap: QPixmap) -> None:
        self.thumbnails[photo] = pixmap
        for row, item in enumerate(self.items):
            if item.photo == photo:
                index = self.index(row, 0)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def set_items(self, items: list[BatchItem]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self._row = {item.id: i for i, item in enumerate(self.items)}
        self.endResetModel()

    def set_live(self, live: bool) -> None:
        if live != self.live:
            self.live = live
            if self.items:
                self.dataChanged.emit(self.index(0, 1), self.index(len(self.items) - 1, 1))

    def shown_state(self, item: BatchItem) -> str:
        return QUEUED if item.state == RUNNING and not self.live else item.state

    def update(self, item: BatchItem) -> None:
        row = self._row.get(item.id)
        if row is None:
            return
        self.items[row] = item
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = {
            "photo": self.tr("Photo"), "state": self.tr("State"),
            "attempts": self.tr("Attempts"), "styles": self.tr("Styles found"),
            "cheapest": self.tr("Cheapest"), "message": self.tr("Message"),
        }
        return titles[self.COLUMNS[section]]

    def state_text(self, state: str) -> str:
        return {
            QUEUED: self.tr("queued"), RUNNING: self.tr("searching"), DONE: self.tr("done"),
            FAILED: self.tr("failed"), SKIPPED: self.tr("duplicate"),
        }.get(state, state)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.items[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "photo":
                return item.name
            if column == "state":
                return self.state_text(self.shown_state(item))
            if column == "attempts":
                return item.attempts
            if column == "styles":
                return "" if item.group_count is None else item.group_count
            if column == "cheapest":
                return "" if item.cheapest is None else format_price(item.cheapest)
            if column == "message":
                if item.state == SKIPPED:
                    return self.tr("Same photo as another in this batch: searched once.")
                return item.error_message
        if role == Qt.ItemDataRole.DecorationRole and column == "photo":
            return self.thumbnails.get(item.photo)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "cheapest":
                return self.tr("The lowest price of the style most like the photo")
            if item.search_id is not None:
                return self.tr("Double-click to open the result")
            if column in ("photo", "message"):
                return item.photo if column == "photo" else item.error_message or None
        if role == Qt.ItemDataRole.ForegroundRole and column == "state":
            colour = STATE_COLOURS.get(self.shown_state(item))
            return QColor(colour) if colour else None
        return None


class BatchView(QWidget):
    batchFinished = Signal(object)  # BatchInfo
    photosAdded = Signal(int)  # how many photos add_paths queued (after the folder walk)
    searchOpened = Signal(int)  # a row's saved search id: show it (double-click, Enter)
    callsChanged = Signal()  # the minute's call count moved (the quota label follows)
    exportFinished = Signal(object, object)  # format | None, error | None

    def __init__(self, services: Any, pools: Pools, settings: Settings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("batchView")
        self.setAccessibleName(self.tr("Batch search"))
        self.setAcceptDrops(True)
        self.services = services
        self.pools = pools
        self.settings = settings
        self.batch_id: int | None = None
        self.info: BatchInfo | None = None
        self._pending: list[str] = []
        self._runner: Any = None
        self._calls: int | None = None  # the AppKey's calls in the last minute, when known
        self._task: Task | None = None
        self._starting = False
        self._relay = _Relay(self)
        self._relay.event.connect(self._on_event)
        # while a batch runs (or waits for its quota) the minute's count and the ETA move
        # without any item event: read them again now and then
        self._ticker = QTimer(self, interval=5000)
        self._ticker.timeout.connect(self._refresh_header)

        self.add_files_button = QPushButton(self.tr("Add photos…"))
        self.add_folder_button = QPushButton(self.tr("Add folder…"))
        self.market_box = QComboBox(objectName="batchMarket")
        self.market_box.setAccessibleName(self.tr("Marketplace for the batch"))
        for name in MARKET_NAMES:
            self.market_box.addItem(self._market_label(name), name)
        last = self.market_box.findData(settings.value(LAST_MARKET))
        if services.demo is not None:
            last = self.market_box.findData("vvic")
        self.market_box.setCurrentIndex(max(0, last))
        self.start_button = QPushButton(self.tr("Start"), objectName="batchStart")
        self.pause_button = QPushButton(self.tr("Pause"), objectName="batchPause")
        self.cancel_button = QPushButton(self.tr("Cancel"), objectName="batchCancel")
        self.retry_button = QPushButton(self.tr("Retry failed"), objectName="batchRetry")
        self.export_button = QPushButton(self.tr("Export to Excel…"), objectName="batchExport")
        for button in (self.start_button, self.pause_button, self.cancel_button,
                       self.retry_button, self.export_button):
            button.setAccessibleName(button.text())
        self.header = QLabel(objectName="batchHeader")
        self.header.setWordWrap(True)
        self.notice = QLabel(objectName="batchNotice")
        self.notice.setStyleSheet("QLabel { color: #e8590c; font-weight: bold; }")
        self.notice.hide()

        self.model = BatchModel(self)
        self.table = QTableView(objectName="batchTable")
        self.table.setAccessibleName(self.tr("Photos in the batch"))
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(
            len(BatchModel.COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 240)
        self.table.setIconSize(QSize(THUMB_PX // 2, THUMB_PX // 2))
        self.table.verticalHeader().setDefaultSectionSize(THUMB_PX // 2 + 6)
        self._thumbs_asked: set[str] = set()
        self.table.doubleClicked.connect(self._open_row)
        self.table.activated.connect(self._open_row)

        tools = QHBoxLayout()
        for widget in (self.add_files_button, self.add_folder_button, QLabel(self.tr("Market")),
                       self.market_box):
            tools.addWidget(widget)
        tools.addStretch(1)
        for widget in (self.start_button, self.pause_button, self.cancel_button,
                       self.retry_button, self.export_button):
            tools.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(tools)
        layout.addWidget(self.header)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)

        self.add_files_button.clicked.connect(self._pick_files)
        self.add_folder_button.clicked.connect(self._pick_folder)
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.pause)
        self.cancel_button.clicked.connect(self.cancel)
        self.retry_button.clicked.connect(self.retry_failed)
        self.export_button.clicked.connect(self._pick_export)
        self._update_buttons()
        self._show_header()
        QTimer.singleShot(0, self, self._load_unfinished)  # after the window's first paint

    def _market_label(self, name: str) -> str:
        if name == "local":
            return self.tr("Local library")
        from vvic_desktop.core.market_info import MARKETS

        info = MARKETS.get(name)
        if info is None:
            return name
        return info.display_zh if errors.language().startswith("zh") else info.display_en

    # --- adding photos -----------------------------------------------------------------------

    def add_paths(self, paths: list[Path]) -> None:
        """Files as given, folders walked (regular photo files only) on a worker; queued and
        listed until Start. `photosAdded` tells how many were added."""

        def walk(cancel: Any, progress: Any) -> tuple[list[str], list[str]]:
            found: list[str] = []
            problems: list[str] = []
            for path in paths:
                cancel.raise_if_cancelled()
                try:
                    found += [str(p) for p in (walk_photos(path) if path.is_dir() else [path])]
                except errors.VvicError as exc:
                    problems.append(error_text(exc, "batch-walk"))
            return found, problems

        self.pools.start(self.pools.thumbnails, walk, self._walked, name="batch-walk")

    def _walked(self, answer: Any, error: Any) -> None:
        if error is not None or answer is None:
            if error is not None:
                self._say(error_text(error, "batch-walk"), error=True)
            self.photosAdded.emit(0)
            return
        found, problems = answer
        for problem in problems:
            self._say(problem, error=True)
        if self._running():  # Add is disabled while a batch runs; a late walk waits
            self.photosAdded.emit(0)
            return
        known = set(self._pending)
        fresh = [p for p in found if p not in known]
        self._pending += fresh
        if fresh and self.batch_id is not None:
            self.batch_id, self.info = None, None  # a finished batch stays in the library
        if self.batch_id is None:
            self._show_pending()
        self._show_header()
        self._update_buttons()
        if fresh:
            self._say(self.tr("%n photo(s) ready; press Start.", "", len(self._pending)))
        self.photosAdded.emit(len(fresh))

    def _show_pending(self) -> None:
        """The photos added but not started, listed as queued rows with their pictures."""
        self.model.set_items([BatchItem(id=-1 - at, batch_id=0, position=at, photo=photo,
                                        crop=None, state=QUEUED)
                              for at, photo in enumerate(self._pending)])
        for photo in self._pending:
            self._want_thumbnail(photo)

    def _pick_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Add photos"), "",
            self.tr("Images (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.heic *.heif)"))
        self.add_paths([Path(f) for f in files])

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a folder of photos"))
        if folder:
            self.add_paths([Path(folder)])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        if not self._running():
            self.add_paths(paths)

    def _open_row(self, index: QModelIndex) -> None:
        """A finished row opens its result (the saved search) in the search tab."""
        if not index.isValid() or index.row() >= len(self.model.items):
            return
        item = self.model.items[index.row()]
        if item.search_id is not None:
            self.searchOpened.emit(int(item.search_id))
        elif item.state == FAILED and item.error_message:
            self._say(item.error_message, error=True)

    # --- running -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start a new batch of the added photos, or resume the unfinished one."""
        if self._running():
            return
        services = self.services
        if self._pending or self.batch_id is not None:
            self._starting = True  # until the runner is made: a second click does nothing
            self._update_buttons()
        if self._pending:
            photos, market = list(self._pending), str(self.market_box.currentData())
            self._pending = []
            name = self.tr("Batch {time}").format(
                time=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"))

            def create(cancel: Any, progress: Any) -> int:
                return int(services.batch_queue.create(
                    name, market, [(p, None) for p in photos]))

            self.pools.start(self.pools.storage, create, self._created, name="batch-create")
        elif self.batch_id is not None:
            self._run(self.batch_id)

    def _created(self, batch_id: Any, error: Any) -> None:
        if error is not None:
            self._starting = False
            self._update_buttons()
            self._say(error_text(error, "batch"), error=True)
            return
        self._run(int(batch_id))

    def _run(self, batch_id: int) -> None:
        """Make the batch's runner (it reads the queue: storage pool), then run it on the
        batch pool."""
        self.batch_id = batch_id
        self.notice.hide()
        relay, services = self._relay, self.services

        def make(cancel: Any, progress: Any) -> Any:
            return services.batch_runner(
                batch_id, on_event=lambda kind, payload: relay.event.emit(kind, payload))

        self.pools.start(self.pools.storage, make, functools.partial(self._made, batch_id),
                         name="batch-runner")

    def _made(self, batch_id: int, runner: Any, error: Any) -> None:
        self._starting = False
        if error is not None or runner is None:
            self._update_buttons()
            self._say(error_text(error or errors.Cancelled("batch"), "batch"), error=True)
            return
        if self._running() or batch_id != self.batch_id:
            return
        self._runner = runner

        def work(cancel: Any, progress: Any) -> BatchInfo:
            return runner.run()

        self._task = self.pools.start(self.pools.batch, work, self._done, name="batch")
        self.model.set_live(True)
        self._ticker.start()
        self._refresh_items()
        self._update_buttons()

    def pause(self) -> None:
        """Finish the calls under way and stop; Start resumes."""
        if self._runner is not None:
            self._runner.pause()
            self._say(self.tr("Pausing after the searches under way…"))

    def cancel(self) -> None:
        if self._runner is not None:
            self._runner.cancel.cancel()
            self._say(self.tr("Cancelling; photos not yet searched stay queued."))

    def retry_failed(self) -> None:
        if self.batch_id is None or self._running():
            return
        batch_id, services = self.batch_id, self.services

        def work(cancel: Any, progress: Any) -> int:
            return int(services.batch_queue.retry_failed(batch_id))

        self.pools.start(self.pools.storage, work,
                         lambda count, error: self._run(batch_id) if not error and count
                         else None, name="batch-retry")

    def _done(self, info: Any, error: Any) -> None:
        self._task = None
        self._runner = None
        self.model.set_live(False)
        self._ticker.stop()
        if error is not None:
            self._say(error_text(error, "batch"), error=True)
        else:
            self.info = info
            self._show_header()
            self._say(self.header.text())
            self.batchFinished.emit(info)
        self._refresh_items()
        self._update_buttons()

    def _running(self) -> bool:
        return self._task is not None or self._starting

    # --- events and display ------------------------------------------------------------------

    def _on_event(self, kind: str, payload: Any) -> None:
        if kind == "item":
            self.model.update(payload)
            self._refresh_header()
        elif kind == "batch":
            self.info = payload
            self._show_header()
            self._refresh_header()  # the calls used, after the calls that led here

    def _refresh_header(self) -> None:
        if self.batch_id is None:
            return
        services, batch_id, runner = self.services, self.batch_id, self._runner

        def read(cancel: Any, progress: Any) -> tuple[BatchInfo, int | None]:
            # both are SQLite reads (the calls: the limiter's log shared by every process)
            return (services.batch_queue.info(batch_id),
                    runner.calls_this_minute() if runner else None)

        self.pools.start(self.pools.storage, read, self._header_read, name="batch-info")

    def _header_read(self, answer: Any, error: Any) -> None:
        if error is not None or answer is None:
            return
        info, calls = answer
        if info.id == self.batch_id:
            self.info, self._calls = info, calls
            self._show_header()
            self.callsChanged.emit()

    def _refresh_items(self) -> None:
        if self.batch_id is None:
            return
        services, batch_id = self.services, self.batch_id

        def read(cancel: Any, progress: Any) -> tuple[BatchInfo, list[BatchItem]]:
            queue = services.batch_queue
            return queue.info(batch_id), queue.items(batch_id)

        self.pools.start(self.pools.storage, read, self._items_read, name="batch-items")

    def _items_read(self, answer: Any, error: Any) -> None:
        if error is not None or answer is None:
            return
        info, items = answer
        if info.id != self.batch_id:
            return
        self.info = info
        self.model.set_items(items)
        self._show_header()
        for item in items:
            self._want_thumbnail(item.photo)

    def _want_thumbnail(self, photo: str) -> None:
        """The photo's small picture, made on the thumbnails pool (once per photo); a photo
        that cannot be read has none (its row says why when the batch gets to it)."""
        if photo in self._thumbs_asked:
            return
        self._thumbs_asked.add(photo)

        def done(result: Any, error: Any) -> None:
            if error is not None or result is None:
                return
            data, width, height = result
            image = QImage(data, width, height, width * 4, QImage.Format.Format_RGBA8888).copy()
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(2.0)  # made at twice the shown size: sharp on 2x
            self.model.set_thumbnail(photo, pixmap)

        self.pools.start(self.pools.thumbnails,
                         lambda cancel, progress: make_thumbnail(photo, THUMB_PX), done,
                         name="batch-thumbnail")

    def _load_unfinished(self) -> None:
        services = self.services

        def read(cancel: Any, progress: Any) -> int | None:
            # services.batch_queue opens (creates, migrates) the library file: not on the
            # GUI thread, where a first start spent over a second on it before the window
            return services.batch_queue.latest()

        def found(batch_id: Any, error: Any) -> None:
            if error is None and batch_id is not None and self.batch_id is None \
                    and not self._pending:
                self.batch_id = int(batch_id)
                self._refresh_items()
                self._update_buttons()
                self._say(self.tr("An unfinished batch was found; press Start to resume it."))

        self.pools.start(self.pools.storage, read, found, name="batch-latest")

    def _show_header(self) -> None:
        info = self.info
        if info is None:
            if self._pending:
                self.header.setText(self.tr("%n photo(s) added.", "", len(self._pending)))
            else:
                self.header.setText(self.tr(
                    "Add photos or folders (or drop them here), choose the marketplace, "
                    "then Start. Up to the AppKey's quota per minute is used, never more; "
                    "the same photo twice costs one call; a closed app resumes where it "
                    "stopped."))
            return
        done = info.total - info.remaining
        text = self.tr("{done} of {total} photos · {failed} failed · {state}").format(
            done=done, total=info.total, failed=info.counts.get(FAILED, 0),
            state=self._state_text(info.state))
        if info.remaining and self._runner is not None:
            eta = self._runner.eta_seconds(info)
            text += " · " + self.tr("about {minutes} min left at {quota} calls/min").format(
                minutes=max(1, round(eta / 60)), quota=self._runner.quota_per_minute)
            if self._calls is not None:
                text += " · " + self.tr("{used} of {quota} calls used this minute").format(
                    used=self._calls, quota=self._runner.quota_per_minute)
        self.header.setText(text)
        if info.state == PAUSED and info.paused_until:
            self.notice.setText(resumes_text(info))
            self.notice.show()
        else:
            self.notice.hide()
        self._update_buttons()

    def _state_text(self, state: str) -> str:
        return {
            "active": self.tr("running"), "paused": self.tr("paused"),
            "cancelled": self.tr("cancelled"), "finished": self.tr("finished"),
        }.get(state, state)

    def _update_buttons(self) -> None:
        running = self._running()
        has_batch = self.batch_id is not None
        self.start_button.setEnabled(not running and (bool(self._pending) or (
            has_batch and self.info is not None and self.info.remaining > 0)))
        self.pause_button.setEnabled(running)
        self.cancel_button.setEnabled(running)
        self.retry_button.setEnabled(not running and has_batch and self.info is not None
                                     and self.info.counts.get(FAILED, 0) > 0)
        self.export_button.setEnabled(has_batch and self.info is not None
                                      and (self.info.counts.get(DONE, 0) > 0))
        self.add_files_button.setEnabled(not running)
        self.add_folder_button.setEnabled(not running)

    def _say(self, text: str, error: bool = False) -> None:
        window = self.window()
        show = getattr(window, "show_message", None)
        if callable(show):
            show(text, error=error)
        self.setToolTip(text)

    # --- export ------------------------------------------------------------------------------

    def _pick_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export the batch"), "batch.xlsx",
            self.tr("Excel (*.xlsx);;CSV (*.csv);;HTML (*.html)"))
        if path:
            self.export(Path(path))

    def export(self, path: Path) -> None:
        """The whole batch in one file (a section per photo, best offer per style)."""
        if self.batch_id is None:
            return
        services, batch_id = self.services, self.batch_id
        language = errors.language()

        def work(cancel: Any, progress: Any) -> str:
            return str(services.export_batch(batch_id, path, language=language))

        self.pools.start(self.pools.storage, work,
                         functools.partial(self._exported, path), name="batch-export")

    def _exported(self, path: Path, kind: Any, error: Any) -> None:
        if error is not None:
            self._say(error_text(error, "batch"), error=True)
        else:
            self._say(self.tr("Batch exported to {path}.").format(path=path))
        self.exportFinished.emit(kind, error)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the batch (its photos stay queued) and wait for the runner."""
        if self._runner is not None:
            self._runner.cancel.cancel()
        return self.pools.batch.waitForDone(timeout_ms)
