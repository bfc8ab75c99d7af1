"""The weekly / monthly report (周报 / 月报): one period against the one before it.

Sections, each only when its data has rows in the period: headline KPIs, funnel, traffic
sources, top and bottom products (热销 / 滞销), regions, main-image tests with their
verdicts, 1688 inquiries.  Each opens with 2-4 sentences made from the numbers by fixed
rules (no language model).

Every figure comes from the queries and functions the pages use: `run(name, **params)`
runs a named query (ui.data.query on the Report page, queries.run on a connection in the
CLI); KPIs through shopsight.kpis.select, the funnel through funnel.shop_sums/steps_frame,
sources through sources.table/insights, products through products.prepare/ranked/hot/slow,
regions through regions.region_table, image tests through abtest.analyze/verdict and
verdict.explain, inquiries through inquiries.load.  Export: shopsight.report_files.

Periods: a week is 7 days, a month is the month-long span ending on `end` (a calendar
month when `end` is a month's last day); the previous period is the one of the same kind
just before.  The default `end` is the last complete Monday-Sunday week or calendar month
the data covers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from shopsight import (
    abtest_sentences,
    abtest_stats,
    currency,
    event_funnel,
    inquiry_analysis,
    kpis,
    metrics,
    numbers,
    region_metrics,
    sku_ranking,
    traffic_sources,
)
from shopsight.i18n import joined, t

Run = Callable[..., pd.DataFrame]

PERIODS = ("week", "month")
SECTIONS = ("kpis", "funnel", "sources", "products", "regions", "image_tests", "inquiries")
TOP_N = 10  # rows of the ranked tables (products, sources, regions)
SENTENCES_MAX = 4
NAME_COLUMN = "创意名称"  # image_tests column that names a creative (abtest_variant_names)
# column format ids of a report table: how the exports write and format each cell
# (change: a signed relative change; points: a signed 0..1 rate difference; row: the value
# cells of a metric table, each formatted by its row's metric, given in the `_fmt` column;
# row_change: its change cells, "change" or "points" as the `_change_fmt` column says).
# Columns whose title starts with "_" carry these and are not shown.
FORMATS = (
    "text",
    "int",
    "money",
    "pct",
    "change",
    "ratio",
    "points",
    "date",
    "row",
    "row_change",
)
ROW_FORMATS = {"row": "_fmt", "row_change": "_change_fmt"}


# ------------------------------------------------------------------------------ periods


@dataclass(frozen=True)
class Period:
    kind: str  # "week" | "month"
    start: date
    end: date
    cmp_start: date
    cmp_end: date
    currency: str | None = None  # the one currency money counts in; None = only one loaded

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_before(d: date) -> date:
    """The same day one month earlier (the month's last day when it has no such day)."""
    year, month = (d.year, d.month - 1) if d.month > 1 else (d.year - 1, 12)
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(d.day, last))


def span(kind: str, end: date) -> tuple[date, date]:
    """The period of `kind` that ends on `end`."""
    if kind == "week":
        return end - timedelta(days=6), end
    if kind == "month":
        nxt = end + timedelta(days=1)
        if nxt.day == 1:  # a calendar month
            return _month_before(nxt), end
        return _month_before(end) + timedelta(days=1), end
    raise ValueError(f"period must be one of {PERIODS}, not {kind!r}")


def period(kind: str, end: date) -> Period:
    start, end = span(kind, end)
    cmp_start, cmp_end = span(kind, start - timedelta(days=1))
    return Period(kind, start, end, cmp_start, cmp_end)


def default_end(kind: str, last_day: date | None, today: date | None = None) -> date:
    """The end of the last complete week (Monday-Sunday) or calendar month up to the data's
    last day (today when there is no data)."""
    last = last_day or today or date.today()
    if kind == "week":
        return last - timedelta(days=(last.weekday() + 1) % 7)  # Sunday on or before
    if kind == "month":
        if (last + timedelta(days=1)).day == 1:
            return last
        return last.replace(day=1) - timedelta(days=1)
    raise ValueError(f"period must be one of {PERIODS}, not {kind!r}")


def last_day(bounds: pd.DataFrame) -> date | None:
    """The last day any dataset covers (queries/date_bounds.sql rows)."""
    b = bounds[bounds["count_rows"] > 0]
    return None if b.empty else pd.Timestamp(b["last_day"].max()).date()


def params(p: Period) -> tuple[dict, dict]:
    """Query params for the period and for the previous one: the whole shop, no filter
    (money in the period's one currency)."""
    none = {"src": None, "dev": None, "prov": None, "cat": None, "plat": None, "cur": p.currency}
    now = {"start": p.start, "end": p.end, "cmp_start": p.cmp_start, "cmp_end": p.cmp_end, **none}
    before = {**now, "start": p.cmp_start, "end": p.cmp_end}
    return now, before


# ------------------------------------------------------------------------------ content


@dataclass
class Table:
    key: str  # i18n key rep.table_<key> gives its caption
    frame: pd.DataFrame  # columns are the titles shown, in order
    formats: dict[str, str]  # column title -> one of FORMATS


@dataclass
class Chart:
    title: str
    labels: list[str]
    values: list[float | None]
    fmt: str  # "int" | "money" | "pct"
    kind: str = "bars"  # "bars" (horizontal, ranked) | "columns" (a series over days)


@dataclass
class Section:
    key: str  # one of SECTIONS
    title: str
    sentences: list[str]
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    figures: dict[str, float | None] = field(default_factory=dict)  # headline values


@dataclass
class Report:
    period: Period
    lang: str
    title: str
    subtitle: str
    sections: list[Section]

    @property
    def empty(self) -> bool:
        return not self.sections

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


def _num(v: object) -> float | None:
    return None if numbers.is_missing(v) else float(v)  # type: ignore[arg-type]


def _change(now: object, before: object) -> float | None:
    return numbers.change(_num(now), _num(before))


def _signed(change: float | None) -> str:
    return numbers.NONE if change is None else numbers.fmt_signed(change, 1, "%")


def _change_words(name: str, now: object, before: object) -> str:
    """A metric's change as its row of the metric table shows it (metrics.change_format):
    a rate's in points (2.94% -> 3.10%: +0.16 pt), anything else relative."""
    change = metrics.change(name, _num(now), _num(before))
    if change is None or metrics.change_format(name) != "points":
        return _signed(change)
    return numbers.fmt_signed(change, 2, " pt")


def _prev_word(p: Period, lang: str) -> str:
    return t(f"rep.prev_{p.kind}", lang)


def _metric_table(names: Sequence[str], now: Mapping, before: Mapping, lang: str) -> Table:
    """metric, this period, previous period, change: one row per metric; a rate's change in
    points, as the sentences say it (metrics.change)."""
    col = {k: t(f"rep.col_{k}", lang) for k in ("metric", "current", "previous", "change")}
    rows = []
    for n in names:
        rows.append(
            {
                col["metric"]: metrics.label(n, lang),
                col["current"]: _num(now.get(n)),
                col["previous"]: _num(before.get(n)),
                col["change"]: metrics.change(n, _num(now.get(n)), _num(before.get(n))),
                "_fmt": metrics.get(n).fmt,
                "_change_fmt": metrics.change_format(n),
            }
        )
    frame = pd.DataFrame(rows)
    formats = {
        col["metric"]: "text",
        col["current"]: "row",
        col["previous"]: "row",
        col["change"]: "row_change",
    }
    return Table("kpis", frame, formats)


# ------------------------------------------------------------------------------ sections


def kpi_section(run: Run, p: Period, loaded: set[str], lang: str) -> Section | None:
    now_p, before_p = params(p)
    k = kpis.select(run, now_p, before_p, loaded)
    if k.kind is None:
        return None
    names = k.names()
    now, before = k.values(), k.values("compare")
    said = []
    paid, paid_chg = (
        now.get("paid_amount"),
        _change(now.get("paid_amount"), before.get("paid_amount")),
    )
    driver = ""
    if "traffic" in loaded:
        tbl = _sources_table(run, now_p)
        if not tbl.empty and paid_chg is not None:
            delta = pd.to_numeric(tbl["paid_amount"]) - pd.to_numeric(tbl["cmp_paid_amount"])
            delta = delta.astype("float64")
            if delta.notna().any():
                i = delta.abs().idxmax()
                driver = t(
                    "rep.say_driver",
                    lang,
                    source=str(tbl.at[i, "source"]),
                    delta=numbers.fmt_money_change(delta[i], lang),
                )
    if paid is not None:
        said.append(
            t(
                "rep.say_paid",
                lang,
                amount=metrics.fmt("paid_amount", paid, lang),
                period=_prev_word(p, lang),
                change=_signed(paid_chg),
                driver=driver,
            )
        )
    for n in ("visitors", "conversion", "aov", "refund_rate"):
        if n in names and now.get(n) is not None and len(said) < SENTENCES_MAX - 1:
            said.append(
                t(
                    "rep.say_metric",
                    lang,
                    metric=metrics.label(n, lang),
                    value=metrics.fmt(n, now[n], lang),
                    change=_change_words(n, now[n], before.get(n)),
                )
            )
    said.append(t("rep.say_source", lang, kind=t(f"kind.{k.kind}", lang)))
    charts = []
    daily = run(kpis.DAILY_QUERIES[k.kind], **now_p)
    if not daily.empty and "paid_amount" in daily:
        charts.append(
            Chart(
                metrics.label("paid_amount", lang),
                [pd.Timestamp(d).strftime("%m-%d") for d in daily["day"]],
                [_num(v) for v in daily["paid_amount"]],
                "money",
                "columns",
            )
        )
    return Section(
        "kpis",
        t("rep.sec_kpis", lang),
        said[:SENTENCES_MAX],
        [_metric_table(names, now, before, lang)],
        charts,
        {n: now.get(n) for n in names} | {f"cmp_{n}": before.get(n) for n in names},
    )


def funnel_section(run: Run, p: Period, lang: str) -> Section | None:
    now_p, _ = params(p)
    kind, sums = event_funnel.shop_sums(run, now_p)
    if kind is None:
        return None
    frame = event_funnel.steps_frame(sums, sums)
    if len(frame) < 2:
        return None
    said = []
    first, last = frame.iloc[0], frame.iloc[-1]

    def step(column: str) -> str:
        return t(event_funnel.STEPS[column], lang)

    overall = _num(last["conversion_from_first"])
    cmp_overall = _num(last["cmp_conversion_from_first"])
    said.append(
        t(
            "rep.say_funnel",
            lang,
            first=step(first["step"]),
            last=step(last["step"]),
            rate=numbers.fmt_pct(overall, lang),
            points=numbers.NONE
            if overall is None or cmp_overall is None
            else numbers.fmt_signed(overall - cmp_overall, 2, " pt"),
            period=_prev_word(p, lang),
        )
    )
    steps = frame.iloc[1:]
    rates = pd.to_numeric(steps["conversion_from_previous"], errors="coerce")
    if rates.notna().any():
        worst = steps.loc[rates.idxmin()]
        prev_step = frame.iloc[frame.index.get_loc(worst.name) - 1]["step"]
        said.append(
            t(
                "rep.say_funnel_drop",
                lang,
                step_from=step(prev_step),
                step_to=step(worst["step"]),
                rate=numbers.fmt_pct(worst["conversion_from_previous"], lang),
            )
        )
    said.append(t("rep.say_source", lang, kind=t(f"kind.{kind}", lang)))
    col = {
        k: t(f"rep.col_{k}", lang)
        for k in ("step", "users", "from_previous", "from_first", "cmp_users", "points")
    }
    shown = pd.DataFrame(
        {
            col["step"]: [step(s) for s in frame["step"]],
            col["users"]: frame["users"],
            col["from_previous"]: frame["conversion_from_previous"],
            col["from_first"]: frame["conversion_from_first"],
            col["cmp_users"]: frame["cmp_users"],
            col["points"]: frame["change_points"],
        }
    )
    formats = {
        col["step"]: "text",
        col["users"]: "int",
        col["from_previous"]: "pct",
        col["from_first"]: "pct",
        col["cmp_users"]: "int",
        col["points"]: "points",
    }
    chart = Chart(
        t("rep.col_users", lang), list(shown[col["step"]]), [_num(v) for v in frame["users"]], "int"
    )
    figures = {f"users_{s}": _num(u) for s, u in zip(frame["step"], frame["users"], strict=True)}
    figures["conversion_from_first"] = overall
    return Section(
        "funnel",
        t("rep.sec_funnel", lang),
        said[:SENTENCES_MAX],
        [Table("funnel", shown, formats)],
        [chart],
        figures,
    )


def _sources_table(run: Run, now_p: Mapping) -> pd.DataFrame:
    r = run("sources_by_source", **now_p)
    return traffic_sources.table(r[r["count_rows"] > 0].reset_index(drop=True))


def sources_section(run: Run, p: Period, lang: str) -> Section | None:
    now_p, _ = params(p)
    tbl = _sources_table(run, now_p)
    if tbl.empty or not pd.to_numeric(tbl["visitors"]).fillna(0).sum():
        return None
    said = traffic_sources.insights(tbl, lang, has_compare=True, limit=SENTENCES_MAX)
    if len(said) < 2:
        top = tbl.sort_values("paid_amount", ascending=False, kind="stable").iloc[0]
        said.append(
            t(
                "rep.say_top_source",
                lang,
                source=str(top["source"]),
                share=numbers.fmt_pct(top["amount_share"], lang),
            )
        )
    ranked = tbl.sort_values(
        ["paid_amount", "source"], ascending=[False, True], na_position="last", kind="stable"
    ).head(TOP_N)
    col = {k: t(f"rep.col_{k}", lang) for k in ("source", "change")}
    shown = pd.DataFrame(
        {
            col["source"]: ranked["source"].astype(str),
            metrics.label("visitors", lang): ranked["visitors"],
            metrics.label("paying_buyers", lang): ranked["paying_buyers"],
            metrics.label("conversion", lang): ranked["conversion"],
            metrics.label("paid_amount", lang): ranked["paid_amount"],
            t("rep.col_share", lang): ranked["amount_share"],
            col["change"]: ranked["paid_amount_change"],
        }
    )
    formats = {
        col["source"]: "text",
        metrics.label("visitors", lang): "int",
        metrics.label("paying_buyers", lang): "int",
        metrics.label("conversion", lang): "pct",
        metrics.label("paid_amount", lang): "money",
        t("rep.col_share", lang): "pct",
        col["change"]: "change",
    }
    chart = Chart(
        metrics.label("paid_amount", lang),
        list(shown[col["source"]]),
        [_num(v) for v in ranked["paid_amount"]],
        "money",
    )
    figures = {f"paid_{s}": _num(v) for s, v in zip(tbl["source"], tbl["paid_amount"], strict=True)}
    return Section(
        "sources",
        t("rep.sec_sources", lang),
        said[:SENTENCES_MAX],
        [Table("sources", shown, formats)],
        [chart],
        figures,
    )


def _product_origin(run: Run) -> str | None:
    df = run("products_sources")
    have = set(df.loc[df["count_rows"] > 0, "origin"])
    return next((o for o in sku_ranking.ORIGINS if o in have), None)


def product_rows(run: Run, origin: str, now_p: Mapping) -> pd.DataFrame:
    """The Products page's ranking rows (product level, its default 滞销 window)."""
    name = "products_ranking" if origin == "products" else "products_ranking_orders"
    return sku_ranking.prepare(
        run(
            name,
            **now_p,
            level="product",
            slow_days=sku_ranking.SLOW_DAYS,
            cover_days=sku_ranking.COVER_DAYS,
        )
    )


def products_section(run: Run, p: Period, lang: str) -> Section | None:
    origin = _product_origin(run)
    if origin is None:
        return None
    now_p, _ = params(p)
    rows = product_rows(run, origin, now_p)
    in_range = sku_ranking.in_range(rows)
    total = pd.to_numeric(in_range["paid_amount"], errors="coerce").sum() if len(in_range) else 0
    if in_range.empty or not total:
        return None
    top = sku_ranking.ranked(rows, "paid_amount").head(TOP_N)
    slow = sku_ranking.slow(rows, origin, sku_ranking.SLOW_UNITS)
    classes = sku_ranking.abc(rows)
    said = []
    first = top.iloc[0]
    said.append(
        t(
            "rep.say_top_product",
            lang,
            name=str(first["label"]),
            amount=metrics.fmt("paid_amount", first["paid_amount"], lang),
            share=numbers.fmt_pct(metrics.ratio(first["paid_amount"], total), lang),
        )
    )
    summary = {s.cls: s for s in sku_ranking.abc_summary(classes)}
    if "A" in summary:
        said.append(
            t(
                "rep.say_abc",
                lang,
                n=summary["A"].count_items,
                share=numbers.fmt_pct(summary["A"].share, lang),
            )
        )
    said.append(
        t("rep.say_slow", lang, count=len(slow), days=sku_ranking.SLOW_DAYS)
        if len(slow)
        else t("rep.say_no_slow", lang, days=sku_ranking.SLOW_DAYS)
    )
    item, amount = t("rep.col_product", lang), metrics.label("paid_amount", lang)
    units = metrics.label("units_sold", lang)
    shown_top = pd.DataFrame(
        {item: top["label"].astype(str), amount: top["paid_amount"], units: top["units_sold"]}
    )
    slow_units = t("rep.col_units_slow", lang, days=sku_ranking.SLOW_DAYS)
    shown_slow = pd.DataFrame(
        {
            item: slow["label"].astype(str).head(TOP_N),
            slow_units: slow["units_slow"].head(TOP_N),
            amount: slow["paid_amount"].head(TOP_N),
        }
    )
    chart = Chart(amount, list(shown_top[item]), [_num(v) for v in top["paid_amount"]], "money")
    figures = {
        f"paid_{k}": _num(v) for k, v in zip(top["product_id"], top["paid_amount"], strict=True)
    }
    figures["count_slow"] = float(len(slow))
    return Section(
        "products",
        t("rep.sec_products", lang),
        said[:SENTENCES_MAX],
        [Table("top_products", shown_top, {item: "text", amount: "money", units: "int"})]
        + (
            [Table("slow_products", shown_slow, {item: "text", slow_units: "int", amount: "money"})]
            if len(slow)
            else []
        ),
        [chart],
        figures,
    )


def regions_section(run: Run, p: Period, lang: str) -> Section | None:
    df = run("regions_sources")
    have = set(df.loc[df["count_named_rows"] > 0, "origin"])
    origin = next((o for o in ("orders", "regions") if o in have), None)
    if origin is None:
        return None
    now_p, before_p = params(p)
    rt = region_metrics.region_table(run, origin, now_p, before_p)
    total = region_metrics.totals(rt.rows).get("paid_amount") or 0
    if rt.rows.empty or not total:
        return None
    ranked = region_metrics.ranked(rt.rows, "paid_amount")
    named = ranked[ranked["status"] != region_metrics.UNKNOWN].head(TOP_N)
    said = []
    share = region_metrics.top_share(rt.rows, "paid_amount")
    if share:
        said.append(
            t("rep.say_top_regions", lang, n=share[0], share=numbers.fmt_pct(share[1], lang))
        )
    if not named.empty:
        first = named.iloc[0]
        said.append(
            t(
                "rep.say_first_region",
                lang,
                name=str(first["name"]),
                amount=metrics.fmt("paid_amount", first["paid_amount"], lang),
                change=_signed(_num(first["change_paid_amount"])),
                period=_prev_word(p, lang),
            )
        )
    said.append(t("rep.say_source", lang, kind=t(f"kind.{origin}", lang)))
    name, amount = t("rep.col_province", lang), metrics.label("paid_amount", lang)
    share_col, change = t("rep.col_share", lang), t("rep.col_change", lang)
    shown = pd.DataFrame(
        {
            name: named["name"].astype(str),
            amount: named["paid_amount"],
            share_col: named[region_metrics.SHARE],
            change: named["change_paid_amount"],
        }
    )
    chart = Chart(amount, list(shown[name]), [_num(v) for v in named["paid_amount"]], "money")
    figures = {
        f"paid_{n}": _num(v) for n, v in zip(named["name"], named["paid_amount"], strict=True)
    }
    figures["paid_amount"] = total
    return Section(
        "regions",
        t("rep.sec_regions", lang),
        said[:SENTENCES_MAX],
        [
            Table(
                "regions",
                shown,
                {name: "text", amount: "money", share_col: "pct", change: "change"},
            )
        ],
        [chart],
        figures,
    )


def image_tests_section(
    run: Run, p: Period, lang: str, columns: Mapping[str, Sequence[str]]
) -> Section | None:
    listed = run("abtest_tests", start_date=p.start, end_date=p.end)
    if listed.empty:
        return None
    said, rows, figures = [], [], {}
    col = {
        k: t(f"rep.col_{k}", lang)
        for k in ("test", "control", "variant", "ctr", "lift", "p_value", "verdict", "days")
    }
    for test in listed["test_id"].astype(str):
        totals = run("abtest_variants", test_id=test, start_date=p.start, end_date=p.end)
        daily = run("abtest_daily", test_id=test, start_date=p.start, end_date=p.end)
        names = {}
        if NAME_COLUMN in columns.get("image_tests", ()):
            df = run("abtest_variant_names", test_id=test)
            names = dict(zip(df["variant"], df["variant_name"], strict=True))
        result = abtest_stats.analyze(totals)
        # the A/B page's default verdict: the sequential one, valid however often a test is
        # looked at (a weekly report is such a look)
        v = abtest_stats.sequential_verdict(abtest_stats.sequential(daily, control=result.control))
        headline = abtest_sentences.explain_sequential(v, lang, names=names or None).headline
        said.append(t("rep.say_test", lang, test=test, headline=headline))
        shown_variant = v.get("variant")
        lift = v.get("lift_rel")
        row_v = result.variants.set_index("variant")
        ctr = (
            row_v.at[shown_variant, "ctr"]
            if shown_variant is not None and shown_variant in row_v.index
            else None
        )
        rows.append(
            {
                col["test"]: test,
                col["days"]: result.days,
                col["control"]: names.get(result.control, result.control),
                col["variant"]: (
                    names.get(shown_variant, shown_variant)
                    if shown_variant is not None
                    else numbers.NONE
                ),
                col["ctr"]: _num(ctr),
                col["lift"]: _num(lift),
                col["p_value"]: numbers.fmt_p(v.get("p_value")),  # '<0.0001', never 0.00
                col["verdict"]: _verdict_label(v["status"], lang),
            }
        )
        figures[f"lift_{test}"] = _num(lift)
        figures[f"status_{test}"] = v["status"]
    winners = sum(1 for k, v in figures.items() if k.startswith("status_") and v == "winner")
    said.insert(0, t("rep.say_tests", lang, count=len(rows), winners=winners))
    frame = pd.DataFrame(rows)
    formats = {
        col["test"]: "text",
        col["days"]: "int",
        col["control"]: "text",
        col["variant"]: "text",
        col["ctr"]: "pct",
        col["lift"]: "change",
        col["p_value"]: "text",
        col["verdict"]: "text",
    }
    if len(said) > SENTENCES_MAX:
        said = said[: SENTENCES_MAX - 1] + [
            t("rep.say_more_tests", lang, count=len(said) - SENTENCES_MAX + 1)
        ]
    return Section(
        "image_tests",
        t("rep.sec_image_tests", lang),
        said,
        [Table("image_tests", frame, formats)],
        [],
        figures,
    )


VERDICTS = ("winner", "loser", "no_difference", "continue", "not_enough_data")


def _verdict_label(status: str, lang: str) -> str:
    """The verdict in a word; a status the engine may add later shows as its id."""
    return t(f"rep.verdict_{status}", lang) if status in VERDICTS else status


def inquiries_section(run: Run, p: Period, lang: str) -> Section | None:
    now_p, before_p = params(p)
    q = inquiry_analysis.load(run, now_p, before_p)
    if q.empty:
        return None
    said = inquiry_analysis.sentences(q, lang, period_word=_prev_word(p, lang))
    tables = []
    for dim in ("channel", "customer_type", "province"):
        rows = q.by(dim)
        title = t(f"inq.col_{dim}", lang)
        frame = pd.DataFrame(
            {
                title: [inquiry_analysis.value_label(v, lang) for v in rows["value"]],
                metrics.label("inquiries", lang): rows["count_inquiries"],
                metrics.label("closed_inquiries", lang): rows["count_closed"],
                metrics.label("close_rate", lang): rows["close_rate"],
                metrics.label("deal_amount", lang): rows["amount"],
            }
        )
        tables.append(
            Table(
                f"inq_{dim}",
                frame,
                {
                    title: "text",
                    metrics.label("inquiries", lang): "int",
                    metrics.label("closed_inquiries", lang): "int",
                    metrics.label("close_rate", lang): "pct",
                    metrics.label("deal_amount", lang): "money",
                },
            )
        )
    if not q.reasons.empty:
        reason, count = t("inq.col_reason", lang), metrics.label("inquiries", lang)
        share, cum = t("rep.col_share", lang), t("inq.cum_share", lang)
        tables.append(
            Table(
                "inq_reasons",
                pd.DataFrame(
                    {
                        reason: [
                            inquiry_analysis.value_label(r, lang) for r in q.reasons["reason"]
                        ],
                        count: q.reasons["count_inquiries"],
                        share: q.reasons["share"],
                        cum: q.reasons["cum_share"],
                    }
                ),
                {reason: "text", count: "int", share: "pct", cum: "pct"},
            )
        )
    if not q.open.empty:
        shown = q.open.head(TOP_N * 2)
        cols = {
            c: t(f"inq.open_{c}", lang)
            for c in ("date", "age_days", "customer_id", "channel", "follow_up")
        }
        tables.append(
            Table(
                "inq_open",
                pd.DataFrame(
                    {
                        cols["date"]: [pd.Timestamp(d).date() for d in shown["date"]],
                        cols["age_days"]: shown["age_days"],
                        cols["customer_id"]: shown["customer_id"].astype(str),
                        cols["channel"]: [
                            inquiry_analysis.value_label(v, lang) for v in shown["channel"]
                        ],
                        cols["follow_up"]: [
                            inquiry_analysis.value_label(v, lang) for v in shown["follow_up"]
                        ],
                    }
                ),
                {
                    cols["date"]: "date",
                    cols["age_days"]: "int",
                    cols["customer_id"]: "text",
                    cols["channel"]: "text",
                    cols["follow_up"]: "text",
                },
            )
        )
    channels = q.by("channel")
    chart = Chart(
        metrics.label("close_rate", lang),
        [inquiry_analysis.value_label(v, lang) for v in channels["value"]],
        [_num(v) for v in channels["close_rate"]],
        "pct",
    )
    figures = {**q.values(), "count_open": float(len(q.open))}
    return Section("inquiries", t("rep.sec_inquiries", lang), said, tables, [chart], figures)


# ------------------------------------------------------------------------------ the report


def build(run: Run, p: Period, lang: str, datasets: Sequence[Mapping]) -> Report:
    """The report for period `p`. `datasets` is workspace.datasets() (kind, rows, columns):
    which kinds are loaded and which extra columns they kept."""
    loaded = {d["kind"] for d in datasets if d.get("rows")}
    columns = {d["kind"]: list(d.get("columns") or ()) for d in datasets}
    # several currencies: the pages' rule, one currency (CNY when loaded), the others named
    codes = run("currencies")["currency"].tolist()
    p = dataclasses.replace(p, currency=currency.shown(codes))
    makers = {
        "kpis": lambda: kpi_section(run, p, loaded, lang),
        "funnel": lambda: funnel_section(run, p, lang),
        "sources": lambda: sources_section(run, p, lang) if "traffic" in loaded else None,
        "products": lambda: products_section(run, p, lang),
        "regions": lambda: regions_section(run, p, lang),
        "image_tests": lambda: (
            image_tests_section(run, p, lang, columns) if "image_tests" in loaded else None
        ),
        "inquiries": lambda: inquiries_section(run, p, lang) if "inquiries" in loaded else None,
    }
    sections = [s for s in (makers[k]() for k in SECTIONS) if s is not None]
    title = t(f"rep.title_{p.kind}", lang)
    subtitle = t(
        "rep.subtitle",
        lang,
        start=p.start.isoformat(),
        end=p.end.isoformat(),
        cmp_start=p.cmp_start.isoformat(),
        cmp_end=p.cmp_end.isoformat(),
    )
    if p.currency is not None:
        subtitle += " " + t(
            "rep.currency_only",
            lang,
            cur=p.currency,
            codes=joined((c for c in codes if c != p.currency), lang),
        )
    return Report(p, lang, title, subtitle, sections)
