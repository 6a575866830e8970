"""Landing: one raw export → one typed Parquet file, its rejects and its row accounting.

A landed file is keyed by the hash of its bytes, its source profile and the parser version,
so a nightly run parses only what is new or changed (CONTRACT.md §2, docs/architecture.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from flows.dates import parse_datetime
from flows.headers import HeaderMatch, find_header, is_column_number_row, match_row
from flows.paths import SOURCES, DataPaths
from flows.profile import Field, Profile, get_profile
from flows.readers import ReadError, Sheet, read_sheets
from flows.text import clean, header_key, strip_accents, vocab_key

# Bump when landing's output changes meaning, so every file is parsed again.
PARSER_VERSION = "1"

READABLE_SUFFIXES = {".xlsx", ".xls", ".csv"}

# Files under reference/ are told apart by the start of their name (CONTRACT.md §3.4).
REFERENCE_PREFIXES = {
    "units": "units",
    "don_vi": "units",
    "procedures": "procedures",
    "tthc": "procedures",
    "holidays": "holidays",
    "ngay_nghi": "holidays",
}

# Sources whose profiles are not written yet: their files are reported, not read.
PENDING_SOURCES = {"late", "documents", "postal", "reports"}

_FOOTER_RE = re.compile(
    r"^(tổng cộng|tổng số|tổng|cộng|người lập|người ký|người duyệt|người kiểm tra|thủ trưởng"
    r"|lãnh đạo|giám đốc|phó giám đốc|chủ tịch|phó chủ tịch|trưởng phòng|trưởng ban|kt\.|tm\."
    r"|ký tên|\(ký|xác nhận|nơi nhận)"
)
_SIGNATURE_DATE_RE = re.compile(r"ngày\W*\d*\W*tháng\W*\d*\W*năm")
_INTEGER_RE = re.compile(r"^\s*(\d+)(?:[.,]0+)?(?:\s|$)")

ARROW_TYPES = {
    "text": pa.string(),
    "datetime": pa.timestamp("us"),
    "date": pa.date32(),
    "integer": pa.int32(),
}
VOCABULARY_TYPES = {"text": pa.string(), "integer": pa.int32(), "boolean": pa.bool_()}

REJECT_SCHEMA = pa.schema(
    [
        ("sheet", pa.string()),
        ("row_number", pa.int32()),
        ("field", pa.string()),
        ("raw_value", pa.string()),
        ("reason", pa.string()),
        ("severity", pa.string()),
    ]
)


@dataclass
class SheetResult:
    sheet: str | None
    sheet_index: int
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    message: str | None = None


@dataclass
class FileResult:
    file: str  # relative to the data root, `/` separators
    source: str | None
    status: str  # loaded, skipped, failed
    key: str | None = None
    data_path: str | None = None
    rejects_path: str | None = None
    sheets: list[SheetResult] = field(default_factory=list)
    message: str | None = None
    parsed: bool = False  # False when an earlier run's landing was reused

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileResult:
        sheets = [SheetResult(**s) for s in data.pop("sheets", [])]
        return cls(**data, sheets=sheets)


def arrow_type(f: Field) -> pa.DataType:
    if f.type == "vocabulary":
        return VOCABULARY_TYPES[f.output]
    return ARROW_TYPES[f.type]


def landing_schema(profile: Profile) -> pa.Schema:
    """The Parquet schema of a source: position columns, then the stored fields."""
    columns = [("sheet", pa.string()), ("sheet_index", pa.int32()), ("row_number", pa.int32())]
    columns += [(f.name, arrow_type(f)) for f in profile.stored_fields]
    return pa.schema(columns)


def source_of(paths: DataPaths, path: Path) -> tuple[str | None, str | None]:
    """(profile name, None) for a file to read, or (source or None, reason it is skipped)."""
    parts = path.relative_to(paths.raw).parts
    if len(parts) < 2 or parts[0] not in SOURCES:
        return None, f"not under a source folder ({', '.join(SOURCES)})"
    folder = parts[0]
    name = path.name
    if name.startswith("~$"):
        return folder, "Excel lock file (the workbook was open in Excel when copied)"
    if path.suffix.lower() not in READABLE_SUFFIXES:
        return folder, f"unsupported file type '{path.suffix or name}' (expected .xlsx, .xls, .csv)"
    if folder in PENDING_SOURCES:
        return folder, f"source '{folder}/' is not read yet by this version"
    if folder == "reference":
        stem = strip_accents(name.lower())
        for prefix, profile_name in REFERENCE_PREFIXES.items():
            if stem.startswith(prefix):
                return profile_name, None
        return folder, (
            "reference file name must start with units/don_vi, procedures/tthc or "
            "holidays/ngay_nghi"
        )
    return folder, None


def discover(paths: DataPaths) -> list[Path]:
    """Every file under raw/ (`.gitkeep` placeholders aside), in a stable order."""
    if not paths.raw.exists():
        return []
    files = [p for p in paths.raw.rglob("*") if p.is_file() and p.name != ".gitkeep"]
    return sorted(files, key=lambda p: p.relative_to(paths.raw).as_posix())


def content_hash(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def landing_key(content: str, profile: Profile) -> str:
    material = f"{content}:{profile.digest}:{PARSER_VERSION}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


class _SheetLoader:
    """Turns the rows of one sheet into typed columns, rejects and counts."""

    def __init__(self, profile: Profile, sheet: Sheet, header: HeaderMatch) -> None:
        self.profile = profile
        self.sheet = sheet
        self.header = header
        self.stored = profile.stored_fields
        self.columns: dict[str, list[Any]] = {f.name: [] for f in self.stored}
        self.positions: list[int] = []
        self.rejects: list[dict[str, Any]] = []
        self.result = SheetResult(sheet.name, sheet.index, "loaded", rows_read=len(sheet.rows))
        field_columns = {name: col for col, name in header.columns.items()}
        self.field_columns = field_columns
        self.required_columns = {field_columns[name] for name in profile.required}

    def _reject(self, row_number: int, fld: str | None, raw: Any, reason: str, severity: str):
        self.rejects.append(
            {
                "sheet": self.sheet.name,
                "row_number": row_number,
                "field": fld,
                "raw_value": None if raw is None else str(raw),
                "reason": reason,
                "severity": severity,
            }
        )

    def run(self) -> SheetResult:
        rows = self.sheet.rows
        # Title block and header rows are non-data.
        self.result.rows_skipped = self.header.last_row + 1
        in_footer = False
        for index in range(self.header.last_row + 1, len(rows)):
            row = rows[index]
            kind = self._non_data_kind(row, in_footer)
            if kind is not None:
                in_footer = in_footer or kind == "footer"
                self.result.rows_skipped += 1
                continue
            self._load_row(index + 1, row)
        if self.header.duplicates:
            named = ", ".join(
                f"'{self.profile.primary_header(name)}' (columns {cols})"
                for name, cols in self.header.duplicates.items()
            )
            self.result.message = f"header names a field twice, first column used: {named}"
        if self.sheet.hidden:
            note = "hidden sheet, read"
            self.result.message = f"{note}; {self.result.message}" if self.result.message else note
        return self.result

    def _non_data_kind(self, row: list[str | None], in_footer: bool) -> str | None:
        filled = [(c, v) for c, v in enumerate(row) if v is not None and str(v).strip()]
        if not filled:
            return "blank"
        if is_column_number_row(row):
            return "column numbers"
        if self.profile.required and set(self.profile.required) <= set(
            match_row(self.profile, row).values()
        ):
            return "repeated header"
        missing_required = any(
            col >= len(row) or row[col] is None or not str(row[col]).strip()
            for col in self.required_columns
        )
        if not missing_required:
            return None
        if in_footer:
            return "footer"
        for _, value in filled:
            key = header_key(value)
            if _FOOTER_RE.match(key) or _SIGNATURE_DATE_RE.search(key):
                return "footer"
        # One lone cell outside the required columns: a section heading or a note, not a case.
        if len(filled) == 1 and filled[0][0] not in self.required_columns:
            return "note"
        return None

    def _load_row(self, row_number: int, row: list[str | None]) -> None:
        values: dict[str, Any] = {}
        raws: dict[str, Any] = {}
        errors: list[tuple[str, Any, str]] = []
        warnings: list[tuple[str, Any, str]] = []
        infer: list[str] = []
        for f in self.stored:
            col = self.field_columns.get(f.name)
            raw = row[col] if col is not None and col < len(row) else None
            raws[f.name] = raw
            empty = raw is None or not str(raw).strip()
            if f.required and empty:
                errors.append((f.name, raw, f"required field missing: '{f.headers[0]}'"))
                values[f.name] = None
                continue
            if empty:
                fallback = f.when_missing if col is None else f.when_empty
                if fallback == "infer_status":
                    infer.append(f.name)
                    if col is not None:
                        warnings.append((f.name, raw, "status empty: taken from the dates"))
                    values[f.name] = None
                else:
                    values[f.name] = self._vocabulary_output(f, fallback)
                continue
            try:
                values[f.name] = self._convert(f, raw)
            except ValueError as exc:
                target = errors if f.when_unknown == "reject" else warnings
                target.append((f.name, raw, str(exc)))
                values[f.name] = None
        for check in self.profile.checks:
            reference = values.get(check.reference)
            for name in check.fields:
                value = values.get(name)
                if value is not None and reference is not None and _day(value) < _day(reference):
                    errors.append(
                        (
                            name,
                            raws[name],
                            f"'{self.profile.primary_header(name)}' {_day(value):%d/%m/%Y} is "
                            f"before '{self.profile.primary_header(check.reference)}' "
                            f"{_day(reference):%d/%m/%Y}",
                        )
                    )
        for name in infer:
            values[name] = _infer_status(values)
        if errors:
            self.result.rows_rejected += 1
            for fld, raw, reason in errors:
                self._reject(row_number, fld, raw, reason, "error")
            return
        self.result.rows_loaded += 1
        self.positions.append(row_number)
        for name, column in self.columns.items():
            column.append(values[name])
        for fld, raw, reason in warnings:
            self._reject(row_number, fld, raw, reason, "warning")

    @staticmethod
    def _vocabulary_output(f: Field, value: str | None) -> Any:
        if value is None or f.type != "vocabulary":
            return None
        if f.output == "integer":
            return int(value)
        if f.output == "boolean":
            return value == "true"
        return value

    def _convert(self, f: Field, raw: Any) -> Any:
        if f.type == "text":
            return clean(raw)
        if f.type == "datetime":
            return parse_datetime(raw)
        if f.type == "date":
            parsed = parse_datetime(raw)
            return parsed.date() if parsed is not None else None
        if f.type == "integer":
            match = _INTEGER_RE.match(str(raw))
            if not match:
                raise ValueError(f"not a whole number: '{raw}'")
            return int(match.group(1))
        value = f.vocabulary.get(vocab_key(str(raw))) if f.vocabulary else None
        if value is None:
            raise ValueError(f"unknown {f.name.removesuffix('_code')}: '{clean(raw)}'")
        return self._vocabulary_output(f, value)

    def table(self) -> pa.Table:
        count = len(self.positions)
        arrays = {
            "sheet": pa.array([self.sheet.name] * count, pa.string()),
            "sheet_index": pa.array([self.sheet.index] * count, pa.int32()),
            "row_number": pa.array(self.positions, pa.int32()),
        }
        for f in self.stored:
            arrays[f.name] = pa.array(self.columns[f.name], arrow_type(f))
        return pa.table(arrays, schema=landing_schema(self.profile))


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _infer_status(values: dict[str, Any]) -> int:
    # CONTRACT.md §3.1: returned → 10, finished → 9, otherwise still being processed (4).
    if values.get("returned_at") is not None:
        return 10
    if values.get("finished_at") is not None:
        return 9
    return 4


def _write_atomically(table: pa.Table, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, target)


def land_file(paths: DataPaths, path: Path) -> FileResult:
    """Land one raw file, or reuse its earlier landing; never raises for a bad file."""
    relative = paths.relative(path)
    source, skip_reason = source_of(paths, path)
    if skip_reason is not None:
        sheet = SheetResult(None, 0, "skipped", message=skip_reason)
        return FileResult(relative, source, "skipped", sheets=[sheet], message=skip_reason)
    profile = get_profile(source)
    try:
        key = landing_key(content_hash(path), profile)
    except OSError as exc:
        return _failed(relative, source, f"{relative}: cannot read the file ({exc.strerror})")
    folder = paths.landing / profile.source
    meta_path = folder / f"{key}.json"
    if meta_path.exists():
        cached = FileResult.from_json(json.loads(meta_path.read_text(encoding="utf-8")))
        cached.file, cached.parsed = relative, False
        cached.data_path = str(folder / f"{key}.parquet")
        cached.rejects_path = str(folder / f"{key}.rejects.parquet")
        return cached
    try:
        sheets = read_sheets(path)
    except ReadError as exc:
        return _failed(relative, source, f"{relative}: {exc.reason}")
    except OSError as exc:
        return _failed(relative, source, f"{relative}: cannot read the file ({exc.strerror})")
    return _land_sheets(relative, profile, sheets, folder, key)


def _failed(relative: str, source: str | None, message: str) -> FileResult:
    sheet = SheetResult(None, 0, "failed", message=message)
    return FileResult(relative, source, "failed", sheets=[sheet], message=message)


def _land_sheets(
    relative: str, profile: Profile, sheets: list[Sheet], folder: Path, key: str
) -> FileResult:
    tables, rejects, results = [], [], []
    for sheet in sheets:
        header = find_header(profile, sheet.rows)
        if header is None:
            needed = ", ".join(f"'{profile.primary_header(n)}'" for n in profile.required)
            results.append(
                SheetResult(
                    sheet.name,
                    sheet.index,
                    "skipped",
                    rows_read=len(sheet.rows),
                    rows_skipped=len(sheet.rows),
                    message=f"no recognisable header (needs {needed})",
                )
            )
            continue
        loader = _SheetLoader(profile, sheet, header)
        results.append(loader.run())
        tables.append(loader.table())
        rejects.extend(loader.rejects)
    if not sheets:
        results.append(SheetResult(None, 0, "skipped", message="no sheet in the workbook"))
    loaded = any(r.status == "loaded" for r in results)
    folder.mkdir(parents=True, exist_ok=True)
    data_path = folder / f"{key}.parquet"
    rejects_path = folder / f"{key}.rejects.parquet"
    schema = landing_schema(profile)
    data = pa.concat_tables(tables) if tables else schema.empty_table()
    _write_atomically(data, data_path)
    _write_atomically(pa.Table.from_pylist(rejects, schema=REJECT_SCHEMA), rejects_path)
    result = FileResult(
        file=relative,
        source=profile.source,
        status="loaded" if loaded else "skipped",
        key=key,
        data_path=str(data_path),
        rejects_path=str(rejects_path),
        sheets=results,
        message=None if loaded else "no sheet with a recognisable header",
        parsed=True,
    )
    # The accounting is written last: it marks the landing complete.
    meta_tmp = folder / f".{key}.json.{os.getpid()}.tmp"
    meta_tmp.write_text(json.dumps(result.to_json(), ensure_ascii=False), encoding="utf-8")
    os.replace(meta_tmp, folder / f"{key}.json")
    return result


def prune_landing(paths: DataPaths, keep: set[str]) -> int:
    """Remove landings no current raw file refers to; returns how many files were removed."""
    removed = 0
    if not paths.landing.exists():
        return removed
    for item in paths.landing.rglob("*"):
        if not item.is_file():
            continue
        key = item.name.lstrip(".").split(".", 1)[0]
        if key not in keep:
            item.unlink()
            removed += 1
    return removed
