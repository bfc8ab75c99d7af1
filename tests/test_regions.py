"""Region rules (names, shares, colour scale, China or not) and the region queries on a
constructed shop: the map's total, the table's total and direct SQL agree, and names the
map cannot place are reported, never dropped."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pyarrow as pa
import pytest

from shopsight import region_metrics, workspace
from shopsight.geo.names import PROVINCES

NOV = {
    "start": date(2026, 11, 1),
    "end": date(2026, 11, 10),
    "src": None,
    "dev": None,
    "prov": None,
    "plat": None,
    "cur": None,
}
OCT = {**NOV, "start": date(2026, 10, 22), "end": date(2026, 10, 31)}

# (order, day, buyer, province, city, paid, source, device)
ORDER_LINES = [
    ("o1", date(2026, 11, 1), "b1", "广东省", "深圳市", 100.0, "直通车", "无线"),
    ("o2", date(2026, 11, 2), "b2", "广东省", "深圳", 50.0, "手淘搜索", "PC"),
    ("o3", date(2026, 11, 3), "b1", "广东省", "广州市", 30.0, "手淘搜索", "无线"),
    ("o4", date(2026, 11, 4), "b3", "浙江省", "杭州市", 80.0, "直通车", "无线"),
    ("o5", date(2026, 11, 5), "b4", "北京市", "北京市", 40.0, "手淘搜索", "无线"),
    ("o6", date(2026, 11, 6), "b5", None, None, 20.0, "手淘搜索", "无线"),
    ("o7", date(2026, 11, 7), "b6", "海外", None, 10.0, "直通车", "PC"),
    ("o8", date(2026, 11, 8), "b7", "广东省", None, 25.0, "手淘搜索", "无线"),
    ("o9", date(2026, 11, 9), "b2", "广东省", "深圳市", 0.0, "手淘搜索", "无线"),
    ("o10", date(2026, 11, 10), "b8", "Atlantis", None, 5.0, "直通车", "无线"),
    ("o11", date(2026, 10, 25), "b1", "广东省", "深圳市", 60.0, "直通车", "无线"),
    ("o12", date(2026, 10, 26), "b9", "浙江省", "杭州市", 20.0, "手淘搜索", "PC"),
]

REGION_ROWS = [
    # (date, date_end, province, city, visitors, paying_buyers, paid_amount, orders)
    (date(2026, 11, 1), date(2026, 11, 30), "广东省", None, 1000, 30, 3000.0, 31),
    (date(2026, 11, 1), date(2026, 11, 30), "广东省", "深圳市", 600, 20, 2000.0, 20),
    (date(2026, 11, 1), date(2026, 11, 30), "广东省", "广州市", 400, 10, 1000.0, 11),
    (date(2026, 11, 1), date(2026, 11, 30), "浙江", None, 500, 10, 900.0, 10),
    (date(2026, 11, 5), date(2026, 12, 4), "北京市", None, 800, 9, 700.0, 9),
    (None, None, "四川省", None, 50, 2, 100.0, 2),
]


def order_table(lines=ORDER_LINES) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "order_id": o,
                "order_time": datetime(d.year, d.month, d.day, 12),
                "buyer_id": b,
                "product_id": "p1",
                "product_name": "T恤",
                "sku_id": "p1-m",
                "quantity": 1,
                "paid_amount": paid,
                "refund_amount": 0.0,
                "status": "交易成功",
                "province": prov,
                "city": city,
                "source": src,
                "device": dev,
            }
            for o, d, b, prov, city, paid, src, dev in lines
        ]
    )


def region_table() -> pa.Table:
    cols = (
        "date",
        "date_end",
        "province",
        "city",
        "visitors",
        "paying_buyers",
        "paid_amount",
        "orders",
    )
    return pa.Table.from_pylist([dict(zip(cols, r, strict=True)) for r in REGION_ROWS])


def build_geo(name: str = "geo", lines=ORDER_LINES, with_regions: bool = True):
    """A workspace under SHOPSIGHT_DATA_DIR (the `data_dir` fixture) with these orders."""
    ws = workspace.open_workspace(name)
    con = ws.connect()
    try:
        workspace.write_dataset(ws, "orders", order_table(lines), file="orders.csv", con=con)
        if with_regions:
            workspace.write_dataset(ws, "regions", region_table(), file="regions.csv", con=con)
    finally:
        con.close()
    return ws


@pytest.fixture
def geo_ws(data_dir):
    return build_geo()


def province_table(run_query, ws, params=NOV, province=None) -> pd.DataFrame:
    raw = run_query(ws, "regions_orders", **params, province=province)
    level = "city" if province else "province"
    return region_metrics.add_metrics(region_metrics.normalise(raw, level, province))


# ------------------------------------------------------------------ queries on a shop


def test_map_total_table_total_and_direct_sql_agree(geo_ws, run_query):
    t = province_table(run_query, geo_ws)
    direct = run_query(geo_ws, "regions_orders", **NOV, province=None)  # warm the connection
    assert len(direct) == 6
    from shopsight.ui import query_cache

    with query_cache._database(str(geo_ws.path.resolve())).cursor() as cur:
        total = cur.execute(
            "select sum(paid_amount) from orders where order_time >= $s and order_time < $e",
            {"s": datetime(2026, 11, 1), "e": datetime(2026, 11, 11)},
        ).fetchone()[0]
        on_map = cur.execute(
            "select sum(paid_amount) from orders where order_time >= $s "
            "and order_time < $e and list_contains($p, province)",
            {"s": datetime(2026, 11, 1), "e": datetime(2026, 11, 11), "p": list(PROVINCES)},
        ).fetchone()[0]
    assert region_metrics.totals(t)["paid_amount"] == total == 360.0
    assert region_metrics.map_totals(t)["paid_amount"] == on_map == 205 + 80 + 40
    by = t.set_index(t["name"].fillna("<unknown>"))
    assert by.at["广东省", "paid_amount"] == 205.0
    assert by.at["广东省", "paying_buyers"] == 3  # b1 twice, b2 (its unpaid order not), b7
    assert by.at["<unknown>", "status"] == region_metrics.UNKNOWN
    assert by.at["<unknown>", "paid_amount"] == 20.0
    assert by.at["广东省", region_metrics.SHARE] == pytest.approx(205 / 360)


def test_unmatched_names_are_listed_and_counted(geo_ws, run_query):
    t = province_table(run_query, geo_ws)
    assert region_metrics.unmatched_names(t) == ["海外", "Atlantis"]
    assert t.loc[t["status"] == region_metrics.UNMATCHED, "paid_amount"].sum() == 15.0
    paid, share = region_metrics.unknown_totals(t)
    assert (paid, share) == (20.0, pytest.approx(20 / 360))
    assert region_metrics.is_china(t)
    # the five largest named regions: 205 + 80 + 40 + 10 + 5 of 360
    assert region_metrics.top_share(t, "paid_amount") == (5, pytest.approx(340 / 360))
    assert region_metrics.top_share(t, "paid_amount", n=1) == (1, pytest.approx(205 / 360))


def test_city_level_merges_spellings_and_keeps_unknown(geo_ws, run_query):
    t = province_table(run_query, geo_ws, province="广东省")
    by = t.set_index(t["name"].fillna("<unknown>"))
    assert by.at["深圳市", "paid_amount"] == 150.0  # 深圳 + 深圳市
    assert by.at["深圳市", "paying_buyers"] == 2
    assert by.at["广州市", "paid_amount"] == 30.0
    assert by.at["<unknown>", "paid_amount"] == 25.0
    assert set(t["status"]) == {region_metrics.MATCHED, region_metrics.UNKNOWN}
    assert region_metrics.totals(t)["paid_amount"] == 205.0


def test_filters_and_compare_period(geo_ws, run_query):
    t = province_table(run_query, geo_ws, {**NOV, "src": ["直通车"]})
    by = t.set_index(t["name"].fillna("<unknown>"))
    assert by.at["广东省", "paid_amount"] == 100.0 and by.at["广东省", "paying_buyers"] == 1
    assert region_metrics.totals(t)["paid_amount"] == 100 + 80 + 10 + 5
    now = province_table(run_query, geo_ws)
    before = province_table(run_query, geo_ws, OCT)
    both = region_metrics.with_compare(now, before, ["paid_amount"]).set_index("name")
    assert both.at["广东省", "cmp_paid_amount"] == 60.0
    assert both.at["广东省", "change_paid_amount"] == pytest.approx(205 / 60 - 1)
    assert pd.isna(both.at["北京市", "cmp_paid_amount"])


def test_drillable_provinces_have_city_data(geo_ws, run_query):
    t = province_table(run_query, geo_ws)
    # 北京市 is one unit on the city map: nothing to drill into
    assert region_metrics.drillable(t) == ["广东省", "浙江省"]


def test_regions_dataset_rules(geo_ws, run_query):
    raw = run_query(
        geo_ws,
        "regions_regions",
        start=date(2026, 11, 1),
        end=date(2026, 11, 30),
        prov=None,
        plat=None,
        cur=None,
        province=None,
        undated=True,
    )
    t = region_metrics.normalise(raw, "province")
    by = t.set_index("name")
    assert by.at["广东省", "paid_amount"] == 3000.0  # the province row, not + its cities
    assert by.at["浙江省", "paid_amount"] == 900.0  # short name normalised
    assert by.at["四川省", "paid_amount"] == 100.0  # undated: in the current period
    assert "北京市" not in by.index  # its 30 days stick out of November
    assert raw["count_rows_left_out"].iloc[0] == 1
    assert raw["count_undated_rows"].sum() == 1
    cmp_ = run_query(
        geo_ws,
        "regions_regions",
        start=date(2026, 11, 1),
        end=date(2026, 11, 30),
        prov=None,
        plat=None,
        cur=None,
        province=None,
        undated=False,
    )
    assert "四川省" not in set(cmp_["province"])
    cities = run_query(
        geo_ws,
        "regions_regions",
        start=date(2026, 11, 1),
        end=date(2026, 11, 30),
        prov=None,
        plat=None,
        cur=None,
        province="广东省",
        undated=True,
    )
    assert dict(zip(cities["city"], cities["paid_amount"], strict=True)) == {
        "深圳市": 2000.0,
        "广州市": 1000.0,
    }
    m = region_metrics.add_metrics(t).set_index("name")
    assert m.at["广东省", "conversion"] == pytest.approx(30 / 1000)
    assert "conversion" in region_metrics.available_metrics(region_metrics.add_metrics(t))


def test_sources_query_lists_both_datasets(geo_ws, run_query):
    df = run_query(geo_ws, "regions_sources").set_index("origin")
    assert df.at["orders", "count_rows"] == len(ORDER_LINES)
    assert df.at["orders", "count_named_rows"] == len(ORDER_LINES) - 1
    assert df.at["regions", "count_city_rows"] == 2


# ------------------------------------------------------------------------ pure rules


def frame(names, paid, level="province", province=None, **cols) -> pd.DataFrame:
    raw = pd.DataFrame(
        {
            "province": names if level == "province" else [province] * len(names),
            "city": names if level == "city" else [None] * len(names),
            "paid_amount": paid,
            **cols,
        }
    )
    return region_metrics.normalise(raw, level, province)


def test_normalise_statuses_and_spellings():
    t = frame(["广东", "广东省", "GD", None, "****", "火星", "Guangxi"], [1, 2, 4, 8, 16, 32, 64])
    by = {n: (s, p) for n, s, p in zip(t["name"], t["status"], t["paid_amount"], strict=True)}
    assert by["广东省"] == (region_metrics.MATCHED, 7.0)
    assert by[None] == (region_metrics.UNKNOWN, 24.0)  # NULL and masked
    assert by["火星"] == (region_metrics.UNMATCHED, 32.0)
    assert by["广西壮族自治区"] == (region_metrics.MATCHED, 64.0)


def test_us_state_codes_are_not_china():
    codes = ["CA", "NY", "TX", "FL", "WA", "IL", "SC", "MA"]
    t = frame(codes, [900, 800, 700, 600, 500, 400, 300, 200])
    # SC reads as ISO 3166-2:CN 四川 (the codes collide), but the rest is not China
    assert region_metrics.MATCHED in set(t["status"])
    assert not region_metrics.is_china(t)
    assert region_metrics.is_china(frame(["广东省", "浙江省", "CA"], [10, 10, 5]))
    assert region_metrics.is_china(frame([None], [10]))  # nothing named: the map is the default


def test_ranked_puts_unknown_last_and_numbers_named_rows():
    t = region_metrics.ranked(
        region_metrics.add_metrics(frame([None, "浙江省", "广东省"], [50, 10, 20])), "paid_amount"
    )
    assert t["name"].tolist() == ["广东省", "浙江省", None]
    assert t["rank"].tolist()[:2] == [1, 2] and pd.isna(t["rank"].iloc[2])


def test_top_share_of_a_ratio_metric_uses_paid_amount():
    t = region_metrics.add_metrics(frame(["广东省", "浙江省"], [30.0, 10.0], paying_buyers=[3, 1]))
    assert region_metrics.top_share(t, "aov", n=1) == (1, pytest.approx(0.75))
    assert region_metrics.top_share(t, "paying_buyers", n=1) == (1, pytest.approx(0.75))


def test_the_share_is_of_the_metric_shown():
    # 广东 holds 92 of 669 buyers but 15.56% of the money: the buyers' share is 13.75%
    raw = frame(
        ["广东省", "浙江省", None],
        [1556.0, 8044.0, 400.0],
        paying_buyers=[92, 557, 20],
        orders=[100, 560, 40],
    )
    by = {
        m: region_metrics.add_metrics(raw, m).set_index("name")[region_metrics.SHARE]
        for m in region_metrics.MAP_METRICS
        if m != "visitors"
    }
    assert by["paying_buyers"]["广东省"] == pytest.approx(92 / 669)  # 13.75%
    assert by["paying_buyers"][None] == pytest.approx(20 / 669)  # the unknown row counts
    assert by["orders"]["广东省"] == pytest.approx(100 / 700)
    # the paid amount's share for itself, for the share as a map metric and for the ratios
    for m in ("paid_amount", region_metrics.SHARE, "conversion", "aov"):
        assert by[m]["广东省"] == pytest.approx(0.1556), m
    assert region_metrics.add_metrics(raw)[region_metrics.SHARE].tolist() == pytest.approx(
        by["paid_amount"].tolist()
    )
    # "前 5 省占 x%" is of the same metric as the column
    t = region_metrics.add_metrics(raw, "paying_buyers")
    assert region_metrics.top_share(t, "paying_buyers", n=1) == (1, pytest.approx(557 / 669))
    named = t[t["status"] != region_metrics.UNKNOWN][region_metrics.SHARE]
    assert region_metrics.top_share(t, "paying_buyers")[1] == pytest.approx(named.sum())


def test_the_share_basis_is_a_listed_metric():
    from shopsight.ui import regions_page

    for m in region_metrics.MAP_METRICS:
        assert region_metrics.share_basis(m) in regions_page.SHARE_TEXTS, m
    assert region_metrics.share_basis("paying_buyers") == "paying_buyers"
    assert region_metrics.share_basis("conversion") == "paid_amount"
    for bad in ("refund_amount", "paid_amount) from x; --", "status"):
        with pytest.raises(ValueError, match="metric must be one of"):
            region_metrics.share_basis(bad)
        with pytest.raises(ValueError):
            region_metrics.add_metrics(frame(["广东省"], [1.0]), bad)


def test_colour_scale_quantile_classes():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    scale = region_metrics.color_scale(values)
    assert scale.breaks == pytest.approx((2.8, 4.6, 6.4, 8.2))
    assert [scale.color(v) for v in (1, 2.8, 3, 10)] == [
        region_metrics.RAMP[0],
        region_metrics.RAMP[0],
        region_metrics.RAMP[1],
        region_metrics.RAMP[4],
    ]
    assert scale.color(None) == region_metrics.NO_DATA_COLOR
    stops = region_metrics.legend_stops(scale)
    assert [s[0] for s in stops] == list(region_metrics.RAMP)
    assert stops[0][1:] == pytest.approx((1.0, 2.8)) and stops[-1][1:] == pytest.approx((8.2, 10.0))


def test_colour_scale_with_few_values():
    scale = region_metrics.color_scale([5, 5, 9])
    assert scale.breaks == (5.0,)
    assert scale.colors == (region_metrics.RAMP[0], region_metrics.RAMP[4])
    assert region_metrics.legend_stops(scale) == [
        (region_metrics.RAMP[0], 5.0, 5.0),
        (region_metrics.RAMP[4], 9.0, 9.0),
    ]
    assert region_metrics.color_scale([None]) is None
    assert region_metrics.color_scale([7]).color(7) == region_metrics.RAMP[-1]


def test_rgba_and_view():
    assert region_metrics.rgba("#a50f15") == [165, 15, 21, 230]
    view = region_metrics.view_for_bbox(region_metrics.CHINA_BBOX, 720, 520)
    assert 100 < view["longitude"] < 108 and 33 < view["latitude"] < 40
    assert 2.5 < view["zoom"] < 4.5
    small = region_metrics.view_for_bbox((113.0, 22.0, 114.0, 23.0), 720, 520)
    assert small["zoom"] > view["zoom"] + 3
