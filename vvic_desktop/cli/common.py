"""What every `vvic` subcommand shares: the options accepted before or after the subcommand,
and the one way a command opens its services (`open_services`)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vvic_desktop.services import SearchServices

LANGUAGES = ("zh_CN", "en")


def add_common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--data-dir and --lang on `parser` and, recursively, on each of its subcommands.

    Below the top level the defaults are SUPPRESS: a subcommand that was not given the
    option leaves the top level's value alone (`vvic --lang en search …` and
    `vvic search … --lang en` both work; the one nearer the end wins).
    """
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--data-dir", metavar="DIR", default=default,
        help="keep every file under DIR instead of the user's data folders",
    )
    parser.add_argument("--lang", choices=LANGUAGES, default=default,
                        help="language of messages and tables (default: the system's)")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):  # aliases share a parser
                add_common_options(child, top=False)


def open_services(args: argparse.Namespace, *, demo: bool = False,
                  demo_latency: tuple[float, float] | None = None) -> SearchServices:
    """The command's services through the one composition root; settings-file problems
    become `note:` lines on stderr."""
    from vvic_desktop.services import DEMO_LATENCY, SearchServices

    services = SearchServices.open(
        getattr(args, "data_dir", None), demo=demo,
        demo_latency=demo_latency or DEMO_LATENCY, language=getattr(args, "lang", None),
    )
    for message in services.settings.messages:
        sys.stderr.write(f"note: {message}\n")
    return services


def open_library(args: argparse.Namespace) -> SearchServices:
    """`open_services` for the commands that work on the library (`library`, `purchase`): a
    library recovered from damage or migrated says so as a `note:` line on stderr."""
    services = open_services(args)
    notice = services.database.notice
    if notice is not None:
        sys.stderr.write(f"note: {notice.message()}\n")
    return services
