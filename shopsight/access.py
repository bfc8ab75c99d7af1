"""Who may open the app and which workspace: password hashes, rate limits, allow-lists.

Pure: the Streamlit gate (shopsight/ui/auth.py) reads st.secrets and st.user and hands
plain values here.  Three modes, chosen by the secrets:

- open      nothing configured: anyone who reaches the server (meant for localhost);
- password  `[access] password_hash = "scrypt$…"`: one shared team password;
- oidc      an `[auth]` section: sign-in through an OpenID Connect provider (st.login),
            optionally narrowed per workspace by `[access.allow]` e-mail lists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# scrypt cost: n=2**14, r=8 needs 16 MiB and ~50 ms per attempt; weaker hashes are refused.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
_MIN_N, _MAX_N = 2**14, 2**20

OPEN, PASSWORD, OIDC = "open", "password", "oidc"
ANY_WORKSPACE = "*"


class HashFormatError(ValueError):
    """The configured password_hash is not one this module produced."""


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii").rstrip("=")


def _unb64(s: str) -> bytes:
    return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        dklen=KEY_BYTES,
        maxmem=2 * 128 * r * n * p + 2**20,
    )


def hash_password(
    password: str,
    *,
    n: int = SCRYPT_N,
    r: int = SCRYPT_R,
    p: int = SCRYPT_P,
    salt: bytes | None = None,
) -> str:
    """`scrypt$N$r$p$<salt b64>$<key b64>`: the parameters travel with the hash."""
    if not password:
        raise ValueError("the password is empty")
    _check_params(n, r, p)
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(_scrypt(password, salt, n, r, p))}"


def _check_params(n: int, r: int, p: int) -> None:
    if not (_MIN_N <= n <= _MAX_N and n & (n - 1) == 0):
        raise HashFormatError(f"scrypt N must be a power of two in [2**14, 2**20], not {n}")
    if not (8 <= r <= 32 and 1 <= p <= 16):
        raise HashFormatError(f"scrypt r must be 8..32 and p 1..16 (got r={r}, p={p})")


def parse_hash(encoded: str) -> tuple[int, int, int, bytes, bytes]:
    parts = encoded.strip().split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise HashFormatError(
            "password_hash must look like scrypt$16384$8$1$<salt>$<hash>; "
            "make one with: python -m shopsight hash-password"
        )
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, key = _unb64(parts[4]), _unb64(parts[5])
    except ValueError as e:
        raise HashFormatError(f"password_hash is malformed: {e}") from None
    _check_params(n, r, p)
    if len(salt) < 8 or len(key) < 16:
        raise HashFormatError("password_hash has a salt or key that is too short")
    return n, r, p, salt, key


def verify_password(password: str, encoded: str) -> bool:
    """Constant-time check of a password against a hash made by hash_password."""
    n, r, p, salt, key = parse_hash(encoded)
    if not password:
        return False
    got = hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        dklen=len(key),
        maxmem=2 * 128 * r * n * p + 2**20,
    )
    return hmac.compare_digest(got, key)


def fingerprint(encoded: str) -> str:
    """Short tag of the configured hash: a session signed in under an old password is signed out."""
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------- rate limiting


@dataclass
class _Record:
    failures: int = 0
    first: float = 0.0
    locked_until: float = 0.0


@dataclass
class RateLimiter:
    """After `max_failures` failed attempts within `window` seconds, refuse for `backoff` seconds.

    One instance per scope: per session (a guesser hammering one form) and one for
    the whole process (a guesser opening many sessions).  Thread-safe; old keys are
    pruned so the table cannot grow without bound.
    """

    max_failures: int = 5
    backoff: float = 30.0
    window: float = 300.0
    max_keys: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _records: dict[str, _Record] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def wait(self, key: str) -> float:
        """Seconds until `key` may try again (0: it may try now)."""
        now = self.clock()
        with self._lock:
            rec = self._records.get(key)
            return max(0.0, rec.locked_until - now) if rec else 0.0

    def failure(self, key: str) -> float:
        """Record a failed attempt; returns the wait it caused (0 while under the limit)."""
        now = self.clock()
        with self._lock:
            rec = self._records.get(key)
            if rec is None or now - rec.first > self.window:
                if len(self._records) >= self.max_keys:
                    self._prune(now)
                rec = self._records[key] = _Record(first=now)
            rec.failures += 1
            if rec.failures >= self.max_failures:
                rec.locked_until = now + self.backoff
                rec.failures, rec.first = 0, now
            return max(0.0, rec.locked_until - now)

    def success(self, key: str) -> None:
        with self._lock:
            self._records.pop(key, None)

    def reset(self) -> None:
        with self._lock:
            self._records.clear()

    def _prune(self, now: float) -> None:
        stale = [
            k
            for k, r in self._records.items()
            if now - r.first > self.window and r.locked_until <= now
        ]
        for k in stale:
            del self._records[k]
        if len(self._records) >= self.max_keys:  # still full: drop the oldest
            for k in sorted(self._records, key=lambda k: self._records[k].first)[
                : self.max_keys // 10
            ]:
                del self._records[k]


@dataclass
class SlowBrake:
    """The process-wide limit: a pause before every password check while many attempts
    fail, never a lock.

    A lock for the whole process would let an outsider with a few sessions keep the owner
    out; a pause only slows everyone down, so the right password still gets in.  The
    pause grows by `step` seconds for every `per` failures within `window` seconds, up to
    `max_delay`.
    """

    per: int = 50
    step: float = 1.0
    max_delay: float = 3.0
    window: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _times: deque = field(default_factory=deque, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def delay(self) -> float:
        """Seconds to pause before the next check."""
        now = self.clock()
        with self._lock:
            self._drop_old(now)
            return min(self.max_delay, self.step * (len(self._times) // self.per))

    def failure(self) -> None:
        now = self.clock()
        with self._lock:
            self._drop_old(now)
            self._times.append(now)
            # the pause is capped, and so is what it is counted from
            while len(self._times) > self.per * (self.max_delay / self.step + 1):
                self._times.popleft()

    def reset(self) -> None:
        with self._lock:
            self._times.clear()

    def _drop_old(self, now: float) -> None:
        while self._times and now - self._times[0] > self.window:
            self._times.popleft()


# ---------------------------------------------------------------- configuration


@dataclass(frozen=True)
class AccessConfig:
    mode: str
    password_hash: str | None = None
    provider: str | None = None  # st.login(provider); None = the unnamed [auth] provider
    allow: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _plain(obj) -> dict:
    """st.secrets sections are Mapping-like AttrDicts; take plain dicts."""
    if obj is None:
        return {}
    return {k: obj[k] for k in obj}


def parse_config(secrets_map: Mapping) -> AccessConfig:
    """Access settings from the secrets (`[access]`, `[access.allow]`, `[auth]`).

    `[access] mode` may force a mode; otherwise OIDC when `[auth]` is present, the
    shared password when `password_hash` is set, and open when neither is.
    """
    access = _plain(secrets_map.get("access"))
    auth = _plain(secrets_map.get("auth"))
    allow = {
        str(k): tuple(
            str(e).strip().casefold() for e in (v if isinstance(v, list | tuple) else [v])
        )
        for k, v in _plain(access.get("allow")).items()
    }
    password_hash = access.get("password_hash") or None
    provider = access.get("provider") or None
    mode = access.get("mode")
    if mode is None:
        mode = OIDC if auth else PASSWORD if password_hash else OPEN
    if mode not in (OPEN, PASSWORD, OIDC):
        raise ValueError(f"[access] mode must be open, password or oidc, not {mode!r}")
    if mode == PASSWORD:
        if not password_hash:
            raise ValueError("[access] mode is password but password_hash is not set")
        parse_hash(password_hash)
    if mode == OIDC and not auth:
        raise ValueError("[access] mode is oidc but there is no [auth] section for st.login")
    if mode == OIDC and provider is None and "client_id" not in auth:
        named = [k for k, v in auth.items() if isinstance(v, Mapping)]
        if len(named) != 1:
            raise ValueError(
                "[auth] has no client_id and not exactly one [auth.<provider>] section: "
                'set [access] provider = "<name>"'
            )
        provider = named[0]
    return AccessConfig(mode, password_hash, provider, allow)


def allow_list(config: AccessConfig, ws_id: str | None) -> tuple[str, ...] | None:
    """The e-mail entries that apply to a workspace: its own list, else "*", else None (anyone)."""
    key = ws_id if ws_id is not None and ws_id in config.allow else ANY_WORKSPACE
    return config.allow.get(key)


def email_allowed(email: str | None, entries: tuple[str, ...] | None) -> bool:
    """Entries are addresses (a@x.com) or whole domains (@x.com); no list lets everyone in."""
    if entries is None:
        return True
    if not email:
        return False
    email = email.strip().casefold()
    domain = "@" + email.rpartition("@")[2]
    folded = (e.strip().casefold() for e in entries)
    return any(e == email or (e.startswith("@") and e == domain) for e in folded)


def may_open(
    config: AccessConfig,
    ws_id: str | None,
    *,
    signed_in: bool,
    email: str | None = None,
    email_verified: bool | None = None,
) -> bool:
    """The whole rule: is this visitor allowed to see this workspace (None = the sample)?

    Allow-lists need an identity, so they apply in OIDC mode only; an address passes a
    list only when the provider says it is verified (a missing claim is not a yes).
    """
    if config.mode == OPEN:
        return True
    if not signed_in:
        return False
    if config.mode == PASSWORD:
        return True
    entries = allow_list(config, ws_id)
    if entries is not None and email_verified is not True:
        return False
    return email_allowed(email, entries)


LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def is_local_host(host_header: str | None) -> bool:
    """Whether a request's Host header names this machine (no header: a local test run)."""
    if not host_header:
        return True
    host = host_header.strip().lower()
    if host.startswith("["):
        host = host[: host.find("]") + 1]
    else:
        host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return host in LOCAL_HOSTS
