"""Number formatting per language: 万/亿 in Chinese, K/M/B in English; "—" for no value.

Formats (the `fmt` of a metric): "int" counts, "money" yuan, "pct" a 0..1 rate,
"ratio" a plain multiple such as 投入产出比.  Large values are shown compactly from
10,000 on (1.2万 / 12.3K) with one decimal; smaller ones in full with separators.
"""

from __future__ import annotations

import pandas as pd

NONE = "—"
CURRENCY = "¥"
# symbols of other currencies (ISO code -> symbol); an unknown code is written before the number
SYMBOLS = {"CNY": "¥", "USD": "US$", "HKD": "HK$", "TWD": "NT$", "EUR": "€", "GBP": "£",
           "JPY": "JP¥", "KRW": "₩", "THB": "฿", "SGD": "S$", "AUD": "A$", "CAD": "C$",
           "MYR": "RM"}
COMPACT_FROM = 10_000

_UNITS = {
    "zh": ((1e8, "亿"), (1e4, "万")),
    "en": ((1e9, "B"), (1e6, "M"), (1e3, "K")),
}


def is_missing(value: object) -> bool:
    """None, NaN, NaT and pd.NA: all shown as "—"."""
    return value is None or bool(pd.isna(value))


def _one_decimal(x: float) -> str:
    text = f"{x:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def compact(value: float, lang: str) -> str:
    """12345 -> '1.2万' (zh) / '12.3K' (en); below 10,000 the full number with separators."""
    if abs(value) < COMPACT_FROM:
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    for size, unit in _UNITS[lang]:
        if abs(value) >= size:
            return _one_decimal(value / size) + unit
    return f"{value:,.0f}"


def fmt_int(value: object, lang: str, *, compact_from: float = COMPACT_FROM) -> str:
    if is_missing(value):
        return NONE
    v = float(value)  # type: ignore[arg-type]
    return f"{round(v):,}" if abs(v) < compact_from else compact(v, lang)


def fmt_money(value: object, lang: str, *, compact_from: float = COMPACT_FROM,
              currency: str | None = None) -> str:
    """¥1,234.50; with an ISO currency code, that currency's symbol (US$1,234.50)."""
    if is_missing(value):
        return NONE
    v = float(value)  # type: ignore[arg-type]
    sign = "-" if v < 0 else ""
    body = f"{abs(v):,.2f}" if abs(v) < compact_from else compact(abs(v), lang)
    symbol = CURRENCY if currency is None else SYMBOLS.get(currency, f"{currency} ")
    return f"{sign}{symbol}{body}"


def fmt_pct(value: object, lang: str, *, compact_from: float = COMPACT_FROM) -> str:
    if is_missing(value):
        return NONE
    return f"{float(value) * 100:.2f}%"  # type: ignore[arg-type]


def fmt_ratio(value: object, lang: str, *, compact_from: float = COMPACT_FROM) -> str:
    if is_missing(value):
        return NONE
    return f"{float(value):,.2f}"  # type: ignore[arg-type]


FORMATTERS = {"int": fmt_int, "money": fmt_money, "pct": fmt_pct, "ratio": fmt_ratio}


def fmt(value: object, kind: str, lang: str, *, compact_from: float = COMPACT_FROM) -> str:
    """Format a value by format kind ('int' | 'money' | 'pct' | 'ratio').

    Counts and money from `compact_from` on are shown compactly (1.2万 / 12.3K);
    pass math.inf for full numbers.
    """
    return FORMATTERS[kind](value, lang, compact_from=compact_from)


def change(current: object, previous: object) -> float | None:
    """Relative change current/previous - 1; None when either is missing or previous is 0."""
    if is_missing(current) or is_missing(previous) or float(previous) == 0:  # type: ignore[arg-type]
        return None
    return float(current) / float(previous) - 1  # type: ignore[arg-type]


def fmt_change(value: float | None, lang: str) -> str | None:
    """'+12.3%' / '-4.1%' for st.metric's delta (its sign picks the arrow); None hides it."""
    if value is None:
        return None
    return fmt_signed(value, 1, "%")


def fmt_signed(value: float, decimals: int, suffix: str) -> str:
    """A 0..1 change times 100 with its sign (+12.3%, -0.04 pt); one that rounds to zero has
    no sign ("0.0%", never "-0.0%" for a tiny fall)."""
    shown = round(value * 100, decimals)
    return f"{0:.{decimals}f}{suffix}" if shown == 0 else f"{shown:+.{decimals}f}{suffix}"


def is_flat(delta: str | None) -> bool:
    """A delta text of fmt_signed that reads as no change at all (it has no sign)."""
    return bool(delta) and delta[:1] not in ("+", "-")
