"""Every CLI end-to-end test: a fast in-process demo and no credentials from the environment."""

from __future__ import annotations

import pytest
from e2e_helpers import fast_demo, no_ambient_credentials  # noqa: F401


@pytest.fixture(autouse=True)
def _cli_environment(fast_demo, no_ambient_credentials) -> None:  # noqa: F811
    """fast_demo: --demo with no latency and the session's catalog; no ambient AppKeys."""
