"""转化漏斗 Funnel: where visitors drop out — the shop funnel (访客 → 加购 → 下单 → 支付) and
the event funnel of ordered user actions within a conversion window."""

import math

import streamlit as st

from shopsight import event_funnel, metrics, numbers
from shopsight.i18n import t
from shopsight.ui import charts, filters, funnel_page, session, url_state

lang = session.lang()
f = filters.current()
st.title(t("funnel.title", lang))

kind = funnel_page.shop_kind(f)
names = funnel_page.event_names(f)
if kind is None and not names:
    covered = funnel_page.coverage()
    if covered:
        st.info(
            t(
                "funnel.no_rows_in_range",
                lang,
                start=covered[0].isoformat(),
                end=covered[1].isoformat(),
            )
        )
    else:
        st.info(t("funnel.empty_body", lang), icon=":material/upload_file:")
        st.page_link(
            "views/data.py", label=t("overview.go_data", lang), icon=":material/upload_file:"
        )
    st.stop()

views = [v for v, ok in (("shop", kind is not None), ("events", bool(names))) if ok]
view = url_state.segmented(
    t("funnel.view", lang),
    views,
    key="fn_view",
    default=views[0],
    format_func=lambda v: t(f"funnel.view_{v}", lang),
)
f = filters.without_thin_compare(f, kind if view == "shop" else "events", lang)
compare_note = (
    t("filters.compare_range", lang, start=f.compare[0].isoformat(), end=f.compare[1].isoformat())
    if f.compare
    else ""
)

# ---------- the shop funnel: summed traffic (or product) rows
if view == "shop":
    kind_label = t(f"kind.{kind}", lang)
    bench = funnel_page.benchmarks()
    sums = funnel_page.shop_sums(kind, f)
    frame = funnel_page.steps_frame(sums, sums if f.compare else None, bench)
    labels = [funnel_page.step_label(s, lang) for s in frame["step"]]
    funnel_page.step_cards(frame, labels, lang, compare=bool(f.compare))

    notes = [
        t(
            "funnel.shop_caption",
            lang,
            kind=kind_label,
            start=f.start.isoformat(),
            end=f.end.isoformat(),
        )
    ]
    if kind == "products":
        notes.append(t("funnel.products_caption", lang))
    notes.append(t("overview.visitor_days", lang))
    if "order_buyers" not in set(frame["step"]):
        notes.append(t("funnel.no_order_step", lang))
    st.caption(" ".join([*notes, compare_note]))
    if sums.get("count_rows_left_out", 0) > 0:
        st.warning(
            t(
                "overview.period_rows_left_out",
                lang,
                count=int(sums["count_rows_left_out"]),
                kind=kind_label,
            ),
            icon=":material/date_range:",
        )
    unapplied = [d for d in f.active() if d not in funnel_page.FILTER_DIMS[kind]]
    if unapplied:
        st.caption(
            t(
                "overview.filters_not_applied",
                lang,
                kind=kind_label,
                names=filters.dim_names(unapplied, lang),
            )
        )

    funnel_page.show_steps(
        frame, labels, lang, compare=bool(f.compare), users_key="funnel.col_users"
    )

    with st.expander(t("funnel.benchmark_edit", lang), icon=":material/groups:"):
        st.caption(t("funnel.benchmark_help", lang))
        entered = {}
        for col, name in zip(
            st.columns(len(funnel_page.BENCHMARK_OF)),
            funnel_page.BENCHMARK_OF.values(),
            strict=True,
        ):
            key = f"fn_bench_{name}"
            if key not in st.session_state:  # rates are typed as percentages
                st.session_state[key] = None if bench.get(name) is None else bench[name] * 100
            value = col.number_input(
                f"{metrics.label(name, lang)} (%)",
                min_value=0.0,
                max_value=1000.0,
                key=key,
                format="%.2f",
            )
            if value is not None and not math.isnan(value):
                entered[name] = value / 100
        if st.button(t("funnel.benchmark_save", lang), key="fn_bench_save"):
            try:
                funnel_page.save_benchmarks(entered)
            except PermissionError:  # the shared sample shop is read-only
                st.error(t("common.read_only", lang))
            else:
                st.toast(t("overview.benchmark_saved", lang), icon=":material/check:")
                st.rerun()

    st.subheader(t("funnel.split", lang))
    split = url_state.segmented(
        t("funnel.split_by", lang),
        funnel_page.SPLITS[kind],
        key="fn_split",
        default="none",
        format_func=lambda d: t(f"funnel.by_{d}", lang),
    )
    if split == "none":
        st.info(
            t(
                "funnel.split_pick",
                lang,
                names=" / ".join(
                    t(f"funnel.by_{d}", lang) for d in funnel_page.SPLITS[kind] if d != "none"
                ),
            ),
            icon=":material/call_split:",
        )
    else:
        long, left_out = funnel_page.segments_frame(funnel_page.shop_rows(kind, f, split))
        if long.empty:
            st.info(t("funnel.split_empty", lang, by=t(f"funnel.by_{split}", lang)))
        else:
            long["label"] = [funnel_page.step_label(s, lang) for s in long["step"]]
            title = t(f"funnel.by_{split}", lang)
            charts.show(
                funnel_page.segment_chart(
                    long,
                    step_order=labels,
                    segment_title=title,
                    rate_title=t("funnel.col_step_conversion", lang),
                )
            )
            st.dataframe(
                funnel_page.segment_table(long, lang, segment_title=title),
                hide_index=True,
                placeholder=numbers.NONE,
                width="stretch",
            )
            if left_out:
                st.caption(
                    t("funnel.segments_capped", lang, n=funnel_page.SEGMENT_LIMIT, count=left_out)
                )

# ---------- the event funnel: ordered user actions within a window
else:
    st.caption(t("funnel.events_help", lang))
    steps = funnel_page.step_pickers(names, lang)
    c1, c2 = st.columns(2)
    window = url_state.segmented(
        t("funnel.window", lang),
        funnel_page.WINDOWS,
        key="fn_window",
        default=funnel_page.DEFAULT_WINDOW,
        container=c1,
        format_func=lambda w: t(f"funnel.window_{w}", lang),
    )
    by = url_state.segmented(
        t("funnel.split_by", lang),
        funnel_page.EVENT_SPLITS,
        key="fn_by",
        default="none",
        container=c2,
        format_func=lambda d: t(f"funnel.by_{d}", lang),
    )
    if len(steps) < event_funnel.MIN_STEPS:
        st.info(t("funnel.pick_steps", lang))
        st.stop()

    cmp_rows = funnel_page.event_rows(steps, window, "none", f, compare=True) if f.compare else None
    frame = funnel_page.event_frame(funnel_page.event_rows(steps, window, "none", f), cmp_rows)
    labels = [f"{i + 1}. {s}" for i, s in enumerate(frame["step"])]
    funnel_page.step_cards(frame, labels, lang, compare=bool(f.compare))
    _, left_out = funnel_page.event_filters(f)
    notes = [
        t(
            "funnel.events_caption",
            lang,
            start=f.start.isoformat(),
            end=f.end.isoformat(),
            window=t(f"funnel.window_{window}", lang),
        )
    ]
    if left_out:
        notes.append(
            t(
                "funnel.events_filters_left_out",
                lang,
                names=filters.dim_names(left_out, lang),
            )
        )
    st.caption(" ".join([*notes, compare_note]))

    funnel_page.show_steps(
        frame, labels, lang, compare=bool(f.compare), users_key="funnel.col_event_users"
    )

    st.subheader(t("funnel.time_to_convert", lang))
    times = funnel_page.time_frame(funnel_page.event_times(steps, window, f), lang)
    if times["users"].sum() == 0:
        st.info(t("funnel.no_conversions", lang))
    else:
        charts.show(
            funnel_page.time_chart(
                times,
                bucket_title=t("funnel.time_bucket", lang),
                share_title=t("funnel.time_share", lang),
                users_title=t("funnel.col_event_users", lang),
            )
        )
        st.caption(t("funnel.time_caption", lang, users=int(times["users"].sum())))

    if by != "none":
        st.subheader(t("funnel.split", lang))
        seg, left_out = funnel_page.event_segments(funnel_page.event_rows(steps, window, by, f))
        if seg.empty:
            st.info(t("funnel.split_empty", lang, by=t(f"funnel.by_{by}", lang)))
        else:
            seg["label"] = [labels[i - 1] for i in seg["step_index"]]
            title = t(f"funnel.by_{by}", lang)
            charts.show(
                funnel_page.segment_chart(
                    seg,
                    step_order=labels,
                    segment_title=title,
                    rate_title=t("funnel.col_step_conversion", lang),
                )
            )
            st.dataframe(
                funnel_page.segment_table(seg, lang, segment_title=title),
                hide_index=True,
                placeholder=numbers.NONE,
                width="stretch",
            )
            if left_out:
                st.caption(
                    t("funnel.segments_capped", lang, n=funnel_page.SEGMENT_LIMIT, count=left_out)
                )
