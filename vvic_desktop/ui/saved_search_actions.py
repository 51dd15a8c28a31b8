"""The main window's saved-search actions: the library opened at start-up, autosave and
Ctrl+S (name it, keep it), a saved search shown in the search tab with its banner and query
photo, ★ and notes on listings, and export (Ctrl+E, JSON).

A mixin of `MainWindow` (ui/main_window.py). Every library call runs on the storage pool; a
save that fails (full disk, read-only folder) says so in the status bar and the results stay
on screen: searching never depends on the library.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFileDialog

from vvic_desktop.core import errors
from vvic_desktop.core.models import Offer, OfferMark, SearchResult
from vvic_desktop.storage.library import SavedSearch
from vvic_desktop.ui.drop_area import IntakePhoto, save_intake_bytes
from vvic_desktop.ui.library import ask_export_path, ask_text, export_file_name, local_time
from vvic_desktop.ui.picture_images import picture_image

log = logging.getLogger(__name__)
CATCH_UP_CHUNK = 64  # pictures embedded per background catch-up task


class SavedSearchActions:
    """The library side of the main window (mixin)."""

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
                self.show_notice(notice.message())
                self.show_message(notice.message(), error=True)
            self.library_view.refresh()
            self.libraryReady.emit(notice)
            self._catch_up_catalog()

        self.pools.start(self.pools.storage, work, done, name="library-open")

    def _catch_up_catalog(self) -> None:
        """In the background: load the local catalog's model and embed pictures saved
        before they were embedded on saving (an older version's data), a chunk at a time so
        saves queue in between; never in a search."""
        services = self.services

        def work(cancel: Any, progress: Any) -> int:
            catalog = services.local_catalog  # numpy and the model: here, never the GUI thread
            if not catalog.offers_by_picture():
                return 0
            catalog.warm_up()
            return catalog.catch_up(cancel=cancel, limit=CATCH_UP_CHUNK)

        def done(embedded: Any, error: Any) -> None:
            if error is not None:
                log.warning("local catalog catch-up stopped: %s", error)
            elif embedded and services.local_catalog.pending:
                self._catch_up_catalog()

        self.pools.start(self.pools.storage, work, done, name="catalog-catch-up")

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
            return picture_image(services.library.picture(sha), size, grow=True)

        def done(image: Any, error: Any) -> None:
            if error is None and image is not None and search_id == self._saved_id:
                self.saved_picture.setPixmap(QPixmap.fromImage(image))

        self.pools.start(self.pools.storage, work, done, name="library-query-picture")

    def _show_saved_photo(self, saved: SavedSearch) -> None:
        """The left pane follows the saved search: its photo (the original file when it is
        still there, with the crop used; else the stored prepared photo, uncropped) becomes
        the current photo, so Search runs on what the grid shows."""
        services, search_id = self.services, saved.id
        source, crop = saved.result.query.source, saved.result.query.crop
        folder = services.paths.cache / "intake"

        def work(cancel: Any, progress: Any) -> tuple[Path, Any] | None:
            original = Path(source) if source and "://" not in source else None
            if original is not None and original.is_file():
                return original, crop
            jpeg = services.library.picture(saved.query_image) if saved.query_image else None
            if not jpeg:
                return None
            return save_intake_bytes(folder, jpeg, ".jpg"), None

        def done(answer: Any, error: Any) -> None:
            if error is not None or answer is None or search_id != self._saved_id:
                return
            path, box = answer
            photo = IntakePhoto(path=path, label=saved.summary.title, origin="library")
            current = self.intake_strip.current_photo()
            self.crop_view.remember_crop(photo.key, box)
            if current is not None and current.key == photo.key:
                self.crop_view.set_crop(box)  # shown already: only the crop changes
            else:
                self.intake_strip.add_photos([photo])

        self.pools.start(self.pools.storage, work, done, name="library-query-photo")

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
        self._refresh_market_filter()
        self._apply_filters_in_place()
        self._update_load_more()
        self._set_banner(local_time(saved.summary), saved.summary.title)
        self._show_query_picture(saved)
        self._show_saved_photo(saved)
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
        result = self.services.as_demo(result)  # demo listings are never passed off as VVIC's
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
            self.exported.emit(str(path), error)

        self.pools.start(self.pools.storage, work, done, name="export")

    def save_results(self) -> None:
        if self._last_result is None:
            self.show_message(self.tr("Nothing to save yet: search first."))
            return
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save results"), "results.json", self.tr("JSON (*.json)")
        )
        if not path:
            return
        self.write_json(Path(path))

    def write_json(self, path: Path) -> None:
        """The result on screen as JSON at `path`, written on the storage pool."""
        result = self._last_result
        if result is None:
            return
        result = self.services.as_demo(result)

        def work(cancel: Any, progress: Any) -> None:
            from vvic_desktop.storage.export import result_to_json
            from vvic_desktop.storage.files import write_atomically

            data = json.dumps(result_to_json(result), ensure_ascii=False, indent=2)
            write_atomically(path, data.encode("utf-8"))

        def done(_r: Any, error: Any) -> None:
            if error is not None:
                self._show_error(error, "export")
            else:
                self.show_message(self.tr("Saved to {path}.").format(path=path))
            self.exported.emit(str(path), error)

        self.pools.start(self.pools.storage, work, done, name="export-json")
