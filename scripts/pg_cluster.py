"""A throwaway local PostgreSQL for DuckLake catalogs: its own cluster in a temp directory.

    python scripts/pg_cluster.py start /tmp/shopsight-pg    # prints the libpq DSN
    python scripts/pg_cluster.py stop /tmp/shopsight-pg

Uses the server binaries of Debian's `postgresql` package (`initdb`, `pg_ctl` on PATH or
under /usr/lib/postgresql/<version>/bin). The cluster listens on a unix socket inside its
own directory only (no TCP port, so nothing to collide with), trusts local connections
and keeps no data safe across a power cut (fsync off): for tests and benchmarks, never for
a deployment. PostgreSQL refuses to run as root; run as root, the cluster belongs to the
unprivileged user `nobody` and its commands run through `runuser`.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

USER = "shopsight"  # the cluster's superuser, the role in the DSN
DATABASE = "postgres"
SERVER_USER = "nobody"  # runs the server when we are root
SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


def binary(name: str) -> Path | None:
    """`initdb` / `pg_ctl` on PATH, else the newest /usr/lib/postgresql/<v>/bin one."""
    found = shutil.which(name)
    if found:
        return Path(found)
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    return versions[-1] if versions else None


def available() -> bool:
    return binary("initdb") is not None and binary("pg_ctl") is not None


class Cluster:
    """initdb + pg_ctl start in `root` (a new temp directory when None); `dsn` for libpq."""

    def __init__(self, root: Path | None = None):
        self.owned = root is None
        # not under pytest's tmp_path: that is private to root, and the server runs as nobody
        self.root = Path(tempfile.mkdtemp(prefix="shopsight-pg-")) if root is None else Path(root)
        self.data = self.root / "data"
        self.log = self.root / "server.log"

    @property
    def dsn(self) -> str:
        return f"host={self.root} dbname={DATABASE} user={USER}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        as_user = ["runuser", "-u", SERVER_USER, "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*as_user, *args], capture_output=True, text=True, check=check, timeout=120
        )

    def start(self) -> str:
        initdb, pg_ctl = binary("initdb"), binary("pg_ctl")
        if initdb is None or pg_ctl is None:
            raise FileNotFoundError(
                "PostgreSQL server binaries not found (apt-get install postgresql)"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            who = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, who.pw_uid, who.pw_gid)
        if not (self.data / "PG_VERSION").exists():
            self._run(
                str(initdb),
                "-D",
                str(self.data),
                "-U",
                USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            )
        options = " ".join(f"-c {k}={v}" for k, v in SETTINGS.items())
        options += f" -c unix_socket_directories='{self.root}'"
        try:
            self._run(
                str(pg_ctl),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            )
        except subprocess.CalledProcessError as e:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {e.stderr.strip()}\n{log}") from e
        return self.dsn

    def stop(self, remove: bool | None = None) -> None:
        pg_ctl = binary("pg_ctl")
        if pg_ctl is not None and (self.data / "postmaster.pid").exists():
            self._run(str(pg_ctl), "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
        if self.owned if remove is None else remove:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["start", "stop"])
    ap.add_argument("dir", type=Path, help="the cluster's directory (kept after stop)")
    args = ap.parse_args()
    cluster = Cluster(args.dir.resolve())
    if args.action == "start":
        print(cluster.start())
    else:
        cluster.stop(remove=False)


if __name__ == "__main__":
    sys.exit(main())
