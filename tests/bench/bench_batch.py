"""Batch throughput against a sandbox enforcing exactly Q calls a minute at 1–3 s latency.

    .venv/bin/python tests/bench/bench_batch.py [--photos 50] [--quota 20] [--latency 1-3]

Prints wall time against the bound ceil(N/Q) minutes + 10 %, the calls made, the quota
rejections the sandbox logged (429), and the most calls in any 60 s window (from the
sandbox's log, which keeps the time each call was counted against the quota). Real 60 s
windows: this takes minutes.

Measured 2026-11-21 (2 shared cores, sandbox latency uniform 1-3 s, quota enforced exactly):
    N=50,  Q=20, 2 workers: 140.1 s of 198 s (0.71), 50 calls, 0 rejections, max 20 in 60 s
    N=200, Q=80, 5 workers: 154.9 s of 198 s (0.78), 200 calls, 0 rejections, max 80 in 60 s
Under the bound because the first window's Q calls go out at once: N/Q windows need only
ceil(N/Q) - 1 full waits plus the last calls' latency.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from vvic_desktop.sandbox.catalog import Catalog
from vvic_desktop.sandbox.server import DEMO_CREDENTIALS, SandboxServer
from vvic_desktop.services import SearchServices
from vvic_desktop.storage.settings import Settings

SEARCH_PATH = "/api/search/item/image"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=50)
    parser.add_argument("--quota", type=int, default=20)
    parser.add_argument("--latency", default="1-3")
    args = parser.parse_args()
    low, high = (float(x) for x in args.latency.split("-"))

    catalog = Catalog(seed=7, n_styles=max(48, args.photos))
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    folder = work / "photos"
    folder.mkdir()
    for i, style in enumerate(catalog.styles[: args.photos]):
        listing = catalog.listings_of(style.style_id)[0]
        (folder / f"p{i:03d}.jpg").write_bytes(catalog.listing_image(listing.item_id))
    server = SandboxServer(port=0, latency=(low, high), quota=args.quota, catalog=catalog)
    server.start()
    app_key, secret = DEMO_CREDENTIALS["vvic"]
    os.environ.update(VVIC_APP_KEY=app_key, VVIC_APP_SECRET=secret,
                      VVIC_DESKTOP_DATA_DIR=str(work / "data"))
    settings = Settings()
    settings.set("market.vvic.quota_per_minute", args.quota)
    services = SearchServices.open(settings=settings)
    photos = sorted(folder.iterdir())
    batch_id = services.batch_queue.create("bench", "vvic", [(str(p), None) for p in photos],
                                           endpoint=server.url)
    runner = services.batch_runner(batch_id)
    started = time.monotonic()
    info = runner.run()
    wall = time.monotonic() - started
    server.stop()
    services.close()

    calls = [c for c in server.call_log if c.endpoint == SEARCH_PATH]
    rejected = sum(1 for c in calls if c.status == 429)
    times = sorted(c.time for c in calls)
    worst = max(sum(1 for t in times if s <= t < s + 60) for s in times) if times else 0
    bound = math.ceil(args.photos / args.quota) * 60 * 1.1
    print(f"N={args.photos} photos, Q={args.quota}/min, latency {low}-{high} s, "
          f"{runner.workers} workers")
    print(f"state {info.state}, counts {info.counts}")
    print(f"wall {wall:.1f} s; bound ceil(N/Q) min + 10 % = {bound:.0f} s; "
          f"ratio {wall / bound:.2f}")
    print(f"search calls {len(calls)}, quota rejections (429) {rejected}, "
          f"most calls in any 60 s window {worst} (quota {args.quota})")


if __name__ == "__main__":
    main()
