"""Picture bytes → QImage on a worker thread, without Qt's image plugins.

Every picture goes through `core.intake.load_picture` (THE loader: format sniffed and on the
allow-list, pixel limits, EXIF-upright, alpha on white), then becomes a QImage from its raw
RGBA pixels. Never `QImage.fromData` off the GUI thread: Qt probes the formats, its SVG plugin
builds a QTextStream, and that connects signals under Qt's connection lock. When the GUI
thread at that moment disconnects a Python slot (a wrapper being freed), it holds that lock
and waits for the GIL, which the worker holds while it waits for the lock: a deadlock, seen
once in CI (tests/ui/test_library_view.py hung for half an hour under two busy loops).
A QImage made from a buffer and copied touches no QObject.
"""

from __future__ import annotations

from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage

from vvic_desktop.core.errors import PictureUnavailable
from vvic_desktop.core.intake import load_picture


def picture_image(data: bytes | None, box: QSize, *, grow: bool = False) -> QImage | None:
    """The picture fitted into `box` (kept aspect; enlarged only with `grow`), in the
    premultiplied format cards paint fastest; None when it cannot be decoded."""
    if not data or box.width() < 1 or box.height() < 1:
        return None
    try:
        image = load_picture(bytes(data), max_side=max(box.width(), box.height()))
        image.thumbnail((box.width(), box.height()), Image.Resampling.LANCZOS)
        rgba = image.convert("RGBA")
    except PictureUnavailable:
        return None
    except (OSError, ValueError, MemoryError):  # a decode error past the loader's checks
        return None
    width, height = rgba.size
    qimage = QImage(rgba.tobytes(), width, height, width * 4,
                    QImage.Format.Format_RGBA8888).copy()  # owns its pixels from here
    if grow and (width < box.width() and height < box.height()):
        qimage = qimage.scaled(box, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.SmoothTransformation)
    return qimage.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
