"""A 生意参谋 sheet with no date column and no period in its title rows or name: the
owner is told the period is missing and gives it (Data page date range, CLI --period)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import shown
from fixtures import ingest_files as f
from python_calamine import CalamineWorkbook

from shopsight import workspace
from shopsight.cli import cli
from shopsight.ingest import IngestError, inspect_file, load_file

WILD = Path(__file__).resolve().parent / "fixtures" / "wild"
NO_PERIOD = WILD / "店铺流量来源_无统计时间.xlsx"
JULY = (dt.date(2019, 7, 1), dt.date(2019, 7, 30))


def _sheet(name: str) -> tuple[list[str], list[list[str]]]:
    rows = CalamineWorkbook.from_path(str(NO_PERIOD)).get_sheet_by_name(name).to_python()
    h = next(i for i, r in enumerate(rows) if r[0] == "来源")
    return [str(c) for c in rows[h]], rows[h + 1 :]


def _count(text: str) -> int:
    return 0 if text.strip() in ("", "-", "--", "暂无") else int(text.replace(",", ""))


def test_inspection_says_the_period_is_missing():
    insp = inspect_file(NO_PERIOD.read_bytes(), NO_PERIOD.name)
    assert (insp.sheet, insp.kind, insp.period, insp.period_missing) == (
        "无线流量来源",
        "traffic",
        None,
        True,
    )
    assert insp.missing_required == ["date"]
    given = inspect_file(NO_PERIOD.read_bytes(), NO_PERIOD.name, period=JULY)
    assert (given.kind, given.period, given.period_missing, given.missing_required) == (
        "traffic",
        JULY,
        False,
        [],
    )
    assert len(given.preview) == 5


def test_load_without_period_names_it_and_the_sheets_columns(tmp_path):
    ws = workspace.open_workspace(tmp_path / "ws")
    with pytest.raises(IngestError) as e:
        load_file(ws, NO_PERIOD, NO_PERIOD.name)
    text = str(e.value)
    head, _ = _sheet("无线流量来源")
    assert "the period is missing" in text and "--period" in text
    assert f"columns: {', '.join(head)}" in text and "'无线流量来源'" in text
    assert "指标说明" not in text


def test_load_with_period(tmp_path):
    ws = workspace.open_workspace(tmp_path / "ws")
    r = load_file(ws, NO_PERIOD, NO_PERIOD.name, period=JULY)
    head, body = _sheet("无线流量来源")
    assert (r.kind, r.rows_loaded, r.rows_rejected) == ("traffic", len(body), 0)
    con = ws.connect(read_only=True)
    try:
        got = con.execute(
            "select min(date), max(date_end), count(distinct date), sum(visitors), "
            "sum(paying_buyers) from traffic"
        ).fetchone()
    finally:
        con.close()
    v, b = head.index("访客数"), head.index("支付买家数")
    assert got == (*JULY, 1, sum(_count(r[v]) for r in body), sum(_count(r[b]) for r in body))


def test_cli_period(tmp_path):
    runner = CliRunner()
    ws = tmp_path / "ws"
    res = runner.invoke(cli, ["ingest", str(NO_PERIOD), "-w", str(ws), "--json"])
    assert res.exit_code == 1 and "--period 2026-11-01..2026-11-30" in res.stderr
    res = runner.invoke(
        cli,
        ["ingest", str(NO_PERIOD), "-w", str(ws), "--json", "--period", "2019-07-01..2019-07-30"],
    )
    assert (res.exit_code, res.stderr) == (0, "")
    report = json.loads(res.stdout)["files"][0]
    _, body = _sheet("无线流量来源")
    assert (report["kind"], report["rows_loaded"]) == ("traffic", len(body))
    assert report["cells_as_zero"] == {"支付买家数": 2, "支付金额": 2}
    bad = runner.invoke(cli, ["ingest", str(NO_PERIOD), "-w", str(ws), "--period", "2019-07-30"])
    assert bad.exit_code == 2 and "2019-07-01..2019-07-30" in bad.stderr


def test_best_sheet_columns_are_listed_when_no_kind_fits(tmp_path):
    path = f.write_xlsx(
        tmp_path / "报表.xlsx",
        {
            "说明": [["指标说明"], ["访客数", "去重人数"]],
            "来源": [
                ["来源", "来源明细", "访客数", "浏览量"],
                ["淘内免费", "手淘搜索", "10", "20"],
            ],
        },
    )
    ws = workspace.open_workspace(tmp_path / "ws")
    with pytest.raises(IngestError) as e:
        load_file(ws, path, path.name)
    assert "sheet '来源': the columns (来源, 来源明细, 访客数, 浏览量)" in str(e.value)
    assert "--kind" in str(e.value)


def test_data_page_asks_for_the_period(app, empty_ws, run_query):
    from shopsight.i18n import t
    from shopsight.ui.upload import file_slug

    data = NO_PERIOD.read_bytes()
    at = app("empty", "views/data.py")
    at.file_uploader(key="data_upload").upload(
        NO_PERIOD.name, data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ).run()
    slug = file_slug(NO_PERIOD.name, len(data))
    assert not at.exception
    assert t("data.period_missing", "zh", file=NO_PERIOD.name) in [
        shown(w.value) for w in at.warning
    ]
    assert not [b for b in at.button if b.key == f"data_load_{slug}"]  # nothing to load yet
    at.date_input(key=f"data_period_{slug}").set_value(JULY).run()
    assert not at.exception
    at.button(key=f"data_load_{slug}").click().run()
    assert not at.exception and not at.error
    _, body = _sheet("无线流量来源")
    assert at.success[0].value.startswith(t("data.loaded", "zh", rows=len(body), kind="流量"))
    captions = [c.value for c in at.caption]
    assert t("data.cells_as_zero", "zh", cols="支付买家数 2 个、支付金额 2 个") in captions
    bounds = run_query(empty_ws, "date_bounds").set_index("kind").loc["traffic"]
    assert (bounds["first_day"].date(), bounds["last_day"].date()) == JULY
