"""Market names → adapters, with their display names, default URLs and credential sources.

`create_market("taobao", credentials=…, endpoint="http://127.0.0.1:8765")` is how the CLI,
the GUI and the tests get an adapter; `--endpoint` replaces the base URL and the market's
own paths follow under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from vvic_desktop.core.errors import ConfigError
from vvic_desktop.markets import onebound, taobao, vvic
from vvic_desktop.markets.adapter import HttpAdapter, Timeouts
from vvic_desktop.markets.base import Credentials, Marketplace


@dataclass(frozen=True, slots=True)
class MarketInfo:
    name: str
    display_zh: str
    display_en: str
    account: str  # markets sharing an account share credentials (OneBound's two routes)
    env_app_key: str
    env_app_secret: str
    keyring_service: str
    production_url: str
    sandbox_url: str
    adapter: type[HttpAdapter] | None


def _info(name: str, zh: str, en: str, account: str, env: str, production: str, sandbox: str,
          adapter: type[HttpAdapter] | None) -> MarketInfo:
    return MarketInfo(
        name=name, display_zh=zh, display_en=en, account=account,
        env_app_key=f"{env}_APP_KEY", env_app_secret=f"{env}_APP_SECRET",
        keyring_service=f"vvic_desktop/{account}",
        production_url=production, sandbox_url=sandbox, adapter=adapter,
    )


MARKETS: dict[str, MarketInfo] = {
    "vvic": _info("vvic", "搜款网 VVIC", "VVIC", "vvic", "VVIC",
                  vvic.PRODUCTION_URL, vvic.SANDBOX_URL, vvic.VvicMarket),
    "taobao": _info("taobao", "淘宝 拍立淘", "Taobao image search", "taobao", "TAOBAO",
                    taobao.PRODUCTION_URL, taobao.SANDBOX_URL, taobao.TaobaoMarket),
    "onebound-vvic": _info("onebound-vvic", "万邦 · 搜款网", "OneBound · VVIC", "onebound",
                           "ONEBOUND", onebound.PRODUCTION_URL, onebound.PRODUCTION_URL,
                           onebound.OneBoundVvic),
    "onebound-taobao": _info("onebound-taobao", "万邦 · 淘宝", "OneBound · Taobao", "onebound",
                             "ONEBOUND", onebound.PRODUCTION_URL, onebound.PRODUCTION_URL,
                             onebound.OneBoundTaobao),
}

try:  # 1688 is optional in this issue: registered when its adapter exists
    from vvic_desktop.markets import alibaba1688

    MARKETS["1688"] = _info("1688", "1688 阿里巴巴", "1688 (Alibaba)", "1688", "ALI1688",
                            alibaba1688.PRODUCTION_URL, alibaba1688.SANDBOX_URL,
                            alibaba1688.Alibaba1688Market)
except ImportError:
    pass


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
    if info is None or info.adapter is None:
        known = ", ".join(MARKETS)
        raise ConfigError(f"unknown or unavailable market {name!r}; choose one of {known}")
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise ConfigError(f"--endpoint must be an http(s) URL, got {endpoint!r}")
    base_url = endpoint or (info.sandbox_url if sandbox else info.production_url)
    try:
        adapter = info.adapter(credentials, base_url, session, timeouts, **options)
    except TypeError as exc:
        raise ConfigError(f"bad option for market {name!r}: {exc}") from None
    return adapter  # type: ignore[return-value]
