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
