"""Upload real exports through the file chooser and see their numbers on the Overview.

The expected numbers come from the command line: the same files are loaded with
`python -m shopsight ingest` into another workspace and the Overview's query is run
with `python -m shopsight query`; the cards must show exactly those values.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from shopsight import metrics
from shopsight.ui.kpi_cards import card_value
from shopsight.ui.upload import file_slug
from tests.e2e.conftest import ROOT, shot
from tests.e2e.streamlit_page import metric_values, no_exception, wait_idle

pytestmark = pytest.mark.e2e

TRAFFIC_GBK_CSV = ROOT / "sample_data" / "【生意参谋平台】店铺流量来源-2026-09-02_2026-11-30.csv"
ORDERS_XLSX = ROOT / "tests" / "fixtures" / "examples" / "ExportOrderList202611301200.xlsx"
CARDS = ("visitors", "paying_buyers", "conversion", "aov", "uv_value", "paid_amount")


def _cli(*args: str) -> list | dict:
    out = subprocess.run(
        [sys.executable, "-m", "shopsight", *args, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def _expected_cards(tmp_path: Path, start: str, end: str) -> dict[str, str]:
    ws = str(tmp_path / "cli-ws")
    _cli("ingest", str(TRAFFIC_GBK_CSV), str(ORDERS_XLSX), "--workspace", ws)
    sums = _cli(
        "query",
        "overview_kpis_traffic",
        "--param",
        f"start={start}",
        "--param",
        f"end={end}",
        "--workspace",
        ws,
    )[0]
    return {metrics.label(n, "zh"): card_value(n, metrics.value(n, sums), "zh") for n in CARDS}


def test_upload_gbk_csv_and_xlsx_then_overview_matches_cli(app_url, context_factory, tmp_path):
    page = context_factory("zh-CN").new_page()
    page.goto(f"{app_url}/data")
    wait_idle(page, timeout_s=240)
    # the sample shop is read-only: start a team workspace of our own
    page.locator(".st-key-data_new_workspace button").click()
    wait_idle(page)
    assert "ws=" in page.url

    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        [str(TRAFFIC_GBK_CSV), str(ORDERS_XLSX)]
    )
    wait_idle(page)
    no_exception(page)
    for path in (TRAFFIC_GBK_CSV, ORDERS_XLSX):
        # each file's own load button (a loaded file keeps its panel and button)
        page.locator(
            f".st-key-data_load_{file_slug(path.name, path.stat().st_size)} button"
        ).click()
        wait_idle(page)
        no_exception(page)
    body = page.inner_text("body")
    for kind in ("流量", "订单"):  # both files were loaded, not the first one twice
        assert re.search(rf"已导入 [\d,]+ 行{kind}数据", body), body[:2000]
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    shot(page, "data_after_upload")

    page.get_by_test_id("stSidebarNav").get_by_text("经营概况").click()
    wait_idle(page)
    no_exception(page)
    shot(page, "overview_uploaded")
    query = parse_qs(urlparse(page.url).query)
    start, end = query["start"][0], query["end"][0]
    shown = metric_values(page)
    expected = _expected_cards(tmp_path, start, end)
    assert {k: shown.get(k) for k in expected} == expected
