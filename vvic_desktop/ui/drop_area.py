"""The drop area: photos come in by drag and drop, Ctrl+V, Ctrl+O (issue 5, item 2).

Public API
----------
`DropArea(pools, settings=None, paths=None, *, allow_private_hosts=False)`, objectName
"dropArea". Accepts drops of files, folders (walked recursively, capped), http(s) image
addresses dragged from a browser, `data:` URLs (decoded with a size cap) and `file:` URLs
(treated as paths); other schemes (`javascript:`, `blob:`, …) are refused with a message.

Signals
    photosAdded(list[IntakePhoto])   photos ready to show, in batches (never one huge list)
    problem(str)                     a message for the user (already translated)
    busyChanged(bool)                True while folder walks or downloads are running
Methods
    add_paths(list[str]) / add_urls(list[str])   queue work exactly like a drop does
    paste_from_clipboard()                       Ctrl+V: an image, or image URLs / paths
    open_files_dialog()                          Ctrl+O
    pending() -> int                             queued jobs not finished yet

The drop handler only queues (STYLE habit 4): `paths_from_mime` sorts the dropped URLs (no
disk access), and folder walking, `stat`, downloads (`core.intake.fetch_url` with the
"allow LAN" setting) and clipboard encoding run on `pools.thumbnails`; results are handed
out `BATCH` photos per event-loop turn. Every photo has a real file (`IntakePhoto.path`):
downloads and pasted images are written under `paths.cache / "intake"`, named by content,
so the search pipeline always gets a path.

`paths_from_mime(mime) -> (paths, urls, refused)` and `collect_image_files(...)` are pure
functions, tested on their own.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import os
import stat
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QMimeData, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vvic_desktop.core import errors, intake
from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import ImageTooLarge, NotAFile, VvicError
from vvic_desktop.paths import AppPaths
from vvic_desktop.storage.files import write_atomically
from vvic_desktop.storage.settings import ALLOW_LAN_IMAGES, LAST_FOLDER, Settings
from vvic_desktop.workers.tasks import Pools

MAX_FILES = 2000  # photos taken from one drop (folders included)
MAX_DEPTH = 8  # folder levels below a dropped folder
MAX_URLS = 50  # addresses downloaded from one drop
MAX_DATA_URL_CHARS = intake.MAX_URL_BYTES * 4 // 3 + 64  # base64 of the byte cap, plus header
BATCH = 100  # photos handed out per event-loop turn
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".bmp", ".heic", ".heif"}
)




@dataclass(frozen=True, slots=True)
class IntakePhoto:
    """One queued photo. `path` is always a readable file (downloads are saved first)."""

    path: Path
    label: str  # what the strip shows: the file name, or the address it came from
    origin: str = "file"  # file | url | clipboard
    url: str | None = None

    @property
    def key(self) -> str:
        """Identity for de-duplication and the crop remembered per photo."""
        return str(self.path)


@dataclass(slots=True)
class WalkResult:
    files: list[Path] = field(default_factory=list)
    skipped: int = 0  # not regular files (FIFOs, devices, sockets), unreadable, not images
    capped: bool = False  # MAX_FILES or MAX_DEPTH cut the walk short
    problems: list[str] = field(default_factory=list)  # messages for directly dropped items


# --- pure functions ---------------------------------------------------------------------------


def paths_from_mime(mime: QMimeData) -> tuple[list[Path], list[str], list[str]]:
    """Sort dropped or pasted data into (local paths, http/https/data URLs, refused items).

    No disk or network access: it only looks at the URLs (or, without URLs, at text lines
    that are addresses), so it is safe in a drop handler.
    """
    paths: list[Path] = []
    urls: list[str] = []
    refused: list[str] = []
    if mime.hasUrls():
        candidates: Iterable[QUrl] = mime.urls()
    elif mime.hasText():
        lines = (line.strip() for line in mime.text().splitlines())
        candidates = [QUrl(line) for line in lines if ":" in line[:12]]
    else:
        candidates = []
    for url in candidates:
        scheme = url.scheme().lower()
        if url.isLocalFile():
            local = url.toLocalFile()
            if local:
                paths.append(Path(local))
            continue
        if scheme in ("http", "https") and url.host():
            urls.append(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))
        elif scheme == "data":
            text = url.toString(QUrl.ComponentFormattingOption.FullyEncoded)
            if len(text) > MAX_DATA_URL_CHARS:
                refused.append(QCoreApplication.translate(
                    "DropArea", "an embedded picture larger than 20 MB"))
            else:
                urls.append(text)
        else:
            shown = url.toDisplayString()
            refused.append(shown[:60] + ("…" if len(shown) > 60 else ""))
    return paths, urls, refused


def collect_image_files(
    roots: Iterable[Path],
    *,
    max_files: int = MAX_FILES,
    max_depth: int = MAX_DEPTH,
    cancel: CancelToken | None = None,
) -> WalkResult:
    """The image files under `roots`: files as given, folders walked (symlinked folders are
    not followed, so a loop cannot trap the walk); anything not a regular file is skipped,
    because opening a FIFO blocks and a device never ends."""
    result = WalkResult()
    for root in roots:
        if len(result.files) >= max_files:
            result.capped = True
            break
        try:
            st = root.stat()
        except OSError:
            result.problems.append(
                QCoreApplication.translate(
                    "DropArea", "“{name}” cannot be found or read and was skipped."
                ).format(name=root.name)
            )
            continue
        if stat.S_ISDIR(st.st_mode):
            _walk_folder(root, result, max_files, max_depth, cancel)
        elif stat.S_ISREG(st.st_mode):
            result.files.append(root)  # dropped on purpose: its content decides, not its name
        else:
            result.skipped += 1
            result.problems.append(NotAFile(name=root.name).message())
    return result


def _walk_folder(
    root: Path, result: WalkResult, max_files: int, max_depth: int, cancel: CancelToken | None
) -> None:
    base_depth = len(root.parts)
    for folder, dirs, names in os.walk(root, followlinks=False):
        if cancel is not None:
            cancel.raise_if_cancelled()
        depth = len(Path(folder).parts) - base_depth
        if depth >= max_depth:
            if dirs:
                result.capped = True
            dirs[:] = []  # os.walk descends only into what is left here
        dirs.sort()
        for name in sorted(names):
            if Path(name).suffix.lower() not in IMAGE_SUFFIXES:
                continue
            path = Path(folder, name)
            try:
                st = path.stat()  # follows a file symlink: a link to /dev/zero is a device
            except OSError:
                result.skipped += 1
                continue
            if not stat.S_ISREG(st.st_mode):
                result.skipped += 1
                continue
            if len(result.files) >= max_files:
                result.capped = True
                return
            result.files.append(path)


def save_intake_bytes(folder: Path, data: bytes, suffix: str, name: str = "") -> Path:
    """Write `data` under `folder` atomically; reuse an existing copy. Named by its content,
    or, given a `name` (a pasted picture: "粘贴的图片 2026-12-03 16.20"), by that name, with
    " (2)", " (3)"… when another picture already has it."""
    if not name:
        digest = hashlib.sha256(data).hexdigest()[:32]
        target = folder / f"{digest}{suffix}"
        if target.is_file() and target.stat().st_size == len(data):
            return target
        write_atomically(target, data, durable=False)
        return target
    safe = "".join("_" if c in '\\/:*?"<>|' or ord(c) < 32 else c for c in name).strip(" .")
    for n in range(1, 1000):
        target = folder / (f"{safe or 'photo'}{suffix}" if n == 1 else f"{safe} ({n}){suffix}")
        if target.is_file():
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                return target  # the same picture pasted twice
            continue
        write_atomically(target, data, durable=False)
        return target
    raise errors.StorageError(f"too many pictures named {safe!r}")


_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif", "BMP": ".bmp",
           "HEIF": ".heic"}


# --- the widget -------------------------------------------------------------------------------


class DropArea(QFrame):
    photosAdded = Signal(list)  # list[IntakePhoto]
    problem = Signal(str)
    busyChanged = Signal(bool)

    def __init__(
        self,
        pools: Pools,
        settings: Settings | None = None,
        paths: AppPaths | None = None,
        parent: QWidget | None = None,
        *,
        allow_private_hosts: bool = False,
    ) -> None:
        super().__init__(parent)
        self.continuing = False  # a later slice of one run is being handed out
        self.setObjectName("dropArea")
        self.setAccessibleName(self.tr("Drop photos here"))
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(84)
        self._pools = pools
        self._settings = settings
        self._paths = paths or AppPaths.resolve()
        # the demo and tests serve images from 127.0.0.1; users get the LAN setting only
        self._allow_private_hosts = allow_private_hosts
        self._pending_jobs = 0
        self._outbox: deque[IntakePhoto] = deque()
        self._pasted = 0
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._flush)
        self._build()
        self._set_hover(False)

    def _build(self) -> None:
        self.hint = QLabel(self.tr("Drop photos, folders or image addresses here"))
        self.hint.setObjectName("dropHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        font = self.hint.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.hint.setFont(font)
        self.status = QLabel()
        self.status.setObjectName("dropStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.open_button = QPushButton(self.tr("Open photos…"))
        self.open_button.setObjectName("openPhotosButton")
        self.open_button.setAccessibleName(self.tr("Open photos"))
        self.open_button.setToolTip(self.tr("Choose photos from a folder (Ctrl+O)"))
        self.open_button.clicked.connect(self.open_files_dialog)
        self.paste_button = QPushButton(self.tr("Paste"))
        self.paste_button.setObjectName("pastePhotoButton")
        self.paste_button.setAccessibleName(self.tr("Paste a photo"))
        self.paste_button.setToolTip(self.tr("Paste a copied picture or image address (Ctrl+V)"))
        self.paste_button.clicked.connect(self.paste_from_clipboard)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.paste_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.status.hide()

    def _set_hover(self, hover: bool) -> None:
        colour = "#1c7ed6" if hover else "#adb5bd"
        background = "#e7f5ff" if hover else "transparent"
        self.setStyleSheet(
            f"QFrame#dropArea {{ border: 2px dashed {colour}; border-radius: 8px;"
            f" background: {background}; }}"
        )

    # --- drag and drop ------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasText() or mime.hasImage():
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self._set_hover(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    def dragLeaveEvent(self, event: Any) -> None:
        self._set_hover(False)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_hover(False)
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.take_mime(event.mimeData())

    def take_mime(self, mime: QMimeData) -> None:
        """Queue whatever `mime` holds (drop and paste share this); returns at once."""
        paths, urls, refused = paths_from_mime(mime)
        if not paths and not urls and not refused and mime.hasImage():
            self._queue_image(QImage(mime.imageData()))
            return
        if refused:
            self.problem.emit(
                self.tr(
                    "Not added: {items}. Only image files, folders and web (http/https) image "
                    "addresses can be dropped."
                ).format(items="; ".join(refused[:3]) + (" …" if len(refused) > 3 else ""))
            )
        if paths:
            self.add_paths([str(p) for p in paths])
        if urls:
            self.add_urls(urls)
        if not paths and not urls and not refused:
            self.problem.emit(
                self.tr("Nothing to add: drop image files, folders or image addresses.")
            )

    # --- queueing -----------------------------------------------------------------------------

    def pending(self) -> int:
        return self._pending_jobs + len(self._outbox)

    def add_paths(self, paths: list[str]) -> None:
        """Queue files and folders; the walk and the checks run on a worker."""
        roots = [Path(p) for p in paths]
        if not roots:
            return

        def walk(cancel: CancelToken, _progress: Any) -> WalkResult:
            return collect_image_files(roots, cancel=cancel)

        self._start(walk, self._walk_done, name="intake-walk")

    def _walk_done(self, result: WalkResult | None, error: BaseException | None) -> None:
        self._job_finished()
        if error is not None:
            self._report(error)
            return
        assert result is not None
        for message in result.problems[:3]:
            self.problem.emit(message)
        if result.capped:
            self.problem.emit(
                self.tr(
                    "Only the first {n} photos were added (at most {depth} folder levels deep)."
                ).format(n=len(result.files), depth=MAX_DEPTH)
            )
        elif result.skipped and not result.problems:
            self.problem.emit(
                self.tr("{n} item(s) were skipped: not regular image files.").format(
                    n=result.skipped
                )
            )
        if not result.files and not result.problems and not result.skipped:
            self.problem.emit(self.tr("No photos found in what was dropped."))
        self._deliver(IntakePhoto(path=p, label=p.name) for p in result.files)

    def add_urls(self, urls: list[str]) -> None:
        """Download each address on a worker; only images that decode are added."""
        if len(urls) > MAX_URLS:
            self.problem.emit(
                self.tr("Only the first {n} image addresses are downloaded.").format(n=MAX_URLS)
            )
            urls = urls[:MAX_URLS]
        allow_lan = self._settings.value(ALLOW_LAN_IMAGES) if self._settings else False
        allow_private = self._allow_private_hosts
        folder = self._paths.cache / "intake"
        for url in urls:
            self._start(
                _download_job(url, folder, allow_lan=allow_lan, allow_private=allow_private),
                self._download_done,
                name="intake-url",
            )

    def _download_done(self, result: IntakePhoto | None, error: BaseException | None) -> None:
        self._job_finished()
        if error is not None:
            self._report(error)
        elif result is not None:
            self._deliver([result])

    def paste_from_clipboard(self) -> None:
        """Ctrl+V: a copied picture, or copied image addresses or files."""
        clipboard = QGuiApplication.clipboard()
        mime = clipboard.mimeData()
        if mime is not None and mime.hasImage():
            self._queue_image(clipboard.image())
        elif mime is not None and (mime.hasUrls() or mime.hasText()):
            self.take_mime(mime)
        else:
            self.problem.emit(self.tr("The clipboard holds no picture or image address."))

    def _queue_image(self, image: QImage) -> None:
        if image.isNull():
            self.problem.emit(self.tr("The clipboard holds no picture or image address."))
            return
        self._pasted += 1
        # named as a buyer would name it: the time it was pasted (a colon cannot be in a file
        # name on Windows: the file has 16.20, the label 16:20)
        now = datetime.datetime.now()
        label = self.tr("Pasted picture {time}").format(time=now.strftime("%Y-%m-%d %H:%M"))
        file_name = self.tr("Pasted picture {time}").format(
            time=now.strftime("%Y-%m-%d %H.%M"))
        folder = self._paths.cache / "intake"
        qimage = QImage(image)  # an implicitly shared copy: safe to read on the worker

        def encode(cancel: CancelToken, _progress: Any) -> IntakePhoto:
            width, height = qimage.width(), qimage.height()
            if width * height > intake.MAX_IMAGE_PIXELS:  # refuse before copying pixels
                raise ImageTooLarge(f"clipboard {width}×{height}", width=width, height=height,
                                    limit_mp=intake.MAX_IMAGE_PIXELS // 1_000_000)
            rgba = qimage.convertToFormat(QImage.Format.Format_RGBA8888)
            pil = intake.image_from_raw(
                bytes(rgba.constBits()), rgba.width(), rgba.height(), rgba.bytesPerLine(), "RGBA"
            )
            cancel.raise_if_cancelled()
            alpha_low, _alpha_high = pil.getchannel("A").getextrema()
            if alpha_low == 255:
                pil = pil.convert("RGB")  # fully opaque: smaller file, same pixels
            buffer = io.BytesIO()
            pil.save(buffer, "PNG", compress_level=1)
            path = save_intake_bytes(folder, buffer.getvalue(), ".png", name=file_name)
            return IntakePhoto(path=path, label=label, origin="clipboard")

        self._start(encode, self._download_done, name="intake-paste")

    def open_files_dialog(self) -> None:
        """Ctrl+O: choose photos; the last folder is remembered (UI state)."""
        start = self._settings.value(LAST_FOLDER) if self._settings else ""
        files, _filter = QFileDialog.getOpenFileNames(
            self,
            self.tr("Open photos"),
            start,
            self.tr("Images (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.heic *.heif);;All files (*)"),
        )
        if not files:
            return
        if self._settings is not None:
            with contextlib.suppress(VvicError):
                self._settings.set("state.last_folder", str(Path(files[0]).parent))
        self.add_paths(files)

    # --- plumbing -----------------------------------------------------------------------------

    def _start(self, fn: Any, on_done: Any, *, name: str) -> None:
        self._pending_jobs += 1
        if self._pending_jobs == 1:
            self._show_busy(True)
        self._pools.start(self._pools.thumbnails, fn, on_done, name=name)

    def _job_finished(self) -> None:
        self._pending_jobs -= 1
        if self._pending_jobs == 0 and not self._outbox:
            self._show_busy(False)

    def _show_busy(self, busy: bool) -> None:
        if busy:
            self.status.setText(self.tr("Adding photos…"))
            self.status.show()
        else:
            self.status.hide()
        self.busyChanged.emit(busy)

    def _report(self, error: BaseException) -> None:
        if isinstance(error, VvicError):
            if error.code != "cancelled":
                self.problem.emit(error.message())
        else:
            self.problem.emit(
                self.tr("A photo could not be added ({kind}).").format(kind=type(error).__name__)
            )

    def _deliver(self, photos: Iterable[IntakePhoto]) -> None:
        self._outbox.extend(photos)
        if self._outbox and not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush(self) -> None:
        """Hand out at most BATCH photos per event-loop turn, so the window keeps painting.
        `continuing` is True while a later slice of the same run is handed out: the strip
        selects the first photo of an addition, not the first of every slice."""
        batch = [self._outbox.popleft() for _ in range(min(BATCH, len(self._outbox)))]
        if not self._outbox:
            self._flush_timer.stop()
            if self._pending_jobs == 0:
                self._show_busy(False)
        if batch:
            self.photosAdded.emit(batch)
            self.continuing = bool(self._outbox)


def _download_job(url: str, folder: Path, *, allow_lan: bool, allow_private: bool) -> Any:
    def download(cancel: CancelToken, _progress: Any) -> IntakePhoto:
        data = intake.fetch_url(
            url, allow_lan=allow_lan, allow_private=allow_private, cancel=cancel
        )
        opened = intake.open_bytes(data)  # decides by content: an HTML placeholder fails here
        path = save_intake_bytes(folder, data, _SUFFIX.get(opened.format, ".img"))
        label = "data:" if url.startswith("data:") else url.rsplit("/", 1)[-1][:40] or url[:40]
        return IntakePhoto(path=path, label=label, origin="url", url=url[:2000])

    return download
