"""`vvic group ITEMS.json [--json]`: same-style grouping of a list of listings (DESIGN §6).

Input: `{"items": [{"item_id", "title", "price", "image"}, ...]}` where `image` is a file
path (relative paths are relative to the items file) or an http(s) URL (fetched once
through the thumbnail store); optional `stall`, `credit_level`, `stock`, `sales` feed the
best-offer choice. Output (`--json`): `{"groups": [{"item_ids", "best_item_id",
"price_min", "price_median", "price_max", "stall_count"}]}`, prices as decimal strings
(money is never a float) or null. An image that cannot be read does not fail the command:
that item is grouped on title and price only and listed under "notes".
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vvic_desktop.cli.args import add_command
from vvic_desktop.cli.common import open_services
from vvic_desktop.cli.text import lang_text
from vvic_desktop.core import errors
from vvic_desktop.core.models import Offer, Stall
from vvic_desktop.core.prices import format_price
from vvic_desktop.core.redact import json_text

if TYPE_CHECKING:
    from vvic_desktop.storage.thumbs import ThumbnailStore

MAX_ITEMS = 100_000
MAX_FILE_BYTES = 64 * 1024 * 1024


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub, "group", run, help="group listings of the same style / 同款归类",
        description="Group listings of the same style; show stall count, price spread, best offer.",
    )
    parser.add_argument("items", metavar="ITEMS.json", help="the listings to group")
    parser.add_argument("--json", action="store_true", help="print the groups as JSON")
    parser.add_argument(
        "--allow-private", action="store_true",
        help="allow image URLs on this machine or the local network (the demo sandbox)",
    )


def _load(path: Path) -> list[dict[str, Any]]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise errors.BadItemsFile("too large", reason="larger than 64 MB")
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise errors.BadItemsFile("missing", reason=f"no such file: {path.name}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.BadItemsFile("unreadable", reason=f"cannot read {path.name}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise errors.BadItemsFile("json", reason=f"not JSON (line {exc.lineno})") from None
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise errors.BadItemsFile("shape", reason='expected {"items": [...]}')
    if len(items) > MAX_ITEMS:
        raise errors.BadItemsFile("count", reason=f"more than {MAX_ITEMS} items")
    seen: set[str] = set()
    for k, item in enumerate(items):
        if not isinstance(item, dict):
            raise errors.BadItemsFile("item", reason=f"item {k + 1} is not an object")
        item_id = item.get("item_id")
        if not isinstance(item_id, str | int) or isinstance(item_id, bool) or str(item_id) == "":
            raise errors.BadItemsFile("item_id", reason=f"item {k + 1} has no item_id")
        if str(item_id) in seen:
            raise errors.BadItemsFile("dup", reason=f"item_id {item_id} appears twice")
        seen.add(str(item_id))
        if not isinstance(item.get("title", ""), str) or not isinstance(item.get("image", ""), str):
            raise errors.BadItemsFile("types", reason=f"item {item_id}: title and image are text")
    return items


def _offer(item: dict[str, Any]) -> Offer:
    from vvic_desktop.core.prices import parse_int, parse_price

    low, high = parse_price(item.get("price"))
    credit = item.get("credit_level")
    return Offer(
        market="local",
        item_id=str(item["item_id"]),
        title=item.get("title") or "",
        price=low,
        price_max=high,
        image_url=item.get("image") or "",
        stall=Stall(
            name=str(item.get("stall") or ""),
            credit_level=credit.upper() if isinstance(credit, str) else "",
        ),
        stock=parse_int(item.get("stock")),
        sales=parse_int(item.get("sales")),
    )


def _images(offers: list[Offer], base: Path, args: argparse.Namespace,
            notes: dict[str, str]) -> tuple[dict[str, bytes | Path], ThumbnailStore]:
    """Each offer's picture (bytes downloaded into the thumbnail store, analysed for
    grouping as they arrive, or a local path) and the store, which keeps their analyses."""
    from vvic_desktop.core.intake import is_url, picture_note
    from vvic_desktop.core.pictures import analyse_on_arrival
    from vvic_desktop.storage.thumbs import ThumbnailDownloader

    images: dict[str, bytes | Path] = {}
    urls = [o.image_url for o in offers if is_url(o.image_url)]
    fetched: dict[str, str] = {}
    with open_services(args) as services:
        store = services.thumbnail_store
    if urls:
        report = ThumbnailDownloader(
            store, allow_private=args.allow_private,
            on_arrival=lambda data: analyse_on_arrival(data, store),
        ).fetch_all(urls)
        fetched = report.shas
        for url, exc in report.errors.items():
            for o in offers:
                if o.image_url == url:
                    notes[o.item_id] = picture_note(exc.code) + " " + exc.message()
    for o in offers:
        if not o.image_url:
            notes[o.item_id] = picture_note("missing")
        elif is_url(o.image_url):
            sha = fetched.get(o.image_url)
            data = store.get(sha) if sha else None
            if data is not None:
                images[o.key] = data
        else:
            path = Path(o.image_url).expanduser()
            images[o.key] = path if path.is_absolute() else base / path
    return images, store


def run(args: argparse.Namespace) -> int:
    # loaded here, not at import: `vvic --help` stays fast (tests/bench/bench_startup.py)
    from vvic_desktop.core.grouping import group_offers
    from vvic_desktop.core.intake import picture_note
    from vvic_desktop.core.pictures import analyse
    from vvic_desktop.storage.export import group_to_json

    path = Path(args.items)
    offers = [_offer(item) for item in _load(path)]
    notes: dict[str, str] = {}
    images, store = _images(offers, path.resolve().parent, args, notes)
    # Analysed once here (what the store holds is read, not decoded again) to learn which
    # images were unusable (grouping treats them as missing).
    keys = [o.key for o in offers]
    pictures = analyse([images.get(k) for k in keys], store=store)
    for offer, problem in zip(offers, pictures.problems, strict=True):
        if problem and offer.item_id not in notes:
            notes[offer.item_id] = picture_note(problem)
    groups = group_offers(offers, pictures=pictures)
    if args.json:
        out: dict[str, Any] = {"groups": [group_to_json(g) for g in groups]}
        if notes:
            out["notes"] = notes
        sys.stdout.write(json_text(out) + "\n")
        return 0
    for k, g in enumerate(groups, 1):
        spread = " / ".join(format_price(p, "?")
                            for p in (g.price_min, g.price_median, g.price_max))
        best = f"{g.best_offer.item_id}  {g.best_offer.title}"
        sys.stdout.write(f"{k:3d}. " + lang_text(
            f"{len(g.offers)} listings, {g.stall_count} stalls, price {spread}, best {best}",
            f"{len(g.offers)} 个商品，{g.stall_count} 个档口，价格 {spread}，最优 {best}",
        ) + "\n")
    for item_id, note in notes.items():
        sys.stdout.write(f"note: {item_id}: {note}\n")
    return 0
