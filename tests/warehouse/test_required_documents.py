"""Required documents (docs/spec.md §9): who issued the plans and reports an inspection asks for.

Real files in a data root, landed and built by the pipeline's own steps, every expected row
named by hand.

Registry (all valid from 2015): Sở Nội vụ (T01) and Sở Tư pháp (T02), tỉnh; UBND huyện Càng
Long (H01, alias `UBND H. Càng Long`) and Phòng Tư pháp huyện Càng Long (H02), huyện; UBND xã
An Trường (X01) and UBND xã Bình Phú (X02, its level written `Cấp xã`), xã; UBND xã Nhị Long
(X03, ended 31/12/2019) and UBND xã Tân An (X04, from 01/01/2021).

`reference/van_ban_bat_buoc_2020.xlsx` (sorts after the CSV, so its rows win):
  A 2020 Kế hoạch CCHC năm 2020        Kế hoạch  "Kế hoạch cải cách hành chính; năm 2020"
    every level, 01/12/2019 – (31/12/2020), deadline 31/01/2020
  B 2020 Kế hoạch CQTT 2020            kế hoạch  "Chính quyền, công sở thân thiện và trách
    nhiệm; năm 2020"   `tỉnh; Cấp huyện`, (01/01/2020) – 30/09/2020, deadline 31/03/2020
  C 2020 Báo cáo CCHC quý III          any type  "cải cách hành chính; quý III"
    xã, 01/09/2020 – 31/10/2020, deadline 10/10/2020
  D 2021 Kế hoạch CCHC năm 2021        Kế hoạch  xã, no document at all
  and four rows the build rejects (rows 8–11).
`reference/required_documents_bo_sung.csv`: A again (label in lower case, deadline 15/02/2020:
superseded by the workbook's row) and five rows rejected (four by landing, one by the build).

Outgoing documents and what they fulfil:
  T01  10/KH-SNV   15/01/2020  A on time; 25/KH-SNV 10/02/2020 fulfils A too (2 matched)
       40/KH-SNV   10/10/2020  B: after the window
       05/BC-SNV   25/09/2020  C: fulfils it, but tỉnh is not required
  T02  05/CV-STP   10/01/2020  A: a Công văn (wrong type)
       07/KH-STP   12/01/2020  A: abstract lacks `năm 2020`
       08/KH-STP   13/01/2020  A: `năm 2021`
       09/KH-STP   15/03/2020  B on time (curly quotes in the abstract)
  H01  12/KH-UBND  10/02/2020  A late (secret, upper case, written by its alias)
       20/KH-UBND  15/04/2020  B late
  H02  15/KH-PTP   25/11/2019  A: before the window
       16/KH-PTP   20/03/2020  B: abstract lacks the model's name
  X01  12/KH-UBND and 3/KH-UBND (`Kế họach`, old tone placement), both 20/12/2019: A, the
       lower number named (2 matched)
       30/BC-UBND  25/09/2020  C on time (a Báo cáo: any type)
  X02  41/UBND     15/10/2020  C late (a Công văn)
       in a register without `Loại văn bản`: 04/UBND 10/01/2020 `V/v triển khai Kế hoạch …`
       (no plan: its abstract does not start with `Kế hoạch`) and 05/KH-UBND 20/01/2020, A on
       time (its abstract starts with the type)
  X03  02/KH-UBND  10/01/2020  A, but X03 is not valid in 2020
  Phòng Văn hóa và Thông tin huyện Càng Long (not in the registry): A's plan, fulfils nothing
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from flows.paths import DataPaths
from tests.support import UNIT_HEADER, d, land_and_build, rows, write_csv, write_xlsx

LIST_XLSX = "raw/reference/van_ban_bat_buoc_2020.xlsx"
LIST_CSV = "raw/reference/required_documents_bo_sung.csv"
REGISTER = "raw/documents/So van ban di 2020.xlsx"
TYPELESS = "raw/documents/xa/Bình Phú.xlsx"

A = "Kế hoạch CCHC năm 2020"
B = "Kế hoạch CQTT 2020"
C = "Báo cáo CCHC quý III"
D = "Kế hoạch CCHC năm 2021"

LIST_HEADER = ["Năm", "Nội dung", "Loại văn bản", "Từ khóa", "Cấp", "Từ ngày", "Đến ngày", "Hạn"]
CCHC_2020 = "Kế hoạch cải cách hành chính; năm 2020"
CQTT = "Chính quyền, công sở thân thiện và trách nhiệm;năm 2020"

LIST_ROWS = [
    ["DANH MỤC VĂN BẢN PHẢI BAN HÀNH"],  # row 1
    [],
    LIST_HEADER,  # row 3
    [2020, A, "Kế hoạch", CCHC_2020, None, "01/12/2019", None, datetime(2020, 1, 31)],
    [2020, B, "kế hoạch", CQTT, "tỉnh; Cấp huyện", None, "30/09/2020", "31/03/2020"],
    [2020, C, None, "cải cách hành chính; quý III", "xã", "01/09/2020", "31/10/2020",
     "10/10/2020"],
    [2021, D, "Kế hoạch", "Kế hoạch cải cách hành chính; năm 2021", "xã", None, None, None],
    [20, "Năm viết thiếu", "Kế hoạch", "cải cách", "phường", None, None, None],  # row 8
    [2020, "Cấp lạ", "Kế hoạch", "cải cách", "tỉnh;quận", None, None, None],  # row 9
    [2020, "Cửa sổ ngược", "Kế hoạch", "cải cách", None, None, "15/12/2019", None],  # row 10
    [2020, "Không có cụm từ", "Kế hoạch", " ; ", None, None, None, None],  # row 11
]  # fmt: skip
LIST_CSV_ROWS = [
    LIST_HEADER,  # line 1
    [2020, "kế hoạch cchc năm 2020", "Kế hoạch", CCHC_2020, "", "01/12/2019", "", "15/02/2020"],
    ["hai nghìn", "Năm bằng chữ", "Kế hoạch", "cải cách", "", "", "", "31/12/2020"],  # line 3
    [2020, "Cửa sổ đảo", "", "cải cách", "", "01/06/2020", "01/05/2020", ""],  # line 4
    [2020, "Hạn quá sớm", "", "cải cách", "", "", "", "15/12/2019"],  # line 5
    [2020, "", "Kế hoạch", "cải cách", "xã", "", "", "31/12/2020"],  # line 6
    [2020, "Hạn sai", "Kế hoạch", "cải cách", "xã", "", "", "31/02/2020"],  # line 7
]  # fmt: skip

UNITS = [
    ("T01", "Sở Nội vụ", "tỉnh", "sở", "", "01/01/2015", None),
    ("T02", "Sở Tư pháp", "tỉnh", "sở", "", "01/01/2015", None),
    ("H01", "UBND huyện Càng Long", "huyện", "ubnd", "UBND H. Càng Long", "01/01/2015", None),
    ("H02", "Phòng Tư pháp huyện Càng Long", "huyện", "phòng", "", "01/01/2015", None),
    ("X01", "UBND xã An Trường", "xã", "ubnd", "", "01/01/2015", None),
    ("X02", "UBND xã Bình Phú", "Cấp xã", "ubnd", "", "01/01/2015", None),
    ("X03", "UBND xã Nhị Long", "xã", "ubnd", "", "01/01/2015", "31/12/2019"),
    ("X04", "UBND xã Tân An", "xã", "ubnd", "", "01/01/2021", None),
]
NAMES = {code: name for code, name, *_ in UNITS}

REGISTER_HEADER = [
    "STT", "Số, ký hiệu", "Ngày ban hành", "Loại văn bản", "Trích yếu", "Đơn vị ban hành",
    "Người ký", "Độ mật", "Ký số",
]  # fmt: skip
VH = "Phòng Văn hóa và Thông tin huyện Càng Long"
PLAN = "Kế hoạch cải cách hành chính năm 2020"
MODEL = "Kế hoạch thực hiện mô hình “Chính quyền, công sở thân thiện và trách nhiệm” năm 2020"
DOCUMENTS = [
    ("10/KH-SNV", "15/01/2020", "Kế hoạch", f"{PLAN} của Sở Nội vụ", "Sở Nội vụ", None),
    ("25/KH-SNV", "10/02/2020", "Kế hoạch", "Kế hoạch Cải Cách Hành Chính năm 2020 (sửa đổi)",
     "Sở Nội vụ", None),
    ("40/KH-SNV", "10/10/2020", "Kế hoạch", MODEL, "Sở Nội vụ", None),
    ("05/BC-SNV", "25/09/2020", "Báo cáo", "Báo cáo cải cách hành chính quý III", "Sở Nội vụ",
     None),
    ("05/CV-STP", "10/01/2020", "Công văn", PLAN, "Sở Tư pháp", None),
    ("07/KH-STP", "12/01/2020", "Kế hoạch", "Kế hoạch cải cách hành chính của Sở", "Sở Tư pháp",
     None),
    ("08/KH-STP", "13/01/2020", "Kế hoạch", "Kế hoạch cải cách hành chính năm 2021",
     "Sở Tư pháp", None),
    ("09/KH-STP", "15/03/2020", "Kế hoạch", MODEL, "Sở Tư pháp", None),
    ("12/KH-UBND", "10/02/2020", "KẾ HOẠCH", PLAN.upper(), "UBND H. Càng Long", "Mật"),
    ("20/KH-UBND", "15/04/2020", "Kế hoạch", MODEL, "UBND H. Càng Long", None),
    ("15/KH-PTP", "25/11/2019", "Kế hoạch", PLAN, "Phòng Tư pháp huyện Càng Long", None),
    ("16/KH-PTP", "20/03/2020", "Kế hoạch", "Kế hoạch thực hiện mô hình công sở thân thiện năm "
     "2020", "Phòng Tư pháp huyện Càng Long", None),
    ("12/KH-UBND", "20/12/2019", "Kế hoạch", PLAN, "UBND xã An Trường", None),
    # the old tone placement (`họach`) and a double space in the abstract
    ("3/KH-UBND", "20/12/2019", "Kế hoạch", "Kế họach cải cách  hành chính năm 2020 trên địa "
     "bàn xã", "UBND xã An Trường", None),
    ("30/BC-UBND", "25/09/2020", "Báo cáo", "Báo cáo kết quả cải cách hành chính quý III năm "
     "2020", "UBND xã An Trường", None),
    ("41/UBND", "15/10/2020", "Công văn", "V/v báo cáo cải cách hành chính Quý III",
     "UBND xã Bình Phú", None),
    ("02/KH-UBND", "10/01/2020", "Kế hoạch", PLAN, "UBND xã Nhị Long", None),
    ("08/KH-VHTT", "10/01/2020", "Kế hoạch", PLAN, VH, None),
]  # fmt: skip


def _issued(code, number, day, late, matched) -> dict:
    return {"unit_code": code, "is_issued": True, "doc_number": number, "issued_on": d(day),
            "is_late": late, "documents_matched": matched}  # fmt: skip


def _missing(code) -> dict:
    return {"unit_code": code, "is_issued": False, "doc_number": None, "issued_on": None,
            "is_late": False, "documents_matched": 0}  # fmt: skip


EXPECTED = {
    (2020, A): [
        _issued("T01", "10/KH-SNV", "15/01/2020", False, 2),
        _missing("T02"),
        _issued("H01", "12/KH-UBND", "10/02/2020", True, 1),
        _missing("H02"),
        _issued("X01", "3/KH-UBND", "20/12/2019", False, 2),
        _issued("X02", "05/KH-UBND", "20/01/2020", False, 1),
    ],
    (2020, B): [
        _missing("T01"),
        _issued("T02", "09/KH-STP", "15/03/2020", False, 1),
        _issued("H01", "20/KH-UBND", "15/04/2020", True, 1),
        _missing("H02"),
    ],
    (2020, C): [
        _issued("X01", "30/BC-UBND", "25/09/2020", False, 1),
        _issued("X02", "41/UBND", "15/10/2020", True, 1),
    ],
    (2021, D): [_missing("X01"), _missing("X02"), _missing("X04")],
}
LEVELS = {"T": "tỉnh", "H": "huyện", "X": "xã"}
DEADLINES = {A: d("31/01/2020"), B: d("31/03/2020"), C: d("10/10/2020"), D: None}
TYPES = {A: "Kế hoạch", B: "kế hoạch", C: None, D: "Kế hoạch"}


def write_registry(paths: DataPaths) -> None:
    table = [UNIT_HEADER]
    for code, name, level, kind, aliases, start, end in UNITS:
        table.append([code, name, level, None, kind, aliases or None, start, end])
    write_xlsx(paths.raw / "reference" / "units.xlsx", {"Danh mục": table})


def write_registers(paths: DataPaths) -> None:
    table: list[list[object]] = [["SỔ ĐĂNG KÝ VĂN BẢN ĐI"], [], REGISTER_HEADER]
    for n, (number, day, kind, summary, unit, secret) in enumerate(DOCUMENTS, start=1):
        table.append([n, number, day, kind, summary, unit, "Lê Văn Cường", secret, "Có"])
    write_xlsx(paths.root / REGISTER, {"Sổ": table})
    header = ["STT", "Số văn bản", "Ngày ký", "Trích yếu", "Đơn vị soạn thảo", "Người ký"]
    typeless = [
        header,
        [1, "04/UBND", "10/01/2020", f"V/v triển khai {PLAN}", NAMES["X02"], "Lâm Tấn Tâm"],
        [2, "05/KH-UBND", "20/01/2020", PLAN, NAMES["X02"], "Lâm Tấn Tâm"],
    ]
    write_xlsx(paths.root / TYPELESS, {"Sổ": typeless})


def write_lists(paths: DataPaths) -> None:
    write_xlsx(paths.root / LIST_XLSX, {"Danh mục": LIST_ROWS})
    write_csv(paths.root / LIST_CSV, LIST_CSV_ROWS, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    paths = DataPaths(tmp_path_factory.mktemp("required") / "data")
    write_registry(paths)
    write_lists(paths)
    write_registers(paths)
    results, build, con = land_and_build(paths)
    yield results, build, con
    con.close()


@pytest.fixture(scope="module")
def con(built) -> duckdb.DuckDBPyConnection:
    return built[2]


def test_every_required_unit_has_its_row(con) -> None:
    got: dict[tuple[int, str], list[dict]] = {}
    for row in rows(con, "SELECT * FROM ind_required_documents"):
        got.setdefault((row["year"], row["label"]), []).append(row)
    assert got.keys() == EXPECTED.keys()
    for item, expected in EXPECTED.items():
        year, label = item
        found = {r["unit_code"]: r for r in got[item]}
        assert len(found) == len(got[item]), item  # one row per unit
        assert sorted(found) == sorted(e["unit_code"] for e in expected), item
        for want in expected:
            row = found[want["unit_code"]]
            code = want["unit_code"]
            assert {k: row[k] for k in want} == want, (item, code)
            assert row["unit_name"] == NAMES[code]
            assert row["unit_level"] == LEVELS[code[0]]
            assert row["deadline"] == DEADLINES[label]
            assert row["doc_type"] == TYPES[label]


def test_the_rows_come_in_report_order(con) -> None:
    # by year, then deadline (none last), then label; within an item tỉnh, huyện, xã
    got = con.execute("SELECT year, label, unit_code FROM ind_required_documents").fetchall()
    order = {"tỉnh": 1, "huyện": 2, "xã": 3}
    items = [(2020, A), (2020, B), (2020, C), (2021, D)]
    assert got == sorted(
        got, key=lambda r: (items.index((r[0], r[1])), order[LEVELS[r[2][0]]], r[2])
    )


def test_share_per_item_and_level(con) -> None:
    got = con.execute(
        "SELECT year, label, unit_level, units_required, units_issued, units_issued_late, "
        "units_not_issued, issued_rate FROM ind_required_documents_share"
    ).fetchall()
    assert got == [
        (2020, A, "tỉnh", 2, 1, 0, 1, 0.5),
        (2020, A, "huyện", 2, 1, 1, 1, 0.5),
        (2020, A, "xã", 2, 2, 0, 0, 1.0),
        (2020, B, "tỉnh", 2, 1, 0, 1, 0.5),
        (2020, B, "huyện", 2, 1, 1, 1, 0.5),
        (2020, C, "xã", 2, 2, 1, 0, 1.0),
        (2021, D, "xã", 3, 0, 0, 3, 0.0),
    ]


def test_secret_documents_count(con) -> None:
    assert con.execute(
        "SELECT is_secret FROM int_documents__deduplicated WHERE doc_number = '12/KH-UBND' "
        "AND unit_code = 'H01'"
    ).fetchall() == [(True,)]
    assert con.execute(
        "SELECT is_issued, doc_number FROM ind_required_documents WHERE unit_code = 'H01' "
        "AND label = ?",
        [A],
    ).fetchall() == [(True, "12/KH-UBND")]


def test_documents_of_unmatched_units_fulfil_nothing_and_are_listed(con) -> None:
    assert con.execute(
        "SELECT occurrences FROM dq_unmatched WHERE kind = 'unit' AND name = ?", [VH]
    ).fetchall() == [(1,)]
    assert con.execute(
        "SELECT count(*) FROM ind_required_documents WHERE doc_number = '08/KH-VHTT'"
    ).fetchone() == (0,)


def test_row_accounting_of_the_lists(con) -> None:
    got = con.execute(
        "SELECT file, status, rows_read, rows_loaded, rows_rejected, rows_skipped "
        "FROM dq_files WHERE source = 'reference' AND file <> 'raw/reference/units.xlsx' "
        "ORDER BY file"
    ).fetchall()
    assert got == [
        # the header; line 2 loaded; lines 3, 4, 6 and 7 rejected by landing, 5 by the build
        (LIST_CSV, "loaded", 7, 1, 5, 1),
        # title, blank row and header skipped; rows 4–7 loaded; rows 8–11 rejected by the build
        (LIST_XLSX, "loaded", 11, 4, 4, 3),
    ]
    assert not con.execute(
        "SELECT * FROM dq_files WHERE rows_read <> rows_loaded + rows_rejected + rows_skipped"
    ).fetchall()


def test_bad_rows_are_rejected_with_their_reason(con) -> None:
    got = con.execute(
        "SELECT file, row_number, field, raw_value, reason, severity FROM dq_rejects "
        "WHERE file LIKE 'raw/reference/%' ORDER BY file, row_number, field"
    ).fetchall()
    assert [(f, n, field, raw, s) for f, n, field, raw, _, s in got] == [
        (LIST_CSV, 3, "year", "hai nghìn", "error"),
        (LIST_CSV, 4, "window_end", "01/05/2020", "error"),
        (LIST_CSV, 5, "deadline", "15/12/2019", "error"),
        (LIST_CSV, 6, "label", None, "error"),
        (LIST_CSV, 7, "deadline", "31/02/2020", "error"),
        (LIST_XLSX, 8, "levels", "phường", "error"),
        (LIST_XLSX, 8, "year", "20", "error"),
        (LIST_XLSX, 9, "levels", "tỉnh;quận", "error"),
        (LIST_XLSX, 10, "window_end", "15/12/2019", "error"),
        (LIST_XLSX, 11, "keywords", ";", "error"),
    ]
    reasons = {(f.rsplit("/", 1)[-1][:5], n, field): r for f, n, field, _, r, _ in got}
    assert reasons[("requi", 3, "year")] == "not a whole number: 'hai nghìn'"
    assert reasons[("requi", 4, "window_end")] == (
        "'Đến ngày' 01/05/2020 is before 'Từ ngày' 01/06/2020"
    )
    assert reasons[("requi", 5, "deadline")] == (
        "'Hạn' 15/12/2019 is before the window starts on 01/01/2020 ('Từ ngày' empty: "
        "1 January of 'Năm')"
    )
    assert "31/02/2020" in reasons[("requi", 7, "deadline")]
    assert reasons[("van_b", 8, "year")] == "'Năm' 20 is not a year: outside 1900-2100"
    assert reasons[("van_b", 8, "levels")] == (
        "unknown level 'phường' in 'Cấp' (tỉnh, huyện or xã)"
    )
    assert reasons[("van_b", 9, "levels")] == "unknown level 'quận' in 'Cấp' (tỉnh, huyện or xã)"
    assert reasons[("van_b", 10, "window_end")] == (
        "the window ends on 15/12/2019, before it starts on 01/01/2020 ('Từ ngày' empty: "
        "1 January of 'Năm')"
    )
    assert reasons[("van_b", 11, "keywords")] == (
        "'Từ khóa' holds no phrase to look for in the abstract"
    )


def test_the_audits_ran_and_passed(built) -> None:
    _, build, _ = built
    audits = {a.name: a for a in build.audits}
    for name in (
        "ind_required_documents_one_row_per_unit",
        "ind_required_documents_share_counts",
        "dq_files_row_accounting",
        "schema__ind_required_documents__unique",
        "schema__ind_required_documents_share__unique",
    ):
        assert audits[name].passed, name


def test_a_data_root_without_a_list_builds_empty_marts(tmp_path) -> None:
    paths = DataPaths(tmp_path / "data")
    write_registry(paths)
    write_registers(paths)
    _, build, con = land_and_build(paths)
    with con:
        for table in ("ind_required_documents", "ind_required_documents_share"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        assert (
            con.execute("SELECT count(*) FROM ind_documents WHERE period_type = 'year'").fetchone()[
                0
            ]
            > 0
        )
    assert all(a.passed for a in build.audits if a.severity == "error")


def test_the_document_named_is_not_a_superseded_row(con) -> None:
    # the earliest document wins even when a later one sorts first by number as text
    x01 = con.execute(
        "SELECT doc_number FROM ind_required_documents WHERE unit_code = 'X01' AND label = ?",
        [A],
    ).fetchone()
    assert x01 == ("3/KH-UBND",)
    assert (
        date(2019, 12, 20)
        == con.execute(
            "SELECT issued_on FROM ind_required_documents WHERE unit_code = 'X01' AND label = ?",
            [A],
        ).fetchone()[0]
    )
