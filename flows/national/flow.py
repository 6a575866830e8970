"""`cchc national`: every province's run on the task runner, then the national warehouse.

Each folder of the root holding `raw/` is a province (its folder name is its key). Each
province's whole run — land, build, check, publish — is one `province` task: the pipeline of
`cchc run` (flows/pipeline.py `run_pipeline`) under the province's own run lock, executed on
the flow's task runner (threads, or a Dask worker: flows/ops/task_runners.py). A province that
fails is reported and the others go on. Then, in the flow's own process, the `national
roll-up` task builds `<root>/national.duckdb` from the provinces' published exports
(flows/national/warehouse.py). The national run holds `<root>/processed/.run.lock`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from flows.national.report import NationalReport, ProvinceOutcome, run_log
from flows.national.warehouse import (
    RUN_EXPORTS_STALE,
    RUN_FAILED,
    RUN_PUBLISHED,
    NationalBuild,
    NothingToRollUp,
    ProvinceState,
    build_national,
)
from flows.ops.nightly import LANDING_WORKERS
from flows.ops.runlock import DEFAULT_WAIT_SECONDS, RunLockBusy, run_lock
from flows.ops.summary import EXIT_BUSY
from flows.paths import DataPaths
from flows.pipeline import (
    NOT_PUBLISHED,
    RunNotPublished,
    audit_warnings,
    land_serially,
    run_pipeline,
)

RAW_DIRNAME = "raw"
# A province's run that ends in an error no step expected (a traceback in its task's log).
EXIT_UNEXPECTED = 1


def discover_provinces(root: Path) -> list[Path]:
    """The province folders of the root: every folder holding `raw/`, by name."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(
        p for p in root.iterdir() if not p.name.startswith(".") and (p / RAW_DIRNAME).is_dir()
    )


class ProvinceFailed(Exception):
    """A province's run published nothing; its arguments travel back from a Dask worker."""

    def __init__(self, province: str, reason: str, exit_code: int) -> None:
        super().__init__(province, reason, exit_code)
        self.province = province
        self.reason = reason
        self.exit_code = exit_code

    def __str__(self) -> str:
        return f"{self.province}: {self.reason}"


@dataclass(frozen=True)
class ProvinceRun:
    """A province's run that published: what the national summary says of it."""

    province: str
    exit_code: int
    seconds: float
    files_failed: int
    export_error: str | None
    rebuilt: bool  # False: nothing new since its published build
    incremental: bool


@task(name="province", task_run_name="{province}")
def run_province(province: str, root: str, lock_wait: float) -> ProvinceRun:
    """One province's whole run, as `cchc run` does it; raises ProvinceFailed when it
    publishes nothing (yesterday's warehouse and exports stay)."""
    paths = DataPaths(Path(root))
    logger = get_run_logger()
    started = time.perf_counter()
    try:
        with run_lock(paths, wait=lock_wait, on_wait=logger.warning):
            try:
                # One file at a time, each read in a child process: the cluster's parallelism
                # is across provinces, one per worker.
                report = run_pipeline(paths, land_serially, log=logger)
            except RunNotPublished as exc:
                report = exc.report
    except RunLockBusy as exc:
        raise ProvinceFailed(province, str(exc), EXIT_BUSY) from exc
    seconds = time.perf_counter() - started
    if not report.published:
        raise ProvinceFailed(province, report.error or "nothing published", report.exit_code)
    logger.info("%s: published in %.1f s (exit status %d)", province, seconds, report.exit_code)
    return ProvinceRun(
        province,
        report.exit_code,
        seconds,
        report.files_failed,
        report.export_error,
        report.rebuilt,
        report.incremental,
    )


def _outcome(province: str, root: Path, future: Any) -> ProvinceOutcome:
    try:
        result = future.result(raise_on_failure=False)
    except Exception as exc:
        # The task never reported a state: the worker running it died (Dask's KilledWorker),
        # or the cluster went away.
        result = exc
    if isinstance(result, ProvinceRun):
        stale = result.export_error is not None
        return ProvinceOutcome(
            province=province,
            root=str(root),
            run_status=RUN_EXPORTS_STALE if stale else RUN_PUBLISHED,
            exit_code=result.exit_code,
            reason=result.export_error,
            files_failed=result.files_failed,
            seconds=result.seconds,
            rebuilt=result.rebuilt,
            incremental=result.incremental,
        )
    if isinstance(result, ProvinceFailed):
        reason, code = result.reason, result.exit_code
    else:
        reason, code = f"{type(result).__name__}: {result}", EXIT_UNEXPECTED
    return ProvinceOutcome(province, str(root), RUN_FAILED, code, reason)


@task(name="national roll-up")
def roll_up(root: str, outcomes: list[ProvinceOutcome], lock_wait: float) -> NationalBuild:
    states = [
        ProvinceState(o.province, Path(o.root), o.run_status, o.reason, o.files_failed)
        for o in outcomes
    ]
    return build_national(Path(root), states, lock_wait)


@flow(
    name="national",
    log_prints=True,
    task_runner=ThreadPoolTaskRunner(max_workers=LANDING_WORKERS),
)
def national(root: str, lock_wait: float = DEFAULT_WAIT_SECONDS) -> NationalReport:
    """Every province's run, then the national warehouse; returns the national summary.

    Only one national run at a time holds the root (`<root>/processed/.run.lock`), and each
    province run holds its own data root's lock, so a province's scheduled `cchc serve` run
    and the national run never write the same province at once.
    """
    root_path = Path(root).resolve()
    logger = get_run_logger()
    report = NationalReport(root=str(root_path), started_at=datetime.now().isoformat())
    with run_lock(DataPaths(root_path), wait=lock_wait, on_wait=logger.warning):
        folders = discover_provinces(root_path)
        started = time.perf_counter()
        futures = {
            run_province.submit(folder.name, str(folder), lock_wait): folder for folder in folders
        }
        done: dict[str, ProvinceOutcome] = {}
        for future in as_completed(list(futures)):
            folder = futures[future]
            outcome = _outcome(folder.name, folder, future)
            done[folder.name] = outcome
            message = f"province {len(done)}/{len(folders)}: {folder.name} {outcome.run_status}"
            if outcome.run_status == RUN_FAILED:
                logger.warning("%s: %s", message, outcome.reason)
            else:
                logger.info(message)
        report.provinces = [done[folder.name] for folder in folders]
        report.provinces_seconds = time.perf_counter() - started
        _roll_up(report, root_path, lock_wait, logger)
    report.ended_at = datetime.now().isoformat()
    report.save(run_log(root_path))
    return report


def _roll_up(report: NationalReport, root: Path, lock_wait: float, logger: Any) -> None:
    try:
        built = roll_up(str(root), report.provinces, lock_wait)
    except (NothingToRollUp, *NOT_PUBLISHED) as exc:
        report.error = str(exc)
        logger.error("national warehouse not published: %s", exc)
        return
    report.published = True
    report.warehouse = str(built.result.target)
    report.rollup_seconds = built.seconds
    report.warnings = audit_warnings(built.result.audits, logger)
    by_name = {e.province: e for e in built.exports}
    for outcome in report.provinces:
        exports = by_name[outcome.province]
        outcome.exports_status = exports.status
        outcome.exports_reason = exports.reason
        outcome.included = exports.included
        outcome.stale = exports.stale
