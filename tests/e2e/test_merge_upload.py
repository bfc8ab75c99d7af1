"""Two overlapping weekly exports uploaded through the Data page merge: the days they
share count once, in the dataset and on the Overview's cards."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from shopsight import metrics
from shopsight.ui.kpi_cards import card_value
from tests.e2e.conftest import shot
from tests.e2e.streamlit_page import metric_values, no_exception, wait_for_change, wait_idle

pytestmark = pytest.mark.e2e
D0 = date(2026, 11, 1)


def visitors(n: int) -> int:
    """Both exports write the same figure for a shared day: the order of loads does not matter."""
    return 100 + n


def week_csv(path: Path, days: range) -> Path:
    lines = ["日期,流量来源,访客数,支付买家数,支付金额"]
    for n in days:
        v = visitors(n)
        lines.append(f"{(D0 + timedelta(days=n)).isoformat()},手淘搜索,{v},{v // 10},{2 * v}.00")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_two_overlapping_uploads_count_shared_days_once(app_url, context_factory, tmp_path):
    first = week_csv(tmp_path / "生意参谋_流量_第1周.csv", range(0, 7))  # 11-01..11-07
    second = week_csv(tmp_path / "生意参谋_流量_第2周.csv", range(4, 14))  # 11-05..11-14
    page = context_factory("zh-CN").new_page()
    page.goto(f"{app_url}/data")
    wait_idle(page, timeout_s=240)
    page.locator(".st-key-data_new_workspace button").click()
    wait_idle(page)
    assert "ws=" in page.url

    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        [str(first), str(second)]
    )
    wait_idle(page)
    no_exception(page)
    for i in range(2):  # merge is the default mode: no confirmation is asked
        page.locator('[class*="st-key-data_load_"] button').nth(i).click()
        wait_idle(page)
        no_exception(page)
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    shot(page, "data_merged_uploads")

    # brute force: 14 distinct days, each once
    days = range(0, 14)
    total = sum(visitors(n) for n in days)
    sums = {
        "visitors": total,
        "paying_buyers": sum(visitors(n) // 10 for n in days),
        "paid_amount": 2 * total,
    }
    ws = parse_qs(urlparse(page.url).query)["ws"][0]
    page.goto(f"{app_url}/?ws={ws}&start=2026-11-01&end=2026-11-14&cmp=none")
    wait_idle(page)
    no_exception(page)
    label = metrics.label("visitors", "zh")
    shown = wait_for_change(
        lambda: metric_values(page).get(label) and metric_values(page), None, timeout_s=120
    )
    shot(page, "overview_merged_uploads")
    want = {
        metrics.label(n, "zh"): card_value(n, metrics.value(n, sums), "zh")
        for n in ("visitors", "paying_buyers", "paid_amount", "conversion")
    }
    assert {k: shown.get(k) for k in want} == want
