"""The one definition table of shop metrics (DESIGN §4), used by pages, CLI and tests.

Every metric is a sum, or a ratio of two sums: `sum(numerator) / sum(denominator)`,
never an average of per-row rates.  Division by zero gives None (shown as "—").
Labels are i18n keys `metric.<name>` (and `metric_help.<name>` for the tooltip).

Numerators and denominators name columns of a query's result (or of a canonical
table).  Some come from queries rather than canonical columns: `gross_margin`
(paid_amount - refund_amount - units_sold * unit_cost per row), `repeat_buyers` /
`buyers` (repurchase), `products_sold` / `products_listed` (sell-through),
`count_inquiries` / `count_closed` (1688 询盘, close rate).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shopsight import colours, numbers
from shopsight.i18n import t


@dataclass(frozen=True)
class Metric:
    name: str  # stable id; i18n keys metric.<name>, metric_help.<name>
    numerator: str  # column summed
    denominator: str | None  # column summed; None for a plain sum
    fmt: str  # "int" | "pct" | "money" | "ratio"
    better: str  # "up" | "down": which direction is good news
    description: str

    @property
    def is_ratio(self) -> bool:
        return self.denominator is not None

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.numerator,) if self.denominator is None else (self.numerator, self.denominator)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        # sums
        Metric(
            "visitors",
            "visitors",
            None,
            "int",
            "up",
            "访客数; summed over days it counts visitor-days, not unique people.",
        ),
        Metric("page_views", "page_views", None, "int", "up", "浏览量."),
        Metric("paying_buyers", "paying_buyers", None, "int", "up", "支付买家数."),
        Metric(
            "paid_amount",
            "paid_amount",
            None,
            "money",
            "up",
            "支付金额: paid value, before refunds.",
        ),
        Metric("refund_amount", "refund_amount", None, "money", "down", "退款金额."),
        Metric("orders", "orders", None, "int", "up", "订单数."),
        Metric("units_sold", "units_sold", None, "int", "up", "支付件数."),
        Metric("spend", "spend", None, "money", "down", "推广花费."),
        Metric("add_to_cart_buyers", "add_to_cart_buyers", None, "int", "up", "加购人数."),
        Metric("impressions", "impressions", None, "int", "up", "曝光量."),
        Metric("clicks", "clicks", None, "int", "up", "点击量."),
        Metric(
            "gross_margin",
            "gross_margin",
            None,
            "money",
            "up",
            "毛利 = paid_amount - refund_amount - units_sold * unit_cost.",
        ),
        # ratios of sums
        Metric(
            "conversion",
            "paying_buyers",
            "visitors",
            "pct",
            "up",
            "支付转化率: paying buyers per visitor.",
        ),
        Metric(
            "aov",
            "paid_amount",
            "paying_buyers",
            "money",
            "up",
            "客单价: paid amount per paying buyer.",
        ),
        Metric(
            "uv_value",
            "paid_amount",
            "visitors",
            "money",
            "up",
            "UV价值 = 客单价 × 支付转化率: paid amount per visitor.",
        ),
        Metric(
            "cost_per_visitor", "spend", "visitors", "money", "down", "访客成本: spend per visitor."
        ),
        Metric(
            "roi", "paid_amount", "spend", "ratio", "up", "投入产出比: paid amount per yuan spent."
        ),
        Metric(
            "add_to_cart_rate",
            "add_to_cart_buyers",
            "visitors",
            "pct",
            "up",
            "加购率: add-to-cart buyers per visitor.",
        ),
        Metric(
            "refund_rate",
            "refund_amount",
            "paid_amount",
            "pct",
            "down",
            "退款率: refunded share of the paid amount.",
        ),
        Metric(
            "repurchase_rate",
            "repeat_buyers",
            "buyers",
            "pct",
            "up",
            "复购率: buyers with ≥ 2 distinct orders in the period / buyers.",
        ),
        Metric("ctr", "clicks", "impressions", "pct", "up", "点击率: clicks per impression."),
        Metric(
            "sell_through",
            "products_sold",
            "products_listed",
            "pct",
            "up",
            "动销率: products with units sold / products listed.",
        ),
        # 1688 询盘 (inquiries): counts made by queries/inquiries_*.sql
        Metric("inquiries", "count_inquiries", None, "int", "up", "询盘数: 1688 inquiries."),
        Metric(
            "closed_inquiries",
            "count_closed",
            None,
            "int",
            "up",
            "成交询盘数: inquiries that closed.",
        ),
        Metric(
            "close_rate",
            "count_closed",
            "count_inquiries",
            "pct",
            "up",
            "成交率: closed inquiries / inquiries.",
        ),
        Metric(
            "deal_amount",
            "amount",
            None,
            "money",
            "up",
            "成交金额: deal amount of the closed inquiries.",
        ),
    )
}

_IDENT = re.compile(r"[a-z_][a-z0-9_]*")


def get(name: str) -> Metric:
    return METRICS[name]


def label(name: str, lang: str) -> str:
    return t(f"metric.{name}", lang)


def help_text(name: str, lang: str) -> str:
    return t(f"metric_help.{name}", lang)


def sql(name: str) -> str:
    """The DuckDB aggregate for a metric: the only text ever spliced into SQL.

    `sum(num) / nullif(sum(den), 0)`; the result column is the caller's alias.
    """
    m = METRICS[name]
    for col in m.inputs:
        if not _IDENT.fullmatch(col):  # the table is code, but keep the guarantee explicit
            raise ValueError(f"bad column {col!r} in metric {name}")
    if m.denominator is None:
        return f"sum({m.numerator})"
    return f"sum({m.numerator}) / nullif(sum({m.denominator}), 0)"


def _num(value: object) -> float | None:
    return None if numbers.is_missing(value) else float(value)  # type: ignore[arg-type]


def _floats(a: object) -> np.ndarray:
    s = pd.to_numeric(pd.Series(np.atleast_1d(np.asarray(a, dtype=object))), errors="coerce")
    return s.to_numpy(dtype="float64", na_value=np.nan)


def ratio(num: object, den: object) -> float | None:
    """num / den as a float; None when either is missing (None, NaN, <NA>) or den is 0.

    The one scalar division of the package: every rate, share and per-unit figure goes
    through here (or `ratios` for arrays), so "no value" means the same thing everywhere.
    """
    n, d = _num(num), _num(den)
    if n is None or not d:
        return None
    return n / d


def ratios(num: object, den: object) -> np.ndarray:
    """Element-wise `ratio` over arrays (or Series) as float64, NaN where `ratio` gives None."""
    n, d = np.broadcast_arrays(_floats(num), _floats(den))
    out = np.full(n.shape, np.nan)
    np.divide(n, d, out=out, where=(d != 0) & ~np.isnan(d))
    return out


def value(name: str, sums: Mapping | pd.Series) -> float | None:
    """A metric from one row of sums (a dict, Series, or the first row of a DataFrame)."""
    if isinstance(sums, pd.DataFrame):
        if sums.empty:
            return None
        sums = sums.iloc[0]
    m = METRICS[name]
    if m.denominator is None:
        return _num(sums.get(m.numerator))
    return ratio(sums.get(m.numerator), sums.get(m.denominator))


def change_format(name: str) -> str:
    """How a change of the metric reads, as operators read it: "points" for a rate
    (支付转化率 2.94% -> 3.10% is +0.16 pt, the 0..1 difference: a relative change of a rate
    reads as a change of the rate itself), "change" (relative, +12.3%) for anything else.
    The one rule: the report, the Sources page and the what-if all ask `change`."""
    return "points" if METRICS[name].fmt == "pct" else "change"


def change(name: str, now: object, before: object) -> float | None:
    """The metric's change from `before` to `now` as `change_format` reads it: the 0..1
    difference of a rate, else now / before - 1. None when either is missing (and, for a
    relative change, when `before` is 0); a rate of 0% both times is a change of 0 pt."""
    if change_format(name) == "points":
        n, b = _num(now), _num(before)
        return None if n is None or b is None else n - b
    return numbers.change(now, before)


# 投入产出比 and 访客成本 count only the rows that carry spend (the paid sources): a shop's
# free traffic would otherwise inflate ROI and dilute the cost per visitor.
SPEND_RATES = ("roi", "cost_per_visitor")


def spend_rates(
    spend: object, spend_paid_amount: object, spend_visitors: object = None
) -> dict[str, float | None]:
    """ROI and cost per visitor over the spend-carrying rows only.

    `spend_paid_amount` / `spend_visitors` are the paid amount and visitors summed over the
    rows with spend > 0 (queries/overview_kpis_traffic.sql makes them; pandas callers sum
    the same rows)."""
    sums = {"spend": spend, "paid_amount": spend_paid_amount, "visitors": spend_visitors}
    return {name: value(name, sums) for name in SPEND_RATES}


def available(name: str, columns: Iterable[str]) -> bool:
    """Whether a result with these (non-empty) columns can give this metric."""
    return set(METRICS[name].inputs) <= set(columns)


def compute(df: pd.DataFrame, names: Iterable[str]) -> pd.DataFrame:
    """Add one column per metric to a frame of per-row sums (e.g. one row per day).

    Ratios are per row, from that row's sums; a zero or missing denominator gives <NA>.
    """
    out = df.copy()
    for name in names:
        m = METRICS[name]
        num = pd.to_numeric(out[m.numerator], errors="coerce").astype("Float64")
        if m.denominator is None:
            out[name] = num
        else:
            den = pd.to_numeric(out[m.denominator], errors="coerce").astype("Float64")
            out[name] = num / den.mask(den == 0)
    return out


def fmt(
    name: str,
    v: object,
    lang: str,
    *,
    compact_from: float = numbers.COMPACT_FROM,
    currency: str | None = None,
) -> str:
    return numbers.fmt(v, METRICS[name].fmt, lang, compact_from=compact_from, currency=currency)


def delta_color(name: str, convention: str) -> str:
    """st.metric's delta_color under a colour convention (shopsight.colours): a rise of
    退款率 or 访客成本 is bad news."""
    return colours.delta_color(METRICS[name].better, convention)
