"""Every UI string is translatable and translated (zh_CN and en), and the .qm files load."""

from __future__ import annotations

import ast
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"
sys.path.insert(0, str(ROOT / "installer"))
import build_translations  # noqa: E402

# Qt setters and constructors whose string argument is shown to the user.
TEXT_CALLS = {
    "setText",
    "setToolTip",
    "setWindowTitle",
    "setPlaceholderText",
    "setStatusTip",
    "setAccessibleName",
    "setAccessibleDescription",
    "setWhatsThis",
    "showMessage",
    "addItem",
    "addMenu",
    "setTitle",
    "setLabelText",
    "setSpecialValueText",
    "setSuffix",
    "setPrefix",
    "QLabel",
    "QPushButton",
    "QCheckBox",
    "QRadioButton",
    "QAction",
    "QGroupBox",
    "QToolButton",
    "addTab",
    "setTabText",
    "setHeaderLabels",
}


# Shown as they are in every language: language names in their own language, addresses.
NOT_TRANSLATED = {"English", "中文（简体）", "中文 (cn)", "English (en)", "Русский (ru)"}


def messages(path: Path) -> dict[tuple[str, str], ET.Element]:
    tree = ET.parse(path)
    found = {}
    for context in tree.getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            found[(name, message.findtext("source"))] = message
    return found


@pytest.mark.parametrize("lang", build_translations.LANGUAGES)
def test_no_unfinished_or_empty_translation(lang):
    for (context, source), message in messages(build_translations.ts_path(lang)).items():
        translation = message.find("translation")
        assert translation.get("type") not in ("unfinished", "vanished", "obsolete"), (
            context,
            source,
        )
        forms = translation.findall("numerusform")
        texts = [form.text for form in forms] if forms else [translation.text]
        assert all(text and text.strip() for text in texts), (lang, context, source)


def test_every_ui_string_is_in_the_translation_files(tmp_path):
    fresh = tmp_path / "fresh.ts"
    subprocess.run(
        [
            build_translations.tool("pyside6-lupdate"),
            *build_translations.sources(),
            "-no-obsolete",
            "-locations",
            "none",
            "-ts",
            str(fresh),
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    in_code = set(messages(fresh))
    assert in_code, "lupdate found no tr() strings"
    for lang in build_translations.LANGUAGES:
        missing = in_code - set(messages(build_translations.ts_path(lang)))
        assert not missing, (
            f"run `python installer/build_translations.py --update` and translate: {missing}"
        )


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return None


def test_no_ui_text_bypasses_tr():
    offenders = []
    for path in build_translations.sources():
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in TEXT_CALLS:
                continue
            text = _literal_text(node.args[0])
            # words need translating; symbols, numbers and dashes do not
            if text in NOT_TRANSLATED or (text or "").startswith(("http://", "https://")):
                continue
            if text and any(ch.isalpha() for ch in text):
                offenders.append(f"{path}:{node.lineno}: {name}({text!r})")
    assert not offenders, "wrap these in self.tr():\n" + "\n".join(offenders)


def test_compiled_translations_load(qapp):
    from vvic_desktop.i18n import apply_language

    try:
        assert apply_language(qapp, "zh_CN")
        assert qapp.translate("MainWindow", "Search by image") == "以图搜款"
        assert apply_language(qapp, "en")
        assert qapp.translate("MainWindow", "Search by image") == "Search by image"
    finally:
        apply_language(qapp, "en")


def test_language_follows_the_system_unless_chosen():
    from vvic_desktop.i18n import choose_language

    assert choose_language("system", "zh_CN") == "zh_CN"
    assert choose_language("", "zh_TW") == "zh_CN"
    assert choose_language(None, "en_US") == "en"
    assert choose_language("en", "zh_CN") == "en"
    assert choose_language("zh_CN", "de_DE") == "zh_CN"


def _setup_module():
    import importlib.util

    hook = ROOT / "installer" / "build_hook.py"
    spec = importlib.util.spec_from_file_location("vvic_build_hook", hook)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_wheel_carries_the_translations_compiled_or_as_ts(tmp_path):
    """The build hook: resources/ go into the package; without lrelease (pip's isolated
    build) the .ts files go in and a stale .qm is dropped, so i18n reads the .ts."""
    setup_py = _setup_module()
    without = tmp_path / "without-lrelease"
    setup_py.ship_resources(without, None)
    for lang in build_translations.LANGUAGES:
        assert (without / "i18n" / f"vvic_desktop_{lang}.ts").is_file()
    assert (without / "icons" / "vvic-desktop-256.png").is_file()
    assert (without / "samples" / "dress-photo.jpg").is_file()
    assert not list(without.rglob("*.py"))

    with_tool = tmp_path / "with-lrelease"
    setup_py.ship_resources(with_tool, build_translations.tool("pyside6-lrelease"))
    for lang in build_translations.LANGUAGES:
        assert (with_tool / "i18n" / f"vvic_desktop_{lang}.qm").stat().st_size > 1000
