"""Event funnels: ordered event steps per user within a conversion window.

The counting rules live in the header of queries/event_funnel.sql (anchor = the user's first
step-1 event in range, then the earliest next step at or after the previous one, all within the
window of the anchor). This module validates input, runs the query and shapes its rows. The
query answers the steps, the time to convert and a compare period in one pass; `step_rows` and
`time_rows` take one period's part of its rows.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from shopsight import metrics, numbers, queries

MIN_STEPS, MAX_STEPS = 2, 6
SEGMENT_COLUMNS = ("source", "device", "province")

# Taobao's named behaviours (the Tianchi logs as ingest names them): the funnel runs
# 浏览 → 加购 → 购买; 收藏 is a side path, not a step on the way to buying
BEHAVIOUR_STEPS = ("浏览", "加购", "购买")
# step column -> i18n label key; a step is shown when its column has a value
STEPS = {
    "visitors": "funnel.step_visitors",
    "add_to_cart_buyers": "funnel.step_cart",
    "order_buyers": "funnel.step_order",
    "paying_buyers": "funnel.step_pay",
}
# the 同行平均 rate (conversion from visitors) that applies to a step; shared with the Overview
BENCHMARK_OF = {"add_to_cart_buyers": "add_to_cart_rate", "paying_buyers": "conversion"}
SHOP_KINDS = ("traffic", "products")
STEP_QUERIES = {"traffic": "funnel_steps_traffic", "products": "funnel_steps_products"}

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"(\d+)\s*([smhdw])")


def default_steps(names: Sequence[str], count: int) -> list[str]:
    """The steps a funnel opens with: Taobao's behaviours in funnel order when the log has
    them, else the `count` most frequent events (`names` comes most frequent first)."""
    known = [s for s in BEHAVIOUR_STEPS if s in names]
    return known if len(known) >= MIN_STEPS else list(names[:count])


def parse_duration(text: str) -> int:
    """'90s' | '30m' | '1h' | '1d' | '7d' | '2w' -> seconds (a positive whole number)."""
    if not isinstance(text, str):
        raise ValueError(f"duration must be text like '30m', '1h' or '7d', got {text!r}")
    m = _DURATION.fullmatch(text.strip().lower())
    if not m:
        raise ValueError(
            f"bad duration {text!r}: use a whole number and a unit s/m/h/d/w, e.g. '30m', '7d'"
        )
    seconds = int(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    if seconds <= 0:
        raise ValueError(f"duration {text!r} must be longer than zero")
    return seconds


def window_seconds(window: int | str) -> int:
    """A conversion window given as seconds or as duration text."""
    if isinstance(window, str):
        return parse_duration(window)
    if isinstance(window, bool) or not isinstance(window, int):
        raise ValueError(f"window must be seconds (int) or text like '1d', got {window!r}")
    if window <= 0:
        raise ValueError(f"window must be longer than zero seconds, got {window}")
    return window


def _params(
    steps: Sequence[str],
    window: int | str,
    by: str | None,
    start_date: dt.date | None,
    end_date: dt.date | None,
    source: str | None,
    device: str | None,
    province: str | None,
    cmp_start_date: dt.date | None = None,
    cmp_end_date: dt.date | None = None,
) -> dict:
    if isinstance(steps, str) or not isinstance(steps, Sequence):
        raise ValueError(f"steps must be a list of event names, got {steps!r}")
    steps = list(steps)
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        raise ValueError(f"a funnel has {MIN_STEPS} to {MAX_STEPS} steps, got {len(steps)}")
    for step in steps:
        if not isinstance(step, str) or not step.strip():
            raise ValueError(f"each step must be a non-empty event name, got {step!r}")
    if by is not None and by not in SEGMENT_COLUMNS:
        raise ValueError(f"by must be one of {', '.join(SEGMENT_COLUMNS)} or None, got {by!r}")
    if start_date is not None and end_date is not None and start_date > end_date:
        raise ValueError(f"start_date {start_date} is after end_date {end_date}")
    if (cmp_start_date is None) != (cmp_end_date is None):
        raise ValueError("a compare period needs both cmp_start_date and cmp_end_date")
    if cmp_start_date is not None and cmp_start_date > cmp_end_date:
        raise ValueError(f"cmp_start_date {cmp_start_date} is after cmp_end_date {cmp_end_date}")
    return {
        "steps": steps,
        "window_seconds": window_seconds(window),
        "by": by,
        "start_date": start_date,
        "end_date": end_date,
        "source": source,
        "device": device,
        "province": province,
        "cmp_start_date": cmp_start_date,
        "cmp_end_date": cmp_end_date,
    }


def _ratio(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _step_rows(rows: pd.DataFrame) -> list[dict]:
    return [
        {
            "step": r.step,
            "users": int(r.users),
            "conversion_from_first": _ratio(r.conversion_from_first),
            "conversion_from_previous": _ratio(r.conversion_from_previous),
        }
        for r in rows.sort_values("step_index").itertuples(index=False)
    ]


def _with_conversions(steps: list[str], users: list[int]) -> list[dict]:
    first = users[0]
    return [
        {
            "step": step,
            "users": n,
            "conversion_from_first": n / first if first else None,
            "conversion_from_previous": (n / users[i - 1] if users[i - 1] else None) if i else None,
        }
        for i, (step, n) in enumerate(zip(steps, users, strict=True))
    ]


STEP_COLUMNS = [
    "segment",
    "step_index",
    "step",
    "users",
    "conversion_from_first",
    "conversion_from_previous",
]
TIME_COLUMNS = ["segment", "bucket_index", "start_seconds", "end_seconds", "users", "share"]


def _part(
    rows: pd.DataFrame, part: str, period: str, columns: list[str], whole: list[str]
) -> pd.DataFrame:
    out = rows.loc[(rows["period"] == period) & (rows["part"] == part), columns]
    return out.astype({c: "int64" for c in whole}).reset_index(drop=True)


def step_rows(rows: pd.DataFrame, period: str = "current") -> pd.DataFrame:
    """One period's step rows of `funnel_rows`: segment, step_index, step, users,
    conversion_from_first, conversion_from_previous (period 'current' or 'compare')."""
    return _part(rows, "steps", period, STEP_COLUMNS, ["step_index", "users"])


def time_rows(rows: pd.DataFrame, period: str = "current") -> pd.DataFrame:
    """One period's time-to-convert rows of `funnel_rows`: segment, bucket_index,
    start_seconds, end_seconds, users, share."""
    return _part(
        rows,
        "times",
        period,
        TIME_COLUMNS,
        ["bucket_index", "start_seconds", "end_seconds", "users"],
    )


def funnel_rows(
    con: duckdb.DuckDBPyConnection,
    steps: Sequence[str],
    window: int | str,
    by: str | None = None,
    *,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    cmp_start_date: dt.date | None = None,
    cmp_end_date: dt.date | None = None,
    source: str | None = None,
    device: str | None = None,
    province: str | None = None,
) -> pd.DataFrame:
    """All rows of queries/event_funnel.sql (steps and time to convert, for the period and
    the compare period when both its dates are given), for `step_rows` and `time_rows`."""
    params = _params(
        steps,
        window,
        by,
        start_date,
        end_date,
        source,
        device,
        province,
        cmp_start_date,
        cmp_end_date,
    )
    return queries.run(con, "event_funnel", **params)


def event_funnel(
    con: duckdb.DuckDBPyConnection,
    steps: Sequence[str],
    window: int | str,
    by: str | None = None,
    *,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    source: str | None = None,
    device: str | None = None,
    province: str | None = None,
) -> dict:
    """Users per step, with conversions from the first and from the previous step.

    Without `by`: {"steps": [{"step", "users", "conversion_from_first",
    "conversion_from_previous"}, ...]}. With `by` ('source' | 'device' | 'province'):
    {"steps": [...whole funnel...], "segments": {value: [...same shape...]}}; a user's segment
    is the value on their anchor event, so the segments add up to the whole funnel, and events
    without a value form the segment None. Conversions are None where the base is zero.
    Dates and the source/device/province filters select the anchor (step-1) events only.
    """
    params = _params(steps, window, by, start_date, end_date, source, device, province)
    df = step_rows(queries.run(con, "event_funnel", **params))
    if by is None:
        return {"steps": _step_rows(df)}

    segments = {
        (None if pd.isna(value) else value): _step_rows(rows)
        for value, rows in df.groupby("segment", dropna=False, sort=False)
    }
    totals = df.groupby("step_index")["users"].sum()
    users = [int(totals.get(i, 0)) for i in range(1, len(params["steps"]) + 1)]
    return {"steps": _with_conversions(params["steps"], users), "segments": segments}


def time_to_convert(
    con: duckdb.DuckDBPyConnection,
    steps: Sequence[str],
    window: int | str,
    by: str | None = None,
    *,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    source: str | None = None,
    device: str | None = None,
    province: str | None = None,
) -> pd.DataFrame:
    """Histogram of seconds from anchor to last step for users who finished the funnel.

    Columns: segment, bucket_index, start_seconds, end_seconds, users, share (of the
    segment's converted users). Buckets are [start, end) at human steps (1m, 5m, 15m, 1h, ...);
    the last ends at the window, inclusive. Same arguments and rules as event_funnel.
    """
    params = _params(steps, window, by, start_date, end_date, source, device, province)
    return time_rows(queries.run(con, "event_funnel", **params))


# ---------- the shop funnel (访客 -> 加购 -> 下单 -> 支付 from summed report rows)


def _step_num(v: object) -> float | None:
    return None if numbers.is_missing(v) else float(v)  # type: ignore[arg-type]


def shop_sums(run, params: dict) -> tuple[str | None, pd.Series]:
    """The shop funnel's dataset (traffic when it has rows in the range, else products) and
    its sums row (funnel_steps_<kind>, no split); run(name, **params) runs a named query."""
    for kind in SHOP_KINDS:
        rows = run(STEP_QUERIES[kind], **params, by=None)
        if not rows.empty and rows["count_rows"].sum() > 0:
            return kind, rows.iloc[0]
    return None, pd.Series(dtype="object")


def steps_frame(
    sums: Mapping, compare: Mapping | None = None, benchmarks: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """One row per step the sums have a value for, in funnel order.

    Columns: step (column name), users, conversion_from_previous (step conversion),
    conversion_from_first (reached from 访客), drop_off (users lost since the previous
    step), drop_off_rate (1 - step conversion), cmp_users, cmp_conversion_from_first,
    cmp_conversion_from_previous, change_points (conversion_from_first minus the compare
    one, as a 0..1 difference), benchmark (同行平均 rate from 访客) and benchmark_gap.
    Steps are not nested in 生意参谋 data (a buyer may pay without 加购), so a step
    conversion above 100% is possible and kept as is.
    """
    benchmarks = benchmarks or {}
    present = [c for c in STEPS if _step_num(sums.get(c)) is not None]
    rows = []
    first = prev = cmp_first = cmp_prev = None
    for i, col in enumerate(present):
        users = _step_num(sums.get(col))
        cmp_users = _step_num(compare.get(f"cmp_{col}")) if compare is not None else None
        if i == 0:
            first, cmp_first = users, cmp_users
        from_first = metrics.ratio(users, first)
        cmp_from_first = metrics.ratio(cmp_users, cmp_first)
        from_prev = metrics.ratio(users, prev) if i else None
        bench = benchmarks.get(BENCHMARK_OF.get(col, ""))
        rows.append(
            {
                "step": col,
                "users": users,
                "conversion_from_previous": from_prev,
                "conversion_from_first": from_first,
                "drop_off": (prev - users)
                if i and prev is not None and users is not None
                else None,
                "drop_off_rate": (1 - from_prev) if from_prev is not None else None,
                "cmp_users": cmp_users,
                "cmp_conversion_from_first": cmp_from_first,
                "cmp_conversion_from_previous": metrics.ratio(cmp_users, cmp_prev) if i else None,
                "change_points": (
                    from_first - cmp_from_first
                    if i and from_first is not None and cmp_from_first is not None
                    else None
                ),
                "benchmark": bench,
                "benchmark_gap": (
                    from_first - bench if bench is not None and from_first is not None else None
                ),
            }
        )
        prev, cmp_prev = users, cmp_users
    return pd.DataFrame(
        rows,
        columns=[
            "step",
            "users",
            "conversion_from_previous",
            "conversion_from_first",
            "drop_off",
            "drop_off_rate",
            "cmp_users",
            "cmp_conversion_from_first",
            "cmp_conversion_from_previous",
            "change_points",
            "benchmark",
            "benchmark_gap",
        ],
    )
