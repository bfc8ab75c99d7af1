"""The sign-in gate: no page and no data before it lets the visitor through.

Call `require_access(ws_id)` at the top of app.py, before anything reads a workspace.
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
from pathlib import Path

import streamlit as st

from shopsight import access, i18n, teams, workspace

TEXT = {
    "zh": {
        "title": "登录 ShopSight 店铺经营看板",
        "password_label": "团队密码",
        "password_help": "向管理员索取团队共用的访问密码。",
        "sign_in": "登录",
        "sign_in_oidc": "使用公司账号登录",
        "sign_out": "退出登录",
        "wrong_password": "密码不正确。",
        "locked": "尝试次数过多，请 {seconds} 秒后再试。",
        "denied": "账号 {email} 没有此工作区的访问权限。请联系工作区负责人，或换一个账号登录。",
        "unverified": "账号 {email} 的邮箱尚未验证，无法访问此工作区。",
        "not_configured": "此部署要求登录，但没有找到访问配置（.streamlit/secrets.toml 的 [access] 或 [auth]）。请管理员检查配置。",
        "config_error": "访问配置有误，应用已暂停：{error}",
        "login_unavailable": "无法启动登录：{error}",
        "exposed": "此应用未设置访问控制，任何能打开此地址的人都能看到数据。部署到服务器前请配置密码或单点登录（见 docs/hosting.md）。",
        "no_workspace": "此链接没有对应的工作区：链接可能有误、已过期，或工作区已被删除。",
        "open_sample": "打开示例店铺",
    },
    "en": {
        "title": "Sign in to ShopSight",
        "password_label": "Team password",
        "password_help": "Ask your admin for the team's shared password.",
        "sign_in": "Sign in",
        "sign_in_oidc": "Sign in with your company account",
        "sign_out": "Sign out",
        "wrong_password": "Wrong password.",
        "locked": "Too many attempts. Try again in {seconds} s.",
        "denied": "The account {email} has no access to this workspace. Ask its owner, or sign in with another account.",
        "unverified": "The account {email} has an unverified e-mail address and cannot open this workspace.",
        "not_configured": "This deployment requires sign-in but no access settings were found ([access] or [auth] in .streamlit/secrets.toml). Ask your admin to check the configuration.",
        "config_error": "The access settings are invalid, so the app is stopped: {error}",
        "login_unavailable": "Sign-in cannot start: {error}",
        "exposed": "This app has no access control: anyone who can reach this address sees the data. Set a password or single sign-on before hosting it (see docs/hosting.md).",
        "no_workspace": "No workspace at this link: the link is wrong or out of date, or the workspace was deleted.",
        "open_sample": "Open the sample shop",
    },
}

PASSWORD_KEY = "password"
_OK_KEY = "auth_ok"  # fingerprint of the password hash this session signed in with
_MSG_KEY = "auth_msg"
_SID_KEY = "auth_sid"
_KNOWN_KEY = "auth_known_ws"
_GLOBAL = "*"

# Per session (one form hammered) and per process (many sessions opened by one guesser).
_session_limiter = access.RateLimiter(max_failures=5, backoff=30.0, window=300.0)
_global_limiter = access.RateLimiter(max_failures=50, backoff=30.0, window=300.0)


def _text(key: str, lang: str, **fmt: object) -> str:
    text = TEXT[lang][key]
    return text.format(**fmt) if fmt else text


def _lang() -> str:
    return st.session_state.get("sb_lang") or i18n.lang_from_locale(st.context.locale)


def reset_rate_limits() -> None:
    """Forget every failed attempt in this process (tests; an admin after an incident)."""
    _session_limiter.reset()
    _global_limiter.reset()


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
    lang = _lang()
    try:
        cfg = config()
    except ValueError as e:
        _stop_with("error", _text("config_error", lang, error=e))
    if cfg.mode == access.OPEN:
        if _required():
            _stop_with("error", _text("not_configured", lang))
        if not access.is_local_host(st.context.headers.get("Host")):
            st.warning(_text("exposed", lang), icon="⚠️")
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
    sid = _session_key()
    wait = max(_session_limiter.wait(sid), _global_limiter.wait(_GLOBAL))
    if wait:
        ss[_MSG_KEY] = ("locked", math.ceil(wait))
        return
    if access.verify_password(password, encoded):
        _session_limiter.success(sid)
        ss[_OK_KEY] = access.fingerprint(encoded)
        ss.pop(_MSG_KEY, None)
        return
    wait = max(_session_limiter.failure(sid), _global_limiter.failure(_GLOBAL))
    ss[_MSG_KEY] = ("locked", math.ceil(wait)) if wait else ("wrong_password", 0)


def _password_form(cfg: access.AccessConfig, lang: str) -> None:
    st.subheader(_text("title", lang))
    st.text_input(_text("password_label", lang), type="password", key=PASSWORD_KEY,
                  help=_text("password_help", lang), on_change=_try_password,
                  args=(cfg.password_hash,))
    st.button(_text("sign_in", lang), key="auth_sign_in", type="primary",
              on_click=_try_password, args=(cfg.password_hash,))
    msg = st.session_state.pop(_MSG_KEY, None)
    if msg and msg[0] == "locked":
        st.warning(_text("locked", lang, seconds=msg[1]))
    elif msg:
        st.error(_text("wrong_password", lang))


def _require_oidc(cfg: access.AccessConfig, ws_id: str | None, lang: str) -> None:
    user = st.user
    if not user.is_logged_in:
        st.subheader(_text("title", lang))
        if st.button(_text("sign_in_oidc", lang), key="auth_login", type="primary"):
            try:
                st.login(cfg.provider)
            except Exception as e:  # missing Authlib or an incomplete [auth] section
                st.error(_text("login_unavailable", lang, error=e))
        st.stop()
    email = user.get("email")
    verified = user.get("email_verified")
    verified = verified if isinstance(verified, bool) else None
    if not access.may_open(cfg, ws_id, signed_in=True, email=email, email_verified=verified):
        reason = "unverified" if verified is False else "denied"
        st.error(_text(reason, lang, email=email or "?"))
        if st.button(_text("sign_out", lang), key="auth_logout_denied"):
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
    lang = _lang()
    try:
        cfg = config()
    except ValueError:
        return
    where = container if container is not None else st.sidebar
    if cfg.mode == access.PASSWORD and st.session_state.get(_OK_KEY):
        if where.button(_text("sign_out", lang), key="auth_sign_out"):
            st.session_state.pop(_OK_KEY, None)
            st.session_state.pop(_KNOWN_KEY, None)
            st.rerun()
    elif (cfg.mode == access.OIDC and st.user.is_logged_in
          and where.button(_text("sign_out", lang), key="auth_sign_out")):
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
    return access.may_open(cfg, ws_id, signed_in=True, email=st.user.get("email"),
                           email_verified=verified if isinstance(verified, bool) else None)


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


def workspace_from_link(ws_id: str | None) -> workspace.Workspace | None:
    """The gate plus the link: None for the sample shop, the team's workspace for a valid
    `?ws=` id; a wrong id stops the page with a message and shows nothing of any workspace."""
    require_access(ws_id)
    if not ws_id:
        return None
    ws = teams.resolve_team(ws_id)
    if ws is None:
        lang = _lang()
        st.error(_text("no_workspace", lang))
        if st.button(_text("open_sample", lang), key="auth_open_sample"):
            st.query_params.pop("ws", None)
            st.rerun()
        st.stop()
    return ws
