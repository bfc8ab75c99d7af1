"""Coverage logic: runs and gaps, the default range from the days the data covers, the
compare-period check, and money in several currencies."""

from datetime import date, timedelta

import pandas as pd
import pytest

from shopsight import coverage, currency, numbers


def span(a: date, b: date) -> set[date]:
    return {a + timedelta(days=i) for i in range((b - a).days + 1)}


def test_runs_and_text():
    days = span(date(2026, 11, 1), date(2026, 11, 3)) | {date(2026, 11, 5)}
    assert coverage.runs(days) == [
        (date(2026, 11, 1), date(2026, 11, 3)),
        (date(2026, 11, 5), date(2026, 11, 5)),
    ]
    assert coverage.runs_text(days) == "11-01~11-03、11-05"
    assert coverage.runs_text([date(2026, 1, 2 * i + 1) for i in range(8)], limit=3).endswith(
        "(+5)"
    )


@pytest.mark.parametrize(
    ("days", "want"),
    [
        # one month uploaded: the whole month, never 10-02~10-31
        (span(date(2026, 10, 1), date(2026, 10, 31)), (date(2026, 10, 1), date(2026, 10, 31))),
        (span(date(2026, 2, 1), date(2026, 2, 28)), (date(2026, 2, 1), date(2026, 2, 28))),
        # more than a month: the last full 30 days
        (span(date(2026, 9, 1), date(2026, 10, 15)), (date(2026, 9, 16), date(2026, 10, 15))),
        # two full months ending the data: the last one whole
        (span(date(2026, 9, 1), date(2026, 10, 31)), (date(2026, 10, 1), date(2026, 10, 31))),
        # 20 days: the last full 7
        (span(date(2026, 10, 1), date(2026, 10, 20)), (date(2026, 10, 14), date(2026, 10, 20))),
        # a gap inside the last 30 days: the last full 7 after it
        (
            span(date(2026, 9, 1), date(2026, 10, 10))
            | span(date(2026, 10, 13), date(2026, 10, 25)),
            (date(2026, 10, 19), date(2026, 10, 25)),
        ),
        # 4 days: those days
        (span(date(2026, 12, 1), date(2026, 12, 4)), (date(2026, 12, 1), date(2026, 12, 4))),
    ],
)
def test_default_range(days, want):
    assert coverage.default_range(days) == want


def test_default_range_without_data_ends_today():
    assert coverage.default_range(set(), today=date(2026, 12, 3)) == (
        date(2026, 11, 4),
        date(2026, 12, 3),
    )


def cov_frame(rows: list[tuple[str, str | None, set[date]]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"kind": k, "load_id": i, "day": d, "count_rows": 1, "platform": p}
            for i, (k, p, days) in enumerate(rows)
            for d in sorted(days)
        ]
    )


def test_compare_with_one_day_of_data_is_incomplete():
    cov = cov_frame([("traffic", "淘宝/天猫", span(date(2026, 9, 30), date(2026, 10, 31)))])
    got = coverage.compare_coverage(
        cov,
        "traffic",
        (date(2026, 10, 1), date(2026, 10, 31)),
        (date(2026, 8, 31), date(2026, 9, 30)),
    )
    assert not got.complete
    assert (got.current_days, got.compare_days) == (31, 1)
    assert got.missing == sorted(span(date(2026, 8, 31), date(2026, 9, 29)))


def test_compare_with_all_days_and_platforms_is_complete():
    cov = cov_frame(
        [
            ("orders", "淘宝/天猫", span(date(2026, 10, 1), date(2026, 11, 30))),
            ("orders", "Shopify", span(date(2026, 10, 1), date(2026, 11, 30))),
        ]
    )
    got = coverage.compare_coverage(
        cov,
        "orders",
        (date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 10, 2), date(2026, 10, 31)),
    )
    assert got.complete and got.missing == [] and got.missing_platforms == []


def test_compare_missing_a_platform_is_incomplete():
    cov = cov_frame(
        [
            ("orders", "淘宝/天猫", span(date(2026, 10, 1), date(2026, 11, 30))),
            ("orders", "Shopify", span(date(2026, 11, 1), date(2026, 11, 30))),
        ]
    )
    got = coverage.compare_coverage(
        cov,
        "orders",
        (date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 10, 2), date(2026, 10, 31)),
    )
    assert not got.complete and got.missing == [] and got.missing_platforms == ["Shopify"]


def test_compare_with_as_sparse_data_as_now_is_complete():
    # a shop with data on weekdays only: the compare period is no worse covered
    weekdays = {d for d in span(date(2026, 9, 1), date(2026, 10, 31)) if d.weekday() < 5}
    cov = cov_frame([("orders", None, weekdays)])
    got = coverage.compare_coverage(
        cov,
        "orders",
        (date(2026, 10, 2), date(2026, 10, 31)),
        (date(2026, 9, 2), date(2026, 10, 1)),
    )
    assert got.complete


def test_gaps_per_kind_and_platform():
    loads = [
        {
            "load_id": 1,
            "kind": "traffic",
            "platform": "淘宝/天猫",
            "file": "w1.csv",
            "ranges": [(date(2026, 11, 1), date(2026, 11, 7))],
        },
        {
            "load_id": 2,
            "kind": "traffic",
            "platform": "淘宝/天猫",
            "file": "w3.csv",
            "ranges": [(date(2026, 11, 15), date(2026, 11, 21))],
        },
        {
            "load_id": 3,
            "kind": "orders",
            "platform": "Shopify",
            "file": "s.csv",
            "ranges": [(date(2026, 11, 1), date(2026, 11, 2))],
        },
    ]
    (gap,) = coverage.gaps(loads)
    assert (gap.kind, gap.platform, gap.first, gap.last) == (
        "traffic",
        "淘宝/天猫",
        date(2026, 11, 1),
        date(2026, 11, 21),
    )
    assert gap.missing == tuple(sorted(span(date(2026, 11, 8), date(2026, 11, 14))))
    strip = coverage.strip_frame(loads)
    assert list(strip["days"]) == [7, 7, 2]
    assert strip["end"].iloc[2] == pd.Timestamp("2026-11-03")  # the day after the run


def test_currency_convert_and_text():
    assert currency.convert({"CNY": 100.0, "USD": 10.0}, {"USD": 7.2}) == (pytest.approx(172.0), [])
    assert currency.convert({"CNY": 100.0, "USD": 10.0, "EUR": 1.0}, {"USD": 7.2}) == (
        None,
        ["EUR"],
    )
    assert currency.convert({None: 5.0}, {}) == (5.0, [])
    assert (
        currency.amounts_text({"USD": 1234.5, "CNY": 12345.0}, "zh") == "¥12,345.00 + US$1,234.50"
    )
    assert numbers.fmt_money(-3.5, "en", currency="EUR") == "-€3.50"
    assert numbers.fmt_money(3.5, "en", currency="XYZ") == "XYZ 3.50"
