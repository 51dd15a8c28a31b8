"""A scripted loopback HTTP server: each test queues the answers it wants, byte by byte.

Replies are served in order (the last one repeats); every request is recorded (method, path,
query, headers, body) so tests can check what the adapter sent and how often.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.models import PreparedImage

CANARY = "CANARY-s3cr3t-1234"


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    drip: float | None = None  # seconds between single bytes (slow-loris)
    content_length: int | None = None  # a lie, when set
    no_date: bool = False  # omit the Date header http.server adds by default


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))

    def json(self) -> Any:
        return json.loads(self.body)


class ScriptedServer:
    def __init__(self) -> None:
        self.replies: list[Reply | Callable[[Seen], Reply]] = []
        self.requests: list[Seen] = []
        self.stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parsed = urllib.parse.urlsplit(self.path)
                seen = Seen(self.command, parsed.path,
                            dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)),
                            dict(self.headers.items()), body)
                server.requests.append(seen)
                index = min(len(server.requests) - 1, len(server.replies) - 1)
                reply = server.replies[index] if server.replies else Reply(404)
                if callable(reply):
                    reply = reply(seen)
                payload = reply.body
                if isinstance(payload, dict | list):
                    payload = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                    reply.headers.setdefault("Content-Type", "application/json;charset=utf-8")
                elif isinstance(payload, str):
                    payload = payload.encode("utf-8")
                if reply.no_date or "Date" in reply.headers:
                    self.send_response_only(reply.status)
                else:
                    self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                declared = reply.content_length
                if declared is None:
                    declared = len(payload)
                self.send_header("Content-Length", str(declared))
                self.end_headers()
                try:
                    if reply.drip is None:
                        self.wfile.write(payload)
                        return
                    for byte in payload:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        if server.stop.wait(reply.drip):
                            return
                except OSError:
                    pass  # the client hung up (deadline, cancel): expected in those tests

            do_GET = do_POST = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def script(self, *replies: Reply | Callable[[Seen], Reply]) -> None:
        self.replies = list(replies)

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class Permits:
    """An `acquire` that counts how often it was asked for a permit."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, cancel: CancelToken) -> None:
        cancel.raise_if_cancelled()
        self.count += 1


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    # Enough detail that the base64 text holds '+', '/' and usually '=' characters.
    image = Image.effect_noise((64, 64), 80).convert("RGB")
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def prepared_image() -> PreparedImage:
    data = _jpeg()
    return PreparedImage(jpeg=data, width=64, height=64, sha256=hashlib.sha256(data).hexdigest())
