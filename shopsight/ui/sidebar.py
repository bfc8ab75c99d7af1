"""The shared sidebar drawn by app.py on every page: workspace, language, global filters.

Workspace actions run as widget callbacks, before the next run's script: the whole run
then sees the new state (a renamed team in the picker, a new `?ws=` through the gate).
A callback can fire for a button drawn in the run before, so each one checks access again.
"""

from __future__ import annotations

import contextlib

import streamlit as st

from shopsight import colours, i18n, teams, workspace
from shopsight.i18n import t
from shopsight.mdtext import plain
from shopsight.ui import auth, filters, query_cache, session

PICK_KEY = "sb_ws_pick"
NAME_KEY = "sb_ws_name"
DEFAULT_OPTION = ""  # the picker's entry for the default workspace (no ?ws=)
_NAME_FOR = "_sb_ws_name_for"
_CONFIRM_KEY = "_sb_ws_confirm_delete"
_MSG_KEY = "_sb_ws_msg"
_COLORS_PICKED = "sb_colors_picked"  # the viewer chose a colour convention


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
    elif ss[session.LANG_KEY] is None:  # the selected option was clicked again: keep it
        ss[session.LANG_KEY] = i18n.parse_lang(qp.get("lang")) or i18n.lang_from_locale(
            st.context.locale
        )
    st.sidebar.segmented_control(
        t("sidebar.language", session.lang()),
        i18n.LANGS,
        key=session.LANG_KEY,
        format_func=i18n.LANG_NAMES.get,
    )
    lang = session.lang()
    if qp.get("lang") != lang:
        qp["lang"] = lang
    colour_setting(lang)
    return lang


def colour_setting(lang: str) -> None:
    """红涨绿跌 or 绿涨红跌: follows the language until the viewer picks one."""
    ss = st.session_state
    if ss.get(_COLORS_PICKED) is None or colours.parse(ss.get(session.COLORS_KEY)) is None:
        ss[session.COLORS_KEY] = colours.default_for(lang)
    st.sidebar.segmented_control(
        t("sidebar.colors", lang),
        colours.CONVENTIONS,
        key=session.COLORS_KEY,
        format_func=lambda c: t(f"sidebar.colors_{c}", lang),
        help=t("sidebar.colors_help", lang),
        on_change=_colours_picked,
    )


def _colours_picked() -> None:
    st.session_state[_COLORS_PICKED] = True


# ---------------------------------------------------------------- callbacks


def new_team(lang: str) -> None:
    """Create a team workspace with a numbered default name and open it (rename it later)."""
    if not auth.can_open(None):
        return
    name = t("team.default_name", lang, n=len(auth.visible_teams()) + 1)
    session.create_team(name)
    filters.reset()
    st.session_state.pop(_CONFIRM_KEY, None)


def _switch() -> None:
    picked = st.session_state.get(PICK_KEY) or DEFAULT_OPTION
    if picked == (session.team_id() or DEFAULT_OPTION):
        return
    if picked == DEFAULT_OPTION:
        session.open_sample()
    else:
        session.open_team(picked)  # the gate checks it on this very run
    filters.reset()
    st.session_state.pop(_CONFIRM_KEY, None)


def _manageable(team_id: str) -> teams.Team | None:
    team = teams.get_team(team_id)
    return team if team is not None and auth.can_manage(team.workspace, team_id) else None


def _rename(team_id: str, lang: str) -> None:
    ss = st.session_state
    if _manageable(team_id) is None:
        ss[_MSG_KEY] = t("sidebar.workspace_gone", lang)
        return
    try:
        team = teams.rename_team(team_id, ss.get(NAME_KEY) or "")
    except teams.TeamError:
        ss[_MSG_KEY] = t("sidebar.rename_invalid", lang, max=teams.NAME_MAX)
        return
    ss[NAME_KEY] = team.name  # as stored: trimmed, control characters gone
    st.toast(t("sidebar.renamed", lang, name=plain(team.name)), icon=":material/edit:")


def _ask_delete(team_id: str) -> None:
    st.session_state[_CONFIRM_KEY] = team_id


def _cancel_delete() -> None:
    st.session_state.pop(_CONFIRM_KEY, None)


def _delete(team_id: str, lang: str) -> None:
    st.session_state.pop(_CONFIRM_KEY, None)
    team = _manageable(team_id)
    if team is None:
        st.session_state[_MSG_KEY] = t("sidebar.workspace_gone", lang)
        return
    ws_dir = str(team.workspace.path.resolve())
    query_cache.release(ws_dir)  # close the shared connection before its files go
    with contextlib.suppress(teams.TeamError):  # deleted by someone else a moment ago
        teams.delete_team(team_id)
    query_cache.release(ws_dir)  # and drop one a session may have opened meanwhile
    if session.team_id() == team_id:
        session.open_sample()
        filters.reset()
    st.toast(t("sidebar.workspace_deleted", lang, name=plain(team.name)), icon=":material/delete:")


# ---------------------------------------------------------------- drawing


def _default_label(lang: str) -> str:
    default = workspace.open_workspace(session.default_dir())
    return t(
        "sidebar.workspace_sample"
        if workspace.is_read_only(default)
        else "sidebar.workspace_default",
        lang,
    )


def workspace_box(lang: str) -> None:
    """The open workspace (a picker of those this session may see), new / rename / delete,
    and sign-out."""
    ss, box = st.session_state, st.sidebar
    ws = session.current_workspace()
    team = session.current_team()
    names = {DEFAULT_OPTION: _default_label(lang)}
    names.update({tm.id: tm.name for tm in auth.visible_teams()})
    if team is not None:
        names.setdefault(team.id, team.name)
    ss[PICK_KEY] = team.id if team is not None else DEFAULT_OPTION
    box.selectbox(
        t("sidebar.workspace", lang),
        list(names),
        key=PICK_KEY,
        format_func=names.get,
        on_change=_switch,
        help=t("sidebar.workspace_help", lang),
    )
    box.button(
        t("sidebar.new_workspace", lang),
        key="sb_new_workspace",
        icon=":material/add:",
        help=t("sidebar.new_workspace_help", lang),
        on_click=new_team,
        args=(lang,),
    )
    if team is not None and auth.can_manage(ws, team.id):
        _manage(team, lang)
    msg = ss.pop(_MSG_KEY, None)
    if msg:
        box.error(msg)
    auth.sign_out_button(box)


def _manage(team: teams.Team, lang: str) -> None:
    ss = st.session_state
    confirming = ss.get(_CONFIRM_KEY) == team.id
    if ss.get(_NAME_FOR) != team.id:
        ss[NAME_KEY] = team.name
        ss[_NAME_FOR] = team.id
    with st.sidebar.expander(
        t("sidebar.manage", lang), icon=":material/settings:", expanded=confirming
    ):
        st.text_input(t("sidebar.rename", lang), key=NAME_KEY, max_chars=teams.NAME_MAX)
        st.button(
            t("sidebar.rename_save", lang),
            key="sb_ws_rename",
            on_click=_rename,
            args=(team.id, lang),
        )
        st.button(
            t("sidebar.delete_workspace", lang),
            key="sb_ws_delete",
            icon=":material/delete:",
            on_click=_ask_delete,
            args=(team.id,),
        )
        if confirming:
            st.warning(t("sidebar.delete_workspace_confirm", lang, name=plain(team.name)))
            yes, no = st.columns(2)
            yes.button(
                t("sidebar.delete_workspace_yes", lang),
                key="sb_ws_delete_yes",
                type="primary",
                on_click=_delete,
                args=(team.id, lang),
            )
            no.button(
                t("sidebar.delete_workspace_no", lang),
                key="sb_ws_delete_no",
                on_click=_cancel_delete,
            )


def render() -> tuple[str, filters.Filters]:
    """Draw the sidebar; returns (language, filters) for this run."""
    lang = language()
    query_cache.prepare(lang)
    query_cache.refresh()
    workspace_box(lang)
    st.sidebar.subheader(t("sidebar.filters", lang))
    return lang, filters.render(lang)
