"""Bare two-letter region codes are decided per column: Chinese codes (GD, SC) become
provinces, US state codes (SC = South Carolina, HI = Hawaii) stay as they are."""

from __future__ import annotations

import pytest
from fixtures import ingest_files as f

from shopsight.geo.names import normalize_province, normalize_province_column

US_STATES = ["CA", "NY", "TX", "WA", "SC", "HI", "SD", "NM", "MO", "FL"]
CN_CODES = {
    "GD": "广东省",
    "ZJ": "浙江省",
    "SC": "四川省",
    "HI": "海南省",
    "SD": "山东省",
    "NM": "内蒙古自治区",
    "MO": "澳门特别行政区",
    "BJ": "北京市",
}


def test_a_us_states_column_keeps_its_codes():
    got = normalize_province_column(US_STATES + [None, "", "  ny "])
    assert got == {**{code: code for code in US_STATES}, None: None, "": None, "  ny ": "ny"}
    # value by value, SC would have been Sichuan
    assert normalize_province("SC") == "四川省"


def test_a_column_of_chinese_codes_gets_province_names():
    got = normalize_province_column(list(CN_CODES) + ["cn-gx", "ｇｄ", "****"])
    assert got == {**CN_CODES, "cn-gx": "广西壮族自治区", "ｇｄ": "广东省", "****": None}


def test_codes_shared_with_us_states_alone_are_not_read_as_china():
    # South Carolina and Hawaii only: nothing says China, so they stay codes
    assert normalize_province_column(["SC", "HI", "SC"]) == {"SC": "SC", "HI": "HI"}
    # one code only China uses settles it
    assert normalize_province_column(["SC", "HI", "GD"]) == {
        "SC": "四川省",
        "HI": "海南省",
        "GD": "广东省",
    }


def test_mostly_chinese_names_decide_for_the_codes_among_them():
    values = ["广东", "浙江省", "Sichuan", "SC", "HI"]
    assert normalize_province_column(values) == {
        "广东": "广东省",
        "浙江省": "浙江省",
        "Sichuan": "四川省",
        "SC": "四川省",
        "HI": "海南省",
    }
    # a code from outside China among few Chinese names: the column is not read as codes,
    # and names are still names
    assert normalize_province_column(["Guangdong", "SC", "CA"]) == {
        "Guangdong": "广东省",
        "SC": "SC",
        "CA": "CA",
    }


def test_other_values_are_normalised_as_one_by_one():
    values = ["广东", "440000", "海外", "未知", 330000.0, None]
    got = normalize_province_column(values)
    assert got == {v: normalize_province(v) for v in values}
    assert got["海外"] == "海外" and got["未知"] is None and got[330000.0] == "浙江省"


SHOPIFY_HEADER = [
    "Name",
    "Financial Status",
    "Paid at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Total",
    "Shipping Province",
    "Shipping City",
]


def _shopify(path, provinces: list[tuple[str, str]]):
    rows = [SHOPIFY_HEADER]
    for i, (province, city) in enumerate(provinces):
        rows.append(
            [
                f"#{1001 + i}",
                "paid",
                f"2026-11-0{1 + i} 10:00:00 +0800",
                "1",
                "Tee",
                "80.00",
                "80.00",
                province,
                city,
            ]
        )
    return f.write_csv(path, rows)


@pytest.mark.parametrize(
    "provinces, stored",
    [
        (
            [("SC", "Columbia"), ("HI", "Honolulu"), ("CA", "San Jose"), ("NY", "New York")],
            ["SC", "HI", "CA", "NY"],
        ),
        (
            [("GD", "深圳"), ("SC", "成都"), ("HI", "海口"), ("ZJ", "杭州")],
            ["广东省", "四川省", "海南省", "浙江省"],
        ),
        (
            [
                ("Guangdong", "Shenzhen"),
                ("Sichuan", "Chengdu City"),
                ("Hainan", "Haikou"),
                ("Zhejiang", "hangzhou"),
            ],
            ["广东省", "四川省", "海南省", "浙江省"],
        ),
    ],
)
def test_ingest_decides_codes_for_the_whole_column(tmp_path, provinces, stored):
    ws, report = f.load(tmp_path, _shopify(tmp_path / "orders_export_1.csv", provinces))
    assert (report.kind, report.rows_loaded) == ("orders", len(provinces))
    con = ws.connect(read_only=True)
    try:
        rows = con.execute("select province, city from orders order by order_time").fetchall()
    finally:
        con.close()
    assert [r[0] for r in rows] == stored
    if stored[0] == "广东省":  # cities are read within the province
        assert [r[1] for r in rows] == ["深圳市", "成都市", "海口市", "杭州市"]


def test_a_region_reports_other_and_unknown_rows_count_in_the_unknown_bucket(tmp_path):
    """其他 / 未知 / -- name no province (they read as none) but they are rows of the report:
    their visitors were rejected as "a required value is empty"; a blank cell still is."""
    rows = [
        ["统计时间：2026-11-01~2026-11-30"],
        ["省份", "访客数", "支付金额", "支付买家数"],
        ["广东", "12,345", "98,765.43", "300"],
        ["其他", "40", "0.00", "0"],
        ["未知", "30", "0.00", "0"],
        ["海外", "60", "0.00", "0"],
        ["未知地区", "8", "0.00", "0"],
        ["--", "2", "0.00", "0"],
        ["", "5", "0.00", "0"],
        ["全国", "12,483", "98,765.43", "300"],  # the nationwide row is a total
    ]
    ws, report = f.load(tmp_path, f.write_csv(tmp_path / "地域分布.csv", rows))
    assert (report.kind, report.rows_loaded, report.rows_rejected) == ("regions", 6, 1)
    assert report.summary_rows_dropped == 1
    assert report.errors[0]["row"] == 9 and report.errors[0]["code"] == "required_empty"
    got = f.fetch(ws, "select province, sum(visitors) from regions group by 1 order by 2 desc")
    assert got == [("广东省", 12345), (None, 80), ("海外", 60)]
