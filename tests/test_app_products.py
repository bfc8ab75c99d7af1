"""Products page under AppTest: the ranking equals its query; metric, level and product
switches; 滞销 settings from the link; downloads; the orders-only shop."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pyarrow as pa
import pytest
from test_products import product_rows

from shopsight import metrics, sku_ranking, workspace
from shopsight.i18n import t

PAGE = "views/products.py"
NOV = {"start": "2026-11-01", "end": "2026-11-30"}


def build_sku_shop(name: str = "sku") -> workspace.Workspace:
    ws = workspace.open_workspace(name)
    tests = [
        {
            "test_id": "主图A/B",
            "variant": v,
            "date": date(2026, 11, 3 + d),
            "impressions": 1000,
            "clicks": 30 + 10 * (v == "B") + d,
            "product_id": "p1",
            "is_control": v == "A",
        }
        for d in range(3)
        for v in ("A", "B")
    ]
    tests.append(
        {
            "test_id": "other",
            "variant": "A",
            "date": date(2026, 11, 3),
            "impressions": 10,
            "clicks": 1,
            "product_id": "p9",
            "is_control": True,
        }
    )
    con = ws.connect()
    try:
        workspace.write_dataset(ws, "products", pa.Table.from_pylist(product_rows()), con=con)
        workspace.write_dataset(ws, "image_tests", pa.Table.from_pylist(tests), con=con)
    finally:
        con.close()
    return ws


@pytest.fixture
def sku_ws(data_dir):
    return build_sku_shop()


def ranking_table(at) -> pd.DataFrame:
    return at.dataframe[0].value


def item_col(lang="zh"):
    return t("products.col_item", lang)


def test_ranking_equals_the_query(app, small_ws, run_query):
    at = app("small", PAGE, **NOV)
    assert not at.exception
    df = ranking_table(at)
    q = run_query(
        small_ws,
        "products_ranking",
        start=date(2026, 11, 1),
        end=date(2026, 11, 30),
        cat=None,
        plat=None,
        cur=None,
        level="product",
        slow_days=14,
        cover_days=14,
    )
    ids = df[t("col.product_id", "zh")].tolist()
    assert ids == q["product_id"].tolist() == ["p4", "p3", "p2", "p1"]
    paid = df[metrics.label("paid_amount", "zh")]
    assert paid.tolist() == q["paid_amount"].tolist()
    assert paid.sum() == pytest.approx(11550 + 9000 + 6570 + 4500)
    assert df[t("products.col_abc", "zh")].tolist() == ["A", "A", "A", "B"]
    trend = df[t("products.col_trend", "zh")]
    assert len(trend.iloc[0]) == 30 and sum(trend.iloc[0]) == pytest.approx(11550)
    assert df[metrics.label("gross_margin", "zh")].iloc[0] == pytest.approx(7015.0)
    assert any("A 类** 3 个" in m.value for m in at.markdown)
    assert len(at.get("download_button")) == 2


def test_metric_switch_reorders(app, small_ws):
    at = app("small", PAGE, **NOV)
    at.selectbox(key="pr_metric").set_value("units_sold").run()
    assert not at.exception
    assert at.query_params["pr_metric"] == "units_sold"
    df = ranking_table(at)
    # 77, then the 75s by paid amount (p3 ¥9,000 before p1 ¥4,500), then 73
    assert df[t("col.product_id", "zh")].tolist() == ["p4", "p3", "p1", "p2"]
    assert df.columns[4] == metrics.label("units_sold", "zh")
    at.selectbox(key="pr_metric").set_value("refund_rate").run()
    assert not at.exception
    rates = ranking_table(at)[metrics.label("refund_rate", "zh")].tolist()
    assert rates == sorted(rates, reverse=True)


def test_sku_level_and_product_detail(app, sku_ws, run_query):
    at = app("sku", PAGE, **NOV)
    assert not at.exception
    at.segmented_control(key="pr_level").set_value("sku").run()
    assert not at.exception
    df = ranking_table(at)
    assert df[t("col.sku_id", "zh")].tolist()[:2] == ["p1-s", "p1-m"]
    assert df[t("col.stock", "zh")].tolist()[:2] == [271, 271]
    cover = df[t("products.col_cover", "zh")].tolist()[0]
    assert cover == pytest.approx(271 / 2)  # 28 units in 14 days
    at.selectbox(key="pr_product").set_value("p1").run()
    assert not at.exception
    assert at.query_params["pr_product"] == "p1"
    cards = {m.label: m.value for m in at.metric}
    assert cards[metrics.label("paid_amount", "zh")] == "¥5,400.00"
    assert cards[metrics.label("conversion", "zh")] == "3.00%"  # 90 buyers / 3,000 visitors
    tests = at.dataframe[-1].value
    assert tests[t("col.test_id", "zh")].tolist() == ["主图A/B", "主图A/B"]
    assert tests[t("col.variant", "zh")].tolist() == ["A", "B"]
    assert tests[metrics.label("ctr", "zh")].tolist() == ["3.10%", "4.10%"]


def test_slow_movers_and_settings_from_link(app, sku_ws):
    at = app("sku", PAGE, **NOV)
    slow = [d.value for d in at.dataframe if t("products.col_units_slow", "zh") in d.value.columns]
    assert slow and slow[0][item_col()].tolist() == ["卫衣", "外套"]
    at = app("sku", PAGE, **NOV, pr_slow_days="25")
    assert at.number_input(key="pr_slow_days").value == 25
    slow = [d.value for d in at.dataframe if t("products.col_units_slow", "zh") in d.value.columns]
    assert slow[0][item_col()].tolist() == ["外套"]
    assert at.query_params["pr_slow_days"] == "25"
    bad = app("sku", PAGE, **NOV, pr_slow_days="abc")
    assert not bad.exception and bad.number_input(key="pr_slow_days").value == sku_ranking.SLOW_DAYS


def test_orders_only_shop(app, data_dir):
    from test_regions import build_geo

    build_geo("ord", with_regions=False)
    at = app("ord", PAGE, start="2026-11-01", end="2026-11-10")
    assert not at.exception
    df = ranking_table(at)
    assert df[metrics.label("paid_amount", "zh")].sum() == pytest.approx(360.0)
    rule = t("products.slow_rule_orders", "zh", days=14, units=0)
    assert any(c.value == rule for c in at.caption)
    assert "pr_origin" not in [w.key for w in at.segmented_control]


def _daily_chart_rows(at) -> list[dict]:
    """The rows behind the product's daily chart (the chart with a units_sold field)."""
    for chart in at.get("vega_lite_chart"):
        for ds in chart.proto.datasets:
            rows = pa.ipc.open_stream(ds.data.data).read_all().to_pylist()
            if rows and {"day", "units_sold", "paid_amount"} <= set(rows[0]):
                return rows
    raise AssertionError("no daily chart")


def test_product_detail_counts_days_without_sales_as_zero(app, data_dir, run_query):
    from test_regions import build_geo

    # p1 sells on 11-02 and 11-03, then nothing until 11-08; the range runs to 11-12
    lines = [
        (f"o{i}", date(2026, 11, d), f"b{i}", "广东省", "深圳市", 10.0, "直通车", "无线")
        for i, d in enumerate((2, 3, 3, 3, 8))
    ]
    ws = build_geo("gaps", lines=lines, with_regions=False)
    at = app("gaps", PAGE, start="2026-11-01", end="2026-11-12", pr_product="p1")
    assert not at.exception
    rows = _daily_chart_rows(at)
    days = [pd.Timestamp(r["day"]).date() for r in rows]
    assert days == [date(2026, 11, d) for d in range(1, 13)]  # the whole range on the axis
    units = [r["units_sold"] for r in rows]
    assert units == [0, 1, 3, 0, 0, 0, 0, 1, 0, 0, 0, 0]  # never a line across 11-04..11-07
    assert [r["paid_amount"] for r in rows] == [10.0 * u for u in units]
    # the query gives those rows (the chart draws what it gets); a product with no row in
    # the range gets none, so the page says so instead of drawing a flat line
    params = {
        "start": date(2026, 11, 1),
        "end": date(2026, 11, 12),
        **{k: None for k in ("cat", "src", "dev", "prov", "plat", "cur")},
        "origin": "orders",
    }
    daily = run_query(ws, "products_daily", **params, product_id="p1")
    assert daily["units_sold"].tolist() == units
    assert daily["orders"].tolist() == units and daily["visitors"].isna().all()
    assert run_query(ws, "products_daily", **params, product_id="nope").empty


def test_product_detail_from_product_rows_covers_the_range(run_query, sku_ws):
    params = {
        "start": date(2026, 11, 1),
        "end": date(2026, 12, 5),  # past the rows' last day
        **{k: None for k in ("cat", "src", "dev", "prov", "plat", "cur")},
        "origin": "products",
    }
    daily = run_query(sku_ws, "products_daily", **params, product_id="p1")
    assert len(daily) == 35 and daily["day"].is_monotonic_increasing
    tail = daily[pd.to_datetime(daily["day"]) > pd.Timestamp("2026-11-30")]
    assert len(tail) == 5 and (tail[["units_sold", "visitors"]] == 0).all().all()
    assert daily["orders"].isna().all()


def test_both_sources_switch(app, small_ws):
    at = app("small", PAGE, **NOV, pr_origin="orders")
    assert not at.exception
    df = ranking_table(at)
    assert df[metrics.label("paid_amount", "zh")].sum() == pytest.approx(9639.0)
    assert metrics.label("visitors", "zh") not in df.columns


def test_empty_workspace(app, empty_ws):
    at = app("empty", PAGE)
    assert not at.exception
    assert at.info[0].value == t("products.empty", "zh")


def test_shopify_upload_fills_the_products_page(app, empty_ws, tmp_path):
    """A Shopify order export loaded on the Data page: its products, SKU-less lines by name,
    ranked by the paid lines' own sales."""
    from fixtures import wild_orders
    from test_app_data import upload
    from test_ingest_orders_wild import shopify_truth

    path = wild_orders.shopify_export(tmp_path / "orders_export_1.csv")
    data = path.read_bytes()
    at = app("empty", "views/data.py")
    slug = upload(at, path.name, data)
    assert at.selectbox(key=f"data_kind_{slug}").value == "orders"
    at.button(key=f"data_load_{slug}").click().run()
    assert not at.exception and not at.error
    at = app("empty", PAGE, start="2019-05-01", end="2019-05-31")
    assert not at.exception
    df = ranking_table(at)
    lines, _ = shopify_truth(path)
    want = lines[lines["paid"]].groupby("key")["sales"].sum()
    got = dict(
        zip(df[t("col.product_id", "zh")], df[metrics.label("paid_amount", "zh")], strict=True)
    )
    assert got == pytest.approx({k: float(v) for k, v in want.items()})
    assert {"Canvas Tote", "LS-M"} <= set(got)


def test_download_buttons_show_their_format(app, orders_ws):
    """At 1280 px "Download CSV" / "Download Excel" were cut to "Download …" in their columns."""
    from test_app_report import LOCALES, assert_format_buttons, download_buttons

    for lang, locale in LOCALES.items():
        at = app("orders", PAGE, locale=locale)
        assert not at.exception
        buttons = download_buttons(at)
        want = [t("products.download_csv", lang), t("products.download_xlsx", lang)]
        assert_format_buttons(buttons, want)
        assert want == ["CSV", "Excel"]


def test_short_lists_right_align_their_numbers_and_the_ranking_shows_whole_names():
    import pandas as pd

    from shopsight.ui import products_page

    frame = pd.DataFrame({"商品": ["栖木 90白鸭绒短款羽绒服 男士连帽加厚"], "支付件数": ["330"]})
    cfg = products_page.short_config("zh", frame)
    assert (cfg["支付件数"]["alignment"], cfg["商品"]["alignment"]) == ("right", None)
    ranking = products_page.column_config("paid_amount", [], "zh")
    assert ranking["商品"]["width"] == products_page.ITEM_PX
