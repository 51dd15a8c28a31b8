"""Shared by the CLI end-to-end tests: the sample photo, demo credentials, fixtures."""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Iterable
from pathlib import Path

import pytest

from vvic_desktop.cli import search as cli_search
from vvic_desktop.sandbox import server as sandbox_server
from vvic_desktop.sandbox.server import DEMO_CREDENTIALS, DEMO_TOKENS

SAMPLE = str(Path(__file__).resolve().parents[1] / "resources" / "samples" / "dress-photo.jpg")
CROP = "270,440,620,900"
MARKET_ENV = {
    "vvic": "VVIC", "taobao": "TAOBAO", "onebound-vvic": "ONEBOUND",
    "onebound-taobao": "ONEBOUND", "1688": "ALI1688",
}


class PipedStdin(io.StringIO):
    def isatty(self) -> bool:
        return False


@pytest.fixture
def fast_demo(monkeypatch, sandbox_catalog) -> None:
    """--demo starts its own server as in real use, but with no latency and the session's
    catalog (drawing the catalog's pictures is the slow part)."""
    monkeypatch.setattr(cli_search, "DEMO_LATENCY", (0.0, 0.0))
    monkeypatch.setattr(sandbox_server, "SandboxServer",
                        functools.partial(sandbox_server.SandboxServer, catalog=sandbox_catalog))


@pytest.fixture
def no_ambient_credentials(monkeypatch) -> None:
    for prefix in set(MARKET_ENV.values()):
        monkeypatch.delenv(f"{prefix}_APP_KEY", raising=False)
        monkeypatch.delenv(f"{prefix}_APP_SECRET", raising=False)
    for name in ("ALI1688_ACCESS_TOKEN", "VVIC_OPEN_APP_ID", "VVIC_OPEN_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)


def demo_env(monkeypatch, market: str) -> None:
    app_key, secret = DEMO_CREDENTIALS[market]
    monkeypatch.setenv(f"{MARKET_ENV[market]}_APP_KEY", app_key)
    monkeypatch.setenv(f"{MARKET_ENV[market]}_APP_SECRET", secret)
    if market in DEMO_TOKENS:
        monkeypatch.setenv("ALI1688_ACCESS_TOKEN", DEMO_TOKENS[market])


def shown_resumes(moments: Iterable[float], before: float, after: float) -> set[str]:
    """Every way a "resumes at …" message (`QuotaExhausted`) made between `before` and
    `after` (epoch seconds) may show a resume moment among `moments`: the time alone when
    it falls on the day the message was made, with the date when on another. A run across
    midnight may have made it on either day, so both are allowed; nothing else."""
    days = {dt.datetime.fromtimestamp(t).astimezone().date() for t in (before, after)}
    out = set()
    for moment in moments:
        shown = dt.datetime.fromtimestamp(moment).astimezone()
        for day in days:
            out.add(shown.strftime("%H:%M" if shown.date() == day else "%Y-%m-%d %H:%M"))
    return out
