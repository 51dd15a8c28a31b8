"""Credentials in the keyring: round trip, environment fallback, and never plaintext."""

from __future__ import annotations

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.backends.null
import pytest

from vvic_desktop.core.errors import ConfigError, NoSecureKeyring
from vvic_desktop.storage import secrets

CANARY = "CANARY-s3cr3t-7f1e"


class ForgetfulKeyring(keyring.backend.KeyringBackend):
    """Claims to store (no error) but keeps nothing, like a locked or broken backend."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        pass

    def delete_password(self, service: str, username: str) -> None:
        pass


class PlaintextKeyring(ForgetfulKeyring):
    """Stands in for keyrings.alt.file.PlaintextKeyring (not installed here)."""

    __module__ = "keyrings.alt.file"


def test_store_and_load_round_trip(memory_keyring) -> None:
    secrets.store("vvic", "APPKEY1", CANARY)
    creds = secrets.load("vvic", environ={})
    assert creds is not None
    assert (creds.app_key, creds.app_secret) == ("APPKEY1", CANARY)
    assert memory_keyring.store[("vvic_desktop/vvic", "APPKEY1")] == CANARY
    assert CANARY not in repr(creds)
    assert secrets.stored_app_key("vvic") == "APPKEY1"


def test_replacing_the_app_key_forgets_the_old_secret(memory_keyring) -> None:
    secrets.store("vvic", "OLD", "old-secret")
    secrets.store("vvic", "NEW", CANARY)
    assert ("vvic_desktop/vvic", "OLD") not in memory_keyring.store
    creds = secrets.load("vvic", environ={})
    assert creds is not None and creds.app_key == "NEW"


def test_onebound_markets_share_one_account() -> None:
    secrets.store("onebound-vvic", "OB", CANARY)
    creds = secrets.load("onebound-taobao", environ={})
    assert creds is not None and creds.app_key == "OB"
    assert secrets.load("taobao", environ={}) is None


@pytest.mark.parametrize(
    ("market", "key_var", "secret_var"),
    [("vvic", "VVIC_APP_KEY", "VVIC_APP_SECRET"), ("taobao", "TAOBAO_APP_KEY", "TAOBAO_APP_SECRET"),
     ("onebound-vvic", "ONEBOUND_APP_KEY", "ONEBOUND_APP_SECRET"),
     ("1688", "ALI1688_APP_KEY", "ALI1688_APP_SECRET")],
)
def test_environment_variables_for_headless_use(market: str, key_var: str, secret_var: str) -> None:
    env = {key_var: "ENVKEY", secret_var: CANARY}
    creds = secrets.load(market, environ=env)
    assert creds is not None and (creds.app_key, creds.app_secret) == ("ENVKEY", CANARY)
    assert secrets.load(market, environ={key_var: "ENVKEY"}) is None  # both are needed
    assert key_var in secrets.how_to_set(market)


def test_keyring_wins_over_environment() -> None:
    secrets.store("vvic", "KR", CANARY)
    creds = secrets.load("vvic", environ={"VVIC_APP_KEY": "ENV", "VVIC_APP_SECRET": "x"})
    assert creds is not None and creds.app_key == "KR"


@pytest.mark.parametrize(
    "backend",
    [keyring.backends.fail.Keyring(), keyring.backends.null.Keyring(), PlaintextKeyring()],
    ids=["fail", "null", "plaintext"],
)
def test_insecure_backends_are_refused_with_advice(backend: keyring.backend.KeyringBackend) -> None:
    keyring.set_keyring(backend)
    with pytest.raises(NoSecureKeyring) as info:
        secrets.store("vvic", "K", CANARY)
    message = info.value.message("en")
    assert "GNOME Keyring" in message and "environment" in message
    assert CANARY not in message and CANARY not in info.value.detail
    # reading falls back to the environment instead of failing
    assert secrets.load("vvic", environ={}) is None
    env = {"VVIC_APP_KEY": "E", "VVIC_APP_SECRET": "S"}
    assert secrets.load("vvic", environ=env) is not None


def test_backend_that_drops_the_secret_fails_the_round_trip_check() -> None:
    keyring.set_keyring(ForgetfulKeyring())
    assert secrets.insecure_backend_reason() is None  # it looks fine ...
    with pytest.raises(NoSecureKeyring) as info:  # ... until we read back
        secrets.store("vvic", "K", CANARY)
    assert "did not keep" in info.value.detail


@pytest.mark.parametrize(("market", "key", "secret"), [
    ("nosuch", "K", "S"), ("local", "K", "S"), ("vvic", "", "S"), ("vvic", "a b", "S"),
    ("vvic", "K", ""), ("vvic", "K", "S\n"),
])
def test_bad_input_is_a_config_error(market: str, key: str, secret: str) -> None:
    with pytest.raises(ConfigError):
        secrets.store(market, key, secret)


def test_delete(memory_keyring) -> None:
    secrets.store("1688", "K", CANARY)
    assert secrets.delete("1688") is True
    assert secrets.load("1688", environ={}) is None
    assert memory_keyring.store == {}
    assert secrets.delete("1688") is False


def test_keyring_service_per_account() -> None:
    assert secrets.service_name("vvic") == f"{secrets.SERVICE_PREFIX}/vvic" == "vvic_desktop/vvic"
    assert secrets.service_name("onebound-vvic") == secrets.service_name("onebound-taobao")
    assert secrets.service_name("1688") != secrets.service_name("taobao")


class FakeChainer(ForgetfulKeyring):
    __module__ = "keyring.backends.chainer"

    def __init__(self, backends: list[keyring.backend.KeyringBackend]) -> None:
        super().__init__()
        self.backends = backends


def test_chained_backends_are_judged_by_the_one_that_stores(memory_keyring) -> None:
    MemoryKeyring = type(memory_keyring)
    assert secrets.insecure_backend_reason(FakeChainer([])) is not None
    assert secrets.insecure_backend_reason(FakeChainer([MemoryKeyring(), PlaintextKeyring()])) \
        is None
    assert "plain text" in (secrets.insecure_backend_reason(
        FakeChainer([PlaintextKeyring(), MemoryKeyring()])) or "")


def test_vvic_open_platform_is_an_account_of_its_own(memory_keyring) -> None:
    assert secrets.load(secrets.VVIC_OPEN, environ={}) is None
    env = {"VVIC_OPEN_APP_ID": "open-7", "VVIC_OPEN_APP_SECRET": CANARY}
    from_env = secrets.load(secrets.VVIC_OPEN, environ=env)
    assert from_env is not None and (from_env.app_key, from_env.app_secret) == ("open-7", CANARY)
    secrets.store(secrets.VVIC_OPEN, "open-8", "open-secret")
    assert memory_keyring.store[("vvic_desktop/vvic-open", "open-8")] == "open-secret"
    stored = secrets.load(secrets.VVIC_OPEN, environ=env)
    assert stored is not None and stored.app_key == "open-8"
    assert secrets.load("vvic", environ={}) is None  # the search AppKey is another account
    assert secrets.env_var_names(secrets.VVIC_OPEN) == ("VVIC_OPEN_APP_ID", "VVIC_OPEN_APP_SECRET")


def test_1688_access_token_in_the_keyring_or_the_environment(memory_keyring) -> None:
    secrets.store("1688", "ali-1", "ali-secret", token=CANARY)
    assert memory_keyring.store[("vvic_desktop/1688", "__access_token__")] == CANARY
    creds = secrets.load("1688", environ={})
    assert creds is not None and creds.session == CANARY and CANARY not in repr(creds)
    secrets.store_token("1688", "renewed-token")
    creds = secrets.load("1688", environ={"ALI1688_ACCESS_TOKEN": "from-env"})
    assert creds is not None and (creds.app_key, creds.session) == ("ali-1", "renewed-token")
    # A new AppKey without a token drops the old app's token; the environment's fills in.
    secrets.store("1688", "ali-2", "ali-secret-2")
    assert secrets.stored_token("1688") is None
    creds = secrets.load("1688", environ={"ALI1688_ACCESS_TOKEN": "from-env"})
    assert creds is not None and creds.session == "from-env"
    secrets.delete("1688")
    env = {"ALI1688_APP_KEY": "k", "ALI1688_APP_SECRET": "s", "ALI1688_ACCESS_TOKEN": "t"}
    creds = secrets.load("1688", environ=env)
    assert creds is not None and creds.session == "t"
    assert "ALI1688_ACCESS_TOKEN" in secrets.how_to_set("1688")
    for bad in ("", "two words"):
        with pytest.raises(ConfigError):
            secrets.store_token("1688", bad)
    with pytest.raises(ConfigError):
        secrets.store("vvic", "k", "s", token="t")  # no access token for VVIC
