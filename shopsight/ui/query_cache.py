"""Cached access to workspace databases (the other st.cache_* user is ui/upload.py's spool).

One DuckDB connection per workspace per process (st.cache_resource); every query
and write runs on its own cursor, so sessions in different threads never share one.
Query results are cached with st.cache_data keyed by (workspace, data version, query
name, params). The data version changes with every load or delete, so a cached
result never outlives the data it came from; a load in one session is seen by the
others on their next rerun.

Pages call `query(name, **params)`; the workspace and data version come from the
session (shopsight.ui.session).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from shopsight import queries, teams, workspace
from shopsight.i18n import t
from shopsight.ui import session

QUERY_TTL_S = 3600
QUERY_MAX_ENTRIES = 1024
_VERSION_KEY = "_data_version"


@st.cache_resource(show_spinner=False, max_entries=64)
def _database(ws_dir: str) -> duckdb.DuckDBPyConnection:
    ws = workspace.open_workspace(ws_dir)
    if workspace.is_read_only(ws):
        # Built from sample_data/ on first use; before the shared connection opens,
        # because a process can hold only one connection configuration per file.
        from shopsight.sample import ensure_sample

        ensure_sample(ws)
    elif Path(ws_dir).parent == teams.teams_dir().resolve() and not ws.exists():
        # teams.create_team makes team workspaces; opening one for writing here would
        # bring a deleted team's file back (a session still on it mid-run)
        raise FileNotFoundError("this team workspace was deleted")
    # connect() also rebuilds rollups missing or older than their SQL; the shared sample
    # is opened read-only, so no write of any session can reach its file
    return ws.connect(read_only=workspace.is_read_only(ws))


def prepare(lang: str) -> None:
    """On a server's first visit the sample shop is put in place (copied, or built when the
    shipped copy is out of date): say so meanwhile instead of a blank page."""
    ws = workspace.open_workspace(session.workspace_dir())
    if workspace.is_read_only(ws) and not ws.exists():
        with st.spinner(t("app.preparing_sample", lang)):
            _database(session.workspace_dir())


def release(ws_dir: str) -> None:
    """Close and forget a workspace's shared connection (before and after deleting it), so
    the process lets go of its files; sessions still on it get an error, not stale data."""
    ws_dir = str(Path(ws_dir).resolve())
    if workspace.open_workspace(ws_dir).exists():
        con = _database(ws_dir)  # cached when any session has it open
        _database.clear(ws_dir)
        con.close()
    else:
        _database.clear(ws_dir)


@contextmanager
def cursor(ws_dir: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the workspace's shared connection, for reads and for writes
    (pass it as `con=` to write_dataset / load_file / delete_dataset / set_setting)."""
    cur = _database(ws_dir or session.workspace_dir()).cursor()
    try:
        yield cur
    finally:
        cur.close()


def data_version(ws_dir: str) -> tuple[int, int, int]:
    """(last load id, active loads, hash of the loads' platforms and currencies): changes
    with every load, append, delete or platform correction."""
    with cursor(ws_dir) as cur:
        row = cur.execute(queries.sql("data_version")).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def refresh() -> tuple[int, int, int]:
    """Read the data version for this run (app.py, once per rerun; again after a write)."""
    st.session_state[_VERSION_KEY] = data_version(session.workspace_dir())
    return st.session_state[_VERSION_KEY]


def version() -> tuple[int, int, int]:
    return st.session_state.get(_VERSION_KEY) or refresh()


@st.cache_data(ttl=QUERY_TTL_S, max_entries=QUERY_MAX_ENTRIES, show_spinner=False)
def _cached_query(
    ws_dir: str, version: tuple[int, int, int], name: str, params: dict
) -> pd.DataFrame:
    with cursor(ws_dir) as cur:
        return queries.run(cur, name, **params)


def query(name: str, **params) -> pd.DataFrame:
    """Run queries/<name>.sql on the session's workspace, cached until the data changes.

    Pass every filter value you have; only the $params the file uses are bound (and
    only those are part of the cache key). Returns a copy the caller may change.
    """
    return deferred(name, **params)()


def deferred(name: str, **params) -> Callable[[], pd.DataFrame]:
    """`query(name, **params)` to be run later, off the script run: the workspace and data
    version are taken now, since the session is not reachable then (a download button's
    file is built on the click, on another thread)."""
    used = {k: v for k, v in params.items() if k in queries.params_of(name)}
    ws_dir, at = session.workspace_dir(), version()
    return lambda: _cached_query(ws_dir, at, name, used)


def datasets() -> list[dict]:
    """workspace.datasets() of the session's workspace (row counts, files, load time)."""
    return _cached_datasets(session.workspace_dir(), version())


@st.cache_data(ttl=QUERY_TTL_S, max_entries=64, show_spinner=False)
def _cached_datasets(ws_dir: str, version: tuple[int, int, int]) -> list[dict]:
    with cursor(ws_dir) as cur:
        return workspace.datasets(cur)


def loads() -> list[dict]:
    """workspace.loads() of the session's workspace: each load with the days it covers."""
    return _cached_loads(session.workspace_dir(), version())


@st.cache_data(ttl=QUERY_TTL_S, max_entries=64, show_spinner=False)
def _cached_loads(ws_dir: str, version: tuple[int, int, int]) -> list[dict]:
    with cursor(ws_dir) as cur:
        return workspace.loads(cur)


def get_setting(key: str, default=None):
    """A workspace setting (e.g. the 同行平均 values); read fresh, it is one row."""
    with cursor() as cur:
        return workspace.get_setting(cur, key, default)


def set_setting(key: str, value) -> None:
    """Raises workspace.ReadOnlyWorkspaceError (a PermissionError) on the sample shop."""
    with cursor() as cur:
        workspace.set_setting(cur, key, value)
