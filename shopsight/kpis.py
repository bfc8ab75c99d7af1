"""Which dataset feeds the headline KPIs, and their values (the Overview cards, the report's
headline section).

KPIs come from `traffic` when it has rows in the range, else `products`, else
`orders`; refunds from whichever of products / orders has them.  投入产出比 and
访客成本 use only the traffic rows with spend (the paid sources).

`select(run, params, compare_params, loaded)` takes the query runner as an argument
(ui.data.query on a page, queries.run on a connection in the CLI), so the page and the
report read the same queries the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from shopsight import metrics

Run = Callable[..., pd.DataFrame]

KPI_KINDS = ("traffic", "products", "orders")
# query names written out, so a search for a query finds every user of it
KPI_QUERIES = {
    "traffic": "overview_kpis_traffic",
    "products": "overview_kpis_products",
    "orders": "overview_kpis_orders",
}
DAILY_QUERIES = {
    "traffic": "overview_daily_traffic",
    "products": "overview_daily_products",
    "orders": "overview_daily_orders",
}
REFUND_KINDS = ("products", "orders")
CORE_KPIS = ("visitors", "paying_buyers", "conversion", "aov", "uv_value", "paid_amount")
SPEND_KPIS = metrics.SPEND_RATES


@dataclass
class Kpis:
    kind: str | None  # the dataset the KPIs come from; None = no rows in the range
    sums: pd.Series | None
    compare_sums: pd.Series | None
    refund_kind: str | None
    refund_sums: pd.Series | None
    refund_compare_sums: pd.Series | None

    def names(self) -> list[str]:
        """The cards to show: the core KPIs the dataset can give, refunds, then spend."""
        if self.sums is None:
            return []
        cols = self.sums.index
        names = [n for n in CORE_KPIS if metrics.available(n, cols)]
        if self.refund_sums is not None:
            names.append("refund_rate")
        if (self.sums.get("spend") or 0) > 0:
            names += list(SPEND_KPIS)
        return names

    def values(self, which: str = "current") -> dict[str, float | None]:
        sums = self.sums if which == "current" else self.compare_sums
        refunds = self.refund_sums if which == "current" else self.refund_compare_sums
        if sums is None:
            return {}
        out = {n: metrics.value(n, sums) for n in self.names()}
        if refunds is not None:
            out["refund_rate"] = metrics.value("refund_rate", refunds)
        if "roi" in out:
            out.update(
                metrics.spend_rates(
                    sums.get("spend"), sums.get("spend_paid_amount"), sums.get("spend_visitors")
                )
            )
        return out


def _sums(run: Run, kind: str, params: Mapping | None) -> pd.Series | None:
    if params is None:
        return None
    return run(KPI_QUERIES[kind], **params).iloc[0]


def select(run: Run, params: Mapping, compare_params: Mapping | None, loaded: set[str]) -> Kpis:
    kind, sums = None, None
    for k in KPI_KINDS:
        if k in loaded:
            s = _sums(run, k, params)
            if s["count_rows"] > 0:
                kind, sums = k, s
                break
    refund_kind, refund_sums = None, None
    if kind is not None:
        for k in ((kind,) if kind in REFUND_KINDS else ()) + REFUND_KINDS:
            if k in loaded:
                s = sums if k == kind else _sums(run, k, params)
                if s["count_rows"] > 0 and pd.notna(s["refund_amount"]):
                    refund_kind, refund_sums = k, s
                    break
    return Kpis(
        kind,
        sums,
        _sums(run, kind, compare_params) if kind else None,
        refund_kind,
        refund_sums,
        _sums(run, refund_kind, compare_params) if refund_kind else None,
    )
