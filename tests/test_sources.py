"""shopsight/traffic_sources.py and queries/sources_*.sql: numbers equal hand-computed values."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from shopsight import metrics, traffic_sources, whatif
from shopsight.i18n import t

NOV = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}
OCT = {"cmp_start": date(2026, 10, 2), "cmp_end": date(2026, 10, 31)}
NO_FILTERS = {"src": None, "dev": None, "prov": None, "plat": None, "cur": None, "cat": None}


def rows() -> pd.DataFrame:
    """Four sources as sources_by_source.sql returns them (current and compare sums)."""
    return pd.DataFrame(
        {
            "source": ["直通车", "手淘搜索", "淘宝客", "直接访问"],
            "visitors": [1000, 3000, 500, 500],
            "add_to_cart_buyers": [100, 300, 40, 60],
            "paying_buyers": [20, 90, 10, 30],
            "paid_amount": [2000.0, 9000.0, 1500.0, 4500.0],
            "spend": [2500.0, None, None, None],
            "cmp_visitors": [800, 3000, 500, 600],
            "cmp_add_to_cart_buyers": [80, 300, 40, 60],
            "cmp_paying_buyers": [24, 72, 10, 30],
            "cmp_paid_amount": [2400.0, 7200.0, 1500.0, 4500.0],
            "cmp_spend": [2000.0, None, None, None],
        }
    )


def by_source(tbl) -> dict:
    return {r["source"]: r for r in tbl.to_dict("records")}


def test_paid_rule():
    assert traffic_sources.is_paid("直通车")
    assert traffic_sources.is_paid("淘宝客")  # by name, even without a spend column
    assert traffic_sources.is_paid("付费流量")
    assert traffic_sources.is_paid("淘内付费其他")
    assert traffic_sources.is_paid("Paid search")
    assert not traffic_sources.is_paid("手淘搜索")
    assert not traffic_sources.is_paid("手淘搜索", None, float("nan"))
    assert traffic_sources.is_paid("自定义渠道", 12.0)  # any source with spend
    assert traffic_sources.is_paid("自定义渠道", None, 5.0)  # spend in the compare period only
    assert not traffic_sources.is_paid("自定义渠道", 0.0, 0.0)


def test_table_hand_computed():
    tbl = traffic_sources.table(rows())
    assert tbl["source"].tolist() == ["手淘搜索", "直通车", "淘宝客", "直接访问"]  # by visitors
    s = by_source(tbl)
    ztc = s["直通车"]
    assert ztc["group"] == "paid"
    assert ztc["visitor_share"] == pytest.approx(0.2)
    assert ztc["amount_share"] == pytest.approx(2000 / 17000)
    assert ztc["conversion"] == pytest.approx(0.02)
    assert ztc["aov"] == pytest.approx(100)
    assert ztc["uv_value"] == pytest.approx(2)
    assert ztc["cost_per_visitor"] == pytest.approx(2.5)
    assert ztc["roi"] == pytest.approx(0.8)
    assert ztc["add_to_cart_rate"] == pytest.approx(0.1)
    assert ztc["visitors_change"] == pytest.approx(0.25)
    assert ztc["conversion_change"] == pytest.approx(-0.01)  # 3% -> 2%: one point down
    assert ztc["paid_amount_change"] == pytest.approx(2000 / 2400 - 1)
    assert ztc["spend_change"] == pytest.approx(0.25)
    assert ztc["roi_change"] == pytest.approx(0.8 / 1.2 - 1)
    assert s["淘宝客"]["group"] == "paid"
    assert pd.isna(s["淘宝客"]["roi"])  # paid by name, but no spend recorded
    assert s["手淘搜索"]["group"] == "free"
    assert pd.isna(s["手淘搜索"]["cost_per_visitor"])
    assert s["手淘搜索"]["conversion_change"] == pytest.approx(0.006)
    assert s["直接访问"]["uv_value"] == pytest.approx(9)


def test_table_without_compare_has_no_changes():
    r = rows()
    for c in [c for c in r.columns if c.startswith("cmp_")]:
        r[c] = None
    tbl = traffic_sources.table(r)
    assert tbl["visitors_change"].isna().all()
    assert tbl["conversion_change"].isna().all()
    assert traffic_sources.table(r.head(0)).empty


def test_zero_visitors_give_no_rates():
    r = rows()
    r.loc[0, ["visitors", "paying_buyers", "paid_amount", "spend"]] = [0, 0, 0.0, 0.0]
    ztc = by_source(traffic_sources.table(r))["直通车"]
    assert pd.isna(ztc["conversion"]) and pd.isna(ztc["uv_value"]) and pd.isna(ztc["roi"])


def test_groups_and_totals():
    tbl = traffic_sources.table(rows())
    g = traffic_sources.groups(tbl).set_index("group")
    assert g.index.tolist() == ["paid", "free"]
    paid, free = g.loc["paid"], g.loc["free"]
    assert paid["count_sources"] == 2
    assert paid["visitors"] == 1500
    assert paid["visitor_share"] == pytest.approx(0.3)
    assert paid["amount_share"] == pytest.approx(3500 / 17000)
    assert paid["conversion"] == pytest.approx(30 / 1500)
    # ROI over the sources with spend only: 淘宝客's revenue has no spend against it
    assert paid["roi"] == pytest.approx(2000 / 2500)
    assert paid["cmp_roi"] == pytest.approx(2400 / 2000)
    assert paid["visitors_change"] == pytest.approx(1500 / 1300 - 1)
    assert free["visitors"] == 3500
    assert pd.isna(free["roi"])
    tot = traffic_sources.totals(tbl)
    assert tot["uv_value"] == pytest.approx(17000 / 5000)
    assert tot["conversion"] == pytest.approx(150 / 5000)
    assert tot["cmp_conversion"] == pytest.approx(136 / 4900)
    assert tot["roi"] == pytest.approx(0.8)


def test_quadrant_medians():
    q = traffic_sources.quadrant(traffic_sources.table(rows()))
    assert q.median_visitors == 750  # median of 3000, 1000, 500, 500
    assert q.median_conversion == pytest.approx(0.025)  # of 3%, 2%, 2%, 6%
    quad = dict(zip(q.frame["source"], q.frame["quadrant"], strict=True))
    assert quad == {"手淘搜索": "star", "直通车": "volume", "淘宝客": "weak", "直接访问": "niche"}


def test_findings_hand_computed_in_both_languages():
    tbl = traffic_sources.table(rows())
    found = traffic_sources.findings(tbl, has_compare=True)
    assert [f.key.removeprefix("sources.finding_") for f in found] == [
        "conv_up",
        "down",
        "up_conv_down",
        "roi_loss",
        "best_uv",
        "paid_share_roi",
        "volume_low_conv",
    ]
    said = traffic_sources.insights(tbl, "zh", has_compare=True)
    assert len(said) == traffic_sources.FINDINGS_LIMIT
    assert said[0] == "手淘搜索 支付转化率 +0.6 个百分点，支付金额 +25%。"
    assert said[1] == "直接访问 访客 −17%（占全店访客 10.00%），支付金额 +0%。"
    assert said[2] == (
        "直通车 访客 +25%，但支付转化率 −1.0 个百分点：新增的流量没有带来相应的买家。"
    )
    assert said[3] == "直通车 投入产出比只有 0.80：花费 ¥2,500.00，带来支付金额 ¥2,000.00。"
    assert said[4] == "直接访问 的 UV价值 ¥9.00 最高，是全店 ¥3.40 的 2.6 倍。"
    en = traffic_sources.insights(tbl, "en", has_compare=True, limit=7)
    assert en[2] == (
        "直通车 visitors +25%, but conversion −1.0 points: the extra traffic is "
        "not bringing matching buyers."
    )
    assert en[5] == (
        "Paid sources bring 30.00% of visitors and 20.59% of the paid amount, "
        "for a spend of ¥2,500.00 (ROI 0.80)."
    )
    assert en[6] == (
        "直通车 brings 20.00% of visitors, but its conversion 2.00% is below the "
        "median over sources (2.50%)."
    )


def test_findings_without_compare_are_standing_facts_only():
    tbl = traffic_sources.table(rows())
    keys = [f.key for f in traffic_sources.findings(tbl, has_compare=False)]
    assert keys == [
        "sources.finding_roi_loss",
        "sources.finding_best_uv",
        "sources.finding_paid_share_roi",
        "sources.finding_volume_low_conv",
    ]
    assert traffic_sources.findings(tbl.head(0), has_compare=True) == []


def test_best_uv_is_said_only_when_the_multiple_says_something():
    near = rows()
    near.loc[near["source"] == "直接访问", "paid_amount"] = 1466.48
    tbl = traffic_sources.table(near)
    shop = near["paid_amount"].sum() / near["visitors"].sum()
    best = max(tbl["uv_value"]) / shop
    assert 1.0 < best < traffic_sources.TIMES_WORTH_SAYING  # "1.1 倍" at most: it would say nothing
    assert "sources.finding_best_uv" not in [
        f.key for f in traffic_sources.findings(tbl, has_compare=False)
    ]


def test_sentence_formats_follow_the_placeholder_names():
    f = traffic_sources.Finding(
        "sources.finding_paid_share", {"visitor_share": 0.25, "amount_share": 0.5}, 0
    )
    assert traffic_sources.sentence(f, "zh") == "付费来源带来 25.00% 的访客和 50.00% 的支付金额。"
    assert traffic_sources.signed_pct(-0.184, "zh") == "−18%"
    assert traffic_sources.signed_points(0.0123, "en") == "+1.2"
    assert metrics.change("conversion", 0.03, 0.02) == pytest.approx(0.01)
    assert metrics.change("paid_amount", 120, 100) == pytest.approx(0.2)
    assert metrics.change("visitors", None, 100) is None
    assert traffic_sources.change_text(0.0123, "pct", "zh") == "+1.23 pt"
    assert traffic_sources.change_text(-0.05, "money", "zh") == "-5.0%"


def test_scenario_summary_matches_whatif():
    tbl = traffic_sources.table(rows())
    base = tbl[["source", "visitors", "paying_buyers", "paid_amount", "spend"]].astype(
        {"visitors": float, "paying_buyers": float, "paid_amount": float, "spend": float}
    )
    p = whatif.project(
        base.fillna(0.0),
        whatif.Change(),
        {"直通车": whatif.Change(traffic_pct=20, conversion_pts=0.5)},
    )
    s = traffic_sources.scenario_summary(p).set_index("metric")
    # 直通车: 1200 visitors at 2.5% = 30 buyers at ¥100 = ¥3000 (was 20 buyers, ¥2000)
    assert s.loc["visitors", "scenario"] == pytest.approx(5200)
    assert s.loc["paying_buyers", "scenario"] == pytest.approx(160)
    assert s.loc["paid_amount", "scenario"] == pytest.approx(18000)
    assert s.loc["paid_amount", "change"] == pytest.approx(1000 / 17000)
    assert s.loc["conversion", "change"] == pytest.approx(160 / 5200 - 150 / 5000)
    assert s.loc["roi", "baseline"] == pytest.approx(0.8)  # over the sources with spend
    assert s.loc["roi", "scenario"] == pytest.approx(3000 / 2500)
    assert s.loc["uv_value", "scenario"] == pytest.approx(18000 / 5200)
    assert s.loc["spend", "change"] == 0


# ---------- the SQL on the small shop (tests/conftest.py)


def test_sources_by_source_on_the_small_shop(small_ws, run_query):
    df = run_query(small_ws, "sources_by_source", **NOV, **OCT, **NO_FILTERS)
    r = df.set_index("source")
    assert "全部" not in r.index
    # 直通车: per day 150 + i visitors on 无线 and 110 + i on PC, i = 31..60 in November
    assert r.loc["直通车", "visitors"] == sum(260 + 2 * i for i in range(31, 61)) == 10530
    assert r.loc["直通车", "spend"] == sum(2 * (50 + i) for i in range(31, 61)) == 5730
    assert r.loc["直通车", "cmp_visitors"] == sum(260 + 2 * i for i in range(1, 31))
    # the 7-day 淘宝客 row lies inside November, and before it nothing
    assert r.loc["淘宝客", "visitors"] == 700
    assert pd.isna(r.loc["淘宝客", "cmp_visitors"])
    assert df["count_rows_left_out"].sum() == 0
    tbl = traffic_sources.table(df)
    assert by_source(tbl)["淘宝客"]["group"] == "paid"
    assert by_source(tbl)["直通车"]["roi"] == pytest.approx(r.loc["直通车", "paid_amount"] / 5730)


def test_sources_period_rows_left_out_and_filters(small_ws, run_query):
    later = {"start": date(2026, 11, 5), "end": date(2026, 11, 30)}
    df = run_query(
        small_ws,
        "sources_by_source",
        **later,
        cmp_start=date(2026, 10, 10),
        cmp_end=date(2026, 11, 4),
        **NO_FILTERS,
    )
    assert "淘宝客" not in set(df.loc[df["count_rows"] > 0, "source"])
    assert df["count_rows_left_out"].sum() == 1
    pc = run_query(small_ws, "sources_by_source", **NOV, **OCT, **{**NO_FILTERS, "dev": ["PC"]})
    assert pc.set_index("source").loc["直通车", "visitors"] == sum(110 + i for i in range(31, 61))


def test_sources_daily_on_the_small_shop(small_ws, run_query):
    df = run_query(small_ws, "sources_daily", **NOV, **NO_FILTERS)
    assert len(df) == 30 * 3  # one-day rows only: the 7-day 淘宝客 total is not split
    first = df[(df["day"] == pd.Timestamp("2026-11-01")) & (df["source"] == "直通车")].iloc[0]
    assert first["visitors"] == 150 + 31 + 110 + 31
    assert first["spend"] == 2 * (50 + 31)


def test_finding_keys_exist_in_both_languages():
    for key in (
        "up_conv_down",
        "down",
        "conv_up",
        "roi_loss",
        "volume_low_conv",
        "best_uv",
        "paid_share",
        "paid_share_roi",
    ):
        for lang in ("zh", "en"):
            assert t(f"sources.finding_{key}", lang)
    for q in traffic_sources.QUADRANTS:
        assert t(f"sources.quadrant_{q}", "en")
    for g in traffic_sources.GROUPS:
        assert t(f"sources.group_{g}", "zh")
