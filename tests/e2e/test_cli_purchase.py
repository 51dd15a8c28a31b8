"""`vvic purchase` end to end on the demo: saved searches → six offers from four stalls →
stall sections in walking order, totals, MOQ flags and a cheaper stall; offline and in a new
process (a restart), and the exports."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from batch_photos import listing_photos
from e2e_helpers import CROP, SAMPLE

from vvic_desktop.cli import main

# a new process that cannot open any socket: "the network gone, after a restart"
RUN_OFFLINE = (
    "import socket, sys\n"
    "def refuse(*a, **k): raise OSError('network is unreachable (test)')\n"
    "socket.socket.connect = refuse; socket.create_connection = refuse\n"
    "from vvic_desktop.cli import main; sys.exit(main(sys.argv[1:]))"
)
CREDIT = {"A": 0, "B": 1, "C": 2}


def offline_vvic(*argv: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VVIC_DESKTOP_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-c", RUN_OFFLINE, "--lang", "en", *argv],
                          capture_output=True, text=True, timeout=120, env=env)


def refuse_sockets(monkeypatch) -> None:
    def refuse(*_args, **_kwargs):
        raise OSError("network is unreachable (test)")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def run_json(capsys, *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def stall_of(o: dict) -> tuple[str, str, str]:
    return (o["stall"]["market"], o["stall"]["name"], o["stall"]["position"])


def walking_key(section: dict) -> tuple:
    """Independent of the parser: the demo's positions are "7F-738" or "B区-4006"."""
    m = re.fullmatch(r"(\d+)F-(\d+)", section["position"])
    if m:
        return (section["market"], int(m.group(1)), "", int(m.group(2)))
    m = re.fullmatch(r"([A-Z])区-(\d)(\d+)", section["position"])
    assert m, section["position"]
    return (section["market"], int(m.group(2)), m.group(1), int(m.group(2) + m.group(3)))


@pytest.fixture
def saved_searches(capsys, tmp_path, sandbox_catalog) -> dict[str, dict]:
    """Demo searches saved with --save: the sample photo and four catalog listings."""
    photos = [SAMPLE, *map(str, listing_photos(sandbox_catalog, tmp_path / "photos", 4))]
    shown = {}
    for i, photo in enumerate(photos):
        crop = ["--crop", CROP] if photo == SAMPLE else []
        assert main(["search", photo, "--demo", *crop, "--save", f"款{i}", "--json"]) == 0
        capsys.readouterr()
        shown[f"款{i}"] = run_json(capsys, "library", "show", f"款{i}")
    return shown


def choose_six_from_four_stalls(shown: dict[str, dict]) -> list[tuple[str, dict, dict]]:
    """Two stalls with two listings each, two with one, one of them with a cheaper stall."""
    listings: dict[tuple, dict[str, tuple[str, dict, dict]]] = defaultdict(dict)
    for name, saved in shown.items():
        by_id = {o["item_id"]: o for o in saved["offers"]}
        for group in saved["groups"]:
            for item_id in group["item_ids"]:
                o = by_id[item_id]
                listings[stall_of(o)].setdefault(item_id, (name, o, {
                    "members": [by_id[i] for i in group["item_ids"]]}))
    for o_list in listings.values():
        for _name, o, g in o_list.values():
            g["cheaper"] = [
                m for m in g["members"]
                if stall_of(m) != stall_of(o) and m["price"] and o["price"]
                and Decimal(m["price"]) < Decimal(o["price"])
                and (m["stock"] is None or m["stock"] > 0)
                and CREDIT.get(m["stall"]["credit_level"], 3)
                <= CREDIT.get(o["stall"]["credit_level"], 3)]
    doubles = [s for s, items in listings.items() if len(items) >= 2][:2]
    with_cheaper = next(s for s, items in listings.items() if s not in doubles and any(
        g["cheaper"] for _n, _o, g in items.values()))
    single = next(s for s in listings if s not in doubles and s != with_cheaper)
    chosen = []
    for stall in doubles:
        chosen += list(listings[stall].values())[:2]
    chosen.append(next(v for v in listings[with_cheaper].values() if v[2]["cheaper"]))
    chosen.append(next(iter(listings[single].values())))
    assert len(chosen) == 6 and len({stall_of(o) for _n, o, _g in chosen}) == 4
    return chosen


def test_six_offers_four_stalls_walking_order_totals_moq_cheaper_offline_after_restart(
        capsys, monkeypatch, saved_searches, data_dir, tmp_path) -> None:
    chosen = choose_six_from_four_stalls(saved_searches)
    refuse_sockets(monkeypatch)  # no sandbox, no network from here on
    quantities = [1, 2, 3, 1, 2, 12]
    for (name, o, _g), qty in zip(chosen, quantities, strict=True):
        assert main(["purchase", "add", name, o["item_id"], "--qty", str(qty),
                     "--note", f"杏色 {qty}"]) == 0
    assert "6 line(s) on the list" in capsys.readouterr().err

    done = offline_vvic("purchase", "list", "--json", data_dir=data_dir)  # a new process
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    sections = plan["sections"]
    assert len(sections) == 4
    assert [walking_key(s) for s in sections] == sorted(walking_key(s) for s in sections)
    expected_qty = {o["item_id"]: q for (_n, o, _g), q in zip(chosen, quantities, strict=True)}
    offers = {o["item_id"]: o for _n, o, _g in chosen}
    grand = Decimal(0)
    for s in sections:
        assert {(ln["item_id"], ln["qty"]) for ln in s["lines"]} <= set(expected_qty.items())
        mixing = [ln for ln in s["lines"] if "混批" in offers[ln["item_id"]]["title"]]
        pooled = sum(ln["qty"] for ln in mixing)
        pooled_moq = max((offers[ln["item_id"]]["min_order"] or 0 for ln in mixing), default=0)
        total = Decimal(0)
        for ln in s["lines"]:
            o = offers[ln["item_id"]]
            assert ln["title"] == o["title"] and ln["price"] == f"{Decimal(o['price']):.2f}"
            assert Decimal(ln["subtotal"]) == Decimal(o["price"]) * ln["qty"]
            assert ln["moq"] == (pooled_moq if ln in mixing else o["min_order"])
            below = pooled < pooled_moq if ln in mixing else ln["qty"] < (o["min_order"] or 0)
            assert ln["below_moq"] is below
            assert ln["note"] == f"杏色 {ln['qty']}"
            total += Decimal(ln["subtotal"])
        assert Decimal(s["total"]) == total
        assert s["stall"] and s["floor"] is not None
        grand += total
    assert Decimal(plan["total"]) == grand and plan["line_count"] == 6
    assert plan["quantity"] == sum(quantities)
    assert any(ln["below_moq"] for s in sections for ln in s["lines"])  # qty 1 vs MOQ>1

    # the cheaper stall of the same style, where the group has one
    hinted = chosen[4][1]["item_id"]
    line = next(ln for s in sections for ln in s["lines"] if ln["item_id"] == hinted)
    candidates = {m["item_id"]: m for m in chosen[4][2]["cheaper"]}
    assert line["cheaper"] is not None and line["cheaper"]["item_id"] in candidates
    best = candidates[line["cheaper"]["item_id"]]
    assert Decimal(line["cheaper"]["saving"]) == (
        Decimal(offers[hinted]["price"]) - Decimal(best["price"])) * line["qty"]
    for s in sections:
        for ln in s["lines"]:
            if ln["cheaper"] is not None:
                assert Decimal(ln["cheaper"]["price"]) < Decimal(ln["price"])
                assert (ln["cheaper"]["stall"], ln["cheaper"]["position"]) != (
                    s["stall"], s["position"])

    # the exports, in the new offline process too
    for suffix in (".xlsx", ".html", ".txt"):
        out = tmp_path / f"进货单{suffix}"
        done = offline_vvic("purchase", "export", "--out", str(out), data_dir=data_dir)
        assert done.returncode == 0, done.stderr
        assert out.stat().st_size > 0
    text = (tmp_path / "进货单.txt").read_text("utf-8")
    assert text.count("\n\n") == 4 and sections[0]["stall"] in text.split("\n\n")[0]
    html = (tmp_path / "进货单.html").read_text("utf-8")
    assert html.count('src="data:image/jpeg;base64,') == 6 and "http-equiv" in html
    openpyxl = pytest.importorskip("openpyxl")
    assert len(openpyxl.load_workbook(tmp_path / "进货单.xlsx").active._images) == 6

    # the human listing, remove and clear
    done = offline_vvic("purchase", "list", data_dir=data_dir)
    assert done.returncode == 0 and "Grand total: 4 stalls, 6 lines" in done.stdout
    assert main(["purchase", "remove", hinted]) == 0
    assert run_json(capsys, "purchase", "list")["line_count"] == 5
    assert main(["purchase", "remove", hinted]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["purchase", "clear"]) == 0
    assert run_json(capsys, "purchase", "list")["sections"] == []


def test_bad_input_is_one_line_and_exit_2(capsys) -> None:
    assert main(["search", SAMPLE, "--demo", "--crop", CROP, "--save", "款0"]) == 0
    capsys.readouterr()
    assert main(["purchase", "add", "no such search", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert main(["purchase", "add", "款0", "not-an-item"]) == 2
    assert "款0" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["purchase", "add", "款0", "x", "--qty", "0"])
    assert exit_.value.code == 2
    assert main(["purchase", "export", "--out", "list.csv"]) == 2
    assert ".xlsx" in capsys.readouterr().err
