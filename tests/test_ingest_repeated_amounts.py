"""An order's amount written again on each of its lines (JD's 应付金额, ERP exports that join
orders to their items) is counted once; line amounts that happen to be equal are not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fixtures.ingest_files import fetch, load, write_csv, write_xlsx

from shopsight.ingest import parse

JD_HEADER = [
    "订单号",
    "商品ID",
    "商品名称",
    "订购数量",
    "下单时间",
    "京东价",
    "应付金额",
    "订单状态",
]
TB_HEADER = ["订单编号", "商品标题", "购买数量", "订单创建时间", "订单付款时间", "买家实付金额"]


def sums(ws) -> tuple:
    con = ws.connect(read_only=True)
    try:
        return con.execute(
            "select count(*), sum(paid_amount), sum(line_amount), count(line_amount) from orders"
        ).fetchone()
    finally:
        con.close()


def paid_by_day(ws) -> Decimal:
    con = ws.connect(read_only=True)
    try:
        return con.execute("select sum(paid_amount) from rollup_orders_daily_region").fetchone()[0]
    finally:
        con.close()


def jd_line(order: int, product: int, qty: int, price: str, total: str) -> list:
    return [
        f"25000000{order:04d}",
        f"1000{product}",
        "电动牙刷",
        qty,
        "2026-11-01 09:10:00",
        price,
        total,
        "完成",
    ]


@pytest.mark.parametrize("fast", [True, False])
def test_a_priced_order_amount_on_every_line_counts_once(tmp_path, fast):
    rows = [
        JD_HEADER,
        jd_line(1, 1, 1, "120.00", "300.00"),
        jd_line(1, 2, 2, "90.00", "300.00"),
        jd_line(2, 1, 1, "50.00", "50.00"),
    ]
    ws, r = load(tmp_path, write_csv(tmp_path / "京东订单.csv", rows, encoding="gbk"), fast=fast)
    assert (r.kind, r.platform, r.rows_loaded, r.rows_rejected) == ("orders", "京东", 3, 0)
    # paid once per order; each line's sales from its own price
    assert sums(ws) == (3, Decimal("350.00"), Decimal("350.00"), 3)
    # said once, at the first line that repeats the order's amount
    assert [(w["row"], w["column"], w["code"], w["args"]) for w in r.warnings] == [
        (3, "应付金额", "amount_per_order", {"header": "应付金额", "orders": 1})
    ]
    assert "每笔订单只计一次" in parse.messages.text(
        "amount_per_order", r.warnings[0]["args"], "zh"
    )
    assert paid_by_day(ws) == Decimal("350.00")


def tb_line(order: int, title: str, amount: str) -> list:
    return [f"40000000{order:04d}", title, 1, "2026-11-01 10:00:00", "2026-11-01 10:01:00", amount]


def test_without_a_price_three_orders_alike_make_the_amount_the_orders(tmp_path):
    rows = [TB_HEADER]
    for o in range(3):
        rows += [tb_line(o, "卫衣", "100.00"), tb_line(o, "T恤", "100.00")]
    rows.append(tb_line(9, "卫衣", "80.00"))
    ws, r = load(tmp_path, write_csv(tmp_path / "o.csv", rows))
    assert r.rows_loaded == 7
    # the lines of a several-line order have no sales of their own
    assert sums(ws) == (7, Decimal("380.00"), Decimal("80.00"), 1)


def test_two_orders_alike_or_one_unlike_are_line_amounts(tmp_path):
    two = [TB_HEADER]
    for o in range(2):
        two += [tb_line(o, "卫衣", "100.00"), tb_line(o, "T恤", "100.00")]
    ws, _ = load(tmp_path / "a", write_csv(tmp_path / "a.csv", two))
    assert sums(ws)[1] == Decimal("400.00")
    unlike = two + [tb_line(o, t, "100.00") for o in (5, 6) for t in ("卫衣", "T恤")]
    unlike += [tb_line(7, "卫衣", "100.00"), tb_line(7, "T恤", "60.00")]
    ws, _ = load(tmp_path / "b", write_csv(tmp_path / "b.csv", unlike))
    assert sums(ws)[1] == Decimal("960.00")


def test_the_first_lines_decide_against_and_the_whole_file_for(tmp_path, monkeypatch):
    monkeypatch.setattr(parse, "_REPEAT_SAMPLE", 4)
    rows = [JD_HEADER] + [jd_line(o, p, 1, "10.00", "20.00") for o in range(4) for p in (1, 2)]
    ws, _ = load(tmp_path / "a", write_csv(tmp_path / "a.csv", rows))
    assert sums(ws)[:2] == (8, Decimal("80.00"))
    # alike in the first lines, unlike further on: the amounts are the lines'
    rows.append(jd_line(8, 1, 1, "10.00", "10.00"))
    rows.append(jd_line(8, 2, 1, "10.00", "12.00"))
    ws, _ = load(tmp_path / "b", write_csv(tmp_path / "b.csv", rows))
    assert sums(ws)[:2] == (10, Decimal("182.00"))


PRICED = [
    "订单编号",
    "商品标题",
    "单价",
    "购买数量",
    "订单状态",
    "订单付款时间",
    "实付金额",
    "退款金额",
]


def priced_line(order: str, title: str, price: str, amount: str, status="交易成功", refund="0"):
    return [order, title, price, 1, status, "2026-11-01 10:01:00", amount, refund]


def test_lines_at_their_own_price_are_line_amounts_however_alike(tmp_path):
    rows = [
        PRICED,
        priced_line("A1", "T恤 红", "59", "59"),
        priced_line("A1", "T恤 蓝", "59", "59"),
        priced_line("A2", "卫衣", "100", "100"),
    ]
    ws, _ = load(tmp_path, write_csv(tmp_path / "o.csv", rows))
    assert sums(ws)[:2] == (3, Decimal("218.00"))


def test_refunds_follow_the_paid_amounts(tmp_path):
    rows = [
        PRICED,
        priced_line("R1", "T恤 白", "59", "59", refund="59"),
        priced_line("R1", "T恤 黑", "59", "59", refund="59"),
        priced_line("R2", "T恤", "59", "59"),
        priced_line("R2", "卫衣", "120", "120"),
    ]
    ws, _ = load(tmp_path, write_csv(tmp_path / "o.csv", rows))
    con = ws.connect(read_only=True)
    try:
        got = con.execute("select sum(paid_amount), sum(refund_amount) from orders").fetchone()
    finally:
        con.close()
    assert got == (Decimal("297.00"), Decimal("118.00"))


def test_unpaid_orders_at_zero_are_no_evidence(tmp_path):
    rows = [TB_HEADER, tb_line(1, "卫衣", "59.00"), tb_line(1, "T恤", "59.00")]
    for o in (2, 3):
        rows += [tb_line(o, "卫衣", "0.00"), tb_line(o, "T恤", "0.00")]
    rows.append(tb_line(4, "卫衣", "120.00"))
    ws, _ = load(tmp_path, write_csv(tmp_path / "o.csv", rows))
    assert sums(ws)[1] == Decimal("238.00")


def test_a_rejected_line_neither_decides_nor_keeps_the_amount(tmp_path):
    rows = [JD_HEADER]
    for o in range(5):
        rows += [jd_line(o, 1, 1, "100.00", "300.00"), jd_line(o, 2, 2, "100.00", "300.00")]
    rows[1][6] = "300,00"  # the first line of order 0 is rejected
    bad_first = jd_line(7, 1, 1, "100.00", "300.00")
    bad_first[4] = "2026-13-45"
    rows += [bad_first, jd_line(7, 2, 2, "100.00", "300.00")]
    # a gift line with no amount of its own (blank reads as 0) says nothing
    rows += [jd_line(8, 1, 1, "120.00", "120.00"), jd_line(8, 3, 1, "0.00", "")]
    ws, r = load(tmp_path, write_csv(tmp_path / "o.csv", rows))
    assert r.rows_rejected == 2
    # every order once, on the line that loads
    assert sums(ws)[1] == Decimal("1920.00")


def test_the_amount_stays_on_a_paid_line(tmp_path):
    rows = [
        JD_HEADER,
        [*jd_line(1, 1, 1, "100.00", "300.00")[:7], "已取消"],
        jd_line(1, 2, 2, "100.00", "300.00"),
        jd_line(2, 1, 1, "50.00", "50.00"),
    ]
    ws, _ = load(tmp_path, write_csv(tmp_path / "o.csv", rows))
    con = ws.connect(read_only=True)
    try:
        paid = con.execute("select sum(paid_amount) from rollup_orders_buyer_orders").fetchone()[0]
    finally:
        con.close()
    assert paid == Decimal("350.00") == paid_by_day(ws)


def test_shopify_style_orders_beside_repeated_ones(tmp_path):
    rows = [JD_HEADER, jd_line(1, 1, 1, "30.00", "30.00"), jd_line(1, 2, 1, "0.00", "")]
    rows += [jd_line(2, p, 1, "10.00", "20.00") for p in (1, 2)]
    ws, _ = load(tmp_path, write_csv(tmp_path / "o.csv", rows))
    assert sums(ws)[1] == Decimal("50.00")


def test_first_lines_without_evidence_leave_the_whole_file_to_decide(tmp_path, monkeypatch):
    monkeypatch.setattr(parse, "_REPEAT_SAMPLE", 4)
    rows = [JD_HEADER] + [jd_line(o, 1, 1, "10.00", "10.00") for o in range(6)]
    rows += [jd_line(9, p, 1, "10.00", "20.00") for p in (1, 2)]
    ws, _ = load(tmp_path, write_csv(tmp_path / "o.csv", rows))
    assert sums(ws)[:2] == (8, Decimal("80.00"))


def test_an_order_written_again_further_down_counts_once_the_later_rows_win(tmp_path):
    """Two overlapping 订单报表 exports pasted into one file: each order again, paid in the
    first and shipped in the second. The amounts doubled (1,963 for 1,695), with no word."""
    orders = [
        ["3301", "男士T恤", 1, "2026-11-03 10:12:45", "2026-11-03 10:13:02", "128.00"],
        ["3302", "男士夹克", 1, "2026-11-04 21:00:00", "2026-11-04 21:01:30", "268.00"],
        ["3303", "羽绒服", 2, "2026-11-06 12:00:00", "2026-11-06 12:00:05", "1,299.00"],
    ]
    later = [[*orders[1][:5], "258.00"], orders[2]]  # a partial refund in between
    header = [*TB_HEADER[:5], "买家实付金额"]
    rows = [header, *orders, *later]
    ws, r = load(tmp_path / "ws", write_csv(tmp_path / "ExportOrderList.csv", rows))
    assert (r.rows_loaded, r.rows_rejected) == (3, 0)
    assert [(w["row"], w["code"], w["args"]) for w in r.warnings] == [
        (3, "order_again", {"kept": 5}),
        (4, "order_again", {"kept": 6}),
    ]
    assert sums(ws)[:2] == (3, Decimal("1685.00"))
    assert "第 5 行起又出现" in parse.messages.text("order_again", {"kept": 5}, "zh")


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_seam_of_two_pasted_exports_counts_its_order_once(tmp_path, fast, suffix):
    """Two exports pasted without the second header: the last order of the first is the
    first of the second, so its rows come twice in a row (one line, or all its lines)."""
    a = [tb_line(1, "T恤", "128.00"), tb_line(2, "夹克", "268.00")]
    two = [jd_line(3, 1, 1, "100.00", "150.00"), jd_line(3, 2, 1, "50.00", "150.00")]
    rows = [TB_HEADER, *a, a[1], tb_line(4, "羽绒服", "1299.00")]
    jd = [JD_HEADER, jd_line(5, 1, 1, "9.00", "9.00"), *two, *two, jd_line(6, 1, 1, "8.00", "8.00")]
    for name, table, loaded, paid, warned in [
        ("ExportOrderList", rows, 3, Decimal("1695.00"), [(3, {"kept": 4})]),
        ("京东订单", jd, 4, Decimal("167.00"), [(3, {"kept": 5}), (4, {"kept": 5})]),
    ]:
        path = tmp_path / f"{name}.{suffix}"
        write_csv(path, table) if suffix == "csv" else write_xlsx(path, {"Sheet1": table})
        ws, r = load(tmp_path / name, path, fast=fast)
        assert (r.rows_loaded, r.rows_rejected) == (loaded, 0)
        assert [(w["row"], w["args"]) for w in r.warnings if w["code"] == "order_again"] == warned
        assert fetch(ws, "select sum(paid_amount) from rollup_orders_buyer_orders") == [(paid,)]


def test_rows_twice_in_a_row_that_differ_in_a_column_not_read_all_count(tmp_path):
    # the same product twice in one order, told apart only by 子订单编号 (not stored)
    header = ["订单编号", "子订单编号", "商品标题", "购买数量", "订单付款时间", "买家实付金额"]
    rows = [header]
    rows += [["5001", f"5001-{i}", "袜子", 1, "2026-11-03 10:00:00", "9.90"] for i in (1, 2)]
    ws, r = load(tmp_path / "ws", write_csv(tmp_path / "抖店订单.csv", rows))
    assert (r.rows_loaded, r.warnings) == (2, [])


def test_an_orders_lines_apart_told_by_their_sku_text_all_count(tmp_path):
    """抖店 sorted by 商品规格: one order's T-shirts in three sizes lie apart, alike in
    everything stored (product, quantity, price); their 商品规格 and 子订单编号 differ."""
    header = ["主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID",
              "订单应付金额", "支付完成时间", "订单状态"]  # fmt: skip

    def line(order: int, sub: int, spec: str, amount: str) -> list:
        return [f"\t69200{order}", f"\t69200{order}{sub}", "纯棉T恤", spec, 1, "\t3612",
                amount, f"2025-04-0{order} 10:00:00", "已完成"]  # fmt: skip

    rows = [header]
    rows += [line(1, 1, "灰色,M", "59.00"), line(2, 1, "灰色,M", "59.00")]
    rows += [line(1, 2, "白色,XL", "54.00"), line(2, 2, "白色,XL", "54.00")]
    rows += [line(1, 3, "黑色,L", "59.00"), line(3, 1, "黑色,L", "59.00")]
    ws, r = load(tmp_path / "ws", write_csv(tmp_path / "1745812345678_order_export.csv", rows))
    assert (r.rows_loaded, r.warnings) == (6, [])
    assert fetch(ws, "select count(distinct order_id), sum(paid_amount) from orders") == [
        (3, Decimal("344.00"))
    ]


def test_alike_lines_of_one_order_next_to_each_other_all_count(tmp_path):
    # Shopify writes two lines of one variant when their (unexported) properties differ
    header = ["Name", "Financial Status", "Paid at", "Total", "Lineitem quantity",
              "Lineitem name", "Lineitem price", "Lineitem sku"]  # fmt: skip
    rows = [
        header,
        ["#1001", "paid", "2026-11-03 10:00:00", "60.00", "1", "Mug", "20.00", "MUG"],
        ["#1001", "", "", "", "1", "Mug", "20.00", "MUG"],
        ["#1001", "", "", "", "2", "Tea", "10.00", "TEA"],
        ["#1002", "paid", "2026-11-03 11:00:00", "20.00", "1", "Mug", "20.00", "MUG"],
    ]
    ws, r = load(tmp_path / "ws", write_csv(tmp_path / "orders_export_1.csv", rows))
    assert (r.rows_loaded, r.warnings) == (4, [])
    assert fetch(ws, "select sum(quantity), sum(line_amount) from orders") == [
        (5, Decimal("80.00"))
    ]


@pytest.mark.parametrize(
    "lines",
    [
        # a file sorted by product: order 1's two products are apart
        [(1, 1, "99.00", "149.00"), (2, 1, "99.00", "99.00"), (1, 2, "50.00", "149.00")],
        # two lines of one SKU at two prices, and an order amount written on both lines
        [(1, 1, "99.00", "198.00"), (1, 1, "89.00", "198.00"), (2, 2, "50.00", "50.00")],
    ],
    ids=["apart", "next-to-each-other"],
)
def test_an_orders_different_lines_all_count_wherever_they_are(tmp_path, lines):
    rows = [JD_HEADER, *(jd_line(o, p, 1, price, total) for o, p, price, total in lines)]
    ws, r = load(tmp_path / "ws", write_csv(tmp_path / "京东订单.csv", rows))
    assert r.rows_loaded == 3
    assert [w["code"] for w in r.warnings] == ["amount_per_order"]


def test_lines_alike_in_what_is_stored_but_not_in_the_file_all_count(tmp_path):
    # one unit per sub-order (抖店): the 子订单编号 is not stored, and tells them apart
    header = ["订单编号", "子订单编号", "商品标题", "购买数量", "订单付款时间", "买家实付金额"]
    rows = [
        header,
        ["5001", "5001-1", "袜子", 1, "2026-11-03 10:00:00", "9.90"],
        ["5001", "5001-2", "袜子", 1, "2026-11-03 10:00:00", "9.90"],
        ["5002", "5002-1", "袜子", 1, "2026-11-03 11:00:00", "9.90"],
    ]
    ws, r = load(tmp_path / "ws", write_csv(tmp_path / "抖店订单.csv", rows))
    assert "子订单编号" not in {h for h, c in r.mapping.items() if c}
    assert (r.rows_loaded, r.warnings) == (3, [])
