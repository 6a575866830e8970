"""Landing real files: header by content, row accounting, rejects, caching, personal data."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows.ingest.landing import discover, land_file, prune_landing
from flows.paths import DataPaths
from tests.support import IGATE_HEADER, write_csv, write_xlsx

TITLE = [
    ["UBND TỈNH TRÀ VINH"],
    ["SỔ THEO DÕI HỒ SƠ"],
    ["Từ ngày 01/10/2020 đến ngày 31/10/2020"],
    [],
]


def case_row(n: int, code: str, received: object, status: object = "Đã trả kết quả", **kw):
    row = [
        n,
        code,
        "1.004227",
        "Đăng ký đất đai",
        "Đất đai",
        kw.get("unit", "UBND huyện Càng Long"),
        kw.get("channel", "Trực tiếp"),
        received,
        kw.get("due", "20/10/2020 17:00"),
        kw.get("finished", "15/10/2020 10:00"),
        kw.get("returned", "16/10/2020 08:00"),
        status,
        "Nguyễn Văn An",
        "0901234567",
    ]
    return row


def land(paths: DataPaths, path: Path):
    return land_file(paths, path)


def test_title_block_blank_rows_and_footer_are_skipped_and_counted(data_root):
    rows = [
        *TITLE,
        IGATE_HEADER,
        case_row(1, "H48-201001-0001", "01/10/2020 08:00"),
        [],
        case_row(2, "H48-201001-0002", datetime(2020, 10, 1, 9, 30)),
        ["Tổng cộng: 2 hồ sơ"],
        [None, None, None, "Người lập biểu"],
        [None, None, None, "Trần Thị Bình"],
    ]
    path = write_xlsx(data_root.raw / "igate" / "t10.xlsx", {"Sheet1": rows})
    result = land(data_root, path)
    (sheet,) = result.sheets
    assert result.status == "loaded"
    assert (sheet.rows_read, sheet.rows_loaded, sheet.rows_rejected, sheet.rows_skipped) == (
        11,
        2,
        0,
        9,
    )
    table = pq.read_table(result.data_path).to_pylist()
    assert [r["row_number"] for r in table] == [6, 8]
    assert table[1]["received_at"] == datetime(2020, 10, 1, 9, 30)
    assert table[0]["status"] == 10
    assert table[0]["channel"] == "direct"


def test_two_row_merged_header_is_read_column_by_column(data_root):
    top = ["Mã hồ sơ", "Đơn vị tiếp nhận", "Thời gian", None, None, "Trạng thái"]
    sub = [None, None, "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", None]
    numbers = ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"]
    data = ["H48-1", "Sở Tư pháp", "05/10/2020", "09/10/2020", "08/10/2020", "9"]
    path = write_xlsx(
        data_root.raw / "igate" / "two_row.xlsx", {"S": [["SỔ THEO DÕI"], top, sub, numbers, data]}
    )
    result = land(data_root, path)
    (row,) = pq.read_table(result.data_path).to_pylist()
    assert row["due_at"] == datetime(2020, 10, 9)
    assert row["finished_at"] == datetime(2020, 10, 8)
    assert row["status"] == 9
    assert row["row_number"] == 5
    assert result.sheets[0].rows_skipped == 4


def test_every_sheet_is_read_and_a_sheet_without_header_is_skipped(data_root):
    path = write_xlsx(
        data_root.raw / "igate" / "units.xlsx",
        {
            "Sở Tư pháp": [IGATE_HEADER, case_row(1, "A-1", "01/10/2020")],
            "Ghi chú": [["Dữ liệu trích xuất từ iGate"], ["ngày 05/11/2020"]],
            "Sở Xây dựng": [IGATE_HEADER, case_row(1, "B-1", "02/10/2020")],
        },
    )
    result = land(data_root, path)
    statuses = [(s.sheet, s.status, s.rows_read, s.rows_skipped) for s in result.sheets]
    assert statuses == [
        ("Sở Tư pháp", "loaded", 2, 1),
        ("Ghi chú", "skipped", 2, 2),
        ("Sở Xây dựng", "loaded", 2, 1),
    ]
    assert "no recognisable header" in result.sheets[1].message
    codes = [r["case_code"] for r in pq.read_table(result.data_path).to_pylist()]
    assert codes == ["A-1", "B-1"]


def test_bad_rows_are_rejected_with_field_value_and_reason(data_root):
    rows = [
        IGATE_HEADER,
        case_row(1, "OK-1", "01/10/2020"),
        case_row(2, "BAD-STATUS", "01/10/2020", status="Đang chờ ký"),
        case_row(3, "BAD-DATE", "31/02/2020"),
        case_row(4, "BEFORE", "10/10/2020", finished="09/10/2020 23:00"),
        case_row(5, None, "01/10/2020"),
        case_row(6, "BAD-CHANNEL", "01/10/2020", channel="Fax"),
        case_row(7, "SAME-DAY", "10/10/2020 15:00", finished="10/10/2020 08:00"),
    ]
    path = write_xlsx(data_root.raw / "igate" / "bad.xlsx", {"S": rows})
    result = land(data_root, path)
    sheet = result.sheets[0]
    assert (sheet.rows_read, sheet.rows_loaded, sheet.rows_rejected, sheet.rows_skipped) == (
        8,
        2,
        5,
        1,
    )
    rejects = {
        r["row_number"]: r
        for r in pq.read_table(result.rejects_path).to_pylist()
        if r["severity"] == "error"
    }
    assert rejects[3]["field"] == "status"
    assert rejects[3]["raw_value"] == "Đang chờ ký"
    assert "unknown status" in rejects[3]["reason"]
    assert rejects[4]["field"] == "received_at" and rejects[4]["raw_value"] == "31/02/2020"
    assert rejects[5]["field"] == "finished_at" and "before" in rejects[5]["reason"]
    assert rejects[6]["field"] == "case_code" and "required" in rejects[6]["reason"]
    assert "unknown channel" in rejects[7]["reason"]
    # Finished earlier in the day it was received: the same date, so not impossible.
    loaded = [r["case_code"] for r in pq.read_table(result.data_path).to_pylist()]
    assert loaded == ["OK-1", "SAME-DAY"]


def test_status_is_inferred_when_the_export_has_none(data_root):
    header = ["Mã hồ sơ", "Đơn vị", "Ngày nhận", "Ngày hoàn thành", "Ngày trả"]
    rows = [
        header,
        ["A", "Sở Tư pháp", "01/10/2020", None, None],
        ["B", "Sở Tư pháp", "01/10/2020", "05/10/2020", None],
        ["C", "Sở Tư pháp", "01/10/2020", "05/10/2020", "06/10/2020"],
    ]
    path = write_csv(data_root.raw / "igate" / "no_status.csv", rows, encoding="utf-8-sig")
    result = land(data_root, path)
    table = pq.read_table(result.data_path).to_pylist()
    assert [r["status"] for r in table] == [4, 9, 10]
    assert [r["row_number"] for r in table] == [2, 3, 4]


def test_vocabularies_match_any_case_form_and_tone_placement(data_root):
    nfd = unicodedata.normalize("NFD", "Đã trả kết quả cho công dân")
    rows = [
        IGATE_HEADER,
        case_row(1, "A", "01/10/2020", status=nfd, channel="DVCTT"),
        case_row(2, "B", "01/10/2020", status="  hoàn   thành ", channel="3"),
        case_row(3, "C", "01/10/2020", status=7, channel="dịch vụ bưu chính công ích"),
        case_row(4, "D", "01/10/2020", status="Tạm dừng", channel=None),
    ]
    path = write_xlsx(data_root.raw / "igate" / "vocab.xlsx", {"S": rows})
    table = pq.read_table(land(data_root, path).data_path).to_pylist()
    assert [(r["status"], r["channel"]) for r in table] == [
        (10, "online"),
        (9, "postal"),
        (7, "postal"),
        (8, "direct"),
    ]


def test_personal_fields_never_reach_landing(data_root):
    rows = [IGATE_HEADER, case_row(1, "A", "01/10/2020")]
    path = write_xlsx(data_root.raw / "igate" / "p.xlsx", {"S": rows})
    result = land(data_root, path)
    columns = pq.read_table(result.data_path).column_names
    assert not {"applicant", "applicant_phone", "applicant_address", "applicant_id"} & set(columns)
    for file in (p for p in data_root.landing.rglob("*") if p.is_file()):
        content = file.read_bytes()
        assert "Nguyễn Văn An".encode() not in content
        assert b"0901234567" not in content


def test_landing_is_reused_until_the_file_changes_and_pruned_when_it_goes(data_root):
    path = write_xlsx(
        data_root.raw / "igate" / "t.xlsx", {"S": [IGATE_HEADER, case_row(1, "A", "01/10/2020")]}
    )
    first = land(data_root, path)
    again = land(data_root, path)
    assert first.parsed and not again.parsed and again.key == first.key
    write_xlsx(
        path,
        {"S": [IGATE_HEADER, case_row(1, "A", "01/10/2020"), case_row(2, "B", "02/10/2020")]},
    )
    changed = land(data_root, path)
    assert changed.parsed and changed.key != first.key
    assert changed.sheets[0].rows_loaded == 2
    removed = prune_landing(data_root, {changed.key})
    assert removed == 3
    left = sorted(p.name.split(".")[0] for p in data_root.landing.rglob("*") if p.is_file())
    assert left == [changed.key] * 3


def test_unreadable_and_unsupported_files_are_named_not_fatal(data_root):
    good = write_xlsx(
        data_root.raw / "igate" / "good.xlsx", {"S": [IGATE_HEADER, case_row(1, "A", "01/10/2020")]}
    )
    broken = data_root.raw / "igate" / "broken.xlsx"
    broken.write_bytes(good.read_bytes()[:300])
    note = data_root.raw / "igate" / "ghi chú.txt"
    note.write_text("xin chào", encoding="utf-8")
    results = {r.file: r for r in (land(data_root, p) for p in discover(data_root))}
    assert results["raw/igate/good.xlsx"].status == "loaded"
    assert results["raw/igate/broken.xlsx"].status == "failed"
    assert "broken.xlsx" in results["raw/igate/broken.xlsx"].message
    assert results["raw/igate/ghi chú.txt"].status == "skipped"
    assert "unsupported file type" in results["raw/igate/ghi chú.txt"].message


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", "\t"), ("cp1258", ",")],
)
def test_csv_encodings_and_delimiters(data_root, encoding, delimiter):
    unit = "Ủy ban nhân dân xã Long Đức - Ngã Năm"
    rows = [IGATE_HEADER, case_row(1, "A", "01/10/2020", unit=unit)]
    path = write_csv(data_root.raw / "igate" / "c.csv", rows, encoding, delimiter)
    (row,) = pq.read_table(land(data_root, path).data_path).to_pylist()
    assert row["receiving_unit"] == unit
    assert row["procedure_code"] == "1.004227"


def test_reference_files_are_source_reference_read_by_their_name(data_root):
    header = ["Mã đơn vị", "Tên đơn vị", "Cấp", "Tên khác"]
    units = write_xlsx(
        data_root.raw / "reference" / "don_vi_2020.xlsx",
        {"S": [header, ["S01", "Sở Tư pháp", "tỉnh", "STP;Sở TP"]]},
    )
    other = data_root.raw / "reference" / "bang_ke.csv"
    write_csv(other, [header, ["S01", "Sở Tư pháp", "tỉnh", ""]])
    result = land(data_root, units)
    assert (result.source, result.profile, result.status) == ("reference", "units", "loaded")
    (row,) = pq.read_table(result.data_path).to_pylist()
    assert (row["unit_code"], row["aliases"]) == ("S01", "STP;Sở TP")
    skipped = land(data_root, other)
    assert (skipped.source, skipped.status) == ("reference", "skipped")
    assert "must start with units/don_vi" in skipped.message


def test_a_record_whose_name_starts_like_a_footer_is_still_a_record(data_root):
    header = ["Mã TTHC", "Tên TTHC", "Lĩnh vực", "Thời hạn giải quyết"]
    rows = [
        header,
        ["2.000286", "Xác nhận hộ gia đình làm nông nghiệp", "Nông nghiệp", 5],
        ["1.004138", "Tổng hợp ý kiến", "Môi trường", 10],
        ["Người lập biểu", "Trần Văn Bình", None, None],
        ["Nguyễn Thị Lan", "Lê Văn Hùng", None, None],
    ]
    path = write_xlsx(data_root.raw / "reference" / "procedures.xlsx", {"S": rows})
    result = land(data_root, path)
    loaded = [r["procedure_code"] for r in pq.read_table(result.data_path).to_pylist()]
    assert loaded == ["2.000286", "1.004138"]
    sheet = result.sheets[0]
    assert (sheet.rows_loaded, sheet.rows_rejected, sheet.rows_skipped) == (2, 0, 3)


def test_column_wise_row_classification_equals_the_row_by_row_rules(tmp_path: Path) -> None:
    """Rows are sorted into data and non-data with Arrow kernels, and only the doubtful ones
    one by one; the outcome must be what the row rules give when applied to every row."""
    from flows.ingest.headers import find_header
    from flows.ingest.profile import get_profile
    from flows.ingest.readers import read_sheets
    from flows.ingest.sheet_loader import SheetLoader

    base = ["1.1", "x", "Đất đai", "Sở Tư pháp", "Trực tiếp", "01/10/2020"]
    width = len(IGATE_HEADER)
    rows = [
        ["BÁO CÁO HỒ SƠ"] + [None] * (width - 1),
        IGATE_HEADER,
        [f"({i})" for i in range(1, width + 1)],  # printed column numbers
        [1, "A-1", *base],
        [None, "A-2", None, "x", "Đất đai", "Sở Tư pháp", None, None],  # no date: rejected
        [None, None, None, "Ghi chú 2: hồ sơ trả qua bưu điện"] + [None] * (width - 4),
        IGATE_HEADER,  # repeated at a page break
        [2, "A-3", *base],
        [None] * width,
        [None, "Tổng cộng: 3 hồ sơ"] + [None] * (width - 2),
        [None, "Người lập biểu", None, None, None, None, None, "Ngày 05 tháng 10 năm 2020"],
        [None, "Nguyễn Văn An"] + [None] * (width - 2),
    ]
    sheet = read_sheets(write_csv(tmp_path / "x.csv", rows))[0]
    profile = get_profile("igate")
    header = find_header(profile, sheet.rows)
    assert header is not None

    expected, in_footer = [], False
    reference = SheetLoader(profile, sheet, header)
    for index in range(header.last_row + 1, len(sheet.rows)):
        kind = reference._non_data_kind(sheet.rows[index], in_footer)
        in_footer = in_footer or kind == "footer"
        if kind is None:
            expected.append(index + 1)

    loader = SheetLoader(profile, sheet, header)
    result = loader.run()
    loaded = loader.table().column("row_number").to_pylist()
    rejected = {r["row_number"] for r in loader.rejects if r["severity"] == "error"}
    assert sorted(set(loaded) | rejected) == expected == [4, 5, 8]
    assert result.rows_read == result.rows_loaded + result.rows_rejected + result.rows_skipped
    assert (result.rows_loaded, result.rows_rejected) == (2, 1)
