"""Benchmark and evaluation of the sandbox marketplace (not collected by pytest).

    python tests/bench/bench_sandbox.py

Prints: catalog metadata time, style-index build time, listing render and rank times, the
matcher's top-1/top-3 accuracy over every listing photo of the catalog (and over 10 % crops),
and the wall time of a V2.2 search over HTTP with no latency.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import requests
from PIL import Image

from vvic_desktop.sandbox.catalog import Catalog
from vvic_desktop.sandbox.matching import StyleIndex, decode
from vvic_desktop.sandbox.server import DEMO_CREDENTIALS, SandboxServer


def main() -> None:
    started = time.perf_counter()
    catalog = Catalog(seed=7)
    print(f"catalog metadata: {1000 * (time.perf_counter() - started):.1f} ms, "
          f"{len(catalog.styles)} styles, {len(catalog.listings)} listings, "
          f"{sum(1 for s in catalog.styles if s.lookalike_of)} look-alikes")
    index = StyleIndex(catalog)
    started = time.perf_counter()
    index.warm()
    print(f"style index build: {time.perf_counter() - started:.2f} s")

    renders, ranks, top1, top3, crop_top1 = [], [], 0, 0, 0
    for listing in catalog.listings:
        started = time.perf_counter()
        data = catalog.listing_image(listing.item_id)
        renders.append(time.perf_counter() - started)
        image = decode(data)
        started = time.perf_counter()
        ranked = [m.style_id for m in index.rank(image)]
        ranks.append(time.perf_counter() - started)
        position = ranked.index(listing.style_id)
        top1 += position == 0
        top3 += position < 3
        w, h = image.size
        crop = image.crop((w // 10, h // 10, w - w // 10, h - h // 10))
        crop_top1 += index.rank(crop)[0].style_id == listing.style_id
    n = len(catalog.listings)
    print(f"listing render: median {1000 * statistics.median(renders):.0f} ms")
    print(f"rank: median {1000 * statistics.median(ranks):.0f} ms")
    print(f"matcher top-1 {top1}/{n}, top-3 {top3}/{n}, 10 % crop top-1 {crop_top1}/{n}")

    key, secret = DEMO_CREDENTIALS["vvic"]
    listing = catalog.listings[0]
    photo = Image.open(io.BytesIO(catalog.listing_image(listing.item_id))).resize((900, 900))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90)
    raw = base64.b64encode(out.getvalue()).decode()
    with SandboxServer(latency=(0, 0), quota=10_000, catalog=catalog) as server:
        walls = []
        for _ in range(10):
            body = {"app_key": key, "image_base64": raw, "max_results": 20,
                    "timestamp": int(time.time() * 1000), "version": "2.2",
                    "sign_method": "md5"}
            text = "".join(k + (v if isinstance(v, str) else json.dumps(v))
                           for k, v in sorted(body.items()))
            body["sign"] = hashlib.md5((secret + text + secret).encode()).hexdigest()
            body["image_base64"] = "data:image/jpeg;base64," + raw.replace(
                "+", "%2B").replace("/", "%2F").replace("=", "%3D")
            started = time.perf_counter()
            answer = requests.post(server.url + "/api/search/item/image", json=body, timeout=30)
            walls.append(time.perf_counter() - started)
            assert answer.status_code == 200
    print(f"V2.2 search over HTTP (latency 0): median {1000 * statistics.median(walls):.0f} ms")


if __name__ == "__main__":
    main()
