"""The sandbox's own visual matcher: rank catalog styles by similarity to a query image.

Deliberately simple and independent of `core.hashing`: a garment's bounding box is found by
trimming uniform edge rows and columns (background, padding and frames are uniform), then
three signatures are compared on it: a coarse colour histogram, a mirror-symmetric gradient
orientation histogram with edge density (print kind and scale), and a coarse silhouette.
Style signatures are computed once per catalog, from the clean product shots.

A query photographed in front of a real background (a wall, a room: its border is not light
and plain) has the garment lifted off it first (`isolate`: GrabCut with a centred rectangle,
on a small copy; the background turned white), as a marketplace's own subject detection
would; without that, the wall's colours and edges swamp the garment's.

The signature alone is a poor judge of an uncropped stall photo (a wall's light and the
photo's colour cast move colour and texture a long way), so it only shortlists: its best
`SHORTLIST` styles are re-scored with a learned embedding (EfficientNet-Lite0, the model the
app itself builds at install time, loaded through `core.features`' hash-checked loader), as
a real marketplace's learned image search would rank them. The signature keeps deciding
between styles the embedding cannot tell apart (look-alikes: the same cut in another print)
and everything outside the shortlist. Without the model file the signature ranks alone.
"""

from __future__ import annotations

import io
import logging
import math
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np
from PIL import Image

from vvic_desktop.sandbox.catalog import Catalog

log = logging.getLogger(__name__)

_WORK = 160  # side of the square the trimmed garment is resized to
_BINS = 8  # colour levels per channel
# Clean shots are drawn at about the scale listings arrive at after `trim`'s downscale, so
# that seams and print edges have the same weight in both signatures (and drawing is cheap).
_STYLE_SIDE = 400


@dataclass(frozen=True)
class Signature:
    colour: np.ndarray  # normalised histogram, _BINS**3
    texture: np.ndarray  # orientation histogram (mirror-folded) + edge density
    shape: np.ndarray  # 16×16 mirror-symmetric silhouette


def trim(image: Image.Image) -> Image.Image:
    """Cut away what surrounds the garment: frames, padding, background."""
    rgb = image.convert("RGB")
    arr = np.asarray(rgb.resize(_fit(rgb.size, 256)), np.int16)
    top, bottom, left, right = _peel(arr)
    inner = arr[top:bottom, left:right]
    spread = inner.max(axis=2) - inner.min(axis=2)
    light = (inner.min(axis=2) > 222) & (spread < 28)
    # Garment rows/columns: a meaningful share of pixels that are not background-like.
    rows = _longest_run((~light).mean(axis=1) > 0.04)
    cols = _longest_run((~light).mean(axis=0) > 0.04)
    if rows.size < 4 or cols.size < 4:
        rows, cols = np.arange(inner.shape[0]), np.arange(inner.shape[1])
    h, w = arr.shape[:2]
    sx, sy = rgb.size[0] / w, rgb.size[1] / h
    box = (int((left + cols[0]) * sx), int((top + rows[0]) * sy),
           int((left + cols[-1] + 1) * sx), int((top + rows[-1] + 1) * sy))
    return rgb.crop(box)


_ISOLATE_SIDE = 200  # px, long side GrabCut works on (its cost grows fast above)
_BORDER_LIGHT = 0.6  # share of light border pixels above which the background is plain


def _light(arr: np.ndarray) -> np.ndarray:
    return (arr.min(axis=2) > 222) & ((arr.max(axis=2) - arr.min(axis=2)) < 28)


def on_plain_background(image: Image.Image) -> bool:
    """Whether the photo's border is mostly light and plain (a product shot, a listing)."""
    arr = np.asarray(image.convert("RGB").resize(_fit(image.size, 128)), np.int16)
    # the outermost line only: a query cut to the garment keeps a thin margin of its
    # background (auto-crop pads the box by 2 %), which is all a listing needs to count
    ring = np.concatenate([arr[:1].reshape(-1, 3), arr[-1:].reshape(-1, 3),
                           arr[:, :1].reshape(-1, 3), arr[:, -1:].reshape(-1, 3)])
    return float(_light(ring[None]).mean()) >= _BORDER_LIGHT


def isolate(image: Image.Image) -> Image.Image:
    """The garment on white, cut to its box (the photo itself when GrabCut finds no clear
    garment: almost nothing or almost everything in the foreground)."""
    rgb = np.ascontiguousarray(np.asarray(image.convert("RGB")))
    h, w = rgb.shape[:2]
    scale = min(1.0, _ISOLATE_SIDE / max(h, w))
    small = cv2.resize(rgb, (max(16, round(w * scale)), max(16, round(h * scale))),
                       interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    mx, my = max(1, round(sw * 0.03)), max(1, round(sh * 0.03))
    mask = np.zeros((sh, sw), np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(7)
    try:
        cv2.grabCut(cv2.GaussianBlur(small[..., ::-1], (0, 0), 1.0), mask,
                    (mx, my, sw - 2 * mx, sh - 2 * my), bgd, fgd, 4, cv2.GC_INIT_WITH_RECT)
    except cv2.error:
        return image
    fg = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    if count <= 1:
        return image
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    keep = (labels == largest).astype(np.uint8)
    share = float(keep.mean())
    if share < 0.05 or share > 0.95:
        return image
    full = cv2.resize(keep, (w, h), interpolation=cv2.INTER_NEAREST) > 0
    out = np.where(full[..., None], rgb, np.uint8(255))
    ys, xs = np.nonzero(full)
    return Image.fromarray(np.ascontiguousarray(
        out[ys.min():ys.max() + 1, xs.min():xs.max() + 1]))


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    scale = side / max(size)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _longest_run(busy: np.ndarray) -> np.ndarray:
    """Indices of the longest block of busy lines, bridging gaps of a few lines.

    The garment is one block; a stall's corner watermark is a separate, shorter one.
    """
    gap = max(2, busy.size // 12)
    best: tuple[int, int] = (0, -1)
    start = last = -1
    for i in (int(v) for v in np.flatnonzero(busy)):
        if start < 0 or i - last > gap:
            start = i
        last = i
        if last - start > best[1] - best[0]:
            best = (start, last)
    return np.arange(best[0], best[1] + 1)


def _line_flags(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per line (axis 0): uniform (nearly every pixel close to the line's median colour), and
    uniform and light (padding, background)."""
    median = np.median(lines, axis=1, keepdims=True)
    uniform = (np.abs(lines - median).max(axis=2) < 40).mean(axis=1) > 0.97
    light = median[:, 0, :].min(axis=1) > 200
    return uniform, uniform & light


def _walk(uniform: np.ndarray, light: np.ndarray, limit: int) -> int:
    """How many lines to peel from the start of these flags.

    Frame lines (uniform, any colour) only within the outermost few per cent: a solid garment
    is uniform too. A few mixed lines where a frame meets the photo (JPEG ringing,
    anti-aliasing) are skipped when uniform lines follow them.
    """
    dim = len(uniform)
    peeled = 0
    while peeled < limit:
        frame = peeled < 0.045 * dim
        flags = uniform if frame else light
        lookahead = 4 if frame else 1
        step = next((k + 1 for k in range(lookahead)
                     if peeled + k < dim and flags[peeled + k]), 0)
        if not step:
            break
        peeled += step
    return peeled


def _peel(arr: np.ndarray) -> tuple[int, int, int, int]:
    """Strip uniform lines from each edge (frames, pads and empty background)."""
    h, w = arr.shape[:2]
    uniform, light = _line_flags(arr)
    top = _walk(uniform, light, h - 16)
    bottom = h - _walk(uniform[::-1], light[::-1], h - top - 16)
    uniform, light = _line_flags(arr[top:bottom].transpose(1, 0, 2))
    left = _walk(uniform, light, w - 16)
    right = w - _walk(uniform[::-1], light[::-1], w - left - 16)
    return top, bottom, left, right


def signature(image: Image.Image, *, trimmed: bool = False) -> Signature:
    """The signature of a photo (`trimmed`: the photo is already cut to the garment)."""
    garment = (image if trimmed else trim(image)).resize((_WORK, _WORK),
                                                         Image.Resampling.BILINEAR)
    arr = np.asarray(garment, np.float32)
    light = (arr.min(axis=2) > 222) & ((arr.max(axis=2) - arr.min(axis=2)) < 28)
    # The garment's colours only: background tints vary from stall to stall.
    quant = np.clip((arr[~light] / 256.0 * _BINS).astype(np.int32), 0, _BINS - 1)
    index = quant[:, 0] * _BINS * _BINS + quant[:, 1] * _BINS + quant[:, 2]
    cube = np.bincount(index, minlength=_BINS**3).astype(np.float32).reshape((_BINS,) * 3)
    # Spread each count to neighbouring bins: shading must not flip a colour across a bin edge.
    for axis in range(3):
        cube = cube * 2 + np.roll(cube, 1, axis) * _edge(axis, 1) + np.roll(cube, -1, axis) * \
            _edge(axis, -1)
    colour = cube.ravel()
    colour /= max(float(colour.sum()), 1.0)

    grey = arr.mean(axis=2)
    gx = np.zeros_like(grey)
    gy = np.zeros_like(grey)
    gx[:, 1:-1] = grey[:, 2:] - grey[:, :-2]
    gy[1:-1, :] = grey[2:, :] - grey[:-2, :]
    magnitude = np.hypot(gx, gy)
    strong = magnitude > 20
    angle = np.mod(np.arctan2(gy, gx), math.pi)
    # Fold θ and π−θ together so that a mirrored listing has the same signature.
    folded = np.minimum(angle, math.pi - angle)
    orient = np.histogram(folded[strong], bins=6, range=(0, math.pi / 2),
                          weights=magnitude[strong])[0].astype(np.float32)
    # Edge energy per orientation per pixel: a solid garment has little of it, so stray
    # edges (a watermark, JPEG blocks) move its signature only a little.
    orient /= float(grey.size) * 12.0
    density = float(strong.mean())
    texture = np.concatenate([orient, [density * 3.0]]).astype(np.float32)

    mask = Image.fromarray(((~light) * 255).astype(np.uint8)).resize((16, 16),
                                                                      Image.Resampling.BOX)
    shape = np.asarray(mask, np.float32) / 255.0
    shape = (shape + shape[:, ::-1]) / 2.0
    return Signature(colour, texture, shape.ravel())


def _edge(axis: int, shift: int) -> np.ndarray:
    """A mask that stops np.roll from wrapping counts around the colour cube."""
    mask = np.ones((_BINS,) * 3, np.float32)
    index: list[slice | int] = [slice(None)] * 3
    index[axis] = 0 if shift == 1 else _BINS - 1
    mask[tuple(index)] = 0
    return mask


_W_COLOUR, _W_TEXTURE, _W_SHAPE = 2.0, 0.6, 1.2


def distance(a: Signature, b: Signature) -> float:
    colour = 1.0 - float(np.sqrt(a.colour * b.colour).sum())  # Hellinger-style
    texture = float(np.abs(a.texture - b.texture).sum())
    shape = float(np.abs(a.shape - b.shape).mean())
    return _W_COLOUR * colour + _W_TEXTURE * texture + _W_SHAPE * shape


@dataclass(frozen=True)
class Match:
    style_id: str
    similarity: float  # 0–1


class Embedder(Protocol):
    """What the re-scoring needs of a model (`core.features.LiteEmbedder` is one)."""

    def embed(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """RGB uint8 images → float32 rows of length 1."""
        ...


def _load_lite() -> Embedder:
    """The app's EfficientNet-Lite0 (hash-checked), loaded and run once on a blank square so
    that a file OpenCV cannot run fails here, at load, rather than in a search."""
    from vvic_desktop.core.features import LiteEmbedder

    model = LiteEmbedder()
    model.embed([np.full((32, 32, 3), 255, np.uint8)])
    return model


class EmbeddingModel:
    """The learned model, loaded on first use, once, under a lock (several server threads may
    ask at once); `None` for good when it cannot be loaded, which is logged once at info
    level: the sandbox then ranks by its signature alone."""

    def __init__(self, load: Callable[[], Embedder] = _load_lite) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._tried = False
        self._model: Embedder | None = None

    def get(self) -> Embedder | None:
        with self._lock:
            if not self._tried:
                self._tried = True
                try:
                    self._model = self._load()
                except (ImportError, OSError, RuntimeError, cv2.error) as exc:
                    # ModelUnavailable (missing, or not the pinned file) is a RuntimeError
                    log.info("the sandbox ranks by its signature alone (no embedding "
                             "model: %s)", exc)
            return self._model


_MODEL = EmbeddingModel()  # one per process: every index and server shares it


def embedding_model() -> EmbeddingModel:
    return _MODEL


SHORTLIST = 20  # styles the embedding re-scores (the signature's best)
# Weight of the embedding's cosine distance beside the signature distance (whose true
# matches sit around 0.1–0.4 on a listing and near 1–2 on a stall photo): the embedding
# decides among the shortlist, the signature still parts look-alikes it rates alike.
EMBEDDING_WEIGHT = 5.0


class StyleIndex:
    """Signatures of every style of one catalog (computed once, lazily, thread-safe), and the
    embeddings of the styles that have been shortlisted (computed when a style is first
    shortlisted, then kept)."""

    def __init__(self, catalog: Catalog, model: EmbeddingModel | None = None) -> None:
        self._catalog = catalog
        self._model = model or embedding_model()
        self._lock = threading.Lock()
        self._ids: list[str] = []
        self._matrices: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._embed_lock = threading.Lock()
        self._embeddings: dict[str, np.ndarray] = {}

    def _ensure(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with self._lock:
            if self._matrices is None:
                signatures = [signature(self._catalog.style_image(s.style_id, _STYLE_SIDE))
                              for s in self._catalog.styles]
                self._ids = [s.style_id for s in self._catalog.styles]
                self._matrices = (np.stack([sig.colour for sig in signatures]),
                                  np.stack([sig.texture for sig in signatures]),
                                  np.stack([sig.shape for sig in signatures]))
            return self._matrices

    def _distances(self, query: Signature) -> np.ndarray:
        colour, texture, shape = self._ensure()
        return (_W_COLOUR * (1.0 - np.sqrt(colour * query.colour).sum(axis=1))
                + _W_TEXTURE * np.abs(texture - query.texture).sum(axis=1)
                + _W_SHAPE * np.abs(shape - query.shape).mean(axis=1))

    def warm(self) -> None:
        """Compute every style signature and load the embedding model now (idempotent)."""
        self._ensure()
        self._model.get()

    def _style_embeddings(self, model: Embedder, style_ids: Sequence[str]) -> np.ndarray:
        """Rows for these styles, the missing ones embedded now from their clean shots (cut
        to the garment, as a query is)."""
        with self._embed_lock:
            missing = [s for s in style_ids if s not in self._embeddings]
            if missing:
                shots = [np.asarray(trim(self._catalog.style_image(s, _STYLE_SIDE)))
                         for s in missing]
                for style_id, row in zip(missing, model.embed(shots), strict=True):
                    self._embeddings[style_id] = row
            return np.stack([self._embeddings[s] for s in style_ids])

    def rank(self, image: Image.Image) -> list[Match]:
        garment = trim(image)
        if not on_plain_background(image):  # the photo's own edge: a wall, a room
            garment = trim(isolate(garment))
        views = [garment]
        if garment.width > 1.5 * garment.height:
            # A side-by-side collage: each half is a shot of its own.
            half = garment.width // 2
            views += [garment.crop((0, 0, half, garment.height)),
                      garment.crop((half, 0, garment.width, garment.height))]
        queries = [signature(views[0], trimmed=True)] + [signature(v) for v in views[1:]]
        best = np.min(np.stack([self._distances(q) for q in queries]), axis=0)
        order = sorted(range(len(self._ids)), key=lambda i: (best[i], self._ids[i]))
        scored = [(float(best[i]), self._ids[i]) for i in order]
        model = self._model.get()
        if model is not None:
            scored = self._rescore(model, views, scored)
        # Reported similarity never rises down the list (clients may sort by it).
        distances = np.maximum.accumulate([d for d, _ in scored])
        return [Match(style_id, _similarity(float(d)))
                for d, (_, style_id) in zip(distances, scored, strict=True)]

    def _rescore(self, model: Embedder, views: list[Image.Image],
                 scored: list[tuple[float, str]]) -> list[tuple[float, str]]:
        """The shortlist re-ordered by signature distance + EMBEDDING_WEIGHT × (1 − cosine)
        (a collage's best half counts); the rest behind it in the signature's order, each
        taken to be as far in the embedding as the shortlist's farthest. Distances come back
        on the signature's scale (`_signature_scale`), so `_similarity` maps them alike."""
        head, tail = scored[:SHORTLIST], scored[SHORTLIST:]
        query = model.embed([np.asarray(v.convert("RGB")) for v in views])
        styles = self._style_embeddings(model, [style_id for _, style_id in head])
        far = EMBEDDING_WEIGHT * (1.0 - (styles @ query.T).max(axis=1))
        combined = sorted((d + float(e), style_id)
                          for (d, style_id), e in zip(head, far, strict=True))
        combined += [(d + float(far.max()), style_id) for d, style_id in tail]
        return [(_signature_scale(d), style_id) for d, style_id in combined]


# The combined distance of a listing photo's own style is about 0.3–1.3 (median 0.75), of an
# uncropped stall photo's about 1.2–3.5 (median 2), of the best wrong style 4–5.5: brought
# onto the signature's scale so that a listing photo still reports about 0.9, a stall photo's
# match 0.5–0.85 and a wrong style less (measured on the demo catalog's listings and
# tests/bench/stall_photos.py's photos; with the signature's own range, a phone photo's
# correct first match read 0.1).
_COMBINED_OFFSET = 0.2
_COMBINED_SCALE = 0.35


def _signature_scale(combined: float) -> float:
    return max(0.0, combined - _COMBINED_OFFSET) * _COMBINED_SCALE


def _similarity(d: float) -> float:
    # Signature distances of a true match sit around 0.1–0.4, other styles well above 1: map
    # that to the 0.95…0.3 range a marketplace reports.
    return round(max(0.05, min(0.99, math.exp(-0.55 * d))), 4)


_INDEXES: weakref.WeakKeyDictionary[Catalog, StyleIndex] = weakref.WeakKeyDictionary()
_INDEX_LOCK = threading.Lock()


def index_for(catalog: Catalog) -> StyleIndex:
    """One index per catalog object, shared by every server that serves it."""
    with _INDEX_LOCK:
        index = _INDEXES.get(catalog)
        if index is None:
            index = _INDEXES[catalog] = StyleIndex(catalog)
        return index


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")
