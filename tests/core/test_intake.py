"""URL and clipboard intake against a scripted loopback server (no other network)."""

from __future__ import annotations

import gzip
import http.server
import io
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from imagegen import HTML, encode, photo_like
from PIL import Image

from vvic_desktop.core import errors
from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.intake import (
    check_address,
    fetch_url,
    image_from_raw,
    load_source,
    open_bytes,
)
from vvic_desktop.core.prepare import prepare

PNG = encode(photo_like(900, 900), "PNG")
FAKE_PUBLIC_HOST = "photos.example"
FAKE_PUBLIC_IP = "93.184.216.34"  # never contacted: the test session routes it to loopback


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        port = self.server.server_address[1]
        if path == "/photo.png":
            self._send(200, PNG, {"Content-Type": "image/png"})
        elif path == "/png-as-html":
            self._send(200, PNG, {"Content-Type": "text/html"})
        elif path == "/html-as-jpeg":
            self._send(200, HTML, {"Content-Type": "image/jpeg"})
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            target = f"/hop/{left - 1}" if left > 1 else "/photo.png"
            self._send(302, b"", {"Location": f"http://{FAKE_PUBLIC_HOST}:{port}{target}"})
        elif path == "/to-loopback":
            self._send(302, b"", {"Location": f"http://127.0.0.1:{port}/photo.png"})
        elif path == "/to-file":
            self._send(302, b"", {"Location": "file:///etc/passwd"})
        elif path == "/huge-declared":
            self._send(200, b"x" * 10, {"Content-Length": str(500 * 2**20)})
        elif path == "/huge-chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            block = b"\0" * 65536
            try:
                for _ in range(200):  # 12.5 MiB, bounded
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
        elif path == "/gzip-bomb":
            body = gzip.compress(b"\0" * (30 * 2**20))
            self._send(200, body, {"Content-Encoding": "gzip", "Content-Type": "image/png"})
        elif path == "/slow-loris":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            try:
                for _ in range(100):  # one byte every 0.4 s: the socket timeout never fires
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    if self.server.stop_event.wait(0.4):
                        return
            except OSError:
                pass
        elif path == "/not-found":
            self._send(404, b"missing")
        else:
            self._send(500, b"?")


class LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.stop_event = threading.Event()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up on purpose (a refused peer, a cancelled download) is not
        # an error of the server's: no traceback on stderr. Anything else still prints.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = LoopbackServer()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.stop_event.set()
    httpd.shutdown()
    httpd.server_close()


class RouteToLoopback(requests.adapters.HTTPAdapter):
    """Send requests for the fake public host to the loopback server (Host header kept)."""

    def send(self, request, **kwargs):  # type: ignore[override]
        parts = urllib.parse.urlsplit(request.url)
        if parts.hostname == FAKE_PUBLIC_HOST:
            request.url = parts._replace(netloc=f"127.0.0.1:{parts.port}").geturl()
        return super().send(request, **kwargs)


def fake_public_resolver(host: str, port: int) -> list[str]:
    return [FAKE_PUBLIC_IP] if host == FAKE_PUBLIC_HOST else ["127.0.0.1"]


def routed_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", RouteToLoopback())
    return session


def public_url(server: str, path: str) -> str:
    port = urllib.parse.urlsplit(server).port
    return f"http://{FAKE_PUBLIC_HOST}:{port}{path}"


def fetch_public(server: str, path: str, **kwargs: Any) -> bytes:
    """`fetch_url` of `path` on the loopback server under a made-up public name."""
    return fetch_url(public_url(server, path), session=routed_session(),
                     resolver=fake_public_resolver, **kwargs)


# --- scheme and address policy -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/a.jpg",
        "javascript:alert(1)",
        "blob:abc",
        "gopher://x/",
    ],
)
def test_only_http_and_https(url):
    with pytest.raises(errors.UrlRefused):
        fetch_url(url)


def test_loopback_refused_by_default_allowed_explicitly(server):
    with pytest.raises(errors.UrlRefused) as info:
        fetch_url(server + "/photo.png")
    assert "127.0.0.1" in info.value.message("en")
    assert fetch_url(server + "/photo.png", allow_private=True) == PNG


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "192.168.1.20",
        "172.16.0.5",
        "169.254.169.254",
        "127.0.0.1",
        "::1",
        "fe80::1",
        "0.0.0.0",
        "::ffff:127.0.0.1",
        "fd00::7",
    ],
)
def test_private_loopback_link_local_refused(address):
    with pytest.raises(errors.UrlRefused):
        check_address(address)


def test_lan_setting_admits_lan_but_not_loopback_or_link_local():
    check_address("192.168.1.20", allow_lan=True)
    check_address("10.0.0.8", allow_lan=True)
    for address in ("127.0.0.1", "169.254.169.254", "::1"):
        with pytest.raises(errors.UrlRefused):
            check_address(address, allow_lan=True)
    check_address("8.8.8.8")


def test_private_host_refused_before_any_connection():
    def resolver(host: str, port: int) -> list[str]:
        return ["10.0.0.9"]

    with pytest.raises(errors.UrlRefused):
        fetch_url("http://nas.local/photo.jpg", resolver=resolver)


def test_public_host_fetches(server):
    data = fetch_public(server, "/photo.png", verify_peer=False)
    assert data == PNG


def test_dns_rebinding_caught_at_the_connected_peer(server):
    # The name "resolved" to a public address, but the connection landed on loopback.
    with pytest.raises(errors.UrlRefused):
        fetch_public(server, "/photo.png")


def test_every_redirect_hop_is_rechecked(server):
    with pytest.raises(errors.UrlRefused):
        fetch_public(server, "/to-loopback", verify_peer=False)
    with pytest.raises(errors.UrlRefused):
        fetch_public(server, "/to-file", verify_peer=False)


def test_at_most_three_redirects(server):
    kwargs = {"session": routed_session(), "resolver": fake_public_resolver, "verify_peer": False}
    assert fetch_url(public_url(server, "/hop/3"), **kwargs) == PNG
    with pytest.raises(errors.UrlRefused, match="redirect"):
        fetch_url(public_url(server, "/hop/4"), **kwargs)


# --- size caps and deadline -------------------------------------------------------------


def test_declared_length_over_the_cap_is_refused_at_once(server):
    with pytest.raises(errors.DownloadTooLarge):
        fetch_url(server + "/huge-declared", allow_private=True)


def test_streamed_body_over_the_cap_is_cut_off(server):
    with pytest.raises(errors.DownloadTooLarge):
        fetch_url(server + "/huge-chunked", allow_private=True, max_bytes=2 * 2**20)


def test_gzip_bomb_is_capped_on_decoded_bytes(server):
    with pytest.raises(errors.DownloadTooLarge):
        fetch_url(server + "/gzip-bomb", allow_private=True, max_bytes=5 * 2**20)


def test_slow_loris_ends_at_the_total_deadline(server):
    # the body takes 40 s and no read ever waits long: only the deadline can end it
    with pytest.raises(errors.Timeout):
        fetch_url(server + "/slow-loris", allow_private=True, deadline=1.5)


def test_cancel_stops_a_download(server):
    cancel = CancelToken()
    timer = threading.Timer(0.5, cancel.cancel)
    timer.start()
    # the body would arrive whole after 40 s, before the 60-s deadline: only the cancel ends it
    with pytest.raises(errors.Cancelled):
        fetch_url(server + "/slow-loris", allow_private=True, deadline=60, cancel=cancel)
    timer.join()


def test_http_errors_are_network_errors(server):
    with pytest.raises(errors.NetworkError, match="404"):
        fetch_url(server + "/not-found", allow_private=True)


def test_unresolvable_host():
    def resolver(host: str, port: int) -> list[str]:
        raise __import__("socket").gaierror("no such host")

    with pytest.raises(errors.NetworkError):
        fetch_url("http://no-such-host.invalid/a.jpg", resolver=resolver)


# --- type by decoding, not by header ------------------------------------------------------


def test_type_is_decided_by_decoding(server):
    opened = open_bytes(fetch_url(server + "/png-as-html", allow_private=True))
    assert opened.format == "PNG"
    with pytest.raises(errors.UnsupportedImage, match="HTML"):
        open_bytes(fetch_url(server + "/html-as-jpeg", allow_private=True))


def test_data_urls_are_decoded_with_a_cap():
    import base64

    url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert load_source(url).format == "PNG"
    with pytest.raises(errors.DownloadTooLarge):
        fetch_url(url, max_bytes=1000)


# --- clipboard --------------------------------------------------------------------------


def test_clipboard_buffer_becomes_an_image():
    image = Image.new("RGBA", (1000, 900), (10, 200, 30, 255))
    raw = image.tobytes()
    pasted = image_from_raw(raw, 1000, 900, 1000 * 4)
    prepared = prepare(pasted)
    assert (prepared.width, prepared.height) == (1000, 900)  # already within the limits
    r, g, b = Image.open(io.BytesIO(prepared.jpeg)).convert("RGB").getpixel((500, 450))
    assert abs(r - 10) < 8 and abs(g - 200) < 8 and abs(b - 30) < 8


def test_clipboard_buffer_has_the_same_caps():
    with pytest.raises(errors.ImageTooLarge):
        image_from_raw(b"", 20_000, 20_000, 80_000)
    with pytest.raises(errors.DamagedImage):
        image_from_raw(b"\0" * 100, 100, 100, 400)
