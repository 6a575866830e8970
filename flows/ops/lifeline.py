"""Processes that die with the process that started them, however it ends.

A run killed with SIGKILL runs no cleanup: a child it started (the landing child reading a
file, the temporary Prefect server) would live on as an orphan, holding memory, a port or a
half-read workbook. On Linux the kernel sends such a child SIGKILL when its parent dies
(`prctl(PR_SET_PDEATHSIG)`); elsewhere this is a no-op and the children end on their own.

    python -m flows.ops.lifeline PARENT_PID COMMAND [ARG …]

runs COMMAND (exec, same process) so that it dies with PARENT_PID: the way to give a child
started by `subprocess` this lifeline without `preexec_fn`, which is unsafe once threads run.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent_pid: int | None = None) -> bool:
    """Have the kernel SIGKILL this process when its parent dies; True when it is set.

    The parent is the *thread* that forked this process: callers fork from a thread that lives
    as long as the parent process (its main thread, or the single-threaded forkserver).
    `parent_pid` is the pid the parent had: when it is already gone (it died before the
    lifeline was set, and the process was re-parented), this process ends at once.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if parent_pid is not None and os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)
    return True


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        raise SystemExit("usage: python -m flows.ops.lifeline PARENT_PID COMMAND [ARG …]")
    die_with_parent(int(argv[0]))
    # PR_SET_PDEATHSIG survives execve (for a program that is not set-user-ID).
    os.execvp(argv[1], argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
