"""Uploaded files: a private temp copy of each (shopsight/spool.py) and a stable slug for keys.

Streamlit already holds every upload in memory.  Each one is copied once, in chunks, to
a temp file whose name the server chose; the readers get that path (inspect_file and
load_file take a Path), so no second copy of the whole file sits in memory, and the
loading connection can let DuckDB read the file itself.  A session's temp files go
when their upload leaves the uploader, or when the session ends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from shopsight import spool


def file_slug(name: str, size: int) -> str:
    """A short id for one upload, stable across reruns and re-uploads of the same file.

    Widget keys of the Data page end with it: data_kind_<slug>, data_load_<slug>, ...
    """
    return hashlib.sha1(f"{name}\0{size}".encode()).hexdigest()[:10]


def _discard_all(files: dict[str, Path]) -> None:
    for path in files.values():
        spool.discard(path)
    files.clear()


@st.cache_resource(scope="session", on_release=_discard_all, show_spinner=False)
def _spooled() -> dict[str, Path]:
    """This session's temp copies by upload (file_id); released when the session ends."""
    return {}


def spooled_path(upload: UploadedFile) -> Path:
    """The upload's temp copy, made on first use and reused on every rerun."""
    files = _spooled()
    path = files.get(upload.file_id)
    if path is None or not path.exists():
        path = files[upload.file_id] = spool.spool_upload(upload)
    return path


def discard_gone(uploads: Iterable[UploadedFile]) -> None:
    """Remove the temp copies of uploads that are no longer in the uploader."""
    files = _spooled()
    keep = {u.file_id for u in uploads}
    for file_id in [f for f in files if f not in keep]:
        spool.discard(files.pop(file_id))

