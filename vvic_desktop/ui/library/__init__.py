"""The library tab: saved searches as a list (model, delegate), the view with its actions,
and the dialogs it asks through (prompts)."""

from vvic_desktop.ui.library.delegate import LibraryDelegate
from vvic_desktop.ui.library.model import LibraryModel, local_time
from vvic_desktop.ui.library.prompts import (
    ask_confirm,
    ask_export_path,
    ask_notes,
    ask_text,
    export_file_name,
    split_tags,
)
from vvic_desktop.ui.library.view import LibraryList, LibraryView, prepared_from_jpeg

__all__ = [
    "LibraryDelegate",
    "LibraryList",
    "LibraryModel",
    "LibraryView",
    "ask_confirm",
    "ask_export_path",
    "ask_notes",
    "ask_text",
    "export_file_name",
    "local_time",
    "prepared_from_jpeg",
    "split_tags",
]
