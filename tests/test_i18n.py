import re
import string
from pathlib import Path

import pytest

from shopsight import i18n, metrics, schema
from shopsight.i18n import t
from shopsight.locales import en, zh

ROOT = Path(__file__).resolve().parent.parent
# t("key", ...) with a literal key; dynamic keys (f-strings) are covered by the table tests below.
T_CALL = re.compile(r"""\bt\(\s*["']([A-Za-z0-9_.]+)["']\s*[,)]""")


def _source_files():
    yield from ROOT.glob("app.py")
    for folder in ("views", "shopsight", "bench"):
        found = list((ROOT / folder).rglob("*.py"))
        assert found, f"{folder}/ holds no .py files: the scan would check nothing there"
        yield from found


def test_zh_en_have_same_keys():
    assert zh.TEXT.keys() == en.TEXT.keys(), sorted(zh.TEXT.keys() ^ en.TEXT.keys())


def test_placeholders_match_between_languages():
    def fields(text):
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    bad = [k for k in zh.TEXT if fields(zh.TEXT[k]) != fields(en.TEXT[k])]
    assert not bad


def test_every_key_used_in_code_exists():
    used = {}
    for path in _source_files():
        for key in T_CALL.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, path.relative_to(ROOT).as_posix())
    assert used, "the scan found no t() calls at all"
    missing = {k: where for k, where in used.items() if k not in zh.TEXT}
    assert not missing


def test_every_metric_is_translated():
    for name in metrics.METRICS:
        for lang in i18n.LANGS:
            assert t(f"metric.{name}", lang)
            assert t(f"metric_help.{name}", lang)


def test_every_kind_and_column_is_translated():
    for kind in schema.KINDS.values():
        assert f"kind.{kind.name}" in zh.TEXT
        for col in kind.column_names:
            assert f"col.{col}" in zh.TEXT


def test_t_formats_and_raises_on_missing_key():
    assert t("filters.data_covers", "zh", start="2026-11-01", end="2026-11-30") == (
        "数据覆盖 2026-11-01 ~ 2026-11-30"
    )
    assert t("metric.conversion", "en") == "Conversion rate"
    assert t("metric.conversion") == "支付转化率"
    with pytest.raises(KeyError):
        t("no.such.key", "zh")


@pytest.mark.parametrize(
    ("locale", "lang"),
    [
        ("zh-CN", "zh"),
        ("zh-TW", "zh"),
        ("ZH", "zh"),
        ("en-US", "en"),
        ("de-DE", "en"),
        (None, "zh"),
    ],
)
def test_lang_from_browser_locale(locale, lang):
    assert i18n.lang_from_locale(locale) == lang


def test_parse_lang():
    assert i18n.parse_lang("en") == "en"
    assert i18n.parse_lang("fr") is None
    assert i18n.parse_lang(None) is None


def test_dynamic_key_families_are_translated():
    """Keys built at run time (t(f"cmp.{mode}") and the like) cannot be found by the scan."""
    from shopsight import periods
    from shopsight.ui import filters, overview_page, regions_page

    keys = [f"cmp.{m}" for m in periods.COMPARE_MODES]
    keys += [f"overview.movers_{d}" for d in overview_page.MOVER_DIMS]
    keys += list(filters.DIM_LABELS.values())
    keys += [f"data.mode_{m}" for m in ("replace", "append")]
    keys += [f"data.reason_{r}" for r in ("personal", "address", "comparison")]
    keys += [k for texts in regions_page.SHARE_TEXTS.values() for k in texts]
    missing = [k for k in keys if k not in zh.TEXT]
    assert not missing
