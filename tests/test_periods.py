from datetime import date

import pytest

from shopsight import periods


def test_default_range_is_last_30_days_of_data():
    assert periods.default_range(date(2026, 11, 30)) == (date(2026, 11, 1), date(2026, 11, 30))


def test_default_range_clipped_to_first_day_with_data():
    got = periods.default_range(date(2026, 11, 30), min_date=date(2026, 11, 20))
    assert got == (date(2026, 11, 20), date(2026, 11, 30))


def test_default_range_without_data_ends_today():
    assert periods.default_range(None, today=date(2026, 3, 10)) == (
        date(2026, 2, 9),
        date(2026, 3, 10),
    )


def test_previous_period_of_equal_length():
    assert periods.compare_range(date(2026, 11, 1), date(2026, 11, 30), "prev") == (
        date(2026, 10, 2),
        date(2026, 10, 31),
    )
    assert periods.compare_range(date(2026, 11, 11), date(2026, 11, 11), "prev") == (
        date(2026, 11, 10),
        date(2026, 11, 10),
    )


def test_same_period_last_year_handles_leap_day():
    assert periods.compare_range(date(2028, 2, 1), date(2028, 2, 29), "yoy") == (
        date(2027, 2, 1),
        date(2027, 2, 28),
    )


def test_no_compare_and_unknown_mode():
    assert periods.compare_range(date(2026, 1, 1), date(2026, 1, 2), "none") is None
    with pytest.raises(ValueError):
        periods.compare_range(date(2026, 1, 1), date(2026, 1, 2), "week")


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-11-01", "2026-11-07", (date(2026, 11, 1), date(2026, 11, 7))),
        ("2026-11-07", "2026-11-01", None),
        ("2026-13-01", "2026-11-07", None),
        ("yesterday", "2026-11-07", None),
        (None, "2026-11-07", None),
        ("", "", None),
    ],
)
def test_parse_range(start, end, expected):
    assert periods.parse_range(start, end) == expected


def test_shift_onto_aligns_by_day_offset():
    assert periods.shift_onto(date(2026, 10, 5), date(2026, 10, 2), date(2026, 11, 1)) == date(
        2026, 11, 4
    )
    assert periods.days(date(2026, 11, 1), date(2026, 11, 30)) == 30
