"""Two nights of the sample province-year, run once per test session and shared.

Night 1 ("old") sees the sample without a few exports and with one export that is deleted
before night 2; night 2 ("new") sees the whole sample. Crash tests start night 2 from a copy
of night 1's data root and kill it; the personal-data tests scan night 2's `processed/`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from flows.paths import DataPaths
from flows.sample import write_sample
from tests.support import IGATE_HEADER, write_xlsx
from tests.support.pipeline_child import run

CASES = 3000
SEED = 2020
ARRIVING = 10  # igate exports that arrive for night 2
DELETED = "raw/igate/đã xóa/old_only.xlsx"  # an export deleted before night 2


@dataclass(frozen=True)
class Nights:
    template: Path  # the whole sample's raw/ and nothing else
    old: DataPaths  # after night 1
    new: DataPaths  # after night 2, run without a crash: the reference
    arriving: tuple[str, ...]  # paths relative to raw/
    old_fingerprint: tuple
    new_fingerprint: tuple


def fingerprint(warehouse: Path) -> tuple:
    """What a reader of the published warehouse gets: counts and an order-free checksum."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            """
            SELECT
                (SELECT count(*) FROM fct_filings),
                (SELECT bit_xor(hash(case_code, status_code, outcome, unit_name, received_at,
                                     ended_at, source_file)) FROM fct_filings),
                (SELECT count(*) FROM rpt_bieu06),
                (SELECT sum(received_total + resolved_total + pending_total) FROM rpt_bieu06),
                (SELECT count(*) FROM dq_files),
                (SELECT sum(rows_read) FROM dq_files),
                (SELECT bit_xor(hash(file, sheet, status, rows_loaded, rows_rejected))
                 FROM dq_files),
                (SELECT count(*) FROM dq_rejects)
            """
        ).fetchone()


def start_night_two(nights: Nights, root: Path) -> DataPaths:
    """A copy of night 1's data root, with night 2's exports in raw/."""
    return start_night_two_from(nights.old, nights.template, nights.arriving, root)


_nights: dict[str, Nights] = {}


def two_nights(factory: pytest.TempPathFactory) -> Nights:
    """Night 1 and night 2 of the sample, built on the first call of the session."""
    if "nights" not in _nights:
        _nights["nights"] = _run_two_nights(factory.mktemp("sample_nights"))
    return _nights["nights"]


def _run_two_nights(base: Path) -> Nights:
    template = base / "template"
    write_sample(template, cases=CASES, seed=SEED)
    igate = sorted(
        p.relative_to(template / "raw").as_posix()
        for p in (template / "raw" / "igate").rglob("*")
        if p.is_file()
    )
    arriving = tuple(igate[:: max(1, len(igate) // ARRIVING)][:ARRIVING])

    old = DataPaths((base / "old").resolve())
    shutil.copytree(template / "raw", old.raw)
    for relative in arriving:
        (old.raw / relative).unlink()
    case = ["1.004227", "Đăng ký đất đai", "Đất đai", "Sở Tư pháp", "Trực tiếp", "05/10/2020"]
    rows = [IGATE_HEADER] + [[n, f"DELETED-{n}", *case] for n in range(1, 4)]
    write_xlsx(old.root / DELETED, {"S": rows})
    run(old)

    new = start_night_two_from(old, template, arriving, base / "new")
    run(new)
    return Nights(
        template,
        old,
        new,
        arriving,
        fingerprint(old.warehouse),
        fingerprint(new.warehouse),
    )


def start_night_two_from(
    old: DataPaths, template: Path, arriving: tuple[str, ...], root: Path
) -> DataPaths:
    shutil.copytree(old.root, root)
    paths = DataPaths(root.resolve())
    (paths.root / DELETED).unlink()
    for relative in arriving:
        target = paths.raw / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(template / "raw" / relative, target)
    return paths
