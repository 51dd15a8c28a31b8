"""With no compiled .qm (an editable install, a wheel built without Qt's tools) the .ts is
read directly: the window still speaks Chinese; a translation that cannot load is said once."""

from __future__ import annotations

import logging
import shutil

import pytest
from PySide6.QtCore import QCoreApplication

from vvic_desktop import i18n


@pytest.fixture
def ts_only(tmp_path, monkeypatch, qapp):
    """resources/ as an install without .qm files: the .ts sources only."""
    real = i18n.resources_dir()
    (tmp_path / "resources" / "i18n").mkdir(parents=True)
    for ts in (real / "i18n").glob("*.ts"):
        shutil.copy(ts, tmp_path / "resources" / "i18n" / ts.name)
    monkeypatch.setattr(i18n, "resources_dir", lambda: tmp_path / "resources")
    yield tmp_path / "resources" / "i18n"
    monkeypatch.undo()
    assert i18n.apply_language(qapp, "en")  # the English interface for the other UI tests


def test_without_the_qm_the_window_is_chinese(ts_only, qapp, make_window):
    assert not list(ts_only.glob("*.qm"))
    assert i18n.apply_language(qapp, "zh_CN")
    assert i18n.translation_problem() is None
    assert QCoreApplication.translate("App", "VVIC Image Search") == "搜款图搜"
    window = make_window(demo=False)
    assert window.search_button.text() == "以图搜款"
    # plural forms come from the .ts too (%n substituted by Qt)
    text = QCoreApplication.translate("BatchView", "%n photo(s) added.", None, 3)
    assert "3" in text and "photo" not in text


def test_english_plurals_from_the_ts(ts_only, qapp):
    assert i18n.apply_language(qapp, "en")
    one = QCoreApplication.translate("BatchView", "%n photo(s) added.", None, 1)
    many = QCoreApplication.translate("BatchView", "%n photo(s) added.", None, 4)
    assert "(s)" not in one + many and one != many.replace("4", "1")


def test_a_translation_that_cannot_load_is_logged_and_said_once(ts_only, qapp, caplog):
    (ts_only / "vvic_desktop_zh_CN.ts").write_text("<TS><context>", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="vvic_desktop.i18n"):
        assert not i18n.apply_language(qapp, "zh_CN")
    assert any("could not be loaded" in r.getMessage() for r in caplog.records)
    problem = i18n.translation_problem()
    assert problem and "翻译" in problem
    assert i18n.translation_problem() is None  # once
    assert QCoreApplication.translate("App", "VVIC Image Search") == "VVIC Image Search"
