"""Regenerate the bundled sample photos from the demo catalog (seed 7).

    .venv/bin/python resources/samples/make_samples.py

dress-photo.jpg: style ST018 (a floral A-line dress) as a buyer would snap it at a stall:
hung slightly askew in front of a textured wall, uneven light, phone-camera noise, 1200×1600.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageFilter

from vvic_desktop.sandbox.catalog import Catalog

HERE = Path(__file__).resolve().parent


def stall_snapshot(garment: Image.Image, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    width, height = 1200, 1600
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    wall = 182 + 6 * np.sin(x / 7.0 + np.sin(y / 23.0)) + rng.normal(0, 4, (height, width))
    light = 0.78 + 0.3 * (1 - ((x - 500) ** 2 + (y - 600) ** 2) / (1400.0**2))
    background = np.stack([wall * light, wall * light * 0.96, wall * light * 0.88], axis=-1)
    photo = Image.fromarray(np.clip(background, 0, 255).astype(np.uint8))

    # cut the garment out of its light product-shot background: flood the background (and
    # its soft shadow) from the corners; whatever the flood cannot reach is the garment
    rgb = np.ascontiguousarray(np.asarray(garment.convert("RGB")))
    flood = np.zeros((rgb.shape[0] + 2, rgb.shape[1] + 2), np.uint8)
    for corner in ((0, 0), (rgb.shape[1] - 1, 0), (0, rgb.shape[0] - 1)):
        cv2.floodFill(rgb.copy(), flood, corner, (0, 0, 0), (3, 3, 3), (3, 3, 3),
                      4 | cv2.FLOODFILL_MASK_ONLY | (255 << 8))
    mask = cv2.erode(255 - flood[1:-1, 1:-1], np.ones((3, 3), np.uint8))
    cutout = garment.convert("RGBA")
    cutout.putalpha(Image.fromarray(mask).filter(ImageFilter.GaussianBlur(1.0)))
    cutout = cutout.resize((1000, 1000), Image.Resampling.LANCZOS).rotate(
        -4, resample=Image.Resampling.BICUBIC, expand=True
    )
    photo.paste(cutout, (90, 300), cutout)
    noisy = np.asarray(photo).astype(np.float32) + rng.normal(0, 3.5, (height, width, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def main() -> None:
    catalog = Catalog(seed=7)
    snapshot = stall_snapshot(catalog.style_image("ST018", size=1000), seed=11)
    snapshot.save(HERE / "dress-photo.jpg", "JPEG", quality=88)


if __name__ == "__main__":
    main()
