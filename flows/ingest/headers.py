"""Finding the header of a sheet by its content (docs/spec.md §2)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flows.ingest.profile import Profile
from flows.ingest.text import header_key

# A header is looked for in the first rows only: title blocks are a few rows high.
HEADER_SCAN_ROWS = 60

_COLUMN_NUMBER_RE = re.compile(r"^\(?(\d{1,3})\)?$")


@dataclass(frozen=True)
class HeaderMatch:
    first_row: int  # 0-based index of the header's first row in Sheet.rows
    height: int  # 1 or 2 rows
    columns: dict[int, str]  # column index → field name
    duplicates: dict[str, list[int]] = field(default_factory=dict)  # field → ignored columns

    @property
    def last_row(self) -> int:
        return self.first_row + self.height - 1

    def fields(self) -> set[str]:
        return set(self.columns.values())


def _cell_key(row: list[str | None], col: int) -> str:
    return header_key(row[col]) if col < len(row) and row[col] is not None else ""


def _map_columns(profile: Profile, keys: list[str]) -> tuple[dict[int, str], dict[str, list[int]]]:
    """Columns → fields; a field named twice keeps its first column."""
    columns: dict[int, str] = {}
    seen: dict[str, int] = {}
    duplicates: dict[str, list[int]] = {}
    for col, key in enumerate(keys):
        name = profile.header_index.get(key) if key else None
        if name is None:
            continue
        if name in seen:
            duplicates.setdefault(name, []).append(col)
            continue
        seen[name] = col
        columns[col] = name
    return columns, duplicates


def match_row(profile: Profile, row: list[str | None]) -> dict[int, str]:
    """The fields a single row names, by column."""
    return _map_columns(profile, [_cell_key(row, c) for c in range(len(row))])[0]


def _two_row_keys(top: list[str | None], bottom: list[str | None]) -> list[str]:
    # Read column by column: a sub-header names the field; where the lower cell is empty the
    # upper cell was merged down over both rows and names it.
    keys = []
    for col in range(max(len(top), len(bottom))):
        lower = _cell_key(bottom, col)
        keys.append(lower if lower else _cell_key(top, col))
    return keys


def find_header(profile: Profile, rows: list[list[str | None]]) -> HeaderMatch | None:
    """The first row (or pair of rows) naming every required field of the profile."""
    required = set(profile.required)
    limit = min(len(rows), HEADER_SCAN_ROWS)
    for index in range(limit):
        row = rows[index]
        single, single_dups = _map_columns(profile, [_cell_key(row, c) for c in range(len(row))])
        if index + 1 < len(rows):
            below = rows[index + 1]
            pair, pair_dups = _map_columns(profile, _two_row_keys(row, below))
            # A pair is a header only when both rows name fields the other does not: a title
            # row above a one-row header, or a data row below it, adds nothing.
            if (
                required <= set(pair.values())
                and len(pair) > len(single)
                and len(pair) > len(match_row(profile, below))
            ):
                return HeaderMatch(index, 2, pair, pair_dups)
        if required <= set(single.values()):
            return HeaderMatch(index, 1, single, single_dups)
    return None


def is_column_number_row(row: list[str | None]) -> bool:
    """`(1) (2) (3)…` or `1 2 3…`: the numbered column row printed under official headers."""
    numbers = []
    for cell in row:
        if cell is None or not cell.strip():
            continue
        match = _COLUMN_NUMBER_RE.match(cell.strip())
        if not match:
            return False
        numbers.append(int(match.group(1)))
    return len(numbers) >= 2 and all(b == a + 1 for a, b in zip(numbers, numbers[1:], strict=False))
