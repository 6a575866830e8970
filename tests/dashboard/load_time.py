"""How long the dashboard takes: server start to first full render, and a period change.

    .venv/bin/python -m tests.dashboard.load_time --data-dir DATA_ROOT

Starts the real `cchc dashboard` on a free port, opens the page in Debian's headless Chromium
and prints, in seconds: the server's start until it answers; the page from navigation until
every section is drawn and no callback runs; a change of the period type (the period list,
then every section); a change of period in the dropdown; opening the cases behind the total
received. Run it on a warehouse built from `cchc sample` or from flows.ops.bench.generate.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from flows.paths import DataPaths
from tests.dashboard.browser import browser, choose, dashboard, wait_idle


def measure(data_root: Path) -> list[tuple[str, float]]:
    timings: list[tuple[str, float]] = []
    log = Path(tempfile.mkdtemp(prefix="cchc-load-")) / "server.log"
    with browser() as context:
        started = time.monotonic()
        with dashboard(data_root, log) as (url, answered):
            timings.append(("server start → first answer", answered))
            _page(context, url, started, timings)
    return timings


def _page(context: Any, url: str, started: float, timings: list[tuple[str, float]]) -> None:
    from playwright.sync_api import expect

    page = context.new_page()
    opened = time.monotonic()
    page.goto(url)
    expect(page.locator("#b06-total-received_total")).to_be_visible(timeout=120_000)
    expect(page.locator("#kpi-received_total")).not_to_be_empty()
    wait_idle(page, 120_000)
    now = time.monotonic()
    timings.append(("page open → full render", now - opened))
    timings.append(("server start → full render", now - started))

    before = page.inner_text("#period-label")
    t = time.monotonic()
    page.click("#period-type label:has-text('Quý')")
    expect(page.locator("#period-label")).not_to_have_text(before, timeout=120_000)
    expect(page.locator("#period-label")).to_contain_text("Quý")
    wait_idle(page, 120_000)
    timings.append(("period type → quarter, full render", time.monotonic() - t))

    page.click("#period")
    other = page.eval_on_selector(
        ".dash-dropdown-options [role=option][aria-selected=false] input", "e => e.value"
    )
    page.keyboard.press("Escape")
    before = page.inner_text("#period-label")
    t = time.monotonic()
    choose(page, "period", other)
    expect(page.locator("#period-label")).not_to_have_text(before, timeout=120_000)
    wait_idle(page, 120_000)
    timings.append((f"period {other}, full render", time.monotonic() - t))

    t = time.monotonic()
    page.click("#b06-total-received_total")
    expect(page.locator("#drill-count-value")).to_be_visible(timeout=120_000)
    wait_idle(page, 120_000)
    timings.append(("cases behind «received», first 500 drawn", time.monotonic() - t))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="a data root with a warehouse")
    args = parser.parse_args()
    paths = DataPaths.resolve(args.data_dir)
    import duckdb

    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        cases = con.execute("SELECT count(*) FROM fct_filings").fetchone()[0]
    print(f"{paths.warehouse}: {cases:,} cases")
    for name, seconds in measure(paths.root):
        print(f"  {name:45s} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
