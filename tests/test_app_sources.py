"""Traffic sources page and its what-if panel under AppTest: shown values equal the query,
shopsight.traffic_sources and shopsight.whatif; the scenario survives a shared link."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from conftest import shown

from shopsight import numbers, traffic_sources, whatif
from shopsight.i18n import t

PAGE = "views/sources.py"
NOV = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}
OCT = {"cmp_start": date(2026, 10, 2), "cmp_end": date(2026, 10, 31)}
NO_FILTERS = {"src": None, "dev": None, "prov": None, "plat": None, "cur": None, "cat": None}
SLIDERS = ("wi_traffic", "wi_conv", "wi_aov", "wi_spend")


def query_rows(run_query, ws, **filters):
    return run_query(ws, "sources_by_source", **NOV, **OCT, **{**NO_FILTERS, **filters})


def baseline(rows: pd.DataFrame) -> pd.DataFrame:
    base = rows[rows["count_rows"] > 0][
        ["source", "visitors", "paying_buyers", "paid_amount", "spend"]
    ]
    return base.astype({c: "float64" for c in base.columns[1:]}).fillna(0.0)


def scenario_cards(at, lang="zh") -> dict[str, str]:
    """metric label -> the value its scenario card shows."""
    by_label = {m.label: m.value for m in at.metric}
    labels = [t(f"metric.{n}", lang) for n in ("paid_amount", "roi", "uv_value", "paying_buyers")]
    return {
        label: by_label[t("whatif.card", lang, metric=label)]
        for label in labels
        if t("whatif.card", lang, metric=label) in by_label
    }


def money(v) -> str:
    return numbers.fmt(v, "money", "zh")  # cards: compact from 10万


def sliders(at) -> list[float]:
    return [at.slider(key=k).value for k in SLIDERS]


def test_source_table_equals_the_query(app, small_ws, run_query):
    at = app("small", PAGE)
    assert not at.exception
    rows = query_rows(run_query, small_ws)
    shown = at.dataframe[0].value.set_index(t("col.source", "zh"))
    assert shown.index.tolist() == ["直接访问", "直通车", "手淘搜索", "淘宝客"]  # by visitors
    for r in rows.to_dict("records"):
        s = shown.loc[r["source"]]
        assert s[t("metric.visitors", "zh")] == r["visitors"]
        assert s[t("metric.conversion", "zh")] == pytest.approx(
            100 * r["paying_buyers"] / r["visitors"]
        )
        assert s[t("metric.uv_value", "zh")] == pytest.approx(r["paid_amount"] / r["visitors"])
    ztc = shown.loc["直通车"]
    assert ztc[t("sources.col_group", "zh")] == "付费"
    assert ztc[t("metric.roi", "zh")] == pytest.approx(41367 / 5730)  # November, by hand
    assert ztc[t("metric.cost_per_visitor", "zh")] == pytest.approx(5730 / 10530)
    assert ztc[t("sources.col_visitors_change", "zh")] == pytest.approx(
        100 * (10530 / sum(260 + 2 * i for i in range(1, 31)) - 1)
    )
    assert shown.loc["淘宝客", t("sources.col_group", "zh")] == "付费"
    assert shown.loc["手淘搜索", t("sources.col_group", "zh")] == "免费"
    assert len(at.get("vega_lite_chart")) == 3  # quadrant, trend, waterfall


def test_findings_are_the_numbers_in_words(app, small_ws, run_query):
    at = app("small", PAGE)
    tbl = traffic_sources.table(query_rows(run_query, small_ws))
    said = traffic_sources.insights(tbl, "zh", has_compare=True)
    assert said
    assert shown(at.markdown[0].value) == "\n".join(f"- {s}" for s in said)
    en = app("small", PAGE, lang="en")
    assert shown(en.markdown[0].value) == "\n".join(
        f"- {s}" for s in traffic_sources.insights(tbl, "en", has_compare=True)
    )
    assert en.title[0].value == "Traffic sources"
    assert scenario_cards(en, "en")["Paid amount"] == numbers.fmt(
        tbl["paid_amount"].sum(), "money", "en"
    )


def test_paid_and_free_cards(app, small_ws, run_query):
    at = app("small", PAGE)
    g = traffic_sources.groups(traffic_sources.table(query_rows(run_query, small_ws))).set_index(
        "group"
    )
    conv = [m for m in at.metric if m.label == "支付转化率"]
    assert [m.value for m in conv] == [
        numbers.fmt_pct(g.loc["paid", "conversion"], "zh"),
        numbers.fmt_pct(g.loc["free", "conversion"], "zh"),
    ]
    roi = [m for m in at.metric if m.label == "投入产出比"]
    assert len(roi) == 1  # free sources have no spend
    # paid: 直通车 (¥41,367 for ¥5,730) and the 7-day 淘宝客 row (¥2,100 for ¥300)
    assert g.loc["paid", "roi"] == pytest.approx((41367 + 2100) / (5730 + 300))
    assert roi[0].value == f"{(41367 + 2100) / (5730 + 300):,.2f}"


def test_whatif_all_sources_slider(app, small_ws, run_query):
    at = app("small", PAGE)
    base = baseline(query_rows(run_query, small_ws))
    assert scenario_cards(at)["支付金额"] == money(base["paid_amount"].sum())
    at.slider(key="wi_traffic").set_value(20.0).run()
    assert not at.exception
    p = whatif.project(base, whatif.Change(traffic_pct=20))
    shown = scenario_cards(at)
    assert shown["支付金额"] == money(p.total["revenue"])
    assert shown["UV价值"] == money(p.total["uv_value"])
    assert shown["支付买家数"] == numbers.fmt(p.total["buyers"], "int", "zh")
    # 投入产出比 over the sources with spend: revenue up 20%, spend unchanged
    paid = p.by_source[p.by_source["spend_base"] > 0]
    assert shown["投入产出比"] == f"{paid['revenue'].sum() / paid['spend'].sum():,.2f}"
    assert at.query_params["wi"] == "*:20,0,0,0"
    summary = at.dataframe[1].value.set_index(t("whatif.col_metric", "zh"))
    assert summary.loc["支付金额", t("whatif.col_scenario", "zh")] == f"¥{p.total['revenue']:,.2f}"
    assert summary.loc["访客数", t("whatif.col_change", "zh")] == "+20.0%"


def test_whatif_one_source_meeting_question(app, small_ws, run_query):
    """直通车 traffic +20% and conversion +0.5 points: what happens to revenue and ROI?"""
    at = app("small", PAGE)
    at.selectbox(key="wi_scope").set_value("直通车").run()
    at.slider(key="wi_traffic").set_value(20.0).run()
    at.slider(key="wi_conv").set_value(0.5).run()
    assert not at.exception
    base = baseline(query_rows(run_query, small_ws))
    p = whatif.project(
        base, whatif.Change(), {"直通车": whatif.Change(traffic_pct=20, conversion_pts=0.5)}
    )
    assert scenario_cards(at)["支付金额"] == money(p.total["revenue"])
    ztc = p.by_source.set_index("source").loc["直通车"]
    assert ztc["visitors"] == pytest.approx(10530 * 1.2)
    assert ztc["buyers"] == pytest.approx(10530 * 1.2 * (ztc["buyers_base"] / 10530 + 0.005))
    per_source = at.dataframe[2].value.set_index(t("col.source", "zh"))
    assert per_source.loc["直通车", t("whatif.revenue_scenario", "zh")] == pytest.approx(
        ztc["revenue"]
    )
    assert per_source.loc["手淘搜索", t("whatif.revenue_change", "zh", symbol="¥")] == 0
    assert at.query_params["wi"] == "直通车:20,0.5,0,0"
    assert at.query_params["wi_scope"] == "直通车"
    assert any("直通车" in c.value for c in at.caption if c.value.startswith("单独设置"))
    # back to all sources: the sliders show the all-sources levers, the override stays
    at.selectbox(key="wi_scope").set_value("*").run()
    assert sliders(at) == [0, 0, 0, 0]
    assert scenario_cards(at)["支付金额"] == money(p.total["revenue"])
    assert "wi_scope" not in at.query_params


def test_whatif_link_round_trip(app, small_ws, run_query):
    link = {"wi": ["*:10,0,5,0", "直通车:20,0.5,0,10"], "wi_scope": "直通车"}
    at = app("small", PAGE, **link)
    assert not at.exception
    assert at.selectbox(key="wi_scope").value == "直通车"
    assert sliders(at) == [20, 0.5, 0, 10]
    base = baseline(query_rows(run_query, small_ws))
    p = whatif.project(
        base, whatif.Change(traffic_pct=10, aov_pct=5), {"直通车": whatif.Change(20, 0.5, 0, 10)}
    )
    assert scenario_cards(at)["支付金额"] == money(p.total["revenue"])
    assert at.query_params["wi"] == link["wi"]  # written back unchanged
    at.selectbox(key="wi_scope").set_value("*").run()
    assert sliders(at) == [10, 0, 5, 0]
    # the link of this view reopens the same scenario in a new session
    again = app("small", PAGE, wi=at.query_params["wi"])
    assert sliders(again) == [10, 0, 5, 0]
    assert scenario_cards(again)["支付金额"] == money(p.total["revenue"])


def test_whatif_reset(app, small_ws, run_query):
    at = app("small", PAGE, wi=["*:10,1,0,0", "直通车:50,0,0,0"], wi_scope="直通车")
    at.button(key="wi_reset").click().run()
    assert not at.exception
    assert sliders(at) == [0, 0, 0, 0]
    assert at.selectbox(key="wi_scope").value == "*"
    assert "wi" not in at.query_params and "wi_scope" not in at.query_params
    base = baseline(query_rows(run_query, small_ws))
    assert scenario_cards(at)["支付金额"] == money(base["paid_amount"].sum())


def test_whatif_bad_link_values_fall_back(app, small_ws):
    at = app(
        "small",
        PAGE,
        wi=["*:999,0,0,0", "不存在:1,0,0,0", "garbage", "直通车:5,0,0,0"],
        wi_scope="nowhere",
    )
    assert not at.exception
    assert len(at.toast) == 4  # three bad scenario values and the scope
    assert at.selectbox(key="wi_scope").value == "*"
    assert sliders(at) == [0, 0, 0, 0]
    assert at.query_params["wi"] == "直通车:5,0,0,0"  # the good one is kept


def test_whatif_link_codec():
    from shopsight.ui import whatif_panel as panel

    scenario = {
        "直通车": whatif.Change(20, 0.5, 0, 10),
        "*": whatif.Change(traffic_pct=-5),
        "手淘搜索": whatif.Change(),
    }
    values = panel.encode(scenario)
    assert values == ["*:-5,0,0,0", "直通车:20,0.5,0,10"]  # no-change scopes are left out
    decoded, bad = panel.decode(values, ["直通车", "手淘搜索"])
    assert decoded == {"*": whatif.Change(traffic_pct=-5), "直通车": whatif.Change(20, 0.5, 0, 10)}
    assert bad == []
    _, bad = panel.decode(
        ["a:b:1,2,3,4", "直通车:1,2,3", "直通车:nan,0,0,0", "直通车:0,3,0,0"], ["直通车", "a:b"]
    )
    assert bad == ["直通车:1,2,3", "直通车:nan,0,0,0", "直通车:0,3,0,0"]  # a:b is a source name


def test_trend_metric_in_link(app, small_ws):
    at = app("small", PAGE)
    at.selectbox(key="src_metric").set_value("conversion").run()
    assert not at.exception
    assert at.query_params["src_metric"] == "conversion"
    again = app("small", PAGE, src_metric="conversion")
    assert again.selectbox(key="src_metric").value == "conversion"


def test_device_filter_changes_the_baseline(app, small_ws, run_query):
    at = app("small", PAGE, dev="PC")
    assert not at.exception
    rows = query_rows(run_query, small_ws, dev=["PC"])
    shown = at.dataframe[0].value.set_index(t("col.source", "zh"))
    assert shown.loc["直通车", t("metric.visitors", "zh")] == sum(110 + i for i in range(31, 61))
    assert scenario_cards(at)["支付金额"] == money(baseline(rows)["paid_amount"].sum())


def test_empty_workspace(app, empty_ws):
    at = app("empty", PAGE)
    assert not at.exception
    assert at.info[0].value == t("sources.empty_body", "zh")


def test_waterfall_frame_and_axis():
    from shopsight.ui import whatif_panel as panel

    base = pd.DataFrame(
        {
            "source": ["a", "b", "c"],
            "visitors": [100.0, 100.0, 100.0],
            "paying_buyers": [10.0, 10.0, 10.0],
            "paid_amount": [1000.0, 1000.0, 1000.0],
            "spend": [0.0, 0.0, 0.0],
        }
    )
    p = whatif.project(
        base, whatif.Change(), {"a": whatif.Change(traffic_pct=10), "c": whatif.Change(aov_pct=-20)}
    )
    wf = panel.waterfall_frame(p, "zh")
    assert wf["label"].tolist() == ["当前", "a", "c", "情景"]  # b did not change
    assert wf["kind"].tolist() == ["total", "up", "down", "total"]
    assert wf["start"].tolist() == [0, 3000, 3100, 0]
    assert wf["end"].tolist() == [3000, 3100, 2900, 2900]
    lo, hi = panel.waterfall_domain(wf)
    assert lo == pytest.approx(2900 - 120) and hi == pytest.approx(3100 + 120)
    many = whatif.project(
        pd.concat([base.assign(source=[f"s{i}{j}" for j in "abc"]) for i in range(6)]),
        whatif.Change(traffic_pct=10),
    )
    wf = panel.waterfall_frame(many, "zh", limit=4)
    assert len(wf) == 2 + 4 and wf["label"].iloc[-2] == t("whatif.others", "zh", n=15)
    assert wf["end"].iloc[-2] == pytest.approx(wf["end"].iloc[-1])


def test_override_of_a_filtered_out_source_waits(app, small_ws, run_query):
    at = app("small", PAGE, wi=["*:10,0,0,0", "直通车:50,0,0,0"])
    at.multiselect(key="sb_src").select("手淘搜索").run()
    assert not at.exception
    rows = query_rows(run_query, small_ws, src=["手淘搜索"])
    p = whatif.project(baseline(rows), whatif.Change(traffic_pct=10))
    assert scenario_cards(at)["支付金额"] == money(p.total["revenue"])
    assert at.query_params["wi"] == ["*:10,0,0,0", "直通车:50,0,0,0"]  # kept for later


def test_dates_without_data_say_what_the_data_covers(app, small_ws):
    at = app("small", PAGE, start="2025-01-01", end="2025-01-31")
    assert not at.exception
    assert at.info[0].value == t(
        "sources.no_rows_in_range", "zh", start="2026-10-01", end="2026-11-30"
    )
