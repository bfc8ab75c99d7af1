"""KPI cards: a metric's value, its change vs the compare period, and the gap to an
entered 同行平均 (peer average)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import streamlit as st

from shopsight import metrics, numbers
from shopsight.i18n import t
from shopsight.ui import session

# Cards follow the one rule of numbers.py: compact from 10万 / 100K on.
CARD_COMPACT_FROM = numbers.COMPACT_FROM


def card_value(name: str, value: object, lang: str, currency: str | None = None) -> str:
    """The text a card shows for a value (tests compare against this); money in
    `currency` (an ISO code) gets that currency's symbol."""
    return metrics.fmt(name, value, lang, compact_from=CARD_COMPACT_FROM, currency=currency)


def delta_args(delta: str | None, color: str) -> dict:
    """st.metric's delta arguments: no arrow and no colour for a change that rounds to 0."""
    if numbers.is_flat(delta):
        return {"delta": delta, "delta_color": "off", "delta_arrow": "off"}
    return {"delta": delta, "delta_color": color}


def card(
    name: str,
    value: float | None,
    lang: str,
    *,
    previous: float | None = None,
    benchmark: float | None = None,
    container=None,
    label: str | None = None,
    note: str | None = None,
    currency: str | None = None,
) -> None:
    """One st.metric card; the delta is the relative change vs `previous` (hidden when
    there is none); delta_color is inverse where a rise is bad news (退款率, 访客成本).
    `note` replaces the change with a plain text (对比期数据不全: no percentage)."""
    box = container or st
    delta = numbers.fmt_change(numbers.change(value, previous), lang)
    args = delta_args(delta, metrics.delta_color(name, session.colour_convention()))
    if note is not None:
        args = {"delta": note, "delta_color": "off", "delta_arrow": "off"}
    box.metric(
        label or metrics.label(name, lang),
        card_value(name, value, lang, currency),
        **args,
        help=metrics.help_text(name, lang),
        border=True,
        # a row's cards as tall as its tallest: 万 sets a value a few pixels taller
        height="stretch",
    )
    if benchmark is not None and not numbers.is_missing(benchmark):
        gap = numbers.change(value, benchmark)
        key = "kpi.vs_benchmark" if gap is not None else "kpi.benchmark_only"
        box.caption(
            t(
                key,
                lang,
                value=card_value(name, benchmark, lang, currency),
                gap=numbers.fmt_change(gap, lang) or "",
            )
        )


def cards(
    names: Sequence[str],
    values: Mapping[str, float | None],
    lang: str,
    *,
    previous: Mapping[str, float | None] | None = None,
    benchmarks: Mapping[str, float] | None = None,
    per_row: int = 4,
    note: str | None = None,
    currency: str | None = None,
) -> None:
    """A grid of cards, `per_row` to a row (`note`, `currency`: see card)."""
    for row in range(math.ceil(len(names) / per_row)):
        cols = st.columns(per_row)
        for col, name in zip(cols, names[row * per_row : (row + 1) * per_row], strict=False):
            card(
                name,
                values.get(name),
                lang,
                previous=(previous or {}).get(name),
                benchmark=(benchmarks or {}).get(name),
                container=col,
                note=note,
                currency=currency,
            )
