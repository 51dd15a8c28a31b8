"""`vvic search --save` and `vvic library …` end to end: saved searches work with no network."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from e2e_helpers import CROP, SAMPLE, demo_env

from vvic_desktop.cli import main


def saved_search(capsys, name: str = "春装连衣裙") -> dict:
    assert main(["search", SAMPLE, "--demo", "--crop", CROP, "--save", name, "--json"]) == 0
    out, err = capsys.readouterr()
    assert f"saved as “{name}”" in err
    return json.loads(out)


def test_save_then_list(capsys) -> None:
    live = saved_search(capsys)
    assert main(["library", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["searches"]
    assert [(s["name"], s["kept"], s["offer_count"]) for s in listed] == [
        ("春装连衣裙", True, len(live["offers"]))]
    assert listed[0]["group_count"] == len(live["groups"])


def test_show_json_works_with_the_network_gone(capsys, monkeypatch) -> None:
    live = saved_search(capsys)
    _refuse_sockets(monkeypatch)
    assert main(["library", "show", "春装连衣裙", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["pictures_missing"] == 0
    assert [o["item_id"] for o in shown["offers"]] == [o["item_id"] for o in live["offers"]]
    assert [g["item_ids"] for g in shown["groups"]] == [g["item_ids"] for g in live["groups"]]
    assert all(o["picture_sha256"] for o in shown["offers"])
    assert shown["query"]["crop"] == CROP
    # by id too, and a human table
    search_id = shown["search"]["id"]
    assert main(["library", "show", f"#{search_id}"]) == 0
    assert "春装连衣裙" in capsys.readouterr().out


def test_export_xlsx_offline_carries_every_picture(capsys, monkeypatch, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    live = saved_search(capsys)
    _refuse_sockets(monkeypatch)
    out = tmp_path / "春装.xlsx"
    assert main(["library", "export", "春装连衣裙", "--out", str(out)]) == 0
    assert "wrote XLSX" in capsys.readouterr().err
    book = openpyxl.load_workbook(out)
    images = sum(len(sheet._images) for sheet in book.worksheets)
    assert images >= len(live["offers"])  # every offer's picture (plus the query photo)
    text = "\n".join(str(c.value) for sheet in book.worksheets for row in sheet.iter_rows()
                     for c in row if c.value is not None)
    assert all(o["title"] in text for o in live["offers"])


@pytest.mark.parametrize("suffix", [".csv", ".html", ".json"])
def test_export_other_formats_offline(capsys, monkeypatch, tmp_path: Path, suffix: str) -> None:
    live = saved_search(capsys)
    _refuse_sockets(monkeypatch)
    out = tmp_path / f"export{suffix}"
    assert main(["library", "export", "春装连衣裙", "--out", str(out)]) == 0
    data = out.read_bytes()
    if suffix == ".csv":
        assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert live["offers"][0]["title"] in text or suffix == ".json"


def test_a_taken_name_is_refused_before_any_call(capsys, sandbox, monkeypatch) -> None:
    demo_env(monkeypatch, "vvic")
    argv = ["search", SAMPLE, "--market", "vvic", "--endpoint", sandbox.url, "--save", "A"]
    assert main(argv) == 0
    capsys.readouterr()
    calls = sandbox.requests_received
    assert main([*argv, "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "“A”" in err and err.count("\n") == 1
    assert sandbox.requests_received == calls


def test_delete_and_unknown_names(capsys) -> None:
    saved_search(capsys, "gone soon")
    assert main(["library", "delete", "gone soon"]) == 0
    capsys.readouterr()
    assert main(["library", "show", "gone soon"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "vvic library list" in err
    assert main(["library", "list"]) == 0
    assert "no saved searches" in capsys.readouterr().out


def _refuse_sockets(monkeypatch) -> None:
    def refuse(*_args, **_kwargs):
        raise OSError("network is unreachable (test)")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
