"""Uploaded files: their bytes (read in one place) and a stable slug for widget keys."""

from __future__ import annotations

import hashlib

from streamlit.runtime.uploaded_file_manager import UploadedFile


def file_slug(name: str, size: int) -> str:
    """A short id for one upload, stable across reruns and re-uploads of the same file.

    Widget keys of the Data page end with it: data_kind_<slug>, data_load_<slug>, ...
    """
    return hashlib.sha1(f"{name}\0{size}".encode()).hexdigest()[:10]


def file_bytes(upload: UploadedFile) -> bytes:
    """The upload's content.  The only place an upload is read: Streamlit already holds
    it in memory, and this makes the one copy the ingest reader needs."""
    return upload.getvalue()
