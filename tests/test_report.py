"""The weekly / monthly report: its periods, every figure against the named queries and the
pages' functions, the XLSX read back with python-calamine, the HTML parsed and checked for
sections and outside links, a period without data, and the CLI."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from html.parser import HTMLParser

import pandas as pd
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from shopsight import (
    metrics,
    numbers,
    period_report,
    queries,
    report_files,
    text_width,
    workspace,
)
from shopsight.cli import cli
from shopsight.i18n import t

NOV = date(2026, 11, 30)


@pytest.fixture
def con(small_ws):
    c = small_ws.connect(read_only=True)
    yield c
    c.close()


def runner(c):
    return lambda name, **p: queries.run(c, name, **p)


def build(c, kind="month", end=NOV, lang="zh"):
    return period_report.build(
        runner(c), period_report.period(kind, end), lang, workspace.datasets(c)
    )


# ---------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("kind", "end", "want"),
    [
        (
            "week",
            date(2026, 11, 29),
            (date(2026, 11, 23), date(2026, 11, 29), date(2026, 11, 16), date(2026, 11, 22)),
        ),
        (
            "month",
            date(2026, 11, 30),
            (date(2026, 11, 1), date(2026, 11, 30), date(2026, 10, 1), date(2026, 10, 31)),
        ),
        (
            "month",
            date(2026, 3, 31),
            (date(2026, 3, 1), date(2026, 3, 31), date(2026, 2, 1), date(2026, 2, 28)),
        ),
        (
            "month",
            date(2028, 2, 29),
            (date(2028, 2, 1), date(2028, 2, 29), date(2028, 1, 1), date(2028, 1, 31)),
        ),
        (
            "month",
            date(2026, 11, 15),
            (date(2026, 10, 16), date(2026, 11, 15), date(2026, 9, 16), date(2026, 10, 15)),
        ),
    ],
)
def test_period_and_the_one_before(kind, end, want):
    p = period_report.period(kind, end)
    assert (p.start, p.end, p.cmp_start, p.cmp_end) == want


@pytest.mark.parametrize(
    ("kind", "last", "want"),
    [
        ("week", date(2026, 11, 30), date(2026, 11, 29)),  # a Monday: the week before
        ("week", date(2026, 11, 29), date(2026, 11, 29)),  # a Sunday: that week
        ("week", date(2026, 12, 5), date(2026, 11, 29)),
        ("month", date(2026, 11, 30), date(2026, 11, 30)),
        ("month", date(2026, 11, 29), date(2026, 10, 31)),
        ("month", date(2026, 1, 10), date(2025, 12, 31)),
    ],
)
def test_default_end_is_the_last_complete_period(kind, last, want):
    assert period_report.default_end(kind, last) == want


# ---------------------------------------------------------------------------- figures


def test_every_section_of_the_small_shop_is_there(con):
    r = build(con)
    assert [s.key for s in r.sections] == list(period_report.SECTIONS)
    for s in r.sections:
        assert 2 <= len(s.sentences) <= period_report.SENTENCES_MAX, s.key


def test_kpis_equal_the_overview_queries(con):
    r = build(con)
    now = queries.run(
        con,
        "overview_kpis_traffic",
        start=date(2026, 11, 1),
        end=NOV,
        src=None,
        dev=None,
        prov=None,
        plat=None,
        cur=None,
        cat=None,
    ).iloc[0]
    before = queries.run(
        con,
        "overview_kpis_traffic",
        start=date(2026, 10, 1),
        end=date(2026, 10, 31),
        src=None,
        dev=None,
        prov=None,
        plat=None,
        cur=None,
        cat=None,
    ).iloc[0]
    fig = r.section("kpis").figures
    for name in ("visitors", "paying_buyers", "conversion", "aov", "paid_amount"):
        assert fig[name] == pytest.approx(metrics.value(name, now)), name
        assert fig[f"cmp_{name}"] == pytest.approx(metrics.value(name, before)), name
    refunds = queries.run(
        con,
        "overview_kpis_products",
        start=date(2026, 11, 1),
        end=NOV,
        src=None,
        dev=None,
        prov=None,
        plat=None,
        cur=None,
        cat=None,
    ).iloc[0]
    assert fig["refund_rate"] == pytest.approx(refunds["refund_amount"] / refunds["paid_amount"])
    assert fig["roi"] == pytest.approx(now["spend_paid_amount"] / now["spend"])
    # the traffic rows summed by hand: the query is right too
    raw = con.execute(
        "select sum(visitors), sum(paid_amount) from traffic "
        "where date >= '2026-11-01' and date_end <= '2026-11-30'"
    ).fetchone()
    assert fig["visitors"] == raw[0]
    assert fig["paid_amount"] == pytest.approx(raw[1])


def test_funnel_sources_products_regions_equal_their_queries(con):
    r = build(con)
    p = {
        "start": date(2026, 11, 1),
        "end": NOV,
        "cmp_start": date(2026, 10, 1),
        "cmp_end": date(2026, 10, 31),
        "src": None,
        "dev": None,
        "prov": None,
        "plat": None,
        "cur": None,
        "cat": None,
    }
    steps = queries.run(con, "funnel_steps_traffic", **p, by=None).iloc[0]
    fun = r.section("funnel").figures
    assert fun["users_visitors"] == steps["visitors"]
    assert fun["users_paying_buyers"] == steps["paying_buyers"]
    assert fun["conversion_from_first"] == pytest.approx(steps["paying_buyers"] / steps["visitors"])

    by_source = queries.run(con, "sources_by_source", **p)
    by_source = by_source[by_source["count_rows"] > 0]
    src = r.section("sources").figures
    assert {k[5:]: v for k, v in src.items()} == pytest.approx(
        dict(zip(by_source["source"], by_source["paid_amount"], strict=True))
    )

    ranking = queries.run(
        con, "products_ranking", **p, level="product", slow_days=14, cover_days=14
    )
    prod = r.section("products").figures
    paid = dict(zip(ranking["product_id"], ranking["paid_amount"], strict=True))
    top = [k for k in prod if k.startswith("paid_")]
    assert top and all(prod[k] == pytest.approx(paid[k[5:]]) for k in top)
    assert prod[top[0]] == pytest.approx(max(paid.values()))

    regions_rows = queries.run(con, "regions_orders", **p, province=None, undated=True)
    reg = r.section("regions").figures
    assert reg["paid_amount"] == pytest.approx(regions_rows["paid_amount"].sum())
    lines = con.execute(
        "select province, sum(paid_amount) from orders "
        "where order_time >= '2026-11-01' and order_time < '2026-12-01' "
        "group by 1"
    ).fetchall()
    assert len(lines) == 4
    for province, amount in lines:
        assert reg[f"paid_{province}"] == pytest.approx(amount)


def test_image_test_verdict_equals_the_ab_page(con):
    from shopsight.ui import abtest_page as ab_page

    r = build(con)
    totals = queries.run(
        con, "abtest_variants", test_id="t1", start_date=date(2026, 11, 1), end_date=NOV
    )
    daily = queries.run(
        con, "abtest_daily", test_id="t1", start_date=date(2026, 11, 1), end_date=NOV
    )
    page = ab_page.analyse(totals, daily, None, "ctr")
    fig = r.section("image_tests").figures
    # the page's default method: the sequential verdict
    assert fig["status_t1"] == page.seq_verdict["status"]
    assert fig["lift_t1"] == pytest.approx(page.seq_verdict["lift_rel"])
    table = r.section("image_tests").tables[0].frame
    assert table[t("rep.col_p_value", "zh")].tolist() == [
        numbers.fmt_p(page.seq_verdict["p_value"])
    ]


def test_inquiries_equal_their_queries(con):
    r = build(con)
    sums = queries.run(
        con, "inquiries_kpis", start=date(2026, 11, 1), end=NOV, prov=None, plat=None, cur=None
    ).iloc[0]
    fig = r.section("inquiries").figures
    assert fig["inquiries"] == sums["count_inquiries"] == 12
    assert fig["closed_inquiries"] == sums["count_closed"] == 4  # days 0, 3, 6, 9
    assert fig["close_rate"] == pytest.approx(4 / 12)
    assert fig["deal_amount"] == pytest.approx(2000.0)


def _kpi_changes(section: period_report.Section, lang: str = "zh") -> dict[str, str]:
    """metric label -> the change cell's text, as the page and the HTML file show it."""
    table = next(tb for tb in section.tables if tb.key == "kpis")
    cols, rows = report_files.cells(table)
    assert "_fmt" not in cols and "_change_fmt" not in cols
    i = cols.index(t("rep.col_change", lang))
    return {r[0][0]: report_files.cell_text(*r[i], lang) for r in rows}


def test_rate_changes_are_points_in_the_sentences_and_the_table(con):
    r = build(con)
    s = r.section("kpis")
    fig = s.figures
    changes = _kpi_changes(s)
    rates = [n for n in metrics.METRICS if metrics.get(n).fmt == "pct" and n in fig]
    assert {"conversion", "refund_rate"} <= set(rates)
    for n in rates:
        points = numbers.fmt_signed(fig[n] - fig[f"cmp_{n}"], 2, " pt")
        assert changes[metrics.label(n, "zh")] == points, n
    # sums and other ratios stay relative
    paid = numbers.fmt_signed(fig["paid_amount"] / fig["cmp_paid_amount"] - 1, 1, "%")
    assert changes[metrics.label("paid_amount", "zh")] == paid
    said = next(x for x in s.sentences if x.startswith(metrics.label("conversion", "zh")))
    assert said.endswith(f"{changes[metrics.label('conversion', 'zh')]}。")
    html = report_files.to_html(r)
    assert changes[metrics.label("refund_rate", "zh")] in "".join(parse(html).text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_rate_change_reads_alike_in_the_sentence_and_the_table(monkeypatch, lang):
    from shopsight import kpis

    # a refund rate of 0% both periods, and one that fell from 7.65% to 2.83%
    cases = {"now": {"refund_rate": 0.0, "conversion": 0.0283}}
    cases["compare"] = {"refund_rate": 0.0, "conversion": 0.0765}

    class Picked:
        kind = "orders"

        def names(self):
            return ["conversion", "refund_rate"]

        def values(self, which="now"):
            return cases[which]

    monkeypatch.setattr(kpis, "select", lambda *a, **k: Picked())
    p = period_report.period("week", NOV)
    s = period_report.kpi_section(lambda name, **q: pd.DataFrame(), p, set(), lang)
    changes = _kpi_changes(s, lang)
    refund, conv = (metrics.label(n, lang) for n in ("refund_rate", "conversion"))
    assert changes == {conv: "-4.82 pt", refund: "0.00 pt"}  # not "-63.0%" and "—"
    said = [x for x in s.sentences if x.startswith((refund, conv))]
    assert len(said) == 2
    assert "-4.82 pt" in said[0] and "0.00 pt" in said[1]


def test_a_week_report_compares_with_the_week_before(con):
    r = build(con, "week", date(2026, 11, 29))
    fig = r.section("kpis").figures
    week = con.execute(
        "select sum(visitors) from traffic where date between "
        "'2026-11-23' and '2026-11-29' and date_end <= '2026-11-29'"
    ).fetchone()
    before = con.execute(
        "select sum(visitors) from traffic where date between "
        "'2026-11-16' and '2026-11-22' and date_end <= '2026-11-22'"
    ).fetchone()
    assert fig["visitors"] == week[0]
    assert fig["cmp_visitors"] == before[0]
    assert "上周" in r.section("kpis").sentences[0]


# ---------------------------------------------------------------------------- XLSX


def test_xlsx_reads_back_with_sheets_and_numbers(con):
    r = build(con)
    data = report_files.to_xlsx(r)
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert wb.sheet_names == [s.title for s in r.sections]
    kpi_rows = wb.get_sheet_by_name(t("rep.sec_kpis", "zh")).to_python()
    header = kpi_rows.index(
        [t(f"rep.col_{c}", "zh") for c in ("metric", "current", "previous", "change")]
    )
    by_label = {row[0]: row for row in kpi_rows[header + 1 :] if row[0]}
    fig = r.section("kpis").figures
    paid = by_label[metrics.label("paid_amount", "zh")]
    assert isinstance(paid[1], float) and paid[1] == pytest.approx(fig["paid_amount"])
    assert paid[2] == pytest.approx(fig["cmp_paid_amount"])
    assert paid[3] == pytest.approx(fig["paid_amount"] / fig["cmp_paid_amount"] - 1)
    conv = by_label[metrics.label("conversion", "zh")]
    assert isinstance(conv[1], float) and 0 < conv[1] < 1  # a rate as a number, not "2.9%"
    # a rate's change in points, as the HTML file and the page say (-4.82 pt: the cell holds
    # the 0..1 difference x 100, and its format says pt, so it never reads as -4.82%)
    assert conv[3] == pytest.approx((fig["conversion"] - fig["cmp_conversion"]) * 100)
    styles = zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml").decode()
    assert 'formatCode="+0.00&quot; pt&quot;;-0.00&quot; pt&quot;;0.00&quot; pt&quot;"' in styles

    inq = wb.get_sheet_by_name(t("rep.sec_inquiries", "zh")).to_python()
    title = t("inq.col_channel", "zh")
    head = next(i for i, row in enumerate(inq) if row[0] == title)
    assert inq[head][:4] == [
        title,
        metrics.label("inquiries", "zh"),
        metrics.label("closed_inquiries", "zh"),
        metrics.label("close_rate", "zh"),
    ]
    assert inq[head + 1][:4] == ["旺旺", 12.0, 4.0, pytest.approx(4 / 12)]
    styles = zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml").decode()
    assert 'formatCode="0.00%"' in styles and "¥#,##0.00" in styles


def test_xlsx_text_is_never_a_formula():
    cell = '=HYPERLINK("http://x","y")'
    r = _crafted(cell)
    data = report_files.to_xlsx(r)
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = wb.get_sheet_by_index(0).to_python()
    assert any(cell in row for row in rows)
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet


# ---------------------------------------------------------------------------- HTML


class Parsed(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k == "id":
                self.ids.append(v)
            if k in ("src", "href", "xlink:href", "action", "srcset") and v:
                self.links.append(v)

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Parsed:
    p = Parsed()
    p.feed(html)
    p.close()
    return p


def test_html_has_every_section_and_nothing_from_outside(con):
    r = build(con)
    html = report_files.to_html(r)
    p = parse(html)
    assert [i for i in p.ids if i.startswith("section-")] == [
        f"section-{k}" for k in period_report.SECTIONS
    ]
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(p.tags)
    assert not [u for u in p.links if "http://" in u or "https://" in u or u.startswith("//")]
    assert "http://" not in html and "https://" not in html and "@import" not in html
    assert p.tags.count("svg") >= 5  # the charts are inline
    text = "".join(p.text)
    for s in r.sections:
        assert s.title in text
        for line in s.sentences:
            assert line in text
    assert "@page" in html and "A4" in html


def test_html_escapes_data_values():
    r = _crafted('<script>alert("x")</script>')
    html = report_files.to_html(r)
    p = parse(html)
    assert "script" not in p.tags
    assert '<script>alert("x")</script>' in "".join(p.text)


@pytest.mark.parametrize(
    "name", ["超长商品名称" * 14, "A very long English product name, 80 chars"]
)
def test_bar_labels_fit_left_of_their_bars(name):
    """A label is right-aligned against its bar: one wider than its room lost its start (the
    first character of an 80-character name was drawn left of the picture)."""
    chart = period_report.Chart("支付金额", [name, "短名"], [10.0, 5.0], "money")
    drawn = re.findall(r'text-anchor="end">([^<]*)<', report_files.svg(chart, "zh"))
    assert drawn[1] == "短名"
    assert drawn[0].endswith("…") and name.startswith(drawn[0][:-1])
    assert text_width.px(drawn[0], font_px=11) <= 140


def _crafted(value: str) -> period_report.Report:
    frame = pd.DataFrame({"name": [value], "n": [1]})
    chart = period_report.Chart(value, [value], [1.0], "int")
    section = period_report.Section(
        "sources",
        value,
        [value, value],
        [period_report.Table("sources", frame, {"name": "text", "n": "int"})],
        [chart],
    )
    return period_report.Report(period_report.period("week", NOV), "zh", "t", "s", [section])


# ---------------------------------------------------------------------------- no data


def test_a_period_without_data_gives_a_short_report(con):
    r = build(con, "week", date(2020, 1, 5), lang="en")
    assert r.empty
    html = report_files.to_html(r)
    assert t("rep.empty", "en") in "".join(parse(html).text)
    assert len(html) < 5000
    wb = CalamineWorkbook.from_filelike(io.BytesIO(report_files.to_xlsx(r)))
    assert len(wb.sheet_names) == 1
    cells = [c for row in wb.get_sheet_by_index(0).to_python() for c in row]
    assert t("rep.empty", "en") in cells


# ---------------------------------------------------------------------------- CLI


def test_cli_writes_html_and_xlsx(small_ws, tmp_path):
    out = tmp_path / "month.html"
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--period",
            "month",
            "--format",
            "html",
            "--out",
            str(out),
            "--workspace",
            str(small_ws.path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2026-11-01~2026-11-30" in result.output
    p = parse(out.read_text(encoding="utf-8"))
    assert len([i for i in p.ids if i.startswith("section-")]) == len(period_report.SECTIONS)

    xlsx = tmp_path / "week.xlsx"
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--period",
            "week",
            "--end",
            "2026-11-29",
            "--format",
            "xlsx",
            "--out",
            str(xlsx),
            "--lang",
            "en",
            "--workspace",
            str(small_ws.path),
        ],
    )
    assert result.exit_code == 0, result.output
    wb = CalamineWorkbook.from_path(str(xlsx))
    assert wb.sheet_names[0] == t("rep.sec_kpis", "en")

    bad = CliRunner().invoke(
        cli,
        [
            "report",
            "--period",
            "week",
            "--end",
            "29/11/2026",
            "--format",
            "html",
            "--out",
            str(out),
            "--workspace",
            str(small_ws.path),
        ],
    )
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
