"""CSV downloads that are safe to open in Excel / WPS.

A cell starting with = + - @ tab or CR is read by spreadsheets as a formula (CSV
injection), so such cells get a leading apostrophe.  UTF-8 with a BOM so Excel
shows Chinese correctly.
"""

from __future__ import annotations

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_csv(df: pd.DataFrame) -> bytes:
    """The frame as CSV bytes with every text cell (and header) escaped."""
    out = df.copy()
    out.columns = [escape_cell(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_cell)
    return out.to_csv(index=False).encode("utf-8-sig")


def safe_xlsx(df: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """The frame as an XLSX workbook: cells escaped as in safe_csv, and written as text,
    never as formulas or links (xlsxwriter would otherwise turn "=..." into a formula).
    List cells (sparkline series) are left out: a spreadsheet cell cannot hold them."""
    import io

    out = df.copy()
    out = out[
        [c for c in out.columns if not out[c].map(lambda v: isinstance(v, (list, tuple))).any()]
    ]
    out.columns = [escape_cell(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_cell)
    buf = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": options}) as xl:
        out.to_excel(xl, index=False, sheet_name=sheet_name[:31])
    return buf.getvalue()
