"""The nightly flow: land → build and check → publish."""

from __future__ import annotations

import os
from datetime import datetime
from functools import partial
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.task_runners import ThreadPoolTaskRunner

from flows.ingest.landing import FileResult, discover, land_file, prune_landing
from flows.ops import progress
from flows.ops.artifacts import record_run
from flows.ops.runlock import DEFAULT_WAIT_SECONDS, run_lock
from flows.ops.summary import RunReport, read_accounting, read_headline
from flows.paths import SQL_DIR, DataPaths
from flows.warehouse.digest import (
    BuildInputs,
    build_inputs,
    plan_increment,
    published_inputs,
    record,
)
from flows.warehouse.inputs import prepare_inputs
from flows.warehouse.publish import export_marts, exported_digest
from flows.warehouse.runner import (
    AuditError,
    AuditResult,
    ModelError,
    ModelGraphError,
    NotIncremental,
    build,
    run_audits,
)


class RunNotPublishable(Exception):
    """Nothing fit to publish (every export failed to read)."""


class RunNotPublished(Exception):
    """The build or its audits failed: the previous warehouse stays published."""

    def __init__(self, report: RunReport) -> None:
        super().__init__(report.error)
        self.report = report


@task(name="land", retries=2, retry_delay_seconds=2)
def land(root: str, file: str) -> FileResult:
    paths = DataPaths(Path(root))
    result = land_file(paths, Path(file))
    logger = get_run_logger()
    if result.status == "failed":
        logger.warning("%s failed: %s", result.file, result.message)
    else:
        logger.info(
            "%s: %s%s", result.file, result.status, "" if result.parsed else " (already landed)"
        )
    return result


@task(name="build and check")
def build_warehouse(
    root: str, results: list[FileResult], inputs: BuildInputs, previous: BuildInputs | None
) -> tuple[list[str], bool]:
    """Build into a temporary file, run the audits, swap it in.

    Returns the audits' warnings and whether the build was incremental: only new iGate exports
    since the published build recompute only their cases' rows (flows/warehouse/digest.py).
    """
    paths = DataPaths(Path(root))
    prepare = partial(prepare_inputs, results=results)
    finish = partial(record, inputs=inputs)
    increment = plan_increment(previous, inputs, results)
    if increment is not None:
        try:
            outcome = build(paths.warehouse, prepare, SQL_DIR, finish, increment)
            return _audit_warnings(outcome.audits), True
        except NotIncremental as exc:
            get_run_logger().info("building in full: %s", exc)
    outcome = build(paths.warehouse, prepare, SQL_DIR, finish)
    return _audit_warnings(outcome.audits), False


@task(name="check the current warehouse")
def check_current(root: str) -> list[str]:
    """The audits of the published warehouse, read only: their warnings belong in every run."""
    paths = DataPaths(Path(root))
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return _audit_warnings(run_audits(con, SQL_DIR / "tests"))


def _audit_warnings(audits: list[AuditResult]) -> list[str]:
    warnings = [
        f"audit {a.name}: {a.violations} row(s)"
        for a in audits
        if a.severity == "warning" and a.violations
    ]
    for warning in warnings:
        get_run_logger().warning(warning)
    return warnings


@task(name="publish", retries=2, retry_delay_seconds=2)
def publish(root: str) -> int:
    paths = DataPaths(Path(root))
    written = export_marts(paths)
    return len(written)


def _record_artifacts(report: RunReport, con: duckdb.DuckDBPyConnection | None) -> None:
    # The artifacts are a convenience of the UI: failing to write them must not fail a run
    # whose warehouse is already published.
    try:
        record_run(report, con)
    except Exception as exc:
        get_run_logger().warning("could not record the run's artifacts: %s", exc)


# Files are parsed a few at a time: the readers and Arrow release the GIL, so threads use both
# cores, while an unbounded pool would hold every workbook of a national year in memory at once.
LANDING_WORKERS = max(2, os.cpu_count() or 2)


@flow(
    name="nightly",
    log_prints=True,
    task_runner=ThreadPoolTaskRunner(max_workers=LANDING_WORKERS),
)
def nightly(data_dir: str | None = None, lock_wait: float = DEFAULT_WAIT_SECONDS) -> RunReport:
    """One run of the whole pipeline over a data root.

    Only one run at a time writes a data root: a second one waits up to `lock_wait` seconds
    for the first to end, then fails with RunLockBusy without touching anything.
    """
    paths = DataPaths.resolve(data_dir)
    with run_lock(paths, wait=lock_wait, on_wait=get_run_logger().warning):
        return _run(paths)


def _run(paths: DataPaths) -> RunReport:
    logger = get_run_logger()
    paths.processed.mkdir(parents=True, exist_ok=True)
    report = RunReport(data_root=str(paths.root), started_at=datetime.now().isoformat())
    files = discover(paths)
    if not files:
        report.warnings.append(f"no exports under {paths.raw}: run `cchc sample` for sample data")
    futures = land.map(str(paths.root), [str(f) for f in files])
    results: list[FileResult] = progress.collect(futures, "landing", logger.info)
    report.count_files(results)
    try:
        if report.files_failed and not report.files_loaded:
            # A reader broken for every file would otherwise publish an empty warehouse.
            raise RunNotPublishable(
                f"none of the {report.files_failed} export(s) could be read: "
                "the previous warehouse is kept"
            )
        inputs = build_inputs(results, SQL_DIR)
        previous = published_inputs(paths.warehouse)
        digest = inputs.digest
        if previous and digest == previous.digest and digest == exported_digest(paths):
            # The same files, accounting and code as the published build: it would come out
            # the same, byte for byte. A quiet night costs the hashing of the raw files only.
            logger.info("nothing new since the last build: the published warehouse is current")
            report.rebuilt = False
            report.warnings += check_current(str(paths.root))
        else:
            warnings, report.incremental = build_warehouse(
                str(paths.root), results, inputs, previous
            )
            report.warnings += warnings
    except (
        AuditError,
        ModelError,
        ModelGraphError,
        RunNotPublishable,
        duckdb.Error,
        OSError,
    ) as exc:
        report.error = str(exc)
        report.ended_at = datetime.now().isoformat()
        report.save(paths.run_log)
        _record_artifacts(report, None)
        raise RunNotPublished(report) from exc
    report.published = True
    try:
        if report.rebuilt:
            publish(str(paths.root))
    except (duckdb.Error, OSError) as exc:
        # The warehouse is published; only its file exports are stale. Say so, go on.
        report.export_error = f"exports not refreshed: {exc}"
        logger.error(report.export_error)
    prune_landing(paths, {r.key for r in results if r.key})
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        read_accounting(con, report)
        report.headline = read_headline(con)
        report.ended_at = datetime.now().isoformat()
        _record_artifacts(report, con)
    report.save(paths.run_log)
    return report
