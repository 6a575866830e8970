"""Where the landing step runs: a thread pool on this machine, or a Dask cluster.

Only landing fans out (one task per raw export); the build and the publish run in the flow's
own process whatever the choice. The choice comes from `--task-runner`/`--dask-address` on
`cchc run` and `cchc serve`, else from CCHC_TASK_RUNNER and CCHC_DASK_ADDRESS.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.task_runners import TaskRunner

TASK_RUNNERS = ("threads", "dask")
DEFAULT_TASK_RUNNER = "threads"
ENV_TASK_RUNNER = "CCHC_TASK_RUNNER"
ENV_DASK_ADDRESS = "CCHC_DASK_ADDRESS"
DASK_INSTALL_HINT = "pip install 'cchc[dask]'"


class TaskRunnerConfigError(ValueError):
    """The configured task runner cannot be used (unknown name, missing package, …)."""


@dataclass(frozen=True)
class LandingRunner:
    """A checked choice of task runner, not started: building it opens no cluster."""

    kind: str
    address: str | None = None

    def build(self) -> TaskRunner:
        """The Prefect task runner to give the nightly flow (`nightly.with_options`)."""
        if self.kind == "threads":
            from prefect.task_runners import ThreadPoolTaskRunner

            # The flow's own default, taken from where it is defined so the two never drift.
            from flows.ops.nightly import LANDING_WORKERS

            return ThreadPoolTaskRunner(max_workers=LANDING_WORKERS)
        from prefect_dask import DaskTaskRunner

        if self.address:
            return DaskTaskRunner(address=self.address)
        return DaskTaskRunner(
            cluster_class="flows.ops.task_runners.local_cluster",
            cluster_kwargs=local_cluster_kwargs(),
        )

    def describe(self) -> str:
        if self.kind == "threads":
            return "threads"
        return f"dask at {self.address}" if self.address else "dask (a local cluster)"


def local_cluster_kwargs() -> dict[str, object]:
    """The temporary Dask cluster started when no scheduler address is given."""
    return {
        # Processes, one thread each: the readers are Python code between the GIL-free parts,
        # so one process per core is what actually uses every core.
        "n_workers": os.cpu_count() or 1,
        "threads_per_worker": 1,
        "processes": True,
        # Nobody looks at a nightly run's dashboard, and its port may already be taken.
        "dashboard_address": None,
        # Older Dask releases put their scratch space in the working directory, which is the
        # checkout when run from there; the system temp dir is never inside it.
        "local_directory": tempfile.gettempdir(),
        # The thread pool lands a big workbook with the whole machine's memory; a per-worker
        # share (memory / workers) would get the worker killed on the same file instead.
        "memory_limit": 0,
    }


def local_cluster(**kwargs: Any) -> Any:
    """A distributed.LocalCluster whose worker processes may start processes of their own.

    A nanny starts its worker as a daemonic process unless `distributed.worker.daemon` is
    False, and a daemonic process may not have children: its workers would read each file in
    their own process, without the child that holds a file's reading to its limits and keeps
    a reader's crash to that file (flows/ingest/isolation.py). The setting is read as each
    nanny starts its worker, which the constructor waits for; a worker a nanny restarts later
    (after it died) is daemonic again and lands in-process.
    """
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.worker.daemon": False}):
        return LocalCluster(**kwargs)


def choose_landing_runner(kind: str | None = None, address: str | None = None) -> LandingRunner:
    """Check the choice without importing Prefect or Dask; raises TaskRunnerConfigError.

    `kind` and `address` are the command-line values; when None (not given) the environment's
    CCHC_TASK_RUNNER and CCHC_DASK_ADDRESS are used, then `threads`.
    """
    source = "--task-runner"
    if kind is None:
        kind, source = os.environ.get(ENV_TASK_RUNNER, "").strip(), ENV_TASK_RUNNER
    chosen = (kind or DEFAULT_TASK_RUNNER).strip().lower()
    if chosen not in TASK_RUNNERS:
        raise TaskRunnerConfigError(
            f"unknown task runner {kind!r} (from {source}): expected one of "
            + ", ".join(TASK_RUNNERS)
        )
    if chosen == "threads":
        if address:
            # An address on the command line with threads is a mistake worth saying; one left
            # in the environment is not (the same environment may serve both kinds of run).
            raise TaskRunnerConfigError(
                f"--dask-address {address} is only used with the dask task runner "
                f"(--task-runner dask or {ENV_TASK_RUNNER}=dask); the task runner is threads"
            )
        return LandingRunner("threads")
    if importlib.util.find_spec("prefect_dask") is None:
        raise TaskRunnerConfigError(
            f"the dask task runner needs the prefect-dask package, which is not installed: "
            f"{DASK_INSTALL_HINT}"
        )
    if address is None:
        address = os.environ.get(ENV_DASK_ADDRESS, "")
    return LandingRunner("dask", address.strip() or None)


def landing_task_runner(kind: str | None = None, address: str | None = None) -> TaskRunner:
    """The Prefect task runner for landing, from the arguments or else the environment.

    `threads` (the default) is the nightly flow's own ThreadPoolTaskRunner. `dask` with an
    address (`tcp://10.0.0.5:8786`) uses that scheduler's workers; without one, a local
    cluster of one single-threaded worker process per core, started and stopped with the run.
    """
    return choose_landing_runner(kind, address).build()
