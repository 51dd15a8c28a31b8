"""Same-style grouping scored on real photographs (not in the test run).

Run: .venv/bin/python tests/bench/eval_real.py [--heldout] [--code-ref REF] [--stress SPEC]

The photos are the real apparel studio shots of `../shared/data/apparel-dev` (read in
place); the listing copies (`real_photos.EDITS`) are made from each product's main photo.
One grouping per garment category (a search's results are one kind of garment: every
other style of the category is a look-alike, every other colour of the style the hardest
look-alike of all). Two scores per run, dev and held-out styles apart (`split_styles`):

- listings: the main photos and their copies; truth = the same product. Pairwise
  P / R / F1 without collages (nor detail insets: `real_photos.COMPOSITES`) and with them,
  recall by kind of edit (a copy grouped with its own main photo), look-alike pairs merged
  (distinct product pairs of one category), colour-variant product pairs merged.
- apparel: everything, back and detail shots too; truth = the same product. Precision,
  the rate at which listing copies rejoin their main photo, colour-variant merges.

Some products of the set show one picture under two colours (mp09 black and blue are the
same file, byte for byte almost): such pairs cannot be told apart by any picture method and
are reported, not counted, as merges.

`--stress hue:6|wb:1.05|harsh` makes the listing copies with harsher edits than the usual
ones (`real_photos.stress`): how far past them copies still rejoin, and where colour
variants start to merge.

`--code-ref main` scores the grouping of another commit (its `vvic_desktop` extracted to a
temporary folder) on the same pictures: the before of a before/after.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, os.environ.get("VVIC_EVAL_CODE", str(ROOT)))

import real_photos  # noqa: E402
from PIL import Image  # noqa: E402

from vvic_desktop.core.grouping import group_offers  # noqa: E402
from vvic_desktop.core.models import Offer  # noqa: E402


def same_picture_products(styles: list[str]) -> set[frozenset[str]]:
    """Product pairs of one style whose main photos are (almost) the same picture."""
    mains = [p for p in real_photos.photos() if p.view == "main" and p.style in set(styles)]
    small = {p.product: np.asarray(Image.open(p.path).convert("RGB").resize((64, 80)), float)
             for p in mains}
    out = set()
    for a, b in itertools.combinations(mains, 2):
        if a.style == b.style and np.abs(small[a.product] - small[b.product]).mean() < 1.0:
            out.add(frozenset((a.product, b.product)))
    return out


def run_grouping(listings: list[real_photos.Listing]) -> tuple[dict[str, int], float]:
    offers = [Offer("vvic", it.key, "", Decimal(60)) for it in listings]
    images = {o.key: it.jpeg for o, it in zip(offers, listings, strict=True)}
    t = time.perf_counter()
    groups = group_offers(offers, images)
    ms = (time.perf_counter() - t) * 1000
    return {o.item_id: g for g, grp in enumerate(groups) for o in grp.offers}, ms


def score(name: str, listings: list[real_photos.Listing], gid: dict[str, int],
          twins: set[frozenset[str]], *, by_edit: bool) -> None:
    n = len(listings)
    prod = [it.product for it in listings]
    style = [it.style for it in listings]
    collage = np.array([it.edit in real_photos.COMPOSITES for it in listings])
    g = np.array([gid[it.key] for it in listings])
    i, j = np.triu_indices(n, 1)
    twin = np.array([frozenset((prod[a], prod[b])) in twins for a, b in zip(i, j, strict=True)],
                    bool) if twins else np.zeros(len(i), bool)
    truth = np.array([prod[a] == prod[b] for a, b in zip(i, j, strict=True)]) | twin
    together = g[i] == g[j]
    for label, keep in (("without collages", ~collage[i] & ~collage[j]),
                        ("with collages", np.ones(len(i), bool))):
        tp = int((truth & together & keep).sum())
        fp = int((~truth & together & keep).sum())
        fn = int((truth & ~together & keep).sum())
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        print(f"  {name} {label}: P={p:.3f} R={r:.3f} F1={f:.3f}  (pairs tp={tp} fp={fp} "
              f"fn={fn})")
    wrong = ~truth & together
    variant_pairs = {frozenset((prod[a], prod[b])) for a, b in zip(i[wrong], j[wrong],
                     strict=True) if style[a] == style[b]}
    lookalike_pairs = {frozenset((prod[a], prod[b])) for a, b in zip(i[wrong], j[wrong],
                       strict=True) if style[a] != style[b]}
    print(f"  {name}: colour-variant product pairs merged {len(variant_pairs)}"
          f" {sorted(tuple(sorted(p)) for p in variant_pairs)[:6]}; look-alike (other style)"
          f" product pairs merged {len(lookalike_pairs)}"
          f" {sorted(tuple(sorted(p)) for p in lookalike_pairs)[:6]}"
          f"; same-picture twins (not counted) {len(twins)}")
    main_gid = {it.product: gid[it.key] for it in listings
                if it.view == "main" and it.edit == "original"}
    per_edit: dict[str, list[bool]] = defaultdict(list)
    for it in listings:
        if it.edit not in ("original",):
            per_edit[it.edit].append(gid[it.key] == main_gid.get(it.product))
    allc = [x for e, v in per_edit.items() for x in v]
    plain = [x for e, v in per_edit.items() if e not in real_photos.COMPOSITES for x in v]
    no_inset = [x for e, v in per_edit.items() if e != "inset" for x in v]
    print(f"  {name}: copies rejoin their main photo {sum(allc)}/{len(allc)} = "
          f"{sum(allc) / max(len(allc), 1):.3f} (without collages "
          f"{sum(plain) / max(len(plain), 1):.3f}; without insets, as before session 16: "
          f"{sum(no_inset)}/{len(no_inset)} = {sum(no_inset) / max(len(no_inset), 1):.3f})")
    if by_edit:
        print("  recall by edit: " + "  ".join(
            f"{e} {sum(v) / len(v):.2f}" for e, v in sorted(per_edit.items())))


def evaluate(styles: list[str], label: str) -> None:
    listings = list(real_photos.corpus(styles))
    twins = same_picture_products(styles)
    by_cat: dict[str, list[real_photos.Listing]] = defaultdict(list)
    for it in listings:
        by_cat[it.category].append(it)
    gid: dict[str, int] = {}
    times = []
    offset = 0
    for cat in sorted(by_cat):
        got, ms = run_grouping(by_cat[cat])
        times.append((len(by_cat[cat]), ms))
        gid.update({k: v + offset for k, v in got.items()})
        offset += len(by_cat[cat])
    cats = Counter(it.category for it in listings)
    print(f"{label}: {len(styles)} styles, {len(listings)} pictures in {len(cats)} categories;"
          f" grouping {sum(t for _, t in times):.0f} ms in all")
    mains = [it for it in listings if it.view == "main"]
    score("listings", mains, gid, twins, by_edit=True)
    score("apparel", listings, gid, twins, by_edit=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--heldout", action="store_true", help="also score the held-out styles")
    parser.add_argument("--code-ref", help="score the grouping of this git ref instead")
    parser.add_argument("--stress", help="harsher edits: hue:K, wb:G, harsh, wm:big, "
                        "wm:banner or pad:fill (real_photos.stress; every draw changes)")
    args = parser.parse_args()
    real_photos.stress(args.stress)
    if args.code_ref and "VVIC_EVAL_CODE" not in os.environ:
        with tempfile.TemporaryDirectory() as tmp:
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.code_ref,
                                      "vvic_desktop"], check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            env = {**os.environ, "VVIC_EVAL_CODE": tmp}
            argv = [a for a in sys.argv[1:]]
            print(f"grouping code of {args.code_ref}")
            sys.exit(subprocess.run([sys.executable, __file__, *argv], env=env).returncode)
    dev, held = real_photos.split_styles()
    evaluate(dev, "dev")
    if args.heldout:
        evaluate(held, "held-out")


if __name__ == "__main__":
    main()
