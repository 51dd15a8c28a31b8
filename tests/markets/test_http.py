"""The HTTP layer: total deadline, byte cap, error mapping, cancel, redaction."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from scripted_server import CANARY, Reply, ScriptedServer

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import Cancelled, DownloadTooLarge, NetworkError, Timeout
from vvic_desktop.markets import http


def test_request_returns_status_headers_and_body(server: ScriptedServer) -> None:
    server.script(Reply(201, {"ok": True}, headers={"X-Test": "1"}))
    session = http.make_session()
    response = http.request(session, "GET", server.url + "/a", params={"q": "1"})
    assert response.status == 201
    assert response.json() == {"ok": True}
    assert response.header("x-test") == "1"
    assert server.requests[0].query == {"q": "1"}


def test_session_verifies_tls_and_trusts_the_system_proxy_settings() -> None:
    session = http.make_session(proxies={"https": "http://proxy.example:3128"})
    assert session.verify is True
    assert session.trust_env is True
    assert session.proxies["https"] == "http://proxy.example:3128"


def test_slow_loris_ends_in_timeout_at_the_deadline(server: ScriptedServer) -> None:
    # A byte every 0.4 s: no read ever times out and the body would take 40 s, so only the
    # total deadline can end it (how soon after the deadline: tests/bench/bench_http.py).
    server.script(Reply(200, b"x" * 100, drip=0.4))
    start = time.monotonic()
    with pytest.raises(Timeout) as info:
        http.request(http.make_session(), "GET", server.url, read_timeout=60, deadline=1.0)
    assert info.value.detail.endswith("total deadline")
    assert time.monotonic() - start >= 1.0  # not before it either


def test_silent_server_after_headers_ends_at_the_deadline(server: ScriptedServer) -> None:
    # Headers promise 100 bytes, then nothing comes: the read timeout (60 s) is longer than
    # the deadline, so only the watchdog can end it, and it says so.
    server.script(Reply(200, b"x", content_length=100, drip=600))
    with pytest.raises(Timeout) as info:
        http.request(http.make_session(), "GET", server.url, read_timeout=60, deadline=1.0)
    assert info.value.detail.endswith("total deadline")


def test_cancel_during_a_slow_body_raises_cancelled(server: ScriptedServer) -> None:
    # The body would take 40 s and the deadline is 60 s: only the cancel can end it.
    server.script(Reply(200, b"x" * 100, drip=0.4))
    token = CancelToken()
    timer = threading.Timer(0.3, token.cancel)
    timer.start()
    try:
        with pytest.raises(Cancelled):
            http.request(http.make_session(), "GET", server.url, read_timeout=60, deadline=60,
                         cancel=token)
    finally:
        timer.cancel()


def test_already_cancelled_sends_nothing(server: ScriptedServer) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        http.request(http.make_session(), "GET", server.url, cancel=token)
    assert server.requests == []


def test_declared_length_over_the_cap_is_refused(server: ScriptedServer) -> None:
    server.script(Reply(200, b"x" * 2000))
    with pytest.raises(DownloadTooLarge):
        http.request(http.make_session(), "GET", server.url, max_bytes=1000)


def test_lying_content_length_reads_only_the_declared_bytes(server: ScriptedServer) -> None:
    def lying(_seen: object) -> Reply:
        return Reply(200, b"y" * 5000, headers={"Connection": "close"}, content_length=10)

    # A lying Content-Length of 10 makes urllib3 stop at 10 bytes: under the cap, accepted.
    server.script(lying)
    response = http.request(http.make_session(), "GET", server.url, max_bytes=1000)
    assert len(response.content) == 10


def test_streamed_body_over_the_cap_is_refused() -> None:
    # A raw socket server: chunked transfer, no Content-Length, 3 chunks of 800 bytes.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            try:
                for _ in range(3):
                    conn.sendall(b"320\r\n" + b"z" * 800 + b"\r\n")
                conn.sendall(b"0\r\n\r\n")
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with pytest.raises(DownloadTooLarge):
            http.request(http.make_session(), "GET", f"http://127.0.0.1:{port}/", max_bytes=1000)
    finally:
        thread.join(2)
        listener.close()


def test_connection_refused_is_a_network_error_without_the_secret() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens on this port now
    url = f"http://127.0.0.1:{port}/vvic/item_search_img/"
    with pytest.raises(NetworkError) as caught:
        http.request(http.make_session(), "GET", url, params={"key": "k1", "secret": CANARY})
    assert not isinstance(caught.value, Timeout)
    for text in (str(caught.value), repr(caught.value), caught.value.detail,
                 caught.value.message("zh_CN")):
        assert CANARY not in text


@pytest.mark.parametrize(
    "text",
    [
        f"GET /x?key=abc&secret={CANARY}&imgid=1",
        f"app_key=k&sign={CANARY}&sign_method=md5",
        f'{{"secret": "{CANARY}", "app_key": "k"}}',
        f"{{'app_secret': '{CANARY}'}}",
        f'{{"sign":"{CANARY}"}}',
        f"session={CANARY}",
        f"https://gw/openapi?_aop_signature={CANARY}&access_token={CANARY}",
    ],
)
def test_redact_removes_secret_values(text: str) -> None:
    assert CANARY not in http.redact(text)


def test_redact_keeps_harmless_names() -> None:
    text = "app_key=demo&sign_method=md5&imgid=42&keyword=dress"
    assert http.redact(text) == text


def test_redact_removes_registered_literal_values() -> None:
    http.register_secret("literal-xyz-9876")
    assert "literal-xyz-9876" not in http.redact("boom: literal-xyz-9876 in a header echo")


def test_logs_of_a_request_with_a_secret_query_are_redacted(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.script(Reply(200, {"echo": f"secret={CANARY}"}))
    caplog.set_level(logging.DEBUG)
    http.install_redaction()
    http.request(http.make_session(), "GET", server.url + "/x",
                 params={"key": "k", "secret": CANARY})
    logging.getLogger("vvic_desktop.markets.test").debug("sent secret=%s", CANARY)
    assert caplog.records, "urllib3 and our logger should have logged at DEBUG"
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    assert CANARY not in caplog.text


def _raw_server(handler: Callable[[socket.socket, threading.Event], None]) -> tuple[str, Any]:
    """A one-connection raw socket server; returns its URL and a stopper."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            try:
                handler(conn, stop)
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    def close() -> None:
        stop.set()
        listener.close()
        thread.join(2)

    return f"http://127.0.0.1:{listener.getsockname()[1]}/", close


def _drip_headers(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for byte in b"X-Slow: " + b"a" * 200:
        conn.sendall(bytes([byte]))
        if stop.wait(0.4):
            return


def test_headers_dripping_end_in_timeout_at_the_deadline() -> None:
    url, close = _raw_server(_drip_headers)  # a header byte every 0.4 s, for 80 s
    try:
        with pytest.raises(Timeout) as info:
            http.request(http.make_session(), "GET", url, read_timeout=60, deadline=1.0)
    finally:
        close()
    assert info.value.detail.endswith("total deadline")


def test_cancel_while_waiting_for_headers(server: ScriptedServer) -> None:
    url, close = _raw_server(lambda conn, stop: stop.wait(600) and None)  # no answer at all
    token = CancelToken()
    timer = threading.Timer(0.3, token.cancel)
    timer.start()
    try:
        with pytest.raises(Cancelled):
            http.request(http.make_session(), "GET", url, read_timeout=60, deadline=60,
                         cancel=token)
    finally:
        timer.cancel()
        close()


def test_uncaught_exceptions_are_printed_redacted() -> None:
    import subprocess
    import sys

    script = (
        "import threading\n"
        "from vvic_desktop.markets import http\n"
        "http.install_excepthook_redaction()\n"
        "def boom():\n"
        f"    raise RuntimeError('secret={CANARY}')\n"
        "t = threading.Thread(target=boom)\n"
        "t.start(); t.join()\n"
        f"raise RuntimeError('GET /x?key=k&secret={CANARY}')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert "RuntimeError" in done.stderr and "Exception in thread" in done.stderr
    assert CANARY not in done.stderr + done.stdout


@pytest.mark.parametrize("secret", ["CANARY+s/e=", "CANARY-s3cr3t-1234 with space", "短密钥ab+/"])
def test_registered_secrets_are_redacted_in_every_encoding(secret: str) -> None:
    import base64
    import urllib.parse

    from vvic_desktop.core import redact as redaction

    redaction.register_secret(secret)
    raw = secret.encode("utf-8")
    forms = {
        "raw": secret,
        "quote": urllib.parse.quote(secret, safe=""),
        "quote-default": urllib.parse.quote(secret),
        "quote_plus": urllib.parse.quote_plus(secret),
        "quote-lower-hex": urllib.parse.quote(secret, safe="").lower().replace(
            secret.lower()[:6], secret[:6]),
        "b64": base64.b64encode(raw).decode(),
        "b64-url": base64.urlsafe_b64encode(raw).decode(),
        "b64-nopad": base64.b64encode(raw).decode().rstrip("="),
    }
    for name, form in forms.items():
        assert form not in redaction.redact(f"echo: {form} end"), name
    # inside a longer base64 text, at any alignment (e.g. a Basic auth header "key:secret")
    for prefix in (b"", b"k", b"ke", b"key:"):
        blob = base64.b64encode(prefix + raw + b"|tail").decode()
        out = redaction.redact(f"Authorization: Basic {blob}")
        assert blob not in out, prefix


def test_redaction_module_needs_no_http_code() -> None:
    import subprocess
    import sys

    script = ("import sys\nimport vvic_desktop.core.redact as r\n"
              "r.install_redaction()\n"
              "assert 'requests' not in sys.modules and 'urllib3' not in sys.modules, "
              "sorted(m for m in sys.modules if 'req' in m or 'urllib3' in m)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
