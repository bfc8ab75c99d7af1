"""`python -m shopsight ingest|datasets|sql|query|sample`: the exact JSON other tools read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures import ingest_files as f

from shopsight.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "tests" / "fixtures" / "examples"
ORDERS = EXAMPLES / "ExportOrderList202611301200.xlsx"
IMAGES = EXAMPLES / "main_image_ab_test.csv"
FILE_KEYS = [
    "file",
    "kind",
    "sheet",
    "load_id",
    "mode",
    "platform",
    "currency",
    "rows_loaded",
    "rows_replaced",
    "products_kept",
    "rows_rejected",
    "errors",
    "warnings",
    "cells_as_zero",
    "cells_as_empty",
    "mapping",
    "not_stored",
]


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_ingest_json_is_exact(tmp_path):
    ws = tmp_path / "ws"
    bad = f.write_csv(
        tmp_path / "o.csv",
        [
            ["订单编号", "订单创建时间", "买家实付金额"],
            ["1", "2026-11-01", "9"],
            ["2", "someday", "8"],
        ],
    )
    code, out, err = run("ingest", ORDERS, bad, "--workspace", ws, "--json")
    assert (code, err) == (0, "")
    files = json.loads(out)["files"]
    assert [list(x) for x in files] == [FILE_KEYS, FILE_KEYS]
    assert (files[0]["file"], files[0]["kind"], files[0]["sheet"], files[0]["rows_loaded"]) == (
        ORDERS.name,
        "orders",
        "Sheet1",
        806,
    )
    assert files[0]["mapping"]["订单编号"] == "order_id" and "收货人姓名" not in files[0]["mapping"]
    assert all(files[0]["mapping"].values())
    # the second orders file of the batch is appended, not a replacement of the first
    assert (files[1]["rows_loaded"], files[1]["rows_rejected"]) == (1, 1)
    assert files[1]["errors"] == [
        {
            "row": 3,
            "column": "订单创建时间",
            "value": "someday",
            "message": "订单创建时间 (created_time): 'someday' is not a date/time "
            "(e.g. 2026-11-01 10:30:00)",
        }
    ]
    code, out, _ = run("datasets", "--workspace", ws, "--json")
    (orders,) = json.loads(out)
    assert list(orders) == ["kind", "rows", "columns", "files", "loads"]
    assert [(x["file"], x["rows"], x["platform"], x["currency"]) for x in orders["loads"]] == [
        (ORDERS.name, 806, "淘宝/天猫", "CNY"),
        ("o.csv", 1, "淘宝/天猫", "CNY"),
    ]
    assert (orders["kind"], orders["rows"], orders["files"]) == (
        "orders",
        807,
        [ORDERS.name, "o.csv"],
    )
    assert orders["columns"][:2] == ["order_id", "order_time"]


def test_errors_of_several_sheets_keep_four_keys(tmp_path):
    def sheet(rows):
        return [
            ["统计时间：2026-11-01~2026-11-07"],
            ["来源", "访客数", "支付买家数", "支付金额"],
            *rows,
        ]

    path = f.write_xls(
        tmp_path / "流量来源.xls",
        {
            "PC流量来源": sheet([["搜索", "10", "1", "5"]]),
            "无线流量来源": sheet([["搜索", "many", "2", "6"], ["直通车", "3", "0", "0"]]),
        },
    )
    code, out, _ = run("ingest", path, "-w", tmp_path / "ws", "--json")
    (r,) = json.loads(out)["files"]
    assert code == 0 and (r["sheet"], r["rows_loaded"], r["rows_rejected"]) == (
        "PC流量来源, 无线流量来源",
        2,
        1,
    )
    assert r["errors"] == [
        {
            "row": 3,
            "column": "访客数",
            "value": "many",
            "message": "sheet 无线流量来源: 访客数 (visitors): 'many' is not a count",
        }
    ]


def test_failed_files_exit_1_with_one_line_each_and_load_nothing(tmp_path):
    ws = tmp_path / "ws"
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    other = f.write_csv(tmp_path / "其他.csv", [["甲", "乙"], ["1", "2"]])
    code, out, err = run("ingest", empty, IMAGES, other, "-w", ws, "--json")
    assert code == 1
    assert [x["file"] for x in json.loads(out)["files"]] == [IMAGES.name]
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert lines[0] == "error: empty.csv: the file is empty"
    assert lines[1].startswith("error: 其他.csv: the columns (甲, 乙) match no dataset kind")
    code, out, _ = run("datasets", "-w", ws, "--json")
    assert [(d["kind"], d["files"]) for d in json.loads(out)] == [("image_tests", [IMAGES.name])]


def test_sql_is_read_only_and_query_binds_params(tmp_path):
    ws = tmp_path / "ws"
    run("ingest", IMAGES, "-w", ws)
    code, out, _ = run(
        "sql",
        "select variant, sum(clicks) as clicks from image_tests group by 1 order by 1",
        "-w",
        ws,
        "--json",
    )
    assert code == 0 and json.loads(out) == [
        {"variant": "control", "clicks": 1444},
        {"variant": "v2", "clicks": 1692},
        {"variant": "v3", "clicks": 1328},
    ]
    code, _, err = run("sql", "delete from image_tests", "-w", ws, "--json")
    assert code != 0 and "read-only" in err.lower()
    code, _, err = run("sql", "select * from read_csv('/etc/passwd')", "-w", ws)
    assert code != 0
    code, out, _ = run(
        "query",
        "abtest_tests",
        "--param",
        "start_date=2026-11-01",
        "--param",
        "end_date=2026-11-30",
        "-w",
        ws,
        "--json",
    )
    assert code == 0 and [r["test_id"] for r in json.loads(out)] == ["hoodie-main-1105"]
    code, out, _ = run(
        "query", "abtest_tests", "--param", "start_date=2026-12-01", "-w", ws, "--json"
    )
    assert json.loads(out) == []
    code, _, err = run("query", "abtest_tests", "--param", "nope=1", "-w", ws)
    assert code != 0 and "has no parameter(s) nope" in err


@pytest.mark.slow
def test_sample_builds_the_demo_shop(tmp_path):
    code, out, _ = run("sample", "-w", tmp_path / "demo")
    assert code == 0 and "rows -> orders" in out
    code, out, _ = run("datasets", "-w", tmp_path / "demo", "--json")
    kinds = {d["kind"] for d in json.loads(out)}
    assert {
        "traffic",
        "products",
        "orders",
        "regions",
        "image_tests",
        "inquiries",
        "events",
    } == kinds


def test_real_subprocess(tmp_path):
    ws = tmp_path / "ws"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "shopsight",
            "ingest",
            str(EXAMPLES / "1688询盘统计_202611.csv"),
            "--workspace",
            str(ws),
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (r,) = json.loads(proc.stdout)["files"]
    assert (r["kind"], r["rows_loaded"], r["rows_rejected"], r["errors"]) == (
        "inquiries",
        152,
        0,
        [],
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "shopsight",
            "sql",
            "select count(*) filter (where closed) as closed from inquiries",
            "--workspace",
            str(ws),
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert json.loads(proc.stdout) == [{"closed": 65}]


def test_money_answers_count_one_currency(tmp_path):
    """customers / forecast never add two currencies: CNY by default, --currency picks one."""
    ws = tmp_path / "ws"
    header = ["订单编号", "买家会员名", "订单付款时间", "买家实付金额", "订单状态"]
    cny = f.write_csv(
        tmp_path / "tb.csv",
        [
            header,
            ["T1", "b1", "2026-11-01 10:00:00", "100.00", "交易成功"],
            ["T2", "b1", "2026-11-03 10:00:00", "50.00", "交易成功"],
            ["T3", "b2", "2026-11-02 10:00:00", "80.00", "交易成功"],
        ],
    )
    usd = f.write_csv(
        tmp_path / "intl.csv",
        [header, ["U1", "u9", "2026-11-02 09:00:00", "40.00", "交易成功"]],
    )
    assert run("ingest", cny, "--workspace", ws)[0] == 0
    assert run("ingest", usd, "--workspace", ws, "--currency", "USD", "--mode", "append")[0] == 0
    answers = {}
    for extra in ([], ["--currency", "usd"]):
        code, out, err = run("customers", "--workspace", ws, "--json", *extra)
        assert (code, err) == (0, ""), err
        answers[tuple(extra)] = json.loads(out)
    cny_answer, usd_answer = answers[()], answers[("--currency", "usd")]
    assert (cny_answer["buyers"], cny_answer["repeat_buyers"]) == (2, 1)
    assert sum(r["paid_amount"] for r in cny_answer["rfm"]) == pytest.approx(230.0)
    assert (usd_answer["buyers"], usd_answer["repeat_buyers"]) == (1, 0)
    assert sum(r["paid_amount"] for r in usd_answer["rfm"]) == pytest.approx(40.0)
    code, _, err = run("customers", "--workspace", ws, "--currency", "EUR")
    assert code != 0 and "CNY, USD" in err
