"""The sample's late-case lists (raw/late/): what the units say about their late files.

Built on the cases (docs/spec.md §3.5): late files come with reasons (spelled several ways),
apology slips (some after the deadline, some new dates set twice), in monthly lists that
overlap; two districts send no list.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flows.ingest.text import strip_accents
from flows.sample.cases import Case, mistyped_code
from flows.sample.registry import DISTRICTS, LAND, LAST_DAY, Calendar, Unit
from flows.sample.writers import Sheet, footer_rows, title_rows, write_book

_LAND_REASONS = (
    ("Chờ ý kiến cơ quan phối hợp", 5),
    ("Chờ xác minh nguồn gốc đất", 4),
    ("Hồ sơ phải đo đạc, chỉnh lý lại", 3),
    ("Chờ người sử dụng đất thực hiện nghĩa vụ tài chính", 3),
    ("Chờ ý kiến Phòng Nông nghiệp về thủy lợi", 1),
    ("Cán bộ thụ lý nghỉ phép", 1),
    ("Quá tải hồ sơ", 2),
)
_OTHER_REASONS = (
    ("Chờ ý kiến cơ quan phối hợp", 3),
    ("Cán bộ thụ lý nghỉ phép", 2),
    ("Phần mềm lỗi, chưa cập nhật kịp thời", 2),
    ("Chờ lãnh đạo ký duyệt", 2),
    ("Quá tải hồ sơ", 1),
)

# Per list sender (district index, -1 for the province): the reason, apology, new date and
# count headers; None where its list has no such column.
_LATE_STYLES: dict[int, tuple[str, str, str, str | None]] = {
    -1: ("Lý do trễ hạn", "Ngày xin lỗi", "Ngày hẹn trả mới", "Số lần hẹn lại"),
    0: ("Nguyên nhân trễ hạn", "Ngày gửi phiếu xin lỗi", "Ngày hẹn lại", None),
    1: ("Lý do quá hạn", "Ngày phiếu xin lỗi", "Ngày hẹn trả lại", "Số lần gia hạn"),
    2: ("Nguyên nhân", "Ngày xin lỗi", "Ngày hẹn trả mới", "Số lần hẹn lại"),
    4: ("Lý do trễ hạn", "Ngày xin lỗi", "Ngày hẹn lại", None),
    5: ("Lý do trễ hạn", "Ngày phiếu xin lỗi", "Ngày hẹn trả mới", "Số lần hẹn lại"),
    6: ("Nguyên nhân trễ hạn", "Ngày xin lỗi", "Ngày hẹn trả lại", "Số lần hẹn lại"),
    8: ("Lý do trễ hạn", "Ngày xin lỗi", "Ngày hẹn trả mới", None),
}  # Tiểu Cần (3) and Duyên Hải (7) send no list


def _spelling(reason: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.12:
        return reason[0].lower() + reason[1:]
    if r < 0.24:
        return reason + "."
    if r < 0.27:
        return strip_accents(reason)
    if "thủy" in reason and r < 0.6:
        return reason.replace("thủy", "thuỷ")
    return reason


def write_late(
    raw: Path, units: Sequence[Unit], cases: Sequence[Case], cal: Calendar, seed: int
) -> tuple[int, dict[str, float]]:
    rng = random.Random(f"{seed}/late")
    last_month = LAST_DAY.month
    month_end = {m: min(date(2020, m + 1, 1) - timedelta(days=1), LAST_DAY) for m in range(1, 12)}
    # sender → month → rows (case, reason, apology, new due date, reschedules so far)
    lists: dict[int, dict[int, list[list[Any]]]] = {}
    rows_written = 0
    for c in cases:
        if c.kind != 0 or c.due is None or c.finished is None:
            continue
        due = c.due.date()
        fin = c.finished.date()
        if fin <= due or due >= LAST_DAY:
            continue
        sender = c.unit.district
        if sender not in _LATE_STYLES or rng.random() < 0.2:
            continue
        land = c.proc.sector == LAND
        reasons = _LAND_REASONS if land else _OTHER_REASONS
        reason = rng.choices([r for r, _ in reasons], weights=[w for _, w in reasons])[0]
        apology = c.apology
        if apology is not None and rng.random() < 0.3:
            apology = apology + timedelta(days=rng.randint(1, 2))  # the slip logged later
        elif apology is None and rng.random() < 0.2:
            day = cal.after(due, rng.randint(0, 3))
            apology = datetime(day.year, day.month, day.day, 10, 0)
        twice = apology is not None and rng.random() < 0.15
        first_new = cal.after(due, rng.randint(3, 8)) if apology is not None else None
        second_new = cal.after(first_new, rng.randint(3, 8)) if first_new and twice else None
        # Listed in the month it fell late, and in each later month while still open.
        month = (due + timedelta(days=1)).month
        listed = 0
        while month <= last_month and listed < 3:
            moved = listed > 0 and second_new is not None
            written_reason = None if rng.random() < 0.08 else _spelling(reason, rng)
            count = 1 if first_new else 0
            if twice and (moved or listed == 0 and rng.random() < 0.5):
                count = 2
            row = [
                c.code,
                c.proc.name,
                written_reason,
                apology,
                second_new if moved else first_new,
                c.unit.name,
                count or None,
            ]
            if rng.random() < 0.01:
                row[0] = mistyped_code(c.code, rng)  # a code no case has
            elif rng.random() < 0.003:
                row[0] = None  # a row the pipeline must reject
            lists.setdefault(sender, {}).setdefault(month, []).append(row)
            listed += 1
            if fin <= month_end[month]:
                break
            month += 1

    written = 0
    for sender, months in sorted(lists.items()):
        reason_h, apology_h, new_h, count_h = _LATE_STYLES[sender]
        header = [
            "STT",
            "Mã hồ sơ",
            "Tên thủ tục hành chính",
            reason_h,
            apology_h,
            new_h,
            "Đơn vị gây trễ",
        ] + ([count_h] if count_h else [])
        width = len(header)
        if sender < 0:
            agency, name = "UBND TỈNH TRÀ VINH", "Các sở, ban, ngành tỉnh"
        else:
            agency = DISTRICTS[sender].name.replace("UBND", "ỦY BAN NHÂN DÂN").upper()
            name = DISTRICTS[sender].folder
        sheets = []
        for month in range(1, last_month + 1):
            entries = months.get(month, [])
            rows, merges = title_rows(
                width, [agency, None, "DANH SÁCH HỒ SƠ TRỄ HẠN", f"Tháng {month} năm 2020"]
            )
            header_row = len(rows)
            rows.append(list(header))
            for stt, (code, proc, reason, apology, new_due, unit, count) in enumerate(
                entries, start=1
            ):
                cells = [
                    stt,
                    code,
                    proc,
                    reason,
                    None if apology is None else f"{apology:%d/%m/%Y %H:%M}",
                    None if new_due is None else f"{new_due:%d/%m/%Y}",
                    unit,
                ]
                if count_h:
                    cells.append(count)
                rows.append(cells)
            rows_written += len(entries)
            signers = ("Nguyễn Bảo Tâm", "Trần Tấn Nghĩa")
            rows += footer_rows(
                width, f"Tổng cộng: {len(entries)} hồ sơ", signers, month_end[month]
            )
            sheets.append(Sheet(f"Tháng {month}", rows, merges, header_row))
        write_book(
            raw / "late" / "2020" / f"Danh sách hồ sơ trễ hạn - {name}.xlsx", sheets, "iGate"
        )
        written += 1
    return written, {"late_list_rows": float(rows_written)}
