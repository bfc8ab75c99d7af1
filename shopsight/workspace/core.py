"""A workspace and the writes that change its datasets (DESIGN §6).

Uploads are parsed elsewhere, on a private in-memory connection, and arrive here as
Arrow tables, which are written in one transaction so readers see either the old dataset
or the new one, never half.  Every write (write_dataset, delete_dataset, unload,
set_load_platform) runs through `_transaction`: the write lock, begin, the change, the
kind's rollups refilled, commit (or rollback).  What differs between a DuckDB file and a
DuckLake catalog is in the backend object (file.FileBackend, lake.LakeBackend), never in
`if lake:` branches here.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from shopsight import queries, schema
from shopsight.conflicts import retry_conflicts  # writes from replicas sharing a lake
from shopsight.workspace import rollup_refresh, rollups
from shopsight.workspace.errors import ReadOnlyWorkspaceError
from shopsight.workspace.file import FileBackend
from shopsight.workspace.lake import LakeBackend
from shopsight.workspace.metadata import ADDED_COLUMNS, claim_load_id
from shopsight.workspace.paths import DB_FILE, DUCKLAKE, FILE, backend_name, resolve, sample_path
from shopsight.workspace.sql import quote_ident, rollback

# The backend objects: the same methods, one per way of keeping a workspace.
BACKEND_OF: dict[str, FileBackend | LakeBackend] = {FILE: FileBackend(), DUCKLAKE: LakeBackend()}

# Two writers replacing the same table conflict in DuckDB; loads in one process
# are serialised per database file.
_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def is_read_only(ws: Workspace) -> bool:
    """True for the shared sample shop: uploads and deletes there are refused."""
    return ws.path.resolve() == sample_path().resolve()


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

    @property
    def storage(self) -> FileBackend | LakeBackend:
        """The backend object that opens and writes this workspace."""
        return BACKEND_OF[self.backend]

    def exists(self) -> bool:
        return self.storage.exists(self)

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open the database locked down; creates an empty workspace when writable.

        Share one per process; use `con.cursor()` per thread.  With the DuckLake
        backend the result is a lake.LakeConnection, whose cursors behave the same.
        """
        if not read_only and is_read_only(self) and not self.exists():
            # an empty file here would pass for a built sample shop (sample.ensure_sample)
            raise ReadOnlyWorkspaceError(
                "the sample shop is built by sample.ensure_sample, not by opening it for writing"
            )
        con = self.storage.connect(self, read_only=read_only)
        queries.install_macros(con)  # the shared SQL rules, on every backend
        return con

    def write_lock(self) -> threading.Lock:
        with _write_locks_guard:
            return _write_locks.setdefault(self.key, threading.Lock())


def open_workspace(workspace: str | os.PathLike | None = None) -> Workspace:
    path = resolve(workspace)
    on_sample = path.resolve() == sample_path().resolve()
    return Workspace(path, FILE if on_sample else backend_name())


def connect(
    workspace: str | os.PathLike | Workspace | None = None, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """`open_workspace(...).connect(...)`: the connection a process shares between sessions."""
    ws = workspace if isinstance(workspace, Workspace) else open_workspace(workspace)
    return ws.connect(read_only=read_only)


def _select_canonical(kind: str, arrow_cols: list[str], load_id: bool = False) -> str:
    """Select list that casts every canonical column and keeps extra columns as text
    (with load_id: then the $load_id column, before the extras as in a new table)."""
    k = schema.KINDS[kind]
    parts = []
    for c in k.columns:
        if c.name in arrow_cols:
            parts.append(f"cast({quote_ident(c.name)} as {c.type}) as {quote_ident(c.name)}")
        elif ADDED_COLUMNS.get((kind, c.name), ("",))[0] in arrow_cols:
            # data written without the column (by code, not by the loader) gets what older
            # workspaces got: see ADDED_COLUMNS
            fill = ADDED_COLUMNS[kind, c.name][1]
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
# Kinds whose day is a timestamp column's: a range test on the column itself lets the
# delete of covered rows skip row groups by their zone maps (a day's log merged into 5M
# events: 1.2 -> 0.04 CPU-s to find the rows).
DAY_TIME = {"events": "event_time"}


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
    view = f"_incoming_{threading.get_ident()}"
    columns = table.column_names
    # merges and appends into a large table refresh the rollups only where lines changed
    changes = (
        rollup_refresh.Changes() if mode != "replace" and rollup_refresh.refreshable(kind) else None
    )
    deleted = None
    with _transaction(
        ws,
        con,
        kind,
        columns=columns,
        keep=columns if mode == "replace" else None,
        incoming=(view, table),
        changes=changes,
    ) as (con, _):
        typed = f"select {_select_canonical(kind, columns)} from {view}"
        load_id = claim_load_id(con)  # replicas loading at once conflict here and retry
        rows = _rows_sql(kind, f"select {_select_canonical(kind, columns, True)} from {view}")
        params = {"load_id": load_id}
        if kind in schema.PLATFORM_KINDS:
            params.update(platform=platform, currency=currency)
        replaced = 0
        if mode == "replace":
            replaced = con.execute(f"select count(*) from {quote_ident(kind)}").fetchone()[0]
            ws.storage.replace_rows(con, kind, rows, params)
        days, undated = _days(con, kind, typed)
        if mode != "replace":
            if mode == "merge" and _holds_platform(con, kind, platform):
                where, covered = _covered(kind, typed, platform, days, undated)
                if changes is not None:
                    deleted = rollup_refresh.line_keys(
                        con, kind, f"select * from {quote_ident(kind)} where {where}", covered
                    )
                replaced = con.execute(
                    f"delete from {quote_ident(kind)} where {where}", covered
                ).fetchone()[0]
            ws.storage.add_columns(con, kind, columns)
            con.execute(f"insert into {quote_ident(kind)} by name {rows}", params)
            if changes is not None:
                added = rollup_refresh.line_keys(con, kind, typed)
                changes.keys = added if deleted is None else pa.concat_tables([deleted, added])
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
    return table.num_rows


def _rows_sql(kind: str, typed: str) -> str:
    """The incoming rows as stored: the load's platform and currency where a row names
    none ($platform, $currency)."""
    if kind not in schema.PLATFORM_KINDS:
        return typed
    return (
        f"select * replace (coalesce(platform, $platform) as platform, "
        f"coalesce(currency, $currency) as currency) from ({typed})"
    )


def _same_platform_loads(kind: str) -> str:
    return (
        f"{schema.LOAD_ID} in (select load_id from _loads where kind = {_sql_text(kind)} "
        f"and platform is not distinct from $platform)"
    )


def _sql_text(kind: str) -> str:
    if kind not in schema.KINDS:  # kinds are the only text spliced in, from a whitelist
        raise ValueError(kind)
    return f"'{kind}'"


def _holds_platform(con: duckdb.DuckDBPyConnection, kind: str, platform: str | None) -> bool:
    """Whether any active load of this kind and platform exists (else nothing to replace:
    a first upload skips the delete scan)."""
    return (
        con.execute(
            "select count(*) from _loads where kind = $k and active "
            "and platform is not distinct from $p",
            {"k": kind, "p": platform},
        ).fetchone()[0]
        > 0
    )


def _covered(
    kind: str, typed: str, platform: str | None, days: list, undated: bool
) -> tuple[str, dict]:
    """The rows the incoming rows cover again (`days`, `undated`: see _days): a condition
    over the kind's table and its parameters."""
    table = quote_ident(kind)
    same = _same_platform_loads(kind)
    if kind == "orders":  # an order re-exported counts once: the newer export wins
        where = (
            f"{same} and order_id in (select order_id from ({typed}) where order_id is not null)"
        )
        return where, {"platform": platform}
    if kind == "image_tests":  # another test on the same days is not covered again
        where = (
            f"{same} and exists (select 1 from ({typed}) n "
            f"where n.test_id = {table}.test_id and n.date = {table}.date)"
        )
        return where, {"platform": platform}
    start, end = DAY_SPAN[kind]
    narrower = {
        # a PC流量来源 file does not cover the 无线 rows of its days (the device comes from
        # the file or sheet name when the rows have none)
        "traffic": (
            f" and coalesce(device, '全部') in (select distinct coalesce(device, '全部') "
            f"from ({typed}))"
        ),
        # a 商品 file of one category (or one product) does not cover the other products
        # of its days: operators export them in parts
        "products": (
            f" and product_id in (select product_id from ({typed}) where product_id is not null)"
        ),
    }.get(kind, "")
    where = (
        f"{same}{narrower} and (({start} is null and $undated) "
        f"or exists (select 1 from (select unnest(cast($days as date[])) as day) d "
        f"where d.day between {start} and {end}))"
    )
    params = {"platform": platform, "days": days, "undated": undated}
    if kind in DAY_TIME and days:
        time = DAY_TIME[kind]
        where += (
            f" and ({time} is null or ({time} >= cast($first as timestamp) "
            f"and {time} < cast($last as timestamp) + interval 1 day))"
        )
        params.update(first=days[0], last=days[-1])
    return where, params


def _days(con: duckdb.DuckDBPyConnection, kind: str, typed: str) -> tuple[list, bool]:
    """The distinct days the rows of `typed` cover, and whether some rows have no day."""
    start, end = DAY_SPAN[kind]
    days = [
        r[0]
        for r in con.execute(
            f"select distinct cast(unnest(generate_series(cast(s as timestamp), cast(e as timestamp), "
            f"interval 1 day)) as date) as day from (select distinct {start} as s, {end} as e "
            f"from ({typed}) where {start} is not null) order by day"
        ).fetchall()
    ]
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


def _refuse_read_only(ws: Workspace) -> None:
    if is_read_only(ws):
        raise ReadOnlyWorkspaceError(
            "the sample shop is read-only: create a team workspace to upload your own data"
        )


@retry_conflicts
def delete_dataset(ws: Workspace, kind: str, con: duckdb.DuckDBPyConnection | None = None) -> None:
    """Empty a dataset (the table stays, with its canonical columns)."""
    if kind not in schema.KINDS:
        raise ValueError(f"unknown dataset kind {kind!r}")
    with _transaction(ws, con, kind, keep=[]) as (con, _):
        ws.storage.empty(con, kind)
        con.execute("update _loads set active = false where kind = $k", {"k": kind})


@contextlib.contextmanager
def _transaction(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection | None,
    kind: str | Callable[[duckdb.DuckDBPyConnection], str],
    *,
    columns: list[str] | None = None,
    keep: list[str] | None = None,
    incoming: tuple[str, pa.Table] | None = None,
    changes: rollup_refresh.Changes | None = None,
) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """One write to one kind, the same on both backends: under the write lock, begin;
    yields (connection, kind); then refills the kind's rollups and commits, so pages never
    see a table and its rollup disagree.  Any error rolls back and is raised.

    kind may be a function of the connection (run under the lock: the kind of a load).
    columns: the extra columns the change brings; keep: the extra columns the kind keeps
    afterwards (None: all).  incoming: (view name, Arrow table) registered for the
    transaction's statements.  changes: filled by the write with the lines it changed,
    so the rollups are refreshed where they changed (else rebuilt).  A connection this
    opens (con None) is closed after.
    """
    _refuse_read_only(ws)
    storage = ws.storage
    own = con is None
    con = con or ws.connect()
    try:
        with ws.write_lock():
            if callable(kind):
                kind = kind(con)
            if incoming is not None:
                con.register(*incoming)
            try:
                storage.before_write(con, kind, columns or [])
                con.execute("begin transaction")
                try:
                    yield con, kind
                    if not rollup_refresh.refresh(con, kind, changes, rollups.parts(kind)):
                        storage.refill_rollups(con, kind)
                        rollup_refresh.rebuilt(con, kind)
                    con.execute("commit")
                except BaseException:
                    rollback(con)
                    raise
            finally:
                if incoming is not None:
                    con.unregister(incoming[0])
            storage.after_change(con, kind, keep)
    finally:
        if own:
            con.close()


def _load_kind(con: duckdb.DuckDBPyConnection, load_id: int) -> str:
    row = con.execute("select kind from _loads where load_id = $id", {"id": load_id}).fetchone()
    if row is None:
        raise KeyError(f"no load {load_id} in this workspace")
    return row[0]


@contextlib.contextmanager
def _changing_load(ws: Workspace, load_id: int, con: duckdb.DuckDBPyConnection | None):
    """One transaction that changes one load's rows: yields (connection, the load's kind)
    and refreshes that kind's rollups for the load's lines (or rebuilds them) before it
    commits.  KeyError for an unknown load id."""
    changes = rollup_refresh.Changes()
    with _transaction(ws, con, lambda c: _load_kind(c, load_id), changes=changes) as (cur, kind):
        if rollup_refresh.refreshable(kind):
            changes.keys = rollup_refresh.line_keys(
                cur,
                kind,
                f"select * from {quote_ident(kind)} where {schema.LOAD_ID} = $id",
                {"id": load_id},
            )
        yield cur, kind


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
def set_load_platform(
    ws: Workspace,
    load_id: int,
    platform: str | None,
    currency: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> None:
    """Correct the platform (and, when given, the currency) of one load and its rows."""
    with _changing_load(ws, load_id, con) as (cur, kind):
        cur.execute(
            "update _loads set platform = $p, currency = coalesce($c, currency) "
            "where load_id = $id",
            {"p": platform, "c": currency, "id": load_id},
        )
        if kind in schema.PLATFORM_KINDS:
            cur.execute(
                f"update {quote_ident(kind)} set platform = $p, "
                f"currency = coalesce($c, currency) where {schema.LOAD_ID} = $id",
                {"p": platform, "c": currency, "id": load_id},
            )
