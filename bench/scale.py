"""Page queries at 1M and 10M order lines: the app's path vs the bare SQL vs pandas.

    python bench/scale.py                                   # 1M and 10M lines, 5 runs
    python bench/scale.py --rows 1000000 10000000 --runs 7
    python bench/scale.py --rows 5000 --runs 1 --out /tmp/bench_ws     # smoke size

For each size, a workspace from bench/datagen.py (cached under bench/out/workspaces/) is
opened in a fresh worker process, which:

1. records the queries each page runs for its default view (the filters a new session
   gets: the last 30 days, compared with the 30 before), by running the page under AppTest
   with the query cache cleared, so a new or changed page needs no list kept here;
2. times every recorded query, median of --runs, two ways taken in turn: the app's path
   (shopsight.queries.run on a cursor of the app's locked-down connection, to a DataFrame)
   and the bare SQL (the same text and parameters on a plain cursor, fetchall);
3. times four heavy questions on order lines three ways: the app's query (which reads the
   rollups built at load time), the naive SQL over the order lines, and pandas on the
   order lines held in memory (loaded untimed);
4. reports peak RSS (ru_maxrss) after the app and SQL work, before pandas.

Wall and CPU seconds are both shown: other benchmarks may share the machine (the load
average is printed); CPU seconds say what the work costs whatever the load.
Targets (DESIGN §7): every page <= 0.5 s at 10M lines; >= 5x faster than pandas;
1M -> 10M growth <= 10x.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import datagen  # noqa: E402

# (label, page, link params); the page's file is found in app.py's navigation, pages that
# do not exist yet are skipped
PAGE_VIEWS: list[tuple[str, str, dict]] = [
    ("overview", "overview", {}),
    ("funnel", "funnel", {}),
    ("sources", "sources", {}),
    ("regions", "regions", {}),
    ("products", "products", {}),
    ("abtest", "abtest", {}),
    ("customers", "customers", {}),
    # other views a session reaches in a click or two: filters, drill-downs, other datasets
    ("overview/src", "overview", {"src": "直通车"}),
    ("funnel/events", "funnel", {"fn_view": "events"}),
    ("regions/src", "regions", {"src": "手淘搜索"}),
    ("regions/city", "regions", {"rg_province": "广东省"}),
    ("products/orders", "products", {"pr_origin": "orders"}),
    ("products/orders+src", "products", {"pr_origin": "orders", "src": "直通车"}),
    ("overview/prov", "overview", {"prov": "广东省"}),
    ("products/orders+prov", "products", {"pr_origin": "orders", "prov": "广东省"}),
]
SHELL = "shell"  # queries every page runs (sidebar filters, data version)
PAGE_TARGET_S = 0.5
PANDAS_TARGET = 5.0
GROWTH_TARGET = 10.0
APP_TIMEOUT_S = 900


def page_file(page: str) -> str | None:
    """The page's script as app.py lists it ("views/funnel.py"), or None when not listed."""
    import re

    m = re.search(rf"""["']([\w/]+/{page}\.py)["']""", (ROOT / "app.py").read_text("utf-8"))
    return m.group(1) if m and (ROOT / m.group(1)).exists() else None


def p50(xs: list[float]) -> float:
    return statistics.median(xs)


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    """(wall s, CPU s of this process's threads, result)."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w0, time.process_time() - c0, out


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# ---------- worker: one size, one process


def record_page(page: str, ws_name: str, params: dict) -> list[tuple[str, dict]]:
    """The (query, params) a page runs on a cold cache, in order, without repeats."""
    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    from shopsight import queries

    original_init = PagesManager.__init__

    def init(self, *args, **kwargs):  # keep AppTest in st.navigation mode (tests/conftest.py)
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    seen: list[tuple[str, dict]] = []
    original_run = queries.run

    def recording_run(con, name, **kw):
        if (name, kw) not in seen:
            seen.append((name, kw))
        return original_run(con, name, **kw)

    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT_S)
        at.query_params["ws"] = ws_name
        for k, v in params.items():
            at.query_params[k] = v
        at.run()
        at.switch_page(page)
        st.cache_data.clear()
        queries.run = recording_run
        at.run()
    finally:
        queries.run = original_run
        PagesManager.__init__ = original_init
    if at.exception:
        raise RuntimeError(at.exception[0].message.splitlines()[0])
    if at.toast:
        raise RuntimeError(f"notice: {at.toast[0].value}")
    return seen


def default_params(recorded: dict[str, list[tuple[str, dict]]]) -> dict:
    """The filter parameters of the default view (its dates as the Overview passed them)."""
    from shopsight.ui.filters import Filters

    for _, params in recorded.get("overview", []):
        if {"start", "end"} <= params.keys():
            return Filters(params["start"], params["end"]).params()
    raise RuntimeError("the Overview ran no query with $start/$end")


# Naive SQL over the order lines and the pandas equivalent of the heaviest questions a
# page asks; the app answers them from rollups.  (title, app query, naive SQL, pandas)
NAIVE_KPIS = """
    select count(*) as count_lines, sum(paid_amount) as paid_amount,
           sum(refund_amount) as refund_amount,
           sum(quantity) filter (where paid_amount > 0) as units_sold,
           count(distinct buyer_id) filter (where paid_amount > 0) as paying_buyers
    from orders
    where order_time >= $start::timestamp and order_time < ($end::date + 1)::timestamp
"""
NAIVE_BUYERS_BY_PROVINCE = """
    select province, count(distinct buyer_id) as paying_buyers, sum(paid_amount) as paid_amount
    from orders
    where order_time >= $start::timestamp and order_time < ($end::date + 1)::timestamp
      and paid_amount > 0
    group by province
    order by paid_amount desc
"""
NAIVE_SKU_TOP50 = """
    select product_id, sku_id, sum(paid_amount) as paid_amount,
           sum(quantity) filter (where paid_amount > 0) as units_sold
    from orders
    where order_time >= $start::timestamp and order_time < ($end::date + 1)::timestamp
    group by product_id, sku_id
    order by paid_amount desc
    limit 50
"""
NAIVE_DAILY = """
    select cast(order_time as date) as day, sum(paid_amount) as paid_amount,
           count(distinct buyer_id) filter (where paid_amount > 0) as paying_buyers
    from orders
    where order_time >= $start::timestamp and order_time < ($end::date + 1)::timestamp
    group by day
    order by day
"""


def _in_range(df, p):
    import pandas as pd

    start = pd.Timestamp(p["start"])
    end = pd.Timestamp(p["end"]) + pd.Timedelta(days=1)
    return df[(df["order_time"] >= start) & (df["order_time"] < end)]


def pandas_kpis(df, p):
    sub = _in_range(df, p)
    paid = sub[sub["paid_amount"] > 0]
    return {
        "count_lines": len(sub),
        "paid_amount": sub["paid_amount"].sum(),
        "refund_amount": sub["refund_amount"].sum(),
        "units_sold": paid["quantity"].sum(),
        "paying_buyers": paid["buyer_id"].nunique(),
    }


def pandas_buyers_by_province(df, p):
    sub = _in_range(df, p)
    sub = sub[sub["paid_amount"] > 0]
    return (
        sub.groupby("province", dropna=False)
        .agg(paying_buyers=("buyer_id", "nunique"), paid_amount=("paid_amount", "sum"))
        .sort_values("paid_amount", ascending=False)
    )


def pandas_sku_top50(df, p):
    """Less than the app does (so the ratio favours pandas): one sum per SKU over the range
    and the top 50, where the app ranks every SKU with units, orders, refunds, the 热销 /
    滞销 / stock-cover windows and the sparklines of the rows its table shows."""
    sub = _in_range(df, p)
    return sub.groupby(["product_id", "sku_id"])["paid_amount"].sum().nlargest(50).reset_index()


def pandas_daily(df, p):
    sub = _in_range(df, p)
    paid = sub[sub["paid_amount"] > 0]
    out = sub.groupby(sub["order_time"].dt.floor("D"))["paid_amount"].sum().to_frame()
    out["paying_buyers"] = paid.groupby(paid["order_time"].dt.floor("D"))["buyer_id"].nunique()
    return out


def app_sku_ranking(cur, p):
    """What the Products page asks: every SKU ranked, then the sparklines of the rows the
    table shows."""
    from shopsight import queries, sku_ranking
    from shopsight.ui.products_page import TABLE_LIMIT

    rows = sku_ranking.prepare(queries.run(cur, "products_ranking_orders", **p))
    shown = sku_ranking.ranked(rows, "paid_amount").head(TABLE_LIMIT)
    spark = queries.run(
        cur,
        "products_ranking_orders_spark",
        **p,
        product_ids=sorted(shown["product_id"].dropna().astype(str).unique()),
    )
    return sku_ranking.sparks(shown, spark)


# (title, app queries answering it (all run, or the function that runs them), extra params,
# naive SQL, pandas function)
HEAVY = [
    ("KPI sums", ["overview_kpis_orders"], {}, NAIVE_KPIS, pandas_kpis),
    (
        "distinct buyers by province",
        ["regions_orders"],
        {"province": None},
        NAIVE_BUYERS_BY_PROVINCE,
        pandas_buyers_by_province,
    ),
    (
        "SKU ranking top-50",
        ["products_ranking_orders", "products_ranking_orders_spark", app_sku_ranking],
        {"level": "sku", "slow_days": 7, "cover_days": 7},
        NAIVE_SKU_TOP50,
        pandas_sku_top50,
    ),
    (
        "daily trend",
        ["overview_daily_orders", "overview_daily_buyers"],
        {},
        NAIVE_DAILY,
        pandas_daily,
    ),
]


def _check(title: str, naive: list, pandas_out) -> str:
    """Do the naive SQL and pandas agree (totals)?  'ok' or what differs."""
    import math

    if title == "KPI sums":
        row = naive[0]
        got = (pandas_out["paid_amount"], pandas_out["paying_buyers"])
        want = (row[1], row[4])
    elif title == "distinct buyers by province":
        got = (pandas_out["paid_amount"].sum(), pandas_out["paying_buyers"].sum())
        want = (sum(r[2] for r in naive), sum(r[1] for r in naive))
    elif title == "SKU ranking top-50":
        got = (pandas_out["paid_amount"].sum(), len(pandas_out))
        want = (sum(r[2] for r in naive), len(naive))
    else:
        got = (pandas_out["paid_amount"].sum(), pandas_out["paying_buyers"].sum())
        want = (sum(r[1] for r in naive), sum(r[2] for r in naive))
    ok = all(math.isclose(float(a), float(b), rel_tol=1e-9) for a, b in zip(got, want, strict=True))
    return "ok" if ok else f"differ: pandas {got} vs SQL {want}"


def worker(rows: int, out: Path, runs: int, json_path: Path, pages: list[str] | None) -> None:
    os.environ["SHOPSIGHT_DATA_DIR"] = str(out)
    os.environ.pop("SHOPSIGHT_WORKSPACE", None)
    ws_name = datagen.workspace_name(rows)
    ws_dir = datagen.workspace_path(rows, out)
    import streamlit  # noqa: F401 (its loggers exist from here on)

    from shopsight import queries
    from shopsight.ui import query_cache

    for name in list(logging.root.manager.loggerDict):  # "no runtime" notes outside AppTest
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)
    result: dict = {
        "rows": rows,
        "runs": runs,
        "load_before": load_average(),
        "pages": {},
        "failed": {},
        "queries": [],
        "heavy": [],
    }
    t0 = time.perf_counter()
    recorded: dict[str, list[tuple[str, dict]]] = {}
    for label, page, params in PAGE_VIEWS:
        path = page_file(page)
        if path is None or (pages and label not in {"overview", *pages}):
            continue
        try:
            recorded[label] = record_page(path, ws_name, params)
        except Exception as e:  # a page being written may fail: report it, go on
            result["failed"][label] = f"{type(e).__name__}: {e}"
    result["record_s"] = time.perf_counter() - t0

    # the shell's queries are the ones every recorded page ran with the same values
    keys = {
        label: [(n, json.dumps(p, default=str, sort_keys=True)) for n, p in qs]
        for label, qs in recorded.items()
    }
    common = set.intersection(*(set(k) for k in keys.values())) if len(keys) > 1 else set()
    unique: dict[tuple[str, str], tuple[str, dict]] = {}
    owners: dict[tuple[str, str], str] = {}
    for label, qs in recorded.items():
        for key, (name, params) in zip(keys[label], qs, strict=True):
            unique.setdefault(key, (name, params))
            owners.setdefault(key, SHELL if key in common else label)
    result["pages"] = {label: [list(k) for k in ks] for label, ks in keys.items()}
    result["shell"] = [list(k) for k in common]

    con = query_cache._database(str(ws_dir.resolve()))  # the connection the app holds
    timings = {
        key: {"app": [], "app_cpu": [], "bare": [], "bare_cpu": [], "rows": 0} for key in unique
    }
    for _ in range(runs):
        for key, (name, params) in unique.items():
            with con.cursor() as cur:
                w, c, df = timed(lambda cur=cur, n=name, p=params: queries.run(cur, n, **p))
            timings[key]["app"].append(w)
            timings[key]["app_cpu"].append(c)
            timings[key]["rows"] = len(df)
            text, bound = queries.sql(name), queries.bind(name, params)
            with con.cursor() as cur:
                w, c, _ = timed(lambda cur=cur, t=text, b=bound: cur.execute(t, b).fetchall())
            timings[key]["bare"].append(w)
            timings[key]["bare_cpu"].append(c)
    for key, (name, _) in unique.items():
        t = timings[key]
        result["queries"].append(
            {
                "owner": owners[key],
                "key": list(key),
                "name": name,
                "rows": t["rows"],
                **{k: p50(t[k]) for k in ("app", "app_cpu", "bare", "bare_cpu")},
            }
        )

    # heavy questions: app query vs naive SQL on order lines, then pandas
    base = default_params(recorded)
    heavy_runs = []
    for title, names, extra, naive_sql, pandas_fn in HEAVY:
        params = {**base, **extra}
        app_fn = next((n for n in names if callable(n)), None)
        names = [n for n in names if not callable(n) and n in queries.names()]
        entry = {
            "title": title,
            "app_queries": names,
            "app": [],
            "app_cpu": [],
            "naive": [],
            "naive_cpu": [],
            "pandas": [],
            "pandas_cpu": [],
        }
        for _ in range(runs):
            if names:
                with con.cursor() as cur:
                    w, c, _ = timed(
                        lambda cur=cur, ns=names, p=params, f=app_fn: (
                            f(cur, p) if f else [queries.run(cur, n, **p) for n in ns]
                        )
                    )
                entry["app"].append(w)
                entry["app_cpu"].append(c)
            with con.cursor() as cur:
                bound = {k: v for k, v in params.items() if k in ("start", "end")}
                w, c, naive = timed(
                    lambda cur=cur, s=naive_sql, b=bound: cur.execute(s, b).fetchall()
                )
            entry["naive"].append(w)
            entry["naive_cpu"].append(c)
        entry["naive_result"] = naive
        heavy_runs.append((entry, params, pandas_fn))
    result["rss_sql_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    with con.cursor() as cur:
        w, c, orders = timed(
            lambda: cur.sql(
                "select order_time, buyer_id, product_id, sku_id, quantity, paid_amount, "
                "refund_amount, province from orders"
            ).df()
        )
    result["pandas_load_s"] = w
    for entry, params, pandas_fn in heavy_runs:
        for _ in range(runs):
            w, c, got = timed(lambda f=pandas_fn, p=params: f(orders, p))
            entry["pandas"].append(w)
            entry["pandas_cpu"].append(c)
        entry["check"] = _check(entry["title"], entry.pop("naive_result"), got)
        for k in ("app", "app_cpu", "naive", "naive_cpu", "pandas", "pandas_cpu"):
            entry[k] = p50(entry[k]) if entry[k] else None
        result["heavy"].append(entry)
    result["rss_pandas_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["load_after"] = load_average()
    json_path.write_text(json.dumps(result, default=str, ensure_ascii=False))


# ---------- parent: build, run a worker per size, print


def _fmt(s: float | None) -> str:
    return "—" if s is None else f"{s:.3f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "—" if not a or not b else f"{a / b:.1f}x"


def page_totals(r: dict) -> dict[str, dict[str, float]]:
    """Per page view: sum of the p50s of its own queries, and with the shell's added."""
    by_key = {tuple(q["key"]): q for q in r["queries"]}
    shell = {tuple(k) for k in r["shell"]}
    out = {}
    for label, keys in r["pages"].items():
        qs = [by_key[tuple(k)] for k in keys]
        own = [q for q in qs if tuple(q["key"]) not in shell]
        out[label] = {
            "n": len(qs),
            "own": sum(q["app"] for q in own),
            "total": sum(q["app"] for q in qs),
            "total_cpu": sum(q["app_cpu"] for q in qs),
            "bare": sum(q["bare"] for q in qs),
        }
    return out


def print_size(r: dict) -> None:
    print(
        f"\n=== {r['rows']:,} order lines — p50 of {r['runs']} runs; load average "
        f"{r['load_before']} before, {r['load_after']} after (2 cores)"
    )
    for label, err in r["failed"].items():
        print(f"  page {label}: FAILED under AppTest: {err}")
    print(
        f"\n{'page view':<20}{'query':<30}{'rows':>6}{'app s':>8}{'cpu s':>8}{'bare s':>8}"
        f"{'app/bare':>9}"
    )
    order = [SHELL, *r["pages"]]
    for owner in order:
        for q in (q for q in r["queries"] if q["owner"] == owner):
            print(
                f"{owner:<20}{q['name']:<30}{q['rows']:>6}{q['app']:>8.3f}{q['app_cpu']:>8.3f}"
                f"{q['bare']:>8.3f}{_ratio(q['app'], q['bare']):>9}"
            )
    print(
        f"\n{'page view':<22}{'queries':>8}{'own s':>8}{'+shell s':>9}{'cpu s':>8}"
        f"{'bare s':>8}  target <= {PAGE_TARGET_S} s"
    )
    for label, t in page_totals(r).items():
        ok = "ok" if t["total"] <= PAGE_TARGET_S else "MISS"
        print(
            f"{label:<22}{t['n']:>8}{t['own']:>8.3f}{t['total']:>9.3f}{t['total_cpu']:>8.3f}"
            f"{t['bare']:>8.3f}  {ok}"
        )
    print(
        f"\n{'heavy question':<30}{'app s':>8}{'cpu s':>8}{'naive SQL':>10}{'pandas s':>9}"
        f"{'cpu s':>8}{'pandas/app':>11}{'naive/app':>10}  pandas = SQL?"
    )
    for h in r["heavy"]:
        print(
            f"{h['title']:<30}{_fmt(h['app']):>8}{_fmt(h['app_cpu']):>8}{_fmt(h['naive']):>10}"
            f"{_fmt(h['pandas']):>9}{_fmt(h['pandas_cpu']):>8}"
            f"{_ratio(h['pandas'], h['app']):>11}{_ratio(h['naive'], h['app']):>10}  {h['check']}"
        )
    used = [f"{h['title']} = {' + '.join(h['app_queries']) or '—'}" for h in r["heavy"]]
    print("  app queries: " + "; ".join(used))
    print(
        "  SKU ranking: pandas sums the top 50 SKUs; the app ranks every SKU with its windows "
        "and sparklines (more work than pandas does)"
    )
    print(
        f"\npeak RSS: {r['rss_sql_mib']:,.0f} MiB with the workspace open, every page run under "
        f"AppTest and all queries timed; {r['rss_pandas_mib']:,.0f} MiB once pandas held the "
        f"order lines (loading them took {r['pandas_load_s']:.1f} s, untimed)"
    )


def print_growth(small: dict, large: dict) -> None:
    factor = large["rows"] / small["rows"]
    print(
        f"\n=== growth {small['rows']:,} -> {large['rows']:,} lines ({factor:.0f}x the data); "
        f"target <= {GROWTH_TARGET:.0f}x"
    )
    a, b = page_totals(small), page_totals(large)
    print(f"{'page':<22}{'small s':>9}{'large s':>9}{'growth':>8}{'cpu growth':>11}")
    for label in b:
        if label in a:
            print(
                f"{label:<22}{a[label]['total']:>9.3f}{b[label]['total']:>9.3f}"
                f"{_ratio(b[label]['total'], a[label]['total']):>8}"
                f"{_ratio(b[label]['total_cpu'], a[label]['total_cpu']):>11}"
            )
    ha = {h["title"]: h for h in small["heavy"]}
    for h in large["heavy"]:
        s = ha.get(h["title"])
        if s:
            print(
                f"{h['title']:<22}{_fmt(s['app']):>9}{_fmt(h['app']):>9}"
                f"{_ratio(h['app'], s['app']):>8}{_ratio(h['app_cpu'], s['app_cpu']):>11}"
                f"   (pandas {_ratio(h['pandas'], s['pandas'])})"
            )


def run_size(rows: int, out: Path, runs: int, pages: list[str] | None) -> dict:
    # built in its own process, so the worker's peak RSS is the app's, not the generator's
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "datagen.py"),
            "--rows",
            str(rows),
            "--out",
            str(out),
        ],
        check=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        json_path = Path(tmp) / "result.json"
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                "--rows",
                str(rows),
                "--out",
                str(out),
                "--runs",
                str(runs),
                "--json",
                str(json_path),
                *(["--pages", *pages] if pages else []),
            ],
            check=True,
        )
        return json.loads(json_path.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", type=Path, default=datagen.OUT, help="directory of the workspaces")
    ap.add_argument(
        "--pages",
        nargs="+",
        choices=[v[0] for v in PAGE_VIEWS],
        help="only these page views (the Overview always runs: it gives the filters)",
    )
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.rows[0], args.out, args.runs, args.json, args.pages)
        return
    print(f"machine: {os.cpu_count()} cores; load average {load_average()}")
    results = []
    for rows in args.rows:
        r = run_size(rows, args.out, args.runs, args.pages)
        print_size(r)
        results.append(r)
    for small, large in zip(results, results[1:], strict=False):
        print_growth(small, large)


if __name__ == "__main__":
    main()
