"""Progress of the landing step: a bar in a terminal, a few plain log lines elsewhere.

In a terminal, the bar is drawn on the same rich Console that Prefect's log handler prints
with, so log lines scroll above the bar instead of tearing it. Under cron, systemd or a
deployment (no terminal), a line every tenth of the files keeps the log readable.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.default_styles import DEFAULT_STYLES
from rich.theme import Theme

_PROGRESS_STYLES = {
    name: style for name, style in DEFAULT_STYLES.items() if name.startswith(("bar.", "progress."))
}


def _prefect_console() -> Console | None:
    for handler in logging.getLogger().handlers:
        console = getattr(handler, "console", None)
        if isinstance(console, Console):
            return console
    return None


def is_interactive() -> bool:
    console = _prefect_console()
    if console is not None:
        return console.is_terminal
    return sys.stderr.isatty()


def collect(
    futures: Sequence[Any],
    label: str,
    log: Callable[[str], None],
    interactive: bool | None = None,
) -> list[Any]:
    """The results of Prefect futures in submission order, reporting progress as they finish."""
    from prefect.futures import as_completed

    total = len(futures)
    results: list[Any] = [None] * total
    index = {id(f): i for i, f in enumerate(futures)}
    if total == 0:
        return results
    if interactive is None:
        interactive = is_interactive()
    if interactive:
        console = _prefect_console() or Console(stderr=True)
        # Prefect's console has its own theme, without rich's progress styles: lend them for
        # the time of the bar.
        console.push_theme(Theme(_PROGRESS_STYLES, inherit=False))
        try:
            _bar(futures, label, console, results, index)
        finally:
            console.pop_theme()
        return results
    step = max(1, total // 10)
    for done, future in enumerate(as_completed(list(futures)), start=1):
        results[index[id(future)]] = future.result()
        if done % step == 0 or done == total:
            log(f"{label}: {done}/{total} files")
    return results


def _bar(
    futures: Sequence[Any],
    label: str,
    console: Console,
    results: list[Any],
    index: dict[int, int],
) -> None:
    from prefect.futures import as_completed
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(label, total=len(futures))
        for future in as_completed(list(futures)):
            results[index[id(future)]] = future.result()
            bar.advance(task)
