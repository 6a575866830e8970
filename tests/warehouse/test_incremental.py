"""The incremental nightly: new iGate exports recompute their cases only, on a copy of the
published build, and the warehouse equals the one a full build makes of the same files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from flows.ops.nightly import nightly
from flows.sample import write_sample
from tests.support import IGATE_HEADER, write_xlsx

pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.slow]


# The sample's exports of the last quarter: monthly (`Tháng 10`, `…_T11_2020`) or quarterly.
LAST_QUARTER = re.compile(r"Tháng 1[0-2]\b|_T1[0-2]_|Quý 4")


def _hold_back(root: Path, tmp: Path) -> list[tuple[Path, Path]]:
    """Move the last quarter's iGate exports aside; returns (where it was, where it is)."""
    moved = []
    for path in sorted((root / "raw" / "igate").rglob("*")):
        if path.is_file() and LAST_QUARTER.search(path.as_posix()):
            aside = tmp / "aside" / path.relative_to(root)
            aside.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, aside)
            moved.append((path, aside))
    assert len(moved) > 5, "the sample has exports of its last quarter"
    return moved


def _full_build_of(root: Path, tmp: Path) -> Path:
    """The warehouse a cold run makes of the same raw files, in a data root of its own."""
    fresh = tmp / "fresh"
    shutil.copytree(root / "raw", fresh / "raw")
    report = nightly(data_dir=str(fresh))
    assert report.published and not report.incremental
    return fresh / "processed" / "warehouse.duckdb"


def _differences_from_full_build(root: Path, tmp: Path) -> dict[str, tuple[int, int]]:
    return _differences(root / "processed" / "warehouse.duckdb", _full_build_of(root, tmp))


def _differences(incremental: Path, full: Path) -> dict[str, tuple[int, int]]:
    con = duckdb.connect()
    con.execute(f"ATTACH '{full}' AS full_build (READ_ONLY)")
    con.execute(f"ATTACH '{incremental}' AS incremental_build (READ_ONLY)")
    tables = [
        name
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_catalog = 'full_build' AND table_schema = 'main'"
        ).fetchall()
        if name != "meta_build"
    ]
    assert len(tables) > 40
    found = {}
    for table in tables:
        counts = tuple(
            con.execute(
                f'SELECT count(*) FROM (FROM {a}.main."{table}" EXCEPT ALL FROM {b}.main."{table}")'
            ).fetchone()[0]
            for a, b in (("full_build", "incremental_build"), ("incremental_build", "full_build"))
        )
        if any(counts):
            found[table] = counts
    con.close()
    return found


@pytest.fixture
def published(tmp_path: Path):
    root = tmp_path / "root"
    write_sample(root, cases=1500, seed=5)
    moved = _hold_back(root, tmp_path)
    first = nightly(data_dir=str(root))
    assert first.published and not first.incremental
    with duckdb.connect(str(root / "processed" / "warehouse.duckdb"), read_only=True) as con:
        codes = {c for (c,) in con.execute("SELECT case_code FROM fct_filings").fetchall()}
    return root, moved, codes


def test_new_months_are_built_incrementally_and_equal_a_full_build(published, tmp_path):
    root, moved, before = published
    for path, aside in moved:
        shutil.move(aside, path)
    report = nightly(data_dir=str(root))
    assert report.published and report.rebuilt and report.incremental
    warehouse = root / "processed" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        december = con.execute(
            "SELECT case_code FROM int_cases__ranked WHERE regexp_matches(source_file, ?)",
            [LAST_QUARTER.pattern],
        ).fetchall()
    codes = {c for (c,) in december}
    # The last quarter brings new cases and rows of cases the first build already had.
    assert codes - before and codes & before
    assert _differences(warehouse, _full_build_of(root, tmp_path)) == {}


def test_a_case_that_moves_the_calendar_is_built_in_full(published, tmp_path):
    root, moved, _ = published
    # A case received in 1999 starts the working-day calendar earlier: every day's number
    # moves, so the rows kept from the published build would be stale.
    rows = [IGATE_HEADER, [1, "OLD-1", "1.1", "x", "Đất đai", "Sở Tư pháp", "Trực tiếp"]]
    rows[1].append("05/03/1999")
    write_xlsx(root / "raw" / "igate" / "2020" / "cu.xlsx", {"S": rows})
    report = nightly(data_dir=str(root))
    assert report.published and not report.incremental
    assert (
        _differences(root / "processed" / "warehouse.duckdb", _full_build_of(root, tmp_path)) == {}
    )


def test_a_changed_reference_list_is_built_in_full(published, tmp_path):
    root, moved, _ = published
    for path, aside in moved:
        shutil.move(aside, path)
    registry = sorted((root / "raw" / "reference").glob("*"))[0]
    registry.write_bytes(registry.read_bytes())  # same bytes: still incremental
    late = sorted(p for p in (root / "raw" / "late").rglob("*") if p.is_file())[0]
    late.unlink()  # a late-case list gone: the apology dates of old cases change
    report = nightly(data_dir=str(root))
    assert report.published and not report.incremental
    assert (
        _differences(root / "processed" / "warehouse.duckdb", _full_build_of(root, tmp_path)) == {}
    )
