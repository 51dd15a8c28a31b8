"""The settings dialog (issue 5, item 7): credentials, endpoints, quota tiers, cache, language.

Public API
----------
`SettingsDialog(settings, parent=None, *, pools=None)`, objectName "settingsDialog".
Options come from `storage/settings.py` (declared once); secrets go through
`storage.secrets.store` into the OS keyring.

Signals
    keysLoaded()            the stored AppKeys were read from the keyring (fields enabled)
    saveFinished(bool)      after `save()`: True when everything was stored
    saved()                 after a successful save
Methods
    save()                  validate, then store secrets and settings on `pools.storage`
    keys_loaded() -> bool
OK validates and saves, and closes only when saving worked; a problem is shown in the
dialog and nothing is half-saved (all values are checked before anything is written).

Keyring calls can block (a D-Bus round trip, an unlock prompt), so reading the stored AppKeys
and storing secrets run on `pools.storage`; without `pools` the dialog owns a `Pools` and
shuts it down when it closes. Secrets are never shown back: a stored secret appears as an
empty field with a placeholder, and leaving it empty keeps it. Whether a secure keyring
exists is shown at the top of the Marketplaces page; without one the credential fields stay
disabled and the page says which environment variables to set instead. There is no
plaintext fallback. The 1688 page also takes the member's access_token
(`accessToken_1688`); the VVIC page the open platform's own App ID and secret
(`openAppId`, `openAppSecret`: stall details for VVIC results).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from vvic_desktop.core import errors
from vvic_desktop.core.errors import ConfigError, VvicError
from vvic_desktop.core.market_info import MARKETS
from vvic_desktop.storage import secrets
from vvic_desktop.storage.settings import (
    ALLOW_LAN_IMAGES,
    API_MARKETS,
    CACHE_TTL_HOURS,
    LIBRARY_AUTOSAVE,
    MAX_RESULTS,
    NETWORK_PROXY,
    ONEBOUND_LANG,
    UI_LANGUAGE,
    Settings,
    option,
)
from vvic_desktop.ui.messages import error_text
from vvic_desktop.workers.tasks import Pools

QUOTA_TIERS = (20, 80)  # VVIC's AppKey tiers (seed article); other services: custom


@dataclass
class MarketPage:
    """The widgets of one market's page."""

    market: str
    page: QWidget
    app_key: QLineEdit
    secret: QLineEdit
    production: QRadioButton
    sandbox: QRadioButton
    custom: QRadioButton
    custom_url: QLineEdit
    tier: QComboBox
    custom_quota: QSpinBox
    stored_key: str | None


class HoursBox(QDoubleSpinBox):
    """Hours as a buyer writes them: 24, 0.5 (never "24.0")."""

    def textFromValue(self, value: float) -> str:
        return f"{value:.1f}".rstrip("0").rstrip(".")


def _named(widget: Any, name: str, accessible: str) -> Any:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


class SettingsDialog(QDialog):
    keysLoaded = Signal()
    saveFinished = Signal(bool)
    saved = Signal()

    def __init__(
        self, settings: Settings, parent: QWidget | None = None, *, pools: Pools | None = None
    ) -> None:
        super().__init__(parent)
        self._own_pools = pools is None
        self._pools = pools or Pools(self)
        self._keys_loaded = False
        self._saving = False
        self._close_after_save = False
        self.setObjectName("settingsDialog")
        self.setAccessibleName(self.tr("Settings"))
        self.setWindowTitle(self.tr("Settings"))
        self.settings = settings
        self.keyring_problem = secrets.insecure_backend_reason()
        self._keyring_kind = secrets.insecure_backend()
        self.pages: dict[str, MarketPage] = {}
        self.token_fields: dict[str, QLineEdit] = {}  # market -> its access_token field
        self.open_app_id: QLineEdit | None = None  # VVIC open platform (on the vvic page)
        self.open_secret: QLineEdit | None = None
        self._open_stored_key: str | None = None
        tabs = QTabWidget()
        tabs.setObjectName("settingsTabs")
        tabs.addTab(self._markets_tab(), self.tr("Marketplaces"))
        tabs.addTab(self._general_tab(), self.tr("General"))
        self.error_label = _named(QLabel(), "settingsError", self.tr("Problem with the settings"))
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("QLabel { color: #c92a2a; }")
        self.error_label.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.setObjectName("settingsButtons")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setObjectName("settingsOk")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setObjectName("settingsCancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.resize(580, 460)
        self._load_stored_keys()

    # --- building -------------------------------------------------------------------------------

    def _market_name(self, market: str) -> str:
        info = MARKETS.get(market)
        if info is None:
            return market
        return info.display_zh if errors.language().startswith("zh") else info.display_en

    def _markets_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.keyring_status = _named(QLabel(), "keyringStatus", self.tr("Secure storage status"))
        self.keyring_status.setWordWrap(True)
        if self.keyring_problem is None:
            self.keyring_status.setText(
                self.tr("Secrets are kept in the system keyring ({backend}).").format(
                    backend=_backend_name()
                )
            )
            self.keyring_status.setStyleSheet("QLabel { color: #2b8a3e; }")
        else:
            self.keyring_status.setText(
                self.tr(
                    "No secure keyring is available: {reason}. Secrets cannot be saved here and "
                    "are never written to a plain file: set the environment variables shown "
                    "below, or install and unlock a keyring (GNOME Keyring, KWallet)."
                ).format(reason=self._keyring_reason())
            )
            self.keyring_status.setStyleSheet("QLabel { color: #c92a2a; }")
        layout.addWidget(self.keyring_status)

        self.market_selector = _named(QComboBox(), "settingsMarket", self.tr("Marketplace"))
        self.market_stack = QStackedWidget()
        self.market_stack.setObjectName("settingsMarketPages")
        for market in API_MARKETS:
            self.market_selector.addItem(self._market_name(market), market)
            self.market_stack.addWidget(self._market_page(market))
        self.market_selector.currentIndexChanged.connect(self.market_stack.setCurrentIndex)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Marketplace:")))
        row.addWidget(self.market_selector, 1)
        layout.addLayout(row)
        layout.addWidget(self.market_stack, 1)
        return tab

    def _keyring_reason(self) -> str:
        """Why the keyring cannot keep a secret, in the user's language (storage.secrets
        says it in English for the CLI and the log)."""
        kind, name = self._keyring_kind or ("", "")
        texts = {
            "none": self.tr("no keyring backend is installed"),
            "fail": self.tr("no secret service is running"),
            "null": self.tr("the keyring is switched off"),
            "plaintext": self.tr("the keyring backend {name} would keep secrets in plain "
                                 "text").format(name=name),
        }
        return texts.get(kind, self.keyring_problem or "")

    def _market_page(self, market: str) -> QWidget:
        page = QWidget()
        page.setObjectName(f"marketPage_{market}")
        form = QFormLayout(page)
        stored_key = None  # read from the keyring on a worker: _load_stored_keys
        app_key = _named(QLineEdit(), f"appKey_{market}", self.tr("AppKey"))
        secret = _named(QLineEdit(), f"appSecret_{market}", self.tr("App secret"))
        secret.setEchoMode(QLineEdit.EchoMode.Password)
        secret.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhNoPredictiveText
        )
        if self.keyring_problem is not None:
            key_var, secret_var = secrets.env_var_names(market)
            for field in (app_key, secret):
                field.setEnabled(False)
            secret.setPlaceholderText(
                self.tr("Set {key} and {secret} instead").format(key=key_var, secret=secret_var)
            )
        else:
            for field in (app_key, secret):
                field.setEnabled(False)  # until the keyring has been read
            app_key.setPlaceholderText(self.tr("Reading the keyring…"))
        form.addRow(self.tr("AppKey:"), app_key)
        form.addRow(self.tr("App secret:"), secret)
        env_note = self._env_note(market)
        if env_note is not None:
            form.addRow("", env_note)
        if secrets.needs_token(market):
            self._token_row(market, form)
        if market == "vvic":
            form.addRow(self._vvic_open_box())
        account = MARKETS[market].account if market in MARKETS else market
        if any(info.account == account and name != market for name, info in MARKETS.items()):
            shared = QLabel(self.tr("Both OneBound routes share one AppKey and secret."))
            shared.setWordWrap(True)
            form.addRow("", shared)

        info = MARKETS.get(market)
        production_url = info.production_url if info else ""
        sandbox_url = info.sandbox_url if info else ""
        endpoint_box = QGroupBox(self.tr("Endpoint"))
        endpoint_layout = QVBoxLayout(endpoint_box)
        production = _named(
            QRadioButton(self.tr("Production ({url})").format(url=production_url)),
            f"endpointProduction_{market}", self.tr("Production endpoint"),
        )
        sandbox = _named(
            QRadioButton(self.tr("Sandbox ({url})").format(url=sandbox_url)),
            f"endpointSandbox_{market}", self.tr("Sandbox endpoint"),
        )
        has_sandbox = bool(sandbox_url) and sandbox_url != production_url
        sandbox.setEnabled(has_sandbox)
        if not has_sandbox:
            sandbox.setText(self.tr("Sandbox (this service has none)"))
        custom = _named(QRadioButton(self.tr("Custom address:")), f"endpointCustom_{market}",
                        self.tr("Custom endpoint"))
        custom_url = _named(QLineEdit(), f"endpointUrl_{market}",
                            self.tr("Custom endpoint address"))
        custom_url.setPlaceholderText("http://127.0.0.1:8765")
        group = QButtonGroup(page)
        for button in (production, sandbox, custom):
            group.addButton(button)
        current = self.settings.base_url_for(market)
        if not current or current == production_url:
            production.setChecked(True)
        elif has_sandbox and current == sandbox_url:
            sandbox.setChecked(True)
        else:
            custom.setChecked(True)
            custom_url.setText(current)
        custom_url.setEnabled(custom.isChecked())
        custom.toggled.connect(custom_url.setEnabled)
        custom_row = QHBoxLayout()
        custom_row.addWidget(custom)
        custom_row.addWidget(custom_url, 1)
        endpoint_layout.addWidget(production)
        endpoint_layout.addWidget(sandbox)
        endpoint_layout.addLayout(custom_row)
        form.addRow(endpoint_box)

        quota_name = f"market.{market}.quota_per_minute"
        quota_option = option(quota_name)
        tier = _named(QComboBox(), f"quotaTier_{market}", self.tr("Call quota"))
        for calls in QUOTA_TIERS:
            tier.addItem(self.tr("{n} calls per minute").format(n=calls), calls)
        tier.addItem(self.tr("Custom"), 0)
        custom_quota = _named(QSpinBox(), f"quotaCustom_{market}",
                              self.tr("Custom calls per minute"))
        custom_quota.setRange(int(quota_option.minimum or 1), int(quota_option.maximum or 10_000))
        custom_quota.setSuffix(self.tr(" per minute"))
        quota = self.settings.quota_for(market)
        custom_quota.setValue(quota)
        tier.setCurrentIndex(QUOTA_TIERS.index(quota) if quota in QUOTA_TIERS else len(QUOTA_TIERS))
        custom_quota.setEnabled(tier.currentData() == 0)
        tier.currentIndexChanged.connect(
            lambda _i, t=tier, c=custom_quota: c.setEnabled(t.currentData() == 0)
        )
        quota_row = QHBoxLayout()
        quota_row.addWidget(tier, 1)
        quota_row.addWidget(custom_quota)
        form.addRow(self.tr("Quota tier:"), quota_row)
        note = QLabel(self.tr("The number of calls per minute your AppKey allows."))
        note.setWordWrap(True)
        note.setStyleSheet("QLabel { color: #868e96; }")
        form.addRow("", note)

        self.pages[market] = MarketPage(
            market, page, app_key, secret, production, sandbox, custom, custom_url, tier,
            custom_quota, stored_key,
        )
        return page

    def _secret_field(self, name: str, accessible: str, env_vars: str) -> QLineEdit:
        """A hidden field, disabled until the keyring has been read (or for good without a
        secure keyring, naming the environment variables to set instead)."""
        field = _named(QLineEdit(), name, accessible)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhNoPredictiveText
        )
        field.setEnabled(False)
        if self.keyring_problem is not None:
            field.setPlaceholderText(self.tr("Set {variables} instead").format(
                variables=env_vars))
        return field

    def _token_row(self, market: str, form: QFormLayout) -> None:
        """1688: the member's access_token, sent with every call."""
        token = self._secret_field(f"accessToken_{market}", self.tr("Access token"),
                                   secrets.TOKEN_ENV_VARS[market])
        form.addRow(self.tr("Access token:"), token)
        note = QLabel(self.tr(
            "1688 searches act for a 1688 member: authorise this app with your 1688 account "
            "on open.1688.com and paste the access_token here. It expires; when 1688 says so, "
            "authorise again and paste the new one."))
        note.setWordWrap(True)
        note.setStyleSheet("QLabel { color: #868e96; }")
        form.addRow("", note)
        self.token_fields[market] = token

    def _vvic_open_box(self) -> QGroupBox:
        """VVIC's open platform: its own app id and secret; with them, results show the
        stall's market, floor and number."""
        box = QGroupBox(self.tr("VVIC open platform (optional: stall details)"))
        box.setObjectName("vvicOpenBox")
        form = QFormLayout(box)
        id_var, secret_var = secrets.env_var_names(secrets.VVIC_OPEN)
        self.open_app_id = _named(QLineEdit(), "openAppId", self.tr("Open platform App ID"))
        self.open_app_id.setEnabled(False)
        self.open_secret = self._secret_field(
            "openAppSecret", self.tr("Open platform secret"), f"{id_var} / {secret_var}")
        form.addRow(self.tr("App ID:"), self.open_app_id)
        form.addRow(self.tr("Secret:"), self.open_secret)
        note = QLabel(self.tr(
            "With an app of VVIC's open platform (api.vvic.com), VVIC results also show the "
            "stall's market, floor and stall number. Each lookup of up to 20 listings uses one "
            "call of the quota; looked-up stalls are kept for a day. Leave empty to skip."))
        note.setWordWrap(True)
        note.setStyleSheet("QLabel { color: #868e96; }")
        form.addRow(note)
        return box

    def _env_note(self, market: str) -> QLabel | None:
        """Where the key in use comes from when an environment variable provides one: the
        keyring's key wins when it has one (storage/secrets.load)."""
        key_var, secret_var = secrets.env_var_names(market)
        if secrets.from_environment(market) is None:
            return None
        note = _named(QLabel(), f"envNote_{market}", self.tr("Key from the environment"))
        note.setWordWrap(True)
        note.setStyleSheet("QLabel { color: #1d4ed8; }")
        note.setText(self.tr(
            "{key} and {secret} are set in the environment: that AppKey is used when the "
            "keyring holds none for this marketplace.").format(key=key_var, secret=secret_var))
        return note

    def _general_tab(self) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        ttl = option("cache.ttl_hours")
        self.cache_hours = _named(HoursBox(), "cacheHours", self.tr("Cache lifetime"))
        self.cache_hours.setRange(float(ttl.minimum or 0), float(ttl.maximum or 8760))
        self.cache_hours.setDecimals(1)
        self.cache_hours.setSingleStep(1)
        self.cache_hours.setSuffix(self.tr(" hours"))
        self.cache_hours.setValue(self.settings.value(CACHE_TTL_HOURS))
        self.cache_hours.setToolTip(
            self.tr("How long a search result is reused for the same photo; 0 turns it off.")
        )
        form.addRow(self.tr("Reuse a search of the same photo for:"), self.cache_hours)

        self.autosave = _named(
            QCheckBox(self.tr("Keep every search in the library")), "libraryAutosave",
            self.tr("Keep every search in the library"))
        self.autosave.setChecked(self.settings.value(LIBRARY_AUTOSAVE))
        self.autosave.setToolTip(self.tr(
            "Unnamed searches are kept up to the library's limit, oldest dropped first; "
            "name one (Ctrl+S) to keep it for good."))
        form.addRow(self.autosave)

        self.language = _named(QComboBox(), "language", self.tr("Language"))
        self.language.addItem(self.tr("Follow the system"), "")
        self.language.addItem("中文（简体）", "zh_CN")  # each language in its own name
        self.language.addItem("English", "en")
        index = self.language.findData(self.settings.value(UI_LANGUAGE))
        self.language.setCurrentIndex(max(index, 0))
        form.addRow(self.tr("Language:"), self.language)
        language_note = QLabel(self.tr("A new language takes effect after a restart."))
        language_note.setStyleSheet("QLabel { color: #868e96; }")
        form.addRow("", language_note)

        self.allow_lan = _named(
            QCheckBox(self.tr("Allow image addresses on the local network (LAN)")),
            "allowLanHosts", self.tr("Allow LAN image hosts"),
        )
        self.allow_lan.setChecked(self.settings.value(ALLOW_LAN_IMAGES))
        self.allow_lan.setToolTip(
            self.tr("Off by default: a web page could otherwise make the app probe your network.")
        )
        form.addRow(self.allow_lan)

        self.proxy = _named(QLineEdit(self.settings.value(NETWORK_PROXY)), "proxy",
                            self.tr("HTTP proxy"))
        self.proxy.setPlaceholderText(self.tr("Empty: use the system proxy"))
        form.addRow(self.tr("HTTP(S) proxy:"), self.proxy)

        results = option("search.max_results")
        self.max_results = _named(QSpinBox(), "maxResults", self.tr("Results per search"))
        self.max_results.setRange(int(results.minimum or 1), int(results.maximum or 50))
        self.max_results.setValue(self.settings.value(MAX_RESULTS))
        form.addRow(self.tr("Results per search:"), self.max_results)

        # OneBound's documented `lang` (the language of titles it returns).
        self.onebound_lang = _named(QComboBox(), "oneboundLang",
                                    self.tr("OneBound result language"))
        self.onebound_lang.addItem(self.tr("Follow the interface language"), "")
        self.onebound_lang.addItem("中文 (cn)", "cn")  # each language in its own name
        self.onebound_lang.addItem("English (en)", "en")
        self.onebound_lang.addItem("Русский (ru)", "ru")
        index = self.onebound_lang.findData(self.settings.value(ONEBOUND_LANG))
        self.onebound_lang.setCurrentIndex(max(index, 0))
        form.addRow(self.tr("OneBound titles in:"), self.onebound_lang)
        return tab

    # --- saving ---------------------------------------------------------------------------------

    def _pending_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "cache.ttl_hours": self.cache_hours.value(),
            "library.autosave": self.autosave.isChecked(),
            "ui.language": self.language.currentData(),
            "images.allow_lan_hosts": self.allow_lan.isChecked(),
            "network.proxy": self.proxy.text().strip(),
            "search.max_results": self.max_results.value(),
            "market.onebound.lang": self.onebound_lang.currentData(),
        }
        for market, page in self.pages.items():
            info = MARKETS.get(market)
            if page.production.isChecked():
                url = ""
            elif page.sandbox.isChecked() and info is not None:
                url = info.sandbox_url
            else:
                url = page.custom_url.text().strip()
                if not url:
                    raise ConfigError(
                        self.tr("{market}: enter the custom address or pick another endpoint")
                        .format(market=self._market_name(market))
                    )
            values[f"market.{market}.base_url"] = url
            calls = page.tier.currentData() or page.custom_quota.value()
            values[f"market.{market}.quota_per_minute"] = int(calls)
        return values

    def _pending_credentials(self) -> list[tuple[str, str, str]]:
        """(market, app key, secret) to store; ConfigError for half-filled ones."""
        wanted: list[tuple[str, str, str]] = []
        seen_accounts: set[str] = set()
        for market, page in self.pages.items():
            key, secret = page.app_key.text().strip(), page.secret.text()
            if not page.app_key.isEnabled():
                continue
            key_changed = key != (page.stored_key or "")
            if not secret and not key_changed:
                continue
            if not secret:
                raise ConfigError(
                    self.tr("{market}: enter the secret that belongs to the new AppKey")
                    .format(market=self._market_name(market))
                )
            if not key:
                raise ConfigError(
                    self.tr("{market}: enter the AppKey for this secret")
                    .format(market=self._market_name(market))
                )
            account = secrets.service_name(market)
            if account in seen_accounts:
                continue  # OneBound's two routes: one account, stored once
            seen_accounts.add(account)
            wanted.append((market, key, secret))
        if self.open_app_id is not None and self.open_secret is not None and \
                self.open_app_id.isEnabled():
            key, secret = self.open_app_id.text().strip(), self.open_secret.text()
            if secret or key != (self._open_stored_key or ""):
                if not (key and secret):
                    raise ConfigError(self.tr(
                        "VVIC open platform: enter both the App ID and its secret"))
                wanted.append((secrets.VVIC_OPEN, key, secret))
        return wanted

    def _pending_tokens(self) -> dict[str, str]:
        """market -> a newly typed access_token (empty fields keep the saved one)."""
        return {market: field.text().strip() for market, field in self.token_fields.items()
                if field.isEnabled() and field.text().strip()}

    def keys_loaded(self) -> bool:
        return self._keys_loaded

    def _load_stored_keys(self) -> None:
        if self.keyring_problem is not None:
            self._keys_loaded = True
            return

        def read(_cancel: Any, _progress: Any) -> dict[str, str | None]:
            keys = {market: secrets.stored_app_key(market) for market in self.pages}
            keys[secrets.VVIC_OPEN] = secrets.stored_app_key(secrets.VVIC_OPEN)
            for market in self.token_fields:  # whether one is saved, never the token itself
                keys[f"token:{market}"] = "saved" if secrets.stored_token(market) else None
            return keys

        self._pools.start(self._pools.storage, read, self._keys_read, name="read-app-keys")

    def _keys_read(self, keys: dict[str, str | None] | None, error: BaseException | None) -> None:
        for market, page in self.pages.items():
            stored = (keys or {}).get(market)
            page.stored_key = stored
            if not page.app_key.text():  # never overwrite what the user already typed
                page.app_key.setText(stored or "")
            page.app_key.setPlaceholderText("")
            page.secret.setPlaceholderText(
                self.tr("Saved; type a new secret to replace it") if stored else self.tr("Not set")
            )
            page.app_key.setEnabled(True)
            page.secret.setEnabled(True)
        for market, field in self.token_fields.items():
            field.setPlaceholderText(
                self.tr("Saved; paste a new token to replace it")
                if (keys or {}).get(f"token:{market}") else self.tr("Not set"))
            field.setEnabled(True)
        if self.open_app_id is not None and self.open_secret is not None:
            stored = (keys or {}).get(secrets.VVIC_OPEN)
            self._open_stored_key = stored
            if not self.open_app_id.text():
                self.open_app_id.setText(stored or "")
            self.open_secret.setPlaceholderText(
                self.tr("Saved; type a new secret to replace it") if stored else self.tr("Not set")
            )
            self.open_app_id.setEnabled(True)
            self.open_secret.setEnabled(True)
        if error is not None:
            self._show_error(error_text(
                error, "keyring", fallback=self.tr("The keyring could not be read ({kind}).")))
        self._keys_loaded = True
        self.keysLoaded.emit()

    def save(self) -> None:
        """Validate everything here, then store on the storage pool; `saveFinished` tells."""
        if self._saving:
            return
        try:
            if not self._keys_loaded:
                raise ConfigError(self.tr("the keyring is still being read; try again"))
            values = self._pending_values()
            credentials = self._pending_credentials()
            tokens = self._pending_tokens()
            for name, value in values.items():
                option(name).coerce(value)  # all checked before anything is written
        except VvicError as exc:
            self._finish_save(False, exc.message())
            return
        settings = self.settings
        self._saving = True
        self.ok_button.setEnabled(False)

        def store(_cancel: Any, _progress: Any) -> None:
            for market, key, secret in credentials:
                secrets.store(market, key, secret, token=tokens.get(market))
            for market, token in tokens.items():
                if market not in {entry[0] for entry in credentials}:
                    secrets.store_token(market, token)  # a renewed authorisation alone
            # only after every secret is safe: a refused secret leaves the settings unchanged
            for name, value in values.items():
                settings.set(name, value)
            settings.save()

        def done(_result: Any, error: BaseException | None) -> None:
            self._saving = False
            self.ok_button.setEnabled(True)
            if error is not None:
                self._finish_save(False, error_text(
                    error, "settings", fallback=self.tr("Saving failed ({kind}).")))
                return
            for market, key, _secret in credentials:
                if market == secrets.VVIC_OPEN and self.open_secret is not None:
                    self._open_stored_key = key
                    self.open_secret.clear()
                    self.open_secret.setPlaceholderText(
                        self.tr("Saved; type a new secret to replace it"))
                    continue
                page = self.pages[market]
                page.secret.clear()
                page.stored_key = key
                page.secret.setPlaceholderText(self.tr("Saved; type a new secret to replace it"))
            for market in tokens:
                self.token_fields[market].clear()
                self.token_fields[market].setPlaceholderText(
                    self.tr("Saved; paste a new token to replace it"))
            self._finish_save(True, "")

        self._pools.start(self._pools.storage, store, done, name="save-settings")

    def _finish_save(self, ok: bool, message: str) -> None:
        if ok:
            self.error_label.hide()
        else:
            self._show_error(message)
            self._close_after_save = False
        self.saveFinished.emit(ok)
        if ok:
            self.saved.emit()
            if self._close_after_save:
                self._close_after_save = False
                super().accept()

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def accept(self) -> None:
        """OK: save, and close once saving has worked."""
        self._close_after_save = True
        self.save()

    def done(self, result: int) -> None:
        if self._own_pools:
            self._pools.shutdown()
        super().done(result)


def _backend_name() -> str:
    import keyring

    backend = keyring.get_keyring()
    return str(getattr(backend, "name", type(backend).__name__))
