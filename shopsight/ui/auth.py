"""The sign-in gate: no page and no data before it lets the visitor through.

app.py calls `workspace_from_link(ws_id)` right after set_page_config, before anything
reads a workspace: the gate first, then the link's id is looked up (teams.py).
The mode comes from the secrets (shopsight/access.py): open (nothing configured, for
localhost), a shared password (`[access] password_hash`), or OIDC through st.login
(`[auth]`), with optional per-workspace e-mail allow-lists (`[access.allow]`).

Set SHOPSIGHT_REQUIRE_AUTH=1 on a hosted deployment (the Docker image does): a missing
or unreadable secrets file then closes the app instead of leaving it open.
"""

from __future__ import annotations

import math
import os
import secrets
import time
from pathlib import Path

import streamlit as st

from shopsight import access, teams, workspace
from shopsight.i18n import t
from shopsight.mdtext import plain
from shopsight.ui import session

PASSWORD_KEY = "password"
_OK_KEY = "auth_ok"  # fingerprint of the password hash this session signed in with
_MSG_KEY = "auth_msg"
_SID_KEY = "auth_sid"
_KNOWN_KEY = "auth_known_ws"

# Limits per client: one session hammering its form, and one source address opening many
# sessions.  Across the process only a pause (access.SlowBrake), never a lock: sessions
# an outsider opens must not keep the owner, from another address, out.
_session_limiter = access.RateLimiter(max_failures=5, backoff=30.0, window=300.0)
_address_limiter = access.RateLimiter(max_failures=20, backoff=60.0, window=300.0)
_global_brake = access.SlowBrake(per=50, step=1.0, max_delay=3.0, window=300.0)


def reset_rate_limits() -> None:
    """Forget every failed attempt in this process (tests; an admin after an incident)."""
    _session_limiter.reset()
    _address_limiter.reset()
    _global_brake.reset()


def _client_address() -> str | None:
    """The source address the server sees for this session (a proxy's, behind one)."""
    try:
        return st.context.ip_address
    except (AttributeError, RuntimeError):
        return None


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def config() -> access.AccessConfig:
    """The access settings from st.secrets; raises ValueError when they are invalid."""
    if not st.secrets.load_if_toml_exists():
        # Streamlit treats an unreadable secrets file like a missing one; we must not
        # open the app because of a typo in it
        broken = [p for p in st.get_option("secrets.files") or [] if Path(p).is_file()]
        if broken:
            raise ValueError(f"{broken[0]} exists but cannot be read as TOML")
        return access.AccessConfig(access.OPEN)
    return access.parse_config({k: st.secrets.get(k) for k in ("access", "auth")})


def _required() -> bool:
    return os.environ.get("SHOPSIGHT_REQUIRE_AUTH", "").strip().lower() in ("1", "true", "yes")


def _session_key() -> str:
    ss = st.session_state
    if _SID_KEY not in ss:
        ss[_SID_KEY] = secrets.token_hex(8)
    return ss[_SID_KEY]


def _remember(ws_id: str | None) -> None:
    if ws_id and teams.is_valid_id(ws_id):
        known = st.session_state.setdefault(_KNOWN_KEY, [])
        if ws_id not in known:
            known.append(ws_id)


def _stop_with(kind: str, message: str) -> None:
    getattr(st, kind)(message)
    st.stop()


def require_access(ws_id: str | None) -> None:
    """Return when this session may see workspace `ws_id` (None: the sample shop);
    otherwise draw the sign-in form or the reason and stop the script."""
    lang = session.lang()
    try:
        cfg = config()
    except ValueError as e:
        _stop_with("error", t("auth.config_error", lang, error=e))
    if cfg.mode == access.OPEN:
        if _required():
            _stop_with("error", t("auth.not_configured", lang))
        if not access.is_local_host(st.context.headers.get("Host")):
            st.warning(t("auth.exposed", lang), icon="⚠️")
    elif cfg.mode == access.PASSWORD:
        if st.session_state.get(_OK_KEY) != access.fingerprint(cfg.password_hash):
            _password_form(cfg, lang)
            st.stop()
    else:
        _require_oidc(cfg, ws_id, lang)
    _remember(ws_id)


def _try_password(encoded: str) -> None:
    ss = st.session_state
    password = ss.get(PASSWORD_KEY) or ""
    ss[PASSWORD_KEY] = ""  # the password never stays in session state
    if not password:
        return
    sid, address = _session_key(), _client_address()
    wait = max(_session_limiter.wait(sid), _address_limiter.wait(address) if address else 0.0)
    if wait:
        ss[_MSG_KEY] = ("locked", math.ceil(wait))
        return
    _pause(_global_brake.delay())
    if access.verify_password(password, encoded):
        _session_limiter.success(sid)
        ss[_OK_KEY] = access.fingerprint(encoded)
        ss.pop(_MSG_KEY, None)
        return
    _global_brake.failure()
    wait = max(_session_limiter.failure(sid), _address_limiter.failure(address) if address else 0.0)
    ss[_MSG_KEY] = ("locked", math.ceil(wait)) if wait else ("wrong_password", 0)


def _password_form(cfg: access.AccessConfig, lang: str) -> None:
    st.subheader(t("auth.title", lang))
    st.text_input(
        t("auth.password_label", lang),
        type="password",
        key=PASSWORD_KEY,
        help=t("auth.password_help", lang),
        on_change=_try_password,
        args=(cfg.password_hash,),
    )
    st.button(
        t("auth.sign_in", lang),
        key="auth_sign_in",
        type="primary",
        on_click=_try_password,
        args=(cfg.password_hash,),
    )
    msg = st.session_state.pop(_MSG_KEY, None)
    if msg and msg[0] == "locked":
        st.warning(t("auth.locked", lang, seconds=msg[1]))
    elif msg:
        st.error(t("auth.wrong_password", lang))


def _require_oidc(cfg: access.AccessConfig, ws_id: str | None, lang: str) -> None:
    user = st.user
    if not user.is_logged_in:
        st.subheader(t("auth.title", lang))
        if st.button(t("auth.sign_in_oidc", lang), key="auth_login", type="primary"):
            try:
                st.login(cfg.provider)
            except Exception as e:  # missing Authlib or an incomplete [auth] section
                st.error(t("auth.login_unavailable", lang, error=plain(e)))
        st.stop()
    email = user.get("email")
    verified = user.get("email_verified")
    verified = verified if isinstance(verified, bool) else None
    if not access.may_open(cfg, ws_id, signed_in=True, email=email, email_verified=verified):
        reason = "denied" if verified is True else "unverified"
        st.error(t(f"auth.{reason}", lang, email=plain(email or "?")))
        if st.button(t("auth.sign_out", lang), key="auth_logout_denied"):
            st.logout()
        st.stop()


def current_email() -> str | None:
    """The signed-in OIDC user's address (None in open and password modes)."""
    try:
        cfg = config()
    except ValueError:
        return None
    if cfg.mode != access.OIDC or not st.user.is_logged_in:
        return None
    return st.user.get("email")


def sign_out_button(container=None) -> None:
    """A sign-out button (sidebar by default); nothing in open mode."""
    lang = session.lang()
    try:
        cfg = config()
    except ValueError:
        return
    where = container if container is not None else st.sidebar
    if cfg.mode == access.PASSWORD and st.session_state.get(_OK_KEY):
        if where.button(t("auth.sign_out", lang), key="auth_sign_out"):
            st.session_state.pop(_OK_KEY, None)
            st.session_state.pop(_KNOWN_KEY, None)
            st.rerun()
    elif (
        cfg.mode == access.OIDC
        and st.user.is_logged_in
        and where.button(t("auth.sign_out", lang), key="auth_sign_out")
    ):
        st.logout()


def can_open(ws_id: str | None) -> bool:
    """Whether this session may open (and so manage) a workspace, without drawing anything."""
    try:
        cfg = config()
    except ValueError:
        return False
    if cfg.mode == access.OPEN:
        return not _required()
    if cfg.mode == access.PASSWORD:
        return st.session_state.get(_OK_KEY) == access.fingerprint(cfg.password_hash)
    if not st.user.is_logged_in:
        return False
    verified = st.user.get("email_verified")
    return access.may_open(
        cfg,
        ws_id,
        signed_in=True,
        email=st.user.get("email"),
        email_verified=verified if isinstance(verified, bool) else None,
    )


def can_manage(ws: workspace.Workspace | None, ws_id: str | None) -> bool:
    """Rename / delete / upload: anyone who may open the workspace, never on the sample."""
    return ws is not None and not workspace.is_read_only(ws) and can_open(ws_id)


def visible_teams() -> list[teams.Team]:
    """The team workspaces to list for this session.

    Open mode (one person on localhost): all of them.  Otherwise the links this session
    has opened, plus, with OIDC, those whose own allow-list names the user: knowing a
    shared password is not a reason to see every team's link.
    """
    try:
        cfg = config()
    except ValueError:
        return []
    everything = teams.list_teams()
    if cfg.mode == access.OPEN:
        return everything if not _required() else []
    known = set(st.session_state.get(_KNOWN_KEY, []))
    email = current_email()
    out = []
    for team in everything:
        own_list = cfg.allow.get(team.id)
        listed = bool(email and own_list and access.email_allowed(email, own_list))
        if (team.id in known or listed) and can_open(team.id):
            out.append(team)
    return out


def lets_in(ws_id: str | None) -> bool:
    """Whether `workspace_from_link(ws_id)` will return rather than stop, drawing nothing."""
    return can_open(ws_id) and (not ws_id or teams.resolve_team(ws_id) is not None)


def workspace_from_link(ws_id: str | None) -> workspace.Workspace | None:
    """The gate plus the link: None for the sample shop, the team's workspace for a valid
    `?ws=` id; a wrong id stops the page with a message and shows nothing of any workspace."""
    require_access(ws_id)
    if not ws_id:
        return None
    ws = teams.resolve_team(ws_id)
    if ws is None:
        lang = session.lang()
        st.error(t("auth.no_workspace", lang))
        st.button(t("auth.open_sample", lang), key="auth_open_sample", on_click=_leave_link)
        st.stop()
    return ws


def _leave_link() -> None:
    # the session remembers its workspace across page switches: forget it too
    st.query_params.pop(session.WS_PARAM, None)
    st.session_state.pop(session.WS_ID_KEY, None)
