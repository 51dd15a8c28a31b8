"""`vvic prepare PHOTO [--crop X,Y,W,H] [-o OUT.jpg] [--json]`: one photo through seed module 1."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from vvic_desktop.cli.args import add_command, crop_arg
from vvic_desktop.core import errors


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub, "prepare", run, help="prepare a photo for image search / 预处理图片",
        description="Decode, orient, crop, resize and encode a photo as the marketplaces want it.",
    )
    parser.add_argument("photo", help="image file, or an http(s) URL")
    parser.add_argument(
        "--crop", type=crop_arg, metavar="X,Y,W,H", help="crop box in the upright photo's pixels"
    )
    parser.add_argument("-o", "--output", metavar="OUT.jpg", help="write the prepared JPEG here")
    parser.add_argument("--json", action="store_true", help="print a JSON report")
    parser.add_argument(
        "--allow-lan",
        action="store_true",
        help="allow URLs on the local network (never needed for files)",
    )


def run(args: argparse.Namespace) -> int:
    # loaded here, not at import: `vvic --help` stays fast (tests/bench/bench_startup.py)
    from vvic_desktop.core.intake import fetch_url, is_url, open_bytes
    from vvic_desktop.core.prepare import note_text, prepare
    from vvic_desktop.storage.files import write_atomically

    source = args.photo
    if is_url(source):
        prepared = prepare(open_bytes(fetch_url(source, allow_lan=args.allow_lan)), args.crop)
    else:
        prepared = prepare(source, args.crop)
    if args.output:
        write_atomically(Path(args.output), prepared.jpeg)
    lang = errors.language()
    report = {
        "width": prepared.width,
        "height": prepared.height,
        "bytes": len(prepared.jpeg),
        "sha256": prepared.sha256,
        "notes": list(prepared.notes),
        "messages": [note_text(code, lang) for code in prepared.notes],
        "source_format": prepared.source_format,
        "source_width": prepared.source_size[0],
        "source_height": prepared.source_size[1],
        "output": str(Path(args.output).resolve()) if args.output else None,
    }
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(
            f"{prepared.width}×{prepared.height} JPEG, {len(prepared.jpeg):,} bytes, "
            f"sha256 {prepared.sha256[:16]}…\n"
        )
        for message in report["messages"]:
            sys.stdout.write(f"note: {message}\n")
    return 0
