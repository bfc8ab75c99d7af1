"""The bench scripts run end to end at a toy size, so they never rot.

No timing is asserted (speed is what the scripts print); the generator's workspace is
checked for what the benchmarks rely on: exact sizes, and traffic / products / regions
that add up to the order lines they were summed from.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from shopsight import queries, teams, workspace

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

import datagen  # noqa: E402

ROWS = 3000


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """One directory of toy workspaces shared by the scripts (built once, then cached)."""
    return tmp_path_factory.mktemp("bench_ws")


def run(*args: str, timeout: int = 180) -> str:
    proc = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


def test_datagen_builds_a_consistent_workspace_and_caches_it(out, monkeypatch):
    path = datagen.ensure(ROWS, out=out, verbose=False)
    assert path == datagen.workspace_path(ROWS, out)
    monkeypatch.setenv("SHOPSIGHT_DATA_DIR", str(out))  # the app finds it as a team: ?ws=<id>
    assert teams.resolve_team(datagen.workspace_name(ROWS)).path == path
    con = workspace.open_workspace(path).connect(read_only=True)
    try:
        counts = dict(
            con.execute(
                "select 'orders', count(*) from orders union all "
                "select 'events', count(*) from events union all "
                "select 'image_tests', count(distinct test_id) from image_tests"
            ).fetchall()
        )
        assert counts == {"orders": ROWS, "events": ROWS // 2, "image_tests": 3}
        provinces, sources, devices = con.execute(
            "select count(distinct province), count(distinct source), count(distinct device) "
            "from orders"
        ).fetchone()
        assert provinces <= 34 and provinces >= 20
        assert sources == 10 and devices == 2
        assert (
            con.execute(
                "select count(*) from orders where province not in (select unnest($p))",
                {"p": list(datagen.PROVINCE_WEIGHTS)},
            ).fetchone()[0]
            == 0
        )
        # traffic and products are sums of the order lines
        order_paid, traffic_paid, product_paid, region_paid = con.execute("""
            select (select sum(paid_amount) from orders), (select sum(paid_amount) from traffic),
                   (select sum(paid_amount) from products), (select sum(paid_amount) from regions)
        """).fetchone()
        assert traffic_paid == pytest.approx(order_paid, rel=1e-12)
        assert product_paid == pytest.approx(order_paid, rel=1e-12)
        assert region_paid == pytest.approx(order_paid, rel=1e-12)
        units, traffic_buyers, order_buyers = con.execute("""
            select
                (select sum(units_sold) from products),
                (select sum(paying_buyers) from traffic),
                (select count(*) from (
                    select distinct cast(order_time as date), source, device, buyer_id
                    from orders where paid_amount > 0))
        """).fetchone()
        assert (
            units
            == con.execute("select sum(quantity) from orders where paid_amount > 0").fetchone()[0]
        )
        assert traffic_buyers == order_buyers
        # every order's lines share its time, buyer and place
        assert (
            con.execute("""
            select count(*) from (
                select order_id from orders group by order_id
                having count(distinct (order_time, buyer_id, province, source, device)) > 1)
        """).fetchone()[0]
            == 0
        )
        # the rollups were built by write_dataset, one table per queries/rollup_*.sql
        built = {
            r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
        }
        assert set(queries.names("rollup_")) <= built
    finally:
        con.close()
    db = path / workspace.DB_FILE
    mtime = db.stat().st_mtime_ns
    assert datagen.ensure(ROWS, out=out, verbose=False) == path
    assert db.stat().st_mtime_ns == mtime  # cached: not rebuilt


def test_ingest_script_times_every_part_of_a_load(tmp_path):
    stdout = run(
        str(BENCH / "ingest.py"),
        *("--rows", "3000", "--xlsx-rows", "300", "--repeat", "1", "--out", str(tmp_path)),
    )
    for part in ("read + type", "rollups", "table write", "merge adds", "rollups refreshed"):
        assert part in stdout, stdout
    # each order rollup is timed where the load builds it (for the CSV, the workbook and
    # the day's file with the rollups rebuilt; a refresh builds none): a patch that misses
    # the backend's call would print none
    timed = re.findall(r"^\s+(rollup_\w+)\s", stdout, flags=re.M)
    assert sorted(timed) == sorted(queries.names("rollup_orders_") * 3), stdout


def test_datagen_is_deterministic(tmp_path):
    a = datagen.build(tmp_path / "a", 500)
    b = datagen.build(tmp_path / "b", 500)
    assert a.keys() == b.keys()
    sums = []
    for name in ("a", "b"):
        con = workspace.open_workspace(tmp_path / name).connect(read_only=True)
        sums.append(
            con.execute("select sum(paid_amount), string_agg(order_id, ',') from orders").fetchone()
        )
        con.close()
    assert sums[0] == sums[1]


def test_scale_script_runs_two_sizes(out):
    stdout = run(
        str(BENCH / "scale.py"),
        "--rows",
        "2000",
        str(ROWS),
        "--runs",
        "1",
        "--pages",
        "regions",
        "--out",
        str(out),
    )
    for text in (
        "=== 2,000 order lines",
        f"=== {ROWS:,} order lines",
        "page view",
        "heavy question",
        "distinct buyers by province",
        "=== growth",
        "peak RSS",
    ):
        assert text in stdout, stdout
    assert "FAILED" not in stdout, stdout
    # pandas and the naive SQL agree on every heavy question, at both sizes
    for title in ("KPI sums", "distinct buyers by province", "SKU ranking top-50", "daily trend"):
        rows = [line for line in stdout.splitlines() if line.startswith(title + " ")]
        assert sum(line.rstrip().endswith("  ok") for line in rows) == 2, stdout


def test_customers_script_runs(out):
    stdout = run(str(BENCH / "customers.py"), "--rows", str(ROWS), "--runs", "1", "--out", str(out))
    rows = [line for line in stdout.splitlines() if line.startswith(("cohorts ", "rfm "))]
    assert len(rows) == 4, stdout
    assert all(line.endswith("  equal") for line in rows), stdout  # pandas agrees with the app


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")
def test_load_script_runs_a_short_session(out):
    pytest.importorskip("playwright")
    stdout = run(
        str(BENCH / "load.py"),
        "--rows",
        "2000",
        "--sessions",
        "1",
        "--seconds",
        "2",
        "--think",
        "0.1",
        "0.2",
        "--out",
        str(out),
    )
    updates = re.search(r"1 sessions, 2 s: (\d+) page updates", stdout)
    assert updates and int(updates.group(1)) >= 1, stdout
    assert "errors 0;" in stdout, stdout
    assert "server RSS peak" in stdout, stdout


def test_ingest_script_loads_a_day_into_a_workspace_with_an_event_log(out, tmp_path):
    path = datagen.ensure(ROWS, out=out, verbose=False)
    stdout = run(
        str(BENCH / "ingest.py"),
        *("--only", "daily", "--rows", "3000", "--repeat", "1", "--out", str(tmp_path)),
        *("--into", str(path)),
    )
    assert f"into {ROWS:,} order lines" in stdout, stdout
    assert f"A day's event log again, into {ROWS // 2:,} events" in stdout, stdout
    assert stdout.count("rollups refreshed") == 2, stdout
