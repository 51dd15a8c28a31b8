"""The batch queue's persistence: `batches` and `batch_items` in the library database
(storage/db.py migration 2). Every state change is one transaction, so killing the process
loses nothing; core/batch.py's runner drives it through the `BatchStore` protocol."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from vvic_desktop.core import errors
from vvic_desktop.core.batch import AUTO_CROP, BatchInfo, BatchItem, top_cheapest
from vvic_desktop.core.models import (
    CropBox,
    Filters,
    SearchResult,
    filters_from_json,
    filters_to_json,
)
from vvic_desktop.storage.db import Database


class BatchQueue:
    """The persisted queue: batches and their items (one transaction per change)."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self._clock = clock

    def create(self, name: str, market: str, photos: Sequence[tuple[str, CropBox | None]], *,
               filters: Filters | None = None, endpoint: str = "", auto_crop: bool = True
               ) -> int:
        """A new batch; a photo without a crop is cut to the garment first unless not
        `auto_crop` (`vvic batch --no-crop`); the box found replaces "auto" when done."""
        unset = AUTO_CROP if auto_crop else None
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO batches (name, created_at, market, endpoint, filters) "
                "VALUES (?, ?, ?, ?, ?)",
                (name, self._clock(), market, endpoint,
                 json.dumps(filters_to_json(filters or Filters()))),
            )
            batch_id = int(cursor.lastrowid or 0)
            conn.executemany(
                "INSERT INTO batch_items (batch_id, position, photo, crop) VALUES (?, ?, ?, ?)",
                [(batch_id, i, photo, crop.as_text() if crop else unset)
                 for i, (photo, crop) in enumerate(photos)],
            )
        return batch_id

    def info(self, batch_id: int) -> BatchInfo:
        rows = self.db.read(
            "SELECT id, name, market, endpoint, filters, state, paused_until, message, "
            "created_at FROM batches WHERE id = ?", (batch_id,))
        if not rows:
            raise errors.SearchNotFound("no batch", name=f"batch {batch_id}")
        r = rows[0]
        counts = {str(state): int(n) for state, n in self.db.read(
            "SELECT state, count(*) FROM batch_items WHERE batch_id = ? GROUP BY state",
            (batch_id,))}
        return BatchInfo(int(r[0]), str(r[1]), str(r[2]), str(r[3]),
                         filters_from_json(json.loads(r[4])), str(r[5]), r[6], str(r[7]),
                         float(r[8]), counts)

    def latest(self, *, unfinished: bool = True) -> int | None:
        # unfinished: photos still to search, whether the batch was paused, cancelled (Ctrl+C,
        # Cancel) or its process killed while active
        where = (
            "WHERE state IN ('active', 'paused', 'cancelled') AND EXISTS (SELECT 1 FROM "
            "batch_items i WHERE i.batch_id = batches.id AND i.state IN ('queued', 'running'))"
        ) if unfinished else ""
        rows = self.db.read(f"SELECT id FROM batches {where} ORDER BY id DESC LIMIT 1")
        return int(rows[0][0]) if rows else None

    def items(self, batch_id: int) -> list[BatchItem]:
        rows = self.db.read(
            "SELECT id, batch_id, position, photo, crop, state, attempts, image_sha256, "
            "search_id, duplicate_of, error_code, error_message, group_count, cheapest "
            "FROM batch_items WHERE batch_id = ? ORDER BY position", (batch_id,))
        return [_item(r) for r in rows]

    def item(self, item_id: int) -> BatchItem:
        rows = self.db.read(
            "SELECT id, batch_id, position, photo, crop, state, attempts, image_sha256, "
            "search_id, duplicate_of, error_code, error_message, group_count, cheapest "
            "FROM batch_items WHERE id = ?", (item_id,))
        return _item(rows[0])

    def recover(self, batch_id: int) -> int:
        """Items a dead process left running are queued again; returns how many."""
        with self.db.transaction() as conn:
            return conn.execute(
                "UPDATE batch_items SET state = 'queued' WHERE batch_id = ? AND state = 'running'",
                (batch_id,)).rowcount

    def claim(self, batch_id: int) -> BatchItem | None:
        """The next queued item, now running (attempts + 1); None when none is left."""
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT id FROM batch_items WHERE batch_id = ? AND state = 'queued' "
                "ORDER BY position LIMIT 1", (batch_id,)).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE batch_items SET state = 'running', attempts = attempts + 1, "
                "started_at = ? WHERE id = ?", (self._clock(), row[0]))
        return self.item(int(row[0]))

    def set_hash(self, item_id: int, sha: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE batch_items SET image_sha256 = ? WHERE id = ?", (sha, item_id))

    def finish(self, item_id: int, search_id: int | None, result: SearchResult) -> None:
        cheapest = top_cheapest(result)  # the matching style's, not any style's
        used = result.query.crop.as_text() if result.query.crop else None
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE batch_items SET state = 'done', search_id = ?, group_count = ?, "
                "cheapest = ?, error_code = '', error_message = '', finished_at = ?, "
                "crop = CASE WHEN ? IS NOT NULL THEN ? WHEN crop = ? THEN NULL ELSE crop END "
                "WHERE id = ?",
                (search_id, len(result.groups), cheapest, self._clock(), used, used, AUTO_CROP,
                 item_id))

    def skip_duplicate(self, item: BatchItem, first: BatchItem) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE batch_items SET state = 'skipped', duplicate_of = ?, search_id = ?, "
                "group_count = ?, cheapest = ?, finished_at = ? WHERE id = ?",
                (first.id, first.search_id, first.group_count,
                 str(first.cheapest) if first.cheapest is not None else None, self._clock(),
                 item.id))

    def fail(self, item_id: int, error: errors.VvicError) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE batch_items SET state = 'failed', error_code = ?, error_message = ?, "
                "finished_at = ? WHERE id = ?",
                (error.code, error.message(), self._clock(), item_id))

    def requeue(self, item_id: int) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE batch_items SET state = 'queued' WHERE id = ?", (item_id,))

    def set_state(self, batch_id: int, state: str, *, paused_until: float | None = None,
                  message: str = "") -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE batches SET state = ?, paused_until = ?, message = ? WHERE id = ?",
                (state, paused_until, message, batch_id))

    def retry_failed(self, batch_id: int) -> int:
        with self.db.transaction() as conn:
            count = conn.execute(
                "UPDATE batch_items SET state = 'queued', error_code = '', error_message = '' "
                "WHERE batch_id = ? AND state = 'failed'", (batch_id,)).rowcount
            conn.execute("UPDATE batches SET state = 'active', message = '' WHERE id = ?",
                         (batch_id,))
        return count


def _item(r: Sequence[Any]) -> BatchItem:
    return BatchItem(
        id=int(r[0]), batch_id=int(r[1]), position=int(r[2]), photo=str(r[3]),
        crop=CropBox.parse(r[4]) if r[4] and r[4] != AUTO_CROP else None,
        state=str(r[5]), attempts=int(r[6]),
        image_sha256=r[7], search_id=r[8], duplicate_of=r[9], error_code=str(r[10]),
        error_message=str(r[11]), group_count=r[12],
        cheapest=Decimal(r[13]) if r[13] is not None else None, auto_crop=r[4] == AUTO_CROP,
    )
