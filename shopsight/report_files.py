"""The report as files: one self-contained HTML page and an XLSX workbook.

HTML: a Jinja2 template with autoescaping (every data value is text, never markup), the CSS
inline, charts as inline SVG drawn here from the report's own numbers; no script, no font,
no image and no link to anything outside the file, so it opens offline and prints on A4
(`@page` A4, sections kept whole where they fit, tables repeat their header row).

XLSX (xlsxwriter): one sheet per section: the title, the period, the sentences, then each
table with a formatted header; numbers are written as numbers (rates as 0..1 with a percent
format, money with ¥), text as text (never a formula or a link).
"""

from __future__ import annotations

import io
import math
import re
from html import escape

import jinja2
import pandas as pd
from markupsafe import Markup

from shopsight import numbers, text_width
from shopsight.i18n import t
from shopsight.period_report import ROW_FORMATS, Chart, Report, Table

# ---------------------------------------------------------------------------- cells


def _is_missing(v: object) -> bool:
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


def cell_text(value: object, fmt: str, lang: str) -> str:
    """A table cell as the HTML report shows it."""
    if _is_missing(value):
        return numbers.NONE
    if fmt in ("int", "money", "pct", "ratio"):
        # full numbers in tables: a column never mixes ¥9,800.00 with ¥1.2万
        return numbers.fmt(value, fmt, lang, compact_from=math.inf)
    if fmt == "change":
        return numbers.fmt_signed(float(value), 1, "%")
    if fmt == "points":
        return numbers.fmt_signed(float(value), 2, " pt")
    if fmt == "date":
        return pd.Timestamp(value).date().isoformat()
    return str(value)


def cells(table: Table) -> tuple[list[str], list[list[tuple[object, str]]]]:
    """(columns shown, rows of (value, format)) with the per-row formats resolved."""
    cols = [c for c in table.frame.columns if not str(c).startswith("_")]
    out = []
    for _, r in table.frame.iterrows():
        row = []
        for c in cols:
            fmt = table.formats.get(c, "text")
            if fmt in ROW_FORMATS:
                fmt = r[ROW_FORMATS[fmt]]
            row.append((r[c], fmt))
        out.append(row)
    return cols, out


# ---------------------------------------------------------------------------- SVG charts

BAR_COLOR = "#e4393c"
AXIS_COLOR = "#999999"


def _labels(values: list, fmt: str, lang: str) -> list[str]:
    """A chart's value labels: one unit and one decimal count for the whole chart."""
    kind = fmt if fmt in ("int", "money", "pct", "ratio") else "int"
    if kind == "money":  # whole yuan: a label beside a bar, the table has the cents
        return numbers.fmt_column(
            values,
            "money",
            lang,
            decimals=None
            if any(v is not None and abs(v) >= numbers.COMPACT_FROM for v in values)
            else 0,
        )
    return numbers.fmt_column(values, kind, lang, decimals=1 if kind == "pct" else None)


def svg(chart: Chart, lang: str, width: int = 640) -> str:
    """The chart as an inline <svg> (labels escaped)."""
    values = [v if v is not None and not math.isnan(v) else None for v in chart.values]
    top = max([v for v in values if v is not None] + [0.0])
    if chart.kind == "columns":
        return _columns(chart, values, top, lang, width)
    return _bars(chart, values, top, lang, width)


def _bars(chart: Chart, values, top: float, lang: str, width: int) -> str:
    row, label_w, value_w = 22, 150, 80
    height = row * len(values) + 26
    plot = width - label_w - value_w
    parts = [
        f'<svg role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-size="11" '
        f'font-family="sans-serif"><title>{escape(chart.title)}</title>',
        f'<text x="0" y="13" font-weight="bold">{escape(chart.title)}</text>',
    ]
    shown = _labels(values, chart.fmt, lang)
    for i, (label, text_v) in enumerate(zip(chart.labels, shown, strict=True)):
        v = values[i]
        y = 22 + i * row
        w = 0 if not top or v is None or v <= 0 else plot * v / top
        text = text_width.clip(label, label_w - 10, font_px=11)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(text)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 7}" '
            f'fill="{BAR_COLOR}"/>'
        )
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 14}">{escape(text_v)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _columns(chart: Chart, values, top: float, lang: str, width: int) -> str:
    height, left, bottom, head = 200, 60, 28, 22
    plot_h, plot_w = height - bottom - head, width - left - 10
    n = max(len(values), 1)
    step = plot_w / n
    shown = _labels([top, *values], chart.fmt, lang)  # the axis top shares the bars' unit
    parts = [
        f'<svg role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-size="10" '
        f'font-family="sans-serif"><title>{escape(chart.title)}</title>',
        f'<text x="0" y="13" font-size="11" font-weight="bold">{escape(chart.title)}</text>',
        f'<line x1="{left}" y1="{head + plot_h}" x2="{width - 10}" y2="{head + plot_h}" '
        f'stroke="{AXIS_COLOR}"/>',
        f'<text x="{left - 4}" y="{head + 8}" text-anchor="end">{escape(shown[0])}</text>',
        f'<text x="{left - 4}" y="{head + plot_h}" text-anchor="end">0</text>',
    ]
    every = max(1, math.ceil(n / 12))  # at most ~12 day labels
    for i, (label, v) in enumerate(zip(chart.labels, values, strict=True)):
        text_v = shown[i + 1]
        h = 0 if not top or v is None or v <= 0 else plot_h * v / top
        x = left + i * step
        parts.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{head + plot_h - h:.1f}" '
            f'width="{step * 0.7:.1f}" height="{h:.1f}" fill="{BAR_COLOR}">'
            f"<title>{escape(label)}: {escape(text_v)}</title>"
            f"</rect>"
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - 10}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------------------- HTML

CSS = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC",
       sans-serif; color: #222; max-width: 190mm; margin: 0 auto; padding: 8px;
       font-size: 10.5pt; line-height: 1.45; }
h1 { font-size: 17pt; margin: 0 0 2px; }
h2 { font-size: 13pt; border-bottom: 2px solid #e4393c; padding-bottom: 2px; margin: 18px 0 6px; }
.sub { color: #666; margin: 0 0 10px; }
ul.said { margin: 4px 0 8px 18px; padding: 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 9.5pt; }
caption { text-align: left; font-weight: bold; padding: 2px 0; }
th { background: #f3f3f3; text-align: left; }
th, td { border: 1px solid #ddd; padding: 3px 6px; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
thead { display: table-header-group; }
tr, svg { page-break-inside: avoid; break-inside: avoid; }
section { page-break-inside: auto; }
section.small { page-break-inside: avoid; break-inside: avoid; }
svg { max-width: 100%; height: auto; display: block; margin: 4px 0; }
.note { color: #666; font-size: 9pt; }
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="{{ html_lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ report.title }} {{ report.period.start }} ~ {{ report.period.end }}</title>
<style>{{ css }}</style>
</head>
<body>
<header>
<h1>{{ report.title }}</h1>
<p class="sub">{{ report.subtitle }}</p>
</header>
{% if report.empty %}
<p>{{ empty_text }}</p>
{% endif %}
{% for s in sections %}
<section id="section-{{ s.key }}" class="{{ 'small' if s.small else '' }}">
<h2>{{ s.title }}</h2>
<ul class="said">{% for line in s.sentences %}<li>{{ line }}</li>{% endfor %}</ul>
{% for c in s.charts %}{{ c }}{% endfor %}
{% for tb in s.tables %}
<table>
<caption>{{ tb.caption }}</caption>
<thead><tr>{% for c in tb.columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in tb.rows %}<tr>{% for text, numeric in row %}<td{% if numeric %} class="n"{% endif %}>{{ text }}</td>{% endfor %}</tr>{% endfor %}</tbody>
</table>
{% endfor %}
</section>
{% endfor %}
<p class="note">{{ footer }}</p>
</body>
</html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_TEMPLATE = _ENV.from_string(TEMPLATE)


def to_html(report: Report) -> str:
    lang = report.lang
    sections = []
    for s in report.sections:
        tables = []
        for tb in s.tables:
            cols, rows = cells(tb)
            tables.append(
                {
                    "caption": t(f"rep.table_{tb.key}", lang),
                    "columns": cols,
                    "rows": [
                        [(cell_text(v, f, lang), f not in ("text", "date")) for v, f in r]
                        for r in rows
                    ],
                }
            )
        sections.append(
            {
                "key": s.key,
                "title": s.title,
                "sentences": s.sentences,
                "tables": tables,
                # the SVG is built here from numbers, with every label escaped
                "charts": [Markup(svg(c, lang)) for c in s.charts],
                "small": sum(len(tb.frame) for tb in s.tables) <= 12,
            }
        )
    return _TEMPLATE.render(
        report=report,
        sections=sections,
        css=Markup(CSS),
        html_lang="zh-CN" if lang == "zh" else "en",
        empty_text=t("rep.empty", lang),
        footer=t("rep.footer", lang),
    )


# ---------------------------------------------------------------------------- XLSX

NUM_FORMATS = {
    "int": "#,##0",
    "money": "¥#,##0.00",
    "pct": "0.00%",
    "change": "+0.0%;-0.0%;0.0%",
    # a rate's change in points (the cell holds 0..1 x 100): -4.82 pt, never read as -4.82%
    "points": '+0.00" pt";-0.00" pt";0.00" pt"',
    "ratio": "0.00",
    "date": "yyyy-mm-dd",
}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, used: set[str]) -> str:
    """A valid, unique sheet name (31 characters, none of []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub(" ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def to_xlsx(report: Report) -> bytes:
    import xlsxwriter

    lang = report.lang
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    title_f = book.add_format({"bold": True, "font_size": 14})
    head_f = book.add_format(
        {"bold": True, "bg_color": "#F3F3F3", "border": 1, "text_wrap": True, "valign": "top"}
    )
    caption_f = book.add_format({"bold": True})
    text_f = book.add_format({"border": 1})
    num_f = {k: book.add_format({"num_format": v, "border": 1}) for k, v in NUM_FORMATS.items()}
    used: set[str] = set()
    sections = report.sections or [None]
    for s in sections:
        ws = book.add_worksheet(sheet_name(s.title if s else report.title, used))
        ws.write_string(0, 0, f"{report.title} · {s.title}" if s else report.title, title_f)
        ws.write_string(1, 0, report.subtitle)
        row = 3
        lines = s.sentences if s else [t("rep.empty", lang)]
        for line in lines:
            ws.write_string(row, 0, line)
            row += 1
        widths: dict[int, int] = {}
        for tb in s.tables if s else []:
            row += 1
            ws.write_string(row, 0, t(f"rep.table_{tb.key}", lang), caption_f)
            row += 1
            cols, rows = cells(tb)
            for j, c in enumerate(cols):
                ws.write_string(row, j, str(c), head_f)
                widths[j] = max(widths.get(j, 8), _width(str(c)))
            row += 1
            for values in rows:
                for j, (v, fmt) in enumerate(values):
                    _write(ws, row, j, v, fmt, text_f, num_f)
                    if fmt == "text":
                        widths[j] = max(widths.get(j, 8), _width(str(v)))
                row += 1
        for j, w in widths.items():
            ws.set_column(j, j, min(max(w, 12), 40))
    book.close()
    return buf.getvalue()


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 2


def _write(ws, row: int, col: int, value: object, fmt: str, text_f, num_f) -> None:
    if _is_missing(value):
        ws.write_blank(row, col, None, text_f)
    elif fmt == "date":
        ws.write_datetime(row, col, pd.Timestamp(value).to_pydatetime(), num_f["date"])
    elif fmt == "points":
        ws.write_number(row, col, round(float(value) * 100, 10), num_f[fmt])
    elif fmt in num_f:
        ws.write_number(row, col, float(value), num_f[fmt])
    else:
        ws.write_string(row, col, str(value), text_f)
