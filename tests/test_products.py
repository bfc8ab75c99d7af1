"""SKU ranking rules (ABC, 热销, 滞销, stock cover, movers) on constructed data, and the
ranking queries on a constructed products dataset."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from shopsight import queries, schema, sku_ranking


def items(paid, **cols) -> pd.DataFrame:
    """Ranking rows with the given paid amounts (product ids p0, p1, ... in that order)."""
    n = len(paid)
    base = {
        "product_id": [f"p{i}" for i in range(n)],
        "sku_id": [None] * n,
        "product_name": [f"商品{i}" for i in range(n)],
        "is_in_range": [True] * n,
        "paid_amount": paid,
        "units_sold": [1] * n,
        "visitors": [None] * n,
        "paying_buyers": [None] * n,
        "add_to_cart_buyers": [None] * n,
        "refund_amount": [0.0] * n,
        "gross_margin": [None] * n,
        "count_rows_no_cost": [1] * n,
        "units_slow": [0] * n,
        "visitors_slow": [0] * n,
        "units_cover": [0] * n,
        "units_before_slow": [0] * n,
        "days_listed": [1] * n,
        "stock": [None] * n,
    }
    base.update(cols)
    return sku_ranking.prepare(pd.DataFrame(base))


# ------------------------------------------------------------------------------- ABC


def test_abc_boundaries_follow_the_cumulative_share_before_each_item():
    # shares 50, 30, 10, 5, 3, 2 %: cumulative before 0, 50, 80, 90, 95, 98 %
    got = sku_ranking.abc(items([50.0, 30.0, 10.0, 5.0, 3.0, 2.0]))
    assert got["product_id"].tolist() == ["p0", "p1", "p2", "p3", "p4", "p5"]
    assert got["cum_share_before"].round(4).tolist() == [0.0, 0.5, 0.8, 0.9, 0.95, 0.98]
    # exactly 80% before p2: p1 reached 80% and is the last A; 95% before p4: C
    assert got["abc_class"].tolist() == ["A", "A", "B", "B", "C", "C"]


def test_the_item_that_crosses_80_percent_is_a():
    got = sku_ranking.abc(items([29.0, 50.0, 21.0]))  # sorted: 50, 29 (79% before 3rd), 21
    assert got["product_id"].tolist() == ["p1", "p0", "p2"]
    assert got["abc_class"].tolist() == ["A", "A", "A"]
    got = sku_ranking.abc(items([60.0, 30.0, 6.0, 4.0]))  # before: 0, 60, 90, 96
    assert got["abc_class"].tolist() == ["A", "A", "B", "C"]


def test_abc_zero_sales_are_c_and_ties_break_by_id():
    got = sku_ranking.abc(items([10.0, 10.0, 0.0]))
    assert got["product_id"].tolist() == ["p0", "p1", "p2"]
    assert got["abc_class"].tolist() == ["A", "A", "C"]
    assert sku_ranking.abc(items([0.0, 0.0]))["abc_class"].tolist() == ["C", "C"]
    summary = sku_ranking.abc_summary(sku_ranking.abc(items([50.0, 30.0, 10.0, 5.0, 3.0, 2.0])))
    assert [(s.cls, s.count_items, round(s.share, 2)) for s in summary] == [
        ("A", 2, 0.8),
        ("B", 2, 0.15),
        ("C", 2, 0.05),
    ]


def test_items_outside_the_range_are_not_classed_or_ranked():
    df = items([50.0, 40.0, 10.0], is_in_range=[True, False, True])
    assert sku_ranking.abc(df)["product_id"].tolist() == ["p0", "p2"]
    assert sku_ranking.ranked(df, "paid_amount")["product_id"].tolist() == ["p0", "p2"]


# --------------------------------------------------------------------- 热销 / 滞销


def test_hot_by_units_and_by_velocity():
    df = items([10.0, 10.0, 10.0, 10.0], units_sold=[30, 20, 9, 0], days_listed=[30, 10, 3, 5])
    by_units, by_velocity = sku_ranking.hot(df, n=2)
    assert by_units["product_id"].tolist() == ["p0", "p1"]
    # velocity 1.0, 2.0, 3.0; p3 sold nothing and is never hot
    assert by_velocity["product_id"].tolist() == ["p2", "p1"]
    assert by_velocity["velocity"].tolist() == [3.0, 2.0]


def test_slow_movers_in_products_data_need_visitors_or_stock():
    df = items(
        [1.0] * 5,
        units_slow=[0, 0, 0, 3, 1],
        visitors_slow=[40, 0, 0, 50, 10],
        stock=[None, 25, None, 100, None],
    )
    got = sku_ranking.slow(df, "products")
    # p0: no sales, visitors; p1: no sales, in stock; p2: no sales but not visible nor
    # stocked (delisted); p3 sold 3; p4 sold 1 (> threshold 0)
    assert got["product_id"].tolist() == ["p0", "p1"]
    assert sku_ranking.slow(df, "products", max_units=1)["product_id"].tolist() == [
        "p0",
        "p4",
        "p1",
    ]


def test_slow_movers_in_order_data_sold_before_the_window():
    df = items([1.0] * 3, units_slow=[0, 0, 2], units_before_slow=[5, 0, 4])
    assert sku_ranking.slow(df, "orders")["product_id"].tolist() == ["p0"]
    assert sku_ranking.slow(df, "orders", max_units=2)["product_id"].tolist() == ["p0", "p2"]


def test_stock_cover_is_stock_over_average_daily_units_of_14_days():
    df = items([1.0] * 3, stock=[140, 10, None], units_cover=[28, 0, 14])
    cover = sku_ranking.stock_cover(df)
    assert cover.iloc[0] == pytest.approx(70.0)  # 28 units / 14 days = 2 a day
    assert pd.isna(cover.iloc[1]) and pd.isna(cover.iloc[2])


def test_gross_margin_only_when_every_row_had_a_cost():
    df = items([100.0, 100.0], gross_margin=[40.0, 30.0], count_rows_no_cost=[0, 2])
    assert df["gross_margin"].iloc[0] == 40.0
    assert pd.isna(df["gross_margin"].iloc[1])
    assert "gross_margin" in sku_ranking.available_metrics(df)
    assert "gross_margin" not in sku_ranking.available_metrics(items([1.0]))


def test_movers_vs_the_compare_period():
    now = items([100.0, 50.0, 30.0])
    before = items([40.0, 80.0, 30.0, 20.0])  # p3 sold only before
    got = sku_ranking.movers(now, before)
    assert got["key"].str.split("\x1f").str[0].tolist() == ["p0", "p1", "p3"]
    assert got["change"].tolist() == [60.0, -30.0, -20.0]
    assert got["change_pct"].round(4).tolist() == [1.5, -0.375, -1.0]
    assert sku_ranking.movers(now, None).empty


def test_labels_and_keys_at_sku_level():
    df = items([1.0, 2.0], sku_id=["s1", None], product_name=["T恤", None])
    assert df["label"].tolist() == ["T恤 · s1", "p1"]
    assert df["key"].tolist() == ["p0\x1fs1", "p1\x1f"]


def test_funnel_steps_with_data():
    assert sku_ranking.funnel({"visitors": 100, "add_to_cart_buyers": 12, "paying_buyers": 3}) == [
        ("visitors", 100.0),
        ("add_to_cart_buyers", 12.0),
        ("paying_buyers", 3.0),
    ]
    assert sku_ranking.funnel({"visitors": None, "paying_buyers": 3}) == [("paying_buyers", 3.0)]


# ------------------------------------------------------------- the ranking queries

END = date(2026, 11, 30)


def product_rows() -> list[dict]:
    """30 days of daily rows for p1 (2 SKUs) and p2, p3 visible but not selling lately,
    p4 delisted, plus a 7-day period row that sticks out of the range."""
    rows = []
    for i in range(30):
        d = END - timedelta(days=29 - i)
        for sku, units in (("p1-s", 2), ("p1-m", 1)):
            rows.append(
                {
                    "date": d,
                    "date_end": d,
                    "product_id": "p1",
                    "product_name": "纯棉T恤",
                    "sku_id": sku,
                    "category": "T恤",
                    "visitors": 50,
                    "add_to_cart_buyers": 5,
                    "paying_buyers": units,
                    "units_sold": units,
                    "paid_amount": 60.0 * units,
                    "refund_amount": 0.0,
                    "unit_cost": 20.0,
                    "stock": 300 - i,
                }
            )
        # p2 sells 1 a day until 20 days before the end, then only visitors
        selling = i < 10
        rows.append(
            {
                "date": d,
                "date_end": d,
                "product_id": "p2",
                "product_name": "卫衣",
                "sku_id": None,
                "category": "卫衣",
                "visitors": 20,
                "paying_buyers": int(selling),
                "units_sold": int(selling),
                "paid_amount": 100.0 * selling,
                "refund_amount": None,
                "unit_cost": None,
                "stock": None,
            }
        )
        # p3 has stock and no visitors and no sales; p4 only shows before the window
        rows.append(
            {
                "date": d,
                "date_end": d,
                "product_id": "p3",
                "product_name": "外套",
                "sku_id": None,
                "category": "外套",
                "visitors": 0,
                "units_sold": 0,
                "paid_amount": 0.0,
                "stock": 12,
            }
        )
        if i < 5:
            rows.append(
                {
                    "date": d,
                    "date_end": d,
                    "product_id": "p4",
                    "product_name": "下架款",
                    "sku_id": None,
                    "category": "外套",
                    "visitors": 3,
                    "units_sold": 1,
                    "paid_amount": 50.0,
                    "stock": None,
                }
            )
    rows.append(
        {
            "date": date(2026, 10, 28),
            "date_end": date(2026, 11, 3),
            "product_id": "p2",
            "product_name": "卫衣",
            "sku_id": None,
            "category": "卫衣",
            "visitors": 70,
            "units_sold": 7,
            "paid_amount": 700.0,
        }
    )
    return rows


@pytest.fixture(scope="module")
def pcon():
    c = duckdb.connect()
    queries.install_macros(c)  # what workspace connections get
    c.execute(schema.create_table_sql("products"))
    c.register("incoming", pa.Table.from_pylist(product_rows()))
    c.execute("insert into products by name select * from incoming")
    yield c
    c.close()


def ranking(con, **params) -> pd.DataFrame:
    base = {
        "start": date(2026, 11, 1),
        "end": END,
        "cat": None,
        "plat": None,
        "cur": None,
        "level": "product",
        "slow_days": 14,
        "cover_days": 14,
    }
    df = queries.run(con, "products_ranking", **{**base, **params})
    return sku_ranking.prepare(df).set_index("product_id", drop=False)


def test_ranking_sums_follow_the_whole_period_rule(pcon):
    df = ranking(pcon)
    # p1: 3 units x ¥60 a day for 30 days; p2: 10 selling days; the 7-day row sticks out
    assert df.at["p1", "paid_amount"] == 30 * 180.0
    assert df.at["p1", "units_sold"] == 90
    assert df.at["p2", "paid_amount"] == 1000.0
    assert df.at["p2", "count_rows_left_out"] == 1
    assert df["paid_amount"].sum() == pytest.approx(5400 + 1000 + 0 + 250)
    direct = pcon.execute("""select sum(paid_amount) from products
        where date >= date '2026-11-01'
          and coalesce(date_end, date) <= date '2026-11-30'""").fetchone()[0]
    assert df["paid_amount"].sum() == pytest.approx(direct)
    assert list(df.index[:2]) == ["p1", "p2"]


def test_ranking_margin_stock_cover_and_listing_days(pcon):
    df = ranking(pcon)
    assert df.at["p1", "gross_margin"] == pytest.approx(5400 - 90 * 20.0)
    assert pd.isna(df.at["p2", "gross_margin"])  # no unit cost
    # each SKU's latest stock (day 29: 300 - 29 = 271), summed over the two SKUs
    assert df.at["p1", "stock"] == 2 * 271
    assert df.at["p1", "units_cover"] == 14 * 3
    assert sku_ranking.stock_cover(df).at["p1"] == pytest.approx(542 / 3)
    # p3 is listed (stock) every day; p4 the 5 days it had visitors
    assert df.at["p3", "days_listed"] == 30
    assert df.at["p4", "days_listed"] == 5
    assert sku_ranking.velocity(df).at["p1"] == pytest.approx(3.0)


def test_ranking_slow_movers_from_the_window(pcon):
    df = ranking(pcon)
    assert df.at["p2", "units_slow"] == 0 and df.at["p2", "visitors_slow"] == 14 * 20
    assert df.at["p3", "visitors_slow"] == 0 and df.at["p3", "stock"] == 12
    slow = sku_ranking.slow(df, "products")
    # p2 visible, p3 in stock; p4 gone (no visitors, no stock); p1 sells
    assert slow["product_id"].tolist() == ["p2", "p3"]
    assert sku_ranking.slow(ranking(pcon, slow_days=25), "products")["product_id"].tolist() == [
        "p3"
    ]


def test_ranking_at_sku_level_and_sparkline(pcon):
    df = ranking(pcon, level="sku").set_index("key")
    assert df.at["p1\x1fp1-s", "units_sold"] == 60
    assert df.at["p1\x1fp1-m", "stock"] == 271
    rows = ranking(pcon, level="sku")
    spark = sparks(pcon, rows, "sku").set_axis(rows["key"]).at["p1\x1fp1-s"]
    assert len(spark) == 30 and all(v == 120.0 for v in spark)
    p2 = sparks(pcon, ranking(pcon), "product").at["p2"]
    assert list(p2[:10]) == [100.0] * 10 and sum(p2) == 1000.0  # the period row is not a day


def sparks(con, rows: pd.DataFrame, level: str) -> pd.Series:
    """The sparkline of each ranked row, as the page asks for the rows it shows."""
    spark_rows = queries.run(
        con,
        "products_ranking_spark",
        start=date(2026, 11, 1),
        end=END,
        level=level,
        product_ids=sorted(rows["product_id"].unique()),
        cat=None,
        plat=None,
        cur=None,
    )
    return sku_ranking.sparks(rows, spark_rows)


def test_ranking_category_filter(pcon):
    df = ranking(pcon, cat=["外套"])
    assert sorted(df.index) == ["p3", "p4"]


def test_ranking_of_a_range_without_rows(pcon):
    assert ranking(pcon, start=date(2026, 12, 1), end=date(2026, 12, 31)).empty
    # the 滞销 window reaches back before the range: p2 is listed, though not in range
    df = ranking(pcon, start=date(2026, 11, 30), end=END, slow_days=14)
    assert df.at["p2", "is_in_range"] and df.at["p2", "units_slow"] == 0


def test_xlsx_download_is_text_not_formulas():
    import io

    from python_calamine import CalamineWorkbook

    from shopsight.ui.downloads import safe_xlsx

    df = pd.DataFrame(
        {
            "商品": ['=HYPERLINK("http://x")', "+1", "T恤"],
            "支付金额": [1.5, 2.0, 3.0],
            "每日支付金额": [[1.0, 2.0], [], [3.0]],
        }
    )
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(safe_xlsx(df))).get_sheet_by_index(0)
    rows = sheet.to_python()
    assert rows[0] == ["商品", "支付金额"]  # the sparkline column is left out
    assert [r[0] for r in rows[1:]] == ['\'=HYPERLINK("http://x")', "'+1", "T恤"]
    assert [r[1] for r in rows[1:]] == [1.5, 2.0, 3.0]
