"""Waiting on and reading a Streamlit page in a real browser."""

from __future__ import annotations

import time

from playwright.sync_api import Page

RUN_TIMEOUT_S = 90


def wait_idle(page: Page, timeout_s: float = RUN_TIMEOUT_S) -> None:
    """Until the script run has finished: the app is mounted and the running indicator gone."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0 or (
            page.locator('[data-testid="stApp"][data-test-script-state="running"]').count() > 0
        )
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 0.8:
            return
        time.sleep(0.1)
    raise TimeoutError("the Streamlit script did not finish")


def no_exception(page: Page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()[:2000]


def metric_values(page: Page) -> dict[str, str]:
    """KPI cards by label: {'访客数': '2.4万', …}."""
    out = {}
    for card in page.locator('[data-testid="stMetric"]').all():
        label = card.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        value = card.locator('[data-testid="stMetricValue"]').inner_text().strip()
        out[label] = value
    return out


def wait_for_change(read, before, timeout_s: float = 30):
    """Read until the value differs from `before` (a rerun on a busy machine can lag)."""
    deadline = time.monotonic() + timeout_s
    value = read()
    while value == before and time.monotonic() < deadline:
        time.sleep(0.2)
        value = read()
    return value


def wait_for_value(read, want, timeout_s: float = 30):
    """Read until the value equals `want` (a page draws its cards one by one) or time runs out;
    returns the last value read."""
    deadline = time.monotonic() + timeout_s
    value = read()
    while value != want and time.monotonic() < deadline:
        time.sleep(0.2)
        value = read()
    return value
