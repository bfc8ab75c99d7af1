"""The A/B engine against statsmodels / scipy reference values, edge cases and the example test."""

from __future__ import annotations

import io
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

from shopsight import abtest_stats

# main_image_ab_test.csv from the example exports (拾衣男装旗舰店, November 2026)
EXAMPLE_CSV = """\
Test,Variant,Date,Impressions,Clicks,Orders
hoodie-main-1105,control,2026-11-05,3861,121,4
hoodie-main-1105,v2,2026-11-05,3944,165,4
hoodie-main-1105,v3,2026-11-05,3956,107,5
hoodie-main-1105,control,2026-11-06,3830,127,10
hoodie-main-1105,v2,2026-11-06,3956,123,5
hoodie-main-1105,v3,2026-11-06,3934,95,3
hoodie-main-1105,control,2026-11-07,4377,136,3
hoodie-main-1105,v2,2026-11-07,4440,164,6
hoodie-main-1105,v3,2026-11-07,4403,119,3
hoodie-main-1105,control,2026-11-08,4353,135,9
hoodie-main-1105,v2,2026-11-08,4243,145,10
hoodie-main-1105,v3,2026-11-08,4393,121,8
hoodie-main-1105,control,2026-11-09,3981,110,3
hoodie-main-1105,v2,2026-11-09,3847,153,6
hoodie-main-1105,v3,2026-11-09,3962,129,6
hoodie-main-1105,control,2026-11-10,6724,209,8
hoodie-main-1105,v2,2026-11-10,6682,232,5
hoodie-main-1105,v3,2026-11-10,6514,185,4
hoodie-main-1105,control,2026-11-11,11294,350,20
hoodie-main-1105,v2,2026-11-11,11281,408,23
hoodie-main-1105,v3,2026-11-11,11418,336,15
hoodie-main-1105,control,2026-11-12,5173,166,12
hoodie-main-1105,v2,2026-11-12,5257,182,7
hoodie-main-1105,v3,2026-11-12,5224,145,4
hoodie-main-1105,control,2026-11-13,3281,90,5
hoodie-main-1105,v2,2026-11-13,3243,120,9
hoodie-main-1105,v3,2026-11-13,3187,91,2
"""

JSON_KEYS = ["test", "control", "variants", "srm_p_value", "sample_size_per_arm", "errors"]
JSON_VARIANT_KEYS = [
    "variant",
    "impressions",
    "clicks",
    "ctr",
    "ci_low",
    "ci_high",
    "lift_abs",
    "lift_rel",
    "p_value",
    "p_value_holm",
    "prob_beats_control",
    "prob_best",
]


@pytest.fixture
def example_daily() -> pd.DataFrame:
    df = pd.read_csv(io.StringIO(EXAMPLE_CSV))
    df.columns = ["test_id", "variant", "date", "impressions", "clicks", "orders"]
    df["date"] = pd.to_datetime(df["date"])
    return df


def totals(rows, test_id="t") -> pd.DataFrame:
    """rows: (variant, impressions, clicks[, orders])."""
    recs = []
    for r in rows:
        rec = {"test_id": test_id, "variant": r[0], "impressions": r[1], "clicks": r[2]}
        if len(r) > 3:
            rec["orders"] = r[3]
        recs.append(rec)
    return pd.DataFrame(recs)


def row(result: abtest_stats.ABResult, variant: str) -> pd.Series:
    v = result.variants
    return v.loc[v["variant"] == variant].iloc[0]


# ----------------------------------------------------------------------------- reference values

COUNTS = [
    (0, 10),
    (10, 10),
    (1, 1),
    (7, 250),
    (1444, 46874),
    (1692, 46893),
    (30_000_000, 1_000_000_000),
    (999_999_999, 1_000_000_000),
]
PAIRS = [
    (1692, 46893, 1444, 46874),
    (1328, 46991, 1444, 46874),
    (5, 100, 12, 130),
    (0, 500, 9, 480),
    (40, 40, 38, 40),
    (30_000_123, 1_000_000_000, 30_000_000, 999_000_000),
    (3, 7, 1, 9),
]


@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.01])
def test_wilson_matches_statsmodels(alpha):
    x = np.array([c[0] for c in COUNTS], float)
    n = np.array([c[1] for c in COUNTS], float)
    lo, hi = abtest_stats.wilson_interval(x, n, alpha)
    ref_lo, ref_hi = proportion_confint(x, n, alpha=alpha, method="wilson")
    np.testing.assert_allclose(lo, ref_lo, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(hi, ref_hi, rtol=1e-12, atol=1e-15)
    assert lo[0] == 0.0 and hi[1] == 1.0


def test_wilson_invalid_counts_are_nan():
    lo, hi = abtest_stats.wilson_interval([5, 3, -1, np.nan], [0, 2, 10, 10])
    assert np.isnan(lo).all() and np.isnan(hi).all()


@pytest.mark.parametrize("xv,nv,xc,nc", PAIRS)
def test_ztest_matches_statsmodels_pooled(xv, nv, xc, nc):
    _, ref = proportions_ztest([xv, xc], [nv, nc])
    assert abtest_stats.ztest_pooled(xv, nv, xc, nc) == pytest.approx(ref, rel=1e-10, abs=1e-300)


def test_ztest_degenerate_pooled_rate_is_one():
    # statsmodels divides 0 by 0 here; identical all-or-nothing arms show no difference
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(proportions_ztest([0, 0], [100, 50])[1])
    np.testing.assert_array_equal(
        abtest_stats.ztest_pooled([0, 80], [100, 80], [0, 50], [50, 50]), 1.0
    )


@pytest.mark.parametrize("xv,nv,xc,nc", PAIRS)
def test_absolute_lift_ci_is_newcombe(xv, nv, xc, nc):
    lo, hi = abtest_stats.diff_interval(xv, nv, xc, nc)
    ref = confint_proportions_2indep(xv, nv, xc, nc, compare="diff", method="newcomb")
    assert float(lo) == pytest.approx(ref[0], rel=1e-9, abs=1e-13)
    assert float(hi) == pytest.approx(ref[1], rel=1e-9, abs=1e-13)


@pytest.mark.parametrize("xv,nv,xc,nc", [p for p in PAIRS if p[0] > 0])
def test_relative_lift_ci_is_log_ratio_delta_method(xv, nv, xc, nc):
    lo, hi = abtest_stats.ratio_interval(xv, nv, xc, nc)
    ref = confint_proportions_2indep(xv, nv, xc, nc, compare="ratio", method="log")
    assert float(lo) == pytest.approx(ref[0] - 1, rel=1e-9, abs=1e-13)
    assert float(hi) == pytest.approx(ref[1] - 1, rel=1e-9, abs=1e-13)


def test_relative_lift_ci_undefined_at_zero_clicks():
    lo, hi = abtest_stats.ratio_interval([0, 5], [500, 500], [9, 0], [480, 480])
    assert np.isnan(lo).all() and np.isnan(hi).all()


def test_holm_matches_multipletests_and_skips_nan():
    rng = np.random.default_rng(7)
    p = rng.uniform(0, 0.2, size=(50, 6)) ** 2
    p[::3, 4:] = np.nan  # tests with fewer variants
    p[5] = [0.01, 0.01, 0.04, 0.5, np.nan, 0.03]  # ties
    got = abtest_stats.holm(p)
    for r in range(p.shape[0]):
        ok = ~np.isnan(p[r])
        ref = multipletests(p[r, ok], method="holm")[1]
        np.testing.assert_allclose(got[r, ok], ref, rtol=1e-14)
        assert np.isnan(got[r, ~ok]).all()
    assert np.isnan(abtest_stats.holm([[np.nan, np.nan]])).all()


def test_srm_matches_chisquare():
    imp = np.array([[50_000, 50_600, 49_100], [1000, 1100, np.nan]])
    got = abtest_stats.srm_p_value(imp)
    assert got[0] == pytest.approx(stats.chisquare(imp[0]).pvalue, rel=1e-12)
    assert got[1] == pytest.approx(stats.chisquare([1000, 1100]).pvalue, rel=1e-12)
    w = np.array([2.0, 1.0, 1.0])
    exp = imp[0].sum() * w / w.sum()
    ref = stats.chisquare(imp[0], f_exp=exp).pvalue
    assert abtest_stats.srm_p_value(imp[0], w) == pytest.approx(ref, rel=1e-12)
    assert np.isnan(abtest_stats.srm_p_value([[500.0, np.nan]])).all()
    with pytest.raises(ValueError):
        abtest_stats.srm_p_value([10.0, 10.0], [1.0, 0.0])


@pytest.mark.parametrize("baseline", [0.005, 0.03, 0.030806, 0.2, 0.6])
@pytest.mark.parametrize("mde", [0.05, 0.1, 0.3, -0.2])
@pytest.mark.parametrize("alpha,power", [(0.05, 0.8), (0.01, 0.9), (0.1, 0.5)])
def test_sample_size_matches_normal_ind_power(baseline, mde, alpha, power):
    p2 = baseline * (1 + mde)
    ref = NormalIndPower().solve_power(
        effect_size=proportion_effectsize(p2, baseline), alpha=alpha, power=power, ratio=1
    )
    got = float(abtest_stats.sample_size_per_arm(baseline, mde, alpha, power))
    assert got == pytest.approx(ref, rel=1e-7)
    assert math.ceil(got) == math.ceil(ref)


def test_sample_size_undefined_cases():
    got = abtest_stats.sample_size_per_arm([0.0, 0.95, np.nan, 0.03], [0.1, 0.1, 0.1, 0.0])
    assert np.isnan(got).all()


@pytest.mark.parametrize("baseline", [0.01, 0.03, 0.3])
@pytest.mark.parametrize("n", [2_000, 50_000, 3_000_000])
def test_mde_for_sample_gives_the_target_power(baseline, n):
    rel = float(abtest_stats.mde_for_sample(baseline, n))
    h = proportion_effectsize(baseline * (1 + rel), baseline)
    power = NormalIndPower().power(effect_size=h, nobs1=n, alpha=0.05, ratio=1)
    assert power == pytest.approx(0.8, abs=1e-9)
    assert float(abtest_stats.sample_size_per_arm(baseline, rel)) == pytest.approx(n, rel=1e-9)


def test_mde_unreachable_is_nan():
    assert np.isnan(abtest_stats.mde_for_sample(0.9, 10))
    assert np.isnan(abtest_stats.mde_for_sample(0.0, 10_000))


def test_days_to_sample():
    # 9 days, arms at ~5,200/day; 51,746 needed: the slowest arm needs 1 more day
    got = abtest_stats.days_to_sample(51_746, [46_874, 46_893, 46_991], 9)
    assert got == 1
    assert abtest_stats.days_to_sample(1000, [5000.0, 6000.0], 3) == 0
    assert abtest_stats.days_to_sample(10_000, [1000.0, 2000.0], 2) == 18  # 9,000 more at 500/day
    assert np.isnan(abtest_stats.days_to_sample(np.nan, [1000.0], 2))
    assert np.isnan(abtest_stats.days_to_sample(10_000, [0.0, 2000.0], 2))


# ----------------------------------------------------------------------------- Bayesian


def quad_prob_greater(xv, nv, xc, nc) -> float:
    """P(p_v > p_c) by scipy quad over the narrower posterior's own range."""
    v, c = stats.beta(xv + 1, nv - xv + 1), stats.beta(xc + 1, nc - xc + 1)
    if v.std() <= c.std():  # P(v > c) = int f_v F_c
        narrow, cdf, flip = v, c.cdf, False
    else:  # 1 - int f_c F_v
        narrow, cdf, flip = c, v.cdf, True
    lo, hi = narrow.ppf(1e-14), narrow.isf(1e-14)
    pts = narrow.ppf([1e-6, 1e-3, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999, 1 - 1e-6])
    val = integrate.quad(
        lambda t: narrow.pdf(t) * cdf(t), lo, hi, points=pts, limit=500, epsabs=1e-14
    )[0]
    return 1 - val if flip else val


def miller_prob_greater(xv, nv, xc, nc) -> float:
    """Evan Miller's closed form, P(p_B > p_A) = sum_{i<a_B} B(a_A+i, b_A+b_B) / ..."""
    a_a, b_a, a_b, b_b = xc + 1, nc - xc + 1, xv + 1, nv - xv + 1
    i = np.arange(a_b)
    logs = (
        special.betaln(a_a + i, b_a + b_b)
        - np.log(b_b + i)
        - special.betaln(1 + i, b_b)
        - special.betaln(a_a, b_a)
    )
    return float(np.exp(logs).sum())


BAYES_PAIRS = [
    (1692, 46893, 1444, 46874),
    (1328, 46991, 1444, 46874),
    (0, 10, 0, 10),
    (5, 10, 3, 10),
    (0, 1, 1, 1),
    (12, 1_000_000, 10_000, 1_000_000_000),
    (30, 1000, 3_000_000, 100_000_000),
    (30_001_000, 1_000_000_000, 30_000_000, 1_000_000_000),
]


@pytest.mark.parametrize("xv,nv,xc,nc", BAYES_PAIRS)
def test_prob_greater_matches_quad(xv, nv, xc, nc):
    got = float(abtest_stats.prob_greater(xv, nv, xc, nc))
    assert got == pytest.approx(quad_prob_greater(xv, nv, xc, nc), abs=1e-9)


# the float sum loses ~1e-10 to cancellation at tens of thousands of impressions; quad covers those
@pytest.mark.parametrize(
    "xv,nv,xc,nc", [(150, 4000, 120, 3900), (7, 300, 3, 280), (0, 50, 2, 60), (40, 40, 39, 40)]
)
def test_prob_greater_matches_closed_form(xv, nv, xc, nc):
    got = float(abtest_stats.prob_greater(xv, nv, xc, nc))
    assert got == pytest.approx(miller_prob_greater(xv, nv, xc, nc), abs=1e-11)


def test_prob_greater_at_a_billion_impressions():
    # 0 vs 1 click in 1e9 impressions: Exp vs Gamma(2) posteriors, exactly 1/4 - 1.25e-10 (mpmath)
    got = float(abtest_stats.prob_greater(0, 1e9, 1, 1e9))
    assert got == pytest.approx(0.24999999987500000006, abs=1e-8)
    # symmetric arms are a coin flip, however lopsided their sizes
    assert float(abtest_stats.prob_greater(50, 100, 5e8, 1e9)) == pytest.approx(0.5, abs=1e-12)


def quad_best(x, n):
    d = [stats.beta(xi + 1, ni - xi + 1) for xi, ni in zip(x, n, strict=True)]
    probs = []
    for j, dj in enumerate(d):
        others = [e for i, e in enumerate(d) if i != j]
        lo, hi = dj.ppf(1e-13), dj.isf(1e-13)
        pts = list(dj.ppf([1e-3, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999]))
        pts += [p for e in others for p in e.ppf([1e-3, 0.5, 0.999]) if lo < p < hi]
        probs.append(
            integrate.quad(
                lambda t, dj=dj, others=others: dj.pdf(t) * np.prod([e.cdf(t) for e in others]),
                lo,
                hi,
                points=sorted(pts),
                limit=1000,
                epsabs=1e-13,
            )[0]
        )
    return np.array(probs)


BEST_CASES = [
    ([1444, 1692, 1328], [46874, 46893, 46991]),
    ([0, 0, 0], [10, 10, 10]),
    ([3, 5, 4, 6], [100, 120, 90, 110]),
    ([30, 3e6, 29], [1000, 1e8, 1000]),
    ([5, 50, 500, 5000, 50000], [100, 1000, 10000, 100000, 1000000]),
]


@pytest.mark.parametrize("x,n", BEST_CASES)
def test_prob_best_matches_quad(x, n):
    got, _ = abtest_stats.prob_best(np.array(x, float), np.array(n, float))
    np.testing.assert_allclose(got[0], quad_best(x, n), atol=1e-9)
    assert got.sum() == pytest.approx(1, abs=1e-9)


def test_prob_best_and_loss_match_large_monte_carlo():
    x = np.array([310, 335, 298, 322, 301], float)
    n = np.array([10_000, 10_050, 9_980, 10_020, 9_990], float)
    prob, loss = abtest_stats.prob_best(x, n)
    rng = np.random.default_rng(11)
    draws = rng.beta(x[:, None] + 1, (n - x)[:, None] + 1, size=(5, 2_000_000))
    mc_prob = np.bincount(draws.argmax(0), minlength=5) / draws.shape[1]
    mc_loss = (draws.max(0) - draws).mean(1)
    se = np.sqrt(mc_prob * (1 - mc_prob) / draws.shape[1])
    assert np.all(np.abs(prob[0] - mc_prob) < 5 * se + 1e-6)
    np.testing.assert_allclose(loss[0], mc_loss, rtol=5e-3, atol=2e-7)


def test_two_arm_expected_loss_matches_quad():
    xc, nc, xv, nv = 1444, 46874, 1692, 46893
    c, v = stats.beta(xc + 1, nc - xc + 1), stats.beta(xv + 1, nv - xv + 1)
    lo, hi = min(c.ppf(1e-14), v.ppf(1e-14)), max(c.isf(1e-14), v.isf(1e-14))
    # E[max] = lo + int_lo^hi (1 - F_c F_v)
    e_max = lo + integrate.quad(lambda t: 1 - c.cdf(t) * v.cdf(t), lo, hi, limit=500)[0]
    _, loss = abtest_stats.prob_best(np.array([xc, xv], float), np.array([nc, nv], float))
    np.testing.assert_allclose(loss[0], [e_max - c.mean(), e_max - v.mean()], atol=1e-12)


def test_monte_carlo_option_is_seeded_and_close():
    x = np.array([[31, 35, 29], [300, 280, 310]], float)
    n = np.array([[1000, 1010, 990], [9000, 9100, 8900]], float)
    p1, l1 = abtest_stats.prob_best(x, n, method="mc")
    p2, _ = abtest_stats.prob_best(x[1:], n[1:], method="mc")
    exact, _ = abtest_stats.prob_best(x, n)
    np.testing.assert_array_equal(p1[1], p2[0])  # a test's draws do not depend on its batch
    np.testing.assert_allclose(p1, exact, atol=6e-3)
    assert np.all(l1 >= 0)
    with pytest.raises(ValueError):
        abtest_stats.prob_best(x, n, method="nope")


# ----------------------------------------------------------------------------- the example test


def test_example_test_v2_wins(example_daily):
    tot = abtest_stats.totals_from_daily(example_daily)
    res = abtest_stats.analyze(tot)
    assert res.test == "hoodie-main-1105"
    assert res.control == "control"  # oldest first date ties; first by name
    assert list(res.variants["variant"]) == ["control", "v2", "v3"]
    v = res.variants.set_index("variant")
    assert v["impressions"].tolist() == [46874, 46893, 46991]
    assert v["clicks"].tolist() == [1444, 1692, 1328]
    assert v["orders"].tolist() == [74, 75, 50]
    np.testing.assert_allclose(v["ctr"].round(6), [0.030806, 0.036082, 0.028261])
    assert res.days == 9 and (v["days"] == 9).all()

    _, p_v2 = proportions_ztest([1692, 1444], [46893, 46874])
    _, p_v3 = proportions_ztest([1328, 1444], [46991, 46874])
    assert v.loc["v2", "p_value"] == pytest.approx(p_v2, rel=1e-10)
    holm = multipletests([p_v2, p_v3], method="holm")[1]
    np.testing.assert_allclose(v.loc[["v2", "v3"], "p_value_holm"], holm, rtol=1e-12)
    assert v.loc["v2", "p_value_holm"] < 0.001
    assert v.loc["v2", "lift_rel"] == pytest.approx(0.036082 / 0.030806 - 1, abs=1e-4)
    assert v.loc["v2", "lift_rel_ci_low"] > 0
    assert v.loc["v2", "prob_beats_control"] > 0.9999
    assert v.loc["v2", "prob_best"] > 0.9999
    assert v.loc["v3", "lift_rel_ci_high"] < 0
    assert res.srm_p_value == pytest.approx(stats.chisquare([46874, 46893, 46991]).pvalue)
    ref_n = NormalIndPower().solve_power(
        effect_size=proportion_effectsize(1444 / 46874 * 1.1, 1444 / 46874),
        alpha=0.05,
        power=0.8,
        ratio=1,
    )
    assert res.sample_size_per_arm == math.ceil(ref_n) == 51746
    assert res.days_to_sample == 1
    # smallest arm 46,874 impressions: about +10.5% is detectable so far
    assert res.mde_rel == pytest.approx(float(abtest_stats.mde_for_sample(1444 / 46874, 46874)))
    assert 0.104 < res.mde_rel < 0.106
    assert res.errors == ()

    # conversion after the click
    _, p_cvr = proportions_ztest([75, 74], [1692, 1444])
    assert v.loc["v2", "cvr"] == pytest.approx(75 / 1692)
    assert v.loc["v2", "cvr_p_value"] == pytest.approx(p_cvr, rel=1e-10)
    ref_ci = proportion_confint(50, 1328, method="wilson")
    assert (v.loc["v3", "cvr_ci_low"], v.loc["v3", "cvr_ci_high"]) == pytest.approx(ref_ci)

    verdict = abtest_stats.verdict(res, example_daily)
    assert verdict["status"] == "winner"
    assert verdict["variant"] == "v2"
    assert verdict["ci"][0] > 0
    assert verdict["guardrails"] == []
    assert verdict["more_impressions_needed"] == 0
    assert {d["variant"]: d["status"] for d in verdict["variants"]} == {
        "v2": "winner",
        "v3": "loser",
    }


def test_example_json(example_daily):
    res = abtest_stats.analyze(abtest_stats.totals_from_daily(example_daily))
    out = abtest_stats.to_json(res)
    assert list(out) == JSON_KEYS
    assert [list(v) for v in out["variants"]] == [JSON_VARIANT_KEYS] * 3
    ctl, v2, _ = out["variants"]
    assert ctl["variant"] == "control" and out["control"] == "control"
    for key in ("lift_abs", "lift_rel", "p_value", "p_value_holm", "prob_beats_control"):
        assert ctl[key] is None
    assert isinstance(ctl["prob_best"], float)
    assert v2["impressions"] == 46893 and type(v2["impressions"]) is int
    assert round(v2["ctr"], 6) == 0.036082
    assert out["sample_size_per_arm"] == 51746 and type(out["sample_size_per_arm"]) is int
    assert json.loads(json.dumps(out, allow_nan=False)) == out


# ----------------------------------------------------------------------------- edge cases


def test_zero_clicks_and_all_clicks():
    res = abtest_stats.analyze(totals([("a", 500, 0), ("b", 480, 0), ("c", 40, 40)]))
    b, c = row(res, "b"), row(res, "c")
    assert b["ctr"] == 0 and b["ci_low"] == 0 and b["ci_high"] > 0
    assert b["p_value"] == 1.0  # identical zero rates
    assert b["lift_abs"] == 0 and np.isnan(b["lift_rel"])  # no relative lift over 0%
    lo, hi = confint_proportions_2indep(0, 480, 0, 500, compare="diff", method="newcomb")
    assert (b["lift_abs_ci_low"], b["lift_abs_ci_high"]) == pytest.approx((lo, hi))
    assert b["prob_beats_control"] == pytest.approx(quad_prob_greater(0, 480, 0, 500), abs=1e-9)
    assert c["ctr"] == 1 and c["ci_high"] == 1
    assert c["p_value"] == pytest.approx(proportions_ztest([40, 0], [40, 500])[1])
    assert res.sample_size_per_arm is None  # no baseline CTR to plan from
    out = abtest_stats.to_json(res)
    assert json.dumps(out, allow_nan=False)
    assert out["sample_size_per_arm"] is None


def test_single_variant_has_no_comparison():
    res = abtest_stats.analyze(totals([("only", 10_000, 300)]))
    r = row(res, "only")
    assert r["ctr"] == 0.03 and r["is_control"]
    for key in ("lift_abs", "lift_rel", "p_value", "p_value_holm", "prob_best", "expected_loss"):
        assert np.isnan(r[key]), key
    assert np.isnan(res.srm_p_value) and np.isnan(res.mde_rel)
    out = abtest_stats.to_json(res)
    assert out["srm_p_value"] is None and out["variants"][0]["prob_best"] is None
    assert out["sample_size_per_arm"] == math.ceil(abtest_stats.sample_size_per_arm(0.03))
    v = abtest_stats.verdict(res)
    assert v["status"] == "not_enough_data" and v["variant"] is None and v["variants"] == []


def test_ten_variants():
    rng = np.random.default_rng(3)
    n = rng.integers(9_000, 11_000, 10)
    x = rng.binomial(n, 0.03 + 0.001 * np.arange(10))
    names = [f"v{i:02d}" for i in range(10)]
    res = abtest_stats.analyze(totals(list(zip(names, n, x, strict=True))), control="v00")
    v = res.variants.set_index("variant")
    p = [proportions_ztest([x[i], x[0]], [n[i], n[0]])[1] for i in range(1, 10)]
    np.testing.assert_allclose(v["p_value"].iloc[1:], p, rtol=1e-10)
    np.testing.assert_allclose(
        v["p_value_holm"].iloc[1:], multipletests(p, method="holm")[1], rtol=1e-12
    )
    np.testing.assert_allclose(v["prob_best"], quad_best(x, n), atol=1e-9)
    assert res.srm_p_value == pytest.approx(stats.chisquare(n).pvalue)


def test_billion_impressions():
    rows = [("a", 1_000_000_000, 30_000_000), ("b", 999_000_000, 30_010_000)]
    res = abtest_stats.analyze(totals(rows))
    b = row(res, "b")
    ref_lo, ref_hi = proportion_confint(30_010_000, 999_000_000, method="wilson")
    assert (b["ci_low"], b["ci_high"]) == pytest.approx((ref_lo, ref_hi), rel=1e-10)
    ref_p = proportions_ztest([30_010_000, 30_000_000], [999_000_000, 1_000_000_000])[1]
    assert b["p_value"] == pytest.approx(ref_p, rel=1e-8)
    ref = quad_prob_greater(30_010_000, 999_000_000, 30_000_000, 1_000_000_000)
    assert b["prob_beats_control"] == pytest.approx(ref, abs=1e-8)
    assert res.srm_p_value == pytest.approx(stats.chisquare([1e9, 9.99e8]).pvalue, rel=1e-9)
    assert json.dumps(abtest_stats.to_json(res), allow_nan=False)


def test_clicks_above_impressions_is_a_reported_error():
    res = abtest_stats.analyze(totals([("a", 5000, 150), ("b", 5000, 180), ("bad", 100, 120)]))
    assert res.errors == (
        {
            "test_id": "t",
            "variant": "bad",
            "code": "clicks_gt_impressions",
            "detail": "clicks exceed impressions",
        },
    )
    bad, b = row(res, "bad"), row(res, "b")
    assert not bad["valid"] and np.isnan(bad["ctr"]) and np.isnan(bad["p_value"])
    # the rest is analysed as a two-arm test
    assert b["p_value_holm"] == pytest.approx(proportions_ztest([180, 150], [5000, 5000])[1])
    assert b["prob_best"] == pytest.approx(b["prob_beats_control"], abs=1e-10)
    assert res.srm_p_value == pytest.approx(stats.chisquare([5000, 5000]).pvalue)
    out = abtest_stats.to_json(res)
    assert out["variants"][2]["ctr"] is None and out["variants"][2]["clicks"] == 120


def test_other_data_errors():
    df = totals(
        [
            ("a", 5000, 150, 10),
            ("b", -5, 1, 0),
            ("c", np.nan, 3, 0),
            ("d", 900, 30, 40),
            ("e", 800, 20, -1),
        ]
    )
    res = abtest_stats.analyze(df, control="a")
    codes = {(e["variant"], e["code"]) for e in res.errors}
    assert codes == {
        ("b", "negative_count"),
        ("c", "missing_count"),
        ("d", "orders_gt_clicks"),
        ("e", "negative_count"),
    }
    for name in ("d", "e"):  # CTR kept, conversion dropped
        r = row(res, name)
        assert r["valid"] and r["ctr"] == pytest.approx(r["clicks"] / r["impressions"])
        assert np.isnan(r["cvr"]) and np.isnan(r["cvr_p_value"])
    assert np.isnan(row(res, "b")["ctr"]) and np.isnan(row(res, "c")["ctr"])
    assert res.srm_p_value == pytest.approx(stats.chisquare([5000, 900, 800]).pvalue)


def test_zero_impressions():
    res = abtest_stats.analyze(totals([("a", 5000, 150), ("b", 0, 0)]))
    b = row(res, "b")
    assert np.isnan(b["ctr"]) and np.isnan(b["ci_low"]) and np.isnan(b["p_value"])
    assert np.isnan(b["prob_best"]) and np.isnan(b["prob_beats_control"])
    assert res.errors == ()
    # an arm that got no traffic is a broken split
    assert res.srm_p_value == pytest.approx(stats.chisquare([5000, 0]).pvalue)
    v = abtest_stats.verdict(res)
    assert v["status"] == "not_enough_data" and "low_data" in v["guardrails"]


def test_control_with_zero_impressions():
    res = abtest_stats.analyze(totals([("a", 0, 0), ("b", 5000, 180)]), control="a")
    assert np.isnan(row(res, "b")["lift_abs"]) and np.isnan(row(res, "b")["p_value"])
    assert abtest_stats.verdict(res)["status"] == "not_enough_data"


# ----------------------------------------------------------------------------- control choice


def test_control_choice_rules():
    base = pd.DataFrame(
        {
            "test_id": ["t"] * 3,
            "variant": ["b", "a", "c"],
            "impressions": [1000, 1000, 1000],
            "clicks": [30, 31, 32],
            "first_date": pd.to_datetime(["2026-11-02", "2026-11-03", "2026-11-02"]),
            "is_control": [False, False, False],
        }
    )
    assert abtest_stats.analyze(base).control == "b"  # oldest first date, ties by name
    flagged = base.assign(is_control=[False, False, True])
    assert abtest_stats.analyze(flagged).control == "c"
    assert abtest_stats.analyze(flagged, control="a").control == "a"
    res = abtest_stats.analyze(flagged, control="zz")
    assert res.control == "c"
    assert [e["code"] for e in res.errors] == ["control_not_found"]
    assert list(res.variants["variant"]) == ["c", "a", "b"]  # control first, then by name


def test_srm_weights():
    rows = [("a", 20_000, 600), ("b", 10_000, 310)]
    res = abtest_stats.analyze(totals(rows))
    assert res.srm_p_value < 1e-100
    weighted = abtest_stats.analyze(totals(rows), weights={"a": 2, "b": 1})
    assert weighted.srm_p_value == pytest.approx(1.0)
    with pytest.raises(ValueError):
        abtest_stats.analyze(totals(rows), weights={"a": 2})


# ----------------------------------------------------------------------------- vectorised


def test_many_tests_at_once_equal_single_calls():
    rng = np.random.default_rng(5)
    frames = []
    for t in range(12):
        k = int(rng.integers(1, 6))
        n = rng.integers(0, 20_000, k)
        x = rng.binomial(n, 0.03)
        o = rng.binomial(x, 0.05)
        rows = [(f"v{i}", n[i], x[i], o[i]) for i in range(k)]
        frames.append(totals(rows, test_id=f"test-{t:02d}"))
    frames[3].loc[1 % len(frames[3]), "clicks"] = 10**6  # a data error in one test
    allt = pd.concat(frames, ignore_index=True)
    batch = abtest_stats.analyze_tests(allt)
    assert len(batch) == 12
    for f in frames:
        tid = f["test_id"].iloc[0]
        single = abtest_stats.analyze(f)
        pd.testing.assert_frame_equal(batch[tid].variants, single.variants)
        assert abtest_stats.to_json(batch[tid]) == abtest_stats.to_json(single)
        assert batch[tid].errors == single.errors
    with pytest.raises(ValueError):
        abtest_stats.analyze(allt)

    chosen = abtest_stats.analyze_tests(allt, control={"test-00": "v1", "test-01": "v0"})
    assert chosen["test-00"].control == "v1"
    assert chosen["test-01"].control == "v0"
    assert chosen.tests["control"].tolist()[2:] == batch.tests["control"].tolist()[2:]


# ----------------------------------------------------------------------------- daily series


def test_cumulative_daily(example_daily):
    daily = example_daily.drop(index=[1])  # v2 has no row on 11-05: counts as 0 that day
    cum = abtest_stats.cumulative_daily(daily)
    assert len(cum) == 27
    v2 = cum.loc[cum["variant"] == "v2"].reset_index(drop=True)
    assert v2.loc[0, "cum_impressions"] == 0 and np.isnan(v2.loc[0, "ctr"])
    assert v2.loc[1, "cum_impressions"] == 3956 and v2.loc[1, "cum_clicks"] == 123
    assert v2["cum_clicks"].iloc[-1] == 1692 - 165
    last = cum.loc[cum["date"] == cum["date"].max()].set_index("variant")
    assert last.loc["control", "cum_impressions"] == 46874
    x, n = 1692 - 165, 46893 - 3944
    assert last.loc["v2", "ctr"] == pytest.approx(x / n)
    assert last.loc["v2", "p_value"] == pytest.approx(proportions_ztest([x, 1444], [n, 46874])[1])
    ps = [last.loc["v2", "p_value"], last.loc["v3", "p_value"]]
    np.testing.assert_allclose(
        last.loc[["v2", "v3"], "p_value_holm"], multipletests(ps, method="holm")[1]
    )
    assert np.isnan(last.loc["control", "p_value"])
    lo, hi = proportion_confint(1328, 46991, method="wilson")
    assert (last.loc["v3", "ci_low"], last.loc["v3", "ci_high"]) == pytest.approx((lo, hi))


# ----------------------------------------------------------------------------- verdict


def daily_rows(per_day, start="2026-11-01"):
    """per_day: list of {variant: (impressions, clicks)} per day."""
    recs = []
    for i, day in enumerate(per_day):
        for variant, (n, x) in day.items():
            recs.append(
                {
                    "test_id": "t",
                    "variant": variant,
                    "date": pd.Timestamp(start) + pd.Timedelta(days=i),
                    "impressions": n,
                    "clicks": x,
                }
            )
    return pd.DataFrame(recs)


def test_verdict_loser():
    daily = daily_rows([{"a": (10_000, 400), "b": (10_000, 300)}] * 8)
    v = abtest_stats.verdict(abtest_stats.analyze(abtest_stats.totals_from_daily(daily)), daily)
    assert v["status"] == "loser" and v["variant"] == "b"
    assert v["lift_rel"] == pytest.approx(-0.25)
    assert v["ci"][1] < 0 and v["guardrails"] == []


def test_verdict_inconclusive_says_how_much_more():
    daily = daily_rows([{"a": (2_000, 60), "b": (2_000, 62)}] * 7)
    res = abtest_stats.analyze(abtest_stats.totals_from_daily(daily))
    v = abtest_stats.verdict(res, daily)
    assert v["status"] == "inconclusive" and v["variant"] == "b"
    need = math.ceil(float(abtest_stats.sample_size_per_arm(0.03)))
    assert res.sample_size_per_arm == need
    assert v["more_impressions_per_arm"] == need - 14_000
    assert v["more_impressions_needed"] == 2 * (need - 14_000)
    assert v["days_needed"] == math.ceil((need - 14_000) / 2_000)
    assert v["guardrails"] == []


def test_verdict_low_data_too_short_and_srm():
    daily = daily_rows([{"a": (300, 10), "b": (150, 15)}] * 3)  # 900 / 30 vs 450 / 45
    v = abtest_stats.verdict(abtest_stats.analyze(abtest_stats.totals_from_daily(daily)), daily)
    assert v["status"] == "not_enough_data"
    assert v["guardrails"] == ["low_data", "srm", "too_short"]
    assert v["more_impressions_per_arm"] > 0


def test_verdict_flags_peeking():
    # equal for six days, then a burst on the last day makes b significant
    days = [{"a": (5_000, 150), "b": (5_000, 150)}] * 6 + [{"a": (5_000, 150), "b": (5_000, 330)}]
    daily = daily_rows(days)
    res = abtest_stats.analyze(abtest_stats.totals_from_daily(daily))
    v = abtest_stats.verdict(res, daily)
    assert v["status"] == "winner" and v["variant"] == "b"
    assert v["guardrails"] == ["peeking"]
    assert "peeking" not in abtest_stats.verdict(res)["guardrails"]  # needs the daily series
