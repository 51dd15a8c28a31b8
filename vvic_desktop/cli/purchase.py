"""`vvic purchase add|list|remove|clear|export`: the purchase list (进货单) from a terminal.

Lines are added from saved searches (`vvic search PHOTO --save NAME`), so everything here
works from the library alone, with the network gone: a line carries its offer, picture and
style group as they were when added.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from vvic_desktop.cli.args import add_action, add_action_group, positive_int
from vvic_desktop.cli.common import open_library
from vvic_desktop.core import errors
from vvic_desktop.core.purchase import PurchasePlan, line_label, money, plan_to_json
from vvic_desktop.storage.purchase_export import grand_total, section_heading, section_total


def register(sub: argparse._SubParsersAction) -> None:
    actions = add_action_group(
        sub, "purchase", help="the purchase list / 进货单",
        description="The purchase list: what to take from which stall, in walking order.",
    )

    add = add_action(actions, "add", run_add, help="add a listing of a saved search")
    add.add_argument("search", metavar="SAVED_SEARCH", help="its name, or #ID")
    add.add_argument("item_id", metavar="ITEM_ID", help="the listing's item id")
    add.add_argument("--qty", type=positive_int, default=1, metavar="N",
                     help="how many pieces (default 1)")
    add.add_argument("--note", default="", metavar="TEXT", help="colour, size …")

    listing = add_action(actions, "list", run_list,
                         help="stall sections in walking order, with totals")
    listing.add_argument("--json", action="store_true")

    remove = add_action(actions, "remove", run_remove, help="take a listing off the list")
    remove.add_argument("item_id", metavar="ITEM_ID")

    add_action(actions, "clear", run_clear, help="empty the list")

    export = add_action(actions, "export", run_export, help="write the list for the market trip")
    export.add_argument("--out", required=True, metavar="FILE",
                        help="FILE.xlsx (to print, with pictures), FILE.html (a route sheet "
                             "for the phone) or FILE.txt (per stall, for messaging)")


def run_add(args: argparse.Namespace) -> int:
    with open_library(args) as services:
        saved = services.library.get(args.search)
        purchases = services.purchase_list
        line_id = purchases.add_from_saved(saved, args.item_id, quantity=args.qty,
                                           note=args.note)
        line = purchases.line(line_id)
        count = purchases.count()
    sys.stderr.write(f"added {line.offer.item_id} ×{line.quantity} "
                     f"({line.offer.stall.name or '?'}); {count} line(s) on the list\n")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with open_library(args) as services:
        plan = services.purchase_list.plan()
    if args.json:
        json.dump(plan_to_json(plan), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print_plan(plan)
    return 0


def print_plan(plan: PurchasePlan) -> None:
    zh = errors.language().startswith("zh")
    if not plan.sections:
        sys.stdout.write("进货单是空的\n" if zh else "the purchase list is empty\n")
        return
    for index, section in enumerate(plan.sections, 1):
        sys.stdout.write(section_heading(index, section, zh) + "\n")
        for p in section.lines:
            o = p.line.offer
            price = f"¥{money(o.price)}" if o.price is not None else "?"
            flags = []
            if p.below_moq:
                flags.append(f"MOQ {p.moq}!")
            if p.cheaper is not None:
                flags.append(f"cheaper {p.cheaper.offer.item_id} -¥{money(p.cheaper.saving)}")
            note = f" [{p.line.note}]" if p.line.note else ""
            sys.stdout.write(
                f"  {o.item_id:<12} {line_label(o)[:30]:<30}{note} {price:>9} ×{p.line.quantity:<4}"
                f" {'¥' + (money(p.line.subtotal) or '?'):>10}  {' '.join(flags)}\n")
        sys.stdout.write("  " + section_total(section, zh) + "\n\n")
    sys.stdout.write(grand_total(plan, zh) + "\n")


def run_remove(args: argparse.Namespace) -> int:
    with open_library(args) as services:
        removed = services.purchase_list.remove(args.item_id)
    sys.stderr.write(f"removed {removed} line(s)\n")
    return 0


def run_clear(args: argparse.Namespace) -> int:
    with open_library(args) as services:
        removed = services.purchase_list.clear()
    sys.stderr.write(f"removed {removed} line(s)\n")
    return 0


def run_export(args: argparse.Namespace) -> int:
    out = Path(args.out).expanduser()
    with open_library(args) as services:
        kind = services.purchase_list.export(out, language=errors.language())
    sys.stderr.write(f"wrote {kind.upper()} {out}\n")
    return 0
