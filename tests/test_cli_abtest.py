"""`python -m shopsight abtest TEST_ID [--control VARIANT] [--workspace DIR] --json` and
`abtest --all --json` on a workspace loaded with the committed example sheet (hoodie-main-1105)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

from shopsight import abtest_stats
from shopsight.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "fixtures" / "examples" / "main_image_ab_test.csv"
TEST = "hoodie-main-1105"
COUNTS = {"control": (46874, 1444), "v2": (46893, 1692), "v3": (46991, 1328)}
TOP_KEYS = [
    "test",
    "control",
    "variants",
    "srm_p_value",
    "sample_size_per_arm",
    "errors",
    "sequential",
]
SEQ_KEYS = ["decision", "variant", "decided_on", "p_value", "lift_cs"]
VARIANT_KEYS = [
    "variant",
    "impressions",
    "clicks",
    "ctr",
    "ci_low",
    "ci_high",
    "lift_abs",
    "lift_rel",
    "p_value",
    "p_value_holm",
    "prob_beats_control",
    "prob_best",
]


@pytest.fixture(scope="module")
def ws_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli_abtest") / "ws"
    result = CliRunner().invoke(cli, ["ingest", str(EXAMPLE), "--workspace", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"][0]["kind"] == "image_tests"
    return path


def run(*args) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["abtest", *args])
    return result.exit_code, result.stdout, result.stderr


def csv_rows() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE).rename(columns=str.lower).rename(columns={"test": "test_id"})


def from_csv(control=None) -> dict:
    """The engine on the CSV read by pandas (no SQL involved)."""
    return abtest_stats.to_json(
        abtest_stats.analyze(abtest_stats.totals_from_daily(csv_rows()), control=control)
    )


def sequential_from_csv(control=None) -> dict:
    seq = abtest_stats.sequential(csv_rows(), control=control)
    return abtest_stats.sequential_json(abtest_stats.sequential_verdict(seq))


def assert_same(got, want, where) -> None:
    """None only where the reference has None (the control row's comparisons); numbers close."""
    if want is None:
        assert got is None, where
    else:
        assert got == pytest.approx(want, rel=1e-12), where


def test_json_keys_and_values(ws_dir):
    code, out, _ = run(TEST, "--workspace", str(ws_dir), "--json")
    assert code == 0
    got = json.loads(out)
    assert list(got) == TOP_KEYS
    assert got["test"] == TEST and got["control"] == "control"
    assert [list(v) for v in got["variants"]] == [VARIANT_KEYS] * 3
    assert [(v["variant"], v["impressions"], v["clicks"]) for v in got["variants"]] == [
        (name, n, x) for name, (n, x) in COUNTS.items()
    ]
    # the same numbers as the engine on the file read without SQL
    want = from_csv()
    assert got["sample_size_per_arm"] == want["sample_size_per_arm"]
    assert got["srm_p_value"] == pytest.approx(want["srm_p_value"], rel=1e-12)
    for g, w in zip(got["variants"], want["variants"], strict=True):
        for key in VARIANT_KEYS[3:]:
            assert_same(g[key], w[key], (g["variant"], key))
    # the control row has no comparison
    ctl = got["variants"][0]
    assert [
        ctl[k] for k in ("lift_abs", "lift_rel", "p_value", "p_value_holm", "prob_beats_control")
    ] == [None] * 5


def test_json_values_against_reference_implementations(ws_dir):
    got = json.loads(run(TEST, "-w", str(ws_dir), "--json")[1])
    rows = {v["variant"]: v for v in got["variants"]}
    n_c, x_c = COUNTS["control"]
    for name, (n, x) in COUNTS.items():
        r = rows[name]
        assert r["ctr"] == x / n
        lo, hi = proportion_confint(x, n, alpha=0.05, method="wilson")
        assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo, hi), rel=1e-9)
    p = {}
    for name in ("v2", "v3"):
        n, x = COUNTS[name]
        r = rows[name]
        assert r["lift_abs"] == pytest.approx(x / n - x_c / n_c, rel=1e-12)
        assert r["lift_rel"] == pytest.approx((x / n) / (x_c / n_c) - 1, rel=1e-12)
        p[name] = proportions_ztest([x, x_c], [n, n_c])[1]
        assert r["p_value"] == pytest.approx(p[name], rel=1e-9)
    holm = multipletests([p["v2"], p["v3"]], method="holm")[1]
    assert [rows["v2"]["p_value_holm"], rows["v3"]["p_value_holm"]] == pytest.approx(holm, rel=1e-9)
    assert sum(v["prob_best"] for v in got["variants"]) == pytest.approx(1, abs=1e-9)
    assert rows["v2"]["prob_beats_control"] > 0.999 and rows["v3"]["prob_beats_control"] < 0.05
    # impressions per arm for +10% relative CTR over the control, alpha 0.05, power 0.8
    base = x_c / n_c
    n_req = NormalIndPower().solve_power(
        effect_size=proportion_effectsize(base * 1.1, base), alpha=0.05, power=0.8, ratio=1
    )
    assert got["sample_size_per_arm"] == math.ceil(n_req) == 51746


def test_control_option(ws_dir):
    code, out, _ = run(TEST, "--control", "v2", "--workspace", str(ws_dir), "--json")
    assert code == 0
    got = json.loads(out)
    assert got["control"] == "v2"
    assert [v["variant"] for v in got["variants"]] == ["v2", "control", "v3"]
    want = from_csv(control="v2")
    assert got["sample_size_per_arm"] == want["sample_size_per_arm"]
    assert got["variants"][1]["lift_rel"] == pytest.approx(1444 / 46874 / (1692 / 46893) - 1)


def test_unknown_test_lists_the_known_ones(ws_dir):
    code, out, err = run("hoodie-main-9999", "--workspace", str(ws_dir), "--json")
    assert code != 0
    assert out == ""
    assert "hoodie-main-9999" in err and f"Known tests: {TEST}" in err


def test_unknown_control_lists_the_variants(ws_dir):
    code, _, err = run(TEST, "--control", "v9", "--workspace", str(ws_dir), "--json")
    assert code != 0
    assert "v9" in err and "Variants: control, v2, v3" in err


def test_text_output_has_the_table_and_the_verdict(ws_dir):
    code, out, _ = run(TEST, "--workspace", str(ws_dir))
    assert code == 0
    lines = out.splitlines()
    assert (
        lines[0]
        == f"{TEST}: control control, 9 days, SRM p 0.9194, 51,746 impressions per arm for +10%"
    )
    assert lines[2].split()[:4] == ["control", "46,874", "1,444", "3.08%"]
    assert lines[-1] == "v2 的点击率比 control 高 17%（95% 区间 +9%~+25%），可以换图"
    code, out, _ = run(TEST, "--workspace", str(ws_dir), "--lang", "en")
    assert out.splitlines()[-1] == (
        "v2's click rate is 17% higher than control's (95% interval +9% to +25%): switch to v2"
    )


def test_the_real_command_line(ws_dir):
    """The exact invocation other tools use, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "shopsight", "abtest", TEST, "--workspace", str(ws_dir), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(run(TEST, "--workspace", str(ws_dir), "--json")[1])


def test_sequential_object(ws_dir):
    """The sequential object: exact keys, and the engine's figures on the file read by pandas.

    v2 was decided better on its 6th day (2026-11-10); see tests/test_abtest_sequential.py
    for these figures against a day-by-day reference implementation."""
    got = json.loads(run(TEST, "--workspace", str(ws_dir), "--json")[1])["sequential"]
    assert list(got) == SEQ_KEYS
    want = sequential_from_csv()
    assert (got["decision"], got["variant"], got["decided_on"]) == ("winner", "v2", "2026-11-10")
    assert got["p_value"] == pytest.approx(want["p_value"], rel=1e-12) and got["p_value"] < 0.05
    assert got["lift_cs"] == pytest.approx(want["lift_cs"], rel=1e-12)
    assert 0 < got["lift_cs"][0] < 1692 / 46893 / (1444 / 46874) - 1 < got["lift_cs"][1]
    # against v2 as the control, the old control and v3 are what is compared
    other = json.loads(run(TEST, "--control", "v2", "-w", str(ws_dir), "--json")[1])["sequential"]
    want = sequential_from_csv(control="v2")
    assert [other[k] for k in ("decision", "variant", "decided_on")] == [
        want[k] for k in ("decision", "variant", "decided_on")
    ]
    assert other["decision"] == "loser"


def test_all_tests(ws_dir, tmp_path):
    code, out, _ = run("--all", "--workspace", str(ws_dir), "--json")
    assert code == 0
    got = json.loads(out)
    assert isinstance(got, list) and len(got) == 1
    (only,) = got
    assert list(only) == ["test", "control", "variants", "sequential"]
    single = json.loads(run(TEST, "--workspace", str(ws_dir), "--json")[1])
    assert only == {k: single[k] for k in only}

    # two tests, each its own control and sequential object
    second = tmp_path / "second.csv"
    rows = csv_rows().assign(test_id="hoodie-copy")
    rows.loc[rows["variant"] == "v3", "clicks"] = rows["clicks"] * 2
    rows.rename(columns={"test_id": "Test"}).rename(columns=str.title).to_csv(second, index=False)
    ws = tmp_path / "ws"
    for f in (EXAMPLE, second):
        mode = ["--mode", "append"] if f == second else []
        assert CliRunner().invoke(cli, ["ingest", str(f), "-w", str(ws), *mode]).exit_code == 0
    got = json.loads(run("--all", "-w", str(ws), "--json")[1])
    assert [g["test"] for g in got] == sorted(["hoodie-copy", TEST])
    by_test = {g["test"]: g["sequential"] for g in got}
    assert by_test[TEST] == single["sequential"]
    assert by_test["hoodie-copy"]["variant"] == "v3"
    assert by_test["hoodie-copy"]["decision"] == "winner"
    want = abtest_stats.sequential_verdict(abtest_stats.sequential(rows))
    assert by_test["hoodie-copy"]["decided_on"] == want["decided_on"]

    code, out, _ = run("--all", "-w", str(ws))
    assert code == 0 and len(out.splitlines()) == 3


def test_test_id_or_all(ws_dir):
    assert run("--workspace", str(ws_dir), "--json")[0] == 2
    assert run(TEST, "--all", "--workspace", str(ws_dir), "--json")[0] == 2
    assert run("--all", "--control", "v2", "--workspace", str(ws_dir), "--json")[0] == 2
