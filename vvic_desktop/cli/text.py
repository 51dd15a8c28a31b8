"""The CLI's own words in the user's language (zh_CN or en, as `--lang` or the locale chose:
see `core.errors.language`). The CLI loads no Qt, so its strings live here, both languages
side by side, rather than in the Qt .ts files."""

from __future__ import annotations

from vvic_desktop.core import errors


def lang_text(en: str, zh: str) -> str:
    """`zh` when the messages are Chinese, else `en`."""
    return zh if errors.language().startswith("zh") else en
