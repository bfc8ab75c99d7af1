"""Two app servers sharing one team workspace through a DuckLake catalog in a real PostgreSQL.

A PostgreSQL cluster of its own (scripts/pg_cluster.py: initdb + pg_ctl in a temp
directory, a unix socket there, run as `nobody` when the tests run as root) holds the
catalog; the Parquet files go to one local directory both servers write. Two
`streamlit run app.py` processes on their own ports serve the same `?ws=` link, and
chromium drives both:

- an upload through one replica shows on the other's next rerun;
- two uploads of the same dataset through both replicas at the same moment both land,
  one after the other: the table is exactly one of the two files, its rollups agree;
- a replica killed (SIGKILL) while its load has written Parquet but not committed leaves
  the catalog as it was, and the other replica goes on serving and loading.

Skips when PostgreSQL's server binaries or the duckdb-extension-postgres-scanner package
are missing, unless SHOPSIGHT_REQUIRE_POSTGRES is set (CI), where it fails instead (the
`postgres` fixture in tests/conftest.py).
"""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import duckdb
import pandas as pd
import pytest

from shopsight import metrics, queries, teams
from shopsight.ui.kpi_cards import card_value
from shopsight.ui.upload import file_slug
from shopsight.workspace import lake as backends
from tests.e2e.conftest import ROOT, _free_port, shot
from tests.e2e.streamlit_page import metric_values, no_exception, wait_for_change, wait_idle

sys.path.insert(0, str(ROOT / "bench"))

import ingest as bench_ingest  # noqa: E402  (the bench's order-export generator)

pytestmark = pytest.mark.e2e

START_TIMEOUT_S = 180
UPLOADER = '[data-testid="stFileUploader"] input[type="file"]'


def _orders_csv(path: Path, rows: int, tag: str) -> Path:
    """A Taobao order export (the bench's generator) whose order ids start with `tag`."""
    con = duckdb.connect()
    try:
        con.execute(
            f'copy (select * replace (\'{tag}\' || "订单编号" as "订单编号") from '
            f"(select {bench_ingest._select_out()} from ({bench_ingest._rows_sql(rows)}))) "
            f"to '{path}' (header, delimiter ',', quote '\"')"
        )
    finally:
        con.close()
    return path


class Replica:
    """`streamlit run app.py` on its own port, in its own process group (to be killed)."""

    def __init__(self, name: str, env: dict, log_dir: Path):
        self.name, self.port = name, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not become healthy")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


@pytest.fixture(scope="module")
def lake_env(postgres, tmp_path_factory):
    """Environment of both replicas (and of this process, to read the catalog) + a team."""
    root = tmp_path_factory.mktemp("replicas")
    env = {
        "SHOPSIGHT_DATA_DIR": str(root / "data"),  # the shared team registry
        "SHOPSIGHT_BACKEND": "ducklake",
        "SHOPSIGHT_DUCKLAKE_CATALOG": f"postgres:{postgres}",
        "SHOPSIGHT_DUCKLAKE_DATA": str(root / "lakes"),  # the shared Parquet files
    }
    mp = pytest.MonkeyPatch()
    for k, v in env.items():
        mp.setenv(k, v)
    team = teams.create_team("replicas")
    yield env, team, root
    mp.undo()


@pytest.fixture(scope="module")
def replicas(lake_env):
    env, _, root = lake_env
    full = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    full.pop("SHOPSIGHT_WORKSPACE", None)
    servers = [Replica(name, full, root) for name in ("replica_a", "replica_b")]
    try:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            list(pool.map(Replica.wait_ready, servers))
        yield servers
    finally:
        for s in servers:
            s.stop()


def _catalog(team) -> dict:
    """What the catalog holds now, read by this process (a third client of the lake)."""
    con = team.workspace.connect(read_only=True)
    try:
        ids = {r[0] for r in con.execute("select order_id from orders").fetchall()}
        lines, paid = con.execute(
            "select count(*), coalesce(sum(paid_amount) filter (where paid), 0) from orders"
        ).fetchone()
        r_lines, r_paid = con.execute(
            "select coalesce(sum(count_lines), 0), coalesce(sum(paid_amount), 0) "
            "from rollup_orders_daily_region"
        ).fetchone()
        loads = con.execute(
            "select load_id, file, rows_loaded, active from _loads where kind = 'orders' "
            "order by load_id"
        ).fetchall()
        files = {
            Path(r[0]).name
            for r in con.execute(
                f"select data_file from ducklake_list_files('{backends.LAKE}', 'orders')"
            ).fetchall()
        }
    finally:
        con.close()
    return {
        "ids": ids,
        "lines": lines,
        "paid": paid,
        "rollup_lines": r_lines,
        "rollup_paid": r_paid,
        "loads": loads,
        "files": files,
    }


def _assert_consistent(cat: dict) -> None:
    """The table, its rollup and its load record say the same thing."""
    assert cat["rollup_lines"] == cat["lines"] == len(cat["ids"])
    assert cat["rollup_paid"] == cat["paid"]  # paid orders' money, DECIMAL on both sides
    active = [r for r in cat["loads"] if r[3]]
    # uploads merge: each file's order ids are its own, so every load keeps all its rows
    assert sum(r[2] for r in active) == cat["lines"], cat["loads"]
    assert len({r[0] for r in cat["loads"]}) == len(cat["loads"])  # load ids never shared


def _cards_from_catalog(team, url: str, shown: dict) -> dict[str, str]:
    """The Overview's cards for the period in the page's link, from this process's own
    read of the catalog (the query the page runs, formatted as the cards are)."""
    period = parse_qs(urlparse(url).query)
    con = team.workspace.connect(read_only=True)
    try:
        sums = queries.run(
            con.cursor(),
            "overview_kpis_orders",
            start=date.fromisoformat(period["start"][0]),
            end=date.fromisoformat(period["end"][0]),
            src=None,
            dev=None,
            prov=None,
            plat=None,
            cur=None,
        ).iloc[0]
    finally:
        con.close()
    by_label = {metrics.label(n, "zh"): n for n in metrics.METRICS}
    assert shown and set(shown) <= set(by_label), shown
    return {k: card_value(by_label[k], metrics.value(by_label[k], sums), "zh") for k in shown}


def _csv_ids(path: Path) -> set[str]:
    return set(pd.read_csv(path, dtype=str, usecols=["订单编号"])["订单编号"])


def _open(ctx, url: str):
    page = ctx.new_page()
    page.goto(url)
    wait_idle(page, timeout_s=240)
    no_exception(page)
    return page


def _load_button(page, path: Path):
    """The load button of this file's section (earlier uploads keep theirs)."""
    return page.locator(f".st-key-data_load_{file_slug(path.name, path.stat().st_size)} button")


def _choose(page, path: Path) -> None:
    page.locator(UPLOADER).set_input_files(str(path))
    wait_idle(page)
    no_exception(page)
    _load_button(page, path).wait_for()


def _rerun(page) -> None:
    """The user's next rerun of the same session: Streamlit's rerun key."""
    page.locator("body").press("r")
    wait_idle(page)
    no_exception(page)


def _errors(page) -> list[str]:
    return page.locator('[data-testid="stAlertContentError"]').all_inner_texts()


def test_two_replicas_share_a_postgres_catalog(lake_env, replicas, context_factory, tmp_path):
    _, team, _ = lake_env
    a, b = replicas
    ws = f"?ws={team.id}"
    first = _orders_csv(tmp_path / "orders_first.csv", 1500, "F")
    from_a = _orders_csv(tmp_path / "orders_from_a.csv", 2500, "A")
    from_b = _orders_csv(tmp_path / "orders_from_b.csv", 3500, "B")
    big = _orders_csv(tmp_path / "orders_big.csv", 8000, "K")
    ctx = context_factory("zh-CN")

    # 1. an upload through A shows on B's next rerun (B's session is already open)
    b_overview = _open(ctx, f"{b.url}/{ws}")
    before = metric_values(b_overview)
    a_data = _open(ctx, f"{a.url}/data{ws}")
    _choose(a_data, first)
    _load_button(a_data, first).click()
    wait_idle(a_data)
    no_exception(a_data)
    assert not _errors(a_data)
    cat = _catalog(team)
    assert cat["ids"] == _csv_ids(first)
    _assert_consistent(cat)
    _rerun(b_overview)
    shown = wait_for_change(lambda: metric_values(b_overview), before)
    assert shown == _cards_from_catalog(team, b_overview.url, shown)
    shot(b_overview, "replica_b_sees_a_upload")

    # 2. both replicas load orders at the same moment: both land (merged), one after the other
    b_data = _open(ctx, f"{b.url}/data{ws}")
    _choose(a_data, from_a)
    _choose(b_data, from_b)
    _load_button(a_data, from_a).click()
    _load_button(b_data, from_b).click()
    for page in (a_data, b_data):
        wait_idle(page)
        no_exception(page)
        assert not _errors(page)
    cat = _catalog(team)
    _assert_consistent(cat)
    landed = [r[1] for r in cat["loads"]]
    assert sorted(landed[-2:]) == [from_a.name, from_b.name]
    # every order of both files and of the first one, each once
    assert cat["ids"] == _csv_ids(first) | _csv_ids(from_a) | _csv_ids(from_b)
    settled = cat
    races = sum(r.log_path.read_text(errors="replace").count("lost a commit race") for r in (a, b))
    print(f"the two loads overlapped: {races} lost commit race(s), run again")
    _rerun(b_overview)
    settled_cards = metric_values(b_overview)
    assert settled_cards == _cards_from_catalog(team, b_overview.url, settled_cards)

    # 3. A is killed while its load has written Parquet files but not committed them
    orders_dir = Path(backends.location(team.workspace).data_path) / "main" / "orders"
    _choose(a_data, big)
    on_disk = {p.name for p in orders_dir.glob("*.parquet")}
    _load_button(a_data, big).click()
    deadline = time.monotonic() + 120
    while not {p.name for p in orders_dir.glob("*.parquet")} - on_disk:
        assert time.monotonic() < deadline, "replica A never started writing the load"
        time.sleep(0.01)
    a.kill()
    written = {p.name for p in orders_dir.glob("*.parquet")} - on_disk
    cat = _catalog(team)
    assert cat == settled  # not a row, file or load record of the killed load
    assert written and not written & cat["files"]  # its Parquet files are orphans

    _rerun(b_overview)  # B goes on serving ...
    assert metric_values(b_overview) == settled_cards
    _choose(b_data, big)  # ... and loading
    _load_button(b_data, big).click()
    wait_idle(b_data, timeout_s=180)
    no_exception(b_data)
    assert not _errors(b_data)
    cat = _catalog(team)
    _assert_consistent(cat)
    assert cat["ids"] == settled["ids"] | _csv_ids(big)
    for r in (a, b):
        assert "Traceback" not in r.log_path.read_text(errors="replace"), r.name

    # the killed load's files stay until removed as orphans (docs/hosting.md), and only they go
    con = team.workspace.connect()
    try:
        con.execute(f"call ducklake_delete_orphaned_files('{backends.LAKE}', cleanup_all => true)")
    finally:
        con.close()
    assert not written & {p.name for p in orders_dir.glob("*.parquet")}
    assert _catalog(team) == cat
