"""One writer at a time: an OS file lock on `processed/.run.lock`.

`fcntl.flock` belongs to the open file, so the kernel drops it when the holder exits in any
way — a crash or `kill -9` included — and a dead run never leaves a stale lock behind. The
file's content (pid, start time) only tells a waiting run who it is waiting for; whether a run
holds the lock is asked of the kernel, never read from the file.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flows.i18n import _
from flows.paths import DataPaths

LOCK_NAME = ".run.lock"
DEFAULT_WAIT_SECONDS = 1800.0
_POLL_SECONDS = 0.5

# The flow takes the lock itself (so a scheduled run and a manual `cchc run` exclude each
# other) and `cchc run` takes it before starting Prefect (so a busy data root is reported
# without a 10-30 s start-up): both in one process must not wait for each other.
_held: dict[Path, int] = {}
_held_guard = threading.Lock()


class RunLockBusy(Exception):
    """Another run still held the lock when the wait ran out."""

    def __init__(self, path: Path, holder: LockHolder | None, waited: float) -> None:
        who = holder.describe() if holder else _("another run")
        super().__init__(
            _(
                "{who} is still running on this data root (lock {lock}); "
                "gave up after waiting {seconds} s. Nothing was done."
            ).format(who=who, lock=path, seconds=f"{waited:.0f}")
        )
        self.path = path
        self.holder = holder


@dataclass(frozen=True)
class LockHolder:
    pid: int | None
    host: str | None
    started_at: str | None

    def describe(self) -> str:
        parts = []
        if self.pid:
            parts.append(_("pid {pid}").format(pid=self.pid))
        if self.host and self.host != socket.gethostname():
            parts.append(_("on {host}").format(host=self.host))
        if self.started_at:
            parts.append(_("started {when}").format(when=self.started_at))
        if not parts:
            return _("another run")
        return _("a run ({details})").format(details=", ".join(parts))


def lock_path(paths: DataPaths) -> Path:
    return paths.processed / LOCK_NAME


def _read_holder(fd: int) -> LockHolder | None:
    try:
        raw = os.pread(fd, 4096, 0)
        info = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or not info:
        return None
    return LockHolder(info.get("pid"), info.get("host"), info.get("started_at"))


def _write_holder(fd: int) -> None:
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": datetime.now().isoformat(sep=" ", timespec="seconds"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    # No O_TRUNC: a waiting run must not wipe the holder's pid before it owns the lock.
    # O_CLOEXEC: a program the run starts (Prefect's temporary server) must not inherit the
    # descriptor and keep the lock alive after the run has ended.
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def run_lock(
    paths: DataPaths,
    wait: float = DEFAULT_WAIT_SECONDS,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the data root's run lock; wait up to `wait` seconds for another run to end.

    `on_wait(message)` is called once when the lock is busy, before waiting. Raises
    RunLockBusy when the wait runs out (`wait=0`: at once). Re-entrant within a process.
    """
    path = lock_path(paths).resolve()
    with _held_guard:
        if path in _held:
            _held[path] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _held_guard:
                _held[path] -= 1
        return

    fd = _open(path)
    try:
        acquired = _try_lock(fd)
        if not acquired:
            # A `cchc status` asking who holds the lock holds it shared for an instant: look
            # twice before telling the user to wait.
            time.sleep(0.1)
            acquired = _try_lock(fd)
        if not acquired:
            holder = _read_holder(fd)
            if on_wait is not None and wait > 0:
                who = holder.describe() if holder else _("another run")
                on_wait(
                    _(
                        "{who} is running on {folder}: waiting up to {seconds} s for it to finish"
                    ).format(who=who, folder=paths.root, seconds=f"{wait:.0f}")
                )
            started = time.monotonic()
            while not _try_lock(fd):
                waited = time.monotonic() - started
                if waited >= wait:
                    raise RunLockBusy(path, _read_holder(fd) or holder, waited)
                time.sleep(min(_POLL_SECONDS, max(wait - waited, 0.01)))
        _write_holder(fd)
        with _held_guard:
            _held[path] = 1
        try:
            yield
        finally:
            with _held_guard:
                del _held[path]
            # Emptied before unlocking, so the next reader never sees our pid as a holder.
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the only descriptor releases the flock


def current_holder(paths: DataPaths) -> LockHolder | None:
    """The run holding the lock right now, or None when no run is in progress."""
    path = lock_path(paths)
    if not path.exists():
        return None
    with _held_guard:
        if path.resolve() in _held:
            return LockHolder(os.getpid(), socket.gethostname(), None)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        try:
            # A shared lock is enough to ask: it conflicts only with a holder's exclusive one.
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd) or LockHolder(None, None, None)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
