"""Where workspaces live and how their DuckDB instances are set up, from the environment:
the data directory, workspace names, the backend and the instance settings."""

from __future__ import annotations

import os
from pathlib import Path

from shopsight.workspace.errors import WorkspaceNameError

DB_FILE = "shop.duckdb"
SAMPLE = "sample"
FILE, DUCKLAKE = "file", "ducklake"
BACKENDS = (FILE, DUCKLAKE)
DEFAULT_MEMORY_LIMIT = "1GB"
DEFAULT_THREADS = 2


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
    if (
        p.is_absolute()
        or text.startswith(("./", "../", "~", f".{os.sep}", f"..{os.sep}"))
        or p.is_dir()
    ):
        return p.expanduser()
    root = os.path.abspath(data_dir())
    target = os.path.abspath(os.path.join(root, text))
    if not text.strip() or os.path.commonpath([root, target]) != root or target == root:
        raise WorkspaceNameError(
            f"the workspace name {text!r} leads outside the data directory {data_dir()}; "
            "give a name under it or an explicit path (absolute, or starting with ./)"
        )
    return data_dir() / text


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
