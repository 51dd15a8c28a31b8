"""Issue 15's acceptance: `vvic search` against the sandbox, whose protocol modules were
written from the published documents and refuse what the real services refuse (a OneBound
key outside the URL, an undocumented lang, a 1688 call without access_token or signed over
sorted names, a TOP timestamp in neither of the router's forms). The sandbox captures every
API request as it arrived, so these tests show where each parameter travelled."""

from __future__ import annotations

import json

import pytest
from e2e_helpers import CROP, SAMPLE, demo_env

from vvic_desktop.cli import main
from vvic_desktop.sandbox.server import DEMO_CREDENTIALS, DEMO_TOKENS, SandboxServer

ONEBOUND_PATHS = ("/taobao/upload_img/", "/vvic/item_search_img/", "/taobao/item_search_img/")


@pytest.fixture
def strict(sandbox_catalog):
    """The sandbox with request capture, no latency and a roomy quota."""
    server = SandboxServer(port=0, latency=(0, 0), quota=1000, catalog=sandbox_catalog,
                           capture=True)
    server.start()
    yield server
    server.stop()


def search(capsys, argv: list[str]) -> tuple[int, dict | None, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


@pytest.mark.parametrize("market", ["vvic", "taobao", "onebound-vvic", "onebound-taobao", "1688"])
def test_vvic_search_succeeds_with_no_request_refused(market, strict, capsys, monkeypatch):
    demo_env(monkeypatch, market)
    code, answer, err = search(capsys, ["search", SAMPLE, "--market", market, "--endpoint",
                                        strict.url, "--crop", CROP, "--json"])
    assert code == 0, err
    assert answer["offers"] and all(o["market"] == market for o in answer["offers"])
    assert strict.call_log and all(record.status == 200 for record in strict.call_log)
    assert len(strict.call_log) == answer["stats"]["api_calls"]


@pytest.mark.parametrize(("argv", "lang"), [([], "en"), (["--lang", "zh_CN"], "cn")])
def test_onebound_key_travels_in_the_url_with_a_documented_lang(
    argv, lang, strict, capsys, monkeypatch
):
    demo_env(monkeypatch, "onebound-taobao")
    code, _, err = search(capsys, [*argv, "search", SAMPLE, "--market", "onebound-taobao",
                                   "--endpoint", strict.url, "--crop", CROP, "--json"])
    assert code == 0, err
    calls = [c for c in strict.captured if c.path in ONEBOUND_PATHS]
    assert [c.path for c in calls] == ["/taobao/upload_img/", "/taobao/item_search_img/"]
    key = DEMO_CREDENTIALS["onebound"][0]
    for call in calls:
        assert call.query["key"] == key and "key" not in call.form
        assert call.query["lang"] == lang  # the UI language's: cn for Chinese, en otherwise
    upload = calls[0]
    assert upload.method == "POST" and "secret" in upload.form and "imgcode" in upload.form
    assert "secret" not in upload.query  # the picture and the secret stay out of the URL


def test_onebound_lang_setting_overrides_the_ui_language(strict, capsys, monkeypatch):
    demo_env(monkeypatch, "onebound-vvic")
    assert main(["config", "set", "market.onebound.lang", "ru"]) == 0
    assert main(["config", "set", "market.onebound.lang", "zh-CN"]) == 2  # not documented
    capsys.readouterr()
    code, _, err = search(capsys, ["search", SAMPLE, "--market", "onebound-vvic",
                                   "--endpoint", strict.url, "--crop", CROP, "--json"])
    assert code == 0, err
    assert {c.query["lang"] for c in strict.captured} == {"ru"}


def test_onebound_reads_both_shapes_of_the_upload_answer(strict, capsys, monkeypatch):
    demo_env(monkeypatch, "onebound-vvic")
    for shape in ("url", "id"):
        strict.onebound_upload_shape = shape
        code, answer, err = search(capsys, ["search", SAMPLE, "--market", "onebound-vvic",
                                            "--endpoint", strict.url, "--crop", CROP,
                                            "--json", "--no-cache"])
        assert code == 0, err
        assert answer["offers"]
    imgids = [c.query["imgid"] for c in strict.captured if c.path == "/vvic/item_search_img/"]
    assert len(imgids) == 2 and imgids[0] == imgids[1]  # the same picture, read either way
    assert imgids[0].startswith(strict.url + "/img/upload/")


def test_1688_sends_the_access_token_on_both_calls(strict, capsys, monkeypatch):
    demo_env(monkeypatch, "1688")
    code, _, err = search(capsys, ["search", SAMPLE, "--market", "1688", "--endpoint",
                                   strict.url, "--crop", CROP, "--json"])
    assert code == 0, err
    calls = [c for c in strict.captured if c.path.startswith("/openapi/")]
    assert [c.path.rsplit("/", 2)[-2] for c in calls] == [
        "product.image.upload", "product.search.imageQuery"]
    for call in calls:
        assert call.form["access_token"] == DEMO_TOKENS["1688"]
        assert "_aop_signature" in call.form and "access_token" not in call.query


def test_1688_without_a_token_asks_for_one_and_sends_nothing(strict, capsys, monkeypatch):
    demo_env(monkeypatch, "1688")
    monkeypatch.delenv("ALI1688_ACCESS_TOKEN")
    code, _, err = search(capsys, ["search", SAMPLE, "--market", "1688", "--endpoint",
                                   strict.url, "--crop", CROP, "--json"])
    assert code != 0 and not strict.captured
    assert "access_token" in err and "ALI1688_ACCESS_TOKEN" in err and "open.1688.com" in err


def test_1688_expired_token_says_how_to_renew_it(strict, capsys, monkeypatch):
    demo_env(monkeypatch, "1688")
    strict.tokens["1688"].clear()  # the member's authorisation expired
    code, _, err = search(capsys, ["--lang", "zh_CN", "search", SAMPLE, "--market", "1688",
                                   "--endpoint", strict.url, "--crop", CROP, "--json"])
    assert code != 0
    assert "access_token" in err and "重新授权" in err and "vvic config set-credentials 1688" in err
    assert len(strict.call_log) == 1  # refused once, not retried


def test_an_isv_error_costs_one_top_call_and_shows_its_sub_message(strict, capsys, monkeypatch):
    demo_env(monkeypatch, "taobao")
    strict.inject("isv", endpoint="taobao")
    code, _, err = search(capsys, ["search", SAMPLE, "--market", "taobao", "--endpoint",
                                   strict.url, "--crop", CROP, "--json"])
    assert code != 0
    assert "类目ID不存在或已失效" in err and "isv.invalid-parameter:cat" in err
    assert [r.endpoint for r in strict.call_log] == ["/router/rest"]  # one call, no retry


def test_vvic_open_platform_enriches_only_when_set(strict, capsys, monkeypatch):
    demo_env(monkeypatch, "vvic")
    code, _, err = search(capsys, ["search", SAMPLE, "--market", "vvic", "--endpoint",
                                   strict.url, "--crop", CROP, "--json"])
    assert code == 0, err
    assert [r.endpoint for r in strict.call_log] == ["/api/search/item/image"]  # nothing asked
    app_id, secret = DEMO_CREDENTIALS["vvic-open"]
    monkeypatch.setenv("VVIC_OPEN_APP_ID", app_id)
    monkeypatch.setenv("VVIC_OPEN_APP_SECRET", secret)
    code, answer, err = search(capsys, ["search", SAMPLE, "--market", "vvic", "--endpoint",
                                        strict.url, "--crop", CROP, "--json", "--no-cache",
                                        "--max-results", "25"])
    assert code == 0, err
    assert [r.endpoint for r in strict.call_log[1:]] == [
        "/api/search/item/image", "/api/item/detail/v1", "/api/item/detail/v1"]
    assert answer["stats"]["api_calls"] == 3 and all(r.status == 200 for r in strict.call_log)
    details = [c for c in strict.captured if c.path == "/api/item/detail/v1"]
    assert all(c.query["app_id"] == app_id and c.query["sign"] for c in details)
    assert sum(len(c.query["item_vid"].split(",")) for c in details) == len(answer["offers"])
    assert all(o["extra"].get("supply_level") for o in answer["offers"])
