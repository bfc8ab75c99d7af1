"""What-if projection math (shopsight/whatif.py)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from shopsight.whatif import COLUMNS, Change, project, waterfall


def baseline() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["手淘搜索", "直通车", "首页推荐", "淘宝客"],
            "visitors": [10_000, 4_000, 3_000, 0],
            "paying_buyers": [300, 100, 30, 0],
            "paid_amount": [30_000.0, 12_000.0, 2_400.0, 0.0],
            "spend": [0.0, 6_000.0, 800.0, 500.0],
        }
    )


def row(projection, source):
    frame = projection.by_source
    return frame[frame["source"] == source].iloc[0]


def same(a, b) -> bool:
    return (a is None and b is None) or (
        a is not None and b is not None and (a == b or (math.isnan(a) and math.isnan(b)))
    )


def test_zero_change_is_the_baseline_exactly():
    p = project(baseline())
    frame = p.by_source
    assert list(frame.columns) == list(COLUMNS)
    for metric in ("visitors", "buyers", "conversion", "aov", "revenue", "spend", "roi",
                   "uv_value"):  # fmt: skip
        pd.testing.assert_series_equal(
            frame[metric], frame[f"{metric}_base"], check_names=False, rtol=0, atol=0
        )
        assert same(p.total[metric], p.total[f"{metric}_base"]), metric
    assert (frame["revenue_change"] == 0).all()
    assert p.total["revenue_change"] == 0


def test_hand_computed_scenario():
    p = project(baseline(), Change(traffic_pct=10, conversion_pts=0.5, aov_pct=-5, spend_pct=20))
    search = row(p, "手淘搜索")
    assert search["visitors"] == pytest.approx(11_000)
    assert search["conversion"] == pytest.approx(0.035)  # 3% + 0.5 points
    assert search["buyers"] == pytest.approx(385)
    assert search["aov"] == pytest.approx(95)  # 100 - 5%
    assert search["revenue"] == pytest.approx(36_575)
    assert search["uv_value"] == pytest.approx(36_575 / 11_000)
    assert search["revenue_change"] == pytest.approx(6_575)
    ads = row(p, "直通车")
    assert ads["spend"] == pytest.approx(7_200)
    assert ads["roi"] == pytest.approx(4_400 * 0.03 * 120 * 0.95 / 7_200)  # 2.5% + 0.5 points


def test_revenue_is_linear_in_the_traffic_change():
    for conversion_pts in (0.0, 1.0):
        revenue = [
            project(baseline(), Change(traffic_pct=x, conversion_pts=conversion_pts)).total[
                "revenue"
            ]
            for x in (0, 10, 20, 50, -30)
        ]
        step = revenue[1] - revenue[0]
        assert revenue[2] - revenue[0] == pytest.approx(2 * step)
        assert revenue[3] - revenue[0] == pytest.approx(5 * step)
        assert revenue[4] - revenue[0] == pytest.approx(-3 * step)


def test_conversion_points_are_clamped_to_0_and_1():
    base = pd.DataFrame(
        {
            "source": ["high", "low"],
            "visitors": [100, 100],
            "paying_buyers": [98, 2],
            "paid_amount": [9_800.0, 200.0],
        }
    )
    up = project(base, Change(conversion_pts=5))
    assert row(up, "high")["conversion"] == pytest.approx(1.0)
    assert row(up, "high")["buyers"] == pytest.approx(100)
    assert row(up, "low")["conversion"] == pytest.approx(0.07)
    down = project(base, Change(conversion_pts=-5))
    assert row(down, "low")["conversion"] == 0
    assert row(down, "low")["buyers"] == 0
    assert row(down, "low")["revenue"] == 0
    assert math.isnan(row(down, "low")["aov"])
    assert row(down, "high")["buyers"] == pytest.approx(93)


def test_zero_visitor_source_stays_zero_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = project(baseline(), Change(traffic_pct=50, conversion_pts=2, aov_pct=10))
    taobaoke = row(p, "淘宝客")
    assert taobaoke["visitors"] == 0
    assert taobaoke["buyers"] == 0
    assert taobaoke["revenue"] == 0
    assert taobaoke["revenue_change"] == 0
    for metric in ("conversion", "aov", "uv_value", "conversion_base", "uv_value_base"):
        assert math.isnan(taobaoke[metric]), metric
    assert taobaoke["roi"] == 0  # spend but no revenue


def test_zero_spend_gives_no_roi():
    p = project(baseline(), Change(spend_pct=50))
    assert math.isnan(row(p, "手淘搜索")["roi"])
    assert math.isnan(row(p, "手淘搜索")["roi_base"])
    no_spend = project(baseline().assign(spend=0.0))
    assert no_spend.total["roi"] is None and no_spend.total["roi_base"] is None
    without_column = project(baseline().drop(columns="spend"))
    assert without_column.total["spend"] == 0 and without_column.total["roi"] is None


def test_source_without_buyers_values_gained_buyers_at_the_shop_aov():
    base = pd.DataFrame(
        {
            "source": ["paid", "new"],
            "visitors": [1_000, 1_000],
            "paying_buyers": [50, 0],
            "paid_amount": [5_000.0, 0.0],
        }
    )
    p = project(base, per_source={"new": Change(conversion_pts=1, aov_pct=10)})
    new = row(p, "new")
    assert new["buyers"] == pytest.approx(10)
    assert new["revenue"] == pytest.approx(10 * 100 * 1.1)
    assert row(p, "paid")["revenue"] == 5_000


def test_totals_are_sums_and_ratios_come_from_the_sums():
    p = project(baseline(), Change(traffic_pct=20, conversion_pts=-0.3, aov_pct=8, spend_pct=-10))
    frame, total = p.by_source, p.total
    for metric in ("visitors", "buyers", "revenue", "spend"):
        assert total[metric] == pytest.approx(frame[metric].sum())
        assert total[f"{metric}_base"] == pytest.approx(frame[f"{metric}_base"].sum())
    assert total["roi"] == pytest.approx(frame["revenue"].sum() / frame["spend"].sum())
    assert total["uv_value"] == pytest.approx(frame["revenue"].sum() / frame["visitors"].sum())
    assert total["conversion"] == pytest.approx(frame["buyers"].sum() / frame["visitors"].sum())
    assert total["aov"] == pytest.approx(frame["revenue"].sum() / frame["buyers"].sum())
    # not the average of the per-source ratios
    assert total["uv_value_base"] != pytest.approx(frame["uv_value_base"].mean())
    assert total["roi_base"] != pytest.approx(frame["roi_base"].mean())
    assert total["revenue_change"] == pytest.approx(frame["revenue_change"].sum())


def test_per_source_change_replaces_the_global_one():
    p = project(baseline(), Change(traffic_pct=10), per_source={"直通车": Change(spend_pct=-50)})
    assert row(p, "手淘搜索")["visitors"] == pytest.approx(11_000)
    assert row(p, "直通车")["visitors"] == 4_000  # no traffic change there
    assert row(p, "直通车")["spend"] == 3_000
    assert row(p, "首页推荐")["spend"] == 800


def test_rows_of_one_source_are_summed_first():
    daily = pd.concat([baseline(), baseline()], ignore_index=True)
    p = project(daily, Change(traffic_pct=10))
    assert list(p.by_source["source"]) == ["手淘搜索", "直通车", "首页推荐", "淘宝客"]
    assert row(p, "手淘搜索")["visitors_base"] == 20_000
    assert row(p, "手淘搜索")["conversion_base"] == pytest.approx(0.03)


def test_waterfall_steps_from_baseline_to_scenario():
    p = project(baseline(), per_source={"手淘搜索": Change(traffic_pct=10),
                                        "直通车": Change(aov_pct=-50)})  # fmt: skip
    bars = waterfall(p)
    assert bars["label"].tolist() == ["baseline", "手淘搜索", "直通车", "首页推荐", "淘宝客",
                                      "scenario"]  # fmt: skip
    assert bars["kind"].tolist() == ["total"] + ["change"] * 4 + ["total"]
    assert bars["amount"].tolist()[1:3] == pytest.approx([3_000, -6_000])
    changes = bars[bars["kind"] == "change"]
    assert np.allclose(changes["end"] - changes["start"], changes["amount"])
    assert changes["start"].iloc[0] == bars["end"].iloc[0]
    assert np.allclose(changes["start"].iloc[1:].to_numpy(), changes["end"].iloc[:-1].to_numpy())
    assert changes["end"].iloc[-1] == pytest.approx(bars["amount"].iloc[-1])
    assert bars["amount"].iloc[-1] == pytest.approx(44_400 - 3_000)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: project(baseline(), per_source={"抖音": Change()}), "no baseline for source"),
        (lambda: project(baseline().drop(columns="visitors")), "needs column"),
        (lambda: project(baseline().assign(spend=-1.0)), "negative"),
        (lambda: Change(traffic_pct=-101), "below -100%"),
    ],
)
def test_bad_input_is_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()
