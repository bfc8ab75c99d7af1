"""Typing by DuckDB's cast first, the macros only where it gives nothing (parse._CAST),
gives exactly what typing every cell by its macro gives: the same table, the same rejected
rows and messages, the same placeholder counts and warnings.  Sheets of generated cells mix
clean values with every messy form the macros read (and some they cannot)."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from shopsight.ingest import detect, parse
from shopsight.ingest.readers import Sheet

CLEAN_NUMBERS = ["0", "1", "12", "99.5", "1288.50", "-3", "0.25", " 56 ", "+1", "1e3", "7.0"]
MESSY_NUMBERS = [
    "1,234",
    "1.234,56",
    "1,5",
    "¥1,234.50",
    "￥99",
    "12.34%",
    "-4.10%",
    "1.2万",
    "3亿",
    "１２３．５",
    "(12.5)",
    "100元",
    "-",
    "--",
    "—",
    "暂无",
    "null",
    "N/A",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "abc",
    "12a",
    "1.2.3",
    "1e20",
    "－",
    "****",
    "   ",
    '="59.00"',
    '="1,234"',
    "1.2w",
    "1.5千",
    "2k",
    "'12",
    '="abc"',
]
CLEAN_TIMES = [
    "2026-11-01 10:00:00",
    "2026-11-30 23:59:59",
    "2026-11-02",
    "2026-02-28 00:00:00",
    "0026-11-01 10:00:00",  # the cast reads it; outside 1970-2099 neither keeps it
    "1969-12-31",
]
MESSY_TIMES = [
    "2026/11/03 10:00:00 上午",
    "2026/11/3 下午 3:00:00",
    "2026/11/2 09:30",
    "2026年11月3日",
    "2026-11-01T10:30:00Z",
    "20261101",
    "46296.5",
    "1700000000",
    "2026-13-01",
    "2026-11-31",
    "2026-11-01 25:00:00",
    "yesterday",
    "-",
    "２０２６－１１－０１",
    "2026-11-01~2026-11-07",
    "2026-11-01 10:00:00.5",
    "epoch",
]
CLEAN_DATES = ["2026-11-01", "2026-11-15", "2026-11-30", "0026-11-01"]
MESSY_DATES = [
    "2026/11/2",
    "2026年11月3日",
    "20261104",
    "46296",
    "2026-11-05~2026-11-11",
    "2026-11-40",
    "-",
    "2026-11-06 08:00:00",
    "11/07/2026",
    "x",
]
IDS = [
    "1234567890123456789",
    "42",
    "tb_甲",
    "SKU-001",
    "1.23457E+18",
    '="123456"',
    "'987",
    " 77 ",
    "-",
    "123.0",
    "nan",
]
STATUSES = ["交易成功", "等待买家付款", "交易关闭", "Paid", " pending ", "refunded", "-"]


def cell(rng: random.Random, clean: list[str], messy: list[str]) -> str | None:
    # mostly clean, as real exports are, with empty cells and every messy form in reach
    return rng.choice([rng.choice(clean), rng.choice(clean), rng.choice(messy), None])


def typed_both_ways(rows: list[list[str | None]], kind: str) -> tuple:
    headers = rows[0]
    mapping = detect.propose_mapping(headers, kind)
    out = []
    old = parse.FAST_PATHS
    try:
        for fast in (True, False):
            parse.FAST_PATHS = fast  # off: every cell through its macro (and the Python reader)
            r = parse.parse_sheet(Sheet(None, rows), 0, headers, mapping, kind)
            out.append(r)
    finally:
        parse.FAST_PATHS = old
    return tuple(out)


def assert_same(fast: parse.ParseResult, slow: parse.ParseResult) -> None:
    assert fast.table.schema == slow.table.schema
    assert fast.table.to_pylist() == slow.table.to_pylist()
    assert fast.errors == slow.errors
    assert fast.rows_rejected == slow.rows_rejected
    assert (fast.cells_as_zero, fast.cells_as_empty) == (slow.cells_as_zero, slow.cells_as_empty)
    assert fast.warnings == slow.warnings
    assert (fast.summary_rows_dropped, fast.blank_rows) == (
        slow.summary_rows_dropped,
        slow.blank_rows,
    )


ORDER_HEADERS = [
    "订单编号",
    "买家会员名",
    "买家实付金额",
    "宝贝总数量",
    "订单创建时间",
    "订单付款时间",
    "订单状态",
    "退款金额",
    "商品标题",
]


@pytest.mark.parametrize("seed", range(8))
def test_orders_cast_first_equals_macros(seed):
    rng = random.Random(seed)
    lines = [
        [
            rng.choice(IDS),
            rng.choice(IDS),
            cell(rng, CLEAN_NUMBERS, MESSY_NUMBERS),
            cell(rng, CLEAN_NUMBERS, MESSY_NUMBERS),
            cell(rng, CLEAN_TIMES, MESSY_TIMES),
            cell(rng, CLEAN_TIMES, MESSY_TIMES),
            rng.choice(STATUSES),
            cell(rng, CLEAN_NUMBERS, MESSY_NUMBERS),
            rng.choice(["卫衣", "T恤", None]),
        ]
        for _ in range(rng.randint(1, 40))
    ]
    fast, slow = typed_both_ways([ORDER_HEADERS, *lines], "orders")
    assert_same(fast, slow)


TRAFFIC_HEADERS = ["日期", "来源", "访客数", "支付买家数", "支付金额", "支付转化率"]


@pytest.mark.parametrize("seed", range(8))
def test_traffic_cast_first_equals_macros(seed):
    rng = random.Random(seed)
    lines = [
        [
            cell(rng, CLEAN_DATES, MESSY_DATES),
            rng.choice(["手淘搜索", "直通车", "合计"]),
            cell(rng, CLEAN_NUMBERS, MESSY_NUMBERS),
            cell(rng, CLEAN_NUMBERS, MESSY_NUMBERS),
            cell(rng, CLEAN_NUMBERS, MESSY_NUMBERS),
            cell(rng, CLEAN_NUMBERS + ["2.5%"], MESSY_NUMBERS),
        ]
        for _ in range(rng.randint(1, 40))
    ]
    fast, slow = typed_both_ways([TRAFFIC_HEADERS, *lines], "traffic")
    assert_same(fast, slow)


def test_every_listed_cell_is_typed_the_same():
    """Each cell form once, in every typed column, so none is left to chance."""
    numbers = CLEAN_NUMBERS + MESSY_NUMBERS + [None]
    times = CLEAN_TIMES + MESSY_TIMES + [None]
    n = max(len(numbers), len(times), len(IDS))
    rows = [ORDER_HEADERS] + [
        [
            IDS[i % len(IDS)],
            f"b{i}",
            numbers[i % len(numbers)],
            numbers[(i + 3) % len(numbers)],
            times[i % len(times)],
            times[(i + 5) % len(times)],
            STATUSES[i % len(STATUSES)],
            numbers[(i + 7) % len(numbers)],
            "卫衣",
        ]
        for i in range(n)
    ]
    fast, slow = typed_both_ways(rows, "orders")
    assert_same(fast, slow)
    # the cast path is really taken for these columns, and the mix has both outcomes
    plan = parse._Plan(
        ORDER_HEADERS,
        {
            h: c
            for h, c in zip(
                ORDER_HEADERS,
                [
                    "order_id",
                    "buyer_id",
                    "paid_amount",
                    "quantity",
                    "created_time",
                    "paid_time",
                    "status",
                    "refund_amount",
                    "product_name",
                ],
                strict=True,
            )
        },
        "orders",
        None,
        None,
    )
    assert sorted(plan.casts.values()) == ["ss_int", "ss_money", "ss_money", "ss_ts", "ss_ts"]
    assert 0 < fast.rows_rejected < n
    assert fast.table.num_rows == n - fast.rows_rejected
    assert fast.table.schema.field("paid_amount").type == pa.decimal128(18, 2)


@pytest.mark.parametrize("cell", ["1e400", "inf", "-inf", "nan"])
def test_cast_of_no_finite_number_falls_back_to_the_macro(cell):
    """DuckDB casts 'inf' and 1e400 to an infinite double: never a value, always reported."""
    rows = [ORDER_HEADERS, ["1", "b", cell, "1", "2026-11-01 10:00:00", "", "交易成功", "0", "x"]]
    fast, slow = typed_both_ways(rows, "orders")
    assert_same(fast, slow)
    want = 0 if cell == "nan" else 1  # nan is a placeholder: read as 0
    assert fast.rows_rejected == want


def test_numbers_behind_an_excel_guard_are_read():
    """An ERP / JD-style export that guards every cell (="2", ="59.00") was refused:
    the guard was read on ids and times only."""
    rows = [
        ["订单号", "订购数量", "应付金额", "下单时间"],
        ['="281234567890"', '="2"', '="59.00"', '="2026-11-03 10:00:00"'],
        ['="281234567891"', "'1", '="1,299.00"', "2026-11-04 10:00:00"],
    ]
    fast, slow = typed_both_ways(rows, "orders")
    assert_same(fast, slow)
    assert fast.rows_rejected == 0
    got = fast.table.select(["order_id", "quantity", "paid_amount"]).to_pylist()
    assert [(r["order_id"], r["quantity"], str(r["paid_amount"])) for r in got] == [
        ("281234567890", 2, "59.00"),
        ("281234567891", 1, "1299.00"),
    ]


def test_abbreviated_thousands_and_chinese_am_pm_are_read():
    con = parse._connect()
    try:
        got = con.execute(
            "select ss_int('1.2w'), ss_int('1.5千'), ss_int('2k'), "
            "ss_ts('2026/11/03 10:00:00 上午'), ss_ts('2026/11/3 下午 3:05:00'), "
            "ss_ts('2026/11/3 下午3:05')"
        ).fetchone()
    finally:
        con.close()
    assert got[:3] == (12000, 1500, 2000)
    assert [t.strftime("%H:%M") for t in got[3:]] == ["10:00", "15:05", "15:05"]
