"""A segment's buyer ids downloaded from the Customers page in a real browser: the file is
built on the click (off the script run), and lists as many buyers as the button says."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.e2e.streamlit_page import no_exception, wait_idle

pytestmark = pytest.mark.e2e


def test_download_a_segments_buyer_ids(app_url, context_factory, tmp_path):
    page = context_factory("en-US").new_page()
    page.goto(f"{app_url}/customers")
    wait_idle(page, timeout_s=240)  # the first visit may build the sample shop
    no_exception(page)
    button = page.locator(".st-key-cu_download button")
    button.wait_for(state="visible", timeout=60_000)
    label = button.inner_text()
    count = int(re.search(r"Download ([\d,]+) buyer ids", label).group(1).replace(",", ""))
    assert count > 0
    with page.expect_download(timeout=90_000) as info:
        button.click()
    download = info.value
    assert re.fullmatch(
        r"buyers_\w+_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d\.csv", download.suggested_filename
    )
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["buyer_id"]
    ids = [r[0] for r in rows[1:]]
    assert len(ids) == count
    assert len(set(ids)) == count and all(ids)
    no_exception(page)
