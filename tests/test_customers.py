"""Customers: 复购率 on hand-made orders, and the summary, trend, cohort matrix and RFM
segments of the customers_* queries against a brute-force Python reference over
generated orders (multi-line orders, unpaid orders, lines without a buyer, filters)."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest
from click.testing import CliRunner

from shopsight import customer_analysis, queries, workspace
from shopsight.cli import cli
from shopsight.ui import downloads

SOURCES = ("手淘搜索", "直通车", "直接访问")
DEVICES = ("无线", "PC")
PROVINCES = ("浙江省", "广东省", "北京市")
PLATFORMS = ("taobao", "shopify", None)
CURRENCIES = {"taobao": ("CNY", None), "shopify": ("USD", "CNY"), None: (None,)}


def write_orders(ws: workspace.Workspace, lines: list[dict]) -> None:
    con = ws.connect()
    try:
        workspace.write_dataset(
            ws, "orders", pa.Table.from_pylist(lines), file="orders.csv", con=con
        )
    finally:
        con.close()


def line(order_id, when, buyer, paid, **kw) -> dict:
    return {
        "order_id": order_id,
        "order_time": when,
        "buyer_id": buyer,
        "paid_amount": paid,
        "quantity": 1,
        "province": kw.get("province", "浙江省"),
        "source": kw.get("source", "手淘搜索"),
        "device": kw.get("device", "无线"),
        "platform": kw.get("platform"),
        "currency": kw.get("currency"),
    }


# ------------------------------------------------------------------ hand-made orders


def test_repurchase_rate_on_constructed_orders(data_dir):
    nov = datetime(2026, 11, 1, 10)
    lines = [
        # A: two paid orders in November, one of two lines -> a repeat buyer
        line("a1", nov, "A", 10.0),
        line("a1", nov, "A", 5.0),
        line("a2", nov + timedelta(days=3), "A", 20.0),
        # B: one order of three lines -> not a repeat buyer
        *[line("b1", nov + timedelta(days=1), "B", 7.0) for _ in range(3)],
        # C: a paid order and an unpaid one (nothing paid) -> not a repeat buyer
        line("c1", nov, "C", 30.0),
        line("c2", nov + timedelta(days=2), "C", 0.0),
        # D: one order in October, one in November -> one order in the range
        line("d1", datetime(2026, 10, 20), "D", 40.0),
        line("d2", nov, "D", 40.0),
        # E: only unpaid -> not a buyer; a paid order without buyer id -> no buyer
        line("e1", nov, "E", 0.0),
        line("x1", nov, None, 99.0),
    ]
    ws = workspace.open_workspace("rep")
    write_orders(ws, lines)
    con = ws.connect(read_only=True)
    try:
        params = {
            "start": date(2026, 11, 1),
            "end": date(2026, 11, 30),
            "src": None,
            "dev": None,
            "prov": None,
            "plat": None,
            "cur": None,
        }
        s = customer_analysis.summary(queries.run(con, "customers_summary", **params))
        daily = queries.run(con, "customers_daily", **params)
        buyers = queries.run(con, "customers_daily_buyers", **params)
    finally:
        con.close()
    assert (s["buyers"], s["repeat_buyers"]) == (4, 1)
    assert s["repurchase_rate"] == pytest.approx(0.25)
    assert (s["new_buyers"], s["returning_buyers"]) == (3, 1)  # D bought in October
    assert s["paid_amount"] == pytest.approx(15 + 20 + 21 + 30 + 40)
    assert s["returning_paid_amount"] == pytest.approx(40)
    # the forecast's daily amounts keep the order without a buyer id, but not as a buyer
    nov1 = daily[daily["day"] == np.datetime64("2026-11-01")].iloc[0]
    assert nov1["paid_amount"] == pytest.approx(15 + 30 + 40 + 99)
    assert nov1["orders"] == 4
    assert buyers.set_index("day").loc[np.datetime64("2026-11-01"), "paying_buyers"] == 3
    assert buyers["paying_buyers"].tolist() == [1, 3, 1, 1]  # D; A C D; B; A

    result = CliRunner().invoke(
        cli,
        ["customers", "--start", "2026-11-01", "--end", "2026-11-30", "-w", str(ws.path), "--json"],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"buyers", "repeat_buyers", "repurchase_rate", "cohorts", "rfm"}
    assert (out["buyers"], out["repeat_buyers"], out["repurchase_rate"]) == (4, 1, 0.25)
    # D's cohort is October, outside the range; A, B and C are November's
    assert out["cohorts"] == [{"cohort": "2026-11", "size": 3, "retention": []}]
    assert sum(r["buyers"] for r in out["rfm"]) == 4
    assert sum(r["paid_amount"] for r in out["rfm"]) == pytest.approx(126)
    assert all(set(r) == {"segment", "buyers", "paid_amount"} for r in out["rfm"])

    # all data by default: D now has two orders
    out = json.loads(CliRunner().invoke(cli, ["customers", "-w", str(ws.path), "--json"]).output)
    assert (out["buyers"], out["repeat_buyers"]) == (4, 2)
    assert out["cohorts"] == [
        {"cohort": "2026-10", "size": 1, "retention": [1.0]},
        {"cohort": "2026-11", "size": 3, "retention": []},
    ]


def test_segment_download_is_escaped():
    rfm = customer_analysis.segments(
        __import__("pandas").DataFrame(
            {
                "segment": ["lost", "champions"],
                "buyers": [2, 1],
                "paid_amount": [5.0, 50.0],
                "buyer_ids": [["=HYPERLINK(1)", "b2"], ["@c"]],
            }
        )
    )
    assert list(rfm["segment"]) == ["champions", "lost"]  # best first
    assert rfm["share_buyers"].tolist() == pytest.approx([1 / 3, 2 / 3])
    csv = downloads.safe_csv(customer_analysis.segment_buyers(rfm, "lost")).decode("utf-8-sig")
    assert csv.splitlines() == ["buyer_id", "'=HYPERLINK(1)", "b2"]
    assert customer_analysis.segment_buyers(rfm, "new").empty
    unlisted = rfm.assign(buyer_ids=[None, None])
    with pytest.raises(ValueError, match="lost"):
        customer_analysis.segment_buyers(unlisted, "lost")


# ------------------------------------------------------------------ generated orders


def generated_lines(seed: int = 7, n_orders: int = 1500) -> list[dict]:
    rng = random.Random(seed)
    buyers = [f"u{i:03d}" for i in range(220)]
    weights = [1 + 6 * (i % 9 == 0) for i in range(len(buyers))]  # a few buy often
    out = []
    start = datetime(2026, 6, 20)
    for k in range(n_orders):
        when = start + timedelta(minutes=rng.randrange(0, 160 * 24 * 60))
        buyer = rng.choices(buyers, weights)[0] if rng.random() > 0.03 else None
        unpaid = rng.random() < 0.08
        platform = rng.choice(PLATFORMS)
        order = {
            "province": rng.choice(PROVINCES),
            "source": rng.choice(SOURCES),
            "device": rng.choice(DEVICES),
            "platform": platform,
            "currency": rng.choice(CURRENCIES[platform]),
        }
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            paid = 0.0 if unpaid else round(rng.uniform(5, 300), 2)
            out.append(line(f"o{k:05d}", when, buyer, paid, **order))
    return out


def paid_orders(lines: list[dict]) -> dict[tuple, dict]:
    """The reference: paid lines (paid_amount > 0) summed per (order, buyer)."""
    orders: dict[tuple, dict] = {}
    for r in lines:
        if not r["paid_amount"] > 0:
            continue
        key = (r["order_id"], r["buyer_id"])
        o = orders.setdefault(
            key,
            {
                "buyer": r["buyer_id"],
                "day": r["order_time"].date(),
                "paid": 0.0,
                "province": r["province"],
                "source": r["source"],
                "device": r["device"],
                "platform": r.get("platform"),
                "currency": r.get("currency") or "CNY",
            },
        )
        o["day"] = min(o["day"], r["order_time"].date())
        o["paid"] += r["paid_amount"]
    return orders


def picked(o: dict, f: dict) -> bool:
    return all(
        f.get(dim) is None or o[col] in f[dim]
        for dim, col in (
            ("src", "source"),
            ("dev", "device"),
            ("prov", "province"),
            ("plat", "platform"),
        )
    ) and f.get("cur") in (None, o["currency"])


def reference(lines, start, end, f):
    orders = [o for o in paid_orders(lines).values() if o["buyer"] is not None]
    first = {}
    for o in orders:
        first[o["buyer"]] = min(first.get(o["buyer"], o["day"]), o["day"])
    sel = [o for o in orders if picked(o, f)]
    in_range = [o for o in sel if start <= o["day"] <= end]
    per = defaultdict(lambda: {"orders": 0, "paid": 0.0, "last": date.min})
    for o in in_range:
        p = per[o["buyer"]]
        p["orders"] += 1
        p["paid"] += o["paid"]
        p["last"] = max(p["last"], o["day"])
    summary = {
        "buyers": len(per),
        "repeat_buyers": sum(p["orders"] >= 2 for p in per.values()),
        "new_buyers": sum(first[b] >= start for b in per),
        "paid_amount": sum(p["paid"] for p in per.values()),
        "new_paid_amount": sum(p["paid"] for b, p in per.items() if first[b] >= start),
    }
    # cohorts: first paid day in the range; members have a selected order in that month
    month = lambda d: (d.year, d.month)  # noqa: E731
    active = defaultdict(set)  # buyer -> months with a selected order up to end
    for o in sel:
        if o["day"] <= end:
            active[o["buyer"]].add(month(o["day"]))
    cohort_counts = defaultdict(int)
    for b, months in active.items():
        if not start <= first[b] <= end:
            continue
        c = month(first[b])
        if c not in months:
            continue
        for m in months:
            cohort_counts[(date(*c, 1), (m[0] - c[0]) * 12 + m[1] - c[1])] += 1
    # RFM
    rec = {b: (end - p["last"]).days for b, p in per.items()}
    mon = {b: p["paid"] for b, p in per.items()}
    r_cuts = np.quantile(list(rec.values()), [0.2, 0.4, 0.6, 0.8])
    m_cuts = np.quantile(list(mon.values()), [0.2, 0.4, 0.6, 0.8])
    segs = defaultdict(list)
    for b, p in per.items():
        r = 5 - sum(rec[b] > c for c in r_cuts)
        m = 1 + sum(mon[b] > c for c in m_cuts)
        fr = p["orders"]
        r_hi, f_hi, m_hi = r >= 4, fr >= 2, m >= 4
        seg = (
            "champions"
            if r_hi and f_hi and m_hi
            else "loyal"
            if r_hi and f_hi
            else "promising"
            if r_hi and m_hi
            else "new"
            if r_hi
            else "at_risk"
            if f_hi
            else "win_back"
            if m_hi
            else "lost"
        )
        segs[seg].append(b)
    return summary, cohort_counts, segs, mon


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    lines = generated_lines()
    ws = workspace.open_workspace(tmp_path_factory.mktemp("gen") / "shop")
    write_orders(ws, lines)
    con = ws.connect(read_only=True)
    yield lines, con
    con.close()


CASES = [
    (date(2026, 6, 1), date(2026, 11, 30), {}),
    (date(2026, 8, 10), date(2026, 10, 20), {}),
    (date(2026, 7, 1), date(2026, 11, 15), {"src": ["直通车", "直接访问"]}),
    (date(2026, 9, 1), date(2026, 11, 30), {"prov": ["广东省"], "dev": ["无线"]}),
    # a few days: buyers whose previous orders fall just before the start
    (date(2026, 9, 9), date(2026, 9, 15), {}),
    (date(2026, 10, 3), date(2026, 10, 3), {}),
    (date(2026, 7, 1), date(2026, 11, 15), {"plat": ["shopify"]}),
    (date(2026, 8, 1), date(2026, 10, 31), {"cur": "CNY"}),
    (date(2026, 8, 1), date(2026, 10, 31), {"plat": ["taobao", "shopify"], "cur": "USD"}),
]


@pytest.mark.parametrize(("start", "end", "f"), CASES)
def test_summary_cohorts_and_rfm_match_brute_force(generated, start, end, f):
    lines, con = generated
    params = {
        "start": start,
        "end": end,
        "src": f.get("src"),
        "dev": f.get("dev"),
        "prov": f.get("prov"),
        "plat": f.get("plat"),
        "cur": f.get("cur"),
    }
    ref_summary, ref_cohorts, ref_segs, ref_mon = reference(lines, start, end, f)

    s = customer_analysis.summary(queries.run(con, "customers_summary", **params))
    for k in ("buyers", "repeat_buyers", "new_buyers"):
        assert s[k] == ref_summary[k], k
    assert s["returning_buyers"] == ref_summary["buyers"] - ref_summary["new_buyers"]
    assert s["paid_amount"] == pytest.approx(ref_summary["paid_amount"])
    assert s["new_paid_amount"] == pytest.approx(ref_summary["new_paid_amount"])
    assert s["repurchase_rate"] == pytest.approx(
        ref_summary["repeat_buyers"] / ref_summary["buyers"]
    )

    raw = queries.run(con, "customers_cohorts", **params)
    got = {
        (c.date() if hasattr(c, "date") else c, int(o)): int(b)
        for c, o, b in zip(raw["cohort"], raw["month_offset"], raw["buyers"], strict=True)
    }
    assert got == dict(ref_cohorts)
    matrix = customer_analysis.cohorts(raw, end)
    for c in matrix:
        cohort = date.fromisoformat(c["cohort"] + "-01")
        size = ref_cohorts[(cohort, 0)]
        assert c["size"] == size
        assert len(c["retention"]) == customer_analysis.months_between(cohort, end)
        assert c["retention"] == pytest.approx(
            [ref_cohorts.get((cohort, k), 0) / size for k in range(1, len(c["retention"]) + 1)]
        )

    rfm = customer_analysis.segments(queries.run(con, "customers_rfm", **params, segment=None))
    assert set(rfm["segment"]) == set(ref_segs)
    assert rfm["buyer_ids"].isna().all()  # listed only for the segment asked for
    for r in rfm.itertuples():
        assert r.buyers == len(ref_segs[r.segment])
        assert r.paid_amount == pytest.approx(sum(ref_mon[b] for b in ref_segs[r.segment]))
        listed = queries.run(con, "customers_rfm", **params, segment=r.segment)
        assert listed.drop(columns="buyer_ids").equals(
            queries.run(con, "customers_rfm", **params, segment=None).drop(columns="buyer_ids")
        )
        ids = list(customer_analysis.segment_buyers(listed, r.segment)["buyer_id"])
        assert sorted(ids) == sorted(ref_segs[r.segment]), r.segment
        paid = [ref_mon[b] for b in ids]
        assert paid == sorted(paid, reverse=True)  # largest spenders first
        others = listed[listed["segment"] != r.segment]
        assert others["buyer_ids"].isna().all()
    assert rfm["buyers"].sum() == ref_summary["buyers"]


def tied_lines(seed: int) -> list[dict]:
    """A shop made of ties: 40 buyers, 20 days, several orders of a buyer on one day,
    amounts of 10, 20 or 30 (equal totals straddle the quintile cuts), multi-line and
    unpaid orders, two platforms."""
    rng = random.Random(seed)
    out = []
    for k in range(400):
        when = datetime(2026, 10, 1, 9) + timedelta(days=rng.randrange(20), minutes=k)
        buyer = f"t{rng.randrange(40):02d}"
        platform = rng.choice(("taobao", "shopify"))
        paid = rng.choice((10.0, 20.0, 30.0)) if rng.random() > 0.1 else 0.0
        for _ in range(rng.choice((1, 1, 2))):
            out.append(
                line(
                    f"t{k:04d}",
                    when,
                    buyer,
                    paid,
                    source=rng.choice(SOURCES),
                    platform=platform,
                    currency="CNY",
                )
            )
    # one-order buyers: before, at the start of, inside and after the ranges below
    for i, day in enumerate((1, 5, 6, 12, 15, 16, 20)):
        out.append(line(f"one{i}", datetime(2026, 10, day, 23, 59), f"one{i}", 20.0))
    return out


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize(
    ("start", "end", "f"),
    [
        (date(2026, 10, 6), date(2026, 10, 15), {}),  # orders before, in and after the range
        (date(2026, 10, 1), date(2026, 10, 20), {}),  # every order
        (date(2026, 10, 12), date(2026, 10, 12), {}),  # one day: several orders a buyer
        (date(2026, 10, 16), date(2026, 10, 31), {}),  # to past the last order
        (date(2026, 10, 6), date(2026, 10, 15), {"src": ["直通车"]}),
        (date(2026, 10, 6), date(2026, 10, 15), {"plat": ["shopify"]}),
    ],
)
def test_rfm_with_ties_matches_brute_force(tmp_path, seed, start, end, f):
    """The running-totals path (no filter) and the group-by path (a filter) against the
    reference: the same buyers in each segment, with the same orders and amounts."""
    lines = tied_lines(seed)
    ws = workspace.open_workspace(tmp_path / "shop")
    write_orders(ws, lines)
    con = ws.connect(read_only=True)
    params = {k: f.get(k) for k in ("src", "dev", "prov", "plat", "cur")}
    rfm = queries.run(con, "customers_rfm", start=start, end=end, **params, segment=None)
    _, _, ref_segs, ref_mon = reference(lines, start, end, f)
    per = defaultdict(lambda: [0, date.min])  # buyer -> orders, last day in the range
    for o in paid_orders(lines).values():
        if o["buyer"] is not None and picked(o, f) and start <= o["day"] <= end:
            per[o["buyer"]][0] += 1
            per[o["buyer"]][1] = max(per[o["buyer"]][1], o["day"])
    assert dict(zip(rfm["segment"], rfm["buyers"], strict=True)) == {
        s: len(b) for s, b in ref_segs.items()
    }
    for r in rfm.itertuples():
        buyers = ref_segs[r.segment]
        assert r.orders == sum(per[b][0] for b in buyers), r.segment
        assert float(r.paid_amount) == pytest.approx(sum(ref_mon[b] for b in buyers))
        assert r.avg_recency_days == pytest.approx(
            np.mean([(end - per[b][1]).days for b in buyers])
        )
        listed = queries.run(
            con, "customers_rfm", start=start, end=end, **params, segment=r.segment
        )
        ids = list(customer_analysis.segment_buyers(listed, r.segment)["buyer_id"])
        assert ids == sorted(buyers, key=lambda b: (-ref_mon[b], b))
    con.close()


@pytest.mark.parametrize("f", [{}, {"src": ["直通车"]}, {"prov": ["广东省"], "dev": ["PC"]}])
def test_daily_history_matches_brute_force(generated, f):
    """The forecast's daily amounts: from the per-day rollup without filters, from the
    orders with one; orders without a buyer id count."""
    lines, con = generated
    end = date(2026, 10, 31)
    df = queries.run(
        con,
        "customers_daily",
        end=end,
        src=f.get("src"),
        dev=f.get("dev"),
        prov=f.get("prov"),
        plat=None,
        cur=None,
    )
    want: dict[date, list] = defaultdict(lambda: [0.0, 0])
    for o in paid_orders(lines).values():
        if o["day"] <= end and picked(o, f):
            want[o["day"]][0] += o["paid"]
            want[o["day"]][1] += 1
    assert [d.date() for d in df["day"]] == sorted(want)
    assert df["orders"].tolist() == [want[d][1] for d in sorted(want)]
    assert [float(v) for v in df["paid_amount"]] == pytest.approx(
        [want[d][0] for d in sorted(want)]
    )


@pytest.mark.parametrize("grain", customer_analysis.GRAINS)
@pytest.mark.parametrize(
    ("start", "end", "f"),
    [
        (date(2026, 7, 5), date(2026, 11, 20), {}),  # cut first and last periods
        (date(2026, 9, 10), date(2026, 10, 14), {}),
        (date(2026, 7, 5), date(2026, 11, 20), {"src": ["直通车"]}),
        (date(2026, 7, 5), date(2026, 11, 20), {"plat": ["taobao"], "cur": "CNY"}),
    ],
)
def test_trend_matches_brute_force(generated, grain, start, end, f):
    lines, con = generated
    df = customer_analysis.trend(
        queries.run(
            con,
            "customers_trend",
            start=start,
            end=end,
            src=f.get("src"),
            dev=None,
            prov=None,
            plat=f.get("plat"),
            cur=f.get("cur"),
            grain=grain,
        )
    )
    orders = [o for o in paid_orders(lines).values() if o["buyer"] is not None]
    first = {}
    for o in orders:
        first[o["buyer"]] = min(first.get(o["buyer"], o["day"]), o["day"])
    orders = [o for o in orders if picked(o, f)]

    def period(d: date) -> date:
        return d - timedelta(days=d.weekday()) if grain == "week" else d.replace(day=1)

    per = defaultdict(lambda: defaultdict(lambda: [0, 0.0]))
    for o in orders:
        if start <= o["day"] <= end:
            p = per[period(o["day"])][o["buyer"]]
            p[0] += 1
            p[1] += o["paid"]
    assert [d.date() for d in df["period"]] == sorted(per)
    for r in df.itertuples():
        buyers = per[r.period.date()]
        new = [b for b in buyers if period(first[b]) == r.period.date()]
        assert r.buyers == len(buyers)
        assert r.new_buyers == len(new) and r.returning_buyers == len(buyers) - len(new)
        assert r.repeat_buyers == sum(v[0] >= 2 for v in buyers.values())
        assert r.new_paid_amount == pytest.approx(sum(buyers[b][1] for b in new))
        assert r.paid_amount == pytest.approx(sum(v[1] for v in buyers.values()))
        assert r.repurchase_rate == pytest.approx(r.repeat_buyers / r.buyers)


def test_cohort_frame_fills_empty_months():
    import pandas as pd

    raw = pd.DataFrame(
        {
            "cohort": [date(2026, 9, 1)] * 2 + [date(2026, 11, 1)],
            "month_offset": [0, 2, 0],
            "buyers": [10, 3, 4],
        }
    )
    frame = customer_analysis.cohort_frame(raw, date(2026, 11, 30))
    assert frame["buyers"].tolist() == [10, 0, 3, 4]
    assert frame["retention"].tolist() == pytest.approx([1.0, 0.0, 0.3, 1.0])
    assert customer_analysis.cohorts(raw, date(2026, 11, 30)) == [
        {"cohort": "2026-09", "size": 10, "retention": [0.0, 0.3]},
        {"cohort": "2026-11", "size": 4, "retention": []},
    ]


def test_the_paid_order_rule_is_written_once():
    """Every customer and forecast query reads the paid-orders rollup, never `orders`, so
    the rule that decides which orders are paid lives in one file."""
    import re

    for name in queries.names("customers_"):
        body = re.sub(r"--[^\n]*", "", queries.sql(name))
        tables = set(re.findall(r"\bfrom\s+([a-z_]+)", body))
        if name == "customers_signals":
            assert tables <= {"traffic", "source"}, name
            continue
        assert "orders" not in tables, name
        assert "rollup_orders_buyer_orders" in tables, name
    rollup = re.sub(r"--[^\n]*", "", queries.sql("rollup_orders_buyer_orders"))
    assert rollup.count("from orders") == 1
