import math

import pandas as pd
import pytest

from shopsight import numbers


@pytest.mark.parametrize(
    ("value", "lang", "text"),
    [
        (0, "zh", "0"),
        (9999, "zh", "9,999"),
        (12_000, "zh", "1.2万"),
        (123_456, "zh", "12.3万"),
        (120_000_000, "zh", "1.2亿"),
        (12_300, "en", "12.3K"),
        (1_250_000, "en", "1.2M"),  # one decimal, banker-free f-string rounding of 1.25
        (3_400_000_000, "en", "3.4B"),
        (100_000, "en", "100K"),
    ],
)
def test_int_compact_per_language(value, lang, text):
    assert numbers.fmt_int(value, lang) == text


def test_compact_from_threshold():
    assert numbers.fmt_int(123_456, "zh", compact_from=math.inf) == "123,456"
    assert numbers.fmt(123_456.5, "money", "en", compact_from=1e6) == "¥123,456.50"
    assert numbers.fmt(1_234_567, "money", "zh", compact_from=1e6) == "¥123.5万"


@pytest.mark.parametrize(
    ("value", "lang", "text"),
    [
        (89.5, "zh", "¥89.50"),
        (123_000, "zh", "¥12.3万"),
        (123_400, "en", "¥123.4K"),
        (-2_500, "en", "-¥2,500.00"),
        (-25_000, "zh", "-¥2.5万"),
    ],
)
def test_money(value, lang, text):
    assert numbers.fmt_money(value, lang) == text


def test_pct_and_ratio():
    assert numbers.fmt_pct(0.1234, "zh") == "12.34%"
    assert numbers.fmt_pct(0.031, "en") == "3.10%"
    assert numbers.fmt_ratio(3.456, "zh") == "3.46"


@pytest.mark.parametrize("missing", [None, math.nan, pd.NA, pd.NaT])
@pytest.mark.parametrize("kind", ["int", "money", "pct", "ratio"])
def test_missing_is_dash(missing, kind):
    assert numbers.fmt(missing, kind, "zh") == "—"


def test_change():
    assert numbers.change(110, 100) == pytest.approx(0.1)
    assert numbers.change(90, 100) == pytest.approx(-0.1)
    assert numbers.change(5, 0) is None
    assert numbers.change(None, 3) is None
    assert numbers.fmt_change(0.1234, "zh") == "+12.3%"
    assert numbers.fmt_change(-0.041, "en") == "-4.1%"
    assert numbers.fmt_change(None, "en") is None


@pytest.mark.parametrize(("change", "text", "flat"), [
    (-1e-9, "0.0%", True),  # a rounding-noise fall is no fall: no "-0.0%" and no red arrow
    (0.0004, "0.0%", True),
    (-0.0004, "0.0%", True),
    (-0.0006, "-0.1%", False),
    (0.123, "+12.3%", False),
    (1.0, "+100.0%", False),
])
def test_changes_that_round_to_zero_read_as_flat(change, text, flat):
    assert numbers.fmt_change(change, "zh") == text
    assert numbers.is_flat(text) is flat


def test_rate_changes_in_points_never_show_minus_zero():
    from shopsight import sources

    assert sources.change_text(-1e-12, "pct", "zh") == "0.00 pt"
    assert numbers.is_flat("0.00 pt")
    assert sources.change_text(-0.0004, "pct", "zh") == "-0.04 pt"
    assert not numbers.is_flat("-0.04 pt")
    assert not numbers.is_flat(None)
