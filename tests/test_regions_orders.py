"""regions_orders against pandas over the same order lines: every column, per province and
per city of a drilled province, under each filter (platform and currency included), for
ranges inside the data, straddling its first or last day, and outside it."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from order_dims import CITIES, DEVICES, PROVINCES, SOURCES

from shopsight import queries, schema

FIRST = date(2026, 9, 1)
DAYS = 30
PLATFORMS = ("淘宝", "京东", None)
CURRENCIES = ("CNY", "USD", None)  # no currency = CNY
ROLLUPS = ("rollup_orders_daily_region", "rollup_orders_region_buyers")
NO_FILTER = {"src": None, "dev": None, "prov": None, "plat": None, "cur": None}


def random_lines(n: int = 2500, seed: int = 5) -> list[dict]:
    """Orders of 1-3 lines sharing the order-level fields; buyers pay on several days, in
    several provinces and cities; some orders are unpaid, some lines have no buyer."""
    rng = random.Random(seed)
    lines: list[dict] = []
    order = 0
    while len(lines) < n:
        order += 1
        day = FIRST + timedelta(days=rng.randrange(DAYS))
        province = rng.choice(PROVINCES)
        head = {
            "order_id": f"o{order}",
            "order_time": datetime(day.year, day.month, day.day, rng.randrange(24)),
            "buyer_id": None if rng.random() < 0.04 else f"b{rng.randrange(90)}",
            "province": province,
            "city": rng.choice(CITIES[province]),
            "source": rng.choice(SOURCES),
            "device": rng.choice(DEVICES),
            "platform": rng.choice(PLATFORMS),
            "currency": rng.choice(CURRENCIES),
            "paid": rng.random() > 0.1,
        }
        for _ in range(rng.choice((1, 1, 2, 3))):
            lines.append(
                {
                    **head,
                    "quantity": rng.randrange(1, 5),
                    "paid_amount": round(rng.uniform(5, 400), 2),
                    "refund_amount": round(rng.uniform(0, 20), 2) if rng.random() < 0.2 else 0.0,
                }
            )
    return lines


@pytest.fixture(scope="module")
def shop():
    """An in-memory database with the orders, its region rollups as a load leaves them,
    and the same lines as a DataFrame."""
    lines = random_lines()
    c = duckdb.connect()
    queries.install_macros(c)  # what workspace connections get
    c.execute(schema.create_table_sql("orders"))
    c.register("incoming", pa.Table.from_pylist(lines))
    c.execute("insert into orders by name select * from incoming")
    for name in ROLLUPS:
        c.execute(queries.sql(name))
    df = pd.DataFrame(lines)
    df["day"] = df["order_time"].dt.date
    yield c, df
    c.close()


def _picked(values: pd.Series, chosen: list | None) -> pd.Series:
    # a row with no value never matches a chosen list (as list_contains gives NULL)
    return pd.Series(True, index=values.index) if chosen is None else values.isin(chosen)


def brute_force(df: pd.DataFrame, start, end, province, src, dev, prov, plat, cur) -> dict:
    """The query's rows computed from the lines: {(province, city): columns}."""
    keep = (
        (df["day"] >= start)
        & (df["day"] <= end)
        & _picked(df["source"], src)
        & _picked(df["device"], dev)
        & _picked(df["province"], prov)
        & _picked(df["platform"], plat)
    )
    if cur is not None:
        keep &= df["currency"].fillna("CNY") == cur
    if province is not None:
        keep &= df["province"] == province
    rows = df[keep]
    out = {}
    keys = ["province", "city"] if province is not None else ["province"]
    for key, g in rows.groupby(keys, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        name = tuple(None if pd.isna(k) else k for k in key)
        paid = g[g["paid"]]
        buyers = paid["buyer_id"].dropna()
        out[name if province is not None else (name[0], None)] = {
            "count_lines": len(g),
            "count_city_lines": int(g["city"].notna().sum()),
            "orders": paid["order_id"].nunique(),
            "units_sold": int(paid["quantity"].sum()) if len(paid) else None,
            "paid_amount": round(float(paid["paid_amount"].sum()), 2) if len(paid) else None,
            "refund_amount": round(float(paid["refund_amount"].sum()), 2) if len(paid) else None,
            "paying_buyers": None if len(paid) and buyers.empty else buyers.nunique(),
        }
    return out


def from_query(con, start, end, province, **filters) -> dict:
    df = queries.run(con, "regions_orders", start=start, end=end, province=province, **filters)
    out = {}
    for r in df.to_dict("records"):
        row = {k: (None if v is None or pd.isna(v) else v) for k, v in r.items()}
        key = (row.pop("province"), row.pop("city"))
        out[key] = {
            k: (round(float(v), 2) if k.endswith("amount") and v is not None else v)
            for k, v in row.items()
        }
    return out


FILTERS = [
    {},
    {"src": ["直通车"]},
    {"dev": ["PC"]},
    {"src": ["手淘搜索", "直通车"], "dev": ["无线"]},
    {"prov": ["广东省", "海外"]},
    {"plat": ["京东"]},
    {"plat": ["淘宝", "京东"], "src": ["手淘搜索"]},
    {"cur": "CNY"},  # rows naming no currency are CNY
    {"cur": "USD", "prov": ["广东省"]},
]
LAST = FIRST + timedelta(days=DAYS - 1)
RANGES = [
    (FIRST, LAST),
    (FIRST + timedelta(days=8), FIRST + timedelta(days=21)),
    (FIRST - timedelta(days=10), FIRST + timedelta(days=4)),  # straddles the first day
    (LAST - timedelta(days=3), LAST + timedelta(days=9)),  # straddles the last day
    (FIRST + timedelta(days=17), FIRST + timedelta(days=17)),
    (FIRST - timedelta(days=40), FIRST - timedelta(days=11)),  # before any data
]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("province", [None, "广东省", "浙江省", "海外"])
def test_regions_orders_equal_the_lines(shop, filters, province):
    con, df = shop
    params = {**NO_FILTER, **filters}
    for start, end in RANGES:
        got = from_query(con, start, end, province, **params)
        want = brute_force(df, start, end, province, **params)
        assert got == want, (start, end, province, filters)


def test_rows_come_largest_paid_amount_first(shop):
    con, _ = shop
    df = queries.run(con, "regions_orders", start=FIRST, end=LAST, province=None, **NO_FILTER)
    paid = df["paid_amount"].astype(float).to_numpy()
    assert len(df) == len(PROVINCES)
    assert np.all(np.diff(paid) <= 0)


def test_a_paid_province_without_buyer_ids_has_unknown_buyers(shop):
    """A group whose paid lines all lack a buyer id: buyers unknown (NULL), not 0, also
    under a filter and per city."""
    con, df = shop
    lines = random_lines(200, seed=9)
    for line in lines[:3]:
        line.update(province="西藏自治区", city="拉萨市", buyer_id=None, paid=True)
    c = duckdb.connect()
    queries.install_macros(c)
    c.execute(schema.create_table_sql("orders"))
    c.register("incoming", pa.Table.from_pylist(lines))
    c.execute("insert into orders by name select * from incoming")
    for name in ROLLUPS:
        c.execute(queries.sql(name))
    frame = pd.DataFrame(lines)
    frame["day"] = frame["order_time"].dt.date
    for province, filters in ((None, {}), (None, {"dev": list(DEVICES)}), ("西藏自治区", {})):
        params = {**NO_FILTER, **filters}
        got = from_query(c, FIRST, LAST, province, **params)
        assert got == brute_force(frame, FIRST, LAST, province, **params)
        tibet = [v for k, v in got.items() if k[0] == "西藏自治区"]
        assert tibet and all(v["paying_buyers"] is None for v in tibet)
    c.close()
