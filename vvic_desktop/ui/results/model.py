"""The results grid's model: a thin Qt adapter over `core.result_rows` (STYLE habit 2).

Rows are `core.result_rows.ResultRow`s: a collapsed group is one GROUP row carrying how many
offers it hides; an expanded group is its GROUP row followed by one OFFER row per member.

- `set_groups(groups)` shows a new search (a model reset: nothing of the old one survives).
- `toggle(row)` / `set_expanded(group_id, open)` insert or remove the member rows right after
  the group's row with begin/endInsertRows / begin/endRemoveRows, never a reset, so the
  selection and the scroll position survive.
- `set_sort(key)` and `set_filter(text=..., filters=...)` rearrange in place through
  layoutAboutToBeChanged/layoutChanged with the persistent indexes moved to the same items,
  so selected cards stay selected.
- every value the delegate paints has a role constant (`Roles`).
- `ThumbnailRole` asks the optional `ThumbnailLoader` for the picture: only painted rows ask,
  so pictures load lazily; when one arrives the model emits `dataChanged` for the rows that
  show that picture and nothing else.

Sort keys: those of `core.result_rows.SORT_KEYS` (similarity first: relevance).
"""

from __future__ import annotations

import dataclasses
import gc
import heapq
from collections.abc import Callable, Collection, Sequence
from decimal import Decimal
from enum import IntEnum
from operator import attrgetter, itemgetter
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from vvic_desktop.core import result_rows
from vvic_desktop.core.models import Filters, Offer, OfferMark, StyleGroup
from vvic_desktop.core.pipeline import PICTURE_UNAVAILABLE, filter_offers
from vvic_desktop.core.prices import format_price as core_format_price
from vvic_desktop.core.result_rows import SORT_KEYS, ResultRow, RowKind, build_rows
from vvic_desktop.ui.results.thumbnails import ThumbnailLoader, ThumbState
from vvic_desktop.workers.tasks import Pools

ModelIndex = QModelIndex | QPersistentModelIndex

UI_SORT_KEYS: tuple[str, ...] = SORT_KEYS
ASYNC_MIN_GROUPS = 1500  # below this, flattening takes a few ms: done inline


class Roles(IntEnum):
    Kind = Qt.ItemDataRole.UserRole + 1  # RowKind value: "group" | "offer"
    Row = Qt.ItemDataRole.UserRole + 2  # the ResultRow itself
    Group = Qt.ItemDataRole.UserRole + 3  # StyleGroup
    Offer = Qt.ItemDataRole.UserRole + 4  # Offer (the best offer on a group row)
    GroupId = Qt.ItemDataRole.UserRole + 5
    Expanded = Qt.ItemDataRole.UserRole + 6  # bool (group rows)
    HiddenCount = Qt.ItemDataRole.UserRole + 7  # int (group rows)
    OfferCount = Qt.ItemDataRole.UserRole + 8  # int: offers in the group
    StallCount = Qt.ItemDataRole.UserRole + 9
    PriceMin = Qt.ItemDataRole.UserRole + 10  # Decimal | None (group)
    PriceMedian = Qt.ItemDataRole.UserRole + 11
    PriceMax = Qt.ItemDataRole.UserRole + 12
    Price = Qt.ItemDataRole.UserRole + 13  # Decimal | None (the row's offer)
    PriceHigh = Qt.ItemDataRole.UserRole + 14  # Decimal | None: top of a "69-89" range
    Title = Qt.ItemDataRole.UserRole + 15
    StallName = Qt.ItemDataRole.UserRole + 16
    StallPosition = Qt.ItemDataRole.UserRole + 17
    Market = Qt.ItemDataRole.UserRole + 18  # the stall's market building (十三行, …)
    Marketplace = Qt.ItemDataRole.UserRole + 19  # vvic, taobao, …
    Credit = Qt.ItemDataRole.UserRole + 20  # "A" | "B" | "C" | ""
    Stock = Qt.ItemDataRole.UserRole + 21  # int | None
    MinOrder = Qt.ItemDataRole.UserRole + 22  # int | None
    Sales = Qt.ItemDataRole.UserRole + 23  # int | None
    Similarity = Qt.ItemDataRole.UserRole + 24  # float | None (0..1)
    DetailUrl = Qt.ItemDataRole.UserRole + 25
    ImageUrl = Qt.ItemDataRole.UserRole + 26  # the picture the card shows
    Thumbnail = Qt.ItemDataRole.UserRole + 27  # QPixmap | None (asks the loader)
    ThumbnailState = Qt.ItemDataRole.UserRole + 28  # ThumbState
    InStockCount = Qt.ItemDataRole.UserRole + 29
    Shortlisted = Qt.ItemDataRole.UserRole + 30  # bool: the offer (group: any member) is ★
    Note = Qt.ItemDataRole.UserRole + 31  # str: the buyer's note on the row's offer
    Change = Qt.ItemDataRole.UserRole + 32  # "new" | "price_down" | "price_up" | "" (offer)
    ChangeCount = Qt.ItemDataRole.UserRole + 33  # int: changed offers in the group
    ArtNo = Qt.ItemDataRole.UserRole + 34  # str: the row's offer's 货号 (style number)
    # str: why the picture the card shows is unusable (core.pipeline PICTURE_UNAVAILABLE:
    # an error code such as "url_refused"), "" when it is fine
    PictureUnavailable = Qt.ItemDataRole.UserRole + 35


# ----------------------------------------------------------------------- pure helpers


# The roles that are one field of the row's offer, or of its style group.
_OFFER_FIELDS: dict[int, Callable[[Offer], Any]] = {
    role: attrgetter(name) for role, name in (
        (Roles.Price, "price"), (Roles.PriceHigh, "price_max"), (Roles.ArtNo, "art_no"),
        (Roles.StallName, "stall.name"), (Roles.StallPosition, "stall.position"),
        (Roles.Market, "stall.market"), (Roles.Credit, "stall.credit_level"),
        (Roles.Marketplace, "market"), (Roles.Stock, "stock"), (Roles.MinOrder, "min_order"),
        (Roles.Sales, "sales"), (Roles.Similarity, "similarity"),
        (Roles.DetailUrl, "detail_url"),
    )
}
_GROUP_FIELDS: dict[int, Callable[[StyleGroup], Any]] = {
    role: attrgetter(name) for role, name in (
        (Roles.StallCount, "stall_count"), (Roles.InStockCount, "in_stock_count"),
        (Roles.PriceMin, "price_min"), (Roles.PriceMedian, "price_median"),
        (Roles.PriceMax, "price_max"),
    )
}


def picture_unavailable(offer: Offer) -> str:
    """Why the listing's picture cannot be used ("" when it can): the pipeline's mark
    (core.pipeline.PICTURE_UNAVAILABLE), an error code from a refused download or decode."""
    why = offer.extra.get(PICTURE_UNAVAILABLE)
    return str(why)[:64] if why else ""


def text_matches(offer: Offer, needle: str) -> bool:
    """Does the casefolded `needle` occur in anything the card shows about this offer?"""
    stall = offer.stall
    haystack = " ".join((offer.title, stall.name, stall.market, stall.position, offer.art_no,
                         offer.item_id, offer.market))
    return needle in haystack.casefold()


def narrow_group(group: StyleGroup, keep: Sequence[Offer]) -> StyleGroup | None:
    """The group restricted to `keep` (its statistics recomputed), None when nothing is left.

    The group id stays the same so that the expanded state and the selection survive a filter.
    """
    if len(keep) == len(group.offers):
        return group
    if not keep:
        return None
    from vvic_desktop.core.style_groups import make_group  # numpy, cv2: not before the window shows

    narrowed = make_group(keep, representative=group.representative
                          if group.representative in keep else None)
    narrowed.group_id = group.group_id
    narrowed.category = group.category
    return narrowed


def filter_groups(groups: Sequence[StyleGroup], text: str = "",
                  filters: Filters | None = None, stall_market: str = "",
                  category: str = "") -> list[StyleGroup]:
    """Groups whose offers pass `filters` and, given a `stall_market` (广州十三行, 沙河…),
    are in that market, and, given a garment `category` (core.titles: "dress", "trousers"…),
    are of it; of those the groups in which some offer mentions `text` (a matching group is
    shown whole: the buyer compares within it)."""
    needle = text.strip().casefold()
    kept: list[StyleGroup] = []
    for group in groups:
        current: StyleGroup | None = group
        if filters is not None:
            current = narrow_group(group, filter_offers(list(group.offers), filters))
        if current is not None and stall_market:
            current = narrow_group(current, [o for o in current.offers
                                             if o.stall.market == stall_market])
        if current is None or (category and current.category != category):
            continue
        if needle and not any(text_matches(o, needle) for o in current.offers):
            continue
        kept.append(current)
    return kept


PRESORT_CHUNK = 512


def _presorted(groups: Sequence[StyleGroup], sort_key: str) -> Sequence[StyleGroup]:
    """The groups already in core's order, sorted in small chunks and merged in Python.

    Why: one `sorted()` over 10,000 groups compares Decimal tuples in C for tens of ms
    without ever releasing the GIL, and the GUI thread (which needs the GIL for every
    Python slot) stalls for that long. Sorting 512 at a time and merging lets the
    interpreter switch threads; core's own sort then meets a single run and only checks
    it (n - 1 comparisons). The order is exactly core's: its key, stable merge."""
    group_key = getattr(result_rows, "_group_sort_key", None)
    if len(groups) <= PRESORT_CHUNK or group_key is None:
        return groups
    keyed = [(group_key(g, sort_key), g) for g in groups]
    chunks = [sorted(keyed[at:at + PRESORT_CHUNK], key=itemgetter(0))
              for at in range(0, len(keyed), PRESORT_CHUNK)]
    return [g for _, g in heapq.merge(*chunks, key=itemgetter(0))]


def rows_for(groups: Sequence[StyleGroup], expanded: set[str], sort_key: str, *,
             presort: bool = True) -> list[ResultRow]:
    """`core.result_rows.build_rows`; `presort` (for worker threads) trades a little time
    for short GIL hold times."""
    if sort_key not in SORT_KEYS:
        raise ValueError(f"unknown sort key {sort_key!r}")
    ordered = _presorted(groups, sort_key) if presort else groups
    return build_rows(ordered, expanded, sort_key)  # type: ignore[arg-type]


def _row_identity(row: ResultRow) -> tuple[str, str, str]:
    """What a persistent index follows across a sort or filter: the same card."""
    return (row.kind.value, row.group_id, row.offer.key if row.kind is RowKind.OFFER else "")


# ----------------------------------------------------------------------------- model


class ResultsModel(QAbstractListModel):
    """See the module docstring."""

    expansionChanged = Signal(str, bool)  # group_id, expanded
    rowsRebuilt = Signal()  # after set_groups / sort / filter (counts may have changed)
    busyChanged = Signal(bool)  # rows are being rebuilt in a worker

    def __init__(self, thumbnails: ThumbnailLoader | None = None,
                 parent: QObject | None = None, *, pools: Pools | None = None) -> None:
        super().__init__(parent)
        self._pools = pools
        self._generation = 0
        self._busy = False
        self._all_groups: list[StyleGroup] = []
        self._stall_market = ""
        self._category = ""  # a garment category (StyleGroup.category), "" for all
        self._groups: list[StyleGroup] = []  # after the filter
        self._rows: list[ResultRow] = []
        self._expanded: set[str] = set()
        self._sort_key = "best"
        self._text = ""
        self._filters: Filters | None = None
        self._url_rows: dict[str, list[int]] | None = None  # lazily built, dropped on change
        self._marks: dict[str, OfferMark] = {}  # Offer.key -> mark (a saved search's)
        self._changes: dict[str, str] = {}  # Offer.key -> change since the last search
        self._thumbs = thumbnails
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnails_ready)

    # -- Qt interface ------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | \
            Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        offer, group = row.offer, row.group
        if role == Qt.ItemDataRole.DisplayRole or role == Roles.Title:
            return offer.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._tooltip(row).replace("\n", ", ")
        if role < Roles.Kind:
            return None
        field = _OFFER_FIELDS.get(role)
        if field is not None:
            return field(offer)
        field = _GROUP_FIELDS.get(role)
        if field is not None:
            return field(group)
        value: Any
        match role:
            case Roles.Kind:
                value = row.kind.value
            case Roles.Row:
                value = row
            case Roles.Group:
                value = group
            case Roles.Offer:
                value = offer
            case Roles.GroupId:
                value = row.group_id
            case Roles.Expanded:
                value = row.expanded
            case Roles.HiddenCount:
                value = row.hidden_count
            case Roles.OfferCount:
                value = len(group.offers)
            case Roles.Shortlisted:
                value = self._shortlisted(row)
            case Roles.Note:
                mark = self._marks.get(offer.key)
                value = mark.note if mark is not None else ""
            case Roles.Change:
                value = self._changes.get(offer.key, "")
            case Roles.ChangeCount:
                value = sum(1 for o in group.offers if o.key in self._changes)
            case Roles.ImageUrl:
                value = self._image_url(row)
            case Roles.PictureUnavailable:
                value = picture_unavailable(self._pictured_offer(row))
            case Roles.Thumbnail:
                value = None if self._unavailable(row) else self._thumbnail(row)
            case Roles.ThumbnailState:
                url = self._image_url(row)
                if self._unavailable(row):
                    value = ThumbState.FAILED  # never asked for: the pipeline refused it
                else:
                    value = self._thumbs.state(url) if self._thumbs is not None and url else (
                        ThumbState.NONE if not url else ThumbState.FAILED)
            case _:
                value = None
        return value

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        for role in Roles:
            names[int(role)] = QByteArray((role.name[0].lower() + role.name[1:]).encode())
        return names

    # -- public API ----------------------------------------------------------------------

    @property
    def sort_key(self) -> str:
        return self._sort_key

    @property
    def groups(self) -> list[StyleGroup]:
        """The groups shown (after the filter), in no particular order."""
        return list(self._groups)

    def stall_markets(self) -> list[str]:
        """The wholesale markets (广州十三行, 沙河, 杭州四季青, 濮院…) of the listings shown
        before filtering, the most listings first: the market filter's choices."""
        counts: dict[str, int] = {}
        for group in self._all_groups:
            for offer in group.offers:
                if offer.stall.market:
                    counts[offer.stall.market] = counts.get(offer.stall.market, 0) + 1
        return sorted(counts, key=lambda m: (-counts[m], m))

    def categories(self) -> list[str]:
        """The garment categories (core.titles codes: dress, trousers, …) of the styles shown
        before filtering, the most styles first: the category filter's choices. Styles whose
        titles name no category ("default") are not a choice; they show under "all"."""
        counts: dict[str, int] = {}
        for group in self._all_groups:
            if group.category and group.category != "default":
                counts[group.category] = counts.get(group.category, 0) + 1
        return sorted(counts, key=lambda c: (-counts[c], c))

    @property
    def total_groups(self) -> int:
        return len(self._all_groups)

    def rows(self) -> list[ResultRow]:
        return list(self._rows)

    def set_groups(self, groups: Sequence[StyleGroup], *, keep_expanded: bool = False,
                   expanded: Collection[str] = ()) -> None:
        """Show a new set of groups (a new search) with the `expanded` group ids open (or,
        with keep_expanded, the ones open before). Sort and filter settings stay.

        With `pools`, a large set (ASYNC_MIN_GROUPS or more) is sorted and flattened on the
        search pool, so the GUI thread never stalls; `rowsRebuilt` says when it is shown."""
        self._all_groups = list(groups)
        if not keep_expanded:
            self._expanded = set()
        self._expanded.update(expanded)
        self._rebuild(reset=True)

    def set_marks(self, marks: dict[str, OfferMark], changes: dict[str, str]) -> None:
        """The shortlist stars, notes and change marks of a saved search ({} for none)."""
        self._marks, self._changes = dict(marks), dict(changes)
        self._marks_changed()

    def set_mark(self, offer_key: str, mark: OfferMark) -> None:
        self._marks[offer_key] = mark
        self._marks_changed()

    def mark(self, offer_key: str) -> OfferMark:
        return self._marks.get(offer_key) or OfferMark()

    def _marks_changed(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1),
                                  [Roles.Shortlisted, Roles.Note, Roles.Change,
                                   Roles.ChangeCount])

    def _shortlisted(self, row: ResultRow) -> bool:
        if row.kind is RowKind.GROUP:
            return any(self.mark(o.key).shortlisted for o in row.group.offers)
        return self.mark(row.offer.key).shortlisted

    @property
    def busy(self) -> bool:
        return self._busy

    def clear(self) -> None:
        self.set_groups([])

    def row_of_group(self, group_id: str) -> int:
        for at, row in enumerate(self._rows):
            if row.kind is RowKind.GROUP and row.group_id == group_id:
                return at
        return -1

    def is_expanded(self, group_id: str) -> bool:
        return group_id in self._expanded

    def toggle(self, row: int) -> None:
        """Open or close the group that `row` belongs to."""
        if 0 <= row < len(self._rows):
            gid = self._rows[row].group_id
            self.set_expanded(gid, gid not in self._expanded)

    def set_expanded(self, group_id: str, expanded: bool) -> None:
        at = self.row_of_group(group_id)
        if at < 0 or (group_id in self._expanded) == expanded:
            return
        header = self._rows[at]
        if len(header.group.offers) < 2:
            return  # nothing to show under a single-offer group
        if expanded:
            self._expanded.add(group_id)
        else:
            self._expanded.discard(group_id)
        # Core builds the group's own rows (its member order for this sort key); the model
        # only splices them in after the header, so no other row moves.
        part = rows_for([header.group], self._expanded, self._sort_key)
        new_header = dataclasses.replace(part[0], group_index=header.group_index)
        members = [dataclasses.replace(r, group_index=header.group_index) for r in part[1:]]
        first = at + 1
        if expanded:
            self.beginInsertRows(QModelIndex(), first, first + len(members) - 1)
            self._rows[at] = new_header
            self._rows[first:first] = members
            self._url_rows = None
            self.endInsertRows()
        else:
            count = len(header.group.offers)
            self.beginRemoveRows(QModelIndex(), first, first + count - 1)
            self._rows[at] = new_header
            del self._rows[first:first + count]
            self._url_rows = None
            self.endRemoveRows()
        index = self.index(at)
        self.dataChanged.emit(index, index, [Roles.Expanded, Roles.HiddenCount])
        self.expansionChanged.emit(group_id, expanded)

    def set_sort(self, key: str) -> None:
        if key not in UI_SORT_KEYS:
            raise ValueError(f"unknown sort key {key!r}")
        if key == self._sort_key:
            return
        self._sort_key = key
        self._rebuild(reset=False)

    def set_filter(self, text: str | None = None, filters: Filters | None = None,
                   *, clear_filters: bool = False, stall_market: str | None = None,
                   category: str | None = None) -> None:
        """Filter in place: `text` (title, stall, market, position, 货号), the buyer's
        `Filters`, one wholesale market and/or one garment category ("" for all); None leaves
        that part as it was, `clear_filters` drops the Filters."""
        if stall_market is not None:
            self._stall_market = stall_market
        if category is not None:
            self._category = category
        if text is not None:
            self._text = text
        if filters is not None or clear_filters:
            self._filters = filters
        self._rebuild(reset=False)

    # -- internals ---------------------------------------------------------------------

    def _rebuild(self, *, reset: bool) -> None:
        """Filter, sort and flatten the groups: inline for small sets, else in a worker (a
        pure function of a snapshot; a newer rebuild makes an older one's answer stale)."""
        self._generation += 1
        generation = self._generation
        groups, expanded = self._all_groups, frozenset(self._expanded)
        text, filters, sort_key = self._text, self._filters, self._sort_key
        stall_market, category = self._stall_market, self._category

        def compute(_cancel: Any = None, _progress: Any = None, *, presort: bool = True
                    ) -> tuple[list[StyleGroup], list[ResultRow]]:
            shown = filter_groups(groups, text, filters, stall_market, category)
            return shown, rows_for(shown, set(expanded), sort_key, presort=presort)

        def done(result: Any, error: BaseException | None) -> None:
            if generation != self._generation:
                return  # a newer rebuild is on its way
            self._set_busy(False)
            if error is not None:
                raise error  # a bug in core code: let it surface, never a silent empty grid
            if frozenset(self._expanded) != expanded:
                self._rebuild(reset=reset)  # the user toggled a group meanwhile
                return
            self._apply(*result, reset=reset)

        if self._pools is None or len(groups) < ASYNC_MIN_GROUPS:
            self._apply(*compute(presort=False), reset=reset)
            return
        self._set_busy(True)
        # Why: a full (generation 2) garbage collection over a search's worth of offers,
        # groups and rows takes 50-80 ms with the GIL held, which the GUI thread feels as a
        # stall. Everything alive now is long-lived (and acyclic, so reference counting still
        # frees it): freezing it keeps later collections down to the new objects.
        gc.freeze()
        self._pools.start(self._pools.search, compute, done, name="result-rows")

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busyChanged.emit(busy)

    def _apply(self, groups: list[StyleGroup], rows: list[ResultRow], *, reset: bool) -> None:
        if reset:
            self.beginResetModel()
            self._groups, self._rows, self._url_rows = groups, rows, None
            self.endResetModel()
        else:
            self._relayout(groups, rows)
        self.rowsRebuilt.emit()

    def _relayout(self, groups: list[StyleGroup], rows: list[ResultRow]) -> None:
        """Swap in new rows and move every persistent index to the same card's new row (an
        index whose card is gone becomes invalid), as QSortFilterProxyModel does."""
        self.layoutAboutToBeChanged.emit()
        old_rows = self._rows
        self._groups = groups
        self._expanded &= {g.group_id for g in groups}
        self._rows, self._url_rows = rows, None
        old = self.persistentIndexList()
        if old:
            where = {_row_identity(r): at for at, r in enumerate(rows)}
            new: list[QModelIndex] = []
            for index in old:
                at = (where.get(_row_identity(old_rows[index.row()]))
                      if 0 <= index.row() < len(old_rows) else None)
                new.append(self.index(at, 0) if at is not None else QModelIndex())
            self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    @staticmethod
    def _pictured_offer(row: ResultRow) -> Offer:
        """The offer whose picture the card shows (a group: its representative's)."""
        if row.kind is RowKind.GROUP and row.group.representative.image_url:
            return row.group.representative
        return row.offer

    @classmethod
    def _image_url(cls, row: ResultRow) -> str:
        return cls._pictured_offer(row).image_url

    @classmethod
    def _unavailable(cls, row: ResultRow) -> bool:
        return bool(picture_unavailable(cls._pictured_offer(row)))

    def _thumbnail(self, row: ResultRow) -> Any:
        if self._thumbs is None:
            return None
        url = self._image_url(row)
        pixmap = self._thumbs.pixmap(url)
        if pixmap is None:
            self._thumbs.request(url)  # only painted rows ask: that is what makes it lazy
        return pixmap

    def _thumbnails_ready(self, urls: list[str]) -> None:
        if self._url_rows is None:
            mapping: dict[str, list[int]] = {}
            for at, row in enumerate(self._rows):
                url = self._image_url(row)
                if url:
                    mapping.setdefault(url, []).append(at)
            self._url_rows = mapping
        roles = [Roles.Thumbnail, Roles.ThumbnailState]
        for url in urls:
            for at in self._url_rows.get(url, ()):
                index = self.index(at)
                self.dataChanged.emit(index, index, roles)

    def _tooltip(self, row: ResultRow) -> str:
        offer = row.offer
        lines = [offer.title]
        if row.kind is RowKind.GROUP:
            lines.append(self.tr("%n stall(s), {low} to {high}", "", row.group.stall_count).format(
                low=format_price(row.group.price_min),
                high=format_price(row.group.price_max)))
        stall = " ".join(p for p in (offer.stall.market, offer.stall.position, offer.stall.name)
                         if p)
        if stall:
            lines.append(stall)
        return "\n".join(lines)


def format_price(value: Decimal | None) -> str:
    """¥69.00, ¥69.50 — the one price format of the window, the CLI and the exports
    (core.prices); "—" for an unknown price."""
    return core_format_price(value)
