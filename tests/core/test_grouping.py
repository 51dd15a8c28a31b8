"""Same-style grouping: labelled sandbox corpus (precision/recall), no chaining, best offer."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from vvic_desktop.core import (
    grouping,
    grouping_candidates,
    grouping_rules,
    hashing,
    style_groups,
)
from vvic_desktop.core.grouping import group_offers
from vvic_desktop.core.grouping_rules import GroupingSettings
from vvic_desktop.core.models import Offer, Stall
from vvic_desktop.core.pictures import Pictures
from vvic_desktop.sandbox.catalog import Catalog

# --------------------------------------------------------------------------- labelled corpus


@pytest.fixture(scope="module")
def corpus() -> tuple[Catalog, list[Offer], dict[str, bytes]]:
    # A seed the thresholds were never tuned on (tuning used seed 7, n_styles=48).
    catalog = Catalog(seed=2026, n_styles=16)
    offers = [
        Offer(
            "vvic", li.item_id, li.title, Decimal(li.price.split("-")[0]),
            stall=Stall(name=li.stall_name, credit_level=li.credit_level),
            stock=li.stock, sales=li.sales, art_no=li.art_no,
        )
        for li in catalog.listings
    ]
    images = {o.key: catalog.listing_image(o.item_id) for o in offers}
    return catalog, offers, images


def _pairwise(groups: list, offers: list[Offer], labels: dict[str, str],
              keep: set[str]) -> tuple[float, float, int]:
    group_of = {o.key: k for k, g in enumerate(groups) for o in g.offers}
    keys = [o.key for o in offers if o.key in keep]
    tp = fp = fn = 0
    for a in range(len(keys)):
        for b in range(a + 1, len(keys)):
            same = labels[keys[a]] == labels[keys[b]]
            together = group_of[keys[a]] == group_of[keys[b]]
            tp += same and together
            fp += together and not same
            fn += same and not together
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), tp + fn


def test_sandbox_variants_precision_and_recall(corpus) -> None:
    catalog, offers, images = corpus
    plain = [o for o in offers if "collage" not in catalog.listing(o.item_id).variations]
    groups = group_offers(plain, images)
    labels = {o.key: catalog.listing(o.item_id).style_id for o in offers}
    precision, recall, positives = _pairwise(groups, plain, labels, {o.key for o in plain})
    assert positives > 200  # the corpus really has many same-style pairs
    # A smoke test: the sandbox draws flat garments with repeated prints, where ORB's
    # ratio test keeps few distinctive matches. The dense fit (`local_features.dense_fit`,
    # for pairs whose hashes are near) confirms many of them: recall 0.726 without it,
    # 0.817 with it (session 24); padded and inset copies of a dotted print stay apart
    # (real photos: tests/bench/eval_real.py, recall 0.94 / 0.99 at precision 1.000).
    assert precision >= 0.98, precision
    assert recall >= 0.78, recall
    assert sorted(o.key for g in groups for o in g.offers) == sorted(o.key for o in plain)


def test_lookalikes_are_kept_apart(corpus) -> None:
    catalog, offers, images = corpus
    groups = group_offers(offers, images)
    lookalike_pairs = {
        frozenset((s.style_id, s.lookalike_of)) for s in catalog.styles if s.lookalike_of
    }
    assert lookalike_pairs, "the corpus must contain look-alike styles"
    for g in groups:
        styles = {catalog.listing(o.item_id).style_id for o in g.offers}
        for pair in lookalike_pairs:
            assert not pair <= styles, f"look-alikes {sorted(pair)} merged"


def test_images_alone_keep_colour_lookalikes_apart(corpus) -> None:
    # Without titles (no category/print/cut words to contradict) the pictures must still
    # separate a style from its other-colour look-alike. Same-fabric different-cut pairs
    # are where images alone fall short; titles settle those (the test above).
    catalog, offers, images = corpus
    blank = [Offer(o.market, o.item_id, "", o.price, stall=o.stall) for o in offers]
    groups = group_offers(blank, images)
    for g in groups:
        styles = {catalog.listing(o.item_id).style_id for o in g.offers}
        for sid in styles:
            style = catalog.style(sid)
            if style.lookalike_of in styles:
                assert catalog.style(style.lookalike_of).colour == style.colour, sorted(styles)
    labels = {o.key: catalog.listing(o.item_id).style_id for o in offers}
    plain = [o for o in blank if "collage" not in catalog.listing(o.item_id).variations]
    precision, recall, _n = _pairwise(groups, plain, labels, {o.key for o in plain})
    assert precision >= 0.98 and recall >= 0.65  # a smoke test: see the test above


def test_collages_never_cost_precision(corpus) -> None:
    # Collages defeat global signatures; they may stay alone but must not merge wrongly.
    catalog, offers, images = corpus
    groups = group_offers(offers, images)
    labels = {o.key: catalog.listing(o.item_id).style_id for o in offers}
    precision, _recall, _n = _pairwise(groups, offers, labels, {o.key for o in offers})
    assert precision >= 0.98


# --------------------------------------------------------------------------- mechanics


def _shirt(colour: tuple[int, int, int], stripes: bool = False, size: int = 400) -> bytes:
    im = Image.new("RGB", (size, size), (250, 250, 250))
    draw = ImageDraw.Draw(im)
    body = [(150, 60), (250, 60), (330, 120), (300, 160), (280, 140), (280, 370),
            (120, 370), (120, 140), (100, 160), (70, 120)]
    draw.polygon(body, fill=colour)
    if stripes:
        for x in range(120, 285, 16):
            draw.line([(x, 70), (x, 368)], fill=(20, 20, 20), width=5)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _offer(item: str, title: str = "韩版衬衫", price: str | None = "60", **kw) -> Offer:
    return Offer("vvic", item, title, Decimal(price) if price else None,
                 stall=kw.pop("stall", Stall(name=f"stall-{item}")), **kw)


@pytest.mark.parametrize("strictness", [1.0, 0.5])
def test_same_cut_other_colour_or_print_is_not_merged(strictness: float) -> None:
    offers = [_offer("red1"), _offer("red2"), _offer("blue"), _offer("striped")]
    images = {
        "vvic:red1": _shirt((200, 30, 30)), "vvic:red2": _shirt((200, 30, 30)),
        "vvic:blue": _shirt((30, 40, 200)), "vvic:striped": _shirt((200, 30, 30), True),
    }
    groups = group_offers(offers, images, settings=GroupingSettings(strictness=strictness))
    as_sets = sorted(sorted(o.item_id for o in g.offers) for g in groups)
    assert as_sets == [["blue"], ["red1", "red2"], ["striped"]]


def _cluster(n: int, pairs: list[tuple[int, int]]) -> list[list[int]]:
    """confirm_and_cluster over pairs that all agree (signature rule: no local features)."""
    i, j = (np.array(v, dtype=np.intp) for v in zip(*pairs, strict=True))
    k = len(i)
    ev = grouping_rules.PairEvidence(
        i, j, np.zeros(k, np.int16), np.zeros(k, np.int16), np.ones(k), np.ones(k),
        np.zeros(k), np.zeros(k), np.full(k, np.nan), np.zeros(k, bool), np.ones(k, bool),
    )
    pics = Pictures(hashing.SignatureBatch.empty(n), [None] * n, [""] * n)
    return grouping.confirm_and_cluster(n, ev, pics, grouping_rules.GroupingSettings())


def test_leader_rule_does_not_chain() -> None:
    # A path 0-1-2-3-4-5 of agreeing pairs: connected components would make one group of
    # items whose ends share nothing. The leader rule keeps every member next to its leader.
    pairs = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]
    groups = _cluster(6, pairs)
    assert len(groups) >= 2
    for g in groups:
        leader, *members = g
        assert all((min(leader, m), max(leader, m)) in set(pairs) for m in members)
    # A star of agreement stays one group, led by its centre.
    assert _cluster(4, [(0, 1), (0, 2), (0, 3)]) == [[0, 1, 2, 3]]


def test_a_member_never_brings_in_its_own_candidates() -> None:
    # 0 leads {1, 2, 3}; 4 agrees with 1, 2 and 3 but not with 0: it is not the same photo
    # as the leader, so it leads its own group rather than join through the members.
    groups = _cluster(5, [(0, 1), (0, 2), (0, 3), (1, 4), (2, 4), (3, 4)])
    assert sorted(map(sorted, groups)) == [[0, 1, 2, 3], [4]]


def test_missing_images_group_on_near_identical_titles_only() -> None:
    offers = [
        _offer("a", "广州十三行 2026新款韩版圆领碎花连衣裙 混批 现货"),
        _offer("b", "杭州四季青 韩版圆领碎花连衣裙 批发"),
        _offer("c", "韩版圆领条纹连衣裙", price="61"),
        _offer("d", "韩版圆领碎花连衣裙", price="200"),  # price too far apart
    ]
    groups = group_offers(offers, images=None)
    as_sets = sorted(sorted(o.item_id for o in g.offers) for g in groups)
    assert as_sets == [["a", "b"], ["c"], ["d"]]


def test_bad_image_bytes_fall_back_to_titles() -> None:
    offers = [_offer("a", "韩版衬衫"), _offer("b", "欧美风格针织开衫")]
    groups = group_offers(offers, {"vvic:a": b"not an image", "vvic:b": b""})
    assert len(groups) == 2


def test_best_offer_order_and_price_spread() -> None:
    members = [
        _offer("1", price="59", stall=Stall(name="s1", credit_level="B"), sales=10, stock=5),
        _offer("2", price="72", stall=Stall(name="s2", credit_level="A"), sales=1, stock=0),
        _offer("3", price="65", stall=Stall(name="s3", credit_level="A"), sales=3, stock=9),
        _offer("4", price=None, stall=Stall(name="s3", credit_level="A")),
        _offer("5", price="65", stall=Stall(name="s5", credit_level="A"), sales=30, stock=1),
    ]
    g = style_groups.make_group(members)
    assert g.best_offer.item_id == "5"  # A, cheapest of the A's, then more sales
    assert (g.price_min, g.price_median, g.price_max) == (Decimal(59), Decimal(65), Decimal(72))
    assert g.stall_count == 4 and g.in_stock_count == 4  # stock None counts as in stock
    by_price = style_groups.make_group(members, ("price", "credit", "sales", "stock"))
    assert by_price.best_offer.item_id == "1"
    with pytest.raises(ValueError):
        style_groups.make_group(members, ("colour",))  # type: ignore[arg-type]


def test_price_range_high_end_counts_in_max() -> None:
    g = style_groups.make_group([_offer("1", price="69", price_max=Decimal(89)), _offer("2")])
    assert g.price_max == Decimal(89) and g.price_min == Decimal(60)


def test_multi_index_finds_exactly_the_all_pairs_candidates() -> None:
    rng = np.random.default_rng(5)
    centres = rng.integers(0, 2**63, 300, dtype=np.int64).astype(np.uint64)
    flips = np.zeros(1500, np.uint64)
    for k in range(1500):
        for bit in rng.choice(64, rng.integers(0, 6), replace=False):
            flips[k] |= np.uint64(1) << np.uint64(bit)
    batch = hashing.SignatureBatch.empty(1500)
    batch.phash[:] = np.repeat(centres, 5) ^ flips
    batch.phash_mirror[:] = rng.integers(0, 2**63, 1500, dtype=np.int64).astype(np.uint64)
    batch.ok[:] = True
    a = set(zip(*grouping_candidates.candidate_pairs_all(batch, 7), strict=True))
    b = set(zip(*grouping_candidates.candidate_pairs_index(batch, 7), strict=True))
    assert a == b and len(a) > 1500


def test_large_inputs_use_the_index_and_keep_every_offer() -> None:
    n = 40
    batch = hashing.SignatureBatch.empty(n)
    batch.ok[:] = True
    batch.phash[:] = np.repeat(np.array([0, 2**64 - 1], np.uint64), n // 2)
    batch.phash_mirror[:] = batch.phash
    batch.colour[:, 0] = 1.0
    batch.silhouette[:] = 255
    offers = [_offer(str(k), title="") for k in range(n)]
    small = group_offers(offers, signatures=batch, settings=GroupingSettings(all_pairs_limit=10))
    assert sorted(len(g.offers) for g in small) == [20, 20]


def test_strictness_never_loosens_below_evidence() -> None:
    offers = [_offer("red1"), _offer("red2")]
    images = {"vvic:red1": _shirt((200, 30, 30)), "vvic:red2": _shirt((190, 35, 30))}
    assert len(group_offers(offers, images)) == 1
    strict = group_offers(offers, images, settings=GroupingSettings(strictness=1.5))
    assert sum(len(g.offers) for g in strict) == 2


def test_signature_rows_must_match_offers() -> None:
    with pytest.raises(ValueError):
        group_offers([_offer("a")], signatures=hashing.SignatureBatch.empty(2))
    assert group_offers([]) == []


# --------------------------------------------------------------------------- vvic group


def _write_items(tmp_path, items) -> str:
    import json

    path = tmp_path / "items.json"
    path.write_text(json.dumps({"items": items}, ensure_ascii=False), "utf-8")
    return str(path)


def test_cli_group_json_with_files_and_urls(tmp_path, capsys) -> None:
    import http.server
    import json
    import threading

    from vvic_desktop.cli import main

    (tmp_path / "red1.jpg").write_bytes(_shirt((200, 30, 30)))
    (tmp_path / "blue.jpg").write_bytes(_shirt((30, 40, 200)))
    red2 = _shirt((195, 32, 30))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(red2)))
            self.end_headers()
            self.wfile.write(red2)

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/red2.jpg"
        items = _write_items(tmp_path, [
            {"item_id": "r1", "title": "韩版衬衫", "price": "69.00", "image": "red1.jpg",
             "credit_level": "B", "stall": "A1"},
            {"item_id": "r2", "title": "韩版衬衫", "price": "65-75", "image": url,
             "credit_level": "A", "stall": "B2"},
            {"item_id": "b1", "title": "韩版衬衫", "price": 66, "image": "blue.jpg"},
            {"item_id": "x", "title": "无图商品", "price": "", "image": "absent.jpg"},
        ])
        assert main(["group", items, "--json", "--allow-private"]) == 0
    finally:
        srv.shutdown()
        srv.server_close()
    out = json.loads(capsys.readouterr().out)
    by_ids = {tuple(sorted(g["item_ids"])): g for g in out["groups"]}
    assert set(by_ids) == {("r1", "r2"), ("b1",), ("x",)}
    red = by_ids[("r1", "r2")]
    assert red["best_item_id"] == "r2"  # credit A beats B
    assert (red["price_min"], red["price_max"], red["stall_count"]) == ("65", "75", 2)
    assert by_ids[("x",)]["price_min"] is None
    assert "x" in out["notes"]


def test_cli_group_bad_input_is_one_error_line(tmp_path, capsys) -> None:
    from vvic_desktop.cli import main

    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    for argv in (
        ["group", str(bad)],
        ["group", str(tmp_path / "absent.json")],
        ["group", _write_items(tmp_path, [{"title": "no id"}])],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_cli_group_text_output(tmp_path, capsys) -> None:
    from vvic_desktop.cli import main

    (tmp_path / "a.jpg").write_bytes(_shirt((20, 120, 40)))
    items = _write_items(tmp_path, [{"item_id": "a", "title": "衬衫", "price": "50",
                                     "image": str(tmp_path / "a.jpg")}])
    assert main(["group", items]) == 0
    assert "1 listings, 1 stalls" in capsys.readouterr().out


# --------------------------------------------------------------------------- properties


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 60),
    styles=st.integers(1, 8),
    seed=st.integers(0, 2**32 - 1),
    missing=st.floats(0, 0.5),
)
def test_groups_partition_offers_and_members_agree_with_leaders(
    n: int, styles: int, seed: int, missing: float
) -> None:
    rng = np.random.default_rng(seed)
    label = rng.integers(0, styles, n)
    batch = hashing.SignatureBatch.empty(n)
    centres = rng.integers(0, 2**63, styles, dtype=np.int64).astype(np.uint64)
    batch.phash[:] = centres[label] ^ (np.uint64(1) << rng.integers(0, 64, n).astype(np.uint64))
    batch.phash_mirror[:] = batch.phash
    batch.colour[:] = rng.dirichlet(np.full(hashing.COLOUR_DIM, 0.1), styles)[label]
    batch.silhouette[:] = rng.integers(0, 256, (styles, batch.silhouette.shape[1]))[label]
    batch.ok[:] = rng.random(n) >= missing
    titles = ["碎花连衣裙", "条纹衬衫", "牛仔裤", ""]
    offers = [_offer(str(k), title=titles[int(label[k]) % 4], price=str(50 + label[k]))
              for k in range(n)]
    groups = group_offers(offers, signatures=batch)
    keys = sorted(o.key for g in groups for o in g.offers)
    assert keys == sorted(o.key for o in offers)  # a partition: nothing lost or doubled
    index = {o.key: k for k, o in enumerate(offers)}
    ev = grouping.evaluate(batch, offers, GroupingSettings())
    agree = {(int(a), int(b)) for a, b, s in zip(ev.i, ev.j, ev.same, strict=True) if s}
    for g in groups:
        assert g.best_offer in g.offers and g.stall_count <= len(g.offers)
        if len(g.offers) == 1:
            continue
        # Without a verified merge every member agrees with the leader; with merges at
        # least the leaders agree: either way no member shares nothing with the group.
        for o in g.offers:
            k = index[o.key]
            assert any((min(k, index[m.key]), max(k, index[m.key])) in agree
                       for m in g.offers if m is not o)
    assert group_offers(offers, signatures=batch)[0].group_id == groups[0].group_id


# --------------------------------------------------------------------------- geometric


def _jpeg_bytes(img: Image.Image, quality: int = 75) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _listing_copies(seed: int) -> list[bytes]:
    from PIL import ImageOps

    from tests.imagegen import scene

    img = scene(seed)
    stamped = img.copy()
    ImageDraw.Draw(stamped).text((220, 380), "STALL A-13", fill=(250, 250, 250))
    return [
        _jpeg_bytes(img, 85),
        _jpeg_bytes(img.crop((16, 20, 624, 780))),
        _jpeg_bytes(ImageOps.expand(img, 30, fill=(20, 20, 20))),
        _jpeg_bytes(ImageOps.pad(img, (900, 900), color=(255, 255, 255))),
        _jpeg_bytes(stamped),
        _jpeg_bytes(ImageOps.mirror(img), 60),
        _jpeg_bytes(img.resize((320, 400))),
    ]


def test_listing_copies_are_confirmed_geometrically_and_others_are_not() -> None:
    from tests.imagegen import scene

    pictures = {f"s{s}-{k}": data for s in (3, 4) for k, data in enumerate(_listing_copies(s))}
    # Look-alikes: the same photo recoloured (another product), and another photo.
    pictures["recoloured"] = _jpeg_bytes(scene(3, body=(30, 80, 210)))
    pictures["other"] = _jpeg_bytes(scene(21))
    offers = [_offer(key, title="") for key in pictures]
    groups = group_offers(offers, {o.key: pictures[o.item_id] for o in offers})
    sets = sorted(sorted(o.item_id for o in g.offers) for g in groups)
    assert sorted(f"s3-{k}" for k in range(7)) in sets
    assert sorted(f"s4-{k}" for k in range(7)) in sets
    assert ["recoloured"] in sets and ["other"] in sets


def test_checking_a_leaders_candidates_on_two_threads_groups_as_one_by_one(
        monkeypatch) -> None:
    from tests.imagegen import scene

    pictures = {f"s{s}-{k}": data for s in (3, 4) for k, data in enumerate(_listing_copies(s))}
    pictures["recoloured"] = _jpeg_bytes(scene(3, body=(30, 80, 210)))
    pictures["other"] = _jpeg_bytes(scene(21))
    offers = [_offer(key, title="") for key in pictures]
    images = {o.key: pictures[o.item_id] for o in offers}
    together = [sorted(o.item_id for o in g.offers) for g in group_offers(offers, images)]
    monkeypatch.setattr(grouping, "_CONFIRM_WORKERS", 1)
    one_by_one = [sorted(o.item_id for o in g.offers) for g in group_offers(offers, images)]
    assert together == one_by_one
    assert sorted(f"s3-{k}" for k in range(7)) in together


def test_listings_of_a_dotted_print_group_and_its_recolour_stays_apart() -> None:
    """Copies of a dotted photo (cropped, mirrored, shrunk) fit with almost no keypoints;
    their near whole-picture hashes send them to the dense fit, which confirms them. The
    same photo recoloured (another product) stays apart."""
    from tests.imagegen import dotted_trousers

    original = dotted_trousers()
    w, h = original.size
    pictures = {
        "a": original, "b": original.crop((30, 40, w - 20, h - 30)),
        "c": original.crop((0, 0, w - 40, h - 50)).transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        "d": original.crop((20, 0, w, h - 20)).resize((400, 500)),
        "blue": dotted_trousers((40, 70, 150)),
    }
    offers = [_offer(k, "波点阔腿裤") for k in pictures]
    images = {f"vvic:{k}": _jpeg_bytes(img) for k, img in pictures.items()}
    groups = sorted(sorted(o.item_id for o in g.offers) for g in group_offers(offers, images))
    assert groups == [["a", "b", "c", "d"], ["blue"]]


def test_confirm_pair_needs_geometry_and_colour() -> None:
    from tests.imagegen import scene
    from vvic_desktop.core import local_features as lf

    s = GroupingSettings()
    base = lf.extract(scene(5, body=(200, 40, 40)))
    copy = lf.extract(Image.open(io.BytesIO(_jpeg_bytes(scene(5, body=(200, 40, 40)), 50))))
    assert grouping_rules.confirm_pair(base, copy, True, s).same
    recolour = lf.extract(scene(5, body=(40, 60, 200)))  # the same photo, in blue
    verdict = grouping_rules.confirm_pair(base, recolour, True, s)
    assert not verdict.same and verdict.reason == "colour"
    other = grouping_rules.confirm_pair(base, lf.extract(scene(6)), True, s)
    assert not other.same and other.reason == "geometry"


def test_a_copy_with_a_detail_inset_is_the_same_photo_and_a_recolour_with_one_is_not() -> None:
    from tests.core.test_local_features import _with_inset
    from tests.imagegen import scene
    from vvic_desktop.core import local_features as lf

    s = GroupingSettings()
    base = lf.extract(scene(5, body=(200, 40, 40)))
    for corner in ("tl", "br"):
        inset = lf.extract(Image.open(io.BytesIO(_jpeg_bytes(
            _with_inset(scene(5, body=(200, 40, 40)), corner), 80))))
        assert grouping_rules.confirm_pair(base, inset, False, s).same
        assert grouping_rules.confirm_pair(inset, base, False, s).same
        recolour = lf.extract(Image.open(io.BytesIO(_jpeg_bytes(
            _with_inset(scene(5, body=(40, 60, 200)), corner), 80))))
        verdict = grouping_rules.confirm_pair(base, recolour, True, s)
        assert not verdict.same and verdict.reason == "colour"


def test_features_are_computed_once_and_kept_in_the_store(tmp_path) -> None:
    from vvic_desktop.core import pictures as pics
    from vvic_desktop.storage.thumbs import ThumbnailStore

    store = ThumbnailStore(tmp_path)
    sources = [*_listing_copies(7)[:3], b"not a picture", None]
    calls = []
    real = pics.local_features.extract

    def counting(image):
        calls.append(1)
        return real(image)

    pics.local_features.extract = counting
    try:
        first = pics.analyse(sources, store=store)
        assert len(calls) == 3
        second = pics.analyse(sources, store=store)
        assert len(calls) == 3  # loaded, not computed again
    finally:
        pics.local_features.extract = real
    assert first.problems[3] and first.problems[4] == "missing"
    assert [f is None for f in second.features] == [False, False, False, True, True]
    for a, b in zip(first.features[:3], second.features[:3], strict=True):
        assert a is not None and b is not None
        assert np.array_equal(a.descriptors, b.descriptors)
    # A damaged entry is recomputed, not an error.
    for path in (tmp_path / "features").rglob("*"):
        if path.is_file():
            path.write_bytes(b"junk")
    assert all(f is not None for f in pics.analyse(sources[:3], store=store).features)


def test_a_stored_picture_is_not_decoded_again_and_signs_the_same(tmp_path) -> None:
    from vvic_desktop.core import pictures as pics
    from vvic_desktop.storage.thumbs import ThumbnailStore

    store = ThumbnailStore(tmp_path)
    sources = [*_listing_copies(7)[:3], b"not a picture", None]
    first = pics.analyse(sources, store=store)
    decoded = []
    real = pics.picture_decode.decode

    def counting(*args, **kwargs):
        decoded.append(1)
        return real(*args, **kwargs)

    pics.picture_decode.decode = counting
    try:
        second = pics.analyse(sources, store=store)
        assert len(decoded) == 1  # only the damaged picture, which has nothing stored
    finally:
        pics.picture_decode.decode = real
    for name in first.signatures.__slots__:
        assert np.array_equal(getattr(first.signatures, name), getattr(second.signatures, name))
    assert second.problems[3] == first.problems[3] and second.problems[4] == "missing"
    # A damaged or foreign signature row is computed again, never an error.
    for path in (tmp_path / "features").rglob("*"):
        if path.is_file() and path.parents[1].name.startswith("sig"):
            path.write_bytes(path.read_bytes()[:-3])
    third = pics.analyse(sources, store=store)
    assert np.array_equal(third.signatures.phash, first.signatures.phash)
    with pytest.raises(ValueError):
        pics.hashing.set_row(pics.hashing.SignatureBatch.empty(1), 0, b"VSG\x01junk")


def test_a_picture_analysed_on_arrival_is_grouped_from_the_store(tmp_path, monkeypatch) -> None:
    """What `analyse_on_arrival` stores is what grouping's analysis would have computed: a
    later `analyse` decodes nothing and gives the same rows. A picture that cannot be used
    stores nothing and raises nothing."""
    from vvic_desktop.core import pictures as pics
    from vvic_desktop.storage.thumbs import ThumbnailStore

    store = ThumbnailStore(tmp_path)
    sources = _listing_copies(7)[:3]
    fresh = pics.analyse(sources)  # no store: computed here
    for data in [*sources, b"not a picture", b""]:
        pics.analyse_on_arrival(data, store)
    assert sum(p.is_file() for p in (tmp_path / "features").rglob("*")) == 2 * len(sources)
    decoded = []
    real = pics.picture_decode.decode

    def counting(*args, **kwargs):
        decoded.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pics.picture_decode, "decode", counting)
    later = pics.analyse(sources, store=store)
    assert decoded == []
    for name in fresh.signatures.__slots__:
        assert np.array_equal(getattr(fresh.signatures, name), getattr(later.signatures, name))
    for a, b in zip(fresh.features, later.features, strict=True):
        assert a is not None and b is not None
        assert a.to_bytes() == b.to_bytes()


def test_picture_files_past_the_held_bytes_are_read_again_and_a_changed_file_is_new(
        tmp_path, monkeypatch) -> None:
    """Files the first pass could not keep in memory are read again for decoding; one that
    changed in between is analysed as what it now holds, not under its old stored entry."""
    from vvic_desktop.core import pictures as pics
    from vvic_desktop.storage.thumbs import ThumbnailStore

    copies = _listing_copies(7)[:4]
    paths = []
    for k, data in enumerate(copies[:3]):
        path = tmp_path / f"p{k}.jpg"
        path.write_bytes(data)
        paths.append(path)
    store = ThumbnailStore(tmp_path / "store")
    held = pics.analyse(copies[:3])  # bytes, no store: the reference answer
    monkeypatch.setattr(pics, "_HELD_BYTES", 0)
    cold = pics.analyse(paths, store=store)
    for name in held.signatures.__slots__:
        assert np.array_equal(getattr(held.signatures, name), getattr(cold.signatures, name))
    # p0 stored with its bytes; its signature row lost, so it must be decoded again (its
    # stored local features would do). The first pass reads the old bytes; by the second
    # read the file holds another picture.
    store2 = ThumbnailStore(tmp_path / "store2")
    pics.analyse(paths[:1], store=store2)
    for path in (tmp_path / "store2" / "features").rglob("*"):
        if path.is_file() and path.parents[1].name.startswith("sig"):
            path.unlink()
    real_read = pics.intake.read_file
    reads: dict[str, int] = {}

    def swapping(path, *args, **kwargs):
        name = Path(path).name
        reads[name] = reads.get(name, 0) + 1
        if name == "p0.jpg" and reads[name] == 2:
            Path(path).write_bytes(copies[3])
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(pics.intake, "read_file", swapping)
    got = pics.analyse(paths[:1], store=store2)
    now = pics.analyse([copies[3]])
    assert reads["p0.jpg"] == 2
    assert np.array_equal(got.signatures.phash, now.signatures.phash)
    assert got.features[0] is not None and now.features[0] is not None
    assert np.array_equal(got.features[0].descriptors, now.features[0].descriptors)


def test_confirm_pair_refuses_a_recoloured_part_by_its_solid_window() -> None:
    """A small recoloured part sits under `blob_max` (one cue at its limit would let it
    through); its solid changed window is the second cue that refuses it."""
    from tests.imagegen import recolour_part, scene
    from vvic_desktop.core import local_features as lf

    s = GroupingSettings()
    base = scene(5, body=(200, 40, 40))
    a = lf.extract(base)
    b = lf.extract(Image.open(io.BytesIO(_jpeg_bytes(recolour_part(base, (200, 40, 40)), 80))))
    colour = lf.overlap_colour(a, b, lf.verify(a, b))
    assert s.blob_sure < colour.blob < s.blob_max and colour.part > s.part_max
    verdict = grouping.confirm_pair(a, b, True, s)
    assert not verdict.same and verdict.reason == "colour"


def test_a_collage_cell_with_a_borderline_fit_is_confirmed_by_its_aligned_structure() -> None:
    """A collage's cell fits with few inliers and moves every whole-picture signature, so
    the signatures' second opinion disagrees; the fit laying the same photo on itself is the
    second opinion then. It never speaks for colour: the recoloured photo in the same collage
    is refused by colour, whatever its structure."""
    from tests.core.test_local_features import _collage
    from tests.imagegen import scene
    from vvic_desktop.core import local_features as lf

    s = GroupingSettings()
    photo = scene(3)
    a = lf.extract(photo)
    cell = lf.extract(Image.open(io.BytesIO(_jpeg_bytes(_collage(photo, scene(11)), 70))))
    verdict = grouping.confirm_pair(cell, a, False, s)
    assert s.inliers_min <= verdict.inliers < s.inliers_sure  # borderline geometry
    assert verdict.same and verdict.aligned >= s.aligned_min
    # The cue decides: asked for more agreement than the photo shows, the pair is refused.
    strict = GroupingSettings(aligned_min=min(verdict.aligned + 0.01, 0.99))
    assert grouping.confirm_pair(cell, a, False, strict).reason == "borderline"
    # With the signatures agreeing it is not asked.
    assert np.isnan(grouping.confirm_pair(cell, a, True, s).aligned)
    recoloured = lf.extract(Image.open(io.BytesIO(
        _jpeg_bytes(_collage(scene(3, body=(40, 90, 200)), scene(11)), 70))))
    refused = grouping.confirm_pair(recoloured, a, False, s)
    assert not refused.same and refused.reason == "colour"


def test_a_composite_picture_never_leads_a_group_over_a_plain_one() -> None:
    """The leader is the picture the others are checked against: the plain photo the copies
    were made from, not a collage holding it (its fit to each copy is weaker), even where
    the collage comes first and is as near to the others as they are to one another."""
    from PIL import ImageOps

    from tests.core.test_local_features import _collage
    from tests.imagegen import scene
    from vvic_desktop.core.pictures import analyse

    photo = scene(3)
    pictures = [_collage(photo, scene(11)), photo, photo.crop((40, 60, 600, 720)),
                ImageOps.expand(photo, 30, fill=(200, 20, 20))]
    pics = analyse([_jpeg_bytes(p) for p in pictures])
    offers = [Offer("vvic", str(k), "", Decimal(60)) for k in range(len(pictures))]
    s = GroupingSettings()
    ev = grouping.evaluate(pics.signatures, offers, s)
    ev.hash_distance[:] = 0  # every pair near: equal degrees, the earliest item would lead
    groups = grouping.confirm_and_cluster(len(pictures), ev, pics, s)
    assert sorted(m for g in groups for m in g) == [0, 1, 2, 3]
    assert [g[0] for g in groups if 1 in g] == [1]


def test_a_composite_shares_the_proposals_of_near_identical_pictures() -> None:
    """A collage (0) proposed beside one copy (1) of a photo is proposed beside the copy's
    near-identical pictures (2, 3) too, so the group's leader, whichever of them it is,
    checks it. A plain picture (4) proposed beside 1 is not: its hash speaks for itself."""
    i = np.array([0, 1, 1, 2, 1])
    j = np.array([1, 2, 3, 3, 4])
    tight = np.array([False, True, True, True, False])
    composite = np.array([True, False, False, False, False])
    si, sj = grouping_candidates.shared_pairs(5, i, j, tight, composite)
    assert sorted(zip(si.tolist(), sj.tolist(), strict=True)) == [(0, 2), (0, 3)]
    none = grouping_candidates.shared_pairs(5, i, j, tight, np.zeros(5, bool))
    assert len(none[0]) == 0
    # Already proposed pairs are not proposed again; a composite is never its own pair.
    i2, j2 = np.append(i, 0), np.append(j, 2)
    si, sj = grouping_candidates.shared_pairs(5, i2, j2, np.append(tight, False), composite)
    assert sorted(zip(si.tolist(), sj.tolist(), strict=True)) == [(0, 3)]


def test_a_collage_cell_is_proposed_beside_the_plain_pictures_nearest_its_hash() -> None:
    """`cell_pairs`: each cell's hash (plain or against a mirrored picture) finds the
    `per_cell` nearest plain pictures within the distance; not composites, not missing
    pictures, not the collage itself; a picture without cells proposes nothing."""
    n = 7
    batch = hashing.SignatureBatch.empty(n)
    batch.ok[:] = True
    batch.ok[5] = False
    cell = np.uint64(0xFFFF_0000_FFFF_0000)
    flip = np.uint64(1)
    batch.phash[:] = [0, cell, cell ^ flip, cell ^ np.uint64(0xFF), 0, cell, cell]
    batch.phash_mirror[:] = [0, 0, 0, 0, cell ^ np.uint64(0b11), 0, 0]
    composite = np.array([True, False, False, False, False, False, True])
    none = np.zeros(0, np.uint64)
    cells = [np.array([cell], np.uint64)] + [none] * (n - 1)
    i, j = grouping_candidates.cell_pairs(batch, cells, composite, 12, 3)
    # 1 (0 apart), 2 (1), 4 (2, mirrored); not 3 (8 apart: the fourth), 5 (missing), 6
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1), (0, 2), (0, 4)]
    i, j = grouping_candidates.cell_pairs(batch, cells, composite, 1, 3)
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1), (0, 2)]
    empty = grouping_candidates.cell_pairs(batch, [none] * n, composite, 12, 3)
    assert len(empty[0]) == 0


def test_a_collage_is_proposed_beside_the_photo_in_its_cell_whose_hash_is_far() -> None:
    """A collage's whole hash is no photo's (here it is nearest the other photo it holds):
    analysed, it carries its cells' hashes, one near the photo's (and keypoints found at
    twice the size), and grouping proposes the pair the whole-picture proposals left out."""
    from PIL import ImageOps

    from tests.core.test_local_features import _collage
    from tests.imagegen import scene
    from vvic_desktop.core import local_features as lf
    from vvic_desktop.core.pictures import analyse

    photo, other = scene(3), scene(11)
    pictures = [_collage(photo, other), photo, other, scene(5), scene(7), ImageOps.mirror(photo)]
    pics = analyse([_jpeg_bytes(p, 85) for p in pictures])
    cells = [f.cells if f is not None else np.zeros(0, np.uint64) for f in pics.features]
    assert cells[0].shape == (2,) and all(len(c) == 0 for c in cells[1:])
    # the collage's keypoints were found on a larger decode of it, the others' at the usual size
    sides = [max(f.width, f.height) for f in pics.features if f is not None]
    assert sides[0] == lf.COMPOSITE_SIDE
    assert all(side <= lf.ANALYSIS_SIDE for side in sides[1:])
    batch = pics.signatures
    assert grouping_candidates.pair_distance(batch, np.array([0]), np.array([1]))[0] > 12
    near = min(int(hashing.hamming(h, batch.phash[1])) for h in cells[0])
    assert near <= 8
    offers = [Offer("vvic", str(k), "", Decimal(60)) for k in range(len(pictures))]
    s = GroupingSettings(proposal_neighbours=1)
    composite = grouping._composites(pics)
    assert composite.tolist() == [True] + [False] * 5

    def pairs(ev: grouping.PairEvidence) -> set[tuple[int, int]]:
        return set(zip(ev.i.tolist(), ev.j.tolist(), strict=True))

    assert (0, 1) not in pairs(grouping.evaluate(batch, offers, s, composite))
    with_cells = pairs(grouping.evaluate(batch, offers, s, composite, cells))
    assert {(0, 1), (0, 5)} <= with_cells  # the photo, and its mirrored copy


def test_a_copy_whose_inset_was_missed_is_confirmed_and_a_recolour_with_one_is_not() -> None:
    """An inset `inset_box` missed (simulated by dropping it) is read off the pair when the
    fit is sure; a recoloured photo with the same inset is still another product."""
    import dataclasses

    from tests.core.test_local_features import _with_inset
    from tests.imagegen import scene
    from vvic_desktop.core import local_features as lf

    s = GroupingSettings()
    photo = scene(3)
    a = lf.extract(photo)

    def missed(img: Image.Image) -> lf.LocalFeatures:
        f = lf.extract(Image.open(io.BytesIO(_jpeg_bytes(_with_inset(img), 75))))
        return dataclasses.replace(f, inset=None)

    verdict = grouping.confirm_pair(a, missed(photo), False, s)
    assert verdict.inliers >= s.inliers_sure and verdict.same
    refused = grouping.confirm_pair(a, missed(scene(3, body=(40, 90, 200))), True, s)
    assert not refused.same and refused.reason == "colour"


def test_a_near_miss_of_the_leader_is_checked_against_a_member_surely_its_photo(
        monkeypatch) -> None:
    """A candidate whose fit to the leader fell short (a collage's cell against a crop) is
    checked once more against the member nearest it that is surely the leader's own photo,
    and must pass the whole rule there; a candidate that fails there stays out, and one
    the leader refused outright (no fit) is not checked again."""
    from tests.imagegen import scene
    from vvic_desktop.core.grouping_rules import Confirmation
    from vvic_desktop.core.pictures import analyse

    pics = analyse([_jpeg_bytes(scene(seed)) for seed in (3, 4, 5, 6, 7)])
    offers = [Offer("vvic", str(k), "", Decimal(60)) for k in range(5)]
    s = GroupingSettings()
    ev = grouping.evaluate(pics.signatures, offers, s)
    ev.hash_distance[:] = 0
    ev.hash_distance[(ev.i != 0) & (ev.j != 0)] = 10  # item 0 leads (the most near pairs)
    index = {id(f): k for k, f in enumerate(pics.features)}
    answers = {  # (checked against, candidate): (same, inliers, changed, reason)
        (0, 1): (True, 120, 0.0, ""),  # surely the leader's photo
        (0, 2): (False, 30, 0.05, "borderline"),
        (0, 3): (False, 12, 1.0, "geometry"),
        (0, 4): (False, 3, 1.0, "geometry"),  # no fit: not asked again
        (1, 2): (True, 40, 0.01, ""),
        (1, 3): (False, 20, 0.3, "colour"),
    }
    asked: list[tuple[int, int]] = []

    def fake(a, b, _second, _settings, _cache=None, *, mirror=True, near=False):
        key = (index[id(a)], index[id(b)])
        asked.append(key)
        same, inliers, changed, reason = answers.get(key, (False, 0, 1.0, "geometry"))
        return Confirmation(same, inliers, changed, 1.0, False, reason)

    monkeypatch.setattr(grouping, "confirm_pair", fake)
    groups = grouping.confirm_and_cluster(5, ev, pics, s)
    assert sorted(groups[0]) == [0, 1, 2]
    assert (1, 2) in asked and (1, 3) in asked and (1, 4) not in asked


def test_nearest_places_rank_every_other_present_picture_and_propose_the_first_k() -> None:
    from tests.imagegen import scene
    from vvic_desktop.core.pictures import analyse

    pics = analyse([_jpeg_bytes(scene(seed)) for seed in (3, 4, 5)] + [None]
                   + [_jpeg_bytes(scene(seed)) for seed in (6, 7)])
    n = len(pics.signatures)
    places = grouping_candidates.nearest_places(pics.signatures)
    assert places is not None and places.shape == (n, n)
    present = [0, 1, 2, 4, 5]
    for a in present:
        others = [b for b in present if b != a]
        assert sorted(places[a, others].tolist()) == list(range(len(others)))
        assert places[a, a] == n and places[a, 3] == n
    assert (places[3] == n).all()
    for k in (1, 2, 10):  # 10: more than there are pictures
        i, j = grouping_candidates.nearest_pairs(places, k)
        got = set(zip(i.tolist(), j.tolist(), strict=True))
        want = {(min(a, b), max(a, b)) for a in present for b in present
                if a != b and places[a, b] < k}
        assert got == want and all(a < b for a, b in got)
    assert grouping_candidates.nearest_places(hashing.SignatureBatch.empty(3)) is None


def _lead_with_late_candidates(monkeypatch, answers: dict[int, bool],
                               late: dict[int, int]) -> tuple[list[int], list[int]]:
    """Item 0 leads candidates 1-6 (`late`: a candidate's place in the nearest lists,
    past the first ones); `answers`: its check against 0. The leader's group and the
    candidates checked against it."""
    from tests.imagegen import scene
    from vvic_desktop.core.grouping_rules import Confirmation
    from vvic_desktop.core.pictures import analyse

    pics = analyse([_jpeg_bytes(scene(seed)) for seed in range(3, 10)])
    offers = [Offer("vvic", str(k), "", Decimal(60)) for k in range(7)]
    s = GroupingSettings()
    ev = grouping.evaluate(pics.signatures, offers, s)
    ev.hash_distance[:] = 0
    ev.hash_distance[(ev.i != 0) & (ev.j != 0)] = 30  # only 0's pairs are near: 0 leads
    ev.late_place[:] = 0
    for x, place in late.items():
        ev.late_place[(ev.i == 0) & (ev.j == x)] = place
    index = {id(f): k for k, f in enumerate(pics.features)}
    asked: list[int] = []

    def fake(a, b, _second, _settings, _cache=None, *, mirror=True, near=False):
        x, y = index[id(a)], index[id(b)]
        if x == 0:
            asked.append(y)
        same = answers.get(y, False) if x == 0 else False
        return Confirmation(same, 120 if same else 3, 0.0 if same else 1.0, 1.0, False,
                            "" if same else "geometry")

    monkeypatch.setattr(grouping, "confirm_pair", fake)
    groups = grouping.confirm_and_cluster(7, ev, pics, s)
    return sorted(groups[0]), sorted(asked)


def test_a_leader_reads_its_nearest_lists_as_far_as_it_finds_its_copies(monkeypatch) -> None:
    """Candidates past the first places of both pictures' nearest lists are checked one
    place further for each copy the leader has found: two found, places 4 and 5; a third
    found there, place 6 too; place 9 stays unchecked (a colour variant of the photo sits
    there: same hash, other colour)."""
    assert GroupingSettings().proposal_nearest_first == 4
    group, asked = _lead_with_late_candidates(
        monkeypatch, {1: True, 2: True, 3: True, 4: False, 5: True, 6: True},
        {3: 4, 4: 5, 5: 6, 6: 9})
    assert asked == [1, 2, 3, 4, 5]
    assert group == [0, 1, 2, 3, 5]


def test_a_leader_that_finds_no_copy_checks_nothing_further_down(monkeypatch) -> None:
    group, asked = _lead_with_late_candidates(
        monkeypatch, {1: False, 2: False, 3: True, 4: True}, {3: 4, 4: 5, 5: 6, 6: 9})
    assert asked == [1, 2]
    assert group == [0]


def test_the_leader_is_the_picture_near_most_others_in_hash_and_colour_both() -> None:
    """Item 1 is hash-near four pictures but far down every nearest list (a copy whose
    colour was shifted: its hash stays, its histogram does not); item 0 is near two in
    both. 0 leads, though 1 has more hash-near candidates."""
    pairs = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (1, 4)]
    i, j = (np.array(v, dtype=np.intp) for v in zip(*pairs, strict=True))
    k = len(i)
    ev = grouping_rules.PairEvidence(
        i, j, np.zeros(k, np.int16), np.zeros(k, np.int16), np.ones(k), np.ones(k),
        np.zeros(k), np.zeros(k), np.full(k, np.nan), np.zeros(k, bool), np.ones(k, bool),
    )
    ev.late_place = np.where((i == 1) | (j == 1), 10, 0).astype(np.intp)
    pics = Pictures(hashing.SignatureBatch.empty(5), [None] * 5, [""] * 5)
    groups = grouping.confirm_and_cluster(5, ev, pics, grouping_rules.GroupingSettings())
    assert groups == [[0, 1, 2, 3], [4]]
    ev.late_place[:] = 0
    assert grouping.confirm_and_cluster(5, ev, pics, grouping_rules.GroupingSettings())[0][0] == 1


def test_the_mirrored_fit_is_skipped_only_where_the_hashes_rule_a_mirror_out() -> None:
    from PIL import ImageOps

    from tests.imagegen import scene
    from vvic_desktop.core import local_features as lf

    # The rule: plain hashes clearly nearer than mirrored ones, and no near mirrored match.
    assert not grouping_rules.mirror_possible(10, 30, composite=False)
    assert grouping_rules.mirror_possible(10, 30, composite=True)  # a collage's cell
    assert grouping_rules.mirror_possible(26, 28, composite=False)  # no clear side
    assert grouping_rules.mirror_possible(4, 12, composite=False)  # a near mirrored match
    # A mirrored copy fits only through the mirrored fit, and its hashes let it be tried.
    s = GroupingSettings()
    img = scene(7)
    base, flipped = lf.extract(img), lf.extract(ImageOps.mirror(img))
    assert grouping_rules.confirm_pair(base, flipped, True, s).same
    assert not grouping_rules.confirm_pair(base, flipped, True, s, mirror=False).same
    pictures = {"plain": _jpeg_bytes(img, 85), "mirrored": _jpeg_bytes(ImageOps.mirror(img)),
                "other": _jpeg_bytes(scene(21))}
    offers = [_offer(key, title="") for key in pictures]
    groups = group_offers(offers, {o.key: pictures[o.item_id] for o in offers})
    assert sorted(sorted(o.item_id for o in g.offers) for g in groups) == [
        ["mirrored", "plain"], ["other"]]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_checks_on_several_cores_come_back_in_job_order(workers: int) -> None:
    from concurrent.futures import ThreadPoolExecutor

    jobs = list(range(200))
    with ThreadPoolExecutor(max_workers=max(1, workers - 1)) as pool:
        assert grouping._on_cores(pool, workers, lambda k: k * k, jobs) == [k * k for k in jobs]
        assert grouping._on_cores(pool, workers, lambda k: -k, [7]) == [-7]
        assert grouping._on_cores(pool, workers, lambda k: k, []) == []

        def fails(k: int) -> int:
            if k == 150:
                raise ValueError("bad picture")
            return k

        with pytest.raises(ValueError, match="bad picture"):
            grouping._on_cores(pool, workers, fails, jobs)


def _stamped(img: Image.Image) -> Image.Image:
    """A stall's name stamped against the garment's hem, as re-posters do: the garment
    crop takes it in, and the copy's pHash moves far from its photo's."""
    from PIL import ImageFont

    out = img.copy()
    ImageDraw.Draw(out).text((6, 738), "STALL A-13 88231", fill=(40, 40, 40),
                             font=ImageFont.load_default(size=34))
    return out


def test_pictures_sharing_most_keypoints_are_proposed_whatever_their_hashes() -> None:
    """`keypoint_pairs`: a stamped copy whose hash moved past every proposal distance, and
    a mirrored copy, are each proposed beside their photo by the keypoints they share (the
    mirrored one said so); a picture without keypoints is never proposed; k = 0 proposes
    nothing."""
    from PIL import ImageOps

    from tests.imagegen import scene
    from vvic_desktop.core.pictures import analyse

    photo = scene(3)
    pics = analyse([_jpeg_bytes(p, 80) for p in (
        photo, _stamped(photo), scene(4), ImageOps.mirror(scene(4)), scene(5), scene(6),
        scene(7))])
    batch = pics.signatures
    assert grouping_candidates.pair_distance(batch, np.array([0]), np.array([1]))[0] > 12
    descriptors = [(f.descriptors, f.mirror_descriptors) if f is not None else None
                   for f in pics.features]
    i, j, mirrored = grouping_candidates.keypoint_pairs(descriptors, 1)
    said = {(a, b): m for a, b, m in zip(i.tolist(), j.tolist(), mirrored.tolist(),
                                         strict=True)}
    # the stamped copy shares its photo's plain keypoints, the mirrored copy its mirror's
    assert said.get((0, 1)) is False and said.get((2, 3)) is True
    without = [None, *descriptors[1:]]
    i, j, _m = grouping_candidates.keypoint_pairs(without, 1)
    pairs = set(zip(i.tolist(), j.tolist(), strict=True))
    assert (2, 3) in pairs and not any(0 in pair for pair in pairs)
    assert len(grouping_candidates.keypoint_pairs(descriptors, 0)[0]) == 0


def test_a_stamped_copy_no_hash_proposes_joins_its_photo_and_its_recolour_does_not() -> None:
    """A copy no hash proposal reaches, about to lead a group of its own, is checked
    against its nearest pictures by shared keypoints that vouch for a group, and joins its
    photo's; the same stamped photo recoloured (another product) is refused by colour."""
    from tests.imagegen import scene

    photo = scene(3)
    pictures = [photo, _stamped(photo), photo.resize((480, 600)), scene(4), scene(5),
                scene(6), _stamped(scene(3, body=(30, 80, 210)))]
    offers = [Offer("vvic", str(k), "", Decimal(60)) for k in range(len(pictures))]
    images = {o.key: _jpeg_bytes(p, 80) for o, p in zip(offers, pictures, strict=True)}

    def sets(keypoint_neighbours: int) -> list[list[str]]:
        s = GroupingSettings(proposal_neighbours=0, keypoint_neighbours=keypoint_neighbours)
        return sorted(sorted(o.item_id for o in g.offers)
                      for g in group_offers(offers, images, settings=s))

    assert ["0", "2"] in sets(0) and ["1"] in sets(0)
    assert sets(3) == [["0", "1", "2"], ["3"], ["4"], ["5"], ["6"]]


def test_a_picture_joins_by_shared_keypoints_only_through_a_member_that_vouches(
        monkeypatch) -> None:
    """The keypoint fallback is no chaining: a picture (3) about to lead is checked against
    a spare neighbour (1) only where that one is the leader or surely its photo, and must
    pass the whole rule there; a neighbour that joined on a borderline check (2) vouches for
    nothing, so its spare neighbour (4) is not checked and leads its own group."""
    from tests.imagegen import scene
    from vvic_desktop.core.grouping_rules import Confirmation
    from vvic_desktop.core.pictures import analyse

    pics = analyse([_jpeg_bytes(scene(seed)) for seed in (3, 4, 5, 6, 7)])
    offers = [Offer("vvic", str(k), "", Decimal(60)) for k in range(5)]
    s = GroupingSettings()
    i, j = np.array([0, 0, 1, 2]), np.array([1, 2, 3, 4])
    ev = grouping_rules.pair_evidence(pics.signatures, offers, i, j, s)
    ev.hash_distance[:] = [0, 0, 30, 30]
    ev.spare = np.array([False, False, True, True])
    ev.spare_mirrored = np.zeros(4, bool)
    index = {id(f): k for k, f in enumerate(pics.features)}
    answers = {  # (checked against, candidate): (same, inliers, changed)
        (0, 1): (True, 120, 0.0),  # surely the leader's photo: vouches
        (0, 2): (True, 30, 0.0),  # the same photo, not surely: vouches for nothing
        (1, 3): (True, 90, 0.0),
        (2, 4): (True, 90, 0.0),
    }
    asked: list[tuple[int, int]] = []

    def fake(a, b, _second, _settings, _cache=None, *, mirror=True, near=False):
        key = (index[id(a)], index[id(b)])
        asked.append(key)
        same, inliers, changed = answers.get(key, (False, 0, 1.0))
        return Confirmation(same, inliers, changed, 1.0, False, "" if same else "geometry")

    monkeypatch.setattr(grouping, "confirm_pair", fake)
    groups = grouping.confirm_and_cluster(5, ev, pics, s)
    assert sorted(map(sorted, groups)) == [[0, 1, 2, 3], [4]]
    assert (1, 3) in asked and (2, 4) not in asked
    answers[(1, 3)] = (False, 4, 1.0)  # refused there: 3 leads its own group
    asked.clear()
    assert sorted(map(sorted, grouping.confirm_and_cluster(5, ev, pics, s))) == [
        [0, 1, 2], [3], [4]]
