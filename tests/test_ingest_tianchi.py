"""The Tianchi Taobao behaviour logs load as `events`, and the Funnel page runs on them.

- UserBehavior: no header row; user_id,item_id,category_id,behavior_type,timestamp with
  pv/cart/fav/buy and Unix seconds (China time);
- mobile recommendation: user_id,item_id,behavior_type,user_geohash,item_category,time with
  codes 1-4 (浏览/收藏/加购/购买) and hour-only times like 2014-12-06 02.
The fixtures have the published layouts with made-up ids. Expected rows are computed from
the raw lines here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fixtures import ingest_files as f

from shopsight import numbers, workspace
from shopsight.ingest import inspect_file, load_file

WILD = Path(__file__).resolve().parent / "fixtures" / "wild"
BEHAVIOR = WILD / "UserBehavior_sample.csv"
MOBILE = WILD / "tianchi_mobile_recommend_train_user_sample.csv"
NAMES = {"pv": "浏览", "cart": "加购", "fav": "收藏", "buy": "购买"}
CODES = {"1": "浏览", "2": "收藏", "3": "加购", "4": "购买"}
CHINA = dt.timezone(dt.timedelta(hours=8))


def _events(ws) -> list[tuple]:
    con = ws.connect(read_only=True)
    try:
        cols = workspace.table_columns(con, "events")
        rows = con.execute("select user_id, event, event_time, product_id from events").fetchall()
        return cols, sorted(rows)
    finally:
        con.close()


def _behavior_rows(text: str, scale: int = 1) -> list[tuple]:
    out = []
    for line in text.splitlines():
        user, item, _cat, behavior, stamp = line.split(",")
        when = dt.datetime.fromtimestamp(int(stamp) / scale, CHINA).replace(tzinfo=None)
        out.append((user, NAMES[behavior], when, item))
    return sorted(out)


def test_user_behavior_without_header(tmp_path):
    insp = inspect_file(BEHAVIOR.read_bytes(), BEHAVIOR.name)
    assert (insp.kind, insp.layout, insp.header_row) == ("events", "Tianchi UserBehavior", 0)
    ws, r = f.load(tmp_path, BEHAVIOR)
    text = BEHAVIOR.read_text()
    want = _behavior_rows(text)
    assert (r.kind, r.rows_loaded, r.rows_rejected) == ("events", len(want), 0)
    _, got = _events(ws)
    assert got == want
    # the published log covers 2017-11-25..12-03 in China time
    assert dt.date(2017, 11, 25) <= got[0][2].date() and max(g[2] for g in got).date() <= dt.date(
        2017, 12, 3
    )


def test_epoch_milliseconds(tmp_path):
    lines = [line.split(",") for line in BEHAVIOR.read_text().splitlines()]
    path = tmp_path / "UserBehavior_ms.csv"
    path.write_text("".join(f"{a},{b},{c},{d},{int(e) * 1000 + 250}\n" for a, b, c, d, e in lines))
    ws, r = f.load(tmp_path, path)
    assert (r.rows_loaded, r.rows_rejected) == (len(lines), 0)
    want = [
        (u, e, t + dt.timedelta(milliseconds=250), i)
        for u, e, t, i in _behavior_rows(BEHAVIOR.read_text())
    ]
    assert _events(ws)[1] == sorted(want)


@pytest.mark.parametrize("header", [True, False])
def test_mobile_recommendation_log(tmp_path, header):
    lines = MOBILE.read_text().splitlines()
    path = tmp_path / MOBILE.name
    path.write_text("\n".join(lines if header else lines[1:]) + "\n")
    ws, r = f.load(tmp_path, path)
    want = []
    for line in lines[1:]:
        user, item, code, _geo, _cat, hour = line.split(",")
        want.append((user, CODES[code], dt.datetime.strptime(hour, "%Y-%m-%d %H"), item))
    assert (r.kind, r.rows_loaded, r.rows_rejected) == ("events", len(want), 0)
    cols, got = _events(ws)
    assert got == sorted(want)
    # a user's location (geohash) is never stored
    assert not any("geohash" in c for c in cols)
    assert "user_geohash" not in r.mapping or r.mapping["user_geohash"] == ""


def test_funnel_page_runs_browse_cart_buy(app, data_dir):
    ws = workspace.open_workspace("tianchi")
    load_file(ws, BEHAVIOR, BEHAVIOR.name)
    at = app("tianchi", "views/funnel.py")
    assert not at.exception
    assert at.segmented_control(key="fn_view").value == "events"
    assert [at.selectbox(key=f"fn_steps_{i}").value for i in range(1, 5)] == [
        "浏览",
        "加购",
        "购买",
        "",
    ]
    # brute force over the raw lines of the page's date range (the default: the last full
    # days the log covers): anchor = first 浏览, then the earliest next step at or after the
    # previous one, within a day of the anchor
    start = dt.date.fromisoformat(at.query_params["start"])
    end = dt.date.fromisoformat(at.query_params["end"])
    by_user: dict[str, list[tuple]] = {}
    for user, event, when, _ in _behavior_rows(BEHAVIOR.read_text()):
        if start <= when.date() <= end:
            by_user.setdefault(user, []).append((when, event))
    reached = [0, 0, 0]
    for events in by_user.values():
        events.sort()
        views = [w for w, e in events if e == "浏览"]
        if not views:
            continue
        anchor = prev = views[0]
        reached[0] += 1
        for k, step in enumerate(("加购", "购买"), start=1):
            nxt = [w for w, e in events if e == step and w >= prev]
            if not nxt or nxt[0] - anchor > dt.timedelta(days=1):
                break
            prev = nxt[0]
            reached[k] += 1
    shown = {m.label.split(". ", 1)[1]: m.value for m in at.metric}
    assert shown == {
        s: numbers.fmt(n, "int", "zh")
        for s, n in zip(("浏览", "加购", "购买"), reached, strict=True)
    }
    assert reached[2] > 0


def test_utc_times_are_read_on_beijing_clock_as_unix_times_are(tmp_path):
    # one log, three ways of writing 2026-11-30 23:30 in Beijing: the same moment
    rows = [
        ["user_id", "event", "event_time"],
        ["u1", "浏览", "1796052600000"],
        ["u2", "浏览", "2026-11-30T15:30:00.000Z"],
        ["u3", "浏览", "2026-11-30 15:30:00 UTC"],
        ["u4", "浏览", "2026-11-30 23:30:00"],
        ["u5", "浏览", "2026-11-30T23:30:00+08:00"],
    ]
    ws, r = f.load(tmp_path, f.write_csv(tmp_path / "埋点.csv", rows))
    assert r.rows_loaded == 5
    assert f.fetch(ws, "select distinct event_time from events") == [
        (dt.datetime(2026, 11, 30, 23, 30),)
    ]
