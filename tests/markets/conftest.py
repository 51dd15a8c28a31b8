"""Fixtures for the marketplace tests: a scripted server, a permit counter, a query image."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scripted_server import Permits, ScriptedServer, prepared_image

from vvic_desktop.core.models import PreparedImage


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
