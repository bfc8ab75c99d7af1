"""Headers of real exports that the synonym table maps, one test each: the header is read
into its canonical column, and the value arrives as the file wrote it."""

from __future__ import annotations

import csv
import io

from fixtures import ingest_files as f

from shopsight import workspace
from shopsight.ingest import detect


def _rows(ws, sql: str) -> list[tuple]:
    con = ws.connect(read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_1688_inquiries_province(tmp_path):
    """1688 询盘 sheets name the buyer's province 所在省份."""
    rows = [
        ["询盘日期", "客户名称", "客户类型", "询盘渠道", "是否成交", "所在省份"],
        ["2026/11/3", "义乌小商品", "新客户", "旺旺", "成交", "浙江"],
        ["2026/11/4", "广州服饰", "老客户", "电话", "未成交", "广东省"],
    ]
    path = f.write_csv(tmp_path / "1688询盘统计_202611.csv", rows, encoding="gb18030")
    assert detect.propose_mapping(rows[0], "inquiries")["所在省份"] == "province"
    ws, r = f.load(tmp_path, path)
    assert (r.kind, r.rows_loaded) == ("inquiries", 2)
    assert sorted(_rows(ws, "select customer_id, province from inquiries")) == sorted(
        [("广州服饰", "广东省"), ("义乌小商品", "浙江省")]
    )


def test_creative_title_names_the_variant(tmp_path):
    """直通车 创意报表: the variant is the 11-digit 创意ID, its 创意标题 is what people call it."""
    header = ["日期", "宝贝ID", "创意ID", "创意标题", "展现量", "点击量", "点击率", "花费"]
    body = [
        [
            "2026-11-01",
            "600123456789",
            "11800422310",
            "白底正面 纯棉T恤",
            "1000",
            "30",
            "3.00%",
            "12.5",
        ],
        [
            "2026-11-01",
            "600123456789",
            "11800422311",
            "模特街拍 纯棉T恤",
            "1000",
            "45",
            "4.50%",
            "13.0",
        ],
        [
            "2026-11-02",
            "600123456789",
            "11800422310",
            "白底正面 纯棉T恤",
            "900",
            "28",
            "3.11%",
            "11.0",
        ],
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows([header, *body])
    path = tmp_path / "直通车创意报表_20261201_093015.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    mapping = detect.propose_mapping(header, "image_tests")
    assert (mapping["创意ID"], mapping["创意标题"]) == ("variant", "variant_name")
    ws, r = f.load(tmp_path, path)
    assert (r.kind, r.rows_loaded) == ("image_tests", 3)
    want = sorted({(row[2], row[3]) for row in body})
    assert sorted(_rows(ws, "select distinct variant, variant_name from image_tests")) == want
    from shopsight import queries

    con = ws.connect(read_only=True)
    try:
        names = queries.run(con, "abtest_variant_names", test_id="600123456789")
    finally:
        con.close()
    assert sorted(zip(names["variant"], names["variant_name"], strict=True)) == want


def test_creative_name_alone_is_the_variant(tmp_path):
    """Without a 创意ID, the 创意名称 is the variant itself (as before)."""
    header = ["日期", "宝贝ID", "创意名称", "展现量", "点击量"]
    assert detect.propose_mapping(header, "image_tests")["创意名称"] == "variant"


def test_tianchi_headers():
    """Tianchi logs' English headers: behavior_type, item_id, time, timestamp, item_category."""
    mobile = ["user_id", "item_id", "behavior_type", "user_geohash", "item_category", "time"]
    assert detect.detect_kind(mobile, has_period=False)[0] == "events"
    m = detect.propose_mapping(mobile, "events")
    assert (m["user_id"], m["item_id"], m["behavior_type"], m["time"]) == (
        "user_id",
        "product_id",
        "event",
        "event_time",
    )
    assert "user_geohash" in detect.skipped_headers(mobile)  # a location: never stored
    m = detect.propose_mapping(
        ["user_id", "item_id", "category_id", "behavior", "timestamp"], "events"
    )
    assert (m["behavior"], m["timestamp"]) == ("event", "event_time")
    assert (
        detect.propose_mapping(["商品ID", "item_category", "支付金额"], "products")["item_category"]
        == "category"
    )


def test_old_workspace_without_variant_name_gets_it_on_append(tmp_path):
    """A workspace whose image_tests table predates variant_name takes the column on append."""
    ws = workspace.open_workspace(tmp_path / "ws")
    con = ws.connect()
    try:
        con.execute(
            "create or replace table image_tests (test_id varchar, variant varchar, "
            '"date" date, impressions bigint, clicks bigint, product_id varchar, '
            "spend double, orders bigint, paid_amount double, is_control boolean)"
        )
    finally:
        con.close()
    path = f.ad_creatives(tmp_path / "直通车创意报表.csv")
    _, r = f.load(tmp_path, path, ws=ws, mode="append")
    assert r.rows_loaded == 4
    assert _rows(ws, "select count(*) from image_tests where variant_name is not null") == [(4,)]


def test_a_header_with_its_unit_in_brackets_and_a_buyer_named_by_nickname():
    """事件时间(毫秒) is the event time in milliseconds; a 1688 log names its buyer by the
    Taobao nickname column (买家会员名), as order exports do."""
    log = ["用户ID", "事件名称", "事件时间(毫秒)"]
    assert detect.detect_kind(log, has_period=False)[0] == "events"
    assert detect.propose_mapping(log, "events")["事件时间(毫秒)"] == "event_time"
    inquiries = ["询盘时间", "买家会员名", "询盘来源", "询盘状态", "成交金额"]
    assert detect.detect_kind(inquiries, has_period=False)[0] == "inquiries"
    assert detect.propose_mapping(inquiries, "inquiries")["买家会员名"] == "customer_id"
