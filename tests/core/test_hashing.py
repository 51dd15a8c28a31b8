"""Hashes: same bits as ImageHash, vectorised over a batch, robust trimming, colour."""

from __future__ import annotations

import io

import imagehash
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from vvic_desktop.core import hashing, picture_decode, signature_features
from vvic_desktop.core.errors import DamagedImage, EmptyImage, FileMissing, UnsupportedImage


def _random_images(n: int, seed: int = 3) -> list[Image.Image]:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        # Smooth-ish content (blurred noise) as well as pure noise, odd sizes, grey and RGB.
        arr = rng.integers(0, 256, (37 + 11 * k, 53 + 7 * k, 3), dtype=np.uint8)
        im = Image.fromarray(arr)
        if k % 3 == 0:
            im = im.resize((200 + k, 150)).resize((64, 90))
        if k % 4 == 1:
            im = im.convert("L")
        out.append(im)
    return out


def test_dhash_and_phash_are_imagehash_bits() -> None:
    images = _random_images(24)
    d = hashing.dhash(images)
    p = hashing.phash(images)
    for k, im in enumerate(images):
        assert format(int(d[k]), "016x") == str(imagehash.dhash(im))
        assert format(int(p[k]), "016x") == str(imagehash.phash(im))


def test_pack_and_unpack_are_inverse() -> None:
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2, (50, 64)).astype(bool)
    assert (hashing.unpack_bits(hashing.pack_bits(bits)) == bits).all()


def test_hamming_counts_differing_bits() -> None:
    a = np.array([0, 0xFF, 2**64 - 1], dtype=np.uint64)
    b = np.array([1, 0x0F, 0], dtype=np.uint64)
    assert hashing.hamming(a, b).tolist() == [1, 4, 64]


def _garment(colour: tuple[int, int, int], size: int = 400) -> Image.Image:
    im = Image.new("RGB", (size, size), "white")
    ImageDraw.Draw(im).polygon(
        [(size * 0.38, size * 0.1), (size * 0.62, size * 0.1), (size * 0.8, size * 0.95),
         (size * 0.2, size * 0.95)], fill=colour)
    return im


def test_trim_removes_frame_and_padding() -> None:
    core = _garment((180, 40, 40))
    framed = ImageOps.expand(ImageOps.expand(core, 60, fill="white"), 25, fill=(20, 90, 30))
    a = signature_features.trim_plain(np.asarray(core))
    b = signature_features.trim_plain(np.asarray(framed))
    assert abs(a.shape[0] - b.shape[0]) <= 2 and abs(a.shape[1] - b.shape[1]) <= 2


def test_signatures_tell_colours_apart_and_see_through_mirror_and_border() -> None:
    red, blue = _garment((190, 30, 30)), _garment((30, 40, 190))
    mirrored = ImageOps.mirror(red)
    bordered = ImageOps.expand(red, 40, fill=(240, 240, 240))
    batch = hashing.signatures([red, blue, mirrored, bordered, None])
    assert batch.ok.tolist() == [True, True, True, True, False]
    same_colour = np.minimum(batch.colour[0], batch.colour[3]).sum()
    other_colour = np.minimum(batch.colour[0], batch.colour[1]).sum()
    assert same_colour > 0.9 and other_colour < 0.3
    mirror_d = min(hashing.hamming(batch.phash[0], batch.phash_mirror[2]),
                   hashing.hamming(batch.phash[0], batch.phash[2]))
    assert mirror_d <= 4
    assert hashing.hamming(batch.phash[0], batch.phash[3]) <= 6


def test_load_image_errors_are_taxonomy_errors(tmp_path) -> None:
    # Every failure is one of the loader's PictureUnavailable family, naming the reason.
    with pytest.raises(EmptyImage):
        picture_decode.load_image(b"")
    with pytest.raises(UnsupportedImage):
        picture_decode.load_image(b"not an image at all")
    with pytest.raises(DamagedImage):
        picture_decode.load_image(b"\x89PNG\r\n\x1a\n" + bytes(40))
    with pytest.raises(FileMissing):
        picture_decode.load_image(tmp_path / "absent.jpg")
    buf = io.BytesIO()
    Image.new("RGBA", (900, 700), (0, 0, 0, 0)).save(buf, "PNG")
    flat = picture_decode.load_image(buf.getvalue())
    assert flat.mode == "RGB" and flat.getpixel((0, 0)) == (255, 255, 255)


def test_sources_batch_marks_bad_images_missing() -> None:
    buf = io.BytesIO()
    _garment((10, 200, 10)).save(buf, "JPEG")
    batch, problems = hashing.signatures_from_sources([buf.getvalue(), b"junk", None])
    assert batch.ok.tolist() == [True, False, False]
    assert problems == ["", "unsupported_image", "missing"]


def test_batch_hashes_are_imagehash_of_the_garment_crop() -> None:
    images = [_garment((190, 30, 30)), ImageOps.expand(_garment((30, 90, 40)), 30, fill="grey")]
    images += [im.convert("RGB") for im in _random_images(4, seed=9)]
    batch = hashing.signatures(images)
    for k, im in enumerate(images):
        crop = Image.fromarray(
            np.ascontiguousarray(signature_features.garment_crop(np.asarray(im))[0]))
        assert format(int(batch.phash[k]), "016x") == str(imagehash.phash(crop))
        assert format(int(batch.dhash[k]), "016x") == str(imagehash.dhash(crop))


def test_mirrored_signatures_match_the_mirrored_image() -> None:
    rng = np.random.default_rng(4)
    im = _garment((200, 120, 40))
    draw = ImageDraw.Draw(im)
    for _ in range(40):  # an asymmetric print so that mirroring changes something
        x, y = (int(v) for v in rng.integers(120, 300, 2))
        draw.line([(x, y), (x + 25, y + 10)], fill=(20, 20, 120), width=3)
    batch = hashing.signatures([im, ImageOps.mirror(im)])
    assert hashing.hamming(batch.phash_mirror[0], batch.phash[1]) <= 4
    assert hashing.hamming(batch.phash[0], batch.phash[1]) > hashing.hamming(
        batch.phash_mirror[0], batch.phash[1])
    assert np.abs(batch.texture_mirror[0] - batch.texture[1]).sum() < 0.1
    mirrored = hashing.SignatureBatch.mirrored_silhouette(batch.silhouette[:1])
    assert np.abs(mirrored.astype(int) - batch.silhouette[1:2]).mean() < 8


def test_two_photo_collage_keeps_one_garment() -> None:
    one = _garment((40, 60, 160))
    pair = Image.new("RGB", (800, 400), "white")
    pair.paste(one, (0, 0))
    pair.paste(ImageOps.mirror(one), (400, 0))
    crop_one, _ = signature_features.garment_crop(np.asarray(one))
    crop_pair, _ = signature_features.garment_crop(np.asarray(pair))
    assert abs(crop_pair.shape[1] - crop_one.shape[1]) <= 3


def _jpeg(im: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", **kw)
    return buf.getvalue()


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
@pytest.mark.parametrize("size", [(600, 800), (300, 200), (900, 420)])
def test_opencv_decode_gives_pils_pixels(orientation: int, size: tuple[int, int]) -> None:
    rng = np.random.default_rng(orientation)
    im = Image.fromarray(rng.integers(0, 256, (size[1] // 8, size[0] // 8, 3), np.uint8))
    im = im.resize(size)
    exif = Image.Exif()
    exif[0x0112] = orientation
    for raw in (_jpeg(im, exif=exif), _jpeg(im.convert("L")), _jpeg(im, progressive=True)):
        assert picture_decode._decode_jpeg(raw, picture_decode.WORK_SIZE) is not None
        fast = picture_decode.load_rgb(raw)
        assert np.array_equal(fast, np.asarray(picture_decode.load_image(raw)))


def test_truncated_and_cmyk_jpegs_take_pils_path() -> None:
    raw = _jpeg(_garment((10, 200, 10)))
    assert picture_decode._decode_jpeg(raw[: len(raw) // 2], picture_decode.WORK_SIZE) is None
    with pytest.raises(DamagedImage):
        picture_decode.load_rgb(raw[: len(raw) // 2])
    cmyk = _jpeg(_garment((10, 200, 10)).convert("CMYK"))
    assert picture_decode._decode_jpeg(cmyk, picture_decode.WORK_SIZE) is None
    assert np.array_equal(picture_decode.load_rgb(cmyk),
                          np.asarray(picture_decode.load_image(cmyk)))


def test_threaded_chunked_signatures_equal_one_batch() -> None:
    # More images than one histogram chunk, so some are finished while others decode.
    rng = np.random.default_rng(11)
    colours = [tuple(int(c) for c in rng.integers(0, 256, 3)) for _ in range(hashing._CHUNK + 9)]
    raws = [_jpeg(_garment(c, 300)) for c in colours]
    threaded, problems = hashing.signatures_from_sources(raws, workers=2)
    single = hashing.signatures([picture_decode.load_image(r) for r in raws])
    assert problems == [""] * len(raws)
    for name in ("dhash", "phash", "dhash_mirror", "phash_mirror", "colour", "silhouette", "ok"):
        assert np.array_equal(getattr(threaded, name), getattr(single, name)), name
    assert np.allclose(threaded.texture, single.texture, rtol=1e-6, atol=1e-7)


def test_trim_removes_a_frame_wider_than_a_line_may_differ_at_its_ends() -> None:
    """A re-post's frame is up to ~7 % of the side: the lines just inside it cross the
    frame's sides, so they are plain only once the frame is peeled."""
    core = ImageOps.expand(_garment((180, 40, 40)), 60, fill="white")
    a = signature_features.trim_plain(np.asarray(core))
    for width in (12, 40):
        framed = ImageOps.expand(core, width, fill=(20, 20, 20))
        b = signature_features.trim_plain(np.asarray(framed))
        assert abs(a.shape[0] - b.shape[0]) <= 2 and abs(a.shape[1] - b.shape[1]) <= 2
