"""One way to turn a worker's failure into words for the buyer.

    text = error_text(error, "batch")   # VvicError: its translated message; anything else:
                                        # "Unexpected error (KeyError); details are in the log"

The detail (exception text, errno, a backend's own sentence, usually English) goes to the log
only: the window shows the translated message.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication

from vvic_desktop.core import errors

log = logging.getLogger(__name__)


def error_text(error: BaseException, what: str = "task", fallback: str | None = None) -> str:
    """The message to show for `error` (from the work named `what`), logged on the way.

    `fallback` (translated, with a ``{kind}`` field) names what failed when the error is not
    one of ours; by default "Unexpected error ({kind}); details are in the log file."."""
    if isinstance(error, errors.VvicError):
        log.info("%s failed: %s (%s)", what, error.code, error.detail)
        return error.message()
    log.error("unexpected %s failure", what, exc_info=error)
    if fallback is None:
        fallback = QCoreApplication.translate(
            "Messages", "Unexpected error ({kind}); details are in the log file.")
    return fallback.format(kind=type(error).__name__)


def photo_error_text(error: BaseException | None) -> str:
    """Why a photo could not be shown, in the words the search would use: a decoder's own
    failure (a torn JPEG: OSError "image file is truncated") is a damaged image, whichever of
    the strip, the crop view or the search read it first."""
    if error is None:
        error = errors.DamagedImage("no picture")
    elif isinstance(error, (OSError, ValueError, SyntaxError, EOFError)) and not isinstance(
            error, errors.VvicError):
        error = errors.DamagedImage(f"{type(error).__name__}: {error}")
    return error_text(error, "photo")
