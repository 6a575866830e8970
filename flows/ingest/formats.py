"""What a workbook file really is, and how large its sheets are, known before reading it
(docs/spec.md §2).

`workbook_kind` tells the office formats apart by their bytes, whatever the file is named:
`.xlsx`/`.xlsm`, `.xlsb` and `.ods` are zip packages told apart by the parts they hold; `.xls`
(Excel 5.0 to 2003) is an OLE2 container holding a `Workbook` or `Book` stream. What cannot be
read is said with what the file is and how to fix it: a password-protected workbook, an Excel
2.x-4.0 file, a zip archive or another Office document, a file cut short.

Given a budget, `workbook_kind` also does the size pre-check. The reader materialises every
sheet as a dense grid of 32 bytes a cell from A1 to its last used cell, so a stray cell at
XFD200000 asks for 105 GB and the process is killed. Each sheet's extent is read first — the
dimension a sheet declares, or a quick scan of its cells when it declares none or declares more
than the budget allows (Excel declares styled empty cells too) — and a sheet over budget is
refused before anything is read.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

import olefile

from flows.ingest.limits import ENV_MEMORY, format_size

__all__ = ["BYTES_PER_CELL", "Unreadable", "old_excel", "workbook_kind"]

XLSX, XLSB, ODS, XLS = "xlsx", "xlsb", "ods", "xls"

ENCRYPTED = (
    "password-protected (encrypted) workbook: open it with its password and save a copy without one"
)
ZIP_ARCHIVE = "a zip archive, not a spreadsheet: unzip it and put the exports it holds under raw/"
NOT_A_WORKBOOK = (
    "an Office document that is not a spreadsheet (a Word or PowerPoint file?): save the table "
    "it holds as .xlsx"
)
OLD_EXCEL = (
    "an Excel {version} file (1987–1994 format), which cannot be read: open it in Excel or "
    "LibreOffice and save it as .xlsx"
)
# The prefix existing reports and tests know a damaged workbook by.
DAMAGED = "not a readable Excel workbook"
CUT_SHORT = (
    DAMAGED + ": the file is cut short or damaged ({detail}), as when a copy or a download is "
    "interrupted: copy it again from the source, or open it in Excel or LibreOffice and save it "
    "again"
)


class Unreadable(Exception):
    """A workbook that cannot be read, with the reason to show (the caller adds the path)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# Which format


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

# The BOF record an Excel 2.x, 3.0 or 4.0 file starts with (a bare BIFF stream, no container),
# and the substreams it may announce: worksheet, chart, macro sheet, Excel 4.0 workbook.
_OLD_BOF = {0x0009: "2.x", 0x0209: "3.0", 0x0409: "4.0"}
_OLD_SUBSTREAMS = {0x0010, 0x0020, 0x0040, 0x0100}


def old_excel(head: bytes) -> str | None:
    """The reason an Excel 2.x-4.0 file cannot be read, or None for any other bytes."""
    if len(head) < 8:
        return None
    record, length, _, substream = struct.unpack_from("<HHHH", head)
    version = _OLD_BOF.get(record)
    if version is None or length not in (4, 6, 8) or substream not in _OLD_SUBSTREAMS:
        return None
    return OLD_EXCEL.format(version=version)


def workbook_kind(path: Path, head: bytes, budget: int = 0) -> str | None:
    """`xlsx` (with `.xlsm`), `xlsb`, `ods` or `xls` from the bytes; None when they are no
    zip package nor OLE2 container (text, HTML, anything else).

    Raises Unreadable for a package or container known not to be a readable workbook, and,
    given a budget in bytes, for a sheet the reader would need more than that to hold (the size
    pre-check; an .xls sheet larger than the format allows is refused whatever the budget).
    """
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(path, budget)
    if head.startswith(_OLE2_MAGIC):
        return _ole_kind(path, budget)
    return None


def _zip_kind(path: Path, budget: int) -> str:
    try:
        with zipfile.ZipFile(path) as package:
            kind = _package_kind(package)
            oversized = _OVERSIZED[kind]
            reason = _unless_malformed(lambda: oversized(package, budget)) if budget else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as error:
        # The zip directory sits at the end of the file: without it, the end is missing.
        detail = f"its zip directory, at the end of the file, is missing: {error}"
        raise Unreadable(CUT_SHORT.format(detail=detail)) from error
    if reason is not None:
        raise Unreadable(reason)
    return kind


def _package_kind(package: zipfile.ZipFile) -> str:
    names = set(package.namelist())
    if "mimetype" in names:
        if not package.read("mimetype").strip().startswith(_ODS_MIMETYPE):
            raise Unreadable(NOT_A_WORKBOOK)
        # An encrypted ODF package keeps its zip layout and lists how each part is encrypted
        # in its manifest; calamine would read the parts as garbage.
        manifest = "META-INF/manifest.xml"
        if manifest in names and b"encryption-data" in package.read(manifest):
            raise Unreadable(ENCRYPTED)
        return ODS
    if "xl/workbook.bin" in names:
        return XLSB
    if "xl/workbook.xml" in names:
        return XLSX
    if "[Content_Types].xml" in names:
        raise Unreadable(NOT_A_WORKBOOK)
    raise Unreadable(ZIP_ARCHIVE)


def _ole_kind(path: Path, budget: int) -> str:
    try:
        with olefile.OleFileIO(str(path)) as container:
            streams = {entry[0].lower() for entry in container.listdir()}
            if {"encryptedpackage", "encryptioninfo"} & streams:
                # A password-protected .xlsx, .xlsm or .xlsb: the package encrypted inside OLE2.
                raise Unreadable(ENCRYPTED)
            name = "workbook" if "workbook" in streams else "book" if "book" in streams else None
            if name is None:
                raise Unreadable(NOT_A_WORKBOOK)
            stream = container.openstream(name).read()
    except (OSError, struct.error, ValueError) as error:  # olefile errors are OSErrors
        raise Unreadable(CUT_SHORT.format(detail=str(error))) from error
    if _filepass(stream):
        raise Unreadable(ENCRYPTED)
    reason = _unless_malformed(lambda: _xls_oversized(stream, budget))
    if reason is not None:
        raise Unreadable(reason)
    return XLS


def _records(stream: bytes, offset: int = 0) -> Iterator[tuple[int, int, bytes]]:
    """(offset, type, payload) of the BIFF records from offset on."""
    end = len(stream)
    while offset + 4 <= end:
        record, length = struct.unpack_from("<HH", stream, offset)
        yield offset, record, stream[offset + 4 : offset + 4 + length]
        offset += 4 + length


_BOF, _EOF, _FILEPASS, _BOUNDSHEET, _DIMENSIONS, _CODEPAGE = (
    0x0809,
    0x000A,
    0x002F,
    0x0085,
    0x0200,
    0x0042,
)


def _filepass(stream: bytes) -> bool:
    """Whether the workbook globals hold a FILEPASS record (any encryption, XOR included)."""
    for _, record, _ in _records(stream):
        if record == _FILEPASS:
            return True
        if record in (_BOUNDSHEET, _EOF):
            return False
    return False


# ---------------------------------------------------------------------------------------------
# How large: the budget


# What the reader holds for one cell of a sheet's grid (calamine's cell value).
BYTES_PER_CELL = 32


@dataclass(frozen=True)
class Extent:
    """A sheet's grid from A1: its last used row and column, and its value cells if counted."""

    sheet: str
    rows: int
    columns: int
    cells: int | None = None  # cells holding a value, when a scan counted them
    declared: bool = True  # the sheet's own dimension record says so (not a scan)

    @property
    def grid(self) -> int:
        return self.rows * self.columns


def _fits(extent: Extent | None, budget: int) -> bool:
    return extent is None or extent.grid * BYTES_PER_CELL <= budget


def _too_large(extent: Extent, budget: int) -> str:
    size = format_size(extent.grid * BYTES_PER_CELL)
    shape = f"{extent.columns:,} columns × {extent.rows:,} rows"
    if extent.cells is not None and extent.cells * 10 >= extent.grid:
        # Dense: the data itself is too large, no used range to trim.
        return (
            f"sheet {extent.sheet!r} holds {extent.cells:,} cells ({shape}, about {size} to "
            f"read), more than the {format_size(budget)} one file may take ({ENV_MEMORY}): "
            "split it into smaller files"
        )
    verb = "declares" if extent.declared else "spans"
    return (
        f"sheet {extent.sheet!r} {verb} {shape} ({extent.grid:,} cells, about {size} to read): "
        "its used range is far larger than its data — open it in Excel or LibreOffice, delete "
        "the empty rows and columns after the data and save it again"
    )


_MALFORMED = (
    OSError,
    KeyError,
    ValueError,
    IndexError,
    struct.error,
    zipfile.BadZipFile,
    ElementTree.ParseError,
)


def _unless_malformed(check: Callable[[], str | None]) -> str | None:
    """The pre-check's answer; None for a workbook whose structure it cannot follow, which the
    reader then fails with what is wrong with it. Nothing is materialised either way."""
    try:
        return check()
    except _MALFORMED:
        return None


def _cell_reference(reference: str) -> tuple[int, int] | None:
    """(row, column), 1-based, of `XFD200000` or of the last cell of `A1:XFD200000`."""
    match = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})", reference.split(":")[-1].strip())
    if match is None:
        return None
    return int(match.group(2)), _column_number(match.group(1).upper().encode())


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


# ---------------------------------------------------------------------------------------------
# .xlsx / .xlsm


_DIMENSION_RE = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]+)"')
_SHEET_DATA_RE = re.compile(rb"<(?:\w+:)?sheetData\b")
# A row holding cells (not self-closing) and its number.
_ROW_RE = re.compile(rb'row\b[^>]*? r="(\d+)"[^>]*?(?<!/)>')
# A cell in a column of two or three letters, with a value: `<c r="XFD1" s="1"/>` is a styled
# empty cell, which the reader skips.
_WIDE_COLUMN_RE = re.compile(rb' r="([A-Z]{2,3})\d+"[^>]*?(?<!/)>')
_HEAD = 65536
_CHUNK = 1 << 20


def _package_parts(package: zipfile.ZipFile, workbook: str) -> dict[str, str]:
    """Relationship id → part path, from the workbook's relationships."""
    folder, name = posixpath.split(workbook)
    rels = ElementTree.fromstring(package.read(f"{folder}/_rels/{name}.rels"))
    parts = {}
    for rel in rels:
        target = rel.get("Target", "")
        if target.startswith("/"):
            parts[rel.get("Id", "")] = target.lstrip("/")
        else:
            parts[rel.get("Id", "")] = posixpath.normpath(posixpath.join(folder, target))
    return parts


def _xlsx_sheets(package: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part path) in workbook order."""
    parts = _package_parts(package, "xl/workbook.xml")
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    sheets = []
    for element in workbook.iter():
        if element.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        # r:id, in the transitional or the strict relationships namespace.
        rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
        if rid in parts:
            sheets.append((element.get("name", ""), parts[rid]))
    return sheets


def _xlsx_oversized(package: zipfile.ZipFile, budget: int) -> str | None:
    names = set(package.namelist())
    for sheet, part in _xlsx_sheets(package):
        if part not in names:
            continue
        declared = _xlsx_declared(package, part, sheet)
        if declared is not None and _fits(declared, budget):
            continue
        scanned = _xlsx_scan(package, part, sheet)
        if declared is not None and scanned is not None:
            same = (scanned.rows, scanned.columns) == (declared.rows, declared.columns)
            scanned = Extent(sheet, scanned.rows, scanned.columns, scanned.cells, same)
        if not _fits(scanned, budget):
            assert scanned is not None
            return _too_large(scanned, budget)
    return None


def _xlsx_declared(package: zipfile.ZipFile, part: str, sheet: str) -> Extent | None:
    with package.open(part) as stream:  # only the first bytes are inflated
        head = stream.read(4096)
        if not _SHEET_DATA_RE.search(head):  # long sheet views or column widths first
            head += stream.read(_HEAD - len(head))
    data = _SHEET_DATA_RE.search(head)
    match = _DIMENSION_RE.search(head, 0, data.start() if data else len(head))
    cell = _cell_reference(match.group(1).decode("ascii", "replace")) if match else None
    return Extent(sheet, *cell) if cell else None


def _xlsx_scan(package: zipfile.ZipFile, part: str, sheet: str) -> Extent | None:
    """An over-estimate of the grid the reader will build: the last row holding cells and the
    last column of a cell with a value (exact from column AA on; a one-letter column counts as
    Z), and the number of values."""
    rows = columns = values = 0
    tail = b""
    with package.open(part) as stream:
        while True:
            data = stream.read(_CHUNK)
            buffer = tail + data
            # An element cut at the chunk's end is scanned whole with the next chunk.
            cut = buffer.rfind(b"<") if data else len(buffer)
            if cut < 0:
                cut = len(buffer)
            found = _ROW_RE.findall(buffer, 0, cut)
            if found:
                rows = max(rows, *map(int, found))
            chunk_values = buffer.count(b"<v>", 0, cut) + buffer.count(b"<is>", 0, cut)
            chunk_values += buffer.count(b":v>", 0, cut) // 2  # a prefixed <x:v>…</x:v>
            values += chunk_values
            if columns < 16384:
                wide = _WIDE_COLUMN_RE.findall(buffer, 0, cut)
                if wide:
                    columns = max(columns, *map(_column_number, set(wide)))
                elif chunk_values:
                    columns = max(columns, 26)  # one-letter columns only: Z at most
            tail = buffer[cut:]
            if not data:
                break
    if not rows or not columns:
        return None
    return Extent(sheet, rows, columns, values, declared=False)


# ---------------------------------------------------------------------------------------------
# .xlsb (binary records: a 1-2 byte type and a 1-4 byte size, both 7 bits a byte)


_BRT_BUNDLE_SHEET, _BRT_WS_DIM, _BRT_BEGIN_SHEET_DATA, _BRT_END_SHEET_DATA = (
    0x009C,
    0x0094,
    0x0091,
    0x0092,
)
_BRT_ROW_HDR = 0x0000
# Cell records holding a value (BrtCellRk … BrtFmlaError); BrtCellBlank (0x0001) is skipped.
_BRT_VALUE_CELLS = range(0x0002, 0x000C)


def _varint(data: bytes, offset: int, most: int) -> tuple[int, int]:
    value = shift = 0
    for _ in range(most):
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return value, offset


def _xlsb_records(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(type, payload) of each record of a part, read a chunk at a time."""
    buffer = b""
    offset = 0
    done = False
    while True:
        if not done and len(buffer) - offset < 16:
            more = stream.read(_CHUNK)
            done = not more
            buffer = buffer[offset:] + more
            offset = 0
        try:
            record, start = _varint(buffer, offset, 2)
            size, start = _varint(buffer, start, 4)
        except IndexError:
            return  # the end, or a record header cut short
        while start + size > len(buffer) and not done:
            more = stream.read(max(_CHUNK, size))
            done = not more
            buffer = buffer[offset:] + more
            start -= offset
            offset = 0
        if start + size > len(buffer):
            return
        yield record, buffer[start : start + size]
        offset = start + size


def _xlsb_sheets(package: zipfile.ZipFile) -> list[tuple[str, str]]:
    parts = _package_parts(package, "xl/workbook.bin")
    sheets = []
    with package.open("xl/workbook.bin") as stream:
        for record, payload in _xlsb_records(stream):
            if record != _BRT_BUNDLE_SHEET:
                continue
            # hsState u32, iTabID u32, strRelID (nullable wide string), strName (wide string)
            count = struct.unpack_from("<I", payload, 8)[0]
            offset = 12
            rid = ""
            if count != 0xFFFFFFFF:
                rid = payload[offset : offset + 2 * count].decode("utf-16-le")
                offset += 2 * count
            count = struct.unpack_from("<I", payload, offset)[0]
            name = payload[offset + 4 : offset + 4 + 2 * count].decode("utf-16-le")
            if rid in parts:
                sheets.append((name, parts[rid]))
    return sheets


def _xlsb_oversized(package: zipfile.ZipFile, budget: int) -> str | None:
    for sheet, part in _xlsb_sheets(package):
        declared = None
        with package.open(part) as stream:
            for record, payload in _xlsb_records(stream):
                if record == _BRT_WS_DIM and len(payload) >= 16:
                    _, last_row, _, last_column = struct.unpack_from("<IIII", payload)
                    declared = Extent(sheet, last_row + 1, last_column + 1)
                    break
                if record == _BRT_BEGIN_SHEET_DATA:
                    break
        if declared is not None and _fits(declared, budget):
            continue
        scanned = _xlsb_scan(package, part, sheet)
        if not _fits(scanned, budget):
            assert scanned is not None
            return _too_large(scanned, budget)
    return None


def _xlsb_scan(package: zipfile.ZipFile, part: str, sheet: str) -> Extent | None:
    row = rows = columns = values = 0
    with package.open(part) as stream:
        for record, payload in _xlsb_records(stream):
            if record == _BRT_ROW_HDR:
                row = struct.unpack_from("<I", payload)[0]
            elif record in _BRT_VALUE_CELLS:
                values += 1
                rows = max(rows, row + 1)
                columns = max(columns, struct.unpack_from("<I", payload)[0] + 1)
            elif record == _BRT_END_SHEET_DATA:
                break
    return Extent(sheet, rows, columns, values, declared=False) if values else None


# ---------------------------------------------------------------------------------------------
# .ods (content.xml: rows and cells repeated by count)


def _ods_oversized(package: zipfile.ZipFile, budget: int) -> str | None:
    # ODS declares no size; only a long repeat makes its grid much larger than its bytes.
    if not _ods_repeats_much(package):
        return None
    for extent in _ods_extents(package):
        if not _fits(extent, budget):
            return _too_large(extent, budget)
    return None


_LONG_REPEAT = 256
# A repeat of 100 or more, unless it is the run of empty cells that ends a row: LibreOffice
# writes one up to the sheet's last column in every row, and it widens nothing.
_LONG_REPEAT_RE = re.compile(
    rb'number-(rows|columns)-repeated="(\d{3,})"(?![^>]*/></table:table-row>)'
)
_VALUE = b"office:value-type="
_TABLE_END = b"</table:table>"


def _ods_repeats_much(package: zipfile.ZipFile) -> bool:
    """Whether a row or cell is repeated 256 times or more other than as empty space after the
    data (the empty cells after a row's last one, the empty rows after a table's last one):
    a filled row or cell repeated, or an empty run with a value after it in its table. One
    pass over the bytes: about 0.8 s for the 350 MB content.xml of a 200,000-row sheet."""
    pending = False  # an empty run of rows whose table has shown no value after it yet
    tail = b""
    with package.open("content.xml") as stream:
        while True:
            data = stream.read(4 * _CHUNK)
            buffer = tail + data
            # An element cut at the chunk's end is looked at whole with the next chunk.
            cut = max(buffer.rfind(b"<"), 0) if data else len(buffer)
            chunk, tail = buffer[:cut], buffer[cut:]
            position = 0
            for match in _LONG_REPEAT_RE.finditer(chunk):
                if int(match.group(2)) < _LONG_REPEAT:
                    continue
                if match.group(1) == b"columns":
                    element = chunk.rfind(b"<", 0, match.start())
                    if chunk.startswith(b"<table:table-column", element):
                        continue  # column styles, no cells
                    return True  # a filled cell repeated, or an empty run before another cell
                if pending and _value_before_table_end(chunk, position, match.start()):
                    return True
                # A run of rows: harmless when nothing holds a value after it in its table
                # (the row's own cells come after the attribute, so a filled run counts).
                pending, position = True, match.end()
            if pending:
                if _value_before_table_end(chunk, position, len(chunk)):
                    return True
                pending = chunk.find(_TABLE_END, position) < 0
            if not data:
                return False


def _value_before_table_end(chunk: bytes, start: int, end: int) -> bool:
    table_end = chunk.find(_TABLE_END, start, end)
    return chunk.find(_VALUE, start, table_end if table_end >= 0 else end) >= 0


_ROW_END = b"</table:table-row>"
_ROW_START = b"<table:table-row"
_TABLE_NAME_RE = re.compile(rb'\btable:name="([^"]*)"')
_ROWS_REPEATED_RE = re.compile(rb'number-rows-repeated="(\d+)"')
_COLUMNS_REPEATED_RE = re.compile(rb'number-columns-repeated="(\d+)"')


class _OdsExtents:
    """Each table's extent from the bytes of content.xml, over-estimated: the last row holding
    a value, counting repeated rows, and the widest such row, counting its cells and their
    repeats. Nothing is parsed as XML: bytes methods do the work a row at a time, as walking
    every element with an XML parser takes six times as long as reading the file."""

    def __init__(self) -> None:
        self.extents: list[Extent] = []
        self.name: str | None = None
        self.row = self.rows = self.columns = self.values = 0

    def feed(self, chunk: bytes) -> None:
        """Bytes that end at a row's end (or at the end of the content)."""
        position = 0
        while True:
            opens = _table_start(chunk, position)
            closes = chunk.find(b"</table:table>", position)
            edge = min((e for e in (opens, closes) if e >= 0), default=-1)
            if edge < 0:
                self._rows(chunk[position:])
                return
            self._rows(chunk[position:edge])
            self._close()
            position = chunk.find(b">", edge) + 1
            if edge == opens:
                name = _TABLE_NAME_RE.search(chunk, edge, position)
                self.name = name.group(1).decode("utf-8", "replace") if name else ""

    def finish(self) -> list[Extent]:
        self._close()
        return self.extents

    def _close(self) -> None:
        if self.name is not None and self.values:
            self.extents.append(Extent(self.name, self.rows, self.columns, self.values, False))
        self.name = None
        self.row = self.rows = self.columns = self.values = 0

    def _rows(self, text: bytes) -> None:
        rows = text.split(_ROW_END)[:-1]
        if self.name is None or not rows:
            return
        # Column definitions and row groups before a table's first row are no cells.
        rows[0] = rows[0][rows[0].find(_ROW_START) :]
        values = map(bytes.count, rows, repeat(b"office:value-type="))
        # `<table:` opens the row and each of its cells (covered ones too).
        tags = map(bytes.count, rows, repeat(b"<table:"))
        for row, filled, width in zip(rows, values, tags, strict=True):
            height = 1
            width -= 1
            if b"-repeated=" in row:
                head = row[: row.find(b">")]
                if b"rows-repeated" in head:
                    height = int(_ROWS_REPEATED_RE.search(head).group(1))  # type: ignore[union-attr]
                found = _COLUMNS_REPEATED_RE.findall(row)
                width += sum(map(int, found)) - len(found)
                last = row.rfind(b"<table:")
                if found and row.endswith(b"/>") and b"columns-repeated" in row[last:]:
                    # The run of empty cells that ends the row (LibreOffice writes one up to
                    # the sheet's last column in every row) widens nothing.
                    width -= int(_COLUMNS_REPEATED_RE.search(row, last).group(1))  # type: ignore[union-attr]
            if filled or b"<text:p>" in row:
                self.rows = self.row + height
                self.columns = max(self.columns, width)
                self.values += max(filled, 1) * height
            self.row += height


def _table_start(chunk: bytes, position: int) -> int:
    """Where the next `<table:table>` or `<table:table …>` element starts, or -1 (not a
    `<table:table-row` or `-cell`, which are everywhere)."""
    found = [chunk.find(b"<table:table" + end, position) for end in (b" ", b">", b"\n", b"\t")]
    return min((f for f in found if f >= 0), default=-1)


def _ods_extents(package: zipfile.ZipFile) -> list[Extent]:
    """About 1 s for the 350 MB content.xml LibreOffice writes for a 200,000-row sheet."""
    extents = _OdsExtents()
    tail = b""
    with package.open("content.xml") as stream:
        while True:
            data = stream.read(4 * _CHUNK)
            buffer = tail + data
            cut = buffer.rfind(_ROW_END) + len(_ROW_END) if data else len(buffer)
            if cut < len(_ROW_END):
                cut = 0  # no row ends in it yet
            extents.feed(buffer[:cut])
            tail = buffer[cut:]
            if not data:
                return extents.finish()


_OVERSIZED: dict[str, Callable[[zipfile.ZipFile, int], str | None]] = {
    XLSX: _xlsx_oversized,
    XLSB: _xlsb_oversized,
    ODS: _ods_oversized,
}


# ---------------------------------------------------------------------------------------------
# .xls (BIFF5 and BIFF8: a BOUNDSHEET per sheet in the globals, a DIMENSIONS in each sheet)


# The most an .xls sheet can hold: more is a damaged DIMENSIONS record, which makes the reader
# allocate for it and abort the process.
_XLS_ROWS, _XLS_COLUMNS = 65536, 256
# ROW and the cell records (NUMBER, LABEL, LABELSST, RK, MULRK, FORMULA, BLANK, BOOLERR): the
# sheet's data has begun, DIMENSIONS would have come before.
_XLS_CELLS = {0x0208, 0x0203, 0x0204, 0x00FD, 0x027E, 0x00BD, 0x0006, 0x0201, 0x0205}


def _xls_oversized(stream: bytes, budget: int) -> str | None:
    for sheet, offset in _xls_sheets(stream):
        for position, record, payload in _records(stream, offset):
            if record == _DIMENSIONS:
                if len(payload) >= 14:
                    _, rows, _, columns = struct.unpack_from("<IIHH", payload)
                else:
                    _, rows, _, columns = struct.unpack_from("<HHHH", payload)
                if rows > _XLS_ROWS or columns > _XLS_COLUMNS:
                    return (
                        f"sheet {sheet!r} declares {columns:,} columns × {rows:,} rows, more "
                        f"than an .xls sheet can hold ({_XLS_COLUMNS} × {_XLS_ROWS:,}): the file "
                        "is damaged — open it in Excel or LibreOffice and save it again as .xlsx"
                    )
                extent = Extent(sheet, rows, columns)
                if budget and not _fits(extent, budget):
                    return _too_large(extent, budget)
                break
            if record in _XLS_CELLS or record == _EOF or (record == _BOF and position > offset):
                break  # no DIMENSIONS before the data: the reader sizes the grid by its cells
    return None


def _xls_sheets(stream: bytes) -> list[tuple[str, int]]:
    """(name, offset of its BOF) of each worksheet, from the globals' BOUNDSHEET records."""
    biff8 = False
    codepage = "cp1252"
    sheets = []
    for position, record, payload in _records(stream):
        if record == _BOF and position == 0:
            biff8 = struct.unpack_from("<H", payload)[0] == 0x0600
        elif record == _CODEPAGE and len(payload) >= 2:
            codepage = f"cp{struct.unpack_from('<H', payload)[0]}"
        elif record == _BOUNDSHEET and len(payload) >= 8:
            offset, _, kind, count = struct.unpack_from("<IBBB", payload)
            if kind != 0:  # a chart, macro sheet or VBA module: no grid to read
                continue
            if biff8:
                wide = payload[7] & 1
                raw = payload[8 : 8 + count * (2 if wide else 1)]
                name = raw.decode("utf-16-le" if wide else "latin-1", "replace")
            else:
                raw = payload[7 : 7 + count]
                try:
                    name = raw.decode(codepage, "replace")
                except LookupError:
                    name = raw.decode("latin-1")
            sheets.append((name, offset))
        elif record == _EOF:
            break
    return sheets
