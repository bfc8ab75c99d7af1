"""Event funnel: queries/event_funnel.sql vs the same funnel in pandas, side by side.

    python bench/event_funnel.py                  # 10M events, ~1M users
    python bench/event_funnel.py --events 1000000 --users 100000

Both sides read the same seeded synthetic log (6 event types, repeated events, ties in
time) from a database file and must agree on the step counts; the script prints wall and CPU
seconds and the pandas / SQL ratio.
"""

from __future__ import annotations

import argparse
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


def pandas_funnel(events: pd.DataFrame, steps: list[str], window_seconds: int) -> list[int]:
    """The rules of queries/event_funnel.sql in pandas (no filters): users reaching each step."""
    ev = events[["user_id", "event", "event_time"]]
    first = ev[ev["event"] == steps[0]]
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
        by=None,
        source=None,
        device=None,
        province=None,
    )
    six = ["view", "search", "cart", "favorite", "order", "pay"]
    cases = [
        (f"event_funnel {len(STEPS)} steps", "event_funnel", params),
        ("event_funnel by source", "event_funnel", {**params, "by": "source"}),
        ("event_funnel 6 steps", "event_funnel", {**params, "steps": six}),
        ("event_funnel_times", "event_funnel_times", params),
        ("event_names", "event_names", params),
    ]
    results = {}
    print(f"{'query':<28}{'wall s':>8}{'cpu s':>8}")
    for label, name, p in cases:
        wall, cpu, df = timed(lambda name=name, p=p: queries.run(con, name, **p))
        results[label] = (wall, df)
        print(f"{label:<28}{wall:8.3f}{cpu:8.3f}")

    events = con.table("events").df()
    for label, steps in ((cases[0][0], STEPS), (cases[2][0], six)):
        wall, cpu, pd_users = timed(lambda s=steps: pandas_funnel(events, s, WINDOW_SECONDS), 1)
        sql_wall, sql_df = results[label]
        sql_users = sql_df["users"].tolist()
        if sql_users != pd_users:
            raise SystemExit(f"mismatch for {steps}: sql {sql_users} vs pandas {pd_users}")
        print(
            f"pandas {label:<21}{wall:8.3f}{cpu:8.3f}   pandas / sql = {wall / sql_wall:.1f}x"
            f"   users per step {sql_users}"
        )
    print(f"threads={threads}; cpu s = process CPU time over all threads (robust to a busy box)")


if __name__ == "__main__":
    main()
