"""The units' own Biểu 06 reports (raw/reports/), as they send them to the province.

Built on the cases (docs/spec.md §3.6): some close to what iGate holds, one far above it (files
handled on paper), one from a commune with no file on iGate at all; laid out as the official
form, as our own report, or typed by hand.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flows.ingest.text import name_key
from flows.sample.cases import Case
from flows.sample.registry import DATA_END, LAST_DAY, Unit, ucode
from flows.sample.writers import Merge, Sheet, footer_rows, title_rows, write_book

# The columns of Biểu số 06/VPCP/KSTT after STT and Lĩnh vực, in the form's order (3)…(13).
_FORM_COLUMNS = (
    "received_all", "received_online", "received_direct_postal", "carried_over",
    "resolved_total", "resolved_early", "resolved_on_time", "resolved_late",
    "pending_total", "pending_not_due", "pending_overdue",
)  # fmt: skip
_FORM_TITLE = (
    "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT "
    "THỦ TỤC HÀNH CHÍNH"
)
_QUARTER_NAMES = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class _Report:
    """One report a unit sends: its unit, period, how it relates to iGate, how it is laid out."""

    unit_code: str
    label: str  # Kỳ báo cáo: …
    start: date
    end: date
    kind: str  # close (≈ iGate), paper (far above iGate), paper_only (no iGate file at all)
    style: str  # official (4-row header), ours (our own report's layout), typed (by hand)
    path: str  # under raw/reports/
    unit_in_title: bool = True
    total_typo: bool = False  # the total row is mistyped in one cell


def _reports_plan() -> list[_Report]:
    cang_long, tra_cu, tu_phap, tnmt = ucode(52), ucode(57), ucode(2), ucode(9)
    an_truong = ucode(52, 21)  # UBND xã An Trường: no file on iGate in 2020
    plan = []
    for q in (1, 2, 3):
        start = date(2020, 3 * q - 2, 1)
        end = date(2020, 3 * q + 1, 1) - timedelta(days=1)
        plan.append(
            _Report(cang_long, f"Quý {_QUARTER_NAMES[q]} năm 2020", start, end, "close",
                    "official", f"2020/Càng Long/Biểu 06 - Quý {_QUARTER_NAMES[q]} năm 2020.xlsx")
        )  # fmt: skip
    q3 = (date(2020, 7, 1), date(2020, 9, 30))
    plan += [
        _Report(tu_phap, "Tháng 10 năm 2020", date(2020, 10, 1), date(2020, 10, 31), "close",
                "ours", "2020/Sở Tư pháp - Biểu 06 tháng 10 năm 2020.xlsx"),
        _Report(tnmt, "Năm 2020", date(2020, 1, 1), LAST_DAY, "close", "official",
                "2020/Sở TNMT - báo cáo năm 2020.xlsx", total_typo=True),
        _Report(tra_cu, "Quý III năm 2020", *q3, "paper", "typed",
                "2020/Trà Cú/BC KSTT quý 3-2020.xlsx"),
        _Report(an_truong, "Quý III năm 2020", *q3, "paper_only", "typed",
                "2020/xa/Bieu06_UBND xa An Truong_Q3-2020.xlsx", unit_in_title=False),
    ]  # fmt: skip
    return plan


def _case_end(c: Case, seen: datetime) -> date | None:
    """The date a case ended, as the last export showing it says (None while it is open)."""
    status, finished, returned = c.state(seen)
    if status in (9, 10):
        return (finished or returned or c.received).date()
    if status in (7, 8):
        return (c.end or c.received).date()
    return None


def _igate_figures(
    cases: Sequence[Case],
    received: set[int],
    seen: dict[int, datetime],
    code: str,
    start: date,
    end: date,
) -> dict[str, dict[str, int]]:
    """Biểu 06 per sector of one unit from the cases iGate holds (docs/spec.md §5 rpt_bieu06)."""
    out: dict[str, dict[str, int]] = {}
    for i in sorted(received):
        c = cases[i]
        if c.unit.code != code or c.received.date() > end:
            continue
        at = seen.get(i, DATA_END)
        ended = _case_end(c, at)
        if ended is not None and ended < start:
            continue
        row = out.setdefault(c.proc.sector, dict.fromkeys(_FORM_COLUMNS, 0))
        if c.received.date() >= start:
            row["received_online" if c.channel == "online" else "received_direct_postal"] += 1
        else:
            row["carried_over"] += 1
        status = c.state(at)[0]
        due = c.due.date() if c.due is not None else None
        if ended is not None and ended <= end:
            if status in (9, 10):
                outcome = (
                    "resolved_on_time"
                    if due is None or ended == due
                    else "resolved_early"
                    if ended < due
                    else "resolved_late"
                )
                row[outcome] += 1
        else:
            row["pending_overdue" if due is not None and due < end else "pending_not_due"] += 1
    return out


def _paper_only_figures(rng: random.Random) -> dict[str, dict[str, int]]:
    """A commune that works on paper: its own figures, none of them on iGate."""
    out = {}
    for sector, low, high in (("Hộ tịch", 40, 90), ("Chứng thực", 80, 160), ("Tư pháp", 2, 6)):
        row = dict.fromkeys(_FORM_COLUMNS, 0)
        row["received_direct_postal"] = rng.randint(low, high)
        row["carried_over"] = rng.randint(0, 3)
        row["resolved_early"] = row["received_direct_postal"] // 3
        row["resolved_on_time"] = row["received_direct_postal"] - row["resolved_early"]
        row["pending_not_due"] = row["carried_over"]
        out[sector] = row
    return out


def _complete(row: dict[str, int]) -> dict[str, int]:
    row["received_all"] = row["received_online"] + row["received_direct_postal"]
    row["received_all"] += row["carried_over"]
    row["resolved_total"] = row["resolved_early"] + row["resolved_on_time"] + row["resolved_late"]
    row["pending_total"] = row["pending_not_due"] + row["pending_overdue"]
    return row


def _reported(report: _Report, figures: dict[str, dict[str, int]], rng: random.Random):
    """What the unit writes: iGate's figures nudged (close), or its paper files added."""
    out = {}
    for sector in sorted(figures, key=lambda x: name_key(x) or ""):
        row = dict(figures[sector])
        if report.kind == "close" and rng.random() < 0.4:
            extra = rng.randint(1, 3)  # a few files counted by hand, still open at the end
            row["received_direct_postal"] += extra
            row["pending_not_due"] += extra
        elif report.kind == "paper":
            extra = round(row["received_direct_postal"] * rng.uniform(1.5, 2.5)) + 5
            row["received_direct_postal"] += extra
            done = round(extra * 0.85)
            row["resolved_on_time"] += done
            row["pending_not_due"] += extra - done
        out[sector] = _complete(row)
    return out


def _form_header(first: int, style: str) -> tuple[list[list[Any] | None], list[Merge], int]:
    """The header rows of the form from row `first`, their merges, and the rows it takes."""
    width = 2 + len(_FORM_COLUMNS)
    if style == "typed":
        # Two rows, other spellings: a hand-made sheet.
        top: list[Any] = ["STT", "Lĩnh vực"] + [None] * len(_FORM_COLUMNS)
        low: list[Any] = [None, None, "Tổng số", "Trực tuyến", "Trực tiếp và BCCI",
                          "Tồn kỳ trước", "Tổng", "Trước hạn", "Đúng hạn", "Trễ hạn", "Tổng",
                          "Trong hạn", "Quá hạn"]  # fmt: skip
        merges = [
            (first, 0, first + 1, 0, "STT"),
            (first, 1, first + 1, 1, "Lĩnh vực"),
            (first, 2, first, 5, "Tiếp nhận"),
            (first, 6, first, 9, "Đã giải quyết"),
            (first, 10, first, 12, "Đang giải quyết"),
        ]
        return [top, low], merges, 2
    if style == "ours":
        # Our own report's layout (flows/report/bieu06.py): three rows.
        rows: list[list[Any] | None] = [[None] * width for _ in range(3)]
        merges = [
            (first, 0, first + 2, 0, "STT"),
            (first, 1, first + 2, 1, "Lĩnh vực, công việc giải quyết theo cấp"),
            (first, 2, first, 5, "Số hồ sơ nhận giải quyết"),
            (first + 1, 2, first + 2, 2, "Tổng số"),
            (first + 1, 3, first + 1, 4, "Trong kỳ"),
            (first + 1, 5, first + 2, 5, "Từ kỳ trước"),
            (first, 6, first, 9, "Số hồ sơ đã giải quyết"),
            (first, 10, first, 12, "Số hồ sơ đang giải quyết"),
        ]
        for col, text in zip(
            range(6, 13),
            ("Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn", "Tổng số", "Chưa đến hạn", "Quá hạn"),
            strict=True,
        ):
            merges.append((first + 1, col, first + 2, col, text))
        rows[2][3], rows[2][4] = "Trực tuyến", "Trực tiếp và dịch vụ bưu chính"
        return rows, merges, 3
    # The official form of Circular 01/2020/TT-VPCP: four rows.
    rows = [[None] * width for _ in range(4)]
    merges = [
        (first, 0, first + 3, 0, "STT"),
        (first, 1, first + 3, 1, "Lĩnh vực, công việc giải quyết theo cấp"),
        (first, 2, first, 5, "Số hồ sơ nhận giải quyết"),
        (first + 1, 2, first + 3, 2, "Tổng số"),
        (first + 1, 3, first + 1, 5, "Trong đó"),
        (first + 2, 3, first + 3, 3, "Số kỳ trước chuyển qua"),
        (first + 2, 4, first + 2, 5, "Số mới tiếp nhận"),
        (first, 6, first, 12, "Kết quả giải quyết"),
        (first + 1, 6, first + 1, 9, "Số hồ sơ đã giải quyết"),
        (first + 1, 10, first + 1, 12, "Số hồ sơ đang giải quyết"),
    ]
    for col, text in zip(range(6, 13), ("Tổng số", "Trả trước hạn", "Trả đúng thời hạn",
                                         "Trả quá hạn", "Tổng số", "Chưa đến hạn", "Quá hạn"),
                         strict=True):  # fmt: skip
        merges.append((first + 2, col, first + 3, col, text))
    rows[3][4], rows[3][5] = "Trực tuyến", "Trực tiếp, dịch vụ bưu chính"
    return rows, merges, 4


# The official form puts carried-over files before the new ones: (3) Tổng số, (4) kỳ trước,
# (5) trực tuyến, (6) trực tiếp; the other layouts keep our report's order.
_OFFICIAL_ORDER = (
    "received_all", "carried_over", "received_online", "received_direct_postal",
    *_FORM_COLUMNS[4:],
)  # fmt: skip


def _typed(value: int) -> str:
    """A figure typed by hand: a dash for zero, `.` between thousands."""
    return "-" if value == 0 else f"{value:,}".replace(",", ".")


def _report_sheet(report: _Report, unit: Unit, rows_by_sector: dict[str, dict[str, int]]):
    width = 2 + len(_FORM_COLUMNS)
    order = _OFFICIAL_ORDER if report.style == "official" else _FORM_COLUMNS
    agency = unit.name.replace("UBND", "ỦY BAN NHÂN DÂN").upper()
    lines: list[str | None] = [agency, "Biểu số 06/VPCP/KSTT", _FORM_TITLE]
    lines += [f"Kỳ báo cáo: {report.label}"]
    lines += [f"(Từ ngày {report.start:%d/%m/%Y} đến ngày {report.end:%d/%m/%Y})"]
    if report.unit_in_title:
        lines += [f"Đơn vị báo cáo: {unit.name}"]
    lines += ["Đơn vị nhận báo cáo: Văn phòng UBND tỉnh Trà Vinh", "Đơn vị tính: Số hồ sơ (HS)"]
    rows, merges = title_rows(width, lines)
    header, header_merges, height = _form_header(len(rows), report.style)
    header_row = len(rows)
    rows += header
    merges += header_merges
    rows.append([f"({i})" for i in range(1, width + 1)])

    def cells(values: dict[str, int]) -> list[Any]:
        return [_typed(values[c]) if report.style == "typed" else values[c] for c in order]

    total = {c: sum(r[c] for r in rows_by_sector.values()) for c in _FORM_COLUMNS}
    # a mistyped grand total: 10 online files too many (its subtotal row is right)
    written_total = dict(total, received_online=total["received_online"] + 10)
    if not report.total_typo:
        written_total = total
    body: list[list[Any] | None] = []
    if report.style == "ours":
        body.append([None, "TỔNG CỘNG CÁC ĐƠN VỊ", *cells(written_total)])
        body.append(["I", unit.name, *cells(total)])
    elif report.style == "official":
        body.append([None, "Tổng cộng", *cells(written_total)])
        level = {"tỉnh": "cấp tỉnh", "huyện": "cấp huyện", "xã": "cấp xã"}[unit.level]
        body.append(["I", f"TTHC {level}", *cells(total)])
    for stt, (sector, values) in enumerate(rows_by_sector.items(), start=1):
        body.append([stt, sector, *cells(values)])
    if report.style == "typed":
        body.append([None, "Cộng", *cells(written_total)])
    rows += body
    rows += footer_rows(width, "Ghi chú: số liệu từ sổ theo dõi hồ sơ của đơn vị.",
                    ("Nguyễn Thị Hạnh", "Trần Văn Lợi"), report.end)  # fmt: skip
    name = "Biểu 06" if report.style != "typed" else "Sheet1"
    return Sheet(name, rows, merges, header_row + height - 1)


def write_reports(
    raw: Path,
    units: Sequence[Unit],
    cases: Sequence[Case],
    received: set[int],
    seed: int,
    seen: dict[int, datetime],
) -> tuple[int, dict[str, float]]:
    rng = random.Random(f"{seed}/reports")
    by_code = {u.code: u for u in units}
    written = 0
    for report in _reports_plan():
        unit = by_code[report.unit_code]
        if report.kind == "paper_only":
            figures = _paper_only_figures(rng)
        else:
            figures = _igate_figures(cases, received, seen, unit.code, report.start, report.end)
        rows = _reported(report, figures, rng)
        sheet = _report_sheet(report, unit, rows)
        write_book(raw / "reports" / report.path, [sheet], unit.name)
        written += 1
    return written, {"report_unit_periods": float(written)}
