"""Writes that lost a commit race to another replica run again.

With a `postgres:` DuckLake catalog several app processes write one workspace. DuckLake
commits optimistically: when two transactions change the same table (two loads; and any
two loads both touch `_loads` and the rollups), the second commit fails with "Transaction
conflict" and nothing of it is kept. Loads in one process already run one after the
other (workspace.write_lock), so a conflict means another process committed first; the
write is simply done again on top of what that one committed.
"""

from __future__ import annotations

import functools
import logging
import random
import re
import time

import duckdb

log = logging.getLogger(__name__)

ATTEMPTS = 8  # a load needs two; replicas starting at once may race table by table
BACKOFF_S = 0.2  # the wait grows with each attempt, with jitter so racers spread out
_CONFLICT = re.compile(r"transaction conflict", re.I)  # DuckLake's commit check


class ConcurrentWriteError(RuntimeError):
    """Other processes kept committing to the workspace; nothing of this write was kept."""


def is_conflict(error: BaseException) -> bool:
    return isinstance(error, duckdb.Error) and bool(_CONFLICT.search(str(error)))


def retry_conflicts(fn):
    """Run `fn` again (whole: it must be one transaction, or redo-safe) after a conflict."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return fn(*args, **kwargs)
            except duckdb.Error as e:
                if not is_conflict(e):
                    raise
                if attempt == ATTEMPTS:
                    raise ConcurrentWriteError(
                        f"another process changed the workspace at the same moment {ATTEMPTS} "
                        f"times in a row; nothing of this write was kept. "
                        f"DuckDB said: {str(e).splitlines()[-1]}"
                    ) from e
                log.warning(
                    "%s lost a commit race (attempt %d of %d), running it again: %s",
                    fn.__name__,
                    attempt,
                    ATTEMPTS,
                    str(e).splitlines()[-1],
                )
                time.sleep(BACKOFF_S * attempt * random.uniform(0.5, 1.5))
        raise AssertionError("unreachable")

    return run
