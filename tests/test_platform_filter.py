"""The platform filter ($plat) gives the numbers of a plain pandas filter of the raw rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from brute_orders import customers_summary, daily_history, product_sales

from shopsight import queries, workspace

START, END = date(2026, 11, 1), date(2026, 11, 20)
NO_FILTER = {"src": None, "dev": None, "prov": None, "cat": None, "plat": None, "cur": None}
PLATFORMS = ("淘宝", "京东")


def _orders(platform: str, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400
    base = datetime(2026, 10, 25)
    return pd.DataFrame(
        {
            "order_id": [f"{platform}-{i}" for i in range(n)],  # one line per order
            "order_time": [base + timedelta(hours=int(h)) for h in rng.integers(0, 24 * 35, n)],
            "buyer_id": [f"b{b}" for b in rng.integers(0, 60, n)],  # buyers shop on both
            "product_id": [f"p{p}" for p in rng.integers(0, 8, n)],
            "quantity": rng.integers(1, 4, n),
            "paid_amount": np.round(rng.uniform(10, 500, n), 2),
            "line_amount": np.round(rng.uniform(10, 500, n), 2),
            "refund_amount": np.where(rng.random(n) < 0.1, 5.0, 0.0),
            "paid": rng.random(n) < 0.9,
            "province": rng.choice(["广东省", "浙江省", "江苏省"], n),
            "source": rng.choice(["直通车", "手淘搜索"], n),
            "device": rng.choice(["无线", "PC"], n),
        }
    )


def _products(platform: str, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = [START - timedelta(days=5) + timedelta(days=i) for i in range(30)]
    rows = [(d, f"p{p}", "女装" if p % 2 else "男装") for d in days for p in range(4)]
    n = len(rows)
    return pd.DataFrame(
        {
            "date": [r[0] for r in rows],
            "product_id": [r[1] for r in rows],
            "category": [r[2] for r in rows],
            "visitors": rng.integers(0, 300, n),
            "paying_buyers": rng.integers(0, 20, n),
            "units_sold": rng.integers(0, 30, n),
            "paid_amount": np.round(rng.uniform(0, 900, n), 2),
        }
    )


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    ws = workspace.open_workspace(tmp_path_factory.mktemp("plat") / "ws")
    con = ws.connect()
    raw = {"orders": [], "products": []}
    for i, plat in enumerate(PLATFORMS):
        for kind, make in (("orders", _orders), ("products", _products)):
            df = make(plat, seed=10 * i + len(kind))
            workspace.write_dataset(
                ws,
                kind,
                pa.Table.from_pandas(df, preserve_index=False),
                mode="append",
                file=f"{kind}_{plat}.csv",
                con=con,
                platform=plat,
            )
            raw[kind].append(df.assign(platform=plat))
    yield con, {k: pd.concat(v, ignore_index=True) for k, v in raw.items()}
    con.close()


def _run(con, name: str, **params) -> pd.DataFrame:
    return queries.run(con, name, **{**NO_FILTER, "start": START, "end": END, **params})


def _paid_in_range(orders: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    day = orders["order_time"].dt.date
    return orders[orders["paid"] & (day >= start) & (day <= end)]


@pytest.mark.parametrize("plat", [["京东"], ["淘宝"], ["淘宝", "京东"]])
@pytest.mark.parametrize("prov", [None, ["广东省"]])
def test_order_kpis_and_regions_follow_the_platform(shop, plat, prov):
    con, raw = shop
    params = {**NO_FILTER, "start": START, "end": END, "plat": plat, "prov": prov}
    rows = _paid_in_range(raw["orders"], START, END)
    rows = rows[rows["platform"].isin(plat)]
    if prov:
        rows = rows[rows["province"].isin(prov)]

    kpis = queries.run(con, "overview_kpis_orders", **params).iloc[0]
    assert float(kpis["paid_amount"]) == pytest.approx(rows["paid_amount"].sum())
    assert kpis["paying_buyers"] == rows["buyer_id"].nunique()
    assert kpis["units_sold"] == rows["quantity"].sum()

    regions = queries.run(con, "regions_orders", **params, province=None).set_index("province")
    want = rows.groupby("province").agg(paid=("paid_amount", "sum"), buyers=("buyer_id", "nunique"))
    assert sorted(regions.index) == sorted(want.index)
    for prov_name, w in want.iterrows():
        assert float(regions.loc[prov_name, "paid_amount"]) == pytest.approx(w["paid"])
        assert regions.loc[prov_name, "paying_buyers"] == w["buyers"]

    daily = queries.run(con, "overview_daily_buyers", **params).set_index("day")["paying_buyers"]
    want_daily = rows.groupby(rows["order_time"].dt.date)["buyer_id"].nunique()
    assert {pd.Timestamp(d).date(): v for d, v in daily.items()} == want_daily.to_dict()


def test_no_platform_filter_counts_every_platform(shop):
    con, raw = shop
    rows = _paid_in_range(raw["orders"], START, END)
    kpis = _run(con, "overview_kpis_orders").iloc[0]
    assert float(kpis["paid_amount"]) == pytest.approx(rows["paid_amount"].sum())
    assert kpis["paying_buyers"] == rows["buyer_id"].nunique()


@pytest.mark.parametrize("plat", [["京东"], ["淘宝"]])
def test_product_kpis_follow_the_platform(shop, plat):
    con, raw = shop
    p = raw["products"]
    rows = p[p["platform"].isin(plat) & (p["date"] >= START) & (p["date"] <= END)]
    kpis = _run(con, "overview_kpis_products", plat=plat).iloc[0]
    assert float(kpis["paid_amount"]) == pytest.approx(rows["paid_amount"].sum())
    assert kpis["visitors"] == rows["visitors"].sum()
    movers = _run(
        con,
        "overview_movers_product",
        cmp_start=START - timedelta(days=5),
        cmp_end=START - timedelta(days=1),
        plat=plat,
        limit=100,
    ).set_index("item")
    by_product = rows.groupby("product_id")["paid_amount"].sum()
    for product_id, amount in by_product.items():
        assert float(movers.loc[product_id, "paid_amount"]) == pytest.approx(amount)


def test_order_lines_path_follows_the_platform(shop):
    # a source filter makes the product queries read the order lines, not the rollup
    con, raw = shop
    rows = _paid_in_range(raw["orders"], START, END)
    rows = rows[
        (rows["platform"] == "京东") & (rows["source"] == "直通车") & (rows["product_id"] == "p3")
    ]
    daily = _run(
        con, "products_daily", plat=["京东"], src=["直通车"], origin="orders", product_id="p3"
    )
    assert float(daily["paid_amount"].sum()) == pytest.approx(rows["line_amount"].sum())
    rollup = _run(con, "products_daily", plat=["京东"], origin="orders", product_id="p3")
    jd = _paid_in_range(raw["orders"], START, END)
    jd = jd[(jd["platform"] == "京东") & (jd["product_id"] == "p3")]
    assert float(rollup["paid_amount"].sum()) == pytest.approx(jd["line_amount"].sum())


PICKS = [["京东"], ["淘宝"], ["淘宝", "京东"], None]


def _picked(df: pd.DataFrame, plat: list[str] | None) -> pd.DataFrame:
    return df if plat is None else df[df["platform"].isin(plat)]


@pytest.mark.parametrize("plat", PICKS)
def test_product_ranking_follows_the_platform(shop, plat):
    con, raw = shop
    p = _picked(raw["products"], plat)
    p = p[(p["date"] >= START) & (p["date"] <= END)]
    want = p.groupby("product_id")[["paid_amount", "visitors", "units_sold"]].sum()
    got = _run(
        con, "products_ranking", plat=plat, level="product", slow_days=7, cover_days=7
    ).set_index("product_id")
    assert sorted(got.index) == sorted(want.index)
    for col in want:
        assert got.loc[want.index, col].astype(float).tolist() == pytest.approx(
            want[col].astype(float).tolist()
        ), col


@pytest.mark.parametrize("plat", PICKS)
@pytest.mark.parametrize("src", [None, ["直通车"]])  # the daily rollup, then the lines
def test_order_ranking_follows_the_platform(shop, plat, src):
    con, raw = shop
    lines = _picked(raw["orders"], plat)
    if src:
        lines = lines[lines["source"].isin(src)]
    want = product_sales(lines, START, END)
    got = _run(
        con,
        "products_ranking_orders",
        plat=plat,
        src=src,
        level="product",
        slow_days=7,
        cover_days=7,
    ).set_index("product_id")
    got = got[got["paid_amount"].notna()]
    assert sorted(got.index) == sorted(want.index)
    for col in want:
        assert got.loc[want.index, col].astype(float).tolist() == pytest.approx(
            want[col].astype(float).tolist()
        ), col


@pytest.mark.parametrize("plat", PICKS)
@pytest.mark.parametrize("dev", [None, ["无线"]])  # the marks rollup, then per buyer
def test_customers_follow_the_platform(shop, plat, dev):
    con, raw = shop
    lines = _picked(raw["orders"], plat)
    if dev:
        lines = lines[lines["device"].isin(dev)]
    want = customers_summary(raw["orders"], lines, START, END)
    got = _run(con, "customers_summary", plat=plat, dev=dev).iloc[0]
    for key, value in want.items():
        assert float(got[key]) == pytest.approx(value), key

    history = daily_history(lines, END)
    daily = _run(con, "customers_daily", plat=plat, dev=dev)
    assert {
        pd.Timestamp(r.day).date(): (pytest.approx(r.paid_amount), r.orders)
        for r in daily.itertuples()
    } == {d: (a, o) for d, (a, o, _) in history.items()}
    buyers = _run(con, "customers_daily_buyers", plat=plat, dev=dev)
    assert {pd.Timestamp(r.day).date(): r.paying_buyers for r in buyers.itertuples()} == {
        d: b for d, (_, _, b) in history.items()
    }


def test_platforms_are_filter_options(shop):
    con, _ = shop
    opts = queries.run(con, "filter_options")
    assert sorted(opts.loc[opts["dim"] == "plat", "value"]) == sorted(PLATFORMS)


def test_platform_filter_is_in_the_sidebar_and_the_link(app, small_ws):
    jd = pd.DataFrame(
        {
            "order_id": ["jd-1", "jd-2"],
            "order_time": [datetime(2026, 11, 10, 9), datetime(2026, 11, 11, 9)],
            "buyer_id": ["jb1", "jb2"],
            "product_id": ["p1", "p1"],
            "quantity": [1, 2],
            "paid_amount": [100.0, 250.0],
            "line_amount": [100.0, 250.0],
            "paid": [True, True],
            "province": ["广东省", "浙江省"],
        }
    )
    workspace.write_dataset(
        small_ws,
        "orders",
        pa.Table.from_pandas(jd, preserve_index=False),
        mode="append",
        file="jd.csv",
        platform="京东",
    )
    at = app("small")
    assert at.multiselect(key="sb_plat").options == ["京东"]
    at.multiselect(key="sb_plat").select("京东").run()
    assert not at.exception
    assert at.query_params["plat"] == "京东"
    # the traffic cards have no platform column: the page says the filter does not apply
    assert any("平台" in c.value for c in at.caption)

    link = dict(at.query_params)
    other = app(link.pop("ws"), **link)
    assert not other.exception
    assert other.multiselect(key="sb_plat").value == ["京东"]
