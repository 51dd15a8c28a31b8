"""The composition root: `vvic-desktop [--demo] [--data-dir DIR] [--self-test OUT.png]`.

Builds settings, services and the main window; nothing else knows how they fit together.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from vvic_desktop import __version__
from vvic_desktop.paths import AppPaths
from vvic_desktop.storage.settings import UI_LANGUAGE

STARTED = time.monotonic()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vvic-desktop", description="以图找款 desktop app")
    parser.add_argument("--version", action="version", version=f"vvic-desktop {__version__}")
    parser.add_argument("--demo", action="store_true", help="use the built-in demo marketplace")
    parser.add_argument("--data-dir", metavar="DIR", help="keep every file under DIR")
    parser.add_argument("--lang", choices=("zh_CN", "en"), help="interface language")
    parser.add_argument(
        "--self-test",
        metavar="OUT.png",
        help="open the window, run one demo search end to end, save a screenshot, exit 0",
    )
    parser.add_argument("--self-test-timeout", type=float, default=90.0, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.self_test:
        args.demo = True
    if not has_display():
        if not args.self_test:
            from vvic_desktop.core import errors

            if args.lang:
                errors.set_language(args.lang)
            sys.stderr.write(errors.NoDisplay().message() + "\n")
            return 2
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # the self-test needs no screen
    paths = AppPaths.resolve(args.data_dir).ensure()
    _setup_logging(paths)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from vvic_desktop.core.redact import install_excepthook_redaction, install_redaction
    from vvic_desktop.i18n import apply_language, choose_language, translation_problem
    from vvic_desktop.services import SearchServices
    from vvic_desktop.ui.identity import apply_identity
    from vvic_desktop.ui.main_window import MainWindow

    install_redaction()
    install_excepthook_redaction()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    apply_identity(app, paths)  # names, icon, QSettings beside the platformdirs config
    # the demo marketplace starts on a thread: the window shows while its catalog is drawn
    services = SearchServices.open(paths, demo=args.demo, demo_background=True,
                                   language=args.lang)
    settings = services.settings
    language = choose_language(args.lang or settings.value(UI_LANGUAGE))
    apply_language(app, language)
    app.setApplicationDisplayName(app.translate("App", "VVIC Image Search"))

    window = MainWindow(services, settings, language=language, demo=services.demo is not None)
    window.show()
    if services.demo is not None:  # drawn on its thread once the window has painted
        QTimer.singleShot(0, services.demo.start)
    problem = translation_problem()
    if problem:  # logged in apply_language; said once, where the user looks
        window.statusBar().showMessage(problem)
    logging.getLogger(__name__).info(
        "window shown %.0f ms after start", (time.monotonic() - STARTED) * 1000
    )
    if args.self_test:
        from vvic_desktop.ui.self_test import SelfTest

        self_test = SelfTest(window, Path(args.self_test), timeout_s=args.self_test_timeout)
        self_test.start()
    try:
        code = app.exec()
    finally:
        # the self-test exits with its window open: its workers (the library's catch-up,
        # the quota read) stop before the services they use close
        window.pools.shutdown(5000)
        services.close()
    return int(code)


def has_display(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """False where Qt would abort for want of a screen: on X11/Wayland systems (not Windows
    or macOS) with neither DISPLAY nor WAYLAND_DISPLAY, and no QT_QPA_PLATFORM chosen."""
    env = os.environ if environ is None else environ
    if (platform or sys.platform) in ("win32", "darwin", "cygwin"):
        return True
    return any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def _setup_logging(paths: AppPaths) -> None:
    paths.logs.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(paths.logs / "vvic-desktop.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("vvic_desktop")
    root.setLevel(logging.INFO)
    root.addHandler(handler)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
