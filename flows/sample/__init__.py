"""The deterministic sample province-year: Trà Vinh, 2020, as the exports would land in `raw/`.

`write_sample(data_root)` writes the reference lists (units registry, procedure catalogue,
holiday overrides) and a year of iGate case exports (January to 20 November 2020) that carry
the quirks of docs/spec.md §2 and §3.1, spread over files, and the situation of the 2020
inspection report (seed 000): land cases often late, few online and postal files, most
departments and communes without any file on iGate. Then the other sources of the same
province-year, built on those cases: document registers, postal items, late-case lists and the
units' own Biểu 06 reports; and the list of the plans every unit must issue, which the
registers fulfil or miss (docs/spec.md §9).

The modules, each using only ones before it: `registry` (who exists: units, procedures,
holidays), `cases` (the random province-year of cases), `writers` (files and their encodings),
then one module per source: `igate`, `documents`, `postal`, `late`, `reports`.

Same seed, same `cases` → byte-identical files (fixed workbook metadata, fixed zip timestamps,
every random draw from `random.Random`). The numbers the pipeline should find are returned in
`SampleSummary.expected` (computed from the last state of each case that the exports show).

Codes (units, procedures) have the shape of the real ones but are made up for the sample.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import random
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flows.sample.cases import generate_cases, headline_figures
from flows.sample.documents import required_documents_list, write_documents
from flows.sample.igate import NO_STATUS_UNITS, write_igate
from flows.sample.late import write_late
from flows.sample.postal import write_postal
from flows.sample.registry import Calendar, build_units, check_unique_names, reference_lists
from flows.sample.reports import write_reports
from flows.sample.writers import write_list

__all__ = ["SampleSummary", "write_sample"]


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------


@dataclass
class SampleSummary:
    """What `write_sample` wrote, and the headline numbers the pipeline should find."""

    data_root: Path
    files: dict[str, int]  # files written under raw/<source>/, by source
    skipped_files: list[str]  # non-export files (paths relative to the root), to be skipped
    cases: int  # cases generated
    rows_written: int  # iGate data rows written (duplicates and bad rows included)
    bad_rows: int  # rows the pipeline must reject
    bad_rows_by_kind: dict[str, int] = field(default_factory=dict)
    duplicate_rows: int = 0  # exact duplicates of another row of the same file
    units_valid_2020: int = 0  # registry units valid in 2020
    units_with_files: int = 0  # of those, units with at least one received case
    # Headline numbers over the last state of each case the exports show (rows the pipeline
    # must reject left out; sector = the procedure's own, typos in the exports notwithstanding):
    # received_cases, land_late_rate / other_late_rate (late among resolved), online_share,
    # postal_share (among received), land_pending, land_pending_overdue (at 20/11/2020).
    expected: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Human-readable lines for the CLI."""
        files = ", ".join(f"{k}: {v}" for k, v in self.files.items())
        out = [
            f"sample written under {self.data_root / 'raw'} ({files})",
            f"cases: {self.cases}, iGate rows: {self.rows_written} "
            f"(duplicates: {self.duplicate_rows}, bad: {self.bad_rows})",
            f"units valid in 2020: {self.units_valid_2020}, with iGate files: "
            f"{self.units_with_files}",
        ]
        out += [
            f"expected {k}: {int(v) if float(v).is_integer() else round(v, 4)}"
            for k, v in self.expected.items()
        ]
        return out


_PARALLEL_FROM = 50_000  # cases; below this, starting processes costs more than it saves


def write_sample(
    data_root: Path, cases: int = 20000, seed: int = 2020, *, workers: int | None = None
) -> SampleSummary:
    """Write the sample province-year under `<data_root>/raw/` and say what was written.

    Files are overwritten in place; nothing else under `raw/` is touched. `workers` > 1 writes
    the .xlsx workbooks in that many forked processes (the bytes are the same either way); by
    default only large samples (≥ 50,000 cases) use up to two. Forking is skipped (serial
    writing) when the caller runs other threads, where a fork could deadlock.
    """
    if cases < 0:
        raise ValueError("cases must be >= 0")
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if cases >= _PARALLEL_FROM else 1
    pool = _fork_pool(workers)  # before the cases exist: the children stay small
    try:
        return _write_sample(Path(data_root), cases, seed, pool, workers)
    except BaseException:
        if pool is not None:
            pool.terminate()
        raise
    finally:
        if pool is not None:
            pool.close()
            pool.join()


def _fork_pool(workers: int) -> multiprocessing.pool.Pool | None:
    if workers <= 1 or threading.active_count() > 1:
        return None
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork").Pool(workers)


def _write_sample(
    root: Path, cases: int, seed: int, pool: multiprocessing.pool.Pool | None, workers: int
) -> SampleSummary:
    raw = root / "raw"
    cal = Calendar(date(2019, 12, 1), date(2021, 12, 31))
    units = build_units()
    check_unique_names(units)
    ref = raw / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    lists = [*reference_lists(units), required_documents_list()]
    for name, headers, rows in lists:
        write_list(ref / name, headers, rows)

    case_list = generate_cases(random.Random(seed), cases, units, cal, NO_STATUS_UNITS)
    exported = write_igate(raw, units, case_list, seed, pool, workers)
    files: dict[str, int] = {"reference": len(lists), "igate": exported.files}
    expected, with_files = headline_figures(case_list, exported.last_seen, exported.bad_cases, cal)

    # The other sources of the same province-year. `received`: the cases the pipeline will
    # find as received (the rows of fct_filings); `last_seen`: the last export showing each.
    received = {i for i in exported.last_seen if case_list[i].kind not in (1, 3)}
    scale = cases / 20000  # sizes the document registers
    files["documents"], figures = write_documents(raw, units, cal, seed, scale)
    expected.update(figures)
    files["postal"], figures = write_postal(raw, case_list, received, cal, seed)
    expected.update(figures)
    files["late"], figures = write_late(raw, units, case_list, cal, seed)
    expected.update(figures)
    files["reports"], figures = write_reports(
        raw, units, case_list, received, seed, exported.last_seen
    )
    expected.update(figures)

    valid_2020 = [u for u in units if u.valid_from <= date(2020, 12, 31)]
    return SampleSummary(
        data_root=root,
        files=files,
        skipped_files=[p.relative_to(root).as_posix() for p in exported.skipped],
        cases=len(case_list),
        rows_written=exported.rows,
        bad_rows=sum(exported.bad_by_kind.values()),
        bad_rows_by_kind=dict(sorted(exported.bad_by_kind.items())),
        duplicate_rows=exported.duplicates,
        units_valid_2020=len(valid_2020),
        units_with_files=len(with_files),
        expected=expected,
    )
