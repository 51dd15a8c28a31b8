"""`vvic search` end to end, in-process through `cli.main`, against the loopback sandbox.

Covers: --demo --json, every market via --endpoint, the result cache, one-line errors,
quota exhaustion ("resumes at HH:MM"), and a canary secret that must appear nowhere.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from decimal import Decimal
from pathlib import Path

import pytest
from e2e_helpers import CROP, MARKET_ENV, SAMPLE, PipedStdin, demo_env, shown_resumes
from PIL import Image

from vvic_desktop.cli import main
from vvic_desktop.core.ratelimit import QuotaLimiter
from vvic_desktop.markets.base import Credentials
from vvic_desktop.sandbox.server import DEMO_CREDENTIALS
from vvic_desktop.services import Target, quota_key
from vvic_desktop.storage.quota_log import QuotaLog


def run_json(capsys, argv: list[str]) -> dict:
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def assert_well_formed(answer: dict, market: str) -> None:
    assert set(answer) >= {"query", "offers", "groups", "stats"}
    assert answer["query"]["market"] == market
    assert answer["offers"], "the sandbox lists every catalog style at several stalls"
    ids = [o["item_id"] for o in answer["offers"]]
    grouped = [i for g in answer["groups"] for i in g["item_ids"]]
    assert sorted(grouped) == sorted(ids)  # every offer in exactly one group
    for offer in answer["offers"]:
        assert offer["market"] == market
        assert offer["price"] is None or isinstance(offer["price"], str)
        if offer["price"] is not None:
            Decimal(offer["price"])  # Decimals travel as exact strings
    for group in answer["groups"]:
        assert group["best_item_id"] in group["item_ids"]
        assert group["stall_count"] >= 1


def test_demo_json(capsys) -> None:
    answer = run_json(capsys, ["search", SAMPLE, "--demo", "--crop", CROP])
    assert_well_formed(answer, "vvic")
    stats = answer["stats"]
    assert stats["api_calls"] == 1 and stats["cached"] == 0 and stats["raw"] >= len(
        answer["offers"])
    assert answer["query"]["crop"] == CROP
    # the grouping did group: some style is carried by more than one stall
    assert any(len(g["item_ids"]) > 1 for g in answer["groups"])


def test_demo_table_output(capsys) -> None:
    assert main(["search", SAMPLE, "--demo", "--crop", CROP]) == 0
    out = capsys.readouterr().out
    assert "listings in" in out and "styles" in out and "#1" in out


@pytest.mark.parametrize("market", list(MARKET_ENV))
def test_every_market_through_its_endpoint(market: str, sandbox, capsys, monkeypatch) -> None:
    demo_env(monkeypatch, market)
    answer = run_json(capsys, ["search", SAMPLE, "--market", market, "--endpoint", sandbox.url,
                               "--crop", CROP])
    assert_well_formed(answer, market)
    assert answer["stats"]["api_calls"] >= 1
    assert sandbox.requests_received >= answer["stats"]["api_calls"]


def test_same_photo_twice_costs_one_call(sandbox, capsys, monkeypatch) -> None:
    demo_env(monkeypatch, "vvic")
    argv = ["search", SAMPLE, "--market", "vvic", "--endpoint", sandbox.url]
    first = run_json(capsys, argv)
    received = sandbox.requests_received
    second = run_json(capsys, argv)
    assert second["stats"] == {**first["stats"], "api_calls": 0, "cached": 1}
    assert [o["item_id"] for o in second["offers"]] == [o["item_id"] for o in first["offers"]]
    # neither the API nor the item pictures were asked again (thumbnails are in the store)
    assert sandbox.requests_received == received
    third = run_json(capsys, [*argv, "--price-max", "80"])  # other filters: another question
    assert third["stats"]["cached"] == 0 and third["stats"]["api_calls"] == 1


def test_filters_narrow_the_result(sandbox, capsys, monkeypatch) -> None:
    demo_env(monkeypatch, "taobao")  # TOP takes no price filter: the pipeline applies it
    argv = ["search", SAMPLE, "--market", "taobao", "--endpoint", sandbox.url]
    everything = run_json(capsys, argv)
    prices = sorted(Decimal(o["price"]) for o in everything["offers"] if o["price"])
    limit = prices[len(prices) // 2]
    narrowed = run_json(capsys, [*argv, "--price-max", str(limit)])
    assert narrowed["offers"] and len(narrowed["offers"]) < len(everything["offers"])
    assert all(Decimal(o["price"]) <= limit for o in narrowed["offers"] if o["price"])


def test_missing_credentials_say_how_to_set_them(capsys) -> None:
    assert main(["search", SAMPLE, "--market", "taobao"]) == 2
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
    ["search", "p.jpg", "--demo", "--endpoint", "http://127.0.0.1:9"],
    ["search", "no-such-photo.jpg", "--market", "vvic"],
])
def test_bad_input_is_one_error_line(argv: list[str], capsys, monkeypatch) -> None:
    demo_env(monkeypatch, "vvic")
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_service_fault_is_retried_then_succeeds(sandbox, capsys, monkeypatch) -> None:
    demo_env(monkeypatch, "vvic")
    monkeypatch.setattr("vvic_desktop.core.retry.backoff_delay", lambda *a, **k: 0.0)
    sandbox.inject("503", count=1, endpoint="vvic")
    answer = run_json(capsys, ["search", SAMPLE, "--market", "vvic", "--endpoint", sandbox.url])
    assert answer["offers"] and answer["stats"]["api_calls"] == 2  # each attempt took a permit


def test_quota_exhaustion_from_the_service_shows_when_it_resumes(sandbox, capsys,
                                                                 monkeypatch) -> None:
    demo_env(monkeypatch, "vvic")
    sandbox.inject("429-long", count=1, endpoint="vvic")  # Retry-After: 86400
    before = time.time()
    assert main(["search", SAMPLE, "--market", "vvic", "--endpoint", sandbox.url]) == 2
    after = time.time()
    err = capsys.readouterr().err
    # tomorrow: the date is shown with the time; a minute boundary may fall in between
    resumes = {dt.datetime.fromtimestamp(t + 86400).astimezone().strftime("%Y-%m-%d %H:%M")
               for t in (before, after)}
    assert err.startswith("error: ") and any(f"resumes at {r}" in err for r in resumes)


def test_quota_exhaustion_from_the_limiter_shows_when_it_resumes(tmp_path, data_dir, capsys,
                                                                 monkeypatch) -> None:
    photo = tmp_path / "p.png"
    Image.new("RGB", (900, 900), (200, 40, 40)).save(photo)
    monkeypatch.setenv("VVIC_APP_KEY", "QKEY")
    monkeypatch.setenv("VVIC_APP_SECRET", "QSECRET")
    endpoint = "http://127.0.0.1:9"  # never contacted: the quota stops the call first
    until = time.time() + 15 * 60
    target = Target("vvic", Credentials("QKEY", "QSECRET"), endpoint, loopback=True)
    QuotaLimiter(QuotaLog(data_dir / "quota.sqlite3")).penalise(quota_key(target), until)
    before = time.time()
    assert main(["search", str(photo), "--market", "vvic", "--endpoint", endpoint]) == 2
    after = time.time()
    err = capsys.readouterr().err
    # HH:MM on the same day; with the date when the 15 minutes cross midnight
    assert err in {f"error: vvic quota exhausted; resumes at {shown}. "
                   "Paused; it will continue then.\n"
                   for shown in shown_resumes([until], before, after)}


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_canary_secret_appears_nowhere(sandbox, data_dir, capsys, caplog, monkeypatch) -> None:
    """Set through `vvic config set-credentials`, used for full runs (a success and a
    signature failure): never in output, error text, logs, cache, quota log or settings."""
    caplog.set_level(logging.DEBUG)
    printed: list[str] = []

    def cli(*argv: str, stdin: str | None = None) -> int:
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", PipedStdin(stdin + "\n"))
        code = main(list(argv))
        out, err = capsys.readouterr()
        printed.append(out + err)
        return code

    # 1. the right secret: the sandbox accepts only its demo secret, so that is one canary
    app_key, good_secret = DEMO_CREDENTIALS["vvic"]
    assert cli("config", "set-credentials", "vvic", "--app-key", app_key, stdin=good_secret) == 0
    assert cli("config", "set-quota", "vvic", "30") == 0
    assert cli("search", SAMPLE, "--market", "vvic", "--endpoint", sandbox.url, "--json") == 0
    assert json.loads(printed[-1])["offers"]
    # 2. a wrong secret: the failure's text must not carry it either
    wrong = "CANARY-wr0ng-0d1e-" + "x" * 8
    taobao_key = DEMO_CREDENTIALS["taobao"][0]
    assert cli("config", "set-credentials", "taobao", "--app-key", taobao_key, stdin=wrong) == 0
    assert cli("search", SAMPLE, "--market", "taobao", "--endpoint", sandbox.url) == 2
    assert printed[-1].startswith("error: ") and "signature" in printed[-1].lower()
    assert cli("config", "show") == 0
    assert taobao_key in printed[-1]
    for secret in (good_secret, wrong):
        assert all(secret not in text for text in printed)
        assert secret not in caplog.text
        assert _files_containing(data_dir, secret.encode()) == []
    assert caplog.text  # the run did log (HTTP and retries), so the check above means something
    assert (data_dir / "cache" / "results.sqlite3").exists()
    assert (data_dir / "config" / "settings.json").exists()
