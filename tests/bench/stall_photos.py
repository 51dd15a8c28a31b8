"""Uncropped stall photos of demo-catalog garments on real backgrounds, and the demo search
scored on them (the CLI path: `vvic search PHOTO --demo`). Not collected by pytest.

    .venv/bin/python tests/bench/stall_photos.py [--n 24] [--seed 13] [--keep DIR]
    .venv/bin/python tests/bench/stall_photos.py --gui DIR   # the kept photos via the GUI

A photo: a sandbox style's clean product shot (the demo marketplace's own catalog, seed 7),
cut out of its light background, warped in perspective, rotated, shrunk to 30–60 % of the
frame, and pasted off-centre onto a real photograph — Debian's gnome-backgrounds wallpapers
(`apt-get install gnome-backgrounds`) and, when scikit-image is installed in the venv, its
sample photos (brick wall, grass, gravel…; bench only, never a project dependency). Then
uneven light, a colour cast, sensor noise, a little blur and a phone's JPEG.

Scores: the share of photos whose photographed style is the first group's best offer
(the first line `vvic search --demo` prints), with and without the default auto-crop.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from vvic_desktop.sandbox.catalog import Catalog

DEMO_SEED = 7
WALLPAPER_DIRS = (Path("/usr/share/backgrounds"), Path("/usr/share/wallpapers"))
SKIMAGE_SAMPLES = ("brick", "grass", "gravel", "rough_wall", "coffee", "chelsea", "astronaut",
                   "rocket", "hubble_deep_field", "immunohistochemistry")


def real_backgrounds() -> list[tuple[str, np.ndarray]]:
    """(name, RGB array) of every real photograph found; none drawn by the project."""
    out: list[tuple[str, np.ndarray]] = []
    for root in WALLPAPER_DIRS:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() not in (".jpg", ".jpeg", ".png", ".webp"):
                continue
            try:
                with Image.open(path) as image:
                    image.draft("RGB", (1600, 1600))
                    rgb = image.convert("RGB")
                    rgb.thumbnail((1600, 1600))
                    if min(rgb.size) >= 400:
                        out.append((path.name, np.asarray(rgb)))
            except (OSError, ValueError):
                continue
    try:
        from skimage import data as skdata  # bench only: `pip install scikit-image` in .venv
    except ImportError:
        skdata = None
    if skdata is not None:
        for name in SKIMAGE_SAMPLES:
            try:
                arr = np.asarray(getattr(skdata, name)())
            except Exception:  # a sample may need a download: skip it
                continue
            if arr.ndim == 2:
                arr = np.stack([arr] * 3, axis=-1)
            if arr.dtype != np.uint8:
                arr = (255 * (arr - arr.min()) / max(1e-6, float(np.ptp(arr)))).astype(np.uint8)
            out.append((f"skimage:{name}", np.ascontiguousarray(arr[..., :3])))
    return out


def cutout(garment: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """(RGB, alpha) of the garment lifted off its light product-shot background."""
    rgb = np.ascontiguousarray(np.asarray(garment.convert("RGB")))
    flood = np.zeros((rgb.shape[0] + 2, rgb.shape[1] + 2), np.uint8)
    h, w = rgb.shape[:2]
    for corner in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)):
        cv2.floodFill(rgb.copy(), flood, corner, (0, 0, 0), (3, 3, 3), (3, 3, 3),
                      4 | cv2.FLOODFILL_MASK_ONLY | (255 << 8))
    alpha = cv2.erode(255 - flood[1:-1, 1:-1], np.ones((3, 3), np.uint8))
    return rgb, cv2.GaussianBlur(alpha, (0, 0), 1.0)


def stall_photo(garment: Image.Image, background: np.ndarray, rng: random.Random) -> bytes:
    """One uncropped phone photo of `garment` hung in front of `background`."""
    width, height = (1200, 1600) if rng.random() < 0.7 else (1600, 1200)
    bh, bw = background.shape[:2]
    # a random window of the background, scaled to cover the frame
    scale = max(width / bw, height / bh) * rng.uniform(1.0, 1.6)
    bg = cv2.resize(background, (int(bw * scale) + 1, int(bh * scale) + 1),
                    interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    y0 = rng.randint(0, bg.shape[0] - height)
    x0 = rng.randint(0, bg.shape[1] - width)
    frame = bg[y0:y0 + height, x0:x0 + width].astype(np.float32)

    rgb, alpha = cutout(garment)
    # garment size: 30–60 % of the frame's area (its square shot), centre off by up to 12 %
    side = int(np.sqrt(rng.uniform(0.30, 0.60) * width * height))
    side = min(side, int(0.92 * min(width, height)))
    rgb = cv2.resize(rgb, (side, side), interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(alpha, (side, side), interpolation=cv2.INTER_AREA)
    # perspective: each corner moved by up to 8 % of the side, then a rotation of ±12°
    src = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
    jitter = [[rng.uniform(-0.08, 0.08) * side for _ in range(2)] for _ in range(4)]
    dst = src + np.float32(jitter)
    angle = np.deg2rad(rng.uniform(-12, 12))
    centre = np.float32([width / 2 + rng.uniform(-0.12, 0.12) * width,
                         height / 2 + rng.uniform(-0.12, 0.12) * height])
    rot = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = (dst - side / 2) @ rot.T + centre
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    warped = cv2.warpPerspective(rgb, matrix, (width, height), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(alpha, matrix, (width, height), flags=cv2.INTER_LINEAR)
    a = (mask.astype(np.float32) / 255.0)[..., None]
    # a soft shadow on the wall behind the garment
    shadow = cv2.GaussianBlur(mask, (0, 0), 18).astype(np.float32)[..., None] / 255.0
    shadow = np.roll(shadow, (rng.randint(8, 30), rng.randint(-20, 20)), axis=(0, 1))
    frame = frame * (1 - 0.35 * shadow)
    photo = frame * (1 - a) + warped.astype(np.float32) * a
    return phone_finish(photo, rng, quality=(80, 92), blur=(0.6, 1.4))


def phone_finish(photo: np.ndarray, rng: random.Random, *, quality: tuple[int, int],
                 blur: tuple[float, float]) -> bytes:
    """A phone's look on a float RGB frame: uneven light (a broad gradient and a vignette),
    a white-balance cast, sensor noise, sometimes a little blur, then its JPEG."""
    height, width = photo.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    gx, gy = rng.uniform(-0.35, 0.35), rng.uniform(-0.35, 0.35)
    light = 1 + gx * (xx / width - 0.5) + gy * (yy / height - 0.5)
    light *= 1 - 0.25 * (((xx - width / 2) / width) ** 2 + ((yy - height / 2) / height) ** 2)
    cast = np.float32([rng.uniform(0.9, 1.08), 1.0, rng.uniform(0.88, 1.06)])
    photo = photo * light[..., None] * cast * rng.uniform(0.85, 1.1)
    photo += np.random.default_rng(rng.randint(0, 2**31)).normal(0, 3.0, photo.shape)
    out = np.clip(photo, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(*blur))
    buffer = io.BytesIO()
    Image.fromarray(out).save(buffer, "JPEG", quality=rng.randint(*quality))
    return buffer.getvalue()


def make_set(n: int, seed: int = 13) -> list[tuple[str, str, bytes]]:
    """(style_id, background name, JPEG) × n, deterministic for a seed."""
    catalog = Catalog(seed=DEMO_SEED)
    backgrounds = real_backgrounds()
    if not backgrounds:
        sys.exit("no real backgrounds: apt-get install gnome-backgrounds, or pip install "
                 "scikit-image into .venv")
    rng = random.Random(seed)
    styles = [s.style_id for s in catalog.styles]
    out = []
    for i in range(n):
        style_id = rng.choice(styles)
        name, background = backgrounds[i % len(backgrounds)]
        out.append((style_id, name,
                    stall_photo(catalog.style_image(style_id, size=1000), background, rng)))
    return out


def first_style(photo: Path, *, crop: bool, catalog: Catalog, services: object
                ) -> tuple[str | None, object]:
    """(style of the first group's best offer, crop box used) for `vvic search PHOTO --demo`
    (`crop`: the default auto-crop; without it, `--no-crop`)."""
    from vvic_desktop.core.cancel import CancelToken
    from vvic_desktop.core.models import Filters, SearchQuery

    query = SearchQuery(source=str(photo), market="vvic", auto_crop=crop,
                        filters=Filters(max_results=20))
    result = services.search(query, cancel=CancelToken(),  # type: ignore[attr-defined]
                             progress=lambda s, p: None, use_cache=False)
    box = result.query.crop
    if not result.groups:
        return None, box
    best = result.groups[0].best_offer or result.groups[0].offers[0]
    return catalog.listing(best.item_id).style_id, box


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=24)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep", type=Path, help="write the photos here")
    args = parser.parse_args()
    import tempfile

    from vvic_desktop.paths import AppPaths
    from vvic_desktop.services import DemoMarketplace, SearchServices
    from vvic_desktop.storage.settings import Settings

    photos = make_set(args.n, args.seed)
    catalog = Catalog(seed=DEMO_SEED)
    hits = {True: 0, False: 0}
    with tempfile.TemporaryDirectory() as tmp:
        paths = AppPaths.resolve(str(Path(tmp) / "data")).ensure()
        services = SearchServices(paths, Settings.load(paths.settings_file),
                                  demo=DemoMarketplace(latency=(0.0, 0.0)))
        try:
            folder = args.keep or Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            for i, (style_id, bg, data) in enumerate(photos):
                path = folder / f"stall-{i:02d}-{style_id}.jpg"
                path.write_bytes(data)
                row = []
                for crop in (False, True):
                    started = time.perf_counter()
                    found, box = first_style(path, crop=crop, catalog=catalog,
                                             services=services)
                    hit = found == style_id
                    hits[crop] += hit
                    row.append(f"{'crop' if crop else 'whole'}: {found or '-':5} "
                               f"{'OK ' if hit else 'no '}{time.perf_counter() - started:4.1f}s"
                               + (f" box={box.as_text()}" if crop and box else ""))
                print(f"{i:2d} {style_id} on {bg:<22} " + "   ".join(row), flush=True)
        finally:
            services.close()
    n = len(photos)
    print(f"\nstyle first: whole photo {hits[False]}/{n} ({hits[False] / n:.2f}), "
          f"auto-crop {hits[True]}/{n} ({hits[True] / n:.2f})")


if __name__ == "__main__" and "--gui" not in sys.argv:
    main()


def gui_first_styles(photos: list[Path], data_dir: Path) -> list[str | None]:
    """The same photos through the GUI (offscreen): add the photo, wait for the suggested
    box, press Search; the first style shown for each."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer  # noqa: TID251 - the GUI path, measured
    from PySide6.QtWidgets import QApplication  # noqa: TID251

    from vvic_desktop.paths import AppPaths
    from vvic_desktop.services import DemoMarketplace, SearchServices
    from vvic_desktop.storage.settings import Settings
    from vvic_desktop.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    paths = AppPaths.resolve(str(data_dir)).ensure()
    settings = Settings.load(paths.settings_file)
    services = SearchServices(paths, settings, demo=DemoMarketplace(latency=(0.0, 0.0)))
    catalog = Catalog(seed=DEMO_SEED)

    def wait(condition, seconds: float = 120) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + seconds
        while not condition() and time.monotonic() < deadline:
            loop = QEventLoop()
            QTimer.singleShot(50, loop.quit)
            loop.exec()
        app.processEvents()

    found: list[str | None] = []
    for photo in photos:
        done: list[object] = []
        window = MainWindow(services, settings, language="en", demo=True)  # one photo each
        window.show()
        window.drop_area.add_paths([str(photo)])
        view = window.crop_view
        wait(lambda view=view: view.has_photo() and not view.suggestion_pending()
             and view.auto_crop_count() > 0)
        window.searchFinished.connect(lambda r, e, done=done: done.append(r))
        window.start_search()
        wait(lambda done=done: bool(done))
        result = done[0] if done else None
        window.close()
        if result is None or not result.groups:  # type: ignore[attr-defined]
            found.append(None)
            continue
        group = result.groups[0]  # type: ignore[attr-defined]
        best = group.best_offer or group.offers[0]
        found.append(catalog.listing(best.item_id).style_id)
    services.close()
    return found


if __name__ == "__main__" and "--gui" in sys.argv:
    folder = Path(sys.argv[sys.argv.index("--gui") + 1])
    photos = sorted(folder.glob("stall-*.jpg"))
    import tempfile as _tempfile

    with _tempfile.TemporaryDirectory() as _tmp:
        styles = gui_first_styles(photos, Path(_tmp))
    hits = 0
    for photo, style in zip(photos, styles, strict=True):
        truth = photo.stem.rsplit("-", 1)[1]
        hits += style == truth
        print(f"{photo.name}: GUI first style {style} {'OK' if style == truth else 'no'}")
    print(f"GUI: style first {hits}/{len(photos)}")
