"""Redaction: secrets never reach a log, an error, a crash report or the terminal.

No HTTP code here, so the CLI and the app install redaction (and redact their own texts)
without importing requests. A secret is removed wherever it shows up: as the value of a
known parameter name (query strings, form bodies, JSON, reprs), and, for every value an
adapter registers, raw, URL-encoded (quote and quote_plus, either hex case) and base64
(standard and URL-safe, at any alignment inside a longer base64 text).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import urllib.parse
from typing import Any

from vvic_desktop.core.errors import Both

# Terminal escape sequences: CSI (ESC [ … final), OSC (ESC ] … BEL or ST), DCS/SOS/PM/APC
# (ESC P/X/^/_ … ST), two-byte escapes; and their 8-bit C1 forms (U+009B CSI, U+009D OSC…).
_ESCAPE_RE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])(?:[^\x07\x1b\x9c]{0,4096})(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
# Controls (C0 but tab/newline, DEL, C1) and bidi overrides/isolates/marks, which can make
# a title display reversed or hide text (Trojan Source); line/paragraph separators too.
_INERT_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u2028\u2029\ufff9-\ufffb]"
)


def inert(value: str) -> str:
    """`value` safe for a terminal or a label: escape sequences, control characters and
    bidi controls removed, tabs and newlines as spaces. For every text from outside."""
    if not value:
        return value
    if value.isprintable():  # the common case: nothing to do
        return value
    value = _ESCAPE_RE.sub("", value)
    value = value.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return _INERT_RE.sub("", value)


# Characters JSON leaves raw under ensure_ascii=False that a terminal still obeys or that
# reorder text: DEL and C1 controls (U+009B is CSI), bidi controls, line separators.
_JSON_POISON_RE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def json_text(data: Any, indent: int | None = 2) -> str:
    """`data` as JSON that is safe to print: readable Chinese (ensure_ascii=False) but every
    control or bidi character escaped as \\uXXXX (json escapes C0 controls itself), so
    text kept as the marketplace sent it (`extra.raw_title`) stays inert on a terminal."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _JSON_POISON_RE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


SECRET_NAMES = ("sign", "secret", "app_secret", "session", "key", "_aop_signature", "access_token")

_NAMES = "|".join(re.escape(n) for n in sorted(SECRET_NAMES, key=len, reverse=True))
# name=value in query strings and form bodies; the look-behind keeps `app_key=` and
# `sign_method=` intact (a word character before the name means a different name).
_QUERY_RE = re.compile(rf"(?<![\w-])({_NAMES})=([^&\s\"'#<>]*)", re.IGNORECASE)
# "name": "value" in JSON and 'name': 'value' in Python reprs.
_JSON_RE = re.compile(
    rf"""(["'])({_NAMES})\1(\s*:\s*)(["'])((?:\\.|(?!\4).)*)\4""", re.IGNORECASE
)
# "name": 123 (a number or bare word) in JSON.
_JSON_BARE_RE = re.compile(rf"""(["'])({_NAMES})\1(\s*:\s*)([\w.+-]+)""", re.IGNORECASE)

_secret_values: set[str] = set()
_secret_lock = threading.Lock()
# (case-sensitive forms, case-insensitive forms) of every registered value, as one pattern each
_patterns: tuple[re.Pattern[str] | None, re.Pattern[str] | None] = (None, None)


def _base64_forms(value: bytes) -> set[str]:
    """The base64 text `value` becomes inside a longer base64 text, at each of the three
    alignments: only the characters determined by `value` alone (std and URL-safe)."""
    forms: set[str] = set()
    for k in range(3):
        total_bits = 8 * (k + len(value))
        first = -(-8 * k // 6)  # the first character without prefix bits
        last = total_bits // 6  # characters after this mix in what follows
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * k + value).decode("ascii")[first:last]
            if len(text) >= 6:
                forms.add(text)
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(value).decode("ascii")
        forms.update({whole, whole.rstrip("=")})
    return forms


def secret_forms(value: str) -> tuple[set[str], set[str]]:
    """(case-sensitive, case-insensitive) spellings of `value` a text may carry."""
    exact = {value}
    raw = value.encode("utf-8")
    if len(raw) >= 6:  # shorter: its base64 would match too much unrelated text
        exact |= _base64_forms(raw)
    encoded = {urllib.parse.quote(value, safe=""), urllib.parse.quote(value),
               urllib.parse.quote_plus(value), urllib.parse.quote_plus(value, safe="/")}
    # Percent-encoding may use either hex case (%2B, %2b): match those case-insensitively.
    return exact, {e for e in encoded if e != value}


def register_secret(value: str) -> None:
    """Also remove this value (and its encodings) from every redacted text.

    Adapters register their secret and session on construction, so a secret that ends up
    somewhere no pattern expects (a header echo, an odd error page, URL-encoded in a
    redirect, base64 in a token) is still removed.
    """
    global _patterns
    if not value or len(value) < 4:
        return
    with _secret_lock:
        if value in _secret_values:
            return
        _secret_values.add(value)
        exact: set[str] = set()
        loose: set[str] = set()
        for known in _secret_values:
            e, lo = secret_forms(known)
            exact |= e
            loose |= lo

        def pattern(forms: set[str], flags: int = 0) -> re.Pattern[str] | None:
            ordered = sorted(forms, key=len, reverse=True)
            return re.compile("|".join(map(re.escape, ordered)), flags) if ordered else None

        _patterns = (pattern(exact), pattern(loose, re.IGNORECASE))


def redact(text: str) -> str:
    """`text` with the values of sign/secret/app_secret/session/key/_aop_signature/access_token
    removed, wherever they appear (URLs, form bodies, JSON, reprs, exception messages)."""
    if not text:
        return text
    text = _QUERY_RE.sub(lambda m: f"{m.group(1)}=***", text)
    text = _JSON_RE.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(4)}***{m.group(4)}",
        text,
    )
    text = _JSON_BARE_RE.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}***", text
    )
    exact, loose = _patterns
    if loose is not None:
        text = loose.sub("***", text)
    if exact is not None:
        text = exact.sub("***", text)
    return text


def sanitize_error(error: BaseException) -> BaseException:
    """Redact, in place, every text an error carries (detail, message fields, args).

    Marketplaces echo request parameters in their error messages; the adapters put those
    messages into the error's detail, so this runs on every error leaving an adapter.
    """
    detail = getattr(error, "detail", None)
    if isinstance(detail, str):
        error.detail = redact(detail)  # type: ignore[attr-defined]
    fields = getattr(error, "fields", None)
    if isinstance(fields, dict):
        for key, value in list(fields.items()):
            if isinstance(value, str):
                # what a marketplace said goes into messages: secrets out, escapes out
                fields[key] = inert(redact(value))
            elif isinstance(value, Both):
                fields[key] = Both(inert(redact(value.zh)), inert(redact(value.en)))
    error.args = tuple(redact(a) if isinstance(a, str) else a for a in error.args)
    return error


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and its traceback text) through `redact()`."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def redact_record(record: logging.LogRecord) -> None:
    if getattr(record, "_vvic_redacted", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a broken format string must not break logging
        message = str(record.msg)
    record.msg = redact(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._vvic_redacted = True  # type: ignore[attr-defined]


_REDACTED_PREFIXES = ("vvic_desktop", "urllib3", "requests")
_installed = False
_install_lock = threading.Lock()


def install_redaction() -> None:
    """Redact every record of the `vvic_desktop` and `urllib3` loggers (idempotent).

    A filter on a logger does not see records of its child loggers (`urllib3.connectionpool`
    logs the request line with its query string), so besides the filters on the named
    loggers the record factory redacts records of those families when they are created.
    """
    global _installed
    with _install_lock:
        if _installed:
            return
        for name in _REDACTED_PREFIXES:
            logging.getLogger(name).addFilter(RedactingFilter())
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if record.name.startswith(_REDACTED_PREFIXES):
                redact_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def install_excepthook_redaction() -> None:
    """Print uncaught exceptions (main thread and worker threads) redacted.

    For the composition root (app.py, the CLI): a crash report must not carry a secret
    either (reliability matrix E3). Idempotent.
    """
    import sys
    import traceback

    if getattr(sys.excepthook, "_vvic_redacting", False):
        return

    def excepthook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(redact(text))

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        text = "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                                  args.exc_traceback))
        sys.stderr.write(redact(f"Exception in thread {name}:\n{text}"))

    excepthook._vvic_redacting = True  # type: ignore[attr-defined]
    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook


