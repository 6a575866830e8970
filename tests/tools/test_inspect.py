"""`cchc inspect`: a new vendor's export read as landing would read it, nothing landed.

The vendor's iGate export names the case code `Số biên nhận` and the received date `Ngày nhận
HS`, so no row of it is a header; inspect names the closest fields, prints the lines for the
data root's `profiles/igate.toml`, `--write` writes them, and landing then loads the rows.
"""

from __future__ import annotations

import json
import tomllib
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from flows.cli import main
from flows.ingest.landing import land_file
from flows.paths import DataPaths
from flows.tools.query import display_width
from tests.ingest.test_unit_reports import write_reworded
from tests.support import IGATE_HEADER, write_csv, write_xlsx

VENDOR_HEADER = [
    "STT", "Số biên nhận", "Mã TTHC", "Tên TTHC", "Lĩnh vực", "Đơn vị tiếp nhận",
    "Hình thức nộp", "Ngày nhận HS", "Ngày hẹn trả", "Ngày có kết quả", "Ngày trả kết quả",
    "Trạng thái", "Chủ hồ sơ", "Cán bộ tiếp nhận", "Ghi chú",
]  # fmt: skip

PROFILE_LINES = """\
[fields.received_at]
headers = ["Ngày nhận HS"]

[fields.case_code]
headers = ["Số biên nhận"]
"""


def _case(n: int, status: str, note: str | None = None) -> list[Any]:
    return [
        n, f"000.00.52.H48-20100{n}-000{n}", "1.001", "Cấp Phiếu lý lịch tư pháp", "Tư pháp",
        "Sở Tư pháp", "Trực tuyến", datetime(2020, 10, n, 8), datetime(2020, 10, n + 10, 17),
        None, None, status, "Nguyễn Văn An", "Trần Thị Bình", note,
    ]  # fmt: skip


def write_vendor(path: Path) -> Path:
    """Title block, the vendor's header on row 4, five cases (one with an unknown status)."""
    cases = [
        _case(1, "Đang xử lý"),
        _case(2, "Đang xử lý", "gọi lại"),
        _case(3, "Đang chờ ký"),
        _case(4, "Đang xử lý"),
        _case(5, "Đã trả kết quả"),
    ]
    cases[4][10] = datetime(2020, 10, 9, 10)
    sheet = [["UBND TỈNH TRÀ VINH"], ["SỔ THEO DÕI HỒ SƠ"], [], VENDOR_HEADER, *cases]
    return write_xlsx(path, {"Sổ theo dõi": sheet, "Ghi chú": [["Xuất từ phần mềm X"]]})


def inspect(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["inspect", *args])
    return status, capsys.readouterr().out


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def vendor(tmp_path: Path) -> tuple[DataPaths, Path]:
    paths = DataPaths(tmp_path / "data")
    return paths, write_vendor(paths.raw / "igate" / "Phần mềm X" / "Sổ theo dõi.xlsx")


def test_renamed_headers_get_their_closest_fields_and_profile_lines(vendor, capsys) -> None:
    paths, export = vendor
    before = files_under(paths.root)
    status, out = inspect(str(export), capsys=capsys)
    assert status == 1  # no header: nothing would load
    assert "Source:  igate (the file lies in raw/igate/)" in out
    assert (
        "No header: no row among the first 60 names every required field (missing: "
        "case_code ('Mã hồ sơ'), received_at ('Ngày tiếp nhận'))"
    ) in out
    assert "row 4: names 10 field(s); lacks case_code, received_at" in out
    lines = out.splitlines()
    (received,) = [line for line in lines if "Ngày nhận HS " in line]
    assert "? no field; closest: received_at 1.00 ('Ngày nhận hồ sơ')" in received
    (code,) = [line for line in lines if "Số biên nhận " in line]
    assert "case_code" in code.split("closest:")[1]
    # the lines to add, each block after why it is proposed
    assert (
        "  # 'Ngày nhận HS', column H: close to 'Ngày nhận hồ sơ' (1.00)\n"
        "  [fields.received_at]\n"
        '  headers = ["Ngày nhận HS"]\n'
        "\n"
        "  # 'Số biên nhận', column B: the only column whose values can be case_code, a "
        "required field\n"
        "  [fields.case_code]\n"
        '  headers = ["Số biên nhận"]\n'
    ) in out
    # staff names, notes, row numbers: nothing proposed for them
    assert "Cán bộ tiếp nhận" not in out.split("To read these columns")[1]
    assert files_under(paths.root) == before  # nothing landed, no profile written


def test_write_adds_the_lines_then_landing_loads_the_rows(vendor, capsys) -> None:
    paths, export = vendor
    status, out = inspect(str(export), "--write", capsys=capsys)
    assert status == 0
    local = paths.root / "profiles" / "igate.toml"
    assert local.read_text(encoding="utf-8") == PROFILE_LINES
    after = out.split("After writing them:")[1]
    assert "Header: row 4" in after
    assert "Would load 4, reject 1, skip 4 of 9 row(s)" in after
    assert "row 7 status [error]: unknown status: 'Đang chờ ký'" in after
    assert not (paths.root / "processed").exists()

    # again: the file already lists them, nothing is added twice
    status, out = inspect(str(export), "--write", capsys=capsys)
    assert status == 0 and "Nothing to write" in out
    assert local.read_text(encoding="utf-8") == PROFILE_LINES

    result = land_file(paths, export)
    sheets = {s.sheet: (s.status, s.rows_loaded, s.rows_rejected) for s in result.sheets}
    assert result.status == "loaded"
    assert sheets == {"Sổ theo dõi": ("loaded", 4, 1), "Ghi chú": ("skipped", 0, 0)}


def test_write_extends_a_local_profile_without_duplicating(vendor, capsys) -> None:
    paths, export = vendor
    local = paths.root / "profiles" / "igate.toml"
    local.parent.mkdir(parents=True)
    local.write_text(
        '# vendor Y\n[fields.case_code]\nheaders = [\n    "Mã biên nhận",  # Y\'s code\n]\n\n'
        '[vocabularies.status]\n4 = ["Đang thụ lý"]\n',
        encoding="utf-8",
    )
    status, _ = inspect(str(export), "--write", capsys=capsys)
    assert status == 0
    text = local.read_text(encoding="utf-8")
    assert '    "Mã biên nhận", "Số biên nhận"  # Y\'s code\n]' in text  # comment kept
    data = tomllib.loads(text)
    assert data["fields"] == {
        "case_code": {"headers": ["Mã biên nhận", "Số biên nhận"]},
        "received_at": {"headers": ["Ngày nhận HS"]},
    }
    assert data["vocabularies"] == {"status": {"4": ["Đang thụ lý"]}}


def test_json_output(vendor, capsys) -> None:
    _, export = vendor
    status, out = inspect(str(export), "--format", "json", capsys=capsys)
    assert status == 1
    found = json.loads(out)
    assert set(found) == {
        "file", "format", "encoding", "source", "source_from", "source_note", "local_profile",
        "error", "sheets", "suggestions", "toml", "written", "would_load", "exit_status",
    }  # fmt: skip
    assert (found["file"], found["format"], found["encoding"]) == (
        "raw/igate/Phần mềm X/Sổ theo dõi.xlsx",
        "xlsx",
        None,
    )
    assert (found["source"], found["source_from"], found["would_load"]) == (
        "igate",
        "folder",
        False,
    )
    sheet = found["sheets"][0]
    assert set(sheet) == {
        "sheet", "index", "hidden", "rows", "reader", "status", "header_rows", "no_header",
        "closest_rows", "columns", "missing_required", "not_in_header", "rows_loaded",
        "rows_rejected", "rows_skipped", "message", "rejects_total", "rejects", "unit",
        "unit_from", "period", "period_start", "period_end",
    }  # fmt: skip
    assert (sheet["sheet"], sheet["header_rows"], sheet["missing_required"]) == (
        "Sổ theo dõi",
        [],
        ["case_code", "received_at"],
    )
    assert sheet["closest_rows"][0]["rows"] == [4]
    columns = {c["column"]: c for c in sheet["columns"]}
    assert set(columns["B"]) == {"column", "index", "header", "field", "how", "closest"}
    assert (columns["C"]["field"], columns["C"]["how"]) == ("procedure_code", "exact")
    assert columns["H"]["closest"][0] == {
        "field": "received_at",
        "header": "Ngày nhận hồ sơ",
        "score": 1.0,
    }
    assert [(s["field"], s["header"], s["column"]) for s in found["suggestions"]] == [
        ("received_at", "Ngày nhận HS", "H"),
        ("case_code", "Số biên nhận", "B"),
    ]
    assert found["toml"] == PROFILE_LINES
    assert found["written"] == []


def test_csv_with_a_header_shows_rows_and_rejects(tmp_path: Path, capsys) -> None:
    paths = DataPaths(tmp_path / "data")
    paths.root.mkdir()
    header = [unicodedata.normalize("NFD", h) for h in [*IGATE_HEADER, "Ghi chú nội bộ"]]
    body = [
        [1, "HS1", "T1", None, "Tư pháp", "Sở Tư pháp", "Trực tuyến", "05/10/2020 08:00",
         "15/10/2020", None, None, "Đang xử lý", None, None, None],
        [2, "HS2", "T1", None, "Tư pháp", "Sở Tư pháp", "Fax", "06/10/2020", None, None, None,
         "4", None, None, None],
        [3, "HS3", "T1", None, "Tư pháp", "Sở Tư pháp", "2", "31/02/2020", None, None, None,
         "4", None, None, None],
        [4, "HS4", "T1", None, "Tư pháp", "Sở Tư pháp", None, "07/10/2020", None, None, None,
         None, None, None, "x"],
    ]  # fmt: skip
    # outside any raw/ folder: the source is guessed from the header
    export = write_csv(tmp_path / "elsewhere" / "ho_so.csv", [header, *body], "utf-8-sig")
    status, out = inspect(str(export), "--data-dir", str(paths.root), capsys=capsys)
    assert status == 0
    assert "Format:  csv, UTF-8 with BOM" in out
    assert (
        "Source:  igate (not under" in out
        and "guessed from row 1 names 13 of its fields, 3 of its 3 required" in out
    )
    assert "Header: row 1" in out
    assert "Would load 2, reject 2, skip 1 of 5 row(s)" in out
    assert "row 3 channel [error]: unknown channel: 'Fax'" in out
    assert "row 4 received_at [error]: '31/02/2020' is not a date" in out
    # NFD headers printed NFC, the fields aligned on one display column
    column_lines = [line for line in out.splitlines() if line.startswith("    ") and "  → " in line]
    assert any("Đơn vị tiếp nhận" in line for line in column_lines)
    arrows = {display_width(line.split(" → ")[0]) for line in column_lines}
    assert len(arrows) == 1, column_lines
    assert "No header" not in out and "To read these columns" not in out
    assert not (paths.root / "processed").exists()


def test_a_sheet_with_no_header(tmp_path: Path, capsys) -> None:
    export = write_xlsx(
        tmp_path / "bia.xlsx",
        {"Bìa": [["SỔ THEO DÕI HỒ SƠ"], ["Năm 2020"], [], ["Người lập: Nguyễn Văn An"]]},
    )
    status, out = inspect(str(export), "--source", "igate", capsys=capsys)
    assert status == 1
    assert "Source:  igate (as --source says)" in out
    assert (
        "No header: no row among the first 60 names every required field (missing: "
        "case_code ('Mã hồ sơ'), receiving_unit ('Đơn vị tiếp nhận'), received_at "
        "('Ngày tiếp nhận'))"
    ) in out
    assert "Would load 0, reject 0, skip 4 of 4 row(s)" in out
    assert "To read these columns" not in out
    assert out.endswith("Result: nothing would load (exit 1)\n")


def test_a_units_report_names_its_columns(tmp_path: Path, capsys) -> None:
    paths = DataPaths(tmp_path / "data")
    export = paths.raw / "reports" / "STP quý III.xlsx"
    write_reworded(export)
    status, out = inspect(str(export), capsys=capsys)
    assert status == 0
    assert "Unit:   Sở Tư pháp (from the title block)" in out
    assert "Period: 2020-Q3 (01/07/2020–30/09/2020)" in out
    lines = out.splitlines()
    (online,) = [line for line in lines if "Nộp qua Cổng DVC trực tuyến" in line]
    assert "→ received_online  (key words 'trực tuyến' under 'Số hồ sơ nhận giải quyết')" in online
    (unnamed,) = [line for line in lines if "NOT NAMED" in line]
    assert "G  … › Hồ sơ liên thông" in unnamed
    assert unnamed.endswith("! NOT NAMED: its figures are not loaded")
    assert "Would load 2, reject 0, skip 17 of 19 row(s)" in out
    found = json.loads(inspect(str(export), "--format", "json", capsys=capsys)[1])
    sheet = found["sheets"][0]
    assert (sheet["unit"], sheet["period"], sheet["reader"]) == (
        "Sở Tư pháp",
        "2020-Q3",
        "unit_reports",
    )
    assert {c["column"]: c["field"] for c in sheet["columns"]}["G"] is None
    assert found["suggestions"] == [] and not (paths.root / "processed").exists()


@pytest.mark.parametrize(
    "args",
    [["missing.xlsx"], ["{export}", "--source", "nope"], ["{export}", "--format", "yaml"]],
)
def test_usage_errors_exit_2(vendor, args: list[str], capsys) -> None:
    _, export = vendor
    argv = [a.format(export=export) for a in args]
    try:
        status = main(["inspect", *argv])
    except SystemExit as exc:  # argparse's own refusal
        status = exc.code
    assert status == 2


def test_an_unreadable_file_exits_1(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "rong.xlsx"
    empty.write_bytes(b"")
    status, out = inspect(str(empty), capsys=capsys)
    assert status == 1
    assert "Cannot inspect: " in out and "empty" in out
