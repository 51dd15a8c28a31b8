"""The crop tool: the photo in a QGraphicsView with a movable, resizable crop rectangle.

Public API
----------
`CropTool(pools, parent=None)`, objectName "cropView": a small tool row (Auto, Reset, Fit,
the crop's size) above `self.view`, a `QGraphicsView` (objectName "cropGraphicsView").

Signals
    cropChanged(object)   the new `CropBox`, or None for "the whole photo"
    photoLoaded()         a photo is shown and ready to crop
    problem(str)          a message for the user (already translated)
Methods
    load_photo(photo)     an `IntakePhoto` (or anything with `.path` and `.key`), or a path
    crop_box() -> CropBox | None     None = no crop (search the whole photo)
    set_crop(CropBox | None), reset_crop(), auto_crop(), fit()
    suggestion_pending() -> bool   the box suggested on showing a photo is being worked out
    forget_photos(list[str])   drop remembered crops (connect IntakeStrip.photosRemoved)
    has_photo() -> bool, auto_crop_count() -> int, image_size() -> (w, h) | None

Coordinates: the scene *is* the upright (EXIF-rotated) full-resolution photo: the preview
pixmap (at most PREVIEW_PX on its long side, decoded on a worker with reduced-scale JPEG
loading) is scaled up to cover it, so the crop rectangle, `crop_box()` and every test speak
full-resolution upright pixels whatever the zoom. A crop is remembered per photo key.

Auto-crop is the default: when a photo is shown for the first time, the garment's box
(`core.autocrop.suggest_crop`, the same box `vvic search` uses) is worked out on a worker
and drawn, editable; Reset searches the whole photo (`suggest_on_load = False` turns it off).

Mouse: drag on the photo outside the crop draws a new crop; drag inside moves it; the eight
handles resize it; the wheel zooms around the pointer. Keys: arrows nudge the crop by one
photo pixel (Shift: 10), Delete/Backspace resets it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRect, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    import numpy as np

from vvic_desktop.core import intake
from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.models import CropBox
from vvic_desktop.ui.messages import photo_error_text
from vvic_desktop.workers.tasks import Pools

PREVIEW_PX = 1600  # long side of the shown preview; crops are reported at full resolution
HANDLE_PX = 10  # handle size on screen, whatever the zoom
MIN_CROP = 8  # photo pixels (CropBox.clamped refuses anything smaller)
ZOOM_STEP = 1.15

HANDLES = ("tl", "t", "tr", "r", "br", "b", "bl", "l")
_CURSORS = {
    "tl": Qt.CursorShape.SizeFDiagCursor, "br": Qt.CursorShape.SizeFDiagCursor,
    "tr": Qt.CursorShape.SizeBDiagCursor, "bl": Qt.CursorShape.SizeBDiagCursor,
    "t": Qt.CursorShape.SizeVerCursor, "b": Qt.CursorShape.SizeVerCursor,
    "l": Qt.CursorShape.SizeHorCursor, "r": Qt.CursorShape.SizeHorCursor,
    "move": Qt.CursorShape.SizeAllCursor,
}


def load_upright_preview(path: str, max_side: int = PREVIEW_PX) -> dict[str, Any]:
    """On a worker: the photo's upright full size and an upright RGB preview (numpy array).

    The full size is read from the header and the EXIF orientation (5–8 swap the sides)
    before any pixel is decoded, so a 48 MP photo costs only its reduced-scale decode.
    """
    from vvic_desktop.core.autocrop import upright_preview  # OpenCV/numpy: on the worker

    preview, width, height = upright_preview(intake.open_image(path), max_side)
    return {"preview": preview, "width": width, "height": height}


def _rect_of(box: CropBox) -> QRectF:
    return QRectF(box.x, box.y, box.w, box.h)


def _box_of(rect: QRectF) -> CropBox:
    x0, y0 = round(rect.left()), round(rect.top())
    x1, y1 = round(rect.right()), round(rect.bottom())
    return CropBox(x0, y0, x1 - x0, y1 - y0)


class CropGraphicsView(QGraphicsView):
    """The view: draws the crop overlay in drawForeground and turns mouse drags into crops."""

    edited = Signal()  # the user finished a drag or a nudge

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cropGraphicsView")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setBackgroundBrush(QColor("#343a40"))
        self.setMinimumSize(200, 200)
        self.pixmap_item = QGraphicsPixmapItem()
        self.pixmap_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.pixmap_item)
        self.image_rect = QRectF()
        self.crop: QRectF | None = None
        self.user_zoomed = False
        self._mode: str | None = None  # "new", "move" or a handle name while dragging
        self._anchor = QPointF()
        self._start_rect = QRectF()

    # --- content --------------------------------------------------------------------------------

    def show_image(self, pixmap: QPixmap, width: int, height: int) -> None:
        self.pixmap_item.setPixmap(pixmap)
        self.pixmap_item.setTransform(
            QTransform.fromScale(width / pixmap.width(), height / pixmap.height())
        )
        self.image_rect = QRectF(0, 0, width, height)
        self.scene().setSceneRect(self.image_rect)
        self.user_zoomed = False
        self.fit()

    def clear_image(self) -> None:
        self.pixmap_item.setPixmap(QPixmap())
        self.image_rect = QRectF()
        self.crop = None
        self.viewport().update()

    def fit(self) -> None:
        if not self.image_rect.isEmpty():
            self.fitInView(self.image_rect, Qt.AspectRatioMode.KeepAspectRatio)
            self.user_zoomed = False

    def set_crop_rect(self, rect: QRectF | None) -> None:
        self.crop = self._clamped(rect) if rect is not None else None
        self.viewport().update()

    # --- geometry helpers ---------------------------------------------------------------------

    def _clamped(self, rect: QRectF) -> QRectF:
        rect = rect.normalized().intersected(self.image_rect)
        return rect

    def _handle_points(self, rect: QRectF) -> dict[str, QPointF]:
        c = rect.center()
        return {
            "tl": rect.topLeft(), "t": QPointF(c.x(), rect.top()), "tr": rect.topRight(),
            "r": QPointF(rect.right(), c.y()), "br": rect.bottomRight(),
            "b": QPointF(c.x(), rect.bottom()), "bl": rect.bottomLeft(),
            "l": QPointF(rect.left(), c.y()),
        }

    def hit_test(self, view_pos: QPointF) -> str | None:
        """Which handle (or "move") is under a viewport position; None for neither."""
        if self.crop is None:
            return None
        for name, point in self._handle_points(self.crop).items():
            screen = QPointF(self.mapFromScene(point))
            if (abs(screen.x() - view_pos.x()) <= HANDLE_PX
                    and abs(screen.y() - view_pos.y()) <= HANDLE_PX):
                return name
        if self.crop.contains(self.mapToScene(view_pos.toPoint())):
            return "move"
        return None

    def handle_scene_pos(self, name: str) -> QPointF:
        assert self.crop is not None
        return self._handle_points(self.crop)[name]

    # --- painting -----------------------------------------------------------------------------

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        if self.crop is None or self.image_rect.isEmpty():
            return
        shade = QPainterPath()
        shade.addRect(self.image_rect)
        hole = QPainterPath()
        hole.addRect(self.crop)
        painter.fillPath(shade.subtracted(hole), QColor(0, 0, 0, 120))
        scale = self.transform().m11() or 1.0
        pen = QPen(QColor("#ffd43b"))
        pen.setWidthF(2.0 / scale)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(self.crop)
        size = HANDLE_PX / scale
        painter.setBrush(QBrush(QColor("#ffffff")))
        pen.setColor(QColor("#1c7ed6"))
        pen.setWidthF(1.5 / scale)
        painter.setPen(pen)
        for point in self._handle_points(self.crop).values():
            painter.drawRect(QRectF(point - QPointF(size / 2, size / 2), QSizeF(size, size)))

    # --- mouse, wheel, keys ---------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.image_rect.isEmpty():
            super().mousePressEvent(event)
            return
        scene_pos = self.mapToScene(event.position().toPoint())
        hit = self.hit_test(event.position())
        if hit is None:
            if not self.image_rect.contains(scene_pos):
                return
            self._mode = "new"
            self._anchor = scene_pos
            self.crop = QRectF(scene_pos, QSizeF(0, 0))
        else:
            self._mode = hit
            self._anchor = scene_pos
            self._start_rect = QRectF(self.crop) if self.crop is not None else QRectF()
        self.setFocus()
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        scene_pos = self.mapToScene(event.position().toPoint())
        if self._mode is None:
            hit = self.hit_test(event.position())
            self.viewport().setCursor(_CURSORS.get(hit or "", Qt.CursorShape.CrossCursor))
            super().mouseMoveEvent(event)
            return
        x = min(max(scene_pos.x(), self.image_rect.left()), self.image_rect.right())
        y = min(max(scene_pos.y(), self.image_rect.top()), self.image_rect.bottom())
        if self._mode == "new":
            self.crop = QRectF(self._anchor, QPointF(x, y)).normalized()
        elif self._mode == "move":
            moved = self._start_rect.translated(scene_pos - self._anchor)
            self.crop = self._kept_inside(moved)
        else:
            rect = QRectF(self._start_rect)
            if "l" in self._mode:
                rect.setLeft(x)
            if "r" in self._mode:
                rect.setRight(x)
            if "t" in self._mode:
                rect.setTop(y)
            if "b" in self._mode:
                rect.setBottom(y)
            self.crop = rect.normalized()
        self.viewport().update()
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._mode is None:
            super().mouseReleaseEvent(event)
            return
        self._mode = None
        if self.crop is not None and (self.crop.width() < MIN_CROP
                                      or self.crop.height() < MIN_CROP):
            self.crop = None  # a click, not a drag: no crop
        self.viewport().update()
        self.edited.emit()
        event.accept()

    def _kept_inside(self, rect: QRectF) -> QRectF:
        dx = max(0.0, self.image_rect.left() - rect.left()) - max(
            0.0, rect.right() - self.image_rect.right())
        dy = max(0.0, self.image_rect.top() - rect.top()) - max(
            0.0, rect.bottom() - self.image_rect.bottom())
        return rect.translated(dx, dy)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps == 0 or self.image_rect.isEmpty():
            return
        factor = ZOOM_STEP ** steps
        current = self.transform().m11()
        fitted = min(self.viewport().width() / self.image_rect.width(),
                     self.viewport().height() / self.image_rect.height())
        # between a quarter of "fit" and 8 screen pixels per photo pixel
        target = min(max(current * factor, fitted / 4), 8.0)
        self.scale(target / current, target / current)
        self.user_zoomed = True
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        moves = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0),
                 Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
        key = Qt.Key(event.key())
        if key in moves and self.crop is not None:
            step = 10 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1
            dx, dy = moves[key]
            self.crop = self._kept_inside(self.crop.translated(dx * step, dy * step))
            self.viewport().update()
            self.edited.emit()
            event.accept()
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.crop is not None:
            self.crop = None
            self.viewport().update()
            self.edited.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self.user_zoomed:
            self.fit()


class CropTool(QWidget):
    cropChanged = Signal(object)  # CropBox | None
    photoLoaded = Signal()
    problem = Signal(str)

    def __init__(self, pools: Pools, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cropView")
        self.setAccessibleName(self.tr("Crop the garment"))
        self._pools = pools
        self._key: str | None = None
        self._size: tuple[int, int] | None = None
        self._preview: np.ndarray | None = None
        self._generation = 0
        self._auto_count = 0
        self._suggesting = -1  # the generation whose suggested box is being worked out
        self._path = ""
        # auto-crop by default: the garment's box is suggested when a photo is first shown
        self.suggest_on_load = True
        self._remembered: dict[str, CropBox | None] = {}
        self._build()
        self._update_controls()

    def _build(self) -> None:
        self.view = CropGraphicsView(self)
        self.view.setAccessibleName(self.tr("Photo and crop rectangle"))
        self.view.edited.connect(self._edited)
        self.auto_button = QPushButton(self.tr("Auto crop"))
        self.auto_button.setObjectName("autoCropButton")
        self.auto_button.setAccessibleName(self.tr("Auto crop"))
        self.auto_button.setToolTip(self.tr("Find the garment and crop to it (Ctrl+R)"))
        self.auto_button.clicked.connect(self.auto_crop)
        self.reset_button = QPushButton(self.tr("Reset"))
        self.reset_button.setObjectName("resetCropButton")
        self.reset_button.setAccessibleName(self.tr("Reset the crop"))
        self.reset_button.setToolTip(self.tr("Use the whole photo"))
        self.reset_button.clicked.connect(self.reset_crop)
        self.fit_button = QPushButton(self.tr("Fit"))
        self.fit_button.setObjectName("fitPhotoButton")
        self.fit_button.setAccessibleName(self.tr("Fit the photo in the view"))
        self.fit_button.clicked.connect(self.fit)
        self.info = QLabel()
        self.info.setObjectName("cropInfo")
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # its text changes with every drag: it takes the room left, never asks for more
        # (a longer text would widen the left pane and shift the panes)
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.info.setMinimumWidth(40)
        self.info.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.auto_button)
        row.addWidget(self.reset_button)
        row.addWidget(self.fit_button)
        row.addWidget(self.info, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)

    # --- public -------------------------------------------------------------------------------

    def has_photo(self) -> bool:
        return self._size is not None

    def auto_crop_count(self) -> int:
        return self._auto_count

    def image_size(self) -> tuple[int, int] | None:
        return self._size

    def crop_box(self) -> CropBox | None:
        if self.view.crop is None or self._size is None:
            return None
        box = _box_of(self.view.crop)
        if box.w < MIN_CROP or box.h < MIN_CROP:
            return None
        return box

    def set_crop(self, box: CropBox | None) -> None:
        self.view.set_crop_rect(_rect_of(box) if box is not None else None)
        self._edited()

    def remember_crop(self, key: str, box: CropBox | None) -> None:
        """The crop to show when the photo `key` is next loaded (a saved search's crop)."""
        self._remembered[key] = box

    def reset_crop(self) -> None:
        self.set_crop(None)

    def fit(self) -> None:
        self.view.fit()

    def forget_photos(self, keys: list[str]) -> None:
        """Forget the crops of photos removed from the queue; clear the view if it shows one."""
        for key in keys:
            self._remembered.pop(key, None)
        if self._key in keys:
            self._generation += 1  # a load still running for it is stale now
            self._key, self._size, self._preview = None, None, None
            self.view.clear_image()
            self._show_info()
            self._update_controls()
            self.cropChanged.emit(None)

    def load_photo(self, photo: Any) -> None:
        """Show `photo` (IntakePhoto, or a path); decoding runs on a worker."""
        if self._key is not None and self._size is not None:  # only a shown photo has a crop
            self._remembered[self._key] = self.crop_box()
        path = str(getattr(photo, "path", photo))
        key = str(getattr(photo, "key", path))
        self._generation += 1
        generation = self._generation
        self._key, self._size, self._preview = key, None, None
        self._path = path
        self.view.clear_image()
        self.info.setText(self.tr("Loading the photo…"))
        self._update_controls()

        def work(_cancel: CancelToken, _progress: Any) -> dict[str, Any]:
            return load_upright_preview(path)

        def done(result: dict[str, Any] | None, error: BaseException | None) -> None:
            if generation != self._generation:
                return  # another photo was chosen meanwhile
            if error is not None or result is None:
                self._key = None
                self.info.setText("")
                self._update_controls()
                self.problem.emit(self._message(error))
                return
            self._show(result)

        self._pools.start(self._pools.thumbnails, work, done, name="crop-load")

    def auto_crop(self) -> None:
        """Propose the garment's box on a worker (core.autocrop.suggest_crop)."""
        self._propose(quiet=False)

    def suggestion_pending(self) -> bool:
        """The box suggested on adding a photo is still being worked out (a search started
        now should cut the photo to the garment itself: `SearchQuery.auto_crop`)."""
        return self._suggesting == self._generation and self._size is not None

    def _propose(self, *, quiet: bool) -> None:
        """`quiet`: the suggestion made when a photo is first shown (auto-crop is the
        default); finding nothing then just leaves the whole photo, without a message."""
        if self._preview is None or self._size is None:
            if not quiet:
                self.problem.emit(self.tr("Open a photo first."))
            return
        path, generation = self._path, self._generation
        self.auto_button.setEnabled(False)
        self.info.setText(self.tr("Looking for the garment…"))

        def work(_cancel: CancelToken, _progress: Any) -> tuple[CropBox | None, bool]:
            from vvic_desktop.core.autocrop import suggest_crop  # OpenCV: on first use

            # the very box `vvic search` and a search started before it showed would use
            box = suggest_crop(intake.open_image(path))
            return box, box is not None

        def done(result: tuple[CropBox | None, bool] | None, error: BaseException | None) -> None:
            if generation != self._generation:
                return
            if quiet:
                self._suggesting = -1
            self._auto_count += 1
            self._update_controls()
            if error is not None or result is None:
                if not quiet:  # a failed suggestion leaves the whole photo, unannounced
                    self.problem.emit(self._message(error))
                self._show_info()
                return
            box, found = result
            if quiet and (self._key in self._remembered or found is False):
                return  # the buyer drew a box meanwhile, or there is nothing to suggest
            if not found:
                self.problem.emit(
                    self.tr("No garment stood out clearly; the whole photo will be searched.")
                )
            self.set_crop(box)

        if quiet:
            self._suggesting = generation
        self._pools.start(self._pools.thumbnails, work, done, name="auto-crop")

    # --- internals ----------------------------------------------------------------------------

    def _show(self, result: dict[str, Any]) -> None:
        preview: np.ndarray = result["preview"]
        height_px, width_px = preview.shape[:2]
        image = QImage(preview.data, width_px, height_px, width_px * 3,
                       QImage.Format.Format_RGB888).copy()
        self._preview = preview
        self._size = (int(result["width"]), int(result["height"]))
        self.view.show_image(QPixmap.fromImage(image), *self._size)
        first_time = (self._key or "") not in self._remembered
        remembered = self._remembered.get(self._key or "")
        self.view.set_crop_rect(_rect_of(remembered) if remembered else None)
        self._update_controls()
        self._show_info()
        self.photoLoaded.emit()
        self.cropChanged.emit(self.crop_box())
        if first_time and self.suggest_on_load:  # auto-crop by default, off the GUI thread
            self._propose(quiet=True)

    def _edited(self) -> None:
        box = self.crop_box()
        if self.view.crop is not None and box is None:
            self.view.set_crop_rect(None)
        if self._key is not None:
            self._remembered[self._key] = box
        self._show_info()
        self.cropChanged.emit(box)

    def _show_info(self) -> None:
        if self._size is None:
            self.info.setText("")
            return
        box = self.crop_box()
        if box is None:
            self.info.setText(self.tr("Whole photo, {w} × {h} px").format(
                w=self._size[0], h=self._size[1]))
        else:
            self.info.setText(self.tr("Crop {w} × {h} px at ({x}, {y})").format(
                w=box.w, h=box.h, x=box.x, y=box.y))
        self.info.setToolTip(self.info.text())  # the whole text when the pane is narrow

    def _update_controls(self) -> None:
        loaded = self._size is not None
        for button in (self.auto_button, self.reset_button, self.fit_button):
            button.setEnabled(loaded)

    def _message(self, error: BaseException | None) -> str:
        return photo_error_text(error)


__all__ = ["CropGraphicsView", "CropTool", "load_upright_preview"]
