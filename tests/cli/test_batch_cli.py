"""`vvic batch` in-process through `cli.main` against the loopback sandbox: usage errors
(one line, exit 2), a failing photo (exit 1, listed with its message, the others done),
--json, --out, --resume, and the progress line on a terminal. The SIGKILL-and-resume run in a
real process is in tests/core/test_batch.py."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from batch_photos import listing_photos
from e2e_helpers import demo_env, no_ambient_credentials  # noqa: F401

from vvic_desktop.cli import main
from vvic_desktop.cli.batch import _Progress
from vvic_desktop.core.batch import BatchInfo
from vvic_desktop.core.models import Filters
from vvic_desktop.paths import AppPaths
from vvic_desktop.sandbox.server import SandboxServer

SEARCH_PATH = "/api/search/item/image"


@pytest.fixture(autouse=True)
def _credentials(no_ambient_credentials, monkeypatch) -> None:  # noqa: F811
    demo_env(monkeypatch, "vvic")


@pytest.fixture
def folder(tmp_path: Path, sandbox_catalog) -> Path:
    listing_photos(sandbox_catalog, tmp_path / "wish list", 3)
    return tmp_path / "wish list"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def search_calls(server: SandboxServer) -> int:
    return sum(1 for c in server.call_log if c.endpoint == SEARCH_PATH)


def exit_code(argv: list[str]) -> int:
    """main()'s code, also for argparse's own errors (which leave through SystemExit)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.mark.parametrize(("argv", "says"), [
    ([], "give photos or folders, or --resume"),
    (["--resume"], "no unfinished batch"),
    (["p.jpg", "--demo", "--endpoint", "http://127.0.0.1:9"], "cannot be used together"),
    (["p.jpg", "--market", "nowhere"], "invalid choice"),
])
def test_bad_usage_is_one_line_and_exit_2(capsys, argv, says) -> None:
    assert exit_code(["batch", *argv]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("error: ") and says in err and err.count("\n") == 1
    assert out == ""


def test_a_failing_photo_is_listed_with_exit_1_and_the_others_are_done(
    capsys, sandbox, folder, tmp_path
) -> None:
    (folder / "torn.jpg").write_bytes(b"\xff\xd8 torn")
    duplicate = tmp_path / "again.jpg"
    duplicate.write_bytes((folder / "p1.jpg").read_bytes())
    code = main(["batch", str(folder), str(duplicate), "--market", "vvic",
                 "--endpoint", sandbox.url, "--name", "spring", "--json"])
    out, err = capsys.readouterr()
    assert code == 1
    answer = json.loads(out)
    assert answer["name"] == "spring" and answer["state"] == "finished"
    assert answer["counts"] == {"done": 3, "failed": 1, "skipped": 1}
    by_name = {Path(i["photo"]).name: i for i in answer["items"]}
    assert by_name["torn.jpg"]["state"] == "failed" and by_name["torn.jpg"]["error"]
    assert by_name["again.jpg"]["duplicate_of"] is not None
    assert by_name["again.jpg"]["search_id"] == by_name["p1.jpg"]["search_id"]
    for name in ("p0.jpg", "p1.jpg", "p2.jpg"):
        assert by_name[name]["groups"] >= 1 and by_name[name]["cheapest"]
    assert search_calls(sandbox) == 3  # the duplicate cost nothing
    # not a terminal: one plain line per finished photo on stderr
    assert "done  p0.jpg" in err and "failed  torn.jpg" in err and "\r" not in err
    # the plain summary says the same and names the failed photo with its message
    code = main(["batch", "--resume", str(answer["batch"])])
    assert code == 1
    out, _ = capsys.readouterr()
    assert "3 done, 1 duplicate(s), 1 failed, 0 left" in out
    assert f"failed: torn.jpg: {by_name['torn.jpg']['error']}" in out
    assert search_calls(sandbox) == 3  # resuming a finished batch sends nothing


def test_out_writes_one_file_with_a_section_per_photo(capsys, sandbox, folder, tmp_path):
    out_file = tmp_path / "batch.json"
    code = main(["batch", str(folder), "--market", "vvic", "--endpoint", sandbox.url,
                 "--out", str(out_file)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"wrote JSON {out_file}" in err and "3 done" in out
    sections = json.loads(out_file.read_text(encoding="utf-8"))["sections"]
    assert [s["title"] for s in sections] == ["p0.jpg", "p1.jpg", "p2.jpg"]
    assert all(s["offers"] and s["groups"] for s in sections)


def test_ctrl_c_keeps_the_rest_queued_and_resume_searches_only_those(
    capsys, sandbox, folder, monkeypatch
) -> None:
    from vvic_desktop.core.batch import BatchRunner

    real_one = BatchRunner._one

    def one_then_ctrl_c(self, item) -> None:
        real_one(self, item)
        if item.position == 0:  # Ctrl+C right after the first photo is done
            os.kill(os.getpid(), signal.SIGINT)
            # a bound against a hang, not a time budget: a loaded machine may take a while
            assert self.cancel.wait(300), "the main thread did not stop the batch"

    monkeypatch.setattr(BatchRunner, "_one", one_then_ctrl_c)
    # Ctrl+C at a terminal raises KeyboardInterrupt through Python's own handler. A process
    # started in the background by a non-interactive shell (`cmd &`, as a CI script may)
    # inherits SIGINT ignored and Python then installs no handler: install it here, so the
    # test does not depend on how the suite was started.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        argv = ["batch", str(folder), "--market", "vvic", "--endpoint", sandbox.url,
                "--workers", "1"]
        code = main(argv)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert code == 130  # "error: Cancelled.", as for any Ctrl+C
    monkeypatch.setattr(BatchRunner, "_one", real_one)
    capsys.readouterr()
    assert search_calls(sandbox) == 1
    assert main(["batch", "--resume", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["counts"] == {"done": 3} and answer["remaining"] == 0
    assert [i["attempts"] for i in answer["items"]] == [1, 1, 1]
    assert search_calls(sandbox) == 3  # the first photo was not searched again


def test_on_a_terminal_a_progress_line_shows_calls_used_and_the_eta(
    capsys, sandbox, folder, monkeypatch
) -> None:
    from vvic_desktop.core import ratelimit

    # The quota window is 60 s of wall time: on a loaded machine the three calls may not all
    # fall in one minute. A frozen quota clock makes "calls this minute" independent of speed.
    frozen = time.time()
    real_init = ratelimit.QuotaLimiter.__init__

    def frozen_clock_init(self, store, clock=None, *args, **kwargs) -> None:
        real_init(self, store, lambda: frozen, *args, **kwargs)

    monkeypatch.setattr(ratelimit.QuotaLimiter, "__init__", frozen_clock_init)
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    code = main(["batch", str(folder), "--market", "vvic", "--endpoint", sandbox.url])
    assert code == 0
    lines = terminal.getvalue().split("\r")
    assert lines[-1].startswith("[############################] 3/3")
    assert "calls 3/20 this minute" in lines[-1] and "ETA 0:00" in lines[-1]
    assert any(" 1/3" in line for line in lines)  # it moved along the way


def test_quota_exhausted_without_a_terminal_stops_with_the_resume_hint(
    capsys, sandbox, folder
) -> None:
    sandbox.inject("429-long")  # Retry-After: one day
    argv = ["batch", str(folder), "--market", "vvic", "--endpoint", sandbox.url,
            "--workers", "1"]
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert "resumes at" in err and "resumes at" in out and "(vvic batch --resume 1)" in out
    assert "0 done" in out and "3 left" in out and search_calls(sandbox) == 1
    with sqlite3.connect(AppPaths.resolve().data / "quota.sqlite3") as conn:
        conn.execute("DELETE FROM penalties")  # the next day
    assert main(["batch", "--resume", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"] == {"done": 3}
    assert search_calls(sandbox) == 4  # the refused call, then one per photo


def test_on_a_terminal_the_quota_wait_counts_down() -> None:
    terminal = Terminal()
    progress = _Progress(terminal)
    info = BatchInfo(1, "b", "vvic", "", Filters(), "paused", time.time() + 3725, "", 0.0)
    progress.event("batch", info)
    progress.event("waiting", 3725.0)
    progress.event("waiting", 3724.0)
    lines = terminal.getvalue().split("\r")
    assert "resumes at" in lines[-2] and lines[-2].rstrip().endswith("1:02:05")
    assert lines[-1].rstrip().endswith("1:02:04")
