"""Inquiries page under AppTest: the cards, tables and map equal the rows written, the
province filter applies, the filters that do not apply are named, open inquiries are
oldest first and their download is formula-escaped."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pandas as pd
import pyarrow as pa
import pytest

from shopsight import metrics, teams, workspace
from shopsight.i18n import t
from shopsight.ui import downloads
from shopsight.ui import inquiries_page as view

PAGE = "views/inquiries.py"
LINK = {"start": "2026-11-01", "end": "2026-11-30"}


def frame(at, column: str) -> pd.DataFrame:
    """The table on the page that has this column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def cards(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_small_shop_cards_tables_and_map(app, small_ws):
    at = app("small", PAGE, **LINK)
    assert not at.exception
    shown = cards(at)
    # small shop: 12 inquiries on 11-01..11-12, closed on days 0, 3, 6, 9, 500 each
    assert shown[metrics.label("inquiries", "zh")] == "12"
    assert shown[metrics.label("closed_inquiries", "zh")] == "4"
    assert shown[metrics.label("close_rate", "zh")] == "33.33%"
    assert shown[metrics.label("deal_amount", "zh")] == "¥2,000.00"
    by_channel = frame(at, t("inq.col_channel", "zh"))
    assert by_channel.iloc[0].tolist()[:4] == [
        "旺旺",
        12,
        4,
        pytest.approx(0.3333),
    ]  # the grid shows 33.33%
    provinces = frame(at, t("inq.col_province", "zh"))
    counts = dict(
        zip(
            provinces[t("inq.col_province", "zh")],
            provinces[metrics.label("inquiries", "zh")],
            strict=True,
        )
    )
    assert counts == {"浙江省": 3, "广东省": 3, "北京市": 3, "四川省": 3}
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    features = {
        f["properties"]["name"]: f["properties"] for f in deck["layers"][0]["data"]["features"]
    }
    assert features["浙江省"]["value_text"] == "3"
    assert features["西藏自治区"]["value_text"] == "—"
    opened = frame(at, t("inq.open_age_days", "zh"))
    assert len(opened) == 8  # not closed, none marked lost
    days = opened[t("inq.open_date", "zh")].tolist()
    assert days == sorted(days) and days[0] == "2026-11-02"
    assert opened[t("inq.open_age_days", "zh")].iloc[0] == 28
    assert at.get("download_button")


def test_province_filter_applies_and_other_filters_are_named(app, small_ws):
    at = app("small", PAGE, **LINK, prov="浙江省", src="手淘搜索")
    assert not at.exception
    assert cards(at)[metrics.label("inquiries", "zh")] == "3"
    note = t("inq.filters_not_applied", "zh", names=t("filters.source", "zh"))
    assert note in [c.value for c in at.caption]


def test_no_inquiries_in_range_says_where_the_data_is(app, small_ws):
    at = app("small", PAGE, start="2026-10-01", end="2026-10-15")
    assert not at.exception
    assert any("2026-11-01 ~ 2026-11-12" in i.value for i in at.info)


def test_english_page(app, small_ws):
    at = app("small", PAGE, **LINK, lang="en")
    assert not at.exception
    assert at.title[0].value == t("inq.title", "en")
    assert cards(at)["Close rate"] == "33.33%"


def test_without_inquiries_the_page_points_to_the_data_page(app, empty_ws):
    at = app("empty", PAGE)
    assert not at.exception
    assert at.info[0].value == t("inq.empty", "zh")


@pytest.fixture
def risky_ws(data_dir):
    """Inquiries whose text cells start like spreadsheet formulas."""
    team = teams.create_team("risky")
    rows = [
        {
            "date": date(2026, 11, 1) + timedelta(days=n),
            "customer_id": f"=c{n}",
            "channel": "+旺旺",
            "closed": False,
            "follow_up": '=HYPERLINK("http://x")',
            "province": "浙江省",
            "reason_not_closed": "@价格",
        }
        for n in range(3)
    ]
    con = team.workspace.connect()
    try:
        workspace.write_dataset(
            team.workspace, "inquiries", pa.Table.from_pylist(rows), file="inq.csv", con=con
        )
    finally:
        con.close()
    return team.workspace


def test_open_inquiries_download_is_formula_escaped(app, risky_ws):
    at = app("risky", PAGE, **LINK)
    assert not at.exception
    opened = frame(at, t("inq.open_age_days", "zh"))
    assert opened[t("inq.open_follow_up", "zh")].iloc[0] == '=HYPERLINK("http://x")'
    csv = downloads.safe_csv(opened).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(csv), dtype=str)
    for col in (
        t("inq.open_customer_id", "zh"),
        t("inq.open_channel", "zh"),
        t("inq.open_follow_up", "zh"),
        t("inq.open_reason_not_closed", "zh"),
    ):
        assert all(v.startswith("'") for v in back[col]), col
    # the page's table is the download's frame: view.open_table of the query rows
    assert list(opened.columns) == [t(f"inq.open_{c}", "zh") for c in view.OPEN_COLUMNS]
