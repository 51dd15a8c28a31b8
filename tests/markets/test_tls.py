"""TLS verification is always on: a self-signed server is refused, not silently trusted.

The certificate in certs/ is a throwaway made for this test only (CN and SAN 127.0.0.1).
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from vvic_desktop.core.errors import NetworkError, Timeout
from vvic_desktop.markets import http

CERTS = Path(__file__).parent / "certs"


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tls_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERTS / "selfsigned.pem", CERTS / "selfsigned.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_self_signed_certificate_is_refused(tls_url: str) -> None:
    with pytest.raises(NetworkError) as caught:
        http.request(http.make_session(), "GET", tls_url, deadline=5)
    assert not isinstance(caught.value, Timeout)
    assert "certificate" in caught.value.detail.lower() or "ssl" in caught.value.detail.lower()


def test_the_same_server_works_when_its_certificate_is_trusted(
    tls_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Proves the refusal above is about trust, not a broken test server. The CA bundle comes
    # from the environment as a corporate one would (requests lets it override session.verify).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(CERTS / "selfsigned.pem"))
    session = http.make_session()
    assert http.request(session, "GET", tls_url, deadline=5).content == b"ok"
