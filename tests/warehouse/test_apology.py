"""Late-case lists and apology slips (docs/spec.md §3.5, §5 ind_apology) on real files.

Sở TN&MT (U01). Land cases (1.004221, 10 working days) and one civil-status case (1.001193,
3 working days, no due date). The apology must be dated at least one day before the deadline
(Decree 61/2018 Art. 19(9)); the earliest date of igate/ and late/ is the case's.

  case received due     finished  apology (igate / late list)       in time  reschedules
  L1   01/10    08/10   12/10     06/10 / —  (its list row rejected) yes      0
  L2   01/10    08/10   13/10     — / 08/10 (on the due date)       no       1
  L3   02/10    09/10   15/10     — / —      (listed, no slip)      —        0
  L4   02/10    09/10   16/10     08/10 / 05/10 → 05/10             yes      2
  L5   05/10    12/10   20/10     — / 09/10 (T10), 14/10 (T11)      yes      2 new dates
  L6   05/10    12/10   22/10     — / 14/10 (after the due date)    no       1
  L7   Thu 01/10 (none) 08/10     — / 05/10; deadline Tue 06/10     yes      1
  L8   20/10    27/10   03/11     27/10 / —                         no       3
  E1   01/10    08/10   07/10     early: listed, but not a late case
  O1   05/10    12/10   —         still open, overdue
  N1   10/11    20/11   —         open, not due (it makes November a period: as-of 10/11)
  ZZ-0001: in both lists, no such case.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from flows.paths import DataPaths
from tests.support import (
    IGATE_HEADER,
    land_and_build,
    rows,
    write_csv,
    write_procedures,
    write_units,
    write_xlsx,
)

TN = "Sở Tài nguyên và Môi trường"
LAND = "Đất đai"
CIVIL = "Hộ tịch"
WAIT = "Chờ ý kiến cơ quan phối hợp"
SURVEY = "Hồ sơ phải đo đạc lại"
LEAVE = "Cán bộ thụ lý nghỉ phép"
ORIGIN = "Chờ xác minh nguồn gốc đất"

FILE_A = "raw/late/2020/Danh sach tre han T10.xlsx"
FILE_B = "raw/late/2020/Danh sach tre han T11.csv"


def case(n, code, received, due, fin=None, apology=None, proc="1.004221"):
    status = "Đã có kết quả" if fin else "Đang xử lý"
    return [n, code, proc, "Thủ tục", None, TN, "Trực tiếp", received, due, fin, None, status,
            "Nguyễn Văn An", "0901234567", apology]  # fmt: skip


CASES = [
    [*IGATE_HEADER, "Ngày xin lỗi"],
    case(1, "L1", "01/10/2020", "08/10/2020", "12/10/2020", "06/10/2020 10:00"),
    case(2, "L2", "01/10/2020", "08/10/2020", "13/10/2020"),
    case(3, "L3", "02/10/2020", "09/10/2020", "15/10/2020"),
    case(4, "L4", "02/10/2020", "09/10/2020", "16/10/2020", "08/10/2020 10:00"),
    case(5, "L5", "05/10/2020", "12/10/2020", "20/10/2020"),
    case(6, "L6", "05/10/2020", "12/10/2020", "22/10/2020"),
    case(7, "L7", "01/10/2020", None, "08/10/2020", proc="1.001193"),
    case(8, "L8", "20/10/2020", "27/10/2020", "03/11/2020", "27/10/2020 08:00"),
    case(9, "E1", "01/10/2020", "08/10/2020", "07/10/2020"),
    case(10, "O1", "05/10/2020", "12/10/2020"),
    case(11, "N1", "10/11/2020", "20/11/2020"),
]

LIST_HEADER = [
    "STT", "Mã hồ sơ", "Tên thủ tục", "Lý do trễ hạn", "Ngày xin lỗi", "Ngày hẹn trả mới",
    "Đơn vị gây trễ", "Số lần hẹn lại",
]  # fmt: skip
OCTOBER = [
    ["UBND TỈNH TRÀ VINH"],
    ["SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG"],
    ["DANH SÁCH HỒ SƠ TRỄ HẠN"],
    ["Tháng 10 năm 2020"],
    [],
    LIST_HEADER,
    [1, "L2", "Thủ tục", f"{WAIT}.", "08/10/2020 09:00", "15/10/2020", "Chi nhánh VPĐKĐĐ", 1],
    [2, "L3", "Thủ tục", "chờ ý kiến cơ quan phối hợp", None, None, None, None],
    [3, "L4", "Thủ tục", SURVEY, "05/10/2020 10:00", "14/10/2020", "Phòng Đo đạc", 2],
    [4, "L5", "Thủ tục", WAIT, "09/10/2020 08:00", "15/10/2020", None, 1],  # row 10
    [5, "L6", "Thủ tục", f"{LEAVE};", "14/10/2020 16:00", "22/10/2020", None, 1],
    [6, "L7", "Thủ tục", "Cho y kien co quan phoi hop", "05/10/2020 15:00", "09/10/2020",
     None, "1"],
    [7, "L8", "Thủ tục", SURVEY, None, "03/11/2020", None, 3],
    [8, "E1", "Thủ tục", SURVEY, "06/10/2020", None, None, None],
    [9, "ZZ-0001", "Thủ tục", "Không rõ", "10/10/2020", None, None, None],  # row 15
    [10, None, "Thủ tục", "Quá tải", "10/10/2020", None, None, None],  # row 16: no case code
    [11, "L1", "Thủ tục", "Quá tải", "32/10/2020", None, None, None],  # row 17: no such date
    [],
    ["Tổng cộng: 11 hồ sơ"],
    [None, "Người lập biểu"],
]  # fmt: skip
NOVEMBER = [
    ["Mã hồ sơ", "Nguyên nhân", "Ngày gửi phiếu xin lỗi", "Ngày hẹn lại",
     "Đơn vị chịu trách nhiệm"],
    ["L5", None, "14/10/2020 09:00", "19/10/2020", None],
    ["O1", ORIGIN, None, None, None],
    ["ZZ-0001", "Không rõ", None, None, None],
    ["N1", None, None, None, None],
]  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    paths = DataPaths(tmp_path_factory.mktemp("apology") / "data")
    write_units(paths, [("U01", TN, "tỉnh", "sở", "")])
    write_procedures(
        paths,
        [("1.004221", "Đăng ký biến động", LAND, 10), ("1.001193", "Đăng ký khai sinh", CIVIL, 3)],
    )
    write_xlsx(paths.raw / "igate" / "cases.xlsx", {"Sổ theo dõi": CASES})
    write_xlsx(paths.root / FILE_A, {"Tháng 10": OCTOBER})
    write_csv(paths.root / FILE_B, NOVEMBER)
    results, build, con = land_and_build(paths)
    yield results, build, con
    con.close()


@pytest.fixture(scope="module")
def con(built) -> duckdb.DuckDBPyConnection:
    return built[2]


def test_row_accounting(con) -> None:
    got = con.execute(
        "SELECT file, status, rows_read, rows_loaded, rows_rejected, rows_skipped, "
        "rows_superseded FROM dq_files WHERE source = 'late' ORDER BY file"
    ).fetchall()
    assert (
        got
        == [
            # 5 title rows, the header, a blank row and 2 footer rows skipped; L5 and ZZ-0001
            # superseded by the later-sorting November list
            (FILE_B, "loaded", 5, 4, 0, 1, 0),
            (FILE_A, "loaded", 20, 9, 2, 9, 2),
        ][::-1]
    )
    rejects = con.execute(
        "SELECT row_number, field, raw_value, severity FROM dq_rejects WHERE file = ? "
        "ORDER BY row_number",
        [FILE_A],
    ).fetchall()
    assert rejects == [(16, "case_code", None, "error"), (17, "apology_at", "32/10/2020", "error")]


def test_unknown_case_is_kept_and_listed(con) -> None:
    assert con.execute("SELECT kind, name, occurrences FROM dq_unmatched").fetchall() == [
        ("case", "ZZ-0001", 2)
    ]
    late = {r["case_code"]: r for r in rows(con, "SELECT * FROM int_late__cases")}
    assert late["ZZ-0001"]["late_rows"] == 2


def test_a_case_in_two_lists_is_one_case(con) -> None:
    late = {r["case_code"]: r for r in rows(con, "SELECT * FROM int_late__cases")}
    assert set(late) == {"L2", "L3", "L4", "L5", "L6", "L7", "L8", "E1", "ZZ-0001", "O1", "N1"}
    l5 = late["L5"]
    # the earliest apology; the November list's new date; the reason only October gives;
    # two new dates, so two reschedules although each list says one or nothing
    assert l5["apology_at"] == datetime(2020, 10, 9, 8, 0)
    assert l5["new_due_at"] == datetime(2020, 10, 19)
    assert l5["reason"] == WAIT
    assert (l5["reschedules"], l5["late_rows"], l5["source_file"]) == (2, 2, FILE_B)
    assert {c: r["reschedules"] for c, r in late.items()} == {
        "L2": 1, "L3": 0, "L4": 2, "L5": 2, "L6": 1, "L7": 1, "L8": 3, "E1": 0, "ZZ-0001": 0,
        "O1": 0, "N1": 0,
    }  # fmt: skip


def test_fct_filings_apology_is_the_earliest_of_igate_and_late(con) -> None:
    got = dict(con.execute("SELECT case_code, apology_at FROM fct_filings").fetchall())
    assert got == {
        "L1": datetime(2020, 10, 6, 10, 0),  # igate only (its list row was rejected)
        "L2": datetime(2020, 10, 8, 9, 0),  # the list only
        "L3": None,
        "L4": datetime(2020, 10, 5, 10, 0),  # the list's, earlier than igate's 08/10
        "L5": datetime(2020, 10, 9, 8, 0),  # the earlier of the two lists
        "L6": datetime(2020, 10, 14, 16, 0),
        "L7": datetime(2020, 10, 5, 15, 0),
        "L8": datetime(2020, 10, 27, 8, 0),
        "E1": datetime(2020, 10, 6, 0, 0),
        "O1": None,
        "N1": None,
    }


def test_late_cases_with_their_deadline_and_apology(con) -> None:
    got = {
        r["case_code"]: (str(r["deadline_date"]), r["has_apology"], r["is_apology_in_time"])
        for r in rows(con, "SELECT * FROM int_cases__late")
    }
    assert got == {
        "L1": ("2020-10-08", True, True),
        "L2": ("2020-10-08", True, False),  # on the due date: too late
        "L3": ("2020-10-09", False, False),
        "L4": ("2020-10-09", True, True),
        "L5": ("2020-10-12", True, True),
        "L6": ("2020-10-12", True, False),  # after the due date
        "L7": ("2020-10-06", True, True),  # 3 working days after Thu 01/10; the day before
        "L8": ("2020-10-27", True, False),
    }


def test_ind_apology_columns(con) -> None:
    cols = con.execute("DESCRIBE ind_apology").fetchall()
    assert [(c[0], c[1]) for c in cols] == [
        ("period_type", "VARCHAR"),
        ("period", "VARCHAR"),
        ("period_start", "DATE"),
        ("period_end", "DATE"),
        ("unit_code", "VARCHAR"),
        ("unit_name", "VARCHAR"),
        ("late_cases", "BIGINT"),
        ("with_apology", "BIGINT"),
        ("apology_in_time", "BIGINT"),
        ("rescheduled_more_than_once", "BIGINT"),
        ("apology_rate", "DOUBLE"),
        ("apology_in_time_rate", "DOUBLE"),
    ]


def test_ind_apology(con) -> None:
    got = con.execute(
        "SELECT period, unit_code, unit_name, late_cases, with_apology, apology_in_time, "
        "rescheduled_more_than_once, apology_rate, apology_in_time_rate FROM ind_apology"
    ).fetchall()
    assert {r[0]: r[1:] for r in got} == {
        # L1–L7 resolved late in October: no slip for L3; in time L1 L4 L5 L7; L4 L5 moved twice
        "2020-10": ("U01", TN, 7, 6, 4, 2, pytest.approx(6 / 7), pytest.approx(4 / 7)),
        # L8: a slip on the due date, three new dates
        "2020-11": ("U01", TN, 1, 1, 0, 1, 1.0, 0.0),
        "2020-Q4": ("U01", TN, 8, 7, 4, 3, pytest.approx(7 / 8), 0.5),
        "2020": ("U01", TN, 8, 7, 4, 3, pytest.approx(7 / 8), 0.5),
    }
    assert len(got) == 4


def test_ind_late_reasons(con) -> None:
    got = con.execute(
        "SELECT period, sector, reason, late_cases, pending_overdue FROM ind_late_reasons "
        "WHERE unit_code = 'U01'"
    ).fetchall()
    october = [
        (CIVIL, WAIT, 1, 0),  # L7, written without accents
        (LAND, None, 1, 0),  # L1: in no list
        (LAND, LEAVE, 1, 0),  # "…nghỉ phép;"
        (LAND, ORIGIN, 0, 1),  # O1, open and overdue
        (LAND, WAIT, 3, 0),  # L2 "…hợp.", L3 "chờ …", L5
        (LAND, SURVEY, 1, 1),  # L4; L8 open and overdue on 31/10
    ]
    november = [(LAND, ORIGIN, 0, 1), (LAND, SURVEY, 1, 0)]
    to_date = [
        (CIVIL, WAIT, 1, 0),
        (LAND, None, 1, 0),
        (LAND, LEAVE, 1, 0),
        (LAND, ORIGIN, 0, 1),
        (LAND, WAIT, 3, 0),
        (LAND, SURVEY, 2, 0),
    ]
    expected = (
        [("2020-10", *r) for r in october]
        + [("2020-11", *r) for r in november]
        + [("2020-Q4", *r) for r in to_date]
        + [("2020", *r) for r in to_date]
    )
    assert sorted(got, key=repr) == sorted(expected, key=repr)


def test_apology_audits_ran_and_passed(built) -> None:
    _, build, _ = built
    audits = {a.name: a for a in build.audits}
    for name in (
        "ind_apology_counts",
        "ind_late_reasons_match_ind_late",
        "fct_filings_apology_is_earliest",
        "dq_files_row_accounting",
    ):
        assert audits[name].passed, audits[name]
    assert audits["late_cases_unknown"].violations == 1  # a warning: ZZ-0001
