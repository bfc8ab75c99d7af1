"""Every page in each language as a reader sees it at 1440 px: a screenshot of the whole page,
no None / nan on screen, no English in the Chinese UI beyond names and units, each table's key
(first) column in view, no chart label Vega had to skip and no legend cut off or faint.

Screenshots go to artifacts/screenshots/pages/<lang>-<page>.png for a reviewer to look at, with
<lang>-notes.json: the problems found and the tables too wide for their box (they scroll).
"""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.conftest import ARTIFACTS, ROOT
from tests.e2e.streamlit_page import open_expanders, read_page, wait_drawn, whole_page_shot
from tests.ui_words import WORD, english_words, nullish

pytestmark = pytest.mark.e2e

# screenshot name -> address; two pages again with the parts their defaults leave out: the
# funnel split by source, and a what-if scenario that moves every source (a full waterfall)
PAGES = {
    name: name
    for name in (
        "data",
        "funnel",
        "sources",
        "regions",
        "products",
        "customers",
        "abtest",
        "inquiries",
        "report",
    )
}
PAGES = {
    "overview": "",
    **PAGES,
    "funnel-split": "funnel?fn_split=source",
    "sources-whatif": "sources?wi=*:10,0.5,5,20",
}
# what each page draws on the sample shop once its run is over
DRAWN = {
    "overview": '[data-testid="stMetricValue"]',
    "data": '[data-testid="stDataFrame"]',
    "regions": '[data-testid="stDeckGlJsonChart"] canvas',
    "report": '[data-testid="stDataFrame"]',
}
LOCALES = {"zh": "zh-CN", "en": "en-US"}
WIDTH = 1440

# a tick of a continuous axis (dates, numbers, money): Vega may thin these out
TICK = re.compile(r"^[\d\s.,:/%+\-−–~¥$€£万亿千KMBkmb年月日]+$")


def _data_words() -> set[str]:
    """Latin words the sample shop's own data brings (its file names, e.g. ExportOrderList)."""
    return {w for p in (ROOT / "sample_data").iterdir() for w in WORD.findall(p.name)}


def problems_of(seen: dict, lang: str, data_words: set[str]) -> list[str]:
    out = []
    shown_missing = nullish(seen["text"])
    if shown_missing:
        out.append(f"shows {shown_missing}")
    if lang == "zh":
        words = english_words(seen["text"], data_words)
        if words:
            out.append(f"English in the Chinese UI: {sorted(words)}")
    for i, tbl in enumerate(seen["tables"]):
        # the key column is the first: its start and a name's width must be on screen
        if tbl["left"] < 0 or tbl["left"] + min(tbl["width"], 120) > seen["width"]:
            out.append(f"table {i}: its first column is outside the window ({tbl})")
    for i, chart in enumerate(seen["charts"]):
        skipped = [x for x in chart["hidden_labels"] if not TICK.match(x)]
        if skipped:
            out.append(f"chart {i}: labels skipped on a category axis: {skipped}")
        if any(
            lg["right"] > chart["right"] + 1 or lg["left"] < chart["left"] - 1
            for lg in chart["legends"]
        ):
            out.append(f"chart {i}: its legend runs past the chart: {chart['legend_labels']}")
        cut = [x for x in chart["legend_labels"] if x.endswith("…")]
        if cut:
            out.append(f"chart {i}: legend labels cut short: {cut}")
        if any(o < 0.5 for o in chart["swatch_opacity"]):
            out.append(f"chart {i}: legend swatches fainter than the lines they name")
    return out


@pytest.mark.parametrize("lang", list(LOCALES))
def test_every_page_reads_well_at_1440px(app_url, context_factory, lang):
    ctx = context_factory(LOCALES[lang])
    page = ctx.new_page()
    page.set_viewport_size({"width": WIDTH, "height": 900})
    out_dir = ARTIFACTS / "pages"
    out_dir.mkdir(parents=True, exist_ok=True)
    data_words = _data_words()
    problems, wide = {}, {}
    for name, address in PAGES.items():
        page.goto(f"{app_url}/{address}")
        # the first visit puts the sample shop in place
        wait_drawn(page, timeout_s=240 if name == "overview" else 90)
        boxes = page.get_by_test_id("stException")
        if boxes.count():  # told with the page's other findings, not alone
            problems[name] = [f"exception: {boxes.first.inner_text()[:600]}"]
            continue
        if name in DRAWN:
            page.locator(DRAWN[name]).first.wait_for(timeout=60_000)
            wait_drawn(page)
        if open_expanders(page):
            wait_drawn(page)
        whole_page_shot(page, out_dir / f"{lang}-{name}.png")
        seen = read_page(page)
        found = problems_of(seen, lang, data_words)
        if found:
            problems[name] = found
        # not a failure: a table wider than its box scrolls, its key column stays in view
        wide[name] = [
            f"table {i}: {tb['scroll_width']} px of columns in {tb['client_width']} px"
            for i, tb in enumerate(seen["tables"])
            if tb["scroll_width"] > tb["client_width"] + 2
        ]
    (out_dir / f"{lang}-notes.json").write_text(
        json.dumps({"problems": problems, "tables_that_scroll": wide}, ensure_ascii=False, indent=1)
    )
    assert not problems, "\n".join(f"{lang}/{p}: {x}" for p, xs in problems.items() for x in xs)


# ---------- the checks themselves, on made-up pages (no browser)


def test_checks_find_what_they_are_for():
    seen = {
        "width": 1440,
        "text": [
            "访客数 None",
            "支付转化率 nan%",
            "Conversion rate",
            "UV价值 ¥3.2",
            "ExportOrderLi",
            "p 值",
            "Nanjing",
        ],
        "tables": [
            {"left": 380, "right": 1360, "width": 980},
            {"left": 1400, "right": 2380, "width": 980},
        ],
        "charts": [
            {
                "left": 380,
                "right": 862,
                "hidden_labels": ["11-16", "1.8%", "直通车"],
                "legends": [{"left": 522, "right": 900}],
                "legend_labels": ["版本A（白…"],
                "swatch_opacity": [0.15, 1.0],
            }
        ],
    }
    found = problems_of(seen, "zh", {"ExportOrderList"})
    assert found[0] == "shows ['None', 'nan']"
    assert found[1] == "English in the Chinese UI: ['Conversion', 'Nanjing', 'rate']"
    assert found[2].startswith("table 1:")
    assert found[3] == "chart 0: labels skipped on a category axis: ['直通车']"
    assert found[4].startswith("chart 0: its legend runs past the chart")
    assert found[5] == "chart 0: legend labels cut short: ['版本A（白…']"
    assert found[6] == "chart 0: legend swatches fainter than the lines they name"
    assert len(found) == 7
    assert problems_of(seen, "en", set())[1:2] == [found[2]]
