"""The library tab: saved searches as a list, a full-text filter and the actions on one.

    view = LibraryView(services, pools)      # objectName and accessible name "libraryView"
    view.searchOpened.connect(...)           # SavedSearch: show it in the search tab
    view.statusMessage.connect(...)          # (text, is_error)
    view.refresh()                           # re-read the list (after a save elsewhere)

Every library call (list, get, rename, notes, delete, export, "search again"'s replace) runs on
the storage pool and its answer comes back by signal: opening the library touches the disk,
and a network share or a full disk must never freeze the window. The search itself runs on the
search pool. Query thumbnails (240 px JPEGs) are decoded to QImage in the same worker as the
list query, so painting a row never decodes.

Dialogs go through the module-level `ask_*` functions so that tests can replace them.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vvic_desktop.core import errors
from vvic_desktop.core.models import PreparedImage, SearchResult
from vvic_desktop.services import DEMO_LABEL, DEMO_MARKET, SearchServices
from vvic_desktop.storage.library import SavedSearch, SearchSummary
from vvic_desktop.ui.library.delegate import LibraryDelegate
from vvic_desktop.ui.library.model import THUMB_EDGE, LibraryModel
from vvic_desktop.ui.library.prompts import (
    ask_confirm,
    ask_export_path,
    ask_notes,
    ask_text,
    export_file_name,
)
from vvic_desktop.ui.messages import error_text
from vvic_desktop.ui.picture_images import picture_image
from vvic_desktop.workers.tasks import Pools

log = logging.getLogger(__name__)

FILTER_DEBOUNCE_MS = 150


def prepared_from_jpeg(jpeg: bytes) -> PreparedImage:
    """The stored prepared JPEG as a PreparedImage, for "search again" (worker thread)."""
    from PIL import Image

    with Image.open(io.BytesIO(jpeg)) as image:
        width, height = image.size
    return PreparedImage(jpeg=jpeg, width=width, height=height,
                         sha256=hashlib.sha256(jpeg).hexdigest())



class LibraryList(QListView):
    """The list, with a hint painted where there are no rows (none saved, or none match)."""

    placeholder = ""

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.model() is not None and self.model().rowCount() == 0 and self.placeholder:
            painter = QPainter(self.viewport())
            painter.setPen(QColor("#6b7280"))
            painter.drawText(self.viewport().rect().adjusted(24, 24, -24, -24),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.placeholder)
            painter.end()


# --- the view -------------------------------------------------------------------------------


class LibraryView(QWidget):
    searchOpened = Signal(object)  # SavedSearch (after Open or Search again)
    listRefreshed = Signal()
    changed = Signal(int)  # a saved search's id whose name/notes/tags/content changed
    deleted = Signal(int)
    statusMessage = Signal(str, bool)  # text, is_error

    def __init__(self, services: SearchServices, pools: Pools,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryView")
        self.setAccessibleName(self.tr("Library"))  # screen readers: in the user's language
        self.setAccessibleDescription(self.tr("Saved searches"))
        self.services = services
        self.pools = pools
        self._generation = 0
        self.busy = False  # a "search again" is running

        self.filter_edit = QLineEdit(objectName="libraryFilter")
        self.filter_edit.setPlaceholderText(
            self.tr("Filter by name, notes, tag, title or stall…"))
        self.filter_edit.setAccessibleName(self.tr("Filter saved searches"))
        self.filter_edit.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(FILTER_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh)
        self.filter_edit.textChanged.connect(lambda _t: self._debounce.start())

        self.model = LibraryModel(self)
        self.list = LibraryList(objectName="libraryList")
        self.list.setAccessibleName(self.tr("Saved searches"))
        self.list.setModel(self.model)
        self.list.setItemDelegate(LibraryDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.doubleClicked.connect(lambda index: self.open_search(self._id_at(index)))
        self.list.activated.connect(lambda index: self.open_search(self._id_at(index)))

        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for key, text, slot in self._action_table():
            button = QPushButton(text, objectName=f"library{key[0].upper()}{key[1:]}Button")
            button.setAccessibleName(text)
            button.clicked.connect(lambda _c=False, s=slot: self._on_current(s))
            bar.addWidget(button)
            self.buttons[key] = button
        bar.addStretch(1)
        self.list.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.list, 1)
        layout.addLayout(bar)
        self._update_buttons()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Delete removes the selected search (after the confirmation)."""
        if event.key() == Qt.Key.Key_Delete and self.current_id() is not None:
            self.delete_search(self.current_id())  # type: ignore[arg-type]
            event.accept()
            return
        super().keyPressEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        """Coming back to the tab shows what was saved meanwhile (autosave, the CLI)."""
        super().showEvent(event)
        self.refresh()

    def _action_table(self) -> list[tuple[str, str, Callable[[int], None]]]:
        return [
            ("open", self.tr("Open"), self.open_search),
            ("rename", self.tr("Name / keep…"), self.rename_search),
            ("notes", self.tr("Notes and tags…"), self.edit_notes),
            ("again", self.tr("Search again"), self.search_again),
            ("export", self.tr("Export…"), self.export_search),
            ("delete", self.tr("Delete…"), self.delete_search),
        ]

    # -- selection helpers ---------------------------------------------------------------------

    def _id_at(self, index: QModelIndex) -> int | None:
        summary = index.data(LibraryModel.SummaryRole) if index.isValid() else None
        return summary.id if summary is not None else None

    def current_id(self) -> int | None:
        return self._id_at(self.list.currentIndex())

    def select(self, search_id: int) -> bool:
        row = self.model.row_of(search_id)
        if row >= 0:
            self.list.setCurrentIndex(self.model.index(row))
        return row >= 0

    def _on_current(self, slot: Callable[[int], None]) -> None:
        search_id = self.current_id()
        if search_id is not None:
            slot(search_id)

    def _update_buttons(self) -> None:
        has = self.current_id() is not None
        for key, button in self.buttons.items():
            button.setEnabled(has and not (key == "again" and self.busy))

    def _context_menu(self, pos: Any) -> None:
        search_id = self._id_at(self.list.indexAt(pos))
        if search_id is None:
            return
        menu = QMenu(self)
        for _key, text, slot in self._action_table():
            menu.addAction(text).triggered.connect(functools.partial(slot, search_id))
        menu.exec(self.list.viewport().mapToGlobal(pos))
        menu.deleteLater()

    # -- storage-pool plumbing -----------------------------------------------------------------

    def _run(self, fn: Callable[[Any], Any], done: Callable[[Any], None], *,
             name: str, failed: Callable[[], None] | None = None) -> None:
        """`fn(library)` on the storage pool; `done(result)` in the GUI thread, or on an error
        `failed()` and its message in the status area."""
        services = self.services

        def work(cancel: Any, progress: Any) -> Any:
            return fn(services.library)

        def finished(result: Any, error: BaseException | None) -> None:
            if error is not None:
                if failed is not None:
                    failed()
                self._report(error)
                return
            done(result)

        self.pools.start(self.pools.storage, work, finished, name=name)

    def _report(self, error: BaseException) -> None:
        if isinstance(error, errors.Cancelled):
            return
        self.statusMessage.emit(error_text(error, "library"), True)

    # -- list ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the list for the current filter text (a newer refresh wins)."""
        self._generation += 1
        generation = self._generation
        text = self.filter_edit.text().strip()
        known = self.model.known_thumbnails()

        def read(library: Any) -> tuple[list[SearchSummary], dict[str, QImage]]:
            rows = library.list(text)
            images: dict[str, QImage] = {}
            for summary in rows:
                sha = summary.query_thumb
                if sha and sha not in known and sha not in images:
                    image = picture_image(library.picture(sha),
                                          QSize(THUMB_EDGE * 2, THUMB_EDGE * 2), grow=True)
                    if image is not None:
                        images[sha] = image
            return rows, images

        def show(answer: tuple[list[SearchSummary], dict[str, QImage]]) -> None:
            if generation != self._generation:
                return
            current = self.current_id()
            self.list.placeholder = (
                self.tr("No saved search matches “{text}”.").format(text=text) if text else
                self.tr("No saved searches yet. Each search is kept here (see Settings); "
                        "name one with Ctrl+S to keep it for good."))
            self.model.set_rows(*answer)
            if current is not None:
                self.select(current)
            self.listRefreshed.emit()

        self._run(read, show, name="library-list")

    # -- actions -------------------------------------------------------------------------------

    def open_search(self, search_id: int | None) -> None:
        if search_id is None:
            return
        self._run(lambda library: library.get(search_id, touch=True), self.searchOpened.emit,
                  name="library-open")

    def rename_search(self, search_id: int) -> None:
        row = self.model.row_of(search_id)
        current = self.model.summary(row).name or "" if row >= 0 else ""
        name = ask_text(self, self.tr("Name this search"),
                        self.tr("A named search is kept for good (empty: back to the history):"),
                        current)
        if name is None:
            return
        self._run(lambda library: library.rename(search_id, name.strip() or None),
                  lambda _r: self._changed(search_id, self.tr("Saved search renamed.")),
                  name="library-rename")

    def edit_notes(self, search_id: int) -> None:
        row = self.model.row_of(search_id)
        if row < 0:
            return
        summary = self.model.summary(row)
        answer = ask_notes(self, summary.notes, list(summary.tags))
        if answer is None:
            return
        notes, tags = answer

        def write(library: Any) -> None:
            library.set_notes(search_id, notes)
            library.set_tags(search_id, tags)

        self._run(write, lambda _r: self._changed(search_id, self.tr("Notes saved.")),
                  name="library-notes")

    def delete_search(self, search_id: int) -> None:
        row = self.model.row_of(search_id)
        title = self.model.summary(row).title if row >= 0 else f"#{search_id}"
        if not ask_confirm(self, self.tr("Delete saved search"),
                           self.tr("Delete “{title}” from the library? This cannot be undone.")
                           .format(title=title)):
            return

        def gone(_r: Any) -> None:
            self.statusMessage.emit(self.tr("Deleted “{title}”.").format(title=title), False)
            self.deleted.emit(search_id)
            self.refresh()

        self._run(lambda library: library.delete(search_id), gone, name="library-delete")

    def _changed(self, search_id: int, message: str) -> None:
        self.statusMessage.emit(message, False)
        self.changed.emit(search_id)
        self.refresh()

    def export_search(self, search_id: int) -> None:
        row = self.model.row_of(search_id)
        title = self.model.summary(row).title if row >= 0 else "results"
        path = ask_export_path(self, export_file_name(title))
        if not path:
            return
        self.export_to(search_id, Path(path))

    def export_to(self, search_id: int, path: Path) -> None:
        """Write one saved search to `path` (format by suffix) from the library alone."""
        language = errors.language()

        def write(library: Any) -> str:
            return str(library.export(search_id, path, language=language))

        self._run(write, lambda _kind: self.statusMessage.emit(
            self.tr("Exported to {path}.").format(path=path), False), name="library-export")

    def search_again(self, search_id: int) -> None:
        """Run the saved query again (its stored prepared photo, no cache), then let the
        library swap in the fresh offers and mark what changed; the result opens."""
        if self.busy:
            return
        self.busy = True
        self._update_buttons()
        self.statusMessage.emit(self.tr("Searching again…"), False)
        services = self.services

        def load(library: Any) -> tuple[SavedSearch, PreparedImage | None]:
            saved = library.get(search_id)
            jpeg = library.picture(saved.query_image)
            return saved, prepared_from_jpeg(jpeg) if jpeg else None

        def search(loaded: tuple[SavedSearch, PreparedImage | None]) -> None:
            saved, prepared = loaded
            endpoint = None if services.demo is not None else (saved.endpoint or None)
            query = saved.result.query
            if query.market == DEMO_LABEL:  # a demo result: only the demo marketplace has it
                query = dataclasses.replace(query, market=DEMO_MARKET)
                if services.demo is None:
                    replace(None, errors.ConfigError(
                        "demo result searched again without --demo",
                        message_zh="这是演示数据的搜索，用演示模式（--demo）启动后才能重新搜索。",
                        message_en="This search was made on demo data; start the app with "
                                   "--demo to search it again."))
                    return

            def work(cancel: Any, progress: Any) -> SearchResult:
                return services.as_demo(services.search(
                    query, cancel=cancel, progress=progress, endpoint=endpoint,
                    use_cache=False, prepared=prepared))

            self.pools.start(self.pools.search, work, replace, name="library-search-again")

        def replace(result: Any, error: BaseException | None) -> None:
            if error is not None:
                self._again_idle()
                self._report(error)
                return
            self._run(lambda library: library.replace_result(search_id, result), refreshed,
                      name="library-replace", failed=self._again_idle)

        def refreshed(saved: SavedSearch) -> None:
            self._again_idle()
            self.statusMessage.emit(self.tr("%n change(s) since the last search.", "",
                                            len(saved.changes)), False)
            self.changed.emit(search_id)
            self.refresh()
            self.searchOpened.emit(saved)

        self._run(load, search, name="library-load", failed=self._again_idle)

    def _again_idle(self) -> None:
        self.busy = False
        self._update_buttons()
