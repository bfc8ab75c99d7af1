"""Translations: `t(key, lang, **fmt)` over one table per language (shopsight/locales/).

Pure: the language is always an argument.  A missing key raises, so gaps show up in
tests rather than as raw keys on screen; tests/test_i18n.py keeps the tables' key
sets equal and checks that every literal key passed to t() in the tree exists.
"""

from __future__ import annotations

from shopsight.locales import en, zh

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"
LANG_NAMES = {"zh": "中文", "en": "English"}
CATALOGS: dict[str, dict[str, str]] = {"zh": zh.TEXT, "en": en.TEXT}


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    text = CATALOGS[lang][key]
    return text.format(**fmt) if fmt else text


def joined(items, lang: str = DEFAULT_LANG) -> str:
    """Items as a list in the language's words: 甲、乙、丙 / A, B, C."""
    return t("list.sep", lang).join(items)


def lang_from_locale(locale: str | None) -> str:
    """The browser's navigator.language -> 'zh' or 'en'; unknown -> Chinese first."""
    if not locale:
        return DEFAULT_LANG
    return "zh" if locale.lower().startswith("zh") else "en"


def parse_lang(value: str | None) -> str | None:
    """A `?lang=` value, or None when it is not a supported language."""
    return value if value in LANGS else None
