"""The README screenshots, remade from the running app on the demo marketplace.

    xvfb-run -a .venv/bin/python installer/screenshots.py [resources/screenshots]

For each language (zh_CN, en): a fresh data folder, the bundled sample photo searched with the
automatic crop on OneBound · VVIC (a market that pages), its second page loaded with "Load
more" (main-<lang>.png: the button, with its cost, stays under the grid), the library tab
after it (library-<lang>.png) and a batch of four variants of the sample (batch-<lang>.png).
Needs a CJK font (fonts-wqy-microhei or fonts-noto-cjk) for the Chinese shots; look at every
picture before committing it.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def wait_until(condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop, QThread

    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            where = sys._getframe(1).f_lineno
            raise SystemExit(f"error: timed out waiting for the app (screenshots.py:{where})")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        QThread.msleep(20)


def variants(sample: Path, folder: Path) -> None:
    from PIL import Image, ImageOps

    folder.mkdir(parents=True, exist_ok=True)
    with Image.open(sample) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        w, h = image.size
        image.save(folder / "连衣裙-正面.jpg", quality=90)
        image.crop((w // 10, h // 10, w - w // 10, h - h // 10)).save(folder / "连衣裙-近景.jpg")
        ImageOps.mirror(image).save(folder / "连衣裙-镜像.jpg", quality=90)
        image.resize((w // 2, h // 2)).save(folder / "连衣裙-小图.jpg", quality=80)


def shoot(lang: str, out: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from vvic_desktop.core import errors
    from vvic_desktop.i18n import apply_language, resources_dir
    from vvic_desktop.paths import AppPaths
    from vvic_desktop.services import DemoMarketplace, SearchServices
    from vvic_desktop.storage.settings import Settings
    from vvic_desktop.ui.main_window import MainWindow
    from vvic_desktop.ui.results import Roles, ThumbState

    app = QApplication.instance() or QApplication([sys.argv[0]])
    apply_language(app, lang)
    errors.set_language(lang)
    app.setApplicationDisplayName(app.translate("App", "VVIC Image Search"))
    with tempfile.TemporaryDirectory() as tmp:
        paths = AppPaths.resolve(Path(tmp) / "data").ensure()
        settings = Settings.load(paths.settings_file)
        services = SearchServices(paths, settings, demo=DemoMarketplace())
        window = MainWindow(services, settings, language=lang, demo=True)
        window.resize(1280, 800)
        window.show()
        window.splitter.setSizes([430, 850])
        window.filter_bar.set_market("onebound-vvic")  # pages: "load more" is offered
        window.drop_area.add_paths([str(resources_dir() / "samples" / "dress-photo.jpg")])
        wait_until(window.crop_view.has_photo)
        count = window.crop_view.auto_crop_count()
        window.crop_view.auto_crop()
        wait_until(lambda: window.crop_view.auto_crop_count() > count)
        finished: list[object] = []
        window.searchFinished.connect(lambda result, error: finished.append(error))
        window.start_search()
        wait_until(lambda: bool(finished), 240)
        if finished[0] is not None:
            raise SystemExit(f"error: the demo search failed: {finished[0]}")
        model = window.results_model

        def pictures_in() -> bool:
            # the cards on screen have their pictures (those below are fetched on scrolling)
            view = window.results_view
            shown = [r for r in range(min(model.rowCount(), 12))
                     if view.visualRect(model.index(r)).intersects(view.viewport().rect())]
            return bool(shown) and all(
                model.index(r).data(Roles.ThumbnailState)
                in (ThumbState.READY, ThumbState.FAILED, ThumbState.NONE)
                for r in shown)

        wait_until(pictures_in, 180)
        wait_until(lambda: window.services.library.list() != [], 20)
        wait_until(lambda: window._saved_id is not None, 120)  # autosaved: the page joins it
        wait_until(window.load_more_button.isVisible)
        loaded: list[object] = []
        window.moreLoaded.connect(lambda result, error: loaded.append(error))
        window.load_more()
        wait_until(lambda: bool(loaded), 240)
        if loaded[0] is not None:
            raise SystemExit(f"error: load more failed: {loaded[0]}")
        wait_until(pictures_in, 180)
        wait_until(lambda: "/" in window.load_more_button.text()
                   or " of " in window.load_more_button.text(), 20)  # the quota left is in
        window.grab().save(str(out / f"main-{lang}.png"))

        window.tabs.setCurrentWidget(window.library_view)
        window.library_view.refresh()
        wait_until(lambda: window.library_view.model.rowCount() > 0, 20)
        window.grab().save(str(out / f"library-{lang}.png"))

        folder = Path(tmp) / "photos"
        variants(resources_dir() / "samples" / "dress-photo.jpg", folder)
        view = window.batch_view
        window.tabs.setCurrentWidget(view)
        added: list[int] = []
        view.photosAdded.connect(added.append)
        view.add_paths([folder])
        wait_until(lambda: bool(added))
        done: list[object] = []
        view.batchFinished.connect(done.append)
        view.start()
        wait_until(lambda: bool(done), 120)
        wait_until(lambda: all(i.state not in ("queued", "running") for i in view.model.items)
                   and len(view.model.thumbnails) >= 4, 30)
        window.grab().save(str(out / f"batch-{lang}.png"))
        window.close()
        services.close()


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "resources" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    for lang in ("zh_CN", "en"):
        shoot(lang, out)
        print(f"screenshots in {lang}: {out}")


if __name__ == "__main__":
    main()
