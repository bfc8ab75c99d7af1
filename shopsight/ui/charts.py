"""Shared Altair charts.  They take small pre-aggregated frames, never raw rows.

Axis formats follow the metric format: int, money (¥), pct, ratio.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import altair as alt
import pandas as pd
import streamlit as st

from shopsight import periods, text_width
from shopsight.i18n import t
from shopsight.ui import session

AXIS_FORMATS = {"int": ",.0f", "money": ",.0f", "pct": ".1%", "ratio": ",.2f"}
TOOLTIP_FORMATS = {"int": ",.0f", "money": ",.2f", "pct": ".2%", "ratio": ",.2f"}
CURRENT_COLOR = "#e4393c"
COMPARE_COLOR = "#8c8c8c"

# Legends: Vega cuts a label at 160 px and never wraps a legend, so a top legend of long
# names ran past a half-width chart and was clipped.  Labels are measured roughly (a CJK
# character ~12 px, others ~7 px at the theme's 12 px font) to pick how many columns fit.
HALF_WIDTH_PX = 440  # a chart in one of two columns at 1440 px, less some slack
FULL_WIDTH_PX = 900
_SWATCH_PX = 36  # the symbol, its gap and the space between entries


def label_px(text: str) -> float:
    return text_width.px(text)


def legend_columns(labels: Iterable[str], width_px: int) -> int:
    """How many legend entries fit side by side in `width_px` (at least one)."""
    labels = [str(x) for x in labels]
    if not labels:
        return 1
    widest = max(label_px(x) for x in labels) + _SWATCH_PX
    return max(1, min(len(labels), width_px // widest))


def top_legend(
    labels: Iterable[str], *, width_px: int = FULL_WIDTH_PX, line: bool = False, **kwargs
) -> alt.Legend:
    """A legend above the chart whose labels are never cut short and whose entries wrap
    into as many columns as fit.  `line`: a series drawn as a line (perhaps with a faint
    band around it) gets a full-strength line as its swatch, not the band's square."""
    labels = list(labels)
    if line:
        kwargs = {"symbolType": "stroke", "symbolStrokeWidth": 2, "symbolOpacity": 1, **kwargs}
    return alt.Legend(
        orient="top", labelLimit=0, columns=legend_columns(labels, width_px), **kwargs
    )


# Altair's to_dict is not thread-safe (vega/altair#3554): under many sessions a chart
# failed once in ~500 reruns with "dictionary changed size during iteration".
_TO_DICT = threading.Lock()


def show(chart: alt.TopLevelMixin, container=None, *, width: str = "stretch") -> None:
    """Draw an Altair chart as its Vega-Lite spec, built under one process-wide lock.

    st.altair_chart re-validates the spec against the Vega-Lite JSON schema on every
    rerun (a third of a chart page's rerun time); these charts are built by code from
    fixed encodings, so that check finds nothing.
    """
    with _TO_DICT:
        spec = chart.to_dict(validate=False)
    spec.pop("config", None)  # Altair's default theme sizes; Streamlit's theme applies
    (container or st).vega_lite_chart(spec, width=width)


def trend_frame(
    current: pd.DataFrame,
    compare: pd.DataFrame | None,
    metric: str,
    *,
    start,
    compare_start,
    labels: tuple[str, str],
) -> pd.DataFrame:
    """Long frame for `trend`: day, value, series, actual_day.

    Compare-period days are placed on the current period by day offset (day k of
    the compare period is drawn on day k of the current one); actual_day keeps the
    real date for the tooltip.
    """
    parts = []
    cur = current[["day", metric]].rename(columns={metric: "value"})
    cur["series"], cur["actual_day"] = labels[0], cur["day"]
    parts.append(cur)
    if compare is not None and not compare.empty:
        cmp_ = compare[["day", metric]].rename(columns={metric: "value"})
        cmp_["actual_day"] = cmp_["day"]
        cmp_["day"] = [
            periods.shift_onto(pd.Timestamp(d).date(), compare_start, start) for d in cmp_["day"]
        ]
        cmp_["series"] = labels[1]
        parts.append(cmp_)
    out = pd.concat(parts, ignore_index=True)
    out["day"] = pd.to_datetime(out["day"])
    out["actual_day"] = pd.to_datetime(out["actual_day"])
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    return out


DAY_MS = 86_400_000


def day_axis(**kw) -> alt.Axis:
    """A daily time axis: ticks at whole days at least (over a week Vega ticked every 12
    hours and printed each day twice)."""
    return alt.Axis(format="%m-%d", tickMinStep=DAY_MS, **kw)


def period_axis(periods: pd.Series, fmt: str, **kw) -> alt.Axis:
    """A time axis ticked at the periods shown (weeks from their Monday, months), where
    Vega's own ticks fell on other days than the bars and repeated a month's label."""
    days = sorted({pd.Timestamp(p) for p in pd.to_datetime(periods).dropna()})
    values = [alt.DateTime(year=d.year, month=d.month, date=d.day) for d in days]
    return alt.Axis(format=fmt, values=values, labelOverlap=True, **kw)


def trend(
    frame: pd.DataFrame,
    *,
    fmt: str,
    y_title: str,
    labels: tuple[str, str],
    day_title: str,
    height: int = 300,
) -> alt.Chart:
    """Daily line: the current period solid, the compare period dashed; one legend for
    colour and dash, so its swatches are drawn as the lines are."""
    legend = top_legend(labels, line=True)
    return (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=18))
        .encode(
            x=alt.X("day:T", title=day_title, axis=day_axis()),
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=AXIS_FORMATS[fmt])),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=list(labels), range=[CURRENT_COLOR, COMPARE_COLOR]),
                legend=legend,
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                title=None,
                scale=alt.Scale(domain=list(labels), range=[[1, 0], [5, 4]]),
                legend=legend,
            ),
            tooltip=[
                alt.Tooltip("series:N", title=" "),
                alt.Tooltip("actual_day:T", title=day_title, format="%Y-%m-%d"),
                alt.Tooltip("value:Q", title=y_title, format=TOOLTIP_FORMATS[fmt]),
            ],
        )
        .properties(height=height)
    )


def diverging_bars(
    frame: pd.DataFrame,
    *,
    item: str,
    value: str,
    fmt: str,
    item_title: str,
    value_title: str,
    tooltip: list[alt.Tooltip] | None = None,
    height_per_bar: int = 26,
) -> alt.Chart:
    """Horizontal bars around zero, largest magnitude first; a rise in the convention's
    good-news colour (red in Chinese, green in English unless the viewer chose otherwise).

    The item axis has no title: the rotated title ("商品") was drawn over long names, and the
    page's chooser and the tooltip (`item_title`) already say what the rows are."""
    p = session.palette()
    order = frame.reindex(frame[value].abs().sort_values(ascending=False).index)[item].tolist()
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            # long product names: 240 px of the name on the axis, all of it on hover
            y=alt.Y(f"{item}:N", sort=order, title=None, axis=alt.Axis(labelLimit=240)),
            x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=AXIS_FORMATS[fmt])),
            color=alt.condition(alt.datum[value] >= 0, alt.value(p.good), alt.value(p.bad)),
            tooltip=tooltip
            or [
                alt.Tooltip(f"{item}:N", title=item_title),
                alt.Tooltip(f"{value}:Q", title=value_title, format=TOOLTIP_FORMATS[fmt]),
            ],
        )
        # a height per row: a fixed total height collapses the rows under Streamlit's theme
        .properties(height=alt.Step(height_per_bar))
    )


def coverage_strip(
    frame: pd.DataFrame,
    *,
    day_title: str,
    load_title: str,
    platform_title: str,
    height_per_load: int = 24,
) -> alt.Chart:
    """The days each load covers: one bar per run of consecutive days (coverage.strip_frame),
    one row per load, coloured by platform; a gap is a blank between bars."""
    return (
        alt.Chart(frame)
        .mark_bar(height={"band": 0.7})
        .encode(
            x=alt.X("start:T", title=day_title, axis=day_axis()),
            x2="end:T",
            y=alt.Y("load:N", title=load_title, sort=alt.EncodingSortField("load_id")),
            color=alt.Color("platform:N", title=platform_title, legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("load:N", title=load_title),
                alt.Tooltip("platform:N", title=platform_title),
                alt.Tooltip("start:T", title=day_title, format="%Y-%m-%d"),
                alt.Tooltip("days:Q", title=t("data.ld_days", session.lang()), format=",.0f"),
            ],
        )
        .properties(height=alt.Step(height_per_load))
    )
