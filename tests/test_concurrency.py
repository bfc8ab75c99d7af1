"""Readers and loaders at the same time on one shared connection (one per process),
as the app runs them: a cursor per session thread, loads in transactions.

Bounded loops; a few seconds on 2 cores."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

from shopsight import queries, workspace

ROOT = Path(__file__).resolve().parent.parent
READERS = 6
VERSIONS = {workspace.FILE: 12, workspace.DUCKLAKE: 4}  # loads per writer (a lake commit is slower)
MAX_READS = 4000  # per reader: the loops are bounded even if a writer stalls


def version_table(k: int) -> pa.Table:
    """Version k: 500 + 97k order lines of amount k + 1, so (count, sum) differs per version."""
    n = 500 + 97 * k
    table = pa.table(
        {
            "order_id": [f"v{k}-{i}" for i in range(n)],
            "order_time": pa.array(
                [1_793_000_000_000_000 + i for i in range(n)], pa.timestamp("us")
            ),
            "paid_amount": pa.array([float(k + 1)] * n),
            "province": ["浙江省"] * n,
        }
    )
    # every third version carries an extra column, so loads also change the table's columns
    return table.append_column("备注", pa.array(["x"] * n)) if k % 3 == 0 else table


def expected(k: int) -> tuple[int, float]:
    n = 500 + 97 * k
    return n, float(n * (k + 1))


@pytest.fixture(params=[workspace.FILE, workspace.DUCKLAKE])
def shared(request, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPSIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHOPSIGHT_BACKEND", request.param)
    ws = workspace.open_workspace("team")
    assert ws.backend == request.param
    con = ws.connect()  # what st.cache_resource holds
    workspace.write_dataset(ws, "orders", version_table(0), mode="replace", con=con.cursor())
    yield ws, con, VERSIONS[request.param]
    con.close()


def test_readers_see_whole_versions_while_loads_replace_the_dataset(shared):
    ws, con, versions = shared
    allowed = {expected(k) for k in range(2 * versions + 1)}
    done = threading.Event()
    errors: list[BaseException] = []
    seen: list[set] = [set() for _ in range(READERS)]
    reads = [0] * READERS
    start = threading.Barrier(READERS + 2)

    def reader(i: int) -> None:
        cur = con.cursor()
        try:
            start.wait()
            while not done.is_set() and reads[i] < MAX_READS:
                # one statement: the table and its load record come from one snapshot
                count, total, loaded, rolled = cur.execute(
                    "select (select count(*) from orders), (select sum(paid_amount) from orders), "
                    "(select sum(rows_loaded) from _loads where kind = 'orders' and active), "
                    "(select sum(count_lines) from rollup_orders_daily_region)"
                ).fetchone()
                seen[i].add((count, total))
                assert (count, total) in allowed, (count, total)
                assert loaded == count and rolled == count  # load record and rollup move with it
                if reads[i] % 25 == 0:  # a named page query on the same cursor
                    bounds = queries.run(cur, "date_bounds").set_index("kind")
                    assert (int(bounds.loc["orders", "count_rows"]),) in {(a,) for a, _ in allowed}
                reads[i] += 1
                time.sleep(0.001)  # leave the 2 cores some room for the loaders
        except BaseException as e:
            errors.append(e)
        finally:
            cur.close()

    def writer(offset: int) -> None:
        cur = con.cursor()  # each load on its own cursor, like each session's
        try:
            start.wait()
            for k in range(1 + offset, 2 * versions + 1, 2):
                workspace.write_dataset(
                    ws, "orders", version_table(k), mode="replace", file=f"v{k}.csv", con=cur
                )
        except BaseException as e:
            errors.append(e)
        finally:
            cur.close()

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    threads += [threading.Thread(target=writer, args=(w,)) for w in (0, 1)]  # two loaders at once
    for t in threads:
        t.start()
    for t in threads[READERS:]:
        t.join(timeout=60)
    done.set()
    for t in threads[:READERS]:
        t.join(timeout=60)

    assert not errors, errors[:3]
    assert all(n > 0 for n in reads)
    # readers really ran while loads happened: together they saw several versions
    assert len(set().union(*seen)) >= 2
    cur = con.cursor()
    final = cur.execute("select count(*), sum(paid_amount) from orders").fetchone()
    loads = cur.execute(
        "select count(*), count(*) filter (where active) from _loads where kind = 'orders'"
    ).fetchone()
    cur.close()
    assert final in {
        expected(2 * versions - 1),
        expected(2 * versions),
    }  # the last of either writer
    assert loads == (2 * versions + 1, 1)  # every load recorded, exactly one active


def test_second_process_cannot_open_a_workspace_held_for_writing(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPSIGHT_BACKEND", workspace.FILE)
    ws = workspace.open_workspace(tmp_path / "held")
    con = ws.connect()
    try:
        code = (
            "from shopsight import workspace\n"
            f"ws = workspace.open_workspace({str(ws.path)!r})\n"
            "try:\n    ws.connect()\n"
            "except workspace.WorkspaceBusyError as e:\n    print('busy:', e)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
    finally:
        con.close()
    assert out.stdout.startswith("busy: the workspace"), out.stdout + out.stderr
    assert f"is open in process {os.getpid()} (" in out.stdout  # the holder: this process


def test_a_failed_load_reports_its_own_error_and_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPSIGHT_BACKEND", workspace.FILE)
    ws = workspace.open_workspace(tmp_path / "fail")
    workspace.write_dataset(ws, "orders", version_table(1))
    bad = version_table(2).set_column(2, "paid_amount", pa.array(["not a number"] * 694))
    with pytest.raises(Exception, match="not a number"):  # the cast error, not a rollback error
        workspace.write_dataset(ws, "orders", bad)
    con = ws.connect(read_only=True)
    try:
        assert con.execute("select count(*), sum(paid_amount) from orders").fetchone() == expected(
            1
        )
    finally:
        con.close()
