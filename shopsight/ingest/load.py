"""Inspect an upload (kind, sheet, header row, mapping, preview) and load it."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from shopsight import queries, schema, workspace
from shopsight.ingest import detect, headers, isolated, platforms, readers, synonyms
from shopsight.ingest.errors import IngestError
from shopsight.ingest.parse import parse_sheet
from shopsight.ingest.readers import Sheet, Source, Workbook

PREVIEW_ROWS = 20
PERIOD_KINDS = tuple(k for k, v in schema.KINDS.items() if v.period)


@dataclass
class SheetChoice:
    sheet: Sheet
    header_index: int
    headers: list[str]
    period: tuple[dt.date, dt.date] | None
    kind: str | None
    confidence: float
    scores: dict[str, float]
    layout: str | None = None  # a known headerless log (header_index is then -1)
    # a traffic / products / regions sheet with no date column and no period in its title
    # rows or name: `kind` is what it would be with the period given
    period_missing: bool = False


@dataclass(kw_only=True)
class FileInspection:
    filename: str
    file_type: str
    encoding: str | None
    sheets: list[str]
    sheet: str | None
    load_sheets: list[str]
    header_row: int
    headers: list[str]
    kind: str | None
    confidence: float
    kind_scores: dict[str, float]
    mapping: dict[str, str]
    dropped: dict[str, str]
    period: tuple[dt.date, dt.date] | None
    preview: pd.DataFrame
    preview_errors: dict[str, int]
    missing_required: list[str]
    saved_mapping_used: bool = False
    layout: str | None = None  # a known log without a header row (header_row is then 0)
    period_missing: bool = False  # the owner must give the period the sheet covers
    platform: str | None = None  # detected from the file name and headers
    header_only: bool = False  # a header and not one filled row below it: nothing to load


@dataclass
class LoadReport:
    file: str
    kind: str
    sheet: str | None
    rows_loaded: int
    rows_rejected: int
    errors: list[dict] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    derived: list[str] = field(default_factory=list)
    summary_rows_dropped: int = 0
    blank_rows: int = 0
    # placeholder cells (-, --, 暂无, empty) read as 0 / as no value, per header
    cells_as_zero: dict[str, int] = field(default_factory=dict)
    cells_as_empty: dict[str, int] = field(default_factory=dict)
    warnings: list[dict] = field(default_factory=list)  # loaded rows with impossible values
    # kept columns not stored because their values look personal: header -> what was seen
    not_stored: dict[str, str] = field(default_factory=dict)
    mode: str = "merge"
    platform: str | None = None
    currency: str | None = None
    load_id: int | None = None
    rows_replaced: int = 0
    # rows that are not data: the header repeated below the first, notes under the table
    other_rows_dropped: int = 0
    # 商品 merged: products of earlier loads on its days that the file does not list, kept
    products_kept: int = 0

    def as_json(self) -> dict:
        return {
            "file": self.file,
            "kind": self.kind,
            "sheet": self.sheet,
            "load_id": self.load_id,
            "mode": self.mode,
            "platform": self.platform,
            "currency": self.currency,
            "rows_loaded": self.rows_loaded,
            "rows_replaced": self.rows_replaced,
            "products_kept": self.products_kept,
            "rows_rejected": self.rows_rejected,
            # the command line's rows keep their four keys and English text; the Data page
            # shows the same rows in the user's language from their code and args
            "errors": [_english(e) for e in self.errors],
            "warnings": [_english(w) for w in self.warnings],
            "cells_as_zero": self.cells_as_zero,
            "cells_as_empty": self.cells_as_empty,
            "mapping": {h: c for h, c in self.mapping.items() if c},
            "not_stored": self.not_stored,
        }


def _english(entry: dict) -> dict:
    return {k: entry[k] for k in ("row", "column", "value", "message")}


def header_set_key(names: list[str]) -> str:
    """Identity of a header set, for reusing a confirmed mapping on the next such file."""
    folded = "\x1f".join(sorted(synonyms.header_key(h) for h in names))
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:32]


def _choose(
    sheet: Sheet, filename: str, kind: str | None, period: tuple[dt.date, dt.date] | None = None
) -> SheetChoice:
    layout = headers.headerless_layout(sheet.rows)
    if layout:
        # data from the first line, under the layout's own column names
        idx, names, title = -1, layout[1], []
    else:
        idx = headers.find_header_row(sheet.rows)
        header = sheet.rows[idx] if sheet.rows else []
        # columns end with the header's last name: a filled cell beyond it is reported per row
        width = max((i + 1 for i, c in enumerate(header) if c is not None and c.strip()), default=0)
        names = headers.clean_headers(header, width)
        title = headers.title_lines(sheet.rows, idx)
    period = period or headers.find_period(title, filename)
    found, confidence, scores = detect.detect_kind(names, has_period=period is not None)
    missing = False
    if period is None and (kind is None or kind in PERIOD_KINDS):
        # would the sheet be a period kind if its period were known?
        with_period, conf, _ = detect.detect_kind(names, has_period=True)
        want = kind or (with_period if found is None else None)
        if want in PERIOD_KINDS and "date" not in detect.propose_mapping(names, want).values():
            found, confidence, missing = want, (1.0 if kind else conf), True
    if kind:
        found, confidence = kind, 1.0
    return SheetChoice(
        sheet, idx, names, period, found, confidence, scores, layout[0] if layout else None, missing
    )


def _read(data: Source, filename: str) -> Workbook:
    try:
        return isolated.read_workbook(Path(data) if isinstance(data, str) else data)
    except IngestError as e:
        raise e.in_file(filename) from None
    except OSError as e:
        raise IngestError(
            f"{filename}: cannot read the file ({e.strerror})",
            code="cannot_read",
            file=filename,
            detail=e.strerror,
        ) from None


def _pick_sheets(
    wb: Workbook,
    filename: str,
    sheet: str | None,
    kind: str | None,
    period: tuple[dt.date, dt.date] | None = None,
) -> list[SheetChoice]:
    """The chosen sheet first, then sheets with the same kind and header set (PC/无线 pairs)."""
    if sheet is not None:
        named = [s for s in wb.sheets if s.name == sheet]
        if not named:
            raise IngestError(
                f"{filename}: no sheet named {sheet!r} (sheets: {', '.join(map(str, sheet_names(wb)))})",
                code="no_sheet",
                file=filename,
                sheet=sheet,
                sheets=sheet_names(wb),
            )
        return [_choose(named[0], filename, kind, period)]
    choices = [_choose(s, filename, kind, period) for s in wb.sheets if s.rows]
    if not choices:
        raise IngestError(f"{filename}: the file is empty", code="empty_file", file=filename)
    # a sheet that fits no kind is still ranked by its best score: when none fits, the
    # message lists the columns of the sheet that came closest, not of the first one
    best = max(
        choices,
        key=lambda c: (
            c.kind is not None,
            not c.period_missing,
            c.scores.get(c.kind) if c.kind else max(c.scores.values()),
            c.confidence,
        ),
    )
    same = [
        c
        for c in choices
        if c.kind == best.kind
        and c.kind is not None
        and header_set_key(c.headers) == header_set_key(best.headers)
    ]
    return same or [best]


def sheet_names(wb: Workbook) -> list[str]:
    return [s.name for s in wb.sheets if s.name is not None]


def _mapping_for(choice: SheetChoice, kind: str, con) -> tuple[dict[str, str], bool]:
    if con is not None:
        saved = workspace.saved_mapping(con, header_set_key(choice.headers))
        if saved and saved[0] == kind:
            mapping = {h: saved[1].get(h, "") for h in choice.headers}
            return {
                h: c for h, c in mapping.items() if h not in detect.skipped_headers(choice.headers)
            }, True
    return detect.propose_mapping(choice.headers, kind), False


def inspect_file(
    data: Source,
    filename: str,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    sheet: str | None = None,
    kind: str | None = None,
    period: tuple[dt.date, dt.date] | None = None,
) -> FileInspection:
    """What the file is and how it would load.  `period` (first day, last day) is the one
    the owner gives for a sheet that has no dates of its own (period_missing)."""
    wb = _read(data, filename)
    picked = _pick_sheets(wb, filename, sheet, kind, period)
    first = picked[0]
    found = kind or first.kind
    if found is None:
        # still offer the best guess so the user can map by hand
        guess = max(first.scores, key=first.scores.get)
        mapping, used = detect.propose_mapping(first.headers, guess), False
        missing = detect.missing_required(guess, mapping, has_period=first.period is not None)
        preview = pd.DataFrame(
            [
                r[: len(first.headers)]
                for r in first.sheet.rows[first.header_index + 1 :][:PREVIEW_ROWS]
            ],
        )
        return FileInspection(
            filename=filename,
            file_type=wb.file_type,
            encoding=wb.encoding,
            sheets=sheet_names(wb),
            sheet=first.sheet.name,
            load_sheets=[first.sheet.name] if first.sheet.name else [],
            header_row=first.header_index + 1,
            headers=first.headers,
            kind=None,
            confidence=0.0,
            kind_scores=first.scores,
            mapping=mapping,
            dropped=detect.skipped_headers(first.headers),
            period=first.period,
            preview=preview,
            preview_errors={},
            missing_required=missing,
            saved_mapping_used=used,
            layout=first.layout,
            period_missing=first.period_missing,
            platform=platforms.detect(first.headers, filename),
            header_only=_header_only(first),
        )
    mapping, used = _mapping_for(first, found, con)
    missing = detect.missing_required(found, mapping, has_period=first.period is not None)
    preview_df, preview_errors = _preview(first, found, mapping, filename, missing)
    return FileInspection(
        filename=filename,
        file_type=wb.file_type,
        encoding=wb.encoding,
        sheets=sheet_names(wb),
        sheet=first.sheet.name,
        load_sheets=[c.sheet.name for c in picked if c.sheet.name],
        header_row=first.header_index + 1,
        headers=first.headers,
        kind=found,
        confidence=first.confidence,
        kind_scores=first.scores,
        mapping=mapping,
        dropped=detect.skipped_headers(first.headers),
        period=first.period,
        preview=preview_df,
        preview_errors=preview_errors,
        missing_required=missing,
        saved_mapping_used=used,
        layout=first.layout,
        period_missing=first.period_missing,
        platform=platforms.detect(first.headers, filename, found),
        header_only=_header_only(first),
    )


def _header_only(choice: SheetChoice) -> bool:
    """No filled cell below the header (the head holds every row of so short a sheet)."""
    below = choice.sheet.rows[choice.header_index + 1 :]
    short = len(choice.sheet.rows) < readers.HEAD_ROWS
    return short and not any(c is not None and c.strip() for r in below for c in r)


def period_missing_text(filename: str, kind: str, choice: SheetChoice) -> str:
    where = f"sheet {choice.sheet.name!r} " if choice.sheet.name else "the file "
    return (
        f"{filename}: the period is missing: {where}looks like {kind} data but has no date "
        f"column, and neither its title rows (统计时间：…) nor its name give the days it covers. "
        f"Give the period: the date range on the Data page, or --period 2026-11-01..2026-11-30 "
        f"on the command line (columns: {', '.join(choice.headers[:12])})"
    )


def _device(choice: SheetChoice, filename: str, many: bool) -> str | None:
    return headers.device_from_name(choice.sheet.name) or (
        None if many else headers.device_from_name(filename)
    )


def _preview(choice, kind, mapping, filename, missing) -> tuple[pd.DataFrame, dict[str, int]]:
    if missing:
        return pd.DataFrame(), {}
    head = Sheet(choice.sheet.name, choice.sheet.rows[: choice.header_index + 1 + PREVIEW_ROWS])
    result = parse_sheet(
        head,
        choice.header_index,
        choice.headers,
        mapping,
        kind,
        period=choice.period,
        device=_device(choice, filename, False),
        keep_inputs=True,
    )
    counts: dict[str, int] = {}
    for e in result.errors:
        key = mapping.get(e["column"] or "", "") or (e["column"] or "row")
        counts[key] = counts.get(key, 0) + 1
    return result.table.to_pandas(), counts


def _validate_mapping(kind: str, mapping: dict[str, str], filename: str) -> None:
    allowed = set(detect.kind_inputs(kind)) | {detect.KEEP}
    bad = sorted({c for c in mapping.values() if c and c not in allowed})
    if bad:
        raise IngestError(
            f"{filename}: column(s) {', '.join(bad)} are not part of the {kind} dataset "
            f"(allowed: {', '.join(schema.KINDS[kind].column_names)})",
            code="not_in_kind",
            file=filename,
            fields=bad,
            kind=kind,
        )
    used = [c for c in mapping.values() if c and c != detect.KEEP]
    dup = sorted({c for c in used if used.count(c) > 1})
    if dup:
        raise IngestError(
            f"{filename}: more than one header is mapped to {', '.join(dup)}",
            code="mapped_twice",
            file=filename,
            fields=dup,
        )


def _kind_from_mapping(mapping: dict[str, str], choice: SheetChoice) -> str | None:
    """The kind a hand-made mapping fills: all its required columns, most columns mapped."""
    fits = [
        (sum(1 for c in mapping.values() if c in detect.kind_inputs(k)), k)
        for k in schema.KINDS
        if not detect.missing_required(k, mapping, has_period=choice.period is not None)
        and all(not c or c == detect.KEEP or c in detect.kind_inputs(k) for c in mapping.values())
    ]
    return max(fits)[1] if fits else None


def load_file(
    ws: workspace.Workspace,
    data: Source | str,
    filename: str,
    *,
    kind: str | None = None,
    sheet: str | None = None,
    mapping: dict[str, str] | None = None,
    mode: str = "merge",
    append_to: Collection[str] = (),
    con: duckdb.DuckDBPyConnection | None = None,
    period: tuple[dt.date, dt.date] | None = None,
    platform: str | None = None,
    currency: str | None = None,
) -> LoadReport:
    """Parse and load one file in one transaction; raise IngestError and change nothing if it cannot load.

    `data` is the upload's bytes or a path to read (a path is only ever read by this
    process; what DuckDB reads is a private copy or link under a name chosen here).
    `mapping` (source header -> canonical column) overrides the detected one; with
    no kind given, the kind is the one whose required columns the mapping fills.
    `append_to`: kinds this file is appended to even in replace mode (the files of one
    batch after the first of their kind).  `period` (first day, last day): the period a
    sheet without a date column covers, when neither its title rows nor its name say.
    mode: merge (default: replace the rows this file covers again, add the rest),
    replace (the whole dataset) or append.  `platform` and `currency` (the load's, for
    rows whose file names none) default to what the layout says: platforms.detect,
    the file's own currency column, else CNY.
    """
    if kind is not None and kind not in schema.KINDS:
        raise IngestError(
            f"{filename}: unknown dataset kind {kind!r} (one of {', '.join(schema.KINDS)})",
            code="unknown_kind",
            file=filename,
            kind=kind,
        )
    if mode not in workspace.MODES:
        raise IngestError(
            f"{filename}: mode must be one of {', '.join(workspace.MODES)}, not {mode!r}",
            code="bad_mode",
            file=filename,
            mode=mode,
        )
    if period is not None and period[0] > period[1]:
        raise IngestError(
            f"{filename}: the period starts ({period[0]}) after it ends ({period[1]})",
            code="period_reversed",
            file=filename,
            start=period[0].isoformat(),
            end=period[1].isoformat(),
        )
    wb = _read(data, filename)
    picked = _pick_sheets(wb, filename, sheet, kind, period)
    first = picked[0]
    found = kind or first.kind
    if found is None and mapping:
        found = _kind_from_mapping(mapping, first)
        if found is not None:
            picked = [first]
    if found is None:
        sheet_name = first.sheet.name if first.sheet.name and len(wb.sheets) > 1 else None
        if detect.is_ad_report(first.headers):
            refusal = dict(
                code="ad_report",
                why="a promotion report (展现量, 点击量, 花费): its 成交金额 is what the ads brought "
                "in, not the shop's 支付金额, so it is not loaded as product or traffic data. For "
                "main-image tests export the creative report (创意报表, with 创意ID or 创意名称).",
            )
        else:
            refusal = dict(
                code="no_kind_match",
                why=f"the columns ({', '.join(first.headers[:12])}) match no dataset kind. Each "
                f"kind needs: {detect.requirements_text()}. Choose the kind and map the columns "
                f"on the Data page, or name the kind with --kind on the command line.",
            )
        raise IngestError(
            f"{filename}: {f'sheet {sheet_name!r}: ' if sheet_name else ''}{refusal['why']}",
            code=refusal["code"],
            file=filename,
            headers=first.headers[:12],
            sheet=sheet_name,
        )
    own = con is None
    con = con or ws.connect()
    try:
        if mapping is None:
            mapping, _ = _mapping_for(first, found, con)
        else:
            mapping = {h: c for h, c in mapping.items() if h in first.headers}
        _validate_mapping(found, mapping, filename)
        missing = detect.missing_required(found, mapping, has_period=first.period is not None)
        if missing == ["date"] and found in PERIOD_KINDS:
            raise IngestError(
                period_missing_text(filename, found, first),
                code="period_missing",
                file=filename,
                kind=found,
                headers=first.headers[:12],
                sheet=first.sheet.name,
            )
        if missing:
            raise IngestError(
                f"{filename}: required column(s) for {found} not found: {', '.join(missing)} "
                f"(headers on row {first.header_index + 1}: {', '.join(first.headers[:15])})",
                code="missing_required",
                file=filename,
                kind=found,
                fields=missing,
                row=first.header_index + 1,
                headers=first.headers[:15],
            )
        tables, errors, rejected, derived, summary, blank, other = [], [], 0, set(), 0, 0, 0
        warnings: list[dict] = []
        as_zero: dict[str, int] = {}
        as_empty: dict[str, int] = {}
        not_stored: dict[str, str] = {}
        for choice in picked:
            sheet_mapping = (
                mapping if choice is first else {h: mapping.get(h, "") for h in choice.headers}
            )
            try:
                result = parse_sheet(
                    choice.sheet,
                    choice.header_index,
                    choice.headers,
                    sheet_mapping,
                    found,
                    period=choice.period,
                    device=_device(choice, filename, len(picked) > 1),
                )
            except ValueError as e:
                raise IngestError(
                    f"{filename}: {e}", code="other", file=filename, detail=str(e)
                ) from None
            except IngestError as e:
                raise e.in_file(filename) from None
            except duckdb.Error as e:  # never the typing query's text: it is ours, not the user's
                raise IngestError(
                    f"{filename}: the cells cannot be typed "
                    f"({type(e).__name__.removesuffix('Exception')} error)",
                    code="cells_untyped",
                    file=filename,
                    detail=type(e).__name__.removesuffix("Exception"),
                ) from None
            tables.append(result.table)
            # several sheets: the sheet goes into the message, the error keeps its four keys
            if len(picked) > 1 and choice.sheet.name:
                errors += [
                    {
                        **e,
                        "message": f"sheet {choice.sheet.name}: {e['message']}",
                        "args": {**e["args"], "sheet": choice.sheet.name},
                    }
                    for e in result.errors
                ]
                warnings += [
                    {
                        **w,
                        "message": f"sheet {choice.sheet.name}: {w['message']}",
                        "args": {**w["args"], "sheet": choice.sheet.name},
                    }
                    for w in result.warnings
                ]
            else:
                errors += result.errors
                warnings += result.warnings
            for total, part in ((as_zero, result.cells_as_zero), (as_empty, result.cells_as_empty)):
                for h, n in part.items():
                    total[h] = total.get(h, 0) + n
            rejected += result.rows_rejected
            derived |= set(result.derived)
            summary += result.summary_rows_dropped
            blank += result.blank_rows
            other += result.other_rows_dropped
            not_stored |= result.dropped
        table = (
            pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0]
        )
        if table.num_rows == 0:
            if not errors:
                raise IngestError(
                    f"{filename}: the file has a header (row {first.header_index + 1}) but no data rows",
                    code="header_only",
                    file=filename,
                    row=first.header_index + 1,
                )
            first_err = errors[0]
            raise IngestError(
                f"{filename}: no row could be loaded ({rejected} rejected); first problem: "
                f"row {first_err['row']}, {first_err['message']}",
                code="nothing_loaded",
                file=filename,
                rejected=rejected,
                row=first_err["row"],
                error=first_err,
            )
        sheets_label = ", ".join(c.sheet.name for c in picked if c.sheet.name) or None
        if platform is None:
            platform = platforms.detect(first.headers, filename, found)
        table, currency = _with_currency(table, currency)
        load_mode = "append" if found in append_to else mode
        workspace.write_dataset(
            ws,
            found,
            table,
            mode=load_mode,
            file=filename,
            sheet=sheets_label,
            mapping=mapping,
            derived=sorted(derived),
            rows_rejected=rejected,
            con=con,
            platform=platform,
            currency=currency,
        )
        load_id, replaced = con.execute(
            "select load_id, rows_replaced from _loads where kind = $k and file = $f "
            "order by load_id desc limit 1",
            {"k": found, "f": filename},
        ).fetchone()
        workspace.save_mapping(con, header_set_key(first.headers), found, mapping)
        kept = 0
        if found == "products" and load_mode == "merge":
            kept = con.execute(queries.sql("load_products_kept"), {"load_id": load_id}).fetchone()[
                0
            ]
        return LoadReport(
            filename,
            found,
            sheets_label,
            table.num_rows,
            rejected,
            errors,
            mapping,
            sorted(derived),
            summary,
            blank,
            as_zero,
            as_empty,
            warnings,
            not_stored,
            load_mode,
            platform,
            currency,
            load_id,
            int(replaced or 0),
            other,
            int(kept),
        )
    finally:
        if own:
            con.close()


def _with_currency(table: pa.Table, currency: str | None) -> tuple[pa.Table, str]:
    """The table with its currency codes normalised, and the load's currency: the one
    given, else the one most rows of the file name (Shopify's Currency), else CNY."""
    if "currency" in table.column_names:
        values = [platforms.normalize_currency(v) for v in table.column("currency").to_pylist()]
        table = table.set_column(
            table.column_names.index("currency"), "currency", pa.array(values, pa.string())
        )
        named = [v for v in values if v]
        if currency is None and named:
            currency = max(set(named), key=named.count)
    return table, platforms.normalize_currency(currency) or platforms.DEFAULT_CURRENCY
