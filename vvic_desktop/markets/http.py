"""The one HTTP layer every adapter uses: bounded in time and size, secrets never logged.

`requests` has no total timeout (a server dripping a byte every 0.4 s never trips a 1 s
read timeout) and no byte cap, and its exception texts carry the full URL, query included.
So `request()` streams the body itself against a monotonic deadline and a byte cap, a
watchdog shuts the socket down when the deadline passes or the user cancels, and every
text that can leave this module (exceptions, log records) goes through `redact()`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import Cancelled, DownloadTooLarge, NetworkError, Timeout
from vvic_desktop.core.net import (  # noqa: F401  (make_session, watched: the adapters' names)
    DEFAULT_USER_AGENT,
    MIB,
    Watchdog,
    make_session,
    tracking,
    watched,
)

# Redaction lives in core.redact (the CLI and the app import it without any HTTP code); these
# names stay importable from here for the adapters.
from vvic_desktop.core.redact import (  # noqa: F401
    SECRET_NAMES,
    RedactingFilter,
    install_excepthook_redaction,
    install_redaction,
    redact,
    redact_record,
    register_secret,
    sanitize_error,
)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class HttpResponse:
    """What an adapter needs from an answer; the URL is kept redacted only."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str = ""  # redacted
    elapsed: float = 0.0

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content.decode("utf-8"))

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


def request(
    session: requests.Session,
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
    connect_timeout: float = 5.0,
    read_timeout: float = 15.0,
    deadline: float = 30.0,
    max_bytes: int = 8 * MIB,
    cancel: CancelToken | None = None,
) -> HttpResponse:
    """Send one request and read its whole body within `deadline` seconds and `max_bytes`.

    Raises Timeout, NetworkError, DownloadTooLarge or Cancelled, with redacted texts.
    Any HTTP status is returned (the adapter knows what a 429 or a 400 means for it).
    """
    if cancel is not None:
        cancel.raise_if_cancelled()
    start = time.monotonic()
    end = start + deadline
    safe_url = redact(url)

    def timed_out(what: str = "total deadline") -> Timeout:
        return Timeout(f"{method} {safe_url}: {what}", seconds=round(deadline))

    watchdog = Watchdog(end, cancel)
    response: requests.Response | None = None
    received = 0
    chunks: list[bytes] = []
    try:
        with tracking(watchdog):
            response = session.request(
                method, url, params=params, data=data, json=json,
                headers=dict(headers or {}), stream=True, allow_redirects=False,
                timeout=(min(connect_timeout, deadline), min(read_timeout, deadline)),
            )
        watchdog.response = response
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise DownloadTooLarge(
                f"{safe_url}: Content-Length {declared} > {max_bytes}",
                limit_mb=round(max_bytes / MIB, 1),
            )
        while True:
            if cancel is not None and cancel.cancelled:
                raise Cancelled()
            if time.monotonic() >= end:
                raise timed_out()
            chunk = response.raw.read1(64 * 1024, decode_content=True)
            if not chunk:
                break
            received += len(chunk)
            if received > max_bytes:
                raise DownloadTooLarge(
                    f"{safe_url}: body over {max_bytes} bytes", limit_mb=round(max_bytes / MIB, 1)
                )
            chunks.append(chunk)
        if watchdog.fired == "cancel":
            raise Cancelled()
        if watchdog.fired == "deadline":
            # The socket was shut down under a read: what arrived is incomplete.
            raise timed_out()
    except (Cancelled, Timeout, DownloadTooLarge):
        raise
    except Exception as exc:  # requests/urllib3 errors, incl. those the watchdog caused
        if watchdog.fired == "cancel":
            raise Cancelled() from None
        if watchdog.fired == "deadline" or time.monotonic() >= end:
            raise timed_out() from None
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            raise timed_out("connect timeout") from None
        if isinstance(exc, requests.exceptions.Timeout) or "timed out" in str(exc).lower():
            raise timed_out("read timeout") from None
        raise NetworkError(
            f"{method} {safe_url}: {_short(exc)}", reason=_reason(exc, safe_url)
        ) from None
    finally:
        watchdog.stop()
        if response is not None:
            response.close()
    elapsed = time.monotonic() - start
    log.debug("%s %s -> %s (%d bytes, %.2f s)", method, safe_url, response.status_code,
              received, elapsed)
    return HttpResponse(
        status=response.status_code,
        headers=dict(response.headers),
        content=b"".join(chunks),
        url=safe_url,
        elapsed=elapsed,
    )


def _reason(exc: BaseException, url: str) -> str:
    """What the user reads: the host and the kind of failure, not urllib3's whole story."""
    host = urlsplit(url).netloc or url
    text = str(exc).lower()
    if isinstance(exc, requests.exceptions.SSLError) or "certificate" in text:
        kind = "TLS certificate not trusted"
    elif "refused" in text:
        kind = "connection refused"
    elif "name or service not known" in text or "getaddrinfo" in text or "resolve" in text:
        kind = "host name not found"
    elif "reset" in text or "aborted" in text:
        kind = "connection reset"
    elif isinstance(exc, requests.exceptions.ProxyError) or "proxy" in text:
        kind = "proxy error"
    else:
        kind = type(exc).__name__
    return f"{host}: {kind}"


def _short(exc: BaseException) -> str:
    """A one-line, redacted description of a transport error."""
    text = f"{type(exc).__name__}: {exc}"
    return redact(text.splitlines()[0] if text else type(exc).__name__)[:300]
