"""Hashes: same bits as ImageHash, vectorised over a batch, robust trimming, colour."""

from __future__ import annotations

import io

import imagehash
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from vvic_desktop.core import hashing
from vvic_desktop.core.errors import DamagedImage, EmptyImage


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
    a = hashing.trim_plain(np.asarray(core))
    b = hashing.trim_plain(np.asarray(framed))
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
    with pytest.raises(EmptyImage):
        hashing.load_image(b"")
    with pytest.raises(DamagedImage):
        hashing.load_image(b"not an image at all")
    with pytest.raises(EmptyImage):
        hashing.load_image(tmp_path / "absent.jpg")
    buf = io.BytesIO()
    Image.new("RGBA", (900, 700), (0, 0, 0, 0)).save(buf, "PNG")
    flat = hashing.load_image(buf.getvalue())
    assert flat.mode == "RGB" and flat.getpixel((0, 0)) == (255, 255, 255)


def test_sources_batch_marks_bad_images_missing() -> None:
    buf = io.BytesIO()
    _garment((10, 200, 10)).save(buf, "JPEG")
    batch, problems = hashing.signatures_from_sources([buf.getvalue(), b"junk", None])
    assert batch.ok.tolist() == [True, False, False]
    assert problems == ["", "damaged_image", "missing"]
