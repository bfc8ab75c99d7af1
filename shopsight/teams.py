"""Team workspaces: created on demand, found by an unguessable id carried in the link (?ws=…).

Layout under SHOPSIGHT_DATA_DIR:

    teams/<id>/team.json    the registry entry: display name, created time
    teams/<id>/shop.duckdb  the data (or the DuckLake catalog and files, see workspace/lake.py)

The id is the secret: 24 random bytes (192 bits), URL-safe base64, 32 characters.  It is
never written to logs; `log_tag(id)` gives a short hash to log instead.  Anyone who may
open a workspace may also rename or delete it (the access rule lives in access.py and
the sign-in gate); the display name can change, the id never does.

With several replicas, SHOPSIGHT_DATA_DIR must be the same directory on each (a shared
volume): the registry is small files, the data itself can be in a shared DuckLake.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from shopsight import workspace
from shopsight.workspace import lake

TEAMS_DIR = "teams"
REGISTRY_FILE = "team.json"
ID_BYTES = 24
ID_LENGTH = 32  # len(token_urlsafe(24))
NAME_MAX = 80
_ID = re.compile(rf"[A-Za-z0-9_-]{{{ID_LENGTH}}}")


class TeamError(ValueError):
    """A team operation that cannot be done (bad name, unknown id)."""


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    created_at: str
    workspace: workspace.Workspace

    @property
    def link_query(self) -> str:
        """The query string that opens this workspace: `?ws=<id>`."""
        return f"?ws={self.id}"


def teams_dir() -> Path:
    return workspace.data_dir() / TEAMS_DIR


def is_valid_id(team_id: object) -> bool:
    """Exactly 32 characters of the URL-safe alphabet: nothing else reaches the file system."""
    return isinstance(team_id, str) and _ID.fullmatch(team_id) is not None


def log_tag(team_id: str) -> str:
    """What may appear in logs instead of an id (the id itself is a credential)."""
    return "ws#" + hashlib.sha256(team_id.encode("utf-8")).hexdigest()[:8]


def clean_name(name: str) -> str:
    """A display name: trimmed, control characters removed, 1..80 characters."""
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in str(name))
    text = " ".join(text.split())
    if not text:
        raise TeamError("a workspace needs a name")
    if len(text) > NAME_MAX:
        raise TeamError(f"a workspace name has at most {NAME_MAX} characters")
    return text


def _dir(team_id: str) -> Path:
    if not is_valid_id(team_id):
        raise TeamError("not a workspace id")
    return teams_dir() / team_id


def _workspace(team_id: str) -> workspace.Workspace:
    return workspace.Workspace(_dir(team_id), workspace.backend_name())


def _read(team_id: str) -> Team | None:
    path = _dir(team_id) / REGISTRY_FILE
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        return Team(team_id, entry["name"], entry["created_at"], _workspace(team_id))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (
        ValueError,
        KeyError,
        TypeError,
    ):  # a damaged entry hides the team, never crashes a page
        return None


def _write(team_id: str, entry: dict) -> None:
    path = _dir(team_id) / REGISTRY_FILE
    tmp = path.with_name(f".{REGISTRY_FILE}.{secrets.token_hex(4)}")
    tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)  # readers see the old entry or the new one, never half


def create_team(name: str) -> Team:
    """A new, empty workspace with a fresh id; its data is created here, not on first use."""
    display = clean_name(name)
    teams_dir().mkdir(parents=True, exist_ok=True)
    while True:
        team_id = secrets.token_urlsafe(ID_BYTES)
        try:
            _dir(team_id).mkdir(mode=0o700)
            break
        except FileExistsError:  # 2**-192; but never hand out one id twice
            continue
    ws = _workspace(team_id)
    ws.connect().close()
    created = datetime.now(UTC).isoformat(timespec="seconds")
    # the registry entry goes last: a half-created team does not resolve
    _write(team_id, {"name": display, "created_at": created})
    return Team(team_id, display, created, ws)


def get_team(team_id: str | None) -> Team | None:
    """The team behind a link id, or None for anything that is not an existing team."""
    if not is_valid_id(team_id):
        return None
    return _read(team_id)


def resolve_team(team_id: str | None) -> workspace.Workspace | None:
    """The workspace behind `?ws=`; None for a wrong, guessed, malformed or deleted id."""
    team = get_team(team_id)
    return team.workspace if team else None


def list_teams() -> list[Team]:
    """Every team on this server, oldest first; the caller shows only those the viewer may open."""
    root = teams_dir()
    if not root.is_dir():
        return []
    found = [t for p in root.iterdir() if is_valid_id(p.name) and (t := _read(p.name))]
    return sorted(found, key=lambda t: (t.created_at, t.name))


def rename_team(team_id: str, name: str) -> Team:
    team = get_team(team_id)
    if team is None:
        raise TeamError("no such workspace")
    display = clean_name(name)
    _write(team_id, {"name": display, "created_at": team.created_at})
    return Team(team_id, display, team.created_at, team.workspace)


def delete_team(team_id: str) -> None:
    """Remove a team and all its data.  Its link stops resolving at once.

    A process that still holds a connection to it (st.cache_resource) should drop it.
    """
    team = get_team(team_id)
    if team is None:
        raise TeamError("no such workspace")
    path = _dir(team_id)
    (path / REGISTRY_FILE).unlink()
    if team.workspace.backend == workspace.DUCKLAKE:
        if lake.self_contained(team.workspace):
            lake.forget(team.workspace)
        else:
            lake.purge(team.workspace)
    # move aside first so a crash mid-delete leaves no half-deleted team under its id
    grave = teams_dir() / f".deleted-{secrets.token_hex(8)}"
    os.replace(path, grave)
    shutil.rmtree(grave, ignore_errors=True)
