"""Regions page under AppTest: the map, the table and the queries agree; metric switch,
drill-down, the regions dataset, names the map cannot place, non-China data."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from test_regions import NOV, build_geo

from shopsight import region_metrics
from shopsight.i18n import t

PAGE = "views/regions.py"
LINK = {"start": "2026-11-01", "end": "2026-11-10"}


@pytest.fixture
def geo_ws(data_dir):
    return build_geo()


def deck_features(at) -> dict[str, dict]:
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1
    spec = json.loads(decks[0].proto.json)
    layer = spec["layers"][0]
    assert layer["@@type"] == "GeoJsonLayer"
    assert "mapStyle" not in spec or spec["mapStyle"] in (None, "", "__MAP_STYLE__")
    return {f["properties"]["name"]: f["properties"] for f in layer["data"]["features"]}


def table(at):
    return at.dataframe[0].value


def test_map_table_and_sql_totals_agree(app, geo_ws, run_query):
    at = app("geo", PAGE, **LINK)
    assert not at.exception
    features = deck_features(at)
    assert len(features) == 34
    on_map = sum(p["paid_amount"] or 0 for p in features.values())
    df = table(at)
    paid = df[t("metric.paid_amount", "zh")]
    raw = run_query(geo_ws, "regions_orders", **NOV, province=None)
    assert paid.sum() == pytest.approx(raw["paid_amount"].sum()) == pytest.approx(360.0)
    mapped = df[t("regions.col_on_map", "zh")]
    assert on_map == pytest.approx(paid[mapped].sum())
    assert on_map == pytest.approx(325.0)
    assert features["广东省"]["paid_text"] == "¥205.00"
    assert features["西藏自治区"]["value_text"] == "—"
    names = df[t("regions.level_province", "zh")].tolist()
    assert names[0] == "广东省" and names[-1] == t("regions.unknown", "zh")
    # names the map cannot place are listed; the unknown bucket is said
    assert any("海外" in w.value and "Atlantis" in w.value for w in at.warning)
    assert any("¥20.00" in c.value for c in at.caption)
    assert any("94%" in m.value for m in at.markdown)  # 前 5 个省份占支付金额的 94%
    assert len(at.get("vega_lite_chart")) >= 2  # legend + bars


def test_metric_switch_recolours_and_reorders(app, geo_ws):
    at = app("geo", PAGE, **LINK)
    before = deck_features(at)["浙江省"]["fill"]
    at.selectbox(key="rg_metric").set_value("paying_buyers").run()
    assert not at.exception
    assert at.query_params["rg_metric"] == "paying_buyers"
    df = table(at)
    label = t("metric.paying_buyers", "zh")
    assert df.columns[2] == label
    assert df[label].tolist()[:3] == [3, 1, 1]
    features = deck_features(at)
    assert features["广东省"]["value_text"] == "3"
    assert features["浙江省"]["fill"] != before or features["广东省"]["fill"] != before
    at.selectbox(key="rg_metric").set_value(region_metrics.SHARE).run()
    assert deck_features(at)["广东省"]["value_text"] == "56.94%"


def test_the_share_column_follows_the_metric(app, geo_ws):
    at = app("geo", PAGE, **LINK, rg_metric="paying_buyers")
    assert not at.exception
    buyers_label = t("metric.paying_buyers", "zh")
    share_label = t("regions.share_paying_buyers", "zh")  # 支付买家数占比
    for level, drilled in (("province", at), ("city", None)):
        if drilled is None:  # the drilled-in city table says the same of its cities
            at.selectbox(key="rg_province").set_value("广东省").run()
            assert not at.exception
        df = table(at)
        assert t("regions.metric_share", "zh") not in df.columns  # 支付金额占比
        buyers = df[buyers_label].astype(float)
        assert df[share_label].tolist() == pytest.approx((buyers / buyers.sum()).round(4).tolist())
        assert share_label in at.dataframe[0].proto.column_order  # the table beside the map
        name = df[t(f"regions.level_{level}", "zh")].iloc[0]
        first = deck_features(at)[name]
        assert first["share_text"] == f"{buyers.iloc[0] / buyers.sum():.2%}"
        tip = at.get("deck_gl_json_chart")[0].proto.tooltip
        assert share_label in json.loads(tip)["html"]
        # "前 5 个…占支付买家数的 x%": the caption is of the same metric as the column
        named = df[df[t(f"regions.level_{level}", "zh")] != t("regions.unknown", "zh")]
        top = named[buyers_label].astype(float).nlargest(5).sum() / buyers.sum()
        said = t(
            "regions.top_share",
            "zh",
            n=min(5, len(named)),
            level=t(f"regions.level_{level}", "zh"),
            share=f"{top * 100:.0f}%",
            metric=buyers_label,
        )
        assert any(m.value == said for m in at.markdown), said
    # 广东 has 3 of the 8 buyers, and 56.94% of the money
    at = app("geo", PAGE, **LINK, rg_metric="paying_buyers")
    assert deck_features(at)["广东省"]["share_text"] == "37.50%"
    at.selectbox(key="rg_metric").set_value("aov").run()  # a ratio: the money's share
    assert deck_features(at)["广东省"]["share_text"] == "56.94%"
    assert t("regions.metric_share", "zh") in table(at).columns


def test_drill_down_to_cities_and_back(app, geo_ws):
    at = app("geo", PAGE, **LINK)
    options = at.selectbox(key="rg_province").options
    assert options == [t("regions.national", "zh"), "广东省", "浙江省"]
    at.selectbox(key="rg_province").set_value("广东省").run()
    assert not at.exception
    assert at.query_params["rg_province"] == "广东省"
    features = deck_features(at)
    assert len(features) == 21  # 广东's cities
    assert features["深圳市"]["paid_amount"] == 150.0  # 深圳 and 深圳市
    df = table(at)
    cities = dict(
        zip(df[t("regions.level_city", "zh")], df[t("metric.paid_amount", "zh")], strict=True)
    )
    assert cities == {"深圳市": 150.0, "广州市": 30.0, t("regions.unknown", "zh"): 25.0}
    at.button(key="rg_back").click().run()
    assert not at.exception
    assert len(deck_features(at)) == 34
    assert "rg_province" not in at.query_params


def test_drill_down_from_link(app, geo_ws):
    at = app("geo", PAGE, **LINK, rg_province="浙江省")
    assert not at.exception
    assert "杭州市" in deck_features(at)
    bad = app("geo", PAGE, **LINK, rg_province="北京市")  # one unit: nothing to drill into
    assert not bad.exception
    assert len(deck_features(bad)) == 34


def test_a_drilled_view_skips_the_national_compare_period(app, data_dir, monkeypatch):
    import streamlit as st

    from shopsight import queries

    # an order a day in each of two provinces, 10-22..11-10: the compare period is whole
    days = [date(2026, 10, 22) + timedelta(days=i) for i in range(20)]
    lines = [
        (f"o{i}{p}", d, f"b{i}{p}", prov, city, amount, "直通车", "无线")
        for i, d in enumerate(days)
        for p, (prov, city, amount) in enumerate(
            (("广东省", "深圳市", 10.0), ("浙江省", "杭州市", 5.0))
        )
    ]
    build_geo("daily", lines=lines, with_regions=False)
    ran = []
    original = queries.run

    def recording(con, name, **params):
        if name == "regions_orders":
            ran.append((params["start"], params["province"]))
        return original(con, name, **params)

    monkeypatch.setattr(queries, "run", recording)
    st.cache_data.clear()
    at = app("daily", PAGE, **LINK, rg_province="广东省")
    assert not at.exception
    nov, oct_ = date(2026, 11, 1), date(2026, 10, 22)
    assert sorted(set(ran), key=str) == sorted(
        {(nov, None), (nov, "广东省"), (oct_, "广东省")}, key=str
    )
    compare = t("regions.col_compare", "zh", metric=t("metric.paid_amount", "zh"))
    cities = table(at).set_index(t("regions.level_city", "zh"))[compare]
    assert cities["深圳市"] == 100.0  # 10-22..10-31
    at.button(key="rg_back").click().run()  # the national view still shows its compare
    provinces = table(at).set_index(t("regions.level_province", "zh"))[compare]
    assert provinces["广东省"] == 100.0 and provinces["浙江省"] == 50.0
    assert (oct_, None) in ran


def test_regions_dataset_with_visitors(app, geo_ws):
    at = app("geo", PAGE, start="2026-11-01", end="2026-11-30", rg_origin="regions")
    assert not at.exception
    assert at.segmented_control(key="rg_origin").value == "regions"
    assert t("metric.conversion", "zh") in at.selectbox(key="rg_metric").options
    at.selectbox(key="rg_metric").set_value("conversion").run()
    assert deck_features(at)["广东省"]["value_text"] == "3.00%"
    left_out = t("overview.period_rows_left_out", "zh", count=1, kind=t("kind.regions", "zh"))
    assert any(w.value == left_out for w in at.warning)
    assert any(t("regions.undated", "zh", count=1) in c.value for c in at.caption)
    # filters the regions dataset has no column for are said not to apply
    at2 = app("geo", PAGE, start="2026-11-01", end="2026-11-30", rg_origin="regions", src="直通车")
    assert any("流量来源" in c.value for c in at2.caption)


def test_non_china_data_gets_bars_not_a_map(app, data_dir):
    lines = [
        (f"o{i}", date(2026, 11, 1 + i % 5), f"b{i}", code, None, 100.0 - i, "Online", "web")
        for i, code in enumerate(["CA", "NY", "TX", "FL", "WA", "CA", "SC", "IL"])
    ]
    build_geo("usa", lines, with_regions=False)
    at = app("usa", PAGE, start="2026-11-01", end="2026-11-05")
    assert not at.exception
    assert not at.get("deck_gl_json_chart")
    assert any(i.value == t("regions.not_china", "zh") for i in at.info)
    paid = table(at)[t("metric.paid_amount", "zh")]
    assert paid.sum() == pytest.approx(sum(100.0 - i for i in range(8)))
    assert len(at.get("vega_lite_chart")) == 1


def test_english_page(app, geo_ws):
    at = app("geo", PAGE, **LINK, lang="en")
    assert not at.exception
    assert at.title[0].value == "Regions"
    assert deck_features(at)["广东省"]["paid_text"] == "¥205.00"


def test_empty_workspace(app, empty_ws):
    at = app("empty", PAGE)
    assert not at.exception
    assert at.info[0].value == t("regions.empty", "zh")


def test_a_map_click_names_the_region():
    from shopsight.ui import regions_page as view

    state = {
        "selection": {
            "indices": {view.LAYER_ID: [3]},
            "objects": {
                view.LAYER_ID: [
                    {"type": "Feature", "properties": {"name": "广东省", "paid_text": "¥1"}}
                ]
            },
        }
    }
    assert view.clicked_region(state) == "广东省"
    assert view.clicked_region({"selection": {"indices": {}, "objects": {}}}) is None
    assert view.clicked_region(None) is None


@pytest.mark.parametrize("values", [[97657.9, 112732.0, 120553.35], list(range(1, 40))])
def test_legend_rows_keep_their_height_whatever_their_number(values):
    from shopsight.ui import regions_page as view

    scale = region_metrics.color_scale(values)
    spec = view.legend(scale, "paid_amount", "zh").to_dict(validate=False)
    rows = len(region_metrics.legend_stops(scale)) + 1  # and 无数据
    # the title comes on top of the rows' height instead of out of it
    assert spec["autosize"] == {"type": "pad"}
    assert spec["height"] == 24 * rows
