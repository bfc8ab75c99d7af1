"""数据管理 Data: upload exports, check the detected kind and header mapping, load,
and manage the workspace's datasets.  The shared sample shop is read-only: there the
page lists its datasets and offers a team workspace instead of an uploader."""

import streamlit as st

from shopsight import workspace
from shopsight.i18n import t
from shopsight.ui import data_page, session, sidebar, upload

lang = session.lang()
ws = session.current_workspace()
read_only = workspace.is_read_only(ws)

st.title(t("data.title", lang))
st.caption(t("data.intro", lang))
if read_only:
    st.info(t("data.sample_read_only", lang), icon=":material/lock:")
    st.button(
        t("sidebar.new_workspace", lang),
        key="data_new_workspace",
        type="primary",
        icon=":material/add:",
        on_click=sidebar.new_team,
        args=(lang,),
    )
else:
    for up in upload.uploader(lang):
        upload.section(ws, up, lang)
data_page.datasets_section(ws, lang)
