"""The tables the SQL models read: landing Parquet as `land_*` views, plus reference helpers.

All of them are TEMP objects: they point at landing files by path and vanish with the build
connection, so the published warehouse holds only the models' own tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from flows.ingest.landing import REJECT_SCHEMA, FileResult, landing_schema
from flows.ingest.profile import get_profile
from flows.ingest.sources import landed_views
from flows.ingest.text import name_key, sector_key
from flows.warehouse.calendar import public_holidays

FILES_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("source", pa.string()),
        ("sheet", pa.string()),
        ("sheet_index", pa.int32()),
        ("status", pa.string()),
        ("rows_read", pa.int64()),
        ("rows_loaded", pa.int64()),
        ("rows_rejected", pa.int64()),
        ("rows_skipped", pa.int64()),
        ("message", pa.string()),
    ]
)


def _sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _files_table(results: Sequence[FileResult]) -> pa.Table:
    rows = []
    for result in results:
        for sheet in result.sheets:
            rows.append(
                {
                    "file": result.file,
                    "source": result.source,
                    "sheet": sheet.sheet,
                    "sheet_index": sheet.sheet_index,
                    "status": sheet.status,
                    "rows_read": sheet.rows_read,
                    "rows_loaded": sheet.rows_loaded,
                    "rows_rejected": sheet.rows_rejected,
                    "rows_skipped": sheet.rows_skipped,
                    "message": sheet.message,
                }
            )
    return pa.Table.from_pylist(rows, schema=FILES_SCHEMA)


def _manifest_table(results: Sequence[FileResult]) -> pa.Table:
    # A file recorded as failed has a landing key but no Parquet: nothing to read.
    landed = [r for r in results if r.key is not None and r.data_path is not None]
    return pa.table(
        {
            "file": pa.array([r.file for r in landed], pa.string()),
            "source": pa.array([r.source for r in landed], pa.string()),
            "data_path": pa.array([r.data_path for r in landed], pa.string()),
            "rejects_path": pa.array([r.rejects_path for r in landed], pa.string()),
        }
    )


def _create_land_view(
    con: duckdb.DuckDBPyConnection, source: str, view: str, data_paths: list[str]
) -> None:
    schema = landing_schema(get_profile(source))
    if not data_paths:
        con.register(f"_{view}_empty", schema.empty_table())
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {view} AS "
            f"SELECT NULL::VARCHAR AS source_file, * FROM _{view}_empty"
        )
        return
    # The same bytes under two names land once and count twice: join by path, not by key.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW {view} AS
        SELECT m.file AS source_file, p.* EXCLUDE (filename)
        FROM read_parquet({_sql_list(data_paths)}, filename = true) AS p
        JOIN land_manifest AS m ON m.data_path = p.filename
        """
    )


def prepare_inputs(con: duckdb.DuckDBPyConnection, results: Sequence[FileResult]) -> None:
    """Create every provided table of docs/architecture.md on a build connection."""
    con.create_function("name_key", name_key, [str], str, side_effects=False)
    con.create_function("sector_key", sector_key, [str], str, side_effects=False)

    manifest = _manifest_table(results)
    con.register("_land_manifest", manifest)
    con.execute("CREATE OR REPLACE TEMP TABLE land_manifest AS SELECT * FROM _land_manifest")
    con.register("_land_files", _files_table(results))
    con.execute("CREATE OR REPLACE TEMP TABLE land_files AS SELECT * FROM _land_files")
    con.register("_ref_public_holidays", public_holidays())
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ref_public_holidays AS SELECT * FROM _ref_public_holidays"
    )

    # One view per source of the registry (each profile's `[source] view`).
    for source, view in landed_views().items():
        paths = sorted({r.data_path for r in results if r.profile == source and r.data_path})
        _create_land_view(con, source, view, paths)

    rejects = sorted({r.rejects_path for r in results if r.rejects_path})
    if rejects:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP VIEW land_rejects AS
            SELECT m.file, r.sheet, r.row_number, r.field, r.raw_value, r.reason, r.severity
            FROM read_parquet({_sql_list(rejects)}, filename = true) AS r
            JOIN land_manifest AS m ON m.rejects_path = r.filename
            """
        )
    else:
        con.register("_land_rejects_empty", REJECT_SCHEMA.empty_table())
        con.execute(
            "CREATE OR REPLACE TEMP VIEW land_rejects AS "
            "SELECT NULL::VARCHAR AS file, * FROM _land_rejects_empty"
        )
