"""The sign-in gate (shopsight/ui/auth.py) under AppTest: nothing shows before access is granted."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from shopsight import access, teams
from shopsight.mdtext import plain
from shopsight.ui import auth

PASSWORD = "correct horse battery"
HASH = access.hash_password(PASSWORD)
CONTENT = "TOP SECRET SHOP NUMBERS"

GATED = f"""
import streamlit as st
from shopsight.ui import auth
auth.require_access(st.query_params.get("ws"))
st.markdown({CONTENT!r})
auth.sign_out_button(st)
"""

LINKED = """
import streamlit as st
from shopsight.ui import auth
ws = auth.workspace_from_link(st.query_params.get("ws"))
st.markdown("OPENED " + ("sample" if ws is None else ws.path.name))
"""

OIDC_AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "id",
    "client_secret": "secret",
    "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
}


@pytest.fixture(autouse=True)
def fresh_limits(monkeypatch):
    monkeypatch.delenv("SHOPSIGHT_REQUIRE_AUTH", raising=False)
    auth.reset_rate_limits()
    yield
    auth.reset_rate_limits()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error]
    parts += [w.value for w in at.warning] + [s.value for s in at.subheader]
    return "\n".join(str(p) for p in parts)


def gated(
    secrets: dict | None = None, *, script: str = GATED, locale: str = "en-US", **params
) -> AppTest:
    at = AppTest.from_string(script, default_timeout=30)
    for k, v in (secrets or {}).items():
        at.secrets[k] = v
    at.context["locale"] = locale
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def test_open_without_configuration():
    at = gated()
    assert not at.exception
    assert CONTENT in texts(at)
    assert not at.text_input


def test_no_content_before_the_password_and_content_after():
    at = gated({"access": {"password_hash": HASH}})
    assert not at.exception
    assert CONTENT not in texts(at)
    assert "Sign in to ShopSight" in texts(at)
    at.text_input(key="password").input("wrong").run()
    assert CONTENT not in texts(at)
    assert "Wrong password." in texts(at)
    at.text_input(key="password").input(PASSWORD).run()
    assert CONTENT in texts(at)
    assert "Wrong password." not in texts(at)
    # the password itself is not kept in the session
    assert "password" not in at.session_state or at.session_state["password"] == ""
    assert not at.text_input  # the form is gone
    at.run()
    assert CONTENT in texts(at)


def test_sign_in_button_and_chinese_text():
    at = gated({"access": {"password_hash": HASH}}, locale="zh-CN")
    assert "登录 ShopSight 店铺经营看板" in texts(at)
    at.text_input(key="password").set_value(PASSWORD)
    at.button(key="auth_sign_in").click().run()
    assert CONTENT in texts(at)


def test_sign_out_returns_to_the_form():
    at = gated({"access": {"password_hash": HASH}})
    at.text_input(key="password").input(PASSWORD).run()
    assert CONTENT in texts(at)
    at.button(key="auth_sign_out").click().run()
    assert CONTENT not in texts(at)
    assert at.text_input(key="password").value == ""


def test_rate_limited_after_five_failures_even_for_the_right_password():
    at = gated({"access": {"password_hash": HASH}})
    for i in range(4):
        at.text_input(key="password").input(f"guess {i}").run()
        assert "Wrong password." in texts(at)
    at.text_input(key="password").input("guess 4").run()
    assert "Too many attempts. Try again in 30 s." in texts(at)
    at.text_input(key="password").input(PASSWORD).run()
    assert CONTENT not in texts(at)
    assert "Too many attempts" in texts(at)
    # another session is held back only by the process-wide limit, which is higher
    other = gated({"access": {"password_hash": HASH}})
    other.text_input(key="password").input(PASSWORD).run()
    assert CONTENT in texts(other)


def _from(monkeypatch, address: str) -> None:
    monkeypatch.setattr(auth, "_client_address", lambda: address)


def test_many_wrong_sessions_do_not_keep_the_right_password_out(monkeypatch):
    """Ten sessions x five wrong passwords from one address: each session and then the
    address are locked; the owner, from another address, still signs in at once."""
    pauses = []
    monkeypatch.setattr(auth, "_pause", pauses.append)
    _from(monkeypatch, "203.0.113.9")
    outcomes = []
    for n in range(10):
        at = gated({"access": {"password_hash": HASH}})
        for i in range(5):
            at.text_input(key="password").input(f"guess {n}.{i}").run()
        outcomes.append(texts(at))
    assert sum("Too many attempts" in x for x in outcomes) == 10
    late = gated({"access": {"password_hash": HASH}})  # a new session from that address
    late.text_input(key="password").input(PASSWORD).run()
    assert CONTENT not in texts(late) and "Too many attempts. Try again in" in texts(late)
    _from(monkeypatch, "198.51.100.7")
    owner = gated({"access": {"password_hash": HASH}})
    owner.text_input(key="password").input(PASSWORD).run()
    assert CONTENT in texts(owner)
    # 20 checked failures before the address lock (4 per session, the 5th locks it) ...
    assert sum(1 for p in pauses) == 20 + 1
    # ... and the process-wide brake only pauses: 0 s below 50 failures in the window
    assert set(pauses) == {0.0}


def test_the_process_wide_limit_only_slows_checks_down():
    clock = [0.0]
    brake = access.SlowBrake(per=3, step=1.0, max_delay=2.0, window=60.0, clock=lambda: clock[0])
    delays = []
    for _ in range(10):
        delays.append(brake.delay())
        brake.failure()
    assert delays == [0, 0, 0, 1, 1, 1, 2, 2, 2, 2]
    clock[0] = 61.0  # the window has passed
    assert brake.delay() == 0


def test_a_new_password_signs_sessions_out():
    at = gated({"access": {"password_hash": HASH}})
    at.text_input(key="password").input(PASSWORD).run()
    assert CONTENT in texts(at)
    at.secrets["access"] = {"password_hash": access.hash_password("the new one")}
    at.run()
    assert CONTENT not in texts(at)


@pytest.mark.parametrize(
    "secrets",
    [
        {"access": {"password_hash": "plaintext-password"}},
        {"access": {"mode": "oidc"}},
    ],
)
def test_broken_configuration_closes_the_app(secrets):
    at = gated(secrets)
    assert CONTENT not in texts(at)
    assert "The access settings are invalid" in texts(at)


def test_required_auth_without_configuration_closes_the_app(monkeypatch):
    monkeypatch.setenv("SHOPSIGHT_REQUIRE_AUTH", "1")
    at = gated()
    assert CONTENT not in texts(at)
    assert "requires sign-in" in texts(at)


def test_oidc_signed_out_sees_only_the_sign_in_button():
    at = AppTest.from_string(GATED, default_timeout=30)
    at.secrets["auth"] = OIDC_AUTH
    at.user = {"is_logged_in": False}
    at.context["locale"] = "en-US"
    at.run()
    assert CONTENT not in texts(at)
    at.button(key="auth_login").click().run()
    assert not at.exception
    assert CONTENT not in texts(at)


def oidc(
    email: str, ws: str | None = None, verified: bool | None = True, allow: dict | None = None
) -> AppTest:
    at = AppTest.from_string(GATED, default_timeout=30)
    at.secrets["auth"] = OIDC_AUTH
    if allow is not None:
        at.secrets["access"] = {"allow": allow}
    user = {"is_logged_in": True, "email": email}
    if verified is not None:
        user["email_verified"] = verified
    at.user = user
    at.context["locale"] = "en-US"
    if ws:
        at.query_params["ws"] = ws
    return at.run()


def test_oidc_allow_lists():
    team = "T" * 32
    allow = {"*": ["@shop.example"], team: ["partner@agency.example"]}
    assert CONTENT in texts(oidc("ann@shop.example", allow=allow))
    assert CONTENT in texts(oidc("partner@agency.example", team, allow=allow))
    denied = oidc("ann@shop.example", team, allow=allow)
    assert CONTENT not in texts(denied)
    assert f"The account {plain('ann@shop.example')} has no access" in texts(denied)
    assert CONTENT not in texts(oidc("eve@evil.example", allow=allow))
    unverified = oidc("ann@shop.example", verified=False, allow=allow)
    assert CONTENT not in texts(unverified)
    assert "unverified" in texts(unverified)
    missing = oidc("ann@shop.example", verified=None, allow=allow)  # no email_verified claim
    assert CONTENT not in texts(missing) and "unverified" in texts(missing)
    assert CONTENT in texts(
        oidc("anyone@anywhere.example", verified=None)
    )  # no list: no claim needed
    assert CONTENT in texts(oidc("anyone@anywhere.example"))  # no list: any signed-in user


def test_wrong_link_shows_nothing_and_says_so(data_dir):
    team = teams.create_team("east")
    at = gated(script=LINKED, ws=team.id)
    assert f"OPENED {team.id}" in texts(at)
    for bad in ("A" * 32, "../sample", team.id[:-1]):
        at = gated(script=LINKED, ws=bad)
        assert "OPENED" not in texts(at)
        assert "No workspace at this link" in texts(at)
        at.button(key="auth_open_sample").click().run()
        assert "OPENED sample" in texts(at)
    assert "OPENED sample" in texts(gated(script=LINKED))


def test_the_link_is_checked_only_after_sign_in(data_dir):
    team = teams.create_team("east")
    at = gated({"access": {"password_hash": HASH}}, script=LINKED, ws="A" * 32)
    assert "No workspace" not in texts(at)  # nothing about any id before signing in
    at.text_input(key="password").input(PASSWORD).run()
    assert "No workspace at this link" in texts(at)
    at = gated({"access": {"password_hash": HASH}}, script=LINKED, ws=team.id)
    at.text_input(key="password").input(PASSWORD).run()
    assert f"OPENED {team.id}" in texts(at)


def test_an_unreadable_secrets_file_closes_the_app(tmp_path, monkeypatch):
    import streamlit

    broken = tmp_path / "secrets.toml"
    broken.write_text('[access]\npassword_hash = "scrypt$16384$8$1$ unterminated\n')
    real = streamlit.get_option
    monkeypatch.setattr(
        streamlit, "get_option", lambda key: [str(broken)] if key == "secrets.files" else real(key)
    )
    at = gated()
    assert CONTENT not in texts(at)
    assert "cannot be read as TOML" in texts(at)


AGREES = """
import streamlit as st
from shopsight.ui import auth
ws_id = st.query_params.get("ws")
st.markdown(f"LETS_IN {auth.lets_in(ws_id)}")
auth.workspace_from_link(ws_id)
st.markdown("OPENED")
"""


def test_lets_in_says_beforehand_what_the_gate_will_do(data_dir, monkeypatch):
    """app.py shows its page list only when the gate will let the visitor through."""
    team = teams.create_team("east")

    def check(at: AppTest, expected: bool) -> None:
        shown = texts(at)
        assert f"LETS_IN {expected}" in shown
        assert ("OPENED" in shown) is expected

    check(gated(script=AGREES, ws=team.id), True)
    check(gated(script=AGREES), True)
    check(gated(script=AGREES, ws="A" * 32), False)
    at = gated({"access": {"password_hash": HASH}}, script=AGREES, ws=team.id)
    check(at, False)
    at.text_input(key="password").input(PASSWORD).run()
    check(at, True)
    monkeypatch.setenv("SHOPSIGHT_REQUIRE_AUTH", "1")
    check(gated(script=AGREES), False)


def test_sign_in_texts_come_from_the_locale_tables():
    from shopsight.locales import en, zh

    assert not hasattr(auth, "TEXT")
    keys = {k for k in zh.TEXT if k.startswith("auth.")}
    assert {"auth.title", "auth.password_label", "auth.no_workspace", "auth.sign_out"} <= keys
    assert all(en.TEXT[k] and zh.TEXT[k] != en.TEXT[k] for k in keys)
