"""Funnel page under AppTest: the numbers shown equal the queries (and shopsight.event_funnel)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pyarrow as pa
import pytest
from conftest import shown, small_tables

from shopsight import event_funnel, numbers, workspace
from shopsight.i18n import t
from shopsight.ui import funnel_page as fn
from shopsight.ui import query_cache

PAGE = "views/funnel.py"
NOV = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}
OCT = {"cmp_start": date(2026, 10, 2), "cmp_end": date(2026, 10, 31)}
NO_FILTERS = {"src": None, "dev": None, "prov": None, "plat": None, "cur": None, "cat": None}
T0 = datetime(2026, 11, 10, 10, 0)


def cards(at) -> dict[str, tuple[str, str]]:
    return {shown(m.label): (m.value, m.delta) for m in at.metric}


def count(v) -> str:
    return numbers.fmt(v, "int", "zh")  # cards: compact from 10万


def table(at, n=0):
    return at.dataframe[n].value


# ---------- the shop funnel (traffic on the small shop)


def test_shop_funnel_equals_the_query(app, small_ws, run_query):
    at = app("small", PAGE)
    assert not at.exception
    r = run_query(small_ws, "funnel_steps_traffic", **NOV, **OCT, **NO_FILTERS, by=None).iloc[0]
    want = {
        "访客": (
            count(r["visitors"]),
            numbers.fmt_change(numbers.change(r["visitors"], r["cmp_visitors"]), "zh"),
        ),
        "加购": (
            count(r["add_to_cart_buyers"]),
            numbers.fmt_change(
                numbers.change(r["add_to_cart_buyers"], r["cmp_add_to_cart_buyers"]), "zh"
            ),
        ),
        "支付": (
            count(r["paying_buyers"]),
            numbers.fmt_change(numbers.change(r["paying_buyers"], r["cmp_paying_buyers"]), "zh"),
        ),
    }
    assert cards(at) == want
    assert cards(at)["访客"][0] == "32,290"  # hand check, as on the Overview
    shown = table(at).set_index(t("funnel.col_step", "zh"))
    assert shown.index.tolist() == ["访客", "加购", "支付"]
    pay = shown.loc["支付"]
    assert pay[t("funnel.col_from_first", "zh")] == numbers.fmt_pct(
        r["paying_buyers"] / r["visitors"], "zh"
    )
    assert pay[t("funnel.col_step_conversion", "zh")] == numbers.fmt_pct(
        r["paying_buyers"] / r["add_to_cart_buyers"], "zh"
    )
    assert (
        pay[t("funnel.col_drop_off", "zh")]
        == f"{int(r['add_to_cart_buyers'] - r['paying_buyers']):,}"
    )
    change = r["paying_buyers"] / r["visitors"] - r["cmp_paying_buyers"] / r["cmp_visitors"]
    assert pay[t("funnel.col_change_points", "zh")] == f"{change * 100:+.2f} pt"
    captions = " ".join(c.value for c in at.caption)
    assert t("funnel.no_order_step", "zh") in captions
    assert len(at.get("vega_lite_chart")) == 1


def test_split_by_device_and_link(app, small_ws, run_query):
    at = app("small", PAGE)
    at.segmented_control(key="fn_split").set_value("device").run()
    assert not at.exception
    assert at.query_params["fn_split"] == "device"
    rows = run_query(small_ws, "funnel_steps_traffic", **NOV, **OCT, **NO_FILTERS, by="device")
    seg = table(at, 1).set_index(t("funnel.by_device", "zh"))
    assert seg.index.tolist() == rows["segment"].tolist() == ["无线", "PC"]
    for r in rows.to_dict("records"):
        assert seg.loc[r["segment"], "访客"] == f"{int(r['visitors']):,}"
        assert seg.loc[
            r["segment"], f"支付 · {t('funnel.col_from_first', 'zh')}"
        ] == numbers.fmt_pct(r["paying_buyers"] / r["visitors"], "zh")
    assert len(at.get("vega_lite_chart")) == 2
    again = app("small", PAGE, fn_split="device")
    assert again.segmented_control(key="fn_split").value == "device"
    bad = app("small", PAGE, fn_split="city")
    assert bad.segmented_control(key="fn_split").value == "none" and len(bad.toast) == 1


def test_source_filter_applies(app, small_ws, run_query):
    at = app("small", PAGE, src="直通车")
    assert not at.exception
    r = run_query(
        small_ws, "funnel_steps_traffic", **NOV, **OCT, **{**NO_FILTERS, "src": ["直通车"]}, by=None
    ).iloc[0]
    assert cards(at)["访客"][0] == count(r["visitors"]) == "10,530"


def test_benchmarks_are_saved_per_workspace_and_shown(app, small_ws):
    at = app("small", PAGE)
    at.number_input(key="fn_bench_conversion").set_value(5.0).run()
    at.number_input(key="fn_bench_add_to_cart_rate").set_value(9.5).run()
    at.button(key="fn_bench_save").click().run()
    assert not at.exception
    with query_cache.cursor(str(small_ws.path.resolve())) as cur:
        saved = workspace.get_setting(cur, "benchmarks")
    assert saved == {"conversion": pytest.approx(0.05), "add_to_cart_rate": pytest.approx(0.095)}
    shown = table(at).set_index(t("funnel.col_step", "zh"))
    assert shown.loc["支付", t("funnel.col_benchmark", "zh")] == "5.00%"
    assert shown.loc["加购", t("funnel.col_benchmark", "zh")] == "9.50%"
    fresh = app("small", PAGE)  # a new session sees the saved values
    assert fresh.number_input(key="fn_bench_conversion").value == pytest.approx(5.0)


def test_products_when_no_traffic(app, data_dir):
    ws = workspace.open_workspace("prod")
    workspace.write_dataset(ws, "products", small_tables()["products"], file="products.csv")
    at = app("prod", PAGE)
    assert not at.exception
    assert list(cards(at)) == ["访客", "支付"]  # the fixture has no 加购 for products
    captions = " ".join(c.value for c in at.caption)
    assert t("funnel.products_caption", "zh") in captions
    assert (
        t("funnel.shop_caption", "zh", kind="商品", start="2026-11-01", end="2026-11-30")
        in captions
    )
    at.segmented_control(key="fn_split").set_value("category").run()
    assert set(table(at, 1)[t("funnel.by_category", "zh")]) == {"T恤", "卫衣"}


def test_empty_workspace(app, empty_ws):
    at = app("empty", PAGE)
    assert not at.exception
    assert at.info[0].value == t("funnel.empty_body", "zh")


# ---------- the event funnel


def ev(user, event, minutes, source="手淘搜索", device="无线", day=T0):
    return {
        "user_id": user,
        "event": event,
        "event_time": day + timedelta(minutes=minutes),
        "source": source,
        "device": device,
        "province": "浙江省",
        "product_id": "p1",
    }


EVENTS = [
    ev("u1", "view", 0),
    ev("u1", "cart", 10),
    ev("u1", "pay", 25),
    ev("u2", "view", 0, device="PC"),
    ev("u2", "cart", 40, device="PC"),
    ev("u2", "pay", 120, device="PC"),
    ev("u3", "view", 5, source="直通车"),
    ev("u3", "cart", 6, source="直通车"),
    ev("u4", "view", 0, source="直通车"),
    ev("u4", "pay", 3, source="直通车"),
    ev("u5", "cart", 0),
    ev("u5", "view", 1),
    # the compare period (the view is 2026-10-12..11-10, compared with 09-12..10-11)
    ev("u9", "view", 0, day=datetime(2026, 10, 1, 9)),
    ev("u9", "cart", 5, day=datetime(2026, 10, 1, 9)),
]
EV_RANGE = {"start_date": date(2026, 10, 12), "end_date": date(2026, 11, 10)}
EV_COMPARE = {"start_date": date(2026, 9, 12), "end_date": date(2026, 10, 11)}


@pytest.fixture
def events_ws(data_dir):
    ws = workspace.open_workspace("ev")
    workspace.write_dataset(ws, "events", pa.Table.from_pylist(EVENTS), file="events.csv")
    return ws


def expected(ws, steps, window, by=None, dates=EV_RANGE, **filters):
    with query_cache._database(str(ws.path.resolve())).cursor() as cur:
        return event_funnel.event_funnel(cur, steps, window, by, **dates, **filters)


def event_cards(at):
    return {label.split(". ", 1)[1]: value for label, (value, _) in cards(at).items()}


def test_event_funnel_default_steps_equal_shopsight_funnel(app, events_ws):
    at = app("ev", PAGE)
    assert not at.exception
    assert at.segmented_control(key="fn_view").value == "events"  # no traffic or products
    # default steps: the most frequent events in the range first (view 5, cart 4, pay 3)
    assert [at.selectbox(key=f"fn_steps_{i}").value for i in range(1, 5)] == [
        "view",
        "cart",
        "pay",
        "",
    ]
    want = expected(events_ws, ["view", "cart", "pay"], "1d")["steps"]
    assert event_cards(at) == {s["step"]: count(s["users"]) for s in want}
    assert [s["users"] for s in want] == [5, 3, 2]  # hand check (see tests/test_cli_funnel.py)
    before = expected(events_ws, ["view", "cart", "pay"], "1d", dates=EV_COMPARE)["steps"]
    assert [s["users"] for s in before] == [1, 1, 0]
    assert cards(at)["1. view"][1] == numbers.fmt_change(5 / 1 - 1, "zh")
    shown = table(at).set_index(t("funnel.col_step", "zh"))
    assert shown.loc["3. pay", t("funnel.col_from_first", "zh")] == numbers.fmt_pct(0.4, "zh")
    assert shown.loc["2. cart", t("funnel.col_change_points", "zh")] == f"{(0.6 - 1) * 100:+.2f} pt"
    assert "fn_steps" not in at.query_params  # the default is left out of the link
    assert t("funnel.time_caption", "zh", users=2) in [c.value for c in at.caption]


def test_window_steps_and_split_follow_the_widgets(app, events_ws):
    at = app("ev", PAGE)
    at.segmented_control(key="fn_window").set_value("30m").run()
    assert not at.exception
    want = expected(events_ws, ["view", "cart", "pay"], "30m")["steps"]
    assert [s["users"] for s in want] == [5, 2, 1]
    assert event_cards(at) == {s["step"]: count(s["users"]) for s in want}
    assert at.query_params["fn_window"] == "30m"

    at.selectbox(key="fn_steps_2").set_value("pay").run()
    at.selectbox(key="fn_steps_3").set_value("").run()
    assert not at.exception
    want = expected(events_ws, ["view", "pay"], "30m")["steps"]
    assert event_cards(at) == {s["step"]: count(s["users"]) for s in want}
    assert at.query_params["fn_steps"] == ["view", "pay"]

    at.segmented_control(key="fn_by").set_value("source").run()
    assert not at.exception
    segs = expected(events_ws, ["view", "pay"], "30m", by="source")["segments"]
    shown = table(at, 1).set_index(t("funnel.by_source", "zh"))
    for source, steps in segs.items():
        assert shown.loc[source, "1. view"] == count(steps[0]["users"])
        assert shown.loc[source, "2. pay"] == count(steps[1]["users"])
    assert at.query_params["fn_by"] == "source"


def test_event_link_round_trip(app, events_ws):
    at = app("ev", PAGE, fn_view="events", fn_steps=["cart", "pay"], fn_window="7d", fn_by="device")
    assert not at.exception
    assert [at.selectbox(key=f"fn_steps_{i}").value for i in range(1, 4)] == ["cart", "pay", ""]
    assert at.segmented_control(key="fn_window").value == "7d"
    want = expected(events_ws, ["cart", "pay"], "7d")["steps"]
    assert event_cards(at) == {s["step"]: count(s["users"]) for s in want}
    assert at.query_params["fn_steps"] == ["cart", "pay"]
    bad = app("ev", PAGE, fn_steps=["view", "'; drop table events; --"])
    assert not bad.exception
    assert [bad.selectbox(key=f"fn_steps_{i}").value for i in range(1, 4)] == [
        "view",
        "cart",
        "pay",
    ]
    assert len(bad.toast) == 1


def test_one_step_asks_for_more(app, events_ws):
    at = app("ev", PAGE)
    for i in (2, 3):
        at.selectbox(key=f"fn_steps_{i}").set_value("").run()
    assert not at.exception
    assert at.info[0].value == t("funnel.pick_steps", "zh")


def test_filters_with_several_values_are_named(app, events_ws):
    at = app("ev", PAGE, src=["手淘搜索", "直通车"])
    assert not at.exception
    names = t("filters.source", "zh")
    assert any(
        t("funnel.events_filters_left_out", "zh", names=names) in c.value for c in at.caption
    )
    one = app("ev", PAGE, src="直通车")
    want = expected(events_ws, ["view", "cart", "pay"], "1d", source="直通车")["steps"]
    assert event_cards(one) == {s["step"]: count(s["users"]) for s in want}
    assert [s["users"] for s in want] == [2, 1, 0]


def test_english(app, events_ws):
    at = app("ev", PAGE, lang="en")
    assert not at.exception
    assert at.title[0].value == "Funnel"
    assert at.segmented_control(key="fn_window").value == fn.DEFAULT_WINDOW
    caption = t(
        "funnel.events_caption",
        "en",
        start="2026-10-12",
        end="2026-11-10",
        window=t("funnel.window_1d", "en"),
    )
    assert any(c.value.startswith(caption) for c in at.caption)
    assert t("funnel.col_step_conversion", "en") in table(at).columns


def test_dates_without_data_say_what_the_data_covers(app, small_ws):
    at = app("small", PAGE, start="2025-01-01", end="2025-01-31")
    assert not at.exception
    assert at.info[0].value == t(
        "funnel.no_rows_in_range", "zh", start="2026-10-01", end="2026-11-30"
    )
