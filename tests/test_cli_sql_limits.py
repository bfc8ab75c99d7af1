"""The CLI's limits: `sql` runs one statement within a time limit and a row cap, workspace
names stay under the data directory, and a busy workspace is a message, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from shopsight import cli as cli_mod
from shopsight import workspace
from shopsight.cli import cli


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ws(data_dir, small_template):
    import shutil

    shutil.copytree(small_template, data_dir / "shop")
    return workspace.open_workspace("shop")


@pytest.mark.parametrize(
    ("statement", "said"),
    [
        ("", "give one SQL statement, e.g."),
        ("   ;  ", "give one SQL statement, e.g."),
        ("select 1; select 2", "give one SQL statement at a time (this text holds 2)"),
        ("select 1; drop table orders", "give one SQL statement at a time (this text holds 2)"),
    ],
)
def test_sql_takes_exactly_one_statement(ws, statement, said):
    code, out, err = run("sql", statement, "-w", "shop")
    assert code == 1 and out == "" and said in err
    assert "Traceback" not in err and "NoneType" not in err


def test_sql_stops_at_its_time_limit(ws):
    start = time.monotonic()
    code, out, err = run(
        "sql",
        "select sum(a.range * b.range) from range(200000) a, range(200000) b",
        "-w",
        "shop",
        "--timeout",
        "0.5",
    )
    took = time.monotonic() - start
    assert code == 1 and "took longer than 0.5 s (--timeout) and was stopped" in err
    assert took < 10


def test_sql_caps_the_rows_it_prints(ws):
    code, out, err = run(
        "sql", "select range as n from range(25)", "-w", "shop", "--max-rows", "10"
    )
    assert code == 0 and out.split() == [str(i) for i in range(10)]
    assert "only the first 10 rows are shown (--max-rows)" in err
    code, out, err = run("sql", "select range as n from range(25)", "-w", "shop")
    assert code == 0 and len(out.split()) == 25 and err == ""
    assert cli_mod.SQL_MAX_ROWS == 10_000 and cli_mod.SQL_TIMEOUT_S == 30


def test_workspace_names_stay_under_the_data_directory(data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outside = {p for p in tmp_path.rglob("*")}
    for name in ("teams/../../x", "a/../../x", "teams/t/../../../y"):
        code, _, err = run("ingest", __file__, "-w", name)
        assert code == 2 and "leads outside the data directory" in err, (name, err)
    assert {p for p in tmp_path.rglob("*")} == outside
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    # a name under it and an explicit path both still work
    assert workspace.resolve("teams/abc") == data_dir / "teams" / "abc"
    assert workspace.resolve("./here").resolve() == tmp_path / "here"
    assert workspace.resolve(str(tmp_path / "abs")) == tmp_path / "abs"


HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(60)
"""


def test_a_busy_workspace_waits_then_names_the_holder(ws, monkeypatch):
    monkeypatch.setattr(cli_mod, "BUSY_WAIT_S", 0.6)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(ws.db_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        for args in (
            ("datasets", "-w", "shop"),
            ("sql", "select 1", "-w", "shop"),
            ("ingest", __file__, "-w", "shop"),
        ):
            code, _, err = run(*args)
            assert code == 1, err
            assert f"is open in process {holder.pid} (" in err and "waited 0.6 s" in err
            assert "Traceback" not in err and err.count("\n") == 1
        assert time.monotonic() - start >= 3 * 0.6
    finally:
        holder.kill()
        holder.wait()
    code, out, _ = run("sql", "select 1 as one", "-w", "shop")  # free again
    assert (code, out) == (0, "1\n")
    assert os.path.exists(ws.db_path)
