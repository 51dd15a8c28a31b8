"""Marketplace credentials: the OS keyring, or environment variables for headless use.

One keyring service per market ("vvic_desktop/vvic"); the secret is stored under the
AppKey as username, and the AppKey itself under a fixed username so that `load(market)`
can find it without a settings file (a backend cannot list usernames portably).

Never plaintext: keyring falls back to its `fail` backend (raises on every call) or
`null` backend (accepts `set`, returns None on `get`) when no secret service runs, and
keyrings.alt offers a plaintext file. Both are detected before saving, a round trip is
verified after saving, and the user is told how to get a real keyring.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Mapping

import keyring
import keyring.backend
import keyring.errors

from vvic_desktop.core.errors import ConfigError, NoSecureKeyring
from vvic_desktop.core.market_info import MARKETS, MarketInfo
from vvic_desktop.core.marketplace import Credentials

SERVICE_PREFIX = "vvic_desktop"  # every keyring service is "vvic_desktop/<account>"
_APP_KEY_USERNAME = "__app_key__"
_TOKEN_USERNAME = "__access_token__"

# VVIC's open platform (stall details for the vvic market's results) is an account of its
# own, with its own app id and secret, though no market of its own.
VVIC_OPEN = "vvic-open"
_OWN_ACCOUNTS: dict[str, tuple[str, str, str]] = {
    VVIC_OPEN: (f"{SERVICE_PREFIX}/{VVIC_OPEN}", "VVIC_OPEN_APP_ID", "VVIC_OPEN_APP_SECRET"),
}
# Markets whose calls also carry a member's OAuth token (1688: access_token), kept in the
# keyring beside the secret, or given to the CLI in this environment variable.
TOKEN_ENV_VARS: dict[str, str] = {"1688": "ALI1688_ACCESS_TOKEN"}


def _info(market: str) -> MarketInfo:
    """The registry's entry for `market`: its keyring service and environment variables
    (markets sharing an account, like OneBound's two routes, share both)."""
    if market == "local":
        raise ConfigError("the local library needs no AppKey")
    try:
        return MARKETS[market]
    except KeyError:
        raise ConfigError(
            f"unknown market {market!r}; choose one of {', '.join(MARKETS)}"
        ) from None


def service_name(market: str) -> str:
    if market in _OWN_ACCOUNTS:
        return _OWN_ACCOUNTS[market][0]
    return _info(market).keyring_service


def env_var_names(market: str) -> tuple[str, str]:
    """The (app key, secret) environment variables for `market`, e.g. VVIC_APP_KEY."""
    if market in _OWN_ACCOUNTS:
        return _OWN_ACCOUNTS[market][1], _OWN_ACCOUNTS[market][2]
    info = _info(market)
    return info.env_app_key, info.env_app_secret


def needs_token(market: str) -> bool:
    """Whether `market`'s calls carry an OAuth access token besides the AppKey and secret."""
    return market in TOKEN_ENV_VARS


def how_to_set(market: str) -> str:
    key_var, secret_var = env_var_names(market)
    token = f" (and {TOKEN_ENV_VARS[market]})" if needs_token(market) else ""
    return (
        f"run `vvic config set-credentials {market} --app-key KEY` "
        f"or set {key_var} and {secret_var}{token}"
    )


# Why a keyring backend cannot keep a secret: kind -> the English words (the CLI's; the
# Settings dialog says each kind in the user's language).
INSECURE_REASONS = {
    "none": "no keyring backend is installed",
    "fail": "no secret service is running (keyring fell back to its 'fail' backend)",
    "null": "the keyring is disabled (null backend)",
    "plaintext": "the keyring backend {name} stores secrets in plain text",
}


def insecure_backend(backend: keyring.backend.KeyringBackend | None = None
                     ) -> tuple[str, str] | None:
    """(kind, backend class name) when the active keyring cannot keep a secret safely (kind
    one of INSECURE_REASONS), or None if it can."""
    backend = backend or keyring.get_keyring()
    if _is_chainer(backend):
        # The chainer writes to its first backend that accepts: that one must be secure.
        chained = list(getattr(backend, "backends", []))
        if not chained:
            return "none", ""
        backend = chained[0]
    cls = type(backend)
    module, name = cls.__module__, cls.__name__
    if module == "keyring.backends.fail":
        return "fail", name
    if module == "keyring.backends.null":
        return "null", name
    if (module.startswith("keyrings.alt") and "encrypted" not in name.lower()) or (
            "plaintext" in name.lower()):
        return "plaintext", name
    return None


def insecure_backend_reason(backend: keyring.backend.KeyringBackend | None = None) -> str | None:
    """Why the active keyring cannot keep a secret safely (in English), or None if it can."""
    found = insecure_backend(backend)
    if found is None:
        return None
    kind, name = found
    return INSECURE_REASONS[kind].format(name=name)


def _is_chainer(backend: keyring.backend.KeyringBackend) -> bool:
    return type(backend).__module__ == "keyring.backends.chainer"


def _check_token(token: str) -> None:
    if not token or any(ch.isspace() for ch in token):
        raise ConfigError("the access_token must be one word without spaces")


def store(market: str, app_key: str, secret: str, token: str | None = None) -> None:
    """Save `market`'s credentials in the OS keyring, or raise NoSecureKeyring.

    `token` (1688's access_token) is saved too when given; None keeps the stored one."""
    service = service_name(market)
    if token is not None:
        if not needs_token(market):
            raise ConfigError(f"{market} takes no access_token")
        _check_token(token)
    app_key = app_key.strip()
    if not app_key or any(ch.isspace() for ch in app_key):
        raise ConfigError("the AppKey must be one word without spaces")
    if not secret or secret != secret.strip() or "\n" in secret:
        raise ConfigError("the secret is empty or has spaces or line breaks at its ends")
    if app_key == _APP_KEY_USERNAME:
        raise ConfigError("this AppKey is reserved")
    reason = insecure_backend_reason()
    if reason:
        raise NoSecureKeyring(reason)
    try:
        previous_key = keyring.get_password(service, _APP_KEY_USERNAME)
        keyring.set_password(service, app_key, secret)
        keyring.set_password(service, _APP_KEY_USERNAME, app_key)
        kept_secret = keyring.get_password(service, app_key)
        kept_key = keyring.get_password(service, _APP_KEY_USERNAME)
        if token is not None:
            keyring.set_password(service, _TOKEN_USERNAME, token)
            kept_token = keyring.get_password(service, _TOKEN_USERNAME)
    except keyring.errors.KeyringError as exc:
        # the exception text can echo arguments on some backends: keep only its type
        raise NoSecureKeyring(type(exc).__name__) from None
    if kept_secret != secret or kept_key != app_key or (
        token is not None and kept_token != token
    ):
        raise NoSecureKeyring("the keyring accepted the secret but did not keep it")
    if previous_key and previous_key != app_key:
        # a stale old secret left behind is harmless next to a failed save
        with contextlib.suppress(keyring.errors.KeyringError):
            keyring.delete_password(service, previous_key)
        if token is None and needs_token(market):
            # an access token authorises one app: the old app's is no use to the new one
            with contextlib.suppress(keyring.errors.KeyringError):
                keyring.delete_password(service, _TOKEN_USERNAME)


def store_token(market: str, token: str) -> None:
    """Replace only `market`'s access_token (a renewed authorisation), keeping key and secret."""
    if not needs_token(market):
        raise ConfigError(f"{market} takes no access_token")
    _check_token(token)
    reason = insecure_backend_reason()
    if reason:
        raise NoSecureKeyring(reason)
    service = service_name(market)
    try:
        keyring.set_password(service, _TOKEN_USERNAME, token)
        kept = keyring.get_password(service, _TOKEN_USERNAME)
    except keyring.errors.KeyringError as exc:
        raise NoSecureKeyring(type(exc).__name__) from None
    if kept != token:
        raise NoSecureKeyring("the keyring accepted the token but did not keep it")


def load(market: str, environ: Mapping[str, str] | None = None) -> Credentials | None:
    """The keyring's credentials for `market`, else the environment's, else None. A market
    with an access token takes it from the keyring, else from its environment variable."""
    credentials = from_keyring(market) or from_environment(market, environ)
    if credentials is not None and needs_token(market) and not credentials.session:
        token = token_from_environment(market, environ)
        if token:
            credentials = dataclasses.replace(credentials, session=token)
    return credentials


def token_from_environment(market: str, environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    name = TOKEN_ENV_VARS.get(market)
    return environ.get(name, "").strip() if name else ""


def stored_token(market: str) -> str | None:
    """The access token in the keyring (secret: never printed), None if there is none."""
    if not needs_token(market) or insecure_backend_reason():
        return None
    try:
        return keyring.get_password(service_name(market), _TOKEN_USERNAME) or None
    except keyring.errors.KeyringError:
        return None


def from_keyring(market: str) -> Credentials | None:
    service = service_name(market)
    if insecure_backend_reason():
        return None
    try:
        app_key = keyring.get_password(service, _APP_KEY_USERNAME)
        secret = keyring.get_password(service, app_key) if app_key else None
    except keyring.errors.KeyringError:
        return None
    if not app_key or not secret:
        return None
    return Credentials(app_key=app_key, app_secret=secret, session=stored_token(market) or "")


def from_environment(market: str, environ: Mapping[str, str] | None = None) -> Credentials | None:
    environ = os.environ if environ is None else environ
    key_var, secret_var = env_var_names(market)
    app_key, secret = environ.get(key_var, "").strip(), environ.get(secret_var, "").strip()
    if app_key and secret:
        return Credentials(app_key=app_key, app_secret=secret,
                           session=token_from_environment(market, environ))
    return None


def delete(market: str) -> bool:
    """Forget `market`'s stored credentials; True if there were any."""
    service = service_name(market)
    try:
        app_key = keyring.get_password(service, _APP_KEY_USERNAME)
        if not app_key:
            return False
        for username in (app_key, _APP_KEY_USERNAME, _TOKEN_USERNAME):
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                keyring.delete_password(service, username)
    except keyring.errors.KeyringError as exc:
        raise NoSecureKeyring(type(exc).__name__) from None
    return True


def stored_app_key(market: str) -> str | None:
    """The AppKey saved for `market` (not secret; `vvic config show` prints it)."""
    if insecure_backend_reason():
        return None
    try:
        return keyring.get_password(service_name(market), _APP_KEY_USERNAME)
    except keyring.errors.KeyringError:
        return None
