"""The `cchc` command."""

from __future__ import annotations

import argparse
import os
import sys
import time

from flows.paths import DataPaths

# Prefect reads its settings at import: these make a run without a server quiet and patient
# on a slow machine. A user's own settings (environment or profile) still win.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_TO_API_BATCH_INTERVAL": "0.5",
    # The temporary server of a run without PREFECT_API_URL logs harmless tracebacks while
    # it shuts down; a real server (`prefect server start`) keeps its own logging.
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
}


def _prefect_environment() -> None:
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)


def cmd_run(args: argparse.Namespace) -> int:
    _prefect_environment()
    from flows.nightly import RunNotPublished, nightly
    from flows.summary import format_report

    started = time.monotonic()
    try:
        report = nightly(data_dir=str(DataPaths.resolve(args.data_dir).root))
    except RunNotPublished as exc:
        report = exc.report
    print(format_report(report))
    print(f"Run time: {time.monotonic() - started:.1f} s")
    return report.exit_code


def cmd_sample(args: argparse.Namespace) -> int:
    from flows.sample import write_sample

    paths = DataPaths.resolve(args.data_dir)
    summary = write_sample(paths.root, cases=args.cases, seed=args.seed)
    print(f"Sample written under {paths.raw}: {summary}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cchc",
        description="Administrative-reform indicators from iGate and related exports.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument(
        "--data-dir",
        help="data root holding raw/ and processed/ (default: $CCHC_DATA_DIR or ./data)",
    )

    run = sub.add_parser(
        "run", parents=[data_dir], help="land new exports, build, check and publish"
    )
    run.set_defaults(func=cmd_run)

    sample = sub.add_parser(
        "sample", parents=[data_dir], help="write a realistic sample province-year into raw/"
    )
    sample.add_argument("--cases", type=int, default=20000, help="cases to generate")
    sample.add_argument("--seed", type=int, default=2020, help="random seed")
    sample.set_defaults(func=cmd_sample)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
