"""Issue 17 item 6: walk every window and dialog in Chinese and fail on any visible string that
is still English (a string lupdate never saw, a wrapper it cannot read, a raw exception text).

Each widget's shown texts are read: labels, buttons, placeholders, combo items, tab and group
titles, window titles, tooltips, accessible names, menu entries and table headers. A text is
English when, with the names that stay as they are (AppKey, VVIC, Excel, CSV…) and addresses
taken out, a word of three or more Latin letters is left."""

from __future__ import annotations

import re

import pytest
from library_data import make_result
from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QTabWidget,
    QTreeView,
    QWidget,
)

from vvic_desktop.i18n import apply_language
from vvic_desktop.paths import AppPaths
from vvic_desktop.services import DemoMarketplace, SearchServices
from vvic_desktop.storage.settings import Settings
from vvic_desktop.ui.main_window import MainWindow

# Names shown as they are in every language (brands, formats, keys, technical names).
KEEP = {
    "AppKey", "VVIC", "vvic", "OneBound", "Taobao", "Excel", "CSV", "HTML", "JSON", "XLSX",
    "GNOME", "Keyring", "KWallet", "Linux", "LAN", "HTTP", "HTTPS", "Ctrl", "English",
    "JPG", "JPEG", "PNG", "WebP", "GIF", "BMP", "HEIC", "HEIF", "jpg", "jpeg", "png", "webp",
    "gif", "bmp", "heic", "heif", "xlsx", "csv", "html", "json", "any", "demo", "MB", "URL",
    "App", "ID", "conftest",  # the test keyring's backend name, shown as the backend
}
ADDRESS = re.compile(r"(https?://\S+|[\w-]+(?:\.[\w-]+)*\.(?:com|cn|net)\b|[a-z]+_[a-z_]+|[A-Z][a-z]+[A-Z]\w*|[A-Z][A-Z0-9_]{2,}|\*\.\w+|\S+@\S+|[\w.-]+\.(?:json|ini))")
WORD = re.compile(r"[A-Za-z]{3,}")


def english_words(text: str) -> list[str]:
    text = ADDRESS.sub(" ", text)
    return [w for w in WORD.findall(text) if w not in KEEP]


def shown_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) for everything `root` and its children show or say."""
    found: list[tuple[str, str]] = []

    def add(widget: QWidget, text: str) -> None:
        if text and text.strip():
            found.append((f"{type(widget).__name__}#{widget.objectName()}", text))

    for widget in [root, *root.findChildren(QWidget)]:
        add(widget, widget.windowTitle() if widget.isWindow() else "")
        add(widget, widget.toolTip())
        add(widget, widget.accessibleName())
        if isinstance(widget, QLabel):
            add(widget, widget.text())
        if isinstance(widget, QAbstractButton):
            add(widget, widget.text())
        if isinstance(widget, QLineEdit):
            add(widget, widget.placeholderText())
        if isinstance(widget, QAbstractSpinBox):
            add(widget, widget.specialValueText())
            add(widget, getattr(widget, "suffix", lambda: "")())
        if isinstance(widget, QComboBox):
            for i in range(widget.count()):
                add(widget, widget.itemText(i))
        if isinstance(widget, QGroupBox):
            add(widget, widget.title())
        if isinstance(widget, QTabWidget):
            for i in range(widget.count()):
                add(widget, widget.tabText(i))
        if isinstance(widget, QMenu):
            for action in widget.actions():
                add(widget, action.text())
        if isinstance(widget, QTableView | QTreeView) and widget.model() is not None:
            model = widget.model()
            for column in range(model.columnCount(QModelIndex())):
                add(widget, str(model.headerData(column, _horizontal()) or ""))
    return found


def _horizontal():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal


def untranslated(root: QWidget) -> list[tuple[str, str]]:
    return [(where, text) for where, text in shown_texts(root) if english_words(text)]


@pytest.fixture
def chinese(qapp):
    assert apply_language(qapp, "zh_CN")
    yield
    apply_language(qapp, "en")


@pytest.fixture
def window(qtbot, chinese, data_dir, sandbox):
    paths = AppPaths.resolve(data_dir)
    settings = Settings.load(paths.ensure().settings_file)
    services = SearchServices(paths, settings, demo=DemoMarketplace(server=sandbox))
    window = MainWindow(services, settings, language="zh_CN", demo=True)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.libraryReady, timeout=10000):
        pass
    yield window
    window.close()
    services.close()


def test_the_checker_sees_english(qtbot):
    label = QLabel("Search cancelled.")
    qtbot.addWidget(label)
    assert untranslated(label)
    assert not english_words("VVIC 搜款网 · AppKey · VVIC_APP_KEY · http://127.0.0.1:1/x")


def test_the_main_window_and_its_tabs_are_chinese(qtbot, window):
    assert window.search_button.text() == "以图搜款"  # the walk reads the Chinese window
    window.results_model.set_groups(make_result(None).groups)
    for tab in range(window.tabs.count()):
        window.tabs.setCurrentIndex(tab)
        QApplication.processEvents()
    for menu in window.menuBar().findChildren(QMenu):
        assert not untranslated(menu), untranslated(menu)
    assert not untranslated(window), untranslated(window)


def test_every_dialog_is_chinese(qtbot, window, monkeypatch):
    from vvic_desktop.ui.compare_view import CompareView
    from vvic_desktop.ui.dialogs.import_dialog import ImportDialog
    from vvic_desktop.ui.dialogs.settings_dialog import SettingsDialog
    from vvic_desktop.ui.library import prompts

    settings_dialog = SettingsDialog(window.settings, parent=window, pools=window.pools)
    qtbot.waitUntil(settings_dialog.keys_loaded)
    import_dialog = ImportDialog(window.services, window.pools, window)
    compare = CompareView(window.thumbnails)
    compare.set_group(make_result(None).groups[0])
    for dialog in (settings_dialog, import_dialog, compare):
        qtbot.addWidget(dialog)
        assert not untranslated(dialog), untranslated(dialog)

    # the notes-and-tags dialog: read while it is open, then closed
    seen: list[list[tuple[str, str]]] = []

    def read_and_close() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, QDialog) and w.objectName() == "notesDialog"
                      and w.isVisible())
        seen.append(untranslated(dialog))
        dialog.reject()

    QTimer.singleShot(0, read_and_close)
    assert prompts.ask_notes(window, "备注", ["春款"]) is None
    assert seen == [[]], seen

    # the export dialog's title
    captions: list[str] = []
    monkeypatch.setattr(prompts.QFileDialog, "getSaveFileName",
                        lambda parent, caption, *a: (captions.append(caption), ("", ""))[1])
    prompts.ask_export_path(window, "结果.xlsx")
    assert captions and not english_words(captions[0]), captions


def test_the_window_parts_speak_chinese_too(window):
    """The search controller, saved-search actions and status area are mixins of the window:
    their strings are found under their own class names."""
    assert window._stage_text("thumbnails 3/9") == "正在下载商品图片：第 3 张，共 9 张…"
    assert window.tr("%n API call(s)", "", 2) == "调用接口 2 次"
    assert window.tr("Search cancelled.") == "已取消搜索。"
    assert window.tr("Nothing to export yet: search first.") != (
        "Nothing to export yet: search first.")
    assert window.tr("VVIC Image Search") == "搜款图搜"


@pytest.mark.parametrize("backend", ["fail", "null", "plaintext", "none"])
def test_the_settings_dialog_says_why_the_keyring_cannot_keep_secrets_in_chinese(
    qtbot, window, monkeypatch, backend
):
    """Headless Linux gets keyring's 'fail' backend: the dialog's warning said why in the
    keyring's English ("no secret service is running (keyring fell back to …)") inside the
    Chinese sentence."""
    from vvic_desktop.storage import secrets
    from vvic_desktop.ui.dialogs.settings_dialog import SettingsDialog

    found = {"fail": ("fail", "Keyring"), "null": ("null", "Keyring"),
             "plaintext": ("plaintext", "PlaintextKeyring"), "none": ("none", "")}[backend]
    monkeypatch.setattr(secrets, "insecure_backend", lambda backend=None: found)
    monkeypatch.setattr(secrets, "insecure_backend_reason",
                        lambda backend=None: secrets.INSECURE_REASONS[found[0]].format(
                            name=found[1]))
    dialog = SettingsDialog(window.settings, parent=window, pools=window.pools)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.keys_loaded)
    status = dialog.keyring_status.text()
    assert status and not english_words(status), status
    assert not untranslated(dialog), untranslated(dialog)
