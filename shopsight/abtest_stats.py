"""Main-image A/B test statistics (主图测试): is 3.1% vs 2.9% real?

Pure numpy/scipy, vectorised over the variants of a test and over many tests at
once (padded ``(tests, arms)`` arrays).  Input is one row per test x variant
with summed counts, as returned by ``queries/abtest_variants.sql``; daily rows
(``queries/abtest_daily.sql``) feed the cumulative chart and the peeking check.

Methods (alpha = 0.05 unless passed; "control" is ``c``, the variant ``v``):

* CTR = clicks / impressions with a Wilson score interval
  (= statsmodels ``proportion_confint(method="wilson")``, clipped to [0, 1]).
* Absolute lift ``p_v - p_c``: Newcombe's hybrid score interval, built from the
  two Wilson intervals (= ``confint_proportions_2indep(compare="diff",
  method="newcomb")``); unlike the plain Wald interval it stays valid at 0 clicks.
* Relative lift ``p_v / p_c - 1``: delta method on the log ratio, CI
  ``exp(log r +- z sqrt(1/x_v - 1/n_v + 1/x_c - 1/n_c)) - 1``
  (= ``compare="ratio", method="log"``); undefined (NaN) when either arm has 0 clicks.
* p-value: two-sided two-proportion z-test with pooled variance
  (= ``proportions_ztest``).  When the pooled rate is 0 or 1 (both arms 0 clicks,
  or both all clicks) the arms are identical and the p-value is 1.0 (statsmodels: NaN).
* A/B/n: Holm step-down adjustment over the variant-vs-control p-values of a test.
* Sample-ratio mismatch: chi-square goodness of fit of impressions against the
  intended split (equal unless weights are given), df = arms - 1.
* Bayesian, Beta(1, 1) priors, posterior Beta(1 + x, 1 + n - x):
  ``prob_beats_control`` = P(p_v > p_c), ``prob_best`` = P(p_v is the largest),
  ``expected_loss`` = E[max_i p_i - p_v] (CTR points given up by choosing v; for two
  arms this is E[(p_c - p_v)+]).  All are one-dimensional integrals
  (P(best_j) = int f_j prod_{i!=j} F_i, E[max] = int (1 - prod F_i)) computed by
  composite Gauss-Legendre quadrature on breakpoints at each posterior's
  mean +- {0, 1.5, 3, 6, 10, 20, 40} sd, so every density and CDF is resolved on its own
  scale: within ~1e-12 of scipy quad at everyday counts and ~1e-8 at counts near 1e9
  (the precision of scipy's incomplete beta there), for any number of arms.  It is the
  default for three or more arms too: deterministic, and faster than Monte Carlo's
  ~1e-3 noise.  ``bayes="mc"`` uses Monte Carlo instead (200,000 draws, fixed seed)
  for prob_best / expected_loss of tests with three or more arms; two-arm figures are
  always the exact integral.
* Planning: ``sample_size_per_arm`` solves statsmodels'
  ``NormalIndPower().solve_power(effect_size=proportion_effectsize(p2, p1), alpha,
  power, ratio=1)`` - the arcsine effect size h = 2 asin sqrt(p2) - 2 asin sqrt(p1),
  two-sided power including the far tail - in closed form n = 2 (u / h)^2 where u
  solves Phi(u - z) + Phi(-u - z) = power.
* Secondary metric: conversion after the click, orders / clicks (``cvr_*``
  columns), with the same comparisons (no SRM: clicks depend on the image).

Sequential (always-valid) inference, for owners who look every day (``sequential``):

* Per variant and day, from the cumulative counts: theta = log(p_v / p_c), the log ratio
  of the rates, with the delta-method variance V = 1/x_v - 1/n_v + 1/x_c - 1/n_c (as the
  relative-lift CI above), treated as a normal estimate.
* Always-valid p-value: the Gaussian-mixture mSPRT of Johari, Koomen, Pekelis and Walsh,
  "Always Valid Inference: Continuous Monitoring of A/B Tests" (Operations Research 2022;
  arXiv 1512.04922), eq. 11 with the normal estimate: mixing theta ~ N(0, tau^2) gives
  LR_t = sqrt(V / (V + tau^2)) exp(tau^2 theta^2 / (2 V (V + tau^2))), and
  p_t = min(1, min_{s <= t} 1 / LR_s).  By Ville's inequality P(ever p_t <= alpha) <= alpha
  under no difference, however often one looks (asymptotically, through the normal
  approximation - hence a look counts only once both arms have MIN_IMPRESSIONS and
  MIN_CLICKS; earlier looks carry no evidence).
* Confidence sequence: the two-sided normal-mixture boundary of Howard, Ramdas, McAuliffe
  and Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence sequences" (Annals of
  Statistics 2021; arXiv 1810.08240), eq. 14, with S_t = theta / V, V_t = 1 / V and
  rho = 1 / tau^2: theta +- sqrt(V (V + tau^2) / tau^2 log((V + tau^2) / (V alpha^2))) -
  exactly the theta_0 whose mixture LR stays below 1 / alpha, so the sequence excludes 0
  on the day p_t <= alpha.  Intersected over the days so far (it only narrows) and shown
  as exp(.) - 1; its level is 1 - alpha for each variant, so a decided variant's
  sequence never contains 0 (with several variants Holm may decide a variant some days
  after its sequence has left 0, never before).
* Mixing parameter tau = SEQ_TAU = 0.10 on the log ratio, chosen for the relative lifts
  owners act on, 5-20%: with the estimate at the true effect theta, it minimises the mean
  of log(information 1/V needed to cross the boundary) over log(1.05)..log(1.2) (log-uniform,
  alpha 0.05): the optimum is near 0.11 and 0.10 is within 0.3% of it; 0.08 or 0.15 need
  1-2% more traffic on average, 0.05 or 0.3 about 12% more.
  Johari et al. (section 4) advise a tau of the order of the effects that matter.
* Several variants: Holm step-down over the always-valid p-values of a test's variants on
  each day (all variants count from day 1, so the family never changes).
* Decision: a variant is decided on the first day its Holm-adjusted p <= alpha, a winner
  when theta > 0 that day, else a loser, and stays decided.  ``sequential_verdict`` adds
  "no_difference" when every undecided variant's sequence lies within +-SEQ_EQUIVALENCE.
* Fixed horizon (everything above this section) stays valid for a test analysed once at
  the sample planned with ``sample_size_per_arm``; the page lets such a test use it.

Edge cases: impressions = 0 gives NaN rates (the arm still counts for SRM, not
for the Bayesian figures); 0 clicks or clicks = impressions are valid; a test with
one variant gets NaN comparisons; negative or missing counts, clicks > impressions
(and orders > clicks for the secondary metric) are data errors: the variant is left
out of that metric and listed in ``errors`` as
``{"test_id", "variant", "code", "detail"}`` - no exception.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import special, stats

ALPHA = 0.05
POWER = 0.8
MDE_REL = 0.10  # relative CTR lift the default sample size is planned for
MC_DRAWS = 200_000
MC_SEED = 20261105

# Verdict guardrails (documented in verdict()).
MIN_IMPRESSIONS = 1000
MIN_CLICKS = 50
SRM_ALPHA = 0.001
MIN_DAYS = 7

# Sequential testing: sd of the normal mixing distribution on the log CTR ratio (see the
# module docstring for how it was chosen), and the relative lift inside which a test whose
# confidence sequences stay may stop with "no difference worth switching for".
SEQ_TAU = 0.10
SEQ_EQUIVALENCE = 0.05

_ERRORS = {
    "missing_count": "impressions or clicks is empty",
    "negative_count": "a count is negative",
    "clicks_gt_impressions": "clicks exceed impressions",
    "rows_left_out": "rows with more clicks than impressions left out (columns swapped?)",
    "orders_gt_clicks": "orders exceed clicks (conversion left out)",
    "control_not_found": "the requested control is not a variant of this test",
}


# --------------------------------------------------------------------------- frequentist


def _z(alpha: float) -> float:
    return float(stats.norm.isf(alpha / 2))


def _counts(successes, trials) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    ok = (n > 0) & (x >= 0) & (x <= n)  # False for NaN too
    return x, n, ok


def wilson_interval(successes, trials, alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of successes / trials; NaN where trials <= 0 or counts invalid."""
    x, n, ok = _counts(successes, trials)
    z2 = _z(alpha) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1 + z2 / n
        center = (p + z2 / (2 * n)) / denom
        half = np.sqrt(z2 * p * (1 - p) / n + z2 * z2 / (4 * n * n)) / denom
    lo = np.where(x == 0, 0.0, np.clip(center - half, 0, 1))
    hi = np.where(x == n, 1.0, np.clip(center + half, 0, 1))
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


def diff_interval(x_v, n_v, x_c, n_c, alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe hybrid score interval of p_v - p_c."""
    xv, nv, okv = _counts(x_v, n_v)
    xc, nc, okc = _counts(x_c, n_c)
    lv, uv = wilson_interval(xv, nv, alpha)
    lc, uc = wilson_interval(xc, nc, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        pv, pc = xv / nv, xc / nc
    d = pv - pc
    lo = d - np.sqrt((pv - lv) ** 2 + (uc - pc) ** 2)
    hi = d + np.sqrt((uv - pv) ** 2 + (pc - lc) ** 2)
    ok = okv & okc
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


def ratio_interval(x_v, n_v, x_c, n_c, alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Delta-method (log ratio) interval of p_v / p_c - 1; NaN when either arm has 0 clicks."""
    xv, nv, okv = _counts(x_v, n_v)
    xc, nc, okc = _counts(x_c, n_c)
    ok = okv & okc & (xv > 0) & (xc > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_r = np.log((xv / nv) / (xc / nc))
        half = _z(alpha) * np.sqrt(1 / xv - 1 / nv + 1 / xc - 1 / nc)
        lo, hi = np.expm1(log_r - half), np.expm1(log_r + half)
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


def ztest_pooled(x_v, n_v, x_c, n_c) -> np.ndarray:
    """Two-sided two-proportion z-test p-value, pooled variance; 1.0 if the pooled rate is 0 or 1."""
    xv, nv, okv = _counts(x_v, n_v)
    xc, nc, okc = _counts(x_c, n_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        pool = (xv + xc) / (nv + nc)
        se = np.sqrt(pool * (1 - pool) * (1 / nv + 1 / nc))
        z = (xv / nv - xc / nc) / se
        p = 2 * stats.norm.sf(np.abs(z))
    p = np.where(se > 0, p, 1.0)
    return np.where(okv & okc, p, np.nan)


def holm(p_values, axis: int = -1) -> np.ndarray:
    """Holm step-down adjusted p-values along ``axis``; NaN entries are not tests and stay NaN."""
    p = np.moveaxis(np.asarray(p_values, dtype=float), axis, -1)
    valid = ~np.isnan(p)
    m = valid.sum(axis=-1, keepdims=True)
    order = np.argsort(np.where(valid, p, np.inf), axis=-1, kind="stable")
    ranked = np.take_along_axis(np.where(valid, p, np.inf), order, axis=-1)
    rank = np.arange(p.shape[-1])
    scaled = np.where(rank < m, (m - rank) * np.where(rank < m, ranked, 0), 0)
    adj = np.minimum(np.maximum.accumulate(scaled, axis=-1), 1)
    out = np.empty_like(p)
    np.put_along_axis(out, order, adj, axis=-1)
    return np.moveaxis(np.where(valid, out, np.nan), -1, axis)


def srm_p_value(impressions, weights=None, axis: int = -1) -> np.ndarray:
    """Chi-square p-value of impressions against the intended split (equal by default).

    NaN arms are absent; NaN when fewer than two arms or no impressions.
    """
    obs = np.moveaxis(np.asarray(impressions, dtype=float), axis, -1)
    valid = ~np.isnan(obs)
    w = np.ones_like(obs) if weights is None else np.moveaxis(np.asarray(weights, float), axis, -1)
    w = np.broadcast_to(w, obs.shape)
    if np.any(valid & ~(w > 0)):
        raise ValueError("split weights must be positive")
    w = np.where(valid, w, 0.0)
    total = np.where(valid, obs, 0).sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = total * w / w.sum(axis=-1, keepdims=True)
        stat = np.where(valid, (obs - expected) ** 2 / expected, 0).sum(axis=-1)
    df = valid.sum(axis=-1) - 1
    ok = (df >= 1) & (total[..., 0] > 0)
    return np.where(ok, stats.chi2.sf(stat, np.maximum(df, 1)), np.nan)


# --------------------------------------------------------------------------- planning


def _power_u(alpha: float, power: float) -> float:
    """u = h * sqrt(n / 2) at which the two-sided z-test reaches ``power`` (far tail included)."""
    z = _z(alpha)
    u = z + float(stats.norm.ppf(power))
    for _ in range(50):  # Newton; the far tail makes it nonlinear only for tiny power
        g = stats.norm.cdf(u - z) + stats.norm.cdf(-u - z) - power
        dg = stats.norm.pdf(u - z) - stats.norm.pdf(u + z)
        step = g / dg
        u -= step
        if abs(step) < 1e-15 * max(1.0, abs(u)):
            break
    return float(u)


def effect_size(p2, p1) -> np.ndarray:
    """Cohen's h, 2 asin sqrt(p2) - 2 asin sqrt(p1) (statsmodels ``proportion_effectsize``)."""
    return 2 * np.arcsin(np.sqrt(np.asarray(p2, float))) - 2 * np.arcsin(
        np.sqrt(np.asarray(p1, float))
    )


def sample_size_per_arm(
    baseline, mde_rel=MDE_REL, alpha: float = ALPHA, power: float = POWER
) -> np.ndarray:
    """Impressions per arm (float, round up yourself) to detect ``baseline * (1 + mde_rel)``.

    Equals statsmodels ``NormalIndPower().solve_power(effect_size=proportion_effectsize(p2, p1),
    alpha=alpha, power=power, ratio=1)`` with p1 = baseline, p2 = baseline * (1 + mde_rel):
    two-sided test, arcsine effect size, equal arms.  NaN when p1 is not in (0, 1), p2 > 1 or
    mde_rel = 0.
    """
    p1 = np.asarray(baseline, dtype=float)
    p2 = p1 * (1 + np.asarray(mde_rel, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        h = np.abs(effect_size(p2, p1))
        n = 2 * (_power_u(alpha, power) / h) ** 2
    ok = (p1 > 0) & (p1 < 1) & (p2 >= 0) & (p2 <= 1) & (h > 0)
    return np.where(ok, n, np.nan)


def mde_for_sample(
    baseline, impressions_per_arm, alpha: float = ALPHA, power: float = POWER
) -> np.ndarray:
    """Smallest relative CTR lift detectable with ``impressions_per_arm`` in each arm.

    The inverse of ``sample_size_per_arm`` (upward lift); NaN when even CTR = 100% would not be
    detectable or the baseline is not in (0, 1).
    """
    p1 = np.asarray(baseline, dtype=float)
    n = np.asarray(impressions_per_arm, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = _power_u(alpha, power) / np.sqrt(n / 2)
        angle = np.arcsin(np.sqrt(p1)) + h / 2
        rel = np.sin(np.minimum(angle, np.pi / 2)) ** 2 / p1 - 1
    ok = (p1 > 0) & (p1 < 1) & (n > 0) & (angle <= np.pi / 2)
    return np.where(ok, rel, np.nan)


def days_to_sample(required_per_arm, impressions, days) -> np.ndarray:
    """More days needed until every arm reaches ``required_per_arm`` at its current daily rate.

    ``impressions``: (..., arms) totals so far (NaN = absent arm); ``days``: (...) test length.
    0 when already reached; NaN when unknown (no days, no impressions, no requirement).
    """
    imp = np.asarray(impressions, dtype=float)
    req = np.asarray(required_per_arm, dtype=float)[..., None]
    d = np.asarray(days, dtype=float)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        need = np.ceil(np.maximum(req - imp, 0) / (imp / d))
    need = np.where(np.isnan(imp), -np.inf, np.where(req - imp <= 0, 0, need))
    out = need.max(axis=-1)
    return np.where(np.isfinite(out), out, np.nan)


# --------------------------------------------------------------------------- Bayesian

_GL_T, _GL_W = np.polynomial.legendre.leggauss(8)
_SD_BREAKS = np.array([-40.0, -20, -10, -6, -3, -1.5, 0, 1.5, 3, 6, 10, 20, 40])
_CHUNK = 2_000_000  # array elements per quadrature block (memory bound)


def _beta_moments(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = a + b
    return a / s, np.sqrt(a * b / (s * s * (s + 1)))


def _breaks(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(..., arms) -> (..., arms * len(_SD_BREAKS)) unsorted breakpoints in [0, 1]."""
    mean, sd = _beta_moments(a, b)
    bp = np.clip(mean[..., None] + sd[..., None] * _SD_BREAKS, 0.0, 1.0)
    return bp.reshape(*a.shape[:-1], -1)


def _nodes(breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss-Legendre nodes and weights over sorted breakpoints, (..., nodes)."""
    bp = np.sort(breaks, axis=-1)
    mid = (bp[..., 1:] + bp[..., :-1]) / 2
    half = (bp[..., 1:] - bp[..., :-1]) / 2
    x = mid[..., None] + half[..., None] * _GL_T
    w = half[..., None] * _GL_W
    return x.reshape(*bp.shape[:-1], -1), w.reshape(*bp.shape[:-1], -1)


def _density(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Beta density up to a constant factor, relative to its mean (normalised numerically).

    Written as log1p of the distance to the mean so that counts of 1e9 keep ~1e-9 accuracy
    (no betaln of huge arguments to cancel).
    """
    m = a / (a + b)
    d = x - m
    with np.errstate(divide="ignore", invalid="ignore"):
        la = np.where(a > 1, (a - 1) * np.log1p(d / m), 0.0)
        lb = np.where(b > 1, (b - 1) * np.log1p(-d / (1 - m)), 0.0)
    return np.exp(la + lb)


def prob_greater(x_v, n_v, x_c, n_c) -> np.ndarray:
    """P(p_v > p_c) under Beta(1, 1) priors, by exact one-dimensional quadrature.

    Integrates the narrower posterior's density against the wider one's CDF
    (P(B > A) = int f_A(t) (1 - F_B(t)) dt), so the integrand is smooth on the grid.
    """
    xv, nv = np.broadcast_arrays(np.asarray(x_v, float), np.asarray(n_v, float))
    xc, nc = np.broadcast_arrays(np.asarray(x_c, float), np.asarray(n_c, float))
    shape = np.broadcast_shapes(xv.shape, xc.shape)
    xv, nv, xc, nc = (np.broadcast_to(v, shape).ravel() for v in (xv, nv, xc, nc))
    ok = (nv > 0) & (xv >= 0) & (xv <= nv) & (nc > 0) & (xc >= 0) & (xc <= nc)
    out = np.full(xv.shape, np.nan)
    if ok.any():
        av, bv, ac, bc = xv[ok] + 1, nv[ok] - xv[ok] + 1, xc[ok] + 1, nc[ok] - xc[ok] + 1
        v_narrow = _beta_moments(av, bv)[1] <= _beta_moments(ac, bc)[1]
        # narrow arm (a1, b1) carries the density, the other (a2, b2) the CDF
        a1, b1 = np.where(v_narrow, av, ac), np.where(v_narrow, bv, bc)
        a2, b2 = np.where(v_narrow, ac, av), np.where(v_narrow, bc, bv)
        res = np.empty(a1.shape)
        step = max(1, _CHUNK // (len(_SD_BREAKS) * len(_GL_T)))
        for s in range(0, len(a1), step):
            sl = slice(s, s + step)
            x, w = _nodes(_breaks(a1[sl, None], b1[sl, None]))
            f = _density(x, a1[sl, None], b1[sl, None]) * w
            res[sl] = (f * special.betainc(a2[sl, None], b2[sl, None], x)).sum(-1) / f.sum(-1)
        # res = P(other < narrow)
        out[ok] = np.where(v_narrow, res, 1 - res)
    return out.reshape(shape)


def _best_quad(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(best) and expected loss for dense (tests, arms) Beta parameters."""
    k = a.shape[-1]
    prob = np.empty(a.shape)
    loss = np.empty(a.shape)
    per_test = k * (k * len(_SD_BREAKS)) * len(_GL_T)
    step = max(1, _CHUNK // per_test)
    for s in range(0, a.shape[0], step):
        aa, bb = a[s : s + step], b[s : s + step]
        bp = np.concatenate([_breaks(aa, bb), np.zeros((aa.shape[0], 1))], axis=-1)
        x, w = _nodes(bp)  # (t, m)
        xa = x[:, None, :]
        cdf = special.betainc(aa[..., None], bb[..., None], xa)  # (t, k, m)
        dens = _density(xa, aa[..., None], bb[..., None]) * w[:, None, :]
        dens /= dens.sum(-1, keepdims=True)
        ones = np.ones_like(cdf[:, :1])
        before = np.cumprod(np.concatenate([ones, cdf[:, :-1]], axis=1), axis=1)
        after = np.cumprod(np.concatenate([ones, cdf[:, :0:-1]], axis=1), axis=1)[:, ::-1]
        prob[s : s + step] = (dens * before * after).sum(-1)
        e_max = ((1 - before[:, -1] * cdf[:, -1]) * w).sum(-1)
        loss[s : s + step] = e_max[:, None] - aa / (aa + bb)
    return prob, np.maximum(loss, 0.0)


def _best_mc(a: np.ndarray, b: np.ndarray, draws: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo P(best) and expected loss; each test gets its own generator (same seed)."""
    prob = np.empty(a.shape)
    loss = np.empty(a.shape)
    for t in range(a.shape[0]):
        rng = np.random.default_rng(seed)
        sample = rng.beta(a[t, :, None], b[t, :, None], size=(a.shape[1], draws))
        best = sample.max(axis=0)
        prob[t] = np.bincount(sample.argmax(axis=0), minlength=a.shape[1]) / draws
        loss[t] = (best - sample).mean(axis=1)
    return prob, loss


def prob_best(
    successes,
    trials,
    method: str = "quad",
    draws: int = MC_DRAWS,
    seed: int = MC_SEED,
) -> tuple[np.ndarray, np.ndarray]:
    """P(arm is best) and expected loss E[max_i p_i - p_j] along the last axis.

    ``successes``/``trials``: (..., arms); arms with NaN or invalid counts or no trials are
    left out (NaN).  Needs two or more usable arms, else NaN.  ``method="mc"`` switches
    tests with three or more arms to Monte Carlo.
    """
    x, n, ok = _counts(successes, trials)
    x, n, ok = np.atleast_2d(x), np.atleast_2d(n), np.atleast_2d(ok)
    lead = x.shape[:-1]
    x, n, ok = x.reshape(-1, x.shape[-1]), n.reshape(-1, n.shape[-1]), ok.reshape(-1, ok.shape[-1])
    prob = np.full(x.shape, np.nan)
    loss = np.full(x.shape, np.nan)
    arms = ok.sum(-1)
    for k in np.unique(arms[arms >= 2]):
        rows = np.flatnonzero(arms == k)
        sel = ok[rows]
        # compact the usable arms of each row to the left, keeping their order
        pos = np.argsort(~sel, axis=-1, kind="stable")[:, :k]
        xs = np.take_along_axis(x[rows], pos, -1)
        ns = np.take_along_axis(n[rows], pos, -1)
        a, b = xs + 1, ns - xs + 1
        if method == "mc" and k >= 3:
            p, lo = _best_mc(a, b, draws, seed)
        elif method in ("quad", "mc"):
            p, lo = _best_quad(a, b)
        else:
            raise ValueError(f"unknown method {method!r}")
        r = np.repeat(rows, k)
        prob[r, pos.ravel()] = p.ravel()
        loss[r, pos.ravel()] = lo.ravel()
    return prob.reshape(*lead, -1), loss.reshape(*lead, -1)


# --------------------------------------------------------------------------- one metric


def compare(
    successes: np.ndarray,
    trials: np.ndarray,
    alpha: float = ALPHA,
    bayes: str = "quad",
) -> dict[str, np.ndarray]:
    """All per-arm figures of one rate metric for (tests, arms) arrays, control in column 0.

    NaN marks an absent or unusable arm.  Returns arrays keyed like the result columns
    (rate, ci_low, ci_high, lift_abs, ..., expected_loss); column 0 (control) has NaN
    comparisons.
    """
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    xc, nc = x[:, :1], n[:, :1]
    out: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, x / n, np.nan)
        rate_c = rate[:, :1]
        out["rate"] = rate
        out["ci_low"], out["ci_high"] = wilson_interval(x, n, alpha)
        out["lift_abs"] = rate - rate_c
        out["lift_abs_ci_low"], out["lift_abs_ci_high"] = diff_interval(x, n, xc, nc, alpha)
        out["lift_rel"] = np.where(rate_c > 0, rate / rate_c - 1, np.nan)
        out["lift_rel_ci_low"], out["lift_rel_ci_high"] = ratio_interval(x, n, xc, nc, alpha)
        p = ztest_pooled(x, n, xc, nc)
    beats = np.full(x.shape, np.nan)
    beats[:, 1:] = prob_greater(x[:, 1:], n[:, 1:], xc, nc)
    out["prob_beats_control"] = beats
    p[:, 0] = np.nan
    out["p_value"] = p
    out["p_value_holm"] = holm(p)
    out["prob_best"], out["expected_loss"] = prob_best(x, n, method=bayes)
    for key in (
        "lift_abs",
        "lift_abs_ci_low",
        "lift_abs_ci_high",
        "lift_rel",
        "lift_rel_ci_low",
        "lift_rel_ci_high",
    ):
        out[key][:, 0] = np.nan
    return out


# --------------------------------------------------------------------------- results


_JSON_VARIANT_KEYS = (
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
)


@dataclass(frozen=True)
class ABResult:
    """One test.  ``variants``: one row per variant, control first, then by name.

    Columns: test_id, variant, is_control, valid, impressions, clicks, orders, first_date,
    last_date, days, weight, then for CTR: ctr, ci_low, ci_high, lift_abs, lift_abs_ci_low,
    lift_abs_ci_high, lift_rel, lift_rel_ci_low, lift_rel_ci_high, p_value, p_value_holm,
    prob_beats_control, prob_best, expected_loss; the same with a ``cvr_`` prefix (cvr =
    orders / clicks).  Control rows have NaN lift, p-values and prob_beats_control.
    """

    test: str
    control: str | None
    variants: pd.DataFrame
    srm_p_value: float
    sample_size_per_arm: int | None  # to detect mde_rel (default +10%) over the control CTR
    mde_rel: float  # relative CTR lift detectable with the traffic so far (smallest arm)
    days: int | None  # calendar days from the first to the last date
    days_to_sample: int | None  # more days at today's traffic to reach sample_size_per_arm
    errors: tuple[dict, ...] = ()
    alpha: float = ALPHA
    planned_mde_rel: float = MDE_REL


@dataclass(frozen=True)
class ABBatch:
    """Many tests analysed in one call: long ``variants`` frame, one row per test in ``tests``."""

    variants: pd.DataFrame
    tests: pd.DataFrame
    errors: list[dict] = field(default_factory=list)
    alpha: float = ALPHA
    planned_mde_rel: float = MDE_REL

    def __len__(self) -> int:
        return len(self.tests)

    def __iter__(self):
        return iter(self.tests["test_id"])

    def __getitem__(self, test_id: str) -> ABResult:
        row = self.tests.loc[self.tests["test_id"] == test_id]
        if row.empty:
            raise KeyError(test_id)
        r = row.iloc[0]
        variants = self.variants.loc[self.variants["test_id"] == test_id].reset_index(drop=True)
        return ABResult(
            test=str(test_id),
            control=None if pd.isna(r["control"]) else str(r["control"]),
            variants=variants,
            srm_p_value=float(r["srm_p_value"]),
            sample_size_per_arm=_int_or_none(r["sample_size_per_arm"]),
            mde_rel=float(r["mde_rel"]),
            days=_int_or_none(r["days"]),
            days_to_sample=_int_or_none(r["days_to_sample"]),
            errors=tuple(e for e in self.errors if e["test_id"] == test_id),
            alpha=self.alpha,
            planned_mde_rel=self.planned_mde_rel,
        )


def _int_or_none(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def _num(df: pd.DataFrame, col: str) -> np.ndarray:
    if col not in df:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _dates(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df:
        return pd.Series(pd.NaT, index=df.index, dtype="datetime64[us]")
    return pd.to_datetime(df[col], errors="coerce")


def _prepare(totals: pd.DataFrame, control, weights) -> tuple[pd.DataFrame, list[dict]]:
    """Normalise columns, flag data errors, pick each test's control, order control-first."""
    if "variant" not in totals:
        raise ValueError("totals need a 'variant' column")
    totals = totals.reset_index(drop=True)
    df = pd.DataFrame(
        {
            "test_id": totals["test_id"].astype(str) if "test_id" in totals else "",
            "variant": totals["variant"].astype(str),
            "is_control": (
                totals["is_control"].fillna(False).astype(bool) if "is_control" in totals else False
            ),
            "impressions": _num(totals, "impressions"),
            "clicks": _num(totals, "clicks"),
            "orders": _num(totals, "orders"),
            "first_date": _dates(totals, "first_date" if "first_date" in totals else "date"),
            "last_date": _dates(totals, "last_date" if "last_date" in totals else "date"),
            "days": _num(totals, "days"),
            "weight": _num(totals, "weight"),
            # rows the totals leave out (abtest_variants: more clicks than impressions)
            "rows_left_out": np.nan_to_num(_num(totals, "rows_left_out")),
        }
    ).reset_index(drop=True)
    if df.duplicated(["test_id", "variant"]).any():
        raise ValueError("totals must have one row per test_id and variant (see totals_from_daily)")
    if weights is not None:
        missing = set(df["variant"]) - set(weights)
        if missing and df["weight"].isna().any():
            raise ValueError(f"no split weight for variant(s): {', '.join(sorted(missing))}")
        df["weight"] = df["weight"].fillna(df["variant"].map(weights))
    df["weight"] = df["weight"].fillna(1.0)

    errors: list[dict] = []
    imp, clk, orders = df["impressions"], df["clicks"], df["orders"]
    left_out = df["rows_left_out"] > 0
    # a variant whose every row had more clicks than impressions has no totals
    too_many = (imp.isna() | clk.isna()) & left_out
    missing = (imp.isna() | clk.isna()) & ~too_many
    negative = (imp < 0) | (clk < 0)
    too_many |= ~missing & ~negative & (clk > imp)
    df["valid"] = ~(missing | negative | too_many)
    # a bad orders count only costs the conversion metric
    df["cvr_valid"] = df["valid"] & orders.notna() & (orders >= 0) & (orders <= clk)
    for code, mask in (
        ("missing_count", missing),
        ("negative_count", (negative & ~missing) | (df["valid"] & (orders < 0))),
        ("clicks_gt_impressions", too_many),
        ("orders_gt_clicks", df["valid"] & (orders > clk)),
        ("rows_left_out", df["valid"] & left_out),
    ):
        for t, v in df.loc[mask, ["test_id", "variant"]].itertuples(index=False):
            errors.append({"test_id": t, "variant": v, "code": code, "detail": _ERRORS[code]})

    # control: requested > flagged is_control > oldest first date > name
    wanted = pd.Series(np.nan, index=df.index, dtype=object)
    if isinstance(control, str):
        wanted[:] = control
    elif isinstance(control, Mapping):
        wanted = df["test_id"].map(dict(control))
    requested = df["variant"].eq(wanted)
    asked = df.loc[wanted.notna(), "test_id"].unique()
    found = df.loc[requested, "test_id"].unique()
    for t in sorted(set(asked) - set(found)):
        errors.append(
            {
                "test_id": t,
                "variant": str(wanted[df["test_id"] == t].iloc[0]),
                "code": "control_not_found",
                "detail": _ERRORS["control_not_found"],
            }
        )
    df["_rank"] = np.where(requested, 0, np.where(df["is_control"], 1, 2))
    order = df.sort_values(["test_id", "_rank", "first_date", "variant"], na_position="last")
    chosen = order.drop_duplicates("test_id")
    df["is_control"] = df.index.isin(chosen.index)
    df = df.sort_values(["test_id", "is_control", "variant"], ascending=[True, False, True])
    return df.drop(columns="_rank").reset_index(drop=True), errors


def _pad(df: pd.DataFrame, codes: np.ndarray, pos: np.ndarray, shape, col: str, mask=None):
    out = np.full(shape, np.nan)
    vals = df[col].to_numpy(dtype=float, na_value=np.nan)
    if mask is not None:
        vals = np.where(mask, vals, np.nan)
    out[codes, pos] = vals
    return out


def analyze_tests(
    totals: pd.DataFrame,
    control: str | Mapping[str, str] | None = None,
    weights: Mapping[str, float] | None = None,
    alpha: float = ALPHA,
    power: float = POWER,
    mde_rel: float = MDE_REL,
    bayes: str = "quad",
) -> ABBatch:
    """Analyse every test in ``totals`` at once (rows as from ``queries/abtest_variants.sql``).

    Columns: variant, impressions, clicks (required); test_id (absent = one test named ""),
    orders, is_control, first_date, last_date, days, weight (optional).
    ``control``: a variant name for every test, or {test_id: variant}; otherwise the
    variant flagged is_control, else the one with the oldest first_date (ties: first by name).
    ``weights``: intended traffic split {variant: weight} for the SRM check (a ``weight``
    column wins); equal by default.  ``bayes``: "quad" (default) or "mc" for 3+ arms.
    """
    df, errors = _prepare(totals, control, weights)
    if df.empty:
        raise ValueError("no variants to analyse")
    codes, test_ids = pd.factorize(df["test_id"], sort=False)
    pos = df.groupby(codes).cumcount().to_numpy()
    shape = (len(test_ids), int(pos.max()) + 1)
    valid, cvr_valid = df["valid"].to_numpy(), df["cvr_valid"].to_numpy()
    imp = _pad(df, codes, pos, shape, "impressions", valid)
    clk = _pad(df, codes, pos, shape, "clicks", valid)
    orders = _pad(df, codes, pos, shape, "orders", cvr_valid)
    clk_cvr = _pad(df, codes, pos, shape, "clicks", cvr_valid)
    weight = _pad(df, codes, pos, shape, "weight", valid)

    ctr = compare(clk, imp, alpha, bayes)
    cvr = compare(orders, clk_cvr, alpha, bayes)
    for key, arr in ctr.items():
        df["ctr" if key == "rate" else key] = arr[codes, pos]
    for key, arr in cvr.items():
        df["cvr" if key == "rate" else f"cvr_{key}"] = arr[codes, pos]

    srm = srm_p_value(imp, np.where(np.isnan(weight), 1.0, weight))
    ctr_c = ctr["rate"][:, 0]
    n_req = sample_size_per_arm(ctr_c, mde_rel, alpha, power)
    n_min = np.nanmin(np.where(np.isnan(imp), np.inf, imp), axis=1)
    arms_valid = (~np.isnan(imp)).sum(axis=1)
    mde = np.where(arms_valid >= 2, mde_for_sample(ctr_c, n_min, alpha, power), np.nan)

    g = df.groupby(codes)
    span = (g["last_date"].max() - g["first_date"].min()).dt.days.to_numpy(dtype=float) + 1
    days = np.where(np.isnan(span), g["days"].max().to_numpy(dtype=float), span)
    need_days = np.where(arms_valid >= 2, days_to_sample(n_req, imp, days), np.nan)
    tests = pd.DataFrame(
        {
            "test_id": np.asarray(test_ids, dtype=object),
            "control": df.loc[df["is_control"], "variant"].to_numpy(dtype=object),
            "count_variants": g.size().to_numpy(),
            "impressions": g["impressions"].sum(min_count=1).to_numpy(),
            "clicks": g["clicks"].sum(min_count=1).to_numpy(),
            "first_date": g["first_date"].min().to_numpy(),
            "last_date": g["last_date"].max().to_numpy(),
            "days": pd.array(np.where(np.isnan(days), np.nan, days), dtype="Int64"),
            "srm_p_value": srm,
            "sample_size_per_arm": pd.array(
                np.where(np.isnan(n_req), np.nan, np.ceil(n_req)), dtype="Int64"
            ),
            "mde_rel": mde,
            "days_to_sample": pd.array(need_days, dtype="Int64"),
        }
    )
    df = df.drop(columns="cvr_valid")
    return ABBatch(df, tests, errors, alpha, mde_rel)


def analyze(
    totals: pd.DataFrame,
    control: str | None = None,
    weights: Mapping[str, float] | None = None,
    alpha: float = ALPHA,
    power: float = POWER,
    mde_rel: float = MDE_REL,
    bayes: str = "quad",
) -> ABResult:
    """Analyse one test (``totals`` holds a single test_id, or no test_id column)."""
    ids = totals["test_id"].astype(str).unique() if "test_id" in totals else [""]
    if len(ids) != 1:
        raise ValueError(f"analyze() takes one test, got {len(ids)}; use analyze_tests()")
    batch = analyze_tests(totals, control, weights, alpha, power, mde_rel, bayes)
    return batch[ids[0]]


# --------------------------------------------------------------------------- output


def _json_value(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, (np.integer, int)) and not isinstance(v, bool):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if math.isnan(f) else f
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    return v


def to_json(result: ABResult) -> dict:
    """The CLI / API dict: NaN -> None; control row has None lift, p-values, prob_beats_control.

    {"test", "control", "variants": [{"variant", "impressions", "clicks", "ctr", "ci_low",
    "ci_high", "lift_abs", "lift_rel", "p_value", "p_value_holm", "prob_beats_control",
    "prob_best"}], "srm_p_value", "sample_size_per_arm", "errors": [{"variant", "code",
    "detail"}]}; impressions / clicks are ints
    (None for an unusable row), sample_size_per_arm an int rounded up (or None).
    """
    rows = []
    for rec in result.variants.to_dict("records"):
        row = {}
        for key in _JSON_VARIANT_KEYS:
            v = rec[key]
            if key in ("impressions", "clicks"):
                v = None if pd.isna(v) else int(v)
            row[key] = _json_value(v)
        rows.append(row)
    return {
        "test": result.test,
        "control": result.control,
        "variants": rows,
        "srm_p_value": _json_value(result.srm_p_value),
        "sample_size_per_arm": result.sample_size_per_arm,
        "errors": [{k: e[k] for k in ("variant", "code", "detail")} for e in result.errors],
    }


# --------------------------------------------------------------------------- daily series


def totals_from_daily(daily: pd.DataFrame) -> pd.DataFrame:
    """Per test x variant totals (the shape of abtest_variants.sql) from daily rows."""
    df = daily.copy()
    if "test_id" not in df:
        df["test_id"] = ""
    for col in ("orders", "is_control"):
        if col not in df:
            df[col] = np.nan if col == "orders" else False
    df["is_control"] = df["is_control"].fillna(False).astype(bool)
    df["date"] = pd.to_datetime(df["date"])
    g = df.groupby(["test_id", "variant"], sort=True)
    out = g.agg(
        is_control=("is_control", "any"),
        first_date=("date", "min"),
        last_date=("date", "max"),
        days=("date", "nunique"),
        impressions=("impressions", "sum"),
        clicks=("clicks", "sum"),
    )
    out["orders"] = g["orders"].sum(min_count=1)
    return out.reset_index()


def cumulative_daily(
    daily: pd.DataFrame,
    control: str | Mapping[str, str] | None = None,
    alpha: float = ALPHA,
) -> pd.DataFrame:
    """Cumulative CTR by day per variant, for the chart and the peeking check.

    One row per test x variant x date (days a variant has no row count as 0).  Columns:
    test_id, variant, date, is_control, impressions, clicks (that day), cum_impressions,
    cum_clicks, ctr, ci_low, ci_high (Wilson, cumulative), lift_rel, p_value (pooled z vs
    the control's cumulative counts) and p_value_holm (across the variants on that date).
    The control is chosen as in analyze_tests().
    """
    df = daily.copy()
    if "test_id" not in df:
        df["test_id"] = ""
    df["test_id"] = df["test_id"].astype(str)
    df["variant"] = df["variant"].astype(str)
    df["date"] = pd.to_datetime(df["date"])
    prepared, _ = _prepare(totals_from_daily(df), control, None)
    ctl = prepared.loc[prepared["is_control"], ["test_id", "variant"]]
    arms = prepared[["test_id", "variant", "is_control"]]
    dates = df[["test_id", "date"]].drop_duplicates()
    grid = arms.merge(dates, on="test_id")
    day = df.groupby(["test_id", "variant", "date"], as_index=False)[
        ["impressions", "clicks"]
    ].sum()
    out = grid.merge(day, on=["test_id", "variant", "date"], how="left")
    out[["impressions", "clicks"]] = out[["impressions", "clicks"]].fillna(0)
    out = out.sort_values(["test_id", "variant", "date"]).reset_index(drop=True)
    g = out.groupby(["test_id", "variant"], sort=False)
    out["cum_impressions"] = g["impressions"].cumsum()
    out["cum_clicks"] = g["clicks"].cumsum()
    x, n = out["cum_clicks"].to_numpy(float), out["cum_impressions"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ctr"] = np.where(n > 0, x / n, np.nan)
    out["ci_low"], out["ci_high"] = wilson_interval(x, n, alpha)
    base = out.merge(ctl, on=["test_id", "variant"])[
        ["test_id", "date", "cum_clicks", "cum_impressions"]
    ]
    base = base.rename(columns={"cum_clicks": "_xc", "cum_impressions": "_nc"})
    out = out.merge(base, on=["test_id", "date"], how="left")
    xc, nc = out["_xc"].to_numpy(float), out["_nc"].to_numpy(float)
    ctrl = out["is_control"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_c = xc / nc
        out["lift_rel"] = np.where(ctrl | ~(rate_c > 0), np.nan, out["ctr"] / rate_c - 1)
    out["p_value"] = np.where(ctrl, np.nan, ztest_pooled(x, n, xc, nc))
    wide = out.pivot_table(
        index=["test_id", "date"],
        columns="variant",
        values="p_value",
        dropna=False,
        aggfunc="first",
    )
    adj = pd.DataFrame(holm(wide.to_numpy(float)), index=wide.index, columns=wide.columns)
    adj = adj.stack(future_stack=True).rename("p_value_holm").reset_index()
    out = out.merge(adj, on=["test_id", "date", "variant"], how="left")
    cols = [
        "test_id",
        "variant",
        "date",
        "is_control",
        "impressions",
        "clicks",
        "cum_impressions",
        "cum_clicks",
        "ctr",
        "ci_low",
        "ci_high",
        "lift_rel",
        "p_value",
        "p_value_holm",
    ]
    return out[cols].sort_values(["test_id", "date", "variant"]).reset_index(drop=True)


# --------------------------------------------------------------------------- verdict


def _significant(row, alpha: float) -> int:
    """+1 significantly better, -1 significantly worse, 0 otherwise (Holm p and CI agree).

    The relative-lift CI is used; where it is undefined (0 clicks) the absolute one.
    """
    p, lo, hi = row["p_value_holm"], row["lift_rel_ci_low"], row["lift_rel_ci_high"]
    if pd.isna(lo) or pd.isna(hi):
        lo, hi = row["lift_abs_ci_low"], row["lift_abs_ci_high"]
    if pd.isna(p) or p >= alpha:
        return 0
    if pd.notna(lo) and lo > 0:
        return 1
    if pd.notna(hi) and hi < 0:
        return -1
    return 0


def verdict(result: ABResult, daily: pd.DataFrame | None = None) -> dict:
    """A structured verdict the page turns into a sentence (no text here).

    Returns {"status", "control", "variant", "lift_rel", "ci", "p_value", "prob_beats_control",
    "more_impressions_needed", "more_impressions_per_arm", "days_needed", "guardrails",
    "variants": [{"variant", "status", "lift_rel", "ci", "p_value"}]}; NaN -> None.

    Per variant: "winner" when its Holm-adjusted p < alpha and the relative-lift CI is above 0,
    "loser" when significant and the CI is below 0, else "inconclusive".  Overall:

    * "not_enough_data" when the "low_data" guardrail is on or nothing can be compared;
    * "winner": some variant wins; the headline is the winner with the largest lift;
    * "loser": every variant loses; the headline is the least bad;
    * "inconclusive": otherwise; the headline is the variant with the largest lift.

    ``more_impressions_per_arm`` is what the smallest arm still needs to reach the planned
    sample (sample_size_per_arm for +10% over the control CTR, at least MIN_IMPRESSIONS and
    MIN_CLICKS clicks at the control CTR); ``more_impressions_needed`` sums that over all arms;
    both 0 for a winner/loser, None when the control has no clicks. ``days_needed`` converts it
    to days at the current daily traffic.

    Guardrails (warnings; only low_data changes the status):
    * "low_data": an arm has < MIN_IMPRESSIONS (1000) impressions or < MIN_CLICKS (50) clicks;
    * "srm": sample-ratio mismatch, srm_p_value < SRM_ALPHA (0.001) - the split is broken,
      so lifts may be biased;
    * "too_short": the test spans < MIN_DAYS (7) calendar days (weekday effects);
    * "peeking" (needs ``daily``, the abtest_daily rows of the same test and date range): the
      headline variant is significant now but was not on more than half of the earlier days
      of the cumulative daily series (same Holm-adjusted test) - a result that only just
      turned significant is what stopping at the first significant look produces.
    """
    v = result.variants
    alpha = result.alpha
    usable = v.loc[v["valid"]]
    arms = usable.loc[usable["impressions"] > 0]
    others = arms.loc[~arms["is_control"]]
    guardrails: list[str] = []
    low = bool(
        (usable["impressions"] < MIN_IMPRESSIONS).any() or (usable["clicks"] < MIN_CLICKS).any()
    )
    if low:
        guardrails.append("low_data")
    if pd.notna(result.srm_p_value) and result.srm_p_value < SRM_ALPHA:
        guardrails.append("srm")
    if result.days is not None and result.days < MIN_DAYS:
        guardrails.append("too_short")

    per_variant = []
    signs = {}
    for _, row in v.loc[~v["is_control"]].iterrows():
        s = _significant(row, alpha)
        signs[row["variant"]] = s
        per_variant.append(
            {
                "variant": row["variant"],
                "status": {1: "winner", -1: "loser", 0: "inconclusive"}[s],
                "lift_rel": _json_value(row["lift_rel"]),
                "ci": (_json_value(row["lift_rel_ci_low"]), _json_value(row["lift_rel_ci_high"])),
                "p_value": _json_value(row["p_value_holm"]),
            }
        )

    control_ok = result.control is not None and bool(
        v.loc[v["is_control"], "valid"].all() and (v.loc[v["is_control"], "impressions"] > 0).all()
    )
    comparable = others.loc[others["lift_rel"].notna() | others["p_value"].notna()]
    if not control_ok or comparable.empty:
        status = "not_enough_data"
        head = None
    else:
        winners = comparable.loc[[signs[n] == 1 for n in comparable["variant"]]]
        losers = comparable.loc[[signs[n] == -1 for n in comparable["variant"]]]
        by_lift = comparable.sort_values(["lift_abs", "variant"], ascending=[False, True])
        if not winners.empty:
            status = "winner"
            head = winners.sort_values(["lift_abs", "variant"], ascending=[False, True]).iloc[0]
        elif len(losers) == len(comparable):
            status = "loser"
            head = by_lift.iloc[0]
        else:
            status = "inconclusive"
            head = by_lift.iloc[0]
        if low:
            status = "not_enough_data"

    per_arm = needed = days_needed = None
    if status in ("winner", "loser"):
        per_arm = needed = days_needed = 0
    elif control_ok and not comparable.empty:
        ctl = v.loc[v["is_control"]].iloc[0]
        if ctl["clicks"] > 0:
            ctr_c = ctl["ctr"]
            target = max(MIN_IMPRESSIONS, math.ceil(MIN_CLICKS / ctr_c))
            if result.sample_size_per_arm is not None:
                target = max(target, result.sample_size_per_arm)
            short = np.maximum(target - arms["impressions"].to_numpy(float), 0)
            per_arm = int(short.max()) if len(short) else None
            needed = int(short.sum()) if len(short) else None
            if result.days:
                days_needed = _int_or_none(
                    days_to_sample(target, arms["impressions"].to_numpy(float), result.days)
                )

    peek = daily is not None and status in ("winner", "loser") and head is not None
    if peek and _peeked(result, daily, head["variant"], alpha):
        guardrails.append("peeking")

    return {
        "status": status,
        "control": result.control,
        "variant": None if head is None else head["variant"],
        "lift_rel": None if head is None else _json_value(head["lift_rel"]),
        "ci": None
        if head is None
        else (_json_value(head["lift_rel_ci_low"]), _json_value(head["lift_rel_ci_high"])),
        "p_value": None if head is None else _json_value(head["p_value_holm"]),
        "prob_beats_control": None if head is None else _json_value(head["prob_beats_control"]),
        "more_impressions_needed": needed,
        "more_impressions_per_arm": per_arm,
        "days_needed": days_needed,
        "guardrails": guardrails,
        "variants": per_variant,
    }


def _peeked(result: ABResult, daily: pd.DataFrame, variant: str, alpha: float) -> bool:
    d = daily
    if "test_id" in d:
        d = d.loc[d["test_id"].astype(str) == result.test]
    # the analysed variants only, so Holm runs over the same family as the final result
    d = d.loc[
        d["variant"].astype(str).isin(result.variants.loc[result.variants["valid"], "variant"])
    ]
    cum = cumulative_daily(d, control=result.control, alpha=alpha)
    series = cum.loc[cum["variant"] == variant].sort_values("date")["p_value_holm"].to_numpy()
    earlier = series[:-1]
    if len(earlier) == 0:
        return False
    significant = np.sum(earlier < alpha)
    return bool(len(earlier) - significant > len(earlier) / 2)


# --------------------------------------------------------------------------- sequential


def msprt_log_lr(theta, var, tau: float = SEQ_TAU, theta0=0.0) -> np.ndarray:
    """log of the Gaussian-mixture likelihood ratio (Johari et al. 2017, eq. 11 on a normal
    estimate): log sqrt(V / (V + tau^2)) + tau^2 (theta - theta0)^2 / (2 V (V + tau^2))."""
    th = np.asarray(theta, dtype=float) - theta0
    v = np.asarray(var, dtype=float)
    s = v + tau * tau
    with np.errstate(divide="ignore", invalid="ignore"):
        return 0.5 * np.log(v / s) + tau * tau * th * th / (2 * v * s)


def cs_half_width(var, alpha: float = ALPHA, tau: float = SEQ_TAU) -> np.ndarray:
    """Half-width of the two-sided normal-mixture confidence sequence (Howard et al. 2021,
    eq. 14) around a normal estimate with variance V: sqrt(V (V + tau^2) / tau^2 *
    log((V + tau^2) / (V alpha^2))) - exactly the thetas the mixture above cannot reject."""
    v = np.asarray(var, dtype=float)
    s = v + tau * tau
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(v * s / (tau * tau) * np.log(s / (v * alpha * alpha)))


def sequential_cube(
    successes,
    trials,
    alpha: float = ALPHA,
    tau: float = SEQ_TAU,
    min_trials: float = MIN_IMPRESSIONS,
    min_successes: float = MIN_CLICKS,
) -> dict[str, np.ndarray]:
    """Always-valid inference on (tests, arms, days) cumulative counts, control in arm 0.

    NaN marks an absent arm or a day after the test's end.  A day counts as a look once
    both arms have ``min_trials`` trials and ``min_successes`` successes (the normal
    approximation needs them); earlier looks carry no evidence (p = 1, unbounded CS).
    Returns (tests, arms, days) arrays: theta (log rate ratio), var, p_value (running
    minimum of 1 / LR), p_value_holm (Holm over the test's variants on each day),
    cs_low / cs_high (relative lift, running intersection, level 1 - alpha per variant),
    decided (bool, stays True), decision (+1 winner, -1 loser, 0 none; the sign of theta on
    the first decided day), looked (a look has counted by that day) and (tests, arms)
    decision_day (day index, -1 when undecided).
    Control rows (arm 0) are NaN / False / 0.
    """
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    xc, nc = x[:, :1], n[:, :1]
    present = ~np.isnan(n) & ~np.isnan(nc)
    present[:, 0] = False
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.log(x / n) - np.log(xc / nc)
        var = 1 / x - 1 / n + 1 / xc - 1 / nc
    look = (
        present
        & (n >= min_trials)
        & (nc >= min_trials)
        & (x >= min_successes)
        & (xc >= min_successes)
        & (x <= n)
        & (xc <= nc)
        & (var > 0)
    )
    neg_log_lr = np.where(look, -msprt_log_lr(theta, var, tau), 0.0)
    p = np.minimum.accumulate(np.exp(np.minimum(neg_log_lr, 0.0)), axis=-1)
    arm_used = present.any(axis=-1)  # (tests, arms): a variant in the family
    p = np.where(arm_used[..., None], p, np.nan)
    p_holm = holm(p, axis=1)
    half = cs_half_width(var, alpha, tau)
    lo = np.maximum.accumulate(np.where(look, theta - half, -np.inf), axis=-1)
    hi = np.minimum.accumulate(np.where(look, theta + half, np.inf), axis=-1)
    # unbounded before the first look; empty if the running intersection ran dry (chance <= alpha)
    empty = (lo > hi) | ~np.isfinite(lo) | ~np.isfinite(hi)
    decided = np.logical_or.accumulate(p_holm <= alpha, axis=-1)  # NaN compares False
    day = np.where(decided.any(axis=-1), decided.argmax(axis=-1), -1)
    sign_then = np.sign(np.take_along_axis(theta, np.maximum(day, 0)[..., None], -1))[..., 0]
    sign_then = np.where(day >= 0, sign_then, 0)
    decision = np.where(decided, sign_then[..., None], 0).astype(int)
    gone = ~present  # absent arms and days after the end
    finite = present & np.isfinite(var) & (var > 0)
    with np.errstate(invalid="ignore"):
        cs_low, cs_high = np.expm1(lo), np.expm1(hi)
    out = {
        "theta": np.where(finite, theta, np.nan),
        "var": np.where(finite, var, np.nan),
        "p_value": np.where(gone, np.nan, p),
        "p_value_holm": np.where(gone, np.nan, p_holm),
        "cs_low": np.where(gone | empty, np.nan, cs_low),
        "cs_high": np.where(gone | empty, np.nan, cs_high),
        "decided": decided & present,
        "decision": np.where(present, decision, 0),
        "decision_day": day,
        "looked": np.logical_or.accumulate(look, axis=-1),
    }
    return out


@dataclass(frozen=True)
class SeqBatch:
    """Sequential analysis of many tests.

    ``variants``: one row per test x variant with the last day's figures: test_id, variant,
    is_control, valid (analysed), looked (a look has counted: enough data to compare),
    cum_impressions, cum_clicks, lift_rel, p_value (always valid), p_value_holm, cs_low,
    cs_high (confidence sequence of the relative lift, NaN before the first look), decision
    ("winner" / "loser" / NaN), decided_on (date, NaT when undecided), decided_day (1-based),
    lift_decided (lift_rel that day) and days.
    ``daily`` (built on first use): one row per test x variant x calendar day from the test's
    first to its last date (days without rows add 0) with test_id, variant, date, day,
    is_control, cum_impressions, cum_clicks, lift_rel, p_value, p_value_holm, cs_low,
    cs_high and decision (from the decision day on).  Control rows have NaN comparisons.
    """

    variants: pd.DataFrame
    alpha: float
    tau: float
    cube: dict = field(repr=False)  # sequential_cube() output plus "x" and "n", (tests, arms, days)
    arm: np.ndarray = field(repr=False)  # (code, pos) of each variants row, shape (rows, 2)
    first: np.ndarray = field(repr=False)  # each test's first date (datetime64[D])
    length: np.ndarray = field(repr=False)  # each test's days

    def __len__(self) -> int:
        return len(self.first)

    def __iter__(self):
        return iter(self.variants["test_id"].unique())

    def __getitem__(self, test_id: str) -> SeqBatch:
        rows = np.flatnonzero((self.variants["test_id"] == test_id).to_numpy())
        if not len(rows):
            raise KeyError(test_id)
        code = int(self.arm[rows[0], 0])
        days = int(self.length[code])
        cube = {
            k: a[code : code + 1, ..., :days] if a.ndim == 3 else a[code : code + 1]
            for k, a in self.cube.items()
        }
        arm = np.column_stack([np.zeros(len(rows), int), self.arm[rows, 1]])
        return SeqBatch(
            self.variants.iloc[rows].reset_index(drop=True),
            self.alpha,
            self.tau,
            cube,
            arm,
            self.first[code : code + 1],
            self.length[code : code + 1],
        )

    @cached_property
    def daily(self) -> pd.DataFrame:
        codes, pos = self.arm[:, 0], self.arm[:, 1]
        reps = self.length[codes]
        row = np.repeat(np.arange(len(codes)), reps)
        day = np.arange(len(row)) - np.repeat(np.cumsum(reps) - reps, reps)
        at = (codes[row], pos[row], day)
        c = self.cube
        v = self.variants
        return pd.DataFrame(
            {
                "test_id": v["test_id"].to_numpy(object)[row],
                "variant": v["variant"].to_numpy(object)[row],
                "date": (self.first[codes[row]] + day.astype("timedelta64[D]")).astype(
                    "datetime64[us]"
                ),
                "day": day + 1,
                "is_control": v["is_control"].to_numpy(bool)[row],
                "cum_impressions": c["n"][at],
                "cum_clicks": c["x"][at],
                "lift_rel": np.expm1(c["theta"][at]),
                "p_value": c["p_value"][at],
                "p_value_holm": c["p_value_holm"][at],
                "cs_low": c["cs_low"][at],
                "cs_high": c["cs_high"][at],
                "decision": _decision_text(c["decision"][at]),
            }
        )


def _decision_text(sign: np.ndarray) -> pd.Series:
    text = np.where(sign == 1, "winner", np.where(sign == -1, "loser", None))
    return pd.Series(text, dtype="str")  # missing = NaN, whatever the mix


def _pair_codes(a: pd.Series, b: pd.Series, a_cats: pd.Index, b_cats: pd.Index) -> np.ndarray:
    """One int per (a, b) pair over the given categories (-1 when either is unknown)."""
    ia, ib = a_cats.get_indexer(a), b_cats.get_indexer(b)
    return np.where((ia >= 0) & (ib >= 0), ia * len(b_cats) + ib, -1)


def sequential(
    daily: pd.DataFrame,
    control: str | Mapping[str, str] | None = None,
    alpha: float = ALPHA,
    tau: float = SEQ_TAU,
) -> SeqBatch:
    """Always-valid p-values, confidence sequences and decision days from daily rows.

    ``daily``: rows as from ``queries/abtest_daily.sql`` (test_id, variant, date,
    impressions, clicks, optional is_control); several rows of a variant and day are summed.
    The control is chosen as in analyze_tests().  A variant with a bad count on any day
    (missing, negative, clicks > impressions) is left out, as analyze_tests() does for totals.
    """
    if daily.empty:
        raise ValueError("no daily rows to analyse")
    df = daily.copy()
    if "test_id" not in df:
        df["test_id"] = ""
    df["test_id"] = df["test_id"].astype(str)
    df["variant"] = df["variant"].astype(str)
    df["date"] = pd.to_datetime(df["date"]).dt.normalize()
    imp, clk = _num(df, "impressions"), _num(df, "clicks")
    prepared, _ = _prepare(totals_from_daily(df), control, None)

    codes, test_ids = pd.factorize(prepared["test_id"], sort=False)
    pos = prepared.groupby(codes).cumcount().to_numpy()
    # daily row -> its arm, through integer pair codes (no per-row tuples)
    t_cats, v_cats = pd.Index(test_ids), pd.Index(prepared["variant"].unique())
    arm_key = _pair_codes(prepared["test_id"], prepared["variant"], t_cats, v_cats)
    row_key = _pair_codes(df["test_id"], df["variant"], t_cats, v_cats)
    by_key = np.argsort(arm_key)
    row_arm = by_key[np.searchsorted(arm_key[by_key], row_key)]
    bad = np.isnan(imp) | np.isnan(clk) | (imp < 0) | (clk < 0) | (clk > imp)
    used = prepared["valid"].to_numpy() & (np.bincount(row_arm[bad], minlength=len(pos)) == 0)

    dates = df["date"].to_numpy("datetime64[D]")
    row_test = codes[row_arm]
    first = np.full(len(test_ids), np.datetime64("9999-12-31", "D"))
    last = np.full(len(test_ids), np.datetime64("0001-01-01", "D"))
    np.minimum.at(first, row_test, dates)
    np.maximum.at(last, row_test, dates)
    length = (last - first).astype(int) + 1
    offset = (dates - first[row_test]).astype(int)

    shape = (len(test_ids), int(pos.max()) + 1, int(length.max()))
    flat = np.ravel_multi_index((row_test, pos[row_arm], offset), shape)
    size = int(np.prod(shape))
    ok = ~bad
    x = np.bincount(flat[ok], clk[ok], minlength=size).reshape(shape).cumsum(axis=-1)
    n = np.bincount(flat[ok], imp[ok], minlength=size).reshape(shape).cumsum(axis=-1)
    alive = np.zeros(shape[:2], dtype=bool)
    alive[codes, pos] = used
    alive = alive[..., None] & (np.arange(shape[2]) < length[:, None, None])
    x, n = np.where(alive, x, np.nan), np.where(alive, n, np.nan)
    res = sequential_cube(x, n, alpha, tau)
    res["x"], res["n"] = x, n

    end = (codes, pos, length[codes] - 1)
    dday = res["decision_day"][codes, pos]
    decided = dday >= 0
    at_dec = (codes, pos, np.maximum(dday, 0))
    decided_on = np.where(decided, first[codes] + np.maximum(dday, 0), np.datetime64("NaT"))
    summary = pd.DataFrame(
        {
            "test_id": prepared["test_id"].to_numpy(object),
            "variant": prepared["variant"].to_numpy(object),
            "is_control": prepared["is_control"].to_numpy(bool),
            "valid": used,
            "looked": res["looked"][end],
            "cum_impressions": n[end],
            "cum_clicks": x[end],
            "lift_rel": np.expm1(res["theta"][end]),
            "p_value": res["p_value"][end],
            "p_value_holm": res["p_value_holm"][end],
            "cs_low": res["cs_low"][end],
            "cs_high": res["cs_high"][end],
            "decision": _decision_text(res["decision"][end]),
            "decided_on": decided_on.astype("datetime64[us]"),
            "decided_day": pd.array(np.where(decided, dday + 1, np.nan), dtype="Int64"),
            "lift_decided": np.where(decided, np.expm1(res["theta"][at_dec]), np.nan),
            "days": length[codes],
        }
    )
    return SeqBatch(summary, alpha, tau, res, np.column_stack([codes, pos]), first, length)


def _day_text(v) -> str | None:
    return None if pd.isna(v) else pd.Timestamp(v).date().isoformat()


def sequential_verdict(seq: SeqBatch, test_id: str | None = None) -> dict:
    """The sequential verdict of one test (the only one in ``seq`` unless ``test_id``).

    Returns {"decision", "variant", "decided_on", "p_value", "lift_cs"} (the CLI's
    ``sequential`` object, see sequential_json) plus "status", "control", "lift_rel",
    "decided_day", "safe_to_stop", "days" and "variants": [{"variant", "decision",
    "decided_on", "decided_day", "lift_rel", "p_value", "lift_cs"}]; NaN -> None.

    * "winner": a variant was decided better; the headline is the one decided first (ties:
      the larger lift now).  Safe to stop and switch.
    * "loser": every variant was decided worse; the headline is the one decided last (that
      day the test was decided).  Safe to stop and keep the control.
    * "no_difference": nothing won and every variant not decided worse has a confidence
      sequence inside +-SEQ_EQUIVALENCE (5%): safe to stop, no difference worth switching for.
    * "continue": compared but undecided; the headline is the largest lift.  Not safe yet.
    * "not_enough_data": nothing compared yet (no arm pair past the first look's minimum).
    ``p_value`` is the headline's Holm-adjusted always-valid p-value, ``lift_cs`` its
    confidence sequence of the relative lift today ([None, None] before the first look).
    """
    v = seq.variants
    if test_id is not None:
        v = v.loc[v["test_id"] == test_id]
    if v["test_id"].nunique() != 1:
        raise ValueError("sequential_verdict() takes one test")
    ctl = v.loc[v["is_control"], "variant"]
    others = v.loc[~v["is_control"] & v["valid"]]
    looked = others.loc[others["looked"]]
    per_variant = [
        {
            "variant": r["variant"],
            "decision": None if pd.isna(r["decision"]) else r["decision"],
            "decided_on": _day_text(r["decided_on"]),
            "decided_day": _int_or_none(r["decided_day"]),
            "lift_rel": _json_value(r["lift_rel"]),
            "p_value": _json_value(r["p_value_holm"]),
            "lift_cs": [_json_value(r["cs_low"]), _json_value(r["cs_high"])],
        }
        for r in v.loc[~v["is_control"]].to_dict("records")
    ]
    winners = looked.loc[looked["decision"] == "winner"]
    losers = looked.loc[looked["decision"] == "loser"]
    rest = looked.loc[looked["decision"].isna()]
    equivalent = (rest["cs_low"] > -SEQ_EQUIVALENCE) & (rest["cs_high"] < SEQ_EQUIVALENCE)
    head = None
    if looked.empty:
        status = "not_enough_data"
    elif not winners.empty:
        status = "winner"
        head = winners.sort_values(
            ["decided_day", "lift_rel", "variant"], ascending=[True, False, True]
        ).iloc[0]
    elif len(losers) == len(looked):
        status = "loser"
        head = losers.sort_values(
            ["decided_day", "lift_rel", "variant"], ascending=[False, False, True]
        ).iloc[0]
    else:
        status = "no_difference" if bool(equivalent.all()) else "continue"
        head = rest.sort_values(["lift_rel", "variant"], ascending=[False, True]).iloc[0]
    decided = status in ("winner", "loser")
    return {
        "decision": status if decided else None,
        "variant": None if head is None else head["variant"],
        "decided_on": _day_text(head["decided_on"]) if decided else None,
        "p_value": None if head is None else _json_value(head["p_value_holm"]),
        "lift_cs": [None, None]
        if head is None
        else [_json_value(head["cs_low"]), _json_value(head["cs_high"])],
        "status": status,
        "control": None if ctl.empty else ctl.iloc[0],
        "lift_rel": None if head is None else _json_value(head["lift_rel"]),
        "decided_day": _int_or_none(head["decided_day"]) if decided else None,
        "safe_to_stop": status in ("winner", "loser", "no_difference"),
        "days": int(v["days"].iloc[0]),
        "variants": per_variant,
    }


SEQUENTIAL_JSON_KEYS = ("decision", "variant", "decided_on", "p_value", "lift_cs")


def sequential_json(verdict_: Mapping) -> dict:
    """The CLI's ``sequential`` object: {"decision": "winner" | "loser" | None, "variant",
    "decided_on": "YYYY-MM-DD" | None, "p_value", "lift_cs": [low, high]}."""
    return {k: verdict_[k] for k in SEQUENTIAL_JSON_KEYS}
