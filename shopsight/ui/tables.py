"""Grid columns in the one number style (shopsight.numbers), so every page's tables read alike.

A column of numbers stays numbers (it sorts as numbers) with a fixed format: full values
with separators, fixed decimals, money with its currency's symbol.  The key column of a
table is pinned so it stays in view when a narrow screen scrolls the rest.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from shopsight import numbers


def number(
    kind: str,
    label: str | None = None,
    *,
    help: str | None = None,
    currency: str | None = None,
    decimals: int | None = None,
    width: str | int | None = None,
    pinned: bool | None = None,
):
    """A NumberColumn of `kind` ('int' | 'money' | 'pct' | 'ratio' | 'points', or 'change':
    a 0..1 relative change that `rounded` turned into percent, shown signed: +12.3%; or
    'money_change': a change of an amount, +¥8,298.00, whose text `styled` gives)."""
    fmt = numbers.column_format(
        "change_x100" if kind == "change" else kind, currency=currency, decimals=decimals
    )
    return st.column_config.NumberColumn(label, help=help, width=width, pinned=pinned, **fmt)


def key(label: str | None = None, *, help: str | None = None, width: str | int | None = None):
    """The column that names a row (version, source, province, product): pinned."""
    return st.column_config.TextColumn(label, help=help, width=width, pinned=True)


def text(
    label: str | None = None,
    *,
    help: str | None = None,
    width: str | int | None = None,
    alignment: str | None = None,
):
    """A text column; alignment="right" for numbers already written as text (short lists
    in the user's language), so they line up as the grid's numbers do."""
    return st.column_config.TextColumn(label, help=help, width=width, alignment=alignment)


def rounded(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """`frame` as a grid shows it: pct columns rounded to the decimals shown (the grid cuts
    them off rather than rounding), 'change' columns x100 (the grid's percent format has no
    sign); `kinds` maps a column to its kind."""
    out = frame.copy()
    for col, kind in kinds.items():
        if col in out.columns and kind == "pct":
            out[col] = numbers.grid_round(out[col], kind)
        elif col in out.columns and kind == "change":
            out[col] = pd.to_numeric(out[col], errors="coerce") * 100
    return out


# kinds whose text the grid cannot write with a format of its own (numbers.column_format)
STYLED_KINDS = ("money_change",)


def styled(frame: pd.DataFrame, kinds: dict[str, str], lang: str, currency: str | None = None):
    """`frame` for st.dataframe with the text of its STYLED_KINDS columns written by
    numbers.fmt (a pandas Styler's display values, shown where the column has no format);
    the cells stay numbers, so the column still sorts as numbers. `frame` itself when no
    column needs it."""
    cols = {c: k for c, k in kinds.items() if k in STYLED_KINDS and c in frame.columns}
    if not cols:
        return frame
    return frame.style.format(
        {
            c: (
                lambda v, k=k: numbers.fmt(v, k, lang, compact_from=float("inf"), currency=currency)
            )
            for c, k in cols.items()
        },
        na_rep=numbers.NONE,
    )


# st.dataframe's header and rows are 35 px each (and a border): its default height shows
# about ten rows, so an eleventh scrolled inside the table behind a sliver of itself
ROW_PX = 35


def fit_height(rows: int, most: int = 25) -> int:
    """A grid height showing `rows` rows without scrolling, up to `most` of them."""
    return (min(rows, most) + 1) * ROW_PX + 3
