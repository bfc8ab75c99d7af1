"""Verdict sentences: every status and guardrail of abtest.verdict() in plain zh / en words."""

from pathlib import Path

import pandas as pd
import pytest

from shopsight import abtest_sentences, abtest_stats
from shopsight.i18n import t

EXAMPLE = Path(__file__).resolve().parent / "fixtures" / "examples" / "main_image_ab_test.csv"


def v(status, lift=None, ci=None, more=None, days=None, guardrails=(), variant="B", control="A"):
    """A structured verdict shaped like abtest.verdict()'s."""
    return {
        "status": status,
        "control": control,
        "variant": variant if lift is not None else None,
        "lift_rel": lift,
        "ci": ci,
        "p_value": 0.01 if lift is not None else None,
        "prob_beats_control": None,
        "more_impressions_needed": more,
        "more_impressions_per_arm": None if more is None else more // 2,
        "days_needed": days,
        "guardrails": list(guardrails),
        "variants": [],
    }


def test_winner_in_both_languages():
    w = v("winner", 0.12, (0.05, 0.19), more=0, days=0)
    assert (
        abtest_sentences.headline(w, "zh") == "B 的点击率比 A 高 12%（95% 区间 +5%~+19%），可以换图"
    )
    assert abtest_sentences.headline(w, "en") == (
        "B's click rate is 12% higher than A's (95% interval +5% to +19%): switch to B"
    )
    assert abtest_sentences.explain(w, "zh").level == "success"


def test_loser_names_the_least_bad_and_keeps_the_control():
    lo = v("loser", -0.08, (-0.15, -0.012), more=0, days=0)
    assert abtest_sentences.headline(lo, "zh") == (
        "新图的点击率都不如 A：表现最好的 B 也低 8%（95% 区间 -15%~-1%），保留原图"
    )
    assert abtest_sentences.headline(lo, "en") == (
        "Every new image has a lower click rate than A: even the best, B, is 8% lower "
        "(95% interval -15% to -1%). Keep A"
    )
    assert abtest_sentences.explain(lo, "en").level == "warning"


def test_inconclusive_says_how_much_more_is_needed():
    up = v("inconclusive", 0.031, (-0.02, 0.083), more=52_000, days=4)
    assert abtest_sentences.headline(up, "zh") == (
        "B 的点击率比 A 高 3%（95% 区间 -2%~+8%），但还不能确定：还需约 52,000 次展现（按目前的流量约 4 天）"
    )
    assert abtest_sentences.headline(up, "en") == (
        "B's click rate is 3% higher than A's (95% interval -2% to +8%), but that is not certain "
        "yet: about 52,000 more impressions needed (about 4 days at the current traffic)"
    )
    down = v("inconclusive", -0.004, (-0.03, 0.02), more=3_000, days=None)
    assert abtest_sentences.headline(down, "zh") == (
        "B 的点击率比 A 低 0.4%（95% 区间 -3%~+2%），但还不能确定：还需约 3,000 次展现"
    )
    assert "0.4% lower than A's" in abtest_sentences.headline(down, "en")
    assert abtest_sentences.explain(down, "zh").level == "info"


def test_inconclusive_with_the_planned_sample_means_no_difference():
    same = v("inconclusive", 0.01, (-0.02, 0.04), more=0, days=0)
    assert abtest_sentences.headline(same, "zh") == (
        "B 的点击率比 A 高 1%（95% 区间 -2%~+4%），已达到计划样本量仍不显著：两张图差别不大，用哪张都可以"
    )
    assert abtest_sentences.headline(same, "en").endswith(
        "no real difference, either image will do"
    )


def test_not_enough_data():
    need = v("not_enough_data", 0.2, (-0.1, 0.6), more=12_345, days=9, guardrails=["low_data"])
    assert (
        abtest_sentences.headline(need, "zh")
        == "数据还不够：还需约 12,345 次展现（按目前的流量约 9 天）"
    )
    assert abtest_sentences.headline(need, "en") == (
        "Not enough data yet: about 12,345 more impressions needed (about 9 days at the current traffic)"
    )
    slow = v("not_enough_data", more=800_000, days=2_000)
    assert (
        abtest_sentences.headline(slow, "zh")
        == "数据还不够：还需约 80万 次展现（按目前的流量要一年以上）"
    )
    assert abtest_sentences.headline(slow, "en").endswith("(over a year at the current traffic)")
    nothing = v("not_enough_data")
    assert abtest_sentences.headline(nothing, "zh") == "数据还不够，暂时无法比较各版本"
    assert abtest_sentences.headline(nothing, "en") == "Not enough data to compare the versions yet"


def test_orders_per_click_wording():
    w = v("winner", 0.25, (0.1, 0.4), more=0, days=0)
    assert abtest_sentences.headline(w, "zh", metric="cvr") == (
        "B 的点击转化率比 A 高 25%（95% 区间 +10%~+40%），可以换图"
    )
    assert abtest_sentences.headline(w, "en", metric="cvr").startswith(
        "B's click-to-order rate is 25% higher"
    )
    need = v("not_enough_data", more=4_000, days=None)
    assert abtest_sentences.headline(need, "zh", metric="cvr") == "数据还不够：还需约 4,000 次点击"
    assert (
        abtest_sentences.headline(need, "en", metric="cvr")
        == "Not enough data yet: about 4,000 more clicks needed"
    )


def test_variant_names_replace_ids():
    w = v("winner", 0.12, (0.05, 0.19), more=0, variant="1180042232", control="1180042231")
    names = {"1180042232": "1180042232（模特街拍）", "1180042231": "1180042231（白底正面）"}
    assert abtest_sentences.headline(w, "zh", names=names).startswith(
        "1180042232（模特街拍） 的点击率比 1180042231（白底正面） 高 12%"
    )


@pytest.mark.parametrize(
    ("code", "lang", "text"),
    [
        ("low_data", "zh", "样本太少：有版本的展现不足 1,000 次或点击不足 50 次，先别下结论。"),
        (
            "low_data",
            "en",
            "Too little data: a version has fewer than 1,000 impressions or 50 clicks; "
            "don't decide yet.",
        ),
        (
            "srm",
            "zh",
            "流量分配异常（SRM 检验 p = 0.0003）：各版本的展现量与均分相差太大，"
            "可能是投放设置或数据记录有问题，提升幅度可能有偏差。",
        ),
        (
            "srm",
            "en",
            "Sample-ratio mismatch (SRM test p = 0.0003): the versions' impressions are far "
            "from an even split. The campaign set-up or the records may be wrong, so the lifts "
            "may be biased.",
        ),
        (
            "too_short",
            "zh",
            "测试只跑了 3 天，不足 7 天：点击率有周几效应，建议至少跑满一周再下结论。",
        ),
        (
            "too_short",
            "en",
            "The test ran only 3 days, under 7: click rates differ by weekday, so run it "
            "for at least a full week before deciding.",
        ),
        (
            "peeking",
            "zh",
            "结果刚刚才变得显著，之前大多数天都不显著：一看到显著就停，容易得出假结论，"
            "建议按计划样本量跑完再换图。",
        ),
        (
            "peeking",
            "en",
            "The result only just turned significant; on most earlier days it was not. "
            "Stopping at the first significant look often crowns a false winner: run the "
            "test to its planned sample first.",
        ),
    ],
)
def test_each_guardrail(code, lang, text):
    assert abtest_sentences.guardrail(code, lang, days=3, srm_p_value=0.0003) == text


def test_guardrail_details():
    assert abtest_sentences.guardrail("low_data", "zh", metric="cvr") == (
        "样本太少：有版本的点击不足 1,000 次或成交不足 50 笔，先别下结论。"
    )
    assert "1,000 clicks or 50 orders" in abtest_sentences.guardrail("low_data", "en", metric="cvr")
    assert "p < 0.0001" in abtest_sentences.guardrail("srm", "zh", srm_p_value=2e-9)
    with pytest.raises(ValueError):
        abtest_sentences.guardrail("novelty", "zh")
    with pytest.raises(ValueError):
        abtest_sentences.explain(v("winner", 0.1, (0.01, 0.2)), "zh", metric="gmv")


def test_explain_lists_guardrails_in_the_engines_order():
    w = v("winner", 0.12, (0.05, 0.19), more=0, guardrails=["srm", "too_short", "peeking"])
    e = abtest_sentences.explain(w, "en", days=5, srm_p_value=0.0001)
    assert e.headline == abtest_sentences.headline(w, "en")
    assert e.guardrails == (
        abtest_sentences.guardrail("srm", "en", srm_p_value=0.0001),
        abtest_sentences.guardrail("too_short", "en", days=5),
        abtest_sentences.guardrail("peeking", "en"),
    )
    assert "5 days" in e.guardrails[1]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("metric", abtest_sentences.METRICS)
@pytest.mark.parametrize("status", abtest_sentences.STATUSES)
def test_every_status_and_guardrail_is_worded(status, metric, lang):
    lift = None if status == "not_enough_data" else (-0.05 if status == "loser" else 0.05)
    vd = v(
        status,
        lift,
        None if lift is None else (lift - 0.02, lift + 0.02),
        more=100,
        days=1,
        guardrails=abtest_sentences.GUARDRAILS,
    )
    e = abtest_sentences.explain(vd, lang, metric=metric, days=2, srm_p_value=0.5)
    assert e.level == abtest_sentences.LEVELS[status]
    for text in (e.headline, *e.guardrails):
        assert text and "{" not in text and "}" not in text
    assert len(e.guardrails) == 4
    assert abtest_sentences.variant_status("control", lang) == t("verdict.status_control", lang)


@pytest.mark.parametrize(
    ("x", "plain", "signed"),
    [
        (0.17127, "17%", "+17%"),
        (0.0312, "3%", "+3%"),
        (0.0071, "0.7%", "+0.7%"),
        (-0.0125, "1%", "-1%"),
        (-0.0004, "0.0%", "-0.0%"),
        (0.0, "0.0%", "+0.0%"),
    ],
)
def test_fmt_lift(x, plain, signed):
    assert abtest_sentences.fmt_lift(x) == plain
    assert abtest_sentences.fmt_lift(x, signed=True) == signed


def test_fmt_interval_missing_end():
    assert abtest_sentences.fmt_interval(None, 0.1, "zh") == "—"
    assert abtest_sentences.fmt_interval(0.05, 0.19, "en") == "+5% to +19%"


def test_the_example_test_reads_as_a_winner():
    """hoodie-main-1105 from the committed example file, through the engine (no SQL)."""
    rows = pd.read_csv(EXAMPLE).rename(columns=str.lower).rename(columns={"test": "test_id"})
    result = abtest_stats.analyze(abtest_stats.totals_from_daily(rows))
    vd = abtest_stats.verdict(result, rows)
    assert (vd["status"], vd["variant"], vd["control"], vd["guardrails"]) == (
        "winner",
        "v2",
        "control",
        [],
    )
    lift = 1692 / 46893 / (1444 / 46874) - 1
    assert vd["lift_rel"] == pytest.approx(lift, rel=1e-12)
    e = abtest_sentences.explain(vd, "zh", days=result.days, srm_p_value=result.srm_p_value)
    assert e.headline == "v2 的点击率比 control 高 17%（95% 区间 +9%~+25%），可以换图"
    assert e.guardrails == ()
    # its first three days alone: v2 already wins, but the test is too short
    early = rows.loc[rows["date"] <= "2026-11-07"]
    r3 = abtest_stats.analyze(abtest_stats.totals_from_daily(early))
    v3 = abtest_stats.verdict(r3, early)
    assert v3["guardrails"] == ["too_short"]
    e3 = abtest_sentences.explain(v3, "en", days=r3.days, srm_p_value=r3.srm_p_value)
    assert e3.guardrails == (abtest_sentences.guardrail("too_short", "en", days=3),)


# ---------------------------------------------------------------- sequential verdict


def sv(status, lift=None, cs=(None, None), decided_on=None, day=None, variant="B", control="A"):
    """A structured verdict shaped like abtest.sequential_verdict()'s."""
    decided = status in ("winner", "loser")
    return {
        "decision": status if decided else None,
        "variant": variant if lift is not None else None,
        "decided_on": decided_on,
        "p_value": 0.01 if lift is not None else None,
        "lift_cs": list(cs),
        "status": status,
        "control": control,
        "lift_rel": lift,
        "decided_day": day,
        "safe_to_stop": status in ("winner", "loser", "no_difference"),
        "days": 14,
        "variants": [],
    }


def test_sequential_sentences_say_whether_stopping_is_safe():
    w = sv("winner", 0.12, (0.03, 0.22), "2026-11-10", 6)
    assert abtest_sentences.sequential_headline(w, "zh") == (
        "B 的点击率比 A 高 12%（置信序列 +3%~+22%），2026-11-10（第 6 天）已判定更好："
        "现在停止测试、换成 B 是安全的"
    )
    assert abtest_sentences.sequential_headline(w, "en") == (
        "B's click rate is 12% higher than A's (confidence sequence +3% to +22%), decided better "
        "on 2026-11-10 (day 6): it is safe to stop the test now and switch to B"
    )
    assert abtest_sentences.explain_sequential(w, "zh").level == "success"
    lo = sv("loser", -0.08, (-0.15, -0.012), "2026-11-12", 8)
    assert abtest_sentences.sequential_headline(lo, "zh") == (
        "新图的点击率都不如 A，2026-11-12（第 8 天）已全部判定：现在停止测试、保留 A 是安全的"
        "（最好的 B 也低 8%，置信序列 -15%~-1%）"
    )
    assert abtest_sentences.explain_sequential(lo, "en").level == "warning"
    same = sv("no_difference", 0.004, (-0.03, 0.04))
    assert abtest_sentences.sequential_headline(same, "en") == (
        "B and A differ by less than 5% in click rate (confidence sequence -3% to +4%): it is "
        "safe to stop the test now, either image will do"
    )
    going = sv("continue", -0.05, (-0.2, 0.1))
    assert abtest_sentences.sequential_headline(going, "zh") == (
        "B 的点击率目前比 A 低 5%（置信序列 -20%~+10%），还未判定：现在停还不安全，请继续测试。"
        "每天查看不会影响这个结论的有效性"
    )
    early = sv("not_enough_data")
    assert abtest_sentences.sequential_headline(early, "zh", metric="cvr") == (
        "数据还不够比较（每个版本至少 1,000 次点击、50 笔成交后开始判断）：现在停还不安全，请继续测试"
    )
    assert abtest_sentences.explain_sequential(early, "en").level == "info"


@pytest.mark.parametrize("status", abtest_sentences.SEQ_STATUSES)
@pytest.mark.parametrize("metric", abtest_sentences.METRICS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_sequential_status_is_worded(status, metric, lang):
    lift = None if status == "not_enough_data" else 0.1
    text = abtest_sentences.sequential_headline(
        sv(status, lift, (0.01, 0.2), "2026-11-10", 3), lang, metric=metric
    )
    assert "{" not in text and text


def test_fixed_horizon_stop():
    assert abtest_sentences.fixed_stop(51746, 46874, "en") == (
        "Fixed-horizon test: the plan is 51,746 impressions per version and the smallest has "
        "46,874 so far; the result holds only at the planned sample, so it is not safe to stop "
        "or switch yet."
    )
    assert abtest_sentences.fixed_stop(40000, 46874, "zh") == (
        "固定样本检验：每个版本都已达到计划的 40,000 次展现，上面的结论有效，现在可以停止测试。"
    )


def test_the_example_test_reads_as_a_sequential_winner():
    rows = pd.read_csv(EXAMPLE).rename(columns=str.lower).rename(columns={"test": "test_id"})
    said = abtest_sentences.explain_sequential(
        abtest_stats.sequential_verdict(abtest_stats.sequential(rows)), "zh"
    )
    assert said.headline == (
        "v2 的点击率比 control 高 17%（置信序列 +5%~+30%），2026-11-10"
        "（第 6 天）已判定更好：现在停止测试、换成 v2 是安全的"
    )
