"""Units' own Biểu 06 reports (docs/spec.md §3.6): one workbook → one landed row per sector row.

A report is the form Biểu số 06/VPCP/KSTT as a unit fills it in: a title block naming the unit
(`Đơn vị báo cáo: …`) and the period (`Kỳ báo cáo: Quý IV năm 2020`, `Từ ngày … đến ngày …`),
a header of two to four rows whose group cells are merged over their sub-columns, often a
numbered column row `(1) (2) …`, one row per sector, total and subtotal rows, notes and
signatures. It does not fit the one-row-per-record profiles of flows.ingest.sheet_loader, so it has
its own reader here; the spellings it accepts are in `flows/ingest/profiles/reports.toml`.

Per sheet:
- the header is found by content: a row holding a sector header cell (`Lĩnh vực…`), the rows
  under it whose sector cell is empty (merged down) belong to it. Each column's header path is
  read top-down, a merged group cell standing over the columns to its right until the next cell
  of its own row or of a row above; the column is the lowest cell of the path under the first
  group cell of the path (`Số hồ sơ đã giải quyết` › `Quá hạn` = resolved_late). A column no
  spelling names is named by its group and key words (`… trực tuyến` under the received group
  is received_online); a column of the form neither names is a `warning`, never a silent NULL;
- the unit comes from the title block's `Đơn vị báo cáo:` cell, else from the file name; a
  roman-numbered row naming a unit (`II | UBND huyện Càng Long`, our own report's layout, one
  block per unit) sets the unit of the rows under it;
- the period is the `Kỳ báo cáo` label mapped to the contract's label (`Quý IV năm 2020` →
  `2020-Q4`), with the `Từ ngày … đến ngày …` dates; without a label, dates spanning exactly a
  calendar month, quarter or year name it; else the sheet name, then the file name;
- each sector row with figures is a landed row; total rows (`Tổng cộng`) and subtotal rows
  (roman-numbered, or a level such as `Cấp huyện`) are skipped and checked against the sum of
  the rows they cover, a difference being a `warning` in dq_rejects; figures that are not
  whole numbers reject the row.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import PurePosixPath
from typing import Any

import pyarrow as pa

from flows.ingest.dates import parse_datetime
from flows.ingest.headers import HEADER_SCAN_ROWS, is_column_number_row
from flows.ingest.profile import Profile
from flows.ingest.readers import Sheet
from flows.ingest.sheet_loader import SheetResult, landing_schema
from flows.ingest.text import clean, header_key, strip_accents
from flows.paths import PROFILES_DIR

# Part of the landing key of every report: bump when this reader's output changes meaning.
READER_VERSION = "2"

SOURCE = "reports"
HEADER_MAX_ROWS = 5  # the official form has four header rows
COUNT_FIELDS = (
    "received_all",
    "received_online",
    "received_direct_postal",
    "received_total",
    "carried_over",
    "resolved_total",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "pending_total",
    "pending_not_due",
    "pending_overdue",
)
# Form identities checked on every sector row: total = its parts (warnings when not).
IDENTITIES = (
    ("received_all", ("received_online", "received_direct_postal", "carried_over")),
    ("received_all", ("received_total", "carried_over")),
    ("received_total", ("received_online", "received_direct_postal")),
    ("resolved_total", ("resolved_early", "resolved_on_time", "resolved_late")),
    ("pending_total", ("pending_not_due", "pending_overdue")),
)

_TOTAL_RE = re.compile(r"^((tổng cộng|tổng số)(\W|$)|(tổng|cộng)(\s*[:(]|$))")
_FOOTER_RE = re.compile(
    r"^(ghi chú|nguồn|người lập|người ký|thủ trưởng|lãnh đạo|giám đốc|chủ tịch|trưởng phòng"
    r"|kt\.|tm\.|nơi nhận|ký tên|\(ký|xác nhận)"
)
_SIGNATURE_DATE_RE = re.compile(r"ngày\W*[\d…. ]*\W*tháng\W*[\d…. ]*\W*năm")
# A subtotal row's number: roman (I, II…) or a capital letter (A, B…), as the form groups rows.
_GROUP_STT_RE = re.compile(r"^([ivxlc]+|[a-h])[.)]?$")
_ROMAN_LABEL_RE = re.compile(r"^([IVXLC]+|[A-H])[.)]\s+(.*)$")
_LEVEL_RE = re.compile(
    r"^(thủ tục hành chính |tthc |thẩm quyền )?(cấp|thuộc thẩm quyền)\s*(tỉnh|huyện|xã)"
)
# The first words of a unit's name (name key: accents stripped, abbreviations expanded).
_UNIT_WORDS = (
    "uy ban nhan dan", "ubnd", "so ", "phong ", "trung tam", "van phong", "ban ", "chi cuc",
    "thanh tra", "bo phan", "cuc ", "cong an", "bao hiem", "bo chi huy", "hoi dong",
)  # fmt: skip
_COUNT_RE = re.compile(r"^\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*$|^\d+$")
_DASHES = {"-", "–", "—", "_"}
_ROMAN_VALUES = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

# Periods, on accent-stripped lower-case text.
_QUARTER_RE = re.compile(r"(?:quy\s*|\bq)(iv|iii|ii|i|[1-4])\b\s*(?:nam|/|-|\.)?\s*(\d{4})")
_MONTH_RE = re.compile(r"(?:thang\s*|\bt)(\d{1,2})\s*(?:nam|/|-|\.|\s)\s*(\d{4})")
_YEAR_RE = re.compile(r"\bnam\s*(\d{4})")
_PART_YEAR_RE = re.compile(r"\d+\s*thang\s*(dau|cuoi)|(dau|cuoi)\s*nam")
_RANGE_RE = re.compile(r"tu ngay\s*([\d/.\-]+)\s*den ngay\s*([\d/.\-]+)")
_FORM_WORDS_RE = re.compile(
    r"\b(bieu\s*(so)?\s*0?6(/?vpcp/?kstt)?|bao\s*cao|bc|kstt|vpcp|tt|so\s*lieu)\b"
)


# --------------------------------------------------------------------------------------------
# The vocabulary of the form, from reports.toml
# --------------------------------------------------------------------------------------------


# A key word as written in reports.toml and its word key.
KeyWord = tuple[str, str]


@dataclass(frozen=True)
class Vocabulary:
    groups: dict[str, str]  # header key → received / resolved / pending
    columns: dict[str, dict[str, str]]  # group → header key → field
    any_group: dict[str, str]  # header key → field, for spellings that name one field only
    labels: dict[str, frozenset[str]]  # unit / period / sector / stt → header keys
    received_new: frozenset[str]  # keys of received_total ("Trong kỳ"), a group above parts
    # [bieu06.key_words]: tried in file order when no spelling names a column.
    group_words: tuple[tuple[KeyWord, str], ...] = ()  # (key word, group)
    column_words: dict[str, tuple[tuple[KeyWord, str], ...]] = field(default_factory=dict)
    group_totals: dict[str, str] = field(default_factory=dict)  # group → its total's field
    ignored_words: tuple[KeyWord, ...] = ()  # rates, notes: no figure of the form


def word_key(text: str | None) -> str:
    """The key key words are matched on: the header key without accents and punctuation.

    Units type their headers with and without accents (`Truc tuyen`), with commas, slashes and
    brackets between the words; `%` is kept, as it marks a rate.
    """
    return " ".join(re.sub(r"[^\w%]+", " ", strip_accents(header_key(text))).split())


def mentions(key: str, word: str) -> bool:
    """Whether a word key holds a key word as whole words: `ton` (tồn) is not in `tong so`."""
    before = r"(?<!\w)" if word[:1].isalnum() else ""
    after = r"(?!\w)" if word[-1:].isalnum() else ""
    return re.search(before + re.escape(word) + after, key) is not None


def _key_words(spellings: list[str]) -> tuple[KeyWord, ...]:
    return tuple((spelling, word_key(spelling)) for spelling in spellings)


@cache
def vocabulary() -> Vocabulary:
    data = tomllib.loads((PROFILES_DIR / f"{SOURCE}.toml").read_text(encoding="utf-8"))
    form = data["bieu06"]
    words = form.get("key_words", {})
    group_words = tuple(
        (word, group)
        for group, spellings in words.get("groups", {}).items()
        for word in _key_words(spellings)
    )
    column_words = {
        group: tuple(
            (word, name)
            for name, spellings in words.get(group, {}).items()
            for word in _key_words(spellings)
        )
        for group in form["groups"]
    }
    ignored_words = _key_words(words.get("ignored", {}).get("columns", []))
    groups = {header_key(s): g for g, spellings in form["groups"].items() for s in spellings}
    columns: dict[str, dict[str, str]] = {}
    owners: dict[str, set[str]] = {}
    for group, table in form["columns"].items():
        columns[group] = {}
        for name, spellings in table.items():
            for spelling in spellings:
                key = header_key(spelling)
                columns[group][key] = name
                owners.setdefault(key, set()).add(name)
    any_group = {
        key: next(iter(names))
        for key, names in owners.items()
        if len(names) == 1 and key not in groups
    }
    labels = {k: frozenset(header_key(s) for s in v) for k, v in form["labels"].items()}
    received_new = frozenset(
        key for key, name in columns.get("received", {}).items() if name == "received_total"
    )
    return Vocabulary(
        groups,
        columns,
        any_group,
        labels,
        received_new,
        group_words,
        column_words,
        dict(words.get("group_totals", {})),
        ignored_words,
    )


# --------------------------------------------------------------------------------------------
# Header
# --------------------------------------------------------------------------------------------


@dataclass
class Header:
    first_row: int
    last_row: int  # the numbered column row, when there is one
    sector_col: int
    stt_col: int | None
    columns: dict[int, str]  # column → count field
    duplicates: list[str] = field(default_factory=list)
    # What `cchc inspect` and the warnings show: each column's header cells as written, how
    # its field was found (`exact`, or the key words), the form's columns no spelling or key
    # word names (their figures are not loaded) and the columns ignored as no figure (rates).
    paths: dict[int, list[str]] = field(default_factory=dict)
    how: dict[int, str] = field(default_factory=dict)
    unnamed: dict[int, int] = field(default_factory=dict)  # column → 0-based row of its cell
    ignored: list[int] = field(default_factory=list)


def _cell(row: list[str | None], col: int) -> str | None:
    if col >= len(row):
        return None
    value = row[col]
    return value if value is not None and value.strip() else None


def header_paths(block: list[list[str | None]]) -> list[list[str]]:
    """Each column's header cells, top-down, a merged group cell filling the columns it covers.

    A cell left empty stands under the cell to its left in its own row, unless a row above has
    a cell in its column: there a new group begins (the reader only sees a merged range's
    first cell).
    """
    width = max((len(r) for r in block), default=0)
    paths: list[list[str]] = [[] for _ in range(width)]
    for depth, row in enumerate(block):
        current: str | None = None
        for col in range(width):
            if col == 0 or any(_cell(block[above], col) for above in range(depth)):
                current = None
            text = _cell(row, col)
            if text is not None:
                current = text
            if current is not None:
                paths[col].append(current)
    return paths


IGNORED = "ignored"


def column_field(vocab: Vocabulary, path: list[str]) -> tuple[str | None, str | None]:
    """(field, how it was found) of a column's header path; (None, None) when nothing names it.

    `how` is `exact` (a spelling of [bieu06.columns]), the key words that named it, or
    IGNORED (a rate or a note: no figure of the form).
    """
    keys = [header_key(text) for text in path]
    if not keys:
        return None, None
    leaf = keys[-1]
    at = next((i for i, k in enumerate(keys) if k in vocab.groups), None)
    group = vocab.groups[keys[at]] if at is not None else None
    name = vocab.columns.get(group, {}).get(leaf) if group else None
    if name is None:
        name = vocab.any_group.get(leaf)
    how: str | None = "exact"
    words = [word_key(text) for text in path]
    if name is None:
        if any(mentions(w, word) for w in words for _, word in vocab.ignored_words):
            return None, IGNORED
        name, how = _by_key_words(vocab, path, words, group, at)
    if name == "received_all":
        # `Trong kỳ` › `Tổng số`: the new files of the period. The group cell itself is left
        # out of the key-word test: `Số hồ sơ nhận giải quyết trong kỳ` › `Tổng số` is (3).
        below = words[(at + 1 if at is not None else 0) : -1]
        new_words = [w for w, n in vocab.column_words.get("received", ()) if n == "received_total"]
        if any(k in vocab.received_new for k in keys[:-1]) or any(
            mentions(w, word) for w in below for _, word in new_words
        ):
            name = "received_total"
    return name, how if name else None


def _by_key_words(
    vocab: Vocabulary, path: list[str], words: list[str], group: str | None, at: int | None
) -> tuple[str | None, str | None]:
    """The field the key words of reports.toml give a column no spelling names."""
    if group is None:
        for index, key in enumerate(words):
            group = next((g for (_, w), g in vocab.group_words if mentions(key, w)), None)
            if group is not None:
                at = index
                break
    leaf = words[-1]
    if group is None:
        # Without a group only a key word that a single field knows can name the column
        # (`Trực tuyến`; not `Quá hạn`, late when resolved, overdue when pending).
        found = {}  # field → the key word that named it, the first in each group's order
        for column_words in vocab.column_words.values():
            hit = next(((s, n) for (s, w), n in column_words if mentions(leaf, w)), None)
            if hit is not None:
                found.setdefault(hit[1], hit[0])
        if len(found) == 1:
            name, spelled = found.popitem()
            return name, f"key words '{spelled}'"
        return None, None
    assert at is not None
    under = f" under '{clean(path[at])}'"
    for (spelled, word), name in vocab.column_words.get(group, ()):
        if mentions(leaf, word):
            return name, f"key words '{spelled}'{under}"
    if at == len(path) - 1 and group in vocab.group_totals:
        return vocab.group_totals[group], f"the group cell '{clean(path[at])}' alone"
    return None, None


def column_group(vocab: Vocabulary, path: list[str]) -> str | None:
    """The group (received, resolved, pending) a column's header path sits under, if any."""
    keys = [header_key(text) for text in path]
    exact = next((vocab.groups[k] for k in keys if k in vocab.groups), None)
    if exact is not None:
        return exact
    for key in map(word_key, path):
        found = next((g for (_, w), g in vocab.group_words if mentions(key, w)), None)
        if found is not None:
            return found
    return None


def find_header(vocab: Vocabulary, rows: list[list[str | None]]) -> Header | None:
    """The first block of rows under a sector header cell that names count columns."""
    for index in range(min(len(rows), HEADER_SCAN_ROWS)):
        row = rows[index]
        sector_col = next(
            (c for c in range(len(row)) if header_key(_cell(row, c)) in vocab.labels["sector"]),
            None,
        )
        if sector_col is None:
            continue
        last = index
        while (
            last + 1 < len(rows)
            and last + 1 - index < HEADER_MAX_ROWS
            and _cell(rows[last + 1], sector_col) is None
            and any(_cell(rows[last + 1], c) for c in range(len(rows[last + 1])))
            and not is_column_number_row(rows[last + 1])
        ):
            last += 1
        block = rows[index : last + 1]
        stt_col = next(
            (c for c in range(len(row)) if header_key(_cell(row, c)) in vocab.labels["stt"]),
            None,
        )
        columns: dict[int, str] = {}
        seen: set[str] = set()
        duplicates: list[str] = []
        paths: dict[int, list[str]] = {}
        how: dict[int, str] = {}
        unnamed: dict[int, int] = {}
        ignored: list[int] = []
        for col, path in enumerate(header_paths(block)):
            if col in (sector_col, stt_col) or not path:
                continue
            paths[col] = path
            name, found_by = column_field(vocab, path)
            if name is None:
                if found_by == IGNORED:
                    ignored.append(col)
                else:
                    # The row of its lowest own cell: where the reader of dq_rejects looks.
                    own = [r for r in range(len(block)) if _cell(block[r], col)]
                    unnamed[col] = index + (own[-1] if own else 0)
                continue
            if name in seen:
                duplicates.append(f"{name} (column {col + 1})")
                continue
            seen.add(name)
            columns[col] = name
            how[col] = found_by or "exact"
        if len(columns) < 2 or not seen & {"received_all", "received_total", "received_online"}:
            continue
        if last + 1 < len(rows) and is_column_number_row(rows[last + 1]):
            last += 1
        return Header(
            index, last, sector_col, stt_col, columns, duplicates, paths, how, unnamed, ignored
        )
    return None


def column_letter(col: int) -> str:
    """Excel's name of a 0-based column: 0 → A, 27 → AB."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def path_text(path: list[str]) -> str:
    """A column's header cells as written, top-down: `Số hồ sơ nhận giải quyết › Trực tuyến`."""
    return " › ".join(clean(text) or "" for text in path)


# --------------------------------------------------------------------------------------------
# Unit and period
# --------------------------------------------------------------------------------------------


def _line_texts(rows: list[list[str | None]]) -> list[str]:
    return [" ".join(c.strip() for c in row if c and c.strip()) for row in rows]


def _unit_from_title(vocab: Vocabulary, title: list[list[str | None]]) -> str | None:
    for row in title:
        cells = [c for c in row if c is not None and c.strip()]
        for i, text in enumerate(cells):
            label, sep, rest = text.partition(":")
            if header_key(label) not in vocab.labels["unit"]:
                continue
            value = rest if sep else ""
            if not _meaningful(value) and i + 1 < len(cells):
                value = cells[i + 1]
            if _meaningful(value):
                return clean(value)
    return None


def report_unit(
    vocab: Vocabulary, title: list[list[str | None]], file: str
) -> tuple[str | None, str | None]:
    """(unit, where it was found: `title` or `file name`) of a report sheet, (None, None)."""
    unit = _unit_from_title(vocab, title)
    if unit is not None:
        return unit, "title"
    unit = unit_from_file_name(file)
    return (unit, "file name") if unit is not None else (None, None)


def _meaningful(text: str | None) -> bool:
    return bool(text) and any(ch.isalnum() for ch in text)


def unit_from_file_name(file: str) -> str | None:
    """The unit a file name names, once the form's words and the period are taken out."""
    stem = unicodedata.normalize("NFC", PurePosixPath(file).stem)
    text = re.sub(r"[_+]+", " ", stem)
    key = strip_accents(text.lower())
    if len(key) != len(text):  # a letter whose lower case or bare form is longer: rare
        text = key
    # Drop what names the form or the period, keeping the rest in the file's own spelling.
    spans = [m.span() for m in _FORM_WORDS_RE.finditer(key)]
    for regex in (_QUARTER_RE, _MONTH_RE, _YEAR_RE, re.compile(r"\b(q[1-4]|t\d{1,2})\b"),
                  re.compile(r"\b\d{4}\b|\b\d{1,2}[.\-]\d{4}\b")):  # fmt: skip
        spans += [m.span() for m in regex.finditer(key)]
    keep = [True] * len(text)
    for start, end in spans:
        for i in range(start, min(end, len(keep))):
            keep[i] = False
    rest = "".join(ch if k else " " for ch, k in zip(text, keep, strict=True))
    rest = re.sub(r"^[\s\-–.,]+|[\s\-–.,]+$", "", re.sub(r"\s+", " ", rest))
    return clean(rest) if _meaningful(rest) else None


@dataclass(frozen=True)
class Period:
    label: str | None  # 2020-10, 2020-Q4, 2020 (None when not a calendar period)
    start: date | None
    end: date | None
    source: str  # where it was found: title, sheet name, file name
    note: str | None = None  # a doubt worth a warning


def _calendar(kind: str, year: int, number: int = 1) -> tuple[str, date, date]:
    if kind == "month":
        start = date(year, number, 1)
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return f"{year}-{number:02d}", start, end
    if kind == "quarter":
        start = date(year, 3 * number - 2, 1)
        end = date(year + (number == 4), 1 if number == 4 else 3 * number + 1, 1)
        return f"{year}-Q{number}", start, end - timedelta(days=1)
    return str(year), date(year, 1, 1), date(year, 12, 31)


def _period_label(text: str) -> tuple[str, date, date] | None:
    """`Quý IV năm 2020` → ('2020-Q4', 2020-10-01, 2020-12-31); months and years likewise."""
    key = strip_accents(header_key(text))
    if _PART_YEAR_RE.search(key):
        return None  # `6 tháng đầu năm 2020`: not a calendar month, quarter or year
    match = _QUARTER_RE.search(key)
    if match:
        quarter = _ROMAN_VALUES.get(match.group(1)) or int(match.group(1))
        return _calendar("quarter", int(match.group(2)), quarter)
    match = _MONTH_RE.search(key)
    if match and 1 <= int(match.group(1)) <= 12:
        return _calendar("month", int(match.group(2)), int(match.group(1)))
    match = _YEAR_RE.search(key)
    if match:
        return _calendar("year", int(match.group(1)))
    return None


def _date_range(text: str) -> tuple[date, date] | None:
    match = _RANGE_RE.search(strip_accents(header_key(text)))
    if not match:
        return None
    try:
        start, end = (parse_datetime(match.group(i).strip(".-")) for i in (1, 2))
    except ValueError:
        return None
    if start is None or end is None or end < start:
        return None
    return start.date(), end.date()


def _calendar_of_range(start: date, end: date) -> str | None:
    for kind, number in (("month", start.month), ("quarter", (start.month - 1) // 3 + 1)):
        label, s, e = _calendar(kind, start.year, number)
        if (s, e) == (start, end):
            return label
    label, s, e = _calendar("year", start.year)
    return label if (s, e) == (start, end) else None


def find_period(
    vocab: Vocabulary, title: list[list[str | None]], sheet_name: str | None, file: str
) -> Period | None:
    """The report's period from its title block, else its sheet name, else its file name."""
    lines = _line_texts(title)
    labelled: list[str] = []  # what follows `Kỳ báo cáo`
    others: list[str] = []  # other title lines, a place-and-date line aside
    for line in lines:
        key = header_key(line)
        word = next((w for w in vocab.labels["period"] if w in key), None)
        if word is not None:
            labelled.append(key.split(word, 1)[1])
        elif not _SIGNATURE_DATE_RE.search(key):
            others.append(key)
    label = next(filter(None, map(_period_label, labelled + others)), None)
    dates = next((r for r in map(_date_range, lines) if r), None)
    if label is not None:
        start, end = dates or (label[1], label[2])
        note = None
        if dates and (dates[1] < label[1] or dates[0] > label[2]):
            note = (
                f"the dates {start:%d/%m/%Y}–{end:%d/%m/%Y} lie outside the period named "
                f"({label[0]})"
            )
        return Period(label[0], start, end, "title", note)
    if dates is not None:
        return Period(_calendar_of_range(*dates), dates[0], dates[1], "title")
    for source, text in (("sheet name", sheet_name), ("file name", PurePosixPath(file).stem)):
        if text:
            found = _period_label(re.sub(r"[_]+", " ", text))
            if found:
                return Period(found[0], found[1], found[2], source)
    return None


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------


def parse_count(text: str | None) -> int:
    """A figure of the form: empty or a dash is 0; `1.234` and `1,234` are 1234."""
    if text is None:
        return 0
    value = text.strip()
    if not value or value in _DASHES:
        return 0
    match = _COUNT_RE.match(value)
    if not match:
        if re.fullmatch(r"\d+[.,]0+", value):
            return int(re.split(r"[.,]", value)[0])
        raise ValueError(f"not a whole number of files: '{clean(value)}'")
    return int(re.sub(r"\D", "", value))


def _row_label(row: list[str | None], header: Header) -> tuple[str | None, str | None]:
    label = _cell(row, header.sector_col)
    stt = _cell(row, header.stt_col) if header.stt_col is not None else None
    return (clean(label) if label else None), (clean(stt) if stt else None)


def _is_footer(key: str) -> bool:
    return bool(_FOOTER_RE.match(key) or _SIGNATURE_DATE_RE.search(key))


def _group_row(label: str | None, stt: str | None) -> str | None:
    """The name of a subtotal row (`I | Cấp huyện`, `II. UBND huyện …`, `Cấp xã`), else None."""
    if stt and _GROUP_STT_RE.match(header_key(stt)):
        return label or ""
    if label:
        match = _ROMAN_LABEL_RE.match(label.strip())
        if match:
            return clean(match.group(2)) or ""
        if _LEVEL_RE.match(header_key(label)):
            return label
    return None


def _is_unit_name(text: str) -> bool:
    key = strip_accents(header_key(text))
    key = re.sub(r"^ubnd\b", "uy ban nhan dan", key)
    return key.startswith(_UNIT_WORDS)


@dataclass
class _Group:
    """A total or subtotal row, checked against the sector rows it covers."""

    row_number: int
    label: str
    cells: dict[str, str | None]
    first_data: int  # the loaded rows it covers: loaded[first_data:last_data]
    last_data: int | None  # None: to the sheet's end (a total row covers every sector row)


class ReportSheet:
    """One sheet of a report: its landed rows, rejects and accounting."""

    def __init__(
        self, vocab: Vocabulary, profile: Profile, sheet: Sheet, header: Header, file: str
    ) -> None:
        self.vocab = vocab
        self.profile = profile
        self.sheet = sheet
        self.header = header
        self.file = file
        self.records: list[dict[str, Any]] = []
        self.rejects: list[dict[str, Any]] = []
        self.result = SheetResult(sheet.name, sheet.index, "loaded", rows_read=len(sheet.rows))

    def reject(self, row_number: int | None, fld: str | None, raw: Any, reason: str, sev: str):
        self.rejects.append(
            {
                "sheet": self.sheet.name,
                "row_number": row_number,
                "field": fld,
                "raw_value": None if raw is None else str(raw),
                "reason": reason,
                "severity": sev,
            }
        )

    def run(self) -> SheetResult:
        rows = self.sheet.rows
        header = self.header
        title = rows[: header.first_row]
        unit, unit_source = report_unit(self.vocab, title, self.file)
        notes: list[str] = []
        if unit is not None and unit_source == "file name":
            notes.append(f"unit taken from the file name: '{unit}'")
        unnamed = self._warn_unnamed_columns()
        if unnamed:
            notes.append(f"form column(s) named by no header, their figures not loaded: {unnamed}")
        period = find_period(self.vocab, title, self.sheet.name, self.file)
        period_problem = self._period_problem(period)
        if period is not None and period.source != "title" and period.label:
            notes.append(f"period taken from the {period.source}: {period.label}")
        if period is not None and period.note:
            self.reject(header.first_row + 1, "period", period.label, period.note, "warning")

        self.result.rows_skipped = header.last_row + 1  # title block, header, column numbers
        in_footer = False
        groups: list[_Group] = []
        open_group: _Group | None = None
        loaded: list[dict[str, int]] = []  # the figures of the loaded rows, in order
        for index in range(header.last_row + 1, len(rows)):
            row = rows[index]
            number = index + 1
            label, stt = _row_label(row, header)
            cells = {name: _cell(row, col) for col, name in header.columns.items()}
            has_figures = any(v is not None for v in cells.values())
            texts = [header_key(c) for c in row if c and c.strip()]
            if not texts or in_footer or is_column_number_row(row):
                self.result.rows_skipped += 1  # blank, column numbers, after the footer began
                continue
            if (label is None or _is_footer(header_key(label))) and any(map(_is_footer, texts)):
                in_footer = True  # notes, place and date, signers
                self.result.rows_skipped += 1
                continue
            key = header_key(label or stt or "")
            if _TOTAL_RE.match(key):
                if open_group is not None:
                    open_group.last_data = len(loaded)
                    open_group = None
                groups.append(_Group(number, label or stt or "", cells, 0, None))
                self.result.rows_skipped += 1
                continue
            group_name = _group_row(label, stt)
            if group_name is not None:
                if open_group is not None:
                    open_group.last_data = len(loaded)
                open_group = _Group(number, group_name, cells, len(loaded), len(loaded))
                groups.append(open_group)
                if _is_unit_name(group_name):
                    unit = group_name  # one block per unit: the rows under it are its own
                self.result.rows_skipped += 1
                continue
            if not has_figures:
                self.result.rows_skipped += 1  # a heading, or a sector left blank
                continue
            values, problems = {}, []
            for name, raw in cells.items():
                try:
                    values[name] = parse_count(raw)
                except ValueError as exc:
                    problems.append((name, raw, str(exc)))
            if label is None:
                problems.append(("sector", None, "figures without a sector ('Lĩnh vực')"))
            if period_problem:
                problems.append(("period", None, period_problem))
            if unit is None:
                reason = "no unit: neither 'Đơn vị báo cáo: …' in the title nor the file name"
                problems.append(("unit", None, reason))
            if problems:
                for name, raw, reason in problems:
                    self.reject(number, name, raw, reason, "error")
                self.result.rows_rejected += 1
                continue
            self._check_identities(number, values)
            loaded.append(values)
            if open_group is not None:
                open_group.last_data = len(loaded)
            self.records.append(
                {
                    "sheet": self.sheet.name,
                    "sheet_index": self.sheet.index,
                    "row_number": number,
                    "unit": unit,
                    "period": period.label,
                    "period_start": period.start,
                    "period_end": period.end,
                    "sector": label,
                    **{name: values.get(name) for name in COUNT_FIELDS},
                }
            )
            self.result.rows_loaded += 1
        self._check_totals(groups, loaded)
        if header.duplicates:
            notes.append("header names a column twice, first used: " + ", ".join(header.duplicates))
        if self.sheet.hidden:
            notes.append("hidden sheet, read")
        if not self.result.rows_loaded and not self.result.rows_rejected:
            notes.append("no sector rows under the header")
        self.result.message = "; ".join(notes) or None
        return self.result

    def _warn_unnamed_columns(self) -> str:
        """A warning per column of the form that nothing names: its NULL must not be silent."""
        named = []
        for col, row in self.header.unnamed.items():
            path = self.header.paths[col]
            group = column_group(self.vocab, path)
            where = f"[bieu06.columns.{group}]" if group else "[bieu06.columns.<group>]"
            letter = column_letter(col)
            self.reject(
                row + 1,
                None,
                path_text(path),
                f"column {letter} of the form's header ('{path_text(path)}') names no column of "
                f"Biểu 06, so its figures are not loaded: add its header to {where} in "
                "flows/ingest/profiles/reports.toml",
                "warning",
            )
            named.append(f"{letter} '{clean(path[-1])}'")
        return ", ".join(named)

    def _period_problem(self, period: Period | None) -> str | None:
        if period is None:
            return (
                "no report period in the title block ('Kỳ báo cáo: Quý IV năm 2020', "
                "'Năm 2020', 'Tháng 10 năm 2020' or 'Từ ngày … đến ngày …')"
            )
        if period.label is None:
            return (
                f"report period {period.start:%d/%m/%Y}–{period.end:%d/%m/%Y} is not a "
                "calendar month, quarter or year: add 'Kỳ báo cáo: …' to the title"
            )
        return None

    def _check_identities(self, number: int, values: dict[str, int]) -> None:
        for total, parts in IDENTITIES:
            if total not in values or not all(p in values for p in parts):
                continue
            added = sum(values[p] for p in parts)
            if values[total] != added:
                names = " + ".join(self._name(p) for p in parts)
                self.reject(
                    number,
                    total,
                    values[total],
                    f"{self._name(total)} is {values[total]}, but {names} = {added}",
                    "warning",
                )

    def _check_totals(self, groups: list[_Group], loaded: list[dict[str, int]]) -> None:
        for group in groups:
            end = len(loaded) if group.last_data is None else group.last_data
            covered = loaded[group.first_data : end]
            for name, raw in group.cells.items():
                try:
                    said = parse_count(raw)
                except ValueError as exc:
                    self.reject(group.row_number, name, raw, f"total row: {exc}", "warning")
                    continue
                added = sum(v.get(name, 0) for v in covered)
                if said != added:
                    self.reject(
                        group.row_number,
                        name,
                        raw,
                        f"'{group.label}' says {said} for {self._name(name)}, "
                        f"the sector rows it covers add up to {added}",
                        "warning",
                    )

    def _name(self, name: str) -> str:
        return f"'{self.profile.primary_header(name)}'"


def land_report_sheets(
    profile: Profile, sheets: list[Sheet], file: str
) -> tuple[list[pa.Table], list[dict[str, Any]], list[SheetResult]]:
    """Landed tables, rejects and per-sheet accounting of one report workbook."""
    vocab = vocabulary()
    schema = landing_schema(profile)
    tables, rejects, results = [], [], []
    for sheet in sheets:
        header = find_header(vocab, sheet.rows)
        if header is None:
            results.append(
                SheetResult(
                    sheet.name,
                    sheet.index,
                    "skipped",
                    rows_read=len(sheet.rows),
                    rows_skipped=len(sheet.rows),
                    message="no recognisable Biểu 06 header (needs 'Lĩnh vực' and the "
                    "columns of 'Số hồ sơ nhận giải quyết')",
                )
            )
            continue
        reader = ReportSheet(vocab, profile, sheet, header, file)
        results.append(reader.run())
        tables.append(pa.Table.from_pylist(reader.records, schema=schema))
        rejects.extend(reader.rejects)
    return tables, rejects, results
