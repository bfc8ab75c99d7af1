"""The regions page's numbers: metric per province or city, shares, the colour scale of
the map, names that match no boundary, and whether the data is about China at all.

Region query rows (queries/regions_*.sql) carry the names as stored; here they are
normalised with shopsight.geo.names and each row gets a status:
  matched    a province (or a city of the drilled province) with a boundary: on the map;
  unmatched  a name that matches nothing (海外, a typo, a US state): in the table, listed;
  unknown    NULL / masked / 未知: one row, shown as 未知, never on the map.
Nothing is dropped: the table total is the total of every row.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shopsight import metrics
from shopsight.geo.names import (
    PROVINCES,
    SINGLE_CITY,
    cities_by_province,
    normalize_city,
    normalize_province,
)

LEVELS = ("province", "city")
MATCHED, UNMATCHED, UNKNOWN = "matched", "unmatched", "unknown"
# 占比: a page metric, not a shop metric (metrics.py): a region's share of the total of the
# metric shown (share_basis); as a map metric of its own, the share of the paid amount
SHARE = "share"
# Map metrics in menu order; each is offered when the data can give it.
MAP_METRICS = ("paid_amount", "paying_buyers", "orders", "visitors", "conversion", "aov", SHARE)
SUM_COLUMNS = (
    "count_lines",
    "count_rows",
    "count_city_lines",
    "orders",
    "units_sold",
    "paid_amount",
    "refund_amount",
    "visitors",
    "paying_buyers",
)
TOP_N = 5
# China when names that are provinces carry at least this share of the named paid amount.
CHINA_MIN_SHARE = 0.5

# ColorBrewer "Reds" (5 classes): light = low; red reads as "more" to Chinese operators.
RAMP = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
NO_DATA_COLOR = "#e6e6e6"
CHINA_BBOX = (73.5, 18.0, 135.1, 53.6)


def fmt_of(metric: str) -> str:
    """Number format of a map metric ("pct" for the share)."""
    return "pct" if metric == SHARE else metrics.get(metric).fmt


def is_additive(metric: str) -> bool:
    """Whether a metric adds up over regions (so "前 5 省占 x%" can be said of it)."""
    return metric != SHARE and not metrics.get(metric).is_ratio


def share_basis(metric: str) -> str:
    """The metric whose share the `share` column holds beside `metric`: the metric itself
    when it adds up over regions (支付买家数 -> each region's share of the buyers), else the
    paid amount (a rate or 客单价 has no share; the share as a map metric is the paid
    amount's). Only a map metric names a column (a value from the link is checked here)."""
    if metric not in MAP_METRICS:
        raise ValueError(f"metric must be one of {MAP_METRICS}, not {metric!r}")
    return metric if is_additive(metric) else "paid_amount"


def known_names(level: str, province: str | None = None) -> frozenset[str]:
    """Names with a boundary at the level (the cities of `province` at city level)."""
    if level == "province":
        return frozenset(PROVINCES)
    return frozenset(cities_by_province().get(province or "", ()))


def _normal_name(raw: object, level: str, province: str | None) -> str | None:
    if raw is None or (isinstance(raw, float) and math.isnan(raw)) or raw is pd.NA:
        return None
    if level == "province":
        return normalize_province(str(raw))
    return normalize_city(province, str(raw))


def normalise(df: pd.DataFrame, level: str, province: str | None = None) -> pd.DataFrame:
    """One row per normalised region name, with its status, from a region query's rows.

    Spellings that normalise to one name are added up (buyers too: a buyer stored under
    two spellings of one province would count twice, which ingest's normalising makes
    rare). Columns: name (None for the unknown row), status, and the sums present.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    raw = df["province"] if level == "province" else df["city"]
    names = [_normal_name(v, level, province) for v in raw]
    sums = [c for c in SUM_COLUMNS if c in df.columns]
    work = df[sums].apply(pd.to_numeric, errors="coerce").astype("float64")
    work["name"] = names
    out = work.groupby("name", dropna=False, sort=False)[sums].sum(min_count=1).reset_index()
    out["name"] = out["name"].astype(object).where(out["name"].notna(), None)
    known = known_names(level, province)
    out["status"] = [
        UNKNOWN if n is None else MATCHED if n in known else UNMATCHED for n in out["name"]
    ]
    return out[["name", "status", *sums]]


def add_metrics(df: pd.DataFrame, share_of: str = "paid_amount") -> pd.DataFrame:
    """Add the ratio metrics the sums allow, and `share`: each row's share of the total of
    share_basis(share_of) over all rows (unknown and unmatched included)."""
    names = [m for m in ("conversion", "aov", "refund_rate") if metrics.available(m, df.columns)]
    out = metrics.compute(df, names)
    basis = share_basis(share_of)
    if basis not in df.columns:
        out[SHARE] = np.nan
        return out
    values = pd.to_numeric(df[basis], errors="coerce").astype("float64")
    out[SHARE] = metrics.ratios(values, values.sum())
    return out


def available_metrics(df: pd.DataFrame) -> list[str]:
    """Map metrics with at least one value in the table, in menu order."""
    out = []
    for m in MAP_METRICS:
        if m == SHARE:
            ok = "paid_amount" in df.columns
        else:
            ok = metrics.available(m, df.columns) and m in _metric_columns(df)
        if ok:
            out.append(m)
    return out


def _metric_columns(df: pd.DataFrame) -> set[str]:
    have = set()
    for m in MAP_METRICS:
        if m == SHARE or not metrics.available(m, df.columns):
            continue
        inputs = metrics.get(m).inputs
        if all(pd.to_numeric(df[c], errors="coerce").notna().any() for c in inputs):
            have.add(m)
    return have


def with_compare(
    current: pd.DataFrame, previous: pd.DataFrame | None, names: Iterable[str]
) -> pd.DataFrame:
    """Add cmp_<metric> and change_<metric> (relative) for each metric, matched by name."""
    out = current.copy()
    for m in names:
        out[f"cmp_{m}"] = np.nan
        out[f"change_{m}"] = np.nan
    if previous is None or previous.empty:
        return out
    key = previous["name"].astype(object).where(previous["name"].notna(), None)
    prev = previous.assign(_key=key).set_index("_key")
    for m in names:
        if m not in prev.columns:
            continue
        before = pd.to_numeric(prev[m], errors="coerce").astype("float64")
        lookup = dict(zip(before.index, before.to_numpy(), strict=False))
        out[f"cmp_{m}"] = [lookup.get(n, np.nan) for n in out["name"]]
        now = pd.to_numeric(out[m], errors="coerce").astype("float64")
        was = out[f"cmp_{m}"].astype("float64")
        out[f"change_{m}"] = (now / was.where(was != 0)) - 1
    return out


def ranked(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Rows by the metric, largest first; the unknown row last; rank 1.. for named rows."""
    value = pd.to_numeric(df[metric], errors="coerce").astype("float64")
    out = df.assign(_v=value, _u=(df["status"] == UNKNOWN).astype(int))
    out = out.sort_values(
        ["_u", "_v", "name"], ascending=[True, False, True], na_position="last", kind="stable"
    ).drop(columns=["_v", "_u"])
    named = (out["status"] != UNKNOWN).to_numpy()
    out["rank"] = pd.array([i + 1 if named[i] else pd.NA for i in range(len(out))], dtype="Int64")
    return out.reset_index(drop=True)


def totals(df: pd.DataFrame) -> dict[str, float]:
    """Sums over every row (matched, unmatched and unknown): the table's total line."""
    return {
        c: float(pd.to_numeric(df[c], errors="coerce").sum())
        for c in SUM_COLUMNS
        if c in df.columns
    }


def map_totals(df: pd.DataFrame) -> dict[str, float]:
    """Sums over the rows drawn on the map (matched names only)."""
    return totals(df[df["status"] == MATCHED])


def top_share(df: pd.DataFrame, metric: str, n: int = TOP_N) -> tuple[int, float] | None:
    """(n, share of the total) held by the n largest named regions, for "前 5 省占 62%".

    The total includes unknown and unmatched rows. Ratio metrics do not add up over
    regions, so the paid amount stands in for them (share_basis: the same share the
    table's `share` column holds). None when there is no total.
    """
    column = share_basis(metric)
    value = pd.to_numeric(df[column], errors="coerce").astype("float64")
    total = value.sum()
    if not total or math.isnan(total):
        return None
    named = value[(df["status"] != UNKNOWN).to_numpy()].dropna().sort_values(ascending=False)
    if named.empty:
        return None
    k = min(n, len(named))
    return k, float(named.iloc[:k].sum() / total)


def unknown_totals(df: pd.DataFrame) -> tuple[float, float] | None:
    """(paid amount, share of the total) of the unknown row, or None when there is none."""
    rows = df[df["status"] == UNKNOWN]
    if rows.empty:
        return None
    paid = float(pd.to_numeric(rows["paid_amount"], errors="coerce").sum())
    total = totals(df).get("paid_amount") or 0
    return paid, (paid / total if total else float("nan"))


def count_named(df: pd.DataFrame) -> int:
    return int((df["status"] != UNKNOWN).sum())


def unmatched_names(df: pd.DataFrame) -> list[str]:
    """Names that match no boundary, largest paid amount first."""
    rows = df[df["status"] == UNMATCHED]
    rows = rows.sort_values("paid_amount", ascending=False, na_position="last", kind="stable")
    return [str(n) for n in rows["name"]]


def is_china(df: pd.DataFrame) -> bool:
    """Whether to draw the China map: names that are provinces carry at least
    CHINA_MIN_SHARE of the paid amount of named rows (row counts when nothing was paid).

    Shopify's US state codes are mostly not provinces, so such data gets a bar chart.
    No named rows at all: True (the map is the page's normal view).
    """
    named = df[df["status"] != UNKNOWN]
    if named.empty:
        return True
    weight = pd.to_numeric(named["paid_amount"], errors="coerce").fillna(0).clip(lower=0)
    if weight.sum() <= 0:
        weight = pd.Series(1.0, index=named.index)
    matched = weight[(named["status"] == MATCHED).to_numpy()].sum()
    return bool(matched / weight.sum() >= CHINA_MIN_SHARE)


def drillable(df: pd.DataFrame) -> list[str]:
    """Provinces of a province-level table that have city data and more than one city."""
    if "count_city_lines" not in df.columns:
        return []
    rows = df[
        (df["status"] == MATCHED)
        & (pd.to_numeric(df["count_city_lines"], errors="coerce").fillna(0) > 0)
    ]
    rows = rows.sort_values("paid_amount", ascending=False, na_position="last", kind="stable")
    return [n for n in rows["name"] if n not in SINGLE_CITY]


# ------------------------------------------------------------------------- colour scale


@dataclass(frozen=True)
class ColorScale:
    """Classes of values: class i holds values in (breaks[i-1], breaks[i]]."""

    breaks: tuple[float, ...]  # inner upper bounds, ascending; len = len(colors) - 1
    colors: tuple[str, ...]
    low: float
    high: float
    per_value: bool = False  # one class per distinct value (few values)

    def color(self, value: object) -> str:
        if value is None or pd.isna(value):
            return NO_DATA_COLOR
        return self.colors[bisect.bisect_left(self.breaks, float(value))]


def color_scale(values: Iterable[object], ramp: Sequence[str] = RAMP) -> ColorScale | None:
    """Quantile classes over the values (region sales are skewed: 广东 ≫ 西藏, so equal
    widths would paint almost every province the lightest colour). Fewer distinct values
    than colours give one class per value. None when there is no value."""
    v = np.array([float(x) for x in values if x is not None and not pd.isna(x)], dtype=float)
    if v.size == 0:
        return None
    distinct = np.unique(v)
    per_value = distinct.size <= len(ramp)
    if per_value:
        breaks = tuple(float(x) for x in distinct[:-1])
    else:
        qs = np.quantile(v, [i / len(ramp) for i in range(1, len(ramp))])
        breaks = tuple(sorted({float(x) for x in qs if distinct[0] <= x < distinct[-1]}))
    colors = _spread(ramp, len(breaks) + 1)
    return ColorScale(breaks, colors, float(distinct[0]), float(distinct[-1]), per_value)


def _spread(ramp: Sequence[str], n: int) -> tuple[str, ...]:
    """n colours picked evenly from the ramp, always ending on its darkest."""
    if n >= len(ramp):
        return tuple(ramp)
    if n == 1:
        return (ramp[-1],)
    step = (len(ramp) - 1) / (n - 1)
    return tuple(ramp[round(i * step)] for i in range(n))


def legend_stops(scale: ColorScale) -> list[tuple[str, float, float]]:
    """(colour, from, to) per class, low to high, for the legend beside the map."""
    if scale.per_value:
        values = [*scale.breaks, scale.high]
        return [(c, v, v) for c, v in zip(scale.colors, values, strict=True)]
    edges = [scale.low, *scale.breaks, scale.high]
    return [(scale.colors[i], edges[i], edges[i + 1]) for i in range(len(scale.colors))]


def rgba(color: str, alpha: int = 230) -> list[int]:
    """'#a50f15' -> [165, 15, 21, alpha] for pydeck."""
    h = color.lstrip("#")
    return [int(h[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


def view_for_bbox(
    bbox: Sequence[float], width: int = 720, height: int = 520, padding: float = 0.85
) -> dict[str, float]:
    """longitude, latitude, zoom that fit a (min_lon, min_lat, max_lon, max_lat) box in a
    width × height pixel map (Web Mercator, 512-px world at zoom 0, as deck.gl)."""
    min_lon, min_lat, max_lon, max_lat = bbox

    def merc_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    span_x = max(max_lon - min_lon, 1e-6) / 360
    span_y = max(merc_y(max_lat) - merc_y(min_lat), 1e-6) / (2 * math.pi)
    zoom = math.log2(min(width * padding / (512 * span_x), height * padding / (512 * span_y)))
    mid_y = (merc_y(max_lat) + merc_y(min_lat)) / 2
    lat = math.degrees(2 * math.atan(math.exp(mid_y)) - math.pi / 2)
    return {
        "longitude": round((min_lon + max_lon) / 2, 4),
        "latitude": round(lat, 4),
        "zoom": round(max(min(zoom, 9.0), 1.0), 2),
    }


# ------------------------------------------------------------------------- the page's table


@dataclass
class RegionTable:
    origin: str
    level: str  # "province" | "city"
    province: str | None
    rows: pd.DataFrame  # normalise + add_metrics + with_compare
    metrics: list[str]
    count_rows_left_out: int
    count_undated_rows: int
    share_of: str = "paid_amount"  # the metric the `share` column is a share of (share_basis)


# the datasets that can feed a region table (regions_sources lists which have rows)
ORIGIN_QUERIES = {"orders": "regions_orders", "regions": "regions_regions"}


def region_table(
    run: Callable[..., pd.DataFrame],
    origin: str,
    params: Mapping,
    compare_params: Mapping | None,
    province: str | None = None,
    metric: str = "paid_amount",
) -> RegionTable:
    """The region rows of queries/regions_<origin>.sql for a range (and its compare range, as
    cmp_*/change_*), `share` being each row's share of share_basis(metric), the metric
    shown. run(name, **params) runs a named query: ui.data.query on the Regions page,
    queries.run in the report, so both show the same figures."""
    level = "city" if province else "province"
    basis = share_basis(metric)
    raw = run(ORIGIN_QUERIES[origin], **params, province=province, undated=True)
    rows = add_metrics(normalise(raw, level, province), basis)
    names = available_metrics(rows)
    previous = None
    if compare_params is not None:
        before = run(ORIGIN_QUERIES[origin], **compare_params, province=province, undated=False)
        previous = add_metrics(normalise(before, level, province), basis)
    rows = with_compare(rows, previous, names)
    has_periods = "count_rows_left_out" in raw and len(raw)
    left_out = int(raw["count_rows_left_out"].max()) if has_periods else 0
    undated = int(raw["count_undated_rows"].sum()) if "count_undated_rows" in raw else 0
    return RegionTable(origin, level, province, rows, names, left_out, undated, basis)
