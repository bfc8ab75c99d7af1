"""What the loaded data covers, day by day: the Data page's coverage strip and gaps,
the default date range, and whether a compare period holds enough data to compare.

Inputs are plain values: workspace.loads() entries, or the rows of
queries/load_coverage.sql as a DataFrame (kind, load_id, day, count_rows, platform).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from shopsight import periods

# A compare period with fewer than this share of the current period's days with data
# is "markedly less covered": its change would compare a month with a few days.
MIN_COVERED_SHARE = 0.9
FULL_DAYS = (30, 7)  # the default range: the last full 30 days the data covers, else 7


def runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Distinct days as (first, last) runs of consecutive days: gaps split them."""
    out: list[list[date]] = []
    for d in sorted(set(days)):
        if out and (d - out[-1][1]).days == 1:
            out[-1][1] = d
        else:
            out.append([d, d])
    return [(a, b) for a, b in out]


def runs_text(days: Iterable[date], limit: int = 6) -> str:
    """'11-03、11-05~11-09' (month-day; …and how many more runs past `limit`)."""
    parts = [a.strftime("%m-%d") if a == b else f"{a:%m-%d}~{b:%m-%d}" for a, b in runs(days)]
    more = len(parts) - limit
    return "、".join(parts[:limit]) + (f" … (+{more})" if more > 0 else "")


def strip_frame(loads: list[dict]) -> pd.DataFrame:
    """One row per run of days a load covers: the bars of the coverage strip
    (end is the day after the run, so a one-day run has a width)."""
    rows = []
    for x in loads:
        label = f"#{x['load_id']} {x['file'] or ''}".strip()
        for a, b in x["ranges"]:
            rows.append(
                {
                    "kind": x["kind"],
                    "load_id": x["load_id"],
                    "load": label,
                    "platform": x["platform"] or "—",
                    "start": pd.Timestamp(a),
                    "end": pd.Timestamp(b + timedelta(days=1)),
                    "days": (b - a).days + 1,
                }
            )
    return pd.DataFrame(
        rows, columns=["kind", "load_id", "load", "platform", "start", "end", "days"]
    )


@dataclass(frozen=True)
class Gap:
    kind: str
    platform: str | None
    first: date
    last: date
    missing: tuple[date, ...]


def gaps(loads: list[dict]) -> list[Gap]:
    """Per dataset and platform: the days between its first and last covered day that no
    load covers."""
    covered: dict[tuple[str, str | None], set[date]] = {}
    for x in loads:
        days = covered.setdefault((x["kind"], x["platform"]), set())
        for a, b in x["ranges"]:
            days.update(a + timedelta(days=i) for i in range((b - a).days + 1))
    out = []
    for (kind, platform), days in covered.items():
        if not days:
            continue
        first, last = min(days), max(days)
        missing = tuple(
            first + timedelta(days=i)
            for i in range((last - first).days + 1)
            if first + timedelta(days=i) not in days
        )
        if missing:
            out.append(Gap(kind, platform, first, last, missing))
    return out


def covered_days(cov: pd.DataFrame, kinds: Iterable[str]) -> set[date]:
    """The days some row of these kinds covers."""
    sub = cov[cov["kind"].isin(list(kinds)) & cov["day"].notna()]
    return {pd.Timestamp(d).date() for d in sub["day"].unique()}


def default_range(days: set[date], today: date | None = None) -> periods.Range:
    """The last full 30 days the data covers, else the last full 7, else the covered
    days up to the last one.  A fully covered calendar month that ends the data is taken
    whole (October: 10-01~10-31, not 10-02~10-31)."""
    if not days:
        return periods.default_range(None, today=today)
    last = max(days)
    start = last
    while start - timedelta(days=1) in days:
        start -= timedelta(days=1)
    run = periods.days(start, last)
    month_start = last.replace(day=1)
    if (last + timedelta(days=1)).day == 1 and start <= month_start:
        return month_start, last
    for length in FULL_DAYS:
        if run >= length:
            return last - timedelta(days=length - 1), last
    return periods.default_range(last, min(days))


@dataclass
class CompareCoverage:
    """How much of the compare period has data, against the current period."""

    complete: bool
    current_days: int
    compare_days: int
    missing: list[date] = field(default_factory=list)  # compare-period days without data
    # platforms of the current period the compare period lacks (None: rows without one)
    missing_platforms: list[str | None] = field(default_factory=list)


def _days_by_platform(cov: pd.DataFrame, kind: str, start: date, end: date) -> dict:
    sub = cov[(cov["kind"] == kind) & cov["day"].notna()]
    sub = sub[
        (pd.to_datetime(sub["day"]) >= pd.Timestamp(start))
        & (pd.to_datetime(sub["day"]) <= pd.Timestamp(end))
    ]
    out: dict[str | None, set[date]] = {}
    for platform, day in zip(sub["platform"], sub["day"], strict=True):
        out.setdefault(None if pd.isna(platform) else platform, set()).add(pd.Timestamp(day).date())
    return out


def compare_coverage(
    cov: pd.DataFrame, kind: str, current: periods.Range, compare: periods.Range
) -> CompareCoverage:
    """Is the compare period covered about as well as the current one: at least
    MIN_COVERED_SHARE of its days with data, and every platform of the current period?"""
    cur = _days_by_platform(cov, kind, *current)
    cmp_ = _days_by_platform(cov, kind, *compare)
    cur_days = set().union(*cur.values()) if cur else set()
    cmp_days = set().union(*cmp_.values()) if cmp_ else set()
    # the current period's share of days with data sets the bar, scaled to the compare length
    want = len(cur_days) * periods.days(*compare) / periods.days(*current)
    missing = [
        compare[0] + timedelta(days=i)
        for i in range(periods.days(*compare))
        if compare[0] + timedelta(days=i) not in cmp_days
    ]
    lost = sorted((p for p in cur if p not in cmp_), key=str)
    complete = len(cmp_days) >= MIN_COVERED_SHARE * want and not lost
    return CompareCoverage(complete, len(cur_days), len(cmp_days), missing, lost)
