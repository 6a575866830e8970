"""The sample province-year (flows/sample): deterministic, complete, and quirky as promised."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from flows.ingest.text import name_key, sector_key
from flows.sample import SampleSummary, write_sample

CASES = 2000
CASE_CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.H48-\d{6}-\d{4}$")
CODE_HEADERS = {"Mã hồ sơ", "Số hồ sơ", "Mã số hồ sơ"}
STATUS_HEADERS = {"Trạng thái", "Tình trạng", "Trạng thái hồ sơ"}

# docs/spec.md §3.4, in the contract's order.
UNIT_HEADERS = [
    "Mã đơn vị",
    "Tên đơn vị",
    "Cấp",
    "Đơn vị cha",
    "Loại",
    "Tên khác",
    "Hiệu lực từ",
    "Hiệu lực đến",
    "Đơn vị kế thừa",
]
PROCEDURE_HEADERS = [
    "Mã TTHC",
    "Tên TTHC",
    "Lĩnh vực",
    "Cấp thực hiện",
    "Mức độ DVC",
    "Thời hạn giải quyết",
    "Tiếp nhận tại Một cửa",
    "Đơn vị",
]
HOLIDAY_HEADERS = ["Ngày", "Loại", "Ghi chú"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleSummary]:
    root = tmp_path_factory.mktemp("sample")
    return root, write_sample(root, cases=CASES, seed=2020)


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _sheets(path: Path) -> list[list[list[Any]]]:
    """Every sheet of an export as rows of cells (CSV decoded as the pipeline must)."""
    if path.suffix in (".xlsx", ".xls"):
        wb = CalamineWorkbook.from_path(str(path))
        return [wb.get_sheet_by_index(i).to_python() for i in range(len(wb.sheet_names))]
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        text, delimiter = data[3:].decode("utf-8"), ";"
    elif data.startswith(b"\xff\xfe"):
        text, delimiter = data[2:].decode("utf-16-le"), "\t"
    else:
        text, delimiter = unicodedata.normalize("NFC", data.decode("cp1258")), ","
    return [list(csv.reader(io.StringIO(text), delimiter=delimiter))]


def _exports(root: Path) -> list[Path]:
    return sorted(
        p for p in (root / "raw" / "igate").rglob("*") if p.suffix in (".xlsx", ".xls", ".csv")
    )


def _header_index(rows: list[list[Any]]) -> int:
    for i, row in enumerate(rows):
        if any(isinstance(v, str) and v in CODE_HEADERS for v in row):
            return i
    raise AssertionError("no header row")


def _data_start(rows: list[list[Any]]) -> int:
    """First row after the header, its sub-header row and its numbered row `(1) (2) …`."""
    r = _header_index(rows) + 1
    while r < len(rows) and any(str(v).startswith(("Ngày", "(1)")) for v in rows[r]):
        r += 1
    return r


def _column(rows: list[list[Any]], names: set[str]) -> int:
    """Column of a field, looking at the header row and the sub-header row under it."""
    h = _header_index(rows)
    for r in (h, h + 1):
        for c, v in enumerate(rows[r]):
            if isinstance(v, str) and v in names:
                return c
    raise AssertionError(f"none of {names} in the header")


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(
    sample: tuple[Path, SampleSummary], tmp_path: Path
) -> None:
    root, summary = sample
    again = write_sample(tmp_path, cases=CASES, seed=2020)
    assert _hashes(tmp_path) == _hashes(root)
    assert again == SampleSummary(**{**summary.__dict__, "data_root": tmp_path})


def test_parallel_writing_gives_the_same_bytes(
    sample: tuple[Path, SampleSummary], tmp_path: Path
) -> None:
    root, _ = sample
    write_sample(tmp_path, cases=CASES, seed=2020, workers=2)
    assert _hashes(tmp_path) == _hashes(root)


def test_another_seed_gives_other_cases(sample: tuple[Path, SampleSummary], tmp_path: Path) -> None:
    root, _ = sample
    write_sample(tmp_path, cases=CASES, seed=7)
    mine, theirs = _hashes(root), _hashes(tmp_path)
    assert mine.keys() == theirs.keys()  # the same layout of files
    assert mine["raw/reference/units.xlsx"] == theirs["raw/reference/units.xlsx"]
    assert (
        mine["raw/igate/2020/Tháng 10/Sở TNMT.xlsx"]
        != theirs["raw/igate/2020/Tháng 10/Sở TNMT.xlsx"]
    )


def test_negative_case_count_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_sample(tmp_path, cases=-1)


# --- what is written ---------------------------------------------------------------------------


def test_files_exist_for_each_source(sample: tuple[Path, SampleSummary]) -> None:
    root, summary = sample
    raw = root / "raw"
    for name in ("units.xlsx", "procedures.xlsx", "holidays.xlsx"):
        assert (raw / "reference" / name).is_file()
    igate = [p for p in (raw / "igate").rglob("*") if p.is_file()]
    suffixes = Counter(p.suffix for p in igate)
    assert suffixes[".xlsx"] > 100
    assert suffixes[".xls"] == 3
    assert suffixes[".csv"] == 3
    assert suffixes[".txt"] == 1
    others = {
        source: sorted((raw / source).rglob("*.*"))
        for source in ("documents", "postal", "late", "reports")
    }
    assert summary.files == {"reference": 4, "igate": len(igate)} | {
        source: len(paths) for source, paths in others.items()
    }
    assert {p.suffix for p in others["documents"]} == {".xlsx", ".csv"}
    assert {p.suffix for p in others["postal"]} == {".xlsx", ".csv"}
    assert {p.suffix for p in others["late"]} == {".xlsx"}
    assert summary.skipped_files == ["raw/igate/ghi_chu.txt"]
    assert (raw / "igate/2020/Tháng 10/Sở TNMT.xlsx").is_file()
    assert summary.cases == CASES


def test_reference_headers_are_the_contracts(sample: tuple[Path, SampleSummary]) -> None:
    root, _ = sample
    ref = root / "raw" / "reference"
    for name, headers in (
        ("units.xlsx", UNIT_HEADERS),
        ("procedures.xlsx", PROCEDURE_HEADERS),
        ("holidays.xlsx", HOLIDAY_HEADERS),
    ):
        rows = _sheets(ref / name)[0]
        assert rows[0] == headers, name


def test_units_registry(sample: tuple[Path, SampleSummary]) -> None:
    root, summary = sample
    rows = _sheets(root / "raw" / "reference" / "units.xlsx")[0][1:]
    units = {r[0]: dict(zip(UNIT_HEADERS, r, strict=True)) for r in rows}
    assert len(units) == len(rows)  # codes are unique
    kinds = Counter((u["Cấp"], u["Loại"]) for u in units.values())
    assert kinds[("tỉnh", "sở")] == 18
    assert kinds[("tỉnh", "trung tâm")] == 1
    assert kinds[("huyện", "ubnd")] == 9
    assert kinds[("huyện", "phòng")] >= 18
    assert 40 <= kinds[("xã", "ubnd")] - 9 <= 50  # old communes, without the 2025 successors
    names = {u["Tên đơn vị"] for u in units.values()}
    assert {"UBND thành phố Trà Vinh", "UBND huyện Càng Long", "UBND xã Long Đức"} <= names
    assert "Trung tâm Phục vụ hành chính công tỉnh" in names
    # Every name and alias names one unit only.
    keys: dict[str, str] = {}
    for code, u in units.items():
        aliases = [a for a in str(u["Tên khác"]).split(";") if a]
        for name in [u["Tên đơn vị"], *aliases]:
            assert keys.setdefault(name_key(name), code) == code, name
    assert "UBND TP. Trà Vinh" in str(units["000.00.51.H48"]["Tên khác"])
    # Districts end with the 2025 reform; their successors exist and start after it.
    for u in units.values():
        assert u["Hiệu lực từ"] in (date(2015, 1, 1), date(2025, 7, 1))
        if u["Cấp"] == "huyện":
            assert u["Hiệu lực đến"] == date(2025, 6, 30)
            successor = units[u["Đơn vị kế thừa"]]
            assert successor["Hiệu lực từ"] == date(2025, 7, 1)
            assert successor["Cấp"] == "xã"
        if u["Đơn vị cha"]:
            assert u["Đơn vị cha"] in units
    valid_2020 = [u for u in units.values() if u["Hiệu lực từ"] <= date(2020, 12, 31)]
    assert summary.units_valid_2020 == len(valid_2020)


def test_procedure_catalogue(sample: tuple[Path, SampleSummary]) -> None:
    root, _ = sample
    units = {r[0] for r in _sheets(root / "raw" / "reference" / "units.xlsx")[0][1:]}
    rows = _sheets(root / "raw" / "reference" / "procedures.xlsx")[0][1:]
    assert 55 <= len(rows) <= 70
    codes = [r[0] for r in rows]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[12]\.\d{6}", c) for c in codes)
    sectors = Counter(r[2] for r in rows)
    assert sectors.most_common(1)[0][0] == "Đất đai"
    assert {"Tư pháp", "Hộ tịch", "Chứng thực", "Xây dựng", "Đăng ký kinh doanh"} <= set(sectors)
    assert {str(r[4]) for r in rows} >= {"Toàn trình", "Một phần", "", "3.0", "4.0"}
    assert {r[6] for r in rows} >= {"Có", "Không", "x", ""}
    for r in rows:
        assert isinstance(r[5], float) and r[5].is_integer() and r[5] >= 1
        assert set(r[7].split(";")) <= units


def test_holiday_overrides(sample: tuple[Path, SampleSummary]) -> None:
    root, _ = sample
    rows = _sheets(root / "raw" / "reference" / "holidays.xlsx")[0][1:]
    kinds = {r[1] for r in rows}
    assert kinds == {"nghỉ", "làm việc"}
    for day, kind, _ in rows:
        weekday = datetime.strptime(day, "%d/%m/%Y").date().weekday()
        assert (weekday >= 5) == (kind == "làm việc")  # a Saturday worked, a weekday off


# --- quirks of the exports -------------------------------------------------------------------


def test_personal_fields_are_text_with_leading_zeros(sample: tuple[Path, SampleSummary]) -> None:
    root, _ = sample
    path = root / "raw/igate/2020/Tháng 10/Sở TNMT.xlsx"
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    phone = _column(rows, {"Số điện thoại"})
    cccd = _column(rows, {"Số CCCD"})
    data = [r for r in rows if isinstance(r[1], str) and CASE_CODE.match(r[1])]
    assert data
    for r in data:
        assert isinstance(r[phone], str) and r[phone].startswith("0")
        assert re.fullmatch(r"0\d{9,10}", r[phone])
        assert isinstance(r[cccd], str) and re.fullmatch(r"0\d{11}", r[cccd])


def test_title_block_two_row_header_numbered_row_and_footer(
    sample: tuple[Path, SampleSummary],
) -> None:
    root, _ = sample
    path = root / "raw/igate/2020/Tháng 10/Sở TNMT.xlsx"
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    rows = sheet.to_python()
    firsts = [r[0] for r in rows]
    assert "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG" in firsts[:3]
    assert "SỔ THEO DÕI HỒ SƠ" in firsts[:6]
    assert "Từ ngày 01/10/2020 đến ngày 31/10/2020" in firsts[:6]
    h = _header_index(rows)
    group = rows[h].index("Thời gian")
    assert rows[h + 1][group : group + 4] == [
        "Ngày tiếp nhận",
        "Ngày hẹn trả",
        "Ngày có kết quả",
        "Ngày trả kết quả",
    ]
    merged = set(sheet.merged_cell_ranges or [])
    assert ((h, group), (h, group + 3)) in merged  # the group over its four sub-headers
    assert ((h, 1), (h + 1, 1)) in merged  # "Mã hồ sơ" merged down over both rows
    assert rows[h + 2][:3] == ["(1)", "(2)", "(3)"]
    data = [r for r in rows if isinstance(r[1], str) and CASE_CODE.match(r[1])]
    total = next(r[0] for r in rows if str(r[0]).startswith("Tổng cộng"))
    assert total == f"Tổng cộng: {len(data)} hồ sơ"
    assert any("Người lập biểu" in r for r in rows)
    assert isinstance(data[0][_column(rows, {"Ngày tiếp nhận"})], datetime)  # real date cells


def test_csv_encodings(sample: tuple[Path, SampleSummary]) -> None:
    root, _ = sample
    igate = root / "raw" / "igate"
    legacy = (igate / "huyen/Cầu Ngang/Cau Ngang 06-2020.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        legacy.decode("utf-8")
    text = unicodedata.normalize("NFC", legacy.decode("cp1258"))
    assert text.startswith("STT,Mã hồ sơ,")
    assert "UBND huyện Cầu Ngang" in text
    bom = (igate / "huyen/Trà Cú/Trà Cú - tháng 3.csv").read_bytes()
    assert bom.startswith(b"\xef\xbb\xbf") and bom[3:].decode("utf-8").startswith("STT;Mã hồ sơ;")
    utf16 = (igate / "xa/Cầu Kè/Quý 3 năm 2020.csv").read_bytes()
    assert utf16.startswith(b"\xff\xfe")
    assert utf16[2:].decode("utf-16-le").split("\r\n")[0].split("\t")[:2] == ["STT", "Mã hồ sơ"]


def test_xls_files_and_date_forms(sample: tuple[Path, SampleSummary]) -> None:
    root, _ = sample
    igate = root / "raw" / "igate"

    def first_received(rel: str) -> Any:
        rows = _sheets(igate / rel)[0]
        col = _column(rows, {"Ngày tiếp nhận", "Ngày nhận hồ sơ", "Ngày nhận"})
        return next(r[col] for r in rows[_header_index(rows) + 1 :] if CASE_CODE.match(str(r[1])))

    assert isinstance(first_received("huyen/Châu Thành/ChauThanh_T02_2020.xls"), datetime)
    assert re.fullmatch(
        r"\d\d/\d\d/2020 \d\d:\d\d", first_received("huyen/Châu Thành/ChauThanh_T05_2020.xls")
    )
    assert re.fullmatch(
        r"\d\d:\d\d \d\d/\d\d/2020",
        first_received("huyen/TP Trà Vinh/Sổ theo dõi hồ sơ tháng 03.2020.xlsx"),
    )
    assert re.fullmatch(
        r"2020-\d\d-\d\d \d\d:\d\d:00", first_received("huyen/Tiểu Cần/Tháng 3 năm 2020.xlsx")
    )
    assert re.fullmatch(r"\d\d-\d\d-2020", first_received("huyen/Duyên Hải/2020-07.xlsx"))
    serial = first_received("huyen/Duyên Hải/2020-08.xlsx")
    assert isinstance(serial, float) and 43831 <= serial < 44200  # an Excel serial number
    centre = _sheets(igate / "2020/Tháng 3/Trung tâm PVHCC tỉnh - hồ sơ các sở.xls")
    assert len(centre) > 1  # one sheet per department


def test_header_synonyms_statuses_channels_and_names_vary(
    sample: tuple[Path, SampleSummary],
) -> None:
    root, _ = sample
    headers: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    units: set[str] = set()
    sectors: set[str] = set()
    without_status = []
    multi_sheet = 0
    for path in _exports(root):
        sheets = _sheets(path)
        multi_sheet += len(sheets) > 1
        for rows in sheets:
            h = _header_index(rows)
            heads = {str(v) for v in rows[h] + rows[h + 1] if v not in ("", None)}
            headers.update(heads)
            if not heads & STATUS_HEADERS:
                without_status.append(path.relative_to(root).as_posix())
                continue
            s_col = _column(rows, STATUS_HEADERS)
            c_col = _column(
                rows, {"Hình thức nộp", "Kênh nộp", "Kênh thực hiện", "Hình thức tiếp nhận"}
            )
            u_col = _column(
                rows, {"Đơn vị tiếp nhận", "Cơ quan tiếp nhận", "Nơi tiếp nhận", "Đơn vị"}
            )
            sector_col = _column(rows, {"Lĩnh vực", "Tên lĩnh vực"})
            for r in rows[h + 1 :]:
                if len(r) > s_col and any(CASE_CODE.match(str(v)) for v in r[:2]):
                    statuses[str(r[s_col])] += 1
                    channels[str(r[c_col])] += 1
                    units.add(str(r[u_col]))
                    sectors.add(str(r[sector_col]))
    assert {"Mã hồ sơ", "Số hồ sơ", "Mã số hồ sơ"} <= set(headers)
    assert {"Ngày tiếp nhận", "Ngày nhận hồ sơ", "Ngày nhận"} <= set(headers)
    assert {"Tên TTHC", "Tên thủ tục hành chính", "Nội dung hồ sơ"} <= set(headers)
    assert without_status == ["raw/igate/huyen/Cầu Kè/HS_CauKe_202007.xlsx"]
    assert multi_sheet >= 10
    assert {"10.0", "10", "Đã trả kết quả", "Đang xử lý"} <= set(statuses)  # codes and names
    assert set(statuses) & {
        "Đang giải quyết",
        "Hoàn thành",
        "Đã trả",
        "Đã trả kết quả cho công dân",
    }
    assert {"1.0", "2.0", "Trực tiếp", "Trực tuyến"} <= set(channels)
    assert {"UBND TP. Trà Vinh", "Uỷ ban nhân dân huyện Càng Long", "UBND huyện Tiểu Cầm"} <= units
    assert any(u != unicodedata.normalize("NFC", u) for u in units)  # NFD names
    assert any(u == "UBND HUYỆN TIỂU CẦN" for u in units)
    # Every name written matches the registry / catalogue by the keys of docs/spec.md §3.4,
    # except the deliberate strays.
    registry = _sheets(root / "raw" / "reference" / "units.xlsx")[0][1:]
    unit_keys = {name_key(n) for r in registry for n in [r[1], *str(r[5]).split(";")] if n}
    assert {u for u in units if name_key(u) not in unit_keys} == {"UBND huyện Tiểu Cầm"}
    catalogue = _sheets(root / "raw" / "reference" / "procedures.xlsx")[0][1:]
    sector_keys = {sector_key(r[2]) for r in catalogue}
    strays = {x for x in sectors if sector_key(x) not in sector_keys}
    assert strays <= {"Tư pháp - Hộ tịch", "Đất đia"} and "Tư pháp - Hộ tịch" in strays
    assert "Lĩnh vực Đất đai" in sectors


def test_overlaps_duplicates_and_bad_rows(sample: tuple[Path, SampleSummary]) -> None:
    root, summary = sample
    seen: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    data_rows = missing_code = 0
    text = []
    for path in _exports(root):
        rel = path.relative_to(root).as_posix()
        for rows in _sheets(path):
            code_col = _column(rows, CODE_HEADERS)
            date_col = _column(rows, {"Ngày tiếp nhận", "Ngày nhận hồ sơ", "Ngày nhận"})
            for r in rows[_data_start(rows) :]:
                code = str(r[code_col]) if len(r) > code_col else ""
                if CASE_CODE.match(code):
                    data_rows += 1
                    seen.setdefault(code, []).append((rel, tuple(map(str, r))))
                elif code == "" and len(r) > date_col and r[date_col] not in ("", None):
                    data_rows += 1
                    missing_code += 1
                text.extend(str(v) for v in r)
    assert data_rows == summary.rows_written
    assert missing_code == summary.bad_rows_by_kind.get("missing_code", 0)
    assert 0.001 < summary.bad_rows / summary.rows_written < 0.006
    in_two_files = [v for v in seen.values() if len({f for f, _ in v}) > 1]
    assert len(in_two_files) > CASES // 20  # overlapping exports, the later one further on
    exact = [v for v in seen.values() if len(v) != len(set(v))]
    assert len(exact) == summary.duplicate_rows > 0
    if summary.bad_rows_by_kind.get("impossible_date"):
        assert any("31/02/2020" in t or "2020-02-31" in t or "31-02-2020" in t for t in text)
    if summary.bad_rows_by_kind.get("unknown_status"):
        assert {
            "Chờ ký duyệt",
            "Đang thẩm định",
            "Chuyển xử lý",
            "0",
            "0.0",
            "11",
            "11.0",
            "12",
        } & set(text)
    assert "Tư pháp - Hộ tịch" in text  # a sector not in the catalogue


def test_headline_numbers_tell_the_inspection_story(sample: tuple[Path, SampleSummary]) -> None:
    _, summary = sample
    e = summary.expected
    assert 0.15 <= e["land_late_rate"] <= 0.28
    assert e["other_late_rate"] < 0.05
    assert 0.03 <= e["online_share"] <= 0.10
    assert 0.003 <= e["postal_share"] <= 0.03
    assert e["land_pending_overdue"] > 0
    assert 0.3 <= summary.units_with_files / summary.units_valid_2020 <= 0.5
    assert summary.lines()[0].startswith("sample written under")


# --- documents, postal items, late-case lists -----------------------------------------------


def test_document_registers(sample: tuple[Path, SampleSummary]) -> None:
    root, summary = sample
    register = root / "raw/documents/tinh/Sổ văn bản đi năm 2020.xlsx"
    wb = CalamineWorkbook.from_path(str(register))
    assert wb.sheet_names == [f"Tháng {m}" for m in range(1, 12)]  # one sheet per month
    rows = wb.get_sheet_by_index(9).to_python()
    firsts = [r[0] for r in rows[:6]]
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in firsts and "Tháng 10 năm 2020" in firsts
    header = rows[6]
    assert header[:3] == ["STT", "Số, ký hiệu", "Ngày ban hành"]
    data = [r for r in rows[7:] if isinstance(r[0], float)]
    assert data and all(isinstance(r[2], date) for r in data)  # real date cells
    assert {r[8] for r in data} <= {"Có", ""}
    assert {r[9] for r in data} <= {"Điện tử", "Điện tử và giấy", "Văn bản điện tử", "Bản giấy",
                                    "Giấy", ""}  # fmt: skip
    district = root / "raw/documents/huyen/Càng Long/Sổ văn bản đi năm 2020.xlsx"
    names = CalamineWorkbook.from_path(str(district)).sheet_names
    assert "Xã An Trường" in names and len(names) >= 6  # one sheet per issuing unit
    e = summary.expected
    assert 0.4 <= e["documents_e_signed_rate"] <= 0.75
    assert e["documents_secret"] > 0 and e["units_without_e_signed_documents"] >= 3
    assert 0.02 <= e["documents_published_late_rate"] <= 0.2


def test_postal_items_carry_case_codes(sample: tuple[Path, SampleSummary]) -> None:
    root, summary = sample
    codes = set()
    for path in _exports(root):
        for rows in _sheets(path):
            col = _column(rows, CODE_HEADERS)
            codes |= {str(r[col]) for r in rows[_data_start(rows) :] if len(r) > col}
    postal = sorted((root / "raw" / "postal").rglob("*.*"))
    carried, directions = [], Counter()
    for path in postal:
        for rows in _sheets(path):
            h = _header_index(rows)
            col = rows[h].index("Mã hồ sơ")
            for r in rows[h + 1 :]:
                if len(r) > col + 1 and str(r[1]).endswith("VN"):
                    carried.append(str(r[col]))
                    directions[str(r[col + 1])] += 1
    assert len([c for c in carried if c in codes]) >= 0.9 * len(carried) > 0
    assert {"Thu gom hồ sơ", "Phát trả kết quả", "Chiều đi", "Chiều về"} <= set(directions)
    assert summary.expected["postal_items_unmatched"] > 0
    assert summary.expected["postal_items_returned"] > 0


def test_late_lists_name_late_cases(sample: tuple[Path, SampleSummary]) -> None:
    root, summary = sample
    lists = sorted((root / "raw" / "late").rglob("*.xlsx"))
    assert len(lists) >= 5
    rows_seen = 0
    headers: set[str] = set()
    for path in lists:
        for rows in _sheets(path):
            h = _header_index(rows)
            headers |= {str(v) for v in rows[h] if v}
            rows_seen += sum(1 for r in rows[h + 1 :] if isinstance(r[0], float))
    assert rows_seen == summary.expected["late_list_rows"] > 0
    assert {"Lý do trễ hạn", "Ngày xin lỗi", "Số lần hẹn lại"} <= headers
