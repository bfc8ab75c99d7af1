"""询盘分析 Inquiries (1688): inquiries per day and channel, close rate by channel, customer
type and province, reasons not closed, open inquiries to follow up, new vs returning."""

import streamlit as st

from shopsight import inquiry_analysis, metrics, numbers
from shopsight.i18n import joined, t
from shopsight.ui import (
    charts,
    downloads,
    filters,
    inquiries_page,
    kpi_cards,
    regions_page,
    session,
)

lang = session.lang()
f = filters.current()
st.title(t("inq.title", lang))

if not inquiries_page.has_rows():
    st.info(t("inq.empty", lang), icon=":material/forum:")
    st.page_link("views/data.py", label=t("overview.go_data", lang), icon=":material/upload_file:")
    st.stop()

q = inquiries_page.load(f)
notes = [t("inq.caption", lang, start=f.start.isoformat(), end=f.end.isoformat())]
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
unapplied = f.not_applicable("inquiries")
if unapplied:
    st.caption(
        t(
            "inq.filters_not_applied",
            lang,
            names=filters.dim_names(unapplied, lang),
        )
    )
if q.empty:
    first_last = inquiries_page.coverage()
    st.info(t("inq.no_rows_in_range", lang, start=first_last[0], end=first_last[1]))
    st.stop()

# ---------- headline
now = q.values()
before = q.values("compare") if f.compare else None
cards = [
    n for n in inquiry_analysis.KPI_NAMES if n != "deal_amount" or now["deal_amount"] is not None
]
kpi_cards.cards(cards, now, lang, previous=before)
st.text("\n".join(inquiry_analysis.sentences(q, lang)))

# ---------- per day and channel
st.subheader(t("inq.daily", lang))
charts.show(inquiries_page.daily_chart(q.daily, lang))

# ---------- close rate by channel, customer type, province
st.subheader(t("inq.rates", lang))
st.caption(t("inq.rates_caption", lang, n=inquiry_analysis.SMALL_GROUP))
dim_cols = st.columns(2)
for i, dim in enumerate(("channel", "customer_type")):
    rows = q.by(dim)
    title = t(f"inq.col_{dim}", lang)
    with dim_cols[i]:
        st.markdown(f"**{title}**")
        if rows.empty:
            st.info(t("inq.no_values", lang))
            continue
        charts.show(inquiries_page.rate_bars(rows, lang, title))
        st.dataframe(
            inquiries_page.rate_table(rows, title, lang),
            hide_index=True,
            width="stretch",
            placeholder=numbers.NONE,
            column_config=inquiries_page.rate_config(lang, title),
            key=f"inq_table_{dim}",
        )

# ---------- provinces on the map
st.subheader(t("inq.provinces", lang))
deck, scale = inquiries_page.province_deck(q.groups, lang)
prov_rows = q.by("province")
title = t("inq.col_province", lang)
map_col, legend_col, table_col = st.columns([6, 2, 5])
if deck is not None:
    map_col.pydeck_chart(deck, key="inq_map", height=regions_page.MAP_HEIGHT)
    if scale is not None:
        charts.show(
            regions_page.legend(scale, "orders", lang, title=metrics.label("inquiries", lang)),
            legend_col,
            width="content",
        )
else:
    map_col.info(t("inq.no_provinces", lang))
table_col.dataframe(
    inquiries_page.rate_table(prov_rows, title, lang),
    hide_index=True,
    width="stretch",
    height=regions_page.MAP_HEIGHT,
    placeholder=numbers.NONE,
    column_config=inquiries_page.rate_config(lang, title),
    key="inq_table_province",
    # beside the map: the closed count (rate x inquiries) leaves room to fit
    column_order=[title, *inquiries_page.rate_glance(lang)],
)
missing = inquiries_page.unplaced(q.groups)
if missing:
    st.caption(t("inq.unplaced", lang, count=missing))

# ---------- reasons not closed
st.subheader(t("inq.reasons", lang))
if q.reasons.empty:
    st.info(t("inq.no_reasons", lang))
else:
    charts.show(inquiries_page.pareto_chart(q.reasons, lang))

# ---------- open inquiries to follow up
st.subheader(t("inq.open", lang))
if q.open.empty:
    st.info(t("inq.open_none", lang))
else:
    table = inquiries_page.open_table(q.open, lang)
    st.caption(
        t(
            "inq.open_caption",
            lang,
            count=len(table),
            as_of=q.as_of.isoformat(),
            lost=joined(inquiry_analysis.LOST_FOLLOW_UPS[:2], lang),
        )
    )
    st.dataframe(
        table.head(inquiries_page.TABLE_LIMIT), hide_index=True, width="stretch", key="inq_open"
    )
    if len(table) > inquiries_page.TABLE_LIMIT:
        st.caption(t("inq.open_capped", lang, n=inquiries_page.TABLE_LIMIT, count=len(table)))
    st.download_button(
        t("inq.download", lang),
        downloads.safe_csv(table),
        file_name=f"inquiries_open_{f.start}_{f.end}.csv",
        mime="text/csv",
        key="inq_download",
        icon=":material/download:",
    )

# ---------- new vs returning customers
st.subheader(t("inq.customers_title", lang))
if q.customers.empty:
    st.info(t("inq.no_values", lang))
else:
    charts.show(inquiries_page.customers_chart(q.customers, lang))
    st.caption(t("inq.customers_caption", lang))
