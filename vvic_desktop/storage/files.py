"""Writing files so that a crash, a kill or a full disk never leaves a torn one."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from pathlib import Path

from vvic_desktop.core.errors import DiskFull, StorageError


def write_atomically(target: Path, data: bytes, *, durable: bool = True) -> None:
    """Write to a temp file beside `target`, fsync, then rename over it.

    Readers see the old file or the new one, never half of one; on failure the temp file is
    removed and a `StorageError` (`DiskFull` for ENOSPC/EDQUOT/EFBIG) says what happened.
    `durable=False` skips the fsync, for files that can be fetched again (thumbnails): a
    power cut may then lose the file, but never leaves a torn one under its name.
    """
    folder = Path(target).resolve().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(Path(target)), suffix=".tmp", dir=folder)
    except OSError as exc:
        raise storage_error(exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise storage_error(exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def aside_path(path: Path) -> Path:
    """Where a damaged file is moved aside: `<name>.corrupt-<timestamp>` beside it (with -1,
    -2… when that exists), so that a fresh start never overwrites what may be recovered."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    moved = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while moved.exists():
        moved = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    return moved


def temp_prefix(target: Path) -> str:
    """`.<name>.<pid>.`: the start-up sweep (storage.db) removes temp files of dead writers."""
    return f".{target.name}.{os.getpid()}."


def storage_error(exc: OSError) -> StorageError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return DiskFull(exc.strerror or "disk full")
    where = Path(exc.filename).name if exc.filename else ""
    return StorageError(f"{exc.strerror or type(exc).__name__}: {where}".rstrip(": "))
