"""1688 inquiries: every figure of shopsight.inquiry_analysis (through queries/inquiries_*.sql)
against a brute-force count over the rows written, and the sample shop's file against the
generator's own truth."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from shopsight import inquiry_analysis, numbers, queries, sample, workspace

START, END = date(2026, 11, 1), date(2026, 11, 30)
CHANNELS = ("旺旺", "微信", "电话", None)
TYPES = ("新客户", "老客户", "分销商", None)
PROVINCES = ("浙江省", "广东省", "山东省", "海外", None)
REASONS = ("价格偏高", "仅比价", "交期太长", None)
FOLLOW_UPS = ("已报价待回复", "已流失", "持续跟进", None)


def make_rows() -> list[dict]:
    """Deterministic rows with every kind of gap: no channel, no type, no province, closed
    null, lost follow-ups, repeat customers, rows before the range."""
    rows = []
    for n in range(157):
        day = date(2026, 10, 20) + timedelta(days=(n * 7) % 42)
        closed = None if n % 23 == 0 else (n % 3 == 0)
        rows.append(
            {
                "date": day,
                "customer_id": f"c{n % 61}",
                "customer_type": TYPES[n % 4],
                "channel": CHANNELS[(n // 2) % 4],
                "closed": closed,
                "transaction_type": "现货批发" if closed else None,
                "reason_not_closed": None if closed else REASONS[n % 4],
                "follow_up": FOLLOW_UPS[n % 4],
                "province": PROVINCES[n % 5],
                "amount": (100.0 + n) if closed and n % 5 else None,
            }
        )
    return rows


@pytest.fixture(scope="module")
def inq(tmp_path_factory):
    ws = workspace.open_workspace(tmp_path_factory.mktemp("inq") / "ws")
    rows = make_rows()
    con = ws.connect()
    try:
        workspace.write_dataset(
            ws, "inquiries", pa.Table.from_pylist(rows), file="inq.csv", con=con
        )
    finally:
        con.close()
    con = ws.connect(read_only=True)
    yield con, rows
    con.close()


def runner(con):
    return lambda name, **p: queries.run(con, name, **p)


PARAMS = {"start": START, "end": END, "prov": None}
BEFORE = {"start": date(2026, 10, 1), "end": date(2026, 10, 31), "prov": None}


def in_range(rows, start=START, end=END, prov=None):
    return [
        r for r in rows if start <= r["date"] <= end and (prov is None or r["province"] in prov)
    ]


def test_totals_equal_brute_force(inq):
    con, rows = inq
    q = inquiry_analysis.load(runner(con), PARAMS, BEFORE)
    mine = in_range(rows)
    closed = [r for r in mine if r["closed"]]
    v = q.values()
    assert v["inquiries"] == len(mine)
    assert v["closed_inquiries"] == len(closed)
    assert v["close_rate"] == pytest.approx(len(closed) / len(mine))
    assert v["deal_amount"] == pytest.approx(sum(r["amount"] for r in closed if r["amount"]))
    assert v["customers"] == len({r["customer_id"] for r in mine})
    before = in_range(rows, BEFORE["start"], BEFORE["end"])
    assert q.values("compare")["inquiries"] == len(before)
    assert q.values("compare")["closed_inquiries"] == sum(1 for r in before if r["closed"])


@pytest.mark.parametrize("dim", inquiry_analysis.DIMS)
def test_close_rate_by_dimension_equals_brute_force(inq, dim):
    con, rows = inq
    got = inquiry_analysis.load(runner(con), PARAMS).by(dim)
    mine = in_range(rows)
    count = Counter(r[dim] for r in mine)
    closed = Counter(r[dim] for r in mine if r["closed"])
    assert len(got) == len(count)
    for r in got.to_dict("records"):
        key = None if r["value"] is None or r["value"] != r["value"] else r["value"]
        assert r["count_inquiries"] == count[key], (dim, key)
        assert r["count_closed"] == closed[key], (dim, key)
        assert r["close_rate"] == pytest.approx(closed[key] / count[key])
        assert r["is_small"] == (count[key] < inquiry_analysis.SMALL_GROUP)
    named = got[got["value"].notna()]["count_inquiries"].tolist()
    assert named == sorted(named, reverse=True)  # most inquiries first
    if None in count:
        assert got["value"].isna().iloc[-1]  # "not given" last


def test_province_filter_applies(inq):
    con, rows = inq
    prov = ["浙江省", "山东省"]
    q = inquiry_analysis.load(runner(con), {**PARAMS, "prov": prov})
    mine = in_range(rows, prov=prov)
    assert q.values()["inquiries"] == len(mine)
    assert set(q.by("province")["value"]) == set(prov)
    assert int(q.daily["count_inquiries"].sum()) == len(mine)


def test_daily_per_channel_equals_brute_force(inq):
    con, rows = inq
    q = inquiry_analysis.load(runner(con), PARAMS)
    want = Counter((r["date"], r["channel"]) for r in in_range(rows))
    got = {
        (d.date() if hasattr(d, "date") else d, None if c is None or c != c else c): n
        for d, c, n in zip(
            q.daily["day"], q.daily["channel"], q.daily["count_inquiries"], strict=True
        )
    }
    assert got == dict(want)
    totals = inquiry_analysis.daily_totals(q.daily)
    assert int(totals["count_inquiries"].sum()) == len(in_range(rows))


def test_reasons_pareto_equals_brute_force(inq):
    con, rows = inq
    q = inquiry_analysis.load(runner(con), PARAMS)
    open_rows = [r for r in in_range(rows) if not r["closed"]]
    want = Counter(r["reason_not_closed"] for r in open_rows)
    got = dict(
        zip(
            [None if r != r else r for r in q.reasons["reason"]],
            q.reasons["count_inquiries"],
            strict=True,
        )
    )
    assert got == dict(want)
    assert q.reasons["cum_share"].iloc[-1] == pytest.approx(1.0)
    named = q.reasons[q.reasons["reason"].notna()]["count_inquiries"].tolist()
    assert named == sorted(named, reverse=True)


def test_open_inquiries_oldest_first_with_age(inq):
    con, rows = inq
    q = inquiry_analysis.load(runner(con), PARAMS)
    want = [
        r
        for r in in_range(rows)
        if not r["closed"] and r["follow_up"] not in inquiry_analysis.LOST_FOLLOW_UPS
    ]
    assert len(q.open) == len(want)
    days = [d.date() if hasattr(d, "date") else d for d in q.open["date"]]
    assert days == sorted(days)
    for d, age in zip(days, q.open["age_days"], strict=True):
        assert age == (END - d).days
    assert "已流失" not in set(q.open["follow_up"].dropna())


def test_new_and_returning_customers_per_week(inq):
    con, rows = inq
    q = inquiry_analysis.load(runner(con), PARAMS)
    first = {}
    for r in sorted(rows, key=lambda r: r["date"]):
        first.setdefault(r["customer_id"], r["date"])

    def monday(d):
        return d - timedelta(days=d.weekday())

    new, back = Counter(), Counter()
    seen = set()
    for r in in_range(rows):
        key = (monday(r["date"]), r["customer_id"])
        if key in seen:
            continue
        seen.add(key)
        if monday(first[r["customer_id"]]) == key[0]:
            new[key[0]] += 1
        else:
            back[key[0]] += 1
    got = {
        (w.date() if hasattr(w, "date") else w): (a, b)
        for w, a, b in zip(
            q.customers["week_start"],
            q.customers["count_new"],
            q.customers["count_returning"],
            strict=True,
        )
    }
    assert got == {w: (new[w], back[w]) for w in set(new) | set(back)}


def test_sentences_say_the_numbers(inq):
    con, rows = inq
    q = inquiry_analysis.load(runner(con), PARAMS, BEFORE)
    said = inquiry_analysis.sentences(q, "zh", period_word="上月")
    assert 2 <= len(said) <= 4
    assert f"询盘 {len(in_range(rows))} 条" in said[0]
    assert "上月" in said[0]
    # the close rate's change as its card shows it (relative), and in points
    now, before = q.values()["close_rate"], q.values("compare")["close_rate"]
    rel = numbers.fmt_change(numbers.change(now, before), "zh")
    assert f"成交率 {rel}（{numbers.fmt_signed(now - before, 1, '')} 个百分点）" in said[0]
    en = inquiry_analysis.sentences(q, "en")
    assert en[0].startswith(f"{len(in_range(rows))} inquiries")
    empty = inquiry_analysis.load(
        runner(con), {**PARAMS, "start": date(2020, 1, 1), "end": date(2020, 1, 7)}
    )
    assert empty.empty and inquiry_analysis.sentences(empty, "en") == [
        "No inquiries in this period."
    ]


def test_sample_shop_matches_the_generator_truth(tmp_path):
    truth = json.loads(Path(sample.SAMPLE_DIR, "truth.json").read_text(encoding="utf-8"))
    checks = next(f for f in truth["files"].values() if f["kind"] == "inquiries")
    ws = workspace.open_workspace(tmp_path / "ws")
    from shopsight.ingest import load_file

    path = next(Path(sample.SAMPLE_DIR).glob("1688询盘统计_*.csv"))
    load_file(ws, path, path.name)
    con = ws.connect(read_only=True)
    try:
        q = inquiry_analysis.load(
            runner(con), {"start": date(2026, 9, 1), "end": date(2026, 11, 30), "prov": None}
        )
    finally:
        con.close()
    assert q.values()["inquiries"] == checks["rows"]
    assert q.values()["closed_inquiries"] == checks["sums"]["closed"]
    assert q.values()["deal_amount"] == pytest.approx(checks["sums"]["amount"])
    assert q.values()["customers"] == checks["checks"]["distinct_customers"]
    by_channel = q.by("channel").set_index("value")
    for channel, c in checks["checks"]["by_channel"].items():
        assert by_channel.at[channel, "count_inquiries"] == c["inquiries"]
        assert by_channel.at[channel, "close_rate"] == pytest.approx(c["close_rate"], abs=1e-6)
    by_type = q.by("customer_type").set_index("value")
    for kind, c in checks["checks"]["by_customer_type"].items():
        assert by_type.at[kind, "count_closed"] == c["closed"]
    provinces = inquiry_analysis.province_rows(q.groups).set_index("name")["count_inquiries"]
    assert provinces.to_dict() == checks["checks"]["inquiries_by_province"]


def test_whether_an_inquiry_closed_from_its_status_or_a_deals_amount(tmp_path):
    from decimal import Decimal

    from fixtures import ingest_files as f

    # no 是否成交: 询盘状态 says it (已成交 closes, 跟进中 / 未成交 / 已报价 do not)
    rows = [["询盘时间", "客户名称", "询盘来源", "询盘状态", "成交金额"]]
    rows += [["2026-11-01 10:00:00", f"c{k}", "询价单", s, a] for k, (s, a) in enumerate(
        [("已成交", "50.00"), ("跟进中", ""), ("未成交", ""), ("已报价", ""), ("成交", "30")]
    )]  # fmt: skip
    ws, r = f.load(tmp_path / "a", f.write_csv(tmp_path / "1688询盘统计_202611.csv", rows))
    assert "closed" in r.derived
    assert f.fetch(ws, "select customer_id, closed from inquiries order by 1") == [
        ("c0", True), ("c1", False), ("c2", False), ("c3", False), ("c4", True)
    ]  # fmt: skip
    # 是否成交 left blank beside a deal's amount: a deal; blank without one: not known
    rows = [["询盘日期", "客户名称", "询盘渠道", "是否成交", "成交金额"]]
    rows += [["2026-11-02", "d0", "旺旺", "", "2000"], ["2026-11-02", "d1", "旺旺", "", ""]]
    rows += [["2026-11-02", "d2", "旺旺", "否", ""]]
    ws, _ = f.load(tmp_path / "b", f.write_csv(tmp_path / "1688询盘统计_202611.csv", rows))
    assert f.fetch(ws, "select customer_id, closed, amount from inquiries order by 1") == [
        ("d0", True, Decimal("2000.00")), ("d1", None, Decimal("0.00")), ("d2", False, Decimal("0.00"))
    ]  # fmt: skip
