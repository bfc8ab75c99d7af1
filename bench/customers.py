"""Cohort matrix and RFM segments at 10M order lines: the app's queries vs the same SQL
straight over the order lines vs pandas.

    python bench/customers.py                                  # 10M lines, 5 runs
    python bench/customers.py --rows 1000000 --runs 3
    python bench/customers.py --rows 5000 --runs 1 --out /tmp/bench_ws    # smoke size

The workspace comes from bench/datagen.py (built once, cached). Each question is asked
for the whole 90 days and for the page's default view (the last 30 days), three ways,
taken in turn, median of --runs:

1. app: queries/customers_cohorts.sql / customers_rfm.sql through shopsight.queries.run
   on the app's locked-down read-only connection, to a DataFrame; they read
   rollup_orders_buyer_orders, built at load time (its build is timed once, below);
2. naive SQL: the same query text with that rollup's query inlined as a CTE, so the
   work starts from the order lines;
3. pandas: the order lines held in memory (loaded untimed; pandas' pyarrow strings),
   paid lines summed per order, then the same cohort / RFM rules in pandas and numpy.

pandas and the app must agree (the check column): cohort counts equal, per-segment buyers
equal. Wall and CPU seconds (time.process_time, all threads) are both shown; the load
average is printed, because the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import datagen  # noqa: E402

from shopsight import queries, workspace  # noqa: E402

ROLLUP = "rollup_orders_buyer_orders"
QUARTILES = [0.2, 0.4, 0.6, 0.8]


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def timed(fn, runs: int):
    walls, cpus, out = [], [], None
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), out


def naive_sql(name: str) -> str:
    """The query with the rollup's own query inlined: the same answer from order lines."""
    body = queries.sql(ROLLUP).split(f"create or replace table {ROLLUP} as", 1)[1]
    text = queries.sql(name)
    assert "\nwith\n" in text
    return text.replace("\nwith\n", f"\nwith\n\n{ROLLUP} as (\n{body}\n),\n", 1)


# ------------------------------------------------------------------ pandas


def pandas_orders(lines: pd.DataFrame) -> pd.DataFrame:
    """Paid lines with a buyer, summed per order: buyer_id, day, paid, first_paid_day."""
    paid = lines[lines["paid"] & lines["buyer_id"].notna()]
    orders = (
        paid.groupby(["order_id", "buyer_id"], sort=False, observed=True)
        .agg(day=("order_time", "min"), paid=("paid_amount", "sum"))
        .reset_index()
    )
    orders["day"] = orders["day"].dt.normalize()
    orders["first_paid_day"] = orders.groupby("buyer_id", sort=False, observed=True)[
        "day"
    ].transform("min")
    return orders


def pandas_cohorts(lines: pd.DataFrame, start: date, end: date) -> dict:
    o = pandas_orders(lines)
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    sel = o[
        (o["day"] >= s) & (o["day"] <= e) & (o["first_paid_day"] >= s) & (o["first_paid_day"] <= e)
    ]
    act = pd.DataFrame(
        {
            "buyer_id": sel["buyer_id"],
            "cohort": sel["first_paid_day"].dt.year * 12 + sel["first_paid_day"].dt.month - 1,
            "month": sel["day"].dt.year * 12 + sel["day"].dt.month - 1,
        }
    ).drop_duplicates()
    members = act.loc[act["cohort"] == act["month"], "buyer_id"].unique()
    act = act[act["buyer_id"].isin(members)]
    counts = act.groupby([act["cohort"], act["month"] - act["cohort"]]).size()
    return {(date(c // 12, c % 12 + 1, 1), int(k)): int(n) for (c, k), n in counts.items()}


def pandas_rfm(lines: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    o = pandas_orders(lines)
    o = o[(o["day"] >= pd.Timestamp(start)) & (o["day"] <= pd.Timestamp(end))]
    b = (
        o.groupby("buyer_id", sort=False, observed=True)
        .agg(last=("day", "max"), frequency=("day", "size"), monetary=("paid", "sum"))
        .reset_index()
    )
    recency = (pd.Timestamp(end) - b["last"]).dt.days.to_numpy()
    monetary = b["monetary"].to_numpy()
    r_cuts, m_cuts = np.quantile(recency, QUARTILES), np.quantile(monetary, QUARTILES)
    r = 5 - (recency[:, None] > r_cuts).sum(axis=1)
    m = 1 + (monetary[:, None] > m_cuts).sum(axis=1)
    f = b["frequency"].to_numpy()
    r_hi, f_hi, m_hi = r >= 4, f >= 2, m >= 4
    b["segment"] = np.select(
        [r_hi & f_hi & m_hi, r_hi & f_hi, r_hi & m_hi, r_hi, f_hi, m_hi],
        ["champions", "loyal", "promising", "new", "at_risk", "win_back"],
        "lost",
    )
    b["recency_days"] = recency
    b = b.sort_values(["monetary", "buyer_id"], ascending=[False, True])
    return (
        b.groupby("segment")
        .agg(
            buyers=("buyer_id", "size"),
            orders=("frequency", "sum"),
            paid_amount=("monetary", "sum"),
            avg_recency_days=("recency_days", "mean"),
            avg_frequency=("frequency", "mean"),
            avg_monetary=("monetary", "mean"),
            buyer_ids=("buyer_id", list),
        )
        .reset_index()
    )


# ------------------------------------------------------------------ checks


def cohort_dict(df: pd.DataFrame) -> dict:
    return {
        (pd.Timestamp(c).date(), int(k)): int(n)
        for c, k, n in zip(df["cohort"], df["month_offset"], df["buyers"], strict=True)
    }


def check(question: str, app_out, pd_out) -> str:
    if question == "cohorts":
        return "equal" if cohort_dict(app_out) == pd_out else "DIFFERENT"
    a = dict(zip(app_out["segment"], app_out["buyers"], strict=True))
    p = dict(zip(pd_out["segment"], pd_out["buyers"], strict=True))
    return "equal" if a == p else "DIFFERENT"


def page_view(con, last: date, runs: int) -> None:
    """What the customers page asks for its default view (the last 30 days, compared with
    the 30 before, weeks, a 30-day paid-amount forecast), query by query."""
    from shopsight import forecast

    start = last - timedelta(days=29)
    params = {
        "start": start,
        "end": last,
        "src": None,
        "dev": None,
        "prov": None,
        "plat": None,
        "cur": None,
        "grain": "week",
        "segment": None,  # the page lists a segment's buyer ids on a download only
    }
    before = {**params, "start": start - timedelta(days=30), "end": start - timedelta(days=1)}
    steps = [
        ("customers_summary", lambda: queries.run(con, "customers_summary", **params)),
        ("customers_summary (compare)", lambda: queries.run(con, "customers_summary", **before)),
        ("customers_trend", lambda: queries.run(con, "customers_trend", **params)),
        ("customers_cohorts", lambda: queries.run(con, "customers_cohorts", **params)),
        ("customers_rfm", lambda: queries.run(con, "customers_rfm", **params)),
        (
            "customers_daily + signals",
            lambda: (
                queries.run(con, "customers_daily", **params),
                queries.run(con, "customers_signals", end=last, src=None, dev=None),
            ),
        ),
        (
            "forecast (fits, backtest)",
            lambda: forecast.from_workspace(con, "paid_amount", 30, end=last),
        ),
    ]
    print(f"page view, last 30 days ({start} ~ {last}):")
    total_w = total_c = 0.0
    for label, fn in steps:
        w, c, _ = timed(fn, runs)
        total_w, total_c = total_w + w, total_c + c
        print(f"  {label:<30}{w:>8.3f} s{c:>8.2f} s CPU")
    print(f"  {'total':<30}{total_w:>8.3f} s{total_c:>8.2f} s CPU")
    # not part of the view: run when a segment's download is clicked
    listed = {**params, "segment": "lost"}
    w, c, _ = timed(lambda: queries.run(con, "customers_rfm", **listed), runs)
    print(f"  {'(download: one segment ids)':<30}{w:>8.3f} s{c:>8.2f} s CPU\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", type=Path, default=datagen.OUT)
    ap.add_argument(
        "--page-only",
        action="store_true",
        help="only the page's default view (its queries and the forecast)",
    )
    args = ap.parse_args()

    ws_dir = datagen.ensure(args.rows, out=args.out)
    ws = workspace.open_workspace(str(ws_dir))
    app_con = ws.connect(read_only=True)
    bare = app_con.cursor()
    last = app_con.execute(f"select max(day) from {ROLLUP}").fetchone()[0]
    first = app_con.execute(f"select min(day) from {ROLLUP}").fetchone()[0]
    n_lines = app_con.execute("select count(*) from orders").fetchone()[0]
    n_orders = app_con.execute(f"select count(*) from {ROLLUP}").fetchone()[0]
    print(
        f"{n_lines:,} order lines, {n_orders:,} paid orders in {ROLLUP}; "
        f"load average {load_average()}"
    )

    page_view(app_con, last, args.runs)
    if args.page_only:
        return

    body = queries.sql(ROLLUP).split(f"create or replace table {ROLLUP} as", 1)[1]
    w, c, _ = timed(lambda: bare.execute(f"select count(*) from ({body})").fetchall(), 1)
    print(f"rollup build (its query over the order lines, counted): {w:.2f} s wall, {c:.2f} s CPU")

    t0 = time.perf_counter()
    lines = app_con.execute(
        "select order_id, buyer_id, order_time, paid, paid_amount::double as paid_amount "
        "from orders"
    ).to_arrow_table()
    lines = lines.to_pandas()  # text as pandas' default (pyarrow-backed) str dtype
    print(f"pandas: {len(lines):,} lines loaded untimed in {time.perf_counter() - t0:.1f} s\n")

    views = {"90 days": (first, last), "last 30 days": (last - timedelta(days=29), last)}
    print(
        f"{'question':<10}{'range':<14}{'app s':>8}{'cpu':>7}{'naive s':>9}{'cpu':>7}"
        f"{'pandas s':>10}{'cpu':>7}{'pandas/app':>12}{'naive/app':>11}  check"
    )
    for label, (start, end) in views.items():
        params = {
            "start": start,
            "end": end,
            "src": None,
            "dev": None,
            "prov": None,
            "plat": None,
            "cur": None,
            "segment": None,
        }
        for question, name, pandas_fn in (
            ("cohorts", "customers_cohorts", pandas_cohorts),
            ("rfm", "customers_rfm", pandas_rfm),
        ):
            app = timed(lambda n=name, p=params: queries.run(app_con, n, **p), args.runs)
            naive_text = naive_sql(name)
            bound = queries.bind(name, params)
            naive = timed(lambda t=naive_text, b=bound: bare.execute(t, b).fetchall(), args.runs)
            pd_run = timed(
                lambda f=pandas_fn, s=start, e=end: f(lines, s, e), max(1, args.runs // 2)
            )
            print(
                f"{question:<10}{label:<14}{app[0]:>8.3f}{app[1]:>7.2f}{naive[0]:>9.3f}"
                f"{naive[1]:>7.2f}{pd_run[0]:>10.3f}{pd_run[1]:>7.2f}"
                f"{pd_run[0] / app[0]:>11.1f}x{naive[0] / app[0]:>10.1f}x  "
                f"{check(question, app[2], pd_run[2])}"
            )
    print(f"\nload average {load_average()}")


if __name__ == "__main__":
    main()
