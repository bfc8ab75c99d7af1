"""The sample shop shipped pre-built (a first start copies it instead of reading every sample
export again): current with the code and the files, and equal to a fresh build."""

from __future__ import annotations

import duckdb
import pytest

from shopsight import sample, schema, workspace


def test_the_shipped_sample_is_current():
    assert sample.prebuilt_is_current(), (
        "sample_data/prebuilt/ was built from other sample files or ingest code: "
        "run `python -m shopsight sample --prebuilt` and commit the result"
    )


def test_the_shipped_sample_stays_small():
    assert sample.PREBUILT.stat().st_size < 12 * 1024 * 1024


def test_the_shipped_sample_equals_a_fresh_build(tmp_path):
    fresh = workspace.open_workspace(tmp_path / "fresh")
    sample.build_sample(fresh)
    con = duckdb.connect()
    con.execute(f"attach '{sample.PREBUILT}' as shipped (read_only)")
    con.execute(f"attach '{fresh.db_path}' as fresh (read_only)")
    for kind in schema.KINDS:
        counts = [
            con.execute(f"select count(*) from {db}.{kind}").fetchone()[0]
            for db in ("shipped", "fresh")
        ]
        assert counts[0] == counts[1], kind
        for a, b in (("shipped", "fresh"), ("fresh", "shipped")):
            extra = con.execute(
                f"select count(*) from (select * from {a}.{kind} "
                f"except all select * from {b}.{kind})"
            ).fetchone()[0]
            assert extra == 0, (kind, a)


def test_a_first_start_copies_the_shipped_sample(tmp_path, monkeypatch):
    def no_build(ws):
        raise AssertionError("built although the shipped copy is current")

    monkeypatch.setattr(sample, "build_sample", no_build)
    ws = workspace.open_workspace(tmp_path / "ws")
    sample.ensure_sample(ws)
    assert ws.db_path.read_bytes() == sample.PREBUILT.read_bytes()
    assert not list(ws.path.glob("*.copying"))


def test_a_stale_shipped_sample_is_built_instead(tmp_path, monkeypatch):
    built = []
    monkeypatch.setattr(sample, "fingerprint", lambda: "other code")
    monkeypatch.setattr(sample, "build_sample", lambda ws: built.append(ws.path))
    ws = workspace.open_workspace(tmp_path / "ws")
    sample.ensure_sample(ws)
    assert built == [ws.path]


@pytest.mark.parametrize("change", ["sample file", "ingest code"])
def test_the_fingerprint_follows_files_and_code(tmp_path, monkeypatch, change):
    before = sample.fingerprint()
    root = tmp_path / "root"
    for rel in ("sample_data", "shopsight/ingest", "queries"):
        (root / rel).mkdir(parents=True)
    monkeypatch.setattr(sample, "ROOT", root)
    monkeypatch.setattr(sample, "SAMPLE_DIR", root / "sample_data")
    (root / "sample_data" / "a.csv").write_text("x\n", encoding="utf-8")
    (root / "shopsight" / "ingest" / "parse.py").write_text("x = 1\n", encoding="utf-8")
    first = sample.fingerprint()
    target = "sample_data/a.csv" if change == "sample file" else "shopsight/ingest/parse.py"
    (root / target).write_text("y\n", encoding="utf-8")
    assert sample.fingerprint() not in (first, before)
