"""Market names → adapters (names, labels, URLs and credential sources: core/market_info.py).

`create_market("taobao", credentials=…, endpoint="http://127.0.0.1:8765")` is how the CLI,
the GUI and the tests get an adapter; `--endpoint` replaces the base URL and the market's
own paths follow under it.
"""

from __future__ import annotations

from typing import Any

import requests

from vvic_desktop.core.errors import ConfigError
from vvic_desktop.core.market_info import MARKETS, MarketInfo
from vvic_desktop.markets import alibaba1688, onebound, taobao, vvic
from vvic_desktop.markets.adapter import HttpAdapter, Timeouts
from vvic_desktop.markets.base import Credentials, Marketplace

__all__ = ["ADAPTERS", "MARKETS", "MarketInfo", "create_market"]


ADAPTERS: dict[str, type[HttpAdapter]] = {
    "vvic": vvic.VvicMarket,
    "taobao": taobao.TaobaoMarket,
    "onebound-vvic": onebound.OneBoundVvic,
    "onebound-taobao": onebound.OneBoundTaobao,
    "1688": alibaba1688.Alibaba1688Market,
}


def create_market(
    name: str,
    *,
    credentials: Credentials | None,
    endpoint: str | None = None,
    session: requests.Session | None = None,
    sandbox: bool = False,
    timeouts: Timeouts | None = None,
    **options: Any,
) -> Marketplace:
    """An adapter for `name`. `endpoint` replaces the base URL; `sandbox` picks the
    platform's own sandbox URL instead of production. Adapter options (sign_method for
    taobao, open_credentials / open_base_url for vvic) pass through."""
    info = MARKETS.get(name)
    adapter_class = ADAPTERS.get(name)
    if info is None or adapter_class is None:
        known = ", ".join(ADAPTERS)
        raise ConfigError(f"unknown or unavailable market {name!r}; choose one of {known}")
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise ConfigError(f"--endpoint must be an http(s) URL, got {endpoint!r}")
    base_url = endpoint or (info.sandbox_url if sandbox else info.production_url)
    try:
        adapter = adapter_class(credentials, base_url, session, timeouts, **options)
    except TypeError as exc:
        raise ConfigError(f"bad option for market {name!r}: {exc}") from None
    return adapter  # type: ignore[return-value]
