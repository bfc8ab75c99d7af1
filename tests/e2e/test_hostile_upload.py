"""A hostile upload in one browser session while another session keeps using the app.

Session A uploads every hostile shape (a cell at XFD1048576, ss:Index padding, a
10,000-column CSV header, …) and a damaged legacy .xls that makes the reader ask for
gigabytes and abort; session B meanwhile reruns the Overview on the sample shop.  A sees
one error per file, naming it; B sees its numbers; the server stays up.
"""

from __future__ import annotations

import time
import urllib.request

import pytest
from fixtures import hostile_files as h

from tests.e2e.conftest import shot
from tests.e2e.streamlit_page import metric_values, no_exception, wait_idle

pytestmark = pytest.mark.e2e


def test_hostile_upload_while_another_session_reruns(app_url, context_factory, tmp_path):
    files = list(h.shapes(tmp_path).values())
    # a damaged legacy .xls: its sector chain asks calamine for 1 GB, an abort in Rust
    files += [
        p
        for p in h.mutants(tmp_path, per_file=12)
        if p.name.endswith(".m006.xls") and "无线" in p.name
    ]
    assert len(files) == 9

    viewer = context_factory("zh-CN").new_page()
    viewer.goto(app_url)
    wait_idle(viewer, timeout_s=240)
    viewer.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=240_000)
    wait_idle(viewer)
    before = metric_values(viewer)
    assert before

    uploader = context_factory("zh-CN").new_page()
    uploader.goto(f"{app_url}/data")
    wait_idle(uploader, timeout_s=240)
    uploader.locator(".st-key-data_new_workspace button").click()
    wait_idle(uploader)
    start = time.monotonic()
    uploader.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        [str(p) for p in files]
    )

    # while the uploads are read, the other session reruns and is answered
    reruns = 0
    while reruns < 3:
        viewer.reload()
        viewer.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=120_000)
        wait_idle(viewer, timeout_s=120)
        no_exception(viewer)
        assert metric_values(viewer) == before
        reruns += 1

    wait_idle(uploader, timeout_s=300)
    took = time.monotonic() - start
    no_exception(uploader)
    shot(uploader, "data_hostile_files")
    errors = " ".join(uploader.locator('[data-testid="stAlertContentError"]').all_inner_texts())
    for p in files:
        assert p.name in errors, f"no error names {p.name}: {errors[:800]}"
    # in the page's language (zh-CN): 已拒绝, not the command line's "refused"
    assert "已拒绝" in errors and "refused" not in errors
    assert "Traceback" not in uploader.content()
    assert took < 60 * len(files)
    with urllib.request.urlopen(f"{app_url}/_stcore/health", timeout=10) as r:
        assert r.read().decode() == "ok"
