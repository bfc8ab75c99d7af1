"""流量来源 Traffic sources: which source brings buyers, what a visitor from each is worth and
costs, paid vs free, the weak spots, and the what-if panel for meetings."""

import streamlit as st

from shopsight import metrics, numbers, traffic_sources
from shopsight.i18n import t
from shopsight.mdtext import plain
from shopsight.ui import (
    charts,
    downloads,
    filters,
    session,
    sources_page,
    tables,
    url_state,
    whatif_panel,
)

lang = session.lang()
f = filters.current()
st.title(t("sources.title", lang))
f = filters.without_thin_compare(f, "traffic", lang)

tbl = sources_page.table(f)
if tbl.empty:
    covered = sources_page.coverage()
    if covered:
        st.info(
            t(
                "sources.no_rows_in_range",
                lang,
                start=covered[0].isoformat(),
                end=covered[1].isoformat(),
            )
        )
    else:
        st.info(t("sources.empty_body", lang), icon=":material/upload_file:")
        st.page_link(
            "views/data.py", label=t("overview.go_data", lang), icon=":material/upload_file:"
        )
    st.stop()

compare = bool(f.compare)
notes = [
    t("sources.caption", lang, start=f.start.isoformat(), end=f.end.isoformat()),
    t("overview.visitor_days", lang),
    t("sources.paid_rule", lang),
]
if compare:
    notes.append(
        t(
            "filters.compare_range",
            lang,
            start=f.compare[0].isoformat(),
            end=f.compare[1].isoformat(),
        )
    )
st.caption(" ".join(notes))
if sources_page.left_out(f) > 0:
    st.warning(
        t(
            "overview.period_rows_left_out",
            lang,
            count=sources_page.left_out(f),
            kind=t("kind.traffic", lang),
        ),
        icon=":material/date_range:",
    )

# ---------- what the numbers say
said = traffic_sources.insights(tbl, lang, has_compare=compare)
if said:
    st.markdown("\n".join(f"- {plain(s)}" for s in said))

# ---------- paid vs free
sources_page.group_cards(traffic_sources.groups(tbl), lang, compare=compare)

# ---------- per source
st.subheader(t("sources.table", lang))
everything = st.toggle(t("sources.all_columns", lang), key="src_all_columns")
shown, config, order = sources_page.display(tbl, lang, compare=compare, everything=everything)
st.dataframe(
    shown,
    hide_index=True,
    placeholder=numbers.NONE,
    width="stretch",
    column_config=config,
    column_order=order,
    key="src_table",
    height=tables.fit_height(len(shown)),
)
if len(tbl) > sources_page.TABLE_LIMIT:
    st.caption(t("sources.table_capped", lang, n=sources_page.TABLE_LIMIT, count=len(tbl)))
st.download_button(
    t("sources.download", lang),
    downloads.safe_csv(shown),
    file_name=f"sources_{f.start}_{f.end}.csv",
    mime="text/csv",
    key="src_download",
    icon=":material/download:",
)

# ---------- quadrant
st.subheader(t("sources.quadrant", lang))
q = traffic_sources.quadrant(tbl)
if q.frame.empty:
    st.info(t("sources.quadrant_empty", lang))
else:
    charts.show(sources_page.quadrant_chart(q, lang))
    st.caption(
        t(
            "sources.quadrant_caption",
            lang,
            visitors=metrics.fmt("visitors", q.median_visitors, lang),
            conversion=metrics.fmt("conversion", q.median_conversion, lang),
        )
    )

# ---------- daily trend
st.subheader(t("sources.trend", lang))
top = tbl["source"].head(sources_page.TREND_LIMIT).tolist()
daily = sources_page.daily(f, top)
if daily.empty:
    st.info(t("overview.trend_period_only", lang, kind=t("kind.traffic", lang)))
else:
    options = [m for m in sources_page.TREND_METRICS if m in daily and daily[m].notna().any()]
    metric = url_state.selectbox(
        t("overview.trend_metric", lang),
        options,
        key="src_metric",
        default="visitors",
        format_func=lambda n: metrics.label(n, lang),
    )
    charts.show(sources_page.trend_chart(daily, metric, lang, top))
    if len(tbl) > len(top):
        st.caption(t("sources.trend_capped", lang, n=len(top)))

# ---------- what if
st.subheader(t("whatif.title", lang))
whatif_panel.panel(tbl, lang)
