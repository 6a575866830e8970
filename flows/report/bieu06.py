"""`bieu06_<P>.xlsx`: Biểu số 06/VPCP/KSTT in the official layout, and the late cases behind it.

Sheet «Biểu 06»: the title block, the merged header, the numbered column row `(1) … (13)`, a
total row for the whole province (or the chosen units), then one block per unit — its total row
(I, II, …) and one row per sector (1, 2, …). Totals are formulas carrying their values, so the
sheet stays right when an analyst corrects a cell and a reader that does not calculate still
sees the numbers. Sheet «Hồ sơ quá hạn»: every case resolved late in the period or pending and
overdue at its end, from fct_filings. Sheet «Văn bản bắt buộc», when the warehouse has the
required documents of the period's year: every unit that must issue each of them, whether it
did, by the deadline, and the document (ind_required_documents, docs/spec.md §9).
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from flows.ingest.text import name_key
from flows.report.charts import NO_SECTOR
from flows.report.content import level_name, scope_text
from flows.report.data import BIEU06_COLUMNS, ReportData, unit_key
from flows.report.numbers import fmt_date, fmt_int

FONT = "Times New Roman"
SHEET = "Biểu 06"
CASES_SHEET = "Hồ sơ quá hạn"
REQUIRED_SHEET = "Văn bản bắt buộc"
FORM = "Biểu số 06/VPCP/KSTT"
TITLE = (
    "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ "
    "TRỰC TIẾP GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
)

# Data columns C…M: (column of rpt_bieu06, or a formula over other columns by index).
# Index 0 is column C = (3).
VALUE_COLUMNS: list[tuple[str, tuple[int, ...] | None]] = [
    ("received_all", (1, 2, 3)),  # (3) = (4) + (5) + (6)
    ("received_online", None),
    ("received_direct_postal", None),
    ("carried_over", None),
    ("resolved_total", (5, 6, 7)),  # (7) = (8) + (9) + (10)
    ("resolved_early", None),
    ("resolved_on_time", None),
    ("resolved_late", None),
    ("pending_total", (9, 10)),  # (11) = (12) + (13)
    ("pending_not_due", None),
    ("pending_overdue", None),
]
FIRST_VALUE_COL = 2  # column C
LABEL_WIDTH = 36  # column B
HEADER_TOP = 4  # first row of the merged header (0-based)
NUMBER_ROW = HEADER_TOP + 3
FIRST_DATA_ROW = NUMBER_ROW + 1

CHANNELS = {"online": "Trực tuyến", "postal": "Bưu chính công ích", "direct": "Trực tiếp"}
LATE_KINDS = {
    "resolved_late": "Đã giải quyết, quá hạn",
    "pending_overdue": "Đang giải quyết, quá hạn",
}

_ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC")]
_ROMAN += [(50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def roman(number: int) -> str:
    out = []
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def _fit_row(ws: Any, row: int, cells: list[tuple[str, float]], bold: bool = False) -> None:
    """Give a row the height its wrapped text needs (readers do not always compute it)."""
    factor = 1.1 if bold else 1.0  # characters are a little wider than a column-width unit
    lines = max(math.ceil(len(text) * factor / width) for text, width in cells if text) or 1
    if lines > 1:
        ws.set_row(row, 15 * lines)


def _sector_sort(sector: str) -> tuple[bool, str]:
    return (sector == NO_SECTOR, name_key(sector) or "")


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        base = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}

        def fmt(**kw: Any) -> Any:
            return book.add_format({**base, **kw})

        self.form = fmt(bold=True)
        self.form_note = fmt(italic=True, font_size=10)
        self.title = fmt(bold=True, font_size=12, align="center", text_wrap=True)
        self.subtitle = fmt(bold=True, align="center")
        self.italic_center = fmt(italic=True, align="center")
        self.right_block = fmt(text_wrap=True, align="left")
        self.header = fmt(bold=True, align="center", text_wrap=True, border=1, bg_color="#F2F2F2")
        self.number_row = fmt(italic=True, align="center", border=1, font_size=10)
        self.total_label = fmt(bold=True, border=1, text_wrap=True)
        self.total_value = fmt(bold=True, border=1, num_format="#,##0")
        self.unit_label = fmt(bold=True, border=1, text_wrap=True, bg_color="#F7F7F7")
        self.unit_value = fmt(bold=True, border=1, num_format="#,##0", bg_color="#F7F7F7")
        self.unit_stt = fmt(bold=True, border=1, align="center", bg_color="#F7F7F7")
        self.stt = fmt(border=1, align="center")
        self.label = fmt(border=1, text_wrap=True)
        self.value = fmt(border=1, num_format="#,##0")
        self.note = fmt(italic=True, font_size=10, text_wrap=True, valign="top")
        self.sign = fmt(bold=True, align="center")
        self.sign_note = fmt(italic=True, align="center")
        self.cell = fmt(border=1, text_wrap=True, valign="top")
        self.cell_center = fmt(border=1, align="center", valign="top")
        self.date = fmt(border=1, num_format="dd/mm/yyyy hh:mm", align="center", valign="top")
        self.int_cell = fmt(border=1, num_format="#,##0", valign="top")
        self.day = fmt(border=1, num_format="dd/mm/yyyy", align="center", valign="top")


def write_bieu06(data: ReportData, target: Path) -> Path:
    """Write the workbook to `target` and return it."""
    book = xlsxwriter.Workbook(str(target), {"strings_to_numbers": False})
    book.set_properties({"title": f"{FORM} — {data.period.label}", "created": _created(data)})
    formats = _Formats(book)
    _form_sheet(book, formats, data)
    _cases_sheet(book, formats, data)
    if data.required is not None:
        _required_sheet(book, formats, data)
    book.close()
    return target


def _created(data: ReportData) -> datetime:
    day = data.as_of or data.period.end
    return datetime(day.year, day.month, day.day)


def _blocks(data: ReportData) -> list[tuple[str, pd.DataFrame]]:
    """(unit name, its sector rows) in the order of the report's units."""
    frame = data.bieu06.copy()
    frame["sector"] = frame["sector"].fillna(NO_SECTOR)
    frame["received_all"] = frame["received_total"] + frame["carried_over"]
    blocks = []
    for unit in data.units:
        rows = frame[frame["unit_key"] == unit_key(unit.code, unit.name)]
        if rows.empty:
            continue
        rows = rows.groupby("sector", as_index=False)[["received_all", *BIEU06_COLUMNS]].sum()
        rows = rows.iloc[sorted(range(len(rows)), key=lambda i: _sector_sort(rows["sector"][i]))]
        blocks.append((unit.name, rows.reset_index(drop=True)))
    return blocks


def _form_sheet(book: xlsxwriter.Workbook, f: _Formats, data: ReportData) -> None:
    ws = book.add_worksheet(SHEET)
    last_col = FIRST_VALUE_COL + len(VALUE_COLUMNS) - 1  # M
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, LABEL_WIDTH)
    ws.set_column(FIRST_VALUE_COL, last_col, 11)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_TOP, NUMBER_ROW)

    # Title block
    ws.merge_range(0, 0, 0, 2, FORM, f.form)
    ws.merge_range(1, 0, 1, 2, "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP", f.form_note)
    ws.merge_range(2, 0, 2, 2, "Ngày nhận báo cáo (BC): ……………", f.form_note)
    ws.merge_range(0, 3, 0, 9, TITLE, f.title)
    ws.merge_range(1, 3, 1, 9, f"Kỳ báo cáo: {data.period.label}", f.subtitle)
    ws.merge_range(
        2, 3, 2, 9,
        f"(Từ ngày {fmt_date(data.period.start)} đến ngày {fmt_date(data.period.end)})",
        f.italic_center,
    )  # fmt: skip
    ws.merge_range(0, 10, 0, last_col, f"Đơn vị báo cáo: {scope_text(data)}", f.right_block)
    ws.merge_range(1, 10, 1, last_col, "Đơn vị nhận báo cáo: ……………", f.right_block)
    ws.merge_range(2, 10, 2, last_col, "Đơn vị tính: Số hồ sơ (HS)", f.right_block)
    ws.set_row(0, 48)

    # Header: three rows, merged
    top, mid, low = HEADER_TOP, HEADER_TOP + 1, HEADER_TOP + 2
    ws.merge_range(top, 0, low, 0, "STT", f.header)
    ws.merge_range(top, 1, low, 1, "Lĩnh vực, công việc giải quyết theo cấp", f.header)
    c = FIRST_VALUE_COL
    ws.merge_range(top, c, top, c + 3, "Số hồ sơ nhận giải quyết", f.header)
    ws.merge_range(mid, c, low, c, "Tổng số", f.header)
    ws.merge_range(mid, c + 1, mid, c + 2, "Trong kỳ", f.header)
    ws.write(low, c + 1, "Trực tuyến", f.header)
    ws.write(low, c + 2, "Trực tiếp và dịch vụ bưu chính", f.header)
    ws.merge_range(mid, c + 3, low, c + 3, "Từ kỳ trước", f.header)
    ws.merge_range(top, c + 4, top, c + 7, "Số hồ sơ đã giải quyết", f.header)
    for offset, text in enumerate(("Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn")):
        ws.merge_range(mid, c + 4 + offset, low, c + 4 + offset, text, f.header)
    ws.merge_range(top, c + 8, top, c + 10, "Số hồ sơ đang giải quyết", f.header)
    for offset, text in enumerate(("Tổng số", "Chưa đến hạn", "Quá hạn")):
        ws.merge_range(mid, c + 8 + offset, low, c + 8 + offset, text, f.header)
    ws.set_row(top, 30)
    ws.set_row(mid, 30)
    ws.set_row(low, 45)
    for col in range(last_col + 1):
        ws.write(NUMBER_ROW, col, f"({col + 1})", f.number_row)

    # Body
    blocks = _blocks(data)
    grand = FIRST_DATA_ROW
    row = grand + 1
    unit_rows: list[int] = []
    totals = {name: 0 for name, _ in VALUE_COLUMNS}
    for number, (unit_name, sectors) in enumerate(blocks, start=1):
        unit_row = row
        unit_rows.append(unit_row)
        ws.write(unit_row, 0, roman(number), f.unit_stt)
        ws.write(unit_row, 1, unit_name, f.unit_label)
        _fit_row(ws, unit_row, [(unit_name, LABEL_WIDTH)], bold=True)
        first, last = unit_row + 1, unit_row + len(sectors)
        for index, (column, _) in enumerate(VALUE_COLUMNS):
            col = FIRST_VALUE_COL + index
            value = int(sectors[column].sum())
            totals[column] += value
            span = f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)}"
            ws.write_formula(unit_row, col, f"=SUM({span})", f.unit_value, value)
        for stt, sector in enumerate(sectors.itertuples(index=False), start=1):
            r = unit_row + stt
            ws.write(r, 0, stt, f.stt)
            ws.write(r, 1, sector.sector, f.label)
            _fit_row(ws, r, [(sector.sector, LABEL_WIDTH)])
            _write_values(ws, r, sector._asdict(), f.value)
        row = last + 1

    ws.write(grand, 0, "", f.total_label)
    label = "TỔNG CỘNG TOÀN TỈNH" if not data.chosen else "TỔNG CỘNG CÁC ĐƠN VỊ"
    ws.write(grand, 1, label, f.total_label)
    for index, (column, _) in enumerate(VALUE_COLUMNS):
        col = FIRST_VALUE_COL + index
        if unit_rows and len(unit_rows) <= 200:
            formula = "=" + "+".join(xl_rowcol_to_cell(r, col) for r in unit_rows)
            ws.write_formula(grand, col, formula, f.total_value, totals[column])
        else:
            ws.write_number(grand, col, totals[column], f.total_value)
    if not blocks:
        ws.merge_range(
            row, 0, row, last_col, "Không có hồ sơ nào trong kỳ báo cáo.", f.label
        )  # fmt: skip
        row += 1
    ws.freeze_panes(FIRST_DATA_ROW, 2)

    # Notes and signatures
    other = int(data.bieu06["other_ended"].sum()) if len(data.bieu06) else 0
    notes = [
        "Ghi chú: (3) = (4) + (5) + (6); (7) = (8) + (9) + (10); (11) = (12) + (13). "
        "Hồ sơ đang giải quyết quá hạn (13): chưa có kết quả đến cuối kỳ và đã qua ngày hẹn trả.",
        f"Trong kỳ có {fmt_int(other)} hồ sơ công dân rút hoặc dừng xử lý: có trong cột (3) nhưng "
        "không thuộc cột (7) hay (11); vì vậy (3) = (7) + (11) + số hồ sơ rút, dừng xử lý.",
        "Nguồn: dữ liệu xuất từ hệ thống một cửa điện tử (iGate)"
        + (f", số liệu đến ngày {fmt_date(data.as_of)}." if data.as_of else ".")
        + f" Danh sách hồ sơ quá hạn ở trang «{CASES_SHEET}».",
    ]
    row += 1
    for note in notes:
        ws.merge_range(row, 0, row, last_col, note, f.note)
        ws.set_row(row, 28)
        row += 1
    row += 1
    ws.merge_range(row, 9, row, last_col, "……, ngày …… tháng …… năm ……", f.sign_note)
    row += 1
    ws.write(row, 1, "NGƯỜI LẬP BIỂU", f.sign)
    ws.merge_range(row, 9, row, last_col, "THỦ TRƯỞNG ĐƠN VỊ", f.sign)
    row += 1
    ws.write(row, 1, "(Ký, ghi rõ họ tên)", f.sign_note)
    ws.merge_range(row, 9, row, last_col, "(Ký tên, đóng dấu)", f.sign_note)


def _write_values(ws: Any, row: int, values: dict[str, Any], fmt: Any) -> None:
    for index, (column, parts) in enumerate(VALUE_COLUMNS):
        col = FIRST_VALUE_COL + index
        value = int(values[column])
        if parts is None:
            ws.write_number(row, col, value, fmt)
        else:
            cells = "+".join(xl_rowcol_to_cell(row, FIRST_VALUE_COL + p) for p in parts)
            ws.write_formula(row, col, f"={cells}", fmt, value)


CASE_COLUMNS = [
    ("STT", 6),
    ("Mã hồ sơ", 26),
    ("Thủ tục hành chính", 40),
    ("Lĩnh vực", 18),
    ("Đơn vị", 30),
    ("Kênh nộp", 13),
    ("Ngày tiếp nhận", 16),
    ("Ngày hẹn trả", 16),
    ("Ngày có kết quả", 16),
    ("Ngày trả kết quả", 16),
    ("Tình trạng tại cuối kỳ", 22),
    ("Số ngày quá hạn (ngày lịch)", 12),
]


def _timestamp(value: Any) -> datetime | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).to_pydatetime()


def _cases_sheet(book: xlsxwriter.Workbook, f: _Formats, data: ReportData) -> None:
    ws = book.add_worksheet(CASES_SHEET)
    last_col = len(CASE_COLUMNS) - 1
    for col, (_, width) in enumerate(CASE_COLUMNS):
        ws.set_column(col, col, width)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    cases = data.late_cases
    ws.merge_range(0, 0, 0, last_col, "DANH SÁCH HỒ SƠ QUÁ HẠN", f.title)
    ws.merge_range(
        1, 0, 1, last_col,
        f"Kỳ báo cáo: {data.period.label} ({data.period.span}) — hồ sơ giải quyết quá hạn "
        "trong kỳ và hồ sơ đang giải quyết đã quá hạn đến cuối kỳ",
        f.italic_center,
    )  # fmt: skip
    header_row = 3
    for col, (text, _) in enumerate(CASE_COLUMNS):
        ws.write(header_row, col, text, f.header)
    ws.set_row(header_row, 32)
    ws.repeat_rows(header_row)
    row = header_row + 1
    for stt, case in enumerate(cases.itertuples(index=False), start=1):
        ws.write_number(row, 0, stt, f.cell_center)
        texts = [
            case.case_code,
            case.procedure_name or case.procedure_code or "",
            case.sector or NO_SECTOR,
            case.unit_name or "",
        ]
        for col, text in enumerate(texts, start=1):
            ws.write_string(row, col, text, f.cell)
        _fit_row(ws, row, [(t, CASE_COLUMNS[c][1]) for c, t in enumerate(texts, start=1)])
        ws.write_string(row, 5, CHANNELS.get(case.channel or "direct", case.channel), f.cell)
        for col, value in zip(
            range(6, 10),
            (case.received_at, case.due_at, case.finished_at, case.returned_at),
            strict=True,
        ):
            stamp = _timestamp(value)
            if stamp is None:
                ws.write_blank(row, col, None, f.date)
            else:
                ws.write_datetime(row, col, stamp, f.date)
        ws.write_string(row, 10, LATE_KINDS[case.late_kind], f.cell)
        if case.days_late is None or pd.isna(case.days_late):
            ws.write_blank(row, 11, None, f.int_cell)
        else:
            ws.write_number(row, 11, int(case.days_late), f.int_cell)
        row += 1
    if len(cases):
        ws.autofilter(header_row, 0, row - 1, last_col)
    ws.freeze_panes(header_row + 1, 2)
    listed_overdue = int((cases["late_kind"] == "pending_overdue").sum()) if len(cases) else 0
    counted = int(data.bieu06["pending_overdue"].sum()) if len(data.bieu06) else 0
    row += 1
    late = int((cases["late_kind"] == "resolved_late").sum()) if len(cases) else 0
    summary = (
        f"Tổng cộng {fmt_int(len(cases))} hồ sơ: {fmt_int(late)} hồ sơ giải quyết quá hạn, "
        f"{fmt_int(listed_overdue)} hồ sơ đang giải quyết quá hạn."
    )
    ws.merge_range(row, 0, row, last_col, summary, f.note)
    if counted > listed_overdue:
        row += 1
        ws.merge_range(
            row, 0, row, last_col,
            f"Biểu 06 tính thêm {fmt_int(counted - listed_overdue)} hồ sơ đang giải quyết quá "
            "hạn không có ngày hẹn trả (quá thời hạn giải quyết của thủ tục); các hồ sơ này "
            "không có trong danh sách.",
            f.note,
        )  # fmt: skip


REQUIRED_COLUMNS = [
    ("STT", 6),
    ("Văn bản phải ban hành", 40),
    ("Hạn ban hành", 12),
    ("Mã đơn vị", 16),
    ("Đơn vị", 32),
    ("Cấp", 11),
    ("Tình trạng", 17),
    ("Số, ký hiệu", 16),
    ("Ngày ban hành", 12),
    ("Số văn bản khớp", 10),
]


def _required_status(row: Any) -> str:
    if not row.is_issued:
        return "Chưa ban hành"
    return "Ban hành sau hạn" if row.is_late else "Đã ban hành"


def _required_sheet(book: xlsxwriter.Workbook, f: _Formats, data: ReportData) -> None:
    ws = book.add_worksheet(REQUIRED_SHEET)
    last_col = len(REQUIRED_COLUMNS) - 1
    for col, (_, width) in enumerate(REQUIRED_COLUMNS):
        ws.set_column(col, col, width)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    year = data.period.start.year
    ws.merge_range(
        0, 0, 0, last_col, f"TÌNH HÌNH BAN HÀNH KẾ HOẠCH, BÁO CÁO THEO YÊU CẦU NĂM {year}", f.title
    )
    ws.merge_range(
        1, 0, 1, last_col,
        "Theo danh mục văn bản phải ban hành và sổ văn bản đi của các đơn vị: mỗi đơn vị phải "
        "ban hành một dòng; văn bản nêu là văn bản sớm nhất đáp ứng yêu cầu",
        f.italic_center,
    )  # fmt: skip
    header_row = 3
    for col, (text, _) in enumerate(REQUIRED_COLUMNS):
        ws.write(header_row, col, text, f.header)
    ws.set_row(header_row, 32)
    ws.repeat_rows(header_row)
    assert data.required is not None
    row = header_row + 1
    for stt, item in enumerate(data.required.itertuples(index=False), start=1):
        ws.write_number(row, 0, stt, f.cell_center)
        ws.write_string(row, 1, item.label, f.cell)
        _write_day(ws, row, 2, item.deadline, f.day)
        texts = [item.unit_code, item.unit_name, level_name(item.unit_level)]
        texts += [_required_status(item), item.doc_number if item.is_issued else ""]
        for col, text in enumerate(texts, start=3):
            ws.write_string(row, col, text, f.cell)
        _fit_row(ws, row, [(item.label, 40), (item.unit_name, 32)])
        _write_day(ws, row, 8, item.issued_on, f.day)
        ws.write_number(row, 9, int(item.documents_matched), f.int_cell)
        row += 1
    ws.autofilter(header_row, 0, row - 1, last_col)
    ws.freeze_panes(header_row + 1, 2)


def _write_day(ws: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    if value is None or pd.isna(value):
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt)
