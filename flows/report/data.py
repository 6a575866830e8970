"""What the report reads from the published warehouse, for one period and a set of units.

Every query runs on a read-only connection. An optional table (`ind_documents`,
`ind_igate_uptake`, `ind_required_documents`) is read only when it exists with the columns the
contract gives it; otherwise its part of the report is left out and the reason recorded in
`omitted`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from flows.ingest.text import name_key
from flows.paths import DataPaths
from flows.report.numbers import fmt_date

BIEU06_COLUMNS = (
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
)
CHANNEL_COLUMNS = ("received_total", "received_online", "received_postal", "received_direct")
DOCUMENT_COLUMNS = ("docs_total", "docs_secret", "docs_e_signed", "docs_e_issued")
UPTAKE_COLUMNS = (
    "unit_level",
    "unit_kind",
    "files_received",
    "procedures_assigned",
    "procedures_with_files",
    "has_activity",
)
# ind_required_documents (docs/spec.md §9): one row per required document × unit.
REQUIRED_COLUMNS = (
    "year",
    "label",
    "deadline",
    "unit_code",
    "unit_name",
    "unit_level",
    "is_issued",
    "doc_number",
    "issued_on",
    "is_late",
    "documents_matched",
)
PERIOD_COLUMNS = ("period_type", "period", "period_start", "period_end")
UNIT_COLUMNS = ("unit_code", "unit_name")

_ROMAN_QUARTERS = {1: "I", 2: "II", 3: "III", 4: "IV"}
_TYPE_ORDER = {"year": 0, "quarter": 1, "month": 2}


@dataclass(frozen=True)
class Period:
    period_type: str
    period: str
    start: date
    end: date

    @property
    def label(self) -> str:
        """`Năm 2020`, `Quý IV năm 2020`, `Tháng 10 năm 2020`."""
        if self.period_type == "year":
            return f"Năm {self.start.year}"
        if self.period_type == "quarter":
            quarter = (self.start.month - 1) // 3 + 1
            return f"Quý {_ROMAN_QUARTERS[quarter]} năm {self.start.year}"
        return f"Tháng {self.start.month} năm {self.start.year}"

    @property
    def span(self) -> str:
        """`từ ngày 01/01/2020 đến ngày 20/11/2020`."""
        return f"từ ngày {fmt_date(self.start)} đến ngày {fmt_date(self.end)}"


@dataclass(frozen=True, order=True)
class Unit:
    """A unit as the output tables name it: its registry code (None if unmatched) and name."""

    code: str | None
    name: str

    @property
    def key(self) -> str:
        return unit_key(self.code, self.name)


def unit_key(code: str | None, name: str | None) -> str:
    """One identity per unit: the code when matched, else the cleaned name."""
    return f"code:{code}" if code else f"name:{name}"


@dataclass
class ReportData:
    """The numbers of one report. Frames are already restricted to the chosen units."""

    period: Period
    as_of: date | None
    units: list[Unit]  # the units of the report (all units having data when none was chosen)
    chosen: bool  # True when the units were chosen with --unit
    bieu06: pd.DataFrame  # rpt_bieu06 rows of the period
    monthly: pd.DataFrame  # rpt_bieu06 month rows, from the period's January to its end
    late_cases: pd.DataFrame  # fct_filings: resolved late in the period or overdue at its end
    channels: pd.DataFrame  # ind_channels rows of the period
    months: list[Period]  # the months of `monthly`, in order
    uptake: pd.DataFrame | None = None  # ind_igate_uptake rows of the period
    uptake_monthly: pd.DataFrame | None = None  # its month rows, as `monthly`
    documents: pd.DataFrame | None = None  # ind_documents rows of the period
    documents_as_of: date | None = None
    # ind_required_documents rows of the period's year, in the mart's order (None: no table)
    required: pd.DataFrame | None = None
    rows_rejected: int | None = None
    unmatched_units: int | None = None
    omitted: list[str] = field(default_factory=list)  # parts left out, and why (Vietnamese)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str] | None:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_name = ?",
        [table],
    ).fetchall()
    return {name for (name,) in rows} or None


def _has(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]) -> bool:
    found = _columns(con, table)
    return found is not None and set(columns) <= found


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> pd.DataFrame:
    frame = con.execute(sql, params).df()
    for column in ("period_start", "period_end"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


def _with_key(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["unit_key"] = [
        unit_key(c if isinstance(c, str) else None, n)
        for c, n in zip(frame["unit_code"], frame["unit_name"], strict=True)
    ]
    return frame


def _restrict(frame: pd.DataFrame, keys: set[str] | None) -> pd.DataFrame:
    frame = _with_key(frame)
    if keys is None:
        return frame.reset_index(drop=True)
    return frame[frame["unit_key"].isin(keys)].reset_index(drop=True)


def available_periods(con: duckdb.DuckDBPyConnection, tables: list[str]) -> list[Period]:
    """Every period of the given tables, years first, then quarters, then months."""
    selects = [
        f"SELECT DISTINCT period_type, period, period_start, period_end FROM {t}" for t in tables
    ]
    rows = con.execute(" UNION ".join(selects)).fetchall()
    periods: dict[str, Period] = {}
    for period_type, period, start, end in rows:
        periods.setdefault(period, Period(period_type, period, start, end))
    return sorted(periods.values(), key=lambda p: (_TYPE_ORDER.get(p.period_type, 9), p.start))


def available_units(con: duckdb.DuckDBPyConnection, tables: list[str]) -> list[Unit]:
    selects = [f"SELECT DISTINCT unit_code, unit_name FROM {t}" for t in tables]
    rows = con.execute(" UNION ".join(selects)).fetchall()
    units = {Unit(code, name) for code, name in rows if code or name}
    return sorted(units, key=lambda u: (u.code is None, u.code or "", u.name or ""))


def match_units(wanted: list[str], units: list[Unit]) -> list[Unit]:
    """Units named by code (case-insensitive) or by name (the registry's matching key)."""
    chosen: list[Unit] = []
    unknown: list[str] = []
    for item in wanted:
        code = item.strip().lower()
        key = name_key(item)
        found = [
            u
            for u in units
            if (u.code is not None and u.code.lower() == code)
            or (key is not None and name_key(u.name) == key)
        ]
        if not found:
            unknown.append(item)
        chosen += [u for u in found if u not in chosen]
    if unknown:
        listing = "\n".join(f"  {u.code or '(chưa có mã)'}  {u.name}" for u in units)
        raise ValueError(
            f"Không tìm thấy đơn vị: {', '.join(unknown)}. "
            f"Các đơn vị có trong kho dữ liệu (mã, tên):\n{listing}"
        )
    return chosen


def load_report_data(paths: DataPaths, period: str, units: list[str] | None = None) -> ReportData:
    """Read the numbers of the report for `period` (`2020`, `2020-Q4`, `2020-10`)."""
    if not paths.warehouse.exists():
        raise FileNotFoundError(
            f"Chưa có kho dữ liệu {paths.warehouse}: hãy chạy `cchc run` trước khi lập báo cáo."
        )
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return _load(con, period, units)


def _load(
    con: duckdb.DuckDBPyConnection, wanted: str, wanted_units: list[str] | None
) -> ReportData:
    omitted: list[str] = []
    required = {
        "rpt_bieu06": PERIOD_COLUMNS + UNIT_COLUMNS + ("sector",) + BIEU06_COLUMNS,
        "ind_channels": PERIOD_COLUMNS + UNIT_COLUMNS + CHANNEL_COLUMNS,
        "fct_filings": ("case_code", "outcome", "received_at", "due_at", "ended_at"),
    }
    for table, columns in required.items():
        if not _has(con, table, columns):
            raise RuntimeError(
                f"Kho dữ liệu thiếu bảng {table} (hoặc cột của bảng): chạy lại `cchc run`."
            )
    has_uptake = _has(con, "ind_igate_uptake", PERIOD_COLUMNS + UNIT_COLUMNS + UPTAKE_COLUMNS)
    has_documents = _has(con, "ind_documents", PERIOD_COLUMNS + UNIT_COLUMNS + DOCUMENT_COLUMNS)
    if not has_uptake:
        omitted.append(
            "Đơn vị chưa tiếp nhận hồ sơ trên iGate: kho dữ liệu chưa có bảng ind_igate_uptake "
            "(danh mục đơn vị); bản đồ nhiệt chỉ gồm các đơn vị có hồ sơ."
        )
    if not has_documents:
        omitted.append(
            "Ký số và phát hành văn bản điện tử: kho dữ liệu chưa có bảng ind_documents."
        )
    tables = ["rpt_bieu06"] + (["ind_igate_uptake"] if has_uptake else [])
    period_tables = tables + (["ind_documents"] if has_documents else [])

    periods = available_periods(con, period_tables)
    match = [p for p in periods if p.period == wanted.strip()]
    if not match:
        listing = ", ".join(p.period for p in periods) or "(chưa có kỳ nào)"
        raise ValueError(f"Không có kỳ báo cáo '{wanted}' trong kho dữ liệu. Các kỳ có: {listing}")
    period = match[0]

    all_units = available_units(con, period_tables + ["ind_channels"])
    chosen = match_units(wanted_units, all_units) if wanted_units else None
    keys = {u.key for u in chosen} if chosen is not None else None

    params: list[object] = [period.period]
    bieu06 = _restrict(_frame(con, "SELECT * FROM rpt_bieu06 WHERE period = ?", params), keys)
    channels = _restrict(_frame(con, "SELECT * FROM ind_channels WHERE period = ?", params), keys)
    year_start = date(period.start.year, 1, 1)
    month_params: list[object] = [year_start, period.end]
    monthly = _restrict(
        _frame(
            con,
            "SELECT * FROM rpt_bieu06 WHERE period_type = 'month' "
            "AND period_start >= ? AND period_end <= ?",
            month_params,
        ),
        keys,
    )
    months = [
        p
        for p in periods
        if p.period_type == "month" and p.start >= year_start and p.end <= period.end
    ]
    late_cases = _restrict(_late_cases(con, period), keys)

    uptake = uptake_monthly = None
    if has_uptake:
        uptake = _restrict(
            _frame(con, "SELECT * FROM ind_igate_uptake WHERE period = ?", params), keys
        )
        uptake_monthly = _restrict(
            _frame(
                con,
                "SELECT * FROM ind_igate_uptake WHERE period_type = 'month' "
                "AND period_start >= ? AND period_end <= ?",
                month_params,
            ),
            keys,
        )
    documents = None
    documents_as_of = None
    if has_documents:
        documents = _restrict(
            _frame(con, "SELECT * FROM ind_documents WHERE period = ?", params), keys
        )
        documents_as_of = con.execute(
            "SELECT max(period_end) FROM ind_documents WHERE period_type = ?",
            [period.period_type],
        ).fetchone()[0]

    required = _required(con, period, keys, omitted)

    as_of = None
    if _has(con, "dim_as_of", ("as_of",)):
        as_of = con.execute("SELECT max(as_of) FROM dim_as_of").fetchone()[0]
    rows_rejected = None
    if _has(con, "dq_files", ("rows_rejected",)):
        rows_rejected = int(
            con.execute("SELECT coalesce(sum(rows_rejected), 0) FROM dq_files").fetchone()[0]
        )
    unmatched_units = None
    if _has(con, "dq_unmatched", ("kind", "name")):
        unmatched_units = int(
            con.execute("SELECT count(*) FROM dq_unmatched WHERE kind = 'unit'").fetchone()[0]
        )

    if chosen is not None:
        report_units = chosen
    else:
        seen = pd.concat(
            [
                f[["unit_code", "unit_name"]]
                for f in (bieu06, channels, uptake, documents)
                if f is not None
            ]
        ).drop_duplicates()
        report_units = sorted(
            {Unit(c if isinstance(c, str) else None, n) for c, n in seen.itertuples(index=False)},
            key=lambda u: (u.code is None, u.code or "", u.name),
        )
    return ReportData(
        period=period,
        as_of=as_of,
        units=report_units,
        chosen=chosen is not None,
        bieu06=bieu06,
        monthly=monthly,
        late_cases=late_cases,
        channels=channels,
        months=months,
        uptake=uptake,
        uptake_monthly=uptake_monthly,
        documents=documents,
        documents_as_of=documents_as_of,
        required=required,
        rows_rejected=rows_rejected,
        unmatched_units=unmatched_units,
        omitted=omitted,
    )


def _required(
    con: duckdb.DuckDBPyConnection, period: Period, keys: set[str] | None, omitted: list[str]
) -> pd.DataFrame | None:
    """The required documents of the period's year and the units that must issue them."""
    year = period.start.year
    if not _has(con, "ind_required_documents", REQUIRED_COLUMNS):
        omitted.append(
            "Ban hành kế hoạch, báo cáo theo yêu cầu: kho dữ liệu chưa có bảng "
            "ind_required_documents."
        )
        return None
    frame = _restrict(
        con.execute(
            "SELECT * FROM ind_required_documents WHERE year = ? ORDER BY deadline NULLS LAST, "
            "label, CASE unit_level WHEN 'tỉnh' THEN 1 WHEN 'huyện' THEN 2 WHEN 'xã' THEN 3 "
            "ELSE 4 END, unit_code",
            [year],
        ).df(),
        keys,
    )
    if frame.empty:
        omitted.append(
            f"Ban hành kế hoạch, báo cáo theo yêu cầu: danh mục văn bản phải ban hành "
            f"(reference/van_ban_bat_buoc…) không có văn bản nào của năm {year}"
            + (" cho các đơn vị đã chọn." if keys is not None else ".")
        )
        return None
    for column in ("deadline", "issued_on"):
        frame[column] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in frame[column]]
    return frame


def _late_cases(con: duckdb.DuckDBPyConnection, period: Period) -> pd.DataFrame:
    """Cases resolved late in the period, and cases pending at its end past their due date.

    Pending at E = received by E and not ended by E; overdue = due date before E (rpt_bieu06's
    rule). A pending case without a due date that rpt_bieu06 counts overdue by its procedure's
    time limit cannot be told from fct_filings and is not listed (the workbook says how many).
    """
    return con.execute(
        """
        SELECT
            case_code, procedure_code, procedure_name, sector, unit_code, unit_name, channel,
            received_at, due_at, finished_at, returned_at, ended_at, status_code, outcome,
            CASE WHEN outcome = 'late' AND cast(ended_at AS date) BETWEEN $start AND $end
                 THEN 'resolved_late' ELSE 'pending_overdue' END AS late_kind,
            CASE WHEN outcome = 'late' AND cast(ended_at AS date) BETWEEN $start AND $end
                 THEN datediff('day', cast(due_at AS date), cast(ended_at AS date))
                 ELSE datediff('day', cast(due_at AS date), $end) END AS days_late
        FROM fct_filings
        WHERE (outcome = 'late' AND cast(ended_at AS date) BETWEEN $start AND $end)
           OR (cast(received_at AS date) <= $end
               AND (ended_at IS NULL OR cast(ended_at AS date) > $end)
               AND cast(due_at AS date) < $end)
        ORDER BY unit_code NULLS LAST, unit_name, sector NULLS LAST, received_at, case_code
        """,
        {"start": period.start, "end": period.end},
    ).df()
