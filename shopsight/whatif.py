"""What-if projections for the meeting panel: per-source baseline + levers -> scenario.

Metric definitions follow DESIGN §4: conversion = buyers / visitors, aov (客单价) = revenue /
buyers, uv_value (UV价值) = revenue / visitors, roi = revenue / spend; totals are sums, and
total ratios are recomputed from the summed parts, never averaged.

Levers, per source or for all sources (`Change`):
  traffic_pct     visitors x (1 + traffic_pct / 100)
  conversion_pts  conversion + conversion_pts / 100, clamped to [0, 1] (percentage points)
  aov_pct         aov x (1 + aov_pct / 100)
  spend_pct       spend x (1 + spend_pct / 100)

The scenario is computed as changes applied to the baseline counts (buyers = baseline buyers x
traffic factor + scenario visitors x conversion shift), so a zero change reproduces the
baseline exactly, not up to rounding. Edge cases:
  - a source with no visitors keeps no visitors whatever the traffic change (a percentage of
    nothing), and a conversion change has nobody to convert there; its buyers and revenue, if
    the data has any, only follow the traffic factor.
  - a source with visitors but no buyers has no aov of its own: buyers gained there by a
    conversion change are valued at the shop-wide aov (total revenue / total buyers).
  - spend 0 gives roi None (NaN in the frame); visitors 0 gives uv_value None.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from shopsight import metrics

BASELINE_COLUMNS = ("visitors", "paying_buyers", "paid_amount", "spend")


@dataclass(frozen=True)
class Change:
    """Scenario levers, in percent (10 = +10%) and, for conversion, in percentage points."""

    traffic_pct: float = 0.0
    conversion_pts: float = 0.0
    aov_pct: float = 0.0
    spend_pct: float = 0.0

    def __post_init__(self) -> None:
        for name in ("traffic_pct", "aov_pct", "spend_pct"):
            if getattr(self, name) < -100:
                raise ValueError(f"{name} below -100% would make a negative amount")


@dataclass(frozen=True)
class Projection:
    """by_source: one row per source (see COLUMNS); total: the same keys for the whole shop."""

    by_source: pd.DataFrame
    total: dict[str, float | None] = field(default_factory=dict)


# <metric>_base is the baseline, <metric> the scenario
COLUMNS = (
    "source",
    "visitors_base", "visitors",
    "buyers_base", "buyers",
    "conversion_base", "conversion",
    "aov_base", "aov",
    "revenue_base", "revenue",
    "spend_base", "spend",
    "roi_base", "roi",
    "uv_value_base", "uv_value",
    "revenue_change",
)  # fmt: skip


def _baseline(baseline: pd.DataFrame) -> pd.DataFrame:
    missing = {"source", "visitors", "paying_buyers", "paid_amount"} - set(baseline.columns)
    if missing:
        raise ValueError(f"baseline needs column(s): {', '.join(sorted(missing))}")
    cols = [c for c in BASELINE_COLUMNS if c in baseline.columns]
    summed = baseline.groupby("source", sort=False, dropna=False)[cols].sum(min_count=0)
    if "spend" not in summed:
        summed["spend"] = 0.0
    summed = summed.astype(float).fillna(0.0)
    if (summed < 0).any(axis=None):
        raise ValueError("baseline has negative visitors, buyers, amounts or spend")
    return summed


def _lever(changes: list[Change], name: str) -> np.ndarray:
    return np.array([getattr(c, name) for c in changes], dtype=float)


def project(
    baseline: pd.DataFrame,
    change: Change = Change(),
    per_source: Mapping[str, Change] | None = None,
) -> Projection:
    """Project the scenario; `per_source` replaces `change` (not adds to it) for those sources.

    `baseline` has columns source, visitors, paying_buyers, paid_amount and optionally spend;
    several rows per source (e.g. one per day) are summed first.
    """
    base = _baseline(baseline)
    per_source = dict(per_source or {})
    unknown = set(per_source) - set(base.index)
    if unknown:
        raise ValueError(f"no baseline for source(s): {', '.join(map(str, sorted(unknown)))}")
    changes = [per_source.get(s, change) for s in base.index]

    v0 = base["visitors"].to_numpy()
    b0 = base["paying_buyers"].to_numpy()
    r0 = base["paid_amount"].to_numpy()
    s0 = base["spend"].to_numpy()
    conv0, aov0 = metrics.ratios(b0, v0), metrics.ratios(r0, b0)
    shop_aov = metrics.ratio(r0.sum(), b0.sum()) or 0.0

    traffic = 1 + _lever(changes, "traffic_pct") / 100
    pts = _lever(changes, "conversion_pts") / 100
    aov_factor = 1 + _lever(changes, "aov_pct") / 100

    v1 = v0 * traffic
    # the conversion shift actually applied after clamping; exactly 0 when unchanged
    shift = np.where(
        (pts != 0) & (v0 > 0), np.clip(np.nan_to_num(conv0) + pts, 0, 1) - np.nan_to_num(conv0), 0
    )
    b1 = b0 * traffic + v1 * shift
    # revenue follows buyers at the source's aov; without baseline buyers there is no aov, so
    # gained buyers are valued at the shop's (and any recorded revenue follows the traffic)
    r1 = np.where(
        b0 > 0,
        r0 * metrics.ratios(b1, b0) * aov_factor,
        (r0 * traffic + b1 * shop_aov) * aov_factor,
    )
    s1 = s0 * (1 + _lever(changes, "spend_pct") / 100)

    frame = pd.DataFrame(
        {
            "source": base.index,
            "visitors_base": v0, "visitors": v1,
            "buyers_base": b0, "buyers": b1,
            "conversion_base": conv0, "conversion": metrics.ratios(b1, v1),
            "aov_base": aov0, "aov": metrics.ratios(r1, b1),
            "revenue_base": r0, "revenue": r1,
            "spend_base": s0, "spend": s1,
            "roi_base": metrics.ratios(r0, s0), "roi": metrics.ratios(r1, s1),
            "uv_value_base": metrics.ratios(r0, v0), "uv_value": metrics.ratios(r1, v1),
            "revenue_change": r1 - r0,
        }
    )  # fmt: skip
    return Projection(frame, _totals(frame))


def _totals(frame: pd.DataFrame) -> dict[str, float | None]:
    total: dict[str, float | None] = {}
    for suffix in ("_base", ""):
        v, b, r, s = (
            float(frame[f"{m}{suffix}"].sum()) for m in ("visitors", "buyers", "revenue", "spend")
        )
        total |= {
            f"visitors{suffix}": v,
            f"buyers{suffix}": b,
            f"conversion{suffix}": metrics.ratio(b, v),
            f"aov{suffix}": metrics.ratio(r, b),
            f"revenue{suffix}": r,
            f"spend{suffix}": s,
            f"roi{suffix}": metrics.ratio(r, s),
            f"uv_value{suffix}": metrics.ratio(r, v),
        }
    total["revenue_change"] = total["revenue"] - total["revenue_base"]
    return total


def waterfall(projection: Projection) -> pd.DataFrame:
    """Bars for a revenue waterfall: baseline total, each source's change, scenario total.

    Columns: label, kind ('total' | 'change'), amount, start, end (the bar spans start..end).
    """
    t = projection.total
    changes = projection.by_source[["source", "revenue_change"]]
    ends = t["revenue_base"] + changes["revenue_change"].cumsum()
    rows = [("baseline", "total", t["revenue_base"], 0.0, t["revenue_base"])]
    rows += [
        (source, "change", amount, end - amount, end)
        for source, amount, end in zip(
            changes["source"], changes["revenue_change"], ends, strict=True
        )
    ]
    rows.append(("scenario", "total", t["revenue"], 0.0, t["revenue"]))
    return pd.DataFrame(rows, columns=["label", "kind", "amount", "start", "end"])
