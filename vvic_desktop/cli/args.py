"""Argument types shared by the `vvic` subcommands: bad values become one `error:` line."""

from __future__ import annotations

import argparse
from decimal import Decimal

from vvic_desktop.core import errors
from vvic_desktop.core.models import CropBox


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
