"""Order exports as shops download them (tests/fixtures/wild_orders.py), read as the platform
means them: each line's own sales and a product key for every line, the order's paid amount
counted once, only paid orders as 支付, the day of payment in the shop's wall clock, exact
money, and no personal data anywhere.  Expected values come from pandas over the raw file."""

from __future__ import annotations

import datetime as dt
import json
import logging
from decimal import Decimal

import pandas as pd
import pytest
from click.testing import CliRunner
from fixtures import ingest_files as f
from fixtures import wild_orders as w

from shopsight import queries, schema, workspace
from shopsight.cli import cli
from shopsight.ingest import inspect_file, load_file
from shopsight.ingest.detect import KEEP
from shopsight.ui.downloads import safe_csv

PAID = ("paid", "partially_refunded", "refunded")
MAY = {"start": dt.date(2019, 5, 1), "end": dt.date(2019, 5, 31)}
NO_FILTER = {"src": None, "dev": None, "prov": None, "plat": None, "cur": None}


def raw(path, encoding="utf-8") -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


def money(s: str) -> Decimal:
    return Decimal(s) if s else Decimal(0)


def wall_clock(s: str) -> dt.datetime:
    """`2019-05-14 21:31:02 -0400` as the shop's clock showed it (the offset dropped)."""
    return dt.datetime.strptime(s[:19], "%Y-%m-%d %H:%M:%S")


def shopify_truth(path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(lines with their product key and own sales, orders from their first lines)."""
    lines = raw(path)
    lines["key"] = [
        sku or name for sku, name in zip(lines["Lineitem sku"], lines["Lineitem name"], strict=True)
    ]
    lines["sales"] = [
        Decimal(p) * int(q) - money(d)
        for p, q, d in zip(
            lines["Lineitem price"],
            lines["Lineitem quantity"],
            lines["Lineitem discount"],
            strict=True,
        )
    ]
    orders = lines.drop_duplicates("Name").set_index("Name")
    orders["paid"] = orders["Financial Status"].isin(PAID)
    orders["time"] = [
        wall_clock(p if paid and p else c)
        for p, c, paid in zip(orders["Paid at"], orders["Created at"], orders["paid"], strict=True)
    ]
    lines["paid"] = lines["Name"].map(orders["paid"])
    lines["day"] = lines["Name"].map(orders["time"]).map(lambda t: t.date())
    return lines, orders


@pytest.fixture(scope="module")
def shopify(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shopify")
    path = w.shopify_export(tmp / "orders_export_1.csv")
    ws, report = f.load(tmp, path)
    con = ws.connect(read_only=True)
    yield con, report, *shopify_truth(path)
    con.close()


def test_shopify_orders_paid_once_and_by_financial_status(shopify):
    con, report, lines, orders = shopify
    assert (report.kind, report.rows_loaded, report.rows_rejected) == ("orders", len(lines), 0)
    got = {
        o: (p, paid, t)
        for o, p, paid, t in con.execute(
            "select order_id, sum(paid_amount), bool_and(paid), min(order_time) from orders "
            "group by 1"
        ).fetchall()
    }
    # every order's paid amount is its Total, once, however many lines it has
    assert got == {
        o: (Decimal(r["Total"]), bool(r["paid"]), r["time"]) for o, r in orders.iterrows()
    }
    assert (lines.groupby("Name").size() > 1).sum() >= 10
    # cash-on-delivery orders still pending, voided and authorized ones are ordered, not paid
    unpaid = orders[~orders["paid"]]
    assert set(unpaid["Financial Status"]) == {"pending", "voided", "authorized"}
    assert (unpaid["Payment Method"] == "Cash on Delivery (COD)").sum() >= 4
    paid_sum = con.execute(
        "select sum(paid_amount) filter (where paid), "
        "count(distinct order_id) filter (where not paid) from orders"
    ).fetchone()
    assert paid_sum == (sum(Decimal(t) for t in orders.loc[orders["paid"], "Total"]), len(unpaid))
    statuses = dict(
        con.execute("select status, count(distinct order_id) from orders group by 1").fetchall()
    )
    assert statuses == orders["Financial Status"].value_counts().to_dict()


def test_shopify_times_keep_the_shops_wall_clock(shopify):
    con, _, _, orders = shopify
    late = orders.loc["#1004"]
    # the payment at 21:31 in New York is already 15 May in UTC: it stays on 14 May
    assert pd.Timestamp(late["Paid at"]).tz_convert("UTC").day == 15
    row = con.execute(
        "select order_time, created_time from orders where order_id = '#1004'"
    ).fetchone()
    assert row == (dt.datetime(2019, 5, 14, 21, 31, 2), dt.datetime(2019, 5, 14, 21, 30))
    created = {
        o: c
        for o, c in con.execute(
            "select order_id, min(created_time) from orders group by 1"
        ).fetchall()
    }
    assert created == {o: wall_clock(c) for o, c in orders["Created at"].items()}
    # paid on the next day: counted on the payment day
    assert (
        sum(
            t.date() != wall_clock(c).date()
            for t, c in zip(orders["time"], orders["Created at"], strict=True)
        )
        >= 5
    )


def test_the_preview_shows_the_headers_that_only_feed_other_columns(tmp_path):
    """Paid at, Lineitem price and Lineitem discount are read into order_time and
    line_amount, never stored as themselves: the mapping preview still shows their values."""
    path = w.shopify_export(tmp_path / "orders_export_1.csv")
    lines, orders = shopify_truth(path)
    insp = inspect_file(path, path.name)
    first = lines.iloc[: len(insp.preview)]
    shown = insp.preview
    assert {"paid_time", "unit_price", "line_discount"} <= set(shown.columns)
    assert [None if pd.isna(p) else p.to_pydatetime() for p in shown["paid_time"]] == [
        # an order's continuation lines take the payment time of its first line
        wall_clock(p) if p else None
        for p in first["Name"].map(orders["Paid at"])
    ]
    assert list(shown["unit_price"]) == [float(p) for p in first["Lineitem price"]]
    # a load stores none of them
    ws, _ = f.load(tmp_path, path)
    con = ws.connect(read_only=True)
    try:
        stored = {r[0] for r in con.execute("describe orders").fetchall()}
    finally:
        con.close()
    assert not stored & {"paid_time", "unit_price", "line_discount", "_paid_time"}


def test_shopify_lines_have_a_product_key_and_their_own_sales(shopify):
    con, _, lines, _ = shopify
    got = sorted(
        con.execute(
            "select order_id, product_id, product_name, quantity, line_amount from orders"
        ).fetchall()
    )
    want = sorted(
        zip(
            lines["Name"],
            lines["key"],
            lines["Lineitem name"],
            lines["Lineitem quantity"].astype(int),
            lines["sales"],
            strict=True,
        )
    )
    assert got == want
    assert (lines["Lineitem sku"] == "").sum() >= 5 and (lines["Lineitem discount"] != "0.00").any()


def test_products_ranking_counts_skuless_lines_with_their_own_sales(shopify):
    con, _, lines, _ = shopify
    paid = lines[lines["paid"]]
    want = paid.groupby("key").agg(
        sales=("sales", "sum"),
        units=("Lineitem quantity", lambda q: q.astype(int).sum()),
        orders=("Name", "nunique"),
    )
    for params in (NO_FILTER, {**NO_FILTER, "src": ["web", "pos"]}):  # rollup, then the lines
        df = queries.run(
            con,
            "products_ranking_orders",
            **MAY,
            **params,
            level="product",
            slow_days=14,
            cover_days=14,
        )
        got = {
            r.product_id: (round(r.paid_amount, 2), int(r.units_sold), int(r.orders))
            for r in df.itertuples()
        }
        assert got == {k: (float(r.sales), r.units, r.orders) for k, r in want.iterrows()}
    assert {"Canvas Tote", "Gift Card $25"} <= set(got)  # products without a SKU are ranked
    # line sales leave shipping, tax and order discounts with the order
    total = con.execute(
        "select sum(paid_amount) filter (where paid), "
        "sum(line_amount) filter (where paid) from orders"
    ).fetchone()
    assert total[1] == sum(paid["sales"]) != total[0]


def test_overview_sums_paid_orders_by_payment_day(shopify):
    con, _, _, orders = shopify
    paid = orders[orders["paid"]]
    by_day = paid.groupby(paid["time"].map(lambda t: t.date()))["Total"].agg(
        lambda s: sum(Decimal(v) for v in s)
    )
    df = queries.run(con, "overview_daily_orders", **MAY, **NO_FILTER)
    got = {
        r.day.date(): Decimal(repr(r.paid_amount))
        for r in df.itertuples()
        if pd.notna(r.paid_amount)
    }
    assert got == by_day.to_dict()
    kpi = queries.run(con, "overview_kpis_orders", **MAY, **NO_FILTER).iloc[0]
    assert Decimal(str(kpi["paid_amount"])) == by_day.sum()


# ---------------------------------------------------------------- Tmall report, late payments


@pytest.fixture(scope="module")
def tmall(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tmall")
    path = w.tmall_report(tmp / "tmall_order_report.csv")
    ws, report = f.load(tmp, path)
    yield ws, report, raw(path)


def test_tmall_paid_amount_per_day_by_payment_time(tmall):
    ws, report, df = tmall
    assert (report.rows_loaded, report.rows_rejected) == (len(df), 0)
    paid = df[df["订单付款时间 "] != ""]
    amount = paid["买家实际支付金额"].map(Decimal)
    by_paid = amount.groupby(paid["订单付款时间 "].str[:10]).sum()
    by_created = amount.groupby(paid["订单创建时间"].str[:10]).sum()
    # the report is meaningful: grouping by creation day would be wrong on many days
    wrong = {
        d
        for d in set(by_paid.index) | set(by_created.index)
        if by_paid.get(d, 0) != by_created.get(d, 0)
    }
    assert len(wrong) >= 10
    con = ws.connect(read_only=True)
    try:
        got = queries.run(
            con,
            "overview_daily_orders",
            start=dt.date(2020, 2, 1),
            end=dt.date(2020, 3, 5),
            **NO_FILTER,
        )
        unpaid = con.execute(
            "select count(*), bool_and(order_time = created_time) from orders where not paid"
        ).fetchone()
    finally:
        con.close()
    assert {
        r.day.date().isoformat(): Decimal(repr(r.paid_amount))
        for r in got.itertuples()
        if r.paid_amount
    } == {d: v for d, v in by_paid.items() if v}
    assert unpaid == ((df["订单付款时间 "] == "").sum(), True)


def test_money_is_exact_in_tables_rollups_cli_and_downloads(tmall):
    ws, _, df = tmall
    exact = sum(df["买家实际支付金额"].map(Decimal))
    floating = sum(float(v) for v in df["买家实际支付金额"])
    assert floating != float(exact)  # binary floating point drifts on this file
    con = ws.connect(read_only=True)
    try:
        types = dict(
            con.execute(
                "select table_name || '.' || column_name, data_type from information_schema.columns "
                "where column_name in ('paid_amount', 'refund_amount', 'line_amount', 'spend', "
                "'unit_cost', 'amount')"
            ).fetchall()
        )
        assert con.execute("select sum(paid_amount) from orders").fetchone()[0] == exact
        daily = queries.run(
            con,
            "overview_daily_orders",
            start=dt.date(2020, 2, 1),
            end=dt.date(2020, 3, 5),
            **NO_FILTER,
        )
    finally:
        con.close()
    for kind, k in schema.KINDS.items():
        for c in k.columns:
            if c.type == schema.MONEY:
                assert types[f"{kind}.{c.name}"] == "DECIMAL(18,2)"
    # rollups keep exact fen: the table's decimal(18, 2), or the decimal(38, 2) of a sum
    rollup_types = {v for n, v in types.items() if n.startswith("rollup_")}
    assert rollup_types and rollup_types <= {"DECIMAL(18,2)", "DECIMAL(38,2)"}
    result = CliRunner().invoke(
        cli,
        [
            "sql",
            "select sum(paid_amount) as total from orders",
            "--workspace",
            str(ws.path),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert f'"total": {exact}' in result.stdout
    csv_text = safe_csv(daily).decode("utf-8-sig")
    for value in daily["paid_amount"].dropna():
        assert str(Decimal(repr(value))) in csv_text
    assert sum(Decimal(repr(v)) for v in daily["paid_amount"].dropna()) == exact


# ---------------------------------------------------------------- Taobao statuses


def test_taobao_status_and_payment_time_decide_what_was_paid(tmp_path):
    path = w.taobao_statuses(tmp_path / "ExportOrderList.csv")
    ws, report = f.load(tmp_path, path)
    df = raw(path, "gbk")
    unpaid_status = df["订单状态"].isin(["等待买家付款"]) | (
        df["订单状态"].str.contains("关闭") & (df["订单付款时间"] == "")
    )
    want = dict(zip(df["订单编号"], ~unpaid_status, strict=True))
    con = ws.connect(read_only=True)
    try:
        got = dict(con.execute("select order_id, paid from orders").fetchall())
        kpi = queries.run(
            con,
            "overview_kpis_orders",
            start=dt.date(2026, 11, 1),
            end=dt.date(2026, 11, 30),
            **NO_FILTER,
        ).iloc[0]
        first = con.execute("select order_time from orders where order_id = '9001'").fetchone()[0]
        cols = workspace.table_columns(con, "orders")
    finally:
        con.close()
    assert got == want == {"9001": True, "9002": False, "9003": False, "9004": True, "9005": True}
    assert kpi["paid_amount"] == float(
        sum(Decimal(a) for a, p in zip(df["买家实付金额"], ~unpaid_status, strict=True) if p)
    )
    assert kpi["paying_buyers"] == df.loc[~unpaid_status, "买家会员名"].nunique()
    assert first == dt.datetime(2026, 11, 2, 0, 10)  # created before midnight, paid after
    assert not {"买家留言", "卖家备注", "物流单号"} & set(cols)
    assert "canary" not in json.dumps(report.as_json(), ensure_ascii=False).lower()


def test_without_status_or_payment_time_an_order_of_nothing_was_not_paid(tmp_path):
    path = f.write_csv(
        tmp_path / "o.csv",
        [
            ["订单编号", "订单创建时间", "买家实付金额"],
            ["1", "2026-11-01 10:00", "25.00"],
            ["2", "2026-11-01 11:00", "0.00"],
        ],
    )
    ws, _ = f.load(tmp_path, path)
    con = ws.connect(read_only=True)
    paid = con.execute("select order_id, paid from orders order by order_id").fetchall()
    con.close()
    assert paid == [("1", True), ("2", False)]


# ---------------------------------------------------------------- personal data canaries

CANARY_MARKS = ("canary", "415-555", "11010519491231002x", "203.0.113.77")


def leaks(text: str | bytes) -> list[str]:
    low = text.lower() if isinstance(text, str) else text.lower().decode("latin-1")
    return [m for m in CANARY_MARKS if m in low]


def workspace_bytes(ws: workspace.Workspace) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in ws.path.rglob("*") if p.is_file()}


def test_personal_data_is_stored_nowhere_even_when_kept_on_purpose(tmp_path, caplog, data_dir):
    path = w.shopify_export(tmp_path / "orders_export_1.csv")
    assert all(leaks(v) for v in w.CANARIES.values())  # every canary is recognisable
    insp = inspect_file(path.read_bytes(), path.name)
    # the owner tries to keep every column the export has beyond the canonical ones
    mapping = {h: (c or KEEP) for h, c in insp.mapping.items()}
    mapping |= {h: KEEP for h in w.CANARIES if h not in mapping}
    assert {"Notes", "Note Attributes", "Tags", "Email", "Billing Phone"} <= set(insp.dropped)
    ws = workspace.open_workspace("canary")
    caplog.set_level(logging.DEBUG)
    con = ws.connect()
    try:
        report = load_file(ws, path.read_bytes(), path.name, mapping=mapping, con=con)
        open_files = workspace_bytes(ws)  # with the write-ahead log still there
        rows = con.execute("select * from orders").fetchall()
        cols = workspace.table_columns(con, "orders")
        downloads = [
            safe_csv(
                queries.run(
                    con, name, **MAY, **NO_FILTER, level="product", slow_days=14, cover_days=14
                )
            )
            for name in ("products_ranking_orders", "overview_daily_orders")
        ]
        downloads.append(safe_csv(pd.DataFrame(report.errors)))
    finally:
        con.close()
    assert report.not_stored == {"Contact": "email", "Gift message": "address"}
    # the control: a plain column kept on purpose is in the file, and readable in its bytes
    assert set(w.PLAIN_UNMAPPED) <= set(cols)
    files = {**open_files, **{f"closed/{k}": v for k, v in workspace_bytes(ws).items()}}
    assert any(b"Maple & Thread" in b for b in files.values())
    assert {name: leaks(b) for name, b in files.items() if leaks(b)} == {}
    assert not leaks(" ".join(map(str, cols)) + " ".join(str(v) for r in rows for v in r))
    assert not leaks(json.dumps(report.as_json(), ensure_ascii=False))
    assert not leaks(caplog.text)
    assert not [d for d in downloads if leaks(d)]
    assert not leaks(insp.preview.to_csv())
    out = CliRunner().invoke(
        cli, ["sql", "select * from orders", "--workspace", str(ws.path), "--json"]
    )
    assert out.exit_code == 0 and "Maple & Thread" in out.stdout and not leaks(out.stdout)


def test_a_workspace_from_before_gets_the_new_order_columns_filled_from_its_rows(tmp_path):
    ws = workspace.open_workspace(tmp_path / "old")
    con = ws.connect()
    try:
        # the orders table as older versions made it: no created_time, paid, line_amount
        old = [
            f"{c.name} {'double' if c.type == schema.MONEY else c.type}"
            for c in schema.KINDS["orders"].columns
            if c.name not in ("created_time", "paid", "line_amount")
        ]
        con.execute("drop table orders")
        con.execute(f"create table orders ({', '.join(old)})")
        con.execute(
            "insert into orders (order_id, order_time, paid_amount, product_id) values "
            "('1', '2026-11-01 10:00', 12.5, 'p'), ('2', '2026-11-02 09:00', 0, 'p')"
        )
        con.execute("update _rollups set sql_hash = 'older'")  # built by older rollup SQL
    finally:
        con.close()
    con = ws.connect()  # a writable open brings the table and its rollups up to date
    try:
        rows = con.execute(
            "select order_id, created_time, paid, line_amount from orders order by 1"
        ).fetchall()
        day = con.execute(
            "select sum(paid_amount), sum(orders) from rollup_orders_daily_region"
        ).fetchone()
    finally:
        con.close()
    assert rows == [
        ("1", dt.datetime(2026, 11, 1, 10), True, Decimal("12.50")),
        ("2", dt.datetime(2026, 11, 2, 9), False, Decimal("0.00")),
    ]
    assert day == (12.5, 1)


def test_shopify_lines_after_the_first_keep_their_orders_currency(tmp_path):
    # Shopify writes Currency on an order's first line only; a EUR order's later lines
    # were stored as the file's most common currency and its sales split in two
    header = ["Name", "Financial Status", "Paid at", "Currency", "Total", "Lineitem quantity",
              "Lineitem name", "Lineitem price"]  # fmt: skip
    rows = [
        header,
        ["#1001", "paid", "2026-11-03 10:00:00 +0100", "EUR", "45.00", "1", "Mug", "20.00"],
        ["#1001", "", "", "", "", "1", "Tea", "25.00"],
        ["#1002", "paid", "2026-11-03 11:00:00 -0500", "USD", "30.00", "2", "Mug", "15.00"],
        ["#1003", "paid", "2026-11-04 11:00:00 -0500", "USD", "12.00", "1", "Tea", "12.00"],
    ]
    ws = workspace.open_workspace(tmp_path / "ws")
    load_file(ws, f.write_csv(tmp_path / "orders_export_1.csv", rows), "orders_export_1.csv")
    assert f.fetch(
        ws,
        "select currency, count(distinct order_id), sum(line_amount), sum(paid_amount) "
        "from orders group by 1 order by 1",
    ) == [
        ("EUR", 1, Decimal("45.00"), Decimal("45.00")),
        ("USD", 2, Decimal("42.00"), Decimal("42.00")),
    ]


def test_times_that_say_never_are_no_payment_and_no_bad_cell(tmp_path):
    # what order systems write in the payment time of an order closed unpaid
    never = [
        "",
        "-",
        "0000-00-00 00:00:00",
        "0000-00-00",
        "1970-01-01 08:00:00",
        "1970/1/1 0:00",
        "0",
    ]
    header = ["订单号", "订单状态", "商品名称", "商品数量", "应付金额", "下单时间", "付款时间"]
    rows = [
        header,
        ["U0", "已完成", "x", 1, "10.00", "2025-06-01 10:00:00", "2025/06/01 10:05:00.0"],
    ]
    rows += [
        [f"U{k}", "已关闭", "x", 1, "10.00", "2025-06-01 10:00:00", cell]
        for k, cell in enumerate(never, 1)
    ]
    ws = workspace.open_workspace(tmp_path / "ws")
    r = load_file(ws, f.write_csv(tmp_path / "京东订单.csv", rows), "京东订单.csv")
    assert (r.rows_loaded, r.rows_rejected) == (8, 0)
    assert f.fetch(ws, "select order_id, order_time from orders where paid") == [
        ("U0", dt.datetime(2025, 6, 1, 10, 5))
    ]
    assert f.fetch(ws, "select count(*), min(order_time) from orders where not paid") == [
        (7, dt.datetime(2025, 6, 1, 10, 0))
    ]


def test_pdd_refunds_are_read_from_the_after_sale_status(tmp_path):
    # 拼多多 writes no refund amount: 售后状态 (or 订单状态) says 退款成功
    header = [
        "商品",
        "订单号",
        "订单状态",
        "商家实收金额(元)",
        "商品数量(件)",
        "订单成交时间",
        "售后状态",
    ]
    rows = [
        header,
        [
            "睡衣",
            "\t250301-1",
            "已发货，待收货",
            "39.90",
            1,
            "2026-11-01 10:00:00",
            "无售后或售后取消",
        ],
        ["睡衣", "\t250301-2", "已签收", "59.90", 1, "2026-11-01 11:00:00", "退款成功"],
        ["睡衣", "\t250301-3", "未发货，退款成功", "19.90", 1, "2026-11-02 11:00:00", ""],
        ["睡衣", "\t250301-4", "已签收", "29.90", 1, "2026-11-02 12:00:00", "售后处理中"],
    ]
    ws = workspace.open_workspace(tmp_path / "ws")
    r = load_file(ws, f.write_csv(tmp_path / "orders_export.csv", rows), "orders_export.csv")
    assert "refund_amount" in r.derived
    assert f.fetch(ws, "select order_id, refund_amount from orders order by 1") == [
        ("250301-1", Decimal("0.00")),
        ("250301-2", Decimal("59.90")),
        ("250301-3", Decimal("19.90")),
        ("250301-4", Decimal("0.00")),
    ]
