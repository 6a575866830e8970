"""The sample's cases: a random province-year of files received on iGate.

Each case is drawn once, with its whole course (received, due, finished, returned, or
withdrawn, stopped, never accepted); `Case.state` says how far it had got at any moment, which
is what an export taken then shows. The applicant's particulars are made up from Khmer and
Kinh names and Trà Vinh places.
"""

from __future__ import annotations

import random
from collections.abc import Container, Sequence
from datetime import date, datetime, timedelta

from flows.sample.registry import (
    DATA_END,
    DATA_START,
    DISTRICTS,
    LAND,
    PROCEDURES,
    Calendar,
    Procedure,
    Unit,
    procedure_units,
)

# Share of a procedure's cases received online, by the catalogue's online level, and by post.
_ONLINE_SHARE = {"Toàn trình": 0.30, "Một phần": 0.07, 4: 0.15, 3: 0.05, "": 0.0}
_POSTAL_SHARE = 0.016


class Case:
    """One case: who received it, for what, by which channel, and its whole course."""

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


_EQUAL_FAMILY = [float(i + 1) for i in range(len(_FAMILY))]  # cumulative, equal weights


def signer_name(rng: random.Random) -> str:
    """The name of an official who signs an export: every family name equally likely."""
    return _person_name(rng, _EQUAL_FAMILY)


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


def generate_cases(
    rng: random.Random,
    n: int,
    units: Sequence[Unit],
    cal: Calendar,
    no_status_units: Container[str],
) -> list[Case]:
    """`n` cases over the year, coded per receiving unit and day.

    A unit in `no_status_units` has an export without a status column, which could not tell
    a refused, withdrawn or stopped case or a pending status apart: its cases have none of them.
    """
    handlers = procedure_units(units)
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

    cases: list[Case] = []
    for i in range(n):
        p = proc_choice[i]
        cand, cum = proc_units[p.code]
        unit = rng.choices(cand, cum_weights=cum)[0]
        c = Case()
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
    for d in DISTRICTS:
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


def mistyped_code(code: str, rng: random.Random) -> str:
    """A case code as a clerk might mistype it: a digit changed or dropped."""
    digits = [i for i, ch in enumerate(code) if ch.isdigit()]
    i = rng.choice(digits[-6:])
    if rng.random() < 0.5:
        return code[:i] + code[i + 1 :]
    return code[:i] + str((int(code[i]) + rng.randint(1, 9)) % 10) + code[i + 1 :]


def headline_figures(
    cases: list[Case], last_seen: dict[int, datetime], bad: set[int], cal: Calendar
) -> tuple[dict[str, float], set[str]]:
    """Headline numbers from the last state of each case that the exports show, and the units
    with at least one received case; cases in `bad` (a rejected row) are left out."""
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
