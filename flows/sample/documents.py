"""The sample's document registers (raw/documents/): outgoing documents of the province-year.

The province's shared register (one sheet a month) and one register per district (one sheet per
issuing unit; one district's old system writes a single Windows-1258 CSV), with the situation
of the 2020 inspection (docs/spec.md §3.2): departments mostly sign outgoing documents
digitally, districts less, several communes never; a few classified documents, some published
late, and a few rows the pipeline must reject. Beside them, the plans every unit must issue
(the list `reference/van_ban_bat_buoc.xlsx`, docs/spec.md §9): each unit has issued them on
time, late, outside the window, under the wrong type, with an abstract missing a phrase, or
not at all.

Deterministic: every draw comes from `random.Random` seeded with the sample's seed and the
issuer.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flows.sample.registry import (
    CENTER_UNIT,
    DISTRICTS,
    LAST_DAY,
    PROVINCE_UNIT,
    Calendar,
    ReferenceList,
    Unit,
    ucode,
)
from flows.sample.writers import Sheet, footer_rows, title_rows, unit_name, write_book, write_text

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
    spellings, the unit-name style (flows.sample.writers.unit_name), real date cells or text,
    and what it writes as the confidentiality of an ordinary document."""

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
_SECRET_ISSUERS = {ucode(0), ucode(1), ucode(16), ucode(17)}


# --------------------------------------------------------------------------------------------
# The documents every unit must issue (reference/van_ban_bat_buoc.xlsx, docs/spec.md §9)
# --------------------------------------------------------------------------------------------

REQUIRED_HEADERS = ("Năm", "Nội dung", "Loại văn bản", "Từ khóa", "Cấp", "Từ ngày", "Đến ngày",
                    "Hạn")  # fmt: skip
REQUIRED_FILE = "van_ban_bat_buoc.xlsx"


@dataclass(frozen=True)
class RequiredItem:
    key: str  # the generator's name for it
    label: str
    keywords: str
    levels: tuple[str, ...]  # empty: every level
    window_start: date | None
    window_end: date | None
    deadline: date

    @property
    def window(self) -> tuple[date, date]:
        return self.window_start or date(2020, 1, 1), self.window_end or date(2020, 12, 31)


# The inspection's two plans of 2020: the year's administrative-reform plan, from every unit by
# the end of January (a plan drawn up in December counts), and the plan for the model
# "Chính quyền, công sở thân thiện và trách nhiệm", from the province's and districts' units by
# the end of March, no later than September.
REQUIRED_ITEMS = (
    RequiredItem(
        "cchc_plan",
        "Kế hoạch cải cách hành chính năm 2020",
        "Kế hoạch cải cách hành chính; năm 2020",
        (),
        date(2019, 12, 1),
        None,
        date(2020, 1, 31),
    ),
    RequiredItem(
        "friendly_office_plan",
        "Kế hoạch thực hiện mô hình “Chính quyền, công sở thân thiện và trách nhiệm” năm 2020",
        "Chính quyền, công sở thân thiện và trách nhiệm; năm 2020",
        ("tỉnh", "huyện"),
        None,
        date(2020, 9, 30),
        date(2020, 3, 31),
    ),
)
_PLAN_TYPE = "Kế hoạch"

# What a unit did about an item: (outcome, weight) per item, communes by their own table (they
# miss more). Every outcome but on_time and late leaves the item not issued: no document, or
# one that misses it in one way.
_OUTCOMES: dict[str, tuple[tuple[str, float], ...]] = {
    "cchc_plan": (
        ("on_time", 0.55), ("late", 0.13), ("wrong_type", 0.08), ("missing_phrase", 0.07),
        ("none", 0.17),
    ),
    "friendly_office_plan": (
        ("on_time", 0.45), ("late", 0.15), ("outside_window", 0.1), ("missing_phrase", 0.08),
        ("none", 0.22),
    ),
}  # fmt: skip
_COMMUNE_OUTCOMES = (
    ("on_time", 0.4), ("late", 0.15), ("wrong_type", 0.1), ("missing_phrase", 0.05),
    ("none", 0.3),
)  # fmt: skip


def required_documents_list() -> ReferenceList:
    """reference/van_ban_bat_buoc.xlsx: one row per required document."""
    rows: list[list[Any]] = [
        [2020, item.label, _PLAN_TYPE, item.keywords, ";".join(item.levels), item.window_start,
         item.window_end, item.deadline]
        for item in REQUIRED_ITEMS
    ]  # fmt: skip
    return REQUIRED_FILE, REQUIRED_HEADERS, rows


def _is_required(item: RequiredItem, unit: Unit | None) -> bool:
    return unit is not None and (not item.levels or unit.level in item.levels)


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
    fulfils: str = ""  # the key of the required document it fulfils, if any


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


def _doc_rate(u: Unit) -> float:
    """Documents a month, at scale 1."""
    if u.code == PROVINCE_UNIT:
        return 9.0
    if u.code == CENTER_UNIT:
        return 2.0
    if u.kind == "sở":
        return 4.5 if u.active else 3.5
    if u.level == "huyện" and u.kind == "ubnd":
        return 6.0
    if u.kind == "phòng":
        return 1.5
    return 1.6


def _esign_share(u: Unit | None, rng: random.Random) -> float:
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


# Officials who sign documents. Their middle names are none of the applicants'
# (flows.sample.cases), so a signer is never mistaken for an applicant, whose data must not land.
_OFFICIAL_FAMILY = ("Nguyễn", "Trần", "Lê", "Thạch", "Huỳnh", "Phạm", "Võ", "Kim", "Lâm")
_OFFICIAL_MIDDLE = ("Trung", "Đình", "Xuân", "Bảo", "Duy", "Tấn")
_OFFICIAL_GIVEN = ("Nghĩa", "Hiệp", "Kiệt", "Luân", "Tâm", "Nhân", "Trọng", "Thắng", "Hạnh")


def _official(rng: random.Random) -> str:
    return " ".join(
        (rng.choice(_OFFICIAL_FAMILY), rng.choice(_OFFICIAL_MIDDLE), rng.choice(_OFFICIAL_GIVEN))
    )


def _count(rng: random.Random, lam: float) -> int:
    return max(0, round(rng.gauss(lam, math.sqrt(lam)))) if lam > 0 else 0


def _month_days(cal: Calendar, month: int) -> tuple[list[date], list[date]]:
    start = date(2020, month, 1)
    end = min(
        date(2020, month + 1, 1) - timedelta(days=1) if month < 12 else date(2020, 12, 31),
        LAST_DAY,
    )
    working = cal.working_days(start, end)
    saturdays = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return working, [d for d in saturdays if d.weekday() == 5 and not cal.is_working(d)]


def _issue_documents(
    issuer: str,
    unit: Unit | None,
    name: str,
    kind: str,
    cal: Calendar,
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
    for month in range(1, LAST_DAY.month + 1):
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
        if published is not None and published > LAST_DAY:
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
    # Drawn from their own generator and numbered after the others, so that the documents
    # above are the same with or without them.
    docs += _required_documents(issuer, unit, name, abbr, signer, share, len(docs), cal, seed)
    return docs


def _required_documents(
    issuer: str,
    unit: Unit | None,
    name: str,
    abbr: str,
    signer: str,
    share: float,
    numbered: int,
    cal: Calendar,
    seed: int,
) -> list[_Doc]:
    """The issuer's documents about the required plans: fulfilling or missing each one.

    An office outside the registry issues the year's plan on time: its document fulfils
    nothing, its unit being unmatched.
    """
    rng = random.Random(f"{seed}/required/{issuer}")
    docs: list[_Doc] = []

    def add(day: date, kind: str, summary: str, fulfils: str = "") -> None:
        number = {"Kế hoạch": "{n}/KH-{a}", "Quyết định": "{n}/QĐ-{a}"}.get(kind, "{n}/{a}-VP")
        if rng.random() < 0.1:
            summary = summary.upper()
        elif rng.random() < 0.1:
            summary = summary.replace("hoạch", "họach")  # the old tone placement
        signed = rng.random() < share
        e_issued = signed and rng.random() < 0.95
        form = "Điện tử" if e_issued else "Bản giấy"
        published = day if rng.random() < 0.85 else cal.after(day, rng.choice((1, 1, 3)))
        if published > LAST_DAY:
            published = LAST_DAY
        docs.append(
            _Doc(
                issuer=issuer,
                name=name,
                number=number.format(n=numbered + len(docs) + 1, a=abbr),
                issued=day,
                kind=kind,
                summary=summary,
                signer=signer,
                secret="",
                e_signed=signed,
                e_issued=e_issued,
                form=form,
                published=published,
                late=published > cal.after(day, 1),
                fulfils=fulfils,
            )
        )

    def day_in(start: date, end: date) -> date:
        return rng.choice(cal.working_days(max(start, date(2020, 1, 2)), min(end, LAST_DAY)))

    for item in REQUIRED_ITEMS:
        if unit is None:
            if item.key == "cchc_plan":
                add(day_in(date(2020, 1, 2), item.deadline), _PLAN_TYPE, item.label)
            continue
        if not _is_required(item, unit):
            continue
        table = _COMMUNE_OUTCOMES if unit.level == "xã" else _OUTCOMES[item.key]
        outcome = rng.choices([o for o, _ in table], weights=[w for _, w in table])[0]
        start, end = item.window
        own = f"{item.label} của {name}" if rng.random() < 0.5 else item.label
        if outcome == "on_time":
            add(day_in(start, item.deadline), _PLAN_TYPE, own, item.key)
            if rng.random() < 0.15:  # amended later: the first one is the one named
                later = day_in(item.deadline + timedelta(days=30), end)
                add(later, _PLAN_TYPE, f"{item.label} (sửa đổi, bổ sung)", item.key)
        elif outcome == "late":
            late_end = min(end, item.deadline + timedelta(days=90))
            add(day_in(item.deadline + timedelta(days=1), late_end), _PLAN_TYPE, own, item.key)
        elif outcome == "outside_window":
            add(day_in(end + timedelta(days=1), LAST_DAY), _PLAN_TYPE, own)
        elif outcome == "wrong_type":
            day = day_in(start, item.deadline + timedelta(days=30))
            plan = item.label[0].lower() + item.label[1:]
            if rng.random() < 0.5:
                add(day, "Quyết định", f"Quyết định ban hành {plan}")
            else:
                add(day, "Công văn", f"V/v triển khai {plan}")
        elif outcome == "missing_phrase":
            day = day_in(start, item.deadline + timedelta(days=30))
            if item.key == "cchc_plan":
                summary = rng.choice(
                    (
                        "Kế hoạch tuyên truyền cải cách hành chính năm 2020",
                        "Kế hoạch cải cách hành chính giai đoạn 2021 - 2025",
                    )
                )
            else:
                summary = "Kế hoạch thực hiện mô hình công sở thân thiện năm 2020"
            add(day, _PLAN_TYPE, summary)
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


def write_documents(
    raw: Path, units: Sequence[Unit], cal: Calendar, seed: int, scale: float
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
            and m < LAST_DAY.month
            and doc.published is not None
            and doc.published.month > m
        )
        by_month.setdefault(m, []).append((doc, spills))
        if spills:
            by_month.setdefault(m + 1, []).append((doc, False))
    sheets: list[Sheet] = []
    width = len(fields)
    for m in range(1, LAST_DAY.month + 1):
        entries = by_month.get(m, [])
        rows, merges = title_rows(
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
        end = min(date(2020, m + 1, 1) - timedelta(days=1), LAST_DAY)
        signers = ("Phạm Xuân Hạnh", "Lê Đình Trọng")
        rows += footer_rows(width, f"Tổng số: {len(entries)} văn bản", signers, end)
        sheets.append(Sheet(f"Tháng {m}", rows, merges, header_row))
    write_book(raw / "documents" / "tinh" / "Sổ văn bản đi năm 2020.xlsx", sheets, "QLVB")
    written += 1

    # The districts: one register per district, one sheet per issuing unit.
    for di, district in enumerate(DISTRICTS):
        dstyle = _DISTRICT_DOC_STYLES[di]
        issuers: list[tuple[str, Unit | None, str, str, str]] = []  # code, unit, name, …
        for u in valid:
            if u.district == di:
                issuers.append((u.code, u, unit_name(u, dstyle.names), u.kind, u.sheet))
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
            rows, merges = title_rows(
                width,
                [
                    agency,
                    name.upper() if unit is not None else name,
                    None,
                    "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
                    f"Từ ngày 01/01/2020 đến ngày {LAST_DAY:%d/%m/%Y}",
                ],
            )
            header_row = len(rows)
            rows.append(list(header))
            body = [_doc_cells(doc, fields, i, dstyle) for i, doc in enumerate(docs, start=1)]
            rows += body
            sheets.append(Sheet(sheet_name[:31], rows, merges, header_row))
            all_rows += body
        folder = raw / "documents" / "huyen" / district.folder
        if di == 8:  # an old system's export: one CSV in Windows-1258 for the whole district
            rows, merges = title_rows(width, [agency, "SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM 2020"])
            header_row = len(rows)
            rows.append(list(header))
            rows += all_rows
            write_text(
                folder / "So van ban di 2020.csv",
                Sheet("", rows, merges, header_row),
                "csv_cp1258",
            )
        else:
            write_book(folder / "Sổ văn bản đi năm 2020.xlsx", sheets, "QLVB")
        written += 1

    return written, _documents_expected(unique) | _required_expected(unique, valid)


def _required_expected(docs: list[_Doc], units: Sequence[Unit]) -> dict[str, float]:
    """Per required document: the units that must issue it, those that did, those late."""
    out: dict[str, float] = {}
    for item in REQUIRED_ITEMS:
        first: dict[str, date] = {}
        for d in docs:
            if d.fulfils == item.key and not d.bad:
                first[d.issuer] = min(first.get(d.issuer, d.issued), d.issued)
        required = [u.code for u in units if _is_required(item, u)]
        issued = [first[code] for code in required if code in first]
        out[f"required_{item.key}_units"] = float(len(required))
        out[f"required_{item.key}_issued"] = float(len(issued))
        out[f"required_{item.key}_late"] = float(sum(day > item.deadline for day in issued))
    return out


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
