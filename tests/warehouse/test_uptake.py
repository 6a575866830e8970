"""iGate uptake, online services, one-stop coverage and units over time, on a hand-built
province whose every number is named below.

Registry (reference/units.xlsx), all valid from 01/01/2015 unless said:
  P1 Sở Tư pháp            tỉnh  sở
  P2 Sở Y tế               tỉnh  sở     no case at all
  P3 Thanh tra tỉnh        tỉnh  khác   no case, no procedure
  D1 UBND huyện Cũ         huyện ubnd   valid to 15/08/2020, successor D2
  D2 UBND thị xã Mới       huyện ubnd   valid 16/08/2020 – 30/06/2025, successor X9
  X1 UBND xã An Bình       xã    ubnd   only a case never accepted (status 1)
  X9 UBND phường Mới       xã    ubnd   valid from 01/07/2025: the current unit of D1 and D2
A chain of two steps: D1 → D2 → X9. D1 and D2 are both valid for part of August.

Catalogue (reference/procedures.xlsx): code, online level, one-stop, units
  T1 Toàn trình  Có     P1        T2 3 (legacy → một phần)  Có  P1        T3 —  Không  P1
  L1 4 (legacy → toàn trình)  Có  D1;D2      L2 Một phần  x  "D1; D2"   L3 —  Không  D2;X1
  H1 Một phần  Có  X1                        Y1 Toàn trình  (empty)  P2;ZZ9 (unknown code)

Cases (igate/2020/q3.xlsx), all in August–September 2020:
  c1 P1 T1 online 03/08   c2 P1 T1 direct 10/09   c3 P1 T2 direct 05/08
  c4 D1 L1 direct 04/08   c5 D1 L1 online 12/08
  c6 D2 L2 online 20/08   c7 D2 L1 direct 15/09   c8 D2 L2 postal 22/09
  c9 P1 T9 (not in the catalogue) direct 25/08
  c10 X1 H1 online 02/09, status 1 (registered, never accepted: not received)
  c11 "Phòng Nội vụ huyện Cũ" (not in the registry) direct 07/09
The latest date is c8's return on 29/09/2020: the as-of date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb
import pytest

from flows.cli import main
from flows.paths import DataPaths
from flows.pipeline import build_warehouse, land
from flows.tools.unmatched import find_unmatched, format_unmatched
from flows.warehouse.runner import AuditError
from tests.support import IGATE_HEADER, UNIT_HEADER, land_and_build, rows, write_xlsx

UNITS = [
    # code, name, level, parent, kind, aliases, valid from, valid to, successor
    ("P1", "Sở Tư pháp", "tỉnh", None, "sở", None, "01/01/2015", None, None),
    ("P2", "Sở Y tế", "tỉnh", None, "sở", None, "01/01/2015", None, None),
    ("P3", "Thanh tra tỉnh", "tỉnh", None, "khác", None, "01/01/2015", None, None),
    ("D1", "UBND huyện Cũ", "huyện", None, "ubnd", None, "01/01/2015", "15/08/2020", "D2"),
    ("D2", "UBND thị xã Mới", "huyện", None, "ubnd", "TX. Mới", "16/08/2020", "30/06/2025", "X9"),
    ("X1", "UBND xã An Bình", "xã", "D1", "ubnd", None, "01/01/2015", None, None),
    ("X9", "UBND phường Mới", "xã", None, "ubnd", None, "01/07/2025", None, None),
]

PROCEDURE_HEADER = [
    "Mã TTHC",
    "Tên TTHC",
    "Lĩnh vực",
    "Cấp thực hiện",
    "Mức độ DVC",
    "Thời hạn giải quyết",
    "Tiếp nhận tại Một cửa",
    "Đơn vị",
]
PROCEDURES = [
    ("T1", "Cấp Phiếu lý lịch tư pháp", "Tư pháp", "Cấp tỉnh", "Toàn trình", 10, "Có", "P1"),
    ("T2", "Đăng ký hành nghề luật sư", "Tư pháp", "Cấp tỉnh", "3", 7, "Có", "P1"),
    ("T3", "Cấp chứng chỉ hành nghề đấu giá", "Tư pháp", "Cấp tỉnh", None, 15, "Không", "P1"),
    ("L1", "Cấp Giấy chứng nhận lần đầu", "Đất đai", "Cấp huyện", "4", 30, "Có", "D1;D2"),
    ("L2", "Tách thửa hoặc hợp thửa đất", "Đất đai", "Cấp huyện", "Một phần", 15, "x", "D1; D2"),
    ("L3", "Hòa giải tranh chấp đất đai", "Đất đai", "Cấp xã", None, 45, "Không", "D2;X1"),
    ("H1", "Đăng ký khai sinh", "Hộ tịch", "Cấp xã", "Một phần", 1, "Có", "X1"),
    ("Y1", "Cấp chứng chỉ hành nghề dược", "Y tế", "Cấp tỉnh", "Toàn trình", 20, None, "P2;ZZ9"),
]


def _at(text: str, hour: int = 8) -> datetime:
    day, month, year = (int(x) for x in text.split("/"))
    return datetime(year, month, day, hour)


# case, procedure, unit, channel, received, finished/returned (same day), status
CASES = [
    ("c1", "T1", "Sở Tư pháp", "Trực tuyến", "03/08/2020", "07/08/2020", "Đã trả kết quả"),
    ("c2", "T1", "Sở Tư pháp", "Trực tiếp", "10/09/2020", None, "Đang xử lý"),
    ("c3", "T2", "Sở Tư pháp", "Trực tiếp", "05/08/2020", "10/08/2020", "Đã trả kết quả"),
    ("c4", "L1", "UBND huyện Cũ", "Trực tiếp", "04/08/2020", None, "Đang xử lý"),
    ("c5", "L1", "UBND huyện Cũ", "Trực tuyến", "12/08/2020", None, "Đang xử lý"),
    ("c6", "L2", "UBND TX. Mới", "Trực tuyến", "20/08/2020", "28/08/2020", "Đã trả kết quả"),
    ("c7", "L1", "UBND thị xã Mới", "Trực tiếp", "15/09/2020", None, "Đang xử lý"),
    ("c8", "L2", "UBND thị xã Mới", "Bưu chính", "22/09/2020", "29/09/2020", "Đã trả kết quả"),
    ("c9", "T9", "Sở Tư pháp", "Trực tiếp", "25/08/2020", None, "Đang xử lý"),
    ("c10", "H1", "UBND xã An Bình", "Trực tuyến", "02/09/2020", None, "Mới đăng ký"),
    ("c11", "T1", "Phòng Nội vụ huyện Cũ", "Trực tiếp", "07/09/2020", None, "Đang xử lý"),
]
AS_OF = date(2020, 9, 29)


def write_registry(paths: DataPaths, units: list[tuple] = UNITS) -> None:
    write_xlsx(paths.raw / "reference" / "units.xlsx", {"Danh mục": [UNIT_HEADER, *units]})


def write_catalogue(paths: DataPaths) -> None:
    write_xlsx(
        paths.raw / "reference" / "procedures.xlsx",
        {"Danh mục": [PROCEDURE_HEADER, *[list(p) for p in PROCEDURES]]},
    )


def write_cases(paths: DataPaths) -> None:
    body: list[list[Any]] = [IGATE_HEADER]
    for n, (code, proc, unit, channel, received, ended, status) in enumerate(CASES, start=1):
        end = _at(ended, 15) if ended else None
        body.append(
            [n, code, proc, None, None, unit, channel, _at(received), None, end, end, status,
             "Nguyễn Văn An", "0905111222"]
        )  # fmt: skip
    write_xlsx(paths.raw / "igate" / "2020" / "q3.xlsx", {"Sổ theo dõi": body})


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory):
    paths = DataPaths(tmp_path_factory.mktemp("uptake") / "data")
    write_registry(paths)
    write_catalogue(paths)
    write_cases(paths)
    _, build, con = land_and_build(paths)
    yield con, build, paths
    con.close()


def by_unit(con: duckdb.DuckDBPyConnection, table: str, period: str) -> dict[str, dict]:
    return {
        r["unit_code"]: r
        for r in rows(con, f"SELECT * FROM {table} WHERE period = ? ORDER BY unit_code", [period])
    }


# ---------------------------------------------------------------------------------------------
# ind_igate_uptake
# ---------------------------------------------------------------------------------------------


def test_uptake_columns_are_the_contracts(wh) -> None:
    con, _, _ = wh
    cols = [r[0] for r in con.execute("DESCRIBE ind_igate_uptake").fetchall()]
    assert cols == [
        "period_type", "period", "period_start", "period_end", "unit_code", "unit_name",
        "unit_level", "unit_kind", "files_received", "procedures_assigned",
        "procedures_with_files", "has_activity",
    ]  # fmt: skip


def test_every_unit_valid_in_the_period_has_a_row(wh) -> None:
    con, _, _ = wh
    units = {
        period: sorted(by_unit(con, "ind_igate_uptake", period))
        for period in ("2020-08", "2020-09", "2020-Q3", "2020")
    }
    # D1 ends on 15/08 (in August, not in September); D2 starts on 16/08; X9 only in 2025.
    assert units["2020-08"] == ["D1", "D2", "P1", "P2", "P3", "X1"]
    assert units["2020-09"] == ["D2", "P1", "P2", "P3", "X1"]
    assert units["2020-Q3"] == units["2020"] == ["D1", "D2", "P1", "P2", "P3", "X1"]
    september = by_unit(con, "ind_igate_uptake", "2020-09")["P1"]
    assert (september["period_start"], september["period_end"]) == (date(2020, 9, 1), AS_OF)


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # unit: (files_received, procedures_assigned, procedures_with_files, has_activity)
        (
            "2020-08",
            {
                # c1, c3, c9; T1 and T2 have files, T9 is no procedure of P1's
                "P1": (3, 3, 2, True),
                "P2": (0, 1, 0, False),
                "P3": (0, 0, 0, False),
                "D1": (2, 2, 1, True),  # c4, c5 both L1
                "D2": (1, 3, 1, True),  # c6 (L2), received under its alias `UBND TX. Mới`
                "X1": (0, 2, 0, False),
            },
        ),
        (
            "2020-09",
            {
                "P1": (1, 3, 1, True),  # c2 (T1)
                "P2": (0, 1, 0, False),
                "P3": (0, 0, 0, False),
                "D2": (2, 3, 2, True),  # c7 (L1), c8 (L2)
                "X1": (0, 2, 0, False),  # c10 never accepted: not received
            },
        ),
        (
            "2020",
            {
                "P1": (4, 3, 2, True),
                "P2": (0, 1, 0, False),
                "P3": (0, 0, 0, False),
                "D1": (2, 2, 1, True),
                "D2": (3, 3, 2, True),
                "X1": (0, 2, 0, False),
            },
        ),
    ],
)
def test_uptake_counts(wh, period: str, expected: dict[str, tuple]) -> None:
    con, _, _ = wh
    got = {
        code: (r["files_received"], r["procedures_assigned"], r["procedures_with_files"],
               r["has_activity"])
        for code, r in by_unit(con, "ind_igate_uptake", period).items()
    }  # fmt: skip
    assert got == expected


def test_uptake_carries_level_and_kind(wh) -> None:
    con, _, _ = wh
    year = by_unit(con, "ind_igate_uptake", "2020")
    assert (year["X1"]["unit_name"], year["X1"]["unit_level"], year["X1"]["unit_kind"]) == (
        "UBND xã An Bình",
        "xã",
        "ubnd",
    )
    idle = con.execute(
        "SELECT unit_level, count(*) FROM ind_igate_uptake "
        "WHERE period = '2020' AND NOT has_activity GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert idle == [("tỉnh", 2), ("xã", 1)]


# ---------------------------------------------------------------------------------------------
# ind_online_services
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # unit: (assigned, partial, full, offer rate, with online files, use rate)
        (
            "2020-08",
            {
                "P1": (3, 1, 1, 2 / 3, 1, 0.5),  # T2 legacy 3, T1 full; c1 online on T1
                "P2": (1, 0, 1, 1.0, 0, 0.0),
                "D1": (2, 1, 1, 1.0, 1, 0.5),  # L1 legacy 4; c5 online on L1
                "D2": (3, 1, 1, 2 / 3, 1, 0.5),  # c6 online on L2
                "X1": (2, 1, 0, 0.5, 0, 0.0),  # c10 online but never received
            },
        ),
        (
            "2020-09",
            {
                "P1": (3, 1, 1, 2 / 3, 0, 0.0),  # c2 direct
                "P2": (1, 0, 1, 1.0, 0, 0.0),
                "D2": (3, 1, 1, 2 / 3, 0, 0.0),  # c7 direct, c8 postal
                "X1": (2, 1, 0, 0.5, 0, 0.0),
            },
        ),
    ],
)
def test_online_services(wh, period: str, expected: dict[str, tuple]) -> None:
    con, _, _ = wh
    got = {
        code: (
            r["procedures_assigned"], r["procedures_online_partial"], r["procedures_online_full"],
            r["online_offer_rate"], r["online_procedures_with_online_files"], r["online_use_rate"],
        )
        for code, r in by_unit(con, "ind_online_services", period).items()
    }  # fmt: skip
    # P3 has no procedure: nothing to offer online, no row (it is in ind_igate_uptake)
    assert got.keys() == expected.keys()
    for code, values in expected.items():
        assert got[code] == pytest.approx(values), code


def test_online_rate_is_null_without_online_procedures(tmp_path) -> None:
    paths = DataPaths(tmp_path / "data")
    write_registry(paths)
    write_xlsx(
        paths.raw / "reference" / "procedures.xlsx",
        {"Danh mục": [PROCEDURE_HEADER, ["T3", "Thủ tục giấy", "Tư pháp", None, None, 5, "Có",
                                          "P1"]]},
    )  # fmt: skip
    write_cases(paths)
    _, _, con = land_and_build(paths)
    with con:
        row = rows(con, "SELECT * FROM ind_online_services WHERE period = '2020'")
    assert len(row) == 1
    assert (row[0]["online_offer_rate"], row[0]["online_use_rate"]) == (0.0, None)


# ---------------------------------------------------------------------------------------------
# ind_one_stop, ind_one_stop_missing
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # unit: (assigned, one-stop, one-stop with files, one_stop_rate, with-files rate)
        (
            "2020-08",
            {
                "P1": (3, 2, 2, 2 / 3, 1.0),  # T1, T2 one-stop, both with files
                "P2": (1, 0, 0, 0.0, None),  # `Tiếp nhận tại Một cửa` empty: no
                "D1": (2, 2, 1, 1.0, 0.5),  # L2 marked `x`; only L1 has files
                "D2": (3, 2, 1, 2 / 3, 0.5),
                "X1": (2, 1, 0, 0.5, 0.0),
            },
        ),
        (
            "2020-09",
            {
                "P1": (3, 2, 1, 2 / 3, 0.5),
                "P2": (1, 0, 0, 0.0, None),
                "D2": (3, 2, 2, 2 / 3, 1.0),
                "X1": (2, 1, 0, 0.5, 0.0),
            },
        ),
    ],
)
def test_one_stop(wh, period: str, expected: dict[str, tuple]) -> None:
    con, _, _ = wh
    got = {
        code: (
            r["procedures_assigned"], r["procedures_one_stop"],
            r["procedures_one_stop_with_files"], r["one_stop_rate"], r["one_stop_with_files_rate"],
        )
        for code, r in by_unit(con, "ind_one_stop", period).items()
    }  # fmt: skip
    assert got.keys() == expected.keys()
    for code, values in expected.items():
        assert got[code] == pytest.approx(values), code


def test_one_stop_missing_lists_procedures_without_a_case(wh) -> None:
    con, _, _ = wh
    got = con.execute(
        "SELECT unit_code, unit_name, procedure_code, procedure_name, sector, one_stop "
        "FROM ind_one_stop_missing WHERE period = '2020-09' ORDER BY unit_code, procedure_code"
    ).fetchall()
    assert got == [
        ("D2", "UBND thị xã Mới", "L3", "Hòa giải tranh chấp đất đai", "Đất đai", False),
        ("P1", "Sở Tư pháp", "T2", "Đăng ký hành nghề luật sư", "Tư pháp", True),
        ("P1", "Sở Tư pháp", "T3", "Cấp chứng chỉ hành nghề đấu giá", "Tư pháp", False),
        ("P2", "Sở Y tế", "Y1", "Cấp chứng chỉ hành nghề dược", "Y tế", False),
        ("X1", "UBND xã An Bình", "H1", "Đăng ký khai sinh", "Hộ tịch", True),
        ("X1", "UBND xã An Bình", "L3", "Hòa giải tranh chấp đất đai", "Đất đai", False),
    ]
    august = con.execute(
        "SELECT unit_code, procedure_code FROM ind_one_stop_missing WHERE period = '2020-08' "
        "ORDER BY ALL"
    ).fetchall()
    assert august == [
        ("D1", "L2"), ("D2", "L1"), ("D2", "L3"), ("P1", "T3"), ("P2", "Y1"), ("X1", "H1"),
        ("X1", "L3"),
    ]  # fmt: skip


def test_unknown_unit_code_of_the_catalogue_is_a_warning(wh) -> None:
    _, build, _ = wh
    audit = {a.name: a for a in build.audits}["procedures_unit_codes_unknown"]
    assert (audit.severity, audit.violations) == ("warning", 1)
    assert audit.sample[0]["unit_code"] == "ZZ9"


# ---------------------------------------------------------------------------------------------
# Units over time
# ---------------------------------------------------------------------------------------------


def test_fct_filings_gains_the_current_unit_as_last_columns(wh) -> None:
    con, _, _ = wh
    cols = [r[0] for r in con.execute("DESCRIBE fct_filings").fetchall()]
    assert cols[-3:] == ["source_file", "unit_current_code", "unit_current_name"]
    got = dict(
        ((code), (unit, cur, name))
        for code, unit, cur, name in con.execute(
            "SELECT case_code, unit_code, unit_current_code, unit_current_name FROM fct_filings"
        ).fetchall()
    )
    assert got["c4"] == ("D1", "X9", "UBND phường Mới")  # two steps: D1 → D2 → X9
    assert got["c6"] == ("D2", "X9", "UBND phường Mới")  # one step
    assert got["c1"] == ("P1", "P1", "Sở Tư pháp")  # no successor
    assert got["c11"] == (None, None, "Phòng Nội vụ huyện Cũ")  # unmatched: as written
    assert "c10" not in got


def test_channels_roll_up_into_the_current_unit(wh) -> None:
    con, _, _ = wh
    cols = [r[0] for r in con.execute("DESCRIBE ind_channels_current").fetchall()]
    assert cols == [r[0] for r in con.execute("DESCRIBE ind_channels").fetchall()]
    got = {
        (r["unit_code"], r["unit_name"]): (
            r["received_total"], r["received_online"], r["received_postal"],
            r["received_direct"], r["online_rate"],
        )
        for r in rows(con, "SELECT * FROM ind_channels_current WHERE period = '2020'")
    }  # fmt: skip
    assert got == {
        ("P1", "Sở Tư pháp"): (4, 1, 0, 3, 0.25),
        # D1's c4, c5 and D2's c6, c7, c8: online c5, c6; postal c8; direct c4, c7
        ("X9", "UBND phường Mới"): (5, 2, 1, 2, 0.4),
        (None, "Phòng Nội vụ huyện Cũ"): (1, 0, 0, 1, 0.0),
    }
    august = rows(
        con, "SELECT unit_code, received_total FROM ind_channels_current WHERE period = '2020-08'"
    )
    assert {r["unit_code"]: r["received_total"] for r in august} == {"P1": 3, "X9": 3}


def _build_expecting_failure(paths: DataPaths) -> AuditError:
    results = land(paths)
    with pytest.raises(AuditError) as caught:
        build_warehouse(paths, results)
    assert not paths.warehouse.exists()  # nothing published
    return caught.value


def test_a_successor_cycle_fails_the_build_naming_the_codes(tmp_path) -> None:
    paths = DataPaths(tmp_path / "data")
    cycle = [
        ("A1", "UBND huyện A", "huyện", None, "ubnd", None, "01/01/2015", "30/06/2020", "B1"),
        ("B1", "UBND huyện B", "huyện", None, "ubnd", None, "01/07/2020", "31/12/2020", "C1"),
        ("C1", "UBND huyện C", "huyện", None, "ubnd", None, "01/01/2021", "31/12/2021", "A1"),
        ("P1", "Sở Tư pháp", "tỉnh", None, "sở", None, "01/01/2015", None, None),
    ]
    write_registry(paths, cycle)
    write_catalogue(paths)
    write_cases(paths)
    error = _build_expecting_failure(paths)
    failed = [a for a in error.results if a.severity == "error" and not a.passed]
    assert [a.name for a in failed] == ["units_successor_chain"]
    assert failed[0].violations == 1  # one cycle, named once
    assert "successor chain loops: A1 → B1 → C1 → A1" in str(error)


def test_a_missing_successor_fails_the_build_naming_the_codes(tmp_path) -> None:
    paths = DataPaths(tmp_path / "data")
    missing = [
        ("A1", "UBND huyện A", "huyện", None, "ubnd", None, "01/01/2015", "30/06/2025", "B1"),
        ("B1", "UBND xã B", "xã", None, "ubnd", None, "01/07/2025", None, "Q9"),
        ("P1", "Sở Tư pháp", "tỉnh", None, "sở", None, "01/01/2015", None, None),
    ]
    write_registry(paths, missing)
    write_catalogue(paths)
    write_cases(paths)
    error = _build_expecting_failure(paths)
    failed = [a for a in error.results if a.severity == "error" and not a.passed]
    assert [a.name for a in failed] == ["units_successor_chain"]
    assert failed[0].sample == [
        {
            "unit_code": "B1",
            "successor_code": "Q9",
            "problem": "successor code Q9 of unit B1 is not in the registry",
        }
    ]
    assert "Q9" in str(error) and "B1" in str(error)


def test_a_successor_still_to_come_does_not_take_over(tmp_path) -> None:
    """A unit whose end lies in the future is still its own current unit."""
    paths = DataPaths(tmp_path / "data")
    later = [
        ("P1", "Sở Tư pháp", "tỉnh", None, "sở", None, "01/01/2015", "31/12/2099", "P9"),
        ("P9", "Sở Tư pháp mới", "tỉnh", None, "sở", None, "01/01/2100", None, None),
    ]
    write_registry(paths, later)
    write_catalogue(paths)
    write_cases(paths)
    _, _, con = land_and_build(paths)
    with con:
        got = con.execute(
            "SELECT DISTINCT unit_current_code FROM fct_filings WHERE unit_code = 'P1'"
        ).fetchall()
    assert got == [("P1",)]


# ---------------------------------------------------------------------------------------------
# cchc unmatched
# ---------------------------------------------------------------------------------------------


def test_unmatched_names_with_closest_and_the_alias_line(wh, capsys) -> None:
    con, _, paths = wh
    items = find_unmatched(con)
    assert [(i.kind, i.name, i.occurrences) for i in items] == [
        ("unit", "Phòng Nội vụ huyện Cũ", 1)
    ]
    item = items[0]
    assert len(item.closest) == 3
    assert item.closest[0].code == "D1"  # `UBND huyện Cũ`: the closest key
    assert item.alias_cell == "Phòng Nội vụ huyện Cũ"  # D1 has no alias yet
    text = format_unmatched(items)
    assert '"Phòng Nội vụ huyện Cũ" — 1 row(s)' in text
    assert "1. UBND huyện Cũ (D1)" in text
    # the CLI prints the same, read-only on the published warehouse
    assert main(["unmatched", "--data-dir", str(paths.root)]) == 0
    assert capsys.readouterr().out == text


def test_unmatched_alias_line_keeps_the_existing_aliases(tmp_path) -> None:
    paths = DataPaths(tmp_path / "data")
    write_registry(paths)
    write_catalogue(paths)
    write_cases(paths)
    # D2 misspelt (a letter missing: accents alone would still match) and a sector the
    # catalogue does not have
    body: list[list[Any]] = [IGATE_HEADER]
    body.append([1, "m1", "L2", None, "Đất đai nông nghiệp", "UBND TX Mớ", "Trực tiếp",
                 _at("21/08/2020"), None, None, None, "Đang xử lý", None, None])  # fmt: skip
    write_xlsx(paths.raw / "igate" / "2020" / "more.xlsx", {"Sổ": body})
    _, _, con = land_and_build(paths)
    with con:
        items = {i.name: i for i in find_unmatched(con)}
    unit = items["UBND TX Mớ"]
    assert unit.closest[0].code == "D2"
    assert unit.closest[0].matched_name == "UBND thị xã Mới"
    assert unit.alias_cell == "TX. Mới; UBND TX Mớ"  # its alias kept, the new name added
    sector = items["Đất đai nông nghiệp"]
    assert sector.kind == "sector"
    assert sector.closest[0].name == "Đất đai"
    text = format_unmatched(list(items.values()))
    assert "TX. Mới; UBND TX Mớ" in text
    assert "Sector names not in the procedure catalogue (1):" in text


def test_unmatched_without_warehouse_exits_1(tmp_path, capsys) -> None:
    assert main(["unmatched", "--data-dir", str(tmp_path)]) == 1
    assert "no warehouse" in capsys.readouterr().err
