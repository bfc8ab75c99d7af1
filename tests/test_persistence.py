"""Data outlives the process: a new process (the CLI) sees what this one loaded and closed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from shopsight import teams, workspace

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "shopsight", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(params=[workspace.FILE, workspace.DUCKLAKE])
def backend_env(request, data_dir, monkeypatch):
    monkeypatch.setenv("SHOPSIGHT_BACKEND", request.param)
    return {**os.environ, "SHOPSIGHT_DATA_DIR": str(data_dir), "SHOPSIGHT_BACKEND": request.param}


def test_new_process_sees_a_team_loaded_here(backend_env):
    team = teams.create_team("华东店")
    table = pa.table(
        {
            "order_id": ["a", "b", "c"],
            "order_time": pa.array([1_793_000_000_000_000] * 3, pa.timestamp("us")),
            "paid_amount": [10.5, 20.0, 30.25],
            "province": ["浙江省", "浙江省", "广东省"],
        }
    )
    con = team.workspace.connect()
    try:
        workspace.write_dataset(
            team.workspace, "orders", table, file="orders.csv", con=con.cursor()
        )
    finally:
        con.close()

    out = run_cli(
        "sql",
        "select province, sum(paid_amount) as paid from orders group by 1 order by 1",
        "--workspace",
        str(team.workspace.path),
        "--json",
        env=backend_env,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [
        {"province": "广东省", "paid": 30.25},
        {"province": "浙江省", "paid": 30.5},
    ]

    out = run_cli("datasets", "-w", str(team.workspace.path), "--json", env=backend_env)
    assert out.returncode == 0, out.stderr
    assert [(d["kind"], d["rows"], d["files"]) for d in json.loads(out.stdout)] == [
        ("orders", 3, ["orders.csv"])
    ]

    # the registry too: the new process resolves the link id and knows the name
    code = (
        f"import json; from shopsight import teams; t = teams.get_team({team.id!r}); "
        "print(json.dumps([t.name, t.workspace.backend, [x.id for x in teams.list_teams()]]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=backend_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["华东店", backend_env["SHOPSIGHT_BACKEND"], [team.id]]


def test_a_load_in_a_new_process_is_seen_here(backend_env, tmp_path):
    team = teams.create_team("西区")
    csv = tmp_path / "订单.csv"
    csv.write_text(
        "订单编号,付款时间,实付金额,收货地址\n"
        "o1,2026-11-01 10:00:00,99.5,浙江省 杭州市 西湖区 某路1号\n"
        "o2,2026-11-02 11:00:00,50,广东省 广州市 天河区 某路2号\n",
        encoding="utf-8",
    )
    out = run_cli(
        "ingest",
        str(csv),
        "-w",
        str(team.workspace.path),
        "--kind",
        "orders",
        "--json",
        env=backend_env,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["files"][0]["rows_loaded"] == 2
    con = teams.resolve_team(team.id).connect(read_only=True)
    try:
        assert con.execute("select count(*), sum(paid_amount) from orders").fetchone() == (2, 149.5)
    finally:
        con.close()
