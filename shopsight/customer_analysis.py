"""Customers: who buys, who comes back (复购), how each first-purchase month keeps buying
(cohorts), and RFM segments for follow-up.

The numbers come from queries/customers_*.sql, which read rollup_orders_buyer_orders:
paid orders only (the rule is written once, in that rollup), buyer ids only. Here the
query rows become what pages and the CLI show: the cohort matrix with its empty months
filled in, segments in a fixed order, and the CLI's JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import duckdb
import pandas as pd

from shopsight import metrics, queries

# RFM segments, best first (keys of customers_rfm.sql; labels customers.seg_<key>)
SEGMENTS = ("champions", "loyal", "promising", "new", "at_risk", "win_back", "lost")
GRAINS = ("week", "month")


def _date(value) -> dt.date:
    return pd.Timestamp(value).date()


def months_between(first: dt.date, last: dt.date) -> int:
    """Whole calendar months from first's month to last's month (2026-09-30 → 10-01 is 1)."""
    return (last.year - first.year) * 12 + last.month - first.month


def default_grain(start: dt.date, end: dt.date) -> str:
    """Weeks for a quarter or less, months beyond."""
    return "week" if (end - start).days <= 92 else "month"


def summary(row: Mapping | pd.DataFrame) -> dict:
    """customers_summary's one row as plain values, with 复购率 from the metric table."""
    if isinstance(row, pd.DataFrame):
        row = row.iloc[0].to_dict() if len(row) else {}
    out = {k: _plain(v) for k, v in dict(row).items()}
    for k in ("buyers", "repeat_buyers", "new_buyers", "returning_buyers", "orders"):
        out[k] = int(out.get(k) or 0)
    out["repurchase_rate"] = metrics.value("repurchase_rate", out)
    return out


def trend(df: pd.DataFrame) -> pd.DataFrame:
    """customers_trend rows with the period's 复购率 added."""
    out = metrics.compute(df, ["repurchase_rate"])
    out["period"] = pd.to_datetime(out["period"])
    return out


def cohort_frame(df: pd.DataFrame, end: dt.date) -> pd.DataFrame:
    """The cohort matrix, long: cohort, month_offset, buyers, size, retention.

    Every month from the cohort's first to `end`'s month is present (0 buyers where
    nobody bought); retention = buyers / size, 1.0 at month_offset 0.
    """
    cols = ["cohort", "month_offset", "buyers", "size", "retention"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    counts = {
        (_date(c), int(o)): int(b)
        for c, o, b in zip(df["cohort"], df["month_offset"], df["buyers"], strict=True)
    }
    rows = []
    for cohort in sorted({c for c, _ in counts}):
        size = counts.get((cohort, 0), 0)
        for offset in range(months_between(cohort, end) + 1):
            buyers = counts.get((cohort, offset), 0)
            rows.append((cohort, offset, buyers, size, buyers / size if size else None))
    out = pd.DataFrame(rows, columns=cols)
    out["retention"] = out["retention"].astype("float64")
    return out


def cohorts(df: pd.DataFrame, end: dt.date) -> list[dict]:
    """[{cohort, size, retention: [share buying in month +1, +2, … up to end's month]}]."""
    frame = cohort_frame(df, end)
    out = []
    for cohort, rows in frame.groupby("cohort", sort=True):
        rows = rows.sort_values("month_offset")
        out.append(
            {
                "cohort": cohort.isoformat()[:7],
                "size": int(rows["size"].iloc[0]),
                "retention": [float(r) for r in rows["retention"].iloc[1:]],
            }
        )
    return out


def segments(df: pd.DataFrame) -> pd.DataFrame:
    """customers_rfm rows in SEGMENTS order, with each segment's share of buyers and of
    the paid amount; segments without buyers are left out."""
    if df.empty:
        return df.assign(
            share_buyers=pd.Series(dtype="float64"), share_paid_amount=pd.Series(dtype="float64")
        )
    order = {s: i for i, s in enumerate(SEGMENTS)}
    out = df.assign(_o=df["segment"].map(order)).sort_values("_o").drop(columns="_o")
    out = out.reset_index(drop=True)
    buyers = pd.to_numeric(out["buyers"]).astype("float64")
    paid = pd.to_numeric(out["paid_amount"]).astype("float64")
    out["share_buyers"] = buyers / buyers.sum() if buyers.sum() else float("nan")
    out["share_paid_amount"] = paid / paid.sum() if paid.sum() else float("nan")
    return out


def segment_buyers(df: pd.DataFrame, segment: str) -> pd.DataFrame:
    """The buyer ids of one segment (largest paid amount first), as a one-column frame,
    from customers_rfm run with $segment = segment (its other rows list none)."""
    rows = df[df["segment"] == segment]
    if not len(rows):
        return pd.DataFrame({"buyer_id": pd.Series([], dtype=object)})
    ids = rows["buyer_ids"].iloc[0]
    if not pd.api.types.is_list_like(ids):  # null: the query listed another segment
        raise ValueError(f"customers_rfm was not asked for the buyer ids of {segment!r}")
    return pd.DataFrame({"buyer_id": pd.Series(list(ids), dtype=object)})


def data_days(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date] | None:
    """First and last day of the orders dataset, or None when it is empty."""
    bounds = queries.run(con, "date_bounds")
    row = bounds[bounds["kind"] == "orders"]
    if row.empty or pd.isna(row["first_day"].iloc[0]):
        return None
    return _date(row["first_day"].iloc[0]), _date(row["last_day"].iloc[0])


def report(
    con: duckdb.DuckDBPyConnection, start: dt.date | None = None, end: dt.date | None = None, **dims
) -> dict:
    """The `customers --json` answer for a range (default: all the orders' days).

    {"buyers", "repeat_buyers", "repurchase_rate", "cohorts": [{"cohort", "size",
    "retention"}], "rfm": [{"segment", "buyers", "paid_amount"}]}
    """
    days = data_days(con)
    if days is None:
        start = start or dt.date.today()
        end = end or start
    else:
        start, end = start or days[0], end or days[1]
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    params = {
        "start": start,
        "end": end,
        "src": dims.get("src"),
        "dev": dims.get("dev"),
        "prov": dims.get("prov"),
        "plat": dims.get("plat"),
        "cur": dims.get("cur"),
    }
    s = summary(queries.run(con, "customers_summary", **params))
    rfm = segments(queries.run(con, "customers_rfm", **params, segment=None))
    return {
        "buyers": s["buyers"],
        "repeat_buyers": s["repeat_buyers"],
        "repurchase_rate": s["repurchase_rate"],
        "cohorts": cohorts(queries.run(con, "customers_cohorts", **params), end),
        "rfm": [
            {"segment": r.segment, "buyers": int(r.buyers), "paid_amount": _money(r.paid_amount)}
            for r in rfm.itertuples()
        ],
    }


def _money(v) -> float | None:
    v = _plain(v)
    return None if v is None else round(float(v), 2)


def _plain(v):
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return v.item() if hasattr(v, "item") else v
