"""Units' own Biểu 06 reports (raw/reports/): the reader, the landing accounting, and
ind_reported_vs_igate on a hand-built province whose every number is named below.

Registry: P1 Sở Tư pháp (alias `STP`), D1 UBND huyện Càng Long. Catalogue: T1 (Tư pháp), H1
(Hộ tịch). iGate cases of P1:
  k1 T1 online 01/07/2020, returned 03/07, due 10/07 → early
  k2 T1 direct 15/08/2020, returned 20/08, due 20/08 → on time
  k3 T1 direct 20/06/2020, still open, due 30/06      → carried into Q3, overdue at its end
  k4 H1 postal 10/09/2020, finished 25/09, due 15/09  → late
As-of date: 25/09/2020. iGate's 2020-Q3 for P1: online 1, direct/postal 2, received 3, carried
over 1, early 1, on time 1, late 1, resolved 3, pending 1 (overdue 1, not due 0).

Reports:
  official/STP quý III.xlsx — P1's own Q3 report in the official layout: title block (the
    unit in the cell after `Đơn vị báo cáo:`, written as its alias), a four-row merged header,
    the numbered row (1)…(13), a total row with one mistyped cell, a level subtotal, sector
    rows (`Lĩnh vực Tư pháp`, `Hộ tịch` with a dash and an empty cell for zero, `Chứng thực`
    without figures), notes and signatures.
  ours/bieu06_2020-Q2.xlsx — the workbook our own `cchc report` writes, for P1 and 2020-Q2.
  typed/Bieu06_Phong Van hoa huyen Cang Long_T9-2020.xlsx — a two-row header typed by hand
    with other spellings, figures as text (`1.020`, `-`), the unit only in the file name (not
    in the registry), a row with a figure that is no number, a row that does not add up, and
    the total row at the bottom.
  old/D1 năm 2019.xlsx — D1's report for 2019, before the case data.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from flows.ingest.landing import land_file
from flows.ingest.profile import get_profile
from flows.ingest.readers import read_sheets
from flows.ingest.unit_reports import (
    column_field,
    find_period,
    header_paths,
    land_report_sheets,
    parse_count,
    unit_from_file_name,
    vocabulary,
)
from flows.paths import DataPaths
from flows.report.bieu06 import write_bieu06
from flows.report.data import load_report_data
from tests.support import IGATE_HEADER, UNIT_HEADER, land_and_build, rows, write_xlsx

OFFICIAL = "raw/reports/2020/official/STP quý III.xlsx"
OURS = "raw/reports/2020/ours/bieu06_2020-Q2.xlsx"
TYPED = "raw/reports/2020/typed/Bieu06_Phong Van hoa huyen Cang Long_T9-2020.xlsx"
OLD = "raw/reports/2019/D1 năm 2019.xlsx"

FORM_TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ"


def _at(text: str, hour: int = 9) -> datetime:
    day, month, year = (int(x) for x in text.split("/"))
    return datetime(year, month, day, hour)


def write_reference(paths: DataPaths) -> None:
    units = [
        ("P1", "Sở Tư pháp", "tỉnh", None, "sở", "STP", "01/01/2015", None, None),
        ("D1", "UBND huyện Càng Long", "huyện", None, "ubnd", None, "01/01/2015", None, None),
    ]
    write_xlsx(paths.raw / "reference" / "units.xlsx", {"Danh mục": [UNIT_HEADER, *units]})
    procedures = [
        ["Mã TTHC", "Tên TTHC", "Lĩnh vực", "Thời hạn giải quyết", "Đơn vị"],
        ["T1", "Cấp Phiếu lý lịch tư pháp", "Tư pháp", 10, "P1"],
        ["H1", "Đăng ký khai sinh có yếu tố nước ngoài", "Hộ tịch", 15, "P1"],
    ]
    write_xlsx(paths.raw / "reference" / "procedures.xlsx", {"Danh mục": procedures})


def write_cases(paths: DataPaths) -> None:
    cases = [
        ("k1", "T1", "Trực tuyến", "01/07/2020", "10/07/2020", None, "03/07/2020"),
        ("k2", "T1", "Trực tiếp", "15/08/2020", "20/08/2020", None, "20/08/2020"),
        ("k3", "T1", "Trực tiếp", "20/06/2020", "30/06/2020", None, None),
        ("k4", "H1", "Bưu chính", "10/09/2020", "15/09/2020", "25/09/2020", None),
    ]
    body: list[list[Any]] = [IGATE_HEADER]
    for n, (code, proc, channel, received, due, finished, returned) in enumerate(cases, 1):
        status = "Đã trả kết quả" if returned else "Đã xử lý xong" if finished else "Đang xử lý"
        body.append(
            [n, code, proc, None, None, "Sở Tư pháp", channel, _at(received), _at(due, 17),
             _at(finished, 15) if finished else None, _at(returned, 16) if returned else None,
             status, None, None]
        )  # fmt: skip
    write_xlsx(paths.raw / "igate" / "stp_2020.xlsx", {"Sổ": body})


# The official layout: (3) Tổng số, (4) kỳ trước, (5) trực tuyến, (6) trực tiếp, (7)–(10)
# resolved total, early, on time, late, (11)–(13) pending total, not due, overdue.
OFFICIAL_ROWS: list[tuple[Any, str, list[Any]]] = [
    (None, "Tổng cộng", [19, 1, 1, 17, 16, 1, 15, 1, 3, 2, 1]),  # (9) mistyped: 15, not 14
    ("I", "Cấp tỉnh", [19, 1, 1, 17, 16, 1, 14, 1, 3, 2, 1]),
    (1, "Lĩnh vực Tư pháp", [7, 1, 1, 5, 5, 1, 4, 0, 2, 1, 1]),
    (2, "Hộ tịch", [12, "-", None, 12, 11, 0, 10, 1, 1, 1, 0]),
    (3, "Chứng thực", [None] * 11),
]


def write_official(path: Path) -> None:
    """Biểu số 06/VPCP/KSTT as Circular 01/2020 prints it, with merged cells."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Biểu 06")
    merge = book.add_format({"align": "center", "valign": "vcenter", "text_wrap": True})
    ws.merge_range(0, 0, 0, 4, "UBND TỈNH TRÀ VINH", merge)
    ws.merge_range(1, 0, 1, 4, "SỞ TƯ PHÁP", merge)
    ws.merge_range(0, 10, 0, 12, "Biểu số 06/VPCP/KSTT", merge)
    ws.merge_range(2, 0, 2, 12, FORM_TITLE, merge)
    ws.merge_range(3, 0, 3, 12, "Kỳ báo cáo: Quý III năm 2020", merge)
    ws.merge_range(4, 0, 4, 12, "(Từ ngày 01/07/2020 đến ngày 30/09/2020)", merge)
    ws.write(5, 9, "Đơn vị báo cáo:")
    ws.write(5, 10, "STP")
    ws.write(6, 9, "Đơn vị nhận báo cáo: ……………")
    # header, rows 8–11 (0-based 7–10)
    ws.merge_range(7, 0, 10, 0, "STT", merge)
    ws.merge_range(7, 1, 10, 1, "Lĩnh vực, công việc giải quyết theo cấp", merge)
    ws.merge_range(7, 2, 7, 5, "Số hồ sơ nhận giải quyết", merge)
    ws.merge_range(8, 2, 10, 2, "Tổng số", merge)
    ws.merge_range(8, 3, 8, 5, "Trong đó", merge)
    ws.merge_range(9, 3, 10, 3, "Số kỳ trước chuyển qua", merge)
    ws.merge_range(9, 4, 9, 5, "Số mới tiếp nhận", merge)
    ws.write(10, 4, "Trực tuyến")
    ws.write(10, 5, "Trực tiếp, dịch vụ bưu chính")
    ws.merge_range(7, 6, 7, 12, "Kết quả giải quyết", merge)
    ws.merge_range(8, 6, 8, 9, "Số hồ sơ đã giải quyết", merge)
    ws.merge_range(8, 10, 8, 12, "Số hồ sơ đang giải quyết", merge)
    leaves = ["Tổng số", "Trả trước hạn", "Trả đúng thời hạn", "Trả quá hạn", "Tổng số",
              "Chưa đến hạn", "Quá hạn"]  # fmt: skip
    for offset, text in enumerate(leaves):
        ws.merge_range(9, 6 + offset, 10, 6 + offset, text, merge)
    for col in range(13):
        ws.write(11, col, f"({col + 1})")
    for r, (stt, label, values) in enumerate(OFFICIAL_ROWS, start=12):
        if stt is not None:
            ws.write(r, 0, stt)
        ws.write(r, 1, label)
        for c, v in enumerate(values, start=2):
            if v is not None:
                ws.write(r, c, v)
    ws.merge_range(18, 0, 18, 12, "Ghi chú: số liệu tổng hợp từ sổ theo dõi hồ sơ.", merge)
    ws.write(19, 9, "Trà Vinh, ngày 05 tháng 10 năm 2020")
    ws.write(20, 1, "NGƯỜI LẬP BIỂU")
    ws.write(20, 9, "GIÁM ĐỐC")
    ws.write(23, 1, "Nguyễn Thị Hạnh")
    ws.write(23, 9, "Trần Văn Lợi")
    book.close()


TYPED_ROWS = [
    # (1) STT, (2) Lĩnh vực, (3) Tổng số, (4) Trực tuyến, (5) Trực tiếp và BCCI, (6) Tồn kỳ
    # trước, (7) Tổng, (8) Trước hạn, (9) Đúng hạn, (10) Trễ hạn, (11) Tổng, (12) Trong hạn,
    # (13) Quá hạn — all typed as text
    ["1", "Văn hóa", "1.020", "-", "1.015", "5", "1.000", "900", "90", "10", "20", "15", "5"],
    ["2", "Thể thao", "12", "0", "12a", "0", "12", "12", "0", "0", "0", "0", "0"],
    ["3", "Du lịch", "6", "1", "5", "0", "1", "0", "1", "0", "5", "2", "2"],
    # the unit's total counts `Thể thao` too
    [None, "Cộng", "1.038", "1", "1.032", "5", "1.013", "912", "91", "10", "25", "17", "7"],
]


def write_typed(path: Path) -> None:
    header_top = ["STT", "Lĩnh vực", "Tiếp nhận", None, None, None, "Đã giải quyết", None, None,
                  None, "Đang giải quyết", None, None]  # fmt: skip
    header_low = [None, None, "Tổng số", "Trực tuyến", "Trực tiếp và BCCI", "Tồn kỳ trước",
                  "Tổng", "Trước hạn", "Đúng hạn", "Trễ hạn", "Tổng", "Trong hạn",
                  "Quá hạn"]  # fmt: skip
    sheet = [
        ["BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"],
        ["Kỳ báo cáo: Tháng 9 năm 2020"],
        [],
        header_top,
        header_low,
        *TYPED_ROWS,
    ]
    write_xlsx(path, {"Sheet1": sheet, "Ghi chú": [["Số liệu nhập tay"]]})


def write_old(path: Path) -> None:
    sheet = [
        ["Đơn vị báo cáo: UBND huyện Càng Long"],
        ["Từ ngày 01/01/2019 đến ngày 31/12/2019"],
        ["STT", "Lĩnh vực", "Số hồ sơ nhận giải quyết", None, None, None],
        [None, None, "Tổng số", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Từ kỳ trước"],
        [1, "Đất đai", 50, 2, 48, 0],
    ]
    write_xlsx(path, {"2019": sheet})


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory):
    paths = DataPaths(tmp_path_factory.mktemp("reports") / "data")
    write_reference(paths)
    write_cases(paths)
    _, _, con = land_and_build(paths)
    con.close()
    # our own report of P1 for 2020-Q2, dropped back in as a unit's report
    ours = paths.root / OURS
    ours.parent.mkdir(parents=True)
    write_bieu06(load_report_data(paths, "2020-Q2", ["P1"]), ours)
    write_official(paths.root / OFFICIAL)
    write_typed(paths.root / TYPED)
    write_old(paths.root / OLD)
    results, build, con = land_and_build(paths)
    yield con, build, {r.file: r for r in results}, paths
    con.close()


def accounting(con, file: str) -> list[tuple]:
    return con.execute(
        "SELECT sheet, status, rows_read, rows_loaded, rows_rejected, rows_skipped, "
        "rows_superseded, message FROM dq_files WHERE file = ? ORDER BY sheet",
        [file],
    ).fetchall()


def rejects(con, file: str) -> list[tuple]:
    return con.execute(
        "SELECT row_number, field, raw_value, reason, severity FROM dq_rejects WHERE file = ? "
        "ORDER BY row_number, field",
        [file],
    ).fetchall()


# ---------------------------------------------------------------------------------------------
# The official layout
# ---------------------------------------------------------------------------------------------


def test_official_layout_is_read_row_by_row(wh) -> None:
    con, _, results, _ = wh
    assert results[OFFICIAL].source == "reports" and results[OFFICIAL].profile == "reports"
    # 24 rows: title 1–7 and header 8–11, numbered row 12, total 13, subtotal 14, `Chứng thực`
    # without figures 17, blank 18, notes 19, place 20, signers 21–24 skipped; rows 15 and 16
    # loaded.
    assert accounting(con, OFFICIAL) == [("Biểu 06", "loaded", 24, 2, 0, 22, 0, None)]
    got = rows(
        con,
        "SELECT * EXCLUDE (file, sheet, sheet_index, export_unit_name, export_sector, "
        "is_sector_unmatched) FROM stg_reports__bieu06 WHERE file = ? ORDER BY row_number",
        [OFFICIAL],
    )
    common = {
        "period_type": "quarter",
        "period": "2020-Q3",
        "period_start": date(2020, 7, 1),
        "period_end": date(2020, 9, 30),
        "unit_code": "P1",  # `STP`, its alias, in the cell after the label
        "unit_name": "Sở Tư pháp",
        "other_ended": None,
    }
    assert got == [
        {
            **common, "sector": "Tư pháp", "received_online": 1, "received_direct_postal": 5,
            "received_total": 6, "carried_over": 1, "resolved_early": 1, "resolved_on_time": 4,
            "resolved_late": 0, "resolved_total": 5, "pending_not_due": 1, "pending_overdue": 1,
            "pending_total": 2, "row_number": 15, "received_all": 7,
        },
        {
            **common, "sector": "Hộ tịch", "received_online": 0, "received_direct_postal": 12,
            "received_total": 12, "carried_over": 0, "resolved_early": 0,
            "resolved_on_time": 10, "resolved_late": 1, "resolved_total": 11,
            "pending_not_due": 1, "pending_overdue": 0, "pending_total": 1, "row_number": 16,
            "received_all": 12,
        },
    ]  # fmt: skip


def test_stg_reports_has_the_columns_of_rpt_bieu06_plus_file(wh) -> None:
    con, _, _, _ = wh
    bieu06 = [r[0] for r in con.execute("DESCRIBE rpt_bieu06").fetchall()]
    stg = [r[0] for r in con.execute("DESCRIBE stg_reports__bieu06").fetchall()]
    assert stg[: len(bieu06) + 1] == [*bieu06, "file"]


def test_total_row_is_checked_against_the_sector_rows(wh) -> None:
    con, _, _, _ = wh
    # only the mistyped cell of the total row; the subtotal row adds up
    assert rejects(con, OFFICIAL) == [
        (
            13,
            "resolved_on_time",
            "15",
            "'Tổng cộng' says 15 for 'Số hồ sơ đã giải quyết: Đúng hạn', the sector rows it "
            "covers add up to 14",
            "warning",
        )
    ]


def test_reported_against_igate(wh) -> None:
    con, _, _, _ = wh
    row = rows(
        con, "SELECT * FROM ind_reported_vs_igate WHERE period = '2020-Q3' AND unit_code = 'P1'"
    )
    assert len(row) == 1
    r = row[0]
    assert (r["period_type"], r["period_start"], r["period_end"]) == (
        "quarter",
        date(2020, 7, 1),
        date(2020, 9, 25),  # the iGate period ends at the as-of date
    )
    assert (r["report_period_start"], r["report_period_end"], r["report_file"]) == (
        date(2020, 7, 1),
        date(2020, 9, 30),
        OFFICIAL,
    )
    # reported 1 + 17 = 18 received in the quarter; iGate holds k1, k2, k4
    assert (r["reported_received_total"], r["igate_received_total"]) == (18, 3)
    assert r["igate_share"] == pytest.approx(3 / 18)
    diffs = {k.removeprefix("diff_"): v for k, v in r.items() if k.startswith("diff_")}
    assert diffs == {
        "received_online": 1 - 1,
        "received_direct_postal": 2 - 17,
        "received_total": 3 - 18,
        "carried_over": 1 - 1,
        "resolved_early": 1 - 1,
        "resolved_on_time": 1 - 14,
        "resolved_late": 1 - 1,
        "resolved_total": 3 - 16,
        "pending_not_due": 0 - 2,
        "pending_overdue": 1 - 1,
        "pending_total": 1 - 3,
    }


# ---------------------------------------------------------------------------------------------
# Our own report's workbook
# ---------------------------------------------------------------------------------------------


def test_our_own_workbook_reads_back_as_igate(wh) -> None:
    con, _, _, _ = wh
    sheets = {s: (status, loaded) for s, status, _, loaded, *_ in accounting(con, OURS)}
    # the form's sheet gives P1's one sector; the list of late cases is no Biểu 06
    assert sheets == {"Biểu 06": ("loaded", 1), "Hồ sơ quá hạn": ("skipped", 0)}
    assert rejects(con, OURS) == []
    r = rows(
        con, "SELECT * FROM ind_reported_vs_igate WHERE period = '2020-Q2' AND unit_code = 'P1'"
    )[0]
    # k3, received 20/06: one direct file, pending, not yet overdue on 30/06
    assert (r["reported_received_total"], r["igate_received_total"], r["igate_share"]) == (
        1,
        1,
        1.0,
    )
    assert all(v == 0 for k, v in r.items() if k.startswith("diff_")), r


# ---------------------------------------------------------------------------------------------
# A typed sheet: other spellings, figures as text, the unit in the file name
# ---------------------------------------------------------------------------------------------


def test_typed_sheet_rows_rejects_and_warnings(wh) -> None:
    con, _, _, _ = wh
    assert accounting(con, TYPED) == [
        ("Ghi chú", "skipped", 1, 0, 0, 1, 0, "no recognisable Biểu 06 header (needs "
         "'Lĩnh vực' and the columns of 'Số hồ sơ nhận giải quyết')"),
        # 9 rows: title 1–3, header 4–5, total 9 skipped; 6 and 8 loaded; 7 rejected
        ("Sheet1", "loaded", 9, 2, 1, 6, 0,
         "unit taken from the file name: 'Phong Van hoa huyen Cang Long'"),
    ]  # fmt: skip

    def total(field: str, said: str, added: int) -> tuple:
        header = get_profile("reports").primary_header(field)
        number = said.replace(".", "")
        reason = f"'Cộng' says {number} for '{header}', the sector rows it covers add up to {added}"
        return (9, field, said, reason, "warning")

    assert rejects(con, TYPED) == [
        (7, "received_direct_postal", "12a", "not a whole number of files: '12a'", "error"),
        (
            8,
            "pending_total",
            "5",
            "'Số hồ sơ đang giải quyết: Tổng số' is 5, but 'Số hồ sơ đang giải quyết: Chưa đến "
            "hạn' + 'Số hồ sơ đang giải quyết: Quá hạn' = 4",
            "warning",
        ),
        # the total counts `Thể thao`, whose row was rejected: the loaded rows add up to less
        total("received_all", "1.038", 1026),
        total("received_direct_postal", "1.032", 1020),
        total("resolved_early", "912", 900),
        total("resolved_total", "1.013", 1001),
    ]


def test_typed_sheet_figures_and_unmatched_names(wh) -> None:
    con, _, _, _ = wh
    got = con.execute(
        "SELECT unit_code, unit_name, sector, received_all, received_online, "
        "received_direct_postal, received_total, carried_over, resolved_total, pending_total "
        "FROM stg_reports__bieu06 WHERE file = ? ORDER BY row_number",
        [TYPED],
    ).fetchall()
    assert got == [
        (None, "Phong Van hoa huyen Cang Long", "Văn hóa", 1020, 0, 1015, 1015, 5, 1000, 20),
        (None, "Phong Van hoa huyen Cang Long", "Du lịch", 6, 1, 5, 6, 0, 1, 5),
    ]
    unmatched = con.execute(
        "SELECT kind, name, occurrences FROM dq_unmatched WHERE kind IN ('unit', 'sector') "
        "ORDER BY ALL"
    ).fetchall()
    assert unmatched == [
        ("sector", "Du lịch", 1),
        ("sector", "Văn hóa", 1),
        ("sector", "Đất đai", 1),  # D1's 2019 report: the catalogue has no land procedure
        ("unit", "Phong Van hoa huyen Cang Long", 2),
    ]
    r = rows(con, "SELECT * FROM ind_reported_vs_igate WHERE period = '2020-09'")
    assert [(x["unit_code"], x["unit_name"]) for x in r] == [
        (None, "Phong Van hoa huyen Cang Long")
    ]
    # a period the case data covers: iGate has none of its files
    assert (r[0]["reported_received_total"], r[0]["igate_received_total"]) == (1021, 0)
    assert r[0]["igate_share"] == 0.0


def test_a_period_before_the_case_data_has_no_igate_figures(wh) -> None:
    con, _, _, _ = wh
    r = rows(con, "SELECT * FROM ind_reported_vs_igate WHERE period = '2019'")
    assert len(r) == 1
    assert (r[0]["unit_code"], r[0]["reported_received_total"]) == ("D1", 50)
    assert (r[0]["igate_received_total"], r[0]["igate_share"], r[0]["diff_received_total"]) == (
        None,
        None,
        None,
    )
    # a column the form does not have is NULL, its difference too
    assert (r[0]["diff_resolved_total"], r[0]["period_start"], r[0]["period_end"]) == (
        None,
        date(2019, 1, 1),
        date(2019, 12, 31),
    )


def test_every_row_is_accounted_for(wh) -> None:
    con, build, _, _ = wh
    assert all(a.passed for a in build.audits if a.severity == "error")
    bad = con.execute(
        "SELECT count(*) FROM dq_files WHERE source = 'reports' "
        "AND rows_read <> rows_loaded + rows_rejected + rows_skipped"
    ).fetchone()[0]
    assert bad == 0


# ---------------------------------------------------------------------------------------------
# A report sent again
# ---------------------------------------------------------------------------------------------


def test_a_report_sent_again_supersedes_the_first(wh, tmp_path: Path) -> None:
    _, _, _, original = wh
    paths = DataPaths(tmp_path / "data")
    shutil.copytree(original.raw, paths.raw)
    shutil.rmtree(paths.raw / "reports" / "2020" / "typed")
    again = paths.raw / "reports" / "2020" / "official_2" / "STP quý III (gửi lại).xlsx"
    again.parent.mkdir()
    shutil.copy(paths.root / OFFICIAL, again)
    _, _, con = land_and_build(paths)
    with con:
        files = con.execute(
            "SELECT file, rows_loaded, rows_superseded FROM dq_files "
            "WHERE source = 'reports' AND sheet = 'Biểu 06' AND file LIKE '%official%' "
            "ORDER BY file"
        ).fetchall()
        r = rows(con, "SELECT * FROM ind_reported_vs_igate WHERE period = '2020-Q3'")
    # the file path sorting last (binary: `official_2/` after `official/`) is the report;
    # the first one's rows are superseded
    assert files == [
        (OFFICIAL, 2, 2),
        ("raw/reports/2020/official_2/STP quý III (gửi lại).xlsx", 2, 0),
    ]
    assert len(r) == 1 and r[0]["reported_received_total"] == 18
    assert r[0]["report_file"].endswith("(gửi lại).xlsx")


# ---------------------------------------------------------------------------------------------
# The reader's parts
# ---------------------------------------------------------------------------------------------


def test_header_paths_follow_merged_groups() -> None:
    block: list[list[str | None]] = [
        ["STT", "Lĩnh vực", "Số hồ sơ nhận giải quyết", None, None, None, "Đã giải quyết"],
        [None, None, "Tổng số", "Trong kỳ", None, "Từ kỳ trước", "Tổng số", "Quá hạn"],
        [None, None, None, "Trực tuyến", "Trực tiếp, dịch vụ bưu chính"],
    ]
    assert header_paths(block) == [
        ["STT"],
        ["Lĩnh vực"],
        ["Số hồ sơ nhận giải quyết", "Tổng số"],
        ["Số hồ sơ nhận giải quyết", "Trong kỳ", "Trực tuyến"],
        ["Số hồ sơ nhận giải quyết", "Trong kỳ", "Trực tiếp, dịch vụ bưu chính"],
        ["Số hồ sơ nhận giải quyết", "Từ kỳ trước"],
        ["Đã giải quyết", "Tổng số"],
        ["Đã giải quyết", "Quá hạn"],
    ]


@pytest.mark.parametrize(
    ("title", "file", "expected"),
    [
        (["Kỳ báo cáo: Quý IV năm 2020"], "x.xlsx", ("2020-Q4", "01/10/2020", "31/12/2020")),
        (["KỲ BÁO CÁO: QUÝ 2/2020"], "x.xlsx", ("2020-Q2", "01/04/2020", "30/06/2020")),
        (["Kỳ báo cáo:", "Năm 2020"], "x.xlsx", ("2020", "01/01/2020", "31/12/2020")),
        (["Tháng 10 năm 2020"], "x.xlsx", ("2020-10", "01/10/2020", "31/10/2020")),
        (["Từ ngày 01/02/2020 đến ngày 29/02/2020"], "x.xlsx", ("2020-02", "01/02/2020",
                                                               "29/02/2020")),
        (["Từ ngày 01/07/2020 đến ngày 30/09/2020"], "x.xlsx", ("2020-Q3", "01/07/2020",
                                                               "30/09/2020")),
        # the label names the period; the dates (to the as-of date) are kept as written
        (["Kỳ báo cáo: Năm 2020", "(Từ ngày 01/01/2020 đến ngày 20/11/2020)"], "x.xlsx",
         ("2020", "01/01/2020", "20/11/2020")),
        # a place-and-date line is no period; the file name is
        (["Trà Vinh, ngày 05 tháng 10 năm 2020"], "BC_quy3_2020.xlsx",
         ("2020-Q3", "01/07/2020", "30/09/2020")),
        # not a calendar period: found, without a label
        (["Từ ngày 15/12/2019 đến ngày 14/03/2020"], "x.xlsx", (None, "15/12/2019",
                                                               "14/03/2020")),
        (["Kỳ báo cáo: 6 tháng đầu năm 2020"], "x.xlsx", None),
    ],
)  # fmt: skip
def test_find_period(title: list[str], file: str, expected) -> None:
    found = find_period(vocabulary(), [list(title)], None, file)
    if expected is None:
        assert found is None
        return
    label, start, end = expected
    assert (found.label, f"{found.start:%d/%m/%Y}", f"{found.end:%d/%m/%Y}") == (label, start, end)


@pytest.mark.parametrize(
    ("file", "unit"),
    [
        ("Bieu06_UBND huyen Cang Long_Q4-2020.xlsx", "UBND huyen Cang Long"),
        ("Báo cáo quý III năm 2020 - Sở Tư pháp.xlsx", "Sở Tư pháp"),
        ("BC_KSTT_thang_10_2020_UBND_xa_An_Truong.xlsx", "UBND xa An Truong"),
        ("Sở Lao động - Thương binh và Xã hội.xlsx", "Sở Lao động - Thương binh và Xã hội"),
        ("Biểu 06 - Quý I năm 2020.xlsx", None),
    ],
)
def test_unit_from_file_name(file: str, unit: str | None) -> None:
    assert unit_from_file_name(file) == unit


@pytest.mark.parametrize(
    ("text", "value"),
    [(None, 0), ("", 0), ("-", 0), ("12", 12), ("1.234", 1234), ("1,234", 1234),
     ("1 234", 1234), ("12.0", 12), ("007", 7)],
)  # fmt: skip
def test_parse_count(text: str | None, value: int) -> None:
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["12a", "1.5", "-3", "x", "1.23"])
def test_parse_count_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a whole number"):
        parse_count(text)


def test_a_sheet_without_period_rejects_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "khong ky.xlsx"
    write_xlsx(
        path,
        {
            "S": [
                ["Đơn vị báo cáo: Sở Tư pháp"],
                ["STT", "Lĩnh vực", "Số hồ sơ nhận giải quyết", None],
                [None, None, "Trực tuyến", "Trực tiếp, dịch vụ bưu chính"],
                [1, "Tư pháp", 3, 4],
            ]
        },
    )
    tables, found, results = land_report_sheets(
        get_profile("reports"), read_sheets(path), "raw/reports/khong ky.xlsx"
    )
    assert (results[0].rows_loaded, results[0].rows_rejected, results[0].rows_skipped) == (0, 1, 3)
    assert [(r["row_number"], r["field"], r["severity"]) for r in found] == [(4, "period", "error")]
    assert "no report period in the title block" in found[0]["reason"]


def test_reports_are_landed_once_per_content(wh) -> None:
    _, _, results, paths = wh
    again = land_file(paths, paths.root / OFFICIAL)
    assert again.parsed is False and again.key == results[OFFICIAL].key


# ---------------------------------------------------------------------------------------------
# The official layout worded by a unit its own way (docs/spec.md §3.6: groups and key words)
# ---------------------------------------------------------------------------------------------

REWORDED = "raw/reports/2020/STP quý III (mẫu riêng).xlsx"

# (3) Tổng số, (4) kỳ trước, (5) trực tuyến, (6) trực tiếp, (7) liên thông — a column the form
# does not have —, (8)–(11) resolved total, early, on time, late, (12)–(14) pending total, not
# due, overdue, (15) a rate. The same figures as OFFICIAL_ROWS, the total row right this time.
REWORDED_ROWS: list[tuple[Any, str, list[Any]]] = [
    (None, "Tổng cộng", [19, 1, 1, 17, 3, 16, 1, 14, 1, 3, 2, 1, "87,5"]),
    ("I", "Cấp tỉnh", [19, 1, 1, 17, 3, 16, 1, 14, 1, 3, 2, 1, "87,5"]),
    (1, "Lĩnh vực Tư pháp", [7, 1, 1, 5, 2, 5, 1, 4, 0, 2, 1, 1, "80"]),
    (2, "Hộ tịch", [12, "-", None, 12, 1, 11, 0, 10, 1, 1, 1, 0, "90,9"]),
]


def write_reworded(path: Path) -> None:
    """Biểu 06 in the official two-level layout, every sub-column worded otherwise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Biểu 06")
    merge = book.add_format({"align": "center", "valign": "vcenter", "text_wrap": True})
    ws.merge_range(0, 0, 0, 4, "SỞ TƯ PHÁP TỈNH TRÀ VINH", merge)
    ws.merge_range(2, 0, 2, 14, FORM_TITLE, merge)
    ws.merge_range(3, 0, 3, 14, "Kỳ báo cáo: Quý III năm 2020", merge)
    ws.write(5, 10, "Đơn vị báo cáo: Sở Tư pháp")
    # header, rows 8–11 (0-based 7–10)
    ws.merge_range(7, 0, 10, 0, "STT", merge)
    ws.merge_range(7, 1, 10, 1, "Lĩnh vực, công việc giải quyết theo cấp", merge)
    ws.merge_range(7, 2, 7, 6, "Số hồ sơ nhận giải quyết", merge)
    ws.merge_range(8, 2, 10, 2, "Tổng số", merge)
    ws.merge_range(8, 3, 8, 6, "Trong đó", merge)
    ws.merge_range(9, 3, 10, 3, "Từ kỳ trước chuyển sang", merge)
    ws.merge_range(9, 4, 9, 5, "Tiếp nhận mới trong kỳ", merge)
    ws.write(10, 4, "Nộp qua Cổng DVC trực tuyến")
    ws.write(10, 5, "Nộp trực tiếp hoặc qua dịch vụ BCCI")
    ws.merge_range(9, 6, 10, 6, "Hồ sơ liên thông", merge)
    ws.merge_range(7, 7, 7, 13, "Kết quả giải quyết", merge)
    ws.merge_range(8, 7, 8, 10, "Số hồ sơ đã được giải quyết", merge)
    ws.merge_range(8, 11, 8, 13, "Số hồ sơ còn đang giải quyết", merge)
    leaves = ["Tổng số", "Giải quyết trước thời hạn", "Giải quyết đúng thời hạn",
              "Giải quyết quá thời hạn", "Tổng số", "Chưa đến thời hạn giải quyết",
              "Quá thời hạn giải quyết"]  # fmt: skip
    for offset, text in enumerate(leaves):
        ws.merge_range(9, 7 + offset, 10, 7 + offset, text, merge)
    ws.merge_range(7, 14, 10, 14, "Tỷ lệ giải quyết đúng hạn (%)", merge)
    for col in range(15):
        ws.write(11, col, f"({col + 1})")
    for r, (stt, label, values) in enumerate(REWORDED_ROWS, start=12):
        if stt is not None:
            ws.write(r, 0, stt)
        ws.write(r, 1, label)
        for c, v in enumerate(values, start=2):
            if v is not None:
                ws.write(r, c, v)
    ws.write(17, 10, "Trà Vinh, ngày 05 tháng 10 năm 2020")
    ws.write(18, 10, "GIÁM ĐỐC")
    book.close()


@pytest.fixture(scope="module")
def reworded(tmp_path_factory: pytest.TempPathFactory):
    paths = DataPaths(tmp_path_factory.mktemp("reworded") / "data")
    write_reference(paths)
    write_cases(paths)
    write_reworded(paths.root / REWORDED)
    _, _, con = land_and_build(paths)
    yield con
    con.close()


def test_reworded_columns_land_in_their_fields(reworded) -> None:
    con = reworded
    got = con.execute(
        "SELECT row_number, sector, received_all, carried_over, received_online, "
        "received_direct_postal, received_total, resolved_total, resolved_early, "
        "resolved_on_time, resolved_late, pending_total, pending_not_due, pending_overdue "
        "FROM stg_reports__bieu06 WHERE file = ? ORDER BY row_number",
        [REWORDED],
    ).fetchall()
    assert got == [
        (15, "Tư pháp", 7, 1, 1, 5, 6, 5, 1, 4, 0, 2, 1, 1),
        (16, "Hộ tịch", 12, 0, 0, 12, 12, 11, 0, 10, 1, 1, 1, 0),
    ]


def test_an_unnamed_column_of_the_form_is_a_warning(reworded) -> None:
    con = reworded
    # title 1–7, header 8–11, numbered row 12, total 13, subtotal 14, place and signer 18–19
    ((status, loaded, rejected, message),) = con.execute(
        "SELECT status, rows_loaded, rows_rejected, message FROM dq_files WHERE file = ?",
        [REWORDED],
    ).fetchall()
    assert (status, loaded, rejected) == ("loaded", 2, 0)
    assert message == (
        "form column(s) named by no header, their figures not loaded: G 'Hồ sơ liên thông'"
    )
    # the rate column (15) is no figure of the form: ignored without a warning
    assert rejects(con, REWORDED) == [
        (
            10,
            None,
            "Số hồ sơ nhận giải quyết › Trong đó › Hồ sơ liên thông",
            "column G of the form's header ('Số hồ sơ nhận giải quyết › Trong đó › Hồ sơ liên "
            "thông') names no column of Biểu 06, so its figures are not loaded: add its header "
            "to [bieu06.columns.received] in flows/ingest/profiles/reports.toml",
            "warning",
        )
    ]


def test_reworded_report_against_igate(reworded) -> None:
    r = rows(
        reworded,
        "SELECT * FROM ind_reported_vs_igate WHERE period = '2020-Q3' AND unit_code = 'P1'",
    )[0]
    assert (r["report_file"], r["reported_received_total"], r["igate_received_total"]) == (
        REWORDED,
        18,
        3,
    )
    # every column of the form reported, none NULL: as for the official wording
    diffs = {k.removeprefix("diff_"): v for k, v in r.items() if k.startswith("diff_")}
    assert diffs == {
        "received_online": 1 - 1,
        "received_direct_postal": 2 - 17,
        "received_total": 3 - 18,
        "carried_over": 1 - 1,
        "resolved_early": 1 - 1,
        "resolved_on_time": 1 - 14,
        "resolved_late": 1 - 1,
        "resolved_total": 3 - 16,
        "pending_not_due": 0 - 2,
        "pending_overdue": 1 - 1,
        "pending_total": 1 - 3,
    }


@pytest.mark.parametrize(
    ("path", "name"),
    [
        # exact spellings win first
        (["Số hồ sơ nhận giải quyết", "Tổng số"], "received_all"),
        (["Đã giải quyết", "Quá hạn"], "resolved_late"),
        # key words under the group, accents and punctuation ignored
        (["Số hồ sơ nhận giải quyết", "Truc tuyen (DVCTT)"], "received_online"),
        (["Tiếp nhận", "Qua bưu điện/trực tiếp"], "received_direct_postal"),
        (["Số hồ sơ nhận giải quyết", "Tồn chuyển sang"], "carried_over"),
        (["Hồ sơ tiếp nhận", "Tiếp nhận mới", "Tổng cộng"], "received_total"),
        (["Số hồ sơ đã giải quyết xong", "Trả kết quả sớm hạn"], "resolved_early"),
        (["Số hồ sơ chưa giải quyết", "Chưa quá hạn"], "pending_not_due"),
        (["Số hồ sơ chưa giải quyết", "Đã quá thời hạn"], "pending_overdue"),
        (["Đang xử lý", "Tổng"], "pending_total"),
        # a group and its column in one cell; a group cell with nothing under it
        (["Tiếp nhận trực tuyến"], "received_online"),
        (["Hồ sơ đã được giải quyết"], "resolved_total"),
        # without a group, only a key word one field knows
        (["Trực tuyến"], "received_online"),
        (["Quá thời hạn"], None),
        (["Tổng số"], None),
        # no figure of the form, and a column nothing names
        (["Đã giải quyết", "Tỷ lệ đúng hạn (%)"], None),
        (["Số hồ sơ nhận giải quyết", "Hồ sơ liên thông"], None),
    ],
)
def test_column_field_by_group_and_key_words(path: list[str], name: str | None) -> None:
    assert column_field(vocabulary(), path)[0] == name
