"""Streamlit glue for the Inquiries page (询盘分析): the cached load, the charts, the province
map (the Regions page's boundaries, colour scale and deck) and the tables as shown."""

from __future__ import annotations

import html

import altair as alt
import pandas as pd

from shopsight import inquiry_analysis, metrics, numbers, region_metrics
from shopsight.i18n import t
from shopsight.ui import charts, query_cache, tables
from shopsight.ui import regions_page as region_view
from shopsight.ui.filters import Filters

TABLE_LIMIT = 200  # open inquiries shown; the download has them all
CHANNEL_LIMIT = 8  # channels drawn on the daily chart; the rest are added up as 其他


def has_rows() -> bool:
    b = query_cache.query("date_bounds")
    return bool((b.loc[b["kind"] == "inquiries", "count_rows"] > 0).any())


def coverage() -> tuple[str, str] | None:
    b = query_cache.query("date_bounds")
    b = b[(b["kind"] == "inquiries") & (b["count_rows"] > 0)]
    if b.empty:
        return None
    return str(pd.Timestamp(b["first_day"].iloc[0]).date()), str(
        pd.Timestamp(b["last_day"].iloc[0]).date()
    )


def load(f: Filters) -> inquiry_analysis.Inquiries:
    return inquiry_analysis.load(query_cache.query, f.params(), f.compare_params())


# ------------------------------------------------------------------------------ charts


def daily_chart(daily: pd.DataFrame, lang: str) -> alt.Chart:
    """Stacked columns: inquiries per day by channel (the smaller channels as one)."""
    frame = daily.assign(channel=[inquiry_analysis.value_label(c, lang) for c in daily["channel"]])
    top = (
        frame.groupby("channel")["count_inquiries"]
        .sum()
        .sort_values(ascending=False)
        .index[:CHANNEL_LIMIT]
        .tolist()
    )
    other = t("inq.other", lang)
    frame["channel"] = frame["channel"].where(frame["channel"].isin(top), other)
    frame = frame.groupby(["day", "channel"], as_index=False)["count_inquiries"].sum()
    frame["day"] = pd.to_datetime(frame["day"])
    title_day, title_n = t("col.date", lang), metrics.label("inquiries", lang)
    title_channel = t("inq.col_channel", lang)
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("yearmonthdate(day):T", title=title_day, axis=charts.day_axis()),
            y=alt.Y("sum(count_inquiries):Q", title=title_n),
            color=alt.Color(
                "channel:N", title=title_channel, sort=top, legend=charts.top_legend([*top, other])
            ),
            tooltip=[
                alt.Tooltip("yearmonthdate(day):T", title=title_day, format="%Y-%m-%d"),
                alt.Tooltip("channel:N", title=title_channel),
                alt.Tooltip("sum(count_inquiries):Q", title=title_n),
            ],
        )
        .properties(height=260)
    )


def rate_bars(rows: pd.DataFrame, lang: str, title: str) -> alt.Chart:
    """Close rate per group as bars, the inquiry count in the label; small groups faded."""
    frame = pd.DataFrame(
        {
            "name": [inquiry_analysis.value_label(v, lang) for v in rows["value"]],
            "rate": pd.to_numeric(rows["close_rate"], errors="coerce").astype("float64"),
            "count": pd.to_numeric(rows["count_inquiries"]).astype("int64"),
            "closed": pd.to_numeric(rows["count_closed"]).astype("int64"),
            "small": rows["is_small"].astype(bool),
        }
    )
    frame["label"] = [
        t("inq.rate_label", lang, rate=metrics.fmt("close_rate", r, lang), n=n)
        for r, n in zip(frame["rate"], frame["count"], strict=True)
    ]
    rate_title = metrics.label("close_rate", lang)
    base = alt.Chart(frame).encode(y=alt.Y("name:N", sort=frame["name"].tolist(), title=title))
    bars = base.mark_bar(color=charts.CURRENT_COLOR).encode(
        x=alt.X(
            "rate:Q", title=rate_title, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])
        ),
        opacity=alt.condition(alt.datum.small, alt.value(0.4), alt.value(1.0)),
        tooltip=[
            alt.Tooltip("name:N", title=title),
            alt.Tooltip("rate:Q", title=rate_title, format=".1%"),
            alt.Tooltip("closed:Q", title=metrics.label("closed_inquiries", lang)),
            alt.Tooltip("count:Q", title=metrics.label("inquiries", lang)),
        ],
    )
    text = base.mark_text(align="left", dx=4, fontSize=11).encode(x="rate:Q", text="label:N")
    return (bars + text).properties(height=alt.Step(24))


def pareto_chart(reasons: pd.DataFrame, lang: str) -> alt.Chart:
    """Bars of inquiries per reason, most first, and the cumulative share as a line."""
    frame = pd.DataFrame(
        {
            "reason": [inquiry_analysis.value_label(r, lang) for r in reasons["reason"]],
            "count": pd.to_numeric(reasons["count_inquiries"]).astype("int64"),
            "cum": pd.to_numeric(reasons["cum_share"]).astype("float64"),
        }
    )
    order = frame["reason"].tolist()
    title_r, title_n = t("inq.col_reason", lang), metrics.label("inquiries", lang)
    title_cum = t("inq.cum_share", lang)
    base = alt.Chart(frame).encode(
        x=alt.X("reason:N", sort=order, title=title_r, axis=alt.Axis(labelAngle=-30))
    )
    bars = base.mark_bar(color=charts.CURRENT_COLOR).encode(
        y=alt.Y("count:Q", title=title_n),
        tooltip=[
            alt.Tooltip("reason:N", title=title_r),
            alt.Tooltip("count:Q", title=title_n),
            alt.Tooltip("cum:Q", title=title_cum, format=".1%"),
        ],
    )
    line = base.mark_line(color="#333333", point=True).encode(
        y=alt.Y(
            "cum:Q", title=title_cum, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])
        )
    )
    return alt.layer(bars, line).resolve_scale(y="independent").properties(height=280)


def customers_chart(weekly: pd.DataFrame, lang: str) -> alt.Chart:
    """New and returning inquiry customers per week, stacked."""
    new, back = t("inq.new_customers", lang), t("inq.returning_customers", lang)
    frame = pd.concat(
        [
            pd.DataFrame({"week": weekly["week_start"], "kind": new, "count": weekly["count_new"]}),
            pd.DataFrame(
                {"week": weekly["week_start"], "kind": back, "count": weekly["count_returning"]}
            ),
        ],
        ignore_index=True,
    )
    frame["week"] = pd.to_datetime(frame["week"])
    title_w = t("inq.week", lang)
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "yearmonthdate(week):T",
                title=title_w,
                axis=charts.period_axis(frame["week"], "%m-%d"),
            ),
            y=alt.Y("sum(count):Q", title=t("inq.customers", lang)),
            color=alt.Color(
                "kind:N",
                title=None,
                sort=[new, back],
                scale=alt.Scale(domain=[new, back], range=[charts.CURRENT_COLOR, "#3b7dd8"]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("yearmonthdate(week):T", title=title_w, format="%Y-%m-%d"),
                alt.Tooltip("kind:N", title=" "),
                alt.Tooltip("sum(count):Q", title=" "),
            ],
        )
        .properties(height=240)
    )


# ------------------------------------------------------------------------------ map


def province_deck(groups: pd.DataFrame, lang: str):
    """The province choropleth of inquiry counts, drawn with the Regions page's deck code;
    returns (deck, colour scale) or (None, None) when no province can be placed."""
    rows = inquiry_analysis.province_rows(groups)
    known = region_metrics.known_names("province")
    placed = rows[rows["name"].isin(known)].set_index("name")
    if placed.empty:
        return None, None
    scale = region_metrics.color_scale(placed["count_inquiries"])
    features = {}
    for name in known:
        has = name in placed.index
        count = placed.at[name, "count_inquiries"] if has else None
        rate = placed.at[name, "close_rate"] if has else None
        color = scale.color(count) if scale is not None else region_metrics.NO_DATA_COLOR
        features[name] = {
            "fill": region_metrics.rgba(color),
            "value_text": metrics.fmt("inquiries", count, lang),
            "rate_text": metrics.fmt("close_rate", rate, lang),
        }
    tip = "<br/>".join(
        [
            "<b>{name}</b>",
            html.escape(metrics.label("inquiries", lang)) + ": {value_text}",
            html.escape(metrics.label("close_rate", lang)) + ": {rate_text}",
        ]
    )
    return region_view.province_deck(features, tip), scale


def unplaced(groups: pd.DataFrame) -> int:
    """Inquiries whose province is missing or matches no boundary (in tables, not on the map)."""
    rows = inquiry_analysis.province_rows(groups)
    known = region_metrics.known_names("province")
    return int(rows.loc[~rows["name"].isin(known), "count_inquiries"].sum())


# ------------------------------------------------------------------------------ tables


def rate_table(rows: pd.DataFrame, title: str, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            title: [inquiry_analysis.value_label(v, lang) for v in rows["value"]],
            metrics.label("inquiries", lang): pd.to_numeric(rows["count_inquiries"]).astype(
                "int64"
            ),
            metrics.label("closed_inquiries", lang): pd.to_numeric(rows["count_closed"]).astype(
                "int64"
            ),
            metrics.label("close_rate", lang): numbers.grid_round(
                pd.to_numeric(rows["close_rate"], errors="coerce").astype("float64"), "pct"
            ),
            metrics.label("deal_amount", lang): pd.to_numeric(
                rows["amount"], errors="coerce"
            ).astype("float64"),
        }
    )


def rate_glance(lang: str) -> list[str]:
    """rate_table's number columns read at a glance where room is short (beside a map)."""
    return [metrics.label(m, lang) for m in ("inquiries", "close_rate", "deal_amount")]


def rate_config(lang: str, title: str | None = None) -> dict:
    """The grid formats of rate_table (`title`: its first column, pinned)."""
    return {
        **({title: tables.key()} if title else {}),
        metrics.label("inquiries", lang): tables.number("int"),
        metrics.label("closed_inquiries", lang): tables.number("int"),
        metrics.label("close_rate", lang): tables.number(
            "pct", help=metrics.help_text("close_rate", lang)
        ),
        metrics.label("deal_amount", lang): tables.number("money"),
    }


OPEN_COLUMNS = (
    "date",
    "age_days",
    "customer_id",
    "customer_type",
    "channel",
    "province",
    "follow_up",
    "reason_not_closed",
)


def open_table(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Open inquiries as shown and downloaded: translated headers, values as text."""
    out = pd.DataFrame({t(f"inq.open_{c}", lang): rows[c] for c in OPEN_COLUMNS})
    out[t("inq.open_date", lang)] = [str(pd.Timestamp(d).date()) for d in rows["date"]]
    return out.fillna(numbers.NONE)
