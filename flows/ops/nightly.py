"""The nightly flow: the pipeline of flows/pipeline.py as a Prefect flow.

The run itself is `run_pipeline`; this flow supplies its Prefect parts: each file's `land` task
(mapped on the flow's task runner: threads, or Dask workers), the `build and check` and
`publish` tasks the UI shows, the run's logger and its artifacts.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.task_runners import ThreadPoolTaskRunner

from flows.ingest.isolation import land_file_contained
from flows.ingest.landing import FileResult
from flows.ops import progress
from flows.ops.artifacts import record_run
from flows.ops.runlock import DEFAULT_WAIT_SECONDS, run_lock
from flows.ops.summary import RunReport, describe_result
from flows.paths import DataPaths
from flows.pipeline import Built, build_warehouse, check_current, run_pipeline
from flows.warehouse.digest import BuildInputs
from flows.warehouse.publish import export_marts


@task(name="land", retries=2, retry_delay_seconds=2)
def land(root: str, file: str) -> FileResult:
    paths = DataPaths(Path(root))
    # Read in a child process held to the reading limits: a file that crashes its reader or
    # exceeds a limit fails alone (flows/ingest/isolation.py).
    result = land_file_contained(paths, Path(file))
    logger = get_run_logger()
    if result.status == "failed":
        logger.warning(describe_result(result))
    else:
        logger.info(describe_result(result))
    return result


def _land_all(paths: DataPaths, files: list[Path]) -> list[FileResult]:
    futures = land.map(str(paths.root), [str(f) for f in files])
    return progress.collect(futures, "landing", get_run_logger().info)


@task(name="build and check")
def build_and_check(
    paths: DataPaths,
    results: list[FileResult],
    inputs: BuildInputs,
    previous: BuildInputs | None,
) -> Built:
    return build_warehouse(paths, results, inputs, previous, log=get_run_logger())


@task(name="check the current warehouse")
def check_published(paths: DataPaths) -> list[str]:
    return check_current(paths, log=get_run_logger())


@task(name="publish", retries=2, retry_delay_seconds=2)
def publish(paths: DataPaths) -> int:
    return len(export_marts(paths))


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
    for the first to end, then fails with RunLockBusy without touching anything. A run that
    publishes nothing raises flows.pipeline.RunNotPublished, so Prefect marks it failed.
    """
    paths = DataPaths.resolve(data_dir)
    logger = get_run_logger()
    with run_lock(paths, wait=lock_wait, on_wait=logger.warning):
        return run_pipeline(
            paths,
            _land_all,
            build_step=build_and_check,
            check_step=check_published,
            publish_step=publish,
            record_artifacts=_record_artifacts,
            log=logger,
        )
