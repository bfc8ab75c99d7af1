"""Global filters (date range, compare period, source, device, province, category,
platform, currency), kept in the link so a copied URL reproduces the view.

Link keys: start, end (YYYY-MM-DD), cmp (prev | yoy | none), src, dev, prov, cat, plat
(repeated for several values: ?src=直通车&src=手淘搜索), cur (one ISO code).  Widget keys:
sb_dates, sb_cmp, sb_src, sb_dev, sb_prov, sb_cat, sb_plat, sb_cur.

Money is never added across currencies: when the order and product rows hold several,
the currency choice appears and every query gets the one chosen ($cur).

The link seeds the widgets once per session (or after a workspace switch); from then
on the widgets are the truth and every run writes them back to the link.  Values
that are not valid, or not in the data, fall back to defaults with a notice.

Pages read the result with `filters.current()`:

    f = filters.current()
    kpis = data.query("overview_kpis_traffic", **f.params())
    if f.compare:
        before = data.query("overview_kpis_traffic", **f.compare_params())
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import streamlit as st

from shopsight import coverage, currency, periods, schema
from shopsight.i18n import joined, t
from shopsight.ingest import platforms
from shopsight.mdtext import plain
from shopsight.ui import query_cache, session

# link key -> canonical column it filters
DIMS: dict[str, str] = {
    "src": "source",
    "dev": "device",
    "prov": "province",
    "cat": "category",
    "plat": "platform",
}
DIM_LABELS = {
    "src": "filters.source",
    "dev": "filters.device",
    "prov": "filters.province",
    "cat": "filters.category",
    "plat": "filters.platform",
}
DATES_KEY = "sb_dates"
CMP_KEY = "sb_cmp"
CUR_KEY = "sb_cur"
_STATE_KEY = "filters"
_SEEDED_FOR = "_filters_seeded_for"
WIDGET_KEYS = {dim: f"sb_{dim}" for dim in DIMS}
# kinds whose dates decide the default range (the ones the analysis pages chart)
RANGE_KINDS = ("traffic", "products", "orders", "regions", "events", "inquiries", "image_tests")


def dim_names(dims, lang: str) -> str:
    """Filters by their names in the user's language, as a list: 来源、终端 / Source, Device."""
    return joined((t(DIM_LABELS[d], lang) for d in dims), lang)


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    cmp: str = periods.DEFAULT_COMPARE
    selected: dict[str, tuple[str, ...]] = field(default_factory=dict)  # dim -> values; empty = all
    currency: str | None = None  # the one currency of money rows; None = only one is loaded

    @property
    def compare(self) -> periods.Range | None:
        return periods.compare_range(self.start, self.end, self.cmp)

    def values(self, dim: str) -> list[str] | None:
        """The selected values of a dimension as a query parameter (None = all)."""
        return list(self.selected.get(dim, ())) or None

    def params(self) -> dict:
        """$start, $end, $src, $dev, $prov, $cat, $plat for queries; also $cmp_start/$cmp_end
        (the compare range, or the current one when not comparing)."""
        cmp_start, cmp_end = self.compare or (self.start, self.end)
        out = {"start": self.start, "end": self.end, "cmp_start": cmp_start, "cmp_end": cmp_end}
        out.update({dim: self.values(dim) for dim in DIMS})
        out["cur"] = self.currency
        return out

    def compare_params(self) -> dict | None:
        """The same filters over the compare range, or None when not comparing."""
        if self.compare is None:
            return None
        return {**self.params(), "start": self.compare[0], "end": self.compare[1]}

    def active(self) -> list[str]:
        return [dim for dim in DIMS if self.selected.get(dim)]

    def not_applicable(self, kind: str) -> list[str]:
        """Active filters a dataset kind has no column for (so they do not apply to it)."""
        cols = schema.KINDS[kind].column_names
        return [dim for dim in self.active() if DIMS[dim] not in cols]


def options() -> dict[str, list[str]]:
    """The values each filter can take in the open workspace."""
    df = query_cache.query("filter_options")
    return {dim: df.loc[df["dim"] == dim, "value"].tolist() for dim in DIMS}


def currencies() -> list[str]:
    """The currencies of the loaded order and product rows, CNY first."""
    return query_cache.query("currencies")["currency"].tolist()


def bounds() -> pd.DataFrame:
    """data.query("date_bounds"): first/last day and rows per dataset kind."""
    return query_cache.query("date_bounds")


def default_range() -> periods.Range:
    """The last full 30 (else 7) days the loaded data covers; a loaded month whole."""
    return coverage.default_range(
        coverage.covered_days(query_cache.query("load_coverage"), RANGE_KINDS)
    )


def _seed_from_link(opts: dict[str, list[str]], codes: list[str], lang: str) -> None:
    """Put the link's filters into the widgets' state; bad values -> defaults + notice."""
    ss, qp = st.session_state, st.query_params
    start, end = qp.get("start"), qp.get("end")
    rng = periods.parse_range(start, end)
    if rng is None:
        if start is not None or end is not None:
            session.notice(t("notice.bad_param", lang, param="start/end", value=f"{start}~{end}"))
        rng = default_range()
    ss[DATES_KEY] = rng
    cmp = qp.get("cmp", periods.DEFAULT_COMPARE)
    if cmp not in periods.COMPARE_MODES:
        session.notice(t("notice.bad_param", lang, param="cmp", value=cmp))
        cmp = periods.DEFAULT_COMPARE
    ss[CMP_KEY] = cmp
    for dim, key in WIDGET_KEYS.items():
        asked = list(dict.fromkeys(qp.get_all(dim)))
        unknown = [v for v in asked if v not in opts[dim]]
        if unknown:
            session.notice(
                t(
                    "notice.unknown_values",
                    lang,
                    name=t(DIM_LABELS[dim], lang),
                    values=joined(unknown, lang),
                )
            )
        ss[key] = [v for v in asked if v in opts[dim]]
    cur = qp.get("cur")
    if cur is not None and cur not in codes:
        session.notice(
            t("notice.unknown_values", lang, name=t("filters.currency", lang), values=cur)
        )
    ss[CUR_KEY] = cur if cur in codes else currency.shown(codes)


def _write_link(f: Filters) -> None:
    qp = st.query_params
    want: dict[str, list[str]] = {
        "start": [f.start.isoformat()],
        "end": [f.end.isoformat()],
        "cmp": [f.cmp],
        **{dim: list(f.selected.get(dim, ())) for dim in DIMS},
        "cur": [f.currency] if f.currency else [],
    }
    for key, values in want.items():
        if qp.get_all(key) == values:
            continue
        if values:
            qp[key] = values if len(values) > 1 else values[0]
        elif key in qp:
            del qp[key]


def reset() -> None:
    """Forget the filters (e.g. after a load changed the data's dates): the next run
    starts from the defaults, not from the link."""
    for key in ("start", "end", *DIMS, "cur"):
        if key in st.query_params:
            del st.query_params[key]
    st.session_state.pop(_SEEDED_FOR, None)


def render(lang: str, container=None) -> Filters:
    """Draw the filter widgets (in the sidebar) and return the filters in force.

    A dimension's widget is shown only when some dataset has values for it.
    """
    box = container or st.sidebar
    ss = st.session_state
    opts = options()
    codes = currencies()
    ws_dir = session.workspace_dir()
    if ss.get(_SEEDED_FOR) != ws_dir:
        _seed_from_link(opts, codes, lang)
        ss[_SEEDED_FOR] = ws_dir

    box.date_input(
        t("filters.dates", lang),
        key=DATES_KEY,
        format="YYYY-MM-DD",
        min_value=date(2000, 1, 1),
        max_value=date(2100, 12, 31),
    )
    picked = ss[DATES_KEY]
    if isinstance(picked, (tuple, list)) and len(picked) == 2:
        start, end = picked
    else:  # the second day is not picked yet: keep the range in force
        last = ss.get(_STATE_KEY)
        start, end = (last.start, last.end) if last else default_range()
    box.selectbox(
        t("filters.compare", lang),
        periods.COMPARE_MODES,
        key=CMP_KEY,
        format_func=lambda m: t(f"cmp.{m}", lang),
    )
    f_cmp = ss[CMP_KEY]
    compare = periods.compare_range(start, end, f_cmp)
    if compare:
        box.caption(
            t(
                "filters.compare_range",
                lang,
                start=compare[0].isoformat(),
                end=compare[1].isoformat(),
            )
        )

    selected: dict[str, tuple[str, ...]] = {}
    for dim, key in WIDGET_KEYS.items():
        kept = [v for v in ss.get(key, []) if v in opts[dim]]
        if kept != ss.get(key):
            ss[key] = kept
        if opts[dim]:
            box.multiselect(
                t(DIM_LABELS[dim], lang),
                opts[dim],
                key=key,
                placeholder=t("filters.all", lang),
                format_func=(lambda p: platforms.label(p, lang)) if dim == "plat" else str,
            )
        selected[dim] = tuple(ss.get(key, []))

    f_cur = _currency_choice(box, codes, lang)
    f = Filters(start, end, f_cmp, {d: v for d, v in selected.items() if v}, f_cur)
    ss[_STATE_KEY] = f
    _write_link(f)
    return f


def without_thin_compare(f: Filters, kind: str, lang: str) -> Filters:
    """对比期数据不全 (the Overview's rule, for any page): when `kind` covers the compare
    period markedly less than the current one, say which days (or platforms) are missing
    and return the filters without the comparison, so no change percentage is shown."""
    if f.compare is None:
        return f
    cov = coverage.compare_coverage(
        query_cache.query("load_coverage"), kind, (f.start, f.end), f.compare
    )
    if cov.complete:
        return f
    warn_thin_compare(cov, kind, f.compare, lang)
    return dataclasses.replace(f, cmp="none")


def warn_thin_compare(cov: coverage.CompareCoverage, kind: str, compare: tuple, lang: str) -> None:
    """The 对比期数据不全 warnings: the compare period's missing days, or platforms."""
    label = t(f"kind.{kind}", lang)
    if cov.missing:
        st.warning(
            t(
                "overview.compare_incomplete_days",
                lang,
                start=compare[0].isoformat(),
                end=compare[1].isoformat(),
                count=len(cov.missing),
                kind=label,
                days=plain(coverage.runs_text(cov.missing)),
            ),
            icon=":material/event_busy:",
        )
    # missing days leave their platforms out too: one warning says it
    if cov.missing_platforms and not cov.missing:
        st.warning(
            t(
                "overview.compare_incomplete_platforms",
                lang,
                kind=label,
                platforms=joined(
                    (plain(platforms.label(p, lang)) for p in cov.missing_platforms), lang
                ),
            ),
            icon=":material/event_busy:",
        )


def _currency_choice(box, codes: list[str], lang: str) -> str | None:
    """One currency at a time when the money rows hold several (amounts of different
    currencies are never added); the others are named so nothing is left out silently."""
    ss = st.session_state
    if len(codes) <= 1:
        ss.pop(CUR_KEY, None)
        return None
    if ss.get(CUR_KEY) not in codes:
        ss[CUR_KEY] = currency.shown(codes)
    box.selectbox(t("filters.currency", lang), codes, key=CUR_KEY)
    cur = ss[CUR_KEY]
    box.caption(
        t(
            "filters.currency_others",
            lang,
            cur=cur,
            codes=joined((c for c in codes if c != cur), lang),
        )
    )
    return cur


def current() -> Filters:
    """The filters set by the sidebar in this run (defaults if the sidebar has not run)."""
    f = st.session_state.get(_STATE_KEY)
    if f is None:
        start, end = default_range()
        f = Filters(start, end)
    return f
