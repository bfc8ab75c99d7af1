"""The 1688 inquiries (询盘) numbers: totals, close rate by channel / customer type / province,
reasons not closed as a Pareto, open inquiries with their age, new vs returning customers.

One loader, `load(run, params, compare_params)`, answers the Inquiries page and the report's
inquiries section alike: `run(name, **params)` runs a named query (ui.data.query on a page,
queries.run on a connection in the CLI), so both show the same figures.

Close rate (成交率) = closed / inquiries, summed counts over summed counts (metrics.py);
every rate is shown with its count so a group of three is not read like one of three hundred.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from shopsight import metrics, numbers
from shopsight.geo.names import normalize_province
from shopsight.i18n import t

Run = Callable[..., pd.DataFrame]

DIMS = ("channel", "customer_type", "province")
# Follow-up notes that mean the customer is gone: such inquiries need no more follow-up.
LOST_FOLLOW_UPS = ("已流失", "流失", "已放弃", "放弃", "无意向", "lost")
# A close rate over fewer inquiries than this is marked as a small group.
SMALL_GROUP = 10
KPI_NAMES = ("inquiries", "closed_inquiries", "close_rate", "deal_amount")
# The only filter the inquiries table has a column for (src / dev / cat do not apply).
FILTER_DIMS = ("prov",)


@dataclass
class Inquiries:
    sums: pd.Series  # inquiries_kpis
    compare_sums: pd.Series | None
    daily: pd.DataFrame  # inquiries_daily (day × channel)
    groups: pd.DataFrame  # inquiries_groups, with close_rate
    compare_groups: pd.DataFrame | None
    reasons: pd.DataFrame  # pareto(inquiries_reasons)
    open: pd.DataFrame  # inquiries_open, oldest first
    customers: pd.DataFrame  # inquiries_customers (weekly new / returning)
    as_of: date

    @property
    def empty(self) -> bool:
        return not int(self.sums.get("count_inquiries") or 0)

    def values(self, which: str = "current") -> dict[str, float | None]:
        sums = self.sums if which == "current" else self.compare_sums
        return kpi_values(sums)

    def by(self, dim: str, which: str = "current") -> pd.DataFrame:
        groups = self.groups if which == "current" else self.compare_groups
        return rates(groups, dim) if groups is not None else rates(self.groups.iloc[0:0], dim)


def kpi_values(sums: pd.Series | Mapping | None) -> dict[str, float | None]:
    """inquiries, closed_inquiries, close_rate, deal_amount and customers from one sums row."""
    if sums is None:
        return {}
    out = {n: metrics.value(n, sums) for n in KPI_NAMES}
    if not int(sums.get("count_amount_rows") or 0):
        out["deal_amount"] = None  # no closed inquiry carries an amount: unknown, not 0
    out["customers"] = (
        None
        if numbers.is_missing(sums.get("count_customers"))
        else float(sums.get("count_customers"))
    )
    return out


def query_params(params: Mapping, as_of: date) -> dict:
    """A page's filter params plus what inquiries_open needs."""
    return {**params, "as_of": as_of, "lost": list(LOST_FOLLOW_UPS)}


def load(run: Run, params: Mapping, compare_params: Mapping | None = None) -> Inquiries:
    """Every figure of the inquiries page / report section for one range (and its compare)."""
    as_of = params["end"]
    p = query_params(params, as_of)
    groups = with_rates(run("inquiries_groups", **p))
    compare_sums = compare_groups = None
    if compare_params is not None:
        compare_sums = run("inquiries_kpis", **compare_params).iloc[0]
        compare_groups = with_rates(run("inquiries_groups", **compare_params))
    return Inquiries(
        sums=run("inquiries_kpis", **p).iloc[0],
        compare_sums=compare_sums,
        daily=run("inquiries_daily", **p),
        groups=groups,
        compare_groups=compare_groups,
        reasons=pareto(run("inquiries_reasons", **p)),
        open=run("inquiries_open", **p),
        customers=run("inquiries_customers", **p),
        as_of=as_of,
    )


def with_rates(groups: pd.DataFrame) -> pd.DataFrame:
    """The groups with close_rate (metrics.compute) and is_small (fewer than SMALL_GROUP)."""
    out = metrics.compute(groups, ["close_rate"])
    out["is_small"] = pd.to_numeric(out["count_inquiries"]).fillna(0) < SMALL_GROUP
    return out


def rates(groups: pd.DataFrame, dim: str) -> pd.DataFrame:
    """One dimension's rows: value, count_inquiries, count_closed, close_rate, amount, is_small;
    most inquiries first, the row without a value last."""
    if dim not in DIMS:
        raise ValueError(f"dim must be one of {DIMS}, not {dim!r}")
    rows = groups[groups["dim"] == dim].drop(columns=["dim"])
    rows = rows.assign(_u=rows["value"].isna().astype(int))
    rows = rows.sort_values(
        ["_u", "count_inquiries", "value"], ascending=[True, False, True], kind="stable"
    )
    return rows.drop(columns=["_u"]).reset_index(drop=True)


def pareto(reasons: pd.DataFrame) -> pd.DataFrame:
    """Reasons most frequent first (not given last), with share and cumulative share."""
    rows = reasons.assign(_u=reasons["reason"].isna().astype(int))
    rows = (
        rows.sort_values(
            ["_u", "count_inquiries", "reason"], ascending=[True, False, True], kind="stable"
        )
        .drop(columns=["_u"])
        .reset_index(drop=True)
    )
    total = float(pd.to_numeric(rows["count_inquiries"]).sum())
    share = pd.to_numeric(rows["count_inquiries"]).astype("float64") / total if total else None
    rows["share"] = share if share is not None else pd.Series(dtype="float64")
    rows["cum_share"] = rows["share"].cumsum()
    return rows


def daily_totals(daily: pd.DataFrame) -> pd.DataFrame:
    """Per day over every channel: day, count_inquiries, count_closed, close_rate, amount."""
    cols = ["count_inquiries", "count_closed", "amount"]
    if daily.empty:
        return pd.DataFrame(columns=["day", *cols, "close_rate"])
    out = daily.groupby("day", as_index=False)[cols].sum(min_count=1)
    return metrics.compute(out, ["close_rate"])


def province_rows(groups: pd.DataFrame) -> pd.DataFrame:
    """Province rows with names as the map knows them (ingest already writes full names;
    short ones from older loads are normalised here): name, counts, close_rate."""
    rows = rates(groups, "province")
    names = [None if numbers.is_missing(v) else normalize_province(str(v)) for v in rows["value"]]
    rows = rows.assign(name=names)
    out = (
        rows.groupby("name", dropna=False, sort=False)[["count_inquiries", "count_closed"]]
        .sum()
        .reset_index()
    )
    return metrics.compute(out, ["close_rate"])


# ------------------------------------------------------------------------------ sentences


def value_label(value: object, lang: str) -> str:
    """A channel / type / reason as shown: the value, or 未填写 when not given."""
    return t("inq.not_given", lang) if numbers.is_missing(value) else str(value)


def sentences(q: Inquiries, lang: str, *, period_word: str | None = None) -> list[str]:
    """2-4 plain sentences from the numbers (rules, no model): totals and close rate with the
    change, the best and weakest channel (groups of SMALL_GROUP or more), the top reason not
    closed, and how many open inquiries wait."""
    if q.empty:
        return [t("inq.say_none", lang)]
    now, before = q.values(), q.values("compare") if q.compare_sums is not None else {}
    said = []
    change = numbers.change(now["inquiries"], before.get("inquiries"))
    rate_before = before.get("close_rate")
    said.append(
        t(
            "inq.say_total",
            lang,
            count=metrics.fmt("inquiries", now["inquiries"], lang),
            closed=metrics.fmt("closed_inquiries", now["closed_inquiries"], lang),
            rate=metrics.fmt("close_rate", now["close_rate"], lang),
        )
        + (
            t(
                "inq.say_vs",
                lang,
                period=period_word or t("inq.prev_period", lang),
                change=numbers.fmt_signed(change, 1, "%"),
                points=(
                    ""
                    if rate_before is None or now["close_rate"] is None
                    # the relative change, as the 成交率 card shows it, and its points
                    else t(
                        "inq.say_points",
                        lang,
                        change=numbers.fmt_change(
                            numbers.change(now["close_rate"], rate_before), lang
                        )
                        or numbers.NONE,
                        points=numbers.fmt_signed(now["close_rate"] - rate_before, 1, ""),
                    )
                ),
            )
            if change is not None
            else t("inq.say_end", lang)
        )
    )
    channels = q.by("channel")
    big = channels[
        ~channels["is_small"] & channels["value"].notna() & channels["close_rate"].notna()
    ]
    if len(big) >= 2:
        best = big.sort_values("close_rate", ascending=False, kind="stable").iloc[0]
        worst = big.sort_values("close_rate", ascending=True, kind="stable").iloc[0]
        said.append(
            t(
                "inq.say_channels",
                lang,
                best=value_label(best["value"], lang),
                best_rate=metrics.fmt("close_rate", best["close_rate"], lang),
                best_n=int(best["count_inquiries"]),
                worst=value_label(worst["value"], lang),
                worst_rate=metrics.fmt("close_rate", worst["close_rate"], lang),
                worst_n=int(worst["count_inquiries"]),
            )
        )
    if not q.reasons.empty:
        top = q.reasons.iloc[0]
        said.append(
            t(
                "inq.say_reason",
                lang,
                reason=value_label(top["reason"], lang),
                count=int(top["count_inquiries"]),
                share=f"{top['share'] * 100:.0f}%",
            )
        )
    if not q.open.empty:
        said.append(t("inq.say_open", lang, count=len(q.open), days=int(q.open["age_days"].max())))
    return said[:4]
