"""The five committed real-layout exports load to exactly the values in expected.json.

Every figure in tests/fixtures/examples/expected.json is checked with SQL on a workspace
loaded through the upload path (load_file), plus the file facts inspect_file reports.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shopsight import workspace
from shopsight.ingest import inspect_file, load_file
from shopsight.ingest.detect import KEEP

EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "examples"
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))["files"]
TRAFFIC = "【生意参谋平台】无线店铺流量来源-2026-11-01_2026-11-07.xls"
PRODUCTS = "商品_全部_2026-11-01_2026-11-30.xls"
ORDERS = "ExportOrderList202611301200.xlsx"
INQUIRIES = "1688询盘统计_202611.csv"
IMAGES = "main_image_ab_test.csv"
TOL = 1e-6


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    ws = workspace.open_workspace(tmp_path_factory.mktemp("examples") / "ws")
    reports = {}
    for name in EXPECTED:
        data = (EXAMPLES / name).read_bytes()
        # columns the checks read beyond the canonical ones are kept on purpose, as an
        # owner would keep them in the mapping (nothing else is stored)
        keep = {h: KEEP for h in KEPT.get(name, ())}
        mapping = {**inspect_file(data, name).mapping, **keep} if keep else None
        reports[name] = load_file(ws, data, name, mapping=mapping)
    con = ws.connect(read_only=True)
    yield con, reports
    con.close()


KEPT = {PRODUCTS: ("主商品ID",), ORDERS: ("买家应付货款",)}


def one(con, sql, params=None):
    return con.execute(sql, params or {}).fetchone()


def rows(con, sql, params=None):
    return con.execute(sql, params or {}).fetchall()


def close(a, b, places=2):
    return a is not None and abs(round(float(a), places) - b) < TOL


def test_every_example_loads_as_its_kind_with_every_row(loaded):
    con, reports = loaded
    for name, exp in EXPECTED.items():
        r = reports[name]
        assert (r.kind, r.rows_loaded, r.rows_rejected, r.errors) == (
            exp["kind"],
            exp["rows"],
            0,
            [],
        )
    for kind in ("traffic", "products", "orders", "inquiries", "image_tests"):
        n = one(con, f'select count(*) from "{kind}"')[0]
        assert n == next(e["rows"] for e in EXPECTED.values() if e["kind"] == kind)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_sums(loaded, name):
    con, _ = loaded
    exp = EXPECTED[name]
    for col, want in exp["sums"].items():
        if exp["kind"] == "inquiries":
            sql = {
                "inquiries": "select count(*) from inquiries",
                "closed": "select count(*) filter (where closed) from inquiries",
            }[col]
        else:
            sql = f'select sum("{col}") from "{exp["kind"]}"'
        got = one(con, sql)[0]
        assert close(got, want), (name, col, got, want)


# ---------------------------------------------------------------- traffic (生意参谋 流量来源)


def test_traffic_file_facts():
    c = EXPECTED[TRAFFIC]["checks"]
    insp = inspect_file((EXAMPLES / TRAFFIC).read_bytes(), TRAFFIC)
    assert insp.file_type == "xls"
    assert insp.sheets == list(c["sheets"])
    assert insp.load_sheets == list(c["sheets"])
    assert insp.header_row == c["header_row"] == c["title_rows"] + 1
    assert insp.period is not None
    assert [d.isoformat() for d in insp.period] == [c["period"]["start"], c["period"]["end"]]
    for sheet, facts in c["sheets"].items():
        one_sheet = inspect_file((EXAMPLES / TRAFFIC).read_bytes(), TRAFFIC, sheet=sheet)
        assert one_sheet.header_row == facts["header_row"]
    # the comparison columns are recognised as such, never mapped to the metric
    assert all(insp.dropped.get(h) == "comparison" for h in c["change_columns_not_metrics"])
    assert not any(insp.mapping.get(h) for h in c["change_columns_not_metrics"])


def test_traffic_by_sheet_device_and_period(loaded):
    con, _ = loaded
    c = EXPECTED[TRAFFIC]["checks"]
    got = dict(rows(con, "select device, count(*) from traffic group by 1"))
    assert got == {f["device"]: f["rows"] for f in c["sheets"].values()}
    # no date column: every row covers the title-row period
    assert rows(con, "select distinct date::varchar, date_end::varchar from traffic") == [
        (c["period"]["start"], c["period"]["end"])
    ]
    assert c["date_column_present"] is False
    assert "date" in one(con, "select derived from _loads where kind = 'traffic' and active")[0]
    cols = workspace.table_columns(con, "traffic")
    assert not set(c["change_columns_not_metrics"]) & set(cols)


def test_traffic_by_device(loaded):
    con, _ = loaded
    for device, want in EXPECTED[TRAFFIC]["checks"]["by_device"].items():
        for col, value in want.items():
            got = one(con, f"select sum({col}) from traffic where device = $d", {"d": device})[0]
            assert close(got, value), (device, col, got, value)


def test_traffic_by_device_source(loaded):
    con, _ = loaded
    for device, sources in EXPECTED[TRAFFIC]["checks"]["by_device_source"].items():
        for source, want in sources.items():
            got = one(
                con,
                "select sum(visitors), sum(paying_buyers), sum(paid_amount) from traffic "
                "where device = $d and source = $s",
                {"d": device, "s": source},
            )
            assert got[0] == want["visitors"] and got[1] == want["paying_buyers"]
            assert close(got[2], want["paid_amount"]), (device, source, got)


def test_traffic_rates_spot_row_and_dash_aov(loaded):
    con, _ = loaded
    c = EXPECTED[TRAFFIC]["checks"]
    conv, uv = one(
        con,
        "select sum(paying_buyers) / sum(visitors), sum(paid_amount) / sum(visitors) from traffic",
    )
    assert close(conv, c["conversion"], 6) and close(uv, c["uv_value"], 6)
    s = c["spot_row"]
    got = one(
        con,
        "select visitors, paying_buyers, paid_amount from traffic "
        "where device = $d and source = $s and source_detail = $sd",
        {"d": s["device"], "s": s["source"], "sd": s["source_detail"]},
    )
    assert got[:2] == (s["visitors"], s["paying_buyers"]) and close(got[2], s["paid_amount"])
    # 客单价 is `-` where no one paid: those rows load with zero payers and zero amount
    assert (
        one(con, "select count(*) from traffic where paying_buyers = 0")[0]
        == c["rows_with_dash_aov"]
    )
    assert one(con, "select sum(paid_amount) from traffic where paying_buyers = 0")[0] == 0


# ---------------------------------------------------------------- products (HTML saved as .xls)


def test_products_file_facts():
    c = EXPECTED[PRODUCTS]["checks"]
    insp = inspect_file((EXAMPLES / PRODUCTS).read_bytes(), PRODUCTS)
    assert insp.file_type == "html" and c["format"].startswith("HTML table")
    assert insp.header_row == c["header_row"] == c["title_rows"] + 1
    assert len(insp.headers) == c["columns"]
    assert [d.isoformat() for d in insp.period] == [c["period"]["start"], c["period"]["end"]]
    for h in c["not_paid_amount"]:
        assert insp.mapping.get(h) != "paid_amount"
    for h in c["not_units_sold"]:
        assert insp.mapping.get(h) != "units_sold"
    for h in c["not_product_id"]:
        assert insp.mapping.get(h) != "product_id"
    assert insp.mapping["支付金额"] == "paid_amount" and insp.mapping["支付件数"] == "units_sold"
    assert insp.mapping["商品ID"] == "product_id"


def test_products_values(loaded):
    con, _ = loaded
    c = EXPECTED[PRODUCTS]["checks"]
    dmin, dmax = one(con, "select min(date)::varchar, max(date)::varchar from products")
    assert (dmin, dmax) == (c["date_min"], c["date_max"])
    assert one(con, "select count(*) from products where date_end <> date")[0] == 0
    assert (
        one(con, "select count(distinct product_id) from products")[0] == c["distinct_product_ids"]
    )
    sold = one(
        con, "select count(distinct product_id) filter (where units_sold > 0) from products"
    )[0]
    assert sold == c["products_with_units_sold"]
    assert close(sold / c["distinct_product_ids"], c["sell_through"], 6)
    types = one(
        con,
        "select typeof(any_value(product_id)), min(length(product_id)), max(length(product_id)), "
        "bool_and(regexp_full_match(product_id, '[0-9]+')) from products",
    )
    assert c["product_id_is_12_digit_text"] and types == ("VARCHAR", 12, 12, True)
    assert (
        one(con, 'select count(*) from products where "主商品ID" <> product_id')[0]
        == c["main_product_id_differs_rows"]
    )
    # `-` in 成功退款金额 is an amount of a row that exists: read as 0, and counted in the report
    reports = loaded[1]
    assert one(con, "select count(*) from products where refund_amount is null")[0] == 0
    assert reports[PRODUCTS].cells_as_zero["成功退款金额"] == c["dash_cells_in_refund_amount"]


def test_products_top_product_first_row_and_rates(loaded):
    con, _ = loaded
    c = EXPECTED[PRODUCTS]["checks"]
    top = c["top_product_by_paid_amount"]
    got = one(
        con,
        "select product_id, sum(paid_amount), sum(units_sold), sum(visitors) "
        "from products group by 1 order by 2 desc limit 1",
    )
    assert got[0] == top["product_id"] and close(got[1], top["paid_amount"])
    assert got[2:] == (top["units_sold"], top["visitors"])
    on_1111 = one(con, "select sum(paid_amount) from products where date = date '2026-11-11'")[0]
    assert close(on_1111, c["paid_amount_on_2026-11-11"])
    conv, cart, refund = one(
        con,
        "select sum(paying_buyers) / sum(visitors), "
        "sum(add_to_cart_buyers) / sum(visitors), "
        "sum(refund_amount) / sum(paid_amount) from products",
    )
    assert close(conv, c["conversion"], 6) and close(cart, c["add_to_cart_rate"], 6)
    assert close(refund, c["refund_rate"], 6)
    f = c["first_row"]
    got = one(
        con,
        "select visitors, paying_buyers, paid_amount from products "
        "where date = $d::date and product_id = $p",
        {"d": f["date"], "p": f["product_id"]},
    )
    assert got[:2] == (f["visitors"], f["paying_buyers"]) and close(got[2], f["paid_amount"])


# ---------------------------------------------------------------- orders (千牛 xlsx)


def test_orders_file_facts(loaded):
    con, reports = loaded
    c = EXPECTED[ORDERS]["checks"]
    insp = inspect_file((EXAMPLES / ORDERS).read_bytes(), ORDERS)
    assert (insp.sheet, insp.header_row) == (c["sheet"], c["header_row"])
    assert reports[ORDERS].sheet == c["sheet"]
    ids = one(
        con,
        "select count(*), count(distinct order_id), min(length(order_id)), "
        "max(length(order_id)), typeof(any_value(order_id)) from orders",
    )
    assert ids == (
        c["orders"],
        c["distinct_order_ids"],
        c["order_id_digits"],
        c["order_id_digits"],
        "VARCHAR",
    )
    assert c["order_id_cell_type"] == "text"
    goods = one(con, 'select sum("买家应付货款"::double) from orders')[0]
    assert close(goods, c["goods_amount_买家应付货款"])
    # the file's times are creation times; a paid order's order_time is its payment time
    tmin, tmax = one(
        con, "select min(created_time)::varchar, max(created_time)::varchar from orders"
    )
    assert (tmin, tmax) == (c["order_time_min"], c["order_time_max"])
    assert (
        one(con, "select count(*) from orders where not paid")[0]
        == c["orders_without_payment_time"]
    )
    assert dict(rows(con, "select status, count(*) from orders group by 1")) == c["status_counts"]
    assert close(
        one(con, "select sum(refund_amount) / sum(paid_amount) from orders")[0], c["refund_rate"], 6
    )
    # every row counts, whatever its status (unpaid orders hold 0.00)
    assert one(con, "select count(*) from orders where paid_amount is null")[0] == 0


def test_orders_buyers_and_repurchase(loaded):
    con, _ = loaded
    c = EXPECTED[ORDERS]["checks"]
    buyers, repeat = one(
        con,
        "with b as (select buyer_id, count(distinct order_id) n from orders "
        "group by 1) select count(*), count(*) filter (where n >= 2) from b",
    )
    assert (buyers, repeat) == (c["distinct_buyers"], c["buyers_with_2plus_orders"])
    assert close(repeat / buyers, c["repurchase_rate"], 6)


def test_orders_by_province(loaded):
    con, _ = loaded
    c = EXPECTED[ORDERS]["checks"]
    by = rows(
        con,
        "select province, sum(paid_amount), count(distinct order_id), "
        "count(distinct buyer_id) from orders group by 1",
    )
    assert len(by) == c["provinces"]
    got = {p: (round(float(s), 2), n, b) for p, s, n, b in by}
    want = {
        p: (
            c["paid_amount_by_province"][p],
            c["orders_by_province"][p],
            c["distinct_buyers_by_province"][p],
        )
        for p in c["paid_amount_by_province"]
    }
    assert got == want
    for short, full in c["address_first_token_examples"].items():
        assert full in got and short not in got
    cities = one(
        con, "select count(*) filter (where city is null), count(distinct city) from orders"
    )
    assert cities[0] == 0 and cities[1] > 29


def test_orders_personal_data_is_not_stored(loaded):
    con, _ = loaded
    c = EXPECTED[ORDERS]["checks"]
    cols = workspace.table_columns(con, "orders")
    for h in c["pii_columns_not_stored"]:
        assert h.split(" ")[0] not in cols
    assert "收货地址" not in cols
    # and no stored text carries a masked phone number or a street part of an address
    text_cols = [
        r[0]
        for r in rows(
            con,
            "select column_name from information_schema.columns "
            "where table_name = 'orders' and data_type = 'VARCHAR'",
        )
    ]
    for col in text_cols:
        q = workspace.quote_ident(col)
        leaked = one(
            con,
            f"select count(*) from orders where {q} like '%****%' "
            f"or {q} like '%街道%' or {q} like '%路%号%'",
        )[0]
        assert leaked == 0, col
    assert "province" in json.loads(one(con, "select derived from _loads where kind = 'orders'")[0])


# ---------------------------------------------------------------- inquiries (1688, GB18030 CSV)


def test_inquiries_values(loaded):
    con, _ = loaded
    c = EXPECTED[INQUIRIES]["checks"]
    insp = inspect_file((EXAMPLES / INQUIRIES).read_bytes(), INQUIRIES)
    assert insp.encoding == "gb18030" and c["encoding"].startswith("gb18030")
    assert insp.header_row == c["header_row"]
    assert one(con, "select typeof(any_value(closed)) from inquiries")[0] == "BOOLEAN"
    n, closed = one(con, "select count(*), count(*) filter (where closed) from inquiries")
    assert close(closed / n, c["close_rate"], 6)
    for channel, want in c["by_channel"].items():
        got = one(
            con,
            "select count(*), count(*) filter (where closed) from inquiries where channel = $c",
            {"c": channel},
        )
        assert got == (want["inquiries"], want["closed"])
        assert close(got[1] / got[0], want["close_rate"], 6)
    by_type = {
        t: {"inquiries": a, "closed": b}
        for t, a, b in rows(
            con,
            "select customer_type, count(*), count(*) filter (where closed) from inquiries group by 1",
        )
    }
    assert by_type == c["by_customer_type"]
    assert (
        one(con, "select count(distinct customer_id) from inquiries")[0] == c["distinct_customers"]
    )
    assert (
        dict(rows(con, "select province, count(*) from inquiries group by 1"))
        == c["inquiries_by_province"]
    )
    dmin, dmax = one(con, "select min(date)::varchar, max(date)::varchar from inquiries")
    assert (dmin, dmax) == (c["date_min"], c["date_max"])
    assert c["empty_transaction_type_when_not_closed"]
    assert (
        one(
            con, "select count(*) from inquiries where not closed and transaction_type is not null"
        )[0]
        == 0
    )
    # CRLF line ends leave nothing behind in the values
    assert (
        one(con, "select count(*) from inquiries where follow_up like '%' || chr(13) || '%'")[0]
        == 0
    )


# ---------------------------------------------------------------- image_tests (main-image A/B)


def test_image_tests_by_variant(loaded):
    con, _ = loaded
    c = EXPECTED[IMAGES]["checks"]
    insp = inspect_file((EXAMPLES / IMAGES).read_bytes(), IMAGES)
    assert insp.encoding == "utf-8"
    assert rows(con, "select distinct test_id from image_tests") == [(c["test_id"],)]
    assert [r[0] for r in rows(con, "select distinct variant from image_tests order by 1")] == c[
        "variants"
    ]
    assert rows(con, "select distinct variant from image_tests where is_control") == [
        (c["control_variant"],)
    ]
    dmin, dmax = one(con, "select min(date)::varchar, max(date)::varchar from image_tests")
    assert (dmin, dmax) == (c["date_min"], c["date_max"])
    for variant, want in c["by_variant"].items():
        got = one(
            con,
            "select count(distinct date), sum(impressions), sum(clicks), sum(orders), "
            "sum(clicks) / sum(impressions) from image_tests where variant = $v",
            {"v": variant},
        )
        assert got[:4] == (want["days"], want["impressions"], want["clicks"], want["orders"])
        assert close(got[4], want["ctr"], 6)
