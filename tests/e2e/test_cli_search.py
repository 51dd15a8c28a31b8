"""`vvic search` failures that need no marketplace: one `error:` line, exit 2."""

from __future__ import annotations

import pytest

from vvic_desktop.cli import main


def test_missing_credentials_say_how_to_set_them(capsys, tmp_path) -> None:
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"x")
    assert main(["search", str(photo), "--market", "taobao"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "vvic config set-credentials taobao" in err and "TAOBAO_APP_SECRET" in err


@pytest.mark.parametrize("argv", [
    ["search", "p.jpg"],  # no market
    ["search", "p.jpg", "--market", "nosuch"],
    ["search", "p.jpg", "--market", "vvic", "--price-min", "abc"],
    ["search", "p.jpg", "--market", "vvic", "--crop", "1,2,3"],
    ["search", "p.jpg", "--market", "vvic", "--credit", "D"],
    ["search", "p.jpg", "--market", "vvic", "--max-results", "0"],
    ["search", "p.jpg", "--market", "vvic", "--max-results", "51"],
    ["search", "p.jpg", "--market", "vvic", "--price-min", "90", "--price-max", "10"],
])
def test_bad_arguments_are_one_line_errors(argv: list[str], capsys, monkeypatch) -> None:
    monkeypatch.setenv("VVIC_APP_KEY", "k")
    monkeypatch.setenv("VVIC_APP_SECRET", "s")
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_quota_exhaustion_shows_when_it_resumes(capsys, tmp_path, data_dir, monkeypatch) -> None:
    import datetime as dt
    import time

    from PIL import Image

    from vvic_desktop.cli.search import Target, quota_key
    from vvic_desktop.core.ratelimit import QuotaLimiter
    from vvic_desktop.markets.base import Credentials

    photo = tmp_path / "p.png"
    Image.new("RGB", (900, 900), (200, 40, 40)).save(photo)
    monkeypatch.setenv("VVIC_APP_KEY", "QKEY")
    monkeypatch.setenv("VVIC_APP_SECRET", "QSECRET")
    endpoint = "http://127.0.0.1:9"  # never contacted: the quota stops the call first
    until = time.time() + 15 * 60
    target = Target("vvic", Credentials("QKEY", "QSECRET"), endpoint, loopback=True)
    QuotaLimiter(data_dir / "quota.sqlite3").penalise(quota_key(target), until)
    assert main(["search", str(photo), "--market", "vvic", "--endpoint", endpoint]) == 2
    err = capsys.readouterr().err
    expected = dt.datetime.fromtimestamp(until).astimezone().strftime("%H:%M")
    assert err == f"error: vvic quota exhausted; resumes at {expected}. " \
                  "Paused; it will continue then.\n"
