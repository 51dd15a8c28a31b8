"""The local catalog: what the buyer already has, searchable by photo with no network and no key.

It holds two kinds of pictures, both in the content-addressed thumbnail store:
- **imported** photos of stall items (`import_folder`: a folder plus an optional CSV, or file
  names like `档口_价格_标题.jpg`), each becoming an `Offer` of market `local`;
- **every offer of every saved search** (the library's offers table).

Each distinct picture (by sha256) is embedded once per embedder version and the vector kept in
the `embeddings` table **when it enters the library**: a folder imported (`import_folder`), a
search saved or searched again (`Library.saved_listeners` → `add_search`; the GUI saves on its
storage worker). A query only reads stored vectors it has not loaded yet and embeds nothing
but the query photo, so the first local search after many saves costs what the second
does. Pictures from before that (an older version's data, an embedder change) are embedded
by `catch_up`, which the GUI runs in the background, bounded per call; until then a search
says some pictures are not searchable yet.

Imported pictures get the pseudo-URL `local:<sha256>`, remembered in the store's
url map, so the results grid, the library and the exports find them like any other picture.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np

from vvic_desktop.core import errors
from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.models import Offer, Stall
from vvic_desktop.storage.cache import offer_from_json, offer_to_json
from vvic_desktop.storage.db import Database
from vvic_desktop.storage.thumbs import ThumbnailStore, small_jpeg

log = logging.getLogger(__name__)

LOCAL_MARKET = "local"
LOCAL_URL_PREFIX = "local:"
STORED_PX = 640  # imported photos are kept at this size: enough for the grid and features
MAX_FILES = 5000
MAX_DEPTH = 6
# CSV headers accepted, English and Chinese (Excel users write either)
CSV_FIELDS = {
    "file": ("file", "filename", "文件", "文件名", "图片"),
    "title": ("title", "标题", "名称", "品名"),
    "price": ("price", "价格", "单价", "批发价"),
    "stall": ("stall", "stall name", "stall_name", "档口", "档口名", "商家"),
    "market": ("market", "市场", "商场"),
    "position": ("position", "位置", "档口号", "摊位"),
    "min_order": ("min_order", "minimum order", "moq", "起批量", "起批"),
    "note": ("note", "notes", "备注"),
}
_PRICE_RE = re.compile(r"^\d{1,6}(?:\.\d{1,2})?$")
_CAMERA_PREFIXES = {"IMG", "DSC", "DSCN", "DSCF", "PXL", "MVIMG", "VID", "WP", "PANO",
                    "SCREENSHOT", "MMEXPORT", "WX", "WECHAT"}

ProgressFn = Callable[[int, int], None]


@dataclass(slots=True)
class ImportReport:
    imported: int = 0
    updated: int = 0
    problems: list[str] = field(default_factory=list)  # "<file>: <message>", user's language
    item_ids: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if errors.language().startswith("zh"):
            return (f"导入 {self.imported} 张，更新 {self.updated} 张，"
                    f"跳过 {len(self.problems)} 个文件。")
        return (f"imported {self.imported}, updated {self.updated}, "
                f"skipped {len(self.problems)} file(s)")

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "skipped": len(self.problems),
            "problems": list(self.problems),
            "item_ids": list(self.item_ids),
        }


@dataclass(frozen=True, slots=True)
class ItemInfo:
    """What the buyer told us about one photo (CSV row or file name)."""

    title: str = ""
    price: Decimal | None = None
    stall: str = ""
    market: str = ""
    position: str = ""
    min_order: int | None = None
    note: str = ""


class LocalCatalog:
    """Pictures, their offers and their embeddings; a vector index kept in memory."""

    def __init__(
        self,
        db: Database,
        thumbnails: ThumbnailStore,
        embedder_factory: Callable[[], Any] | None = None,
        verifier: Any = None,
    ) -> None:
        self.db = db
        self.thumbnails = thumbnails
        self._embedder_factory = embedder_factory
        self._embedder: Any = None
        self._index: Any = None
        self._indexed: set[str] = set()
        self._lock = threading.Lock()
        self._offers_cache: tuple[tuple[Any, ...], dict[str, list[Offer]]] | None = None
        self.pending = 0  # pictures without a stored vector at the last search
        self.rerank_top: int | None = None  # candidates re-ranked by local features (0: off)
        self._verifier: Any = verifier  # core.rerank.Verifier; None: the default, when needed

    # --- features --------------------------------------------------------------------------

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            if self._embedder_factory is not None:
                self._embedder = self._embedder_factory()
            else:
                from vvic_desktop.core.features import default_embedder

                self._embedder = default_embedder()
        return self._embedder

    @property
    def embedder_key(self) -> str:
        e = self.embedder
        # "+cut": catalog pictures are cut to the garment like queries (bench_local: a buyer's
        # own stall photos reach top-5 0.87 cut, 0.48 uncut); the key change re-embeds
        return f"{e.name}:{getattr(e, 'version', '1')}+cut"

    # --- importing ---------------------------------------------------------------------------

    def import_folder(
        self,
        folder: Path,
        *,
        prices: Path | None = None,
        cancel: CancelToken | None = None,
        progress: ProgressFn | None = None,
    ) -> ImportReport:
        """Add every photo under `folder`; a photo already imported gets its details updated."""
        cancel = cancel or CancelToken()
        if not folder.is_dir():
            raise errors.FileMissing("not a folder", name=str(folder))
        table = read_price_table(prices) if prices is not None else {}
        report = ImportReport()
        from vvic_desktop.core.intake import walk_photos

        files = walk_photos(folder, max_files=MAX_FILES, max_depth=MAX_DEPTH)
        imported: list[str] = []
        for done, path in enumerate(files, 1):
            cancel.raise_if_cancelled()
            relative = path.relative_to(folder).as_posix()
            info = table.get(relative) or table.get(path.name) or info_from_name(path.stem)
            try:
                item_id, created, sha = self._import_one(path, info)
            except errors.DiskFull:
                raise  # nothing more can be saved; what was imported stays
            except errors.VvicError as exc:
                report.problems.append(f"{relative}: {exc.message()}")
            else:
                report.item_ids.append(item_id)
                imported.append(sha)
                if created:
                    report.imported += 1
                else:
                    report.updated += 1
            if progress:
                progress(done, len(files))
        for name in sorted(set(table) - {p.relative_to(folder).as_posix() for p in files}
                           - {p.name for p in files}):
            report.problems.append(f"{name}: " + errors.FileMissing("", name=name).message())
        self.add_pictures(imported, cancel=cancel)  # embedded now, not at the first search
        return report

    def _import_one(self, path: Path, info: ItemInfo) -> tuple[str, bool, str]:
        from vvic_desktop.core.intake import load_source
        from vvic_desktop.core.prepare import prepare

        # upright, flattened on white, checked against bombs: the same path as a query photo
        picture = small_jpeg(prepare(load_source(str(path))).jpeg, STORED_PX)
        sha = self.thumbnails.put(picture)
        url = LOCAL_URL_PREFIX + sha
        self.thumbnails.remember_url(url, sha)
        offer = Offer(
            market=LOCAL_MARKET,
            item_id=sha[:16],
            title=info.title or path.stem,
            price=info.price,
            image_url=url,
            stall=Stall(name=info.stall, market=info.market, position=info.position),
            min_order=info.min_order,
            extra={"note": info.note, "file": path.name} if info.note else {"file": path.name},
        )
        data = json.dumps(offer_to_json(offer), ensure_ascii=False)
        with self.db.transaction() as conn:
            created = conn.execute(
                "SELECT 1 FROM local_items WHERE thumb_sha = ?", (sha,)
            ).fetchone() is None
            conn.execute(
                "INSERT INTO local_items (thumb_sha, data, source_path, imported_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (thumb_sha) DO UPDATE SET data = excluded.data, "
                "source_path = excluded.source_path, imported_at = excluded.imported_at",
                (sha, data, str(path), time.time()),
            )
        return offer.item_id, created, sha

    # --- the catalog -----------------------------------------------------------------------

    def offers_by_picture(self) -> dict[str, list[Offer]]:
        """Every offer the catalog can return, by picture sha (imported first, then saved).

        Cached until an import, a save or a delete changes the tables (a cheap check), so a
        search over 10k items does not parse 10k rows each time.
        """
        stamp = tuple(self.db.read(
            "SELECT (SELECT count(*) FROM local_items), (SELECT max(rowid) FROM local_items), "
            "(SELECT max(imported_at) FROM local_items), (SELECT count(*) FROM offers), "
            "(SELECT max(rowid) FROM offers)"
        )[0])
        if self._offers_cache is not None and self._offers_cache[0] == stamp:
            return self._offers_cache[1]
        out: dict[str, list[Offer]] = {}
        seen: set[str] = set()
        rows = self.db.read("SELECT thumb_sha, data FROM local_items ORDER BY id")
        rows += self.db.read(
            "SELECT o.thumb_sha, o.data FROM offers o JOIN searches s ON s.id = o.search_id "
            "WHERE o.thumb_sha IS NOT NULL ORDER BY s.created_at DESC, o.position"
        )
        for sha, data in rows:
            offer = offer_from_json(json.loads(data))
            if offer.key in seen:
                continue  # the same listing saved in several searches: its newest copy
            seen.add(offer.key)
            out.setdefault(str(sha), []).append(offer)
        self._offers_cache = (stamp, out)
        return out

    def __len__(self) -> int:
        return len(self.offers_by_picture())

    def refresh(self, *, cancel: CancelToken | None = None,
                progress: ProgressFn | None = None) -> int:
        """Bring the index fully up to date, embedding whatever has no vector yet; returns
        how many pictures were embedded. For tools and the background catch-up only: a
        search calls `sync`, which never embeds."""
        self.sync()
        return self.catch_up(cancel=cancel, progress=progress)

    def sync(self) -> int:
        """Load the stored vectors of pictures not yet in the in-memory index (no
        embedding); returns how many catalog pictures have no vector yet."""
        missing = [s for s in self.offers_by_picture() if s not in self._indexed]
        if missing:
            self._load_stored(missing)
        self.pending = sum(1 for s in missing if s not in self._indexed)
        return self.pending

    def catch_up(self, *, cancel: CancelToken | None = None, limit: int | None = None,
                 progress: ProgressFn | None = None) -> int:
        """Embed up to `limit` catalog pictures that have no vector yet (old data); the
        GUI runs this on a background worker. Returns how many were embedded."""
        self.sync()
        todo = [s for s in self.offers_by_picture() if s not in self._indexed]
        if limit is not None:
            todo = todo[:max(0, limit)]
        done = self._embed(todo, cancel=cancel, progress=progress)
        self.pending = max(0, self.pending - done)
        return done

    def add_search(self, search_id: int, *, cancel: CancelToken | None = None) -> int:
        """Embed the pictures of a saved search that have no vector yet (after a save)."""
        rows = self.db.read(
            "SELECT DISTINCT thumb_sha FROM offers WHERE search_id = ? "
            "AND thumb_sha IS NOT NULL", (int(search_id),))
        return self.add_pictures([str(r[0]) for r in rows], cancel=cancel)

    def add_pictures(self, shas: Sequence[str], *, cancel: CancelToken | None = None,
                     progress: ProgressFn | None = None) -> int:
        """Embed and store the vectors of `shas` that have none yet (pictures entering the
        library); returns how many were embedded."""
        todo = [s for s in dict.fromkeys(shas) if s not in self._indexed]
        if not todo:
            return 0
        self._load_stored(todo)
        return self._embed([s for s in todo if s not in self._indexed], cancel=cancel,
                           progress=progress)

    def warm_up(self) -> None:
        """Load the embedder's model now (the GUI does this in the background at start), so
        the first search does not pay for it."""
        warm = getattr(self.embedder, "warm_up", None)
        if callable(warm):
            warm()

    def _embed(self, shas: Sequence[str], *, cancel: CancelToken | None = None,
               progress: ProgressFn | None = None) -> int:
        """Embed, store and index `shas` (pictures in the store; the others are skipped)."""
        cancel = cancel or CancelToken()
        todo = [s for s in shas if self.thumbnails.has(s)]
        if not todo:
            return 0
        from vvic_desktop.core.features import garment_region

        key = self.embedder_key
        batch = 32
        embedded = 0
        for start in range(0, len(todo), batch):
            cancel.raise_if_cancelled()
            images, kept = [], []
            for sha in todo[start:start + batch]:
                rgb = _decode(self.thumbnails.get(sha))
                if rgb is not None:
                    images.append(garment_region(rgb))
                    kept.append(sha)
            if not images:
                continue
            vectors = np.asarray(self.embedder.embed(images), dtype=np.float32)
            try:
                with self.db.transaction() as conn:
                    conn.executemany(
                        "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                        [(s, key, v.tobytes()) for s, v in zip(kept, vectors, strict=True)],
                    )
            except errors.StorageError as exc:  # read-only or full: search in memory anyway
                log.warning("local catalog: embeddings not stored: %s", exc.detail)
            self._add_to_index(kept, vectors)
            embedded += len(kept)
            if progress:
                progress(min(start + batch, len(todo)), len(todo))
        return embedded

    def _load_stored(self, shas: Sequence[str]) -> None:
        """Add the stored vectors of `shas` (those that have one) to the index."""
        key = self.embedder_key
        for start in range(0, len(shas), 500):
            chunk = list(shas[start:start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.db.read(
                f"SELECT thumb_sha, vector FROM embeddings WHERE embedder = ? "
                f"AND thumb_sha IN ({marks})", [key, *chunk])
            if rows:
                self._add_to_index([str(r[0]) for r in rows],
                                   np.vstack([np.frombuffer(r[1], dtype=np.float32)
                                              for r in rows]))

    def _add_to_index(self, shas: Sequence[str], vectors: np.ndarray) -> None:
        from vvic_desktop.core.vector_index import VectorIndex

        with self._lock:
            if self._index is None:
                self._index = VectorIndex(int(vectors.shape[1]))
            fresh = [i for i, s in enumerate(shas) if s not in self._indexed]
            if fresh:
                self._index.add([shas[i] for i in fresh], vectors[fresh])
                self._indexed.update(shas[i] for i in fresh)

    def _rerank_count(self) -> int:
        from vvic_desktop.core import rerank

        return rerank.RERANK_TOP if self.rerank_top is None else max(0, self.rerank_top)

    def _rerank(self, query: np.ndarray, ranked: list[tuple[str, float]],
                cancel: CancelToken) -> list[tuple[str, float]]:
        """The best candidates re-ordered by local-feature verification (core.rerank):
        a re-photo shares its print, seams and labels with the catalogued picture."""
        from vvic_desktop.core import rerank

        top = self._rerank_count()
        if top <= 0 or len(ranked) < 2:
            return ranked
        if self._verifier is None:
            self._verifier = rerank.default_verifier()
        cancel.raise_if_cancelled()

        def picture(sha: str) -> np.ndarray | None:
            return _decode(self.thumbnails.get(sha), size=rerank.WORK_SIDE)

        return rerank.rerank(query, ranked, picture, self._verifier, top=top)

    def search(self, jpeg: bytes, k: int, *, cancel: CancelToken | None = None
               ) -> list[tuple[Offer, float]]:
        """The offers whose pictures look most like `jpeg`, best first, with a 0..1 score."""
        cancel = cancel or CancelToken()
        self.sync()  # stored vectors only: pictures are embedded when they are saved
        if self._index is None or not self._indexed:
            return []
        from vvic_desktop.core.features import query_views

        rgb = _decode(jpeg, size=0)
        if rgb is None:
            raise errors.DamagedImage("query", reason="undecodable")
        # the garment cut out and the photo as it came: each picture scores its best cosine
        # over the two (core.features.query_views says why and what it measured)
        query = np.asarray(self.embedder.embed(query_views(rgb)), dtype=np.float32)
        # the re-rank verifies more candidates than a short answer shows: a verified match
        # from further down is lifted into it
        wanted = max(k, self._rerank_count())
        ranked = self._rerank(rgb, list(self._index.search(query, wanted)), cancel)[:k]
        by_picture = self.offers_by_picture()
        out: list[tuple[Offer, float]] = []
        for sha, score in ranked:
            for offer in by_picture.get(sha, []):
                out.append((offer, float(score)))
        return out


def import_folder(services: Any, folder: Path, *, prices: Path | None = None,
                  cancel: CancelToken | None = None,
                  progress: ProgressFn | None = None) -> ImportReport:
    """`vvic library import-folder` and the GUI's import dialog."""
    return services.local_catalog.import_folder(
        folder, prices=prices, cancel=cancel, progress=progress
    )


# --- reading what the buyer gives us -------------------------------------------------------


def info_from_name(stem: str) -> ItemInfo:
    """`档口_价格_标题` (or `stall_price_title`): the details a file name can carry.

    A camera's own names (IMG_2031_1, DSC_0042…) are not read as stall and price.
    """
    parts = [p.strip() for p in re.split(r"[_＿]", stem)]
    if (
        len(parts) >= 3
        and parts[0].upper() not in _CAMERA_PREFIXES
        and _PRICE_RE.match(parts[1].lstrip("¥￥"))
    ):
        return ItemInfo(title="_".join(parts[2:]), price=Decimal(parts[1].lstrip("¥￥")),
                        stall=parts[0])
    return ItemInfo(title=stem)


def read_price_table(path: Path) -> dict[str, ItemInfo]:
    """The optional CSV: a header row naming the columns (English or Chinese), one row a photo.

    UTF-8 (with or without BOM) or GB18030 (Excel on a Chinese Windows saves CSV that way).
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise errors.FileMissing("prices", name=str(path)) from None
    except OSError as exc:
        raise errors.FileUnreadable("prices", name=str(path), reason=exc.strerror) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise errors.BadItemsFile("encoding", reason=f"{path.name}: not UTF-8 or GB18030 text")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return {}
    header = [h.strip().lower() for h in rows[0]]
    columns: dict[str, int] = {}
    for name, aliases in CSV_FIELDS.items():
        for i, h in enumerate(header):
            if h in aliases:
                columns[name] = i
                break
    if "file" not in columns:
        raise errors.BadItemsFile(
            "no file column", reason=f"{path.name}: the first row must name a 'file' (文件) column"
        )
    table: dict[str, ItemInfo] = {}
    for number, row in enumerate(rows[1:], 2):
        def cell(name: str, row: list[str] = row) -> str:
            i = columns.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        file_name = cell("file").replace("\\", "/")
        if not file_name:
            continue
        price_text = cell("price").lstrip("¥￥").replace(",", "")
        try:
            price = Decimal(price_text) if price_text else None
            if price is not None and (price < 0 or not price.is_finite()):
                raise InvalidOperation
        except InvalidOperation:
            raise errors.BadItemsFile(
                "price", reason=f"{path.name} line {number}: price {cell('price')!r}"
            ) from None
        moq = cell("min_order")
        table[file_name] = ItemInfo(
            title=cell("title"), price=price, stall=cell("stall"), market=cell("market"),
            position=cell("position"), min_order=int(moq) if moq.isdigit() else None,
            note=cell("note"),
        )
    return table


def _decode(data: bytes | None, size: int = 256) -> np.ndarray | None:
    """RGB array of a stored picture (reduced to about `size` px; 0 = full size)."""
    if not data:
        return None
    from vvic_desktop.core.errors import PictureUnavailable
    from vvic_desktop.core.intake import load_picture

    try:  # the one picture loader (reduced JPEG decode, limits, EXIF, alpha)
        rgb = load_picture(data, max_side=size or None)
    except PictureUnavailable:
        return None
    if size and max(rgb.size) > size:
        rgb = rgb.copy()
        rgb.thumbnail((size, size))
    return np.asarray(rgb)
