"""Per-session state: which workspace is open, the language, notices.

The link decides the workspace.  `?ws=<team id>` opens a team workspace (shopsight/teams.py,
the one place workspaces are created and looked up); no `?ws=` opens the default one: the
sample shop, or the directory in the environment variable SHOPSIGHT_WORKSPACE.  app.py
hands the link to the sign-in gate (`auth.workspace_from_link(link_id())`) and then calls
`open_link` with what the gate let through.  A page switch drops the query string, so the
session remembers its team id and writes it back.

Tests and benchmarks may put a workspace directory in st.session_state["ws_path"]: it
wins over the link.  No widget has that key, so a browser cannot set it.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from shopsight import colours, i18n, teams, workspace
from shopsight.mdtext import plain

WS_PARAM = "ws"
WS_ID_KEY = "ws_id"  # the team id this session has open; absent: the default workspace
WS_DIR_KEY = "ws_dir"
WS_PATH_KEY = "ws_path"
LANG_KEY = "sb_lang"
COLORS_KEY = "sb_colors"


def lang() -> str:
    """The session's language: the sidebar choice, else the link's ?lang=, else the browser's
    (the same choice the sidebar's switch starts from, so the sign-in form and the page
    list agree with the page)."""
    return (
        st.session_state.get(LANG_KEY)
        or i18n.parse_lang(st.query_params.get("lang"))
        or i18n.lang_from_locale(st.context.locale)
    )


def colour_convention() -> str:
    """Red-up or green-up: the sidebar's choice, else the language's own (colours.DEFAULT)."""
    return colours.parse(st.session_state.get(COLORS_KEY)) or colours.default_for(lang())


def palette() -> colours.Palette:
    return colours.palette(colour_convention())


def notice(text: str) -> None:
    """A short message that something in the link was not used (never an exception).

    It repeats the link's own values, so the whole text is shown literally (mdtext.plain).
    """
    st.toast(plain(text), icon="⚠️")


def default_dir() -> Path:
    """The workspace opened without `?ws=`: the sample shop unless SHOPSIGHT_WORKSPACE says."""
    return workspace.resolve(os.environ.get("SHOPSIGHT_WORKSPACE") or None).resolve()


def link_id() -> str | None:
    """The workspace id this run asks for: the link's `?ws=`, else the one this session has open."""
    asked = st.query_params.get(WS_PARAM)
    return asked if asked is not None else st.session_state.get(WS_ID_KEY)


def open_link(ws_id: str | None, ws: workspace.Workspace | None) -> None:
    """Open what the gate resolved (`ws` None: the default workspace); the link names it."""
    ss, qp = st.session_state, st.query_params
    if ss.get(WS_PATH_KEY):
        ss[WS_DIR_KEY] = str(Path(ss[WS_PATH_KEY]).resolve())
        ss.pop(WS_ID_KEY, None)
        return
    if ws is None:
        ss.pop(WS_ID_KEY, None)
        ss[WS_DIR_KEY] = str(default_dir())
        if WS_PARAM in qp:
            del qp[WS_PARAM]
        return
    ss[WS_ID_KEY] = ws_id
    ss[WS_DIR_KEY] = str(ws.path.resolve())
    if qp.get(WS_PARAM) != ws_id:
        qp[WS_PARAM] = ws_id


def workspace_dir() -> str:
    """The open workspace's directory (set by app.py on every run)."""
    ss = st.session_state
    if WS_DIR_KEY not in ss:  # only before app.py ran, e.g. a page script on its own
        ss[WS_DIR_KEY] = str(default_dir())
    return ss[WS_DIR_KEY]


def current_workspace() -> workspace.Workspace:
    return workspace.open_workspace(workspace_dir())


def team_id() -> str | None:
    """The open team workspace's id (the `?ws=` of the link), None on the default workspace."""
    return st.session_state.get(WS_ID_KEY)


def current_team() -> teams.Team | None:
    return teams.get_team(team_id())


def open_team(team_id: str) -> None:
    """Switch to a team workspace from a callback or before st.rerun(); the gate checks it."""
    st.session_state.pop(WS_PATH_KEY, None)
    st.session_state[WS_ID_KEY] = team_id
    st.query_params[WS_PARAM] = team_id


def open_sample() -> None:
    """Switch to the default workspace (the sample shop, built from sample_data/ when first opened)."""
    st.session_state.pop(WS_PATH_KEY, None)
    st.session_state.pop(WS_ID_KEY, None)
    if WS_PARAM in st.query_params:
        del st.query_params[WS_PARAM]


def create_team(name: str) -> teams.Team:
    """A new, empty team workspace (teams.create_team), opened in this session."""
    team = teams.create_team(name)
    open_team(team.id)
    return team
