"""`vvic search PHOTO --market NAME [--endpoint URL] [--crop X,Y,W,H] [filters] [--json] [--demo]
[--save NAME] [--no-crop]`.

With no `--crop` the photo is first cut to the garment (core.autocrop); the box used is in
the JSON (`query.crop`) and saved with the search. `--no-crop` sends the whole photo.

The same `core.pipeline.run_search` the GUI runs: prepare → cache → quota → market → group.
Credentials come from the keyring, else the environment (DESIGN §4); `--demo` starts the
sandbox marketplace in-process and searches it with its demo credentials.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from vvic_desktop.cli.args import add_command, crop_arg, positive_int, price_arg
from vvic_desktop.cli.common import open_services
from vvic_desktop.cli.text import lang_text
from vvic_desktop.core import errors
from vvic_desktop.core.marketplace import MARKET_NAMES
from vvic_desktop.core.models import CREDIT_LEVELS, Filters, SearchQuery, SearchResult
from vvic_desktop.core.pipeline import STAGE_WAIT
from vvic_desktop.core.prices import format_price, format_price_range
from vvic_desktop.core.redact import json_text
from vvic_desktop.storage.settings import MAX_RESULTS, Settings

if TYPE_CHECKING:
    from vvic_desktop.services import SearchServices


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub, "search", run, help="search a marketplace by photo / 以图搜款",
        description="Search a wholesale marketplace with a photo and group the same styles.",
    )
    parser.add_argument("photo", help="image file, or an http(s) URL")
    parser.add_argument("--market", choices=MARKET_NAMES,
                        help="marketplace (default: local, your own catalog; --demo: vvic)")
    parser.add_argument("--endpoint", metavar="URL",
                        help="replace the market's base URL, e.g. http://127.0.0.1:8765")
    parser.add_argument("--crop", type=crop_arg, metavar="X,Y,W,H",
                        help="crop box in the upright photo's pixels")
    add_crop_arguments(parser)
    add_filter_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--demo", action="store_true",
                        help="start the built-in demo marketplace and search it")
    parser.add_argument("--no-cache", action="store_true", help="ask the service even if cached")
    parser.add_argument("--save", metavar="NAME",
                        help="keep the result in the library under NAME (opens offline later)")


def add_crop_arguments(parser: argparse.ArgumentParser) -> None:
    """`--no-crop`, which `vvic search` and `vvic batch` share."""
    parser.add_argument("--no-crop", dest="auto_crop", action="store_false",
                        help="send the whole photo (default: cut it to the garment first)")


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """The filters `vvic search` and `vvic batch` share."""
    parser.add_argument("--price-min", type=price_arg, metavar="YUAN")
    parser.add_argument("--price-max", type=price_arg, metavar="YUAN")
    parser.add_argument("--min-order", type=positive_int, metavar="N",
                        help="at most this minimum order quantity (起批量)")
    parser.add_argument("--in-stock", action="store_true", help="only listings in stock")
    parser.add_argument("--credit", type=str.upper, choices=CREDIT_LEVELS,
                        help="stall credit level at least A, B or C")
    parser.add_argument("--max-results", type=positive_int, metavar="N",
                        help="results to ask for (1-50; default from settings)")


# --- the command -------------------------------------------------------------------------------

# The demo's simulated network delay: short, so a first try feels quick (tests set 0).
DEMO_LATENCY = (0.1, 0.3)


def run(args: argparse.Namespace) -> int:
    # loaded here, not at import: `vvic --help` stays fast (tests/bench/bench_startup.py)
    from vvic_desktop.core.cancel import CancelToken
    from vvic_desktop.services import DEMO_MARKET, LOCAL_MARKET
    from vvic_desktop.storage.export import result_to_json

    if args.demo and args.endpoint:
        raise errors.ConfigError("--demo and --endpoint cannot be used together")
    with open_services(args, demo=args.demo, demo_latency=DEMO_LATENCY) as services:
        market_name = args.market or (DEMO_MARKET if args.demo else LOCAL_MARKET)
        filters = _filters(args, services.settings)
        query = SearchQuery(source=args.photo, market=market_name, crop=args.crop,
                            filters=filters, auto_crop=args.auto_crop)
        if args.save is not None:
            _check_name_free(services, args.save)  # before paying for the call
        show_progress = not args.json and sys.stderr.isatty()
        cancel = CancelToken()
        result = services.search(
            query, cancel=cancel, progress=_print_progress if show_progress else _quiet,
            endpoint=args.endpoint, use_cache=not args.no_cache,
        )
        if args.json:
            sys.stdout.write(json_text(result_to_json(result)) + "\n")
        else:
            print_table(result)
        if args.save is not None:
            sys.stdout.flush()
            search_id = services.save_search(
                result, name=args.save, endpoint=args.endpoint, cancel=cancel
            )
            name = args.save.strip()
            sys.stderr.write(lang_text(f"saved as “{name}” (#{search_id})",
                                       f"已保存为“{name}”（#{search_id}）") + "\n")
    return 0


def _check_name_free(services: SearchServices, name: str) -> None:
    if not name.strip():
        raise errors.ConfigError("--save needs a name")
    try:
        services.library.resolve(" ".join(name.split()))
    except errors.SearchNotFound:
        return
    raise errors.NameTaken("name taken", name=name.strip())


def _filters(args: argparse.Namespace, settings: Settings) -> Filters:
    if args.max_results is not None and args.max_results > 50:
        raise errors.ConfigError("--max-results must be between 1 and 50")
    if args.price_min is not None and args.price_max is not None and (
        args.price_min > args.price_max
    ):
        raise errors.ConfigError("--price-min is above --price-max")
    return Filters(
        price_min=args.price_min,
        price_max=args.price_max,
        min_order_max=args.min_order,
        in_stock_only=args.in_stock,
        credit_level=args.credit,
        max_results=args.max_results or settings.value(MAX_RESULTS),
    )


def _quiet(stage: str, percent: int) -> None:
    pass


def _print_progress(stage: str, percent: int) -> None:
    name, _, arg = stage.partition(" ")
    if name == STAGE_WAIT:  # a countdown before the next attempt (Ctrl+C stops it)
        zh = errors.language().startswith("zh")
        stage = f"等待 {arg} 秒后重试…" if zh else f"retrying in {arg} s…"
    sys.stderr.write(f"\r{percent:3d}% {stage:<24}")
    if percent >= 100:
        sys.stderr.write("\r" + " " * 32 + "\r")
    sys.stderr.flush()


# --- output ----------------------------------------------------------------------------------


def print_table(result: SearchResult) -> None:
    """The result as a table in the user's language; prices as ¥12.50 (core.prices)."""
    out = sys.stdout
    stats = result.stats
    calls = stats.get("api_calls", 0)
    origin = lang_text("cache", "缓存") if stats.get("cached") else lang_text(
        f"{calls} API call(s)", f"{calls} 次接口调用")
    offers, styles = len(result.offers), len(result.groups)
    out.write(lang_text(f"{offers} listings in {styles} styles ({origin})",
                        f"{offers} 个商品，{styles} 个款式（{origin}）") + "\n")
    for number, group in enumerate(result.groups, 1):
        spread = format_price_range(group.price_min, group.price_max, "?")
        median = format_price(group.price_median, "?")
        stalls = group.stall_count
        out.write(f"\n#{number}  " + lang_text(
            f"{stalls} stall(s)  {spread}  median {median}",
            f"{stalls} 个档口  {spread}  中位价 {median}") + "\n")
        stock_word = lang_text("stock", "库存")
        for offer in group.offers:
            mark = "*" if offer is group.best_offer else " "
            price = format_price(offer.price, "?")
            credit = offer.stall.credit_level or "-"
            stock = "?" if offer.stock is None else str(offer.stock)
            picture = lang_text("  [picture unavailable]", "  [图片不可用]") if (
                offer.extra.get("picture_unavailable")) else ""
            out.write(f" {mark} {price:>9}  {credit}  {stock_word} {stock:>5}  "
                      f"{offer.stall.name or '-'}  {offer.title[:40]}{picture}\n")
    from vvic_desktop.core.prepare import note_text

    for note in result.notes:
        out.write(f"note: {note_text(note, errors.language())}\n")
