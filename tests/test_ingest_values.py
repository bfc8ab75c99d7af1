"""Cell values: the SQL macros every uploaded cell goes through (queries/ingest_macros.sql)."""

from __future__ import annotations

import datetime as dt

import pytest

from shopsight.ingest import parse


@pytest.fixture(scope="module")
def con():
    c = parse._connect()
    yield c
    c.close()


def value(con, macro: str, text: str | None):
    return con.execute(f"select {macro}($s)", {"s": text}).fetchone()[0]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("1234.5", 1234.5),
        ("1,234", 1234.0),
        ("12,345,678.90", 12345678.9),
        ("¥1,234.50", 1234.5),
        ("￥99", 99.0),
        ("12.34%", 0.1234),
        ("-4.10%", -0.041),
        ("1.2万", 12000.0),
        ("3亿", 3e8),
        ("１２３．５", 123.5),  # full-width digits
        ("１，２３４", 1234.0),
        (" 56 ", 56.0),
        ("+1", 1.0),
        ("(12.5)", -12.5),  # accounting negative
        ("100元", 100.0),
        ("1e3", 1000.0),
    ],
)
def test_numbers(con, text, want):
    assert value(con, "ss_num", text) == pytest.approx(want)


@pytest.mark.parametrize(
    "text",
    ["-", "--", "—", "", "   ", "暂无", "null", "N/A", "nan", "无退款申请", "－", "****", None],
)
def test_placeholders_are_null_not_zero(con, text):
    assert value(con, "ss_num", text) is None
    assert value(con, "ss_is_null", text) is True


@pytest.mark.parametrize("text", ["abc", "12a", "1.2.3", "inf", "@SUM(A1)", "=1+1"])
def test_not_numbers_are_null_and_not_placeholders(con, text):
    assert value(con, "ss_num", text) is None
    assert value(con, "ss_is_null", text) is False


@pytest.mark.parametrize(
    ("macro", "text", "want"),
    [
        ("ss_ts", "2026/11/01 10:00:00 PM", dt.datetime(2026, 11, 1, 22)),
        ("ss_ts", "2026-11-01 12:30:00 AM", dt.datetime(2026, 11, 1, 0, 30)),
        ("ss_ts", "2026年11月1日 10时05分30秒", dt.datetime(2026, 11, 1, 10, 5, 30)),
        ("ss_ts", "2026年11月1日 10时05分", dt.datetime(2026, 11, 1, 10, 5)),
        ("ss_ts", "Nov 1, 2026 10:00 AM", dt.datetime(2026, 11, 1, 10)),
        ("ss_ts", "2026-11-01 (周日) 10:00:00", dt.datetime(2026, 11, 1, 10)),
        ("ss_date", "2026-11-01(周日)", dt.date(2026, 11, 1)),
        ("ss_date", "2026-11-01（星期日）", dt.date(2026, 11, 1)),
        ("ss_date", "2026/11/1 星期日", dt.date(2026, 11, 1)),
        ("ss_date", "Nov 1, 2026", dt.date(2026, 11, 1)),
    ],
)
def test_times_with_am_pm_chinese_units_month_names_or_a_weekday(con, macro, text, want):
    assert value(con, macro, text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("100人", 100),
        ("3件", 3),
        ("2笔", 2),
        ("1.2万人", 12000),
        ("100 人次", 100),
        ("１００人", 100),
    ],
)
def test_a_unit_after_a_count_is_the_columns(con, text, want):
    assert value(con, "ss_int", text) == want
    assert value(con, "ss_money", text) is None  # under an amount: a shifted column


@pytest.mark.parametrize("text", ["人", "件数", "3件套"])
def test_a_unit_alone_or_inside_words_is_no_count(con, text):
    assert value(con, "ss_int", text) is None


@pytest.mark.parametrize(
    "text",
    # a decimal comma, or commas that do not group thousands, would be read as grouping
    ["1.234,56", "1,5", "12,34", "1,2345", "1,234,5", ",123", "1,,234"],
)
def test_commas_that_do_not_group_thousands_are_not_numbers(con, text):
    assert value(con, "ss_num", text) is None
    assert value(con, "ss_money", text) is None


@pytest.mark.parametrize(
    ("text", "want"),
    [("1,234.", 1234.0), ("-1,234", -1234.0), ("(1,234.50)", -1234.5), ("1,234万", 12340000.0)],
)
def test_grouped_thousands_with_signs_and_units(con, text, want):
    assert value(con, "ss_num", text) == pytest.approx(want)


@pytest.mark.parametrize("text", ["12%", "12.5 %", "１２％"])
def test_a_percentage_is_no_amount_or_count(con, text):
    assert value(con, "ss_num", text) is not None  # a rate column reads it
    assert value(con, "ss_money", text) is None
    assert value(con, "ss_int", text) is None


@pytest.mark.parametrize(
    ("macro", "text"),
    [
        ("ss_date", "26-11-01"),
        ("ss_date", "0026-11-01"),
        ("ss_date", "1900-01-01"),
        ("ss_date", "2100-01-01"),
        ("ss_ts", "26-11-01 10:00"),
        ("ss_ts", "0026-11-01 10:00:00"),
        ("ss_ts", "1969-12-31 23:59:59"),
    ],
)
def test_dates_outside_1970_2099_are_not_read(con, macro, text):
    assert value(con, macro, text) is None


def test_integers_round(con):
    assert value(con, "ss_int", "1,200") == 1200
    assert value(con, "ss_int", "2.6") == 3


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2026-10-01", dt.date(2026, 10, 1)),
        ("2026/10/1", dt.date(2026, 10, 1)),
        ("20261001", dt.date(2026, 10, 1)),
        ("2026年10月1日", dt.date(2026, 10, 1)),
        ("2026.10.01", dt.date(2026, 10, 1)),
        ("46296", dt.date(2026, 10, 1)),  # Excel serial
        ("2026-10-01 23:59:59", dt.date(2026, 10, 1)),
        ("2026-10-01~2026-10-07", dt.date(2026, 10, 1)),
        ("２０２６－１０－０１", dt.date(2026, 10, 1)),
    ],
)
def test_dates(con, text, want):
    assert value(con, "ss_date", text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2026-11-01 10:30:00", dt.datetime(2026, 11, 1, 10, 30)),
        ("2026-11-01T10:30:00", dt.datetime(2026, 11, 1, 10, 30)),
        ("2026/11/1 9:05", dt.datetime(2026, 11, 1, 9, 5)),
        ("2026年11月1日 09:05:07", dt.datetime(2026, 11, 1, 9, 5, 7)),
        ("2026-11-01 10:30:00 +0800", dt.datetime(2026, 11, 1, 10, 30)),  # Shopify: local time kept
        ("45384.5", dt.datetime(2024, 4, 2, 12, 0)),  # Excel serial with a time
        ("20261101103000", dt.datetime(2026, 11, 1, 10, 30)),
        ("2026-11-01", dt.datetime(2026, 11, 1)),
    ],
)
def test_timestamps(con, text, want):
    assert value(con, "ss_ts", text) == want


@pytest.mark.parametrize("text", ["2026-13-01", "yesterday", "2026-02-30", "11/2026"])
def test_bad_dates(con, text):
    assert value(con, "ss_date", text) is None
    assert value(con, "ss_ts", text) is None


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("1234567890123456789", "1234567890123456789"),  # 19 digits stay exact
        ('="1234567890123456789"', "1234567890123456789"),  # Excel text guard
        ("\t1234567890123456789", "1234567890123456789"),  # leading tab
        ("'1234567890123456789", "1234567890123456789"),  # apostrophe
        ("792697457121.0", "792697457121"),
        ("00123", "00123"),
        ("SKU-0001", "SKU-0001"),
        ("260517-607198974342268", "260517-607198974342268"),
        ("#1001", "#1001"),
        ("１２３", "123"),
    ],
)
def test_ids_stay_exact_text(con, text, want):
    assert value(con, "ss_id", text) == want


@pytest.mark.parametrize("text", ["1.23E+18", "1.234567890123e+18", "6E18", "-1e5"])
def test_ids_in_scientific_notation_are_refused(con, text):
    assert value(con, "ss_id", text) is None
    assert value(con, "ss_is_null", text) is False  # so the row is reported, not silently blank


@pytest.mark.parametrize(
    ("macro", "text", "want"),
    [
        # a no-break, thin or narrow no-break space groups thousands as a space does
        ("ss_num", "1\u00a0234", 1234.0),
        ("ss_num", "12\u202f345.50", 12345.5),
        ("ss_int", "1\u2009234", 1234),
        # the minus sign of a web page or a report tool
        ("ss_num", "\u22125", -5.0),
        ("ss_money", "\u221212.50", -12.5),
        # zero-width characters copied along from a web page, anywhere in the cell
        ("ss_int", "1234\u200b", 1234),
        ("ss_money", "\u200b100.50", 100.5),
        ("ss_money", "1,2\u200c34.00", 1234.0),
        ("ss_id", "4045771358082458911\u200b", "4045771358082458911"),
        ("ss_id", "\u2060SKU-0001", "SKU-0001"),
        ("ss_date", "2026-11-01\u200d", dt.date(2026, 11, 1)),
        ("ss_ts", "2026-11-01\u00a010:05:00", dt.datetime(2026, 11, 1, 10, 5)),
        ("ss_text", "\u200b手淘推荐\u200b", "手淘推荐"),
        ("ss_int", "2\u00a0件", 2),
        ("ss_int", "3\u2009人次", 3),
    ],
)
def test_invisible_and_other_spaces_do_not_change_a_value(con, macro, text, want):
    got = value(con, macro, text)
    assert got == (pytest.approx(want) if isinstance(want, float) else want)


@pytest.mark.parametrize("text", ["1\u00a0234,5", "\u200b1,5"])
def test_invisible_characters_do_not_make_a_decimal_comma_readable(con, text):
    assert value(con, "ss_num", text) is None


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("卖家已发货，等待买家确认", "卖家已发货，等待买家确认"),  # punctuation as written
        ("  交易成功\u3000", "交易成功"),
        ('=HYPERLINK("http://x","y")', '=HYPERLINK("http://x","y")'),
        ("'); delete from traffic; --", "'); delete from traffic; --"),
        ("@SUM(A1)", "@SUM(A1)"),
        ("-", None),
    ],
)
def test_text_kept_verbatim(con, text, want):
    assert value(con, "ss_text", text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("是", True),
        ("成交", True),
        ("已成交", True),
        ("yes", True),
        ("1", True),
        ("否", False),
        ("未成交", False),
        ("no", False),
        ("0", False),
        ("-", None),
        ("也许", None),
    ],
)
def test_booleans(con, text, want):
    assert value(con, "ss_bool", text) is want
