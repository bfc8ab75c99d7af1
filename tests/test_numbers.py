import math

import pandas as pd
import pytest

from shopsight import numbers


@pytest.mark.parametrize(
    ("value", "lang", "text"),
    [
        (0, "zh", "0"),
        (9999, "zh", "9,999"),
        (12_000, "zh", "12,000"),
        (99_999, "zh", "99,999"),
        (123_456, "zh", "12.3万"),
        (120_000_000, "zh", "1.2亿"),
        (12_300, "en", "12,300"),
        (123_400, "en", "123.4K"),
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
        (12_300, "zh", "¥12,300.00"),
        (123_400, "en", "¥123.4K"),
        (-2_500, "en", "-¥2,500.00"),
        (-250_000, "zh", "-¥25万"),
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


@pytest.mark.parametrize(
    ("change", "text", "flat"),
    [
        (-1e-9, "0.0%", True),  # a rounding-noise fall is no fall: no "-0.0%" and no red arrow
        (0.0004, "0.0%", True),
        (-0.0004, "0.0%", True),
        (-0.0006, "-0.1%", False),
        (0.123, "+12.3%", False),
        (1.0, "+100.0%", False),
    ],
)
def test_changes_that_round_to_zero_read_as_flat(change, text, flat):
    assert numbers.fmt_change(change, "zh") == text
    assert numbers.is_flat(text) is flat


def test_rate_changes_in_points_never_show_minus_zero():
    from shopsight import traffic_sources

    assert traffic_sources.change_text(-1e-12, "pct", "zh") == "0.00 pt"
    assert numbers.is_flat("0.00 pt")
    assert traffic_sources.change_text(-0.0004, "pct", "zh") == "-0.04 pt"
    assert not numbers.is_flat("-0.04 pt")
    assert not numbers.is_flat(None)


# ---------------------------------------------------------------- the one style


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (167_639.9, "¥16.8万"),  # cards and sentences: compact from 10万 on
        (99_999.99, "¥99,999.99"),  # just below 10万: full, with separators
        (100_000, "¥10万"),
        (1_234.5, "¥1,234.50"),
        (2.5e8, "¥2.5亿"),
    ],
)
def test_money_compacts_from_ten_wan(value, text):
    assert numbers.fmt_money(value, "zh") == text


def test_full_money_always_has_separators():
    assert numbers.fmt_money(167_639.9, "zh", compact_from=math.inf) == "¥167,639.90"
    assert numbers.fmt_int(1_234_567, "en", compact_from=math.inf) == "1,234,567"
    assert numbers.fmt_int(267.0, "zh") == "267"  # never "267.0"


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("CNY", "¥1,234.50"),
        ("USD", "US$1,234.50"),
        ("EUR", "€1,234.50"),
        ("XYZ", "XYZ 1,234.50"),
        (None, "¥1,234.50"),
    ],
)
def test_money_carries_its_currency(code, text):
    assert numbers.fmt_money(1_234.5, "en", currency=code) == text
    assert numbers.fmt(1_234.5, "money", "en", currency=code) == text
    assert numbers.fmt_column([1_234.5], "money", "en", currency=code) == [text]


def test_usd_is_never_written_with_yuan():
    assert "¥" not in numbers.fmt_money(-250_000, "zh", currency="USD")
    assert numbers.fmt_money(-250_000, "zh", currency="USD") == "-US$25万"
    assert numbers.column_format("money", currency="USD")["format"] == "US$%,.2f"


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (0.03, 2, "3.00%"),
        (0.0355, 2, "3.55%"),
        (0.5, 1, "50.0%"),
        (12.5, 2, "1,250.00%"),
        (0.00004, 2, "0.00%"),
    ],
)
def test_pct_has_fixed_decimals(value, decimals, text):
    assert numbers.fmt_pct(value, "zh", decimals=decimals) == text


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0, "<0.0001"),
        (3e-9, "<0.0001"),
        (0.00004, "<0.0001"),
        (0.00005, "0.0001"),
        (0.01234, "0.0123"),
        (1.0, "1.0000"),
        (None, "—"),
        (math.nan, "—"),
    ],
)
def test_p_values(p, text):
    assert numbers.fmt_p(p) == text


def test_column_picks_one_unit_for_all_its_values():
    # a small value keeps the whole column in full numbers: never '¥1,048.05 – ¥2.2万'
    assert numbers.fmt_column([1_048.05, 22_000, 1_500_000], "money", "zh") == [
        "¥1,048.05",
        "¥22,000.00",
        "¥1,500,000.00",
    ]
    # every value from 10万 on: one unit, the largest every value reaches, one decimal
    assert numbers.fmt_column([123_456, 2.5e8, None], "money", "zh") == [
        "¥12.3万",
        "¥25,000.0万",
        "—",
    ]
    assert numbers.fmt_column([150_000, 2_500_000], "int", "en") == ["150.0K", "2,500.0K"]
    assert numbers.fmt_column([2e9, 3.1e9], "int", "en") == ["2.0B", "3.1B"]
    assert numbers.fmt_column([0, 200_000], "int", "zh") == [
        "0.0万",
        "20.0万",
    ]  # zero fits any unit


def test_column_decimals_and_signs():
    assert numbers.fmt_column([0.03, 0.0355, None], "pct", "en") == ["3.00%", "3.55%", "—"]
    assert numbers.fmt_column([0.03, 0.0355], "pct", "en", decimals=1) == ["3.0%", "3.5%"]
    assert numbers.fmt_column([-1_500.5, 12.0], "money", "zh") == ["-¥1,500.50", "¥12.00"]
    assert numbers.fmt_column([-0.001, 3], "int", "zh") == ["0", "3"]  # no "-0"
    assert numbers.fmt_column([1.5, 20], "ratio", "zh") == ["1.50", "20.00"]
    assert numbers.fmt_column([0.0, 0.2], "p", "zh") == ["<0.0001", "0.2000"]
    # brute force: every text of a column has the same number of decimals
    texts = numbers.fmt_column([0.1, 0.123456, 1, 0.5], "pct", "zh")
    assert {len(x.rstrip("%").split(".")[1]) for x in texts} == {2}


@pytest.mark.parametrize(
    ("value", "lang", "currency", "text"),
    [
        (-9_852, "zh", None, "-¥9,852.00"),  # never "¥-9,852.00"
        (8_298, "zh", None, "+¥8,298.00"),
        (8_298, "en", None, "+¥8,298.00"),
        (-12.5, "en", "USD", "-US$12.50"),
        (123_456, "zh", None, "+¥12.3万"),
        (-123_456, "en", None, "-¥123.5K"),
        (0.001, "zh", None, "¥0.00"),  # rounds to nothing: no sign, as fmt_signed
        (-0.004, "en", None, "¥0.00"),
        (None, "zh", None, "—"),
    ],
)
def test_money_changes_carry_their_sign_before_the_symbol(value, lang, currency, text):
    assert numbers.fmt_money_change(value, lang, currency=currency) == text
    assert numbers.fmt(value, "money_change", lang, currency=currency) == text


def test_money_change_columns_and_grids():
    assert numbers.fmt_column([-9_852, 8_298, 0, None], "money_change", "zh") == [
        "-¥9,852.00",
        "+¥8,298.00",
        "¥0.00",
        "—",
    ]
    assert numbers.fmt_column([-150_000, 210_000], "money_change", "en", currency="USD") == [
        "-US$150.0K",
        "+US$210.0K",
    ]
    # a printf format would write the sign after the symbol: the grid gets text instead
    assert numbers.column_format("money_change") == {}


def test_grid_column_formats():
    assert numbers.column_format("int") == {"format": "%,.0f"}
    assert numbers.column_format("money") == {"format": "¥%,.2f"}
    assert numbers.column_format("ratio", decimals=1) == {"format": "%,.1f"}
    assert numbers.column_format("points") == {"format": "%+.2f pt"}
    assert numbers.column_format("pct_x100") == {"format": "%,.2f%%"}
    assert numbers.column_format("change_x100") == {"format": "%+,.1f%%"}
    pct = numbers.column_format("pct")
    assert pct["format"] == "percent" and pct["step"] == pytest.approx(1e-4)
    assert numbers.column_format("pct", decimals=1)["step"] == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="unknown"):
        numbers.column_format("bogus")


def test_grid_round_rounds_what_the_grid_would_cut():
    s = pd.Series([0.123456, 0.98766, None], dtype="Float64")
    out = numbers.grid_round(s, "pct")
    assert out.iloc[0] == pytest.approx(0.1235) and out.iloc[1] == pytest.approx(0.9877)
    assert pd.isna(out.iloc[2])
    assert numbers.grid_round(s, "int") is s


def test_region_legend_never_mixes_units():
    from shopsight.ui import regions_page as view

    # the legend of the issue: '¥1,048.05 – ¥2.2万' must not happen
    assert view.legend_labels("paid_amount", [1_048.05, 22_195.4, 22_195.4, 330_943.25], "zh") == [
        "¥1,048",
        "¥22,195",
        "¥22,195",
        "¥330,943",
    ]
    assert view.legend_labels("paid_amount", [150_000, 2_400_000], "zh") == ["¥15.0万", "¥240.0万"]
    assert view.legend_labels("conversion", [0.03, 0.0356], "en") == ["3.0%", "3.6%"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("15,640", 15640),
        ("15640", 15640),
        (" 15 640 ", 15640),
        ("1，234", 1234),
        ("１５６４０", 15640),
        ("0", 0),
        ("", None),
        ("15.5", None),
        ("-3", None),
        ("1.5万", None),
        ("abc", None),
        (None, None),
    ],
)
def test_parse_int_reads_what_fmt_int_writes(text, value):
    assert numbers.parse_int(text) == value


@pytest.mark.parametrize("value", [1, 999, 15_640, 1_234_567, 10**12])
def test_parse_int_round_trips_full_numbers(value):
    for lang in ("zh", "en"):
        assert numbers.parse_int(numbers.fmt_int(value, lang, compact_from=math.inf)) == value
