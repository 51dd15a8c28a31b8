"""Generated test images: every hostile or awkward input class, made in memory."""

from __future__ import annotations

import functools
import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageChops, ImageDraw


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def photo_like(width: int, height: int, seed: int = 1) -> Image.Image:
    """Smooth shading, edges, texture and sensor noise: compresses and resamples like a photo."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    scale = max(width, height) / 4000
    base = np.stack(
        [
            128 + 90 * np.sin(x / (310 * scale) + y / (520 * scale)),
            120 + 70 * np.cos(x / (430 * scale) - y / (230 * scale)),
            110 + 60 * np.sin((x + y) / (690 * scale)),
        ],
        axis=-1,
    )
    # a "garment": a darker trapezoid with a woven texture, sharp edges
    cx, cy = width / 2, height / 2
    inside = (np.abs(x - cx) < (0.18 + 0.12 * (y - cy + height * 0.35) / height) * width) & (
        np.abs(y - cy) < height * 0.35
    )
    weave = 25 * np.sin(x / (3.0 * scale + 0.5)) * np.sin(y / (3.0 * scale + 0.5))
    base[inside] = base[inside] * 0.45 + np.stack([weave[inside] + 60] * 3, axis=-1)
    base += rng.normal(0, 4, base.shape)
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))


@functools.lru_cache(maxsize=4)
def photo_jpeg(width: int, height: int, quality: int = 90) -> bytes:
    """`photo_like` as JPEG bytes, made once per test session (12 MP takes a second)."""
    return encode(photo_like(width, height), "JPEG", quality=quality)


def asymmetric(width: int = 400, height: int = 300) -> Image.Image:
    """Quadrants of different colours: any rotation or mirror shows."""
    array = np.zeros((height, width, 3), np.uint8)
    h2, w2 = height // 2, width // 2
    array[:h2, :w2] = (255, 0, 0)
    array[:h2, w2:] = (0, 255, 0)
    array[h2:, :w2] = (0, 0, 255)
    array[h2:, w2:] = (255, 255, 0)
    return Image.fromarray(array)


def with_orientation(image: Image.Image, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(image, "JPEG", quality=95, exif=exif.tobytes())


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width×height (Pillow's own test technique)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (900, 900), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body>Hotlinking not allowed</body></html>"


def scene(seed: int, width: int = 640, height: int = 800,
          body: tuple[int, int, int] | None = None) -> Image.Image:
    """A distinct product-shot-like picture per seed: a garment-shaped body on a white
    studio background, with a print of random shapes and a few seams. Two seeds share
    layout statistics but no structure (as two photos of different garments); `body`
    recolours the garment of one seed's picture (the same photo, another product)."""

    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (width, height), (250, 250, 250))
    draw = ImageDraw.Draw(img)
    drawn = tuple(int(v) for v in rng.integers(30, 220, 3))
    body = body or drawn
    w0, h0 = width * rng.uniform(0.15, 0.25), height * rng.uniform(0.1, 0.2)
    draw.polygon([(w0, h0), (width - w0, h0), (width - w0 * 0.6, height - h0 * 0.5),
                  (w0 * 0.6, height - h0 * 0.5)], fill=body)
    for _ in range(12):
        x, y = rng.uniform(w0, width - w0), rng.uniform(h0, height - h0)
        r = rng.uniform(6, 40)
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r * rng.uniform(0.4, 1), x + r, y + r), fill=colour)
        else:
            draw.line((x, y, x + rng.uniform(-80, 80), y + rng.uniform(-80, 80)),
                      fill=colour, width=int(rng.integers(2, 7)))
    noise = rng.normal(0, 3, (height, width, 3))
    return Image.fromarray(np.clip(np.asarray(img) + noise, 0, 255).astype(np.uint8))


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))


def corrupt_png(width: int = 200, height: int = 200) -> bytes:
    """A PNG whose IDAT deflate stream is corrupt halfway (chunk CRCs valid): Pillow opens it
    and raises "broken data stream" only when the pixels load."""
    raw = b"".join(b"\x00" + bytes((200, 30, 30)) * width for _ in range(height))
    stream = zlib.compress(raw, 9)
    middle = len(stream) // 2
    broken = stream[:middle] + bytes([stream[middle] ^ 0xFF]) + stream[middle + 1:]
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", broken)
            + _png_chunk(b"IEND", b""))


def recolour_part(img: Image.Image, colour: tuple[int, int, int],
                  replace: tuple[int, int, int] = (150, 150, 156),
                  box: tuple[float, float, float, float] = (0.42, 0.5, 0.54, 0.62)) -> Image.Image:
    """`img` with the pixels of `colour` inside `box` (fractions: left, top, right, bottom)
    turned `replace`: one part of the garment recoloured (another product)."""
    arr = np.asarray(img.convert("RGB")).copy()
    h, w = arr.shape[:2]
    region = arr[int(h * box[1]): int(h * box[3]), int(w * box[0]): int(w * box[2])]
    region[np.abs(region.astype(int) - colour).sum(axis=-1) < 60] = replace
    return Image.fromarray(arr)


def dotted_trousers(body: tuple[int, int, int] = (30, 30, 30), step: int = 36,
            size: tuple[int, int] = (600, 760)) -> Image.Image:
    """A drawn pair of trousers printed with a regular grid of white dots (every keypoint on
    it looks like every other), on a studio background."""
    w, h = size
    img = Image.new("RGB", size, (246, 246, 246))
    outline = [(w * 0.22, h * 0.08), (w * 0.78, h * 0.08), (w * 0.86, h * 0.92),
               (w * 0.56, h * 0.92), (w * 0.5, h * 0.45), (w * 0.44, h * 0.92),
               (w * 0.14, h * 0.92)]
    ImageDraw.Draw(img).polygon(outline, fill=body)
    dots, inside = Image.new("L", size, 0), Image.new("L", size, 0)
    draw = ImageDraw.Draw(dots)
    r = step // 3
    for y in range(0, h, step):
        for x in range((y // step % 2) * step // 2, w, step):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    ImageDraw.Draw(inside).polygon(outline, fill=255)
    img.paste((250, 250, 250), mask=ImageChops.multiply(dots, inside))
    return img
