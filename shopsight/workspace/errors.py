"""Errors of the workspace package, importable without the rest of it."""

from __future__ import annotations


class ReadOnlyWorkspaceError(PermissionError):
    """A write to the sample shop, which is shared by everyone and rebuilt from sample_data/."""


class WorkspaceBusyError(RuntimeError):
    """Another process holds the workspace file open read-write (DuckDB allows one)."""


class WorkspaceNameError(ValueError):
    """A workspace name that would lead outside the data directory."""
