"""The main window's search: the query from the intake, crop and filters, the search on the
search pool (`services.search`, core.pipeline.run_search), its progress, cancel and result.

A mixin of `MainWindow` (ui/main_window.py). A newer search replaces an older one: each start
bumps a generation, and whatever a stale search still delivers is dropped.
"""

from __future__ import annotations

import functools
from typing import Any

from vvic_desktop.core.models import SearchQuery, SearchResult
from vvic_desktop.storage.settings import LIBRARY_AUTOSAVE, MAX_RESULTS


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
        if error is None and self.settings.value(LIBRARY_AUTOSAVE):
            self._save(result, None)
        self.searchFinished.emit(result, error)

    def _search_idle(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()

    def _apply_filters_in_place(self) -> None:
        """Filter the shown results without a new search (and without spending quota)."""
        self.results_model.set_filter(
            text=self.text_filter.text().strip(), filters=self.filter_bar.filters()
        )
