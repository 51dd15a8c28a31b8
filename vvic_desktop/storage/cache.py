"""Result cache: the same prepared photo, market, filters and endpoint cost one API call.

Keyed by the sha256 of the *prepared* JPEG (not of the original file: two different crops
of one photo are different queries, and the same crop of a re-saved file is the same),
the market, `Filters.cache_key()` and the endpoint (a sandbox's results must never answer
for production). Values are JSON; prices keep their exact Decimal text.

The file is opened like every database of ours (storage/db.py: WAL, user_version
migrations, quick_check at open), on first use, with one connection per thread, so the
GUI's worker threads and a CLI can share it. A broken cache never breaks a search: read
errors count as a miss (and a file found damaged is set aside for a fresh one), write
errors are reported to the caller to log; a cache that cannot be written lives in memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from vvic_desktop.core.errors import StorageError
from vvic_desktop.core.models import Offer, Stall
from vvic_desktop.storage.db import Database, Migration

CACHE_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "results",
        (
            # IF NOT EXISTS: files from before the cache had a schema version hold these
            """CREATE TABLE IF NOT EXISTS results (
                image_sha256 TEXT NOT NULL,
                market TEXT NOT NULL,
                filters_key TEXT NOT NULL,
                endpoint TEXT NOT NULL,
                created_at REAL NOT NULL,
                payload TEXT NOT NULL,
                PRIMARY KEY (image_sha256, market, filters_key, endpoint)
            )""",
            "CREATE INDEX IF NOT EXISTS results_created ON results (created_at)",
        ),
    ),
)

FORMAT_VERSION = 1


# --- Offer <-> JSON ------------------------------------------------------------------------


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _json_safe(value: Any) -> Any:
    """Offer.extra holds whatever an adapter kept; JSON gets strings for anything exotic."""
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return {}


def offer_to_json(offer: Offer) -> dict[str, Any]:
    """A JSON-ready dict of `offer`; Decimals as their exact text ("69.00")."""
    return {
        "market": offer.market,
        "item_id": offer.item_id,
        "title": offer.title,
        "price": decimal_text(offer.price),
        "price_max": decimal_text(offer.price_max),
        "image_url": offer.image_url,
        "detail_url": offer.detail_url,
        "stall": {
            "name": offer.stall.name,
            "market": offer.stall.market,
            "position": offer.stall.position,
            "credit_level": offer.stall.credit_level,
            "shop_id": offer.stall.shop_id,
        },
        "stock": offer.stock,
        "sales": offer.sales,
        "min_order": offer.min_order,
        "similarity": offer.similarity,
        "art_no": offer.art_no,
        "extra": _json_safe(offer.extra),
    }


def offer_from_json(data: dict[str, Any]) -> Offer:
    stall = data.get("stall") or {}
    return Offer(
        market=str(data["market"]),
        item_id=str(data["item_id"]),
        title=str(data.get("title", "")),
        price=_decimal(data.get("price")),
        price_max=_decimal(data.get("price_max")),
        image_url=str(data.get("image_url", "")),
        detail_url=str(data.get("detail_url", "")),
        stall=Stall(
            name=str(stall.get("name", "")),
            market=str(stall.get("market", "")),
            position=str(stall.get("position", "")),
            credit_level=str(stall.get("credit_level", "")),
            shop_id=str(stall.get("shop_id", "")),
        ),
        stock=data.get("stock"),
        sales=data.get("sales"),
        min_order=data.get("min_order"),
        similarity=data.get("similarity"),
        art_no=str(data.get("art_no", "")),
        extra=dict(data.get("extra") or {}),
    )


# --- the cache -------------------------------------------------------------------------------


@dataclass(slots=True)
class CachedAnswer:
    offers: list[Offer]
    raw_count: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    created_at: float = 0.0


class ResultCache:
    def __init__(
        self,
        db_path: str | os.PathLike[str],
        ttl_seconds: float = 24 * 3600,
        clock: Callable[[], float] = time.time,
        max_entries: int = 5000,
    ) -> None:
        self.db_path = Path(db_path)
        self.ttl_seconds = float(ttl_seconds)
        self.max_entries = max(1, int(max_entries))
        self._clock = clock
        self._db: Database | None = None
        self._lock = threading.Lock()

    def get(
        self, image_sha256: str, market: str, filters_key: str, endpoint: str = ""
    ) -> CachedAnswer | None:
        """The stored answer if younger than the TTL; None on a miss or any cache fault."""
        if self.ttl_seconds <= 0:
            return None
        try:
            with self._connection() as conn:
                row = conn.execute(
                    "SELECT created_at, payload FROM results WHERE image_sha256 = ? AND "
                    "market = ? AND filters_key = ? AND endpoint = ?",
                    (image_sha256, market, filters_key, endpoint),
                ).fetchone()
        except StorageError:
            return None
        if row is None:
            return None
        created_at, payload = row
        age = self._clock() - created_at
        if age >= self.ttl_seconds or age < -300:  # expired, or written by a clock far ahead
            return None
        try:
            data = json.loads(payload)
            if data.get("format") != FORMAT_VERSION:
                return None
            return CachedAnswer(
                offers=[offer_from_json(item) for item in data["offers"]],
                raw_count=int(data.get("raw_count", 0)),
                skipped=int(data.get("skipped", 0)),
                notes=[str(n) for n in data.get("notes", [])],
                created_at=float(created_at),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None  # an unreadable entry is a miss; the next put replaces it

    def put(
        self,
        image_sha256: str,
        market: str,
        filters_key: str,
        endpoint: str,
        offers: list[Offer],
        *,
        raw_count: int = 0,
        skipped: int = 0,
        notes: list[str] | None = None,
    ) -> None:
        payload = json.dumps(
            {
                "format": FORMAT_VERSION,
                "offers": [offer_to_json(o) for o in offers],
                "raw_count": raw_count,
                "skipped": skipped,
                "notes": list(notes or []),
            },
            ensure_ascii=False,
        )
        now = self._clock()
        with self._connection() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?)",
                (image_sha256, market, filters_key, endpoint, now, payload),
            )
            # expired rows are never read again: drop them while we hold the write lock
            conn.execute("DELETE FROM results WHERE created_at < ?", (now - self.ttl_seconds,))
            # bounded size: a year of daily searching must not grow the file without limit
            conn.execute(
                "DELETE FROM results WHERE rowid IN (SELECT rowid FROM results "
                "ORDER BY created_at DESC LIMIT -1 OFFSET ?)", (self.max_entries,),
            )

    def clear(self) -> int:
        with self._connection() as conn:
            return conn.execute("DELETE FROM results").rowcount

    def __len__(self) -> int:
        with self._connection() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            db, self._db = self._db, None
        if db is not None:
            db.close()

    def _database(self) -> Database:
        with self._lock:
            if self._db is None:
                self._db = Database(self.db_path, migrations=CACHE_MIGRATIONS,
                                    sweep_temp_files=False, label="result cache",
                                    writes_needed=True)
            return self._db

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """One transaction on this thread's connection: all of it commits, or none."""
        try:
            db = self._database()
            with db.transaction() as conn:
                yield conn
        except StorageError as exc:
            if _is_corrupt(exc):
                self._set_aside()
            raise StorageError(f"result cache: {exc.detail}", reason=exc.detail) from exc
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"result cache: {exc}", reason=str(exc)) from exc

    def _set_aside(self) -> None:
        """A damaged cache is only a cache: move it away and start a fresh one next time."""
        self.close()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for suffix in ("", "-wal", "-shm"):
            path = Path(str(self.db_path) + suffix)
            with contextlib.suppress(OSError):
                if suffix:
                    path.unlink()
                else:
                    path.replace(path.with_name(f"{path.name}.corrupt-{stamp}"))


def _is_corrupt(exc: BaseException) -> bool:
    text = str(getattr(exc, "detail", "") or exc).lower()
    return "malformed" in text or "not a database" in text
