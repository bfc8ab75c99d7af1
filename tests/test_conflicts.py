"""A write that loses a DuckLake commit race runs again; other errors do not."""

from __future__ import annotations

import duckdb
import pytest

from shopsight import conflicts

CONFLICT = (
    "TransactionContext Error: Failed to commit: Failed to commit DuckLake transaction.\n"
    'Transaction conflict - attempting to insert into table with index "3" - but '
    "another transaction has deleted from it"
)  # DuckLake 1.5.5, two replicas loading


@pytest.fixture(autouse=True)
def no_wait(monkeypatch):
    monkeypatch.setattr(conflicts, "BACKOFF_S", 0.0)


def failing(times: int, error: Exception):
    calls = []

    @conflicts.retry_conflicts
    def write(value):
        calls.append(value)
        if len(calls) <= times:
            raise error
        return value * 2

    return write, calls


def test_a_lost_race_runs_again_until_it_commits():
    write, calls = failing(2, duckdb.TransactionException(CONFLICT))
    assert write(21) == 42
    assert calls == [21, 21, 21]


def test_it_gives_up_with_a_clear_error_after_the_last_attempt():
    write, calls = failing(99, duckdb.TransactionException(CONFLICT))
    with pytest.raises(conflicts.ConcurrentWriteError, match="at the same moment") as e:
        write(1)
    assert len(calls) == conflicts.ATTEMPTS
    assert isinstance(e.value.__cause__, duckdb.TransactionException)


@pytest.mark.parametrize(
    "error",
    [
        duckdb.TransactionException('Catalog write-write conflict on create with "orders"'),
        duckdb.ConversionException("Could not convert string 'x' to INT32"),
        ValueError("transaction conflict"),  # not from DuckDB
    ],
)
def test_other_errors_are_not_retried(error):
    write, calls = failing(1, error)
    with pytest.raises(type(error)):
        write(1)
    assert calls == [1]
