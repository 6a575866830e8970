"""Nightly operation on real parts: a real Prefect server and `cchc serve` against it, real
second processes for the run lock, real reader processes during a build, the real notebook.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from flows.ops.bench import prefect_server
from flows.ops.runlock import run_lock
from flows.ops.summary import EXIT_BUSY
from flows.paths import DataPaths
from flows.sample import write_sample
from tests.support import IGATE_HEADER, write_xlsx
from tests.support import REPO as PROJECT_DIR

CCHC = [sys.executable, "-m", "flows.cli"]


def _env(tmp: Path, api_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp / "prefect-home")
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory):
    """A real `prefect server start` on a free loopback port, its PREFECT_HOME in tmp."""
    tmp = tmp_path_factory.mktemp("prefect")
    with prefect_server(tmp / "prefect-home") as api:
        yield api, tmp


@pytest.fixture(scope="module")
def sample_root(prefect_api, tmp_path_factory):
    """A small sample province-year, published once by `cchc run` against the real server."""
    api, tmp = prefect_api
    root = tmp_path_factory.mktemp("ops") / "data"
    write_sample(root, cases=400, seed=11)
    done = subprocess.run(
        [*CCHC, "run", "--data-dir", str(root)],
        env=_env(tmp, api),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return root


def _client_call(api: str, body):
    """Run `body(client)` with a Prefect client of the test server."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    async def go():
        async with get_client() as client:
            return await body(client)

    with temporary_settings(updates={PREFECT_API_URL: api}):
        return asyncio.run(go())


READER = """
import duckdb, json, os, sys, time
path, stop, mode = sys.argv[1:4]
query = "SELECT count(*) FROM fct_filings"
out = []
held = duckdb.connect(path, read_only=True) if mode == "held" else None
print("ready", flush=True)
deadline = time.time() + 240
while not os.path.exists(stop) and time.time() < deadline:
    started = time.time()
    try:
        if held is not None:
            value = held.execute(query).fetchone()[0]
        else:
            # A new connection each time: a reader that opens after the swap must see the
            # new warehouse.
            with duckdb.connect(path, read_only=True) as con:
                value = con.execute(query).fetchone()[0]
        out.append([started, time.time(), value, None])
    except Exception as exc:
        out.append([started, time.time(), None, f"{type(exc).__name__}: {exc}"])
    time.sleep(0.03)
print(json.dumps(out), flush=True)
"""


def _start_reader(tmp: Path, warehouse: Path, stop: Path, mode: str) -> subprocess.Popen:
    script = tmp / "reader.py"
    script.write_text(READER, encoding="utf-8")
    reader = subprocess.Popen(
        [sys.executable, str(script), str(warehouse), str(stop), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "ready", reader.stderr.read()
    return reader


def test_serve_registers_the_schedule_and_runs_while_readers_read(prefect_api, sample_root):
    api, tmp = prefect_api
    paths = DataPaths(sample_root)
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        before = con.execute("SELECT count(*) FROM fct_filings").fetchone()[0]
    # One new case, so the old and the new warehouse can be told apart by any reader.
    row = [1, "OPS-NEW-1", "1.1", "x", "Đất đai", "Sở Tư pháp", "Trực tiếp", "01/10/2020"]
    write_xlsx(paths.raw / "igate" / "new" / "them.xlsx", {"S": [IGATE_HEADER, row]})

    serve_log = (tmp / "serve.log").open("wb")
    serve = subprocess.Popen(
        [*CCHC, "serve", "--data-dir", str(sample_root), "--cron", "30 1 * * *"]
        + ["--timezone", "Asia/Ho_Chi_Minh"],
        # The runner asks the server for due runs every 10 s by default; the test's run is due
        # at once.
        env=_env(tmp, api) | {"PREFECT_RUNNER_POLL_FREQUENCY": "1"},
        cwd=PROJECT_DIR,
        stdout=serve_log,
        stderr=subprocess.STDOUT,
    )
    stop = tmp / "stop-readers"
    readers: list[subprocess.Popen] = []
    try:

        async def find_deployment(client):
            from prefect.exceptions import ObjectNotFound

            try:
                return await client.read_deployment_by_name("nightly/nightly")
            except ObjectNotFound:
                return None

        def registered():
            assert serve.poll() is None, (tmp / "serve.log").read_text(errors="replace")
            return _client_call(api, find_deployment)

        deployment = _wait_until(registered, 90, "the nightly deployment")
        assert deployment.paused is False
        assert deployment.parameters["data_dir"] == str(sample_root)
        [schedule] = deployment.schedules
        assert schedule.active is True
        assert schedule.schedule.cron == "30 1 * * *"
        assert schedule.schedule.timezone == "Asia/Ho_Chi_Minh"

        readers = [
            _start_reader(tmp, paths.warehouse, stop, "held"),
            _start_reader(tmp, paths.warehouse, stop, "fresh"),
        ]

        async def trigger(client):
            return await client.create_flow_run_from_deployment(deployment.id)

        flow_run = _client_call(api, trigger)

        async def read_run(client):
            return await client.read_flow_run(flow_run.id)

        def finished():
            run = _client_call(api, read_run)
            return run if run.state and run.state.is_final() else None

        run = _wait_until(finished, 180, "the triggered run", interval=1)
        assert run.state.is_completed(), (
            run.state,
            (tmp / "serve.log").read_text(errors="replace")[-4000:],
        )

        async def tasks(client):
            from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

            return await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id]))
            )

        def all_tasks_recorded():
            found = _client_call(api, tasks)
            names = {t.name.rsplit("-", 1)[0] for t in found if t.state and t.state.is_final()}
            return found if {"land", "build and check", "publish"} <= names else None

        task_runs = _wait_until(all_tasks_recorded, 60, "the task runs of the run")
        lands = [t for t in task_runs if t.name.startswith("land-")]
        assert len(lands) == sum(1 for p in paths.raw.rglob("*") if p.is_file())
        [build_run] = [t for t in task_runs if t.name.startswith("build and check")]

        async def artifacts(client):
            from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run.id])
                )
            )

        found = {a.key: a for a in _client_call(api, artifacts)}
        assert found["cchc-run-summary"].type == "markdown"
        assert "late rate" in found["cchc-run-summary"].data
        assert found["cchc-files-by-source"].type == "table"
    finally:
        stop.touch()
        outputs = []
        for reader in readers:
            out, err = reader.communicate(timeout=60)
            outputs.append((json.loads(out.strip().splitlines()[-1]), err))
        _stop(serve)
        serve_log.close()

    after = before + 1
    (held, held_err), (fresh, fresh_err) = outputs
    assert [r for r in held + fresh if r[3]] == [], (held_err, fresh_err)
    # The reader that kept its connection saw the old warehouse throughout, swap or not.
    assert {r[2] for r in held} == {before}
    # Readers that connected anew saw the old or the new warehouse, never anything else...
    assert {r[2] for r in fresh} <= {before, after}
    assert fresh[-1][2] == after
    # ...and some of them did so while the build ran.
    start, end = build_run.start_time.timestamp(), build_run.end_time.timestamp()
    assert any(r[0] >= start and r[1] <= end for r in fresh)
    assert any(r[0] >= start and r[1] <= end for r in held)

    # Stopping the served process pauses the schedule instead of leaving runs to pile up.
    def paused():
        d = _client_call(api, find_deployment)
        return d is not None and d.paused

    _wait_until(paused, 30, "the deployment to be paused after serve stopped")


def test_serve_without_a_server_says_how_to_start_one(tmp_path):
    done = subprocess.run(
        [*CCHC, "serve", "--data-dir", str(tmp_path)],
        env=_env(tmp_path, None),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "prefect server start" in done.stderr
    assert "export PREFECT_API_URL=http://127.0.0.1:4200/api" in done.stderr


HOLDER = """
import sys, time
from flows.ops.bench import prefect_server
from flows.paths import DataPaths
from flows.ops.runlock import run_lock
with run_lock(DataPaths.resolve(sys.argv[1]), wait=0):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _hold_lock(root: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root), str(seconds)],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held", holder.stderr.read()
    return holder


def test_a_second_run_gives_up_after_its_wait_and_kill_9_leaves_no_stale_lock(tmp_path):
    root = tmp_path / "data"
    holder = _hold_lock(root, 120)
    try:
        started = time.monotonic()
        done = subprocess.run(
            [*CCHC, "run", "--data-dir", str(root), "--wait", "1"],
            env=_env(tmp_path, None),
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == EXIT_BUSY, done.stderr
        assert f"pid {holder.pid}" in done.stderr
        assert "waiting up to 1 s" in done.stderr and "Nothing was done" in done.stderr
        assert time.monotonic() - started >= 1
        assert not (root / "processed" / "warehouse.duckdb").exists()
        status = subprocess.run(
            [*CCHC, "status", "--data-dir", str(root)],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert f"Running now: a run (pid {holder.pid}" in status.stdout
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    # The kernel released the dead holder's lock: no clean-up, no stale-lock check needed.
    assert (root / "processed" / ".run.lock").exists()
    with run_lock(DataPaths(root), wait=0):
        pass


def test_a_waiting_run_gets_the_lock_when_the_holder_ends(tmp_path):
    root = tmp_path / "data"
    holder = _hold_lock(root, 1.5)
    messages: list[str] = []
    started = time.monotonic()
    try:
        with run_lock(DataPaths(root), wait=60, on_wait=messages.append):
            waited = time.monotonic() - started
    finally:
        holder.wait(timeout=30)
    assert len(messages) == 1 and f"pid {holder.pid}" in messages[0]
    assert 0.5 < waited < 30


def test_the_notebook_runs_on_a_sample_warehouse(sample_root, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("CCHC_DATA_DIR", str(sample_root))
    notebook = nbformat.read(PROJECT_DIR / "notebooks" / "indicators.ipynb", as_version=4)
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(PROJECT_DIR / "notebooks")}},
    ).execute()

    def outputs(tag: str) -> list[dict]:
        [cell] = [c for c in notebook.cells if tag in c.metadata.get("tags", [])]
        return cell.outputs

    text = "".join(o.get("text", "") for o in outputs("parameters"))
    period = text.split("Kỳ báo cáo: ")[1].split(";")[0]
    with duckdb.connect(str(DataPaths(sample_root).warehouse), read_only=True) as con:
        expected_period = con.execute(
            "SELECT max(period) FROM rpt_bieu06 WHERE period_type = 'quarter'"
        ).fetchone()[0]
        total, resolved = con.execute(
            "SELECT sum(carried_over + received_total), sum(resolved_total) FROM rpt_bieu06 "
            "WHERE period = ?",
            [period],
        ).fetchone()
        worst = con.execute(
            "SELECT sector FROM ind_late WHERE period_type = 'year' AND period = ? "
            "GROUP BY sector ORDER BY sum(resolved_late) / nullif(sum(resolved_total), 0) "
            "DESC NULLS LAST, sum(resolved_total) DESC LIMIT 1",
            [period[:4]],
        ).fetchone()[0]
    assert period == expected_period
    bieu06 = outputs("bieu06")
    printed = "".join(o.get("text", "") for o in bieu06 if o["output_type"] == "stream")
    assert f"{period}: {total} hồ sơ nhận giải quyết, {resolved} đã giải quyết" in printed
    table = next(o for o in bieu06 if o["output_type"] == "execute_result")
    assert "Tổng cộng" in table["data"]["text/plain"]
    late = next(o for o in outputs("late") if o["output_type"] == "execute_result")
    assert late["data"]["text/plain"].splitlines()[1].split()[1] == worst.split()[0]
    assert any("image/png" in o.get("data", {}) for o in outputs("chart"))


def test_query_command_on_the_sample_warehouse(sample_root, tmp_path):
    out = tmp_path / "late.xlsx"
    done = subprocess.run(
        [*CCHC, "query", "--data-dir", str(sample_root), "--output", str(out)]
        + ["SELECT sector, sum(resolved_late) AS late FROM ind_late GROUP BY sector"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["sector", "late"] and len(rows) > 2
