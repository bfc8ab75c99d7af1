"""生意参谋's traffic sources in two levels (来源 > 来源明细), with the first level merged
down its group: as merged Excel cells, as blank cells below the group's first row, and
as an HTML table's rowspan. Each reads like the flat file."""

from __future__ import annotations

import xlsxwriter
from fixtures.ingest_files import fetch, load, write_csv, write_xlsx

from shopsight.ingest import readers

NAME = "【生意参谋平台】无线店铺流量来源-2026-11-01_2026-11-07"
HEADER = ["来源", "来源明细", "访客数", "支付买家数", "支付金额"]
FLAT = [
    ["淘内免费", "手淘搜索", 5866, 120, "19563.33"],
    ["淘内免费", "手淘推荐", 7748, 102, "40732.83"],
    ["淘内免费", "淘内免费其他", 401, 3, "88.00"],
    ["付费流量", "直通车", 800, 20, "3000.00"],
    ["付费流量", "引力魔方", 300, 4, "500.50"],
    ["合计", None, 15115, 249, "63884.66"],
]


def blanked(rows):
    """The 来源 of each group only on its first row."""
    out, last = [], None
    for r in rows:
        out.append([None if r[0] == last and r[0] != "合计" else r[0], *r[1:]])
        last = r[0]
    return out


def by_source(ws) -> list[tuple]:
    con = ws.connect(read_only=True)
    try:
        return con.execute(
            "select source, source_detail, visitors, paying_buyers, paid_amount from traffic "
            "order by source, source_detail"
        ).fetchall()
    finally:
        con.close()


def html_with_rowspan(rows) -> str:
    body, i = [], 0
    while i < len(rows):
        n = 1
        while i + n < len(rows) and rows[i + n][0] is None:
            n += 1
        for k, r in enumerate(rows[i : i + n]):
            cells = [] if k else [f'<td rowspan="{n}">{r[0]}</td>']
            cells += [f"<td>{'' if v is None else v}</td>" for v in r[1:]]
            body.append("<tr>" + "".join(cells) + "</tr>")
        i += n
    head = "<tr>" + "".join(f"<th>{h}</th>" for h in HEADER) + "</tr>"
    return f"<html><body><table>{head}{''.join(body)}</table></body></html>"


def flat_sources(tmp_path) -> list[tuple]:
    flat_ws, flat = load(tmp_path / "flat", write_csv(tmp_path / f"{NAME}.csv", [HEADER, *FLAT]))
    want = by_source(flat_ws)
    assert flat.rows_loaded == 5 and len({r[0] for r in want}) == 2
    return want


def assert_reads_as_flat(tmp_path, rows, want, summary_rows: int, encoding="utf-8") -> None:
    """rows as CSV by both readers and as an HTML .xls with rowspans: the flat file's rows."""
    (tmp_path / "in").mkdir()
    path = write_csv(tmp_path / "in" / f"{NAME}.csv", [HEADER, *rows], encoding)
    for fast in (True, False):
        ws, r = load(tmp_path / f"csv{fast}", path, fast=fast)
        assert (r.rows_loaded, r.summary_rows_dropped) == (5, summary_rows)
        assert by_source(ws) == want
    html = tmp_path / "in" / f"{NAME}.xls"
    html.write_text(html_with_rowspan(rows), encoding="utf-8")
    ws, _ = load(tmp_path / "html", html)
    assert by_source(ws) == want


def test_blank_or_merged_first_level_sources_take_their_groups(tmp_path):
    want = flat_sources(tmp_path)
    assert_reads_as_flat(tmp_path, blanked(FLAT), want, 1, "gbk")

    # merged ranges: a workbook holds the value in the range's first cell only
    path = tmp_path / f"{NAME}.xlsx"
    write_xlsx(path, {"无线": [HEADER, *blanked(FLAT)]})
    ws, _ = load(tmp_path / "xlsx", path)
    assert by_source(ws) == want
    merged = tmp_path / "m" / f"{NAME}.xlsx"
    merged.parent.mkdir()
    book = xlsxwriter.Workbook(str(merged))
    sheet = book.add_worksheet("无线")
    for i, row in enumerate([HEADER, *FLAT]):
        sheet.write_row(i, 1, row[1:])
    sheet.write_row(0, 0, HEADER[:1])
    sheet.merge_range(1, 0, 3, 0, "淘内免费")
    sheet.merge_range(4, 0, 5, 0, "付费流量")
    sheet.write(6, 0, "合计")
    book.close()
    ws, _ = load(tmp_path / "merged", merged)
    assert by_source(ws) == want


def with_group_totals(rows):
    """Each group's own row first, its 来源明细 blank and its numbers the group's, then its
    details with 来源 blank (合计 as it was)."""
    out, groups = [], {}
    for r in rows:
        if r[0] != "合计":
            groups.setdefault(r[0], []).append(r)
    for name, details in groups.items():
        out.append([name, None, *(sum(float(d[k]) for d in details) for k in (2, 3, 4))])
        out += [[None, *d[1:]] for d in details]
    return out + [r for r in rows if r[0] == "合计"]


def test_a_group_total_above_its_details_is_not_counted_again(tmp_path):
    assert_reads_as_flat(tmp_path, with_group_totals(FLAT), flat_sources(tmp_path), 3)


def test_a_group_total_is_dropped_when_every_row_names_its_source(tmp_path):
    # the layout after unmerging and filling down in a spreadsheet
    rows = [r if r[0] is None else r for r in with_group_totals(FLAT)]
    flat = []
    for r in rows:
        flat.append([r[0] or flat[-1][0], *r[1:]])
    want = flat_sources(tmp_path)
    ws, r = load(tmp_path / "g", write_csv(tmp_path / f"g_{NAME}.csv", [HEADER, *flat]))
    assert (r.rows_loaded, r.summary_rows_dropped) == (5, 3)
    assert by_source(ws) == want


def test_a_source_without_details_beside_detailed_groups_is_kept(tmp_path):
    rows = [
        HEADER,
        *blanked(FLAT[:2]),
        ["直通车", None, 50, 1, "100.00"],
        ["站外", None, 9, 0, "0"],
    ]
    ws, r = load(tmp_path, write_csv(tmp_path / f"{NAME}.csv", rows))
    assert (r.rows_loaded, r.summary_rows_dropped) == (4, 0)
    assert [row[:3] for row in by_source(ws)] == [
        ("淘内免费", "手淘推荐", 7748),
        ("淘内免费", "手淘搜索", 5866),
        ("直通车", None, 50),
        ("站外", None, 9),
    ]


def test_a_row_without_either_level_keeps_no_source(tmp_path):
    rows = [HEADER, *blanked(FLAT[:2]), [None, None, 7, 0, "0.00"]]
    ws, r = load(tmp_path, write_csv(tmp_path / f"{NAME}.csv", rows))
    assert r.rows_loaded == 3
    assert [row[0] for row in by_source(ws)] == ["淘内免费", "淘内免费", None]


def test_header_rows_keep_their_own_columns_under_spans():
    p = readers._TableParser()
    p.feed(
        '<table><tr><td rowspan="2">店铺流量来源</td></tr><tr><th>来源</th><th>访客数</th></tr>'
        "<tr><td>淘内免费</td><td>100</td></tr></table>"
        "<table><tr><th rowspan=2>来源</th><th colspan=2>指标</th></tr>"
        "<tr><th>访客数</th><th>金额</th></tr><tr><td>a</td><td>1</td><td>2</td></tr></table>"
    )
    assert p.tables == [
        [["店铺流量来源"], ["来源", "访客数"], ["淘内免费", "100"]],
        [["来源", "指标", None], ["访客数", "金额"], ["a", "1", "2"]],
    ]


def test_html_spans_keep_later_cells_in_their_columns():
    p = readers._TableParser()
    p.feed(
        "<table><tr><td rowspan=2>a</td><td>b</td><td>c</td></tr><tr><td>d</td><td>e</td></tr>"
        "<tr><td colspan=2>f</td><td>g</td></tr>"
        "<tr><td>h</td><td rowspan=3>i</td><td>j</td></tr><tr><td>k</td></tr>"
        "<tr><td>l</td><td>m</td></tr><tr><td rowspan=0>n</td><td>o</td></tr><tr><td>p</td></tr>"
        "</table>"
    )
    assert p.tables == [
        [
            ["a", "b", "c"],
            [None, "d", "e"],
            ["f", None, "g"],
            ["h", "i", "j"],
            ["k", None],
            ["l", None, "m"],
            ["n", "o"],
            [None, "p"],  # rowspan=0: to the end of the table
        ]
    ]


def test_names_ids_and_dates_merged_down_a_column_fill_every_row_numbers_stay_once(tmp_path):
    """A hand-kept 1688 询盘 sheet merges 询盘日期 and 客户名称 over a customer's rows: the
    second row was rejected (a required value is empty) and a merged 客户类型 read as
    none.  A merged amount is the group's one amount; a title over the columns stays."""
    path = tmp_path / "1688询盘统计_202611.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("询盘")
    sheet.merge_range(0, 0, 0, 5, "统计时间：2026-11-01~2026-11-30")
    sheet.write_row(1, 0, ["询盘日期", "客户名称", "客户类型", "询盘渠道", "是否成交", "成交金额"])
    sheet.merge_range(2, 0, 3, 0, "2026-11-03")
    sheet.merge_range(2, 1, 3, 1, "杭州某服饰有限公司")
    sheet.merge_range(2, 5, 3, 5, 1200)
    sheet.write_row(2, 2, ["企业", "旺旺", "成交"])
    sheet.write_row(3, 2, [None, "电话", "未成交"])
    sheet.write_row(4, 0, ["2026-11-04", "个体户张三"])
    sheet.merge_range(4, 2, 5, 2, "个人")
    sheet.write_row(4, 3, ["旺旺", "未成交"])
    sheet.write_row(5, 0, ["2026-11-04", "个体户李四", None, "旺旺", "成交", 300])
    book.close()
    rows = readers.read_excel(path.read_bytes(), "xlsx").sheets[0].rows
    assert rows[0][:2] == ["统计时间：2026-11-01~2026-11-30", None]
    assert [r[:3] for r in rows[2:]] == [
        ["2026-11-03", "杭州某服饰有限公司", "企业"],
        ["2026-11-03", "杭州某服饰有限公司", None],
        ["2026-11-04", "个体户张三", "个人"],
        ["2026-11-04", "个体户李四", "个人"],
    ]
    assert [r[5] for r in rows[2:]] == ["1200", None, None, "300"]
    ws, report = load(tmp_path / "ws", path)
    assert (report.kind, report.rows_loaded, report.rows_rejected) == ("inquiries", 4, 0)
    got = fetch(
        ws,
        "select customer_type, cast(coalesce(sum(amount), 0) as int) from inquiries "
        "group by 1 order by 1 nulls first",
    )
    assert got == [(None, 0), ("个人", 300), ("企业", 1200)]


def test_merged_ids_fill_and_merged_amounts_stay_once_as_numbers_or_text(tmp_path):
    """An order's lines under a merged 订单号 (a 12-digit number cell) and a merged 实付金额
    (377.00 written as text): the id is every line's, the amount the order's, once. The
    amount was counted on each line, the id left on the first line only."""
    path = tmp_path / "订单明细.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("订单")
    sheet.write_row(0, 0, ["订单号", "下单时间", "商品名称", "购买数量", "实付金额"])
    sheet.merge_range(1, 0, 2, 0, 250000001234)
    sheet.merge_range(1, 1, 2, 1, "2026-11-03 10:00:00")
    sheet.merge_range(1, 4, 2, 4, "377.00")
    sheet.write_row(1, 2, ["卫衣", 1])
    sheet.write_row(2, 2, ["袜子", 2])
    sheet.write_row(3, 0, [250000001235, "2026-11-04 09:00:00", "帽子", 1, "258.00"])
    book.close()
    ws, report = load(tmp_path / "ws", path)
    assert (report.kind, report.rows_loaded, report.rows_rejected) == ("orders", 3, 0)
    got = fetch(ws, "select count(distinct order_id), sum(quantity), sum(paid_amount) from orders")
    assert got == [(2, 4, 635)]
