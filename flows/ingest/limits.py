"""What reading one raw file may cost, and what to say when a file costs more.

Each file is read in a child process (flows/ingest/isolation.py) held to a memory budget and a
time limit, so that a workbook whose sheet claims millions of empty cells, or a reader that
never returns, fails that file instead of the night. The limits come from the environment:

    CCHC_READ_MEMORY   memory one file's reading may take beyond the child's start, e.g. 4GB
                       (KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB of 1024; 0 = no limit)
    CCHC_READ_TIMEOUT  seconds one file's reading may take (0 = no limit)

A file that fails on a limit is recorded as failed with the limit it hit (`hit_limit`): it is
read again only when that limit is raised (or the file, its profile or the parser change).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ENV_MEMORY = "CCHC_READ_MEMORY"
ENV_TIMEOUT = "CCHC_READ_TIMEOUT"

# 4 GB: the largest export measured, a 1,000,000-row CSV (110 MB), takes 0.8 GB while it is
# landed, so a real export five times that size still fits, and a server with a few GB per
# core lands one file per core under it. What the budget is for asks for far more: a workbook
# whose sheet claims a used range of A1:XFD200000 makes the Excel reader ask for 100 GB at
# once, which is refused in milliseconds instead of thrashing the machine.
DEFAULT_MEMORY = 4_000_000_000
# 30 minutes: a million-row export lands in under a minute, so only a reader that is stuck
# (or a file hundreds of times larger than any export) reaches it.
DEFAULT_TIMEOUT = 1800.0

_UNITS = {
    "": 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
    "TIB": 2**40,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]I?B|B)?\s*$", re.IGNORECASE)

# File kinds read by the workbook readers: the advice on a far used range applies to them.
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")

# The memory budget the reading process is held to (set in the child by isolation.py): a
# MemoryError there is the file's, not the machine's.
_active_budget: int = 0


class LimitConfigError(ValueError):
    """CCHC_READ_MEMORY or CCHC_READ_TIMEOUT cannot be understood."""


def parse_size(text: str) -> int:
    """`4GB`, `512MiB`, `1.5 GB`, `2000000000` → bytes; raises ValueError."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"not a size: {text!r} (e.g. 4GB, 512MiB or a number of bytes)")
    number, unit = match.groups()
    return int(float(number) * _UNITS[(unit or "").upper()])


def memory_budget() -> int:
    """Bytes one file's reading may take (CCHC_READ_MEMORY, default 4 GB); 0 = no limit."""
    text = os.environ.get(ENV_MEMORY, "").strip()
    if not text:
        return DEFAULT_MEMORY
    try:
        return parse_size(text)
    except ValueError as exc:
        raise LimitConfigError(f"{ENV_MEMORY}={text}: {exc}") from exc


def read_timeout() -> float:
    """Seconds one file's reading may take (CCHC_READ_TIMEOUT, default 1800); 0 = no limit."""
    text = os.environ.get(ENV_TIMEOUT, "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if seconds < 0 or seconds != seconds:
        raise LimitConfigError(f"{ENV_TIMEOUT}={text}: not a number of seconds (e.g. 1800)")
    return seconds


def check_limits() -> None:
    """Raise LimitConfigError now for a limit that cannot be understood (before a run starts)."""
    memory_budget()
    read_timeout()


def set_active_budget(budget: int) -> None:
    global _active_budget
    _active_budget = budget


def active_budget() -> int:
    """The memory budget this process reads under; 0 outside a reading child."""
    return _active_budget


def raised_since(hit: dict[str, float] | None) -> bool:
    """True when a limit a recorded failure hit is higher now (or gone): read the file again."""
    if not hit:
        return False
    current = {"memory": memory_budget(), "timeout": read_timeout()}
    for name, value in hit.items():
        now = current.get(name)
        if now is not None and (now == 0 or now > value):
            return True
    return False


def format_size(size: int) -> str:
    """4000000000 → `4 GB`, 1500000000 → `1.5 GB`, 2**30 → `1.07 GB`."""
    for unit, factor in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


def _is_workbook(relative: str) -> bool:
    return Path(relative).suffix.lower() in _WORKBOOK_SUFFIXES


def _memory_advice(relative: str, budget: int, far_range: bool) -> str:
    raise_it = f"raise {ENV_MEMORY} (now {format_size(budget)})"
    trim = (
        "open it in Excel or LibreOffice, delete the empty rows and columns after the data "
        "and save it as .xlsx"
    )
    if not _is_workbook(relative):
        return f"split the file into smaller exports, or {raise_it} if the machine has the memory"
    if far_range:
        return (
            f"a sheet's used range is probably far larger than its data — {trim}; "
            f"if the data really is that large, {raise_it}"
        )
    return (
        "if a sheet's used range is far larger than its data (Ctrl+End in Excel lands far "
        f"beyond the last row or column), {trim}; if the data really is that large, split "
        f"the file or {raise_it}"
    )


def memory_reason(relative: str, budget: int, evidence: str = "", far_range: bool = False) -> str:
    """Why a file failed on the memory budget, and what to do (`evidence` in parentheses).

    `far_range`: the reader asked for more than the whole budget at once, as it does for a
    grid sized by a sheet's used range rather than by its data.
    """
    said = f" ({evidence})" if evidence else ""
    return (
        f"reading it needed more than {format_size(budget)} of memory{said}: "
        f"{_memory_advice(relative, budget, far_range)}"
    )


def timeout_reason(relative: str, seconds: float) -> str:
    """Why a file failed on the time limit, and what to do."""
    resave = (
        "open it in Excel or LibreOffice and save it again as .xlsx"
        if _is_workbook(relative)
        else "split it into smaller exports"
    )
    return (
        f"reading it took more than {seconds:g} s: stopped; if the file really is that large, "
        f"raise {ENV_TIMEOUT} (seconds), else {resave}"
    )


def crash_reason(relative: str, what: str) -> str:
    """Why a file failed when its reader crashed the process (`what`: the signal or status)."""
    resave = (
        "open it in Excel or LibreOffice and save it again as .xlsx"
        if _is_workbook(relative)
        else "export it again, or save it as UTF-8 CSV"
    )
    return f"the reader crashed on it ({what}): {resave}"
