"""Streamlit glue for the Report page: the period picker's default, the report built from the
cached page queries, its tables as shown, and the export files."""

from __future__ import annotations

from datetime import date

import pandas as pd

from shopsight import report, report_export
from shopsight.ui import data


def default_end(kind: str) -> date:
    return report.default_end(kind, report.last_day(data.query("date_bounds")))


def build(kind: str, end: date, lang: str) -> report.Report:
    """The report through ui.data.query: the same cached queries the pages read."""
    return report.build(data.query, report.period(kind, end), lang, data.datasets())


def shown(table: report.Table, lang: str) -> pd.DataFrame:
    """A report table with its cells as the HTML file prints them."""
    cols, rows = report_export.cells(table)
    return pd.DataFrame([[report_export.cell_text(v, f, lang) for v, f in r] for r in rows],
                        columns=cols)


def file_name(r: report.Report, ext: str) -> str:
    return f"shopsight_{r.period.kind}_{r.period.start}_{r.period.end}.{ext}"
