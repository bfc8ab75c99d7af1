"""Processes racing on one workspace whose DuckLake catalog is in a real PostgreSQL.

Each racer is its own Python process (as app replicas are): it gets ready, waits for a
shared start signal, then does its part at the same moment as the other. The browser
test with two app servers is tests/e2e/test_replicas.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import small_tables

from shopsight import teams, workspace

ROOT = Path(__file__).resolve().parent.parent

RACER = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from conftest import small_tables
from shopsight import workspace

path, go, kind = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
ws = workspace.Workspace(path, workspace.DUCKLAKE)
table = small_tables()[kind] if kind != "-" else None
print("ready", flush=True)
while not go.exists():
    time.sleep(0.002)
con = ws.connect()
if table is not None:
    workspace.write_dataset(ws, kind, table, file=kind + ".csv", con=con.cursor())
print(json.dumps(sorted(workspace.table_names(con))), flush=True)
con.close()
"""


@pytest.fixture
def lake(postgres, tmp_path, monkeypatch):
    env = {
        "SHOPSIGHT_DATA_DIR": str(tmp_path / "data"),
        "SHOPSIGHT_BACKEND": "ducklake",
        "SHOPSIGHT_DUCKLAKE_CATALOG": f"postgres:{postgres}",
        "SHOPSIGHT_DUCKLAKE_DATA": str(tmp_path / "lakes"),
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return tmp_path


def race(path: Path, kinds: list[str], tmp: Path) -> list[str]:
    """Start one racer per kind ("-": only open the workspace); their last lines."""
    go = tmp / f"go-{time.monotonic_ns()}"
    script = RACER.format(tests=str(ROOT / "tests"))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(path), str(go), kind],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for kind in kinds
    ]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    go.touch()
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err[-3000:]
        outs.append((out.strip().splitlines() or [""])[-1])
    return outs


def test_two_processes_opening_a_new_workspace_at_once_both_get_it(lake):
    """Both initialise the lake and create its tables at the same moment: the slower one
    waits for the other's (PostgreSQL names are unique) instead of failing."""
    path = lake / "data" / "teams" / "new"
    first, second = race(path, ["-", "-"], lake)
    assert first == second
    con = workspace.Workspace(path, workspace.DUCKLAKE).connect(read_only=True)
    try:
        tables = workspace.table_names(con)
    finally:
        con.close()
    assert set(workspace.schema.KINDS) | {"_loads", "_mappings", "_settings", "_rollups"} <= tables
    assert {t for t in tables if t.startswith("rollup_")}


def test_loads_of_two_datasets_from_two_processes_both_land(lake):
    """Both loads write _loads and rollups, so their commits conflict; the later one runs
    again on top of the other (shopsight/conflicts.py) and both datasets are there."""
    team = teams.create_team("race")
    race(team.workspace.path, ["orders", "traffic"], lake)
    expected = small_tables()
    con = team.workspace.connect(read_only=True)
    try:
        for kind in ("orders", "traffic"):
            assert con.execute(f"select count(*) from {kind}").fetchone() == (
                expected[kind].num_rows,
            )
        loads = con.execute(
            "select load_id, kind, rows_loaded from _loads where active order by kind"
        ).fetchall()
        rolled = con.execute("select sum(count_lines) from rollup_orders_daily_region").fetchone()[
            0
        ]
    finally:
        con.close()
    assert [(k, n) for _, k, n in loads] == [
        ("orders", expected["orders"].num_rows),
        ("traffic", expected["traffic"].num_rows),
    ]
    assert len({i for i, _, _ in loads}) == 2  # two load ids, not one taken twice
    assert rolled == expected["orders"].num_rows
