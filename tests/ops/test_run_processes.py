"""A `cchc run` killed with SIGKILL leaves no process behind.

The run starts processes of its own: the temporary Prefect server (no PREFECT_API_URL here),
the forkserver, and a child per file it reads (flows/ingest/isolation.py). None of them may
outlive the run, whichever way it ends: each is tied to it (flows/ops/lifeline.py). The test
runs the real command, collects its process tree from /proc while a file is being read, kills
the run with SIGKILL and waits for every process of that tree to be gone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.ops.summary import EXIT_OK
from flows.paths import DataPaths
from tests.ingest.test_containment import big_csv, good_export

DEADLINE = 300  # seconds to reach the landing (the temporary server starts first)
GONE_DEADLINE = 60  # seconds for the killed tree to disappear
CCHC = Path(sys.executable).with_name("cchc")


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time) of a process; None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0], int(fields[19])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _tree(root: int) -> dict[int, int]:
    """Every living descendant of `root`: pid → start time."""
    parents: dict[int, list[int]] = {}
    started: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            found = _stat(int(entry))
            if found and found[1] != "Z":
                parents.setdefault(found[0], []).append(int(entry))
                started[int(entry)] = found[2]
    tree, todo = {}, [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            tree[child] = started[child]
            todo.append(child)
    return tree


def _alive(pid: int, start: int) -> bool:
    # A zombie has ended (only its exit status waits to be collected), and a pid with another
    # start time is another process.
    found = _stat(pid)
    return found is not None and found[1] != "Z" and found[2] == start


def _reading(tree: dict[int, int]) -> list[int]:
    """The processes of the tree reading a file: children of the forkserver whose error output
    goes to the file beside the landing, which a child opens once it is tied to the run."""
    servers = {pid for pid in tree if "multiprocessing.forkserver" in _cmdline(pid)}
    children = [pid for pid in tree if (_stat(pid) or (0,))[0] in servers]
    return [pid for pid in children if _stderr(pid).endswith(".stderr.tmp")]


def _stderr(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/fd/2")
    except OSError:
        return ""


def _run(root: Path, tmp: Path, name: str) -> tuple[subprocess.Popen[bytes], Path]:
    # No Prefect setting of the caller's: a fresh Prefect home, no server configured, so the
    # run starts its temporary server.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CCHC_"))}
    env["PREFECT_HOME"] = str(tmp / "prefect")
    log = tmp / f"{name}.log"
    with log.open("wb") as out:
        run = subprocess.Popen(
            [str(CCHC), "run", "--data-dir", str(root), "--wait", "0"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return run, log


def _tree_while_reading(run: subprocess.Popen[bytes], log: Path) -> dict[int, int]:
    deadline = time.monotonic() + DEADLINE
    while True:
        tree = _tree(run.pid)
        if _reading(tree):
            return tree
        if run.poll() is not None:
            pytest.fail(f"the run ended before reading a file:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            run.kill()
            pytest.fail(f"no file was being read within {DEADLINE} s")
        time.sleep(0.01)


def _left_alive(tree: dict[int, int]) -> list[str]:
    deadline = time.monotonic() + GONE_DEADLINE
    while True:
        alive = [pid for pid, start in tree.items() if _alive(pid, start)]
        if not alive or time.monotonic() > deadline:
            return [f"{pid}: {_cmdline(pid)[:150]}" for pid in alive]
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_run_killed_mid_landing_leaves_no_process_behind(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path / "data")
    good_export(paths)
    # Seconds of reading: the run is killed while its child reads this file.
    big_csv(paths.raw / "igate" / "big.csv", 400_000)

    run, log = _run(paths.root, tmp_path, "killed")
    tree = _tree_while_reading(run, log)
    commands = {pid: _cmdline(pid) for pid in tree}
    # Stopped, a reading child cannot finish its file and exit by itself: only its tie to the
    # run can end it (SIGKILL ends a stopped process).
    for reading in _reading(tree):
        os.kill(reading, signal.SIGSTOP)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()

    # What the tree held: the temporary Prefect server, the forkserver and a reading child.
    assert any("uvicorn" in c and "prefect.server" in c for c in commands.values()), commands
    assert any("multiprocessing.forkserver" in c for c in commands.values()), commands
    assert _left_alive(tree) == []

    # The next run lands everything and publishes; it too leaves nothing when it ends.
    run, log = _run(paths.root, tmp_path, "next")
    tree = _tree_while_reading(run, log)
    assert run.wait(timeout=600) == EXIT_OK, log.read_text()[-3000:]
    assert _left_alive(tree) == []
