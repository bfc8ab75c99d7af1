"""The Funnel page's numbers and charts.

Two funnels:
- the shop funnel 访客 -> 加购 -> 下单 -> 支付 from summed `traffic` rows (or `products`
  when no traffic is loaded for the range): counts, step conversion, conversion from the
  first step, drop-off, vs the compare period and vs entered 同行平均 rates;
- the event funnel from `events`: 2-6 ordered steps done by one user within a window
  (queries/event_funnel.sql, rules in its header), with time to convert; one query answers
  the period, the compare period and the time to convert.

The shaping functions (`segments_frame`, `event_frame`, `duration_label`, and
shopsight.event_funnel.steps_frame) are pure: frames in, frames out.  The loaders go through
ui.data.query (cached).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from shopsight import event_funnel, metrics, numbers
from shopsight.event_funnel import BENCHMARK_OF, SHOP_KINDS, STEPS, steps_frame  # noqa: F401
from shopsight.i18n import t
from shopsight.mdtext import plain
from shopsight.ui import charts, kpi_cards, query_cache, session, tables
from shopsight.ui.filters import Filters

SPLITS = {"traffic": ("none", "source", "device"), "products": ("none", "category")}
FILTER_DIMS = {"traffic": ("src", "dev"), "products": ("cat",)}
BENCHMARK_SETTING = "benchmarks"
WINDOWS = ("30m", "1h", "1d", "7d")
DEFAULT_WINDOW = "1d"
EVENT_SPLITS = ("none", *event_funnel.SEGMENT_COLUMNS)
EVENT_FILTERS = {"source": "src", "device": "dev", "province": "prov"}
DEFAULT_STEP_COUNT = 4
SEGMENT_LIMIT = 10
STEPS_PARAM = "fn_steps"  # link key: the event steps in order (repeated)


# ---------- pure shaping


def _num(v: object) -> float | None:
    return None if numbers.is_missing(v) else float(v)  # type: ignore[arg-type]


def segments_frame(rows: pd.DataFrame, limit: int = SEGMENT_LIMIT) -> tuple[pd.DataFrame, int]:
    """Per-segment funnels (long: segment, step, users, conversion_from_first,
    conversion_from_previous) for the `limit` segments with most visitors; and how many
    segments were left out."""
    rows = rows[rows["visitors"].fillna(0) > 0]
    kept = rows.head(limit)
    parts = []
    for r in kept.to_dict("records"):
        frame = steps_frame(r)
        frame.insert(0, "segment", "—" if numbers.is_missing(r["segment"]) else str(r["segment"]))
        parts.append(
            frame[["segment", "step", "users", "conversion_from_first", "conversion_from_previous"]]
        )
    long = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(
            columns=[
                "segment",
                "step",
                "users",
                "conversion_from_first",
                "conversion_from_previous",
            ]
        )
    )
    return long, len(rows) - len(kept)


def event_frame(rows: pd.DataFrame, compare: pd.DataFrame | None = None) -> pd.DataFrame:
    """The whole event funnel (rows of event_funnel.sql with segment null) with drop-off and
    the compare period's conversions.  Columns as steps_frame, step = the event name."""
    rows = rows.sort_values("step_index")
    cmp_rows = compare.sort_values("step_index") if compare is not None else None
    out = []
    for i, r in enumerate(rows.itertuples(index=False)):
        users = float(r.users)
        prev = float(rows["users"].iloc[i - 1]) if i else None
        from_first = _num(r.conversion_from_first)
        c = cmp_rows.iloc[i] if cmp_rows is not None and i < len(cmp_rows) else None
        cmp_first = _num(c["conversion_from_first"]) if c is not None else None
        from_prev = _num(r.conversion_from_previous)
        out.append(
            {
                "step": r.step,
                "users": users,
                "conversion_from_previous": from_prev,
                "conversion_from_first": from_first,
                "drop_off": prev - users if prev is not None else None,
                "drop_off_rate": 1 - from_prev if from_prev is not None else None,
                "cmp_users": float(c["users"]) if c is not None else None,
                "cmp_conversion_from_first": cmp_first,
                "cmp_conversion_from_previous": (
                    _num(c["conversion_from_previous"]) if c is not None else None
                ),
                "change_points": (
                    from_first - cmp_first
                    if i and from_first is not None and cmp_first is not None
                    else None
                ),
            }
        )
    return pd.DataFrame(out)


def event_segments(rows: pd.DataFrame, limit: int = SEGMENT_LIMIT) -> tuple[pd.DataFrame, int]:
    """Segments of event_funnel.sql rows, the `limit` with most first-step users; (frame,
    how many were left out).  The null segment (events without the value) shows as —."""
    rows = rows.copy()
    rows["segment"] = [("—" if numbers.is_missing(s) else str(s)) for s in rows["segment"]]
    first = rows[rows["step_index"] == 1].sort_values(["users", "segment"], ascending=[False, True])
    first = first[first["users"] > 0]
    keep = first["segment"].head(limit).tolist()
    kept = rows[rows["segment"].isin(keep)].copy()
    kept["segment"] = pd.Categorical(kept["segment"], categories=keep, ordered=True)
    kept = kept.sort_values(["segment", "step_index"])
    kept["segment"] = kept["segment"].astype(str)
    cols = [
        "segment",
        "step_index",
        "step",
        "users",
        "conversion_from_first",
        "conversion_from_previous",
    ]
    return kept[cols].reset_index(drop=True), len(first) - len(keep)


_UNITS = ((86400, "d"), (3600, "h"), (60, "m"), (1, "s"))


def duration_label(seconds: int, lang: str) -> str:
    """3600 -> '1小时' / '1 h'; the largest unit that divides it."""
    seconds = int(seconds)
    if seconds == 0:
        return "0"
    for size, unit in _UNITS:
        if seconds % size == 0:
            return t(f"funnel.unit_{unit}", lang, n=seconds // size)
    return str(seconds)


def time_frame(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Time-to-convert buckets of the whole funnel with a label 'start–end'."""
    rows = rows[rows["segment"].isna()] if rows["segment"].isna().any() else rows
    out = rows[["bucket_index", "start_seconds", "end_seconds", "users", "share"]].copy()
    out["bucket"] = [
        f"{duration_label(a, lang)}–{duration_label(b, lang)}"
        for a, b in zip(out["start_seconds"], out["end_seconds"], strict=True)
    ]
    return out.sort_values("bucket_index").reset_index(drop=True)


def step_label(step: str, lang: str) -> str:
    return t(STEPS[step], lang) if step in STEPS else step


# ---------- loaders (cached queries)


def shop_kind(f: Filters) -> str | None:
    """traffic when it has rows in the range, else products, else None (funnel.shop_sums)."""
    return event_funnel.shop_sums(query_cache.query, f.params())[0]


def coverage() -> tuple[date, date] | None:
    """First and last day of the traffic, product and event data (None when none is loaded)."""
    b = query_cache.query("date_bounds")
    b = b[b["kind"].isin((*SHOP_KINDS, "events")) & (b["count_rows"] > 0)]
    if b.empty:
        return None
    return pd.Timestamp(b["first_day"].min()).date(), pd.Timestamp(b["last_day"].max()).date()


def shop_rows(kind: str, f: Filters, split: str) -> pd.DataFrame:
    return query_cache.query(
        event_funnel.STEP_QUERIES[kind], **f.params(), by=None if split == "none" else split
    )


def shop_sums(kind: str, f: Filters) -> pd.Series:
    rows = shop_rows(kind, f, "none")
    return rows.iloc[0] if not rows.empty else pd.Series(dtype="object")


def benchmarks() -> dict[str, float]:
    return query_cache.get_setting(BENCHMARK_SETTING, {}) or {}


def save_benchmarks(entered: Mapping[str, float]) -> None:
    """Store the funnel's 同行平均 rates next to the Overview's (same setting, same names)."""
    saved = benchmarks()
    query_cache.set_setting(
        BENCHMARK_SETTING,
        {**{k: v for k, v in saved.items() if k not in BENCHMARK_OF.values()}, **entered},
    )


def event_names(f: Filters) -> list[str]:
    df = query_cache.query("event_names", start_date=f.start, end_date=f.end)
    return df["event"].tolist()


def event_filters(f: Filters) -> tuple[dict, list[str]]:
    """The global filters the event funnel can take (one value per dimension); and the
    dimensions left out because several values are picked."""
    out, left_out = {}, []
    for col, dim in EVENT_FILTERS.items():
        values = f.values(dim) or []
        out[col] = values[0] if len(values) == 1 else None
        if len(values) > 1:
            left_out.append(dim)
    return out, left_out


def _event_params(steps: Sequence[str], window: str, by: str, f: Filters) -> dict:
    filt, _ = event_filters(f)
    # the whole funnel carries the compare period (same pass); the split shows none
    cmp_start, cmp_end = f.compare if by == "none" and f.compare else (None, None)
    return {
        "steps": list(steps),
        "window_seconds": event_funnel.parse_duration(window),
        "by": None if by == "none" else by,
        "start_date": f.start,
        "end_date": f.end,
        "cmp_start_date": cmp_start,
        "cmp_end_date": cmp_end,
        **filt,
    }


def event_report(steps: Sequence[str], window: str, by: str, f: Filters) -> pd.DataFrame:
    """Every row of event_funnel.sql for these steps: steps and time to convert, for the
    period and (without a split) the compare period; one cached query for the whole view."""
    return query_cache.query("event_funnel", **_event_params(steps, window, by, f))


def event_rows(
    steps: Sequence[str], window: str, by: str, f: Filters, compare: bool = False
) -> pd.DataFrame:
    """The step rows of the period, or of the compare period (only without a split)."""
    return event_funnel.step_rows(
        event_report(steps, window, by, f), "compare" if compare else "current"
    )


def event_times(steps: Sequence[str], window: str, f: Filters) -> pd.DataFrame:
    return event_funnel.time_rows(event_report(steps, window, "none", f))


# ---------- display


def _pct(v, lang: str) -> str:
    return numbers.fmt(v, "pct", lang)


def _points(v) -> str:
    return "" if numbers.is_missing(v) else f"{v * 100:+.2f} pt"


def _count(v, lang: str) -> str:
    return numbers.fmt(v, "int", lang, compact_from=math.inf)


def step_cards(frame: pd.DataFrame, labels: Sequence[str], lang: str, *, compare: bool) -> None:
    """One card per step: users, change vs the compare period, step conversion below."""
    cols = st.columns(len(frame))
    for col, row, label in zip(cols, frame.itertuples(index=False), labels, strict=True):
        change = numbers.change(row.users, row.cmp_users) if compare else None
        col.metric(
            plain(label),
            numbers.fmt(row.users, "int", lang, compact_from=kpi_cards.CARD_COMPACT_FROM),
            **kpi_cards.delta_args(
                numbers.fmt_change(change, lang),
                metrics.delta_color("conversion", session.colour_convention()),
            ),
            border=True,
        )
        if not numbers.is_missing(row.conversion_from_previous):
            col.caption(
                t(
                    "funnel.step_caption",
                    lang,
                    rate=_pct(row.conversion_from_previous, lang),
                    first=_pct(row.conversion_from_first, lang),
                )
            )


def step_table(
    frame: pd.DataFrame, labels: Sequence[str], lang: str, *, compare: bool
) -> pd.DataFrame:
    """The steps as display text: counts, rates, drop-off, compare and 同行平均 columns
    (the last two only when there is something to show)."""
    cols = {
        "label": t("funnel.col_step", lang),
        "users": t("funnel.col_users", lang),
        "conversion_from_previous": t("funnel.col_step_conversion", lang),
        "conversion_from_first": t("funnel.col_from_first", lang),
        "drop_off": t("funnel.col_drop_off", lang),
        "drop_off_rate": t("funnel.col_drop_off_rate", lang),
    }
    if compare:
        cols["cmp_conversion_from_first"] = t("funnel.col_cmp_from_first", lang)
        cols["change_points"] = t("funnel.col_change_points", lang)
    if "benchmark" in frame and frame["benchmark"].notna().any():
        cols["benchmark"] = t("funnel.col_benchmark", lang)
        cols["benchmark_gap"] = t("funnel.col_benchmark_gap", lang)
    shown = frame.assign(label=list(labels))
    for c in (
        "conversion_from_previous",
        "conversion_from_first",
        "drop_off_rate",
        "cmp_conversion_from_first",
        "benchmark",
    ):
        if c in cols:
            shown[c] = shown[c].map(lambda v: _pct(v, lang))
    for c in ("change_points", "benchmark_gap"):
        if c in cols:
            shown[c] = shown[c].map(_points)
    for c in ("users", "drop_off"):
        shown[c] = shown[c].map(lambda v: _count(v, lang))
    return shown[list(cols)].rename(columns=cols)


def segment_table(long: pd.DataFrame, lang: str, *, segment_title: str) -> pd.DataFrame:
    """Segments as rows: users per step, then each step's conversion from the first."""
    users = long.pivot_table(
        index="segment", columns="label", values="users", sort=False, aggfunc="sum"
    )
    out = users.map(lambda v: _count(v, lang))
    rates = long[long["label"] != long["label"].iloc[0]].pivot_table(
        index="segment", columns="label", values="conversion_from_first", sort=False, aggfunc="sum"
    )
    for c in rates.columns:
        out[f"{c} · {t('funnel.col_from_first', lang)}"] = rates[c].map(lambda v: _pct(v, lang))
    return out.reset_index().rename(columns={"segment": segment_title})


# ---------- widgets


def step_pickers(names: list[str], lang: str) -> list[str]:
    """funnel.MAX_STEPS ordered selectboxes (keys fn_steps_1..), seeded once from the link's
    ?fn_steps=a&fn_steps=b...; blanks are skipped.  Returns the steps in order."""
    ss, qp = st.session_state, st.query_params
    keys = [f"{STEPS_PARAM}_{i + 1}" for i in range(event_funnel.MAX_STEPS)]
    default = event_funnel.default_steps(names, DEFAULT_STEP_COUNT)
    if keys[0] not in ss:
        asked = qp.get_all(STEPS_PARAM)
        chosen = default
        if asked:
            unknown = [s for s in asked if s not in names]
            if unknown or not event_funnel.MIN_STEPS <= len(asked) <= event_funnel.MAX_STEPS:
                session.notice(
                    t("notice.bad_param", lang, param=STEPS_PARAM, value=",".join(asked))
                )
            else:
                chosen = asked
        for i, key in enumerate(keys):
            ss[key] = chosen[i] if i < len(chosen) else ""
    options = ["", *names]
    cols = st.columns(event_funnel.MAX_STEPS)
    for i, (col, key) in enumerate(zip(cols, keys, strict=True)):
        if ss.get(key) not in options:
            ss[key] = ""
        col.selectbox(
            t("funnel.step_n", lang, n=i + 1),
            options,
            key=key,
            format_func=lambda s: s or t("funnel.step_none", lang),
        )
    steps = [ss[k] for k in keys if ss[k]]
    if steps == default:
        if STEPS_PARAM in qp:
            del qp[STEPS_PARAM]
    elif qp.get_all(STEPS_PARAM) != steps:
        qp[STEPS_PARAM] = steps
    return steps


# ---------- charts (small frames only)


def funnel_chart(
    frame: pd.DataFrame, *, step_title: str, users_title: str, labels: Sequence[str]
) -> alt.Chart:
    """Horizontal bars of users per step (funnel order top-down), labelled with the count
    and the step conversion."""
    df = frame[["users", "conversion_from_previous", "conversion_from_first"]].copy()
    df["label"] = list(labels)
    df["text"] = [
        _count(u, "en") + (f"  ({_pct(c, 'en')})" if not numbers.is_missing(c) else "")
        for u, c in zip(df["users"], df["conversion_from_previous"], strict=True)
    ]
    df = df.astype({"users": "float64"})
    base = alt.Chart(df).encode(
        y=alt.Y("label:N", sort=list(labels), title=step_title),
        x=alt.X("users:Q", title=users_title, axis=alt.Axis(format=",.0f")),
    )
    bars = base.mark_bar(color=charts.CURRENT_COLOR).encode(
        tooltip=[
            alt.Tooltip("label:N", title=step_title),
            alt.Tooltip("users:Q", title=users_title, format=",.0f"),
            alt.Tooltip("conversion_from_first:Q", format=".2%", title="%"),
        ],
    )
    text = base.mark_text(align="left", dx=4).encode(text=alt.Text("text:N"))
    return alt.layer(bars, text).properties(height=max(120, 46 * len(df)))


def segment_chart(
    long: pd.DataFrame, *, step_order: Sequence[str], segment_title: str, rate_title: str
) -> alt.Chart:
    """Step conversion per segment, bars grouped by step (the first step has none)."""
    df = long[["segment", "label", "conversion_from_previous"]].dropna().copy()
    df["conversion_from_previous"] = pd.to_numeric(df["conversion_from_previous"]).astype("float64")
    segments = list(dict.fromkeys(long["segment"]))
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort=list(step_order[1:]), title=None, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("segment:N", sort=segments),
            y=alt.Y("conversion_from_previous:Q", title=rate_title, axis=alt.Axis(format=".0%")),
            color=alt.Color(
                "segment:N", title=segment_title, sort=segments, legend=charts.top_legend(segments)
            ),
            tooltip=[
                alt.Tooltip("segment:N", title=segment_title),
                alt.Tooltip("label:N", title=" "),
                alt.Tooltip("conversion_from_previous:Q", title=rate_title, format=".2%"),
            ],
        )
        .properties(height=300)
    )


def time_chart(
    frame: pd.DataFrame, *, bucket_title: str, share_title: str, users_title: str
) -> alt.Chart:
    df = frame[["bucket", "users", "share"]].copy().astype({"users": "float64"})
    df["share"] = pd.to_numeric(df["share"]).astype("float64")
    return (
        alt.Chart(df)
        .mark_bar(color=charts.CURRENT_COLOR)
        .encode(
            x=alt.X(
                "bucket:N",
                sort=frame["bucket"].tolist(),
                title=bucket_title,
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("share:Q", title=share_title, axis=alt.Axis(format=".0%")),
            tooltip=[
                alt.Tooltip("bucket:N", title=bucket_title),
                alt.Tooltip("users:Q", title=users_title, format=",.0f"),
                alt.Tooltip("share:Q", title=share_title, format=".1%"),
            ],
        )
        .properties(height=240)
    )


def show_steps(
    frame: pd.DataFrame, labels: Mapping, lang: str, *, compare: bool, users_key: str
) -> None:
    """The funnel chart above its step table (beside it, the table's compare and 同行
    columns were cut at 1440 px)."""
    charts.show(
        funnel_chart(
            frame,
            step_title=t("funnel.col_step", lang),
            users_title=t(users_key, lang),
            labels=labels,
        )
    )
    st.dataframe(
        step_table(frame, labels, lang, compare=compare),
        hide_index=True,
        placeholder=numbers.NONE,
        width="stretch",
        column_config={t("funnel.col_step", lang): tables.key()},
    )
