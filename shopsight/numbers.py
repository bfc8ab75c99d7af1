"""The one number style: every table, card, chart, sentence and download formats here.

Formats (the `fmt` of a metric): "int" counts, "money" an amount in a currency, "pct" a 0..1
rate, "ratio" a plain multiple such as 投入产出比.  Rules:
- thousands separators always (¥167,639.90);
- cards and sentences show values from 10万 / 100K on compactly with one decimal
  (¥16.8万 / ¥167.6K, 亿 / M / B above); smaller ones in full;
- a column (a table, a legend) uses one unit and one decimal count for all its values:
  `fmt_column` for text, `column_format` for st.column_config.NumberColumn;
- percentages with a fixed number of decimals (2 unless a column says otherwise);
- p-values with 4 decimals, "<0.0001" below; "—" for no value (None, NaN, NaT, NA).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

NONE = "—"
CURRENCY = "¥"
# symbols of other currencies (ISO code -> symbol); an unknown code is written before the number
SYMBOLS = {
    "CNY": "¥",
    "USD": "US$",
    "HKD": "HK$",
    "TWD": "NT$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "JP¥",
    "KRW": "₩",
    "THB": "฿",
    "SGD": "S$",
    "AUD": "A$",
    "CAD": "C$",
    "MYR": "RM",
}
COMPACT_FROM = 100_000  # 10万 / 100K: the one threshold of compact numbers
PCT_DECIMALS = 2
P_DECIMALS = 4

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
    """123456 -> '12.3万' (zh) / '123.5K' (en); below 10万 / 100K the full number with
    separators."""
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


_GROUPING = str.maketrans("", "", ",， _\u00a0\u202f'")


def parse_int(text: object) -> int | None:
    """A whole number as typed into a field, with or without separators ("15,640", "15640",
    "15 640", "１５６４０"); None when it is not one (blank, a fraction, words)."""
    if not isinstance(text, str):
        return None
    body = text.strip().translate(_GROUPING)
    if not body.isdecimal():  # also full-width digits, which int() reads
        return None
    return int(body)


def fmt_money(
    value: object, lang: str, *, compact_from: float = COMPACT_FROM, currency: str | None = None
) -> str:
    """¥1,234.50; with an ISO currency code, that currency's symbol (US$1,234.50)."""
    if is_missing(value):
        return NONE
    v = float(value)  # type: ignore[arg-type]
    sign = "-" if v < 0 else ""
    body = f"{abs(v):,.2f}" if abs(v) < compact_from else compact(abs(v), lang)
    return f"{sign}{symbol(currency)}{body}"


def fmt_money_change(
    value: object, lang: str, *, compact_from: float = COMPACT_FROM, currency: str | None = None
) -> str:
    """A change of an amount, its sign before the symbol as every other change has one:
    +¥8,298.00 / -¥9,852.00 (US$ for USD …); one that rounds to zero has no sign (¥0.00)."""
    if is_missing(value):
        return NONE
    v = float(value)  # type: ignore[arg-type]
    text = fmt_money(abs(v), lang, compact_from=compact_from, currency=currency)
    if round(abs(v), 2) == 0:
        return text
    return ("+" if v > 0 else "-") + text


def symbol(currency: str | None) -> str:
    """The symbol written before an amount: ¥ for CNY (or no currency known), US$ for USD …"""
    return CURRENCY if currency is None else SYMBOLS.get(currency, f"{currency} ")


def fmt_pct(
    value: object, lang: str, *, compact_from: float = COMPACT_FROM, decimals: int = PCT_DECIMALS
) -> str:
    """0.0355 -> '3.55%': always `decimals` decimals, so a column never mixes 3% and 3.55%."""
    if is_missing(value):
        return NONE
    return f"{float(value) * 100:,.{decimals}f}%"  # type: ignore[arg-type]


def fmt_ratio(value: object, lang: str, *, compact_from: float = COMPACT_FROM) -> str:
    if is_missing(value):
        return NONE
    return f"{float(value):,.2f}"  # type: ignore[arg-type]


def fmt_p(value: object) -> str:
    """A p-value: '0.0123'; one that rounds to 0 at 4 decimals is '<0.0001', never '0.0000'."""
    if is_missing(value):
        return NONE
    v = float(value)  # type: ignore[arg-type]
    floor = 10.0**-P_DECIMALS
    return f"<{floor:.{P_DECIMALS}f}" if v < floor / 2 else f"{v:.{P_DECIMALS}f}"


FORMATTERS = {"int": fmt_int, "money": fmt_money, "pct": fmt_pct, "ratio": fmt_ratio}


def fmt(
    value: object,
    kind: str,
    lang: str,
    *,
    compact_from: float = COMPACT_FROM,
    currency: str | None = None,
) -> str:
    """Format a value by format kind ('int' | 'money' | 'pct' | 'ratio', or 'money_change':
    a change of an amount, signed before its symbol).

    Counts and money from `compact_from` on are shown compactly (12.3万 / 123.5K);
    pass math.inf for full numbers.  `currency` (an ISO code) is the symbol of money.
    """
    if kind == "money":
        return fmt_money(value, lang, compact_from=compact_from, currency=currency)
    if kind == "money_change":
        return fmt_money_change(value, lang, compact_from=compact_from, currency=currency)
    return FORMATTERS[kind](value, lang, compact_from=compact_from)


def column_unit(values: Iterable[object], lang: str) -> tuple[float, str]:
    """(divisor, unit) shared by a whole column of counts or amounts: compact only when
    every non-zero value reaches 10万 / 100K, and then in the largest unit that every one of
    them reaches, so '¥1,048.05 – ¥2.2万' cannot happen; else (1, '') full numbers."""
    sizes = [abs(float(v)) for v in values if not is_missing(v) and float(v) != 0]  # type: ignore[arg-type]
    if not sizes or min(sizes) < COMPACT_FROM:
        return 1.0, ""
    low = min(sizes)
    for size, unit in _UNITS[lang]:
        if low >= size:
            return size, unit
    return 1.0, ""


def fmt_column(
    values: Iterable[object],
    kind: str,
    lang: str,
    *,
    currency: str | None = None,
    decimals: int | None = None,
) -> list[str]:
    """Text of a whole column (a legend, a report table, a grid of text): one unit and one
    decimal count for every value.  Money gets its currency's symbol; pct `decimals`
    (default 2); counts and money in a compact unit get one decimal.  "money_change" is
    money with its sign before the symbol, "+" too (+¥8,298.00 / -¥9,852.00)."""
    values = list(values)
    signed = kind == "money_change"
    if signed:
        kind = "money"
    if kind == "pct":
        return [
            fmt_pct(v, lang, decimals=PCT_DECIMALS if decimals is None else decimals)
            for v in values
        ]
    if kind == "ratio":
        places = 2 if decimals is None else decimals
        return [NONE if is_missing(v) else f"{float(v):,.{places}f}" for v in values]  # type: ignore[arg-type]
    if kind == "p":
        return [fmt_p(v) for v in values]
    size, unit = column_unit(values, lang)
    if decimals is None:
        decimals = 1 if unit else (2 if kind == "money" else 0)
    out = []
    for v in values:
        if is_missing(v):
            out.append(NONE)
            continue
        x = float(v) / size  # type: ignore[arg-type]
        body = f"{abs(x):,.{decimals}f}{unit}"
        nonzero = body.strip("0.,") != unit
        sign = "-" if x < 0 and nonzero else "+" if signed and x > 0 and nonzero else ""
        out.append(f"{sign}{symbol(currency)}{body}" if kind == "money" else f"{sign}{body}")
    return out


def column_format(
    kind: str, *, currency: str | None = None, decimals: int | None = None
) -> dict[str, object]:
    """Keyword arguments of st.column_config.NumberColumn for a column of `kind`: full numbers
    with separators (a grid column never switches unit), fixed decimals, money with its
    currency's symbol.  The values stay numbers, so the column still sorts as numbers.

    "pct" uses the grid's percent format with a step that fixes its decimals (the grid cuts
    extra decimals off rather than rounding them: pass the column through `grid_round`).

    "money_change" has no grid format: a printf format writes its sign after the symbol
    (¥-9,852.00), so the column's text is `fmt_money_change`'s, given to the grid as
    display values (ui.tables.styled) while the cells stay numbers."""
    if kind == "int":
        return {"format": "%,.0f" if decimals is None else f"%,.{decimals}f"}
    if kind == "money":
        return {"format": f"{symbol(currency)}%,.{2 if decimals is None else decimals}f"}
    if kind == "money_change":
        return {}
    if kind == "pct":
        places = PCT_DECIMALS if decimals is None else decimals
        return {"format": "percent", "step": 10.0 ** -(places + 2)}
    if kind == "ratio":
        return {"format": f"%,.{2 if decimals is None else decimals}f"}
    if kind == "pct_x100":  # a rate or a change already x100 (a table that is also downloaded)
        return {"format": f"%,.{PCT_DECIMALS if decimals is None else decimals}f%%"}
    if kind == "change_x100":  # a relative change already x100, with its sign
        return {"format": f"%+,.{1 if decimals is None else decimals}f%%"}
    if kind == "points":  # a change of a rate in percentage points, the value x100 already
        return {"format": f"%+.{2 if decimals is None else decimals}f pt"}
    raise ValueError(f"unknown number format {kind!r}")


def grid_round(values: pd.Series, kind: str, decimals: int | None = None) -> pd.Series:
    """A pct column rounded to the decimals it shows (the grid would cut them off instead);
    other kinds unchanged."""
    if kind != "pct":
        return values
    places = (PCT_DECIMALS if decimals is None else decimals) + 2
    return pd.to_numeric(values, errors="coerce").round(places)


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
