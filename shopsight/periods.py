"""Date ranges: the default view and the period a range is compared with. Pure functions.

Ranges are inclusive [start, end] of whole days.  Compare modes:
  "prev"  the previous period of equal length, ending the day before `start`;
  "yoy"   the same dates one year earlier (29 Feb -> 28 Feb);
  "none"  no comparison.
"""

from __future__ import annotations

from datetime import date, timedelta

COMPARE_MODES: tuple[str, ...] = ("prev", "yoy", "none")
DEFAULT_COMPARE = "prev"
DEFAULT_DAYS = 30

Range = tuple[date, date]


def days(start: date, end: date) -> int:
    """Number of days in the inclusive range."""
    return (end - start).days + 1


def default_range(
    max_date: date | None,
    min_date: date | None = None,
    length: int = DEFAULT_DAYS,
    today: date | None = None,
) -> Range:
    """The last `length` days present in the data: ending on its latest day.

    Clipped to the first day with data; with no data at all, the last `length`
    days up to `today`.
    """
    end = max_date or today or date.today()
    start = end - timedelta(days=length - 1)
    if min_date is not None and min_date > start and min_date <= end:
        start = min_date
    return start, end


def _year_earlier(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 Feb
        return d.replace(year=d.year - 1, day=28)


def compare_range(start: date, end: date, mode: str) -> Range | None:
    if mode == "none":
        return None
    if mode == "prev":
        n = days(start, end)
        return start - timedelta(days=n), start - timedelta(days=1)
    if mode == "yoy":
        return _year_earlier(start), _year_earlier(end)
    raise ValueError(f"unknown compare mode {mode!r}")


def parse_date(text: str | None) -> date | None:
    """An ISO date (YYYY-MM-DD) from a link, or None when it is not one."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_range(start: str | None, end: str | None) -> Range | None:
    """A valid range from link values: both dates parse and start <= end."""
    s, e = parse_date(start), parse_date(end)
    if s is None or e is None or s > e:
        return None
    return s, e


def shift_onto(d: date, compare_start: date, start: date) -> date:
    """Place a compare-period day onto the current period by its day offset.

    Used to overlay the compare trend: day k of the compare period is drawn on day
    k of the current one.
    """
    return start + (d - compare_start)
