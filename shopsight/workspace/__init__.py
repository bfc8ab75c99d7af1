"""The DuckDB workspace: one database per workspace directory (DESIGN §6).

Callers use this package as one module (`from shopsight import workspace`,
`workspace.write_dataset(...)`); the parts, each importable on its own:

  errors.py    the package's exceptions
  paths.py     the data directory, workspace names, the backend, DuckDB instance settings
  sql.py       identifier and literal quoting, catalog reads
  rollups.py   tables pre-aggregated at load time, rebuilt when their SQL changes
  metadata.py  _loads / _mappings / _settings: creating, upgrading and reading them
  file.py      the file backend (one locked-down DuckDB file)
  lake.py      the DuckLake backend (SHOPSIGHT_BACKEND=ducklake), the same methods
  core.py      Workspace, connect, and the writes (one transaction helper for all)

Concurrency: `connect()` twice on one workspace in one process gives connections to
the same database instance; hold one per process (st.cache_resource) and give each
session thread, and each load, its own `con.cursor()`.  DuckDB lets one process at a
time open a file read-write; a second process gets WorkspaceBusyError.

Backends: `SHOPSIGHT_BACKEND=ducklake` keeps workspaces in DuckLake catalogs instead
(lake.py) so several replicas can share them; the sample shop always stays a local
file (it is rebuilt from sample_data/ and never written by users).
"""

from shopsight import schema  # noqa: F401 - callers read workspace.schema.KINDS
from shopsight.workspace.core import (
    BACKEND_OF,
    DAY_SPAN,
    MODES,
    Workspace,
    connect,
    delete_dataset,
    is_read_only,
    open_workspace,
    set_load_platform,
    unload,
    write_dataset,
)
from shopsight.workspace.errors import (
    ReadOnlyWorkspaceError,
    WorkspaceBusyError,
    WorkspaceNameError,
)
from shopsight.workspace.file import FileBackend
from shopsight.workspace.lake import LakeBackend, LakeConnection
from shopsight.workspace.metadata import (
    coverage,
    dataset_rows,
    datasets,
    ensure_schema,
    get_setting,
    loads,
    refuse_read_only_connection,
    save_mapping,
    saved_mapping,
    set_setting,
)
from shopsight.workspace.paths import (
    BACKENDS,
    DB_FILE,
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_THREADS,
    DUCKLAKE,
    FILE,
    SAMPLE,
    backend_name,
    data_dir,
    duckdb_config,
    resolve,
    sample_path,
)
from shopsight.workspace.rollups import (
    rebuild_rollups,
    refill_rollups,
    rollup_hash,
    stale_rollups,
    sync_rollups,
)
from shopsight.workspace.sql import quote_ident, sql_literal, table_columns, table_names

__all__ = [
    "BACKENDS",
    "BACKEND_OF",
    "DAY_SPAN",
    "DB_FILE",
    "DEFAULT_MEMORY_LIMIT",
    "DEFAULT_THREADS",
    "DUCKLAKE",
    "FILE",
    "MODES",
    "SAMPLE",
    "FileBackend",
    "LakeBackend",
    "LakeConnection",
    "ReadOnlyWorkspaceError",
    "Workspace",
    "WorkspaceBusyError",
    "WorkspaceNameError",
    "backend_name",
    "connect",
    "coverage",
    "data_dir",
    "dataset_rows",
    "datasets",
    "delete_dataset",
    "duckdb_config",
    "ensure_schema",
    "get_setting",
    "is_read_only",
    "loads",
    "open_workspace",
    "quote_ident",
    "rebuild_rollups",
    "refill_rollups",
    "refuse_read_only_connection",
    "resolve",
    "rollup_hash",
    "sample_path",
    "save_mapping",
    "saved_mapping",
    "set_load_platform",
    "set_setting",
    "sql_literal",
    "stale_rollups",
    "sync_rollups",
    "table_columns",
    "table_names",
    "unload",
    "write_dataset",
]
