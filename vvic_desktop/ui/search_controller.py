"""The main window's search: the query from the intake, crop and filters, the search on the
search pool (`services.search`, core.pipeline.run_search), its progress, cancel and result.

A mixin of `MainWindow` (ui/main_window.py). A newer search replaces an older one: each start
bumps a generation, and whatever a stale search still delivers is dropped.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QWidget

from vvic_desktop.core import errors
from vvic_desktop.core.market_info import page_cost
from vvic_desktop.core.models import SearchQuery, SearchResult
from vvic_desktop.services import LOCAL_MARKET
from vvic_desktop.storage.settings import LIBRARY_AUTOSAVE, MAX_RESULTS
from vvic_desktop.ui.drop_area import IntakePhoto
from vvic_desktop.ui.library.prompts import ask_confirm

log = logging.getLogger(__name__)
SAVE_FAILED = "library_not_updated"  # a note between the worker and the window only


class SearchController:
    """Start, follow and cancel the search of the main window (mixin)."""

    def current_query(self) -> SearchQuery | None:
        photo = self.intake_strip.current_photo()
        if photo is None:
            return None
        return SearchQuery(
            source=str(photo.path),
            market=self.filter_bar.market(),
            crop=self.crop_view.crop_box(),
            filters=self.filter_bar.filters(self.settings.value(MAX_RESULTS)),
            auto_crop=self.crop_view.suggestion_pending(),  # searched before the box showed
        )

    def start_search(self) -> None:
        query = self.current_query()
        if query is None:
            self.show_message(self.tr("Drop or open a photo first."))
            return
        self.cancel_search(quiet=True)  # a newer search replaces the older one
        self._generation += 1
        generation = self._generation
        self.load_more_button.hide()
        services = self.services
        relay = self.partialResults  # emitted on the worker, delivered in the GUI thread

        def partial(groups: list[Any], done: int, total: int) -> None:
            relay.emit(generation, groups)

        def work(cancel: Any, progress: Any) -> SearchResult:
            return services.search(query, cancel=cancel, progress=progress, partial=partial)

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
            if self._enter_in_a_field():
                return
            self.start_search()
        elif self.tabs.currentWidget() is self.library_view:
            self.library_view.open_search(self.library_view.current_id())

    def _enter_in_a_field(self) -> bool:
        """Enter typed in a filter field (price, 起批量, the text filter) confirms that field
        and filters the results on screen: it never starts a new, paid search."""
        focus = QApplication.focusWidget()
        if focus is None or not (self.filter_bar.isAncestorOf(focus)
                                 or focus is self.text_filter):
            return False
        widget: QWidget | None = focus
        while widget is not None and not isinstance(widget, QAbstractSpinBox):
            widget = widget.parentWidget()
        if isinstance(widget, QAbstractSpinBox):
            widget.interpretText()
        self._apply_filters_in_place()
        return True

    def find_similar(self, offer: Any) -> None:
        """找相似: search by a listing's picture (from a card or a compare row). The picture
        (in the store since the search, else fetched) and the quota left are read on the
        storage pool; a paid search asks first, saying how many calls are left."""
        market, services = self.filter_bar.market(), self.services
        url = str(offer.image_url)

        def work(cancel: Any, progress: Any) -> tuple[Path | None, Any]:
            store = services.thumbnail_store
            sha = store.sha_for_url(url)
            if not sha:
                services.picture_downloader().fetch_all([url], cancel=cancel)
                sha = store.sha_for_url(url)
            left = None if market == LOCAL_MARKET else services.quota_left(market)
            return (store.path_for(sha) if sha else None), left

        def done(answer: Any, error: Any) -> None:
            if error is not None:
                self._show_error(error)
                return
            path, left = answer
            if path is None or not Path(path).is_file():
                self.show_message(self.tr("The listing's picture could not be fetched."),
                                  error=True)
                return
            if market != LOCAL_MARKET:
                cost = (self.tr("This search uses one call of your AppKey: {left} of {quota} "
                                "left this minute.").format(left=left[0], quota=left[1])
                        if left is not None else self.tr("This search uses one call."))
                if not ask_confirm(self, self.tr("Find similar"), cost + "\n\n" + self.tr(
                        "Search {market} for listings like “{title}”?").format(
                        market=self.filter_bar.market_box.currentText(), title=offer.title)):
                    return
            photo = IntakePhoto(path=Path(path), label=self.tr("Like: {title}").format(
                title=offer.title), origin="similar", url=url)
            self.intake_strip.add_photos([photo])
            self.start_search()

        self.pools.start(self.pools.storage, work, done, name="find-similar")

    def cancel_search(self, quiet: bool = False) -> None:
        if self._search_task is not None:
            self._search_task.cancel.cancel()
            self._search_task = None
            self._generation += 1  # whatever it still delivers is stale
            self._search_idle()
            self._update_load_more()
            if not quiet:
                self.show_message(self.tr("Search cancelled."))

    # -- load more ("加载更多") ------------------------------------------------------------------

    def _more_cost(self) -> int | None:
        """Calls the next page of the result on screen costs; None: no next page to load."""
        result = self._last_result
        if result is None or not result.stats.get("more"):
            return None
        return page_cost(self.services.result_market(result), bool(result.page_token))

    def _update_load_more(self) -> None:
        """Show "Load more" only when the market said another page follows, labelled with
        its cost; the quota left (a read of the quota database) follows from the storage
        pool."""
        cost = self._more_cost()
        if cost is None or self._search_task is not None:
            self.load_more_button.hide()
            return
        self._label_load_more(cost, None)
        self.load_more_button.setEnabled(True)
        self.load_more_button.show()
        result, services = self._last_result, self.services
        market = services.result_market(result) if result is not None else ""

        def read(cancel: Any, progress: Any) -> Any:
            return services.quota_left(market)

        def done(left: Any, error: Any) -> None:
            if error is None and left is not None and result is self._last_result:
                self._label_load_more(cost, left)

        self.pools.start(self.pools.storage, read, done, name="quota-load-more")

    def _label_load_more(self, cost: int, left: tuple[int, int] | None) -> None:
        if left is None:
            text = self.tr("Load more (uses %n API call(s))", "", cost)
        else:
            text = self.tr("Load more (uses %n API call(s); {left} of {quota} left this "
                           "minute)", "", cost).format(left=left[0], quota=left[1])
        self.load_more_button.setText(text)

    def load_more(self) -> None:
        """The marketplace's next page for the result on screen: its listings join the
        styles shown (grouped again), and a saved search keeps them."""
        result = self._last_result
        if result is None or self._more_cost() is None or self._search_task is not None:
            return
        self._generation += 1
        generation = self._generation
        services, saved_id = self.services, self._saved_id
        # a saved search opened from the library asks with its stored photo
        stored = self._saved.query_image if self._saved is not None else None

        def work(cancel: Any, progress: Any) -> SearchResult:
            prepared = (services.saved_prepared(stored)
                        if result.prepared is None and stored else None)
            more = services.search(result.query, cancel=cancel, progress=progress,
                                   more_of=result, prepared=prepared)
            if saved_id is not None:  # saved with the search, on this worker
                try:
                    services.save_more(saved_id, more, cancel=cancel)
                except errors.StorageError as exc:  # the page is paid for: still shown
                    more.notes.append(SAVE_FAILED)
                    log.warning("load more: saved search %s not updated: %s", saved_id,
                                exc.detail)
            return more

        self.load_more_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.show_message(self.tr("Loading more results…"))
        self._search_task = self.pools.start(
            self.pools.search, work,
            functools.partial(self._more_done, generation, saved_id),
            functools.partial(self._search_progress, generation),
            name="load-more",
        )

    def _task_ended(self, generation: int, error: Any) -> bool:
        """A search or a "load more" ended: False when a newer one replaced it (nothing of
        it is shown); else the window is idle again and a failure is said."""
        if generation != self._generation:
            return False
        self._search_task = None
        self._search_idle()
        if error is not None:
            self._show_error(error)
        return True

    def _more_done(self, generation: int, saved_id: int | None, result: Any,
                   error: Any) -> None:
        if not self._task_ended(generation, error):
            return
        if error is None:
            self._last_result = result
            unsaved = SAVE_FAILED in result.notes
            if unsaved:
                result.notes.remove(SAVE_FAILED)
            elif saved_id is not None and saved_id == self._saved_id:
                self.library_view.refresh()
            self._show_groups(result.groups)
            added = int(result.stats.get("added", 0))
            text = self.tr("%n more listing(s) loaded: {offers} listings in {groups} styles.",
                           "", added).format(offers=len(result.offers),
                                             groups=len(result.groups))
            if not result.stats.get("more"):
                text += " " + self.tr("That was the marketplace's last page.")
            if unsaved:
                text += " " + self.tr("They could not be added to the saved search (see the "
                                      "log); they are shown here only.")
            self.show_message(text, error=unsaved)
        self._update_quota()
        self._update_load_more()
        self.moreLoaded.emit(result, error)

    def _search_progress(self, generation: int, stage: str, percent: int) -> None:
        if generation != self._generation:
            return
        self.progress.setValue(percent)
        self.show_message(self._stage_text(stage))

    def _show_partial(self, generation: int, groups: list[Any]) -> None:
        """Results as they arrive: the cards as soon as the answer is parsed (pictures load
        into them), regrouped as the pictures come in; the final grouping follows."""
        if generation != self._generation:
            return
        if self._partial_shown != generation:
            self._partial_shown = generation
            self._forget_saved()
            self.thumbnails.clear()  # the old search's picture work is cancelled
            self.results_model.set_marks({}, {})
            self.results_model.set_groups(groups)
            self._refresh_market_filter()
            self._apply_filters_in_place()
        else:
            self._show_groups(groups)

    def _show_groups(self, groups: list[Any]) -> None:
        """New groups for the results on screen, the cards open stay open, filters kept."""
        self.results_model.set_groups(groups, keep_expanded=True)
        self._refresh_market_filter()
        self._apply_filters_in_place()

    def _search_done(self, generation: int, result: Any, error: Any) -> None:
        if not self._task_ended(generation, error):
            return  # a newer search replaced this one
        if error is None:
            self._last_result = result
            self._forget_saved()
            if self._partial_shown != generation:
                self.thumbnails.clear()  # the old search's picture work is cancelled
            self.results_model.set_marks({}, {})
            self._show_groups(result.groups)
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
        self._update_load_more()
        if error is None and self.settings.value(LIBRARY_AUTOSAVE):
            self._save(result, None)
        self.searchFinished.emit(result, error)

    def _search_idle(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()

    def _apply_filters_in_place(self) -> None:
        """Filter the shown results without a new search (and without spending quota)."""
        self.results_model.set_filter(
            text=self.text_filter.text().strip(), filters=self.filter_bar.filters(),
            stall_market=str(self.market_filter.currentData() or ""),
            category=str(self.category_filter.currentData() or ""),
        )

    def _refresh_market_filter(self) -> None:
        """The market filter offers the wholesale markets of the results on screen; the one
        chosen stays chosen while the new results have it."""
        chosen = str(self.market_filter.currentData() or "")
        markets = self.results_model.stall_markets()
        self.market_filter.blockSignals(True)
        self.market_filter.clear()
        self.market_filter.addItem(self.tr("All markets"), "")
        for market in markets:
            self.market_filter.addItem(market, market)
        self.market_filter.setCurrentIndex(max(0, self.market_filter.findData(chosen)))
        self.market_filter.blockSignals(False)
        self.filter_bar.fill_categories(self.category_filter, self.results_model.categories())
