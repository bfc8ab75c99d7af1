"""Overview page under AppTest: KPI cards equal the queries for the filters in force."""

import json
from datetime import date

import pyarrow as pa
import pytest

from shopsight import metrics, numbers, workspace
from shopsight.i18n import t
from shopsight.mdtext import plain
from shopsight.ui import kpi_cards

PAGE = "views/overview.py"
NOV = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}
OCT = {"start": date(2026, 10, 2), "end": date(2026, 10, 31)}  # previous 30 days
NO_FILTERS = {"src": None, "dev": None, "prov": None, "plat": None, "cur": None, "cat": None}


def shown(at, lang="zh") -> dict[str, tuple[str, str]]:
    """metric name -> (value text, delta text) of the cards on screen."""
    by_label = {m.label: (m.value, m.delta) for m in at.metric}
    return {
        n: by_label[metrics.label(n, lang)]
        for n in metrics.METRICS
        if metrics.label(n, lang) in by_label
    }


def expected_traffic_cards(run_query, ws, cur_params, cmp_params, lang="zh"):
    cur = run_query(ws, "overview_kpis_traffic", **cur_params).iloc[0]
    refunds = run_query(ws, "overview_kpis_products", **cur_params).iloc[0]
    prev = run_query(ws, "overview_kpis_traffic", **cmp_params).iloc[0] if cmp_params else None
    prev_refunds = (
        run_query(ws, "overview_kpis_products", **cmp_params).iloc[0] if cmp_params else None
    )

    def values(sums, refund_sums):
        out = {
            n: metrics.value(n, sums)
            for n in ("visitors", "paying_buyers", "conversion", "aov", "uv_value", "paid_amount")
        }
        out["refund_rate"] = metrics.value("refund_rate", refund_sums)
        paid = {
            "visitors": sums["spend_visitors"],
            "paid_amount": sums["spend_paid_amount"],
            "spend": sums["spend"],
        }
        out["roi"] = metrics.value("roi", paid)
        out["cost_per_visitor"] = metrics.value("cost_per_visitor", paid)
        return out

    now = values(cur, refunds)
    before = values(prev, prev_refunds) if prev is not None else {}
    return {
        n: (
            kpi_cards.card_value(n, v, lang),
            numbers.fmt_change(numbers.change(v, before.get(n)), lang) or "",
        )
        for n, v in now.items()
    }


def test_default_view_cards_equal_the_queries(app, small_ws, run_query):
    at = app("small", PAGE)
    assert not at.exception
    want = expected_traffic_cards(run_query, small_ws, {**NOV, **NO_FILTERS}, {**OCT, **NO_FILTERS})
    assert shown(at) == want
    assert shown(at)["visitors"][0] == "32,290"  # hand check: the fixture's November visitors
    captions = " ".join(c.value for c in at.caption)
    assert t("overview.visitor_days", "zh") in captions
    assert (
        t("overview.source_caption", "zh", kind="流量", start="2026-11-01", end="2026-11-30")
        in captions
    )
    assert len(at.get("vega_lite_chart")) == 2  # trend + movers


def test_changing_the_date_range_changes_the_cards(app, small_ws, run_query):
    at = app("small", PAGE)
    at.date_input(key="sb_dates").set_value((date(2026, 11, 5), date(2026, 11, 30))).run()
    assert not at.exception
    cur = {"start": date(2026, 11, 5), "end": date(2026, 11, 30), **NO_FILTERS}
    prev = {"start": date(2026, 10, 10), "end": date(2026, 11, 4), **NO_FILTERS}
    assert shown(at) == expected_traffic_cards(run_query, small_ws, cur, prev)
    # the 7-day 淘宝客 total (11-01..07) sticks out of the range and is left out, with a warning
    assert any("1 行流量数据是按周期汇总的" in w.value for w in at.warning)
    assert at.query_params["start"] == "2026-11-05"


def test_picking_a_source_filters_the_cards(app, small_ws, run_query):
    at = app("small", PAGE)
    at.multiselect(key="sb_src").select("直通车").run()
    assert not at.exception
    f = {**NO_FILTERS, "src": ["直通车"]}
    assert shown(at) == expected_traffic_cards(run_query, small_ws, {**NOV, **f}, {**OCT, **f})
    assert at.query_params["src"] == "直通车"
    # every 直通车 row has spend, so ROI is over the same visitors as the whole
    cur = run_query(small_ws, "overview_kpis_traffic", **NOV, **f).iloc[0]
    assert cur["spend_visitors"] == cur["visitors"]


MOVERS_RULE = "按支付金额与对比期的差额排序"


def test_compare_mode_none_and_yoy(app, small_ws):
    at = app("small", PAGE)
    assert shown(at)["visitors"][1].startswith("+")
    assert any(MOVERS_RULE in c.value for c in at.caption)
    at.selectbox(key="sb_cmp").set_value("none").run()
    assert not at.exception
    assert all(delta == "" for _, delta in shown(at).values())
    assert any(i.value == t("overview.movers_need_compare", "zh") for i in at.info)
    assert at.query_params["cmp"] == "none"
    at.selectbox(key="sb_cmp").set_value("yoy").run()
    # nothing a year earlier: no percentages but 对比期数据不全 and the days missing
    assert all(delta == t("overview.compare_incomplete", "zh") for _, delta in shown(at).values())
    assert any("2025-11-01" in c.value for c in at.caption)
    assert t(
        "overview.compare_incomplete_days",
        "zh",
        start="2025-11-01",
        end="2025-11-30",
        count=30,
        kind="流量",
        days=plain("11-01~11-30"),
    ) in [w.value for w in at.warning]
    # one warning for the missing days (their platforms go without saying), and no movers
    # whose "change" is only this period's figure
    assert len([w for w in at.warning if w.icon == ":material/event_busy:"]) == 1
    infos = [i.value for i in at.info]
    assert any(i.startswith("对比期的") and "数据不全" in i for i in infos)
    assert not any(MOVERS_RULE in c.value for c in at.caption)


def test_switching_language_translates_cards_and_numbers(app, small_ws, run_query):
    at = app("small", PAGE)
    at.segmented_control(key="sb_lang").set_value("en").run()
    assert not at.exception
    assert at.query_params["lang"] == "en"
    want = expected_traffic_cards(
        run_query, small_ws, {**NOV, **NO_FILTERS}, {**OCT, **NO_FILTERS}, lang="en"
    )
    assert shown(at, "en") == want
    assert at.title[0].value == "Overview"


def test_trend_metric_from_link_and_back(app, small_ws):
    at = app("small", PAGE, ov_metric="conversion")
    assert at.selectbox(key="ov_metric").value == "conversion"
    assert at.query_params["ov_metric"] == "conversion"
    at.selectbox(key="ov_metric").set_value("paid_amount").run()
    assert "ov_metric" not in at.query_params  # the default is left out of the link
    bad = app("small", ov_metric="'; drop table traffic; --")  # the default page is the overview
    assert not bad.exception
    assert bad.selectbox(key="ov_metric").value == "paid_amount"
    assert len(bad.toast) == 1


def test_movers_by_province_from_orders(app, small_ws, run_query):
    at = app("small", PAGE)
    at.segmented_control(key="ov_movers").set_value("province").run()
    assert not at.exception
    want = run_query(
        small_ws,
        "overview_movers_province",
        **NOV,
        cmp_start=OCT["start"],
        cmp_end=OCT["end"],
        **NO_FILTERS,
        limit=8,
    )
    table = at.dataframe[0].value
    assert table.iloc[:, 0].tolist() == want["item"].tolist()
    assert table.iloc[:, 3].tolist() == pytest.approx(want["change_paid_amount"].tolist())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_movers_money_changes_are_signed_before_the_symbol(app, small_ws, lang):
    from streamlit import dataframe_util

    at = app("small", PAGE, lang=lang)
    at.segmented_control(key="ov_movers").set_value("province").run()
    assert not at.exception
    grid = at.dataframe[0]
    change = t("overview.movers_col_change", lang)
    values = grid.value[change]  # still numbers: the column sorts as numbers
    assert values.min() < 0 < values.max()
    # the grid's own format would write "¥-278.00": the text comes from numbers instead
    config = json.loads(grid.proto.columns)[change]["type_config"]
    assert "format" not in config
    shown = dataframe_util.convert_arrow_bytes_to_pandas_df(
        grid.proto.arrow_data.styler.display_values
    )[change].tolist()
    assert shown == [numbers.fmt_money_change(v, lang) for v in values]
    assert "+¥278.00" in shown and "-¥278.00" in shown


def test_benchmark_is_saved_per_workspace_and_shown(app, small_ws, run_query):
    at = app("small", PAGE)
    at.number_input(key="ov_bench_conversion").set_value(3.5).run()
    at.button(key="ov_bench_save").click().run()
    assert not at.exception
    with (
        __import__("shopsight.ui.query_cache", fromlist=["x"])
        ._database(str(small_ws.path.resolve()))
        .cursor() as cur
    ):
        assert workspace.get_setting(cur, "benchmarks") == {"conversion": pytest.approx(0.035)}
    conv = metrics.value(
        "conversion", run_query(small_ws, "overview_kpis_traffic", **NOV, **NO_FILTERS)
    )
    gap = numbers.fmt_change(numbers.change(conv, 0.035), "zh")
    assert any(c.value == t("kpi.vs_benchmark", "zh", value="3.50%", gap=gap) for c in at.caption)


def test_empty_workspace_shows_what_to_upload(app, empty_ws):
    at = app("empty", PAGE)
    assert not at.exception
    assert at.info[0].value == t("overview.empty_body", "zh")
    assert at.button(key="ov_load_sample")
    assert not at.metric


def _only(data_dir, name, kind, rows):
    ws = workspace.open_workspace(data_dir / name)
    workspace.write_dataset(ws, kind, pa.Table.from_pylist(rows), file=f"{kind}.csv")
    return ws


def test_orders_only_workspace_uses_orders(app, data_dir, run_query):
    from datetime import datetime

    ws = _only(
        data_dir,
        "ordersonly",
        "orders",
        [
            {
                "order_id": "a",
                "order_time": datetime(2026, 11, 2, 10),
                "buyer_id": "x",
                "paid_amount": 100.0,
                "refund_amount": 0.0,
            },
            {
                "order_id": "b",
                "order_time": datetime(2026, 11, 3, 10),
                "buyer_id": "x",
                "paid_amount": 50.0,
                "refund_amount": 50.0,
            },
            {
                "order_id": "c",
                "order_time": datetime(2026, 11, 3, 11),
                "buyer_id": "y",
                "paid_amount": 0.0,
            },
        ],
    )
    at = app("ordersonly", PAGE)
    assert not at.exception
    cards = shown(at)
    assert set(cards) == {"paying_buyers", "aov", "paid_amount", "refund_rate"}
    assert cards["paying_buyers"][0] == "1"  # y never paid
    assert cards["aov"][0] == "¥150.00"
    assert cards["refund_rate"][0] == "33.33%"
    sums = run_query(
        ws, "overview_kpis_orders", start=date(2026, 11, 2), end=date(2026, 11, 3), **NO_FILTERS
    ).iloc[0]
    assert (sums["paying_buyers"], sums["paid_amount"], sums["count_rows"]) == (1, 150.0, 3)
    at.selectbox(key="ov_metric").set_value("aov").run()  # buyers per day are joined in
    assert not at.exception


def test_period_only_traffic_says_it_cannot_chart_by_day(app, data_dir):
    _only(
        data_dir,
        "weekly",
        "traffic",
        [
            {
                "date": date(2026, 11, 1),
                "date_end": date(2026, 11, 7),
                "source": "手淘搜索",
                "visitors": 700,
                "paying_buyers": 21,
                "paid_amount": 2100.0,
            },
        ],
    )
    at = app("weekly", PAGE)
    assert not at.exception
    assert shown(at)["visitors"][0] == "700"
    assert any(i.value == t("overview.trend_period_only", "zh", kind="流量") for i in at.info)


def test_category_filter_does_not_apply_to_traffic_cards(app, small_ws):
    at = app("small", PAGE, cat="T恤")
    assert not at.exception
    assert at.multiselect(key="sb_cat").value == ["T恤"]
    want = t("overview.filters_not_applied", "zh", kind="流量", names="类目")
    assert any(c.value == want for c in at.caption)


@pytest.mark.parametrize("src", [None, ["直通车"], ["直通车", "直接访问"]])
def test_order_kpis_from_rollups_equal_the_raw_lines(app, small_ws, run_query, src):
    app("small")  # opens the workspace the way the app does
    params = {**NOV, **NO_FILTERS, "src": src}
    got = run_query(small_ws, "overview_kpis_orders", **params).iloc[0]
    from shopsight.ui import query_cache

    with query_cache._database(str(small_ws.path.resolve())).cursor() as cur:
        raw = cur.execute(
            """select count(*), count(distinct buyer_id) filter (where paid_amount > 0),
                      sum(paid_amount), sum(refund_amount), sum(quantity) filter (where paid_amount > 0)
               from orders
               where order_time >= $start and order_time < $end + 1
                 and ($src is null or list_contains($src, source))""",
            {"start": NOV["start"], "end": NOV["end"], "src": src},
        ).fetchone()
    assert (got["count_rows"], got["paying_buyers"]) == (raw[0], raw[1])
    assert got["paid_amount"] == pytest.approx(raw[2])
    assert got["refund_amount"] == pytest.approx(raw[3])
    assert got["units_sold"] == raw[4]
    daily = run_query(small_ws, "overview_daily_buyers", **params)
    assert daily["paying_buyers"].sum() >= raw[1]  # buyer-days: a buyer counts once per day


def test_benchmark_on_a_read_only_workspace_is_an_error_not_a_traceback(app, small_ws, monkeypatch):
    from shopsight.ui import query_cache

    def refuse(key, value):
        raise PermissionError("read-only")

    monkeypatch.setattr(query_cache, "set_setting", refuse)
    at = app("small", PAGE)
    at.number_input(key="ov_bench_aov").set_value(90.0).run()
    at.button(key="ov_bench_save").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("common.read_only", "zh")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_orders_only_shop_says_what_the_visitor_cards_need(app, orders_ws, small_ws, lang):
    """A new owner's first upload, the Taobao order export: four cards, one caption naming the
    report the other three need, and no 流量来源 to rank the movers by."""
    locale = {"zh": "zh-CN", "en": "en-US"}[lang]
    at = app("orders", PAGE, locale=locale, start="2026-11-16", end="2026-11-30")
    assert not at.exception
    assert set(shown(at, lang)) == {"paying_buyers", "aov", "paid_amount", "refund_rate"}
    labels = [metrics.label(n, lang) for n in ("visitors", "conversion", "uv_value")]
    need = t("overview.needs_traffic", lang, metrics=t("list.sep", lang).join(labels))
    assert [c.value for c in at.caption].count(need) == 1
    assert "生意参谋" in need and labels[0] in need
    movers = at.segmented_control(key="ov_movers")
    assert movers.options == [t(f"overview.movers_{d}", lang) for d in ("product", "province")]
    # the movers chart: no rotated item title drawn over long product names
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    bars = [s for s in specs if s.get("mark", {}).get("type") == "bar"]
    assert bars and all(s["encoding"]["y"].get("title") is None for s in bars)
    # with traffic loaded: no such caption, and sources are a choice
    at = app("small", PAGE, locale=locale)
    assert not at.exception
    assert not [c for c in at.caption if c.value.startswith(labels[0]) and "生意参谋" in c.value]
    assert t("overview.movers_source", lang) in at.segmented_control(key="ov_movers").options
