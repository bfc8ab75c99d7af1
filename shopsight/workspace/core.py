"""The DuckDB workspace: one database file per workspace directory (DESIGN §6).

Every connection is locked down when it opens (no file access, no extension
loading, configuration frozen).  Uploads are parsed elsewhere, on a private
in-memory connection, and arrive here as Arrow tables, which are written in one
transaction so readers see either the old dataset or the new one, never half.

Concurrency: `connect()` twice on one workspace in one process gives connections to
the same database instance; hold one per process (st.cache_resource) and give each
session thread, and each load, its own `con.cursor()`.  DuckDB lets one process at a
time open a file read-write; a second process gets WorkspaceBusyError.

Backends: `SHOPSIGHT_BACKEND=ducklake` keeps workspaces in DuckLake catalogs instead
(shopsight/backends.py) so several replicas can share them; the sample shop always
stays a local file (it is rebuilt from sample_data/ and never written by users).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from shopsight import coverage as coverage_mod
from shopsight import queries, schema
from shopsight.conflicts import retry_conflicts  # writes from replicas sharing a lake

DB_FILE = "shop.duckdb"
SAMPLE = "sample"
FILE, DUCKLAKE = "file", "ducklake"
BACKENDS = (FILE, DUCKLAKE)
DEFAULT_MEMORY_LIMIT = "1GB"
DEFAULT_THREADS = 2

# Two writers replacing the same table conflict in DuckDB; loads in one process
# are serialised per database file.
_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()

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


class ReadOnlyWorkspaceError(PermissionError):
    """A write to the sample shop, which is shared by everyone and rebuilt from sample_data/."""


class WorkspaceBusyError(RuntimeError):
    """Another process holds the workspace file open read-write (DuckDB allows one)."""


def data_dir() -> Path:
    return Path(os.environ.get("SHOPSIGHT_DATA_DIR", "./.shopsight")).expanduser()


def backend_name() -> str:
    """The configured backend for workspaces other than the sample (env SHOPSIGHT_BACKEND)."""
    name = os.environ.get("SHOPSIGHT_BACKEND", FILE).strip().lower() or FILE
    if name not in BACKENDS:
        raise ValueError(f"SHOPSIGHT_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
    return name


def sample_path() -> Path:
    return data_dir() / SAMPLE


def is_read_only(ws: Workspace) -> bool:
    """True for the shared sample shop: uploads and deletes there are refused."""
    return ws.path.resolve() == sample_path().resolve()


class WorkspaceNameError(ValueError):
    """A workspace name that would lead outside the data directory."""


def resolve(workspace: str | os.PathLike | None) -> Path:
    """A workspace directory: an explicit path, or a name under the data directory.

    Explicit: absolute, starting with ./ ../ or ~, or an existing directory.  Anything
    else is a name (teams/<id> included), and a name never leads outside the data
    directory: `teams/../../x` would create directories wherever it points.
    """
    if workspace is None:
        return data_dir() / SAMPLE
    text = os.fspath(workspace)
    p = Path(text)
    if p.is_absolute() or text.startswith(("./", "../", "~", f".{os.sep}", f"..{os.sep}")) \
            or p.is_dir():
        return p.expanduser()
    root = os.path.abspath(data_dir())
    target = os.path.abspath(os.path.join(root, text))
    if not text.strip() or os.path.commonpath([root, target]) != root or target == root:
        raise WorkspaceNameError(
            f"the workspace name {text!r} leads outside the data directory {data_dir()}; "
            "give a name under it or an explicit path (absolute, or starting with ./)"
        )
    return data_dir() / text


def quote_ident(name: str) -> str:
    """Quote a column name for DuckDB; names come from a table's own schema."""
    return '"' + name.replace('"', '""') + '"'


def duckdb_config(read_only: bool) -> dict:
    """Settings of every workspace database instance; limits come from the environment."""
    cfg = {
        "memory_limit": os.environ.get("SHOPSIGHT_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
        "threads": int(os.environ.get("SHOPSIGHT_THREADS", DEFAULT_THREADS)),
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "preserve_insertion_order": False,
    }
    return cfg


def _lockdown(con: duckdb.DuckDBPyConnection) -> None:
    # the settings are per database instance: a second connection to an open file
    # finds them already locked (and SET would fail)
    locked = con.execute("select current_setting('lock_configuration')").fetchone()[0]
    if locked:
        return
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")


def _open_file(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only, config=duckdb_config(read_only))
    except duckdb.IOException as e:
        if "lock" not in str(e).lower():
            raise
        holder = re.search(r"held in (.+?) \(PID (\d+)\)", str(e))
        who = f"process {holder[2]} ({holder[1]})" if holder else "another process"
        raise WorkspaceBusyError(
            f"the workspace {path.parent} is open in {who}; DuckDB lets one process "
            f"write a database file at a time (stop the other app or CLI, or use the DuckLake "
            f"backend for several replicas)"
        ) from e


@dataclass
class Workspace:
    path: Path
    backend: str = FILE

    @property
    def db_path(self) -> Path:
        return self.path / DB_FILE

    @property
    def key(self) -> str:
        return str(self.db_path.resolve())

    def exists(self) -> bool:
        if self.backend == DUCKLAKE:
            from shopsight import backends

            return backends.lake_exists(self)
        return self.db_path.exists()

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open the database locked down; creates an empty workspace when writable.

        Share one per process; use `con.cursor()` per thread.  With the DuckLake
        backend the result is a backends.LakeConnection, whose cursors behave the same.
        """
        if self.backend == DUCKLAKE:
            from shopsight import backends

            con = backends.connect_lake(self, read_only=read_only)
            queries.install_macros(con)
            if not read_only:
                with self.write_lock():  # a rollup rebuild must not race a load
                    ensure_schema(con, lake=True)
            return con
        if read_only:
            if not self.exists():
                raise FileNotFoundError(f"no workspace at {self.path}")
            con = _open_file(self.db_path, read_only=True)
            if stale_rollups(con) or _columns_missing(con):
                # built by older rollup SQL (or before loads were tracked per row) and not
                # opened for writing since: bring it up to date now unless another process
                # holds the file (that one did it on open)
                con.close()
                with contextlib.suppress(WorkspaceBusyError):
                    self.connect().close()
                con = _open_file(self.db_path, read_only=True)
        elif not self.exists() and is_read_only(self):
            # an empty file here would pass for a built sample shop (sample.ensure_sample)
            raise ReadOnlyWorkspaceError(
                "the sample shop is built by sample.ensure_sample, not by opening it for writing"
            )
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            con = _open_file(self.db_path, read_only=False)
            with self.write_lock():  # a rollup rebuild must not race a load
                ensure_schema(con)
        _lockdown(con)
        queries.install_macros(con)
        return con

    def write_lock(self) -> threading.Lock:
        with _write_locks_guard:
            return _write_locks.setdefault(self.key, threading.Lock())


def open_workspace(workspace: str | os.PathLike | None = None) -> Workspace:
    path = resolve(workspace)
    on_sample = path.resolve() == sample_path().resolve()
    return Workspace(path, FILE if on_sample else backend_name())


def connect(workspace: str | os.PathLike | Workspace | None = None,
            read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """`open_workspace(...).connect(...)`: the connection a process shares between sessions."""
    ws = workspace if isinstance(workspace, Workspace) else open_workspace(workspace)
    return ws.connect(read_only=read_only)


# Canonical columns added after workspaces were created with the table: the old column
# their existing rows are filled from, and how (SQL); the rollups read them.
_ADDED_COLUMNS = {
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
    its own rows (names and expressions from schema / _ADDED_COLUMNS only)."""
    for (kind, name), (_, fill) in _ADDED_COLUMNS.items():
        if name in table_columns(con, kind):
            continue
        col = schema.KINDS[kind].column(name)
        con.execute(f"alter table {quote_ident(kind)} add column {quote_ident(name)} {col.type}")
        con.execute(f"update {quote_ident(kind)} set {quote_ident(name)} = {fill}")
# _loads columns added after the first release, with their types
_LOADS_ADDED = {"platform": "varchar", "currency": "varchar", "first_day": "date",
                "last_day": "date", "count_days": "bigint", "rows_replaced": "bigint"}


def _columns_missing(con: duckdb.DuckDBPyConnection) -> bool:
    """True when a table lacks a column this version adds (reads only)."""
    have = {(r[0], r[1]) for r in con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_catalog = current_database() and table_schema = current_schema()"
    ).fetchall()}
    wanted = [(kind, c) for kind, k in schema.KINDS.items()
              for c in (*k.column_names, schema.LOAD_ID)]
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
                con.execute(f"alter table {quote_ident(kind)} add column {quote_ident(c.name)} {c.type}")
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
    from shopsight.ingest import platforms  # the ingest package imports this module

    for load_id, kind, file, mapping in con.execute(
        "select load_id, kind, file, mapping from _loads"
    ).fetchall():
        headers = list(json.loads(mapping or "{}"))
        con.execute("update _loads set platform = $p, currency = $c where load_id = $id",
                    {"p": platforms.detect(headers, file or "", kind),
                     "c": platforms.DEFAULT_CURRENCY, "id": load_id})


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_name = $t and table_catalog = current_database() "
        "and table_schema = current_schema() order by ordinal_position",
        {"t": table},
    ).fetchall()
    return [r[0] for r in rows]


def _select_canonical(kind: str, arrow_cols: list[str], load_id: bool = False) -> str:
    """Select list that casts every canonical column and keeps extra columns as text
    (with load_id: then the $load_id column, before the extras as in a new table)."""
    k = schema.KINDS[kind]
    parts = []
    for c in k.columns:
        if c.name in arrow_cols:
            parts.append(f"cast({quote_ident(c.name)} as {c.type}) as {quote_ident(c.name)}")
        elif _ADDED_COLUMNS.get((kind, c.name), ("",))[0] in arrow_cols:
            # data written without the column (by code, not by the loader) gets what older
            # workspaces got: see _ADDED_COLUMNS
            fill = _ADDED_COLUMNS[kind, c.name][1]
            parts.append(f"cast({fill} as {c.type}) as {quote_ident(c.name)}")
        else:
            parts.append(f"cast(null as {c.type}) as {quote_ident(c.name)}")
    if load_id:
        parts.append(f"cast($load_id as bigint) as {schema.LOAD_ID}")
    for name in arrow_cols:
        if name not in k.column_names and not name.startswith("_"):
            parts.append(quote_ident(name))
    return ", ".join(parts)


MODES = ("merge", "replace", "append")

# The days a row covers, per kind: (first day, last day) as SQL over the row's columns.
DAY_SPAN: dict[str, tuple[str, str]] = {
    "traffic": ("date", "coalesce(date_end, date)"),
    "products": ("date", "coalesce(date_end, date)"),
    "regions": ("date", "coalesce(date_end, date)"),
    "orders": ("cast(order_time as date)", "cast(order_time as date)"),
    "image_tests": ("date", "date"),
    "inquiries": ("date", "date"),
    "events": ("cast(event_time as date)", "cast(event_time as date)"),
}


@retry_conflicts
def write_dataset(
    ws: Workspace,
    kind: str,
    table: pa.Table,
    *,
    mode: str = "replace",
    file: str = "",
    sheet: str | None = None,
    mapping: dict | None = None,
    derived: list[str] | None = None,
    rows_rejected: int = 0,
    con: duckdb.DuckDBPyConnection | None = None,
    platform: str | None = None,
    currency: str | None = None,
) -> int:
    """Merge, replace or append one kind's rows from an Arrow table, atomically.

    merge (what uploads do: ingest.load_file's default) replaces exactly the rows this
    table covers again and adds the rest: rows of the same kind and platform whose days
    overlap the new rows' days (for orders, the rows of the same order ids; for
    main-image tests, the same test and day; for traffic, the same device too).  replace (this function's default, as
    before) empties the kind first; append adds without looking.  The load is recorded
    in _loads with its platform, currency and the days it covers, and every row keeps
    its load id.  Returns the number of rows written.  Rollups for the kind are rebuilt
    in the same transaction so pages never see a table and its rollup disagree.
    """
    if kind not in schema.KINDS:
        raise ValueError(f"unknown dataset kind {kind!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    _refuse_read_only(ws)
    own = con is None
    con = con or ws.connect()
    view = f"_incoming_{threading.get_ident()}"
    lake = ws.backend == DUCKLAKE
    try:
        with ws.write_lock():
            con.register(view, table)
            typed = f"select {_select_canonical(kind, table.column_names)} from {view}"
            if lake:
                _add_extra_columns(con, kind, table.column_names)
                sync_rollups(con, lake=True)
            con.execute("begin transaction")
            try:
                load_id = _claim_load_id(con)  # replicas loading at once conflict here and retry
                rows = _rows_sql(kind, f"select {_select_canonical(kind, table.column_names, True)} "
                                       f"from {view}")
                params = {"load_id": load_id}
                if kind in schema.PLATFORM_KINDS:
                    params.update(platform=platform, currency=currency)
                replaced = 0
                if mode == "replace":
                    replaced = con.execute(f"select count(*) from {quote_ident(kind)}").fetchone()[0]
                    if lake:
                        con.execute(f"delete from {quote_ident(kind)}")
                        con.execute(f"insert into {quote_ident(kind)} by name {rows}", params)
                    else:
                        con.execute(f"create or replace table {quote_ident(kind)} as {rows}", params)
                days, undated = _days(con, kind, typed)
                if mode != "replace":
                    if mode == "merge" and _holds_platform(con, kind, platform):
                        replaced = _delete_covered(con, kind, typed, platform, days, undated)
                    if not lake:
                        _add_extra_columns(con, kind, table.column_names)
                    con.execute(f"insert into {quote_ident(kind)} by name {rows}", params)
                first_day, last_day = (days[0], days[-1]) if days else (None, None)
                con.execute(
                    "insert into _loads by name select $id as load_id, $kind as kind, $file as file, "
                    "$sheet as sheet, $mode as mode, $rows as rows_loaded, $rejected as rows_rejected, "
                    "cast($mapping as json) as mapping, cast($derived as json) as derived, "
                    "$at as loaded_at, true as active, $platform as platform, $currency as currency, "
                    "$first as first_day, $last as last_day, $days as count_days, "
                    "$replaced as rows_replaced",
                    {
                        "id": load_id,
                        "kind": kind,
                        "file": file,
                        "sheet": sheet,
                        "mode": mode,
                        "rows": table.num_rows,
                        "rejected": rows_rejected,
                        "mapping": json.dumps(mapping or {}, ensure_ascii=False),
                        "derived": json.dumps(derived or [], ensure_ascii=False),
                        "at": datetime.now(UTC).replace(tzinfo=None),
                        "platform": platform,
                        "currency": currency,
                        "first": first_day,
                        "last": last_day,
                        "days": len(days),
                        "replaced": int(replaced),
                    },
                )
                _retire_empty_loads(con, kind)
                if lake:
                    _refill_rollups(con, kind)
                else:
                    rebuild_rollups(con, kind)
                con.execute("commit")
            except BaseException:
                _rollback(con)
                raise
            finally:
                con.unregister(view)
            if lake:
                _after_lake_change(con, kind, table.column_names if mode == "replace" else None)
    finally:
        if own:
            con.close()
    return table.num_rows


def _rows_sql(kind: str, typed: str) -> str:
    """The incoming rows as stored: the load's platform and currency where a row names
    none ($platform, $currency)."""
    if kind not in schema.PLATFORM_KINDS:
        return typed
    return (f"select * replace (coalesce(platform, $platform) as platform, "
            f"coalesce(currency, $currency) as currency) from ({typed})")


def _same_platform_loads(kind: str) -> str:
    return (f"{schema.LOAD_ID} in (select load_id from _loads where kind = {_sql_text(kind)} "
            f"and platform is not distinct from $platform)")


def _sql_text(kind: str) -> str:
    if kind not in schema.KINDS:  # kinds are the only text spliced in, from a whitelist
        raise ValueError(kind)
    return f"'{kind}'"


def _holds_platform(con: duckdb.DuckDBPyConnection, kind: str, platform: str | None) -> bool:
    """Whether any active load of this kind and platform exists (else nothing to replace:
    a first upload skips the delete scan)."""
    return con.execute("select count(*) from _loads where kind = $k and active "
                       "and platform is not distinct from $p",
                       {"k": kind, "p": platform}).fetchone()[0] > 0


def _delete_covered(con: duckdb.DuckDBPyConnection, kind: str, typed: str,
                    platform: str | None, days: list, undated: bool) -> int:
    """Delete the rows the incoming rows cover again (`days`, `undated`: see _days);
    returns how many went."""
    table = quote_ident(kind)
    same = _same_platform_loads(kind)
    if kind == "orders":  # an order re-exported counts once: the newer export wins
        sql = (f"delete from {table} where {same} "
               f"and order_id in (select order_id from ({typed}) where order_id is not null)")
        return con.execute(sql, {"platform": platform}).fetchone()[0]
    if kind == "image_tests":  # another test on the same days is not covered again
        sql = (f"delete from {table} where {same} and exists (select 1 from ({typed}) n "
               f"where n.test_id = {table}.test_id and n.date = {table}.date)")
        return con.execute(sql, {"platform": platform}).fetchone()[0]
    start, end = DAY_SPAN[kind]
    # a PC流量来源 file does not cover the 无线 rows of its days (the device comes from
    # the file or sheet name when the rows have none)
    device = (f" and coalesce(device, '全部') in (select distinct coalesce(device, '全部') "
              f"from ({typed}))") if kind == "traffic" else ""
    sql = (f"delete from {table} where {same}{device} and (({start} is null and $undated) "
           f"or exists (select 1 from (select unnest(cast($days as date[])) as day) d "
           f"where d.day between {start} and {end}))")
    return con.execute(sql, {"platform": platform, "days": days, "undated": undated}).fetchone()[0]


def _days(con: duckdb.DuckDBPyConnection, kind: str, typed: str) -> tuple[list, bool]:
    """The distinct days the rows of `typed` cover, and whether some rows have no day."""
    start, end = DAY_SPAN[kind]
    days = [r[0] for r in con.execute(
        f"select distinct cast(unnest(generate_series(cast(s as timestamp), cast(e as timestamp), "
        f"interval 1 day)) as date) as day from (select distinct {start} as s, {end} as e "
        f"from ({typed}) where {start} is not null) order by day"
    ).fetchall()]
    undated = con.execute(f"select count(*) from ({typed}) where {start} is null").fetchone()[0] > 0
    return days, undated


def _retire_empty_loads(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """A load whose rows were all replaced (or removed) is no longer active."""
    con.execute(
        f"update _loads set active = false where kind = $k and active and load_id not in "
        f"(select distinct {schema.LOAD_ID} from {quote_ident(kind)} "
        f"where {schema.LOAD_ID} is not null)",
        {"k": kind},
    )


# DuckLake 1.5.5 crashes (or fails the commit) when a multi-statement transaction
# changes a table's schema while other connections in the process read it.  Lake
# loads therefore keep DDL out of the transaction: columns and stale rollup tables
# are created before it (sync_rollups), data and rollups are replaced with delete +
# insert inside it, and extra columns the new data lacks are dropped after it.

_CREATE_AS = re.compile(r"create\s+or\s+replace\s+table\s+([a-z_][a-z0-9_]*)\s+as\s", re.I)


def _rollup_parts(name: str) -> tuple[str, str] | None:
    """(table, query) of a rollup file written as `create or replace table T as <query>`."""
    text = re.sub(r"--[^\n]*", "", queries.sql(name))
    m = _CREATE_AS.match(text.strip())
    return (m.group(1), text.strip()[m.end():]) if m else None


# Which SQL built each rollup table: a workspace keeps its tables across upgrades, so a
# rollup whose file changed (a new column, a new grain) is rebuilt on the next writable
# connect instead of leaving pages to fail on the old table.
_ROLLUPS_DDL = """create table if not exists _rollups (
    name varchar,
    sql_hash varchar,
    built_at timestamp
)"""


def rollup_hash(name: str) -> str:
    return hashlib.sha256(queries.sql(name).encode("utf-8")).hexdigest()[:16]


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


def sync_rollups(con: duckdb.DuckDBPyConnection, lake: bool = False) -> list[str]:
    """Rebuild every rollup whose table is missing or was built by other SQL than its
    file's, and drop rollup tables whose file is gone; returns the names rebuilt.

    Cheap when nothing changed (two catalog reads), so every writable connect runs it, and
    a new workspace gets its (empty) rollups here: queries work before the first load.
    """
    con.execute(_ROLLUPS_DDL)
    tables = _table_names(con)
    built = dict(con.execute("select name, sql_hash from _rollups").fetchall())
    wanted = {name: _rollup_table(name) for name in queries.names(prefix="rollup_")}
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
            _rollback(con)
            raise
    return stale


def stale_rollups(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Rollups whose table is missing or was built by other SQL than its file's (reads only)."""
    tables = _table_names(con)
    built = dict(con.execute("select name, sql_hash from _rollups").fetchall()) \
        if "_rollups" in tables else {}
    return _stale(tables, built)


def _stale(tables: set[str], built: dict[str, str]) -> list[str]:
    """Of the rollup files, those whose table is not in `tables` or whose SQL hash differs
    from the one recorded in `built` (name -> hash)."""
    return [name for name in queries.names(prefix="rollup_")
            if _rollup_table(name) not in tables or built.get(name) != rollup_hash(name)]


def _table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema = current_schema()"
    ).fetchall()}


def _refill_rollups(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Inside the load transaction: rollups change with the data, without DDL."""
    for name in queries.names(prefix=f"rollup_{kind}"):
        parts = _rollup_parts(name)
        if parts is None:
            raise ValueError(f"queries/{name}.sql must be 'create or replace table <name> as ...'")
        table, query = parts
        con.execute(f"delete from {quote_ident(table)}")
        con.execute(f"insert into {quote_ident(table)} by name {query}")


# Load ids are max + 1 over the snapshot a load reads, so two processes loading into one
# lake at once would take the same id when neither deletes from a table the other writes
# (two first loads, two appends). Every load therefore rewrites the one `load_seq` row of
# _settings: DuckLake then fails the later commit, and it runs again with the next id.
_SEED_LOAD_SEQ = ("insert into _settings select 'load_seq', cast('0' as json) "
                  "where not exists (select 1 from _settings where key = 'load_seq')")


def _claim_load_id(con: duckdb.DuckDBPyConnection) -> int:
    load_id = con.execute("select coalesce(max(load_id), 0) + 1 from _loads").fetchone()[0]
    con.execute("delete from _settings where key = 'load_seq'")
    con.execute("insert into _settings values ('load_seq', $v)", {"v": json.dumps(load_id)})
    return load_id


def _add_extra_columns(con: duckdb.DuckDBPyConnection, kind: str, names: list[str]) -> None:
    existing = set(table_columns(con, kind))
    for name in names:
        if name not in existing and not name.startswith("_"):
            con.execute(f"alter table {quote_ident(kind)} add column {quote_ident(name)} varchar")


def _after_lake_change(con: duckdb.DuckDBPyConnection, kind: str, keep: list[str] | None) -> None:
    """Drop extra columns the new data does not have (keep=None: keep all)."""
    if keep is None:
        return
    canonical = set(schema.KINDS[kind].column_names)
    for name in table_columns(con, kind):
        if name not in canonical and name not in keep and not name.startswith("_"):
            con.execute(f"alter table {quote_ident(kind)} drop column {quote_ident(name)}")


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back without hiding the error that got us here (a failed commit already did)."""
    with contextlib.suppress(duckdb.Error):
        con.execute("rollback")


def _refuse_read_only(ws: Workspace) -> None:
    if is_read_only(ws):
        raise ReadOnlyWorkspaceError(
            "the sample shop is read-only: create a team workspace to upload your own data"
        )


def refuse_read_only_connection(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse a write through a connection opened read-only (the app opens the sample shop
    so): writes that get only a connection (settings, saved mappings) check it here, and
    say so clearly instead of with DuckDB's error."""
    row = con.execute("select readonly from duckdb_databases() "
                      "where database_name = current_database()").fetchone()
    if row and row[0]:
        raise ReadOnlyWorkspaceError(
            "this workspace is open read-only (the shared sample shop): nothing can be saved in it"
        )


def rebuild_rollups(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Run queries/rollup_<kind>*.sql: tables pre-aggregated at load time for fast pages
    (inside the caller's transaction, with the record of which SQL built them)."""
    for name in queries.names(prefix=f"rollup_{kind}"):
        con.execute(queries.sql(name))
        _record_rollup(con, name)


@retry_conflicts
def delete_dataset(ws: Workspace, kind: str, con: duckdb.DuckDBPyConnection | None = None) -> None:
    """Empty a dataset (the table stays, with its canonical columns)."""
    if kind not in schema.KINDS:
        raise ValueError(f"unknown dataset kind {kind!r}")
    _refuse_read_only(ws)
    own = con is None
    con = con or ws.connect()
    lake = ws.backend == DUCKLAKE
    try:
        with ws.write_lock():
            if lake:
                sync_rollups(con, lake=True)
            con.execute("begin transaction")
            try:
                if lake:  # no DDL inside a lake transaction (see _rollup_parts)
                    con.execute(f"delete from {quote_ident(kind)}")
                else:
                    con.execute(f"drop table if exists {quote_ident(kind)}")
                    con.execute(schema.create_table_sql(kind))
                con.execute("update _loads set active = false where kind = $k", {"k": kind})
                if lake:
                    _refill_rollups(con, kind)
                else:
                    rebuild_rollups(con, kind)
                con.execute("commit")
            except BaseException:
                _rollback(con)
                raise
            if lake:
                _after_lake_change(con, kind, [])
    finally:
        if own:
            con.close()


@contextlib.contextmanager
def _changing_load(ws: Workspace, load_id: int, con: duckdb.DuckDBPyConnection | None):
    """One transaction that changes one load's rows: yields (connection, the load's kind)
    and rebuilds that kind's rollups before it commits.  KeyError for an unknown load id."""
    _refuse_read_only(ws)
    own = con is None
    con = con or ws.connect()
    lake = ws.backend == DUCKLAKE
    try:
        with ws.write_lock():
            row = con.execute("select kind from _loads where load_id = $id", {"id": load_id}).fetchone()
            if row is None:
                raise KeyError(f"no load {load_id} in this workspace")
            kind = row[0]
            if lake:
                sync_rollups(con, lake=True)
            con.execute("begin transaction")
            try:
                yield con, kind
                if lake:
                    _refill_rollups(con, kind)
                else:
                    rebuild_rollups(con, kind)
                con.execute("commit")
            except BaseException:
                _rollback(con)
                raise
    finally:
        if own:
            con.close()


@retry_conflicts
def unload(ws: Workspace, load_id: int, con: duckdb.DuckDBPyConnection | None = None) -> int:
    """Remove the rows one load still holds (one transaction); returns how many went.

    Rows it had replaced from earlier loads do not come back: they were replaced when it
    loaded.  Raises KeyError for a load id the workspace does not have.
    """
    with _changing_load(ws, load_id, con) as (cur, kind):
        removed = cur.execute(
            f"delete from {quote_ident(kind)} where {schema.LOAD_ID} = $id", {"id": load_id}
        ).fetchone()[0]
        cur.execute("update _loads set active = false where load_id = $id", {"id": load_id})
    return int(removed)


@retry_conflicts
def set_load_platform(ws: Workspace, load_id: int, platform: str | None,
                      currency: str | None = None,
                      con: duckdb.DuckDBPyConnection | None = None) -> None:
    """Correct the platform (and, when given, the currency) of one load and its rows."""
    with _changing_load(ws, load_id, con) as (cur, kind):
        cur.execute("update _loads set platform = $p, currency = coalesce($c, currency) "
                    "where load_id = $id", {"p": platform, "c": currency, "id": load_id})
        if kind in schema.PLATFORM_KINDS:
            cur.execute(
                f"update {quote_ident(kind)} set platform = $p, "
                f"currency = coalesce($c, currency) where {schema.LOAD_ID} = $id",
                {"p": platform, "c": currency, "id": load_id},
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
        + ("where active " if active_only else "") + "order by kind, load_id"
    ).fetchall():
        days = sorted(d for d in cov.get(r[0], []) if d is not None)
        out.append({
            "load_id": r[0], "kind": r[1], "file": r[2], "sheet": r[3], "mode": r[4],
            "platform": r[5], "currency": r[6], "rows_loaded": r[7], "rows_rejected": r[8],
            "rows_replaced": r[9] or 0,
            "loaded_at": r[10].isoformat(sep=" ", timespec="seconds") if r[10] else None,
            "active": bool(r[11]),
            "rows": int(held.get(r[0], 0)),
            "first_day": days[0] if days else None,
            "last_day": days[-1] if days else None,
            "days": len(days),
            "ranges": coverage_mod.runs(days),
        })
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
