"""Forecast: intervals cover the truth at about their stated rate over many simulated
weekly-seasonal series, the seasonal-naive fallback, short history, promotions kept out
of the baseline, signals kept only when they help, and the CLI's answer."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner

from shopsight import forecast, workspace
from shopsight.cli import cli

WEEK = np.array([0.0, -8.0, -5.0, 2.0, 6.0, 14.0, 9.0])


def series(values, start="2026-09-01") -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype="float64"),
        index=pd.date_range(start, periods=len(values), freq="D"),
    )


def simulate(rng: np.random.Generator, n: int) -> np.ndarray:
    """ETS(A,N,A)-like: a level that wanders (α-sized steps), a weekly pattern, noise."""
    sigma = rng.uniform(3, 8)
    alpha = rng.uniform(0.05, 0.3)
    pattern = WEEK * rng.uniform(0.5, 2.0)
    level = 200 + rng.normal(0, 20)
    out = np.empty(n)
    for t in range(n):
        e = rng.normal(0, sigma)
        out[t] = level + pattern[t % 7] + e
        level += alpha * e
    return out


def test_intervals_cover_the_truth_at_their_stated_rates():
    """Both interval sources, the model's and the seasonal-naive baseline's, over many
    series: the share of the next 7 true values inside each band."""
    rng = np.random.default_rng(2026)
    hits = {(kind, level): [] for kind in ("ets", "naive") for level in forecast.LEVELS}
    n_series, history, horizon = 60, 63, 7
    for _ in range(n_series):
        y = simulate(rng, history + horizon)
        truth = y[history:]
        for kind, (mean, se) in (
            ("ets", forecast._ets(y[:history], horizon)[:2]),
            ("naive", forecast._seasonal_naive(y[:history], horizon)),
        ):
            band = forecast.bands(mean, se)
            for level in forecast.LEVELS:
                lo, hi = band[f"lo{level}"], band[f"hi{level}"]
                hits[(kind, level)].extend((truth >= lo) & (truth <= hi))
    cover = {k: float(np.mean(v)) for k, v in hits.items()}
    # 420 forecast days each; days of one series share their errors, so allow a few points
    for kind in ("ets", "naive"):
        assert 0.72 <= cover[(kind, 80)] <= 0.88, cover
        assert 0.90 <= cover[(kind, 95)] <= 0.985, cover


def test_forecast_points_are_the_chosen_model_with_its_bands():
    rng = np.random.default_rng(4)
    y = series(simulate(rng, 84))
    f = forecast.forecast(y, 7)
    assert f.model in (forecast.MODEL, forecast.BASELINE)
    mean, se = (
        forecast._ets(y.to_numpy(), 7)[:2]
        if f.model == forecast.MODEL
        else forecast._seasonal_naive(y.to_numpy(), 7)
    )
    band = forecast.bands(mean, se)
    for col in ("value", "lo80", "hi80", "lo95", "hi95"):
        assert f.points[col].to_numpy() == pytest.approx(band[col])
    assert f.points["date"].iloc[0].isoformat() == "2026-11-24"


def test_the_baseline_is_used_when_the_model_does_not_beat_it():
    rng = np.random.default_rng(1)
    week = rng.uniform(50, 150, 7)
    y = series(np.tile(week, 12))  # the same week again and again: seasonal naive is exact
    f = forecast.forecast(y, 7)
    assert f.model == forecast.BASELINE and not f.beats_baseline
    assert f.backtest.baseline_mape == pytest.approx(0.0)
    assert f.backtest.mape == f.backtest.baseline_mape
    assert f.backtest.model_mape is not None and f.backtest.model_mape >= 0
    assert f.points["value"].to_numpy() == pytest.approx(week[(84 + np.arange(7)) % 7])
    assert f.as_json()["model"] == "seasonal_naive"


def test_seasonal_naive_intervals_widen_by_week():
    rng = np.random.default_rng(3)
    y = series(simulate(rng, 70))
    mean, se = forecast._seasonal_naive(y.to_numpy(), 30)
    diffs = y.to_numpy()[7:] - y.to_numpy()[:-7]
    assert se[0] == pytest.approx(np.std(diffs, ddof=1))
    assert se[7] == pytest.approx(se[0] * np.sqrt(2)) and se[29] == pytest.approx(
        se[0] * np.sqrt(5)
    )
    assert mean[:7] == pytest.approx(y.to_numpy()[-7:]) and mean[7:14] == pytest.approx(mean[:7])


def test_short_history_is_refused():
    y = series(np.full(forecast.MIN_DAYS - 1, 100.0))
    with pytest.raises(forecast.ShortHistory) as e:
        forecast.forecast(y, 7)
    assert e.value.days == 55
    forecast.forecast(series(simulate(np.random.default_rng(0), forecast.MIN_DAYS)), 30)


def test_a_promotion_does_not_poison_the_baseline():
    rng = np.random.default_rng(11)
    base = simulate(rng, 84)
    y = series(base, start="2026-09-08")  # 2026-11-11 is day 64
    spiked = y.copy()
    spiked[pd.Timestamp("2026-11-11")] *= 6
    spiked[pd.Timestamp("2026-11-10")] *= 2.5
    f_plain, f_spiked = forecast.forecast(y, 30), forecast.forecast(spiked, 30)
    flagged = set(f_spiked.history.loc[f_spiked.history["is_promo"], "date"].astype(str))
    assert {"2026-11-10", "2026-11-11"} <= flagged
    assert len(flagged) <= 4
    assert f_spiked.points["value"].to_numpy() == pytest.approx(
        f_plain.points["value"].to_numpy(), rel=0.05
    )
    # the cleaned value is the median of the same weekday around it
    row = f_spiked.history.set_index(f_spiked.history["date"].astype(str)).loc["2026-11-11"]
    around = [
        y[d]
        for k in (-3, -2, -1, 1, 2, 3)
        if (d := pd.Timestamp("2026-11-11") + pd.Timedelta(days=7 * k)) in y.index
    ]
    assert row["baseline"] == pytest.approx(np.median(around))


def test_a_signal_is_kept_only_when_it_improves_the_backtest():
    rng = np.random.default_rng(5)
    n = 91
    cart = rng.uniform(100, 500, n + 7)  # 加购 swings from day to day
    y = 100 + 0.6 * cart[:n] + np.tile(WEEK, 13)[:n] + rng.normal(0, 3, n)  # cart 7 days earlier
    days = pd.date_range("2026-09-01", periods=n + 7, freq="D") - pd.Timedelta(days=7)
    signals = {
        "add_to_cart_buyers": pd.Series(cart, index=days),
        "favorite_buyers": pd.Series(rng.normal(100, 10, n + 7), index=days),
    }
    f = forecast.forecast(series(y), 7, signals=signals)
    assert f.signals["add_to_cart_buyers"] < f.backtest.baseline_mape
    assert f.model == "ets+add_to_cart_buyers"
    assert f.backtest.mape == pytest.approx(f.signals["add_to_cart_buyers"])
    plain = forecast.forecast(series(y), 7)
    assert f.backtest.mape < plain.backtest.mape
    # the rule itself: a signal that does not lower the MAPE is dropped
    only_noise = forecast.forecast(
        series(y), 7, signals={"favorite_buyers": signals["favorite_buyers"]}
    )
    kept = only_noise.signals["favorite_buyers"] < plain.backtest.model_mape
    assert (only_noise.model == "ets+favorite_buyers") == kept
    # a signal covering too few days is not tried
    sparse = forecast.forecast(
        series(y), 7, signals={"add_to_cart_buyers": signals["add_to_cart_buyers"][-20:]}
    )
    assert sparse.signals == {}


def test_daily_series_fills_missing_days():
    df = pd.DataFrame(
        {"day": [datetime(2026, 9, 1), datetime(2026, 9, 4)], "paid_amount": [5.0, 7.0]}
    )
    y = forecast.daily_series(df, "paid_amount")
    assert y.tolist() == [5.0, 0.0, 0.0, 7.0]
    assert len(forecast.daily_series(df, "paid_amount", end=datetime(2026, 9, 6).date())) == 6


def _orders(days: int) -> pa.Table:
    rng = np.random.default_rng(9)
    rows = []
    start = datetime(2026, 9, 1, 12)
    for d in range(days):
        for k in range(int(20 + WEEK[d % 7] + rng.integers(0, 5))):
            rows.append(
                {
                    "order_id": f"o{d}-{k}",
                    "order_time": start + timedelta(days=d),
                    "buyer_id": f"b{rng.integers(0, 400)}",
                    "paid_amount": float(rng.integers(50, 150)),
                }
            )
    return pa.Table.from_pylist(rows)


@pytest.mark.parametrize(("days", "horizon"), [(70, "7"), (70, "30"), (50, "7")])
def test_cli_forecast(data_dir, days, horizon):
    ws = workspace.open_workspace(f"fc{days}")
    con = ws.connect()
    try:
        workspace.write_dataset(ws, "orders", _orders(days), file="orders.csv", con=con)
    finally:
        con.close()
    result = CliRunner().invoke(
        cli,
        ["forecast", "--metric", "paying_buyers", "--days", horizon, "-w", str(ws.path), "--json"],
    )
    if days < forecast.MIN_DAYS:
        assert result.exit_code == 1
        assert "50 days of history" in result.output and "56" in result.output
        return
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"model", "backtest", "points"}
    assert set(out["backtest"]) == {"mape", "mae", "baseline_mape"}
    assert len(out["points"]) == int(horizon)
    assert (
        out["points"][0]["date"] == (datetime(2026, 9, 1) + timedelta(days=days)).date().isoformat()
    )
    for p in out["points"]:
        assert set(p) == {"date", "value", "lo80", "hi80", "lo95", "hi95"}
        assert 0 <= p["lo95"] <= p["lo80"] <= p["value"] <= p["hi80"] <= p["hi95"]


def test_fits_run_on_one_blas_thread(monkeypatch):
    """The fits' BLAS runs single-threaded (spinning OpenBLAS workers cost 5-7x the fit's
    CPU); the limit is lifted afterwards, and the forecast is the one without it."""
    import contextlib

    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    y = series(simulate(np.random.default_rng(3), 70))
    seen = []
    fit = forecast._ets

    def spy(values, horizon):
        seen.append(blas_threads())
        return fit(values, horizon)

    monkeypatch.setattr(forecast, "_ets", spy)
    with threadpool_limits(limits=2, user_api="blas"):
        fc = forecast.forecast(y, 7)
        assert seen and all(s == {1} for s in seen)
        assert blas_threads() == {2}
        seen.clear()
        monkeypatch.setattr(forecast, "threadpool_limits", lambda **_: contextlib.nullcontext())
        same = forecast.forecast(y, 7)
        assert seen and all(s == {2} for s in seen)
    assert same.model == fc.model
    np.testing.assert_array_equal(same.points.iloc[:, 1:], fc.points.iloc[:, 1:])
