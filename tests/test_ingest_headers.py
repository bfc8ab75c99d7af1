"""Header rows below title rows, clean header names, the period and the device."""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.ingest_files import (
    fetch,
    load,
    pdd_orders,
    sycm_regions,
    table_rows,
    write_csv,
    write_xlsx,
)

from shopsight.ingest import detect, headers, inspect_file, synonyms


def test_header_row_found_below_title_and_metadata_rows():
    rows = [
        ["店铺名称：拾衣男装旗舰店"],
        ["统计日期 2026-10-01~2026-10-31"],
        ["下载时间：2026-11-01 09:00"],
        [],
        ["统计日期", "商品ID", "商品访客数", "支付金额"],
        ["2026-10-01", "1", "3", "4"],
    ]
    assert headers.find_header_row(rows) == 4
    assert headers.find_period(headers.title_lines(rows, 4), "x.csv") == (
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
    )


def test_period_from_title_skips_comparison_and_download_lines():
    lines = [
        "对比周期：2026-10-25~2026-10-31",
        "下载时间：2026-11-08",
        "统计时间：2026-11-01~2026-11-07",
    ]
    assert headers.find_period(lines, "") == (dt.date(2026, 11, 1), dt.date(2026, 11, 7))
    assert headers.find_period(["统计日期：2026-11-03"], "") == (dt.date(2026, 11, 3),) * 2


@pytest.mark.parametrize(
    ("line", "period"),
    [
        # the period and the download time in one title row (two cells, joined)
        (
            "统计时间：2026-11-01~2026-11-07 下载时间：2026-11-08 09:41:27",
            ("2026-11-01", "2026-11-07"),
        ),
        (
            "统计时间：2026-11-01~2026-11-07（对比周期：2026-10-25~2026-10-31）",
            ("2026-11-01", "2026-11-07"),
        ),
        (
            "对比周期：2026-10-25~2026-10-31 统计时间：2026-11-01~2026-11-07",
            ("2026-11-01", "2026-11-07"),
        ),
        # a month alone after its label
        ("统计月份：2026-11", ("2026-11-01", "2026-11-30")),
        ("统计时间：2026年12月", ("2026-12-01", "2026-12-31")),
        ("统计时间：2026-02", ("2026-02-01", "2026-02-28")),
        ("统计时间：2026-11-01 00:00:00 至 2026-11-07 23:59:59", ("2026-11-01", "2026-11-07")),
        ("导出日期：2026-12-01 统计时间：2026-11-01~2026-11-07", ("2026-11-01", "2026-11-07")),
        # stamps of the export and other dates are no period
        ("下载时间：2026-11-08 09:41:27", None),
        ("下载日期：2026-12-01", None),
        ("数据更新时间：2026年12月1日 08:00:00", None),
        ("生成时间：2026年12月", None),
        ("活动时间：2026年11月11日-11月13日", None),
        ("数据更新至2026-11", None),
        ("统计时间：2026-13", None),
    ],
)
def test_period_from_a_title_row_of_several_labelled_values(line, period):
    want = tuple(dt.date.fromisoformat(d) for d in period) if period else None
    assert headers.find_period([line], "") == want


def test_period_from_file_name_but_not_an_export_stamp():
    assert headers.find_period([], "【生意参谋平台】商品_全部_2026-11-01_2026-11-30.xls") == (
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 30),
    )
    assert headers.find_period([], "1688询盘统计_20260902-20261130.csv") == (
        dt.date(2026, 9, 2),
        dt.date(2026, 11, 30),
    )
    assert headers.find_period([], "商品报表_20260619_110309.csv") is None


def test_device_from_sheet_or_file_name():
    assert headers.device_from_name("PC流量来源") == "PC"
    assert headers.device_from_name("无线流量来源") == "无线"
    assert (
        headers.device_from_name("【生意参谋平台】无线店铺流量来源-2026-11-01_2026-11-07.xls")
        == "无线"
    )
    assert headers.device_from_name("Sheet1") is None


def test_whitespace_duplicates_and_bom_in_headers():
    row = ["\ufeff收货地址 ", " 商品 ID", "访客数", "访客数", None, "订单付款时间\u3000"]
    assert headers.clean_headers(row, 7) == [
        "收货地址",
        "商品 ID",
        "访客数",
        "访客数__2",
        "column_5",
        "订单付款时间",
        "column_7",
    ]
    assert synonyms.header_key("商品 ID") == synonyms.header_key("商品ID")
    assert synonyms.header_key("用户实付金额（元）") == synonyms.header_key("用户实付金额")
    # zero-width characters of a header copied from a web page
    assert synonyms.header_key("\u200b访客数\u200d") == synonyms.header_key("访客数")
    assert synonyms.header_key("支付\u2060金额") == synonyms.header_key("支付金额")


def test_comparison_columns_are_not_the_metric():
    names = [
        "来源",
        "访客数",
        "访客数变化",
        "支付金额",
        "支付金额同比",
        "同比",
        "同比__2",
        "支付转化率环比",
    ]
    mapping = detect.propose_mapping(names, "traffic")
    assert mapping["访客数"] == "visitors" and mapping["支付金额"] == "paid_amount"
    assert detect.skipped_headers(names) == {h: "comparison" for h in names[2:3] + names[4:]}


def test_summary_rows_dropped_anywhere_case_and_colon_insensitive(tmp_path):
    path = sycm_regions(tmp_path / "地域-2026-11-01_2026-11-30.csv")
    ws, r = load(tmp_path, path)
    assert (r.rows_loaded, r.summary_rows_dropped) == (2, 1)
    assert sum(x[6] for x in table_rows(ws, "regions")) == 3400.5  # 合计 not double-counted
    rows = [
        ["日期", "来源", "访客数", "支付买家数"],
        ["2026-11-01", "搜索", "10", "1"],
        ["Total:", "", "10", "1"],
        ["小计", "", "10", "1"],
        ["2026-11-02", "搜索", "5", "0"],
        [" 总计 ", "-", "15", "1"],
    ]
    _, r = load(tmp_path / "2", write_csv(tmp_path / "t.csv", rows))
    assert (r.kind, r.rows_loaded, r.rows_rejected, r.summary_rows_dropped) == ("traffic", 2, 0, 3)


def test_summary_rows_spaced_out_prefixed_or_with_a_note_are_dropped(tmp_path):
    rows = [
        ["省份", "访客数", "支付买家数", "支付金额"],
        ["浙江", "1000", "30", "3000.50"],
        ["合 计", "1000", "30", "3000.50"],
        ["合\u3000计", "1000", "30", "3000.50"],
        ["本页合计", "1000", "30", "3000.50"],
        ["总计（7天）", "1000", "30", "3000.50"],
        ["合计：1条", "1000", "30", "3000.50"],
        ["Grand  Total", "1000", "30", "3000.50"],
        ["广东", "200", "4", "400.00"],
        # words that only begin like a summary are data
        ["合计金额", "1", "0", "1.00"],
        ["总和县", "1", "0", "1.00"],
    ]
    path = write_csv(tmp_path / "地域分布_2026-11-01_2026-11-30.csv", rows)
    ws, r = load(tmp_path / "ws", path)
    assert (r.kind, r.rows_loaded, r.summary_rows_dropped) == ("regions", 4, 6)
    assert sum(x[6] for x in table_rows(ws, "regions")) == 3402.5


def test_summary_rows_with_invisible_or_full_width_characters_are_dropped(tmp_path):
    rows = [
        ["日期", "来源", "访客数", "支付买家数", "支付金额"],
        ["2026-11-01", "手淘搜索", "1000", "30", "3000.50"],
        ["\u200b合计", "", "1000", "30", "3000.50"],
        ["ＴＯＴＡＬ", "", "1000", "30", "3000.50"],
        ["Ｇｒａｎｄ Ｔｏｔａｌ：", "", "1000", "30", "3000.50"],
        ["合\u2009计", "", "1000", "30", "3000.50"],
        ["合\u200b计", "", "1000", "30", "3000.50"],
        ["2026-11-01", "合\u00a0计\u200b", "1000", "30", "3000.50"],
        ["2026-11-02", "\u200b直通车", "1\u00a0000", "3", "\u2212300.00"],
    ]
    ws, r = load(tmp_path / "ws", write_csv(tmp_path / "t.csv", rows))
    assert (r.kind, r.rows_loaded, r.rows_rejected, r.summary_rows_dropped) == (
        "traffic",
        2,
        0,
        6,
    )
    got = sorted((x[2], x[5]) for x in table_rows(ws, "traffic"))
    assert got == [("手淘搜索", 1000), ("直通车", 1000)]


def test_a_summary_under_a_date_is_dropped_and_a_row_with_an_id_is_kept(tmp_path):
    rows = [
        ["日期", "来源", "访客数", "支付买家数"],
        ["2026-11-01", "手淘搜索", "100", "1"],
        ["2026-11-01", "直通车", "50", "1"],
        ["2026-11-01", "合计", "150", "2"],
        ["2026-11-01 ~ 2026-11-07", "合計", "150", "2"],
        ["总计 2条", "", "150", "2"],
    ]
    ws, r = load(tmp_path / "t", write_csv(tmp_path / "t.csv", rows))
    assert (r.rows_loaded, r.summary_rows_dropped) == (2, 3)
    products = [
        ["商品名称", "商品ID", "商品访客数", "支付金额"],
        ["Total(150g)美白牙膏", "1001", "100", "10.00"],
        ["合计(赠品)", "1002", "5", "0.00"],
        ["合计", "", "105", "10.00"],
    ]
    path = write_csv(tmp_path / "商品_2026-11-01_2026-11-30.csv", products)
    ws, r = load(tmp_path / "p", path)
    assert (r.kind, r.rows_loaded, r.summary_rows_dropped) == ("products", 2, 1)


def test_a_days_subtotal_under_the_variant_is_no_third_arm(tmp_path):
    # a daily A/B sheet with a 小计 row per day under 版本: it became an arm of its own
    rows = [["测试名称", "版本", "是否对照", "日期", "展现量", "点击量"]]
    for day in ("2026/11/1", "2026/11/2"):
        rows += [
            ["T恤主图", "原图", "是", day, "4010", "121"],
            ["T恤主图", "新图", "否", day, "4110", "141"],
            ["T恤主图", "小计", "", day, "8120", "262"],
        ]
    ws, r = load(tmp_path / "ab", write_csv(tmp_path / "主图测试.csv", rows))
    assert (r.kind, r.rows_loaded, r.summary_rows_dropped) == ("image_tests", 4, 2)


@pytest.mark.parametrize("header", ["点击率(%)", "点击率（%）", "点击率%"])
def test_a_rate_whose_header_says_percent_is_a_percent(tmp_path, header):
    # 直通车 exports 点击率(%) as 3.20: 3.20%, so 4000 impressions make 128 clicks, not 12,800
    rows = [["日期", "宝贝ID", "创意ID", "创意名称", "展现量", header]]
    rows += [["2026-11-01", "612345678901", "20001", "白底图", "4000", "3.20"]]
    rows += [["2026-11-01", "612345678901", "20002", "场景图", "4000", "4.10%"]]
    ws, r = load(tmp_path / "ab", write_csv(tmp_path / "直通车创意报表.csv", rows))
    assert (r.kind, r.rows_loaded, r.warnings) == ("image_tests", 2, [])
    assert fetch(ws, "select variant, clicks from image_tests order by 1") == [
        ("20001", 128),
        ("20002", 164),
    ]


def test_a_creative_titled_original_is_the_control(tmp_path):
    # 直通车 names a creative by its id; 原图 is its title, and it may come second
    rows = [["日期", "宝贝ID", "创意ID", "创意标题", "展现量", "点击量"]]
    rows += [["2026-11-01", "612345678901", "1180042231", "模特图", "13000", "273"]]
    rows += [["2026-11-01", "612345678901", "1180042232", "原图", "13100", "350"]]
    ws, r = load(tmp_path / "ab", write_csv(tmp_path / "直通车创意报表.csv", rows))
    assert "is_control" in r.derived
    assert fetch(ws, "select variant, is_control from image_tests order by 1") == [
        ("1180042231", False),
        ("1180042232", True),
    ]


def test_description_line_above_pdd_header(tmp_path):
    path = pdd_orders(tmp_path / "pdd.csv")
    insp = inspect_file(path.read_bytes(), path.name)
    assert insp.header_row == 2 and insp.kind == "orders"


TRAFFIC = [
    ["日期", "流量来源", "访客数", "支付买家数", "支付金额"],
    ["2026-11-01", "手淘搜索", "100", "3", "300.00"],
    ["2026-11-01", "直通车", "50", "1", "99.00"],
]


@pytest.mark.parametrize("fast", [True, False])
def test_a_header_repeated_below_the_first_is_not_data(tmp_path, fast):
    # two exports put one after the other, the second with its own header
    rows = [*TRAFFIC, [" 日期", "流量来源", "访客数 ", "支付买家数", "支付金额"], TRAFFIC[1]]
    ws, r = load(tmp_path / "ws", write_csv(tmp_path / "t.csv", rows), fast=fast)
    assert (r.rows_loaded, r.rows_rejected, r.other_rows_dropped) == (3, 0, 1)
    assert sum(x[5] for x in table_rows(ws, "traffic")) == 250


@pytest.mark.parametrize("fast", [True, False])
def test_a_repeated_header_with_id_and_text_columns_is_not_data(tmp_path, fast):
    # 商品ID and 商品名称 read as values under their own headers: only the cells that must
    # be numbers fail, and they hold their headers (one with a trailing space)
    header = ["统计日期", "商品ID", "商品名称", "商品访客数", "支付金额", "支付件数"]
    line = ["2026-11-02", "792697457121", "羽绒服", "653", "9,104.80", "16"]
    rows = [header, line, [*header[:4], "支付金额 ", "支付件数"], line]
    ws, r = load(tmp_path / "ws", write_csv(tmp_path / "商品.csv", rows), fast=fast)
    assert (r.rows_loaded, r.rows_rejected, r.other_rows_dropped) == (2, 0, 1)
    # a row with one header among values is still reported
    rows = [header, line, [*line[:4], "支付金额", "16"]]
    _, r = load(tmp_path / "one", write_csv(tmp_path / "商品.csv", rows), fast=fast)
    assert (r.rows_loaded, r.rows_rejected, r.other_rows_dropped) == (1, 1, 0)


def test_notes_under_the_table_are_not_data(tmp_path):
    rows = [
        *TRAFFIC,
        [],
        ["注：以上数据来源于生意参谋，仅供参考"],
        ["数据导出时间：2026-12-01 10:00:00", "", "", "", ""],
        ["共 2 条记录"],
        ["2 records"],
    ]
    _, r = load(tmp_path / "csv", write_csv(tmp_path / "t.csv", rows))
    assert (r.rows_loaded, r.rows_rejected, r.other_rows_dropped, r.blank_rows) == (2, 0, 4, 1)
    path = tmp_path / "t.xlsx"
    write_xlsx(path, {"流量": rows})
    _, r = load(tmp_path / "xlsx", path)
    assert (r.rows_loaded, r.rows_rejected, r.other_rows_dropped) == (2, 0, 4)


def test_a_one_cell_row_among_the_data_is_still_reported(tmp_path):
    rows = [TRAFFIC[0], TRAFFIC[1], ["2026-11-0x"], TRAFFIC[2]]
    _, r = load(tmp_path / "ws", write_csv(tmp_path / "t.csv", rows))
    assert (r.rows_loaded, r.rows_rejected, r.other_rows_dropped) == (2, 1, 0)
    assert r.errors[0]["row"] == 3


def test_a_lone_number_or_name_under_the_table_is_data_or_reported_not_a_note(tmp_path):
    # a file where blank means none: the last rows fill one cell, and they are data
    rows = [["访客数", "支付买家数"], ["100", "2"], ["50", ""], ["40", ""]]
    path = write_csv(tmp_path / "【生意参谋平台】无线店铺流量来源-2026-11-01_2026-11-07.csv", rows)
    ws, r = load(tmp_path / "t", path)
    assert (r.rows_loaded, r.other_rows_dropped) == (3, 0)
    assert sum(x[5] for x in table_rows(ws, "traffic")) == 190
    # an order line cut short at the end of the file is reported
    orders = [
        ["订单编号", "订单付款时间", "买家实付金额"],
        ["1001", "2026-11-01 10:00", "10"],
        ["1003"],
    ]
    _, r = load(tmp_path / "o", write_csv(tmp_path / "ExportOrderList.csv", orders))
    assert (r.rows_loaded, r.rows_rejected, r.other_rows_dropped) == (1, 1, 0)
