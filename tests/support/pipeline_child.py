"""The nightly run without Prefect, to be killed at a chosen point.

`run(paths)` is the run of `flows.ops.nightly` — the run lock taken, then
`flows.pipeline.run_pipeline`: land every file, build and audit into
`warehouse.duckdb.building`, swap it in, export the marts, prune the landing, write
`last_run.json` — minus Prefect (whose temporary server takes 10-30 s to start). Started as a
process with a crash point, it stops at that point, writes its pid to a `ready` file and waits
to be killed with SIGKILL: the test then sees exactly the files a run killed there leaves
behind.

    python -m tests.support.pipeline_child DATA_ROOT [CRASH_POINT READY_FILE]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

# The crash points are installed in the modules the run calls into, by module path.
import flows.ingest.landing
import flows.warehouse.publish
import flows.warehouse.runner
from flows.ops.runlock import run_lock
from flows.ops.summary import RunReport
from flows.paths import DataPaths
from flows.pipeline import land_in_process, land_serially, run_pipeline

# Where a run can be stopped, in the order a run reaches them.
CRASH_POINTS = (
    "landing-mid-write",  # a Parquet file half-written under its .tmp name, some files landed
    "build-before-audits",  # every model built in warehouse.duckdb.building, no audit run yet
    "build-before-swap",  # the building file complete and closed, not yet swapped in
    "publish-mid-swap",  # the old exports renamed away, the new ones not yet in place
    "prune-half-way",  # one landing file of a removed export deleted, the others not
)
LANDED_BEFORE_CRASH = 4  # complete landings before the half-written one


def run(paths: DataPaths, crash: str | None = None, ready: Path | None = None) -> RunReport:
    """One whole run over paths; with `crash`, stop at that point until killed."""
    if crash is not None:
        _install_crash(crash, ready or paths.root / "ready")
    # The landing hook replaces the Parquet writer in this process: the files are landed here,
    # not in the child processes a run reads them in, which would not see it.
    land_all = land_in_process if crash == "landing-mid-write" else land_serially
    with run_lock(paths, wait=60):
        return run_pipeline(paths, land_all)


def _stop_here(ready: Path) -> None:
    """Say where the run stopped, then wait for the SIGKILL."""
    tmp = ready.with_name(ready.name + ".tmp")
    tmp.write_text(str(os.getpid()), encoding="utf-8")
    os.replace(tmp, ready)
    time.sleep(600)
    raise SystemExit("the test did not kill this run")


def _install_crash(point: str, ready: Path) -> None:
    if point not in CRASH_POINTS:
        raise ValueError(f"unknown crash point {point!r}: one of {', '.join(CRASH_POINTS)}")
    if point == "landing-mid-write":
        write_table = flows.ingest.landing.pq.write_table
        # Data and rejects: two Parquet writes per landed file.
        calls = {"n": 0}

        def half_written(table: Any, where: Any, **kwargs: Any) -> None:
            write_table(table, where, **kwargs)
            calls["n"] += 1
            if calls["n"] == 2 * LANDED_BEFORE_CRASH + 1:
                target = Path(where)
                target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
                _stop_here(ready)

        flows.ingest.landing.pq.write_table = half_written
    elif point == "build-before-audits":
        run_audits = flows.warehouse.runner.run_audits

        def before_audits(*args: Any, **kwargs: Any) -> Any:
            _stop_here(ready)
            return run_audits(*args, **kwargs)

        flows.warehouse.runner.run_audits = before_audits
    elif point == "build-before-swap":
        flows.warehouse.runner.os = _OsStoppingAt("replace", 1, ready)  # type: ignore[assignment]
    elif point == "publish-mid-swap":
        # The first os.replace of export_marts moves the old exports away: stop after it.
        flows.warehouse.publish.os = _OsStoppingAt("replace", 1, ready, after=True)  # type: ignore[assignment]
    elif point == "prune-half-way":
        unlink = Path.unlink
        calls = {"n": 0}

        def unlink_then_stop(self: Path, missing_ok: bool = False) -> None:
            unlink(self, missing_ok=missing_ok)
            # A landing file the prune removes; not the scratch files of reading children
            # (`.stderr.tmp`), which landing removes as it goes.
            if "landing" in self.parts and not self.name.endswith(".tmp"):
                calls["n"] += 1
                if calls["n"] == 1:
                    _stop_here(ready)

        Path.unlink = unlink_then_stop  # type: ignore[method-assign]


class _OsStoppingAt:
    """The `os` module as one module sees it, stopping at the nth call of one function."""

    def __init__(self, name: str, nth: int, ready: Path, after: bool = False) -> None:
        self._name, self._nth, self._ready, self._after = name, nth, ready, after
        self._calls = 0

    def __getattr__(self, attribute: str) -> Any:
        real = getattr(os, attribute)
        if attribute != self._name:
            return real

        def stopping(*args: Any, **kwargs: Any) -> Any:
            self._calls += 1
            if self._calls == self._nth and not self._after:
                _stop_here(self._ready)
            result = real(*args, **kwargs)
            if self._calls == self._nth and self._after:
                _stop_here(self._ready)
            return result

        return stopping


def main(argv: list[str]) -> int:
    root = Path(argv[0])
    crash = argv[1] if len(argv) > 1 else None
    ready = Path(argv[2]) if len(argv) > 2 else None
    report = run(DataPaths(root.resolve()), crash, ready)
    print(f"published: {report.files_loaded} files loaded, {report.rows_loaded} rows loaded")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
