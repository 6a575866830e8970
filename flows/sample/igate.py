"""The sample's iGate case exports (raw/igate/): who exports which cases, when, and how.

Each exporting office (`_Exporter`) lists its units' cases month by month or quarter by
quarter, in its own style (`_Style`): columns and header spellings, title block, merged
headers, footer, date, status, channel and name spellings, file format; some change style for a
period. The quirks are those of docs/spec.md §2 and §3.1: cases listed again while open, exact
duplicate rows, blank rows, and a few rows the pipeline must reject.
"""

from __future__ import annotations

import multiprocessing.pool
import random
import unicodedata
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flows.sample.cases import Case, signer_name
from flows.sample.registry import DATA_END, DISTRICTS, LAND, Unit, ucode
from flows.sample.writers import (
    EXCEL_EPOCH,
    Layout,
    Merge,
    unit_name,
    write_csv,
    write_xls,
    write_xlsx,
)

# --------------------------------------------------------------------------------------------
# Spellings of status and channel
# --------------------------------------------------------------------------------------------

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


# UBND huyện Cầu Kè: one of its exports has no status column (its exporter below), so its cases
# are drawn without the outcomes and statuses such an export could not tell apart.
NO_STATUS_UNITS = frozenset({ucode(53)})


def _exporters(units: Sequence[Unit]) -> list[_Exporter]:
    by_district: dict[int, list[Unit]] = {}
    for u in units:
        if u.district >= 0 and u.active:
            by_district.setdefault(u.district, []).append(u)
    so = [u for u in units if u.kind == "sở" and u.active]
    tnmt = ucode(9)
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
        return ("UBND TỈNH TRÀ VINH", DISTRICTS[i].name.replace("UBND", "ỦY BAN NHÂN DÂN").upper())

    f = DISTRICTS
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
            {5: {"unit_override": {ucode(54): "UBND huyện Tiểu Cầm"}}},
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
        folder = DISTRICTS[i].folder
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


def _sector_name(sector: str, style: str) -> str:
    if style == "prefixed":
        return f"Lĩnh vực {sector}"
    if style == "nfd":
        return unicodedata.normalize("NFD", sector)
    return sector


def _serial(dt: datetime) -> float:
    return dt.toordinal() - EXCEL_EPOCH + (dt.hour * 60 + dt.minute) / 1440


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
            name = self.style.unit_override.get(u.code) or unit_name(u, self.style.unit_names)
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

    def row(self, c: Case, t: datetime, stt: int) -> list[Any]:
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

    def spoil(self, row: list[Any], c: Case, kind: str) -> None:
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
# Sheet layout (title block, header, data, footer)
# --------------------------------------------------------------------------------------------


def _header_block(style: _Style, fields: list[str]) -> tuple[list[list[Any]], list[Merge]]:
    """The header: one row, or two when groups are merged over their sub-headers."""
    headers = dict(style.columns)
    width = len(fields)
    if not style.groups:
        return [[headers[f] for f in fields]], []
    top: list[Any] = [None] * width
    sub: list[Any] = [None] * width
    merges: list[Merge] = []
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
) -> Layout:
    width = len(fields)
    headers = dict(style.columns)
    rows: list[list[Any] | None] = []
    merges: list[Merge] = []
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
    return Layout(rows, merges, header_rows, data_start, data_end, date_cols)


_BAD_ROW_SHARE = 0.005  # of the rows of cases that appear once → ≈0.3 % of all rows
_DUPLICATE_SHARE = 0.0015
_BLANK_ROW_SHARE = 0.004
_NOTE = """Ghi chú
Dữ liệu xuất từ phần mềm một cửa điện tử (iGate) của các cơ quan, đơn vị tỉnh Trà Vinh,
năm 2020 (từ ngày 02/01/2020 đến ngày 20/11/2020), phục vụ Đoàn Kiểm tra liên ngành về công
tác cải cách hành chính. Các tệp được giữ nguyên như khi xuất; không chỉnh sửa.
"""


# --------------------------------------------------------------------------------------------
# Writing the exports
# --------------------------------------------------------------------------------------------


@dataclass
class Exported:
    """What the export files hold, counted while they are built."""

    files: int = 0
    skipped: list[Path] = field(default_factory=list)  # non-export files written beside them
    rows: int = 0
    duplicates: int = 0
    bad_by_kind: dict[str, int] = field(default_factory=dict)
    bad_cases: set[int] = field(default_factory=set)
    last_seen: dict[int, datetime] = field(default_factory=dict)  # good rows: latest snapshot


def write_igate(
    raw: Path,
    units: Sequence[Unit],
    cases: list[Case],
    seed: int,
    pool: multiprocessing.pool.Pool | None,
    workers: int,
) -> Exported:
    """Write raw/igate/: each exporter's files, period by period, and the note beside them.

    With a `pool`, the .xlsx files are written in its processes, at most 2 × `workers` queued.
    """
    exporters = _exporters(units)
    plan, appearances = _plan_rows(cases, exporters)
    tally = Exported()
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
                e, period, style, entries, cases, appearances, units_by_code, rng, tally
            )
            date_cells = style.dates == "cell"
            if style.fmt == "xlsx" and pool is not None:
                pending.append(pool.apply_async(write_xlsx, (path, sheets, date_cells)))
                while len(pending) > 2 * workers:
                    pending.popleft().get()
            elif style.fmt == "xlsx":
                write_xlsx(path, sheets, date_cells)
            elif style.fmt == "xls":
                write_xls(path, sheets, date_cells)
            else:
                write_csv(path, sheets[0][1], style.fmt)
            tally.files += 1
    while pending:
        pending.popleft().get()

    note = raw / "igate" / "ghi_chu.txt"
    note.write_text(_NOTE, encoding="utf-8")
    tally.files += 1
    tally.skipped.append(note)
    return tally


def _start(p: _Period) -> datetime:
    return datetime(p.start.year, p.start.month, p.start.day)


def _periods(e: _Exporter) -> list[_Period]:
    return _quarter_periods() if e.quarterly else _month_periods()


def _plan_rows(
    case_list: list[Case], exporters: list[_Exporter]
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
    case_list: list[Case],
    appearances: list[int],
    units_by_code: dict[str, Unit],
    rng: random.Random,
    tally: Exported,
) -> list[tuple[str, Layout]]:
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
    signers = (signer_name(rng), signer_name(rng))

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
