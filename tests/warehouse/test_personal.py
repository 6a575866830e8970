"""Personal data (docs/spec.md §3.1): never under processed/, never in a reject, never writable.

The scan reads every file under `processed/` after a full run on the sample — Parquet and
DuckDB files decoded value by value (their compression would hide a plain byte search), the
other files as text — and looks for every name, phone, address and ID number the raw exports
hold in their personal columns.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from flows.ingest.headers import find_header
from flows.ingest.profile import get_profile
from flows.ingest.readers import ReadError, read_sheets
from flows.ingest.sheet_loader import mask_personal
from flows.paths import DataPaths
from flows.pipeline import build_warehouse, land
from tests.support import rows, write_xlsx
from tests.support.sample_runs import Nights, two_nights


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Nights:
    return two_nights(tmp_path_factory)


def personal_values(raw: Path) -> dict[str, set[str]]:
    """Every value of the personal columns of every igate export, by field."""
    profile = get_profile("igate")
    personal = {f.name for f in profile.fields if f.personal}
    values: dict[str, set[str]] = {name: set() for name in personal}
    for path in sorted((raw / "igate").rglob("*")):
        try:
            sheets = read_sheets(path)
        except ReadError:
            continue
        for sheet in sheets:
            header = find_header(profile, sheet.rows)
            if header is None:
                continue
            columns = {c: name for c, name in header.columns.items() if name in personal}
            for row in sheet.rows[header.last_row + 1 :]:
                for c, name in columns.items():
                    if c < len(row) and row[c] and row[c].strip():
                        values[name].add(unicodedata.normalize("NFC", row[c].strip()))
    return values


def texts_of(path: Path) -> Iterator[str]:
    """The text a file holds: decoded values for Parquet and DuckDB, and always its bytes."""
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        for column in table.columns:
            try:
                values = pc.cast(column, pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
            yield "\n".join(v for v in values.to_pylist() if v is not None)
    elif path.suffix == ".duckdb":
        with duckdb.connect(str(path), read_only=True) as con:
            tables = con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal"
            ).fetchall()
            for schema, table in tables:
                result = con.execute(
                    f'SELECT CAST(COLUMNS(*) AS VARCHAR) FROM "{schema}"."{table}"'
                ).fetchall()
                yield "\n".join("\t".join(v for v in row if v is not None) for row in result)
    # Whatever the format, the bytes too: a deleted or uncompressed block is still there.
    yield path.read_bytes().decode("utf-8", errors="replace")


_WORD_RE = re.compile(r"\w+")
_DIGITS_RE = re.compile(r"\d{9,}")


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(unicodedata.normalize("NFC", text).lower())


def leaks(texts: dict[str, str], needles: set[str]) -> dict[str, set[str]]:
    """Which needles each text holds (texts with none left out).

    A plain `needle in text` for each of thousands of needles over megabytes is too slow: an
    index of every text's digit runs, words and pairs of consecutive words picks the needles
    that may occur (a digit needle inside a digit run, a text needle whose every pair of
    words occurs); only those are then searched for, text by text.
    """
    runs: set[str] = set()
    words: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for text in texts.values():
        runs.update(_DIGITS_RE.findall(text))
        found_words = _words(text)
        words.update(found_words)
        pairs.update(zip(found_words, found_words[1:], strict=False))
    candidates = set()
    for needle in needles:
        if needle.isdigit():
            if any(needle in run for run in runs):
                candidates.add(needle)
            continue
        parts = _words(needle)
        if len(parts) == 1:
            if parts[0] in words:
                candidates.add(needle)
        elif all(p in pairs for p in zip(parts, parts[1:], strict=False)):
            candidates.add(needle)
    found: dict[str, set[str]] = {}
    for name, text in texts.items():
        lowered = unicodedata.normalize("NFC", text).lower()
        hits = {n for n in candidates if n.lower() in lowered}
        if hits:
            found[name] = hits
    return found


def test_no_personal_value_anywhere_under_processed(nights: Nights) -> None:
    by_field = personal_values(nights.new.raw)
    # Every personal field of the profile is in the sample, with many values.
    assert all(len(values) > 200 for values in by_field.values()), {
        k: len(v) for k, v in by_field.items()
    }
    needles = set().union(*by_field.values())
    files = sorted(p for p in nights.new.processed.rglob("*") if p.is_file())
    kinds = {p.suffix for p in files}
    assert {".duckdb", ".parquet", ".csv", ".json"} <= kinds
    assert nights.new.run_log in files
    texts = {
        path.relative_to(nights.new.root).as_posix(): "\n".join(texts_of(path)) for path in files
    }
    assert leaks(texts, needles) == {}


def test_the_scan_finds_a_planted_value(nights: Nights) -> None:
    # The scan would see a leak: a real phone and name of the sample in a Parquet file.
    by_field = personal_values(nights.new.raw)
    phone, name = min(by_field["applicant_phone"]), min(by_field["applicant"])
    table = pa.table({"note": [f"gọi {phone}", f"ông {name.upper()} đến nhận"]})
    path = nights.new.root / "planted.parquet"
    pq.write_table(table, path, compression="zstd")
    try:
        found = leaks({"planted": "\n".join(texts_of(path))}, {phone, name} | {"0999999999"})
    finally:
        path.unlink()
    assert found == {"planted": {phone, name}}


# ---------------------------------------------------------------------------------------------
# Rejected rows whose cells slid into the wrong columns

HEADER = [
    "Mã hồ sơ",
    "Đơn vị tiếp nhận",
    "Ngày tiếp nhận",
    "Trạng thái",
    "Hình thức nộp",
    "Chủ hồ sơ",
    "Số điện thoại",
    "Số CCCD",
    "Địa chỉ",
    "Ngày hẹn trả",
]
NAME, PHONE, CCCD = "Nguyễn Văn An", "0901234567", "084095001234"
ADDRESS = "Ấp Chợ, xã Phương Thạnh, huyện Càng Long, Trà Vinh"
UNIT = "Sở Tư pháp"


def test_rejects_never_hold_a_personal_value_that_slid_into_a_checked_column(
    tmp_path: Path,
) -> None:
    paths = DataPaths(tmp_path / "data")
    rows_written = [
        HEADER,
        ["OK-1", UNIT, "05/10/2020", "Đang giải quyết", "Trực tiếp", NAME, PHONE, CCCD, ADDRESS],
        # The status cell is missing: every later value slides one column to the left, the
        # applicant's name into the channel.
        ["LEFT-1", UNIT, "05/10/2020", "Trực tiếp", NAME, PHONE, CCCD, ADDRESS, "15/10/2020"],
        # The name split over two cells: the address slides into the due date.
        ["RIGHT-1", UNIT, "05/10/2020", "4", "Trực tiếp", "Trần Thị", "Bình", PHONE, CCCD]
        + [ADDRESS],
        # A phone in the status, an ID number in the received date, a grouped phone in a date.
        ["ODD-1", UNIT, "05/10/2020", PHONE, "Trực tiếp"],
        ["ODD-2", UNIT, CCCD, "4", "Trực tiếp"],
        ["ODD-3", UNIT, "05/10/2020", "4", "Trực tiếp", None, None, None, None, "090 123 4567"],
        ["ODD-4", UNIT, "05/10/2020", "Đã trả", "Trực tiếp", None, None, None, None]
        + ["Số 12 đường Lê Lợi, khóm 3, phường 1, TP. Trà Vinh"],
    ]
    write_xlsx(paths.raw / "igate" / "lệch cột.xlsx", {"S": rows_written})
    build_warehouse(paths, land(paths))
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        (accounting,) = rows(con, "SELECT * FROM dq_files")
        rejects = rows(con, "SELECT * FROM dq_rejects WHERE severity = 'error'")
        loaded = {r["case_code"] for r in rows(con, "SELECT case_code FROM fct_filings")}
    assert (accounting["rows_read"], accounting["rows_loaded"]) == (8, 1)
    assert accounting["rows_rejected"] == 6 and loaded == {"OK-1"}

    personal = {NAME, PHONE, CCCD, ADDRESS, "090 123 4567", "0901234567", "Trần Thị", "Bình"}
    personal |= {"Số 12 đường Lê Lợi", "Lê Lợi, khóm 3"}
    for reject in rejects:
        for text in (reject["raw_value"] or "", reject["reason"]):
            assert not [p for p in personal if p in text], reject
            assert not re.search(r"\d{9,}", text), reject

    by_row = {}
    for reject in rejects:
        by_row.setdefault(reject["row_number"], {})[reject["field"]] = reject
    # Ordinary bad values stay as written: the analyst must see them.
    assert by_row[3]["status"]["raw_value"] == "Trực tiếp"
    assert by_row[3]["channel"]["raw_value"] == "N***** V** A*"
    assert by_row[3]["channel"]["reason"] == "unknown channel: 'N***** V** A*'"
    assert by_row[4]["due_at"]["raw_value"] == "Ấ* C**, x* P***** T****, h**** C*** L***, T** V***"
    assert by_row[5]["status"]["raw_value"] == "09******67"
    assert by_row[5]["status"]["reason"] == "unknown status: '09******67'"
    assert by_row[6]["received_at"]["raw_value"] == "08********34"
    assert by_row[7]["due_at"]["raw_value"] == "09******67"
    assert by_row[8]["due_at"]["raw_value"].startswith("S* 1* đ**** L* L**, ")


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("0901234567", "09******67"),
        ("+84 901 234 567", "84*******67"),
        ("331234567", "33*****67"),
        ("084095001234", "08********34"),
        ("ĐT: 0294.3862.123", "ĐT: 02*******23"),
        ("Thạch Thị Sa Rết", "T**** T** S* R**"),
        ("Khóm 3, phường 1, TP. Trà Vinh", "K*** 3, p***** 1, T*. T** V***"),
        # Values a bad status, channel or date really holds are kept as written.
        ("Đang chờ ký", "Đang chờ ký"),
        ("Hồ sơ đã trả", "Hồ sơ đã trả"),
        ("31/02/2020", "31/02/2020"),
        ("05.10.2020 08:30", "05.10.2020 08:30"),
        ("2020-13-05 08:30:00", "2020-13-05 08:30:00"),
        ("44105.5", "44105.5"),
        ("Fax", "Fax"),
    ],
)
def test_mask_personal(value: str, masked: str) -> None:
    assert mask_personal(value) == masked


# ---------------------------------------------------------------------------------------------
# The published warehouse cannot be changed through a read-only connection


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM fct_filings",
        "UPDATE dq_files SET rows_read = 0",
        "INSERT INTO dq_rejects SELECT * FROM dq_rejects",
        "DROP TABLE rpt_bieu06",
        "CREATE TABLE notes AS SELECT 1 AS x",
        "ALTER TABLE fct_filings ADD COLUMN phone VARCHAR",
    ],
)
def test_a_read_only_connection_cannot_change_the_warehouse(nights: Nights, statement: str) -> None:
    before = hashlib.sha256(nights.new.warehouse.read_bytes()).hexdigest()
    with duckdb.connect(str(nights.new.warehouse), read_only=True) as con:
        count = con.execute("SELECT count(*) FROM fct_filings").fetchone()[0]
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute(statement)
        assert con.execute("SELECT count(*) FROM fct_filings").fetchone()[0] == count
    assert hashlib.sha256(nights.new.warehouse.read_bytes()).hexdigest() == before
