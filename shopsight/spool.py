"""Uploads to disk: copy an uploaded file in chunks to a server-chosen temp file.

A file on disk can be read by DuckDB's readers on the loading connection without a
second copy in memory, and its name is ours (never the uploader's), so nothing a
user types ever becomes a path.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
_SUFFIX = re.compile(r"\.([A-Za-z0-9]{1,8})$")


class UploadTooLarge(ValueError):
    """The upload is bigger than the limit given to spool_upload."""


def safe_suffix(filename: str | None) -> str:
    """The extension of the uploaded name (".csv"), only when it is plain letters/digits."""
    m = _SUFFIX.search(filename or "")
    return "." + m.group(1).lower() if m else ""


def spool_upload(
    uploaded: BinaryIO, *, max_bytes: int | None = None, filename: str | None = None
) -> Path:
    """Copy a file-like (e.g. st.file_uploader's UploadedFile) into a private temp dir.

    Returns the file's path; remove it with `discard(path)` (or use `spooled`).  The
    directory is created 0700 by tempfile; the name is `upload<.ext>`.
    """
    name = filename if filename is not None else getattr(uploaded, "name", None)
    folder = Path(tempfile.mkdtemp(prefix="shopsight-upload-"))
    path = folder / f"upload{safe_suffix(name)}"
    try:
        if hasattr(uploaded, "seek"):
            uploaded.seek(0)
        written = 0
        with open(path, "xb") as out:
            while chunk := uploaded.read(CHUNK):
                written += len(chunk)
                if max_bytes is not None and written > max_bytes:
                    raise UploadTooLarge(f"the upload is larger than {max_bytes:,} bytes")
                out.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def discard(path: Path) -> None:
    """Remove a spooled upload and its private directory."""
    folder = Path(path).parent
    if folder.name.startswith("shopsight-upload-") and folder.parent == Path(tempfile.gettempdir()):
        shutil.rmtree(folder, ignore_errors=True)
    else:
        Path(path).unlink(missing_ok=True)


@contextmanager
def spooled(
    uploaded: BinaryIO, *, max_bytes: int | None = None, filename: str | None = None
) -> Iterator[Path]:
    path = spool_upload(uploaded, max_bytes=max_bytes, filename=filename)
    try:
        yield path
    finally:
        discard(path)
