"""The sandbox's scripted and random faults: what each one answers, per protocol.

``SandboxServer.inject()`` queues them; ``fault_answer`` builds the answer of a fault that
replaces the call, and ``success`` / ``content_fault`` change a successful answer's content.
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vvic_desktop.sandbox.wire import SLOW_DRIP, Answer, json_answer

FAULTS = (
    "500", "502", "503", "504", "429", "429-no-retry-after", "429-long", "429-http-date",
    "malformed", "html", "slow", "missing-fields", "empty", "permission", "isp", "isv",
)
# What each fault does (API calls; image downloads: see `image_fault_answer`).
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
    "isv": "TOP: HTTP 200 with code 15 isv.invalid-parameter:cat (the caller's error, never "
           "worth a retry); elsewhere the protocol's bad-parameter answer",
}
assert set(FAULT_DESCRIPTIONS) == set(FAULTS)
# Faults that replace the answer before the request is looked at; the others change a
# successful answer's content (the call is accepted and counted against the quota).
CONTENT_FAULTS = ("malformed", "missing-fields", "empty")

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


@dataclass
class Fault:
    name: str
    remaining: int
    endpoint: str | None


def success(fault: str | None, wrap: Callable[[list[dict[str, Any]]], dict[str, Any]],
            rows: list[dict[str, Any]]) -> Answer:
    if fault == "empty":
        return json_answer(200, wrap([]))
    if fault == "missing-fields":
        return json_answer(200, wrap(damage(rows)))
    if fault == "malformed":
        return _truncated(wrap(rows))
    return json_answer(200, wrap(rows))


def content_fault(fault: str | None, envelope: dict[str, Any], *,
                  empty_key: str | None) -> Answer:
    if fault == "malformed":
        return _truncated(envelope)
    if fault == "empty" and empty_key == "items.item":
        envelope["items"]["item"] = []
    elif fault == "empty":
        envelope["items"] = {}
    elif fault == "missing-fields" and empty_key == "items.item":
        envelope["items"]["item"] = damage(envelope["items"]["item"])
    elif fault == "missing-fields":
        envelope["items"] = {"item": {"name": None}}
    return json_answer(200, envelope)


def _truncated(payload: dict[str, Any]) -> Answer:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    cut = max(1, len(body) * 2 // 3)
    return Answer(200, body[:cut], 200)


def damage(rows: list[dict[str, Any]]) -> list[Any]:
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


def fault_answer(fault: str, protocol: str, now: float) -> Answer:
    if fault.startswith("429"):
        headers = {}
        if fault == "429":
            headers["Retry-After"] = "7"
        elif fault == "429-long":
            headers["Retry-After"] = "86400"
        elif fault == "429-http-date":
            # RFC 9110 allows a date: 7 s after the server's own clock.
            headers["Retry-After"] = email.utils.formatdate(now + 7, usegmt=True)
        answer = json_answer(429, _quota_body(protocol), outcome=429)
        answer.headers.update(headers)
        return answer
    if fault == "500":
        return json_answer(500, _server_error_body(protocol), outcome=500)
    if fault == "502":
        return Answer(502, _NGINX_502, 502, content_type="text/html")
    if fault == "504":
        return Answer(504, _NGINX_504, 504, content_type="text/html")
    if fault == "503":
        return Answer(503, _NGINX_503, 503, content_type="text/html")
    if fault == "html":
        return Answer(200, _PORTAL_PAGE, 200, content_type="text/html; charset=utf-8")
    if fault == "slow":
        body = json.dumps({"code": 200, "msg": "success", "data": {"items": []},
                           "padding": "." * 400}).encode()
        return Answer(200, body, 200, drip=SLOW_DRIP)
    if fault == "permission":
        return json_answer(200 if protocol in ("taobao", "onebound") else 403,
                           _permission_body(protocol), outcome=403)
    if fault == "isv":
        return _caller_error(protocol)
    # "isp": TOP's transient remote-service error; elsewhere a plain 500.
    if protocol == "taobao":
        return json_answer(200, {"error_response": {
            "code": 15, "msg": "Remote service error", "sub_code": "isp.remote-service-timeout",
            "sub_msg": "服务超时,请稍后重试"}}, outcome=503)
    return json_answer(500, _server_error_body(protocol), outcome=500)


def _caller_error(protocol: str) -> Answer:
    """A refusal that is the caller's fault: trying again changes nothing."""
    if protocol == "taobao":
        return json_answer(200, {"error_response": {
            "code": 15, "msg": "Remote service error", "sub_code": "isv.invalid-parameter:cat",
            "sub_msg": "类目ID不存在或已失效"}}, outcome=400)
    if protocol == "onebound":
        return json_answer(200, {"error": "参数错误", "reason": "cat参数无效",
                                 "error_code": "4006"}, outcome=400)
    if protocol == "vvic-open":
        return json_answer(400, {"status": 400, "message": "参数无效"})
    if protocol == "1688":
        return json_answer(200, {"result": {"success": False, "code": "400",
                                            "message": "categoryId 无效"}}, outcome=400)
    return json_answer(400, {"code": 400, "msg": "参数无效", "detail": "bad filter value"})


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


def image_fault_answer(fault: str, data: bytes, now: float) -> Answer:
    """Faults of an image download (`data` the picture it would have served): a truncated
    JPEG ("malformed"), an HTML hotlink placeholder served as image/jpeg ("html"), no bytes
    ("empty", "missing-fields"), a drip ("slow"); status faults as for the API."""
    if fault == "malformed":
        return Answer(200, data[: len(data) // 2], 200, content_type="image/jpeg")
    if fault == "html":
        return Answer(200, _PORTAL_PAGE, 200, content_type="image/jpeg")
    if fault in ("empty", "missing-fields"):
        return Answer(200, b"", 200, content_type="image/jpeg")
    if fault == "slow":
        return Answer(200, data, 200, content_type="image/jpeg", drip=SLOW_DRIP)
    return fault_answer(fault, "img", now)
