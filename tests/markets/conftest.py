"""Fixtures for the marketplace tests: a scripted server, a permit counter, a query image."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from vvic_desktop.core.models import PreparedImage

# The helper module sits next to the tests, which import it by its plain name.
sys.path.insert(0, str(Path(__file__).parent))
from scripted_server import Permits, ScriptedServer, prepared_image


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    yield scripted
    scripted.close()


@pytest.fixture
def permits() -> Permits:
    return Permits()


@pytest.fixture(scope="session")
def prepared() -> PreparedImage:
    return prepared_image()
