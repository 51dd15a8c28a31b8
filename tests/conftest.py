"""Fixtures every test gets: offscreen Qt, a temp data dir, an in-memory keyring."""

from __future__ import annotations

import faulthandler
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("VVIC_LANG", "en")

import keyring
import keyring.backend
import pytest

from vvic_desktop.core import errors

# A crash in native code (a segfault) kills pytest before it reports anything, and CI keeps
# only the head and the tail of a long output. So, when installer/run-tests.sh asks for it
# (with pytest's own faulthandler plugin off), the threads' stacks go to $VVIC_FAULT_LOG and
# the id of the test being run to $VVIC_TEST_TRACE; the script prints both last.
_TEST_TRACE = os.environ.get("VVIC_TEST_TRACE", "")
if os.environ.get("VVIC_FAULT_LOG"):
    _fault_log = open(os.environ["VVIC_FAULT_LOG"], "w")  # noqa: SIM115 (open for the session)
    faulthandler.enable(file=_fault_log, all_threads=True)


def pytest_runtest_logstart(nodeid: str, location: object) -> None:
    if _TEST_TRACE:
        with open(_TEST_TRACE, "w", encoding="utf-8") as trace:
            trace.write(nodeid)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives and dies with one test: never the user's real keychain."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring() -> MemoryKeyring:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Every test's --data-dir: a fresh temp folder, never the user's real data."""
    folder = tmp_path / "vvic-data"
    folder.mkdir()
    monkeypatch.setenv("VVIC_DESKTOP_DATA_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def english_messages():
    errors.set_language("en")
    yield
    errors.set_language("en")


@pytest.fixture(scope="session")
def sandbox_catalog():
    """The demo catalog (seed 7), built once per session: servers share it and its caches."""
    from vvic_desktop.sandbox.catalog import Catalog
    from vvic_desktop.sandbox.matching import index_for

    catalog = Catalog(seed=7)
    # The style signatures every server on this catalog matches against, computed now: a
    # server otherwise computes them during its first search, which on a loaded machine can
    # outlast the client's read timeout and cost a retried (double-counted) call.
    index_for(catalog).warm()
    return catalog


@pytest.fixture
def sandbox(sandbox_catalog):
    """A started demo marketplace on a free loopback port: no latency, a roomy quota."""
    from vvic_desktop.sandbox.server import SandboxServer

    server = SandboxServer(port=0, latency=(0, 0), quota=1000, seed=7, catalog=sandbox_catalog)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def open_services(data_dir):
    """`SearchServices.open` on the test's data dir (the app's and the CLI's composition root),
    closed after the test. `sandbox=`: search that running demo marketplace."""
    from vvic_desktop.services import SearchServices

    opened = []

    def open_(**kwargs):
        services = SearchServices.open(data_dir, **kwargs)
        opened.append(services)
        return services

    yield open_
    for services in opened:
        services.close()
