"""DuckLake backend: a workspace's tables in a DuckLake catalog, its rows as Parquet files.

Selected with `SHOPSIGHT_BACKEND=ducklake`; the same queries run unchanged because each
connection attaches the workspace's lake and makes it the default catalog.

Where things live (one lake per workspace, named by a hash of the workspace so that
catalog schemas and object keys never reveal a team link):

  SHOPSIGHT_DUCKLAKE_CATALOG  ""               <workspace dir>/catalog.ducklake (DuckDB file:
                                               one process at a time, like the file backend)
                              <directory>      <directory>/<lake>.ducklake
                              sqlite:<dir>     <dir>/<lake>.sqlite (several processes, one host;
                                               needs duckdb-extension-sqlite-scanner)
                              postgres:<dsn>   schema <lake> in that database (several replicas;
                                               needs duckdb-extension-postgres-scanner)
  SHOPSIGHT_DUCKLAKE_DATA     ""               <workspace dir>/lake/
                              <dir> | s3://…   <base>/<lake>/ (object stores need
                                               duckdb-extension-httpfs)
  SHOPSIGHT_DUCKLAKE_INIT     a .sql file run before the lockdown (e.g. CREATE SECRET for S3)

LakeBackend has the methods of file.FileBackend, so the write paths (core.py) run the
same steps on either backend; what a lake does differently is in its methods.

Extensions cannot be downloaded at run time: they are loaded by file path from the
`duckdb-extension-<name>` wheels.  After attaching, the connection is locked down like
a file workspace, except that `allowed_directories` lets it reach the lake's data path
and nothing else.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from shopsight import schema
from shopsight.workspace import metadata, rollups
from shopsight.workspace.errors import WorkspaceBusyError
from shopsight.workspace.paths import DUCKLAKE, data_dir, duckdb_config
from shopsight.workspace.sql import add_extra_columns, quote_ident, sql_literal, table_columns

if TYPE_CHECKING:
    from shopsight.workspace.core import Workspace

LAKE = "lake"  # the attached catalog's name in every lake connection
CATALOG_FILE = "catalog.ducklake"
DATA_DIR = "lake"
_REMOTE_DATA = (
    "s3://",
    "s3a://",
    "gs://",
    "gcs://",
    "r2://",
    "az://",
    "abfss://",
    "https://",
    "http://",
)


class LakeConfigError(RuntimeError):
    """The DuckLake backend is selected but cannot be set up as configured."""


def extension_path(name: str) -> Path:
    """A DuckDB extension file shipped in the `duckdb-extension-<name>` wheel for this duckdb."""
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or not spec.submodule_search_locations:
        raise LakeConfigError(
            f"the DuckDB extension {name} is not installed: "
            f"pip install duckdb-extension-{name.replace('_', '-')}=={duckdb.__version__}"
        )
    base = Path(next(iter(spec.submodule_search_locations))) / "extensions"
    path = base / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        found = sorted(p.name for p in base.glob("v*")) if base.is_dir() else []
        raise LakeConfigError(
            f"duckdb-extension-{name} has no build for duckdb {duckdb.__version__} "
            f"(it has: {', '.join(found) or 'none'}); pin both to the same version"
        )
    return path


@dataclass(frozen=True)
class LakeSettings:
    catalog: str = ""
    data: str = ""
    init_sql: Path | None = None

    @classmethod
    def from_env(cls) -> LakeSettings:
        init = os.environ.get("SHOPSIGHT_DUCKLAKE_INIT", "").strip()
        return cls(
            catalog=os.environ.get("SHOPSIGHT_DUCKLAKE_CATALOG", "").strip(),
            data=os.environ.get("SHOPSIGHT_DUCKLAKE_DATA", "").strip(),
            init_sql=Path(init) if init else None,
        )


def lake_name(ws: Workspace) -> str:
    """Stable per workspace across replicas (its path under the data dir), and opaque."""
    path = ws.path.resolve()
    try:
        ident = path.relative_to(data_dir().resolve()).as_posix()
    except ValueError:
        ident = path.as_posix()
    return "ws_" + hashlib.sha256(ident.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class LakeLocation:
    attach: str  # the ATTACH target, "ducklake:…"
    options: tuple[tuple[str, str], ...]  # ATTACH options besides read_only
    data_path: str
    local_catalog: Path | None  # the catalog file when it is one on this machine
    extensions: tuple[str, ...]


def location(ws: Workspace, settings: LakeSettings | None = None) -> LakeLocation:
    s = settings or LakeSettings.from_env()
    name = lake_name(ws)
    exts = ["ducklake"]
    options: list[tuple[str, str]] = []
    local: Path | None = None
    if not s.catalog:
        local = ws.path / CATALOG_FILE
        attach = f"ducklake:{local}"
    elif s.catalog.startswith("postgres:"):
        attach = f"ducklake:{s.catalog}"
        options.append(("metadata_schema", name))
        exts.append("postgres_scanner")
    elif s.catalog.startswith("sqlite:"):
        local = Path(s.catalog.removeprefix("sqlite:")).expanduser() / f"{name}.sqlite"
        attach = f"ducklake:sqlite:{local}"
        exts.append("sqlite_scanner")
    else:
        local = Path(s.catalog).expanduser() / f"{name}.ducklake"
        attach = f"ducklake:{local}"
    if not s.data:
        data = str((ws.path / DATA_DIR).resolve()) + "/"
    elif s.data.startswith(_REMOTE_DATA):
        data = s.data.rstrip("/") + f"/{name}/"
        exts.append("httpfs")
    else:
        data = str((Path(s.data).expanduser() / name).resolve()) + "/"
    options.insert(0, ("data_path", data))
    return LakeLocation(attach, tuple(options), data, local, tuple(exts))


def lake_exists(ws: Workspace) -> bool:
    """Whether the lake's catalog is there; a remote catalog cannot be checked cheaply, so
    team existence is decided by the team registry (shopsight/teams.py) instead."""
    loc = location(ws)
    return loc.local_catalog.exists() if loc.local_catalog is not None else True


def self_contained(ws: Workspace) -> bool:
    """Catalog and data both inside the workspace directory: deleting it deletes the lake."""
    loc = location(ws)
    inside = ws.path.resolve()
    return (
        loc.local_catalog is not None
        and loc.local_catalog.resolve().is_relative_to(inside)
        and Path(loc.data_path).resolve().is_relative_to(inside)
    )


# Two processes attaching a new lake at the same moment both initialise it; with a
# postgres: catalog the slower one fails on PostgreSQL's unique names ("duplicate key
# value", "already exists") and finds the lake made when it attaches again.
INIT_ATTEMPTS = 5
_INIT_RACE = ("duplicate key value", "already exists")


def _attach(con: duckdb.DuckDBPyConnection, statement: str) -> None:
    for attempt in range(1, INIT_ATTEMPTS + 1):
        try:
            con.execute(statement)
            return
        except duckdb.Error as e:
            text = str(e)
            if (
                attempt == INIT_ATTEMPTS
                or "Failed to initialize DuckLake" not in text
                or not any(m in text for m in _INIT_RACE)
            ):
                raise
            time.sleep(0.2 * attempt)


def _open_root(ws: Workspace, read_only: bool) -> duckdb.DuckDBPyConnection:
    loc = location(ws)
    settings = LakeSettings.from_env()
    if loc.local_catalog is not None:
        if read_only and not loc.local_catalog.exists():
            raise FileNotFoundError(f"no workspace at {ws.path}")
        loc.local_catalog.parent.mkdir(parents=True, exist_ok=True)
    if not read_only and loc.data_path.startswith("/"):
        Path(loc.data_path).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config=duckdb_config(read_only))
    try:
        for ext in loc.extensions:
            con.execute(f"load {sql_literal(str(extension_path(ext)))}")
        if settings.init_sql is not None:
            con.execute(settings.init_sql.read_text(encoding="utf-8"))
        opts = [f"{k} {sql_literal(v)}" for k, v in loc.options]
        if read_only:
            opts.append("read_only")
        _attach(con, f"attach {sql_literal(loc.attach)} as {LAKE} ({', '.join(opts)})")
        con.execute(f"use {LAKE}")
        # the lockdown of a file workspace, with a hole for this lake's Parquet files only
        con.execute(f"set allowed_directories = [{sql_literal(loc.data_path)}]")
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
    except duckdb.IOException as e:
        con.close()
        if "lock" in str(e).lower():
            raise WorkspaceBusyError(
                f"the workspace {ws.path} is open in another process; a DuckDB-file catalog "
                f"allows one writer process (use a postgres: catalog for several replicas). "
                f"DuckDB said: {str(e).splitlines()[0]}"
            ) from e
        raise
    except BaseException:
        con.close()
        raise
    return con


@dataclass
class _Root:
    con: duckdb.DuckDBPyConnection
    read_only: bool
    users: int = 0


# One attached lake per workspace per process: a catalog file cannot be attached twice
# in one process, and the DuckDB instance cache that does this for files does not see lakes.
_roots: dict[str, _Root] = {}
_roots_guard = threading.Lock()


def _cursor(root: _Root) -> duckdb.DuckDBPyConnection:
    cur = root.con.cursor()
    cur.execute(f"use {LAKE}")  # a cursor starts in the in-memory default catalog
    return cur


class LakeConnection:
    """A connection to a workspace's lake: `cursor()` gives per-thread cursors already on
    the lake; everything else (execute, sql, register, …) goes to its own cursor."""

    def __init__(self, key: str, root: _Root):
        self._key = key
        self._root = root
        self._con = _cursor(root)
        self._closed = False

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return _cursor(self._root)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._con.close()
        _release(self._key, self._root)

    def __getattr__(self, name):
        return getattr(self._con, name)

    def __enter__(self) -> LakeConnection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def connect_lake(ws: Workspace, read_only: bool = False) -> LakeConnection:
    with _roots_guard:
        root = _roots.get(ws.key)
        if root is None:
            root = _Root(_open_root(ws, read_only), read_only)
            _roots[ws.key] = root
        elif root.read_only != read_only:
            raise WorkspaceBusyError(
                f"the workspace {ws.path} is already open "
                f"{'read-only' if root.read_only else 'read-write'} in this process"
            )
        root.users += 1
    return LakeConnection(ws.key, root)


def _release(key: str, root: _Root) -> None:
    with _roots_guard:
        root.users -= 1
        if root.users <= 0 and _roots.get(key) is root:
            del _roots[key]
            root.con.close()


def purge(ws: Workspace) -> None:
    """Drop every table of a lake and delete its data files (a team being deleted).

    Files under the workspace directory go with it anyway; this matters for a data path
    elsewhere (another directory, an object store) and for a shared catalog.
    """
    con = ws.connect()
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = current_database() and table_schema = current_schema()"
            ).fetchall()
        ]
        for t in tables:  # one by one: no DDL in a multi-statement lake transaction
            con.execute(f"drop table if exists {quote_ident(t)}")
        con.execute(f"call ducklake_expire_snapshots({sql_literal(LAKE)}, older_than => now())")
        con.execute(f"call ducklake_cleanup_old_files({sql_literal(LAKE)}, cleanup_all => true)")
    finally:
        con.close()
    forget(ws)


def forget(ws: Workspace) -> None:
    """Detach a workspace's lake in this process even if connections remain (after a delete)."""
    with _roots_guard:
        root = _roots.pop(ws.key, None)
    if root is not None:
        root.con.close()


# DuckLake 1.5.5 crashes (or fails the commit) when a multi-statement transaction
# changes a table's schema while other connections in the process read it.  Lake
# loads therefore keep DDL out of the transaction: columns and stale rollup tables
# are created before it (sync_rollups), data and rollups are replaced with delete +
# insert inside it, and extra columns the new data lacks are dropped after it.


def _after_lake_change(con: duckdb.DuckDBPyConnection, kind: str, keep: list[str] | None) -> None:
    """Drop extra columns the new data does not have (keep=None: keep all)."""
    if keep is None:
        return
    canonical = set(schema.KINDS[kind].column_names)
    for name in table_columns(con, kind):
        if name not in canonical and name not in keep and not name.startswith("_"):
            con.execute(f"alter table {quote_ident(kind)} drop column {quote_ident(name)}")


class LakeBackend:
    name = DUCKLAKE

    def exists(self, ws: Workspace) -> bool:
        return lake_exists(ws)

    def connect(self, ws: Workspace, read_only: bool = False) -> LakeConnection:
        """Attach the lake (locked down in _open_root); creates it when writable."""
        con = connect_lake(ws, read_only=read_only)
        if not read_only:
            with ws.write_lock():  # a rollup rebuild must not race a load
                metadata.ensure_schema(con, lake=True)
        return con

    # The write paths' steps, in the order core._transaction runs them.

    def before_write(self, con: duckdb.DuckDBPyConnection, kind: str, columns: list[str]) -> None:
        """Outside the transaction: the DDL a lake cannot take inside one (new extra
        columns, stale rollup tables)."""
        add_extra_columns(con, kind, columns)
        rollups.sync_rollups(con, lake=True)

    def replace_rows(
        self, con: duckdb.DuckDBPyConnection, kind: str, rows: str, params: dict
    ) -> None:
        con.execute(f"delete from {quote_ident(kind)}")
        con.execute(f"insert into {quote_ident(kind)} by name {rows}", params)

    def add_columns(self, con: duckdb.DuckDBPyConnection, kind: str, columns: list[str]) -> None:
        """Inside the transaction: nothing (before_write added them)."""

    def empty(self, con: duckdb.DuckDBPyConnection, kind: str) -> None:
        con.execute(f"delete from {quote_ident(kind)}")

    def refill_rollups(self, con: duckdb.DuckDBPyConnection, kind: str) -> None:
        rollups.refill_rollups(con, kind)

    def after_change(
        self, con: duckdb.DuckDBPyConnection, kind: str, keep: list[str] | None
    ) -> None:
        """After the commit: drop the extra columns the kind no longer keeps."""
        _after_lake_change(con, kind, keep)
