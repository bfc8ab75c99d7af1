"""The three main-image test queries on a small in-memory image_tests table."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from shopsight import abtest_stats, queries, schema

D = dt.date
ROWS = [
    # test_id, variant, date, impressions, clicks, product_id, spend, orders, paid_amount, is_control
    ("hoodie", "control", D(2026, 11, 5), 1000, 30, "p1", 10.0, 2, 200.0, None),
    ("hoodie", "v2", D(2026, 11, 5), 1010, 40, "p1", 11.0, 3, 300.0, None),
    ("hoodie", "control", D(2026, 11, 6), 1200, 33, "p1", 12.0, 1, 100.0, None),
    ("hoodie", "v2", D(2026, 11, 6), 1190, 45, "p1", 12.5, 4, 420.0, None),
    ("hoodie", "v2", D(2026, 11, 6), 10, 1, "p1", 0.5, 0, 0.0, None),  # a second row, same day
    ("hoodie", "control", D(2026, 11, 7), 900, 25, "p1", 9.0, 2, 180.0, None),
    ("hoodie", "v2", D(2026, 11, 7), 880, 36, "p1", 9.5, 2, 190.0, None),
    # creative test: B is flagged as the control and starts a day later; no orders column values
    ("ztc-0101", "A", D(2026, 11, 1), 500, 20, "p9", None, None, None, False),
    ("ztc-0101", "B", D(2026, 11, 2), 520, 15, "p9", None, None, None, True),
    ("ztc-0101", "A", D(2026, 11, 2), 480, 22, "p9", None, None, None, False),
]
ALL = {"test_id": None, "start_date": None, "end_date": None}


@pytest.fixture
def con():
    c = duckdb.connect()
    queries.install_macros(c)  # what workspace connections get
    c.execute(schema.create_table_sql("image_tests"))
    c.executemany(
        "insert into image_tests (test_id, variant, date, impressions, clicks, product_id, spend,"
        " orders, paid_amount, is_control) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ROWS,
    )
    yield c
    c.close()


def test_queries_document_their_params():
    for name in ("abtest_tests", "abtest_variants", "abtest_daily"):
        head = queries.header(name)
        assert head.startswith(f"{name}:")
        for p in queries.params_of(name):
            assert f"${p}" in head


def test_tests_list(con):
    df = queries.run(con, "abtest_tests", **ALL)
    assert df["test_id"].tolist() == ["hoodie", "ztc-0101"]  # newest first
    h = df.iloc[0]
    assert list(h["variants"]) == ["control", "v2"] and h["count_variants"] == 2
    assert h["first_date"].date() == D(2026, 11, 5) and h["last_date"].date() == D(2026, 11, 7)
    assert h["days"] == 3
    assert h["impressions"] == 6190 and h["clicks"] == 210 and h["orders"] == 14
    assert h["ctr"] == pytest.approx(210 / 6190)
    assert h["product_id"] == "p1" and h["count_products"] == 1
    z = df.iloc[1]
    assert list(z["variants"]) == ["A", "B"] and z["impressions"] == 1500
    assert pd.isna(z["orders"])  # null when the sheet had no orders


def test_tests_list_date_filter(con):
    df = queries.run(con, "abtest_tests", start_date=D(2026, 11, 6), end_date=D(2026, 11, 6))
    assert df["test_id"].tolist() == ["hoodie"]
    assert df.iloc[0]["impressions"] == 1200 + 1190 + 10 and df.iloc[0]["days"] == 1
    df = queries.run(con, "abtest_tests", start_date=None, end_date="2026-11-02")
    assert df["test_id"].tolist() == ["ztc-0101"]


def test_variants_totals(con):
    df = queries.run(con, "abtest_variants", test_id="hoodie", start_date=None, end_date=None)
    assert df["variant"].tolist() == ["control", "v2"]
    v2 = df.iloc[1]
    assert v2["impressions"] == 1010 + 1190 + 10 + 880 and v2["clicks"] == 122
    assert v2["orders"] == 9 and v2["spend"] == pytest.approx(33.5)
    assert v2["paid_amount"] == pytest.approx(910.0)
    assert v2["days"] == 3 and not v2["is_control"]
    assert v2["first_date"].date() == D(2026, 11, 5)

    z = queries.run(con, "abtest_variants", test_id="ztc-0101", start_date=None, end_date=None)
    assert z.set_index("variant")["is_control"].to_dict() == {"A": False, "B": True}
    assert z.set_index("variant")["first_date"].dt.date.to_dict() == {
        "A": D(2026, 11, 1),
        "B": D(2026, 11, 2),
    }

    both = queries.run(con, "abtest_variants", **ALL)
    assert both["test_id"].tolist() == ["hoodie", "hoodie", "ztc-0101", "ztc-0101"]
    late = queries.run(
        con, "abtest_variants", test_id="hoodie", start_date="2026-11-07", end_date=None
    )
    assert late["impressions"].tolist() == [900, 880]


def test_daily(con):
    df = queries.run(con, "abtest_daily", test_id="hoodie", start_date=None, end_date=None)
    assert len(df) == 6
    assert [d.date() for d in df["date"]] == [D(2026, 11, 5)] * 2 + [D(2026, 11, 6)] * 2 + [
        D(2026, 11, 7)
    ] * 2
    assert df["variant"].tolist() == ["control", "v2"] * 3
    day2 = df.iloc[3]
    assert day2["impressions"] == 1200 and day2["clicks"] == 46 and day2["orders"] == 4
    window = queries.run(
        con, "abtest_daily", test_id="hoodie", start_date="2026-11-06", end_date="2026-11-06"
    )
    assert window["impressions"].tolist() == [1200, 1200]


def test_sql_feeds_the_engine(con):
    totals = queries.run(con, "abtest_variants", **ALL)
    batch = abtest_stats.analyze_tests(totals)
    assert batch["ztc-0101"].control == "B"  # flagged, although A started earlier
    assert batch["hoodie"].control == "control"
    hoodie = batch["hoodie"].variants.set_index("variant")
    assert hoodie.loc["v2", "ctr"] == pytest.approx(122 / 3090)
    assert hoodie.loc["v2", "cvr"] == pytest.approx(9 / 122)
    assert batch["hoodie"].days == 3
    z = batch["ztc-0101"].variants.set_index("variant")
    assert z["cvr"].isna().all()  # no orders: no secondary metric
    assert batch["ztc-0101"].days == 2

    daily = queries.run(con, "abtest_daily", **ALL)
    cum = abtest_stats.cumulative_daily(daily)
    last = cum.loc[(cum["test_id"] == "hoodie") & (cum["variant"] == "v2")].iloc[-1]
    assert last["cum_impressions"] == 3090 and last["cum_clicks"] == 122
    verdict = abtest_stats.verdict(batch["hoodie"], daily)
    assert verdict["status"] == "winner" and verdict["variant"] == "v2"
    assert verdict["guardrails"] == ["too_short", "peeking"]  # significant only on day 3


def test_rows_with_more_clicks_than_impressions_are_left_out_and_said(con):
    # a day whose two columns were swapped (100 impressions, 3,100 clicks) made the new
    # image's rate 19.95% and the verdict "switch"; a variant with only such rows has none
    con.executemany(
        "insert into image_tests (test_id, variant, date, impressions, clicks) values (?, ?, ?, ?, ?)",
        [
            ("pants", "对照", D(2026, 11, 1), 3000, 90),
            ("pants", "新图", D(2026, 11, 1), 3100, 105),
            ("pants", "新图", D(2026, 11, 2), 100, 3100),
            ("bag", "对照", D(2026, 11, 1), 3000, 90),
            ("bag", "新图", D(2026, 11, 1), 100, 3100),
        ],
    )
    df = queries.run(con, "abtest_variants", test_id="pants", start_date=None, end_date=None)
    assert df[["variant", "impressions", "clicks", "rows_left_out"]].values.tolist() == [
        ["对照", 3000, 90, 0],
        ["新图", 3100, 105, 1],
    ]
    daily = queries.run(con, "abtest_daily", test_id="pants", start_date=None, end_date=None)
    assert daily["clicks"].max() == 105
    result = abtest_stats.analyze(df)
    assert [(e["variant"], e["code"]) for e in result.errors] == [("新图", "rows_left_out")]
    assert abtest_stats.to_json(result)["errors"][0]["code"] == "rows_left_out"
    bag = queries.run(con, "abtest_variants", test_id="bag", start_date=None, end_date=None)
    result = abtest_stats.analyze(bag)
    assert [(e["variant"], e["code"]) for e in result.errors] == [("新图", "clicks_gt_impressions")]
