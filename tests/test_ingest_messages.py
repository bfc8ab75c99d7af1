"""Import messages carry a code and values beside their English text: every code has a
Chinese and an English text that formats with its values, the raise sites use only known
codes, refusals keep their code through the child process and the loader, and one read of
an upload serves its inspection and its load."""

import re
import string
from pathlib import Path

import pytest
from fixtures import hostile_files as hostile

from shopsight import schema, workspace
from shopsight.i18n import CATALOGS, LANGS, t
from shopsight.ingest import IngestError, detect, inspect_file, load_file, messages, readers
from shopsight.ingest.errors import IngestError as Raised

INGEST = Path(messages.__file__).parent
SAMPLE = {
    "rows": 1_048_577,
    "cols": 1_001,
    "limit": 1_000,
    "byte": 17,
    "seconds": 45,
    "memory_mb": 1024,
    "expanded_mb": 900,
    "packed_mb": 0.5,
    "row": 3,
    "rejected": 2,
    "cells": 2,
    "width": 5,
    "column": 2,
    "chars": 40_000,
    "kind": "traffic",
    "fields": ["visitors", "rate:conversion"],
    "field": "paid_time",
    "whole": "visitors",
    "headers": ["访客数", "UV"],
    "sheets": ["PC", "无线"],
    "header": "访客数",
    "error": {
        "code": "bad_number",
        "args": {"header": "访客数", "field": "visitors", "value": "abc"},
    },
}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", LANGS)
def test_every_code_has_a_text_that_takes_exactly_its_values(lang):
    for code, names in messages.CODES.items():
        text = CATALOGS[lang][f"ingest.{code}"]
        assert placeholders(text) <= {*names, "where"}, code
        args = {n: SAMPLE.get(n, f"<{n}>") for n in names if n != "needs"}
        shown = messages.text(code, args, lang)
        assert "{" not in shown and "None" not in shown and "<needs>" not in shown, (code, shown)


def test_no_stray_ingest_keys():
    """The locale tables hold no ingest.* text that no code uses (helpers aside)."""
    helpers = {"in_file", "in_sheet", "kind_needs", "header_field"}
    keys = {k.removeprefix("ingest.") for k in CATALOGS["zh"] if k.startswith("ingest.")}
    assert keys - helpers == set(messages.CODES)


def test_the_raise_sites_use_known_codes():
    used = set()
    for path in INGEST.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""code=["'](\w+)["']""", text))
        used |= set(re.findall(r"""["']code["']: ["'](\w+)["']""", text))
    used |= set(messages.VALUE_CODES.values())
    assert used <= set(messages.CODES), used - set(messages.CODES)
    # every code is raised somewhere (or read back from a line's problem)
    line_codes = {"unclosed_quote", "short_line", "extra_cells", "long_cell"}
    warning_codes = {"negative", "more_than", "over_100"}
    assert set(messages.CODES) - used - line_codes - warning_codes == set()


@pytest.mark.parametrize(
    "text, code, args",
    [
        (readers.UNCLOSED_QUOTE, "unclosed_quote", {}),
        (readers.short_line(1, 4), "short_line", {"cells": 1, "width": 4}),
        (readers.short_line(3, 7), "short_line", {"cells": 3, "width": 7}),
        (readers.too_many_cells(12), "extra_cells", {"width": 12}),
        ("something new", "other", {"detail": "something new"}),
    ],
)
def test_a_lines_problem_is_read_back_into_its_code(text, code, args):
    assert messages.line_problem(text) == (code, args)


@pytest.mark.parametrize("lang", LANGS)
def test_every_input_field_has_a_name_in_both_languages(lang):
    for kind in schema.KINDS:
        for col in detect.kind_inputs(kind):
            name = messages.field_name(col, lang)
            assert name and name != col, col
            if lang == "zh":
                assert not re.search(r"[a-z]{3,}", name), name  # 付款时间, not paid_time


def test_a_cell_message_names_the_header_and_the_field_once():
    cell = {"header": "买家实付金额", "field": "paid_amount", "value": "ten"}
    assert messages.text("bad_number", cell, "zh") == "买家实付金额（支付金额）：“ten” 不是数字"
    assert (
        messages.text("bad_number", {**cell, "header": "支付金额"}, "zh")
        == "支付金额：“ten” 不是数字"
    )
    assert messages.text("required_empty", {"header": None, "field": "order_id"}, "en") == (
        "Order ID: a required value is empty"
    )
    assert (
        messages.text(
            "more_than", {"field": "paying_buyers", "whole": "visitors", "sheet": "PC"}, "zh"
        )
        == "工作表 PC：支付买家数多于访客数；已按原样导入，请核对原文件"
    )


def test_the_no_kind_message_lists_what_each_kind_needs():
    for lang in LANGS:
        text = messages.text("no_kind_match", {"headers": ["颜色", "尺码"]}, lang)
        for kind, k in schema.KINDS.items():
            assert t(f"kind.{kind}", lang) in text
            assert all(messages.field_name(c, lang) in text for c in k.required)
    assert "颜色、尺码" in messages.text("no_kind_match", {"headers": ["颜色", "尺码"]}, "zh")


def test_an_error_pickles_with_its_code():
    import pickle

    e = Raised("x.csv: the file is empty", code="empty_file", file="x.csv")
    back = pickle.loads(pickle.dumps(e))
    assert (str(back), back.code, back.file, back.values) == (str(e), "empty_file", "x.csv", {})


# ----------------------------------------------------------------- refusals keep their code


def refusal(path: Path) -> IngestError:
    with pytest.raises(IngestError) as caught:
        inspect_file(path, path.name)
    return caught.value


def test_refusals_carry_code_file_and_values(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    e = refusal(empty)
    assert (e.code, e.file, str(e)) == ("empty_file", "empty.csv", "empty.csv: the file is empty")
    assert messages.error_text(e, "zh") == "empty.csv：文件是空的，没有任何内容。"
    wide = hostile.csv_wide(tmp_path / "wide.csv")
    e = refusal(wide)
    assert (e.code, e.values) == ("sheet_columns", {"cols": 10_000, "limit": readers.MAX_COLUMNS})


def test_a_refusal_from_the_child_process_keeps_its_code_and_is_remembered(tmp_path):
    path = hostile.spreadsheetml_index(tmp_path / "far.xml")
    first = refusal(path)
    assert (first.code, first.values) == (
        "sheet_rows",
        {"rows": 100_000_000, "limit": readers.MAX_ROWS},
    )
    again = refusal(path)  # the remembered refusal, not a second child process
    assert (again.code, again.values, str(again)) == (first.code, first.values, str(first))
    assert "100,000,000" in messages.error_text(again, "zh") and "已拒绝" in messages.error_text(
        again, "zh"
    )


def test_load_refusals_carry_codes(tmp_path):
    ws = workspace.open_workspace(tmp_path / "ws")
    header = tmp_path / "header_only.csv"
    header.write_text("日期,流量来源,访客数,支付买家数,支付金额\n", encoding="utf-8")
    assert inspect_file(header, header.name).header_only
    with pytest.raises(IngestError) as caught:
        load_file(ws, header, header.name)
    assert (caught.value.code, caught.value.values) == ("header_only", {"row": 1})
    nokind = tmp_path / "colours.csv"
    nokind.write_text("颜色,尺码\n红,L\n", encoding="utf-8")
    assert not inspect_file(nokind, nokind.name).header_only
    with pytest.raises(IngestError) as caught:
        load_file(ws, nokind, nokind.name)
    assert (caught.value.code, caught.value.values["headers"]) == (
        "no_kind_match",
        ["颜色", "尺码"],
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("日期,流量来源,访客数,支付买家数,支付金额\nx,a,1,1,1\n", encoding="utf-8")
    with pytest.raises(IngestError) as caught:
        load_file(ws, bad, bad.name)
    e = caught.value
    assert (e.code, e.values["rejected"], e.values["row"], e.values["error"]["code"]) == (
        "nothing_loaded",
        1,
        2,
        "bad_date",
    )
    assert messages.error_text(e, "zh") == (
        "bad.csv：没有一行能导入（1 行无法解析）。第一个问题在第 2 行："
        "日期：“x” 不是日期（例如 2026-11-01、2026/11/1、20261101、2026年11月1日）"
    )


# ------------------------------------------------------------------------------ one read


@pytest.mark.parametrize("name", ["traffic.csv", "traffic.xlsx"])
def test_inspection_and_load_share_one_read(tmp_path, monkeypatch, name):
    import pandas as pd

    frame = pd.DataFrame(
        {
            "日期": ["2026-11-01", "2026-11-02"],
            "流量来源": ["直通车", "搜索"],
            "访客数": [10, 20],
            "支付买家数": [1, 2],
            "支付金额": [5, 6],
        }
    )
    path = tmp_path / name
    if name.endswith(".csv"):
        frame.to_csv(path, index=False)
    else:
        frame.to_excel(path, index=False)
    reads = []
    real = readers.read_workbook
    monkeypatch.setattr(readers, "read_workbook", lambda src: reads.append(src) or real(src))
    from shopsight.ingest import isolated

    calls = []
    real_run = isolated._run
    monkeypatch.setattr(isolated, "_run", lambda *a: calls.append(a) or real_run(*a))
    for kind in (None, "regions", "traffic"):  # the owner tries kinds, then loads
        inspect_file(path, name, kind=kind)
    report = load_file(workspace.open_workspace(tmp_path / "ws"), path, name)
    assert report.rows_loaded == 2
    assert len(reads) + len(calls) == 1  # one read in this process or one child process


def test_what_a_personal_column_looked_like_is_named_in_both_languages():
    from shopsight.ingest import synonyms
    from shopsight.ui import upload

    assert set(upload.PERSONAL_SEEN) == set(synonyms.PERSONAL_VALUE_PATTERNS)
    for lang in LANGS:
        names = [t(f"data.seen_{w}", lang) for w in upload.PERSONAL_SEEN]
        assert len(set(names)) == len(names)


def test_every_headerless_layout_has_a_name_in_both_languages():
    from shopsight.ingest import headers
    from shopsight.ui import upload

    assert set(upload.LAYOUTS) == {name for name, _, _ in headers.HEADERLESS}
    assert all(t(key, lang) for key in upload.LAYOUTS.values() for lang in LANGS)
