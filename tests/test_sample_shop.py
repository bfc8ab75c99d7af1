"""The sample shop, built through the upload path, against the generator's own truth;
and every query in queries/ run on it.

The workspace is put in place once per module by sample.ensure_sample, exactly as the app
does on first use (a copy of sample_data/prebuilt/ while it is current, else a build from
sample_data/; tests/test_sample_prebuilt.py checks the copy against a fresh build).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from shopsight import queries, sample, schema, workspace

TRUTH = json.loads((Path(sample.SAMPLE_DIR) / "truth.json").read_text(encoding="utf-8"))

# One value per parameter name used anywhere in queries/: a default view of the
# sample shop (November, no filters).  A query with a parameter missing here fails,
# so a new parameter has to be given a sensible default.
DEFAULT_PARAMS = {
    "start": date(2026, 11, 1),
    "end": date(2026, 11, 30),
    "cmp_start": date(2026, 10, 2),
    "cmp_end": date(2026, 10, 31),
    "start_date": None,
    "end_date": None,
    "cmp_start_date": date(2026, 10, 2),
    "cmp_end_date": date(2026, 10, 31),
    "src": None,
    "dev": None,
    "prov": None,
    "cat": None,
    "plat": None,
    "cur": None,
    "source": None,
    "device": None,
    "province": None,
    "by": None,
    "steps": ["浏览商品", "加入购物车", "提交订单", "支付成功"],
    "window_seconds": 86_400,
    "test_id": None,
    "product_id": None,
    "origin": "orders",
    "level": "product",
    "slow_days": 14,
    "cover_days": 14,
    "limit": 8,
    "undated": True,
    "grain": "month",
    "segment": "champions",  # customers_rfm lists that segment's buyer ids
    "as_of": date(2026, 11, 30),
    "lost": ["已流失"],
    "product_ids": ["P1001", "P1002"],
    "load_id": 3,  # the sample's 商品 load
}
NOT_PAGE_QUERIES = {"ingest_macros", "ingest_orders_again", "macros"}  # not page queries


@pytest.fixture(scope="module")
def sample_con(tmp_path_factory):
    ws = workspace.open_workspace(tmp_path_factory.mktemp("sample") / "ws")
    sample.ensure_sample(ws)
    con = ws.connect(read_only=True)
    yield con
    con.close()


def _truth_by_kind() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for entry in TRUTH["files"].values():
        kind = entry.get("kind")
        if kind is None:
            continue
        sums = out.setdefault(kind, {"_rows": 0})
        sums["_rows"] += entry["rows"]
        for col, value in entry["sums"].items():
            if col in schema.KINDS[kind].column_names:
                sums[col] = sums.get(col, 0) + value
    return out


@pytest.mark.parametrize("kind", sorted(_truth_by_kind()))
def test_loaded_sample_equals_the_generators_truth(sample_con, kind):
    want = _truth_by_kind()[kind]
    rows = sample_con.execute(f'select count(*) from "{kind}"').fetchone()[0]
    assert rows == want["_rows"]
    for col, value in want.items():
        if col == "_rows":
            continue
        agg = "count_if(closed)" if col == "closed" else f'sum("{col}")'
        got = sample_con.execute(f'select {agg} from "{kind}"').fetchone()[0]
        if isinstance(got, Decimal):  # money is exact: the truth's yuan to the fen
            assert got == Decimal(repr(value)), col
        else:
            assert got == pytest.approx(value, abs=0.01), col


def test_sample_orders_by_province_equal_the_truth(sample_con):
    entry = next(e for e in TRUTH["files"].values() if e.get("kind") == "orders")
    want = entry["checks"]["paid_amount_by_province"]
    got = dict(
        sample_con.execute(
            "select province, sum(paid_amount) filter (where paid) from orders group by 1"
        ).fetchall()
    )
    assert {p: got.get(p) for p in want} == {p: Decimal(repr(v)) for p, v in want.items()}


def test_sample_orders_count_on_their_payment_day(sample_con):
    """支付金额 per day is by payment time; creation time is kept beside it."""
    c = next(e for e in TRUTH["files"].values() if e.get("kind") == "orders")["checks"]
    on_1111 = sample_con.execute(
        "select sum(paid_amount) from orders where paid and order_time::date = date '2026-11-11'"
    ).fetchone()[0]
    assert on_1111 == Decimal(repr(c["paid_amount_on_2026-11-11"]))
    later = sample_con.execute(
        "select count(distinct order_id) from orders "
        "where paid and order_time::date <> created_time::date"
    ).fetchone()[0]
    assert later == c["paid_orders_paid_on_a_later_day"] > 0
    unpaid = sample_con.execute(
        "select count(distinct order_id), bool_and(order_time = created_time) "
        "from orders where not paid"
    ).fetchone()
    assert unpaid == (c["orders"] - c["paid_orders"], True)


def test_sample_buyers_equal_the_truth(sample_con):
    # a buyer column is read for phone numbers: Taobao nicknames with digits are nicknames
    c = next(e for e in TRUTH["files"].values() if e.get("kind") == "orders")["checks"]
    got = sample_con.execute(
        "select count(distinct buyer_id), count(distinct buyer_id) filter (where paid) from orders"
    ).fetchone()
    assert got == (c["distinct_buyers"], c["paying_buyers"])


def test_sample_keeps_no_personal_data(sample_con):
    cols = {c.lower() for c in workspace.table_columns(sample_con, "orders")}
    assert not cols & {"收货人姓名", "联系手机", "收货地址", "收货地址 "}
    text = sample_con.execute("select * from orders limit 2000").df().astype(str)
    assert not text.apply(lambda c: c.str.contains(r"1[3-9]\d\*{4}\d{4}", regex=True)).any().any()


@pytest.mark.parametrize("name", [n for n in queries.names() if n not in NOT_PAGE_QUERIES])
def test_every_query_runs_on_the_sample_shop(sample_con, name):
    missing = queries.params_of(name) - DEFAULT_PARAMS.keys()
    assert not missing, f"give {sorted(missing)} a default in DEFAULT_PARAMS"
    if name.startswith("rollup_"):
        # rollups rebuild tables; on the read-only connection check they are there and agree
        table = name
        assert sample_con.execute(f"select count(*) from {table}").fetchone()[0] > 0
        return
    if name == "abtest_variant_names" and "variant_name" not in workspace.table_columns(
        sample_con, "image_tests"
    ):
        pytest.skip("the sample has no creative names")
    df = queries.run(sample_con, name, **DEFAULT_PARAMS)
    assert df is not None
    assert list(df.columns), name
