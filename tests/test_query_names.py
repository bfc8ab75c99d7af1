"""Query names are written out in full where they are used, so a search for a query's file
name finds every caller (a name built with an f-string hides them)."""

import re
from pathlib import Path

from shopsight import queries

ROOT = Path(__file__).resolve().parent.parent
CALL = re.compile(r"""\b(?:query|run|run_query)\(\s*f["']""")


def _sources() -> list[Path]:
    return [
        *ROOT.joinpath("shopsight").rglob("*.py"),
        *ROOT.joinpath("views").glob("*.py"),
        ROOT / "app.py",
    ]


def test_no_query_name_is_built_with_an_f_string():
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in _sources()
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if CALL.search(line)
    ]
    assert not found, f"query names built at run time: {found}"


def test_every_page_query_is_named_somewhere_in_the_code():
    text = "\n".join(p.read_text(encoding="utf-8") for p in _sources())
    unused = [
        name
        for name in queries.names()
        if not name.startswith(("rollup_", "ingest_"))
        and name != "macros"
        and f'"{name}"' not in text
    ]
    assert not unused, f"queries no code names in full: {unused}"
