"""UI tests read the English interface, as an English user sees it (plural forms included)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


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
