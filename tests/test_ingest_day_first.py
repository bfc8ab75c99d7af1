"""Dates with slashes: 05/11/2026 is 11 May in a US export and 5 November in a file saved
by a spreadsheet set to a day-first locale.  A column is read day first when one of its
dates can only be (31/10/2026) and none can only be month first."""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.ingest_files import load, write_csv, write_xlsx

HEADER = ["订单编号", "买家会员名", "订单付款时间", "买家实付金额", "商品总数量", "宝贝标题"]


def orders(times: list[str]) -> list[list[str]]:
    return [HEADER] + [
        [f"10{i:04d}", f"buyer{i}", t, "10.00", "1", "羊毛衫"] for i, t in enumerate(times)
    ]


def paid_days(ws) -> list[dt.date]:
    con = ws.connect(read_only=True)
    try:
        rows = con.execute("select order_time from orders order by order_id").fetchall()
    finally:
        con.close()
    return [r[0].date() if r[0] else None for r in rows]


DAY_FIRST = ["05/11/2026 10:12", "30/11/2026 09:00", "1/12/2026", " 12/11/2026 23:59:59"]
MONTH_FIRST = ["11/05/2026 10:12", "11/30/2026 09:00", "12/1/2026", "11/12/2026 11:59:59 PM"]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("times", [DAY_FIRST, MONTH_FIRST], ids=["day_first", "month_first"])
def test_each_column_is_read_the_way_it_is_written(tmp_path, fast, times):
    path = write_csv(tmp_path / "ExportOrderList.csv", orders(times))
    ws, r = load(tmp_path / "ws", path, fast=fast)
    assert (r.rows_loaded, r.rows_rejected) == (4, 0)
    assert paid_days(ws) == [
        dt.date(2026, 11, 5),
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 1),
        dt.date(2026, 11, 12),
    ]


def test_the_day_that_decides_may_come_after_the_first_rows(tmp_path):
    # 300 ambiguous dates, then the one that can only be day first
    times = ["03/11/2026 10:00"] * 300 + ["13/11/2026 10:00"]
    path = write_csv(tmp_path / "ExportOrderList.csv", orders(times))
    ws, r = load(tmp_path / "ws", path)
    assert (r.rows_loaded, r.rows_rejected) == (301, 0)
    days = paid_days(ws)
    assert days.count(dt.date(2026, 11, 3)) == 300 and days[-1] == dt.date(2026, 11, 13)


def test_a_column_that_is_neither_is_reported_row_by_row(tmp_path):
    # 13/11 only day first, 11/13 only month first: no reading fits both, neither is guessed
    path = write_csv(
        tmp_path / "ExportOrderList.csv", orders(["13/11/2026", "11/13/2026", "2026-11-14"])
    )
    ws, r = load(tmp_path / "ws", path)
    assert (r.rows_loaded, r.rows_rejected) == (2, 1)
    assert [e["value"] for e in r.errors] == ["13/11/2026"]
    assert sorted(d for d in paid_days(ws) if d) == [dt.date(2026, 11, 13), dt.date(2026, 11, 14)]


def test_day_first_text_dates_in_a_workbook(tmp_path):
    path = tmp_path / "ExportOrderList.xlsx"
    write_xlsx(path, {"订单": orders(DAY_FIRST[:2])})
    ws, r = load(tmp_path / "ws", path)
    assert (r.rows_loaded, r.rows_rejected) == (2, 0)
    assert paid_days(ws) == [dt.date(2026, 11, 5), dt.date(2026, 11, 30)]


@pytest.mark.parametrize("fast", [True, False])
def test_the_deciding_date_is_read_as_the_parser_reads_it(tmp_path, fast):
    # a no-break or zero-width space before it, full-width digits: still 31 October
    times = ["\xa031/10/2026 10:00", "\u200b05/11/2026 10:00", "３１／１０／２０２６"]
    path = write_csv(tmp_path / "ExportOrderList.csv", orders(times))
    ws, r = load(tmp_path / "ws", path, fast=fast)
    assert (r.rows_loaded, r.rows_rejected) == (3, 0)
    assert paid_days(ws) == [dt.date(2026, 10, 31), dt.date(2026, 11, 5), dt.date(2026, 10, 31)]


def test_both_ends_of_a_range_are_read_day_first(tmp_path):
    rows = [["日期", "流量来源", "访客数", "支付买家数"]] + [
        [day, "手淘搜索", "10", "1"] for day in ("03/11/2026~09/11/2026", "10/11/2026~16/11/2026")
    ]
    ws, r = load(tmp_path / "ws", write_csv(tmp_path / "流量来源.csv", rows))
    assert (r.kind, r.rows_loaded, r.rows_rejected) == ("traffic", 2, 0)
    con = ws.connect(read_only=True)
    try:
        got = con.execute("select date, date_end from traffic order by date").fetchall()
    finally:
        con.close()
    assert got == [
        (dt.date(2026, 11, 3), dt.date(2026, 11, 9)),
        (dt.date(2026, 11, 10), dt.date(2026, 11, 16)),
    ]
