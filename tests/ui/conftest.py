"""UI tests read the English interface, as an English user sees it (plural forms included)."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

ROOT = Path(__file__).resolve().parents[2]

# A qtbot wait is a bound for a hang, never a speed budget: it returns as soon as its
# condition holds, so a generous floor costs a passing test nothing, while a machine whose
# cores are busy with another job (CI, seven other test runs) no longer fails a test that
# asked for 2-5 s. No test here relies on a wait timing out.
HANG_BOUND_MS = 120_000


def _with_hang_bound(method):  # type: ignore[no-untyped-def]
    @functools.wraps(method)
    def wait(self, *args, timeout: int = HANG_BOUND_MS, **kwargs):  # type: ignore[no-untyped-def]
        if timeout is not None and timeout >= 0:
            timeout = max(timeout, HANG_BOUND_MS)
        return method(self, *args, timeout=timeout, **kwargs)

    return wait


for _name in ("waitUntil", "waitSignal", "waitSignals", "waitCallback", "waitExposed",
              "waitActive"):
    setattr(QtBot, _name, _with_hang_bound(getattr(QtBot, _name)))


@pytest.fixture(scope="session", autouse=True)
def english_interface(qapp):
    sys.path.insert(0, str(ROOT / "installer"))
    import build_translations

    if not build_translations.ts_path("en").with_suffix(".qm").exists():
        build_translations.release()  # the build step, when pytest runs on its own
    from vvic_desktop.i18n import apply_language

    assert apply_language(qapp, "en")
    yield


@pytest.fixture
def pools(qtbot):
    """The window's worker pools, shut down (cancelled and waited for) after the test."""
    from vvic_desktop.workers.tasks import Pools

    pools = Pools()
    yield pools
    pools.shutdown()


@pytest.fixture
def make_window(qtbot, request, open_services):
    """The main window as the app builds it (`SearchServices.open`), in English; `demo`
    searches the test's `sandbox`. `show=False` leaves showing to the test (to wait for the
    start-up read). Windows and their services are closed after the test."""
    from vvic_desktop.ui.main_window import MainWindow

    made = []

    def make(*, demo: bool = True, show: bool = True):
        sandbox = request.getfixturevalue("sandbox") if demo else None
        services = open_services(sandbox=sandbox)
        window = MainWindow(services, services.settings, language="en", demo=demo)
        qtbot.addWidget(window)
        if show:
            window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()
