"""Rollups: tables pre-aggregated at load time (queries/rollup_*.sql) so pages stay fast,
with the record of which SQL built each one so a changed file is rebuilt on the next
writable connect."""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import UTC, datetime

import duckdb

from shopsight import queries
from shopsight.workspace.sql import quote_ident, rollback, table_names

_CREATE_AS = re.compile(r"create\s+or\s+replace\s+table\s+([a-z_][a-z0-9_]*)\s+as\s", re.I)


def _uncommented(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def _rollup_parts(name: str) -> tuple[str, str] | None:
    """(table, query) of a rollup file written as `create or replace table T as <query>`."""
    text = _uncommented(queries.sql(name))
    m = _CREATE_AS.match(text.strip())
    return (m.group(1), text.strip()[m.end() :]) if m else None


# Which SQL built each rollup table: a workspace keeps its tables across upgrades, so a
# rollup whose file changed (a new column, a new grain) is rebuilt on the next writable
# connect instead of leaving pages to fail on the old table.
_ROLLUPS_DDL = """create table if not exists _rollups (
    name varchar,
    sql_hash varchar,
    built_at timestamp
)"""


_MACRO = re.compile(r"create\s+or\s+replace\s+macro\s+ss\.(\w+)", re.I)
_MACRO_USE = re.compile(r"\bss\.(\w+)\s*\(")


@functools.cache
def _macro_texts() -> dict[str, str]:
    """Each shared macro's definition in queries/macros.sql, by name (comments left out:
    the one above a macro would fall into the text of the macro before it)."""
    text = _uncommented(queries.sql(queries.MACROS))
    found = list(_MACRO.finditer(text))
    ends = [m.start() for m in found[1:]] + [len(text)]
    return {m.group(1): text[m.start() : end] for m, end in zip(found, ends, strict=True)}


def _macros_used(sql: str) -> list[str]:
    """The shared macros `sql` calls, and those they call, in name order."""
    texts, seen = _macro_texts(), set()
    todo = set(_MACRO_USE.findall(_uncommented(sql)))
    while todo:
        name = todo.pop()
        if name in texts and name not in seen:
            seen.add(name)
            todo |= set(_MACRO_USE.findall(texts[name]))
    return sorted(seen)


def rollup_hash(name: str) -> str:
    """Of the rollup's file and of the shared macros it calls: a change to either rebuilds it."""
    sql = queries.sql(name)
    h = hashlib.sha256(sql.encode("utf-8"))
    for macro in _macros_used(sql):
        h.update(_macro_texts()[macro].encode("utf-8"))
    return h.hexdigest()[:16]


def _record_rollup(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute("delete from _rollups where name = $n", {"n": name})
    con.execute(
        "insert into _rollups values ($n, $h, $at)",
        {"n": name, "h": rollup_hash(name), "at": datetime.now(UTC).replace(tzinfo=None)},
    )


def _rollup_table(name: str) -> str:
    parts = _rollup_parts(name)
    if parts is None:
        raise ValueError(f"queries/{name}.sql must be 'create or replace table <name> as ...'")
    return parts[0]


def rollup_names(prefix: str = "rollup_") -> list[str]:
    """The rollup files under `prefix` in build order: by name, except that a rollup built
    from another rollup's table comes after it."""
    names = queries.names(prefix=prefix)
    reads = {name: _rollup_parts(name)[1] for name in names}
    ordered: list[str] = []

    def place(name: str, path: tuple[str, ...]) -> None:
        if name in ordered:
            return
        if name in path:
            raise ValueError(f"rollups read each other in a cycle: {' -> '.join(path)}")
        for other in names:
            if other != name and re.search(rf"\b{_rollup_table(other)}\b", reads[name]):
                place(other, (*path, name))
        ordered.append(name)

    for name in names:
        place(name, ())
    return ordered


def sync_rollups(con: duckdb.DuckDBPyConnection, lake: bool = False) -> list[str]:
    """Rebuild every rollup whose table is missing or was built by other SQL than its
    file's, and drop rollup tables whose file is gone; returns the names rebuilt.

    Cheap when nothing changed (two catalog reads), so every writable connect runs it, and
    a new workspace gets its (empty) rollups here: queries work before the first load.
    """
    # the rollup SQL uses the shared macros, and a workspace opening runs this before
    # Workspace.connect installs them
    queries.install_macros(con)
    con.execute(_ROLLUPS_DDL)
    tables = table_names(con)
    built = dict(con.execute("select name, sql_hash from _rollups").fetchall())
    wanted = {name: _rollup_table(name) for name in rollup_names()}
    for table in sorted(tables - set(wanted.values())):
        if table.startswith("rollup_"):
            con.execute(f"drop table {quote_ident(table)}")
    for name in sorted(built.keys() - wanted.keys()):
        con.execute("delete from _rollups where name = $n", {"n": name})
    stale = _stale(tables, built)
    for name in stale:
        if lake:  # no DDL inside a lake transaction (see _rollup_parts)
            con.execute(queries.sql(name))
            _record_rollup(con, name)
            continue
        con.execute("begin transaction")
        try:
            con.execute(queries.sql(name))
            _record_rollup(con, name)
            con.execute("commit")
        except BaseException:
            rollback(con)
            raise
    return stale


def stale_rollups(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Rollups whose table is missing or was built by other SQL than its file's (reads only)."""
    tables = table_names(con)
    built = (
        dict(con.execute("select name, sql_hash from _rollups").fetchall())
        if "_rollups" in tables
        else {}
    )
    return _stale(tables, built)


def _stale(tables: set[str], built: dict[str, str]) -> list[str]:
    """Of the rollup files, those whose table is not in `tables` or whose SQL hash differs
    from the one recorded in `built` (name -> hash)."""
    return [
        name
        for name in rollup_names()
        if _rollup_table(name) not in tables or built.get(name) != rollup_hash(name)
    ]


def parts(kind: str) -> dict[str, tuple[str, str]]:
    """(table, query) of each of the kind's rollup files."""
    return {
        name: (_rollup_table(name), _rollup_parts(name)[1])
        for name in rollup_names(f"rollup_{kind}")
    }


def refill_rollups(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Inside the load transaction: rollups change with the data, without DDL."""
    for table, query in parts(kind).values():
        con.execute(f"delete from {quote_ident(table)}")
        con.execute(f"insert into {quote_ident(table)} by name {query}")


def rebuild_rollups(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Run queries/rollup_<kind>*.sql: tables pre-aggregated at load time for fast pages
    (inside the caller's transaction, with the record of which SQL built them)."""
    for name in rollup_names(f"rollup_{kind}"):
        con.execute(queries.sql(name))
        _record_rollup(con, name)
