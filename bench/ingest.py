"""Ingest speed: `shopsight ingest` (load_file) vs bare DuckDB / pandas / python-calamine.

    python bench/ingest.py                      # 1M-row order CSV, 200k-row order XLSX
    python bench/ingest.py --rows 200000 --xlsx-rows 50000 --repeat 1
    python bench/ingest.py --only daily --into bench/out/workspaces/teams/bench-10000000-…

The files are generated once (seeded, deterministic) under bench/out/ and reused.  Every
contender reads the same file in the same run, each run once per repeat in turn; the best
time of each is compared, wall-clock and CPU (the machine is shared: CPU seconds are
the steadier measure).  load_file does everything an upload does: sniffing, header
detection, kind detection, typing every value, dropping personal columns, province/city from
收货地址, and one transaction into a workspace file.  Bare DuckDB only reads the CSV into a
table of a database file (auto-detected types), pandas only reads it into a DataFrame, and
bare calamine only turns the sheet into Python values.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shopsight import workspace  # noqa: E402
from shopsight.ingest import load as load_module  # noqa: E402
from shopsight.ingest import load_file  # noqa: E402
from shopsight.workspace import rollup_refresh  # noqa: E402
from shopsight.workspace.sql import sql_literal  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
THREADS = 2

HEADER = [
    "订单编号",
    "买家会员名",
    "买家应付货款",
    "买家应付邮费",
    "总金额",
    "买家实付金额",
    "订单状态",
    "收货人姓名",
    "收货地址",
    "联系手机",
    "订单创建时间",
    "订单付款时间",
    "商品标题",
    "宝贝种类",
    "宝贝总数量",
    "商家编码",
    "退款金额",
    "店铺名称",
]
PROVINCES = [
    "广东省 深圳市 南山区",
    "浙江省 杭州市 西湖区",
    "江苏省 南京市 建邺区",
    "山东省 青岛市 市南区",
    "上海 上海市 浦东新区",
    "北京 北京市 朝阳区",
    "四川省 成都市 武侯区",
    "河南省 郑州市 金水区",
    "湖北省 武汉市 洪山区",
    "福建省 厦门市 思明区",
    "广西壮族自治区 南宁市 青秀区",
    "新疆维吾尔自治区 乌鲁木齐市 天山区",
    "内蒙古自治区 呼和浩特市 新城区",
    "重庆 重庆市 渝中区",
]
STATUSES = [
    "交易成功",
    "卖家已发货，等待买家确认",
    "买家已付款,等待卖家发货",
    "交易关闭",
    "等待买家付款",
]
TITLES = [
    "男士连帽卫衣秋冬加绒宽松外套",
    "纯棉短袖T恤男夏季圆领打底衫",
    "休闲裤男直筒宽松长裤",
    "羽绒服男短款冬季保暖外套",
    "牛仔裤男修身小脚弹力",
    "衬衫男长袖商务免烫白衬衣",
]


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _rows_sql(n: int) -> str:
    """One order line per row; pseudo-random but deterministic (hashes of the row number)."""
    return f"""
        with r as (select i, hash(i) as h, hash(i * 7919) as g from range({n}) t(i))
        select
            (6000000000000000000 + i * 7 + h % 7)::varchar as "订单编号",
            'tb_' || (g % {max(n // 3, 1)})::varchar as "买家会员名",
            round(50 + (h % 90000) / 100.0, 2) as goods,
            case when h % 5 = 0 then 10.0 else 0.0 end as ship,
            round(goods + ship, 2) as "总金额",
            case when h % 23 = 0 then 0.0 else round(goods + ship - (g % 500) / 100.0, 2) end
                as "买家实付金额",
            {_sql_list(STATUSES)}[1 + (g % 5)::int] as "订单状态",
            '张' || (h % 1000)::varchar as "收货人姓名",
            {_sql_list(PROVINCES)}[1 + (h % {len(PROVINCES)})::int] || ' 某某街道'
                || (g % 300)::varchar || '号' as "收货地址",
            '138****' || lpad((g % 10000)::varchar, 4, '0') as "联系手机",
            timestamp '2026-11-01' + to_seconds((h % (30 * 86400))::bigint) as created,
            strftime(created, '%Y-%m-%d %H:%M:%S') as "订单创建时间",
            case when h % 23 = 0 then ''
                 else strftime(created + to_seconds((g % 3600)::bigint), '%Y-%m-%d %H:%M:%S')
            end as "订单付款时间",
            {_sql_list(TITLES)}[1 + (g % {len(TITLES)})::int] as "商品标题",
            1 + (h % 3) as "宝贝种类",
            1 + (g % 4) as "宝贝总数量",
            'SKU-' || lpad((h % 5000)::varchar, 5, '0') as "商家编码",
            case when g % 11 = 0 then round(goods / 2, 2) else 0.0 end as "退款金额",
            '拾衣男装旗舰店' as "店铺名称"
        from r
    """


def _select_out() -> str:
    cols = [f'"{h}"' for h in HEADER]
    cols[2], cols[3] = 'goods as "买家应付货款"', 'ship as "买家应付邮费"'
    return ", ".join(cols)


def make_csv(n: int) -> Path:
    path = OUT / f"orders_{n}.csv"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        con.execute(
            f"copy (select {_select_out()} from ({_rows_sql(n)})) to '{path}' "
            "(header, delimiter ',', quote '\"')"
        )
        con.close()
    return path


def make_xlsx(n: int) -> Path:
    path = OUT / f"orders_{n}.xlsx"
    if path.exists():
        return path
    import xlsxwriter  # dev requirement

    OUT.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    rows = con.execute(f"select {_select_out()} from ({_rows_sql(n)})").fetchall()
    con.close()
    tmp = path.with_suffix(".tmp.xlsx")
    wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    ws = wb.add_worksheet("订单")
    ws.write_row(0, 0, HEADER)
    text_cols = {0, 1, 6, 7, 8, 9, 10, 11, 12, 15, 17}
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if c in text_cols:
                ws.write_string(r, c, v)  # 19-digit ids as text cells, like the 千牛 export
            elif v == "":
                continue
            else:
                ws.write_number(r, c, v)
    wb.close()
    tmp.replace(path)
    return path


def _cpu() -> float:
    # children too: workbooks are parsed in a child process (shopsight/ingest/isolated.py)
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _timed(fn) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process and its children, rows) of fn() -> rows."""
    wall, cpu = time.perf_counter(), _cpu()
    rows = fn()
    return time.perf_counter() - wall, _cpu() - cpu, rows


# Parts of load_file, timed inside it: reading and typing the file (isolated.read_workbook +
# load.parse_sheet), and building the order rollups (rollups.rebuild_rollups, inside the
# write transaction: patched in its own module, where the file backend looks it up), or
# refreshing them (rollup_refresh.refresh, which falls back to the build). The rest is the
# table write, its transaction and the checkpoint.
PARTS = {"read + type": [0.0, 0.0], "rollups": [0.0, 0.0]}


def _count_parts() -> None:
    def timed(inner, part):
        def wrapper(*a, **k):
            wall, cpu = time.perf_counter(), _cpu()
            try:
                return inner(*a, **k)
            finally:
                PARTS[part][0] += time.perf_counter() - wall
                PARTS[part][1] += _cpu() - cpu

        return wrapper

    load_module.isolated.read_workbook = timed(load_module.isolated.read_workbook, "read + type")
    load_module.parse_sheet = timed(load_module.parse_sheet, "read + type")
    workspace.rollups.rebuild_rollups = timed(workspace.rollups.rebuild_rollups, "rollups")
    rollup_refresh.refresh = timed(rollup_refresh.refresh, "rollups")
    _count_rollups()


# CPU seconds of each rollup in the last load (each is recorded right after it is built;
# none when the load refreshed them: rollup_refresh), and in each contender's best run
ROLLUPS: dict[str, float] = {}
BEST_ROLLUPS: dict[str, dict[str, float]] = {}


def _count_rollups() -> None:
    mod = workspace.rollups
    rebuild, record = mod.rebuild_rollups, mod._record_rollup
    since = [0.0]

    def rebuild_marked(con, kind):
        ROLLUPS.clear()
        since[0] = _cpu()
        return rebuild(con, kind)

    def record_timed(con, name):
        ROLLUPS[name] = _cpu() - since[0]
        record(con, name)
        since[0] = _cpu()

    mod.rebuild_rollups, mod._record_rollup = rebuild_marked, record_timed


def shopsight(path: Path) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench_ws_"))
    load_module.isolated._recent.clear()  # each run parses the workbook, as a new upload does
    try:
        report = load_file(workspace.open_workspace(tmp), path, path.name)
        assert report.rows_rejected == 0, report.errors[:3]
        return report.rows_loaded
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bare_duckdb(path: Path) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench_db_"))
    try:
        con = duckdb.connect(str(tmp / "bare.duckdb"), config={"threads": THREADS})
        con.execute("set enable_progress_bar = false")
        con.execute("create table orders as select * from read_csv($p)", {"p": str(path)})
        rows = con.execute("select count(*) from orders").fetchone()[0]
        con.close()
        return rows
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def typed_floor(path: Path) -> int:
    """The least any loader that types every cell the way ShopSight does can cost: DuckDB's
    CSV reader and the same value-parsing macros straight into a table, in one statement,
    with no row checks, no error report, no province lookup and no rollups."""
    from shopsight.ingest import parse

    wb = load_module._read(str(path), path.name)
    choice = load_module._pick_sheets(wb, path.name, None, None)[0]
    mapping = load_module.detect.propose_mapping(choice.headers, choice.kind)
    plan = parse._Plan(choice.headers, mapping, choice.kind, choice.period, None)
    tmp = Path(tempfile.mkdtemp(prefix="bench_floor_"))
    try:
        source, _ = parse._csv_source(
            choice.sheet.body, choice.header_index, plan, str(tmp), plan.width
        )
        con = duckdb.connect(
            str(tmp / "floor.duckdb"),
            config={"threads": THREADS, "preserve_insertion_order": False},
        )
        con.execute("set disabled_optimizers = 'common_subexpressions,in_clause'")
        con.execute(parse._macros())
        con.execute(f"create table orders as {plan.sql(source.sql)}", source.params)
        rows = con.execute("select count(*) from orders").fetchone()[0]
        con.close()
        return rows
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bare_pandas(path: Path) -> int:
    return len(pd.read_csv(path, dtype={"订单编号": str}))


def bare_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return len(wb.get_sheet_by_index(0).to_python(skip_empty_area=False)) - 1


def run(contenders: dict, repeat: int) -> dict[str, tuple[float, float, dict, dict]]:
    """Best (wall, cpu) of each contender, run in turn, with its parts (load_file only)."""
    best: dict[str, list] = {name: [float("inf"), float("inf"), {}, {}] for name in contenders}
    rows = {}
    for _ in range(repeat):
        for name, fn in contenders.items():
            for v in PARTS.values():
                v[:] = [0.0, 0.0]
            ROLLUPS.clear()
            wall, cpu, n = _timed(fn)
            b = best[name]
            if wall < b[0]:
                b[0], b[2] = wall, {k: v[0] for k, v in PARTS.items()}
            if cpu < b[1]:
                b[1], b[3] = cpu, {k: v[1] for k, v in PARTS.items()}
                BEST_ROLLUPS[name] = dict(ROLLUPS)
            rows[name] = n
    if len(set(rows.values())) != 1:
        raise SystemExit(f"row counts differ: {rows}")
    return {k: tuple(v) for k, v in best.items()}


def report(title: str, best: dict, base: str) -> None:
    print(f"\n{title}                              wall       cpu   wall ratio  cpu ratio")
    # CPU clocks tick in 10 ms: a tiny file's bare read can measure 0
    bw, bc = (max(v, 0.01) for v in best[base][:2])
    for name, (wall, cpu, w_parts, c_parts) in best.items():
        print(f"  {name:<28} {wall:7.2f} s {cpu:7.2f} s   {wall / bw:5.2f}x    {cpu / bc:5.2f}x")
        if not name.startswith("shopsight"):
            continue
        for part in PARTS:
            w, c = w_parts[part], c_parts[part]
            print(
                f"    of which {part:<16} {w:7.2f} s {c:7.2f} s   {w / bw:5.2f}x    {c / bc:5.2f}x"
            )
        for rollup, c in BEST_ROLLUPS.get(name, {}).items():
            print(f"      {rollup:<40} {c:7.2f} s   {c / bc:5.2f}x")
        w_rest, c_rest = wall - sum(w_parts.values()), cpu - sum(c_parts.values())
        print(
            f"    of which table write     {w_rest:7.2f} s {c_rest:7.2f} s   "
            f"{w_rest / bw:5.2f}x    {c_rest / bc:5.2f}x   (transaction, checkpoint)"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="order lines in the CSV")
    ap.add_argument("--xlsx-rows", type=int, default=200_000, help="order lines in the XLSX")
    ap.add_argument("--repeat", type=int, default=3, help="runs per contender (best is kept)")
    ap.add_argument("--only", choices=("csv", "xlsx", "merge", "daily"), help="run one comparison")
    ap.add_argument("--out", type=Path, help="directory of the generated files (bench/out/)")
    ap.add_argument(
        "--into",
        type=Path,
        help="daily: load the day's file into a copy of this workspace directory instead "
        "of one holding the CSV (e.g. a bench/scale.py workspace under bench/out/workspaces)",
    )
    args = ap.parse_args()
    if args.out is not None:
        global OUT
        OUT = args.out

    csv_path = make_csv(args.rows)
    xlsx_path = make_xlsx(args.xlsx_rows)
    mb = csv_path.stat().st_size / 1e6
    print(
        f"CSV  {csv_path.name}: {args.rows:,} rows, {mb:,.0f} MB; "
        f"XLSX {xlsx_path.name}: {args.xlsx_rows:,} rows, "
        f"{xlsx_path.stat().st_size / 1e6:,.0f} MB; {THREADS} threads, best of {args.repeat}"
    )

    _count_parts()
    if args.only in (None, "csv"):
        _csv(csv_path, args.repeat)
    if args.only in (None, "xlsx"):
        _xlsx(xlsx_path, args.repeat)
    if args.only in (None, "merge"):
        _merge(csv_path, args.repeat)
    if args.only in (None, "daily"):
        _daily(csv_path, args.repeat, args.into)
    print(
        f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
        "(wall ratios swing with it; CPU ratios much less)"
    )
    print(
        f"peak RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:,.0f} MB"
    )


def _csv(csv_path: Path, repeat: int) -> None:
    csv_best = run(
        {
            "duckdb read_csv -> table": lambda: bare_duckdb(csv_path),
            "pandas read_csv": lambda: bare_pandas(csv_path),
            "floor: read_csv + typing only": lambda: typed_floor(csv_path),
            "shopsight load_file (csv)": lambda: shopsight(csv_path),
        },
        repeat,
    )
    report("CSV", csv_best, "duckdb read_csv -> table")
    print("  target: shopsight <= 2.0x duckdb")


def _merge(csv_path: Path, repeat: int) -> None:
    """The same upload into an empty workspace, and again over itself: merge by coverage
    then deletes every row the first load wrote (each order id is covered again)."""
    fresh, again = [float("inf")] * 2, [float("inf")] * 2
    for _ in range(repeat):
        tmp = Path(tempfile.mkdtemp(prefix="bench_merge_"))
        try:
            ws = workspace.open_workspace(tmp)
            wall, cpu, _ = _timed(lambda ws=ws: load_file(ws, csv_path, csv_path.name).rows_loaded)
            fresh = [min(fresh[0], wall), min(fresh[1], cpu)]
            wall, cpu, _ = _timed(
                lambda ws=ws: load_file(ws, csv_path, csv_path.name).rows_replaced
            )
            again = [min(again[0], wall), min(again[1], cpu)]
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print("\nMerge by coverage                        wall       cpu")
    print(f"  load_file into an empty workspace  {fresh[0]:7.2f} s {fresh[1]:7.2f} s")
    print(f"  the same file again (merge)        {again[0]:7.2f} s {again[1]:7.2f} s")
    print(
        f"  merge adds                         {again[0] - fresh[0]:7.2f} s "
        f"{again[1] - fresh[1]:7.2f} s   {(again[1] - fresh[1]) / fresh[1]:5.2f}x of the load (CPU)"
    )
    print("  target: <= 0.3x")


def last_day_csv(csv_path: Path) -> Path:
    """The lines of the big file's last day, as that day's own export (same header)."""
    out = csv_path.with_name(csv_path.stem + "_last_day.csv")
    if not out.exists():
        con = duckdb.connect()
        con.execute(
            "copy (with lines as (select * from read_csv($p, all_varchar = true)) "
            "select * from lines where left(订单创建时间, 10) = "
            "(select max(left(订单创建时间, 10)) from lines)) to $out (header)",
            {"p": str(csv_path), "out": str(out)},
        )
        con.close()
    return out


def _daily(csv_path: Path, repeat: int, into: Path | None = None) -> None:
    """A day's export loaded into the workspace that holds the big file (its lines are
    covered again), or into a copy of workspace `into` (e.g. bench/scale.py's 10M one):
    the rollups refreshed for the changed days and buyers, against the same load with
    the rollups rebuilt over every line, and bare read_csv of the day.  When the workspace
    has an event log, the same for its last whole day of events, exported and loaded again."""
    day = last_day_csv(csv_path)
    tmp = Path(tempfile.mkdtemp(prefix="bench_daily_"))
    try:
        if into is not None:
            shutil.copytree(into, tmp / "ws")
        ws = workspace.open_workspace(tmp / "ws")
        if into is None:
            load_file(ws, csv_path, csv_path.name)
        ws.connect().close()  # brings its rollups up to this code's SQL
        con = duckdb.connect(
            str(ws.db_path), read_only=True
        )  # workspace connections write no files
        held = con.execute("select count(*) from orders").fetchone()[0]
        events = con.execute("select count(*) from events").fetchone()[0]
        if events:
            log = tmp / "events_last_day.csv"
            con.execute(
                "copy (select user_id, event, event_time, source, device, province, product_id "
                "from events where cast(event_time as date) = "
                "(select max(cast(event_time as date)) - 1 from events)) to "
                + sql_literal(str(log))
                + " (header)"
            )
        con.close()
        _day_into(ws, day, repeat, f"A day's export ({day.name}) into {held:,} order lines")
        if events:
            _day_into(ws, log, repeat, f"A day's event log again, into {events:,} events")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _day_into(ws, day: Path, repeat: int, title: str) -> None:
    share = rollup_refresh.REBUILD_SHARE

    def load_day(rebuild: bool) -> int:
        rollup_refresh.REBUILD_SHARE = 0.0 if rebuild else share
        try:
            return load_file(ws, day, day.name).rows_loaded
        finally:
            rollup_refresh.REBUILD_SHARE = share

    best = run(
        {
            "duckdb read_csv -> table": lambda: bare_duckdb(day),
            "shopsight, rollups refreshed": lambda: load_day(False),
            "shopsight, rollups rebuilt": lambda: load_day(True),
        },
        repeat,
    )
    report(title, best, "duckdb read_csv -> table")


def _xlsx(xlsx_path: Path, repeat: int) -> None:
    xlsx_best = run(
        {
            "calamine to_python": lambda: bare_calamine(xlsx_path),
            "shopsight load_file (xlsx)": lambda: shopsight(xlsx_path),
        },
        repeat,
    )
    report("XLSX", xlsx_best, "calamine to_python")
    print("  target: shopsight <= 1.3x calamine")


if __name__ == "__main__":
    main()
