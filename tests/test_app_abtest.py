"""Main-image A/B page under AppTest: the shown figures are the engine's for the test,
control, metric and date range picked; the sequential and fixed-horizon verdicts, guardrails,
both methods side by side, and the calculator.

Workspace `ab` holds the committed example sheet (hoodie-main-1105, with orders), a
直通车-style creative report (宝贝ID 612345678901, creatives 90001/90002 with 创意名称),
a three-day hand-kept sheet (短测试, B marked 对照) and a test with a broken split (分流异常).
"""

from __future__ import annotations

import json
import math
import shutil
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from shopsight import abtest_sentences, abtest_stats, numbers, workspace
from shopsight.i18n import t
from shopsight.ingest import load_file
from shopsight.mdtext import plain
from shopsight.ui import abtest_page as ab_ui

PAGE = "views/abtest.py"
EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "examples"
HOODIE = "hoodie-main-1105"
CREATIVE = "612345678901"
SHORT = "短测试"
SRM = "分流异常"
ALL = {"start_date": None, "end_date": None}


def creative_report() -> bytes:
    rows = ["日期,宝贝ID,创意ID,创意名称,展现量,点击量,点击率,花费,总成交笔数"]
    for d in range(8):
        day = date(2026, 11, 16) + timedelta(days=d)
        rows.append(f"{day},{CREATIVE},90001,白底正面,{5000 + 10 * d},{100 + d},0.02,100.5,3")
        rows.append(f"{day},{CREATIVE},90002,模特街拍,{5100 + 10 * d},{130 + d},0.025,120.5,4")
    return ("\n".join(rows) + "\n").encode()


def test_sheet() -> bytes:
    rows = ["测试名称,版本,是否对照,日期,展现量,点击量"]
    for d in range(3):
        day = date(2026, 11, 20) + timedelta(days=d)
        rows.append(f"{SHORT},A,否,{day},300,{9 + d}")
        rows.append(f"{SHORT},B,是,{day},310,{8 + d}")
    for d in range(10):
        day = date(2026, 11, 1) + timedelta(days=d)
        rows.append(f"{SRM},原图,是,{day},6000,{180 + d}")
        rows.append(f"{SRM},新图,否,{day},4800,{150 + d}")
    return ("\n".join(rows) + "\n").encode()


test_sheet.__test__ = False  # a fixture builder, not a test


@pytest.fixture(scope="module")
def ab_template(tmp_path_factory) -> Path:
    ws = workspace.open_workspace(tmp_path_factory.mktemp("abtest") / "ab")
    example = EXAMPLES / "main_image_ab_test.csv"
    load_file(ws, example.read_bytes(), example.name)
    load_file(ws, creative_report(), "直通车创意报表_20261201_093015.csv", mode="append")
    load_file(ws, test_sheet(), "主图测试记录.csv", mode="append")
    return ws.path


@pytest.fixture
def ab_ws(data_dir, ab_template) -> workspace.Workspace:
    shutil.copytree(ab_template, data_dir / "ab")
    return workspace.open_workspace(data_dir / "ab")


# ---------------------------------------------------------------- helpers


def shown_table(at) -> pd.DataFrame:
    """The variant table and its details (the expander below it) side by side."""
    main, details = at.dataframe[0].value, at.dataframe[1].value
    version = t("ab.col_variant", "en" if "Version" in main.columns else "zh")
    assert main[version].tolist() == details[version].tolist()
    return pd.concat([main, details.drop(columns=version)], axis=1)


def engine(run_query, ws, test, control=None, **dates):
    params = {**ALL, **dates}
    totals = run_query(ws, "abtest_variants", test_id=test, **params)
    daily = run_query(ws, "abtest_daily", test_id=test, **params)
    return abtest_stats.analyze(totals, control=control), totals, daily


def assert_table_is(
    table: pd.DataFrame,
    result: abtest_stats.ABResult,
    prefix: str = "",
    lang: str = "zh",
    metric: str = "ctr",
    daily: pd.DataFrame | None = None,
):
    """Every figure of the shown table equals the engine's (prefix "cvr_" for orders/clicks);
    with the test's `daily` rows, its judgement and p-value are the sequential ones, as
    the page's default method shows them, else the fixed-horizon ones."""
    v = result.variants
    col = {
        k: t(f"ab.col_{k}", lang)
        for k in (
            "variant",
            "lift_rel",
            "lift_abs",
            "p",
            "p_holm",
            "beats",
            "best",
            "loss",
            "rate_ci",
        )
    }
    rate = "ctr" if not prefix else "cvr"
    trials, successes = ("impressions", "clicks") if not prefix else ("clicks", "orders")
    assert table[col["variant"]].tolist() == v["variant"].tolist()
    assert table[t(f"ab.col_trials_{metric}", lang)].tolist() == v[trials].astype(int).tolist()
    assert (
        table[t(f"ab.col_successes_{metric}", lang)].tolist() == v[successes].astype(int).tolist()
    )

    def same(shown, key, scale=1.0):
        want = (v[prefix + key] * scale).tolist()
        assert shown.tolist() == pytest.approx(want, rel=1e-12, abs=1e-15, nan_ok=True)

    assert table[t(f"ab.metric_{metric}", lang)].tolist() == pytest.approx(
        v[rate].round(4).tolist(), abs=1e-12
    )
    same(table[col["lift_rel"]], "lift_rel", 100)  # shown signed, in percent: +25.9%
    same(table[col["lift_abs"]], "lift_abs", 100)
    assert table[col["p"]].tolist() == [numbers.fmt_p(x) for x in v[prefix + "p_value"]]
    if daily is None:
        assert table[col["p_holm"]].tolist() == [
            numbers.fmt_p(x) for x in v[prefix + "p_value_holm"]
        ]
        assert col["p_holm"] in table.columns and t("ab.col_seq_p", lang) not in table.columns
    else:
        seq = {r["variant"]: r for r in seq_verdict(daily, result.control, metric)["variants"]}
        assert table[t("ab.col_seq_p", lang)].tolist() == [
            numbers.fmt_p(seq[x]["p_value"] if x in seq else None) for x in v["variant"]
        ]
        assert table[t("ab.col_status", lang)].tolist() == [
            t("verdict.status_control", lang)
            if c
            else t(f"ab.seq_status_{seq[x]['decision'] or 'pending'}", lang)
            for x, c in zip(v["variant"], v["is_control"], strict=True)
        ]
        assert col["p_holm"] not in table.columns
    # rates shown to 2 decimals of a percent are rounded to them (the grid would cut them off)
    assert table[col["beats"]].tolist() == pytest.approx(
        v[prefix + "prob_beats_control"].round(4).tolist(), abs=1e-12, nan_ok=True
    )
    assert table[col["best"]].tolist() == pytest.approx(
        v[prefix + "prob_best"].round(4).tolist(), abs=1e-12, nan_ok=True
    )
    same(table[col["loss"]], "expected_loss", 100)
    lo, hi = v[f"{prefix}ci_low"], v[f"{prefix}ci_high"]
    assert table[col["rate_ci"]].tolist() == [
        f"{a * 100:.2f}%~{b * 100:.2f}%" for a, b in zip(lo, hi, strict=True)
    ]


def seq_verdict(daily: pd.DataFrame, control: str, metric: str = "ctr") -> dict:
    rows = (
        daily
        if metric == "ctr"
        else daily.assign(impressions=daily["clicks"], clicks=daily["orders"]).drop(
            columns="orders"
        )
    )
    return abtest_stats.sequential_verdict(abtest_stats.sequential(rows, control=control))


def headline_of(at) -> str:
    boxes = [*at.success, *at.info, *at.warning]
    heads = [b.value for b in boxes if b.icon == ":material/lightbulb:"]
    assert len(heads) == 1
    return heads[0]


# ---------------------------------------------------------------- the page


def test_default_view_is_the_newest_test_with_the_engines_figures(app, ab_ws, run_query):
    at = app("ab", PAGE)
    assert not at.exception
    assert at.selectbox(key="ab_test").value == CREATIVE  # newest last day (11-23)
    result, totals, daily = engine(run_query, ab_ws, CREATIVE)
    assert result.control == "90001"  # nothing marked: the oldest, then by name
    assert at.selectbox(key="ab_control").value == "90001"
    table = shown_table(at)
    assert_table_is(table, result, daily=daily)
    assert table[t("ab.col_name", "zh")].tolist() == ["白底正面", "模特街拍"]
    assert table[t("ab.col_status", "zh")].tolist()[0] == "对照"
    # the verdict is the engine's, in words, with the creatives named
    names = {"90001": "90001（白底正面）", "90002": "90002（模特街拍）"}
    sv = seq_verdict(daily, "90001")
    want = abtest_sentences.explain_sequential(sv, "zh", names=names)
    assert headline_of(at) == want.headline
    assert sv["status"] == "winner" and sv["variant"] == "90002"
    assert want.headline.startswith("90002（模特街拍） 的点击率比 90001（白底正面） 高")
    assert want.headline.endswith("现在停止测试、换成 90002（模特街拍） 是安全的")
    captions = [c.value for c in at.caption]
    assert t("ab.whole_test", "zh", first="2026-11-16", last="2026-11-23", days=8) in captions
    assert t("ab.method_why_sequential", "zh", tau="0.10") in captions
    assert t("ab.table_caption_sequential", "zh", metric="点击率") in captions
    assert at.segmented_control(key="ab_method").value == "sequential"
    assert len(at.get("vega_lite_chart")) == 3  # CI bars, confidence sequence, cumulative CTR
    # test and control go in the link (their defaults depend on the data), the metric not
    assert at.query_params["ab_test"] == CREATIVE
    assert at.query_params["ab_control"] == "90001"
    assert "ab_metric" not in at.query_params and "ab_method" not in at.query_params


def test_switching_test_and_control(app, ab_ws, run_query):
    at = app("ab", PAGE)
    at.selectbox(key="ab_test").set_value(HOODIE).run()
    assert not at.exception
    result, _, daily = engine(run_query, ab_ws, HOODIE)
    assert at.selectbox(key="ab_control").value == "control"
    assert at.query_params["ab_control"] == "control"
    assert_table_is(shown_table(at), result, daily=daily)
    assert headline_of(at) == (
        "v2 的点击率比 control 高 17%（置信序列 +5%~+30%），2026-11-10"
        "（第 6 天）已判定更好：现在停止测试、换成 v2 是安全的"
    )
    assert not at.warning  # 9 days, even split, enough data

    at.selectbox(key="ab_control").set_value("v2").run()
    assert not at.exception
    by_v2, _, _ = engine(run_query, ab_ws, HOODIE, control="v2")
    assert by_v2.control == "v2"
    assert_table_is(shown_table(at), by_v2, daily=daily)
    assert at.query_params["ab_control"] == "v2"
    assert shown_table(at)[t("ab.col_variant", "zh")].tolist() == ["v2", "control", "v3"]

    # another test: its own default control (the one marked 是), not the previous pick
    at.selectbox(key="ab_test").set_value(SHORT).run()
    assert not at.exception
    assert at.selectbox(key="ab_control").value == "B"
    assert at.query_params["ab_control"] == "B"
    short, _, short_daily = engine(run_query, ab_ws, SHORT)
    assert_table_is(shown_table(at), short, daily=short_daily)


def test_metric_switch_to_orders_per_click(app, ab_ws, run_query):
    at = app("ab", PAGE, ab_test=HOODIE)
    assert at.selectbox(key="ab_test").value == HOODIE
    assert at.segmented_control(key="ab_metric").options == ["点击率", "点击转化率"]
    at.segmented_control(key="ab_metric").set_value("cvr").run()
    assert not at.exception
    assert at.query_params["ab_metric"] == "cvr"
    result, totals, daily = engine(run_query, ab_ws, HOODIE)
    table = shown_table(at)
    # the engine's cvr_* columns
    assert_table_is(table, result, prefix="cvr_", metric="cvr", daily=daily)
    assert table[t("ab.col_successes_cvr", "zh")].tolist() == [74, 75, 50]  # 成交笔数 summed
    # the verdict judges orders per click: clicks are its trials, orders its successes
    per_click = abtest_stats.analyze(
        totals.assign(impressions=totals["clicks"], clicks=totals["orders"]).drop(columns="orders"),
        control="control",
    )
    vd = abtest_stats.verdict(per_click)
    sv = seq_verdict(daily, "control", "cvr")
    want = abtest_sentences.explain_sequential(sv, "zh", metric="cvr")
    assert headline_of(at) == want.headline
    assert sv["status"] == "continue" and "点击转化率" in want.headline
    # clicks differ by image, so their split is no sample-ratio check: the impressions' is
    assert "srm" in vd["guardrails"] and result.srm_p_value > 0.9
    assert [w.value for w in at.warning] == [
        abtest_sentences.guardrail(g, "zh", metric="cvr", days=9)
        for g in vd["guardrails"]
        if g != "srm"
    ]

    # a test without 成交笔数 offers the click rate only
    at.selectbox(key="ab_test").set_value(CREATIVE).run()
    assert at.segmented_control(key="ab_metric").value == "cvr"  # the creative report has orders
    at.selectbox(key="ab_test").set_value(SHORT).run()
    assert not at.exception
    assert at.segmented_control(key="ab_metric").options == ["点击率"]
    assert t("ab.no_orders", "zh") in [c.value for c in at.caption]
    assert "ab_metric" not in at.query_params


def test_guardrails_low_data_too_short_and_srm(app, ab_ws, run_query):
    at = app("ab", PAGE, ab_test=SHORT)
    assert not at.exception
    result, _, daily = engine(run_query, ab_ws, SHORT)
    vd = abtest_stats.verdict(result, daily)
    assert vd["status"] == "not_enough_data"
    assert vd["guardrails"] == ["low_data", "too_short"]
    assert seq_verdict(daily, "B")["status"] == "not_enough_data"
    assert headline_of(at) == abtest_sentences.sequential_headline(seq_verdict(daily, "B"), "zh")
    assert headline_of(at).startswith("数据还不够比较")
    assert [w.value for w in at.warning] == [
        abtest_sentences.guardrail("low_data", "zh"),
        abtest_sentences.guardrail("too_short", "zh", days=3),
    ]
    # the fixed-horizon verdict says how much more is needed
    fixed = app("ab", PAGE, ab_test=SHORT, ab_method="fixed")
    more = numbers.fmt_int(vd["more_impressions_needed"], "zh")
    assert headline_of(fixed).startswith(f"数据还不够：还需约 {more} 次展现")

    srm = app("ab", PAGE, ab_test=SRM)
    result, _, _ = engine(run_query, ab_ws, SRM)
    assert result.srm_p_value < abtest_stats.SRM_ALPHA
    assert abtest_sentences.guardrail("srm", "zh", srm_p_value=result.srm_p_value) in [
        w.value for w in srm.warning
    ]


def test_english(app, ab_ws):
    at = app("ab", PAGE, lang="en", ab_test=HOODIE)
    assert not at.exception
    assert at.title[0].value == "Main-image A/B tests"
    assert headline_of(at) == (
        "v2's click rate is 17% higher than control's (confidence sequence +5% to +30%), decided "
        "better on 2026-11-10 (day 6): it is safe to stop the test now and switch to v2"
    )
    assert list(shown_table(at).columns[:4]) == ["Version", "Result", "Click rate", "Relative lift"]


def test_fixed_horizon_for_a_planned_test(app, ab_ws, run_query):
    """A test planned with the calculator may be read at its fixed horizon: the page says so,
    with the plan, and whether the planned sample is reached (safe to stop) or not."""
    at = app("ab", PAGE, ab_test=HOODIE, ab_method="fixed")
    assert not at.exception
    assert at.segmented_control(key="ab_method").value == "fixed"
    assert at.query_params["ab_method"] == "fixed"
    result, _, _ = engine(run_query, ab_ws, HOODIE)
    # before the planned sample no fixed-horizon result is a verdict: only the stop rule
    assert not [b for b in [*at.success, *at.info, *at.warning] if b.icon == ":material/lightbulb:"]
    assert not at.warning
    assert_table_is(shown_table(at), result)  # the fixed-horizon figures
    assert t("ab.table_caption", "zh", metric="点击率") in [c.value for c in at.caption]
    # the calculator's plan (defaults from the test: control CTR, +10%, 0.05, 80%)
    per_arm = ab_ui.plan(round(1444 / 46874 * 100, 2) / 100, 0.10, 0.05, 0.8, 1, 3)["per_arm"]
    assert per_arm > 46874  # not reached: every arm has about 46,900 impressions
    captions = [c.value for c in at.caption]
    assert (
        t(
            "ab.method_why_fixed",
            "zh",
            n=f"{per_arm:,}",
            baseline="3.08%",
            mde="10%",
            alpha=0.05,
            power="80%",
        )
        in captions
    )
    flags = [b.value for b in at.info if b.icon == ":material/flag:"]
    assert flags == [abtest_sentences.fixed_stop(per_arm, 46874, "zh")]
    assert "还不安全" in flags[0]
    # plan for +20%: a smaller sample, already reached
    at.number_input(key="ab_calc_mde").set_value(20.0).run()
    assert not at.exception
    small = ab_ui.plan(0.0308, 0.20, 0.05, 0.8, 1, 3)["per_arm"]
    assert small < 46874
    flags = [b.value for b in at.info if b.icon == ":material/flag:"]
    assert flags == [abtest_sentences.fixed_stop(small, 46874, "zh")] and "可以停止" in flags[0]
    # reached: the fixed-horizon sentence, no peeking warning any more
    assert headline_of(at) == "v2 的点击率比 control 高 17%（95% 区间 +9%~+25%），可以换图"
    # back to sequential: no plan box
    at.segmented_control(key="ab_method").set_value("sequential").run()
    assert not [b for b in at.info if b.icon == ":material/flag:"]
    assert "ab_method" not in at.query_params


def test_both_methods_side_by_side(app, ab_ws, run_query):
    at = app("ab", PAGE, ab_test=HOODIE)
    assert not at.exception
    result, _, daily = engine(run_query, ab_ws, HOODIE)
    both = at.dataframe[2].value
    assert both[t("ab.col_variant", "zh")].tolist() == ["v2", "v3"]
    assert both[t("ab.col_fixed_status", "zh")].tolist() == ["显著更好", "显著更差"]
    assert both[t("ab.col_seq_status", "zh")].tolist() == ["已判定更好", "未判定"]
    assert both[t("ab.col_seq_decided", "zh")].tolist() == ["2026-11-10", numbers.NONE]
    v = result.variants.set_index("variant")
    assert both[t("ab.col_fixed_p", "zh")].tolist() == [
        numbers.fmt_p(x) for x in v.loc[["v2", "v3"], "p_value_holm"]
    ]
    sv = {r["variant"]: r for r in seq_verdict(daily, "control")["variants"]}
    assert both[t("ab.col_seq_p", "zh")].tolist() == [
        numbers.fmt_p(sv["v2"]["p_value"]),
        numbers.fmt_p(sv["v3"]["p_value"]),
    ]
    # the sequential interval is wider: it holds on every daily look
    for name in ("v2", "v3"):
        lo, hi = sv[name]["lift_cs"]
        assert lo < v.loc[name, "lift_rel_ci_low"] and hi > v.loc[name, "lift_rel_ci_high"]


def test_calculator_equals_the_engine(app, ab_ws, run_query):
    at = app("ab", PAGE, ab_test=HOODIE)
    result, totals, _ = engine(run_query, ab_ws, HOODIE)
    ctr_c = 1444 / 46874
    # defaults come from the test: its control CTR, daily impressions and number of versions
    assert at.number_input(key="ab_calc_baseline").value == round(ctr_c * 100, 2)
    daily = round(totals["impressions"].sum() / 9)
    assert at.text_input(key="ab_calc_daily_text").value == numbers.fmt_int(
        daily, "zh", compact_from=math.inf
    )
    assert at.number_input(key="ab_calc_arms").value == 3
    at.number_input(key="ab_calc_baseline").set_value(2.0).run()
    at.number_input(key="ab_calc_mde").set_value(15.0).run()
    at.selectbox(key="ab_calc_alpha").set_value(0.01).run()
    at.selectbox(key="ab_calc_power").set_value(0.9).run()
    at.text_input(key="ab_calc_daily_text").set_value("20000").run()
    at.number_input(key="ab_calc_arms").set_value(2).run()
    assert not at.exception
    per_arm = math.ceil(float(abtest_stats.sample_size_per_arm(0.02, 0.15, 0.01, 0.9)))
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    ref = NormalIndPower().solve_power(
        effect_size=proportion_effectsize(0.023, 0.02), alpha=0.01, power=0.9, ratio=1
    )
    assert per_arm == math.ceil(ref)
    cards = {m.label: m.value for m in at.metric}
    assert cards[t("ab.calc_per_arm", "zh")] == f"{per_arm:,}"
    assert cards[t("ab.calc_total", "zh")] == f"{2 * per_arm:,}"
    assert cards[t("ab.calc_days", "zh")] == str(math.ceil(2 * per_arm / 20_000))
    assert at.query_params["ab_calc_baseline"] == "2.0"
    assert at.query_params["ab_calc_arms"] == "2"
    assert at.query_params["ab_calc_daily"] == "20000"
    assert at.text_input(key="ab_calc_daily_text").value == "20,000"  # written back formatted
    # a lifted rate above 100% cannot be planned
    at.number_input(key="ab_calc_baseline").set_value(95.0).run()
    assert t("ab.calc_impossible", "zh") in [w.value for w in at.warning]
    # another test brings its own figures back
    at.selectbox(key="ab_test").set_value(CREATIVE).run()
    ctl = engine(run_query, ab_ws, CREATIVE)[0].variants.iloc[0]
    assert at.number_input(key="ab_calc_baseline").value == round(ctl["ctr"] * 100, 2)
    assert "ab_calc_baseline" not in at.query_params


@pytest.mark.parametrize("test_id", [HOODIE, CREATIVE])
def test_sample_size_sentence_and_calculator_give_one_figure(app, ab_ws, test_id):
    """The 样本量 sentence planned from the control's unrounded rate (51,746) while the
    calculator below planned from the rate its field shows (51,756): both plan from one set
    of settings now."""
    at = app("ab", PAGE, ab_test=test_id)
    assert not at.exception
    cards = {m.label: m.value for m in at.metric}
    per_arm = cards[t("ab.calc_per_arm", "zh")]
    baseline = at.number_input(key="ab_calc_baseline").value
    sentence = next(c.value for c in at.caption if c.value.startswith("按对照的点击率"))
    assert f"需要约 {per_arm} 次展现" in sentence
    assert sentence.startswith(f"按对照的点击率 {baseline:.2f}%")
    # in English too
    at = app("ab", PAGE, ab_test=test_id, locale="en-US")
    cards = {m.label: m.value for m in at.metric}
    assert any(cards[t("ab.calc_per_arm", "en")] in c.value for c in at.caption if "%" in c.value)


def test_plan_settings_round_the_rate_as_the_field_shows_it():
    """The control's unrounded rate (1444 / 46874) plans to another figure than the 3.08%
    the calculator's field shows: the sentence must not use it."""
    exact = ab_ui.plan(1444 / 46874, 0.10, 0.05, 0.8, 1, 2)["per_arm"]
    shown = ab_ui.planned_per_arm(ab_ui.plan_settings(1444 / 46874))
    assert shown == ab_ui.plan(0.0308, 0.10, 0.05, 0.8, 1, 2)["per_arm"]
    assert exact != shown


def test_daily_impressions_are_written_with_separators(app, ab_ws):
    at = app("ab", PAGE, ab_test=HOODIE)
    field = at.text_input(key="ab_calc_daily_text")
    assert field.label == t("ab.calc_daily", "zh")
    assert field.value == "15,640"  # the test's daily impressions, once shown as 15640
    assert not [w for w in at.warning if w.value.startswith("“")]
    for typed, want in (("20 000", "20,000"), ("１２３４５", "12,345"), ("8,000", "8,000")):
        at.text_input(key="ab_calc_daily_text").set_value(typed).run()
        assert not at.exception
        assert at.text_input(key="ab_calc_daily_text").value == want
        assert at.query_params["ab_calc_daily"] == str(numbers.parse_int(want))
    days = {m.label: m.value for m in at.metric}[t("ab.calc_days", "zh")]
    at.text_input(key="ab_calc_daily_text").set_value("很多[x](https://e.x)").run()
    assert not at.exception
    assert at.text_input(key="ab_calc_daily_text").value == "8,000"  # the last good value
    assert {m.label: m.value for m in at.metric}[t("ab.calc_days", "zh")] == days
    bad = [w.value for w in at.warning if "很多" in w.value]
    assert bad == [t("ab.calc_daily_bad", "zh", value=plain("很多[x](https://e.x)"))]
    at.text_input(key="ab_calc_daily_text").set_value("0").run()
    assert at.text_input(key="ab_calc_daily_text").value == "8,000"


def test_date_range_toggle(app, ab_ws, run_query):
    at = app("ab", PAGE)
    at.date_input(key="sb_dates").set_value((date(2026, 11, 18), date(2026, 11, 21))).run()
    # by default the whole test, whatever the sidebar says
    whole, _, whole_daily = engine(run_query, ab_ws, CREATIVE)
    assert_table_is(shown_table(at), whole, daily=whole_daily)
    at.toggle(key="ab_range").set_value(True).run()
    assert not at.exception
    assert at.query_params["ab_range"] == "1"
    part = {"start_date": date(2026, 11, 18), "end_date": date(2026, 11, 21)}
    result, _, daily = engine(run_query, ab_ws, CREATIVE, **part)
    assert result.days == 4
    assert_table_is(shown_table(at), result, daily=daily)
    assert t(
        "ab.in_range",
        "zh",
        start="2026-11-18",
        end="2026-11-21",
        first="2026-11-18",
        last="2026-11-21",
        days=4,
    ) in [c.value for c in at.caption]
    # tests with no day in the range are not offered
    assert at.selectbox(key="ab_test").options == [
        f"{CREATIVE}（2 个版本，11-18 ~ 11-21）",
        f"{SHORT}（2 个版本，11-20 ~ 11-21）",
    ]


def test_bad_link_values_fall_back(app, ab_ws):
    at = app(
        "ab", PAGE, ab_test="'; drop table image_tests; --", ab_control="nope", ab_metric="gmv"
    )
    assert not at.exception
    assert at.selectbox(key="ab_test").value == CREATIVE
    assert at.selectbox(key="ab_control").value == "90001"
    assert at.segmented_control(key="ab_metric").value == "ctr"
    assert len(at.toast) == 3


def test_empty_workspace_says_what_to_upload(app, empty_ws):
    at = app("empty", PAGE)
    assert not at.exception
    assert at.info[0].value == t("ab.empty", "zh")
    assert not at.dataframe


# ---------------------------------------------------------------- the glue's pure parts


def test_orders_per_click_through_the_ctr_path_equals_the_engines_cvr_columns():
    rows = pd.read_csv(EXAMPLES / "main_image_ab_test.csv").rename(columns=str.lower)
    rows = rows.rename(columns={"test": "test_id"})
    totals = abtest_stats.totals_from_daily(rows)
    a = ab_ui.analyse(totals, rows, metric="cvr")
    both = a.ctr.variants
    for key in (
        "ci_low",
        "ci_high",
        "lift_rel",
        "lift_rel_ci_low",
        "lift_abs_ci_high",
        "p_value",
        "p_value_holm",
        "prob_beats_control",
        "prob_best",
        "expected_loss",
    ):
        assert a.result.variants[key].tolist() == pytest.approx(
            both[f"cvr_{key}"].tolist(), rel=1e-9, abs=1e-14, nan_ok=True
        ), key
    assert a.result.variants["ctr"].tolist() == pytest.approx(both["cvr"].tolist(), rel=1e-12)
    assert a.result.control == a.ctr.control == "control"


def test_plan():
    n = math.ceil(float(abtest_stats.sample_size_per_arm(0.03, 0.1)))
    assert ab_ui.plan(0.03, 0.1, 0.05, 0.8, 10_000, 2) == {
        "per_arm": n,
        "total": 2 * n,
        "days": math.ceil(2 * n / 10_000),
    }
    assert ab_ui.plan(0.95, 0.1, 0.05, 0.8, 10_000, 2) == {
        "per_arm": None,
        "total": None,
        "days": None,
    }


def test_run_time_key_families_are_translated():
    from shopsight.locales import en, zh

    keys = [f"ab.metric_{m}" for m in ab_ui.METRICS] + [f"ab.unit_{m}" for m in ab_ui.METRICS]
    keys += [f"ab.col_{k}_{m}" for k in ("trials", "successes") for m in ab_ui.METRICS]
    keys += [f"verdict.metric_{m}" for m in abtest_sentences.METRICS]
    keys += [f"verdict.need_more_{m}" for m in abtest_sentences.METRICS]
    keys += [f"verdict.guard_low_data_{m}" for m in abtest_sentences.METRICS]
    keys += [f"verdict.status_{s}" for s in ("control", "winner", "loser", "inconclusive")]
    keys += [
        f"ab.error_{code}"
        for code in (
            "missing_count",
            "negative_count",
            "clicks_gt_impressions",
            "orders_gt_clicks",
            "control_not_found",
        )
    ]
    assert [k for k in keys if k not in zh.TEXT or k not in en.TEXT] == []


def test_chart_frames_are_small_and_match_the_totals():
    rows = pd.read_csv(EXAMPLES / "main_image_ab_test.csv").rename(columns=str.lower)
    rows = rows.rename(columns={"test": "test_id"})
    a = ab_ui.analyse(abtest_stats.totals_from_daily(rows), rows, control="v2")
    ci = ab_ui.ci_frame(a, {}, "zh")
    assert ci["label"].tolist() == ["v2", "control", "v3"]
    assert ci["status"].tolist() == ["对照", "显著更差", "显著更差"]
    # coloured by the verdict's method: the sequential test decided both worse too
    by_seq = ab_ui.ci_frame(a, {}, "zh", "sequential")
    decided = {r["variant"]: r["decision"] for r in a.seq_verdict["variants"]}
    assert decided == {"control": "loser", "v3": "loser"}
    assert by_seq["status"].tolist() == ["对照", "已判定更差", "已判定更差"]
    chart = ab_ui.ci_chart(by_seq, "ctr", "zh", "sequential").to_dict()
    assert "已判定更差" in json.dumps(chart, ensure_ascii=False)
    assert ci["rate"].tolist() == pytest.approx([1692 / 46893, 1444 / 46874, 1328 / 46991])
    cum = ab_ui.cumulative_frame(a, {"v2": "模特"}, "zh")
    assert len(cum) == 27  # one row per variant and day
    assert cum["label"].drop_duplicates().tolist() == ["v2（模特）", "control", "v3"]
    last = cum.loc[cum["date"] == cum["date"].max()]
    assert last["rate"].tolist() == pytest.approx(ci["rate"].tolist(), rel=1e-12)
    assert last["trials"].tolist() == [46893, 46874, 46991]
    # the confidence-sequence chart: compared versions only, one decision day marked each
    seq = ab_ui.sequential_frame(a, {"v2": "模特"}, "zh")
    assert len(seq) == 18 and seq["label"].drop_duplicates().tolist() == ["control", "v3"]
    want = abtest_stats.sequential(rows, control="v2").daily
    want = want.loc[~want["is_control"]]
    assert seq["cs_low"].tolist() == pytest.approx(want["cs_low"].tolist(), nan_ok=True)
    assert seq["lift"].tolist() == pytest.approx(want["lift_rel"].tolist(), nan_ok=True)
    decided = seq.loc[seq["decided"]]
    assert decided["label"].tolist() == ["control", "v3"]  # both lose to v2
    width = seq["cs_high"] - seq["cs_low"]
    for label in ("control", "v3"):
        w = width[seq["label"] == label].dropna()
        assert (w.diff().dropna() <= 1e-12).all()  # it only narrows
