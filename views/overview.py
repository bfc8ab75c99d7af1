"""经营概况 Overview: KPI cards with deltas and 同行平均, the daily trend, top movers."""

import math

import streamlit as st

from shopsight import currency, metrics, numbers, workspace
from shopsight.i18n import joined, t
from shopsight.ui import (
    charts,
    filters,
    kpi_cards,
    overview_page,
    query_cache,
    session,
    tables,
    url_state,
)

lang = session.lang()
f = filters.current()
st.title(t("overview.title", lang))

loaded = overview_page.loaded_kinds()
if not loaded & set(overview_page.KPI_KINDS):
    st.info(t("overview.empty_body", lang), icon=":material/upload_file:")
    cols = st.columns([1, 1, 3])
    if not workspace.is_read_only(session.current_workspace()) and cols[0].button(
        t("overview.load_sample", lang), key="ov_load_sample", type="primary"
    ):
        session.open_sample()
        filters.reset()
        st.rerun()
    cols[1].page_link(
        "views/data.py", label=t("overview.go_data", lang), icon=":material/upload_file:"
    )
    st.stop()

k = overview_page.kpis(f, loaded)
if k.kind is None:
    bounds = filters.bounds()
    bounds = bounds[bounds["kind"].isin(overview_page.KPI_KINDS) & (bounds["count_rows"] > 0)]
    st.info(
        t(
            "overview.no_rows_in_range",
            lang,
            start=str(bounds["first_day"].min().date()),
            end=str(bounds["last_day"].max().date()),
        )
    )
    st.stop()

# ---------- KPI cards
kind_label = t(f"kind.{k.kind}", lang)
benchmarks = query_cache.get_setting("benchmarks", {}) or {}
rates = query_cache.get_setting(currency.FX_SETTING, {}) or {}
money = overview_page.money(k, f, rates)
names = k.names()
cmp_cov = overview_page.compare_coverage(k.kind, f)
incomplete = cmp_cov is not None and not cmp_cov.complete
kpi_cards.cards(
    names,
    k.values(),
    lang,
    previous=k.values("compare") if f.compare and not incomplete else None,
    benchmarks=benchmarks,
    note=t("overview.compare_incomplete", lang) if incomplete else None,
    currency=money.currency if money else None,
)
if incomplete:
    filters.warn_thin_compare(cmp_cov, k.kind, f.compare, lang)
if money and money.mode == "split":
    st.warning(
        t(
            "overview.currency_split",
            lang,
            kind=kind_label,
            cur=money.currency,
            amounts=currency.amounts_text(money.amounts, lang),
        )
        + " "
        + t("overview.currency_no_rate", lang, codes=joined(money.missing, lang)),
        icon=":material/currency_exchange:",
    )
elif money and money.mode == "converted":
    st.caption(
        t(
            "overview.currency_converted",
            lang,
            cur=money.currency,
            total=numbers.fmt_money(money.total, lang),
            rates=currency.rates_text(
                rates, sorted(c for c in money.amounts if c != currency.BASE)
            ),
            amounts=currency.amounts_text(money.amounts, lang),
        )
    )

notes = [
    t(
        "overview.source_caption",
        lang,
        kind=kind_label,
        start=str(k.sums["first_day"].date()),
        end=str(k.sums["last_day"].date()),
    )
]
if "visitors" in names:
    notes.append(t("overview.visitor_days", lang))
if k.refund_kind and k.refund_kind != k.kind:
    notes.append(t("overview.refund_source", lang, kind=t(f"kind.{k.refund_kind}", lang)))
if "roi" in names:
    notes.append(t("overview.spend_caption", lang))
if f.compare:
    notes.append(
        t(
            "filters.compare_range",
            lang,
            start=f.compare[0].isoformat(),
            end=f.compare[1].isoformat(),
        )
    )
st.caption(" ".join(notes))
no_visitors = overview_page.missing_visitor_kpis(names, loaded)
if no_visitors:
    st.caption(
        t(
            "overview.needs_traffic",
            lang,
            metrics=joined([metrics.label(n, lang) for n in no_visitors], lang),
        )
    )
if k.sums["count_rows_left_out"] > 0:
    st.warning(
        t(
            "overview.period_rows_left_out",
            lang,
            count=int(k.sums["count_rows_left_out"]),
            kind=kind_label,
        ),
        icon=":material/date_range:",
    )
unapplied = f.not_applicable(k.kind)
if unapplied:
    st.caption(
        t(
            "overview.filters_not_applied",
            lang,
            kind=kind_label,
            names=filters.dim_names(unapplied, lang),
        )
    )

with st.expander(t("overview.benchmark_edit", lang), icon=":material/groups:"):
    st.caption(t("overview.benchmark_help", lang))
    entered = {}
    bench_cols = st.columns(4)
    for i, name in enumerate(names):
        m = metrics.get(name)
        scale = 100 if m.fmt == "pct" else 1  # rates are typed as percentages
        saved = benchmarks.get(name)
        key = f"ov_bench_{name}"
        if key not in st.session_state:
            st.session_state[key] = None if saved is None else saved * scale
        label = metrics.label(name, lang) + (" (%)" if m.fmt == "pct" else "")
        value = bench_cols[i % 4].number_input(label, min_value=0.0, key=key, format="%.2f")
        if value is not None and not math.isnan(value):
            entered[name] = value / scale
    if st.button(t("overview.benchmark_save", lang), key="ov_bench_save"):
        try:
            query_cache.set_setting(
                "benchmarks", {**{n: v for n, v in benchmarks.items() if n not in names}, **entered}
            )
        except PermissionError:  # the shared sample shop is read-only
            st.error(t("common.read_only", lang))
        else:
            st.toast(t("overview.benchmark_saved", lang), icon=":material/check:")
            st.rerun()

# ---------- daily trend
st.subheader(t("overview.trend", lang))
current = overview_page.daily(k.kind, f)
if current is None or current.empty:
    st.info(t("overview.trend_period_only", lang, kind=kind_label))
else:
    options = overview_page.trend_metrics(k.kind, current)
    metric = url_state.selectbox(
        t("overview.trend_metric", lang),
        options,
        key="ov_metric",
        default="paid_amount" if "paid_amount" in options else options[0],
        format_func=lambda n: metrics.label(n, lang),
    )
    current = overview_page.with_metric(k.kind, current, metric, f)
    compare = overview_page.with_metric(
        k.kind, overview_page.daily(k.kind, f, compare=True), metric, f, compare=True
    )
    labels = (t("overview.trend_current", lang), t("overview.trend_compare", lang))
    frame = charts.trend_frame(
        current,
        compare,
        metric,
        start=f.start,
        compare_start=f.compare[0] if f.compare else None,
        labels=labels,
    )
    charts.show(
        charts.trend(
            frame,
            fmt=metrics.get(metric).fmt,
            labels=labels,
            y_title=metrics.label(metric, lang),
            day_title=t("col.date", lang),
        )
    )
    if metric in ("visitors", "conversion", "uv_value") and k.kind != "traffic":
        st.caption(t("overview.visitor_days", lang))

# ---------- top movers
st.subheader(t("overview.movers", lang))
if not f.compare:
    st.info(t("overview.movers_need_compare", lang))
else:
    dim = url_state.segmented(
        t("overview.movers_by", lang),
        overview_page.mover_dims(filters.options()["src"]),
        key="ov_movers",
        default="product",
        format_func=lambda d: t(f"overview.movers_{d}", lang),
    )
    moved = overview_page.movers(dim, f)
    moved_kind = None if moved.empty else moved["origin"].iloc[0]
    moved_cov = moved_kind and overview_page.compare_coverage(moved_kind, f)
    if moved.empty:
        st.info(t("overview.movers_none", lang))
    elif moved_cov is not None and not moved_cov.complete:
        # every "change" would be this period's value against nothing
        st.info(t("overview.movers_incomplete", lang, kind=t(f"kind.{moved_kind}", lang)))
    else:
        origin = t(f"kind.{moved_kind}", lang)
        item_title = t(f"overview.movers_{dim}", lang)
        # chart above the table: beside it, the table's four columns were cut at 1440 px
        charts.show(
            charts.diverging_bars(
                moved,
                item="item",
                value="change_paid_amount",
                fmt="money",
                item_title=item_title,
                value_title=t("overview.movers_change", lang),
            ),
        )
        table = moved[["item", "paid_amount", "cmp_paid_amount", "change_paid_amount"]].rename(
            columns={
                "item": item_title,
                "paid_amount": t("overview.movers_col_current", lang),
                "cmp_paid_amount": t("overview.movers_col_previous", lang),
                "change_paid_amount": t("overview.movers_col_change", lang),
            }
        )
        helps = [t(f"overview.movers_{k}", lang) for k in ("current", "previous", "change")]
        kinds = dict(zip(table.columns[1:], ("money", "money", "money_change"), strict=True))
        code = money.currency if money and money.mode == "single" else None
        st.dataframe(
            tables.styled(table, kinds, lang, code),
            hide_index=True,
            placeholder=numbers.NONE,
            width="stretch",
            column_config={
                item_title: tables.key(),
                **{
                    c: tables.number(kinds[c], currency=code, help=h)
                    for c, h in zip(table.columns[1:], helps, strict=True)
                },
            },
        )
        st.caption(t("overview.movers_caption", lang, n=overview_page.MOVERS_LIMIT, kind=origin))
