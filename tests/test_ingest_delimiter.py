"""The delimiter is sniffed by a quote-aware reader: commas inside quoted cells (multi-item
orders' 商家编码, titles) never count as separators."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fixtures import ingest_files as f

from shopsight.ingest import readers

WILD = Path(__file__).resolve().parent / "fixtures" / "wild"
MULTI = WILD / "ExportOrderList_multi_item.csv"


def _raw(path: Path, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding=encoding), newline="")))


def test_multi_item_order_lines_keep_the_comma(tmp_path):
    raw = _raw(MULTI, "gb18030")
    text = MULTI.read_text(encoding="gb18030")
    # the file's first lines hold quoted commas and a `;` inside every single-item 修改后的sku
    assert any("," in c for c in raw[1]) and sum(";" in r[-1] for r in raw[1:201]) > 100
    assert readers.sniff_delimiter(text) == ","
    ws, r = f.load(tmp_path, MULTI)
    assert (r.kind, r.rows_loaded, r.rows_rejected) == ("orders", len(raw) - 1, 0)
    con = ws.connect(read_only=True)
    try:
        got = sorted(x[0] for x in con.execute("select sku_id from orders").fetchall())
    finally:
        con.close()
    want = sorted(row[raw[0].index("商家编码")] for row in raw[1:])
    assert got == want
    assert "QTCS021-NV-XL,QTCS017-GY-M" in got


def test_tab_separated_with_commas_and_semicolons_in_quoted_titles():
    rows = [["统计日期", "商品ID", "商品名称", "支付金额"]]
    rows += [["2026-11-01", str(600000 + i), f"T恤,纯棉;宽松,{i}码", "10"] for i in range(30)]
    buf = io.StringIO()
    csv.writer(buf, delimiter="\t", quoting=csv.QUOTE_ALL).writerows(rows)
    assert readers.sniff_delimiter(buf.getvalue()) == "\t"


def test_a_record_over_two_lines_is_one_record():
    text = 'a;b;c\n1;"x\ny;z";3\n4;5;6\n'
    assert readers.sniff_delimiter(text) == ";"
