"""Streamlit glue for the Report page: the period picker's default, the report built from the
cached page queries, its tables as shown, and the export files."""

from __future__ import annotations

from datetime import date

import pandas as pd

from shopsight import period_report, report_files
from shopsight.ui import query_cache


def default_end(kind: str) -> date:
    return period_report.default_end(kind, period_report.last_day(query_cache.query("date_bounds")))


def build(kind: str, end: date, lang: str) -> period_report.Report:
    """The report through ui.data.query: the same cached queries the pages read."""
    return period_report.build(
        query_cache.query, period_report.period(kind, end), lang, query_cache.datasets()
    )


def shown(table: period_report.Table, lang: str) -> pd.DataFrame:
    """A report table with its cells as the HTML file prints them."""
    cols, rows = report_files.cells(table)
    return pd.DataFrame(
        [[report_files.cell_text(v, f, lang) for v, f in r] for r in rows], columns=cols
    )


def file_name(r: period_report.Report, ext: str) -> str:
    return f"shopsight_{r.period.kind}_{r.period.start}_{r.period.end}.{ext}"
