"""`vvic group` over hostile pictures: exit 0, every item in exactly one group, each unusable
picture named in the notes (pictures generated here; no third-party test images)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from imagegen import corrupt_png, encode, photo_jpeg, png_bomb
from PIL import Image

from vvic_desktop.cli import main


def _hostile_pictures(folder: Path) -> dict[str, str]:
    """item_id → picture path (relative to `folder`)."""
    files: dict[str, bytes] = {
        "good-a": photo_jpeg(400, 500),
        "good-b": photo_jpeg(400, 500),
        "bomb-error": png_bomb(12000, 12000),
        "bomb-warning": png_bomb(9000, 9000),
        "dds": b"DDS |\x00\x00\x00\x07\x10\x00\x00" + bytes(116),
        "gif-1x1": encode(Image.new("P", (1, 1)), "GIF"),
        "png-5x5": encode(Image.new("RGB", (5, 5), "red"), "PNG"),
        "jpeg-40x30": encode(Image.new("RGB", (40, 30), "green"), "JPEG"),
        "banner": encode(Image.new("RGB", (1000, 10), "navy"), "PNG"),
        "tall": encode(Image.new("RGB", (3, 2000), "navy"), "PNG"),
        "corrupt-png": corrupt_png(120, 120),
        "truncated-jpeg": photo_jpeg(300, 300)[:1500],
        "html": b"<!DOCTYPE html><html><body>hotlink refused</body></html>",
        "empty": b"",
        "svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>',
        "avif": encode(Image.new("RGB", (64, 64), "orange"), "AVIF"),
        "webp-anim": encode(Image.new("RGB", (50, 50), "red"), "WEBP", save_all=True,
                            append_images=[Image.new("RGB", (50, 50), "blue")]),
    }
    names: dict[str, str] = {}
    for item_id, data in files.items():
        (folder / f"{item_id}.img").write_bytes(data)
        names[item_id] = f"{item_id}.img"
    os.mkfifo(folder / "fifo.jpg")
    names["fifo"] = "fifo.jpg"
    names["dev-zero"] = "/dev/zero"
    (folder / "a-folder.jpg").mkdir()
    names["directory"] = "a-folder.jpg"
    (folder / "zero-link.jpg").symlink_to("/dev/zero")
    names["symlink-to-dev-zero"] = "zero-link.jpg"
    names["missing"] = "no-such-file.jpg"
    names["no-image"] = ""
    return names


@pytest.mark.parametrize("as_json", [True, False])
def test_group_over_hostile_pictures(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     as_json: bool) -> None:
    pictures = _hostile_pictures(tmp_path)
    items = [
        {"item_id": item_id, "title": f"韩版 连衣裙 {item_id}", "price": "59.00", "image": image}
        for item_id, image in pictures.items()
    ]
    items_file = tmp_path / "items.json"
    items_file.write_text(json.dumps({"items": items}, ensure_ascii=False), "utf-8")
    argv = ["--data-dir", str(tmp_path / "data"), "--lang", "en", "group", str(items_file)]
    code = main([*argv, "--json"] if as_json else argv)
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "internal error" not in out.err
    if not as_json:
        assert sum(int(line.split(".")[1].split()[0]) for line in out.out.splitlines()
                   if line[:4].strip().rstrip(".").isdigit()) == len(items)
        return
    result = json.loads(out.out)
    seen = [i for g in result["groups"] for i in g["item_ids"]]
    assert sorted(seen) == sorted(pictures)  # every item exactly once
    unusable = set(result.get("notes", {}))
    assert {"bomb-error", "bomb-warning", "dds", "corrupt-png", "truncated-jpeg", "html",
            "empty", "svg", "fifo", "dev-zero", "directory", "symlink-to-dev-zero", "missing",
            "no-image"} <= unusable
    assert not {"good-a", "good-b", "avif", "gif-1x1", "banner", "jpeg-40x30"} & unusable
    notes = result["notes"]
    assert "not a regular file" in notes["fifo"] and "not a regular file" in notes["dev-zero"]
    assert "too large" in notes["bomb-error"]
