"""`cchc inspect FILE`: how cchc would read one export, without landing anything.

The first thing to run on a new vendor's export. It reads the file with the landing's own
readers, finds each sheet's header with the source's profile (the shipped one extended by the
data root's `profiles/<source>.toml`), runs the landing's row loader in memory and tells:

- the format and text encoding the file was read as;
- the source: `--source`, else the folder the file lies in under `<root>/raw/`, else the
  profile whose header the file names best (a guess, said so);
- per sheet, the header row(s) found, or why none was (the required fields missing and the
  rows that came closest); each column of the header with its field, or unmapped with the
  closest fields of the profile; how many rows would be loaded, rejected and skipped, and the
  first rejects with their reasons;
- for a units' Biểu 06 report (source `reports`, docs/spec.md §3.6): the unit and the period,
  and each column of the form named (exactly, or by its group and key words) or not;
- the exact lines to add to `<root>/profiles/<source>.toml` for the unmapped headers whose field
  is clear; `--write` appends them (never twice) and inspects the file again.

Nothing is written under `processed/`. Exit status: 0 when the file would load rows, 1 when
nothing would load (no header, an unreadable file, a local profile that cannot be used),
2 for a wrong command line.

How close a header is to a field: difflib's ratio between the header and each of the field's
accepted headers, compared without case, accents, tone placement or punctuation and with the
usual abbreviations written out (`HS` = `hồ sơ`, `TTHC` = `thủ tục hành chính`), the better
of a letter-by-letter and a word-by-word comparison. A field is only proposed for a column
whose values it can hold (dates for a date field, known spellings for a vocabulary, a value
in nearly every row for a required field). A line is proposed when the header is close to
the field (≥ 0.8), or when a required field the header lacks can only be that column.

`--format json` prints one object:
  file, format, encoding (null for a workbook), source, source_from (`option`, `folder`,
  `guess`, null), source_note, local_profile (the path of `<root>/profiles/<source>.toml`),
  error (why the file could not be inspected, else null), would_load (bool), exit_status,
  sheets: [{sheet, index, hidden, rows, reader (rows / unit_reports), status (loaded /
    skipped), header_rows (1-based row numbers, [] when none), no_header (the reason, else
    null), closest_rows: [{rows, fields, missing}], columns: [{column (A, B…), index
    (0-based), header, field, how (exact, key words…, duplicate, ignored, null), closest:
    [{field, header, score}]}],
    missing_required, not_in_header, rows_loaded, rows_rejected, rows_skipped, message,
    rejects_total, rejects (the first 10: {row_number, field, raw_value, reason, severity}),
    unit, unit_from, period, period_start, period_end (reports only, else null)}],
  suggestions: [{field, header, sheet, column, why}], toml (the lines to add, "" when none),
  written: [{field, header}] (with --write: the entries added; the rest of the object is
  the inspection made after writing them).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flows.i18n import N_, _, dec, num, shown
from flows.ingest.dates import parse_datetime
from flows.ingest.formats import Unreadable, workbook_kind
from flows.ingest.headers import HEADER_SCAN_ROWS, find_header, is_column_number_row, match_row
from flows.ingest.landing import source_of
from flows.ingest.profile import Field, Profile, ProfileError, get_profile
from flows.ingest.readers import ReadError, Sheet, read_sheets
from flows.ingest.sheet_loader import SheetLoader, convert_value, mask_personal
from flows.ingest.sources import folders, registry
from flows.ingest.text import clean, header_key, strip_accents
from flows.ingest.unit_reports import (
    COUNT_FIELDS,
    ReportSheet,
    column_letter,
    find_period,
    path_text,
    report_unit,
    vocabulary,
)
from flows.ingest.unit_reports import find_header as find_report_header
from flows.paths import DataPaths
from flows.tools.query import display_width, pad, truncate

EXIT_LOADS = 0
EXIT_NOTHING = 1
EXIT_USAGE = 2

CONFIDENT = 0.8  # a header this close to a field's accepted header is that field
CLOSEST = 3  # closest fields shown per unmapped column
REJECTS_SHOWN = 10
SAMPLE_ROWS = 200  # data rows under a header whose values are looked at
FITS = 0.8  # share of a column's values a field must be able to hold
FILLED = 0.9  # share of the data rows a required field's column must fill
LEAD = 0.15  # how far a required field's best column must lead the next one
HEADER_WIDTH = 44  # display columns of a header in the text report

# Abbreviations of headers written out before headers are compared (whole words, on the key
# without accents): `Ngày nhận HS` is then `Ngày nhận hồ sơ`, an accepted header.
_ABBREVIATIONS = {
    "hs": "ho so",
    "tthc": "thu tuc hanh chinh",
    "tt": "thu tuc",
    "dv": "don vi",
    "dvc": "dich vu cong",
    "sdt": "so dien thoai",
    "dt": "dien thoai",
    "kq": "ket qua",
    "cq": "co quan",
    "tn": "tiep nhan",
    "ng": "ngay",
}
# A date as text: the readers write a date cell as ISO text, exports type dd/mm/yyyy.
_DATE_TEXT_RE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4})\b")
_NUMBER_RE = re.compile(r"^\s*[+-]?\d+(?:[.,]\d+)?\s*$")
_ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": N_("UTF-8 with BOM"),
    "utf-16": N_("UTF-16 with BOM"),
    "utf-16-le": N_("UTF-16 LE without BOM"),
    "utf-16-be": N_("UTF-16 BE without BOM"),
    "cp1258": N_("Windows-1258 (the fallback: neither UTF-8 nor UTF-16)"),
}


class InspectError(Exception):
    """A `--write` that cannot be done safely; the message says what to do instead."""


# --------------------------------------------------------------------------------------------
# What an inspection finds
# --------------------------------------------------------------------------------------------


@dataclass
class Candidate:
    field: str
    header: str  # the field's accepted header the column's header is closest to
    score: float


@dataclass
class Column:
    column: str  # A, B, …
    index: int  # 0-based
    header: str  # as written: NFC, white space collapsed; a report's path `group › column`
    field: str | None
    how: str | None  # exact, key words …, duplicate of …, ignored; None when unmapped
    closest: list[Candidate] = field(default_factory=list)  # the CLOSEST best
    # Every field the column's values can hold, with its score (not printed).
    able: dict[str, float] = field(default_factory=dict)


@dataclass
class CloseRow:
    rows: list[int]  # 1-based
    fields: list[str]
    missing: list[str]  # the required fields it lacks


@dataclass
class SheetInspection:
    sheet: str | None
    index: int
    hidden: bool
    rows: int
    reader: str = "rows"  # rows, or unit_reports (a Biểu 06 report)
    status: str = "skipped"
    header_rows: list[int] = field(default_factory=list)
    no_header: str | None = None
    closest_rows: list[CloseRow] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    not_in_header: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    message: str | None = None
    rejects_total: int = 0
    rejects: list[dict[str, Any]] = field(default_factory=list)
    unit: str | None = None
    unit_from: str | None = None
    period: str | None = None
    period_start: str | None = None
    period_end: str | None = None


@dataclass
class Suggestion:
    field: str
    header: str  # as written in the export (NFC, white space collapsed)
    sheet: str | None
    column: str
    why: str


@dataclass
class Inspection:
    file: str
    format: str | None = None
    encoding: str | None = None
    source: str | None = None
    source_from: str | None = None
    source_note: str | None = None
    local_profile: str | None = None
    error: str | None = None
    sheets: list[SheetInspection] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    written: list[dict[str, str]] = field(default_factory=list)

    @property
    def would_load(self) -> bool:
        return any(s.rows_loaded for s in self.sheets)

    @property
    def exit_status(self) -> int:
        return EXIT_LOADS if self.would_load else EXIT_NOTHING

    @property
    def toml(self) -> str:
        return profile_lines(self.suggestions)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for sheet in data["sheets"]:
            for column in sheet["columns"]:
                del column["able"]
        data.update(would_load=self.would_load, exit_status=self.exit_status, toml=self.toml)
        return data


# --------------------------------------------------------------------------------------------
# Format, data root and source
# --------------------------------------------------------------------------------------------


def file_format(path: Path, sheets: list[Sheet]) -> str:
    """What the file was read as: xlsx, xlsb, ods, xls, html or csv — from its bytes, as the
    readers tell them apart, whatever its name says."""
    declared = getattr(sheets[0], "format", None) if sheets else None
    if isinstance(declared, str) and declared:
        return declared  # a reader that records what it sniffed
    with path.open("rb") as handle:
        head = handle.read(4096)
    try:
        kind = workbook_kind(path, head)
    except Unreadable:
        kind = None  # the readers read it nonetheless: say what its first bytes say
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            kind = "xlsx"
        elif head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            kind = "xls"
    if kind is not None:
        return kind
    text = head.replace(b"\x00", b"").decode("latin-1").lower()
    return "html" if "<table" in text or "<html" in text else "csv"


def data_root_of(path: Path) -> Path | None:
    """The data root a file lies in: the folder holding the `raw/<source folder>/` above it."""
    known = set(folders())
    for parent in path.resolve().parents:
        if parent.name in known and parent.parent.name == "raw":
            return parent.parent.parent
    return None


def choose_paths(data_dir: str | None, path: Path) -> DataPaths:
    """`--data-dir`, else the root the file lies in, else `CCHC_DATA_DIR`, else `./data`."""
    if data_dir:
        return DataPaths.resolve(data_dir)
    root = data_root_of(path)
    return DataPaths(root) if root is not None else DataPaths.resolve(None)


def _profile(source: str, paths: DataPaths) -> Profile:
    try:
        return get_profile(source, paths)
    except ProfileError:
        return get_profile(source)  # for a guess only: the shipped profile will do


def guess_source(paths: DataPaths, sheets: list[Sheet]) -> tuple[str | None, str | None]:
    """(profile, why) whose header the sheets name best; (None, why not) when none fits."""
    best: tuple[tuple[int, float, int], str, str] | None = None
    for shipped in registry():
        profile = _profile(shipped.source, paths)
        for sheet in sheets:
            if profile.spec.reader == "unit_reports":
                header = find_report_header(vocabulary(), sheet.rows)
                if header is None:
                    continue
                score = (1, 1.0, len(header.columns))
                why = _("a Biểu 06 header naming {n} columns of the form").format(
                    n=len(header.columns)
                )
            else:
                close = closest_rows(profile, sheet.rows, 1)
                if not close:
                    continue
                named = len(close[0].fields)
                required = len(profile.required)
                found = required - len(close[0].missing)
                score = (int(not close[0].missing), found / max(required, 1), named)
                why = _(
                    "row {rows} names {named} of its fields, {found} of its {required} required"
                ).format(
                    rows=_rows_text(close[0].rows), named=named, found=found, required=required
                )
            if best is None or score > best[0]:
                best = (score, profile.source, why)
    if best is None:
        return None, _("no row names a field of any source")
    return best[1], best[2]


def choose_source(
    paths: DataPaths, path: Path, sheets: list[Sheet], source: str | None
) -> tuple[str | None, str | None, str | None]:
    """(source, how it was chosen, a note): the option, the file's folder, else a guess."""
    if source:
        return source, "option", None
    note = None
    try:
        path.resolve().relative_to(paths.raw)
    except ValueError:
        note = _("not under {folder}").format(folder=paths.raw)
    else:
        folder, profile_name, reason = source_of(paths, path.resolve())
        if profile_name is not None:
            return profile_name, "folder", _("the file lies in raw/{folder}/").format(folder=folder)
        note = reason
    guessed, why = guess_source(paths, sheets)
    if guessed is None:
        return None, None, f"{note}; {why}" if note else why
    guess = _("guessed from {why}").format(why=why)
    return guessed, "guess", f"{note}; {guess}" if note else guess


# --------------------------------------------------------------------------------------------
# Closeness of a header to a field
# --------------------------------------------------------------------------------------------


def compare_key(text: str | None) -> str:
    """A header as compared for closeness: no case, accents, punctuation; abbreviations out."""
    words = re.sub(r"[^\w]+", " ", strip_accents(header_key(text))).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def similarity(a: str, b: str) -> float:
    """The better of difflib's letter-by-letter and word-by-word ratios of two compare keys."""
    letters = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    words = difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()
    return max(letters, words)


def _closest_header(f: Field, key: str) -> tuple[float, str]:
    return max(((similarity(key, compare_key(h)), h) for h in f.headers), key=lambda x: x[0])


def _is_date_text(value: str) -> bool:
    if _DATE_TEXT_RE.match(value):
        try:
            return parse_datetime(value) is not None
        except ValueError:
            return False
    if _NUMBER_RE.match(value):
        # An Excel serial date stored as a number (1954–2119): what a date column may hold.
        return 20000 <= float(value.replace(",", ".")) <= 80000
    return False


def _holds(f: Field, value: str) -> bool:
    """Whether a field could hold a value as its column would give it."""
    if f.personal:
        return mask_personal(value) != value
    if f.type in ("datetime", "date"):
        return _is_date_text(value)
    if f.type == "text":
        # Not a date, nor a person's name or address (personal-looking text without digits:
        # codes and numbers may look like phone numbers, names never look like codes).
        personal = mask_personal(value) != value and not any(ch.isdigit() for ch in value)
        return not _DATE_TEXT_RE.match(value) and not personal
    try:
        convert_value(f, value)
    except ValueError:
        return False
    return True


def _is_ordinal(values: list[str]) -> bool:
    """A row-number column (`STT`: 1, 2, 3…): no field of any profile."""
    if len(values) < 3 or not all(v.strip().isdigit() for v in values):
        return False
    numbers = [int(v) for v in values]
    steps = sum(b == a + 1 for a, b in zip(numbers, numbers[1:], strict=False))
    return steps >= 0.9 * (len(numbers) - 1)


@dataclass
class _Sample:
    """A column's values under the header, and how many data rows there are."""

    values: list[str]
    data_rows: int

    def fits(self, f: Field) -> bool:
        if self.data_rows == 0:
            return True  # nothing to look at: leave it to the header
        if f.required and len(self.values) < FILLED * self.data_rows:
            return False  # a required field is in (nearly) every row
        if not self.values:
            return True
        if _is_ordinal(self.values):
            return False
        held = sum(_holds(f, v) for v in self.values)
        return held >= FITS * len(self.values)


def _samples(rows: Any, first_data: int, width: int) -> dict[int, _Sample]:
    columns: dict[int, list[str]] = {c: [] for c in range(width)}
    data_rows = 0
    for row in rows[first_data : first_data + SAMPLE_ROWS]:
        filled = [(c, v.strip()) for c, v in enumerate(row) if v is not None and v.strip()]
        if len(filled) < 2 or is_column_number_row(row):
            continue  # blank, a note, the printed column numbers
        data_rows += 1
        for c, v in filled:
            if c < width:
                columns[c].append(v)
    return {c: _Sample(values, data_rows) for c, values in columns.items()}


def closest_fields(
    profile: Profile, header: str, sample: _Sample, taken: set[str]
) -> list[Candidate]:
    """The fields not yet named whose values the column can hold, closest header first."""
    key = compare_key(header)
    out = []
    for f in profile.fields:
        if f.name in taken or not sample.fits(f):
            continue
        score, accepted = _closest_header(f, key)
        out.append(Candidate(f.name, accepted, round(score, 2)))
    return sorted(out, key=lambda c: -c.score)


# --------------------------------------------------------------------------------------------
# A sheet read one row per record
# --------------------------------------------------------------------------------------------


def _combined(top: list[str | None], bottom: list[str | None]) -> list[str | None]:
    # docs/spec.md §2: the lower cell names a column; where it is empty, the upper cell does.
    width = max(len(top), len(bottom))
    cells = []
    for c in range(width):
        lower = bottom[c] if c < len(bottom) else None
        upper = top[c] if c < len(top) else None
        cells.append(lower if header_key(lower) else upper)
    return cells


def _candidates(profile: Profile, rows: Any) -> list[tuple[list[int], dict[int, str]]]:
    out = []
    limit = min(len(rows), HEADER_SCAN_ROWS)
    for index in range(limit):
        row = rows[index]
        single = match_row(profile, row)
        if single:
            out.append(([index], single))
        if index + 1 < len(rows):
            pair = match_row(profile, _combined(row, rows[index + 1]))
            if len(pair) > len(single) and len(pair) > len(match_row(profile, rows[index + 1])):
                out.append(([index, index + 1], pair))
    return out


def closest_rows(profile: Profile, rows: Any, count: int = 3) -> list[CloseRow]:
    """The rows (or pairs) naming the most required fields, then the most fields."""
    required = set(profile.required)
    ranked = sorted(
        _candidates(profile, rows),
        key=lambda c: (-len(required & set(c[1].values())), -len(c[1]), c[0][0]),
    )
    out = []
    for indexes, mapping in ranked[:count]:
        named = set(mapping.values())
        out.append(
            CloseRow(
                [i + 1 for i in indexes],
                [f.name for f in profile.fields if f.name in named],
                [name for name in profile.required if name not in named],
            )
        )
    return out


def _header_like_row(rows: Any) -> int | None:
    """A row that could be a header nothing names: three or more cells, no number, no date."""
    for index in range(min(len(rows), HEADER_SCAN_ROWS)):
        cells = [c.strip() for c in rows[index] if c is not None and c.strip()]
        if len(cells) >= 3 and not any(_NUMBER_RE.match(c) or _is_date_text(c) for c in cells):
            return index
    return None


def _field_text(profile: Profile, name: str) -> str:
    return f"{name} ('{profile.primary_header(name)}')"


def _columns(
    profile: Profile,
    cells: list[str | None],
    mapping: dict[int, str],
    duplicates: dict[str, list[int]],
    sample: dict[int, _Sample],
) -> list[Column]:
    doubled = {col: name for name, cols in duplicates.items() for col in cols}
    taken = set(mapping.values())
    out = []
    for col, cell in enumerate(cells):
        text = clean(cell)
        if text is None:
            continue
        name = mapping.get(col)
        if name is not None:
            out.append(Column(column_letter(col), col, text, name, "exact"))
        elif col in doubled:
            how = _("duplicate of {field}, first column used").format(field=doubled[col])
            out.append(Column(column_letter(col), col, text, None, how))
        else:
            able = closest_fields(profile, text, sample.get(col, _Sample([], 0)), taken)
            scores = {c.field: c.score for c in able}
            out.append(Column(column_letter(col), col, text, None, None, able[:CLOSEST], scores))
    return out


def inspect_rows_sheet(profile: Profile, sheet: Sheet) -> SheetInspection:
    rows = sheet.rows
    found = SheetInspection(sheet.name, sheet.index, sheet.hidden, len(rows))
    header = find_header(profile, rows)
    if header is not None:
        top = rows[header.first_row]
        cells = _combined(top, rows[header.last_row]) if header.height == 2 else list(top)
        found.header_rows = list(range(header.first_row + 1, header.last_row + 2))
        sample = _samples(rows, header.last_row + 1, len(cells))
        found.columns = _columns(profile, cells, header.columns, header.duplicates, sample)
        named = header.fields()
        found.not_in_header = [f.name for f in profile.stored_fields if f.name not in named]
        loader = SheetLoader(profile, sheet, header)
        result = loader.run()
        found.status = result.status
        found.rows_loaded = result.rows_loaded
        found.rows_rejected = result.rows_rejected
        found.rows_skipped = result.rows_skipped
        found.message = result.message
        found.rejects_total = len(loader.rejects)
        found.rejects = [_reject(r) for r in loader.rejects[:REJECTS_SHOWN]]
        return found
    found.rows_skipped = len(rows)
    found.closest_rows = closest_rows(profile, rows)
    if found.closest_rows:
        best = found.closest_rows[0]
        found.missing_required = best.missing
        indexes = [r - 1 for r in best.rows]
    else:
        found.missing_required = list(profile.required)
        guess = _header_like_row(rows)
        indexes = [] if guess is None else [guess]
    needed = ", ".join(_field_text(profile, n) for n in found.missing_required)
    found.no_header = _(
        "no row among the first {n} names every required field (missing: {fields})"
    ).format(n=HEADER_SCAN_ROWS, fields=needed)
    if sheet.encoding == "cp1258":
        found.no_header += _(
            "; the text was read as Windows-1258: if it is in another encoding, save it as UTF-8"
        )
    if indexes:
        cells = list(rows[indexes[0]])
        if len(indexes) == 2:
            cells = _combined(cells, rows[indexes[1]])
        mapping = match_row(profile, cells)
        sample = _samples(rows, indexes[-1] + 1, len(cells))
        found.columns = _columns(profile, cells, mapping, {}, sample)
    return found


def _reject(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("row_number", "field", "raw_value", "reason", "severity")
    return {k: row.get(k) for k in keys}


# --------------------------------------------------------------------------------------------
# A units' Biểu 06 report
# --------------------------------------------------------------------------------------------


def inspect_report_sheet(profile: Profile, sheet: Sheet, file: str) -> SheetInspection:
    vocab = vocabulary()
    rows = sheet.rows
    found = SheetInspection(sheet.name, sheet.index, sheet.hidden, len(rows), "unit_reports")
    header = find_report_header(vocab, rows)
    if header is None:
        found.rows_skipped = len(rows)
        sector = next(
            (
                i
                for i in range(min(len(rows), HEADER_SCAN_ROWS))
                if any(header_key(c) in vocab.labels["sector"] for c in rows[i] if c)
            ),
            None,
        )
        if sector is None:
            found.no_header = _(
                "no Biểu 06 header: no cell names the sector column ('Lĩnh vực', "
                "'Lĩnh vực, công việc giải quyết theo cấp', …)"
            )
        else:
            found.no_header = _(
                "no Biểu 06 header: row {row} names the sector column, but the header "
                "under it names fewer than two columns of the form, or none of 'Số hồ sơ nhận "
                "giải quyết'"
            ).format(row=sector + 1)
        found.missing_required = ["received_all", "received_total", "received_online"]
        return found
    title = rows[: header.first_row]
    found.header_rows = list(range(header.first_row + 1, header.last_row + 2))
    found.unit, found.unit_from = report_unit(vocab, title, file)
    period = find_period(vocab, title, sheet.name, file)
    if period is not None:
        found.period = period.label
        found.period_start = f"{period.start:%d/%m/%Y}" if period.start else None
        found.period_end = f"{period.end:%d/%m/%Y}" if period.end else None
    for col in sorted(header.paths):
        text = path_text(header.paths[col])
        name = header.columns.get(col)
        if name is not None:
            how = header.how.get(col, "exact")
        elif col in header.ignored:
            how = _("ignored: not a figure of the form")
        elif col in header.unnamed:
            how = None
        else:
            how = _("duplicate: a column before it has the same name, first used")
        found.columns.append(Column(column_letter(col), col, text, name, how))
    named = set(header.columns.values())
    found.not_in_header = [name for name in COUNT_FIELDS if name not in named]
    reader = ReportSheet(vocab, profile, sheet, header, file)
    result = reader.run()
    found.status = result.status
    found.rows_loaded = result.rows_loaded
    found.rows_rejected = result.rows_rejected
    found.rows_skipped = result.rows_skipped
    found.message = result.message
    found.rejects_total = len(reader.rejects)
    found.rejects = [_reject(r) for r in reader.rejects[:REJECTS_SHOWN]]
    return found


# --------------------------------------------------------------------------------------------
# The lines to add to the local profile
# --------------------------------------------------------------------------------------------


def suggest(sheets: list[SheetInspection]) -> list[Suggestion]:
    """The (field, header) entries whose field is clear, each field and header once."""
    out: list[Suggestion] = []
    used_fields: set[str] = set()
    used_headers: set[str] = set()

    def add(sheet: SheetInspection, column: Column, name: str, why: str) -> None:
        used_fields.add(name)
        used_headers.add(header_key(column.header))
        out.append(Suggestion(name, column.header, sheet.sheet, column.column, why))

    for sheet in sheets:
        named = {c.field for c in sheet.columns if c.field}
        open_columns = [c for c in sheet.columns if c.field is None and c.how is None]
        # A header close to a field's accepted header, the closest pairs first.
        pairs = sorted(
            ((c.closest[0].score, c) for c in open_columns if c.closest),
            key=lambda p: -p[0],
        )
        for score, column in pairs:
            best = column.closest[0]
            if score < CONFIDENT or best.field in used_fields | named:
                continue
            if header_key(column.header) in used_headers:
                continue
            why = _("close to '{header}' ({score})").format(header=best.header, score=dec(score, 2))
            add(sheet, column, best.field, why)
        # A required field the header lacks, when only one column can be it.
        for name in sheet.missing_required:
            if name in used_fields:
                continue
            able = [
                (column.able[name], column)
                for column in open_columns
                if name in column.able and header_key(column.header) not in used_headers
            ]
            able.sort(key=lambda p: -p[0])
            if len(able) == 1:
                why = _("the only column whose values can be {field}, a required field").format(
                    field=name
                )
            elif able and able[0][0] - able[1][0] >= LEAD:
                why = _("the column closest to {field}, a required field ({score})").format(
                    field=name, score=dec(able[0][0], 2)
                )
            else:
                continue
            add(sheet, able[0][1], name, why)
    return out


def _toml_string(text: str) -> str:
    # A JSON string is a valid TOML basic string: the same escapes, \uXXXX for the rest.
    return json.dumps(text, ensure_ascii=False)


def profile_lines(suggestions: list[Suggestion], comments: bool = False) -> str:
    """`[fields.<field>]` / `headers = [...]` blocks, one per field, in the profile's style;
    with `comments`, each block preceded by why its headers are proposed."""
    by_field: dict[str, list[Suggestion]] = {}
    for s in suggestions:
        by_field.setdefault(s.field, []).append(s)
    blocks = []
    for name, chosen in by_field.items():
        notes = [
            "# "
            + _("{header}, column {column}: {why}").format(
                header=repr(s.header), column=s.column, why=s.why
            )
            + "\n"
            for s in chosen
        ]
        headers = ", ".join(_toml_string(s.header) for s in chosen)
        blocks.append(f"{''.join(notes) if comments else ''}[fields.{name}]\nheaders = [{headers}]")
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _array_end(text: str, start: int) -> tuple[int, int] | None:
    """(index of the `]` closing the array opened at `start`, index of its last significant
    character), skipping strings and comments; None when the array does not close."""
    depth, i, last = 0, start, start
    while i < len(text):
        char = text[i]
        if char == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if char in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else char
            j = i + len(quote)
            while j < len(text) and not text.startswith(quote, j):
                j += 2 if char == '"' and text[j] == "\\" else 1
            last = j + len(quote) - 1
            i = j + len(quote)
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return i, last
        if not char.isspace():
            last = i
        i += 1
    return None


def _add_header(text: str, name: str, header: str) -> str | None:
    """The file's text with one header appended to `[fields.<name>]`'s `headers` array."""
    table = re.search(
        rf"^[ \t]*\[[ \t]*fields[ \t]*\.[ \t]*\"?{re.escape(name)}\"?[ \t]*\][ \t]*(#.*)?$",
        text,
        re.MULTILINE,
    )
    if table is None:
        return None
    following = re.search(r"^[ \t]*\[", text[table.end() :], re.MULTILINE)
    end = table.end() + following.start() if following else len(text)
    key = re.search(r"^[ \t]*headers[ \t]*=[ \t]*\[", text[table.end() : end], re.MULTILINE)
    if key is None:
        return None
    start = table.end() + key.end() - 1
    closing = _array_end(text, start)
    if closing is None:
        return None
    last = closing[1]
    value = _toml_string(header)
    if last == start:
        insert = value
    elif text[last] == ",":
        insert = f" {value}"
    else:
        insert = f", {value}"
    return text[: last + 1] + insert + text[last + 1 :]


def write_profile(paths: DataPaths, source: str, suggestions: list[Suggestion]) -> list[dict]:
    """Add the suggestions to `<root>/profiles/<source>.toml`; the entries actually added.

    An entry the file already has is not added again; a field the file already lists gets the
    header appended to its `headers`. The result is checked (it parses, it holds every added
    header, get_profile accepts it) before it replaces the file; otherwise InspectError.
    """
    target = paths.local_profiles / f"{source}.toml"
    original = target.read_text(encoding="utf-8") if target.exists() else ""
    try:
        data = tomllib.loads(original)
    except tomllib.TOMLDecodeError as exc:
        raise InspectError(
            _("{file} is not valid TOML ({error}): fix it first").format(file=target, error=exc)
        ) from exc
    text = original
    listed = {
        name: {header_key(h) for h in spec.get("headers", [])}
        for name, spec in data.get("fields", {}).items()
        if isinstance(spec, dict)
    }
    added: list[dict] = []
    for s in suggestions:
        if header_key(s.header) in listed.get(s.field, set()):
            continue
        if s.field in data.get("fields", {}):
            changed = _add_header(text, s.field, s.header)
            if changed is None:
                raise InspectError(
                    _(
                        "{file} lists [fields.{field}] in a form this tool does not edit: "
                        "add {header} to its headers by hand"
                    ).format(file=target, field=s.field, header=_toml_string(s.header))
                )
            text = changed
        else:
            block = f"[fields.{s.field}]\nheaders = [{_toml_string(s.header)}]\n"
            text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + block
            data.setdefault("fields", {})[s.field] = {"headers": []}
        listed.setdefault(s.field, set()).add(header_key(s.header))
        added.append({"field": s.field, "header": s.header})
    if not added:
        return added
    check = tomllib.loads(text).get("fields", {})
    for entry in added:
        headers = {header_key(h) for h in check.get(entry["field"], {}).get("headers", [])}
        if header_key(entry["header"]) not in headers:
            raise InspectError(
                _("could not add {entry} to {file}: add it by hand").format(
                    entry=entry, file=target
                )
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    try:
        get_profile(source, paths)
    except ProfileError as exc:
        # The shipped profile refuses the addition: put the file back as it was.
        if original:
            target.write_text(original, encoding="utf-8")
        else:
            target.unlink()
        raise InspectError(
            _("not written, the profile would not load: {error}").format(error=exc)
        ) from exc
    return added


# --------------------------------------------------------------------------------------------
# The inspection
# --------------------------------------------------------------------------------------------


def inspect_file(path: Path, paths: DataPaths, source: str | None = None) -> Inspection:
    """Inspect one export as landing would read it; nothing is written anywhere."""
    try:
        relative = paths.relative(path)
    except ValueError:
        relative = str(path)
    found = Inspection(relative)
    try:
        sheets = read_sheets(path)
    except ReadError as exc:
        found.error = exc.reason
        return found
    except OSError as exc:
        found.error = _("cannot read the file ({error})").format(error=exc.strerror or exc)
        return found
    found.format = file_format(path, sheets)
    found.encoding = next((s.encoding for s in sheets if s.encoding), None)
    found.source, found.source_from, found.source_note = choose_source(paths, path, sheets, source)
    if found.source is None:
        found.error = _("cannot tell which source this is: pass --source")
        return found
    found.local_profile = str(paths.local_profiles / f"{found.source}.toml")
    try:
        profile = get_profile(found.source, paths)
    except ProfileError as exc:
        found.error = str(exc)
        return found
    for sheet in sheets:
        if profile.spec.reader == "unit_reports":
            found.sheets.append(inspect_report_sheet(profile, sheet, relative))
        else:
            found.sheets.append(inspect_rows_sheet(profile, sheet))
    if profile.spec.reader == "rows":
        found.suggestions = suggest(found.sheets)
    return found


# --------------------------------------------------------------------------------------------
# The text report
# --------------------------------------------------------------------------------------------


def _rows_text(numbers: list[int]) -> str:
    return f"{numbers[0]}–{numbers[-1]}" if len(numbers) > 1 else str(numbers[0])


def _short(header: str, width: int) -> str:
    """A header cut to `width` display columns; a report's path keeps its group and its leaf."""
    if display_width(header) <= width:
        return header
    parts = header.split(" › ")
    if len(parts) > 1:
        for shorter in (f"{parts[0]} › … › {parts[-1]}", f"… › {parts[-1]}"):
            if display_width(shorter) <= width:
                return shorter
    return truncate(header, width)


def _encoding_text(encoding: str | None) -> str:
    described = _ENCODINGS.get(encoding or "")
    return shown(described) if described else encoding or ""


def _column_lines(columns: list[Column], report: bool) -> list[str]:
    width = min(max((display_width(c.header) for c in columns), default=0), HEADER_WIDTH)
    lines = []
    for c in columns:
        text = pad(_short(c.header, width), width)
        if c.field is not None:
            how = "" if c.how == "exact" else f"  ({c.how})"
            lines.append(f"    {c.column:>3}  {text}  → {c.field}{how}")
        elif c.how is not None:
            lines.append(f"    {c.column:>3}  {text}  – {c.how}")
        elif c.closest:
            near = ", ".join(f"{x.field} {dec(x.score, 2)} ('{x.header}')" for x in c.closest)
            what = _("? no field; closest: {fields}").format(fields=near)
            lines.append(f"    {c.column:>3}  {text}  {what}")
        elif report:
            what = _("! NOT NAMED: its figures are not loaded")
            lines.append(f"    {c.column:>3}  {text}  {what}")
        else:
            lines.append(f"    {c.column:>3}  {text}  " + _("? no field"))
    return lines


def _sheet_lines(sheet: SheetInspection) -> list[str]:
    name = _("(CSV/HTML table)") if sheet.sheet is None else f"'{sheet.sheet}'"
    title = (
        _("Sheet {name} — {n} row(s), hidden") if sheet.hidden else _("Sheet {name} — {n} row(s)")
    )
    lines = [title.format(name=name, n=num(sheet.rows))]
    report = sheet.reader == "unit_reports"
    if sheet.header_rows:
        what = _("Biểu 06 header: row {rows}") if report else _("Header: row {rows}")
        lines.append("  " + what.format(rows=_rows_text(sheet.header_rows)))
    else:
        lines.append("  " + _("No header: {reason}").format(reason=sheet.no_header))
    if report and sheet.header_rows:
        unit = sheet.unit or _("none found: the rows will be rejected")
        where = {"title": _("from the title block"), "file name": _("from the file name")}
        from_where = f" ({where[sheet.unit_from]})" if sheet.unit_from else ""
        lines.append("  " + _("Unit:   {unit}").format(unit=f"{unit}{from_where}"))
        if sheet.period or sheet.period_start:
            span = f" ({sheet.period_start}–{sheet.period_end})" if sheet.period_start else ""
            period = sheet.period or _("not a calendar period")
            lines.append("  " + _("Period: {period}").format(period=f"{period}{span}"))
        else:
            lines.append("  " + _("Period: none found: the rows will be rejected"))
    if sheet.closest_rows:
        lines.append("  " + _("Closest rows:"))
        for close in sheet.closest_rows:
            rows = _rows_text(close.rows)
            if close.missing:
                line = _("row {rows}: names {n} field(s); lacks {fields}").format(
                    rows=rows, n=len(close.fields), fields=", ".join(close.missing)
                )
            else:
                line = _("row {rows}: names {n} field(s)").format(rows=rows, n=len(close.fields))
            lines.append(f"    {line}")
    if sheet.columns:
        title = _("Columns:") if sheet.header_rows else _("Columns of the closest row:")
        lines.append(f"  {title}")
        lines += _column_lines(sheet.columns, report)
    if sheet.not_in_header:
        what = (
            _("Form columns not in the header (NULL when landed): {fields}")
            if report
            else _("Fields not in the header (NULL, or the profile's default): {fields}")
        )
        lines.append("  " + what.format(fields=", ".join(sheet.not_in_header)))
    lines.append(
        "  "
        + _("Would load {loaded}, reject {rejected}, skip {skipped} of {rows} row(s)").format(
            loaded=num(sheet.rows_loaded),
            rejected=num(sheet.rows_rejected),
            skipped=num(sheet.rows_skipped),
            rows=num(sheet.rows),
        )
    )
    if sheet.message:
        lines.append("  " + _("Note: {message}").format(message=sheet.message))
    if sheet.rejects:
        more = sheet.rejects_total - len(sheet.rejects)
        heading = (
            _("Rejects and warnings (first {shown} of {total}):").format(
                shown=len(sheet.rejects), total=num(sheet.rejects_total)
            )
            if more
            else _("Rejects and warnings:")
        )
        lines.append(f"  {heading}")
        for r in sheet.rejects:
            if r["row_number"] is not None:
                row = _("row {n}").format(n=r["row_number"])
            else:
                row = _("file")
            where = f" {r['field']}" if r["field"] else ""
            lines.append(f"    {row}{where} [{shown(r['severity'])}]: {r['reason']}")
    return lines


def format_text(found: Inspection) -> str:
    lines = [_("File:    {file}").format(file=found.file)]
    if found.format:
        encoding = f", {_encoding_text(found.encoding)}" if found.encoding else ""
        lines.append(_("Format:  {format}").format(format=f"{found.format}{encoding}"))
    if found.source:
        note = _("as --source says") if found.source_from == "option" else found.source_note
        lines.append(
            _("Source:  {source}").format(source=found.source) + (f" ({note})" if note else "")
        )
    if found.local_profile:
        profile = (
            _("Profile: shipped {source}.toml + {file}")
            if Path(found.local_profile).exists()
            else _("Profile: shipped {source}.toml + {file}, not there yet")
        )
        lines.append(profile.format(source=found.source, file=found.local_profile))
    if found.error:
        note = f" ({found.source_note})" if found.source is None and found.source_note else ""
        lines.append(_("Cannot inspect: {error}").format(error=found.error) + note)
        return "\n".join(lines) + "\n"
    for sheet in found.sheets:
        lines.append("")
        lines += _sheet_lines(sheet)
    if not found.sheets:
        lines += ["", _("No sheet in the file.")]
    lines.append("")
    if found.suggestions:
        lines.append(_("To read these columns, add to {file}:").format(file=found.local_profile))
        toml = profile_lines(found.suggestions, comments=True).rstrip("\n")
        lines += ["  " + line if line else "" for line in toml.split("\n")]
        if not found.written:
            lines.append(_("(cchc inspect … --write adds them)"))
    else:
        unnamed = [
            c
            for s in found.sheets
            if s.reader == "unit_reports"
            for c in s.columns
            if c.field is None and c.how is None
        ]
        if unnamed:
            lines.append(
                _(
                    "A column of the form named by no header is NULL: add its header to "
                    "[bieu06.columns.<group>] in flows/ingest/profiles/reports.toml (local "
                    "profiles cannot extend the form)."
                )
            )
    verdict = (
        _("Result: would load rows (exit {status})")
        if found.would_load
        else _("Result: nothing would load (exit {status})")
    )
    lines.append(verdict.format(status=found.exit_status))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """`cchc inspect`; returns the exit status."""
    path = Path(args.file)
    if not path.is_file():
        print("cchc inspect: " + _("{file}: no such file").format(file=args.file), file=sys.stderr)
        return EXIT_USAGE
    known = [p.source for p in registry()]
    if args.source and args.source not in known:
        print(
            "cchc inspect: "
            + _("unknown source '{source}' (one of {sources})").format(
                source=args.source, sources=", ".join(known)
            ),
            file=sys.stderr,
        )
        return EXIT_USAGE
    paths = choose_paths(args.data_dir, path)
    found = inspect_file(path, paths, args.source)
    text = format_text(found) if args.format == "text" else ""
    if args.write and found.source and found.suggestions:
        try:
            written = write_profile(paths, found.source, found.suggestions)
        except InspectError as exc:
            print(f"cchc inspect: {exc}", file=sys.stderr)
            written = []
        if written:
            again = inspect_file(path, paths, found.source)
            again.source_from, again.source_note = found.source_from, found.source_note
            again.written = written
            if args.format == "text":
                added = "\n".join(f"  [fields.{w['field']}] + {w['header']!r}" for w in written)
                wrote = _("Wrote {n} header(s) to {file}:").format(
                    n=len(written), file=found.local_profile
                )
                text += f"\n{wrote}\n{added}\n\n" + _("After writing them:") + "\n\n"
                text += format_text(again)
            found = again
        elif args.format == "text":
            text += (
                "\n"
                + _("Nothing to write: the profile already lists every proposed header.")
                + "\n"
            )
    elif args.write and args.format == "text":
        text += "\n" + _("Nothing to write: no header with a clear field.") + "\n"
    if args.format == "json":
        text = json.dumps(found.to_json(), ensure_ascii=False, indent=2) + "\n"
    sys.stdout.write(text)
    return found.exit_status
