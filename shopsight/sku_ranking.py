"""The SKU ranking's rules: metrics per item, ABC (Pareto) classes, 热销 and 滞销 lists,
days of stock cover and movers against the compare period.

An item is a product (level "product") or a product × SKU (level "sku"); its rows come
from queries/products_ranking.sql (the products dataset) or
queries/products_ranking_orders.sql (order lines), which return the same columns; the
sparklines of the rows shown come from queries/products_ranking[_orders]_spark.sql.

ABC, precisely: items sorted by paid amount, largest first (ties by product id, then SKU
id); `cum_share_before` is the share of the total held by the items above. An item is
  A  when cum_share_before < 80%   (so the item that crosses 80% is A),
  B  when cum_share_before < 95%   (the item that crosses 95% is B),
  C  otherwise, and always when it sold nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shopsight import metrics

LEVELS = ("product", "sku")
ORIGINS = ("products", "orders")
# Ranking metrics in menu order; each is offered when the data can give it.
RANK_METRICS = (
    "paid_amount",
    "units_sold",
    "visitors",
    "conversion",
    "add_to_cart_rate",
    "refund_rate",
    "gross_margin",
)
A_SHARE, B_SHARE = 0.80, 0.95
SLOW_DAYS = 14  # 滞销: no sales in the last N days (pr_slow_days)
SLOW_UNITS = 0  # ... or at most this many units (pr_slow_units)
COVER_DAYS = 14  # stock cover: stock ÷ average daily units over the last 14 days
HOT_N = 10
MOVERS_N = 8


def in_range(df: pd.DataFrame) -> pd.DataFrame:
    """Items with rows (or sales) inside the date range; the others are only in the query
    for the 滞销 window."""
    return df[df["is_in_range"].fillna(False).astype(bool)]


def count_left_out(df: pd.DataFrame) -> int:
    """Period rows that overlap the range but stick out of it (not counted anywhere)."""
    return int(pd.to_numeric(df["count_rows_left_out"], errors="coerce").fillna(0).sum())


def item_key(df: pd.DataFrame) -> pd.Series:
    """product_id, or product_id / sku_id at SKU level: the key rows are matched on."""
    sku = df["sku_id"].astype(object).where(df["sku_id"].notna(), "")
    return df["product_id"].astype(str) + "\x1f" + sku.astype(str)


def item_label(df: pd.DataFrame) -> pd.Series:
    """The item's name as shown: product name (or id), with the SKU after a ·."""
    name = df["product_name"].astype(object).where(df["product_name"].notna(), df["product_id"])
    sku = df["sku_id"].astype(object)
    return pd.Series(
        [
            f"{n} · {s}" if s is not None and not pd.isna(s) else str(n)
            for n, s in zip(name, sku, strict=False)
        ],
        index=df.index,
        dtype=object,
    )


def prepare(df: pd.DataFrame) -> pd.DataFrame:
    """The query rows with ratio metrics, gross margin only where every row had a cost,
    and the item's label and key."""
    out = metrics.compute(
        df,
        [
            m
            for m in ("conversion", "add_to_cart_rate", "refund_rate")
            if metrics.available(m, df.columns)
        ],
    )
    no_cost = pd.to_numeric(out["count_rows_no_cost"], errors="coerce").fillna(0) > 0
    out["gross_margin"] = (
        pd.to_numeric(out["gross_margin"], errors="coerce").astype("Float64").mask(no_cost)
    )
    out["label"] = item_label(out)
    out["key"] = item_key(out)
    return out


def sparks(rows: pd.DataFrame, spark_rows: pd.DataFrame) -> pd.Series:
    """Each row's sparkline (paid amount per day of the range) from the rows of
    products_ranking_spark, matched on the item key; [] for an item without a day row."""
    by_key = (
        dict(zip(item_key(spark_rows), spark_rows["spark"], strict=True)) if len(spark_rows) else {}
    )
    return pd.Series(
        [list(by_key[k]) if k in by_key else [] for k in rows["key"]],
        index=rows.index,
        dtype=object,
    )


def available_metrics(df: pd.DataFrame) -> list[str]:
    """Ranking metrics with at least one value (毛利 only when unit costs are known)."""
    out = []
    for m in RANK_METRICS:
        if m in df.columns and pd.to_numeric(df[m], errors="coerce").notna().any():
            out.append(m)
    return out


def ranked(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Items in the range, by the metric (largest first; 退款率 too: the worst first),
    ties by paid amount then key; `rank` from 1."""
    rows = in_range(df)
    value = pd.to_numeric(rows[metric], errors="coerce").astype("float64")
    paid = pd.to_numeric(rows["paid_amount"], errors="coerce").astype("float64")
    out = (
        rows.assign(_v=value, _p=paid)
        .sort_values(
            ["_v", "_p", "key"], ascending=[False, False, True], na_position="last", kind="stable"
        )
        .drop(columns=["_v", "_p"])
        .reset_index(drop=True)
    )
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


# ------------------------------------------------------------------------------- ABC


def abc(
    df: pd.DataFrame, value: str = "paid_amount", a: float = A_SHARE, b: float = B_SHARE
) -> pd.DataFrame:
    """Items (in the range) sorted by `value` with share, cum_share_before, cum_share and
    abc_class ("A" | "B" | "C") by the rule in the module docstring."""
    rows = in_range(df)
    v = pd.to_numeric(rows[value], errors="coerce").fillna(0).clip(lower=0).astype("float64")
    out = rows.assign(_v=v).sort_values(["_v", "key"], ascending=[False, True], kind="stable")
    v = out["_v"].to_numpy()
    total = v.sum()
    out = out.drop(columns=["_v"]).reset_index(drop=True)
    if total <= 0:
        out["share"] = 0.0
        out["cum_share_before"] = 0.0
        out["cum_share"] = 0.0
        out["abc_class"] = "C"
        return out
    cum = np.cumsum(v) / total
    before = np.concatenate([[0.0], cum[:-1]])
    out["share"] = v / total
    out["cum_share_before"] = before
    out["cum_share"] = cum
    cls = np.where(before < a, "A", np.where(before < b, "B", "C"))
    out["abc_class"] = np.where(v <= 0, "C", cls)
    return out


@dataclass(frozen=True)
class AbcSummary:
    cls: str
    count_items: int
    share: float  # of the total paid amount


def abc_summary(classes: pd.DataFrame) -> list[AbcSummary]:
    """Items and revenue share per class, A then B then C."""
    out = []
    for cls in ("A", "B", "C"):
        rows = classes[classes["abc_class"] == cls]
        out.append(AbcSummary(cls, len(rows), float(rows["share"].sum()) if len(rows) else 0.0))
    return out


# -------------------------------------------------------------------- 热销 / 滞销 / cover


def velocity(df: pd.DataFrame) -> pd.Series:
    """Sales velocity: units sold per day listed (NULL when never listed)."""
    units = pd.to_numeric(df["units_sold"], errors="coerce").astype("float64")
    days = pd.to_numeric(df["days_listed"], errors="coerce").astype("float64")
    return units / days.where(days > 0)


def hot(df: pd.DataFrame, n: int = HOT_N) -> tuple[pd.DataFrame, pd.DataFrame]:
    """热销: the top n items by units sold, and the top n by velocity (units per day
    listed, so a product launched mid-range is not buried). Items that sold nothing are
    never hot."""
    rows = in_range(df)
    rows = rows.assign(
        velocity=velocity(rows), _u=pd.to_numeric(rows["units_sold"], errors="coerce").fillna(0)
    )
    rows = rows[rows["_u"] > 0]
    by_units = rows.sort_values(["_u", "key"], ascending=[False, True], kind="stable").head(n)
    by_velocity = rows.sort_values(
        ["velocity", "key"], ascending=[False, True], na_position="last", kind="stable"
    ).head(n)
    return (
        by_units.drop(columns="_u").reset_index(drop=True),
        by_velocity.drop(columns="_u").reset_index(drop=True),
    )


def slow(df: pd.DataFrame, origin: str, max_units: float = SLOW_UNITS) -> pd.DataFrame:
    """滞销: items with at most `max_units` units in the 滞销 window (the last N days up to
    the range end) that are still on sale:
      products dataset: visitors in the window > 0, or stock > 0 (latest known);
      orders: sold in the N days before the window (orders carry no visitors or stock).
    Largest visitors (then stock, then earlier sales) first: the shelf space wasted most."""
    units = pd.to_numeric(df["units_slow"], errors="coerce").fillna(0)
    if origin == "products":
        visitors = pd.to_numeric(df["visitors_slow"], errors="coerce").fillna(0)
        stock = pd.to_numeric(df["stock"], errors="coerce").fillna(0)
        on_sale = (visitors > 0) | (stock > 0)
        order = ["visitors_slow", "stock", "key"]
    else:
        on_sale = pd.to_numeric(df["units_before_slow"], errors="coerce").fillna(0) > 0
        order = ["units_before_slow", "key"]
    rows = df[(units <= max_units) & on_sale]
    asc = [False] * (len(order) - 1) + [True]
    return rows.sort_values(order, ascending=asc, na_position="last", kind="stable").reset_index(
        drop=True
    )


def stock_cover(df: pd.DataFrame, cover_days: int = COVER_DAYS) -> pd.Series:
    """Days of stock cover: stock ÷ average daily units over the last `cover_days` days.
    NULL without stock, or when nothing sold in those days (no rate to divide by)."""
    stock = pd.to_numeric(df["stock"], errors="coerce").astype("float64")
    daily = pd.to_numeric(df["units_cover"], errors="coerce").astype("float64") / cover_days
    return stock / daily.where(daily > 0)


# ---------------------------------------------------------------------------- movers


def movers(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    n: int = MOVERS_N,
    value: str = "paid_amount",
) -> pd.DataFrame:
    """Items whose `value` changed most vs the compare period: key, label, value,
    cmp_value, change (absolute) and change_pct, largest |change| first."""
    cols = ["key", "label", "value", "cmp_value", "change", "change_pct"]
    if previous is None:
        return pd.DataFrame(columns=cols)
    cur, prev = in_range(current), in_range(previous)
    a = cur[["key", "label", value]].rename(columns={value: "value"})
    b = prev[["key", "label", value]].rename(columns={value: "cmp_value", "label": "cmp_label"})
    both = a.merge(b, on="key", how="outer")
    both["label"] = both["label"].astype(object).where(both["label"].notna(), both["cmp_label"])
    now = pd.to_numeric(both["value"], errors="coerce").fillna(0).astype("float64")
    was = pd.to_numeric(both["cmp_value"], errors="coerce").fillna(0).astype("float64")
    both["value"], both["cmp_value"] = now, was
    both["change"] = now - was
    both["change_pct"] = now / was.where(was != 0) - 1
    both = both[both["change"] != 0]
    both = both.assign(_a=both["change"].abs()).sort_values(
        ["_a", "key"], ascending=[False, True], kind="stable"
    )
    return both[cols].head(n).reset_index(drop=True)


def funnel(sums: pd.Series | dict) -> list[tuple[str, float | None]]:
    """(step, count) for visitors → add-to-cart buyers → paying buyers, steps with data."""
    steps = []
    for col in ("visitors", "add_to_cart_buyers", "paying_buyers"):
        v = sums.get(col)
        if v is not None and not pd.isna(v):
            steps.append((col, float(v)))
    return steps
