"""Publishing: the marts of the published warehouse as Parquet and CSV files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from flows.paths import DataPaths
from flows.warehouse.digest import stored_inputs

MART_PREFIXES = ("fct_", "rpt_", "ind_", "dq_", "dim_")
# The digest of the build the exports were written from (flows/warehouse/digest.py).
DIGEST_FILE = ".build_digest"


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The output tables of the contract, in name order."""
    names = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main' ORDER BY table_name"
    ).fetchall()
    return [n for (n,) in names if n.startswith(MART_PREFIXES)]


def remove_stale_exports(paths: DataPaths) -> None:
    """Remove what an export that died or failed left: its staging, or the set it renamed."""
    # They are named by another pid; one run at a time holds the data root, so every such
    # folder is stale.
    for leftover in paths.processed.glob(".exports.*"):
        if leftover.suffix in (".tmp", ".old") and leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)


def export_marts(paths: DataPaths) -> list[Path]:
    """Write every mart to exports/ (Parquet and CSV), replacing the previous set at once."""
    remove_stale_exports(paths)
    staging = paths.processed / f".exports.{os.getpid()}.tmp"
    staging.mkdir(parents=True)
    written: list[Path] = []
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        for table in mart_tables(con):
            # ORDER BY ALL makes two runs over the same data write identical files.
            query = f"SELECT * FROM {table} ORDER BY ALL"
            parquet = staging / f"{table}.parquet"
            csv = staging / f"{table}.csv"
            con.execute(f"COPY ({query}) TO '{parquet}' (FORMAT parquet, COMPRESSION zstd)")
            con.execute(f"COPY ({query}) TO '{csv}' (FORMAT csv, HEADER true)")
            written += [paths.exports / parquet.name, paths.exports / csv.name]
        inputs = stored_inputs(con)
    if inputs is not None:
        (staging / DIGEST_FILE).write_text(inputs.digest + "\n", encoding="utf-8")
    old = paths.processed / f".exports.{os.getpid()}.old"
    if paths.exports.exists():
        os.replace(paths.exports, old)
    os.replace(staging, paths.exports)
    if old.exists():
        shutil.rmtree(old)
    return written


def exported_digest(paths: DataPaths) -> str | None:
    """The digest of the build the current exports were written from, if they say."""
    marker = paths.exports / DIGEST_FILE
    if not marker.exists():
        return None
    return marker.read_text(encoding="utf-8").strip() or None
