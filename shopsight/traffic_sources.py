"""Traffic sources: the per-source table, paid vs free, the quadrant, plain-sentence findings.

Input is the frame of queries/sources_by_source.sql: one row per source with summed
visitors, add_to_cart_buyers, paying_buyers, paid_amount, spend for the range, and the same
sums prefixed `cmp_` for the compare range.  Rates come from shopsight.metrics (sums over
sums); changes vs the compare period are relative for counts and money, and in percentage
points for rates.

Paid or free (付费 / 免费), the rule:
  a source is paid when it had spend > 0 in the range or the compare range, or when its
  name is one of PAID_NAMES (Alimama ad products: 直通车, 引力魔方, 万相台, 淘宝客 and their
  predecessors 超级推荐, 钻石展位, 品销宝; the group name 付费流量), or contains 付费, or
  the word "paid" (Shopify's "Paid search", "Paid social").  Everything else is free.
  A paid source without a spend column still counts as paid; its 投入产出比 is then "—".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shopsight import metrics, numbers
from shopsight.i18n import t

PAID_NAMES = (
    "直通车",
    "引力魔方",
    "万相台",
    "淘宝客",
    "付费流量",
    "超级推荐",
    "钻石展位",
    "品销宝",
)
_PAID_WORDS = re.compile(r"付费|\bpaid\b", re.IGNORECASE)
GROUPS = ("paid", "free")
SUMS = ("visitors", "add_to_cart_buyers", "paying_buyers", "paid_amount", "spend")
RATES = ("conversion", "aov", "uv_value", "cost_per_visitor", "roi", "add_to_cart_rate")
QUADRANTS = ("star", "volume", "niche", "weak")

# Thresholds for the findings: small moves and small sources are noise to an operator.
MIN_CHANGE = 0.10  # relative change in visitors worth a sentence
MIN_POINTS = 0.005  # 0.5 percentage point of conversion
MIN_SHARE = 0.05  # share of visitors below which a source is not singled out
# "x 倍" only where it says something: "1.0 倍 the shop's" reads as no difference
TIMES_WORTH_SAYING = 1.1
FINDINGS_LIMIT = 5


def is_paid(source: str, spend: object = None, cmp_spend: object = None) -> bool:
    """The paid/free rule of this module's docstring."""
    for s in (spend, cmp_spend):
        if not numbers.is_missing(s) and float(s) > 0:  # type: ignore[arg-type]
            return True
    name = str(source).strip()
    return name in PAID_NAMES or bool(_PAID_WORDS.search(name))


def _numbers(rows: pd.DataFrame, name: str) -> np.ndarray:
    """A column as float64 with NaN for missing (all NaN when the column is absent)."""
    if name not in rows:
        return np.full(len(rows), np.nan)
    return pd.to_numeric(rows[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _total(a: np.ndarray) -> float:
    """Sum ignoring missing values; NaN when every value is missing."""
    return float("nan") if np.isnan(a).all() else float(np.nansum(a))


def table(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per source: sums, shares, rates, group (paid | free) and changes vs compare.

    Columns: source, group, visitors, visitor_share, add_to_cart_buyers, paying_buyers,
    paid_amount, amount_share, spend, the RATES, cmp_<sum> and cmp_<rate>, and
    visitors_change, paying_buyers_change, paid_amount_change, spend_change (relative),
    conversion_change, add_to_cart_rate_change (points, as a 0..1 difference),
    aov_change, uv_value_change, roi_change (relative).  Numbers are float64 with NaN for
    "no value".  Sorted by visitors, largest first.
    """
    now = {c: _numbers(rows, c) for c in SUMS}
    before = {c: _numbers(rows, f"cmp_{c}") for c in SUMS}
    for sums in (now, before):  # rates from the row's sums (metrics.py's definitions)
        for name in RATES:
            m = metrics.get(name)
            sums[name] = metrics.ratios(sums[m.numerator], sums[m.denominator])
    names = rows["source"].astype(str).tolist()
    cols: dict[str, object] = {
        "source": names,
        "group": [
            "paid" if is_paid(n, a, b) else "free"
            for n, a, b in zip(names, now["spend"], before["spend"], strict=True)
        ],
        **now,
        **{f"cmp_{c}": v for c, v in before.items()},
    }
    total_visitors, total_amount = _total(now["visitors"]), _total(now["paid_amount"])
    cols["visitor_share"] = metrics.ratios(now["visitors"], np.full(len(names), total_visitors))
    cols["amount_share"] = metrics.ratios(now["paid_amount"], np.full(len(names), total_amount))
    for c in ("visitors", "paying_buyers", "paid_amount", "spend", "aov", "uv_value", "roi"):
        cols[f"{c}_change"] = metrics.ratios(now[c], before[c]) - 1
    for c in ("conversion", "add_to_cart_rate"):
        cols[f"{c}_change"] = now[c] - before[c]
    out = pd.DataFrame(cols)
    out = out.sort_values(["visitors", "source"], ascending=[False, True], na_position="last")
    return out.reset_index(drop=True)


def _sums(tbl: pd.DataFrame, prefix: str = "", rows: np.ndarray | None = None) -> dict:
    """Sums over the sources (the `rows` mask, or all), with the spend rates over the
    sources with spend only (a paid source without a spend column would otherwise inflate
    投入产出比)."""
    cols = {c: tbl[f"{prefix}{c}"].to_numpy(dtype="float64", na_value=np.nan) for c in SUMS}
    if rows is not None:
        cols = {c: v[rows] for c, v in cols.items()}
    sums = {c: _total(v) for c, v in cols.items()}
    spent = np.nan_to_num(cols["spend"]) > 0
    sums["spend_visitors"] = _total(cols["visitors"][spent])
    sums["spend_paid_amount"] = _total(cols["paid_amount"][spent])
    return sums


def _rates_of(sums: dict) -> dict:
    out = {c: metrics.value(c, sums) for c in RATES}
    out.update(
        metrics.spend_rates(sums["spend"], sums["spend_paid_amount"], sums["spend_visitors"])
    )
    return out


def totals(tbl: pd.DataFrame) -> pd.Series:
    """The whole shop's sums and rates over the table (and the compare ones, cmp_)."""
    now, before = _sums(tbl), _sums(tbl, "cmp_")
    out = {**{c: now[c] for c in SUMS}, **{f"cmp_{c}": before[c] for c in SUMS}}
    out.update(_rates_of(now))
    out.update({f"cmp_{c}": v for c, v in _rates_of(before).items()})
    return pd.Series(out, dtype="object")


def groups(tbl: pd.DataFrame) -> pd.DataFrame:
    """Paid vs free: one row per group (paid first) with sums, shares, rates (cmp_ for the
    compare period), changes and the number of sources."""
    rows = []
    total = _sums(tbl)
    group = tbl["group"].to_numpy(dtype=object)
    for g in GROUPS:
        mask = group == g
        if not mask.any():
            continue
        now, before = _sums(tbl, rows=mask), _sums(tbl, "cmp_", rows=mask)
        row = {"group": g, "count_sources": int(mask.sum()), **{c: now[c] for c in SUMS}}
        row["visitor_share"] = metrics.ratio(now["visitors"], total["visitors"])
        row["amount_share"] = metrics.ratio(now["paid_amount"], total["paid_amount"])
        row.update(_rates_of(now))
        row.update({f"cmp_{c}": v for c, v in _rates_of(before).items()})
        row["visitors_change"] = numbers.change(now["visitors"], before["visitors"])
        row["paid_amount_change"] = numbers.change(now["paid_amount"], before["paid_amount"])
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Quadrant:
    frame: pd.DataFrame  # source, group, visitors, conversion, paid_amount, quadrant
    median_visitors: float | None
    median_conversion: float | None


def quadrant(tbl: pd.DataFrame) -> Quadrant:
    """Sources placed by visitors and conversion against the medians over sources.

    star = both at or above the median; volume = many visitors, conversion below the
    median (the weak spot: traffic that does not buy); niche = few visitors but converts
    (room to grow); weak = below both.  Sources without visitors are left out.
    """
    cols = ["source", "group", "visitors", "conversion", "paid_amount"]
    visitors = tbl["visitors"].to_numpy(dtype="float64", na_value=np.nan)
    conversion = tbl["conversion"].to_numpy(dtype="float64", na_value=np.nan)
    keep = (np.nan_to_num(visitors) > 0) & ~np.isnan(conversion)
    frame = tbl.loc[keep, cols].reset_index(drop=True)
    if frame.empty:
        return Quadrant(frame.assign(quadrant=pd.Series(dtype="object")), None, None)
    v, c = visitors[keep], conversion[keep]
    mv, mc = float(np.median(v)), float(np.median(c))
    frame["quadrant"] = [
        ("star" if hc else "volume") if hv else ("niche" if hc else "weak")
        for hv, hc in zip(v >= mv, c >= mc, strict=True)
    ]
    frame["paid_amount"] = frame["paid_amount"].fillna(0)
    return Quadrant(frame, mv, mc)


# ---------- findings: a few plain sentences from the numbers


@dataclass(frozen=True)
class Finding:
    key: str  # i18n key sources.finding_<kind>
    values: dict  # raw numbers; formatted per language by `sentence`
    weight: float  # how much money it concerns
    rank: int = 0  # 0 what changed, 1 money lost, 2 standing facts: shown in this order


def signed_pct(value: float, lang: str) -> str:
    """+32% / −18% (a true minus sign, as 生意参谋 prints it)."""
    text = f"{abs(value) * 100:.0f}%"
    return ("+" if value >= 0 else "−") + text


def signed_points(value: float, lang: str) -> str:
    """A 0..1 rate difference as percentage points: +0.5 / −1.2."""
    text = f"{abs(value) * 100:.1f}"
    return ("+" if value >= 0 else "−") + text


def _fmt(name: str, value: object, lang: str) -> str:
    if name.endswith("_pct"):
        return signed_pct(float(value), lang)  # type: ignore[arg-type]
    if name.endswith("_pts"):
        return signed_points(float(value), lang)  # type: ignore[arg-type]
    if name.endswith("_share") or name.endswith("_rate"):
        return numbers.fmt(value, "pct", lang)
    if name.endswith("_money"):
        return numbers.fmt(value, "money", lang)
    if name.endswith("_ratio"):
        return numbers.fmt(value, "ratio", lang)
    if name.endswith("_times"):
        return f"{float(value):.1f}"  # type: ignore[arg-type]
    return str(value)


def change_text(change: float | None, fmt: str, lang: str) -> str | None:
    """+0.50 pt for rates, +12.3% otherwise; None when there is no change to show."""
    if numbers.is_missing(change):
        return None
    if fmt == "pct":
        return numbers.fmt_signed(change, 2, " pt")
    return numbers.fmt_change(change, lang)


def sentence(f: Finding, lang: str) -> str:
    """The finding as one sentence in `lang` (placeholders named by their format)."""
    return t(f.key, lang, **{k: _fmt(k, v, lang) for k, v in f.values.items()})


def _num(v) -> float | None:
    return None if numbers.is_missing(v) else float(v)


def findings(tbl: pd.DataFrame, *, has_compare: bool) -> list[Finding]:
    """Every finding the numbers support: what changed vs the compare period first, then
    paid sources that lose money, then standing facts; most money first within each."""
    out: list[Finding] = []
    if tbl.empty:
        return out
    rows = [
        {k: (None if numbers.is_missing(v) else v) for k, v in r.items()}
        for r in tbl.to_dict("records")
    ]  # sorted by visitors, largest first
    shop_uv = _num(totals(tbl)["uv_value"])
    q = quadrant(tbl)
    quad = dict(zip(q.frame["source"], q.frame["quadrant"], strict=True))
    for r in rows:
        share, amount = r["visitor_share"] or 0.0, r["paid_amount"] or 0.0
        v_chg, c_chg = r["visitors_change"], r["conversion_change"]
        a_chg = r["paid_amount_change"] or 0.0
        if has_compare and v_chg is not None and c_chg is not None and share >= MIN_SHARE:
            # more visitors but each converts worse: the new traffic is not buying
            if v_chg >= MIN_CHANGE and c_chg <= -MIN_POINTS:
                out.append(
                    Finding(
                        "sources.finding_up_conv_down",
                        {"source": r["source"], "visitors_pct": v_chg, "conversion_pts": c_chg},
                        amount,
                    )
                )
            elif v_chg <= -MIN_CHANGE:
                out.append(
                    Finding(
                        "sources.finding_down",
                        {
                            "source": r["source"],
                            "visitors_pct": v_chg,
                            "visitor_share": share,
                            "amount_pct": a_chg,
                        },
                        amount,
                    )
                )
            elif c_chg >= MIN_POINTS:
                out.append(
                    Finding(
                        "sources.finding_conv_up",
                        {"source": r["source"], "conversion_pts": c_chg, "amount_pct": a_chg},
                        amount,
                    )
                )
        if r["roi"] is not None and r["spend"] and r["roi"] < 1:
            # a paid source that does not earn back its spend, even before costs of goods
            out.append(
                Finding(
                    "sources.finding_roi_loss",
                    {
                        "source": r["source"],
                        "roi_ratio": r["roi"],
                        "spend_money": r["spend"],
                        "amount_money": amount,
                    },
                    r["spend"],
                    1,
                )
            )
    volume = [
        r
        for r in rows
        if quad.get(r["source"]) == "volume" and (r["visitor_share"] or 0) >= MIN_SHARE
    ]
    if volume:
        r = volume[0]
        out.append(
            Finding(
                "sources.finding_volume_low_conv",
                {
                    "source": r["source"],
                    "visitor_share": r["visitor_share"],
                    "conversion_rate": r["conversion"],
                    "median_rate": q.median_conversion,
                },
                r["paid_amount"] or 0.0,
                2,
            )
        )
    ranked = [r for r in rows if (r["visitor_share"] or 0) >= MIN_SHARE and r["uv_value"]]
    if shop_uv and len(ranked) >= 2:
        best = max(ranked, key=lambda r: r["uv_value"])
        if best["uv_value"] >= TIMES_WORTH_SAYING * shop_uv:
            out.append(
                Finding(
                    "sources.finding_best_uv",
                    {
                        "source": best["source"],
                        "uv_money": best["uv_value"],
                        "shop_money": shop_uv,
                        "uv_times": best["uv_value"] / shop_uv,
                    },
                    best["paid_amount"] or 0.0,
                    2,
                )
            )
    by_group = {g["group"]: g for g in groups(tbl).to_dict("records")}
    if set(by_group) == set(GROUPS):
        p = by_group["paid"]
        values = {
            "visitor_share": _num(p["visitor_share"]) or 0.0,
            "amount_share": _num(p["amount_share"]) or 0.0,
        }
        key = "sources.finding_paid_share"
        if _num(p["roi"]) is not None:
            key = "sources.finding_paid_share_roi"
            values.update({"spend_money": _num(p["spend"]), "roi_ratio": _num(p["roi"])})
        out.append(Finding(key, values, _num(p["paid_amount"]) or 0.0, 2))
    return sorted(out, key=lambda f: (f.rank, -f.weight))


def insights(
    tbl: pd.DataFrame, lang: str, *, has_compare: bool, limit: int = FINDINGS_LIMIT
) -> list[str]:
    """Up to `limit` plain sentences about the sources (in the order of `findings`)."""
    return [sentence(f, lang) for f in findings(tbl, has_compare=has_compare)[:limit]]


# ---------- what-if summary

SCENARIO_METRICS = (
    "visitors",
    "paying_buyers",
    "conversion",
    "aov",
    "paid_amount",
    "spend",
    "roi",
    "uv_value",
)
_PROJECTION_NAMES = {"paying_buyers": "buyers", "paid_amount": "revenue"}


def scenario_summary(projection) -> pd.DataFrame:
    """Baseline vs scenario for the whole shop from a whatif.Projection.

    One row per SCENARIO_METRICS: metric, fmt, baseline, scenario, change (relative; for
    rates the difference, i.e. points as a 0..1 number).  投入产出比 is over the sources
    with spend only (as on the Overview), not the shop's whole revenue over the spend.
    """
    total = projection.total
    frame = projection.by_source
    paid = frame[(frame["spend_base"] > 0) | (frame["spend"] > 0)]
    rows = []
    for name in SCENARIO_METRICS:
        key = _PROJECTION_NAMES.get(name, name)
        if name == "roi":
            before = metrics.spend_rates(paid["spend_base"].sum(), paid["revenue_base"].sum())[
                "roi"
            ]
            after = metrics.spend_rates(paid["spend"].sum(), paid["revenue"].sum())["roi"]
        else:
            before, after = _num(total[f"{key}_base"]), _num(total[key])
        fmt = metrics.get(name).fmt
        rows.append(
            {
                "metric": name,
                "fmt": fmt,
                "baseline": before,
                "scenario": after,
                "change": metrics.change(name, after, before),
            }
        )
    return pd.DataFrame(rows)
