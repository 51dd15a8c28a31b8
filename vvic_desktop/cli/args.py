"""Argument types shared by the `vvic` subcommands: bad values become one `error:` line."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from decimal import Decimal

from vvic_desktop.core import errors
from vvic_desktop.core.models import CropBox

# What a subcommand runs: the parsed arguments in, the exit status out.
Handler = Callable[[argparse.Namespace], int]


def crop_arg(text: str) -> CropBox:
    try:
        return CropBox.parse(text)
    except errors.BadCrop as exc:
        raise argparse.ArgumentTypeError(exc.message()) from None


def price_arg(text: str) -> Decimal:
    from vvic_desktop.core.prices import parse_filter_price

    try:
        return parse_filter_price(text)
    except errors.ConfigError as exc:
        raise argparse.ArgumentTypeError(exc.message()) from None


def whole_number(text: str, minimum: int = 0) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
    return value


def positive_int(text: str) -> int:
    return whole_number(text, 1)


def add_command(sub: argparse._SubParsersAction, name: str, handler: Handler, *, help: str,
                description: str) -> argparse.ArgumentParser:
    """The subcommand `vvic NAME`, run by `handler(args)`; the caller adds its arguments."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=description)
    parser.set_defaults(handler=handler)
    return parser


def add_action_group(sub: argparse._SubParsersAction, name: str, *, help: str,
                     description: str, dest: str = "action") -> argparse._SubParsersAction:
    """The subcommand `vvic NAME ACTION …`: add each ACTION with `add_action`."""
    parser = sub.add_parser(name, help=help, description=description)
    actions = parser.add_subparsers(dest=dest, metavar="ACTION")
    actions.required = True
    return actions


def add_action(actions: argparse._SubParsersAction, name: str, handler: Handler, *,
               help: str, description: str | None = None) -> argparse.ArgumentParser:
    """One ACTION of an action group, run by `handler(args)`."""
    parser: argparse.ArgumentParser = actions.add_parser(name, help=help,
                                                         description=description)
    parser.set_defaults(handler=handler)
    return parser
