"""Reading real shop exports into canonical tables (DESIGN §2–3)."""

from shopsight.ingest.errors import IngestError
from shopsight.ingest.load import FileInspection, LoadReport, inspect_file, load_file

__all__ = ["FileInspection", "IngestError", "LoadReport", "inspect_file", "load_file"]
