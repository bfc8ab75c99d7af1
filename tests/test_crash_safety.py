"""A load killed with SIGKILL leaves the previous dataset or the new one, never a part.

The ingest runs in a real subprocess (`python -m shopsight ingest`) on a large file
and is killed at different moments: while parsing, inside the write transaction and
after it.  Each time the workspace must open and answer with exactly one of the two
known (rows, sum) pairs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from shopsight import workspace

ROOT = Path(__file__).resolve().parent.parent


def _orders_csv(path: Path, n: int, seed: int) -> float:
    """Write an order export of n lines; return its paid total."""
    rng = np.random.default_rng(seed)
    paid = np.round(rng.uniform(10, 500, n), 2)
    provinces = np.array(["广东省", "浙江省", "江苏省", "北京市", "四川省"])[rng.integers(0, 5, n)]
    start = np.datetime64("2026-09-01T00:00:00")
    times = start + rng.integers(0, 90 * 86400, n).astype("timedelta64[s]")
    with path.open("w", encoding="utf-8") as f:
        f.write("订单编号,买家会员名,订单创建时间,买家实付金额,省份,订单状态\n")
        for i in range(n):
            ts = str(times[i]).replace("T", " ")
            f.write(f"{seed}{i:012d},buyer{i % 5000},{ts},{paid[i]:.2f},{provinces[i]},交易成功\n")
    return float(np.round(paid.sum(), 2))


def _state(ws_dir: Path) -> tuple[int, float]:
    con = workspace.open_workspace(ws_dir).connect(read_only=True)
    try:
        rows, total = con.execute(
            "select count(*), coalesce(round(sum(paid_amount), 2), 0) from orders"
        ).fetchone()
        return int(rows), float(total)
    finally:
        con.close()


def _ingest(ws_dir: Path, path: Path, mode: str = "replace") -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shopsight",
            "ingest",
            str(path),
            "--workspace",
            str(ws_dir),
            "--mode",
            mode,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_sigkill_mid_load_leaves_old_or_new_dataset(tmp_path):
    ws_dir = tmp_path / "ws"
    old_csv, new_csv = tmp_path / "old.csv", tmp_path / "new.csv"
    old = (2_000, _orders_csv(old_csv, 2_000, seed=1))
    new = (120_000, _orders_csv(new_csv, 120_000, seed=2))

    proc = _ingest(ws_dir, old_csv)
    assert proc.wait(timeout=120) == 0
    assert _state(ws_dir) == old

    # how long a full load takes here, to spread the kills over its whole length
    t0 = time.monotonic()
    scratch = tmp_path / "scratch"
    assert _ingest(scratch, new_csv).wait(timeout=300) == 0
    full = time.monotonic() - t0
    assert _state(scratch) == new

    seen = set()
    for fraction in (0.2, 0.5, 0.75, 0.9, 0.97):
        proc = _ingest(ws_dir, new_csv)
        time.sleep(full * fraction)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        state = _state(ws_dir)  # the file must open, whatever moment the kill hit
        assert state in (old, new), f"partial dataset after a kill at {fraction:.0%}: {state}"
        seen.add(state)
        if state == new:
            # put the old dataset back so the next kill can show a difference again
            assert _ingest(ws_dir, old_csv).wait(timeout=120) == 0
    assert old in seen
