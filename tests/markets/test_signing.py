"""Known answers for every signature: Taobao's published example, and the others computed
here independently with hashlib/hmac written out step by step."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from vvic_desktop.core.errors import ConfigError
from vvic_desktop.markets.signing import (
    aop_sign,
    top_sign,
    vvic_body_image,
    vvic_open_sign,
    vvic_raw_image,
    vvic_v22_sign,
)

TAOBAO_EXAMPLE = {
    "app_key": "12345678",
    "fields": "num_iid,title,nick,price,num",
    "format": "json",
    "method": "taobao.item.seller.get",
    "num_iid": "11223344",
    "session": "test",
    "sign_method": "md5",
    "timestamp": "2016-01-01 12:00:00",
    "v": "2.0",
}


def test_top_md5_matches_taobaos_published_example() -> None:
    assert top_sign(TAOBAO_EXAMPLE, "helloworld", "md5") == "66987CB115214E59E6EC978214934FB8"


def test_top_md5_ignores_sign_and_empty_values() -> None:
    noisy = {**TAOBAO_EXAMPLE, "sign": "WHATEVER", "cat": "", "page": None}
    assert top_sign(noisy, "helloworld", "md5") == "66987CB115214E59E6EC978214934FB8"


def test_top_md5_changes_with_any_value() -> None:
    changed = {**TAOBAO_EXAMPLE, "num_iid": "11223345"}
    assert top_sign(changed, "helloworld", "md5") != "66987CB115214E59E6EC978214934FB8"


def _top_concat() -> str:
    return (
        "app_key12345678fieldsnum_iid,title,nick,price,numformatjson"
        "methodtaobao.item.seller.getnum_iid11223344sessiontestsign_methodmd5"
        "timestamp2016-01-01 12:00:00v2.0"
    )


def test_top_hmac_is_hmac_md5_of_the_concatenation() -> None:
    expected = hmac.new(b"helloworld", _top_concat().encode(), hashlib.md5).hexdigest().upper()
    assert top_sign(TAOBAO_EXAMPLE, "helloworld", "hmac") == expected


def test_top_hmac_sha256() -> None:
    expected = hmac.new(b"helloworld", _top_concat().encode(), hashlib.sha256).hexdigest().upper()
    assert top_sign(TAOBAO_EXAMPLE, "helloworld", "hmac-sha256") == expected


def test_top_unknown_method_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        top_sign(TAOBAO_EXAMPLE, "helloworld", "sha1")


RAW_B64 = base64.b64encode(bytes(range(250, 256)) + b"\xfb\xff\xfe?>").decode()


def test_raw_base64_fixture_has_the_characters_that_get_escaped() -> None:
    assert "+" in RAW_B64 and "/" in RAW_B64 and "=" in RAW_B64


def test_vvic_body_image_prefix_and_escapes() -> None:
    body = vvic_body_image(RAW_B64)
    assert body.startswith("data:image/jpeg;base64,")
    rest = body[len("data:image/jpeg;base64,"):]
    assert "+" not in rest and "/" not in rest and "=" not in rest
    assert rest == RAW_B64.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    assert vvic_raw_image(body) == RAW_B64


def test_vvic_v22_sign_known_answer() -> None:
    params = {
        "app_key": "demo-key",
        "image_base64": vvic_body_image(RAW_B64),
        "max_results": 20,
        "timestamp": "1763700000000",
        "version": "2.2",
        "sign_method": "md5",
        "price_min": 50,
        "price_max": 99.5,
        "credit_level": "A",
        "sign": "ignored",
    }
    # Sorted keys; numbers as written in JSON; the image as raw base64.
    concat = (
        "app_keydemo-key" "credit_levelA" f"image_base64{RAW_B64}" "max_results20"
        "price_max99.5" "price_min50" "sign_methodmd5" "timestamp1763700000000" "version2.2"
    )
    expected = hashlib.md5(("s3cret" + concat + "s3cret").encode()).hexdigest()
    assert vvic_v22_sign(params, "s3cret") == expected
    assert expected == expected.lower()
    # The raw and the body forms of the image sign the same.
    assert vvic_v22_sign({**params, "image_base64": RAW_B64}, "s3cret") == expected


def test_vvic_open_sign_known_answer() -> None:
    params = {"app_id": "open-1", "item_vid": "a1,b2", "timestamp": "1763700000000"}
    message = "app_idopen-1item_vida1,b2timestamp1763700000000" + "topsecret" + "1763700000000"
    expected = hmac.new(b"topsecret", message.encode(), hashlib.sha256).hexdigest()
    assert vvic_open_sign(params, "topsecret") == expected
    assert vvic_open_sign({**params, "sign": expected}, "topsecret") == expected


def test_aop_sign_known_answer() -> None:
    path = "param2/1/com.alibaba.product/product.search.imageQuery/12345"
    params = {"imageId": "987", "access_token": "tok", "_aop_timestamp": "1763700000000"}
    message = path + "_aop_timestamp1763700000000" + "access_tokentok" + "imageId987"
    expected = hmac.new(b"alisecret", message.encode(), hashlib.sha1).hexdigest().upper()
    assert aop_sign(path, params, "alisecret") == expected
    assert aop_sign(path, {**params, "_aop_signature": "x"}, "alisecret") == expected


def test_aop_sign_sorts_the_key_value_strings_not_the_names() -> None:
    # The published rule's example: sorted names give "azab1", sorted key+value strings
    # "ab1az"; only the second is what the 1688 gateway checks.
    path = "param2/1/com.alibaba.fenxiao.crossborder/x/1688-demo-key"
    assert aop_sign(path, {"a": "z", "ab": "1"}, "s") == "9E95E311239856EC1B7B863E8E68064ED4930670"
    by_names = hmac.new(b"s", (path + "azab1").encode(), hashlib.sha1).hexdigest().upper()
    assert by_names != "9E95E311239856EC1B7B863E8E68064ED4930670"
