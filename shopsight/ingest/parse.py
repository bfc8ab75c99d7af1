"""Type a sheet's cells into a canonical table with DuckDB, reporting every bad cell.

The cells arrive as text under positional names (c0, c1, …), so no header text
from a file ever reaches SQL.  Values are typed by the macros in
queries/ingest_macros.sql; a non-empty cell that comes back null is an error
for its row, and that row is not loaded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from shopsight import queries, schema
from shopsight.geo import names as geo_names
from shopsight.ingest import synonyms
from shopsight.ingest.readers import MAX_CELL_CHARS

MAX_REPORTED_ERRORS = 10_000
SUMMARY_WORDS = ("合计", "总计", "汇总", "总和", "total", "grand total", "totals", "sum", "小计")

_PARSER = {
    schema.DATE: "ss_date",
    schema.TIMESTAMP: "ss_ts",
    schema.INT: "ss_int",
    schema.NUM: "ss_num",
    schema.BOOL: "ss_bool",
    schema.TEXT: "ss_text",
}
_ID_COLUMNS = {"order_id", "buyer_id", "product_id", "sku_id", "customer_id", "user_id"}
_PROBLEM = {
    "ss_date": "is not a date (e.g. 2026-11-01, 2026/11/1, 20261101, 2026年11月1日)",
    "ss_ts": "is not a date/time (e.g. 2026-11-01 10:30:00)",
    "ss_int": "is not a number",
    "ss_num": "is not a number",
    "ss_bool": "is not a yes/no value (是/否, 成交/未成交, true/false)",
    "ss_id": "is an id in scientific notation: its digits were lost in Excel; export the column as text",
}
# Order-level fields that Shopify-style exports fill only on an order's first line.
_ORDER_LEVEL = ("order_time", "buyer_id", "status", "province", "city", "source", "device")


@dataclass
class ParseResult:
    table: pa.Table
    errors: list[dict] = field(default_factory=list)
    rows_rejected: int = 0
    derived: list[str] = field(default_factory=list)
    summary_rows_dropped: int = 0
    blank_rows: int = 0


def _is_summary(row: list[str | None]) -> bool:
    first = next((c for c in row if c and c.strip()), None)
    return first is not None and first.strip().lower().rstrip(":：") in SUMMARY_WORDS


def raw_table(rows: list[list[str | None]], header_index: int, width: int) -> tuple[pa.Table, int, int]:
    """Text columns c0..c{width-1}, `_row` (the file's 1-based row) and `_problem`."""
    cols: list[list[str | None]] = [[] for _ in range(width)]
    row_nos: list[int] = []
    problems: list[str | None] = []
    summary = blank = 0
    for i in range(header_index + 1, len(rows)):
        row = rows[i]
        if not any(c is not None and c.strip() for c in row):
            blank += 1
            continue
        if _is_summary(row):
            summary += 1
            continue
        problem = None
        if len(row) > width and any(c is not None and c.strip() for c in row[width:]):
            problem = f"the row has {len(row)} cells but the header has {width} columns"
        long = next((j for j, c in enumerate(row[:width]) if c is not None and len(c) > MAX_CELL_CHARS), None)
        if long is not None:
            problem = (
                f"column {long + 1}: a cell of {len(row[long]):,} characters "
                f"(the limit is {MAX_CELL_CHARS:,})"
            )
        for j in range(width):
            cell = row[j] if j < len(row) else None
            if long is not None and cell is not None and len(cell) > MAX_CELL_CHARS:
                cell = None
            cols[j].append(cell)
        row_nos.append(i + 1)
        problems.append(problem)
    arrays = {f"c{j}": pa.array(cols[j], pa.string()) for j in range(width)}
    arrays["_row"] = pa.array(row_nos, pa.int64())
    arrays["_problem"] = pa.array(problems, pa.string())
    return pa.table(arrays), summary, blank


def _parser_for(canonical: str, kind: str) -> str:
    if canonical.startswith("rate:"):
        return "ss_num"
    if canonical in _ID_COLUMNS or (kind == "image_tests" and canonical == "product_id"):
        return "ss_id"
    col = schema.KINDS[kind].column(canonical)
    if col.type == schema.ID:
        return "ss_id"
    return _PARSER[col.type]


def _region_lookup(con: duckdb.DuckDBPyConnection, expr: str, split: bool) -> None:
    """Normalise distinct province (or address) values in Python, joinable as `_geo`."""
    values = [r[0] for r in con.execute(f"select distinct {expr} from t1 where {expr} is not null").fetchall()]
    prov, city = [], []
    for v in values:
        if split:
            p, c = geo_names.split_address(v)
        else:
            p, c = geo_names.normalize_province(v), None
        prov.append(p)
        city.append(c)
    con.register("_geo", pa.table({"k": pa.array(values, pa.string()),
                                   "g_province": pa.array(prov, pa.string()),
                                   "g_city": pa.array(city, pa.string())}))


def parse_sheet(
    rows: list[list[str | None]],
    header_index: int,
    headers: list[str],
    mapping: dict[str, str],
    kind: str,
    *,
    period: tuple[dt.date, dt.date] | None = None,
    device: str | None = None,
) -> ParseResult:
    k = schema.KINDS[kind]
    width = len(headers)
    raw, summary, blank = raw_table(rows, header_index, width)
    con = duckdb.connect(":memory:", config={"threads": 2})
    try:
        con.execute(queries.sql("ingest_macros"))
        con.register("raw", raw)
        col_of = {h: j for j, h in enumerate(headers)}
        mapped = {canon: col_of[h] for h, canon in mapping.items() if canon and h in col_of}
        address = next((col_of[h] for h in headers if synonyms.is_address(h)), None)

        # stage 1: typed values, one error flag per mapped cell, extras as text
        select = ["_row", "_problem"]
        checks: list[tuple[str, int, str]] = []  # (canonical, source column index, parser)
        for canon, j in mapped.items():
            fn = _parser_for(canon, kind)
            alias = canon.replace(":", "__")
            select.append(f"{fn}(c{j}) as {alias}")
            if fn != "ss_text":
                select.append(f"(not ss_is_null(c{j}) and {fn}(c{j}) is null) as e{j}")
                checks.append((canon, j, fn))
            if canon == "date" and kind in ("traffic", "products", "regions"):
                select.append(f"ss_date(ss_range_end(c{j})) as _range_end")
        skipped = {h for h in headers if synonyms.is_personal(h) or synonyms.is_address(h)
                   or synonyms.is_comparison(h)}
        extras = [(j, h) for j, h in enumerate(headers)
                  if not mapping.get(h) and h not in skipped]
        for j, _h in extras:
            select.append(f"nullif(trim(c{j}), '') as x{j}")
        if address is not None:
            select.append(f"ss_text(c{address}) as _address")
        con.execute(f"create temp table t1 as select {', '.join(select)} from raw")

        present = {c.replace(":", "__") for c in mapped}
        derived: list[str] = []
        params: dict = {}

        # stage 2: fill what the file implies but does not state (DESIGN §2)
        out: dict[str, str] = {}
        for col in k.columns:
            name = col.name
            expr = f"t1.{name}" if name in present else None
            if name == "date" and k.period and expr is None and period:
                expr, params["p_start"] = "$p_start", period[0]
                derived.append("date")
            if name == "date_end" and k.period:
                parts = [p for p in ("t1.date_end" if "date_end" in present else None,
                                     "t1._range_end" if "date" in present else None) if p]
                if "date" in present:
                    parts.append("t1.date")
                elif period:
                    params["p_end"] = period[1]
                    parts.append("$p_end")
                expr = f"coalesce({', '.join(parts)})" if parts else None
            if name == "device" and device and expr is None:
                expr, params["device"] = "$device", device
                derived.append("device")
            if expr is None and col.default is not None:
                params[f"d_{name}"] = col.default
                expr = f"$d_{name}"
            out[name] = expr

        def derive(target: str, expr: str) -> None:
            if out.get(target) is None:
                out[target] = expr
                derived.append(target)

        if "rate__conversion" in present and "visitors" in present:
            derive("paying_buyers", "cast(round(t1.visitors * t1.rate__conversion) as bigint)")
        if "rate__order" in present and "visitors" in present:
            derive("order_buyers", "cast(round(t1.visitors * t1.rate__order) as bigint)")
        if "rate__add_to_cart" in present and "visitors" in present:
            derive("add_to_cart_buyers", "cast(round(t1.visitors * t1.rate__add_to_cart) as bigint)")
        if kind == "image_tests":
            if "rate__ctr" in present and "impressions" in present:
                derive("clicks", "cast(round(t1.impressions * t1.rate__ctr) as bigint)")
            if "product_id" in present:
                derive("test_id", "t1.product_id")
        if "rate__aov" in present and out.get("paying_buyers"):
            derive("paid_amount", f"round(({out['paying_buyers']}) * t1.rate__aov, 2)")

        geo_join = ""
        if "province" in [c.name for c in k.columns]:
            if "province" in present:
                _region_lookup(con, "province", split=False)
                geo_join = "left join _geo on _geo.k = t1.province"
                out["province"] = "_geo.g_province"
            elif address is not None:
                _region_lookup(con, "_address", split=True)
                geo_join = "left join _geo on _geo.k = t1._address"
                out["province"] = "_geo.g_province"
                derived.append("province")
                if "city" in k.column_names and "city" not in present:
                    out["city"] = "_geo.g_city"
                    derived.append("city")

        if kind == "orders" and "order_id" in present:
            repeated = con.execute(
                "select count(*) > count(distinct order_id) from t1 where order_id is not null"
            ).fetchone()[0]
            if repeated:
                # continuation lines: order-level money counts once, fields fill down
                w = "over (partition by t1.order_id order by _row rows between unbounded preceding and current row)"
                first = "row_number() over (partition by t1.order_id order by _row) = 1"
                for name in _ORDER_LEVEL:
                    if out.get(name):
                        out[name] = f"last_value({out[name]} ignore nulls) {w}"
                for money in ("paid_amount", "refund_amount"):
                    if out.get(money):
                        out[money] = f"case when {first} then {out[money]} else coalesce({out[money]}, 0) end"

        cols_sql = [f"{out[c.name] or 'null'} as {c.name}" for c in k.columns]
        cols_sql += [f"x{j}" for j, _ in extras]
        error_flags = [f"e{j}" for _, j, _ in checks]
        required = [f"({out[c]}) is null" for c in k.required if out.get(c)]
        missing_required = [c for c in k.required if not out.get(c)]
        if missing_required:
            raise ValueError(f"required column(s) not mapped: {', '.join(missing_required)}")
        bad = " or ".join(["_problem is not null", *error_flags, *required])
        con.execute(
            f"create temp table t2 as select _row, ({bad}) as _bad, {', '.join(cols_sql)}, "
            f"{', '.join(['_problem', *error_flags]) if error_flags else '_problem'} "
            f"from t1 {geo_join}",
            params,
        )
        n_bad = con.execute("select count(*) from t2 where _bad").fetchone()[0]
        errors: list[dict] = []
        if n_bad:
            errors = _collect_errors(con, headers, checks, k, mapped)
        keep = [c.name for c in k.columns] + [f"x{j}" for j, _ in extras]
        table = con.execute(
            f"select {', '.join(keep)} from t2 where not _bad order by _row"
        ).fetch_arrow_table()
        names = [c.name for c in k.columns] + [h for _, h in extras]
        table = table.rename_columns(_unique_names(names))
        return ParseResult(table, errors, n_bad, sorted(set(derived)), summary, blank)
    finally:
        con.close()


def _unique_names(names: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for n in names:
        name = n
        i = 2
        while name in seen:
            name = f"{n}__{i}"
            i += 1
        seen.add(name)
        out.append(name)
    return out


def _collect_errors(con, headers, checks, k, mapped) -> list[dict]:
    errors: list[dict] = []
    header_of = {j: headers[j] for j in range(len(headers))}
    raw_cols = sorted({j for _, j, _ in checks} | set(mapped.values()))
    raw_select = ", ".join(f"c{j}" for j in raw_cols) or "null"
    flag_select = ", ".join(f"t2.e{j}" for _, j, _ in checks) or "null"
    req_select = ", ".join(f"t2.{c} is null" for c in k.required) or "null"
    rows = con.execute(
        f"select t2._row, t2._problem, {flag_select}, {req_select}, {raw_select} "
        f"from t2 join raw using (_row) where t2._bad order by t2._row limit {MAX_REPORTED_ERRORS}"
    ).fetchall()
    n_flags = len(checks) if checks else 1
    n_req = len(k.required) if k.required else 1
    for r in rows:
        row_no, problem = r[0], r[1]
        flags = r[2:2 + n_flags]
        reqs = r[2 + n_flags:2 + n_flags + n_req]
        raw_vals = dict(zip(raw_cols, r[2 + n_flags + n_req:], strict=False))
        if problem:
            errors.append({"row": row_no, "column": None, "value": None, "message": problem})
        for (canon, j, fn), flag in zip(checks, flags, strict=False):
            if flag:
                value = raw_vals.get(j)
                errors.append({
                    "row": row_no, "column": header_of[j], "value": _short(value),
                    "message": f"{header_of[j]} ({canon}): {_short(value)!r} {_PROBLEM[fn]}",
                })
        for col, missing in zip(k.required, reqs, strict=False):
            if missing and not any(e["row"] == row_no and e["column"] == _header_for(col, mapped, header_of)
                                   for e in errors[-5:]):
                src = _header_for(col, mapped, header_of)
                errors.append({
                    "row": row_no, "column": src, "value": None,
                    "message": f"{src or col} ({col}): a required value is empty",
                })
    return errors


def _header_for(col: str, mapped: dict[str, int], header_of: dict[int, str]) -> str | None:
    j = mapped.get(col)
    return header_of[j] if j is not None else None


def _short(value: str | None, limit: int = 80) -> str | None:
    if value is None:
        return None
    return value if len(value) <= limit else value[:limit] + "…"
