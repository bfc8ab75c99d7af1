"""The bad-input corpus: each file gets its stated outcome, and a workspace loaded before
answers every query exactly as before.

Outcomes:
- refused: IngestError naming the file and the reason; nothing of the file is loaded.
- partly loaded: the rows that cannot be read are reported (file row, column, value,
  reason) and the rest load.
- loaded verbatim: odd text (SQL-looking, spreadsheet formulas) is stored as written.
Files that load go into the `events` dataset, which the snapshot leaves out, so every other
dataset must stay exactly as the five example exports left it.
"""

from __future__ import annotations

import io
import os
import resource
import zipfile
from pathlib import Path

import pytest
from fixtures import ingest_files as f

from shopsight import workspace
from shopsight.ingest import IngestError, inspect_file, load_file
from shopsight.ingest.detect import KEEP

EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "examples"
EVENTS = ["user_id", "event", "event_time", "device"]


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    w = workspace.open_workspace(tmp_path_factory.mktemp("bad") / "ws")
    for p in sorted(EXAMPLES.iterdir()):
        if p.suffix != ".json":
            load_file(w, p, p.name)
    return w


@pytest.fixture()
def unchanged(ws):
    before = f.snapshot(ws)
    assert before["orders"][0] == 806 and before["traffic"][0] == 27
    yield ws
    assert f.snapshot(ws) == before


def refused(ws, path, match, name=None):
    with pytest.raises(IngestError, match=match) as e:
        load_file(ws, path.read_bytes(), name or path.name, mode="append")
    assert str(e.value).startswith(f"{name or path.name}: ")
    assert "\n" not in str(e.value)


def events(ws):
    con = ws.connect(read_only=True)
    try:
        cols = workspace.table_columns(con, "events")
        return cols, con.execute("select * from events order by event_time, user_id").fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------- refused, nothing loaded


def test_empty_file(unchanged, tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    refused(unchanged, tmp_path / "empty.csv", "the file is empty")
    (tmp_path / "blank.csv").write_bytes(b" \r\n\r\n \t")
    refused(unchanged, tmp_path / "blank.csv", "the file is empty")


def test_header_only(unchanged, tmp_path):
    path = f.write_csv(tmp_path / "header.csv", [["订单编号", "订单创建时间", "买家实付金额"]])
    refused(unchanged, path, r"the file has a header \(row 1\) but no data rows")


def test_random_bytes(unchanged, tmp_path):
    path = tmp_path / "random.csv"
    path.write_bytes(os.urandom(1 << 16))
    refused(unchanged, path, "binary content|cannot decode")


def test_truncated_xlsx(unchanged, tmp_path):
    data = (EXAMPLES / "ExportOrderList202611301200.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    refused(unchanged, path, "damaged or truncated")


def test_xlsx_zip_bomb_refused_without_inflating(unchanged, tmp_path):
    path = f.zip_bomb(tmp_path / "bomb.xlsx")  # 1 GB of zeros in a ~4.5 MB file
    assert path.stat().st_size < 10 << 20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refused(unchanged, path, r"would expand to 1,024 MB .*compression bomb")
    grew_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak
    assert grew_kb < 200 << 10


def test_zip_member_lying_about_its_size(unchanged, tmp_path):
    """A sheet that declares 1 KB and inflates to 40 MB is stopped at the declared size."""
    book = f.write_xlsx(tmp_path / "small.xlsx", {"S": [["user_id", "event"], ["u1", "view"]]})
    cells = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (i, i)
        for i in range(1, 600_000)
    )
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        b'.org/spreadsheetml/2006/main"><sheetData>' + cells + b"</sheetData></worksheet>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            z.writestr(name, sheet if name == "xl/worksheets/sheet1.xml" else src.read(name))
    data = bytearray(buf.getvalue())
    name = b"xl/worksheets/sheet1.xml"
    for sig, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.find(sig)
        while at >= 0:
            if data[at + name_at : at + name_at + len(name)] == name:
                assert int.from_bytes(data[at + size_at : at + size_at + 4], "little") == len(sheet)
                data[at + size_at : at + size_at + 4] = (1024).to_bytes(4, "little")
            at = data.find(sig, at + 4)
    path = tmp_path / "liar.xlsx"
    path.write_bytes(bytes(data))
    refused(unchanged, path, "larger than its declared uncompressed size")


def test_unrelated_csv(unchanged, tmp_path):
    path = f.write_csv(
        tmp_path / "通讯录.csv", [["姓名", "生日", "爱好"], ["小明", "1990-01-01", "跑步"]]
    )
    refused(unchanged, path, "match no dataset kind. Each kind needs: traffic: date")


def test_every_row_bad(unchanged, tmp_path):
    path = f.write_csv(tmp_path / "allbad.csv", [EVENTS, ["u1", "view", "not a time", "PC"]])
    refused(
        unchanged,
        path,
        r"no row could be loaded \(1 rejected\); first problem: row 2, "
        r"event_time \(event_time\): 'not a time' is not a date/time",
    )


# ---------------------------------------------------------------- partly loaded, bad rows reported


def test_unparseable_dates_and_numbers(unchanged, tmp_path):
    path = f.write_csv(
        tmp_path / "dates.csv",
        [
            ["统计日期", "商品ID", "支付金额", "商品访客数"],
            ["2026-11-01", "1", "10", "5"],
            ["2026-11-31", "2", "10", "5"],
            ["2026-11-02", "3", "1O.5", "5"],
            ["2026-11-03", "4", "3", "five"],
        ],
    )
    ws2 = workspace.open_workspace(tmp_path / "ws2")  # products: kept out of the shared one
    r = load_file(ws2, path, path.name)
    assert (r.rows_loaded, r.rows_rejected) == (1, 3)
    assert [(e["row"], e["column"], e["value"]) for e in r.errors] == [
        (3, "统计日期", "2026-11-31"),
        (4, "支付金额", "1O.5"),
        (5, "商品访客数", "five"),
    ]


def test_too_many_fields(unchanged, tmp_path):
    path = f.write_csv(
        tmp_path / "wide.csv",
        [
            EVENTS,
            ["u1", "view", "2026-11-01 10:00", "PC"],
            ["u2", "view", "2026-11-01 11:00", "PC", "surprise"],
        ],
    )
    r = load_file(unchanged, path, path.name, mode="replace")
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    assert r.errors == [
        {
            "row": 3,
            "column": None,
            "value": None,
            "message": "the row has filled cells beyond the header's 4 columns",
            "code": "extra_cells",
            "args": {"width": 4},
        }
    ]


@pytest.mark.parametrize("fast", [True, False])
def test_stray_quote_loses_nothing(unchanged, tmp_path, fast):
    path = tmp_path / "quote.csv"
    path.write_text(
        "user_id,event,event_time,device\n"
        "u1,view,2026-11-01 10:00,PC\n"
        'u2,"view,2026-11-01 11:00,PC\n'
        "u3,cart,2026-11-01 12:00,无线\n",
        encoding="utf-8",
    )
    _, r = f.load(path.parent, path, ws=unchanged, fast=fast, mode="replace")
    assert (r.rows_loaded, r.rows_rejected) == (2, 1)
    assert r.errors == [
        {
            "row": 3,
            "column": None,
            "value": None,
            "message": "the line is not well-formed CSV: a quote opens and never closes",
            "code": "unclosed_quote",
            "args": {},
        }
    ]
    _, rows = events(unchanged)
    assert [(x[0], x[1]) for x in rows] == [("u1", "view"), ("u3", "cart")]


def test_a_5_mb_cell(unchanged, tmp_path):
    big = "长" * (5 << 20)
    path = f.write_csv(
        tmp_path / "huge.csv",
        [
            EVENTS,
            ["u1", "view", "2026-11-01 10:00", "PC"],
            ["u2", big, "2026-11-01 11:00", "PC"],
            ["u3", "cart", "2026-11-01 12:00", "PC"],
        ],
    )
    r = load_file(unchanged, path, path.name, mode="replace")
    assert (r.rows_loaded, r.rows_rejected) == (2, 1)
    assert r.errors == [
        {
            "row": 3,
            "column": None,
            "value": None,
            "message": "column 2: a cell of 5,242,880 characters (the limit is 32,767)",
            "code": "long_cell",
            "args": {"column": 2, "chars": 5 << 20, "limit": 32_767},
        }
    ]


# ---------------------------------------------------------------- loaded verbatim


def test_sql_looking_headers_and_values_are_just_text(unchanged, tmp_path):
    header = [*EVENTS, '"; drop table orders; --']
    rows = [
        [
            "u1",
            "'); delete from traffic; --",
            "2026-11-01 10:00",
            "PC",
            "x'); drop table events; --",
        ],
        ["u2'; --", "view", "2026-11-01 11:00", "PC", "1; select 1"],
    ]
    path = f.write_csv(tmp_path / "inject.csv", [header, *rows])
    keep = {**inspect_file(path.read_bytes(), path.name).mapping, header[-1]: KEEP}
    r = load_file(unchanged, path, path.name, mode="replace", mapping=keep)
    assert (r.rows_loaded, r.rows_rejected) == (2, 0)
    cols, got = events(unchanged)
    assert cols[-1] == '"; drop table orders; --'
    assert [(x[0], x[1], x[-1]) for x in got] == [
        ("u1", "'); delete from traffic; --", "x'); drop table events; --"),
        ("u2'; --", "view", "1; select 1"),
    ]


def test_formula_cells_kept_verbatim(unchanged, tmp_path):
    values = ['=HYPERLINK("http://evil.example","点我")', "+1", "@SUM(A1:A9)", "-2+3", "=1+1"]
    rows = [[f"u{i}", v, f"2026-11-01 1{i}:00", "PC", v] for i, v in enumerate(values)]
    path = f.write_csv(tmp_path / "formulas.csv", [[*EVENTS, "活动名称"], *rows])
    keep = {**inspect_file(path.read_bytes(), path.name).mapping, "活动名称": KEEP}
    r = load_file(unchanged, path, path.name, mode="replace", mapping=keep)
    assert (r.rows_loaded, r.rows_rejected) == (5, 0)
    _, got = events(unchanged)
    assert [(x[1], x[-1]) for x in got] == [(v, v) for v in values]


def test_text_file_named_xlsx_is_read_as_csv(unchanged, tmp_path):
    path = f.write_csv(tmp_path / "events.xlsx", [EVENTS, ["u1", "view", "2026-11-01 10:00", "PC"]])
    r = load_file(unchanged, path, path.name, mode="replace")
    assert (r.kind, r.rows_loaded) == ("events", 1)
