"""Uploads that merge, under AppTest: two overlapping files through the Data page, a
replace that asks first, removing one load; the Overview right after one month's upload
(its default range and the compare notice); money in two currencies."""

from datetime import date, timedelta

import pytest
from conftest import shown

from shopsight import numbers, workspace
from shopsight.i18n import t
from shopsight.ingest import load_file
from shopsight.mdtext import plain
from shopsight.ui import query_cache as ui_data
from shopsight.ui.upload import file_slug

DATA, OVERVIEW = "views/data.py", "views/overview.py"


def traffic_csv(first: date, last: date, visitors: int) -> bytes:
    lines = ["日期,流量来源,访客数,支付买家数,支付金额"]
    d = first
    while d <= last:
        lines.append(f"{d.isoformat()},手淘搜索,{visitors},{visitors // 10},{visitors * 2}.00")
        d += timedelta(days=1)
    return ("\n".join(lines) + "\n").encode()


def upload_and_load(at, name: str, body: bytes, mode: str | None = None):
    at.file_uploader(key="data_upload").upload(name, body, "text/csv").run()
    slug = file_slug(name, len(body))
    if mode is not None:
        at.radio(key=f"data_mode_{slug}").set_value(mode).run()
    at.button(key=f"data_load_{slug}").click().run()
    assert not at.exception
    return slug


def stored(ws: workspace.Workspace, sql: str):
    with ui_data._database(str(ws.path.resolve())).cursor() as cur:
        return cur.execute(sql).fetchall()


def test_two_overlapping_uploads_merge_and_one_load_can_go(app, empty_ws):
    at = app("empty", DATA)
    week1 = traffic_csv(date(2026, 11, 1), date(2026, 11, 7), 100)
    week2 = traffic_csv(date(2026, 11, 5), date(2026, 11, 14), 300)  # 11-05..11-07 again
    slug1 = upload_and_load(at, "生意参谋_w1.csv", week1)
    assert at.radio(key=f"data_mode_{slug1}").value == "merge"  # merge is the default
    upload_and_load(at, "生意参谋_w2.csv", week2)
    # brute force: days 1-4 from week 1, days 5-14 from week 2
    want = 4 * 100 + 10 * 300
    assert stored(empty_ws, "select count(*), sum(visitors) from traffic") == [(14, want)]
    assert t("data.replaced", "zh", rows=3) in [i.value for i in at.info]
    loads = next(d.value for d in at.dataframe if t("data.ld_ranges", "zh") in d.value.columns)
    assert loads[t("data.ld_rows", "zh")].tolist() == [4, 10]
    assert loads[t("data.ld_ranges", "zh")].tolist() == ["11-01~11-04", "11-05~11-14"]
    assert loads[t("data.ld_platform", "zh")].tolist() == ["淘宝/天猫", "淘宝/天猫"]
    assert at.get("vega_lite_chart")  # the coverage strip

    # removing load 1 asks first, then takes exactly its 4 rows
    at.selectbox(key="data_unload_pick").set_value(1).run()
    at.button(key="data_unload").click().run()
    assert t("data.unload_confirm", "zh", id=1, file="生意参谋_w1.csv", rows=4) in [
        shown(w.value) for w in at.warning
    ]
    at.button(key="data_unload_yes").click().run()
    assert not at.exception
    assert stored(empty_ws, "select count(*), sum(visitors) from traffic") == [(10, 3000)]


def test_a_category_upload_says_which_products_it_kept(app, empty_ws):
    at = app("empty", DATA)
    head = "统计日期,商品ID,商品名称,支付金额\n"
    down = head + "2026-11-01,P1,羽绒服,100.00\n2026-11-01,P2,羽绒马甲,80.00\n"
    tops = head + "2026-11-01,P3,卫衣,60.00\n"
    upload_and_load(at, "商品_羽绒服.csv", down.encode())
    upload_and_load(at, "商品_卫衣.csv", tops.encode())
    assert t("data.products_kept", "zh", n=2) in [i.value for i in at.info]
    assert stored(empty_ws, "select count(*), sum(paid_amount) from products") == [(3, 240)]


def test_replacing_a_dataset_asks_with_its_row_count(app, empty_ws):
    at = app("empty", DATA)
    upload_and_load(at, "a.csv", traffic_csv(date(2026, 11, 1), date(2026, 11, 30), 100))
    body = traffic_csv(date(2026, 12, 1), date(2026, 12, 6), 50)
    slug = upload_and_load(at, "b.csv", body, mode="replace")
    # nothing happened yet: the warning says how many rows go
    assert stored(empty_ws, "select count(*) from traffic") == [(30,)]
    assert t("data.replace_confirm", "zh", file="b.csv", kind="流量", rows=30) in [
        shown(w.value) for w in at.warning
    ]
    at.button(key=f"data_replace_yes_{slug}").click().run()
    assert not at.exception
    assert stored(empty_ws, "select count(*), min(date) from traffic") == [(6, date(2026, 12, 1))]


def test_overview_right_after_one_month_upload(app, empty_ws):
    at = app("empty", DATA)
    upload_and_load(
        at, "生意参谋_10月.csv", traffic_csv(date(2026, 10, 1), date(2026, 10, 31), 200)
    )
    at.switch_page(OVERVIEW).run()
    assert not at.exception
    # the whole month, not 10-02~10-31
    assert (at.query_params["start"], at.query_params["end"]) == ("2026-10-01", "2026-10-31")
    # September holds nothing: no percentage on any card, the notice names the days
    deltas = {m.label: m.delta for m in at.metric}
    assert deltas and set(deltas.values()) == {t("overview.compare_incomplete", "zh")}
    assert t(
        "overview.compare_incomplete_days",
        "zh",
        start="2026-08-31",
        end="2026-09-30",
        count=31,
        kind="流量",
        days=plain("08-31~09-30"),
    ) in [w.value for w in at.warning]
    assert {m.label: m.value for m in at.metric}["访客数"] == f"{31 * 200:,}"


def orders_files(tmp_path):
    taobao = tmp_path / "ExportOrderList_11.csv"
    taobao.write_text(
        "订单编号,买家会员名,订单付款时间,买家实付金额,订单状态\n"
        "T1,b1,2026-11-01 10:00:00,100.00,交易成功\n"
        "T2,b2,2026-11-02 10:00:00,250.50,交易成功\n",
        encoding="utf-8",
    )
    shopify = tmp_path / "orders_export_1.csv"
    shopify.write_text(
        "Name,Financial Status,Paid at,Currency,Lineitem name,Total\n"
        "#1001,paid,2026-11-01 09:00:00,USD,Hoodie,40.00\n"
        "#1002,paid,2026-11-02 09:00:00,USD,Cap,12.25\n",
        encoding="utf-8",
    )
    return taobao, shopify


@pytest.fixture
def two_currencies(empty_ws, tmp_path):
    for path in orders_files(tmp_path):
        load_file(empty_ws, path, path.name)
    return empty_ws


def paid_card(at) -> str:
    return {m.label: m.value for m in at.metric}["支付金额"]


def test_two_currencies_are_never_added_up_silently(app, two_currencies):
    at = app("empty", OVERVIEW)
    assert not at.exception
    # the cards count the currency the filter picks (CNY first), the others are named
    assert paid_card(at) == numbers.fmt_money(350.50, "zh")
    text = " ".join(w.value for w in at.warning)
    assert "¥350.50 + US$52.25" in text and "USD" in text


def test_two_currencies_converted_at_entered_rates(app, two_currencies):
    with ui_data._database(str(two_currencies.path.resolve())).cursor() as cur:
        workspace.set_setting(cur, "fx_rates", {"USD": 7.0})
    at = app("empty", OVERVIEW)
    assert not at.exception
    assert paid_card(at) == numbers.fmt_money(350.50, "zh")
    total = numbers.fmt_money(350.50 + 52.25 * 7.0, "zh")
    assert any("1 USD = 7 CNY" in c.value and total in c.value for c in at.caption)


def test_one_foreign_currency_shows_its_symbol(app, empty_ws, tmp_path):
    _, shopify = orders_files(tmp_path)
    load_file(empty_ws, shopify, shopify.name)
    at = app("empty", OVERVIEW)
    assert not at.exception
    assert paid_card(at) == "US$52.25"


def test_data_page_edits_a_load_platform_and_saves_rates(app, two_currencies):
    at = app("empty", DATA)
    assert not at.exception
    loads = next(d.value for d in at.dataframe if t("data.ld_ranges", "zh") in d.value.columns)
    assert loads[t("data.ld_platform", "zh")].tolist() == ["淘宝/天猫", "Shopify"]
    assert loads[t("data.ld_currency", "zh")].tolist() == ["CNY", "USD"]
    # the rate of the one foreign currency, saved in the workspace
    at.number_input(key="data_fx_USD").set_value(7.1).run()
    at.button(key="data_fx_save").click().run()
    assert not at.exception
    with ui_data._database(str(two_currencies.path.resolve())).cursor() as cur:
        assert workspace.get_setting(cur, "fx_rates") == {"USD": 7.1}
    # the first load was in fact a 京东 export: its rows follow the correction
    at.selectbox(key="data_edit_load").set_value(1).run()
    at.selectbox(key="data_edit_platform_1").set_value("京东").run()
    at.button(key="data_edit_save").click().run()
    assert not at.exception
    assert stored(
        two_currencies, "select platform, count(*) from orders group by 1 order by 1"
    ) == [("Shopify", 2), ("京东", 2)]
    loads = next(d.value for d in at.dataframe if t("data.ld_ranges", "zh") in d.value.columns)
    assert loads[t("data.ld_platform", "zh")].tolist() == ["京东", "Shopify"]
