"""The weekly report downloaded from the Report page in a real browser: one HTML file that
has every section the page shows and nothing to fetch from outside."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from shopsight import period_report
from shopsight.i18n import t
from tests.e2e.conftest import shot
from tests.e2e.streamlit_page import no_exception, wait_idle

pytestmark = pytest.mark.e2e


class _Parsed(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.tags, self.links = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k == "id":
                self.ids.append(v)
            if k in ("src", "href") and v:
                self.links.append(v)


def test_download_the_html_report(app_url, context_factory, tmp_path):
    page = context_factory("zh-CN").new_page()
    page.goto(f"{app_url}/report")
    wait_idle(page, timeout_s=240)  # the first visit may build the sample shop
    no_exception(page)
    headers = [h.inner_text().strip() for h in page.locator("h2").all()]
    shown = [k for k in period_report.SECTIONS if t(f"rep.sec_{k}", "zh") in headers]
    assert shown, headers
    # with a help tooltip Streamlit also draws a hidden copy of the button (to measure it)
    button = page.locator(".st-key-rep_download_html button:visible")
    button.wait_for(state="visible", timeout=60_000)
    wait_idle(page, timeout_s=240)  # a click during a rerun can be lost with the old button
    # the report is built on the click: minutes on a machine busy with the whole suite
    with page.expect_download(timeout=240_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.startswith("shopsight_week_")
    assert download.suggested_filename.endswith(".html")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    html = path.read_text(encoding="utf-8")
    parsed = _Parsed()
    parsed.feed(html)
    assert [i for i in parsed.ids if i.startswith("section-")] == [f"section-{k}" for k in shown]
    assert "script" not in parsed.tags and "link" not in parsed.tags
    assert not [u for u in parsed.links if "://" in u or u.startswith("//")]
    assert "http://" not in html and "https://" not in html
    assert parsed.tags.count("svg") >= 3
    shot(page, "report_zh")
    # the file opens on its own, offline: the same browser shows its sections
    offline = context_factory("zh-CN")
    offline.set_offline(True)
    local = offline.new_page()
    local.goto(path.as_uri())
    assert local.locator("section h2").count() == len(shown)
    assert local.locator("svg").count() >= 3
