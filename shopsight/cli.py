"""`python -m shopsight …`: load exports and ask questions of a workspace from a shell."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import sys
from pathlib import Path

import click

from shopsight import queries, workspace

WORKSPACE_HELP = "Workspace directory or name (default: the sample shop under $SHOPSIGHT_DATA_DIR)."


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


def _open(ws_arg: str | None, read_only: bool):
    ws = workspace.open_workspace(ws_arg)
    if ws_arg is None:
        from shopsight import sample

        sample.ensure_sample(ws)
    if read_only and not ws.exists():
        raise click.ClickException(f"no workspace at {ws.path}")
    return ws, ws.connect(read_only=read_only)


@click.group()
def cli() -> None:
    """ShopSight 店铺经营看板: load shop exports into a DuckDB workspace and query it."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
@click.option("--kind", type=click.Choice(list(workspace.schema.KINDS)), default=None,
              help="Dataset kind (default: detected from the headers).")
@click.option("--sheet", default=None, help="Sheet to load (default: the best-matching sheet).")
@click.option("--mode", type=click.Choice(["replace", "append"]), default="replace", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the load report as JSON.")
def ingest(files, ws_arg, kind, sheet, mode, as_json) -> None:
    """Load export files into the workspace, one transaction per file.

    With --mode replace the first file of each kind replaces that dataset and later
    files of the same kind in this command are appended to it. Rows that cannot be
    read are listed (row as a spreadsheet shows it, column, value, message); a file
    that cannot be loaded at all leaves the workspace as it was, gets one line on
    stderr, and makes the exit status 1.

    Example: python -m shopsight ingest 商品_全部_2026-11-01_2026-11-30.xls -w myshop --json
    """
    from shopsight.ingest import IngestError, load_file

    ws = workspace.open_workspace(ws_arg)
    reports, failed, replaced = [], [], set()
    con = ws.connect()
    try:
        for f in files:
            path = Path(f)
            try:
                report = load_file(ws, path, path.name, kind=kind, sheet=sheet, mode=mode,
                                   append_to=replaced, con=con)
            except IngestError as e:
                failed.append(_one_line(str(e)))
            except Exception as e:  # noqa: BLE001 - one bad file must not stop the others
                failed.append(_one_line(f"{path.name}: {type(e).__name__}: {e}"))
            else:
                replaced.add(report.kind)
                reports.append(report.as_json())
    finally:
        con.close()
    for reason in failed:
        click.echo(f"error: {reason}", err=True)
    if as_json:
        _echo_json({"files": reports})
    else:
        for r in reports:
            click.echo(f"{r['file']}: {r['rows_loaded']} rows -> {r['kind']}"
                       f" ({r['rows_rejected']} rejected)")
            for e in r["errors"][:20]:
                click.echo(f"  row {e['row']}: {e['message']}")
    if failed:
        sys.exit(1)


def _one_line(text: str) -> str:
    return " ".join(text.split())


@cli.command()
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def datasets(ws_arg, as_json) -> None:
    """List the datasets in the workspace.

    Example: python -m shopsight datasets --json
    """
    _, con = _open(ws_arg, read_only=True)
    try:
        items = [{"kind": d["kind"], "rows": d["rows"], "columns": d["columns"], "files": d["files"]}
                 for d in workspace.datasets(con)]
    finally:
        con.close()
    if as_json:
        _echo_json(items)
    else:
        for d in items:
            click.echo(f"{d['kind']:12} {d['rows']:>10,} rows  {', '.join(d['files'])}")


@cli.command()
@click.argument("statement")
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print rows as JSON objects.")
def sql(statement, ws_arg, as_json) -> None:
    """Run one SQL statement on a read-only, locked-down connection.

    Example: python -m shopsight sql "select province, sum(paid_amount) from orders group by 1" --json
    """
    _, con = _open(ws_arg, read_only=True)
    try:
        try:
            rows = _rows(con.execute(statement))
        except Exception as e:  # DuckDB error classes vary; the message is what matters
            raise click.ClickException(str(e).splitlines()[0]) from None
    finally:
        con.close()
    _print_rows(rows, as_json)


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

    Example: python -m shopsight query overview_kpis --param start=2026-11-01 --param end=2026-11-30 --json
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
    _, con = _open(ws_arg, read_only=True)
    try:
        try:
            rows = _rows(con.execute(queries.sql(name), bound))
        except Exception as e:
            raise click.ClickException(str(e).splitlines()[0]) from None
    finally:
        con.close()
    _print_rows(rows, as_json)


@cli.command("abtest")
@click.argument("test_id")
@click.option("--control", default=None, metavar="VARIANT",
              help="Variant to compare against (default: the one marked 对照, else the oldest).")
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the verdict sentence (text output).")
@click.option("--json", "as_json", is_flag=True, help="Print the analysis as JSON.")
def abtest_command(test_id, control, ws_arg, lang, as_json) -> None:
    """Analyse a main-image A/B test: CTR with 95% CI, lifts, p-values, Bayesian odds.

    The whole test is analysed (all its days). JSON: {"test", "control", "variants": [...],
    "srm_p_value", "sample_size_per_arm"}; sample_size_per_arm is the impressions per arm
    needed to detect a +10% relative CTR lift over the control (alpha 0.05, power 0.8).

    Example: python -m shopsight abtest hoodie-main-1105 --control v2 --json
    """
    from shopsight import abtest, verdict

    _, con = _open(ws_arg, read_only=True)
    try:
        known = queries.run(con, "abtest_tests", start_date=None, end_date=None)["test_id"].tolist()
        if test_id not in known:
            listed = ", ".join(known) if known else "none (load a main-image test sheet first)"
            raise click.ClickException(f"no test {test_id!r} in {ws_arg or 'the sample shop'}. "
                                       f"Known tests: {listed}")
        everything = {"test_id": test_id, "start_date": None, "end_date": None}
        totals = queries.run(con, "abtest_variants", **everything)
        daily = None if as_json else queries.run(con, "abtest_daily", **everything)
    finally:
        con.close()
    variants = totals["variant"].tolist()
    if control is not None and control not in variants:
        raise click.ClickException(f"test {test_id} has no variant {control!r}. "
                                   f"Variants: {', '.join(variants)}")
    result = abtest.analyze(totals, control=control)
    if as_json:
        _echo_json(abtest.to_json(result))
        return
    click.echo(f"{result.test}: control {result.control}, {result.days} days, "
               f"SRM p {_fmt_num(result.srm_p_value, '.4f')}, "
               f"{_fmt_num(result.sample_size_per_arm, ',')} impressions per arm for +10%")
    click.echo(f"{'variant':<16}{'impressions':>12}{'clicks':>9}{'ctr':>8}{'95% CI':>17}"
               f"{'lift':>8}{'p (Holm)':>10}{'P(best)':>9}")
    for r in abtest.to_json(result)["variants"]:
        ci = f"{_fmt_num(r['ci_low'], '.2%')}~{_fmt_num(r['ci_high'], '.2%')}"
        click.echo(f"{r['variant']:<16}{_fmt_num(r['impressions'], ','):>12}"
                   f"{_fmt_num(r['clicks'], ','):>9}{_fmt_num(r['ctr'], '.2%'):>8}{ci:>17}"
                   f"{_fmt_num(r['lift_rel'], '+.1%'):>8}{_fmt_num(r['p_value_holm'], '.4f'):>10}"
                   f"{_fmt_num(r['prob_best'], '.1%'):>9}")
    said = verdict.explain(abtest.verdict(result, daily), lang, days=result.days,
                           srm_p_value=result.srm_p_value)
    for line in (said.headline, *said.guardrails):
        click.echo(line)


def _fmt_num(v, spec: str) -> str:
    v = _jsonable(v)
    return "—" if v is None else format(v, spec)


@cli.command("funnel")
@click.option("--steps", required=True,
              help="Event names in order, comma-separated (2 to 6), e.g. 浏览商品,加入购物车,支付成功.")
@click.option("--window", required=True,
              help="Conversion window from the first step: 30m, 1h, 1d, 7d (units s/m/h/d/w).")
@click.option("--by", type=click.Choice(["source", "device", "province"]), default=None,
              help="Also split the funnel by the first step's source, device or province.")
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def funnel_cmd(steps, window, by, ws_arg, as_json) -> None:
    """Users who did the event steps in order within the window (the events dataset).

    JSON: {"steps": [{"step", "users", "conversion_from_first", "conversion_from_previous"}]};
    with --by also {"segments": {value: [...the same per segment...]}} (null: no value).

    Example: python -m shopsight funnel --steps 浏览商品,加入购物车,提交订单,支付成功 --window 1d --json
    """
    from shopsight import funnel

    names = [s.strip() for s in steps.split(",") if s.strip()]
    _, con = _open(ws_arg, read_only=True)
    try:
        result = funnel.event_funnel(con, names, window, by)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    finally:
        con.close()
    if as_json:
        _echo_json(result)
        return
    groups = [(None, result["steps"])]
    groups += [(f"{by}={value}", rows) for value, rows in result.get("segments", {}).items()]
    for title, rows in groups:
        if title:
            click.echo(f"\n{title}")
        for r in rows:
            pct = [("" if v is None else f"{v:.2%}")
                   for v in (r["conversion_from_first"], r["conversion_from_previous"])]
            click.echo(f"{r['step']}\t{r['users']}\t{pct[0]}\t{pct[1]}")


@cli.command("report")
@click.option("--period", "kind", type=click.Choice(["week", "month"]), required=True,
              help="A weekly (7 days) or monthly report, compared with the period before.")
@click.option("--end", "end", default=None, metavar="DATE",
              help="Last day of the period, YYYY-MM-DD (default: the last complete week, "
                   "Monday to Sunday, or calendar month the data covers).")
@click.option("--format", "fmt", type=click.Choice(["html", "xlsx"]), required=True,
              help="html: one self-contained page (offline, prints on A4); xlsx: a workbook, "
                   "one sheet per section.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="File to write.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
def report_command(kind, end, fmt, out, lang, ws_arg) -> None:
    """Write the weekly / monthly report (周报 / 月报) as HTML or XLSX.

    Sections (each only when its data has rows in the period): headline KPIs, funnel,
    traffic sources, best and slow sellers, regions, main-image tests, 1688 inquiries.
    A period without data gives a short report that says so.

    Example: python -m shopsight report --period week --format html --out 周报.html
    """
    from shopsight import report, report_export

    end_day = None
    if end is not None:
        try:
            end_day = dt.date.fromisoformat(end)
        except ValueError:
            raise click.BadParameter(f"expected YYYY-MM-DD, got {end!r}",
                                     param_hint="--end") from None
    _, con = _open(ws_arg, read_only=True)
    try:
        def run(name, **params):
            return queries.run(con, name, **params)

        if end_day is None:
            end_day = report.default_end(kind, report.last_day(run("date_bounds")))
        built = report.build(run, report.period(kind, end_day), lang, workspace.datasets(con))
    finally:
        con.close()
    if fmt == "html":
        Path(out).write_text(report_export.to_html(built), encoding="utf-8")
    else:
        Path(out).write_bytes(report_export.to_xlsx(built))
    p = built.period
    click.echo(f"{out}: {kind} {p.start}~{p.end} vs {p.cmp_start}~{p.cmp_end}, "
               f"{len(built.sections)} sections"
               + ("" if built.sections else " (no data in this period)"))


@cli.command()
@click.option("-w", "--workspace", "ws_arg", default=None, help=WORKSPACE_HELP)
def sample(ws_arg) -> None:
    """(Re)build the sample shop workspace from sample_data/.

    Example: python -m shopsight sample -w demo
    """
    from shopsight import sample as sample_mod

    ws = workspace.open_workspace(ws_arg)
    reports = sample_mod.build_sample(ws)
    for r in reports:
        click.echo(f"{r.file}: {r.rows_loaded} rows -> {r.kind}")


@cli.command("hash-password")
def hash_password() -> None:
    """Hash the shared team password for `[access] password_hash` in .streamlit/secrets.toml.

    Reads the password from stdin (first line), never from the command line, and prints
    a salted scrypt hash.

    Example: python -m shopsight hash-password < password.txt
    """
    from shopsight import access

    stream = click.get_text_stream("stdin")
    if stream.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                                err=True)
    else:
        password = stream.readline().rstrip("\r\n")
    if not password:
        raise click.ClickException("the password is empty")
    click.echo(access.hash_password(password))


def main() -> None:
    cli(prog_name="python -m shopsight")
