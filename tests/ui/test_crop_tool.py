"""The crop tool: crops by mouse in scene (= upright full-resolution photo) coordinates,
handles, nudge, reset, auto crop, zoom, and a crop remembered per photo."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from e2e_helpers import fast_demo  # noqa: F401 - the CLI's --demo, in process
from imagegen import asymmetric, with_orientation
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication
from stall_scenes import cluttered_scene

from vvic_desktop.cli import main as cli_main
from vvic_desktop.core import intake
from vvic_desktop.core.autocrop import propose_crop, suggest_crop
from vvic_desktop.core.models import CropBox
from vvic_desktop.ui.crop_tool import PREVIEW_PX, CropTool
from vvic_desktop.ui.drop_area import IntakePhoto

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "dress-photo.jpg"


@pytest.fixture
def tool(qtbot, pools):
    widget = CropTool(pools)
    widget.suggest_on_load = False  # these tests crop by hand; the suggestion has its own
    qtbot.addWidget(widget)
    widget.resize(640, 700)
    widget.show()
    return widget


@pytest.fixture
def suggesting(qtbot, pools):
    widget = CropTool(pools)
    qtbot.addWidget(widget)
    widget.resize(640, 700)
    widget.show()
    return widget


def load(qtbot, tool: CropTool, photo: object) -> None:
    with qtbot.waitSignal(tool.photoLoaded, timeout=10_000):
        tool.load_photo(photo)


def drag(qtbot, tool: CropTool, start: QPointF, end: QPointF) -> None:
    """Press, move and release the left button at scene positions."""
    viewport = tool.view.viewport()
    a, b = tool.view.mapFromScene(start), tool.view.mapFromScene(end)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=a)
    mid = QPoint((a.x() + b.x()) // 2, (a.y() + b.y()) // 2)
    qtbot.mouseMove(viewport, mid)
    qtbot.mouseMove(viewport, b)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=b)


def tolerance(tool: CropTool) -> float:
    """Photo pixels per screen pixel, plus rounding: how far a mouse position can land."""
    return 1.0 / tool.view.transform().m11() + 1.5


def close(box: CropBox | None, expected: tuple[int, int, int, int], tol: float) -> bool:
    assert box is not None
    return all(abs(a - b) <= 2 * tol for a, b in zip(
        (box.x, box.y, box.w, box.h), expected, strict=True))


def test_crop_by_mouse_drag_in_scene_coordinates(qtbot, tool) -> None:
    load(qtbot, tool, str(SAMPLE))
    assert tool.image_size() == (1200, 1600)
    assert tool.crop_box() is None
    with qtbot.waitSignal(tool.cropChanged) as blocker:
        drag(qtbot, tool, QPointF(200, 300), QPointF(900, 1300))
    tol = tolerance(tool)
    assert close(blocker.args[0], (200, 300, 700, 1000), tol)
    assert tool.crop_box() == blocker.args[0]
    # a click without a drag does not leave a crop behind... on the photo outside the crop
    qtbot.mouseClick(tool.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=tool.view.mapFromScene(QPointF(50, 50)))
    assert tool.crop_box() is None


def test_handles_resize_and_the_inside_moves(qtbot, tool) -> None:
    load(qtbot, tool, str(SAMPLE))
    tool.set_crop(CropBox(300, 400, 500, 600))
    tol = tolerance(tool)
    # bottom-right handle to (1000, 1200): the top-left corner stays put
    drag(qtbot, tool, tool.view.handle_scene_pos("br"), QPointF(1000, 1200))
    assert close(tool.crop_box(), (300, 400, 700, 800), tol)
    # the left edge handle only changes x and width
    drag(qtbot, tool, tool.view.handle_scene_pos("l"), QPointF(200, 700))
    assert close(tool.crop_box(), (200, 400, 800, 800), tol)
    # dragging inside moves the box without changing its size, and it stays on the photo
    before = tool.crop_box()
    drag(qtbot, tool, QPointF(600, 800), QPointF(5000, 800))
    after = tool.crop_box()
    assert (after.w, after.h) == (before.w, before.h)
    assert after.x + after.w == 1200 and after.y == before.y


def test_arrow_keys_nudge_and_delete_resets(qtbot, tool) -> None:
    load(qtbot, tool, str(SAMPLE))
    tool.set_crop(CropBox(100, 100, 400, 400))
    tool.view.setFocus()
    qtbot.keyClick(tool.view, Qt.Key.Key_Right)
    assert tool.crop_box() == CropBox(101, 100, 400, 400)
    qtbot.keyClick(tool.view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert tool.crop_box() == CropBox(101, 110, 400, 400)
    for _ in range(12):
        qtbot.keyClick(tool.view, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert tool.crop_box() == CropBox(0, 110, 400, 400)  # stops at the photo's edge
    with qtbot.waitSignal(tool.cropChanged) as blocker:
        qtbot.keyClick(tool.view, Qt.Key.Key_Delete)
    assert blocker.args[0] is None and tool.crop_box() is None


def test_reset_button_clears_the_crop(qtbot, tool) -> None:
    load(qtbot, tool, str(SAMPLE))
    tool.set_crop(CropBox(10, 20, 300, 400))
    with qtbot.waitSignal(tool.cropChanged) as blocker:
        qtbot.mouseClick(tool.reset_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] is None
    assert "1200 × 1600" in tool.info.text()


def test_auto_crop_finds_the_dress(qtbot, tool) -> None:
    load(qtbot, tool, str(SAMPLE))
    with qtbot.waitSignal(tool.cropChanged, timeout=10_000) as blocker:
        qtbot.mouseClick(tool.auto_button, Qt.MouseButton.LeftButton)
    box = blocker.args[0]
    with Image.open(SAMPLE) as full:
        reference = propose_crop(np.asarray(full.convert("RGB")))
    ix = max(0, min(box.x + box.w, reference.x + reference.w) - max(box.x, reference.x))
    iy = max(0, min(box.y + box.h, reference.y + reference.h) - max(box.y, reference.y))
    union = box.w * box.h + reference.w * reference.h - ix * iy
    assert ix * iy / union >= 0.9
    assert box.w * box.h < 0.5 * 1200 * 1600
    assert tool.auto_crop_count() == 1


def test_the_garment_box_is_suggested_as_soon_as_a_photo_is_added(qtbot, suggesting) -> None:
    load(qtbot, suggesting, IntakePhoto(SAMPLE, SAMPLE.name))
    qtbot.waitUntil(lambda: suggesting.crop_box() is not None, timeout=10_000)
    box = suggesting.crop_box()
    with open(SAMPLE, "rb") as f:
        expected = suggest_crop(intake.open_bytes(f.read()))  # what `vvic search` would cut
    assert box == expected
    assert box.w * box.h < 0.5 * 1200 * 1600
    assert not suggesting.suggestion_pending()
    # editable like any crop: a drag on the photo outside it draws another
    drag(qtbot, suggesting, QPointF(20, 20), QPointF(1100, 1500))
    edited = suggesting.crop_box()
    assert edited is not None and edited != box
    # Reset means the whole photo: no suggestion comes back for it
    suggesting.reset_crop()
    assert suggesting.crop_box() is None


def test_the_gui_suggests_the_box_the_cli_searches(
    qtbot, suggesting, tmp_path: Path, capsys, fast_demo  # noqa: F811
) -> None:
    """One stall photo (a garment among a bag, a box and a neighbour's sleeve): the box the
    app draws on adding it is the box `vvic search PHOTO --demo` cuts and reports."""
    photo, _truth = cluttered_scene("ST001", "ST014", 1)
    path = tmp_path / "stall.jpg"
    photo.save(path, "JPEG", quality=90)
    assert cli_main(["search", str(path), "--demo", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    load(qtbot, suggesting, IntakePhoto(path, path.name))
    qtbot.waitUntil(lambda: suggesting.crop_box() is not None, timeout=20_000)
    assert answer["query"]["crop"] is not None
    assert suggesting.crop_box() == CropBox.parse(answer["query"]["crop"])


def test_a_plain_photo_gets_no_suggested_box_and_no_message(qtbot, suggesting, tmp_path) -> None:
    plain = tmp_path / "plain.png"
    Image.new("RGB", (400, 300), (200, 200, 200)).save(plain)
    problems: list[str] = []
    suggesting.problem.connect(problems.append)
    load(qtbot, suggesting, str(plain))
    qtbot.waitUntil(lambda: suggesting.auto_crop_count() == 1, timeout=10_000)
    assert suggesting.crop_box() is None and problems == []


def test_auto_crop_without_a_photo_says_so(qtbot, tool) -> None:
    with qtbot.waitSignal(tool.problem) as blocker:
        tool.auto_crop()
    assert "photo" in blocker.args[0].lower()


def test_exif_rotated_large_photo_reports_full_resolution_upright_crops(
    qtbot, tool, tmp_path: Path
) -> None:
    # 2400×1800 stored, EXIF orientation 6 (rotate 90° clockwise): upright it is 1800×2400
    path = tmp_path / "rotated.jpg"
    path.write_bytes(with_orientation(asymmetric(2400, 1800), 6))
    load(qtbot, tool, str(path))
    assert tool.image_size() == (1800, 2400)
    assert max(tool._preview.shape[:2]) <= PREVIEW_PX
    # upright, the top-left quadrant is the stored bottom-left one: blue
    assert tuple(tool._preview[10, 10]) == pytest.approx((0, 0, 255), abs=40)
    drag(qtbot, tool, QPointF(900, 1200), QPointF(1700, 2300))
    assert close(tool.crop_box(), (900, 1200, 800, 1100), tolerance(tool))


def test_crop_is_remembered_per_photo(qtbot, tool, tmp_path: Path) -> None:
    other = tmp_path / "other.png"
    Image.new("RGB", (300, 200), (20, 120, 20)).save(other)
    first = IntakePhoto(SAMPLE, SAMPLE.name)
    second = IntakePhoto(other, other.name)
    load(qtbot, tool, first)
    tool.set_crop(CropBox(100, 200, 300, 400))
    load(qtbot, tool, second)
    assert tool.crop_box() is None and tool.image_size() == (300, 200)
    tool.set_crop(CropBox(10, 10, 100, 100))
    load(qtbot, tool, first)
    assert tool.crop_box() == CropBox(100, 200, 300, 400)
    load(qtbot, tool, second)
    assert tool.crop_box() == CropBox(10, 10, 100, 100)
    # switching away from a photo that has not finished loading keeps its crop
    tool.load_photo(first)
    load(qtbot, tool, second)
    load(qtbot, tool, first)
    assert tool.crop_box() == CropBox(100, 200, 300, 400)
    load(qtbot, tool, second)
    # removed from the queue: the view empties and the crop is forgotten
    tool.forget_photos([second.key])
    assert not tool.has_photo() and tool.crop_box() is None
    load(qtbot, tool, second)
    assert tool.crop_box() is None
    load(qtbot, tool, first)
    assert tool.crop_box() == CropBox(100, 200, 300, 400)


def test_unreadable_photo_gives_a_message(qtbot, tool, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"%PDF-1.4 not a photo")
    with qtbot.waitSignal(tool.problem) as blocker:
        tool.load_photo(str(bad))
    assert "PDF" in blocker.args[0]
    assert not tool.has_photo()


def test_wheel_zooms_and_fit_restores(qtbot, tool) -> None:
    load(qtbot, tool, str(SAMPLE))
    fitted = tool.view.transform().m11()
    centre = QPointF(tool.view.viewport().rect().center())
    wheel = QWheelEvent(
        centre, tool.view.viewport().mapToGlobal(centre), QPoint(0, 0), QPoint(0, 240),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(tool.view.viewport(), wheel)
    assert tool.view.transform().m11() == pytest.approx(fitted * 1.15**2, rel=1e-3)
    # the crop is still reported in photo pixels when zoomed
    drag(qtbot, tool, QPointF(500, 700), QPointF(700, 900))
    assert close(tool.crop_box(), (500, 700, 200, 200), tolerance(tool))
    qtbot.mouseClick(tool.fit_button, Qt.MouseButton.LeftButton)
    assert tool.view.transform().m11() == pytest.approx(fitted, rel=1e-3)
