"""The demo shop: a workspace built from sample_data/ through the upload path.

Building it reads every sample export through the ingest (seconds of CPU), so a copy built
by this same code ships in sample_data/prebuilt/ with a fingerprint of what it was built
from: the sample files, the code that reads and stores them, and the DuckDB version.  A
first start copies it when the fingerprint still matches, and builds otherwise.
`python -m shopsight sample --prebuilt` refreshes the shipped copy (a test fails while it is
stale).
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
from pathlib import Path

import duckdb

from shopsight import workspace
from shopsight.ingest import LoadReport, load_file

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "sample_data"
PREBUILT = SAMPLE_DIR / "prebuilt" / "shop.duckdb"
PREBUILT_FINGERPRINT = PREBUILT.with_suffix(".fingerprint")
_NOT_DATA = {".py", ".md", ".json"}
# what decides the sample's tables: the code that reads, types, maps and stores an upload
_BUILT_BY = (
    "shopsight/ingest/**/*.py",
    "shopsight/geo/**/*",
    "shopsight/schema.py",
    "shopsight/workspace/*.py",
    "shopsight/sample.py",
    "queries/ingest_*.sql",
    "queries/rollup_*.sql",
    "queries/macros.sql",
)


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLE_DIR.iterdir() if p.is_file() and p.suffix not in _NOT_DATA)


def fingerprint() -> str:
    """A hash of the sample files, the code that builds the sample and DuckDB's version."""
    digest = hashlib.sha256(duckdb.__version__.encode())
    files = set(sample_files())
    for pattern in _BUILT_BY:
        files.update(p for p in ROOT.glob(pattern) if p.is_file() and p.suffix != ".pyc")
    for path in sorted(files):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def prebuilt_is_current() -> bool:
    return (
        PREBUILT.is_file()
        and PREBUILT_FINGERPRINT.is_file()
        and PREBUILT_FINGERPRINT.read_text(encoding="utf-8").strip() == fingerprint()
    )


def write_prebuilt() -> list[LoadReport]:
    """Build the sample and ship it as sample_data/prebuilt/ with its fingerprint."""
    stage = workspace.Workspace(PREBUILT.parent / ".staging")
    shutil.rmtree(stage.path, ignore_errors=True)
    try:
        reports = build_sample(stage)
        PREBUILT.parent.mkdir(parents=True, exist_ok=True)
        stage.db_path.replace(PREBUILT)
        PREBUILT_FINGERPRINT.write_text(fingerprint() + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(stage.path, ignore_errors=True)
    return reports


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
                if prebuilt_is_current():
                    _copy_prebuilt(ws)
                else:
                    build_sample(ws)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _copy_prebuilt(ws: workspace.Workspace) -> None:
    partial = ws.db_path.with_name(ws.db_path.name + ".copying")
    shutil.copyfile(PREBUILT, partial)
    partial.replace(ws.db_path)  # a reader never opens half a copy
