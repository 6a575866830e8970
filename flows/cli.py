"""The `cchc` command."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from flows.i18n import LANGUAGES, _, dec, set_language
from flows.ingest.limits import LimitConfigError, check_limits
from flows.ops.prefect_env import apply_prefect_defaults
from flows.ops.runlock import DEFAULT_WAIT_SECONDS
from flows.ops.schedule import DEFAULT_CRON, DEFAULT_TIMEZONE, DEPLOYMENT_NAME
from flows.ops.task_runners import (
    ENV_DASK_ADDRESS,
    ENV_TASK_RUNNER,
    TASK_RUNNERS,
    LandingRunner,
    TaskRunnerConfigError,
    choose_landing_runner,
)
from flows.paths import DataPaths
from flows.tools.query import FORMATS

# argparse's own status for a wrong command line; a wrong CCHC_TASK_RUNNER is the same mistake.
EXIT_USAGE = 2


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_run(args: argparse.Namespace) -> int:
    from flows.ops.runlock import RunLockBusy, run_lock
    from flows.ops.summary import EXIT_BUSY

    paths = DataPaths.resolve(args.data_dir)
    started = time.monotonic()
    try:
        # Checked before the lock is waited for: a misconfiguration is not worth a long wait.
        runner = choose_landing_runner(args.task_runner, args.dask_address)
        check_limits()
    except (TaskRunnerConfigError, LimitConfigError) as exc:
        _say(f"cchc run: {exc}")
        return EXIT_USAGE
    try:
        # Taken before Prefect starts: a busy data root is reported at once, and the flow,
        # which takes the same lock for scheduled runs, finds it already held by this process.
        with run_lock(paths, wait=args.wait, on_wait=lambda m: _say(f"cchc run: {m} …")):
            return _run_nightly(paths, started, args.wait, runner)
    except RunLockBusy as exc:
        _say(
            "cchc run: "
            + _("{error} Try again later, or wait longer with --wait SECONDS.").format(error=exc)
        )
        return EXIT_BUSY


def _run_nightly(paths: DataPaths, started: float, wait: float, runner: LandingRunner) -> int:
    apply_prefect_defaults()
    from flows.ops.nightly import nightly
    from flows.ops.prefect_server import start_tied_server
    from flows.ops.summary import format_report
    from flows.pipeline import RunNotPublished

    # Without a configured server, the temporary one Prefect would start, started here and
    # tied to this process: a run killed with SIGKILL leaves no server behind.
    start_tied_server()
    flow = nightly.with_options(task_runner=runner.build())
    try:
        report = flow(data_dir=str(paths.root), lock_wait=wait)
    except RunNotPublished as exc:
        report = exc.report
    print(format_report(report))
    print(_("Run time: {seconds} s").format(seconds=dec(time.monotonic() - started)))
    return report.exit_code


def cmd_national(args: argparse.Namespace) -> int:
    from flows.national.flow import discover_provinces
    from flows.ops.runlock import RunLockBusy, run_lock
    from flows.ops.summary import EXIT_BUSY

    root = Path(args.root).expanduser().resolve()
    started = time.monotonic()
    try:
        runner = choose_landing_runner(args.task_runner, args.dask_address)
        check_limits()
    except (TaskRunnerConfigError, LimitConfigError) as exc:
        _say(f"cchc national: {exc}")
        return EXIT_USAGE
    if not discover_provinces(root):
        _say(
            "cchc national: "
            + _("no province under {root}: a province is a folder holding raw/").format(root=root)
        )
        return EXIT_USAGE
    try:
        # The national lock, taken before Prefect starts as `cchc run` takes a province's.
        lock = run_lock(
            DataPaths(root), wait=args.wait, on_wait=lambda m: _say(f"cchc national: {m} …")
        )
        with lock:
            return _run_national(root, started, args.wait, runner)
    except RunLockBusy as exc:
        _say(
            "cchc national: "
            + _("{error} Try again later, or wait longer with --wait SECONDS.").format(error=exc)
        )
        return EXIT_BUSY


def _run_national(root: Path, started: float, wait: float, runner: LandingRunner) -> int:
    apply_prefect_defaults()
    from flows.national.flow import national
    from flows.national.report import format_national
    from flows.ops.prefect_server import start_tied_server

    start_tied_server()
    report = national.with_options(task_runner=runner.build())(root=str(root), lock_wait=wait)
    print(format_national(report))
    print(_("Run time: {seconds} s").format(seconds=dec(time.monotonic() - started)))
    return report.exit_code


def cmd_sample(args: argparse.Namespace) -> int:
    from flows.sample import write_sample

    paths = DataPaths.resolve(args.data_dir)
    summary = write_sample(paths.root, cases=args.cases, seed=args.seed)
    print("\n".join(summary.lines()))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    apply_prefect_defaults()
    from flows.ops.schedule import ServeError, plan, serve

    paths = DataPaths.resolve(args.data_dir)
    try:
        check_limits()
    except LimitConfigError as exc:
        _say(f"cchc serve: {exc}")
        return 1
    try:
        chosen = plan(
            str(paths.root),
            args.cron,
            args.timezone,
            args.name,
            args.wait,
            task_runner=args.task_runner,
            dask_address=args.dask_address,
        )
    except ServeError as exc:
        _say(f"cchc serve: {exc}")
        return 1
    serve(chosen)
    return 0


def _read_sql(text: str) -> str:
    return sys.stdin.read() if text == "-" else text


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from flows.tools.query import NoWarehouse, connect, render, run_query, tables_text, write_xlsx

    parser: argparse.ArgumentParser = args.subparser
    if not args.tables and not args.sql:
        parser.error(_("give the SQL to run, or --tables"))
    fmt = args.format
    if fmt is None:
        suffix = Path(args.output).suffix.lower().lstrip(".") if args.output else ""
        fmt = suffix if suffix in ("csv", "json", "xlsx") else "table"
    if fmt == "xlsx" and not args.output:
        parser.error(_("--format xlsx needs --output FILE.xlsx"))
    paths = DataPaths.resolve(args.data_dir)
    try:
        con = connect(paths.warehouse)
    except (NoWarehouse, duckdb.Error) as exc:
        _say(f"cchc query: {exc}")
        return 1
    with con:
        if args.tables:
            print(tables_text(con))
            return 0
        try:
            result = run_query(con, _read_sql(args.sql))
        except duckdb.Error as exc:
            _say(
                _("SQL error: {error}\n\nTables you can query:\n{tables}").format(
                    error=exc, tables=tables_text(con)
                )
            )
            return 1
    if not args.output:
        sys.stdout.write(render(result, fmt, args.max_rows))
        return 0
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        write_xlsx(result, out)
    else:
        # CSV files carry a BOM: Excel, the analysts' tool, reads UTF-8 without one as ANSI
        # and garbles every Vietnamese letter.
        encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
        out.write_text(render(result, fmt, 0), encoding=encoding, newline="")
    _say(_("wrote {n} row(s) to {file}").format(n=len(result.rows), file=out))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from flows.ops.status import status_text

    print(status_text(DataPaths.resolve(args.data_dir)))
    return 0


def cmd_unmatched(args: argparse.Namespace) -> int:
    import duckdb

    from flows.tools.query import NoWarehouse
    from flows.tools.unmatched import unmatched_text

    paths = DataPaths.resolve(args.data_dir)
    try:
        text = unmatched_text(paths.warehouse)
    except (NoWarehouse, duckdb.Error) as exc:
        _say(f"cchc unmatched: {exc}")
        return 1
    sys.stdout.write(text)
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from flows.tools.inspect import run

    return run(args)


def _latest_year(paths: DataPaths) -> str | None:
    import duckdb

    from flows.ops.summary import latest_year

    if not paths.warehouse.exists():
        return None
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return latest_year(con)


def cmd_report(args: argparse.Namespace) -> int:
    if args.national or args.root:
        return _national_report(args)
    from flows.report import write_report

    paths = DataPaths.resolve(args.data_dir)
    period = args.period or _latest_year(paths)
    if period is None:
        print(
            _("no published warehouse under {folder}: run `cchc run` first").format(
                folder=paths.processed
            )
        )
        return 1
    try:
        result = write_report(paths, period, args.unit or None)
    except (ValueError, FileNotFoundError) as exc:
        print(exc)
        return 1
    print(
        _("report for {period} written to {folder}:").format(
            period=result.period_label, folder=result.directory
        )
    )
    for path in result.files:
        print(f"  {path.relative_to(result.directory)}")
    for note in result.omitted:
        print("  " + _("left out: {note}").format(note=note))
    return 0


def _national_report(args: argparse.Namespace) -> int:
    parser: argparse.ArgumentParser = args.subparser
    if not (args.national and args.root):
        parser.error(_("--national and --root DIR go together"))
    if args.unit:
        parser.error(_("--unit is not used with --national"))
    from flows.report.national import write_national_report

    try:
        result = write_national_report(Path(args.root).expanduser().resolve(), args.period)
    except (ValueError, FileNotFoundError) as exc:
        print(exc)
        return 1
    print(
        _("national report for {period} written to {folder}:").format(
            period=result.period_label, folder=result.directory
        )
    )
    for path in result.files:
        print(f"  {path.relative_to(result.directory)}")
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    # Imported here: Dash and the report's modules take a second to load, which no other
    # command should pay.
    from flows.dashboard.app import serve

    return serve(DataPaths.resolve(args.data_dir), host=args.host, port=args.port)


def cmd_bench(args: argparse.Namespace) -> int:
    apply_prefect_defaults()
    from flows.ops.bench import run_bench

    formats = tuple(args.formats.split(","))
    national = (args.national_provinces, args.national_cases)
    table = run_bench(Path(args.workdir), args.cases, formats, national)
    print(table)
    if args.output:
        Path(args.output).write_text(table + "\n", encoding="utf-8")
    return 0


def _add_task_runner_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--task-runner",
        choices=TASK_RUNNERS,
        help="where the exports are landed: threads in this process, or dask workers "
        f"(default: ${ENV_TASK_RUNNER}, else threads; dask needs pip install 'cchc[dask]')",
    )
    parser.add_argument(
        "--dask-address",
        metavar="ADDR",
        help="the Dask scheduler to land on, e.g. tcp://10.0.0.5:8786 (default: "
        f"${ENV_DASK_ADDRESS}; empty = a local cluster, one worker process per core)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cchc",
        description="Administrative-reform indicators from iGate and related exports.",
    )
    # Before or after the command: `cchc --lang vi status` and `cchc status --lang vi`.
    _add_language_option(parser, None)
    sub = parser.add_subparsers(dest="command", required=True)
    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument(
        "--data-dir",
        help="data root holding raw/ and processed/ (default: $CCHC_DATA_DIR or ./data)",
    )

    run = sub.add_parser(
        "run", parents=[data_dir], help="land new exports, build, check and publish"
    )
    wait_option = {
        "type": float,
        "default": DEFAULT_WAIT_SECONDS,
        "metavar": "SECONDS",
        "help": "if another run holds the data root, wait this long for it to finish "
        f"(default {DEFAULT_WAIT_SECONDS:.0f}; 0 = give up at once, exit status 5)",
    }
    run.add_argument("--wait", **wait_option)
    _add_task_runner_options(run)
    run.set_defaults(func=cmd_run)

    national = sub.add_parser(
        "national",
        help="run every province of a root and build the national comparison",
        description="Run every province under ROOT (each folder holding raw/) as `cchc run` "
        "does, one task per province on the task runner (threads or Dask workers); a "
        "province that fails is reported and the others go on. Then build ROOT/national.duckdb "
        "from the provinces' published exports and ROOT/reference/provinces* (the crosswalk). "
        "Exit 0: all published; 3: published, but a province failed, is stale or lost files; "
        "4: the national warehouse was not published; 5: the root's lock was busy.",
    )
    national.add_argument("--root", required=True, help="the folder holding the province folders")
    national.add_argument("--wait", **wait_option)
    _add_task_runner_options(national)
    national.set_defaults(func=cmd_national)

    sample = sub.add_parser(
        "sample", parents=[data_dir], help="write a realistic sample province-year into raw/"
    )
    sample.add_argument("--cases", type=int, default=20000, help="cases to generate")
    sample.add_argument("--seed", type=int, default=2020, help="random seed")
    sample.set_defaults(func=cmd_sample)

    serve = sub.add_parser(
        "serve",
        parents=[data_dir],
        help="register the nightly deployment on the Prefect server and run it on schedule",
        description="Register the `nightly` deployment with a cron schedule on the Prefect "
        "server at PREFECT_API_URL and execute its runs in this process until stopped.",
    )
    serve.add_argument(
        "--cron", default=DEFAULT_CRON, help=f"when to run (default: {DEFAULT_CRON!r})"
    )
    serve.add_argument(
        "--timezone",
        default=DEFAULT_TIMEZONE,
        help=f"the cron's time zone (default: {DEFAULT_TIMEZONE})",
    )
    serve.add_argument("--name", default=DEPLOYMENT_NAME, help="deployment name (default: nightly)")
    serve.add_argument(
        "--wait",
        **{
            **wait_option,
            "help": "a scheduled run that finds another run in progress waits this long "
            f"for it, then fails (default {DEFAULT_WAIT_SECONDS:.0f})",
        },
    )
    _add_task_runner_options(serve)
    serve.set_defaults(func=cmd_serve)

    query = sub.add_parser(
        "query",
        parents=[data_dir],
        help="run SQL on the published warehouse (read-only)",
        description="Run SQL on the published warehouse, opened read-only, and print the "
        "result or write it to a file. `--tables` lists the output tables.",
    )
    query.add_argument("sql", nargs="?", help="the SQL text, or - to read it from stdin")
    query.add_argument("--tables", action="store_true", help="list the output tables")
    query.add_argument(
        "--format",
        choices=FORMATS,
        help="table (aligned text), csv, json or xlsx (needs --output); "
        "default: from --output's suffix, else table",
    )
    query.add_argument("--output", "-o", help="write the result to this file")
    query.add_argument(
        "--max-rows",
        type=int,
        default=200,
        help="rows of a printed table (default 200; 0 = all); files get every row",
    )
    query.set_defaults(func=cmd_query, subparser=query)

    status = sub.add_parser(
        "status",
        parents=[data_dir],
        help="last run, newest exports, data-quality summary and warehouse size",
    )
    status.set_defaults(func=cmd_status)

    unmatched = sub.add_parser(
        "unmatched",
        parents=[data_dir],
        help="unit and sector names not in the registry or catalogue, and how to fix them",
        description="List the unit and sector names of the exports that match nothing in "
        "the units registry or the procedure catalogue, with their row counts, the three "
        "closest registry or catalogue names, and the `Tên khác` cell to write in the registry.",
    )
    unmatched.set_defaults(func=cmd_unmatched)

    inspect = sub.add_parser(
        "inspect",
        parents=[data_dir],
        help="how one export would be read, and the profile lines a new vendor's headers need",
        description="Read one export as landing would, without landing it: format and "
        "encoding, source, each sheet's header and columns (with the closest fields of the "
        "unmapped ones), the rows that would be loaded, rejected and skipped, and the lines "
        "to add to <data root>/profiles/<source>.toml. Exit 0 when rows would load, 1 when "
        "nothing would.",
    )
    inspect.add_argument("file", help="the export to inspect (.xlsx, .xls, .csv)")
    inspect.add_argument(
        "--source",
        help="the source to read it as (igate, late, documents, postal, reports, units, "
        "procedures, holidays; default: its folder under raw/, else a guess)",
    )
    inspect.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or json"
    )
    inspect.add_argument(
        "--write",
        action="store_true",
        help="append the proposed lines to <data root>/profiles/<source>.toml, then inspect again",
    )
    inspect.set_defaults(func=cmd_inspect)

    report = sub.add_parser(
        "report",
        parents=[data_dir],
        help="charts, the Biểu 06 workbook and a Word/HTML draft for a period",
    )
    report.add_argument(
        "--period", help="2020, 2020-Q4 or 2020-10 (default: the latest year in the data)"
    )
    report.add_argument(
        "--unit",
        action="append",
        help="restrict to a unit, by code or name (repeat for several)",
    )
    report.add_argument(
        "--national",
        action="store_true",
        help="the provinces side by side, from ROOT/national.duckdb (needs --root)",
    )
    report.add_argument("--root", help="with --national: the root `cchc national` ran over")
    report.set_defaults(func=cmd_report, subparser=report)

    dashboard = sub.add_parser(
        "dashboard",
        parents=[data_dir],
        help="a local web page of the indicators, in Vietnamese (read-only)",
        description="Serve the indicators of the published warehouse as a web page: Biểu 06, "
        "late and overdue rates, iGate uptake, channels, e-signed documents, the cases behind "
        "each count, downloads as .xlsx and .csv, and the data-quality tables. The warehouse is "
        "opened read-only; a nightly build in progress never waits for it.",
    )
    dashboard.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    dashboard.add_argument("--port", type=int, default=8050, help="port (default: 8050)")
    dashboard.set_defaults(func=cmd_dashboard)

    bench = sub.add_parser(
        "bench", help="time the pipeline against the bare reader and a pandas script"
    )
    bench.add_argument("--cases", type=int, default=1_000_000, help="cases to generate")
    bench.add_argument(
        "--workdir", default="bench", help="scratch folder for the generated exports"
    )
    bench.add_argument("--formats", default="xlsx,csv", help="xlsx, csv or both")
    bench.add_argument(
        "--national-provinces",
        type=int,
        default=3,
        help="provinces for the `cchc national` line (0: leave it out)",
    )
    bench.add_argument(
        "--national-cases", type=int, default=100_000, help="cases per province for that line"
    )
    bench.add_argument("--output", help="also write the table (markdown) to this file")
    bench.set_defaults(func=cmd_bench)
    for command in sub.choices.values():
        # SUPPRESS: a command's --lang, when not given, leaves the global one as it is.
        _add_language_option(command, argparse.SUPPRESS)
    return parser


def _add_language_option(parser: argparse.ArgumentParser, default: str | None) -> None:
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=default,
        help="language of the messages: vi (Vietnamese) or en (English); default: from "
        "LANGUAGE / LC_ALL / LC_MESSAGES / LANG (vi… = Vietnamese), else English",
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    set_language(args.lang)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
