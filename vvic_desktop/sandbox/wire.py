"""The sandbox's HTTP side, shared by every protocol module: the parsed request, the answer
and how it is sent (slow drips included), the handler and server classes, and the checks
several protocols share (constant-time comparison, sorted key+value concatenation, image
checks, listing filters).

Nothing here knows a protocol; nothing here imports ``markets/`` or ``core/``.
"""

from __future__ import annotations

import calendar
import email.parser
import email.policy
import email.utils
import hmac
import io
import json
import math
import threading
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from vvic_desktop.sandbox.catalog import Listing

if TYPE_CHECKING:
    from vvic_desktop.sandbox.server import SandboxServer

TIMESTAMP_SKEW = 600.0  # ±10 min, for VVIC, VVIC open and TOP
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MIN_IMAGE_SIDE = 800
MAX_BODY_BYTES = 16 * 1024 * 1024
PAGE_SIZE = 20
CHINA = timezone(timedelta(hours=8))
# taobao.image.search `cat` ids of the sandbox's categories (leaf categories of women's wear).
TAOBAO_CATS = {
    "dress": "50010850", "shirt": "162104", "tshirt": "50000671",
    "trousers": "162205", "skirt": "1623", "sweater": "50000697",
}
CREDIT_RANK = {"A": 3, "B": 2, "C": 1}
SLOW_DRIP = 0.4  # seconds between the bytes of a slow-loris answer


@dataclass
class Answer:
    http_status: int
    body: bytes
    outcome: int  # the CallRecord status
    content_type: str | None = "application/json; charset=utf-8"  # None: no such header
    headers: dict[str, str] = field(default_factory=dict)
    drip: float | None = None  # seconds between single body bytes (slow loris); None: at once


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    raw_body: bytes
    base_url: str
    files: dict[str, bytes] = field(default_factory=dict)  # multipart file parts

    def param(self, name: str) -> str | None:
        """A parameter from the query string or the form body (query first)."""
        if name in self.query:
            return self.query[name]
        return self.form.get(name)


class Speaker:
    """One protocol the sandbox speaks (vvic.py, taobao.py, …), answering for `server`."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server

    def app_key_of(self, req: Request) -> str:
        """The app key a request names: what its quota and faults are counted against."""
        raise NotImplementedError

    def handle(self, req: Request, fault: str | None) -> Answer:
        raise NotImplementedError

    def over_quota(self, app_key: str) -> int | None:
        """Whole seconds `app_key` must wait when it is over its quota (the call is not
        counted); None: the call is admitted and counted."""
        retry_after = self.server.admit(app_key)
        return None if retry_after is None else math.ceil(retry_after)


class Refusal(Exception):
    """A protocol error answer, raised from deep inside a handler."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.outcome)
        self.answer = answer


def json_answer(status: int, payload: Any, outcome: int | None = None,
                headers: dict[str, str] | None = None) -> Answer:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Answer(status, body, status if outcome is None else outcome,
                  headers=dict(headers or {}))


def read_request(handler: BaseHTTPRequestHandler, method: str,
                 base_url: str) -> Request | Answer:
    """The request as the protocols see it, or the answer to a body the server refuses."""
    parts = urlsplit(handler.path)
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    try:
        length = int(handler.headers.get("Content-Length") or 0)
    except ValueError:
        length = -1
    if length < 0:
        return json_answer(400, {"code": 400, "msg": "bad Content-Length"})
    if length > MAX_BODY_BYTES:
        return json_answer(413, {"code": 413, "msg": "请求体过大"})
    raw = handler.rfile.read(length) if length > 0 else b""
    form: dict[str, str] = {}
    files: dict[str, bytes] = {}
    ctype = handler.headers.get("Content-Type", "")
    if raw and "application/x-www-form-urlencoded" in ctype:
        text = raw.decode("utf-8", "replace")
        form = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
    elif raw and "multipart/form-data" in ctype:
        form, files = _multipart(ctype, raw)
    return Request(method, parts.path, query, form, raw, base_url, files)


class HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: SandboxServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints a traceback to stderr; a client that hangs up mid-request is
        # not an error of the sandbox, and nothing may reach the terminal of `vvic sandbox`.
        return


class Handler(BaseHTTPRequestHandler):
    server: HTTPServer
    server_version = "vvic-sandbox/1.0"

    def do_GET(self) -> None:
        self.server.sandbox.handle(self, "GET")

    def do_POST(self) -> None:
        self.server.sandbox.handle(self, "POST")

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header follows the sandbox's clock, so that a client can measure its
        # offset against a (fake) skewed server (TOP code 31).
        stamp = self.server.sandbox.clock() if timestamp is None else timestamp
        return email.utils.formatdate(stamp, usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        # Query strings carry keys and secrets (OneBound): never write them anywhere.
        return


def send(handler: BaseHTTPRequestHandler, answer: Answer, stopping: threading.Event, *,
         declared_length: int | None = None, date: bool = True) -> None:
    """Write `answer`; `stopping` ends a drip early. For the tests of the HTTP clients, a
    server that lies or leaves things out: `declared_length` sends a Content-Length other than
    the body's, `date=False` no Date header. The answer's own Content-Type or Date header
    replaces the default one."""
    try:
        if not date or "Date" in answer.headers:
            handler.send_response_only(answer.http_status)
        else:
            handler.send_response(answer.http_status)
        if answer.content_type is not None and "Content-Type" not in answer.headers:
            handler.send_header("Content-Type", answer.content_type)
        length = len(answer.body) if declared_length is None else declared_length
        handler.send_header("Content-Length", str(length))
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if answer.drip is None:
            handler.wfile.write(answer.body)
            return
        handler.wfile.flush()
        # A slow-loris answer: one byte at a time, slower than any read timeout notices.
        for index in range(len(answer.body)):
            if stopping.wait(answer.drip):
                return
            handler.wfile.write(answer.body[index:index + 1])
            handler.wfile.flush()
    except OSError:
        return  # the client gave up (hung up, reset, timed out): nothing to answer to


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    """Text fields and file parts of a multipart/form-data body."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is not None:
            files[name] = data
        else:
            fields[name] = data.decode(part.get_content_charset() or "utf-8", "replace")
    return fields, files


def same(given: str, expected: str) -> bool:
    """Constant-time comparison that also copes with non-ASCII input from a client."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return value  # a RawNumber is a str: its text as written in the JSON
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def concat(params: dict[str, Any], *, skip_empty: bool) -> str:
    """``key + value`` of every parameter but ``sign``, in the order of the names."""
    parts = []
    for key in sorted(params):
        if key == "sign":
            continue
        text = _value_text(params[key])
        if skip_empty and text == "":
            continue
        parts.append(key + text)
    return "".join(parts)


def image_type(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_image(data: bytes, *, min_side: int) -> Image.Image | str:
    """The decoded image, or why it is refused (JPG/PNG/WebP by content, ≤ 5 MB, min side)."""
    if len(data) > MAX_IMAGE_BYTES:
        return f"image is {len(data)} bytes, over 5 MB"
    kind = image_type(data)
    if kind is None:
        return "image must be JPG, PNG or WebP"
    try:
        image = Image.open(io.BytesIO(data), formats=("JPEG", "PNG", "WEBP"))
        if image.width * image.height > 64_000_000:
            return "image has too many pixels"
        image.load()
    except (OSError, ValueError, Image.DecompressionBombError):
        return "image cannot be decoded"
    if min(image.size) < min_side:
        return f"image is {image.width}x{image.height}, below {min_side}x{min_side}"
    return image.convert("RGB")


def passes(listing: Listing, filters: dict[str, Any]) -> bool:
    """Whether a listing meets price / batch / stock / credit filters (VVIC and 1688)."""
    low = float(listing.price.split("-")[0])
    if "price_min" in filters and low < filters["price_min"]:
        return False
    if "price_max" in filters and low > filters["price_max"]:
        return False
    # batch_num: the most the buyer wants to order at once; the stall's minimum must fit.
    if "batch_num" in filters and listing.min_order > filters["batch_num"]:
        return False
    if "stock" in filters and listing.stock < filters["stock"]:
        return False
    return not ("credit_level" in filters and CREDIT_RANK[listing.credit_level] <
                CREDIT_RANK[filters["credit_level"]])


def http_date_to_epoch(value: str) -> float:
    """Parse an HTTP Date header (for tests and tools measuring the server's clock)."""
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        raise ValueError(f"not an HTTP date: {value!r}")
    return float(calendar.timegm(parsed[:9])) - (parsed[9] or 0)
