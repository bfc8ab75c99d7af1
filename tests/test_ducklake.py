"""The DuckLake backend answers every query exactly as the file backend, and stays locked down."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest
from conftest import small_tables

from shopsight import queries, teams, workspace
from shopsight.workspace import lake as backends

# Values for the $params the queries use; anything not listed is bound as null (= all).
PARAMS = {
    "start": dt.date(2026, 11, 1),
    "end": dt.date(2026, 11, 30),
    "cmp_start": dt.date(2026, 10, 1),
    "cmp_end": dt.date(2026, 10, 31),
    "start_date": dt.date(2026, 10, 1),
    "end_date": dt.date(2026, 11, 30),
    "limit": 10,
    "steps": ["visit", "visit"],
    "window_seconds": 7 * 86400,
    "slow_days": 3,
    "cover_days": 30,
    "product_id": "p1",
    "origin": "orders",
}
# Queries the file backend must answer (the core of every page); every other query in
# queries/ is compared too, and must at least fail or succeed alike on both backends.
CORE = [
    "data_version",
    "date_bounds",
    "filter_options",
    "overview_kpis_traffic",
    "overview_kpis_orders",
    "overview_kpis_products",
    "overview_daily_traffic",
    "overview_daily_orders",
    "overview_movers_product",
    "overview_movers_province",
    "overview_movers_source",
    "abtest_tests",
    "abtest_variants",
    "abtest_daily",
    "event_funnel",
    "abtest_variant_names",
    "products_daily",
]
SKIP = {"ingest_macros", "ingest_orders_again", "macros"}  # not page queries


def page_queries() -> list[str]:
    return [n for n in queries.names() if n not in SKIP and not n.startswith("rollup_")]


def load_small(ws: workspace.Workspace) -> None:
    tables = small_tables()
    image_tests = tables["image_tests"]  # creative names, as 直通车 creative reports have
    tables["image_tests"] = image_tests.append_column(
        "variant_name", pa.array([f"图{v}" for v in image_tests["variant"].to_pylist()])
    )
    con = ws.connect()
    try:
        for kind, table in tables.items():
            workspace.write_dataset(ws, kind, table, file=f"{kind}.csv", con=con.cursor())
        # an append and a delete too, so load history and rollups follow the same path
        extra = small_tables()["orders"].slice(0, 5)
        workspace.write_dataset(
            ws, "orders", extra, mode="append", file="more.csv", con=con.cursor()
        )
        workspace.delete_dataset(ws, "inquiries", con=con.cursor())
    finally:
        con.close()


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The small shop loaded the same way into a file workspace and a lake workspace."""
    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("both")
    mp.setenv("SHOPSIGHT_DATA_DIR", str(root))
    file_ws = workspace.Workspace(root / "file", workspace.FILE)
    lake_ws = workspace.Workspace(root / "lake", workspace.DUCKLAKE)
    load_small(file_ws)
    load_small(lake_ws)
    cons = {"file": file_ws.connect(read_only=True), "lake": lake_ws.connect(read_only=True)}
    yield cons, lake_ws
    for con in cons.values():
        con.close()
    mp.undo()


def answer(con, name: str):
    params = {p: PARAMS.get(p) for p in queries.params_of(name)}
    cur = con.cursor()
    try:
        return queries.run(cur, name, **params)
    except Exception as e:  # compared by class between backends
        return type(e).__name__
    finally:
        cur.close()


def canonical(df: pd.DataFrame) -> pd.DataFrame:
    """Same rows in a stable order (ties inside a query's own order may come out either way)."""
    keys = df.astype(str)
    return df.loc[keys.sort_values(list(keys.columns)).index].reset_index(drop=True)


def test_core_queries_are_present():
    assert set(CORE) <= set(page_queries())


@pytest.mark.parametrize("name", page_queries())
def test_query_gives_the_same_answer_on_both_backends(both, name):
    cons, _ = both
    on_file, on_lake = answer(cons["file"], name), answer(cons["lake"], name)
    if name in CORE:  # real answers, not two empty frames
        assert isinstance(on_file, pd.DataFrame) and len(on_file) > 0, on_file
    if isinstance(on_file, str) or isinstance(on_lake, str):
        assert on_file == on_lake
        return
    assert list(on_lake.columns) == list(on_file.columns)
    assert len(on_lake) == len(on_file)
    pd.testing.assert_frame_equal(
        canonical(on_lake), canonical(on_file), check_dtype=False, rtol=1e-9
    )


def test_the_data_is_really_there(both):
    cons, _ = both
    for con in cons.values():
        counts = dict(
            con.execute(
                "select kind, count_rows from (" + queries.sql("date_bounds") + ")"
            ).fetchall()
        )
        assert counts["orders"] == 61 * 3 + 5 and counts["inquiries"] == 0
        assert counts["traffic"] == 61 * 6 + 1
    assert [d["kind"] for d in workspace.datasets(cons["lake"])] == [
        d["kind"] for d in workspace.datasets(cons["file"])
    ]


def test_lake_keeps_rows_as_parquet_in_its_data_path(both):
    _, lake_ws = both
    loc = backends.location(lake_ws)
    assert loc.local_catalog == lake_ws.path / "catalog.ducklake"
    assert loc.data_path == str((lake_ws.path / "lake").resolve()) + "/"
    assert list((lake_ws.path / "lake").rglob("*.parquet"))
    assert not lake_ws.db_path.exists()  # no shop.duckdb: the lake is the store


def test_lake_connection_is_locked_down_but_reads_its_own_files(both, tmp_path):
    cons, lake_ws = both
    cur = cons["lake"].cursor()
    outside = tmp_path / "outside.csv"
    outside.write_text("a\n1\n")
    refused = [
        f"select * from read_csv('{outside}')",
        "select * from read_text('/etc/passwd')",
        f"copy (select 1) to '{tmp_path / 'x.csv'}'",
        f"attach '{tmp_path / 'other.duckdb'}' as other",
        f"load '{tmp_path / 'spatial.duckdb_extension'}'",
        f"attach 'ducklake:{tmp_path / 'evil.ducklake'}' as evil",
        "install httpfs",
        "set enable_external_access = true",
        "set allowed_directories = ['/']",
        "set memory_limit = '100GB'",
    ]
    for statement in refused:
        with pytest.raises(Exception, match="(?i)disabled|permission|lock|not allowed|cannot"):
            cur.execute(statement)
    # the one hole: this lake's own Parquet files, which DuckLake must read (and write)
    data = backends.location(lake_ws).data_path
    assert cur.execute(f"select count(*) > 0 from glob('{data}**/*.parquet')").fetchone() == (True,)
    cur.close()
    with pytest.raises(Exception, match="default database"):
        cons["lake"].execute("detach lake")


def test_cursors_start_on_the_lake(both):
    cons, _ = both
    cur = cons["lake"].cursor()
    assert cur.execute("select current_database()").fetchone() == (backends.LAKE,)
    cur.close()


def test_extra_columns_follow_replace_and_append(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPSIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHOPSIGHT_BACKEND", "ducklake")
    ws = workspace.open_workspace("cols")
    base = pa.table(
        {"order_id": ["a"], "order_time": pa.array([0], pa.timestamp("us")), "paid_amount": [1.0]}
    )
    workspace.write_dataset(ws, "orders", base.append_column("备注", pa.array(["x"])))
    workspace.write_dataset(
        ws, "orders", base.append_column("渠道", pa.array(["y"])), mode="append"
    )
    con = ws.connect()
    try:
        cols = workspace.table_columns(con, "orders")
        assert cols[-2:] == ["备注", "渠道"]
        assert con.execute(
            'select "备注", "渠道" from orders order by "渠道" nulls first'
        ).fetchall() == [("x", None), (None, "y")]
    finally:
        con.close()
    workspace.write_dataset(ws, "orders", base, mode="replace")  # columns the new file lacks go
    con = ws.connect()
    try:
        assert "备注" not in workspace.table_columns(con, "orders")
        assert con.execute("select count(*) from orders").fetchone() == (1,)
    finally:
        con.close()


def test_lake_settings_place_catalog_and_data(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPSIGHT_DATA_DIR", str(tmp_path / "data"))
    ws = workspace.Workspace(tmp_path / "data" / "teams" / ("A" * 32), workspace.DUCKLAKE)
    s = backends.LakeSettings(
        catalog="postgres:dbname=shopsight host=db", data="s3://bucket/shopsight/"
    )
    loc = backends.location(ws, s)
    name = backends.lake_name(ws)
    assert name.startswith("ws_") and "A" * 32 not in name  # the link id stays out of the store
    assert loc.attach == "ducklake:postgres:dbname=shopsight host=db"
    assert dict(loc.options) == {
        "data_path": f"s3://bucket/shopsight/{name}/",
        "metadata_schema": name,
    }
    assert loc.extensions == ("ducklake", "postgres_scanner", "httpfs")
    assert loc.local_catalog is None
    sq = backends.location(
        ws, backends.LakeSettings(catalog=f"sqlite:{tmp_path}/cat", data=str(tmp_path / "parquet"))
    )
    assert sq.attach == f"ducklake:sqlite:{tmp_path}/cat/{name}.sqlite"
    assert sq.data_path == f"{tmp_path}/parquet/{name}/"
    assert sq.extensions == ("ducklake", "sqlite_scanner")
    assert backends.sql_literal("it's") == "'it''s'"


def test_missing_extension_is_named_with_its_package():
    with pytest.raises(backends.LakeConfigError, match="pip install duckdb-extension-no-such"):
        backends.extension_path("no_such")


def test_deleting_a_lake_team_removes_its_files_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPSIGHT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SHOPSIGHT_BACKEND", "ducklake")
    monkeypatch.setenv("SHOPSIGHT_DUCKLAKE_CATALOG", str(tmp_path / "catalogs"))
    monkeypatch.setenv("SHOPSIGHT_DUCKLAKE_DATA", str(tmp_path / "parquet"))
    keep, gone = teams.create_team("keep"), teams.create_team("gone")
    for team in (keep, gone):
        workspace.write_dataset(team.workspace, "orders", small_tables()["orders"])
    gone_data = tmp_path / "parquet" / backends.lake_name(gone.workspace)
    assert list(gone_data.rglob("*.parquet"))
    assert not backends.self_contained(gone.workspace)
    teams.delete_team(gone.id)
    assert teams.resolve_team(gone.id) is None
    assert not list(gone_data.rglob("*.parquet"))
    con = teams.resolve_team(keep.id).connect(read_only=True)
    try:
        assert con.execute("select count(*) from orders").fetchone() == (183,)
    finally:
        con.close()
