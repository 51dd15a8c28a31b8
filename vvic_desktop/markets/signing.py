"""Every signature algorithm the marketplaces use, as pure functions (DESIGN §4, §6).

No I/O, no clock: the caller puts the timestamp in `params`, so each function is a
known-answer function that tests can check against published or independently computed values.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from vvic_desktop.core.errors import ConfigError

VVIC_IMAGE_PREFIX = "data:image/jpeg;base64,"
_VVIC_ESCAPES = (("+", "%2B"), ("/", "%2F"), ("=", "%3D"))


def value_text(value: Any) -> str:
    """A parameter value as the text that is signed: what the request carries for it.

    Strings go in unquoted; numbers and booleans as JSON writes them (`true`, `69.5`), which
    is also what a form encoder would send for ints and strings.
    """
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return str(value)


def _concat(params: Mapping[str, Any], exclude: tuple[str, ...], skip_empty: bool) -> str:
    parts: list[str] = []
    for key in sorted(params):
        if key in exclude:
            continue
        text = value_text(params[key])
        if skip_empty and text == "":
            continue
        parts.append(key + text)
    return "".join(parts)


def top_sign(params: Mapping[str, Any], secret: str, sign_method: str = "md5") -> str:
    """Taobao TOP router signature (upper-case hex).

    md5: md5(secret + concat + secret); hmac: HMAC-MD5(secret, concat); hmac-sha256:
    HMAC-SHA256(secret, concat). `concat` is sorted key+value with empty values and `sign`
    left out, as Taobao's published example requires.
    """
    concat = _concat(params, ("sign",), skip_empty=True)
    method = sign_method.lower()
    if method == "md5":
        digest = hashlib.md5((secret + concat + secret).encode("utf-8")).hexdigest()
    elif method == "hmac":
        digest = hmac.new(secret.encode("utf-8"), concat.encode("utf-8"), hashlib.md5).hexdigest()
    elif method == "hmac-sha256":
        digest = hmac.new(
            secret.encode("utf-8"), concat.encode("utf-8"), hashlib.sha256
        ).hexdigest()
    else:
        raise ConfigError(f"unknown TOP sign_method {sign_method!r} (md5, hmac, hmac-sha256)")
    return digest.upper()


def vvic_body_image(b64: str) -> str:
    """The VVIC V2.2 body form of an image: data-URL prefix, `+ / =` written as %2B %2F %3D."""
    text = b64
    for raw, escaped in _VVIC_ESCAPES:
        text = text.replace(raw, escaped)
    return VVIC_IMAGE_PREFIX + text


def vvic_raw_image(value: str) -> str:
    """Undo `vvic_body_image`: the raw base64 that the V2.2 signature covers."""
    text = value[len(VVIC_IMAGE_PREFIX):] if value.startswith(VVIC_IMAGE_PREFIX) else value
    for raw, escaped in _VVIC_ESCAPES:
        text = text.replace(escaped, raw)
    return text


def vvic_v22_sign(params: Mapping[str, Any], secret: str) -> str:
    """VVIC V2.2 image search signature (lower-case md5 hex).

    md5(secret + concat(sorted key+value, sign excluded) + secret), each value as its text
    in the JSON body; `image_base64` is signed as raw base64 whether the caller passes the
    raw text or the body form (prefix and %-escapes are removed first).
    """
    signed = dict(params)
    image = signed.get("image_base64")
    if isinstance(image, str):
        signed["image_base64"] = vvic_raw_image(image)
    concat = _concat(signed, ("sign",), skip_empty=False)
    return hashlib.md5((secret + concat + secret).encode("utf-8")).hexdigest().lower()


def vvic_open_sign(params: Mapping[str, Any], secret: str) -> str:
    """VVIC open platform signature: hex HMAC-SHA256(key=secret, msg=concat + secret + timestamp).

    `params` must hold the `timestamp` (ms) that is also sent; `sign` is excluded.
    """
    concat = _concat(params, ("sign",), skip_empty=False)
    message = concat + secret + value_text(params.get("timestamp", ""))
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def aop_sign(url_path: str, params: Mapping[str, Any], secret: str) -> str:
    """1688 (AOP) `_aop_signature`: upper hex HMAC-SHA1(secret, url_path + concat).

    `concat` joins the `key + value` strings sorted as strings (the published rule and the
    AOP SDK's: build every `key+value`, sort that list, join), which is not the order of the
    names: `{"a": "z", "ab": "1"}` signs "ab1az", not "azab1". `url_path` is the part after
    `/openapi/` (`param2/1/<namespace>/<api>/<app_key>`); `_aop_signature` is excluded.
    """
    pieces = sorted(
        key + value_text(value) for key, value in params.items() if key != "_aop_signature"
    )
    message = url_path + "".join(pieces)
    return (
        hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha1)
        .hexdigest()
        .upper()
    )
