"""Ids that went through Excel as numbers keep 15 significant digits: 19-digit 抖店 and 快手
order ids come back ending in zeros, and different orders would read as one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fixtures.ingest_files import fetch, load, write_csv, write_xlsx

from shopsight.ingest import IngestError, messages

HEADER = ["主订单编号", "商品ID", "商品数量", "订单应付金额", "支付完成时间", "订单状态"]


def line(order_id, product_id, amount: str) -> list:
    return [order_id, product_id, 1, amount, "2025-04-02 10:11:30", "已完成"]


def test_order_ids_cut_in_a_csv_are_refused_naming_row_and_column(tmp_path):
    rows = [HEADER] + [
        line(str(6925431234567890000 + k * 10_000), "3612345678901234567", "59.00")
        for k in range(3)
    ]
    with pytest.raises(IngestError) as e:
        load(tmp_path, write_csv(tmp_path / "1745812345678_order_export.csv", rows))
    assert "row 2, 主订单编号 (order_id): '6925431234567890000' was cut to 15 digits" in str(
        e.value
    )
    assert e.value.code == "nothing_loaded"
    zh = messages.text(
        "cut_id",
        {"header": "主订单编号", "field": "order_id", "value": "6925431234567890000"},
        "zh",
    )
    assert "15 位有效数字" in zh and "主订单编号" in zh


def test_ids_stored_as_numbers_in_a_workbook_are_refused(tmp_path):
    # 16-digit 快手 ids typed into Excel: 2412300012345678 is stored as 2412300012345670
    rows = [HEADER] + [line(float(2412300012345600 + k * 10), 1001, "10.00") for k in range(4)]
    with pytest.raises(IngestError, match="'2412300012345600' was cut to 15 digits"):
        load(tmp_path, write_xlsx(tmp_path / "快手订单.xlsx", {"Sheet1": rows}))


def test_only_the_rows_with_a_cut_id_are_refused(tmp_path):
    # the product ids were cut (抖店 19-digit 商品ID); the rows with short ids load
    rows = [HEADER]
    rows += [
        line(f"69200000000010{k}", str(3612345678901230000 + k * 10_000), "59.00") for k in range(3)
    ]
    rows += [line("6920000000009999", "88", "10.00")]
    ws, r = load(tmp_path / "ws", write_csv(tmp_path / "1745812345678_order_export.csv", rows))
    assert (r.rows_loaded, r.rows_rejected) == (1, 3)
    assert {(e["row"], e["column"], e["code"]) for e in r.errors} == {
        (2, "商品ID", "cut_id"),
        (3, "商品ID", "cut_id"),
        (4, "商品ID", "cut_id"),
    }


@pytest.mark.parametrize(
    "ids",
    [
        # real 19-digit ids, some ending in a zero or two
        ["6920000000001047290", "6920000000002094500", "6920000000000628374"],
        # 16 digits, each ending in 0: one digit past the 15th each, too few to tell
        ["2412300012345670", "2412300012345680"],
    ],
    ids=["19-digit", "two-16-digit"],
)
def test_long_ids_that_end_in_zeros_by_chance_load(tmp_path, ids):
    rows = [HEADER] + [line(i, "3612345678901234567", "59.00") for i in ids]
    ws, r = load(tmp_path / "ws", write_csv(tmp_path / "1745812345678_order_export.csv", rows))
    assert (r.rows_loaded, r.rows_rejected) == (len(ids), 0)
    assert fetch(ws, "select count(distinct order_id), sum(paid_amount) from orders") == [
        (len(ids), Decimal("59.00") * len(ids))
    ]
