"""What happens to a bad input: one test per row of docs/bad-inputs.md.

Every bad export is a real file written into one data root beside a good control export; the
root is landed and built once (no Prefect), as the nightly run does. Each test then asserts,
for its own file, the answer the table documents — `dq_files` status and message, the
`dq_rejects` row and reason, the run summary line — and, for every test, that the control
export still loads and that each sheet's accounting adds up (rows_read = loaded + rejected +
skipped).
"""

from __future__ import annotations

import os
import struct
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import xlsxwriter
import xlwt
from xlwt.CompoundDoc import XlsDoc

import flows.ingest.landing
from flows.ingest.landing import FileResult, discover, printable_name
from flows.ops.summary import RunReport, format_report, read_accounting
from flows.paths import DataPaths
from flows.pipeline import build_warehouse, land, land_in_process
from tests.support import rows, write_csv, write_xlsx

HEADER = [
    "STT",
    "Mã hồ sơ",
    "Đơn vị tiếp nhận",
    "Hình thức nộp",
    "Ngày tiếp nhận",
    "Ngày hẹn trả",
    "Ngày có kết quả",
    "Trạng thái",
    "Chủ hồ sơ",
    "Số điện thoại",
]
UNIT = "UBND huyện Càng Long"


def case(
    code: object,
    received: object = "05/10/2020 08:30",
    status: object = "Đang giải quyết",
    *,
    due: object = "15/10/2020 17:00",
    finished: object = None,
    channel: object = "Trực tiếp",
    unit: object = UNIT,
) -> list[object]:
    """One data row under HEADER."""
    return [1, code, unit, channel, received, due, finished, status, "Nguyễn Văn An", "0901234567"]


def text_rows(table: list[list[object]]) -> list[list[str]]:
    return [["" if v is None else str(v) for v in row] for row in table]


def igate(paths: DataPaths, name: str) -> Path:
    path = paths.raw / "igate" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# ---------------------------------------------------------------------------------------------
# The corpus: every bad input of the table, written as a real file


def encrypted_xlsx(path: Path) -> None:
    """An encrypted .xlsx: an OLE2 container whose payload is an `EncryptedPackage` stream."""
    XlsDoc().save(str(path), b"\0" * 8192)
    data = bytearray(path.read_bytes())
    entry = data.find("Workbook".encode("utf-16-le"))
    name = "EncryptedPackage".encode("utf-16-le") + b"\0\0"
    data[entry : entry + len(name)] = name
    struct.pack_into("<H", data, entry + 64, len(name))
    path.write_bytes(bytes(data))


def encrypted_xls(path: Path) -> None:
    """A BIFF8 workbook whose globals start with a FILEPASS record, as Excel encrypts it."""
    book = xlwt.Workbook()
    book.add_sheet("S").write(0, 0, "bí mật")
    biff = book.get_biff_data()
    _, bof_length = struct.unpack_from("<HH", biff, 0)
    offset = 4 + bof_length
    _, length = struct.unpack_from("<HH", biff, offset)
    biff = biff[:offset] + struct.pack("<HH", 0x002F, length) + biff[offset + 4 :]
    XlsDoc().save(str(path), biff)


def formulas_and_hidden(path: Path) -> None:
    """Formulas with cached values, a hidden and a very hidden sheet."""
    book = xlsxwriter.Workbook(str(path))
    stamp = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    visible = book.add_worksheet("Hiện")
    visible.write_row(0, 0, HEADER)
    visible.write_row(1, 0, case("FORMULA-1", status=None, due=None)[:4])
    visible.write_datetime(1, 4, datetime(2020, 10, 5, 8, 30), stamp)
    # The due date and the status are computed; the reader must take Excel's cached results.
    visible.write_formula(1, 5, "=E2+10", stamp, 44119.354166666664)
    visible.write_formula(1, 7, '=IF(E2>0,"Đã có "&"kết quả","")', None, "Đã có kết quả")
    visible.write_formula(1, 6, "=E2+2", stamp, 44111.5)
    hidden = book.add_worksheet("Ẩn")
    for r, row in enumerate([HEADER, case("HIDDEN-1")]):
        hidden.write_row(r, 0, row)
    hidden.hide()
    very = book.add_worksheet("Rất ẩn")
    for r, row in enumerate([HEADER, case("VERYHIDDEN-1")]):
        very.write_row(r, 0, row)
    very.very_hidden()
    book.close()


def numbers_and_text(path: Path) -> None:
    """Codes typed as numbers, dates as Excel serials, codes with leading zeros as text."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Số")
    sheet.write_row(0, 0, HEADER)
    # A case code typed as a number, the received date a serial number, the status its code.
    sheet.write_row(1, 0, [1, 20201005001, UNIT, 2, 44109.5, "15/10/2020", None, 9])
    # A code with leading zeros kept as text, the dates as text, the channel code as text.
    sheet.write_row(2, 0, [2, "000123", UNIT, "3", "05/10/2020", "44119", None, "4"])
    # A serial number stored as text ("44109") and a status code stored as text with a space.
    sheet.write_row(3, 0, [3, "NUMTEXT-3", UNIT, "1", "44109", None, None, " 4 "])
    book.close()


def build_corpus(paths: DataPaths) -> None:
    write_xlsx(
        igate(paths, "good.xlsx"),
        {"Tháng 10": [HEADER, *[case(f"GOOD-{n}") for n in range(1, 6)]]},
    )
    # Empty files.
    igate(paths, "empty.xlsx").write_bytes(b"")
    igate(paths, "empty.csv").write_bytes(b"")
    # Header only.
    write_xlsx(igate(paths, "header_only.xlsx"), {"Tháng 11": [["SỔ THEO DÕI HỒ SƠ"], HEADER]})
    write_csv(igate(paths, "header_only.csv"), [HEADER])
    # No recognisable header: a notes sheet beside a good one, and a file with only notes.
    write_xlsx(
        igate(paths, "notes_sheet.xlsx"),
        {
            "Ghi chú": [["Dữ liệu trích xuất từ iGate"], ["Người lập", "Trần Thị Bình"]],
            "Dữ liệu": [HEADER, case("NOTES-1")],
        },
    )
    write_xlsx(
        igate(paths, "only_notes.xlsx"),
        {"Sheet1": [["Mã", "Tên", "Ngày"], ["A-1", "Không phải hồ sơ", "05/10/2020"]]},
    )
    # Wrong formats behind the extension.
    html = "".join(f"<th>{h}</th>" for h in HEADER)
    cells = "".join(f"<td>{v or ''}</td>" for v in case("HTML-1"))
    igate(paths, "web_export.xls").write_text(
        '<html><head><meta charset="utf-8"></head><body><h3>SỔ THEO DÕI HỒ SƠ</h3>'
        f"<table><tr>{html}</tr><tr>{cells}</tr></table></body></html>",
        encoding="utf-8",
    )
    write_csv(
        igate(paths, "csv_named.xlsx"),
        text_rows([HEADER, case("CSVX-1")]),
        encoding="utf-8-sig",
        delimiter=";",
    )
    real = write_xlsx(paths.root / "scratch" / "real.xlsx", {"Thật": [HEADER, case("XLSXC-1")]})
    igate(paths, "xlsx_named.csv").write_bytes(real.read_bytes())
    # A truncated workbook and password-protected ones.
    whole = write_xlsx(
        paths.root / "scratch" / "whole.xlsx",
        {"S": [HEADER, *[case(f"TRUNC-{n}") for n in range(300)]]},
    )
    igate(paths, "truncated.xlsx").write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    encrypted_xlsx(igate(paths, "locked.xlsx"))
    encrypted_xls(igate(paths, "locked.xls"))
    # Encodings.
    utf8 = "\r\n".join(
        ",".join(row) for row in text_rows([HEADER, case("BADBYTE-1"), case("BADBYTE-2")])
    )
    broken = utf8.encode("utf-8").replace(b"BADBYTE-2", b"BADBYTE-\xff2")
    igate(paths, "bad_byte.csv").write_bytes(broken)
    latin = "\r\n".join(",".join(row) for row in text_rows([HEADER, case("LATIN-1")]))
    igate(paths, "latin1.csv").write_bytes(latin.encode("cp1252", errors="replace"))
    write_csv(
        igate(paths, "windows1258.csv"),
        [HEADER, case("CP1258-1", unit="Ủy ban nhân dân xã Long Đức")],
        encoding="cp1258",
    )
    utf16 = "\r\n".join(",".join(row) for row in text_rows([HEADER, case("UTF16-1")]))
    igate(paths, "utf16_no_bom.csv").write_bytes(utf16.encode("utf-16-le"))
    # Formulas, hidden sheets, numbers and text.
    formulas_and_hidden(igate(paths, "formulas.xlsx"))
    numbers_and_text(igate(paths, "numbers.xlsx"))
    # Two-digit years.
    write_csv(
        igate(paths, "short_years.csv"),
        [HEADER, case("YY-1", "05/10/20 08:30", due="15/10/20"), case("YY-2", "06-10-20")],
    )
    # A field named by two columns.
    write_xlsx(
        igate(paths, "duplicated.xlsx"),
        {"S": [[*HEADER, "Mã hồ sơ"], [*case("DUP-FIRST"), "DUP-SECOND"]]},
    )
    # A Vietnamese file name with spaces.
    write_xlsx(
        igate(paths, "2020/Tháng 10/Sổ theo dõi hồ sơ - Càng Long (bản cuối).xlsx"),
        {"S": [HEADER, case("NAME-1")]},
    )
    # A file name in the Windows code page, as a zip made on Windows unpacks on Linux.
    legacy = os.fsencode(paths.raw / "igate") + b"/Th\xe1ng 10 (c\xfc).xlsx"
    with open(legacy, "wb") as handle:
        handle.write(
            write_xlsx(
                paths.root / "scratch" / "legacy.xlsx", {"S": [HEADER, case("LEGACY-1")]}
            ).read_bytes()
        )
    (paths.root / "scratch" / "legacy.xlsx").unlink()
    # NFD text: headers and values decomposed, as macOS and some web exports write them.
    nfd = [unicodedata.normalize("NFD", h) for h in HEADER]
    write_xlsx(
        igate(paths, "nfd.xlsx"),
        {
            "S": [
                nfd,
                case(
                    "NFD-1",
                    status=unicodedata.normalize("NFD", "Đã trả kết quả"),
                    finished="10/10/2020",
                    unit=unicodedata.normalize("NFD", "UBND xã Phương Thạnh"),
                    channel=unicodedata.normalize("NFD", "Trực tuyến"),
                ),
            ]
        },
    )
    # Unknown status (and channel).
    write_xlsx(
        igate(paths, "unknown_status.xlsx"),
        {
            "S": [
                HEADER,
                case("STATUS-OK"),
                case("STATUS-BAD", status="Đang chờ ký"),
                case("CHANNEL-BAD", channel="Fax"),
            ]
        },
    )
    # Impossible dates and dates before the received date.
    write_xlsx(
        igate(paths, "bad_dates.xlsx"),
        {
            "S": [
                HEADER,
                case("DATE-OK", "10/10/2020 08:00", finished="10/10/2020 07:00", status=9),
                case("DATE-FEB31", "31/02/2020"),
                case("DATE-TYPO", "05/10/0202"),
                case("DATE-TEXT", "chưa nhận"),
                case("DATE-DUE-BEFORE", "10/10/2020", due="09/10/2020"),
                case("DATE-FIN-BEFORE", "10/10/2020", finished="01/10/2020", status=9),
            ]
        },
    )
    # Files that are not exports.
    igate(paths, "ghi chú.txt").write_text("xin chào", encoding="utf-8")
    igate(paths, "~$good.xlsx").write_bytes(b"\0" * 165)
    (paths.root / "scratch" / "real.xlsx").unlink()
    (paths.root / "scratch" / "whole.xlsx").unlink()


# ---------------------------------------------------------------------------------------------
# Landing and building the corpus once


@dataclass
class Corpus:
    paths: DataPaths
    results: dict[str, FileResult]
    con: duckdb.DuckDBPyConnection
    summary: str

    def files(self, name: str) -> list[dict[str, Any]]:
        """The dq_files rows of raw/igate/<name>, in sheet order."""
        found = rows(self.con, "SELECT * FROM dq_files WHERE file = ?", [f"raw/igate/{name}"])
        assert found, f"raw/igate/{name} is not named in dq_files"
        return found

    def rejects(self, name: str, severity: str = "error") -> dict[int, dict[str, Any]]:
        found = rows(
            self.con,
            "SELECT * FROM dq_rejects WHERE file = ? AND severity = ?",
            [f"raw/igate/{name}", severity],
        )
        return {r["row_number"]: r for r in found}

    def cases(self, name: str) -> dict[str, dict[str, Any]]:
        found = rows(
            self.con, "SELECT * FROM fct_filings WHERE source_file = ?", [f"raw/igate/{name}"]
        )
        return {r["case_code"]: r for r in found}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    paths = DataPaths(tmp_path_factory.mktemp("bad_inputs") / "data")
    build_corpus(paths)
    results = land(paths)
    build_warehouse(paths, results)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    report = RunReport(data_root=str(paths.root), started_at="", published=True)
    report.count_files(results)
    read_accounting(con, report)
    yield Corpus(paths, {r.file: r for r in results}, con, format_report(report))
    con.close()


@pytest.fixture(autouse=True)
def _every_file_named_and_accounted(request: pytest.FixtureRequest) -> None:
    """Around every row: the control export loads, every file is named, every sheet adds up."""
    if "corpus" not in request.fixturenames:
        return
    corpus: Corpus = request.getfixturevalue("corpus")
    assert set(corpus.cases("good.xlsx")) == {f"GOOD-{n}" for n in range(1, 6)}
    named = {r["file"] for r in rows(corpus.con, "SELECT DISTINCT file FROM dq_files")}
    on_disk = {printable_name(corpus.paths.relative(p)) for p in discover(corpus.paths)}
    assert named == on_disk
    broken = rows(
        corpus.con,
        "SELECT file, sheet FROM dq_files WHERE rows_read <> rows_loaded + rows_rejected + "
        "rows_skipped OR rows_superseded > rows_loaded",
    )
    assert broken == []


def failed(corpus: Corpus, name: str, reason: str) -> None:
    """A file that cannot be read: one `failed` row naming it, and a FAILED summary line."""
    (row,) = corpus.files(name)
    assert row["status"] == "failed"
    assert row["message"].startswith(f"raw/igate/{name}: ")
    assert reason in row["message"], row["message"]
    assert (row["rows_read"], row["rows_loaded"], row["rows_rejected"], row["rows_skipped"]) == (
        0,
        0,
        0,
        0,
    )
    assert f"FAILED raw/igate/{name}: " in corpus.summary
    assert corpus.rejects(name) == {}


def counts(row: dict[str, Any]) -> tuple[int, int, int, int]:
    return row["rows_read"], row["rows_loaded"], row["rows_rejected"], row["rows_skipped"]


# ---------------------------------------------------------------------------------------------
# One test per row of the table


@pytest.mark.parametrize("name", ["empty.xlsx", "empty.csv"])
def test_empty_file(corpus: Corpus, name: str) -> None:
    failed(corpus, name, "empty file")


@pytest.mark.parametrize(
    ("name", "sheet", "read"), [("header_only.xlsx", "Tháng 11", 2), ("header_only.csv", None, 1)]
)
def test_header_only(corpus: Corpus, name: str, sheet: str | None, read: int) -> None:
    (row,) = corpus.files(name)
    assert (row["sheet"], row["status"]) == (sheet, "loaded")
    assert counts(row) == (read, 0, 0, read)  # a title row, the header
    assert row["message"] == "no data rows under the header"
    assert corpus.cases(name) == {}


def test_sheet_without_a_recognisable_header(corpus: Corpus) -> None:
    notes, data = corpus.files("notes_sheet.xlsx")
    assert (notes["sheet"], notes["status"], counts(notes)) == ("Ghi chú", "skipped", (2, 0, 0, 2))
    assert notes["message"].startswith("no recognisable header (needs 'Mã hồ sơ', ")
    assert (data["sheet"], data["status"]) == ("Dữ liệu", "loaded")
    assert set(corpus.cases("notes_sheet.xlsx")) == {"NOTES-1"}
    (only,) = corpus.files("only_notes.xlsx")
    assert (only["status"], counts(only)) == ("skipped", (2, 0, 0, 2))
    assert "no recognisable header" in only["message"]
    assert corpus.results["raw/igate/only_notes.xlsx"].status == "skipped"


def test_xls_that_is_an_html_table(corpus: Corpus) -> None:
    (row,) = corpus.files("web_export.xls")
    assert (row["sheet"], row["status"], counts(row)) == (None, "loaded", (2, 1, 0, 1))
    assert corpus.cases("web_export.xls")["HTML-1"]["unit_name"] == UNIT


def test_xlsx_that_is_a_csv(corpus: Corpus) -> None:
    (row,) = corpus.files("csv_named.xlsx")
    assert (row["sheet"], row["status"], counts(row)) == (None, "loaded", (2, 1, 0, 1))
    assert corpus.cases("csv_named.xlsx")["CSVX-1"]["received_at"] == datetime(2020, 10, 5, 8, 30)


def test_csv_that_is_an_xlsx(corpus: Corpus) -> None:
    (row,) = corpus.files("xlsx_named.csv")
    assert (row["sheet"], row["status"], counts(row)) == ("Thật", "loaded", (2, 1, 0, 1))
    assert set(corpus.cases("xlsx_named.csv")) == {"XLSXC-1"}


def test_truncated_workbook(corpus: Corpus) -> None:
    failed(corpus, "truncated.xlsx", "not a readable Excel workbook: ")
    assert corpus.cases("truncated.xlsx") == {}


@pytest.mark.parametrize("name", ["locked.xlsx", "locked.xls"])
def test_password_protected_workbook(corpus: Corpus, name: str) -> None:
    failed(corpus, name, "password-protected (encrypted) workbook: open it with its password")


def test_utf8_csv_with_one_invalid_byte_is_a_clear_error_not_mojibake(corpus: Corpus) -> None:
    failed(corpus, "bad_byte.csv", "not valid UTF-8: 1 invalid byte(s)")
    (row,) = corpus.files("bad_byte.csv")
    assert "the first 0xff on line 3" in row["message"]


def test_windows_1252_csv_is_named_with_its_likely_cause(corpus: Corpus) -> None:
    # Windows-1252 cannot write Vietnamese: the export tool wrote `?` for the letters it
    # lacked, so the headers are gone; read as Windows-1258, the sheet has no header.
    (row,) = corpus.files("latin1.csv")
    assert (row["status"], counts(row)) == ("skipped", (2, 0, 0, 2))
    assert "no recognisable header" in row["message"]
    assert "read as Windows-1258" in row["message"] and "save it as UTF-8" in row["message"]


@pytest.mark.parametrize(
    ("name", "code", "unit"),
    [
        ("windows1258.csv", "CP1258-1", "Ủy ban nhân dân xã Long Đức"),
        ("utf16_no_bom.csv", "UTF16-1", UNIT),
    ],
)
def test_other_listed_encodings_are_detected(
    corpus: Corpus, name: str, code: str, unit: str
) -> None:
    (row,) = corpus.files(name)
    assert (row["status"], counts(row)) == ("loaded", (2, 1, 0, 1))
    loaded = corpus.cases(name)[code]
    assert loaded["unit_name"] == unit
    assert unicodedata.is_normalized("NFC", loaded["unit_name"])
    with pytest.raises(UnicodeDecodeError):  # really not UTF-8 on disk
        (corpus.paths.raw / "igate" / name).read_bytes().decode("utf-8")


def test_no_mojibake_anywhere_in_the_warehouse(corpus: Corpus) -> None:
    # UTF-8 read as a single-byte code page shows as Ã, Â, Æ, Ä followed by a C1 or Latin-1
    # character; none of the text the corpus holds may look like that.
    texts = rows(
        corpus.con,
        "SELECT unit_name AS t FROM fct_filings UNION ALL SELECT message FROM dq_files "
        "UNION ALL SELECT raw_value FROM dq_rejects UNION ALL SELECT reason FROM dq_rejects",
    )
    for text in (r["t"] for r in texts if r["t"]):
        assert not any(marker in text for marker in ("Ã", "Ä‘", "Æ°", "á»", "\ufffd")), text


def test_formulas_give_their_cached_values(corpus: Corpus) -> None:
    loaded = corpus.cases("formulas.xlsx")["FORMULA-1"]
    assert loaded["due_at"] == datetime(2020, 10, 15, 8, 30)
    assert loaded["finished_at"] == datetime(2020, 10, 7, 12, 0)
    assert loaded["status_code"] == 9


def test_hidden_sheets_are_read_and_said_so(corpus: Corpus) -> None:
    visible, hidden, very = corpus.files("formulas.xlsx")
    assert (visible["sheet"], visible["message"]) == ("Hiện", None)
    assert (hidden["sheet"], hidden["status"], hidden["message"]) == (
        "Ẩn",
        "loaded",
        "hidden sheet, read",
    )
    assert (very["sheet"], very["message"]) == ("Rất ẩn", "hidden sheet, read")
    assert {"HIDDEN-1", "VERYHIDDEN-1"} <= set(corpus.cases("formulas.xlsx"))


def test_numbers_stored_as_text_and_text_stored_as_numbers(corpus: Corpus) -> None:
    (row,) = corpus.files("numbers.xlsx")
    assert (row["status"], counts(row)) == ("loaded", (4, 3, 0, 1))
    cases = corpus.cases("numbers.xlsx")
    # A numeric case code is its digits, never "20201005001.0"; a serial is a date.
    assert cases["20201005001"]["received_at"] == datetime(2020, 10, 5, 12, 0)
    assert (cases["20201005001"]["channel"], cases["20201005001"]["status_code"]) == ("online", 9)
    assert cases["000123"]["due_at"] == datetime(2020, 10, 15)
    assert cases["000123"]["channel"] == "postal"
    assert cases["NUMTEXT-3"]["received_at"] == datetime(2020, 10, 5)
    assert cases["NUMTEXT-3"]["status_code"] == 4


def test_two_digit_years(corpus: Corpus) -> None:
    cases = corpus.cases("short_years.csv")
    assert cases["YY-1"]["received_at"] == datetime(2020, 10, 5, 8, 30)
    assert cases["YY-1"]["due_at"] == datetime(2020, 10, 15)
    assert cases["YY-2"]["received_at"] == datetime(2020, 10, 6)


def test_a_column_duplicated_in_the_header(corpus: Corpus) -> None:
    (row,) = corpus.files("duplicated.xlsx")
    assert row["status"] == "loaded"
    message = "header names a field twice, first column used: 'Mã hồ sơ' (columns [10])"
    assert row["message"] == message
    assert set(corpus.cases("duplicated.xlsx")) == {"DUP-FIRST"}


def test_a_file_name_with_vietnamese_letters_and_spaces(corpus: Corpus) -> None:
    name = "2020/Tháng 10/Sổ theo dõi hồ sơ - Càng Long (bản cuối).xlsx"
    (row,) = corpus.files(name)
    assert row["status"] == "loaded"
    assert corpus.cases(name)["NAME-1"]["source_file"] == f"raw/igate/{name}"


def test_a_file_name_that_is_not_utf8(corpus: Corpus) -> None:
    # Named with its undecodable bytes escaped, so that the dq_ tables can hold it; read.
    name = "Th\\xe1ng 10 (c\\xfc).xlsx"
    (row,) = corpus.files(name)
    assert row["status"] == "loaded"
    assert set(corpus.cases(name)) == {"LEGACY-1"}


def test_nfd_text_is_matched_and_stored_as_nfc(corpus: Corpus) -> None:
    (row,) = corpus.files("nfd.xlsx")
    assert (row["status"], counts(row)) == ("loaded", (2, 1, 0, 1))
    loaded = corpus.cases("nfd.xlsx")["NFD-1"]
    assert loaded["unit_name"] == "UBND xã Phương Thạnh"
    assert unicodedata.is_normalized("NFC", loaded["unit_name"])
    assert (loaded["status_code"], loaded["channel"]) == (10, "online")


def test_an_unknown_status_or_channel_rejects_the_row(corpus: Corpus) -> None:
    (row,) = corpus.files("unknown_status.xlsx")
    assert counts(row) == (4, 1, 2, 1)
    rejects = corpus.rejects("unknown_status.xlsx")
    assert (rejects[3]["field"], rejects[3]["raw_value"], rejects[3]["reason"]) == (
        "status",
        "Đang chờ ký",
        "unknown status: 'Đang chờ ký'",
    )
    assert (rejects[4]["field"], rejects[4]["reason"]) == ("channel", "unknown channel: 'Fax'")
    assert set(corpus.cases("unknown_status.xlsx")) == {"STATUS-OK"}


def test_impossible_dates_and_dates_before_received(corpus: Corpus) -> None:
    (row,) = corpus.files("bad_dates.xlsx")
    assert counts(row) == (7, 1, 5, 1)
    rejects = corpus.rejects("bad_dates.xlsx")
    assert (rejects[3]["field"], rejects[3]["raw_value"]) == ("received_at", "31/02/2020")
    assert "day is out of range for month" in rejects[3]["reason"]
    assert "outside 1900-2100" in rejects[4]["reason"]
    assert "not a recognised date form" in rejects[5]["reason"]
    assert (rejects[6]["field"], rejects[6]["reason"]) == (
        "due_at",
        "'Ngày hẹn trả' 09/10/2020 is before 'Ngày tiếp nhận' 10/10/2020",
    )
    assert rejects[7]["field"] == "finished_at" and "is before" in rejects[7]["reason"]
    # Finished earlier in the day it was received: the same date, so possible.
    assert set(corpus.cases("bad_dates.xlsx")) == {"DATE-OK"}


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("ghi chú.txt", "unsupported file type '.txt'"),
        ("~$good.xlsx", "Excel lock file"),
    ],
)
def test_files_that_are_not_exports_are_named_as_skipped(
    corpus: Corpus, name: str, reason: str
) -> None:
    (row,) = corpus.files(name)
    assert row["status"] == "skipped" and reason in row["message"]
    assert corpus.results[f"raw/igate/{name}"].status == "skipped"


def test_an_unforeseen_error_in_a_reader_fails_that_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = DataPaths(tmp_path / "data")
    write_xlsx(igate(paths, "good.xlsx"), {"S": [HEADER, case("GOOD-1")]})
    write_xlsx(igate(paths, "strange.xlsx"), {"S": [HEADER, case("STRANGE-1")]})
    read_sheets = flows.ingest.landing.read_sheets

    def reader_with_a_bug(path: Path) -> Any:
        # What a reader library may raise on a file nobody foresaw: not a ReadError.
        if path.name == "strange.xlsx":
            raise RuntimeError("unexpected end of stream in shared strings")
        return read_sheets(path)

    monkeypatch.setattr(flows.ingest.landing, "read_sheets", reader_with_a_bug)
    # In this process: the child processes a run reads files in would not see the patch.
    build_warehouse(paths, land(paths, land_in_process))
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        files = {r["file"]: r for r in rows(con, "SELECT * FROM dq_files")}
        codes = {r["case_code"] for r in rows(con, "SELECT case_code FROM fct_filings")}
    strange = files["raw/igate/strange.xlsx"]
    assert strange["status"] == "failed"
    assert strange["message"] == (
        "raw/igate/strange.xlsx: unexpected error while reading "
        "(RuntimeError: unexpected end of stream in shared strings)"
    )
    assert files["raw/igate/good.xlsx"]["status"] == "loaded" and codes == {"GOOD-1"}


# ---------------------------------------------------------------------------------------------
# A million rows

MILLION = 1_000_000


@pytest.mark.slow
def test_a_million_row_csv(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path / "data")
    path = igate(paths, "Sổ theo dõi cả năm.csv")
    units = [UNIT, "Sở Tư pháp", "UBND xã Phương Thạnh", "Sở Tài nguyên và Môi trường"]
    # Plain writes: every 100,000th row has an unknown status, every 250,000th is blank.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write(",".join(HEADER[:8]) + "\r\n")
        for block in range(MILLION // 10_000):
            lines = []
            for i in range(block * 10_000, (block + 1) * 10_000):
                day, month = 1 + i % 28, 1 + i // 28 % 12
                status = "Đang chờ ký" if i % 100_000 == 99_999 else "Đang giải quyết"
                blank = "\r\n" if i % 250_000 == 0 else ""
                lines.append(
                    f"{blank}{i},H48-{i:07d},{units[i % 4]},Trực tuyến,"
                    f"{day:02d}/{month:02d}/2020 08:30,{day:02d}/{month:02d}/2021,,{status}\r\n"
                )
            handle.write("".join(lines))

    build_warehouse(paths, land(paths))
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        (row,) = rows(con, "SELECT * FROM dq_files")
        assert (row["file"], row["status"]) == ("raw/igate/Sổ theo dõi cả năm.csv", "loaded")
        # 1 header + 4 blank lines + a million data lines.
        assert counts(row) == (MILLION + 5, MILLION - 10, 10, 5)
        assert con.execute("SELECT count(*) FROM fct_filings").fetchone()[0] == MILLION - 10
        rejected = con.execute(
            "SELECT min(row_number), count(*) FROM dq_rejects WHERE severity = 'error'"
        ).fetchone()
        # Line of data row i: 1 header line + i + 1, plus the blank lines before it.
        assert rejected == (2 + 99_999 + 1, 10)
