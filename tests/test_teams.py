"""Team workspaces: unguessable ids, isolation, rename/delete, the read-only sample."""

from __future__ import annotations

import logging

import pyarrow as pa
import pytest

from shopsight import queries, teams, workspace
from shopsight.ingest import load_file


def orders(ids: list[str], amount: float) -> pa.Table:
    return pa.table(
        {
            "order_id": ids,
            "order_time": pa.array(
                [f"2026-11-0{1 + i % 9} 10:00:00" for i in range(len(ids))], pa.string()
            ).cast(pa.timestamp("us")),
            "paid_amount": [amount] * len(ids),
        }
    )


def totals(ws: workspace.Workspace) -> tuple[int, float | None]:
    con = ws.connect(read_only=True)
    try:
        return con.execute("select count(*), sum(paid_amount) from orders").fetchone()
    finally:
        con.close()


def test_ids_are_long_random_and_urlsafe(data_dir):
    a, b = teams.create_team("东区旗舰店"), teams.create_team("西区")
    for t in (a, b):
        assert len(t.id) == 32 and teams.is_valid_id(t.id)
        assert t.link_query == f"?ws={t.id}"
        assert t.workspace.path == data_dir / "teams" / t.id
        assert t.workspace.exists()
    assert a.id != b.id
    assert a.name == "东区旗舰店"


def test_two_teams_never_see_each_other(data_dir):
    a, b = teams.create_team("A"), teams.create_team("B")
    workspace.write_dataset(a.workspace, "orders", orders(["a1", "a2", "a3"], 10.0))
    workspace.write_dataset(b.workspace, "orders", orders(["b1"], 7.5))
    assert totals(teams.resolve_team(a.id)) == (3, 30.0)
    assert totals(teams.resolve_team(b.id)) == (1, 7.5)
    con = teams.resolve_team(b.id).connect(read_only=True)
    try:
        ids = [r[0] for r in con.execute("select order_id from orders").fetchall()]
        # the page connection is locked down: no path to another team's file
        with pytest.raises(Exception, match="disabled|Permission"):
            con.execute(f"attach '{a.workspace.db_path}' as other")
    finally:
        con.close()
    assert ids == ["b1"]


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "",
        "sample",
        "../sample",
        "..%2Fsample",
        "teams/../sample",
        "/etc/passwd",
        "A" * 31,
        "A" * 33,
        "A" * 31 + "/",
        "A" * 31 + ".",
        "A" * 31 + "\n",
        "A" * 30 + "..",
        "Ａ" * 32,
        12345,
    ],
)
def test_malformed_ids_resolve_to_nothing(data_dir, bad):
    teams.create_team("real")
    (data_dir / "sample").mkdir()
    assert teams.resolve_team(bad) is None
    assert teams.get_team(bad) is None
    assert not teams.is_valid_id(bad)


def test_a_well_formed_guess_resolves_to_nothing(data_dir):
    real = teams.create_team("real")
    guess = real.id[:-1] + ("A" if real.id[-1] != "A" else "B")
    assert teams.is_valid_id(guess)
    assert teams.resolve_team(guess) is None
    # a directory without a registry entry (half-created, or planted) does not resolve either
    (data_dir / "teams" / ("x" * 32)).mkdir()
    assert teams.resolve_team("x" * 32) is None
    assert [t.id for t in teams.list_teams()] == [real.id]


def test_list_rename_and_delete(data_dir):
    a, b = teams.create_team("  first\tshop \x00"), teams.create_team("second")
    assert a.name == "first shop"
    assert [t.name for t in teams.list_teams()] == ["first shop", "second"]
    renamed = teams.rename_team(a.id, "店铺一号")
    assert (renamed.id, renamed.name) == (a.id, "店铺一号")
    assert teams.get_team(a.id).name == "店铺一号"
    workspace.write_dataset(a.workspace, "orders", orders(["x"], 1.0))
    teams.delete_team(a.id)
    assert teams.resolve_team(a.id) is None
    assert not a.workspace.path.exists()
    assert [t.id for t in teams.list_teams()] == [b.id]
    assert sorted(p.name for p in (data_dir / "teams").iterdir()) == [b.id]
    with pytest.raises(teams.TeamError):
        teams.delete_team(a.id)
    with pytest.raises(teams.TeamError):
        teams.rename_team(a.id, "again")


@pytest.mark.parametrize("name", ["", "   ", "\x07", "x" * 81])
def test_bad_names_are_refused(data_dir, name):
    with pytest.raises(teams.TeamError):
        teams.create_team(name)
    assert teams.list_teams() == []


def test_data_survives_reopening(data_dir):
    team = teams.create_team("persist")
    workspace.write_dataset(team.workspace, "orders", orders(["p1", "p2"], 4.0))
    again = teams.resolve_team(team.id)
    assert again is not team.workspace
    assert totals(again) == (2, 8.0)


def test_sample_is_read_only(data_dir):
    sample_ws = workspace.open_workspace(None)
    other = workspace.open_workspace("sample")
    assert workspace.is_read_only(sample_ws) and workspace.is_read_only(other)
    assert not workspace.is_read_only(teams.create_team("t").workspace)
    with pytest.raises(workspace.ReadOnlyWorkspaceError, match="read-only"):
        workspace.write_dataset(sample_ws, "orders", orders(["s"], 1.0))
    with pytest.raises(workspace.ReadOnlyWorkspaceError):
        workspace.delete_dataset(sample_ws, "orders")
    data = "订单编号,付款时间,实付金额\nq1,2026-11-01 10:00:00,5\n".encode()
    with pytest.raises(PermissionError):
        load_file(sample_ws, data, "orders.csv", kind="orders")
    # nothing was created that could pass for a built sample shop
    assert not sample_ws.exists()


def test_sample_builder_may_still_write(data_dir, monkeypatch):
    from shopsight import sample

    # two small files keep it quick; the path through build_sample is the same
    small = [p for p in sample.sample_files() if p.name.startswith(("1688", "主图"))]
    assert len(small) == 2
    monkeypatch.setattr(sample, "sample_files", lambda: small)
    ws = workspace.open_workspace(None)
    sample.ensure_sample(ws)
    con = ws.connect(read_only=True)
    try:
        rows = dict(
            con.execute(
                "select kind, count_rows from (" + queries.sql("date_bounds") + ")"
            ).fetchall()
        )
    finally:
        con.close()
    assert rows["inquiries"] > 0 and rows["image_tests"] > 0
    data = "询盘日期,客户ID,是否成交\n2026-11-01,c1,是\n".encode()
    with pytest.raises(workspace.ReadOnlyWorkspaceError):
        load_file(ws, data, "inq.csv", kind="inquiries", mode="append")
    con = ws.connect(read_only=True)
    try:
        assert con.execute("select count(*) from inquiries").fetchone()[0] == rows["inquiries"]
    finally:
        con.close()


def test_ids_stay_out_of_logs(data_dir, caplog):
    caplog.set_level(logging.DEBUG)
    team = teams.create_team("quiet")
    teams.rename_team(team.id, "quieter")
    teams.resolve_team(team.id)
    teams.delete_team(team.id)
    assert team.id not in caplog.text
    tag = teams.log_tag(team.id)
    assert tag.startswith("ws#") and len(tag) == 11 and team.id not in tag
