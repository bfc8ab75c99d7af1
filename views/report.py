"""周报 / 月报 Report: a week or month against the one before, section by section, and the
same report as an offline HTML file or an Excel workbook."""

from functools import partial

import streamlit as st

from shopsight import period_report, report_files
from shopsight.i18n import t
from shopsight.ui import report_page, session, url_state

lang = session.lang()
st.title(t("rep.title", lang))
st.caption(t("rep.page_intro", lang) + " " + t("rep.filters_note", lang))

cols = st.columns([2, 2, 3])
kind = url_state.segmented(
    t("rep.period", lang),
    list(period_report.PERIODS),
    key="rep_period",
    default="week",
    container=cols[0],
    format_func=lambda k: t(f"rep.period_{k}", lang),
)
end_key = f"rep_end_{kind}"  # one picker per kind: each keeps its own default
if end_key not in st.session_state:
    st.session_state[end_key] = report_page.default_end(kind)
end = cols[1].date_input(
    t("rep.end", lang), key=end_key, format="YYYY-MM-DD", help=t("rep.end_help", lang)
)

built = report_page.build(kind, end, lang)
st.subheader(built.title)
st.text(built.subtitle)

# side by side at their own width: in narrow columns the labels were cut to "Download the
# report…" and HTML could not be told from Excel; the label names the format, help the rest
dl = st.container(horizontal=True)
dl.download_button(
    t("rep.download_html", lang),
    partial(report_files.to_html, built),
    file_name=report_page.file_name(built, "html"),
    mime="text/html",
    key="rep_download_html",
    help=t("rep.download_html_help", lang),
    icon=":material/download:",
)
dl.download_button(
    t("rep.download_xlsx", lang),
    partial(report_files.to_xlsx, built),
    file_name=report_page.file_name(built, "xlsx"),
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="rep_download_xlsx",
    help=t("rep.download_xlsx_help", lang),
    icon=":material/download:",
)

if built.empty:
    st.info(t("rep.empty", lang), icon=":material/event_busy:")
    st.stop()

for section in built.sections:
    st.header(section.title, divider="red")
    st.text("\n".join(section.sentences))  # generated from data values: plain text
    for table in section.tables:
        st.caption(t(f"rep.table_{table.key}", lang))
        st.dataframe(
            report_page.shown(table, lang),
            hide_index=True,
            width="stretch",
            key=f"rep_table_{table.key}",
        )
