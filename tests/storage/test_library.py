"""The library: saved searches round-trip, stay complete offline, and survive kills and faults."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from library_data import make_result

from vvic_desktop.core.errors import (
    DiskFull,
    LibraryReadOnly,
    NameTaken,
    SearchNotFound,
    StorageError,
)
from vvic_desktop.core.models import OfferMark
from vvic_desktop.storage.db import Database
from vvic_desktop.storage.library import CHANGE_NEW, CHANGE_PRICE_DOWN, CHANGE_PRICE_UP, Library
from vvic_desktop.storage.thumbs import ThumbnailStore

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(data_dir: Path) -> ThumbnailStore:
    return ThumbnailStore(data_dir / "thumbs")


@pytest.fixture
def library(data_dir: Path, store: ThumbnailStore) -> Library:
    db = Database(data_dir / "library.sqlite3")
    yield Library(db, store, max_unnamed=3)
    db.close()


def test_a_saved_search_comes_back_as_it_was(library: Library, store: ThumbnailStore) -> None:
    result = make_result(store, 7, group_size=3)
    search_id = library.save(result, name="春季连衣裙", notes="给王姐看", tags=["春", "裙"])
    saved = library.get("春季连衣裙")
    assert saved.id == search_id == library.resolve(f"#{search_id}")
    assert [o.key for o in saved.result.offers] == [o.key for o in result.offers]
    assert saved.result.offers == result.offers  # prices as Decimal, stalls, everything
    assert [[o.key for o in g.offers] for g in saved.result.groups] == [
        [o.key for o in g.offers] for g in result.groups
    ]
    for old, new in zip(result.groups, saved.result.groups, strict=True):
        assert new.best_offer.key == old.best_offer.key
        assert (new.price_min, new.price_median, new.price_max) == (
            old.price_min, old.price_median, old.price_max)
        assert new.stall_count == old.stall_count
    q = saved.result.query
    assert (q.source, q.market, q.crop) == (result.query.source, "vvic", result.query.crop)
    assert q.filters.price_max == Decimal("150") and q.filters.in_stock_only
    assert saved.result.notes == ["upscaled"]
    assert saved.summary.tags == ["春", "裙"] and saved.summary.notes == "给王姐看"
    assert (saved.summary.group_count, saved.summary.offer_count) == (3, 7)
    # complete offline: every offer's picture and the query image are in the store
    assert library.missing_pictures(search_id) == 0
    assert len(saved.thumbnails) == 7
    assert library.picture(saved.query_image) == result.prepared.jpeg
    assert library.picture(saved.summary.query_thumb)[:2] == b"\xff\xd8"


def test_unnamed_searches_are_trimmed_oldest_first_and_named_ones_kept(
    library: Library, store: ThumbnailStore
) -> None:
    kept = library.save(make_result(store, 2), name="keep me")
    ids = [library.save(make_result(store, 2, source=f"/p/{i}.jpg")) for i in range(5)]
    remaining = {s.id for s in library.list()}
    assert remaining == {kept, *ids[-3:]}
    # opening one makes it recent: it outlives a newer one
    library.get(ids[2], touch=True)
    library.save(make_result(store, 2, source="/p/new.jpg"))
    assert ids[2] in {s.id for s in library.list()}
    assert ids[3] not in {s.id for s in library.list()}
    # naming keeps one forever; clearing the name puts it back into the history
    library.rename(ids[4], "好款")
    for i in range(4):
        library.save(make_result(store, 2, source=f"/q/{i}.jpg"))
    assert library.get("好款").id == ids[4]


def test_full_text_filter_covers_names_notes_tags_titles_stalls_and_offer_notes(
    library: Library, store: ThumbnailStore
) -> None:
    a = library.save(make_result(store, 3), name="Summer dresses", notes="for Ms Li")
    b = library.save(make_result(store, 3, source="/x/coat.jpg"), tags=["外套"])
    library.mark_offer(b, "vvic:item-1", note="质量好 ask for 5% off")
    assert {s.id for s in library.list("summer")} == {a}
    assert {s.id for s in library.list("ms li")} == {a}
    assert {s.id for s in library.list("外套")} == {b}
    assert {s.id for s in library.list("档口1")} == {a, b}  # stall name
    assert {s.id for s in library.list("碎花连衣裙")} == {a, b}  # title
    assert {s.id for s in library.list("质量好")} == {b}  # an offer's note
    assert {s.id for s in library.list("5%")} == {b}  # LIKE wildcards are literal
    assert library.list("nothing-like-this") == []


def test_marks_and_notes_per_offer(library: Library, store: ThumbnailStore) -> None:
    search_id = library.save(make_result(store, 4))
    assert library.mark_offer(search_id, "vvic:item-2", shortlisted=True) == OfferMark(True, "")
    library.mark_offer(search_id, "vvic:item-2", note="最便宜")
    saved = library.get(search_id)
    assert saved.marks == {"vvic:item-2": OfferMark(True, "最便宜")}
    with pytest.raises(SearchNotFound):
        library.mark_offer(search_id, "vvic:nope", shortlisted=True)


def test_search_again_marks_new_listings_and_price_moves_and_keeps_marks(
    library: Library, store: ThumbnailStore
) -> None:
    first = make_result(store, 4, prices=["100.00", "100.00", "100.00", "100.00"])
    search_id = library.save(first, name="watch")
    library.mark_offer(search_id, "vvic:item-1", shortlisted=True, note="ok")
    library.mark_offer(search_id, "vvic:item-3", shortlisted=True)
    again = make_result(store, 6, prices=["100.00", "90.00", "110.00", "100.00", "80", "70"])
    again.offers = [o for o in again.offers if o.item_id != "item-3"]
    again.groups = [g for g in again.groups if all(o.item_id != "item-3" for o in g.offers)]
    saved = library.replace_result(search_id, again)
    assert saved.changes == {
        "vvic:item-1": CHANGE_PRICE_DOWN, "vvic:item-2": CHANGE_PRICE_UP,
        "vvic:item-4": CHANGE_NEW, "vvic:item-5": CHANGE_NEW,
    }
    assert saved.marks == {"vvic:item-1": OfferMark(True, "ok")}  # item-3 is gone
    assert saved.summary.name == "watch" and saved.summary.change_count == 4
    assert saved.summary.refreshed_at is not None


def test_names_are_unique_and_unknown_names_say_so(library: Library, store) -> None:
    library.save(make_result(store, 2), name="A")
    with pytest.raises(NameTaken):
        library.save(make_result(store, 2), name=" A ")
    with pytest.raises(SearchNotFound) as info:
        library.get("B")
    assert "vvic library list" in info.value.message("en")


def test_delete_removes_offers_groups_and_tags(library: Library, store: ThumbnailStore) -> None:
    search_id = library.save(make_result(store, 3), name="gone", tags=["x"])
    library.delete(search_id)
    db = library.db
    for table in ("searches", "offers", "style_groups", "tags"):
        assert db.read(f"SELECT count(*) FROM {table}")[0][0] == 0


def test_a_full_disk_fails_the_save_cleanly_and_keeps_what_was_saved(
    library: Library, store: ThumbnailStore
) -> None:
    library.save(make_result(store, 3), name="before")
    conn = library.db.connection()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    big = make_result(store, 300, group_size=5)
    with pytest.raises(DiskFull) as info:
        library.save(big, name="too big")
    assert "disk is full" in info.value.message("en")
    assert [s.name for s in library.list()] == ["before"]
    assert library.get("before").summary.offer_count == 3
    assert library.db.integrity_check() == "ok"


def test_sigkill_while_saving_leaves_whole_searches_or_none(tmp_path: Path) -> None:
    data = tmp_path / "kill"
    child = textwrap.dedent(
        f"""
        import sys
        sys.path[:0] = [{str(REPO / 'tests')!r}]
        from pathlib import Path
        from library_data import make_result
        from vvic_desktop.storage.db import Database
        from vvic_desktop.storage.library import Library
        from vvic_desktop.storage.thumbs import ThumbnailStore
        data = Path({str(data)!r})
        store = ThumbnailStore(data / "thumbs")
        library = Library(Database(data / "library.sqlite3"), store, max_unnamed=1000)
        n = 0
        while True:
            n += 1
            result = make_result(store, 120, group_size=4, source=f"/p/{{n}}.jpg")
            print("saving", n, flush=True)
            library.save(result)
        """
    )
    rng = random.Random(6)
    for _trial in range(8):
        proc = subprocess.Popen(
            [sys.executable, "-c", child], stdout=subprocess.PIPE, text=True, cwd=REPO
        )
        target = rng.randint(1, 4)
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("saving") and int(line.split()[1]) >= target:
                break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    # a writer that died mid-write leaves a temp file behind; the next start sweeps it
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stray = data / "thumbs" / f".abc.{int(dead.stdout)}.x1y2z3.tmp"
    stray.write_bytes(b"half")
    db = Database(data / "library.sqlite3")
    assert db.integrity_check() == "ok"
    assert not stray.exists()
    leftovers = [p for p in data.rglob("*.tmp")]
    assert leftovers == []
    rows = db.read(
        "SELECT s.offer_count, (SELECT count(*) FROM offers o WHERE o.search_id = s.id), "
        "s.group_count, (SELECT count(*) FROM style_groups g WHERE g.search_id = s.id) "
        "FROM searches s"
    )
    assert rows, "no search was ever committed"
    for offers, offer_rows, groups, group_rows in rows:
        assert (offers, groups) == (offer_rows, group_rows) == (120, 30)
    db.close()


def test_a_corrupt_database_is_moved_aside_and_a_fresh_one_started(
    data_dir: Path, store: ThumbnailStore
) -> None:
    path = data_dir / "library.sqlite3"
    db = Database(path)
    Library(db, store).save(make_result(store, 2), name="lost?")
    db.close()
    raw = bytearray(path.read_bytes())
    raw[100:4096] = os.urandom(3996)  # the schema page
    path.write_bytes(bytes(raw))
    db = Database(path)
    assert db.notice is not None and db.notice.code == "database_recovered"
    moved = [p for p in data_dir.iterdir() if ".corrupt-" in p.name and not p.name.endswith(
        ("-wal", "-shm"))]
    assert len(moved) == 1
    assert moved[0].name in db.notice.message("en")
    library = Library(db, store)
    assert library.list() == []
    library.save(make_result(store, 2), name="fresh")
    assert db.integrity_check() == "ok"
    db.close()


def test_garbage_instead_of_a_database_is_moved_aside(data_dir: Path) -> None:
    path = data_dir / "library.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    db = Database(path)
    assert db.notice is not None and db.notice.code == "database_recovered"
    assert db.version() == db.schema_version
    db.close()


def test_a_newer_database_opens_read_only_with_a_message(data_dir: Path, store) -> None:
    path = data_dir / "library.sqlite3"
    db = Database(path)
    Library(db, store).save(make_result(store, 2), name="from the future")
    db.connection().execute("PRAGMA user_version = 99")
    db.close()
    db = Database(path)
    assert db.read_only and db.notice is not None and db.notice.code == "database_newer"
    assert "99" in db.notice.message("en")
    library = Library(db, store)
    assert library.get("from the future").summary.offer_count == 2  # still readable
    with pytest.raises(LibraryReadOnly):
        library.save(make_result(store, 2))
    db.close()
    with sqlite3.connect(path) as conn:  # untouched
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 99


def test_migrations_run_in_order_with_a_backup_first(data_dir: Path, store) -> None:
    from vvic_desktop.storage import db as dbmod

    path = data_dir / "library.sqlite3"
    old = Database(path, migrations=dbmod.MIGRATIONS[:1])
    Library(old, store).save(make_result(store, 2), name="v1 data")
    old.close()
    db = Database(path)
    assert db.version() == dbmod.SCHEMA_VERSION
    backup = data_dir / "library.sqlite3.v1.bak"
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("SELECT name FROM searches").fetchall() == [("v1 data",)]
    assert Library(db, store).get("v1 data").summary.offer_count == 2
    db.close()


def test_a_failing_migration_step_leaves_the_previous_version(data_dir: Path) -> None:
    from vvic_desktop.storage import db as dbmod

    path = data_dir / "library.sqlite3"
    Database(path, migrations=dbmod.MIGRATIONS[:1]).close()
    broken = (*dbmod.MIGRATIONS[:1], dbmod.Migration(2, "broken", (
        "CREATE TABLE half_done (x)", "THIS IS NOT SQL")))
    with pytest.raises(StorageError):
        Database(path, migrations=broken)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "half_done" not in tables


def test_threads_each_get_a_connection_and_no_write_is_lost(library: Library) -> None:
    import threading

    db = library.db
    with db.transaction() as conn:
        conn.execute("CREATE TABLE counter (n INTEGER)")

    def work() -> None:
        for _ in range(100):
            with db.transaction() as conn:
                conn.execute("INSERT INTO counter VALUES (1)")

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert db.read("SELECT count(*) FROM counter")[0][0] == 600


def _without_capabilities() -> None:
    """In the child before exec: empty the capability bounding set, so that root's program
    starts with no capability at all. Root then obeys file modes like anyone (no
    CAP_DAC_OVERRIDE) while keeping its uid, and so still reads its own checkout (in /root,
    say), which another uid could not."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for cap in range(last + 1):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), f"prctl(PR_CAPBSET_DROP, {cap})")


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_read_only_data_dir_still_opens_saved_searches_and_refuses_saves_clearly() -> None:
    root = Path(tempfile.mkdtemp(prefix="vvic-ro-"))
    try:
        os.chmod(root, 0o755)
        data = root / "data"
        store = ThumbnailStore(data / "thumbs")
        db = Database(data / "library.sqlite3")
        Library(db, store).save(make_result(store, 3), name="saved before")
        db.close()
        for path in [data, *data.rglob("*")]:
            os.chmod(path, 0o555 if path.is_dir() else 0o444)
        script = textwrap.dedent(
            f"""
            import json, sys
            sys.path[:0] = [{str(REPO / 'tests')!r}]
            from pathlib import Path
            from library_data import make_result
            from vvic_desktop.core.errors import VvicError
            from vvic_desktop.storage.db import Database
            from vvic_desktop.storage.library import Library
            from vvic_desktop.storage.thumbs import ThumbnailStore
            data = Path({str(data)!r})
            store = ThumbnailStore(data / "thumbs")
            db = Database(data / "library.sqlite3")
            lib = Library(db, store)
            out = {{"notice": db.notice.code if db.notice else None,
                    "names": [s.name for s in lib.list()],
                    "missing": lib.missing_pictures(lib.resolve("saved before"))}}
            try:
                lib.save(make_result(None, 2))
            except VvicError as exc:
                out["save"] = exc.code
            fresh = Database(data / "sub" / "library.sqlite3")
            out["fresh"] = [fresh.notice.code, fresh.in_memory]
            Library(fresh, store).save(make_result(None, 2), name="session only")
            out["fresh_names"] = [s.name for s in Library(fresh, store).list()]
            print(json.dumps(out))
            """
        )
        # Root ignores the modes above unless it runs without capabilities (Linux); any
        # other user is refused by them as it is.
        as_root = os.geteuid() == 0
        if as_root and not sys.platform.startswith("linux"):
            raise AssertionError("run this test as a normal user on this system")
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              cwd=REPO, env={**os.environ, "HOME": str(root)},
                              preexec_fn=_without_capabilities if as_root else None)
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert out == {
            "notice": "data_dir_read_only", "names": ["saved before"], "missing": 0,
            "save": "library_read_only", "fresh": ["data_dir_read_only", True],
            "fresh_names": ["session only"],
        }
    finally:
        for path in [root, *root.rglob("*")]:
            os.chmod(path, 0o755)
        shutil.rmtree(root)


def test_closing_waits_for_a_statement_running_on_another_thread(tmp_path) -> None:
    """A worker's read still stepping when the app (or a test) closes the library: `close`
    waits for it instead of closing the connection under it (which crashed the interpreter:
    a batch view's storage read against its services' close). The read answers; a later
    use opens a new connection."""
    import threading

    db = Database(tmp_path / "library.sqlite3")
    started, release = threading.Event(), threading.Event()

    def hold() -> int:
        started.set()
        assert release.wait(30)  # let go by `close` itself, once it waits
        return 7

    answer: list[object] = []

    def worker() -> None:
        db.connection().create_function("hold", 0, hold)
        answer.append(db.read("SELECT hold()")[0][0])

    idle = db._idle
    wait_for = idle.wait_for

    def waiting(predicate, timeout=None):  # close is waiting: now the read may finish
        release.set()
        return wait_for(predicate, timeout)

    idle.wait_for = waiting  # type: ignore[method-assign]
    thread = threading.Thread(target=worker)
    thread.start()
    assert started.wait(30)
    db.close()  # returns once the read has stepped to its end
    thread.join(30)
    assert answer == [7]
    assert db.read("SELECT 1")[0][0] == 1  # a new connection after close
    db.close()
