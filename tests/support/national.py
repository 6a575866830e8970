"""A root of province folders for the national tests, and the provinces' own figures.

`write_provinces` writes sample provinces (each `cchc sample` province-year under its own
folder, a different seed each), a small province of a few iGate cases of its own, and the
province crosswalk. `province_rows` and `province_sums` read a province's own published
warehouse, so that a test holds the national tables to what each province published, computed
without the national models.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from flows.paths import DataPaths
from flows.sample import write_sample
from tests.support import IGATE_HEADER, UNIT_HEADER, write_csv, write_xlsx

CROSSWALK_HEADER = ["Mã tỉnh", "Tên tỉnh", "Tỉnh kế thừa", "Tên tỉnh kế thừa", "Từ ngày", "Ghi chú"]
# The tables the national warehouse carries per province, and the columns they share with the
# province's own table.
PROVINCE_COLUMNS = {
    "rpt_bieu06": (
        "period_type, period, period_start, period_end, unit_code, unit_name, sector, "
        "received_online, received_direct_postal, received_total, carried_over, resolved_early, "
        "resolved_on_time, resolved_late, resolved_total, pending_not_due, pending_overdue, "
        "pending_total, other_ended"
    ),
    "ind_late": (
        "period_type, period, period_start, period_end, unit_code, unit_name, sector, "
        "resolved_total, resolved_late, pending_total, pending_overdue, late_rate, "
        "overdue_or_late_rate"
    ),
    "ind_channels": (
        "period_type, period, period_start, period_end, unit_code, unit_name, received_total, "
        "received_online, received_postal, received_direct, online_rate, postal_rate"
    ),
    "ind_igate_uptake": (
        "period_type, period, period_start, period_end, unit_code, unit_name, unit_level, "
        "unit_kind, files_received, procedures_assigned, procedures_with_files, has_activity"
    ),
    "ind_documents": (
        "period_type, period, period_start, period_end, unit_code, unit_name, docs_total, "
        "docs_secret, docs_e_signed, docs_e_issued, e_signed_rate, e_issued_rate, "
        "docs_with_published_on, docs_published_late, published_late_rate"
    ),
}


def write_sample_province(root: Path, province: str, cases: int, seed: int) -> Path:
    """A sample province-year (`cchc sample`) in `<root>/<province>/raw/`."""
    folder = Path(root) / province
    write_sample(folder, cases=cases, seed=seed)
    return folder


def write_small_province(root: Path, province: str, first: date, last: date) -> Path:
    """A province of a few iGate cases: one received each week from `first`, and one on `last`
    (its as-of date); each resolved two days after it was received, when that is by `last`."""
    folder = Path(root) / province
    days = [first + timedelta(days=7 * k) for k in range((last - first).days // 7 + 1)]
    days += [] if days[-1] == last else [last]
    rows: list[list[object]] = [IGATE_HEADER]
    for n, day in enumerate(days, start=1):
        received = datetime.combine(day, datetime.min.time()) + timedelta(hours=8)
        done = received + timedelta(days=2) if day + timedelta(days=2) <= last else None
        rows.append(
            [
                n,
                f"NHO-{n:04d}",
                "1.1",
                "Đăng ký đất đai",
                "Đất đai",
                "UBND huyện Nhỏ",
                "Trực tuyến" if n % 3 == 0 else "Trực tiếp",
                received,
                received + timedelta(days=3),
                done,
                done,
                "Đã trả kết quả" if done else "Đang xử lý",
            ]
        )
    write_xlsx(folder / "raw" / "igate" / "ho_so.xlsx", {"Sổ theo dõi": rows})
    return folder


def write_crosswalk(root: Path, rows: Iterable[list[object]], name: str = "provinces.xlsx") -> Path:
    """`<root>/reference/<name>`: the crosswalk header and `rows` (.xlsx or .csv by name)."""
    path = Path(root) / "reference" / name
    table = [CROSSWALK_HEADER, *[list(r) for r in rows]]
    if path.suffix == ".csv":
        return write_csv(path, table)
    return write_xlsx(path, {"Sáp nhập": table})


def break_successor_chain(folder: Path) -> Path:
    """A second registry file whose unit names a successor the registry lacks: the province's
    error audit units_successor_chain fails its build, so its run publishes nothing."""
    row = ["000.99.99.H99", "UBND xã Thử Nghiệm", "Xã", None, "UBND", None, "01/01/2015"]
    rows = [UNIT_HEADER, [*row, "30/06/2025", "KHONG.CO.MA"]]
    return write_csv(folder / "raw" / "reference" / "units_bo_sung.csv", rows)


def corrupt(path: Path, keep: int = 0) -> Path:
    """The file cut to its first `keep` bytes and followed by garbage (a broken copy)."""
    data = path.read_bytes()[:keep] if path.exists() else b""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data + b"\x00garbage, not what it claims to be\xff" * 64)
    return path


def province_rows(folder: Path, table: str) -> list[tuple[Any, ...]]:
    """A province table's rows, from the province's own published warehouse."""
    warehouse = DataPaths(folder).warehouse
    with duckdb.connect(str(warehouse), read_only=True) as con:
        query = f"SELECT {PROVINCE_COLUMNS[table]} FROM {table} ORDER BY ALL"
        return con.execute(query).fetchall()


def province_sums(folder: Path) -> dict[tuple[str, str], dict[str, int]]:
    """(period_type, period) -> the counts a ranking sums, from the province's own warehouse."""
    warehouse = DataPaths(folder).warehouse
    out: dict[tuple[str, str], dict[str, int]] = {}
    queries = {
        "ind_channels": "sum(received_total), sum(received_online)",
        "ind_late": "sum(resolved_total), sum(resolved_late), sum(pending_total), "
        "sum(pending_overdue)",
        "ind_igate_uptake": "count(*), count(*) FILTER (WHERE has_activity)",
    }
    names = {
        "ind_channels": ("received_total", "received_online"),
        "ind_late": ("resolved_total", "resolved_late", "pending_total", "pending_overdue"),
        "ind_igate_uptake": ("units_valid", "units_with_files"),
    }
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, sums in queries.items():
            query = f"SELECT period_type, period, {sums} FROM {table} GROUP BY ALL"
            for period_type, period, *values in con.execute(query).fetchall():
                counts = out.setdefault((period_type, period), dict.fromkeys(_ALL, 0))
                counts.update(zip(names[table], (int(v) for v in values), strict=True))
    return out


_ALL = (
    "received_total",
    "received_online",
    "resolved_total",
    "resolved_late",
    "pending_total",
    "pending_overdue",
    "units_valid",
    "units_with_files",
)


def add_sums(parts: Iterable[dict[str, int]]) -> dict[str, int]:
    total = dict.fromkeys(_ALL, 0)
    for part in parts:
        for name in _ALL:
            total[name] += part[name]
    return total
