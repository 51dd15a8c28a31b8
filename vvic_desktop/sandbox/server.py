"""The demo marketplace: a loopback HTTP server that speaks the protocols of DESIGN §4.

Endpoints (each protocol implemented on its own, in its own module, signatures verified there):

- VVIC V2.2 image search (``sandbox/vvic.py``): ``POST /api/search/item/image`` (JSON, lower
  md5 signature).
- VVIC open platform (``sandbox/vvic_open.py``): ``GET /api/item/detail/v1`` (HMAC-SHA256).
- Taobao TOP router (``sandbox/taobao.py``): ``POST|GET /router/rest`` with
  ``method=taobao.image.search``.
- OneBound gateway (``sandbox/onebound.py``): ``GET /vvic/item_search_img/``,
  ``GET /taobao/item_search_img/`` and ``POST|GET /taobao/upload_img/``.
- 1688 AOP gateway (``sandbox/alibaba1688.py``):
  ``POST /openapi/param2/1/com.alibaba.fenxiao.crossborder/<api>/<app_key>`` for
  ``product.image.upload`` and ``product.search.imageQuery`` (HMAC-SHA1 ``_aop_signature``).
- Images: ``GET /img/<item_id>.jpg`` (listing photos), ``GET /img/upload/<id>.jpg``
  (OneBound uploads); ``GET /item/<item_id>`` a small detail page (the ``detail_url``).

Every API call waits ``uniform(*latency)`` seconds (interruptible by ``stop()``), is checked
against a per-app-key sliding 60-second quota on the injectable clock, and is recorded in
``call_log``. Faults (``sandbox/faults.py``) are scripted with ``inject()`` or drawn at random
with ``fail_rate``. The HTTP plumbing is ``sandbox/wire.py``. Nothing secret is logged: the
server writes no log at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import random
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import NamedTuple
from urllib.parse import urlsplit

from PIL import Image

from vvic_desktop.sandbox import alibaba1688, onebound, taobao, vvic, vvic_open
from vvic_desktop.sandbox.catalog import Catalog, Listing
from vvic_desktop.sandbox.faults import (
    CONTENT_FAULTS,
    FAULT_DESCRIPTIONS,
    FAULTS,
    Fault,
    fault_answer,
    image_fault_answer,
)
from vvic_desktop.sandbox.matching import StyleIndex, index_for
from vvic_desktop.sandbox.wire import (
    Answer,
    Handler,
    HTTPServer,
    Refusal,
    Request,
    Speaker,
    http_date_to_epoch,
    image_type,
    json_answer,
    read_request,
    send,
)

# The demo keys that `vvic --demo` and the GUI's demo mode use. They are public by design
# (they open nothing but this loopback server).
DEMO_CREDENTIALS: dict[str, tuple[str, str]] = {
    "vvic": ("vvic-demo-key", "vvic-demo-secret-7f3a"),
    "vvic-open": ("vvic-open-demo-app", "vvic-open-demo-secret-91c2"),
    "taobao": ("12345678", "taobao-demo-secret-5d0e"),
    "onebound": ("onebound-demo-key", "onebound-demo-secret-2b8f"),
    "1688": ("1688-demo-key", "1688-demo-secret-c4e1"),
}
# The OAuth access tokens the sandbox accepts (1688: a member's authorisation of the app).
DEMO_TOKENS: dict[str, str] = {"1688": "1688-demo-token-8a0d"}
# The market names of DESIGN §4 that reach OneBound's gateway share its key.
DEMO_CREDENTIALS["onebound-vvic"] = DEMO_CREDENTIALS["onebound"]
DEMO_CREDENTIALS["onebound-taobao"] = DEMO_CREDENTIALS["onebound"]

# URL path -> protocol; `inject(endpoint=...)` takes either.
ENDPOINTS: dict[str, str] = {
    vvic.PATH: "vvic",
    vvic_open.PATH: "vvic-open",
    taobao.PATH: "taobao",
    **{path: "onebound" for path in onebound.PATHS},
}
AOP_PREFIX = alibaba1688.AOP_PREFIX


def protocol_of(path: str) -> str | None:
    """The protocol an API path belongs to ("vvic", "taobao", "1688" …), None if none."""
    if path.startswith(AOP_PREFIX):
        return "1688"
    return ENDPOINTS.get(path)


WINDOW_SECONDS = 60.0
MAX_UPLOADS = 256


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


class Captured(NamedTuple):
    """An API request as it arrived (``SandboxServer(capture=True)``), for tests that show
    what a client sends: where each parameter travelled (URL query, form body, file part).
    Kept in memory only, the last MAX_CAPTURED; secrets included, so never in a demo."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    files: tuple[str, ...]
    content_type: str


MAX_CAPTURED = 500


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
        capture: bool = False,
        onebound_upload_shape: str = "mixed",
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
        if onebound_upload_shape not in onebound.UPLOAD_SHAPES:
            raise ValueError(f"onebound_upload_shape must be one of {onebound.UPLOAD_SHAPES}")
        # "url": the picture's URL in `name`; "id": a bare id in `name`, the URL in `url`;
        # "mixed": either, by the picture, so that a demo session meets both.
        self.onebound_upload_shape = onebound_upload_shape
        self.call_log: list[CallRecord] = []
        self.capture = capture
        self.captured: deque[Captured] = deque(maxlen=MAX_CAPTURED)
        self._lock = threading.Lock()
        self._rng = random.Random(f"vvic-sandbox-server:{seed}")
        self._windows: dict[str, deque[float]] = {}
        self._faults: list[Fault] = []
        self._uploads: OrderedDict[str, bytes] = OrderedDict()
        self._stopping = threading.Event()
        self._received = 0
        self._received_cond = threading.Condition()
        self._httpd: HTTPServer | None = None
        self._base_url = ""
        self._thread: threading.Thread | None = None
        self._index: StyleIndex = index_for(self.catalog)
        self._secrets: dict[str, dict[str, str]] = {
            name: {key: secret} for name, (key, secret) in DEMO_CREDENTIALS.items()
            if name in ("vvic", "vvic-open", "taobao", "onebound", "1688")
        }
        # Tokens the gateway accepts; a test revokes one to play an expired authorisation.
        self.tokens: dict[str, set[str]] = {name: {token} for name, token in DEMO_TOKENS.items()}
        self._protocols: dict[str, Speaker] = {
            "vvic": vvic.VvicSearch(self),
            "vvic-open": vvic_open.VvicOpen(self),
            "taobao": taobao.TopRouter(self),
            "onebound": onebound.OneBound(self),
            "1688": alibaba1688.AopGateway(self),
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
        httpd = HTTPServer((self.host, self.port), Handler)
        httpd.sandbox = self
        self._httpd = httpd
        self._base_url = f"http://{self.host}:{httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"sandbox-{httpd.server_address[1]}", daemon=True,
        )
        self._thread.start()
        # Build the style signatures and load the embedding model now rather than on the
        # first search (a few seconds together).
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
            self._faults.append(Fault(fault, count, endpoint))



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

    def admit(self, app_key: str) -> float | None:
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

    def secret(self, protocol: str, app_key: str) -> str | None:
        """The secret of `app_key` for a protocol ("vvic", "vvic-open", "taobao", "onebound",
        "1688"), None for an unknown key."""
        return self._secrets[protocol].get(app_key)

    def token_valid(self, protocol: str, token: str) -> bool:
        with self._lock:
            return bool(token) and token in self.tokens.get(protocol, set())

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        with self._received_cond:
            self._received += 1
            self._received_cond.notify_all()
        req = read_request(handler, method, self._base_url)
        if isinstance(req, Answer):
            send(handler, req, self._stopping)
            return
        path = req.path
        if self.capture and protocol_of(path) is not None:
            with self._lock:
                self.captured.append(Captured(
                    req.method, path, dict(req.query), dict(req.form), tuple(req.files),
                    handler.headers.get("Content-Type", "")))
        if path.startswith("/img/") or path.startswith("/item/"):
            send(handler, self._static(req), self._stopping)
            return
        protocol = protocol_of(path)
        if protocol is None:
            send(handler, json_answer(404, {"code": 404, "msg": "not found"}), self._stopping)
            return
        if not self._wait_latency():
            return
        arrived = self.clock()  # when the quota counts it; the log keeps this, not the answer's
        app_key = self._protocols[protocol].app_key_of(req)
        fault = self._take_fault(path)
        if fault is not None and fault not in CONTENT_FAULTS:
            answer = fault_answer(fault, protocol, self.clock())
        else:
            try:
                answer = self._dispatch(protocol, req, fault)
            except Refusal as refusal:
                answer = refusal.answer
            except Exception as exc:  # a sandbox bug: answer it visibly, never hang up silently
                answer = json_answer(500, {"code": 500, "msg": "sandbox internal error",
                                           "detail": type(exc).__name__})
        self._log(app_key, path, answer.outcome, arrived)
        send(handler, answer, self._stopping)

    def _dispatch(self, protocol: str, req: Request, fault: str | None) -> Answer:
        return self._protocols[protocol].handle(req, fault)

    # -- images and pages ---------------------------------------------------------------------

    def _static(self, req: Request) -> Answer:
        fault = self._take_fault(req.path) if req.path.startswith("/img/") else None
        if fault is not None:
            return self._image_fault(fault, req)
        name = req.path.rsplit("/", 1)[-1]
        if req.path.startswith("/img/upload/") and name.endswith(".jpg"):
            with self._lock:
                data = self._uploads.get(name[:-4])
            if data is not None:
                return Answer(200, data, 200, content_type=image_type(data) or "image/jpeg")
        elif req.path.startswith("/img/") and name.endswith(".jpg"):
            with contextlib.suppress(KeyError):
                return Answer(200, self.catalog.listing_image(name[:-4]), 200,
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
                return Answer(200, page.encode(), 200, content_type="text/html; charset=utf-8")
        return Answer(404, b"not found", 404, content_type="text/plain")


    def remember_upload(self, upload_id: str, data: bytes) -> None:
        """Keep an uploaded image; the oldest go first, so that a long demo session cannot
        grow without bound."""
        with self._lock:
            self._uploads[upload_id] = data
            self._uploads.move_to_end(upload_id)
            while len(self._uploads) > MAX_UPLOADS:
                self._uploads.popitem(last=False)

    def uploaded(self, upload_id: str) -> bytes | None:
        """An uploaded image's bytes, None if unknown (or long forgotten)."""
        with self._lock:
            return self._uploads.get(upload_id)

    def _image_fault(self, fault: str, req: Request) -> Answer:
        name = req.path.rsplit("/", 1)[-1].removesuffix(".jpg")
        try:
            data = self.catalog.listing_image(name)
        except KeyError:
            data = b"\xff\xd8\xff\xe0" + b"\x00" * 64
        return image_fault_answer(fault, data, self.clock())

    def image_bytes_from_url(self, url: str) -> bytes | None:
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

    def matches(self, image: Image.Image) -> list[tuple[Listing, float]]:
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


__all__ = ["DEMO_CREDENTIALS", "DEMO_TOKENS", "FAULTS", "FAULT_DESCRIPTIONS", "CallRecord",
           "Captured", "SandboxServer", "http_date_to_epoch"]
