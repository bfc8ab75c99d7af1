"""Sequential (always-valid) A/B inference: formulas against a plain reference written here,
error rates under daily looks by simulation, decision days, and the verdict."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, stats
from statsmodels.stats.multitest import multipletests

from shopsight import abtest_stats

EXAMPLE = Path(__file__).resolve().parent / "fixtures" / "examples" / "main_image_ab_test.csv"
TAU = abtest_stats.SEQ_TAU


def example_daily() -> pd.DataFrame:
    rows = pd.read_csv(EXAMPLE).rename(columns=str.lower)
    return rows.rename(columns={"test": "test_id"})


# ---------------------------------------------------------------- formulas


@pytest.mark.parametrize("theta, var", [(0.0, 0.01), (0.12, 0.003), (-0.3, 0.02), (0.05, 1e-4)])
def test_mixture_likelihood_ratio_is_the_integral(theta, var):
    """LR = int N(theta_hat; t, V) N(t; 0, tau^2) dt / N(theta_hat; 0, V), by quadrature."""
    sd = math.sqrt(var)
    num, _ = integrate.quad(
        lambda t: stats.norm.pdf(theta, t, sd) * stats.norm.pdf(t, 0, TAU),
        -2,
        2,
        points=[theta, 0],
        limit=200,
        epsabs=0,
        epsrel=1e-12,
    )
    want = math.log(num / stats.norm.pdf(theta, 0, sd))
    assert abtest_stats.msprt_log_lr(theta, var) == pytest.approx(want, rel=1e-8, abs=1e-10)


@pytest.mark.parametrize("var", [1e-4, 3e-3, 0.02])
@pytest.mark.parametrize("alpha", [0.05, 0.0125])
def test_confidence_sequence_is_howards_boundary_and_the_inverted_test(var, alpha):
    half = float(abtest_stats.cs_half_width(var, alpha))
    # Howard et al. eq. 14 in sum units: |S_t| <= sqrt((V_t + rho) log((V_t + rho) / (rho a^2)))
    v_t, rho = 1 / var, 1 / TAU**2
    assert half == pytest.approx(
        math.sqrt((v_t + rho) * math.log((v_t + rho) / (rho * alpha**2))) / v_t, rel=1e-12
    )
    # and the edge is where the mixture LR of (theta_hat - theta_0) reaches 1 / alpha
    edge = optimize.brentq(
        lambda d: abtest_stats.msprt_log_lr(d, var) - math.log(1 / alpha), 0, 5, xtol=1e-14
    )
    assert half == pytest.approx(edge, rel=1e-9)


def test_mixing_parameter_is_tuned_for_5_to_20_percent_lifts():
    """tau = 0.10 is within 0.3% of the tau that minimises the mean log information needed to
    cross the boundary (estimate at the effect) over lifts of 5-20%, log-uniform."""
    thetas = np.log(np.geomspace(1.05, 1.20, 31))

    def cost(tau: float) -> float:
        rho = 1 / tau**2

        def gap(log_info, th):
            i = math.exp(log_info)
            return th * i - math.sqrt((i + rho) * math.log((i + rho) / (rho * 0.05**2)))

        return float(np.mean([optimize.brentq(gap, -5, 40, args=(th,)) for th in thetas]))

    best = optimize.minimize_scalar(
        cost, bounds=(0.02, 0.5), method="bounded", options={"xatol": 1e-4}
    )
    assert 0.08 < best.x < 0.15
    assert math.exp(cost(TAU) - best.fun) < 1.003
    assert math.exp(cost(0.05) - best.fun) > 1.08 and math.exp(cost(0.3) - best.fun) > 1.08


# ---------------------------------------------------------------- a plain reference


def holm_by_hand(p: list[float]) -> list[float]:
    """Holm step-down: sort, scale the i-th smallest by (m - i), keep it non-decreasing."""
    order = sorted(range(len(p)), key=lambda i: p[i])
    out, running = [0.0] * len(p), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        out[i] = running
    return out


def reference(daily: pd.DataFrame, control: str, alpha: float = 0.05) -> dict:
    """One test, day by day, the obvious way: loops, math, Holm by hand, brentq edges."""
    d = daily.assign(date=pd.to_datetime(daily["date"]))
    days = pd.date_range(d["date"].min(), d["date"].max(), freq="D")
    variants = sorted(v for v in d["variant"].unique() if v != control)
    cum = {v: [0.0, 0.0] for v in [control, *variants]}
    best_p = dict.fromkeys(variants, 1.0)
    lows = dict.fromkeys(variants, -math.inf)
    highs = dict.fromkeys(variants, math.inf)
    out = {v: [] for v in variants}
    decided_on: dict[str, tuple] = {}
    for day in days:
        today = d.loc[d["date"] == day]
        for v in cum:
            rows = today.loc[today["variant"] == v]
            cum[v][0] += float(rows["clicks"].sum())
            cum[v][1] += float(rows["impressions"].sum())
        xc, nc = cum[control]
        thetas = {}
        for v in variants:
            x, n = cum[v]
            if min(n, nc) >= abtest_stats.MIN_IMPRESSIONS and min(x, xc) >= abtest_stats.MIN_CLICKS:
                theta = math.log(x / n) - math.log(xc / nc)
                var = 1 / x - 1 / n + 1 / xc - 1 / nc
                lr = math.sqrt(var / (var + TAU**2)) * math.exp(
                    TAU**2 * theta**2 / (2 * var * (var + TAU**2))
                )
                best_p[v] = min(best_p[v], 1 / lr)
                level = math.log(1 / alpha)

                def excess(t0, theta=theta, var=var, level=level):
                    return abtest_stats.msprt_log_lr(theta - t0, var) - level

                lows[v] = max(lows[v], optimize.brentq(excess, theta - 5, theta, xtol=1e-13))
                highs[v] = min(highs[v], optimize.brentq(excess, theta, theta + 5, xtol=1e-13))
                thetas[v] = theta
        adj = holm_by_hand([best_p[v] for v in variants])
        for v, p_adj in zip(variants, adj, strict=True):
            if v not in decided_on and p_adj <= alpha:
                decided_on[v] = (day, "winner" if thetas[v] > 0 else "loser")
            out[v].append(
                {
                    "date": day,
                    "p_value": best_p[v],
                    "p_value_holm": p_adj,
                    "cs_low": math.expm1(lows[v]),
                    "cs_high": math.expm1(highs[v]),
                    "decision": decided_on.get(v, (None, None))[1],
                }
            )
    return {"days": out, "decided_on": decided_on}


def random_daily(seed: int, days: int = 20, lifts=(0.0, 0.12, -0.1)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i, lift in enumerate(lifts):
        for k in range(days):
            if i == 2 and k in (3, 4):  # a variant with no rows on some days
                continue
            n = int(rng.integers(500, 4000))
            rows.append(
                {
                    "test_id": "t",
                    "variant": f"v{i}",
                    "date": pd.Timestamp("2026-11-01") + pd.Timedelta(days=k),
                    "impressions": n,
                    "clicks": int(rng.binomial(n, 0.03 * (1 + lift))),
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_against_the_reference(seed):
    daily = random_daily(seed)
    seq = abtest_stats.sequential(daily, control="v0")
    ref = reference(daily, "v0")
    for v, want in ref["days"].items():
        got = seq.daily.loc[seq.daily["variant"] == v].reset_index(drop=True)
        want = pd.DataFrame(want)
        assert got["date"].tolist() == want["date"].tolist()
        for col in ("p_value", "p_value_holm"):
            assert got[col].tolist() == pytest.approx(want[col].tolist(), rel=1e-10)
        unbounded = want["cs_high"] == math.inf
        assert got.loc[unbounded, ["cs_low", "cs_high"]].isna().all().all()
        for col in ("cs_low", "cs_high"):
            assert got.loc[~unbounded, col].tolist() == pytest.approx(
                want.loc[~unbounded, col].tolist(), rel=1e-8, abs=1e-10
            )
        assert [None if pd.isna(x) else x for x in got["decision"]] == [
            None if pd.isna(x) else x for x in want["decision"]
        ]
    summary = seq.variants.set_index("variant")
    for v in ("v1", "v2"):
        if v in ref["decided_on"]:
            day, decision = ref["decided_on"][v]
            assert summary.loc[v, "decided_on"] == day and summary.loc[v, "decision"] == decision
        else:
            assert pd.isna(summary.loc[v, "decided_on"]) and pd.isna(summary.loc[v, "decision"])


def test_many_tests_at_once_equal_one_at_a_time():
    parts = []
    for seed in range(4):
        d = random_daily(seed, days=10 + 3 * seed)
        parts.append(d.assign(test_id=f"t{seed}", date=d["date"] + pd.Timedelta(days=5 * seed)))
    both = abtest_stats.sequential(pd.concat(parts), control="v0")
    assert len(both) == 4
    for part in parts:
        alone = abtest_stats.sequential(part, control="v0")
        got = both[part["test_id"].iloc[0]]
        pd.testing.assert_frame_equal(got.daily, alone.daily)
        pd.testing.assert_frame_equal(got.variants, alone.variants)


# ---------------------------------------------------------------- error rates by simulation


def simulate(
    rng, tests: int, arms: int, days: int, lift: float, imp: int = 3000, ctr: float = 0.03
) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative (tests, arms, days) counts; every variant has the same relative lift."""
    rates = np.full(arms, ctr)
    rates[1:] *= 1 + lift
    x = rng.binomial(imp, np.broadcast_to(rates[None, :, None], (tests, arms, days)))
    return x.cumsum(-1).astype(float), np.full((tests, arms, days), float(imp)).cumsum(-1)


@pytest.mark.parametrize("arms", [2, 4])
def test_aa_tests_looked_at_daily_are_rarely_ever_declared(arms):
    """No real difference, a look every day for 28 days: the share of tests ever declared
    (any variant, Holm) stays at most alpha within Monte-Carlo error, while the fixed-horizon
    z-test read the same way declares far more (the trap the page used to warn about)."""
    rng = np.random.default_rng(20261203 + arms)
    tests = 3000
    x, n = simulate(rng, tests, arms, 28, 0.0)
    res = abtest_stats.sequential_cube(x, n)
    ever = (res["decision_day"][:, 1:] >= 0).any(axis=1).mean()
    assert ever <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / tests)
    z_p = abtest_stats.holm(
        abtest_stats.ztest_pooled(x, n, x[:, :1], n[:, :1])
        * np.where(np.arange(arms) == 0, np.nan, 1)[None, :, None],
        axis=1,
    )
    assert (z_p <= 0.05).any(axis=(1, 2)).mean() > 0.15


@pytest.mark.parametrize(
    "lift, found, median_day",
    [(0.20, 0.99, (4, 8)), (0.10, 0.95, (14, 22)), (-0.10, 0.95, (13, 21))],
)
def test_real_lifts_are_found_with_the_right_sign(lift, found, median_day):
    """3,000 impressions per arm a day at 3% CTR, 60 days: share found, never the wrong sign,
    and the median decision day (1-based; today at these numbers: +20% day 6, +10% day 19,
    -10% day 16)."""
    rng = np.random.default_rng(7)
    x, n = simulate(rng, 1000, 2, 60, lift)
    res = abtest_stats.sequential_cube(x, n)
    day = res["decision_day"][:, 1]
    sign = res["decision"][:, 1, -1]
    assert (day >= 0).mean() >= found
    assert (sign == -np.sign(lift)).sum() == 0
    assert np.all(sign[day >= 0] == np.sign(lift))
    med = np.median(np.where(day >= 0, day + 1, np.inf))
    assert median_day[0] <= med <= median_day[1]


def test_decisions_stay_and_sequences_only_narrow():
    rng = np.random.default_rng(3)
    x, n = simulate(rng, 300, 3, 40, 0.08)
    res = abtest_stats.sequential_cube(x, n)
    p = res["p_value"][:, 1:]
    assert np.all(np.diff(p, axis=-1) <= 0)
    assert np.all(np.diff(res["p_value_holm"][:, 1:], axis=-1) <= 1e-15)
    dec = res["decision"][:, 1:]
    started = dec != 0
    assert np.all(~started[..., :-1] | started[..., 1:])  # once decided, decided
    assert np.all((dec[..., 1:] == dec[..., :-1]) | ~started[..., :-1])  # and the same way
    lo, hi = res["cs_low"][:, 1:], res["cs_high"][:, 1:]
    both = ~np.isnan(lo[..., 1:]) & ~np.isnan(lo[..., :-1])
    assert np.all((lo[..., 1:] >= lo[..., :-1]) | ~both)
    assert np.all((hi[..., 1:] <= hi[..., :-1]) | ~both)
    # a decided variant's sequence excludes 0 from its decision day on, on its side
    d = res["decided"][:, 1:]
    assert d.sum() > 100
    assert np.all((lo[d] > 0) & (dec[d] == 1) | (hi[d] < 0) & (dec[d] == -1))


# ---------------------------------------------------------------- frames and verdict


def test_example_v2_wins_on_its_sixth_day():
    seq = abtest_stats.sequential(example_daily())
    ref = reference(example_daily(), "control")
    assert ref["decided_on"] == {"v2": (pd.Timestamp("2026-11-10"), "winner")}
    v = abtest_stats.sequential_verdict(seq)
    assert abtest_stats.sequential_json(v) == {
        "decision": "winner",
        "variant": "v2",
        "decided_on": "2026-11-10",
        "p_value": pytest.approx(ref["days"]["v2"][-1]["p_value_holm"], rel=1e-10),
        "lift_cs": [
            pytest.approx(ref["days"]["v2"][-1]["cs_low"], rel=1e-8),
            pytest.approx(ref["days"]["v2"][-1]["cs_high"], rel=1e-8),
        ],
    }
    assert v["status"] == "winner" and v["safe_to_stop"] and v["decided_day"] == 6
    assert v["control"] == "control" and v["days"] == 9
    assert v["lift_rel"] == pytest.approx(1692 / 46893 / (1444 / 46874) - 1, rel=1e-12)
    assert [r["decision"] for r in v["variants"]] == ["winner", None]
    # the fixed-horizon figures of the same test are untouched by the sequential path
    fixed = abtest_stats.analyze(abtest_stats.totals_from_daily(example_daily()))
    assert fixed.variants.loc[1, "p_value_holm"] == pytest.approx(
        multipletests([v_p for v_p in fixed.variants["p_value"][1:]], method="holm")[1][0]
    )


def daily_frame(counts: dict[str, list[tuple[int, int]]], test: str = "t") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "test_id": test,
                "variant": v,
                "date": pd.Timestamp("2026-11-01") + pd.Timedelta(days=k),
                "impressions": n,
                "clicks": x,
            }
            for v, days in counts.items()
            for k, (n, x) in enumerate(days)
        ]
    )


def test_verdict_statuses():
    early = daily_frame({"a": [(800, 20)] * 2, "b": [(800, 30)] * 2})
    v = abtest_stats.sequential_verdict(abtest_stats.sequential(early, control="a"))
    assert v["status"] == "not_enough_data" and not v["safe_to_stop"]
    assert abtest_stats.sequential_json(v) == {
        "decision": None,
        "variant": None,
        "decided_on": None,
        "p_value": None,
        "lift_cs": [None, None],
    }

    going = daily_frame({"a": [(3000, 90)] * 5, "b": [(3000, 95)] * 5})
    v = abtest_stats.sequential_verdict(abtest_stats.sequential(going, control="a"))
    assert v["status"] == "continue" and not v["safe_to_stop"] and v["variant"] == "b"
    assert v["decision"] is None and v["decided_on"] is None and 0.05 < v["p_value"] <= 1

    worse = daily_frame({"a": [(5000, 200)] * 10, "b": [(5000, 140)] * 10, "c": [(5000, 150)] * 10})
    v = abtest_stats.sequential_verdict(abtest_stats.sequential(worse, control="a"))
    assert v["status"] == "loser" and v["safe_to_stop"]
    days = {r["variant"]: r["decided_day"] for r in v["variants"]}
    assert v["variant"] == max(days, key=lambda k: (days[k], k == "c"))
    assert (
        v["decided_on"]
        == (pd.Timestamp("2026-11-01") + pd.Timedelta(days=v["decided_day"] - 1)).date().isoformat()
    )

    same = daily_frame({"a": [(200_000, 6000)] * 30, "b": [(200_000, 6010)] * 30})
    v = abtest_stats.sequential_verdict(abtest_stats.sequential(same, control="a"))
    assert v["status"] == "no_difference" and v["safe_to_stop"] and v["decision"] is None
    assert -0.05 < v["lift_cs"][0] < 0 < v["lift_cs"][1] < 0.05


def test_gaps_bad_rows_and_a_missing_control():
    d = daily_frame({"a": [(3000, 90)] * 6, "b": [(3000, 120)] * 6, "c": [(3000, 100)] * 6})
    d = d.drop(index=d.index[(d["variant"] == "b") & (d["date"] == "2026-11-03")])
    d.loc[(d["variant"] == "c") & (d["date"] == "2026-11-04"), "clicks"] = 4000  # > impressions
    seq = abtest_stats.sequential(d, control="a")
    s = seq.variants.set_index("variant")
    assert not s.loc["c", "valid"] and pd.isna(s.loc["c", "p_value"])
    b = seq.daily.loc[seq.daily["variant"] == "b"]
    assert b["cum_impressions"].tolist() == [3000, 6000, 6000, 9000, 12000, 15000]
    assert b["day"].tolist() == [1, 2, 3, 4, 5, 6]
    # with c left out, b is the only variant: its Holm p is its own p
    assert b["p_value_holm"].tolist() == b["p_value"].tolist()

    # a control with a bad row leaves nothing to compare
    d.loc[(d["variant"] == "a") & (d["date"] == "2026-11-02"), "clicks"] = -1
    seq = abtest_stats.sequential(d, control="a")
    assert seq.variants["p_value"].isna().all()
    assert abtest_stats.sequential_verdict(seq)["status"] == "not_enough_data"
