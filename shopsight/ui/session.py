"""Per-session state: which workspace is open, the language, notices.

The workspace comes, in order, from st.session_state["ws_path"] (tests and
benchmarks set a directory there), the link's ?ws=<name> (a workspace under
SHOPSIGHT_DATA_DIR; team workspaces have an unguessable name), the environment
variable SHOPSIGHT_WORKSPACE, or else the sample shop.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import streamlit as st

from shopsight import i18n, workspace
from shopsight.i18n import t

WS_DIR_KEY = "ws_dir"
WS_PATH_KEY = "ws_path"
WS_PARAM = "ws"
LANG_KEY = "sb_lang"
_WS_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def lang() -> str:
    """The session's language: the sidebar choice, else the browser's."""
    return st.session_state.get(LANG_KEY) or i18n.lang_from_locale(st.context.locale)


def notice(text: str) -> None:
    """A short message that something in the link was not used (never an exception)."""
    st.toast(text, icon="⚠️")


def valid_workspace_name(name: str) -> bool:
    """A link's ?ws= names an existing workspace directory under the data directory."""
    if not _WS_NAME.fullmatch(name):
        return False
    return workspace.open_workspace(workspace.data_dir() / name).exists()


def _initial_workspace_dir() -> str:
    ss = st.session_state
    if ss.get(WS_PATH_KEY):
        return str(Path(ss[WS_PATH_KEY]).resolve())
    name = st.query_params.get(WS_PARAM)
    if name:
        if valid_workspace_name(name):
            return str((workspace.data_dir() / name).resolve())
        notice(t("notice.bad_workspace", lang(), value=name))
        del st.query_params[WS_PARAM]
    env = os.environ.get("SHOPSIGHT_WORKSPACE")
    return str(workspace.resolve(env or None).resolve())


def workspace_dir() -> str:
    """The open workspace's directory (resolved once per session)."""
    ss = st.session_state
    if WS_DIR_KEY not in ss:
        ss[WS_DIR_KEY] = _initial_workspace_dir()
    return ss[WS_DIR_KEY]


def current_workspace() -> workspace.Workspace:
    return workspace.open_workspace(workspace_dir())


def workspace_name() -> str | None:
    """The link name of the open workspace (?ws=), or None for the default one."""
    path = Path(workspace_dir())
    if path == workspace.resolve(None).resolve() or WS_PATH_KEY in st.session_state:
        return None
    if path.parent == workspace.data_dir().resolve():
        return path.name
    return None


def open_workspace_dir(path: str | os.PathLike, name: str | None) -> None:
    """Switch this session to another workspace; the link follows (?ws=name or none)."""
    ss = st.session_state
    ss.pop(WS_PATH_KEY, None)
    ss[WS_DIR_KEY] = str(Path(path).resolve())
    if name:
        st.query_params[WS_PARAM] = name
    elif WS_PARAM in st.query_params:
        del st.query_params[WS_PARAM]


def open_sample() -> None:
    """Switch to the sample shop (built from sample_data/ when first opened)."""
    open_workspace_dir(workspace.resolve(None), None)


def create_team_workspace() -> str:
    """A new empty workspace with a 128-bit random name, opened in this session."""
    name = secrets.token_hex(16)
    ws = workspace.open_workspace(workspace.data_dir() / name)
    ws.connect().close()
    open_workspace_dir(ws.path, name)
    return name
