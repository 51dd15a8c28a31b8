"""Local catalog: top-1 / top-5 of each embedder on held-out re-photographs, and query time.

    .venv/bin/python tests/bench/bench_local.py [--styles 120] [--queries 2]

Catalog: the sandbox catalog (seed 2026) drawn as clean stall photos, one per style, with
its look-alikes (same cut, other print or colour) as separate items. Queries: simulated
re-photographs of each item (perspective, rotation, crop, light, cluttered background,
blur, noise; `sandbox/rephoto.py`), never seen by the catalog. Timing: one query's embedding
(GrabCut included) and the index search at 10k and 100k items, best of several runs.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from vvic_desktop.core.features import (
    ClassicalEmbedder,
    CombinedEmbedder,
    LearnedEmbedder,
    garment_region,
)
from vvic_desktop.core.vector_index import VectorIndex
from vvic_desktop.sandbox.catalog import Catalog
from vvic_desktop.sandbox.rephoto import rephotograph


def accuracy(catalog_vecs: np.ndarray, query_vecs: np.ndarray, truth: np.ndarray):
    scores = query_vecs @ catalog_vecs.T
    order = np.argsort(-scores, axis=1)
    rank = np.argmax(order == truth[:, None], axis=1)
    return float(np.mean(rank == 0)), float(np.mean(rank < 5))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--styles", type=int, default=120)
    parser.add_argument("--queries", type=int, default=2, help="re-photos per item")
    args = parser.parse_args()

    catalog = Catalog(seed=2026, n_styles=args.styles)
    items = [np.asarray(catalog.style_image(s.style_id, 480)) for s in catalog.styles]
    rng = random.Random(99)
    queries, truth = [], []
    for i, style in enumerate(catalog.styles):
        clean = catalog.style_image(style.style_id, 480)
        for _ in range(args.queries):
            queries.append(np.asarray(rephotograph(clean, rng)))
            truth.append(i)
    truth_arr = np.asarray(truth)
    lookalikes = sum(1 for s in catalog.styles if catalog.lookalikes_of(s.style_id))
    print(f"catalog {len(items)} items ({lookalikes} with a look-alike of the same cut), "
          f"{len(queries)} held-out re-photographs")

    t = time.perf_counter()
    cut = [garment_region(q) for q in queries]
    grabcut_ms = (time.perf_counter() - t) * 1000 / len(queries)

    classical, learned = ClassicalEmbedder(), LearnedEmbedder()
    vec = {}
    for name, emb in (("classical", classical), ("learned", learned)):
        t = time.perf_counter()
        vec[name, "cat"] = emb.embed(items)
        vec[name, "q"] = emb.embed(queries)
        vec[name, "q_cut"] = emb.embed(cut)
        ms = (time.perf_counter() - t) * 1000 / (len(items) + 2 * len(queries))
        print(f"  {name:<10} {ms:6.1f} ms/image (batched)")
    print(f"  GrabCut    {grabcut_ms:6.1f} ms/query\n")
    print(f"{'embedder':<28} {'top-1':>6} {'top-5':>6}   {'+GrabCut top-1':>14} {'top-5':>6}")
    rows = [("classical", vec["classical", "cat"], vec["classical", "q"],
             vec["classical", "q_cut"]),
            ("learned (open-nsfw pool)", vec["learned", "cat"], vec["learned", "q"],
             vec["learned", "q_cut"])]
    for w in (0.4, 0.5, 0.6, 0.7, 0.8):
        def mix(a, b, w=w):
            out = np.hstack([np.sqrt(w) * a, np.sqrt(1 - w) * b])
            return out / np.linalg.norm(out, axis=1, keepdims=True)
        rows.append((f"combined w_learned={w}", mix(vec["learned", "cat"], vec["classical", "cat"]),
                     mix(vec["learned", "q"], vec["classical", "q"]),
                     mix(vec["learned", "q_cut"], vec["classical", "q_cut"])))
    for name, cat, q, qc in rows:
        a1, a5 = accuracy(cat, q, truth_arr)
        b1, b5 = accuracy(cat, qc, truth_arr)
        print(f"{name:<28} {a1:6.3f} {a5:6.3f}   {b1:14.3f} {b5:6.3f}")

    combined = CombinedEmbedder(learned, classical)
    one = queries[0]
    embed_times = []
    for _ in range(7):
        t = time.perf_counter()
        combined.embed([garment_region(one)])
        embed_times.append(time.perf_counter() - t)
    print(f"\none query: GrabCut + combined embedding {min(embed_times) * 1000:.1f} ms "
          f"(median {sorted(embed_times)[3] * 1000:.1f})")
    nrng = np.random.default_rng(0)
    for n in (10_000, 100_000):
        index = VectorIndex(combined.dim)
        block = nrng.standard_normal((n, combined.dim)).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        t = time.perf_counter()
        index.add([str(i) for i in range(n)], block)
        add_s = time.perf_counter() - t
        qv = block[123]
        times = []
        for _ in range(9):
            t = time.perf_counter()
            index.search(qv, 25)
            times.append(time.perf_counter() - t)
        print(f"index {n:>7} items × {combined.dim} d: search {min(times) * 1000:6.1f} ms "
              f"(median {sorted(times)[4] * 1000:.1f}), add all {add_s:.2f} s, "
              f"{index.nbytes / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
