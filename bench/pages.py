"""Page reruns (full script under AppTest) vs the bare SQL of the queries they run.

For each page: the p50 of a warm rerun (query results cached), of a cold rerun (the
query cache cleared first, as after an upload), and of the page's queries run as bare
SQL on a cursor, side by side on the same workspace; then the ratios.  The queries a
page runs are recorded from one run, so a new page only needs adding to PAGES.

    python bench/pages.py                        # the small test shop
    python bench/pages.py --workspace sample     # the sample shop (built on first use)
    python bench/pages.py --orders 1000000       # the small shop + N synthetic order lines
    python bench/pages.py --orders 10000000 --runs 5
    python bench/pages.py --orders 10000000 --only-orders   # KPIs from 10M order lines

Targets (DESIGN §7): p50 rerun <= 0.3 s on the sample shop, <= 0.5 s at 10M order lines.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

WS_NAME = "benchshop"
# (page file, settings put in the link); pages that do not exist yet are skipped
PAGES: list[tuple[str, dict]] = [
    ("views/overview.py", {}),
    ("views/overview.py", {"src": "直通车", "ov_movers": "province"}),
    ("views/data.py", {}),
    ("views/funnel.py", {}),
    ("views/funnel.py", {"fn_split": "source"}),
    ("views/funnel.py", {"fn_view": "events", "fn_by": "device"}),
    ("views/sources.py", {}),
    ("views/sources.py", {"wi": "直通车:20,0.5,0,0", "wi_scope": "直通车"}),
    ("views/regions.py", {}),
    ("views/regions.py", {"rg_metric": "paying_buyers", "src": "直通车"}),
    ("views/regions.py", {"rg_province": "广东省"}),
    ("views/products.py", {}),
    ("views/products.py", {"pr_product": "p1", "pr_metric": "units_sold"}),
    ("views/products.py", {"src": "直通车"}),
    ("views/abtest.py", {}),
    ("views/abtest.py", {"ab_range": "1"}),
]


def p50(xs: list[float]) -> float:
    return statistics.median(xs)


def synthetic_orders(n: int):
    """n order lines over 2026-09-01..11-29: 5 sources, 2 devices, 34 provinces, 500
    products, about n/4 buyers.  Built in DuckDB, handed over as Arrow."""
    import duckdb

    con = duckdb.connect()
    return con.sql(f"""
        select
            'o' || (i // 2) as order_id,
            timestamp '2026-09-01' + to_seconds(cast(i * (90 * 86400 - 1) // {n} as bigint)) as order_time,
            'b' || (hash(i // 3) % {max(n // 4, 1)}) as buyer_id,
            'p' || (i % 500) as product_id,
            1 + i % 3 as quantity,
            case when i % 23 = 0 then 0.0 else 50.0 + i % 200 end as paid_amount,
            case when i % 20 = 0 then 50.0 + i % 200 else 0.0 end as refund_amount,
            ['浙江省', '广东省', '江苏省', '北京市', '上海市', '四川省', '湖北省', '山东省',
             '河南省', '福建省', '湖南省', '安徽省', '河北省', '陕西省', '辽宁省', '重庆市',
             '天津市', '江西省', '广西壮族自治区', '云南省', '山西省', '黑龙江省', '吉林省',
             '贵州省', '内蒙古自治区', '新疆维吾尔自治区', '甘肃省', '海南省', '宁夏回族自治区',
             '青海省', '西藏自治区', '香港特别行政区', '澳门特别行政区', '台湾省'][1 + i % 34] as province,
            ['手淘搜索', '直通车', '直接访问', '淘宝客', '手淘推荐'][1 + i % 5] as source,
            ['无线', 'PC'][1 + (i % 7 = 0)::int] as device
        from range({n}) t(i)
    """).to_arrow_table()


def build_workspace(kind: str, orders: int, only_orders: bool):
    from conftest import build_small

    from shopsight import workspace

    if kind == "sample":
        from shopsight.sample import ensure_sample

        ws = workspace.open_workspace(None)
        ensure_sample(ws)
        return ws, None
    from shopsight import teams

    data_dir = Path(tempfile.mkdtemp(prefix="bench_pages_"))
    os.environ["SHOPSIGHT_DATA_DIR"] = str(data_dir)
    team = teams.create_team(WS_NAME)  # the app opens workspaces by team link id
    ws = team.workspace
    if only_orders:
        ws.connect().close()
    else:
        build_small(ws)
    if orders:
        t0 = time.perf_counter()
        workspace.write_dataset(ws, "orders", synthetic_orders(orders), file="synthetic.csv")
        print(f"loaded {orders:,} order lines in {time.perf_counter() - t0:.1f} s")
    return ws, team.id


def run_page(page: str, ws_name: str | None, params: dict, runs: int) -> dict:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from shopsight import queries

    recorded: list[tuple[str, dict]] = []
    original_run = queries.run

    def recording_run(con, name, **kw):
        recorded.append((name, kw))
        return original_run(con, name, **kw)

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    if ws_name:
        at.query_params["ws"] = ws_name
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page)
    st.cache_data.clear()
    queries.run = recording_run
    try:
        at.run()
    finally:
        queries.run = original_run
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    if at.toast:  # e.g. the workspace was not found: the numbers would be another shop's
        raise RuntimeError(f"{page}: {at.toast[0].value}")
    warm, cold = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
        st.cache_data.clear()
        queries.run = recording_run
        before = len(recorded)
        try:
            t0 = time.perf_counter()
            at.run()
            cold.append(time.perf_counter() - t0)
        finally:
            queries.run = original_run
        ran = len(recorded) - before
        if ran != len(recorded[:before]) and before:
            print(f"  note: a cold rerun ran {ran} queries, the first run {before}")
        del recorded[before:]
    return {"warm": warm, "cold": cold, "queries": recorded}


def bare_sql(ws, recorded: list[tuple[str, dict]], runs: int) -> list[float]:
    from shopsight import queries
    from shopsight.ui import query_cache

    con = query_cache._database(str(ws.path.resolve()))  # the connection the app holds
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for name, params in recorded:
            with con.cursor() as cur:
                cur.execute(queries.sql(name), queries.bind(name, params)).df()
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", choices=["small", "sample"], default="small")
    ap.add_argument(
        "--orders", type=int, default=0, help="add N synthetic order lines (small only)"
    )
    ap.add_argument(
        "--only-orders",
        action="store_true",
        help="no traffic or products: the KPIs come from the orders (distinct buyers)",
    )
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    ws, ws_name = build_workspace(args.workspace, args.orders, args.only_orders)
    print(
        f"workspace: {args.workspace}{f' + {args.orders:,} orders' if args.orders else ''}; "
        f"p50 of {args.runs} runs"
    )
    print(
        f"{'page':<22}{'link':<28}{'warm rerun':>11}{'cold rerun':>11}{'bare SQL':>10}"
        f"{'queries':>8}{'cold/SQL':>9}"
    )
    for page, params in PAGES:
        if not (ROOT / page).exists():
            continue
        link = "&".join(f"{k}={v}" for k, v in params.items()) or "-"
        try:
            r = run_page(page, ws_name, params, args.runs)
        except RuntimeError as e:
            print(f"{page:<22}{link:<28}failed: {e}")
            continue
        sql = bare_sql(ws, r["queries"], args.runs)
        print(
            f"{page:<22}{link:<28}{p50(r['warm']):>10.3f}s{p50(r['cold']):>10.3f}s"
            f"{p50(sql):>9.3f}s{len(r['queries']):>8}{p50(r['cold']) / max(p50(sql), 1e-9):>8.1f}x"
        )


if __name__ == "__main__":
    main()
