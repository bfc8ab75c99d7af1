"""Event funnel: queries/event_funnel.sql vs the same funnel in pandas, side by side.

    python bench/event_funnel.py                  # 10M events, ~1M users
    python bench/event_funnel.py --events 1000000 --users 100000

Both sides read the same seeded synthetic log (6 event types, repeated events, ties in
time) from a database file and must agree on the step counts; the script prints wall and CPU
seconds, the load average and the pandas / SQL ratio. "2 periods" is the Funnel page's
question: one query for the second half of the month with the first half as the compare
period (steps and time to convert of both); pandas answers it as two funnels.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shopsight import queries, schema  # noqa: E402

EVENTS = ("view", "search", "favorite", "cart", "order", "pay")
EVENT_WEIGHTS = (0.40, 0.15, 0.10, 0.15, 0.12, 0.08)
SOURCES = ("手淘搜索", "直通车", "首页推荐", "购物车", "淘宝客", "直接访问")
DEVICES = ("无线", "PC")
PROVINCES = tuple(f"p{i:02d}" for i in range(31))
STEPS = ["view", "cart", "order", "pay"]
WINDOW_SECONDS = 3 * 86400
PERIOD = (dt.date(2026, 11, 16), dt.date(2026, 11, 30))
COMPARE = (dt.date(2026, 11, 1), dt.date(2026, 11, 15))


def generate(con: duckdb.DuckDBPyConnection, n_events: int, n_users: int, seed: int = 7) -> None:
    """Fill the canonical events table: ~n_events/n_users events per user over 30 days."""
    rng = np.random.default_rng(seed)
    user = rng.integers(0, n_users, n_events)
    start = rng.integers(0, 30 * 86400, n_users)  # each user's first visit
    offset = rng.exponential(86400.0, n_events).astype(np.int64)  # whole seconds: ties happen
    codes = pd.DataFrame(
        {
            "user": user,
            "event": rng.choice(len(EVENTS), n_events, p=EVENT_WEIGHTS),
            "second": start[user] + offset,
            "source": rng.integers(0, len(SOURCES), n_events),
            "device": rng.choice(len(DEVICES), n_events, p=(0.85, 0.15)),
            "province": rng.integers(0, len(PROVINCES), n_events),
        }
    )
    con.register("codes", codes)
    con.execute(schema.create_table_sql("events"))
    con.execute(
        """
        insert into events
        select
            'u' || lpad(user::varchar, 7, '0'),
            $events[event + 1],
            timestamp '2026-11-01' + to_seconds(second),
            $sources[source + 1],
            $devices[device + 1],
            $provinces[province + 1],
            null
        from codes
        """,
        {
            "events": list(EVENTS),
            "sources": list(SOURCES),
            "devices": list(DEVICES),
            "provinces": list(PROVINCES),
        },
    )
    con.unregister("codes")


def pandas_funnel(
    events: pd.DataFrame,
    steps: list[str],
    window_seconds: int,
    dates: tuple[dt.date, dt.date] | None = None,
) -> list[int]:
    """The rules of queries/event_funnel.sql in pandas (anchors inside `dates`, inclusive; no
    other filters): users reaching each step."""
    ev = events[["user_id", "event", "event_time"]]
    first = ev[ev["event"] == steps[0]]
    if dates is not None:
        start, end = pd.Timestamp(dates[0]), pd.Timestamp(dates[1] + dt.timedelta(days=1))
        first = first[(first["event_time"] >= start) & (first["event_time"] < end)]
    chain = first.groupby("user_id", sort=False)["event_time"].min().rename("t1").reset_index()
    chain["deadline"] = chain["t1"] + pd.Timedelta(seconds=window_seconds)
    users = [len(chain)]
    for k in range(1, len(steps)):
        prev = f"t{k}"
        cand = chain.merge(ev.loc[ev["event"] == steps[k], ["user_id", "event_time"]], on="user_id")
        cand = cand[(cand["event_time"] >= cand[prev]) & (cand["event_time"] <= cand["deadline"])]
        at_prev = cand["event_time"] == cand[prev]
        g = cand.assign(at_prev=at_prev, later=cand["event_time"].where(~at_prev))
        agg = g.groupby("user_id", sort=False).agg(
            n_at_prev=("at_prev", "sum"), later=("later", "min")
        )
        chain = chain.merge(agg, left_on="user_id", right_index=True)
        # events of this name at the previous instant already taken by earlier steps
        taken = sum(
            (chain[f"t{j + 1}"] == chain[prev]).astype(int)
            for j in range(k)
            if steps[j] == steps[k]
        )
        chain[f"t{k + 1}"] = chain[prev].where(chain["n_at_prev"] > taken, chain["later"])
        chain = chain[chain[f"t{k + 1}"].notna()].drop(columns=["n_at_prev", "later"])
        users.append(len(chain))
    return users


def timed(fn, repeat: int = 3) -> tuple[float, float, object]:
    """Best wall seconds and best CPU seconds (all threads) over `repeat` runs, and the result."""
    wall = cpu = float("inf")
    result = None
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        result = fn()
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        # a database file, as in a workspace: strings are stored compressed, which makes the
        # per-step event filters much cheaper than on an in-memory table
        path = str(Path(tmp) / "events.duckdb")
        t0 = time.perf_counter()
        with duckdb.connect(path) as con:
            generate(con, args.events, args.users)
            con.execute("checkpoint")
        print(
            f"generated {args.events:,} events / {args.users:,} users "
            f"in {time.perf_counter() - t0:.1f}s"
        )
        with duckdb.connect(path, read_only=True, config={"threads": args.threads}) as con:
            run(con, args.threads)


def run(con: duckdb.DuckDBPyConnection, threads: int) -> None:
    params = dict(
        steps=STEPS,
        window_seconds=WINDOW_SECONDS,
        start_date=None,
        end_date=None,
        cmp_start_date=None,
        cmp_end_date=None,
        by=None,
        source=None,
        device=None,
        province=None,
    )
    six = ["view", "search", "cart", "favorite", "order", "pay"]
    two_periods = {
        **params,
        "start_date": PERIOD[0],
        "end_date": PERIOD[1],
        "cmp_start_date": COMPARE[0],
        "cmp_end_date": COMPARE[1],
    }
    cases = [
        (f"event_funnel {len(STEPS)} steps", "event_funnel", params),
        ("event_funnel by source", "event_funnel", {**params, "by": "source"}),
        ("event_funnel 6 steps", "event_funnel", {**params, "steps": six}),
        ("event_funnel 2 periods", "event_funnel", two_periods),
        ("event_names", "event_names", params),
    ]
    results = {}
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'query':<28}{'wall s':>8}{'cpu s':>8}")
    for label, name, p in cases:
        wall, cpu, df = timed(lambda name=name, p=p: queries.run(con, name, **p))
        results[label] = (wall, df)
        print(f"{label:<28}{wall:8.3f}{cpu:8.3f}")

    def sql_users(label: str, period: str = "current") -> list[int]:
        df = results[label][1]
        return df[(df["period"] == period) & (df["part"] == "steps")]["users"].tolist()

    events = con.table("events").df()
    checks = [
        (cases[0][0], [(STEPS, None, "current")]),
        (cases[2][0], [(six, None, "current")]),
        (cases[3][0], [(STEPS, PERIOD, "current"), (STEPS, COMPARE, "compare")]),
    ]
    for label, funnels in checks:
        wall, cpu, pd_users = timed(
            lambda fs=funnels: [pandas_funnel(events, s, WINDOW_SECONDS, d) for s, d, _ in fs], 1
        )
        got = [sql_users(label, period) for _, _, period in funnels]
        if got != pd_users:
            raise SystemExit(f"mismatch for {label}: sql {got} vs pandas {pd_users}")
        print(
            f"pandas {label:<22}{wall:8.3f}{cpu:8.3f}   pandas / sql = "
            f"{wall / results[label][0]:.1f}x   users per step {got}"
        )
    print(
        f"threads={threads}; cpu s = process CPU time over all threads (robust to a busy box); "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
