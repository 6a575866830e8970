"""Landing each file in a child process, where a crash, a hang or a memory bomb is its failure.

A workbook whose sheet claims a used range of A1:XFD200000 makes the Excel reader (Rust, in
python-calamine) ask for 100 GB at once; the allocation fails and Rust aborts the process
(SIGABRT), which no `except` can catch. Read in the run's own process, that one export would
end the night. So the run reads each file that needs reading in a child process:

* the child is forked from a forkserver that has already imported the landing code (started
  once per process, on first use), so it starts in milliseconds;
* a child that landed its file cleanly waits, a second at most, for the next one: the files of
  a run go through a few such children (one per file landed at a time), not one process per
  file, whose start, first calls into Arrow and exit cost tens of milliseconds each; a child
  whose file failed, raised or hit a limit is never given another;
* it is held to a memory budget for each file (RLIMIT_DATA: the writable memory it may add
  beyond what it holds when the file is handed to it) and a time limit (CCHC_READ_MEMORY,
  CCHC_READ_TIMEOUT: flows/ingest/limits.py), so a bomb fails in milliseconds instead of
  exhausting the machine, and a stuck reader is killed;
* it writes the landing Parquet itself; only the small FileResult comes back over a pipe;
* it dies with its parent (PR_SET_PDEATHSIG; the forkserver ends when the run ends), so a run
  killed with SIGKILL leaves no reader behind.

A child that dies, or is killed for a limit, fails its file with a message saying what is
wrong and what to do, recorded under the file's landing key (flows/ingest/landing.py), so the
next night does not read it again. An error the child raises that is no fault of the file (a
full disk) is raised here, as `land_file` raises it.

Where a child cannot be started — a daemonic process, as a Dask worker started by a nanny is
by default, may not have children, and some platforms have no forkserver — the file is read in
this process by `land_file`: the readers' own checks (a workbook's declared size) still apply,
the limits and the crash containment do not.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import multiprocessing
import multiprocessing.connection
import os
import re
import resource
import signal
import sys
import threading
import time
from multiprocessing import spawn
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from flows.ingest import limits
from flows.ingest.landing import FileResult, Pending, plan_landing, read_pending, record_failure
from flows.ops.lifeline import die_with_parent
from flows.paths import DataPaths

# Modules the forkserver imports once, so that each child starts with them loaded. Not pandas:
# pyarrow imports it on the first conversion of a Python list only to look for pandas objects,
# which landing never hands it, so a child declares it absent instead (_child_main).
PRELOAD = ["flows.ingest.isolation"]
# The name of every reading child: how its start is told from other processes' (_no_main).
CHILD_NAME = "cchc land"
# How long a child that landed a file waits for the next one before it exits: files follow
# each other within milliseconds in a run, and a child left idle holds the memory of its last
# file while the build runs.
IDLE_SECONDS = 1.0
# How long a child that is not given another file may take to exit (it exits at once).
EXIT_GRACE_SECONDS = 30.0
# The most of a child's error output kept: the end of a Rust panic's backtrace.
STDERR_TAIL = 64 * 1024

_context: BaseContext | None = None
_context_lock = threading.Lock()


def _forkserver() -> BaseContext | None:
    """The forkserver context, set up once per process; None where there is none."""
    global _context
    with _context_lock:
        if _context is None:
            if "forkserver" not in multiprocessing.get_all_start_methods():
                return None
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _no_main()
            _context = context
        return _context


def _no_main() -> None:
    """Start reading children without importing the parent's main module again.

    A child that is not forked imports the parent's `__main__` again (multiprocessing does, so
    that objects defined there unpickle): the `cchc` script, `prefect.engine` under a
    deployment (a second or more of imports in every child), a test runner, or a script
    without an `if __name__ == "__main__"` guard, which would run again. A reading child runs
    cchc's own code only, so the preparation data of the processes named CHILD_NAME leaves
    the main module out; every other process starts as multiprocessing starts it.
    """
    original = spawn.get_preparation_data
    if getattr(original, "_cchc_no_main", False):
        return

    def get_preparation_data(name: str) -> dict[str, Any]:
        data = original(name)
        if name.startswith(CHILD_NAME):
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    get_preparation_data._cchc_no_main = True  # type: ignore[attr-defined]
    spawn.get_preparation_data = get_preparation_data


def can_contain() -> bool:
    """Whether files can be read in child processes from here."""
    # A daemonic process may not start children (multiprocessing refuses): a Dask worker
    # under a nanny is one unless `distributed.worker.daemon` is False
    # (flows/ops/task_runners.py turns it off for the local cluster cchc starts).
    return not multiprocessing.current_process().daemon and _forkserver() is not None


def land_file_contained(paths: DataPaths, path: Path) -> FileResult:
    """Land one raw file like `land_file`, reading it in a child process held to the limits.

    A file whose landing (or known failure) can be reused, or that is not to be read at all,
    starts no child. Never raises for a bad file; raises what `land_file` raises (an error
    writing the landing) and a limit that cannot be understood (LimitConfigError).
    """
    planned = plan_landing(paths, path)
    if isinstance(planned, FileResult):
        return planned
    if not can_contain():
        return read_pending(paths, path, planned)
    return _read_in_child(paths, path, planned)


class _Child:
    """A reading child and the parent's end of its pipe."""

    def __init__(self, context: BaseContext) -> None:
        self.connection, child_end = context.Pipe()
        self.process = context.Process(
            target=_child_main,
            args=(child_end,),
            name=CHILD_NAME,
            # Daemonic: a run that ends normally (or on an exception) terminates it at exit.
            daemon=True,
        )
        try:
            self.process.start()
        finally:
            child_end.close()

    def close(self, grace: float = 0.0) -> None:
        """Collect the child, killed if it has not ended within `grace` seconds."""
        if grace:
            self.process.join(grace)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


# Children that landed a file cleanly and wait for the next (the latest last).
_idle: list[_Child] = []
_idle_lock = threading.Lock()


def _idle_child() -> _Child | None:
    with _idle_lock:
        while _idle:
            child = _idle.pop()
            if child.process.is_alive():
                return child
            child.close()  # it left when it was idle too long
    return None


def _read_in_child(paths: DataPaths, path: Path, pending: Pending) -> FileResult:
    budget, timeout = limits.memory_budget(), limits.read_timeout()
    context = _forkserver()
    assert context is not None
    pending.folder.mkdir(parents=True, exist_ok=True)
    # The child's error output (a Rust panic's "memory allocation of N bytes failed") goes to
    # a file beside the landing: what it says goes into the failure's message. A `.tmp` file,
    # so that a run killed meanwhile leaves nothing the next prune does not remove.
    stderr_path = pending.folder / (
        f".{pending.key}.{os.getpid()}.{threading.get_ident()}.stderr.tmp"
    )
    job = (paths, path, pending, budget, str(stderr_path))
    message: tuple[str, Any] | None = None
    timed_out = False
    child = None
    try:
        child, deadline = _hand_over(context, job, timeout)
        if child is None:
            timed_out = True
        elif child.connection.poll(_left(deadline)):
            try:
                message = child.connection.recv()
            except EOFError:
                message = None  # it died without a word: see its exit status
        else:
            timed_out = True
    finally:
        if child is not None and _goes_on(message):
            with _idle_lock:
                _idle.append(child)
        elif child is not None:
            # One that said its last word leaves by itself; any other is stopped.
            child.close(EXIT_GRACE_SECONDS if message is not None else 0.0)
        stderr = _take(stderr_path)
    if message is not None:
        if stderr:
            sys.stderr.write(stderr)
        kind, value = message
        if kind == "raised" and isinstance(value, MemoryError) and budget:
            # Out of its budget outside the reading itself (writing the landing): still the
            # file's doing, not the machine's.
            name = type(value).__name__
            reason = limits.memory_reason(pending.relative, budget, f"{name} in the child")
            return record_failure(pending, reason, {"memory": budget})
        if kind == "raised":
            raise value
        return value
    if timed_out:
        reason = limits.timeout_reason(pending.relative, timeout)
        return record_failure(pending, reason, {"timeout": timeout})
    assert child is not None
    return _death(pending, child.process.exitcode, budget, stderr)


def _left(deadline: float | None) -> float | None:
    """Seconds left until a deadline (None: no deadline)."""
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def _hand_over(
    context: BaseContext, job: tuple[Any, ...], timeout: float
) -> tuple[_Child | None, float | None]:
    """A child that has taken the job, and the time its reading must end by.

    An idle child may leave at the very moment it is handed the job (its wait ran out): it
    then never says it took it, and the job goes to a new child. A child that does not say it
    within the time limit is returned as None (timed out), killed.
    """
    deadline = None if not timeout else time.monotonic() + timeout
    child = _idle_child()
    while True:
        fresh = child is None
        if child is None:
            child = _Child(context)
        try:
            child.connection.send(job)
            if not child.connection.poll(_left(deadline)):
                child.close()
                return None, deadline
            child.connection.recv()  # ("started", None)
            return child, deadline
        except (EOFError, BrokenPipeError, ConnectionResetError):
            if fresh:
                # A new child that died before it took the job: its death is the file's.
                return child, deadline
            child.close()
            child = None


# "memory allocation of 104857600000 bytes failed": what Rust's allocator says before aborting.
_RUST_OOM = re.compile(r"memory allocation of (\d+) bytes failed")


def _death(pending: Pending, exitcode: int | None, budget: int, stderr: str) -> FileResult:
    """The failure of a file whose reading process died without a result."""
    relative = pending.relative
    if exitcode is None or exitcode >= 0:
        return record_failure(pending, limits.crash_reason(relative, f"exit status {exitcode}"))
    number = -exitcode
    name = _signal_name(number)
    asked = _RUST_OOM.search(stderr)
    wanted = int(asked.group(1)) if asked else 0
    if wanted > budget:
        evidence = f"the reader asked for {wanted:,} bytes at once"
    elif asked:
        evidence = "the reader ran out of it"
    elif number == signal.SIGABRT:
        # An allocation the budget refuses aborts a native reader (Rust, C++) without always
        # saying so; an abort is also how a reader's own bug ends: both are said.
        evidence = f"or crashed the reader: signal {name}"
    elif number == signal.SIGKILL:
        # Not killed by this run (a timeout is told apart before): the kernel's
        # out-of-memory killer is what kills a process that took the machine's memory.
        evidence = f"killed by {name}, most likely by the system for lack of memory"
    else:
        return record_failure(pending, limits.crash_reason(relative, f"signal {name}"))
    if not budget:
        return record_failure(pending, limits.crash_reason(relative, f"signal {name}: {evidence}"))
    # One request beyond the whole budget: a grid sized by a used range, not by the data.
    reason = limits.memory_reason(relative, budget, evidence, far_range=wanted > budget)
    return record_failure(pending, reason, {"memory": budget})


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _take(path: Path) -> str:
    """The end of a child's error output, and the file removed."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - STDERR_TAIL))
            text = handle.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""
    path.unlink(missing_ok=True)
    return text


# --- in the child ----------------------------------------------------------------------------


def _child_main(connection: multiprocessing.connection.Connection) -> None:
    parent = os.getppid()  # the forkserver, which ends when the run ends
    die_with_parent(parent)
    _release_forkserver()
    # A Rust panic's backtrace is of no use in a failure's message, and printing it while
    # memory runs out deadlocks the Rust runtime (its allocation-error hook waits for the lock
    # the panic's backtrace holds): the child would hang until its time limit.
    os.environ["RUST_BACKTRACE"] = "0"
    # pyarrow imports pandas (0.5 s) on its first conversion of a Python list, to look for
    # pandas objects; landing never hands it one, so here pandas is absent.
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _WithoutPandas())
    while connection.poll(IDLE_SECONDS):
        try:
            paths, path, pending, budget, stderr_path = connection.recv()
        except EOFError:
            break  # the parent is gone
        connection.send(("started", None))
        if not _land_one(connection, paths, path, pending, budget, stderr_path):
            break
    connection.close()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip the interpreter's teardown (freeing every object of a million-row landing): the
    # results are sent and the landings written.
    os._exit(0)


class _WithoutPandas(importlib.abc.MetaPathFinder):
    """Makes `import pandas` fail as it does where pandas is not installed."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.partition(".")[0] == "pandas":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _land_one(
    connection: multiprocessing.connection.Connection,
    paths: DataPaths,
    path: Path,
    pending: Pending,
    budget: int,
    stderr_path: str,
) -> bool:
    """Land one file in this child and send its result; True when the child may go on."""
    _redirect_stderr(stderr_path)
    # The readers' own size check (flows/ingest/formats.py) reads the budget from the
    # environment, which this child has from when the forkserver started: give it this one.
    os.environ[limits.ENV_MEMORY] = str(budget)
    _limit_memory(budget)
    limits.set_active_budget(budget)
    try:
        message: tuple[str, Any] = ("result", read_pending(paths, path, pending))
    except BaseException as exc:  # the parent raises it, as land_file would have
        message = ("raised", exc)
    sys.stdout.flush()
    sys.stderr.flush()  # all of it in the file before the parent reads it
    try:
        connection.send(message)
    except Exception as exc:
        # An exception that does not pickle: its type and text, raised the same way.
        original = message[1]
        message = ("raised", RuntimeError(f"{type(original).__name__}: {original} ({exc})"))
        connection.send(message)
    return _goes_on(message)


def _goes_on(message: tuple[str, Any] | None) -> bool:
    """Whether a child that sent this about its file may be given another.

    A file that failed may have left the process short of memory or half-way through a
    reader's state: the next file gets a new child.
    """
    return message is not None and message[0] == "result" and message[1].status != "failed"


def _release_forkserver() -> None:
    """Let the forkserver end when the run ends, even while this child reads.

    Each child is handed the write end of the pipe that keeps the forkserver alive (so that a
    child could start processes of its own through it): while a child holds it, the run's
    death does not end the forkserver, and so does not kill the child (a reader stuck in a
    deadlock would live on). This child starts no process: it closes its copy.
    """
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if isinstance(fd, int):
        with contextlib.suppress(OSError):
            os.close(fd)
        server._forkserver_alive_fd = None  # type: ignore[union-attr]


def _redirect_stderr(path: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 2)
    os.close(fd)


def _limit_memory(budget: int) -> None:
    """Hold this process to `budget` bytes of writable memory beyond what it has now (no
    limit but the hard one for a budget of 0).

    RLIMIT_DATA (Linux 4.7+) counts the private writable memory a process maps — what the
    readers and Arrow allocate — and not the address space merely reserved (allocator
    arenas, shared libraries), which RLIMIT_AS would count and which grows with the cores.
    Set again for each file: what the child kept from its last file is not this file's.
    """
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = hard
    if budget:
        limit = _status_bytes("VmData:") + budget
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def _status_bytes(field: str) -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass  # no /proc: the budget counts from zero
    return 0
