"""Writing the sample's files: workbooks (.xlsx, .xls) and CSVs in the encodings offices use.

Three shapes of sheet are written: a case register (`Layout`: title block, one- or two-row
header, data, footer; `write_xlsx`, `write_xls`, `write_csv`), another source's sheet (`Sheet`:
merged title lines, one header row, `date` cells; `write_book`, `write_text`) and a reference
list (one header row; `write_list`). Also how a unit's name is spelled in a file (`unit_name`).

Byte-identical output: every workbook carries the same metadata (`WORKBOOK_CREATED`) and is
built in memory, which fixes its zip timestamps.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
import xlwt

from flows.sample.registry import Unit

WORKBOOK_CREATED = datetime(2020, 11, 21, 7, 30, 0)  # metadata of every workbook written
EXCEL_EPOCH = date(1899, 12, 30).toordinal()
_CREATED = {"created": WORKBOOK_CREATED}

# --------------------------------------------------------------------------------------------
# Unit names as files spell them
# --------------------------------------------------------------------------------------------

_OLD_TONES = {  # new placement → old placement (the registry is written the new way)
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa", "uỳ": "ùy", "uý": "úy",
    "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}  # fmt: skip
_NEW_TO_OLD = {v: k for k, v in _OLD_TONES.items()}  # "òa" (in registry) → "oà" (written)


def _other_tones(text: str) -> str:
    """Write the other tone placement (`Hòa` → `Hoà`, `Ủy` → `Uỷ`)."""
    out = text
    for src, dst in _NEW_TO_OLD.items():
        out = out.replace(src, dst)
    return out.replace("Ủy", "Uỷ")


def unit_name(u: Unit, style: str) -> str:
    """The unit's name as a file spells it: registry, abbrev, old_tone, nfd, upper or alias."""
    name = u.name
    if style == "abbrev":
        if u.kind == "sở" and u.aliases:
            return u.aliases[0]
        for long, short in (("thành phố ", "TP. "), ("thị xã ", "TX. "), ("thị trấn ", "TT. ")):
            name = name.replace(long, short)
        return name
    if style == "old_tone":
        return _other_tones(name.replace("UBND ", "Ủy ban nhân dân ", 1))
    if style == "nfd":
        return unicodedata.normalize("NFD", name)
    if style == "upper":
        return name.upper()
    if style == "alias" and u.aliases:
        return u.aliases[0]
    return name


# --------------------------------------------------------------------------------------------
# Case registers: a laid-out sheet as .xlsx, .xls or CSV
# --------------------------------------------------------------------------------------------

Merge = tuple[int, int, int, int, str]  # first row, first col, last row, last col, text


@dataclass
class Layout:
    """A case register's sheet: its rows and merged cells, and where header and data sit."""

    rows: list[list[Any] | None]  # None = a blank row
    merges: list[Merge]
    header_rows: tuple[int, ...]
    data_start: int
    data_end: int  # exclusive
    date_cols: frozenset[int]


def write_xlsx(path: Path, sheets: list[tuple[str, Layout]], date_cells: bool) -> None:
    """The sheets as an .xlsx; with `date_cells`, numbers in date columns get a date format."""
    # in_memory: fixed zip timestamps (1980-01-01), so the bytes do not depend on the clock.
    # (constant_memory was measured slower here: it escapes every in-line string cell.)
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties({"title": "Sổ theo dõi hồ sơ", "author": "iGate"} | _CREATED)
    bold = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True})
    head = wb.add_format(
        {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1}
    )
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    for name, lay in sheets:
        ws = wb.add_worksheet(name)
        width = max((len(r) for r in lay.rows if r is not None), default=1)
        ws.set_column(0, width - 1, 16)
        header_rows = set(lay.header_rows)
        date_cols = lay.date_cols if date_cells else frozenset()
        merges: dict[int, list[Merge]] = {}
        for m in lay.merges:
            merges.setdefault(m[0], []).append(m)
        write_string, write_number = ws.write_string, ws.write_number
        for r, row in enumerate(lay.rows):
            if row is not None:
                in_data = lay.data_start <= r < lay.data_end and r not in header_rows
                for c, v in enumerate(row):
                    if v is None or v == "":
                        continue
                    if type(v) is str:
                        if r in header_rows:
                            write_string(r, c, v, head)
                        else:
                            write_string(r, c, v)
                    elif in_data and c in date_cols:
                        write_number(r, c, v, date_fmt)
                    else:
                        write_number(r, c, v)
            for r0, c0, r1, c1, v in merges.get(r, ()):
                ws.merge_range(r0, c0, r1, c1, v, head if r0 in header_rows else bold)
    wb.close()


def write_xls(path: Path, sheets: list[tuple[str, Layout]], date_cells: bool) -> None:
    """The sheets as an .xls (BIFF8), formatted as `write_xlsx` does."""
    wb = xlwt.Workbook(encoding="utf-8")
    head = xlwt.easyxf("font: bold on; align: horiz center, vert center, wrap on")
    date_style = xlwt.easyxf(num_format_str="dd/mm/yyyy hh:mm")
    for name, lay in sheets:
        ws = wb.add_sheet(name, cell_overwrite_ok=True)
        header_rows = set(lay.header_rows)
        date_cols = lay.date_cols if date_cells else frozenset()
        for r, row in enumerate(lay.rows):
            if row is None:
                continue
            in_data = lay.data_start <= r < lay.data_end and r not in header_rows
            for c, v in enumerate(row):
                if v is None or v == "":
                    continue
                if r in header_rows:
                    ws.write(r, c, v, head)
                elif in_data and c in date_cols and type(v) is not str:
                    ws.write(r, c, v, date_style)
                else:
                    ws.write(r, c, v)
        for r0, c0, r1, c1, v in lay.merges:
            ws.write_merge(r0, r1, c0, c1, v, head)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())


_CP1258_CACHE: dict[str, bytes] = {}


def _cp1258(text: str) -> bytes:
    """Windows-1258: base letters precomposed where the code page has them, tones combining."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        enc = _CP1258_CACHE.get(ch)
        if enc is None:
            try:
                enc = ch.encode("cp1258")
            except UnicodeEncodeError:
                decomposed = unicodedata.normalize("NFD", ch)
                base, marks = decomposed[0], list(decomposed[1:])
                for m in list(marks):
                    composed = unicodedata.normalize("NFC", base + m)
                    if len(composed) == 1:
                        try:
                            composed.encode("cp1258")
                        except UnicodeEncodeError:
                            continue
                        base = composed
                        marks.remove(m)
                        break
                enc = (base + "".join(marks)).encode("cp1258", errors="replace")
            _CP1258_CACHE[ch] = enc
        out += enc
    return bytes(out)


def write_csv(path: Path, lay: Layout, fmt: str) -> None:
    """One sheet as a CSV: csv_utf8_bom (`;`), csv_cp1258 (`,`) or csv_utf16 (tab), merged
    cells' text in their first cell."""
    delimiter = {"csv_utf8_bom": ";", "csv_cp1258": ",", "csv_utf16": "\t"}[fmt]
    rows = [list(r) if r is not None else [] for r in lay.rows]
    for r0, c0, _, _, v in lay.merges:
        rows[r0][c0] = v
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    text = buf.getvalue()
    if fmt == "csv_utf8_bom":
        data = b"\xef\xbb\xbf" + text.encode("utf-8")
    elif fmt == "csv_utf16":
        data = b"\xff\xfe" + text.encode("utf-16-le")
    else:
        data = _cp1258(text)
    path.write_bytes(data)


# --------------------------------------------------------------------------------------------
# The other sources' sheets: title lines, a header row, data, a footer
# --------------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """A sheet as written: rows (None = blank row), merged title cells, the header row's index."""

    name: str
    rows: list[list[Any] | None]
    merges: list[Merge] = field(default_factory=list)
    header_row: int = 0


def write_book(path: Path, sheets: list[Sheet], author: str) -> None:
    """An .xlsx: str and number cells as given, `date` cells as real dates."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties({"author": author} | _CREATED)
    title = wb.add_format({"bold": True, "align": "center"})
    head = wb.add_format({"bold": True, "align": "center", "text_wrap": True, "border": 1})
    day = wb.add_format({"num_format": "dd/mm/yyyy"})
    for sheet in sheets:
        ws = wb.add_worksheet(sheet.name)
        ws.set_column(0, 12, 15)
        for r, row in enumerate(sheet.rows):
            if row is None:
                continue
            for c, v in enumerate(row):
                if v is None or v == "":
                    continue
                if type(v) is str:
                    ws.write_string(r, c, v, head if r == sheet.header_row else None)
                elif type(v) is date:
                    ws.write_number(r, c, v.toordinal() - EXCEL_EPOCH, day)
                else:
                    ws.write_number(r, c, v)
        for r0, c0, r1, c1, text in sheet.merges:
            ws.merge_range(r0, c0, r1, c1, text, title)
    wb.close()


def write_text(path: Path, sheet: Sheet, fmt: str) -> None:
    """A CSV (one sheet) in one of the sample's encodings; dates as dd/mm/yyyy text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        None if r is None else [f"{v:%d/%m/%Y}" if type(v) is date else v for v in r]
        for r in sheet.rows
    ]
    for r0, c0, _, _, text in sheet.merges:
        row = rows[r0] or []
        row += [None] * (c0 + 1 - len(row))
        row[c0] = text
        rows[r0] = row
    lay = Layout(rows, [], (sheet.header_row,), sheet.header_row + 1, len(rows), frozenset())
    write_csv(path, lay, fmt)


def title_rows(
    width: int, lines: Sequence[str | None]
) -> tuple[list[list[Any] | None], list[Merge]]:
    """Title rows, each merged over the sheet's width, then a blank row."""
    rows: list[list[Any] | None] = []
    merges: list[Merge] = []
    for line in lines:
        if line is None:
            rows.append(None)
            continue
        merges.append((len(rows), 0, len(rows), max(width - 1, 1), line))
        rows.append([None] * width)
    rows.append(None)
    return rows, merges


def footer_rows(width: int, total: str, signers: tuple[str, str], end: date) -> list[Any]:
    """Blank row, total, place and date, the signers' titles (the second column, where a
    required field often sits) and their names."""
    right = max(width - 3, 2)
    place = [None] * width
    place[right] = f"Trà Vinh, ngày {end.day:02d} tháng {end.month:02d} năm {end.year}"
    labels = [None] * width
    labels[1] = "Người lập biểu"
    labels[right] = "THỦ TRƯỞNG ĐƠN VỊ"
    names = [None] * width
    names[1], names[right] = signers
    return [None, [total], place, labels, None, None, names]


# --------------------------------------------------------------------------------------------
# Reference lists
# --------------------------------------------------------------------------------------------


def write_list(path: Path, headers: Sequence[str], rows: list[list[Any]]) -> None:
    """A reference list as an .xlsx: one header row, `date` cells as real dates."""
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties({"author": "KSTT"} | _CREATED)
    head = wb.add_format({"bold": True})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws = wb.add_worksheet("Danh mục")
    ws.set_column(0, len(headers) - 1, 18)
    for c, h in enumerate(headers):
        ws.write_string(0, c, h, head)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, date):
                ws.write_number(r, c, v.toordinal() - EXCEL_EPOCH, date_fmt)
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            else:
                ws.write_number(r, c, v)
    wb.close()
