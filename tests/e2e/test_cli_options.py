"""`--data-dir` and `--lang` work before or after any subcommand, the later one winning."""

from __future__ import annotations

import json
import re

import pytest

from vvic_desktop.cli import build_parser, main
from vvic_desktop.core import errors
from vvic_desktop.storage.settings import Settings

# One argv per subcommand (and config's actions), with what it needs besides the options.
COMMANDS = [
    ["prepare", "photo.jpg"],
    ["search", "photo.jpg"],
    ["batch", "photos"],
    ["group", "items.json"],
    ["library", "list"],
    ["purchase", "list"],
    ["config", "show"],
    ["config", "set", "search.max_results", "9"],
    ["sandbox"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("where", ["before", "after", "none"])
def test_every_subcommand_takes_the_options_before_or_after_it(command, where):
    options = ["--data-dir", "/some/dir", "--lang", "zh_CN"]
    argv = {"before": options + command, "after": command + options, "none": command}[where]
    args = build_parser().parse_args(argv)
    expected = (None, None) if where == "none" else ("/some/dir", "zh_CN")
    assert (args.data_dir, args.lang) == expected


def test_the_option_nearer_the_end_wins_and_a_missing_one_keeps_the_top_level_value():
    args = build_parser().parse_args(
        ["--data-dir", "/a", "--lang", "en", "library", "list", "--lang", "zh_CN"])
    assert (args.data_dir, args.lang) == ("/a", "zh_CN")


def test_data_dir_after_the_subcommand_is_where_the_command_writes(tmp_path, capsys):
    target = tmp_path / "after"
    assert main(["config", "set", "search.max_results", "9", "--data-dir", str(target)]) == 0
    assert Settings.load(target / "config" / "settings.json").get("search.max_results") == 9
    capsys.readouterr()
    assert main(["config", "show", "--json", "--data-dir", str(target)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["settings"]["search.max_results"] == 9


def test_lang_after_the_subcommand_picks_the_language_of_errors(tmp_path, capsys):
    code = main(["prepare", str(tmp_path / "missing.jpg"), "--lang", "zh_CN"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ")
    assert errors.language() == "zh_CN"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err), err


@pytest.mark.parametrize("lang, words", [("en", ("listings in", "styles", "stall(s)", "median")),
                                         ("zh_CN", ("个商品", "个款式", "个档口", "中位价"))])
def test_the_search_table_speaks_the_chosen_language_and_prices_read_yuan_cents(
        lang, words, capsys):
    from e2e_helpers import SAMPLE

    assert main(["search", SAMPLE, "--demo", "--lang", lang]) == 0
    out = capsys.readouterr().out
    for word in words:
        assert word in out
    prices = re.findall(r"¥\S+", out)
    assert prices and all(re.fullmatch(r"¥\d+\.\d\d(–¥\d+\.\d\d)?", p) for p in prices), prices


def test_prices_have_one_format():
    from decimal import Decimal

    from vvic_desktop.core.prices import format_price, format_price_range

    assert format_price(Decimal("12.5")) == "¥12.50"
    assert format_price(Decimal("69")) == "¥69.00"
    assert format_price(None) == "—" and format_price(Decimal("NaN")) == "—"
    assert format_price_range(Decimal("12.5"), Decimal("18")) == "¥12.50–¥18.00"
    assert format_price_range(Decimal("12.5"), Decimal("12.50")) == "¥12.50"
