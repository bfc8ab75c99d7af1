"""Placeholders and broken lines in real-layout exports.

- `-`, `--`, `暂无` or an empty cell in a metric column never rejects a row: a count or
  amount reads as 0, a rate / AOV as no value, and the report counts those cells;
- a CSV line that is not well-formed (a quote that never closes, too few cells) is
  refused with its row number and never loaded;
- impossible values (negative counts, buyers > visitors, a rate over 100%) load, with a
  warning naming the row.
Expected values come from the raw files through the csv module, not from the loader.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import shown
from fixtures import ingest_files as f

WILD = Path(__file__).resolve().parent / "fixtures" / "wild"
SYCM = WILD / "【生意参谋平台】无线店铺流量来源-2026-10-01_2026-10-31.csv"
BROKEN = WILD / "店铺流量_日报_broken_last_line.csv"
PLACEHOLDERS = {"", "-", "--", "暂无"}
ZERO = ["访客数", "浏览量", "收藏人数", "加购人数", "下单买家数", "支付金额", "支付买家数"]
EMPTY = ["下单转化率", "支付转化率", "客单价"]


def _records(path: Path, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding=encoding), newline="")))


def _num(text: str) -> float:
    return 0.0 if text.strip() in PLACEHOLDERS else float(text.replace(",", ""))


def _rows(ws, sql: str) -> list[tuple]:
    con = ws.connect(read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_placeholders_in_metrics_load_the_row(tmp_path):
    records = _records(SYCM, "gb18030")
    h = next(i for i, r in enumerate(records) if r and r[0] == "来源")
    head, body = records[h], records[h + 1 :]
    col = {name: head.index(name) for name in head}
    ws, r = f.load(tmp_path, SYCM)
    assert (r.kind, r.rows_loaded, r.rows_rejected, r.errors) == ("traffic", len(body), 0, [])
    got = _rows(
        ws,
        "select source_detail, visitors, paying_buyers, paid_amount, favorite_buyers "
        "from traffic order by source_detail",
    )
    want = sorted(
        (
            row[col["来源明细"]],
            _num(row[col["访客数"]]),
            _num(row[col["支付买家数"]]),
            _num(row[col["支付金额"]]),
            _num(row[col["收藏人数"]]),
        )
        for row in body
    )
    assert [(a, float(b), float(c), float(d), float(e)) for a, b, c, d, e in got] == want
    # every placeholder cell is counted once, under its header, as 0 or as no value
    count = {name: sum(row[col[name]].strip() in PLACEHOLDERS for row in body) for name in head}
    assert r.cells_as_zero == {n: count[n] for n in ZERO if count[n]}
    assert r.cells_as_empty == {n: count[n] for n in EMPTY if count[n]}
    assert r.cells_as_zero["支付买家数"] == 3 and r.cells_as_empty["客单价"] == 3
    assert r.as_json()["cells_as_zero"] == r.cells_as_zero


def test_the_period_and_the_placeholder_rows_count_in_the_sums(tmp_path):
    ws, r = f.load(tmp_path, SYCM)
    records = _records(SYCM, "gb18030")
    body = records[5:]
    ((visitors, buyers, first, last),) = _rows(
        ws, "select sum(visitors), sum(paying_buyers), min(date), max(date_end) from traffic"
    )
    assert visitors == sum(_num(row[2]) for row in body)
    assert buyers == sum(_num(row[10]) for row in body)
    assert (first.isoformat(), last.isoformat()) == ("2026-10-01", "2026-10-31")


@pytest.mark.parametrize("fast", [True, False])
def test_broken_lines_are_refused_and_impossible_values_warned(tmp_path, fast):
    text = BROKEN.read_text(encoding="utf-8")
    lines = text.splitlines()
    head = lines[0].split(",")
    ws, r = f.load(tmp_path, BROKEN, fast=fast)
    # the last line opens a quote it never closes; the one before has 3 of 7 cells
    assert [(e["row"], e["message"]) for e in r.errors] == [
        (len(lines) - 1, "the line is not well-formed CSV: 3 cells where the header has 7"),
        (len(lines), "the line is not well-formed CSV: a quote opens and never closes"),
    ]
    assert (r.rows_loaded, r.rows_rejected) == (len(lines) - 3, 2)
    sources = [s for (s,) in _rows(ws, "select source from traffic")]
    assert not any("," in s for s in sources)
    # warnings: computed from the well-formed lines themselves
    good = list(csv.reader(io.StringIO("\n".join(lines[1:-2]))))
    v, b, rate = head.index("访客数"), head.index("支付买家数"), head.index("支付转化率")
    want = set()
    for n, row in enumerate(good, start=2):
        if _num(row[v]) < 0:
            want.add((n, "访客数"))
        if _num(row[b]) > _num(row[v]):
            want.add((n, "支付买家数"))
        if row[rate].strip() not in PLACEHOLDERS and float(row[rate].rstrip("%")) > 100:
            want.add((n, "支付转化率"))
    assert {(w["row"], w["column"]) for w in r.warnings} == want
    assert len(want) == 4
    assert all("check the file" in w["message"] for w in r.warnings)


def test_data_page_shows_warnings_and_placeholder_counts(app, empty_ws):
    from shopsight.i18n import t
    from shopsight.ui.upload import file_slug

    data = BROKEN.read_bytes()
    at = app("empty", "views/data.py")
    at.file_uploader(key="data_upload").upload(BROKEN.name, data, "text/csv").run()
    slug = file_slug(BROKEN.name, len(data))
    at.button(key=f"data_load_{slug}").click().run()
    assert not at.exception and not at.error
    warnings = [shown(w.value) for w in at.warning]
    assert t("data.rejected", "zh", rows=2, file=BROKEN.name) in warnings
    assert t("data.warnings", "zh", rows=2) in warnings  # rows 5 and 6
    problem = t("data.rt_message", "zh")
    table = next(
        d.value
        for d in at.dataframe
        if problem in d.value.columns and d.value[problem].str.contains("请核对原文件").any()
    )
    assert sorted(set(table[t("data.rt_row", "zh")])) == [5, 6]
    assert t("data.cells_as_zero", "zh", cols="支付买家数 1 个、支付金额 1 个") in [
        c.value for c in at.caption
    ]
    assert t("data.cells_as_empty", "zh", cols="支付转化率 1 个") in [c.value for c in at.caption]
    assert {b.key for b in at.get("download_button")} >= {f"data_warnings_{slug}"}


def test_negative_amounts_and_refunds_above_the_payment_are_warned(tmp_path):
    header = [
        "订单编号",
        "订单状态",
        "宝贝标题",
        "购买数量",
        "买家实付金额",
        "退款金额",
        "订单付款时间",
    ]
    rows = [header]
    for order, paid, refund in [
        ("R1", "10.00", "100.00"),
        ("R2", "10.00", "-5"),
        ("R3", "10.00", "10.00"),
    ]:
        rows.append([order, "交易成功", "x", 1, paid, refund, "2025-06-01 10:00:05"])
    rows.append(["R4", "交易成功", "x", 1, "-10.00", "", "2025-06-01 10:00:05"])
    ws, r = f.load(tmp_path, f.write_csv(tmp_path / "ExportOrderList.csv", rows))
    assert r.rows_loaded == 4
    assert [(w["row"], w["column"], w["code"], w["args"]) for w in r.warnings] == [
        (2, "退款金额", "more_than", {"field": "refund_amount", "whole": "paid_amount"}),
        (3, "退款金额", "negative", {"field": "refund_amount"}),
        (5, "买家实付金额", "negative", {"field": "paid_amount"}),
    ]
