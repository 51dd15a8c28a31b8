"""The settings dialog, built directly and driven with qtbot: options reach settings.json,
secrets reach the keyring (never the file), and without a secure keyring nothing is saved
in plain text."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog, QWidget

from vvic_desktop.core.market_info import MARKETS
from vvic_desktop.storage import secrets
from vvic_desktop.storage.settings import Settings
from vvic_desktop.ui.dialogs.settings_dialog import SettingsDialog


@pytest.fixture
def settings_path(data_dir: Path) -> Path:
    return data_dir / "config" / "settings.json"


def build(qtbot, settings: Settings) -> SettingsDialog:
    """A dialog whose stored AppKeys have been read (that happens on the storage pool)."""
    dlg = SettingsDialog(settings)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(dlg.keys_loaded)
    return dlg


def save(qtbot, dlg: SettingsDialog) -> bool:
    with qtbot.waitSignal(dlg.saveFinished, timeout=5000) as blocker:
        dlg.save()
    return bool(blocker.args[0])


@pytest.fixture
def dialog(qtbot, settings_path):
    dlg = build(qtbot, Settings.load(settings_path))
    dlg.show()
    return dlg


def child(dialog: QWidget, cls: type, name: str):  # type: ignore[no-untyped-def]
    widget = dialog.findChild(cls, name)
    assert widget is not None, name
    return widget


def click_check(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    """Click a radio button or check box on its indicator (its centre may be empty space)."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))


def type_into(qtbot, field, text: str) -> None:  # type: ignore[no-untyped-def]
    field.clear()
    qtbot.keyClicks(field, text)


def test_every_interactive_widget_is_named(dialog) -> None:
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit

    assert dialog.objectName() == "settingsDialog"
    for cls in (QLineEdit, QComboBox, QAbstractSpinBox, QAbstractButton):
        for widget in dialog.findChildren(cls):
            if widget.parent() is not None and type(widget.parent()).__name__ in (
                "QSpinBox", "QDoubleSpinBox", "QComboBox", "QTabBar", "QScrollArea",
            ):
                continue  # Qt's own inner parts of composite widgets
            if type(widget).__name__ in ("QToolButton",):
                continue  # tab scroll arrows
            assert widget.objectName(), widget
            assert widget.accessibleName() or widget.text(), widget.objectName()


def test_options_are_saved_to_the_settings_file(qtbot, dialog, settings_path) -> None:
    vvic = dialog.pages["vvic"]
    click_check(qtbot, vvic.sandbox)
    vvic.tier.setCurrentIndex(vvic.tier.findData(80))
    taobao = dialog.pages["taobao"]
    dialog.market_selector.setCurrentIndex(dialog.market_selector.findData("taobao"))
    click_check(qtbot, taobao.custom)
    assert taobao.custom_url.isEnabled()
    type_into(qtbot, taobao.custom_url, "http://127.0.0.1:8765")
    taobao.tier.setCurrentIndex(taobao.tier.findData(0))
    assert taobao.custom_quota.isEnabled()
    taobao.custom_quota.setValue(33)
    dialog.cache_hours.setValue(48)
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    click_check(qtbot, dialog.allow_lan)

    with qtbot.waitSignal(dialog.finished) as blocker:
        qtbot.mouseClick(child(dialog, QWidget, "settingsOk"), Qt.MouseButton.LeftButton)
    assert blocker.args[0] == QDialog.DialogCode.Accepted

    reloaded = Settings.load(settings_path)
    assert reloaded.messages == []
    assert reloaded.get("market.vvic.base_url") == MARKETS["vvic"].sandbox_url
    assert reloaded.get("market.vvic.quota_per_minute") == 80
    assert reloaded.get("market.taobao.base_url") == "http://127.0.0.1:8765"
    assert reloaded.get("market.taobao.quota_per_minute") == 33
    assert reloaded.get("cache.ttl_hours") == 48
    assert reloaded.get("ui.language") == "en"
    assert reloaded.get("images.allow_lan_hosts") is True


def test_the_dialog_shows_the_saved_values(qtbot, settings_path) -> None:
    settings = Settings(settings_path)
    settings.set("market.vvic.quota_per_minute", 80)
    settings.set("market.taobao.quota_per_minute", 45)
    settings.set("market.1688.base_url", "https://gw.example.test")
    settings.set("ui.language", "zh_CN")
    settings.save()
    dlg = build(qtbot, Settings.load(settings_path))
    assert dlg.pages["vvic"].tier.currentData() == 80
    assert dlg.pages["taobao"].tier.currentData() == 0
    assert dlg.pages["taobao"].custom_quota.value() == 45
    assert dlg.pages["1688"].custom.isChecked()
    assert dlg.pages["1688"].custom_url.text() == "https://gw.example.test"
    assert dlg.pages["vvic"].production.isChecked()
    assert dlg.language.currentData() == "zh_CN"


def test_a_bad_custom_address_is_refused_and_nothing_is_saved(qtbot, dialog, settings_path):
    page = dialog.pages["vvic"]
    click_check(qtbot, page.custom)
    type_into(qtbot, page.custom_url, "ftp://files.example.com")
    dialog.cache_hours.setValue(5)
    qtbot.mouseClick(child(dialog, QWidget, "settingsOk"), Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error_label.isVisible()
    assert "http://" in dialog.error_label.text()
    assert not settings_path.exists()


def test_secret_goes_to_the_keyring_never_the_file(qtbot, dialog, settings_path,
                                                  memory_keyring) -> None:
    page = dialog.pages["vvic"]
    type_into(qtbot, page.app_key, "app-123")
    type_into(qtbot, page.secret, "canary-s3cret-XYZ")
    assert page.secret.echoMode() == page.secret.EchoMode.Password
    assert save(qtbot, dialog)
    creds = secrets.load("vvic", environ={})
    assert creds is not None
    assert (creds.app_key, creds.app_secret) == ("app-123", "canary-s3cret-XYZ")
    assert "canary-s3cret-XYZ" not in settings_path.read_text(encoding="utf-8")
    assert page.secret.text() == ""  # not kept in the widget after saving

    # reopened: the AppKey shows, the secret does not; saving without a new secret keeps it
    again = build(qtbot, Settings.load(settings_path))
    assert again.pages["vvic"].app_key.text() == "app-123"
    assert again.pages["vvic"].secret.text() == ""
    assert "Saved" in again.pages["vvic"].secret.placeholderText()
    assert save(qtbot, again)
    assert secrets.load("vvic", environ={}).app_secret == "canary-s3cret-XYZ"


def test_a_new_app_key_needs_its_secret(qtbot, dialog, memory_keyring) -> None:
    page = dialog.pages["taobao"]
    type_into(qtbot, page.app_key, "new-key")
    assert not save(qtbot, dialog)
    assert "secret" in dialog.error_label.text()
    assert memory_keyring.store == {}


def test_onebound_routes_share_one_account(qtbot, dialog) -> None:
    page = dialog.pages["onebound-taobao"]
    type_into(qtbot, page.app_key, "ob-key")
    type_into(qtbot, page.secret, "ob-secret")
    assert save(qtbot, dialog)
    assert secrets.load("onebound-vvic", environ={}).app_key == "ob-key"
    assert not dialog.pages["onebound-vvic"].sandbox.isEnabled()  # OneBound has no sandbox


def test_without_a_secure_keyring_nothing_is_saved_in_plain_text(
    qtbot, settings_path, data_dir
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())  # what headless Linux gets
    dlg = build(qtbot, Settings.load(settings_path))
    status = dlg.keyring_status.text()
    assert "No secure keyring" in status and "plain file" in status
    page = dlg.pages["vvic"]
    assert not page.secret.isEnabled() and not page.app_key.isEnabled()
    assert "VVIC_APP_KEY" in page.secret.placeholderText()
    # even if text reached the disabled fields, saving writes it nowhere
    page.app_key.setText("app-key")
    page.secret.setText("canary-no-plaintext")
    dlg.cache_hours.setValue(12)
    assert save(qtbot, dlg)  # the other settings still save
    assert Settings.load(settings_path).get("cache.ttl_hours") == 12
    plaintext_store = Path.home() / ".local" / "share" / "python_keyring"
    for folder in (data_dir, plaintext_store):
        for path in folder.rglob("*") if folder.exists() else []:
            if path.is_file():
                assert b"canary-no-plaintext" not in path.read_bytes(), path


def test_a_keyring_that_disappears_before_saving_is_reported(qtbot, dialog,
                                                             settings_path) -> None:
    page = dialog.pages["vvic"]
    type_into(qtbot, page.app_key, "app-123")
    type_into(qtbot, page.secret, "s3cret")
    keyring.set_keyring(keyring.backends.fail.Keyring())
    assert not save(qtbot, dialog)
    assert "No secure keyring" in dialog.error_label.text()
    assert not settings_path.exists()  # nothing half-saved


def test_keyring_status_names_a_working_backend(dialog) -> None:
    assert "system keyring" in dialog.keyring_status.text()
    assert dialog.pages["vvic"].secret.isEnabled()


def test_keyring_calls_never_run_on_the_gui_thread(qtbot, settings_path, memory_keyring):
    import threading

    calls: list[str] = []

    class RecordingKeyring(type(memory_keyring)):  # type: ignore[misc]
        def get_password(self, service: str, username: str) -> str | None:
            calls.append(threading.current_thread().name)
            return super().get_password(service, username)

        def set_password(self, service: str, username: str, password: str) -> None:
            calls.append(threading.current_thread().name)
            super().set_password(service, username, password)

    keyring.set_keyring(RecordingKeyring())
    dlg = build(qtbot, Settings.load(settings_path))
    page = dlg.pages["vvic"]
    type_into(qtbot, page.app_key, "k1")
    type_into(qtbot, page.secret, "s1")
    assert save(qtbot, dlg)
    assert calls, "the keyring was never asked"
    assert threading.main_thread().name not in calls


def test_1688_access_token_and_vvic_open_platform_reach_the_keyring(
    qtbot, dialog, settings_path, memory_keyring
) -> None:
    page = dialog.pages["1688"]
    token = child(dialog, QWidget, "accessToken_1688")
    assert token.echoMode() == token.EchoMode.Password and token.isEnabled()
    type_into(qtbot, page.app_key, "ali-key")
    type_into(qtbot, page.secret, "ali-secret")
    type_into(qtbot, token, "canary-token-1688")
    open_id = child(dialog, QWidget, "openAppId")
    open_secret = child(dialog, QWidget, "openAppSecret")
    type_into(qtbot, open_id, "open-app")
    type_into(qtbot, open_secret, "canary-open-secret")
    assert save(qtbot, dialog)
    creds = secrets.load("1688", environ={})
    assert creds is not None and creds.session == "canary-token-1688"
    opened = secrets.load(secrets.VVIC_OPEN, environ={})
    assert opened is not None and (opened.app_key, opened.app_secret) == (
        "open-app", "canary-open-secret")
    text = settings_path.read_text(encoding="utf-8")
    assert "canary-token-1688" not in text and "canary-open-secret" not in text
    assert token.text() == "" and open_secret.text() == ""

    # Reopened: the token shows as saved; a renewed token alone replaces just the token.
    again = build(qtbot, Settings.load(settings_path))
    renewed = child(again, QWidget, "accessToken_1688")
    assert "Saved" in renewed.placeholderText()
    assert child(again, QWidget, "openAppId").text() == "open-app"
    type_into(qtbot, renewed, "renewed-token")
    assert save(qtbot, again)
    creds = secrets.load("1688", environ={})
    assert (creds.app_secret, creds.session) == ("ali-secret", "renewed-token")


def test_vvic_open_platform_needs_both_id_and_secret(qtbot, dialog, memory_keyring) -> None:
    type_into(qtbot, child(dialog, QWidget, "openAppId"), "open-app")
    assert not save(qtbot, dialog)
    assert "open platform" in dialog.error_label.text()
    assert memory_keyring.store == {}


def test_onebound_lang_follows_the_interface_unless_chosen(qtbot, dialog, settings_path) -> None:
    combo = child(dialog, QWidget, "oneboundLang")
    assert combo.currentData() == ""  # default: cn for a Chinese UI, en otherwise
    assert [combo.itemData(i) for i in range(combo.count())] == ["", "cn", "en", "ru"]
    combo.setCurrentIndex(combo.findData("ru"))
    assert save(qtbot, dialog)
    assert Settings.load(settings_path).get("market.onebound.lang") == "ru"


def test_a_key_from_the_environment_is_shown_as_such(qtbot, settings_path, monkeypatch):
    key_var, secret_var = secrets.env_var_names("vvic")
    monkeypatch.setenv(key_var, "env-key")
    monkeypatch.setenv(secret_var, "env-secret")
    dlg = build(qtbot, Settings.load(settings_path))
    note = dlg.findChild(QWidget, "envNote_vvic")
    assert note is not None and key_var in note.text() and "environment" in note.text()
    assert "env-secret" not in note.text()


def test_cache_hours_read_as_hours_and_autosave_can_be_switched_off(qtbot, dialog,
                                                                     settings_path):
    hours = child(dialog, QWidget, "cacheHours")
    assert hours.text() == "24 hours"  # not "24.0"
    hours.setValue(0.5)
    assert hours.text() == "0.5 hours"
    autosave = child(dialog, QWidget, "libraryAutosave")
    assert autosave.isChecked()
    click_check(qtbot, autosave)
    assert save(qtbot, dialog)
    assert Settings.load(settings_path).get("library.autosave") is False
