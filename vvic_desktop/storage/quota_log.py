"""The quota log's file: every grant and penalty per AppKey, shared by every process.

`core.ratelimit.QuotaLimiter` decides (the sliding-window rule); this module keeps its log
in `quota.sqlite3`, opened like every database of ours (storage/db.py: WAL, user_version
migrations, quick_check with a damaged file set aside, read-only and in-memory fallbacks).
Every `writing()` is one `BEGIN IMMEDIATE` transaction, so two processes cannot both see a
free slot and both take it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator

from vvic_desktop.storage.db import Database, Migration

QUOTA_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "grants and penalties",
        (
            # IF NOT EXISTS: files from before the log had a schema version hold these already
            "CREATE TABLE IF NOT EXISTS grants (key TEXT NOT NULL, at_us INTEGER NOT NULL)",
            "CREATE INDEX IF NOT EXISTS grants_key_at ON grants (key, at_us)",
            "CREATE TABLE IF NOT EXISTS penalties "
            "(key TEXT PRIMARY KEY, until_us INTEGER NOT NULL)",
        ),
    ),
)


class _View:
    """`core.ratelimit.QuotaView` over one connection inside a transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def penalty_until(self, key: str) -> int | None:
        row = self._conn.execute("SELECT until_us FROM penalties WHERE key = ?", (key,)).fetchone()
        return None if row is None else int(row[0])

    def newest_grants(self, key: str, after_us: int, limit: int) -> list[int]:
        return [
            int(at) for (at,) in self._conn.execute(
                "SELECT at_us FROM grants WHERE key = ? AND at_us > ? ORDER BY at_us DESC "
                "LIMIT ?", (key, after_us, limit))
        ]

    def move_future_grants(self, key: str, now_us: int) -> None:
        self._conn.execute(
            "UPDATE grants SET at_us = ? WHERE key = ? AND at_us > ?", (now_us, key, now_us))

    def add_grant(self, key: str, at_us: int) -> None:
        self._conn.execute("INSERT INTO grants (key, at_us) VALUES (?, ?)", (key, at_us))

    def forget_grants(self, key: str, upto_us: int) -> None:
        self._conn.execute("DELETE FROM grants WHERE key = ? AND at_us <= ?", (key, upto_us))

    def raise_penalty(self, key: str, until_us: int) -> None:
        self._conn.execute(
            "INSERT INTO penalties (key, until_us) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET until_us = MAX(until_us, excluded.until_us)",
            (key, until_us),
        )


class QuotaLog:
    """`core.ratelimit.QuotaStore` in an SQLite file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        # a log that cannot be written is kept in memory for the session: the quota is still
        # kept within this process, and searching goes on
        self.db = Database(path, migrations=QUOTA_MIGRATIONS, sweep_temp_files=False,
                           label="quota log", writes_needed=True)

    @contextlib.contextmanager
    def writing(self) -> Iterator[_View]:
        with self.db.transaction() as conn:
            yield _View(conn)

    @contextlib.contextmanager
    def reading(self) -> Iterator[_View]:
        with self.db.in_use():
            yield _View(self.db.connection())

    def grants_since(self, key: str, since_us: int) -> list[int]:
        rows = self.db.read(
            "SELECT at_us FROM grants WHERE key = ? AND at_us > ? ORDER BY at_us", (key, since_us))
        return [int(r[0]) for r in rows]

    def close(self) -> None:
        self.db.close()
