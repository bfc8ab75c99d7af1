"""The workspace's own tables and their upkeep: the record of loads (_loads), saved header
mappings (_mappings) and settings (_settings); creating them and bringing the tables of an
older version up to this one (ensure_schema); and reading them for the Data page and CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from shopsight import coverage as coverage_mod
from shopsight import queries, schema
from shopsight.conflicts import retry_conflicts  # writes from replicas sharing a lake
from shopsight.ingest import platforms
from shopsight.workspace.errors import ReadOnlyWorkspaceError
from shopsight.workspace.rollups import sync_rollups
from shopsight.workspace.sql import quote_ident, table_columns

_META_DDL = (
    """create table if not exists _loads (
        load_id bigint,
        kind varchar,
        file varchar,
        sheet varchar,
        mode varchar,
        rows_loaded bigint,
        rows_rejected bigint,
        mapping json,
        derived json,
        loaded_at timestamp,
        active boolean,
        platform varchar,
        currency varchar,
        first_day date,
        last_day date,
        count_days bigint,
        rows_replaced bigint
    )""",
    """create table if not exists _mappings (
        header_key varchar primary key,
        kind varchar,
        mapping json,
        saved_at timestamp
    )""",
    """create table if not exists _settings (
        key varchar primary key,
        value json
    )""",
)


# Canonical columns added after workspaces were created with the table: the old column
# their existing rows are filled from, and how (SQL); the rollups read them.
ADDED_COLUMNS = {
    ("orders", "created_time"): ("order_time", "order_time"),
    ("orders", "paid"): ("paid_amount", "cast(paid_amount as decimal(18, 2)) > 0"),
    ("orders", "line_amount"): ("paid_amount", "paid_amount"),
}


@retry_conflicts  # replicas starting at once may both create or rebuild tables
def ensure_schema(con: duckdb.DuckDBPyConnection, lake: bool = False) -> None:
    """Create what is missing, and bring the rollups up to their SQL (sync_rollups)."""
    for kind in schema.KINDS:
        con.execute(schema.create_table_sql(kind))
    _add_new_columns(con)
    for ddl in _META_DDL:
        # DuckLake has no key constraints; upserts below use merge, which needs none
        con.execute(ddl.replace(" primary key", "") if lake else ddl)
    _add_missing_columns(con)
    con.execute(_SEED_LOAD_SEQ)
    sync_rollups(con, lake=lake)


def _add_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Give a table made by an older version the canonical columns added since, filled from
    its own rows (names and expressions from schema / ADDED_COLUMNS only)."""
    for (kind, name), (_, fill) in ADDED_COLUMNS.items():
        if name in table_columns(con, kind):
            continue
        col = schema.KINDS[kind].column(name)
        con.execute(f"alter table {quote_ident(kind)} add column {quote_ident(name)} {col.type}")
        con.execute(f"update {quote_ident(kind)} set {quote_ident(name)} = {fill}")


# _loads columns added after the first release, with their types
_LOADS_ADDED = {
    "platform": "varchar",
    "currency": "varchar",
    "first_day": "date",
    "last_day": "date",
    "count_days": "bigint",
    "rows_replaced": "bigint",
}


def columns_missing(con: duckdb.DuckDBPyConnection) -> bool:
    """True when a table lacks a column this version adds (reads only)."""
    have = {
        (r[0], r[1])
        for r in con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema = current_schema()"
        ).fetchall()
    }
    wanted = [
        (kind, c) for kind, k in schema.KINDS.items() for c in (*k.column_names, schema.LOAD_ID)
    ]
    wanted += [("_loads", c) for c in _LOADS_ADDED]
    return any(w not in have for w in wanted)


def _add_missing_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Bring tables made by an older version up to the current columns (no transaction:
    DDL, each statement on its own).  Rows loaded before loads were tracked per row are
    given to the latest active load of their kind, which is where they came from."""
    have: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_catalog = current_database() and table_schema = current_schema()"
    ).fetchall():
        have.setdefault(table, set()).add(column)
    for name, type_ in _LOADS_ADDED.items():
        if name not in have.get("_loads", set()):
            con.execute(f"alter table _loads add column {quote_ident(name)} {type_}")
    if "platform" not in have.get("_loads", set()):
        _backfill_platforms(con)
    for kind, k in schema.KINDS.items():
        cols = have.get(kind, set())
        for c in k.columns:
            if c.name not in cols:
                con.execute(
                    f"alter table {quote_ident(kind)} add column {quote_ident(c.name)} {c.type}"
                )
        if schema.LOAD_ID not in cols:
            con.execute(f"alter table {quote_ident(kind)} add column {schema.LOAD_ID} bigint")
            con.execute(
                f"update {quote_ident(kind)} set {schema.LOAD_ID} = (select max(load_id) "
                f"from _loads where kind = $k and active) where {schema.LOAD_ID} is null",
                {"k": kind},
            )
        if kind in schema.PLATFORM_KINDS and "platform" not in cols:
            con.execute(
                f"update {quote_ident(kind)} set platform = l.platform, currency = l.currency "
                f"from _loads l where l.load_id = {quote_ident(kind)}.{schema.LOAD_ID}"
            )


def _backfill_platforms(con: duckdb.DuckDBPyConnection) -> None:
    """Loads made before platforms were recorded: the platform their file name and headers
    say (what a new upload of the same export detects, so the two merge), and CNY."""
    for load_id, kind, file, mapping in con.execute(
        "select load_id, kind, file, mapping from _loads"
    ).fetchall():
        headers = list(json.loads(mapping or "{}"))
        con.execute(
            "update _loads set platform = $p, currency = $c where load_id = $id",
            {
                "p": platforms.detect(headers, file or "", kind),
                "c": platforms.DEFAULT_CURRENCY,
                "id": load_id,
            },
        )


# Load ids are max + 1 over the snapshot a load reads, so two processes loading into one
# lake at once would take the same id when neither deletes from a table the other writes
# (two first loads, two appends). Every load therefore rewrites the one `load_seq` row of
# _settings: DuckLake then fails the later commit, and it runs again with the next id.
_SEED_LOAD_SEQ = (
    "insert into _settings select 'load_seq', cast('0' as json) "
    "where not exists (select 1 from _settings where key = 'load_seq')"
)


def claim_load_id(con: duckdb.DuckDBPyConnection) -> int:
    load_id = con.execute("select coalesce(max(load_id), 0) + 1 from _loads").fetchone()[0]
    con.execute("delete from _settings where key = 'load_seq'")
    con.execute("insert into _settings values ('load_seq', $v)", {"v": json.dumps(load_id)})
    return load_id


def refuse_read_only_connection(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse a write through a connection opened read-only (the app opens the sample shop
    so): writes that get only a connection (settings, saved mappings) check it here, and
    say so clearly instead of with DuckDB's error."""
    row = con.execute(
        "select readonly from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    if row and row[0]:
        raise ReadOnlyWorkspaceError(
            "this workspace is open read-only (the shared sample shop): nothing can be saved in it"
        )


def dataset_rows(con: duckdb.DuckDBPyConnection, kind: str) -> int:
    """Rows a dataset holds now (what a replace or delete would take away)."""
    if kind not in schema.KINDS:
        raise ValueError(f"unknown dataset kind {kind!r}")
    return int(con.execute(f"select count(*) from {quote_ident(kind)}").fetchone()[0])


def coverage(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(kind, load_id, day, rows touching that day, platform) for every day each load's
    rows still cover (day None: rows with no day), from queries/load_coverage.sql."""
    return con.execute(queries.sql("load_coverage")).fetchall()


def loads(con: duckdb.DuckDBPyConnection, active_only: bool = True) -> list[dict]:
    """Every load with what it covers now: its rows, days and day ranges (gaps split them)."""
    cov: dict[int, list] = {}
    for _kind, load_id, day, _n, _platform in coverage(con):
        cov.setdefault(load_id, []).append(day)
    held = {r[1]: r[2] for r in con.execute(queries.sql("load_rows")).fetchall()}
    out = []
    for r in con.execute(
        "select load_id, kind, file, sheet, mode, platform, currency, rows_loaded, rows_rejected, "
        "rows_replaced, loaded_at, active from _loads "
        + ("where active " if active_only else "")
        + "order by kind, load_id"
    ).fetchall():
        days = sorted(d for d in cov.get(r[0], []) if d is not None)
        out.append(
            {
                "load_id": r[0],
                "kind": r[1],
                "file": r[2],
                "sheet": r[3],
                "mode": r[4],
                "platform": r[5],
                "currency": r[6],
                "rows_loaded": r[7],
                "rows_rejected": r[8],
                "rows_replaced": r[9] or 0,
                "loaded_at": r[10].isoformat(sep=" ", timespec="seconds") if r[10] else None,
                "active": bool(r[11]),
                "rows": int(held.get(r[0], 0)),
                "first_day": days[0] if days else None,
                "last_day": days[-1] if days else None,
                "days": len(days),
                "ranges": coverage_mod.runs(days),
            }
        )
    return out


def datasets(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """One entry per kind that has rows: row count, columns, source files, last load."""
    out = []
    for kind in schema.KINDS:
        rows = con.execute(f"select count(*) from {quote_ident(kind)}").fetchone()[0]
        if not rows:
            continue
        loads = con.execute(
            "select file, sheet, loaded_at, derived, mapping from _loads "
            "where kind = $k and active order by load_id",
            {"k": kind},
        ).fetchall()
        derived: list[str] = []
        for r in loads:
            for d in json.loads(r[3] or "[]"):
                if d not in derived:
                    derived.append(d)
        out.append(
            {
                "kind": kind,
                "rows": rows,
                "columns": [c for c in table_columns(con, kind) if not c.startswith("_")],
                "files": [r[0] for r in loads],
                "sheets": [r[1] for r in loads],
                "loaded_at": loads[-1][2].isoformat(sep=" ", timespec="seconds") if loads else None,
                "derived": derived,
            }
        )
    return out


def saved_mapping(con: duckdb.DuckDBPyConnection, header_key: str) -> tuple[str, dict] | None:
    row = con.execute(
        "select kind, mapping from _mappings where header_key = $k", {"k": header_key}
    ).fetchone()
    return (row[0], json.loads(row[1])) if row else None


@retry_conflicts
def save_mapping(con: duckdb.DuckDBPyConnection, header_key: str, kind: str, mapping: dict) -> None:
    refuse_read_only_connection(con)
    con.execute(
        "merge into _mappings using (select $k as header_key, $kind as kind, "
        "cast($m as json) as mapping, cast($at as timestamp) as saved_at) as s "
        "on _mappings.header_key = s.header_key "
        "when matched then update set kind = s.kind, mapping = s.mapping, saved_at = s.saved_at "
        "when not matched then insert (header_key, kind, mapping, saved_at) "
        "values (s.header_key, s.kind, s.mapping, s.saved_at)",
        {
            "k": header_key,
            "kind": kind,
            "m": json.dumps(mapping, ensure_ascii=False),
            "at": datetime.now(UTC).replace(tzinfo=None),
        },
    )


def get_setting(con: duckdb.DuckDBPyConnection, key: str, default=None):
    row = con.execute("select value from _settings where key = $k", {"k": key}).fetchone()
    return json.loads(row[0]) if row else default


@retry_conflicts
def set_setting(con: duckdb.DuckDBPyConnection, key: str, value) -> None:
    refuse_read_only_connection(con)
    con.execute(
        "merge into _settings using (select $k as key, cast($v as json) as value) as s "
        "on _settings.key = s.key when matched then update set value = s.value "
        "when not matched then insert (key, value) values (s.key, s.value)",
        {"k": key, "v": json.dumps(value, ensure_ascii=False)},
    )
