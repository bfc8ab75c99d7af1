"""The Traffic sources page's data, tables and charts (the logic is shopsight.traffic_sources)."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from shopsight import metrics, numbers, traffic_sources
from shopsight.i18n import t
from shopsight.ui import charts, kpi_cards, query_cache, session, tables
from shopsight.ui.filters import Filters

TREND_METRICS = (
    "visitors",
    "paying_buyers",
    "conversion",
    "paid_amount",
    "uv_value",
    "aov",
    "spend",
    "roi",
)
TREND_LIMIT = 8  # lines on the trend chart: the sources with most visitors
TABLE_LIMIT = 50
GROUP_COLORS = {"paid": charts.CURRENT_COLOR, "free": "#3b7dd8"}


def rows(f: Filters) -> pd.DataFrame:
    return query_cache.query("sources_by_source", **f.params())


def table(f: Filters) -> pd.DataFrame:
    """sources.table of the filters in force (changes vs the compare period when set)."""
    r = rows(f)
    if not f.compare:
        r = r.assign(**{c: pd.NA for c in r.columns if c.startswith("cmp_")})
    return traffic_sources.table(r[r["count_rows"] > 0].reset_index(drop=True))


def coverage() -> tuple[date, date] | None:
    """First and last day of the traffic broken down by source, whatever the filters; None
    when there is none (nothing loaded, or only shop totals with source 全部)."""
    b = query_cache.query("date_bounds")
    b = b[(b["kind"] == "traffic") & (b["count_rows"] > 0)]
    if b.empty:
        return None
    first, last = (pd.Timestamp(b.iloc[0][c]).date() for c in ("first_day", "last_day"))
    r = query_cache.query(
        "sources_by_source",
        start=first,
        end=last,
        cmp_start=first,
        cmp_end=last,
        src=None,
        dev=None,
    )
    return (first, last) if (r["count_rows"] > 0).any() else None


def left_out(f: Filters) -> int:
    """Period rows overlapping the range but sticking out of it (not counted)."""
    return int(rows(f)["count_rows_left_out"].sum())


def daily(f: Filters, names: list[str]) -> pd.DataFrame:
    """Per day and source (only `names`), with every TREND_METRICS column."""
    df = query_cache.query("sources_daily", **f.params())
    df = df[df["source"].isin(names)]
    return metrics.compute(df, [m for m in TREND_METRICS if metrics.available(m, df.columns)])


# ---------- tables

TABLE_COLUMNS = {  # column -> (header key, number kind of numbers.column_format)
    "source": ("col.source", None),
    "group": ("sources.col_group", None),
    "visitors": ("metric.visitors", "int"),
    "visitor_share": ("sources.col_visitor_share", "pct_x100"),
    "paying_buyers": ("metric.paying_buyers", "int"),
    "conversion": ("metric.conversion", "pct_x100"),
    "aov": ("metric.aov", "money"),
    "uv_value": ("metric.uv_value", "money"),
    "paid_amount": ("metric.paid_amount", "money"),
    "spend": ("metric.spend", "money"),
    "cost_per_visitor": ("metric.cost_per_visitor", "money"),
    "roi": ("metric.roi", "ratio"),
}
CHANGE_COLUMNS = {  # relative changes in percent, conversion's in percentage points
    "visitors_change": ("sources.col_visitors_change", "change_x100"),
    "conversion_change": ("sources.col_conversion_change", "points"),
    "paid_amount_change": ("sources.col_amount_change", "change_x100"),
    "uv_value_change": ("sources.col_uv_change", "change_x100"),
}
# what an owner reads at a glance; the toggle above the table shows the rest
GLANCE = (
    "source",
    "group",
    "visitors",
    "conversion",
    "paid_amount",
    "uv_value",
    "roi",
    "visitors_change",
    "paid_amount_change",
)
_SHORT = {"roi": "sources.col_roi_short", "uv_value": "sources.col_uv_short"}
_HELP = {
    "visitor_share": "sources.col_visitor_share_help",
    "conversion_change": "sources.col_conversion_change_help",
}


def display(
    tbl: pd.DataFrame, lang: str, *, compare: bool, everything: bool = True
) -> tuple[pd.DataFrame, dict, list[str]]:
    """The per-source table with translated headers (numbers stay numbers, so it sorts), its
    column_config and the column order shown (`everything` False: the GLANCE columns)."""
    spec = dict(TABLE_COLUMNS)
    if not tbl["spend"].notna().any():
        for c in ("spend", "cost_per_visitor", "roi"):
            spec.pop(c)
    if compare:
        spec.update(CHANGE_COLUMNS)
    out = tbl[list(spec)].head(TABLE_LIMIT).copy()
    out["group"] = [t(f"sources.group_{g}", lang) for g in out["group"]]
    for c in out.columns[2:]:
        out[c] = pd.to_numeric(out[c]).astype("float64")
        if spec[c][1] in ("pct_x100", "change_x100", "points"):  # 12.34% / +12.3% / +0.50 pt
            out[c] = out[c] * 100
    headers = {c: t(key, lang) for c, (key, _) in spec.items()}
    config: dict = {headers["source"]: tables.key()}
    for c, (_, kind) in spec.items():
        help_ = (
            t(_HELP[c], lang)
            if c in _HELP
            else metrics.help_text(c, lang)
            if c in metrics.METRICS
            else None
        )
        if kind is not None:
            label = t(_SHORT[c], lang) if c in _SHORT else None  # the long name is in help
            config[headers[c]] = tables.number(kind, label, help=help_)
    order = [headers[c] for c in spec if everything or c in GLANCE]
    return out.rename(columns=headers), config, order


def group_cards(g: pd.DataFrame, lang: str, *, compare: bool) -> None:
    """Paid vs free side by side: share of visitors and of paid amount, rates, ROI."""
    cols = st.columns(len(g))
    for col, r in zip(cols, g.to_dict("records"), strict=True):
        with col.container(border=True):
            name = t("sources.group_" + r["group"], lang)
            st.markdown(f"**{name}** · " + t("sources.group_count", lang, n=r["count_sources"]))
            st.caption(
                t(
                    "sources.group_shares",
                    lang,
                    visitors=metrics.fmt("conversion", r["visitor_share"], lang),
                    amount=metrics.fmt("conversion", r["amount_share"], lang),
                )
            )
            names = ["conversion", "uv_value"] + (
                [] if numbers.is_missing(r.get("roi")) else ["roi"]
            )
            inner = st.columns(len(names))
            for c, name in zip(inner, names, strict=True):
                fmt = metrics.get(name).fmt
                change = metrics.change(name, r[name], r.get(f"cmp_{name}")) if compare else None
                c.metric(
                    metrics.label(name, lang),
                    metrics.fmt(name, r[name], lang),
                    **kpi_cards.delta_args(
                        traffic_sources.change_text(change, fmt, lang),
                        metrics.delta_color(name, session.colour_convention()),
                    ),
                )


# ---------- charts


def quadrant_chart(q: traffic_sources.Quadrant, lang: str) -> alt.Chart:
    """Visitors (log) vs conversion, bubble = paid amount, colour = paid/free, median rules."""
    df = q.frame.copy()
    for c in ("visitors", "conversion", "paid_amount"):
        df[c] = pd.to_numeric(df[c]).astype("float64")
    df["group_label"] = [t(f"sources.group_{g}", lang) for g in df["group"]]
    df["quadrant_label"] = [t(f"sources.quadrant_{x}", lang) for x in df["quadrant"]]
    v_title, c_title = metrics.label("visitors", lang), metrics.label("conversion", lang)
    a_title = metrics.label("paid_amount", lang)
    groups = [t(f"sources.group_{g}", lang) for g in traffic_sources.GROUPS]
    base = alt.Chart(df).encode(
        x=alt.X(
            "visitors:Q", title=v_title, scale=alt.Scale(type="log"), axis=alt.Axis(format="~s")
        ),
        y=alt.Y("conversion:Q", title=c_title, axis=alt.Axis(format=".1%")),
    )
    points = base.mark_circle(opacity=0.7, stroke="white", strokeWidth=1).encode(
        size=alt.Size(
            "paid_amount:Q", title=a_title, scale=alt.Scale(range=[60, 2000]), legend=None
        ),
        color=alt.Color(
            "group_label:N",
            title=None,
            legend=alt.Legend(orient="top"),
            scale=alt.Scale(domain=groups, range=[GROUP_COLORS[g] for g in traffic_sources.GROUPS]),
        ),
        tooltip=[
            alt.Tooltip("source:N", title=t("col.source", lang)),
            alt.Tooltip("quadrant_label:N", title=" "),
            alt.Tooltip("visitors:Q", title=v_title, format=",.0f"),
            alt.Tooltip("conversion:Q", title=c_title, format=".2%"),
            alt.Tooltip("paid_amount:Q", title=a_title, format=",.2f"),
        ],
    )
    labels = base.mark_text(align="left", dx=8, dy=-6, fontSize=11).encode(
        text=alt.Text("source:N")
    )
    # median lines; channel objects, not "field:Q" shorthands (those cost ~30 ms each)
    rules = alt.Chart(
        pd.DataFrame({"visitors": [q.median_visitors], "conversion": [q.median_conversion]})
    )
    vrule = rules.mark_rule(strokeDash=[4, 4], color=charts.COMPARE_COLOR).encode(
        x=alt.X("visitors:Q")
    )
    hrule = rules.mark_rule(strokeDash=[4, 4], color=charts.COMPARE_COLOR).encode(
        y=alt.Y("conversion:Q")
    )
    return alt.layer(points, labels, vrule, hrule).properties(height=380)


def trend_chart(df: pd.DataFrame, metric: str, lang: str, order: list[str]) -> alt.Chart:
    fmt = metrics.get(metric).fmt
    frame = df[["day", "source", metric]].rename(columns={metric: "value"})
    frame["value"] = pd.to_numeric(frame["value"]).astype("float64")
    frame["day"] = pd.to_datetime(frame["day"])
    title = metrics.label(metric, lang)
    return (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=14))
        .encode(
            x=alt.X("day:T", title=t("col.date", lang), axis=charts.day_axis()),
            y=alt.Y("value:Q", title=title, axis=alt.Axis(format=charts.AXIS_FORMATS[fmt])),
            color=alt.Color(
                "source:N", title=None, sort=order, legend=charts.top_legend(order, line=True)
            ),
            tooltip=[
                alt.Tooltip("source:N", title=t("col.source", lang)),
                alt.Tooltip("day:T", title=t("col.date", lang), format="%Y-%m-%d"),
                alt.Tooltip("value:Q", title=title, format=charts.TOOLTIP_FORMATS[fmt]),
            ],
        )
        .properties(height=300)
    )
