"""客户分析 Customers: new and returning buyers, 复购率 and its trend, first-purchase-month
cohorts, RFM segments with their buyer ids, and a forecast of the coming days."""

import streamlit as st

from shopsight import customer_analysis, forecast, metrics, numbers
from shopsight.i18n import joined, t
from shopsight.ui import charts, customers_page, filters, kpi_cards, session, url_state

lang = session.lang()
f = filters.current()
st.title(t("customers.title", lang))
if not customers_page.has_orders():  # not a question of dates: nothing to pick from
    st.info(t("customers.no_orders", lang), icon=":material/group:")
    st.page_link("views/data.py", label=t("overview.go_data", lang), icon=":material/upload_file:")
    st.stop()
f = filters.without_thin_compare(f, "orders", lang)

s = customers_page.summary(f)
if not s["buyers"]:
    st.info(
        t("customers.no_buyers", lang, start=f.start.isoformat(), end=f.end.isoformat()),
        icon=":material/group:",
    )
    st.page_link("views/data.py", label=t("overview.go_data", lang), icon=":material/upload_file:")
    st.stop()

notes = [t("customers.caption", lang, start=f.start.isoformat(), end=f.end.isoformat())]
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
unapplied = f.not_applicable("orders")
if unapplied:
    st.caption(
        t(
            "overview.filters_not_applied",
            lang,
            kind=t("kind.orders", lang),
            names=filters.dim_names(unapplied, lang),
        )
    )

# ---------- cards: buyers, new / returning, 复购率, paid amount
before = customers_page.compare_summary(f) or {}
CARDS = (  # (metric rule, summary key, label key; None = the metric's own label)
    ("paying_buyers", "buyers", None),
    ("paying_buyers", "new_buyers", "customers.new_buyers"),
    ("paying_buyers", "returning_buyers", "customers.returning_buyers"),
    ("repurchase_rate", "repurchase_rate", None),
    ("paid_amount", "paid_amount", None),
)
for col, (name, key, label) in zip(st.columns(len(CARDS)), CARDS, strict=True):
    kpi_cards.card(
        name,
        s[key],
        lang,
        previous=before.get(key),
        container=col,
        label=t(label, lang) if label else None,
        currency=f.currency,
    )
st.caption(t("customers.new_help", lang))

# ---------- new vs returning over time, and 复购率 by period
st.subheader(t("customers.trend_header", lang))
grain = url_state.segmented(
    t("customers.grain", lang),
    list(customer_analysis.GRAINS),
    key="cu_grain",
    default=customer_analysis.default_grain(f.start, f.end),
    format_func=lambda g: t(f"customers.grain_{g}", lang),
)
tr = customers_page.trend(f, grain)
left, right = st.columns(2)
charts.show(
    customers_page.new_returning_chart(
        tr,
        value="buyers",
        fmt="int",
        grain=grain,
        lang=lang,
        y_title=metrics.label("paying_buyers", lang),
    ),
    left,
)
charts.show(
    customers_page.new_returning_chart(
        tr,
        value="paid_amount",
        fmt="money",
        grain=grain,
        lang=lang,
        y_title=metrics.label("paid_amount", lang),
    ),
    right,
)
st.markdown(f"**{t('customers.repurchase_header', lang)}**")
charts.show(customers_page.repurchase_chart(tr, lang, grain))
st.caption(
    t(
        "customers.repurchase_caption",
        lang,
        grain=t(f"customers.grain_{grain}", lang),
        rate=metrics.fmt("repurchase_rate", s["repurchase_rate"], lang),
    )
)

# ---------- cohorts by first-purchase month
st.subheader(t("customers.cohort_header", lang))
cohort = customers_page.cohorts(f)
if cohort.empty:
    st.info(t("customers.cohort_empty", lang))
elif cohort["month_offset"].max() < 1:
    st.info(t("customers.cohort_one_month", lang))
else:
    charts.show(customers_page.cohort_heatmap(cohort, lang))
st.caption(t("customers.cohort_caption", lang))

# ---------- RFM segments and their buyer ids
st.subheader(t("customers.rfm_header", lang))
segs = customers_page.rfm(f)
st.dataframe(
    customers_page.rfm_display(segs, lang),
    hide_index=True,
    width="stretch",
    placeholder=numbers.NONE,
    column_config=customers_page.rfm_config(lang),
)
st.caption(t("customers.rfm_caption", lang, end=f.end.isoformat()))
pick_col, button_col = st.columns([2, 3], vertical_alignment="bottom")
segment = url_state.selectbox(
    t("customers.download_segment", lang),
    list(segs["segment"]),
    key="cu_segment",
    default=segs["segment"].iloc[0],
    container=pick_col,
    format_func=lambda k: customers_page.segment_label(k, lang),
)
count = int(segs.loc[segs["segment"] == segment, "buyers"].iloc[0])
button_col.download_button(
    t("customers.download", lang, count=numbers.fmt_int(count, lang)),
    customers_page.segment_csv(f, segment),
    file_name=f"buyers_{segment}_{f.start}_{f.end}.csv",
    mime="text/csv",
    key="cu_download",
    icon=":material/download:",
)

# ---------- forecast
st.subheader(t("customers.forecast_header", lang))
mcol, dcol = st.columns(2)
metric = url_state.segmented(
    t("customers.forecast_metric", lang),
    list(forecast.TARGETS),
    key="cu_fc_metric",
    default="paid_amount",
    container=mcol,
    format_func=lambda m: metrics.label(m, lang),
)
days = url_state.segmented(
    t("customers.forecast_days", lang),
    [str(h) for h in forecast.HORIZONS],
    key="cu_fc_days",
    default="30",
    container=dcol,
    format_func=lambda d: t("customers.forecast_days_n", lang, n=d),
)
fc = customers_page.forecast_for(f, metric, int(days))
if isinstance(fc, int):
    st.info(
        t("customers.forecast_short", lang, days=fc, need=forecast.MIN_DAYS),
        icon=":material/hourglass_empty:",
    )
    st.stop()

bt = fc.backtest
pct = lambda v: numbers.fmt_pct(v, lang)  # noqa: E731
amount = lambda v: metrics.fmt(metric, v, lang)  # noqa: E731
model_name = t("customers.model_ets", lang)
kept = fc.model.partition("+")[2]
if kept:
    model_name = t(
        "customers.model_with_signal",
        lang,
        model=model_name,
        signal=t(f"customers.signal_{kept}", lang),
    )
if fc.beats_baseline:
    st.success(
        t(
            "customers.forecast_wins",
            lang,
            model=model_name,
            mape=pct(bt.model_mape),
            base_mape=pct(bt.baseline_mape),
        ),
        icon=":material/check_circle:",
    )
else:
    st.warning(
        t(
            "customers.forecast_fallback",
            lang,
            model=model_name,
            mape=pct(bt.model_mape),
            base_mape=pct(bt.baseline_mape),
        ),
        icon=":material/info:",
    )
charts.show(customers_page.forecast_chart(fc, lang))
lines = [
    t(
        "customers.forecast_backtest",
        lang,
        days=bt.days,
        model=model_name,
        mape=pct(bt.model_mape),
        mae=amount(bt.model_mae),
        base_mape=pct(bt.baseline_mape),
        base_mae=amount(bt.baseline_mae),
    )
]
for name, mape in fc.signals.items():
    key = "customers.signal_kept" if name == kept else "customers.signal_dropped"
    lines.append(t(key, lang, signal=t(f"customers.signal_{name}", lang), mape=pct(mape)))
if not fc.signals:
    lines.append(t("customers.signal_none", lang))
promo = fc.history[fc.history["is_promo"]]
if len(promo):
    lines.append(
        t(
            "customers.forecast_promos",
            lang,
            count=len(promo),
            days=joined((d.isoformat() for d in promo["date"][:8]), lang),
        )
    )
st.caption(" ".join(lines))
with st.expander(t("customers.forecast_table", lang)):
    st.dataframe(customers_page.forecast_table(fc, lang), hide_index=True, width="stretch")
