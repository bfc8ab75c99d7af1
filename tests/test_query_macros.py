"""The shared SQL rules (queries/macros.sql): their meaning, where they are installed, and
that query files use them instead of writing the rule again."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import duckdb
import pytest

from shopsight import queries, workspace

# Inline forms of the rules the macros hold: a multi-choice filter check, and the
# whole-period rule (a period's last day written out in a range check).
INLINE = {
    "filter check (use ss.picked)": re.compile(r"\$\w+ is null or list_contains\("),
    "no-filter check (use ss.unfiltered)": re.compile(
        r"\$src is null and\s+\$dev is null and\s+\$prov is null and\s+\$plat is null"
    ),
    "whole-period rule (use ss.inside / ss.overlaps / ss.period_rows)": re.compile(
        r"coalesce\(date_end, date\)\s*(<=|>=|=|<|>)|(first_day|date) >= \$\w+ and last_day <= "
    ),
}
# Files that hold the rules rather than use them.
NOT_CHECKED = {"macros", "ingest_macros"}


@pytest.mark.parametrize("name", queries.names())
def test_query_files_use_the_macros(name):
    if name in NOT_CHECKED:
        pytest.skip("holds the rules")
    text = re.sub(r"--[^\n]*", "", queries.sql(name))
    found = [rule for rule, pattern in INLINE.items() if pattern.search(text)]
    assert not found, f"queries/{name}.sql writes out: {found}"


@pytest.fixture()
def con():
    c = duckdb.connect()
    queries.install_macros(c)
    yield c
    c.close()


def test_picked_is_no_filter_or_membership(con):
    for sel, v in itertools.product([None, [], ["a"], ["a", "b"]], ["a", "c", None]):
        got = con.execute(
            "select ss.picked($sel::varchar[], $v::varchar)", {"sel": sel, "v": v}
        ).fetchone()[0]
        want = True if sel is None else (v in sel if v is not None else None)
        assert got is want or (got is None and not want), (sel, v, got)


def test_unfiltered_only_without_any_filter_also_negated(con):
    names = ("src", "dev", "prov", "plat", "cur")
    for picked in itertools.product([None, ["a"]], repeat=4):
        for cur in (None, "USD"):
            values = dict(zip(names, [*picked, cur], strict=True))
            got, negated = con.execute(
                "select ss.unfiltered($src, $dev, $prov, $plat, $cur), "
                "not ss.unfiltered($src, $dev, $prov, $plat, $cur)",
                values,
            ).fetchone()
            want = all(v is None for v in values.values())
            assert (got, negated) == (want, not want), values


def test_inside_and_overlaps_match_the_period_rule(con):
    base = date(2026, 11, 1)
    days = [base + timedelta(days=i) for i in range(6)]
    for d, d_end, s, e in itertools.product(days, [None, *days], days, days):
        if (d_end is not None and d_end < d) or e < s:
            continue
        last = d_end or d
        got = con.execute(
            "select ss.inside($d, $d_end::date, $s, $e), ss.overlaps($d, $d_end::date, $s, $e),"
            " ss.day_inside($d, $d_end::date, $s, $e)",
            {"d": d, "d_end": d_end, "s": s, "e": e},
        ).fetchone()
        covered = {d + timedelta(days=i) for i in range((last - d).days + 1)}
        in_range = {s + timedelta(days=i) for i in range((e - s).days + 1)}
        assert got == (
            covered <= in_range,
            bool(covered & in_range),
            last == d and d in in_range,
        ), (d, d_end, s, e)


def test_period_rows_flags_each_range(con):
    con.execute("create table traffic (date date, date_end date, visitors int)")
    con.execute("""insert into traffic values
        ('2026-11-01', null, 1), ('2026-11-01', '2026-11-07', 2), ('2026-10-30', '2026-11-02', 3),
        ('2026-10-25', null, 4), ('2026-09-01', null, 5)""")
    rows = con.execute(
        "select visitors, is_current, is_compare, overlaps_current from ss.period_rows("
        "'traffic', date '2026-11-01', date '2026-11-07', date '2026-10-25', date '2026-10-31')"
        " order by visitors"
    ).fetchall()
    assert rows == [
        (1, True, False, True),
        (2, True, False, True),
        (3, False, False, True),
        (4, False, True, False),
    ]  # 5 touches neither range


def test_cursors_of_a_locked_read_only_workspace_see_the_macros(tmp_path):
    ws = workspace.open_workspace(tmp_path / "ws")
    ws.connect().close()
    con = ws.connect(read_only=True)
    try:
        assert con.execute("select current_setting('lock_configuration')").fetchone()[0]
        with con.cursor() as cur:
            assert cur.execute("select ss.picked(['a'], 'a')").fetchone()[0] is True
            bounds = queries.run(cur, "date_bounds")
        assert len(bounds) == 7 and bounds["count_rows"].sum() == 0
        with pytest.raises(duckdb.Error):  # the workspace itself stays read-only
            con.execute("create table t (x int)")
        queries.install_macros(con)  # a second open of the same instance: already there
    finally:
        con.close()
