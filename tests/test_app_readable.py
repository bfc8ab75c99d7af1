"""What a reader sees on every analysis page, in Chinese and English.

On an empty workspace and on one with traffic data only: no exception, a message saying why
the page (or a section of it) is empty and what to upload, no heading left with nothing under
it, each message in the page's language.  On the small shop: every text a chart shows (titles,
axis and legend labels, hover text) has no None / nan and, in Chinese, no English beyond names
and units.  (The browser test looks at the drawn pages; hover text is only in the spec.)
"""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from conftest import small_tables
from ui_words import CJK, WORD, english_words, nullish

from shopsight import teams, workspace

PAGES = [
    "views/overview.py",
    "views/funnel.py",
    "views/sources.py",
    "views/regions.py",
    "views/products.py",
    "views/customers.py",
    "views/abtest.py",
    "views/inquiries.py",
    "views/report.py",
]
LOCALES = {"zh": "zh-CN", "en": "en-US"}
# with traffic alone these pages draw their own numbers; every other page says what is missing
DRAWN_FROM_TRAFFIC = {"views/overview.py", "views/funnel.py", "views/sources.py", "views/report.py"}
MESSAGES = ("info", "warning", "error")
# elements that show something (a widget alone does not fill a section)
CONTENT = {
    "info",
    "warning",
    "error",
    "success",
    "caption",
    "markdown",
    "metric",
    "dataframe",
    "table",
    "vega_lite_chart",
    "arrow_vega_lite_chart",
    "deck_gl_json_chart",
    "plotly_chart",
    "json",
    "text",
    "code",
    "page_link",
    "download_button",
}


@pytest.fixture
def traffic_ws(data_dir):
    ws = teams.create_team("traffic").workspace
    workspace.write_dataset(ws, "traffic", small_tables()["traffic"], file="traffic.csv")
    return ws


def flat(node) -> list:
    """The page's elements in the order drawn (blocks opened, expanders and tabs too)."""
    out = []
    for child in getattr(node, "children", {}).values():
        if getattr(child, "children", None):
            out.extend(flat(child))
        else:
            out.append(child)
    return out


def text_of(el) -> str:
    value = getattr(el, "value", None)
    if el.type == "metric":
        return f"{el.label} {value}"
    return value if isinstance(value, str) else ""


def blank_headings(elements) -> list[str]:
    """Headings followed by no content before the next heading (or the end)."""
    blank, open_heading = [], None
    for el in elements:
        if el.type in ("title", "header", "subheader"):
            if open_heading is not None:
                blank.append(open_heading)
            open_heading = el.value if el.type != "title" else None
        elif el.type in CONTENT and open_heading is not None:
            open_heading = None
    if open_heading is not None:
        blank.append(open_heading)
    return blank


def look(at, lang: str, page: str, *, must_explain: bool) -> list[str]:
    problems = []
    if at.exception:
        return [f"exception: {at.exception[0].value[:300]}"]
    elements = flat(at.main)
    messages = [el.value for el in elements if el.type in MESSAGES]
    if must_explain and not messages:
        problems.append("no message says why the page is empty")
    for heading in blank_headings(elements):
        problems.append(f"nothing under {heading!r}")
    texts = [text_of(el) for el in elements]
    if nullish(texts):
        problems.append(f"shows {nullish(texts)}")
    for message in messages:
        if lang == "zh" and (not CJK.search(message) or english_words([message])):
            problems.append(f"not Chinese: {message[:120]}")
        # an English message may quote a Chinese report's name (生意参谋), not speak Chinese
        if lang == "en" and len(CJK.findall(message)) > len(WORD.findall(message)):
            problems.append(f"not English: {message[:120]}")
    return [f"{lang} {page}: {p}" for p in problems]


@pytest.mark.parametrize("lang", list(LOCALES))
def test_an_empty_workspace_says_on_every_page_what_to_upload(app, empty_ws, lang):
    problems = []
    for page in PAGES:
        at = app("empty", page, locale=LOCALES[lang])
        problems += look(at, lang, page, must_explain=True)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", list(LOCALES))
def test_traffic_alone_fills_its_pages_and_the_others_say_what_is_missing(app, traffic_ws, lang):
    problems = []
    for page in PAGES:
        at = app("traffic", page, locale=LOCALES[lang])
        problems += look(at, lang, page, must_explain=page not in DRAWN_FROM_TRAFFIC)
    assert not problems, "\n".join(problems)


def test_the_check_finds_a_heading_with_nothing_under_it():
    class El:
        def __init__(self, type_, value=""):
            self.type, self.value = type_, value

    page = [
        El("title", "转化漏斗"),
        El("metric"),
        El("subheader", "分组对比"),
        El("button_group"),
        El("subheader", "时间"),
        El("caption", "x"),
    ]
    assert blank_headings(page) == ["分组对比"]
    assert blank_headings([*page, El("subheader", "末尾")]) == ["分组对比", "末尾"]


# ---------- chart texts


LEGEND_CHANNELS = {"color", "fill", "stroke", "strokeDash", "shape", "size", "opacity"}


def chart_texts(spec: dict, datasets: list[pa.Table]) -> list[str]:
    """The texts a Vega-Lite chart shows: titles, text marks, the domains of shown legends,
    and the values of the nominal fields on its axes, legends, labels and tooltips."""
    out, fields = [], set()

    def walk(obj):
        if isinstance(obj, list):
            for v in obj:
                walk(v)
        elif isinstance(obj, dict):
            for key, v in obj.items():
                if key in ("title", "text") and isinstance(v, str):
                    out.append(v)
                elif key == "domain" and isinstance(v, list):
                    out.extend(x for x in v if isinstance(x, str))
                elif key == "encoding" and isinstance(v, dict):
                    for channel, enc in v.items():
                        for e in enc if isinstance(enc, list) else [enc]:
                            if not isinstance(e, dict):
                                continue
                            if channel in LEGEND_CHANNELS and "legend" in e and e["legend"] is None:
                                continue  # drawn as a colour only, never as text
                            if "field" in e and e.get("type") in ("nominal", "ordinal"):
                                fields.add(e["field"])
                            walk(e)
                else:
                    walk(v)

    walk(spec)
    for table in datasets:
        for field in fields & set(table.column_names):
            out.extend(str(x) for x in table[field].to_pylist() if x is not None)
    return out


def shown_in_charts(at) -> list[str]:
    out = []
    for el in at.get("vega_lite_chart"):
        datasets = [pa.ipc.open_stream(d.data.data).read_all() for d in el.proto.datasets]
        out += chart_texts(json.loads(el.proto.spec), datasets)
    return out


def small_shop_words() -> set[str]:
    """Latin words the small shop's own data brings (a test variant named "control")."""
    return {
        w
        for table in small_tables().values()
        for col in table.columns
        for x in col.to_pylist()
        if isinstance(x, str)
        for w in WORD.findall(x)
    }


@pytest.mark.parametrize("lang", list(LOCALES))
def test_small_shop_sections_and_chart_texts_read_well(app, small_ws, lang):
    data_words = small_shop_words()
    problems = []
    for page in PAGES:
        at = app("small", page, locale=LOCALES[lang])
        assert not at.exception, (page, at.exception)
        problems += [f"{lang} {page}: nothing under {h!r}" for h in blank_headings(flat(at.main))]
        texts = shown_in_charts(at)
        assert texts or page == "views/report.py", f"{page} drew no chart"
        if nullish(texts):
            problems.append(f"{lang} {page}: a chart shows {nullish(texts)}")
        words = english_words(texts, data_words) if lang == "zh" else set()
        if words:
            problems.append(f"{page}: English in a chart: {sorted(words)}")
    assert not problems, "\n".join(problems)


def test_chart_texts_reads_titles_shown_legends_and_hover_fields():
    spec = {
        "layer": [
            {
                "encoding": {
                    "x": {"field": "label", "type": "nominal", "title": "来源"},
                    "y": {"field": "v", "type": "quantitative", "title": "金额"},
                    "color": {
                        "field": "kind",
                        "type": "nominal",
                        "legend": None,
                        "scale": {"domain": ["up", "down"]},
                    },
                    "tooltip": [{"field": "name", "type": "nominal", "title": "商品"}],
                }
            }
        ],
        "title": "标题",
    }
    data = pa.table(
        {"label": ["直通车", None], "v": [1.0, 2.0], "kind": ["up", "down"], "name": ["T恤", "nan"]}
    )
    assert sorted(chart_texts(spec, [data])) == sorted(
        ["来源", "金额", "商品", "标题", "直通车", "T恤", "nan"]
    )
