"""A table of the page as a file: `.xlsx` with numbers as numbers, `.csv` for Excel.

The first row holds the Vietnamese column labels, then the total row (when the table has one),
then the rows, as on the page. In the workbook counts are numbers shown `#,##0`, rates are
fractions shown as percentages and dates are dates, so an analyst can sum and chart them; a
second sheet says what the table is and which selection it comes from. The CSV is UTF-8 with
a byte-order mark: without one Excel reads it as ANSI and garbles every Vietnamese letter.
"""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import date, datetime, time
from typing import Any

import xlsxwriter

from flows.dashboard.queries import NO_SECTOR, XLSX_MAX_ROWS, Table

TOTAL_LABEL = "Tổng cộng"


def _records(table: Table) -> list[tuple[bool, dict[str, Any]]]:
    """(is_total, row) in file order; the total's first column carries its label."""
    out: list[tuple[bool, dict[str, Any]]] = []
    if table.total is not None:
        total = dict(table.total)
        first = table.columns[0].id
        if first not in total:
            total[first] = TOTAL_LABEL
        out.append((True, total))
    out += [(False, row) for row in table.rows]
    return out


def _cell(row: dict[str, Any], column_id: str) -> Any:
    value = row.get(column_id)
    if column_id == "sector" and value is None and "sector" in row:
        return NO_SECTOR
    return value


def file_stem(table: Table, period: str | None) -> str:
    """`bieu06_2020-Q3`: the table's name and the period, nothing a file system refuses."""
    stem = f"{table.name}_{period}" if period else table.name
    return re.sub(r"[^\w.-]+", "_", stem)


def _sheet_name(title: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\ .
    name = re.sub(r"[\[\]:*?/\\]", " ", title.split(" — ")[0]).strip()
    return name[:31] or "Dữ liệu"


def to_xlsx(table: Table, context: list[str]) -> bytes:
    """The table as a workbook; `context` lines (period, selection, as-of) go on sheet 2."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    try:
        sheet = workbook.add_worksheet(_sheet_name(table.title))
        header = workbook.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EDF4", "border": 1}
        )
        formats: dict[tuple[str, bool], Any] = {}
        for bold in (False, True):
            base = {"bold": True} if bold else {}
            formats[("int", bold)] = workbook.add_format({**base, "num_format": "#,##0"})
            formats[("dec", bold)] = workbook.add_format({**base, "num_format": "#,##0.0"})
            formats[("rate", bold)] = workbook.add_format({**base, "num_format": "0.0%"})
            formats[("date", bold)] = workbook.add_format({**base, "num_format": "dd/mm/yyyy"})
            formats[("datetime", bold)] = workbook.add_format(
                {**base, "num_format": "dd/mm/yyyy hh:mm"}
            )
            formats[("text", bold)] = workbook.add_format(base)
        widths = [min(max(len(c.label), 8), 30) for c in table.columns]
        for c, column in enumerate(table.columns):
            sheet.write_string(0, c, column.label, header)
        records = _records(table)[:XLSX_MAX_ROWS]
        for r, (is_total, row) in enumerate(records, start=1):
            for c, column in enumerate(table.columns):
                value = _cell(row, column.id)
                numeric = column.kind in ("int", "dec", "rate")
                fmt = formats[(column.kind if numeric else "text", is_total)]
                if value is None:
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(r, c, value, fmt)
                elif isinstance(value, int | float) and numeric:
                    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
                        continue
                    sheet.write_number(r, c, value, fmt)
                elif isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, formats[("datetime", is_total)])
                elif isinstance(value, date):
                    sheet.write_datetime(
                        r, c, datetime.combine(value, time()), formats[("date", is_total)]
                    )
                else:
                    # write_string: a code such as 000.00.52.H48 or 001234 stays text.
                    text = str(value)
                    sheet.write_string(r, c, text, fmt)
                    widths[c] = max(widths[c], min(len(text), 60))
        for c, width in enumerate(widths):
            sheet.set_column(c, c, width + 2)
        sheet.freeze_panes(1, 0)
        if table.rows or table.total:
            sheet.autofilter(0, 0, len(records), len(table.columns) - 1)

        about = workbook.add_worksheet("Thông tin")
        bold = workbook.add_format({"bold": True})
        about.write_string(0, 0, table.title, bold)
        lines = list(context) + list(table.notes)
        if len(_records(table)) > XLSX_MAX_ROWS:
            lines.append(
                f"Chỉ ghi {XLSX_MAX_ROWS:,} dòng đầu (giới hạn của Excel)".replace(",", ".")
            )
        for r, line in enumerate(lines, start=2):
            about.write_string(r, 0, line)
        about.set_column(0, 0, 100)
    finally:
        workbook.close()
    return buffer.getvalue()


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv(table: Table) -> bytes:
    """The table as CSV: comma-separated, `.` decimals, ISO dates, UTF-8 with a BOM."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label for c in table.columns])
    for _, row in _records(table):
        writer.writerow([_csv_value(_cell(row, c.id)) for c in table.columns])
    return out.getvalue().encode("utf-8-sig")
