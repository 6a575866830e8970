"""Reading exports into sheets of physical rows of text cells (docs/spec.md §2).

`read_sheets` turns an `.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods` or `.csv` file into `Sheet`s
whose `rows[i]` is physical row i+1 (the row number Excel shows; for CSV the line number).
Cells are text or None: the reader does not clean, type or interpret anything, so that the
header finder and the landing step see exactly what the export holds and every row can be
accounted for.

The real format is taken from the file's bytes (flows/ingest/formats.py): web systems save HTML
tables as `.xls`, some tools save CSV as `.xlsx`, and an `.ods` or `.xlsb` renamed `.xlsx` is
read as what it is. A workbook whose sheets declare more cells than CCHC_READ_MEMORY allows is
refused before any sheet is read.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from itertools import islice, zip_longest
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import python_calamine
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from flows.ingest import formats
from flows.ingest.limits import memory_budget

__all__ = ["ReadError", "Sheet", "read_sheets", "SUFFIXES"]

SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv")


@dataclass
class Sheet:
    """One sheet of a workbook, one table of an HTML export, or a whole CSV file."""

    name: str | None  # None for a CSV or an HTML table (neither has sheet names)
    index: int  # 0-based position in the workbook
    hidden: bool
    rows: Sequence[list[str | None]]  # physical rows from row 1 to the last non-empty row
    # The text encoding a CSV or HTML file was decoded with (None for a workbook): when no
    # header is found in a file read as Windows-1258, the likely cause is another encoding.
    encoding: str | None = None
    # The same cells column by column, when the reader produced them so (a rectangular CSV
    # parsed by Arrow): `rows` is then a view over them, built row by row only when asked for.
    columns: list[pa.Array] | None = None


class ColumnRows(Sequence[list[str | None]]):
    """The rows of a sheet held as Arrow columns; a row is built only when it is read.

    A big CSV is read into columns at C speed and stays so through landing; only the title
    block, the header and the few rows that are not plainly data are ever looked at one by one.
    """

    def __init__(self, columns: list[pa.Array], length: int) -> None:
        self._columns = columns
        self._length = length

    def __len__(self) -> int:
        return self._length

    def _row(self, index: int) -> list[str | None]:
        cells = [column[index].as_py() for column in self._columns]
        while cells and cells[-1] is None:
            cells.pop()
        return cells

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        return self._row(index)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ColumnRows | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-like, as the list it stands for

    def __repr__(self) -> str:
        return f"ColumnRows({list(self)!r})"

    def __iter__(self) -> Iterator[list[str | None]]:
        lists = [column.to_pylist() for column in self._columns]
        for cells in zip(*lists, strict=True):
            row = list(cells)
            while row and row[-1] is None:
                row.pop()
            yield row


class ReadError(Exception):
    """A file that cannot be read at all; the message names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        # Both parts go to args so that the exception survives pickling between processes.
        super().__init__(str(path), reason)
        self.path = str(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def read_sheets(path: Path) -> list[Sheet]:
    """Read every sheet of an export as rows of text cells (None for an empty cell).

    Raises `ReadError` for an unsupported extension, an empty, corrupt, password-protected or
    undecodable file.
    """
    with _gc_paused():
        return _read(Path(path))


@contextmanager
def _gc_paused() -> Iterator[None]:
    # A big sheet is millions of new lists; they hold no reference cycles, yet each batch of
    # them triggers a cyclic-GC pass over everything alive (about 40% of a CSV read).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read(path: Path) -> list[Sheet]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        expected = ", ".join(SUFFIXES)
        raise ReadError(
            path, f"unsupported file type {suffix or '(no extension)'}: only {expected}"
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_SIZE)
    except OSError as error:
        raise ReadError(path, f"cannot open the file: {error.strerror or error}") from error
    if not head:
        raise ReadError(path, "empty file")
    try:
        kind = formats.workbook_kind(path, head, memory_budget())
        old = formats.old_excel(head) if kind is None else None
    except formats.Unreadable as error:
        raise ReadError(path, error.reason) from error
    if kind is not None:
        return _read_workbook(path, kind)
    if old is not None:
        raise ReadError(path, old)

    if suffix == ".csv":
        if not _looks_like_text(head):
            raise ReadError(path, "not a CSV text file: binary content")
        return [_read_csv(path, path.read_bytes())]

    # A workbook's name over bytes that are no workbook.
    if not _looks_like_text(head):
        raise ReadError(
            path,
            f"{formats.DAMAGED}: its bytes are neither a workbook (xlsx, xlsb, ods, xls) nor "
            "text: open it in the program that made it and save it as .xlsx",
        )
    start = _decode_head(head)[:1024].lower()
    # Excel 2003 XML before HTML: its rows sit in a <Table> element too.
    spreadsheet_ml = "urn:schemas-microsoft-com:office:spreadsheet" in _decode_head(head).lower()
    if spreadsheet_ml and "<html" not in start:
        raise ReadError(
            path,
            "an Excel 2003 XML spreadsheet, which cannot be read: open it in Excel or "
            "LibreOffice and save it as .xlsx",
        )
    if "<table" in start or "<html" in start:
        return _read_html(path, path.read_bytes())
    return [_read_csv(path, path.read_bytes())]


# ---------------------------------------------------------------------------------------------
# Format sniffing and text decoding

_HEAD_SIZE = 65536
# The workbook format calamine's from_path expects of a name, which it picks its reader by.
_SUFFIX_KIND = {
    ".xlsx": formats.XLSX,
    ".xlsm": formats.XLSX,
    ".xlsb": formats.XLSB,
    ".ods": formats.ODS,
    ".xls": formats.XLS,
}
# What to do with text that cannot be decoded.
_SAVE_AS_UTF8 = "save it as UTF-8 (Excel: Save As → CSV UTF-8)"

# C0 controls other than tab, line breaks, form feed and the DOS end-of-file mark. Real text
# may carry a stray one; random bytes decoded as Windows-1258 carry one in ten.
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")
_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16": "UTF-16 (BOM)",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "cp1258": "Windows-1258",
}


def _bom_or_utf16(sample: bytes) -> str | None:
    """The encoding a BOM names, or UTF-16 without BOM when NUL bytes are frequent."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = sample[:4096]
    half = len(sample) // 2
    if half == 0:
        return None
    # ASCII in UTF-16 has a NUL high byte: after the character (LE) or before it (BE).
    even_nuls = sample[0 : 2 * half : 2].count(0)
    odd_nuls = sample[1 : 2 * half : 2].count(0)
    if odd_nuls > 0.3 * half and odd_nuls > 2 * even_nuls:
        return "utf-16-le"
    if even_nuls > 0.3 * half and even_nuls > 2 * odd_nuls:
        return "utf-16-be"
    return None


def _decode_head(head: bytes) -> str:
    """Best-effort decoding of the first bytes, for sniffing only."""
    encoding = _bom_or_utf16(head)
    candidates = [encoding] if encoding else ["utf-8", "cp1258"]
    for candidate in candidates:
        try:
            # Incremental, so that a character cut at the end of the head is not an error.
            return codecs.getincrementaldecoder(candidate)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
    return head.decode("cp1258", errors="replace")


def _looks_like_text(head: bytes) -> bool:
    text = _decode_head(head)
    if not text:
        return True
    return len(_CONTROL_RE.findall(text)) <= 0.01 * len(text)


def _decode_as(
    path: Path, data: bytes, declared: str | None = None, advice: str = _SAVE_AS_UTF8
) -> tuple[str, str]:
    """The whole file as text and the encoding used: BOM, else UTF-16 by NULs, else declared,
    UTF-8, Windows-1258."""
    encoding = _bom_or_utf16(data)
    if encoding is None:
        # No BOM and few NULs: a declared UTF-16/32 would be a lie that decodes into garbage.
        if declared is not None and declared.startswith(("utf-16", "utf-32")):
            declared = None
        for candidate in (declared, "utf-8"):
            if candidate is None:
                continue
            try:
                return data.decode(candidate), candidate
            except UnicodeDecodeError:
                continue
        _reject_broken_utf8(path, data)
        encoding = "cp1258"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        if encoding == "cp1258":
            # Another single-byte code page (Windows-1250, 1251, …): only some of its bytes
            # are undefined in Windows-1258, so the first such byte may come late in the file.
            what = "it is neither UTF-8 nor UTF-16 nor Windows-1258"
        else:
            what = f"it is not valid {_ENCODING_NAMES[encoding]}"
        bad = data[error.start : error.start + 1].hex()
        line = _line_at(data, error.start, encoding)
        raise ReadError(
            path,
            f"cannot decode the text: {what} (byte 0x{bad} on line {line}, offset "
            f"{error.start}: {error.reason}): {advice}",
        ) from error


def _line_at(data: bytes, offset: int, encoding: str) -> int:
    """The line (1-based, as a text editor counts) the byte at offset is on."""
    text = data[:offset].decode(encoding, errors="replace")
    return text.count("\n") + text.count("\r") - text.count("\r\n") + 1


# A well-formed UTF-8 sequence of two to four bytes. Windows-1258 text almost never forms one:
# its letters (0xC0-0xFF) are followed by ASCII or by its tone marks, not by 0x80-0xBF bytes.
_UTF8_MULTIBYTE_RE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)

# What errors="surrogateescape" makes of a byte that is not valid UTF-8.
_ESCAPED_BYTE_RE = re.compile("[\udc80-\udcff]")


def _reject_broken_utf8(path: Path, data: bytes) -> None:
    """Raise when data is UTF-8 with a few invalid bytes rather than Windows-1258.

    Decoding such a file as Windows-1258 would turn every Vietnamese letter into mojibake
    (`Mã hồ sơ` → `MÃ£ há»“ sÆ¡`): a clear error naming the first bad byte is the only
    honest answer.
    """
    text = data.decode("utf-8", errors="surrogateescape")
    bad = len(_ESCAPED_BYTE_RE.findall(text))
    if not bad or len(_UTF8_MULTIBYTE_RE.findall(data)) <= bad:
        return
    first = _ESCAPED_BYTE_RE.search(text)
    assert first is not None
    offset = len(text[: first.start()].encode("utf-8", errors="surrogateescape"))
    line = data.count(b"\n", 0, offset) + 1
    raise ReadError(
        path,
        f"not valid UTF-8: {bad} invalid byte(s) in UTF-8 text, the first 0x"
        f"{data[offset : offset + 1].hex()} on line {line} (offset {offset}); re-export the file "
        "or fix that byte",
    )


# ---------------------------------------------------------------------------------------------
# Excel workbooks (python-calamine)


def _read_workbook(path: Path, kind: str) -> list[Sheet]:
    try:
        handle = path.open("rb")
    except OSError as error:
        raise ReadError(path, f"cannot open the file: {error.strerror or error}") from error
    with handle:
        if _SUFFIX_KIND.get(path.suffix.lower()) == kind and _is_utf8(str(path)):
            # from_path reads the file where it lies, by the reader its extension names.
            book = _calamine(path, None, CalamineWorkbook.from_path, str(path))
        else:
            # The extension names another format (an .ods or .xlsb renamed .xlsx, an .xlsx
            # named .csv), or the name is not UTF-8 (a zip unpacked from Windows), which
            # calamine cannot open by name: it detects the format from the content.
            book = _calamine(path, None, CalamineWorkbook.from_filelike, handle)
        with book:
            sheets = []
            for index, meta in enumerate(book.sheets_metadata):
                sheet = _calamine(path, meta.name, book.get_sheet_by_index, index)
                # The used area only, placed back from A1 below: asking calamine for the grid
                # from A1 would make it copy the whole grid once more when the data starts
                # lower or further right.
                rows = _calamine(path, meta.name, sheet.to_python, skip_empty_area=True)
                hidden = meta.visible != SheetVisibleEnum.Visible
                sheets.append(_grid_sheet(meta.name, index, hidden, rows, sheet.start))
    return sheets


def _grid_sheet(
    name: str, index: int, hidden: bool, rows: list[list[Any]], start: tuple[int, int] | None
) -> Sheet:
    """The sheet of calamine rows of the used area whose first cell is at `start` (0-based row
    and column), placed back from A1 and held as Arrow columns (see ColumnRows).

    Each column is turned into text at once, in C where it holds only text: rows are built
    only for the few rows landing looks at one by one, never for the whole sheet.
    """
    top, left = start or (0, 0)
    height = len(rows)
    # The cells column by column; the rows' lists are freed as soon as they are transposed.
    # calamine's rows of the used area all have its width; zip_longest only guards against one
    # that does not.
    same_width = len(set(map(len, rows))) == 1
    grid = list(zip(*rows, strict=True) if same_width else zip_longest(*rows))
    rows.clear()
    grid.reverse()
    columns = [pa.nulls(height, pa.string())] * left
    while grid:
        columns.append(_text_array(grid.pop()))
    filled = [i for i, column in enumerate(columns) if column.null_count < len(column)]
    if not filled:
        return Sheet(name, index, hidden, [])
    # Trailing empty rows and columns are not part of the sheet.
    columns = columns[: filled[-1] + 1]
    any_valid = pc.is_valid(columns[0])
    for column in columns[1:]:
        any_valid = pc.or_(any_valid, pc.is_valid(column))
    last = int(pc.max(pc.indices_nonzero(any_valid)).as_py()) + 1
    columns = [column.slice(0, last) for column in columns]
    if top:
        above = pa.nulls(top, pa.string())
        columns = [pa.concat_arrays([above, column]) for column in columns]
    rows_view = ColumnRows(columns, top + last)
    return Sheet(name, index, hidden, rows_view, columns=columns)


def _text_array(cells: tuple[Any, ...]) -> pa.Array:
    """One column of calamine cells as text: an empty cell null, another value as it shows."""
    try:
        # Arrow refuses any cell that is not text (a number, a date): then cell by cell.
        text = pa.array(cells, pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    else:
        return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    convert = _cell_text
    return pa.array(
        [(cell or None) if cell.__class__ is str else convert(cell) for cell in cells],
        pa.string(),
    )


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _calamine(path: Path, sheet: str | None, call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one calamine call, turning whatever it raises into a ReadError with the reason."""
    where = "" if sheet is None else f"sheet {sheet!r}: "
    advice = "open it in Excel or LibreOffice and save it again as .xlsx"
    try:
        return call(*args, **kwargs)
    except python_calamine.PasswordError as error:
        raise ReadError(path, formats.ENCRYPTED) from error
    except Exception as error:
        raise ReadError(path, f"{formats.DAMAGED}: {where}{error}: {advice}") from error
    except BaseException as error:
        # A Rust panic on a corrupt file surfaces as pyo3's PanicException (a BaseException);
        # it must fail this file, not the run.
        if type(error).__name__ != "PanicException":
            raise
        raise ReadError(path, f"{formats.DAMAGED}: {where}{error}: {advice}") from error


def _float_text(value: float) -> str:
    # Below 2**53 an integer-valued float is exactly that integer; beyond, `repr` keeps the
    # digits the file stored instead of binary noise (1.234567890123457e17 → …45700).
    if value.is_integer() and -(2**53) < value < 2**53:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        return format(Decimal(text), "f")
    return text


def _datetime_text(value: datetime) -> str:
    if value.microsecond:
        # Excel shows the nearest second; calamine may hand back binary-fraction noise.
        value = value.replace(microsecond=0) + timedelta(seconds=value.microsecond >= 500_000)
    return value.isoformat(" ")


def _time_text(value: time) -> str:
    seconds = value.hour * 3600 + value.minute * 60 + value.second
    seconds = min(seconds + (value.microsecond >= 500_000), 86399)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _timedelta_text(value: timedelta) -> str:
    # A duration cell ([h]:mm:ss) as total hours, the way Excel shows it.
    seconds = round(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


_CONVERTERS: dict[type, Callable[[Any], str]] = {
    float: _float_text,
    int: str,
    bool: lambda value: "TRUE" if value else "FALSE",
    datetime: _datetime_text,
    date: date.isoformat,
    time: _time_text,
    timedelta: _timedelta_text,
}


def _cell_text(value: Any) -> str | None:
    converter = _CONVERTERS.get(value.__class__)
    if converter is not None:
        return converter(value)
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    return str(value)


# ---------------------------------------------------------------------------------------------
# CSV

_DELIMITERS = (",", ";", "\t")
_SNIFF_CHARS = 65536
_SNIFF_RECORDS = 50
# Line breaks that str.splitlines honours but the csv module (and Excel) do not.
_EXOTIC_BREAKS_RE = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _read_csv(path: Path, data: bytes) -> Sheet:
    fast = _read_utf8_rectangular_csv(data)
    if fast is not None:
        return fast
    text, encoding = _decode_as(path, data)
    delimiter = _sniff_delimiter(text)
    fast = _read_rectangular_csv(text, delimiter, encoding)
    if fast is not None:
        return fast
    if _EXOTIC_BREAKS_RE.search(text):
        lines: Any = io.StringIO(text, newline="")
    else:
        lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, delimiter=delimiter)
    rows: list[list[str | None]] = []
    last = 0
    try:
        for record in reader:
            cells = [cell or None for cell in record]
            while cells and cells[-1] is None:
                cells.pop()
            rows.append(cells)
            if cells:
                last = len(rows)
            # A record whose quoted field spans several lines occupies all of them: its next
            # lines stay as empty rows, so that rows[i] is always line i+1.
            while len(rows) < reader.line_num:
                rows.append([])
    except csv.Error as error:
        raise ReadError(path, f"malformed CSV near line {reader.line_num + 1}: {error}") from error
    del rows[last:]
    return Sheet(name=None, index=0, hidden=False, rows=rows, encoding=encoding)


def _line_count(text: str) -> int:
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    return breaks + (not text.endswith(("\n", "\r")))


# What the csv module and Arrow's parser disagree on, as UTF-8 bytes: NUL (the csv module
# fails the file, Arrow reads through it) and the line breaks of _EXOTIC_BREAKS_RE, by their
# first byte (a single byte is found at memory speed, and Vietnamese text seldom holds 0xC2
# or 0xE2) and then in full.
_UTF8_DECLINED = {
    b"\x00": (b"\x00",),
    b"\x0b": (b"\x0b",),
    b"\x0c": (b"\x0c",),
    b"\x1c": (b"\x1c",),
    b"\x1d": (b"\x1d",),
    b"\x1e": (b"\x1e",),
    b"\xc2": (b"\xc2\x85",),
    b"\xe2": (b"\xe2\x80\xa8", b"\xe2\x80\xa9"),
}


def _read_utf8_rectangular_csv(data: bytes) -> Sheet | None:
    """`_read_rectangular_csv` of a UTF-8 file, from its bytes: the common export is neither
    decoded into Python text nor encoded back for Arrow, whose parser checks it is UTF-8.

    None for a file that is not UTF-8 (or UTF-8 with a byte-order mark) as `_decode_as` reads
    it, or that `_read_rectangular_csv` would decline: the caller then reads it as before.
    """
    encoding = _bom_or_utf16(data)
    if encoding not in (None, "utf-8-sig"):
        return None
    body = memoryview(data)[3:] if encoding else memoryview(data)
    for first, sequences in _UTF8_DECLINED.items():
        if first in data and any(sequence in data for sequence in sequences):
            return None
    # The delimiter and the width are found in the first characters, as for decoded text: at
    # most four bytes a character, so this head holds them and one more (_sniff_delimiter
    # tells a file longer than its sample by it).
    head_bytes = body[: 4 * (_SNIFF_CHARS + 2)]
    try:
        head = codecs.getincrementaldecoder("utf-8")().decode(
            head_bytes, final=len(head_bytes) == len(body)
        )
    except UnicodeDecodeError:
        return None
    if not head:
        return None
    breaks = data.count(b"\n")
    if b"\r" in data:
        breaks += data.count(b"\r") - data.count(b"\r\n")
    lines = breaks + (not data.endswith((b"\n", b"\r")))
    source = pa.BufferReader(pa.py_buffer(body))
    return _rectangular(source, head, _sniff_delimiter(head), lines, encoding or "utf-8")


def _read_rectangular_csv(text: str, delimiter: str, encoding: str) -> Sheet | None:
    """The common export, read by Arrow's C++ parser: every line one record of the same width.

    Anything else — a title line narrower than the table, a blank line, a quoted value
    spanning lines, a form feed — returns None and goes through the csv module, which keeps
    line numbers exact for those; this path gives the same cells for the files it accepts.
    """
    # NUL bytes make the csv module fail the file (malformed); Arrow would read through them.
    if not text or "\x00" in text or _EXOTIC_BREAKS_RE.search(text):
        return None
    source = io.BytesIO(text.encode("utf-8"))
    return _rectangular(source, text, delimiter, _line_count(text), encoding)


def _rectangular(source: Any, head: str, delimiter: str, lines: int, encoding: str) -> Sheet | None:
    """The sheet of UTF-8 CSV bytes whose text starts with `head`, when Arrow reads it as
    `lines` records of one width; else None."""
    first = next(csv.reader(io.StringIO(head[:_SNIFF_CHARS], newline=""), delimiter=delimiter))
    names = [f"c{i}" for i in range(len(first))]
    try:
        table = pa_csv.read_csv(
            source,
            read_options=pa_csv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, newlines_in_values=False, ignore_empty_lines=False
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if table.num_rows != lines:
        return None
    columns = [table.column(i).combine_chunks() for i in range(table.num_columns)]
    filled = [i for i, column in enumerate(columns) if column.null_count < len(column)]
    if not filled:
        return None
    # Trailing empty rows and columns are not part of the sheet (as in the csv-module path).
    columns = columns[: filled[-1] + 1]
    any_valid = pc.is_valid(columns[0])
    for column in columns[1:]:
        any_valid = pc.or_(any_valid, pc.is_valid(column))
    last = int(pc.max(pc.indices_nonzero(any_valid)).as_py()) + 1
    columns = [column.slice(0, last) for column in columns]
    rows = ColumnRows(columns, last)
    return Sheet(name=None, index=0, hidden=False, rows=rows, encoding=encoding, columns=columns)


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the most of the first records, the most consistently.

    Coverage first: the real delimiter splits the header and every data line, while a comma
    or semicolon inside text splits a few title or footer lines only — in a short export
    (a header, two rows and a signature block) those few can be the most consistent ones.
    Then consistency of the column count, then more columns (decimal commas in `;` files).
    """
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS:
        cut = sample.rfind("\n")
        if cut > 0:
            sample = sample[: cut + 1]
    best, best_key = ",", (0.0, 0.0, 0)
    for delimiter in _DELIMITERS:
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        try:
            records = [len(r) for r in islice(reader, _SNIFF_RECORDS) if r]
        except csv.Error:
            continue
        # A one-field record (a title line) says nothing about the delimiter's consistency.
        widths = [w for w in records if w > 1]
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        key = (len(widths) / len(records), count / len(widths), width)
        if key > best_key:
            best, best_key = delimiter, key
    return best


# ---------------------------------------------------------------------------------------------
# HTML tables saved as .xls

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_MAX_SPAN = 1000  # guards against `colspan="999999"` blowing up a row


def _read_html(path: Path, data: bytes) -> list[Sheet]:
    declared = None
    match = _META_CHARSET_RE.search(data[:4096])
    if match is not None:
        try:
            codec = codecs.lookup(match.group(1).decode("ascii"))
            # `charset=base64` or `hex` names a codec that is not a text encoding: bytes.decode
            # would raise LookupError, which is not a ReadError.
            declared = codec.name if getattr(codec, "_is_text_encoding", True) else None
        except LookupError:
            declared = None
    parser = _TableParser()
    text, encoding = _decode_as(
        path, data, declared, "open it in Excel or LibreOffice and save it as .xlsx"
    )
    parser.feed(text)
    parser.close()
    if not parser.tables:
        raise ReadError(path, "not a readable Excel workbook: an HTML page without a <table>")
    return [
        Sheet(name=None, index=index, hidden=False, rows=rows, encoding=encoding)
        for index, rows in enumerate(parser.tables)
    ]


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), _MAX_SPAN))
    except ValueError:
        return 1


class _Table:
    """Rows of one <table> being built, with the columns that rowspans still cover."""

    def __init__(self) -> None:
        self.rows: list[list[str | None]] = []
        self.row: list[str | None] | None = None
        self.cell: list[str] | None = None
        self.cell_column = 0
        self.next_column = 0
        self.covered: dict[int, int] = {}  # column → first row index no longer covered

    def open_row(self) -> None:
        self.close_row()
        self.row = []
        self.next_column = 0

    def open_cell(self, colspan: int, rowspan: int) -> None:
        self.close_cell()
        if self.row is None:
            self.open_row()
        assert self.row is not None
        row_index = len(self.rows)
        column = self.next_column
        while self.covered.get(column, 0) > row_index:
            column += 1
        # A merged cell keeps its text in the first column, None in the others (as calamine).
        if len(self.row) < column + colspan:
            self.row.extend([None] * (column + colspan - len(self.row)))
        if rowspan > 1:
            for covered in range(column, column + colspan):
                self.covered[covered] = row_index + rowspan
        self.cell = []
        self.cell_column = column
        self.next_column = column + colspan

    def add_text(self, text: str) -> None:
        if self.cell is not None:
            self.cell.append(text)

    def close_cell(self) -> None:
        if self.cell is None or self.row is None:
            return
        text = "".join(self.cell)
        # White space alone is layout (or &nbsp; filler) in HTML, not a value.
        self.row[self.cell_column] = text if text.strip() else None
        self.cell = None

    def close_row(self) -> None:
        self.close_cell()
        if self.row is None:
            return
        row = self.row
        while row and row[-1] is None:
            row.pop()
        self.rows.append(row)
        self.row = None

    def finish(self) -> list[list[str | None]]:
        self.close_row()
        last = len(self.rows)
        while last and not self.rows[last - 1]:
            last -= 1
        del self.rows[last:]
        return self.rows


class _TableParser(HTMLParser):
    """Collects every <table> (nested ones separately) in the order they open."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str | None]]] = []
        self._open: list[_Table] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            table = _Table()
            self.tables.append(table.rows)
            self._open.append(table)
            return
        if not self._open:
            return
        table = self._open[-1]
        if tag == "tr":
            table.open_row()
        elif tag in ("td", "th"):
            spans = dict(attrs)
            table.open_cell(_span(spans.get("colspan")), _span(spans.get("rowspan")))
        elif tag == "br":
            # A line break inside a header cell ("Ngày<br>tiếp nhận") separates words.
            table.add_text("\n")

    def handle_endtag(self, tag: str) -> None:
        if not self._open:
            return
        table = self._open[-1]
        if tag in ("td", "th"):
            table.close_cell()
        elif tag == "tr":
            table.close_row()
        elif tag == "table":
            table.finish()
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1].add_text(data)

    def close(self) -> None:
        super().close()
        # An unclosed <table> at the end of a truncated page still yields its rows.
        while self._open:
            self._open.pop().finish()
