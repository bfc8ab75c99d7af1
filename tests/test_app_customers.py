"""Customers page under AppTest: cards equal the queries, the charts and the segment table
are there, the widgets (period grain, segment, forecast metric and days) work, short
history and an empty workspace get their messages, English too."""

from __future__ import annotations

from datetime import date

import pytest

from shopsight import customer_analysis, metrics
from shopsight.i18n import t
from shopsight.ui import kpi_cards

PAGE = "views/customers.py"
ALL = {"start": "2026-10-01", "end": "2026-11-30"}


def metric_values(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_page_shows_the_customer_numbers(app, small_ws, run_query):
    at = app("small", PAGE, **ALL, cmp="none")
    assert not at.exception
    params = {
        "start": date(2026, 10, 1),
        "end": date(2026, 11, 30),
        "src": None,
        "dev": None,
        "prov": None,
        "plat": None,
        "cur": None,
    }
    s = customer_analysis.summary(run_query(small_ws, "customers_summary", **params))
    cards = metric_values(at)
    assert cards[metrics.label("paying_buyers", "zh")] == kpi_cards.card_value(
        "paying_buyers", s["buyers"], "zh"
    )
    assert cards[t("customers.new_buyers", "zh")] == kpi_cards.card_value(
        "paying_buyers", s["new_buyers"], "zh"
    )
    assert cards[metrics.label("repurchase_rate", "zh")] == kpi_cards.card_value(
        "repurchase_rate", s["repurchase_rate"], "zh"
    )
    assert s["buyers"] == 40 and s["repeat_buyers"] == 40  # 40 buyers over 61 days
    # new vs returning (2), 复购率, heatmap, forecast
    assert len(at.get("vega_lite_chart")) == 5
    table = at.dataframe[0].value
    rfm = customer_analysis.segments(run_query(small_ws, "customers_rfm", **params, segment=None))
    assert table[t("customers.col_buyers", "zh")].astype(int).sum() == s["buyers"]
    assert list(table[t("customers.col_segment", "zh")]) == [
        t(f"customers.seg_{k}", "zh") for k in rfm["segment"]
    ]
    first = rfm.iloc[0]
    assert at.get("download_button")[0].proto.label == t(
        "customers.download", "zh", count=str(int(first["buyers"]))
    )
    # the forecast: 61 days of history, the backtest said
    assert any("MAPE" in c.value for c in at.caption)
    assert len(at.success) + len(at.warning) == 1


def test_segment_download_lists_the_segment_on_click(small_ws, run_query, monkeypatch):
    """The download's file is built when clicked, off the script run: with the workspace
    and data version of the run that drew the button, every buyer of the segment,
    largest paid amount first, as customers_rfm lists them."""
    from shopsight.ui import customers_page, downloads, query_cache, session
    from shopsight.ui.filters import Filters

    f = Filters(start=date(2026, 10, 1), end=date(2026, 11, 30))
    monkeypatch.setattr(session, "workspace_dir", lambda: str(small_ws.path.resolve()))
    monkeypatch.setattr(query_cache, "version", lambda: (1, 1, 0))
    segs = customers_page.rfm(f)
    assert segs["buyer_ids"].isna().all()  # the page's table lists no ids
    for segment in segs["segment"]:
        build = customers_page.segment_csv(f, segment)
        # the session is gone when the click's thread builds the file
        monkeypatch.setattr(session, "workspace_dir", lambda: 1 / 0)
        monkeypatch.setattr(query_cache, "version", lambda: 1 / 0)
        listed = run_query(small_ws, "customers_rfm", **f.params(), segment=segment)
        want = customer_analysis.segment_buyers(listed, segment)
        assert len(want) == int(segs.loc[segs["segment"] == segment, "buyers"].iloc[0])
        assert build() == downloads.safe_csv(want)
        monkeypatch.setattr(session, "workspace_dir", lambda: str(small_ws.path.resolve()))
        monkeypatch.setattr(query_cache, "version", lambda: (1, 1, 0))


def test_widgets_change_the_view(app, small_ws):
    at = app("small", PAGE, **ALL)
    at.segmented_control(key="cu_grain").set_value("month").run()
    assert not at.exception
    assert at.query_params.get("cu_grain") == "month"
    options = at.selectbox(key="cu_segment").options
    assert len(options) >= 1
    at.selectbox(key="cu_segment").set_value(at.selectbox(key="cu_segment").options[-1]).run()
    assert not at.exception
    at.segmented_control(key="cu_fc_metric").set_value("paying_buyers").run()
    at.segmented_control(key="cu_fc_days").set_value("7").run()
    assert not at.exception
    forecast_table = at.dataframe[-1].value
    assert len(forecast_table) == 7
    assert forecast_table[t("customers.forecast_chart_day", "zh")].iloc[0] == "2026-12-01"


def test_short_history_says_so(app, small_ws):
    at = app("small", PAGE, start="2026-10-01", end="2026-11-10")
    assert not at.exception
    assert any(t("customers.forecast_short", "zh", days=41, need=56) == i.value for i in at.info)


def test_empty_workspace_and_english(app, empty_ws, small_ws):
    at = app("empty", PAGE)
    assert not at.exception
    assert at.info and "买家ID" in at.info[0].value
    at = app("small", PAGE, **ALL, locale="en-US")
    assert not at.exception
    assert at.title[0].value == t("customers.title", "en")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_orders_at_all_says_to_upload_them_not_to_pick_dates(app, empty_ws, orders_ws, lang):
    locale = {"zh": "zh-CN", "en": "en-US"}[lang]
    at = app("empty", PAGE, locale=locale)
    assert not at.exception
    assert [i.value for i in at.info] == [t("customers.no_orders", lang)]
    assert not at.warning  # no "compare period incomplete" about data that was never loaded
    assert [p.label for p in at.get("page_link")] == [t("overview.go_data", lang)]
    no_dates = t("customers.no_buyers", lang, start="2026-11-01", end="2026-11-30")
    assert at.info[0].value != no_dates and "2026" not in at.info[0].value
    # orders loaded, none in the dates: then the dates are the thing to change
    at = app("orders", PAGE, start="2026-10-01", end="2026-10-20", locale=locale)
    assert not at.exception
    assert [i.value for i in at.info] == [
        t("customers.no_buyers", lang, start="2026-10-01", end="2026-10-20")
    ]


@pytest.mark.parametrize("prov", ["浙江省"])
def test_filters_apply(app, small_ws, run_query, prov):
    at = app("small", PAGE, **ALL, prov=prov, cmp="none")
    assert not at.exception
    s = customer_analysis.summary(
        run_query(
            small_ws,
            "customers_summary",
            start=date(2026, 10, 1),
            end=date(2026, 11, 30),
            src=None,
            dev=None,
            prov=[prov],
            plat=None,
            cur=None,
        )
    )
    assert metric_values(at)[metrics.label("paying_buyers", "zh")] == kpi_cards.card_value(
        "paying_buyers", s["buyers"], "zh"
    )
    assert s["buyers"] < 40
