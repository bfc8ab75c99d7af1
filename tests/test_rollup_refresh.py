"""A load into a large table refreshes the order rollups only where its lines changed
(workspace/rollup_refresh.py): after every load of a random sequence, each rollup table
holds exactly the rows its own query gives over the whole table, on both backends."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date, datetime, timedelta

import duckdb
import pyarrow as pa
import pytest
from order_dims import DEVICES, PROVINCES, SOURCES, order_lines

from shopsight import queries, workspace
from shopsight.workspace import rollup_refresh, rollups

FIRST = date(2026, 10, 1)
NAMES = queries.names(prefix="rollup_orders")


def _order(rng: random.Random, order_id: str | None, day: date, buyers: int) -> list[dict]:
    return order_lines(
        rng,
        order_id,
        day,
        buyers=buyers,
        no_buyer=0.05,
        unpaid=0.1,
        products=5,
        no_product=0.03,
        unpaid_status="交易关闭",
    )


def _table(lines: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(lines)


def _base(rng: random.Random, orders: int = 1500, days: int = 40) -> list[dict]:
    lines = []
    for n in range(orders):
        lines += _order(rng, f"o{n}", FIRST + timedelta(days=rng.randrange(days)), 200)
    return lines


def _daily_file(rng: random.Random, step: int, known: int) -> list[dict]:
    """What a day's export brings: new orders of the last days, some orders again (paid
    now, closed now, another buyer, moved a day, more or fewer lines), orders without a
    buyer."""
    day = FIRST + timedelta(days=38 + step)
    lines = []
    for n in range(rng.randrange(5, 40)):
        lines += _order(rng, f"s{step}-{n}", day - timedelta(days=rng.randrange(3)), 200)
    for _ in range(rng.randrange(1, 15)):
        again = f"o{rng.randrange(known)}"
        lines += _order(rng, again, FIRST + timedelta(days=rng.randrange(45)), 200)
    # written by code rather than an export: a line without a time, one without an order id
    odd = _order(rng, f"t{step}", day, 200)[:1] + _order(rng, None, day, 200)[:1]
    odd[0]["order_time"] = None
    return lines + odd


# Which of a day's rows of one buyer (and province) carries rollup_orders_region_buyers'
# marks is not fixed (the windows order by day only), so that table is compared by its
# rows without the marks and by the marks per buyer, day (and province).
VIEWS = {
    "rollup_orders_region_buyers": (
        "select * exclude (previous_paid_day, previous_shop_paid_day) from {t}",
        "select day, province, buyer_key, previous_paid_day from {t} "
        "where previous_paid_day is not null",
        "select day, buyer_key, previous_shop_paid_day from {t} "
        "where previous_shop_paid_day is not null",
    )
}


def _differences(con) -> dict[str, int]:
    return _differences_of(con, "orders")


def _differences_of(con, kind: str) -> dict[str, int]:
    """Per rollup table of the kind: rows that differ from its query run over the whole
    table now (the events' funnel and user keys: _funnel_differences)."""
    out = {}
    for table, query in rollups.parts(kind).values():
        if table in ("rollup_events_funnel", "rollup_events_user_keys"):
            continue
        out[table] = 0
        for view in VIEWS.get(table, ("select * from {t}",)):
            held = Counter(con.execute(view.format(t=table)).fetchall())
            fresh = Counter(con.execute(view.format(t=f"({query})")).fetchall())
            out[table] += (held - fresh).total() + (fresh - held).total()
    return out


def _since(con) -> int:
    row = con.execute(
        "select value from _settings where key = 'rollup_refresh_lines.orders'"
    ).fetchone()
    return int(json.loads(row[0])) if row else 0


@pytest.fixture(params=["file", "ducklake"])
def ws(request, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPSIGHT_DATA_DIR", str(tmp_path))
    if request.param == "ducklake":
        monkeypatch.setenv("SHOPSIGHT_BACKEND", "ducklake")
    else:
        monkeypatch.delenv("SHOPSIGHT_BACKEND", raising=False)
    return workspace.open_workspace("shop")


@pytest.fixture
def refreshes(monkeypatch):
    """Whether each load's rollups were refreshed (True) or rebuilt (False)."""
    seen: list[bool] = []
    real = rollup_refresh.refresh

    def spy(*args):
        seen.append(real(*args))
        return seen[-1]

    monkeypatch.setattr(rollup_refresh, "refresh", spy)
    return seen


def test_a_sequence_of_daily_merges_leaves_every_rollup_as_a_rebuild_would(
    ws, refreshes, monkeypatch
):
    monkeypatch.setattr(rollup_refresh, "REBUILD_SHARE", 1.0)  # refresh every time
    rng = random.Random(11)
    con = ws.connect()
    try:
        workspace.write_dataset(ws, "orders", _table(_base(rng)), mode="merge", con=con)
        assert refreshes == [False]  # an empty table: built
        for step in range(6):
            mode = "append" if step == 3 else "merge"
            lines = _daily_file(rng, step, 1500)
            if mode == "append":  # appended files carry only new orders
                lines = [line for line in lines if not (line["order_id"] or "").startswith("o")]
            workspace.write_dataset(ws, "orders", _table(lines), mode=mode, con=con)
            assert refreshes[-1] is True
            assert _differences(con) == {rollups._rollup_table(n): 0 for n in NAMES}, (
                f"after load {step + 2}"
            )
        # another platform's file: nothing of it covered, its lines only added
        jd = [
            dict(line, order_id="jd" + (line["order_id"] or ""))
            for line in _daily_file(rng, 9, 1500)
        ]
        workspace.write_dataset(ws, "orders", _table(jd), mode="merge", platform="jd", con=con)
        assert refreshes[-1] is True
        assert sum(_differences(con).values()) == 0
        # undoing a load and correcting a load's platform refresh the same way
        loads = [
            r[0] for r in con.execute("select load_id from _loads order by load_id").fetchall()
        ]
        assert workspace.unload(ws, loads[2], con=con) > 0
        assert refreshes[-1] is True
        assert sum(_differences(con).values()) == 0
        workspace.set_load_platform(ws, loads[-1], "pdd", "CNY", con=con)
        assert refreshes[-1] is True
        assert sum(_differences(con).values()) == 0
        assert (
            con.execute(
                "select count(*) from rollup_orders_buyer_orders where platform = 'pdd'"
            ).fetchone()[0]
            > 0
        )
    finally:
        con.close()


def test_a_re_export_that_changes_a_buyers_history_moves_their_later_marks(ws, refreshes):
    """A buyer's first order closed after the fact: their second order is now their first
    (first_paid_day, previous_day and the marks of a later day all change)."""
    first = {
        "order_id": "A",
        "order_time": datetime(2026, 10, 1, 9),
        "buyer_id": "b1",
        "province": "广东省",
        "paid": True,
        "paid_amount": 100.0,
        "line_amount": 100.0,
        "product_id": "p1",
        "sku_id": "p1-1",
        "quantity": 1,
    }
    later = dict(first, order_id="B", order_time=datetime(2026, 10, 20, 9))
    others = [
        dict(first, order_id=f"x{n}", buyer_id=f"c{n}", order_time=datetime(2026, 10, 5 + n % 9))
        for n in range(60)
    ]
    con = ws.connect()
    try:
        workspace.write_dataset(ws, "orders", _table([first, later, *others]), con=con)
        closed = dict(first, paid=False, status="交易关闭")
        workspace.write_dataset(ws, "orders", _table([closed]), mode="merge", con=con)
        assert refreshes[-1] is True
        assert sum(_differences(con).values()) == 0
        assert con.execute(
            "select first_paid_day, previous_day from rollup_orders_buyer_orders "
            "where order_id = 'B'"
        ).fetchone() == (date(2026, 10, 20), None)
    finally:
        con.close()


def test_large_loads_and_many_refreshes_rebuild(tmp_path, monkeypatch, refreshes):
    """Past REBUILD_SHARE of the table's lines changed since the last build, the rollups are
    rebuilt (rows a refresh adds are out of day order) and the count starts again."""
    monkeypatch.setenv("SHOPSIGHT_DATA_DIR", str(tmp_path))
    ws = workspace.open_workspace("shop")
    rng = random.Random(5)
    base = _base(rng, orders=2000)
    con = ws.connect()
    try:
        workspace.write_dataset(ws, "orders", _table(base), con=con)
        total = len(base)
        loads = 0
        while True:
            lines = [line for n in range(10) for line in _order(rng, f"n{loads}-{n}", FIRST, 200)]
            before = _since(con)
            workspace.write_dataset(ws, "orders", _table(lines), mode="merge", con=con)
            total += len(lines)
            loads += 1
            if not refreshes[-1]:
                assert before + len(lines) > rollup_refresh.REBUILD_SHARE * total
                assert _since(con) == 0
                break
            assert _since(con) == before + len(lines)
        assert loads > 3
        assert sum(_differences(con).values()) == 0
        # one file of more than a tenth of the lines: rebuilt at once
        big = [line for n in range(400) for line in _order(rng, f"big{n}", FIRST, 200)]
        workspace.write_dataset(ws, "orders", _table(big), mode="merge", con=con)
        assert refreshes[-1] is False
    finally:
        con.close()


def test_a_failed_refresh_keeps_the_data_and_rollups_of_before(ws, monkeypatch):
    monkeypatch.setattr(rollup_refresh, "REBUILD_SHARE", 1.0)
    rng = random.Random(3)
    con = ws.connect()
    try:
        workspace.write_dataset(ws, "orders", _table(_base(rng, orders=300)), con=con)
        before = {
            t: con.execute(f"select count(*), sum(hash(t)) from {t} t").fetchone()
            for t in ["orders", *(rollups._rollup_table(n) for n in NAMES)]
        }
        real = rollup_refresh.narrowed

        def broken(query, source, where, qualified):
            if source == "rollup_orders_buyer_orders":  # after buyer_orders changed
                raise RuntimeError("disk full")
            return real(query, source, where, qualified)

        monkeypatch.setattr(rollup_refresh, "narrowed", broken)
        with pytest.raises(RuntimeError, match="disk full"):
            workspace.write_dataset(
                ws, "orders", _table(_daily_file(rng, 0, 300)), mode="merge", con=con
            )
        after = {
            t: con.execute(f"select count(*), sum(hash(t)) from {t} t").fetchone() for t in before
        }
        assert after == before
    finally:
        con.close()


def test_the_rollup_query_is_narrowed_by_a_cte_of_the_tables_name():
    assert rollup_refresh.narrowed(
        "with a as (select 1) select * from a, orders", "orders", "x = 1", '"db"."main"."orders"'
    ) == (
        'with "orders" as (select * from "db"."main"."orders" where x = 1), a as (select 1) '
        "select * from a, orders"
    )
    assert rollup_refresh.narrowed("select * from orders", "orders", "y", "t").startswith(
        'with "orders" as (select * from t where y) select'
    )
    # every order and events rollup can be refreshed; kinds without rollups rebuild nothing
    assert rollup_refresh.refreshable("orders")
    assert rollup_refresh.refreshable("events")
    assert not rollup_refresh.refreshable("traffic")


def test_a_refresh_writes_only_the_rows_that_differ_and_keeps_copies_exact():
    """Rows held as often before as now stay where they are (the same rowid): deleting
    and adding them again left holes the commit's checkpoint closed by rewriting the
    whole table; a value held twice now and once before, or the other way, is replaced."""
    con = duckdb.connect()
    con.execute("create table r (day date, buyer varchar, n integer)")
    con.execute(
        "insert into r values ('2026-11-01', 'a', 1), ('2026-11-01', 'a', 1), "
        "('2026-11-02', 'b', 2), ('2026-11-03', 'c', 3), ('2026-11-04', 'z', 9), "
        "('2026-11-05', null, null)"
    )
    kept = con.execute("select rowid from r where buyer = 'a' order by rowid").fetchall()
    new = (
        "select * from (values (date '2026-11-01', 'a', 1), (date '2026-11-01', 'a', 1), "
        "(date '2026-11-02', 'b', 2), (date '2026-11-02', 'b', 2), (date '2026-11-06', 'd', 4), "
        "(date '2026-11-05', null, null)) v(day, buyer, n)"
    )
    days = rollup_refresh._replace_changed_rows(
        con, "r", "from r where buyer is distinct from 'z'", new, {}, days=True
    )
    assert Counter(con.execute("select * from r").fetchall()) == Counter(
        con.execute(new).fetchall() + [(date(2026, 11, 4), "z", 9)]
    )
    assert con.execute("select rowid from r where buyer = 'a' order by rowid").fetchall() == kept
    # b went from one copy to two, c went, d came; a and the row of nulls stayed
    assert days == {date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 6)}
    assert not con.execute("select * from duckdb_tables() where temporary").fetchall()


EVENTS = ("浏览商品", "加入购物车", "提交订单", "支付")


def _events(rng: random.Random, day: date, n: int) -> list[dict]:
    """n events of one day: 300 users, some events without a user or a time."""
    out = []
    for _ in range(n):
        out.append(
            {
                "user_id": None if rng.random() < 0.02 else f"u{rng.randrange(300)}",
                "event": rng.choice(EVENTS),
                "event_time": None
                if rng.random() < 0.01
                else datetime(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60)),
                "source": rng.choice(SOURCES),
                "device": rng.choice(DEVICES),
                "province": rng.choice(PROVINCES),
            }
        )
    return out


def _funnel_differences(con) -> int:
    """Rows of rollup_events_funnel (read through the users' keys) that differ from the
    event log's own rows with their previous time; and keys that are not one per user."""
    held = Counter(
        con.execute(
            "select f.event, f.event_time, k.user_id, f.source, f.device, f.province, "
            "f.previous_time from rollup_events_funnel f join rollup_events_user_keys k "
            "using (user_key)"
        ).fetchall()
    )
    fresh = Counter(
        con.execute(
            "select event, event_time, user_id, source, device, province, "
            "lag(event_time) over (partition by user_id, event order by event_time) "
            "from events where user_id is not null and event_time is not null"
        ).fetchall()
    )
    keys = con.execute(
        "select count(*) - count(distinct user_id), count(*) - count(distinct user_key), "
        "count(*) filter (where user_id not in (select user_id from rollup_events_user_keys)) "
        "from (select distinct user_id from events where user_id is not null) e "
        "left join rollup_events_user_keys using (user_id)"
    ).fetchone()
    return (held - fresh).total() + (fresh - held).total() + sum(keys)


def test_daily_event_logs_refresh_the_events_rollups(ws, refreshes, monkeypatch):
    monkeypatch.setattr(rollup_refresh, "REBUILD_SHARE", 1.0)
    rng = random.Random(21)
    con = ws.connect()
    try:
        log = [e for d in range(20) for e in _events(rng, FIRST + timedelta(days=d), 150)]
        workspace.write_dataset(ws, "events", _table(log), mode="merge", con=con)
        assert refreshes == [False]
        keys_before = dict(
            con.execute("select user_id, user_key from rollup_events_user_keys").fetchall()
        )
        for step in range(4):
            # yesterday's log again (its days are covered: replaced) and today's
            day = FIRST + timedelta(days=20 + step)
            again = _events(rng, day - timedelta(days=1), 120)
            new_users = [
                dict(e, user_id=f"n{step}-{n}") for n, e in enumerate(_events(rng, day, 5))
            ]
            today = _events(rng, day, 150) + new_users
            workspace.write_dataset(ws, "events", _table(again + today), mode="merge", con=con)
            assert refreshes[-1] is True
            # the day exported again holds that export's events only
            assert con.execute(
                "select count(*) from events where cast(event_time as date) = $d",
                {"d": day - timedelta(days=1)},
            ).fetchone()[0] == sum(e["event_time"] is not None for e in again)
            assert _funnel_differences(con) == 0, f"after load {step + 2}"
            assert _differences_of(con, "events") == {"rollup_events_daily": 0}
        kept = dict(con.execute("select user_id, user_key from rollup_events_user_keys").fetchall())
        assert {u: kept[u] for u in keys_before} == keys_before  # no user's key moved
        loads = [
            r[0] for r in con.execute("select load_id from _loads order by load_id").fetchall()
        ]
        workspace.unload(ws, loads[-1], con=con)
        assert refreshes[-1] is True
        assert _funnel_differences(con) == 0
    finally:
        con.close()


def test_rollups_are_built_after_the_rollups_they_read(monkeypatch):
    order = rollups.rollup_names()
    for first, then in [
        ("rollup_orders_daily_channel_product", "rollup_orders_daily_product"),
        ("rollup_orders_buyer_orders", "rollup_orders_buyer_orders_marks"),
        ("rollup_orders_buyer_orders", "rollup_orders_buyer_orders_days"),
        ("rollup_events_user_keys", "rollup_events_funnel"),  # by name it would come after
    ]:
        assert order.index(first) < order.index(then)
    assert sorted(order) == sorted(queries.names(prefix="rollup_"))
    files = {
        "rollup_a": "create or replace table rollup_a as select * from rollup_b",
        "rollup_b": "create or replace table rollup_b as select * from rollup_a",
    }
    monkeypatch.setattr(queries, "names", lambda prefix="": sorted(files))
    monkeypatch.setattr(queries, "sql", files.__getitem__)
    with pytest.raises(ValueError, match="cycle"):
        rollups.rollup_names()
