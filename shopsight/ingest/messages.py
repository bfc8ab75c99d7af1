"""Import messages in the user's language.

Every refusal (IngestError), rejected row and row to check carries a code and the values
its text needs, beside the English text the command line and logs keep:
    IngestError("…", code="header_only", row=3)
    {"row": 5, "column": "访客数", "value": "abc", "message": "访客数 (visitors): 'abc' is not a number",
     "code": "bad_number", "args": {"header": "访客数", "field": "visitors", "value": "abc"}}
`text(code, args, lang)` is that message from the locale tables (key f"ingest.{code}").
Values named by convention are shown in the user's words: `kind` a dataset kind, `field`
/ `whole` one input field, `fields` a list of them, `headers` a list of the file's own
headers, `error` a nested row message; a cell's message says `where` (its header, and the field
read from it when the two differ).  CODES lists every code with the values its text
takes; a test keeps it, the raise sites and both locale tables in step.  A `detail` in
English from a library (calamine, expat, the OS) stays out of the page's text: the command
line and the log show it.
"""

from __future__ import annotations

import re

from shopsight import schema
from shopsight.i18n import t
from shopsight.ingest import readers, synonyms

CODES: dict[str, tuple[str, ...]] = {
    # the file as a whole (IngestError)
    "other": ("detail",),
    "empty_file": (),
    "cannot_read": ("detail",),
    "binary": (),
    "undecodable": ("byte",),
    "not_text_throughout": ("encoding",),
    "mixed_encodings": (),
    "sheet_rows": ("rows", "limit"),
    "sheet_columns": ("cols", "limit"),
    "sheet_cells": ("rows", "cols", "limit"),
    "compression_bomb": ("expanded_mb", "packed_mb"),
    "xlsx_damaged": (),
    "workbook_unreadable": ("detail",),
    "sheet_unreadable": ("sheet", "detail"),
    "html_too_big": ("limit",),
    "html_no_table": (),
    "xml_malformed": ("detail",),
    "xml_no_worksheet": (),
    "xml_bad_index": ("value",),
    "parse_timeout": ("seconds",),
    "parse_limits": ("memory_mb", "seconds"),
    "parse_memory": ("memory_mb",),
    "unreadable": ("detail",),
    "no_sheet": ("sheet", "sheets"),
    "unknown_kind": ("kind",),
    "bad_mode": ("mode",),
    "period_reversed": ("start", "end"),
    "no_kind_match": ("headers", "needs"),  # needs: from the schema, in the user's words
    "ad_report": ("headers",),
    "period_missing": ("kind", "headers"),
    "not_in_kind": ("fields", "kind"),
    "mapped_twice": ("fields",),
    "missing_required": ("kind", "fields", "row", "headers"),
    "cells_untyped": ("detail",),
    "header_only": ("row",),
    "nothing_loaded": ("rejected", "row", "error"),
    # one row (LoadReport.errors): refused
    "bad_date": ("header", "field", "value"),
    "bad_time": ("header", "field", "value"),
    "bad_number": ("header", "field", "value"),
    "bad_count": ("header", "field", "value"),
    "bad_money": ("header", "field", "value"),
    "bad_bool": ("header", "field", "value"),
    "sci_id": ("header", "field", "value"),
    "cut_id": ("header", "field", "value"),
    "required_empty": ("header", "field"),
    "unclosed_quote": (),
    "short_line": ("cells", "width"),
    "extra_cells": ("width",),
    "long_cell": ("column", "chars", "limit"),
    # one row (LoadReport.warnings): loaded as written, to check
    "negative": ("field",),
    "more_than": ("field", "whole"),
    "over_100": ("field",),
    "order_again": ("kept",),
    "amount_per_order": ("header", "orders"),
}

# the parser that failed on a cell -> what the cell is not
VALUE_CODES = {
    "ss_date": "bad_date",
    "ss_ts": "bad_time",
    "ss_int": "bad_count",
    "ss_num": "bad_number",
    "ss_money": "bad_money",
    "ss_bool": "bad_bool",
    "ss_id": "sci_id",
}

# A line's problem travels through the typing query as its English text (readers.short_line,
# readers.too_many_cells, parse's cell-length note): read back into code and values here.
_LINE_PROBLEMS = (
    (re.compile(re.escape(readers.UNCLOSED_QUOTE) + "$"), "unclosed_quote"),
    (
        re.compile(
            r"the line is not well-formed CSV: (?P<cells>\d+) cells? where the header has "
            r"(?P<width>\d+)$"
        ),
        "short_line",
    ),
    (
        re.compile(r"the row has filled cells beyond the header's (?P<width>\d+) columns$"),
        "extra_cells",
    ),
    (
        re.compile(
            r"column (?P<column>\d+): a cell of (?P<chars>[\d,]+) characters "
            r"\(the limit is (?P<limit>[\d,]+)\)$"
        ),
        "long_cell",
    ),
)
CANONICAL = frozenset(c for k in schema.KINDS.values() for c in k.column_names)
INPUT_FIELDS = frozenset(c for v in synonyms.EXTRA_INPUTS.values() for c in v) | CANONICAL


def line_problem(text: str) -> tuple[str, dict]:
    """The code and values of a line's problem as the readers word it."""
    for pattern, code in _LINE_PROBLEMS:
        m = pattern.match(text)
        if m:
            return code, {k: int(v.replace(",", "")) for k, v in m.groupdict().items()}
    return "other", {"detail": text}


def field_name(col: str, lang: str) -> str:
    """An input field in the user's words: 访客数 / Visitors, 支付转化率 for rate:conversion."""
    return t(f"col.{col}" if col in CANONICAL else f"field.{col}", lang)


def kind_needs(lang: str) -> str:
    """The columns each kind needs, with the headers they are known by in exports:
    流量：日期（日期 / 统计日期）、访客数（访客数 / UV）…"""
    parts = []
    for kind, k in schema.KINDS.items():
        fields = []
        for col in k.required:
            # the headers exports use for it; the Chinese ones only on the Chinese page
            known = [
                a
                for a in synonyms.COLUMNS.get(col, ())
                if a != field_name(col, lang) and (lang != "zh" or not a.isascii())
            ][:2]
            fields.append(
                field_name(col, lang)
                + (
                    ("（" + " / ".join(known) + "）" if lang == "zh" else f" ({' / '.join(known)})")
                    if known
                    else ""
                )
            )
        parts.append(
            t("ingest.kind_needs", lang, kind=t(f"kind.{kind}", lang), fields=_join(fields, lang))
        )
    return ("；" if lang == "zh" else "; ").join(parts)


def _join(items, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(map(str, items))


def _shown(name: str, value, lang: str):
    if name == "kind":
        return t(f"kind.{value}", lang) if value in schema.KINDS else value
    if name in ("field", "whole"):
        return field_name(value, lang) if value in INPUT_FIELDS else value
    if name == "fields":
        return _join((field_name(c, lang) if c in INPUT_FIELDS else c for c in value), lang)
    if name in ("headers", "sheets"):
        return _join(value, lang)
    if name == "error":
        return row_text(value, lang)
    return "" if value is None else value


def text(code: str, args: dict, lang: str) -> str:
    """The message of `code` in `lang`, its values in the user's words."""
    if code not in CODES:  # a message from a newer reader than this table: say it as written
        code, args = "other", {"detail": args.get("detail", code)}
    shown = {name: _shown(name, value, lang) for name, value in args.items()}
    if code == "no_kind_match":
        shown["needs"] = kind_needs(lang)
    if (
        "header" in CODES[code]
    ):  # a cell: its header, and the field it was read as when that differs
        header, field = args.get("header"), shown.get("field", "")
        shown["where"] = (
            field
            if not header
            else header
            if header == field
            else t("ingest.header_field", lang, header=header, field=field)
        )
    out = t(f"ingest.{code}", lang, **{k: shown.get(k, "") for k in (*CODES[code], "where")})
    if args.get("sheet") and "sheet" not in CODES[code]:
        out = t("ingest.in_sheet", lang, sheet=args["sheet"], message=out)
    return out


def row_text(entry: dict, lang: str) -> str:
    """A rejected row's or checked row's message (an entry of LoadReport.errors / warnings)."""
    if "code" not in entry:
        return str(entry.get("message") or "")
    return text(entry["code"], entry.get("args") or {}, lang)


def error_text(e, lang: str) -> str:
    """An IngestError in `lang`, led by the file's name when the loader gave it."""
    body = text(e.code, e.values if e.code != "other" or e.values else {"detail": str(e)}, lang)
    return t("ingest.in_file", lang, file=e.file, message=body) if e.file else body
