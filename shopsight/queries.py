"""Named SQL queries: queries/<name>.sql, run with `$name` parameters bound.

Only the parameters a file mentions are bound, so a page can pass its whole
filter set to every query.
"""

from __future__ import annotations

import functools
import re
import threading
from pathlib import Path

import duckdb
import pandas as pd

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")
MACROS = "macros"  # queries/macros.sql: the shared rules, in the catalog below
MACRO_CATALOG = "ss"
_install_guard = threading.Lock()


def names(prefix: str = "") -> list[str]:
    return sorted(p.stem for p in QUERY_DIR.glob(f"{prefix}*.sql"))


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Make the shared macros (queries/macros.sql) callable as `ss.<name>` on `con`.

    They go into an in-memory catalog attached to the database instance, so every cursor
    of it sees them, also after the configuration is locked (attaching `:memory:` reads
    no file). Once per instance: a second connection to an open file shares it.
    """
    with _install_guard:  # two threads replacing one macro at once conflict
        found = con.execute(
            "select count(*) from duckdb_databases() where database_name = $name",
            {"name": MACRO_CATALOG},
        ).fetchone()[0]
        if found:
            return
        # writable even on a read-only instance (it would inherit read-only, and a macro
        # cannot be created); it holds macros only, never workspace data
        con.execute(f"attach ':memory:' as {MACRO_CATALOG} (read_only false)")
        con.execute(sql(MACROS))


@functools.cache
def sql(name: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"bad query name {name!r}")
    path = QUERY_DIR / f"{name}.sql"
    if not path.exists():
        raise KeyError(f"no query named {name!r}")
    return path.read_text(encoding="utf-8")


@functools.cache
def params_of(name: str) -> frozenset[str]:
    """The $params a query uses (comments ignored)."""
    return frozenset(_PARAM.findall(_COMMENT.sub("", sql(name))))


def header(name: str) -> str:
    """The leading comment block: purpose and params."""
    lines = []
    for line in sql(name).splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].strip())
    return "\n".join(lines)


def bind(name: str, params: dict) -> dict:
    wanted = params_of(name)
    missing = wanted - params.keys()
    if missing:
        raise KeyError(f"query {name!r} needs parameter(s): {', '.join(sorted(missing))}")
    return {k: v for k, v in params.items() if k in wanted}


def run(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    return con.execute(sql(name), bind(name, params)).df()
