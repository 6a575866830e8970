"""The deterministic sample province-year: Trà Vinh, 2020, as the exports would land in `raw/`.

`write_sample(data_root)` writes the reference lists (units registry, procedure catalogue,
holiday overrides) and a year of iGate case exports (January to 20 November 2020) that carry
the quirks of docs/spec.md §2 and §3.1, spread over files, and the situation of the 2020
inspection report (seed 000): land cases often late, few online and postal files, most
departments and communes without any file on iGate.

Same seed, same `cases` → byte-identical files (fixed workbook metadata, fixed zip timestamps,
every random draw from `random.Random`). The numbers the pipeline should find are returned in
`SampleSummary.expected` (computed from the last state of each case that the exports show).

Codes (units, procedures) have the shape of the real ones but are made up for the sample.
"""

from __future__ import annotations

import bisect
import csv
import io
import multiprocessing
import multiprocessing.pool
import os
import random
import threading
import unicodedata
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter
import xlwt

from flows.ingest.text import name_key

__all__ = ["SampleSummary", "write_sample"]

# --------------------------------------------------------------------------------------------
# Fixed points of the sample
# --------------------------------------------------------------------------------------------

PROVINCE = "H48"
DATA_START = date(2020, 1, 2)
DATA_END = datetime(2020, 11, 20, 17, 0)  # the last export; the inspection was 19–27/10/2020
WORKBOOK_CREATED = datetime(2020, 11, 21, 7, 30, 0)  # metadata of every workbook written
VALID_FROM = date(2015, 1, 1)
REFORM_END = date(2025, 6, 30)  # districts abolished; communes merged (two-level government)
REFORM_START = date(2025, 7, 1)
LAND = "Đất đai"

_EXCEL_EPOCH = date(1899, 12, 30).toordinal()
_CREATED = {"created": WORKBOOK_CREATED}

# Vietnam's public holidays (as Python's `holidays` has them) for the working-day calendar.
_PUBLIC_HOLIDAYS: tuple[date, ...] = (
    date(2020, 1, 1),
    *(date(2020, 1, d) for d in range(23, 30)),
    date(2020, 4, 2),
    date(2020, 4, 30),
    date(2020, 5, 1),
    date(2020, 9, 2),
    date(2021, 1, 1),
    *(date(2021, 2, d) for d in range(10, 17)),
    date(2021, 4, 21),
    date(2021, 4, 30),
    date(2021, 5, 3),
    date(2021, 9, 2),
    date(2021, 9, 3),
)

# reference/holidays.xlsx: a provincial swap around Tết (illustrative, not a real decision).
HOLIDAY_OVERRIDES: tuple[tuple[date, str, str], ...] = (
    (
        date(2020, 1, 22),
        "nghỉ",
        "Nghỉ thêm trước Tết Canh Tý, hoán đổi với thứ Bảy 08/02/2020",
    ),
    (date(2020, 2, 8), "làm việc", "Làm bù cho ngày 22/01/2020"),
)

UNIT_HEADERS = (
    "Mã đơn vị",
    "Tên đơn vị",
    "Cấp",
    "Đơn vị cha",
    "Loại",
    "Tên khác",
    "Hiệu lực từ",
    "Hiệu lực đến",
    "Đơn vị kế thừa",
)
PROCEDURE_HEADERS = (
    "Mã TTHC",
    "Tên TTHC",
    "Lĩnh vực",
    "Cấp thực hiện",
    "Mức độ DVC",
    "Thời hạn giải quyết",
    "Tiếp nhận tại Một cửa",
    "Đơn vị",
)
HOLIDAY_HEADERS = ("Ngày", "Loại", "Ghi chú")

STATUS_NAMES = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
STATUS_VARIANTS = {
    1: ("Chờ tiếp nhận",),
    2: ("Đã tiếp nhận",),
    3: ("Từ chối", "Từ chối tiếp nhận"),
    4: ("Đang giải quyết", "Đang xử lý"),
    5: ("Chờ bổ sung", "Bổ sung hồ sơ"),
    6: ("Chờ thực hiện nghĩa vụ tài chính",),
    7: ("Rút hồ sơ", "Đã rút"),
    8: ("Tạm dừng", "Dừng giải quyết"),
    9: ("Hoàn thành", "Đã có kết quả"),
    10: ("Đã trả", "Đã trả kết quả cho công dân"),
}
UNKNOWN_STATUS_TEXT = ("Chờ ký duyệt", "Đang thẩm định", "Chuyển xử lý")
UNKNOWN_STATUS_CODES = (0, 11, 12)

CHANNEL_TEXT = {"direct": "Trực tiếp", "online": "Trực tuyến", "postal": "Bưu chính công ích"}
CHANNEL_VARIANTS = {
    "direct": ("Trực tiếp", "Trực tiếp", ""),
    "online": ("Qua mạng", "Nộp trực tuyến", "Dịch vụ công trực tuyến", "DVCTT"),
    "postal": ("Qua bưu chính", "BCCI", "Dịch vụ bưu chính công ích", "Bưu chính"),
}
CHANNEL_CODES = {"direct": 1, "online": 2, "postal": 3}


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------


@dataclass
class SampleSummary:
    """What `write_sample` wrote, and the headline numbers the pipeline should find."""

    data_root: Path
    files: dict[str, int]  # files written under raw/<source>/, by source
    skipped_files: list[str]  # non-export files (paths relative to the root), to be skipped
    cases: int  # cases generated
    rows_written: int  # iGate data rows written (duplicates and bad rows included)
    bad_rows: int  # rows the pipeline must reject
    bad_rows_by_kind: dict[str, int] = field(default_factory=dict)
    duplicate_rows: int = 0  # exact duplicates of another row of the same file
    units_valid_2020: int = 0  # registry units valid in 2020
    units_with_files: int = 0  # of those, units with at least one received case
    # Headline numbers over the last state of each case the exports show (rows the pipeline
    # must reject left out; sector = the procedure's own, typos in the exports notwithstanding):
    # received_cases, land_late_rate / other_late_rate (late among resolved), online_share,
    # postal_share (among received), land_pending, land_pending_overdue (at 20/11/2020).
    expected: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Human-readable lines for the CLI."""
        files = ", ".join(f"{k}: {v}" for k, v in self.files.items())
        out = [
            f"sample written under {self.data_root / 'raw'} ({files})",
            f"cases: {self.cases}, iGate rows: {self.rows_written} "
            f"(duplicates: {self.duplicate_rows}, bad: {self.bad_rows})",
            f"units valid in 2020: {self.units_valid_2020}, with iGate files: "
            f"{self.units_with_files}",
        ]
        out += [
            f"expected {k}: {int(v) if float(v).is_integer() else round(v, 4)}"
            for k, v in self.expected.items()
        ]
        return out


# --------------------------------------------------------------------------------------------
# Working-day calendar
# --------------------------------------------------------------------------------------------


class _Calendar:
    """Working days: Monday–Friday without public holidays, with the overrides applied."""

    def __init__(self, start: date, end: date) -> None:
        off = set(_PUBLIC_HOLIDAYS)
        working: set[date] = set()
        for day, kind, _ in HOLIDAY_OVERRIDES:
            (working if kind == "làm việc" else off).add(day)
        days: list[int] = []
        d = start
        while d <= end:
            if d in working or (d.weekday() < 5 and d not in off):
                days.append(d.toordinal())
            d += timedelta(days=1)
        self._ords = days
        self._set = frozenset(days)

    def is_working(self, d: date) -> bool:
        return d.toordinal() in self._set

    def after(self, d: date, n: int) -> date:
        """The n-th working day strictly after d (d itself for n = 0)."""
        if n <= 0:
            return d
        i = bisect.bisect_right(self._ords, d.toordinal())
        return date.fromordinal(self._ords[i + n - 1])

    def before(self, d: date, n: int) -> date:
        """The n-th working day strictly before d."""
        i = bisect.bisect_left(self._ords, d.toordinal())
        return date.fromordinal(self._ords[max(i - n, 0)])

    def count_after(self, start: date, end: date) -> int:
        """Working days after start up to and including end."""
        lo = bisect.bisect_right(self._ords, start.toordinal())
        hi = bisect.bisect_right(self._ords, end.toordinal())
        return max(hi - lo, 0)

    def working_days(self, start: date, end: date) -> list[date]:
        lo = bisect.bisect_left(self._ords, start.toordinal())
        hi = bisect.bisect_right(self._ords, end.toordinal())
        return [date.fromordinal(o) for o in self._ords[lo:hi]]


# --------------------------------------------------------------------------------------------
# Units registry
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str  # tỉnh / huyện / xã
    parent: str
    kind: str  # sở / phòng / ubnd / trung tâm / khác
    aliases: tuple[str, ...] = ()
    valid_to: date | None = None
    successor: str = ""
    valid_from: date = VALID_FROM
    sheet: str = ""  # sheet name when a workbook has one sheet per unit
    active: bool = False  # receives files on iGate in 2020
    weight: float = 1.0  # relative volume among units of the same level
    district: int = -1  # index into _DISTRICTS for district-level units and communes
    sector_office: str = ""  # for a district department: which sectors it handles
    late_factor: float = 1.0  # how much more often than average its land cases run late


def _ucode(level2: int, level3: int = 0) -> str:
    return f"000.{level3:02d}.{level2:02d}.{PROVINCE}"


# (code, name, aliases, sheet name, active, weight, sectors handled at province level)
_DEPARTMENTS: tuple[tuple[int, str, tuple[str, ...], str, bool, float, tuple[str, ...]], ...] = (
    (1, "Sở Nội vụ", (), "Sở Nội vụ", False, 1, ()),
    (2, "Sở Tư pháp", (), "Sở Tư pháp", True, 1, ("Tư pháp", "Hộ tịch", "Chứng thực")),
    (3, "Sở Kế hoạch và Đầu tư", ("Sở KH&ĐT", "Sở KHĐT"), "Sở KH&ĐT", True, 1,
     ("Đăng ký kinh doanh",)),
    (4, "Sở Tài chính", (), "Sở Tài chính", False, 1, ()),
    (5, "Sở Công Thương", (), "Sở Công Thương", True, 1, ("Công Thương",)),
    (6, "Sở Nông nghiệp và Phát triển nông thôn", ("Sở NN&PTNT",), "Sở NN&PTNT", False, 1, ()),
    (7, "Sở Giao thông vận tải", ("Sở GTVT",), "Sở GTVT", True, 1, ("Giao thông vận tải",)),
    (8, "Sở Xây dựng", (), "Sở Xây dựng", True, 1, ("Xây dựng",)),
    (9, "Sở Tài nguyên và Môi trường", ("Sở TN&MT", "Sở TNMT"), "Sở TNMT", True, 1,
     (LAND, "Môi trường")),
    (10, "Sở Thông tin và Truyền thông", ("Sở TT&TT",), "Sở TT&TT", False, 1, ()),
    (11, "Sở Lao động - Thương binh và Xã hội", ("Sở LĐ-TB&XH", "Sở LĐTBXH"), "Sở LĐTBXH",
     False, 1, ("Lao động - Thương binh và Xã hội",)),
    (12, "Sở Văn hóa, Thể thao và Du lịch", ("Sở VH-TT&DL",), "Sở VHTTDL", False, 1, ()),
    (13, "Sở Khoa học và Công nghệ", ("Sở KH&CN",), "Sở KH&CN", False, 1, ()),
    (14, "Sở Giáo dục và Đào tạo", ("Sở GD&ĐT",), "Sở GD&ĐT", False, 1, ("Giáo dục",)),
    (15, "Sở Y tế", (), "Sở Y tế", True, 1, ("Y tế",)),
    (16, "Thanh tra tỉnh", (), "Thanh tra tỉnh", False, 1, ()),
    (17, "Văn phòng UBND tỉnh", ("Văn phòng Ủy ban nhân dân tỉnh Trà Vinh",), "VP UBND tỉnh",
     False, 1, ()),
    (18, "Ban Dân tộc tỉnh", (), "Ban Dân tộc", False, 1, ()),
)  # fmt: skip


@dataclass(frozen=True)
class _District:
    code2: int
    name: str  # registry name
    short: str  # "thành phố Trà Vinh" / "huyện Càng Long"
    folder: str  # export sub-folder
    aliases: tuple[str, ...]
    successor: str  # name of the 2025 commune-level successor
    weight: float
    late_factor: float  # land cases late, relative to the province
    # communes: (name after "UBND ", aliases, sheet name, active)
    communes: tuple[tuple[str, tuple[str, ...], str, bool], ...]
    # active district departments: "tnmt", "tp", "kt"
    active_offices: tuple[str, ...]


_DISTRICTS: tuple[_District, ...] = (
    _District(51, "UBND thành phố Trà Vinh", "thành phố Trà Vinh", "TP Trà Vinh",
              ("UBND TP. Trà Vinh", "UBND TP Trà Vinh", "UBND Thành phố Trà Vinh"),
              "UBND phường Trà Vinh", 1.6, 0.8,
              (("phường 1", ("UBND P.1",), "Phường 1", True),
               ("phường 2", ("UBND P.2",), "Phường 2", False),
               ("phường 3", ("UBND P.3",), "Phường 3", False),
               ("phường 7", ("UBND P.7",), "Phường 7", True),
               ("phường 9", ("UBND P.9",), "Phường 9", True),
               ("xã Long Đức", (), "Xã Long Đức", True)),
              ("tnmt",)),
    _District(52, "UBND huyện Càng Long", "huyện Càng Long", "Càng Long",
              ("UBND H. Càng Long",), "UBND xã Càng Long", 1.2, 1.0,
              (("thị trấn Càng Long", (), "TT Càng Long", True),
               ("xã An Trường", (), "Xã An Trường", False),
               ("xã Bình Phú", (), "Xã Bình Phú", False),
               ("xã Đại Phước", (), "Xã Đại Phước", False),
               ("xã Nhị Long", (), "Xã Nhị Long", True)),
              ("tp",)),
    _District(53, "UBND huyện Cầu Kè", "huyện Cầu Kè", "Cầu Kè", ("UBND H. Cầu Kè",),
              "UBND xã Cầu Kè", 0.9, 0.9,
              (("thị trấn Cầu Kè", (), "TT Cầu Kè", True),
               ("xã Châu Điền", (), "Xã Châu Điền", False),
               ("xã Hòa Ân", (), "Xã Hòa Ân", True),
               ("xã Phong Thạnh", (), "Xã Phong Thạnh", False),
               ("xã Tam Ngãi", (), "Xã Tam Ngãi", False)),
              ()),
    _District(54, "UBND huyện Tiểu Cần", "huyện Tiểu Cần", "Tiểu Cần", ("UBND H. Tiểu Cần",),
              "UBND xã Tiểu Cần", 1.0, 1.2,
              (("thị trấn Tiểu Cần", (), "TT Tiểu Cần", True),
               ("thị trấn Cầu Quan", (), "TT Cầu Quan", False),
               ("xã Hiếu Tử", (), "Xã Hiếu Tử", False),
               ("xã Phú Cần", (), "Xã Phú Cần", False),
               ("xã Tập Ngãi", (), "Xã Tập Ngãi", False)),
              ("kt",)),
    _District(55, "UBND huyện Châu Thành", "huyện Châu Thành", "Châu Thành",
              ("UBND H. Châu Thành",), "UBND xã Châu Thành", 1.1, 1.5,
              (("thị trấn Châu Thành", (), "TT Châu Thành", True),
               ("xã Đa Lộc", (), "Xã Đa Lộc", True),
               ("xã Hòa Thuận", (), "Xã Hòa Thuận", False),
               ("xã Lương Hòa", (), "Xã Lương Hòa", False),
               ("xã Nguyệt Hóa", (), "Xã Nguyệt Hóa", False)),
              ("tnmt",)),
    _District(56, "UBND huyện Cầu Ngang", "huyện Cầu Ngang", "Cầu Ngang",
              ("UBND H. Cầu Ngang",), "UBND xã Cầu Ngang", 1.0, 1.0,
              (("thị trấn Cầu Ngang", (), "TT Cầu Ngang", True),
               ("thị trấn Mỹ Long", (), "TT Mỹ Long", False),
               ("xã Hiệp Hòa", (), "Xã Hiệp Hòa", False),
               ("xã Kim Hòa", (), "Xã Kim Hòa", False),
               ("xã Vinh Kim", (), "Xã Vinh Kim", True)),
              ()),
    _District(57, "UBND huyện Trà Cú", "huyện Trà Cú", "Trà Cú", ("UBND H. Trà Cú",),
              "UBND xã Trà Cú", 1.2, 1.3,
              (("thị trấn Trà Cú", (), "TT Trà Cú", True),
               ("thị trấn Định An", (), "TT Định An", False),
               ("xã Đại An", (), "Xã Đại An", True),
               ("xã Hàm Giang", (), "Xã Hàm Giang", False),
               ("xã Ngọc Biên", (), "Xã Ngọc Biên", False)),
              ()),
    _District(58, "UBND huyện Duyên Hải", "huyện Duyên Hải", "Duyên Hải",
              ("UBND H. Duyên Hải",), "UBND xã Long Hữu", 0.6, 0.7,
              (("thị trấn Long Thành", (), "TT Long Thành", False),
               ("xã Đôn Châu", (), "Xã Đôn Châu", False),
               ("xã Long Khánh", (), "Xã Long Khánh", False),
               ("xã Ngũ Lạc", (), "Xã Ngũ Lạc", False)),
              ()),
    _District(59, "UBND thị xã Duyên Hải", "thị xã Duyên Hải", "TX Duyên Hải",
              ("UBND TX. Duyên Hải", "UBND TX Duyên Hải"), "UBND phường Duyên Hải", 0.6, 0.5,
              (("phường 1, thị xã Duyên Hải", ("UBND P.1 TX Duyên Hải",), "Phường 1", True),
               ("phường 2, thị xã Duyên Hải", ("UBND P.2 TX Duyên Hải",), "Phường 2", False),
               ("xã Long Toàn", (), "Xã Long Toàn", True),
               ("xã Trường Long Hòa", (), "Xã Trường Long Hòa", False)),
              ()),
)  # fmt: skip

# District departments in the registry: key → (number, name prefix, short sheet name, sectors)
_OFFICES: dict[str, tuple[int, str, str, tuple[str, ...]]] = {
    "tnmt": (1, "Phòng Tài nguyên và Môi trường", "Phòng TNMT", (LAND, "Môi trường")),
    "tp": (2, "Phòng Tư pháp", "Phòng Tư pháp", ("Tư pháp", "Hộ tịch", "Chứng thực")),
    "kt": (3, "Phòng Kinh tế và Hạ tầng", "Phòng KT-HT",
           ("Xây dựng", "Giao thông vận tải", "Công Thương")),
}  # fmt: skip

PROVINCE_UNIT = _ucode(0)
CENTER_UNIT = _ucode(30)


def _build_units() -> list[Unit]:
    units = [
        Unit(PROVINCE_UNIT, "UBND tỉnh Trà Vinh", "tỉnh", "", "ubnd",
             ("Ủy ban nhân dân tỉnh Trà Vinh", "UBND tỉnh")),
        Unit(CENTER_UNIT, "Trung tâm Phục vụ hành chính công tỉnh", "tỉnh", PROVINCE_UNIT,
             "trung tâm",
             ("Trung tâm PVHCC tỉnh", "Trung tâm Phục vụ hành chính công tỉnh Trà Vinh"),
             sheet="Trung tâm PVHCC"),
    ]  # fmt: skip
    for num, name, aliases, sheet, active, weight, sectors in _DEPARTMENTS:
        units.append(
            Unit(_ucode(num), name, "tỉnh", PROVINCE_UNIT, "sở", aliases, sheet=sheet,
                 active=active, weight=weight, sector_office=";".join(sectors))
        )  # fmt: skip
    successors: list[Unit] = []
    for di, d in enumerate(_DISTRICTS):
        succ_code = _ucode(60 + di)
        successors.append(
            Unit(succ_code, d.successor, "xã", PROVINCE_UNIT, "ubnd", valid_from=REFORM_START,
                 sheet=d.successor.removeprefix("UBND ")[:31])
        )  # fmt: skip
        dcode = _ucode(d.code2)
        units.append(
            Unit(dcode, d.name, "huyện", PROVINCE_UNIT, "ubnd", d.aliases, REFORM_END,
                 succ_code, sheet=d.name.replace("thành phố", "TP").replace("thị xã", "TX"),
                 active=True, weight=d.weight, district=di, late_factor=d.late_factor)
        )  # fmt: skip
        for key, (num, prefix, sheet, sectors) in _OFFICES.items():
            name = f"{prefix} {d.short}"
            alias = name.replace("Tài nguyên và Môi trường", "TN&MT").replace(
                "Kinh tế và Hạ tầng", "KT&HT"
            )
            units.append(
                Unit(_ucode(d.code2, num), name, "huyện", dcode, "phòng",
                     (alias,) if alias != name else (), REFORM_END, succ_code, sheet=sheet,
                     active=key in d.active_offices, weight=0.35, district=di,
                     sector_office=";".join(sectors), late_factor=d.late_factor)
            )  # fmt: skip
        for ci, (cname, aliases, sheet, active) in enumerate(d.communes):
            units.append(
                Unit(_ucode(d.code2, 20 + ci), f"UBND {cname}", "xã", dcode, "ubnd", aliases,
                     REFORM_END, succ_code, sheet=sheet, active=active,
                     weight=1.4 if cname.startswith(("phường", "thị trấn")) else 1.0,
                     district=di)
            )  # fmt: skip
    return units + successors


# --------------------------------------------------------------------------------------------
# Procedure catalogue
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    sector: str
    levels: str  # letters T (tỉnh), H (huyện), X (xã)
    limit: int  # working days
    online: str | int  # "Toàn trình", "Một phần", "", or legacy 3 / 4
    one_stop: str  # "Có", "x", "Không", ""
    weight: float  # relative volume


def _p(
    code: str,
    sector: str,
    levels: str,
    limit: int,
    online: str | int,
    one_stop: str,
    weight: float,
    name: str,
) -> Procedure:
    return Procedure(code, name, sector, levels, limit, online, one_stop, weight)


# fmt: off
PROCEDURES: tuple[Procedure, ...] = (
    _p("1.004227", LAND, "H", 30, "Một phần", "Có", 6,
       "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác "
       "gắn liền với đất lần đầu"),
    _p("1.004221", LAND, "H", 10, "Một phần", "Có", 14,
       "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất trong các "
       "trường hợp chuyển nhượng, cho thuê, thừa kế, tặng cho"),
    _p("1.004206", LAND, "H", 15, "", "Có", 5,
       "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền đối "
       "với hộ gia đình, cá nhân"),
    _p("1.004203", LAND, "H", 7, 3, "Có", 4,
       "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn "
       "liền với đất"),
    _p("1.004199", LAND, "H", 10, "", "x", 1.5,
       "Cấp lại Giấy chứng nhận quyền sử dụng đất do bị mất"),
    _p("1.004193", LAND, "H", 15, "Một phần", "Có", 4,
       "Tách thửa hoặc hợp thửa đất"),
    _p("1.004269", LAND, "H", 10, "", "Có", 1,
       "Đính chính Giấy chứng nhận đã cấp"),
    _p("1.004217", LAND, "H", 7, "", "Không", 0.8,
       "Gia hạn sử dụng đất nông nghiệp của hộ gia đình, cá nhân"),
    _p("1.004189", LAND, "H", 3, "", "Có", 0.7,
       "Xóa đăng ký cho thuê, cho thuê lại, góp vốn bằng quyền sử dụng đất"),
    _p("1.004132", LAND, "T", 20, "", "Có", 0.4,
       "Giao đất, cho thuê đất cho tổ chức"),
    _p("1.004145", LAND, "T", 10, "Một phần", "Có", 1.2,
       "Đăng ký biến động đất đai đối với tổ chức"),
    _p("1.004122", LAND, "TH", 2, "Toàn trình", "Có", 1.0,
       "Cung cấp dữ liệu đất đai"),
    _p("2.000889", LAND, "X", 45, "", "Không", 0.3,
       "Hòa giải tranh chấp đất đai"),
    _p("2.000488", "Tư pháp", "T", 10, "Một phần", "Có", 2,
       "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại "
       "Việt Nam"),
    _p("1.008924", "Tư pháp", "T", 7, "", "Có", 0.1,
       "Đăng ký hành nghề luật sư với tư cách cá nhân"),
    _p("2.002165", "Tư pháp", "H", 30, "", "Không", 0.05,
       "Giải quyết yêu cầu bồi thường tại cơ quan trực tiếp quản lý người thi hành công vụ "
       "gây thiệt hại"),
    _p("2.001457", "Tư pháp", "X", 5, "", "", 0.05,
       "Thực hiện hỗ trợ khi hòa giải viên gặp tai nạn hoặc rủi ro ảnh hưởng đến sức khỏe, "
       "tính mạng trong khi thực hiện hoạt động hòa giải"),
    _p("1.001193", "Hộ tịch", "X", 1, "Một phần", "Có", 7,
       "Đăng ký khai sinh"),
    _p("1.000894", "Hộ tịch", "X", 1, "Một phần", "Có", 2,
       "Đăng ký kết hôn"),
    _p("1.000656", "Hộ tịch", "X", 1, "Một phần", "Có", 2,
       "Đăng ký khai tử"),
    _p("2.000635", "Hộ tịch", "HX", 1, "Toàn trình", "Có", 2,
       "Cấp bản sao Trích lục hộ tịch"),
    _p("1.004873", "Hộ tịch", "X", 3, "Một phần", "Có", 2,
       "Cấp Giấy xác nhận tình trạng hôn nhân"),
    _p("1.004859", "Hộ tịch", "X", 3, "", "Có", 0.6,
       "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch"),
    _p("1.001695", "Hộ tịch", "H", 15, "", "Có", 0.1,
       "Đăng ký khai sinh có yếu tố nước ngoài"),
    _p("1.000893", "Hộ tịch", "H", 15, "", "Có", 0.15,
       "Đăng ký kết hôn có yếu tố nước ngoài"),
    _p("1.004884", "Hộ tịch", "X", 5, "", "x", 0.5,
       "Đăng ký lại khai sinh"),
    _p("2.000815", "Chứng thực", "HX", 1, "", "Có", 8,
       "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt "
       "Nam cấp hoặc chứng nhận"),
    _p("2.000884", "Chứng thực", "HX", 1, "", "Có", 2,
       "Chứng thực chữ ký trong các giấy tờ, văn bản"),
    _p("2.001035", "Chứng thực", "HX", 2, "", "x", 2,
       "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất "
       "và nhà ở"),
    _p("2.000927", "Chứng thực", "HX", 2, "", "Có", 0.3,
       "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch"),
    _p("1.009874", "Xây dựng", "H", 15, "Một phần", "Có", 2.5,
       "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ"),
    _p("1.009972", "Xây dựng", "T", 20, "", "Có", 0.2,
       "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II"),
    _p("1.009994", "Xây dựng", "T", 20, "", "Không", 0.2,
       "Thẩm định báo cáo nghiên cứu khả thi đầu tư xây dựng"),
    _p("1.009982", "Xây dựng", "T", 20, 4, "Có", 0.3,
       "Cấp chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III"),
    _p("2.001610", "Đăng ký kinh doanh", "T", 3, "Toàn trình", "Có", 0.6,
       "Đăng ký thành lập doanh nghiệp tư nhân"),
    _p("2.001199", "Đăng ký kinh doanh", "T", 3, "Toàn trình", "Có", 0.8,
       "Đăng ký thành lập công ty TNHH một thành viên"),
    _p("2.002040", "Đăng ký kinh doanh", "T", 3, "Toàn trình", "x", 1.0,
       "Đăng ký thay đổi nội dung đăng ký doanh nghiệp"),
    _p("2.000575", "Đăng ký kinh doanh", "H", 3, "Một phần", "Có", 2.5,
       "Đăng ký thành lập hộ kinh doanh"),
    _p("2.000720", "Đăng ký kinh doanh", "H", 3, "Một phần", "Có", 1.0,
       "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh"),
    _p("2.000596", "Đăng ký kinh doanh", "H", 3, "Toàn trình", "Có", 0.4,
       "Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của "
       "hộ kinh doanh"),
    _p("1.002804", "Giao thông vận tải", "T", 5, 4, "Có", 2.5,
       "Đổi Giấy phép lái xe do ngành Giao thông vận tải cấp"),
    _p("1.002835", "Giao thông vận tải", "T", 10, 3, "Có", 0.6,
       "Cấp lại Giấy phép lái xe"),
    _p("1.002869", "Giao thông vận tải", "T", 2, "Một phần", "Có", 0.8,
       "Cấp phù hiệu xe ô tô kinh doanh vận tải"),
    _p("1.002861", "Giao thông vận tải", "T", 5, "", "Có", 0.2,
       "Cấp Giấy phép kinh doanh vận tải bằng xe ô tô"),
    _p("1.003930", "Giao thông vận tải", "H", 3, "", "Không", 0.4,
       "Đăng ký lần đầu phương tiện thủy nội địa"),
    _p("1.001776", "Lao động - Thương binh và Xã hội", "H", 20, "", "Có", 1.0,
       "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng, hỗ trợ kinh phí chăm "
       "sóc, nuôi dưỡng hàng tháng"),
    _p("1.001758", "Lao động - Thương binh và Xã hội", "H", 3, "", "Có", 0.3,
       "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội"),
    _p("1.000459", "Lao động - Thương binh và Xã hội", "T", 5, "Một phần", "Có", 0.1,
       "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam"),
    _p("2.000286", "Lao động - Thương binh và Xã hội", "X", 7, "", "", 0.3,
       "Xác nhận hộ gia đình làm nông nghiệp có mức sống trung bình"),
    _p("1.005092", "Giáo dục", "H", 3, "", "Có", 0.2,
       "Chuyển trường đối với học sinh trung học cơ sở"),
    _p("2.001914", "Giáo dục", "TH", 5, "Một phần", "Có", 0.3,
       "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc"),
    _p("1.004889", "Giáo dục", "T", 20, "", "Không", 0.05,
       "Công nhận trường mầm non đạt chuẩn quốc gia"),
    _p("1.004614", "Y tế", "T", 20, "Một phần", "Có", 0.3,
       "Cấp chứng chỉ hành nghề dược"),
    _p("1.003006", "Y tế", "T", 20, "", "Có", 0.2,
       "Cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm đối với cơ sở sản xuất thực "
       "phẩm"),
    _p("1.002312", "Y tế", "T", 20, "", "Có", 0.2,
       "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh đối với người Việt Nam"),
    _p("2.000181", "Công Thương", "H", 10, "", "Có", 0.3,
       "Cấp Giấy phép bán lẻ sản phẩm rượu"),
    _p("2.000190", "Công Thương", "T", 15, "Một phần", "Có", 0.15,
       "Cấp Giấy chứng nhận đủ điều kiện cửa hàng bán lẻ LPG chai"),
    _p("2.000620", "Công Thương", "T", 15, "", "", 0.05,
       "Cấp Giấy phép bán buôn sản phẩm thuốc lá"),
    _p("2.000633", "Công Thương", "T", 15, 3, "Có", 0.1,
       "Cấp Giấy chứng nhận cửa hàng đủ điều kiện bán lẻ xăng dầu"),
    _p("1.004138", "Môi trường", "H", 10, "", "Có", 0.4,
       "Xác nhận đăng ký kế hoạch bảo vệ môi trường"),
    _p("1.004249", "Môi trường", "T", 30, "", "Có", 0.1,
       "Thẩm định, phê duyệt báo cáo đánh giá tác động môi trường"),
    _p("1.004253", "Môi trường", "T", 30, "", "Không", 0.05,
       "Cấp giấy phép xả nước thải vào nguồn nước"),
)
# fmt: on

_LEVEL_NAMES = {"T": "Cấp tỉnh", "H": "Cấp huyện", "X": "Cấp xã"}
_ONLINE_SHARE = {"Toàn trình": 0.30, "Một phần": 0.07, 4: 0.15, 3: 0.05, "": 0.0}
_POSTAL_SHARE = 0.016


def _procedure_units(units: Sequence[Unit]) -> dict[str, list[Unit]]:
    """For each procedure, the registry units that handle it (valid in 2020)."""
    out: dict[str, list[Unit]] = {}
    current = [u for u in units if u.valid_from <= date(2020, 12, 31)]
    for p in PROCEDURES:
        handlers: list[Unit] = []
        for u in current:
            sectors = u.sector_office.split(";") if u.sector_office else []
            if (
                ("T" in p.levels and u.kind == "sở" and p.sector in sectors)
                or ("H" in p.levels and u.level == "huyện" and u.kind == "ubnd")
                or ("H" in p.levels and u.kind == "phòng" and p.sector in sectors)
                or ("X" in p.levels and u.level == "xã")
            ):
                handlers.append(u)
        out[p.code] = handlers
    return out


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


class _Case:
    __slots__ = (
        "code",
        "unit",
        "proc",
        "channel",
        "received",
        "due",
        "show_due",
        "finished",
        "returned",
        "kind",
        "end",
        "pend",
        "apology",
        "person",
    )

    def __init__(self) -> None:
        self.code = ""
        self.unit: Unit
        self.proc: Procedure
        self.channel = "direct"
        self.received: datetime
        self.due: datetime | None = None
        self.show_due = True
        self.finished: datetime | None = None
        self.returned: datetime | None = None
        self.kind = 0  # final status kind: 1, 3, 7, 8 or 0 (resolved in the end)
        self.end: datetime | None = None  # when a 7/8 case ended
        self.pend = 4  # status while pending (4, 5 or 6)
        self.apology: datetime | None = None
        self.person: tuple[str, str, str, str, str] = ("", "", "", "", "")

    def state(self, t: datetime) -> tuple[int, datetime | None, datetime | None]:
        """(status, finished_at, returned_at) as an export taken at t shows the case."""
        kind = self.kind
        if kind in (1, 3):
            return kind, None, None
        if kind in (7, 8):
            if self.end is not None and self.end <= t:
                return kind, self.finished, self.returned
        else:
            ret = self.returned
            if ret is not None and ret <= t:
                return 10, self.finished, ret
            fin = self.finished
            if fin is not None and fin <= t:
                return 9, fin, None
        if t.date() == self.received.date():
            return 2, None, None
        return self.pend, None, None


_FAMILY = (
    ("Nguyễn", 25), ("Trần", 10), ("Lê", 8), ("Thạch", 8), ("Huỳnh", 6), ("Sơn", 5),
    ("Phạm", 5), ("Võ", 5), ("Kim", 4), ("Lâm", 4), ("Đặng", 3), ("Dương", 3), ("Trương", 3),
    ("Danh", 2), ("Ngô", 2), ("Đỗ", 2), ("Triệu", 1), ("Lý", 2), ("Châu", 2),
)  # fmt: skip
_MIDDLE_M = ("Văn", "Văn", "Minh", "Hoàng", "Thanh", "Quốc", "Hữu", "Công")
_MIDDLE_F = ("Thị", "Thị", "Thị", "Ngọc", "Thanh", "Kim", "Mỹ", "Thu")
_GIVEN_M = (
    "An", "Bình", "Cường", "Dũng", "Đức", "Hải", "Hùng", "Khánh", "Long", "Minh", "Nam",
    "Phong", "Phúc", "Quang", "Sang", "Tài", "Thành", "Thịnh", "Toàn", "Trí", "Tuấn", "Vinh",
    "Sa Rết", "Sô Phanh", "Tha", "Sóc", "Hiếu", "Lợi", "Tùng", "Khoa",
)  # fmt: skip
_GIVEN_F = (
    "Anh", "Bích", "Diễm", "Hà", "Hạnh", "Hằng", "Hoa", "Hòa", "Hồng", "Hương", "Lan", "Linh",
    "Loan", "Mai", "Ngân", "Nhung", "Phượng", "Thảo", "Thủy", "Trang", "Tuyết", "Vy", "Yến",
    "Sà Rây", "Sóc Khum", "Thúy",
)  # fmt: skip
_PHONE_PREFIXES = (
    "090", "091", "093", "094", "096", "097", "098", "032", "033", "034", "035", "036", "037",
    "038", "039", "070", "076", "077", "078", "079", "081", "082", "083", "084", "085", "086",
    "088", "089", "0294",
)  # fmt: skip
_HAMLETS = (
    "Ấp Chợ", "Ấp Bến Có", "Ấp Phú Hòa", "Ấp Sóc Ruộng", "Ấp Long Bình", "Ấp Ô Chát",
    "Ấp Giồng Lớn", "Ấp Bà Trầm", "Ấp Kinh Xáng", "Ấp Cây Da", "Ấp Đầu Giồng", "Ấp Tân Định",
    "Ấp Sóc Chuối", "Ấp Nô Công", "Ấp Phước Hòa",
)  # fmt: skip
_STREETS = (
    "Nguyễn Đáng", "Điện Biên Phủ", "Phạm Ngũ Lão", "Lê Lợi", "Nguyễn Thị Minh Khai", "Trần Phú",
    "Bạch Đằng", "Mậu Thân", "Phạm Thái Bường", "Võ Nguyên Giáp", "Kiên Thị Nhẫn", "Sơn Thông",
)  # fmt: skip


def _person_name(rng: random.Random, fam_cum: list[float]) -> str:
    family = rng.choices(_FAMILY, cum_weights=fam_cum)[0][0]
    if rng.random() < 0.5:
        return f"{family} {rng.choice(_MIDDLE_M)} {rng.choice(_GIVEN_M)}"
    return f"{family} {rng.choice(_MIDDLE_F)} {rng.choice(_GIVEN_F)}"


def _working_time(rng: random.Random, day: date) -> datetime:
    if rng.random() < 0.55:
        minute = rng.randint(7 * 60 + 15, 11 * 60 + 30)
    else:
        minute = rng.randint(13 * 60 + 30, 17 * 60)
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60)


def _day_weight(d: date) -> float:
    weight = 0.85 + 0.3 * (d.month - 1) / 10  # iGate use grows over the year
    if date(2020, 4, 1) <= d <= date(2020, 4, 22):  # social distancing (Directive 16)
        weight *= 0.5
    elif date(2020, 1, 30) <= d <= date(2020, 2, 7):  # after Tết
        weight *= 1.3
    return weight


def _generate_cases(
    rng: random.Random, n: int, units: Sequence[Unit], cal: _Calendar, no_status_units: set[str]
) -> list[_Case]:
    handlers = _procedure_units(units)
    # The procedures that get cases, with the units that receive them on iGate.
    procs: list[Procedure] = []
    proc_weights: list[float] = []
    proc_units: dict[str, tuple[list[Unit], list[float]]] = {}
    for p in PROCEDURES:
        active = [u for u in handlers[p.code] if u.active]
        if not active:
            continue
        weights = [u.weight for u in active]
        cum: list[float] = []
        total = 0.0
        for w in weights:
            total += w
            cum.append(total)
        procs.append(p)
        proc_weights.append(p.weight)
        proc_units[p.code] = (active, cum)

    days = cal.working_days(DATA_START, DATA_END.date())
    day_choice = rng.choices(days, weights=[_day_weight(d) for d in days], k=n)
    proc_choice = rng.choices(procs, weights=proc_weights, k=n)
    fam_cum: list[float] = []
    total = 0.0
    for _, w in _FAMILY:
        total += w
        fam_cum.append(total)
    addresses = _address_book()

    cases: list[_Case] = []
    for i in range(n):
        p = proc_choice[i]
        cand, cum = proc_units[p.code]
        unit = rng.choices(cand, cum_weights=cum)[0]
        c = _Case()
        c.unit = unit
        c.proc = p
        day = day_choice[i]
        r = rng.random()
        if r < _ONLINE_SHARE[p.online]:
            c.channel = "online"
            if rng.random() < 0.25:  # submitted on a weekend or a holiday
                shifted = day + timedelta(days=rng.randint(1, 3))
                if shifted <= DATA_END.date() and not cal.is_working(shifted):
                    day = shifted
            minute = rng.randint(6 * 60, 22 * 60 + 59)
            received = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
        else:
            if r > 1.0 - _POSTAL_SHARE:
                c.channel = "postal"
            received = _working_time(rng, day)
        if received > DATA_END:
            received = DATA_END - timedelta(minutes=rng.randint(5, 300))
        c.received = received
        rdate = received.date()
        limit = p.limit
        due_day = cal.after(rdate, limit)
        due_minute = min(max(received.hour * 60 + received.minute, 7 * 60 + 30), 17 * 60)
        due = datetime(due_day.year, due_day.month, due_day.day, due_minute // 60, due_minute % 60)
        constrained = unit.code in no_status_units

        k = rng.random()
        if constrained:
            pass  # its export without a status column could not tell these apart
        elif c.channel == "online" and k > 0.96:
            c.kind = 1  # registered online, never accepted
        elif k < 0.005:
            c.kind = 3  # not accepted
        elif k < 0.010:
            c.kind = 7  # withdrawn
        elif k < 0.013:
            c.kind = 8  # stopped
        if c.kind not in (1, 3):
            c.due = due
            c.show_due = rng.random() >= 0.03
        land = p.sector == LAND
        if c.kind == 0:
            u = rng.random()
            p_late = 0.19 * unit.late_factor if land else 0.03
            late = u < p_late
            stuck = land and p_late <= u < p_late + 0.035
            if stuck:
                fin_day = cal.after(due_day, rng.randint(25, 90))
            elif late:
                mean = 4.0 if land else 2.0
                fin_day = cal.after(due_day, 1 + int(rng.expovariate(1.0 / mean)))
            elif rng.random() < 0.7:
                lo = 0 if cal.is_working(rdate) else 1
                fin_day = cal.after(rdate, rng.randint(lo, max(lo, limit - 1)))
            else:
                fin_day = due_day
            if fin_day == rdate:
                finished = received + timedelta(minutes=rng.randint(15, 240))
                if finished.date() != rdate:
                    finished = datetime(rdate.year, rdate.month, rdate.day, 23, 30)
            else:
                finished = _working_time(rng, fin_day)
            c.finished = finished
            if rng.random() >= 0.06:
                ret_day = cal.after(fin_day, rng.choice((0, 0, 1, 1, 1, 2, 3)))
                if ret_day == fin_day:
                    c.returned = finished + timedelta(minutes=rng.randint(20, 180))
                else:
                    c.returned = _working_time(rng, ret_day)
            if (late or stuck) and rng.random() < (0.45 if land else 0.3):
                if rng.random() < 0.7:
                    ap_day = cal.before(due_day, rng.randint(1, 3))
                    if ap_day < rdate:
                        ap_day = due_day
                else:
                    ap_day = cal.after(due_day, rng.randint(0, 2))
                ap_day = min(ap_day, fin_day)
                c.apology = datetime(ap_day.year, ap_day.month, ap_day.day, 9, 0) + timedelta(
                    minutes=rng.randint(0, 420)
                )
                if c.apology < received:
                    c.apology = received + timedelta(minutes=30)
        elif c.kind in (7, 8):
            end_day = cal.after(rdate, rng.randint(1, max(1, limit)))
            c.end = _working_time(rng, end_day)
            if c.kind == 8:
                c.finished = c.end
            elif rng.random() < 0.5:
                c.returned = c.end
        if not constrained:
            if land:
                c.pend = rng.choices((4, 6, 5), weights=(0.6, 0.25, 0.15))[0]
            else:
                c.pend = 4 if rng.random() < 0.85 else 5
        c.person = _person(rng, fam_cum, unit, addresses)
        cases.append(c)

    # Case codes: receiving unit code, yymmdd, sequence per unit and day.
    order = sorted(range(n), key=lambda j: (cases[j].unit.code, cases[j].received))
    last_key = ("", date.min)
    seq = 0
    for j in order:
        c = cases[j]
        key = (c.unit.code, c.received.date())
        seq = seq + 1 if key == last_key else 1
        last_key = key
        c.code = f"{c.unit.code}-{c.received:%y%m%d}-{seq:04d}"
    return cases


def _address_book() -> list[list[str]]:
    """Per district: the places an applicant of that district lives in."""
    book: list[list[str]] = []
    for d in _DISTRICTS:
        short = d.short.replace("thành phố", "TP.").replace("thị xã", "TX.")
        book.append([f"{name.split(',')[0]}, {short}" for name, _, _, _ in d.communes])
    return book


def _person(
    rng: random.Random, fam_cum: list[float], unit: Unit, book: list[list[str]]
) -> tuple[str, str, str, str, str]:
    """(name, phone, address, citizen id 12 digits, old id 9 digits) — all text."""
    name = _person_name(rng, fam_cum)
    prefix = rng.choice(_PHONE_PREFIXES)
    rest = 10 - len(prefix)
    phone = f"{prefix}{rng.randrange(10**rest):0{rest}d}"
    district = unit.district if unit.district >= 0 else rng.randrange(len(book))
    place = rng.choice(book[district])
    if place.startswith(("phường", "thị trấn")):
        if rng.random() < 0.4:
            street = f"Số {rng.randint(1, 250)} đường {rng.choice(_STREETS)}"
            home = f"{street}, khóm {rng.randint(1, 10)}"
        else:
            home = f"Khóm {rng.randint(1, 10)}"
    else:
        home = rng.choice(_HAMLETS)
    address = f"{home}, {place}, Trà Vinh"
    born = rng.randint(1945, 2002)
    century = (0 if born < 2000 else 2) + rng.randint(0, 1)
    cccd = f"084{century}{born % 100:02d}{rng.randrange(10**6):06d}"
    cmnd = f"33{rng.randrange(10**7):07d}"
    return name, phone, address, cccd, cmnd


# --------------------------------------------------------------------------------------------
# Export styles and the plan of files
# --------------------------------------------------------------------------------------------

# Column fields of an export (the contract's fields plus layout-only ones).
STT, CODE, PCODE, PNAME, SECTOR, UNIT = "stt", "code", "pcode", "pname", "sector", "unit"
CHANNEL = "ch"
RECEIVED, DUE, FINISHED, RETURNED, STATUS, APOLOGY = "rec", "due", "fin", "ret", "status", "apol"
APPLICANT, PHONE, ADDRESS, IDNO, OLDID, NOTE = "who", "phone", "addr", "id", "oldid", "note"
_DATE_FIELDS = frozenset({RECEIVED, DUE, FINISHED, RETURNED, APOLOGY})

Columns = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Style:
    columns: Columns
    fmt: str = "xlsx"  # xlsx, xls, csv_utf8_bom, csv_cp1258, csv_utf16
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()  # two-row header: group over fields
    title: bool = False
    numbered: bool = False  # a row "(1) (2) …" under the header
    footer: bool = False
    blank_rows: bool = False
    repeat_header: bool = False  # the header again before each unit's block (single sheet)
    dates: str = "dmy_hm"  # cell, serial, dmy_hm, dmy_hms, hm_dmy, iso, dash
    status: str = "name"  # code_num, code_text, name, variant, none
    channel: str = "text"  # text, text_var, code
    unit_names: str = "registry"  # registry, abbrev, old_tone, nfd, upper, alias
    sector_names: str = "plain"  # plain, prefixed, nfd
    unit_override: dict[str, str] = field(default_factory=dict)  # unit code → written name
    sector_override: dict[str, str] = field(default_factory=dict)  # sector → written name
    sector_typo: float = 0.0  # share of land rows written "Đất đia"


def _cols(*pairs: tuple[str, str]) -> Columns:
    return tuple(pairs)


_COLS_TNMT = _cols(
    (STT, "STT"), (CODE, "Mã hồ sơ"), (PCODE, "Mã TTHC"), (PNAME, "Tên TTHC"),
    (SECTOR, "Lĩnh vực"), (UNIT, "Đơn vị tiếp nhận"), (CHANNEL, "Hình thức nộp"),
    (RECEIVED, "Ngày tiếp nhận"), (DUE, "Ngày hẹn trả"), (FINISHED, "Ngày có kết quả"),
    (RETURNED, "Ngày trả kết quả"), (APOLOGY, "Ngày xin lỗi"), (STATUS, "Trạng thái"),
    (APPLICANT, "Chủ hồ sơ"), (PHONE, "Số điện thoại"), (ADDRESS, "Địa chỉ"),
    (IDNO, "Số CCCD"), (NOTE, "Ghi chú"),
)  # fmt: skip
_COLS_CENTER = _cols(
    (STT, "STT"), (CODE, "Số hồ sơ"), (PNAME, "Tên thủ tục hành chính"), (PCODE, "Mã thủ tục"),
    (SECTOR, "Tên lĩnh vực"), (UNIT, "Cơ quan tiếp nhận"), (RECEIVED, "Ngày nhận hồ sơ"),
    (DUE, "Hẹn trả kết quả"), (FINISHED, "Ngày xử lý xong"), (RETURNED, "Ngày trả"),
    (STATUS, "Trạng thái hồ sơ"), (CHANNEL, "Kênh thực hiện"), (APPLICANT, "Người nộp"),
    (PHONE, "Điện thoại"), (IDNO, "Số giấy tờ"),
)  # fmt: skip
_COLS_CITY = _cols(
    (STT, "STT"), (CODE, "Số hồ sơ"), (PCODE, "Mã thủ tục"), (PNAME, "Thủ tục hành chính"),
    (SECTOR, "Lĩnh vực"), (UNIT, "Đơn vị"), (CHANNEL, "Hình thức tiếp nhận"),
    (RECEIVED, "Ngày nhận"), (DUE, "Ngày hẹn trả kết quả"), (FINISHED, "Ngày hoàn thành"),
    (RETURNED, "Ngày trả"), (STATUS, "Tình trạng"), (APPLICANT, "Họ tên"),
    (ADDRESS, "Địa chỉ chủ hồ sơ"), (PHONE, "SĐT"),
)  # fmt: skip
_COLS_CANG_LONG = _cols(
    (STT, "STT"), (CODE, "Mã hồ sơ"), (PCODE, "Mã TTHC"), (PNAME, "Tên TTHC"),
    (SECTOR, "Lĩnh vực"), (UNIT, "Nơi tiếp nhận"), (CHANNEL, "Kênh nộp"),
    (APPLICANT, "Tên tổ chức, cá nhân"), (PHONE, "Số điện thoại"), (OLDID, "Số CMND"),
    (RECEIVED, "Ngày tiếp nhận"), (DUE, "Ngày hẹn trả"), (FINISHED, "Ngày kết thúc xử lý"),
    (RETURNED, "Trả kết quả"), (STATUS, "Trạng thái"),
)  # fmt: skip
_COLS_CAU_KE = _cols(
    (CODE, "Mã số hồ sơ"), (RECEIVED, "Ngày tiếp nhận"), (PCODE, "Mã TTHC"),
    (PNAME, "Nội dung hồ sơ"), (SECTOR, "Lĩnh vực"), (UNIT, "Đơn vị tiếp nhận"),
    (CHANNEL, "Hình thức nộp"), (DUE, "Ngày hẹn trả"), (FINISHED, "Ngày có kết quả"),
    (RETURNED, "Ngày trả kết quả"), (STATUS, "Trạng thái"), (APPLICANT, "Chủ hồ sơ"),
    (PHONE, "Số điện thoại"), (ADDRESS, "Địa chỉ"),
)  # fmt: skip
_COLS_STD = _cols(
    (STT, "STT"), (CODE, "Mã hồ sơ"), (PCODE, "Mã TTHC"), (PNAME, "Tên TTHC"),
    (SECTOR, "Lĩnh vực"), (UNIT, "Cơ quan tiếp nhận"), (CHANNEL, "Kênh nộp"),
    (RECEIVED, "Ngày nhận hồ sơ"), (DUE, "Ngày hẹn trả kết quả"), (FINISHED, "Ngày hoàn thành"),
    (RETURNED, "Ngày trả kết quả"), (STATUS, "Trạng thái"), (APOLOGY, "Ngày phiếu xin lỗi"),
    (APPLICANT, "Chủ hồ sơ"), (PHONE, "SĐT"), (IDNO, "Số CCCD"),
)  # fmt: skip
_COLS_PLAIN = _cols(
    (STT, "STT"), (CODE, "Mã hồ sơ"), (PCODE, "Mã TTHC"), (PNAME, "Tên TTHC"),
    (SECTOR, "Lĩnh vực"), (UNIT, "Đơn vị tiếp nhận"), (CHANNEL, "Hình thức nộp"),
    (RECEIVED, "Ngày tiếp nhận"), (DUE, "Ngày hẹn trả"), (FINISHED, "Ngày có kết quả"),
    (RETURNED, "Ngày trả kết quả"), (STATUS, "Trạng thái"), (APPLICANT, "Chủ hồ sơ"),
    (PHONE, "Số điện thoại"), (ADDRESS, "Địa chỉ"), (IDNO, "Số CCCD"),
)  # fmt: skip
_COLS_COMMUNE = _cols(
    (STT, "STT"), (CODE, "Mã hồ sơ"), (PNAME, "Tên TTHC"), (SECTOR, "Lĩnh vực"),
    (UNIT, "Đơn vị tiếp nhận"), (CHANNEL, "Hình thức nộp"), (RECEIVED, "Ngày tiếp nhận"),
    (DUE, "Ngày hẹn trả"), (FINISHED, "Ngày có kết quả"), (RETURNED, "Ngày trả kết quả"),
    (STATUS, "Trạng thái"), (APPLICANT, "Họ tên"), (PHONE, "Số điện thoại"),
    (ADDRESS, "Địa chỉ"), (IDNO, "Số giấy tờ"),
)  # fmt: skip

_TIME_GROUP = ("Thời gian", (RECEIVED, DUE, FINISHED, RETURNED))
# A sector name that is not in the catalogue (an older way of grouping sectors).
_JOINT_SECTOR = {"Hộ tịch": "Tư pháp - Hộ tịch", "Chứng thực": "Tư pháp - Hộ tịch"}


@dataclass(frozen=True)
class _Period:
    number: int  # month 1–11 or quarter 1–4
    start: date
    end: date  # inclusive


def _month_periods() -> list[_Period]:
    out = []
    for m in range(1, 12):
        start = date(2020, m, 1)
        end = (date(2020, m + 1, 1) - timedelta(days=1)) if m < 11 else DATA_END.date()
        out.append(_Period(m, start, end))
    return out


def _quarter_periods() -> list[_Period]:
    out = []
    for q in range(1, 5):
        start = date(2020, 3 * q - 2, 1)
        end = date(2020, 3 * q + 1, 1) - timedelta(days=1) if q < 4 else DATA_END.date()
        out.append(_Period(q, start, end))
    return out


@dataclass(frozen=True)
class _Exporter:
    """One exporting office: which units, how often, where its files go, in which style."""

    key: str
    units: tuple[str, ...]  # unit codes
    agency: tuple[str, str]  # the two lines of the title block's agency name
    quarterly: bool
    carry: bool  # cases still open at the start of a period are listed again
    lag_days: int  # the export was taken this many days after the period's end
    per_unit_sheets: bool
    template: str  # path under raw/ with {n} (month/quarter), {nn} (two digits), {ext}
    style: _Style
    overrides: dict[int, dict[str, Any]] = field(default_factory=dict)  # period → style changes

    def path(self, period: _Period, ext: str) -> str:
        return self.template.format(n=period.number, nn=f"{period.number:02d}", ext=ext)

    def style_for(self, period: _Period) -> _Style:
        changes = self.overrides.get(period.number)
        return replace(self.style, **changes) if changes else self.style

    def snapshot(self, period: _Period) -> datetime:
        end = datetime(period.end.year, period.end.month, period.end.day, 23, 59)
        return min(end + timedelta(days=self.lag_days), DATA_END)


_EXT = {
    "xlsx": "xlsx",
    "xls": "xls",
    "csv_utf8_bom": "csv",  # UTF-8 with BOM, `;`
    "csv_cp1258": "csv",  # Windows-1258, `,`
    "csv_utf16": "csv",  # UTF-16 LE with BOM, tab
}


def _exporters(units: Sequence[Unit]) -> list[_Exporter]:
    by_district: dict[int, list[Unit]] = {}
    for u in units:
        if u.district >= 0 and u.active:
            by_district.setdefault(u.district, []).append(u)
    so = [u for u in units if u.kind == "sở" and u.active]
    tnmt = _ucode(9)
    ex: list[_Exporter] = [
        _Exporter(
            "so_tnmt", (tnmt,), ("UBND TỈNH TRÀ VINH", "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG"),
            False, True, 0, True,
            "igate/2020/Tháng {n}/Sở TNMT.{ext}",
            _Style(_COLS_TNMT, groups=(_TIME_GROUP, ("Thông tin chủ hồ sơ",
                   (APPLICANT, PHONE, ADDRESS, IDNO))), title=True, numbered=True, footer=True,
                   blank_rows=True, dates="cell", status="name", channel="text"),
        ),
        _Exporter(
            "center", tuple(u.code for u in so if u.code != tnmt),
            ("VĂN PHÒNG UBND TỈNH TRÀ VINH", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"),
            False, False, 10, True,
            "igate/2020/Tháng {n}/Trung tâm PVHCC tỉnh - hồ sơ các sở.{ext}",
            _Style(_COLS_CENTER, dates="dmy_hm", status="code_num", channel="code",
                   unit_names="alias"),
            {3: {"fmt": "xls", "dates": "cell"}, 11: {"title": True}},
        ),
    ]  # fmt: skip

    def district(i: int) -> tuple[str, ...]:
        return tuple(u.code for u in by_district[i] if u.level == "huyện")

    def communes(i: int) -> tuple[str, ...]:
        return tuple(u.code for u in by_district.get(i, []) if u.level == "xã")

    def agency(i: int) -> tuple[str, str]:
        return ("UBND TỈNH TRÀ VINH", _DISTRICTS[i].name.replace("UBND", "ỦY BAN NHÂN DÂN").upper())

    f = _DISTRICTS
    ex += [
        _Exporter(
            "tp_tra_vinh", district(0), agency(0), False, True, 0, True,
            f"igate/huyen/{f[0].folder}/Sổ theo dõi hồ sơ tháng {{nn}}.2020.{{ext}}",
            _Style(_COLS_CITY, title=True, numbered=True, footer=True, dates="hm_dmy",
                   status="variant", channel="text_var", unit_names="abbrev"),
        ),
        _Exporter(
            "cang_long", district(1), agency(1), False, True, 0, False,
            f"igate/huyen/{f[1].folder}/{{nn}}-2020.{{ext}}",
            _Style(_COLS_CANG_LONG, groups=(("Thông tin người nộp", (APPLICANT, PHONE, OLDID)),
                   _TIME_GROUP), title=True, footer=True, dates="cell", status="code_text",
                   channel="code", unit_names="old_tone"),
        ),
        _Exporter(
            "cau_ke", district(2), agency(2), False, True, 0, False,
            f"igate/huyen/{f[2].folder}/HS_CauKe_2020{{nn}}.{{ext}}",
            _Style(_COLS_CAU_KE, dates="dmy_hm", status="name", channel="text"),
            {7: {"status": "none"}},
        ),
        _Exporter(
            "tieu_can", district(3), agency(3), False, False, 15, True,
            f"igate/huyen/{f[3].folder}/Tháng {{n}} năm 2020.{{ext}}",
            _Style(_COLS_STD, title=True, dates="iso", status="variant", channel="text",
                   unit_names="upper"),
            {5: {"unit_override": {_ucode(54): "UBND huyện Tiểu Cầm"}}},
        ),
        _Exporter(
            "chau_thanh", district(4), agency(4), False, True, 0, False,
            f"igate/huyen/{f[4].folder}/ChauThanh_T{{nn}}_2020.{{ext}}",
            _Style(_COLS_PLAIN, title=True, footer=True, dates="dmy_hms", status="name",
                   channel="text_var", unit_names="nfd", sector_names="nfd"),
            {2: {"fmt": "xls", "dates": "cell"}, 5: {"fmt": "xls", "dates": "dmy_hm"}},
        ),
        _Exporter(
            "cau_ngang", district(5), agency(5), False, True, 0, False,
            f"igate/huyen/{f[5].folder}/Cau Ngang {{nn}}-2020.{{ext}}",
            _Style(_COLS_PLAIN, dates="cell", status="code_num", channel="text",
                   unit_names="abbrev"),
            {6: {"fmt": "csv_cp1258", "dates": "dmy_hm"}},
        ),
        _Exporter(
            "tra_cu", district(6), agency(6), False, True, 0, False,
            f"igate/huyen/{f[6].folder}/Trà Cú - tháng {{n}}.{{ext}}",
            _Style(_COLS_PLAIN, title=True, footer=True, blank_rows=True, dates="dmy_hm",
                   status="variant", channel="text", sector_names="prefixed"),
            {3: {"fmt": "csv_utf8_bom", "title": False, "footer": False}},
        ),
        _Exporter(
            "duyen_hai", district(7), agency(7), False, True, 0, False,
            f"igate/huyen/{f[7].folder}/2020-{{nn}}.{{ext}}",
            _Style(_COLS_PLAIN, dates="dash", status="name", channel="text"),
            {8: {"dates": "serial"}},
        ),
        _Exporter(
            "tx_duyen_hai", district(8), agency(8), False, True, 0, False,
            f"igate/huyen/{f[8].folder}/Sổ theo dõi T{{n}}.{{ext}}",
            _Style(_COLS_PLAIN, title=True, footer=True, dates="dmy_hm", status="code_text",
                   channel="text_var", unit_names="abbrev"),
            {4: {"sector_typo": 0.15},
             9: {"sector_override": _JOINT_SECTOR}},
        ),
    ]  # fmt: skip

    commune_styles: dict[int, tuple[bool, _Style, dict[int, dict[str, Any]]]] = {
        0: (True, _Style(_COLS_COMMUNE, title=True, footer=True, dates="dmy_hm", status="name",
                         unit_names="alias"), {}),
        1: (False, _Style(_COLS_COMMUNE, title=True, repeat_header=True, dates="hm_dmy",
                          status="variant"), {}),
        2: (True, _Style(_COLS_PLAIN, dates="dmy_hm", status="code_text", channel="code"),
            {3: {"fmt": "csv_utf16", "dates": "iso"}}),
        3: (False, _Style(_COLS_COMMUNE, title=True, footer=True, dates="cell"), {}),
        4: (True, _Style(_COLS_PLAIN, groups=(_TIME_GROUP,), title=True, dates="cell",
                         unit_names="nfd"), {}),
        5: (False, _Style(_COLS_PLAIN, dates="dmy_hm", status="variant", channel="text_var",
                          unit_names="old_tone"), {}),
        6: (True, _Style(_COLS_STD, title=True, numbered=True, dates="dmy_hms"), {}),
        8: (False, _Style(_COLS_PLAIN, title=True, footer=True, blank_rows=True,
                          status="code_num"), {3: {"sector_override": _JOINT_SECTOR}}),
    }  # fmt: skip
    for i, (per_unit, style, overrides) in commune_styles.items():
        units_i = communes(i)
        if not units_i:
            continue
        folder = _DISTRICTS[i].folder
        ex.append(
            _Exporter(
                f"xa_{i}", units_i, agency(i), True, False, 10, per_unit,
                f"igate/xa/{folder}/Quý {{n}} năm 2020.{{ext}}",
                style, overrides,
            )
        )  # fmt: skip
    return ex


# --------------------------------------------------------------------------------------------
# Cell values
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


def _unit_name(u: Unit, style: str) -> str:
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


def _sector_name(sector: str, style: str) -> str:
    if style == "prefixed":
        return f"Lĩnh vực {sector}"
    if style == "nfd":
        return unicodedata.normalize("NFD", sector)
    return sector


def _serial(dt: datetime) -> float:
    return dt.toordinal() - _EXCEL_EPOCH + (dt.hour * 60 + dt.minute) / 1440


def _date_text(dt: datetime, style: str) -> str:
    if style == "dmy_hms":
        return f"{dt.day:02d}/{dt.month:02d}/{dt.year} {dt.hour:02d}:{dt.minute:02d}:00"
    if style == "hm_dmy":
        return f"{dt.hour:02d}:{dt.minute:02d} {dt.day:02d}/{dt.month:02d}/{dt.year}"
    if style == "iso":
        return f"{dt.year}-{dt.month:02d}-{dt.day:02d} {dt.hour:02d}:{dt.minute:02d}:00"
    if style == "dash":
        return f"{dt.day:02d}-{dt.month:02d}-{dt.year}"
    return f"{dt.day:02d}/{dt.month:02d}/{dt.year} {dt.hour:02d}:{dt.minute:02d}"


def _date_value(dt: datetime | None, style: str) -> Any:
    if dt is None:
        return None
    if style in ("cell", "serial"):
        return _serial(dt)
    return _date_text(dt, style)


def _impossible_date(dt: datetime, style: str) -> str:
    """The received date written as 31 February, in the file's text form."""
    text = _date_text(dt, "dmy_hm" if style in ("cell", "serial") else style)
    if style == "iso":
        return "2020-02-31" + text[10:]
    if style == "dash":
        return "31-02-2020"
    if style == "hm_dmy":
        return text[:6] + "31/02/2020"
    return "31/02/2020" + text[10:]


class _RowMaker:
    """Turns (case, snapshot time) into the cells of one export row."""

    def __init__(self, style: _Style, rng: random.Random) -> None:
        self.style = style
        self.rng = rng
        self.fields = [f for f, _ in style.columns if not (f == STATUS and style.status == "none")]
        self.index = {f: i for i, f in enumerate(self.fields)}
        self._unit_names: dict[str, str] = {}

    def unit_name(self, u: Unit) -> str:
        name = self._unit_names.get(u.code)
        if name is None:
            name = self.style.unit_override.get(u.code) or _unit_name(u, self.style.unit_names)
            self._unit_names[u.code] = name
        return name

    def status_value(self, status: int) -> Any:
        s = self.style.status
        if s == "code_num":
            return status
        if s == "code_text":
            return str(status)
        if s == "variant":
            return self.rng.choice(STATUS_VARIANTS[status] + (STATUS_NAMES[status],))
        return STATUS_NAMES[status]

    def channel_value(self, channel: str) -> Any:
        s = self.style.channel
        if s == "code":
            if channel == "direct" and self.rng.random() < 0.2:
                return None
            return CHANNEL_CODES[channel]
        if s == "text_var":
            return self.rng.choice(CHANNEL_VARIANTS[channel]) or None
        return CHANNEL_TEXT[channel]

    def row(self, c: _Case, t: datetime, stt: int) -> list[Any]:
        style = self.style
        status, finished, returned = c.state(t)
        ds = style.dates
        out: list[Any] = []
        for f in self.fields:
            if f == CODE:
                out.append(c.code)
            elif f == RECEIVED:
                out.append(_date_value(c.received, ds))
            elif f == DUE:
                out.append(_date_value(c.due, ds) if c.show_due else None)
            elif f == FINISHED:
                out.append(_date_value(finished, ds))
            elif f == RETURNED:
                out.append(_date_value(returned, ds))
            elif f == STATUS:
                out.append(self.status_value(status))
            elif f == UNIT:
                out.append(self.unit_name(c.unit))
            elif f == SECTOR:
                sector = c.proc.sector
                if sector in style.sector_override:
                    out.append(style.sector_override[sector])
                elif sector == LAND and style.sector_typo and self.rng.random() < style.sector_typo:
                    out.append("Đất đia")
                else:
                    out.append(_sector_name(sector, style.sector_names))
            elif f == PCODE:
                out.append(c.proc.code)
            elif f == PNAME:
                out.append(c.proc.name)
            elif f == CHANNEL:
                out.append(self.channel_value(c.channel))
            elif f == STT:
                out.append(stt)
            elif f == APOLOGY:
                ap = c.apology
                out.append(_date_value(ap, ds) if ap is not None and ap <= t else None)
            elif f == APPLICANT:
                out.append(c.person[0])
            elif f == PHONE:
                out.append(c.person[1])
            elif f == ADDRESS:
                out.append(c.person[2])
            elif f == IDNO:
                out.append(c.person[3])
            elif f == OLDID:
                out.append(c.person[4] if self.rng.random() < 0.6 else c.person[3])
            elif f == NOTE:
                late = c.due is not None and finished is not None and finished > c.due
                out.append("Trễ hạn" if late and c.apology is None else None)
            else:  # pragma: no cover - every field is handled above
                raise ValueError(f)
        return out

    def spoil(self, row: list[Any], c: _Case, kind: str) -> None:
        """Make a row the pipeline must reject (docs/spec.md §2, §4)."""
        ix = self.index
        ds = self.style.dates
        if kind == "missing_code":
            row[ix[CODE]] = None
        elif kind == "impossible_date":
            row[ix[RECEIVED]] = _impossible_date(c.received, ds)
        elif kind == "finished_before_received":
            before = c.received - timedelta(days=self.rng.randint(2, 6), hours=2)
            row[ix[FINISHED]] = _date_value(before, ds)
        elif kind == "unknown_status":
            if self.style.status in ("code_num", "code_text"):
                code = self.rng.choice(UNKNOWN_STATUS_CODES)
                row[ix[STATUS]] = code if self.style.status == "code_num" else str(code)
            else:
                row[ix[STATUS]] = self.rng.choice(UNKNOWN_STATUS_TEXT)

    def bad_kinds(self) -> tuple[str, ...]:
        kinds = ("missing_code", "impossible_date", "finished_before_received")
        return kinds + (("unknown_status",) if STATUS in self.index else ())


# --------------------------------------------------------------------------------------------
# Sheet layout (title block, header, data, footer) and the three writers
# --------------------------------------------------------------------------------------------


_Merge = tuple[int, int, int, int, str]  # first row, first col, last row, last col, text


@dataclass
class _Layout:
    rows: list[list[Any] | None]  # None = a blank row
    merges: list[_Merge]
    header_rows: tuple[int, ...]
    data_start: int
    data_end: int  # exclusive
    date_cols: frozenset[int]


def _header_block(style: _Style, fields: list[str]) -> tuple[list[list[Any]], list[_Merge]]:
    """The header: one row, or two when groups are merged over their sub-headers."""
    headers = dict(style.columns)
    width = len(fields)
    if not style.groups:
        return [[headers[f] for f in fields]], []
    top: list[Any] = [None] * width
    sub: list[Any] = [None] * width
    merges: list[_Merge] = []
    grouped: dict[str, str] = {}
    for gname, gfields in style.groups:
        for gf in gfields:
            grouped[gf] = gname
    col = 0
    while col < width:
        f = fields[col]
        g = grouped.get(f)
        if g is None:
            merges.append((0, col, 1, col, headers[f]))
            col += 1
            continue
        end = col
        while end + 1 < width and grouped.get(fields[end + 1]) == g:
            end += 1
        if end > col:
            merges.append((0, col, 0, end, g))
        else:
            top[col] = g
        for k in range(col, end + 1):
            sub[k] = headers[fields[k]]
        col = end + 1
    return [top, sub], merges


def _layout(
    style: _Style,
    fields: list[str],
    exporter: _Exporter,
    period: _Period,
    unit_label: str,
    blocks: list[list[list[Any] | None]],
    signers: tuple[str, str],
) -> _Layout:
    width = len(fields)
    headers = dict(style.columns)
    rows: list[list[Any] | None] = []
    merges: list[_Merge] = []
    span = max(width - 1, 0)
    if style.title:
        left = min(4, span)
        rows.append([None] * width)
        merges.append((0, 0, 0, left, exporter.agency[0]))
        line2 = unit_label.upper() if unit_label else exporter.agency[1]
        rows.append([None] * width)
        merges.append((1, 0, 1, left, line2))
        rows.append(None)
        rows.append([None] * width)
        merges.append((3, 0, 3, span, "SỔ THEO DÕI HỒ SƠ"))
        rows.append([None] * width)
        period_text = f"Từ ngày {period.start:%d/%m/%Y} đến ngày {period.end:%d/%m/%Y}"
        merges.append((4, 0, 4, span, period_text))
        rows.append(None)
    header, hmerges = _header_block(style, fields)
    first_header = len(rows)
    for r0, c0, r1, c1, v in hmerges:
        merges.append((r0 + first_header, c0, r1 + first_header, c1, v))
    rows.extend(header)
    header_rows = tuple(range(first_header, len(rows)))
    if style.numbered:
        rows.append([f"({i + 1})" for i in range(width)])
        header_rows = header_rows + (len(rows) - 1,)
    data_start = len(rows)
    n_data = 0
    for bi, block in enumerate(blocks):
        if bi > 0 and style.repeat_header:
            rows.append([headers[f] for f in fields])
        rows.extend(block)
        n_data += sum(1 for r in block if r is not None)
    data_end = len(rows)
    if style.footer:
        rows.append(None)
        total_row = len(rows)
        rows.append([None] * width)
        merges.append((total_row, 0, total_row, min(2, span), f"Tổng cộng: {n_data} hồ sơ"))
        rows.append(None)
        right = max(width - 4, 2)
        end = period.end
        place = [None] * width
        place[right] = f"Trà Vinh, ngày {end.day:02d} tháng {end.month:02d} năm {end.year}"
        rows.append(place)
        labels = [None] * width
        labels[1] = "Người lập biểu"
        labels[right] = "THỦ TRƯỞNG ĐƠN VỊ"
        rows.append(labels)
        rows.extend([None, None, None])
        names = [None] * width
        names[1] = signers[0]
        names[right] = signers[1]
        rows.append(names)
    date_cols = frozenset(i for i, f in enumerate(fields) if f in _DATE_FIELDS)
    return _Layout(rows, merges, header_rows, data_start, data_end, date_cols)


def _write_xlsx(path: Path, sheets: list[tuple[str, _Layout]], style: _Style) -> None:
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
        date_cols = lay.date_cols if style.dates == "cell" else frozenset()
        merges: dict[int, list[_Merge]] = {}
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


def _write_xls(path: Path, sheets: list[tuple[str, _Layout]], style: _Style) -> None:
    wb = xlwt.Workbook(encoding="utf-8")
    head = xlwt.easyxf("font: bold on; align: horiz center, vert center, wrap on")
    date_style = xlwt.easyxf(num_format_str="dd/mm/yyyy hh:mm")
    for name, lay in sheets:
        ws = wb.add_sheet(name, cell_overwrite_ok=True)
        header_rows = set(lay.header_rows)
        date_cols = lay.date_cols if style.dates == "cell" else frozenset()
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


def _write_csv(path: Path, lay: _Layout, fmt: str) -> None:
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
# Reference files
# --------------------------------------------------------------------------------------------


def _reference_workbook(path: Path, headers: Sequence[str], rows: list[list[Any]]) -> None:
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
                ws.write_number(r, c, v.toordinal() - _EXCEL_EPOCH, date_fmt)
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            else:
                ws.write_number(r, c, v)
    wb.close()


def _write_reference(ref: Path, units: Sequence[Unit]) -> list[Path]:
    ref.mkdir(parents=True, exist_ok=True)
    unit_rows: list[list[Any]] = []
    for u in units:
        unit_rows.append(
            [
                u.code,
                u.name,
                u.level,
                u.parent,
                u.kind,
                ";".join(u.aliases),
                u.valid_from,
                u.valid_to,
                u.successor,
            ]
        )
    handlers = _procedure_units(units)
    proc_rows: list[list[Any]] = []
    for p in PROCEDURES:
        proc_rows.append(
            [
                p.code,
                p.name,
                p.sector,
                ", ".join(_LEVEL_NAMES[x] for x in p.levels),
                p.online,
                p.limit,
                p.one_stop,
                ";".join(u.code for u in handlers[p.code]),
            ]
        )
    holiday_rows = [[f"{d:%d/%m/%Y}", kind, note] for d, kind, note in HOLIDAY_OVERRIDES]
    paths = [ref / "units.xlsx", ref / "procedures.xlsx", ref / "holidays.xlsx"]
    _reference_workbook(paths[0], UNIT_HEADERS, unit_rows)
    _reference_workbook(paths[1], PROCEDURE_HEADERS, proc_rows)
    _reference_workbook(paths[2], HOLIDAY_HEADERS, holiday_rows)
    return paths


# --------------------------------------------------------------------------------------------
# The sample
# --------------------------------------------------------------------------------------------

_BAD_ROW_SHARE = 0.005  # of the rows of cases that appear once → ≈0.3 % of all rows
_DUPLICATE_SHARE = 0.0015
_BLANK_ROW_SHARE = 0.004
_EQUAL_FAMILY = [float(i + 1) for i in range(len(_FAMILY))]  # cumulative, equal weights
_PARALLEL_FROM = 50_000  # cases; below this, starting processes costs more than it saves

_NOTE = """Ghi chú
Dữ liệu xuất từ phần mềm một cửa điện tử (iGate) của các cơ quan, đơn vị tỉnh Trà Vinh,
năm 2020 (từ ngày 02/01/2020 đến ngày 20/11/2020), phục vụ Đoàn Kiểm tra liên ngành về công
tác cải cách hành chính. Các tệp được giữ nguyên như khi xuất; không chỉnh sửa.
"""


@dataclass
class _Tally:
    """What the export files hold, counted while they are built."""

    rows: int = 0
    duplicates: int = 0
    bad_by_kind: dict[str, int] = field(default_factory=dict)
    bad_cases: set[int] = field(default_factory=set)
    last_seen: dict[int, datetime] = field(default_factory=dict)  # good rows: latest snapshot


def write_sample(
    data_root: Path, cases: int = 20000, seed: int = 2020, *, workers: int | None = None
) -> SampleSummary:
    """Write the sample province-year under `<data_root>/raw/` and say what was written.

    Files are overwritten in place; nothing else under `raw/` is touched. `workers` > 1 writes
    the .xlsx workbooks in that many forked processes (the bytes are the same either way); by
    default only large samples (≥ 50,000 cases) use up to two. Forking is skipped (serial
    writing) when the caller runs other threads, where a fork could deadlock.
    """
    if cases < 0:
        raise ValueError("cases must be >= 0")
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if cases >= _PARALLEL_FROM else 1
    pool = _fork_pool(workers)  # before the cases exist: the children stay small
    try:
        return _write_sample(Path(data_root), cases, seed, pool, workers)
    except BaseException:
        if pool is not None:
            pool.terminate()
        raise
    finally:
        if pool is not None:
            pool.close()
            pool.join()


def _fork_pool(workers: int) -> multiprocessing.pool.Pool | None:
    if workers <= 1 or threading.active_count() > 1:
        return None
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork").Pool(workers)


def _write_sample(
    root: Path, cases: int, seed: int, pool: multiprocessing.pool.Pool | None, workers: int
) -> SampleSummary:
    raw = root / "raw"
    cal = _Calendar(date(2019, 12, 1), date(2021, 12, 31))
    units = _build_units()
    _check_unique_names(units)
    ref_paths = _write_reference(raw / "reference", units)

    exporters = _exporters(units)
    no_status_units = {_ucode(53)}  # Cầu Kè: one of its exports has no status column
    case_list = _generate_cases(random.Random(seed), cases, units, cal, no_status_units)
    plan, appearances = _plan_rows(case_list, exporters)

    tally = _Tally()
    files: dict[str, int] = {"reference": len(ref_paths), "igate": 0}
    units_by_code = {u.code: u for u in units}
    pending: deque[multiprocessing.pool.AsyncResult[None]] = deque()
    for e in exporters:
        for pi, period in enumerate(_periods(e)):
            style = e.style_for(period)
            rel = e.path(period, _EXT[style.fmt])
            path = raw / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            entries = plan.get((e.key, pi), [])
            rng = random.Random(f"{seed}/{rel}")
            sheets = _export_sheets(
                e, period, style, entries, case_list, appearances, units_by_code, rng, tally
            )
            if style.fmt == "xlsx" and pool is not None:
                pending.append(pool.apply_async(_write_xlsx, (path, sheets, style)))
                while len(pending) > 2 * workers:
                    pending.popleft().get()
            elif style.fmt == "xlsx":
                _write_xlsx(path, sheets, style)
            elif style.fmt == "xls":
                _write_xls(path, sheets, style)
            else:
                _write_csv(path, sheets[0][1], style.fmt)
            files["igate"] += 1
    while pending:
        pending.popleft().get()

    note = raw / "igate" / "ghi_chu.txt"
    note.write_text(_NOTE, encoding="utf-8")
    files["igate"] += 1

    # Document registers, postal items and late-case lists of the same province-year.
    from flows.sample.sources import write_other_sources  # it builds on this module

    received = {i for i in tally.last_seen if case_list[i].kind not in (1, 3)}
    other = write_other_sources(
        raw, units, case_list, received, cal, seed, cases / 20000, seen=tally.last_seen
    )
    files.update(other.files)

    expected, with_files = _expected(case_list, tally.last_seen, tally.bad_cases, cal)
    expected.update(other.expected)
    valid_2020 = [u for u in units if u.valid_from <= date(2020, 12, 31)]
    return SampleSummary(
        data_root=root,
        files=files,
        skipped_files=[note.relative_to(root).as_posix()],
        cases=len(case_list),
        rows_written=tally.rows,
        bad_rows=sum(tally.bad_by_kind.values()),
        bad_rows_by_kind=dict(sorted(tally.bad_by_kind.items())),
        duplicate_rows=tally.duplicates,
        units_valid_2020=len(valid_2020),
        units_with_files=len(with_files),
        expected=expected,
    )


def _start(p: _Period) -> datetime:
    return datetime(p.start.year, p.start.month, p.start.day)


def _periods(e: _Exporter) -> list[_Period]:
    return _quarter_periods() if e.quarterly else _month_periods()


def _plan_rows(
    case_list: list[_Case], exporters: list[_Exporter]
) -> tuple[dict[tuple[str, int], list[tuple[int, datetime]]], list[int]]:
    """The rows of each file: (case index, snapshot time) per (exporter, period index).

    A case is listed in the export of the period it was received in; an exporter that carries
    open cases lists it again in each later period until it is closed (returned, withdrawn,
    stopped, not accepted; a finished case waiting to be collected is listed once more),
    showing how far it had got by that export.
    """
    exporter_of = {code: e for e in exporters for code in e.units}
    periods_of = {e.key: _periods(e) for e in exporters}
    plan: dict[tuple[str, int], list[tuple[int, datetime]]] = {}
    appearances = [0] * len(case_list)
    for i, c in enumerate(case_list):
        e = exporter_of[c.unit.code]
        periods = periods_of[e.key]
        p0 = (c.received.month - 1) // 3 if e.quarterly else c.received.month - 1
        plan.setdefault((e.key, p0), []).append((i, e.snapshot(periods[p0])))
        appearances[i] += 1
        if not e.carry:
            continue
        for pi in range(p0 + 1, len(periods)):
            before = e.snapshot(periods[pi - 1])
            status, finished, _ = c.state(before)
            if status in (1, 3, 7, 8, 10):
                break
            if status == 9 and finished is not None and finished < _start(periods[pi - 1]):
                break  # finished, waiting to be collected: listed once more, then dropped
            plan.setdefault((e.key, pi), []).append((i, e.snapshot(periods[pi])))
            appearances[i] += 1
    return plan, appearances


def _export_sheets(
    e: _Exporter,
    period: _Period,
    style: _Style,
    entries: list[tuple[int, datetime]],
    case_list: list[_Case],
    appearances: list[int],
    units_by_code: dict[str, Unit],
    rng: random.Random,
    tally: _Tally,
) -> list[tuple[str, _Layout]]:
    """The sheets of one export file, laid out; bad and duplicate rows are made here."""
    maker = _RowMaker(style, rng)
    entries = sorted(entries, key=lambda it: (case_list[it[0]].received, case_list[it[0]].code))
    per_unit = e.per_unit_sheets and not style.fmt.startswith("csv")  # a CSV is one sheet
    if per_unit or style.repeat_header:
        by_unit: dict[str, list[tuple[int, datetime]]] = {}
        for it in entries:
            by_unit.setdefault(case_list[it[0]].unit.code, []).append(it)
        groups = [(code, by_unit[code]) for code in e.units if code in by_unit]
        groups = groups or [(e.units[0], [])]
    else:
        groups = [("", entries)]
    signers = (_person_name(rng, _EQUAL_FAMILY), _person_name(rng, _EQUAL_FAMILY))

    blocks: list[list[list[Any] | None]] = []
    stt = 0
    for _, items in groups:
        block: list[list[Any] | None] = []
        if per_unit:
            stt = 0
        for ci, t in items:
            c = case_list[ci]
            stt += 1
            row = maker.row(c, t, stt)
            bad = appearances[ci] == 1 and c.kind not in (1, 3) and rng.random() < _BAD_ROW_SHARE
            if bad:
                kind = rng.choice(maker.bad_kinds())
                maker.spoil(row, c, kind)
                tally.bad_by_kind[kind] = tally.bad_by_kind.get(kind, 0) + 1
                tally.bad_cases.add(ci)
            elif t > tally.last_seen.get(ci, datetime.min):
                tally.last_seen[ci] = t
            block.append(row)
            tally.rows += 1
            if not bad and rng.random() < _DUPLICATE_SHARE:
                block.append(list(row))
                tally.rows += 1
                tally.duplicates += 1
            if style.blank_rows and rng.random() < _BLANK_ROW_SHARE:
                block.append(None)
        blocks.append(block)

    if not per_unit:
        lay = _layout(style, maker.fields, e, period, "", blocks, signers)
        return [("Sổ theo dõi hồ sơ", lay)]
    sheets = []
    for (code, _), block in zip(groups, blocks, strict=True):
        u = units_by_code[code]
        label = u.name if style.title else ""
        lay = _layout(style, maker.fields, e, period, label, [block], signers)
        sheets.append((u.sheet[:31], lay))
    return sheets


def _check_unique_names(units: Sequence[Unit]) -> None:
    """Every registry name and alias must name one unit only (after the §3.4 key)."""
    owner: dict[str, str] = {}
    for u in units:
        for name in (u.name, *u.aliases):
            key = name_key(name) or ""
            if owner.setdefault(key, u.code) != u.code:
                raise AssertionError(f"name {name!r} is ambiguous in the sample registry")


def _expected(
    cases: list[_Case], last_seen: dict[int, datetime], bad: set[int], cal: _Calendar
) -> tuple[dict[str, float], set[str]]:
    """Headline numbers from the last state of each case that the exports show."""
    received = online = postal = 0
    resolved = {True: 0, False: 0}
    late = {True: 0, False: 0}
    land_pending = land_overdue = 0
    as_of = DATA_END.date()
    with_files: set[str] = set()
    for i, t in last_seen.items():
        if i in bad:
            continue
        c = cases[i]
        status, finished, returned = c.state(t)
        if status in (1, 3):
            continue
        received += 1
        online += c.channel == "online"
        postal += c.channel == "postal"
        with_files.add(c.unit.code)
        land = c.proc.sector == LAND
        if status in (9, 10):
            end = (finished or returned or c.received).date()
            resolved[land] += 1
            if c.show_due and c.due is not None:
                is_late = end > c.due.date()
            else:
                is_late = cal.count_after(c.received.date(), end) > c.proc.limit
            late[land] += is_late
        elif status not in (7, 8) and land:
            land_pending += 1
            if c.due is not None and c.due.date() < as_of:
                land_overdue += 1

    def rate(a: int, b: int) -> float:
        return a / b if b else 0.0

    expected = {
        "received_cases": float(received),
        "land_late_rate": rate(late[True], resolved[True]),
        "other_late_rate": rate(late[False], resolved[False]),
        "online_share": rate(online, received),
        "postal_share": rate(postal, received),
        "land_pending": float(land_pending),
        "land_pending_overdue": float(land_overdue),
    }
    return expected, with_files
