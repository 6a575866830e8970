"""Outgoing-document registers (docs/spec.md §3.2, §5 ind_documents) on real files.

Three registers, every expected number named by hand:

- `2020/So van ban di - So Noi vu.xlsx` — Sở Nội vụ (U01): a title block ("SỔ ĐĂNG KÝ VĂN BẢN
  ĐI") and one sheet per month, plus a notes sheet without a header. Every e-signed and
  issue-form spelling, two secret documents (e-signed and electronic, yet counted nowhere but
  docs_total and docs_secret), publication across a public holiday (Wed 02/09/2020), a
  weekend, a Saturday issue and New Year (Fri 01/01/2021 + weekend), three rejected rows, two
  doubtful values, and a corrected copy of 110/SNV-VP in the October sheet.
- `huyen/Càng Long.xlsx` — one sheet per unit, other header spellings: UBND huyện Càng Long
  (U02, written twice, once by its alias: one document), UBND xã An Trường (U03, never
  e-signs) and an office missing from the registry.
- `2020/z_bo_sung.csv` — sorts last: its 104/QĐ-SNV replaces the register's.

Sở Nội vụ, September 2020 (after de-duplication; S = secret):
  doc      issued  e-signed      form            published  next working day  late
  101      Tue 01  Có       yes  Điện tử         01/09      Thu 03            no
  102      Tue 01  x        yes  Điện tử và giấy 03/09      Thu 03 (02 off)   no
  103      Tue 01  X        yes  ĐIỆN TỬ         04/09      Thu 03            yes
  104      Fri 04  Không    no   Bản giấy        07/09      Mon 07            no   (z_bo_sung)
  105      Fri 04  True     yes  Giấy            08/09      Mon 07            yes
  106      Sat 05  Yes      yes  Điện tử         07/09      Mon 07            no
  01/MẬT S Mon 07  Có            Bản giấy        10/09                        (secret)
  02/TM  S Mon 07  Đã ký số      Điện tử         11/09                        (secret)
  107      Tue 08  Chưa ký số no Điện tử         —                            (no date)
  108      Tue 08  0        no   (empty)         08/09      Wed 09            no
  109      Tue 08  False    no   Fax (warning)   09/09      Wed 09            no
  110      Tue 08  Có       yes  Điện tử         08/09      Wed 09            no   (October sheet)
  111      Tue 08  (empty)  no   Bản giấy        10/09      Wed 09            yes
  114      Wed 09  Chờ ký (warning, unknown) no  Điện tử   09/09      Thu 10            no
→ 14 documents, 2 secret; of the 12 others 6 e-signed, 7 e-issued, 11 with a publication
  date, 3 published late.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.paths import DataPaths
from tests.support import d, land_and_build, rows, write_csv, write_units, write_xlsx

NV = "Sở Nội vụ"
CL = "UBND huyện Càng Long"
AT = "UBND xã An Trường"
VH = "Phòng Văn hóa và Thông tin huyện Càng Long"  # not in the registry

FILE_A = "raw/documents/2020/So van ban di - So Noi vu.xlsx"
FILE_B = "raw/documents/huyen/Càng Long.xlsx"
FILE_C = "raw/documents/2020/z_bo_sung.csv"

HEADER_A = [
    "STT", "Số, ký hiệu", "Ngày ban hành", "Loại văn bản", "Trích yếu", "Đơn vị ban hành",
    "Người ký", "Độ mật", "Ký số", "Hình thức phát hành", "Ngày phát hành",
]  # fmt: skip
HEADER_B = [
    "STT", "Số/Ký hiệu", "Ngày văn bản", "Trích yếu nội dung", "Cơ quan ban hành",
    "Mức độ mật", "Chữ ký số", "Phát hành", "Ngày phát hành",
]  # fmt: skip


def title_a(period: str) -> list[list[object]]:
    return [["UBND TỈNH TRÀ VINH"], ["SỞ NỘI VỤ"], [], ["SỔ ĐĂNG KÝ VĂN BẢN ĐI"], [period], []]


def doc_a(n, number, issued, secret, signed, form, published, unit=NV, kind="Công văn"):
    return [n, number, issued, kind, f"V/v văn bản số {n}", unit, "Nguyễn Văn An", secret,
            signed, form, published]  # fmt: skip


SEPTEMBER = [
    *title_a("Tháng 9 năm 2020"),
    HEADER_A,
    doc_a(1, "101/SNV-VP", "01/09/2020", None, "Có", "Điện tử", "01/09/2020"),  # row 8
    doc_a(2, "102/SNV-VP", "01/09/2020", "Thường", "x", "Điện tử và giấy", "03/09/2020"),
    doc_a(3, "103/SNV-VP", "01/09/2020", None, "X", "ĐIỆN TỬ", "04/09/2020"),
    doc_a(4, "104/QĐ-SNV", "04/09/2020", None, "1", "Bản giấy", "07/09/2020", kind="Quyết định"),
    doc_a(5, "105/QĐ-SNV", "04/09/2020", None, "True", "Giấy", "08/09/2020", kind="Quyết định"),
    doc_a(6, "106/SNV-TCBC", "05/09/2020", None, "Yes", "Điện tử", "07/09/2020"),
    doc_a(7, "01/MẬT-SNV", "07/09/2020", "Mật", "Có", "Bản giấy", "10/09/2020"),
    doc_a(8, "02/TM-SNV", "07/09/2020", "Tối mật", "Đã ký số", "Điện tử", "11/09/2020"),
    doc_a(9, "107/SNV-VP", "08/09/2020", "Không", "Chưa ký số", "Điện tử", None),  # row 16
    doc_a(10, "108/SNV-VP", "08/09/2020", None, "0", None, "08/09/2020"),
    doc_a(11, "109/SNV-VP", "08/09/2020", None, "False", "Fax", "09/09/2020"),  # row 18
    doc_a(12, "110/SNV-VP", "08/09/2020", None, "No", "giấy", "08/09/2020"),  # row 19
    doc_a(13, "111/SNV-VP", "08/09/2020", None, None, "Bản giấy", "10/09/2020"),
    doc_a(14, None, "09/09/2020", None, "Có", "Điện tử", "09/09/2020"),  # row 21: no number
    doc_a(15, "112/SNV-VP", "09/09/2020", None, "Có", "Điện tử", "07/09/2020"),  # before issue
    doc_a(16, "113/SNV-VP", "31/02/2020", None, "Có", "Điện tử", None),  # row 23: no such date
    doc_a(17, "114/SNV-VP", "09/09/2020", None, "Chờ ký", "Điện tử", "09/09/2020"),  # row 24
    [],
    ["Tổng cộng: 17 văn bản"],
    [None, "Người lập biểu", None, None, None, None, "GIÁM ĐỐC"],
    [None, "Trần Thị Bình", None, None, None, None, "Lê Văn Cường"],
]
OCTOBER = [
    *title_a("Tháng 10 năm 2020"),
    HEADER_A,
    # the corrected copy of a September document: the later sheet wins
    doc_a(1, "110/SNV-VP", "08/09/2020", None, "Có", "Điện tử", "08/09/2020"),
    doc_a(2, "115/SNV-VP", "01/10/2020", None, "Có", "Điện tử", "02/10/2020"),
    doc_a(3, "116/SNV-VP", "01/10/2020", None, "Có", "Điện tử", "01/10/2020", unit="sở nội vụ"),
]
DECEMBER = [
    *title_a("Tháng 12 năm 2020 - tháng 01 năm 2021"),
    HEADER_A,
    # Thu 31/12/2020: Fri 01/01/2021 is a public holiday, then a weekend → Mon 04/01 in time
    doc_a(1, "250/SNV-VP", "31/12/2020", None, "Có", "Điện tử", "04/01/2021"),
    # numbers restart each year: another document than 2020's 101/SNV-VP; Tue → Wed, Thu late
    doc_a(2, "101/SNV-VP", "05/01/2021", None, "Không", "Bản giấy", "07/01/2021"),
]

B_TITLE = [["UBND HUYỆN CÀNG LONG"], ["SỔ ĐĂNG KÝ VĂN BẢN ĐI"], ["Từ ngày 01/09/2020 đến nay"]]


def doc_b(n, number, issued, unit, signed, form, published, secret=None):
    return [n, number, issued, f"V/v số {n}", unit, secret, signed, form, published]


CANG_LONG = [
    *B_TITLE,
    HEADER_B,
    doc_b(1, "55/UBND-VP", "03/09/2020", CL, "Có", "Điện tử", "04/09/2020"),  # superseded
    doc_b(2, "56/UBND-VP", "03/09/2020", "Huyện Càng Long", "Không", "Bản giấy", "04/09/2020"),
    # the same document again, by the unit's alias: the later row wins (published Tue: late)
    doc_b(3, "55/UBND-VP", "03/09/2020", "Huyện Càng Long", "Không", "Bản giấy", "08/09/2020"),
]
AN_TRUONG = [
    *B_TITLE,
    HEADER_B,
    doc_b(1, "10/UBND", "10/09/2020", AT, None, "Bản giấy", "10/09/2020"),
    doc_b(2, "11/UBND", "15/09/2020", AT, "Không", "Giấy", "16/09/2020"),
    doc_b(3, "12/UBND", "20/10/2020", AT, "Không", "Bản giấy", "21/10/2020"),
]
VAN_HOA = [
    *B_TITLE,
    HEADER_B,
    doc_b(1, "05/VHTT", "10/09/2020", VH, "Có", "Điện tử", "10/09/2020"),
    doc_b(2, "06/VHTT", "11/09/2020", VH, "Có", "Điện tử", "11/09/2020"),
]
SUPPLEMENT = [
    ["Số văn bản", "Ngày ký", "Đơn vị", "Ký số", "Hình thức phát hành", "Ngày phát hành"],
    ["104/QĐ-SNV", "04/09/2020", NV, "Không", "Bản giấy", "07/09/2020"],
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    paths = DataPaths(tmp_path_factory.mktemp("documents") / "data")
    write_units(
        paths,
        [
            ("U01", NV, "tỉnh", "sở", ""),
            ("U02", CL, "huyện", "ubnd", "Huyện Càng Long"),
            ("U03", AT, "xã", "ubnd", ""),
        ],
    )
    write_xlsx(
        paths.root / FILE_A,
        {
            "Tháng 9": SEPTEMBER,
            "Tháng 10": OCTOBER,
            "T12": DECEMBER,
            "Ghi chú": [["Sổ xuất từ hệ thống quản lý văn bản và điều hành"]],
        },
    )
    write_xlsx(
        paths.root / FILE_B,
        {"UBND huyện": CANG_LONG, "Xã An Trường": AN_TRUONG, "Phòng VH": VAN_HOA},
    )
    write_csv(paths.root / FILE_C, SUPPLEMENT, encoding="utf-8-sig", delimiter=";")
    results, build, con = land_and_build(paths)
    yield results, build, con
    con.close()


@pytest.fixture(scope="module")
def con(built) -> duckdb.DuckDBPyConnection:
    return built[2]


def documents(con: duckdb.DuckDBPyConnection, unit_code: str | None) -> dict[str, dict]:
    where = "unit_code IS NULL" if unit_code is None else f"unit_code = '{unit_code}'"
    found = rows(con, f"SELECT * FROM int_documents__deduplicated WHERE {where}")
    return {f"{r['doc_number']}@{r['issued_year']}": r for r in found}


# --- landing ------------------------------------------------------------------------------------


def test_row_accounting_per_sheet(con) -> None:
    got = con.execute(
        "SELECT file, sheet, status, rows_read, rows_loaded, rows_rejected, rows_skipped, "
        "rows_superseded FROM dq_files WHERE source = 'documents' ORDER BY file, sheet"
    ).fetchall()
    assert got == [
        (FILE_A, "Ghi chú", "skipped", 1, 0, 0, 1, 0),
        (FILE_A, "T12", "loaded", 9, 2, 0, 7, 0),
        # 6 title rows, the header, a blank row and 3 footer rows skipped; 104 (by z_bo_sung)
        # and 110 (by the October sheet) superseded
        (FILE_A, "Tháng 10", "loaded", 10, 3, 0, 7, 0),
        (FILE_A, "Tháng 9", "loaded", 28, 14, 3, 11, 2),
        (FILE_C, None, "loaded", 2, 1, 0, 1, 0),
        (FILE_B, "Phòng VH", "loaded", 6, 2, 0, 4, 0),
        (FILE_B, "UBND huyện", "loaded", 7, 3, 0, 4, 1),
        (FILE_B, "Xã An Trường", "loaded", 7, 3, 0, 4, 0),
    ]


def test_rejects_and_warnings(con) -> None:
    got = con.execute(
        "SELECT sheet, row_number, field, raw_value, severity FROM dq_rejects "
        "WHERE file = ? ORDER BY row_number, field",
        [FILE_A],
    ).fetchall()
    assert got == [
        ("Tháng 9", 18, "issue_form", "Fax", "warning"),
        ("Tháng 9", 21, "doc_number", None, "error"),
        ("Tháng 9", 22, "published_on", "07/09/2020", "error"),
        ("Tháng 9", 23, "issued_on", "31/02/2020", "error"),
        ("Tháng 9", 24, "e_signed", "Chờ ký", "warning"),
    ]


def test_values_are_typed_by_the_vocabularies(con) -> None:
    nv = documents(con, "U01")
    assert len(nv) == 18  # 14 in September, 2 in October, 31/12/2020, and 101/2021
    flags = {
        k: (r["is_secret"], r["e_signed"], r["issue_form"])
        for k, r in nv.items()
        if r["issued_on"].month == 9
    }
    assert flags == {
        "101/SNV-VP@2020": (False, True, "electronic"),
        "102/SNV-VP@2020": (False, True, "electronic"),  # Điện tử và giấy
        "103/SNV-VP@2020": (False, True, "electronic"),  # ĐIỆN TỬ
        "104/QĐ-SNV@2020": (False, False, "paper"),  # z_bo_sung.csv's copy
        "105/QĐ-SNV@2020": (False, True, "paper"),  # True, Giấy
        "106/SNV-TCBC@2020": (False, True, "electronic"),  # Yes
        "01/MẬT-SNV@2020": (True, True, "paper"),
        "02/TM-SNV@2020": (True, True, "electronic"),
        "107/SNV-VP@2020": (False, False, "electronic"),  # Không mật, Chưa ký số
        "108/SNV-VP@2020": (False, False, None),  # 0, no form
        "109/SNV-VP@2020": (False, False, None),  # False, Fax (warning)
        "110/SNV-VP@2020": (False, True, "electronic"),  # the October sheet's copy
        "111/SNV-VP@2020": (False, False, "paper"),  # empty e-signed
        "114/SNV-VP@2020": (False, None, "electronic"),  # Chờ ký: unknown (warning)
    }
    assert nv["110/SNV-VP@2020"]["sheet"] == "Tháng 10"
    assert nv["104/QĐ-SNV@2020"]["source_file"] == FILE_C


# --- de-duplication and units -------------------------------------------------------------------


def test_documents_are_one_per_unit_number_and_year(con) -> None:
    nv = documents(con, "U01")
    assert nv["101/SNV-VP@2020"]["issued_on"] == date(2020, 9, 1)
    assert nv["101/SNV-VP@2021"]["issued_on"] == date(2021, 1, 5)
    cl = documents(con, "U02")
    assert set(cl) == {"55/UBND-VP@2020", "56/UBND-VP@2020"}  # name and alias: one unit
    assert (cl["55/UBND-VP@2020"]["row_number"], cl["55/UBND-VP@2020"]["e_signed"]) == (7, False)
    assert {r["unit_name"] for r in cl.values()} == {CL}
    assert documents(con, "U01")["116/SNV-VP@2020"]["unit_name"] == NV  # "sở nội vụ"


def test_unmatched_issuing_unit_is_kept_and_listed(con) -> None:
    vh = documents(con, None)
    assert set(vh) == {"05/VHTT@2020", "06/VHTT@2020"}
    assert {r["unit_name"] for r in vh.values()} == {VH}
    assert con.execute("SELECT kind, name, occurrences FROM dq_unmatched").fetchall() == [
        ("unit", VH, 2)
    ]


# --- publication ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "next_day", "late"),
    [
        ("101/SNV-VP@2020", "03/09/2020", False),  # same day
        ("102/SNV-VP@2020", "03/09/2020", False),  # Wed 02/09 is a public holiday
        ("103/SNV-VP@2020", "03/09/2020", True),
        ("104/QĐ-SNV@2020", "07/09/2020", False),  # Fri → Mon over the weekend
        ("105/QĐ-SNV@2020", "07/09/2020", True),
        ("106/SNV-TCBC@2020", "07/09/2020", False),  # issued on a Saturday
        ("02/TM-SNV@2020", "08/09/2020", False),  # secret: never counted late
        ("107/SNV-VP@2020", "09/09/2020", False),  # no publication date
        ("111/SNV-VP@2020", "09/09/2020", True),
        ("250/SNV-VP@2020", "04/01/2021", False),  # New Year's Day, then the weekend
        ("101/SNV-VP@2021", "06/01/2021", True),
    ],
)
def test_published_late_against_the_next_working_day(con, key, next_day, late) -> None:
    doc = documents(con, "U01")[key]
    assert (doc["next_working_day"], doc["is_published_late"]) == (d(next_day), late)


# --- ind_documents ------------------------------------------------------------------------------

COUNTS = (
    "docs_total, docs_secret, docs_e_signed, docs_e_issued, e_signed_rate, e_issued_rate, "
    "docs_with_published_on, docs_published_late, published_late_rate"
)


def test_ind_documents_columns(con) -> None:
    cols = con.execute("DESCRIBE ind_documents").fetchall()
    assert [(c[0], c[1]) for c in cols] == [
        ("period_type", "VARCHAR"),
        ("period", "VARCHAR"),
        ("period_start", "DATE"),
        ("period_end", "DATE"),
        ("unit_code", "VARCHAR"),
        ("unit_name", "VARCHAR"),
        ("docs_total", "BIGINT"),
        ("docs_secret", "BIGINT"),
        ("docs_e_signed", "BIGINT"),
        ("docs_e_issued", "BIGINT"),
        ("e_signed_rate", "DOUBLE"),
        ("e_issued_rate", "DOUBLE"),
        ("docs_with_published_on", "BIGINT"),
        ("docs_published_late", "BIGINT"),
        ("published_late_rate", "DOUBLE"),
    ]


def test_periods_run_over_issued_on_and_end_at_the_last_issue(con) -> None:
    got = con.execute(
        "SELECT DISTINCT period_type, period, period_start, period_end FROM ind_documents "
        "ORDER BY period_type, period"
    ).fetchall()
    assert got == [
        ("month", "2020-09", d("01/09/2020"), d("30/09/2020")),
        ("month", "2020-10", d("01/10/2020"), d("31/10/2020")),
        ("month", "2020-12", d("01/12/2020"), d("31/12/2020")),
        ("month", "2021-01", d("01/01/2021"), d("05/01/2021")),
        ("quarter", "2020-Q3", d("01/07/2020"), d("30/09/2020")),
        ("quarter", "2020-Q4", d("01/10/2020"), d("31/12/2020")),
        ("quarter", "2021-Q1", d("01/01/2021"), d("05/01/2021")),
        ("year", "2020", d("01/01/2020"), d("31/12/2020")),
        ("year", "2021", d("01/01/2021"), d("05/01/2021")),
    ]


U01 = {
    # total, secret, e-signed, e-issued, rates, with published_on, published late, rate
    "2020-09": (14, 2, 6, 7, 6 / 12, 7 / 12, 11, 3, 3 / 11),
    "2020-10": (2, 0, 2, 2, 1.0, 1.0, 2, 0, 0.0),
    "2020-12": (1, 0, 1, 1, 1.0, 1.0, 1, 0, 0.0),
    "2021-01": (1, 0, 0, 0, 0.0, 0.0, 1, 1, 1.0),
    "2020-Q3": (14, 2, 6, 7, 6 / 12, 7 / 12, 11, 3, 3 / 11),
    "2020-Q4": (3, 0, 3, 3, 1.0, 1.0, 3, 0, 0.0),
    "2021-Q1": (1, 0, 0, 0, 0.0, 0.0, 1, 1, 1.0),
    "2020": (17, 2, 9, 10, 9 / 15, 10 / 15, 14, 3, 3 / 14),
    "2021": (1, 0, 0, 0, 0.0, 0.0, 1, 1, 1.0),
}


@pytest.mark.parametrize("period", list(U01))
def test_ind_documents_so_noi_vu(con, period: str) -> None:
    got = con.execute(
        f"SELECT unit_name, {COUNTS} FROM ind_documents WHERE unit_code = 'U01' AND period = ?",
        [period],
    ).fetchall()
    assert [r[0] for r in got] == [NV]
    assert got[0][1:] == pytest.approx(U01[period])


def test_ind_documents_district_commune_and_unmatched_office(con) -> None:
    got = con.execute(
        f"SELECT period, unit_code, unit_name, {COUNTS} FROM ind_documents "
        "WHERE period_type = 'month' AND unit_code IS DISTINCT FROM 'U01' "
        "ORDER BY period, unit_code NULLS LAST"
    ).fetchall()
    assert got == [
        # 55 (its alias copy: paper, published Tue after a Thu issue: late) and 56
        ("2020-09", "U02", CL, 2, 0, 0, 0, 0.0, 0.0, 2, 1, 0.5),
        ("2020-09", "U03", AT, 2, 0, 0, 0, 0.0, 0.0, 2, 0, 0.0),
        ("2020-09", None, VH, 2, 0, 2, 2, 1.0, 1.0, 2, 0, 0.0),
        ("2020-10", "U03", AT, 1, 0, 0, 0, 0.0, 0.0, 1, 0, 0.0),
    ]


def test_secret_only_unit_has_null_rates(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path / "data")
    write_units(paths, [("U01", NV, "tỉnh", "sở", "")])
    write_xlsx(
        paths.raw / "documents" / "mat.xlsx",
        {"S": [HEADER_A, doc_a(1, "01/MẬT", "07/09/2020", "Tuyệt mật", "Có", "Điện tử", None)]},
    )
    _, _, con = land_and_build(paths)
    try:
        got = con.execute(f"SELECT period, {COUNTS} FROM ind_documents ORDER BY period").fetchall()
        assert got == [
            ("2020", 1, 1, 0, 0, None, None, 0, 0, None),
            ("2020-09", 1, 1, 0, 0, None, None, 0, 0, None),
            ("2020-Q3", 1, 1, 0, 0, None, None, 0, 0, None),
        ]
        assert con.execute("SELECT count(*) FROM ind_documents_zero_esign").fetchone() == (0,)
    finally:
        con.close()


def test_units_without_any_e_signed_document(con) -> None:
    got = con.execute(
        "SELECT period, unit_code, unit_level, unit_kind, docs_total, docs_not_secret, "
        "docs_e_issued FROM ind_documents_zero_esign "
        "ORDER BY period_type, period, unit_code"
    ).fetchall()
    assert got == [
        ("2020-09", "U02", "huyện", "ubnd", 2, 2, 0),
        ("2020-09", "U03", "xã", "ubnd", 2, 2, 0),
        ("2020-10", "U03", "xã", "ubnd", 1, 1, 0),
        ("2021-01", "U01", "tỉnh", "sở", 1, 1, 0),
        ("2020-Q3", "U02", "huyện", "ubnd", 2, 2, 0),
        ("2020-Q3", "U03", "xã", "ubnd", 2, 2, 0),
        ("2020-Q4", "U03", "xã", "ubnd", 1, 1, 0),
        ("2021-Q1", "U01", "tỉnh", "sở", 1, 1, 0),
        ("2020", "U02", "huyện", "ubnd", 2, 2, 0),
        ("2020", "U03", "xã", "ubnd", 3, 3, 0),
        ("2021", "U01", "tỉnh", "sở", 1, 1, 0),
    ]


def test_document_audits_ran_and_passed(built) -> None:
    _, build, _ = built
    audits = {a.name: a for a in build.audits}
    for name in (
        "ind_documents_counts",
        "ind_documents_secret_excluded",
        "int_documents_one_row_per_document",
        "dq_files_row_accounting",
    ):
        assert audits[name].passed, audits[name]


def test_profile_contains_fragments_after_exact_spellings(tmp_path: Path) -> None:
    from flows.ingest.profile import ProfileError, load_profile
    from flows.ingest.text import vocab_key

    path = tmp_path / "p.toml"
    path.write_text(
        """
[source]
folder = "documents"
view = "land_p"
order = 1

[fields.form]
headers = ["Hình thức"]
type = "vocabulary"
vocabulary = "form"

[vocabularies.form]
paper = ["Bản giấy điện tử hóa"]

[contains.form]
electronic = ["ĐIỆN TỬ"]
paper = ["giấy"]
""",
        encoding="utf-8",
    )
    form = load_profile(path).field("form")
    assert form.contains == (("điện tử", "electronic"), ("giấy", "paper"))
    assert form.vocabulary == {vocab_key("Bản giấy điện tử hóa"): "paper"}
    path.write_text(
        '[fields.f]\nheaders = ["F"]\ntype = "vocabulary"\nvocabulary = "v"\n'
        '[contains.v]\nyes = [""]\n',
        encoding="utf-8",
    )
    with pytest.raises(ProfileError, match="empty fragment"):
        load_profile(path)
