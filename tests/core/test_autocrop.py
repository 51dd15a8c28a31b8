"""Auto-crop finds the garment on textured backgrounds and falls back to the whole image."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from stall_scenes import box_of, catalog, cluttered_scene, cutout_alpha, scene

from vvic_desktop.core.autocrop import analyse, propose_crop
from vvic_desktop.core.models import CropBox

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "dress-photo.jpg"


def iou(a: CropBox, b: tuple[int, int, int, int]) -> float:
    ax0, ay0, ax1, ay1 = a.x, a.y, a.x + a.w, a.y + a.h
    bx0, by0, bx1, by1 = b
    ix = max(0, min(ax1, bx1) - max(ax0, bx0))
    iy = max(0, min(ay1, by1) - max(ay0, by0))
    inter = ix * iy
    return inter / ((ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter)


def coverage(box: CropBox, truth: tuple[int, int, int, int]) -> float:
    """How much of the garment's true box the proposal keeps (1.0 = nothing cut off)."""
    bx0, by0, bx1, by1 = truth
    ix = max(0, min(box.x + box.w, bx1) - max(box.x, bx0))
    iy = max(0, min(box.y + box.h, by1) - max(box.y, by0))
    return ix * iy / ((bx1 - bx0) * (by1 - by0))


def sample_truth() -> tuple[int, int, int, int]:
    """The sample photo's garment box, rebuilt from how make_samples.py pasted it."""
    garment = catalog().style_image("ST018", size=1000)
    alpha = cutout_alpha(garment).resize((1000, 1000), Image.Resampling.LANCZOS)
    alpha = alpha.rotate(-4, resample=Image.Resampling.BICUBIC, expand=True)
    return box_of(alpha, 90, 300)


def test_finds_the_dress_in_the_sample_photo() -> None:
    truth = sample_truth()
    with Image.open(SAMPLE) as photo:
        proposal = analyse(photo)
    assert proposal.found, proposal.reason
    assert iou(proposal.box, truth) >= 0.8
    assert coverage(proposal.box, truth) >= 0.97  # the hem's tips are not cut off
    # it is a real crop, not the whole 1200×1600 frame
    assert proposal.box.w * proposal.box.h < 0.5 * 1200 * 1600


@pytest.mark.parametrize(
    ("style_id", "kind", "seed"),
    [("ST001", "wall", 1), ("ST004", "planks", 2), ("ST018", "tiles", 3),
     ("ST010", "wall", 4), ("ST025", "planks", 5), ("ST033", "tiles", 6),
     ("ST040", "tiles", 7), ("ST012", "wall", 8)],
)
def test_finds_catalog_garments_on_generated_backgrounds(style_id: str, kind: str,
                                                         seed: int) -> None:
    photo, truth = scene(style_id, kind, seed)
    box = propose_crop(photo)
    assert iou(box, truth) >= 0.8, (box, truth)
    assert coverage(box, truth) >= 0.97, (box, truth)


def test_accepts_arrays_in_the_same_coordinates() -> None:
    photo, truth = scene("ST004", "wall", 9)
    from_image = propose_crop(photo)
    from_array = propose_crop(np.asarray(photo))
    assert from_image == from_array
    rgba = np.dstack([np.asarray(photo), np.full(photo.size[::-1], 255, np.uint8)])
    assert iou(propose_crop(rgba), truth) >= 0.8


def test_falls_back_to_the_whole_image_when_there_is_nothing_to_find() -> None:
    flat = np.full((900, 700, 3), 200, np.uint8)
    proposal = analyse(flat)
    assert not proposal.found
    assert proposal.box == CropBox(0, 0, 700, 900)


def test_a_garment_filling_the_frame_gives_the_whole_image() -> None:
    garment = catalog().style_image("ST018", size=600)
    arr = np.asarray(garment.convert("RGB"))
    # crop into the garment itself: no background left anywhere
    inner = np.ascontiguousarray(arr[180:480, 200:400])
    box = propose_crop(inner)
    assert box.w * box.h >= 0.85 * inner.shape[0] * inner.shape[1]


def test_tiny_images_are_returned_whole() -> None:
    assert propose_crop(np.zeros((10, 12, 3), np.uint8)) == CropBox(0, 0, 12, 10)
    assert propose_crop(Image.new("L", (8, 8), 40)) == CropBox(0, 0, 8, 8)


@pytest.mark.parametrize(("style_id", "other_id", "seed"),
                         [("ST001", "ST014", 1), ("ST010", "ST043", 4), ("ST046", "ST030", 6)])
def test_things_beside_the_garment_stay_out_of_the_box(style_id: str, other_id: str,
                                                       seed: int) -> None:
    """A stall photo: a bag and a box standing apart from the garment and a neighbour's
    garment cut by the frame's edge are not part of the box; the garment is whole."""
    photo, truth = cluttered_scene(style_id, other_id, seed)
    box = propose_crop(photo)
    assert coverage(box, truth) >= 0.93, (box, truth)
    assert iou(box, truth) >= 0.75, (box, truth)
    assert box.x > 300  # the neighbour's garment at the left edge is left out
    assert box.x + box.w < 880  # and the bag at the right


def _striped_garment_with_block(block: bool) -> tuple[np.ndarray, np.ndarray]:
    """(BGR image, foreground mask) at the working scale: a red-and-white striped garment
    (a print of thin stripes) and, when `block`, a solid green thing touching its right
    side, which GrabCut would join to it as one piece."""
    image = np.full((120, 160, 3), (150, 150, 150), np.uint8)
    mask = np.zeros((120, 160), np.uint8)
    image[20:100, 40:100] = (40, 40, 200)
    image[20:100, 40:100][:, ::4] = (250, 250, 250)
    image[20:100, 40:100][:, 1::4] = (250, 250, 250)
    mask[20:100, 40:100] = 1
    if block:
        image[45:100, 100:135] = (40, 170, 40)
        mask[45:100, 100:135] = 1
    return image, mask


def test_a_thing_of_another_colour_touching_the_garment_is_split_off() -> None:
    from vvic_desktop.core.autocrop import _split_off

    image, mask = _striped_garment_with_block(True)
    x0, y0, x1, y1 = _split_off(image, mask, (40, 20, 135, 100))
    assert (x0, y0, y1) == (40, 20, 100)
    assert 97 <= x1 <= 102  # the garment whole, the green block out


def test_a_print_is_not_split_and_a_plain_garment_keeps_its_box() -> None:
    from vvic_desktop.core.autocrop import _split_off

    image, mask = _striped_garment_with_block(False)
    assert _split_off(image, mask, (40, 20, 100, 100)) == (40, 20, 100, 100)
    plain = np.full((120, 160, 3), (150, 150, 150), np.uint8)
    plain[20:100, 40:100] = (40, 40, 200)
    assert _split_off(plain, mask, (40, 20, 100, 100)) == (40, 20, 100, 100)


def test_a_refining_pass_that_takes_the_wall_for_the_garment_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A refining GrabCut on a box reaching the frame's edges can answer with the wall round
    the garment (no border to catch it): the first pass's garment box is kept."""
    from vvic_desktop.core import autocrop

    first_mask = np.zeros((120, 160), np.uint8)
    first_mask[40:100, 50:110] = 1
    first = autocrop._Segment((50, 40, 110, 100), 0.19, 0.0, first_mask)
    wall = np.ones((120, 160), np.uint8)
    wall[45:95, 55:105] = 0  # everything but the garment's middle
    inverted = autocrop._Segment((0, 30, 160, 110), 0.6, 0.0, wall)
    monkeypatch.setattr(autocrop, "_best_candidate", lambda small, segment: first)
    monkeypatch.setattr(autocrop, "_segment", lambda small, rect: inverted)
    monkeypatch.setattr(autocrop, "_split_off", lambda small, mask, box: box)
    proposal = analyse(np.full((120, 160, 3), 128, np.uint8))
    assert proposal.found
    box = proposal.box
    assert 45 <= box.x <= 50 and 35 <= box.y <= 40
    assert 110 <= box.x + box.w <= 115 and 100 <= box.y + box.h <= 105


@pytest.mark.parametrize(("style_id", "seed"), [("ST021", 1), ("ST004", 2)])
def test_a_garment_found_away_from_the_middle_is_asked_again_from_the_middle(
        style_id: str, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every start answering with a thing beside the garment (on real photos: a yellow
    bag by brown trousers on wood, a cup's rim above a dress), its box away from the
    middle: GrabCut is asked again with the middle marked garment, and its answer taken
    when it passes the seeded pass's own checks. An answer that holds the middle is not
    asked again."""
    from stall_scenes import background, garment_cut

    from vvic_desktop.core import autocrop

    rng = np.random.default_rng(seed)
    width, height = 1280, 960
    photo = Image.fromarray(background("planks", width, height, seed))
    cut, alpha = garment_cut(style_id, int(rng.integers(560, 680)))
    dx, dy = (width - cut.width) // 2, (height - cut.height) // 2
    photo.paste(cut, (dx, dy), cut)
    truth = box_of(alpha, dx, dy)
    # what the starts "found": a block at the left edge, off the middle (working scale)
    sw, sh = autocrop.WORK_SIDE, round(autocrop.WORK_SIDE * height / width)
    aside = np.zeros((sh, sw), np.uint8)
    aside[40:80, 5:30] = 1
    off = autocrop._Segment((5, 40, 30, 80), float(aside.mean()), 0.0, aside)
    monkeypatch.setattr(autocrop, "_best_candidate", lambda small, segment: off)
    proposal = analyse(photo)
    assert proposal.found, proposal.reason
    assert iou(proposal.box, truth) >= 0.8, (proposal.box, truth)
    # an answer holding the middle stands: no second GrabCut with a seed
    seeds: list[float] = []
    real_segment = autocrop._segment
    monkeypatch.setattr(autocrop, "_best_candidate",
                        lambda small, segment: real_segment(small, (40, 30, 120, 90)))

    def spy(small, rect, seed=0.0):  # type: ignore[no-untyped-def]
        seeds.append(seed)
        return real_segment(small, rect, seed)

    monkeypatch.setattr(autocrop, "_segment", spy)
    analyse(photo)
    assert all(seed == 0.0 for seed in seeds)


def _pieces(shapes: list[tuple[int, int, int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(stats, centroids) of filled boxes (x0, y0, x1, y1) on a 160 × 120 working copy."""
    import cv2

    mask = np.zeros((120, 160), np.uint8)
    for x0, y0, x1, y1 in shapes:
        mask[y0:y1, x0:x1] = 1
    _, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return stats, centroids


BROWN, YELLOW = np.array([45.0, 140.0, 150.0]), np.array([80.0, 135.0, 190.0])


def test_a_thing_of_another_colour_set_beside_the_garment_stays_out() -> None:
    """A box standing a few pixels to the right of a pair of trousers, of another colour,
    is not joined to them (it was, by nearness alone, before the colour check)."""
    from vvic_desktop.core.autocrop import _garment_pieces

    stats, centroids = _pieces([(50, 20, 80, 100), (84, 60, 104, 90)])
    colours = np.stack([np.zeros(3), BROWN, YELLOW])
    rect = (6, 5, 154, 115)
    assert _garment_pieces(stats, centroids, rect, (160, 120), colours) == [1]
    assert sorted(_garment_pieces(stats, centroids, rect, (160, 120))) == [1, 2]


def test_a_garments_own_pieces_still_join() -> None:
    """Pieces of the garment's colour beside it (a sleeve split off) and pieces of another
    colour above or below it (a skirt under a top) still join it."""
    from vvic_desktop.core.autocrop import _garment_pieces

    rect = (6, 5, 154, 115)
    stats, centroids = _pieces([(50, 20, 80, 100), (84, 60, 104, 90)])
    same = np.stack([np.zeros(3), BROWN, BROWN + 8])
    assert sorted(_garment_pieces(stats, centroids, rect, (160, 120), same)) == [1, 2]
    stats, centroids = _pieces([(50, 15, 100, 60), (55, 64, 95, 105)])
    other = np.stack([np.zeros(3), BROWN, YELLOW])
    assert sorted(_garment_pieces(stats, centroids, rect, (160, 120), other)) == [1, 2]


def test_a_box_beside_trousers_is_left_out_of_the_segment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """GrabCut on the working copy: brown trousers on a purple wall and a yellow box set
    down 5 px to their right come out as two pieces; the garment's box is the trousers'
    (with the colour check off, nearness joins the yellow box to them)."""
    from vvic_desktop.core import autocrop

    rng = np.random.default_rng(3)
    image = np.empty((120, 160, 3), np.uint8)
    image[:] = (150, 60, 120)  # BGR, as the working copy
    image = np.clip(image + rng.normal(0, 4, image.shape), 0, 255).astype(np.uint8)
    image[20:100, 50:80] = (45, 75, 110)  # the trousers
    image[50:95, 85:110] = (30, 185, 225)  # the yellow box
    segment = autocrop._segment(image, (6, 5, 154, 115))
    assert not isinstance(segment, str)
    assert segment.box == (50, 20, 80, 100)
    monkeypatch.setattr(autocrop, "JOIN_COLOUR", 1e9)
    joined = autocrop._segment(image, (6, 5, 154, 115))
    assert not isinstance(joined, str)
    assert joined.box[2] >= 108


def test_a_tighter_answer_inside_the_wide_one_wins_on_colour_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The widest start can answer with the lit wall round the garment (a centred box,
    colours close to the wall's); a tighter start's garment inside that box, of clearly
    more distinct colours, wins even off the middle: the pull to the middle is there to
    choose between things apart (a bag beside), not between a box and a part of it."""
    from vvic_desktop.core import autocrop

    mask = np.zeros((120, 160), np.uint8)
    wide = autocrop._Segment((10, 10, 150, 110), 0.6, 0.0, mask)
    tight = autocrop._Segment((20, 40, 60, 100), 0.15, 0.0, mask)  # off the middle
    apart = autocrop._Segment((120, 40, 158, 100), 0.15, 0.0, mask)  # out of it
    distinct = {wide.box: 0.55, tight.box: 0.7, apart.box: 0.7}
    monkeypatch.setattr(autocrop, "_distinctness", lambda lab, s: distinct[s.box])
    image = np.full((120, 160, 3), 128, np.uint8)
    answers = iter([tight, tight])
    monkeypatch.setattr(autocrop, "_segment", lambda small, rect: next(answers))
    # the pull alone would keep the wide answer: 0.7 - 1.5 * off < 0.55 + margin
    assert autocrop._garment_score(np.zeros((120, 160, 3)), tight) \
        < autocrop._garment_score(np.zeros((120, 160, 3)), wide) + autocrop.CANDIDATE_MARGIN
    assert autocrop._best_candidate(image, wide) is tight
    # a box not inside the wide one is still judged with the pull
    answers = iter([apart, apart])
    assert autocrop._best_candidate(image, wide) is wide


def _blocks_of_its_own_colours(style_id: str, seed: int
                               ) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A catalog garment in the middle of a pixel-art wall, some of whose blocks take the
    garment's own colours: the colour model GrabCut learns at the photo's edges then
    explains the garment too, and no start finds it."""
    from stall_scenes import garment_cut

    rng = np.random.default_rng(seed)
    width, height, size, cell = 1200, 1500, 700, 60
    cut, alpha = garment_cut(style_id, size)
    rgba = np.asarray(cut)
    own = rgba[..., :3][rgba[..., 3] > 200].reshape(-1, 3)
    others = np.array([(230, 60, 60), (60, 200, 90), (240, 200, 40), (70, 120, 240),
                       (235, 235, 235)])
    rows, cols = height // cell + 1, width // cell + 1
    colours = np.where((rng.random((rows, cols)) < 0.15)[..., None],
                       own[rng.integers(len(own), size=(rows, cols))],
                       others[rng.integers(len(others), size=(rows, cols))])
    wall = colours.repeat(cell, 0).repeat(cell, 1)[:height, :width].astype(np.float64)
    wall = np.clip(wall + rng.normal(0, 4, wall.shape), 0, 255).astype(np.uint8)
    photo = Image.fromarray(wall)
    dx, dy = (width - size) // 2, (height - size) // 2
    photo.paste(cut, (dx, dy), cut)
    return photo, box_of(alpha, dx, dy)


@pytest.mark.parametrize(("style_id", "seed"), [("ST001", 1), ("ST001", 2), ("ST010", 2)])
def test_a_garment_the_busy_wall_explains_is_found_from_the_middle(style_id: str,
                                                                   seed: int) -> None:
    photo, truth = _blocks_of_its_own_colours(style_id, seed)
    proposal = analyse(photo)
    assert proposal.found, proposal.reason  # not the whole photo
    assert coverage(proposal.box, truth) >= 0.95, (proposal.box, truth)
    assert proposal.box.w * proposal.box.h < 0.5 * photo.width * photo.height
