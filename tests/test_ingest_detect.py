"""Kind detection from one synonym table: every kind, real platform layouts, confidence."""

from __future__ import annotations

import pytest
from fixtures import ingest_files as f

from shopsight import schema
from shopsight.ingest import IngestError, detect, inspect_file, load_file, messages

LAYOUTS = [
    (f.taobao_classic_orders, "ExportOrderList202611.csv", "orders"),
    (f.shopify_orders, "orders_export_1.csv", "orders"),
    (f.pdd_orders, "拼多多订单.csv", "orders"),
    (f.jd_traffic, "京东商智_流量.csv", "traffic"),
    (f.ad_creatives, "直通车创意报表_20261201_093015.csv", "image_tests"),
    (f.inquiries_1688, "1688询盘统计_202611.csv", "inquiries"),
    (f.sycm_regions, "地域分布-2026-11-01_2026-11-30.csv", "regions"),
    (f.events_log, "埋点事件日志.csv", "events"),
]


@pytest.mark.parametrize(
    ("build", "name", "kind"), LAYOUTS, ids=[x[2] + ":" + x[1] for x in LAYOUTS]
)
def test_platform_layouts_detected(tmp_path, build, name, kind):
    path = build(tmp_path / name)
    insp = inspect_file(path.read_bytes(), name)
    assert insp.kind == kind
    assert 0.4 < insp.confidence <= 1
    assert insp.kind_scores[kind] == max(insp.kind_scores.values())
    assert not insp.missing_required


def test_every_kind_from_english_headers():
    cases = {
        "traffic": ["Day", "Referrer source", "Sessions", "Sessions that completed checkout"],
        "products": ["Date", "Product ID", "Product title", "Total sales", "Items sold"],
        "orders": ["Order ID", "Created at", "Customer", "Total", "Financial Status"],
        "regions": ["Province", "Total sales", "Orders"],
        "image_tests": ["Test", "Variant", "Date", "Impressions", "Clicks"],
        "inquiries": ["Date", "Customer ID", "Channel", "Closed", "Customer type"],
        "events": ["user_id", "event", "event_time", "device"],
    }
    assert set(cases) == set(schema.KINDS)
    for kind, names in cases.items():
        found, confidence, scores = detect.detect_kind(names, has_period=False)
        assert found == kind, (kind, scores)
        assert confidence > 0.3


def test_period_only_files_need_the_period():
    names = ["来源", "来源明细", "访客数", "支付买家数", "支付金额"]
    assert detect.detect_kind(names, has_period=True)[0] == "traffic"
    assert detect.detect_kind(names, has_period=False)[0] is None


def test_unit_suffixes_and_look_alikes():
    jd = ["日期", "访客数(UV)", "浏览量(PV)", "成交客户数", "成交金额", "同比"]
    m = detect.propose_mapping(jd, "traffic")
    assert (m["访客数(UV)"], m["浏览量(PV)"], m["成交客户数"]) == (
        "visitors",
        "page_views",
        "paying_buyers",
    )
    sycm = [
        "统计日期",
        "商品ID",
        "主商品ID",
        "老买家支付金额",
        "支付金额",
        "月累计支付件数",
        "支付件数",
    ]
    m = detect.propose_mapping(sycm, "products")
    assert (m["商品ID"], m["主商品ID"], m["老买家支付金额"]) == ("product_id", "", "")
    assert (m["支付金额"], m["月累计支付件数"], m["支付件数"]) == ("paid_amount", "", "units_sold")


def test_unrelated_file_is_refused_listing_what_each_kind_needs(tmp_path):
    path = f.write_csv(tmp_path / "菜谱.csv", [["菜名", "做法", "时间"], ["红烧肉", "炖", "1小时"]])
    insp = inspect_file(path.read_bytes(), path.name)
    assert insp.kind is None and insp.missing_required
    with pytest.raises(IngestError) as e:
        f.load(tmp_path, path)
    msg = str(e.value)
    assert msg.startswith("菜谱.csv: the columns (菜名, 做法, 时间) match no dataset kind")
    for kind in schema.KINDS:
        assert f"{kind}: " in msg
    assert "order_id (订单编号 / 订单号)" in msg


def test_a_mapping_given_by_hand_loads_an_unrecognised_file(tmp_path):
    path = f.write_csv(
        tmp_path / "自制.csv", [["单号", "时间点", "钱"], ["A1", "2026-11-01 10:00", "12.5"]]
    )
    ws, r = f.load(
        tmp_path, path, mapping={"单号": "order_id", "时间点": "order_time", "钱": "paid_amount"}
    )
    assert (r.kind, r.rows_loaded) == ("orders", 1)
    assert f.table_rows(ws, "orders")[0][:1] == ("A1",)


# 万相台 / 直通车 reports of plans or products: ad metrics and an ad-attributed 总成交金额
AD_REPORTS = [
    "日期,场景ID,场景名字,计划ID,计划名字,主体ID,主体类型,主体名称,展现量,点击量,花费,点击率,"
    "平均点击花费,总成交金额,总成交笔数,投入产出比,总购物车数\n"
    "2026-11-05,1,关键词推广,3001,双11羽绒服,792697457121,商品,90白鸭绒短款羽绒服,12345,456,"
    "123.45,0.036938,0.27,1200.00,3,9.72,20\n",
    "日期,推广计划名称,宝贝名称,宝贝ID,展现量,点击量,点击率,花费,平均点击花费,总成交金额,"
    "总成交笔数,投入产出比\n"
    '2026-11-05,双11计划,90白鸭绒短款羽绒服,792697457121,12345,456,3.69%,123.45,0.27,"1,200.00",3,9.72\n',
]


AD_REPORTS.append(  # 拼多多 推广: 分组 is its ad group, not a creative
    "名称：推广\n日期,商品ID,商品名称,推广场景,推广名称,出价方式,分组,是否已删除,成交花费(元),"
    "交易额(元),实际投产比,总花费(元),曝光量,点击量\n"
    "2026-11-01,512345678901,加绒卫衣男,全站推广,卫衣全站,目标投产比：5.80,默认分组,否,120.50,"
    "698.00,5.79,130.20,15230,412\n"
)


@pytest.mark.parametrize("text", AD_REPORTS, ids=["万相台商品报表", "直通车宝贝报表", "拼多多推广"])
def test_a_promotion_report_is_refused_not_merged_over_product_data(small_ws, text):
    """Its 总成交金额 once became products.paid_amount, and the merge replaced the real
    生意参谋 rows of its days."""
    before = small_ws.connect(read_only=True)
    rows = before.execute("select count(*), sum(paid_amount) from products").fetchone()
    before.close()
    name = "万相台_商品报表_20261107_110309.csv"
    header = next(line for line in text.splitlines() if "," in line)
    assert detect.detect_kind(header.split(","), has_period=False)[0] is None
    with pytest.raises(IngestError) as err:
        load_file(small_ws, text.encode("gb18030"), name)
    assert err.value.code == "ad_report"
    assert "创意" in str(err.value) and name in str(err.value)
    con = small_ws.connect(read_only=True)
    assert con.execute("select count(*), sum(paid_amount) from products").fetchone() == rows
    con.close()
    zh = messages.text("ad_report", {"headers": ["展现量", "点击量", "花费"]}, "zh")
    assert "推广报表" in zh and "创意报表" in zh


@pytest.mark.parametrize(
    "names",
    [
        ["日期", "创意ID", "创意名称", "宝贝ID", "展现量", "点击量", "花费", "总成交金额"],
        ["日期", "推广计划名称", "宝贝ID", "创意标题", "展现量", "点击量", "花费", "总成交金额"],
        ["测试名称", "分组", "日期", "展现量", "点击量", "花费"],  # a test record kept by hand
    ],
)
def test_a_creative_report_with_the_same_ad_metrics_is_still_an_image_test(names):
    assert detect.is_ad_report(names) is False
    assert detect.detect_kind(names, has_period=False)[0] == "image_tests"


def test_a_1688_order_export_maps_its_own_headers():
    names = [
        "订单编号", "买家公司名", "买家会员名", "订单状态", "货品总价(元)", "运费(元)", "实付款(元)",
        "订单创建时间", "订单付款时间", "货品标题", "数量", "单价(元)", "单品货号",
    ]  # fmt: skip
    assert detect.detect_kind(names, has_period=False)[0] == "orders"
    mapping = detect.propose_mapping(names, "orders")
    assert (mapping["实付款(元)"], mapping["货品标题"], mapping["单品货号"]) == (
        "paid_amount",
        "product_name",
        "sku_id",
    )
