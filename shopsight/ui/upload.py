"""The Data page's upload flow, and the uploaded files behind it.

`section` shows one upload: its detected kind, sheet and header mapping (editable), the
platform, currency and load mode, then loads it and reports the rows loaded, rejected and
to check.  Each step that reads the file goes through `_attempt`, which turns whatever
refuses the file into one message; nothing already loaded is touched by a refusal.

Uploaded files: a private temp copy of each (shopsight/spool.py) and a stable slug for keys.

Streamlit already holds every upload in memory.  Each one is copied once, in chunks, to
a temp file whose name the server chose; the readers get that path (inspect_file and
load_file take a Path), so no second copy of the whole file sits in memory, and the
loading connection can let DuckDB read the file itself.  A session's temp files go
when their upload leaves the uploader, or when the session ends.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

import shopsight.ingest as ingest
from shopsight import numbers, schema, spool, workspace
from shopsight.conflicts import ConcurrentWriteError
from shopsight.i18n import joined, t
from shopsight.ingest import IngestError, messages, platforms
from shopsight.ingest.detect import KEEP, is_ad_report, kind_inputs
from shopsight.mdtext import plain
from shopsight.ui import filters, query_cache
from shopsight.ui.downloads import safe_csv

log = logging.getLogger(__name__)
KINDS = list(schema.KINDS)
MODES = ["merge", "append", "replace"]
DROP_REASONS = {
    "personal": "data.reason_personal",
    "address": "data.reason_address",
    "comparison": "data.reason_comparison",
    "free_text": "data.reason_free_text",
}
PREVIEW_VALUES = 3
# the headerless logs known by their shape (ingest.headers.HEADERLESS), by name
LAYOUTS = {
    "Tianchi UserBehavior": "data.layout_tianchi_behavior",
    "Tianchi mobile recommendation": "data.layout_tianchi_mobile",
}
PERSONAL_SEEN = ("email", "phone", "id_card", "address", "ip")  # synonyms.PERSONAL_VALUE_PATTERNS
T = TypeVar("T")


def file_slug(name: str, size: int) -> str:
    """A short id for one upload, stable across reruns and re-uploads of the same file.

    Widget keys of the Data page end with it: data_kind_<slug>, data_load_<slug>, ...
    """
    return hashlib.sha1(f"{name}\0{size}".encode()).hexdigest()[:10]


def _discard_all(files: dict[str, Path]) -> None:
    for path in files.values():
        spool.discard(path)
    files.clear()


@st.cache_resource(scope="session", on_release=_discard_all, show_spinner=False)
def _spooled() -> dict[str, Path]:
    """This session's temp copies by upload (file_id); released when the session ends."""
    return {}


def spooled_path(upload: UploadedFile) -> Path:
    """The upload's temp copy, made on first use and reused on every rerun."""
    files = _spooled()
    path = files.get(upload.file_id)
    if path is None or not path.exists():
        path = files[upload.file_id] = spool.spool_upload(upload)
    return path


def discard_gone(uploads: Iterable[UploadedFile]) -> None:
    """Remove the temp copies of uploads that are no longer in the uploader."""
    files = _spooled()
    keep = {u.file_id for u in uploads}
    for file_id in [f for f in files if f not in keep]:
        spool.discard(files.pop(file_id))


# ------------------------------------------------------------------------------ the upload flow


@dataclass(frozen=True)
class Failure:
    """Why a file could not be inspected or loaded, as the page shows it."""

    text: str
    icon: str = ":material/error:"


def _attempt(step: str, name: str, lang: str, run: Callable[[], T]) -> T | Failure:
    """run(), or the Failure that says why not: never a traceback on screen (the log has it)."""
    try:
        return run()
    except IngestError as e:
        # the Chinese texts leave out what a library said in English: the log keeps it
        log.info("%s refused: %s", step, e)
        return Failure(plain(messages.error_text(e, lang)))
    except workspace.ReadOnlyWorkspaceError:  # the shared sample shop
        return Failure(t("common.read_only", lang), ":material/lock:")
    except ConcurrentWriteError:  # other app servers kept loading into this workspace
        return Failure(t("data.load_conflict", lang, file=plain(name)), ":material/sync_problem:")
    except Exception:  # a reader bug: no traceback (nor a library's English) on screen
        log.exception("%s %s", step, name)
        return Failure(t("data.unexpected", lang, file=plain(name)))


def file_message(name: str, code: str, args: dict, lang: str) -> str:
    """An import message about file `name`, escaped for Markdown."""
    return plain(t("ingest.in_file", lang, file=name, message=messages.text(code, args, lang)))


def field_label(col, lang: str) -> str:
    """A field in the user's words; a header of the file, as written; "row" for problems of
    a whole row (the preview's error counts)."""
    if col in messages.INPUT_FIELDS:
        return messages.field_name(col, lang)
    return t("data.rt_row", lang) if col == "row" else str(col)


def kind_label(kind: str | None, lang: str) -> str:
    return t(f"kind.{kind}", lang) if kind else "—"


def col_label(col: str, lang: str) -> str:
    """'visitors · 访客数' in the mapping grid: the field's id and its name in the user's words."""
    return f"{col} · {messages.field_name(col, lang)}" if col in messages.INPUT_FIELDS else col


def inspect(
    upload: UploadedFile, lang: str, *, sheet: str | None, kind: str | None, period
) -> ingest.FileInspection | Failure:
    """inspect_file, remembered per (file, sheet, kind, period) so reruns do not re-read it."""
    memo = st.session_state.setdefault(f"_data_insp_{file_slug(upload.name, upload.size)}", {})
    if (sheet, kind, period) not in memo:

        def run():
            with query_cache.cursor() as cur:
                return ingest.inspect_file(
                    spooled_path(upload),
                    upload.name,
                    con=cur,
                    sheet=sheet,
                    kind=kind,
                    period=period,
                )

        found = _attempt("inspecting", upload.name, lang, run)
        if isinstance(found, Failure):
            return found  # not remembered: the next rerun tries again
        memo[(sheet, kind, period)] = found
    return memo[(sheet, kind, period)]


def load(
    ws: workspace.Workspace, upload: UploadedFile, lang: str, **options
) -> ingest.LoadReport | Failure:
    """load_file on the upload's temp copy (whose read the inspection already made)."""

    def run():
        with query_cache.cursor() as cur:
            return ingest.load_file(ws, spooled_path(upload), upload.name, con=cur, **options)

    return _attempt("loading", upload.name, lang, run)


def mapping_table(insp: ingest.FileInspection, targets: list[str]) -> pd.DataFrame:
    """One row per header: the field it maps to (one of `targets`, else "" = not stored), the
    first parsed values, the cells that do not parse.  Text only: no None or NaN to show."""
    rows = []
    for header in insp.headers:
        if header in insp.dropped:
            continue
        target = insp.mapping.get(header) or ""
        if target not in targets:
            target = ""
        values = []
        if target and target in insp.preview.columns:
            values = [
                numbers.NONE if numbers.is_missing(v) else str(v)
                for v in insp.preview[target].head(PREVIEW_VALUES).tolist()
            ]
        rows.append(
            {
                "header": header,
                "target": target,
                "preview": "，".join(values),
                "errors": int(insp.preview_errors.get(target, 0)) if target else 0,
            }
        )
    return pd.DataFrame(rows, columns=["header", "target", "preview", "errors"])


def uploader(lang: str) -> list[UploadedFile]:
    """The file picker under our own label, and a caption in the user's language: the drop
    zone's own lines (Drag and drop files here, Limit 200MB per file, Browse files) are
    Streamlit's, in English whatever the language (README, Language)."""
    uploads = (
        st.file_uploader(
            t("data.upload", lang),
            type=["csv", "xlsx", "xls"],
            accept_multiple_files=True,
            key="data_upload",
        )
        or []
    )
    st.caption(t("data.upload_caption", lang, mb=st.get_option("server.maxUploadSize")))
    discard_gone(uploads)
    return uploads


def section(ws: workspace.Workspace, upload: UploadedFile, lang: str) -> None:
    """One upload: what it is, how it maps, load it, what happened."""
    ss = st.session_state
    slug = file_slug(upload.name, upload.size)
    sheet_key, period_key = f"data_sheet_{slug}", f"data_period_{slug}"
    picked = ss.get(period_key) or ()
    period = tuple(picked) if len(picked) == 2 else None  # a range being picked has one day
    st.subheader(plain(upload.name), divider="gray")
    insp = inspect(
        upload, lang, sheet=ss.get(sheet_key), kind=ss.get(f"data_kind_{slug}"), period=period
    )
    if isinstance(insp, Failure):
        st.error(insp.text, icon=insp.icon)
        return
    if insp.header_only:  # nothing to map or load: say so before anything is picked
        st.warning(
            file_message(upload.name, "header_only", {"row": insp.header_row}, lang),
            icon=":material/draft:",
        )
        return
    kind = _file_facts(insp, slug, lang)
    if kind is None:  # what each kind needs, so the owner can pick one and map by hand
        code = "ad_report" if is_ad_report(insp.headers) else "no_kind_match"
        st.info(
            file_message(upload.name, code, {"headers": insp.headers[:12]}, lang),
            icon=":material/help:",
        )
        return
    if insp.period_missing or period_key in ss:
        # a sheet with no dates of its own: the owner says which days it covers
        if insp.period_missing:
            st.warning(
                t("data.period_missing", lang, file=plain(upload.name)),
                icon=":material/date_range:",
            )
        st.date_input(t("data.period_input", lang), value=(), key=period_key, format="YYYY-MM-DD")
        if insp.period_missing:
            return
    mapping = _mapping_editor(insp, kind, slug, lang)
    options, button_column = _load_options(insp, kind, slug, lang)
    if _load_clicked(button_column, upload.name, kind, slug, options["mode"], lang):
        with st.status(t("data.loading", lang, file=plain(upload.name)), expanded=True) as status:
            report = load(
                ws,
                upload,
                lang,
                kind=kind,
                sheet=ss.get(sheet_key),
                mapping=mapping,
                period=period,
                **options,
            )
            if isinstance(report, Failure):
                status.update(
                    label=t("data.load_failed", lang, file=plain(upload.name)), state="error"
                )
                st.error(report.text, icon=report.icon)
                return
            status.update(
                label=t(
                    "data.loaded", lang, rows=report.rows_loaded, kind=kind_label(report.kind, lang)
                ),
                state="complete",
            )
        ss[f"_data_report_{slug}"] = report
        ss.pop(f"_data_insp_{slug}", None)  # the saved mapping changed
        query_cache.refresh()
        filters.reset()
        st.rerun()
    if f"_data_report_{slug}" in ss:
        show_report(slug, ss[f"_data_report_{slug}"], lang)


def _file_facts(insp: ingest.FileInspection, slug: str, lang: str) -> str | None:
    """The kind picker (detected kind first), the sheet picker, what was found; the kind."""
    ss = st.session_state
    kind_key, sheet_key = f"data_kind_{slug}", f"data_sheet_{slug}"
    cols = st.columns([2, 2, 3])
    if kind_key not in ss:
        ss[kind_key] = insp.kind
    kind = cols[0].selectbox(
        t("data.kind", lang),
        KINDS,
        key=kind_key,
        format_func=lambda k: kind_label(k, lang),
        index=None,
        placeholder=t("data.kind_pick", lang),
    )
    if insp.kind:
        cols[0].caption(
            t("data.detected", lang, kind=kind_label(insp.kind, lang), pct=f"{insp.confidence:.0%}")
        )
    else:
        cols[0].caption(t("data.kind_unknown", lang))
    if len(insp.sheets) > 1:
        if sheet_key not in ss:
            ss[sheet_key] = insp.sheet
        cols[1].selectbox(t("data.sheet", lang), insp.sheets, key=sheet_key)
    layout = t(LAYOUTS[insp.layout], lang) if insp.layout in LAYOUTS else insp.layout
    facts = [
        t("data.headerless", lang, layout=layout, type=insp.file_type)
        if insp.layout
        else t("data.header_row", lang, row=insp.header_row, type=insp.file_type)
    ]
    if insp.encoding:
        facts.append(insp.encoding)
    if insp.period:
        facts.append(
            t("data.period", lang, start=insp.period[0].isoformat(), end=insp.period[1].isoformat())
        )
    if len(insp.load_sheets) > 1:
        facts.append(t("data.load_sheets", lang, sheets=joined(map(plain, insp.load_sheets), lang)))
    cols[2].caption(" · ".join(facts))
    return kind


def _mapping_editor(insp: ingest.FileInspection, kind: str, slug: str, lang: str) -> dict[str, str]:
    """The header mapping, editable; the mapping the owner settled on."""
    if insp.saved_mapping_used:
        st.caption(t("data.saved_mapping", lang))
    if insp.dropped:
        st.caption(
            t(
                "data.dropped",
                lang,
                cols=joined(
                    (
                        f"{plain(h)}（{t(DROP_REASONS[r], lang) if r in DROP_REASONS else r}）"
                        for h, r in insp.dropped.items()
                    ),
                    lang,
                ),
            )
        )
    targets = ["", *kind_inputs(kind), KEEP]
    edited = st.data_editor(
        mapping_table(insp, targets),
        key=f"data_map_{slug}_{kind}",
        hide_index=True,
        width="stretch",
        disabled=["header", "preview", "errors"],
        # the grid shows an empty choice as a grey "None": only 标准字段 can be empty
        placeholder=t("data.not_mapped", lang),
        column_config={
            "header": st.column_config.TextColumn(t("data.col_header", lang)),
            "target": st.column_config.SelectboxColumn(
                t("data.col_target", lang),
                options=targets,
                format_func=lambda c: (
                    (t("data.keep", lang) if c == KEEP else col_label(c, lang))
                    if c
                    else t("data.not_mapped", lang)
                ),
            ),
            "preview": st.column_config.TextColumn(t("data.col_preview", lang)),
            "errors": st.column_config.NumberColumn(t("data.col_errors", lang)),
        },
    )
    bad_preview = {c: n for c, n in insp.preview_errors.items() if n}
    if bad_preview:
        st.caption(
            t(
                "data.preview_errors",
                lang,
                cols=joined((f"{field_label(c, lang)}: {n}" for c, n in bad_preview.items()), lang),
            )
        )
    if insp.missing_required:
        st.warning(
            t(
                "data.missing_required",
                lang,
                file=plain(insp.filename),
                cols=joined((field_label(c, lang) for c in insp.missing_required), lang),
            )
        )
    with st.expander(t("data.preview", lang, n=len(insp.preview))):
        st.dataframe(
            insp.preview.rename(columns=lambda c: field_label(c, lang)),
            hide_index=True,
            placeholder=numbers.NONE,
            width="stretch",
        )
    return {r.header: (r.target or "") for r in edited.itertuples()}


def _load_options(insp: ingest.FileInspection, kind: str, slug: str, lang: str):
    """Platform, currency and load mode, as load_file's keywords; the column for the button."""
    cols = st.columns([2, 3, 2])  # the automatic currency's label is long: room for it
    options = [None, *platforms.PLATFORMS]
    if insp.platform not in options:
        options.append(insp.platform)
    platform_key = f"data_platform_{slug}"
    if platform_key not in st.session_state:
        st.session_state[platform_key] = insp.platform
    platform = cols[0].selectbox(
        t("data.platform", lang),
        options,
        key=platform_key,
        format_func=lambda p: platforms.label(p, lang),
        placeholder=platforms.label(None, lang),  # None chosen shows the placeholder
    )
    currency = cols[1].selectbox(
        t("data.currency", lang),
        [None, *platforms.CURRENCIES],
        key=f"data_currency_{slug}",
        format_func=lambda c: c or t("data.currency_auto", lang),
        placeholder=t("data.currency_auto", lang),
    )
    existing = _rows_of(kind)
    cols = st.columns([3, 1])
    mode = cols[0].radio(
        t("data.mode", lang),
        MODES,
        key=f"data_mode_{slug}",
        format_func=lambda m: t(f"data.mode_{m}", lang, rows=existing, kind=kind_label(kind, lang)),
    )
    return {"platform": platform, "currency": currency, "mode": mode}, cols[1]


def _rows_of(kind: str) -> int:
    return next((d["rows"] for d in query_cache.datasets() if d["kind"] == kind), 0)


def _load_clicked(where, name: str, kind: str, slug: str, mode: str, lang: str) -> bool:
    """The load button (in `where`); replacing a whole dataset is confirmed first, with its
    row count, and so is appending a file already loaded in this session (its rows would be
    there twice; a merge replaces them, so it goes ahead)."""
    ss = st.session_state
    existing = _rows_of(kind)
    confirm_key = f"_data_confirm_replace_{slug}"
    risky = {
        "replace": bool(existing),
        "append": f"_data_report_{slug}" in ss,
    }.get(mode, False)
    go = where.button(t("data.load", lang), key=f"data_load_{slug}", type="primary")
    if go and risky:
        ss[confirm_key] = mode
        go = False
    if ss.get(confirm_key) != mode:
        ss.pop(confirm_key, None)
    if ss.get(confirm_key):
        st.warning(
            t(
                "data.replace_confirm" if mode == "replace" else "data.append_again_confirm",
                lang,
                file=plain(name),
                kind=kind_label(kind, lang),
                rows=existing,
            ),
            icon=":material/warning:",
        )
        yes, no, _ = st.columns([1, 1, 4])
        go = yes.button(
            t("data.replace_yes" if mode == "replace" else "data.append_again_yes", lang),
            key=f"data_replace_yes_{slug}",
            type="primary",
        )
        if no.button(t("data.replace_no", lang), key=f"data_replace_no_{slug}"):
            ss.pop(confirm_key, None)
            st.rerun()
    if go:
        ss.pop(confirm_key, None)
    return go


def show_report(slug: str, report: ingest.LoadReport, lang: str) -> None:
    text = t("data.loaded", lang, rows=report.rows_loaded, kind=kind_label(report.kind, lang))
    if report.sheet:
        text += " " + t("data.loaded_sheets", lang, sheets=plain(report.sheet))
    st.success(text, icon=":material/check_circle:")
    if report.rows_replaced:
        st.info(t("data.replaced", lang, rows=report.rows_replaced), icon=":material/sync:")
    if report.products_kept:
        st.info(
            t("data.products_kept", lang, n=report.products_kept), icon=":material/inventory_2:"
        )
    if report.derived:
        st.caption(
            t(
                "data.derived",
                lang,
                cols=joined((field_label(c, lang) for c in report.derived), lang),
            )
        )
    for header, what in report.not_stored.items():
        seen = t(f"data.seen_{what}", lang) if what in PERSONAL_SEEN else plain(what)
        st.caption(f"{plain(header)}: {t('data.reason_values', lang, what=seen)}")
    if report.rows_rejected:
        st.warning(t("data.rejected", lang, rows=report.rows_rejected, file=plain(report.file)))
        _row_table(
            row_frame(report.errors, lang),
            f"{report.file}.rejected.csv",
            t("data.download_rejected", lang),
            f"data_rejected_{slug}",
        )
    for key, cells in (
        ("data.cells_as_zero", report.cells_as_zero),
        ("data.cells_as_empty", report.cells_as_empty),
    ):
        if cells:
            st.caption(
                t(
                    key,
                    lang,
                    cols=joined(
                        (
                            t("data.cells_count", lang, header=plain(h), n=n)
                            for h, n in cells.items()
                        ),
                        lang,
                    ),
                )
            )
    if report.warnings:
        st.warning(
            t("data.warnings", lang, rows=len({w["row"] for w in report.warnings})),
            icon=":material/fact_check:",
        )
        _row_table(
            row_frame(report.warnings, lang),
            f"{report.file}.check.csv",
            t("data.download_warnings", lang),
            f"data_warnings_{slug}",
        )


def row_frame(entries: list[dict], lang: str) -> pd.DataFrame:
    """Rejected rows or rows to check as shown and downloaded: row, the file's column, the
    cell, the problem, under headers and in words of the user's language."""
    return pd.DataFrame(
        [(e["row"], e["column"], e["value"], messages.row_text(e, lang)) for e in entries],
        columns=[t(f"data.rt_{c}", lang) for c in ("row", "column", "value", "message")],
    )


def _row_table(rows: pd.DataFrame, file_name: str, label: str, key: str) -> None:
    st.dataframe(
        rows,
        hide_index=True,
        placeholder=numbers.NONE,
        width="stretch",
        height=min(35 * (len(rows) + 1) + 3, 300),
    )
    st.download_button(
        label,
        safe_csv(rows),
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
    )
