"""The Products table's sparklines (queries/products_ranking_spark.sql and
products_ranking_orders_spark.sql), asked only for the rows shown, equal the paid amount per day of each item computed from the raw rows, with
and without source / platform / currency filters."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from shopsight import queries, schema, sku_ranking
from shopsight.workspace import rollups

FIRST = date(2026, 10, 1)
DAYS = 30
START, END = FIRST + timedelta(days=5), FIRST + timedelta(days=24)
PLATFORMS = ("taobao", "shopify", None)
CURRENCIES = {"taobao": ("CNY", None), "shopify": ("USD", "CNY"), None: (None,)}
BASE = {"start": START, "end": END, "plat": None, "cur": None}
ORDER_DIMS = {"src": None, "dev": None, "prov": None}


def order_lines(n: int = 2500, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    lines, order = [], 0
    while len(lines) < n:
        order += 1
        day = FIRST + timedelta(days=rng.randrange(DAYS))
        platform = rng.choice(PLATFORMS)
        head = {
            "order_id": f"o{order}",
            "buyer_id": f"b{rng.randrange(80)}",
            "order_time": datetime(day.year, day.month, day.day, rng.randrange(24)),
            "source": rng.choice(("直通车", "手淘搜索", None)),
            "device": "无线",
            "province": rng.choice(("广东省", "广东省", "浙江省", None)),
            "paid": rng.random() > 0.1,
            "platform": platform,
            "currency": rng.choice(CURRENCIES[platform]),
        }
        for _ in range(rng.choice((1, 2))):
            pid = rng.randrange(8)
            lines.append(
                {
                    **head,
                    "product_id": None if rng.random() < 0.02 else f"p{pid}",
                    "product_name": f"商品{pid}",
                    "sku_id": f"p{pid}-{rng.randrange(3)}",
                    "quantity": 1,
                    "paid_amount": 99.0,
                    "line_amount": round(rng.uniform(5, 200), 2),
                }
            )
    return lines


def product_rows(seed: int = 12) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(DAYS):
        d = FIRST + timedelta(days=i)
        for pid in range(6):
            for sku in ("s", "m"):
                if rng.random() < 0.3:
                    continue
                platform = rng.choice(PLATFORMS)
                rows.append(
                    {
                        "date": d,
                        "date_end": d,
                        "product_id": f"p{pid}",
                        "sku_id": f"p{pid}-{sku}",
                        "category": "T恤" if pid < 3 else "外套",
                        "paid_amount": round(rng.uniform(0, 500), 2),
                        "platform": platform,
                        "currency": rng.choice(CURRENCIES[platform]),
                    }
                )
    # a 7-day row is no day of the sparkline
    rows.append(
        {
            "date": START,
            "date_end": START + timedelta(days=6),
            "product_id": "p0",
            "sku_id": "p0-s",
            "category": "T恤",
            "paid_amount": 7000.0,
        }
    )
    return rows


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    queries.install_macros(c)  # what workspace connections get
    for kind in schema.KINDS:
        c.execute(schema.create_table_sql(kind))
    for kind, rows in (("orders", order_lines()), ("products", product_rows())):
        c.register("incoming", pa.Table.from_pylist(rows))
        c.execute(f"insert into {kind} by name select * from incoming")
        c.unregister("incoming")
    for name in rollups.rollup_names("rollup_orders"):  # every table ss.product_days reads
        c.execute(queries.sql(name))
    yield c
    c.close()


def brute(df: pd.DataFrame, level: str, ids: list[str]) -> dict[tuple, list[float]]:
    """{(product_id, sku_id or None): [paid amount per day START..END]} from raw rows."""
    days = [START + timedelta(days=i) for i in range((END - START).days + 1)]
    df = df[df["product_id"].isin(ids) & df["day"].between(START, END)]
    out: dict[tuple, dict] = {}
    for r in df.itertuples():
        key = (r.product_id, r.sku_id if level == "sku" else None)
        out.setdefault(key, {})
        out[key][r.day] = out[key].get(r.day, 0.0) + (r.amount if pd.notna(r.amount) else 0.0)
    return {k: [round(v.get(d, 0.0), 6) for d in days] for k, v in out.items()}


def got(con, origin: str, **params) -> dict[tuple, list[float]]:
    name = "products_ranking_spark" if origin == "products" else "products_ranking_orders_spark"
    df = queries.run(con, name, **{**BASE, **params})
    return {
        (r.product_id, r.sku_id if pd.notna(r.sku_id) else None): [round(v, 6) for v in r.spark]
        for r in df.itertuples()
    }


def order_frame(plat=None, cur=None, src=None, prov=None) -> pd.DataFrame:
    df = pd.DataFrame(order_lines())
    df = df[df["paid"]]
    if plat is not None:
        df = df[df["platform"].isin(plat)]
    if cur is not None:
        df = df[df["currency"].fillna("CNY") == cur]
    if src is not None:
        df = df[df["source"].isin(src)]
    if prov is not None:
        df = df[df["province"].isin(prov)]
    return df.assign(day=df["order_time"].dt.date, amount=df["line_amount"])


@pytest.mark.parametrize("level", ["product", "sku"])
@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"src": ["直通车"]},
        {"plat": ["shopify"]},
        {"cur": "CNY"},
        {"plat": ["taobao", "shopify"], "cur": "USD"},
        {"prov": ["广东省"]},  # the province rollup
        {"prov": ["浙江省"], "plat": ["taobao"], "cur": "CNY"},
        {"prov": ["广东省"], "src": ["直通车"]},  # the order lines
    ],
)
def test_order_sparklines_equal_the_paid_lines_per_day(con, level, filters):
    ids = ["p1", "p3", "p4", "p9"]  # p9 sold nothing: no row
    want = brute(order_frame(**filters), level, ids)
    assert got(con, "orders", level=level, product_ids=ids, **{**ORDER_DIMS, **filters}) == want
    assert all(len(v) == (END - START).days + 1 for v in want.values())


@pytest.mark.parametrize("filters", [{}, {"cat": ["外套"]}, {"plat": ["taobao"]}, {"cur": "CNY"}])
def test_products_sparklines_count_day_rows_only(con, filters):
    df = pd.DataFrame(product_rows())
    df = df[df["date_end"] == df["date"]]
    if "cat" in filters:
        df = df[df["category"].isin(filters["cat"])]
    if "plat" in filters:
        df = df[df["platform"].isin(filters["plat"])]
    if "cur" in filters:
        df = df[df["currency"].fillna("CNY") == filters["cur"]]
    ids = ["p0", "p2", "p4"]
    want = brute(df.assign(day=df["date"], amount=df["paid_amount"]), "sku", ids)
    assert got(con, "products", level="sku", product_ids=ids, **{"cat": None, **filters}) == want


def test_sparks_follow_the_ranked_rows(con):
    rows = sku_ranking.prepare(
        queries.run(
            con,
            "products_ranking_orders",
            **BASE,
            **ORDER_DIMS,
            level="sku",
            slow_days=7,
            cover_days=7,
        )
    )
    shown = rows.head(5)
    spark_rows = queries.run(
        con,
        "products_ranking_orders_spark",
        **BASE,
        **ORDER_DIMS,
        level="sku",
        product_ids=sorted(shown["product_id"].unique()),
    )
    got_sparks = sku_ranking.sparks(shown, spark_rows)
    want = brute(order_frame(), "sku", list(shown["product_id"]))
    keys = zip(shown["product_id"], shown["sku_id"], strict=True)
    assert [[round(x, 6) for x in v] for v in got_sparks] == [want[k] for k in keys]
    # an item without a day row in the range gets an empty line
    assert sku_ranking.sparks(shown, spark_rows.head(0)).tolist() == [[]] * len(shown)
