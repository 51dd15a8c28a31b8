"""The purchase list (进货单), one per data folder, in the library database.

Each line keeps a snapshot of its offer as it was added (title, price, stall, market,
position, MOQ, link, 货号), a small JPEG of its picture in the row itself, and the other
offers of its style group (with the sha of their pictures in the thumbnail store), so that
the list, its cheaper-stall hints and its exports work with the network gone and never change
under the buyer when a search is run again. The plan (walking order, totals, MOQ) is
`core.purchase.build_plan` over `PurchaseList.lines()`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from vvic_desktop.core.errors import StorageError, VvicError
from vvic_desktop.core.models import Offer, StyleGroup
from vvic_desktop.core.purchase import (
    MAX_QUANTITY,
    PurchaseLine,
    PurchasePlan,
    build_plan,
    clamp_quantity,
    swap_line,
)
from vvic_desktop.storage.cache import offer_from_json, offer_to_json
from vvic_desktop.storage.db import Database
from vvic_desktop.storage.thumbs import ThumbnailStore, small_jpeg, stored_picture_sha

log = logging.getLogger(__name__)

LINE_PICTURE_PX = 160  # kept in the row: list, XLSX and HTML pictures all come from it
MAX_NOTE_CHARS = 200
MAX_GROUP_OFFERS = 60


class PurchaseLineNotFound(StorageError):
    code = "purchase_line_not_found"
    zh = "进货单里没有“{item}”。用 `vvic purchase list` 查看进货单。"
    en = "“{item}” is not on the purchase list. `vvic purchase list` shows the list."


class OfferNotInSearch(StorageError):
    code = "offer_not_in_search"
    zh = "已保存的搜索“{search}”里没有商品“{item}”。用 `vvic library show {search}` 查看其商品。"
    en = ("The saved search “{search}” has no listing “{item}”. "
          "`vvic library show {search}` lists its listings.")


class BadQuantity(VvicError):
    code = "bad_quantity"
    zh = "数量必须是 1 到 {maximum} 之间的整数，收到的是“{value}”。"
    en = "The quantity must be a whole number from 1 to {maximum}; got “{value}”."


def check_quantity(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadQuantity("not a number", value=value, maximum=MAX_QUANTITY) from None
    if not 1 <= number <= MAX_QUANTITY:
        raise BadQuantity("out of range", value=value, maximum=MAX_QUANTITY)
    return number


class PurchaseList:
    """Lines of the purchase list; every change is one transaction."""

    def __init__(
        self, db: Database, thumbnails: ThumbnailStore, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.db = db
        self.thumbnails = thumbnails
        self._clock = clock

    # --- writing -------------------------------------------------------------------------

    def add(
        self,
        offer: Offer,
        *,
        quantity: int = 1,
        note: str = "",
        group: StyleGroup | Sequence[Offer] | None = None,
        source: str = "",
        search_id: int | None = None,
        pictures: dict[str, str] | None = None,
    ) -> int:
        """Add `offer` (or, when the same offer with the same note is there, add to its
        quantity); returns the line's id. `pictures`: Offer.key → sha in the store, for
        offers whose picture URL the store does not know (a saved search's own map)."""
        quantity = check_quantity(quantity)
        note = " ".join(note.split())[:MAX_NOTE_CHARS]
        members = list(group.offers if isinstance(group, StyleGroup) else group or [])
        others = [o for o in members if o.key != offer.key][:MAX_GROUP_OFFERS]
        pictures = pictures or {}
        sha = pictures.get(offer.key) or self._sha_for(offer)
        picture = self._small_picture(sha)
        group_json = json.dumps(
            [{"offer": offer_to_json(o), "thumb_sha": pictures.get(o.key) or self._sha_for(o)}
             for o in others],
            ensure_ascii=False,
        )
        now = self._clock()
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT id, quantity FROM purchase_lines WHERE offer_key = ? AND note = ?",
                (offer.key, note),
            ).fetchone()
            if row is not None:
                conn.execute(
                    "UPDATE purchase_lines SET quantity = ?, changed_at = ? WHERE id = ?",
                    (clamp_quantity(int(row[1]) + quantity), now, int(row[0])),
                )
                return int(row[0])
            cursor = conn.execute(
                "INSERT INTO purchase_lines (offer_key, item_id, data, picture, thumb_sha, "
                "quantity, note, group_data, source, search_id, added_at, changed_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    offer.key, offer.item_id,
                    json.dumps(offer_to_json(offer), ensure_ascii=False), picture, sha,
                    quantity, note, group_json, source, search_id, now, now,
                ),
            )
            return int(cursor.lastrowid or 0)

    def add_from_saved(self, saved: Any, item_id: str, *, quantity: int = 1, note: str = ""
                       ) -> int:
        """Add a listing of a saved search (by item id or market:item_id), with its group."""
        result = saved.result
        offer = next((o for o in result.offers if item_id in (o.item_id, o.key)), None)
        if offer is None:
            raise OfferNotInSearch("no such offer", search=saved.summary.title, item=item_id)
        group = next((g for g in result.groups if any(o.key == offer.key for o in g.offers)),
                     None)
        return self.add(offer, quantity=quantity, note=note, group=group,
                        source=saved.summary.title, search_id=saved.id,
                        pictures=dict(saved.thumbnails))

    def set_quantity(self, line_id: int, quantity: int) -> None:
        quantity = check_quantity(quantity)
        with self.db.transaction() as conn:
            self._require(conn, line_id)
            conn.execute("UPDATE purchase_lines SET quantity = ?, changed_at = ? WHERE id = ?",
                         (quantity, self._clock(), line_id))

    def set_note(self, line_id: int, note: str) -> None:
        note = " ".join(note.split())[:MAX_NOTE_CHARS]
        with self.db.transaction() as conn:
            self._require(conn, line_id)
            conn.execute("UPDATE purchase_lines SET note = ?, changed_at = ? WHERE id = ?",
                         (note, self._clock(), line_id))

    def swap(self, line_id: int, offer_key: str) -> PurchaseLine:
        """Take the line from another offer of its style group (the cheaper stall)."""
        line = self.line(line_id)
        target = next((o for o in line.group if o.key == offer_key), None)
        if target is None:
            raise PurchaseLineNotFound("not in the group", item=offer_key)
        swapped = swap_line(line, target)
        picture = self._small_picture(swapped.picture or self._sha_for(target))
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE purchase_lines SET offer_key = ?, item_id = ?, data = ?, picture = ?, "
                "thumb_sha = ?, group_data = ?, changed_at = ? WHERE id = ?",
                (
                    target.key, target.item_id,
                    json.dumps(offer_to_json(target), ensure_ascii=False),
                    picture, swapped.picture or None,
                    _group_json(swapped), self._clock(), line_id,
                ),
            )
        log.info("purchase: line %s swapped to %s", line_id, target.key)
        return self.line(line_id)

    def remove(self, ref: int | str) -> int:
        """Remove a line by its id (int), or every line of an item id / market:item_id;
        returns how many went."""
        with self.db.transaction() as conn:
            if isinstance(ref, int):
                cursor = conn.execute("DELETE FROM purchase_lines WHERE id = ?", (ref,))
            else:
                cursor = conn.execute(
                    "DELETE FROM purchase_lines WHERE item_id = ? OR offer_key = ?", (ref, ref))
            removed = cursor.rowcount
        if not removed:
            raise PurchaseLineNotFound("no such line", item=str(ref))
        return int(removed)

    def clear(self) -> int:
        with self.db.transaction() as conn:
            return int(conn.execute("DELETE FROM purchase_lines").rowcount)

    # --- reading -------------------------------------------------------------------------

    def lines(self) -> list[PurchaseLine]:
        """Every line, in the order added."""
        rows = self.db.read(
            "SELECT id, data, quantity, note, group_data, source, thumb_sha "
            "FROM purchase_lines ORDER BY added_at, id")
        out = []
        for row in rows:
            try:
                out.append(_line(row))
            except (ValueError, KeyError, TypeError) as exc:  # one bad row never sinks all
                log.warning("purchase: line %s unreadable: %s", row[0], exc)
        return out

    def line(self, line_id: int) -> PurchaseLine:
        rows = self.db.read(
            "SELECT id, data, quantity, note, group_data, source, thumb_sha "
            "FROM purchase_lines WHERE id = ?", (line_id,))
        if not rows:
            raise PurchaseLineNotFound("no such line", item=f"#{line_id}")
        return _line(rows[0])

    def plan(self) -> PurchasePlan:
        return build_plan(self.lines())

    def count(self) -> int:
        return int(self.db.read("SELECT count(*) FROM purchase_lines")[0][0])

    def pictures(self) -> dict[int, bytes]:
        """Line id → its small JPEG (lines without a picture are absent)."""
        return {
            int(i): bytes(p)
            for i, p in self.db.read(
                "SELECT id, picture FROM purchase_lines WHERE picture IS NOT NULL")
        }

    def picture_lookup(self) -> Callable[[PurchaseLine], bytes | None]:
        pictures = self.pictures()
        return lambda line: pictures.get(line.id)

    def export(self, path: Path, *, language: str | None = None) -> str:
        """Write the plan to `path` (.xlsx, .html or .txt); returns the format written."""
        from vvic_desktop.storage.purchase_export import export_plan

        return export_plan(self.plan(), path, self.picture_lookup(), language=language)

    # --- internals -----------------------------------------------------------------------

    def _sha_for(self, offer: Offer) -> str | None:
        return stored_picture_sha(self.thumbnails, offer.image_url)

    def _small_picture(self, sha: str | None) -> bytes | None:
        if not sha:
            return None
        try:
            data = self.thumbnails.get(sha)
        except (StorageError, ValueError):
            return None
        if not data:
            return None
        from PIL import Image

        try:
            return small_jpeg(data, LINE_PICTURE_PX)
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            log.info("purchase: picture %s unusable: %s", sha[:12], exc)
            return None

    def _require(self, conn: Any, line_id: int) -> None:
        if conn.execute("SELECT 1 FROM purchase_lines WHERE id = ?", (line_id,)).fetchone() is None:
            raise PurchaseLineNotFound("no such line", item=f"#{line_id}")


def _line(row: Sequence[Any]) -> PurchaseLine:
    line_id, data, quantity, note, group_data, source, thumb = row
    group: list[Offer] = []
    pictures: dict[str, str] = {}
    for entry in json.loads(group_data or "[]"):
        try:
            other = offer_from_json(entry["offer"])
        except (KeyError, TypeError, ValueError):
            continue
        group.append(other)
        if entry.get("thumb_sha"):
            pictures[other.key] = str(entry["thumb_sha"])
    return PurchaseLine(
        id=int(line_id), offer=offer_from_json(json.loads(data)), quantity=int(quantity),
        note=str(note), group=tuple(group), source=str(source), picture=str(thumb or ""),
        group_pictures=pictures,
    )


def _group_json(line: PurchaseLine) -> str:
    return json.dumps(
        [{"offer": offer_to_json(o), "thumb_sha": line.group_pictures.get(o.key)}
         for o in line.group],
        ensure_ascii=False,
    )
