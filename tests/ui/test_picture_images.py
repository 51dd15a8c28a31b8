"""Pictures become QImages through the one loader, never through Qt's format plugins."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QSize

import vvic_desktop.ui
from vvic_desktop.ui.picture_images import picture_image
from vvic_desktop.ui.results.thumbnails import load_scaled


def _jpeg(size: tuple[int, int], colour=(200, 30, 30), orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_picture_is_fitted_into_its_box_keeping_its_shape() -> None:
    image = picture_image(_jpeg((600, 300)), QSize(176, 176))
    assert image is not None and (image.width(), image.height()) == (176, 88)
    assert image.pixelColor(88, 44).red() > 150  # the picture's colour, not a placeholder
    small = picture_image(_jpeg((40, 20)), QSize(176, 176))
    assert small is not None and (small.width(), small.height()) == (40, 20)  # never enlarged
    grown = picture_image(_jpeg((40, 20)), QSize(176, 176), grow=True)
    assert grown is not None and grown.width() == 176
    assert load_scaled(_jpeg((600, 300)), 100).width() == 100


def test_the_exif_orientation_is_applied() -> None:
    image = picture_image(_jpeg((300, 100), orientation=6), QSize(400, 400))
    assert image is not None and image.height() > image.width()


def test_what_is_not_a_picture_on_the_allow_list_gives_none() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    for data in (b"", None, b"garbage", svg, _jpeg((300, 300))[:200]):
        assert picture_image(data, QSize(176, 176)) is None


def test_no_ui_module_decodes_with_qt_image_plugins() -> None:
    """QImage.fromData on a worker deadlocked against the GUI thread (see picture_images)."""
    root = Path(vvic_desktop.ui.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if re.search(r"\b(fromData|loadFromData)\(|QImageReader", p.read_text("utf-8"))]
    assert offenders == []
