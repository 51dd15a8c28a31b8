"""A scripted loopback HTTP server: each test queues the answers it wants, byte by byte.

Replies are served in order (the last one repeats); every request is recorded (method, path,
query, headers, body) so tests can check what the adapter sent and how often.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, TypeVar

import pytest
from PIL import Image

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.models import PreparedImage
from vvic_desktop.sandbox.wire import Answer, Handler, HTTPServer, Request, read_request, send

CANARY = "CANARY-s3cr3t-1234"
E = TypeVar("E", bound=BaseException)


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    drip: float | None = None  # seconds between single bytes (slow-loris)
    content_length: int | None = None  # a lie, when set
    no_date: bool = False  # omit the Date header http.server adds by default


@dataclass
class Seen(Request):
    """A request the server was sent: the sandbox's parsed request plus its headers."""

    headers: dict[str, str] = field(default_factory=dict)

    @property
    def body(self) -> bytes:
        return self.raw_body

    def json(self) -> Any:
        return json.loads(self.raw_body)


class _Handler(Handler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the marketplaces' servers


class ScriptedServer:
    """Serves through the sandbox's own HTTP plumbing (`sandbox/wire.py`): the request is read
    and the reply written as the sandbox does; only what to answer is scripted."""

    def __init__(self) -> None:
        self.replies: list[Reply | Callable[[Seen], Reply]] = []
        self.requests: list[Seen] = []
        self.stop = threading.Event()
        self.httpd = HTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.sandbox = self  # type: ignore[assignment]  # handle() and clock() suffice
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @staticmethod
    def clock() -> float:
        return time.time()

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        request = read_request(handler, method, self.url)
        if isinstance(request, Answer):
            send(handler, request, self.stop)
            return
        seen = Seen(**vars(request), headers=dict(handler.headers.items()))
        self.requests.append(seen)
        index = min(len(self.requests) - 1, len(self.replies) - 1)
        reply = self.replies[index] if self.replies else Reply(404)
        if callable(reply):
            reply = reply(seen)
        payload, content_type = reply.body, None
        if isinstance(payload, dict | list):
            payload = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            content_type = "application/json;charset=utf-8"
        elif isinstance(payload, str):
            payload = payload.encode("utf-8")
        answer = Answer(reply.status, payload, reply.status, content_type=content_type,
                        headers=reply.headers, drip=reply.drip)
        send(handler, answer, self.stop, declared_length=reply.content_length,
             date=not reply.no_date)

    def script(self, *replies: Reply | Callable[[Seen], Reply]) -> None:
        self.replies = list(replies)

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def raised_exactly(expected: type[E], call: Callable[[], object]) -> E:
    """What `call()` raised, which must be `expected` itself, not a subclass of it."""
    with pytest.raises(expected) as caught:
        call()
    assert type(caught.value) is expected
    return caught.value


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
