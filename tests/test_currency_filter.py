"""Two currencies are never added up: queries take one ($cur), the sidebar offers the
choice (CNY first, the others named), the report counts CNY and says so."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from brute_orders import customers_summary, daily_history, product_sales

from shopsight import currency, metrics, period_report, queries, workspace

START, END = date(2026, 11, 1), date(2026, 11, 30)
NO_FILTER = {
    "src": None,
    "dev": None,
    "prov": None,
    "cat": None,
    "plat": None,
    "start": START,
    "end": END,
}
LOADS = (("淘宝", None), ("Shopify", "USD"))  # a load without a currency is CNY


def _orders(prefix: str, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 300
    return pd.DataFrame(
        {
            "order_id": [f"{prefix}-{i}" for i in range(n)],
            "order_time": [
                datetime(2026, 11, 1) + timedelta(hours=int(h)) for h in rng.integers(0, 24 * 30, n)
            ],
            "buyer_id": [f"b{b}" for b in rng.integers(0, 50, n)],
            "product_id": [f"p{p}" for p in rng.integers(0, 5, n)],
            "quantity": rng.integers(1, 3, n),
            "paid_amount": np.round(rng.uniform(10, 300, n), 2),
            "line_amount": np.round(rng.uniform(10, 300, n), 2),
            "paid": np.ones(n, dtype=bool),
            "province": rng.choice(["广东省", "浙江省"], n),
        }
    )


def _build(ws: workspace.Workspace) -> pd.DataFrame:
    raw = []
    for i, (plat, cur) in enumerate(LOADS):
        df = _orders(plat, seed=i)
        workspace.write_dataset(
            ws,
            "orders",
            pa.Table.from_pandas(df, preserve_index=False),
            mode="append",
            file=f"{plat}.csv",
            platform=plat,
            currency=cur,
        )
        raw.append(df.assign(currency=cur or "CNY"))
    return pd.concat(raw, ignore_index=True)


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    ws = workspace.open_workspace(tmp_path_factory.mktemp("cur") / "ws")
    raw = _build(ws)
    con = ws.connect(read_only=True)
    yield con, raw
    con.close()


def test_currencies_are_listed_cny_first(shop):
    con, _ = shop
    codes = queries.run(con, "currencies")["currency"].tolist()
    assert codes == ["CNY", "USD"]
    assert currency.shown(codes) == "CNY"
    assert currency.shown(["USD"]) is None and currency.shown(["JPY", "USD"]) == "JPY"


@pytest.mark.parametrize("cur", ["CNY", "USD"])
def test_money_queries_count_one_currency(shop, cur):
    con, raw = shop
    rows = raw[raw["currency"] == cur]
    params = {**NO_FILTER, "cur": cur}
    kpis = queries.run(con, "overview_kpis_orders", **params).iloc[0]
    assert float(kpis["paid_amount"]) == pytest.approx(rows["paid_amount"].sum())
    assert kpis["paying_buyers"] == rows["buyer_id"].nunique()
    regions = queries.run(con, "regions_orders", **params, province=None).set_index("province")
    for prov, amount in rows.groupby("province")["paid_amount"].sum().items():
        assert float(regions.loc[prov, "paid_amount"]) == pytest.approx(amount)
    daily = queries.run(con, "overview_daily_orders", **params)
    assert float(daily["paid_amount"].sum()) == pytest.approx(rows["paid_amount"].sum())
    product = queries.run(con, "products_daily", **params, origin="orders", product_id="p1")
    assert float(product["paid_amount"].sum()) == pytest.approx(
        rows.loc[rows["product_id"] == "p1", "line_amount"].sum()
    )
    split = queries.run(con, "overview_currencies", **params)
    assert split["currency"].fillna("CNY").unique().tolist() == [cur]


def _products(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [(START + timedelta(days=d), f"p{p}") for d in range(30) for p in range(3)]
    return pd.DataFrame(
        {
            "date": [r[0] for r in rows],
            "product_id": [r[1] for r in rows],
            "visitors": rng.integers(0, 200, len(rows)),
            "units_sold": rng.integers(0, 20, len(rows)),
            "paid_amount": np.round(rng.uniform(0, 800, len(rows)), 2),
        }
    )


@pytest.fixture(scope="module")
def products_shop(tmp_path_factory):
    """The same orders, and a products report per load in its currency."""
    ws = workspace.open_workspace(tmp_path_factory.mktemp("cur_products") / "ws")
    orders = _build(ws)
    raw = []
    for i, (plat, cur) in enumerate(LOADS):
        df = _products(seed=20 + i)
        workspace.write_dataset(
            ws,
            "products",
            pa.Table.from_pandas(df, preserve_index=False),
            mode="append",
            file=f"{plat}_products.csv",
            platform=plat,
            currency=cur,
        )
        raw.append(df.assign(currency=cur or "CNY"))
    con = ws.connect(read_only=True)
    yield con, orders, pd.concat(raw, ignore_index=True)
    con.close()


def _by_product(got: pd.DataFrame, want: pd.DataFrame) -> None:
    got = got[got["paid_amount"].notna()].set_index("product_id")
    assert sorted(got.index) == sorted(want.index)
    for col in want:
        assert got.loc[want.index, col].astype(float).tolist() == pytest.approx(
            want[col].astype(float).tolist()
        ), col


@pytest.mark.parametrize("cur", ["CNY", "USD", None])
def test_product_rankings_count_one_currency(products_shop, cur):
    con, orders, prods = products_shop
    params = {**NO_FILTER, "cur": cur, "level": "product", "slow_days": 7, "cover_days": 7}
    p = prods if cur is None else prods[prods["currency"] == cur]
    want = p.groupby("product_id")[["paid_amount", "visitors", "units_sold"]].sum()
    _by_product(queries.run(con, "products_ranking", **params), want)
    lines = orders if cur is None else orders[orders["currency"] == cur]
    for prov in (None, ["广东省"]):  # the daily rollup, then the order lines
        picked = lines if prov is None else lines[lines["province"].isin(prov)]
        got = queries.run(con, "products_ranking_orders", **{**params, "prov": prov})
        _by_product(got, product_sales(picked, START, END))


@pytest.mark.parametrize("cur", ["CNY", "USD", None])
@pytest.mark.parametrize("prov", [None, ["广东省"]])  # the marks rollup, then per buyer
def test_customers_count_one_currency(shop, cur, prov):
    con, raw = shop
    lines = raw if cur is None else raw[raw["currency"] == cur]
    if prov:
        lines = lines[lines["province"].isin(prov)]
    params = {**NO_FILTER, "cur": cur, "prov": prov}
    want = customers_summary(raw, lines, START, END)
    got = queries.run(con, "customers_summary", **params).iloc[0]
    for key, value in want.items():
        assert float(got[key]) == pytest.approx(value), key

    history = daily_history(lines, END)
    daily = queries.run(con, "customers_daily", **params)
    assert {
        pd.Timestamp(r.day).date(): (pytest.approx(r.paid_amount), r.orders)
        for r in daily.itertuples()
    } == {d: (a, o) for d, (a, o, _) in history.items()}
    buyers = queries.run(con, "customers_daily_buyers", **params)
    assert {pd.Timestamp(r.day).date(): r.paying_buyers for r in buyers.itertuples()} == {
        d: b for d, (_, _, b) in history.items()
    }


def test_report_counts_cny_and_names_the_other_currency(shop):
    con, raw = shop

    def run(name, **params):
        return queries.run(con, name, **params)

    r = period_report.build(run, period_report.period("month", END), "zh", workspace.datasets(con))
    assert r.period.currency == "CNY"
    assert "USD" in r.subtitle
    cny = raw[raw["currency"] == "CNY"]
    assert r.section("regions").figures["paid_amount"] == pytest.approx(cny["paid_amount"].sum())


def test_sidebar_offers_one_currency_at_a_time(app, small_ws):
    usd = _orders("us", seed=7)
    workspace.write_dataset(
        small_ws,
        "orders",
        pa.Table.from_pandas(usd, preserve_index=False),
        mode="append",
        file="shopify.csv",
        platform="Shopify",
        currency="USD",
    )
    at = app("small")
    assert not at.exception
    box = at.selectbox(key="sb_cur")
    assert box.options == ["CNY", "USD"] and box.value == "CNY"
    assert any("USD" in c.value for c in at.sidebar.caption)
    assert at.query_params["cur"] == "CNY"
    box.set_value("USD").run()
    assert not at.exception
    assert at.query_params["cur"] == "USD"
    for page in ("views/regions.py", "views/products.py", "views/sources.py"):
        at.switch_page(page).run()
        assert not at.exception, page


def _page_texts(at) -> list[str]:
    """What a page writes: cards, captions, text cells of grids and their column formats,
    the map's features and tooltip, chart specs and data (JSON decoded, so that a symbol
    is not hidden as a \\u escape)."""

    def plain(text: str) -> str:
        return json.dumps(json.loads(text), ensure_ascii=False) if text else ""

    texts = [m.value for m in at.metric]
    texts += [e.value for e in (*at.caption, *at.markdown, *at.info, *at.warning)]
    for d in at.dataframe:
        texts.append(plain(d.proto.columns))
        for col in d.value.columns:
            texts += [v for v in d.value[col].tolist() if isinstance(v, str)]
    for deck in at.get("deck_gl_json_chart"):
        texts += [plain(deck.proto.json), plain(deck.proto.tooltip)]
    for chart in at.get("vega_lite_chart"):
        texts.append(plain(chart.proto.spec))
        for ds in chart.proto.datasets:
            rows = pa.ipc.open_stream(ds.data.data).read_all().to_pylist()
            texts.append(json.dumps(rows, ensure_ascii=False, default=str))
    return texts


def test_products_and_regions_show_the_chosen_currency(app, small_ws):
    usd = _orders("us", seed=7)
    workspace.write_dataset(
        small_ws,
        "orders",
        pa.Table.from_pandas(usd, preserve_index=False),
        mode="append",
        file="shopify.csv",
        platform="Shopify",
        currency="USD",
    )
    at = app("small", start="2026-11-01", end="2026-11-30")
    at.selectbox(key="sb_cur").set_value("USD").run()
    assert not at.exception
    for page in ("views/products.py", "views/regions.py"):
        at.switch_page(page).run()
        assert not at.exception, page
        if page == "views/products.py":  # the orders' ranking, and one product's cards
            at.segmented_control(key="pr_origin").set_value("orders").run()
            at.selectbox(key="pr_product").set_value("p1").run()
            assert not at.exception
            card = {m.label: m.value for m in at.metric}[metrics.label("paid_amount", "zh")]
            assert card.startswith("US$")
        texts = _page_texts(at)
        assert any("US$" in x for x in texts), page
        assert not [x for x in texts if "¥" in x], page
    at.switch_page("views/customers.py").run()  # its paid-amount card
    assert not at.exception
    card = {m.label: m.value for m in at.metric}[metrics.label("paid_amount", "zh")]
    assert card.startswith("US$")
