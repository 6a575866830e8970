"""Every query the dashboard runs on the published warehouse, and the warehouse connection.

Each function takes a cursor and the analyst's selection and returns a `Table`: columns with
their Vietnamese labels (the marts' schema file, `sql/marts/schema.toml`) and rows of plain
Python values. The page, the `.xlsx` and the `.csv` of a table are all drawn from the same
`Table`, so what is downloaded is what is on screen. User input reaches SQL only as bound
parameters; the only text put together here is fixed fragments chosen from dictionaries.

The drill-down (`cases`) lists the cases behind one Biểu 06 count with the counting rules of
rpt_bieu06 (docs/spec.md §5, sql/intermediate/int_cases__daily_events.sql): for a period
[S, E], a case arrives on its received date, leaves on its closing date (its ended date, never
before it arrived) and, while open, is overdue from its `overdue_from` date (int_cases__outcomes,
which holds the deadline by due date or by working days of the procedure's time limit).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from flows.paths import SQL_DIR
from flows.report.data import BIEU06_COLUMNS, Period
from flows.warehouse.schema import load_schema

# Rows drawn on the page; the downloads carry every row.
MAX_ROWS_SHOWN = 500
# An .xlsx sheet holds 1,048,576 rows, the header included.
XLSX_MAX_ROWS = 1_048_575

# One identity per unit, as flows.report.data.unit_key: the registry code, else the name.
UNIT_KEY = "CASE WHEN unit_code IS NOT NULL THEN 'code:' || unit_code ELSE 'name:' || unit_name END"
# Cases without a sector are chosen by the label the page shows for them (a list parameter
# cannot usefully hold NULL, and a dropdown option cannot have an empty value).
NO_SECTOR = "(Chưa rõ lĩnh vực)"
SECTOR_KEY = f"coalesce(sector, '{NO_SECTOR}')"
NO_LEVEL = "none"  # the level option of units outside the registry (unmatched names)

PERIOD_TYPES = {"month": "Tháng", "quarter": "Quý", "year": "Năm"}
LEVEL_ORDER = {"tỉnh": 0, "huyện": 1, "xã": 2}

# Values shown in Vietnamese instead of the warehouse's codes.
VALUE_LABELS: dict[str, dict[Any, str]] = {
    "channel": {"direct": "Trực tiếp", "online": "Trực tuyến", "postal": "Bưu chính công ích"},
    "outcome": {
        "early": "Trước hạn",
        "on_time": "Đúng hạn",
        "late": "Quá hạn",
        "pending": "Đang giải quyết",
        "withdrawn": "Rút hồ sơ",
        "stopped": "Dừng giải quyết",
    },
    "state_at_end": {
        "resolved": "Đã giải quyết",
        "other_ended": "Rút hoặc dừng",
        "pending_overdue": "Đang giải quyết, quá hạn",
        "pending_not_due": "Đang giải quyết, trong hạn",
    },
    "status": {"loaded": "Đã nạp", "skipped": "Bỏ qua", "failed": "Lỗi"},
    "severity": {"error": "Loại bỏ dòng", "warning": "Cảnh báo"},
    "kind": {"unit": "Đơn vị", "sector": "Lĩnh vực", "case": "Mã hồ sơ"},
    "has_activity": {True: "Có", False: "Không"},
    "required_status": {
        "missing": "Chưa ban hành",
        "late": "Ban hành sau hạn",
        "on_time": "Đã ban hành",
    },
}

# Labels of the columns the dashboard computes, which no mart has.
EXTRA_LABELS = {
    "problem_rows": "Số dòng",
    "files": "Số tệp",
    "units_total": "Số đơn vị",
    "units_without_files": "Đơn vị chưa có hồ sơ",
    "received_date": "Ngày tiếp nhận",
    "due_date": "Ngày hẹn trả",
    "ended_date": "Ngày kết thúc",
    "overdue_from": "Quá hạn từ ngày",
    "state_at_end": "Tình trạng tại cuối kỳ",
    "working_days_late": "Số ngày làm việc trễ hạn",
    "days_late": "Số ngày trễ hạn (theo lịch)",
    "late_rate": "Tỷ lệ trễ hạn",
    "overdue_or_late_rate": "Tỷ lệ trễ hạn và quá hạn",
    "online_rate": "Tỷ lệ nộp trực tuyến",
    "postal_rate": "Tỷ lệ nộp qua bưu chính",
    "e_signed_rate": "Tỷ lệ ký số",
    "e_issued_rate": "Tỷ lệ phát hành điện tử",
    "month": "Tháng",
    "required_status": "Tình trạng",
}


class MissingTable(Exception):
    """The warehouse lacks a table the page needs (an older or partial build)."""


# --------------------------------------------------------------------------------------------
# The warehouse connection
# --------------------------------------------------------------------------------------------


class NoWarehouse(Exception):
    """There is no published warehouse yet."""


class Warehouse:
    """The published warehouse, read-only, reopened when the build swaps a new file in.

    A nightly build writes `warehouse.duckdb.building` and `os.replace`s it over the published
    file. The file is attached to a private in-memory database rather than opened with
    `duckdb.connect(path)`: DuckDB shares one database instance per path inside a process, so
    as long as any connection to the old file lived, a new `connect` would still return the old
    build. Each request gets its own cursor on the attachment of the file's current identity
    (inode, modification time, size); a request still running on the old file keeps it until
    it ends, and read-only access never blocks the build nor is blocked by it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._identity: tuple[int, int, int] | None = None
        self._connection: duckdb.DuckDBPyConnection | None = None

    def _current(self) -> duckdb.DuckDBPyConnection:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError as exc:
            raise NoWarehouse(str(self.path)) from exc
        identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if self._connection is None or identity != self._identity:
                connection = duckdb.connect(":memory:")
                connection.execute("ATTACH ? AS warehouse (READ_ONLY)", [str(self.path)])
                # The old connection is dropped, not closed: a request may still be reading it.
                self._connection, self._identity = connection, identity
            return self._connection

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one request, its default catalog the warehouse."""
        cur = self._current().cursor()
        try:
            cur.execute("USE warehouse")
            yield cur
        finally:
            cur.close()


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    kind: str  # text, int, dec, rate, date, datetime


@dataclass
class Table:
    name: str  # file name of its downloads
    title: str  # Vietnamese
    columns: list[Column]
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None = None  # the «Tổng cộng» row, rates recomputed from sums
    notes: list[str] = field(default_factory=list)
    count: int | None = None  # all matching rows, when `rows` holds only the first ones

    @property
    def row_count(self) -> int:
        return self.count if self.count is not None else len(self.rows)


@lru_cache(maxsize=1)
def _labels() -> dict[tuple[str, str], str]:
    schema = load_schema(SQL_DIR)
    if schema is None:
        return {}
    return {
        (table.name, column.name): column.label
        for table in schema.tables.values()
        for column in table.columns.values()
    }


def label(table: str, column: str) -> str:
    """The column's Vietnamese label: the schema's for a mart column, else the dashboard's."""
    return _labels().get((table, column)) or EXTRA_LABELS.get(column) or column


def _kind(column: str, type_name: str) -> str:
    type_name = type_name.upper()
    if column.endswith("_rate"):
        return "rate"
    if type_name.startswith(("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT")):
        return "int"
    if type_name.startswith(("DOUBLE", "FLOAT", "DECIMAL")):
        return "dec"
    if type_name.startswith("TIMESTAMP"):
        return "datetime"
    if type_name == "DATE":
        return "date"
    return "text"


def run(
    cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]
) -> duckdb.DuckDBPyConnection:
    """Execute with the named parameters the text uses: DuckDB refuses any it does not."""
    used = set(re.findall(r"\$(\w+)", sql))
    return cur.execute(sql, {k: v for k, v in params.items() if k in used})


def _fetch(
    cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]
) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    result = run(cur, sql, params)
    names = [d[0] for d in result.description]
    types = [str(d[1]) for d in result.description]
    rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    for row in rows:
        for column, labels in VALUE_LABELS.items():
            if column in row and row[column] in labels:
                row[column] = labels[row[column]]
    return names, types, rows


def _table(
    cur: duckdb.DuckDBPyConnection,
    name: str,
    title: str,
    mart: str,
    sql: str,
    params: dict[str, Any],
) -> Table:
    names, types, rows = _fetch(cur, sql, params)
    columns = [Column(n, label(mart, n), _kind(n, t)) for n, t in zip(names, types, strict=True)]
    return Table(name, title, columns, rows)


def has_table(cur: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = cur.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_catalog = 'warehouse' AND table_schema = 'main' AND table_name = ?",
        [table],
    ).fetchone()[0]
    return bool(found)


def _need(cur: duckdb.DuckDBPyConnection, *tables: str) -> None:
    for table in tables:
        if not has_table(cur, table):
            raise MissingTable(
                f"Kho dữ liệu chưa có bảng {table}: hãy chạy lại `cchc run` để cập nhật."
            )


def ratio(part: float | None, whole: float | None) -> float | None:
    """part / whole, None when there is nothing to divide by (the marts' rule for rates)."""
    if not whole or part is None:
        return None
    return part / whole


# --------------------------------------------------------------------------------------------
# The selection
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What the analyst chose: a period, units (None: all) and sectors (None: all)."""

    period: Period
    unit_keys: tuple[str, ...] | None = None
    sectors: tuple[str, ...] | None = None  # NO_SECTOR stands for cases without a sector

    def params(self) -> dict[str, Any]:
        return {
            "period": self.period.period,
            "units": list(self.unit_keys or ()),
            "all_units": self.unit_keys is None,
            "sectors": list(self.sectors or ()),
            "all_sectors": self.sectors is None,
        }


# Fixed filters over the named parameters of Selection.params().
UNIT_FILTER = f"($all_units OR list_contains($units::VARCHAR[], {UNIT_KEY}))"
SECTOR_FILTER = f"($all_sectors OR list_contains($sectors::VARCHAR[], {SECTOR_KEY}))"


def unit_key(code: str | None, name: str | None) -> str:
    return f"code:{code}" if code else f"name:{name}"


def periods(cur: duckdb.DuckDBPyConnection) -> list[Period]:
    """The periods of the case tables: months, quarters, years, each in order."""
    _need(cur, "rpt_bieu06")
    rows = cur.execute(
        "SELECT DISTINCT period_type, period, period_start, period_end FROM rpt_bieu06 "
        "ORDER BY period_start, period"
    ).fetchall()
    return [Period(*row) for row in rows]


def as_of(cur: duckdb.DuckDBPyConnection) -> date | None:
    if not has_table(cur, "dim_as_of"):
        return None
    return cur.execute("SELECT max(as_of) FROM dim_as_of").fetchone()[0]


@dataclass(frozen=True)
class UnitOption:
    key: str
    code: str | None
    name: str
    level: str  # the registry's level (tỉnh, huyện, xã); NO_LEVEL outside the registry


def units(cur: duckdb.DuckDBPyConnection) -> list[UnitOption]:
    """Every unit of the case and document tables, with its registry level when it has one."""
    _need(cur, "rpt_bieu06")
    sources = ["SELECT unit_code, unit_name FROM rpt_bieu06"]
    for table in ("ind_igate_uptake", "ind_channels", "ind_documents"):
        if has_table(cur, table):
            sources.append(f"SELECT unit_code, unit_name FROM {table}")
    levels = (
        "SELECT unit_code, max(unit_level) AS unit_level FROM ind_igate_uptake GROUP BY unit_code"
        if has_table(cur, "ind_igate_uptake")
        else "SELECT NULL::VARCHAR AS unit_code, NULL::VARCHAR AS unit_level"
    )
    rows = cur.execute(
        f"""
        WITH named AS ({" UNION ".join(sources)}),
        levels AS ({levels})
        SELECT DISTINCT named.unit_code, named.unit_name, levels.unit_level
        FROM named LEFT JOIN levels ON levels.unit_code = named.unit_code
        WHERE named.unit_name IS NOT NULL OR named.unit_code IS NOT NULL
        """
    ).fetchall()
    found: dict[str, UnitOption] = {}
    for code, name, level in rows:
        key = unit_key(code, name)
        # A unit renamed in the registry appears under one code with several names: keep one.
        if key not in found or (name or "") < found[key].name:
            found[key] = UnitOption(
                key, code, name or code or "", (level or "").strip() or NO_LEVEL
            )
    return sorted(
        found.values(),
        key=lambda u: (LEVEL_ORDER.get(u.level.lower(), 9), u.code is None, u.code or "", u.name),
    )


def sectors(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """Every sector of rpt_bieu06; NO_SECTOR for cases without one, last."""
    _need(cur, "rpt_bieu06")
    rows = cur.execute(
        f"SELECT DISTINCT {SECTOR_KEY} AS s FROM rpt_bieu06 ORDER BY sector IS NULL, s"
    ).fetchall()
    return [s for (s,) in rows]


def select_units(
    options: Sequence[UnitOption], levels: Sequence[str] | None, chosen: Sequence[str] | None
) -> tuple[str, ...] | None:
    """The unit keys of the selection: the chosen units within the chosen levels; None = all."""
    if not levels and not chosen:
        return None
    keys = [u.key for u in options]
    if levels:
        wanted = set(levels)
        keys = [u.key for u in options if u.level in wanted]
    if chosen:
        picked = set(chosen)
        keys = [k for k in keys if k in picked]
    return tuple(keys)


# --------------------------------------------------------------------------------------------
# Headline figures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    id: str
    label: str
    value: float | int | None
    kind: str  # int or rate
    part: int | None = None  # a rate's numerator …
    whole: int | None = None  # … and denominator; for a count of units, the units listed


def headline(cur: duckdb.DuckDBPyConnection, sel: Selection) -> list[Figure]:
    """The figures at the top of the page, every rate recomputed from the summed counts."""
    _need(cur, "rpt_bieu06")
    params = sel.params()
    received, carried, resolved, late, pending, overdue = run(
        cur,
        f"""
        SELECT coalesce(sum(received_total), 0), coalesce(sum(carried_over), 0),
               coalesce(sum(resolved_total), 0), coalesce(sum(resolved_late), 0),
               coalesce(sum(pending_total), 0), coalesce(sum(pending_overdue), 0)
        FROM rpt_bieu06
        WHERE period = $period AND {UNIT_FILTER} AND {SECTOR_FILTER}
        """,
        params,
    ).fetchone()
    figures = [
        Figure("received_total", label("rpt_bieu06", "received_total"), received, "int"),
        Figure("carried_over", label("rpt_bieu06", "carried_over"), carried, "int"),
        Figure("resolved_total", label("rpt_bieu06", "resolved_total"), resolved, "int"),
        Figure(
            "late_rate",
            "Tỷ lệ giải quyết quá hạn",
            ratio(late, resolved),
            "rate",
            late,
            resolved,
        ),
        Figure("pending_overdue", label("rpt_bieu06", "pending_overdue"), overdue, "int"),
        Figure(
            "overdue_or_late_rate",
            "Tỷ lệ trễ hạn và quá hạn",
            ratio(late + overdue, resolved + pending),
            "rate",
            late + overdue,
            resolved + pending,
        ),
    ]
    if has_table(cur, "ind_channels"):
        online, total = run(
            cur,
            f"""
            SELECT coalesce(sum(received_online), 0), coalesce(sum(received_total), 0)
            FROM ind_channels WHERE period = $period AND {UNIT_FILTER}
            """,
            params,
        ).fetchone()
        figures.append(Figure("online_rate", "Tỷ lệ nộp trực tuyến", ratio(online, total), "rate"))
    if has_table(cur, "ind_igate_uptake"):
        idle, listed = run(
            cur,
            f"""
            SELECT count(*) FILTER (WHERE NOT has_activity), count(*)
            FROM ind_igate_uptake WHERE period = $period AND {UNIT_FILTER}
            """,
            params,
        ).fetchone()
        figures.append(
            Figure(
                "units_without_files",
                "Đơn vị chưa có hồ sơ trên iGate",
                idle,
                "int",
                whole=listed,
            )
        )
    if has_table(cur, "ind_documents"):
        signed, eligible = run(
            cur,
            f"""
            SELECT coalesce(sum(docs_e_signed), 0), coalesce(sum(docs_total - docs_secret), 0)
            FROM ind_documents WHERE period = $period AND {UNIT_FILTER}
            """,
            params,
        ).fetchone()
        figures.append(
            Figure("e_signed_rate", "Tỷ lệ văn bản ký số", ratio(signed, eligible), "rate")
        )
    return figures


# --------------------------------------------------------------------------------------------
# Biểu 06 and the late and overdue rates
# --------------------------------------------------------------------------------------------

# How the Biểu 06 rows are grouped: the columns of a row's key.
GROUPINGS = {
    "unit": ("unit_code", "unit_name"),
    "sector": ("sector",),
    "unit_sector": ("unit_code", "unit_name", "sector"),
}
LATE_COUNTS = ("resolved_total", "resolved_late", "pending_total", "pending_overdue")


def _sums(columns: Sequence[str]) -> str:
    return ", ".join(f"CAST(sum({c}) AS BIGINT) AS {c}" for c in columns)


def _order(keys: Sequence[str]) -> str:
    order = {
        "unit_code": "unit_code NULLS LAST",
        "unit_name": "unit_name",
        "sector": "sector NULLS LAST",
    }
    return ", ".join(order[k] for k in keys)


def _total(rows: list[dict[str, Any]], counts: Sequence[str]) -> dict[str, Any]:
    return {c: sum(r[c] or 0 for r in rows) for c in counts}


def bieu06(cur: duckdb.DuckDBPyConnection, sel: Selection, grouping: str = "unit") -> Table:
    """rpt_bieu06 of the selection, summed by unit, by sector or by both, and the total."""
    _need(cur, "rpt_bieu06")
    keys = GROUPINGS.get(grouping, GROUPINGS["unit"])
    key_list = ", ".join(keys)
    table = _table(
        cur,
        "bieu06",
        f"Biểu số 06/VPCP/KSTT — {sel.period.label}",
        "rpt_bieu06",
        f"""
        SELECT {key_list}, {_sums(BIEU06_COLUMNS)}
        FROM rpt_bieu06
        WHERE period = $period AND {UNIT_FILTER} AND {SECTOR_FILTER}
        GROUP BY {key_list}
        ORDER BY {_order(keys)}
        """,
        sel.params(),
    )
    table.total = _total(table.rows, BIEU06_COLUMNS)
    return table


def _with_late_rates(row: dict[str, Any]) -> dict[str, Any]:
    row["late_rate"] = ratio(row["resolved_late"], row["resolved_total"])
    row["overdue_or_late_rate"] = ratio(
        row["resolved_late"] + row["pending_overdue"], row["resolved_total"] + row["pending_total"]
    )
    return row


def late(cur: duckdb.DuckDBPyConnection, sel: Selection, by: str) -> Table:
    """ind_late summed by sector or by unit; rates from the summed counts, never averaged."""
    _need(cur, "ind_late")
    keys = GROUPINGS["sector" if by == "sector" else "unit"]
    key_list = ", ".join(keys)
    title = "Trễ hạn và quá hạn theo " + ("lĩnh vực" if by == "sector" else "đơn vị")
    table = _table(
        cur,
        f"tre_han_theo_{'linh_vuc' if by == 'sector' else 'don_vi'}",
        f"{title} — {sel.period.label}",
        "ind_late",
        f"""
        SELECT {key_list}, {_sums(LATE_COUNTS)},
            sum(resolved_late) / nullif(sum(resolved_total), 0)::DOUBLE AS late_rate,
            (sum(resolved_late) + sum(pending_overdue))
                / nullif(sum(resolved_total) + sum(pending_total), 0)::DOUBLE
                AS overdue_or_late_rate
        FROM ind_late
        WHERE period = $period AND {UNIT_FILTER} AND {SECTOR_FILTER}
        GROUP BY {key_list}
        ORDER BY overdue_or_late_rate DESC NULLS LAST, {_order(keys)}
        """,
        sel.params(),
    )
    table.total = _with_late_rates(_total(table.rows, LATE_COUNTS))
    return table


# --------------------------------------------------------------------------------------------
# iGate uptake, channels, documents
# --------------------------------------------------------------------------------------------


def uptake(cur: duckdb.DuckDBPyConnection, sel: Selection, idle_only: bool = False) -> Table:
    """ind_igate_uptake: every registry unit valid in the period, those without files first."""
    _need(cur, "ind_igate_uptake")
    title = "Đơn vị chưa có hồ sơ trên iGate" if idle_only else "Sử dụng iGate theo đơn vị"
    table = _table(
        cur,
        "don_vi_chua_co_ho_so" if idle_only else "su_dung_igate",
        f"{title} — {sel.period.label}",
        "ind_igate_uptake",
        f"""
        SELECT unit_code, unit_name, unit_level, unit_kind, files_received,
               procedures_assigned, procedures_with_files, has_activity
        FROM ind_igate_uptake
        WHERE period = $period AND {UNIT_FILTER} AND ($all_idle OR NOT has_activity)
        ORDER BY has_activity, files_received, unit_level, unit_code
        """,
        {**sel.params(), "all_idle": not idle_only},
    )
    if not idle_only:
        table.total = _total(
            table.rows, ("files_received", "procedures_assigned", "procedures_with_files")
        )
    return table


def channels(cur: duckdb.DuckDBPyConnection, sel: Selection) -> Table:
    """ind_channels per unit and the total, rates from the summed counts."""
    _need(cur, "ind_channels")
    counts = ("received_total", "received_online", "received_postal", "received_direct")
    table = _table(
        cur,
        "kenh_tiep_nhan",
        f"Hồ sơ theo hình thức nộp — {sel.period.label}",
        "ind_channels",
        f"""
        SELECT unit_code, unit_name, {_sums(counts)},
            sum(received_online) / nullif(sum(received_total), 0)::DOUBLE AS online_rate,
            sum(received_postal) / nullif(sum(received_total), 0)::DOUBLE AS postal_rate
        FROM ind_channels
        WHERE period = $period AND {UNIT_FILTER}
        GROUP BY unit_code, unit_name
        ORDER BY online_rate DESC NULLS LAST, unit_code NULLS LAST, unit_name
        """,
        sel.params(),
    )
    total = _total(table.rows, counts)
    total["online_rate"] = ratio(total["received_online"], total["received_total"])
    total["postal_rate"] = ratio(total["received_postal"], total["received_total"])
    table.total = total
    return table


def documents(cur: duckdb.DuckDBPyConnection, sel: Selection) -> Table:
    """ind_documents per issuing unit: e-signed and e-issued over the non-secret documents."""
    _need(cur, "ind_documents")
    counts = ("docs_total", "docs_secret", "docs_e_signed", "docs_e_issued")
    table = _table(
        cur,
        "van_ban_ky_so",
        f"Văn bản đi ký số và phát hành điện tử — {sel.period.label}",
        "ind_documents",
        f"""
        SELECT unit_code, unit_name, {_sums(counts)},
            sum(docs_e_signed) / nullif(sum(docs_total - docs_secret), 0)::DOUBLE
                AS e_signed_rate,
            sum(docs_e_issued) / nullif(sum(docs_total - docs_secret), 0)::DOUBLE
                AS e_issued_rate
        FROM ind_documents
        WHERE period = $period AND {UNIT_FILTER}
        GROUP BY unit_code, unit_name
        ORDER BY e_signed_rate NULLS FIRST, unit_code NULLS LAST, unit_name
        """,
        sel.params(),
    )
    total = _total(table.rows, counts)
    eligible = total["docs_total"] - total["docs_secret"]
    total["e_signed_rate"] = ratio(total["docs_e_signed"], eligible)
    total["e_issued_rate"] = ratio(total["docs_e_issued"], eligible)
    table.total = total
    return table


# --------------------------------------------------------------------------------------------
# Required plans and reports (docs/spec.md §9)
# --------------------------------------------------------------------------------------------

# The required documents of the selected period's year: a quarter or a month shows its year's.
_REQUIRED_ORDER = (
    "deadline NULLS LAST, label, "
    "CASE unit_level WHEN 'tỉnh' THEN 1 WHEN 'huyện' THEN 2 WHEN 'xã' THEN 3 ELSE 4 END"
)


def _required_params(sel: Selection) -> dict[str, Any]:
    return {**sel.params(), "year": sel.period.start.year}


def required_share(cur: duckdb.DuckDBPyConnection, sel: Selection) -> Table:
    """Per required document and level, the units of the selection that issued it.

    Counted from ind_required_documents (not read from ind_required_documents_share) so that
    the unit filter applies; the share is computed from the counts.
    """
    _need(cur, "ind_required_documents")
    return _table(
        cur,
        "van_ban_bat_buoc_ty_le",
        f"Đơn vị đã ban hành văn bản theo yêu cầu — năm {sel.period.start.year}",
        "ind_required_documents_share",
        f"""
        SELECT label, deadline, unit_level,
            count(*) AS units_required,
            count(*) FILTER (WHERE is_issued) AS units_issued,
            count(*) FILTER (WHERE is_late) AS units_issued_late,
            count(*) FILTER (WHERE NOT is_issued) AS units_not_issued,
            count(*) FILTER (WHERE is_issued) / nullif(count(*), 0)::DOUBLE AS issued_rate
        FROM ind_required_documents
        WHERE year = $year AND {UNIT_FILTER}
        GROUP BY label, deadline, unit_level
        ORDER BY {_REQUIRED_ORDER}
        """,
        _required_params(sel),
    )


def required_missing(cur: duckdb.DuckDBPyConnection, sel: Selection) -> Table:
    """The units of the selection that have not issued a required document, or issued it late."""
    _need(cur, "ind_required_documents")
    return _table(
        cur,
        "van_ban_bat_buoc_chua_ban_hanh",
        f"Đơn vị chưa ban hành hoặc ban hành sau hạn — năm {sel.period.start.year}",
        "ind_required_documents",
        f"""
        SELECT label, deadline, unit_code, unit_name, unit_level,
            CASE WHEN NOT is_issued THEN 'missing' WHEN is_late THEN 'late' ELSE 'on_time' END
                AS required_status,
            doc_number, issued_on
        FROM ind_required_documents
        WHERE year = $year AND {UNIT_FILTER} AND (NOT is_issued OR is_late)
        ORDER BY {_REQUIRED_ORDER}, is_issued, unit_code
        """,
        _required_params(sel),
    )


# --------------------------------------------------------------------------------------------
# Drill-down: the cases behind a Biểu 06 count
# --------------------------------------------------------------------------------------------

# The cases open at E (received by E, not closed by E).
_PENDING = "received_date <= $end AND (closed_date IS NULL OR closed_date > $end)"
# Which cases each rpt_bieu06 column counts for the period [$start, $end] (docs/spec.md §5).
DRILL_RULES: dict[str, str] = {
    "received_online": "received_date BETWEEN $start AND $end AND channel = 'online'",
    "received_direct_postal": (
        "received_date BETWEEN $start AND $end AND coalesce(channel, 'direct') <> 'online'"
    ),
    "received_total": "received_date BETWEEN $start AND $end",
    "carried_over": "received_date < $start AND (closed_date IS NULL OR closed_date >= $start)",
    "resolved_early": "is_resolved AND outcome = 'early' AND closed_date BETWEEN $start AND $end",
    "resolved_on_time": (
        "is_resolved AND outcome = 'on_time' AND closed_date BETWEEN $start AND $end"
    ),
    "resolved_late": "is_resolved AND outcome = 'late' AND closed_date BETWEEN $start AND $end",
    "resolved_total": "is_resolved AND closed_date BETWEEN $start AND $end",
    "pending_not_due": f"{_PENDING} AND (overdue_date IS NULL OR overdue_date > $end)",
    "pending_overdue": f"{_PENDING} AND overdue_date <= $end",
    "pending_total": _PENDING,
    "other_ended": "is_other_ended AND closed_date BETWEEN $start AND $end",
}
assert set(DRILL_RULES) == set(BIEU06_COLUMNS)

# The cases with the dates the rules compare. With int_cases__outcomes (kept in the published
# warehouse beside the marts) the overdue date is the model's own, time limits in working days
# included; closed_date and overdue_date never precede the received date, as in
# int_cases__daily_events.
_CASES_FROM_MODEL = """
    SELECT
        f.case_code, f.unit_code, f.unit_name, f.sector, f.procedure_code, f.procedure_name,
        f.channel, f.received_at, f.due_at, f.ended_at, f.status_code, f.outcome,
        o.received_date, o.is_resolved, o.is_other_ended,
        CASE WHEN o.ended_date IS NOT NULL
            THEN greatest(o.received_date, o.ended_date) END AS closed_date,
        CASE WHEN o.overdue_from IS NOT NULL
            THEN greatest(o.received_date, o.overdue_from) END AS overdue_date
    FROM fct_filings AS f
    JOIN int_cases__outcomes AS o USING (case_code)
    WHERE o.received_date IS NOT NULL
"""
# Without it (a warehouse built by other code): the due date alone; a case overdue by its
# procedure's time limit cannot be told from fct_filings.
_CASES_FROM_FACTS = """
    SELECT
        case_code, unit_code, unit_name, sector, procedure_code, procedure_name,
        channel, received_at, due_at, ended_at, status_code, outcome,
        CAST(received_at AS DATE) AS received_date,
        status_code IN (9, 10) AS is_resolved,
        status_code IN (7, 8) AS is_other_ended,
        CASE WHEN ended_at IS NOT NULL
            THEN greatest(CAST(received_at AS DATE), CAST(ended_at AS DATE)) END AS closed_date,
        CASE WHEN due_at IS NOT NULL
            THEN greatest(CAST(received_at AS DATE), CAST(due_at AS DATE) + 1) END
            AS overdue_date
    FROM fct_filings
    WHERE received_at IS NOT NULL
"""
# Days late at the case's reference date: its closing date when it closed by E, else E. The
# deadline is the day before overdue_date; working days in (deadline, reference] come from
# int_calendar's running working-day number, as the models count time limits.
_CALENDAR_JOINS = """
    LEFT JOIN int_calendar AS reference_day ON reference_day.day = chosen.reference_date
    LEFT JOIN int_calendar AS deadline_day ON deadline_day.day = chosen.overdue_date - 1
"""
_WORKING_DAYS_LATE = "reference_day.working_day_number - deadline_day.working_day_number"


@dataclass(frozen=True)
class Drill:
    """One count to open: a Biểu 06 column, narrowed to a unit and/or a sector of the row."""

    column: str
    unit: str | None = None  # a unit key; None: every unit of the selection
    sector: str | None = None  # NO_SECTOR for no sector; None: every sector of the selection


def case_source(full: bool) -> str:
    """The SQL of the cases the rules filter: from the models (`full`) or fct_filings alone."""
    return _CASES_FROM_MODEL if full else _CASES_FROM_FACTS


def _drill_source(cur: duckdb.DuckDBPyConnection) -> tuple[str, bool]:
    _need(cur, "fct_filings")
    full = has_table(cur, "int_cases__outcomes") and has_table(cur, "int_calendar")
    return case_source(full), full


def _drill_params(sel: Selection, drill: Drill) -> dict[str, Any]:
    return {
        **sel.params(),
        "start": sel.period.start,
        "end": sel.period.end,
        "row_unit": drill.unit,
        "row_sector": drill.sector,
    }


_DRILL_WHERE = f"""
    ({{rule}})
    AND {UNIT_FILTER} AND {SECTOR_FILTER}
    AND ($row_unit IS NULL OR {UNIT_KEY} = $row_unit)
    AND ($row_sector IS NULL OR {SECTOR_KEY} = $row_sector)
"""


def drill_count(cur: duckdb.DuckDBPyConnection, sel: Selection, drill: Drill) -> int:
    """How many cases the drill-down lists: equal to the Biểu 06 figure it opens."""
    source, _ = _drill_source(cur)
    rule = DRILL_RULES[drill.column]
    sql = f"WITH cases AS ({source}) SELECT count(*) FROM cases WHERE {_DRILL_WHERE}"
    return int(run(cur, sql.format(rule=rule), _drill_params(sel, drill)).fetchone()[0])


def cases(
    cur: duckdb.DuckDBPyConnection, sel: Selection, drill: Drill, limit: int | None = None
) -> Table:
    """The cases behind one count of rpt_bieu06, from fct_filings, with their days late."""
    if drill.column not in DRILL_RULES:
        raise ValueError(f"không có cột {drill.column} trong Biểu 06")
    source, full = _drill_source(cur)
    working_days_late = _WORKING_DAYS_LATE if full else "NULL"
    sql = f"""
        WITH cases AS ({source}),
        chosen AS (
            SELECT *,
                CASE WHEN closed_date IS NOT NULL AND closed_date <= $end
                    THEN closed_date ELSE $end END AS reference_date
            FROM cases
            WHERE {_DRILL_WHERE.format(rule=DRILL_RULES[drill.column])}
        )
        SELECT
            case_code, unit_code, unit_name, sector, procedure_code, procedure_name, channel,
            CAST(received_at AS DATE) AS received_date,
            CAST(due_at AS DATE) AS due_date,
            CAST(ended_at AS DATE) AS ended_date,
            outcome,
            CASE
                WHEN closed_date <= $end AND is_resolved THEN 'resolved'
                WHEN closed_date <= $end THEN 'other_ended'
                WHEN overdue_date <= $end THEN 'pending_overdue'
                ELSE 'pending_not_due'
            END AS state_at_end,
            CASE WHEN overdue_date <= reference_date THEN overdue_date END AS overdue_from,
            CASE WHEN overdue_date <= reference_date
                THEN CAST({working_days_late} AS BIGINT) END AS working_days_late,
            CASE WHEN overdue_date <= reference_date
                THEN CAST(reference_date - overdue_date + 1 AS BIGINT) END AS days_late
        FROM chosen
        {_CALENDAR_JOINS if full else ""}
        ORDER BY unit_code NULLS LAST, unit_name, sector NULLS LAST, received_at, case_code
        {"LIMIT $limit" if limit is not None else ""}
    """
    params = _drill_params(sel, drill)
    if limit is not None:
        params["limit"] = limit
    column_label = label("rpt_bieu06", drill.column)
    table = _table(
        cur,
        f"ho_so_{drill.column}",
        f"Hồ sơ «{column_label}» — {sel.period.label}",
        "fct_filings",
        sql,
        params,
    )
    table.count = drill_count(cur, sel, drill)
    if full:
        table.notes.append(
            "Số ngày trễ hạn tính đến ngày kết thúc (nếu hồ sơ kết thúc trong kỳ), "
            "nếu không thì đến cuối kỳ; số ngày làm việc theo lịch làm việc của kho dữ liệu."
        )
    else:
        table.notes.append(
            "Kho dữ liệu không có lịch làm việc: số ngày trễ hạn chỉ tính theo lịch, từ ngày "
            "hẹn trả; hồ sơ không có ngày hẹn trả không được xác định quá hạn."
        )
    return table


# --------------------------------------------------------------------------------------------
# A unit's months
# --------------------------------------------------------------------------------------------


def trend(cur: duckdb.DuckDBPyConnection, sel: Selection, unit: str | None) -> Table:
    """Month by month for one unit (or the whole selection): received, resolved, late."""
    _need(cur, "rpt_bieu06")
    counts = ("received_total", "resolved_total", "resolved_late", "pending_total")
    counts += ("pending_overdue",)
    params = {**sel.params(), "row_unit": unit}
    table = _table(
        cur,
        "xu_huong_theo_thang",
        "Diễn biến theo tháng",
        "rpt_bieu06",
        f"""
        SELECT period, period_start, period_end, {_sums(counts)},
            sum(resolved_late) / nullif(sum(resolved_total), 0)::DOUBLE AS late_rate,
            (sum(resolved_late) + sum(pending_overdue))
                / nullif(sum(resolved_total) + sum(pending_total), 0)::DOUBLE
                AS overdue_or_late_rate
        FROM rpt_bieu06
        WHERE period_type = 'month' AND {UNIT_FILTER} AND {SECTOR_FILTER}
            AND ($row_unit IS NULL OR {UNIT_KEY} = $row_unit)
        GROUP BY period, period_start, period_end
        ORDER BY period_start
        """,
        params,
    )
    return table


# --------------------------------------------------------------------------------------------
# Data quality
# --------------------------------------------------------------------------------------------


def dq_summary(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    _need(cur, "dq_files")
    row = cur.execute(
        """
        SELECT count(DISTINCT file) FILTER (WHERE status = 'loaded'),
               count(DISTINCT file) FILTER (WHERE status = 'skipped'),
               count(DISTINCT file) FILTER (WHERE status = 'failed'),
               coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0),
               coalesce(sum(rows_rejected), 0), coalesce(sum(rows_skipped), 0)
        FROM dq_files
        """
    ).fetchone()
    names = ("loaded", "skipped", "failed", "rows_read", "rows_loaded", "rows_rejected")
    return dict(zip(names + ("rows_skipped",), (int(v) for v in row), strict=True))


def dq_files(cur: duckdb.DuckDBPyConnection) -> Table:
    """The files (or sheets) that failed or were skipped, failures first."""
    _need(cur, "dq_files")
    return _table(
        cur,
        "tep_loi_bo_qua",
        "Tệp lỗi hoặc bị bỏ qua",
        "dq_files",
        """
        SELECT file, source, sheet, status, rows_read, rows_rejected, message
        FROM dq_files
        WHERE status IN ('failed', 'skipped')
        ORDER BY status = 'skipped', file, sheet NULLS FIRST
        """,
        {},
    )


def dq_rejects(cur: duckdb.DuckDBPyConnection) -> Table:
    """dq_rejects counted by reason, field and severity: what to fix first."""
    _need(cur, "dq_rejects")
    table = _table(
        cur,
        "dong_bi_loai_theo_ly_do",
        "Dòng bị loại và cảnh báo theo lý do",
        "dq_rejects",
        """
        SELECT severity, field, reason, count(*) AS problem_rows, count(DISTINCT file) AS files
        FROM dq_rejects
        GROUP BY severity, field, reason
        ORDER BY severity, problem_rows DESC, reason
        """,
        {},
    )
    table.total = _total(table.rows, ("problem_rows",))
    return table


def dq_unmatched(cur: duckdb.DuckDBPyConnection) -> Table:
    """Names found in no registry or catalogue, the most frequent first."""
    _need(cur, "dq_unmatched")
    return _table(
        cur,
        "ten_chua_khop",
        "Tên đơn vị, lĩnh vực và mã hồ sơ chưa khớp",
        "dq_unmatched",
        """
        SELECT kind, name, occurrences FROM dq_unmatched
        ORDER BY CASE kind WHEN 'unit' THEN 0 WHEN 'sector' THEN 1 ELSE 2 END,
                 occurrences DESC, name
        """,
        {},
    )
