"""The Data page's lists: datasets, loads with their coverage strip and gaps, removing one
load or a whole dataset (with a confirmation naming the rows), correcting a load's platform
or currency, and the exchange rates.  The upload flow is shopsight/ui/upload.py."""

import pandas as pd
import streamlit as st

from shopsight import coverage, currency, numbers, schema, workspace
from shopsight.i18n import joined, t
from shopsight.ingest import platforms
from shopsight.mdtext import plain
from shopsight.ui import charts, filters, query_cache, tables, upload

ss = st.session_state


def datasets_section(ws: workspace.Workspace, lang: str) -> None:
    """The workspace's datasets, its loads with their coverage, exchange rates; delete a
    dataset or remove one load (not on the read-only sample shop)."""
    read_only = workspace.is_read_only(ws)
    st.header(t("data.datasets", lang), divider="gray")
    sets = query_cache.datasets()
    if not sets:
        st.info(t("data.no_datasets", lang))
        return
    bounds = filters.bounds().set_index("kind")
    rows = []
    for d in sets:
        b = bounds.loc[d["kind"]]
        dates = (
            "—"
            if pd.isna(b["first_day"])
            else (f"{b['first_day'].date()} ~ {b['last_day'].date()}")
        )
        rows.append(
            {
                t("data.ds_kind", lang): upload.kind_label(d["kind"], lang),
                t("data.ds_rows", lang): d["rows"],
                t("data.ds_dates", lang): dates,
                t("data.ds_files", lang): joined((f for f in d["files"] if f), lang),
                t("data.ds_loaded_at", lang): _to_minute(d["loaded_at"]),
                t("data.ds_derived", lang): joined(
                    (upload.field_label(c, lang) for c in d["derived"]), lang
                )
                or "—",
            }
        )
    # widths in px so the table fits the 978 px of a 1440 px window in both languages; long
    # file lists and derived fields show the full text on hover
    config = {
        t("data.ds_kind", lang): tables.key(),
        t("data.ds_rows", lang): tables.number("int", width=80),
        t("data.ds_dates", lang): tables.text(width=170),
        t("data.ds_files", lang): tables.text(width=250),
        t("data.ds_loaded_at", lang): tables.text(width=130),
        t("data.ds_derived", lang): tables.text(width=110),
    }
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        placeholder=numbers.NONE,
        width="stretch",
        column_config=config,
    )
    loads_section(ws, sets, lang)
    if read_only:
        return

    confirm = ss.get("_data_confirm_delete")
    cols = st.columns([2, 1, 3])
    target = cols[0].selectbox(
        t("data.delete_pick", lang),
        [d["kind"] for d in sets],
        key="data_delete_kind",
        format_func=lambda k: upload.kind_label(k, lang),
    )
    if cols[1].button(t("data.delete", lang), key="data_delete", icon=":material/delete:"):
        ss["_data_confirm_delete"] = confirm = target
    if confirm:
        rows_n = next((d["rows"] for d in sets if d["kind"] == confirm), 0)
        st.warning(
            t("data.delete_confirm", lang, kind=upload.kind_label(confirm, lang), rows=rows_n)
        )
        yes, no, _ = st.columns([1, 1, 4])
        if yes.button(t("data.delete_yes", lang), key="data_delete_yes", type="primary"):
            try:
                with query_cache.cursor() as cur:
                    workspace.delete_dataset(ws, confirm, con=cur)
            except workspace.ReadOnlyWorkspaceError:  # the shared sample shop
                ss.pop("_data_confirm_delete", None)
                st.error(t("common.read_only", lang), icon=":material/lock:")
                return
            ss.pop("_data_confirm_delete", None)
            query_cache.refresh()
            filters.reset()
            st.toast(
                t("data.deleted", lang, kind=upload.kind_label(confirm, lang)),
                icon=":material/delete:",
            )
            st.rerun()
        if no.button(t("data.delete_no", lang), key="data_delete_no"):
            ss.pop("_data_confirm_delete", None)
            st.rerun()


def _to_minute(stamp: str | None) -> str | None:
    """'2026-12-03 18:13:55' as '2026-12-03 18:13': seconds only widen the column."""
    return stamp[:16] if stamp else None


def loads_section(ws: workspace.Workspace, sets: list[dict], lang: str) -> None:
    """Per dataset: its loads, the days each still covers (a strip; gaps stay blank),
    removing one load, correcting a load's platform; then the exchange rates."""
    read_only = workspace.is_read_only(ws)
    loads = query_cache.loads()
    if not loads:
        return
    st.subheader(t("data.loads", lang))
    st.caption(t("data.loads_caption", lang))
    table = pd.DataFrame(
        [
            {
                t("data.ld_id", lang): x["load_id"],
                t("data.ld_kind", lang): upload.kind_label(x["kind"], lang),
                t("data.ld_file", lang): x["file"],
                t("data.ld_platform", lang): platforms.label(x["platform"], lang),
                t("data.ld_currency", lang): x["currency"]
                if x["kind"] in schema.PLATFORM_KINDS
                else None,
                t("data.ld_rows", lang): x["rows"],
                t("data.ld_days", lang): x["days"],
                t("data.ld_ranges", lang): coverage.runs_text(
                    [
                        a + pd.Timedelta(days=i)
                        for a, b in x["ranges"]
                        for i in range((b - a).days + 1)
                    ]
                ),
                t("data.ld_replaced", lang): x["rows_replaced"],
                t("data.ld_loaded_at", lang): _to_minute(x["loaded_at"]),
            }
            for x in loads
        ]
    )
    # px widths: ten columns in the 978 px of a 1440 px window (full text on hover)
    config = {
        t("data.ld_id", lang): tables.number("int", width=45, pinned=True),
        t("data.ld_kind", lang): tables.text(width=120),
        t("data.ld_file", lang): tables.text(width=150),
        t("data.ld_platform", lang): tables.text(width=80),
        t("data.ld_currency", lang): tables.text(width=65),
        t("data.ld_rows", lang): tables.number("int", width=80),
        t("data.ld_days", lang): tables.number("int", width=95),
        t("data.ld_ranges", lang): tables.text(width=105),
        t("data.ld_replaced", lang): tables.number("int", width=100),
        t("data.ld_loaded_at", lang): tables.text(width=125),
    }
    st.dataframe(
        table, hide_index=True, placeholder=numbers.NONE, width="stretch", column_config=config
    )
    strip = coverage.strip_frame(loads)
    for kind in [d["kind"] for d in sets]:
        part = strip[strip["kind"] == kind]
        if part.empty:
            continue
        st.caption(upload.kind_label(kind, lang))
        charts.show(
            charts.coverage_strip(
                part,
                day_title=t("data.strip_day", lang),
                load_title=t("data.strip_load", lang),
                platform_title=t("data.ld_platform", lang),
            )
        )
    for gap in coverage.gaps(loads):
        st.caption(
            t(
                "data.gaps",
                lang,
                kind=plain(upload.kind_label(gap.kind, lang)),
                platform=plain(platforms.label(gap.platform, lang)),
                start=gap.first.isoformat(),
                end=gap.last.isoformat(),
                count=len(gap.missing),
                days=plain(coverage.runs_text(gap.missing)),
            )
        )
    if read_only:
        return

    by_id = {x["load_id"]: x for x in loads}
    label = lambda i: f"#{i} {upload.kind_label(by_id[i]['kind'], lang)} · {by_id[i]['file']}"  # noqa: E731
    cols = st.columns([3, 1, 2])
    pick = cols[0].selectbox(
        t("data.unload_pick", lang), list(by_id), key="data_unload_pick", format_func=label
    )
    if cols[1].button(t("data.unload", lang), key="data_unload", icon=":material/remove:"):
        ss["_data_confirm_unload"] = pick
    confirm = ss.get("_data_confirm_unload")
    if confirm in by_id:
        x = by_id[confirm]
        st.warning(
            t("data.unload_confirm", lang, id=confirm, file=plain(x["file"]), rows=x["rows"])
        )
        yes, no, _ = st.columns([1, 1, 4])
        if yes.button(t("data.unload_yes", lang), key="data_unload_yes", type="primary"):
            with query_cache.cursor() as cur:
                removed = workspace.unload(ws, confirm, con=cur)
            ss.pop("_data_confirm_unload", None)
            query_cache.refresh()
            filters.reset()
            st.toast(t("data.unloaded", lang, id=confirm, rows=removed), icon=":material/remove:")
            st.rerun()
        if no.button(t("data.unload_no", lang), key="data_unload_no"):
            ss.pop("_data_confirm_unload", None)
            st.rerun()

    with st.expander(t("data.edit_platform", lang), icon=":material/storefront:"):
        cols = st.columns([3, 2, 2, 1])
        which = cols[0].selectbox(
            t("data.edit_load", lang), list(by_id), key="data_edit_load", format_func=label
        )
        x = by_id[which]
        options = [None, *platforms.PLATFORMS]
        if x["platform"] not in options:
            options.append(x["platform"])
        new_platform = cols[1].selectbox(
            t("data.platform", lang),
            options,
            index=options.index(x["platform"]),
            key=f"data_edit_platform_{which}",
            format_func=lambda p: platforms.label(p, lang),
        )
        currencies = list(
            dict.fromkeys([x["currency"] or platforms.DEFAULT_CURRENCY, *platforms.CURRENCIES])
        )
        new_currency = cols[2].selectbox(
            t("data.currency", lang),
            currencies,
            key=f"data_edit_currency_{which}",
            disabled=x["kind"] not in schema.PLATFORM_KINDS,
        )
        if cols[3].button(t("data.edit_save", lang), key="data_edit_save"):
            with query_cache.cursor() as cur:
                workspace.set_load_platform(ws, which, new_platform, new_currency, con=cur)
            query_cache.refresh()
            st.toast(t("data.edit_saved", lang, id=which), icon=":material/check:")
            st.rerun()
    rates_section(lang)


def rates_section(lang: str) -> None:
    """Exchange rates to CNY for the currencies the data holds (a workspace setting)."""
    codes = sorted(
        {
            x["currency"]
            for x in query_cache.loads()
            if x["currency"] and x["currency"] != platforms.DEFAULT_CURRENCY
        }
    )
    if not codes:
        return
    saved = query_cache.get_setting(currency.FX_SETTING, {}) or {}
    with st.expander(t("data.fx_title", lang), icon=":material/currency_exchange:"):
        st.caption(t("data.fx_help", lang))
        cols = st.columns(4)
        entered = {}
        for i, code in enumerate(codes):
            key = f"data_fx_{code}"
            if key not in ss:
                ss[key] = saved.get(code)
            value = cols[i % 4].number_input(
                t("data.fx_rate", lang, code=code), min_value=0.0, key=key, format="%.4f"
            )
            if value:
                entered[code] = float(value)
        if st.button(t("data.fx_save", lang), key="data_fx_save"):
            try:
                query_cache.set_setting(currency.FX_SETTING, {**saved, **entered})
            except PermissionError:  # the shared sample shop is read-only
                st.error(t("common.read_only", lang))
            else:
                st.toast(t("data.fx_saved", lang), icon=":material/check:")
