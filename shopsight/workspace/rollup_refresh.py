"""Refreshing the rollups where a load changed them, instead of rebuilding them.

A daily upload of a few thousand order lines into a workspace of millions used to rebuild
every rollup over every line (a day's 33k lines into 10M lines: 62 CPU-s, all but one of
them rollups).  Each order and events rollup's rows depend on one key alone: the rows of
day d on the lines of day d (daily_channel_product, daily_province_product, daily_region,
events_daily, and the rollups built from daily_channel_product or buyer_orders), a
buyer's or a user's rows on that buyer's or user's lines (buyer_orders, region_buyers,
events_funnel).  So a load that deletes and adds some lines needs only the rows of the
days and buyers those lines have: delete them from the rollup, and insert what the
rollup's own query gives over just those rows (its file's query, with the table it reads
narrowed by a CTE of the same name); of those rows, only the ones that differ from what
the rollup holds are deleted and inserted.  Rollups are refreshed in build order
(rollups.rollup_names): the one another reads comes first.  Users' keys
(rollup_events_user_keys) are only ever added to.

Rows added this way go after the rest of the table, which is sorted by day (or event) for
the zone maps; so once the lines changed since the last full build pass a tenth of the
table, and for large loads, the rollups are rebuilt instead (REBUILD_SHARE).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from shopsight import queries
from shopsight.workspace import metadata
from shopsight.workspace.sql import quote_ident


# The changed days: $days (dates), $first / $last (their range), $undated (whether lines
# without a day changed).  The range test first lets the scan skip row groups by their
# zone maps (tables are in day order, order lines mostly so).
def _line_days(time: str) -> str:
    return (
        f"(({time} >= cast($first as timestamp) and {time} < cast($last as timestamp) "
        f"+ interval 1 day and cast({time} as date) in (select unnest(cast($days as date[])))) "
        f"or ({time} is null and $undated))"
    )


_ROW_DAYS = (
    "((day between $first and $last and day in (select unnest(cast($days as date[])))) "
    "or (day is null and $undated))"
)

# What identifies a changed line, per kind: its day first, then the keys the rules use.
KEYS = {
    "orders": "cast(order_time as date) as day, buyer_id, order_id",
    "events": "cast(event_time as date) as day, user_id",
}


def _buyers(view: str) -> str:
    """Lines (or buyer_orders rows) of the changed buyers; without a buyer, of the changed
    orders (a buyer_orders row without a buyer is one order's lines)."""
    return (
        f"(buyer_id in (select buyer_id from {view} where buyer_id is not null) "
        f"or (buyer_id is null and coalesce(order_id, '') in "
        f"(select coalesce(order_id, '') from {view} where buyer_id is null)))"
    )


def _buyer_keys(view: str) -> str:
    return f"(select hash(buyer_id) from {view} where buyer_id is not null)"


@dataclass(frozen=True)
class Rule:
    """What one rollup's rows depend on: `source` is the table its query reads, `lines`
    the SQL picking the source rows of the changed keys, `rows` the rollup rows they
    make (format fields: {view} = the changed lines' keys).  `insert`, when set, replaces
    deleting `rows` and inserting the narrowed query: a statement of its own."""

    source: str
    lines: str
    rows: str
    insert: str | None = None


_USERS = "(select user_id from {view} where user_id is not null)"


RULES: dict[str, Rule] = {
    "rollup_orders_daily_channel_product": Rule("orders", _line_days("order_time"), _ROW_DAYS),
    "rollup_orders_daily_province_product": Rule("orders", _line_days("order_time"), _ROW_DAYS),
    "rollup_orders_daily_product": Rule(
        "rollup_orders_daily_channel_product", _ROW_DAYS, _ROW_DAYS
    ),
    "rollup_orders_daily_region": Rule("orders", _line_days("order_time"), _ROW_DAYS),
    "rollup_orders_buyer_orders": Rule("orders", _buyers("{view}"), _buyers("{view}")),
    "rollup_orders_region_buyers": Rule(
        "orders",
        "hash(buyer_id) in " + _buyer_keys("{view}"),
        "buyer_key in " + _buyer_keys("{view}"),
    ),
    # over buyer_orders: the days of its rows that changed (old and new; see refresh)
    "rollup_orders_buyer_orders_days": Rule("rollup_orders_buyer_orders", _ROW_DAYS, _ROW_DAYS),
    "rollup_orders_buyer_orders_marks": Rule("rollup_orders_buyer_orders", _ROW_DAYS, _ROW_DAYS),
    "rollup_events_daily": Rule("events", _line_days("event_time"), _ROW_DAYS),
    # a user's key never changes: new users get the next keys, none is deleted (a user
    # whose events all went keeps an unused key)
    "rollup_events_user_keys": Rule(
        "events",
        "false",
        "false",
        insert=(
            "insert into rollup_events_user_keys by name select user_id, "
            "cast((select coalesce(max(user_key), 0) from rollup_events_user_keys) "
            "+ row_number() over () as integer) as user_key "
            f"from (select distinct user_id from {_USERS} "
            "except select user_id from rollup_events_user_keys)"
        ),
    ),
    "rollup_events_funnel": Rule(
        "events",
        f"user_id in {_USERS}",
        f"user_key in (select user_key from rollup_events_user_keys where user_id in {_USERS})",
    ),
}

# Past this share of the table's lines (changed since the last full build, this load's
# included), rebuild: the rows a refresh appends are out of day order, and a large load
# costs about as much either way.
REBUILD_SHARE = 0.1
_SETTING = "rollup_refresh_lines.{kind}"


@dataclass
class Changes:
    """The lines a write deleted and added (their KEYS), for the kinds whose rollups all
    have a RULE; None keys: rebuild."""

    keys: pa.Table | None = None


def line_keys(
    con: duckdb.DuckDBPyConnection, kind: str, rows: str, params: dict | None = None
) -> pa.Table:
    """The KEYS of the lines (rows of `kind`) a query selects."""
    return con.execute(f"select {KEYS[kind]} from ({rows})", params or {}).to_arrow_table()


def refreshable(kind: str) -> bool:
    names = queries.names(prefix=f"rollup_{kind}")
    return kind in KEYS and bool(names) and all(name in RULES for name in names)


def narrowed(query: str, source: str, where: str, qualified: str) -> str:
    """The rollup's query over the rows of `source` that `where` picks: a CTE named like
    the table comes first and hides it (`qualified` names the table itself)."""
    cte = f"{quote_ident(source)} as (select * from {qualified} where {where})"
    head = query.lstrip()
    if head[:4].lower() == "with" and head[4:5].isspace():
        return f"with {cte},{head[4:]}"
    return f"with {cte} {head}"


def _qualified(con: duckdb.DuckDBPyConnection, table: str) -> str:
    db, schema = con.execute("select current_database(), current_schema()").fetchone()
    return ".".join(quote_ident(p) for p in (db, schema, table))


def _days_of(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> set:
    return {r[0] for r in con.execute(sql, params or {}).fetchall()}


def _day_params(days: set) -> dict:
    dated = sorted(d for d in days if d is not None)
    return {
        "days": dated,
        "first": dated[0] if dated else None,
        "last": dated[-1] if dated else None,
        "undated": None in days,
    }


def refresh(
    con: duckdb.DuckDBPyConnection, kind: str, changes: Changes | None, parts: dict
) -> bool:
    """Inside the write's transaction: refresh the kind's rollups for the changed lines;
    False (nothing done) when they must be rebuilt instead.  `parts` maps each rollup
    file to its (table, query)."""
    if changes is None or changes.keys is None or not refreshable(kind):
        return False
    changed = changes.keys.num_rows
    total = con.execute(f"select count(*) from {quote_ident(kind)}").fetchone()[0]
    setting = _SETTING.format(kind=kind)
    since = int(metadata.get_setting(con, setting, 0))
    if changed >= total or since + changed > REBUILD_SHARE * total:
        return False
    view = f"_changed_{threading.get_ident()}"
    con.register(view, changes.keys)
    try:
        _refresh_each(con, view, parts)
    finally:
        con.unregister(view)
    metadata.set_setting(con, setting, since + changed)
    return True


def _refresh_each(con: duckdb.DuckDBPyConnection, view: str, parts: dict) -> None:
    """Each rollup in build order.  A rollup read by another and refreshed by buyer
    (buyer_orders) changes rows on other days than the lines' (a buyer's later orders), so
    the rollups reading it by day take the days of its rows that changed, old and new."""
    days = _days_of(con, f"select distinct day from {view}")
    read_by_others = {RULES[name].source for name in parts}
    touched: dict[str, set] = {}  # table -> days of its changed rows
    for name, (table, query) in parts.items():
        rule = RULES[name]
        lines, rows = rule.lines.format(view=view), rule.rows.format(view=view)
        params = _day_params(touched.get(rule.source, days)) if "$days" in lines + rows else {}
        by_day = "$days" in rows
        keep_days = table in read_by_others and not by_day
        where_rows = f"from {quote_ident(table)} where {rows}"
        if rule.insert is not None:
            con.execute(rule.insert.format(view=view), params)
            continue
        sql = narrowed(query, rule.source, lines, _qualified(con, rule.source))
        changed = _replace_changed_rows(con, table, where_rows, sql, params, keep_days)
        if keep_days:
            touched[table] = changed


def _replace_changed_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    where_rows: str,
    sql: str,
    params: dict,
    days: bool,
) -> set:
    """Make the rows `where_rows` picks those `sql` gives, writing only the rows that
    differ: most rows of a changed buyer or user are as before (a new order changes the
    buyer's last row and adds one), and deleting and adding them all again left the
    table's row groups with enough holes that the commit's checkpoint rewrote the whole
    table to close them (0.7 CPU-s of a day's 2.2 into 1M order lines).  A row value
    stays when it is held as many times before as now (copies counted, so duplicates stay
    exact); values are compared by a 64-bit hash of the whole row, among the rows of the
    changed keys only (two different rows of a load alike by chance: odds about 1e-9, as
    for rollup_orders_region_buyers' buyer keys).  Returns the days of the rows deleted
    or added when `days`."""
    new, old, same = (f"_refresh_{p}_{threading.get_ident()}" for p in ("new", "old", "same"))
    con.execute(f"create or replace temp table {new} as {sql}", params)
    columns = [r[0] for r in con.execute(f"select name from pragma_table_info('{new}')").fetchall()]
    row_hash = f"hash({', '.join(quote_ident(c) for c in columns)})"
    try:
        # the table is read once (the changed keys' rows are found by a scan): their row
        # ids, hashes and days
        con.execute(
            f"create or replace temp table {old} as select rowid as _rid, {row_hash} as _h"
            f"{', day' if days else ''} {where_rows}",
            params,
        )
        # values held as often before as now: their rows stay
        con.execute(
            f"create or replace temp table {same} as select _h from (select _h, count(*) as c "
            f"from {old} group by _h) join (select {row_hash} as _h, count(*) as c from {new} "
            f"group by _h) using (_h, c)"
        )
        changed: set = set()
        if days:
            changed = _days_of(
                con,
                f"select day from {old} where _h not in (select _h from {same}) union "
                f"select day from {new} where {row_hash} not in (select _h from {same})",
            )
        con.execute(
            f"delete from {quote_ident(table)} where rowid in (select _rid from {old} "
            f"where _h not in (select _h from {same}))"
        )
        con.execute(
            f"insert into {quote_ident(table)} by name select * from {new} "
            f"where {row_hash} not in (select _h from {same})"
        )
        return changed
    finally:
        for temp in (new, old, same):
            con.execute(f"drop table if exists {temp}")


def rebuilt(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """After a full build of the kind's rollups: no line changed since."""
    if refreshable(kind):
        metadata.set_setting(con, _SETTING.format(kind=kind), 0)
