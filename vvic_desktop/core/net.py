"""The transport under every HTTP call of ours (marketplace APIs in markets/http.py, picture
downloads in core/intake.py): a requests session with TLS always verified and no urllib3
retries, and a watchdog that shuts a request's sockets down at its deadline or on cancel, so
whatever blocks (connect, upload, headers, body, every redirect hop) returns at once.

It lives in core so that intake (core) and the adapters (markets) share one bounded client
without core importing markets."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import requests
import requests.adapters
import urllib3.connection
import urllib3.connectionpool

from vvic_desktop import __version__
from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.redact import install_redaction

MIB = 1024 * 1024
DEFAULT_USER_AGENT = f"vvic-desktop/{__version__} (+python-requests)"
def make_session(
    proxies: Mapping[str, str] | None = None, user_agent: str = DEFAULT_USER_AGENT
) -> requests.Session:
    """A session for marketplace APIs: TLS verification always on, proxies from the system
    (trust_env: HTTP(S)_PROXY, the OS settings) unless an explicit mapping is given."""
    install_redaction()
    session = requests.Session()
    session.verify = True
    session.headers["User-Agent"] = user_agent
    if proxies:
        session.trust_env = True
        session.proxies.update(dict(proxies))
    # No urllib3 retries: every attempt must take a limiter permit, so retry.py decides.
    adapter = _TrackingAdapter(max_retries=0, pool_connections=4, pool_maxsize=8)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


_current = threading.local()  # the connections the running request uses, per thread


class _TrackedConnection:
    """Mixin: record the connection a request runs on, so the watchdog can reach its socket
    during connect, upload and header phases too (requests only hands us the response after
    the headers arrived)."""

    def _track(self) -> None:
        registry = getattr(_current, "connections", None)
        if registry is not None and self not in registry:
            registry.append(self)

    def connect(self) -> None:
        self._track()
        super().connect()  # type: ignore[misc]

    def request(self, *args: Any, **kwargs: Any) -> None:
        self._track()
        super().request(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_TrackedConnection, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_TrackedConnection, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _TrackingAdapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def _socket_of(response: requests.Response | None) -> socket.socket | None:
    """The live socket under a streamed response (the fallback when tracking missed it)."""
    if response is None:
        return None
    raw = response.raw
    connection = getattr(raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    if isinstance(sock, socket.socket):
        return sock
    fp = getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None)
    sock = getattr(fp, "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


class Watchdog:
    """Shuts the request's sockets down at the deadline or on cancel, so whatever blocks
    (connect, upload, headers, body) returns at once with an error."""

    def __init__(self, deadline: float, cancel: CancelToken | None) -> None:
        self._deadline, self._cancel = deadline, cancel
        self.connections: list[Any] = []
        self.response: requests.Response | None = None
        self._done = threading.Event()
        self.fired: str = ""
        self._thread = threading.Thread(target=self._run, name="http-watchdog", daemon=True)
        self._thread.start()

    def _sockets(self) -> list[socket.socket]:
        found = [getattr(conn, "sock", None) for conn in self.connections]
        found.append(_socket_of(self.response))
        return [sock for sock in found if isinstance(sock, socket.socket)]

    def _run(self) -> None:
        while not self._done.wait(0.05):
            if self._cancel is not None and self._cancel.cancelled:
                self.fired = "cancel"
            elif time.monotonic() >= self._deadline:
                self.fired = "deadline"
            else:
                continue
            for sock in self._sockets():
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            return

    def stop(self) -> None:
        self._done.set()


@contextlib.contextmanager
def watched(deadline_at: float, cancel: CancelToken | None) -> Iterator[Watchdog]:
    """Run the requests made inside under one watchdog: every connection they open (connect,
    upload, headers, body, every redirect hop) is shut down at `deadline_at` (monotonic) or
    on cancel. The caller checks `fired` to tell a deadline or a cancel from a fault."""
    watchdog = Watchdog(deadline_at, cancel)
    previous = getattr(_current, "connections", None)
    _current.connections = watchdog.connections
    try:
        yield watchdog
    finally:
        _current.connections = previous
        watchdog.stop()




@contextlib.contextmanager
def tracking(watchdog: Watchdog) -> Iterator[None]:
    """Record the connections requests made inside open, so `watchdog` can reach their
    sockets (connect, upload and header phases included)."""
    previous = getattr(_current, "connections", None)
    _current.connections = watchdog.connections
    try:
        yield
    finally:
        _current.connections = previous
