import pandas as pd
import pytest

from shopsight import metrics, schema


def test_design_metrics_are_defined_with_their_formulas():
    expect = {
        "conversion": ("paying_buyers", "visitors", "pct"),
        "aov": ("paid_amount", "paying_buyers", "money"),
        "uv_value": ("paid_amount", "visitors", "money"),
        "cost_per_visitor": ("spend", "visitors", "money"),
        "roi": ("paid_amount", "spend", "ratio"),
        "add_to_cart_rate": ("add_to_cart_buyers", "visitors", "pct"),
        "refund_rate": ("refund_amount", "paid_amount", "pct"),
        "repurchase_rate": ("repeat_buyers", "buyers", "pct"),
        "ctr": ("clicks", "impressions", "pct"),
        "sell_through": ("products_sold", "products_listed", "pct"),
    }
    for name, (num, den, fmt) in expect.items():
        m = metrics.get(name)
        assert (m.numerator, m.denominator, m.fmt) == (num, den, fmt)
    assert metrics.get("gross_margin").denominator is None


def test_up_is_bad_for_refunds_and_costs():
    # green up (English): a rise of refunds or costs is drawn red, as Streamlit's inverse does
    assert metrics.delta_color("refund_rate", "green_up") == "inverse"
    assert metrics.delta_color("cost_per_visitor", "green_up") == "inverse"
    assert metrics.delta_color("conversion", "green_up") == "normal"
    # red up (中文): the other way round
    assert metrics.delta_color("refund_rate", "red_up") == "normal"
    assert metrics.delta_color("conversion", "red_up") == "inverse"


def test_sum_inputs_are_canonical_columns():
    canonical = {c for k in schema.KINDS.values() for c in k.column_names}
    query_made = {
        "gross_margin",
        "repeat_buyers",
        "buyers",
        "products_sold",
        "products_listed",
        "count_inquiries",
        "count_closed",
    }
    for m in metrics.METRICS.values():
        assert set(m.inputs) <= canonical | query_made, m.name


def test_sql_is_sum_over_sum():
    assert metrics.sql("conversion") == "sum(paying_buyers) / nullif(sum(visitors), 0)"
    assert metrics.sql("paid_amount") == "sum(paid_amount)"


def test_sql_expression_matches_python_value():
    import duckdb

    df = pd.DataFrame(
        {"visitors": [100, 300, 0], "paying_buyers": [3, 9, 0], "paid_amount": [300.0, 450.0, 0.0]}
    )
    con = duckdb.connect()
    con.register("t", df)
    for name in ("conversion", "aov", "uv_value"):
        got = con.execute(f"select {metrics.sql(name)} from t").fetchone()[0]
        sums = df.sum()
        assert got == pytest.approx(metrics.value(name, sums))
    # ratio of sums, not the mean of per-row ratios (0.03, 0.03 -> same here; aov differs)
    assert metrics.value("aov", df.sum()) == pytest.approx(750 / 12)


def test_division_by_zero_is_none_and_shown_as_dash():
    sums = {"visitors": 0, "paying_buyers": 0, "paid_amount": 0.0}
    assert metrics.value("conversion", sums) is None
    assert metrics.fmt("conversion", metrics.value("conversion", sums), "zh") == "—"
    assert metrics.value("conversion", {"paying_buyers": 5}) is None
    assert metrics.value("conversion", {"visitors": None, "paying_buyers": 1}) is None


def test_value_from_dataframe_row_and_empty_frame():
    df = pd.DataFrame({"clicks": [30], "impressions": [1000]})
    assert metrics.value("ctr", df) == pytest.approx(0.03)
    assert metrics.value("ctr", df.iloc[0:0]) is None


def test_compute_adds_per_row_ratios():
    df = pd.DataFrame({"day": [1, 2], "visitors": [200, 0], "paying_buyers": [10, 0]})
    out = metrics.compute(df, ["conversion", "visitors"])
    assert out["conversion"].iloc[0] == pytest.approx(0.05)
    assert pd.isna(out["conversion"].iloc[1])
    assert list(out["visitors"]) == [200, 0]


def test_available():
    assert metrics.available("roi", ["paid_amount", "spend", "visitors"])
    assert not metrics.available("roi", ["paid_amount", "visitors"])


def test_formatting_by_metric():
    assert metrics.fmt("conversion", 0.0345, "zh") == "3.45%"
    assert metrics.fmt("paid_amount", 123_000, "zh") == "¥12.3万"
    assert metrics.fmt("roi", 2.5, "en") == "2.50"
    assert metrics.label("uv_value", "zh") == "UV价值"


# ---------- the one ratio helper


@pytest.mark.parametrize(
    ("num", "den", "want"),
    [
        (3, 4, 0.75),
        (0, 5, 0.0),  # a zero numerator is a real 0, not "no value"
        (3, 0, None),  # division by zero: no value (shown as —)
        (3, 0.0, None),
        (None, 4, None),
        (3, None, None),
        (float("nan"), 4, None),
        (3, float("nan"), None),
        (pd.NA, 4, None),
        (3, pd.NA, None),
    ],
)
def test_ratio_missing_and_zero(num, den, want):
    got = metrics.ratio(num, den)
    assert got == (None if want is None else pytest.approx(want))
    assert got is None or isinstance(got, float)


def test_ratios_matches_ratio_element_by_element():
    import numpy as np

    num = [3, 0, 3, None, float("nan"), 7, 1.5]
    den = [4, 5, 0, 4, 4, float("nan"), -3]
    got = metrics.ratios(num, den)
    assert got.dtype == np.float64
    want = [metrics.ratio(n, d) for n, d in zip(num, den, strict=True)]
    for g, w in zip(got, want, strict=True):
        assert np.isnan(g) if w is None else g == pytest.approx(w)
    # nullable pandas columns and a scalar denominator broadcast
    s = pd.Series([1, None, 4], dtype="Float64")
    np.testing.assert_allclose(metrics.ratios(s, 2), [0.5, np.nan, 2.0])


def test_value_uses_the_same_rule_as_ratio():
    assert metrics.value("conversion", {"paying_buyers": 5, "visitors": 0}) is None
    assert metrics.value("conversion", {"paying_buyers": float("nan"), "visitors": 10}) is None
    assert metrics.value("conversion", {"paying_buyers": 0, "visitors": 10}) == 0.0
    assert metrics.value("paid_amount", {"paid_amount": pd.NA}) is None


def test_spend_rates_count_only_spend_rows():
    # two sources: 直通车 spent 200 and brought 100 visitors / ¥500; 手淘搜索 is free traffic
    rows = pd.DataFrame(
        {
            "source": ["直通车", "手淘搜索"],
            "visitors": [100, 900],
            "paid_amount": [500.0, 4500.0],
            "spend": [200.0, 0.0],
        }
    )
    spent = rows[rows["spend"] > 0]
    got = metrics.spend_rates(
        rows["spend"].sum(), spent["paid_amount"].sum(), spent["visitors"].sum()
    )
    assert got == {"roi": pytest.approx(500 / 200), "cost_per_visitor": pytest.approx(200 / 100)}
    # no spend at all: neither rate exists
    assert metrics.spend_rates(0.0, 0.0, 0) == {"roi": None, "cost_per_visitor": None}
    assert metrics.spend_rates(200.0, 500.0)["cost_per_visitor"] is None
