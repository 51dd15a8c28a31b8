"""The one picture loader (`intake.load_picture`): hostile pictures, generated in memory."""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

import numpy as np
import pytest
from imagegen import (
    asymmetric,
    corrupt_png,
    encode,
    photo_jpeg,
    png_bomb,
    with_orientation,
)
from PIL import Image

from vvic_desktop.core import errors, hashing
from vvic_desktop.core.errors import PictureUnavailable
from vvic_desktop.core.intake import load_picture, open_bytes, sniff
from vvic_desktop.core.prepare import prepare


def test_tiny_and_thin_pictures_load() -> None:
    one = load_picture(encode(Image.new("P", (1, 1)), "GIF"))
    assert one.mode == "RGB" and one.size == (1, 1)
    banner = load_picture(encode(Image.new("RGB", (1000, 10), "navy"), "PNG"), max_side=64)
    assert banner.mode == "RGB" and max(banner.size) <= 128
    small_jpeg = encode(Image.new("RGB", (40, 30), "green"), "JPEG")
    assert load_picture(small_jpeg, max_side=64).size == (40, 30)
    # and through the hashing helpers (StopIteration in the OpenCV path before)
    batch, problems = hashing.signatures_from_sources(
        [small_jpeg, encode(Image.new("P", (1, 1)), "GIF"),
         encode(Image.new("RGB", (1000, 10), "navy"), "PNG")])
    assert problems == ["", "", ""] and batch.ok.all()


def test_large_jpeg_is_decoded_reduced() -> None:
    data = photo_jpeg(3000, 2000)
    image = load_picture(data, max_side=64)
    assert max(image.size) <= 128
    full = load_picture(data)
    assert full.size == (3000, 2000)


@pytest.mark.parametrize(("size", "kind"), [((12000, 12000), "error"), ((9000, 9000), "warning")])
def test_bombs_are_refused_from_the_header(size: tuple[int, int], kind: str) -> None:
    with pytest.raises(errors.ImageTooLarge) as info:
        load_picture(png_bomb(*size))
    assert str(size[0]) in info.value.message("en")


@pytest.mark.parametrize("blob", [
    b"DDS |\x00\x00\x00" + bytes(120),  # DirectDraw surface: not on the allow-list
    b"II*\x00" + bytes(64),  # TIFF
    b"%PDF-1.4\n",
    b"<html><body>nope</body></html>",
    b"\xff\xd8\xff\xe0" + bytes(20),  # a JPEG header and nothing else
    b"\x89PNG\r\n\x1a\n" + bytes(30),
    b"GIF89a\xff\xff\xff\xff",
    b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    b"BM" + bytes(60),
    b"",
])
def test_junk_is_picture_unavailable(blob: bytes) -> None:
    with pytest.raises(PictureUnavailable):
        load_picture(blob)


def test_corrupt_png_stream_is_damaged_everywhere() -> None:
    data = corrupt_png()
    with pytest.raises(errors.DamagedImage) as info:
        load_picture(data)
    zh = info.value.message("zh_CN")
    assert "PNG" in zh and "broken" not in zh.lower() and "data" not in zh.lower()
    with pytest.raises(errors.DamagedImage):
        prepare(data)
    truncated = encode(asymmetric(), "PNG")[:-200]
    with pytest.raises(errors.DamagedImage):
        load_picture(truncated)
    with pytest.raises(errors.DamagedImage):
        prepare(truncated)


def test_not_regular_files_are_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(errors.NotAFile):
        load_picture(fifo)  # opening a FIFO for reading would block forever
    with pytest.raises(errors.NotAFile):
        load_picture("/dev/zero")  # reading it never ends
    with pytest.raises(errors.NotAFile):
        load_picture(tmp_path)
    with pytest.raises(errors.FileMissing):
        load_picture(tmp_path / "absent.png")
    batch, problems = hashing.signatures_from_sources([fifo, Path("/dev/zero"), tmp_path])
    assert problems == ["not_a_file"] * 3 and not batch.ok.any()


def test_avif_and_heic_are_photos() -> None:
    red = Image.new("RGB", (64, 48), (220, 20, 20))
    avif = encode(red, "AVIF")
    assert sniff(avif) == "AVIF"
    image = load_picture(avif)
    assert image.size == (64, 48) and image.getpixel((10, 10))[0] > 180
    assert prepare(avif).source_format == "AVIF"
    heic = encode(red, "HEIF")
    assert sniff(heic) == "HEIF"
    assert load_picture(heic).size == (64, 48)


def test_orientation_alpha_and_16_bit() -> None:
    turned = load_picture(with_orientation(asymmetric(400, 300), 6))
    assert turned.size == (300, 400)
    clear = load_picture(encode(Image.new("RGBA", (30, 20), (0, 0, 0, 0)), "PNG"))
    assert clear.getpixel((5, 5)) == (255, 255, 255)
    wide = Image.fromarray(np.full((20, 30), 30000, np.uint16))
    grey = load_picture(encode(wide, "PNG"))
    assert grey.mode == "RGB" and grey.getpixel((3, 3)) == (117, 117, 117)
    assert load_picture(Image.new("L", (5, 5), 9)).getpixel((0, 0)) == (9, 9, 9)


def test_under_eight_pixels_is_too_small_not_a_crop_problem() -> None:
    tiny = encode(Image.new("RGB", (5, 5), "red"), "PNG")
    with pytest.raises(errors.ImageTooSmall) as info:
        prepare(tiny)
    assert "裁剪" not in info.value.message("zh_CN")
    assert "crop" not in info.value.message("en").lower()
    assert "5×5" in info.value.message("en")


def test_mutated_pictures_never_raise_anything_else() -> None:
    rng = random.Random(14)
    seeds = [
        encode(asymmetric(60, 40), "PNG"), photo_jpeg(80, 60),
        encode(asymmetric(60, 40).convert("P"), "GIF"), encode(asymmetric(60, 40), "WEBP"),
        encode(asymmetric(60, 40), "BMP"),
    ]
    outcomes = {"ok": 0, "unavailable": 0}
    for k in range(300):
        data = bytearray(seeds[k % len(seeds)])
        for _ in range(rng.randint(1, 6)):
            pos = rng.randrange(len(data))
            data[pos] = rng.randrange(256)
        if k % 7 == 0:
            data = data[: rng.randrange(8, len(data))]
        try:
            image = load_picture(bytes(data), max_side=64)
        except PictureUnavailable as exc:
            assert exc.message("zh_CN") and exc.message("en")
            outcomes["unavailable"] += 1
        else:
            assert image.mode == "RGB" and min(image.size) >= 1
            outcomes["ok"] += 1
    assert outcomes["ok"] and outcomes["unavailable"]


def test_open_bytes_still_lazy() -> None:
    opened = open_bytes(photo_jpeg(400, 300))
    assert opened.format == "JPEG" and opened.image.size == (400, 300)
    assert isinstance(io.BytesIO(opened.data or b"").getvalue(), bytes)
