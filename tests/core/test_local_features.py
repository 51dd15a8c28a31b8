"""Local features: a crop, frame, pad, stamp, mirror or collage of one photo matches it
geometrically; another photo does not; a recoloured copy matches in geometry but not in
colour inside the aligned overlap."""

from __future__ import annotations

import dataclasses
import io

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from tests.imagegen import dotted_trousers, recolour_part, scene
from vvic_desktop.core import local_features as lf
from vvic_desktop.core.grouping_rules import GroupingSettings, confirm_pair

MATCH = 25  # inliers: a copy finds far more, another photo a handful


@pytest.fixture(scope="module")
def original() -> Image.Image:
    return scene(3)


def _jpeg(img: Image.Image, quality: int = 70) -> Image.Image:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _stamp(img: Image.Image) -> Image.Image:
    out = img.copy()
    draw = ImageDraw.Draw(out)
    draw.rectangle((180, 380, 470, 430), fill=(250, 250, 250))
    draw.text((200, 390), "STALL 13-A12", fill=(200, 0, 0))
    return out


def _collage(img: Image.Image, other: Image.Image) -> Image.Image:
    out = Image.new("RGB", (640, 400), "white")
    out.paste(img.resize((300, 375)), (10, 12))
    out.paste(other.resize((300, 375)), (330, 12))
    return out


EDITS = {
    "recompressed": lambda im: _jpeg(im, 40),
    "resized": lambda im: im.resize((300, 375)),
    "cropped": lambda im: im.crop((40, 60, 600, 720)),
    "bordered": lambda im: ImageOps.expand(im, 30, fill=(200, 20, 20)),
    "padded": lambda im: ImageOps.pad(im, (900, 900), color=(255, 255, 255)),
    "stamped": _stamp,
    "mirrored": ImageOps.mirror,
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_listing_edits_match_and_keep_their_colour(original, edit) -> None:
    a = lf.extract(original)
    b = lf.extract(_jpeg(EDITS[edit](original)))
    match = lf.verify(a, b)
    assert match.inliers >= MATCH
    assert match.mirrored == (edit == "mirrored")
    assert 0.3 < match.scale < 3.0 and abs(match.rotation) < 5
    colour = lf.overlap_colour(a, b, match)
    assert colour.changed < 0.1
    assert colour.coverage > 0.5


def test_a_photo_inside_a_collage_matches(original) -> None:
    other = scene(11)
    collage = lf.extract(_jpeg(_collage(original, other)))
    match = lf.verify(collage, lf.extract(original))
    assert match.inliers >= 15  # fewer than a whole copy: the photo is half as large
    # The photo lands in the left cell of the collage.
    x, _y = match.transform @ np.array([128.0, 128.0, 1.0])
    assert x < collage.width / 2



def test_a_fit_lays_the_same_photo_on_itself_and_not_another(original) -> None:
    """`aligned_structure`: under the fit of the photo into its collage cell, the photo's
    fine structure agrees with the cell's nearly pixel for pixel; another photo put through
    the same fit does not (only the white around both garments agrees); a recolour keeps
    its structure (the cue is blind to colour, which the colour check sees)."""
    collage = lf.extract(_jpeg(_collage(original, scene(11))))
    a = lf.extract(original)
    match = lf.verify(collage, a)
    assert lf.aligned_structure(collage, a, match) > 0.9
    assert lf.aligned_structure(collage, lf.extract(scene(7)), match) < 0.7
    recoloured = lf.extract(scene(3, body=(40, 90, 200)))
    assert lf.aligned_structure(collage, recoloured, match) > 0.9
    assert lf.aligned_structure(collage, a, lf.NO_MATCH) == 0.0
    cache = lf.ColourCache()  # the cache changes nothing
    assert lf.aligned_structure(collage, a, match, cache) == lf.aligned_structure(
        collage, a, match)


def test_a_collage_or_an_inset_looks_composite_and_listing_edits_do_not(original) -> None:
    assert lf.looks_composite(lf.extract(_jpeg(_collage(original, scene(11)))))
    assert lf.looks_composite(lf.extract(_jpeg(_with_inset(original))))
    for edit in sorted(EDITS):
        assert not lf.looks_composite(lf.extract(_jpeg(EDITS[edit](original)))), edit

def test_a_collage_is_cut_into_its_cells_and_a_picture_of_one_piece_is_not(original) -> None:
    """`gutter_cells`: the collage's two photos, each a box of shares of the picture (left
    and right of the gutter, the height of the photos); an edited copy of one photo, or a
    picture with an inset (its photo is one piece), has none."""
    collage = lf.extract(_jpeg(_collage(original, scene(11))))
    cells = lf.gutter_cells(collage)
    assert len(cells) == 2
    # a collage one of whose cells was also taken for an inset (its sides are straight
    # steps too) is still cut at its gutter
    th, tw = collage.colour.shape[:2]
    assert lf.gutter_cells(dataclasses.replace(collage, inset=(tw // 2, 0, tw, th))) == cells
    (l0, t0, r0, b0), (l1, t1, r1, b1) = sorted(cells)
    assert 0 <= l0 < r0 <= 0.5 <= l1 < r1 <= 1
    assert min(t0, t1) < 0.2 and max(b0, b1) > 0.8
    assert lf.gutter_cells(lf.extract(_jpeg(_with_inset(original)))) == []
    for edit in sorted(EDITS):
        assert lf.gutter_cells(lf.extract(_jpeg(EDITS[edit](original)))) == [], edit


def test_a_collage_keypoints_are_found_again_on_the_larger_picture(original) -> None:
    """`finer_keypoints`: the collage's keypoints come from the picture at up to
    `COMPOSITE_SIDE` (its cells twice as large as at `ANALYSIS_SIDE`), in that frame; the
    thumbnail, mask and inset stay those of the first analysis, and its keypoints are kept
    as `coarse` (`coarser()` gives them back); the photo in its cell still fits and another
    photo does not; a picture no larger than the first analysis changes nothing."""
    collage = _jpeg(_collage(original, scene(11)))  # 640 × 400
    coarse = lf.extract(collage)
    fine = lf.finer_keypoints(coarse, collage)
    assert (coarse.width, coarse.height) == (lf.ANALYSIS_SIDE, 160)
    assert (fine.width, fine.height) == (lf.COMPOSITE_SIDE, 320)
    assert len(fine) > 0 and fine.points[:, 0].max() < fine.width
    assert fine.mirror_points[:, 0].max() < fine.width
    assert np.array_equal(fine.colour, coarse.colour)
    assert np.array_equal(fine.garment, coarse.garment) and fine.inset == coarse.inset
    assert lf.verify(fine, lf.extract(original)).inliers >= GroupingSettings().inliers_min
    assert lf.verify(fine, lf.extract(scene(7))).inliers < MATCH // 2
    assert lf.finer_keypoints(coarse, collage.resize((256, 160))) is coarse
    assert coarse.coarse is None and fine.coarse is not None
    again = fine.coarser()
    assert again is not None and (again.width, again.height) == (coarse.width, coarse.height)
    assert np.array_equal(again.points, coarse.points)
    assert np.array_equal(again.mirror_descriptors, coarse.mirror_descriptors)


def test_a_collage_is_confirmed_with_its_coarse_keypoints_where_the_finer_fall_short(
        original) -> None:
    """`confirm_pair` tries a collage's `coarse` keypoints when the finer set's fit falls
    short, and either confirmation stands; a recolour is refused with either. Here the
    finer set is another photo's (no fit at all), the coarse one the collage's own."""
    collage = _jpeg(_collage(original, scene(11)))
    own = lf.extract(collage)
    stranger = lf.finer_keypoints(lf.extract(scene(7)), scene(7).resize((640, 400)))
    doctored = dataclasses.replace(
        own, width=stranger.width, height=stranger.height, points=stranger.points,
        descriptors=stranger.descriptors, mirror_points=stranger.mirror_points,
        mirror_descriptors=stranger.mirror_descriptors,
        coarse=lf.Keypoints(own.width, own.height, own.points, own.descriptors,
                            own.mirror_points, own.mirror_descriptors))
    photo, s = lf.extract(original), GroupingSettings()
    alone = confirm_pair(photo, dataclasses.replace(doctored, coarse=None), False, s)
    assert not alone.same and alone.reason == "geometry"
    for a, b in ((photo, doctored), (doctored, photo)):
        verdict = confirm_pair(a, b, False, s)
        assert verdict.same and verdict.inliers >= s.inliers_min
    recoloured = lf.extract(_jpeg(scene(3, body=(40, 90, 200))))  # the photo, in blue
    assert not confirm_pair(recoloured, doctored, False, s).same


def test_a_repeated_print_is_confirmed_by_a_dense_fit_when_the_hashes_are_near() -> None:
    """Keypoints on a dotted print all look alike: once a copy is cropped (the dots move
    against the frame) the ratio test keeps too few for a fit. With the whole-picture hashes
    near (`near`), `confirm_pair` lays the pair on itself densely (`dense_fit`): the photo
    cropped, cropped and mirrored, cropped and shrunk is confirmed; the same cut with the
    dots spaced otherwise, or recoloured, is not; without `near` nothing changes."""
    s = GroupingSettings()
    original = dotted_trousers()
    photo = lf.extract(original)
    w, h = original.size
    copies = {
        "cropped": original.crop((30, 40, w - 20, h - 30)),
        "cropped the other way": original.crop((0, 0, w - 40, h - 50)),
        "mirrored": ImageOps.mirror(original.crop((12, 20, w - 30, h - 12))),
        "smaller": original.crop((20, 0, w, h - 20)).resize((400, 500)),
    }
    for name, img in copies.items():
        copy = lf.extract(_jpeg(img))
        assert lf.verify(photo, copy).inliers < s.inliers_min, name  # the keypoints' failure
        assert not confirm_pair(photo, copy, True, s).same, name
        verdict = confirm_pair(photo, copy, True, s, near=True)
        assert verdict.same and verdict.aligned >= s.dense_structure_min, name
        assert verdict.mirrored == (name == "mirrored"), name
    others = {"dots closer": dotted_trousers(step=30),
              "dots further apart": dotted_trousers(step=42),
              "recoloured": dotted_trousers((40, 70, 150)), "a stranger": scene(5)}
    for name, img in others.items():
        other = lf.extract(_jpeg(img))
        assert not confirm_pair(photo, other, True, s, near=True).same, name
        fit, structure = lf.dense_fit(photo, other)
        if fit.transform is not None:
            assert structure == lf.aligned_structure(photo, other, fit)
        if name.startswith("dots"):  # another print does not lay on this one
            assert fit.transform is None or structure < 0.5
        elif name == "recoloured":  # the same photo: it lies on itself, its colour refuses
            assert structure >= s.dense_structure_min


def test_another_photo_does_not_match(original) -> None:
    a = lf.extract(original)
    for seed in (5, 7, 9):
        assert lf.verify(a, lf.extract(scene(seed))).inliers < MATCH // 2


def test_a_recoloured_copy_fits_but_its_colour_differs(original) -> None:
    recoloured = scene(3, body=(40, 90, 200))  # the same photo, the garment in blue
    a, b = lf.extract(original), lf.extract(_jpeg(recoloured))
    match = lf.verify(a, b)
    assert match.inliers >= MATCH
    assert lf.overlap_colour(a, b, match).changed > 0.3


def test_features_round_trip_through_bytes_and_refuse_foreign_data(original) -> None:
    feats = lf.extract(original)
    back = lf.LocalFeatures.from_bytes(feats.to_bytes())
    assert (back.width, back.height) == (feats.width, feats.height)
    assert np.array_equal(back.descriptors, feats.descriptors)
    assert np.array_equal(back.mirror_points, feats.mirror_points)
    assert np.array_equal(back.colour, feats.colour)
    assert back.garment.dtype == np.uint8 and back.garment.shape == feats.colour.shape[:2]
    assert np.array_equal(back.garment, lf._foreground(feats.colour))
    assert 0 < np.count_nonzero(back.garment) < back.garment.size
    assert lf.verify(back, feats).inliers >= MATCH
    assert back.cells.shape == (0,)
    cells = np.array([2**64 - 1, 5, 2**63], np.uint64)  # a collage's cell hashes
    with_cells = lf.LocalFeatures.from_bytes(dataclasses.replace(feats, cells=cells).to_bytes())
    assert with_cells.cells.dtype == np.uint64 and np.array_equal(with_cells.cells, cells)
    assert back.coarse is None and back.coarser() is None
    # a collage's coarse keypoints (here: the same ones, halved) come back as they went
    half = lf.Keypoints(feats.width // 2, feats.height // 2, feats.points / 2,
                        feats.descriptors, feats.mirror_points / 2, feats.mirror_descriptors)
    both = lf.LocalFeatures.from_bytes(dataclasses.replace(feats, coarse=half).to_bytes())
    assert both.coarse is not None and both.coarse.width == feats.width // 2
    assert np.array_equal(both.coarse.points, half.points)
    assert np.array_equal(both.coarse.mirror_descriptors, feats.mirror_descriptors)
    coarser = both.coarser()
    assert coarser is not None and coarser.coarse is None
    assert (coarser.width, coarser.height) == (half.width, half.height)
    assert np.array_equal(coarser.points, half.points)
    assert np.array_equal(coarser.colour, feats.colour)
    data = feats.to_bytes()
    tail = lf._CELLS.size + lf._COARSE.size
    # an inset box that does not fit the thumbnail is a damaged entry
    th, tw = feats.colour.shape[:2]
    outside = (data[:-(lf._INSET.size + tail)] + lf._INSET.pack(0, 0, tw + 5, th)
               + data[-tail:])
    # so is a count of cell hashes or coarse keypoints the bytes do not hold
    counted = data[:-tail] + lf._CELLS.pack(1) + lf._COARSE.pack(0, 0, 0, 0)
    coarse_counted = data[:-lf._COARSE.size] + lf._COARSE.pack(10, 10, 3, 0)
    sizeless = data[:-lf._COARSE.size] + lf._COARSE.pack(0, 0, 1, 0) + b"\0" * 40
    for bad in (b"", b"nonsense", data[:-1], b"VLF\x08" + data[4:], outside, counted,
                coarse_counted, sizeless, data + b"\0" * 16):
        with pytest.raises(ValueError):
            lf.LocalFeatures.from_bytes(bad)


def test_tiny_and_plain_pictures_give_empty_features_that_match_nothing() -> None:
    for img in (Image.new("RGB", (1, 1)), Image.new("RGB", (300, 300), (240, 240, 240))):
        feats = lf.extract(img)
        assert lf.verify(feats, feats).transform is None
        assert lf.overlap_colour(feats, feats, lf.NO_MATCH).changed == 1.0


def test_ratio_matches_are_the_knn_ratio_test_one_per_keypoint(original) -> None:
    """The vectorised ratio test keeps what BFMatcher.knnMatch + the ratio test kept: one
    match per train keypoint (the closest), in the order the keypoints were first matched."""
    import cv2

    a = lf.extract(original)
    b = lf.extract(_jpeg(_stamp(original).resize((400, 500)), 50))
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(b.descriptors, a.descriptors, k=2)
    best: dict[int, cv2.DMatch] = {}
    for p in pairs:
        if len(p) == 2 and p[0].distance < lf.RATIO * p[1].distance:
            m = p[0]
            if m.trainIdx not in best or m.distance < best[m.trainIdx].distance:
                best[m.trainIdx] = m
    q, t = lf._ratio_matches(b.descriptors, a.descriptors)
    assert [(m.queryIdx, m.trainIdx) for m in best.values()] == list(zip(q, t, strict=True))
    assert len(q) >= MATCH
    # asked for no more than pass, the answer is the same; asked for more than could pass
    # (every query keypoint and one), only the queries that passed, none kept per keypoint
    same_q, same_t = lf._ratio_matches(b.descriptors, a.descriptors, need=len(best))
    assert list(same_q) == list(q) and list(same_t) == list(t)
    short_q, short_t = lf._ratio_matches(b.descriptors, a.descriptors,
                                         need=len(b.descriptors) + 1)
    assert len(short_t) == 0 and set(short_q) >= set(q)


def test_ratio_matches_break_ties_by_the_earlier_query_and_keep_first_match_order() -> None:
    """Queries repeated (equal distances to one train keypoint) and train keypoints matched
    by several queries: per train keypoint the closest query, the earliest on a tie, and
    the keypoints in the order some query first matched them (a plain-Python reading)."""
    import cv2

    rng = np.random.default_rng(5)
    train = rng.integers(0, 256, (40, lf.DESCRIPTOR_BYTES), dtype=np.uint8)
    rows = []
    for k in rng.integers(0, 40, 90):  # near copies of random train rows, some repeated
        row = train[k].copy()
        row[rng.integers(0, lf.DESCRIPTOR_BYTES, rng.integers(0, 3))] ^= 1
        rows.append(row)
    rows += [rows[3], rows[10], rows[10]]
    query = np.array(rows, np.uint8)
    dist, idx = cv2.batchDistance(query, train, cv2.CV_32S, normType=cv2.NORM_HAMMING, K=2)
    best: dict[int, tuple[int, int]] = {}  # train -> (distance, query), in first-match order
    for qi in range(len(query)):
        d0, d1, ti = int(dist[qi, 0]), int(dist[qi, 1]), int(idx[qi, 0])
        if d0 < lf.RATIO * d1 and (ti not in best or d0 < best[ti][0]):
            best[ti] = (d0, qi)
    q, t = lf._ratio_matches(query, train)
    assert [(qi, ti) for ti, (_d, qi) in best.items()] == list(zip(q, t, strict=True))
    assert len(t) < len(rows) - 3  # ties and repeats were there to break


def test_no_fit_is_sought_below_the_inliers_asked_for(original) -> None:
    a, b = lf.extract(original), lf.extract(scene(5))
    loose = lf.verify(a, b)
    strict = lf.verify(a, b, min_inliers=loose.matches + 1)
    assert strict.transform is None and strict.inliers == 0
    copy = lf.verify(a, lf.extract(_jpeg(original)), min_inliers=MATCH)
    assert copy.inliers >= MATCH  # a real copy is not affected


def test_the_colour_cache_changes_nothing(original) -> None:
    recoloured = lf.extract(_jpeg(scene(3, body=(40, 90, 200))))
    a = lf.extract(original)
    cache = lf.ColourCache()
    for b in (lf.extract(_jpeg(ImageOps.mirror(original))), recoloured,
              lf.extract(_jpeg(original))):
        match = lf.verify(a, b)
        assert lf.overlap_colour(a, b, match, cache) == lf.overlap_colour(a, b, match)
        back = lf.reverse(match, a, b)
        assert lf.overlap_colour(b, a, back, cache) == lf.overlap_colour(b, a, back)


def test_a_sure_plain_fit_skips_the_mirror_and_a_mirrored_copy_still_fits(original,
                                                                           monkeypatch) -> None:
    a = lf.extract(original)
    calls: list[int] = []
    fit = lf._fit

    def counting(*args, **kwargs):
        calls.append(len(args[3]))
        return fit(*args, **kwargs)

    monkeypatch.setattr(lf, "_fit", counting)
    copy = lf.verify(a, lf.extract(_jpeg(original)))
    assert copy.inliers >= lf.MIRROR_SKIP_INLIERS and not copy.mirrored
    assert len(calls) == 1  # the plain fit was sure: no mirrored fit
    calls.clear()
    flipped = lf.verify(a, lf.extract(_jpeg(ImageOps.mirror(original))))
    assert len(calls) == 2  # the plain fit was not sure: the mirror was tried, and won
    assert flipped.mirrored and flipped.inliers >= lf.MIRROR_SKIP_INLIERS


def test_a_recoloured_part_changes_a_window_through_and_a_shift_changes_nothing() -> None:
    """A part of the garment recoloured (another product: a waistband, a panel) is a small
    share of the picture but solid: `part` is near 1 where a slight colour shift of the
    whole picture (a re-post's filter) changes nothing."""
    base = scene(5, body=(200, 40, 40))
    a = lf.extract(base)
    b = lf.extract(_jpeg(recolour_part(base, (200, 40, 40)), 80))
    colour = lf.overlap_colour(a, b, lf.verify(a, b))
    assert colour.changed < 0.06 and colour.part > 0.95
    shifted = ImageEnhance.Brightness(ImageEnhance.Color(base).enhance(0.9)).enhance(0.92)
    c = lf.extract(_jpeg(shifted, 80))
    colour = lf.overlap_colour(a, c, lf.verify(a, c))
    assert colour.changed < 0.01 and colour.part < 0.2


def test_grey_turned_a_muted_colour_is_changed_a_shift_of_it_is_not() -> None:
    """Grey to mint moves chroma little and grey has no hue to compare: the a*b* step
    tells it; the mint brightened or desaturated by a re-post's shift stays the same."""
    def planes(rgb: tuple[int, int, int]) -> lf.Planes:
        return lf._colour_planes(np.full((8, 8, 3), rgb, np.uint8))

    grey, mint = planes((128, 128, 134)), planes((112, 168, 140))
    assert lf._changed(grey, mint).all()
    for shifted in ((103, 155, 129), (120, 170, 146)):  # darker; less saturated
        assert not lf._changed(mint, planes(shifted)).any()


def test_a_frame_and_its_seam_are_not_garment() -> None:
    """The blended line where a frame meets the photo is neither the frame's colour nor the
    background's: it must not count as garment (a framed copy would show it changed)."""
    photo = Image.new("RGB", (80, 96), (250, 250, 250))
    ImageDraw.Draw(photo).rectangle((25, 20, 55, 80), fill=(30, 90, 200))
    framed = np.asarray(ImageOps.expand(photo, 6, fill=(240, 200, 60)).resize((61, 72)))
    fg = lf._foreground(framed)
    assert not fg[:, :7].any() and not fg[:, -7:].any()
    assert not fg[:7].any() and not fg[-7:].any()
    assert fg[30:50, 25:35].all()


@pytest.mark.parametrize("pad", [(240, 190, 200), (0, 0, 0), (128, 128, 128)])
def test_the_studio_background_inside_a_deep_coloured_pad_is_not_garment(pad) -> None:
    """A portrait photo padded to square in a colour has bands deeper than a tenth at its
    sides: the studio white inside them is background (taken for garment, it diluted a
    recolour's changed share), the garment, and what of it reaches the photo's bottom edge,
    stay garment."""
    photo = Image.new("RGB", (60, 96), (250, 250, 250))
    draw = ImageDraw.Draw(photo)
    draw.rectangle((18, 20, 42, 95), fill=(200, 190, 150))  # a pale garment to the bottom
    square = np.asarray(ImageOps.pad(photo, (96, 96), color=pad))
    fg = lf._foreground(square)
    assert not fg[:, :20].any() and not fg[:, -20:].any()  # the pads and their seams
    assert not fg[5:15, 25:70].any()  # the studio white above the garment
    assert not fg[30:90, 22:34].any() and not fg[30:90, 62:74].any()  # beside it
    assert fg[25:90, 40:56].all()  # the garment, down to the photo's edge


def test_a_garment_whose_outline_meets_the_edges_is_not_taken_for_a_pad() -> None:
    """A garment filling most of an unpadded photo (a flat-laid tee reaching the sides) is
    no pad: its outline is not a straight step, so no third colour is left out."""
    photo = Image.new("RGB", (80, 96), (250, 250, 250))
    draw = ImageDraw.Draw(photo)
    draw.polygon([(0, 30), (20, 8), (60, 8), (79, 30), (66, 40), (62, 95), (18, 95),
                  (14, 40)], fill=(60, 110, 60))
    fg = lf._foreground(np.asarray(photo))
    assert fg[20:90, 25:55].all()


def test_the_mirror_images_garment_is_the_garment_mirrored() -> None:
    """`ColourCache` flips a picture's garment mask for its mirror image instead of finding
    it again: that is only right while `_foreground` treats left and right alike, which
    lopsided frames, pads and garments check here."""
    rng = np.random.default_rng(7)

    def colour(lo: int) -> tuple[int, int, int]:
        r, g, b = (int(v) for v in rng.integers(lo, 256, 3))
        return r, g, b

    for k in range(12):
        photo = Image.new("RGB", (80 + 3 * k, 96), colour(200))
        draw = ImageDraw.Draw(photo)
        x0 = int(rng.integers(5, 30))
        draw.rectangle((x0, 15, x0 + 30 + k, 85), fill=colour(0))
        draw.ellipse((50, 5, 70 + k, 40), fill=colour(0))
        left, right = int(rng.integers(0, 9)), int(rng.integers(0, 9))
        padded = ImageOps.expand(photo, (left, 3, right, 5), fill=(240, 200, 60))
        thumb = np.asarray(padded.resize((61 + k, 72)))
        mirrored = np.ascontiguousarray(thumb[:, ::-1])
        assert np.array_equal(lf._foreground(mirrored), lf._foreground(thumb)[:, ::-1])
        feats = lf.extract(thumb)
        cache = lf.ColourCache()
        assert np.array_equal(cache.thumb(feats, True)[1].view(bool),
                              lf._foreground(np.ascontiguousarray(feats.colour[:, ::-1])))


def test_ransacs_cap_still_finds_a_fit_of_the_size_a_caller_needs() -> None:
    """The iteration cap grouping's RANSAC runs under (`_ransac_iterations`) is sized for a
    fit of `min_inliers` among all the matches: such a fit, hidden among many more chance
    matches, is still found every time."""
    rng = np.random.default_rng(3)
    need = 15
    for total in (20, 40, 80, 150):
        for _ in range(10):
            b = rng.uniform(0, 250, (total, 2)).astype(np.float32)
            a = rng.uniform(0, 250, (total, 2)).astype(np.float32)  # chance matches
            angle, scale = np.radians(rng.uniform(-8, 8)), rng.uniform(0.6, 1.6)
            rot = scale * np.array([[np.cos(angle), -np.sin(angle)],
                                    [np.sin(angle), np.cos(angle)]])
            a[:need] = b[:need] @ rot.T + rng.uniform(-40, 40, 2)  # the true fit
            _t, mask = cv2.estimateAffinePartial2D(
                b, a, method=cv2.RANSAC, ransacReprojThreshold=3.8,
                maxIters=lf._ransac_iterations(total, need),
                confidence=lf.RANSAC_CONFIDENCE, refineIters=10)
            assert mask is not None and int(mask.sum()) >= need
    assert lf._ransac_iterations(250, 4) == lf.RANSAC_MAX_ITERATIONS  # others: as before


def _with_inset(img: Image.Image, corner: str = "br") -> Image.Image:
    """A listing's picture-in-picture: a 2.5× close-up of the photo's middle, framed in
    white, pasted into a corner."""
    w, h = img.size
    side = int(min(w, h) * 0.34)
    src = side / 2.5
    cx, cy = w / 2, h / 2
    detail = img.crop((int(cx - src / 2), int(cy - src / 2), int(cx + src / 2),
                       int(cy + src / 2))).resize((side, side))
    detail = ImageOps.expand(detail, border=4, fill=(255, 255, 255))
    out = img.copy()
    x = 10 if corner[1] == "l" else w - detail.width - 10
    y = 10 if corner[0] == "t" else h - detail.height - 10
    out.paste(detail, (x, y))
    return out


@pytest.mark.parametrize("corner", ["tl", "tr", "bl", "br"])
def test_a_corner_inset_is_found_where_it_was_pasted(original, corner) -> None:
    f = lf.extract(_jpeg(_with_inset(original, corner)))
    box = f.inset  # found once, by `extract`, and stored with the features
    assert box is not None and box == lf.inset_box(f.colour)
    assert lf.LocalFeatures.from_bytes(f.to_bytes()).inset == box
    x0, y0, x1, y1 = box
    h, w = f.colour.shape[:2]
    # the rectangle sits in its corner and is about a third of the picture a side
    assert (x0 == 0) == (corner[1] == "l") and (x1 == w) == (corner[1] == "r")
    assert (y0 == 0) == (corner[0] == "t") and (y1 == h) == (corner[0] == "b")
    assert 0.25 * w < x1 - x0 < 0.5 * w and 0.2 * h < y1 - y0 < 0.45 * h


def test_no_inset_is_found_in_plain_photos() -> None:
    for seed in range(3, 9):
        f = lf.extract(scene(seed))
        assert f.inset is None and lf.inset_box(f.colour) is None
        assert lf.LocalFeatures.from_bytes(f.to_bytes()).inset is None


def test_an_inset_copy_keeps_its_colour_and_a_recoloured_one_with_an_inset_does_not(
        original) -> None:
    a = lf.extract(original)
    copy = lf.extract(_jpeg(_with_inset(original)))
    match = lf.verify(a, copy)
    assert match.inliers >= MATCH
    kept = lf.overlap_colour(a, copy, match)
    assert kept.masked and kept.changed < 0.05 and kept.coverage > 0.5
    # Without the inset left out, its close-up reads as a recoloured part of the garment.
    plain = lf.overlap_colour(a, dataclasses.replace(copy, inset=None), match)
    assert not plain.masked and plain.blob > kept.blob
    # Leaving the inset out never hides a recolour of the rest (either side's inset).
    recoloured = lf.extract(_jpeg(_with_inset(scene(3, body=(40, 90, 200)))))
    for x, y in ((a, recoloured), (recoloured, a)):
        fit = lf.verify(x, y)
        assert fit.inliers >= MATCH
        assert lf.overlap_colour(x, y, fit).changed > 0.3



def _with_banner(img: Image.Image, top: bool, fill: tuple[int, int, int] = (240, 200, 60),
                 ink: tuple[int, int, int] = (250, 250, 250)) -> Image.Image:
    """A stall's banner across the top or bottom (12 % of the height): a solid band with
    its name in it."""
    out = img.copy()
    w, h = out.size
    band = int(h * 0.12)
    y0 = 0 if top else h - band
    draw = ImageDraw.Draw(out)
    draw.rectangle((0, y0, w, y0 + band), fill=fill)
    for k in range(6):  # the writing: strokes of ink along the band, a third of its rows
        x = int(w * (0.05 + 0.15 * k))
        draw.rectangle((x, y0 + band // 4, x + int(w * 0.05), y0 + 3 * band // 4),
                       fill=ink)
    return out


@pytest.mark.parametrize("fill", [(240, 200, 60), (20, 20, 20)])
@pytest.mark.parametrize("top", [True, False])
def test_a_banner_across_the_top_or_bottom_is_found_and_left_out(original, top, fill) -> None:
    """A band with the stall's name across a listing's top or bottom covers part of the
    garment: it is found by shape (`inset_box`: a straight step across the picture, on one
    side only, with writing in the band) and left out of the colour comparison, so the copy
    is the same photo; a recoloured copy with the same banner is still another product.
    (A band of about the garment's grey where it meets it shows no step there and is
    missed by shape, as an inset is; the test's bands are yellow and black on a dark red
    garment. Such a band with writing may still be found from the pair: see below.)"""
    a = lf.extract(original)
    copy = lf.extract(_jpeg(_with_banner(original, top, fill)))
    h, w = copy.colour.shape[:2]
    assert copy.inset is not None
    x0, y0, x1, y1 = copy.inset
    assert (x0, x1) == (0, w) and ((y0 == 0) if top else (y1 == h))
    assert 0.08 * h <= y1 - y0 <= 0.2 * h
    assert lf.LocalFeatures.from_bytes(copy.to_bytes()).inset == copy.inset
    assert confirm_pair(a, copy, True, GroupingSettings()).same
    plain = dataclasses.replace(copy, inset=None)  # before: the band read as a recolour
    assert lf.overlap_colour(a, plain, lf.verify(a, plain)).changed > \
        GroupingSettings().changed_sure
    recoloured = lf.extract(_jpeg(_with_banner(scene(3, body=(40, 90, 200)), top, fill)))
    assert recoloured.inset is not None
    assert not confirm_pair(a, recoloured, True, GroupingSettings()).same


def test_a_white_banner_on_a_studio_photo_is_found_from_the_pair(original) -> None:
    """A banner of the studio background's colour shows a step only where it crosses the
    garment, so `inset_box` cannot tell it from the background. Seen from a sure pair, the
    changed pixels lie in a band across the bottom that the copy shows plain with writing
    in it (`_changed_band`), and the copy is the same photo. A hem recoloured in those rows
    (one run of another colour a row, no writing) and a recoloured copy with the same
    banner are still other products."""
    a = lf.extract(original)
    white, dark = (250, 250, 250), (30, 30, 30)
    copy = lf.extract(_jpeg(_with_banner(original, False, white, ink=dark)))
    assert copy.inset is None
    assert confirm_pair(a, copy, True, GroupingSettings()).same
    found = [b.inset for _a, b in lf.pair_inset(a, copy, lf.verify(a, copy))
             if b.inset is not None]
    h, w = copy.colour.shape[:2]
    assert found and all((x0, x1, y1) == (0, w, h) for x0, _y0, x1, y1 in found)
    hem = np.asarray(original).copy()
    rows = hem[int(0.85 * hem.shape[0]):]
    rows[np.abs(rows.astype(int) - 250).max(axis=2) > 25] = (40, 90, 200)
    assert not confirm_pair(a, lf.extract(_jpeg(Image.fromarray(hem))), True,
                            GroupingSettings()).same
    recoloured = _with_banner(scene(3, body=(40, 90, 200)), False, white, ink=dark)
    assert not confirm_pair(a, lf.extract(_jpeg(recoloured)), True, GroupingSettings()).same


def test_a_changed_band_too_shallow_for_writing_is_none_without_a_warning() -> None:
    """A small thumbnail whose changed pixels lie in its top two rows leaves no band rows
    to read once the two at the inner edge are set aside: no band, and no numpy warning
    from an empty band (a picture from outside may be any size)."""
    import warnings

    colour = np.full((40, 60, 3), 250, np.uint8)
    changed = np.zeros((40, 60), np.uint8)
    changed[:2, 10:50] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lf._changed_band(colour, changed) is None


@pytest.mark.parametrize("fill", [(20, 20, 20), (200, 30, 40), (250, 250, 250)])
def test_a_frame_is_no_banner(fill) -> None:
    """A frame has the banner's straight step at its top and bottom, even where a garment of
    the frame's colour hides one of them; its outermost rows are the picture's outer colour
    and its band is plain."""
    for seed in range(3, 7):
        photo = scene(seed)
        draw = ImageDraw.Draw(photo)
        draw.rectangle((0, 700, 640, 800), fill=fill)  # trousers of the frame's colour
        framed = ImageOps.expand(photo, 40, fill=fill)
        assert lf.inset_box(lf.extract(_jpeg(framed)).colour) is None
        assert lf.inset_box(lf.extract(_jpeg(ImageOps.expand(scene(seed), 40,
                                                              fill=fill))).colour) is None


def test_a_box_that_would_hide_most_of_the_shared_garment_is_compared(original) -> None:
    """A box `inset_box` found on a collage's cell (a crop cut the garment at the top: the
    cut and the hem are its straight sides) covers the garment itself. Left out, a recolour
    of that part would compare only what the two products share (legs, shoes) and pass as
    the same photo; a box hiding more than `INSET_HIDES_MAX` of the compared pixels is
    compared like the rest. A true corner inset is still left out."""
    drawn = tuple(int(v) for v in np.random.default_rng(3).integers(30, 220, 3))
    # Another product: the same photo with the garment's upper two thirds recoloured.
    recoloured = recolour_part(original, drawn, (40, 90, 200), box=(0.0, 0.0, 1.0, 0.65))
    a = lf.extract(original)
    cell = lf.extract(_jpeg(_collage(recoloured, scene(8))))
    th, tw = cell.colour.shape[:2]
    boxed = dataclasses.replace(cell, inset=(0, 0, tw // 2, round(0.65 * th)))
    fit = lf.verify(a, boxed)
    assert fit.inliers >= MATCH
    for x, y, match in ((a, boxed, fit), (boxed, a, lf.reverse(fit, a, boxed))):
        seen = lf.overlap_colour(x, y, match)
        assert not seen.masked and seen.changed > 0.3
    assert not confirm_pair(a, boxed, True, GroupingSettings()).same  # before: the same photo
    # The same box on a copy of the photo itself hides nothing that changed.
    same = dataclasses.replace(lf.extract(_jpeg(_collage(original, scene(8)))),
                               inset=boxed.inset)
    kept = lf.overlap_colour(a, same, lf.verify(a, same))
    assert not kept.masked and kept.changed < 0.05
    # A pasted close-up hides a corner, well under the share, and is left out.
    copy = lf.extract(_jpeg(_with_inset(original)))
    assert lf.overlap_colour(a, copy, lf.verify(a, copy)).masked


@pytest.mark.parametrize("corner", ["tl", "br"])
def test_an_inset_the_picture_alone_missed_is_found_from_the_pair(original, corner) -> None:
    """Over a garment of its own colour an inset shows no edge on one side and `inset_box`
    misses it (simulated: the found box dropped). Seen from the pair, its changed pixels
    lie in a corner box with a straight edge; a recolour's do not, and neither does a
    recoloured photo's cell in a collage (a corner box with straight sides too)."""
    a = lf.extract(original)
    copy = lf.extract(_jpeg(_with_inset(original, corner)))
    missed = dataclasses.replace(copy, inset=None)
    match = lf.verify(a, missed)
    found = lf.pair_inset(a, missed, match)
    assert found, "the pair shows the inset"
    boxes = [b2.inset for _a2, b2 in found if b2 is not missed]
    assert boxes and boxes[0] is not None
    x0, y0, x1, y1 = boxes[0]
    h, w = missed.colour.shape[:2]
    assert (x0 == 0) == (corner[1] == "l") and (x1 == w) == (corner[1] == "r")
    assert (y0 == 0) == (corner[0] == "t") and (y1 == h) == (corner[0] == "b")
    a2, b2 = found[0]
    assert lf.overlap_colour(a2, b2, match).changed < 0.05
    # Already known insets are not searched again.
    assert lf.pair_inset(a, copy, lf.verify(a, copy)) == []
    recoloured = lf.extract(_jpeg(scene(3, body=(40, 90, 200))))
    assert lf.pair_inset(a, recoloured, lf.verify(a, recoloured)) == []
    cell = lf.extract(_jpeg(_collage(scene(3, body=(40, 90, 200)), scene(11))))
    assert lf.pair_inset(a, cell, lf.verify(a, cell)) == []
