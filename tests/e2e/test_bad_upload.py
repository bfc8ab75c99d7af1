"""Broken files uploaded through the browser: a readable error naming the file, never a
traceback, and the datasets loaded before stay exactly as they were."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from shopsight.i18n import t
from tests.e2e.conftest import ROOT, shot
from tests.e2e.streamlit_page import no_exception, wait_idle

pytestmark = pytest.mark.e2e

GOOD = ROOT / "tests" / "fixtures" / "examples" / "main_image_ab_test.csv"


def _truncated_xlsx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>" * 200)
    return buf.getvalue()[:150]


BAD = {
    "empty.csv": b"",
    "random.csv": os.urandom(4096),
    "truncated.xlsx": _truncated_xlsx(),
}
# read as the text it is, matches no dataset kind: the page asks for the kind instead
PLAIN_TEXT = {"notes.xlsx": "这不是表格，只是一段文字。\n".encode() * 20}


def _datasets_text(page) -> str:
    # the grid draws on a canvas; its cells are also in an accessible table
    cells = page.locator('[data-testid="stDataFrame"]').last.locator('[role="gridcell"]')
    return " | ".join(cells.all_text_contents())


def test_bad_files_show_errors_and_change_nothing(app_url, context_factory, tmp_path):
    page = context_factory("zh-CN").new_page()
    page.goto(f"{app_url}/data")
    wait_idle(page, timeout_s=240)
    page.locator(".st-key-data_new_workspace button").click()
    wait_idle(page)

    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.set_input_files(str(GOOD))
    wait_idle(page)
    page.locator('[class*="st-key-data_load_"] button').first.click()
    wait_idle(page)
    no_exception(page)
    before = _datasets_text(page)
    assert "main_image_ab_test.csv" in before

    paths = []
    for name, data in {**BAD, **PLAIN_TEXT}.items():
        p = tmp_path / name
        p.write_bytes(data)
        paths.append(str(p))
    uploader.set_input_files(paths)
    wait_idle(page)
    no_exception(page)
    shot(page, "data_bad_files")
    errors = " ".join(page.locator('[data-testid="stAlertContentError"]').all_inner_texts())
    for name in BAD:
        assert name in errors, f"no error names {name}: {errors[:500]}"
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert "notes.xlsx" in body and t("data.kind_unknown", "zh") in body
    assert "Traceback" not in page.content()
    assert _datasets_text(page) == before
