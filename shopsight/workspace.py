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

from shopsight import queries, schema

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
        active boolean
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


def resolve(workspace: str | os.PathLike | None) -> Path:
    """A workspace directory: an explicit path, or a name under the data directory."""
    if workspace is None:
        return data_dir() / SAMPLE
    p = Path(workspace)
    if p.is_absolute() or os.sep in str(workspace) or p.exists():
        return p
    return data_dir() / str(workspace)


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
        raise WorkspaceBusyError(
            f"the workspace {path.parent} is open in another process; DuckDB lets one process "
            f"write a database file at a time (stop the other app or CLI, or use the DuckLake "
            f"backend for several replicas). DuckDB said: {str(e).splitlines()[0]}"
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
            if not read_only:
                with self.write_lock():  # a rollup rebuild must not race a load
                    ensure_schema(con, lake=True)
            return con
        if read_only:
            if not self.exists():
                raise FileNotFoundError(f"no workspace at {self.path}")
            con = _open_file(self.db_path, read_only=True)
            if stale_rollups(con):
                # built by older rollup SQL and not opened for writing since: rebuild them
                # now unless another process holds the file (that one rebuilt them on open)
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


def ensure_schema(con: duckdb.DuckDBPyConnection, lake: bool = False) -> None:
    """Create what is missing, and bring the rollups up to their SQL (sync_rollups)."""
    for kind in schema.KINDS:
        con.execute(schema.create_table_sql(kind))
    _add_new_columns(con)
    for ddl in _META_DDL:
        # DuckLake has no key constraints; upserts below use merge, which needs none
        con.execute(ddl.replace(" primary key", "") if lake else ddl)
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


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_name = $t and table_catalog = current_database() "
        "and table_schema = current_schema() order by ordinal_position",
        {"t": table},
    ).fetchall()
    return [r[0] for r in rows]


def _select_canonical(kind: str, arrow_cols: list[str]) -> str:
    """Select list that casts every canonical column and keeps extra columns as text."""
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
    for name in arrow_cols:
        if name not in k.column_names and not name.startswith("_"):
            parts.append(quote_ident(name))
    return ", ".join(parts)


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
) -> int:
    """Replace or append one kind's table from an Arrow table, atomically.

    Returns the number of rows written.  Rollups for the kind are rebuilt in the
    same transaction so pages never see a table and its rollup disagree.
    """
    if kind not in schema.KINDS:
        raise ValueError(f"unknown dataset kind {kind!r}")
    if mode not in ("replace", "append"):
        raise ValueError(f"mode must be replace or append, not {mode!r}")
    _refuse_read_only(ws)
    own = con is None
    con = con or ws.connect()
    view = f"_incoming_{threading.get_ident()}"
    lake = ws.backend == DUCKLAKE
    try:
        with ws.write_lock():
            con.register(view, table)
            select = _select_canonical(kind, table.column_names)
            if lake:
                _add_extra_columns(con, kind, table.column_names)
                sync_rollups(con, lake=True)
            con.execute("begin transaction")
            try:
                if mode == "replace" and lake:
                    con.execute(f"delete from {quote_ident(kind)}")
                    con.execute(f"insert into {quote_ident(kind)} by name select {select} from {view}")
                    con.execute("update _loads set active = false where kind = $k", {"k": kind})
                elif mode == "replace":
                    con.execute(f"create or replace table {quote_ident(kind)} as select {select} from {view}")
                    con.execute("update _loads set active = false where kind = $k", {"k": kind})
                else:
                    existing = set(table_columns(con, kind))
                    for name in table.column_names:
                        if name not in existing and not name.startswith("_"):
                            con.execute(f"alter table {quote_ident(kind)} add column {quote_ident(name)} varchar")
                    con.execute(f"insert into {quote_ident(kind)} by name select {select} from {view}")
                load_id = con.execute("select coalesce(max(load_id), 0) + 1 from _loads").fetchone()[0]
                con.execute(
                    "insert into _loads values ($id, $kind, $file, $sheet, $mode, $rows, $rejected, "
                    "$mapping, $derived, $at, true)",
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
                    },
                )
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
        if name not in canonical and name not in keep:
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


def rebuild_rollups(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Run queries/rollup_<kind>*.sql: tables pre-aggregated at load time for fast pages
    (inside the caller's transaction, with the record of which SQL built them)."""
    for name in queries.names(prefix=f"rollup_{kind}"):
        con.execute(queries.sql(name))
        _record_rollup(con, name)


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
                "columns": table_columns(con, kind),
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


def save_mapping(con: duckdb.DuckDBPyConnection, header_key: str, kind: str, mapping: dict) -> None:
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


def set_setting(con: duckdb.DuckDBPyConnection, key: str, value) -> None:
    con.execute(
        "merge into _settings using (select $k as key, cast($v as json) as value) as s "
        "on _settings.key = s.key when matched then update set value = s.value "
        "when not matched then insert (key, value) values (s.key, s.value)",
        {"k": key, "v": json.dumps(value, ensure_ascii=False)},
    )
