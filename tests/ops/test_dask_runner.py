"""Landing on a Dask cluster: the same landing and the same warehouse as on threads, and the
configuration (`--task-runner`, `--dask-address`, CCHC_TASK_RUNNER, CCHC_DASK_ADDRESS)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from flows.ingest.landing import discover
from flows.ops.prefect_env import PREFECT_DEFAULTS
from flows.ops.schedule import ServeError, plan
from flows.ops.task_runners import (
    ENV_DASK_ADDRESS,
    ENV_TASK_RUNNER,
    TaskRunnerConfigError,
    choose_landing_runner,
    landing_task_runner,
    local_cluster_kwargs,
)
from flows.paths import DataPaths
from flows.sample import write_sample
from tests.support import REPO as PROJECT_DIR

CASES = 2000
SEED = 31
WORKERS = 2


@pytest.fixture
def clean_env(monkeypatch):
    """No task-runner choice inherited from the shell, and the Prefect variables that a
    `cchc` command sets restored afterwards."""
    for name in (ENV_TASK_RUNNER, ENV_DASK_ADDRESS):
        monkeypatch.delenv(name, raising=False)
    for name, value in PREFECT_DEFAULTS.items():
        monkeypatch.setenv(name, os.environ.get(name, value))
    return monkeypatch


# --- the configuration -------------------------------------------------------------------


def test_threads_is_the_default_and_is_the_flows_own_runner(clean_env):
    from prefect.task_runners import ThreadPoolTaskRunner

    from flows.ops.nightly import nightly

    runner = landing_task_runner()
    assert isinstance(runner, ThreadPoolTaskRunner)
    # Equal max_workers: the same pool the flow is declared with.
    assert runner == nightly.task_runner
    assert choose_landing_runner().kind == "threads"


def test_an_unknown_task_runner_names_the_accepted_ones(clean_env):
    clean_env.setenv(ENV_TASK_RUNNER, "ray")
    with pytest.raises(TaskRunnerConfigError) as from_env:
        landing_task_runner()
    assert "'ray'" in str(from_env.value) and ENV_TASK_RUNNER in str(from_env.value)
    assert "threads, dask" in str(from_env.value)

    with pytest.raises(TaskRunnerConfigError) as from_argument:
        landing_task_runner("processes")
    assert "'processes'" in str(from_argument.value)
    assert "--task-runner" in str(from_argument.value)


def test_the_command_line_overrides_the_environment(clean_env):
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    clean_env.setenv(ENV_TASK_RUNNER, "dask")
    clean_env.setenv(ENV_DASK_ADDRESS, "tcp://10.0.0.5:8786")
    from_env = landing_task_runner()
    assert isinstance(from_env, DaskTaskRunner) and from_env.address == "tcp://10.0.0.5:8786"
    # The flag wins, and an address left in the environment does not get in its way.
    assert isinstance(landing_task_runner("threads"), ThreadPoolTaskRunner)
    assert landing_task_runner("dask", "tcp://10.0.0.9:8786").address == "tcp://10.0.0.9:8786"

    clean_env.setenv(ENV_TASK_RUNNER, "threads")
    assert landing_task_runner("dask", "tcp://10.0.0.9:8786").address == "tcp://10.0.0.9:8786"
    # `DASK` or ` dask ` in an environment file mean dask too.
    clean_env.setenv(ENV_TASK_RUNNER, " DASK ")
    clean_env.delenv(ENV_DASK_ADDRESS)
    local = landing_task_runner()
    assert isinstance(local, DaskTaskRunner) and local.address is None
    assert local.cluster_kwargs == local_cluster_kwargs()


def test_an_address_with_threads_on_the_command_line_is_refused(clean_env):
    with pytest.raises(TaskRunnerConfigError, match="only used with the dask task runner"):
        landing_task_runner("threads", "tcp://10.0.0.5:8786")


def test_dask_without_prefect_dask_says_what_to_install(clean_env):
    # None in sys.modules is how Python spells "this module cannot be imported".
    clean_env.setitem(sys.modules, "prefect_dask", None)
    with pytest.raises(TaskRunnerConfigError) as missing:
        landing_task_runner("dask")
    assert "prefect-dask" in str(missing.value)
    assert "pip install 'cchc[dask]'" in str(missing.value)


def test_cchc_run_refuses_a_bad_choice_before_touching_the_data_root(clean_env, tmp_path, capsys):
    root = tmp_path / "data"
    clean_env.setenv(ENV_TASK_RUNNER, "ray")
    assert main(["run", "--data-dir", str(root), "--wait", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cchc run: unknown task runner 'ray'") and ENV_TASK_RUNNER in err
    assert not (root / "processed").exists()

    clean_env.delenv(ENV_TASK_RUNNER)
    clean_env.setitem(sys.modules, "prefect_dask", None)
    assert main(["run", "--data-dir", str(root), "--task-runner", "dask"]) == 2
    assert "pip install 'cchc[dask]'" in capsys.readouterr().err
    assert not (root / "processed").exists()

    with pytest.raises(SystemExit) as usage:
        main(["run", "--data-dir", str(root), "--task-runner", "ray"])
    assert usage.value.code == 2
    assert "invalid choice: 'ray'" in capsys.readouterr().err


def test_cchc_serve_checks_the_choice_before_registering(clean_env, tmp_path, capsys):
    clean_env.setenv(ENV_TASK_RUNNER, "ray")
    with pytest.raises(ServeError, match="unknown task runner 'ray'"):
        plan(str(tmp_path), "0 2 * * *", "Asia/Ho_Chi_Minh")
    clean_env.delenv(ENV_TASK_RUNNER)
    args = ["serve", "--data-dir", str(tmp_path), "--dask-address", "tcp://10.0.0.5:8786"]
    assert main(args) == 1
    assert "only used with the dask task runner" in capsys.readouterr().err


def test_the_local_cluster_is_one_single_threaded_process_per_core_outside_the_checkout():
    from distributed import Client, LocalCluster

    kwargs = local_cluster_kwargs()
    with LocalCluster(**kwargs) as cluster, Client(cluster, set_as_default=False) as client:
        pids = client.run(os.getpid)
        scratch = client.run(lambda dask_worker: dask_worker.local_directory)
        nthreads = client.nthreads()
    assert len(pids) == (os.cpu_count() or 1)
    assert os.getpid() not in pids.values() and len(set(pids.values())) == len(pids)
    assert set(nthreads.values()) == {1}
    for directory in scratch.values():
        assert not Path(directory).resolve().is_relative_to(PROJECT_DIR.resolve()), directory


def test_the_local_cluster_workers_read_each_file_in_a_child_of_their_own(tmp_path, monkeypatch):
    # A daemonic worker (a nanny's default) may not start processes, and would read files in
    # its own process: a reader's crash would take the worker down with it.
    from distributed import Client

    from flows.ingest.isolation import can_contain, land_file_contained
    from flows.ingest.limits import ENV_MEMORY
    from flows.ops.task_runners import local_cluster
    from tests.ingest.test_containment import CASE
    from tests.support import IGATE_HEADER, write_xlsx

    paths = DataPaths(tmp_path / "data")
    cases = [[n, f"D-{n}", *CASE, "01/10/2020"] for n in range(1, 20_001)]
    big = write_xlsx(paths.raw / "igate" / "big.xlsx", {"S": [IGATE_HEADER, *cases]})
    # Far too little to read it: the worker's child fails the file, the worker lives on.
    monkeypatch.setenv(ENV_MEMORY, "20MB")
    kwargs = {**local_cluster_kwargs(), "n_workers": 1}
    with local_cluster(**kwargs) as cluster, Client(cluster, set_as_default=False) as client:
        assert set(client.run(can_contain).values()) == {True}
        before = client.run(os.getpid)
        result = client.submit(land_file_contained, paths, big).result()
        assert client.run(os.getpid) == before
    assert result.status == "failed"
    assert "reading it needed more than 20 MB of memory" in (result.message or "")


# --- the same sample landed on threads and on a Dask cluster ------------------------------


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, prefect_server):
    """The sample, run by `cchc run` once on threads and once on a local Dask cluster of two
    worker processes, each into its own data root; with what the cluster executed."""
    from distributed import Client, LocalCluster, get_task_stream
    from distributed.utils import key_split

    base = tmp_path_factory.mktemp("dask_runner")
    write_sample(base / "template", cases=CASES, seed=SEED)
    roots = {}
    for kind in ("threads", "dask"):
        roots[kind] = (base / kind).resolve()
        shutil.copytree(base / "template" / "raw", roots[kind] / "raw")
    files = len(discover(DataPaths(roots["dask"])))

    with pytest.MonkeyPatch.context() as env:
        for name, value in PREFECT_DEFAULTS.items():
            env.setenv(name, os.environ.get(name, value))
        env.delenv(ENV_DASK_ADDRESS, raising=False)
        env.setenv(ENV_TASK_RUNNER, "threads")
        threads_exit = main(["run", "--data-dir", str(roots["threads"])])

        with (
            LocalCluster(
                n_workers=WORKERS,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                local_directory=str(base / "dask-scratch"),
            ) as cluster,
            Client(cluster, set_as_default=False) as client,
        ):
            worker_pids = client.run(os.getpid)
            # The environment still says threads: the flags must win.
            args = ["run", "--data-dir", str(roots["dask"]), "--task-runner", "dask"]
            with get_task_stream(client=client) as stream:
                dask_exit = main([*args, "--dask-address", cluster.scheduler_address])
    executed = [t for t in stream.data if key_split(t["key"]) == "land"]
    return {
        "roots": roots,
        "files": files,
        "exits": (threads_exit, dask_exit),
        "worker_pids": worker_pids,
        "executed": executed,
    }


@pytest.mark.slow
def test_both_runs_publish(two_runs):
    assert two_runs["exits"] == (0, 0)
    assert two_runs["files"] > 100  # every source of the sample, not a token file or two


@pytest.mark.slow
def test_landing_ran_on_the_dask_worker_processes(two_runs):
    pids = two_runs["worker_pids"]
    assert len(pids) == WORKERS and os.getpid() not in pids.values()
    executed = two_runs["executed"]
    # One `land` per raw export, each run by a worker process of the cluster, none here.
    assert len(executed) == two_runs["files"]
    assert {t["status"] for t in executed} == {"OK"}
    assert {t["worker"] for t in executed} <= set(pids)


def _landing(root: Path) -> dict[str, object]:
    """Every landing file: Parquet by its bytes, the accounting JSON with the data root's
    own path taken out (it records where its Parquet files are)."""
    out: dict[str, object] = {}
    for path in sorted((root / "processed" / "landing").rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        if path.suffix == ".json":
            text = path.read_text(encoding="utf-8").replace(json.dumps(str(root))[1:-1], "ROOT")
            out[name] = json.loads(text)
        else:
            out[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.mark.slow
def test_the_landing_is_the_same_file_for_file(two_runs):
    threads = _landing(two_runs["roots"]["threads"])
    dask = _landing(two_runs["roots"]["dask"])
    assert sum(name.endswith(".parquet") for name in threads) >= two_runs["files"]
    assert sorted(threads) == sorted(dask)
    assert [n for n in threads if threads[n] != dask[n]] == []


@pytest.mark.slow
def test_the_published_warehouses_are_the_same(two_runs):
    roots = two_runs["roots"]
    with duckdb.connect() as con:
        for kind, root in roots.items():
            warehouse = root / "processed" / "warehouse.duckdb"
            con.execute(f"ATTACH '{warehouse}' AS {kind} (READ_ONLY)")

        def columns(db: str) -> list[tuple]:
            return con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_catalog = ? ORDER BY table_name, ordinal_position",
                [db],
            ).fetchall()

        # The same tables with the same columns; the warehouse has no run-time stamps to skip.
        assert columns("threads") == columns("dask")
        tables = sorted({table for table, _, _ in columns("threads")})
        assert {"fct_filings", "rpt_bieu06", "dq_files", "dq_rejects"} <= set(tables)
        different = {}
        for table in tables:
            a, b = f"threads.main.{table}", f"dask.main.{table}"
            # EXCEPT ALL both ways: the same rows, duplicates counted, whatever the order.
            only_a, only_b, rows = con.execute(
                f"SELECT (SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})), "
                f"(SELECT count(*) FROM (FROM {b} EXCEPT ALL FROM {a})), "
                f"(SELECT count(*) FROM {a})"
            ).fetchone()
            if only_a or only_b:
                # A few of the rows themselves, so that a failure says what differs.
                different[table] = {
                    "rows": rows,
                    "only with threads": only_a,
                    "only with dask": only_b,
                    "threads": con.execute(f"FROM {a} EXCEPT ALL FROM {b} LIMIT 3").fetchall(),
                    "dask": con.execute(f"FROM {b} EXCEPT ALL FROM {a} LIMIT 3").fetchall(),
                }
        assert different == {}
        assert con.execute("SELECT count(*) FROM dask.main.fct_filings").fetchone()[0] > 0
