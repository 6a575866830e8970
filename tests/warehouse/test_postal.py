"""Public postal service (BCCI) items (docs/spec.md §3.3, §5 ind_postal) on real files.

Cases on iGate (Sở Tư pháp U01, UBND huyện Càng Long U02):
  P1 U01 postal  05/10   its file came by EB1 (in), its result went back by EB2 (out)
  P2 U01 postal  06/10   EB3 (in, no unit on the item: the case's unit), EB12 (out, November)
  P3 U02 postal  07/10   EB7 (in) — the item names a post office, not a registry unit
  P4 U02 postal  20/10   only EB11 (out, "Chuyển hoàn"): no `in` item → without item
  P5 U01 postal  02/11   no item → without item
  P6 U01 postal  20/09   no item; before the first postal month: only in the year 2020
  D1 U01 direct  01/10   its result went by post: EB5 (out, "Chuyển hoàn")
  N3 U01 postal  status 3 (not received): EB10 carrying its code is unmatched
Other items: EB4 (code XX-9999, unknown), EB6 (no case code, U02). EB1 is exported twice.
Rejected: EB8 (direction "Phát hành"), EB9 (delivered before it was accepted).
Postal periods run over accepted_on: 05/10/2020 … 10/11/2020 (the as-of date).
"""

from __future__ import annotations

import duckdb
import pytest

from flows.paths import DataPaths
from tests.support import (
    IGATE_HEADER,
    d,
    land_and_build,
    rows,
    write_csv,
    write_procedures,
    write_units,
    write_xlsx,
)

TP = "Sở Tư pháp"
CL = "UBND huyện Càng Long"
PO = "Bưu điện huyện Càng Long"  # not in the registry

FILE_1 = "raw/postal/2020/BCCI_T10.xlsx"
FILE_2 = "raw/postal/2020/BCCI_T11.csv"


def case(n, code, unit, channel, received, status="Đang xử lý", fin=None, ret=None):
    return [n, code, "2.000488", "Cấp Phiếu lý lịch tư pháp", "Tư pháp", unit, channel,
            received, None, fin, ret, status, "Nguyễn Văn An", "0901234567"]  # fmt: skip


CASES = [
    IGATE_HEADER,
    case(1, "P1", TP, "Bưu chính", "05/10/2020 09:00", "Đã trả kết quả", "12/10/2020",
         "12/10/2020 15:00"),
    case(2, "P2", TP, "BCCI", "06/10/2020 10:00"),
    case(3, "P3", CL, "3", "07/10/2020 08:30"),
    case(4, "P4", CL, "Qua bưu chính", "20/10/2020 14:00"),
    case(5, "P5", TP, "Dịch vụ bưu chính công ích", "02/11/2020 08:00"),
    case(6, "P6", TP, "Bưu chính công ích", "20/09/2020 08:00"),
    case(7, "D1", TP, "Trực tiếp", "01/10/2020 08:00", "Đã trả kết quả", "08/10/2020",
         "09/10/2020 09:00"),
    case(8, "O1", CL, "Trực tuyến", "08/10/2020 21:00"),
    case(9, "N3", TP, "Bưu chính", "19/10/2020 08:00", "Từ chối"),
]  # fmt: skip

TITLE = [
    ["TỔNG CÔNG TY BƯU ĐIỆN VIỆT NAM"],
    ["BƯU ĐIỆN TỈNH TRÀ VINH"],
    ["BẢNG KÊ BƯU GỬI DỊCH VỤ BƯU CHÍNH CÔNG ÍCH"],
    ["Tháng 10/2020"],
    [],
]
HEADER_1 = [
    "STT", "Mã bưu gửi", "Mã hồ sơ", "Loại dịch vụ", "Ngày chấp nhận", "Ngày phát", "Cơ quan",
    "Trạng thái",
]  # fmt: skip
OCTOBER = [
    *TITLE,
    HEADER_1,
    [1, "EB000000001VN", "P1", "Thu gom hồ sơ", "05/10/2020", "05/10/2020", TP,
     "Phát thành công"],  # row 7
    [2, "EB000000002VN", "P1", "Phát trả kết quả", "12/10/2020", "13/10/2020", TP,
     "Phát thành công"],
    [3, "EB000000003VN", "P2", "Nhận hồ sơ", "06/10/2020", "06/10/2020", None,
     "Phát thành công"],
    [4, "EB000000004VN", "XX-9999", "Gửi hồ sơ", "07/10/2020", "08/10/2020", TP,
     "Phát thành công"],
    [5, "EB000000005VN", "D1", "Trả kết quả", "09/10/2020", "12/10/2020", TP, "Chuyển hoàn"],
    [6, "EB000000006VN", None, "Thu gom hồ sơ", "09/10/2020", None, CL, "Đang phát"],
    [7, "EB000000007VN", "P3", "Thu gom hồ sơ", "07/10/2020", "07/10/2020", PO,
     "Phát thành công"],  # row 13
    [8, "EB000000008VN", "P3", "Phát hành", "08/10/2020", None, CL, None],  # row 14
    [9, "EB000000009VN", "P2", "Phát trả kết quả", "20/10/2020", "19/10/2020", TP, None],
    [10, "EB000000010VN", "N3", "Thu gom hồ sơ", "21/10/2020", "21/10/2020", TP,
     "Phát thành công"],  # row 16
    [],
    ["Tổng cộng: 10 bưu gửi"],
]  # fmt: skip
NOVEMBER = [
    ["Mã vận đơn", "Mã hồ sơ", "Chiều", "Ngày gửi", "Ngày phát thành công",
     "Cơ quan giải quyết", "Trạng thái phát"],
    # EB1 again (an overlapping export): one item
    ["EB000000001VN", "P1", "Chiều đi", "05/10/2020", "05/10/2020", TP, "Phát thành công"],
    ["EB000000011VN", "P4", "Chiều về", "03/11/2020", "05/11/2020", CL, "Chuyển hoàn"],
    ["EB000000012VN", "P2", "Chiều về", "10/11/2020", "11/11/2020", "sở tư pháp",
     "Phát thành công"],
]  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    paths = DataPaths(tmp_path_factory.mktemp("postal") / "data")
    write_units(paths, [("U01", TP, "tỉnh", "sở", ""), ("U02", CL, "huyện", "ubnd", "")])
    write_procedures(paths, [("2.000488", "Cấp Phiếu lý lịch tư pháp", "Tư pháp", 10)])
    write_xlsx(paths.raw / "igate" / "cases.xlsx", {"Sổ theo dõi": CASES})
    write_xlsx(paths.root / FILE_1, {"Bảng kê": OCTOBER})
    write_csv(paths.root / FILE_2, NOVEMBER, encoding="cp1258")
    results, build, con = land_and_build(paths)
    yield results, build, con
    con.close()


@pytest.fixture(scope="module")
def con(built) -> duckdb.DuckDBPyConnection:
    return built[2]


def test_row_accounting(con) -> None:
    got = con.execute(
        "SELECT file, status, rows_read, rows_loaded, rows_rejected, rows_skipped, "
        "rows_superseded FROM dq_files WHERE source = 'postal' ORDER BY file"
    ).fetchall()
    assert (
        got
        == [
            # 5 title rows, the header, a blank row and the total skipped; EB1 superseded by the
            # later-sorting November export
            (FILE_2, "loaded", 4, 3, 0, 1, 0),
            (FILE_1, "loaded", 18, 8, 2, 8, 1),
        ][::-1]
    )


def test_rejected_items(con) -> None:
    got = con.execute(
        "SELECT row_number, field, raw_value, severity FROM dq_rejects WHERE file = ? "
        "ORDER BY row_number",
        [FILE_1],
    ).fetchall()
    assert got == [
        (14, "direction", "Phát hành", "error"),
        (15, "delivered_on", "19/10/2020", "error"),
    ]


def test_direction_variants_and_item_units(con) -> None:
    items = {r["item_code"][-5:-2]: r for r in rows(con, "SELECT * FROM int_postal__items")}
    assert set(items) == {"001", "002", "003", "004", "005", "006", "007", "010", "011", "012"}
    assert {k: r["direction"] for k, r in items.items()} == {
        "001": "in",  # Chiều đi (the November copy wins)
        "002": "out",  # Phát trả kết quả
        "003": "in",  # Nhận hồ sơ
        "004": "in",  # Gửi hồ sơ
        "005": "out",  # Trả kết quả
        "006": "in",  # Thu gom hồ sơ
        "007": "in",
        "010": "in",
        "011": "out",  # Chiều về
        "012": "out",
    }
    assert items["001"]["source_file"] == FILE_2
    assert {k: (r["unit_code"], r["unit_name"]) for k, r in items.items()} == {
        "001": ("U01", TP),
        "002": ("U01", TP),
        "003": ("U01", TP),  # no unit on the item: its case's
        "004": ("U01", TP),
        "005": ("U01", TP),
        "006": ("U02", CL),
        "007": (None, PO),  # the item's own unit, even unmatched, before its case's
        "010": ("U01", TP),
        "011": ("U02", CL),
        "012": ("U01", TP),  # "sở tư pháp"
    }
    matched = {k for k, r in items.items() if r["is_case_matched"]}
    assert matched == {"001", "002", "003", "005", "007", "011", "012"}
    assert {k for k, r in items.items() if r["is_returned"]} == {"005", "011"}
    assert con.execute("SELECT kind, name, occurrences FROM dq_unmatched").fetchall() == [
        ("unit", PO, 1)
    ]


def test_ind_postal_columns(con) -> None:
    cols = con.execute("DESCRIBE ind_postal").fetchall()
    assert [(c[0], c[1]) for c in cols] == [
        ("period_type", "VARCHAR"),
        ("period", "VARCHAR"),
        ("period_start", "DATE"),
        ("period_end", "DATE"),
        ("unit_code", "VARCHAR"),
        ("unit_name", "VARCHAR"),
        ("items_in", "BIGINT"),
        ("items_out", "BIGINT"),
        ("items_in_matched", "BIGINT"),
        ("cases_postal", "BIGINT"),
        ("cases_postal_without_item", "BIGINT"),
        ("items_unmatched", "BIGINT"),
        ("items_returned", "BIGINT"),
    ]


def test_periods_run_over_accepted_on(con) -> None:
    got = con.execute(
        "SELECT DISTINCT period_type, period, period_start, period_end FROM ind_postal "
        "ORDER BY period_type, period"
    ).fetchall()
    assert got == [
        ("month", "2020-10", d("01/10/2020"), d("31/10/2020")),
        ("month", "2020-11", d("01/11/2020"), d("10/11/2020")),
        ("quarter", "2020-Q4", d("01/10/2020"), d("10/11/2020")),
        ("year", "2020", d("01/01/2020"), d("10/11/2020")),
    ]


# items_in, items_out, items_in_matched, cases_postal, cases_postal_without_item,
# items_unmatched, items_returned
EXPECTED = {
    # U01 in October: EB1 EB3 (matched) EB4 EB10 (unmatched) in, EB2 EB5 out (EB5 returned);
    # P1 P2 received by post, each with an `in` item
    ("2020-10", "U01", TP): (4, 2, 2, 2, 0, 2, 1),
    # U02: EB6 in without a case code; P3 (EB7 carries it in) and P4 (no `in` item)
    ("2020-10", "U02", CL): (1, 0, 0, 2, 1, 1, 0),
    ("2020-10", None, PO): (1, 0, 1, 0, 0, 0, 0),
    ("2020-11", "U01", TP): (0, 1, 0, 1, 1, 0, 0),  # EB12; P5 without an item
    ("2020-11", "U02", CL): (0, 1, 0, 0, 0, 0, 1),  # EB11, returned
    ("2020-Q4", "U01", TP): (4, 3, 2, 3, 1, 2, 1),
    ("2020-Q4", "U02", CL): (1, 1, 0, 2, 1, 1, 1),
    ("2020-Q4", None, PO): (1, 0, 1, 0, 0, 0, 0),
    ("2020", "U01", TP): (4, 3, 2, 4, 2, 2, 1),  # + P6, received in September
    ("2020", "U02", CL): (1, 1, 0, 2, 1, 1, 1),
    ("2020", None, PO): (1, 0, 1, 0, 0, 0, 0),
}


def test_ind_postal(con) -> None:
    got = con.execute(
        "SELECT period, unit_code, unit_name, items_in, items_out, items_in_matched, "
        "cases_postal, cases_postal_without_item, items_unmatched, items_returned "
        "FROM ind_postal"
    ).fetchall()
    assert {(r[0], r[1], r[2]): r[3:] for r in got} == EXPECTED
    assert len(got) == len(EXPECTED)


def test_postal_audits_ran_and_passed(built) -> None:
    _, build, _ = built
    audits = {a.name: a for a in build.audits}
    for name in ("ind_postal_counts", "ind_postal_items_counted_once", "dq_files_row_accounting"):
        assert audits[name].passed, audits[name]


def test_no_items_no_postal_rows(tmp_path) -> None:
    # The table's periods are the items' own (docs/spec.md §5): postal cases alone make none.
    paths = DataPaths(tmp_path / "data")
    write_units(paths, [("U01", TP, "tỉnh", "sở", "")])
    write_xlsx(paths.raw / "igate" / "cases.xlsx", {"S": CASES[:3]})
    _, _, con = land_and_build(paths)
    try:
        assert con.execute("SELECT count(*) FROM ind_postal").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM fct_filings").fetchone() == (2,)
    finally:
        con.close()
