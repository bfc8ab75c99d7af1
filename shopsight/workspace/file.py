"""The file backend: a workspace is one DuckDB file (shop.duckdb) in its directory.

Every connection is locked down when it opens (no file access, no extension loading,
configuration frozen).  DuckDB lets one process at a time open a file read-write; a
second process gets WorkspaceBusyError.  The methods are those of lake.LakeBackend, so
the write paths (core.py) run the same statements on either backend.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from shopsight import schema
from shopsight.workspace import metadata, rollups
from shopsight.workspace.errors import WorkspaceBusyError
from shopsight.workspace.paths import FILE, duckdb_config
from shopsight.workspace.sql import add_extra_columns, quote_ident

if TYPE_CHECKING:
    from shopsight.workspace.core import Workspace


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


class FileBackend:
    name = FILE

    def exists(self, ws: Workspace) -> bool:
        return ws.db_path.exists()

    def connect(self, ws: Workspace, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open the file locked down; creates an empty workspace when writable."""
        if read_only:
            if not self.exists(ws):
                raise FileNotFoundError(f"no workspace at {ws.path}")
            con = _open_file(ws.db_path, read_only=True)
            if rollups.stale_rollups(con) or metadata.columns_missing(con):
                # built by older rollup SQL (or before loads were tracked per row) and not
                # opened for writing since: bring it up to date now unless another process
                # holds the file (that one did it on open)
                con.close()
                with contextlib.suppress(WorkspaceBusyError):
                    ws.connect().close()
                con = _open_file(ws.db_path, read_only=True)
        else:
            ws.path.mkdir(parents=True, exist_ok=True)
            con = _open_file(ws.db_path, read_only=False)
            with ws.write_lock():  # a rollup rebuild must not race a load
                metadata.ensure_schema(con)
        _lockdown(con)
        return con

    # The write paths' steps, in the order core._transaction runs them.

    def before_write(self, con: duckdb.DuckDBPyConnection, kind: str, columns: list[str]) -> None:
        """Outside the transaction: nothing (DuckDB files take DDL inside one)."""

    def replace_rows(
        self, con: duckdb.DuckDBPyConnection, kind: str, rows: str, params: dict
    ) -> None:
        con.execute(f"create or replace table {quote_ident(kind)} as {rows}", params)

    def add_columns(self, con: duckdb.DuckDBPyConnection, kind: str, columns: list[str]) -> None:
        """Inside the transaction: the extra columns an appended or merged file brings."""
        add_extra_columns(con, kind, columns)

    def empty(self, con: duckdb.DuckDBPyConnection, kind: str) -> None:
        con.execute(f"drop table if exists {quote_ident(kind)}")
        con.execute(schema.create_table_sql(kind))

    def refill_rollups(self, con: duckdb.DuckDBPyConnection, kind: str) -> None:
        rollups.rebuild_rollups(con, kind)

    def after_change(
        self, con: duckdb.DuckDBPyConnection, kind: str, keep: list[str] | None
    ) -> None:
        """After the commit: nothing (a replaced table already has only the new columns)."""
