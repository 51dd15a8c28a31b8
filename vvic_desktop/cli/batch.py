"""`vvic batch PHOTOS_OR_DIRS… --market NAME [--out FILE] [--resume [ID]]`.

The persisted batch queue (core/batch.py), shared with the GUI and its quota: photos and
folders become a batch; a progress line on a terminal (plain lines otherwise); `--resume`
continues the last unfinished batch (or batch ID) where a killed process left it. When the
platform says the quota is exhausted, a terminal shows a countdown and the batch resumes by
itself at the time given; without a terminal the run stops there with that time and the
`--resume` hint. Exit 0 when every photo is done, 1 when some failed (listed with their
messages) or are left, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
import threading
from pathlib import Path
from typing import Any

from vvic_desktop.cli import search as cli_search
from vvic_desktop.cli.args import add_command, positive_int
from vvic_desktop.cli.common import open_services
from vvic_desktop.cli.search import _filters, add_crop_arguments, add_filter_arguments
from vvic_desktop.cli.text import lang_text
from vvic_desktop.core import errors
from vvic_desktop.core.batch import DONE, FAILED, SKIPPED, BatchInfo, BatchItem, resumes_text
from vvic_desktop.core.marketplace import MARKET_NAMES
from vvic_desktop.core.prices import format_price

MAX_PHOTOS = 2000


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub, "batch", run, help="search many photos, within the quota, resumable / 批量搜款",
        description="Search many photos from a persisted queue; killed runs resume.",
    )
    parser.add_argument("photos", nargs="*", help="photos and folders of photos")
    parser.add_argument("--market", choices=MARKET_NAMES,
                        help="marketplace (default: local; --demo: vvic)")
    parser.add_argument("--endpoint", metavar="URL", help="replace the market's base URL")
    parser.add_argument("--demo", action="store_true", help="search the built-in demo market")
    parser.add_argument("--name", help="the batch's name (default: date and time)")
    parser.add_argument("--out", metavar="FILE",
                        help="export the batch: FILE.xlsx (best offer per style), .csv, .json")
    parser.add_argument("--resume", nargs="?", const=-1, type=int, metavar="ID",
                        help="continue the last unfinished batch (or batch ID)")
    parser.add_argument("--json", action="store_true",
                        help="print the batch and every photo's outcome as JSON")
    parser.add_argument("--workers", type=positive_int, help=argparse.SUPPRESS)
    add_crop_arguments(parser)
    add_filter_arguments(parser)


def collect_photos(arguments: list[str]) -> list[str]:
    """Files as given; folders walked (regular photo files, no symlinked folders, capped)."""
    from vvic_desktop.core.intake import walk_photos

    photos: list[str] = []
    for argument in arguments:
        path = Path(argument).expanduser()
        if path.is_dir():
            photos += [str(p) for p in walk_photos(path, max_files=MAX_PHOTOS)]
        else:
            photos.append(str(path))  # a missing or broken file fails alone, with its message
        if len(photos) > MAX_PHOTOS:
            raise errors.ConfigError(f"more than {MAX_PHOTOS} photos in one batch")
    return photos


def run(args: argparse.Namespace) -> int:
    # loaded here, not at import: `vvic --help` stays fast (tests/bench/bench_startup.py)
    from vvic_desktop.core.cancel import CancelToken
    from vvic_desktop.services import DEMO_MARKET, LOCAL_MARKET

    if args.demo and args.endpoint:
        raise errors.ConfigError("--demo and --endpoint cannot be used together")
    services = open_services(args, demo=args.demo, demo_latency=cli_search.DEMO_LATENCY)
    settings = services.settings
    try:
        queue = services.batch_queue
        if args.resume is not None:
            batch_id = queue.latest() if args.resume == -1 else args.resume
            if batch_id is None:
                raise errors.ConfigError("there is no unfinished batch to resume")
            if args.photos:
                raise errors.ConfigError("--resume takes no photos")
        else:
            photos = collect_photos(args.photos)
            if not photos:
                raise errors.ConfigError("give photos or folders, or --resume")
            market = args.market or (DEMO_MARKET if args.demo else LOCAL_MARKET)
            name = args.name or _dt.datetime.now().strftime("batch %Y-%m-%d %H:%M")
            batch_id = queue.create(name, market, [(p, None) for p in photos],
                                    filters=_filters(args, settings),
                                    endpoint=args.endpoint or "", auto_crop=args.auto_crop)
            sys.stderr.write(f"batch #{batch_id}: {len(photos)} photo(s), {market}\n")
        progress = _Progress(sys.stderr)
        cancel = CancelToken()
        runner = services.batch_runner(batch_id, cancel=cancel, on_event=progress.event,
                                       workers=args.workers)
        progress.runner = runner
        try:
            info = runner.run()
        except KeyboardInterrupt:
            cancel.cancel()
            raise
        progress.finish()
        items = queue.items(batch_id)
        if args.out:
            out = Path(args.out).expanduser()
            kind = services.export_batch(batch_id, out, language=errors.language())
            sys.stderr.write(f"wrote {kind.upper()} {out}\n")
    finally:
        services.close()
    if args.json:
        json.dump(batch_json(info, items), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return _exit_code(info)
    return _summary(info, items)


def batch_json(info: BatchInfo, items: list[BatchItem]) -> dict[str, Any]:
    """The batch for scripts: prices as exact strings, the error message in the user's
    language next to its stable code."""
    return {
        "batch": info.id, "name": info.name, "market": info.market, "state": info.state,
        "counts": info.counts, "remaining": info.remaining,
        "paused_until": info.paused_until,
        "message": resumes_text(info) if info.paused_until else info.message,
        "items": [{
            "photo": item.photo, "state": item.state, "attempts": item.attempts,
            "crop": item.crop.as_text() if item.crop else None,
            "search_id": item.search_id, "duplicate_of": item.duplicate_of,
            "groups": item.group_count,
            "cheapest": None if item.cheapest is None else str(item.cheapest),
            "error_code": item.error_code or None, "error": item.error_message or None,
        } for item in items],
    }


def _exit_code(info: BatchInfo) -> int:
    """0 when every photo is done (or a duplicate of one), 1 when some failed or are left."""
    return 1 if info.counts.get(FAILED) or info.remaining else 0


def _summary(info: BatchInfo, items: list[BatchItem]) -> int:
    out = sys.stdout
    counts = info.counts
    done, dupes, failed = counts.get(DONE, 0), counts.get(SKIPPED, 0), counts.get(FAILED, 0)
    out.write(lang_text(
        f"batch #{info.id} {info.state}: {done} done, {dupes} duplicate(s), {failed} failed, "
        f"{info.remaining} left",
        f"批量 #{info.id} {info.state}：完成 {done}，重复 {dupes}，失败 {failed}，"
        f"剩余 {info.remaining}") + "\n")
    for item in items:
        if item.state == FAILED:
            out.write(f"  {lang_text('failed', '失败')}: {item.name}: {item.error_message}\n")
    if info.state == "paused" and info.paused_until:
        out.write(resumes_text(info) + f"  (vvic batch --resume {info.id})\n")
    return _exit_code(info)


class _Progress:
    """A \\r progress line on a terminal; plain lines (one per finished photo) otherwise."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.runner: Any = None
        self._paused: BatchInfo | None = None  # the batch waiting for its quota
        self._lock = threading.Lock()

    def event(self, kind: str, payload: Any) -> None:
        with self._lock:
            if kind == "item" and payload.state in (DONE, FAILED, SKIPPED) and not self.tty:
                if payload.state == SKIPPED:
                    extra = "same photo as another in this batch: searched once"
                elif payload.state == DONE:
                    cheapest = format_price(payload.cheapest, "?")
                    extra = lang_text(f"{payload.group_count} styles, from {cheapest}",
                                      f"{payload.group_count} 个款式，最低 {cheapest}")
                else:
                    extra = payload.error_message
                self.stream.write(f"{payload.state:>7}  {payload.name}  {extra}\n")
            elif kind == "batch" and payload.state == "paused" and payload.paused_until:
                self.stream.write(("\n" if self.tty else "") + resumes_text(payload) + "\n")
                self._paused = payload
                if not self.tty and self.runner is not None:
                    # a script or a scheduled job gets its exit and the resume hint rather
                    # than a process that may sleep until tomorrow; a person sees a countdown
                    self.runner.pause()
            elif kind == "waiting":
                if self.tty and self._paused is not None:
                    left = int(payload)
                    self.stream.write(f"\r{resumes_text(self._paused)}  "
                                      f"{left // 3600}:{left // 60 % 60:02d}:{left % 60:02d} ")
                    self.stream.flush()
                return
            if self.tty and self.runner is not None:
                info = self.runner.queue.info(self.runner.batch_id)
                done = info.total - info.remaining
                eta = self.runner.eta_seconds(info)
                width = 28
                filled = int(width * done / max(info.total, 1))
                used = self.runner.calls_this_minute()
                calls = "" if used is None else \
                    f"  calls {used}/{self.runner.quota_per_minute} this minute"
                self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] "
                                  f"{done}/{info.total}{calls}  "
                                  f"ETA {int(eta // 60)}:{int(eta % 60):02d} ")
            self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
