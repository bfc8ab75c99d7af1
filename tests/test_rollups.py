"""Rollups of orders built at load time equal the aggregates of the order lines, and the
overview/region/product queries that read them equal the same questions asked of `orders`.
Workspaces keep their rollups in step with the rollup SQL (rebuilt on connect when it
changed)."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner
from order_dims import DEVICES, order_lines

from shopsight import queries, schema, workspace
from shopsight.cli import cli
from shopsight.workspace import rollups

ROLLUPS = (
    "rollup_orders_daily_region",
    "rollup_orders_region_buyers",
    "rollup_orders_daily_channel_product",  # before the one built from it
    "rollup_orders_daily_product",
    "rollup_orders_daily_province_product",
)
FIRST = date(2026, 10, 1)
DAYS = 40


def random_lines(n: int = 3000, seed: int = 7) -> list[dict]:
    """Orders of 1-3 lines; order-level fields shared by the lines, as exports have them.
    Buyers buy on several days, in several provinces; some lines are unpaid or lack a buyer."""
    rng = random.Random(seed)
    lines = []
    order = 0
    while len(lines) < n:
        order += 1
        day = FIRST + timedelta(days=rng.randrange(DAYS))
        lines += order_lines(rng, f"o{order}", day)
    return lines


@pytest.fixture(scope="module")
def con():
    """An in-memory database with the orders table and its rollups, as a load leaves it."""
    c = duckdb.connect()
    queries.install_macros(c)  # what workspace connections get
    for kind in schema.KINDS:  # the other datasets exist, empty, as in a workspace
        c.execute(schema.create_table_sql(kind))
    c.register("incoming", pa.Table.from_pylist(random_lines()))
    c.execute("insert into orders by name select * from incoming")
    for name in (*ROLLUPS, "rollup_events_daily"):
        c.execute(queries.sql(name))
    yield c
    c.close()


def _rows(con, sql: str, params: dict | None = None) -> set[tuple]:
    return {
        tuple(round(v, 6) if isinstance(v, float) else v for v in r)
        for r in con.execute(sql, params or {}).fetchall()
    }


def test_daily_region_rollup_equals_the_order_lines(con):
    rollup = _rows(
        con,
        """
        select day, province, city, source, device, count_lines, orders, units_sold,
               round(paid_amount, 2), round(refund_amount, 2), count_paid_lines,
               count_buyer_lines
        from rollup_orders_daily_region""",
    )
    direct = _rows(
        con,
        """
        select cast(order_time as date), province, city, source, device, count(*),
               count(distinct order_id) filter (where paid),
               sum(quantity) filter (where paid), round(sum(paid_amount) filter (where paid), 2),
               round(sum(refund_amount) filter (where paid), 2), count(*) filter (where paid),
               count(buyer_id) filter (where paid)
        from orders group by all""",
    )
    assert rollup == direct
    total = con.execute(
        "select sum(paid_amount) filter (where paid), count(*) from orders"
    ).fetchone()
    summed = con.execute(
        "select sum(paid_amount), sum(count_lines) from rollup_orders_daily_region"
    ).fetchone()
    assert summed[0] == pytest.approx(total[0])
    assert summed[1] == total[1]


def test_daily_region_rollup_keeps_64_bit_sums(con):
    # 128-bit columns (sum()'s own types) are ~30x slower for the page queries to read
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'rollup_orders_daily_region'"
        ).fetchall()
    )
    assert types["units_sold"] == "BIGINT"
    assert types["paid_amount"] == types["refund_amount"] == "DECIMAL(18,2)"
    exact = con.execute(
        "select sum(paid_amount) filter (where paid), sum(quantity) filter (where paid) from orders"
    ).fetchone()
    summed = con.execute(
        "select sum(paid_amount), sum(units_sold) from rollup_orders_daily_region"
    ).fetchone()
    assert summed == exact


def test_daily_product_rollup_equals_the_order_lines(con):
    rollup = _rows(
        con,
        """
        select day, product_id, sku_id, count_lines, orders, units_sold,
               round(paid_amount, 2), round(refund_amount, 2)
        from rollup_orders_daily_product""",
    )
    direct = _rows(
        con,
        """
        select cast(order_time as date), product_id, sku_id, count(*),
               count(distinct order_id) filter (where paid),
               sum(quantity) filter (where paid), round(sum(line_amount) filter (where paid), 2),
               round(sum(refund_amount) filter (where paid), 2)
        from orders where product_id is not null group by all""",
    )
    assert rollup == direct


@pytest.mark.parametrize(
    "rollup, keys",
    [
        ("rollup_orders_daily_channel_product", "platform, currency, source, device"),
        ("rollup_orders_daily_province_product", "platform, currency, province"),
    ],
)
def test_product_rollups_per_channel_or_province_equal_the_order_lines(con, rollup, keys):
    got = _rows(
        con,
        f"""
        select day, product_id, sku_id, {keys}, product_name, count_lines, orders, units_sold,
               round(paid_amount, 2), round(refund_amount, 2)
        from {rollup}""",
    )
    direct = _rows(
        con,
        f"""
        select cast(order_time as date), product_id, sku_id, {keys}, max(product_name),
               count(*), count(distinct order_id) filter (where paid),
               sum(quantity) filter (where paid), round(sum(line_amount) filter (where paid), 2),
               round(sum(refund_amount) filter (where paid), 2)
        from orders where product_id is not null group by all""",
    )
    assert len(got) > 100
    assert got == direct


@pytest.mark.parametrize(
    "src, dev, prov",
    [
        (["直通车"], None, None),
        (["手淘搜索", "直通车"], ["PC"], None),
        (None, ["无线"], None),
        (None, None, ["广东省"]),  # the province rollup
        (None, None, ["广东省", "浙江省", "海外"]),
        (["直通车"], None, ["广东省", "浙江省"]),  # province and source: the lines
        (None, ["PC"], ["浙江省"]),
    ],
)
def test_product_ranking_under_filters_equals_the_filtered_lines(con, src, dev, prov):
    """Source and device filters read the per-channel rollup (ss.product_days), a province
    filter the per-province one, both the lines; each way the sums are those of the lines
    the filter keeps."""
    start, end = FIRST + timedelta(days=10), FIRST + timedelta(days=35)
    got = queries.run(
        con,
        "products_ranking_orders",
        start=start,
        end=end,
        level="sku",
        slow_days=7,
        cover_days=14,
        src=src,
        dev=dev,
        prov=prov,
        plat=None,
        cur=None,
    )
    got = got[got["is_in_range"]]
    direct = con.execute(
        """
        select product_id, sku_id, sum(quantity) filter (where paid),
               round(sum(line_amount) filter (where paid), 2),
               count(distinct order_id) filter (where paid)
        from orders
        where product_id is not null
          and cast(order_time as date) between $start and $end
          and ($src is null or list_contains($src, source))
          and ($dev is null or list_contains($dev, device))
          and ($prov is null or list_contains($prov, province))
        group by all
        having sum(line_amount) filter (where paid) > 0""",
        {"start": start, "end": end, "src": src, "dev": dev, "prov": prov},
    ).fetchall()
    assert len(direct) > 5
    assert {
        (r.product_id, r.sku_id, int(r.units_sold), round(float(r.paid_amount), 2), int(r.orders))
        for r in got.itertuples()
    } == {(p, k, int(u), round(float(a), 2), int(o)) for p, k, u, a, o in direct}


def test_daily_product_rollup_keeps_the_order_tables_types(con):
    """Money as decimal(18, 2) and units as bigint (DESIGN §2), not the 128-bit types sum()
    gives: those are slow to read back, and the ranking reads this rollup on every view."""
    types = dict(
        con.execute(
            """select column_name, data_type from duckdb_columns()
            where table_name = 'rollup_orders_daily_product'"""
        ).fetchall()
    )
    assert types["units_sold"] == "BIGINT"
    assert types["paid_amount"] == types["refund_amount"] == "DECIMAL(18,2)"


def test_buyer_rollup_keeps_one_row_per_buyer_day_and_place(con):
    n = con.execute("select count(*) from rollup_orders_region_buyers").fetchone()[0]
    distinct = con.execute("""
        select count(*) from (select distinct cast(order_time as date), province, city, source,
        device, buyer_id from orders
        where paid and buyer_id is not null)""").fetchone()[0]
    assert n == distinct
    # exactly one row per (province, buyer, day) carries previous_paid_day
    marked = con.execute(
        "select count(*) from rollup_orders_region_buyers where previous_paid_day is not null"
    ).fetchone()[0]
    buyer_days = con.execute("""
        select count(*) from (select distinct province, buyer_id, cast(order_time as date)
        from orders where paid and buyer_id is not null)""").fetchone()[0]
    assert marked == buyer_days


DIRECT_BY_PROVINCE = """
    select province, count(distinct buyer_id) filter (where paid) as buyers,
           (sum(paid_amount) filter (where paid))::double as paid, count(*) as lines
    from orders
    where cast(order_time as date) between $start and $end
      and ($src is null or list_contains($src, source))
      and ($dev is null or list_contains($dev, device))
      and ($prov is null or list_contains($prov, province))
    group by province"""


def _query_by_province(con, **params) -> dict:
    df = queries.run(
        con,
        "regions_orders",
        **{
            "src": None,
            "dev": None,
            "prov": None,
            "plat": None,
            "cur": None,
            "province": None,
            **params,
        },
    )
    return {
        _none(r.province): (int(r.paying_buyers), round(r.paid_amount, 6), int(r.count_lines))
        for r in df.itertuples()
    }


def _none(v):
    return None if pd.isna(v) else v


def _direct(con, sql: str, **params) -> dict:
    bind = {"src": None, "dev": None, "prov": None, "plat": None, "cur": None, **params}
    used = {k: v for k, v in bind.items() if f"${k}" in sql}
    return {r[0]: (r[1], round(r[2], 6), r[3]) for r in con.execute(sql, used).fetchall()}


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"src": ["直通车"]},
        {"dev": ["PC"]},
        {"src": ["手淘搜索", "直通车"], "dev": ["无线"]},
        {"prov": ["广东省", "海外"]},
    ],
)
def test_distinct_buyers_per_province_equal_count_distinct_for_any_range(con, filters):
    rng = random.Random(11)
    ranges = [
        (FIRST, FIRST + timedelta(days=DAYS - 1)),
        (FIRST, FIRST),
        (FIRST + timedelta(days=39), FIRST + timedelta(days=39)),
    ]
    for _ in range(12):
        a, b = sorted(rng.sample(range(DAYS), 2))
        ranges.append((FIRST + timedelta(days=a), FIRST + timedelta(days=b)))
    for start, end in ranges:
        got = _query_by_province(con, start=start, end=end, **filters)
        want = _direct(con, DIRECT_BY_PROVINCE, start=start, end=end, **filters)
        assert got == want, (start, end, filters)


def test_distinct_buyers_per_city_equal_count_distinct(con):
    start, end = FIRST + timedelta(days=5), FIRST + timedelta(days=30)
    for src in (None, ["直通车"]):
        df = queries.run(
            con,
            "regions_orders",
            start=start,
            end=end,
            src=src,
            dev=None,
            prov=None,
            plat=None,
            cur=None,
            province="广东省",
        )
        got = {
            _none(r.city): (int(r.paying_buyers), round(r.paid_amount, 6)) for r in df.itertuples()
        }
        rows = con.execute(
            """
            select city, count(distinct buyer_id) filter (where paid),
                   round(sum(paid_amount) filter (where paid), 6)::double
            from orders
            where province = '广东省' and cast(order_time as date) between $start and $end
              and ($src is null or list_contains($src, source))
            group by city""",
            {"start": start, "end": end, "src": src},
        ).fetchall()
        assert got == {r[0]: (r[1], r[2]) for r in rows}
        assert set(df["province"]) == {"广东省"}


def test_no_buyer_ids_means_unknown_buyers_not_zero():
    c = duckdb.connect()
    queries.install_macros(c)  # what workspace connections get
    c.execute(schema.create_table_sql("orders"))
    c.execute("""insert into orders (order_id, order_time, paid, paid_amount, province)
                 values ('o1', timestamp '2026-11-01 10:00', true, 10.0, '广东省')""")
    for name in ROLLUPS:
        c.execute(queries.sql(name))
    df = queries.run(
        c,
        "regions_orders",
        start=date(2026, 11, 1),
        end=date(2026, 11, 1),
        src=None,
        dev=None,
        prov=None,
        plat=None,
        cur=None,
        province=None,
    )
    assert df["paid_amount"].tolist() == [10.0]
    assert df["paying_buyers"].isna().all()


def test_product_ranking_reads_the_same_from_rollup_and_from_lines(con):
    """With a filter the query reads order lines; the filter that keeps everything must give
    what the rollup gives."""
    base = {
        "start": FIRST + timedelta(days=10),
        "end": FIRST + timedelta(days=35),
        "level": "sku",
        "slow_days": 7,
        "cover_days": 14,
        "prov": None,
        "plat": None,
        "cur": None,
    }
    from_rollup = queries.run(con, "products_ranking_orders", **base, src=None, dev=None)
    from_lines = queries.run(con, "products_ranking_orders", **base, src=None, dev=list(DEVICES))
    cols = [
        "product_id",
        "sku_id",
        "units_sold",
        "paid_amount",
        "orders",
        "units_slow",
        "units_cover",
        "units_before_slow",
        "days_listed",
    ]
    a = from_rollup[cols].round(6).sort_values(["product_id", "sku_id"]).reset_index(drop=True)
    b = from_lines[cols].round(6).sort_values(["product_id", "sku_id"]).reset_index(drop=True)
    assert a.astype(str).equals(b.astype(str))
    direct = con.execute(
        """
        select round(sum(line_amount) filter (where paid), 6)::double from orders
        where product_id is not null and cast(order_time as date) between $start and $end""",
        {"start": base["start"], "end": base["end"]},
    ).fetchone()[0]
    assert round(from_rollup["paid_amount"].sum(), 6) == pytest.approx(direct)


def test_loading_builds_and_append_rebuilds_the_rollups(data_dir):
    ws = workspace.open_workspace("roll")
    lines = random_lines(400, seed=3)
    con = ws.connect()
    try:
        workspace.write_dataset(ws, "orders", pa.Table.from_pylist(lines[:200]), con=con)
        first = con.execute("select sum(count_lines) from rollup_orders_daily_region").fetchone()[0]
        assert first == 200
        workspace.write_dataset(
            ws, "orders", pa.Table.from_pylist(lines[200:]), mode="append", con=con
        )
        for table, column in (
            ("rollup_orders_daily_region", "count_lines"),
            ("rollup_orders_daily_product", "count_lines"),
        ):
            n = con.execute(f"select sum({column}) from {table}").fetchone()[0]
            expect = (
                len(lines) if table.endswith("region") else sum(1 for r in lines if r["product_id"])
            )
            assert n == expect
        workspace.delete_dataset(ws, "orders", con=con)
        assert con.execute("select count(*) from rollup_orders_region_buyers").fetchone()[0] == 0
    finally:
        con.close()


# ---------------------------------------------------------------- the Overview's questions

FILTERS = [
    {},
    {"src": ["直通车"]},
    {"dev": ["PC"]},
    {"prov": ["广东省", "海外"]},
    {"src": ["手淘搜索", "直通车"], "dev": ["无线"], "prov": ["浙江省"]},
]
LINE_FILTER = """
      and ($src is null or list_contains($src, source))
      and ($dev is null or list_contains($dev, device))
      and ($prov is null or list_contains($prov, province))"""


def _ranges(seed: int = 5, n: int = 8) -> list[tuple[date, date]]:
    rng = random.Random(seed)
    out = [
        (FIRST, FIRST + timedelta(days=DAYS - 1)),
        (FIRST, FIRST),
        (FIRST + timedelta(days=12), FIRST + timedelta(days=12)),
    ]
    for _ in range(n):
        a, b = sorted(rng.sample(range(DAYS), 2))
        out.append((FIRST + timedelta(days=a), FIRST + timedelta(days=b)))
    return out


def _int(v) -> int | None:
    return None if pd.isna(v) else int(v)


def _params(**kw) -> dict:
    return {"src": None, "dev": None, "prov": None, **kw}


# the platform and currency filters, off: the direct SQL below does not take them
ALL_ROWS = {"plat": None, "cur": None}


def test_shop_mark_is_on_one_row_per_buyer_and_day(con):
    marked = con.execute(
        "select count(previous_shop_paid_day) from rollup_orders_region_buyers"
    ).fetchone()[0]
    buyer_days = con.execute("""
        select count(*) from (select distinct buyer_id, cast(order_time as date)
        from orders where paid and buyer_id is not null)""").fetchone()[0]
    assert marked == buyer_days
    # the mark is the buyer's previous paid day anywhere (or 0001-01-01 on the first)
    first = con.execute("""
        select count(*) from rollup_orders_region_buyers
        where previous_shop_paid_day = date '0001-01-01'""").fetchone()[0]
    buyers = con.execute(
        "select count(distinct buyer_id) from orders where paid and buyer_id is not null"
    ).fetchone()[0]
    assert first == buyers


@pytest.mark.parametrize("filters", FILTERS)
def test_overview_kpis_equal_the_order_lines_for_any_range(con, filters):
    for start, end in _ranges():
        params = _params(start=start, end=end, **filters)
        got = queries.run(con, "overview_kpis_orders", **params, **ALL_ROWS).iloc[0]
        want = con.execute(
            f"""
            select count(*), sum(quantity) filter (where paid),
                   (sum(paid_amount) filter (where paid))::double,
                   (sum(refund_amount) filter (where paid))::double,
                   count(distinct buyer_id) filter (where paid),
                   min(cast(order_time as date)), max(cast(order_time as date))
            from orders
            where cast(order_time as date) between $start and $end {LINE_FILTER}""",
            params,
        ).fetchone()
        assert int(got["count_rows"]) == want[0], (start, end, filters)
        assert int(got["paying_buyers"]) == want[4], (start, end, filters)
        if want[0]:
            assert int(got["units_sold"]) == want[1]
            assert got["paid_amount"] == pytest.approx(want[2])
            assert got["refund_amount"] == pytest.approx(want[3])
            assert (got["first_day"].date(), got["last_day"].date()) == (want[5], want[6])


@pytest.mark.parametrize("filters", FILTERS)
def test_overview_daily_sums_and_buyers_equal_the_order_lines(con, filters):
    start, end = FIRST + timedelta(days=3), FIRST + timedelta(days=33)
    params = _params(start=start, end=end, **filters)
    sums = queries.run(con, "overview_daily_orders", **params, **ALL_ROWS)
    buyers = queries.run(con, "overview_daily_buyers", **params, **ALL_ROWS)
    want = con.execute(
        f"""
        select cast(order_time as date) as day, sum(quantity) filter (where paid),
               round(sum(paid_amount) filter (where paid), 6)::double,
               count(distinct buyer_id) filter (where paid)
        from orders
        where cast(order_time as date) between $start and $end {LINE_FILTER}
        group by day order by day""",
        params,
    ).fetchall()
    assert [
        (r.day.date(), _int(r.units_sold), round(r.paid_amount, 6)) for r in sums.itertuples()
    ] == [w[:3] for w in want]
    # days without a paying buyer have no row
    assert [(r.day.date(), int(r.paying_buyers)) for r in buyers.itertuples()] == [
        (w[0], w[3]) for w in want if w[3]
    ]


@pytest.mark.parametrize("dim", ["source", "province", "product"])
@pytest.mark.parametrize("filters", [{}, {"src": ["直通车"]}, {"prov": ["广东省"]}])
def test_overview_movers_equal_the_order_lines(con, dim, filters):
    cur = (FIRST + timedelta(days=20), FIRST + timedelta(days=39))
    cmp = (FIRST, FIRST + timedelta(days=19))
    params = _params(
        start=cur[0], end=cur[1], cmp_start=cmp[0], cmp_end=cmp[1], cat=None, limit=50, **filters
    )
    got = queries.run(con, f"overview_movers_{dim}", **params, **ALL_ROWS)
    assert set(got["origin"]) == {"orders"}
    column = "product_id" if dim == "product" else dim
    name = "coalesce(max(product_name), item)" if dim == "product" else "item"
    # products sell their lines' own sales; sources and provinces the orders' paid amount
    amount = "line_amount" if dim == "product" else "paid_amount"
    want = con.execute(
        f"""
        with lines as (
            select {column} as item, product_name, cast(order_time as date) as day,
                   {amount}::double as paid_amount
            from orders
            where {column} is not null and paid
              and cast(order_time as date) between $cmp_start and $end {LINE_FILTER}
        )
        select {name},
               coalesce(sum(paid_amount) filter (where day between $start and $end), 0),
               coalesce(sum(paid_amount) filter (where day between $cmp_start and $cmp_end), 0)
        from lines
        group by item""",
        {k: v for k, v in params.items() if k not in ("cat", "limit")},
    ).fetchall()
    assert want
    assert {
        r.item: (round(r.paid_amount, 6), round(r.cmp_paid_amount, 6)) for r in got.itertuples()
    } == {w[0]: (round(w[1], 6), round(w[2], 6)) for w in want}


def test_filter_options_list_the_order_values(con):
    got = queries.run(con, "filter_options")
    by_dim = {d: set(g["value"]) for d, g in got.groupby("dim")}
    assert by_dim["src"] == {"手淘搜索", "直通车"}
    assert by_dim["dev"] == {"无线", "PC"}
    assert by_dim["prov"] == {"广东省", "浙江省", "北京市", "海外"}


def random_events(n: int = 2000, seed: int = 11) -> list[dict]:
    """Events of two loads, with sources, devices and provinces the orders do not have and
    some of each left empty."""
    rng = random.Random(seed)
    return [
        {
            "user_id": f"u{rng.randrange(300)}",
            "event": rng.choice(("view", "cart", "pay")),
            "event_time": datetime(2026, 10, 1, rng.randrange(24))
            + timedelta(days=rng.randrange(DAYS)),
            "source": rng.choice(("抖音", "手淘搜索", None)),
            "device": rng.choice(("平板", "无线", None)),
            "province": rng.choice(("四川省", "广东省", None)),
            "_load_id": rng.choice((5, 6)),
        }
        for _ in range(n)
    ]


@pytest.fixture(scope="module")
def loads_con():
    """Orders and events of several loads, with their rollups."""
    c = duckdb.connect()
    queries.install_macros(c)
    for kind in schema.KINDS:
        c.execute(schema.create_table_sql(kind))
    c.execute("create table _loads (load_id bigint, platform varchar)")
    lines = [{**line, "_load_id": 1 + i % 3} for i, line in enumerate(random_lines(1500))]
    c.register("incoming", pa.Table.from_pylist(lines))
    c.execute("insert into orders by name select * from incoming")
    c.register("incoming_events", pa.Table.from_pylist(random_events()))
    c.execute("insert into events by name select * from incoming_events")
    for name in (*ROLLUPS, "rollup_events_daily"):
        c.execute(queries.sql(name))
    yield c
    c.close()


def test_events_rollup_equals_the_events(loads_con):
    rollup = _rows(
        loads_con,
        "select day, source, device, province, load_id, count_events from rollup_events_daily",
    )
    direct = _rows(
        loads_con,
        """select cast(event_time as date), source, device, province, _load_id, count(*)
        from events group by all""",
    )
    assert rollup == direct


def test_load_coverage_of_orders_and_events_counts_the_rows_of_each_load_and_day(loads_con):
    got = _rows(
        loads_con,
        f"""select kind, load_id, day, count_rows from ({queries.sql("load_coverage")})
        where kind in ('orders', 'events')""",
    )
    direct = _rows(
        loads_con,
        """select 'orders', _load_id, cast(order_time as date), count(*) from orders group by all
        union all
        select 'events', _load_id, cast(event_time as date), count(*) from events group by all""",
    )
    assert got == direct


def test_filter_options_list_the_event_values_too(loads_con):
    got = queries.run(loads_con, "filter_options")
    by_dim = {d: set(g["value"]) for d, g in got.groupby("dim")}
    assert by_dim["src"] == {"手淘搜索", "直通车", "抖音"}
    assert by_dim["dev"] == {"无线", "PC", "平板"}
    assert by_dim["prov"] == {"广东省", "浙江省", "北京市", "海外", "四川省"}


# ---------------------------------------------------------------- rollups follow their SQL

NOVEMBER = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}


def _built(con) -> dict[str, tuple]:
    return {
        r[0]: (r[1], r[2])
        for r in con.execute("select name, sql_hash, built_at from _rollups").fetchall()
    }


def _current_hashes() -> dict[str, str]:
    return {name: workspace.rollup_hash(name) for name in queries.names("rollup_")}


def test_a_new_workspace_has_its_rollups_and_answers_the_cli(data_dir):
    ws = workspace.open_workspace("fresh")
    ws.connect().close()
    con = ws.connect(read_only=True)
    try:
        assert {n: h for n, (h, _) in _built(con).items()} == _current_hashes()
        row = queries.run(con, "overview_kpis_orders", **_params(**NOVEMBER), **ALL_ROWS).iloc[0]
        assert (row["count_rows"], row["paying_buyers"]) == (0, 0)
    finally:
        con.close()
    result = CliRunner().invoke(
        cli,
        [
            "query",
            "overview_kpis_orders",
            "-w",
            str(ws.path),
            "-p",
            "start=2026-11-01",
            "-p",
            "end=2026-11-30",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["count_rows"], row["paying_buyers"], row["paid_amount"]) == (0, 0, None)


def test_loads_record_the_sql_of_the_rollups_and_a_reconnect_rebuilds_nothing(data_dir):
    ws = workspace.open_workspace("steady")
    con = ws.connect()
    try:
        workspace.write_dataset(ws, "orders", pa.Table.from_pylist(random_lines(200)), con=con)
        built = _built(con)
        assert {n: h for n, (h, _) in built.items()} == _current_hashes()
    finally:
        con.close()
    con = ws.connect()
    try:
        assert _built(con) == built  # same SQL: not rebuilt (built_at unchanged)
        assert workspace.sync_rollups(con) == []
    finally:
        con.close()


def test_a_rollup_is_stale_when_a_shared_macro_it_calls_changes(monkeypatch):
    """A rollup's SQL may sit in queries/macros.sql (ss.product_line_sums calls ss.paid_*):
    changing such a macro changes the hash of exactly the rollups that call it."""
    before = _current_hashes()
    original = queries.sql

    def edited(name):
        text = original(name)
        if name == queries.MACROS:  # a macro two calls deep, and a comment elsewhere
            text = text.replace("as decimal(18, 2));", "as decimal(18, 3));")
            text = text.replace("-- A multi-choice filter", "-- A multi-choice filter, edited")
        return text

    monkeypatch.setattr(queries, "sql", edited)
    rollups._macro_texts.cache_clear()
    try:
        after = _current_hashes()
    finally:
        monkeypatch.setattr(queries, "sql", original)
        rollups._macro_texts.cache_clear()
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {
        "rollup_orders_daily_channel_product",
        "rollup_orders_daily_province_product",
        "rollup_orders_daily_region",
    }


@pytest.mark.parametrize("backend", [workspace.FILE, workspace.DUCKLAKE])
def test_rollups_left_by_older_sql_are_rebuilt_on_connect(data_dir, monkeypatch, backend):
    monkeypatch.setenv("SHOPSIGHT_BACKEND", backend)
    ws = workspace.open_workspace("upgraded")
    lines = random_lines(300, seed=5)
    params = _params(start=FIRST, end=FIRST + timedelta(days=DAYS - 1))
    con = ws.connect()
    try:
        workspace.write_dataset(ws, "orders", pa.Table.from_pylist(lines), con=con)
        # as an older version left the workspace: the buyer rollup without the shop mark and
        # no record of its SQL, another rollup from other SQL, a rollup whose file is gone
        con.execute("""create or replace table rollup_orders_region_buyers as
            select date '2026-10-01' as day, '广东省' as province, '深圳市' as city,
                   '直通车' as source, 'PC' as device, cast(1 as ubigint) as buyer_key,
                   date '0001-01-01' as previous_paid_day""")
        con.execute("delete from _rollups where name = 'rollup_orders_region_buyers'")
        con.execute(
            "update _rollups set sql_hash = 'older' where name = 'rollup_orders_daily_product'"
        )
        con.execute("delete from rollup_orders_daily_product")
        con.execute("create table rollup_orders_daily as select 1 as count_lines")
        con.execute("insert into _rollups values ('rollup_orders_daily', 'older', null)")
        with pytest.raises(duckdb.BinderException):
            queries.run(con, "overview_kpis_orders", **params, **ALL_ROWS)
    finally:
        con.close()

    con = ws.connect()
    try:
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = current_database()"
            ).fetchall()
        }
        assert "rollup_orders_daily" not in tables
        assert {n: h for n, (h, _) in _built(con).items()} == _current_hashes()
        got = queries.run(con, "overview_kpis_orders", **params, **ALL_ROWS).iloc[0]
        buyers = {r["buyer_id"] for r in lines if r["paid"] and r["buyer_id"]}
        assert int(got["paying_buyers"]) == len(buyers)
        assert int(got["count_rows"]) == len(lines)
        products = con.execute(
            "select sum(count_lines) from rollup_orders_daily_product"
        ).fetchone()
        assert products[0] == sum(1 for r in lines if r["product_id"])
    finally:
        con.close()


def test_the_cli_rebuilds_rollups_left_by_older_sql_before_it_reads(data_dir):
    ws = workspace.open_workspace("upgraded-cli")
    lines = random_lines(300, seed=6)
    con = ws.connect()
    try:
        workspace.write_dataset(ws, "orders", pa.Table.from_pylist(lines), con=con)
        # an older version's buyer rollup: other SQL, and numbers that are no longer right
        con.execute("delete from rollup_orders_region_buyers")
        con.execute(
            "update _rollups set sql_hash = 'older' where name = 'rollup_orders_region_buyers'"
        )
    finally:
        con.close()
    last = FIRST + timedelta(days=DAYS - 1)
    result = CliRunner().invoke(
        cli,
        [
            "query",
            "overview_kpis_orders",
            "-w",
            str(ws.path),
            "-p",
            f"start={FIRST}",
            "-p",
            f"end={last}",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    buyers = {r["buyer_id"] for r in lines if r["paid"] and r["buyer_id"]}
    assert row["paying_buyers"] == len(buyers) > 0
    con = ws.connect(read_only=True)
    try:
        assert workspace.stale_rollups(con) == []
    finally:
        con.close()
