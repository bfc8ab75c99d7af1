"""Report page under AppTest: the default period, its sections and tables as the report
functions give them, week/month switch, a period without data, the download buttons."""

from __future__ import annotations

from datetime import date

from shopsight import metrics, numbers, period_report, queries, workspace
from shopsight.i18n import t
from shopsight.ui import query_cache

PAGE = "views/report.py"


def test_default_week_shows_every_section(app, small_ws):
    at = app("small", PAGE)
    assert not at.exception
    # the small shop ends on Monday 2026-11-30: the last complete week is 11-23..11-29
    assert at.text[0].value.startswith("本期 2026-11-23 ~ 2026-11-29")
    # its main-image test (11-05..11-11) and inquiries (11-01..11-12) fall outside that week
    shown = ("kpis", "funnel", "sources", "products", "regions")
    assert [h.value for h in at.header] == [t(f"rep.sec_{k}", "zh") for k in shown]
    assert len(at.get("download_button")) == 2  # HTML and XLSX


def test_tables_equal_the_report_functions(app, small_ws):
    at = app("small", PAGE, rep_period="month")
    assert not at.exception
    assert at.text[0].value.startswith("本期 2026-11-01 ~ 2026-11-30")
    # the app's own connection (a process opens a file with one configuration only)
    with query_cache._database(str(small_ws.path.resolve())).cursor() as con:
        built = period_report.build(
            lambda n, **p: queries.run(con, n, **p),
            period_report.period("month", date(2026, 11, 30)),
            "zh",
            workspace.datasets(con),
        )
    assert [h.value for h in at.header] == [t(f"rep.sec_{k}", "zh") for k in period_report.SECTIONS]
    # sentences on the page are the report's
    shown = [x.value for x in at.text[1:]]
    assert shown == ["\n".join(s.sentences) for s in built.sections]
    kpi = next(d.value for d in at.dataframe if t("rep.col_metric", "zh") in d.value.columns)
    row = kpi[kpi[t("rep.col_metric", "zh")] == metrics.label("paid_amount", "zh")].iloc[0]
    paid = built.section("kpis").figures["paid_amount"]
    # tables show full numbers (a column never switches to 万)
    assert row[t("rep.col_current", "zh")] == f"¥{paid:,.2f}"
    # a rate's change in points, the same text in the sentence and in the table
    fig = built.section("kpis").figures
    for name in ("conversion", "refund_rate"):
        rate = kpi[kpi[t("rep.col_metric", "zh")] == metrics.label(name, "zh")].iloc[0]
        points = numbers.fmt_signed(fig[name] - fig[f"cmp_{name}"], 2, " pt")
        assert rate[t("rep.col_change", "zh")] == points, name
    said = next(x for x in shown if x.startswith(metrics.label("paid_amount", "zh")))
    conversion = metrics.label("conversion", "zh")
    assert f"{conversion} " in said  # the KPI sentences
    points = kpi.set_index(t("rep.col_metric", "zh")).at[conversion, t("rep.col_change", "zh")]
    assert f"变化 {points}。" in said


def test_switch_period_and_pick_a_day_without_data(app, small_ws):
    at = app("small", PAGE)
    at.segmented_control(key="rep_period").set_value("month").run()
    assert not at.exception
    assert at.query_params["rep_period"] == "month"
    assert at.text[0].value.startswith("本期 2026-11-01 ~ 2026-11-30")
    at.date_input(key="rep_end_month").set_value(date(2020, 1, 31)).run()
    assert not at.exception
    assert [i.value for i in at.info] == [t("rep.empty", "zh")]
    assert not at.header


def test_english_report_page(app, small_ws):
    at = app("small", PAGE, lang="en")
    assert not at.exception
    assert at.title[0].value == t("rep.title", "en")
    assert at.header[0].value == t("rep.sec_kpis", "en")


# a download button's label: a cut label ("Download the report…") hid which file it gives
LOCALES = {"zh": "zh-CN", "en": "en-US"}
LABEL_PX = 60  # what fits beside the icon in any layout (charts.label_px at 12 px)


def download_buttons(at) -> list[tuple[str, str, list]]:
    """(label, help, the blocks it sits in, outermost first) of each download button."""
    out = []

    def walk(node, chain):
        for child in getattr(node, "children", {}).values():
            if child.type == "download_button":
                out.append((child.label, child.help, chain))
            walk(child, [*chain, child])

    walk(at.main, [])
    return out


def assert_format_buttons(buttons, formats: list[str]) -> None:
    """Each button names its file's format and nothing else, with the rest in its help, and
    sits at its own width in a row that wraps (a column narrower than the label cut it)."""
    from shopsight.ui import charts

    assert [label for label, _, _ in buttons] == formats
    for label, help_text, chain in buttons:
        assert charts.label_px(label) <= LABEL_PX, label
        assert help_text and label in help_text
        assert not [b for b in chain if b.type == "column"], f"{label} is in a column"
        from streamlit.proto.Block_pb2 import Block

        row = chain[-1].proto.flex_container
        assert chain[-1].type == "flex_container" and row.wrap
        assert row.direction == Block.FlexContainer.Direction.HORIZONTAL


def test_download_buttons_show_their_format(app, orders_ws):
    for lang, locale in LOCALES.items():
        at = app("orders", PAGE, locale=locale)
        assert not at.exception
        buttons = download_buttons(at)
        assert_format_buttons(buttons, [t("rep.download_html", lang), t("rep.download_xlsx", lang)])
        assert [x for x, _, _ in buttons] == ["HTML", "Excel"]
