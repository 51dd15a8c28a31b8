"""Saved searches: the query, its offers and groups as they were, the buyer's marks and notes.

A saved search is complete offline: every offer's picture is referenced by its sha256 in the
content-addressed `ThumbnailStore`, and the prepared query image is kept there too (so "search
again" works even when the original photo has moved). Saving is one transaction: a kill in
the middle leaves the whole search or none of it.

Searches without a name are the auto-saved history, trimmed to `max_unnamed` by last use;
naming one keeps it forever. "Search again" (`replace_result`) swaps in the fresh offers and
marks what changed (a new listing, a price up or down), keeping names, notes, tags and every
mark on offers that are still there.
"""

from __future__ import annotations

import builtins  # `list` in the class body is Library.list
import dataclasses
import datetime as _dt
import json
import logging
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vvic_desktop.core.errors import NameTaken, SearchNotFound, StorageError
from vvic_desktop.core.models import (
    CropBox,
    Offer,
    OfferMark,
    SearchQuery,
    SearchResult,
    StyleGroup,
    filters_from_json,
    filters_to_json,
)
from vvic_desktop.storage.cache import offer_from_json, offer_to_json
from vvic_desktop.storage.db import Database
from vvic_desktop.storage.thumbs import ThumbnailStore, small_jpeg, stored_picture_sha

if TYPE_CHECKING:
    from vvic_desktop.storage.export import ExportSection

log = logging.getLogger(__name__)

DEFAULT_MAX_UNNAMED = 200
QUERY_THUMB_PX = 240
CHANGE_NEW = "new"
CHANGE_PRICE_DOWN = "price_down"
CHANGE_PRICE_UP = "price_up"


@dataclass(slots=True)
class SearchSummary:
    """One line of the library list."""

    id: int
    name: str | None
    notes: str
    created_at: _dt.datetime
    market: str
    source: str
    group_count: int
    offer_count: int
    change_count: int
    query_thumb: str | None  # sha256 in the thumbnail store
    tags: list[str] = field(default_factory=list)
    refreshed_at: _dt.datetime | None = None

    @property
    def title(self) -> str:
        """The name, or for an unnamed search the photo's file name."""
        if self.name:
            return self.name
        tail = re.split(r"[\\/]", self.source.rstrip("/\\"))[-1]
        return tail or self.source


@dataclass(slots=True)
class SavedSearch:
    summary: SearchSummary
    result: SearchResult
    thumbnails: dict[str, str]  # Offer.key -> sha256 of its picture in the store
    marks: dict[str, OfferMark]  # Offer.key -> shortlist star and note
    changes: dict[str, str]  # Offer.key -> new | price_down | price_up (last search again)
    endpoint: str = ""
    query_image: str | None = None  # sha256 of the prepared JPEG in the store

    @property
    def id(self) -> int:
        return self.summary.id


class Library:
    def __init__(
        self,
        db: Database,
        thumbnails: ThumbnailStore,
        *,
        max_unnamed: int = DEFAULT_MAX_UNNAMED,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.thumbnails = thumbnails
        self.max_unnamed = max(1, int(max_unnamed))
        self._clock = clock
        # called with a saved search's id once its offers are stored (a save, a search
        # again): the local catalog embeds the new pictures then, never at query time
        self.saved_listeners: list[Callable[[int], None]] = []

    def _saved(self, search_id: int) -> None:
        for listener in self.saved_listeners:
            try:
                listener(search_id)
            except Exception:  # the search is saved; its pictures are caught up later
                log.warning("after saving search %s", search_id, exc_info=True)

    # --- writing -------------------------------------------------------------------------

    def save(
        self,
        result: SearchResult,
        *,
        name: str | None = None,
        notes: str = "",
        tags: Iterable[str] = (),
        endpoint: str = "",
    ) -> int:
        """Store `result` (one transaction) and return its id.

        Offer pictures must already be in the thumbnail store (the pipeline fetched them for
        grouping); an offer whose picture is missing is saved without one.
        """
        name = _clean_name(name)
        query_image, query_thumb = self._store_query_image(result)
        now = self._clock()
        with self.db.transaction() as conn:
            if name is not None:
                self._check_name_free(conn, name, None)
            cursor = conn.execute(
                "INSERT INTO searches (name, notes, created_at, used_at, source, market, "
                "endpoint, crop, filters, image_sha256, query_image, query_thumb, "
                "result_notes, stats) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    name, notes, result.created_at.timestamp(), now, result.query.source,
                    result.query.market, endpoint,
                    result.query.crop.as_text() if result.query.crop else None,
                    json.dumps(filters_to_json(result.query.filters)), result.image_sha256,
                    query_image, query_thumb, json.dumps(list(result.notes), ensure_ascii=False),
                    json.dumps(dict(result.stats)),
                ),
            )
            search_id = int(cursor.lastrowid or 0)
            self._write_offers(conn, search_id, result, marks={}, changes={})
            self._write_tags(conn, search_id, tags)
            self._refresh_fulltext(conn, search_id)
            if name is None:
                self._trim_unnamed(conn)
        self._saved(search_id)
        return search_id

    def find_repeat(self, result: SearchResult) -> int | None:
        """The unnamed saved search that `result` repeats (the same photo, market, crop and
        filters), newest first; None when there is none. A repeated search updates that entry
        (with what changed marked, as "search again") instead of adding a duplicate; a named
        search is never touched by a repeat."""
        if not result.image_sha256:
            return None
        crop = result.query.crop.as_text() if result.query.crop else None
        filters = json.dumps(filters_to_json(result.query.filters))
        rows = self.db.read(
            "SELECT id FROM searches WHERE name IS NULL AND image_sha256 = ? AND market = ? "
            "AND crop IS ? AND filters = ? ORDER BY id DESC LIMIT 1",
            (result.image_sha256, result.query.market, crop, filters),
        )
        return int(rows[0][0]) if rows else None

    def replace_result(self, search_id: int, result: SearchResult, *,
                       appended: bool = False) -> SavedSearch:
        """"Search again": the fresh offers replace the old, with what changed marked.
        `appended` ("load more"): `result` is the saved one with a further page joined in:
        the marks and changes stay as they were, and so does the search's date."""
        old = self.get(search_id)
        keys = {o.key for o in result.offers}
        changes = ({k: c for k, c in old.changes.items() if k in keys} if appended
                   else diff_offers(old.result.offers, result.offers))
        marks = {k: m for k, m in old.marks.items() if k in keys}
        if appended:
            result = dataclasses.replace(result, created_at=old.result.created_at)
        query_image, query_thumb = self._store_query_image(result)
        now = self._clock()
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM offers WHERE search_id = ?", (search_id,))
            conn.execute("DELETE FROM style_groups WHERE search_id = ?", (search_id,))
            conn.execute(
                "UPDATE searches SET created_at = ?, used_at = ?, refreshed_at = ?, "
                "image_sha256 = ?, query_image = COALESCE(?, query_image), "
                "query_thumb = COALESCE(?, query_thumb), result_notes = ?, stats = ?, "
                "filters = ? WHERE id = ?",
                (
                    result.created_at.timestamp(), now, now, result.image_sha256, query_image,
                    query_thumb, json.dumps(list(result.notes), ensure_ascii=False),
                    json.dumps(dict(result.stats)),
                    json.dumps(filters_to_json(result.query.filters)), search_id,
                ),
            )
            self._write_offers(conn, search_id, result, marks=marks, changes=changes)
            self._refresh_fulltext(conn, search_id)
        self._saved(search_id)
        return self.get(search_id)

    def rename(self, search_id: int, name: str | None) -> None:
        """Name a search (it is then kept forever), or clear the name (back into history)."""
        name = _clean_name(name)
        with self.db.transaction() as conn:
            self._require(conn, search_id)
            if name is not None:
                self._check_name_free(conn, name, search_id)
            conn.execute("UPDATE searches SET name = ? WHERE id = ?", (name, search_id))
            self._refresh_fulltext(conn, search_id)

    def set_notes(self, search_id: int, notes: str) -> None:
        with self.db.transaction() as conn:
            self._require(conn, search_id)
            conn.execute("UPDATE searches SET notes = ? WHERE id = ?", (notes, search_id))
            self._refresh_fulltext(conn, search_id)

    def set_tags(self, search_id: int, tags: Iterable[str]) -> None:
        with self.db.transaction() as conn:
            self._require(conn, search_id)
            conn.execute("DELETE FROM tags WHERE search_id = ?", (search_id,))
            self._write_tags(conn, search_id, tags)
            self._refresh_fulltext(conn, search_id)

    def mark_offer(
        self,
        search_id: int,
        offer_key: str,
        *,
        shortlisted: bool | None = None,
        note: str | None = None,
    ) -> OfferMark:
        with self.db.transaction() as conn:
            if shortlisted is not None:
                conn.execute(
                    "UPDATE offers SET shortlisted = ? WHERE search_id = ? AND offer_key = ?",
                    (int(shortlisted), search_id, offer_key),
                )
            if note is not None:
                conn.execute(
                    "UPDATE offers SET note = ? WHERE search_id = ? AND offer_key = ?",
                    (note, search_id, offer_key),
                )
            row = conn.execute(
                "SELECT shortlisted, note FROM offers WHERE search_id = ? AND offer_key = ?",
                (search_id, offer_key),
            ).fetchone()
            if row is None:
                raise SearchNotFound("no such offer", name=f"{search_id}/{offer_key}")
            if note is not None:
                self._refresh_fulltext(conn, search_id)
        return OfferMark(bool(row[0]), str(row[1]))

    def delete(self, search_id: int) -> None:
        with self.db.transaction() as conn:
            self._require(conn, search_id)
            conn.execute("DELETE FROM searches WHERE id = ?", (search_id,))

    # --- reading -------------------------------------------------------------------------

    def list(self, text: str = "", *, limit: int | None = None) -> list[SearchSummary]:
        """Saved searches, newest first; `text` filters on names, notes, tags, titles, stalls."""
        where, params = _text_filter(text)
        sql = f"SELECT {_SUMMARY_COLUMNS} FROM searches {where} ORDER BY created_at DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self.db.read(sql, params)
        tags = self._tags_for([int(r[0]) for r in rows])
        return [_summary(r, tags.get(int(r[0]), [])) for r in rows]

    def resolve(self, ref: int | str) -> int:
        """A saved search by name, or by id (`12` or `#12`)."""
        if isinstance(ref, int):
            rows = self.db.read("SELECT id FROM searches WHERE id = ?", (ref,))
        else:
            rows = self.db.read("SELECT id FROM searches WHERE name = ?", (ref,))
            digits = ref.lstrip("#")
            if not rows and digits.isdigit():
                rows = self.db.read("SELECT id FROM searches WHERE id = ?", (int(digits),))
        if not rows:
            raise SearchNotFound("not found", name=str(ref))
        return int(rows[0][0])

    def get(self, ref: int | str, *, touch: bool = False) -> SavedSearch:
        search_id = self.resolve(ref)
        row = self.db.read(
            f"SELECT {_SUMMARY_COLUMNS}, endpoint, crop, filters, image_sha256, query_image, "
            "result_notes, stats FROM searches WHERE id = ?",
            (search_id,),
        )[0]
        summary = _summary(row, self._tags_for([search_id]).get(search_id, []))
        endpoint, crop, filters, image_sha, query_image, result_notes, stats = row[-7:]
        offer_rows = self.db.read(
            "SELECT position, offer_key, data, thumb_sha, shortlisted, note, change FROM offers "
            "WHERE search_id = ? ORDER BY position",
            (search_id,),
        )
        offers: dict[int, Offer] = {}
        thumbs: dict[str, str] = {}
        marks: dict[str, OfferMark] = {}
        changes: dict[str, str] = {}
        for position, key, data, thumb, shortlisted, note, change in offer_rows:
            offer = offer_from_json(json.loads(data))
            offers[int(position)] = offer
            if thumb:
                thumbs[key] = thumb
            if shortlisted or note:
                marks[key] = OfferMark(bool(shortlisted), str(note))
            if change:
                changes[key] = change
        groups = [
            _group(offers, r)
            for r in self.db.read(
                "SELECT group_id, category, offer_positions, best_position, "
                "representative_position FROM style_groups WHERE search_id = ? "
                "ORDER BY group_index",
                (search_id,),
            )
        ]
        query = SearchQuery(
            source=summary.source,
            market=summary.market,
            crop=CropBox.parse(crop) if crop else None,
            filters=filters_from_json(json.loads(filters)),
        )
        result = SearchResult(
            query=query,
            offers=[offers[p] for p in sorted(offers)],
            groups=groups,
            image_sha256=image_sha,
            notes=[str(n) for n in json.loads(result_notes)],
            stats={str(k): int(v) for k, v in json.loads(stats).items()},
            created_at=summary.created_at,
        )
        if touch and not self.db.read_only:
            try:
                with self.db.transaction() as conn:
                    conn.execute(
                        "UPDATE searches SET used_at = ? WHERE id = ?", (self._clock(), search_id)
                    )
            except StorageError as exc:  # opening must work on a full or read-only disk
                log.info("library: last-used time not updated: %s", exc.detail)
        return SavedSearch(
            summary=summary, result=result, thumbnails=thumbs, marks=marks, changes=changes,
            endpoint=str(endpoint), query_image=query_image,
        )

    def picture(self, sha: str | None) -> bytes | None:
        """Bytes of a stored picture (an offer thumbnail or the query image)."""
        if not sha:
            return None
        try:
            return self.thumbnails.get(sha)
        except (StorageError, ValueError):
            return None

    def thumbnail_lookup(self, saved: SavedSearch) -> Callable[[Offer], bytes | None]:
        """For exports: an offer's picture from the store, no network."""
        return lambda offer: self.picture(saved.thumbnails.get(offer.key))

    def export_section(self, saved: SavedSearch, *, title: str | None = None,
                       best_only: bool = False) -> ExportSection:
        """A saved search as exports show it: query photo, marks and changes included."""
        from vvic_desktop.storage.export import ExportSection

        return ExportSection(
            title=title or saved.summary.title, result=saved.result,
            query_image=self.picture(saved.query_image), marks=dict(saved.marks),
            changes=dict(saved.changes), best_only=best_only,
        )

    def export(self, ref: int | str, path: Path, *, language: str | None = None) -> str:
        """Write one saved search to `path` (format by suffix) from the library alone."""
        from vvic_desktop.storage.export import export_sections

        saved = self.get(ref)
        return export_sections([self.export_section(saved)], path,
                               self.thumbnail_lookup(saved), language=language)

    def missing_pictures(self, search_id: int) -> int:
        """How many saved offers have no picture in the store (0 for a complete search)."""
        rows = self.db.read("SELECT thumb_sha FROM offers WHERE search_id = ?", (search_id,))
        return sum(1 for (sha,) in rows if not sha or not self.thumbnails.has(sha))

    def __len__(self) -> int:
        return int(self.db.read("SELECT count(*) FROM searches")[0][0])

    # --- internals -----------------------------------------------------------------------

    def _store_query_image(self, result: SearchResult) -> tuple[str | None, str | None]:
        prepared = result.prepared
        if prepared is None or not prepared.jpeg:
            return None, None
        try:
            return self.thumbnails.put(prepared.jpeg), self.thumbnails.put(
                small_jpeg(prepared.jpeg, QUERY_THUMB_PX)
            )
        except (StorageError, OSError, ValueError) as exc:
            log.warning("library: query image not stored: %s", exc)
            return None, None

    def _write_offers(
        self,
        conn: sqlite3.Connection,
        search_id: int,
        result: SearchResult,
        *,
        marks: dict[str, OfferMark],
        changes: dict[str, str],
    ) -> None:
        offers = list(result.offers)
        positions = {id(o): i for i, o in enumerate(offers)}
        for group in result.groups:  # a group member missing from offers still gets saved
            for offer in group.offers:
                if id(offer) not in positions:
                    positions[id(offer)] = len(offers)
                    offers.append(offer)
        rows = []
        for position, offer in enumerate(offers):
            mark = marks.get(offer.key, OfferMark())
            rows.append((
                search_id, position, offer.key,
                json.dumps(offer_to_json(offer), ensure_ascii=False),
                self._picture_sha(offer), int(mark.shortlisted), mark.note,
                changes.get(offer.key, ""),
            ))
        conn.executemany("INSERT INTO offers VALUES (?,?,?,?,?,?,?,?)", rows)
        conn.executemany(
            "INSERT INTO style_groups VALUES (?,?,?,?,?,?,?)",
            [
                (
                    search_id, index, group.group_id, group.category,
                    json.dumps([positions[id(o)] for o in group.offers]),
                    positions.get(id(group.best_offer), positions[id(group.offers[0])]),
                    positions.get(id(group.representative), positions[id(group.offers[0])]),
                )
                for index, group in enumerate(result.groups)
            ],
        )
        conn.execute(
            "UPDATE searches SET group_count = ?, offer_count = ?, change_count = ? WHERE id = ?",
            (len(result.groups), len(offers), len(changes), search_id),
        )

    def _picture_sha(self, offer: Offer) -> str | None:
        return stored_picture_sha(self.thumbnails, offer.image_url)

    def _write_tags(self, conn: sqlite3.Connection, search_id: int, tags: Iterable[str]) -> None:
        clean = sorted({t.strip() for t in tags if t and t.strip()})
        conn.executemany("INSERT INTO tags VALUES (?, ?)", [(search_id, t) for t in clean])

    def _refresh_fulltext(self, conn: sqlite3.Connection, search_id: int) -> None:
        conn.execute(
            """UPDATE searches SET fulltext = lower(
                   coalesce(name, '') || ' ' || notes || ' ' || source || ' ' ||
                   coalesce((SELECT group_concat(tag, ' ') FROM tags WHERE search_id = ?1), '')
                   || ' ' ||
                   coalesce((SELECT group_concat(
                       coalesce(json_extract(data, '$.title'), '') || ' ' ||
                       coalesce(json_extract(data, '$.stall.name'), '') || ' ' ||
                       coalesce(json_extract(data, '$.stall.market'), '') || ' ' ||
                       coalesce(json_extract(data, '$.art_no'), '') || ' ' || note, ' ')
                     FROM offers WHERE search_id = ?1), ''))
               WHERE id = ?1""",
            (search_id,),
        )

    def _trim_unnamed(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "DELETE FROM searches WHERE name IS NULL AND id NOT IN (SELECT id FROM searches "
            "WHERE name IS NULL ORDER BY used_at DESC, id DESC LIMIT ?)",
            (self.max_unnamed,),
        )

    def _check_name_free(self, conn: sqlite3.Connection, name: str, search_id: int | None) -> None:
        row = conn.execute("SELECT id FROM searches WHERE name = ?", (name,)).fetchone()
        if row is not None and int(row[0]) != search_id:
            raise NameTaken("name taken", name=name)

    def _require(self, conn: sqlite3.Connection, search_id: int) -> None:
        if conn.execute("SELECT 1 FROM searches WHERE id = ?", (search_id,)).fetchone() is None:
            raise SearchNotFound("not found", name=f"#{search_id}")

    def _tags_for(self, ids: Sequence[int]) -> dict[int, builtins.list[str]]:
        if not ids:
            return {}
        out: dict[int, builtins.list[str]] = {}
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start:chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            for search_id, tag in self.db.read(
                f"SELECT search_id, tag FROM tags WHERE search_id IN ({marks}) ORDER BY tag",
                chunk,
            ):
                out.setdefault(int(search_id), []).append(str(tag))
        return out


_SUMMARY_COLUMNS = (
    "id, name, notes, created_at, market, source, group_count, offer_count, change_count, "
    "query_thumb, refreshed_at"
)


def _summary(row: Sequence[Any], tags: list[str]) -> SearchSummary:
    return SearchSummary(
        id=int(row[0]),
        name=row[1],
        notes=str(row[2]),
        created_at=_dt.datetime.fromtimestamp(float(row[3]), _dt.UTC),
        market=str(row[4]),
        source=str(row[5]),
        group_count=int(row[6]),
        offer_count=int(row[7]),
        change_count=int(row[8]),
        query_thumb=row[9],
        tags=tags,
        refreshed_at=_dt.datetime.fromtimestamp(float(row[10]), _dt.UTC) if row[10] else None,
    )


def _group(offers: dict[int, Offer], row: Sequence[Any]) -> StyleGroup:
    from vvic_desktop.core.style_groups import make_group

    group_id, category, positions, best, representative = row
    members = [offers[int(p)] for p in json.loads(positions) if int(p) in offers]
    group = make_group(members, representative=offers.get(int(representative)))
    group.best_offer = offers.get(int(best), group.best_offer)  # as it was when saved
    group.group_id = str(group_id) or group.group_id
    group.category = str(category)
    return group


def _text_filter(text: str) -> tuple[str, list[str]]:
    terms = [t for t in text.lower().split() if t]
    if not terms:
        return "", []
    clauses = ["fulltext LIKE ? ESCAPE '\\'" for _ in terms]
    params = ["%" + re.sub(r"([\\%_])", r"\\\1", t) + "%" for t in terms]
    return "WHERE " + " AND ".join(clauses), params


def _clean_name(name: str | None) -> str | None:
    if name is None:
        return None
    name = " ".join(name.split())
    return name or None


def diff_offers(old: Sequence[Offer], new: Sequence[Offer]) -> dict[str, str]:
    """What "search again" found different: new listings and price moves, by Offer.key."""
    before = {o.key: o for o in old}
    changes: dict[str, str] = {}
    for offer in new:
        previous = before.get(offer.key)
        if previous is None:
            changes[offer.key] = CHANGE_NEW
        elif previous.price is not None and offer.price is not None:
            if offer.price < previous.price:
                changes[offer.key] = CHANGE_PRICE_DOWN
            elif offer.price > previous.price:
                changes[offer.key] = CHANGE_PRICE_UP
    return changes
