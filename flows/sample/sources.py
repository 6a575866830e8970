"""The sample's other exports: document registers, postal (BCCI) items and late-case lists.

`write_other_sources` is called by `flows.sample.province.write_sample` once the cases exist, so that
the three sources tell the same province-year as the iGate exports (docs/spec.md §3.2, §3.3,
§3.5) and carry the situation of the 2020 inspection (seed 000): departments mostly sign
outgoing documents digitally, districts less, and several communes never; postal items carry
the case codes of the postal-channel cases (a few codes mistyped, some results returned to the
sender); late files come with reasons, apology slips (some after the deadline, some new dates
set twice) in monthly lists that overlap.

Deterministic: every draw comes from `random.Random` seeded with the sample's seed and the
source; workbooks have fixed metadata and zip timestamps.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter

from flows.ingest.text import strip_accents
from flows.sample import province as s

_YEAR_START = date(2020, 1, 1)
_LAST_DAY = s.DATA_END.date()

# A sheet as written: rows (None = blank row), merged title cells, the header row's index.
_Merge = tuple[int, int, int, int, str]


@dataclass
class _Sheet:
    name: str
    rows: list[list[Any] | None]
    merges: list[_Merge] = field(default_factory=list)
    header_row: int = 0


@dataclass
class OtherSources:
    """Files written per source and the figures the pipeline should find."""

    files: dict[str, int]
    expected: dict[str, float]


def write_other_sources(
    raw: Path,
    units: Sequence[s.Unit],
    cases: Sequence[s._Case],
    received: set[int],
    cal: s._Calendar,
    seed: int,
    scale: float,
    seen: dict[int, datetime] | None = None,
) -> OtherSources:
    """Write raw/documents/, raw/postal/, raw/late/ and raw/reports/.

    `received` holds the indices of the cases the pipeline will find as received cases (the
    rows of fct_filings); `scale` sizes the document registers (1.0 for 20,000 cases); `seen`
    is, per case, the time of the last export that shows it (the state iGate's figures use).
    """
    files: dict[str, int] = {}
    expected: dict[str, float] = {}
    files["documents"], docs_expected = _write_documents(raw, units, cal, seed, scale)
    expected.update(docs_expected)
    files["postal"], postal_expected = _write_postal(raw, cases, received, cal, seed)
    expected.update(postal_expected)
    files["late"], late_expected = _write_late(raw, units, cases, cal, seed)
    expected.update(late_expected)
    files["reports"], reports_expected = _write_reports(
        raw, units, cases, received, seed, seen or {}
    )
    expected.update(reports_expected)
    return OtherSources(files, expected)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _write_book(path: Path, sheets: list[_Sheet], author: str) -> None:
    """An .xlsx: str and number cells as given, `date` cells as real dates."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties({"author": author} | s._CREATED)
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
                    ws.write_number(r, c, v.toordinal() - s._EXCEL_EPOCH, day)
                else:
                    ws.write_number(r, c, v)
        for r0, c0, r1, c1, text in sheet.merges:
            ws.merge_range(r0, c0, r1, c1, text, title)
    wb.close()


def _write_text(path: Path, sheet: _Sheet, fmt: str) -> None:
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
    lay = s._Layout(rows, [], (sheet.header_row,), sheet.header_row + 1, len(rows), frozenset())
    s._write_csv(path, lay, fmt)


def _title(width: int, lines: Sequence[str | None]) -> tuple[list[list[Any] | None], list[_Merge]]:
    """Title rows, each merged over the sheet's width, then a blank row."""
    rows: list[list[Any] | None] = []
    merges: list[_Merge] = []
    for line in lines:
        if line is None:
            rows.append(None)
            continue
        merges.append((len(rows), 0, len(rows), max(width - 1, 1), line))
        rows.append([None] * width)
    rows.append(None)
    return rows, merges


def _footer(width: int, total: str, signers: tuple[str, str], end: date) -> list[Any]:
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


def _written_name(u: s.Unit, style: str) -> str:
    return s._unit_name(u, style)


# --------------------------------------------------------------------------------------------
# Documents (raw/documents/)
# --------------------------------------------------------------------------------------------

# (type, number pattern, summary pattern, weight)
_DOC_KINDS = (
    ("Công văn", "{n}/{a}-VP", "V/v {t}", 45),
    ("Quyết định", "{n}/QĐ-{a}", "Quyết định về việc {t}", 15),
    ("Kế hoạch", "{n}/KH-{a}", "Kế hoạch {t}", 8),
    ("Báo cáo", "{n}/BC-{a}", "Báo cáo {t}", 12),
    ("Tờ trình", "{n}/TTr-{a}", "Tờ trình {t}", 5),
    ("Thông báo", "{n}/TB-{a}", "Thông báo {t}", 8),
    ("Giấy mời", "{n}/GM-{a}", "Giấy mời họp {t}", 7),
)
_DOC_KIND_WEIGHTS = [k[3] for k in _DOC_KINDS]
_TOPICS = (
    "triển khai công tác cải cách hành chính năm 2020",
    "kết quả kiểm soát thủ tục hành chính quý",
    "tăng cường phòng, chống dịch bệnh COVID-19",
    "cung cấp dịch vụ công trực tuyến mức độ 3, 4",
    "tiếp nhận hồ sơ, trả kết quả qua dịch vụ bưu chính công ích",
    "chấn chỉnh tình trạng hồ sơ giải quyết trễ hạn",
    "ứng dụng chữ ký số trong gửi, nhận văn bản điện tử",
    "công tác văn thư, lưu trữ năm 2020",
    "kiện toàn Bộ phận Một cửa",
    "tổ chức Đoàn kiểm tra công tác cải cách hành chính",
    "phân bổ kinh phí thực hiện nhiệm vụ năm 2020",
    "đôn đốc giải ngân vốn đầu tư công",
)

# The fields of a register's columns.
_F_NUM, _F_DAY, _F_TYPE, _F_SUM, _F_UNIT, _F_SIGNER, _F_SECRET, _F_ESIGN, _F_FORM, _F_PUB = (
    "num", "day", "type", "sum", "unit", "signer", "secret", "esign", "form", "pub",
)  # fmt: skip


@dataclass(frozen=True)
class _DocStyle:
    """How one register is written: its columns (field, header), the e-signed yes/no
    spellings, the unit-name style (flows.sample.province._unit_name), real date cells or text, and what
    it writes as the confidentiality of an ordinary document."""

    columns: tuple[tuple[str, str], ...]
    yes_no: tuple[Any, Any]
    names: str = "registry"
    date_cells: bool = False
    normal_secret: str = ""  # what a register writes for an ordinary document


_PROVINCE_DOC_COLUMNS = (
    ("stt", "STT"), (_F_NUM, "Số, ký hiệu"), (_F_DAY, "Ngày ban hành"),
    (_F_TYPE, "Loại văn bản"), (_F_SUM, "Trích yếu"), (_F_UNIT, "Đơn vị ban hành"),
    (_F_SIGNER, "Người ký"), (_F_SECRET, "Độ mật"), (_F_ESIGN, "Ký số"),
    (_F_FORM, "Hình thức phát hành"), (_F_PUB, "Ngày phát hành"),
)  # fmt: skip
_STD_DOC_COLUMNS = (
    ("stt", "STT"), (_F_NUM, "Số/Ký hiệu"), (_F_DAY, "Ngày văn bản"), (_F_TYPE, "Loại văn bản"),
    (_F_SUM, "Trích yếu nội dung"), (_F_UNIT, "Cơ quan ban hành"), (_F_SIGNER, "Người ký"),
    (_F_SECRET, "Mức độ mật"), (_F_ESIGN, "Chữ ký số"), (_F_FORM, "Phát hành"),
    (_F_PUB, "Ngày phát hành"),
)  # fmt: skip
_ALT_DOC_COLUMNS = (
    ("stt", "STT"), (_F_DAY, "Ngày ký"), (_F_NUM, "Số văn bản"), (_F_SUM, "Trích yếu"),
    (_F_UNIT, "Đơn vị soạn thảo"), (_F_SIGNER, "Người ký"), (_F_ESIGN, "Đã ký số"),
    (_F_FORM, "Hình thức phát hành"), (_F_PUB, "Ngày phát hành"), (_F_SECRET, "Độ mật"),
)  # fmt: skip
_DISTRICT_DOC_STYLES: dict[int, _DocStyle] = {
    0: _DocStyle(_STD_DOC_COLUMNS, ("Có", "Không"), "abbrev", date_cells=True),
    1: _DocStyle(_ALT_DOC_COLUMNS, ("x", ""), "old_tone"),
    2: _DocStyle(_STD_DOC_COLUMNS, ("Đã ký số", "Chưa ký số"), normal_secret="Thường"),
    3: _DocStyle(_STD_DOC_COLUMNS, (1, 0), "upper", date_cells=True),
    4: _DocStyle(_ALT_DOC_COLUMNS, ("Có", ""), "nfd"),
    5: _DocStyle(_STD_DOC_COLUMNS, ("Yes", "No"), "abbrev"),
    6: _DocStyle(_ALT_DOC_COLUMNS, ("X", "Không"), date_cells=True),
    7: _DocStyle(_STD_DOC_COLUMNS, ("Có", "Không"), "alias", normal_secret="Thường"),
    8: _DocStyle(_STD_DOC_COLUMNS, ("True", "False"), "abbrev"),  # written as a CSV
}
_PROVINCE_DOC_STYLE = _DocStyle(_PROVINCE_DOC_COLUMNS, ("Có", ""), date_cells=True)
# Offices that issue documents but are not in the registry (it lists one-stop units only).
_UNLISTED_OFFICES = {1: "Phòng Văn hóa và Thông tin", 4: "Phòng Nội vụ"}
_SECRET_ISSUERS = {s._ucode(0), s._ucode(1), s._ucode(16), s._ucode(17)}


@dataclass
class _Doc:
    issuer: str  # unit code, or the unlisted office's name
    name: str  # the issuing unit as written
    number: str | None
    issued: date
    kind: str
    summary: str
    signer: str
    secret: str  # "", "Mật", "Tối mật"
    e_signed: bool
    e_issued: bool | None  # None: the form is left empty
    form: str
    published: date | None
    bad: bool = False
    late: bool = False  # published after the next working day


def _initials(words: Sequence[str]) -> str:
    return "".join(w[0].upper() for w in words if w and w[0].isalpha() and w != "và")


def _abbreviation(name: str, kind: str) -> str:
    """The issuing unit's part of a document number: SNV, STNMT, PTP, UBND, …"""
    if kind == "ubnd" or name.startswith("UBND"):
        return "UBND"
    words = name.replace(",", " ").replace("-", " ").split()
    for stop in ("huyện", "thành", "thị", "tỉnh"):
        if stop in words[1:]:
            words = words[: words.index(stop, 1)]
    return _initials(words)


def _doc_rate(u: s.Unit) -> float:
    """Documents a month, at scale 1."""
    if u.code == s.PROVINCE_UNIT:
        return 9.0
    if u.code == s.CENTER_UNIT:
        return 2.0
    if u.kind == "sở":
        return 4.5 if u.active else 3.5
    if u.level == "huyện" and u.kind == "ubnd":
        return 6.0
    if u.kind == "phòng":
        return 1.5
    return 1.6


def _esign_share(u: s.Unit | None, rng: random.Random) -> float:
    if u is None:
        return rng.uniform(0.2, 0.5)
    if u.level == "tỉnh":
        return rng.uniform(0.75, 0.97)
    if u.level == "huyện" and u.kind == "ubnd":
        return rng.uniform(0.6, 0.9)
    if u.kind == "phòng":
        return rng.uniform(0.3, 0.7)
    if not u.active and rng.random() < 0.45:
        return 0.0  # a commune that never signs digitally
    return rng.uniform(0.15, 0.6)


# Officials who sign documents and lists. Their middle names are none of the applicants'
# (flows.sample.province), so a signer is never mistaken for an applicant, whose data must not land.
_OFFICIAL_FAMILY = ("Nguyễn", "Trần", "Lê", "Thạch", "Huỳnh", "Phạm", "Võ", "Kim", "Lâm")
_OFFICIAL_MIDDLE = ("Trung", "Đình", "Xuân", "Bảo", "Duy", "Tấn")
_OFFICIAL_GIVEN = ("Nghĩa", "Hiệp", "Kiệt", "Luân", "Tâm", "Nhân", "Trọng", "Thắng", "Hạnh")


def _official(rng: random.Random) -> str:
    return " ".join(
        (rng.choice(_OFFICIAL_FAMILY), rng.choice(_OFFICIAL_MIDDLE), rng.choice(_OFFICIAL_GIVEN))
    )


def _count(rng: random.Random, lam: float) -> int:
    return max(0, round(rng.gauss(lam, math.sqrt(lam)))) if lam > 0 else 0


def _month_days(cal: s._Calendar, month: int) -> tuple[list[date], list[date]]:
    start = date(2020, month, 1)
    end = min(
        date(2020, month + 1, 1) - timedelta(days=1) if month < 12 else date(2020, 12, 31),
        _LAST_DAY,
    )
    working = cal.working_days(start, end)
    saturdays = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return working, [d for d in saturdays if d.weekday() == 5 and not cal.is_working(d)]


def _issue_documents(
    issuer: str,
    unit: s.Unit | None,
    name: str,
    kind: str,
    cal: s._Calendar,
    seed: int,
    scale: float,
    rate: float,
) -> list[_Doc]:
    rng = random.Random(f"{seed}/documents/{issuer}")
    share = _esign_share(unit, rng)
    secret_share = (
        0.025
        if issuer in _SECRET_ISSUERS or (unit and unit.level == "huyện" and unit.kind == "ubnd")
        else 0.0
    )
    signer = _official(rng)
    abbr = _abbreviation(name, kind)
    issued: list[date] = []
    for month in range(1, _LAST_DAY.month + 1):
        working, saturdays = _month_days(cal, month)
        for _ in range(_count(rng, rate * scale)):
            if saturdays and rng.random() < 0.02:
                issued.append(rng.choice(saturdays))
            elif working:
                issued.append(rng.choice(working))
    issued.sort()
    docs: list[_Doc] = []
    for seq, day in enumerate(issued, start=1):
        kind_i = rng.choices(range(len(_DOC_KINDS)), weights=_DOC_KIND_WEIGHTS)[0]
        dkind, number_fmt, summary_fmt, _ = _DOC_KINDS[kind_i]
        topic = rng.choice(_TOPICS)
        if topic.endswith("quý"):
            topic += f" {(day.month - 1) // 3 + 1}"
        secret = ""
        if secret_share and rng.random() < secret_share:
            secret = "Mật" if rng.random() < 0.85 else "Tối mật"
        adoption = min(1.0, share * (0.7 + 0.6 * (day.month - 1) / 10))
        signed = not secret and rng.random() < adoption
        r = rng.random()
        if secret:
            e_issued: bool | None = False
            form = "Bản giấy"
        elif signed:
            e_issued = r < 0.95
            form = ("Điện tử" if r < 0.68 else "Điện tử và giấy") if e_issued else "Bản giấy"
        elif r < 0.12:
            e_issued, form = True, "Văn bản điện tử"  # scanned and sent through the system
        elif r < 0.16:
            e_issued, form = None, ""
        else:
            e_issued, form = False, ("Bản giấy" if r < 0.8 else "Giấy")
        p = rng.random()
        fast = e_issued is True
        if rng.random() < 0.03:
            published = None
        elif p < (0.8 if fast else 0.5):
            published = day
        elif p < (0.96 if fast else 0.86):
            published = cal.after(day, 1)
        else:
            published = cal.after(day, rng.randint(2, 6))
        if published is not None and published > _LAST_DAY:
            published = None
        docs.append(
            _Doc(
                issuer=issuer,
                name=name,
                number=number_fmt.format(n=seq, a=abbr),
                issued=day,
                kind=dkind,
                summary=summary_fmt.format(t=topic),
                signer=signer,
                secret=secret,
                e_signed=signed,
                e_issued=e_issued,
                form=form,
                published=published,
                late=published is not None and not secret and published > cal.after(day, 1),
            )
        )
    if secret_share and docs and not any(d.secret for d in docs):
        # even a small sample's classified issuers hold one classified document
        doc = docs[len(docs) // 2]
        doc.secret, doc.e_signed, doc.e_issued, doc.form, doc.late = (
            "Mật",
            False,
            False,
            ("Bản giấy"),
            False,
        )
    # A few rows the pipeline must reject: no number, or published before it was issued.
    for doc in docs:
        if rng.random() < 0.003:
            doc.bad = True
            if rng.random() < 0.5:
                doc.number = None
            else:
                doc.published = doc.issued - timedelta(days=rng.randint(1, 5))
    return docs


def _doc_cells(doc: _Doc, fields: Sequence[str], stt: int, style: _DocStyle) -> list[Any]:
    out: list[Any] = []
    for f in fields:
        if f == "stt":
            out.append(stt)
        elif f == _F_NUM:
            out.append(doc.number)
        elif f == _F_DAY:
            out.append(doc.issued if style.date_cells else f"{doc.issued:%d/%m/%Y}")
        elif f == _F_TYPE:
            out.append(doc.kind)
        elif f == _F_SUM:
            out.append(doc.summary)
        elif f == _F_UNIT:
            out.append(doc.name)
        elif f == _F_SIGNER:
            out.append(doc.signer)
        elif f == _F_SECRET:
            out.append(doc.secret or style.normal_secret)
        elif f == _F_ESIGN:
            out.append(style.yes_no[0] if doc.e_signed else style.yes_no[1])
        elif f == _F_FORM:
            out.append(doc.form)
        elif f == _F_PUB:
            pub = doc.published
            out.append(None if pub is None else pub if style.date_cells else f"{pub:%d/%m/%Y}")
    return out


def _write_documents(
    raw: Path, units: Sequence[s.Unit], cal: s._Calendar, seed: int, scale: float
) -> tuple[int, dict[str, float]]:
    valid = [u for u in units if u.valid_from <= date(2020, 12, 31)]
    province = [u for u in valid if u.level == "tỉnh"]
    written = 0
    unique: list[_Doc] = []

    # The province's shared register (all departments): one sheet per month. A document
    # issued late in a month and published in the next shows in both months' exports, without
    # its publication date in the first (the later sheet wins).
    prov_docs: list[_Doc] = []
    for u in province:
        prov_docs += _issue_documents(u.code, u, u.name, u.kind, cal, seed, scale, _doc_rate(u))
    unique += prov_docs
    style = _PROVINCE_DOC_STYLE
    fields = [f for f, _ in style.columns]
    by_month: dict[int, list[tuple[_Doc, bool]]] = {}
    for doc in sorted(prov_docs, key=lambda x: (x.issued, x.issuer, x.number or "")):
        m = doc.issued.month
        spills = (
            not doc.bad
            and m < _LAST_DAY.month
            and doc.published is not None
            and doc.published.month > m
        )
        by_month.setdefault(m, []).append((doc, spills))
        if spills:
            by_month.setdefault(m + 1, []).append((doc, False))
    sheets: list[_Sheet] = []
    width = len(fields)
    for m in range(1, _LAST_DAY.month + 1):
        entries = by_month.get(m, [])
        rows, merges = _title(
            width,
            [
                "ỦY BAN NHÂN DÂN TỈNH TRÀ VINH",
                "HỆ THỐNG QUẢN LÝ VĂN BẢN VÀ ĐIỀU HÀNH",
                None,
                "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
                f"Tháng {m} năm 2020",
            ],
        )
        header_row = len(rows)
        rows.append([h for _, h in style.columns])
        for stt, (doc, spills) in enumerate(entries, start=1):
            cells = _doc_cells(doc, fields, stt, style)
            if spills:
                cells[-1] = None  # not yet published when this month was exported
            rows.append(cells)
        end = min(date(2020, m + 1, 1) - timedelta(days=1), _LAST_DAY)
        signers = ("Phạm Xuân Hạnh", "Lê Đình Trọng")
        rows += _footer(width, f"Tổng số: {len(entries)} văn bản", signers, end)
        sheets.append(_Sheet(f"Tháng {m}", rows, merges, header_row))
    _write_book(raw / "documents" / "tinh" / "Sổ văn bản đi năm 2020.xlsx", sheets, "QLVB")
    written += 1

    # The districts: one register per district, one sheet per issuing unit.
    for di, district in enumerate(s._DISTRICTS):
        dstyle = _DISTRICT_DOC_STYLES[di]
        issuers: list[tuple[str, s.Unit | None, str, str, str]] = []  # code, unit, name, …
        for u in valid:
            if u.district == di:
                issuers.append((u.code, u, _written_name(u, dstyle.names), u.kind, u.sheet))
        if di in _UNLISTED_OFFICES:
            office = f"{_UNLISTED_OFFICES[di]} {district.short}"
            sheet = _abbreviation(office, "phòng")
            issuers.append((office, None, office, "phòng", sheet))
        fields = [f for f, _ in dstyle.columns]
        header = [h for _, h in dstyle.columns]
        width = len(fields)
        agency = district.name.replace("UBND", "ỦY BAN NHÂN DÂN").upper()
        sheets = []
        all_rows: list[list[Any] | None] = []
        for code, unit, name, kind, sheet_name in issuers:
            rate = _doc_rate(unit) if unit is not None else 1.2
            docs = _issue_documents(code, unit, name, kind, cal, seed, scale, rate)
            unique += docs
            rows, merges = _title(
                width,
                [
                    agency,
                    name.upper() if unit is not None else name,
                    None,
                    "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
                    f"Từ ngày 01/01/2020 đến ngày {_LAST_DAY:%d/%m/%Y}",
                ],
            )
            header_row = len(rows)
            rows.append(list(header))
            body = [_doc_cells(doc, fields, i, dstyle) for i, doc in enumerate(docs, start=1)]
            rows += body
            sheets.append(_Sheet(sheet_name[:31], rows, merges, header_row))
            all_rows += body
        folder = raw / "documents" / "huyen" / district.folder
        if di == 8:  # an old system's export: one CSV in Windows-1258 for the whole district
            rows, merges = _title(width, [agency, "SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM 2020"])
            header_row = len(rows)
            rows.append(list(header))
            rows += all_rows
            _write_text(
                folder / "So van ban di 2020.csv",
                _Sheet("", rows, merges, header_row),
                "csv_cp1258",
            )
        else:
            _write_book(folder / "Sổ văn bản đi năm 2020.xlsx", sheets, "QLVB")
        written += 1

    return written, _documents_expected(unique)


def _documents_expected(docs: list[_Doc]) -> dict[str, float]:
    kept = [d for d in docs if not d.bad]
    not_secret = [d for d in kept if not d.secret]
    signed = sum(d.e_signed for d in not_secret)
    issued = sum(bool(d.e_issued) for d in not_secret)
    dated = [d for d in not_secret if d.published is not None]
    late = sum(d.late for d in dated)
    by_issuer: dict[str, list[_Doc]] = {}
    for d in not_secret:
        by_issuer.setdefault(d.issuer, []).append(d)
    none_signed = sum(1 for ds in by_issuer.values() if not any(d.e_signed for d in ds))

    def rate(a: int, b: int) -> float:
        return a / b if b else 0.0

    return {
        "documents": float(len(kept)),
        "documents_secret": float(len(kept) - len(not_secret)),
        "documents_e_signed_rate": rate(signed, len(not_secret)),
        "documents_e_issued_rate": rate(issued, len(not_secret)),
        "documents_published_late_rate": rate(late, len(dated)),
        "units_without_e_signed_documents": float(none_signed),
    }


# --------------------------------------------------------------------------------------------
# Postal items (raw/postal/)
# --------------------------------------------------------------------------------------------


@dataclass
class _Item:
    code: str
    case_code: str | None
    direction: str  # in / out
    accepted: date
    delivered: date | None
    unit: s.Unit
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


def _mistype(code: str, rng: random.Random) -> str:
    """A case code as a postal clerk might mistype it: a digit changed or dropped."""
    digits = [i for i, ch in enumerate(code) if ch.isdigit()]
    i = rng.choice(digits[-6:])
    if rng.random() < 0.5:
        return code[:i] + code[i + 1 :]
    return code[:i] + str((int(code[i]) + rng.randint(1, 9)) % 10) + code[i + 1 :]


def _write_postal(
    raw: Path, cases: Sequence[s._Case], received: set[int], cal: s._Calendar, seed: int
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
        if ret is not None and ret <= s.DATA_END:
            by_post = rng.random() < (0.8 if c.channel == "postal" else 0.004)
            if by_post:
                accepted = ret.date()
                delivered: date | None = cal.after(accepted, rng.choice((1, 1, 2, 3)))
                returned = rng.random() < 0.05
                if returned or (delivered and delivered > _LAST_DAY):
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
            item.case_code = _mistype(item.case_code or "", rng)
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
        end = date(2020, 3 * q + 1, 1) - timedelta(days=1) if q < 4 else _LAST_DAY
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
        rows, merges = _title(width, title) if fmt == "xlsx" else ([], [])
        header_row = len(rows)
        rows.append(list(header))
        for stt, it in enumerate(chosen, start=1):
            direction = word_in if it.direction == "in" else word_out
            delivered = it.delivered
            if it.bad == "direction":
                direction = "Bưu kiện"
            elif it.bad == "delivered_before":
                delivered = it.accepted - timedelta(days=2)
            unit = None if it.direction == "in" and stt % 5 == 0 else _written_name(it.unit, names)
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
            _write_book(
                raw / "postal" / "2020" / f"BCCI quý {q} năm 2020.xlsx",
                [_Sheet(f"Quý {q}", rows, merges, header_row)],
                "VNPost",
            )
        else:
            _write_text(
                raw / "postal" / "2020" / f"BCCI_Q{q}_2020.csv",
                _Sheet("", rows, merges, header_row),
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


# --------------------------------------------------------------------------------------------
# Late-case lists (raw/late/)
# --------------------------------------------------------------------------------------------

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


def _write_late(
    raw: Path, units: Sequence[s.Unit], cases: Sequence[s._Case], cal: s._Calendar, seed: int
) -> tuple[int, dict[str, float]]:
    rng = random.Random(f"{seed}/late")
    last_month = _LAST_DAY.month
    month_end = {m: min(date(2020, m + 1, 1) - timedelta(days=1), _LAST_DAY) for m in range(1, 12)}
    # sender → month → rows (case, reason, apology, new due date, reschedules so far)
    lists: dict[int, dict[int, list[list[Any]]]] = {}
    rows_written = 0
    for c in cases:
        if c.kind != 0 or c.due is None or c.finished is None:
            continue
        due = c.due.date()
        fin = c.finished.date()
        if fin <= due or due >= _LAST_DAY:
            continue
        sender = c.unit.district
        if sender not in _LATE_STYLES or rng.random() < 0.2:
            continue
        land = c.proc.sector == s.LAND
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
                row[0] = _mistype(c.code, rng)  # a code no case has
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
            agency = s._DISTRICTS[sender].name.replace("UBND", "ỦY BAN NHÂN DÂN").upper()
            name = s._DISTRICTS[sender].folder
        sheets = []
        for month in range(1, last_month + 1):
            entries = months.get(month, [])
            rows, merges = _title(
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
            rows += _footer(width, f"Tổng cộng: {len(entries)} hồ sơ", signers, month_end[month])
            sheets.append(_Sheet(f"Tháng {month}", rows, merges, header_row))
        _write_book(
            raw / "late" / "2020" / f"Danh sách hồ sơ trễ hạn - {name}.xlsx", sheets, "iGate"
        )
        written += 1
    return written, {"late_list_rows": float(rows_written)}


# --------------------------------------------------------------------------------------------
# Units' own Biểu 06 reports (raw/reports/)
# --------------------------------------------------------------------------------------------

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
    cang_long, tra_cu, tu_phap, tnmt = s._ucode(52), s._ucode(57), s._ucode(2), s._ucode(9)
    an_truong = s._ucode(52, 21)  # UBND xã An Trường: no file on iGate in 2020
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
        _Report(tnmt, "Năm 2020", date(2020, 1, 1), _LAST_DAY, "close", "official",
                "2020/Sở TNMT - báo cáo năm 2020.xlsx", total_typo=True),
        _Report(tra_cu, "Quý III năm 2020", *q3, "paper", "typed",
                "2020/Trà Cú/BC KSTT quý 3-2020.xlsx"),
        _Report(an_truong, "Quý III năm 2020", *q3, "paper_only", "typed",
                "2020/xa/Bieu06_UBND xa An Truong_Q3-2020.xlsx", unit_in_title=False),
    ]  # fmt: skip
    return plan


def _case_end(c: s._Case, seen: datetime) -> date | None:
    """The date a case ended, as the last export showing it says (None while it is open)."""
    status, finished, returned = c.state(seen)
    if status in (9, 10):
        return (finished or returned or c.received).date()
    if status in (7, 8):
        return (c.end or c.received).date()
    return None


def _igate_figures(
    cases: Sequence[s._Case],
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
        at = seen.get(i, s.DATA_END)
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
    for sector in sorted(figures, key=lambda x: s.name_key(x) or ""):
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


def _form_header(first: int, style: str) -> tuple[list[list[Any] | None], list[_Merge], int]:
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


def _report_sheet(report: _Report, unit: s.Unit, rows_by_sector: dict[str, dict[str, int]]):
    width = 2 + len(_FORM_COLUMNS)
    order = _OFFICIAL_ORDER if report.style == "official" else _FORM_COLUMNS
    agency = unit.name.replace("UBND", "ỦY BAN NHÂN DÂN").upper()
    lines: list[str | None] = [agency, "Biểu số 06/VPCP/KSTT", _FORM_TITLE]
    lines += [f"Kỳ báo cáo: {report.label}"]
    lines += [f"(Từ ngày {report.start:%d/%m/%Y} đến ngày {report.end:%d/%m/%Y})"]
    if report.unit_in_title:
        lines += [f"Đơn vị báo cáo: {unit.name}"]
    lines += ["Đơn vị nhận báo cáo: Văn phòng UBND tỉnh Trà Vinh", "Đơn vị tính: Số hồ sơ (HS)"]
    rows, merges = _title(width, lines)
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
    rows += _footer(width, "Ghi chú: số liệu từ sổ theo dõi hồ sơ của đơn vị.",
                    ("Nguyễn Thị Hạnh", "Trần Văn Lợi"), report.end)  # fmt: skip
    name = "Biểu 06" if report.style != "typed" else "Sheet1"
    return _Sheet(name, rows, merges, header_row + height - 1)


def _write_reports(
    raw: Path,
    units: Sequence[s.Unit],
    cases: Sequence[s._Case],
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
        _write_book(raw / "reports" / report.path, [sheet], unit.name)
        written += 1
    return written, {"report_unit_periods": float(written)}
