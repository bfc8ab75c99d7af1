"""Row-by-row answers from raw order lines (one line per order, pandas), for tests that
compare a filtered query with a plain filter of the rows. `lines` holds the columns of an
orders load: order_id, order_time, buyer_id, product_id, quantity, paid_amount,
line_amount, paid."""

from __future__ import annotations

from datetime import date

import pandas as pd


def _paid(lines: pd.DataFrame) -> pd.DataFrame:
    out = lines[lines["paid"]].copy()
    out["day"] = out["order_time"].dt.date
    return out


def customers_summary(all_lines: pd.DataFrame, lines: pd.DataFrame, start: date, end: date) -> dict:
    """customers_summary of the filtered `lines`; "new" is new to the shop, so a buyer's
    first paid day is taken over `all_lines` (every platform and currency)."""
    first = _paid(all_lines).groupby("buyer_id")["day"].min()
    paid = _paid(lines)
    paid = paid[(paid["day"] >= start) & (paid["day"] <= end) & paid["buyer_id"].notna()]
    per_buyer = paid.groupby("buyer_id").agg(
        orders=("order_id", "nunique"), paid_amount=("paid_amount", "sum")
    )
    is_new = first.reindex(per_buyer.index) >= start
    return {
        "buyers": len(per_buyer),
        "repeat_buyers": int((per_buyer["orders"] >= 2).sum()),
        "new_buyers": int(is_new.sum()),
        "returning_buyers": int((~is_new).sum()),
        "orders": int(per_buyer["orders"].sum()),
        "paid_amount": float(per_buyer["paid_amount"].sum()),
        "new_paid_amount": float(per_buyer.loc[is_new, "paid_amount"].sum()),
    }


def daily_history(lines: pd.DataFrame, end: date) -> dict[date, tuple[float, int, int]]:
    """customers_daily / customers_daily_buyers: per day up to `end`, (paid amount, paid
    orders, distinct paying buyers)."""
    paid = _paid(lines)
    paid = paid[paid["day"] <= end]
    g = paid.groupby("day").agg(
        paid_amount=("paid_amount", "sum"),
        orders=("order_id", "nunique"),
        buyers=("buyer_id", "nunique"),
    )
    return {d: (float(r.paid_amount), int(r.orders), int(r.buyers)) for d, r in g.iterrows()}


def product_sales(lines: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """products_ranking_orders' sums per product over the range: the paid lines' own
    sales (line_amount), units and orders."""
    paid = _paid(lines)
    paid = paid[(paid["day"] >= start) & (paid["day"] <= end)]
    return paid.groupby("product_id").agg(
        paid_amount=("line_amount", "sum"),
        units_sold=("quantity", "sum"),
        orders=("order_id", "nunique"),
    )
