"""The intake strip: the queued photos as small thumbnails, with select and remove.

Public API
----------
`IntakeStrip(pools=None, parent=None)`: a `QListView` (objectName "intakeStrip") in icon
mode, one horizontal row, over `IntakeModel` (a `QAbstractListModel` of `IntakePhoto`).

Signals
    currentPhotoChanged(object)   the selected IntakePhoto, or None when the strip empties
    photosRemoved(list)           keys of removed photos (the crop tool may forget them)
Methods
    add_photos(list[IntakePhoto])  appends (duplicates by key are ignored); selects the first
                                   new photo when nothing is selected yet
    remove_selected()              also the Delete key and the context menu
    current_photo() / photos() / count()
    select(row)

Thumbnails are made lazily, only for rows the view asks to paint, on `pools.thumbnails`
(decode with reduced-scale JPEG loading, EXIF orientation, 128 px), and arrive through
`dataChanged` for that row. Without a `Pools` the strip owns one and shuts it down with
`shutdown()` (pass the window's pools in the app).
"""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageOps
from PySide6.QtCore import (
    QAbstractListModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QIcon, QImage, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from vvic_desktop.core import intake
from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.ui.drop_area import IntakePhoto
from vvic_desktop.ui.messages import photo_error_text
from vvic_desktop.workers.tasks import Pools

THUMB_PX = 128  # made at this size; shown at ICON_PX (sharp on 2× screens)
ICON_PX = 64

Index = QModelIndex | QPersistentModelIndex


def make_thumbnail(path: str, size: int = THUMB_PX) -> tuple[bytes, int, int]:
    """(RGBA bytes, width, height) of an upright thumbnail; runs on a worker."""
    opened = intake.open_image(path)
    image = opened.image
    try:  # a torn file fails here: the same DamagedImage (and words) as the search's loader
        if opened.format == "JPEG":
            image.draft("RGB", (size * 2, size * 2))  # reduced-scale decode: 12 MP is cheap
        image = ImageOps.exif_transpose(image)
        image.thumbnail((size, size), Image.Resampling.BILINEAR)
        rgba = image.convert("RGBA")
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise intake.damaged(opened.format or "?", exc) from None
    return rgba.tobytes(), rgba.width, rgba.height


class IntakeModel(QAbstractListModel):
    PhotoRole = Qt.ItemDataRole.UserRole + 1
    thumbnailWanted = Signal(str, str)  # key, path

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._photos: list[IntakePhoto] = []
        self._keys: set[str] = set()
        self._icons: dict[str, QIcon] = {}
        self._failed: dict[str, str] = {}
        self._asked: set[str] = set()
        self._placeholder = _icon(_placeholder(ICON_PX))
        self._broken = _icon(_placeholder(ICON_PX, broken=True))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._photos)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._photos):
            return None
        photo = self._photos[index.row()]
        if role == Qt.ItemDataRole.DecorationRole:
            icon = self._icons.get(photo.key)
            if icon is None:
                if photo.key in self._failed:
                    return self._broken
                if photo.key not in self._asked:
                    self._asked.add(photo.key)
                    self.thumbnailWanted.emit(photo.key, str(photo.path))
                return self._placeholder
            return icon
        if role == Qt.ItemDataRole.ToolTipRole:
            problem = self._failed.get(photo.key)
            where = photo.url or str(photo.path)
            return f"{photo.label}\n{where}" + (f"\n{problem}" if problem else "")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return photo.label
        if role == self.PhotoRole:
            return photo
        return None

    def add(self, photos: list[IntakePhoto]) -> list[int]:
        fresh: list[IntakePhoto] = []
        for photo in photos:
            if photo.key not in self._keys:
                self._keys.add(photo.key)
                fresh.append(photo)
        if not fresh:
            return []
        first = len(self._photos)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._photos.extend(fresh)
        self.endInsertRows()
        return list(range(first, first + len(fresh)))

    def remove_rows(self, rows: list[int]) -> list[str]:
        removed: list[str] = []
        for row in sorted(set(rows), reverse=True):  # from the end: rows above stay valid
            if not 0 <= row < len(self._photos):
                continue
            self.beginRemoveRows(QModelIndex(), row, row)
            photo = self._photos.pop(row)
            self.endRemoveRows()
            self._keys.discard(photo.key)
            self._icons.pop(photo.key, None)
            self._failed.pop(photo.key, None)
            self._asked.discard(photo.key)
            removed.append(photo.key)
        return removed

    def photo(self, row: int) -> IntakePhoto | None:
        return self._photos[row] if 0 <= row < len(self._photos) else None

    def photos(self) -> list[IntakePhoto]:
        return list(self._photos)

    def set_thumbnail(self, key: str, pixmap: QPixmap | None, problem: str = "") -> None:
        if key not in self._keys:
            return  # removed while its thumbnail was being made
        if pixmap is not None:
            self._icons[key] = _icon(pixmap)
        else:
            self._failed[key] = problem
        row = next((i for i, p in enumerate(self._photos) if p.key == key), -1)
        if row >= 0:
            index = self.index(row)
            roles = [Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole]
            self.dataChanged.emit(index, index, roles)

    def thumbnail_ready(self, key: str) -> bool:
        return key in self._icons

    def thumbnail_problem(self, key: str) -> str | None:
        return self._failed.get(key)


def _icon(pixmap: QPixmap) -> QIcon:
    """A QIcon, not a bare QPixmap: the delegate then draws it at the view's iconSize (a
    QPixmap is drawn at its own size), and the same pixmap for the selected state keeps the
    style from tinting the photo's colours (the border shows the selection)."""
    icon = QIcon()
    icon.addPixmap(pixmap, QIcon.Mode.Normal)
    icon.addPixmap(pixmap, QIcon.Mode.Selected)
    return icon


def _placeholder(size: int, broken: bool = False) -> QPixmap:
    """A grey tile while the thumbnail is made; crossed out in red if the photo is unreadable."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor("#f1f3f5"))
    painter = QPainter(pixmap)
    painter.setPen(QColor("#ced4da"))
    painter.drawRect(0, 0, size - 1, size - 1)
    if broken:
        pen = painter.pen()
        pen.setColor(QColor("#e03131"))
        pen.setWidth(3)
        painter.setPen(pen)
        m = size // 4
        painter.drawLine(m, m, size - m, size - m)
        painter.drawLine(size - m, m, m, size - m)
    painter.end()
    return pixmap


class IntakeStrip(QListView):
    currentPhotoChanged = Signal(object)  # IntakePhoto | None
    photosRemoved = Signal(list)  # list[str] keys

    def __init__(self, pools: Pools | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("intakeStrip")
        self.setAccessibleName(self.tr("Queued photos"))
        self._own_pools = pools is None
        self._pools = pools or Pools(self)
        self.model_ = IntakeModel(self)
        self.setModel(self.model_)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setIconSize(QSize(ICON_PX, ICON_PX))
        self.setGridSize(QSize(ICON_PX + 12, ICON_PX + 12))
        self.setSpacing(2)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedHeight(ICON_PX + 30)
        # the chosen photo must stand out even when the strip does not have the focus
        self.setStyleSheet(
            "QListView#intakeStrip::item { border: 2px solid transparent; border-radius: 4px; }"
            "QListView#intakeStrip::item:selected { border: 2px solid #1c7ed6;"
            " background: #d0ebff; }"
        )
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.remove_action = QAction(self.tr("Remove from the list"), self)
        self.remove_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.remove_action.triggered.connect(self.remove_selected)
        self.addAction(self.remove_action)
        self.model_.thumbnailWanted.connect(self._make_thumbnail)
        self.selectionModel().currentChanged.connect(self._current_changed)
        self._last_current: str | None = None

    # --- public -------------------------------------------------------------------------------

    def add_photos(self, photos: list[IntakePhoto], select: bool | None = None) -> None:
        """Add `photos`; the first of them becomes the current photo (what Search uses) and is
        scrolled into view, also when it was in the strip already. A later slice of one drop
        (the drop area's `continuing`) does not move the selection again."""
        if select is None:
            select = not getattr(self.sender(), "continuing", False)
        rows = self.model_.add(photos)
        if not select:
            if rows and not self.currentIndex().isValid():
                self.select(rows[0])
            return
        if not rows and photos:
            keys = [p.key for p in self.model_.photos()]
            rows = [keys.index(photos[0].key)] if photos[0].key in keys else []
        if rows:
            self.select(rows[0])

    def select(self, row: int) -> None:
        index = self.model_.index(row)
        if index.isValid():
            self.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            self.scrollTo(index)

    def current_photo(self) -> IntakePhoto | None:
        index = self.currentIndex()
        return self.model_.photo(index.row()) if index.isValid() else None

    def photos(self) -> list[IntakePhoto]:
        return self.model_.photos()

    def count(self) -> int:
        return self.model_.rowCount()

    def remove_selected(self) -> None:
        rows = [index.row() for index in self.selectionModel().selectedIndexes()]
        if not rows and self.currentIndex().isValid():
            rows = [self.currentIndex().row()]
        if not rows:
            return
        next_row = min(rows)
        removed = self.model_.remove_rows(rows)
        if removed:
            self.photosRemoved.emit(removed)
        if self.model_.rowCount():
            self.select(min(next_row, self.model_.rowCount() - 1))
        self._current_changed(self.currentIndex(), QModelIndex())

    def shutdown(self) -> None:
        if self._own_pools:
            self._pools.shutdown()

    # --- internals ----------------------------------------------------------------------------

    def _current_changed(self, current: Index, _previous: Index) -> None:
        photo = self.model_.photo(current.row()) if current.isValid() else None
        key = photo.key if photo else None
        if key != self._last_current:
            self._last_current = key
            self.currentPhotoChanged.emit(photo)

    def _make_thumbnail(self, key: str, path: str) -> None:
        def work(_cancel: CancelToken, _progress: Any) -> tuple[bytes, int, int]:
            return make_thumbnail(path)

        def done(result: tuple[bytes, int, int] | None, error: BaseException | None) -> None:
            if error is not None or result is None:
                text = photo_error_text(error)
                self.model_.set_thumbnail(key, None, text)
                return
            data, width, height = result
            image = QImage(data, width, height, width * 4, QImage.Format.Format_RGBA8888).copy()
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(THUMB_PX / ICON_PX)  # sharp on 2× screens
            self.model_.set_thumbnail(key, pixmap)

        self._pools.start(self._pools.thumbnails, work, done, name="intake-thumbnail")


__all__ = ["IntakeModel", "IntakeStrip", "make_thumbnail"]
