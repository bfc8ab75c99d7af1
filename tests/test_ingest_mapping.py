"""Header mappings: proposed, given by hand, validated, saved and reused for the same header set."""

from __future__ import annotations

import re

import pytest
from fixtures import ingest_files as f

from shopsight import schema, workspace
from shopsight.ingest import IngestError, inspect_file, load_file
from shopsight.ingest.load import header_set_key

HEAD = ["单号", "下单", "实收", "客户"]


def test_a_confirmed_mapping_is_reused_for_the_next_file_with_the_same_headers(tmp_path):
    ws = workspace.open_workspace(tmp_path / "ws")
    mapping = {"单号": "order_id", "下单": "order_time", "实收": "paid_amount", "客户": "buyer_id"}
    first = f.write_csv(tmp_path / "w1.csv", [HEAD, ["A1", "2026-11-01", "10", "c1"]])
    f.load(tmp_path, first, ws=ws, kind="orders", mapping=mapping)
    # same header set, other order and spacing: detected, mapped and loaded without help
    second = f.write_csv(
        tmp_path / "w2.csv", [["客户 ", "实收", "单号", "下单"], ["c2", "20", "A2", "2026-11-02"]]
    )
    con = ws.connect()
    insp = inspect_file(second.read_bytes(), second.name, con=con, kind="orders")
    con.close()
    assert insp.saved_mapping_used and insp.mapping == {
        "客户": "buyer_id",
        "实收": "paid_amount",
        "单号": "order_id",
        "下单": "order_time",
    }
    _, r = f.load(tmp_path, second, ws=ws, kind="orders", mode="append")
    assert r.rows_loaded == 1
    assert sorted((x[0], x[2], x[7]) for x in f.table_rows(ws, "orders")) == [
        ("A1", "c1", 10.0),
        ("A2", "c2", 20.0),
    ]
    assert header_set_key(HEAD) == header_set_key(["客户 ", "实收", "单号", "下单"])


def test_a_mapping_by_hand_overrides_the_proposal(tmp_path):
    path = f.write_csv(
        tmp_path / "o.csv",
        [["订单编号", "订单创建时间", "买家实付金额", "总金额"], ["1", "2026-11-01", "9", "10"]],
    )
    ws, r = f.load(
        tmp_path,
        path,
        mapping={"订单编号": "order_id", "订单创建时间": "order_time", "总金额": "paid_amount"},
    )
    assert r.mapping["总金额"] == "paid_amount" and "买家实付金额" not in {
        h for h, c in r.mapping.items() if c
    }
    row = f.table_rows(ws, "orders")[0]
    # 买家实付金额, mapped to nothing, is not stored
    assert row[7] == 10 and "9" not in row and len(row) == len(schema.KINDS["orders"].columns)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            {"订单编号": "order_id", "订单创建时间": "order_time", "买家实付金额": "visitors"},
            "column(s) visitors are not part of the orders dataset",
        ),
        (
            {
                "订单编号": "order_id",
                "订单创建时间": "order_time",
                "买家实付金额": "paid_amount",
                "总金额": "paid_amount",
            },
            "more than one header is mapped to paid_amount",
        ),
        (
            {"订单编号": "order_id", "买家实付金额": "paid_amount"},
            "required column(s) for orders not found: order_time",
        ),
    ],
)
def test_bad_mappings_are_refused_and_load_nothing(tmp_path, mapping, message):
    path = f.write_csv(
        tmp_path / "o.csv",
        [["订单编号", "订单创建时间", "买家实付金额", "总金额"], ["1", "2026-11-01", "9", "10"]],
    )
    ws = workspace.open_workspace(tmp_path / "ws")
    with pytest.raises(IngestError, match=re.escape(message)):
        load_file(ws, path, path.name, kind="orders", mapping=mapping)
    assert f.table_rows(ws, "orders") == []


def test_kind_given_but_columns_missing(tmp_path):
    path = f.write_csv(tmp_path / "o.csv", [["订单编号", "买家实付金额"], ["1", "9"]])
    with pytest.raises(IngestError, match=r"required column\(s\) for orders not found: order_time"):
        f.load(tmp_path, path, kind="orders")
