"""A main-image test's verdict in plain words: `abtest.verdict()`'s dict -> sentences.

The engine decides (status, headline variant, guardrails); this module only words it,
through i18n keys with placeholders, so the page, the CLI and reports say the same thing:

    explain(abtest.verdict(result, daily), "zh", days=result.days,
            srm_p_value=result.srm_p_value)
    -> Explanation(level="success",
                   headline="v2 的点击率比 control 高 17%（95% 区间 +9%~+25%），可以换图",
                   guardrails=())

`metric` is "ctr" (clicks / impressions) or "cvr" (orders / clicks); it picks the metric's
name and the unit still needed ("次展现" / "次点击").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from shopsight import numbers
from shopsight.abtest_stats import MIN_CLICKS, MIN_DAYS, MIN_IMPRESSIONS, SEQ_EQUIVALENCE
from shopsight.i18n import t

METRICS = ("ctr", "cvr")
STATUSES = ("winner", "loser", "inconclusive", "not_enough_data")
GUARDRAILS = ("low_data", "srm", "too_short", "peeking")
# how the page shows the headline (st.success / st.warning / st.info)
MAX_DAYS = 365  # beyond that the count of days means "not with this traffic"
LEVELS = {
    "winner": "success",
    "loser": "warning",
    "inconclusive": "info",
    "not_enough_data": "info",
}


@dataclass(frozen=True)
class Explanation:
    level: str  # "success" | "warning" | "info"
    headline: str
    guardrails: tuple[str, ...]  # one sentence per guardrail that applies, in the engine's order


def fmt_lift(value: float, signed: bool = False) -> str:
    """A relative lift as a short percentage: whole percents, one decimal below 1%.

    0.1713 -> "17%", 0.031 -> "3%", 0.007 -> "0.7%"; signed: "+17%", "-0.7%".
    """
    pct = value * 100
    text = f"{pct:+.0f}%" if abs(pct) >= 0.95 else f"{pct:+.1f}%"
    return text if signed else text.lstrip("+-")


def fmt_interval(low: float | None, high: float | None, lang: str) -> str:
    """ "+9%~+25%" (zh) / "+9% to +25%" (en); "—" when either end is unknown."""
    if numbers.is_missing(low) or numbers.is_missing(high):
        return numbers.NONE
    return t("verdict.interval", lang, low=fmt_lift(low, True), high=fmt_lift(high, True))


def fmt_p(p: float) -> str:
    """ "= 0.0123" / "< 0.0001", to follow a "p"."""
    return "< 0.0001" if p < 0.0001 else f"= {p:.4f}"


def _name(variant: str | None, names: Mapping[str, str] | None) -> str:
    return str((names or {}).get(variant, variant))


def _still_needed(v: Mapping, lang: str, metric: str) -> str | None:
    n = v.get("more_impressions_needed")
    if not n:
        return None
    text = t(f"verdict.need_more_{metric}", lang, n=numbers.fmt_int(n, lang))
    days = v.get("days_needed")
    if days and days > MAX_DAYS:
        text += t("verdict.need_over_year", lang)
    elif days:
        text += t("verdict.need_days", lang, days=int(days))
    return text


def headline(
    v: Mapping, lang: str, *, metric: str = "ctr", names: Mapping[str, str] | None = None
) -> str:
    """The one sentence that answers "can I switch the image?"."""
    status = v["status"]
    if status == "not_enough_data" or v.get("lift_rel") is None:
        more = _still_needed(v, lang, metric)
        if more is None:
            return t("verdict.not_enough_unknown", lang)
        return t("verdict.not_enough", lang, more=more)
    lift = v["lift_rel"]
    low, high = v["ci"] if v.get("ci") else (None, None)
    fields = {
        "variant": _name(v["variant"], names),
        "control": _name(v["control"], names),
        "metric": t(f"verdict.metric_{metric}", lang),
        "lift": fmt_lift(lift),
        "direction": t("verdict.higher" if lift >= 0 else "verdict.lower", lang),
        "interval": fmt_interval(low, high, lang),
    }
    if status == "winner":
        return t("verdict.winner", lang, **fields)
    if status == "loser":
        return t("verdict.loser", lang, **fields)
    more = _still_needed(v, lang, metric)
    if more is None:  # the planned sample is there and still no difference
        return t("verdict.no_difference", lang, **fields)
    return t("verdict.inconclusive", lang, more=more, **fields)


def guardrail(
    code: str,
    lang: str,
    *,
    metric: str = "ctr",
    days: int | None = None,
    srm_p_value: float | None = None,
) -> str:
    """The warning for one guardrail code of the engine's verdict."""
    if code == "low_data":
        return t(
            f"verdict.guard_low_data_{metric}",
            lang,
            min_trials=numbers.fmt_int(MIN_IMPRESSIONS, lang),
            min_successes=MIN_CLICKS,
        )
    if code == "srm":
        p = numbers.NONE if numbers.is_missing(srm_p_value) else fmt_p(float(srm_p_value))
        return t("verdict.guard_srm", lang, p=p)
    if code == "too_short":
        return t(
            "verdict.guard_too_short",
            lang,
            days=numbers.NONE if days is None else days,
            min_days=MIN_DAYS,
        )
    if code == "peeking":
        return t("verdict.guard_peeking", lang)
    raise ValueError(f"unknown guardrail {code!r}")


def variant_status(status: str, lang: str) -> str:
    """The per-variant word for the table: 显著更好 / 显著更差 / 无显著差异."""
    return t(f"verdict.status_{status}", lang)


def explain(
    v: Mapping,
    lang: str,
    *,
    metric: str = "ctr",
    names: Mapping[str, str] | None = None,
    days: int | None = None,
    srm_p_value: float | None = None,
) -> Explanation:
    """Headline, its display level and the guardrail warnings of a structured verdict.

    `days` (the test's calendar days) and `srm_p_value` fill the too-short and SRM warnings.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    return Explanation(
        level=LEVELS[v["status"]],
        headline=headline(v, lang, metric=metric, names=names),
        guardrails=tuple(
            guardrail(g, lang, metric=metric, days=days, srm_p_value=srm_p_value)
            for g in v.get("guardrails", ())
        ),
    )


# ---------------------------------------------------------------- sequential verdict

SEQ_STATUSES = ("winner", "loser", "no_difference", "continue", "not_enough_data")
SEQ_LEVELS = {
    "winner": "success",
    "loser": "warning",
    "no_difference": "info",
    "continue": "info",
    "not_enough_data": "info",
}


def sequential_headline(
    v: Mapping, lang: str, *, metric: str = "ctr", names: Mapping[str, str] | None = None
) -> str:
    """`abtest.sequential_verdict()` in one sentence that says whether stopping is safe now."""
    status = v["status"]
    if status == "not_enough_data" or v.get("lift_rel") is None:
        return t(
            f"verdict.seq_not_enough_{metric}",
            lang,
            min_trials=numbers.fmt_int(MIN_IMPRESSIONS, lang),
            min_successes=MIN_CLICKS,
        )
    low, high = v["lift_cs"]
    lift = v["lift_rel"]
    fields = {
        "variant": _name(v["variant"], names),
        "control": _name(v["control"], names),
        "metric": t(f"verdict.metric_{metric}", lang),
        "lift": fmt_lift(lift),
        "direction": t("verdict.higher" if lift >= 0 else "verdict.lower", lang),
        "interval": fmt_interval(low, high, lang),
    }
    if status in ("winner", "loser"):
        return t(
            f"verdict.seq_{status}",
            lang,
            decided_on=v["decided_on"],
            day=v["decided_day"],
            **fields,
        )
    if status == "no_difference":
        return t("verdict.seq_no_difference", lang, margin=fmt_lift(SEQ_EQUIVALENCE), **fields)
    return t("verdict.seq_continue", lang, **fields)


def explain_sequential(
    v: Mapping, lang: str, *, metric: str = "ctr", names: Mapping[str, str] | None = None
) -> Explanation:
    """Level and headline of a sequential verdict; its guardrails come from the engine's
    fixed-horizon verdict (low data, SRM, too short) and are passed in by the caller."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    return Explanation(
        level=SEQ_LEVELS[v["status"]],
        headline=sequential_headline(v, lang, metric=metric, names=names),
        guardrails=(),
    )


def fixed_stop(planned_per_arm: int, smallest_arm: float, lang: str) -> str:
    """Whether a fixed-horizon test planned for `planned_per_arm` impressions may stop now."""
    exact = {"compact_from": math.inf}  # a plan is a count to reach: no 万 / K rounding
    n = numbers.fmt_int(planned_per_arm, lang, **exact)
    if smallest_arm >= planned_per_arm:
        return t("verdict.fixed_reached", lang, n=n)
    return t(
        "verdict.fixed_not_reached", lang, n=n, have=numbers.fmt_int(smallest_arm, lang, **exact)
    )
