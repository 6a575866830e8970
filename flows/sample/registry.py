"""Who exists in the sample province: its units registry, procedure catalogue and holidays.

The fixed points of the sample (province code, the year the exports cover), the working-day
calendar, the units registry (departments, districts, their offices and communes, and the
2025 successors), the procedure catalogue (docs/spec.md §3.4), and the rows of the three
reference lists written to raw/reference/. Codes (units, procedures) have the shape of the real
ones but are made up for the sample.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flows.ingest.text import name_key

# --------------------------------------------------------------------------------------------
# Fixed points of the sample
# --------------------------------------------------------------------------------------------

PROVINCE = "H48"
DATA_START = date(2020, 1, 2)
DATA_END = datetime(2020, 11, 20, 17, 0)  # the last export; the inspection was 19–27/10/2020
VALID_FROM = date(2015, 1, 1)
REFORM_END = date(2025, 6, 30)  # districts abolished; communes merged (two-level government)
REFORM_START = date(2025, 7, 1)
LAND = "Đất đai"
LAST_DAY = DATA_END.date()  # the last day the exports cover

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


# --------------------------------------------------------------------------------------------
# Working-day calendar
# --------------------------------------------------------------------------------------------


class Calendar:
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
    district: int = -1  # index into DISTRICTS for district-level units and communes
    sector_office: str = ""  # for a district department: which sectors it handles
    late_factor: float = 1.0  # how much more often than average its land cases run late


def ucode(level2: int, level3: int = 0) -> str:
    """A unit code of the real shape: 000.<level 3>.<level 2>.<province>."""
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
class District:
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


DISTRICTS: tuple[District, ...] = (
    District(51, "UBND thành phố Trà Vinh", "thành phố Trà Vinh", "TP Trà Vinh",
              ("UBND TP. Trà Vinh", "UBND TP Trà Vinh", "UBND Thành phố Trà Vinh"),
              "UBND phường Trà Vinh", 1.6, 0.8,
              (("phường 1", ("UBND P.1",), "Phường 1", True),
               ("phường 2", ("UBND P.2",), "Phường 2", False),
               ("phường 3", ("UBND P.3",), "Phường 3", False),
               ("phường 7", ("UBND P.7",), "Phường 7", True),
               ("phường 9", ("UBND P.9",), "Phường 9", True),
               ("xã Long Đức", (), "Xã Long Đức", True)),
              ("tnmt",)),
    District(52, "UBND huyện Càng Long", "huyện Càng Long", "Càng Long",
              ("UBND H. Càng Long",), "UBND xã Càng Long", 1.2, 1.0,
              (("thị trấn Càng Long", (), "TT Càng Long", True),
               ("xã An Trường", (), "Xã An Trường", False),
               ("xã Bình Phú", (), "Xã Bình Phú", False),
               ("xã Đại Phước", (), "Xã Đại Phước", False),
               ("xã Nhị Long", (), "Xã Nhị Long", True)),
              ("tp",)),
    District(53, "UBND huyện Cầu Kè", "huyện Cầu Kè", "Cầu Kè", ("UBND H. Cầu Kè",),
              "UBND xã Cầu Kè", 0.9, 0.9,
              (("thị trấn Cầu Kè", (), "TT Cầu Kè", True),
               ("xã Châu Điền", (), "Xã Châu Điền", False),
               ("xã Hòa Ân", (), "Xã Hòa Ân", True),
               ("xã Phong Thạnh", (), "Xã Phong Thạnh", False),
               ("xã Tam Ngãi", (), "Xã Tam Ngãi", False)),
              ()),
    District(54, "UBND huyện Tiểu Cần", "huyện Tiểu Cần", "Tiểu Cần", ("UBND H. Tiểu Cần",),
              "UBND xã Tiểu Cần", 1.0, 1.2,
              (("thị trấn Tiểu Cần", (), "TT Tiểu Cần", True),
               ("thị trấn Cầu Quan", (), "TT Cầu Quan", False),
               ("xã Hiếu Tử", (), "Xã Hiếu Tử", False),
               ("xã Phú Cần", (), "Xã Phú Cần", False),
               ("xã Tập Ngãi", (), "Xã Tập Ngãi", False)),
              ("kt",)),
    District(55, "UBND huyện Châu Thành", "huyện Châu Thành", "Châu Thành",
              ("UBND H. Châu Thành",), "UBND xã Châu Thành", 1.1, 1.5,
              (("thị trấn Châu Thành", (), "TT Châu Thành", True),
               ("xã Đa Lộc", (), "Xã Đa Lộc", True),
               ("xã Hòa Thuận", (), "Xã Hòa Thuận", False),
               ("xã Lương Hòa", (), "Xã Lương Hòa", False),
               ("xã Nguyệt Hóa", (), "Xã Nguyệt Hóa", False)),
              ("tnmt",)),
    District(56, "UBND huyện Cầu Ngang", "huyện Cầu Ngang", "Cầu Ngang",
              ("UBND H. Cầu Ngang",), "UBND xã Cầu Ngang", 1.0, 1.0,
              (("thị trấn Cầu Ngang", (), "TT Cầu Ngang", True),
               ("thị trấn Mỹ Long", (), "TT Mỹ Long", False),
               ("xã Hiệp Hòa", (), "Xã Hiệp Hòa", False),
               ("xã Kim Hòa", (), "Xã Kim Hòa", False),
               ("xã Vinh Kim", (), "Xã Vinh Kim", True)),
              ()),
    District(57, "UBND huyện Trà Cú", "huyện Trà Cú", "Trà Cú", ("UBND H. Trà Cú",),
              "UBND xã Trà Cú", 1.2, 1.3,
              (("thị trấn Trà Cú", (), "TT Trà Cú", True),
               ("thị trấn Định An", (), "TT Định An", False),
               ("xã Đại An", (), "Xã Đại An", True),
               ("xã Hàm Giang", (), "Xã Hàm Giang", False),
               ("xã Ngọc Biên", (), "Xã Ngọc Biên", False)),
              ()),
    District(58, "UBND huyện Duyên Hải", "huyện Duyên Hải", "Duyên Hải",
              ("UBND H. Duyên Hải",), "UBND xã Long Hữu", 0.6, 0.7,
              (("thị trấn Long Thành", (), "TT Long Thành", False),
               ("xã Đôn Châu", (), "Xã Đôn Châu", False),
               ("xã Long Khánh", (), "Xã Long Khánh", False),
               ("xã Ngũ Lạc", (), "Xã Ngũ Lạc", False)),
              ()),
    District(59, "UBND thị xã Duyên Hải", "thị xã Duyên Hải", "TX Duyên Hải",
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

PROVINCE_UNIT = ucode(0)
CENTER_UNIT = ucode(30)


def build_units() -> list[Unit]:
    """The registry in its written order; the 2025 successors come last."""
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
            Unit(ucode(num), name, "tỉnh", PROVINCE_UNIT, "sở", aliases, sheet=sheet,
                 active=active, weight=weight, sector_office=";".join(sectors))
        )  # fmt: skip
    successors: list[Unit] = []
    for di, d in enumerate(DISTRICTS):
        succ_code = ucode(60 + di)
        successors.append(
            Unit(succ_code, d.successor, "xã", PROVINCE_UNIT, "ubnd", valid_from=REFORM_START,
                 sheet=d.successor.removeprefix("UBND ")[:31])
        )  # fmt: skip
        dcode = ucode(d.code2)
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
                Unit(ucode(d.code2, num), name, "huyện", dcode, "phòng",
                     (alias,) if alias != name else (), REFORM_END, succ_code, sheet=sheet,
                     active=key in d.active_offices, weight=0.35, district=di,
                     sector_office=";".join(sectors), late_factor=d.late_factor)
            )  # fmt: skip
        for ci, (cname, aliases, sheet, active) in enumerate(d.communes):
            units.append(
                Unit(ucode(d.code2, 20 + ci), f"UBND {cname}", "xã", dcode, "ubnd", aliases,
                     REFORM_END, succ_code, sheet=sheet, active=active,
                     weight=1.4 if cname.startswith(("phường", "thị trấn")) else 1.0,
                     district=di)
            )  # fmt: skip
    return units + successors


def check_unique_names(units: Sequence[Unit]) -> None:
    """Every registry name and alias must name one unit only (after the §3.4 key)."""
    owner: dict[str, str] = {}
    for u in units:
        for name in (u.name, *u.aliases):
            key = name_key(name) or ""
            if owner.setdefault(key, u.code) != u.code:
                raise AssertionError(f"name {name!r} is ambiguous in the sample registry")


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


def procedure_units(units: Sequence[Unit]) -> dict[str, list[Unit]]:
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
# Reference lists (raw/reference/)
# --------------------------------------------------------------------------------------------

# A reference list: file name, headers, rows.
ReferenceList = tuple[str, tuple[str, ...], list[list[Any]]]


def reference_lists(units: Sequence[Unit]) -> list[ReferenceList]:
    """The lists of raw/reference/ as (file name, headers, rows): units, procedures, holidays."""
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
    handlers = procedure_units(units)
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
    return [
        ("units.xlsx", UNIT_HEADERS, unit_rows),
        ("procedures.xlsx", PROCEDURE_HEADERS, proc_rows),
        ("holidays.xlsx", HOLIDAY_HEADERS, holiday_rows),
    ]
