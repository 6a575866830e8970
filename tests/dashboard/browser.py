"""Driving the real `cchc dashboard` from Debian's Chromium: shared by the browser test and by
the load-time measurement (tests/dashboard/load_time.py).

Nothing is downloaded: Playwright (a pip package) drives /usr/bin/chromium through
`executable_path`, with a fresh profile and no background network of its own.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TITLE = "Chỉ số cải cách hành chính"  # the page's title when no callback is running


def why_no_browser() -> str | None:
    """The reason the browser tests cannot run here, or None."""
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which("chromium")):
        return f"Chromium is not installed ({CHROMIUM}; .ci/run installs Debian's chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cchc_command() -> list[str]:
    """The installed `cchc` script beside this interpreter, else the module."""
    script = Path(sys.executable).with_name("cchc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "flows.cli"]


@contextmanager
def dashboard(data_root: Path, log: Path, timeout: float = 90) -> Iterator[tuple[str, float]]:
    """`cchc dashboard` on a free port; yields its URL and the seconds it took to answer."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*cchc_command(), "dashboard", "--data-dir", str(data_root), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"cchc dashboard exited: {log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(url + "_dash-layout", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"cchc dashboard did not answer within {timeout:.0f} s")
            time.sleep(0.1)
        yield url, time.monotonic() - started
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def browser(viewport: tuple[int, int] = (1400, 1000)) -> Iterator[Any]:
    """A Chromium context with a fresh profile, downloads accepted."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="cchc-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                args=LAUNCH_ARGS,
                headless=True,
                accept_downloads=True,
                viewport={"width": viewport[0], "height": viewport[1]},
                locale="vi-VN",
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def wait_idle(page: Any, timeout: float = 60_000) -> None:
    """Until Dash runs no callback: it shows its update title while one is running."""
    page.wait_for_function(f"document.title === {TITLE!r}", timeout=timeout)


def choose(page: Any, dropdown: str, value: str, search: str | None = None) -> None:
    """Pick `value` in the Dash dropdown `#dropdown`, typing `search` first if given."""
    page.click(f"#{dropdown}")
    if search is not None:
        page.fill(".dash-dropdown-search", search)
    page.click(f'.dash-dropdown-options [role=option]:has(input[value="{value}"])')
    if page.locator(".dash-dropdown-options").count():
        page.keyboard.press("Escape")
