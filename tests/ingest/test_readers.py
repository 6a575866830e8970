"""flows.ingest.readers: every quirk of docs/spec.md §2, each on a small real file."""

from __future__ import annotations

import csv
import pickle
import random
import shutil
import struct
import unicodedata
from datetime import date, datetime, time
from pathlib import Path

import pytest
import xlsxwriter
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xlwt.CompoundDoc import XlsDoc

from flows.ingest.readers import ReadError, Sheet, read_sheets

FIXTURES = Path(__file__).parents[1] / "fixtures"


def only_sheet(path: Path) -> Sheet:
    sheets = read_sheets(path)
    assert len(sheets) == 1
    return sheets[0]


# ---------------------------------------------------------------------------------------------
# .xlsx


def write_register_xlsx(path: Path) -> None:
    """A month's case register as units export it: title block, two-row header, footer."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Tháng 10")
    merged = book.add_format({"align": "center", "valign": "vcenter"})
    date_time = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    date_only = book.add_format({"num_format": "dd/mm/yyyy"})
    text = book.add_format({"num_format": "@"})
    # Row 1 stays blank: leading blank rows must keep their place.
    sheet.write(1, 0, "UBND TỈNH TRÀ VINH")
    sheet.merge_range(2, 0, 2, 5, "SỔ THEO DÕI HỒ SƠ", merged)
    sheet.write(3, 0, "Từ ngày 01/10/2020 đến ngày 31/10/2020")
    # Rows 6-7: a header over two rows; "Ngày" is a group merged over two sub-headers, the
    # others are merged down over both rows.
    for column, title in [(0, "STT"), (1, "Mã hồ sơ"), (4, "Trạng thái"), (5, "Số điện thoại")]:
        sheet.merge_range(5, column, 6, column, title, merged)
    sheet.merge_range(5, 2, 5, 3, "Ngày", merged)
    sheet.write(6, 2, "Tiếp nhận")
    sheet.write(6, 3, "Hẹn trả")
    # Row 8, a blank row 9, row 10.
    sheet.write_number(7, 0, 1)
    sheet.write_string(7, 1, "000.00.53.H48-201005-0001")
    sheet.write_datetime(7, 2, datetime(2020, 10, 5, 8, 30), date_time)
    sheet.write_datetime(7, 3, datetime(2020, 10, 15), date_only)
    sheet.write_string(7, 4, "Đang giải quyết")
    sheet.write_string(7, 5, "0901234567", text)
    sheet.write_number(9, 0, 2)
    sheet.write_string(9, 1, "000.00.53.H48-201005-0002")
    sheet.write_string(9, 2, "05/10/2020 08:30")
    sheet.write_number(9, 3, 44120)  # a date left as its serial number
    sheet.write_formula(9, 4, "=4+5", None, 9)  # a status code computed by a formula
    # Footer.
    sheet.write_string(10, 0, "Tổng cộng")
    sheet.write_formula(10, 1, "=COUNTA(B8:B10)", None, 2)
    sheet.write_string(12, 4, "Người lập biểu")
    # Formatting far below the data is not a row.
    sheet.write_blank(40, 2, None, date_only)
    hidden = book.add_worksheet("Ẩn")
    hidden.write_string(0, 0, "ghi chú")
    hidden.hide()
    book.close()


def test_xlsx_register_keeps_physical_rows_and_cell_texts(tmp_path: Path) -> None:
    path = tmp_path / "thang_10.xlsx"
    write_register_xlsx(path)

    visible, hidden = read_sheets(path)

    assert (visible.name, visible.index, visible.hidden) == ("Tháng 10", 0, False)
    assert visible.rows == [
        [],
        ["UBND TỈNH TRÀ VINH"],
        ["SỔ THEO DÕI HỒ SƠ"],
        ["Từ ngày 01/10/2020 đến ngày 31/10/2020"],
        [],
        ["STT", "Mã hồ sơ", "Ngày", None, "Trạng thái", "Số điện thoại"],
        [None, None, "Tiếp nhận", "Hẹn trả"],
        [
            "1",
            "000.00.53.H48-201005-0001",
            "2020-10-05 08:30:00",
            "2020-10-15",
            "Đang giải quyết",
            "0901234567",
        ],
        [],
        ["2", "000.00.53.H48-201005-0002", "05/10/2020 08:30", "44120", "9"],
        ["Tổng cộng", "2"],
        [],
        [None, None, None, None, "Người lập biểu"],
    ]
    # Excel's row 8 is rows[7].
    assert visible.rows[7][1] == "000.00.53.H48-201005-0001"
    assert (hidden.name, hidden.index, hidden.hidden, hidden.rows) == ("Ẩn", 1, True, [["ghi chú"]])


def test_xlsx_cell_values_become_text(tmp_path: Path) -> None:
    path = tmp_path / "values.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    clock = book.add_format({"num_format": "hh:mm:ss"})
    row = [
        2,
        2.0,
        2.5,
        -3,
        0.1,
        1e-7,
        123456789012,
        1e20,
        0,
    ]
    for column, value in enumerate(row):
        sheet.write_number(0, column, value)
    sheet.write_boolean(1, 0, True)
    sheet.write_boolean(1, 1, False)
    sheet.write_datetime(1, 2, time(8, 30), clock)
    sheet.write_formula(1, 3, '="a"&"b"', None, "ab")
    sheet.write_string(1, 4, "  giữ nguyên\nkhoảng trắng ")
    sheet.write_string(1, 5, "007")
    book.close()

    assert only_sheet(path).rows == [
        ["2", "2", "2.5", "-3", "0.1", "0.0000001", "123456789012", "100000000000000000000", "0"],
        ["TRUE", "FALSE", "08:30:00", "ab", "  giữ nguyên\nkhoảng trắng ", "007"],
    ]


def test_xlsx_every_sheet_is_read_even_an_empty_one(tmp_path: Path) -> None:
    path = tmp_path / "sheets.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Trống")
    book.add_worksheet("Dữ liệu").write_string(2, 1, "x")
    book.close()

    sheets = read_sheets(path)

    assert [(s.name, s.index, s.hidden, s.rows) for s in sheets] == [
        ("Trống", 0, False, []),
        ("Dữ liệu", 1, False, [[], [], [None, "x"]]),
    ]


def test_format_is_taken_from_the_bytes_not_the_extension(tmp_path: Path) -> None:
    xlsx = tmp_path / "real.xlsx"
    book = xlsxwriter.Workbook(str(xlsx))
    book.add_worksheet("S").write_string(0, 0, "xlsx inside")
    book.close()
    disguised = tmp_path / "named.xls"
    shutil.copy(xlsx, disguised)

    assert only_sheet(disguised).rows == [["xlsx inside"]]


# ---------------------------------------------------------------------------------------------
# .xls (the committed fixture, written by xlwt)


def test_tiny_igate_xls_fixture() -> None:
    sheet = only_sheet(FIXTURES / "tiny_igate.xls")

    assert (sheet.name, sheet.index, sheet.hidden) == ("Sổ theo dõi", 0, False)
    assert sheet.rows == [
        ["SỔ THEO DÕI HỒ SƠ"],
        ["Mã hồ sơ", "Đơn vị tiếp nhận", "Ngày tiếp nhận", "Trạng thái", "Số điện thoại"],
        [
            "000.00.53.H48-201005-0001",
            "UBND huyện Càng Long",
            "2020-10-05 08:30:00",
            "Đã tiếp nhận",
            "0901234567",
        ],
        ["000.00.53.H48-201005-0002", "UBND xã Phương Thạnh", "05/10/2020 08:30", "9"],
        [
            "000.00.53.H48-201006-0003",
            "Sở Tài nguyên và Môi trường",
            "2020-10-06",
            "Hoàn thành",
            "02943862123",
        ],
        [],
        ["Tổng cộng: 3"],
    ]


def test_xls_hidden_sheet(tmp_path: Path) -> None:
    path = tmp_path / "hidden.xls"
    book = xlwt.Workbook(encoding="utf-8")
    book.add_sheet("Hiện").write(0, 0, "a")
    hidden = book.add_sheet("Ẩn")
    hidden.write(1, 1, 3.25)
    hidden.visibility = 1
    book.save(str(path))

    sheets = read_sheets(path)

    assert [(s.name, s.hidden, s.rows) for s in sheets] == [
        ("Hiện", False, [["a"]]),
        ("Ẩn", True, [[], [None, "3.25"]]),
    ]


# ---------------------------------------------------------------------------------------------
# .csv


def write_csv(path: Path, rows: list[list[str]], encoding: str, delimiter: str = ",") -> None:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)


VIETNAMESE_ROWS = [
    ["Mã hồ sơ", "Đơn vị tiếp nhận", "Ngày tiếp nhận"],
    ["H48-0001", "UBND xã Phương Thạnh", "05/10/2020 08:30"],
    ["H48-0002", "Sở Tài nguyên và Môi trường", "06/10/2020"],
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"{encoding}.csv"
    write_csv(path, VIETNAMESE_ROWS, encoding)

    sheet = only_sheet(path)

    assert (sheet.name, sheet.index, sheet.hidden) == (None, 0, False)
    assert sheet.rows == VIETNAMESE_ROWS  # no BOM left in the first header


def test_csv_windows_1258(tmp_path: Path) -> None:
    # Windows-1258 has few precomposed toned letters: legacy files write the tone as a
    # combining mark after the letter. The reader keeps the text as decoded (NFC is the
    # caller's business).
    rows = [
        ["Ma\u0303 hô\u0300 sơ", "Đơn vi\u0323 tiê\u0301p nhâ\u0323n"],
        ["H48-0001", "UBND xa\u0303 Phương Tha\u0323nh"],
    ]
    path = tmp_path / "legacy.csv"
    write_csv(path, rows, "cp1258")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")

    read = only_sheet(path).rows

    assert read == rows
    assert unicodedata.normalize("NFC", read[0][1]) == "Đơn vị tiếp nhận"


def test_csv_undecodable_names_the_encodings_tried(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(b"a,b\n\x81\x8d,c\n")  # not UTF-8; 0x81 is undefined in Windows-1258

    with pytest.raises(ReadError, match=r"broken\.csv: .*UTF-8.*Windows-1258"):
        read_sheets(path)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiters(tmp_path: Path, delimiter: str) -> None:
    rows = [
        ["SỔ THEO DÕI HỒ SƠ", "", ""],
        ["Mã hồ sơ", "Số lượng", "Ghi chú"],
        ["H48-0001", "2,5", "a; b"],
        ["H48-0002", "3,5", "c\td"],
    ]
    path = tmp_path / "delimited.csv"
    write_csv(path, rows, "utf-8", delimiter)

    assert only_sheet(path).rows == [["SỔ THEO DÕI HỒ SƠ"], *rows[1:]]


def test_csv_semicolon_with_unquoted_decimal_commas(tmp_path: Path) -> None:
    path = tmp_path / "vn_locale.csv"
    path.write_text("Mã hồ sơ;Số ngày;Tỷ lệ\nH48-1;2,5;0,75\nH48-2;3,5;0,5\n", encoding="utf-8")

    assert only_sheet(path).rows == [
        ["Mã hồ sơ", "Số ngày", "Tỷ lệ"],
        ["H48-1", "2,5", "0,75"],
        ["H48-2", "3,5", "0,5"],
    ]


def test_csv_rows_are_line_numbers(tmp_path: Path) -> None:
    # Line 1 blank, 2 header, 3-5 one record whose quoted field spans three lines, 6 blank,
    # 7 a record, 8 empty fields only, 9 the footer, then trailing blank lines.
    path = tmp_path / "lines.csv"
    path.write_text(
        '\nMã hồ sơ,Ghi chú\nH48-1,"dòng một\ndòng hai\r\ndòng ba"\n'
        "\nH48-2,x\n,,\nTổng cộng: 2\n\n\n",
        encoding="utf-8",
        newline="",
    )

    rows = only_sheet(path).rows

    assert rows == [
        [],
        ["Mã hồ sơ", "Ghi chú"],
        ["H48-1", "dòng một\ndòng hai\r\ndòng ba"],
        [],
        [],
        [],
        ["H48-2", "x"],
        [],
        ["Tổng cộng: 2"],
    ]
    assert rows[6][0] == "H48-2"  # line 7


def test_csv_unicode_line_separator_inside_a_field_is_not_a_line(tmp_path: Path) -> None:
    path = tmp_path / "u2028.csv"
    path.write_text("a,b\nx\u2028y,z\nlast,1\n", encoding="utf-8", newline="")

    assert only_sheet(path).rows == [["a", "b"], ["x\u2028y", "z"], ["last", "1"]]


def test_csv_saved_as_xlsx_is_read_as_csv(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    write_csv(path, VIETNAMESE_ROWS, "utf-8-sig", ";")

    assert only_sheet(path).rows == VIETNAMESE_ROWS


# ---------------------------------------------------------------------------------------------
# HTML saved as .xls


def test_html_tables_saved_as_xls(tmp_path: Path) -> None:
    path = tmp_path / "web_export.xls"
    path.write_text(
        """<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<style>td { mso-number-format: "\\@"; }</style></head><body>
<h3>SỔ THEO DÕI HỒ SƠ</h3>
<table border="1">
  <tr><th rowspan="2">Mã hồ sơ</th><th colspan="2">Ngày</th><th>Trạng thái</th></tr>
  <tr><th>Tiếp<br>nhận</th><th>Hẹn trả</th><td>&nbsp;</td></tr>
  <tr><td> H48-0001 </td><td>05/10/2020 08:30</td><td>15/10/2020</td><td>Đang &amp; chờ</td></tr>
  <tr><td></td><td></td></tr>
  <tr><td>H48-0002<td>06/10/2020<td><td>Hoàn thành</tr>
  <tr><td colspan="4">Tổng cộng: 2</td></tr>
  <tr><td>&nbsp;</td></tr>
</table>
<table><tr><td>Người lập biểu</td></tr></table>
</body></html>""",
        encoding="utf-8",
    )

    first, second = read_sheets(path)

    assert (first.name, first.index, first.hidden) == (None, 0, False)
    assert first.rows == [
        ["Mã hồ sơ", "Ngày", None, "Trạng thái"],
        [None, "Tiếp\nnhận", "Hẹn trả"],
        [" H48-0001 ", "05/10/2020 08:30", "15/10/2020", "Đang & chờ"],
        [],
        ["H48-0002", "06/10/2020", None, "Hoàn thành"],
        ["Tổng cộng: 2"],
    ]
    assert (second.index, second.rows) == (1, [["Người lập biểu"]])


def test_html_without_a_table_fails(tmp_path: Path) -> None:
    path = tmp_path / "error_page.xls"
    path.write_text("<html><body>Phiên làm việc đã hết hạn</body></html>", encoding="utf-8")

    with pytest.raises(ReadError, match="without a <table>"):
        read_sheets(path)


# ---------------------------------------------------------------------------------------------
# Files that cannot be read


def test_random_bytes_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "random.xlsx"
    path.write_bytes(random.Random(20201005).randbytes(4096))  # fixed: no flaky run

    with pytest.raises(ReadError, match=r"random\.xlsx: not a readable Excel workbook"):
        read_sheets(path)


def test_truncated_xlsx(tmp_path: Path) -> None:
    whole = tmp_path / "whole.xlsx"
    write_register_xlsx(whole)
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(whole.read_bytes()[:2000])

    with pytest.raises(ReadError, match=r"truncated\.xlsx: not a readable Excel workbook: "):
        read_sheets(path)


def test_truncated_xls(tmp_path: Path) -> None:
    path = tmp_path / "truncated.xls"
    data = (FIXTURES / "tiny_igate.xls").read_bytes()
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(ReadError, match=r"truncated\.xls: not a readable Excel workbook: "):
        read_sheets(path)


@pytest.mark.parametrize("name", ["empty.xlsx", "empty.xls", "empty.csv"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")

    with pytest.raises(ReadError, match=rf"{name}: empty file"):
        read_sheets(path)


@pytest.mark.parametrize("name", ["notes.txt", "scan.pdf", "report.docx", "no_extension"])
def test_unsupported_file_type(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("Mã hồ sơ,Ngày tiếp nhận\n", encoding="utf-8")

    with pytest.raises(ReadError, match="unsupported file type"):
        read_sheets(path)


def test_password_protected_xls(tmp_path: Path) -> None:
    # A BIFF8 workbook encrypted by Excel starts its globals with a FILEPASS record (0x002F)
    # right after BOF. xlwt puts a 2-byte INTERFACEHDR there: retyping it makes the marker.
    book = xlwt.Workbook()
    book.add_sheet("S").write(0, 0, "bí mật")
    biff = book.get_biff_data()
    _, bof_length = struct.unpack_from("<HH", biff, 0)
    offset = 4 + bof_length
    record_type, length = struct.unpack_from("<HH", biff, offset)
    assert record_type == 0x00E1
    biff = biff[:offset] + struct.pack("<HH", 0x002F, length) + biff[offset + 4 :]
    path = tmp_path / "locked.xls"
    XlsDoc().save(str(path), biff)

    locked = r"locked\.xls: password-protected \(encrypted\) workbook: open it with its password"
    with pytest.raises(ReadError, match=locked):
        read_sheets(path)


def test_password_protected_xlsx(tmp_path: Path) -> None:
    # An encrypted .xlsx is an OLE2 container whose payload is an `EncryptedPackage` stream:
    # write an OLE2 file with xlwt's container writer and name its one stream that way.
    path = tmp_path / "locked.xlsx"
    XlsDoc().save(str(path), b"\0" * 8192)
    data = bytearray(path.read_bytes())
    entry = data.find("Workbook".encode("utf-16-le"))
    name = "EncryptedPackage".encode("utf-16-le") + b"\0\0"
    data[entry : entry + len(name)] = name
    struct.pack_into("<H", data, entry + 64, len(name))
    path.write_bytes(bytes(data))

    locked = r"locked\.xlsx: password-protected \(encrypted\) workbook: open it with its password"
    with pytest.raises(ReadError, match=locked):
        read_sheets(path)


def test_read_error_names_file_and_reason_and_pickles(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(ReadError) as caught:
        read_sheets(path)

    error = caught.value
    assert error.path == str(path)
    assert str(error) == f"{path}: {error.reason}"
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.reason) == (str(error), error.reason)


# ---------------------------------------------------------------------------------------------
# Property: what a real writer puts in comes back as text, in place.

_LETTERS = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵĐƯ"
)
_TEXT = st.text(alphabet=_LETTERS + "ABCXYZ0123456789 .:/-()'\"\n", max_size=12)
_DATETIMES = st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 12, 31)).map(
    lambda value: value.replace(microsecond=0)
)
_CELLS = st.one_of(
    st.none(), _TEXT, st.integers(-(10**15), 10**15), _DATETIMES, _DATETIMES.map(datetime.date)
)
_TABLES = st.integers(1, 5).flatmap(
    lambda width: st.lists(st.lists(_CELLS, min_size=width, max_size=width), min_size=1, max_size=8)
)


def _expected(rows: list[list[str | None]], line_breaks: bool = False) -> list[list[str | None]]:
    """Written cells as the reader must give them back: "" is None, trailing empties cut."""
    result: list[list[str | None]] = []
    for row in rows:
        cells = [cell or None for cell in row]
        while cells and cells[-1] is None:
            cells.pop()
        result.append(cells)
        if line_breaks:
            # A CSV record with line breaks in its fields occupies that many more lines.
            result.extend([] for _ in range(sum((cell or "").count("\n") for cell in row)))
    while result and not result[-1]:
        result.pop()
    return result


def _excel_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        # A date-and-time cell at midnight reads back as its date.
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(table=_TABLES)
def test_property_xlsx_round_trip(tmp_path: Path, table: list[list[object]]) -> None:
    path = tmp_path / "property.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    stamp = book.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, stamp)
            elif isinstance(value, date):
                sheet.write_datetime(r, c, value, day)
            elif isinstance(value, int):
                sheet.write_number(r, c, value)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
    book.close()

    expected = _expected([[_excel_text(value) for value in row] for row in table])
    assert only_sheet(path).rows == expected


@_SETTINGS
@given(
    table=_TABLES,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_property_csv_round_trip(
    tmp_path: Path, table: list[list[object]], encoding: str, delimiter: str
) -> None:
    texts = [["" if value is None else str(value) for value in row] for row in table]
    path = tmp_path / "property.csv"
    write_csv(path, texts, encoding, delimiter)

    assert only_sheet(path).rows == _expected(texts, line_breaks=True)


@pytest.mark.parametrize(
    "text",
    [
        'a,b,c\r\n1,"x,y",3\r\n',
        "a,b,c\r1,2,3\r",
        'a,b,c\n1,ab"c,3\n',
        'a,b,c\n1,"ab""c",3\n',
        'a,b,c\n1,"ab"c,3\n',
        'a,b,c\n1, "ab",3\n',
        "a;b;c\n1;2;3\n\n",
        "a,b,c\n,,\n1,2,3\n,,\n",
        "a,b,c,\n1,2,3,\n",
        'a,b,c\n1,2,"3\n',
        "a,b,c\n1,2,3",
        '"a",b,c\n"",2,3\n',
        "a\tb\tc\n1\t2\t3\n",
        "a,b,c\n1,2,\u00a0\n",
        "Title\na,b,c\n1,2,3\n",
        'a,b\n1,"two\nlines"\n3,4\n',
        "Mã,Đơn vị\r\nH-1,Xã Hòa\u2028Bình\r\n",
        "Mã,Đơn vị\n" + "".join(f"H-{n},Xã Hòa\n" for n in range(200)) + "H-x,Xã\x1cHòa\n",
        "Mã,Đơn vị\nH-1,Xã\x85Hòa\n",
        "Mã,Ghi chú\nH-1,Bản “gốc” – đủ\n",
        "Mã;Đơn vị\n" + "".join(f"H-{n};Ủy ban nhân dân xã số {n}\n" for n in range(9000)),
    ],
)
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_arrow_csv_path_reads_what_the_csv_module_reads(tmp_path, monkeypatch, text, bom) -> None:
    """Arrow parses the rectangular CSV files, a UTF-8 one straight from its bytes; every file
    must come out as the csv module reads it (quotes, line endings, blank and trailing rows,
    ragged and multi-line files, the line breaks only Python honours, a delimiter sniffed
    past the first 64 KB)."""
    import flows.ingest.readers as readers

    path = tmp_path / "x.csv"
    path.write_bytes(bom + text.encode("utf-8"))
    fast = only_sheet(path)
    monkeypatch.setattr(readers, "_read_utf8_rectangular_csv", lambda *args: None)
    from_text = only_sheet(path)
    assert (list(fast.rows), fast.encoding) == (list(from_text.rows), from_text.encoding)
    monkeypatch.setattr(readers, "_read_rectangular_csv", lambda *args: None)
    assert list(fast.rows) == list(only_sheet(path).rows)
