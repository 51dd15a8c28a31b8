"""`vvic library list|show|export|delete|import-folder`: the saved searches, from a terminal.

Everything here reads the library and its picture store only: `show` and `export` work with
the network gone (a saved search carries every offer's picture).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from typing import TYPE_CHECKING, Any

from vvic_desktop.cli.args import add_action, add_action_group
from vvic_desktop.cli.common import open_library
from vvic_desktop.cli.search import print_table
from vvic_desktop.cli.text import lang_text
from vvic_desktop.core import errors

if TYPE_CHECKING:  # loaded when a command runs, not at import: `vvic --help` stays fast
    from vvic_desktop.storage.library import SavedSearch, SearchSummary


def register(sub: argparse._SubParsersAction) -> None:
    actions = add_action_group(
        sub, "library", help="saved searches / 资料库",
        description="List, show, export and delete saved searches; import your own photos.",
    )

    listing = add_action(actions, "list", run_list, help="saved searches, newest first")
    listing.add_argument("--filter", metavar="TEXT", default="",
                         help="only those whose name, notes, titles or stalls contain TEXT")
    listing.add_argument("--json", action="store_true")

    show = add_action(actions, "show", run_show,
                      help="one saved search with its groups and offers")
    show.add_argument("name", help="its name, or #ID from `vvic library list`")
    show.add_argument("--json", action="store_true")

    export = add_action(actions, "export", run_export,
                        help="write a saved search to CSV, XLSX or HTML")
    export.add_argument("name", help="its name, or #ID")
    export.add_argument("--out", required=True, metavar="FILE",
                        help="FILE.csv, FILE.xlsx (with pictures), FILE.html or FILE.json")

    delete = add_action(actions, "delete", run_delete, help="remove a saved search")
    delete.add_argument("name", help="its name, or #ID")

    importer = add_action(
        actions, "import-folder", run_import,
        help="add your own photos of stall items (with prices) to the library",
    )
    importer.add_argument("folder", help="a folder of photos")
    importer.add_argument("--prices", metavar="CSV",
                          help="file,title,price,stall,market,position,min_order,note per photo")
    importer.add_argument("--json", action="store_true")


def run_list(args: argparse.Namespace) -> int:
    with open_library(args) as services:
        summaries = services.library.list(args.filter)
    if args.json:
        json.dump({"searches": [summary_to_json(s) for s in summaries]}, sys.stdout,
                  ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not summaries:
        sys.stdout.write(lang_text("no saved searches", "还没有保存的搜索") + "\n")
    styles, offers = lang_text("styles", "个款式"), lang_text("offers", "个商品")
    for s in summaries:
        kept = "*" if s.name else " "
        sys.stdout.write(
            f"#{s.id:<5} {kept} {_local_time(s.created_at)}  {s.market:<15} "
            f"{s.group_count:>3} {styles} {s.offer_count:>4} {offers}  {s.title}\n"
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    with open_library(args) as services:
        saved = services.library.get(args.name)
        missing = services.library.missing_pictures(saved.id)
    if args.json:
        json.dump(saved_to_json(saved, missing), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    s = saved.summary
    sys.stdout.write(f"{s.title}  (#{s.id}, {s.market}, {_local_time(s.created_at)})\n")
    if s.notes:
        sys.stdout.write(f"{lang_text('notes', '备注')}: {s.notes}\n")
    print_table(saved.result)
    if missing:
        sys.stdout.write("note: " + lang_text(f"{missing} picture(s) missing from the store",
                                              f"图片库中缺少 {missing} 张图片") + "\n")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    out = Path(args.out).expanduser()
    with open_library(args) as services:
        kind = services.library.export(args.name, out, language=errors.language())
    sys.stderr.write(f"wrote {kind.upper()} {out}\n")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    with open_library(args) as services:
        library = services.library
        search_id = library.resolve(args.name)
        library.delete(search_id)
    sys.stderr.write(lang_text(f"deleted #{search_id}", f"已删除 #{search_id}") + "\n")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from vvic_desktop.storage.local_catalog import import_folder

    with open_library(args) as services:
        report = import_folder(
            services, Path(args.folder).expanduser(),
            prices=Path(args.prices).expanduser() if args.prices else None,
        )
    if args.json:
        json.dump(report.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(report.summary() + "\n")
        for problem in report.problems:
            sys.stderr.write(f"skipped: {problem}\n")
    return 0 if report.imported or not report.problems else 1


# --- JSON ------------------------------------------------------------------------------------


def summary_to_json(s: SearchSummary) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "title": s.title,
        "kept": s.name is not None,
        "created_at": s.created_at.isoformat(),
        "market": s.market,
        "photo": s.source,
        "group_count": s.group_count,
        "offer_count": s.offer_count,
        "change_count": s.change_count,
        "notes": s.notes,
        "tags": list(s.tags),
    }


def saved_to_json(saved: SavedSearch, missing_pictures: int) -> dict[str, Any]:
    from vvic_desktop.storage.export import result_to_json

    data = result_to_json(saved.result)
    for item in data["offers"]:
        key = f"{item['market']}:{item['item_id']}"
        mark = saved.marks.get(key)
        item["picture_sha256"] = saved.thumbnails.get(key)
        item["shortlisted"] = bool(mark and mark.shortlisted)
        item["note"] = mark.note if mark else ""
        item["change"] = saved.changes.get(key, "")
    return {
        "search": summary_to_json(saved.summary),
        **data,
        "pictures_missing": missing_pictures,
    }


def _local_time(moment: _dt.datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
