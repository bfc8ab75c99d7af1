"""商品排行 Products: which products carry the shop (ABC / Pareto, 热销) and which are dying
on the shelf (滞销, stock cover), with movers and one product's detail."""

from functools import partial

import streamlit as st

from shopsight import metrics, numbers, sku_ranking
from shopsight.i18n import t
from shopsight.ui import charts, downloads, filters, products_page, session, url_state

lang = session.lang()
f = filters.current()
st.title(t("products.title", lang))

sources = products_page.sources()
if not sources:
    st.info(t("products.empty", lang), icon=":material/inventory_2:")
    st.page_link("views/data.py", label=t("overview.go_data", lang), icon=":material/upload_file:")
    st.stop()

# ---------- what to rank
cols = st.columns([2, 2, 2, 1, 1])
by_origin = {s.origin: s for s in sources}
origin = sources[0].origin
if len(sources) > 1:
    origin = url_state.segmented(
        t("products.origin", lang),
        list(by_origin),
        key="pr_origin",
        default=origin,
        container=cols[0],
        format_func=lambda o: t(f"kind.{o}", lang),
    )
source = by_origin[origin]
f = filters.without_thin_compare(f, origin, lang)
level = "product"
if source.has_sku:
    level = url_state.segmented(
        t("products.level", lang),
        sku_ranking.LEVELS,
        key="pr_level",
        default="product",
        container=cols[1],
        format_func=lambda v: t(f"products.level_{v}", lang),
    )
url_state.seed(
    "pr_slow_days", default=sku_ranking.SLOW_DAYS, parse=int, valid=lambda v: 1 <= v <= 90
)
slow_days = cols[3].number_input(
    t("products.slow_days", lang),
    min_value=1,
    max_value=90,
    step=1,
    key="pr_slow_days",
    help=t("products.slow_days_help", lang),
)
url_state.store("pr_slow_days", default=sku_ranking.SLOW_DAYS)
url_state.seed(
    "pr_slow_units", default=sku_ranking.SLOW_UNITS, parse=int, valid=lambda v: 0 <= v <= 100_000
)
slow_units = cols[4].number_input(
    t("products.slow_units", lang),
    min_value=0,
    step=1,
    key="pr_slow_units",
    help=t("products.slow_units_help", lang),
)
url_state.store("pr_slow_units", default=sku_ranking.SLOW_UNITS)

rows = products_page.ranking(origin, f, level, slow_days)
in_range = sku_ranking.in_range(rows)
if in_range.empty:
    st.info(t("products.no_rows", lang, kind=t(f"kind.{origin}", lang)))
    st.stop()
shown = sku_ranking.available_metrics(in_range)
metric = url_state.selectbox(
    t("products.metric", lang),
    shown,
    key="pr_metric",
    default="paid_amount",
    container=cols[2],
    format_func=lambda m: metrics.label(m, lang),
)
previous = products_page.ranking(origin, f, level, slow_days, compare=True) if f.compare else None

kind_label = t(f"kind.{origin}", lang)
notes = [
    t(
        "overview.source_caption",
        lang,
        kind=kind_label,
        start=f.start.isoformat(),
        end=f.end.isoformat(),
    )
]
if "visitors" in shown:
    notes.append(t("overview.visitor_days", lang))
if "gross_margin" not in shown:
    notes.append(t("products.no_margin", lang))
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
left_out = sku_ranking.count_left_out(rows)
if left_out:
    st.warning(
        t("overview.period_rows_left_out", lang, count=left_out, kind=kind_label),
        icon=":material/date_range:",
    )
unapplied = f.not_applicable(origin)
if unapplied:
    st.caption(
        t(
            "overview.filters_not_applied",
            lang,
            kind=kind_label,
            names=filters.dim_names(unapplied, lang),
        )
    )

# ---------- the ranking
ranked = sku_ranking.ranked(rows, metric)
classes = sku_ranking.abc(rows)
table = products_page.table(ranked, classes, previous, metric, shown, level, lang)
top = ranked.head(products_page.TABLE_LIMIT)
grid = products_page.with_trend(
    products_page.grid(table.head(products_page.TABLE_LIMIT), metric, shown, lang),
    products_page.sparks(origin, f, level, top),
    lang,
)
everything = st.toggle(t("products.all_columns", lang), key="pr_all_columns")
st.dataframe(
    grid,
    hide_index=True,
    placeholder=numbers.NONE,
    width="stretch",
    column_config=products_page.column_config(metric, shown, lang, f.currency),
    column_order=products_page.glance(grid, metric, lang, everything),
    key="pr_table",
)
if len(table) > products_page.TABLE_LIMIT:
    st.caption(t("products.table_capped", lang, n=products_page.TABLE_LIMIT, total=len(table)))
export = products_page.download_frame(table, lang)
# files are built on click, not on every rerun
# side by side at their own width (in columns, "Download CSV" was cut to "Download …")
dl = st.container(horizontal=True)
dl.download_button(
    t("products.download_csv", lang),
    partial(downloads.safe_csv, export),
    file_name=f"products_{level}_{f.start}_{f.end}.csv",
    mime="text/csv",
    key="pr_download_csv",
    help=t("products.download_csv_help", lang),
    icon=":material/download:",
)
dl.download_button(
    t("products.download_xlsx", lang),
    partial(downloads.safe_xlsx, export),
    file_name=f"products_{level}_{f.start}_{f.end}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="pr_download_xlsx",
    help=t("products.download_xlsx_help", lang),
    icon=":material/download:",
)

# ---------- ABC / Pareto
st.subheader(t("products.abc_title", lang))
summary = sku_ranking.abc_summary(classes)
st.markdown(
    " · ".join(
        t("products.abc_class", lang, cls=s.cls, n=s.count_items, share=f"{s.share * 100:.1f}%")
        for s in summary
    )
)
charts.show(products_page.pareto(classes, lang))
st.caption(t("products.abc_rule", lang, n=products_page.PARETO_LIMIT))

# ---------- 热销 / 滞销
hot_units, hot_velocity = sku_ranking.hot(rows)
slow = sku_ranking.slow(rows, origin, slow_units)
hot_col, slow_col = st.columns(2)
with hot_col:
    st.subheader(t("products.hot_title", lang))
    tab_units, tab_velocity = st.tabs(
        [t("products.hot_by_units", lang), t("products.hot_by_velocity", lang)]
    )
    by_units = products_page.short_list(
        hot_units, {"units_sold": "int", "paid_amount": "money"}, lang, f.currency
    )
    tab_units.dataframe(
        by_units,
        hide_index=True,
        placeholder=numbers.NONE,
        width="stretch",
        column_config=products_page.short_config(lang, by_units),
    )
    by_velocity = products_page.short_list(
        hot_velocity, {"velocity": "velocity", "units_sold": "int"}, lang
    )
    tab_velocity.dataframe(
        by_velocity,
        hide_index=True,
        placeholder=numbers.NONE,
        width="stretch",
        column_config=products_page.short_config(lang, by_velocity),
    )
    st.caption(t("products.hot_rule", lang, n=sku_ranking.HOT_N))
with slow_col:
    st.subheader(t("products.slow_title", lang))
    if slow.empty:
        st.info(t("products.slow_none", lang, days=slow_days))
    else:
        slow_list = products_page.short_list(slow, products_page.slow_columns(origin), lang)
        st.dataframe(
            slow_list,
            hide_index=True,
            placeholder=numbers.NONE,
            width="stretch",
            column_config=products_page.short_config(lang, slow_list),
        )
    st.caption(t(f"products.slow_rule_{origin}", lang, days=slow_days, units=slow_units))

# ---------- movers
st.subheader(t("products.movers", lang))
if previous is None:
    if filters.current().compare:  # chosen, and dropped above: its data is incomplete
        st.info(t("overview.movers_incomplete", lang, kind=t(f"kind.{origin}", lang)))
    else:
        st.info(t("products.movers_need_compare", lang))
else:
    moved = sku_ranking.movers(rows, previous)
    if moved.empty:
        st.info(t("overview.movers_none", lang))
    else:
        charts.show(products_page.movers_chart(moved, lang, f.currency))
        st.caption(t("products.movers_caption", lang, n=sku_ranking.MOVERS_N))

# ---------- one product
st.subheader(t("products.detail", lang))
choices = products_page.product_choices(origin, f, level, slow_days, rows)
picked = url_state.selectbox(
    t("products.pick", lang),
    ["", *choices],
    key="pr_product",
    default="",
    format_func=lambda p: choices.get(p) or t("products.pick_none", lang),
)
if not picked:
    st.info(t("products.pick_hint", lang), icon=":material/touch_app:")
else:
    detail = products_page.detail(origin, f, level, slow_days, rows, picked)
    cards = st.columns(4)
    for col, name in zip(
        cards, ("paid_amount", "units_sold", "conversion", "refund_rate"), strict=False
    ):
        col.metric(
            metrics.label(name, lang),
            metrics.fmt(name, detail.sums.get(name), lang, currency=f.currency),
            border=True,
        )
    trend_col, funnel_col = st.columns([3, 2])
    with trend_col:
        if detail.daily.empty:
            st.info(t("products.detail_no_daily", lang))
        else:
            charts.show(products_page.daily_chart(detail.daily, lang, f.currency))
    with funnel_col:
        if len(detail.funnel) >= 2:
            charts.show(products_page.funnel_chart(detail.funnel, lang))
        else:
            st.info(t("products.detail_no_funnel", lang))
    if not detail.image_tests.empty:
        st.markdown(t("products.image_tests", lang))
        st.dataframe(
            products_page.image_tests_table(detail.image_tests, lang),
            hide_index=True,
            placeholder=numbers.NONE,
            width="stretch",
        )
