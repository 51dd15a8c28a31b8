"""Seed module 1: every input class of the foundation issue, through `prepare`."""

from __future__ import annotations

import io
import os
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imagegen import (
    HTML,
    PDF,
    SVG,
    animated,
    asymmetric,
    encode,
    photo_jpeg,
    photo_like,
    png_bomb,
    with_orientation,
)
from PIL import Image, ImageFile, ImageOps

from vvic_desktop.core import errors
from vvic_desktop.core.intake import open_bytes
from vvic_desktop.core.models import CropBox
from vvic_desktop.core.prepare import MAX_JPEG_BYTES, MIN_SIDE, note_text, plan_size, prepare


def decode(jpeg: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG"
    return image.convert("RGB")


def assert_valid_output(prepared) -> None:
    assert len(prepared.jpeg) <= MAX_JPEG_BYTES
    image = decode(prepared.jpeg)
    assert image.size == (prepared.width, prepared.height)
    assert min(image.size) >= MIN_SIDE


# --- broken and non-image input ------------------------------------------------------------


def test_zero_byte_file_is_a_clear_error(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(errors.EmptyImage) as info:
        prepare(path)
    assert "0 bytes" in info.value.message("en")
    assert "0 字节" in info.value.message("zh_CN")


def test_truncated_jpeg_is_reported_damaged():
    data = encode(photo_like(1200, 900), "JPEG", quality=90)
    with pytest.raises(errors.DamagedImage):
        prepare(data[: len(data) // 2])


def test_truncated_png_is_reported_damaged():
    data = encode(photo_like(900, 900), "PNG")
    with pytest.raises(errors.DamagedImage):
        prepare(data[: len(data) // 3])


@pytest.mark.parametrize(
    ("payload", "kind", "error"),
    [
        (SVG, "SVG", errors.VectorImage),
        (PDF, "PDF", errors.VectorImage),
        (HTML, "HTML", errors.UnsupportedImage),
        (b"just some text\n", "TXT", errors.UnsupportedImage),
        (os.urandom(2048), "?", errors.UnsupportedImage),
    ],
)
def test_non_images_are_refused_with_what_they_are(tmp_path, payload, kind, error):
    path = tmp_path / "photo.jpg"  # the extension lies; the content decides
    path.write_bytes(payload)
    with pytest.raises(error) as info:
        prepare(path)
    assert type(info.value) is error
    assert kind in info.value.message("en")
    if error is errors.VectorImage:
        assert "PNG" in info.value.message("en")  # tells the user what to do


def test_tiff_is_refused_even_though_pillow_could_decode_it():
    with pytest.raises(errors.UnsupportedImage, match="TIFF"):
        prepare(encode(Image.new("RGB", (900, 900)), "TIFF"))


def test_content_is_sniffed_not_the_extension(tmp_path):
    path = tmp_path / "really_a_png.jpg"
    path.write_bytes(encode(photo_like(900, 900), "PNG"))
    prepared = prepare(path)
    assert prepared.source_format == "PNG"
    assert_valid_output(prepared)


def test_folders_and_fifos_are_not_opened(tmp_path):
    with pytest.raises(errors.NotAFile):
        prepare(tmp_path)
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    raised: list[BaseException] = []

    def attempt() -> None:
        try:
            prepare(fifo)  # opening a FIFO with no writer would block forever
        except BaseException as exc:
            raised.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(60)  # a bound for a hang, not a measure of speed: it returns or never does
    if worker.is_alive():  # unblock the open (a writer appears) so the thread can end
        with open(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK), "wb", closefd=True):
            pass
    assert not worker.is_alive() and len(raised) == 1
    assert isinstance(raised[0], errors.NotAFile)


def test_missing_file():
    with pytest.raises(errors.FileMissing, match=r"nope\.jpg"):
        prepare("/definitely/not/here/nope.jpg")


# --- decompression bombs ---------------------------------------------------------------------


@pytest.mark.parametrize("side", [9_000, 12_000, 20_000, 60_000])
def test_decompression_bombs_refused_from_the_header(side, monkeypatch):
    bomb = png_bomb(side, side)
    assert len(bomb) < 200
    loads: list[tuple[int, int]] = []
    real_load = ImageFile.ImageFile.load

    def counting_load(self):  # type: ignore[no-untyped-def]
        loads.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)
    with pytest.raises(errors.ImageTooLarge) as info:
        prepare(bomb)
    assert loads == []  # refused from the header: not one pixel decoded
    assert str(side) in info.value.message("en")


def test_bomb_limit_is_lowered_and_warning_is_an_error():
    # 9000×8000 = 72 MP: under Pillow's default warning size, over ours.
    with pytest.raises(errors.ImageTooLarge):
        open_bytes(png_bomb(9_000, 8_000))
    assert Image.MAX_IMAGE_PIXELS == 64_000_000


# --- orientation, modes, formats -------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_all_eight_exif_orientations_come_out_upright(orientation):
    stored = asymmetric(1000, 840)
    data = with_orientation(stored, orientation)
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    prepared = prepare(data)
    assert (prepared.width, prepared.height) == upright.size
    out = np.asarray(decode(prepared.jpeg)).astype(int)
    expected = np.asarray(upright.convert("RGB")).astype(int)
    # compare quadrant centres (JPEG edges blur)
    h, w = expected.shape[:2]
    for fy in (0.25, 0.75):
        for fx in (0.25, 0.75):
            y, x = int(h * fy), int(w * fx)
            assert np.abs(out[y, x] - expected[y, x]).max() < 40, (orientation, fx, fy)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_crop_is_in_upright_coordinates_for_every_orientation(orientation):
    stored = asymmetric(1600, 1200)
    data = with_orientation(stored, orientation)
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    w, h = upright.size
    box = CropBox(w // 2 + 20, h // 2 + 20, w // 2 - 60, h // 2 - 60)  # inside one quadrant
    prepared = prepare(data, crop=box)
    quadrant_colour = np.asarray(upright)[h * 3 // 4, w * 3 // 4].astype(int)
    out = np.asarray(decode(prepared.jpeg)).astype(int)
    centre = out[out.shape[0] // 2, out.shape[1] // 2]
    assert np.abs(centre - quadrant_colour).max() < 40
    assert np.abs(out[5, 5] - quadrant_colour).max() < 60  # no other quadrant leaked in


@pytest.mark.parametrize(
    "make",
    [
        lambda: Image.new("RGBA", (900, 900), (0, 0, 0, 0)),
        lambda: Image.new("LA", (900, 900), (0, 0)),
        lambda: _palette_with_transparent_index(),
    ],
    ids=["RGBA", "LA", "P+transparency"],
)
def test_transparency_is_flattened_on_white_not_black(make):
    image = make()
    prepared = prepare(encode(image, "PNG"))
    out = decode(prepared.jpeg)
    assert min(out.getpixel((2, 2))) >= 250
    assert "flattened" in prepared.notes


def _palette_with_transparent_index() -> Image.Image:
    image = Image.new("P", (900, 900), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.paste(1, (300, 300, 600, 600))
    image.info["transparency"] = 0
    return image


def test_half_transparent_colour_is_blended_with_white():
    image = Image.new("RGBA", (900, 900), (0, 0, 255, 128))
    out = decode(prepare(encode(image, "PNG")).jpeg).getpixel((450, 450))
    assert out[2] > 230 and 110 < out[0] < 145  # half blue, half white


def test_cmyk_jpeg_keeps_its_colours():
    image = Image.new("CMYK", (900, 900), (0, 255, 255, 0))  # pure red in CMYK
    prepared = prepare(encode(image, "JPEG", quality=95))
    r, g, b = decode(prepared.jpeg).getpixel((450, 450))
    assert r > 220 and g < 40 and b < 40
    assert "cmyk" in prepared.notes


def test_16_bit_png_takes_the_high_byte():
    image = Image.fromarray(np.full((900, 900), 30000, np.uint16))
    data = encode(image, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    prepared = prepare(data)
    value = decode(prepared.jpeg).getpixel((450, 450))
    assert all(abs(channel - 117) <= 2 for channel in value), value  # 30000 >> 8, not 255
    assert "converted_16bit" in prepared.notes


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animated_images_use_the_first_frame(fmt):
    prepared = prepare(animated(fmt))
    r, g, b = decode(prepared.jpeg).getpixel((400, 400))
    assert r > 200 and g < 60 and b < 60
    assert "first_frame" in prepared.notes


def test_heic_through_pillow_heif():
    import pillow_heif

    heif = pillow_heif.from_pillow(asymmetric(1000, 900))
    buffer = io.BytesIO()
    heif.save(buffer, quality=90)
    prepared = prepare(buffer.getvalue())
    assert prepared.source_format == "HEIF"
    assert_valid_output(prepared)
    r, g, b = decode(prepared.jpeg).getpixel((100, 100))
    assert r > 200 and g < 60 and b < 60  # top-left quadrant is red


@pytest.mark.parametrize("fmt", ["BMP", "WEBP", "GIF", "PNG"])
def test_other_allowed_formats(fmt):
    image = photo_like(1000, 900)
    if fmt == "GIF":
        image = image.convert("P")
    assert_valid_output(prepare(encode(image, fmt)))


# --- size policy ---------------------------------------------------------------------------


def test_small_images_are_upscaled_with_a_note():
    prepared = prepare(encode(photo_like(400, 300), "JPEG"))
    assert (prepared.width, prepared.height) == (1067, 800)
    assert "upscaled" in prepared.notes
    assert "800" in note_text("upscaled", "zh_CN") and "weaker" in note_text("upscaled", "en")


def test_a_4_by_3_photo_keeps_both_sides_above_the_minimum():
    # The seed's fit-into-1024×1024 made this 1024×768, below its own 800 minimum.
    prepared = prepare(photo_jpeg(4000, 3000))
    assert (prepared.width, prepared.height) == (1365, 1024)
    assert prepared.notes == ()


@pytest.mark.parametrize(("w", "h"), [(300, 6000), (6000, 250), (820, 4000)])
def test_long_or_thin_images_are_padded_with_white(w, h):
    prepared = prepare(encode(Image.new("RGB", (w, h), (20, 20, 200)), "PNG"))
    assert_valid_output(prepared)
    assert "padded" in prepared.notes
    out = decode(prepared.jpeg)
    assert (
        min(out.getpixel((0, 0))) > 245 or min(out.getpixel((out.width - 1, out.height - 1))) > 245
    )


def test_noise_that_jpeg_cannot_compress_still_fits_in_5_mb():
    rng = np.random.default_rng(3)
    noise = Image.fromarray(rng.integers(0, 256, (3000, 1024, 3), dtype=np.uint8))
    prepared = prepare(encode(noise, "PNG"))
    assert_valid_output(prepared)


@settings(max_examples=60, deadline=None)
@given(w=st.integers(1, 6000), h=st.integers(1, 6000))
def test_size_policy_always_meets_the_api_limits(w, h):
    plan = plan_size(w, h)
    assert plan.canvas_w >= MIN_SIDE and plan.canvas_h >= MIN_SIDE
    assert min(plan.width, plan.height) <= 1024 or min(w, h) * plan.scale <= 1024
    assert max(plan.canvas_w, plan.canvas_h) <= 2400
    assert plan.width <= plan.canvas_w and plan.height <= plan.canvas_h


@settings(max_examples=25, deadline=None)
@given(
    w=st.integers(16, 1800),
    h=st.integers(16, 1800),
    mode=st.sampled_from(["RGB", "RGBA", "L", "LA", "P", "CMYK", "1"]),
    fmt=st.sampled_from(["PNG", "JPEG", "WEBP", "BMP", "GIF"]),
)
def test_any_allowed_image_yields_a_valid_jpeg(w, h, mode, fmt):
    image = Image.new(mode, (w, h))
    try:
        data = encode(image, fmt)
    except (OSError, ValueError, KeyError):
        return  # that writer cannot store that mode; nothing to prepare
    assert_valid_output(prepare(data))


# --- crop ------------------------------------------------------------------------------


def test_crop_outside_the_image_is_refused():
    with pytest.raises(errors.BadCrop):
        prepare(encode(photo_like(900, 900), "JPEG"), crop=CropBox(2000, 2000, 100, 100))
    with pytest.raises(errors.BadCrop):
        CropBox.parse("1,2,3")


def test_crop_partly_outside_is_clamped():
    image = asymmetric(1000, 1000)
    prepared = prepare(encode(image, "PNG"), crop=CropBox(-100, -100, 400, 400))
    assert prepared.width == prepared.height == 800
    r, g, b = decode(prepared.jpeg).getpixel((400, 400))
    assert r > 200 and g < 60 and b < 60


# --- speed-relevant behaviour ---------------------------------------------------------------


def test_large_jpeg_is_decoded_at_reduced_scale(monkeypatch):
    import cv2

    from vvic_desktop.core import prepare as prepare_module

    calls = []
    original = cv2.imdecode

    def spy(buffer, flags):
        decoded = original(buffer, flags)
        calls.append((flags, decoded.shape[:2]))
        return decoded

    monkeypatch.setattr(prepare_module.cv2, "imdecode", spy)
    prepared = prepare(photo_jpeg(4000, 3000))
    assert len(calls) == 1, "one decode, straight into an array"
    flags, decoded = calls[0]
    assert flags & cv2.IMREAD_REDUCED_COLOR_2 == cv2.IMREAD_REDUCED_COLOR_2
    assert decoded == (1500, 2000)  # DCT-domain 1/2 scale, not 12 MP
    assert (prepared.width, prepared.height) == (1365, 1024)


def test_reduced_decode_goes_as_far_as_the_output_allows(monkeypatch):
    import cv2

    from vvic_desktop.core import prepare as prepare_module

    shapes = []
    original = cv2.imdecode
    monkeypatch.setattr(
        prepare_module.cv2,
        "imdecode",
        lambda buffer, flags: (
            shapes.append(original(buffer, flags).shape[:2]) or original(buffer, flags)
        ),
    )
    data = photo_jpeg(4000, 3000)
    prepare(data)
    assert shapes[-1] == (1500, 2000)  # 1/4 scale would give 1000×750, under 1365×1024
    prepare(data, crop=CropBox(100, 100, 1500, 1125))  # a crop needs its own pixels: 1/1
    assert shapes[-1] == (3000, 4000)
    prepare(data, crop=CropBox(0, 0, 4000, 2400))  # short side 2400: 1/2 still covers it
    assert shapes[-1] == (1500, 2000)


def test_output_matches_a_careful_full_resolution_resize():
    data = photo_jpeg(4000, 3000)
    prepared = prepare(data)
    reference = Image.open(io.BytesIO(data)).convert("RGB")
    reference = reference.resize((prepared.width, prepared.height), Image.Resampling.LANCZOS)
    ours = np.asarray(decode(prepared.jpeg), dtype=np.float64)
    mse = np.mean((ours - np.asarray(reference, dtype=np.float64)) ** 2)
    psnr = 10 * np.log10(255**2 / mse)
    assert psnr >= 40, psnr


def test_output_carries_no_exif_from_the_photo():
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x010F] = "PhoneMaker"  # Make
    data = encode(photo_like(1000, 900), "JPEG", exif=exif.tobytes())
    prepared = prepare(data)
    assert b"PhoneMaker" not in prepared.jpeg
    assert not dict(Image.open(io.BytesIO(prepared.jpeg)).getexif())
