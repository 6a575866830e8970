"""Properties of landing over random exports with the quirks of docs/spec.md §2, random bytes,
and the name-matching key of §3.4.

Each example is a real file written by a real writer (xlsxwriter, or the csv module in one of
the listed encodings and delimiters) and landed by `land_file`, as the nightly run lands it.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import xlsxwriter
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flows.ingest.dates import EXCEL_EPOCH
from flows.ingest.landing import land_file
from flows.ingest.profile import get_profile
from flows.ingest.text import clean, name_key
from flows.paths import PROFILES_DIR, DataPaths
from tests.support import cp1258_form

PROFILE = get_profile("igate")
_VOCABULARIES = tomllib.loads((PROFILES_DIR / "igate.toml").read_text(encoding="utf-8"))[
    "vocabularies"
]
STATUS_SPELLINGS = {int(code): names for code, names in _VOCABULARIES["status"].items()}
CHANNEL_SPELLINGS = _VOCABULARIES["channel"]

_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_examples = itertools.count()


def _fresh_root(tmp_path: Path) -> DataPaths:
    # One data root per example: a landing is cached by content, and examples must not share.
    return DataPaths((tmp_path / f"example{next(_examples)}").resolve())


# ---------------------------------------------------------------------------------------------
# Random exports


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@st.composite
def header_variant(draw: st.DrawFn, text: str) -> str:
    """An accepted header as vendors write it: case, Unicode form, spaces, markers, breaks."""
    text = draw(st.sampled_from([text, text.upper(), text.lower(), text.title()]))
    if draw(st.booleans()):
        text = nfd(text)
    words = text.split(" ")
    glue = [draw(st.sampled_from([" ", "  ", "\n", " \n "])) for _ in words[1:]]
    text = words[0] + "".join(g + w for g, w in zip(glue, words[1:], strict=True))
    marker = draw(st.sampled_from(["", "", ":", " :", " (*)", "(*):"]))
    pad = draw(st.sampled_from(["", " ", "  "]))
    return pad + text + marker + draw(st.sampled_from(["", " "]))


@st.composite
def text_variant(draw: st.DrawFn, text: str) -> str:
    """A value as written: NFC or NFD, with stray spaces around and inside."""
    if draw(st.booleans()):
        text = nfd(text)
    if draw(st.booleans()):
        text = text.replace(" ", "  ", 1)
    return draw(st.sampled_from(["", " ", "  "])) + text + draw(st.sampled_from(["", " ", "\t"]))


# The date forms of docs/spec.md §2, with the precision each keeps.
DATE_FORMS = ["cell", "serial", "dmy", "dmy_hm", "dmy_hms", "hm_dmy", "dash", "iso", "iso_hm",
              "iso_hms"]  # fmt: skip


def date_cell(value: datetime, form: str, xlsx: bool) -> tuple[Any, datetime]:
    """(what is written, what must be loaded) for a datetime in one form."""
    day = value.replace(hour=0, minute=0, second=0)
    minute = value.replace(second=0)
    if form == "cell":
        return (value, value) if xlsx else (value.strftime("%d/%m/%Y %H:%M:%S"), value)
    if form == "serial":
        serial = (value - EXCEL_EPOCH).total_seconds() / 86400
        return (serial if xlsx else repr(serial)), value
    return {
        "dmy": (f"{value:%d/%m/%Y}", day),
        "dmy_hm": (f"{value:%d/%m/%Y %H:%M}", minute),
        "dmy_hms": (f"{value:%d/%m/%Y %H:%M:%S}", value),
        "hm_dmy": (f"{value:%H:%M %d/%m/%Y}", minute),
        "dash": (f"{value:%d-%m-%Y}", day),
        "iso": (f"{value:%Y-%m-%d}", day),
        "iso_hm": (f"{value:%Y-%m-%d %H:%M}", minute),
        "iso_hms": (f"{value:%Y-%m-%d %H:%M:%S}", value),
    }[form]


UNITS = [
    "UBND huyện Càng Long",
    "Sở Tư pháp",
    "UBND xã Phương Thạnh",
    "Trung tâm Phục vụ hành chính công tỉnh",
    "Phòng Tài nguyên và Môi trường huyện Cầu Kè",
    "UBND phường 1, TP. Trà Vinh",
    "Ủy ban nhân dân xã Long Đức",
]
TITLES = [
    ["UBND TỈNH TRÀ VINH"],
    ["SỔ THEO DÕI HỒ SƠ"],
    ["Từ ngày 01/10/2020 đến ngày 31/10/2020"],
    [None, "Kỳ báo cáo: Quý IV năm 2020"],
]
FOOTERS = [
    [["Tổng cộng: 12 hồ sơ"]],
    [[None, None, "Người lập biểu"], [None, None, "Trần Thị Bình"]],
    [["Trà Vinh, ngày 05 tháng 11 năm 2020"]],
    [[None, "Thủ trưởng đơn vị"], [None, "(Ký, ghi rõ họ tên)"], [], [None, "Lê Văn Cường"]],
]
OPTIONAL_FIELDS = ["due_at", "status", "channel"]
EXTRA_COLUMNS = ["Ghi chú", "Người xử lý", "Số điện thoại", "Cán bộ tiếp nhận"]


@dataclass
class Row:
    cells: dict[str, Any]  # column name → written value
    expected: dict[str, Any]  # landed field → value


@dataclass
class Export:
    columns: list[str]  # fields and extra column names, in written order
    headers: list[str]  # the header text of each column
    rows: list[list[Any] | Row | str]  # title rows, "HEADER", data rows, blanks, footers
    header_at: int = 0  # index in rows of the header


@st.composite
def case_rows(draw: st.DrawFn, columns: list[str], xlsx: bool) -> list[Row]:
    count = draw(st.integers(0, 10))
    style = draw(st.sampled_from(["full", "short", "number"]))
    rows = []
    for n in range(count):
        received = draw(
            st.datetimes(datetime(2019, 1, 1), datetime(2021, 12, 31)).map(
                lambda d: d.replace(microsecond=0)
            )
        )
        code: Any = {
            "full": f"000.00.53.H48-{received:%y%m%d}-{n:04d}",
            "short": f"H48-{n}",
            "number": 20200000 + n,
        }[style]
        unit = draw(st.sampled_from(UNITS))
        cells: dict[str, Any] = {"case_code": code if xlsx else str(code)}
        cells["receiving_unit"] = draw(text_variant(unit))
        written, loaded = date_cell(received, draw(st.sampled_from(DATE_FORMS)), xlsx)
        cells["received_at"] = written
        expected: dict[str, Any] = {
            "case_code": str(code),
            "receiving_unit": clean(unit),
            "received_at": loaded,
            "due_at": None,
            "status": 4,
            "channel": "direct",
        }
        if "due_at" in columns:
            due = received + timedelta(
                days=draw(st.integers(0, 60)), hours=draw(st.integers(0, 10))
            )
            if draw(st.integers(0, 5)):
                cells["due_at"], expected["due_at"] = date_cell(
                    due, draw(st.sampled_from(DATE_FORMS)), xlsx
                )
        if "status" in columns:
            status = draw(st.integers(1, 10))
            spelling = draw(st.sampled_from([*STATUS_SPELLINGS[status], status]))
            if isinstance(spelling, str):
                spelling = draw(st.sampled_from([spelling, spelling.upper(), nfd(spelling)]))
            elif not xlsx:
                spelling = str(spelling)
            cells["status"] = spelling
            expected["status"] = status
        if "channel" in columns:
            channel = draw(st.sampled_from(sorted(CHANNEL_SPELLINGS)))
            spelling = draw(st.sampled_from(CHANNEL_SPELLINGS[channel]))
            if spelling == "1" and draw(st.booleans()):
                spelling = None  # an empty channel is direct
            elif spelling.isdigit() and xlsx:
                spelling = int(spelling)
            cells["channel"] = spelling
            expected["channel"] = channel
        for extra in set(columns) & set(EXTRA_COLUMNS):
            cells[extra] = draw(st.sampled_from([None, "đúng hạn", "0901234567", "Hồ sơ giấy"]))
        rows.append(Row(cells, expected))
    return rows


@st.composite
def exports(draw: st.DrawFn, xlsx: bool) -> Export:
    fields = ["case_code", "receiving_unit", "received_at"]
    fields += draw(st.lists(st.sampled_from(OPTIONAL_FIELDS), unique=True))
    fields += draw(st.lists(st.sampled_from(EXTRA_COLUMNS), unique=True, max_size=2))
    columns = draw(st.permutations(fields))
    headers = []
    for column in columns:
        if column in EXTRA_COLUMNS:
            headers.append(column)
        else:
            headers.append(
                draw(header_variant(draw(st.sampled_from(PROFILE.field(column).headers))))
            )
    titles = draw(st.lists(st.sampled_from(TITLES), max_size=3))
    data: list[Any] = list(draw(case_rows(columns, xlsx)))
    for _ in range(draw(st.integers(0, 3))):
        data.insert(draw(st.integers(0, len(data))), [])  # blank rows inside the data
    footers = [
        row for block in draw(st.lists(st.sampled_from(FOOTERS), max_size=2)) for row in block
    ]
    rows = [*titles, "HEADER", *data, *footers]
    return Export(columns, headers, rows, header_at=len(titles))


def physical_rows(export: Export) -> list[list[Any]]:
    """Every row as the list of cells written."""
    out = []
    for row in export.rows:
        if row == "HEADER":
            out.append(list(export.headers))
        elif isinstance(row, Row):
            out.append([row.cells.get(column) for column in export.columns])
        else:
            out.append(list(row))
    return out


def write_export_xlsx(path: Path, export: Export) -> list[int]:
    """Write the export; returns the physical row number of each data row."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sổ theo dõi")
    stamp = book.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
    numbers = []
    for r, (row, cells) in enumerate(zip(export.rows, physical_rows(export), strict=True)):
        if isinstance(row, Row):
            numbers.append(r + 1)
        for c, value in enumerate(cells):
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, stamp)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, value)
    book.close()
    return numbers


def write_export_csv(path: Path, export: Export, encoding: str, delimiter: str) -> list[int]:
    numbers = []
    line = 1
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        for row, cells in zip(export.rows, physical_rows(export), strict=True):
            texts = ["" if v is None else str(v) for v in cells]
            if encoding == "cp1258":
                texts = [cp1258_form(t) for t in texts]
            if isinstance(row, Row):
                numbers.append(line)
            writer.writerow(texts)
            # A quoted field with line breaks spans as many more lines (header cells only).
            line += 1 + sum(t.count("\n") for t in texts)
    return numbers


def physical_count(path_rows: list[list[Any]], xlsx: bool) -> int:
    """Rows read: up to the last row with a non-empty cell (line breaks add CSV lines)."""
    count = last = 0
    for cells in path_rows:
        count += 1
        if any(v not in (None, "") for v in cells):
            last = count
        if not xlsx:
            count += sum(str(v).count("\n") for v in cells if v is not None)
    return last


def assert_landed_exactly(paths: DataPaths, path: Path, export: Export, numbers: list[int]) -> None:
    result = land_file(paths, path)
    assert result.status == "loaded", result
    (sheet,) = result.sheets
    data = [row for row in export.rows if isinstance(row, Row)]
    read = physical_count(physical_rows(export), path.suffix == ".xlsx")
    assert (sheet.rows_read, sheet.rows_loaded, sheet.rows_rejected, sheet.rows_skipped) == (
        read,
        len(data),
        0,
        read - len(data),
    )
    landed = pq.read_table(result.data_path).to_pylist()
    got = [{k: r[k] for k in ("row_number", *data[0].expected)} for r in landed] if data else []
    want = [{"row_number": n, **row.expected} for n, row in zip(numbers, data, strict=True)]
    assert got == want


@settings(max_examples=100, **_SETTINGS)
@given(export=exports(xlsx=True))
def test_property_random_xlsx_exports_land_exactly(tmp_path: Path, export: Export) -> None:
    paths = _fresh_root(tmp_path)
    path = paths.raw / "igate" / "sổ theo dõi.xlsx"
    path.parent.mkdir(parents=True)
    numbers = write_export_xlsx(path, export)
    assert_landed_exactly(paths, path, export, numbers)


@settings(max_examples=120, **_SETTINGS)
@given(
    export=exports(xlsx=False),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_property_random_csv_exports_land_exactly(
    tmp_path: Path, export: Export, encoding: str, delimiter: str
) -> None:
    paths = _fresh_root(tmp_path)
    path = paths.raw / "igate" / "sổ theo dõi.csv"
    path.parent.mkdir(parents=True)
    numbers = write_export_csv(path, export, encoding, delimiter)
    assert_landed_exactly(paths, path, export, numbers)


# ---------------------------------------------------------------------------------------------
# Random bytes

_PREFIXES = [
    b"",
    b"PK\x03\x04",  # a ZIP (xlsx) header
    b"PK\x05\x06",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # an OLE2 (xls) header
    b"<html><body><table><tr><td>",
    b'<meta charset="base64"><table><tr><td>',
    codecs.BOM_UTF8,
    codecs.BOM_UTF16_LE,
    "Mã hồ sơ;Đơn vị tiếp nhận;Ngày tiếp nhận\n".encode(),
]


@settings(max_examples=300, **_SETTINGS)
@given(
    prefix=st.sampled_from(_PREFIXES),
    body=st.binary(max_size=3000),
    suffix=st.sampled_from([".xlsx", ".xls", ".csv", ".XLSX"]),
)
def test_property_random_bytes_fail_or_skip_cleanly(
    tmp_path: Path, prefix: bytes, body: bytes, suffix: str
) -> None:
    paths = _fresh_root(tmp_path)
    path = paths.raw / "igate" / f"hỏng{suffix}"
    path.parent.mkdir(parents=True)
    path.write_bytes(prefix + body)

    result = land_file(paths, path)  # never raises

    relative = f"raw/igate/hỏng{suffix}"
    assert result.file == relative
    if prefix.startswith("Mã".encode()) and result.status == "loaded":
        # A real header over random rows: every row is accounted for.
        for sheet in result.sheets:
            assert sheet.rows_read == sheet.rows_loaded + sheet.rows_rejected + sheet.rows_skipped
        return
    assert result.status in ("failed", "skipped")
    assert result.sheets and all(s.message for s in result.sheets)
    if result.status == "failed":
        assert result.message.startswith(f"{relative}: ")
        assert "unexpected error" not in result.message, result.message


# ---------------------------------------------------------------------------------------------
# Name matching (docs/spec.md §3.4)

PLACES = ["Long Đức", "Hòa Thuận", "Thủy Lợi", "Quý Hòa", "Phương Thạnh", "Trà Vinh", "Hòa Lợi",
          "Mỹ Hòa", "Khỏe Mạnh", "Đức Thủy"]  # fmt: skip
# (expanded form, its abbreviations) of §3.4; the expanded form is the canonical one.
LEVELS = [
    ("Ủy ban nhân dân", ["UBND", "Uỷ ban nhân dân", "ubnd"]),
    ("thành phố", ["TP.", "TP", "Tp.", "tp"]),
    ("thị xã", ["TX.", "TX", "tx."]),
    ("thị trấn", ["TT.", "TT", "tt."]),
    ("xã", []),
    ("phường", []),
]
# Old tone placement of each new-placement syllable used above.
OLD_TONES = {"Hòa": "Hoà", "Thủy": "Thuỷ", "Quý": "Quý", "Khỏe": "Khoẻ", "hòa": "hoà"}


@st.composite
def unit_names(draw: st.DrawFn) -> tuple[str, str]:
    """(canonical name, a variant of it that must share its key)."""
    parts = draw(st.lists(st.sampled_from(range(len(LEVELS))), min_size=1, max_size=2))
    places = draw(st.lists(st.sampled_from(PLACES), min_size=1, max_size=2))
    canonical_words: list[str] = []
    variant_words: list[str] = []
    for index in parts:
        expanded, short = LEVELS[index]
        canonical_words.append(expanded)
        variant_words.append(draw(st.sampled_from([expanded, *short])))
    for place in places:
        canonical_words.append(place)
        written = place
        for new, old in OLD_TONES.items():
            if new in written and draw(st.booleans()):
                written = written.replace(new, old)
        variant_words.append(written)
    canonical = " ".join(canonical_words)
    # Punctuation next to the word breaks, and any spacing between them.
    glued = []
    for word in variant_words:
        before = draw(st.sampled_from(["", "", "(", '"', "-"]))
        after = draw(st.sampled_from(["", "", ",", ".", ")", ";", " -"]))
        glued.append(before + word + after)
    spaces = [draw(st.sampled_from([" ", "  ", "\t", "\n", " \u00a0"])) for _ in glued[1:]]
    variant = glued[0] + "".join(s + w for s, w in zip(spaces, glued[1:], strict=True))
    variant = draw(st.sampled_from([variant, variant.upper(), variant.lower(), variant.title()]))
    variant = unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), variant)
    variant = draw(st.sampled_from(["", " ", "\t"])) + variant + draw(st.sampled_from(["", " "]))
    return canonical, variant


@settings(max_examples=500, deadline=None)
@given(names=unit_names())
def test_property_name_key_is_stable_under_every_listed_normalisation(
    names: tuple[str, str],
) -> None:
    canonical, variant = names
    assume(canonical.strip())
    assert name_key(variant) == name_key(canonical)
    # And the key itself is a fixed point of the normalisation: plain, lower-case ASCII words.
    key = name_key(canonical)
    assert key == name_key(key)
    assert key.isascii() and key == key.lower() and "  " not in key
