"""Loads merge by coverage: a sequence of weekly uploads with overlaps, re-exports and a
second platform, checked after every step against a brute-force model of what the
tables must hold; a load killed in the middle of such a sequence leaves the state of
before or after it, never a part."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from fixtures.ingest_files import write_csv

from shopsight import workspace
from shopsight.ingest import load_file

ROOT = Path(__file__).resolve().parent.parent
D0 = dt.date(2026, 11, 1)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


# ---------------------------------------------------------------- export writers


def traffic_csv(path: Path, days: range, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for n in days:
        for source in ("手淘搜索", "直通车"):
            v = int(rng.integers(100, 1000))
            rows.append(
                {
                    "date": day(n),
                    "source": source,
                    "visitors": v,
                    "paying_buyers": int(v // 20),
                    "paid_amount": float(v * 3),
                }
            )
    write_csv(
        path,
        [["日期", "流量来源", "访客数", "支付买家数", "支付金额"]]
        + [
            [
                r["date"].isoformat(),
                r["source"],
                r["visitors"],
                r["paying_buyers"],
                f"{r['paid_amount']:.2f}",
            ]
            for r in rows
        ],
    )
    return rows


def products_csv(path: Path, days: range, products: list[str], seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = [
        {"date": day(n), "product_id": p, "paid_amount": float(rng.integers(1, 500))}
        for n in days
        for p in products
    ]
    write_csv(
        path,
        [["日期", "商品ID", "支付金额"]]
        + [[r["date"].isoformat(), r["product_id"], f"{r['paid_amount']:.2f}"] for r in rows],
    )
    return rows


def taobao_orders_csv(path: Path, orders: dict[str, tuple[int, float]]) -> list[dict]:
    """orders: id -> (day number, amount)."""
    rows = [{"order_id": i, "date": day(n), "paid_amount": a} for i, (n, a) in orders.items()]
    write_csv(
        path,
        [["订单编号", "买家会员名", "订单付款时间", "买家实付金额", "订单状态"]]
        + [
            [
                r["order_id"],
                "tb_buyer",
                f"{r['date'].isoformat()} 10:00:00",
                f"{r['paid_amount']:.2f}",
                "交易成功",
            ]
            for r in rows
        ],
    )
    return rows


def shopify_orders_csv(path: Path, orders: dict[str, tuple[int, float]]) -> list[dict]:
    rows = [{"order_id": i, "date": day(n), "paid_amount": a} for i, (n, a) in orders.items()]
    write_csv(
        path,
        [["Name", "Financial Status", "Paid at", "Currency", "Lineitem name", "Total"]]
        + [
            [
                r["order_id"],
                "paid",
                f"{r['date'].isoformat()} 09:00:00",
                "USD",
                "Hoodie",
                f"{r['paid_amount']:.2f}",
            ]
            for r in rows
        ],
    )
    return rows


# ---------------------------------------------------------------- the brute-force model


@dataclass
class Row:
    kind: str
    platform: str | None
    load: int
    data: dict

    @property
    def day(self) -> dt.date:
        return self.data["date"]


class Reference:
    """What the tables must hold: the rules of DESIGN §2, written the plain way."""

    def __init__(self):
        self.rows: list[Row] = []
        self.next_load = 1

    def load(self, kind: str, platform: str | None, rows: list[dict], mode: str = "merge") -> int:
        load_id, self.next_load = self.next_load, self.next_load + 1
        if mode == "replace":
            self.rows = [r for r in self.rows if r.kind != kind]
        elif mode == "merge":
            if kind == "orders":
                ids = {r["order_id"] for r in rows}
                gone = lambda r: r.data["order_id"] in ids  # noqa: E731
            elif kind == "products":  # a file of some products covers only those
                keys = {(r["date"], r["product_id"]) for r in rows}
                gone = lambda r: (r.day, r.data["product_id"]) in keys  # noqa: E731
            else:
                days = {r["date"] for r in rows}
                gone = lambda r: r.day in days  # noqa: E731
            self.rows = [
                r for r in self.rows if not (r.kind == kind and r.platform == platform and gone(r))
            ]
        self.rows += [Row(kind, platform, load_id, dict(r)) for r in rows]
        return load_id

    def unload(self, load_id: int) -> None:
        self.rows = [r for r in self.rows if r.load != load_id]

    def table(self, kind: str, cols: tuple[str, ...]) -> list[tuple]:
        return sorted(
            tuple(r.data[c] for c in cols) + (r.platform,) for r in self.rows if r.kind == kind
        )

    def loads_with_rows(self) -> set[int]:
        return {r.load for r in self.rows}


def stored(ws: workspace.Workspace, kind: str, cols: tuple[str, ...]) -> list[tuple]:
    con = ws.connect(read_only=True)
    try:
        day_col = "cast(order_time as date)" if kind == "orders" else "date"
        select = ", ".join(day_col if c == "date" else c for c in cols)
        # the platform of traffic rows is their load's
        rows = con.execute(
            f"select {select}, l.platform from {kind} t join _loads l on l.load_id = t._load_id"
        ).fetchall()
        return sorted(tuple(round(v, 2) if isinstance(v, float) else v for v in r) for r in rows)
    finally:
        con.close()


def check(ws: workspace.Workspace, ref: Reference) -> None:
    spec = {
        "traffic": ("date", "source", "visitors", "paid_amount"),
        "products": ("date", "product_id", "paid_amount"),
        "orders": ("order_id", "date", "paid_amount"),
    }
    for kind, cols in spec.items():
        assert stored(ws, kind, cols) == ref.table(kind, cols), kind
    con = ws.connect(read_only=True)
    try:
        # rollups follow the table in the same transaction
        rolled = con.execute(
            "select coalesce(sum(paid_amount), 0) from rollup_orders_daily_region"
        ).fetchone()[0]
        active = {r[0] for r in con.execute("select load_id from _loads where active").fetchall()}
    finally:
        con.close()
    want = sum(r.data["paid_amount"] for r in ref.rows if r.kind == "orders")
    assert rolled == pytest.approx(want, abs=0.005)
    assert active == ref.loads_with_rows()


def test_weekly_uploads_merge_by_coverage(tmp_path):
    ws = workspace.open_workspace(tmp_path / "ws")
    ref = Reference()

    def step(
        name: str,
        kind: str,
        platform: str | None,
        rows: list[dict],
        mode: str = "merge",
        replaced: int | None = None,
    ):
        report = load_file(ws, tmp_path / name, name, mode=mode)
        before = len([r for r in ref.rows if r.kind == kind])
        assert ref.load(kind, platform, rows, mode) == report.load_id
        assert (report.kind, report.platform, report.rows_loaded) == (kind, platform, len(rows))
        after = len([r for r in ref.rows if r.kind == kind])
        assert report.rows_replaced == (before + len(rows) - after if mode != "append" else 0)
        if replaced is not None:
            assert report.rows_replaced == replaced
        check(ws, ref)
        return report

    tb = "淘宝/天猫"
    # week 1 and week 2 of 生意参谋 traffic; week 2 starts two days early (11-06, 11-07 again)
    step(
        "生意参谋_流量_w1.csv",
        "traffic",
        tb,
        traffic_csv(tmp_path / "生意参谋_流量_w1.csv", range(0, 7), 1),
    )
    step(
        "生意参谋_流量_w2.csv",
        "traffic",
        tb,
        traffic_csv(tmp_path / "生意参谋_流量_w2.csv", range(5, 14), 2),
        replaced=4,
    )
    # the same week uploaded again: nothing doubles
    step(
        "生意参谋_流量_w2.csv",
        "traffic",
        tb,
        traffic_csv(tmp_path / "生意参谋_流量_w2.csv", range(5, 14), 2),
        replaced=18,
    )

    # products: last week's report, then a 1-day report of 6 products that overlaps it
    # (it replaces those 6 products of that day and no other row), then a second platform
    # on the same days
    ids = [f"P{i:03d}" for i in range(40)]
    step(
        "生意参谋_商品_w1.csv",
        "products",
        tb,
        products_csv(tmp_path / "生意参谋_商品_w1.csv", range(0, 7), ids, 3),
    )
    step(
        "生意参谋_商品_1106.csv",
        "products",
        tb,
        products_csv(tmp_path / "生意参谋_商品_1106.csv", range(6, 7), ids[:6], 4),
        replaced=6,
    )
    step(
        "京东_商品_w1.csv",
        "products",
        "京东",
        products_csv(tmp_path / "京东_商品_w1.csv", range(0, 7), ids[:5], 5),
        replaced=0,
    )

    # orders from 千牛, then a re-export overlapping it: same ids, newer amounts win
    first = {f"T{i:04d}": (i % 10, 10.0 + i) for i in range(30)}
    step(
        "ExportOrderList_1.csv",
        "orders",
        tb,
        taobao_orders_csv(tmp_path / "ExportOrderList_1.csv", first),
    )
    again = {f"T{i:04d}": (i % 10, 20.0 + i) for i in range(20, 45)}
    step(
        "ExportOrderList_2.csv",
        "orders",
        tb,
        taobao_orders_csv(tmp_path / "ExportOrderList_2.csv", again),
        replaced=10,
    )
    # a Shopify export on the same days: the Taobao orders stay
    shop = {f"#{1000 + i}": (i % 7, 5.5 + i) for i in range(12)}
    step(
        "shopify_orders_export.csv",
        "orders",
        "Shopify",
        shopify_orders_csv(tmp_path / "shopify_orders_export.csv", shop),
        replaced=0,
    )
    con = ws.connect(read_only=True)
    currencies = dict(
        con.execute("select platform, any_value(currency) from orders group by 1").fetchall()
    )
    con.close()
    assert currencies == {tb: "CNY", "Shopify": "USD"}

    # removing one load takes exactly its rows
    loads = {x["file"]: x for x in workspace.loads(ws.connect(read_only=True))}
    jd = loads["京东_商品_w1.csv"]
    assert (jd["rows"], jd["days"], jd["ranges"]) == (35, 7, [(day(0), day(6))])
    w1 = loads["生意参谋_流量_w1.csv"]  # 11-06 and 11-07 went to week 2: the rest is one run
    assert (w1["rows"], w1["days"], w1["ranges"]) == (10, 5, [(day(0), day(4))])
    assert workspace.unload(ws, jd["load_id"]) == 35
    ref.unload(jd["load_id"])
    check(ws, ref)

    # an explicit replace empties the dataset first
    step(
        "生意参谋_流量_w3.csv",
        "traffic",
        tb,
        traffic_csv(tmp_path / "生意参谋_流量_w3.csv", range(14, 21), 6),
        mode="replace",
        replaced=28,
    )
    # append adds without looking
    step(
        "生意参谋_流量_w3.csv",
        "traffic",
        tb,
        traffic_csv(tmp_path / "生意参谋_流量_w3.csv", range(14, 21), 6),
        mode="append",
    )


def test_a_period_file_replaces_the_days_it_overlaps(tmp_path):
    """A 7-day period export (no date column, the period in its title row) over days that
    daily rows held replaces them; days outside its period stay."""
    ws = workspace.open_workspace(tmp_path / "ws")
    traffic_csv(tmp_path / "daily.csv", range(0, 10), 1)
    load_file(ws, tmp_path / "daily.csv", "daily.csv")
    period = write_csv(
        tmp_path / "week.csv",
        [
            ["统计时间：2026-11-01~2026-11-07"],
            ["流量来源", "访客数", "支付买家数", "支付金额"],
            ["手淘搜索", "7000", "300", "9000"],
        ],
    )
    r = load_file(ws, period, "week.csv")
    assert r.rows_replaced == 14
    con = ws.connect(read_only=True)
    got = con.execute(
        "select date, date_end, visitors from traffic order by date, source"
    ).fetchall()
    con.close()
    assert got[0] == (day(0), day(6), 7000)
    assert [g[0] for g in got[1:]] == [day(7), day(7), day(8), day(8), day(9), day(9)]


def test_a_category_file_keeps_the_other_products_and_says_how_many(tmp_path):
    """商品 exported one category at a time: the second file covers its own products only,
    and the report counts the products of those days it kept from the first."""
    ws = workspace.open_workspace(tmp_path / "ws")
    days = range(0, 3)
    products_csv(tmp_path / "商品_羽绒服.csv", days, ["P1", "P2"], 1)
    products_csv(tmp_path / "商品_卫衣.csv", days, ["P3", "P4", "P5"], 2)
    first = load_file(ws, tmp_path / "商品_羽绒服.csv", "商品_羽绒服.csv")
    second = load_file(ws, tmp_path / "商品_卫衣.csv", "商品_卫衣.csv")
    assert (first.products_kept, second.rows_replaced, second.products_kept) == (0, 0, 2)
    again = load_file(ws, tmp_path / "商品_羽绒服.csv", "商品_羽绒服.csv")
    assert (again.rows_replaced, again.products_kept) == (6, 3)
    assert again.as_json()["products_kept"] == 3
    con = ws.connect(read_only=True)
    got = con.execute("select count(distinct product_id), count(*) from products").fetchone()
    con.close()
    assert got == (5, 15)


def test_a_device_file_does_not_replace_the_other_devices_rows(tmp_path):
    """PC流量来源 and 无线流量来源 downloaded as two files for the same week: both stay; the
    PC file of that week again replaces only the PC rows."""
    ws = workspace.open_workspace(tmp_path / "ws")

    def device_file(name: str, visitors: int) -> Path:
        return write_csv(
            tmp_path / name,
            [
                ["统计时间：2026-11-01~2026-11-07"],
                ["流量来源", "访客数", "支付买家数", "支付金额"],
                ["手淘搜索", str(visitors), "10", "100"],
            ],
        )

    load_file(ws, device_file("PC流量来源.csv", 100), "PC流量来源.csv")
    r = load_file(ws, device_file("无线流量来源.csv", 900), "无线流量来源.csv")
    assert r.rows_replaced == 0
    r = load_file(ws, device_file("PC流量来源.csv", 120), "PC流量来源.csv")
    assert r.rows_replaced == 1
    con = ws.connect(read_only=True)
    got = con.execute("select device, visitors from traffic order by visitors").fetchall()
    con.close()
    assert [v for _, v in got] == [120, 900] and len({d for d, _ in got}) == 2


def test_unload_and_errors(tmp_path):
    ws = workspace.open_workspace(tmp_path / "ws")
    traffic_csv(tmp_path / "a.csv", range(0, 3), 1)
    r = load_file(ws, tmp_path / "a.csv", "a.csv")
    with pytest.raises(KeyError):
        workspace.unload(ws, r.load_id + 10)
    assert workspace.unload(ws, r.load_id) == 6
    con = ws.connect(read_only=True)
    assert con.execute("select count(*) from traffic").fetchone() == (0,)
    assert workspace.loads(con) == []
    assert [x["active"] for x in workspace.loads(con, active_only=False)] == [False]
    con.close()


def test_platform_edit_moves_rows_and_merge_key(tmp_path):
    ws = workspace.open_workspace(tmp_path / "ws")
    rows = products_csv(tmp_path / "p.csv", range(0, 2), ["A", "B"], 1)
    r = load_file(ws, tmp_path / "p.csv", "p.csv")
    assert r.platform is None
    workspace.set_load_platform(ws, r.load_id, "拼多多", "CNY")
    con = ws.connect(read_only=True)
    assert con.execute("select distinct platform from products").fetchall() == [("拼多多",)]
    con.close()
    # the same file without a platform is another platform's data now: both stay
    r2 = load_file(ws, tmp_path / "p.csv", "p.csv")
    assert r2.rows_replaced == 0
    r3 = load_file(ws, tmp_path / "p.csv", "p.csv", platform="拼多多")
    assert r3.rows_replaced == len(rows)


# ---------------------------------------------------------------- a kill mid-sequence


def _orders(path: Path, ids: range, seed: int) -> dict[int, float]:
    rng = np.random.default_rng(seed)
    paid = np.round(rng.uniform(10, 500, len(ids)), 2)
    with path.open("w", encoding="utf-8") as f:
        f.write("订单编号,买家会员名,订单付款时间,买家实付金额,订单状态\n")
        for j, i in enumerate(ids):
            f.write(
                f"{i:015d},buyer{i % 5000},2026-11-{1 + i % 28:02d} 10:00:00,{paid[j]:.2f},交易成功\n"
            )
    return dict(zip(ids, paid.tolist(), strict=True))


def _state(ws_dir: Path) -> tuple[int, float]:
    con = workspace.open_workspace(ws_dir).connect(read_only=True)
    try:
        rows, total = con.execute(
            "select count(*), coalesce(round(sum(paid_amount), 2), 0) from orders"
        ).fetchone()
        rolled = con.execute(
            "select coalesce(round(sum(paid_amount), 2), 0) from rollup_orders_daily_region"
        ).fetchone()[0]
        assert float(rolled) == pytest.approx(float(total), abs=0.01)
        return int(rows), float(total)
    finally:
        con.close()


def _ingest(ws_dir: Path, path: Path, mode: str = "merge") -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shopsight",
            "ingest",
            str(path),
            "--workspace",
            str(ws_dir),
            "--mode",
            mode,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_sigkill_mid_merge_leaves_before_or_after(tmp_path):
    ws_dir = tmp_path / "ws"
    week1, reexport = tmp_path / "week1.csv", tmp_path / "reexport.csv"
    old = _orders(week1, range(0, 40_000), seed=1)
    new = _orders(reexport, range(20_000, 140_000), seed=2)  # 20,000 orders exported again
    merged = {**old, **new}

    def pair(orders: dict[int, float]) -> tuple[int, float]:
        return len(orders), round(sum(orders.values()), 2)

    assert _ingest(ws_dir, week1).wait(timeout=120) == 0
    assert _state(ws_dir) == pytest.approx(pair(old))

    t0 = time.monotonic()
    scratch = tmp_path / "scratch"
    assert _ingest(scratch, week1).wait(timeout=120) == 0
    t1 = time.monotonic()
    assert _ingest(scratch, reexport).wait(timeout=300) == 0
    full = time.monotonic() - t1
    assert _state(scratch) == pytest.approx(pair(merged))
    assert t1 - t0 > 0

    seen = set()
    for fraction in (0.2, 0.5, 0.75, 0.9, 0.97):
        proc = _ingest(ws_dir, reexport)
        time.sleep(full * fraction)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        state = _state(ws_dir)
        if state == pytest.approx(pair(merged)):
            seen.add("after")
            # back to the week-1 state so the next kill can show a difference again
            assert _ingest(ws_dir, week1, mode="replace").wait(timeout=120) == 0
        else:
            assert state == pytest.approx(pair(old)), (
                f"partial merge after a kill at {fraction:.0%}"
            )
            seen.add("before")
    assert "before" in seen


# ---------------------------------------------------------------- older workspaces, the CLI


def test_a_workspace_from_before_load_tracking_is_brought_up_to_date(tmp_path):
    import duckdb

    from shopsight import schema

    d = tmp_path / "old"
    d.mkdir()
    con = duckdb.connect(str(d / workspace.DB_FILE))
    for kind, k in schema.KINDS.items():
        cols = ", ".join(
            f'"{c.name}" {c.type}' for c in k.columns if c.name not in ("platform", "currency")
        )
        con.execute(f'create table "{kind}" ({cols})')
    con.execute(
        "create table _loads (load_id bigint, kind varchar, file varchar, sheet varchar, "
        "mode varchar, rows_loaded bigint, rows_rejected bigint, mapping json, "
        "derived json, loaded_at timestamp, active boolean)"
    )
    con.execute(
        "insert into orders (order_id, order_time, paid_amount) values "
        "('a', '2026-11-01 10:00', 5), ('b', '2026-11-03 10:00', 6)"
    )
    con.execute(
        "insert into _loads values (1, 'orders', 'ExportOrderList2026.csv', null, "
        "'replace', 2, 0, '{\"订单编号\": \"order_id\"}', '[]', now(), true)"
    )
    con.close()
    ws = workspace.open_workspace(d)
    con = ws.connect(read_only=True)  # a read-only open updates it first (nobody else has it)
    (load,) = workspace.loads(con)
    con.close()
    assert (load["file"], load["rows"], load["ranges"], load["platform"], load["currency"]) == (
        "ExportOrderList2026.csv",
        2,
        [(day(0), day(0)), (day(2), day(2))],
        "淘宝/天猫",
        "CNY",
    )
    con = ws.connect(read_only=True)
    assert con.execute("select distinct platform, currency, _load_id from orders").fetchall() == [
        ("淘宝/天猫", "CNY", 1)
    ]
    con.close()
    # and the rows it holds are merged by the next upload of the same orders
    taobao_orders_csv(tmp_path / "again.csv", {"a": (0, 7.0)})
    assert load_file(ws, tmp_path / "again.csv", "again.csv").rows_replaced == 1


def test_cli_merge_datasets_json_and_unload(tmp_path):
    import json

    from click.testing import CliRunner

    from shopsight.cli import cli

    ws = tmp_path / "ws"
    traffic_csv(tmp_path / "生意参谋_w1.csv", range(0, 7), 1)
    traffic_csv(tmp_path / "生意参谋_w2.csv", range(5, 14), 2)
    run = CliRunner().invoke
    r = run(
        cli,
        [
            "ingest",
            str(tmp_path / "生意参谋_w1.csv"),
            str(tmp_path / "生意参谋_w2.csv"),
            "-w",
            str(ws),
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    files = json.loads(r.stdout)["files"]
    assert [(x["mode"], x["rows_loaded"], x["rows_replaced"]) for x in files] == [
        ("merge", 14, 0),
        ("merge", 18, 4),
    ]
    (traffic,) = json.loads(run(cli, ["datasets", "-w", str(ws), "--json"]).stdout)
    assert traffic["rows"] == 28
    assert [
        (x["load_id"], x["rows"], x["days"], x["ranges"], x["platform"]) for x in traffic["loads"]
    ] == [
        (1, 10, 5, [["2026-11-01", "2026-11-05"]], "淘宝/天猫"),
        (2, 18, 9, [["2026-11-06", "2026-11-14"]], "淘宝/天猫"),
    ]
    r = run(cli, ["unload", "1", "-w", str(ws)])
    assert (r.exit_code, r.stdout.strip()) == (0, "load 1: 10 rows removed")
    assert run(cli, ["unload", "1", "-w", str(ws)]).exit_code == 0  # nothing left: 0 rows
    r = run(cli, ["unload", "99", "-w", str(ws)])
    assert r.exit_code == 1 and "no load 99" in r.output
    # --mode replace still replaces the whole dataset
    r = run(
        cli,
        ["ingest", str(tmp_path / "生意参谋_w1.csv"), "-w", str(ws), "--mode", "replace", "--json"],
    )
    assert json.loads(r.stdout)["files"][0]["rows_replaced"] == 18
