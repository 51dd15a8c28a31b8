"""One way to put an action in a context menu: translated text (the caller's ``tr()``, so the
translation context stays the caller's class), an objectName the tests find it by, the slot and
whether it is enabled.

    add_action(menu, self.tr("Copy link"), "copyLink", lambda: copy(url), enabled=bool(url))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu


def add_action(menu: QMenu, text: str, name: str, slot: Callable[[], Any], *,
               enabled: bool = True) -> QAction:
    """Add and return the action `name` showing `text`; triggering it calls `slot()`."""
    action = menu.addAction(text)
    action.setObjectName(name)
    action.setEnabled(enabled)
    action.triggered.connect(lambda _checked=False: slot())
    return action
