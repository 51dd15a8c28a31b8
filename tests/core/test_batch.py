"""Batch search against the sandbox: within the quota, duplicates once, faults alone, 429s
honoured, pause/cancel/retry, and a SIGKILL mid-batch resumed with no repeated call.

The runner, the limiter, the retries and the sandbox share one virtual clock
(tests/virtual_clock.py): the platform's real 60-s window and a 7-s Retry-After are waited
out in virtual time, which moves only while every worker sleeps, so no test waits for them
and a loaded machine changes nothing.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from batch_photos import listing_photos
from e2e_helpers import shown_resumes
from virtual_clock import VirtualClock

from vvic_desktop.core import errors
from vvic_desktop.core.batch import (
    CANCELLED,
    DONE,
    FAILED,
    FINISHED,
    PAUSED,
    QUEUED,
    RUNNING,
    SKIPPED,
    BatchInfo,
    resumes_text,
    workers_for,
)
from vvic_desktop.core.models import Filters
from vvic_desktop.core.ratelimit import QuotaLimiter
from vvic_desktop.sandbox.server import DEMO_CREDENTIALS, SandboxServer
from vvic_desktop.services import SearchServices
from vvic_desktop.storage.quota_log import QuotaLog
from vvic_desktop.storage.settings import Settings

SEARCH_PATH = "/api/search/item/image"
WINDOW = 60.0  # the platform's quota window, in virtual seconds
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def photos(tmp_path: Path, sandbox_catalog) -> list[Path]:
    return listing_photos(sandbox_catalog, tmp_path / "photos", 9)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def quota_sandbox(sandbox_catalog, clock):
    server = SandboxServer(port=0, latency=(0.05, 0.15), quota=3, seed=7,
                           catalog=sandbox_catalog, window=WINDOW, clock=clock)
    server.start()
    yield server
    server.stop()


def services_for(server: SandboxServer, monkeypatch, clock: VirtualClock,
                 quota: int = 3) -> SearchServices:
    """Services on `server`, everything (sandbox included) on the virtual `clock`."""
    app_key, secret = DEMO_CREDENTIALS["vvic"]
    monkeypatch.setenv("VVIC_APP_KEY", app_key)
    monkeypatch.setenv("VVIC_APP_SECRET", secret)
    settings = Settings()
    settings.set("market.vvic.quota_per_minute", quota)
    services = SearchServices.open(settings=settings)
    server.clock = clock
    services.clock, services.sleep = clock, clock.sleep
    services.limiter = QuotaLimiter(QuotaLog(services.paths.data / "quota-test.sqlite3"),
                                    clock=clock, sleeper=clock.limiter_sleep, window=WINDOW)
    return services


def new_batch(server: SandboxServer, monkeypatch, clock: VirtualClock, name: str,
              photos: list[Path], quota: int = 1000) -> tuple[SearchServices, int]:
    """Services on `server` and a vvic batch of `photos` named `name`."""
    services = services_for(server, monkeypatch, clock, quota=quota)
    batch_id = services.batch_queue.create(name, "vvic", [(str(p), None) for p in photos],
                                           endpoint=server.url)
    return services, batch_id


def search_calls(server: SandboxServer) -> list:
    return [c for c in server.call_log if c.endpoint == SEARCH_PATH]


def test_a_batch_spends_the_quota_fully_and_never_exceeds_it(
    quota_sandbox, photos, monkeypatch, clock
) -> None:
    services = services_for(quota_sandbox, monkeypatch, clock)
    queue = services.batch_queue
    batch_id = queue.create("wish list", "vvic", [(str(p), None) for p in photos],
                            endpoint=quota_sandbox.url)
    info = services.batch_runner(batch_id, workers=3).run()
    assert info.state == FINISHED and info.counts == {DONE: 9}
    calls = search_calls(quota_sandbox)
    assert len(calls) == 9 and all(c.status == 200 for c in calls)  # zero rejections
    times = sorted(c.time for c in calls)
    worst = max(sum(1 for t in times if start <= t < start + WINDOW) for start in times)
    assert worst <= 3
    # 9 calls at 3 per window: the last needs two full windows after the first
    assert times[-1] - times[0] >= 2 * WINDOW
    items = queue.items(batch_id)
    assert all(i.search_id and i.group_count and i.cheapest for i in items)
    saved = services.library.get(items[0].search_id)
    assert saved.summary.tags == [f"batch:{batch_id}"]
    assert saved.summary.name.startswith("wish list · 001 · p0.jpg")
    services.close()


def test_duplicates_cost_one_call_and_a_broken_photo_fails_alone(
    sandbox, photos, tmp_path, monkeypatch, clock
) -> None:
    services = services_for(sandbox, monkeypatch, clock, quota=1000)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(photos[1].read_bytes()[:300])
    copy = tmp_path / "copy of p0.jpg"
    copy.write_bytes(photos[0].read_bytes())
    batch = [photos[0], broken, copy, photos[0], photos[2], tmp_path / "missing.jpg"]
    batch_id = services.batch_queue.create("dups", "vvic", [(str(p), None) for p in batch],
                                           endpoint=sandbox.url)
    info = services.batch_runner(batch_id, workers=2).run()
    assert info.counts == {DONE: 2, SKIPPED: 2, FAILED: 2}
    assert len(search_calls(sandbox)) == 2
    items = services.batch_queue.items(batch_id)
    first = items[0] if items[0].state == DONE else next(i for i in items if i.state == DONE)
    for twin in (i for i in items if i.state == SKIPPED):
        assert twin.search_id == first.search_id and twin.duplicate_of == first.id
    messages = {i.name: i.error_message for i in items if i.state == FAILED}
    assert "damaged" in messages["broken.jpg"] and "not found" in messages["missing.jpg"]
    # retry-failed puts them back; they fail again the same way, the rest untouched
    assert services.batch_queue.retry_failed(batch_id) == 2
    again = services.batch_runner(batch_id).run()
    assert again.counts == {DONE: 2, SKIPPED: 2, FAILED: 2}
    assert len(search_calls(sandbox)) == 2
    services.close()


def test_quota_exhausted_pauses_with_resume_time_and_loses_nothing(
    sandbox, photos, monkeypatch, clock
) -> None:
    services, batch_id = new_batch(sandbox, monkeypatch, clock, "long wait", photos[:4])
    sandbox.inject("429-long")  # Retry-After: one day
    runner = None

    def on_event(kind, payload) -> None:
        if kind == "batch" and payload.state == PAUSED and payload.paused_until:
            runner.pause()  # the test does not wait a day

    runner = services.batch_runner(batch_id, workers=1, on_event=on_event)
    info = runner.run()
    assert info.state == PAUSED
    assert info.counts.get(QUEUED) == 4 and not info.counts.get(FAILED)
    assert "resumes at" in info.message
    assert len(sandbox.call_log) == 1  # nothing more was sent after the 429
    # the limiter remembers the penalty: the next run may not call before it either
    assert services.limiter.next_free(
        f"vvic:{DEMO_CREDENTIALS['vvic'][0]}@{sandbox.url}", 1000) > sandbox.clock() + 3600
    services.close()


def test_a_429_with_retry_after_holds_every_worker_until_then(
    sandbox, photos, monkeypatch, clock
) -> None:
    services, batch_id = new_batch(sandbox, monkeypatch, clock, "rush", photos[:4])
    sandbox.inject("429")  # Retry-After: 7
    info = services.batch_runner(batch_id, workers=3).run()
    assert info.state == FINISHED and info.counts == {DONE: 4}
    calls = search_calls(sandbox)
    refused = [c for c in calls if c.status == 429]
    assert len(refused) == 1 and len(calls) == 5  # the refused photo asked once more
    at = refused[0].time
    later = [c.time for c in calls if c.time > at]
    # the other two workers' calls were already on their way when the 429 came (virtual
    # time stands still while a call is in flight); after it, no worker sent anything
    # before the time the platform gave
    in_flight = [t for t in later if t == at]
    assert len(in_flight) <= 2
    assert len(later) - len(in_flight) >= 1 and all(t >= at + 7 for t in later if t != at)
    assert 7 in clock.slept  # the refused photo's retry waited the Retry-After
    assert [i.attempts for i in services.batch_queue.items(batch_id)] == [1, 1, 1, 1]
    services.close()


@pytest.mark.parametrize("stop", ["pause", "cancel"])
def test_pause_or_cancel_keeps_unsent_photos_queued_and_resume_continues(
    sandbox, photos, monkeypatch, clock, stop
) -> None:
    services, batch_id = new_batch(sandbox, monkeypatch, clock, stop, photos)
    runner = None

    def on_event(kind, payload) -> None:
        if kind == "item" and payload.state == DONE:  # the call under way is finished
            runner.pause() if stop == "pause" else runner.cancel.cancel()

    runner = services.batch_runner(batch_id, workers=1, on_event=on_event)
    info = runner.run()
    assert info.state == (PAUSED if stop == "pause" else CANCELLED)
    assert info.paused_until is None and info.counts == {DONE: 1, QUEUED: 8}
    assert services.batch_queue.latest() == batch_id  # offered for resume
    resumed = services.batch_runner(batch_id, workers=2).run()
    assert resumed.state == FINISHED and resumed.counts == {DONE: 9}
    assert len(search_calls(sandbox)) == 9
    assert services.batch_queue.latest() is None  # nothing left to resume
    services.close()


def test_a_batch_runs_in_one_place_at_a_time(sandbox, photos, monkeypatch, clock) -> None:
    services, batch_id = new_batch(sandbox, monkeypatch, clock, "twice", photos[:3])
    refused: list[str] = []

    def on_event(kind, payload) -> None:
        if kind == "item" and payload.state == RUNNING and not refused:
            # a second window or `vvic batch --resume` while this one runs: its running
            # item is a live call, and taking it back would pay for it twice
            with pytest.raises(errors.BatchBusy) as busy:
                services.batch_runner(batch_id).run()
            refused.append(busy.value.message("en"))

    info = services.batch_runner(batch_id, workers=1, on_event=on_event).run()
    assert refused == ["This batch is already running in another window or command. "
                       "Wait for it to finish, or pause it there first."]
    assert info.counts == {DONE: 3} and len(search_calls(sandbox)) == 3
    assert services.batch_runner(batch_id).run().state == FINISHED  # free again after
    services.close()


class _Killed(BaseException):
    """The process dying between the paid answer and the item's `done` (no handler runs)."""


def test_an_answer_paid_for_before_a_crash_is_not_paid_again(
    sandbox, photos, monkeypatch, clock
) -> None:
    from vvic_desktop.storage.batch_queue import BatchQueue

    services, batch_id = new_batch(sandbox, monkeypatch, clock, "crash", photos[:3])
    real_finish = BatchQueue.finish

    def die_before_done(self, item_id, search_id, result) -> None:
        raise _Killed

    monkeypatch.setattr(BatchQueue, "finish", die_before_done)
    monkeypatch.setattr("threading.excepthook", lambda args: None)  # the dying worker
    info = services.batch_runner(batch_id, workers=1).run()
    assert info.state == PAUSED and info.counts == {RUNNING: 1, QUEUED: 2}
    assert len(search_calls(sandbox)) == 1  # paid, answered, never marked done
    monkeypatch.setattr(BatchQueue, "finish", real_finish)
    resumed = services.batch_runner(batch_id, workers=1).run()  # a new process would too
    assert resumed.state == FINISHED and resumed.counts == {DONE: 3}
    assert len(search_calls(sandbox)) == 3  # the first answer came from the result cache
    assert [i.attempts for i in services.batch_queue.items(batch_id)] == [2, 1, 1]
    services.close()


def test_sigkill_mid_batch_then_resume_finishes_every_photo_without_repeats(
    sandbox, photos, data_dir, monkeypatch
) -> None:
    uploads: collections.Counter[str] = collections.Counter()  # image sent -> times
    dispatch = sandbox._dispatch
    count_lock = threading.Lock()
    release = threading.Event()  # the 4th call is held until the process is killed

    def counting(protocol, req, fault):
        if protocol == "vvic" and req.path == SEARCH_PATH:
            image = json.loads(req.raw_body)["image_base64"]
            with count_lock:
                uploads[hashlib.sha256(image.encode()).hexdigest()] += 1
                nth = sum(uploads.values())
            if nth == 4:  # a call in flight at the kill, whatever the machine's speed
                release.wait(120)
        return dispatch(protocol, req, fault)

    monkeypatch.setattr(sandbox, "_dispatch", counting)
    app_key, secret = DEMO_CREDENTIALS["vvic"]
    env = {**os.environ, "VVIC_APP_KEY": app_key, "VVIC_APP_SECRET": secret,
           "VVIC_DESKTOP_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "vvic_desktop.cli", "batch", str(photos[0].parent),
               "--market", "vvic", "--endpoint", sandbox.url, "--workers", "1"]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True, env=env, cwd=REPO)
    done = 0
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.strip().startswith("done"):
            done += 1
            if done == 3:
                break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    release.set()
    before = sum(uploads.values())
    assert 3 <= before <= 4  # the 4th call (if sent) was held: the process got no further
    resume = subprocess.run(
        [sys.executable, "-m", "vvic_desktop.cli", "batch", "--resume"],
        capture_output=True, text=True, env=env, cwd=REPO)
    assert resume.returncode == 0, resume.stderr
    assert "9 done" in resume.stdout
    # the call held at the kill is answered to no one; wait until the log has it too
    until = time.monotonic() + 60
    while len(search_calls(sandbox)) < sum(uploads.values()) and time.monotonic() < until:
        time.sleep(0.01)
    calls = search_calls(sandbox)
    # one call per photo; the one call in flight at the kill may have been charged by the
    # service without its answer ever arriving, and only that one can be asked again
    assert 9 <= len(calls) <= 10
    # counted per image: every photo's image was sent, none whose answer had arrived again
    assert len(uploads) == 9 and sum(uploads.values()) == len(calls)
    assert sum(1 for n in uploads.values() if n > 1) <= 1 and max(uploads.values()) <= 2
    monkeypatch.setenv("VVIC_DESKTOP_DATA_DIR", str(data_dir))
    services = SearchServices.open()
    items = services.batch_queue.items(services.batch_queue.latest(unfinished=False))
    assert [i.state for i in items] == [DONE] * 9
    assert len({i.search_id for i in items}) == 9
    services.close()


def test_workers_follow_the_quota_and_latency() -> None:
    assert workers_for(20) == 2 and workers_for(80) == 5 and workers_for(10_000) == 8


def test_a_runner_drives_any_backend_it_is_handed(tmp_path: Path) -> None:
    """No services, no sandbox: the runner calls out only through its BatchBackend."""
    from vvic_desktop.core.batch import BatchBackend, BatchRunner
    from vvic_desktop.core.models import PreparedImage, SearchResult
    from vvic_desktop.storage.batch_queue import BatchQueue
    from vvic_desktop.storage.db import Database

    database = Database(tmp_path / "library.sqlite3")
    queue = BatchQueue(database)
    photos = ["a.jpg", "b.jpg", "a-again.jpg", "broken.jpg"]
    batch_id = queue.create("fakes", "vvic", [(p, None) for p in photos], auto_crop=False)
    searched: list[str] = []
    saved: list[str] = []
    events: list[str] = []

    def prepare(item, cancel) -> PreparedImage:
        if item.photo == "broken.jpg":
            raise errors.ImageError("torn", reason="torn")
        body = item.photo.replace("-again", "").encode()
        return PreparedImage(jpeg=body, width=800, height=800,
                             sha256=hashlib.sha256(body).hexdigest())

    def search(query, prepared, cancel) -> SearchResult:
        searched.append(query.source)
        return SearchResult(query=query, offers=[], groups=[], image_sha256=prepared.sha256)

    def save(result, item) -> None:
        saved.append(item.photo)  # kept nowhere: no saved search to link the item to

    backend = BatchBackend(search=search, save=save, prepare=prepare,
                           events=lambda kind, payload: events.append(kind),
                           calls_used=lambda: 7)
    runner = BatchRunner(queue, batch_id, backend, workers=1)
    info = runner.run()
    database.close()
    assert (info.state, info.counts) == (FINISHED, {DONE: 2, SKIPPED: 1, FAILED: 1})
    assert searched == saved == ["a.jpg", "b.jpg"]  # the twin is searched once
    assert "item" in events and events[-1] == "batch"
    assert runner.calls_this_minute() == 7


_PAUSED_TEXT = {"en": "Quota exhausted; resumes at {}.",
                "zh_CN": "调用额度已用完，将在 {} 自动继续。"}


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_paused_batch_shows_the_date_when_it_resumes_on_another_day(lang) -> None:
    """The batch's notice follows the quota error's rule (`errors.resume_moment`): the time
    alone when the resume is today, the date too when not (three days on is never today)."""
    errors.set_language(lang)
    later = time.time() + 3 * 86400
    when = dt.datetime.fromtimestamp(later).astimezone().strftime("%Y-%m-%d %H:%M")
    info = BatchInfo(1, "b", "vvic", "", Filters(), PAUSED, later, "", 0.0)
    assert resumes_text(info) == _PAUSED_TEXT[lang].format(when)
    soon = time.time() + 60
    before = time.time()
    text = resumes_text(BatchInfo(1, "b", "vvic", "", Filters(), PAUSED, soon, "", 0.0))
    after = time.time()
    # HH:MM today; with the date only when the minute crosses midnight
    assert text in {_PAUSED_TEXT[lang].format(shown)
                    for shown in shown_resumes([soon], before, after)}
