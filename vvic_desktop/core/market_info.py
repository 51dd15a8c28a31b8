"""The marketplaces by name: display names, credential sources and default URLs.

Data only, no adapter: the settings, the keyring, the Settings dialog and the CLI read
market names and labels here without loading `requests` or any adapter (markets/registry.py
maps a name to its adapter when a search needs one). The default URLs are the adapters'
(their `PRODUCTION_URL`s are these).
"""

from __future__ import annotations

from dataclasses import dataclass


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


def _info(name: str, zh: str, en: str, account: str, env: str, production: str,
          sandbox: str) -> MarketInfo:
    return MarketInfo(
        name=name, display_zh=zh, display_en=en, account=account,
        env_app_key=f"{env}_APP_KEY", env_app_secret=f"{env}_APP_SECRET",
        keyring_service=f"vvic_desktop/{account}",
        production_url=production, sandbox_url=sandbox,
    )


_ONEBOUND = "https://api-gw.onebound.cn"

MARKETS: dict[str, MarketInfo] = {
    "vvic": _info("vvic", "搜款网 VVIC", "VVIC", "vvic", "VVIC",
                  "https://api.vvic.com", "https://preapi.vvic.com"),
    "taobao": _info("taobao", "淘宝 拍立淘", "Taobao image search", "taobao", "TAOBAO",
                    "https://eco.taobao.com", "https://gw.api.tbsandbox.com"),
    "onebound-vvic": _info("onebound-vvic", "万邦 · 搜款网", "OneBound · VVIC", "onebound",
                           "ONEBOUND", _ONEBOUND, _ONEBOUND),
    "onebound-taobao": _info("onebound-taobao", "万邦 · 淘宝", "OneBound · Taobao", "onebound",
                             "ONEBOUND", _ONEBOUND, _ONEBOUND),
    # 1688 has no public sandbox host: test apps use production
    "1688": _info("1688", "1688 阿里巴巴", "1688 (Alibaba)", "1688", "ALI1688",
                  "https://gw.open.1688.com", "https://gw.open.1688.com"),
}


# The marketplaces whose image search pages ("load more"), each with the calls a later page
# costs beyond its own when the uploaded picture's id is not known any more (a saved search
# opened again): OneBound and 1688 upload the photo first. VVIC's V2.2 search takes no page
# (max_results 1-50 is all it gives); the local catalog answers in one go.
PAGED_MARKETS: dict[str, int] = {"taobao": 0, "onebound-vvic": 1, "onebound-taobao": 1,
                                 "1688": 1}


def page_cost(market: str, token_known: bool) -> int | None:
    """API calls the next page of a `market` search costs; None where the market has none."""
    extra = PAGED_MARKETS.get(market)
    if extra is None:
        return None
    return 1 + (0 if token_known else extra)
