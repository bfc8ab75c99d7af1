"""Hostile uploads: each is loaded or refused with a message, within 60 s and 1.5 GB, and
the workspace is left as it was.

The corpus is built here: the shapes that once aborted or starved the server (one cell at
XFD1048576, a cell at Z2000000, SpreadsheetML ss:Index padding, a 10,000-column CSV
header, a 200,000-column HTML table) and seeded byte-level mutants of the five example
exports.  Workbooks are parsed in a child process, so its peak memory is the children's
maximum resident size; this process must not grow by much either.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest
from fixtures import hostile_files as h
from fixtures import ingest_files as f

from shopsight import workspace
from shopsight.ingest import IngestError, isolated, load_file, readers

LIMIT_S = 60
LIMIT_KB = 1536 << 10  # 1.5 GB


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    w = workspace.open_workspace(tmp_path_factory.mktemp("hostile") / "ws")
    for p in sorted(h.EXAMPLES.iterdir()):
        if p.suffix != ".json":
            load_file(w, p, p.name)
    return w


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return h.shapes(tmp_path_factory.mktemp("shapes"))


def _outcome(ws, path):
    """Load or refuse one file; its outcome, wall seconds and the peak memory seen (KB)."""
    start = time.monotonic()
    try:
        report = load_file(ws, path, path.name, mode="append")
        outcome = f"loaded {report.rows_loaded}"
    except IngestError as e:
        outcome = str(e)
    took = time.monotonic() - start
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return outcome, took, peak


WHY = {
    "xlsx_cell_at_XFD1048576": "reaches column 16,384; more than 1,000 columns is refused",
    "xlsx_cell_at_Z2000000": "reaches row 2,000,000; more than 1,048,576 rows is refused",
    "xlsx_cell_ref_beyond_its_row": "reaches row 2,000,000; more than 1,048,576 rows is refused",
    "xlsx_declared_A1_XFD1048576": "reaches column 16,384; more than 1,000 columns is refused",
    "spreadsheetml_row_index": "worksheet 'S' reaches row 100,000,000; more than 1,048,576 rows",
    "spreadsheetml_cell_index": "worksheet 'S' reaches column 100,000,000; more than 1,000 col",
    "html_200000_columns": "table 1 reaches column 1,004; more than 1,000 columns is refused",
    "csv_10000_columns": "the file reaches column 10,000; more than 1,000 columns is refused",
}


@pytest.mark.parametrize("shape", sorted(WHY))
def test_hostile_shape_is_refused_in_bounds(ws, corpus, shape):
    before = f.snapshot(ws)
    path = corpus[shape]
    assert path.stat().st_size < 200 << 10  # small files, each once fatal
    outcome, took, peak = _outcome(ws, path)
    assert outcome.startswith(f"{path.name}: ") and WHY[shape] in outcome, outcome
    assert took < LIMIT_S and peak < LIMIT_KB
    assert f.snapshot(ws) == before


def test_fuzzed_exports_are_loaded_or_refused_in_bounds(ws, tmp_path):
    before = f.snapshot(ws)
    outcomes = {}
    for path in h.mutants(tmp_path, per_file=8):
        outcome, took, peak = _outcome(ws, path)  # anything but IngestError fails the test
        assert took < LIMIT_S and peak < LIMIT_KB, (path.name, took, peak)
        outcomes[path.name] = outcome
    assert len(outcomes) == 40
    refused = [o for o in outcomes.values() if not o.startswith("loaded")]
    assert refused and all("Traceback" not in o and "\n" not in o for o in refused)
    # what loaded went in as appended rows; the datasets the examples made are still there
    after = f.snapshot(ws)
    assert after.keys() == before.keys()


def _fresh_copy(tmp_path) -> Path:
    """An example workbook under a new name: not one read before (isolated keeps those)."""
    path = tmp_path / "ExportOrderList202611301200.xlsx"
    path.write_bytes((h.EXAMPLES / path.name).read_bytes())
    return path


def test_a_reader_that_runs_out_of_memory_is_a_refused_file(ws, monkeypatch, tmp_path):
    """The child may add only 1 MB to its address space: reading any workbook fails there."""
    monkeypatch.setattr(isolated, "PARSE_MEMORY_MB", 1)
    path = _fresh_copy(tmp_path)
    outcome, took, _ = _outcome(ws, path)
    assert outcome.startswith(f"{path.name}: ") and "1 MB of memory" in outcome, outcome
    assert "refused" in outcome and took < LIMIT_S


def test_a_reader_that_runs_too_long_is_stopped(ws, monkeypatch, tmp_path):
    """A child still running at the wall-clock limit is killed and the file refused."""
    monkeypatch.setattr(isolated, "PARSE_SECONDS", 1)
    monkeypatch.setattr(isolated, "_child_args", lambda *a: ["-c", "import time; time.sleep(30)"])
    path = _fresh_copy(tmp_path)
    outcome, took, _ = _outcome(ws, path)
    assert "took longer than 1 s; refused" in outcome and took < 10


def test_calamine_panic_is_a_message(monkeypatch):
    """calamine's PanicException derives from BaseException and passes `except Exception`."""

    class PanicException(BaseException):
        pass

    class Book:
        @staticmethod
        def from_filelike(_):
            raise PanicException("index out of bounds: the len is 3 but the index is 7")

    monkeypatch.setattr(readers, "CalamineWorkbook", Book)
    data = (h.EXAMPLES / "【生意参谋平台】无线店铺流量来源-2026-11-01_2026-11-07.xls").read_bytes()
    with pytest.raises(IngestError, match="cannot be opened: index out of bounds"):
        readers.read_excel(data, "xls")


def test_real_exports_still_read_in_the_child():
    """Every example export gives the same sheets through the child as read here."""
    for path in sorted(h.EXAMPLES.iterdir()):
        if path.suffix == ".json":
            continue
        here, there = readers.read_workbook(path), isolated.read_workbook(path)
        assert [(s.name, s.rows) for s in there.sheets] == [(s.name, s.rows) for s in here.sheets]
        for a, b in zip(here.sheets, there.sheets, strict=True):
            if a.body is not None and isinstance(a.body, readers.CellsBody):
                assert b.body.table.equals(a.body.table)


def test_a_relative_path_is_read_from_this_directory(monkeypatch):
    """The child runs in its own directory: a relative path must still name the same file."""
    monkeypatch.chdir(h.EXAMPLES)
    wb = isolated.read_workbook(Path("ExportOrderList202611301200.xlsx"))
    assert [s.name for s in wb.sheets] == ["Sheet1"] and wb.sheets[0].body.num_rows == 807


def test_inspect_then_load_reads_a_workbook_once(monkeypatch, tmp_path):
    """The Data page inspects an upload and then loads it: one child process, not two;
    a changed file is read again."""
    runs = []
    real = isolated._run
    monkeypatch.setattr(isolated, "_run", lambda *a: runs.append(a) or real(*a))
    path = tmp_path / "o.xlsx"
    path.write_bytes((h.EXAMPLES / "ExportOrderList202611301200.xlsx").read_bytes())
    ws = workspace.open_workspace(tmp_path / "ws")
    from shopsight.ingest import inspect_file

    assert inspect_file(path, path.name).kind == "orders"
    assert load_file(ws, path, path.name).rows_loaded == 806
    assert len(runs) == 1
    f.write_xlsx(path, {"S": [h.EVENTS, ["u1", "view", "2026-11-01 10:00", "PC"]]})
    assert load_file(ws, path, path.name).kind == "events"
    assert len(runs) == 2


def test_a_refused_file_is_not_read_again_on_every_rerun(monkeypatch, corpus):
    runs = []
    real = isolated._run
    monkeypatch.setattr(isolated, "_run", lambda *a: runs.append(a) or real(*a))
    path = corpus["spreadsheetml_row_index"]
    for _ in range(3):
        with pytest.raises(IngestError, match="reaches row 100,000,000"):
            isolated.read_workbook(path)
    assert len(runs) == 1
