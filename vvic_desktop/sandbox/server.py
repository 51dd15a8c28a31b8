"""The demo marketplace: a loopback HTTP server that speaks the protocols of DESIGN §4.

Endpoints (each protocol implemented here on its own, signatures verified by this module):

- VVIC V2.2 image search: ``POST /api/search/item/image`` (JSON, lower md5 signature).
- VVIC open platform: ``GET /api/item/detail/v1`` (HMAC-SHA256 signature).
- Taobao TOP router: ``POST|GET /router/rest`` with ``method=taobao.image.search``.
- OneBound gateway: ``GET /vvic/item_search_img/``, ``GET /taobao/item_search_img/`` and
  ``POST|GET /taobao/upload_img/``.
- 1688 AOP gateway: ``POST /openapi/param2/1/com.alibaba.fenxiao.crossborder/<api>/<app_key>``
  for ``product.image.upload`` and ``product.search.imageQuery`` (HMAC-SHA1 ``_aop_signature``).
- Images: ``GET /img/<item_id>.jpg`` (listing photos), ``GET /img/upload/<id>.jpg``
  (OneBound uploads); ``GET /item/<item_id>`` a small detail page (the ``detail_url``).

Every API call waits ``uniform(*latency)`` seconds (interruptible by ``stop()``), is checked
against a per-app-key sliding 60-second quota on the injectable clock, and is recorded in
``call_log``. Faults are scripted with ``inject()`` or drawn at random with ``fail_rate``.
Nothing secret is logged: the server writes no log at all.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import contextlib
import email.parser
import email.policy
import email.utils
import hashlib
import hmac
import html
import io
import json
import math
import random
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from vvic_desktop.sandbox.catalog import Catalog, Listing
from vvic_desktop.sandbox.matching import StyleIndex, index_for

# The demo keys that `vvic --demo` and the GUI's demo mode use. They are public by design
# (they open nothing but this loopback server).
DEMO_CREDENTIALS: dict[str, tuple[str, str]] = {
    "vvic": ("vvic-demo-key", "vvic-demo-secret-7f3a"),
    "vvic-open": ("vvic-open-demo-app", "vvic-open-demo-secret-91c2"),
    "taobao": ("12345678", "taobao-demo-secret-5d0e"),
    "onebound": ("onebound-demo-key", "onebound-demo-secret-2b8f"),
    "1688": ("1688-demo-key", "1688-demo-secret-c4e1"),
}
# The market names of DESIGN §4 that reach OneBound's gateway share its key.
DEMO_CREDENTIALS["onebound-vvic"] = DEMO_CREDENTIALS["onebound"]
DEMO_CREDENTIALS["onebound-taobao"] = DEMO_CREDENTIALS["onebound"]

FAULTS = (
    "500", "502", "503", "504", "429", "429-no-retry-after", "429-long", "429-http-date",
    "malformed", "html", "slow", "missing-fields", "empty", "permission", "isp",
)
# What each fault does (API calls; image downloads differ where noted in `_image_fault`).
FAULT_DESCRIPTIONS: dict[str, str] = {
    "500": "HTTP 500 with the protocol's server-error body (TOP: code 15, isp.*)",
    "502": "HTTP 502, an nginx HTML page",
    "503": "HTTP 503, an nginx HTML page",
    "504": "HTTP 504, an nginx HTML page",
    "429": "HTTP 429, Retry-After: 7, the protocol's quota body (TOP code 7, OneBound 4011)",
    "429-no-retry-after": "HTTP 429 without Retry-After",
    "429-long": "HTTP 429, Retry-After: 86400",
    "429-http-date": "HTTP 429, Retry-After as an HTTP date 7 s ahead of the server clock",
    "malformed": "HTTP 200, the real answer's JSON cut at two thirds",
    "html": "HTTP 200, a captive-portal HTML page",
    "slow": "HTTP 200 headers at once, then one body byte every 0.4 s (minutes in all): "
            "per-read timeouts never fire, only a total deadline does",
    "missing-fields": "HTTP 200, items with fields missing, null, of wrong types, prices "
                      "'', '69-89', null, and non-object items",
    "empty": "HTTP 200, a success with no items",
    "permission": "the protocol's permission error (TOP 11, OneBound 4004, HTTP 403)",
    "isp": "TOP: HTTP 200 with code 15 isp.remote-service-timeout; elsewhere as 500",
}
assert set(FAULT_DESCRIPTIONS) == set(FAULTS)
# Faults that replace the answer before the request is looked at; the others change a
# successful answer's content (the call is accepted and counted against the quota).
_CONTENT_FAULTS = ("malformed", "missing-fields", "empty")

# URL path -> protocol; `inject(endpoint=...)` takes either.
ENDPOINTS: dict[str, str] = {
    "/api/search/item/image": "vvic",
    "/api/item/detail/v1": "vvic-open",
    "/router/rest": "taobao",
    "/vvic/item_search_img/": "onebound",
    "/taobao/item_search_img/": "onebound",
    "/taobao/upload_img/": "onebound",
}
# 1688's AOP gateway: /openapi/param2/1/<namespace>/<api>/<app_key>
AOP_PREFIX = "/openapi/"
AOP_NAMESPACE = "com.alibaba.fenxiao.crossborder"
AOP_APIS = ("product.image.upload", "product.search.imageQuery")


def protocol_of(path: str) -> str | None:
    """The protocol an API path belongs to ("vvic", "taobao", "1688" …), None if none."""
    if path.startswith(AOP_PREFIX):
        return "1688"
    return ENDPOINTS.get(path)


WINDOW_SECONDS = 60.0
TIMESTAMP_SKEW = 600.0  # ±10 min, for VVIC, VVIC open and TOP
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MIN_IMAGE_SIDE = 800
MAX_BODY_BYTES = 16 * 1024 * 1024
PAGE_SIZE = 20
MAX_UPLOADS = 256
CHINA = timezone(timedelta(hours=8))
# taobao.image.search `cat` ids of the sandbox's categories (leaf categories of women's wear).
TAOBAO_CATS = {
    "dress": "50010850", "shirt": "162104", "tshirt": "50000671",
    "trousers": "162205", "skirt": "1623", "sweater": "50000697",
}
_MARKET_AREAS = {"广州十三行": "广东 广州", "广州沙河": "广东 广州", "广州白马": "广东 广州",
                 "杭州四季青": "浙江 杭州", "濮院": "浙江 嘉兴", "深圳南油": "广东 深圳"}
_CREDIT_RANK = {"A": 3, "B": 2, "C": 1}

_NGINX_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
              b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
              b"</body>\r\n</html>\r\n")
_NGINX_503 = (b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n"
              b"<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n"
              b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
_NGINX_504 = (b"<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
              b"<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n"
              b"</body>\r\n</html>\r\n")
_PORTAL_PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>网络认证</title>"
                "</head><body><h1>请先登录上网认证</h1><p>Web authentication required. "
                "Please log in to continue.</p><form action=\"/portal\"><input name=\"user\">"
                "</form></body></html>").encode()


class CallRecord(NamedTuple):
    """One API call, accepted or refused.

    ``status`` is the outcome as an HTTP-style code, also for protocols that report errors
    inside an HTTP-200 body: 200 answered, 400 bad parameters or image, 401 unknown key or
    bad signature or timestamp, 403 permission, 404 unknown method, 429 refused by the
    quota (TOP code 7, OneBound 4011/4013 too), 5xx server faults. ``time`` is when the
    quota counted the call (after the simulated latency), so windows computed from the log
    are the ones the sandbox enforced.
    """

    time: float
    app_key: str
    endpoint: str
    status: int


@dataclass
class _Answer:
    http_status: int
    body: bytes
    outcome: int  # the CallRecord status
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    slow: bool = False


@dataclass
class _Request:
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


@dataclass
class _Fault:
    name: str
    remaining: int
    endpoint: str | None


class _RawNumber(str):
    """A JSON number kept as the text the client wrote (the V2.2 signature signs that)."""


class _Refusal(Exception):
    """A protocol error answer, raised from deep inside a handler."""

    def __init__(self, answer: _Answer) -> None:
        super().__init__(answer.outcome)
        self.answer = answer


def _json(status: int, payload: Any, outcome: int | None = None,
          headers: dict[str, str] | None = None) -> _Answer:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return _Answer(status, body, status if outcome is None else outcome,
                   headers=dict(headers or {}))


class SandboxServer:
    """The demo marketplace on 127.0.0.1. Use as a context manager or start()/stop()."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        quota: int = 20,
        latency: tuple[float, float] = (1.0, 3.0),
        fail_rate: float = 0.0,
        seed: int = 7,
        catalog: Catalog | None = None,
        clock: Callable[[], float] = time.time,
        onebound_daily_max: int = 10100,
        window: float = WINDOW_SECONDS,
    ) -> None:
        if quota < 0:
            raise ValueError("quota must be >= 0")
        if not 0.0 <= fail_rate <= 1.0:
            raise ValueError("fail_rate must be within 0..1")
        low, high = latency
        if low < 0 or high < low:
            raise ValueError("latency must be (low, high) with 0 <= low <= high")
        self.host, self.port = host, port
        self.quota = quota
        self.window = float(window)  # the quota's sliding window (60 s; tests shorten it)
        self.latency = (float(low), float(high))
        self.fail_rate = fail_rate
        self.seed = seed
        self.catalog = catalog if catalog is not None else Catalog(seed=seed)
        self.clock = clock
        self.onebound_daily_max = onebound_daily_max
        self.call_log: list[CallRecord] = []
        self._lock = threading.Lock()
        self._rng = random.Random(f"vvic-sandbox-server:{seed}")
        self._windows: dict[str, deque[float]] = {}
        self._daily: dict[tuple[str, str], int] = {}
        self._faults: list[_Fault] = []
        self._uploads: OrderedDict[str, bytes] = OrderedDict()
        self._stopping = threading.Event()
        self._received = 0
        self._received_cond = threading.Condition()
        self._httpd: ThreadingHTTPServer | None = None
        self._base_url = ""
        self._thread: threading.Thread | None = None
        self._index: StyleIndex = index_for(self.catalog)
        self._secrets: dict[str, dict[str, str]] = {
            name: {key: secret} for name, (key, secret) in DEMO_CREDENTIALS.items()
            if name in ("vvic", "vvic-open", "taobao", "onebound", "1688")
        }

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the sandbox server is not started")
        return self._base_url

    def start(self) -> SandboxServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.sandbox = self
        self._httpd = httpd
        self._base_url = f"http://{self.host}:{httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"sandbox-{httpd.server_address[1]}", daemon=True,
        )
        self._thread.start()
        # Build the style signatures now rather than on the first search (about a second).
        threading.Thread(target=self._index.warm, name="sandbox-index", daemon=True).start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        # Wake every latency wait and slow drip first, so no handler holds the server up.
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting ----------------------------------------------------------------------------

    def inject(self, fault: str, count: int = 1, endpoint: str | None = None) -> None:
        """Make the next `count` API calls (to `endpoint`, a path or a protocol name such as
        "vvic", "taobao", "onebound", "vvic-open"; "img" for image downloads) fail with
        `fault` (see FAULT_DESCRIPTIONS). Faults queue up in the order injected."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
        if count < 1:
            raise ValueError("count must be >= 1")
        if endpoint is not None and endpoint not in ENDPOINTS and endpoint not in (
            *set(ENDPOINTS.values()), "1688", "img",
        ) and not endpoint.startswith(AOP_PREFIX):
            raise ValueError(f"unknown endpoint {endpoint!r}")
        with self._lock:
            self._faults.append(_Fault(fault, count, endpoint))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def requests_received(self) -> int:
        """How many HTTP requests have arrived (answered or still being answered)."""
        with self._received_cond:
            return self._received

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> bool:
        """Block until `count` requests have arrived: lets a test act while a call is in
        flight (e.g. stop() during the latency wait) without sleeping."""
        with self._received_cond:
            return self._received_cond.wait_for(lambda: self._received >= count, timeout)

    def image_url(self, item_id: str) -> str:
        return f"{self.url}/img/{item_id}.jpg"

    # -- request plumbing ---------------------------------------------------------------------

    def _take_fault(self, path: str) -> str | None:
        kind = "img" if path.startswith("/img/") else protocol_of(path)
        with self._lock:
            for fault in self._faults:
                if fault.endpoint is None:
                    if kind == "img":
                        continue  # unscoped faults hit API calls, not image downloads
                elif fault.endpoint not in (path, kind):
                    continue
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault.name
            if kind != "img" and self.fail_rate and self._rng.random() < self.fail_rate:
                return self._rng.choice(("500", "502", "503", "504"))
        return None

    def _wait_latency(self) -> bool:
        """Wait the simulated latency; False when the server is stopping."""
        low, high = self.latency
        with self._lock:
            delay = self._rng.uniform(low, high) if high > 0 else 0.0
        if delay > 0:
            self._stopping.wait(delay)
        return not self._stopping.is_set()

    def _log(self, app_key: str, path: str, outcome: int, at: float) -> None:
        with self._lock:
            self.call_log.append(CallRecord(at, app_key, path, outcome))

    def _admit(self, app_key: str) -> float | None:
        """Take one call from the key's sliding window; None if admitted, else the seconds
        until the oldest call leaves the window."""
        now = self.clock()
        with self._lock:
            window = self._windows.setdefault(app_key, deque())
            while window and window[0] <= now - self.window:
                window.popleft()
            if len(window) >= self.quota:
                return max(0.001, window[0] + self.window - now) if window else self.window
            window.append(now)
            return None

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        with self._received_cond:
            self._received += 1
            self._received_cond.notify_all()
        parts = urlsplit(handler.path)
        path = parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            length = int(handler.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            _send(handler, _json(400, {"code": 400, "msg": "bad Content-Length"}), self)
            return
        if length > MAX_BODY_BYTES:
            _send(handler, _json(413, {"code": 413, "msg": "请求体过大"}), self)
            return
        raw = handler.rfile.read(length) if length > 0 else b""
        form: dict[str, str] = {}
        files: dict[str, bytes] = {}
        ctype = handler.headers.get("Content-Type", "")
        if raw and "application/x-www-form-urlencoded" in ctype:
            text = raw.decode("utf-8", "replace")
            form = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
        elif raw and "multipart/form-data" in ctype:
            form, files = _multipart(ctype, raw)
        req = _Request(method, path, query, form, raw, self._base_url, files)

        if path.startswith("/img/") or path.startswith("/item/"):
            _send(handler, self._static(req), self)
            return
        protocol = protocol_of(path)
        if protocol is None:
            _send(handler, _json(404, {"code": 404, "msg": "not found"}), self)
            return
        if not self._wait_latency():
            return
        arrived = self.clock()  # when the quota counts it; the log keeps this, not the answer's
        app_key = _app_key_of(protocol, req)
        fault = self._take_fault(path)
        if fault is not None and fault not in _CONTENT_FAULTS:
            answer = _fault_answer(fault, protocol, self.clock())
        else:
            try:
                answer = self._dispatch(protocol, req, fault)
            except _Refusal as refusal:
                answer = refusal.answer
            except Exception as exc:  # a sandbox bug: answer it visibly, never hang up silently
                answer = _json(500, {"code": 500, "msg": "sandbox internal error",
                                     "detail": type(exc).__name__})
        self._log(app_key, path, answer.outcome, arrived)
        _send(handler, answer, self)

    def _dispatch(self, protocol: str, req: _Request, fault: str | None) -> _Answer:
        if protocol == "vvic":
            return self._vvic_search(req, fault)
        if protocol == "vvic-open":
            return self._vvic_detail(req, fault)
        if protocol == "taobao":
            return self._top(req, fault)
        if protocol == "1688":
            return self._aop(req, fault)
        if req.path == "/taobao/upload_img/":
            return self._onebound_upload(req, fault)
        return self._onebound_search(req, fault)

    # -- images and pages ---------------------------------------------------------------------

    def _static(self, req: _Request) -> _Answer:
        fault = self._take_fault(req.path) if req.path.startswith("/img/") else None
        if fault is not None:
            return self._image_fault(fault, req)
        name = req.path.rsplit("/", 1)[-1]
        if req.path.startswith("/img/upload/") and name.endswith(".jpg"):
            with self._lock:
                data = self._uploads.get(name[:-4])
            if data is not None:
                return _Answer(200, data, 200, content_type=_image_type(data) or "image/jpeg")
        elif req.path.startswith("/img/") and name.endswith(".jpg"):
            with contextlib.suppress(KeyError):
                return _Answer(200, self.catalog.listing_image(name[:-4]), 200,
                               content_type="image/jpeg")
        elif req.path.startswith("/item/"):
            with contextlib.suppress(KeyError):
                listing = self.catalog.listing(name)
                title = html.escape(listing.title)
                page = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>"
                        f"{title}</title></head><body><h1>{title}</h1>"
                        f"<img src=\"/img/{listing.item_id}.jpg\"><p>¥{listing.price} · "
                        f"{html.escape(listing.stall_name)} · {listing.market_name} "
                        f"{listing.position}</p></body></html>")
                return _Answer(200, page.encode(), 200, content_type="text/html; charset=utf-8")
        return _Answer(404, b"not found", 404, content_type="text/plain")

    def _remember_upload(self, upload_id: str, data: bytes) -> None:
        """Keep an uploaded image (caller holds the lock); the oldest go first, so that a
        long demo session cannot grow without bound."""
        self._uploads[upload_id] = data
        self._uploads.move_to_end(upload_id)
        while len(self._uploads) > MAX_UPLOADS:
            self._uploads.popitem(last=False)

    def _image_fault(self, fault: str, req: _Request) -> _Answer:
        """Faults of an image download: a truncated JPEG ("malformed"), an HTML hotlink
        placeholder served as image/jpeg ("html"), no bytes ("empty", "missing-fields"), a
        drip ("slow"); status faults as for the API."""
        name = req.path.rsplit("/", 1)[-1].removesuffix(".jpg")
        try:
            data = self.catalog.listing_image(name)
        except KeyError:
            data = b"\xff\xd8\xff\xe0" + b"\x00" * 64
        if fault == "malformed":
            return _Answer(200, data[: len(data) // 2], 200, content_type="image/jpeg")
        if fault == "html":
            return _Answer(200, _PORTAL_PAGE, 200, content_type="image/jpeg")
        if fault in ("empty", "missing-fields"):
            return _Answer(200, b"", 200, content_type="image/jpeg")
        if fault == "slow":
            return _Answer(200, data, 200, content_type="image/jpeg", slow=True)
        return _fault_answer(fault, "img", self.clock())

    def _image_bytes_from_url(self, url: str) -> bytes | None:
        """An http URL given as an image: only images on this server can be fetched (the
        sandbox never leaves the machine)."""
        parts = urlsplit(url)
        base = urlsplit(self._base_url)
        try:
            port = parts.port
        except ValueError:
            return None
        if parts.scheme != "http" or port != base.port or parts.hostname not in (
            base.hostname, "localhost", "127.0.0.1",
        ):
            return None
        name = parts.path.rsplit("/", 1)[-1]
        if not name.endswith(".jpg"):
            return None
        if parts.path.startswith("/img/upload/"):
            with self._lock:
                return self._uploads.get(name[:-4])
        if parts.path.startswith("/img/"):
            try:
                return self.catalog.listing_image(name[:-4])
            except KeyError:
                return None
        return None

    # -- matching -----------------------------------------------------------------------------

    def _matches(self, image: Image.Image) -> list[tuple[Listing, float]]:
        """Listings ranked for a query: the best style's stalls first, then the next styles."""
        ranked: list[tuple[Listing, float]] = []
        for match in self._index.rank(image):
            style_rows = []
            for listing in self.catalog.listings_of(match.style_id):
                # Stalls of one style differ a little (their photos differ); stable per item.
                jitter = int(hashlib.md5(listing.item_id.encode()).hexdigest()[:4], 16) / 65535
                style_rows.append((listing, round(match.similarity * (1 - 0.03 * jitter), 4)))
            ranked += sorted(style_rows, key=lambda row: (-row[1], row[0].item_id))
        return ranked

    # -- VVIC V2.2 ----------------------------------------------------------------------------

    def _vvic_search(self, req: _Request, fault: str | None) -> _Answer:
        def bad(detail: str) -> _Refusal:
            return _Refusal(_json(400, {"code": 400, "msg": "参数无效", "detail": detail}))

        if req.method != "POST":
            raise _Refusal(_json(405, {"code": 405, "msg": "请使用POST"}, outcome=400))
        try:
            body = json.loads(req.raw_body.decode("utf-8"), parse_int=_RawNumber,
                              parse_float=_RawNumber)
        except (UnicodeDecodeError, ValueError) as exc:
            raise bad("body is not JSON") from exc
        if not isinstance(body, dict):
            raise bad("body is not a JSON object")
        app_key = body.get("app_key")
        secret = self._secrets["vvic"].get(app_key) if isinstance(app_key, str) else None
        if secret is None:
            raise _Refusal(_json(401, {"code": 401, "msg": "app_key无效"}))
        image_value = body.get("image_base64")
        if not isinstance(image_value, str) or not image_value:
            raise bad("image_base64 missing")
        raw_b64 = _vvic_raw_image(image_value)
        signed = {k: (raw_b64 if k == "image_base64" else v) for k, v in body.items()}
        expected = hashlib.md5(
            (secret + _concat(signed, skip_empty=False) + secret).encode("utf-8")
        ).hexdigest()
        if not _same(str(body.get("sign", "")), expected):
            raise _Refusal(_json(401, {"code": 401, "msg": "签名错误"}))
        timestamp = body.get("timestamp")
        try:
            ts_ms = int(str(timestamp))
        except ValueError as exc:
            raise bad("timestamp must be milliseconds") from exc
        if abs(ts_ms / 1000.0 - self.clock()) > TIMESTAMP_SKEW:
            raise _Refusal(_json(401, {"code": 401, "msg": "时间戳已过期"}))
        if body.get("version") != "2.2":
            raise bad("version must be 2.2")
        max_results = body.get("max_results", _RawNumber("20"))
        if not isinstance(max_results, _RawNumber) or not str(max_results).isdigit() or not (
            1 <= int(max_results) <= 50
        ):
            raise bad("max_results must be an integer 1-50")
        filters = _vvic_filters(body)
        if filters is None:
            raise bad("bad filter value")
        retry_after = self._admit(str(app_key))
        if retry_after is not None:
            raise _Refusal(_json(429, {"code": 429, "msg": "请求过于频繁,请稍后再试"},
                                 headers={"Retry-After": str(math.ceil(retry_after))}))
        try:
            data = base64.b64decode(raw_b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise bad("image_base64 is not base64") from exc
        image = _check_image(data, min_side=MIN_IMAGE_SIDE)
        if isinstance(image, str):
            raise bad(image)

        items: list[dict[str, Any]] = []
        for listing, similarity in self._matches(image):
            if not _passes(listing, filters):
                continue
            items.append(self._vvic_item(listing, similarity, req.base_url))
            if len(items) >= int(max_results):
                break
        return _success(fault, lambda rows: {"code": 200, "msg": "success",
                                             "data": {"items": rows}}, items)

    def _vvic_item(self, listing: Listing, similarity: float, base: str) -> dict[str, Any]:
        return {
            "item_id": listing.item_id,
            "title": listing.title,
            "price": listing.price,
            "stock": listing.stock,
            "credit_level": listing.credit_level,
            "sales": listing.sales,
            "image_url": f"{base}/img/{listing.item_id}.jpg",
            "similarity": similarity,
            "shop_name": listing.stall_name,
            "market": listing.market_name,
            "position": listing.position,
            "batch_num": listing.min_order,
            "art_no": listing.art_no,
            "detail_url": f"{base}/item/{listing.item_id}",
        }

    # -- VVIC open platform -------------------------------------------------------------------

    def _vvic_detail(self, req: _Request, fault: str | None) -> _Answer:
        params = dict(req.query)
        app_id = params.get("app_id", "")
        for name in ("app_id", "timestamp", "sign", "item_vid"):
            if not params.get(name):
                raise _Refusal(_json(400, {"status": 400, "message": f"缺少参数 {name}"}))
        secret = self._secrets["vvic-open"].get(app_id)
        if secret is None:
            raise _Refusal(_json(401, {"status": 401, "message": "app_id无效"}))
        message = _concat(params, skip_empty=False) + secret + params["timestamp"]
        expected = hmac.new(secret.encode(), message.encode("utf-8"), hashlib.sha256).hexdigest()
        if not _same(params["sign"].lower(), expected):
            raise _Refusal(_json(401, {"status": 401, "message": "签名错误"}))
        try:
            ts_ms = int(params["timestamp"])
        except ValueError as exc:
            raise _Refusal(_json(400, {"status": 400, "message": "timestamp无效"})) from exc
        if abs(ts_ms / 1000.0 - self.clock()) > TIMESTAMP_SKEW:
            raise _Refusal(_json(401, {"status": 401, "message": "时间戳已过期"}))
        retry_after = self._admit(app_id)
        if retry_after is not None:
            raise _Refusal(_json(429, {"status": 429, "message": "调用频率超限"},
                                 headers={"Retry-After": str(math.ceil(retry_after))}))
        rows: list[dict[str, Any]] = []
        for vid in params["item_vid"].split(","):
            try:
                listing = self.catalog.listing(vid.strip())
            except KeyError:
                continue
            floor, _, stall_no = listing.position.partition("-")
            rows.append({
                "item_vid": listing.item_id,
                "item_title": listing.title,
                "price": listing.price,
                "shop_name": listing.stall_name,
                "shop_id": "s" + hashlib.md5(listing.stall_name.encode()).hexdigest()[:8],
                "market_code": self.catalog.market_code(listing.item_id),
                "market_name": listing.market_name,
                "supply_level": {"A": "金牌档口", "B": "实力档口", "C": "普通档口"}[
                    listing.credit_level],
                "art_no": listing.art_no,
                "floor": floor,
                "stall_no": stall_no,
                "stock": listing.stock,
                "batch_num": listing.min_order,
                "index_img_url": f"{req.base_url}/img/{listing.item_id}.jpg",
            })
        return _success(fault, lambda items: {"status": 200, "message": "success",
                                              "data": {"item_list": items}}, rows)

    # -- Taobao TOP ---------------------------------------------------------------------------

    def _top(self, req: _Request, fault: str | None) -> _Answer:
        params = {**req.query, **req.form}

        def error(code: int, msg: str, outcome: int, sub_code: str = "", sub_msg: str = "",
                  headers: dict[str, str] | None = None) -> _Refusal:
            payload: dict[str, Any] = {"code": code, "msg": msg}
            if sub_code:
                payload["sub_code"] = sub_code
            if sub_msg:
                payload["sub_msg"] = sub_msg
            payload["request_id"] = hashlib.md5(repr(sorted(params)).encode()).hexdigest()[:13]
            return _Refusal(_json(200, {"error_response": payload}, outcome=outcome,
                                  headers=headers))

        method = params.get("method", "")
        if not method:
            raise error(21, "Missing Method", 400)
        app_key = params.get("app_key", "")
        if not app_key:
            raise error(28, "Missing App Key", 401)
        secret = self._secrets["taobao"].get(app_key)
        if secret is None:
            raise error(29, "Invalid App Key", 401)
        sign_method = params.get("sign_method", "md5")
        if not params.get("sign"):
            raise error(24, "Missing Signature", 401)
        expected = _top_sign(params, secret, sign_method)
        if expected is None:
            raise error(25, "Invalid Signature", 401, "isv.invalid-signature",
                        f"unsupported sign_method {sign_method}")
        if not _same(params["sign"], expected):
            raise error(25, "Invalid Signature", 401)
        stamp = params.get("timestamp", "")
        try:
            sent = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
        except ValueError as exc:
            raise error(31, "Invalid Timestamp", 401, "isv.invalid-timestamp",
                        "timestamp must be yyyy-MM-dd HH:mm:ss") from exc
        if abs(sent.timestamp() - self.clock()) > TIMESTAMP_SKEW:
            raise error(31, "Invalid Timestamp", 401, "isv.invalid-timestamp",
                        "the timestamp differs from the server time by more than 10 minutes")
        if params.get("v", "2.0") != "2.0":
            raise error(34, "Unsupported Version", 400)
        if params.get("format", "xml") != "json":
            raise error(41, "Invalid Arguments", 400, "isv.invalid-parameter:format",
                        "the sandbox answers format=json only")
        if params.get("session") and not params["session"].startswith("demo"):
            raise error(27, "Invalid Session", 401, "invalid-sessionkey", "session无效")
        if method != "taobao.image.search":
            raise error(22, "Invalid Method", 404, "isv.method-not-exist",
                        f"{method} is not served by the sandbox")
        retry_after = self._admit(app_key)
        if retry_after is not None:
            seconds = math.ceil(retry_after)
            raise error(7, "App Call Limited", 429, "accesscontrol.limited-by-app-access-count",
                        f"This ban will last for {seconds} more seconds",
                        headers={"Retry-After": str(seconds)})
        image_data = params.get("image_data", "")
        if "image_data" in req.files:
            # A file part (TOP's byte[] parameter): sent raw, outside the signature.
            data: bytes = req.files["image_data"]
        elif not image_data:
            raise error(40, "Missing Required Arguments", 400, "isv.missing-parameter",
                        "image_data")
        elif image_data.startswith("http://") or image_data.startswith("https://"):
            fetched = self._image_bytes_from_url(image_data)
            if fetched is None:
                raise error(41, "Invalid Arguments", 400, "isv.invalid-parameter:image_data",
                            "the image URL cannot be fetched")
            data = fetched
        else:
            try:
                data = base64.b64decode(image_data, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise error(41, "Invalid Arguments", 400, "isv.invalid-parameter:image_data",
                            "image_data is not base64") from exc
        image = _check_image(data, min_side=1)
        if isinstance(image, str):
            raise error(41, "Invalid Arguments", 400, "isv.invalid-parameter:image_data", image)
        try:
            page = max(1, int(params.get("page") or 1))
        except ValueError as exc:
            raise error(41, "Invalid Arguments", 400, "isv.invalid-parameter:page",
                        "page must be a number") from exc
        cat = params.get("cat", "")
        matches = [
            (listing, sim) for listing, sim in self._matches(image)
            if not cat or TAOBAO_CATS[self.catalog.style(listing.style_id).category] == cat
        ]
        total = len(matches)
        rows = [
            {
                "num_iid": int(listing.item_id),
                "title": listing.title,
                "pic_url": f"{req.base_url}/img/{listing.item_id}.jpg",
                "price": listing.price,
                "sales": listing.sales,
                "seller_nick": listing.stall_name,
                "detail_url": f"{req.base_url}/item/{listing.item_id}",
                "is_tmall": False,
            }
            for listing, _ in matches[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        ]
        return _success(fault, lambda items: {"image_search_response": {
            "items": {"item": items}, "total_results": total if items else 0}}, rows)

    # -- OneBound -----------------------------------------------------------------------------

    def _onebound_auth(self, req: _Request) -> str:
        key = req.param("key") or ""
        secret = req.param("secret") or ""
        known = self._secrets["onebound"].get(key)
        if known is None or not _same(secret, known):
            raise _Refusal(_onebound(401, error="授权验证失败", reason="key或secret错误",
                                     error_code="4005"))
        retry_after = self._admit(key)
        if retry_after is not None:
            seconds = math.ceil(retry_after)
            raise _Refusal(_onebound(429, error="请求过于频繁", error_code="4011",
                                     reason=f"请求过于频繁,请{seconds}秒后再试",
                                     headers={"Retry-After": str(seconds)}))
        day = datetime.fromtimestamp(self.clock(), CHINA).strftime("%Y-%m-%d")
        with self._lock:
            used = self._daily.get((key, day), 0)
            if used >= self.onebound_daily_max:
                over = True
            else:
                over = False
                self._daily[(key, day)] = used + 1
        if over:
            raise _Refusal(_onebound(429, error="今日调用次数已用完", error_code="4013",
                                     reason="今日调用次数已超出上限,请明日再试或升级套餐",
                                     api_info=self._api_info(key)))
        return key

    def _api_info(self, key: str) -> str:
        day = datetime.fromtimestamp(self.clock(), CHINA).strftime("%Y-%m-%d")
        with self._lock:
            used = self._daily.get((key, day), 0)
        return f"today:{used} max:{self.onebound_daily_max}"

    def _onebound_upload(self, req: _Request, fault: str | None) -> _Answer:
        key = self._onebound_auth(req)
        code = (req.param("imgcode") or "").strip()
        data: bytes | None
        if "imgcode" in req.files:
            data = req.files["imgcode"]
        elif not code:
            raise _Refusal(_onebound(400, error="参数错误", reason="imgcode不能为空",
                                     error_code="4006", api_info=self._api_info(key)))
        elif code.startswith("http://") or code.startswith("https://"):
            data = self._image_bytes_from_url(code)
        else:
            if code.startswith("data:") and "," in code:
                code = code.split(",", 1)[1]
            try:
                # Forms may turn `+` into spaces when the client forgot to escape it.
                data = base64.b64decode(code.replace(" ", "+"), validate=True)
            except (binascii.Error, ValueError):
                data = None
        image = _check_image(data, min_side=1) if data is not None else "图片无法读取"
        if data is None or isinstance(image, str):
            raise _Refusal(_onebound(400, error="图片上传失败", reason=f"imgcode无效: {image}",
                                     error_code="4006", api_info=self._api_info(key)))
        upload_id = hashlib.sha1(data).hexdigest()[:20]
        with self._lock:
            self._remember_upload(upload_id, data)
        name = f"{req.base_url}/img/upload/{upload_id}.jpg"
        if fault in _CONTENT_FAULTS:
            return _content_fault(fault, {"items": {"item": {"name": name}}, "error": "",
                                          "reason": "", "error_code": "0000",
                                          "api_info": self._api_info(key)}, empty_key=None)
        return _onebound(200, items={"item": {"name": name}}, api_info=self._api_info(key))

    def _onebound_search(self, req: _Request, fault: str | None) -> _Answer:
        key = self._onebound_auth(req)
        imgid = (req.param("imgid") or "").strip()
        data = self._image_bytes_from_url(imgid) if imgid else None
        if data is None:
            raise _Refusal(_onebound(400, error="参数错误", error_code="4006",
                                     reason="imgid无效,请先调用upload_img上传图片",
                                     api_info=self._api_info(key)))
        image = _check_image(data, min_side=1)
        if isinstance(image, str):
            raise _Refusal(_onebound(400, error="图片无法识别", reason=image, error_code="4006",
                                     api_info=self._api_info(key)))
        try:
            page = max(1, int(req.param("page") or 1))
        except ValueError:
            page = 1
        vvic = req.path.startswith("/vvic/")
        matches = self._matches(image)
        rows = []
        for listing, _ in matches[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]:
            price = listing.price.split("-")[0]
            promotion = f"{float(price) * 0.95:.2f}" if listing.sales > 100 else price
            rows.append({
                "num_iid": listing.item_id,
                "title": listing.title,
                "pic_url": f"{req.base_url}/img/{listing.item_id}.jpg",
                "price": listing.price,
                "promotion_price": promotion,
                "sales": listing.sales,
                "seller_nick": listing.stall_name,
                "area": listing.market_name if vvic else _MARKET_AREAS.get(
                    listing.market_name, ""),
                "position": listing.position if vvic else "",
                "hid": listing.art_no if vvic else "",
                "detail_url": f"{req.base_url}/item/{listing.item_id}",
            })
        envelope = {
            "items": {"page": str(page), "real_total_results": str(len(matches)),
                      "total_results": str(len(matches)), "item": rows},
            "error": "", "reason": "", "error_code": "0000", "api_info": self._api_info(key),
        }
        if fault in _CONTENT_FAULTS:
            return _content_fault(fault, envelope, empty_key="items.item")
        return _json(200, envelope)


    # -- 1688 AOP --------------------------------------------------------------------------------

    def _aop(self, req: _Request, fault: str | None) -> _Answer:
        def gateway(status: int, code: str, message: str, outcome: int | None = None,
                    headers: dict[str, str] | None = None) -> _Refusal:
            return _Refusal(_json(status, {
                "error_code": code, "error_message": message, "exception": message,
                "request_id": hashlib.md5(req.path.encode()).hexdigest()[:16],
            }, outcome=outcome, headers=headers))

        def business(code: str, message: str, outcome: int = 400) -> _Refusal:
            return _Refusal(_json(200, {"result": {"success": False, "code": code,
                                                   "message": message}}, outcome=outcome))

        url_path = req.path[len(AOP_PREFIX):]
        parts = url_path.split("/")
        if req.method != "POST":
            raise gateway(400, "gw.HttpMethodNotAllowed", "use POST", outcome=400)
        if len(parts) != 5 or parts[:3] != ["param2", "1", AOP_NAMESPACE] or \
                parts[3] not in AOP_APIS:
            raise gateway(404, "gw.ApiNotExist", f"api {url_path} does not exist")
        api, app_key = parts[3], parts[4]
        secret = self._secrets["1688"].get(app_key)
        if secret is None:
            raise gateway(401, "gw.AppKeyNotExist", "AppKey does not exist")
        params = {**req.query, **req.form}
        given = params.pop("_aop_signature", "")
        message = url_path + "".join(k + params[k] for k in sorted(params))
        expected = hmac.new(secret.encode(), message.encode("utf-8"), hashlib.sha1).hexdigest()
        if not given or not _same(given, expected.upper()):
            raise gateway(401, "gw.SignatureInvalid", "Request signature is invalid")
        if "_aop_timestamp" in params:
            try:
                sent = int(params["_aop_timestamp"]) / 1000.0
            except ValueError:
                sent = 0.0
            if abs(sent - self.clock()) > TIMESTAMP_SKEW:
                raise gateway(401, "gw.TimestampInvalid", "_aop_timestamp is out of range")
        retry_after = self._admit(app_key)
        if retry_after is not None:
            seconds = math.ceil(retry_after)
            raise gateway(429, "gw.QosAppFrequencyLimit",
                          f"App call frequency limit, retry in {seconds} s",
                          headers={"Retry-After": str(seconds)})

        if api == "product.image.upload":
            try:
                upload = json.loads(params.get("uploadImageParam", ""))
                data = base64.b64decode(str(upload["imageBase64"]), validate=True)
            except (ValueError, KeyError, TypeError, binascii.Error) as exc:
                raise business("400", "uploadImageParam.imageBase64 无效 (image invalid)") \
                    from exc
            image = _check_image(data, min_side=1)
            if isinstance(image, str):
                raise business("400", f"图片无效 image: {image}")
            image_id = hashlib.sha1(data).hexdigest()[:20]
            with self._lock:
                self._remember_upload(image_id, data)
            return _json(200, {"result": {"success": True, "code": "200", "message": "",
                                          "result": image_id}})

        try:
            query = json.loads(params.get("offerQueryParam", ""))
            image_id = str(query["imageId"])
            page = max(1, int(query.get("beginPage", 1)))
            size = int(query.get("pageSize", 20))
            low = float(query["priceStart"]) if query.get("priceStart") not in (None, "") \
                else None
            high = float(query["priceEnd"]) if query.get("priceEnd") not in (None, "") else None
            category = str(query.get("categoryId") or "")
        except (ValueError, KeyError, TypeError) as exc:
            raise business("400", "offerQueryParam 无效") from exc
        if not 1 <= size <= 50:
            raise business("400", "pageSize must be 1-50")
        with self._lock:
            uploaded = self._uploads.get(image_id)
        if uploaded is None:
            raise business("400", "imageId 不存在 (image not found), upload it first")
        image = _check_image(uploaded, min_side=1)
        assert not isinstance(image, str)  # checked at upload
        filters: dict[str, Any] = {}
        if low is not None:
            filters["price_min"] = low
        if high is not None:
            filters["price_max"] = high
        matches = [
            (listing, sim) for listing, sim in self._matches(image)
            if _passes(listing, filters) and (not category or TAOBAO_CATS[
                self.catalog.style(listing.style_id).category] == category)
        ]
        rows = [self._aop_offer(listing, req.base_url)
                for listing, _ in matches[(page - 1) * size: page * size]]
        total = len(matches)
        return _success(fault, lambda items: {"result": {
            "success": True, "code": "200", "message": "",
            "result": {"totalRecords": total, "totalPage": max(1, math.ceil(total / size)),
                       "pageSize": size, "currentPage": page, "data": items}}}, rows)

    def _aop_offer(self, listing: Listing, base: str) -> dict[str, Any]:
        low = listing.price.split("-")[0]
        digest = int(hashlib.md5(listing.item_id.encode()).hexdigest()[:6], 16)
        identities = {"A": ["powerful_merchants", "super_factory"], "B": ["powerful_merchants"],
                      "C": []}[listing.credit_level]
        return {
            "offerId": int(listing.item_id),
            "subject": listing.title,
            "subjectTrans": "",
            "imageUrl": f"{base}/img/{listing.item_id}.jpg",
            "priceInfo": {"price": low, "consignPrice": f"{float(low) * 1.1:.2f}"},
            "monthSold": listing.sales,
            "repurchaseRate": f"{digest % 40 + 5}%",
            "minOrderQuantity": listing.min_order,
            "companyName": f"{listing.market_name}{listing.stall_name}",
            "sellerIdentities": identities,
        }


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: SandboxServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints a traceback to stderr; a client that hangs up mid-request is
        # not an error of the sandbox, and nothing may reach the terminal of `vvic sandbox`.
        return


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
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


def _send(handler: BaseHTTPRequestHandler, answer: _Answer, server: SandboxServer) -> None:
    try:
        handler.send_response(answer.http_status)
        handler.send_header("Content-Type", answer.content_type)
        handler.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if not answer.slow:
            handler.wfile.write(answer.body)
            return
        handler.wfile.flush()
        # A slow-loris answer: one byte at a time, slower than any read timeout notices.
        for index in range(len(answer.body)):
            if server._stopping.wait(0.4):
                return
            handler.wfile.write(answer.body[index:index + 1])
            handler.wfile.flush()
    except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
        return  # the client gave up: nothing to answer to


# -- protocol helpers ----------------------------------------------------------------------------


def _app_key_of(protocol: str, req: _Request) -> str:
    if protocol == "vvic":
        try:
            body = json.loads(req.raw_body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return ""
        key = body.get("app_key") if isinstance(body, dict) else None
        return key if isinstance(key, str) else ""
    if protocol == "vvic-open":
        return req.query.get("app_id", "")
    if protocol == "taobao":
        return req.query.get("app_key") or req.form.get("app_key", "")
    if protocol == "1688":
        return req.path.rstrip("/").rsplit("/", 1)[-1]
    return req.param("key") or ""


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


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison that also copes with non-ASCII input from a client."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return value  # a _RawNumber is a str: its text as written in the JSON
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _concat(params: dict[str, Any], *, skip_empty: bool) -> str:
    parts = []
    for key in sorted(params):
        if key == "sign":
            continue
        text = _value_text(params[key])
        if skip_empty and text == "":
            continue
        parts.append(key + text)
    return "".join(parts)


def _top_sign(params: dict[str, str], secret: str, sign_method: str) -> str | None:
    concat = _concat(params, skip_empty=True).encode("utf-8")
    key = secret.encode("utf-8")
    if sign_method == "md5":
        return hashlib.md5(key + concat + key).hexdigest().upper()
    if sign_method == "hmac":
        return hmac.new(key, concat, hashlib.md5).hexdigest().upper()
    if sign_method == "hmac-sha256":
        return hmac.new(key, concat, hashlib.sha256).hexdigest().upper()
    return None


def _vvic_raw_image(value: str) -> str:
    if value.startswith("data:") and "," in value:
        value = value.split(",", 1)[1]
    return value.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")


def _image_type(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _check_image(data: bytes, *, min_side: int) -> Image.Image | str:
    """The decoded image, or why it is refused (JPG/PNG/WebP by content, ≤ 5 MB, min side)."""
    if len(data) > MAX_IMAGE_BYTES:
        return f"image is {len(data)} bytes, over 5 MB"
    kind = _image_type(data)
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


def _vvic_filters(body: dict[str, Any]) -> dict[str, Any] | None:
    filters: dict[str, Any] = {}
    try:
        for name in ("price_min", "price_max"):
            if body.get(name) not in (None, ""):
                filters[name] = float(str(body[name]))
        for name in ("batch_num", "stock"):
            if body.get(name) not in (None, ""):
                filters[name] = int(str(body[name]))
    except ValueError:
        return None
    level = body.get("credit_level")
    if level not in (None, ""):
        if str(level).upper() not in _CREDIT_RANK:
            return None
        filters["credit_level"] = str(level).upper()
    return filters


def _passes(listing: Listing, filters: dict[str, Any]) -> bool:
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
    return not ("credit_level" in filters and _CREDIT_RANK[listing.credit_level] <
                _CREDIT_RANK[filters["credit_level"]])


def _onebound(outcome: int, *, error: str = "", reason: str = "", error_code: str = "0000",
              items: Any = None, api_info: str = "",
              headers: dict[str, str] | None = None) -> _Answer:
    payload: dict[str, Any] = {}
    if items is not None:
        payload["items"] = items
    payload.update(error=error, reason=reason, error_code=error_code)
    if api_info:
        payload["api_info"] = api_info
    return _json(200, payload, outcome=outcome, headers=headers)


def _success(fault: str | None, wrap: Callable[[list[dict[str, Any]]], dict[str, Any]],
             rows: list[dict[str, Any]]) -> _Answer:
    if fault == "empty":
        return _json(200, wrap([]))
    if fault == "missing-fields":
        return _json(200, wrap(_damage(rows)))
    if fault == "malformed":
        return _truncated(wrap(rows))
    return _json(200, wrap(rows))


def _content_fault(fault: str | None, envelope: dict[str, Any], *,
                   empty_key: str | None) -> _Answer:
    if fault == "malformed":
        return _truncated(envelope)
    if fault == "empty" and empty_key == "items.item":
        envelope["items"]["item"] = []
    elif fault == "empty":
        envelope["items"] = {}
    elif fault == "missing-fields" and empty_key == "items.item":
        envelope["items"]["item"] = _damage(envelope["items"]["item"])
    elif fault == "missing-fields":
        envelope["items"] = {"item": {"name": None}}
    return _json(200, envelope)


def _truncated(payload: dict[str, Any]) -> _Answer:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    cut = max(1, len(body) * 2 // 3)
    return _Answer(200, body[:cut], 200)


def _damage(rows: list[dict[str, Any]]) -> list[Any]:
    """Items as a careless upstream sends them: fields missing, null, of the wrong type, and
    prices "", "69-89" and null. The first row is left intact so that a client can still
    show something; one row is not even an object."""
    damaged: list[Any] = []
    price_cycle = ("", "69-89", None, 69, "¥69", "abc")
    for index, row in enumerate(rows):
        row = dict(row)
        if index == 0:
            damaged.append(row)
            continue
        kind = index % 7
        price_key = "price"
        if kind == 1:
            row[price_key] = price_cycle[(index // 7) % len(price_cycle)]
        elif kind == 2:
            for name in ("title", "item_title", "pic_url", "image_url"):
                row.pop(name, None)
        elif kind == 3:
            for name in list(row)[:3]:
                row[name] = None
        elif kind == 4:
            for name in ("stock", "sales", "similarity", "batch_num"):
                if name in row:
                    row[name] = "many"
            row[price_key] = ""
        elif kind == 5:
            row[price_key] = "69-89"
            for name in ("item_id", "num_iid", "item_vid"):
                row.pop(name, None)
        else:
            damaged.append(None if index % 2 else "not an item")
            continue
        damaged.append(row)
    if len(rows) > 1:
        damaged.append({"price": None})
    return damaged


def _fault_answer(fault: str, protocol: str, now: float) -> _Answer:
    if fault.startswith("429"):
        headers = {}
        if fault == "429":
            headers["Retry-After"] = "7"
        elif fault == "429-long":
            headers["Retry-After"] = "86400"
        elif fault == "429-http-date":
            # RFC 9110 allows a date: 7 s after the server's own clock.
            headers["Retry-After"] = email.utils.formatdate(now + 7, usegmt=True)
        answer = _json(429, _quota_body(protocol), outcome=429)
        answer.headers.update(headers)
        return answer
    if fault == "500":
        return _json(500, _server_error_body(protocol), outcome=500)
    if fault == "502":
        return _Answer(502, _NGINX_502, 502, content_type="text/html")
    if fault == "504":
        return _Answer(504, _NGINX_504, 504, content_type="text/html")
    if fault == "503":
        return _Answer(503, _NGINX_503, 503, content_type="text/html")
    if fault == "html":
        return _Answer(200, _PORTAL_PAGE, 200, content_type="text/html; charset=utf-8")
    if fault == "slow":
        body = json.dumps({"code": 200, "msg": "success", "data": {"items": []},
                           "padding": "." * 400}).encode()
        return _Answer(200, body, 200, slow=True)
    if fault == "permission":
        return _json(200 if protocol in ("taobao", "onebound") else 403,
                     _permission_body(protocol), outcome=403)
    # "isp": TOP's transient remote-service error; elsewhere a plain 500.
    if protocol == "taobao":
        return _json(200, {"error_response": {
            "code": 15, "msg": "Remote service error", "sub_code": "isp.remote-service-timeout",
            "sub_msg": "服务超时,请稍后重试"}}, outcome=503)
    return _json(500, _server_error_body(protocol), outcome=500)


def _quota_body(protocol: str) -> dict[str, Any]:
    if protocol == "taobao":
        return {"error_response": {"code": 7, "msg": "App Call Limited",
                                   "sub_code": "accesscontrol.limited-by-app-access-count",
                                   "sub_msg": "This ban will last for 7 more seconds"}}
    if protocol == "onebound":
        return {"error": "请求过于频繁", "reason": "请求过于频繁,请稍后再试",
                "error_code": "4011"}
    if protocol == "vvic-open":
        return {"status": 429, "message": "调用频率超限"}
    if protocol == "img":
        return {"error": "too many requests"}
    if protocol == "1688":
        return {"error_code": "gw.QosAppFrequencyLimit", "error_message": "App call limited"}
    return {"code": 429, "msg": "请求过于频繁,请稍后再试"}


def _server_error_body(protocol: str) -> dict[str, Any]:
    if protocol == "taobao":
        return {"error_response": {"code": 15, "msg": "Remote service error",
                                   "sub_code": "isp.remote-service-error",
                                   "sub_msg": "服务暂时不可用"}}
    if protocol == "onebound":
        return {"error": "服务器错误", "reason": "服务器内部错误", "error_code": "5000"}
    if protocol == "vvic-open":
        return {"status": 500, "message": "服务器内部错误"}
    if protocol == "1688":
        return {"error_code": "gw.SystemError", "error_message": "system error"}
    return {"code": 500, "msg": "服务器内部错误"}


def _permission_body(protocol: str) -> dict[str, Any]:
    if protocol == "taobao":
        return {"error_response": {"code": 11, "msg": "Insufficient isv permissions",
                                   "sub_code": "isv.permission-api-package-limit",
                                   "sub_msg": "该应用未开通此接口权限"}}
    if protocol == "onebound":
        return {"error": "接口未开通", "reason": "该key未开通此接口", "error_code": "4004"}
    if protocol == "vvic-open":
        return {"status": 403, "message": "无接口权限"}
    if protocol == "1688":
        return {"error_code": "gw.PermissionDenied", "error_message": "no permission for api"}
    return {"code": 403, "msg": "无接口权限"}


def http_date_to_epoch(value: str) -> float:
    """Parse an HTTP Date header (for tests and tools measuring the server's clock)."""
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        raise ValueError(f"not an HTTP date: {value!r}")
    return float(calendar.timegm(parsed[:9])) - (parsed[9] or 0)


__all__ = ["DEMO_CREDENTIALS", "FAULTS", "CallRecord", "SandboxServer", "http_date_to_epoch"]
