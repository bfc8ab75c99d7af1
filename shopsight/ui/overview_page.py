"""The Overview page's numbers: the KPI values (rules in shopsight.kpis), the daily
trend and the top movers."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from shopsight import coverage, currency, metrics, schema
from shopsight.kpis import (  # noqa: F401 - the page reads these names from here
    CORE_KPIS,
    DAILY_QUERIES,
    KPI_KINDS,
    REFUND_KINDS,
    SPEND_KPIS,
    Kpis,
    select,
)
from shopsight.ui import query_cache
from shopsight.ui.filters import Filters

TREND_METRICS = (
    "paid_amount",
    "visitors",
    "paying_buyers",
    "conversion",
    "aov",
    "uv_value",
    "orders",
    "units_sold",
    "add_to_cart_rate",
    "refund_rate",
    "spend",
)
MOVER_DIMS = ("source", "product", "province")
MOVERS_QUERIES = {
    "source": "overview_movers_source",
    "product": "overview_movers_product",
    "province": "overview_movers_province",
}
MOVERS_LIMIT = 8
# the cards only a visitor count gives: an order export has no visitors
VISITOR_KPIS = ("visitors", "conversion", "uv_value")


def loaded_kinds() -> set[str]:
    b = query_cache.query("date_bounds")
    return set(b.loc[b["count_rows"] > 0, "kind"])


def kpis(f: Filters, loaded: set[str]) -> Kpis:
    return select(query_cache.query, f.params(), f.compare_params(), loaded)


def daily(kind: str, f: Filters, compare: bool = False) -> pd.DataFrame | None:
    """Daily sums of the KPI dataset (None for the compare period when not comparing)."""
    params = f.compare_params() if compare else f.params()
    if params is None:
        return None
    return query_cache.query(DAILY_QUERIES[kind], **params)


def trend_metrics(kind: str, df: pd.DataFrame) -> list[str]:
    """Metrics the daily sums can chart (inputs present with some value); for orders,
    buyers per day are counted only once a metric needs them."""
    cols = [c for c in df.columns if df[c].notna().any()]
    if kind == "orders":
        cols.append("paying_buyers")
    return [n for n in TREND_METRICS if metrics.available(n, cols)]


def with_metric(
    kind: str, df: pd.DataFrame | None, metric: str, f: Filters, compare: bool = False
) -> pd.DataFrame | None:
    """The daily frame with a `metric` column added (buyers joined in for orders)."""
    if df is None:
        return None
    if kind == "orders" and "paying_buyers" in metrics.get(metric).inputs:
        params = f.compare_params() if compare else f.params()
        df = df.merge(query_cache.query("overview_daily_buyers", **params), on="day", how="left")
    return metrics.compute(df, [metric])


def missing_visitor_kpis(names: list[str], loaded: set[str]) -> list[str]:
    """访客数 / 支付转化率 / UV价值 the cards cannot show because no traffic report is loaded
    (none when traffic is loaded: then a missing card is a question of dates or filters)."""
    if "traffic" in loaded:
        return []
    return [n for n in VISITOR_KPIS if n not in names]


def mover_dims(source_options: list[str]) -> list[str]:
    """The 变化最大 choices: sources only when the data names some (traffic's 流量来源, or an
    order export's channel column); an order export alone has no source to rank."""
    return [d for d in MOVER_DIMS if d != "source" or source_options]


def movers(dim: str, f: Filters) -> pd.DataFrame:
    return query_cache.query(MOVERS_QUERIES[dim], **f.params(), limit=MOVERS_LIMIT)


def compare_coverage(kind: str, f: Filters) -> coverage.CompareCoverage | None:
    """How well the compare period is covered by the KPI dataset (None: no comparison)."""
    if f.compare is None:
        return None
    return coverage.compare_coverage(
        query_cache.query("load_coverage"), kind, (f.start, f.end), f.compare
    )


@dataclass
class Money:
    """The currencies behind the KPI dataset's money in the range, whatever the currency
    filter picks.

    single: one currency, shown with its symbol; converted: several, whose sum in CNY at the
    owner's rates is `total`; split: several, some without a rate, so no sum at all. The
    cards always show one currency (the filter's pick): amounts are never added on them.
    """

    mode: str
    currency: str | None  # the cards' currency
    amounts: dict[str | None, float] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    total: float | None = None  # every currency in CNY (converted only)


def money(k: Kpis, f: Filters, rates: dict) -> Money | None:
    """What the KPI rows hold in each currency (None: everything is CNY)."""
    if k.kind not in schema.PLATFORM_KINDS:
        return None
    codes = {x["currency"] or currency.BASE for x in query_cache.loads() if x["kind"] == k.kind}
    if codes <= {currency.BASE}:
        return None
    df = query_cache.query("overview_currencies", **{**f.params(), "cur": None})
    df = df[df["kind"] == k.kind]
    amounts: dict[str | None, float] = {}
    for code, value in zip(df["currency"], df["paid_amount"], strict=True):
        if pd.notna(value):
            code = code or currency.BASE
            amounts[code] = amounts.get(code, 0.0) + float(value)
    if len(amounts) <= 1:
        return Money("single", f.currency or next(iter(amounts), currency.BASE), amounts)
    total, missing = currency.convert(amounts, rates)
    if missing:
        return Money("split", f.currency, amounts, missing)
    return Money("converted", f.currency, amounts, total=total)
