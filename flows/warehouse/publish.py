"""Publishing: the marts of the published warehouse as Parquet and CSV files.

`processed/exports/` holds every mart (`MART_PREFIXES`):

    <table>.parquet, <table>.csv                    a table exported whole
    <table>/<column>=<value>/<table>.<column>=<value>.parquet
    <table>.<column>=<value>.csv                    one part of a partitioned table
    .manifest.json                                  every part's fingerprint and files
    .build_digest                                   the build the exports were written from

A table is partitioned when `sql/marts/schema.toml` gives it an `export_partition`: one part
per value of an SQL expression over its rows, as a Hive-style folder that DuckDB
(`read_parquet('exports/<table>/**/*.parquet', hive_partitioning = true)`) and pandas
(`read_parquet('exports/<table>')`) read back as one table with the value as a column. A NULL
or empty value is the part `<column>=__HIVE_DEFAULT_PARTITION__`, which both read as NULL
(pandas only with `partitioning=pyarrow.dataset.HivePartitioning.discover(
infer_dictionary=False)` while other parts exist: pyarrow cannot yet combine a NULL with the
dictionary it makes of the values). The value is percent-encoded in paths, as both decode it.
A partitioned table with no rows is one empty part, so readers still find its columns.

Excel opens at most `CSV_MAX_ROWS` data rows: a CSV that would hold more is written as
`<stem>.001.csv`, `<stem>.002.csv`, … in the same order, each with the header and at most
`CSV_MAX_ROWS` rows, and no `<stem>.csv`. The Parquet file always holds the whole part.

Only parts whose rows changed are written. Every part has a fingerprint computed inside DuckDB
(the row count, and the XOR and the sum of the hash of every whole row: order-independent, and
two equal rows cancel in the XOR but not in the sum), over the table's columns and types and
the writer's settings (DuckDB version, options, `CSV_MAX_ROWS`). A part whose fingerprint and
files are those of the manifest of the current exports is hard-linked (copied where links are
impossible) into the new set instead of written: the same rows written the same way give the
same bytes, so the new set is byte for byte what writing every part would give.

Every file is written or linked into a staging folder that replaces `exports/` as a whole, so a
reader sees the previous set or the new one, never a mix; a failure leaves the previous set.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import duckdb

from flows.paths import SQL_DIR, DataPaths
from flows.warehouse.digest import stored_inputs
from flows.warehouse.schema import ExportPartition, SchemaError, export_partitions, load_schema

MART_PREFIXES = ("fct_", "rpt_", "ind_", "dq_", "dim_")
# The digest of the build the exports were written from (flows/warehouse/digest.py).
DIGEST_FILE = ".build_digest"
MANIFEST_FILE = ".manifest.json"
# Excel opens 1,048,576 rows: the header and 1,048,575 data rows. Tests lower it.
CSV_MAX_ROWS = 1_048_575
# Hive's name for the part of NULL values; DuckDB and pyarrow read it as NULL.
NULL_PART = "__HIVE_DEFAULT_PARTITION__"
# Raise when the files written from the same rows change, so that no older file is reused.
FORMAT_VERSION = 1
PARQUET_OPTIONS = "FORMAT parquet, COMPRESSION zstd"
CSV_OPTIONS = "FORMAT csv, HEADER true"
# Column types a Parquet file gives back exactly as the table holds them (a HUGEINT, say,
# comes back a DOUBLE), so a CSV can be written from the sorted Parquet file, not sorted again.
PARQUET_EXACT_TYPES = frozenset(
    {"BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "DOUBLE", "VARCHAR", "DATE"}
    | {"TIMESTAMP"}
)
_ROW = "__cchc_row"  # the alias whose name stands for the whole row in hash()
LOG = logging.getLogger("cchc")


class ExportError(OSError):
    """An export could not be written; the message names the table, the part and the reason.

    An OSError, as a full disk would be: the pipeline reports it and keeps the published
    warehouse, and the previous exports stay whole.
    """


@dataclass(frozen=True)
class Part:
    """One file set of the exports: a whole table, or the rows of one partition value."""

    table: str
    name: str  # the manifest's key: `<table>` or `<table>/<column>=<value>`
    stem: str  # the files' name: `<table>` or `<table>.<column>=<value>`
    parquet: str  # path relative to exports/
    where: str  # the SQL condition selecting its rows ("" for a whole table)
    rows: int
    fingerprint: str


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


def configured_partitions(sql_dir: Path = SQL_DIR) -> dict[str, ExportPartition]:
    """table -> its `export_partition` in `<sql_dir>/marts/schema.toml`."""
    try:
        return export_partitions(load_schema(sql_dir))
    except SchemaError as exc:
        raise ExportError(f"exports: {exc}") from exc


def export_marts(
    paths: DataPaths, partitions: Mapping[str, ExportPartition] | None = None
) -> list[Path]:
    """Write every mart to exports/, rewriting only the parts that changed; returns its files.

    `partitions` is how tables are split (by default as sql/marts/schema.toml says). The new
    set replaces the previous one at once; on any failure the previous set stays whole.
    """
    remove_stale_exports(paths)
    if partitions is None:
        partitions = configured_partitions()
    previous = _read_manifest(paths.exports)
    staging = paths.processed / f".exports.{os.getpid()}.tmp"
    staging.mkdir(parents=True)
    try:
        manifest, digest = _write_set(paths, staging, partitions, previous)
        if digest is not None:
            (staging / DIGEST_FILE).write_text(digest + "\n", encoding="utf-8")
        manifest_text = json.dumps(
            {"format": FORMAT_VERSION, "parts": manifest}, indent=1, sort_keys=True
        )
        (staging / MANIFEST_FILE).write_text(manifest_text + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = paths.processed / f".exports.{os.getpid()}.old"
    if paths.exports.exists():
        os.replace(paths.exports, old)
    os.replace(staging, paths.exports)
    if old.exists():
        shutil.rmtree(old)
    return [paths.exports / name for entry in manifest.values() for name in entry["files"]]


def exported_digest(paths: DataPaths) -> str | None:
    """The digest of the build the current exports were written from, if they say."""
    marker = paths.exports / DIGEST_FILE
    if not marker.exists():
        return None
    return marker.read_text(encoding="utf-8").strip() or None


# --------------------------------------------------------------------------------------------
# Parts and their fingerprints
# --------------------------------------------------------------------------------------------


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _value_sql(partition: ExportPartition) -> str:
    # As text, so that the GROUP BY and each part's WHERE compare the same thing; NULL and ''
    # (which Hive also files as its default part) become one part, not two in one folder.
    return f"coalesce(nullif(CAST(({partition.expression}) AS VARCHAR), ''), {_literal(NULL_PART)})"


def _writer() -> dict[str, object]:
    """What, besides the rows, decides the bytes of the files."""
    return {
        "format": FORMAT_VERSION,
        "duckdb": duckdb.__version__,
        "parquet": PARQUET_OPTIONS,
        "csv": CSV_OPTIONS,
        "csv_max_rows": CSV_MAX_ROWS,
    }


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "AND table_name = ? ORDER BY column_index",
        [table],
    ).fetchall()


def table_parts(
    con: duckdb.DuckDBPyConnection, table: str, partition: ExportPartition | None
) -> list[Part]:
    """The parts `table` is exported as, each with its fingerprint, in one pass over its rows."""
    relation = _ident(table)
    columns = _columns(con, table)
    value = _value_sql(partition) if partition else _literal("")
    try:
        rows = con.execute(
            f"SELECT value, count(*), coalesce(bit_xor(h), 0), coalesce(sum(h), 0) FROM ("
            f"SELECT {value} AS value, hash({_ROW}) AS h FROM {relation} AS {_ROW}"
            ") GROUP BY value ORDER BY value"
        ).fetchall()
    except duckdb.Error as exc:
        how = f"its export_partition `{partition.expression}`" if partition else "its rows"
        raise ExportError(f"exports: {table}: cannot read {how}: {exc}") from exc
    if partition and not rows:
        rows = [(NULL_PART, 0, 0, 0)]  # one empty part: readers still find the columns
    if not rows:
        rows = [("", 0, 0, 0)]
    shared = [
        _writer(),
        table,
        columns,
        [partition.column, partition.expression] if partition else None,
    ]
    parts = []
    for text, count, xor, total in rows:
        fingerprint = hashlib.sha256(
            json.dumps([*shared, text, count, str(xor), str(total)]).encode()
        ).hexdigest()
        if partition is None:
            parts.append(Part(table, table, table, f"{table}.parquet", "", count, fingerprint))
            continue
        folder = f"{partition.column}={quote(text, safe='')}"
        stem = f"{table}.{folder}"
        parts.append(
            Part(
                table=table,
                name=f"{table}/{folder}",
                stem=stem,
                parquet=f"{table}/{folder}/{stem}.parquet",
                where=f"WHERE {_value_sql(partition)} = {_literal(text)}",
                rows=count,
                fingerprint=fingerprint,
            )
        )
    return parts


# --------------------------------------------------------------------------------------------
# Writing the set
# --------------------------------------------------------------------------------------------


def _write_set(
    paths: DataPaths,
    staging: Path,
    partitions: Mapping[str, ExportPartition],
    previous: dict[str, dict],
) -> tuple[dict[str, dict], str | None]:
    manifest: dict[str, dict] = {}
    written = kept = 0
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        # Unattended: a progress bar would only fill the logs.
        con.execute("SET enable_progress_bar = false")
        for table in mart_tables(con):
            exact = {t for _, t in _columns(con, table)} <= PARQUET_EXACT_TYPES
            for part in table_parts(con, table, partitions.get(table)):
                try:
                    files = _reusable(previous.get(part.name), part, paths.exports)
                    if files is not None:
                        for name in files:
                            _link_or_copy(paths.exports / name, staging / name)
                        kept += 1
                    else:
                        files = write_part(con, staging, part, exact)
                        written += 1
                except (duckdb.Error, OSError) as exc:
                    raise ExportError(f"exports: {part.name}: {exc}") from exc
                manifest[part.name] = {"fingerprint": part.fingerprint, "files": files}
        inputs = stored_inputs(con)
    LOG.info("exports: %d part(s) written, %d unchanged kept", written, kept)
    return manifest, (inputs.digest if inputs is not None else None)


def _csv_names(part: Part) -> list[str]:
    if part.rows <= CSV_MAX_ROWS:
        return [f"{part.stem}.csv"]
    count = -(-part.rows // CSV_MAX_ROWS)
    return [f"{part.stem}.{n:03d}.csv" for n in range(1, count + 1)]


def write_part(
    con: duckdb.DuckDBPyConnection, staging: Path, part: Part, exact: bool = False
) -> dict[str, int]:
    """Write one part's Parquet file and CSV file(s) under `staging`; returns name -> size.

    `exact`: every column comes back from Parquet as it is, so the CSV is read from the
    Parquet file just written (already sorted) rather than sorted again.
    """
    # ORDER BY ALL makes two runs over the same data write identical files.
    query = " ".join(
        filter(None, [f"SELECT * FROM {_ident(part.table)}", part.where, "ORDER BY ALL"])
    )
    parquet = staging / part.parquet
    parquet.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"COPY ({query}) TO {_literal(str(parquet))} ({PARQUET_OPTIONS})")
    source = (
        # Not the folder's <column>=<value>, which DuckDB would otherwise add as a column.
        f"SELECT * FROM read_parquet({_literal(str(parquet))}, hive_partitioning = false)"
        if exact
        else query
    )
    names = _csv_names(part)
    for n, name in enumerate(names):
        rows = (
            source
            if len(names) == 1
            else f"{source} LIMIT {CSV_MAX_ROWS} OFFSET {n * CSV_MAX_ROWS}"
        )
        con.execute(f"COPY ({rows}) TO {_literal(str(staging / name))} ({CSV_OPTIONS})")
    return {name: (staging / name).stat().st_size for name in [part.parquet, *names]}


def _reusable(entry: dict | None, part: Part, exports: Path) -> dict[str, int] | None:
    """The files of the current exports that hold exactly `part`, if all are still there."""
    if not entry or entry.get("fingerprint") != part.fingerprint:
        return None
    files = entry.get("files")
    if not isinstance(files, dict) or not files:
        return None
    for name, size in files.items():
        path = exports / name
        # A file someone replaced or truncated since is written again, not passed on.
        if not isinstance(name, str) or not path.is_file() or path.stat().st_size != size:
            return None
    return files


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        # The old set is removed after the swap: the new set's link then holds the bytes.
        os.link(source, target)
    except OSError:
        # A file system without hard links (some network shares), or another device.
        shutil.copy2(source, target)


def _read_manifest(exports: Path) -> dict[str, dict]:
    """The parts of the current exports; none when it has no readable manifest of this format."""
    try:
        data = json.loads((exports / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        # No manifest (exports written before it existed, or none yet): write every part.
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        return {}
    parts = data.get("parts")
    if not isinstance(parts, dict):
        return {}
    return {name: entry for name, entry in parts.items() if isinstance(entry, dict)}
