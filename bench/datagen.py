"""A realistic shop at any size, written straight into a workspace (no CSV ingest).

    python bench/datagen.py --rows 1000000            # built once, cached under bench/out/
    python bench/datagen.py --rows 10000000 --force   # rebuild
    python bench/datagen.py --rows 5000 --out /tmp/ws # a throwaway size elsewhere

One seeded ground truth over 90 days (2026-09-02..2026-11-30): N order lines (orders of
1-4 lines) from ~200k buyers with a home province and city (all 34 provincial units,
weighted like a real shop) across ~2k SKUs of 500 products (long-tailed popularity),
10 sources x 2 devices, a rising trend with weekends and 双11.  Traffic (day x source x
device) and products (day x SKU) are summed from those orders, so they agree with them;
regions (monthly per province), events (browsing, cart, order, pay; N/2 of them),
main-image tests and 1688 inquiries complete the workspace.

Columns are built with numpy as Arrow arrays (text as dictionary arrays: no Python
string per row) and written with workspace.write_dataset, which also builds the
rollups, exactly as an upload does.

Cache: bench/out/workspaces/teams/bench-<rows>-<key>-xxx/, a team workspace (with its
team.json) whose 32-character name is the `?ws=` id when SHOPSIGHT_DATA_DIR is
bench/out/workspaces.  The key hashes the generator's VERSION, the schema and the rollup
SQL, so a changed rollup gives a fresh workspace next to the others (several checkouts may
share the cache: no key removes another's).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shopsight import teams, workspace  # noqa: E402
from shopsight.geo.names import cities_by_province  # noqa: E402

VERSION = "1"
OUT = Path(__file__).resolve().parent / "out" / "workspaces"
START = date(2026, 9, 2)
DAYS = 90
DOUBLE11 = (date(2026, 11, 11) - START).days
BUYERS = 200_000
PRODUCTS = 500
SEED = 20261130

# source, share of 无线 orders, share of PC orders, pay conversion, spend: (model, rate)
SOURCES = (
    ("手淘搜索", 0.26, 0.00, 0.031, None),
    ("淘宝搜索", 0.00, 0.34, 0.024, None),
    ("手淘推荐", 0.17, 0.00, 0.012, None),
    ("直通车", 0.12, 0.16, 0.029, ("cpc", 1.15)),
    ("引力魔方", 0.05, 0.00, 0.015, ("cpc", 0.62)),
    ("万相台", 0.08, 0.00, 0.024, ("cpc", 0.88)),
    ("淘宝客", 0.05, 0.00, 0.046, ("cps", 0.10)),
    ("购物车", 0.15, 0.25, 0.088, None),
    ("我的淘宝", 0.07, 0.00, 0.064, None),
    ("直接访问", 0.05, 0.25, 0.037, None),
)
DEVICES = ("无线", "PC")
PC_SHARE = 0.08
# provincial units by weight of a typical Taobao clothing shop; the rest share what is left
PROVINCE_WEIGHTS = {
    "广东省": 13.0,
    "浙江省": 10.5,
    "江苏省": 10.0,
    "山东省": 6.5,
    "上海市": 5.2,
    "河南省": 5.0,
    "北京市": 4.6,
    "四川省": 4.5,
    "福建省": 4.4,
    "湖北省": 3.8,
    "河北省": 3.7,
    "湖南省": 3.5,
    "安徽省": 3.4,
    "辽宁省": 2.4,
    "陕西省": 2.2,
    "江西省": 2.2,
    "广西壮族自治区": 2.1,
    "重庆市": 2.0,
    "云南省": 1.8,
    "天津市": 1.6,
    "山西省": 1.6,
    "黑龙江省": 1.4,
    "贵州省": 1.3,
    "吉林省": 1.1,
    "内蒙古自治区": 1.0,
    "新疆维吾尔自治区": 0.8,
    "甘肃省": 0.8,
    "海南省": 0.7,
    "宁夏回族自治区": 0.35,
    "青海省": 0.22,
    "西藏自治区": 0.1,
    "香港特别行政区": 0.15,
    "澳门特别行政区": 0.03,
    "台湾省": 0.05,
}
CATEGORIES = ("T恤", "卫衣", "衬衫", "休闲裤", "牛仔裤", "夹克", "羽绒服", "毛衣", "连衣裙", "配饰")
STYLES = (
    "纯棉",
    "宽松",
    "修身",
    "加绒",
    "oversize",
    "复古",
    "基础款",
    "情侣",
    "商务",
    "国潮",
    "轻薄",
    "加厚",
    "速干",
    "水洗",
    "刺绣",
    "印花",
)
COLORS = ("黑色", "白色", "灰色", "藏青", "卡其", "米白", "酒红", "军绿")
SIZES = ("S", "M", "L", "XL", "2XL", "3XL")
HOURS = np.array(
    [
        2.6,
        1.2,
        0.6,
        0.3,
        0.25,
        0.3,
        0.6,
        1.2,
        2.2,
        3.2,
        3.9,
        4.1,
        3.9,
        3.6,
        3.5,
        3.4,
        3.3,
        3.4,
        3.7,
        4.3,
        5.3,
        5.9,
        5.6,
        4.2,
    ]
)
PAID_STATUSES = ("交易成功", "卖家已发货，等待买家确认", "买家已付款,等待卖家发货")
UNPAID_STATUSES = ("等待买家付款", "交易关闭")
EVENTS = ("浏览商品", "搜索", "收藏商品", "加入购物车", "提交订单", "支付成功")
TESTS = (
    ("主图测试-羽绒服", 3, (0.021, 0.026, 0.019)),
    ("主图测试-卫衣", 2, (0.030, 0.031)),
    ("主图测试-T恤", 4, (0.018, 0.024, 0.020, 0.022)),
)


def cache_key(buyers: int = BUYERS, seed: int = SEED) -> str:
    """Changes with VERSION (bump it when the data changes), the schema, the rollups, the
    shared macros they call and the parameters."""
    h = hashlib.sha1(f"{VERSION}/{buyers}/{seed}".encode())
    for path in [
        ROOT / "shopsight" / "schema.py",
        *sorted((ROOT / "queries").glob("rollup_*.sql")),
        ROOT / "queries" / "macros.sql",
    ]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def workspace_name(rows: int, buyers: int = BUYERS, seed: int = SEED) -> str:
    """The team id of the cached workspace, for `?ws=`: 32 link-safe characters."""
    name = f"bench-{rows}-{cache_key(buyers, seed)}-".ljust(teams.ID_LENGTH, "x")
    assert teams.is_valid_id(name), name
    return name


def workspace_path(rows: int, out: Path = OUT, buyers: int = BUYERS, seed: int = SEED) -> Path:
    """Where the workspace lives: a team under the data directory `out`."""
    return out / teams.TEAMS_DIR / workspace_name(rows, buyers, seed)


def _dict(indices: np.ndarray, values) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(indices.astype(np.int32)), pa.array(list(values))
    )


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    return pa.compute.binary_join_element_wise(prefix, pa.array(numbers).cast(pa.string()), "")


def _weights(w: np.ndarray) -> np.ndarray:
    return w / w.sum()


def catalogue(rng: np.random.Generator) -> dict[str, np.ndarray | list]:
    """~2k SKUs of 500 products: ids, names, category, price and popularity per SKU."""
    cat = rng.integers(0, len(CATEGORIES), PRODUCTS)
    names = [
        f"{STYLES[rng.integers(len(STYLES))]}{STYLES[rng.integers(len(STYLES))]}"
        f"{CATEGORIES[c]} {i:03d}款"
        for i, c in enumerate(cat)
    ]
    base_price = np.round(rng.lognormal(np.log(159), 0.55, PRODUCTS), 0) + 0.9
    n_skus = rng.choice([2, 3, 4, 5, 6], PRODUCTS, p=[0.2, 0.25, 0.25, 0.15, 0.15])
    product_of = np.repeat(np.arange(PRODUCTS), n_skus)
    n = len(product_of)
    color = rng.integers(0, len(COLORS), n)
    size = rng.integers(0, len(SIZES), n)
    popularity = _weights(1 / (rng.permutation(PRODUCTS) + 4.0) ** 1.15)[product_of]
    popularity = _weights(popularity * rng.uniform(0.3, 1.0, n))
    return {
        "product_of": product_of,
        "product_id": [str(600000000000 + 7919 * i) for i in range(PRODUCTS)],
        "product_name": names,
        "category": [CATEGORIES[c] for c in cat],
        "sku_id": [str(5000000000000 + 104729 * i) for i in range(n)],
        "sku_name": [f"{COLORS[c]} {SIZES[s]}" for c, s in zip(color, size, strict=True)],
        "price": base_price[product_of] + np.where(size >= 4, 10.0, 0.0),
        "popularity": popularity,
    }


def day_weights() -> np.ndarray:
    d = np.arange(DAYS)
    weekday = np.array([(START + timedelta(days=int(i))).weekday() for i in d])
    w = (0.8 + 0.4 * d / (DAYS - 1)) * np.where(weekday >= 5, 1.15, 1.0)
    w[DOUBLE11] *= 4.0
    w[DOUBLE11 - 1] *= 1.6
    return _weights(w)


def orders_table(
    rows: int, rng: np.random.Generator, cat: dict, buyers: int
) -> tuple[pa.Table, dict[str, np.ndarray]]:
    """The order lines, and per order (first line, time, buyer, ...) for the events."""
    # buyers: home province and city, preferred device; a few buy very often
    prov_names = list(PROVINCE_WEIGHTS)
    cities = cities_by_province()
    city_names = [c for p in prov_names for c in cities[p]]
    city_start = np.cumsum([0] + [len(cities[p]) for p in prov_names])
    buyer_prov = rng.choice(
        len(prov_names), buyers, p=_weights(np.array(list(PROVINCE_WEIGHTS.values())))
    )
    n_cities = np.diff(city_start)[buyer_prov]
    # the capital (first city) is most common: a geometric-ish pick inside the province
    buyer_city = city_start[buyer_prov] + np.minimum(rng.geometric(0.35, buyers) - 1, n_cities - 1)
    buyer_pc = rng.random(buyers) < PC_SHARE
    buyer_w = _weights(rng.pareto(1.6, buyers) + 1.0)

    # orders of 1-4 lines, exactly `rows` lines
    lines_per = rng.choice([1, 2, 3, 4], int(rows / 1.25) + 64, p=[0.74, 0.17, 0.06, 0.03])
    ends = np.cumsum(lines_per)
    n_orders = int(np.searchsorted(ends, rows) + 1)
    lines_per = lines_per[:n_orders]
    lines_per[-1] -= int(ends[n_orders - 1] - rows)

    day = np.sort(rng.choice(DAYS, n_orders, p=day_weights()))
    second = rng.choice(24, n_orders, p=_weights(HOURS)) * 3600 + rng.integers(0, 3600, n_orders)
    order_time = np.datetime64(START.isoformat(), "s") + (day * 86400 + second).astype(
        "timedelta64[s]"
    )
    order_time.sort()  # an export is in time order; so are the order ids below
    buyer = rng.choice(buyers, n_orders, p=buyer_w)
    pc = np.where(rng.random(n_orders) < 0.9, buyer_pc[buyer], ~buyer_pc[buyer])
    src_mobile = rng.choice(len(SOURCES), n_orders, p=_weights(np.array([s[1] for s in SOURCES])))
    src_pc = rng.choice(len(SOURCES), n_orders, p=_weights(np.array([s[2] for s in SOURCES])))
    source = np.where(pc, src_pc, src_mobile)
    unpaid = rng.random(n_orders) < 0.08
    status = np.where(
        unpaid,
        len(PAID_STATUSES) + rng.choice(2, n_orders, p=[0.4, 0.6]),
        rng.choice(len(PAID_STATUSES), n_orders, p=[0.85, 0.10, 0.05]),
    )
    discount = rng.choice([1.0, 0.95, 0.9, 0.85], n_orders, p=[0.5, 0.2, 0.2, 0.1])

    o = np.repeat(np.arange(n_orders), lines_per)  # order of each line
    sku = rng.choice(len(cat["sku_id"]), rows, p=cat["popularity"])
    qty = rng.choice([1, 2, 3], rows, p=[0.86, 0.10, 0.04])
    paid = np.where(unpaid[o], 0.0, np.round(cat["price"][sku] * qty * discount[o], 2))
    refunded = (rng.random(rows) < 0.06) & ~unpaid[o]
    refund = np.where(refunded, np.where(rng.random(rows) < 0.7, paid, np.round(paid / 2, 2)), 0.0)
    product = cat["product_of"][sku]
    first_line = np.r_[0, np.cumsum(lines_per)[:-1]]
    per_order = {
        "time": order_time.astype(np.int64),
        "buyer": buyer,
        "pc": pc,
        "source": source,
        "province": buyer_prov[buyer],
        "paid": ~unpaid,
        "product": product[first_line],
    }
    table = pa.table(
        {
            "order_id": _ids("", 3_100_000_000_000_000_000 // 1000 + np.arange(n_orders)[o] * 37),
            "order_time": pa.array(order_time[o]),
            "buyer_id": _dict(buyer[o], [f"tb{1000003 * i % 99999989:08d}" for i in range(buyers)]),
            "product_id": _dict(product, cat["product_id"]),
            "product_name": _dict(product, cat["product_name"]),
            "sku_id": _dict(sku, cat["sku_id"]),
            "quantity": qty.astype(np.int64),
            "paid_amount": paid,
            "refund_amount": refund,
            "status": _dict(status[o], PAID_STATUSES + UNPAID_STATUSES),
            "province": _dict(buyer_prov[buyer[o]], prov_names),
            "city": _dict(buyer_city[buyer[o]], city_names),
            "source": _dict(source[o], [s[0] for s in SOURCES]),
            "device": _dict(pc[o].astype(np.int8), DEVICES),
        }
    )
    return table, per_order


def traffic_table(con: duckdb.DuckDBPyConnection, rng: np.random.Generator) -> pa.Table:
    """Day x source x device summed from the orders; visitors from each source's conversion."""
    cells = con.sql("""
        select
            cast(order_time as date) as date,
            source,
            device,
            count(distinct buyer_id) filter (where paid_amount > 0) as paying_buyers,
            count(distinct buyer_id) as order_buyers,
            count(distinct order_id) filter (where paid_amount > 0) as orders,
            sum(paid_amount) as paid_amount
        from orders
        group by all
        order by all
    """).fetchnumpy()
    conv = {s[0]: s[3] for s in SOURCES}
    spend_of = {s[0]: s[4] for s in SOURCES}
    n = len(cells["date"])
    rate = np.array([conv[s] for s in cells["source"]]) * rng.uniform(0.85, 1.15, n)
    rate *= np.where(cells["device"] == "PC", 0.85, 1.0)
    payers = cells["paying_buyers"].astype(np.float64)
    visitors = np.maximum(np.round(payers / rate), payers).astype(np.int64)
    spend = np.full(n, np.nan)
    for i, s in enumerate(cells["source"]):
        model = spend_of[s]
        if model:
            spend[i] = round(
                visitors[i] * model[1] if model[0] == "cpc" else cells["paid_amount"][i] * model[1],
                2,
            )
    return pa.table(
        {
            "date": pa.array(cells["date"]).cast(pa.date32()),
            "date_end": pa.array(cells["date"]).cast(pa.date32()),
            "source": cells["source"],
            "device": cells["device"],
            "visitors": visitors,
            "page_views": np.round(visitors * rng.uniform(2.2, 3.4, n)).astype(np.int64),
            "add_to_cart_buyers": np.round(visitors * rng.uniform(0.07, 0.12, n)).astype(np.int64),
            "favorite_buyers": np.round(visitors * rng.uniform(0.03, 0.06, n)).astype(np.int64),
            "order_buyers": cells["order_buyers"],
            "paying_buyers": cells["paying_buyers"],
            "paid_amount": cells["paid_amount"],
            "orders": cells["orders"],
            "spend": pa.array(spend, from_pandas=True),
            "new_visitors": np.round(visitors * rng.uniform(0.5, 0.7, n)).astype(np.int64),
            "bounce_visitors": np.round(visitors * rng.uniform(0.35, 0.5, n)).astype(np.int64),
        }
    )


def products_table(con: duckdb.DuckDBPyConnection, rng: np.random.Generator, cat: dict) -> pa.Table:
    """Day x SKU summed from the orders, with category, cost and stock from the catalogue."""
    con.register(
        "_skus",
        pa.table(
            {
                "sku_id": cat["sku_id"],
                "sku_name": cat["sku_name"],
                "category": [cat["category"][p] for p in cat["product_of"]],
                "unit_cost": np.round(cat["price"] * rng.uniform(0.3, 0.45, len(cat["sku_id"])), 2),
                "stock": rng.integers(0, 800, len(cat["sku_id"])),
            }
        ),
    )
    rows = con.sql("""
        with

        daily as (

            select
                cast(order_time as date) as date,
                product_id,
                any_value(product_name) as product_name,
                sku_id,
                count(distinct buyer_id) as order_buyers,
                count(distinct buyer_id) filter (where paid_amount > 0) as paying_buyers,
                sum(quantity) filter (where paid_amount > 0) as units_sold,
                sum(paid_amount) as paid_amount,
                sum(refund_amount) as refund_amount
            from orders
            group by date, product_id, sku_id

        )

        select daily.*, skus.sku_name, skus.category, skus.unit_cost, skus.stock
        from daily
        join _skus as skus using (sku_id)
        order by date, product_id, sku_id
    """).to_arrow_table()
    n = rows.num_rows
    payers = rows["paying_buyers"].to_numpy().astype(np.float64)
    visitors = np.maximum(np.round(payers / rng.uniform(0.02, 0.08, n)), payers).astype(np.int64)
    carts = np.round(visitors * rng.uniform(0.06, 0.12, n)).astype(np.int64)
    return (
        rows.append_column("date_end", rows["date"])
        .append_column("visitors", pa.array(visitors))
        .append_column(
            "page_views", pa.array(np.round(visitors * rng.uniform(1.3, 2.0, n)).astype(np.int64))
        )
        .append_column("add_to_cart_buyers", pa.array(carts))
        .append_column("add_to_cart_units", pa.array(np.round(carts * 1.2).astype(np.int64)))
        .append_column("favorite_buyers", pa.array(np.round(visitors * 0.04).astype(np.int64)))
    )


def regions_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Monthly per province, as the 生意参谋 地域分布 export gives it."""
    return con.sql("""
        with

        monthly as (

            select
                date_trunc('month', order_time)::date as date,
                province,
                count(distinct buyer_id) filter (where paid_amount > 0) as paying_buyers,
                count(distinct order_id) filter (where paid_amount > 0) as orders,
                sum(paid_amount) as paid_amount
            from orders
            group by all

        )

        select
            date,
            least(cast(date + interval 1 month - interval 1 day as date), date '2026-11-30')
                as date_end,
            province,
            cast(paying_buyers * 31 as bigint) as visitors,
            paying_buyers,
            paid_amount,
            orders
        from monthly
        order by date, province
    """).to_arrow_table()


def events_table(
    per_order: dict[str, np.ndarray],
    buyer_ids: list[str],
    n_events: int,
    rng: np.random.Generator,
    cat: dict,
) -> pa.Table:
    """Buyers' view -> cart -> order -> pay before some orders, plus browsing by everyone."""
    n_events = max(n_events, 8)
    paid = np.flatnonzero(per_order["paid"])
    chosen = paid[rng.random(len(paid)) < min(1.0, 0.1 * n_events / max(1, len(paid)))]
    t = per_order["time"][chosen]
    n_chain = len(chosen)
    buyer_idx, product = per_order["buyer"][chosen], per_order["product"][chosen]
    pc, source = per_order["pc"][chosen], per_order["source"][chosen]
    province = per_order["province"][chosen]
    n_buyers = len(buyer_ids)
    chain_t = np.stack(
        [
            t - rng.integers(600, 7200, n_chain),
            t - rng.integers(30, 600, n_chain),
            t,
            t + rng.integers(5, 300, n_chain),
        ],
        axis=1,
    ).ravel()
    chain_e = np.tile(np.array([0, 3, 4, 5]), n_chain)
    rep = np.repeat(np.arange(n_chain), 4)

    n_browse = max(n_events - 4 * n_chain, 0)
    visitors = max(n_events // 8, 1000)
    user = rng.integers(0, n_buyers + visitors, n_browse)
    start = np.datetime64(START.isoformat(), "s").astype(np.int64)
    browse_t = (
        start
        + rng.choice(DAYS, n_browse, p=day_weights()) * 86400
        + rng.integers(0, 86400, n_browse)
    )
    browse_e = rng.choice([0, 1, 2, 3], n_browse, p=[0.75, 0.10, 0.07, 0.08])
    prov_names = list(PROVINCE_WEIGHTS)
    browse_prov = rng.choice(
        len(prov_names), n_browse, p=_weights(np.array(list(PROVINCE_WEIGHTS.values())))
    )
    users = [*buyer_ids, *(f"v{i:08d}" for i in range(visitors))]
    when = np.concatenate([chain_t, browse_t]).astype("datetime64[s]")
    order = np.argsort(when, kind="stable")
    col = {
        "user_id": (np.concatenate([buyer_idx[rep], user]), users),
        "event": (np.concatenate([chain_e, browse_e]), EVENTS),
        "source": (
            np.concatenate([source[rep], rng.integers(0, len(SOURCES), n_browse)]),
            [s[0] for s in SOURCES],
        ),
        "device": (
            np.concatenate([pc[rep], (rng.random(n_browse) < PC_SHARE).astype(np.int8)]),
            DEVICES,
        ),
        "province": (np.concatenate([province[rep], browse_prov]), prov_names),
        "product_id": (
            np.concatenate(
                [
                    product[rep],
                    rng.choice(
                        PRODUCTS,
                        n_browse,
                        p=_weights(np.bincount(cat["product_of"], cat["popularity"])),
                    ),
                ]
            ),
            cat["product_id"],
        ),
    }
    out = {k: _dict(idx[order], values) for k, (idx, values) in col.items()}
    out["event_time"] = pa.array(when[order])
    return pa.table(out)


def image_tests_table(rng: np.random.Generator, cat: dict) -> pa.Table:
    rows = []
    for k, (test, n_variants, ctrs) in enumerate(TESTS):
        first = date(2026, 11, 1) + timedelta(days=5 * k)
        for d in range(14):
            for v in range(n_variants):
                imp = int(rng.poisson(5200))
                clicks = int(rng.binomial(imp, ctrs[v]))
                orders = int(rng.binomial(clicks, 0.03))
                rows.append(
                    {
                        "test_id": test,
                        "variant": "原图" if v == 0 else f"新图{v}",
                        "date": first + timedelta(days=d),
                        "impressions": imp,
                        "clicks": clicks,
                        "product_id": cat["product_id"][k],
                        "spend": round(clicks * 1.1, 2),
                        "orders": orders,
                        "paid_amount": round(orders * 399.0, 2),
                        "is_control": v == 0,
                    }
                )
    return pa.Table.from_pylist(rows)


def inquiries_table(rng: np.random.Generator, n: int = 3000) -> pa.Table:
    prov_names = list(PROVINCE_WEIGHTS)
    closed = rng.random(n) < 0.3
    return pa.table(
        {
            "date": pa.array(
                np.datetime64(START.isoformat(), "D")
                + rng.integers(0, DAYS, n).astype("timedelta64[D]")
            ),
            "customer_id": [f"b2b{i % 1700:05d}" for i in range(n)],
            "customer_type": rng.choice(["新客", "老客"], n, p=[0.7, 0.3]),
            "channel": rng.choice(["旺旺", "电话", "询价单"], n, p=[0.6, 0.1, 0.3]),
            "closed": closed,
            "province": rng.choice(
                prov_names, n, p=_weights(np.array(list(PROVINCE_WEIGHTS.values())))
            ),
            "amount": np.where(closed, np.round(rng.lognormal(8, 1, n), 2), 0.0),
        }
    )


def build(
    path: Path,
    rows: int,
    *,
    buyers: int = BUYERS,
    events: int | None = None,
    seed: int = SEED,
    verbose: bool = False,
) -> dict[str, float]:
    """Write every dataset into a new workspace at `path`; seconds per step."""
    rng = np.random.default_rng(seed)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    cat = catalogue(rng)
    orders, per_order = orders_table(rows, rng, cat, buyers)
    timings["generate orders"] = time.perf_counter() - t0

    ws = workspace.open_workspace(path)
    con = ws.connect()
    scratch = con.cursor()  # the other kinds are summed from the stored order lines
    try:
        t0 = time.perf_counter()
        workspace.write_dataset(ws, "orders", orders, file="ExportOrderList.csv", con=con)
        timings["write orders + rollups"] = time.perf_counter() - t0
        others = {
            "traffic": lambda: traffic_table(scratch, rng),
            "products": lambda: products_table(scratch, rng, cat),
            "regions": lambda: regions_table(scratch),
            "events": lambda: events_table(
                per_order,
                orders["buyer_id"].chunk(0).dictionary.to_pylist(),
                rows // 2 if events is None else events,
                rng,
                cat,
            ),
            "image_tests": lambda: image_tests_table(rng, cat),
            "inquiries": lambda: inquiries_table(rng),
        }
        for kind, make in others.items():
            t0 = time.perf_counter()
            table = make()
            workspace.write_dataset(ws, kind, table, file=f"{kind}.csv", con=con)
            timings[f"{kind} ({table.num_rows:,} rows)"] = time.perf_counter() - t0
        con.execute("checkpoint")
    finally:
        scratch.close()
        con.close()
    if verbose:
        for step, s in timings.items():
            print(f"  {step:<36}{s:7.1f} s")
    return timings


def ensure(
    rows: int,
    *,
    out: Path = OUT,
    buyers: int = BUYERS,
    seed: int = SEED,
    force: bool = False,
    verbose: bool = True,
) -> Path:
    """The cached workspace directory for `rows` order lines, built when missing.

    Built under a temporary name and renamed, so an interrupted build is never used.
    """
    path = workspace_path(rows, out, buyers, seed)
    home = path.parent
    home.mkdir(parents=True, exist_ok=True)
    # only this key's own copy (when forced) and its interrupted builds: workspaces of other
    # keys belong to other checkouts sharing the cache (a branch with other rollups)
    if force:
        shutil.rmtree(path, ignore_errors=True)
    for partial in home.glob(f".building-{path.name}-*"):
        shutil.rmtree(partial, ignore_errors=True)
    if (path / teams.REGISTRY_FILE).exists():
        return path
    tmp = home / f".building-{path.name}-{time.time_ns()}"
    t0 = time.perf_counter()
    if verbose:
        print(f"building {rows:,} order lines -> {path}")
    build(tmp, rows, buyers=buyers, seed=seed, verbose=verbose)
    # the registry entry makes it a team the app opens by `?ws=<id>` (shopsight/teams.py)
    (tmp / teams.REGISTRY_FILE).write_text(
        json.dumps(
            {
                "name": f"bench {rows:,} order lines",
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        ),
        encoding="utf-8",
    )
    tmp.rename(path)
    if verbose:
        size = sum(f.stat().st_size for f in path.iterdir()) / 2**20
        print(f"  total {time.perf_counter() - t0:.1f} s, {size:,.0f} MiB on disk")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="order lines")
    ap.add_argument("--buyers", type=int, default=BUYERS)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", type=Path, default=OUT, help="directory holding the workspaces")
    ap.add_argument("--force", action="store_true", help="rebuild even when cached")
    args = ap.parse_args()
    path = ensure(args.rows, out=args.out, buyers=args.buyers, seed=args.seed, force=args.force)
    print(path)


if __name__ == "__main__":
    main()
