"""Which platform a file comes from: headers only one platform writes outweigh a file name,
which is whatever the owner saved it as."""

import pytest

from shopsight.ingest import platforms
from shopsight.ingest.platforms import ALIBABA, DOUYIN, JD, PDD, SHOPIFY, TAOBAO

DOUYIN_HEADER = ["主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "订单应付金额"]
PDD_HEADER = ["订单号", "商品", "用户实付金额(元)", "商家实收金额(元)", "平台优惠折扣(元)"]
SHOPIFY_HEADER = ["Name", "Email", "Financial Status", "Lineitem quantity", "Lineitem name"]


@pytest.mark.parametrize(
    ("headers", "filename", "platform"),
    [
        # 抖店 names its downloads by a timestamp, which may hold 1688
        (DOUYIN_HEADER, "1716881234_e2cbd482.csv", DOUYIN),
        # any platform's file may be saved under Shopify's download name
        (PDD_HEADER, "orders_export.csv", PDD),
        (SHOPIFY_HEADER, "拼多多订单.csv", SHOPIFY),
    ],
)
def test_two_platform_headers_outweigh_the_file_name(headers, filename, platform):
    assert platforms.detect(headers, filename) == platform


@pytest.mark.parametrize(
    ("filename", "platform"),
    [
        ("1688询盘统计_202611.csv", ALIBABA),
        ("1688_inquiries.csv", ALIBABA),
        ("ExportOrderList202611301200.xlsx", TAOBAO),
        ("【生意参谋平台】无线店铺流量来源-2026-11-01_2026-11-07.xls", TAOBAO),
        ("pdd_orders_export_20261130.csv", PDD),
        ("orders_export_1.csv", SHOPIFY),
        ("jd_orders.csv", JD),
        ("京东订单.csv", JD),
        ("tiktokshop_orders.csv", "TikTok Shop"),
        ("myshopify-orders.csv", SHOPIFY),
        # a number inside a longer number, a word inside a longer word, name nothing
        ("1716881234_e2cbd482.csv", None),
        ("upddate.csv", None),
    ],
)
def test_the_file_name_names_the_platform_without_headers(filename, platform):
    assert platforms.detect(["订单编号", "金额"], filename) == platform


def test_one_platform_header_yields_to_the_file_name_and_decides_without_one():
    assert platforms.detect(["订单号", "京东价"], "淘宝订单.csv") == TAOBAO
    assert platforms.detect(["订单号", "京东价"], "orders.csv") == JD
    assert platforms.detect(["询盘编号"], "x.csv", kind="inquiries") == ALIBABA
    assert platforms.detect(["订单号"], "x.csv") is None


def test_pages_name_platforms_in_the_users_language():
    assert platforms.label(TAOBAO, "zh") == "淘宝/天猫"
    assert platforms.label(TAOBAO, "en") == "Taobao/Tmall"
    assert platforms.label(SHOPIFY, "en") == "Shopify"
    assert platforms.label(None, "zh") == "未标明"
    assert platforms.label(None, "en") == "Not set"
