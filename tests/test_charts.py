"""Chart specs that read well: legends never cut and wrapped to fit, swatches drawn as the
lines are, category axes that keep every name."""

from __future__ import annotations

import itertools
from datetime import date

import pandas as pd
import pytest

from shopsight.ui import charts
from shopsight.ui import whatif_panel as panel


def spec(chart) -> dict:
    return chart.to_dict(validate=False)


@pytest.mark.parametrize(
    ("labels", "width"),
    [
        (["付费", "免费"], 440),
        (["1180042232（模特街拍）", "1180042233（细节特写）", "1180042234（双11价格标签）"], 440),
        ([f"source {i}" for i in range(11)], 900),
        (["a very long English source name that alone is wider than the chart"], 200),
    ],
)
def test_legend_columns_are_as_many_as_fit(labels, width):
    cols = charts.legend_columns(labels, width)
    widest = max(charts.label_px(x) for x in labels) + charts._SWATCH_PX
    assert 1 <= cols <= len(labels)
    if cols > 1:
        assert cols * widest <= width  # they fit …
    if cols < len(labels):
        assert (cols + 1) * widest > width  # … and one more would not


def test_label_width_counts_wide_characters_double():
    assert charts.label_px("ab") == 14
    assert charts.label_px("模特") == 24
    assert charts.label_px("（1）") == 12 + 7 + 12


def test_top_legend_never_cuts_labels_and_a_line_gets_a_line_swatch():
    lg = charts.top_legend(["甲", "乙"], line=True).to_dict()
    assert lg["orient"] == "top" and lg["labelLimit"] == 0 and lg["columns"] == 2
    assert (lg["symbolType"], lg["symbolOpacity"], lg["symbolStrokeWidth"]) == ("stroke", 1, 2)
    assert "symbolType" not in charts.top_legend(["甲"]).to_dict()


def test_trend_draws_the_compare_period_dashed_in_its_legend_too():
    days = pd.DataFrame({"day": [date(2026, 11, 1), date(2026, 11, 2)], "v": [1.0, 2.0]})
    frame = charts.trend_frame(
        days,
        days.assign(day=[date(2026, 10, 1), date(2026, 10, 2)]),
        "v",
        start=date(2026, 11, 1),
        compare_start=date(2026, 10, 1),
        labels=("本期", "对比期"),
    )
    enc = spec(
        charts.trend(
            frame, fmt="int", y_title="访客数", labels=("本期", "对比期"), day_title="日期"
        )
    )["encoding"]
    # one legend for colour and dash (Vega-Lite merges them): dashed swatch for the dashed line
    assert enc["color"]["legend"] == enc["strokeDash"]["legend"]
    assert enc["color"]["legend"]["symbolType"] == "stroke"
    assert enc["strokeDash"]["scale"]["range"] == [[1, 0], [5, 4]]


@pytest.mark.parametrize(("n", "angle"), [(2, 0), (5, 0), (13, -40)])
def test_waterfall_keeps_every_name_level_or_slanted(n, angle):
    names = ["当前", *[f"来源{i}号" for i in range(n - 2)], "情景"]
    axis = panel.waterfall_axis(names).to_dict()
    assert axis["labelAngle"] == angle
    assert axis["labelOverlap"] is False and axis["labelLimit"] == 0
    # level labels really fit side by side at the assumed width
    if angle == 0:
        per_bar = charts.HALF_WIDTH_PX / n
        assert all(charts.label_px(x) + 6 <= per_bar for x in names)


def test_ab_charts_legends_fit_and_match_their_lines():
    from shopsight.ui import abtest_page

    names = ["1180042231（白底正面）", "1180042232（模特街拍）", "1180042234（双11价格标签）"]
    rows = [
        {
            "date": pd.Timestamp(2026, 11, d),
            "label": x,
            "rate": 0.02,
            "ci_low": 0.01,
            "ci_high": 0.03,
            "trials": 100.0,
            "successes": 2.0,
            "lift": 0.1,
            "cs_low": -0.1,
            "cs_high": 0.3,
            "decided": d == 2,
        }
        for d, x in itertools.product((1, 2), names)
    ]
    frame = pd.DataFrame(rows)
    for chart in (
        abtest_page.cumulative_chart(frame, "ctr", "zh"),
        abtest_page.sequential_chart(frame, "zh"),
    ):
        legends = [
            layer["encoding"]["color"]["legend"]
            for layer in spec(chart)["layer"]
            if "color" in layer.get("encoding", {})
            and layer["encoding"]["color"].get("legend") is not None
        ]
        assert legends and all(lg == legends[0] for lg in legends)  # one merged legend
        assert legends[0]["labelLimit"] == 0 and legends[0]["symbolOpacity"] == 1
        widest = max(charts.label_px(x) for x in names) + charts._SWATCH_PX
        assert legends[0]["columns"] * widest <= charts.FULL_WIDTH_PX


def test_ab_interval_chart_keeps_a_versions_id_and_name_on_its_axis():
    from shopsight.ui import abtest_page

    name = "1180042231（白底正面）"
    frame = pd.DataFrame(
        {
            "label": [name],
            "rate": [0.02],
            "ci_low": [0.01],
            "ci_high": [0.03],
            "status": ["对照"],
            "is_control": [True],
        }
    )
    layer = spec(abtest_page.ci_chart(frame, "ctr", "zh"))["layer"][0]
    limit = layer["encoding"]["y"]["axis"]["labelLimit"]
    assert limit >= charts.label_px(name)
    # the legend fits beside the names: the chart's width less the label column and title
    statuses = layer["encoding"]["color"]["scale"]["domain"]
    widest = max(charts.label_px(x) for x in statuses) + charts._SWATCH_PX
    assert layer["encoding"]["color"]["legend"]["columns"] * widest <= charts.HALF_WIDTH_PX - limit


def test_ab_decision_day_is_labelled_once_per_day():
    from shopsight.ui import abtest_page

    frame = pd.DataFrame(
        [
            {
                "date": pd.Timestamp(2026, 11, d),
                "label": x,
                "lift": 0.1,
                "cs_low": -0.1,
                "cs_high": 0.3,
                "decided": d == 2,
            }
            for d, x in itertools.product((1, 2), ["甲", "乙"])
        ]
    )
    chart = spec(abtest_page.sequential_chart(frame, "zh"))
    texts = [layer for layer in chart["layer"] if layer["mark"]["type"] == "text"]
    assert len(texts) == 1
    rows = chart["datasets"][texts[0]["data"]["name"]]
    assert len(rows) == 1 and rows[0]["text"] == "判定日"
    rules = [layer for layer in chart["layer"] if layer["mark"].get("strokeDash") == [2, 2]]
    assert len(chart["datasets"][rules[0]["data"]["name"]]) == 2  # a rule per version


def test_movers_bars_have_no_item_axis_title_over_long_names():
    """A rotated "商品" / "Product" beside 240 px of product names was drawn over them: the
    item axis has no title (the chooser above and the hover name the rows)."""
    names = ["90白鸭绒短款羽绒服 男士连帽加厚 冬季新款", "纯棉T恤", "Merino wool crew-neck sweater"]
    frame = pd.DataFrame({"item": names, "change": [-1200.0, 300.0, 50.0]})
    chart = spec(
        charts.diverging_bars(
            frame,
            item="item",
            value="change",
            fmt="money",
            item_title="商品",
            value_title="支付金额变化",
        )
    )
    y = chart["encoding"]["y"]
    assert y.get("title") is None and not y["axis"].get("title")
    assert y["axis"]["labelLimit"] >= 240  # the names keep their room
    assert {"field": "item", "type": "nominal", "title": "商品"} in chart["encoding"]["tooltip"]
    assert chart["encoding"]["x"]["title"] == "支付金额变化"  # the value axis keeps its title
