"""数据管理 Data: upload exports, check the detected kind and header mapping, load,
and manage the workspace's datasets.  The shared sample shop is read-only: there the
page lists its datasets and offers a team workspace instead of an uploader."""

import logging

import pandas as pd
import streamlit as st

from shopsight import coverage, currency, numbers, schema, workspace
from shopsight.conflicts import ConcurrentWriteError
from shopsight.i18n import t
from shopsight.ingest import IngestError, inspect_file, load_file, platforms
from shopsight.ingest.detect import KEEP, kind_inputs
from shopsight.mdtext import plain
from shopsight.ui import charts, data, filters, session, sidebar
from shopsight.ui.downloads import safe_csv
from shopsight.ui.upload import discard_gone, file_slug, spooled_path

log = logging.getLogger(__name__)
lang = session.lang()
ss = st.session_state
ws = session.current_workspace()
read_only = workspace.is_read_only(ws)
KINDS = list(schema.KINDS)
DROP_REASONS = {"personal": "data.reason_personal", "address": "data.reason_address",
                "comparison": "data.reason_comparison", "free_text": "data.reason_free_text"}
PREVIEW_VALUES = 3
CANONICAL = {c for k in schema.KINDS.values() for c in k.column_names}
MODES = ["merge", "append", "replace"]


def platform_label(p: str | None) -> str:
    return p or t("data.platform_none", lang)


def kind_label(kind: str | None) -> str:
    return t(f"kind.{kind}", lang) if kind else "—"


def col_label(col: str) -> str:
    """'visitors · 访客数' for canonical columns; other inputs (rates) as named."""
    return f"{col} · {t(f'col.{col}', lang)}" if col in CANONICAL else col


def inspect(slug: str, upload, sheet: str | None, kind: str | None, period):
    """inspect_file, remembered per (file, sheet, kind, period) so reruns do not re-read it."""
    memo = ss.setdefault(f"_data_insp_{slug}", {})
    if (sheet, kind, period) not in memo:
        with data.cursor() as cur:
            memo[(sheet, kind, period)] = inspect_file(spooled_path(upload), upload.name, con=cur,
                                                       sheet=sheet, kind=kind, period=period)
    return memo[(sheet, kind, period)]


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
        text += " " + t("data.loaded_sheets", lang, sheets=plain(report.sheet))
    st.success(text, icon=":material/check_circle:")
    if report.rows_replaced:
        st.info(t("data.replaced", lang, rows=report.rows_replaced), icon=":material/sync:")
    if report.derived:
        st.caption(t("data.derived", lang, cols="、".join(col_label(c) for c in report.derived)))
    for header, what in report.not_stored.items():
        st.caption(f"{plain(header)}: {t('data.reason_values', lang, what=what)}")
    if report.rows_rejected:
        st.warning(t("data.rejected", lang, rows=report.rows_rejected, file=plain(report.file)))
        errors = pd.DataFrame(report.errors)
        st.dataframe(errors, hide_index=True, placeholder=numbers.NONE, width="stretch",
                     height=min(35 * (len(errors) + 1) + 3, 300))
        st.download_button(t("data.download_rejected", lang), safe_csv(errors),
                           file_name=f"{report.file}.rejected.csv", mime="text/csv",
                           key=f"data_rejected_{slug}", icon=":material/download:")
    for key, cells in (("data.cells_as_zero", report.cells_as_zero),
                       ("data.cells_as_empty", report.cells_as_empty)):
        if cells:
            st.caption(t(key, lang, cols="、".join(
                t("data.cells_count", lang, header=plain(h), n=n) for h, n in cells.items())))
    if report.warnings:
        warned = pd.DataFrame(report.warnings)
        st.warning(t("data.warnings", lang, rows=warned["row"].nunique()),
                   icon=":material/fact_check:")
        st.dataframe(warned, hide_index=True, placeholder=numbers.NONE, width="stretch",
                     height=min(35 * (len(warned) + 1) + 3, 300))
        st.download_button(t("data.download_warnings", lang), safe_csv(warned),
                           file_name=f"{report.file}.check.csv", mime="text/csv",
                           key=f"data_warnings_{slug}", icon=":material/download:")


def upload_section(upload) -> None:
    slug = file_slug(upload.name, upload.size)
    kind_key, sheet_key = f"data_kind_{slug}", f"data_sheet_{slug}"
    period_key = f"data_period_{slug}"
    picked = ss.get(period_key) or ()
    period = tuple(picked) if len(picked) == 2 else None  # a range being picked has one day
    st.subheader(plain(upload.name), divider="gray")
    try:
        insp = inspect(slug, upload, ss.get(sheet_key), ss.get(kind_key), period)
    except IngestError as e:
        st.error(plain(e), icon=":material/error:")
        return
    except Exception as e:  # a reader bug must not show a traceback to the operator
        log.exception("inspecting %s", upload.name)
        st.error(t("data.unexpected", lang, file=plain(upload.name), message=plain(e)),
                 icon=":material/error:")
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
    facts = [t("data.headerless", lang, layout=insp.layout, type=insp.file_type) if insp.layout
             else t("data.header_row", lang, row=insp.header_row, type=insp.file_type)]
    if insp.encoding:
        facts.append(insp.encoding)
    if insp.period:
        facts.append(t("data.period", lang, start=insp.period[0].isoformat(),
                       end=insp.period[1].isoformat()))
    if len(getattr(insp, "load_sheets", []) or []) > 1:
        facts.append(t("data.load_sheets", lang, sheets="、".join(map(plain, insp.load_sheets))))
    cols[2].caption(" · ".join(facts))
    if kind is None:
        st.info(t("data.kind_unknown", lang))
        return
    if insp.period_missing or period_key in ss:
        # a sheet with no dates of its own: the owner says which days it covers
        if insp.period_missing:
            st.warning(t("data.period_missing", lang, file=plain(upload.name)), icon=":material/date_range:")
        st.date_input(t("data.period_input", lang), value=(), key=period_key, format="YYYY-MM-DD")
        if insp.period_missing:
            return

    if insp.saved_mapping_used:
        st.caption(t("data.saved_mapping", lang))
    if insp.dropped:
        st.caption(t("data.dropped", lang, cols="、".join(
            f"{plain(h)}（{t(DROP_REASONS[r], lang) if r in DROP_REASONS else r}）"
            for h, r in insp.dropped.items())))
    table = mapping_table(insp, kind)
    targets = ["", *kind_inputs(kind), KEEP]
    edited = st.data_editor(
        table, key=f"data_map_{slug}_{kind}", hide_index=True, width="stretch",
        disabled=["header", "preview", "errors"],
        column_config={
            "header": st.column_config.TextColumn(t("data.col_header", lang)),
            "target": st.column_config.SelectboxColumn(
                t("data.col_target", lang), options=targets,
                format_func=lambda c: (t("data.keep", lang) if c == KEEP else col_label(c))
                if c else t("data.not_mapped", lang)),
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
        st.warning(t("data.missing_required", lang, file=plain(upload.name),
                     cols="、".join(col_label(c) for c in insp.missing_required)))
    with st.expander(t("data.preview", lang, n=len(insp.preview))):
        st.dataframe(insp.preview, hide_index=True, placeholder=numbers.NONE, width="stretch")

    cols = st.columns([2, 2, 3])
    options = [None, *platforms.PLATFORMS]
    if insp.platform not in options:
        options.append(insp.platform)
    platform_key = f"data_platform_{slug}"
    if platform_key not in ss:
        ss[platform_key] = insp.platform
    platform = cols[0].selectbox(t("data.platform", lang), options, key=platform_key,
                                 format_func=platform_label)
    load_currency = cols[1].selectbox(
        t("data.currency", lang), [None, *platforms.CURRENCIES], key=f"data_currency_{slug}",
        format_func=lambda c: c or t("data.currency_auto", lang))

    existing = next((d["rows"] for d in data.datasets() if d["kind"] == kind), 0)
    cols = st.columns([3, 1])
    mode = cols[0].radio(
        t("data.mode", lang), MODES, key=f"data_mode_{slug}",
        format_func=lambda m: t(f"data.mode_{m}", lang, rows=existing, kind=kind_label(kind)),
    )
    confirm_key = f"_data_confirm_replace_{slug}"
    go = cols[1].button(t("data.load", lang), key=f"data_load_{slug}", type="primary")
    if go and mode == "replace" and existing:
        ss[confirm_key] = True  # replacing a whole dataset is confirmed with its row count
        go = False
    if mode != "replace":
        ss.pop(confirm_key, None)
    if ss.get(confirm_key):
        st.warning(t("data.replace_confirm", lang, file=plain(upload.name), kind=kind_label(kind),
                     rows=existing), icon=":material/warning:")
        yes, no, _ = st.columns([1, 1, 4])
        go = yes.button(t("data.replace_yes", lang), key=f"data_replace_yes_{slug}", type="primary")
        if no.button(t("data.replace_no", lang), key=f"data_replace_no_{slug}"):
            ss.pop(confirm_key, None)
            st.rerun()
    if go:
        ss.pop(confirm_key, None)
        with st.status(t("data.loading", lang, file=plain(upload.name)), expanded=True) as status:
            try:
                with data.cursor() as cur:
                    report = load_file(ws, spooled_path(upload), upload.name, kind=kind,
                                       sheet=ss.get(sheet_key), mapping=mapping, mode=mode, con=cur,
                                       period=period, platform=platform,
                                       currency=load_currency)
            except IngestError as e:
                status.update(label=t("data.load_failed", lang, file=plain(upload.name)), state="error")
                st.error(plain(e), icon=":material/error:")
                return
            except workspace.ReadOnlyWorkspaceError:  # the shared sample shop
                status.update(label=t("data.load_failed", lang, file=plain(upload.name)), state="error")
                st.error(t("common.read_only", lang), icon=":material/lock:")
                return
            except ConcurrentWriteError:  # other app servers kept loading into this workspace
                status.update(label=t("data.load_failed", lang, file=upload.name), state="error")
                st.error(t("data.load_conflict", lang, file=upload.name), icon=":material/sync_problem:")
                return
            except Exception as e:  # never a traceback on screen; the log has it
                log.exception("loading %s", upload.name)
                status.update(label=t("data.load_failed", lang, file=plain(upload.name)), state="error")
                st.error(t("data.unexpected", lang, file=plain(upload.name), message=plain(e)),
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
    loads_section(sets)
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


def loads_section(sets: list[dict]) -> None:
    """Per dataset: its loads, the days each still covers (a strip; gaps stay blank),
    removing one load, correcting a load's platform; then the exchange rates."""
    loads = data.loads()
    if not loads:
        return
    st.subheader(t("data.loads", lang))
    st.caption(t("data.loads_caption", lang))
    table = pd.DataFrame([{
        t("data.ld_id", lang): x["load_id"],
        t("data.ld_kind", lang): kind_label(x["kind"]),
        t("data.ld_file", lang): x["file"],
        t("data.ld_platform", lang): platform_label(x["platform"]),
        t("data.ld_currency", lang): x["currency"] if x["kind"] in schema.PLATFORM_KINDS else None,
        t("data.ld_rows", lang): x["rows"],
        t("data.ld_days", lang): x["days"],
        t("data.ld_ranges", lang): coverage.runs_text(
            [a + pd.Timedelta(days=i) for a, b in x["ranges"] for i in range((b - a).days + 1)]),
        t("data.ld_replaced", lang): x["rows_replaced"],
        t("data.ld_loaded_at", lang): x["loaded_at"],
    } for x in loads])
    st.dataframe(table, hide_index=True, placeholder=numbers.NONE, width="stretch")
    strip = coverage.strip_frame(loads)
    for kind in [d["kind"] for d in sets]:
        part = strip[strip["kind"] == kind]
        if part.empty:
            continue
        st.caption(kind_label(kind))
        charts.show(charts.coverage_strip(part, day_title=t("data.strip_day", lang),
                                          load_title=t("data.strip_load", lang),
                                          platform_title=t("data.ld_platform", lang)))
    for gap in coverage.gaps(loads):
        st.caption(t("data.gaps", lang, kind=kind_label(gap.kind), platform=plain(platform_label(gap.platform)),
                     start=gap.first.isoformat(), end=gap.last.isoformat(), count=len(gap.missing),
                     days=coverage.runs_text(gap.missing)))
    if read_only:
        return

    by_id = {x["load_id"]: x for x in loads}
    label = lambda i: f"#{i} {kind_label(by_id[i]['kind'])} · {by_id[i]['file']}"  # noqa: E731
    cols = st.columns([3, 1, 2])
    pick = cols[0].selectbox(t("data.unload_pick", lang), list(by_id), key="data_unload_pick",
                             format_func=label)
    if cols[1].button(t("data.unload", lang), key="data_unload", icon=":material/remove:"):
        ss["_data_confirm_unload"] = pick
    confirm = ss.get("_data_confirm_unload")
    if confirm in by_id:
        x = by_id[confirm]
        st.warning(t("data.unload_confirm", lang, id=confirm, file=plain(x["file"]), rows=x["rows"]))
        yes, no, _ = st.columns([1, 1, 4])
        if yes.button(t("data.unload_yes", lang), key="data_unload_yes", type="primary"):
            with data.cursor() as cur:
                removed = workspace.unload(ws, confirm, con=cur)
            ss.pop("_data_confirm_unload", None)
            data.refresh()
            filters.reset()
            st.toast(t("data.unloaded", lang, id=confirm, rows=removed), icon=":material/remove:")
            st.rerun()
        if no.button(t("data.unload_no", lang), key="data_unload_no"):
            ss.pop("_data_confirm_unload", None)
            st.rerun()

    with st.expander(t("data.edit_platform", lang), icon=":material/storefront:"):
        cols = st.columns([3, 2, 2, 1])
        which = cols[0].selectbox(t("data.edit_load", lang), list(by_id), key="data_edit_load",
                                  format_func=label)
        x = by_id[which]
        options = [None, *platforms.PLATFORMS]
        if x["platform"] not in options:
            options.append(x["platform"])
        new_platform = cols[1].selectbox(t("data.platform", lang), options,
                                         index=options.index(x["platform"]),
                                         key=f"data_edit_platform_{which}", format_func=platform_label)
        currencies = list(dict.fromkeys([x["currency"] or platforms.DEFAULT_CURRENCY,
                                         *platforms.CURRENCIES]))
        new_currency = cols[2].selectbox(t("data.currency", lang), currencies,
                                         key=f"data_edit_currency_{which}",
                                         disabled=x["kind"] not in schema.PLATFORM_KINDS)
        if cols[3].button(t("data.edit_save", lang), key="data_edit_save"):
            with data.cursor() as cur:
                workspace.set_load_platform(ws, which, new_platform, new_currency, con=cur)
            data.refresh()
            st.toast(t("data.edit_saved", lang, id=which), icon=":material/check:")
            st.rerun()
    rates_section()


def rates_section() -> None:
    """Exchange rates to CNY for the currencies the data holds (a workspace setting)."""
    codes = sorted({x["currency"] for x in data.loads()
                    if x["currency"] and x["currency"] != platforms.DEFAULT_CURRENCY})
    if not codes:
        return
    saved = data.get_setting(currency.FX_SETTING, {}) or {}
    with st.expander(t("data.fx_title", lang), icon=":material/currency_exchange:"):
        st.caption(t("data.fx_help", lang))
        cols = st.columns(4)
        entered = {}
        for i, code in enumerate(codes):
            key = f"data_fx_{code}"
            if key not in ss:
                ss[key] = saved.get(code)
            value = cols[i % 4].number_input(t("data.fx_rate", lang, code=code), min_value=0.0,
                                             key=key, format="%.4f")
            if value:
                entered[code] = float(value)
        if st.button(t("data.fx_save", lang), key="data_fx_save"):
            try:
                data.set_setting(currency.FX_SETTING, {**saved, **entered})
            except PermissionError:  # the shared sample shop is read-only
                st.error(t("common.read_only", lang))
            else:
                st.toast(t("data.fx_saved", lang), icon=":material/check:")


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
