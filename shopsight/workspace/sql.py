"""SQL text the workspace splices in (names from a table's own schema or the code, never
from users) and the catalog reads every part needs."""

from __future__ import annotations

import contextlib

import duckdb


def quote_ident(name: str) -> str:
    """Quote a column name for DuckDB; names come from a table's own schema."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    """A single-quoted SQL string: ATTACH and LOAD take no bound parameters."""
    if "\x00" in text:
        raise ValueError("NUL in a path")
    return "'" + text.replace("'", "''") + "'"


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_name = $t and table_catalog = current_database() "
        "and table_schema = current_schema() order by ordinal_position",
        {"t": table},
    ).fetchall()
    return [r[0] for r in rows]


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema = current_schema()"
        ).fetchall()
    }


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back without hiding the error that got us here (a failed commit already did)."""
    with contextlib.suppress(duckdb.Error):
        con.execute("rollback")


def add_extra_columns(con: duckdb.DuckDBPyConnection, kind: str, names: list[str]) -> None:
    """Text columns for the extra (non-canonical) columns a load keeps on purpose."""
    existing = set(table_columns(con, kind))
    for name in names:
        if name not in existing and not name.startswith("_"):
            con.execute(f"alter table {quote_ident(kind)} add column {quote_ident(name)} varchar")
