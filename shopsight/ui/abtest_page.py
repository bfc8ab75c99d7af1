"""The main-image A/B page (主图测试): the test, control and metric pickers, the engine's
analysis of the picked test (cached), the variant table, the two charts and the
sample-size calculator.

Tests come from hand-kept sheets (测试名称 / 版本) and from 直通车/万相台 创意报表 (the
宝贝ID is the test, each 创意ID a variant; its 创意名称 / 创意标题, loaded as variant_name,
is shown next to the id).

Dates: a test is analysed over its whole run by default, whatever the sidebar's date
range says: cutting a test at an arbitrary day only throws data away and makes the
too-short check and the decision day misfire.  The `ab_range` toggle limits it to the range.
The other global filters (source, device, province, category) have no column in
image_tests and never apply.

Method: sequential (always-valid) by default, because owners look every day; a test planned
beforehand with the sample-size calculator may use the fixed-horizon analysis instead
(ab_method=fixed), and the calculator's plan is then the horizon it is read at.  Both stay
side by side in an expander.

Link keys: ab_test and ab_control (always written, their defaults depend on the data),
ab_metric (ctr | cvr, left out when ctr), ab_method (sequential | fixed, left out when
sequential), ab_range (1 when on) and the calculator's ab_calc_* (left out at the defaults
taken from the test).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from shopsight import abtest_sentences, abtest_stats, numbers
from shopsight.i18n import t
from shopsight.mdtext import plain
from shopsight.ui import charts, query_cache, session, tables, url_state

METRICS = ("ctr", "cvr")  # clicks / impressions; orders / clicks (when the sheet has orders)
NAME_COLUMN = "variant_name"  # older workspaces' image_tests tables may lack it
TEST_KEY, CONTROL_KEY, METRIC_KEY, RANGE_KEY = "ab_test", "ab_control", "ab_metric", "ab_range"
METHOD_KEY = "ab_method"
METHODS = ("sequential", "fixed")
CALC_KEYS = (
    "ab_calc_baseline",
    "ab_calc_mde",
    "ab_calc_alpha",
    "ab_calc_power",
    "ab_calc_daily",
    "ab_calc_arms",
)
ALPHAS = (0.01, 0.05, 0.10)
POWERS = (0.8, 0.9, 0.95)
STATUS_COLORS = {"control": "#8c8c8c", "winner": None, "loser": None, "inconclusive": "#4c78a8"}


def status_colors() -> dict[str, str]:
    """显著更好 / 显著更差 in the viewer's good- and bad-news colours (shopsight.colours)."""
    p = session.palette()
    return {**STATUS_COLORS, "winner": p.good, "loser": p.bad}


# ---------------------------------------------------------------- data


def tests(start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """One row per test with data in [start, end] (None = all), newest first."""
    return query_cache.query("abtest_tests", start_date=start, end_date=end)


def totals(test: str, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    return query_cache.query("abtest_variants", test_id=test, start_date=start, end_date=end)


def daily(test: str, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    return query_cache.query("abtest_daily", test_id=test, start_date=start, end_date=end)


def creative_names(test: str) -> dict[str, str]:
    """variant -> 创意名称 / 创意标题, when the uploaded creative report had one."""
    cols = next((d["columns"] for d in query_cache.datasets() if d["kind"] == "image_tests"), [])
    if NAME_COLUMN not in cols:
        return {}
    df = query_cache.query("abtest_variant_names", test_id=test)
    return dict(zip(df["variant"], df["variant_name"], strict=True))


def has_orders(totals_: pd.DataFrame) -> bool:
    """点击转化率 can be compared when every variant has an 成交笔数 count."""
    return bool(len(totals_)) and bool(totals_["orders"].notna().all())


# ---------------------------------------------------------------- analysis (pure)


@dataclass(frozen=True)
class Analysis:
    metric: str
    result: abtest_stats.ABResult  # of the metric: for cvr, impressions/clicks hold clicks/orders
    ctr: abtest_stats.ABResult  # the click-rate analysis: SRM, data errors, planning
    verdict: dict  # abtest.verdict() of `result`; its srm guardrail is the CTR's
    cumulative: pd.DataFrame  # abtest.cumulative_daily() of the metric
    seq: abtest_stats.SeqBatch  # abtest.sequential() of the metric's daily rows
    seq_verdict: dict  # abtest.sequential_verdict() of `seq`


def as_metric(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Totals or daily rows with the metric's trials / successes as impressions / clicks.

    Orders per click is the same binomial comparison as clicks per impression, so the
    engine's CTR path (intervals, tests, Bayes, verdict, cumulative series) serves both.
    """
    if metric == "ctr":
        return frame
    if metric != "cvr":
        raise ValueError(f"unknown metric {metric!r}")
    return frame.assign(impressions=frame["clicks"], clicks=frame["orders"]).drop(columns="orders")


def analyse(
    totals_: pd.DataFrame, daily_: pd.DataFrame, control: str | None = None, metric: str = "ctr"
) -> Analysis:
    ctr = abtest_stats.analyze(totals_, control=control)
    result = (
        ctr
        if metric == "ctr"
        else abtest_stats.analyze(as_metric(totals_, metric), control=ctr.control)
    )
    days = as_metric(daily_, metric)
    # no peeking check: the sequential verdict is what makes daily looks safe
    v = abtest_stats.verdict(result)
    if metric != "ctr":
        # the impressions split is what can be broken, whatever the metric compared
        srm = "srm" in abtest_stats.verdict(ctr)["guardrails"]
        v["guardrails"] = [
            g
            for g in ("low_data", "srm", "too_short")
            if (srm if g == "srm" else g in v["guardrails"])
        ]
    cumulative = abtest_stats.cumulative_daily(days, control=result.control)
    seq = abtest_stats.sequential(days, control=result.control)
    return Analysis(metric, result, ctr, v, cumulative, seq, abtest_stats.sequential_verdict(seq))


@st.cache_data(ttl=query_cache.QUERY_TTL_S, max_entries=256, show_spinner=False)
def analysis(
    totals_: pd.DataFrame, daily_: pd.DataFrame, control: str | None, metric: str
) -> Analysis:
    """analyse(), cached on the frames' contents (a new upload gives new frames)."""
    return analyse(totals_, daily_, control, metric)


def plan(
    baseline: float, mde_rel: float, alpha: float, power: float, daily_impressions: float, arms: int
) -> dict[str, int | None]:
    """The calculator: impressions per arm (rounded up), in all, and days at that traffic.

    None where the engine cannot plan (baseline not in (0, 1), or the lifted rate > 100%).
    """
    n = float(abtest_stats.sample_size_per_arm(baseline, mde_rel, alpha, power))
    if math.isnan(n):
        return {"per_arm": None, "total": None, "days": None}
    per_arm = math.ceil(n)
    total = per_arm * arms
    days = math.ceil(total / daily_impressions) if daily_impressions > 0 else None
    return {"per_arm": per_arm, "total": total, "days": days}


def plan_settings(rate: float, mde_rel: float = abtest_stats.MDE_REL) -> dict[str, float]:
    """The calculator's settings for a control rate, as its fields show them (percentages,
    the rate to 2 decimals): the calculator's defaults and the 样本量 sentence both plan from
    these, so they give one figure (the sentence once planned from the unrounded rate and said
    51,746 where the calculator below said 51,756)."""
    return {
        "ab_calc_baseline": min(max(round(rate * 100, 2), 0.01), 99.0),
        "ab_calc_mde": round(mde_rel * 100, 1),
        "ab_calc_alpha": abtest_stats.ALPHA,
        "ab_calc_power": abtest_stats.POWER,
    }


def planned_per_arm(settings: dict) -> int | None:
    """Trials per version for the calculator's settings (`plan` of them)."""
    return plan(
        settings["ab_calc_baseline"] / 100,
        settings["ab_calc_mde"] / 100,
        settings["ab_calc_alpha"],
        settings["ab_calc_power"],
        1,
        2,
    )["per_arm"]


def calc_defaults(a: Analysis) -> dict[str, float | int]:
    """Calculator inputs taken from the test: its control CTR, daily traffic and arms."""
    v = a.ctr.variants
    ctl = v.loc[v["is_control"], "ctr"]
    rate = float(ctl.iloc[0]) if len(ctl) and pd.notna(ctl.iloc[0]) else 0.03
    usable = v.loc[v["valid"]]
    days = a.ctr.days or 1
    return {
        **plan_settings(rate),
        "ab_calc_daily": max(int(round(usable["impressions"].sum() / days)), 1),
        "ab_calc_arms": max(len(usable), 2),
    }


# ---------------------------------------------------------------- labels


def labels(variants, names: dict[str, str], lang: str) -> dict[str, str]:
    """variant -> what the page calls it: the id, with the 创意名称 when there is one."""
    key = "ab.variant_named"
    return {v: t(key, lang, variant=v, name=names[v]) if names.get(v) else v for v in variants}


def _pct(x, decimals: int = 2) -> str:
    return numbers.fmt_pct(x, "zh", decimals=decimals)  # the same in every language


def _signed(x, decimals: int = 1, suffix: str = "%") -> str:
    return numbers.NONE if numbers.is_missing(x) else numbers.fmt_signed(x, decimals, suffix)


def _range(lo, hi, fmt) -> str:
    if numbers.is_missing(lo) or numbers.is_missing(hi):
        return numbers.NONE
    return f"{fmt(lo)}~{fmt(hi)}"


# the columns an owner reads at a glance (the rest go to the details below the table); the
# version is pinned so it stays in view when a narrow window scrolls the grid
MAIN_COLUMNS = (
    "variant",
    "name",
    "status",
    "rate",
    "lift_rel",
    "lift_rel_ci",
    "p_value_holm",
    "prob_beats_control",
)
DETAIL_COLUMNS = (
    "variant",
    "trials",
    "successes",
    "rate_ci",
    "lift_abs",
    "lift_abs_ci",
    "p_value",
    "prob_best",
    "expected_loss",
)
_KINDS = {
    "trials": "int",
    "successes": "int",
    "rate": "pct",
    "lift_rel": "change",
    "prob_beats_control": "pct",
    "prob_best": "pct",
    "lift_abs": "points",
}


def _status_of(a: Analysis, method: str = "fixed") -> dict[str, str]:
    """Each version's judgement (control, winner, loser, inconclusive) by the method."""
    if method == "sequential":
        per = {r["variant"]: r["decision"] or "inconclusive" for r in a.seq_verdict["variants"]}
    else:
        per = {r["variant"]: r["status"] for r in a.verdict["variants"]}
    return {
        x: "control" if c else per.get(x, "inconclusive")
        for x, c in zip(a.result.variants["variant"], a.result.variants["is_control"], strict=True)
    }


def status_word(status: str, lang: str, method: str = "fixed") -> str:
    """显著更好 … for the fixed horizon, 已判定更好 / 未判定 … for the sequential test."""
    if method == "sequential" and status != "control":
        pending = {"inconclusive": "pending"}.get(status, status)
        return t(f"ab.seq_status_{pending}", lang)
    return abtest_sentences.variant_status(status, lang)


def table(
    a: Analysis, names: dict[str, str], lang: str, part: str = "main", method: str = "fixed"
) -> tuple[pd.DataFrame, dict]:
    """The variant table (labelled columns) and its st.column_config: `part` "main" for the
    columns read at a glance, "details" for the rest. Under the sequential `method` the
    judgement, the interval of the lift and the p-value are the sequential ones, as the
    verdict above the table is.

    Numbers stay numbers (the engine's values; the relative lift in percent, lifts and
    losses in percentage points are x100); intervals and p-values are text (p-values
    '<0.0001', never '0.0000').
    """
    v = a.result.variants
    status = _status_of(a, method)
    m = a.metric
    rows = pd.DataFrame(
        {
            "variant": v["variant"],
            "name": [names.get(x) for x in v["variant"]],
            "status": [status_word(status[x], lang, method) for x in v["variant"]],
            "trials": v["impressions"].astype("Int64"),
            "successes": v["clicks"].astype("Int64"),
            "rate": v["ctr"],
            "rate_ci": [
                _range(lo, hi, _pct) for lo, hi in zip(v["ci_low"], v["ci_high"], strict=True)
            ],
            "lift_rel": v["lift_rel"],
            "lift_rel_ci": [
                _range(lo, hi, _signed)
                for lo, hi in zip(v["lift_rel_ci_low"], v["lift_rel_ci_high"], strict=True)
            ],
            "lift_abs": v["lift_abs"] * 100,
            "lift_abs_ci": [
                _range(lo, hi, lambda x: _signed(x, 2, ""))
                for lo, hi in zip(v["lift_abs_ci_low"], v["lift_abs_ci_high"], strict=True)
            ],
            "p_value": [numbers.fmt_p(x) for x in v["p_value"]],
            "p_value_holm": [numbers.fmt_p(x) for x in v["p_value_holm"]],
            "prob_beats_control": v["prob_beats_control"],
            "prob_best": v["prob_best"],
            "expected_loss": v["expected_loss"] * 100,
        }
    )
    sequential = method == "sequential"
    if sequential:
        seq = {r["variant"]: r for r in a.seq_verdict["variants"]}
        none = {"lift_cs": [None, None], "p_value": None}
        found = [seq.get(x, none) for x in v["variant"]]
        rows["lift_rel_ci"] = [_range(r["lift_cs"][0], r["lift_cs"][1], _signed) for r in found]
        rows["p_value_holm"] = [numbers.fmt_p(r["p_value"]) for r in found]
    rows = tables.rounded(rows, _KINDS)
    cols = [c for c in (MAIN_COLUMNS if part == "main" else DETAIL_COLUMNS) if c != "name" or names]
    rows = rows[cols]
    heads = {
        "variant": t("ab.col_variant", lang),
        "name": t("ab.col_name", lang),
        "status": t("ab.col_status", lang),
        "trials": t(f"ab.col_trials_{m}", lang),
        "successes": t(f"ab.col_successes_{m}", lang),
        "rate": t(f"ab.metric_{m}", lang),
        "rate_ci": t("ab.col_rate_ci", lang),
        "lift_rel": t("ab.col_lift_rel", lang),
        "lift_rel_ci": t("ab.col_lift_rel_ci", lang),
        "lift_abs": t("ab.col_lift_abs", lang),
        "lift_abs_ci": t("ab.col_lift_abs_ci", lang),
        "p_value": t("ab.col_p", lang),
        "p_value_holm": t("ab.col_p_holm", lang),
        "prob_beats_control": t("ab.col_beats", lang),
        "prob_best": t("ab.col_best", lang),
        "expected_loss": t("ab.col_loss", lang),
    }
    if sequential:
        heads |= {
            "lift_rel_ci": t("ab.col_seq_cs", lang),
            "p_value_holm": t("ab.col_seq_p", lang),
        }
    helps = {
        "lift_rel_ci": "ab.col_lift_rel_ci_help",
        "p_value_holm": "ab.col_p_holm_help",
        "prob_beats_control": "ab.col_beats_help",
        "expected_loss": "ab.col_loss_help",
        "lift_abs": "ab.col_lift_abs_help",
        "p_value": "ab.col_p_help",
    }
    if sequential:
        helps = {c: h for c, h in helps.items() if c not in ("lift_rel_ci", "p_value_holm")}
    config: dict = {}
    for c in cols:
        help_ = t(helps[c], lang) if c in helps else None
        if c == "variant":
            config[heads[c]] = tables.key(help=help_)
        elif c == "expected_loss":
            config[heads[c]] = tables.number("ratio", decimals=3, help=help_)
        elif c in _KINDS:
            config[heads[c]] = tables.number(_KINDS[c], help=help_)
        elif help_:
            config[heads[c]] = tables.text(help=help_)
    return rows.rename(columns=heads), config


# ---------------------------------------------------------------- charts


def ci_frame(a: Analysis, names: dict[str, str], lang: str, method: str = "fixed") -> pd.DataFrame:
    """One row per usable variant: label, rate, ci_low, ci_high, status (for the chart),
    judged by the method the verdict uses."""
    v = a.result.variants.loc[a.result.variants["ctr"].notna()]
    shown = labels(v["variant"], names, lang)
    status = _status_of(a, method)
    return pd.DataFrame(
        {
            "label": [shown[x] for x in v["variant"]],
            "rate": v["ctr"].to_numpy(float),
            "ci_low": v["ci_low"].to_numpy(float),
            "ci_high": v["ci_high"].to_numpy(float),
            "status": [status_word(status[x], lang, method) for x in v["variant"]],
            "is_control": v["is_control"].to_numpy(bool),
        }
    )


def _status_scale(lang: str, method: str = "fixed") -> alt.Scale:
    colors = status_colors()
    return alt.Scale(
        domain=[status_word(s, lang, method) for s in colors],
        range=list(colors.values()),
    )


CI_LABEL_PX = 160


def ci_chart(frame: pd.DataFrame, metric: str, lang: str, method: str = "fixed") -> alt.Chart:
    """Each variant's rate with its 95% interval, coloured by the method's judgement; a
    dashed line at the control's rate."""
    rate_title = t(f"ab.metric_{metric}", lang)
    # a version's id and 创意名称 (~150 px): the theme's short label limit cut the name off
    y = alt.Y(
        "label:N",
        sort=frame["label"].tolist(),
        title=t("ab.col_variant", lang),
        axis=alt.Axis(labelLimit=CI_LABEL_PX),
    )
    # the legend starts where the plot does, right of those names and the axis title
    color = alt.Color(
        "status:N",
        scale=_status_scale(lang, method),
        title=None,
        legend=charts.top_legend(
            _status_scale(lang, method).domain, width_px=charts.HALF_WIDTH_PX - CI_LABEL_PX - 30
        ),
    )
    tooltip = [
        alt.Tooltip("label:N", title=t("ab.col_variant", lang)),
        alt.Tooltip("rate:Q", title=rate_title, format=".2%"),
        alt.Tooltip("ci_low:Q", title=t("ab.ci_low", lang), format=".2%"),
        alt.Tooltip("ci_high:Q", title=t("ab.ci_high", lang), format=".2%"),
        alt.Tooltip("status:N", title=t("ab.col_status", lang)),
    ]
    base = alt.Chart(frame).encode(y=y, color=color, tooltip=tooltip)
    bars = base.mark_rule(strokeWidth=3).encode(
        x=alt.X(
            "ci_low:Q", title=rate_title, axis=alt.Axis(format=".2%"), scale=alt.Scale(zero=False)
        ),
        x2="ci_high:Q",
    )
    points = base.mark_point(filled=True, size=90).encode(x="rate:Q")
    layers = [bars, points]
    ctl = frame.loc[frame["is_control"]]
    if len(ctl):
        layers.append(
            alt.Chart(ctl)
            .mark_rule(strokeDash=[4, 4], color=STATUS_COLORS["control"])
            .encode(x="rate:Q")
        )
    # a height per row: a fixed total height collapses the rows under Streamlit's theme
    return alt.layer(*layers).properties(height=alt.Step(40))


def cumulative_frame(a: Analysis, names: dict[str, str], lang: str) -> pd.DataFrame:
    """Cumulative rate by day per variant (a few rows per day), for the chart."""
    c = a.cumulative
    shown = labels(c["variant"].unique(), names, lang)
    order = {x: i for i, x in enumerate(a.result.variants["variant"])}  # control first
    c = c.sort_values(
        ["variant", "date"], key=lambda col: col.map(order) if col.name == "variant" else col
    )
    return pd.DataFrame(
        {
            "date": pd.to_datetime(c["date"]),
            "label": c["variant"].map(shown),
            "rate": c["ctr"].astype(float),
            "ci_low": c["ci_low"].astype(float),
            "ci_high": c["ci_high"].astype(float),
            "trials": c["cum_impressions"].astype(float),
            "successes": c["cum_clicks"].astype(float),
        }
    )


def _variant_colors(n: int) -> list[str]:
    """The control grey, the others from a palette without red and green (better / worse)."""
    palette = [
        "#4c78a8",
        "#f58518",
        "#b279a2",
        "#72b7b2",
        "#eeca3b",
        "#9d755d",
        "#bab0ac",
        "#ff9da6",
    ]
    return [STATUS_COLORS["control"]] + [palette[i % len(palette)] for i in range(n - 1)]


def cumulative_chart(frame: pd.DataFrame, metric: str, lang: str) -> alt.Chart:
    """Cumulative rate per variant by day, its 95% interval as a band."""
    rate_title = t(f"ab.metric_{metric}", lang)
    x = alt.X("date:T", title=t("col.date", lang), axis=charts.day_axis())
    order = list(dict.fromkeys(frame["label"]))  # control first
    # band and line share the legend: a line swatch per version, not the band's faint square
    color = alt.Color(
        "label:N",
        title=None,
        legend=charts.top_legend(order, line=True),
        scale=alt.Scale(domain=order, range=_variant_colors(len(order))),
    )
    band = (
        alt.Chart(frame)
        .mark_area(opacity=0.15)
        .encode(x=x, y=alt.Y("ci_low:Q"), y2="ci_high:Q", color=color)
    )
    line = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=18))
        .encode(
            x=x,
            y=alt.Y(
                "rate:Q",
                title=t("ab.cum_axis", lang, metric=t(f"verdict.metric_{metric}", lang)),
                axis=alt.Axis(format=".1%"),
                scale=alt.Scale(zero=False),
            ),
            color=color,
            tooltip=[
                alt.Tooltip("label:N", title=t("ab.col_variant", lang)),
                alt.Tooltip("date:T", title=t("col.date", lang), format="%Y-%m-%d"),
                alt.Tooltip("rate:Q", title=rate_title, format=".2%"),
                alt.Tooltip("trials:Q", title=t(f"ab.col_trials_{metric}", lang), format=",.0f"),
                alt.Tooltip(
                    "successes:Q", title=t(f"ab.col_successes_{metric}", lang), format=",.0f"
                ),
            ],
        )
    )
    return alt.layer(band, line).properties(height=300)


# ---------------------------------------------------------------- widgets


def _select(
    label: str, options: list, *, key: str, default, link_default: bool, container=None, **kwargs
):
    """A selectbox bound to ?key= (see url_state); `link_default` keeps the default in the link
    too, for settings whose default depends on the data."""
    box = container or st
    url_state.seed(key, default=default, valid=lambda v: v in options)
    if st.session_state[key] not in options:  # the data changed under the setting
        st.session_state[key] = default
    value = box.selectbox(label, options, key=key, **kwargs)
    url_state.store(key, default=None if link_default else default)
    return value


def _forget(*keys: str) -> None:
    for key in keys:
        st.session_state.pop(key, None)
        if key in st.query_params:
            del st.query_params[key]


def _test_changed() -> None:
    # the control and the calculator's figures belong to the test they were set for
    _forget(CONTROL_KEY, *CALC_KEYS)


def range_toggle(lang: str, container=None) -> bool:
    """Whether to analyse only the sidebar's date range (off: the whole test)."""
    box = container or st
    url_state.seed(RANGE_KEY, default=False, parse=_parse_flag, valid=lambda v: isinstance(v, bool))
    on = box.toggle(
        t("ab.range", lang), key=RANGE_KEY, help=t("ab.range_help", lang), on_change=_test_changed
    )
    url_state.store(RANGE_KEY, default=False, dump=lambda v: "1")
    return bool(on)


def _parse_flag(raw: str) -> bool:
    if raw in ("1", "true"):
        return True
    if raw in ("0", "false"):
        return False
    raise ValueError(raw)


def pick_test(listed: pd.DataFrame, lang: str, container=None) -> str:
    """The test picker (newest first); switching tests resets the control and calculator."""
    ids = listed["test_id"].tolist()
    info = listed.set_index("test_id")

    def fmt(test_id: str) -> str:
        r = info.loc[test_id]
        return t(
            "ab.test_option",
            lang,
            test=test_id,
            n=int(r["count_variants"]),
            first=pd.Timestamp(r["first_date"]).strftime("%m-%d"),
            last=pd.Timestamp(r["last_date"]).strftime("%m-%d"),
        )

    return _select(
        t("ab.test", lang),
        ids,
        key=TEST_KEY,
        default=ids[0],
        link_default=True,
        container=container,
        format_func=fmt,
        on_change=_test_changed,
    )


def pick_control(
    totals_: pd.DataFrame, default: str, names: dict[str, str], lang: str, container=None
) -> str:
    """The control picker; `default` is the engine's choice (analysis(..., control=None))."""
    variants = totals_["variant"].tolist()
    shown = labels(variants, names, lang)

    def fmt(variant: str) -> str:
        text = shown[variant]
        return t("ab.control_default", lang, variant=text) if variant == default else text

    return _select(
        t("ab.control", lang),
        variants,
        key=CONTROL_KEY,
        default=default,
        link_default=True,
        container=container,
        format_func=fmt,
        help=t("ab.control_help", lang),
    )


def pick_metric(totals_: pd.DataFrame, lang: str, container=None) -> str:
    options = list(METRICS) if has_orders(totals_) else ["ctr"]
    metric = url_state.segmented(
        t("ab.metric", lang),
        options,
        key=METRIC_KEY,
        default="ctr",
        container=container,
        format_func=lambda m: t(f"ab.metric_{m}", lang),
        help=t("ab.metric_help", lang),
    )
    if len(options) == 1:
        (container or st).caption(t("ab.no_orders", lang))
    return metric


def calculator(a: Analysis, lang: str) -> dict[str, int | None]:
    """The sample-size calculator's inputs (seeded from the test) and its result cards."""
    defaults = _seed_calc(a)
    cols = st.columns(6)
    cols[0].number_input(
        t("ab.calc_baseline", lang),
        key="ab_calc_baseline",
        min_value=0.01,
        max_value=99.0,
        step=0.1,
        format="%.2f",
    )
    cols[1].number_input(
        t("ab.calc_mde", lang),
        key="ab_calc_mde",
        min_value=0.1,
        max_value=500.0,
        step=1.0,
        format="%.1f",
    )
    cols[2].selectbox(
        t("ab.calc_alpha", lang),
        ALPHAS,
        key="ab_calc_alpha",
        format_func=lambda x: t("ab.calc_alpha_option", lang, alpha=x, level=round((1 - x) * 100)),
    )
    cols[3].selectbox(
        t("ab.calc_power", lang), POWERS, key="ab_calc_power", format_func=lambda x: f"{x:.0%}"
    )
    daily_field(lang, cols[4])
    cols[5].number_input(
        t("ab.calc_arms", lang), key="ab_calc_arms", min_value=2, max_value=20, step=1
    )
    for key in CALC_KEYS:
        url_state.store(key, default=defaults[key])
    ss = st.session_state
    out = plan(
        ss["ab_calc_baseline"] / 100,
        ss["ab_calc_mde"] / 100,
        ss["ab_calc_alpha"],
        ss["ab_calc_power"],
        ss["ab_calc_daily"],
        int(ss["ab_calc_arms"]),
    )
    if out["per_arm"] is None:
        st.warning(t("ab.calc_impossible", lang))
        return out
    cards = st.columns(3)
    cards[0].metric(
        t("ab.calc_per_arm", lang),
        numbers.fmt_int(out["per_arm"], lang, compact_from=math.inf),
        border=True,
    )
    cards[1].metric(
        t("ab.calc_total", lang),
        numbers.fmt_int(out["total"], lang, compact_from=math.inf),
        border=True,
    )
    cards[2].metric(t("ab.calc_days", lang), numbers.fmt_int(out["days"], lang), border=True)
    note = t("ab.calc_caption", lang)
    if out["days"] is not None and out["days"] < abtest_stats.MIN_DAYS:
        note += t("ab.calc_week", lang, min_days=abtest_stats.MIN_DAYS)
    st.caption(note)
    return out


DAILY_TEXT_KEY = "ab_calc_daily_text"  # the field; ab_calc_daily holds its number
_DAILY_BAD_KEY = "_ab_calc_daily_bad"


def _daily_typed() -> None:
    ss = st.session_state
    value = numbers.parse_int(ss.get(DAILY_TEXT_KEY))
    if value is not None and _calc_valid("ab_calc_daily")(value):
        ss["ab_calc_daily"] = value
        ss.pop(_DAILY_BAD_KEY, None)
    else:
        ss[_DAILY_BAD_KEY] = ss.get(DAILY_TEXT_KEY)


def daily_field(lang: str, container=None) -> None:
    """每天总展现量 as the one number formatter writes it (15,640): a number field can only
    show bare digits.  Typed with or without separators; anything else keeps the last value
    and says so."""
    ss = st.session_state
    ss[DAILY_TEXT_KEY] = numbers.fmt_int(ss["ab_calc_daily"], lang, compact_from=math.inf)
    box = container or st
    box.text_input(
        t("ab.calc_daily", lang),
        key=DAILY_TEXT_KEY,
        on_change=_daily_typed,
        help=t("ab.calc_daily_help", lang),
    )
    bad = ss.pop(_DAILY_BAD_KEY, None)
    if bad is not None:
        box.warning(t("ab.calc_daily_bad", lang, value=plain(bad)))  # typed: not markdown


def _seed_calc(a: Analysis) -> dict[str, float | int]:
    """Seed the calculator's settings from the link (else the test); returns the defaults."""
    defaults = calc_defaults(a)
    for key in CALC_KEYS:
        parse = int if key in ("ab_calc_daily", "ab_calc_arms") else float
        url_state.seed(key, default=defaults[key], parse=parse, valid=_calc_valid(key))
    return defaults


def calculator_plan(a: Analysis) -> dict:
    """The plan the calculator holds now (its settings and impressions per version), before
    the calculator is drawn: a fixed-horizon test is read at this sample."""
    _seed_calc(a)
    ss = st.session_state
    out = plan(
        ss["ab_calc_baseline"] / 100,
        ss["ab_calc_mde"] / 100,
        ss["ab_calc_alpha"],
        ss["ab_calc_power"],
        ss["ab_calc_daily"],
        int(ss["ab_calc_arms"]),
    )
    return {
        "per_arm": out["per_arm"],
        "baseline": ss["ab_calc_baseline"] / 100,
        "mde": ss["ab_calc_mde"] / 100,
        "alpha": ss["ab_calc_alpha"],
        "power": ss["ab_calc_power"],
    }


def _calc_valid(key: str):
    bounds = {
        "ab_calc_baseline": (0.01, 99.0),
        "ab_calc_mde": (0.1, 500.0),
        "ab_calc_daily": (1, 10**12),
        "ab_calc_arms": (2, 20),
    }
    if key == "ab_calc_alpha":
        return lambda v: v in ALPHAS
    if key == "ab_calc_power":
        return lambda v: v in POWERS
    lo, hi = bounds[key]
    return lambda v: lo <= v <= hi


def errors_text(a: Analysis, names: dict[str, str], lang: str) -> str | None:
    """The variants left out for bad counts, or None."""
    if not a.ctr.errors:
        return None
    shown = labels([e["variant"] for e in a.ctr.errors], names, lang)
    why = {e["code"]: t(f"ab.error_{e['code']}", lang) for e in a.ctr.errors}
    items = "；".join(f"{plain(shown[e['variant']])}：{why[e['code']]}" for e in a.ctr.errors)
    return t("ab.errors", lang, items=items)


def period_caption(a: Analysis, in_range: bool, start: date, end: date, lang: str) -> str:
    v = a.ctr.variants
    first = pd.Timestamp(v["first_date"].min()).date().isoformat()
    last = pd.Timestamp(v["last_date"].max()).date().isoformat()
    days = a.ctr.days if a.ctr.days is not None else numbers.NONE
    if in_range:
        return t(
            "ab.in_range",
            lang,
            start=start.isoformat(),
            end=end.isoformat(),
            first=first,
            last=last,
            days=days,
        )
    return t("ab.whole_test", lang, first=first, last=last, days=days)


def planning_caption(a: Analysis, lang: str) -> str | None:
    """What the planned sample is and what the traffic so far can detect."""
    r = a.result
    v = r.variants
    ctl = v.loc[v["is_control"], "ctr"]
    if r.sample_size_per_arm is None or not len(ctl):
        return None
    # planned as the calculator plans (its settings for this rate), so the figures agree
    settings = plan_settings(float(ctl.iloc[0]), r.planned_mde_rel)
    n = planned_per_arm(settings)
    if n is None:
        return None
    have = v.loc[v["valid"], "impressions"].min()
    unit = t(f"ab.unit_{a.metric}", lang)
    return t(
        "ab.plan_caption",
        lang,
        metric=t(f"verdict.metric_{a.metric}", lang),
        rate=_pct(settings["ab_calc_baseline"] / 100),
        mde=f"{r.planned_mde_rel:.0%}",
        n=numbers.fmt_int(n, lang),
        have=numbers.fmt_int(have, lang),
        unit=unit,
        detectable=numbers.NONE if numbers.is_missing(r.mde_rel) else f"{r.mde_rel:.1%}",
    )


def pick_method(lang: str, container=None) -> str:
    """Sequential (default: valid on every daily look) or fixed horizon (a planned test)."""
    return url_state.segmented(
        t("ab.method", lang),
        list(METHODS),
        key=METHOD_KEY,
        default="sequential",
        container=container,
        format_func=lambda m: t(f"ab.method_{m}", lang),
        help=t("ab.method_help", lang),
    )


def method_caption(method: str, plan_: dict, lang: str) -> str:
    """Which method the verdict uses and why."""
    if method == "sequential":
        return t("ab.method_why_sequential", lang, tau=f"{abtest_stats.SEQ_TAU:.2f}")
    if plan_["per_arm"] is None:
        return t("ab.method_why_fixed_no_plan", lang)
    return t(
        "ab.method_why_fixed",
        lang,
        n=numbers.fmt_int(plan_["per_arm"], lang, compact_from=math.inf),
        baseline=_pct(plan_["baseline"]),
        mde=f"{plan_['mde'] * 100:g}%",
        alpha=plan_["alpha"],
        power=f"{plan_['power']:.0%}",
    )


def smallest_arm(a: Analysis) -> float:
    """Impressions of the analysed version with the fewest (what a planned sample waits on)."""
    v = a.ctr.variants
    return float(v.loc[v["valid"], "impressions"].min())


def show_verdict(
    a: Analysis,
    names: dict[str, str],
    lang: str,
    method: str = "sequential",
    plan_: dict | None = None,
) -> abtest_sentences.Explanation:
    """The verdict sentence of the method (success / warning / info box), for a planned
    fixed-horizon test whether its sample is reached, and one warning per guardrail."""
    shown = {v: plain(x) for v, x in labels(a.result.variants["variant"], names, lang).items()}
    fixed = abtest_sentences.explain(
        a.verdict,
        lang,
        metric=a.metric,
        names=shown,
        days=a.ctr.days,
        srm_p_value=a.ctr.srm_p_value,
    )
    e = fixed
    if method == "sequential":
        e = abtest_sentences.explain_sequential(a.seq_verdict, lang, metric=a.metric, names=shown)
    planned = method == "fixed" and plan_ and plan_["per_arm"] is not None
    # a planned fixed-horizon test decides nothing before its sample (the stop rule below
    # says so): a "switch" or "keep" there would contradict it
    early = planned and smallest_arm(a) < plan_["per_arm"]
    if not (early and a.verdict["status"] in ("winner", "loser")):
        getattr(st, e.level)(e.headline, icon=":material/lightbulb:")
    if planned:
        st.info(
            abtest_sentences.fixed_stop(plan_["per_arm"], smallest_arm(a), lang),
            icon=":material/flag:",
        )
    for text in fixed.guardrails:
        st.warning(text, icon=":material/warning:")
    return e


# ---------------------------------------------------------------- sequential chart and both methods


def sequential_frame(a: Analysis, names: dict[str, str], lang: str) -> pd.DataFrame:
    """Per compared version and day: relative lift, its confidence sequence and whether that
    day is the decision day (a few rows per day, for the chart)."""
    d = a.seq.daily
    used = a.seq.variants.loc[~a.seq.variants["is_control"] & a.seq.variants["valid"]]
    d = d.loc[d["variant"].isin(used["variant"])]
    shown = labels(used["variant"], names, lang)
    decided_on = dict(zip(used["variant"], used["decided_on"], strict=True))
    return pd.DataFrame(
        {
            "date": pd.to_datetime(d["date"]).to_numpy(),
            "label": d["variant"].map(shown).to_numpy(object),
            "lift": d["lift_rel"].to_numpy(float),
            "cs_low": d["cs_low"].to_numpy(float),
            "cs_high": d["cs_high"].to_numpy(float),
            "decided": (d["date"] == d["variant"].map(decided_on)).to_numpy(bool),
        }
    )


def sequential_chart(frame: pd.DataFrame, lang: str) -> alt.Chart:
    """The relative lift per version by day with its confidence sequence as a band, the 0 line,
    and a vertical rule on each version's decision day."""
    x = alt.X("date:T", title=t("col.date", lang), axis=charts.day_axis())
    order = list(dict.fromkeys(frame["label"]))
    color = alt.Color(
        "label:N",
        title=None,
        legend=charts.top_legend(order, width_px=charts.HALF_WIDTH_PX, line=True),
        scale=alt.Scale(domain=order, range=_variant_colors(len(order) + 1)[1:]),
    )
    y_title = t("ab.seq_axis", lang)  # short: the heading names the control
    # the first days' sequences are very wide; cap the axis at -50%..+100% so the narrowing
    # that matters stays readable (the marks are clipped, the tooltips keep the values)
    values = frame[["lift", "cs_low", "cs_high"]].to_numpy(float)
    span = [-0.1, 0.1]
    if np.isfinite(values).any():
        span = [max(float(np.nanmin(values)), -0.5), min(float(np.nanmax(values)), 1.0)]
    y_scale = alt.Scale(domain=[min(span[0], 0.0), max(span[1], 0.0)], nice=True)
    band = (
        alt.Chart(frame)
        .mark_area(opacity=0.18, clip=True)
        .encode(x=x, y=alt.Y("cs_low:Q", scale=y_scale), y2="cs_high:Q", color=color)
    )
    line = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=18), clip=True)
        .encode(
            x=x,
            y=alt.Y("lift:Q", title=y_title, axis=alt.Axis(format="+.0%"), scale=y_scale),
            color=color,
            tooltip=[
                alt.Tooltip("label:N", title=t("ab.col_variant", lang)),
                alt.Tooltip("date:T", title=t("col.date", lang), format="%Y-%m-%d"),
                alt.Tooltip("lift:Q", title=t("ab.col_lift_rel", lang), format="+.1%"),
                alt.Tooltip("cs_low:Q", title=t("ab.seq_cs_low", lang), format="+.1%"),
                alt.Tooltip("cs_high:Q", title=t("ab.seq_cs_high", lang), format="+.1%"),
            ],
        )
    )
    zero = (
        alt.Chart(pd.DataFrame({"y": [0.0]}))
        .mark_rule(strokeDash=[4, 4], color=STATUS_COLORS["control"])
        .encode(y="y:Q")
    )
    decided = frame.loc[frame["decided"]]
    marks = (
        alt.Chart(decided)
        .mark_rule(strokeDash=[2, 2], strokeWidth=2)
        .encode(
            x=x,
            color=color,
            tooltip=[
                alt.Tooltip("label:N", title=t("ab.col_variant", lang)),
                alt.Tooltip("date:T", title=t("ab.seq_decided", lang), format="%Y-%m-%d"),
            ],
        )
    )
    # one 判定日 label per day: versions decided on the same day wrote it over one another
    once = decided.drop_duplicates("date").assign(text=t("ab.seq_decided", lang))
    labels_ = (
        alt.Chart(once)
        .mark_text(align="left", dx=4, dy=-6, baseline="bottom", clip=True)
        .encode(x=x, y=alt.Y("cs_high:Q", scale=y_scale), text="text:N", color=color)
    )
    return alt.layer(band, zero, line, marks, labels_).properties(height=300)


def comparison_table(a: Analysis, names: dict[str, str], lang: str) -> tuple[pd.DataFrame, dict]:
    """Each compared version under both methods: result, interval, Holm p; and the decision
    day of the sequential one (the expander's table) with its st.column_config."""
    v = a.result.variants.loc[~a.result.variants["is_control"]]
    fixed = {r["variant"]: r["status"] for r in a.verdict["variants"]}
    seq = {r["variant"]: r for r in a.seq_verdict["variants"]}
    shown = labels(v["variant"], names, lang)
    rows = []
    for r in v.to_dict("records"):
        s = seq.get(
            r["variant"],
            {"decision": None, "lift_cs": [None, None], "p_value": None, "decided_on": None},
        )
        rows.append(
            {
                t("ab.col_variant", lang): shown[r["variant"]],
                t("ab.col_fixed_status", lang): abtest_sentences.variant_status(
                    fixed.get(r["variant"], "inconclusive"), lang
                ),
                t("ab.col_fixed_ci", lang): _range(
                    r["lift_rel_ci_low"], r["lift_rel_ci_high"], _signed
                ),
                t("ab.col_fixed_p", lang): numbers.fmt_p(r["p_value_holm"]),
                t("ab.col_seq_status", lang): status_word(
                    s["decision"] or "inconclusive", lang, "sequential"
                ),
                t("ab.col_seq_cs", lang): _range(s["lift_cs"][0], s["lift_cs"][1], _signed),
                t("ab.col_seq_p", lang): numbers.fmt_p(s["p_value"]),
                t("ab.col_seq_decided", lang): s["decided_on"] or numbers.NONE,
            }
        )
    config = {t("ab.col_variant", lang): tables.key()}
    return pd.DataFrame(rows), config
