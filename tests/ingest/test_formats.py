"""Every office format read alike, every unreadable file named with its fix, and the size
pre-check (docs/spec.md §2), on real files.

The `.ods` and `.xlsm` copies are made by LibreOffice in the test, from a workbook XlsxWriter
wrote (skipped, with the reason, where LibreOffice Calc is not installed); the `.xlsb` and the
password-protected workbooks are python-calamine's test files (tests/fixtures/README.md).
"""

from __future__ import annotations

import os
import resource
import shutil
import struct
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import docx
import pytest
import xlsxwriter
import xlwt

from flows.ingest.readers import ReadError, Sheet, read_sheets
from flows.paths import DataPaths
from tests.support import land_and_build, rows
from tests.warehouse.test_contract import write_dataset

FIXTURES = Path(__file__).parents[1] / "fixtures"
CALAMINE = FIXTURES / "python-calamine"

ENCRYPTED = (
    "password-protected (encrypted) workbook: open it with its password and save a copy without one"
)
SAVE_AGAIN = (
    "its used range is far larger than its data — open it in Excel or LibreOffice, delete the "
    "empty rows and columns after the data and save it again"
)


def shape(sheets: list[Sheet]) -> list[tuple[str | None, int, bool, list]]:
    return [(s.name, s.index, s.hidden, list(s.rows)) for s in sheets]


def reason(path: Path) -> str:
    with pytest.raises(ReadError) as caught:
        read_sheets(path)
    assert str(caught.value) == f"{path}: {caught.value.reason}"
    return caught.value.reason


# ---------------------------------------------------------------------------------------------
# LibreOffice, to save a workbook as .ods or .xlsm


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    return found


def convert(sources: list[Path], target: str, folder: Path, profile: Path) -> list[Path]:
    """Save each source as `target` (`ods`, or `xlsm:<filter>`) in folder, as a user would."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to"]
        + [target, "--outdir", str(folder), *map(str, sources)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    suffix = "." + target.split(":")[0]
    made = [folder / (source.stem + suffix) for source in sources]
    if not all(path.exists() for path in made):
        pytest.skip(
            f"LibreOffice could not save as {target} (is Calc installed? apt-get install "
            f"libreoffice-calc-nogui): {done.stdout[-300:]} {done.stderr[-300:]}"
        )
    return made


XLSM = "xlsm:Calc MS Excel 2007 VBA XML"


# ---------------------------------------------------------------------------------------------
# The same export as .xlsx, .xlsm and .ods


def write_export(path: Path) -> Path:
    """A case register as units export it: a title block, a header merged over two rows, dates,
    numbers, codes as text, a blank row, a footer, a second sheet and a hidden one."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Tháng 10")
    stamp = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write(1, 0, "SỔ THEO DÕI HỒ SƠ")
    sheet.merge_range(3, 0, 4, 0, "Mã hồ sơ")
    sheet.merge_range(3, 1, 3, 2, "Ngày")
    sheet.write(4, 1, "Tiếp nhận")
    sheet.write(4, 2, "Hẹn trả")
    sheet.merge_range(3, 3, 4, 3, "Trạng thái")
    sheet.write_string(5, 0, "000.00.53.H48-201005-0001")
    sheet.write_datetime(5, 1, datetime(2020, 10, 5, 8, 30), stamp)
    sheet.write_datetime(5, 2, datetime(2020, 10, 15), day)
    sheet.write_string(5, 3, "Đang giải quyết")
    sheet.write_number(5, 4, 1.5)
    sheet.write_number(7, 0, 20201005002)
    sheet.write_string(7, 1, "05/10/2020 08:30")
    sheet.write_number(7, 3, 9)
    sheet.write_string(7, 4, "0901234567")
    sheet.write_string(8, 0, "Tổng cộng: 2")
    # A second sheet whose data starts at C3, away from A1.
    book.add_worksheet("Bổ sung").write_string(2, 2, "ghi chú")
    hidden = book.add_worksheet("Ẩn")
    hidden.write_string(0, 0, "ẩn")
    hidden.hide()
    book.close()
    return path


@pytest.fixture(scope="module")
def saved_as(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The export as XlsxWriter wrote it and as LibreOffice saves it in .ods and .xlsm."""
    folder = tmp_path_factory.mktemp("formats")
    xlsx = write_export(folder / "export.xlsx")
    profile = folder / "lo-profile"
    (ods,) = convert([xlsx], "ods", folder / "ods", profile)
    (xlsm,) = convert([xlsx], XLSM, folder / "xlsm", profile)
    return {"xlsx": xlsx, "ods": ods, "xlsm": xlsm}


def test_the_xlsx_export_reads_as_written(saved_as: dict[str, Path]) -> None:
    assert shape(read_sheets(saved_as["xlsx"])) == [
        (
            "Tháng 10",
            0,
            False,
            [
                [],
                ["SỔ THEO DÕI HỒ SƠ"],
                [],
                ["Mã hồ sơ", "Ngày", None, "Trạng thái"],
                [None, "Tiếp nhận", "Hẹn trả"],
                [
                    "000.00.53.H48-201005-0001",
                    "2020-10-05 08:30:00",
                    "2020-10-15",
                    "Đang giải quyết",
                    "1.5",
                ],
                [],
                ["20201005002", "05/10/2020 08:30", None, "9", "0901234567"],
                ["Tổng cộng: 2"],
            ],
        ),
        ("Bổ sung", 1, False, [[], [], [None, None, "ghi chú"]]),
        ("Ẩn", 2, True, [["ẩn"]]),
    ]


@pytest.mark.parametrize("kind", ["ods", "xlsm"])
def test_the_same_export_saved_as_ods_or_xlsm_reads_to_the_same_rows(
    saved_as: dict[str, Path], kind: str
) -> None:
    assert shape(read_sheets(saved_as[kind])) == shape(read_sheets(saved_as["xlsx"]))


def test_xlsb_reads_like_its_xlsx() -> None:
    sheets = read_sheets(CALAMINE / "base.xlsb")

    assert [(s.name, s.hidden) for s in sheets] == [
        ("Sheet1", False),
        ("Sheet2", False),
        ("Sheet3", False),
        ("Merged Cells", False),
    ]
    assert sheets[0].rows == [
        [],
        [
            "String",
            "1",
            "1.1",
            "TRUE",
            "FALSE",
            "2010-10-10",
            "2010-10-10 10:10:10",
            "10:10:10",
            "10:10:10",
            "255:10:10",
        ],
    ]
    assert sheets[2].rows == [[], *[[None, f"line{n}", f"line{n}", f"line{n}"] for n in (1, 2, 3)]]


def test_an_ods_or_xlsb_named_xlsx_is_read_by_its_content(
    saved_as: dict[str, Path], tmp_path: Path
) -> None:
    ods = tmp_path / "ods_named.xlsx"
    shutil.copy(saved_as["ods"], ods)
    xlsb = tmp_path / "xlsb_named.xlsx"
    shutil.copy(CALAMINE / "base.xlsb", xlsb)
    xlsx_as_csv = tmp_path / "xlsm_named.csv"
    shutil.copy(saved_as["xlsm"], xlsx_as_csv)

    assert shape(read_sheets(ods)) == shape(read_sheets(saved_as["xlsx"]))
    assert shape(read_sheets(xlsb)) == shape(read_sheets(CALAMINE / "base.xlsb"))
    assert shape(read_sheets(xlsx_as_csv)) == shape(read_sheets(saved_as["xlsx"]))


# ---------------------------------------------------------------------------------------------
# Files that cannot be read: what they are and what to do


def excel_2_to_4(path: Path, bof: int, version_payload: bytes) -> Path:
    """A bare BIFF stream as Excel 2.x-4.0 saved a worksheet: BOF, DIMENSIONS, a cell, EOF."""

    def record(kind: int, payload: bytes) -> bytes:
        return struct.pack("<HH", kind, len(payload)) + payload

    cells = record(0x0204, struct.pack("<HHHH", 0, 0, 0, 5) + b"Hello")
    if bof == 0x0009:  # Excel 2.x: its own DIMENSIONS and LABEL records
        body = record(0x0000, struct.pack("<HHHH", 0, 1, 0, 1))
        cells = record(0x0004, struct.pack("<HH3sB", 0, 0, b"\0\0\0", 5) + b"Hello")
    else:
        body = record(0x0200, struct.pack("<HHHHH", 0, 1, 0, 1, 0))
    path.write_bytes(record(bof, version_payload) + body + cells + record(0x000A, b""))
    return path


@pytest.mark.parametrize(
    ("bof", "payload", "version"),
    [
        (0x0009, struct.pack("<HH", 0x0002, 0x0010), "2.x"),
        (0x0209, struct.pack("<HHH", 0x0000, 0x0010, 0), "3.0"),
        (0x0409, struct.pack("<HHH", 0x0000, 0x0010, 0), "4.0"),
        (0x0409, struct.pack("<HHH", 0x0000, 0x0100, 0), "4.0"),  # an Excel 4.0 workbook
    ],
)
def test_excel_2_to_4_is_named_with_the_fix(
    tmp_path: Path, bof: int, payload: bytes, version: str
) -> None:
    path = excel_2_to_4(tmp_path / "cu.xls", bof, payload)

    assert reason(path) == (
        f"an Excel {version} file (1987–1994 format), which cannot be read: open it in Excel "
        "or LibreOffice and save it as .xlsx"
    )


@pytest.mark.parametrize(
    ("fixture", "name"),
    [
        ("password.xls", "khoa.xls"),  # BIFF8 with FILEPASS
        ("password.xlsx", "khoa.xlsx"),  # the package encrypted inside an OLE2 container
        ("password.ods", "khoa.ods"),  # a zip whose manifest lists the encryption
        ("password.xlsx", "khoa.xls"),  # with another format's name
    ],
)
def test_password_protected_workbooks_are_named_with_the_fix(
    tmp_path: Path, fixture: str, name: str
) -> None:
    path = tmp_path / name
    shutil.copy(CALAMINE / fixture, path)

    assert reason(path) == ENCRYPTED


@pytest.mark.parametrize("name", ["xuat_du_lieu.csv", "xuat_du_lieu.xlsx"])
def test_a_zip_archive_is_not_a_spreadsheet(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("thang_10.csv", "Mã hồ sơ,Ngày tiếp nhận\nH48-1,05/10/2020\n")
        archive.writestr("thang_11.csv", "Mã hồ sơ,Ngày tiếp nhận\nH48-2,05/11/2020\n")

    assert reason(path) == (
        "a zip archive, not a spreadsheet: unzip it and put the exports it holds under raw/"
    )


def test_a_word_document_named_xlsx(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Báo cáo tình hình giải quyết hồ sơ")
    path = tmp_path / "bao_cao.xlsx"
    document.save(str(path))

    assert reason(path).startswith("an Office document that is not a spreadsheet")


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_a_truncated_workbook_is_named_with_the_fix(tmp_path: Path, kind: str) -> None:
    whole = tmp_path / f"whole.{kind}"
    if kind == "xlsx":
        write_export(whole)
    else:
        book = xlwt.Workbook()
        sheet = book.add_sheet("S")
        for row in range(200):
            sheet.write(row, 0, f"H48-{row}")
        book.save(str(whole))
    path = tmp_path / f"cut.{kind}"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])

    text = reason(path)
    assert text.startswith("not a readable Excel workbook: the file is cut short or damaged (")
    assert text.endswith(
        "as when a copy or a download is interrupted: copy it again from the source, or open "
        "it in Excel or LibreOffice and save it again"
    )


def test_a_windows_1250_csv_names_the_line_and_the_fix(tmp_path: Path) -> None:
    # Windows-1250 (Central European) is no Vietnamese code page: its Ž (0x8E) has no
    # character in Windows-1258, and nothing before line 3 tells the two apart.
    path = tmp_path / "xuat_khau.csv"
    path.write_bytes("Kód,Název\r\n1,Praha\r\n2,Žilina\r\n".encode("cp1250"))

    assert reason(path) == (
        "cannot decode the text: it is neither UTF-8 nor UTF-16 nor Windows-1258 (byte 0x8e on "
        "line 3, offset 22: character maps to <undefined>): save it as UTF-8 (Excel: Save As → "
        "CSV UTF-8)"
    )


def test_excel_2003_xml_is_named_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "xml_2003.xls"
    path.write_text(
        '<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
        '<Worksheet ss:Name="S"><Table><Row><Cell><Data ss:Type="String">a</Data></Cell></Row>'
        "</Table></Worksheet></Workbook>",
        encoding="utf-8",
    )

    assert reason(path) == (
        "an Excel 2003 XML spreadsheet, which cannot be read: open it in Excel or LibreOffice "
        "and save it as .xlsx"
    )


# ---------------------------------------------------------------------------------------------
# The declared-size pre-check


def write_sparse(path: Path, last_row: int = 200_000) -> Path:
    """A1, XFD1 and A<last_row>: three cells whose grid from A1 is 16,384 columns wide."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sheet1")
    sheet.write_string("A1", "Mã hồ sơ")
    sheet.write_string("XFD1", "lạc chỗ")
    sheet.write_string(f"A{last_row}", "cuối")
    book.close()
    return path


SPARSE_REASON = (
    "sheet 'Sheet1' declares 16,384 columns × 200,000 rows (3,276,800,000 cells, about 105 GB "
    f"to read): {SAVE_AGAIN}"
)


def test_a_sheet_declaring_a_huge_used_range_is_refused_before_it_is_read(
    tmp_path: Path,
) -> None:
    assert reason(write_sparse(tmp_path / "lech.xlsx")) == SPARSE_REASON


def _read_under(path: Path, limit: int, env: dict[str, str]) -> subprocess.CompletedProcess:
    """read_sheets in a child process whose address space is capped at `limit` bytes."""
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from flows.ingest.readers import ReadError, read_sheets\n"
        "try:\n    read_sheets(Path(sys.argv[1]))\nexcept ReadError as error:\n"
        "    print(error.reason)\n"
    )

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        preexec_fn=cap,
        timeout=120,
    )


def test_the_pre_check_allocates_nothing(tmp_path: Path) -> None:
    path = write_sparse(tmp_path / "lech.xlsx")

    checked = _read_under(path, 1 << 30, {"CCHC_READ_MEMORY": "4GB"})
    assert (checked.returncode, checked.stdout.strip()) == (0, SPARSE_REASON), checked.stderr
    # Without the pre-check (no memory budget), the reader itself asks for the 105 GB grid and
    # the process dies under the same 1 GB cap: what the pre-check spared.
    unchecked = _read_under(path, 1 << 30, {"CCHC_READ_MEMORY": "0"})
    assert unchecked.returncode != 0 and not unchecked.stdout.strip()


def test_styled_empty_cells_far_away_do_not_refuse_a_small_workbook(tmp_path: Path) -> None:
    # Formatting applied down to XFD200000 makes the sheet declare A1:XFD200000; the quick
    # scan finds the values in two columns of one row, and the workbook is read.
    path = tmp_path / "dinh_dang.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("S")
    sheet.write_row(0, 0, ["Mã hồ sơ", "Ngày tiếp nhận"])
    sheet.write_blank("XFD200000", None, book.add_format({"bold": True}))
    book.close()
    with zipfile.ZipFile(path) as package:
        assert b'<dimension ref="A1:XFD200000"/>' in package.read("xl/worksheets/sheet1.xml")

    assert shape(read_sheets(path)) == [("S", 0, False, [["Mã hồ sơ", "Ngày tiếp nhận"]])]


def _without_dimension(source: Path, target: Path) -> Path:
    """The same workbook with its sheets' <dimension> elements taken out (some writers omit
    them)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename.startswith("xl/worksheets/"):
                start = data.find(b"<dimension ")
                data = data[:start] + data[data.find(b"/>", start) + 2 :]
            new.writestr(item, data)
    return target


def test_a_sheet_without_a_dimension_is_scanned(tmp_path: Path) -> None:
    sparse = _without_dimension(write_sparse(tmp_path / "a.xlsx"), tmp_path / "khong_kich.xlsx")
    small = tmp_path / "nho.xlsx"
    book = xlsxwriter.Workbook(str(small))
    book.add_worksheet("S").write_row(0, 0, ["Mã hồ sơ", "Ngày tiếp nhận"])
    book.close()
    small = _without_dimension(small, tmp_path / "nho_khong_kich.xlsx")

    assert reason(sparse) == (
        "sheet 'Sheet1' spans 16,384 columns × 200,000 rows (3,276,800,000 cells, about 105 GB "
        f"to read): {SAVE_AGAIN}"
    )
    assert shape(read_sheets(small)) == [("S", 0, False, [["Mã hồ sơ", "Ngày tiếp nhận"]])]


def test_the_budget_comes_from_cchc_read_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "day_du.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("S")
    for row in range(100):
        sheet.write_row(row, 0, [f"{row}-{column}" for column in range(400)])
    book.close()

    monkeypatch.setenv("CCHC_READ_MEMORY", "1MB")
    assert reason(path) == (
        "sheet 'S' holds 40,000 cells (400 columns × 100 rows, about 1.28 MB to read), more "
        "than the 1 MB one file may take (CCHC_READ_MEMORY): split it into smaller files"
    )
    monkeypatch.setenv("CCHC_READ_MEMORY", "2MB")
    assert len(read_sheets(path)[0].rows) == 100


def test_an_xls_whose_dimensions_exceed_the_format_is_damaged(tmp_path: Path) -> None:
    # Excel's .xls holds at most 65,536 rows × 256 columns; a DIMENSIONS record claiming more
    # makes the reader allocate for it and abort the process.
    whole = tmp_path / "dung.xls"
    book = xlwt.Workbook()
    book.add_sheet("Sổ").write(0, 0, "Mã hồ sơ")
    book.save(str(whole))
    data = bytearray(whole.read_bytes())
    record = data.find(b"\x00\x02\x0e\x00")  # DIMENSIONS, 14 bytes (BIFF8)
    struct.pack_into("<IIHH", data, record + 4, 0, 0xFFFFFFFF, 0, 0x00FF)
    path = tmp_path / "hong.xls"
    path.write_bytes(bytes(data))

    assert reason(path) == (
        "sheet 'Sổ' declares 255 columns × 4,294,967,295 rows, more than an .xls sheet can hold "
        "(256 × 65,536): the file is damaged — open it in Excel or LibreOffice and save it "
        "again as .xlsx"
    )


def test_an_ods_with_a_huge_repeated_gap_is_refused(
    saved_as: dict[str, Path], tmp_path: Path
) -> None:
    sparse = write_sparse(tmp_path / "lech.xlsx")
    (ods,) = convert([sparse], "ods", tmp_path / "ods", saved_as["xlsx"].parent / "lo-profile")

    assert reason(ods) == (
        "sheet 'Sheet1' spans 16,384 columns × 200,000 rows (3,276,800,000 cells, about 105 GB "
        f"to read): {SAVE_AGAIN}"
    )


# ---------------------------------------------------------------------------------------------
# The whole pipeline: the same exports saved as .ods and .xlsm build the same warehouse


def _compared(con, table: str, order: str) -> list[dict]:
    found = rows(con, f"SELECT * FROM {table} ORDER BY {order}")
    for row in found:
        for column in ("file", "source_file"):
            if isinstance(row.get(column), str):
                row[column] = row[column].removesuffix(".ods").removesuffix(".xlsm")
                row[column] = row[column].removesuffix(".xlsx")
    return found


def test_exports_saved_as_ods_and_xlsm_build_the_same_warehouse(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    base = tmp_path_factory.mktemp("three_roots")
    roots = {kind: DataPaths(base / kind / "data") for kind in ("xlsx", "ods", "xlsm")}
    write_dataset(roots["xlsx"].root)
    profile = base / "lo-profile"
    for kind, target in (("ods", "ods"), ("xlsm", XLSM)):
        shutil.copytree(roots["xlsx"].raw, roots[kind].raw)
        by_folder: dict[Path, list[Path]] = {}
        for path in sorted(roots[kind].raw.rglob("*.xlsx")):
            by_folder.setdefault(path.parent, []).append(path)
        for folder, paths in by_folder.items():
            convert(paths, target, folder, profile)
            for path in paths:
                path.unlink()

    tables = {}
    for kind, paths in roots.items():
        results, _, con = land_and_build(paths)
        assert {r.status for r in results} <= {"loaded", "skipped"}, kind
        tables[kind] = {
            "fct_filings": _compared(con, "fct_filings", "case_code"),
            "rpt_bieu06": _compared(con, "rpt_bieu06", "ALL"),
            "dq_files": _compared(con, "dq_files", "file, sheet"),
        }
        con.close()

    assert len(tables["xlsx"]["fct_filings"]) > 20
    assert tables["ods"] == tables["xlsx"]
    assert tables["xlsm"] == tables["xlsx"]
