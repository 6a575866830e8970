"""Exports by part (flows/warehouse/publish.py) on real DuckDB warehouse files.

Each warehouse holds small tables named like the marts: `fct_filings` (partitioned by the year
of `received_at`, as sql/marts/schema.toml says), `dq_rejects` (by the source folder of its
file) and whole tables. The exports are read back with DuckDB and pandas, and a second export
after a change is checked on the file system: the parts that did not change are the same files
(same inode), the others new ones, and no staging folder is left.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.dataset as ds
import pytest

import flows.warehouse.publish as publish
from flows.paths import DataPaths
from flows.warehouse.publish import (
    MANIFEST_FILE,
    NULL_PART,
    ExportError,
    Part,
    configured_partitions,
    export_marts,
)
from flows.warehouse.schema import ExportPartition, SchemaError, load_schema_file

FILINGS = """
CREATE TABLE fct_filings AS
SELECT 'C' || lpad(i::VARCHAR, 3, '0') AS case_code,
       TIMESTAMP '2020-01-01 08:00' + to_days((i * 37) % 1000) AS received_at,
       ['early', 'on_time', 'late'][i % 3 + 1] AS outcome,
       i % 4 AS status_code
FROM range(60) AS r(i)
"""
REJECTS = """
CREATE TABLE dq_rejects AS
SELECT * FROM (VALUES
    ('raw/igate/2020/a.xlsx', 3, 'no case code'),
    ('raw/igate/2021/b.xlsx', 9, 'bad date'),
    ('raw/igate/2021/b.xlsx', 9, 'bad date'),
    ('raw/postal/q1.xlsx', 2, 'no item code')
) AS t(file, row_number, reason)
"""
BIEU06 = "CREATE TABLE rpt_bieu06 AS SELECT range AS n, 'u' || range AS unit FROM range(5)"
NOT_A_MART = "CREATE TABLE int_cases AS SELECT 1 AS x"


def _warehouse(tmp_path: Path, *statements: str) -> DataPaths:
    paths = DataPaths(tmp_path / "data")
    paths.processed.mkdir(parents=True)
    with duckdb.connect(str(paths.warehouse)) as con:
        for sql in statements or (FILINGS, REJECTS, BIEU06, NOT_A_MART):
            con.execute(sql)
    return paths


def _change(paths: DataPaths, sql: str) -> None:
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute(sql)


def _files(folder: Path) -> dict[str, os.stat_result]:
    return {
        p.relative_to(folder).as_posix(): p.stat() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _digests(folder: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in _files(folder)
    }


def _table(paths: DataPaths, sql: str) -> list[tuple]:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _leftovers(paths: DataPaths) -> list[Path]:
    return sorted(paths.processed.glob(".exports.*"))


# ---- layout and reading back ----------------------------------------------------------------


def test_the_configured_tables_are_partitioned_by_year_and_source() -> None:
    partitions = configured_partitions()
    assert partitions["fct_filings"] == ExportPartition("year", "year(received_at)")
    assert partitions["dq_rejects"].column == "source"
    assert "rpt_bieu06" not in partitions


def test_parts_are_written_per_year_and_read_back_as_the_table(tmp_path: Path) -> None:
    paths = _warehouse(tmp_path)
    written = export_marts(paths)
    exports = paths.exports
    years = [y for (y,) in _table(paths, "SELECT DISTINCT year(received_at) FROM fct_filings")]
    assert sorted(years) == [2020, 2021, 2022]
    for year in years:
        stem = f"fct_filings.year={year}"
        assert (exports / "fct_filings" / f"year={year}" / f"{stem}.parquet").is_file()
        assert (exports / f"{stem}.csv").is_file()
    assert {p.name for p in (exports / "dq_rejects").iterdir()} == {"source=igate", "source=postal"}
    assert (exports / "rpt_bieu06.parquet").is_file() and (exports / "rpt_bieu06.csv").is_file()
    assert not any(exports.glob("int_cases*"))
    assert sorted(written) == sorted(
        p for p in exports.rglob("*") if p.is_file() and p.name[0] != "."
    )

    table = _table(paths, "SELECT *, year(received_at) FROM fct_filings ORDER BY ALL")
    with duckdb.connect() as con:
        glob = f"{exports}/fct_filings/**/*.parquet"
        back = con.execute(
            f"SELECT * FROM read_parquet('{glob}', hive_partitioning = true) ORDER BY ALL"
        ).fetchall()
        assert back == table
        # Each part's CSV holds its year's rows, in the order of its Parquet file.
        for year in years:
            part = con.execute(
                f"SELECT * FROM read_csv('{exports}/fct_filings.year={year}.csv')"
            ).fetchall()
            assert part == [row[:-1] for row in table if row[-1] == year]
        rejects = con.execute(
            f"SELECT file, row_number, reason, source FROM "
            f"read_parquet('{exports}/dq_rejects/**/*.parquet', hive_partitioning = true) "
            "ORDER BY ALL"
        ).fetchall()
    assert rejects == _table(
        paths, "SELECT *, split_part(file, '/', 2) FROM dq_rejects ORDER BY ALL"
    )

    frame = pd.read_parquet(exports / "fct_filings")
    frame["year"] = frame["year"].astype(int)
    frame = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    expected = pd.DataFrame(table, columns=[*frame.columns])
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False)


def test_null_and_empty_values_are_the_default_part_read_as_null(tmp_path: Path) -> None:
    paths = _warehouse(
        tmp_path,
        FILINGS,
        "INSERT INTO fct_filings VALUES ('N1', NULL, 'late', 1)",
        "CREATE TABLE dq_rejects (file VARCHAR, row_number BIGINT, reason VARCHAR)",
    )
    export_marts(paths)
    exports = paths.exports
    assert (exports / "fct_filings" / f"year={NULL_PART}").is_dir()
    with duckdb.connect() as con:
        nulls = con.execute(
            f"SELECT case_code FROM read_parquet('{exports}/fct_filings/**/*.parquet', "
            "hive_partitioning = true) WHERE year IS NULL"
        ).fetchall()
        assert nulls == [("N1",)]
        # A table without rows is one empty part: its columns are still there to read.
        empty = con.execute(
            f"SELECT * FROM read_parquet('{exports}/dq_rejects/**/*.parquet', "
            "hive_partitioning = true)"
        )
        assert [d[0] for d in empty.description] == ["file", "row_number", "reason", "source"]
        assert empty.fetchall() == []
    # pyarrow cannot yet put a NULL into the dictionary it makes of partition values.
    frame = pd.read_parquet(
        exports / "fct_filings",
        partitioning=ds.HivePartitioning.discover(infer_dictionary=False),
    )
    assert frame.loc[frame["case_code"] == "N1", "year"].isna().all()
    assert len(frame) == 61


def test_a_value_with_path_characters_is_encoded_and_decoded(tmp_path: Path) -> None:
    paths = _warehouse(
        tmp_path, "CREATE TABLE dim_t AS SELECT * FROM (VALUES ('a/b c', 1), ('Hà Nội', 2)) t(k, v)"
    )
    export_marts(paths, {"dim_t": ExportPartition("key", "k")})
    with duckdb.connect() as con:
        back = con.execute(
            f"SELECT key, v FROM read_parquet('{paths.exports}/dim_t/**/*.parquet', "
            "hive_partitioning = true) ORDER BY v"
        ).fetchall()
    assert back == [("a/b c", 1), ("Hà Nội", 2)]
    assert sorted(pd.read_parquet(paths.exports / "dim_t")["key"].astype(str)) == [
        "Hà Nội",
        "a/b c",
    ]


# ---- rewriting only what changed -------------------------------------------------------------


def test_a_change_in_one_year_rewrites_only_that_year(tmp_path: Path) -> None:
    paths = _warehouse(tmp_path)
    export_marts(paths)
    before = _files(paths.exports)
    _change(paths, "UPDATE fct_filings SET outcome = 'late' WHERE year(received_at) = 2021")
    export_marts(paths)
    after = _files(paths.exports)
    assert set(after) == set(before)

    changed = {"fct_filings/year=2021/fct_filings.year=2021.parquet", "fct_filings.year=2021.csv"}
    for name, stat in after.items():
        if name in changed:
            assert stat.st_ino != before[name].st_ino, name
        elif name == MANIFEST_FILE:
            continue
        else:
            # The same file, linked into the new set: not a copy, not a rewrite.
            assert (stat.st_ino, stat.st_mtime_ns) == (
                before[name].st_ino,
                before[name].st_mtime_ns,
            ), name
            assert stat.st_nlink == 1  # the old set is gone
    assert _leftovers(paths) == []

    # What was kept and what was written make the same bytes as a first export of the data.
    fresh = DataPaths(tmp_path / "fresh")
    fresh.processed.mkdir(parents=True)
    shutil.copy(paths.warehouse, fresh.warehouse)
    export_marts(fresh)
    assert _digests(paths.exports) == _digests(fresh.exports)


def test_nothing_changed_rewrites_nothing_and_keeps_the_bytes(tmp_path: Path) -> None:
    paths = _warehouse(tmp_path)
    export_marts(paths)
    before = _files(paths.exports)
    digests = _digests(paths.exports)
    export_marts(paths)
    after = _files(paths.exports)
    assert {n: s.st_ino for n, s in after.items() if n != MANIFEST_FILE} == {
        n: s.st_ino for n, s in before.items() if n != MANIFEST_FILE
    }
    assert _digests(paths.exports) == digests
    assert _leftovers(paths) == []


def test_duplicate_rows_do_not_cancel_out_of_the_fingerprint(tmp_path: Path) -> None:
    paths = _warehouse(tmp_path)
    export_marts(paths)
    igate = "dq_rejects/source=igate/dq_rejects.source=igate.parquet"
    before = _files(paths.exports)[igate]
    # Two equal rows XOR to zero: a pair of new equal rows leaves the XOR of the part as it was.
    _change(
        paths,
        "INSERT INTO dq_rejects VALUES ('raw/igate/x.xlsx', 1, 'r'), ('raw/igate/x.xlsx', 1, 'r')",
    )
    export_marts(paths)
    assert _files(paths.exports)[igate].st_ino != before.st_ino
    with duckdb.connect() as con:
        rows = con.execute(f"SELECT count(*) FROM '{paths.exports / igate}'").fetchone()[0]
    assert rows == 5
    # A pair of equal rows replaced by another pair: the same count and XOR, not the same sum.
    before = _files(paths.exports)[igate]
    _change(paths, "UPDATE dq_rejects SET reason = 'other' WHERE reason = 'bad date'")
    export_marts(paths)
    assert _files(paths.exports)[igate].st_ino != before.st_ino


def test_a_new_year_adds_a_part_and_a_year_gone_removes_it(tmp_path: Path) -> None:
    paths = _warehouse(tmp_path)
    export_marts(paths)
    _change(
        paths,
        "INSERT INTO fct_filings VALUES ('N1', TIMESTAMP '2023-01-02 08:00', 'late', 1);"
        "DELETE FROM fct_filings WHERE year(received_at) = 2020",
    )
    export_marts(paths)
    years = sorted(p.name for p in (paths.exports / "fct_filings").iterdir())
    assert years == ["year=2021", "year=2022", "year=2023"]
    assert not (paths.exports / "fct_filings.year=2020.csv").exists()


def test_a_damaged_or_missing_file_is_written_again(tmp_path: Path) -> None:
    paths = _warehouse(tmp_path)
    export_marts(paths)
    digests = _digests(paths.exports)
    csv = paths.exports / "fct_filings.year=2022.csv"
    csv.write_text("edited in Excel\n", encoding="utf-8")
    (paths.exports / "rpt_bieu06.parquet").unlink()
    export_marts(paths)
    assert _digests(paths.exports) == digests


def test_without_hard_links_the_files_are_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _warehouse(tmp_path)
    export_marts(paths)
    digests = _digests(paths.exports)
    before = _files(paths.exports)

    def no_links(source: object, target: object) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(publish.os, "link", no_links)
    export_marts(paths)
    assert _digests(paths.exports) == digests
    name = "fct_filings/year=2020/fct_filings.year=2020.parquet"
    assert _files(paths.exports)[name].st_ino != before[name].st_ino


# ---- CSV for Excel ---------------------------------------------------------------------------


def _csv_rows(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("exact", [True, False], ids=["from-parquet", "from-table"])
def test_a_csv_past_the_limit_is_split_into_numbered_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exact: bool
) -> None:
    # A HUGEINT does not come back from Parquet as it was: that table's CSV is read from the
    # table itself; both ways give the same files.
    kind = "BIGINT" if exact else "HUGEINT"
    paths = _warehouse(
        tmp_path,
        f"CREATE TABLE rpt_big AS SELECT (6 - range)::{kind} AS n FROM range(7)",
        "CREATE TABLE rpt_fits AS SELECT range AS n FROM range(3)",
        FILINGS,
    )
    monkeypatch.setattr(publish, "CSV_MAX_ROWS", 3)
    export_marts(paths)
    exports = paths.exports
    assert not (exports / "rpt_big.csv").exists()
    parts = sorted(p.name for p in exports.glob("rpt_big.*.csv"))
    assert parts == ["rpt_big.001.csv", "rpt_big.002.csv", "rpt_big.003.csv"]
    assert [_csv_rows(exports / name) for name in parts] == [
        ["n", "0", "1", "2"],
        ["n", "3", "4", "5"],
        ["n", "6"],
    ]
    # Exactly at the limit: one file, not numbered.
    assert _csv_rows(exports / "rpt_fits.csv") == ["n", "0", "1", "2"]
    assert not any(exports.glob("rpt_fits.0*.csv"))
    # A part of a partitioned table is split the same way; its Parquet file stays whole.
    rows_2020 = _table(paths, "SELECT count(*) FROM fct_filings WHERE year(received_at) = 2020")
    count = rows_2020[0][0]
    split = sorted(exports.glob("fct_filings.year=2020.*.csv"))
    assert len(split) == -(-count // 3)
    assert sum(len(_csv_rows(p)) - 1 for p in split) == count
    with duckdb.connect() as con:
        whole = con.execute(
            f"SELECT count(*) FROM '{exports}/fct_filings/year=2020/fct_filings.year=2020.parquet'"
        ).fetchone()[0]
    assert whole == count


def test_raising_the_limit_again_writes_single_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _warehouse(tmp_path)
    monkeypatch.setattr(publish, "CSV_MAX_ROWS", 2)
    export_marts(paths)
    assert (paths.exports / "rpt_bieu06.001.csv").is_file()
    monkeypatch.setattr(publish, "CSV_MAX_ROWS", 1_048_575)
    export_marts(paths)
    assert sorted(p.name for p in paths.exports.glob("rpt_bieu06*")) == [
        "rpt_bieu06.csv",
        "rpt_bieu06.parquet",
    ]


# ---- failures --------------------------------------------------------------------------------


def test_a_failure_mid_export_leaves_the_previous_exports_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _warehouse(tmp_path)
    export_marts(paths)
    before = _digests(paths.exports)
    _change(paths, "UPDATE fct_filings SET outcome = 'late'; UPDATE rpt_bieu06 SET n = n + 1")
    write_part = publish.write_part
    calls = []

    def disk_full_on_the_second_part(
        con: duckdb.DuckDBPyConnection, staging: Path, part: Part, exact: bool = False
    ) -> dict[str, int]:
        calls.append(part.name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return write_part(con, staging, part, exact)

    monkeypatch.setattr(publish, "write_part", disk_full_on_the_second_part)
    with pytest.raises(ExportError, match=r"fct_filings/year=2021: .*No space left on device"):
        export_marts(paths)
    assert calls == ["fct_filings/year=2020", "fct_filings/year=2021"]
    assert _digests(paths.exports) == before
    assert _leftovers(paths) == []

    monkeypatch.setattr(publish, "write_part", write_part)
    export_marts(paths)
    assert _digests(paths.exports) != before


def test_a_bad_partition_expression_names_the_table(tmp_path: Path) -> None:
    paths = _warehouse(tmp_path)
    export_marts(paths)
    before = _digests(paths.exports)
    bad = {"fct_filings": ExportPartition("year", "year(no_such_column)")}
    with pytest.raises(ExportError, match=r"fct_filings: .*year\(no_such_column\)"):
        export_marts(paths, bad)
    assert _digests(paths.exports) == before
    assert _leftovers(paths) == []


def _schema(tmp_path: Path, partition: str) -> Path:
    path = tmp_path / "schema.toml"
    path.write_text(
        f"[t]\nmeaning = 'm'\ngrain = 'g'\nexport_partition = {partition}\n"
        "[t.columns.c]\nmeaning = 'c'\nlabel = 'C'\n",
        encoding="utf-8",
    )
    return path


def test_the_schema_reads_an_export_partition(tmp_path: Path) -> None:
    schema = load_schema_file(_schema(tmp_path, "{ column = 'y', expression = 'year(c)' }"))
    assert schema.tables["t"].export_partition == ExportPartition("y", "year(c)")


@pytest.mark.parametrize(
    ("partition", "message"),
    [
        ("'year(c)'", r"\[t\] `export_partition` must be \{ column"),
        ("{ column = 'y' }", r"\[t\] `export_partition` must be \{ column"),
        ("{ column = 'c', expression = 'c' }", r"\[t\] .*'c' is a column of the table"),
        ("{ column = 'Năm', expression = 'c' }", r"\[t\] .*lower-case identifier, not 'Năm'"),
        ("{ column = 'y', expression = '' }", r"\[t\.export_partition\] needs `expression`"),
    ],
)
def test_a_bad_export_partition_is_named_with_the_file(
    tmp_path: Path, partition: str, message: str
) -> None:
    path = _schema(tmp_path, partition)
    with pytest.raises(SchemaError, match=message) as caught:
        load_schema_file(path)
    assert str(path) in str(caught.value)
