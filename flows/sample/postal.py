"""The sample's postal (BCCI) items (raw/postal/): files sent in and results sent back by post.

Built on the cases (docs/spec.md §3.3): postal items carry the case codes of the postal-channel
cases, a few codes mistyped or missing, some results returned to the sender, in quarterly
exports that overlap by a week.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flows.sample.cases import Case, mistyped_code
from flows.sample.registry import DATA_END, LAST_DAY, Calendar, Unit
from flows.sample.writers import Sheet, title_rows, unit_name, write_book, write_text


@dataclass
class _Item:
    code: str
    case_code: str | None
    direction: str  # in / out
    accepted: date
    delivered: date | None
    unit: Unit
    returned: bool  # "Chuyển hoàn"
    matched: bool  # its case code is a received case
    bad: str = ""


# (header, direction spellings in / out, unit-name style, file format)
_POSTAL_STYLES = (
    (("STT", "Mã bưu gửi", "Mã hồ sơ", "Loại dịch vụ", "Ngày chấp nhận", "Ngày phát", "Cơ quan",
      "Trạng thái"), ("Thu gom hồ sơ", "Phát trả kết quả"), "registry", "xlsx"),
    (("STT", "Số hiệu bưu gửi", "Mã hồ sơ", "Chiều", "Ngày gửi", "Ngày phát thành công",
      "Đơn vị", "Trạng thái phát"), ("Chiều đi", "Chiều về"), "alias", "csv_utf8_bom"),
    (("STT", "Mã vận đơn", "Mã hồ sơ", "Dịch vụ", "Ngày nhận gửi", "Ngày phát",
      "Cơ quan giải quyết", "Trạng thái"), ("Nhận hồ sơ", "Trả kết quả"), "abbrev", "xlsx"),
    (("STT", "Mã bưu gửi", "Mã hồ sơ", "Loại dịch vụ", "Ngày chấp nhận", "Ngày phát", "Cơ quan",
      "Trạng thái"), ("Gửi hồ sơ", "Phát trả kết quả"), "registry", "xlsx"),
)  # fmt: skip


def write_postal(
    raw: Path, cases: Sequence[Case], received: set[int], cal: Calendar, seed: int
) -> tuple[int, dict[str, float]]:
    rng = random.Random(f"{seed}/postal")
    items: list[_Item] = []
    for i, c in enumerate(cases):
        matched = i in received
        rdate = c.received.date()
        if c.channel == "postal" and rng.random() < 0.85:
            accepted = cal.before(rdate, 1) if rng.random() < 0.25 else rdate
            items.append(_Item("", c.code, "in", accepted, rdate, c.unit, False, matched))
        ret = c.returned
        if ret is not None and ret <= DATA_END:
            by_post = rng.random() < (0.8 if c.channel == "postal" else 0.004)
            if by_post:
                accepted = ret.date()
                delivered: date | None = cal.after(accepted, rng.choice((1, 1, 2, 3)))
                returned = rng.random() < 0.05
                if returned or (delivered and delivered > LAST_DAY):
                    delivered = None
                items.append(
                    _Item("", c.code, "out", accepted, delivered, c.unit, returned, matched)
                )
    outs = [it for it in items if it.direction == "out"]
    if outs and not any(it.returned for it in outs):  # even a small sample has one
        outs[len(outs) // 2].returned, outs[len(outs) // 2].delivered = True, None
    codes = {cases[i].code for i in received}
    for item in items:
        r = rng.random()
        if r < 0.025:
            item.case_code = mistyped_code(item.case_code or "", rng)
            item.matched = item.case_code in codes  # a slip can land on another case's code
        elif r < 0.04:
            item.case_code, item.matched = None, False
        elif rng.random() < 0.006:
            item.bad = "direction" if rng.random() < 0.5 else "delivered_before"
    items.sort(key=lambda it: (it.accepted, it.direction, it.case_code or ""))
    for n, item in enumerate(items, start=1):
        item.code = f"E{'B' if item.direction == 'in' else 'C'}{840000000 + n * 7:09d}VN"

    # Quarterly exports; each repeats the last week of the quarter before.
    written = 0
    for q in range(1, 5):
        start = date(2020, 3 * q - 2, 1)
        end = date(2020, 3 * q + 1, 1) - timedelta(days=1) if q < 4 else LAST_DAY
        overlap = start - timedelta(days=7) if q > 1 else start
        chosen = [it for it in items if overlap <= it.accepted <= end]
        header, (word_in, word_out), names, fmt = _POSTAL_STYLES[q - 1]
        width = len(header)
        title = [
            "TỔNG CÔNG TY BƯU ĐIỆN VIỆT NAM",
            "BƯU ĐIỆN TỈNH TRÀ VINH",
            None,
            "BẢNG KÊ BƯU GỬI DỊCH VỤ BƯU CHÍNH CÔNG ÍCH (BCCI)",
            f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}",
        ]
        rows, merges = title_rows(width, title) if fmt == "xlsx" else ([], [])
        header_row = len(rows)
        rows.append(list(header))
        for stt, it in enumerate(chosen, start=1):
            direction = word_in if it.direction == "in" else word_out
            delivered = it.delivered
            if it.bad == "direction":
                direction = "Bưu kiện"
            elif it.bad == "delivered_before":
                delivered = it.accepted - timedelta(days=2)
            unit = None if it.direction == "in" and stt % 5 == 0 else unit_name(it.unit, names)
            status = (
                "Chuyển hoàn"
                if it.returned
                else "Phát thành công"
                if delivered is not None
                else "Đang phát"
            )
            day = it.accepted if fmt == "xlsx" else f"{it.accepted:%d/%m/%Y}"
            out = delivered if fmt == "xlsx" or delivered is None else f"{delivered:%d/%m/%Y}"
            rows.append([stt, it.code, it.case_code, direction, day, out, unit, status])
        if fmt == "xlsx":
            rows += [None, [f"Tổng cộng: {len(chosen)} bưu gửi"]]
            write_book(
                raw / "postal" / "2020" / f"BCCI quý {q} năm 2020.xlsx",
                [Sheet(f"Quý {q}", rows, merges, header_row)],
                "VNPost",
            )
        else:
            write_text(
                raw / "postal" / "2020" / f"BCCI_Q{q}_2020.csv",
                Sheet("", rows, merges, header_row),
                fmt,
            )
        written += 1

    kept = [it for it in items if not it.bad]
    return written, {
        "postal_items_in": float(sum(it.direction == "in" for it in kept)),
        "postal_items_out": float(sum(it.direction == "out" for it in kept)),
        "postal_items_unmatched": float(sum(not it.matched for it in kept)),
        "postal_items_returned": float(sum(it.returned for it in kept)),
    }
