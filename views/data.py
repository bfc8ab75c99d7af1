"""数据管理 Data: upload exports, check the detected kind and header mapping, load,
and manage the workspace's datasets.  The shared sample shop is read-only: there the
page lists its datasets and offers a team workspace instead of an uploader."""

import logging

import pandas as pd
import streamlit as st

from shopsight import numbers, schema, workspace
from shopsight.conflicts import ConcurrentWriteError
from shopsight.i18n import t
from shopsight.ingest import IngestError, inspect_file, load_file
from shopsight.ingest.detect import kind_inputs
from shopsight.ui import data, filters, session, sidebar
from shopsight.ui.downloads import safe_csv
from shopsight.ui.upload import discard_gone, file_slug, spooled_path

log = logging.getLogger(__name__)
lang = session.lang()
ss = st.session_state
ws = session.current_workspace()
read_only = workspace.is_read_only(ws)
KINDS = list(schema.KINDS)
DROP_REASONS = {"personal": "data.reason_personal", "address": "data.reason_address",
                "comparison": "data.reason_comparison"}
PREVIEW_VALUES = 3
CANONICAL = {c for k in schema.KINDS.values() for c in k.column_names}


def kind_label(kind: str | None) -> str:
    return t(f"kind.{kind}", lang) if kind else "—"


def col_label(col: str) -> str:
    """'visitors · 访客数' for canonical columns; other inputs (rates) as named."""
    return f"{col} · {t(f'col.{col}', lang)}" if col in CANONICAL else col


def inspect(slug: str, upload, sheet: str | None, kind: str | None):
    """inspect_file, remembered per (file, sheet, kind) so reruns do not re-read the file."""
    memo = ss.setdefault(f"_data_insp_{slug}", {})
    if (sheet, kind) not in memo:
        with data.cursor() as cur:
            memo[(sheet, kind)] = inspect_file(spooled_path(upload), upload.name, con=cur,
                                               sheet=sheet, kind=kind)
    return memo[(sheet, kind)]


def mapping_table(insp, kind: str) -> pd.DataFrame:
    rows = []
    for header in insp.headers:
        if header in insp.dropped:
            continue
        target = insp.mapping.get(header, "")
        values = []
        if target and target in insp.preview.columns:
            values = [numbers.NONE if numbers.is_missing(v) else str(v)
                      for v in insp.preview[target].head(PREVIEW_VALUES).tolist()]
        rows.append({
            "header": header,
            "target": target,
            "preview": "，".join(values),
            "errors": int(insp.preview_errors.get(target, 0)) if target else 0,
        })
    return pd.DataFrame(rows, columns=["header", "target", "preview", "errors"])


def show_report(slug: str, report) -> None:
    text = t("data.loaded", lang, rows=report.rows_loaded, kind=kind_label(report.kind))
    if report.sheet:
        text += " " + t("data.loaded_sheets", lang, sheets=report.sheet)
    st.success(text, icon=":material/check_circle:")
    if report.derived:
        st.caption(t("data.derived", lang, cols="、".join(col_label(c) for c in report.derived)))
    if report.rows_rejected:
        st.warning(t("data.rejected", lang, rows=report.rows_rejected, file=report.file))
        errors = pd.DataFrame(report.errors)
        st.dataframe(errors, hide_index=True, placeholder=numbers.NONE, width="stretch",
                     height=min(35 * (len(errors) + 1) + 3, 300))
        st.download_button(t("data.download_rejected", lang), safe_csv(errors),
                           file_name=f"{report.file}.rejected.csv", mime="text/csv",
                           key=f"data_rejected_{slug}", icon=":material/download:")


def upload_section(upload) -> None:
    slug = file_slug(upload.name, upload.size)
    kind_key, sheet_key = f"data_kind_{slug}", f"data_sheet_{slug}"
    st.subheader(upload.name, divider="gray")
    try:
        insp = inspect(slug, upload, ss.get(sheet_key), ss.get(kind_key))
    except IngestError as e:
        st.error(str(e), icon=":material/error:")
        return
    except Exception as e:  # a reader bug must not show a traceback to the operator
        log.exception("inspecting %s", upload.name)
        st.error(t("data.unexpected", lang, file=upload.name, message=str(e)), icon=":material/error:")
        return

    cols = st.columns([2, 2, 3])
    if kind_key not in ss:
        ss[kind_key] = insp.kind
    kind = cols[0].selectbox(t("data.kind", lang), KINDS, key=kind_key, format_func=kind_label,
                             index=None, placeholder=t("data.kind_pick", lang))
    if insp.kind:
        cols[0].caption(t("data.detected", lang, kind=kind_label(insp.kind),
                          pct=f"{insp.confidence:.0%}"))
    else:
        cols[0].caption(t("data.kind_unknown", lang))
    if len(insp.sheets) > 1:
        if sheet_key not in ss:
            ss[sheet_key] = insp.sheet
        cols[1].selectbox(t("data.sheet", lang), insp.sheets, key=sheet_key)
    facts = [t("data.header_row", lang, row=insp.header_row, type=insp.file_type)]
    if insp.encoding:
        facts.append(insp.encoding)
    if insp.period:
        facts.append(t("data.period", lang, start=insp.period[0].isoformat(),
                       end=insp.period[1].isoformat()))
    if len(getattr(insp, "load_sheets", []) or []) > 1:
        facts.append(t("data.load_sheets", lang, sheets="、".join(insp.load_sheets)))
    cols[2].caption(" · ".join(facts))
    if kind is None:
        st.info(t("data.kind_unknown", lang))
        return

    if insp.saved_mapping_used:
        st.caption(t("data.saved_mapping", lang))
    if insp.dropped:
        st.caption(t("data.dropped", lang, cols="、".join(
            f"{h}（{t(DROP_REASONS[r], lang) if r in DROP_REASONS else r}）"
            for h, r in insp.dropped.items())))
    table = mapping_table(insp, kind)
    targets = ["", *kind_inputs(kind)]
    edited = st.data_editor(
        table, key=f"data_map_{slug}_{kind}", hide_index=True, width="stretch",
        disabled=["header", "preview", "errors"],
        column_config={
            "header": st.column_config.TextColumn(t("data.col_header", lang)),
            "target": st.column_config.SelectboxColumn(
                t("data.col_target", lang), options=targets,
                format_func=lambda c: col_label(c) if c else t("data.not_mapped", lang)),
            "preview": st.column_config.TextColumn(t("data.col_preview", lang)),
            "errors": st.column_config.NumberColumn(t("data.col_errors", lang)),
        },
    )
    mapping = {r.header: (r.target or "") for r in edited.itertuples()}
    bad_preview = {c: n for c, n in insp.preview_errors.items() if n}
    if bad_preview:
        st.caption(t("data.preview_errors", lang, cols="、".join(
            f"{col_label(c)}: {n}" for c, n in bad_preview.items())))
    if insp.missing_required:
        st.warning(t("data.missing_required", lang, file=upload.name,
                     cols="、".join(col_label(c) for c in insp.missing_required)))
    with st.expander(t("data.preview", lang, n=len(insp.preview))):
        st.dataframe(insp.preview, hide_index=True, placeholder=numbers.NONE, width="stretch")

    existing = next((d["rows"] for d in data.datasets() if d["kind"] == kind), 0)
    cols = st.columns([3, 1])
    mode = cols[0].radio(
        t("data.mode", lang), ["replace", "append"], key=f"data_mode_{slug}", horizontal=True,
        format_func=lambda m: t(f"data.mode_{m}", lang, rows=existing, kind=kind_label(kind)),
    )
    if cols[1].button(t("data.load", lang), key=f"data_load_{slug}", type="primary"):
        with st.status(t("data.loading", lang, file=upload.name), expanded=True) as status:
            try:
                with data.cursor() as cur:
                    report = load_file(ws, spooled_path(upload), upload.name, kind=kind,
                                       sheet=ss.get(sheet_key), mapping=mapping, mode=mode, con=cur)
            except IngestError as e:
                status.update(label=t("data.load_failed", lang, file=upload.name), state="error")
                st.error(str(e), icon=":material/error:")
                return
            except workspace.ReadOnlyWorkspaceError:  # the shared sample shop
                status.update(label=t("data.load_failed", lang, file=upload.name), state="error")
                st.error(t("common.read_only", lang), icon=":material/lock:")
                return
            except ConcurrentWriteError:  # other app servers kept loading into this workspace
                status.update(label=t("data.load_failed", lang, file=upload.name), state="error")
                st.error(t("data.load_conflict", lang, file=upload.name), icon=":material/sync_problem:")
                return
            except Exception as e:  # never a traceback on screen; the log has it
                log.exception("loading %s", upload.name)
                status.update(label=t("data.load_failed", lang, file=upload.name), state="error")
                st.error(t("data.unexpected", lang, file=upload.name, message=str(e)),
                         icon=":material/error:")
                return
            status.update(label=t("data.loaded", lang, rows=report.rows_loaded,
                                  kind=kind_label(report.kind)), state="complete")
        ss[f"_data_report_{slug}"] = report
        ss.pop(f"_data_insp_{slug}", None)  # the saved mapping changed
        data.refresh()
        filters.reset()
        st.rerun()
    if f"_data_report_{slug}" in ss:
        show_report(slug, ss[f"_data_report_{slug}"])


def datasets_section() -> None:
    st.header(t("data.datasets", lang), divider="gray")
    sets = data.datasets()
    if not sets:
        st.info(t("data.no_datasets", lang))
        return
    bounds = filters.bounds().set_index("kind")
    rows = []
    for d in sets:
        b = bounds.loc[d["kind"]]
        dates = "—" if pd.isna(b["first_day"]) else (
            f"{b['first_day'].date()} ~ {b['last_day'].date()}")
        rows.append({
            t("data.ds_kind", lang): kind_label(d["kind"]),
            t("data.ds_rows", lang): d["rows"],
            t("data.ds_dates", lang): dates,
            t("data.ds_files", lang): "、".join(f for f in d["files"] if f),
            t("data.ds_loaded_at", lang): d["loaded_at"] or "—",
            t("data.ds_derived", lang): "、".join(d["derived"]) or "—",
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, placeholder=numbers.NONE, width="stretch")
    if read_only:
        return

    confirm = ss.get("_data_confirm_delete")
    cols = st.columns([2, 1, 3])
    target = cols[0].selectbox(t("data.delete_pick", lang), [d["kind"] for d in sets],
                               key="data_delete_kind", format_func=kind_label)
    if cols[1].button(t("data.delete", lang), key="data_delete", icon=":material/delete:"):
        ss["_data_confirm_delete"] = confirm = target
    if confirm:
        rows_n = next((d["rows"] for d in sets if d["kind"] == confirm), 0)
        st.warning(t("data.delete_confirm", lang, kind=kind_label(confirm), rows=rows_n))
        yes, no, _ = st.columns([1, 1, 4])
        if yes.button(t("data.delete_yes", lang), key="data_delete_yes", type="primary"):
            try:
                with data.cursor() as cur:
                    workspace.delete_dataset(ws, confirm, con=cur)
            except workspace.ReadOnlyWorkspaceError:  # the shared sample shop
                ss.pop("_data_confirm_delete", None)
                st.error(t("common.read_only", lang), icon=":material/lock:")
                return
            ss.pop("_data_confirm_delete", None)
            data.refresh()
            filters.reset()
            st.toast(t("data.deleted", lang, kind=kind_label(confirm)), icon=":material/delete:")
            st.rerun()
        if no.button(t("data.delete_no", lang), key="data_delete_no"):
            ss.pop("_data_confirm_delete", None)
            st.rerun()


st.title(t("data.title", lang))
st.caption(t("data.intro", lang))
if read_only:
    st.info(t("data.sample_read_only", lang), icon=":material/lock:")
    st.button(t("sidebar.new_workspace", lang), key="data_new_workspace", type="primary",
              icon=":material/add:", on_click=sidebar.new_team, args=(lang,))
else:
    uploads = st.file_uploader(t("data.upload", lang), type=["csv", "xlsx", "xls"],
                               accept_multiple_files=True, key="data_upload") or []
    discard_gone(uploads)
    for up in uploads:
        upload_section(up)
datasets_section()
