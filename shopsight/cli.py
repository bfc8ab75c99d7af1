"""`python -m shopsight …`: load exports and ask questions of a workspace from a shell."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import math
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import click
import duckdb

from shopsight import queries, schema, workspace

WORKSPACE_HELP = (
    "Workspace name under $SHOPSIGHT_DATA_DIR, or an explicit path (absolute or "
    "starting with ./); default: the sample shop."
)
BUSY_WAIT_S = 5.0  # how long a command waits for a workspace another process holds
SQL_TIMEOUT_S = 30.0
SQL_MAX_ROWS = 10_000


def _jsonable(v):
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if hasattr(v, "item"):  # numpy scalars
        return _jsonable(v.item())
    return v


def _echo_json(obj) -> None:
    click.echo(json.dumps(_jsonable(obj), ensure_ascii=False, indent=None))


def _rows(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def _workspace(ws_arg: str | None) -> workspace.Workspace:
    try:
        return workspace.open_workspace(ws_arg)
    except workspace.WorkspaceNameError as e:
        raise click.BadParameter(str(e), param_hint="--workspace") from None


@contextlib.contextmanager
def _connected(ws: workspace.Workspace, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """ws.connect, waiting up to BUSY_WAIT_S while another process holds the file, then
    saying which one does; closed when the block ends."""
    deadline = time.monotonic() + BUSY_WAIT_S
    while True:
        try:
            con = ws.connect(read_only=read_only)
            break
        except workspace.WorkspaceBusyError as e:
            if time.monotonic() >= deadline:
                raise click.ClickException(f"{e} (waited {BUSY_WAIT_S:g} s)") from None
            time.sleep(0.2)
    try:
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def _opened(ws_arg: str | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the -w workspace (the sample shop, built on first use,
    when none is given), closed when the block ends."""
    ws = _workspace(ws_arg)
    if ws_arg is None:
        from shopsight import sample

        sample.ensure_sample(ws)
    if not ws.exists():
        raise click.ClickException(f"no workspace at {ws.path}")
    with _connected(ws, read_only=True) as con:
        yield con


@click.group()
def cli() -> None:
    """ShopSight 店铺经营看板: load shop exports into a DuckDB workspace and query it."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
@click.option(
    "--kind",
    type=click.Choice(list(schema.KINDS)),
    default=None,
    help="Dataset kind (default: detected from the headers).",
)
@click.option("--sheet", default=None, help="Sheet to load (default: the best-matching sheet).")
@click.option(
    "--mode",
    type=click.Choice(list(workspace.MODES)),
    default="merge",
    show_default=True,
    help="merge: replace the rows a file covers again (same platform and days; for "
    "orders the same order ids) and add the rest; replace: the whole dataset; "
    "append: add every row.",
)
@click.option(
    "--period",
    default=None,
    metavar="START..END",
    help="The days a sheet without a date column covers, when its title rows and name "
    "do not say, e.g. 2019-07-01..2019-07-30.",
)
@click.option(
    "--platform",
    default=None,
    help="Platform of the files (default: detected from the layout), e.g. 京东, Shopify.",
)
@click.option(
    "--currency",
    default=None,
    help="Currency of rows that name none (default: the file's Currency column, else CNY).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the load report as JSON.")
def ingest(files, ws_arg, kind, sheet, mode, period, platform, currency, as_json) -> None:
    """Load export files into the workspace, one transaction per file.

    By default each file is merged by coverage: uploading this week's export again, or
    an export that overlaps last week's, never counts a day or an order twice.
    With --mode replace the first file of each kind replaces that dataset and later
    files of the same kind in this command are appended to it. Rows that cannot be
    read are listed (row as a spreadsheet shows it, column, value, message); a file
    that cannot be loaded at all leaves the workspace as it was, gets one line on
    stderr, and makes the exit status 1.

    Examples:

    
    python -m shopsight ingest sample_data/主图测试记录.csv -w myshop
    python -m shopsight ingest sample_data/【生意参谋平台】地域分布-2026-11-01_2026-11-30.csv -w myshop --json
    python -m shopsight ingest sample_data/1688询盘统计_20260902-20261130.csv -w myshop --mode replace
    """
    from shopsight.ingest import IngestError, load_file

    days = _period(period) if period else None
    ws = _workspace(ws_arg)
    reports, failed, replaced = [], [], set()
    with _connected(ws, read_only=False) as con:
        for f in files:
            path = Path(f)
            try:
                report = load_file(
                    ws,
                    path,
                    path.name,
                    kind=kind,
                    sheet=sheet,
                    mode=mode,
                    append_to=replaced if mode == "replace" else (),
                    con=con,
                    period=days,
                    platform=platform,
                    currency=currency,
                )
            except IngestError as e:
                failed.append(_one_line(str(e)))
            except Exception as e:  # noqa: BLE001 - one bad file must not stop the others
                failed.append(_one_line(f"{path.name}: {type(e).__name__}: {e}"))
            else:
                replaced.add(report.kind)
                reports.append(report.as_json())
    for reason in failed:
        click.echo(f"error: {reason}", err=True)
    if as_json:
        _echo_json({"files": reports})
    else:
        for r in reports:
            click.echo(
                f"{r['file']}: {r['rows_loaded']} rows -> {r['kind']}"
                f" (load {r['load_id']}, {r['mode']}, {r['rows_replaced']} replaced,"
                f" {r['rows_rejected']} rejected)"
            )
            if r["products_kept"]:
                click.echo(
                    f"  {r['products_kept']} other products of these days, from earlier loads, "
                    "are not in this file and were kept"
                )
            for e in r["errors"][:20]:
                click.echo(f"  row {e['row']}: {e['message']}")
            for w in r["warnings"][:20]:
                click.echo(f"  row {w['row']} (loaded): {w['message']}")
            for key, how in (("cells_as_zero", "0"), ("cells_as_empty", "no value")):
                if r[key]:
                    cells = ", ".join(f"{h} {n}" for h, n in r[key].items())
                    click.echo(f"  -, --, 暂无 or empty read as {how}: {cells}")
    if failed:
        sys.exit(1)


def _period(text: str) -> tuple[dt.date, dt.date]:
    """'2019-07-01..2019-07-30' (also ~ or a comma between the days) -> (first, last)."""
    from shopsight import periods

    parts = [p.strip() for p in text.replace("~", "..").replace(",", "..").split("..")]
    days = periods.parse_range(*parts) if len(parts) == 2 else None
    if days is None:
        raise click.BadParameter(
            f"{text!r}: give the first and last day as 2019-07-01..2019-07-30",
            param_hint="--period",
        )
    return days


def _one_line(text: str) -> str:
    return " ".join(text.split())


@cli.command()
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def datasets(ws_arg, as_json) -> None:
    """List the datasets in the workspace and the loads that fill them.

    Each load comes with what it covers now: its platform, currency, rows, first and
    last day, the number of days and the runs of consecutive days ("ranges"; a gap
    between runs is a day no load covers). Its load_id is what `unload` takes.

    Examples:

    
    python -m shopsight datasets
    python -m shopsight datasets -w myshop --json
    """
    with _opened(ws_arg) as con:
        by_kind: dict[str, list] = {}
        for load in workspace.loads(con):
            load["ranges"] = [list(r) for r in load["ranges"]]
            by_kind.setdefault(load["kind"], []).append(load)
        items = [
            {
                "kind": d["kind"],
                "rows": d["rows"],
                "columns": d["columns"],
                "files": d["files"],
                "loads": by_kind.get(d["kind"], []),
            }
            for d in workspace.datasets(con)
        ]
    if as_json:
        _echo_json(items)
    else:
        for d in items:
            click.echo(f"{d['kind']:12} {d['rows']:>10,} rows  {', '.join(d['files'])}")
            for x in d["loads"]:
                runs = (
                    ", ".join(
                        a.isoformat() if a == b else f"{a.isoformat()}~{b.isoformat()}"
                        for a, b in x["ranges"]
                    )
                    or "-"
                )
                click.echo(
                    f"  load {x['load_id']:<5} {x['rows']:>10,} rows  "
                    f"{x['platform'] or '-'} {x['currency'] or ''}  {x['file']}  {runs}"
                )


@cli.command()
@click.argument("load_id", type=int)
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
def unload(load_id, ws_arg) -> None:
    """Remove one load: the rows it still holds go, in one transaction.

    Rows it replaced when it was loaded do not come back; load their file again.
    The load ids are listed by `datasets`.

    Examples:

    
    python -m shopsight unload 7 -w myshop
    """
    ws = workspace.open_workspace(ws_arg)
    if not ws.exists():
        raise click.ClickException(f"no workspace at {ws.path}")
    try:
        removed = workspace.unload(ws, load_id)
    except KeyError as e:
        raise click.ClickException(str(e.args[0])) from None
    except workspace.ReadOnlyWorkspaceError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"load {load_id}: {removed} rows removed")


@cli.command()
@click.argument("statement")
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print rows as JSON objects.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=SQL_TIMEOUT_S,
    show_default=True,
    help="Stop the statement after this many seconds.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=SQL_MAX_ROWS,
    show_default=True,
    help="Print at most this many rows (a note on stderr says when more were left out).",
)
def sql(statement, ws_arg, as_json, timeout, max_rows) -> None:
    """Run one SQL statement on a read-only, locked-down connection.

    Examples:

    
    python -m shopsight sql "select province, sum(paid_amount) from orders group by 1" --json
    python -m shopsight sql "select kind, count(*) from _loads group by 1" -w myshop
    """
    try:
        count = len(duckdb.extract_statements(statement))
    except duckdb.Error as e:
        raise click.ClickException(str(e).splitlines()[0]) from None
    if count != 1:
        raise click.ClickException(
            'give one SQL statement, e.g. "select count(*) from orders"'
            if count == 0
            else f"give one SQL statement at a time (this text holds {count})"
        )
    with _opened(ws_arg) as con:
        timer = threading.Timer(timeout, con.interrupt)
        timer.start()
        try:
            cursor = con.execute(statement)
            names = [d[0] for d in cursor.description or []]
            got = cursor.fetchmany(max_rows + 1) if names else []
        except duckdb.InterruptException:
            raise click.ClickException(
                f"the statement took longer than {timeout:g} s (--timeout) and was stopped"
            ) from None
        except Exception as e:  # DuckDB error classes vary; the message is what matters
            raise click.ClickException(str(e).splitlines()[0]) from None
        finally:
            timer.cancel()
    if len(got) > max_rows:
        got = got[:max_rows]
        click.echo(f"note: only the first {max_rows:,} rows are shown (--max-rows)", err=True)
    _print_rows([dict(zip(names, r, strict=True)) for r in got], as_json)


def _print_rows(rows: list[dict], as_json: bool) -> None:
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        click.echo("\t".join("" if v is None else str(_jsonable(v)) for v in r.values()))


def _parse_params(pairs: tuple[str, ...]) -> dict:
    params: dict = {}
    for p in pairs:
        if "=" not in p:
            raise click.BadParameter(f"expected key=value, got {p!r}", param_hint="--param")
        k, v = p.split("=", 1)
        params[k.strip()] = _param_value(v)
    return params


def _param_value(v: str):
    if v.lower() in ("null", "none", ""):
        return None
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        pass
    if "," in v:
        return [x.strip() for x in v.split(",")]
    return v


@cli.command()
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, help="key=value, bound as $key.")
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print rows as JSON objects.")
def query(name, params, ws_arg, as_json) -> None:
    """Run a named query from queries/NAME.sql; missing parameters are null.

    Examples:

    
    python -m shopsight query overview_kpis_traffic -p start=2026-11-01 -p end=2026-11-30 --json
    python -m shopsight query sources_by_source -p start=2026-11-01 -p end=2026-11-30 -p cmp_start=2026-10-01 -p cmp_end=2026-10-31
    """
    try:
        wanted = queries.params_of(name)
    except (KeyError, ValueError) as e:
        raise click.ClickException(f"{e}. Known queries: {', '.join(queries.names())}") from None
    bound = {p: None for p in wanted}
    bound.update(_parse_params(params))
    unknown = set(bound) - wanted
    if unknown:
        raise click.ClickException(
            f"query {name} has no parameter(s) {', '.join(sorted(unknown))}; it takes: "
            f"{', '.join(sorted(wanted)) or 'none'}"
        )
    with _opened(ws_arg) as con:
        try:
            rows = _rows(con.execute(queries.sql(name), bound))
        except Exception as e:
            raise click.ClickException(str(e).splitlines()[0]) from None
    _print_rows(rows, as_json)


@cli.command("abtest")
@click.argument("test_id", required=False)
@click.option("--all", "all_tests", is_flag=True, help="Analyse every test in the workspace.")
@click.option(
    "--control",
    default=None,
    metavar="VARIANT",
    help="Variant to compare against (default: the one marked 对照, else the oldest).",
)
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of the verdict sentences (text output).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the analysis as JSON.")
def abtest_command(test_id, all_tests, control, ws_arg, lang, as_json) -> None:
    """Analyse main-image A/B tests: CTR with 95% CI, lifts, p-values, Bayesian odds, and the
    sequential (always-valid) verdict that stays valid however often the test is looked at.

    The whole test is analysed (all its days). JSON: {"test", "control", "variants": [...],
    "srm_p_value", "sample_size_per_arm", "sequential"}; sample_size_per_arm is the
    impressions per arm needed to detect a +10% relative CTR lift over the control (alpha
    0.05, power 0.8). "sequential" is {"decision": "winner" | "loser" | null, "variant",
    "decided_on": "YYYY-MM-DD" | null, "p_value", "lift_cs": [low, high]}: the first day a
    variant was decided (it stays decided), its Holm-adjusted always-valid p-value and the
    confidence sequence of its relative CTR lift today; with no decision, the variant with
    the largest lift. With --all: a list of {"test", "control", "variants", "sequential"}.

    Examples:

    
    python -m shopsight abtest 羽绒服主图-白底vs模特 --control A-白底平铺 --json
    python -m shopsight abtest 阔腿裤主图-文案测试 --lang en
    python -m shopsight abtest --all --json
    """
    from shopsight import abtest_sentences, abtest_stats

    if all_tests == (test_id is not None):
        raise click.UsageError("give a TEST_ID or --all (not both)")
    if all_tests and control is not None:
        raise click.UsageError("--control applies to one test; leave it out with --all")
    with _opened(ws_arg) as con:
        known = queries.run(con, "abtest_tests", start_date=None, end_date=None)["test_id"].tolist()
        if test_id is not None and test_id not in known:
            listed = ", ".join(known) if known else "none (load a main-image test sheet first)"
            raise click.ClickException(
                f"no test {test_id!r} in {ws_arg or 'the sample shop'}. Known tests: {listed}"
            )
        everything = {"test_id": test_id, "start_date": None, "end_date": None}
        totals = queries.run(con, "abtest_variants", **everything)
        daily = queries.run(con, "abtest_daily", **everything)
    if all_tests:
        _echo_all(totals, daily, as_json)
        return
    variants = totals["variant"].tolist()
    if control is not None and control not in variants:
        raise click.ClickException(
            f"test {test_id} has no variant {control!r}. Variants: {', '.join(variants)}"
        )
    result = abtest_stats.analyze(totals, control=control)
    seq = abtest_stats.sequential_verdict(abtest_stats.sequential(daily, control=result.control))
    if as_json:
        _echo_json(
            {**abtest_stats.to_json(result), "sequential": abtest_stats.sequential_json(seq)}
        )
        return
    click.echo(
        f"{result.test}: control {result.control}, {result.days} days, "
        f"SRM p {_fmt_num(result.srm_p_value, '.4f')}, "
        f"{_fmt_num(result.sample_size_per_arm, ',')} impressions per arm for +10%"
    )
    click.echo(
        f"{'variant':<16}{'impressions':>12}{'clicks':>9}{'ctr':>8}{'95% CI':>17}"
        f"{'lift':>8}{'p (Holm)':>10}{'P(best)':>9}"
    )
    for r in abtest_stats.to_json(result)["variants"]:
        ci = f"{_fmt_num(r['ci_low'], '.2%')}~{_fmt_num(r['ci_high'], '.2%')}"
        click.echo(
            f"{r['variant']:<16}{_fmt_num(r['impressions'], ','):>12}"
            f"{_fmt_num(r['clicks'], ','):>9}{_fmt_num(r['ctr'], '.2%'):>8}{ci:>17}"
            f"{_fmt_num(r['lift_rel'], '+.1%'):>8}{_fmt_num(r['p_value_holm'], '.4f'):>10}"
            f"{_fmt_num(r['prob_best'], '.1%'):>9}"
        )
    for e in result.errors:
        click.echo(f"{e['variant']}: {e['detail']}")
    # the sequential sentence says whether stopping is safe, which the old peeking warning
    # only hinted at; the fixed-horizon verdict follows, valid at the planned sample
    click.echo(abtest_sentences.sequential_headline(seq, lang))
    said = abtest_sentences.explain(
        abtest_stats.verdict(result), lang, days=result.days, srm_p_value=result.srm_p_value
    )
    for line in (said.headline, *said.guardrails):
        click.echo(line)


def _echo_all(totals, daily, as_json: bool) -> None:
    """Every test of the workspace: the fixed-horizon variants and the sequential object."""
    from shopsight import abtest_stats

    if totals.empty:
        if as_json:
            _echo_json([])
        else:
            click.echo("no main-image tests in this workspace")
        return
    batch = abtest_stats.analyze_tests(totals)
    seq = abtest_stats.sequential(
        daily, control=dict(zip(batch.tests["test_id"], batch.tests["control"], strict=True))
    )
    out = []
    for test in batch:
        fixed = abtest_stats.to_json(batch[test])
        out.append(
            {
                "test": fixed["test"],
                "control": fixed["control"],
                "variants": fixed["variants"],
                "sequential": abtest_stats.sequential_json(
                    abtest_stats.sequential_verdict(seq, test)
                ),
            }
        )
    if as_json:
        _echo_json(out)
        return
    click.echo(
        f"{'test':<24}{'control':<12}{'decision':<10}{'variant':<12}{'decided on':<12}"
        f"{'p (Holm)':>9}{'lift sequence':>18}"
    )
    for r in out:
        s = r["sequential"]
        cs = f"{_fmt_num(s['lift_cs'][0], '+.1%')}~{_fmt_num(s['lift_cs'][1], '+.1%')}"
        click.echo(
            f"{r['test']:<24}{r['control'] or '—':<12}{s['decision'] or '—':<10}"
            f"{s['variant'] or '—':<12}{s['decided_on'] or '—':<12}"
            f"{_fmt_num(s['p_value'], '.4f'):>9}{cs:>18}"
        )


def _fmt_num(v, spec: str) -> str:
    v = _jsonable(v)
    return "—" if v is None else format(v, spec)


@cli.command("funnel")
@click.option(
    "--steps",
    required=True,
    help="Event names in order, comma-separated (2 to 6), e.g. 浏览商品,加入购物车,支付成功.",
)
@click.option(
    "--window",
    required=True,
    help="Conversion window from the first step: 30m, 1h, 1d, 7d (units s/m/h/d/w).",
)
@click.option(
    "--by",
    type=click.Choice(["source", "device", "province"]),
    default=None,
    help="Also split the funnel by the first step's source, device or province.",
)
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def funnel_cmd(steps, window, by, ws_arg, as_json) -> None:
    """Users who did the event steps in order within the window (the events dataset).

    JSON: {"steps": [{"step", "users", "conversion_from_first", "conversion_from_previous"}]};
    with --by also {"segments": {value: [...the same per segment...]}} (null: no value).

    Examples:

    
    python -m shopsight funnel --steps 浏览商品,加入购物车,提交订单,支付成功 --window 1d --json
    python -m shopsight funnel --steps 浏览商品,支付成功 --window 7d --by device
    """
    from shopsight import event_funnel

    names = [s.strip() for s in steps.split(",") if s.strip()]
    with _opened(ws_arg) as con:
        try:
            result = event_funnel.event_funnel(con, names, window, by)
        except ValueError as e:
            raise click.ClickException(str(e)) from None
    if as_json:
        _echo_json(result)
        return
    groups = [(None, result["steps"])]
    groups += [(f"{by}={value}", rows) for value, rows in result.get("segments", {}).items()]
    for title, rows in groups:
        if title:
            click.echo(f"\n{title}")
        for r in rows:
            pct = [
                ("" if v is None else f"{v:.2%}")
                for v in (r["conversion_from_first"], r["conversion_from_previous"])
            ]
            click.echo(f"{r['step']}\t{r['users']}\t{pct[0]}\t{pct[1]}")


CURRENCY_HELP = (
    "The currency whose orders count (ISO code, e.g. USD). Default: CNY when loaded, else "
    "the only one; amounts of different currencies are never added."
)


def _money_currency(con: duckdb.DuckDBPyConnection, code: str | None) -> str | None:
    """The one currency a money answer counts: the one asked for, else the pages' default
    (CNY first); None when the orders hold only one."""
    from shopsight import currency

    codes = queries.run(con, "currencies")["currency"].tolist()
    if code is None:
        return currency.shown(codes)
    code = code.upper()
    if code not in codes:
        raise click.ClickException(
            f"no orders or products in {code}: loaded currencies are {', '.join(codes) or 'none'}"
        )
    return code


@cli.command("customers")
@click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First day (default: the first day of the orders).",
)
@click.option(
    "--end",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Last day, inclusive (default: the last day of the orders).",
)
@click.option("--currency", "code", default=None, metavar="CODE", help=CURRENCY_HELP)
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def customers_cmd(start, end, code, ws_arg, as_json) -> None:
    """Paying buyers, 复购率, first-purchase-month cohorts and RFM segments (paid orders).

    buyers = distinct paying buyers in the range, repeat_buyers = those with 2 or more
    distinct paid orders in it. JSON: {"buyers", "repeat_buyers", "repurchase_rate",
    "cohorts": [{"cohort": "YYYY-MM", "size", "retention": [month +1, +2, ...]}],
    "rfm": [{"segment", "buyers", "paid_amount"}]}; segments: champions, loyal,
    promising, new, at_risk, win_back, lost.

    Examples:

    
    python -m shopsight customers --start 2026-09-01 --end 2026-11-30 --json
    """
    from shopsight import customer_analysis

    with _opened(ws_arg) as con:
        try:
            result = customer_analysis.report(
                con,
                start.date() if start else None,
                end.date() if end else None,
                cur=_money_currency(con, code),
            )
        except ValueError as e:
            raise click.ClickException(str(e)) from None
    if as_json:
        _echo_json(result)
        return
    click.echo(
        f"buyers {result['buyers']}, repeat buyers {result['repeat_buyers']}, "
        f"repurchase rate {_fmt_num(result['repurchase_rate'], '.2%')}"
    )
    for c in result["cohorts"]:
        shares = " ".join(f"{r:.1%}" for r in c["retention"])
        click.echo(f"{c['cohort']}\t{c['size']}\t{shares}")
    for r in result["rfm"]:
        click.echo(f"{r['segment']:<10}\t{r['buyers']}\t{_fmt_num(r['paid_amount'], ',.2f')}")


@cli.command("forecast")
@click.option(
    "--metric",
    type=click.Choice(["paid_amount", "paying_buyers"]),
    required=True,
    help="Daily paid amount or paying buyers (paid orders).",
)
@click.option(
    "--days",
    type=click.Choice(["7", "30"]),
    required=True,
    help="Days to forecast after the last day of the orders.",
)
@click.option("--currency", "code", default=None, metavar="CODE", help=CURRENCY_HELP)
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def forecast_cmd(metric, days, code, ws_arg, as_json) -> None:
    """Forecast a daily metric with 80% and 95% intervals, chosen by a 4-week backtest.

    The model (exponential smoothing with weekly seasonality, promotions taken out) is
    used when it beats the seasonal-naive baseline in the backtest, else the baseline.
    Needs 8 weeks of history. JSON: {"model", "backtest": {"mape", "mae",
    "baseline_mape"}, "points": [{"date", "value", "lo80", "hi80", "lo95", "hi95"}]};
    model is "ets", "ets+<signal>" (加购 / 收藏 kept because it helped) or "seasonal_naive".

    Examples:

    
    python -m shopsight forecast --metric paid_amount --days 30 --json
    python -m shopsight forecast --metric paying_buyers --days 7
    """
    from shopsight import forecast

    with _opened(ws_arg) as con:
        try:
            result = forecast.from_workspace(con, metric, int(days), cur=_money_currency(con, code))
        except forecast.ShortHistory as e:
            raise click.ClickException(str(e)) from None
    if as_json:
        _echo_json(result.as_json())
        return
    bt = result.backtest
    click.echo(
        f"model {result.model}: backtest MAPE {_fmt_num(bt.mape, '.1%')}, "
        f"MAE {_fmt_num(bt.mae, ',.2f')}; seasonal naive MAPE "
        f"{_fmt_num(bt.baseline_mape, '.1%')}"
    )
    for p in result.as_json()["points"]:
        click.echo(
            f"{p['date']}\t{p['value']}\t80% {p['lo80']}~{p['hi80']}\t95% {p['lo95']}~{p['hi95']}"
        )


@cli.command("report")
@click.option(
    "--period",
    "kind",
    type=click.Choice(["week", "month"]),
    required=True,
    help="A weekly (7 days) or monthly report, compared with the period before.",
)
@click.option(
    "--end",
    "end",
    default=None,
    metavar="DATE",
    help="Last day of the period, YYYY-MM-DD (default: the last complete week, "
    "Monday to Sunday, or calendar month the data covers).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "xlsx"]),
    required=True,
    help="html: one self-contained page (offline, prints on A4); xlsx: a workbook, "
    "one sheet per section.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="File to write.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
def report_command(kind, end, fmt, out, lang, ws_arg) -> None:
    """Write the weekly / monthly report (周报 / 月报) as HTML or XLSX.

    Sections (each only when its data has rows in the period): headline KPIs, funnel,
    traffic sources, best and slow sellers, regions, main-image tests, 1688 inquiries.
    A period without data gives a short report that says so.

    Examples:

    
    python -m shopsight report --period week --format html --out 周报.html
    python -m shopsight report --period month --end 2026-11-30 --format xlsx --out 月报.xlsx --lang en
    """
    from shopsight import period_report, report_files

    end_day = None
    if end is not None:
        try:
            end_day = dt.date.fromisoformat(end)
        except ValueError:
            raise click.BadParameter(
                f"expected YYYY-MM-DD, got {end!r}", param_hint="--end"
            ) from None
    with _opened(ws_arg) as con:

        def run(name, **params):
            return queries.run(con, name, **params)

        if end_day is None:
            end_day = period_report.default_end(kind, period_report.last_day(run("date_bounds")))
        built = period_report.build(
            run, period_report.period(kind, end_day), lang, workspace.datasets(con)
        )
    if fmt == "html":
        Path(out).write_text(report_files.to_html(built), encoding="utf-8")
    else:
        Path(out).write_bytes(report_files.to_xlsx(built))
    p = built.period
    click.echo(
        f"{out}: {kind} {p.start}~{p.end} vs {p.cmp_start}~{p.cmp_end}, "
        f"{len(built.sections)} sections" + ("" if built.sections else " (no data in this period)")
    )


@cli.command()
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
@click.option(
    "--prebuilt",
    is_flag=True,
    help="Refresh the copy shipped in sample_data/prebuilt/ (after changing the "
    "sample files or the ingest) instead of a workspace.",
)
def sample(ws_arg, prebuilt) -> None:
    """(Re)build the sample shop workspace from sample_data/.

    Examples:

    
    python -m shopsight sample -w demo
    """
    from shopsight import sample as sample_mod

    if prebuilt:
        reports = sample_mod.write_prebuilt()
    else:
        reports = sample_mod.build_sample(_workspace(ws_arg))
    for r in reports:
        click.echo(f"{r.file}: {r.rows_loaded} rows -> {r.kind}")


@cli.command("hash-password")
def hash_password() -> None:
    """Hash the shared team password for `[access] password_hash` in .streamlit/secrets.toml.

    Reads the password from stdin (first line), never from the command line, and prints
    a salted scrypt hash.

    Examples:

    
    python -m shopsight hash-password < password.txt
    """
    from shopsight import access

    stream = sys.stdin  # CliRunner swaps it in tests
    if stream.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    else:
        password = stream.readline().rstrip("\r\n")
    if not password:
        raise click.ClickException("the password is empty")
    click.echo(access.hash_password(password))


def main() -> None:
    cli(prog_name="python -m shopsight")
