"""One sheet's rows → typed Arrow columns, rejects and row accounting (docs/spec.md §2).

Rows are classified one by one (blank, column numbers, footer, note: cheap tests on a few
cells); values are converted column by column, once per distinct value, because exports repeat
the same dates, units and statuses thousands of times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import zip_longest
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from flows.ingest.dates import MAX_DATETIME, MIN_DATETIME, parse_datetime
from flows.ingest.headers import HeaderMatch, is_column_number_row, match_row
from flows.ingest.profile import Field, Profile
from flows.ingest.readers import Sheet
from flows.ingest.text import clean, header_key, vocab_key

_FOOTER_RE = re.compile(
    r"^(tổng cộng|tổng số|tổng|cộng|người lập|người ký|người duyệt|người kiểm tra|thủ trưởng"
    r"|lãnh đạo|giám đốc|phó giám đốc|chủ tịch|phó chủ tịch|trưởng phòng|trưởng ban|kt\.|tm\."
    r"|ký tên|\(ký|xác nhận|nơi nhận)"
)
_SIGNATURE_DATE_RE = re.compile(r"ngày\W*\d*\W*tháng\W*\d*\W*năm")
# First letters (lower case) of the footer words above, and of a signature date ("…, ngày").
_FOOTER_INITIALS = frozenset("tcnlgpkx(")
_DIGIT_RE = re.compile(r"\d")
# flows.ingest.headers' column-number pattern, for Arrow (RE2).
_COLUMN_NUMBER_RE2 = r"^\(?\p{Nd}{1,3}\)?$"
# What Python's str.strip() removes (str.isspace), in RE2: Arrow's own trim keeps \x1c-\x1f.
_PY_SPACE = r"[\t\n\x{0b}\x{0c}\r\x{1c}-\x{1f}\x{85}\p{Z}]"
_PY_STRIP_RE2 = f"^{_PY_SPACE}+|{_PY_SPACE}+$"


def _py_strip(column: pa.Array) -> pa.Array:
    """str.strip() of every value, column-wise."""
    if _arrow_strips_like_python():
        return pc.utf8_trim_whitespace(column)  # a tenth of the regex's time
    return pc.replace_substring_regex(column, _PY_STRIP_RE2, "")


@cache
def _arrow_strips_like_python() -> bool:
    """Whether Arrow's trim removes exactly the characters str.strip() removes.

    Arrow 26 does; older versions keep \\x1c-\\x1f. Tested on every white space character of
    Python (all below U+3001), every other Latin-1 character, and the format characters once
    counted as spaces (U+180E) or mistaken for them.
    """
    spaces = [chr(c) for c in range(0x3001) if chr(c).isspace()]
    others = [chr(c) for c in (*range(0x100), 0x180E, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)]
    characters = spaces + [c for c in others if not c.isspace()]
    trimmed = pc.utf8_trim_whitespace(pa.array([f"{c}x{c}" for c in characters], pa.string()))
    expected = ["x" if c.isspace() else f"{c}x{c}" for c in characters]
    return trimmed.to_pylist() == expected


_INTEGER_RE = re.compile(r"^\s*(\d+)(?:[.,]0+)?(?:\s|$)")

# Personal values that can slide into a checked column (docs/bad-inputs.md, "Personal data in
# rejects"). A phone (10 digits, +84…) or an ID card number (9 digits, citizen ID 12): a run of
# 9–12 digits, or a phone written in groups (`090 123 4567`, `0294.3862.123`).
_ID_NUMBER_RE = re.compile(
    r"(?<![\d])(?:\+?84)?\d{9,12}(?![\d])"
    r"|(?<![\d.:/\-])(?:\+84[ .]?|0)\d{2,3}(?:[ .]\d{2,4}){2,3}(?![\d:/\-])"
)
# Family names that begin most Vietnamese (and Khmer Vietnamese) personal names.
_FAMILY_NAMES = frozenset({
    "nguyễn", "trần", "lê", "phạm", "hoàng", "huỳnh", "phan", "vũ", "võ", "đặng", "bùi", "đỗ",
    "hồ", "ngô", "dương", "lý", "đào", "đoàn", "vương", "trịnh", "trương", "lâm", "phùng", "mai",
    "tô", "hà", "tạ", "châu", "thạch", "kim", "sơn", "danh", "lưu", "cao", "quách", "tăng",
    "thái", "la", "triệu", "lương", "tiêu", "diệp", "khưu", "lạc", "mạc", "hứa",
})  # fmt: skip
_WORD_TAIL_RE = re.compile(r"(?<=\w)\w")
_ADDRESS_STARTS = (
    "ấp ", "khóm ", "thôn ", "xóm ", "tổ ", "số ", "đường ", "hẻm ", "kiệt ", "khu phố ",
)  # fmt: skip


def _word_mask(text: str) -> str:
    # Every letter or digit that follows another one in its word; punctuation stays.
    return _WORD_TAIL_RE.sub("*", text)


def _digit_mask(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]


def mask_personal(value: str) -> str:
    """A rejected value with what looks like personal data masked, else the value itself.

    Phone and ID numbers keep their first and last two digits (`0901234567` → `09******67`);
    a value shaped like a person's name (2–6 capitalised words, the first a common family
    name) or an address (comma-separated parts, one starting `Ấp`, `Khóm`, `Số`, `Đường`…)
    keeps the first letter of each word (`Nguyễn Văn An` → `N***** V** A*`).
    """
    text = clean(value) or ""
    words = text.split(" ")
    if (
        2 <= len(words) <= 6
        and words[0].lower() in _FAMILY_NAMES
        and all(w.isalpha() and w[0].isupper() and (w[1:].islower() or not w[1:]) for w in words)
    ):
        return _word_mask(text)
    parts = [part.strip().lower() + " " for part in text.split(",")]
    if len(parts) >= 2 and any(part.startswith(_ADDRESS_STARTS) for part in parts):
        return _word_mask(text)
    return _ID_NUMBER_RE.sub(_digit_mask, value)


ARROW_TYPES = {
    "text": pa.string(),
    "datetime": pa.timestamp("us"),
    "date": pa.date32(),
    "integer": pa.int32(),
}
VOCABULARY_TYPES = {"text": pa.string(), "integer": pa.int32(), "boolean": pa.bool_()}
INFER_STATUS = "infer_status"


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


def arrow_type(f: Field) -> pa.DataType:
    if f.type == "vocabulary":
        return VOCABULARY_TYPES[f.output]
    return ARROW_TYPES[f.type]


def landing_schema(profile: Profile) -> pa.Schema:
    """The Parquet schema of a source: position columns, then the stored fields."""
    columns = [("sheet", pa.string()), ("sheet_index", pa.int32()), ("row_number", pa.int32())]
    columns += [(f.name, arrow_type(f)) for f in profile.stored_fields]
    return pa.schema(columns)


def vocabulary_output(f: Field, value: str | None) -> Any:
    if value is None or f.type != "vocabulary":
        return None
    if f.output == "integer":
        return int(value)
    if f.output == "boolean":
        return value == "true"
    return value


def convert_value(f: Field, raw: str) -> Any:
    """One non-empty cell's text as the field's type; ValueError names the value."""
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
    key = vocab_key(str(raw))
    value = f.vocabulary.get(key) if f.vocabulary else None
    if value is None:
        value = next((v for fragment, v in f.contains if fragment in key), None)
    if value is None:
        raise ValueError(f"unknown {f.name.removesuffix('_code')}: '{clean(raw)}'")
    return vocabulary_output(f, value)


# The forms most exports use, parsed column-wise. Arrow's strptime checks each part's range
# but rolls impossible days over (31/02 becomes 03/03) and accepts unpadded parts, so a value
# counts as parsed only when it has the form's exact zero-padded shape and its day reads back
# from the parsed time; everything else goes through flows.ingest.dates, value by value.
_FAST_FORMATS = ("%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y", "%Y-%m-%d", "%d/%m/%Y %H:%M:%S")
_SPACE_RE2 = r"[\s\p{Z}\x{85}]+"
# A value _SPACE_RE2 would change: a white space other than ' ', or two in a row.
_SPACE_TO_COLLAPSE_RE2 = (
    r"[\t\n\x{0c}\r\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}"
    r"\x{3000}]|[\s\p{Z}\x{85}]{2}"
)


def _shape(fmt: str) -> tuple[str, int]:
    """The exact text a format writes, as an RE2 pattern, and where its day of month sits."""
    pattern, position, day_at, i = "^", 0, 0, 0
    while i < len(fmt):
        if fmt[i] == "%":
            width = 4 if fmt[i + 1] == "Y" else 2
            if fmt[i + 1] == "d":
                day_at = position
            pattern += rf"\d{{{width}}}"
            position, i = position + width, i + 2
        else:
            pattern += fmt[i]  # the separators of _FAST_FORMATS: / - : and space
            position, i = position + 1, i + 1
    return pattern + "$", day_at


def _same_day(text: pa.Array, parsed: pa.Array, fmt: str) -> pa.Array:
    pattern, day_at = _shape(fmt)
    shaped = pc.match_substring_regex(text, pattern)
    # Digits wherever the shape is wrong, so that the cast never meets text.
    digits = pc.if_else(shaped, text, "0" * len(fmt) * 2)
    day = pc.utf8_slice_codeunits(digits, day_at, day_at + 2)
    return pc.and_(shaped, pc.equal(pc.cast(day, pa.int64()), pc.cast(pc.day(parsed), pa.int64())))


def _fast_datetimes(column: pa.Array) -> pa.Array:
    parsed = pa.nulls(len(column), pa.timestamp("s"))
    if column.null_count == len(column):
        return pc.cast(parsed, pa.timestamp("us"))  # an empty column, or a missing one
    text = pc.utf8_trim_whitespace(column)
    # `05/10/0202` has the shape and reads back: outside flows.ingest.dates' window it is left to
    # parse_datetime, which rejects it as a typo instead of loading the year 202.
    low = pa.scalar(MIN_DATETIME, pa.timestamp("s"))
    high = pa.scalar(MAX_DATETIME.replace(microsecond=0), pa.timestamp("s"))
    for fmt in _FAST_FORMATS:
        attempt = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
        same = _same_day(text, attempt, fmt)
        same = pc.and_(same, pc.and_(pc.greater_equal(attempt, low), pc.less_equal(attempt, high)))
        parsed = pc.if_else(pc.fill_null(same, False), attempt, parsed)
        if parsed.null_count == column.null_count:
            break
    return pc.cast(parsed, pa.timestamp("us"))


def _clean_text(column: pa.Array) -> pa.Array:
    """clean() of flows.ingest.text, column-wise: NFC, white space collapsed and trimmed, and
    empty text null."""
    # NFC leaves ASCII as it is; normalising is most of the cost of a Vietnamese column.
    if not pc.all(pc.string_is_ascii(column)).as_py():
        column = pc.utf8_normalize(column, "NFC")
    # Most columns have nothing to collapse: the replacement is skipped, not run for nothing.
    if pc.any(pc.match_substring_regex(column, _SPACE_TO_COLLAPSE_RE2)).as_py():
        column = pc.replace_substring_regex(column, _SPACE_RE2, " ")
    text = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


# How many values of a column are looked at to tell whether it repeats them.
_REPEAT_SAMPLE = 1000


def _repetitive(column: pa.Array) -> bool:
    """Whether the column's values repeat (fewer distinct ones than half of its first ones)."""
    sample = column.slice(0, _REPEAT_SAMPLE)
    return pc.count_distinct(sample).as_py() * 2 < len(sample)


def _day_text(days: pa.Array) -> pa.Array:
    return pc.strftime(pc.cast(days, pa.timestamp("s")), "%d/%m/%Y")


def _is_empty(raw: str | None) -> bool:
    return raw is None or not raw.strip()


@dataclass
class _Column:
    """A field's converted values and per-row problems, aligned with the data rows."""

    values: pa.Array
    problems: pa.Array  # reason text, null when fine
    infer: pa.Array | None  # true where the value is to be inferred (empty status)


class SheetLoader:
    """Turns the rows of one sheet into typed columns, rejects and counts."""

    def __init__(self, profile: Profile, sheet: Sheet, header: HeaderMatch) -> None:
        self.profile = profile
        self.sheet = sheet
        self.header = header
        self.stored = profile.stored_fields
        self.rejects: list[dict[str, Any]] = []
        self.result = SheetResult(sheet.name, sheet.index, "loaded", rows_read=len(sheet.rows))
        self.field_columns = {name: col for col, name in header.columns.items()}
        self.required_columns = {self.field_columns[name] for name in profile.required}
        self._table: pa.Table | None = None
        # The header's own text in the required columns: a repeated header (page breaks in long
        # exports) is almost always an exact copy, recognised without normalising every row.
        self._header_text = {
            col: {
                rows[col].strip()
                for rows in sheet.rows[header.first_row : header.last_row + 1]
                if col < len(rows) and rows[col]
            }
            for col in self.required_columns
        }

    # --- row classification -------------------------------------------------------------

    def _non_data_kind(self, row: list[str | None], in_footer: bool) -> str | None:
        missing_required = False
        copies_header = bool(self.required_columns)
        for col in self.required_columns:
            value = row[col] if col < len(row) else None
            if value is None or not value.strip():
                missing_required = True
                copies_header = False
            elif value.strip() not in self._header_text[col]:
                copies_header = False
        if not missing_required:
            # The usual case, a data row: only the printed column numbers look like one.
            if copies_header:
                return "repeated header"
            if is_column_number_row(row):
                return "column numbers"
            return "footer" if self._footer_in_required(row, in_footer) else None
        filled = [(c, v) for c, v in enumerate(row) if v is not None and v.strip()]
        if not filled:
            return "blank"
        if is_column_number_row(row):
            return "column numbers"
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

    def _footer_in_required(self, row: list[str | None], in_footer: bool) -> bool:
        """A footer written in the required columns themselves (every one filled).

        A source that requires few fields (a late-case list needs only the case code) sees the
        signers' labels (`Người lập biểu`, `Tổng cộng`) and, after them, their names in a
        required column. A row whose required values hold no digit (codes and dates always do)
        is a footer when one of them starts like a footer, or once the footer has begun.
        """
        values = [row[col].strip() for col in self.required_columns]
        # A real record always has a digit somewhere in its required values (a code, a date):
        # `Xác nhận hộ gia đình…`, a procedure's name beside its code, is not a footer.
        if any(_DIGIT_RE.search(v) for v in values):
            return False
        if in_footer:
            return True
        for value in values:
            if value[:1].lower() in _FOOTER_INITIALS:
                key = header_key(value)
                if _FOOTER_RE.match(key) or _SIGNATURE_DATE_RE.search(key):
                    return True
        return False

    def _is_repeated_header(self, row: list[str | None]) -> bool:
        return set(self.profile.required) <= set(match_row(self.profile, row).values())

    # --- conversion ---------------------------------------------------------------------

    def _convert_column(self, f: Field, column: pa.Array) -> _Column:
        if f.type == "text":
            return self._text_column(f, column)
        if f.type in ("datetime", "date"):
            fast = _fast_datetimes(column)
            if fast.null_count < len(fast):
                parsed = pc.is_valid(fast)
                rest = self._distinct_column(
                    f, pc.if_else(parsed, pa.scalar(None, pa.string()), column)
                )
                if f.type == "date":
                    fast = pc.cast(fast, pa.date32())
                return _Column(
                    pc.coalesce(fast, rest.values),
                    pc.if_else(parsed, pa.scalar(None, pa.string()), rest.problems),
                    pc.and_(pc.invert(parsed), rest.infer),
                )
        return self._distinct_column(f, column)

    def _text_column(self, f: Field, column: pa.Array) -> _Column:
        if _repetitive(column):
            # Units, sectors, procedures: each distinct value cleaned once.
            encoded = pc.dictionary_encode(column)
            text = pc.take(_clean_text(encoded.dictionary), encoded.indices)
        else:
            text = _clean_text(column)
        missing = pc.is_null(text)
        problem = f"required field missing: '{f.headers[0]}'" if f.required else None
        problems = pc.if_else(
            missing, pa.scalar(problem, pa.string()), pa.scalar(None, pa.string())
        )
        # Typed: a sheet with a header and no data row gives empty arrays, and an untyped
        # empty list is Arrow's null type, which boolean kernels reject.
        return _Column(text, problems, pa.repeat(pa.scalar(False), len(text)))

    def _distinct_column(self, f: Field, column: pa.Array) -> _Column:
        col = self.field_columns.get(f.name)
        fallback = f.when_missing if col is None else f.when_empty
        encoded = pc.dictionary_encode(column)
        distinct = encoded.dictionary.to_pylist()
        values: list[Any] = []
        problems: list[str | None] = []
        infer: list[bool] = []
        for text in distinct:
            value, problem, inferred = None, None, False
            if _is_empty(text):
                if f.required:
                    problem = f"required field missing: '{f.headers[0]}'"
                elif fallback == INFER_STATUS:
                    inferred = True
                else:
                    value = vocabulary_output(f, fallback)
            else:
                try:
                    value = convert_value(f, text)
                except ValueError as exc:
                    problem = str(exc)
            values.append(value)
            problems.append(problem)
            infer.append(inferred)
        indices = encoded.indices
        # Nulls (no cell at all) are not in the dictionary: they are the empty case.
        empty_value = vocabulary_output(f, fallback) if fallback != INFER_STATUS else None
        empty_problem = f"required field missing: '{f.headers[0]}'" if f.required else None
        taken_values = pc.take(pa.array(values, arrow_type(f)), indices)
        taken_problems = pc.take(pa.array(problems, pa.string()), indices)
        taken_infer = pc.take(pa.array(infer, pa.bool_()), indices)
        if indices.null_count:
            is_null = pc.is_null(indices)
            empty = pa.scalar(empty_value, arrow_type(f))
            taken_values = pc.if_else(is_null, empty, taken_values)
            problem = pa.scalar(empty_problem, pa.string())
            taken_problems = pc.if_else(is_null, problem, taken_problems)
            taken_infer = pc.if_else(is_null, fallback == INFER_STATUS, taken_infer)
        return _Column(taken_values, taken_problems, taken_infer)

    def _column(self, col: int) -> pa.Array:
        """Column `col` of the sheet as Arrow text, every physical row (None past a short row)."""
        if self.sheet.columns is None:
            # One transposition of the rows, in C, for every column at once; kept on the sheet.
            rows = self.sheet.rows
            transposed = zip_longest(*rows, fillvalue=None)
            self.sheet.columns = [pa.array(cells, pa.string()) for cells in transposed]
        if col < len(self.sheet.columns):
            return self.sheet.columns[col]
        return pa.nulls(len(self.sheet.rows), pa.string())

    def _plain_data(self, start: int) -> pa.Array:
        """Rows from `start` that are surely data, decided column-wise.

        A row whose required cells are all filled, one of them holding a digit (codes and dates
        always do), neither copying the header nor all shaped like column numbers, is data
        whatever comes before it. Only the other rows — title lines, blanks, footers, notes,
        a rare bad record — go through `_non_data_kind`, one by one, in order.
        """
        count = len(self.sheet.rows) - start
        if not self.required_columns:
            return pa.repeat(pa.scalar(False), count)
        columns = sorted(self.required_columns)
        values = [_py_strip(self._column(col).slice(start)) for col in columns]
        plain = all_header = all_short = None
        for col, value in zip(columns, values, strict=True):
            filled = pc.fill_null(pc.not_equal(value, ""), False)
            header_text = pa.array(sorted(self._header_text[col]), pa.string())
            header = pc.fill_null(pc.is_in(value, value_set=header_text), False)
            # No column number is longer: `(`, three digits of up to four bytes, `)`.
            short = pc.fill_null(pc.less_equal(pc.binary_length(value), 14), False)
            plain = filled if plain is None else pc.and_(plain, filled)
            all_header = header if all_header is None else pc.and_(all_header, header)
            all_short = short if all_short is None else pc.and_(all_short, short)
        # A digit in one required cell is enough: the next column is searched only when some
        # filled row has none yet (an iGate row's case code always has one).
        any_digit = None
        for value in values:
            digit = pc.fill_null(pc.match_substring_regex(value, r"\d"), False)
            any_digit = digit if any_digit is None else pc.or_(any_digit, digit)
            if pc.all(pc.or_(any_digit, pc.invert(plain))).as_py():
                break
        plain = pc.and_(pc.and_(plain, any_digit), pc.invert(all_header))
        if not pc.any(pc.and_(plain, all_short)).as_py():
            return plain  # no row whose required cells could all be column numbers
        all_number = None
        for value in values:
            number = pc.fill_null(pc.match_substring_regex(value, _COLUMN_NUMBER_RE2), False)
            all_number = number if all_number is None else pc.and_(all_number, number)
        return pc.and_(plain, pc.invert(all_number))

    def run(self) -> SheetResult:
        rows = self.sheet.rows
        # Title block and header rows are non-data.
        start = self.header.last_row + 1
        self.result.rows_skipped = start
        in_footer = False
        is_data = self._plain_data(start) if start < len(rows) else pa.array([], pa.bool_())
        candidates = pc.indices_nonzero(pc.invert(is_data)).to_pylist()
        kept = []
        for offset in candidates:
            kind = self._non_data_kind(rows[start + offset], in_footer)
            if kind is None:
                kept.append(offset)
            else:
                in_footer = in_footer or kind == "footer"
                self.result.rows_skipped += 1
        if kept:
            flags = [False] * len(is_data)
            for offset in kept:
                flags[offset] = True
            is_data = pc.or_(is_data, pa.array(flags, pa.bool_()))
        data = pc.add(pc.indices_nonzero(is_data), pa.scalar(start, pa.uint64()))
        self._load(pc.cast(data, pa.int64()))
        notes = []
        if self.sheet.hidden:
            notes.append("hidden sheet, read")
        if self.header.duplicates:
            named = ", ".join(
                f"'{self.profile.primary_header(name)}' (columns {cols})"
                for name, cols in self.header.duplicates.items()
            )
            notes.append(f"header names a field twice, first column used: {named}")
        if not len(data):
            # Loaded, but an analyst looking for the month's cases must see why there are none.
            notes.append("no data rows under the header")
        self.result.message = "; ".join(notes) or None
        return self.result

    def _raw(self, data: pa.Array, f: Field) -> pa.Array:
        col = self.field_columns.get(f.name)
        if col is None:
            return pa.nulls(len(data), pa.string())
        return pc.take(self._column(col), data)

    def _load(self, data: pa.Array) -> None:
        raws = {f.name: self._raw(data, f) for f in self.stored}
        columns = {f.name: self._convert_column(f, raws[f.name]) for f in self.stored}
        count = len(data)
        errors: dict[str, pa.Array] = {}
        warnings: dict[str, pa.Array] = {}
        for f in self.stored:
            target = errors if f.required or f.when_unknown == "reject" else warnings
            target[f.name] = columns[f.name].problems
        for check in self.profile.checks:
            reference = pc.cast(columns[check.reference].values, pa.date32())
            for name in check.fields:
                day = pc.cast(columns[name].values, pa.date32())
                before = pc.fill_null(pc.less(day, reference), False)
                if not pc.any(before).as_py():
                    continue
                reason = pc.binary_join_element_wise(
                    f"'{self.profile.primary_header(name)}' ",
                    _day_text(day),
                    f" is before '{self.profile.primary_header(check.reference)}' ",
                    _day_text(reference),
                    "",
                )
                reason = pc.if_else(before, reason, pa.scalar(None, pa.string()))
                earlier = errors.get(name, pa.nulls(count, pa.string()))
                errors[name] = pc.coalesce(earlier, reason)
        rejected = pa.repeat(pa.scalar(False), count)  # typed even when count is 0
        for problems in errors.values():
            rejected = pc.or_(rejected, pc.is_valid(problems))
        rejected_rows = pc.indices_nonzero(rejected).to_pylist()
        header_like = {
            i for i in rejected_rows if self._is_repeated_header(self.sheet.rows[data[i].as_py()])
        }
        self._record(data, raws, errors, rejected_rows, header_like, "error")
        self.result.rows_skipped += len(header_like)
        self.result.rows_rejected += len(rejected_rows) - len(header_like)
        keep = pc.invert(rejected)
        self.result.rows_loaded += count - len(rejected_rows)
        self._record_warnings(data, raws, columns, warnings, keep)
        self._table = self._build_table(data, columns, keep)

    def _record(self, data, raws, problems, rows, exclude, severity) -> None:
        for i in rows:
            if i in exclude:
                continue
            for f in self.stored:
                reasons = problems.get(f.name)
                reason = None if reasons is None else reasons[i].as_py()
                if reason is not None:
                    raw = raws[f.name][i].as_py()
                    self._reject(data[i].as_py() + 1, f.name, raw, reason, severity)

    def _record_warnings(self, data, raws, columns, warnings, kept: pa.Array) -> None:
        # Only the rows with something to say are visited: the others are most of the sheet.
        inferred_reason = "status empty: taken from the dates"
        for f in self.stored:
            problems = warnings.get(f.name)
            infer = columns[f.name].infer
            if f.name not in self.field_columns or infer is None:
                infer = pa.repeat(pa.scalar(False), len(kept))
            noted = pa.repeat(pa.scalar(False), len(kept))
            if problems is not None:
                noted = pc.is_valid(problems)
            visit = pc.and_(kept, pc.or_(noted, pc.fill_null(infer, False)))
            for i in pc.indices_nonzero(visit).to_pylist():
                row_number = data[i].as_py() + 1
                raw = raws[f.name][i].as_py()
                note = None if problems is None else problems[i].as_py()
                if note is not None:
                    self._reject(row_number, f.name, raw, note, "warning")
                if infer[i].as_py():
                    self._reject(row_number, f.name, raw, inferred_reason, "warning")

    def _reject(self, row_number: int, fld: str | None, raw: Any, reason: str, severity: str):
        text = None if raw is None else str(raw)
        if text is not None:
            # A row whose cells slid one column (a missing cell) puts the applicant's phone,
            # ID number, name or address into a checked field: the reject must not keep it.
            masked = mask_personal(text)
            if masked != text:
                reason = reason.replace(text, masked).replace(clean(text) or text, masked)
                text = masked
        self.rejects.append(
            {
                "sheet": self.sheet.name,
                "row_number": row_number,
                "field": fld,
                "raw_value": text,
                "reason": reason,
                "severity": severity,
            }
        )

    def _build_table(self, data: pa.Array, columns: dict[str, _Column], keep) -> pa.Table:
        arrays: dict[str, pa.Array] = {
            "sheet": pa.repeat(pa.scalar(self.sheet.name, pa.string()), len(data)),
            "sheet_index": pa.repeat(pa.scalar(self.sheet.index, pa.int32()), len(data)),
            "row_number": pc.cast(pc.add(data, 1), pa.int32()),
        }
        for f in self.stored:
            arrays[f.name] = columns[f.name].values
        for f in self.stored:
            infer = columns[f.name].infer
            if infer is not None and pc.any(infer).as_py():
                arrays[f.name] = pc.if_else(infer, self._inferred_status(columns), arrays[f.name])
        table = pa.table(arrays, schema=landing_schema(self.profile))
        return table.filter(keep)

    @staticmethod
    def _inferred_status(columns: dict[str, _Column]) -> pa.Array:
        # docs/spec.md §3.1: returned → 10, finished → 9, otherwise still being processed (4).
        returned = pc.is_valid(columns["returned_at"].values)
        finished = pc.is_valid(columns["finished_at"].values)
        return pc.if_else(
            returned,
            pa.scalar(10, pa.int32()),
            pc.if_else(finished, pa.scalar(9, pa.int32()), pa.scalar(4, pa.int32())),
        )

    def table(self) -> pa.Table:
        if self._table is None:
            return landing_schema(self.profile).empty_table()
        return self._table
