"""Event funnel: queries/event_funnel.sql and shopsight/event_funnel.py.

Hand-computed cases pin the rules; a seeded property test compares the SQL with a brute-force,
row-by-row reference of the same rules on random logs (ties, repeats, events outside the
window and the date range, 2-6 steps, with and without segments and filters).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import NamedTuple

import duckdb
import pandas as pd
import pytest

from shopsight import event_funnel, queries, schema

T0 = dt.datetime(2026, 11, 1, 10, 0, 0)


class Event(NamedTuple):
    user_id: str
    event: str
    event_time: dt.datetime
    source: str | None = None
    device: str | None = None
    province: str | None = None


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


FUNNEL_ROLLUPS = ("rollup_events_user_keys", "rollup_events_funnel")


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute(schema.create_table_sql("events"))
    for name in FUNNEL_ROLLUPS:
        c.execute(queries.sql(name))
    yield c
    c.close()


def load(con, events: list[Event]) -> None:
    con.execute("delete from events")
    if events:
        con.executemany(
            "insert into events (user_id, event, event_time, source, device, province) "
            "values (?, ?, ?, ?, ?, ?)",
            [tuple(e) for e in events],
        )
    for name in FUNNEL_ROLLUPS:  # as a load of events does
        con.execute(queries.sql(name))


def users(result: dict) -> list[int]:
    return [s["users"] for s in result["steps"]]


# ---------- reference: the rules of queries/event_funnel.sql, one row at a time


def reference(events, steps, window_seconds, by=None, start_date=None, end_date=None, **filters):
    """{segment: (users per step, seconds anchor -> last step of each finisher)}"""
    by_user = defaultdict(list)
    for row_id, e in enumerate(events):
        by_user[e.user_id].append((row_id, e))
    window = dt.timedelta(seconds=window_seconds)
    result = {}
    for rows in by_user.values():
        candidates = [
            (row_id, e)
            for row_id, e in rows
            if e.event == steps[0]
            and (start_date is None or e.event_time.date() >= start_date)
            and (end_date is None or e.event_time.date() <= end_date)
            and all(v is None or getattr(e, k) == v for k, v in filters.items())
        ]
        if not candidates:
            continue
        t0 = min(e.event_time for _, e in candidates)
        tied = [e for _, e in candidates if e.event_time == t0]
        segment = None
        if by is not None:
            segment = min(
                (getattr(e, by) for e in tied if getattr(e, by) is not None), default=None
            )
        anchor = min(row_id for row_id, e in candidates if e.event_time == t0)
        used, t, reached = {anchor}, t0, 1
        for name in steps[1:]:
            options = [
                (e.event_time, row_id)
                for row_id, e in rows
                if e.event == name and row_id not in used and e.event_time >= t
            ]
            if not options:
                break
            t, row_id = min(options)
            if t > t0 + window:
                break
            used.add(row_id)
            reached += 1
        counts, seconds = result.setdefault(segment, ([0] * len(steps), []))
        for k in range(reached):
            counts[k] += 1
        if reached == len(steps):
            seconds.append((t - t0).total_seconds())
    return result


def expected_steps(steps, counts):
    return [
        {
            "step": step,
            "users": n,
            "conversion_from_first": n / counts[0] if counts[0] else None,
            "conversion_from_previous": n / counts[i - 1] if i and counts[i - 1] else None,
        }
        for i, (step, n) in enumerate(zip(steps, counts, strict=True))
    ]


# ---------- hand-computed cases


def test_basic_funnel_counts_and_conversions(con):
    load(
        con,
        [
            Event("a", "view", at(0)),
            Event("a", "cart", at(5)),
            Event("a", "pay", at(10)),
            Event("b", "view", at(0)),
            Event("b", "cart", at(30)),
            Event("c", "view", at(0)),
            Event("c", "cart", at(61)),  # after the 1h window
            Event("d", "cart", at(0)),  # never viewed: not in the funnel
        ],
    )
    result = event_funnel.event_funnel(con, ["view", "cart", "pay"], "1h")
    assert result == {
        "steps": [
            {
                "step": "view",
                "users": 3,
                "conversion_from_first": 1.0,
                "conversion_from_previous": None,
            },
            {
                "step": "cart",
                "users": 2,
                "conversion_from_first": 2 / 3,
                "conversion_from_previous": 2 / 3,
            },
            {
                "step": "pay",
                "users": 1,
                "conversion_from_first": 1 / 3,
                "conversion_from_previous": 0.5,
            },
        ]
    }


def test_window_end_is_inclusive_and_measured_from_the_anchor(con):
    load(
        con,
        [
            Event("a", "view", at(0)),
            Event("a", "cart", at(50)),
            Event("a", "pay", at(60)),
            Event("b", "view", at(0)),
            Event("b", "cart", at(50)),
            Event("b", "pay", at(60) + dt.timedelta(seconds=1)),
        ],
    )
    assert users(event_funnel.event_funnel(con, ["view", "cart", "pay"], 3600)) == [2, 2, 1]


def test_equal_times_count_but_earlier_events_do_not(con):
    load(
        con,
        [
            Event("tie", "view", at(0)),
            Event("tie", "cart", at(0)),
            Event("before", "cart", at(0)),
            Event("before", "view", at(1)),
        ],
    )
    assert users(event_funnel.event_funnel(con, ["view", "cart"], "1d")) == [2, 1]


def test_repeated_step_needs_a_second_event(con):
    load(
        con,
        [
            Event("once", "view", at(0)),
            Event("twice_same_instant", "view", at(0)),
            Event("twice_same_instant", "view", at(0)),
            Event("twice_later", "view", at(0)),
            Event("twice_later", "view", at(20)),
            Event("too_late", "view", at(0)),
            Event("too_late", "view", at(31)),
        ],
    )
    assert users(event_funnel.event_funnel(con, ["view", "view"], "30m")) == [4, 2]
    assert users(event_funnel.event_funnel(con, ["view", "view", "view"], "30m")) == [4, 2, 0]


def test_repeated_name_apart_in_the_steps_takes_a_distinct_event(con):
    # view, cart, view: the anchor view cannot be reused as step 3 even at the same instant
    load(
        con,
        [
            Event("a", "view", at(0)),
            Event("a", "cart", at(0)),
            Event("b", "view", at(0)),
            Event("b", "cart", at(0)),
            Event("b", "view", at(0)),
            Event("c", "view", at(0)),
            Event("c", "cart", at(5)),
            Event("c", "view", at(1)),
        ],
    )
    assert users(event_funnel.event_funnel(con, ["view", "cart", "view"], "1h")) == [3, 3, 1]


def test_greedy_chain_takes_the_earliest_next_step(con):
    # greedy: cart at 10 (not 40), then pay must be at/after 10 -> pay at 20 counts
    load(
        con,
        [
            Event("a", "view", at(0)),
            Event("a", "cart", at(10)),
            Event("a", "cart", at(40)),
            Event("a", "pay", at(20)),
        ],
    )
    assert users(event_funnel.event_funnel(con, ["view", "cart", "pay"], "1h")) == [1, 1, 1]


def test_only_the_first_anchor_is_tried(con):
    # the first view has no cart within 1h; a later view does, but chains start at the first
    load(con, [Event("a", "view", at(0)), Event("a", "view", at(120)), Event("a", "cart", at(125))])
    assert users(event_funnel.event_funnel(con, ["view", "cart"], "1h")) == [1, 0]


def test_dates_select_the_anchor_and_later_steps_may_fall_after(con):
    day1, day2 = dt.date(2026, 11, 1), dt.date(2026, 11, 2)
    load(
        con,
        [
            Event("a", "view", at(-24 * 60)),  # the day before: ignored as an anchor
            Event("a", "view", at(0)),
            Event("a", "cart", at(24 * 60 + 5)),  # the next day, within the 2d window
            Event("b", "view", at(-24 * 60)),
            Event("b", "cart", at(-24 * 60 + 1)),
        ],
    )
    result = event_funnel.event_funnel(con, ["view", "cart"], "2d", start_date=day1, end_date=day1)
    assert users(result) == [1, 1]
    result = event_funnel.event_funnel(con, ["view", "cart"], "1h", start_date=day1, end_date=day2)
    assert users(result) == [1, 0]


def test_filters_select_the_anchor_and_later_steps_may_differ(con):
    load(
        con,
        [
            Event("a", "view", at(0), source="ads"),
            Event("a", "view", at(5), source="search"),
            Event("a", "cart", at(2), source="ads"),
            Event("a", "cart", at(6), source="ads"),
            Event("b", "view", at(0), source="ads", device="pc"),
        ],
    )
    # the anchor is a's view at 5 (the first from search); its cart is the one at 6
    assert users(event_funnel.event_funnel(con, ["view", "cart"], "1h", source="search")) == [1, 1]
    assert users(event_funnel.event_funnel(con, ["view", "cart"], "1h", source="ads")) == [2, 1]
    assert users(event_funnel.event_funnel(con, ["view", "cart"], "1h", device="pc")) == [1, 0]
    assert users(event_funnel.event_funnel(con, ["view", "cart"], "1h", province="浙江")) == [0, 0]


def test_segments_come_from_the_anchor_and_add_up(con):
    load(
        con,
        [
            Event("a", "view", at(0), device="pc"),
            Event("a", "cart", at(1), device="mobile"),
            Event("b", "view", at(0), device="mobile"),
            Event("b", "view", at(3), device="pc"),
            # tie at the anchor instant: the smallest non-null value wins
            Event("c", "view", at(0), device="pc"),
            Event("c", "view", at(0), device=None),
            Event("c", "view", at(0), device="mobile"),
            Event("c", "cart", at(2)),
            Event("d", "view", at(0), device=None),
        ],
    )
    result = event_funnel.event_funnel(con, ["view", "cart"], "1h", by="device")
    assert {k: [s["users"] for s in v] for k, v in result["segments"].items()} == {
        "mobile": [2, 1],
        "pc": [1, 1],
        None: [1, 0],
    }
    assert result["steps"] == event_funnel.event_funnel(con, ["view", "cart"], "1h")["steps"]
    assert result["segments"]["mobile"][1]["conversion_from_previous"] == 0.5


def test_segment_with_no_later_steps_reports_zero_rows(con):
    load(
        con,
        [
            Event("a", "view", at(0), source="ads"),
            Event("b", "view", at(0), source="seo"),
            Event("b", "cart", at(1)),
        ],
    )
    result = event_funnel.event_funnel(con, ["view", "cart", "pay"], "1h", by="source")
    assert result["segments"]["ads"] == [
        {
            "step": "view",
            "users": 1,
            "conversion_from_first": 1.0,
            "conversion_from_previous": None,
        },
        {"step": "cart", "users": 0, "conversion_from_first": 0.0, "conversion_from_previous": 0.0},
        {"step": "pay", "users": 0, "conversion_from_first": 0.0, "conversion_from_previous": None},
    ]


def test_empty_log_gives_zero_users_and_no_conversions(con):
    result = event_funnel.event_funnel(con, ["view", "cart"], "1d")
    assert result == {
        "steps": [
            {
                "step": "view",
                "users": 0,
                "conversion_from_first": None,
                "conversion_from_previous": None,
            },
            {
                "step": "cart",
                "users": 0,
                "conversion_from_first": None,
                "conversion_from_previous": None,
            },
        ]
    }
    by = event_funnel.event_funnel(con, ["view", "cart"], "1d", by="source")
    assert by["segments"] == {} and users(by) == [0, 0]


def test_six_steps(con):
    names = ["view", "search", "view", "cart", "order", "pay"]
    load(
        con,
        [Event("a", n, at(i)) for i, n in enumerate(names)]
        + [Event("b", n, at(0)) for n in names[:4]],
    )
    assert users(event_funnel.event_funnel(con, names, "1h")) == [2, 2, 2, 2, 1, 1]


def test_time_to_convert_buckets(con):
    load(
        con,
        [
            Event("a", "view", at(0)),
            Event("a", "cart", at(0.5)),  # 30 s
            Event("b", "view", at(0)),
            Event("b", "cart", at(10)),  # 600 s
            Event("c", "view", at(0)),
            Event("c", "cart", at(60)),  # 3600 s = the window
            Event("d", "view", at(0)),  # not converted
        ],
    )
    df = event_funnel.time_to_convert(con, ["view", "cart"], "1h")
    assert df["start_seconds"].tolist() == [0, 60, 300, 900]
    assert df["end_seconds"].tolist() == [60, 300, 900, 3600]
    assert df["users"].tolist() == [1, 0, 1, 1]
    assert df["share"].tolist() == [1 / 3, 0.0, 1 / 3, 1 / 3]
    assert df["segment"].isna().all()


def test_event_names_counts(con):
    load(
        con,
        [
            Event("a", "view", at(0)),
            Event("a", "view", at(1)),
            Event("b", "cart", at(2)),
            Event("b", "view", at(24 * 60)),
        ],
    )
    df = queries.run(con, "event_names", start_date=None, end_date=None)
    assert df.to_dict("records") == [
        {"event": "view", "count_events": 3},
        {"event": "cart", "count_events": 1},
    ]
    day = dt.date(2026, 11, 2)
    df = queries.run(con, "event_names", start_date=day, end_date=day)
    assert df.to_dict("records") == [{"event": "view", "count_events": 1}]


def test_compare_period_comes_in_the_same_rows(con):
    day1, day2 = dt.date(2026, 11, 1), dt.date(2026, 11, 2)
    load(
        con,
        [
            Event("a", "view", at(0)),  # day 1: a converts in 5 minutes
            Event("a", "cart", at(5)),
            Event("a", "view", at(24 * 60)),  # day 2: a only views
            Event("b", "view", at(24 * 60)),  # day 2: b converts in 1 minute
            Event("b", "cart", at(24 * 60 + 1)),
            Event("c", "view", at(0)),  # day 1: c only views
        ],
    )
    rows = event_funnel.funnel_rows(
        con,
        ["view", "cart"],
        "1h",
        start_date=day2,
        end_date=day2,
        cmp_start_date=day1,
        cmp_end_date=day1,
    )
    assert rows[["period", "part"]].drop_duplicates().values.tolist() == [
        ["current", "steps"],
        ["current", "times"],
        ["compare", "steps"],
        ["compare", "times"],
    ]
    assert event_funnel.step_rows(rows)["users"].tolist() == [2, 1]
    assert event_funnel.step_rows(rows, "compare")["users"].tolist() == [2, 1]
    assert event_funnel.step_rows(rows, "compare")["conversion_from_previous"].tolist()[1] == 0.5
    assert event_funnel.time_rows(rows)["users"].tolist() == [0, 1, 0, 0]  # 60 s: [1m, 5m)
    assert event_funnel.time_rows(rows, "compare")["users"].tolist() == [0, 0, 1, 0]  # 300 s

    # each period's rows are those of a query for that period alone
    for period, day in (("current", day2), ("compare", day1)):
        alone = event_funnel.funnel_rows(con, ["view", "cart"], "1h", start_date=day, end_date=day)
        assert set(alone["period"]) == {"current"}
        pd.testing.assert_frame_equal(
            event_funnel.step_rows(rows, period), event_funnel.step_rows(alone)
        )
        pd.testing.assert_frame_equal(
            event_funnel.time_rows(rows, period), event_funnel.time_rows(alone)
        )


def test_step_and_time_rows_keep_the_old_shapes(con):
    load(con, [Event("a", "view", at(0)), Event("a", "cart", at(2))])
    rows = event_funnel.funnel_rows(con, ["view", "cart"], "1h", by="device")
    steps = event_funnel.step_rows(rows)
    assert steps.columns.tolist() == event_funnel.STEP_COLUMNS
    assert steps.dtypes["step_index"] == "int64" and steps.dtypes["users"] == "int64"
    times = event_funnel.time_to_convert(con, ["view", "cart"], "1h")
    assert times.columns.tolist() == event_funnel.TIME_COLUMNS
    assert times["start_seconds"].tolist() == [0, 60, 300, 900]
    assert times.dtypes["start_seconds"] == "int64"


# ---------- property test against the reference

NAMES = ["view", "cart", "order", "pay"]


def random_log(rng: random.Random, n_users: int) -> list[Event]:
    events = []
    for u in range(n_users):
        day = dt.datetime(2026, 11, 1) + dt.timedelta(days=rng.randrange(3))
        start = rng.randrange(23 * 60)  # some users cross midnight
        span = rng.choice([5, 30, 90, 600])  # bursty users reach deep into long funnels
        for _ in range(rng.randrange(25)):
            # minute resolution: many ties and repeats
            t = day + dt.timedelta(minutes=start + rng.randrange(span))
            events.append(
                Event(
                    f"u{u}",
                    rng.choices(NAMES, weights=[5, 3, 2, 2])[0],
                    t,
                    rng.choice(["ads", "seo", None]),
                    rng.choice(["pc", "mobile"]),
                    rng.choice(["浙江", "广东", None]),
                )
            )
    rng.shuffle(events)
    return events


@pytest.mark.parametrize("seed", range(4))
def test_sql_matches_reference_on_random_logs(con, seed):
    rng = random.Random(seed)
    events = random_log(rng, 400)
    load(con, events)
    for _ in range(20):
        steps = rng.choices(NAMES, k=rng.randint(2, 6))
        window = rng.choice([60, 300, 1800, 3600, 86400])
        by = rng.choice([None, "source", "device", "province"])
        filters = {
            "start_date": rng.choice([None, dt.date(2026, 11, 1), dt.date(2026, 11, 2)]),
            "end_date": rng.choice([None, dt.date(2026, 11, 2), dt.date(2026, 11, 3)]),
            "source": rng.choice([None, None, "ads"]),
            "device": rng.choice([None, None, "mobile"]),
            "province": rng.choice([None, None, "广东"]),
        }
        if (
            filters["start_date"]
            and filters["end_date"]
            and filters["start_date"] > filters["end_date"]
        ):
            filters["end_date"] = None
        case = f"steps={steps} window={window} by={by} {filters}"

        ref = reference(events, steps, window, by=by, **filters)
        got = event_funnel.event_funnel(con, steps, window, by=by, **filters)
        total = [sum(counts[k] for counts, _ in ref.values()) for k in range(len(steps))]
        assert got["steps"] == expected_steps(steps, total), case
        if by is not None:
            assert got["segments"] == {
                seg: expected_steps(steps, counts) for seg, (counts, _) in ref.items()
            }, case
        assert_times(
            event_funnel.time_to_convert(con, steps, window, by=by, **filters), ref, window, case
        )

        # the same funnel with a compare period (overlapping or not) in the same pass
        cmp = rng.choice(COMPARE_PERIODS)
        rows = event_funnel.funnel_rows(
            con, steps, window, by=by, **filters, cmp_start_date=cmp[0], cmp_end_date=cmp[1]
        )
        assert_steps(event_funnel.step_rows(rows), ref, by, case)
        assert_times(event_funnel.time_rows(rows), ref, window, case)
        if cmp[0] is None:
            assert set(rows["period"]) == {"current"}, case
            continue
        dates = {"start_date": cmp[0], "end_date": cmp[1]}
        cmp_ref = reference(events, steps, window, by=by, **{**filters, **dates})
        assert_steps(event_funnel.step_rows(rows, "compare"), cmp_ref, by, f"{case} compare {cmp}")
        assert_times(
            event_funnel.time_rows(rows, "compare"), cmp_ref, window, f"{case} compare {cmp}"
        )


COMPARE_PERIODS = [
    (None, None),
    (dt.date(2026, 11, 1), dt.date(2026, 11, 1)),
    (dt.date(2026, 11, 2), dt.date(2026, 11, 3)),
    (dt.date(2026, 10, 30), dt.date(2026, 11, 2)),
]


def _segment(rows, seg):
    return rows[rows["segment"].isna()] if seg is None else rows[rows["segment"] == seg]


def assert_steps(rows, ref, by, case):
    """Step rows of one period against the reference: users per segment and step."""
    segments = set(ref) | ({None} if by is None else set())
    assert {None if pd.isna(s) else s for s in rows["segment"]} == segments, case
    for seg in segments:
        counts = ref[seg][0] if seg in ref else [0] * len(_segment(rows, seg))
        assert _segment(rows, seg)["users"].tolist() == counts, case


def assert_times(times, ref, window, case):
    """Time-to-convert rows against the reference's seconds of each finisher."""
    for seg, (_, seconds) in ref.items():
        rows = _segment(times, seg)
        binned = [
            sum(start <= s < end or (end == window and s == window) for s in seconds)
            for start, end in zip(rows["start_seconds"], rows["end_seconds"], strict=True)
        ]
        assert rows["users"].tolist() == binned, case
    assert times["users"].sum() == sum(len(s) for _, s in ref.values()), case


# ---------- arguments


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("30m", 1800),
        ("1h", 3600),
        ("1d", 86400),
        ("7d", 604800),
        ("2w", 1209600),
        (" 15M ", 900),
    ],
)
def test_parse_duration(text, seconds):
    assert event_funnel.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "m", "1.5h", "-1h", "0m", "1y", "1 h 2m", None, 30])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        event_funnel.parse_duration(text)


@pytest.mark.parametrize(
    ("steps", "window", "by", "message"),
    [
        (["view"], "1d", None, "2 to 6 steps"),
        (["view"] * 7, "1d", None, "2 to 6 steps"),
        ("view", "1d", None, "list of event names"),
        (["view", ""], "1d", None, "non-empty event name"),
        (["view", None], "1d", None, "non-empty event name"),
        (["view", "cart"], "1 day", None, "bad duration"),
        (["view", "cart"], 0, None, "longer than zero"),
        (["view", "cart"], True, None, "window must be"),
        (["view", "cart"], "1d", "city", "by must be one of"),
    ],
)
def test_bad_arguments_are_refused(con, steps, window, by, message):
    with pytest.raises(ValueError, match=message):
        event_funnel.event_funnel(con, steps, window, by=by)


def test_start_after_end_is_refused(con):
    with pytest.raises(ValueError, match="after end_date"):
        event_funnel.event_funnel(
            con,
            ["view", "cart"],
            "1d",
            start_date=dt.date(2026, 11, 2),
            end_date=dt.date(2026, 11, 1),
        )


@pytest.mark.parametrize(
    ("cmp", "message"),
    [
        ((dt.date(2026, 11, 1), None), "needs both"),
        ((None, dt.date(2026, 11, 1)), "needs both"),
        ((dt.date(2026, 11, 2), dt.date(2026, 11, 1)), "after cmp_end_date"),
    ],
)
def test_bad_compare_period_is_refused(con, cmp, message):
    with pytest.raises(ValueError, match=message):
        event_funnel.funnel_rows(
            con, ["view", "cart"], "1d", cmp_start_date=cmp[0], cmp_end_date=cmp[1]
        )


def test_unknown_filter_is_refused(con):
    with pytest.raises(TypeError):
        event_funnel.event_funnel(con, ["view", "cart"], "1d", city="杭州")


def test_rows_without_user_or_time_never_anchor(con):
    load(
        con,
        [
            Event(None, "view", at(0)),
            Event("a", "view", None),
            Event("a", "cart", at(1)),
            Event("b", "view", at(0)),
            Event("b", "cart", None),
        ],
    )
    assert users(event_funnel.event_funnel(con, ["view", "cart"], "1h")) == [1, 0]


@pytest.mark.parametrize("seed", range(2))
def test_unfiltered_funnel_finds_anchors_without_grouping(con, seed):
    """Without filters or a split the anchors come from previous_time in the rollup (each
    user's first step-1 event at or after the start): same users as the reference, also with
    many events tied at one minute and repeated step names."""
    rng = random.Random(100 + seed)
    events = random_log(rng, 300)
    load(con, events)
    for _ in range(12):
        steps = rng.choices(NAMES, k=rng.randint(2, 5))
        window = rng.choice([60, 1800, 86400])
        dates = {
            "start_date": rng.choice([None, dt.date(2026, 11, 2), dt.date(2026, 11, 3)]),
            "end_date": rng.choice([None, dt.date(2026, 11, 3)]),
        }
        cmp = rng.choice(COMPARE_PERIODS[1:])
        case = f"steps={steps} window={window} {dates} compare {cmp}"
        rows = event_funnel.funnel_rows(
            con, steps, window, **dates, cmp_start_date=cmp[0], cmp_end_date=cmp[1]
        )
        ref = reference(events, steps, window, **dates)
        assert_steps(event_funnel.step_rows(rows), ref, None, case)
        assert_times(event_funnel.time_rows(rows), ref, window, case)
        cmp_ref = reference(events, steps, window, start_date=cmp[0], end_date=cmp[1])
        assert_steps(event_funnel.step_rows(rows, "compare"), cmp_ref, None, case)
