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
