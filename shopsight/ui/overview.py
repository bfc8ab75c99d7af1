"""The Overview page's numbers: the KPI values (rules in shopsight.kpis), the daily
trend and the top movers."""

from __future__ import annotations

import pandas as pd

from shopsight import metrics
from shopsight.kpis import (  # noqa: F401 - the page reads these names from here
    CORE_KPIS,
    KPI_KINDS,
    REFUND_KINDS,
    SPEND_KPIS,
    Kpis,
    select,
)
from shopsight.ui import data
from shopsight.ui.filters import Filters

TREND_METRICS = ("paid_amount", "visitors", "paying_buyers", "conversion", "aov", "uv_value",
                 "orders", "units_sold", "add_to_cart_rate", "refund_rate", "spend")
MOVER_DIMS = ("source", "product", "province")
MOVERS_LIMIT = 8


def loaded_kinds() -> set[str]:
    b = data.query("date_bounds")
    return set(b.loc[b["count_rows"] > 0, "kind"])


def kpis(f: Filters, loaded: set[str]) -> Kpis:
    return select(data.query, f.params(), f.compare_params(), loaded)


def daily(kind: str, f: Filters, compare: bool = False) -> pd.DataFrame | None:
    """Daily sums of the KPI dataset (None for the compare period when not comparing)."""
    params = f.compare_params() if compare else f.params()
    if params is None:
        return None
    return data.query(f"overview_daily_{kind}", **params)


def trend_metrics(kind: str, df: pd.DataFrame) -> list[str]:
    """Metrics the daily sums can chart (inputs present with some value); for orders,
    buyers per day are counted only once a metric needs them."""
    cols = [c for c in df.columns if df[c].notna().any()]
    if kind == "orders":
        cols.append("paying_buyers")
    return [n for n in TREND_METRICS if metrics.available(n, cols)]


def with_metric(kind: str, df: pd.DataFrame | None, metric: str, f: Filters,
                compare: bool = False) -> pd.DataFrame | None:
    """The daily frame with a `metric` column added (buyers joined in for orders)."""
    if df is None:
        return None
    if kind == "orders" and "paying_buyers" in metrics.get(metric).inputs:
        params = f.compare_params() if compare else f.params()
        df = df.merge(data.query("overview_daily_buyers", **params), on="day", how="left")
    return metrics.compute(df, [metric])


def movers(dim: str, f: Filters) -> pd.DataFrame:
    return data.query(f"overview_movers_{dim}", **f.params(), limit=MOVERS_LIMIT)
