"""主图测试 Main-image A/B: is one image's click rate really better, and how much more data is needed."""

import streamlit as st

from shopsight import numbers
from shopsight.i18n import t
from shopsight.mdtext import plain
from shopsight.ui import abtest_page, charts, filters, session

lang = session.lang()
f = filters.current()
st.title(t("ab.title", lang))
st.caption(t("ab.intro", lang))

if abtest_page.tests().empty:
    st.info(t("ab.empty", lang), icon=":material/upload_file:")
    st.page_link("views/data.py", label=t("ab.go_data", lang), icon=":material/upload_file:")
    st.stop()

# ---------- which test, control and metric
in_range = abtest_page.range_toggle(lang)
start, end = (f.start, f.end) if in_range else (None, None)
listed = abtest_page.tests(start, end)
if listed.empty:
    st.info(t("ab.no_tests_in_range", lang, start=f.start.isoformat(), end=f.end.isoformat()))
    st.stop()
cols = st.columns([3, 2, 2])
test = abtest_page.pick_test(listed, lang, container=cols[0])
totals, daily = abtest_page.totals(test, start, end), abtest_page.daily(test, start, end)
names = abtest_page.creative_names(test)
metric = abtest_page.pick_metric(totals, lang, container=cols[2])
a = abtest_page.analysis(totals, daily, None, metric)  # the engine picks the default control
control = abtest_page.pick_control(totals, a.ctr.control, names, lang, container=cols[1])
if control != a.ctr.control:
    a = abtest_page.analysis(totals, daily, control, metric)

notes = [abtest_page.period_caption(a, in_range, f.start, f.end, lang)]
if f.active():
    notes.append(
        t(
            "ab.filters_not_applied",
            lang,
            names=filters.dim_names(f.active(), lang),
        )
    )
st.caption(" ".join(notes))

# ---------- verdict: sequential unless the test was planned for a fixed horizon
st.subheader(t("ab.verdict", lang))
method = abtest_page.pick_method(lang)
plan = abtest_page.calculator_plan(a)
st.caption(abtest_page.method_caption(method, plan, lang))
abtest_page.show_verdict(a, names, lang, method, plan)
problems = abtest_page.errors_text(a, names, lang)
if problems:
    st.warning(problems, icon=":material/error:")

# ---------- variants
st.subheader(t("ab.variants", lang))
shown, config = abtest_page.table(a, names, lang, method=method)
st.dataframe(
    shown, hide_index=True, placeholder=numbers.NONE, width="stretch", column_config=config
)
with st.expander(t("ab.details", lang), icon=":material/table_view:"):
    more, more_config = abtest_page.table(a, names, lang, part="details")
    st.dataframe(
        more, hide_index=True, placeholder=numbers.NONE, width="stretch", column_config=more_config
    )
caption = "ab.table_caption_sequential" if method == "sequential" else "ab.table_caption"
st.caption(t(caption, lang, metric=t(f"ab.metric_{metric}", lang)))

left, right = st.columns(2)
left.markdown(f"**{t('ab.ci_chart', lang, metric=t(f'ab.metric_{metric}', lang))}**")
charts.show(
    abtest_page.ci_chart(abtest_page.ci_frame(a, names, lang, method), metric, lang, method), left
)
left.caption(t("ab.ci_caption", lang))
control_label = abtest_page.labels([a.result.control], names, lang)[a.result.control]
seq_title = t(
    "ab.seq_chart", lang, metric=t(f"verdict.metric_{metric}", lang), control=plain(control_label)
)
right.markdown(f"**{seq_title}**")
charts.show(
    abtest_page.sequential_chart(abtest_page.sequential_frame(a, names, lang), lang),
    right,
)
right.caption(t("ab.seq_caption", lang))

with st.expander(t("ab.compare", lang), icon=":material/compare_arrows:"):
    both, both_config = abtest_page.comparison_table(a, names, lang)
    st.dataframe(
        both, hide_index=True, placeholder=numbers.NONE, width="stretch", column_config=both_config
    )
    st.caption(t("ab.compare_caption", lang))
    st.markdown(f"**{t('ab.cum_chart', lang, metric=t(f'verdict.metric_{metric}', lang))}**")
    charts.show(
        abtest_page.cumulative_chart(abtest_page.cumulative_frame(a, names, lang), metric, lang)
    )
    st.caption(t("ab.cum_caption", lang))

# ---------- planning
st.subheader(t("ab.planning", lang))
plan_note = abtest_page.planning_caption(a, lang)
if plan_note:
    st.caption(plan_note)
with st.expander(t("ab.calc", lang), icon=":material/calculate:", expanded=True):
    st.caption(t("ab.calc_help", lang))
    abtest_page.calculator(a, lang)
