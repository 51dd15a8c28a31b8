"""The app icon, drawn by code: a white clothes hanger under a magnifier on brand orange.

    python installer/make_icons.py OUT_DIR     every size + vvic-desktop.ico + vvic-desktop.icns
    python installer/make_icons.py --resources refresh the two PNGs committed in resources/icons/

This script is the master art: the drawing is a few shapes on a 1024-unit grid, so every
size is rendered from it (supersampled, then reduced) instead of scaled from one bitmap. At
32 px and below the strokes are drawn bolder, or the hanger's wire dissolves into the
background. `installer/build.py` calls `build_icons()` for the platform files; the running app
takes its window icon from `resources/icons/vvic-desktop-{32,256}.png` (committed, so a source
checkout has an icon without a build step).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
RESOURCE_ICONS = ROOT / "resources" / "icons"
NAME = "vvic-desktop"

ORANGE_TOP = (255, 122, 26)  # the gradient ends around the brand orange #FF6A00
ORANGE_BOTTOM = (232, 89, 12)  # #E8590C, the demo badge's colour
WHITE = (255, 255, 255)
GRID = 1024
SUPERSAMPLE = 4

PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)
BOLD_UP_TO = 32  # pixels: at this size and below, strokes are drawn thicker
RESOURCE_SIZES = (32, 256)


def draw_icon(size: int) -> Image.Image:
    """The icon at `size` × `size` pixels, RGBA with a transparent margin around the tile."""
    canvas = size * SUPERSAMPLE if size < 256 else GRID * 2
    scale = canvas / GRID
    bold = 1.7 if size <= BOLD_UP_TO else 1.0

    def p(*units: float) -> list[float]:
        return [u * scale for u in units]

    image = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    margin = 40 if size > BOLD_UP_TO else 8
    tile = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    gradient = Image.new("RGBA", (1, canvas))
    for y in range(canvas):
        t = y / max(1, canvas - 1)
        rgb = (round(a + (b - a) * t) for a, b in zip(ORANGE_TOP, ORANGE_BOTTOM, strict=True))
        gradient.putpixel((0, y), (*rgb, 255))
    tile.paste(gradient.resize((canvas, canvas)))
    mask = Image.new("L", (canvas, canvas), 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        p(margin, margin, GRID - margin, GRID - margin), radius=200 * scale, fill=255
    )
    image.paste(tile, (0, 0), mask)

    draw = ImageDraw.Draw(image)
    wire = 50 * scale * bold
    # the hanger: a hook, then the shoulders and the bar of a triangle
    draw.arc(p(448, 150, 576, 278), start=180, end=90, fill=WHITE, width=round(wire))
    draw.line(p(512, 278, 512, 330), fill=WHITE, width=round(wire))
    shoulders = p(512, 330, 170, 600, 854, 600, 512, 330)
    draw.line(shoulders, fill=WHITE, width=round(wire), joint="curve")
    for x, y in ((170, 600), (854, 600), (512, 330)):
        r = wire / 2
        cx, cy = x * scale, y * scale
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=WHITE)

    # the magnifier: the lens covers the hanger's right shoulder, so it reads as "search"
    lens_c, lens_r = (640, 640), 165
    ring = 56 * scale * bold
    cx, cy, r = lens_c[0] * scale, lens_c[1] * scale, lens_r * scale
    draw.ellipse((cx - r - ring / 2, cy - r - ring / 2, cx + r + ring / 2, cy + r + ring / 2),
                 fill=(*ORANGE_BOTTOM, 255))
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=WHITE, width=round(ring))
    handle = 84 * scale * bold
    draw.line(p(760, 760, 860, 860), fill=WHITE, width=round(handle))
    hx, hy, hr = 860 * scale, 860 * scale, handle / 2
    draw.ellipse((hx - hr, hy - hr, hx + hr, hy + hr), fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def write_pngs(out_dir: Path, sizes: tuple[int, ...] = PNG_SIZES) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for size in sizes:
        path = out_dir / f"{NAME}-{size}.png"
        draw_icon(size).save(path, optimize=True)
        written.append(path)
    return written


def write_ico(path: Path) -> Path:
    """Windows: one .ico holding every size Explorer and the taskbar ask for."""
    images = [draw_icon(size) for size in ICO_SIZES]
    images[-1].save(
        path, format="ICO", sizes=[(s, s) for s in ICO_SIZES], append_images=images[:-1]
    )
    return path


def write_icns(path: Path) -> Path:
    """macOS: an .icns with 16–1024 px (Retina) images."""
    images = [draw_icon(size) for size in ICNS_SIZES]
    images[-1].save(path, format="ICNS", append_images=images[:-1])
    return path


def build_icons(out_dir: Path) -> dict[str, Path]:
    """Every platform's icon files in `out_dir`: PNGs (Linux), .ico (Windows), .icns (macOS)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs = write_pngs(out_dir)
    return {
        "png": out_dir / f"{NAME}-256.png",
        "ico": write_ico(out_dir / f"{NAME}.ico"),
        "icns": write_icns(out_dir / f"{NAME}.icns"),
        **{f"png{p.stem.rsplit('-', 1)[1]}": p for p in pngs},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", type=Path, help="where to write every icon file")
    parser.add_argument(
        "--resources", action="store_true", help=f"refresh {RESOURCE_ICONS.relative_to(ROOT)}"
    )
    args = parser.parse_args(argv)
    if args.resources:
        for path in write_pngs(RESOURCE_ICONS, RESOURCE_SIZES):
            print(path.relative_to(ROOT))
    if args.out_dir:
        for path in sorted(set(build_icons(args.out_dir).values())):
            print(path)
    if not (args.resources or args.out_dir):
        parser.error("name OUT_DIR or --resources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
