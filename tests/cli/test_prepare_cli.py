"""`vvic prepare` as DESIGN §6 says: a JSON report, or one `error:` line and exit 2."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from imagegen import PDF, encode, photo_like, png_bomb
from PIL import Image

from vvic_desktop.cli import main


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(encode(photo_like(1600, 1200), "JPEG"))
    return path


def test_json_report(photo, tmp_path, capsys):
    out = tmp_path / "out" / "prepared.jpg"
    assert main(["prepare", str(photo), "--json", "-o", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["width"] == 1365 and report["height"] == 1024
    assert report["bytes"] == out.stat().st_size
    import hashlib

    assert report["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert report["notes"] == []
    assert Image.open(out).size == (1365, 1024)
    assert not list(out.parent.glob("*.tmp")), "no temp file left behind"


def test_crop_and_notes(photo, capsys):
    assert main(["prepare", str(photo), "--crop", "100,100,400,300", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["width"], report["height"]) == (1067, 800)
    assert report["notes"] == ["upscaled"]
    assert "weaker" in report["messages"][0]


def test_human_readable_without_json(photo, capsys):
    assert main(["prepare", str(photo)]) == 0
    assert "1365×1024 JPEG" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"", "empty"),
        (PDF, "PDF"),
        (b"hello", "not a supported image"),
        (png_bomb(30000, 30000), "too large"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(tmp_path, capsys, payload, expected):
    path = tmp_path / "bad.jpg"
    path.write_bytes(payload)
    assert main(["prepare", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert expected.lower() in lines[0].lower()


def test_bad_crop_and_missing_file(photo, capsys):
    assert main(["prepare", str(photo), "--crop", "5000,5000,10,10"]) == 2
    assert main(["prepare", "/no/such/photo.jpg"]) == 2
    with pytest.raises(SystemExit) as info:
        main(["prepare", str(photo), "--crop", "1,2,3"])
    assert info.value.code == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert all(line.startswith("error: ") for line in errors) and len(errors) == 3


def test_chinese_messages(tmp_path, capsys):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    assert main(["--lang", "zh_CN", "prepare", str(path)]) == 2
    assert "文件是空的" in capsys.readouterr().err


def test_unwritable_output_is_a_message_not_a_traceback(photo, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["prepare", str(photo), "-o", str(blocker / "sub" / "out.jpg")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_real_process_never_prints_a_traceback(tmp_path):
    path = tmp_path / "broken.jpg"
    data = encode(photo_like(1200, 900), "JPEG")
    path.write_bytes(data[: len(data) // 2])
    done = subprocess.run(
        [sys.executable, "-m", "vvic_desktop.cli", "prepare", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_stdout_is_valid_json_bytes(photo):
    done = subprocess.run(
        [sys.executable, "-m", "vvic_desktop.cli", "prepare", str(photo), "--json"],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert json.load(io.BytesIO(done.stdout))["width"] == 1365
