"""Reading real shop exports into canonical tables (DESIGN §2–3)."""

from shopsight.ingest.errors import IngestError

__all__ = ["FileInspection", "IngestError", "LoadReport", "inspect_file", "load_file"]


def __getattr__(name: str):
    # Loaded on first use: the child process that parses a workbook (isolated.py) imports
    # only the readers, not pandas and DuckDB, so it starts in a fraction of the time.
    if name in __all__:
        from shopsight.ingest import load

        return getattr(load, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
