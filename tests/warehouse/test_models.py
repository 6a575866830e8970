"""The SQL models and the model runner, on a real DuckDB file.

The dataset below is small enough that every expected number is named by hand. Timeline:
cases received 2020-09-01 … 2020-11-30; the latest date anywhere is A13's finish on 2020-12-03,
so the as-of date is 2020-12-03 and the last month (2020-11), quarter (2020-Q4) and year (2020)
all end on it. Calendar: 2020-09-02 is a public holiday; Saturday 2020-10-10 is a swapped
working day and Monday 2020-10-12 a day off (reference/ overrides).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from flows.ingest.landing import landing_schema
from flows.ingest.profile import get_profile
from flows.ingest.sources import landed_views
from flows.ingest.text import name_key, sector_key
from flows.warehouse.runner import (
    MODEL_LAYERS,
    AuditError,
    ModelError,
    ModelGraphError,
    build,
    discover_models,
    order_models,
    read_names,
    run_audits,
    run_models,
)

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"

FILE_A = "raw/igate/2020/a.xlsx"
FILE_B = "raw/igate/2020/b.csv"

# ---------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------

UNIT_ROWS = [
    # unit_code, unit_name, level, parent, kind, aliases
    ("U01", "Sở Tài nguyên và Môi trường", "tỉnh", None, "sở", "Sở TN&MT; STNMT"),
    ("U02", "UBND huyện Càng Long", "huyện", None, "ubnd", "Huyện Càng Long"),
    ("U03", "UBND xã An Trường", "xã", "U02", "ubnd", None),
    ("U04", "Trung tâm Phục vụ hành chính công", "tỉnh", None, "trung tâm", "TTPVHCC"),
    # shares the alias TTPVHCC with U04: the lower code, U04, takes the key
    ("U05", "Trung tâm PVHCC tỉnh", "tỉnh", None, "trung tâm", "TTPVHCC"),
]

PROCEDURE_ROWS = [
    # procedure_code, procedure_name, sector, time_limit_days
    ("P1", "Cấp giấy chứng nhận quyền sử dụng đất", "Đất đai", 10),
    ("P2", "Đăng ký khai sinh", "Hộ tịch", 3),
    ("P3", "Chứng thực bản sao", "Chứng thực", None),
]

HOLIDAY_OVERRIDES = [
    (date(2020, 10, 10), "working", "làm bù"),
    (date(2020, 10, 12), "off", "nghỉ bù"),
]

PUBLIC_HOLIDAYS = [
    (date(2020, 1, 1), "Tết Dương lịch"),
    (date(2020, 9, 2), "Quốc khánh"),
    (date(2021, 1, 1), "Tết Dương lịch"),
]

# ---------------------------------------------------------------------------------------------
# Case rows (land_igate)
# ---------------------------------------------------------------------------------------------

U01_NAME = "Sở Tài nguyên và Môi trường"
CL = "Ủy ban nhân dân huyện Càng Long"  # matches U02's name once UBND is expanded
TP = "Phòng Tư pháp huyện Càng Long"  # matches nothing

_next_row: dict[tuple[str, int], int] = {}


def _ts(value: str | None) -> datetime | None:
    if value is None:
        return None
    if len(value) == 10:
        value += " 08:00"
    return datetime.strptime(value, "%Y-%m-%d %H:%M")


def case(
    code: str,
    unit: str,
    sector: str | None,
    proc: str | None,
    channel: str,
    recv: str,
    due: str | None = None,
    fin: str | None = None,
    ret: str | None = None,
    status: int = 4,
    file: str = FILE_A,
    sheet_index: int = 0,
    row: int | None = None,
    apology: str | None = None,
    proc_name: str | None = None,
) -> tuple:
    key = (file, sheet_index)
    if row is None:
        row = _next_row.get(key, 4) + 1
    _next_row[key] = max(row, _next_row.get(key, 4))
    sheet = "b" if file == FILE_B else f"Sheet{sheet_index + 1}"
    return (
        file, sheet, sheet_index, row, code, proc, proc_name, sector, unit, channel,
        _ts(recv), _ts(due), _ts(fin), _ts(ret), _ts(apology), status,
    )  # fmt: skip


CASE_ROWS = [
    # U01 × Đất đai (P1, limit 10 working days), written in several spellings
    case("A01", U01_NAME, "Đất đai", "P1", "online", "2020-09-07", "2020-09-21",
         fin="2020-09-18 10:00", ret="2020-09-20", status=10),
    case("A02", "STNMT", "Lĩnh vực Đất đai", "P1", "direct", "2020-09-10", "2020-09-24",
         fin="2020-09-24 16:00", status=9, proc_name="Cấp GCN QSDĐ"),
    case("A03", "sở tài nguyên và môi trường", "đất đai", "P1", "postal", "2020-09-14",
         "2020-09-28", ret="2020-10-02", status=10, apology="2020-09-29"),
    case("A04", "Sở TN&MT", None, "P1", "direct", "2020-09-21", "2020-10-05", status=4),
    case("A05", U01_NAME, "Đất đai", "P1", "online", "2020-09-25", status=5),
    case("A06", U01_NAME, "Đất đai", "P1", "online", "2020-10-01", "2020-10-15",
         fin="2020-10-14", status=9),
    case("A07", U01_NAME, "Đất đai", "P1", "online", "2020-10-05", "2020-10-19",
         fin="2020-10-21", ret="2020-10-22", status=10),
    case("A08", U01_NAME, "Đất đai", "P1", "direct", "2020-10-06", "2020-10-20",
         fin="2020-10-08", ret="2020-10-09", status=7),
    case("A09", U01_NAME, "Đất đai", "P1", "postal", "2020-10-20 14:30", status=8),
    case("A10", U01_NAME, "Đất đai", "P1", "postal", "2020-10-26", "2020-11-09", status=2),
    case("A11", U01_NAME, "Đất đai", "P1", "online", "2020-11-02", "2020-12-15", status=4),
    case("A12", U01_NAME, "Đất đai", "P1", "direct", "2020-11-05", "2020-11-19",
         fin="2020-11-19", status=9),
    case("A13", U01_NAME, "Đất đai", "P1", "direct", "2020-11-20", fin="2020-12-03",
         status=9),
    # not received: counted nowhere but in dq_ tables
    case("A14", U01_NAME, "Đất đai", "P1", "online", "2020-09-29", status=1),
    case("A15", TP, "Đất đai", "P1", "direct", "2020-10-07", status=3),
    # U04 (by the shared alias): one withdrawn case, so its rates have zero denominators
    case("B01", "TTPVHCC", "Chứng thực", "P3", "direct", "2020-10-12 08:00",
         fin="2020-10-12 15:00", status=7),
    # U02 × Hộ tịch (P2, limit 3): no due dates; the calendar decides
    case("N1", CL, None, "P2", "online", "2020-10-08", fin="2020-10-13", status=9),
    case("N2", "UBND huyện Càng Long", None, "P2", "postal", "2020-10-08",
         fin="2020-10-14", ret="2020-10-15", status=10),
    case("N3", "Huyện Càng Long", None, "P2", "direct", "2020-09-01", fin="2020-09-07",
         status=9),
    case("N3b", CL, None, "P2", "direct", "2020-09-01", fin="2020-09-08", status=9),
    case("N6", CL, None, "P2", "direct", "2020-11-25", status=4),
    case("N7", CL, None, "P2", "direct", "2020-11-30", status=4),
    # no due date and no time limit
    case("N4", "U03", "Chứng thực", "P3", "direct", "2020-10-20", ret="2020-10-23",
         status=10),
    case("N5", TP, "Xây dựng", "P9", "direct", "2020-10-22", fin="2020-10-29", status=9,
         proc_name="Thủ tục lạ"),
    # resolved without any end date
    case("N8", "U03", "Chứng thực", "P3", "direct", "2020-11-10", "2020-11-20", status=9),
    # deduplication (U05 by name, Hộ tịch)
    case("D1", "Trung tâm PVHCC tỉnh", "Hộ tịch", "P2", "direct", "2020-09-15",
         "2020-09-30", fin="2020-09-25", status=9),
    case("D2", "Trung tâm PVHCC tỉnh", "Hộ tịch", "P2", "direct", "2020-09-16",
         "2020-09-30", fin="2020-09-20 10:00", ret="2020-09-20 10:00", status=10),
    case("D3", "Trung tâm PVHCC tỉnh", "Hộ tịch", "P2", "online", "2020-09-17", row=90),
    case("D4", "Trung tâm PVHCC tỉnh", "Hộ tịch", "P2", "online", "2020-09-18", row=95),
    case("D4", "Trung tâm PVHCC tỉnh", "Hộ tịch", "P2", "postal", "2020-09-18",
         sheet_index=1, row=3),
    case("D5", "Trung tâm PVHCC tỉnh", None, None, "direct", "2020-09-18", sheet_index=1,
         row=4),
    case("D5", "Trung tâm PVHCC tỉnh", None, None, "direct", "2020-09-18", sheet_index=1,
         row=6),
    # the later-sorting file b.csv
    case("D1", "Trung tâm PVHCC tỉnh", "Hộ tịch", "P2", "direct", "2020-09-15", status=4,
         file=FILE_B, row=2),
    case("D2", "Trung tâm PVHCC tỉnh", "Hộ tịch", "P2", "direct", "2020-09-16",
         "2020-09-30", fin="2020-09-20 10:00", status=9, file=FILE_B, row=3),
    case("D3", "Trung tâm PVHCC tỉnh", "Hộ tịch", "P2", "direct", "2020-09-17", file=FILE_B,
         row=4),
    case("A03", "sở tài nguyên và môi trường", "đất đai", "P1", "postal", "2020-09-14",
         "2020-09-28", status=4, apology="2020-09-27", file=FILE_B, row=5),
]  # fmt: skip

REJECT_ROWS = [
    (FILE_B, "b", 9, "status", "Không rõ", "unknown status", "error"),
]

IGATE_COLUMNS = """
    source_file VARCHAR, sheet VARCHAR, sheet_index INTEGER, row_number INTEGER,
    case_code VARCHAR, procedure_code VARCHAR, procedure_name VARCHAR, sector VARCHAR,
    receiving_unit VARCHAR, channel VARCHAR, received_at TIMESTAMP, due_at TIMESTAMP,
    finished_at TIMESTAMP, returned_at TIMESTAMP, apology_at TIMESTAMP, status INTEGER
"""


def _file_rows(case_rows: list[tuple], reject_rows: list[tuple]) -> list[tuple]:
    """land_files rows consistent with the case rows: 4 header/title rows skipped per sheet."""
    sheets: dict[tuple[str, str, int], int] = {}
    for row in case_rows:
        sheets[(row[0], row[1], row[2])] = sheets.get((row[0], row[1], row[2]), 0) + 1
    out = []
    for (file, sheet, index), loaded in sorted(sheets.items()):
        rejected = sum(1 for r in reject_rows if r[0] == file and r[1] == sheet)
        skipped = 4
        out.append(
            (file, "igate", sheet, index, "loaded", loaded + rejected + skipped, loaded,
             rejected, skipped, None)
        )  # fmt: skip
    out.append(("raw/igate/ghi_chu.txt", "igate", None, None, "skipped", 0, 0, 0, 0,
                "unsupported file type .txt"))  # fmt: skip
    return out


def make_prepare(
    case_rows: list[tuple] = CASE_ROWS,
    reject_rows: list[tuple] = REJECT_ROWS,
) -> Callable[[duckdb.DuckDBPyConnection], None]:
    """A `prepare` for build(): the provided tables and functions, from the rows above."""

    def prepare(con: duckdb.DuckDBPyConnection) -> None:
        con.create_function("name_key", name_key, ["VARCHAR"], "VARCHAR")
        con.create_function("sector_key", sector_key, ["VARCHAR"], "VARCHAR")
        con.execute("CREATE TABLE ref_public_holidays (day DATE, name VARCHAR)")
        con.executemany("INSERT INTO ref_public_holidays VALUES (?, ?)", PUBLIC_HOLIDAYS)

        con.execute(f"CREATE TEMP TABLE land_igate_rows ({IGATE_COLUMNS})")
        if case_rows:
            con.executemany(
                f"INSERT INTO land_igate_rows VALUES ({', '.join('?' * 16)})", case_rows
            )
        con.execute("CREATE TEMP VIEW land_igate AS SELECT * FROM land_igate_rows")

        con.execute(
            """CREATE TEMP TABLE land_units (source_file VARCHAR, sheet VARCHAR,
            sheet_index INTEGER, row_number INTEGER, unit_code VARCHAR, unit_name VARCHAR,
            unit_level VARCHAR, parent_code VARCHAR, unit_kind VARCHAR, aliases VARCHAR,
            valid_from DATE, valid_to DATE, successor_code VARCHAR)"""
        )
        con.executemany(
            "INSERT INTO land_units VALUES (?, 'Sheet1', 0, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)",
            [("raw/reference/units.xlsx", i + 2, *u) for i, u in enumerate(UNIT_ROWS)],
        )
        con.execute(
            """CREATE TEMP TABLE land_procedures (source_file VARCHAR, sheet VARCHAR,
            sheet_index INTEGER, row_number INTEGER, procedure_code VARCHAR,
            procedure_name VARCHAR, sector VARCHAR, procedure_level VARCHAR,
            online_level VARCHAR, time_limit_days INTEGER, one_stop BOOLEAN,
            unit_codes VARCHAR)"""
        )
        con.executemany(
            "INSERT INTO land_procedures VALUES "
            "(?, 'Sheet1', 0, ?, ?, ?, ?, 'tỉnh', 'partial', ?, true, NULL)",
            [
                ("raw/reference/procedures.xlsx", i + 2, code, name, sector, limit)
                for i, (code, name, sector, limit) in enumerate(PROCEDURE_ROWS)
            ],
        )
        con.execute(
            """CREATE TEMP TABLE land_holidays (source_file VARCHAR, sheet VARCHAR,
            sheet_index INTEGER, row_number INTEGER, day DATE, day_kind VARCHAR,
            note VARCHAR)"""
        )
        con.executemany(
            "INSERT INTO land_holidays VALUES ('raw/reference/holidays.csv', 'holidays', 0, "
            "?, ?, ?, ?)",
            [(i + 2, *h) for i, h in enumerate(HOLIDAY_OVERRIDES)],
        )
        con.execute(
            """CREATE TEMP TABLE land_files (file VARCHAR, source VARCHAR, sheet VARCHAR,
            sheet_index INTEGER, status VARCHAR, rows_read BIGINT, rows_loaded BIGINT,
            rows_rejected BIGINT, rows_skipped BIGINT, message VARCHAR)"""
        )
        con.executemany(
            "INSERT INTO land_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _file_rows(case_rows, reject_rows),
        )
        con.execute(
            """CREATE TEMP TABLE land_rejects (file VARCHAR, sheet VARCHAR,
            row_number INTEGER, field VARCHAR, raw_value VARCHAR, reason VARCHAR,
            severity VARCHAR)"""
        )
        if reject_rows:
            con.executemany("INSERT INTO land_rejects VALUES (?, ?, ?, ?, ?, ?, ?)", reject_rows)
        # The other landed sources (documents, postal, late, …): empty, with their real schema.
        made = {"land_igate", "land_units", "land_procedures", "land_holidays"}
        for source, view in landed_views().items():
            if view not in made:
                con.register(f"_{view}_empty", landing_schema(get_profile(source)).empty_table())
                con.execute(
                    f"CREATE TEMP VIEW {view} AS "
                    f"SELECT NULL::VARCHAR AS source_file, * FROM _{view}_empty"
                )

    return prepare


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    target = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    result = build(target, make_prepare(), SQL_DIR)
    assert not [a for a in result.audits if a.severity == "error" and not a.passed]
    con = duckdb.connect(str(target), read_only=True)
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def filings(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    return {r["case_code"]: r for r in rows(con, "SELECT * FROM fct_filings")}


# ---------------------------------------------------------------------------------------------
# fct_filings: one row per received case
# ---------------------------------------------------------------------------------------------


def test_fct_filings_columns_in_contract_order(warehouse: duckdb.DuckDBPyConnection) -> None:
    cols = warehouse.execute("DESCRIBE fct_filings").fetchall()
    assert [(c[0], c[1]) for c in cols] == [
        ("case_code", "VARCHAR"),
        ("procedure_code", "VARCHAR"),
        ("procedure_name", "VARCHAR"),
        ("sector", "VARCHAR"),
        ("unit_code", "VARCHAR"),
        ("unit_name", "VARCHAR"),
        ("channel", "VARCHAR"),
        ("received_at", "TIMESTAMP"),
        ("due_at", "TIMESTAMP"),
        ("finished_at", "TIMESTAMP"),
        ("returned_at", "TIMESTAMP"),
        ("ended_at", "TIMESTAMP"),
        ("status_code", "INTEGER"),
        ("outcome", "VARCHAR"),
        ("apology_at", "TIMESTAMP"),
        ("source_file", "VARCHAR"),
        # beyond the contract, last: the unit that carries the case's unit on today
        ("unit_current_code", "VARCHAR"),
        ("unit_current_name", "VARCHAR"),
    ]


def test_statuses_1_and_3_are_not_received(warehouse: duckdb.DuckDBPyConnection) -> None:
    f = filings(warehouse)
    assert "A14" not in f and "A15" not in f
    assert len(f) == 28  # 30 case codes, less the two not received


def test_dedup_latest_activity_wins_over_file_order(warehouse) -> None:
    d1 = filings(warehouse)["D1"]
    assert (d1["source_file"], d1["status_code"], d1["outcome"]) == (FILE_A, 9, "early")


def test_dedup_activity_tie_goes_to_higher_status(warehouse) -> None:
    d2 = filings(warehouse)["D2"]
    assert (d2["source_file"], d2["status_code"]) == (FILE_A, 10)


def test_dedup_status_tie_goes_to_file_sorting_last(warehouse) -> None:
    d3 = filings(warehouse)["D3"]
    assert (d3["source_file"], d3["channel"]) == (FILE_B, "direct")


def test_dedup_file_tie_goes_to_later_row(warehouse) -> None:
    assert filings(warehouse)["D4"]["channel"] == "postal"  # sheet 2 row 3 beats sheet 1 row 95
    winners = rows(
        warehouse,
        "SELECT case_code, sheet_index, row_number FROM int_cases__deduplicated "
        "WHERE case_code IN ('D4', 'D5') ORDER BY case_code",
    )
    assert [(w["sheet_index"], w["row_number"]) for w in winners] == [(1, 3), (1, 6)]


def test_apology_is_the_earliest_of_the_case_rows(warehouse) -> None:
    assert filings(warehouse)["A03"]["apology_at"] == datetime(2020, 9, 27, 8, 0)


def test_units_matched_by_code_name_alias_and_lowest_code(warehouse) -> None:
    f = filings(warehouse)
    for code in ("A01", "A02", "A03", "A04"):  # name, alias, lower case, alias with '&'
        assert (f[code]["unit_code"], f[code]["unit_name"]) == ("U01", U01_NAME)
    for code in ("N1", "N2", "N3"):  # UBND expanded, registry name, alias
        assert (f[code]["unit_code"], f[code]["unit_name"]) == ("U02", "UBND huyện Càng Long")
    assert (f["N4"]["unit_code"], f["N4"]["unit_name"]) == ("U03", "UBND xã An Trường")
    assert f["B01"]["unit_code"] == "U04"  # TTPVHCC is an alias of U04 and U05
    assert f["D1"]["unit_code"] == "U05"
    assert (f["N5"]["unit_code"], f["N5"]["unit_name"]) == (None, TP)


def test_sectors_and_procedures_matched_to_catalogue(warehouse) -> None:
    f = filings(warehouse)
    assert {f[c]["sector"] for c in ("A01", "A02", "A03")} == {"Đất đai"}
    assert f["A04"]["sector"] == "Đất đai"  # no sector: the catalogue's, by procedure
    assert f["N1"]["sector"] == "Hộ tịch"
    assert f["N5"]["sector"] == "Xây dựng"  # unmatched: kept as written
    assert f["D5"]["sector"] is None  # no sector, no procedure
    # the export's procedure name as written; the catalogue's when the export has none
    assert f["A01"]["procedure_name"] == "Cấp giấy chứng nhận quyền sử dụng đất"
    assert f["A02"]["procedure_name"] == "Cấp GCN QSDĐ"
    assert f["N5"]["procedure_name"] == "Thủ tục lạ"


@pytest.mark.parametrize(
    ("code", "ended_at", "outcome"),
    [
        ("A01", datetime(2020, 9, 18, 10, 0), "early"),  # finished wins over returned
        ("A02", datetime(2020, 9, 24, 16, 0), "on_time"),  # same date as due, later hour
        ("A03", datetime(2020, 10, 2, 8, 0), "late"),  # returned only
        ("A04", None, "pending"),
        ("A08", datetime(2020, 10, 9, 8, 0), "withdrawn"),  # greater of finished/returned
        ("A09", datetime(2020, 10, 20, 14, 30), "stopped"),  # no dates: ended at received
        ("A13", datetime(2020, 12, 3, 8, 0), "on_time"),  # 9 working days ≤ 10
        # P2, 3 working days, received Thu 2020-10-08: Fri, Sat (working), Mon off, Tue = 3
        ("N1", datetime(2020, 10, 13, 8, 0), "on_time"),
        ("N2", datetime(2020, 10, 14, 8, 0), "late"),  # + Wed = 4
        # received Tue 2020-09-01, Wed 09-02 a holiday: Thu, Fri, Mon = 3; + Tue = 4
        ("N3", datetime(2020, 9, 7, 8, 0), "on_time"),
        ("N3b", datetime(2020, 9, 8, 8, 0), "late"),
        ("N4", datetime(2020, 10, 23, 8, 0), "on_time"),  # no due date, no limit
        ("N5", datetime(2020, 10, 29, 8, 0), "on_time"),  # procedure not in the catalogue
        ("N8", datetime(2020, 11, 10, 8, 0), "early"),  # resolved with no end date
        ("B01", datetime(2020, 10, 12, 15, 0), "withdrawn"),
    ],
)
def test_ended_at_and_outcome(warehouse, code: str, ended_at, outcome: str) -> None:
    f = filings(warehouse)[code]
    assert (f["ended_at"], f["outcome"]) == (ended_at, outcome)


def test_overdue_from_without_due_date_counts_working_days(warehouse) -> None:
    got = dict(
        warehouse.execute(
            "SELECT case_code, overdue_from FROM int_cases__outcomes "
            "WHERE case_code IN ('A05', 'N6', 'N7')"
        ).fetchall()
    )
    # A05, Fri 09-25 + 10 working days = Fri 10-09; the 11th is the swapped Saturday 10-10
    assert got == {
        "A05": date(2020, 10, 10),
        "N6": date(2020, 12, 1),
        "N7": date(2020, 12, 4),
    }


def test_calendar(warehouse) -> None:
    cal = {
        r["day"]: r
        for r in rows(
            warehouse,
            "SELECT * FROM int_calendar WHERE day BETWEEN '2020-09-01' AND '2020-10-13'",
        )
    }
    assert not cal[date(2020, 9, 2)]["is_working_day"]  # public holiday
    assert cal[date(2020, 10, 10)]["is_working_day"]  # swapped Saturday
    assert not cal[date(2020, 10, 11)]["is_working_day"]
    assert not cal[date(2020, 10, 12)]["is_working_day"]  # day off override

    def wdn(d: date) -> int:
        return cal[d]["working_day_number"]

    assert wdn(date(2020, 10, 13)) - wdn(date(2020, 10, 8)) == 3
    bounds = warehouse.execute("SELECT min(day), max(day) FROM int_calendar").fetchone()
    assert bounds == (date(2000, 1, 1), date(2040, 12, 31))


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------


def test_periods_last_one_ends_at_as_of(warehouse) -> None:
    got = warehouse.execute(
        "SELECT period_type, period, period_start, period_end FROM int_periods "
        "ORDER BY period_type, period_start"
    ).fetchall()
    assert got == [
        ("month", "2020-09", date(2020, 9, 1), date(2020, 9, 30)),
        ("month", "2020-10", date(2020, 10, 1), date(2020, 10, 31)),
        ("month", "2020-11", date(2020, 11, 1), date(2020, 12, 3)),
        ("quarter", "2020-Q3", date(2020, 7, 1), date(2020, 9, 30)),
        ("quarter", "2020-Q4", date(2020, 10, 1), date(2020, 12, 3)),
        ("year", "2020", date(2020, 1, 1), date(2020, 12, 3)),
    ]
    assert warehouse.execute("SELECT as_of FROM dim_as_of").fetchall() == [(date(2020, 12, 3),)]


# ---------------------------------------------------------------------------------------------
# rpt_bieu06
# ---------------------------------------------------------------------------------------------

BIEU06_COLUMNS = [
    "received_online", "received_direct_postal", "received_total", "carried_over",
    "resolved_early", "resolved_on_time", "resolved_late", "resolved_total",
    "pending_not_due", "pending_overdue", "pending_total", "other_ended",
]  # fmt: skip

# U01 × Đất đai, by hand (see the case list):
#  Sep: received A01 A05 online, A02 A03 A04 direct/postal; A01 early, A02 on time;
#       pending A03 (due 09-28, overdue), A04 (due 10-05), A05 (overdue from 10-10)
#  Oct: carried A03 A04 A05; received A06 A07 online, A08 A09 A10; A03 late, A06 early,
#       A07 late; pending A04 A05 overdue, A10 not due; A08 withdrawn, A09 stopped
#  Nov (to 12-03): carried A04 A05 A10; received A11 online, A12 A13; A12 A13 on time;
#       pending A04 A05 A10 overdue, A11 not due
U01_LAND = {
    ("month", "2020-09"): (2, 3, 5, 0, 1, 1, 0, 2, 2, 1, 3, 0),
    ("month", "2020-10"): (2, 3, 5, 3, 1, 0, 2, 3, 1, 2, 3, 2),
    ("month", "2020-11"): (1, 2, 3, 3, 0, 2, 0, 2, 1, 3, 4, 0),
    ("quarter", "2020-Q3"): (2, 3, 5, 0, 1, 1, 0, 2, 2, 1, 3, 0),
    ("quarter", "2020-Q4"): (3, 5, 8, 3, 1, 2, 2, 5, 1, 3, 4, 2),
    ("year", "2020"): (5, 8, 13, 0, 2, 3, 2, 7, 1, 3, 4, 2),
}


def test_rpt_bieu06_columns(warehouse) -> None:
    cols = warehouse.execute("DESCRIBE rpt_bieu06").fetchall()
    assert [c[0] for c in cols] == [
        "period_type", "period", "period_start", "period_end", "unit_code", "unit_name",
        "sector", *BIEU06_COLUMNS,
    ]  # fmt: skip
    types = {c[0]: c[1] for c in cols}
    assert {types[c] for c in BIEU06_COLUMNS} == {"BIGINT"}
    assert types["period_start"] == types["period_end"] == "DATE"


@pytest.mark.parametrize(("period_type", "period"), list(U01_LAND))
def test_rpt_bieu06_u01_land(warehouse, period_type: str, period: str) -> None:
    got = warehouse.execute(
        f"SELECT {', '.join(BIEU06_COLUMNS)}, unit_name FROM rpt_bieu06 "
        "WHERE unit_code = 'U01' AND sector = 'Đất đai' AND period_type = ? AND period = ?",
        [period_type, period],
    ).fetchall()
    assert got == [(*U01_LAND[(period_type, period)], U01_NAME)]


def test_rpt_bieu06_pending_without_due_date(warehouse) -> None:
    # U02 × Hộ tịch in 2020-11: N6 past its 3 working days by 12-03, N7 not yet
    got = warehouse.execute(
        f"SELECT {', '.join(BIEU06_COLUMNS)} FROM rpt_bieu06 "
        "WHERE unit_code = 'U02' AND period = '2020-11'"
    ).fetchall()
    assert got == [(0, 2, 2, 0, 0, 0, 0, 0, 1, 1, 2, 0)]


def test_rpt_bieu06_rows_only_where_something_counts(warehouse) -> None:
    got = warehouse.execute(
        "SELECT period, unit_code, unit_name, sector FROM rpt_bieu06 WHERE unit_code = 'U04' "
        "OR unit_code IS NULL ORDER BY period_type, period, unit_code NULLS FIRST"
    ).fetchall()
    assert got == [
        ("2020-10", None, TP, "Xây dựng"),
        ("2020-10", "U04", "Trung tâm Phục vụ hành chính công", "Chứng thực"),
        ("2020-Q4", None, TP, "Xây dựng"),
        ("2020-Q4", "U04", "Trung tâm Phục vụ hành chính công", "Chứng thực"),
        ("2020", None, TP, "Xây dựng"),
        ("2020", "U04", "Trung tâm Phục vụ hành chính công", "Chứng thực"),
    ]


def test_rpt_bieu06_identity_everywhere(warehouse) -> None:
    bad = warehouse.execute(
        "SELECT count(*) FROM rpt_bieu06 WHERE carried_over + received_total "
        "<> resolved_total + pending_total + other_ended"
    ).fetchone()[0]
    assert bad == 0
    year_total = warehouse.execute(
        "SELECT sum(received_total) FROM rpt_bieu06 WHERE period_type = 'year'"
    ).fetchone()[0]
    assert year_total == 28


# ---------------------------------------------------------------------------------------------
# ind_channels and ind_late
# ---------------------------------------------------------------------------------------------

U01_CHANNELS = {
    # received_total, online, postal, direct, online_rate, postal_rate
    ("month", "2020-09"): (5, 2, 1, 2, 2 / 5, 1 / 5),
    ("month", "2020-10"): (5, 2, 2, 1, 2 / 5, 2 / 5),
    ("month", "2020-11"): (3, 1, 0, 2, 1 / 3, 0.0),
    ("quarter", "2020-Q3"): (5, 2, 1, 2, 2 / 5, 1 / 5),
    ("quarter", "2020-Q4"): (8, 3, 2, 3, 3 / 8, 2 / 8),
    ("year", "2020"): (13, 5, 3, 5, 5 / 13, 3 / 13),
}


def test_ind_channels_columns(warehouse) -> None:
    cols = warehouse.execute("DESCRIBE ind_channels").fetchall()
    assert [(c[0], c[1]) for c in cols] == [
        ("period_type", "VARCHAR"),
        ("period", "VARCHAR"),
        ("period_start", "DATE"),
        ("period_end", "DATE"),
        ("unit_code", "VARCHAR"),
        ("unit_name", "VARCHAR"),
        ("received_total", "BIGINT"),
        ("received_online", "BIGINT"),
        ("received_postal", "BIGINT"),
        ("received_direct", "BIGINT"),
        ("online_rate", "DOUBLE"),
        ("postal_rate", "DOUBLE"),
    ]


@pytest.mark.parametrize(("period_type", "period"), list(U01_CHANNELS))
def test_ind_channels_u01(warehouse, period_type: str, period: str) -> None:
    got = warehouse.execute(
        "SELECT received_total, received_online, received_postal, received_direct, "
        "online_rate, postal_rate FROM ind_channels "
        "WHERE unit_code = 'U01' AND period_type = ? AND period = ?",
        [period_type, period],
    ).fetchall()
    assert got == [pytest.approx(U01_CHANNELS[(period_type, period)])]


def test_ind_channels_u04_only_in_october(warehouse) -> None:
    got = warehouse.execute(
        "SELECT period, received_total, received_direct, online_rate, postal_rate "
        "FROM ind_channels WHERE unit_code = 'U04' ORDER BY period"
    ).fetchall()
    assert got == [
        ("2020", 1, 1, 0.0, 0.0),
        ("2020-10", 1, 1, 0.0, 0.0),
        ("2020-Q4", 1, 1, 0.0, 0.0),
    ]


U01_LATE = {
    # resolved_total, resolved_late, pending_total, pending_overdue, late_rate, overdue_or_late
    ("month", "2020-09"): (2, 0, 3, 1, 0.0, 1 / 5),
    ("month", "2020-10"): (3, 2, 3, 2, 2 / 3, 4 / 6),
    ("month", "2020-11"): (2, 0, 4, 3, 0.0, 3 / 6),
    ("quarter", "2020-Q3"): (2, 0, 3, 1, 0.0, 1 / 5),
    ("quarter", "2020-Q4"): (5, 2, 4, 3, 2 / 5, 5 / 9),
    ("year", "2020"): (7, 2, 4, 3, 2 / 7, 5 / 11),
}


def test_ind_late_columns(warehouse) -> None:
    cols = warehouse.execute("DESCRIBE ind_late").fetchall()
    assert [(c[0], c[1]) for c in cols] == [
        ("period_type", "VARCHAR"),
        ("period", "VARCHAR"),
        ("period_start", "DATE"),
        ("period_end", "DATE"),
        ("unit_code", "VARCHAR"),
        ("unit_name", "VARCHAR"),
        ("sector", "VARCHAR"),
        ("resolved_total", "BIGINT"),
        ("resolved_late", "BIGINT"),
        ("pending_total", "BIGINT"),
        ("pending_overdue", "BIGINT"),
        ("late_rate", "DOUBLE"),
        ("overdue_or_late_rate", "DOUBLE"),
    ]


@pytest.mark.parametrize(("period_type", "period"), list(U01_LATE))
def test_ind_late_u01_land(warehouse, period_type: str, period: str) -> None:
    got = warehouse.execute(
        "SELECT resolved_total, resolved_late, pending_total, pending_overdue, late_rate, "
        "overdue_or_late_rate FROM ind_late "
        "WHERE unit_code = 'U01' AND sector = 'Đất đai' AND period_type = ? AND period = ?",
        [period_type, period],
    ).fetchall()
    assert got == [pytest.approx(U01_LATE[(period_type, period)])]


def test_ind_late_has_the_rows_of_bieu06_and_null_rates(warehouse) -> None:
    counts = warehouse.execute(
        "SELECT (SELECT count(*) FROM ind_late), (SELECT count(*) FROM rpt_bieu06)"
    ).fetchone()
    assert counts[0] == counts[1]
    # U04 only has a withdrawn case: nothing resolved or pending, so both rates are NULL
    got = warehouse.execute(
        "SELECT resolved_total, pending_total, late_rate, overdue_or_late_rate FROM ind_late "
        "WHERE unit_code = 'U04' AND period = '2020-10'"
    ).fetchall()
    assert got == [(0, 0, None, None)]


# ---------------------------------------------------------------------------------------------
# Data-quality tables
# ---------------------------------------------------------------------------------------------


def test_dq_files_counts_superseded_rows_per_sheet(warehouse) -> None:
    got = warehouse.execute(
        "SELECT file, sheet, status, rows_read, rows_loaded, rows_rejected, rows_skipped, "
        "rows_superseded, message FROM dq_files ORDER BY file, sheet"
    ).fetchall()
    assert got == [
        # Sheet1: D3 (file b wins) and D4 (Sheet2 wins); Sheet2: D5's first copy
        (FILE_A, "Sheet1", "loaded", 4 + 29, 29, 0, 4, 2, None),
        (FILE_A, "Sheet2", "loaded", 4 + 3, 3, 0, 4, 1, None),
        # b.csv: D1 (less activity), D2 (lower status), A03 (less activity)
        (FILE_B, "b", "loaded", 4 + 4 + 1, 4, 1, 4, 3, None),
        ("raw/igate/ghi_chu.txt", None, "skipped", 0, 0, 0, 0, 0, "unsupported file type .txt"),
    ]
    cols = [c[0] for c in warehouse.execute("DESCRIBE dq_files").fetchall()]
    assert cols == [
        "file", "source", "sheet", "status", "rows_read", "rows_loaded", "rows_rejected",
        "rows_skipped", "rows_superseded", "message",
    ]  # fmt: skip


def test_dq_rejects_landing_rows_and_build_warnings(warehouse) -> None:
    got = warehouse.execute(
        "SELECT file, sheet, row_number, field, raw_value, reason, severity FROM dq_rejects "
        "ORDER BY severity, file, row_number"
    ).fetchall()
    row = {r[4]: r[3] for r in CASE_ROWS}  # case code -> row number (all in file a, sheet 1)
    no_deadline = "no due date and no time limit for the procedure: outcome taken as on time"
    no_end = "resolved status without finished or returned date: ended at the received date"
    assert got == [
        (FILE_B, "b", 9, "status", "Không rõ", "unknown status", "error"),
        (FILE_A, "Sheet1", row["N4"], "due_at", None, no_deadline, "warning"),
        (FILE_A, "Sheet1", row["N5"], "due_at", None, no_deadline, "warning"),
        (FILE_A, "Sheet1", row["N8"], "finished_at", None, no_end, "warning"),
    ]


def test_dq_unmatched_counts_loaded_rows(warehouse) -> None:
    got = warehouse.execute("SELECT kind, name, occurrences FROM dq_unmatched").fetchall()
    # the unit: N5 and the not-received A15 (a loaded row all the same)
    assert got == [("unit", TP, 2), ("sector", "Xây dựng", 1)]


def test_audits_pass_and_warn_on_unmatched_units(tmp_path: Path) -> None:
    result = build(tmp_path / "w.duckdb", make_prepare(), SQL_DIR)
    by_name = {a.name: a for a in result.audits}
    assert all(a.passed for a in result.audits if a.severity == "error")
    assert by_name["fct_filings_unit_unmatched"].violations == 1
    # The models call the build's functions: DuckDB needs them to find what each one reads.
    with duckdb.connect() as con:
        make_prepare()(con)
        models = discover_models(SQL_DIR, connection=con)
    assert set(result.timings) == {m.name for m in models}


def test_build_with_no_cases(tmp_path: Path) -> None:
    target = tmp_path / "empty.duckdb"
    build(target, make_prepare(case_rows=[], reject_rows=[]), SQL_DIR)
    con = duckdb.connect(str(target), read_only=True)
    try:
        for table in ("fct_filings", "rpt_bieu06", "ind_channels", "ind_late", "int_periods"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------
# The runner
# ---------------------------------------------------------------------------------------------


def write_models(root: Path, files: dict[str, str]) -> Path:
    for rel, sql in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql, encoding="utf-8")
    return root


def write_whole_tree(root: Path, files: dict[str, str]) -> Path:
    """write_models, with every layer folder a build requires."""
    for layer in MODEL_LAYERS:
        (root / layer).mkdir(parents=True, exist_ok=True)
    return write_models(root, files)


def test_read_names_ignore_ctes_functions_files_comments_and_strings(tmp_path: Path) -> None:
    data = tmp_path / "x.parquet"
    duckdb.execute(f"COPY (SELECT 1 AS n) TO '{data}' (FORMAT parquet)")
    reads = read_names(
        f"""
        -- FROM commented_out
        WITH a AS (SELECT * FROM b), c(x) AS MATERIALIZED (SELECT extract(year FROM d.t) FROM d)
        SELECT * FROM a JOIN c ON true, e AS ee
        LEFT JOIN range(3) r ON true
        JOIN read_parquet('{data}') p ON true
        JOIN '{data}' q ON true
        JOIN generate_series(1, 2) g ON true
        WHERE trim(both FROM ee.s) = 'FROM quoted' AND ee.x IS NOT DISTINCT FROM ee.y
          AND ee.k IN (SELECT k FROM main."Other") /* JOIN hidden */
          AND EXISTS (SELECT 1 FROM f WHERE f.k = ee.k)
        """
    )
    assert reads == {"b", "d", "e", "f", "other"}


def test_a_cte_named_like_a_table_reads_that_table() -> None:
    assert read_names("WITH b AS (SELECT * FROM main.b) SELECT * FROM b") == {"b"}


def test_reads_are_found_with_the_functions_of_the_connection(tmp_path: Path) -> None:
    sql_dir = write_models(
        tmp_path / "sql",
        {"m/keyed.sql": "SELECT name_key(x) AS k, twice(1) AS t FROM src, pairs(2)"},
    )
    # Without the build's functions DuckDB cannot bind the model: the error names the file.
    with pytest.raises(ModelGraphError, match=r"keyed\.sql: cannot tell which tables"):
        discover_models(sql_dir)
    files = []
    for n in range(2):
        files.append(tmp_path / f"part{n}.parquet")
        duckdb.execute(f"COPY (SELECT 'a' AS x) TO '{files[-1]}' (FORMAT parquet)")
    with duckdb.connect() as con:
        con.create_function("name_key", name_key, ["VARCHAR"], "VARCHAR")
        con.execute("CREATE MACRO twice(v) AS v * 2")
        con.execute("CREATE MACRO pairs(n) AS TABLE SELECT range AS i FROM range(n)")
        # A provided view as the build makes them: over a list of landed files.
        listed = ", ".join(f"'{f}'" for f in files)
        con.execute(f"CREATE TEMP VIEW src AS SELECT * FROM read_parquet([{listed}])")
        (model,) = discover_models(sql_dir, connection=con)
        assert model.reads == {"src"}
        run_models(con, [model])
        assert con.execute("SELECT k, t FROM keyed").fetchall() == [("a", 2)] * 4


def test_models_run_in_dependency_order(tmp_path: Path) -> None:
    sql_dir = write_models(
        tmp_path / "sql",
        {
            "marts/c.sql": "SELECT x + 1 AS x FROM b",
            "intermediate/b.sql": "-- materialized: view\nSELECT x * 10 AS x FROM a;\n",
            "staging/a.sql": "WITH src AS (SELECT * FROM source) SELECT x FROM src;\n-- end\n",
            "tests/not_a_model.sql": "-- severity: error\nSELECT * FROM c WHERE false",
        },
    )
    models = discover_models(sql_dir)
    assert [m.name for m in models] == ["a", "b", "c"]  # sorted by dependency, not by path
    assert {m.name: m.materialized for m in models} == {"a": "table", "b": "view", "c": "table"}
    assert [m.name for m in order_models(models, ["source"])] == ["a", "b", "c"]

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE source AS SELECT 1 AS x")
    timings = run_models(con, models)
    assert list(timings) == ["a", "b", "c"]
    assert con.execute("SELECT x FROM c").fetchall() == [(11,)]
    kinds = dict(
        con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall()
    )
    assert kinds["b"] == "VIEW" and kinds["c"] == "BASE TABLE"
    con.close()


def test_cycle_is_an_error_naming_the_files(tmp_path: Path) -> None:
    sql_dir = write_models(
        tmp_path / "sql",
        {
            "a/one.sql": "SELECT * FROM two",
            "a/two.sql": "SELECT * FROM three",
            "a/three.sql": "SELECT * FROM one",
            "a/free.sql": "SELECT 1 AS x",
        },
    )
    with pytest.raises(ModelGraphError) as err:
        discover_models(sql_dir)
    message = str(err.value)
    assert "one.sql" in message and "two.sql" in message and "three.sql" in message
    assert "free.sql" not in message


def test_missing_name_is_an_error_naming_file_and_name(tmp_path: Path) -> None:
    sql_dir = write_models(tmp_path / "sql", {"m/reader.sql": "SELECT * FROM nowhere_table"})
    with pytest.raises(ModelGraphError, match=r"reader\.sql.*nowhere_table"):
        discover_models(sql_dir, provided=["land_igate"])
    # without the provided names, run_models finds it missing among the connection's tables
    with pytest.raises(ModelGraphError, match=r"reader\.sql.*nowhere_table"):
        run_models(duckdb.connect(), discover_models(sql_dir))


def test_sql_error_names_the_file(tmp_path: Path) -> None:
    sql_dir = write_models(
        tmp_path / "sql", {"m/broken.sql": "SELECT no_such_column FROM range(1)"}
    )
    con = duckdb.connect()
    with pytest.raises(ModelError, match=r"broken\.sql.*no_such_column"):
        run_models(con, discover_models(sql_dir))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _prepare_numbers(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TEMP VIEW land_numbers AS SELECT range AS n FROM range(5)")


def test_audit_error_keeps_the_old_warehouse(tmp_path: Path) -> None:
    sql_dir = write_whole_tree(
        tmp_path / "sql",
        {
            "marts/numbers.sql": "SELECT n FROM land_numbers",
            "tests/small.sql": "-- severity: error\nSELECT n FROM numbers WHERE n > 100",
        },
    )
    target = tmp_path / "processed" / "warehouse.duckdb"
    build(target, _prepare_numbers, sql_dir)
    before = _digest(target)

    (sql_dir / "tests" / "small.sql").write_text(
        "-- severity: error\nSELECT n FROM numbers WHERE n > 2", encoding="utf-8"
    )
    (sql_dir / "marts" / "numbers.sql").write_text(
        "SELECT n * 2 AS n FROM land_numbers", encoding="utf-8"
    )
    with pytest.raises(AuditError) as err:
        build(target, _prepare_numbers, sql_dir)
    message = str(err.value)
    assert "small" in message and "'n': 4" in message and "3 violating" in message
    assert _digest(target) == before
    assert not (tmp_path / "processed" / "warehouse.duckdb.building").exists()
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("SELECT max(n) FROM numbers").fetchone()[0] == 4
    con.close()


def test_warning_audits_do_not_fail_the_build(tmp_path: Path) -> None:
    sql_dir = write_whole_tree(
        tmp_path / "sql",
        {
            "marts/numbers.sql": "SELECT n FROM land_numbers",
            "tests/big.sql": "-- severity: warning\nSELECT n FROM numbers WHERE n >= 1",
            "tests/fine.sql": "-- severity: error\nSELECT n FROM numbers WHERE n < 0",
        },
    )
    target = tmp_path / "warehouse.duckdb"
    (tmp_path / "warehouse.duckdb.building").write_bytes(b"leftover of a crashed build")
    result = build(target, _prepare_numbers, sql_dir)
    audits = {a.name: a for a in result.audits}
    assert audits["big"].severity == "warning" and audits["big"].violations == 4
    assert audits["big"].sample == [{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}]
    assert audits["fine"].passed
    assert result.warnings == [audits["big"]]
    assert target.exists() and not (tmp_path / "warehouse.duckdb.building").exists()


def test_audit_without_severity_line_is_rejected(tmp_path: Path) -> None:
    tests_dir = write_models(tmp_path / "tests", {"a.sql": "SELECT 1"})
    with pytest.raises(ModelGraphError, match=r"a\.sql"):
        run_audits(duckdb.connect(), tests_dir)
