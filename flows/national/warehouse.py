"""The national warehouse: `<root>/national.duckdb`, from the provinces' published exports.

Built like a province's (flows/warehouse/runner.py `build`): into `national.duckdb.building`,
the national audits and the generic checks of `flows/national/sql/marts/schema.toml` run,
and only then is it swapped in with one rename; a failed audit keeps yesterday's file. The
models (`flows/national/sql/`) start from tables this module provides:

- `src_<table>` for rpt_bieu06, ind_late, ind_channels, ind_igate_uptake, ind_documents and
  dim_as_of: each province's published `exports/<table>.parquet`, the columns of
  PROVINCE_TABLES only, with a `province` column first. Only these small marts are read
  (never fct_filings, whose export may be a partitioned folder).
- `src_provinces`: one row per province folder: how its run ended, whether its exports were
  read (`included`) and whether they are yesterday's (`stale`).
- `src_crosswalk`: the crosswalk rows as read (flows/national/crosswalk.py).

A province's exports are read under its run lock (flows/ops/runlock.py), so a province
publishing at that moment is read before or after its exports are swapped, never between.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from flows.national.crosswalk import COLUMNS as CROSSWALK_COLUMNS
from flows.national.crosswalk import as_records, read_crosswalk
from flows.ops.runlock import DEFAULT_WAIT_SECONDS, RunLockBusy, run_lock
from flows.paths import DataPaths
from flows.warehouse.runner import BuildResult, build

NATIONAL_SQL_DIR = Path(__file__).resolve().parent / "sql"
WAREHOUSE_NAME = "national.duckdb"

_PERIOD = ("period_type", "period", "period_start", "period_end")
# The columns of each province mart the national models read (docs/spec.md §5).
PROVINCE_TABLES: dict[str, tuple[str, ...]] = {
    "rpt_bieu06": (
        *_PERIOD,
        "unit_code",
        "unit_name",
        "sector",
        "received_online",
        "received_direct_postal",
        "received_total",
        "carried_over",
        "resolved_early",
        "resolved_on_time",
        "resolved_late",
        "resolved_total",
        "pending_not_due",
        "pending_overdue",
        "pending_total",
        "other_ended",
    ),
    "ind_late": (
        *_PERIOD,
        "unit_code",
        "unit_name",
        "sector",
        "resolved_total",
        "resolved_late",
        "pending_total",
        "pending_overdue",
        "late_rate",
        "overdue_or_late_rate",
    ),
    "ind_channels": (
        *_PERIOD,
        "unit_code",
        "unit_name",
        "received_total",
        "received_online",
        "received_postal",
        "received_direct",
        "online_rate",
        "postal_rate",
    ),
    "ind_igate_uptake": (
        *_PERIOD,
        "unit_code",
        "unit_name",
        "unit_level",
        "unit_kind",
        "files_received",
        "procedures_assigned",
        "procedures_with_files",
        "has_activity",
    ),
    "ind_documents": (
        *_PERIOD,
        "unit_code",
        "unit_name",
        "docs_total",
        "docs_secret",
        "docs_e_signed",
        "docs_e_issued",
        "e_signed_rate",
        "e_issued_rate",
        "docs_with_published_on",
        "docs_published_late",
        "published_late_rate",
    ),
    "dim_as_of": ("as_of", "first_received_date", "last_received_date"),
}

# How a province's run of today ended (dq_provinces.run_status).
RUN_PUBLISHED = "published"  # published today, exports refreshed
RUN_EXPORTS_STALE = "exports_stale"  # published today, but its exports could not be refreshed
RUN_FAILED = "failed"  # nothing published today: yesterday's warehouse and exports stand
RUN_STATUSES = (RUN_PUBLISHED, RUN_EXPORTS_STALE, RUN_FAILED)

# Whether its exports were read (dq_provinces.exports_status).
EXPORTS_READ = "read"
EXPORTS_MISSING = "missing"
EXPORTS_UNREADABLE = "unreadable"
EXPORTS_BUSY = "busy"


class NothingToRollUp(Exception):
    """Not one province has published exports that could be read: nothing is built."""


@dataclass(frozen=True)
class ProvinceState:
    """What the national build needs to know of one province's run of today."""

    province: str
    root: Path
    run_status: str
    run_reason: str | None = None
    files_failed: int = 0


@dataclass(frozen=True)
class ProvinceExports:
    """The outcome of reading one province's exports into the build."""

    province: str
    status: str  # EXPORTS_*
    reason: str | None
    written_at: datetime | None  # when its exports were written (its dim_as_of.parquet)
    # Read, but not what its run of today would have published: yesterday's exports.
    stale: bool = False

    @property
    def included(self) -> bool:
        return self.status == EXPORTS_READ


@dataclass(frozen=True)
class NationalBuild:
    result: BuildResult
    exports: list[ProvinceExports]
    seconds: float


def national_warehouse(root: Path) -> Path:
    return Path(root) / WAREHOUSE_NAME


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_exports(
    con: duckdb.DuckDBPyConnection, index: int, state: ProvinceState
) -> tuple[str, str | None, datetime | None]:
    """Copy one province's exports into temporary tables `_p<index>_<table>`.

    Returns (status, reason, written_at); on any failure the province's tables are dropped.
    """
    exports = DataPaths(state.root).exports
    missing = [t for t in PROVINCE_TABLES if not (exports / f"{t}.parquet").is_file()]
    if len(missing) == len(PROVINCE_TABLES):
        return EXPORTS_MISSING, f"{state.province}: no published exports in {exports}", None
    if missing:
        names = ", ".join(f"{t}.parquet" for t in missing)
        return EXPORTS_MISSING, f"{state.province}: no published {names} in {exports}", None
    created: list[str] = []
    try:
        for table, columns in PROVINCE_TABLES.items():
            path = exports / f"{table}.parquet"
            name = f"_p{index}_{table}"
            select = ", ".join(_quote(c) for c in columns)
            try:
                con.execute(
                    f"CREATE TEMP TABLE {name} AS "
                    f"SELECT CAST(? AS VARCHAR) AS province, {select} FROM read_parquet(?)",
                    [state.province, str(path)],
                )
            except duckdb.Error as exc:
                reason = f"{state.province}: {path.name} cannot be read: {exc}"
                return EXPORTS_UNREADABLE, reason, None
            created.append(name)
        written = datetime.fromtimestamp((exports / "dim_as_of.parquet").stat().st_mtime)
        created.clear()  # kept: the province is read whole
        return EXPORTS_READ, None, written
    finally:
        for name in created:
            con.execute(f"DROP TABLE IF EXISTS temp.{name}")


def read_provinces(
    con: duckdb.DuckDBPyConnection,
    states: Iterable[ProvinceState],
    lock_wait: float = DEFAULT_WAIT_SECONDS,
) -> list[ProvinceExports]:
    """Every province's exports into the `src_*` tables; returns what became of each."""
    states = list(states)
    outcomes: list[ProvinceExports] = []
    read: list[int] = []
    for index, state in enumerate(states):
        try:
            with run_lock(DataPaths(state.root), wait=lock_wait):
                status, reason, written = _read_exports(con, index, state)
        except RunLockBusy as exc:
            status, reason, written = EXPORTS_BUSY, f"{state.province}: {exc}", None
        except OSError as exc:
            status, reason, written = EXPORTS_UNREADABLE, f"{state.province}: {exc}", None
        if status == EXPORTS_READ:
            read.append(index)
        stale = status == EXPORTS_READ and state.run_status != RUN_PUBLISHED
        outcomes.append(ProvinceExports(state.province, status, reason, written, stale))
    if not read:
        reasons = "; ".join(o.reason or o.province for o in outcomes) or "no province folder"
        raise NothingToRollUp(f"no province's published exports could be read ({reasons})")
    for table in PROVINCE_TABLES:
        union = " UNION ALL ".join(f"FROM temp._p{i}_{table}" for i in read)
        con.execute(f"CREATE TABLE src_{table} AS {union}")
        for i in read:
            con.execute(f"DROP TABLE temp._p{i}_{table}")
    _create_provinces(con, states, outcomes)
    return outcomes


def _create_provinces(
    con: duckdb.DuckDBPyConnection, states: list[ProvinceState], outcomes: list[ProvinceExports]
) -> None:
    rows = [
        {
            "province": state.province,
            "run_status": state.run_status,
            "run_reason": state.run_reason,
            "files_failed": state.files_failed,
            "exports_status": exports.status,
            "exports_reason": exports.reason,
            "exports_written_at": exports.written_at,
            "included": exports.included,
            "stale": exports.stale,
        }
        for state, exports in zip(states, outcomes, strict=True)
    ]
    schema = pa.schema(
        [
            ("province", pa.string()),
            ("run_status", pa.string()),
            ("run_reason", pa.string()),
            ("files_failed", pa.int64()),
            ("exports_status", pa.string()),
            ("exports_reason", pa.string()),
            ("exports_written_at", pa.timestamp("us")),
            ("included", pa.bool_()),
            ("stale", pa.bool_()),
        ]
    )
    _create_from_rows(con, "src_provinces", pa.Table.from_pylist(rows, schema=schema))


def _create_from_rows(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    con.register("_rows", table)
    try:
        con.execute(f"CREATE TABLE {name} AS FROM _rows")
    finally:
        con.unregister("_rows")


def create_crosswalk(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    """`src_crosswalk`: the crosswalk rows as read, every value text but the row numbers."""
    types = {"row_id": pa.int64(), "row_number": pa.int64()}
    schema = pa.schema([(c, types.get(c, pa.string())) for c in CROSSWALK_COLUMNS])
    table = pa.Table.from_pylist(as_records(read_crosswalk(root)), schema=schema)
    _create_from_rows(con, "src_crosswalk", table)
    con.execute("ALTER TABLE src_crosswalk ALTER from_date TYPE DATE")


def build_national(
    root: Path,
    states: Iterable[ProvinceState],
    lock_wait: float = DEFAULT_WAIT_SECONDS,
    sql_dir: Path = NATIONAL_SQL_DIR,
) -> NationalBuild:
    """Build `<root>/national.duckdb` from the provinces' published exports and the crosswalk.

    Raises NothingToRollUp when no province's exports could be read, and what
    flows.warehouse.runner.build raises (an audit, a model, an incomplete build); either way
    the previous national warehouse stays as it was.
    """
    root = Path(root)
    states = list(states)
    outcomes: list[ProvinceExports] = []

    def prepare(con: duckdb.DuckDBPyConnection) -> None:
        outcomes.extend(read_provinces(con, states, lock_wait))
        create_crosswalk(con, root)

    started = time.perf_counter()
    result = build(national_warehouse(root), prepare, sql_dir)
    return NationalBuild(result, outcomes, time.perf_counter() - started)
