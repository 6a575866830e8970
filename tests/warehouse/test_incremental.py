"""The incremental nightly: new iGate exports recompute their cases only, on a copy of the
published build, and the warehouse equals the one a full build makes of the same files."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.ops.nightly import nightly
from flows.sample import write_sample
from flows.warehouse.runner import (
    AuditError,
    Increment,
    ModelGraphError,
    NotIncremental,
    build,
    run_audits,
)
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


# ---------------------------------------------------------------------------------------------
# The runner's incremental kinds on a SQL tree of their own: keyed rows and summed counts
# ---------------------------------------------------------------------------------------------

TREE = {
    "staging/stg_cases.sql": "select * from land_cases",
    "intermediate/int_cases.sql": (
        "-- incremental: case_code\n"
        "select case_code, unit, day, status = 'late' as is_late\n"
        "from (select *, row_number() over (partition by case_code order by version desc) as n\n"
        "      from stg_cases) where n = 1"
    ),
    "intermediate/int_units.sql": "select distinct unit from land_units",
    "intermediate/int_daily.sql": (
        "-- summed_by: unit, day\n"
        "select int_cases.unit, day, count(*) as cases, count(*) filter (where is_late) as late\n"
        "from int_cases join int_units on int_units.unit = int_cases.unit\n"
        "group by int_cases.unit, day"
    ),
    "marts/ind_monthly.sql": (
        "select unit, date_trunc('month', day) as month, sum(cases) as cases, sum(late) as late\n"
        "from int_daily group by all"
    ),
    "tests/ind_monthly_not_negative.sql": "-- severity: error\nfrom ind_monthly where late < 0",
}


def _tree(root: Path) -> Path:
    for name, sql in TREE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(sql + "\n", encoding="utf-8")
    return root


def _prepare(cases: list[tuple], units: list[str]) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def prepare(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE land_cases "
            "(case_code VARCHAR, version INT, unit VARCHAR, day DATE, status VARCHAR)"
        )
        con.executemany("INSERT INTO land_cases VALUES (?, ?, ?, ?, ?)", cases)
        con.execute("CREATE OR REPLACE TEMP TABLE land_units (unit VARCHAR)")
        con.executemany("INSERT INTO land_units VALUES (?)", [(u,) for u in units])

    return prepare


def _rows(path: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return sorted(con.execute(f"FROM {table}").fetchall(), key=repr)


OLD_CASES = [
    ("C1", 1, "U1", date(2024, 1, 5), "on_time"),
    ("C2", 1, "U1", date(2024, 1, 5), "late"),
    ("C3", 1, "U2", date(2024, 1, 9), "late"),
]
# C2 arrives again, moved to U2 and on time; C3 again, unchanged; C4 is new in a new month.
NEW_CASES = [
    ("C2", 2, "U2", date(2024, 1, 9), "on_time"),
    ("C3", 2, "U2", date(2024, 1, 9), "late"),
    ("C4", 1, "U1", date(2024, 2, 1), "late"),
]
NEW_KEYS = "SELECT * FROM (VALUES ('C2'), ('C3'), ('C4')) AS t(key)"


def test_summed_counts_are_updated_by_the_new_keys_and_equal_a_full_build(tmp_path: Path) -> None:
    sql = _tree(tmp_path / "sql")
    nightly, full = tmp_path / "nightly.duckdb", tmp_path / "full.duckdb"
    build(nightly, _prepare(OLD_CASES, ["U1", "U2"]), sql)
    # U1 loses its only case of 2024-01-05 that was late: the row stays with C1 alone.
    build(
        nightly, _prepare(OLD_CASES + NEW_CASES, ["U1", "U2"]), sql, increment=Increment(NEW_KEYS)
    )
    build(full, _prepare(OLD_CASES + NEW_CASES, ["U1", "U2"]), sql)
    for table in ("int_cases", "int_daily", "ind_monthly"):
        assert _rows(nightly, table) == _rows(full, table)
    assert _rows(nightly, "int_daily") == [
        ("U1", date(2024, 1, 5), 1, 0),
        ("U1", date(2024, 2, 1), 1, 1),
        ("U2", date(2024, 1, 9), 2, 1),
    ]


def test_a_group_whose_cases_all_moved_away_is_gone(tmp_path: Path) -> None:
    sql = _tree(tmp_path / "sql")
    target = tmp_path / "w.duckdb"
    build(target, _prepare(OLD_CASES, ["U1", "U2"]), sql)
    moved = [("C3", 2, "U1", date(2024, 1, 5), "late")]
    keys = "SELECT 'C3' AS key"
    build(target, _prepare(OLD_CASES + moved, ["U1", "U2"]), sql, increment=Increment(keys))
    assert ("U2", date(2024, 1, 9)) not in {row[:2] for row in _rows(target, "int_daily")}
    assert _rows(target, "int_daily") == [("U1", date(2024, 1, 5), 3, 2)]


def test_a_changed_input_of_a_summed_model_refuses_the_increment(tmp_path: Path) -> None:
    sql = _tree(tmp_path / "sql")
    target = tmp_path / "w.duckdb"
    build(target, _prepare(OLD_CASES, ["U1", "U2"]), sql)
    published = target.read_bytes()
    # U3 joins the units: a sum over the old cases could count differently; rebuild in full.
    with pytest.raises(NotIncremental, match="int_units"):
        build(
            target,
            _prepare(OLD_CASES, ["U1", "U2", "U3"]),
            sql,
            increment=Increment("SELECT 'C1' AS key"),
        )
    assert target.read_bytes() == published


def test_summed_by_must_leave_columns_to_sum(tmp_path: Path) -> None:
    sql = _tree(tmp_path / "sql")
    daily = sql / "intermediate" / "int_daily.sql"
    daily.write_text(
        daily.read_text().replace("-- summed_by: unit, day", "-- summed_by: unit, day, cases, late")
    )
    target = tmp_path / "w.duckdb"
    build(target, _prepare(OLD_CASES, ["U1", "U2"]), sql)
    with pytest.raises(ModelGraphError, match="summed_by"):
        build(
            target,
            _prepare(OLD_CASES + NEW_CASES, ["U1", "U2"]),
            sql,
            increment=Increment(NEW_KEYS),
        )


def test_an_error_in_a_new_case_fails_the_audit_that_reads_only_the_new_cases(
    tmp_path: Path,
) -> None:
    sql = _tree(tmp_path / "sql")
    # Looks at each case on its own: an incremental build runs it over the new cases only.
    (sql / "tests" / "int_cases_have_a_unit.sql").write_text(
        "-- severity: error\n-- incremental: case_code\nfrom int_cases where unit is null\n",
        encoding="utf-8",
    )
    target = tmp_path / "w.duckdb"
    build(target, _prepare(OLD_CASES, ["U1", "U2"]), sql)
    published = target.read_bytes()
    no_unit = [("C9", 1, None, date(2024, 2, 2), "late")]
    with pytest.raises(AuditError, match="int_cases_have_a_unit failed: 1 violating"):
        build(
            target,
            _prepare(OLD_CASES + no_unit, ["U1", "U2"]),
            sql,
            increment=Increment("SELECT 'C9' AS key"),
        )
    assert target.read_bytes() == published
    # The published rows are not read again: their audit passed when they were published. A
    # published row broken behind the pipeline's back shows it: only a full audit sees it.
    with duckdb.connect(str(target)) as con:
        con.execute("UPDATE int_cases SET unit = NULL WHERE case_code = 'C1'")
    result = build(
        target, _prepare(OLD_CASES + NEW_CASES, ["U1", "U2"]), sql, increment=Increment(NEW_KEYS)
    )
    assert [a.violations for a in result.audits if a.name == "int_cases_have_a_unit"] == [0]
    with duckdb.connect(str(target), read_only=True) as con:
        full = run_audits(con, sql / "tests")
    assert [a.violations for a in full if a.name == "int_cases_have_a_unit"] == [1]
