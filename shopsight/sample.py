"""The demo shop: a workspace built from sample_data/ through the upload path."""

from __future__ import annotations

import fcntl
import shutil
from pathlib import Path

from shopsight import workspace
from shopsight.ingest import LoadReport, load_file

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
_NOT_DATA = {".py", ".md", ".json"}


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLE_DIR.iterdir() if p.is_file() and p.suffix not in _NOT_DATA)


def build_sample(ws: workspace.Workspace) -> list[LoadReport]:
    """Rebuild from scratch into a fresh database, where appending every file is exact."""
    ws.path.mkdir(parents=True, exist_ok=True)
    tmp = workspace.Workspace(ws.path / ".building")
    shutil.rmtree(tmp.path, ignore_errors=True)
    reports: list[LoadReport] = []
    con = tmp.connect()
    try:
        for f in sample_files():
            reports.append(load_file(tmp, f.read_bytes(), f.name, mode="append", con=con))
        con.execute("checkpoint")
    finally:
        con.close()
    # swap in the finished file so a reader never opens a half-built sample
    tmp.db_path.replace(ws.db_path)
    shutil.rmtree(tmp.path, ignore_errors=True)
    return reports


def ensure_sample(ws: workspace.Workspace) -> None:
    """Build the sample workspace the first time anything needs it (once across processes)."""
    if ws.exists():
        return
    ws.path.mkdir(parents=True, exist_ok=True)
    with open(ws.path / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not ws.exists():
                build_sample(ws)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
