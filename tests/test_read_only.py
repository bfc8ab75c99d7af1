"""Read-only means read-only: the shared sample shop refuses every write, settings too.

The app opens the sample read-only, and every write path checks the mode of what it
writes to; saving 同行平均 there once wrote to the sample's file.
"""

from __future__ import annotations

import hashlib
import shutil

import pytest

from shopsight import workspace
from shopsight.i18n import t


@pytest.fixture
def built_sample(data_dir, small_template):
    """A sample shop already built (a copy of the small shop), so no test builds the real one."""
    shutil.copytree(small_template, data_dir / workspace.SAMPLE)
    return workspace.open_workspace(None)


def _files(ws: workspace.Workspace) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(ws.path.iterdir())
        if p.is_file()
    }


@pytest.mark.parametrize(
    ("page", "field", "button"),
    [
        ("views/overview.py", "ov_bench_aov", "ov_bench_save"),
        ("views/funnel.py", "fn_bench_conversion", "fn_bench_save"),
    ],
)
def test_saving_benchmarks_on_the_sample_is_refused(app, built_sample, page, field, button):
    before = _files(built_sample)
    at = app(None, page)
    assert not at.exception
    at.number_input(key=field).set_value(12.0).run()
    at.button(key=button).click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("common.read_only", "zh")]
    assert not at.toast
    at.switch_page("views/overview.py").run()
    assert _files(built_sample) == before  # not a byte of the sample changed (no .wal either)


def test_writes_through_a_read_only_connection_are_refused(built_sample):
    con = built_sample.connect(read_only=True)
    try:
        with pytest.raises(workspace.ReadOnlyWorkspaceError, match="open read-only"):
            workspace.set_setting(con, "benchmarks", {"aov": 1.0})
        with pytest.raises(workspace.ReadOnlyWorkspaceError, match="open read-only"):
            workspace.save_mapping(con, "k", "orders", {"订单编号": "order_id"})
        assert workspace.get_setting(con, "benchmarks") is None
    finally:
        con.close()


def test_a_team_workspace_still_saves_its_settings(small_ws):
    con = small_ws.connect()
    try:
        workspace.set_setting(con, "benchmarks", {"aov": 88.0})
        assert workspace.get_setting(con, "benchmarks") == {"aov": 88.0}
    finally:
        con.close()
