"""Simulated re-photographs of catalog garments: the local catalog's held-out queries.

A buyer photographs a garment hanging at a stall: the picture is taken at an angle
(perspective), tilted (rotation ±15°), framed loosely or tightly (crop), under other light
(gain, white balance), in front of whatever is behind it (a cluttered background), and
sometimes blurred or noisy. `rephotograph(image, rng)` applies a random mix of those to a
clean product shot, deterministically for a given `random.Random`.
"""

from __future__ import annotations

import random

import cv2
import numpy as np
from PIL import Image


def _background(rng: random.Random, size: tuple[int, int]) -> np.ndarray:
    """A busy backdrop: stripes, blocks or noise in random colours (RGB uint8)."""
    h, w = size
    base = np.array([rng.randint(40, 220) for _ in range(3)], np.float32)
    kind = rng.choice(("stripes", "blocks", "noise", "gradient"))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "stripes":
        period = rng.uniform(12, 60)
        wave = (np.sin((xx * rng.uniform(-1, 1) + yy) / period) > 0)[..., None]
        other = np.array([rng.randint(0, 255) for _ in range(3)], np.float32)
        out = np.where(wave, base, other)
    elif kind == "blocks":
        cells = np.array([[rng.randint(0, 255) for _ in range(3)] for _ in range(64)],
                         np.float32)
        bx, by = (xx // rng.randint(30, 90)).astype(int), (yy // rng.randint(30, 90)).astype(int)
        out = cells[(bx * 7 + by * 13) % 64]
    elif kind == "noise":
        nrng = np.random.default_rng(rng.randint(0, 2**31))
        out = base + nrng.normal(0, 40, (h, w, 3)).astype(np.float32)
    else:
        other = np.array([rng.randint(0, 255) for _ in range(3)], np.float32)
        t = (xx / max(w, 1))[..., None]
        out = base * (1 - t) + other * t
    return np.clip(out, 0, 255).astype(np.uint8)


def rephotograph(image: Image.Image, rng: random.Random, *, size: int = 480) -> Image.Image:
    """A re-photographed copy of a product shot on a light background."""
    rgb = np.asarray(image.convert("RGB").resize((size, size), Image.Resampling.BILINEAR))
    h, w = rgb.shape[:2]
    # the garment: whatever is not the light studio background
    garment = (np.abs(rgb.astype(int) - rgb[2, 2].astype(int)).max(axis=2) > 24).astype(
        np.uint8)
    garment = cv2.morphologyEx(garment, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    # fill the outline: white dots or light stripes inside the garment are not background
    contours, _ = cv2.findContours(garment, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    garment = np.zeros_like(garment)
    cv2.drawContours(garment, contours, -1, 1, thickness=cv2.FILLED)
    # the stall: a backdrop with room around the garment (the shot is framed loosely)
    pad = int(size * 0.15)
    cluttered = rng.random() < 0.7
    if cluttered:
        backdrop = _background(rng, (h + 2 * pad, w + 2 * pad))
    else:
        backdrop = np.empty((h + 2 * pad, w + 2 * pad, 3), np.uint8)
        backdrop[:] = rgb[2, 2]
    rgb = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    garment = cv2.copyMakeBorder(garment, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    h, w = rgb.shape[:2]
    scene = np.where(garment[..., None] > 0, rgb, backdrop)
    # perspective + rotation
    jitter = 0.12 * size
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = src + np.float32([[rng.uniform(-jitter, jitter), rng.uniform(-jitter, jitter)]
                            for _ in range(4)])
    warp = cv2.getPerspectiveTransform(src, dst)
    angle = rng.uniform(-15, 15)
    rot = np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), [0, 0, 1]])
    matrix = rot @ warp
    border = tuple(int(c) for c in backdrop[h // 2, 0])
    scene = cv2.warpPerspective(scene, matrix, (w, h), borderMode=cv2.BORDER_REFLECT
                                if cluttered else cv2.BORDER_CONSTANT, borderValue=border)
    # crop 60–85 % of the frame around the centre, somewhat off-centre
    keep = rng.uniform(0.6, 0.85)
    cw, ch = int(w * keep), int(h * keep)
    x0 = int((w - cw) * rng.uniform(0.3, 0.7))
    y0 = int((h - ch) * rng.uniform(0.3, 0.7))
    scene = scene[y0:y0 + ch, x0:x0 + cw].astype(np.float32)
    # light: exposure and white balance
    gain = rng.uniform(0.75, 1.25)
    balance = np.array([rng.uniform(0.88, 1.12) for _ in range(3)], np.float32)
    scene = scene * gain * balance
    # blur and sensor noise
    if rng.random() < 0.5:
        k = rng.choice((3, 5))
        scene = cv2.GaussianBlur(scene, (k, k), 0)
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    scene = scene + nrng.normal(0, rng.uniform(0, 6), scene.shape).astype(np.float32)
    return Image.fromarray(np.clip(scene, 0, 255).astype(np.uint8))
