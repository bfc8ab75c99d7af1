"""Shared fixtures: small workspaces built through workspace.write_dataset.

`small_ws` holds every dataset kind with hand-computable values:
- traffic: 2026-10-01..2026-11-30, daily rows per source × device, spend on 直通车,
  plus one 7-day period row (淘宝客, 2026-11-01..07) to exercise the period rule;
- products: 4 products in 2 categories, daily, with refunds;
- orders: 3 order lines a day with buyers, provinces, sources and devices;
- regions, image_tests, inquiries, events: a few rows each.

The app opens a workspace the way a browser does, by a team link `?ws=<id>` through the
sign-in gate.  `app("small")` finds the team named "small" (small_ws and empty_ws are
made with teams.create_team); a workspace a test built as a directory under
SHOPSIGHT_DATA_DIR is first registered as a team in place (`adopt`).  Any other value
goes into the link as it is (bad links).
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from shopsight import teams, workspace

FIRST_DAY = date(2026, 10, 1)
LAST_DAY = date(2026, 11, 30)
SOURCES = ("手淘搜索", "直通车", "直接访问")
DEVICES = ("无线", "PC")
PRODUCTS = (
    ("p1", "纯棉T恤", "T恤"),
    ("p2", "速干T恤", "T恤"),
    ("p3", "连帽卫衣", "卫衣"),
    ("p4", "加绒卫衣", "卫衣"),
)
PROVINCES = ("浙江省", "广东省", "北京市", "四川省")


def _days():
    d = FIRST_DAY
    while d <= LAST_DAY:
        yield d
        d += timedelta(days=1)


def small_tables() -> dict[str, pa.Table]:
    traffic, products, orders, regions, events = [], [], [], [], []
    for i, d in enumerate(_days()):
        for s, src in enumerate(SOURCES):
            for k, dev in enumerate(DEVICES):
                visitors = 100 + 10 * s + 40 * (1 - k) + i
                paying = 2 + s + (i % 5) + (1 - k) + i // 15
                traffic.append(
                    {
                        "date": d,
                        "date_end": d,
                        "source": src,
                        "device": dev,
                        "visitors": visitors,
                        "page_views": 3 * visitors,
                        "add_to_cart_buyers": visitors // 10,
                        "paying_buyers": paying,
                        "paid_amount": paying * (80.0 + 5 * s + k),
                        "orders": paying,
                        "spend": (50.0 + i) if src == "直通车" else None,
                    }
                )
        for j, (pid, name, cat) in enumerate(PRODUCTS):
            units = 1 + (i + j) % 4
            products.append(
                {
                    "date": d,
                    "date_end": d,
                    "product_id": pid,
                    "product_name": name,
                    "category": cat,
                    "visitors": 50 + 5 * j + i,
                    "paying_buyers": units,
                    "units_sold": units,
                    "paid_amount": units * (60.0 + 30 * j),
                    "refund_amount": 60.0 if (i + j) % 7 == 0 else 0.0,
                    "unit_cost": 25.0 + 10 * j,
                }
            )
        for n in range(3):
            pid, name, _ = PRODUCTS[(i + n) % 4]
            orders.append(
                {
                    "order_id": f"o{i:03d}{n}",
                    "order_time": datetime(d.year, d.month, d.day, 9 + 4 * n),
                    "buyer_id": f"b{(i * 3 + n) % 40:02d}",
                    "product_id": pid,
                    "product_name": name,
                    "quantity": 1 + n,
                    "paid_amount": 0.0 if (i + n) % 11 == 0 else 99.0 + 20 * n,
                    "refund_amount": 99.0 if (i + n) % 13 == 0 else 0.0,
                    "status": "交易成功",
                    "province": PROVINCES[(i + n) % 4],
                    "city": None,
                    "source": SOURCES[n],
                    "device": DEVICES[(i + n) % 2],
                }
            )
        if d.day == 1:
            for p, prov in enumerate(PROVINCES):
                regions.append(
                    {
                        "date": d,
                        "date_end": (d.replace(day=28) + timedelta(days=4)).replace(day=1)
                        - timedelta(days=1),
                        "province": prov,
                        "visitors": 1000 - 100 * p,
                        "paying_buyers": 30 - 3 * p,
                        "paid_amount": 3000.0 - 200 * p,
                        "orders": 31 - 3 * p,
                    }
                )
        events.append(
            {
                "user_id": f"u{i % 9}",
                "event": "visit",
                "event_time": datetime(d.year, d.month, d.day, 10),
                "source": SOURCES[i % 3],
                "device": DEVICES[i % 2],
                "province": PROVINCES[i % 4],
                "product_id": "p1",
            }
        )
    # one 7-day total, as period exports have it
    traffic.append(
        {
            "date": date(2026, 11, 1),
            "date_end": date(2026, 11, 7),
            "source": "淘宝客",
            "device": "无线",
            "visitors": 700,
            "page_views": 2100,
            "add_to_cart_buyers": 70,
            "paying_buyers": 21,
            "paid_amount": 2100.0,
            "orders": 21,
            "spend": 300.0,
        }
    )
    image_tests = [
        {
            "test_id": "t1",
            "variant": v,
            "date": date(2026, 11, 5) + timedelta(days=n),
            "impressions": 1000 + 10 * n,
            "clicks": 30 + 5 * c + n,
            "is_control": v == "control",
        }
        for n in range(7)
        for c, v in enumerate(("control", "v2"))
    ]
    inquiries = [
        {
            "date": date(2026, 11, 1) + timedelta(days=n),
            "customer_id": f"c{n}",
            "channel": "旺旺",
            "closed": n % 3 == 0,
            "province": PROVINCES[n % 4],
            "amount": 500.0 * (n % 3 == 0),
        }
        for n in range(12)
    ]
    rows = {
        "traffic": traffic,
        "products": products,
        "orders": orders,
        "regions": regions,
        "image_tests": image_tests,
        "inquiries": inquiries,
        "events": events,
    }
    return {kind: pa.Table.from_pylist(r) for kind, r in rows.items()}


def build_small(ws: workspace.Workspace) -> workspace.Workspace:
    con = ws.connect()
    try:
        for kind, table in small_tables().items():
            workspace.write_dataset(ws, kind, table, file=f"{kind}.csv", con=con)
    finally:
        con.close()
    return ws


@pytest.fixture(scope="session")
def small_template(tmp_path_factory) -> Path:
    """Built once per test run; tests get a copy so they may write to it."""
    ws = workspace.open_workspace(tmp_path_factory.mktemp("template") / "small")
    build_small(ws)
    return ws.path


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    monkeypatch.setenv("SHOPSIGHT_DATA_DIR", str(path))
    monkeypatch.delenv("SHOPSIGHT_WORKSPACE", raising=False)
    return path


@pytest.fixture
def small_ws(data_dir, small_template) -> workspace.Workspace:
    """The small shop as the team workspace named "small" (`app("small")`)."""
    team = teams.create_team("small")
    shutil.copytree(small_template, team.workspace.path, dirs_exist_ok=True)
    return team.workspace


ORDER_EXPORT = (
    Path(__file__).resolve().parent / "fixtures" / "examples" / "ExportOrderList202611301200.xlsx"
)


@pytest.fixture(scope="session")
def orders_template(tmp_path_factory) -> Path:
    """A new owner's first upload, the Taobao order export alone, loaded through the upload
    path once per test run (tests get a copy)."""
    from shopsight.ingest import load_file

    ws = workspace.open_workspace(tmp_path_factory.mktemp("orders_template") / "orders")
    load_file(ws, ORDER_EXPORT.read_bytes(), ORDER_EXPORT.name)
    return ws.path


@pytest.fixture
def orders_ws(data_dir, orders_template) -> workspace.Workspace:
    """The orders-only shop as the team workspace named "orders" (`app("orders")`): no
    traffic, products, regions or other data; orders 2026-11-01..2026-11-30."""
    team = teams.create_team("orders")
    shutil.copytree(orders_template, team.workspace.path, dirs_exist_ok=True)
    return team.workspace


@pytest.fixture
def empty_ws(data_dir) -> workspace.Workspace:
    """The new team workspace named "empty": every table exists, none has rows."""
    return teams.create_team("empty").workspace


def adopt(path: Path) -> teams.Team:
    """Register a workspace directory a test built under the data directory as a team named
    after it.  The team's directory becomes a link to it: the test's path and the app's
    resolve to one file, so they share one database (a process opens a file only once)."""
    team = teams.create_team(path.name)
    home = team.workspace.path
    os.replace(home / teams.REGISTRY_FILE, path / teams.REGISTRY_FILE)
    shutil.rmtree(home)
    home.symlink_to(path.resolve(), target_is_directory=True)
    return team


def team_link(ws: str) -> str:
    """The `?ws=` value that opens test workspace `ws` (see the module docstring)."""
    named = [team for team in teams.list_teams() if team.name == ws]
    if named:
        return named[-1].id
    path = workspace.data_dir() / ws
    if (
        re.fullmatch(r"[A-Za-z0-9_-]{1,64}", ws)
        and ws != workspace.SAMPLE
        and not teams.is_valid_id(ws)
        and (path / workspace.DB_FILE).is_file()
    ):
        return adopt(path).id
    return ws


def shown(markdown: str) -> str:
    """Markdown text as a reader sees it: the backslash escapes of mdtext.plain removed."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


APP = str(Path(__file__).resolve().parent.parent / "app.py")
APP_TIMEOUT_S = 60  # 2-core machines; the first run of a process imports altair and pandas


@pytest.fixture
def app():
    """Factory: an AppTest of app.py on workspace `ws` (a team's name, a directory under
    the data directory, or a raw link value), with link params and st.secrets (e.g. a
    password hash), run once (and switched to `page` and run again when given)."""
    from streamlit.testing.v1 import AppTest

    def make(
        ws: str | None,
        page: str | None = None,
        *,
        locale: str | None = None,
        secrets: dict | None = None,
        **params,
    ):
        at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S)
        for key, value in (secrets or {}).items():
            at.secrets[key] = value
        if ws is not None:
            at.query_params["ws"] = team_link(ws)
        for key, value in params.items():
            at.query_params[key] = value
        if locale is not None:
            at.context["locale"] = locale
        at.run()
        if page is not None:
            at.switch_page(page).run()
        return at

    return make


@pytest.fixture
def run_query():
    """Run a named query on a workspace through the connection the app holds for it
    (a process can open a database file with one configuration only)."""
    from shopsight import queries
    from shopsight.ui import query_cache

    def run(ws: workspace.Workspace, name: str, **params):
        with query_cache._database(str(ws.path.resolve())).cursor() as cur:
            return queries.run(cur, name, **params)

    return run


def _require_postgres(what: str, ok: bool) -> None:
    if ok:
        return
    if os.environ.get("SHOPSIGHT_REQUIRE_POSTGRES"):  # CI: fail, never skip
        pytest.fail(f"{what} is required (SHOPSIGHT_REQUIRE_POSTGRES is set)")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def postgres():
    """The libpq DSN of a throwaway PostgreSQL cluster (scripts/pg_cluster.py) for DuckLake's
    postgres: catalog. Skips without PostgreSQL's server binaries or the
    duckdb-extension-postgres-scanner wheel unless SHOPSIGHT_REQUIRE_POSTGRES is set."""
    import sys

    import duckdb

    from shopsight.workspace import lake as backends

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import pg_cluster

    _require_postgres(
        "PostgreSQL (apt-get install postgresql: initdb, pg_ctl)", pg_cluster.available()
    )
    try:
        backends.extension_path("postgres_scanner")
        found = True
    except backends.LakeConfigError:
        found = False
    _require_postgres(f"duckdb-extension-postgres-scanner=={duckdb.__version__}", found)
    cluster = pg_cluster.Cluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()
