"""The what-if panel for meetings: drag a lever, see revenue, ROI and UV价值 follow.

The scenario is a set of levers (shopsight.whatif.Change) for all sources ("*") and, where
someone picked a source and moved a slider, overrides for that source.  It lives in the
link as one ?wi= value per scope, `<scope>:<traffic %>,<conversion points>,<aov %>,<spend %>`
(e.g. ?wi=*:0,0.5,0,0&wi=直通车:20,0,0,10), and the picked scope in ?wi_scope=, so a shared
link reopens with the same sliders.  The panel is an st.fragment: moving a slider reruns the
panel only, not the page.

Widget keys: wi_scope, wi_traffic, wi_conv, wi_aov, wi_spend, wi_reset.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass

import altair as alt
import pandas as pd
import streamlit as st

from shopsight import metrics, numbers, traffic_sources, whatif
from shopsight.i18n import joined, t
from shopsight.mdtext import plain
from shopsight.ui import charts, kpi_cards, session

ALL = "*"
PARAM = "wi"
SCOPE_PARAM = "wi_scope"
_STATE = "wi_scenario"
_SHOWN = "_wi_scope_shown"
BAR_LIMIT = 12  # waterfall bars for sources; the rest are summed into one


@dataclass(frozen=True)
class Lever:
    field: str  # whatif.Change field
    key: str  # widget key
    label: str  # i18n key
    low: float
    high: float
    step: float
    fmt: str  # slider display format


LEVERS = (
    Lever("traffic_pct", "wi_traffic", "whatif.traffic", -50.0, 100.0, 5.0, "%+.0f%%"),
    Lever("conversion_pts", "wi_conv", "whatif.conversion", -2.0, 2.0, 0.1, "%+.1f pt"),
    Lever("aov_pct", "wi_aov", "whatif.aov", -30.0, 30.0, 1.0, "%+.0f%%"),
    Lever("spend_pct", "wi_spend", "whatif.spend", -50.0, 100.0, 5.0, "%+.0f%%"),
)
Scenario = dict[str, whatif.Change]  # scope ("*" or a source) -> levers


# ---------- the link codec (pure)


def _num(value: float) -> str:
    return f"{value:g}"


def encode(scenario: Mapping[str, whatif.Change]) -> list[str]:
    """One link value per scope that changes something; "*" first, then by source name."""
    out = []
    for scope in sorted(scenario, key=lambda s: (s != ALL, s)):
        change = scenario[scope]
        if change != whatif.Change():
            out.append(f"{scope}:" + ",".join(_num(v) for v in astuple(change)))
    return out


def decode(values: Iterable[str], known: Iterable[str]) -> tuple[Scenario, list[str]]:
    """The scenario of the link's ?wi= values; and the values not used (bad text, a lever
    outside the slider's range, or a source the data does not have)."""
    known = set(known)
    scenario: Scenario = {}
    bad = []
    for value in values:
        scope, sep, body = value.rpartition(":")
        try:
            nums = [float(x) for x in body.split(",")]
            ok = bool(sep) and len(nums) == len(LEVERS) and (scope == ALL or scope in known)
            ok = ok and all(
                math.isfinite(v) and lv.low <= v <= lv.high
                for v, lv in zip(nums, LEVERS, strict=True)
            )
        except ValueError:
            ok = False
        if ok:
            scenario[scope] = whatif.Change(*nums)
        else:
            bad.append(value)
    return scenario, bad


def split(scenario: Mapping[str, whatif.Change]) -> tuple[whatif.Change, dict[str, whatif.Change]]:
    """(the levers for all sources, the per-source overrides) as whatif.project takes them."""
    return scenario.get(ALL, whatif.Change()), {s: c for s, c in scenario.items() if s != ALL}


def baseline(tbl: pd.DataFrame) -> pd.DataFrame:
    """The per-source baseline for whatif.project from the sources table."""
    base = tbl[["source", "visitors", "paying_buyers", "paid_amount", "spend"]].copy()
    for c in ("visitors", "paying_buyers", "paid_amount", "spend"):
        base[c] = pd.to_numeric(base[c]).astype("float64").fillna(0.0)
    return base


def project(tbl: pd.DataFrame, scenario: Mapping[str, whatif.Change]) -> whatif.Projection:
    """The scenario on the table's sources; overrides for sources the filters left out wait
    in the scenario (and the link) until those sources are back."""
    change, per_source = split(scenario)
    names = set(tbl["source"])
    return whatif.project(
        baseline(tbl), change, {s: c for s, c in per_source.items() if s in names}
    )


# ---------- state


def _levers_of(scenario: Scenario, scope: str) -> whatif.Change:
    return scenario.get(scope) or scenario.get(ALL) or whatif.Change()


def _load_sliders(change: whatif.Change) -> None:
    for lv in LEVERS:
        st.session_state[lv.key] = float(getattr(change, lv.field))


def _seed(names: list[str], lang: str) -> None:
    """Once per session: the scenario, scope and sliders from the link."""
    ss, qp = st.session_state, st.query_params
    if _STATE in ss:
        return
    scenario, bad = decode(qp.get_all(PARAM), names)
    for value in bad:
        session.notice(t("notice.bad_param", lang, param=PARAM, value=value))
    scope = qp.get(SCOPE_PARAM, ALL)
    if scope not in names and scope != ALL:
        session.notice(t("notice.bad_param", lang, param=SCOPE_PARAM, value=scope))
        scope = ALL
    ss[_STATE] = scenario
    ss[SCOPE_PARAM] = scope


def _reset() -> None:
    st.session_state[_STATE] = {}
    st.session_state[SCOPE_PARAM] = ALL
    _load_sliders(whatif.Change())


def _store_link(scenario: Scenario, scope: str) -> None:
    qp = st.query_params
    values = encode(scenario)
    if qp.get_all(PARAM) != values:
        if values:
            qp[PARAM] = values
        elif PARAM in qp:
            del qp[PARAM]
    if scope == ALL:
        if SCOPE_PARAM in qp:
            del qp[SCOPE_PARAM]
    elif qp.get(SCOPE_PARAM) != scope:
        qp[SCOPE_PARAM] = scope


def current() -> Scenario:
    """The scenario in force in this session (empty before the panel first ran)."""
    return dict(st.session_state.get(_STATE, {}))


# ---------- display


def summary_table(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """sources.scenario_summary as display text: metric, baseline, scenario, change."""
    rows = []
    for r in summary.itertuples(index=False):
        rows.append(
            {
                t("whatif.col_metric", lang): t(f"metric.{r.metric}", lang),
                # full numbers: a table never mixes ¥98,000.00 with ¥12.3万
                t("whatif.col_baseline", lang): numbers.fmt(
                    r.baseline, r.fmt, lang, compact_from=math.inf
                ),
                t("whatif.col_scenario", lang): numbers.fmt(
                    r.scenario, r.fmt, lang, compact_from=math.inf
                ),
                t("whatif.col_change", lang): traffic_sources.change_text(r.change, r.fmt, lang)
                or numbers.NONE,
            }
        )
    return pd.DataFrame(rows)


def source_table(projection: whatif.Projection, lang: str) -> pd.DataFrame:
    """Per source: scenario visitors, buyers, revenue and its change, spend, ROI, UV价值."""
    f = projection.by_source
    cols = {
        "source": t("col.source", lang),
        "visitors": t("metric.visitors", lang),
        "buyers": t("metric.paying_buyers", lang),
        "revenue_base": t("whatif.revenue_base", lang),
        "revenue": t("whatif.revenue_scenario", lang),
        # a signed change has no room for the symbol in the cell: it goes in the header
        "revenue_change": t("whatif.revenue_change", lang, symbol=numbers.symbol(None)),
        "spend": t("metric.spend", lang),
        "roi": t("metric.roi", lang),
        "uv_value": t("metric.uv_value", lang),
    }
    return f[list(cols)].rename(columns=cols)


SOURCE_TABLE_FORMATS = {
    "visitors": numbers.column_format("int"),
    "buyers": numbers.column_format("int"),
    "revenue_base": numbers.column_format("money"),
    "revenue": numbers.column_format("money"),
    "revenue_change": {"format": "%+,.2f"},  # a change of money, signed
    "spend": numbers.column_format("money"),
    "roi": numbers.column_format("ratio"),
    "uv_value": numbers.column_format("money"),
}


def waterfall_frame(
    projection: whatif.Projection, lang: str, limit: int = BAR_LIMIT
) -> pd.DataFrame:
    """whatif.waterfall with labels, sources without change left out, and beyond `limit`
    changed sources the smallest summed into one bar."""
    wf = whatif.waterfall(projection)
    totals = wf[wf["kind"] == "total"]
    moves = wf[(wf["kind"] == "change") & (wf["amount"].abs() > 1e-9)]
    if len(moves) > limit:
        order = moves["amount"].abs().sort_values(ascending=False).index
        keep, rest = moves.loc[order[: limit - 1]], moves.loc[order[limit - 1 :]]
        moves = pd.concat(
            [
                keep,
                pd.DataFrame(
                    [
                        {
                            "label": t("whatif.others", lang, n=len(rest)),
                            "kind": "change",
                            "amount": rest["amount"].sum(),
                        }
                    ]
                ),
            ],
            ignore_index=True,
        )
    # rebuild the running total over the kept bars (their order may have changed)
    start = float(totals.iloc[0]["amount"])
    rows = [
        {
            "label": t("whatif.baseline", lang),
            "kind": "total",
            "amount": start,
            "start": 0.0,
            "end": start,
        }
    ]
    for r in moves.itertuples(index=False):
        rows.append(
            {
                "label": r.label,
                "kind": "up" if r.amount >= 0 else "down",
                "amount": float(r.amount),
                "start": start,
                "end": start + r.amount,
            }
        )
        start += r.amount
    end = float(totals.iloc[1]["amount"])
    rows.append(
        {
            "label": t("whatif.scenario", lang),
            "kind": "total",
            "amount": end,
            "start": 0.0,
            "end": end,
        }
    )
    return pd.DataFrame(rows)


def waterfall_domain(frame: pd.DataFrame) -> tuple[float, float]:
    """The y range of the waterfall: around the running totals, not from zero, so a change
    of a few percent is visible (the totals' bars are cut at the bottom, and say so)."""
    levels = pd.concat([frame["end"], frame.loc[frame["kind"] != "total", "start"]])
    lo, hi = float(levels.min()), float(levels.max())
    pad = max((hi - lo) * 0.6, abs(hi) * 0.01, 1.0)
    return max(lo - pad, 0.0), hi + pad


def waterfall_axis(labels: list[str], width_px: int = charts.HALF_WIDTH_PX) -> alt.Axis:
    """Every bar keeps its name: level while the names fit side by side, else slanted.
    Vega would otherwise drop every other overlapping name (or cut it at 180 px)."""
    per_bar = width_px / max(len(labels), 1)
    level = max((charts.label_px(x) for x in labels), default=0) + 6 <= per_bar
    return alt.Axis(labelAngle=0 if level else -40, labelOverlap=False, labelLimit=0)


def waterfall_chart(frame: pd.DataFrame, *, amount_title: str) -> alt.Chart:
    order = frame["label"].tolist()
    lo, hi = waterfall_domain(frame)
    return (
        alt.Chart(frame)
        .mark_bar(clip=True)
        .encode(
            x=alt.X("label:N", sort=order, title=None, axis=waterfall_axis(order)),
            y=alt.Y(
                "start:Q",
                title=amount_title,
                axis=alt.Axis(format=",.0f"),
                scale=alt.Scale(domain=[lo, hi], zero=False, nice=False),
            ),
            y2=alt.Y2("end:Q"),
            color=alt.Color(
                "kind:N",
                legend=None,
                scale=alt.Scale(
                    domain=["total", "up", "down"],
                    range=[charts.COMPARE_COLOR, session.palette().good, session.palette().bad],
                ),
            ),
            tooltip=[
                alt.Tooltip("label:N", title=" "),
                alt.Tooltip("amount:Q", title=amount_title, format=",.2f"),
            ],
        )
        .properties(height=300)
    )


# ---------- the panel


@st.fragment
def panel(tbl: pd.DataFrame, lang: str) -> None:
    """The what-if panel over the sources table (sources.table); reruns on its own."""
    ss = st.session_state
    names = tbl["source"].tolist()
    _seed(names, lang)
    scenario: Scenario = ss[_STATE]
    if ss.get(SCOPE_PARAM) not in (ALL, *names):
        ss[SCOPE_PARAM] = ALL

    st.caption(t("whatif.help", lang))
    top = st.columns([3, 1])
    scope = top[0].selectbox(
        t("whatif.scope", lang),
        [ALL, *names],
        key=SCOPE_PARAM,
        format_func=lambda s: t("whatif.all_sources", lang) if s == ALL else s,
    )
    top[1].button(
        t("whatif.reset", lang),
        key="wi_reset",
        on_click=_reset,
        icon=":material/restart_alt:",
        width="stretch",
    )
    if ss.get(_SHOWN) != scope or any(lv.key not in ss for lv in LEVERS):
        _load_sliders(_levers_of(scenario, scope))  # a new scope shows its own levers
    ss[_SHOWN] = scope

    cols = st.columns(len(LEVERS))
    values = {}
    for col, lv in zip(cols, LEVERS, strict=True):
        values[lv.field] = col.slider(
            t(lv.label, lang), lv.low, lv.high, step=lv.step, key=lv.key, format=lv.fmt
        )
    change = whatif.Change(**values)
    if scope == ALL:
        scenario[ALL] = change
    elif change != scenario.get(ALL, whatif.Change()):
        scenario[scope] = change
    else:  # the same as for all sources: no override needed
        scenario.pop(scope, None)
    _store_link(scenario, scope)

    overrides = [s for s in scenario if s != ALL and s in names]
    if overrides:
        st.caption(t("whatif.overrides", lang, names=joined(map(plain, overrides), lang)))

    projection = project(tbl, scenario)
    summary = traffic_sources.scenario_summary(projection)
    by_metric = summary.set_index("metric")
    cards = st.columns(4)
    for col, name in zip(cards, ("paid_amount", "roi", "uv_value", "paying_buyers"), strict=True):
        r = by_metric.loc[name]
        col.metric(
            t("whatif.card", lang, metric=t(f"metric.{name}", lang)),
            numbers.fmt(r.scenario, r.fmt, lang),
            **kpi_cards.delta_args(
                traffic_sources.change_text(r.change, r.fmt, lang),
                metrics.delta_color("paid_amount", session.colour_convention()),
            ),
            border=True,
        )
    if not by_metric.loc["roi"].notna()["baseline"]:
        st.caption(t("whatif.no_spend", lang))
    else:
        st.caption(t("whatif.roi_caption", lang))

    # 5:7 leaves the four-column summary ~400 px at 1440 px, its columns' full width
    left, right = st.columns([5, 7])
    left.dataframe(
        summary_table(summary, lang), hide_index=True, placeholder=numbers.NONE, width="stretch"
    )
    wf = waterfall_frame(projection, lang)
    charts.show(waterfall_chart(wf, amount_title=t("metric.paid_amount", lang)), right)
    right.caption(t("whatif.waterfall_caption", lang))
    table = source_table(projection, lang)
    st.dataframe(
        table,
        hide_index=True,
        placeholder=numbers.NONE,
        width="stretch",
        column_config={
            table.columns[0]: st.column_config.TextColumn(pinned=True),
            **{
                c: st.column_config.NumberColumn(**fmt)
                for c, fmt in zip(table.columns[1:], SOURCE_TABLE_FORMATS.values(), strict=True)
            },
        },
    )
