"""The shop funnel (访客 → 加购 → 下单 → 支付) and the event-funnel shaping in
shopsight/ui/funnel_page.py, and queries/funnel_steps_*.sql, against hand-computed values."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from conftest import small_tables

from shopsight.ui import funnel_page as fn

NOV = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}
OCT = {"cmp_start": date(2026, 10, 2), "cmp_end": date(2026, 10, 31)}
NO_FILTERS = {"src": None, "dev": None, "prov": None, "plat": None, "cur": None, "cat": None}


def sums(**kw):
    base = {
        "visitors": 1000,
        "add_to_cart_buyers": 120,
        "order_buyers": 60,
        "paying_buyers": 45,
        "cmp_visitors": 800,
        "cmp_add_to_cart_buyers": 80,
        "cmp_order_buyers": 40,
        "cmp_paying_buyers": 32,
    }
    return pd.Series({**base, **kw})


def test_steps_frame_hand_computed():
    s = sums()
    f = fn.steps_frame(s, s, {"conversion": 0.05, "add_to_cart_rate": 0.1})
    assert f["step"].tolist() == ["visitors", "add_to_cart_buyers", "order_buyers", "paying_buyers"]
    assert f["users"].tolist() == [1000, 120, 60, 45]
    assert f["conversion_from_previous"].tolist()[1:] == pytest.approx([0.12, 0.5, 0.75])
    assert pd.isna(f["conversion_from_previous"].iloc[0])
    assert f["conversion_from_first"].tolist() == pytest.approx([1, 0.12, 0.06, 0.045])
    assert f["drop_off"].tolist()[1:] == [880, 60, 15]
    assert f["drop_off_rate"].tolist()[1:] == pytest.approx([0.88, 0.5, 0.25])
    assert f["cmp_conversion_from_first"].tolist() == pytest.approx([1, 0.1, 0.05, 0.04])
    assert f["cmp_conversion_from_previous"].tolist()[1:] == pytest.approx([0.1, 0.5, 0.8])
    assert f["change_points"].tolist()[1:] == pytest.approx([0.02, 0.01, 0.005])
    # 同行平均 only for 加购 (加购率) and 支付 (支付转化率)
    assert f["benchmark"].tolist()[1] == 0.1 and f["benchmark"].tolist()[3] == 0.05
    assert pd.isna(f["benchmark"].iloc[2])
    assert f["benchmark_gap"].tolist()[1] == pytest.approx(0.02)
    assert f["benchmark_gap"].tolist()[3] == pytest.approx(-0.005)


def test_steps_frame_skips_missing_steps_and_keeps_non_nested_ones():
    # products have no 下单买家数; 生意参谋 buyers may pay without 加购 (conversion > 100%)
    f = fn.steps_frame(sums(order_buyers=None, add_to_cart_buyers=30))
    assert f["step"].tolist() == ["visitors", "add_to_cart_buyers", "paying_buyers"]
    assert f["conversion_from_previous"].tolist()[2] == pytest.approx(1.5)
    assert f["drop_off"].tolist()[2] == -15
    assert f["cmp_users"].isna().all()  # no compare given
    empty = fn.steps_frame(sums(visitors=0))
    assert empty["conversion_from_first"].isna().all()


def test_segments_frame_caps_and_orders():
    rows = pd.DataFrame(
        {
            "segment": ["无线", "PC", "其他", None],
            "visitors": [900, 100, 0, 50],
            "add_to_cart_buyers": [90, 20, 0, 5],
            "order_buyers": [None] * 4,
            "paying_buyers": [27, 5, 0, 1],
        }
    )
    long, left_out = fn.segments_frame(rows, limit=2)
    assert left_out == 1  # 其他 has no visitors and is not counted
    assert long["segment"].unique().tolist() == ["无线", "PC"]
    pc = long[long["segment"] == "PC"].set_index("step")
    assert pc.loc["paying_buyers", "conversion_from_first"] == pytest.approx(0.05)
    assert pc.loc["paying_buyers", "conversion_from_previous"] == pytest.approx(0.25)
    long, _ = fn.segments_frame(rows)
    assert "—" in set(long["segment"])  # rows without a value


def event_rows(users, segment=None, steps=("view", "cart", "pay")):
    first = users[0]
    return pd.DataFrame(
        {
            "segment": [segment] * len(users),
            "step_index": range(1, len(users) + 1),
            "step": list(steps),
            "users": users,
            "conversion_from_first": [u / first if first else None for u in users],
            "conversion_from_previous": [None]
            + [u / p if p else None for p, u in zip(users, users[1:], strict=False)],
        }
    )


def test_event_frame_and_segments():
    f = fn.event_frame(event_rows([10, 4, 2]), event_rows([5, 1, 1]))
    assert f["drop_off"].tolist()[1:] == [6, 2]
    assert f["conversion_from_previous"].tolist()[1:] == pytest.approx([0.4, 0.5])
    assert f["change_points"].tolist()[1:] == pytest.approx([0.4 - 0.2, 0.2 - 0.2])
    assert f["cmp_users"].tolist() == [5, 1, 1]
    segs = pd.concat(
        [event_rows([3, 1, 0], "PC"), event_rows([7, 3, 2], "无线"), event_rows([1, 0, 0], None)]
    )
    seg, left_out = fn.event_segments(segs, limit=2)
    assert seg["segment"].unique().tolist() == ["无线", "PC"]
    assert left_out == 1
    seg, _ = fn.event_segments(segs)
    assert seg["segment"].unique().tolist() == ["无线", "PC", "—"]


def test_duration_labels_and_time_frame():
    assert fn.duration_label(0, "zh") == "0"
    assert fn.duration_label(300, "zh") == "5分钟"
    assert fn.duration_label(3 * 3600, "en") == "3 h"
    assert fn.duration_label(86400, "zh") == "1天"
    assert fn.duration_label(90, "en") == "90 s"
    times = pd.DataFrame(
        {
            "segment": [None, None],
            "bucket_index": [2, 1],
            "start_seconds": [60, 0],
            "end_seconds": [300, 60],
            "users": [3, 1],
            "share": [0.75, 0.25],
        }
    )
    tf = fn.time_frame(times, "zh")
    assert tf["bucket"].tolist() == ["0–1分钟", "1分钟–5分钟"]
    assert tf["users"].tolist() == [1, 3]


# ---------- the SQL on the small shop (tests/conftest.py)


def expected_sums(table: str, start: date, end: date, **match) -> dict:
    """Python sums over the fixture's rows whose whole period lies in [start, end]."""
    rows = [
        r
        for r in small_tables()[table].to_pylist()
        if r["date"] >= start
        and (r["date_end"] or r["date"]) <= end
        and all(r.get(k) == v for k, v in match.items())
    ]
    cols = ("visitors", "add_to_cart_buyers", "paying_buyers", "paid_amount")
    return {
        c: sum(r[c] or 0 for r in rows) for c in cols if any(r.get(c) is not None for r in rows)
    }


def test_funnel_steps_traffic_on_the_small_shop(small_ws, run_query):
    df = run_query(small_ws, "funnel_steps_traffic", **NOV, **OCT, **NO_FILTERS, by=None)
    assert len(df) == 1
    r = df.iloc[0]
    want = expected_sums("traffic", NOV["start"], NOV["end"])
    assert r["visitors"] == want["visitors"] == 32290  # 30 days of 780 + 6i, plus 淘宝客's 700
    assert r["add_to_cart_buyers"] == want["add_to_cart_buyers"]
    assert r["paying_buyers"] == want["paying_buyers"]
    assert pd.isna(r["order_buyers"])  # the fixture has no 下单买家数
    cmp_want = expected_sums("traffic", OCT["cmp_start"], OCT["cmp_end"])
    assert r["cmp_visitors"] == cmp_want["visitors"]
    assert r["cmp_paying_buyers"] == cmp_want["paying_buyers"]
    frame = fn.steps_frame(r, r)
    assert frame["step"].tolist() == ["visitors", "add_to_cart_buyers", "paying_buyers"]
    assert frame["conversion_from_first"].iloc[-1] == pytest.approx(
        want["paying_buyers"] / want["visitors"]
    )


def test_funnel_steps_traffic_split_and_period_rule(small_ws, run_query):
    df = run_query(small_ws, "funnel_steps_traffic", **NOV, **OCT, **NO_FILTERS, by="device")
    by = df.set_index("segment")
    assert by.index.tolist() == ["无线", "PC"]  # most visitors first
    for dev in ("无线", "PC"):
        want = expected_sums("traffic", NOV["start"], NOV["end"], device=dev)
        assert by.loc[dev, "visitors"] == want["visitors"]
        assert by.loc[dev, "paying_buyers"] == want["paying_buyers"]
    src = run_query(
        small_ws,
        "funnel_steps_traffic",
        **NOV,
        **OCT,
        **{**NO_FILTERS, "src": ["直通车"]},
        by="source",
    )
    assert src["segment"].tolist() == ["直通车"]
    later = run_query(
        small_ws,
        "funnel_steps_traffic",
        start=date(2026, 11, 5),
        end=date(2026, 11, 30),
        cmp_start=date(2026, 10, 10),
        cmp_end=date(2026, 11, 4),
        **NO_FILTERS,
        by=None,
    ).iloc[0]
    assert later["count_rows_left_out"] == 1  # the 7-day 淘宝客 total sticks out
    assert (
        later["visitors"]
        == expected_sums("traffic", date(2026, 11, 5), date(2026, 11, 30))["visitors"]
    )


def test_funnel_steps_products_on_the_small_shop(small_ws, run_query):
    df = run_query(small_ws, "funnel_steps_products", **NOV, **OCT, **NO_FILTERS, by="category")
    by = df.set_index("segment")
    for cat in ("T恤", "卫衣"):
        want = expected_sums("products", NOV["start"], NOV["end"], category=cat)
        assert by.loc[cat, "visitors"] == want["visitors"]
        assert by.loc[cat, "paying_buyers"] == want["paying_buyers"]
    assert by["order_buyers"].isna().all()
    whole = run_query(
        small_ws, "funnel_steps_products", **NOV, **OCT, **{**NO_FILTERS, "cat": ["T恤"]}, by=None
    )
    assert whole.iloc[0]["visitors"] == by.loc["T恤", "visitors"]
