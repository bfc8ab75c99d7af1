"""Password hashing, rate limiting and allow-lists (shopsight/access.py), and the example configs."""

from __future__ import annotations

import base64
import hashlib
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from shopsight import access
from shopsight.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_PASSWORD = "change me before hosting"  # the password behind examples/secrets.password.toml


def test_hash_format_is_self_describing_and_salted():
    a = access.hash_password("hunter2")
    b = access.hash_password("hunter2")
    assert a != b  # a fresh salt each time
    algo, n, r, p, salt, key = a.split("$")
    assert (algo, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt + "==")) == 16
    assert len(base64.b64decode(key + "=")) == 32


def test_hash_matches_hashlib_scrypt_with_the_same_salt():
    salt = bytes(range(16))
    encoded = access.hash_password("pässwörd", salt=salt)
    expected = hashlib.scrypt("pässwörd".encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    assert encoded.split("$")[5] == base64.b64encode(expected).decode().rstrip("=")


def test_round_trip_and_wrong_password():
    encoded = access.hash_password("correct horse")
    assert access.verify_password("correct horse", encoded)
    assert not access.verify_password("correct horse ", encoded)
    assert not access.verify_password("Correct horse", encoded)
    assert not access.verify_password("", encoded)


def test_stronger_parameters_verify_and_weak_ones_are_refused():
    strong = access.hash_password("x", n=2**15, r=8, p=2)
    assert strong.startswith("scrypt$32768$8$2$")
    assert access.verify_password("x", strong)
    with pytest.raises(access.HashFormatError):
        access.hash_password("x", n=2**10)
    weak = "scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$" + "A" * 43
    with pytest.raises(access.HashFormatError):
        access.verify_password("x", weak)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "plaintext",
        "bcrypt$10$abc",
        "scrypt$16384$8$1$!!$??",
        "scrypt$16385$8$1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_malformed_hashes_raise(bad):
    with pytest.raises(access.HashFormatError):
        access.verify_password("x", bad)


def test_cli_hash_password_reads_stdin():
    result = CliRunner().invoke(cli, ["hash-password"], input="s3cret pass\n")
    assert result.exit_code == 0, result.output
    encoded = result.output.strip()
    assert encoded.startswith("scrypt$16384$8$1$")
    assert access.verify_password("s3cret pass", encoded)
    assert not access.verify_password("s3cret pass\n", encoded)


def test_cli_hash_password_refuses_empty_input():
    result = CliRunner().invoke(cli, ["hash-password"], input="\n")
    assert result.exit_code != 0
    assert "empty" in result.output


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_rate_limiter_backs_off_after_five_failures_and_recovers():
    clock = FakeClock()
    lim = access.RateLimiter(max_failures=5, backoff=30, window=300, clock=clock)
    waits = [lim.failure("s1") for _ in range(5)]
    assert waits == [0, 0, 0, 0, 30]
    assert lim.wait("s1") == 30
    assert lim.wait("s2") == 0  # another session is not affected
    clock.now += 29
    assert lim.wait("s1") == pytest.approx(1)
    clock.now += 1
    assert lim.wait("s1") == 0
    # the count starts over after a lockout
    assert [lim.failure("s1") for _ in range(4)] == [0, 0, 0, 0]


def test_rate_limiter_window_and_success_reset_the_count():
    clock = FakeClock()
    lim = access.RateLimiter(max_failures=3, backoff=10, window=60, clock=clock)
    lim.failure("a")
    lim.failure("a")
    clock.now += 61  # older failures fall out of the window
    assert lim.failure("a") == 0
    lim.failure("a")
    lim.success("a")
    assert lim.failure("a") == 0


def test_rate_limiter_table_is_bounded():
    clock = FakeClock()
    lim = access.RateLimiter(max_failures=5, window=10, max_keys=100, clock=clock)
    for i in range(100):
        lim.failure(f"k{i}")
    clock.now += 11
    lim.failure("new")
    assert len(lim._records) == 1


def test_parse_config_modes():
    assert access.parse_config({}).mode == access.OPEN
    h = access.hash_password("pw")
    assert access.parse_config({"access": {"password_hash": h}}).mode == access.PASSWORD
    auth = {
        "redirect_uri": "https://x/oauth2callback",
        "cookie_secret": "c",
        "client_id": "i",
        "client_secret": "s",
        "server_metadata_url": "https://idp/.well-known/openid-configuration",
    }
    cfg = access.parse_config({"auth": auth, "access": {"password_hash": h}})
    assert (cfg.mode, cfg.provider) == (access.OIDC, None)
    forced = access.parse_config({"auth": auth, "access": {"password_hash": h, "mode": "password"}})
    assert forced.mode == access.PASSWORD
    named = access.parse_config(
        {"auth": {"redirect_uri": "r", "cookie_secret": "c", "okta": {"client_id": "i"}}}
    )
    assert named.provider == "okta"


@pytest.mark.parametrize(
    "secrets_map",
    [
        {"access": {"mode": "password"}},
        {"access": {"password_hash": "not-a-hash"}},
        {"access": {"mode": "oidc"}},
        {"access": {"mode": "everyone"}},
        {
            "auth": {
                "redirect_uri": "r",
                "cookie_secret": "c",
                "a": {"client_id": "1"},
                "b": {"client_id": "2"},
            }
        },
    ],
)
def test_parse_config_rejects_incomplete_settings(secrets_map):
    with pytest.raises(ValueError):
        access.parse_config(secrets_map)


def test_allow_lists_per_workspace_then_default():
    cfg = access.AccessConfig(
        access.OIDC,
        allow={
            "*": ("@shop.example",),
            "T" * 32: ("Boss@Partner.example", "ann@shop.example"),
        },
    )
    ok = dict(signed_in=True, email_verified=True)
    assert access.may_open(cfg, None, email="bob@shop.example", **ok)
    assert access.may_open(cfg, "x" * 32, email="bob@SHOP.example", **ok)
    assert not access.may_open(cfg, "x" * 32, email="eve@evil.example", **ok)
    assert not access.may_open(cfg, "x" * 32, email="eve@notshop.example", **ok)
    # a workspace's own list replaces the default one
    assert access.may_open(cfg, "T" * 32, email="boss@partner.example", **ok)
    assert access.may_open(cfg, "T" * 32, email="ann@shop.example", **ok)
    assert not access.may_open(cfg, "T" * 32, email="bob@shop.example", **ok)
    assert not access.may_open(cfg, "T" * 32, email=None, **ok)
    assert not access.may_open(
        cfg, None, email="bob@shop.example", signed_in=True, email_verified=False
    )
    assert not access.may_open(cfg, None, email="bob@shop.example", signed_in=False)
    # a provider that sends no email_verified claim does not vouch for the address
    assert not access.may_open(cfg, None, email="bob@shop.example", signed_in=True)
    assert not access.may_open(
        cfg, None, email="bob@shop.example", signed_in=True, email_verified="true"
    )


def test_without_allow_list_any_signed_in_user_may_open():
    cfg = access.AccessConfig(access.OIDC)
    assert access.may_open(cfg, "x" * 32, signed_in=True, email="anyone@anywhere.example")
    assert not access.may_open(cfg, "x" * 32, signed_in=False)
    pw = access.AccessConfig(access.PASSWORD, password_hash="h", allow={"*": ("a@b.c",)})
    assert access.may_open(pw, None, signed_in=True)  # lists need an identity: OIDC only
    assert access.may_open(access.AccessConfig(access.OPEN), None, signed_in=False)


@pytest.mark.parametrize(
    "host,local",
    [
        (None, True),
        ("localhost:8501", True),
        ("127.0.0.1:8501", True),
        ("[::1]:8501", True),
        ("LOCALHOST", True),
        ("shop.example.com", False),
        ("10.0.0.5:8501", False),
    ],
)
def test_is_local_host(host, local):
    assert access.is_local_host(host) is local


def test_example_password_config_is_valid_and_matches_the_documented_password():
    secrets_map = tomllib.loads((ROOT / "examples/secrets.password.toml").read_text("utf-8"))
    cfg = access.parse_config(secrets_map)
    assert cfg.mode == access.PASSWORD
    assert access.verify_password(EXAMPLE_PASSWORD, cfg.password_hash)


def test_example_oidc_config_has_what_st_login_checks():
    secrets_map = tomllib.loads((ROOT / "examples/secrets.oidc.toml").read_text("utf-8"))
    cfg = access.parse_config(secrets_map)
    assert cfg.mode == access.OIDC
    auth = secrets_map["auth"]
    assert {"redirect_uri", "cookie_secret"} <= auth.keys()
    provider = auth[cfg.provider] if cfg.provider else auth
    assert {"client_id", "client_secret", "server_metadata_url"} <= provider.keys()
    assert auth["redirect_uri"].endswith("/oauth2callback")
    assert "_" not in (cfg.provider or "")  # st.login refuses provider names with "_"
    assert cfg.allow["*"]
