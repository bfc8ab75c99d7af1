"""Uploads copied to a server-named temp file in chunks (shopsight/spool.py)."""

from __future__ import annotations

import io
import os
import stat

import pytest

from shopsight import spool


class Upload(io.BytesIO):
    """Like st.file_uploader's UploadedFile: a BytesIO with the browser's file name."""

    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


def test_copies_all_bytes_to_a_private_server_named_file():
    data = os.urandom(3 * spool.CHUNK + 123)
    up = Upload(data, "../../etc/订单 2026.CSV")
    up.read(10)  # a reader that already looked at the start is rewound
    path = spool.spool_upload(up)
    try:
        assert path.read_bytes() == data
        assert path.name == "upload.csv"  # the uploader's name never becomes a path
        assert path.parent.name.startswith("shopsight-upload-")
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    finally:
        spool.discard(path)
    assert not path.parent.exists()


@pytest.mark.parametrize(
    "name,suffix",
    [
        ("a.xlsx", ".xlsx"),
        ("a.tar.gz", ".gz"),
        ("noext", ""),
        ("a.c$v", ""),
        ("a." + "x" * 9, ""),
        (None, ""),
        ("报表.XLS", ".xls"),
    ],
)
def test_suffix_is_kept_only_when_plain(name, suffix):
    assert spool.safe_suffix(name) == suffix


def test_limit_stops_the_copy_and_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(spool.tempfile, "tempdir", None)
    with pytest.raises(spool.UploadTooLarge):
        spool.spool_upload(Upload(b"x" * (spool.CHUNK + 1), "big.csv"), max_bytes=spool.CHUNK)
    assert list(tmp_path.iterdir()) == []


def test_spooled_context_removes_the_file():
    with spool.spooled(Upload(b"a,b\n1,2\n", "x.csv")) as path:
        assert path.read_text() == "a,b\n1,2\n"
    assert not path.exists() and not path.parent.exists()
