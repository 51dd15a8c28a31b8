"""The address policy (which private hosts pictures may come from), decided once, and the
picture fetch bounded over headers as well as body."""

from __future__ import annotations

import threading

import pytest
from hostile_market import HostileMarket

from vvic_desktop.core import errors
from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.intake import address_policy, fetch_url


@pytest.mark.parametrize(("endpoint", "allowed", "refused"), [
    (None, ["93.184.216.34", "2606:2800:220:1::1"],
     ["127.0.0.1", "::1", "169.254.169.254", "fe80::1", "10.0.0.1", "192.168.1.2", "0.0.0.0"]),
    ("http://127.0.0.1:8765", ["127.0.0.1", "127.8.9.10", "93.184.216.34"],
     ["169.254.169.254", "fe80::1", "10.0.0.1", "192.168.1.2", "172.16.0.1"]),
    ("http://localhost:8765", ["::1", "127.0.0.1"], ["169.254.169.254", "10.1.2.3"]),
    ("http://[::1]:8765", ["::1"], ["fe80::1", "169.254.169.254"]),
    ("http://192.168.1.20:8080", ["192.168.7.7"], ["127.0.0.1", "10.0.0.1", "169.254.169.254"]),
    ("http://169.254.10.10", ["169.254.169.254"], ["127.0.0.1", "10.0.0.1"]),
    ("https://api.vvic.com", ["93.184.216.34"], ["127.0.0.1", "169.254.169.254", "10.0.0.1"]),
])
def test_policy_follows_the_endpoint(endpoint: str | None, allowed: list[str],
                                     refused: list[str]) -> None:
    policy = address_policy(endpoint)
    for address in allowed:
        policy.check(address)
    for address in refused:
        with pytest.raises(errors.UrlRefused):
            policy.check(address)


def test_lan_setting_never_admits_link_local_or_loopback() -> None:
    policy = address_policy(None, allow_lan=True)
    policy.check("10.0.0.1")
    policy.check("192.168.1.1")
    for address in ("169.254.169.254", "fe80::1", "127.0.0.1", "::ffff:169.254.169.254"):
        with pytest.raises(errors.UrlRefused):
            policy.check(address)


def test_refusal_reads_in_both_languages() -> None:
    with pytest.raises(errors.UrlRefused) as info:
        address_policy("http://127.0.0.1:1").check("169.254.169.254")
    assert "链路本地" in info.value.message("zh_CN")
    assert "link-local" in info.value.message("en") and "链路" not in info.value.message("en")


def test_dripping_headers_end_at_the_deadline_and_cancel_is_immediate() -> None:
    with HostileMarket() as market:
        url = f"http://127.0.0.1:{market.port}/img/drip.jpg"
        with pytest.raises(errors.Timeout):
            fetch_url(url, policy=address_policy(market.endpoint("ok")), deadline=1.0)
        # the user cancels while the headers drip: Cancelled, not a Timeout 30 s later
        cancel = CancelToken()
        timer = threading.Timer(0.3, cancel.cancel)
        timer.start()
        try:
            with pytest.raises(errors.Cancelled):
                fetch_url(url, policy=address_policy(market.endpoint("ok")), cancel=cancel,
                          deadline=30.0)
        finally:
            timer.cancel()


def test_a_picture_redirect_to_link_local_is_refused() -> None:
    with HostileMarket() as market:
        url = f"http://127.0.0.1:{market.port}/img/linklocal.jpg"
        with pytest.raises(errors.UrlRefused):
            fetch_url(url, policy=address_policy(market.endpoint("ok")))
        with pytest.raises(errors.UrlRefused):  # the legacy flag admits no link-local either
            fetch_url(url, allow_private=True)
