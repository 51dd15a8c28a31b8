"""A hostile marketplace on loopback: one server that misbehaves in every way a real one (or
a proxy in front of it, or an attacker behind a listing) can.

It speaks just enough of the VVIC V2.2 search (POST …/api/search/item/image → `{"code": 200,
"data": {"items": [...]}}`) and Taobao's TOP router (POST …/router/rest →
`{"image_search_response": …}`) for the adapters to parse what it sends; signatures are not
checked. The misbehaviour is chosen by the endpoint's path: a search against
`http://127.0.0.1:PORT/case/NAME` gets case NAME. Listing pictures are served under /img/KIND
(bombs, devices' worth of bytes, DDS, dripping, redirects to link-local...).

Every picture is generated here, in memory: no third-party test images.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import socket
import struct
import threading
import zlib
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image

ESC_TITLE = "连衣裙\x1b]0;pwned\x07\x1b[2J\x1b[31m红色\x9b1m\u202egnp.exe"
ESC_MSG = "系统错误\x1b]2;owned\x07\x1b[2J\x1b[3J\x1bc reset"

Answer = tuple[int, dict[str, str], bytes]


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))


def png_claiming(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims width×height (a '100 MP thumbnail')."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.find(b"\xff\xc0")
    data[sof + 5:sof + 7] = height.to_bytes(2, "big")
    data[sof + 7:sof + 9] = width.to_bytes(2, "big")
    return bytes(data)


def good_jpeg(colour: tuple[int, int, int], size: int = 240) -> bytes:
    image = Image.new("RGB", (size, size), (250, 250, 250))
    image.paste(Image.new("RGB", (size // 2, size * 3 // 4), colour), (size // 4, size // 8))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return buf.getvalue()


PICTURES: dict[str, bytes] = {}


def _pictures() -> dict[str, bytes]:
    if not PICTURES:
        gif = io.BytesIO()
        Image.new("P", (1, 1)).save(gif, "GIF")
        banner = io.BytesIO()
        Image.new("RGB", (1000, 10), "navy").save(banner, "PNG")
        PICTURES.update({
            "red.jpg": good_jpeg((200, 30, 30)),
            "red2.jpg": good_jpeg((205, 28, 32)),
            "blue.jpg": good_jpeg((30, 40, 200)),
            "bomb.png": png_claiming(40000, 40000),
            "warn.png": png_claiming(9000, 9000),
            "huge.jpg": jpeg_claiming(10000, 10000),  # 100 MP claimed
            "dds.jpg": b"DDS |\x00\x00\x00\x07\x10\x00\x00" + bytes(116),
            "html.jpg": b"<!DOCTYPE html><html>hotlink refused</html>",
            "tiny.gif": gif.getvalue(),
            "banner.png": banner.getvalue(),
            "empty.jpg": b"",
        })
    return PICTURES


def item(k: int, port: int, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "item_id": f"it{k}", "title": f"韩版 连衣裙 {k}", "price": f"{59 + k % 7}.00",
        "image_url": f"http://127.0.0.1:{port}/img/{('red.jpg', 'red2.jpg', 'blue.jpg')[k % 3]}",
        "shop_name": f"档口{k % 5}", "credit_level": "A", "stock": 10,
    }
    base.update(overrides)
    return base


def vvic_ok(items: list[dict[str, Any]]) -> Answer:
    body = json.dumps({"code": 200, "msg": "ok", "data": {"items": items}},
                      ensure_ascii=False).encode()
    return 200, {"Content-Type": "application/json"}, body


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up on a bomb is the expected outcome, not news


class HostileMarket:
    """Start with `with HostileMarket() as market:`; `market.endpoint(case)` is the --endpoint."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()  # API requests per case (pictures not counted)
        self.picture_requests: Counter[str] = Counter()
        self.stop = threading.Event()
        market = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                market._handle(self)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                market._handle(self)

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HostileMarket:
        # Made before serving: compressing takes a moment the client's deadline must not see.
        _gzip_bomb(100 * 1024 * 1024, True)
        _gzip_bomb(64 * 1024 * 1024, False)
        _pictures()
        _many(self.port)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    def endpoint(self, case: str) -> str:
        return f"http://127.0.0.1:{self.port}/case/{case}"

    # --- dispatch -------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        if path.startswith("/img/"):
            self.picture_requests[path[5:]] += 1
            return self._picture(handler, path[5:])
        parts = path.split("/")
        case = parts[2] if len(parts) > 2 and parts[1] == "case" else "ok"
        # "short-wait~2": the same behaviour on its own counter (stateful cases, one per test)
        self.requests[case] += 1
        handler.nth = self.requests[case]  # type: ignore[attr-defined]
        action = CASES.get(case.split("~", 1)[0], CASES["ok"])
        answer = action(self, handler)
        if answer is not None:
            _send(handler, *answer)

    def _picture(self, handler: BaseHTTPRequestHandler, kind: str) -> None:
        if kind == "drip.jpg":  # headers a byte at a time: the fetch deadline must end it
            _drip(handler, self.stop, b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n" * 50)
            return
        if kind == "linklocal.jpg":
            _send(handler, 302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")
            return
        if kind == "gzip.jpg":
            _send(handler, 200, {"Content-Type": "image/jpeg", "Content-Encoding": "gzip"},
                  _gzip_bomb(64 * 1024 * 1024, False))
            return
        data = _pictures().get(kind)
        if data is None:
            _send(handler, 404, {"Content-Type": "text/plain"}, b"no such picture")
            return
        _send(handler, 200, {"Content-Type": "image/jpeg"}, data)


def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str],
          body: bytes) -> None:
    try:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        if "Content-Length" not in headers:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    except OSError:
        pass  # the client gave up (a cap or a deadline): that is the point


def _drip(handler: BaseHTTPRequestHandler, stop: threading.Event, data: bytes,
          every: float = 0.2) -> None:
    try:
        for byte in data:
            if stop.wait(every):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
    except OSError:
        pass
    handler.close_connection = True


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Close with a TCP reset (SO_LINGER 0), mid-answer."""
    try:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n{\"code\": 200")
        handler.wfile.flush()
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
    except OSError:
        pass
    handler.close_connection = True
    handler.connection.close()


def _case_ok(m: HostileMarket, h: BaseHTTPRequestHandler) -> Answer:
    return vvic_ok([item(k, m.port) for k in range(6)])


@functools.cache
def _many(port: int) -> Answer:
    return vvic_ok([item(k, port) for k in range(10_000)])


def _case_many(m: HostileMarket, h: BaseHTTPRequestHandler) -> Answer:
    # 10,000 items (about 2 MB): at most max_results kept, the rest counted, no 10,000 fetches
    return _many(m.port)


def _case_escapes(m: HostileMarket, h: BaseHTTPRequestHandler) -> Answer:
    items = [item(k, m.port, title=f"{ESC_TITLE} {k}", shop_name="\x1b[8m隐藏\x1b[0m档口")
             for k in range(3)]
    return vvic_ok(items)


def _case_escape_msg(m: HostileMarket, h: BaseHTTPRequestHandler) -> Answer:
    body = json.dumps({"code": 400, "msg": ESC_MSG}, ensure_ascii=False).encode()
    return 400, {"Content-Type": "application/json"}, body


def _case_bad_prices(m: HostileMarket, h: BaseHTTPRequestHandler) -> Answer:
    prices = ["1e308", "1.2e3", "0x45", "69,00", "NaN", "Infinity", "-5", "¥1e9",
              "59.00", "1,299.00", "69"]
    return vvic_ok([item(k, m.port, price=p) for k, p in enumerate(prices)])


def _case_bomb_pictures(m: HostileMarket, h: BaseHTTPRequestHandler) -> Answer:
    kinds = ["bomb.png", "warn.png", "huge.jpg", "dds.jpg", "html.jpg", "tiny.gif", "banner.png",
             "empty.jpg", "drip.jpg", "linklocal.jpg", "gzip.jpg", "missing.jpg", "red.jpg",
             "red2.jpg"]
    items = [item(k, m.port, image_url=f"http://127.0.0.1:{m.port}/img/{kind}")
             for k, kind in enumerate(kinds)]
    items.append(item(99, m.port, image_url="http://169.254.169.254/latest/meta-data/x.jpg"))
    items.append(item(98, m.port, image_url="http://10.0.0.1/private.jpg"))
    return vvic_ok(items)


def _fixed(status: int, body: bytes, headers: dict[str, str] | None = None
           ) -> Callable[[HostileMarket, BaseHTTPRequestHandler], Answer]:
    return lambda m, h: (status, {"Content-Type": "application/json", **(headers or {})}, body)


def _case_truncated(m: HostileMarket, h: BaseHTTPRequestHandler) -> None:
    body = json.dumps({"code": 200, "data": {"items": [item(0, m.port)]}}).encode()
    try:
        h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      + f"Content-Length: {len(body) * 2}\r\nConnection: close\r\n\r\n".encode()
                      + body)
    except OSError:
        pass
    h.close_connection = True


def _case_reset(m: HostileMarket, h: BaseHTTPRequestHandler) -> None:
    _reset(h)


def _case_slow_headers(m: HostileMarket, h: BaseHTTPRequestHandler) -> None:
    _drip(h, m.stop, b"HTTP/1.1 200 OK\r\n" + b"X-Drip: 1\r\n" * 400, every=0.05)


def _case_slow_body(m: HostileMarket, h: BaseHTTPRequestHandler) -> None:
    try:
        h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 100000\r\n\r\n")
        h.wfile.flush()
    except OSError:
        return
    _drip(h, m.stop, b" " * 100000, every=0.05)


@functools.cache
def _gzip_bomb(size: int, json_body: bool) -> bytes:
    """`size` bytes of blanks (inside a JSON answer) gzipped to about size/1000: made once."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        if json_body:
            gz.write(b'{"code": 200, "data": {"items": [')
        block = b" " * (1024 * 1024)
        for _ in range(size // len(block)):
            gz.write(block)
        if json_body:
            gz.write(b"]}}")
    return out.getvalue()


def _case_gzip_bomb(m: HostileMarket, h: BaseHTTPRequestHandler) -> Answer:
    return 200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, \
        _gzip_bomb(100 * 1024 * 1024, True)


def _case_redirect(m: HostileMarket, h: BaseHTTPRequestHandler) -> Answer:
    return 302, {"Location": "http://169.254.169.254/latest/meta-data/iam"}, b""


def _case_taobao_429(m: HostileMarket, h: BaseHTTPRequestHandler) -> Answer:
    body = json.dumps({"error_response": {"code": 15, "msg": "Remote service error",
                                          "sub_code": "isp.call-limited",
                                          "sub_msg": "call limited"}}).encode()
    return 429, {"Content-Type": "application/json", "Retry-After": "300"}, body


def _case_taobao_ok(m: HostileMarket, h: BaseHTTPRequestHandler) -> Answer:
    items = [{"num_iid": 100 + k, "title": f"{ESC_TITLE} {k}", "price": "88.00",
              "pic_url": f"http://127.0.0.1:{m.port}/img/red.jpg", "seller_nick": "店\x1b[5m"}
             for k in range(3)]
    body = json.dumps({"image_search_response": {"items": {"item": items}}}).encode()
    return 200, {"Content-Type": "application/json"}, body


def _case_short_wait(m: HostileMarket, h: BaseHTTPRequestHandler) -> Answer:
    """A 429 with Retry-After 5 the first time, then the answer: a visible 5 s countdown."""
    if h.nth == 1:  # type: ignore[attr-defined]
        return 429, {"Retry-After": "5", "Content-Type": "application/json"}, b'{"code": 429}'
    return _case_ok(m, h)


def _case_flaky(m: HostileMarket, h: BaseHTTPRequestHandler) -> Answer | None:
    """A reset the first time, then the answer: a transient fault is repeated."""
    if h.nth == 1:  # type: ignore[attr-defined]
        _reset(h)
        return None
    return _case_ok(m, h)


def _retry_after(value: str) -> Callable[[HostileMarket, BaseHTTPRequestHandler], Answer]:
    return _fixed(429, b'{"code": 429, "msg": "too many"}', {"Retry-After": value})


CASES: dict[str, Callable[[HostileMarket, BaseHTTPRequestHandler], Answer | None]] = {
    "ok": _case_ok,
    "many": _case_many,
    "escapes": _case_escapes,
    "escape-msg": _case_escape_msg,
    "bad-prices": _case_bad_prices,
    "bomb-pictures": _case_bomb_pictures,
    "malformed-json": _fixed(200, b'{"code": 200, "data": {"items": [{"item_id": '),
    "not-utf8": _fixed(200, b'{"code": 200, "msg": "\xff\xfe\xfa"}'),
    "deep-json": _fixed(200, b"[" * 100_000 + b"]" * 100_000),
    "html": _fixed(200, b"<!DOCTYPE html><html><body>portal login</body></html>",
                   {"Content-Type": "text/html"}),
    "oversized": _fixed(200, b'{"code": 200, "pad": "' + b"x" * (9 * 1024 * 1024) + b'"}'),
    "lying-length": _fixed(200, b"{}", {"Content-Length": str(10 * 1024 * 1024 * 1024)}),
    "gzip-bomb": _case_gzip_bomb,
    "truncated": _case_truncated,
    "reset": _case_reset,
    "flaky": _case_flaky,
    "slow-headers": _case_slow_headers,
    "slow-body": _case_slow_body,
    "redirect-private": _case_redirect,
    "not-found": _fixed(404, b'{"code": 404, "msg": "no such api"}'),
    "quota-in-200": _fixed(200, json.dumps({"code": 429, "msg": "调用次数超限"}).encode()),
    "retry-after-huge": _retry_after("99999999999999999999999"),
    "retry-after-300e9": _retry_after("300000000000"),
    "retry-after-400-digits": _retry_after("9" * 400),
    "retry-after-negative": _retry_after("-30"),
    "retry-after-garbage": _retry_after("soon\x1b[2J"),
    "retry-after-date": _retry_after("Fri, 31 Dec 9999 23:59:59 GMT"),
    "retry-after-300": _retry_after("300"),
    "short-wait": _case_short_wait,
    "taobao-429": _case_taobao_429,
    "taobao-ok": _case_taobao_ok,
}
