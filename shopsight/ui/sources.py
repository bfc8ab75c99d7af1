"""The Traffic sources page's data, tables and charts (the logic is shopsight.sources)."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from shopsight import metrics, numbers, sources
from shopsight.i18n import t
from shopsight.ui import charts, data, kpi, session
from shopsight.ui.filters import Filters

TREND_METRICS = ("visitors", "paying_buyers", "conversion", "paid_amount", "uv_value", "aov",
                 "spend", "roi")
TREND_LIMIT = 8  # lines on the trend chart: the sources with most visitors
TABLE_LIMIT = 50
GROUP_COLORS = {"paid": charts.CURRENT_COLOR, "free": "#3b7dd8"}


def rows(f: Filters) -> pd.DataFrame:
    return data.query("sources_by_source", **f.params())


def table(f: Filters) -> pd.DataFrame:
    """sources.table of the filters in force (changes vs the compare period when set)."""
    r = rows(f)
    if not f.compare:
        r = r.assign(**{c: pd.NA for c in r.columns if c.startswith("cmp_")})
    return sources.table(r[r["count_rows"] > 0].reset_index(drop=True))


def coverage() -> tuple[date, date] | None:
    """First and last day of the traffic broken down by source, whatever the filters; None
    when there is none (nothing loaded, or only shop totals with source 全部)."""
    b = data.query("date_bounds")
    b = b[(b["kind"] == "traffic") & (b["count_rows"] > 0)]
    if b.empty:
        return None
    first, last = (pd.Timestamp(b.iloc[0][c]).date() for c in ("first_day", "last_day"))
    r = data.query("sources_by_source", start=first, end=last, cmp_start=first, cmp_end=last,
                   src=None, dev=None)
    return (first, last) if (r["count_rows"] > 0).any() else None


def left_out(f: Filters) -> int:
    """Period rows overlapping the range but sticking out of it (not counted)."""
    return int(rows(f)["count_rows_left_out"].sum())


def daily(f: Filters, names: list[str]) -> pd.DataFrame:
    """Per day and source (only `names`), with every TREND_METRICS column."""
    df = data.query("sources_daily", **f.params())
    df = df[df["source"].isin(names)]
    return metrics.compute(df, [m for m in TREND_METRICS if metrics.available(m, df.columns)])


# ---------- tables

TABLE_COLUMNS = {  # column -> (header key, st.column_config format)
    "source": ("col.source", None),
    "group": ("sources.col_group", None),
    "visitors": ("metric.visitors", "%,.0f"),
    "visitor_share": ("sources.col_visitor_share", "%.2f%%"),
    "paying_buyers": ("metric.paying_buyers", "%,.0f"),
    "conversion": ("metric.conversion", "%.2f%%"),
    "aov": ("metric.aov", "¥%.2f"),
    "uv_value": ("metric.uv_value", "¥%.2f"),
    "paid_amount": ("metric.paid_amount", "¥%,.2f"),
    "spend": ("metric.spend", "¥%,.2f"),
    "cost_per_visitor": ("metric.cost_per_visitor", "¥%.2f"),
    "roi": ("metric.roi", "%.2f"),
}
CHANGE_COLUMNS = {
    "visitors_change": ("sources.col_visitors_change", "%+.1f%%"),
    "conversion_change": ("sources.col_conversion_change", "%+.2f pt"),
    "paid_amount_change": ("sources.col_amount_change", "%+.1f%%"),
    "uv_value_change": ("sources.col_uv_change", "%+.1f%%"),
}

PERCENT_COLUMNS = ("visitor_share", "conversion", "visitors_change", "conversion_change",
                   "paid_amount_change", "uv_value_change")


def display(tbl: pd.DataFrame, lang: str, *, compare: bool) -> tuple[pd.DataFrame, dict]:
    """The per-source table with translated headers (numbers stay numbers, so it sorts) and
    its column_config.  Conversion change is shown in points."""
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
        if c in PERCENT_COLUMNS:  # shown as 12.34% / +0.50 pt
            out[c] = out[c] * 100
    headers = {c: t(key, lang) for c, (key, _) in spec.items()}
    config = {headers[c]: st.column_config.NumberColumn(format=fmt)
              for c, (_, fmt) in spec.items() if fmt}
    return out.rename(columns=headers), config


def group_cards(g: pd.DataFrame, lang: str, *, compare: bool) -> None:
    """Paid vs free side by side: share of visitors and of paid amount, rates, ROI."""
    cols = st.columns(len(g))
    for col, r in zip(cols, g.to_dict("records"), strict=True):
        with col.container(border=True):
            name = t("sources.group_" + r["group"], lang)
            st.markdown(f"**{name}** · " + t("sources.group_count", lang, n=r["count_sources"]))
            st.caption(t("sources.group_shares", lang,
                         visitors=metrics.fmt("conversion", r["visitor_share"], lang),
                         amount=metrics.fmt("conversion", r["amount_share"], lang)))
            names = ["conversion", "uv_value"] + ([] if numbers.is_missing(r.get("roi")) else ["roi"])
            inner = st.columns(len(names))
            for c, name in zip(inner, names, strict=True):
                fmt = metrics.get(name).fmt
                change = sources.change_of(r[name], r.get(f"cmp_{name}"), fmt) if compare else None
                c.metric(metrics.label(name, lang), metrics.fmt(name, r[name], lang),
                         **kpi.delta_args(sources.change_text(change, fmt, lang),
                                          metrics.delta_color(name, session.colour_convention())))


# ---------- charts


def quadrant_chart(q: sources.Quadrant, lang: str) -> alt.Chart:
    """Visitors (log) vs conversion, bubble = paid amount, colour = paid/free, median rules."""
    df = q.frame.copy()
    for c in ("visitors", "conversion", "paid_amount"):
        df[c] = pd.to_numeric(df[c]).astype("float64")
    df["group_label"] = [t(f"sources.group_{g}", lang) for g in df["group"]]
    df["quadrant_label"] = [t(f"sources.quadrant_{x}", lang) for x in df["quadrant"]]
    v_title, c_title = metrics.label("visitors", lang), metrics.label("conversion", lang)
    a_title = metrics.label("paid_amount", lang)
    groups = [t(f"sources.group_{g}", lang) for g in sources.GROUPS]
    base = alt.Chart(df).encode(
        x=alt.X("visitors:Q", title=v_title, scale=alt.Scale(type="log"),
                axis=alt.Axis(format="~s")),
        y=alt.Y("conversion:Q", title=c_title, axis=alt.Axis(format=".1%")),
    )
    points = base.mark_circle(opacity=0.7, stroke="white", strokeWidth=1).encode(
        size=alt.Size("paid_amount:Q", title=a_title, scale=alt.Scale(range=[60, 2000]),
                      legend=None),
        color=alt.Color("group_label:N", title=None, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=groups, range=[GROUP_COLORS[g]
                                                              for g in sources.GROUPS])),
        tooltip=[alt.Tooltip("source:N", title=t("col.source", lang)),
                 alt.Tooltip("quadrant_label:N", title=" "),
                 alt.Tooltip("visitors:Q", title=v_title, format=",.0f"),
                 alt.Tooltip("conversion:Q", title=c_title, format=".2%"),
                 alt.Tooltip("paid_amount:Q", title=a_title, format=",.2f")],
    )
    labels = base.mark_text(align="left", dx=8, dy=-6, fontSize=11).encode(
        text=alt.Text("source:N"))
    # median lines; channel objects, not "field:Q" shorthands (those cost ~30 ms each)
    rules = alt.Chart(pd.DataFrame({"visitors": [q.median_visitors],
                                    "conversion": [q.median_conversion]}))
    vrule = rules.mark_rule(strokeDash=[4, 4], color=charts.COMPARE_COLOR).encode(
        x=alt.X("visitors:Q"))
    hrule = rules.mark_rule(strokeDash=[4, 4], color=charts.COMPARE_COLOR).encode(
        y=alt.Y("conversion:Q"))
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
            x=alt.X("day:T", title=t("col.date", lang), axis=alt.Axis(format="%m-%d")),
            y=alt.Y("value:Q", title=title, axis=alt.Axis(format=charts.AXIS_FORMATS[fmt])),
            color=alt.Color("source:N", title=None, sort=order,
                            legend=charts.top_legend(order, line=True)),
            tooltip=[alt.Tooltip("source:N", title=t("col.source", lang)),
                     alt.Tooltip("day:T", title=t("col.date", lang), format="%Y-%m-%d"),
                     alt.Tooltip("value:Q", title=title, format=charts.TOOLTIP_FORMATS[fmt])],
        )
        .properties(height=300)
    )
