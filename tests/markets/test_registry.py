"""create_market: names, endpoints, defaults, credentials metadata."""

from __future__ import annotations

import pytest

from vvic_desktop.core.errors import ConfigError, MissingCredentials
from vvic_desktop.markets.base import MARKET_NAMES, Credentials
from vvic_desktop.markets.registry import MARKETS, create_market

CREDS = Credentials("key", "secret-value")


def test_every_network_market_is_registered_with_its_credential_sources() -> None:
    for name in ("vvic", "taobao", "onebound-vvic", "onebound-taobao", "1688"):
        info = MARKETS[name]
        assert name in MARKET_NAMES
        assert info.display_zh and info.display_en
        assert info.env_app_key.endswith("_APP_KEY") and info.env_app_secret.endswith("_SECRET")
        assert info.production_url.startswith("https://")
    assert MARKETS["vvic"].env_app_key == "VVIC_APP_KEY"
    assert MARKETS["taobao"].env_app_secret == "TAOBAO_APP_SECRET"
    assert MARKETS["1688"].env_app_key == "ALI1688_APP_KEY"
    assert MARKETS["onebound-vvic"].keyring_service == MARKETS["onebound-taobao"].keyring_service
    assert "local" not in MARKETS


@pytest.mark.parametrize("name", ["vvic", "taobao", "onebound-vvic", "onebound-taobao", "1688"])
def test_endpoint_replaces_the_base_url(name: str) -> None:
    market = create_market(name, credentials=CREDS, endpoint="http://127.0.0.1:8765/")
    assert market.name == name
    assert market.base_url == "http://127.0.0.1:8765"  # type: ignore[attr-defined]
    default = create_market(name, credentials=CREDS)
    assert default.base_url == MARKETS[name].production_url  # type: ignore[attr-defined]


def test_options_pass_through_and_bad_ones_are_config_errors() -> None:
    taobao = create_market("taobao", credentials=CREDS, sign_method="hmac-sha256")
    assert taobao.sign_method == "hmac-sha256"  # type: ignore[attr-defined]
    with pytest.raises(ConfigError):
        create_market("taobao", credentials=CREDS, sign_method="rot13")
    with pytest.raises(ConfigError):
        create_market("vvic", credentials=CREDS, colour="blue")


def test_unknown_market_bad_endpoint_and_missing_credentials() -> None:
    with pytest.raises(ConfigError):
        create_market("ebay", credentials=CREDS)
    with pytest.raises(ConfigError):
        create_market("vvic", credentials=CREDS, endpoint="ftp://example")
    with pytest.raises(MissingCredentials):
        create_market("vvic", credentials=None)
    with pytest.raises(MissingCredentials):
        create_market("taobao", credentials=Credentials("key", ""))


def test_repr_never_shows_the_secret() -> None:
    for name in ("vvic", "taobao", "onebound-vvic"):
        assert "secret-value" not in repr(create_market(name, credentials=CREDS))
