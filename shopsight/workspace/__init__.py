"""The DuckDB workspace, used as one module: `from shopsight import workspace`,
`workspace.write_dataset(...)`.  The code is in core.py."""

from shopsight.workspace.core import *  # noqa: F403 - the package's API is core's
from shopsight.workspace.core import _table_names  # noqa: F401 - read by tests
