"""`vvic search` and the GUI's search path against a hostile marketplace (tests/hostile_market.py).

Every case must end cleanly: exit 0 or a one-line `error:` (exit 2), never an internal error
or a hang; at most 50 offers; no escape byte, C1 control or bidi override on the terminal;
hopeless faults asked once; a 429 with Retry-After 300 asked once and answered with
"resumes at". Waits use a fake clock (`CancelToken.sleep` records instead of sleeping); the
only real time spent is on sockets, bounded by short deadlines set here.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_helpers import shown_resumes
from hostile_market import HostileMarket
from PIL import Image

from vvic_desktop import services as services_module
from vvic_desktop.cli import main
from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import Cancelled, VvicError
from vvic_desktop.core.models import Filters, SearchQuery
from vvic_desktop.core.ratelimit import QuotaLimiter
from vvic_desktop.markets import adapter
from vvic_desktop.paths import AppPaths
from vvic_desktop.services import SearchServices
from vvic_desktop.storage.settings import Settings
from vvic_desktop.storage.thumbs import ThumbnailDownloader

# What a terminal must never receive from a marketplace: ESC, C1 controls (8-bit CSI/OSC),
# other C0 controls but newline/CR, bidi overrides and isolates.
TERMINAL_POISON = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def market() -> Iterator[HostileMarket]:
    with HostileMarket() as server:
        yield server


@pytest.fixture
def photo(tmp_path: Path) -> str:
    path = tmp_path / "query.jpg"
    image = Image.new("RGB", (900, 900), (245, 245, 245))
    image.paste(Image.new("RGB", (450, 700), (200, 30, 30)), (225, 100))
    image.save(path, quality=90)
    return str(path)


@pytest.fixture
def fake_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait (retry back-off, Retry-After countdown, quota permit) recorded, none slept:
    the waits advance a fake clock the quota limiter reads instead of the wall clock."""
    waited: list[float] = []

    def sleep(self: CancelToken, seconds: float) -> None:
        self.raise_if_cancelled()
        waited.append(seconds)

    def clock() -> float:
        return time.time() + sum(waited)

    monkeypatch.setattr(CancelToken, "sleep", sleep)
    monkeypatch.setattr(services_module, "QuotaLimiter",
                        functools.partial(QuotaLimiter, clock=clock))
    return waited


@pytest.fixture(autouse=True)
def short_deadlines(monkeypatch: pytest.MonkeyPatch) -> None:
    """API requests and picture fetches end within 5 s (the real defaults are 30 s / 15 s):
    short enough for the dripping cases, long enough for a machine whose cores are busy."""
    monkeypatch.setattr(adapter, "Timeouts",
                        functools.partial(adapter.Timeouts, read=5.0, deadline=5.0))
    defaults = dict(ThumbnailDownloader.__init__.__kwdefaults__ or {})
    defaults["deadline"] = 5.0
    monkeypatch.setattr(ThumbnailDownloader.__init__, "__kwdefaults__", defaults)


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for prefix in ("VVIC", "TAOBAO"):
        monkeypatch.setenv(f"{prefix}_APP_KEY", "hostile-key")
        monkeypatch.setenv(f"{prefix}_APP_SECRET", "hostile-secret-123")


# case → (exit code, most API requests, text the output must contain)
CASES: dict[str, tuple[int, int, str]] = {
    "ok": (0, 1, "listings"),
    "many": (0, 1, "more listings than asked for"),
    "escapes": (0, 1, "listings"),
    "escape-msg": (2, 1, "error:"),
    "bad-prices": (0, 1, "8 listings could not be read"),
    "bomb-pictures": (0, 1, "picture unavailable"),
    "malformed-json": (2, 1, "malformed JSON"),
    "not-utf8": (2, 1, "error:"),
    "deep-json": (2, 1, "error:"),
    "html": (2, 1, "web page"),
    "oversized": (2, 1, "error:"),
    "lying-length": (2, 1, "error:"),
    "gzip-bomb": (2, 1, "error:"),
    "truncated": (2, 3, "error:"),
    "reset": (2, 3, "error:"),
    "flaky": (0, 2, "listings"),
    "slow-headers": (2, 3, "error:"),
    "slow-body": (2, 3, "error:"),
    "redirect-private": (2, 1, "redirect"),
    "not-found": (2, 1, "error:"),
    "quota-in-200": (2, 1, "resumes at"),
    "retry-after-huge": (2, 1, "resumes at"),
    "retry-after-300e9": (2, 1, "resumes at"),
    "retry-after-400-digits": (2, 1, "resumes at"),
    "retry-after-negative": (2, 1, "resumes at"),
    "retry-after-garbage": (2, 1, "resumes at"),
    "retry-after-date": (2, 1, "resumes at"),
    "retry-after-300": (2, 1, "resumes at"),
    "short-wait": (0, 2, "listings"),
    "taobao-ok": (0, 1, "listings"),  # escapes in TOP titles and seller nicks
    "taobao-429": (2, 1, "resumes at"),  # HTTP 429 + Retry-After 300 + an error_response
}


def _search(capsys: pytest.CaptureFixture[str], photo: str, endpoint: str, *extra: str,
            market: str = "vvic") -> tuple[int, str, str]:
    code = main(["--lang", "en", "search", photo, "--market", market, "--endpoint", endpoint,
                 "--no-cache", *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("case", sorted(CASES))
def test_cli_search_ends_every_case_cleanly(case: str, market: HostileMarket, photo: str,
                                            capsys: pytest.CaptureFixture[str],
                                            fake_waits: list[float]) -> None:
    expected_code, most_requests, expected_text = CASES[case]
    before = market.requests[case]
    name = "taobao" if case.startswith("taobao") else "vvic"
    code, out, err = _search(capsys, photo, market.endpoint(case), market=name)
    asked = market.requests[case] - before
    assert code == expected_code, (out, err)
    assert "internal error" not in err and "Traceback" not in err
    assert not TERMINAL_POISON.search(out + err), repr((out + err)[:500])
    assert 1 <= asked <= most_requests
    assert expected_text in out + err
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1
    listed = [line for line in out.splitlines() if line.startswith((" *", "  "))]
    assert len(listed) <= 50


def test_429_with_retry_after_300_is_one_request_and_says_when(
        market: HostileMarket, photo: str, capsys: pytest.CaptureFixture[str],
        fake_waits: list[float]) -> None:
    for case, name in (("retry-after-300", "vvic"), ("taobao-429", "taobao")):
        before = market.requests[case]
        started = time.time()
        code, _out, err = _search(capsys, photo, market.endpoint(case), market=name)
        ended = time.time()
        assert code == 2 and market.requests[case] - before == 1, err
        # in five minutes: HH:MM, with the date when they cross midnight
        shown = shown_resumes([started + 300, ended + 300], started, ended)
        assert any(f"resumes at {when}." in err for when in shown), (err, shown)
        assert fake_waits == []  # no five-minute silent sleep, no sleep at all


def test_absurd_retry_after_shows_the_date(market: HostileMarket, photo: str,
                                           capsys: pytest.CaptureFixture[str],
                                           fake_waits: list[float]) -> None:
    code, _, err = _search(capsys, photo, market.endpoint("retry-after-400-digits"))
    assert code == 2 and re.search(r"resumes at \d{4}-\d\d-\d\d \d\d:\d\d", err), err


def test_many_items_are_bounded_and_pictures_fetched_for_those_only(
        market: HostileMarket, photo: str, capsys: pytest.CaptureFixture[str],
        fake_waits: list[float]) -> None:
    fetched_before = sum(market.picture_requests.values())
    code, out, err = _search(capsys, photo, market.endpoint("many"), "--max-results", "50",
                             "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert len(answer["offers"]) == 50
    assert "more_results:9950" in answer["notes"]
    # the answer's 50 listings name 3 distinct pictures: 3 fetches, not 10,000
    assert sum(market.picture_requests.values()) - fetched_before <= 3


def test_json_keeps_marketplace_text_escaped_but_never_raw(
        market: HostileMarket, photo: str, capsys: pytest.CaptureFixture[str],
        fake_waits: list[float]) -> None:
    code, out, err = _search(capsys, photo, market.endpoint("escapes"), "--json")
    assert code == 0, err
    assert not TERMINAL_POISON.search(out)
    offers = json.loads(out)["offers"]
    titles = [o["title"] for o in offers]
    assert titles and all("红色" in t and "连衣裙" in t for t in titles)
    # what the marketplace sent is kept, JSON-escaped (\u001b, \u009b, \u202e on the wire)
    raw = [o["extra"]["raw_title"] for o in offers]
    assert all("\x1b]0;pwned" in r and "\u202e" in r and "\x9b" in r for r in raw)
    assert "\\u001b" in out and "\\u009b" in out and "\\u202e" in out


def test_bad_prices_skip_their_items(market: HostileMarket, photo: str,
                                     capsys: pytest.CaptureFixture[str],
                                     fake_waits: list[float]) -> None:
    code, out, err = _search(capsys, photo, market.endpoint("bad-prices"), "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert sorted(o["price"] for o in answer["offers"]) == ["1299.00", "59.00", "69"]
    assert "skipped_items:8" in answer["notes"]


def test_hostile_pictures_keep_their_listings(market: HostileMarket, photo: str,
                                              capsys: pytest.CaptureFixture[str],
                                              fake_waits: list[float]) -> None:
    redirects_before = market.picture_requests["linklocal.jpg"]
    code, out, err = _search(capsys, photo, market.endpoint("bomb-pictures"), "--json")
    assert code == 0, err
    answer = json.loads(out)
    offers = {o["item_id"]: o for o in answer["offers"]}
    assert len(offers) == 16  # every listing kept
    grouped = [i for g in answer["groups"] for i in g["item_ids"]]
    assert sorted(grouped) == sorted(offers)  # each in exactly one group
    unavailable = {k for k, o in offers.items()
                   if (o.get("extra") or {}).get("picture_unavailable")}
    usable = {"it5", "it6", "it12", "it13"}  # the 1×1 GIF, the banner, the two real photos
    assert unavailable == set(offers) - usable
    # link-local and LAN pictures were refused without a connection (loopback endpoint)
    assert offers["it99"]["extra"]["picture_unavailable"] == "url_refused"
    assert offers["it98"]["extra"]["picture_unavailable"] == "url_refused"
    # asked once; its redirect to 169.254.169.254 was refused, not followed
    assert market.picture_requests["linklocal.jpg"] - redirects_before == 1
    assert offers["it9"]["extra"]["picture_unavailable"] == "url_refused"


# --- the GUI's search path: services.search, as MainWindow.start_search's worker calls it --


def _gui_search(case: str, market: HostileMarket, photo: str, market_name: str = "vvic",
                cancel: CancelToken | None = None) -> tuple[object, list[str]]:
    paths = AppPaths.resolve(None)
    settings = Settings.load(paths.settings_file)
    services = SearchServices(paths, settings)
    stages: list[str] = []
    query = SearchQuery(source=photo, market=market_name, filters=Filters(max_results=50))
    try:
        return services.search(query, cancel=cancel or CancelToken(),
                               progress=lambda stage, percent: stages.append(stage),
                               endpoint=market.endpoint(case), use_cache=False), stages
    except VvicError as exc:
        return exc, stages
    finally:
        services.close()


@pytest.mark.parametrize("case", ["many", "escapes", "bomb-pictures", "malformed-json", "reset",
                                  "retry-after-huge", "gzip-bomb", "bad-prices"])
def test_gui_search_path_ends_cleanly(case: str, market: HostileMarket, photo: str,
                                      fake_waits: list[float]) -> None:
    outcome, _stages = _gui_search(case, market, photo)
    if isinstance(outcome, VvicError):
        message = outcome.message("zh_CN") + outcome.message("en")
        assert not TERMINAL_POISON.search(message)
        return
    offers = outcome.offers  # type: ignore[attr-defined]
    assert len(offers) <= 50
    for offer in offers:
        assert not TERMINAL_POISON.search(offer.title + offer.stall.name)


def test_gui_wait_is_a_visible_countdown(market: HostileMarket, photo: str,
                                         fake_waits: list[float]) -> None:
    outcome, stages = _gui_search("short-wait~gui", market, photo)
    assert not isinstance(outcome, VvicError), outcome
    assert [s for s in stages if s.startswith("wait ")] == ["wait 5", "wait 4", "wait 3",
                                                            "wait 2", "wait 1"]
    assert sum(fake_waits) == 5


def test_gui_wait_is_cancellable(market: HostileMarket, photo: str,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    cancel = CancelToken()

    def sleep(self: CancelToken, seconds: float) -> None:
        cancel.cancel()  # the user presses Cancel during the countdown
        self.raise_if_cancelled()

    monkeypatch.setattr(CancelToken, "sleep", sleep)
    outcome, stages = _gui_search("short-wait~cancel", market, photo, cancel=cancel)
    assert isinstance(outcome, Cancelled)
    assert "wait 5" in stages
