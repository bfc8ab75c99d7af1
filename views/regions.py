"""地域分布 Regions: where buyers are, as a province map you can drill into, a ranked table
and bars, with the top-5 share and the compare period."""

import streamlit as st

from shopsight import numbers, region_metrics
from shopsight.i18n import joined, t
from shopsight.mdtext import plain
from shopsight.ui import charts, downloads, filters, regions_page, session, url_state

lang = session.lang()
f = filters.current()
st.title(t("regions.title", lang))

origins = regions_page.origins()
if not origins:
    st.info(t("regions.empty", lang), icon=":material/map:")
    st.page_link("views/data.py", label=t("overview.go_data", lang), icon=":material/upload_file:")
    st.stop()

# ---------- what to show
cols = st.columns([2, 2, 2])
origin = origins[0]
if len(origins) > 1:
    origin = url_state.segmented(
        t("regions.origin", lang),
        origins,
        key="rg_origin",
        default=origins[0],
        container=cols[0],
        format_func=lambda o: t(f"kind.{o}", lang),
    )
f = filters.without_thin_compare(f, origin, lang)
# the menus and the province list need the current period only; the national compare
# period is read below when the national table is the one shown
national = regions_page.table(origin, f, compare=False)
metric = url_state.selectbox(
    t("regions.metric", lang),
    national.metrics,
    key="rg_metric",
    default="paid_amount",
    container=cols[1],
    format_func=lambda m: regions_page.metric_label(m, lang),
)
china = region_metrics.is_china(national.rows)
drill = region_metrics.drillable(national.rows) if china else []
province = ""
if drill:
    province = url_state.selectbox(
        t("regions.province", lang),
        ["", *drill],
        key="rg_province",
        default="",
        container=cols[2],
        format_func=lambda p: p or t("regions.national", lang),
        help=t("regions.province_help", lang),
    )
rt = regions_page.table(origin, f, province or None, metric=metric)
compare_label = t("regions.compare_period", lang) if f.compare else None
cur = regions_page.currency_of(origin, f)

# ---------- where the numbers come from
notes = [
    t(
        "regions.source_caption",
        lang,
        kind=t(f"kind.{origin}", lang),
        start=f.start.isoformat(),
        end=f.end.isoformat(),
    )
]
if origin == "orders" and "paying_buyers" in rt.metrics:
    notes.append(t("regions.buyers_orders", lang))
if origin == "regions" and "visitors" in rt.metrics:
    notes.append(t("regions.buyers_periods", lang))
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
unapplied = f.not_applicable(origin)
if unapplied:
    st.caption(
        t(
            "overview.filters_not_applied",
            lang,
            kind=t(f"kind.{origin}", lang),
            names=filters.dim_names(unapplied, lang),
        )
    )
if rt.count_rows_left_out:
    st.warning(
        t(
            "overview.period_rows_left_out",
            lang,
            count=rt.count_rows_left_out,
            kind=t(f"kind.{origin}", lang),
        ),
        icon=":material/date_range:",
    )
if rt.count_undated_rows:
    st.caption(t("regions.undated", lang, count=rt.count_undated_rows))

if rt.rows.empty or not region_metrics.totals(rt.rows).get("paid_amount"):
    st.info(t("regions.no_rows", lang))
    st.stop()

# ---------- map (China) or bars (anything else), table beside it
share = region_metrics.top_share(rt.rows, metric)
level_word = t(f"regions.level_{rt.level}", lang)
table = regions_page.display(rt, metric, lang)
config = regions_page.column_config(rt, metric, lang, cur)
shown = regions_page.grid(table, rt, metric, lang)
if china:
    if province:
        st.button(
            t("regions.back", lang),
            key="rg_back",
            icon=":material/arrow_back:",
            on_click=lambda: st.session_state.update(rg_province=""),
        )
    map_col, legend_col, table_col = st.columns([6, 2, 5])
    deck, scale = regions_page.deck(rt, metric, lang, cur)
    if rt.level == "province":

        def _drill():
            name = regions_page.clicked_region(st.session_state.get("rg_map"))
            if name in drill:
                st.session_state["rg_province"] = name

        map_col.pydeck_chart(
            deck,
            key="rg_map",
            height=regions_page.MAP_HEIGHT,
            on_select=_drill,
            selection_mode="single-object",
        )
        if drill:
            map_col.caption(t("regions.click_to_drill", lang))
    else:
        map_col.pydeck_chart(deck, key="rg_map_city", height=regions_page.MAP_HEIGHT)
    if scale is not None:
        charts.show(
            regions_page.legend(scale, metric, lang, currency=cur), legend_col, width="content"
        )
    table_col.dataframe(
        shown,
        hide_index=True,
        placeholder=numbers.NONE,
        width="stretch",
        height=regions_page.glance_height(len(shown)),
        column_config=regions_page.glance_config(rt, metric, lang, cur),
        column_order=regions_page.glance(rt, metric, lang),
    )
    with st.expander(t("regions.all_columns", lang), icon=":material/table_view:"):
        st.dataframe(
            shown,
            hide_index=True,
            placeholder=numbers.NONE,
            width="stretch",
            column_config=config,
            key="rg_table_all",
        )
else:
    st.info(t("regions.not_china", lang), icon=":material/public:")
    st.dataframe(
        shown, hide_index=True, placeholder=numbers.NONE, width="stretch", column_config=config
    )

if share:
    st.markdown(
        t(
            "regions.top_share",
            lang,
            n=share[0],
            level=level_word,
            share=f"{share[1] * 100:.0f}%",
            metric=regions_page.metric_label(region_metrics.share_basis(metric), lang),
        )
    )
st.subheader(t("regions.ranking", lang, level=level_word))
charts.show(regions_page.bars(rt, metric, lang, compare_label, cur))
if region_metrics.count_named(rt.rows) > regions_page.BARS_LIMIT:
    st.caption(t("regions.bars_capped", lang, n=regions_page.BARS_LIMIT))

# ---------- what the map could not place
unknown = region_metrics.unknown_totals(rt.rows)
if unknown:
    st.caption(
        t(
            "regions.unknown_caption",
            lang,
            paid=regions_page.fmt("paid_amount", unknown[0], lang, cur),
            share=regions_page.fmt(region_metrics.SHARE, unknown[1], lang),
        )
    )
unmatched = region_metrics.unmatched_names(rt.rows)
if unmatched:
    shown = unmatched[: regions_page.UNMATCHED_LIMIT]
    more = len(unmatched) - len(shown)
    st.warning(
        t("regions.unmatched", lang, count=len(unmatched), names=joined(map(plain, shown), lang))
        + (t("regions.unmatched_more", lang, count=more) if more else ""),
        icon=":material/wrong_location:",
    )

st.download_button(
    t("regions.download", lang),
    downloads.safe_csv(table),
    file_name=f"regions_{rt.level}_{f.start}_{f.end}.csv",
    mime="text/csv",
    key="rg_download",
    icon=":material/download:",
)
