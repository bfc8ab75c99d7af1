"""A/B engine: many tests in one vectorised call vs a naive per-test loop with statsmodels.

Both sides start from the same daily rows (tests x variants x days) and compute, for CTR and
for conversion after the click: Wilson CIs, pooled z-test p-values, Newcombe / log-ratio lift
CIs, Holm, SRM, the per-arm sample size, P(beats control) and P(best) with expected loss.
The naive loop uses statsmodels/scipy per test: quad for P(beats control) and Monte Carlo
(200,000 draws) for P(best), as one would write it by hand.

    python bench/abtest.py                 # 1,000 tests x 5 variants x 30 days
    python bench/abtest.py --tests 200     # quicker

With --sequential (default 60 days): the always-valid path, ``abtest.sequential`` on the daily
rows (always-valid p-values, Holm, confidence sequences, decision days; CTR and conversion
after the click) vs the same arithmetic in a plain Python loop over tests, days and variants.

    python bench/abtest.py --sequential    # 1,000 tests x 5 variants x 60 days
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import integrate, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from shopsight import abtest_stats  # noqa: E402


def make_daily(tests: int, variants: int, days: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_rows = tests * variants * days
    t = np.repeat(np.arange(tests), variants * days)
    v = np.tile(np.repeat(np.arange(variants), days), tests)
    d = np.tile(np.arange(days), tests * variants)
    base = rng.uniform(0.01, 0.06, tests)[t]
    lift = 1 + rng.normal(0, 0.08, (tests, variants))[t, v] * (v > 0)
    imp = rng.integers(300, 6000, n_rows)
    clk = rng.binomial(imp, np.clip(base * lift, 0, 1))
    orders = rng.binomial(clk, 0.05)
    return pd.DataFrame(
        {
            "test_id": np.char.add("t", np.char.zfill(t.astype(str), 5)),
            "variant": np.char.add("v", v.astype(str)),
            "date": pd.Timestamp("2026-11-01") + pd.to_timedelta(d, unit="D"),
            "impressions": imp,
            "clicks": clk,
            "orders": orders,
        }
    )


def engine(daily: pd.DataFrame) -> abtest_stats.ABBatch:
    return abtest_stats.analyze_tests(abtest_stats.totals_from_daily(daily))


def naive_metric(x: np.ndarray, n: np.ndarray, timers: dict) -> dict:
    t0 = time.perf_counter()
    lo, hi = proportion_confint(x, n, method="wilson")
    p, dlo, rlo = [], [], []
    for i in range(1, len(x)):
        p.append(proportions_ztest([x[i], x[0]], [n[i], n[0]])[1])
        dlo.append(confint_proportions_2indep(x[i], n[i], x[0], n[0], method="newcomb")[0])
        rlo.append(
            confint_proportions_2indep(x[i], n[i], x[0], n[0], compare="ratio", method="log")[0]
        )
    holm = multipletests(p, method="holm")[1]
    t1 = time.perf_counter()
    post = [stats.beta(xi + 1, ni - xi + 1) for xi, ni in zip(x, n, strict=True)]
    beats = []
    for i in range(1, len(x)):
        c, v = post[0], post[i]
        a, b = c.ppf(1e-12), c.isf(1e-12)
        beats.append(integrate.quad(lambda s, c=c, v=v: c.pdf(s) * v.sf(s), a, b, limit=200)[0])
    t2 = time.perf_counter()
    rng = np.random.default_rng(abtest_stats.MC_SEED)
    draws = rng.beta(x[:, None] + 1, (n - x)[:, None] + 1, size=(len(x), abtest_stats.MC_DRAWS))
    best = np.bincount(draws.argmax(0), minlength=len(x)) / abtest_stats.MC_DRAWS
    loss = (draws.max(0) - draws).mean(1)
    t3 = time.perf_counter()
    timers["frequentist"] += t1 - t0
    timers["quad P(beats)"] += t2 - t1
    timers["MC P(best)"] += t3 - t2
    return {
        "ci_low": lo,
        "p_value_holm": holm,
        "prob_beats_control": beats,
        "prob_best": best,
        "expected_loss": loss,
        "lift_abs_ci_low": dlo,
        "lift_rel_ci_low": rlo,
    }


def naive(daily: pd.DataFrame, timers: dict) -> dict:
    out = {}
    for test_id, rows in daily.groupby("test_id", sort=True):
        t0 = time.perf_counter()
        tot = rows.groupby("variant", sort=True)[["impressions", "clicks", "orders"]].sum()
        n, x, o = (tot[c].to_numpy(float) for c in ("impressions", "clicks", "orders"))
        srm = stats.chisquare(n).pvalue
        p1 = x[0] / n[0]
        size = NormalIndPower().solve_power(
            effect_size=proportion_effectsize(p1 * 1.1, p1), alpha=0.05, power=0.8, ratio=1
        )
        timers["frequentist"] += time.perf_counter() - t0
        out[test_id] = {
            "srm": srm,
            "size": int(np.ceil(size)),
            "ctr": naive_metric(x, n, timers),
            "cvr": naive_metric(o, x, timers),
        }
    return out


def per_click(daily: pd.DataFrame) -> pd.DataFrame:
    """Conversion after the click through the same path: clicks are its trials, orders its hits."""
    return daily.assign(impressions=daily["clicks"], clicks=daily["orders"])


def sequential_engine(daily: pd.DataFrame) -> tuple[abtest_stats.SeqBatch, abtest_stats.SeqBatch]:
    return abtest_stats.sequential(daily), abtest_stats.sequential(per_click(daily))


def naive_sequential(
    daily: pd.DataFrame, alpha: float = abtest_stats.ALPHA, tau: float = abtest_stats.SEQ_TAU
) -> dict:
    """The sequential analysis of one metric written as plain loops (control = "v0")."""
    counts: dict = {}
    for t, v, d, n, x in zip(
        daily["test_id"].tolist(),
        daily["variant"].tolist(),
        daily["date"].tolist(),
        daily["impressions"].tolist(),
        daily["clicks"].tolist(),
        strict=True,
    ):
        counts.setdefault(t, {}).setdefault(v, {})[d] = (n, x)
    out = {}
    for t, arms in counts.items():
        names = sorted(arms)
        control, others = names[0], names[1:]
        days = sorted({d for v in names for d in arms[v]})
        cum = {v: [0.0, 0.0] for v in names}
        p = dict.fromkeys(others, 1.0)
        lo = dict.fromkeys(others, -math.inf)
        hi = dict.fromkeys(others, math.inf)
        decided = dict.fromkeys(others)
        level = math.log(1 / alpha)
        for k, d in enumerate(days):
            for v in names:
                n, x = arms[v].get(d, (0, 0))
                cum[v][0] += n
                cum[v][1] += x
            nc, xc = cum[control]
            theta = {}
            for v in others:
                n, x = cum[v]
                if (
                    min(n, nc) < abtest_stats.MIN_IMPRESSIONS
                    or min(x, xc) < abtest_stats.MIN_CLICKS
                ):
                    continue
                th = math.log(x / n) - math.log(xc / nc)
                var = 1 / x - 1 / n + 1 / xc - 1 / nc
                s2 = var + tau * tau
                log_lr = 0.5 * math.log(var / s2) + tau * tau * th * th / (2 * var * s2)
                p[v] = min(p[v], math.exp(-log_lr))
                half = math.sqrt(var * s2 / (tau * tau) * (math.log(s2 / var) + 2 * level))
                lo[v], hi[v] = max(lo[v], th - half), min(hi[v], th + half)
                theta[v] = th
            order = sorted(others, key=lambda v: p[v])
            running = 0.0
            for rank, v in enumerate(order):
                running = max(running, min(1.0, (len(others) - rank) * p[v]))
                if decided[v] is None and running <= alpha:
                    decided[v] = (k + 1, 1 if theta[v] > 0 else -1)
            holm = {}
            running = 0.0
            for rank, v in enumerate(order):
                running = max(running, min(1.0, (len(others) - rank) * p[v]))
                holm[v] = running
        out[t] = {
            v: {
                "p_value_holm": holm[v],
                "cs_low": math.expm1(lo[v]),
                "decided_day": (decided[v] or (None,))[0],
            }
            for v in others
        }
    return out


def sequential_main(args) -> None:
    daily = make_daily(args.tests, args.variants, args.days)
    print(
        f"{args.tests} tests x {args.variants} variants x {args.days} days = {len(daily):,} rows,"
        " CTR and conversion after the click"
    )
    sequential_engine(daily.head(args.variants * args.days))  # warm-up

    t0, c0 = time.perf_counter(), time.process_time()
    batches = sequential_engine(daily)
    t_engine, c_engine = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    refs = naive_sequential(daily), naive_sequential(per_click(daily))
    t_naive, c_naive = time.perf_counter() - t0, time.process_time() - c0

    worst_p = worst_cs = 0.0
    same_day = True
    for batch, ref in zip(batches, refs, strict=True):
        v = batch.variants.loc[~batch.variants["is_control"]]
        for test_id, variant, p, cs, day in zip(
            v["test_id"],
            v["variant"],
            v["p_value_holm"],
            v["cs_low"],
            v["decided_day"],
            strict=True,
        ):
            r = ref[test_id][variant]
            worst_p = max(worst_p, abs(p - r["p_value_holm"]))
            if math.isfinite(r["cs_low"]) and r["cs_low"] > -1:
                worst_cs = max(worst_cs, abs(cs - r["cs_low"]))
            same_day &= (None if pd.isna(day) else int(day)) == r["decided_day"]
    decided = [int(b.variants["decided_day"].notna().sum()) for b in batches]
    print(f"{'':26}{'wall':>9}{'cpu':>9}")
    print(f"abtest.sequential, 2 calls {t_engine:8.3f}s {c_engine:8.3f}s")
    print(f"plain Python loop          {t_naive:8.3f}s {c_naive:8.3f}s")
    print(f"ratio loop / engine        {t_naive / t_engine:8.1f}x {c_naive / c_engine:8.1f}x")
    print(
        f"max |difference|: Holm p {worst_p:.1e}, CS low {worst_cs:.1e}; decision days "
        f"{'identical' if same_day else 'DIFFER'}; decided variants CTR {decided[0]}, "
        f"conversion {decided[1]}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tests", type=int, default=1000)
    ap.add_argument("--variants", type=int, default=5)
    ap.add_argument("--days", type=int, default=None, help="default 30 (60 with --sequential)")
    ap.add_argument("--sequential", action="store_true", help="bench the always-valid path")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    if args.sequential:
        args.days = args.days or 60
        sequential_main(args)
        return
    args.days = args.days or 30

    daily = make_daily(args.tests, args.variants, args.days)
    print(f"{args.tests} tests x {args.variants} variants x {args.days} days = {len(daily):,} rows")
    engine(daily.head(args.variants * args.days))  # warm-up (imports, first calls)

    # CPU time too: on a shared 2-core machine wall time moves with other load
    t0, c0 = time.perf_counter(), time.process_time()
    batch = engine(daily)
    t_engine, c_engine = time.perf_counter() - t0, time.process_time() - c0

    timers = {"frequentist": 0.0, "quad P(beats)": 0.0, "MC P(best)": 0.0}
    t0, c0 = time.perf_counter(), time.process_time()
    ref = naive(daily, timers)
    t_naive, c_naive = time.perf_counter() - t0, time.process_time() - c0

    # the two sides agree (Monte Carlo within its noise)
    v = batch.variants
    worst = {"p_value_holm": 0.0, "ci_low": 0.0, "prob_beats_control": 0.0, "prob_best": 0.0}
    for test_id, r in ref.items():
        assert batch[test_id].sample_size_per_arm == r["size"]
        rows = v.loc[v["test_id"] == test_id]
        for key in worst:
            got = rows[key].to_numpy(float)
            exp = np.asarray(r["ctr"][key], float)
            got = got[1:] if len(exp) == len(got) - 1 else got
            worst[key] = max(worst[key], float(np.nanmax(np.abs(got - exp))))
    agree = ", ".join(f"{k} {val:.1e}" for k, val in worst.items())

    print(f"{'':22}{'wall':>9}{'cpu':>9}")
    print(f"engine, one call      {t_engine:8.3f}s {c_engine:8.3f}s")
    print(f"naive per-test loop   {t_naive:8.3f}s {c_naive:8.3f}s")
    for name, t in timers.items():
        print(f"  of which {name:<12}{t:8.3f}s")
    print(f"ratio naive / engine  {t_naive / t_engine:8.1f}x {c_naive / c_engine:8.1f}x")
    print(f"max |difference| (CTR): {agree}")


if __name__ == "__main__":
    main()
