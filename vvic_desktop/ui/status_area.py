"""The main window's status area: the message line, the search progress and its cancel
button, the quota left this minute and the demo badge; the words for each search stage and
for a failure.

A mixin of `MainWindow` (ui/main_window.py): it reads the window's `filter_bar`, `services`,
`pools` and `demo`, and its `cancel_search` (ui/search_controller.py).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QToolButton

from vvic_desktop.core import errors, pipeline
from vvic_desktop.services import LOCAL_MARKET
from vvic_desktop.ui.messages import error_text

log = logging.getLogger(__name__)


class StatusArea:
    """The status bar of the main window (mixin)."""

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

    def show_notice(self, text: str) -> None:
        """A banner above the tabs for what the user must know once (a damaged settings file
        or library moved aside); several notices stack."""
        shown = self.notice_label.text()
        self.notice_label.setText(f"{shown}\n{text}" if shown else text)
        self.notice_label.show()

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

    def _stage_text(self, stage: str) -> str:
        texts = {
            pipeline.STAGE_PREPARE: self.tr("Preparing the photo…"),
            pipeline.STAGE_CACHE: self.tr("Looking in saved results…"),
            pipeline.STAGE_QUOTA: self.tr("Waiting for the call quota…"),
            pipeline.STAGE_SEARCH: self.tr("Asking the marketplace…"),
            pipeline.STAGE_RETRY: self.tr("The marketplace had a hiccup; trying again…"),
            pipeline.STAGE_THUMBNAILS: self.tr("Fetching listing pictures…"),
            pipeline.STAGE_GROUP: self.tr("Grouping the same styles…"),
            pipeline.STAGE_DONE: self.tr("Done."),
        }
        name, _space, detail = stage.partition(" ")
        if name == pipeline.STAGE_WAIT:  # a countdown before the next attempt; Cancel stops it
            return self.tr("Trying again in {seconds} s… (Cancel stops the wait)").format(
                seconds=detail)
        text = texts.get(name, stage)
        if name == pipeline.STAGE_THUMBNAILS and "/" in detail:  # "12/40": what it waits for
            done, _slash, total = detail.partition("/")
            return self.tr("Fetching listing pictures: {done} of {total}…").format(
                done=done, total=total)
        return text

    def _show_error(self, error: BaseException, what: str = "search") -> None:
        """A failure of the search (or of a library `what`) as a message in the status bar."""
        if isinstance(error, errors.Cancelled):
            if what == "search":
                self.show_message(self.tr("Search cancelled."))
        else:
            self.show_message(error_text(error, what), error=True)
