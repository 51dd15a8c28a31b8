"""The market `local` end to end: import stall photos, then search them by a new photo with
no credentials and no network (every socket refused)."""

from __future__ import annotations

import json
import random
import socket
from pathlib import Path

import pytest

from vvic_desktop.cli import main
from vvic_desktop.sandbox.rephoto import rephotograph


@pytest.fixture
def stall_folder(tmp_path: Path, sandbox_catalog) -> tuple[Path, list]:
    folder = tmp_path / "档口照片"
    folder.mkdir()
    styles = sandbox_catalog.styles[:12]
    for n, style in enumerate(styles):
        image = sandbox_catalog.style_image(style.style_id, 360)
        image.save(folder / f"档口{n}_{80 + n}_{style.category}-{style.style_id}.jpg", quality=90)
    return folder, styles


def refuse_sockets(monkeypatch) -> None:
    def refuse(*_args, **_kwargs):
        raise OSError("network is unreachable (test)")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_import_then_search_a_rephotograph_offline(
    stall_folder, sandbox_catalog, tmp_path, capsys, monkeypatch
) -> None:
    folder, styles = stall_folder
    refuse_sockets(monkeypatch)
    assert main(["library", "import-folder", str(folder), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["imported"] == len(styles) and report["skipped"] == 0

    target = styles[5]
    photo = tmp_path / "new-photo.jpg"
    rephotograph(sandbox_catalog.style_image(target.style_id, 480),
                 random.Random(11)).save(photo, quality=88)
    # no --market: with no credentials the local catalog is the default
    assert main(["search", str(photo), "--json", "--save", "stall check"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["query"]["market"] == "local"
    assert answer["stats"]["api_calls"] == 0
    titles = [o["title"] for o in answer["offers"]]
    assert any(target.style_id in t for t in titles[:5])
    first = answer["offers"][0]
    assert first["market"] == "local" and first["stall"]["name"].startswith("档口")
    assert first["price"] is not None and first["similarity"] > 0
    # the saved local search opens like any other
    assert main(["library", "show", "stall check", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["pictures_missing"] == 0


def test_an_empty_local_catalog_says_what_to_do(tmp_path, capsys, monkeypatch) -> None:
    refuse_sockets(monkeypatch)
    photo = tmp_path / "p.png"
    from PIL import Image

    Image.new("RGB", (300, 300), (200, 20, 20)).save(photo)
    assert main(["search", str(photo)]) == 0
    out = capsys.readouterr().out
    assert "0 listings" in out
    assert "import" in out.lower()
