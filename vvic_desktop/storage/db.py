"""The library database: SQLite with WAL, `PRAGMA user_version` and ordered migrations.

One file (`AppPaths.database`) holds the saved searches, the batch queue, the local
catalog and the purchase list. What it promises:

- **All or nothing.** Every write is one `BEGIN IMMEDIATE … COMMIT`; a process killed in the
  middle leaves the last committed state (WAL, `synchronous=NORMAL`: an app crash loses
  nothing committed; a power cut may lose the last transaction, never consistency).
- **Versioned.** `user_version` is the schema version. Older files are copied aside
  (`library.sqlite3.v<N>.bak`, via SQLite's online backup) and migrated one step per
  transaction, so a kill during a migration leaves the file at the last finished step.
  A file written by a newer app opens read-only, and `notice` says so.
- **Checked.** `PRAGMA quick_check` at start-up; a damaged file is renamed to
  `library.sqlite3.corrupt-<timestamp>`, a fresh one is started, and `notice` tells the user.
- **Never fatal.** A data folder that cannot be written opens the existing file read-only, or,
  without one, an in-memory database for the session; searching goes on and `notice` says
  that nothing is saved.
- **Threads.** One connection per thread (`connection()`), each with a busy timeout, so the
  GUI's storage pool, the batch workers and the CLI can share the file. `close` waits for
  the statements running on other threads (`in_use`) before it closes their connections.

Stray temp files of atomic writes (`.<name>.<random>.tmp`) left by a killed process are
swept from the data folder when the database opens.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from vvic_desktop.core.errors import (
    DatabaseNewer,
    DatabaseRecovered,
    DataDirReadOnly,
    DiskFull,
    LibraryReadOnly,
    StorageError,
)
from vvic_desktop.storage.files import aside_path

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
CLOSE_WAIT_S = 10.0  # `Database.close` waits this long for statements running elsewhere
STRAY_TEMP_AGE_S = 600.0  # a temp file this old belongs to no live write


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


# Ordered; append only. Each step runs in one transaction together with its user_version bump.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "saved searches, their offers and groups, tags",
        (
            """CREATE TABLE searches (
                id INTEGER PRIMARY KEY,
                name TEXT UNIQUE,                 -- NULL: auto-saved, trimmed oldest first
                notes TEXT NOT NULL DEFAULT '',
                created_at REAL NOT NULL,         -- when the search ran (unix time)
                used_at REAL NOT NULL,            -- last saved or opened: the LRU order
                source TEXT NOT NULL,             -- the photo's path or URL as given
                market TEXT NOT NULL,
                endpoint TEXT NOT NULL DEFAULT '',
                crop TEXT,                        -- X,Y,W,H or NULL
                filters TEXT NOT NULL,            -- JSON
                image_sha256 TEXT NOT NULL DEFAULT '',
                query_image TEXT,                 -- sha256 of the prepared JPEG in the store
                query_thumb TEXT,                 -- sha256 of a small JPEG in the store
                result_notes TEXT NOT NULL DEFAULT '[]',
                stats TEXT NOT NULL DEFAULT '{}',
                group_count INTEGER NOT NULL DEFAULT 0,
                offer_count INTEGER NOT NULL DEFAULT 0,
                change_count INTEGER NOT NULL DEFAULT 0,
                refreshed_at REAL,                -- last "search again"
                fulltext TEXT NOT NULL DEFAULT '' -- lower-cased name, notes, titles, stalls
            )""",
            "CREATE INDEX searches_used ON searches (name, used_at)",
            """CREATE TABLE offers (
                search_id INTEGER NOT NULL REFERENCES searches (id) ON DELETE CASCADE,
                position INTEGER NOT NULL,        -- order in SearchResult.offers
                offer_key TEXT NOT NULL,          -- market:item_id
                data TEXT NOT NULL,               -- offer_to_json
                thumb_sha TEXT,                   -- the picture in the thumbnail store
                shortlisted INTEGER NOT NULL DEFAULT 0,
                note TEXT NOT NULL DEFAULT '',
                change TEXT NOT NULL DEFAULT '',  -- '', new, price_down, price_up
                PRIMARY KEY (search_id, position)
            )""",
            "CREATE INDEX offers_thumb ON offers (thumb_sha)",
            """CREATE TABLE style_groups (
                search_id INTEGER NOT NULL REFERENCES searches (id) ON DELETE CASCADE,
                group_index INTEGER NOT NULL,
                group_id TEXT NOT NULL DEFAULT '',
                category TEXT NOT NULL DEFAULT 'default',
                offer_positions TEXT NOT NULL,    -- JSON list, best offer first as grouped
                best_position INTEGER NOT NULL,
                representative_position INTEGER NOT NULL,
                PRIMARY KEY (search_id, group_index)
            )""",
            """CREATE TABLE tags (
                search_id INTEGER NOT NULL REFERENCES searches (id) ON DELETE CASCADE,
                tag TEXT NOT NULL,
                PRIMARY KEY (search_id, tag)
            )""",
        ),
    ),
    Migration(
        2,
        "the batch queue",
        (
            """CREATE TABLE batches (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                created_at REAL NOT NULL,
                market TEXT NOT NULL,
                endpoint TEXT NOT NULL DEFAULT '',
                filters TEXT NOT NULL,            -- JSON
                state TEXT NOT NULL DEFAULT 'active',  -- active, paused, cancelled, finished
                paused_until REAL,                -- quota exhausted: resume at this time
                message TEXT NOT NULL DEFAULT ''
            )""",
            """CREATE TABLE batch_items (
                id INTEGER PRIMARY KEY,
                batch_id INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                photo TEXT NOT NULL,
                crop TEXT,
                image_sha256 TEXT,                -- of the prepared image, once prepared
                state TEXT NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'running', 'done', 'failed', 'skipped')),
                attempts INTEGER NOT NULL DEFAULT 0,
                search_id INTEGER REFERENCES searches (id) ON DELETE SET NULL,
                duplicate_of INTEGER,             -- batch_items.id searched for this photo
                error_code TEXT NOT NULL DEFAULT '',
                error_message TEXT NOT NULL DEFAULT '',  -- in the user's language
                group_count INTEGER,
                cheapest TEXT,                    -- decimal text of the lowest price
                started_at REAL,
                finished_at REAL
            )""",
            "CREATE INDEX batch_items_state ON batch_items (batch_id, state, position)",
        ),
    ),
    Migration(
        3,
        "the local catalog: imported photos and picture embeddings",
        (
            """CREATE TABLE local_items (
                id INTEGER PRIMARY KEY,
                thumb_sha TEXT NOT NULL UNIQUE,   -- the photo in the thumbnail store
                data TEXT NOT NULL,               -- offer_to_json (market 'local')
                source_path TEXT NOT NULL DEFAULT '',
                imported_at REAL NOT NULL
            )""",
            """CREATE TABLE embeddings (
                thumb_sha TEXT NOT NULL,
                embedder TEXT NOT NULL,           -- name and version of the features
                vector BLOB NOT NULL,
                PRIMARY KEY (thumb_sha, embedder)
            )""",
        ),
    ),
    Migration(
        4,
        "the purchase list (进货单): lines with their offer, picture and style group",
        (
            """CREATE TABLE purchase_lines (
                id INTEGER PRIMARY KEY,
                offer_key TEXT NOT NULL,          -- market:item_id
                item_id TEXT NOT NULL,
                data TEXT NOT NULL,               -- offer_to_json: the offer as it was added
                picture BLOB,                     -- a small JPEG, so the line works offline
                thumb_sha TEXT,                   -- the full picture in the store, if any
                quantity INTEGER NOT NULL DEFAULT 1 CHECK (quantity > 0),
                note TEXT NOT NULL DEFAULT '',    -- colour, size …
                group_data TEXT NOT NULL DEFAULT '[]',  -- JSON: the style group's other offers
                source TEXT NOT NULL DEFAULT '',  -- the saved search's name, if any
                search_id INTEGER REFERENCES searches (id) ON DELETE SET NULL,
                added_at REAL NOT NULL,
                changed_at REAL NOT NULL
            )""",
            "CREATE INDEX purchase_lines_item ON purchase_lines (item_id)",
        ),
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1].version

_memory_ids = itertools.count(1)


class Database:
    """The library file, opened safely; see the module docstring for the guarantees."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        migrations: Sequence[Migration] = MIGRATIONS,
        sweep_temp_files: bool = True,
        label: str = "library",
        writes_needed: bool = False,
    ) -> None:
        """`migrations` make the schema of this file (every database of ours opens here:
        the library, the quota log, the result cache); `label` names it in the log.
        `writes_needed`: a file that can only be read is no use (a log, a cache): use an
        in-memory database for the session instead of opening it read-only."""
        self.path = Path(path)
        self.label = label
        self._writes_needed = writes_needed
        self.migrations = tuple(migrations)
        self.schema_version = self.migrations[-1].version if self.migrations else 0
        self.read_only = False
        self.in_memory = False
        self.notice: StorageError | None = None  # what the user should be told, once
        self._uri: str = ""
        self._local = threading.local()
        self._lock = threading.Lock()
        # Statements running now, on any thread (`in_use`): `close` waits for them, as
        # closing a connection while another thread steps it crashes the interpreter.
        self._busy = 0
        self._idle = threading.Condition(self._lock)
        self._depth = threading.local()  # this thread's share of `_busy`
        self._connections: list[sqlite3.Connection] = []
        self._anchor: sqlite3.Connection | None = None  # keeps a memory database alive
        self._open()
        if sweep_temp_files and not self.in_memory:
            sweep_stray_temp_files(self.path.parent)

    # --- opening -------------------------------------------------------------------------

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if not self.path.is_file():
                self._open_in_memory(exc.strerror or str(exc))
                return
        if self.path.exists() and not self._healthy():
            self._set_aside()
        try:
            self._uri = self.path.resolve().as_uri()
            conn = self._connect(self._uri + "?mode=rwc")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > self.schema_version:
                conn.close()
                self._open_read_only(
                    DatabaseNewer("newer schema", found=version, supported=self.schema_version)
                )
                return
            conn.execute("PRAGMA journal_mode=WAL")
            if version < self.schema_version:
                self._migrate(conn, version)
            conn.close()
        except sqlite3.OperationalError as exc:
            if _is_read_only_fault(exc):
                self._open_read_only(
                    DataDirReadOnly(str(exc), folder=str(self.path.parent), reason=str(exc))
                )
                return
            raise _storage_error(exc) from None

    def _healthy(self) -> bool:
        try:
            conn = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True, timeout=10)
        except sqlite3.Error:
            return True  # cannot even open read-only: let the normal path report the cause
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
            return rows == [("ok",)]
        except sqlite3.DatabaseError as exc:
            # WAL in a read-only folder, or a writer busy: not damage
            return _is_read_only_fault(exc) or "locked" in str(exc).lower()
        finally:
            conn.close()

    def _set_aside(self) -> None:
        moved = aside_path(self.path)
        try:
            self.path.replace(moved)
            for suffix in ("-wal", "-shm"):
                side = Path(str(self.path) + suffix)
                if side.exists():
                    side.replace(Path(str(moved) + suffix))
        except OSError as exc:
            raise _storage_error(exc) from None
        log.warning("%s database was damaged; moved to %s", self.label, moved.name)
        self.notice = DatabaseRecovered("quick_check failed", moved_to=moved.name)

    def _open_read_only(self, notice: StorageError) -> None:
        if self._writes_needed:
            self._open_in_memory(notice.detail)
            return
        self.read_only = True
        self.notice = notice
        # immutable=1 reads a WAL file in a folder where no -shm can be created; nobody can
        # write there either, so there is nothing to miss
        for query in ("?mode=ro", "?mode=ro&immutable=1"):
            try:
                conn = self._connect(self._uri + query)
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                conn.close()
                self._uri += query
                return
            except sqlite3.Error:
                continue
        self._open_in_memory(notice.detail)

    def _open_in_memory(self, reason: str) -> None:
        self.in_memory = True
        self.read_only = False
        self.notice = DataDirReadOnly(reason, folder=str(self.path.parent), reason=reason)
        name = self.label.replace(" ", "-")
        self._uri = f"file:vvic-{name}-{os.getpid()}-{next(_memory_ids)}?mode=memory&cache=shared"
        self._anchor = self._connect(self._uri)
        self._migrate(self._anchor, 0, backup=False)

    def _migrate(self, conn: sqlite3.Connection, version: int, *, backup: bool = True) -> None:
        if version > 0 and backup:
            self._backup(conn, version)
        for step in self.migrations:
            if step.version <= version:
                continue
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in step.statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {int(step.version)}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            log.info("%s schema migrated to %d (%s)", self.label, step.version, step.description)

    def _backup(self, conn: sqlite3.Connection, version: int) -> None:
        target = self.path.with_name(f"{self.path.name}.v{version}.bak")
        tmp = target.with_name(target.name + ".tmp")
        dest = sqlite3.connect(tmp)
        try:
            conn.backup(dest)
        finally:
            dest.close()
        os.replace(tmp, target)

    # --- using ---------------------------------------------------------------------------

    def _connect(self, uri: str) -> sqlite3.Connection:
        conn = sqlite3.connect(
            uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
            check_same_thread=False,
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = self._connect(self._uri)
            except sqlite3.Error as exc:
                raise _storage_error(exc) from None
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextlib.contextmanager
    def in_use(self) -> Iterator[None]:
        """Count a use of this thread's connection, so that `close` waits for it."""
        with self._lock:
            self._busy += 1
        self._depth.n = getattr(self._depth, "n", 0) + 1
        try:
            yield
        finally:
            self._depth.n -= 1
            with self._lock:
                self._busy -= 1
                if not self._busy:
                    self._idle.notify_all()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it commits, or none of it."""
        if self.read_only:
            raise LibraryReadOnly("read-only", reason=_notice_reason(self.notice))
        with self.in_use():
            conn = self.connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _storage_error(exc) from None
            try:
                yield conn
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                _rollback(conn)
                raise _storage_error(exc) from None
            except BaseException:
                _rollback(conn)
                raise

    def read(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row | tuple]:
        with self.in_use():
            try:
                return self.connection().execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as exc:
                raise _storage_error(exc) from None

    def integrity_check(self) -> str:
        with self.in_use():
            return str(self.connection().execute("PRAGMA integrity_check").fetchone()[0])

    def version(self) -> int:
        with self.in_use():
            return int(self.connection().execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Close every thread's connection, once the statements running on other threads
        have finished (at most `CLOSE_WAIT_S`; a worker's read may still be stepping when
        the app or a test closes the library). A use that starts later opens a new one."""
        own = getattr(self._depth, "n", 0)  # this thread's own uses cannot finish first
        with self._lock:
            if not self._idle.wait_for(lambda: self._busy <= own, timeout=CLOSE_WAIT_S):
                log.warning("%s: closed with %d statements still running", self.label,
                            self._busy - own)
            for conn in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._connections.clear()
            if self._anchor is not None:
                self._anchor.close()
                self._anchor = None
            self._local = threading.local()


def _rollback(conn: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def _notice_reason(notice: StorageError | None) -> str:
    return notice.code if notice is not None else "read-only"


def _is_read_only_fault(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return any(
        s in text
        for s in ("readonly", "read-only", "unable to open", "permission", "access permission")
    )


def _storage_error(exc: BaseException) -> StorageError:
    text = str(exc)
    lower = text.lower()
    if "full" in lower or "no space" in lower:
        return DiskFull(text)
    if isinstance(exc, sqlite3.Error) and _is_read_only_fault(exc):
        return LibraryReadOnly(text, reason=text)
    if isinstance(exc, OSError):
        return StorageError(exc.strerror or text, reason=exc.strerror or text)
    return StorageError(text, reason=text)


def sweep_stray_temp_files(folder: Path, *, max_age_s: float = STRAY_TEMP_AGE_S) -> int:
    """Remove temp files of atomic writes that no live process is finishing.

    `storage.files.write_atomically` names them `.<target>.<pid>.<random>.tmp`: a file whose
    writer process is gone is removed at once, any other one once it is older than
    `max_age_s` (a pid can be reused; no write takes that long).
    """
    removed = 0
    now = time.time()
    try:
        candidates = [
            p for p in _walk(folder) if p.name.startswith(".") and p.name.endswith(".tmp")
        ]
    except OSError:
        return 0
    for path in candidates:
        pid = _writer_pid(path.name)
        try:
            stale = (pid is not None and pid != os.getpid() and not _alive(pid)) or (
                now - path.stat().st_mtime > max_age_s
            )
            if stale:
                path.unlink()
                removed += 1
        except OSError:
            continue
    if removed:
        log.info("removed %d stray temp files from %s", removed, folder)
    return removed


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder, followlinks=False):
        # the thumbnail shards are two levels deep; nothing else nests
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            yield Path(root) / name


def _writer_pid(name: str) -> int | None:
    parts = name.split(".")
    # "", target parts…, pid, random, "tmp"
    if len(parts) >= 4 and parts[-3].isdigit():
        return int(parts[-3])
    return None


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill would terminate it on Windows: rely on the age rule
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
