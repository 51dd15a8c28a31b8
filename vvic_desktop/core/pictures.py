"""Every listing picture analysed once for grouping: decoded once, its signatures (hashes,
colour, silhouette, texture: `core.hashing`) and its local features (`core.local_features`).

Local features cost a few milliseconds a picture, so they are kept: a `FeatureStore`
(defined here, implemented in storage beside the content-addressed thumbnails) holds them
by the picture's sha256 and format version, and a later grouping of the same pictures loads
them instead of analysing again; the picture's signature row is kept the same way, so a
picture seen before is not even decoded. Core knows the interface only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from PIL import Image

from vvic_desktop.core import (
    hashing,
    intake,
    local_features,
    picture_decode,
    signature_features,
)
from vvic_desktop.core.errors import PictureUnavailable
from vvic_desktop.core.hashing import SignatureBatch
from vvic_desktop.core.local_features import LocalFeatures

log = logging.getLogger(__name__)
_T = TypeVar("_T")

PictureSource = bytes | str | Path | Image.Image
# The store's name for the current kind of features: changes whenever what `extract`
# computes does, so that features of an older analysis are never mixed with new ones.
FEATURES_KIND = (
    f"orb{local_features.FORMAT_VERSION}-{local_features.ANALYSIS_SIDE}"
    f"-{local_features.MAX_FEATURES}-{local_features.COLOUR_SIDE}"
)
# The store's name for a picture's signature row (`hashing.row_bytes`), likewise versioned.
SIGNATURE_KIND = f"sig{hashing.SIGNATURE_FORMAT}-{picture_decode.WORK_SIZE}"


class FeatureStore(Protocol):
    """Serialised local features by picture sha256 (storage implements it)."""

    def load_features(self, sha: str, kind: str) -> bytes | None: ...

    def save_features(self, sha: str, kind: str, data: bytes) -> None: ...


@dataclass(slots=True)
class Pictures:
    """Row i for source i: signatures, local features (None when the picture is missing or
    unusable) and "" or the error code that made it missing."""

    signatures: SignatureBatch
    features: list[LocalFeatures | None]
    problems: list[str]


@dataclass(slots=True)
class _One:
    sig: signature_features.ImageFeatures | None  # the signature row's per-picture part
    features: LocalFeatures | None
    problem: str
    sha: str = ""
    stored: bool = False
    signature: bytes | None = None  # the stored signature row: nothing to decode


def _checked_row(data: bytes) -> bytes:
    hashing.set_row(hashing.SignatureBatch.empty(1), 0, data)  # ValueError when unusable
    return data


def _stored(store: FeatureStore, sha: str, kind: str, parse: Callable[[bytes], _T]) -> _T | None:
    """The stored entry parsed, or None (absent, damaged or of another version: recomputed)."""
    try:
        data = store.load_features(sha, kind)
        return parse(data) if data is not None else None
    except (OSError, ValueError) as exc:
        log.debug("stored %s unusable: %s", kind, exc)
        return None


# Raw bytes of pictures still to decode held between the stored-entry pass and the decoding
# pass, at most (a picture past it is read again when its turn comes).
_HELD_BYTES = 64 * 2**20


def analyse(sources: Sequence[PictureSource | None], *, store: FeatureStore | None = None,
            workers: int = 2) -> Pictures:
    """Analyse each picture once (see the module docstring); one unusable picture makes one
    missing row, never an error.

    With a store, a first pass on this thread reads each picture and takes what is stored
    for it; only the pictures it leaves undone are decoded, on `workers` threads. Reading
    and parsing stored entries is short Python work that two threads only contend for
    (200 stored pictures: 30 ms on one thread, 87 ms on two)."""
    items = list(sources)
    if store is not None:
        first = _first_pass(items, store)
    else:
        first = [_Todo(s) if s is not None else _One(None, None, "missing") for s in items]
    todo = [(k, one) for k, one in enumerate(first) if isinstance(one, _Todo)]
    if workers > 1 and len(todo) > 4:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            computed = list(pool.map(lambda t: _compute(t[1], store), todo))
    else:
        computed = [_compute(one, store) for _k, one in todo]
    for (k, _one), result in zip(todo, computed, strict=True):
        first[k] = result
    done = [one for one in first if isinstance(one, _One)]
    batch = hashing.assemble([one.sig for one in done])
    for k, one in enumerate(done):
        if one.signature is not None:
            hashing.set_row(batch, k, one.signature)
    for k, one in enumerate(done):
        if store is None or not one.sha or one.features is None:
            continue
        try:
            if not one.stored:
                store.save_features(one.sha, FEATURES_KIND, one.features.to_bytes())
            if one.signature is None and batch.ok[k]:
                store.save_features(one.sha, SIGNATURE_KIND, hashing.row_bytes(batch, k))
        except OSError as exc:  # a store that cannot write costs speed, not the result
            log.debug("features not stored: %s", exc)
    return Pictures(batch, [one.features for one in done], [one.problem for one in done])


def analyse_on_arrival(data: bytes, store: FeatureStore) -> None:
    """Analyse one picture just downloaded into `store` (the downloader runs this beside
    its downloads: `storage.thumbs.ThumbnailDownloader.on_arrival`): its local features and
    signature row are then stored when the search groups its listings, so grouping reads
    them (`analyse`'s first pass) instead of decoding every picture after the last one
    arrived; the decoding and analysis run while other downloads wait on the network. A
    picture that cannot be used stores nothing (grouping finds it unusable again, which
    is cheap)."""
    analyse([data], store=store, workers=1)


@dataclass(slots=True)
class _Todo:
    """A picture the first pass left to decode: its source, and what that pass learnt (its
    bytes, unless over `_HELD_BYTES`; their sha256; its stored local features)."""

    src: PictureSource
    raw: bytes | None = None
    sha: str = ""
    features: LocalFeatures | None = None


def _read(src: PictureSource) -> tuple[bytes | None, str] | _One:
    """(the bytes, their sha256) of a file or bytes source; (None, "") for a decoded image;
    the refusal of an unreadable file."""
    if isinstance(src, Image.Image):
        return None, ""
    try:  # a path is read like every picture file: regular files only, bounded
        raw = src if isinstance(src, bytes) else intake.read_file(src)
    except PictureUnavailable as exc:  # a FIFO, a device (/dev/zero), a folder, too big
        return _One(None, None, exc.code)
    return raw, hashlib.sha256(raw).hexdigest()


def _first_pass(items: list[PictureSource | None], store: FeatureStore) -> list[_One | _Todo]:
    """Each picture read and looked up in the store: done when both its local features and
    its signature row are stored (nothing to decode), else left to `_compute`."""
    out: list[_One | _Todo] = []
    held = 0
    for src in items:
        if src is None:
            out.append(_One(None, None, "missing"))
            continue
        read = _read(src)
        if isinstance(read, _One):
            out.append(read)
            continue
        raw, sha = read
        feats = _stored(store, sha, FEATURES_KIND, LocalFeatures.from_bytes) if sha else None
        signature = (_stored(store, sha, SIGNATURE_KIND, _checked_row)
                     if feats is not None else None)
        if feats is not None and signature is not None:  # seen before: no decoding at all
            out.append(_One(None, feats, "", sha, True, signature))
            continue
        if raw is not None and not isinstance(src, bytes):  # bytes given are held anyway
            if held + len(raw) > _HELD_BYTES:
                raw = None
            else:
                held += len(raw)
        out.append(_Todo(src, raw, sha, feats))
    return out


def _compute(todo: _Todo, store: FeatureStore | None) -> _One:
    """Decode, extract local features and the signature's per-picture part (OpenCV and
    PIL release the GIL for most of it: threads help)."""
    raw, sha, feats = todo.raw, todo.sha, todo.features
    if raw is None and not isinstance(todo.src, Image.Image):
        read = _read(todo.src)  # not held by the first pass, or there was none
        if isinstance(read, _One):
            return read
        raw, again = read
        if again != sha:  # no first pass, or the file changed since: its entry is another
            sha = again
            feats = (_stored(store, sha, FEATURES_KIND, LocalFeatures.from_bytes)
                     if store is not None else None)
    try:
        rgb = picture_decode.decode(raw if raw is not None else todo.src,
                                    local_features.ANALYSIS_SIDE // 2)
    except PictureUnavailable as exc:  # the one picture loader's refusal
        return _One(None, None, exc.code)
    sig = signature_features.image_features(rgb)
    if feats is not None:
        return _One(sig, feats, "", sha, True)
    feats = local_features.extract(rgb)
    boxes = local_features.gutter_cells(feats)
    if boxes:  # a collage: its cells' own hashes propose it beside the photos it holds,
        # and its keypoints are found at twice the size (each cell is a fraction of it)
        cells = hashing.cell_hashes(rgb, boxes)
        try:
            larger = picture_decode.decode(raw if raw is not None else todo.src,
                                           local_features.COMPOSITE_SIDE // 2)
            feats = local_features.finer_keypoints(feats, larger)
        except PictureUnavailable:  # decoded a moment ago: the 256-px keypoints stay
            pass
        feats = dataclasses.replace(feats, cells=cells)
    return _One(sig, feats, "", sha)
