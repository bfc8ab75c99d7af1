"""Streamlit glue for the customers page: the cached customer queries and forecast, and
the charts (new vs returning, 复购率, the cohort heatmap, the forecast with its bands).

Charts get per-period, per-cohort or per-day rows, never order rows. The forecast is
cached per (workspace, data version, metric, horizon, filters). A segment's buyer ids are
read only when its download is clicked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from shopsight import customer_analysis, forecast, metrics, numbers
from shopsight.i18n import t
from shopsight.ui import charts, downloads, query_cache, session, tables
from shopsight.ui.filters import Filters

NEW_COLOR = charts.CURRENT_COLOR
RETURNING_COLOR = "#f4a259"
ACTUAL_COLOR = "#595959"
HISTORY_SHOWN_DAYS = 8 * 7  # days of actuals drawn before the forecast


def has_orders() -> bool:
    """Whether the workspace holds any order rows at all (whatever the dates)."""
    b = query_cache.query("date_bounds")
    return bool((b.loc[b["kind"] == "orders", "count_rows"] > 0).any())


def summary(f: Filters) -> dict:
    return customer_analysis.summary(query_cache.query("customers_summary", **f.params()))


def compare_summary(f: Filters) -> dict | None:
    params = f.compare_params()
    if params is None:
        return None
    return customer_analysis.summary(query_cache.query("customers_summary", **params))


def trend(f: Filters, grain: str) -> pd.DataFrame:
    return customer_analysis.trend(query_cache.query("customers_trend", **f.params(), grain=grain))


def cohorts(f: Filters) -> pd.DataFrame:
    return customer_analysis.cohort_frame(
        query_cache.query("customers_cohorts", **f.params()), f.end
    )


def rfm(f: Filters) -> pd.DataFrame:
    """The segments, without buyer ids (segment_csv lists one segment's on a download)."""
    return customer_analysis.segments(
        query_cache.query("customers_rfm", **f.params(), segment=None)
    )


def segment_csv(f: Filters, segment: str) -> Callable[[], bytes]:
    """The CSV of a segment's buyer ids, built when the download is clicked: listing them
    costs more than the page's whole first view."""
    rows = query_cache.deferred("customers_rfm", **f.params(), segment=segment)
    return lambda: downloads.safe_csv(customer_analysis.segment_buyers(rows(), segment))


@st.cache_data(ttl=query_cache.QUERY_TTL_S, max_entries=64, show_spinner=False)
def _forecast(
    ws_dir: str,
    version: tuple[int, int],
    metric: str,
    horizon: int,
    end: dt.date,
    src,
    dev,
    prov,
    plat,
    currency,
) -> forecast.Forecast | int:
    """The forecast, or the days of history when there are too few."""
    with query_cache.cursor(ws_dir) as cur:
        try:
            return forecast.from_workspace(
                cur, metric, horizon, end=end, src=src, dev=dev, prov=prov, plat=plat, cur=currency
            )
        except forecast.ShortHistory as e:
            return e.days


def forecast_for(f: Filters, metric: str, horizon: int) -> forecast.Forecast | int:
    return _forecast(
        session.workspace_dir(),
        query_cache.version(),
        metric,
        horizon,
        f.end,
        f.values("src"),
        f.values("dev"),
        f.values("prov"),
        f.values("plat"),
        f.currency,
    )


# ------------------------------------------------------------------------ labels


def segment_label(segment: str, lang: str) -> str:
    return t(f"customers.seg_{segment}", lang)


def cohort_label(cohort: dt.date, size: int, lang: str) -> str:
    return f"{cohort:%Y-%m} ({numbers.fmt_int(size, lang)})"


_RFM_COLUMNS = {  # column -> (header key, number kind of numbers.column_format)
    "buyers": ("customers.col_buyers", "int"),
    "share_buyers": ("customers.col_share_buyers", "pct"),
    "paid_amount": ("customers.col_paid", "money"),
    "share_paid_amount": ("customers.col_share_paid", "pct"),
    "avg_recency_days": ("customers.col_recency", "int"),
    "avg_frequency": ("customers.col_frequency", "ratio"),
    "avg_monetary": ("customers.col_monetary", "money"),
}


def rfm_display(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The segments table with translated headers; numbers stay numbers (they sort), rates
    rounded to the decimals the grid shows."""
    out = pd.DataFrame(
        {t("customers.col_segment", lang): [segment_label(s, lang) for s in df["segment"]]}
    )
    for col, (key, kind) in _RFM_COLUMNS.items():
        values = pd.to_numeric(df[col], errors="coerce").astype("float64")
        out[t(key, lang)] = numbers.grid_round(values, kind)
    return out


def rfm_config(lang: str) -> dict:
    """The grid formats of rfm_display: the segment pinned."""
    return {
        t("customers.col_segment", lang): tables.key(),
        **{t(key, lang): tables.number(kind) for key, kind in _RFM_COLUMNS.values()},
    }


# ------------------------------------------------------------------------ charts


def period_labels(periods: pd.Series, grain: str) -> list[str]:
    """Axis labels of the periods: 11-03 for a week (its Monday), 2026-11 for a month."""
    return [
        f"{pd.Timestamp(p):%m-%d}" if grain == "week" else f"{pd.Timestamp(p):%Y-%m}"
        for p in periods
    ]


def new_returning_chart(
    df: pd.DataFrame, *, value: str, fmt: str, y_title: str, lang: str, grain: str
) -> alt.Chart:
    """Stacked bars per period: new and returning buyers (or their paid amount)."""
    names = (t("customers.series_new", lang), t("customers.series_returning", lang))
    cols = (f"new_{value}", f"returning_{value}")
    labels = period_labels(df["period"], grain)
    long = pd.concat(
        [
            pd.DataFrame(
                {"label": labels, "series": name, "value": pd.to_numeric(df[col]).astype("float64")}
            )
            for name, col in zip(names, cols, strict=True)
        ],
        ignore_index=True,
    )
    period_title = t(f"customers.grain_{grain}", lang)
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("label:O", sort=labels, title=period_title, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "value:Q",
                title=y_title,
                stack="zero",
                axis=alt.Axis(format=charts.AXIS_FORMATS[fmt]),
            ),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=list(names), range=[NEW_COLOR, RETURNING_COLOR]),
                legend=alt.Legend(orient="top"),
            ),
            order=alt.Order("series:N", sort="descending"),
            tooltip=[
                alt.Tooltip("series:N", title=" "),
                alt.Tooltip("label:O", title=period_title),
                alt.Tooltip("value:Q", title=y_title, format=charts.TOOLTIP_FORMATS[fmt]),
            ],
        )
        .properties(height=260)
    )


def repurchase_chart(df: pd.DataFrame, lang: str, grain: str) -> alt.Chart:
    frame = pd.DataFrame(
        {
            "period": df["period"],
            "value": pd.to_numeric(df["repurchase_rate"]).astype("float64"),
            "buyers": df["buyers"],
            "repeat_buyers": df["repeat_buyers"],
        }
    )
    title = metrics.label("repurchase_rate", lang)
    period_title = t(f"customers.grain_{grain}", lang)
    return (
        alt.Chart(frame)
        .mark_line(
            point=alt.OverlayMarkDef(size=30, color=charts.CURRENT_COLOR),
            color=charts.CURRENT_COLOR,
        )
        .encode(
            x=alt.X(
                "period:T",
                title=period_title,
                axis=charts.period_axis(frame["period"], "%m-%d" if grain == "week" else "%Y-%m"),
            ),
            y=alt.Y("value:Q", title=title, axis=alt.Axis(format=charts.AXIS_FORMATS["pct"])),
            tooltip=[
                alt.Tooltip("period:T", title=period_title, format="%Y-%m-%d"),
                alt.Tooltip("value:Q", title=title, format=charts.TOOLTIP_FORMATS["pct"]),
                alt.Tooltip("repeat_buyers:Q", title=t("customers.repeat_buyers", lang)),
                alt.Tooltip("buyers:Q", title=metrics.label("paying_buyers", lang)),
            ],
        )
        .properties(height=220)
    )


def cohort_heatmap(frame: pd.DataFrame, lang: str) -> alt.Chart:
    """Cohorts (first-purchase month, with size) × months after: share buying again."""
    later = frame[frame["month_offset"] >= 1].copy()
    later["cohort_label"] = [
        cohort_label(c, s, lang) for c, s in zip(later["cohort"], later["size"], strict=True)
    ]
    later["month_label"] = [t("customers.month_n", lang, n=int(n)) for n in later["month_offset"]]
    later["text"] = [numbers.fmt_pct(v, lang) for v in later["retention"]]
    cohort_order = [
        cohort_label(c, s, lang)
        for c, s in frame.loc[frame["month_offset"] == 0, ["cohort", "size"]].itertuples(
            index=False
        )
    ]
    month_order = [
        t("customers.month_n", lang, n=n) for n in range(1, int(frame["month_offset"].max()) + 1)
    ]
    top = float(later["retention"].max()) if len(later) else 0.0
    base = alt.Chart(later).encode(
        x=alt.X(
            "month_label:N",
            sort=month_order,
            title=t("customers.cohort_month", lang),
            axis=alt.Axis(labelAngle=0),
        ),
        y=alt.Y("cohort_label:N", sort=cohort_order, title=t("customers.cohort", lang)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "retention:Q",
            title=t("customers.retention", lang),
            scale=alt.Scale(scheme="reds", domain=[0, max(top, 0.01)]),
            legend=alt.Legend(format=".0%"),
        ),
        tooltip=[
            alt.Tooltip("cohort_label:N", title=t("customers.cohort", lang)),
            alt.Tooltip("month_label:N", title=t("customers.cohort_month", lang)),
            alt.Tooltip("buyers:Q", title=t("customers.col_buyers", lang), format=",.0f"),
            alt.Tooltip("retention:Q", title=t("customers.retention", lang), format=".1%"),
        ],
    )
    text = base.mark_text(fontSize=11).encode(
        text="text:N",
        color=alt.condition(
            alt.datum.retention > top * 0.6, alt.value("white"), alt.value("black")
        ),
    )
    return (cells + text).properties(height=alt.Step(28))


def forecast_chart(fc: forecast.Forecast, lang: str) -> alt.Chart:
    """The last weeks of actuals, the forecast line and its 80% / 95% bands."""
    fmt = metrics.get(fc.metric).fmt
    title = metrics.label(fc.metric, lang)
    day_title = t("customers.forecast_chart_day", lang)
    hist = fc.history.tail(HISTORY_SHOWN_DAYS)
    actual = pd.DataFrame(
        {
            "date": pd.to_datetime(hist["date"]),
            "value": hist["value"],
            "series": t("customers.forecast_chart_actual", lang),
            "is_promo": hist["is_promo"],
        }
    )
    points = fc.points.assign(
        date=pd.to_datetime(fc.points["date"]), series=t("customers.forecast_chart_forecast", lang)
    )
    names = [
        t("customers.forecast_chart_actual", lang),
        t("customers.forecast_chart_forecast", lang),
    ]
    x = alt.X("date:T", title=day_title, axis=charts.day_axis())
    y_axis = alt.Axis(format=charts.AXIS_FORMATS[fmt])
    band95 = (
        alt.Chart(points)
        .mark_area(opacity=0.15, color=charts.CURRENT_COLOR)
        .encode(x=x, y=alt.Y("lo95:Q", title=title, axis=y_axis), y2="hi95:Q")
    )
    band80 = (
        alt.Chart(points)
        .mark_area(opacity=0.25, color=charts.CURRENT_COLOR)
        .encode(x=x, y="lo80:Q", y2="hi80:Q")
    )
    lines = (
        alt.Chart(
            pd.concat(
                [actual[["date", "value", "series"]], points[["date", "value", "series"]]],
                ignore_index=True,
            )
        )
        .mark_line(point=alt.OverlayMarkDef(size=14))
        .encode(
            x=x,
            y=alt.Y("value:Q", title=title, axis=y_axis),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=names, range=[ACTUAL_COLOR, charts.CURRENT_COLOR]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("series:N", title=" "),
                alt.Tooltip("date:T", title=day_title, format="%Y-%m-%d"),
                alt.Tooltip("value:Q", title=title, format=charts.TOOLTIP_FORMATS[fmt]),
            ],
        )
    )
    promos = (
        alt.Chart(actual[actual["is_promo"]])
        .mark_point(shape="triangle-up", size=80, filled=True, color="#b8860b")
        .encode(
            x=x,
            y="value:Q",
            tooltip=[
                alt.Tooltip(
                    "date:T", title=t("customers.forecast_promo_day", lang), format="%Y-%m-%d"
                ),
                alt.Tooltip("value:Q", title=title, format=charts.TOOLTIP_FORMATS[fmt]),
            ],
        )
    )
    return (band95 + band80 + lines + promos).properties(height=320)


def forecast_table(fc: forecast.Forecast, lang: str) -> pd.DataFrame:
    fmt = metrics.get(fc.metric).fmt
    p = fc.points
    n = len(p)
    # one unit for the forecast and both bands, so no row reads ¥9,800.00 ~ ¥10.2万
    text = numbers.fmt_column(
        [*p["value"], *p["lo80"], *p["hi80"], *p["lo95"], *p["hi95"]], fmt, lang
    )
    value, lo80, hi80, lo95, hi95 = (text[i * n : (i + 1) * n] for i in range(5))
    return pd.DataFrame(
        {
            t("customers.forecast_chart_day", lang): [d.isoformat() for d in p["date"]],
            t("customers.forecast_chart_forecast", lang): value,
            t("customers.band80", lang): [
                f"{lo} ~ {hi}" for lo, hi in zip(lo80, hi80, strict=True)
            ],
            t("customers.band95", lang): [
                f"{lo} ~ {hi}" for lo, hi in zip(lo95, hi95, strict=True)
            ],
        }
    )
