"""One run over a data root: land → build and check → publish, written once.

`run_pipeline` is the run of `cchc run` and of the nightly deployment (flows/ops/nightly.py
wraps it in a Prefect flow and passes its tasks as the steps), the run the crash tests kill
(tests/support/pipeline_child.py), and `cchc bench` times its stages (`land`,
`build_warehouse`). Taking the data root's run lock (flows/ops/runlock.py) is the caller's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb

from flows.i18n import _
from flows.ingest.isolation import land_file_contained
from flows.ingest.landing import FileResult, discover, land_file, prune_landing
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
from flows.warehouse.publish import export_marts, exported_digest, remove_stale_exports
from flows.warehouse.runner import (
    AuditError,
    AuditResult,
    BuildResult,
    IncompleteBuild,
    ModelError,
    ModelGraphError,
    NotIncremental,
    build,
    run_audits,
)

LOG = logging.getLogger("cchc")

Log = logging.Logger | logging.LoggerAdapter


class RunNotPublishable(Exception):
    """Nothing fit to publish (every export failed to read)."""


class RunNotPublished(Exception):
    """The build or its audits failed: the previous warehouse stays published."""

    def __init__(self, report: RunReport) -> None:
        super().__init__(report.error)
        self.report = report


# What stops a run before it publishes (exit 4): a model, the model graph or an audit failed,
# the build is not whole, no export could be read, or DuckDB or the disk failed. The previous
# warehouse and exports stay as they were.
NOT_PUBLISHED = (
    AuditError,
    ModelError,
    ModelGraphError,
    IncompleteBuild,
    RunNotPublishable,
    duckdb.Error,
    OSError,
)


@dataclass(frozen=True)
class Built:
    """A published build: the runner's result, whether it was incremental, its audit warnings."""

    result: BuildResult
    incremental: bool
    warnings: list[str]


# The steps a caller may run its own way (the Prefect flow passes its tasks).
LandAll = Callable[[DataPaths, list[Path]], list[FileResult]]
BuildStep = Callable[[DataPaths, list[FileResult], BuildInputs, BuildInputs | None], Built]
CheckStep = Callable[[DataPaths], list[str]]
PublishStep = Callable[[DataPaths], Any]
RecordStep = Callable[[RunReport, duckdb.DuckDBPyConnection | None], None]


def land_serially(paths: DataPaths, files: list[Path]) -> list[FileResult]:
    """Land each file in turn, each read in a child process (flows/ingest/isolation.py)."""
    return [land_file_contained(paths, path) for path in files]


def land_in_process(paths: DataPaths, files: list[Path]) -> list[FileResult]:
    """Land each file in turn in this process, without the child's limits: for tests that
    change a reader or a writer in their own process, which a child would not see."""
    return [land_file(paths, path) for path in files]


def land_in_threads(workers: int) -> LandAll:
    """Land `workers` files at a time, each read in a child process."""

    def land_all(paths: DataPaths, files: list[Path]) -> list[FileResult]:
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(partial(land_file_contained, paths), files))

    return land_all


def land(paths: DataPaths, land_all: LandAll = land_serially) -> list[FileResult]:
    """Every raw file of the data root landed (or its landing reused), in discover's order."""
    return land_all(paths, discover(paths))


def audit_warnings(audits: list[AuditResult], log: Log = LOG) -> list[str]:
    """The warning audits that found rows, as the run's warnings (and logged)."""
    warnings = [
        _("audit {name}: {n} row(s)").format(name=a.name, n=a.violations)
        for a in audits
        if a.severity == "warning" and a.violations
    ]
    for warning in warnings:
        log.warning(warning)
    return warnings


def build_warehouse(
    paths: DataPaths,
    results: list[FileResult],
    inputs: BuildInputs | None = None,
    previous: BuildInputs | None = None,
    *,
    log: Log = LOG,
) -> Built:
    """Build into a temporary file, run the audits, swap it in; raises when it fails.

    `inputs` are the build's own (build_inputs of `results`), stored in it; `previous` those
    of the published build. When only new exports of an incremental source arrived since, only
    their cases' rows are recomputed (flows/warehouse/digest.py), else the build is full.
    """
    inputs = inputs or build_inputs(results, SQL_DIR)
    prepare = partial(prepare_inputs, results=results)
    finish = partial(record, inputs=inputs)
    increment = plan_increment(previous, inputs, results)
    if increment is not None:
        try:
            result = build(paths.warehouse, prepare, SQL_DIR, finish, increment)
            return Built(result, True, audit_warnings(result.audits, log))
        except NotIncremental as exc:
            log.info("building in full: %s", exc)
    result = build(paths.warehouse, prepare, SQL_DIR, finish)
    return Built(result, False, audit_warnings(result.audits, log))


def check_current(paths: DataPaths, *, log: Log = LOG) -> list[str]:
    """The audits of the published warehouse, read only: their warnings belong in every run."""
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return audit_warnings(run_audits(con, SQL_DIR / "tests"), log)


def run_pipeline(
    paths: DataPaths,
    land_all: LandAll = land_serially,
    *,
    build_step: BuildStep | None = None,
    check_step: CheckStep | None = None,
    publish_step: PublishStep = export_marts,
    record_artifacts: RecordStep | None = None,
    log: Log = LOG,
) -> RunReport:
    """One whole run: land every export, build and check unless nothing is new, publish.

    The steps default to build_warehouse, check_current and export_marts; `record_artifacts`
    is given the report (and the published warehouse) at the end. Returns the run's report,
    also saved as processed/last_run.json; raises RunNotPublished (its `report` attached) when
    nothing was published, and lets an error writing a landing (a full disk) through.
    """
    build_step = build_step or partial(build_warehouse, log=log)
    check_step = check_step or partial(check_current, log=log)
    paths.processed.mkdir(parents=True, exist_ok=True)
    report = RunReport(data_root=str(paths.root), started_at=datetime.now().isoformat())
    files = discover(paths)
    if not files:
        report.warnings.append(
            _("no exports under {folder}: run `cchc sample` for sample data").format(
                folder=paths.raw
            )
        )
    report.mark("landing")
    results = land_all(paths, files)
    report.mark("landed")
    report.count_files(results)
    try:
        if report.files_failed and not report.files_loaded:
            # A reader broken for every file would otherwise publish an empty warehouse.
            message = _("none of the {n} export(s) could be read: the previous warehouse is kept")
            raise RunNotPublishable(message.format(n=report.files_failed))
        inputs = build_inputs(results, SQL_DIR)
        previous = published_inputs(paths.warehouse)
        digest = inputs.digest
        if previous and digest == previous.digest and digest == exported_digest(paths):
            # The same files, accounting and code as the published build: it would come out
            # the same, byte for byte. A quiet night costs the hashing of the raw files only.
            log.info("nothing new since the last build: the published warehouse is current")
            report.rebuilt = False
            report.warnings += check_step(paths)
        else:
            built = build_step(paths, results, inputs, previous)
            report.warnings += built.warnings
            report.incremental = built.incremental
        report.mark("built")
    except NOT_PUBLISHED as exc:
        report.error = str(exc)
        report.ended_at = datetime.now().isoformat()
        report.save(paths.run_log)
        if record_artifacts is not None:
            record_artifacts(report, None)
        raise RunNotPublished(report) from exc
    report.published = True
    try:
        if report.rebuilt:
            publish_step(paths)
    except (duckdb.Error, OSError) as exc:
        # The warehouse is published; only its file exports are stale. Say so, go on.
        report.export_error = _("exports not refreshed: {error}").format(error=exc)
        log.error(report.export_error)
    report.mark("published")
    prune_landing(paths, {r.key for r in results if r.key})
    # An export that failed on a night that had nothing new to publish left its staging folder
    # behind; a night that publishes removes it anyway (export_marts).
    remove_stale_exports(paths)
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        read_accounting(con, report)
        report.headline = read_headline(con)
        report.ended_at = datetime.now().isoformat()
        report.mark("summarised")
        if record_artifacts is not None:
            record_artifacts(report, con)
    report.save(paths.run_log)
    return report
