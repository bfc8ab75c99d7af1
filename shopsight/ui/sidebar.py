"""The shared sidebar drawn by app.py on every page: workspace, language, global filters."""

from __future__ import annotations

import streamlit as st

from shopsight import i18n
from shopsight.i18n import t
from shopsight.ui import data, filters, session


def language() -> str:
    """The 中文 / English switch, seeded from ?lang= or the browser locale; kept in ?lang=."""
    ss, qp = st.session_state, st.query_params
    if session.LANG_KEY not in ss:
        asked = qp.get("lang")
        browser = i18n.lang_from_locale(st.context.locale)
        chosen = i18n.parse_lang(asked)
        if asked is not None and chosen is None:
            session.notice(t("notice.bad_param", browser, param="lang", value=asked))
        ss[session.LANG_KEY] = chosen or browser
    elif ss[session.LANG_KEY] is None:  # the selected option was clicked again
        ss[session.LANG_KEY] = i18n.lang_from_locale(st.context.locale)
    st.sidebar.segmented_control(
        t("sidebar.language", session.lang()), i18n.LANGS, key=session.LANG_KEY,
        format_func=i18n.LANG_NAMES.get,
    )
    lang = session.lang()
    if qp.get("lang") != lang:
        qp["lang"] = lang
    return lang


def workspace_box(lang: str) -> None:
    ws = session.current_workspace()
    name = session.workspace_name()
    if data.is_sample(ws):
        label = t("sidebar.workspace_sample", lang)
    else:
        label = t("sidebar.workspace_team", lang, name=(name or ws.path.name)[:8])
    st.sidebar.markdown(f"**{t('sidebar.workspace', lang)}** · {label}",
                        help=t("sidebar.workspace_help", lang))
    if name and st.query_params.get(session.WS_PARAM) != name:
        st.query_params[session.WS_PARAM] = name  # a page switch may have dropped it
    if st.sidebar.button(t("sidebar.new_workspace", lang), key="sb_new_workspace",
                         help=t("sidebar.new_workspace_help", lang)):
        session.create_team_workspace()
        filters.reset()
        st.rerun()


def render() -> tuple[str, filters.Filters]:
    """Draw the sidebar; returns (language, filters) for this run."""
    lang = language()
    data.refresh()
    workspace_box(lang)
    st.sidebar.subheader(t("sidebar.filters", lang))
    return lang, filters.render(lang)
