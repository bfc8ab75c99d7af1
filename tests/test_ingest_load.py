"""Loading: canonical tables, replace/append, one transaction, bad rows reported, metadata."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from fixtures import ingest_files as f

from shopsight import schema, workspace
from shopsight.ingest import IngestError, inspect_file, load_file
from shopsight.ingest.detect import KEEP

HEAD = ["订单编号", "买家会员名", "买家实付金额", "订单创建时间", "订单状态"]


def orders(tmp_path, name, *rows):
    return f.write_csv(tmp_path / name, [HEAD, *rows])


def test_canonical_table_with_design_columns_and_nothing_else(tmp_path):
    path = f.taobao_classic_orders(tmp_path / "ExportOrderList202611.csv")
    ws, r = f.load(tmp_path, path)
    con = ws.connect(read_only=True)
    cols = [c for c in workspace.table_columns(con, "orders") if c != schema.LOAD_ID]
    # columns that map to no canonical field are not stored unless kept on purpose
    assert cols == list(schema.KINDS["orders"].column_names)
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'orders'"
        ).fetchall()
    )
    assert (
        types["order_id"],
        types["order_time"],
        types["quantity"],
        types["paid_amount"],
        types["paid"],
    ) == ("VARCHAR", "TIMESTAMP", "BIGINT", "DECIMAL(18,2)", "BOOLEAN")
    got = con.execute(
        "select order_id, order_time, created_time, paid, buyer_id, quantity, "
        "paid_amount, refund_amount, status, province, city "
        "from orders order by order_id"
    ).fetchall()
    con.close()
    D = Decimal
    # a paid order's time is its payment time; the unpaid one keeps its creation time
    assert got == [
        (
            "1234567890123456789",
            dt.datetime(2026, 11, 1, 10, 1),
            dt.datetime(2026, 11, 1, 10),
            True,
            "tb_alice",
            1,
            D("99.00"),
            D("0.00"),
            "交易成功",
            "浙江省",
            "杭州市",
        ),
        (
            "1234567890123456790",
            dt.datetime(2026, 11, 2, 9, 31),
            dt.datetime(2026, 11, 2, 9, 30),
            True,
            "tb_bob",
            3,
            D("1298.50"),
            D("100.00"),
            "卖家已发货，等待买家确认",
            "北京市",
            "北京市",
        ),
        (
            "1234567890123456791",
            dt.datetime(2026, 11, 3, 8),
            dt.datetime(2026, 11, 3, 8),
            False,
            "tb_alice",
            5,
            D("0.00"),
            D("0.00"),
            "等待买家付款",
            "广西壮族自治区",
            "南宁市",
        ),
    ]
    assert (r.rows_loaded, r.rows_rejected, r.errors) == (3, 0, [])


def test_a_column_kept_on_purpose_is_stored_under_its_own_name(tmp_path):
    path = f.taobao_classic_orders(tmp_path / "ExportOrderList202611.csv")
    insp = inspect_file(path.read_bytes(), path.name)
    mapping = {**insp.mapping, "宝贝种类": KEEP, "总金额": KEEP}
    ws, r = f.load(tmp_path, path, mapping=mapping)
    con = ws.connect(read_only=True)
    cols = [c for c in workspace.table_columns(con, "orders") if c != schema.LOAD_ID]
    kinds = con.execute('select "宝贝种类", "总金额" from orders order by order_id').fetchall()
    con.close()
    assert cols == [*schema.KINDS["orders"].column_names, "总金额", "宝贝种类"]
    assert kinds == [("1", "99.00"), ("2", "1,298.50"), ("1", "50.00")]


def test_bad_rows_reported_with_file_row_column_value_and_reason(tmp_path):
    path = f.write_csv(
        tmp_path / "o.csv",
        [
            ["导出时间：2026-12-01"],
            HEAD,
            ["1001", "a", "10", "2026-11-01 10:00:00", "交易成功"],
            ["1002", "b", "ten", "2026-11-01 10:00:00", "交易成功"],
            ["1003", "c", "5", "2026-13-45", "交易成功"],
            ["1.23E+18", "d", "5", "2026-11-02", "交易成功"],
            ["", "e", "5", "2026-11-02", "交易成功"],
            ["1006", "f", "7", "2026-11-03", "交易成功", "extra"],
            ["1007", "g", "8", "2026-11-03", "交易成功"],
            ["1008", "h", "9", "", "交易成功"],
        ],
    )
    ws, r = f.load(tmp_path, path)
    assert (r.rows_loaded, r.rows_rejected) == (2, 6)
    assert r.errors == [
        {
            "row": 4,
            "column": "买家实付金额",
            "value": "ten",
            "message": "买家实付金额 (paid_amount): 'ten' is not an amount of money",
            "code": "bad_money",
            "args": {"header": "买家实付金额", "field": "paid_amount", "value": "ten"},
        },
        {
            "row": 5,
            "column": "订单创建时间",
            "value": "2026-13-45",
            "message": "订单创建时间 (created_time): '2026-13-45' is not a date/time (e.g. 2026-11-01 10:30:00)",
            "code": "bad_time",
            "args": {"header": "订单创建时间", "field": "created_time", "value": "2026-13-45"},
        },
        {
            "row": 6,
            "column": "订单编号",
            "value": "1.23E+18",
            "message": "订单编号 (order_id): '1.23E+18' is an id in scientific notation: its digits were "
            "lost in Excel; export the column as text",
            "code": "sci_id",
            "args": {"header": "订单编号", "field": "order_id", "value": "1.23E+18"},
        },
        {
            "row": 7,
            "column": "订单编号",
            "value": None,
            "message": "订单编号 (order_id): a required value is empty",
            "code": "required_empty",
            "args": {"header": "订单编号", "field": "order_id"},
        },
        {
            "row": 8,
            "column": None,
            "value": None,
            "message": "the row has filled cells beyond the header's 5 columns",
            "code": "extra_cells",
            "args": {"width": 5},
        },
        {  # the order time is read from the creation time: that column is named
            "row": 10,
            "column": "订单创建时间",
            "value": None,
            "message": "订单创建时间 (order_time): a required value is empty",
            "code": "required_empty",
            "args": {"header": "订单创建时间", "field": "order_time"},
        },
    ]
    assert sorted(x[0] for x in f.table_rows(ws, "orders")) == ["1001", "1007"]


def test_replace_and_append(tmp_path):
    ws = workspace.open_workspace(tmp_path / "ws")
    a = orders(
        tmp_path, "a.csv", ["1", "x", "10", "2026-11-01", "s"], ["2", "y", "20", "2026-11-01", "s"]
    )
    b = orders(tmp_path, "b.csv", ["3", "z", "5", "2026-11-02", "s"])
    f.load(tmp_path, a, ws=ws)
    f.load(tmp_path, b, ws=ws, mode="append")
    assert sorted(x[0] for x in f.table_rows(ws, "orders")) == ["1", "2", "3"]
    f.load(tmp_path, b, ws=ws, mode="replace")
    assert [x[0] for x in f.table_rows(ws, "orders")] == ["3"]
    con = ws.connect(read_only=True)
    info = workspace.datasets(con)
    loads = con.execute(
        "select file, mode, rows_loaded, rows_rejected, mapping, active from _loads "
        "order by load_id"
    ).fetchall()
    con.close()
    assert [d["files"] for d in info if d["kind"] == "orders"] == [["b.csv"]]
    assert [(x[0], x[1], x[2], x[3], x[5]) for x in loads] == [
        ("a.csv", "merge", 2, 0, False),
        ("b.csv", "append", 1, 0, False),
        ("b.csv", "replace", 1, 0, True),
    ]
    assert json.loads(loads[0][4])["买家实付金额"] == "paid_amount"


def test_metadata_records_derived_columns_and_load_time(tmp_path):
    path = f.sycm_regions(tmp_path / "地域分布-2026-11-01_2026-11-30.csv")
    ws, r = f.load(tmp_path, path)
    con = ws.connect(read_only=True)
    (info,) = [d for d in workspace.datasets(con) if d["kind"] == "regions"]
    con.close()
    assert info["rows"] == 2 and info["files"] == [path.name]
    assert info["derived"] == ["date", "date_end"] or "date" in info["derived"]
    assert dt.datetime.fromisoformat(info["loaded_at"]).year >= 2026


def test_a_file_that_fails_leaves_the_workspace_as_it_was(tmp_path, monkeypatch):
    ws = workspace.open_workspace(tmp_path / "ws")
    f.load(tmp_path, orders(tmp_path, "a.csv", ["1", "x", "10", "2026-11-01", "s"]), ws=ws)
    before = f.snapshot(ws)

    # a crash inside the write transaction (after the new table was created) rolls back
    def boom(con, kind):
        raise RuntimeError("disk full")

    monkeypatch.setattr(workspace.rollups, "rebuild_rollups", boom)
    with pytest.raises(RuntimeError):
        f.load(tmp_path, orders(tmp_path, "b.csv", ["9", "q", "1", "2026-11-05", "s"]), ws=ws)
    assert f.snapshot(ws) == before
    assert [x[0] for x in f.table_rows(ws, "orders")] == ["1"]


def test_all_rows_bad_is_refused_with_the_first_problem(tmp_path):
    path = orders(tmp_path, "bad.csv", ["1", "x", "ten", "2026-11-01", "s"])
    with pytest.raises(
        IngestError, match=r"bad.csv: no row could be loaded \(1 rejected\); first problem: row 2"
    ):
        f.load(tmp_path, path)


def test_shopify_line_items_fill_order_fields_and_count_money_once(tmp_path):
    path = f.shopify_orders(tmp_path / "orders_export_1.csv")
    ws, r = f.load(tmp_path, path)
    assert (r.kind, r.rows_loaded, r.rows_rejected) == ("orders", 3, 0)
    con = ws.connect(read_only=True)
    got = con.execute(
        "select order_id, product_name, order_time, status, paid_amount, province, source "
        "from orders order by order_id, product_name"
    ).fetchall()
    total = con.execute("select sum(paid_amount), count(distinct order_id) from orders").fetchone()
    con.close()
    assert got == [
        ("#1001", "Cap", dt.datetime(2026, 11, 1, 10), "paid", 0, "广东省", "web"),
        ("#1001", "Hoodie", dt.datetime(2026, 11, 1, 10), "paid", 250, "广东省", "web"),
        ("#1002", "Tee", dt.datetime(2026, 11, 2, 11), "refunded", 80, "浙江省", "pos"),
    ]
    assert total == (330, 2)


def test_jd_and_pdd_layouts(tmp_path):
    ws, r = f.load(tmp_path / "jd", f.jd_traffic(tmp_path / "jd.csv"))
    assert (r.kind, r.rows_loaded) == ("traffic", 2)
    rows = f.table_rows(ws, "traffic")
    assert [(x[0], x[2], x[5], x[6], x[10], x[11]) for x in rows] == [
        (dt.date(2026, 11, 1), "京东APP", 1200, 3000, 30, 2400.5),
        (dt.date(2026, 11, 2), "京东APP", 1100, 2800, 25, 2000.0),
    ]
    con = ws.connect(read_only=True)
    assert not [c for c in workspace.table_columns(con, "traffic") if "同比" in c]
    con.close()
    ws, r = f.load(tmp_path / "pdd", f.pdd_orders(tmp_path / "pdd.csv"))
    assert (r.kind, r.rows_loaded, r.summary_rows_dropped) == ("orders", 2, 1)
    assert sorted((x[0], x[7], x[6], x[10]) for x in f.table_rows(ws, "orders")) == [
        ("260517-607198974342268", Decimal("19.90"), 2, "广东省"),
        ("260517-607198974342269", Decimal("12.00"), 1, "江苏省"),
    ]


def test_ad_creative_report_is_an_image_test(tmp_path):
    ws, r = f.load(tmp_path, f.ad_creatives(tmp_path / "直通车创意报表.csv"))
    assert (r.kind, r.rows_loaded) == ("image_tests", 4)
    rows = f.table_rows(ws, "image_tests")
    assert {(x[0], x[1]) for x in rows} == {("600123456789", "9001"), ("600123456789", "9002")}
    assert sum(x[4] for x in rows) == 150 and {x[9] for x in rows} == {None}  # no control named


def test_load_accepts_bytes_or_path(tmp_path):
    path = orders(tmp_path, "p.csv", ["1", "x", "10", "2026-11-01", "s"])
    ws = workspace.open_workspace(tmp_path / "ws")
    r1 = load_file(ws, path, "p.csv")
    r2 = load_file(ws, path.read_bytes(), "p.csv")
    same = {"load_id", "rows_replaced"}
    assert {k: v for k, v in r1.as_json().items() if k not in same} == {
        k: v for k, v in r2.as_json().items() if k not in same
    }
    # the second load covers the first one's order again: it replaces it, nothing doubles
    assert (r1.rows_replaced, r2.rows_replaced) == (0, 1)
    assert len(f.table_rows(ws, "orders")) == 1
    with pytest.raises(IngestError, match="unknown dataset kind"):
        load_file(ws, path, "p.csv", kind="nope")
