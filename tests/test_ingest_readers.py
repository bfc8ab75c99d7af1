"""Readers: encodings, delimiters, file types sniffed from bytes, sheets, and the fast readers.

Every CSV case runs through both readers (DuckDB's CSV reader on a UTF-8 copy, and the
Python reference reader) and must give the same rows, errors and row numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile

import pyarrow as pa
import pytest
from fixtures.ingest_files import (
    load,
    sycm_traffic_two_sheets,
    table_rows,
    write_csv,
    write_html_xls,
    write_spreadsheetml,
    write_xls,
    write_xlsx,
)

from shopsight.ingest import IngestError, inspect_file, readers

ORDERS = [
    ["订单编号", "买家会员名", "买家实付金额", "订单创建时间", "收货地址"],
    [
        "1234567890123456789",
        "tb_甲",
        "1,288.50",
        "2026-11-01 10:00:00",
        "浙江省 杭州市 西湖区 文三路1号",
    ],
    ["1234567890123456790", "tb_乙", "99", "2026/11/2 09:30", "北京 北京市 朝阳区 建国路2号"],
    ["1234567890123456791", "tb_甲", "￥50.00", "2026年11月3日", "广东省 深圳市 南山区 科技园3号"],
]


def both(tmp_path, path, **kw):
    """Load through the fast and the reference readers; both results must agree."""
    ws_fast, fast = load(tmp_path / "fast", path, fast=True, **kw)
    ws_ref, ref = load(tmp_path / "ref", path, fast=False, **kw)
    assert (fast.kind, fast.rows_loaded, fast.rows_rejected, fast.errors) == (
        ref.kind,
        ref.rows_loaded,
        ref.rows_rejected,
        ref.errors,
    )
    assert table_rows(ws_fast, fast.kind) == table_rows(ws_ref, ref.kind)
    return ws_fast, fast


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ","),
        ("gbk", ","),
        ("gb18030", ","),
        ("utf-16", "\t"),
        ("utf-8", ";"),
        ("utf-8", "|"),
        ("utf-8", "\t"),
    ],
)
def test_csv_encodings_and_delimiters(tmp_path, encoding, delimiter):
    path = write_csv(tmp_path / "orders.csv", ORDERS, encoding=encoding, delimiter=delimiter)
    insp = inspect_file(path.read_bytes(), path.name)
    assert insp.kind == "orders" and insp.headers == ORDERS[0]
    ws, r = both(tmp_path, path)
    assert (r.rows_loaded, r.rows_rejected) == (3, 0)
    rows = table_rows(ws, "orders")
    assert [x[0] for x in rows] == [o[0] for o in ORDERS[1:]]
    assert {x[2] for x in rows} == {"tb_甲", "tb_乙"}
    assert sorted(x[7] for x in rows) == [50.0, 99.0, 1288.5]


def test_gb18030_only_character(tmp_path):
    rows = [*ORDERS[:2], [*ORDERS[2][:1], "𠮷野家", *ORDERS[2][2:]]]
    path = write_csv(tmp_path / "o.csv", rows, encoding="gb18030", newline="\r\n")
    with pytest.raises(UnicodeEncodeError):
        "𠮷".encode("gbk")
    ws, r = both(tmp_path, path)
    assert r.rows_loaded == 2
    assert "𠮷野家" in {x[2] for x in table_rows(ws, "orders")}


def test_csv_row_numbers_count_title_blank_and_multiline_rows(tmp_path):
    rows = [
        ["店铺名称：拾衣男装"],
        ["统计日期 2026-11-01~2026-11-30"],
        [],
        ORDERS[0],
        ORDERS[1],
        ["1234567890123456790", "tb_乙", "abc", "2026-11-02", "北京"],
        ORDERS[3],
    ]
    path = write_csv(tmp_path / "o.csv", rows)
    ws, r = both(tmp_path, path)
    assert r.rows_loaded == 2 and r.rows_rejected == 1
    assert r.errors == [
        {
            "row": 6,
            "column": "买家实付金额",
            "value": "abc",
            "message": "买家实付金额 (paid_amount): 'abc' is not an amount of money",
            "code": "bad_money",
            "args": {"header": "买家实付金额", "field": "paid_amount", "value": "abc"},
        }
    ]
    # a quoted cell over two lines is one row, as a spreadsheet shows it
    rows[4] = [ORDERS[1][0], "tb_\n甲", *ORDERS[1][2:]]
    path = write_csv(tmp_path / "o2.csv", rows)
    _, r = both(tmp_path / "2", path)
    assert r.errors[0]["row"] == 6 and r.rows_loaded == 2


def test_blank_lines_and_crlf_in_data(tmp_path):
    path = tmp_path / "o.csv"
    text = (
        "\r\n".join(",".join(r) for r in (ORDERS[0], ORDERS[2]))
        + "\r\n\r\n"
        + ",".join(ORDERS[3])
        + "\r\n\r\n"
    )
    path.write_bytes(text.encode("utf-8"))
    _, r = both(tmp_path, path)
    assert (r.rows_loaded, r.rows_rejected, r.errors) == (2, 0, [])


def test_big_csv_takes_the_duckdb_reader_and_agrees(tmp_path, monkeypatch):
    random.seed(3)
    rows = [ORDERS[0]]
    for i in range(3000):
        rows.append(
            [
                str(6000000000000000000 + i),
                f"tb_{i % 97}",
                f"{random.randint(1, 99999) / 100:,.2f}",
                f"2026-11-{1 + i % 30:02d} {i % 24:02d}:00:00",
                "江苏省 南京市 建邺区 某路" + str(i),
            ]
        )
    rows.insert(1500, ["合计", "", "", "", ""])
    rows[2000][2] = "n/a?"
    path = write_csv(tmp_path / "big.csv", rows)
    monkeypatch.setattr(readers, "HEAD_BYTES", 4096)  # grows until it holds HEAD_ROWS rows
    wb = readers.read_workbook(path)
    assert isinstance(wb.sheets[0].body, readers.CsvBody)
    assert len(wb.sheets[0].rows) == readers.HEAD_ROWS
    ws, r = both(tmp_path, path)
    assert r.rows_loaded == 2999 and r.rows_rejected == 1
    assert r.errors[0]["row"] == 2001 and r.errors[0]["value"] == "n/a?"


def test_file_type_comes_from_the_bytes(tmp_path):
    rows = [
        ["统计日期", "商品ID", "商品名称", "支付金额", "商品访客数", "成功退款金额"],
        ["2026-11-01", "792697457121", "卫衣", "100.5", "10", "-"],
        ["2026-11-02", "792697457122", "T恤", "0", "3", "5"],
    ]
    html = write_html_xls(tmp_path / "商品_全部.xls", [["商品效果"], [], *rows])
    xml = write_spreadsheetml(tmp_path / "商品_xml.xls", {"商品": [["商品效果"], *rows]})
    xls = write_xls(tmp_path / "商品_biff.xls", {"商品": [["商品效果"], *rows]})
    xlsx = write_xlsx(tmp_path / "商品.xlsx", {"商品": [["商品效果"], *rows]}, text_cols={1})
    text_named_xlsx = write_csv(tmp_path / "really_text.xlsx", rows)
    for path, ftype in (
        (html, "html"),
        (xml, "xml"),
        (xls, "xls"),
        (xlsx, "xlsx"),
        (text_named_xlsx, "csv"),
    ):
        insp = inspect_file(path.read_bytes(), path.name)
        assert (insp.file_type, insp.kind) == (ftype, "products"), path.name
        ws, r = load(tmp_path / ftype, path)
        assert (r.rows_loaded, r.rows_rejected) == (2, 0)
        got = {(x[2], x[15], x[16]) for x in table_rows(ws, "products")}  # id, paid, refund
        # 成功退款金额 `-`: an amount of a row that exists, so no refund (0), not unknown
        assert got == {("792697457121", 100.5, 0.0), ("792697457122", 0.0, 5.0)}, ftype


def test_gbk_html_table(tmp_path):
    rows = [["省份", "支付金额", "访客数"], ["浙江", "100", "10"], ["广西", "50", "5"]]
    path = write_html_xls(tmp_path / "地域.xls", rows, charset="gbk")
    ws, r = load(tmp_path, path)
    assert r.kind == "regions" and r.rows_loaded == 2
    assert {x[2] for x in table_rows(ws, "regions")} == {"浙江省", "广西壮族自治区"}


def test_every_sheet_listed_best_chosen_and_another_can_be_picked(tmp_path):
    orders = [ORDERS[0], ORDERS[1]]
    notes = [["说明"], ["这是说明页"]]
    products = [["统计日期", "商品ID", "支付金额"], ["2026-11-01", "1001", "5"]]
    path = write_xlsx(
        tmp_path / "book.xlsx", {"说明": notes, "订单": orders, "商品": products}, text_cols={0}
    )
    insp = inspect_file(path.read_bytes(), path.name)
    assert insp.sheets == ["说明", "订单", "商品"]
    assert (insp.sheet, insp.kind) == ("订单", "orders")
    picked = inspect_file(path.read_bytes(), path.name, sheet="商品")
    assert (picked.sheet, picked.kind) == ("商品", "products")
    _, r = load(tmp_path, path, sheet="商品")
    assert (r.kind, r.sheet, r.rows_loaded) == ("products", "商品", 1)
    with pytest.raises(IngestError, match="no sheet named '汇总'"):
        load(tmp_path / "x", path, sheet="汇总")


def test_pc_and_wireless_sheets_load_together_with_their_device(tmp_path):
    path = sycm_traffic_two_sheets(
        tmp_path / "【生意参谋平台】无线店铺流量来源-2026-11-01_2026-11-07.xls"
    )
    ws, r = load(tmp_path, path)
    assert (r.kind, r.sheet, r.rows_loaded) == ("traffic", "PC流量来源, 无线流量来源", 3)
    got = {(x[4], x[3], x[5], x[10]) for x in table_rows(ws, "traffic")}
    assert got == {
        ("PC", "手淘搜索", 1000, 20),
        ("无线", "手淘搜索", 5000, 150),
        ("无线", "直通车", 800, 12),
    }
    assert {(x[0], x[1]) for x in table_rows(ws, "traffic")} == {
        (dt.date(2026, 11, 1), dt.date(2026, 11, 7))
    }


def test_excel_columns_give_the_same_text_as_each_cell():
    values = [
        1.0,
        2.5,
        "",
        "x",
        None,
        True,
        False,
        1e15,
        1e16,
        123456789012345.6,
        0.1 + 0.2,
        -0.0,
        1.5e-7,
        2.5e-5,
        51882490324.074844,
        float("nan"),
        float("inf"),
        7,
        dt.datetime(2026, 11, 1, 10, 0),
        dt.datetime(2026, 11, 1, 10, 0, 0, 5),
        dt.date(2026, 11, 1),
        dt.time(9, 30),
        dt.timedelta(hours=1),
        " 空格 ",
    ]
    random.seed(1)
    values += [random.uniform(-1e6, 1e6) for _ in range(500)] + [float(i) for i in range(50)]
    want = [readers._cell_text(v) for v in values]
    assert readers.cells_to_text(values).to_pylist() == want
    floats = [v for v in values if isinstance(v, float)]
    assert readers.cells_to_text(floats).to_pylist() == [readers._cell_text(v) for v in floats]
    texts = ["a", "", "b"]
    assert readers.cells_to_text(texts) == pa.array(["a", None, "b"])
    # columns Arrow types by itself (text only, numbers only) take a faster path: the same text
    for column in (
        [7, 2.5, 3.0, -12],
        [10**16 + 1, 2.5],
        [2**53 + 1, 0.5],
        [1.5, None, 2.0],
        [True, 1.5],
        ["a", None, " b "],
        [1.0, "1"],
        [1e15, 3.0],
        [9.99e14, 3.0],
    ):
        assert readers.cells_to_text(column).to_pylist() == [readers._cell_text(v) for v in column]


def test_xlsx_fast_columns_and_cell_path_agree(tmp_path):
    rows = [["说明：订单导出"], ORDERS[0]]
    for i in range(300):
        rows.append(
            [
                str(1234567890000000000 + i),
                f"tb_{i % 7}",
                round(10 + i * 1.25, 2),
                dt.datetime(2026, 11, 1 + i % 28, i % 24),
                "浙江省 杭州市 西湖区 x路",
            ]
        )
    rows.append(["合计", None, 9999, None, None])
    rows.append([1.23e18, "tb_x", 1, dt.datetime(2026, 11, 2), "广东省 深圳市"])  # id as a number
    path = write_xlsx(tmp_path / "o.xlsx", {"订单": rows})
    ws, r = both(tmp_path, path)
    assert r.rows_loaded == 300 and r.rows_rejected == 1
    assert r.errors[0]["row"] == 304 and r.errors[0]["column"] == "订单编号"
    assert "scientific notation" in r.errors[0]["message"]


def _extent_by_every_reference(xml: bytes) -> tuple[int, int]:
    """The farthest row and column any reference of the sheet names, each one read."""
    rows = cols = 0
    for m in re.finditer(rb'<(?:\w+:)?(c|row|dimension)\s[^>]*?\b(?:r|ref)="([^"]*)"', xml):
        for ref in m[2].split(b":"):
            letters, digits = re.fullmatch(rb"([A-Z]*)([0-9]*)", ref).groups()
            if letters:
                cols = max(cols, readers._column_number(letters))
            if digits:
                rows = max(rows, int(digits))
    return rows, cols


def _space(rng: random.Random) -> bytes:
    """What parts a tag's name from its attributes: nearly always one space."""
    return rng.choice([b" "] * 30 + [b"\t", b"\n  ", b"\r\n"])


def _sheet_xml(rng: random.Random) -> bytes:
    """Rows mostly in order, with the odd far row early (some empty), a far cell in a near
    row, cells whose reference is not their first attribute or follows a tab or a line
    end, and prefixed tags."""
    parts = [b'<worksheet xmlns="x"><dimension ref="A1:C%d"/><sheetData>' % rng.randint(1, 50)]
    for r in range(1, 400):
        row = rng.choice([r, r, r, rng.randint(1, 5000)])
        tag = rng.choice([b"row", b"row", b"x:row"])
        attrs = rng.choice([b'r="%d"' % row, b'r="%d"' % row, b'spans="1:3" r="%d"' % row])
        cells = []
        for c in rng.sample(["A", "B", "C", "Z", "AA", "AB"], rng.randint(1, 3)):
            ref = b"%s%d" % (c.encode(), rng.choice([row, row, row, rng.randint(1, 9000)]))
            first = rng.choice([b'r="%s"' % ref, b'r="%s" s="1"' % ref, b's="1" r="%s"' % ref])
            cells.append(b"<c%s%s><v>%d</v></c>" % (_space(rng), first, r))
        parts.append(b"<%s%s%s>%s</%s>" % (tag, _space(rng), attrs, b"".join(cells), tag))
        if rng.random() < 0.02:  # an empty row far below: counted too
            parts.append(b'<row r="%d"/>' % rng.randint(1, 20000))
    return b"".join(parts) + b"</sheetData></worksheet>"


def test_xlsx_extent_finds_the_farthest_reference(tmp_path, monkeypatch):
    # pieces much smaller than the sheet: references cut by a piece's end, rows in later
    # pieces beyond those seen, and every way of writing a cell meet the piece logic
    monkeypatch.setattr(readers, "_EXTENT_PIECE", 4096 + 512)
    rng = random.Random(7)
    for i in range(40):
        xml = _sheet_xml(rng)
        if i % 3 == 0:  # the common shape: every tag written `<c r="…` / `<row r="…`
            xml = re.sub(rb"<x:row(\s)", rb"<row\1", xml).replace(b"</x:row>", b"</row>")
            xml = re.sub(rb'<(c|row) (?:s|spans)="[^"]*" r=', rb"<\1 r=", xml)
        elif i % 3 == 1:  # the farthest cell, written with its reference second, mid-sheet
            at = xml.index(b"<c ", len(xml) // 2)
            xml = xml[:at] + b'<c s="2" r="BC%d"/>' % (9999 + i) + xml[at:]
        path = tmp_path / f"s{i}.zip"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("xl/worksheets/sheet1.xml", xml)
        with zipfile.ZipFile(path) as z:
            got = readers._xlsx_extent(z, "xl/worksheets/sheet1.xml")
        assert got == _extent_by_every_reference(xml), i


@pytest.mark.parametrize("sep", [b"\t", b"\n", b"\r\n  ", b" "])
def test_a_far_cell_after_any_whitespace_is_refused_before_calamine(sep, monkeypatch):
    monkeypatch.setattr(readers, "_EXTENT_PIECE", 4096 + 512)  # the far cell in a late piece
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(1, 3000))
    far = b'<row r="3000"><c' + sep + b'r="XFD1048576"><v>1</v></c></row>'
    xml = b'<worksheet xmlns="x"><sheetData>' + rows + far + b"</sheetData></worksheet>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    with pytest.raises(IngestError) as e:
        readers._guard_xlsx(buf.getvalue())
    assert e.value.code in {"sheet_rows", "sheet_columns"}


def test_legacy_xls_values(tmp_path):
    path = write_xls(
        tmp_path / "询盘.xls",
        {
            "询盘": [
                ["日期", "客户ID", "是否成交", "询盘渠道"],
                ["2026-11-01", "c1", "是", "旺旺"],
                ["2026-11-02", "c2", "否", "电话"],
            ]
        },
    )
    ws, r = load(tmp_path, path)
    assert (r.kind, r.rows_loaded) == ("inquiries", 2)
    assert {(x[1], x[4]) for x in table_rows(ws, "inquiries")} == {("c1", True), ("c2", False)}


def test_old_mac_line_ends_and_no_final_newline(tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes("\r".join(",".join(r) for r in (ORDERS[0], ORDERS[2], ORDERS[3])).encode())
    _, r = both(tmp_path, path)
    assert (r.rows_loaded, r.rows_rejected) == (2, 0)
    path = tmp_path / "lf.csv"
    path.write_bytes("\n".join(",".join(r) for r in (ORDERS[0], ORDERS[2], ORDERS[3])).encode())
    _, r = both(tmp_path / "lf", path)
    assert (r.rows_loaded, r.rows_rejected) == (2, 0)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_an_html_xls_is_read_in_its_bytes_encoding_whatever_its_meta_says(encoding):
    # the meta charset copied from a template: UTF-8 bytes under gb2312 were refused
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "</head><body><table><tr><td>商品名称</td><td>支付金额</td></tr>"
        "<tr><td>羽绒服</td><td>1,299.00</td></tr></table></body></html>"
    )
    wb = readers.read_html(page.encode(encoding))
    assert wb.sheets[0].rows == [["商品名称", "支付金额"], ["羽绒服", "1,299.00"]]


def test_a_windows_1252_export_is_read_as_such_and_chinese_as_gb18030():
    """A Shopify export saved by Excel on a Western Windows: Zürich was read as GB18030
    (Z黵ich), silently; a byte GB18030 cannot read refused the file."""
    latin = "Name,Lineitem name,Shipping City\r\n#1001,Müller Brötchen – Korb,Zürich\r\n"
    assert readers.detect_encoding(latin.encode("cp1252")) == "cp1252"
    assert readers.decode_text(latin.encode("cp1252"))[0] == latin
    assert readers.detect_encoding("#1002,Señor\x81,Málaga".encode("latin-1")) == "latin-1"
    for chinese in (
        "商品名称,性别\r\n羽绒服,男\r\n卫衣,女\r\n",
        "訂單編號,買家會員名,收貨地址\r\n1001,張三,臺灣省 臺北市\r\n",  # traditional characters
        "a,b\r\n1,中\r\n2,x\r\n",
    ):
        assert readers.detect_encoding(chinese.encode("gb18030")) == "gb18030", chinese
