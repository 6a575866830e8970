"""The province crosswalk: `<root>/reference/provinces*` (or `tinh*`), read as written.

One row per province: `Mã tỉnh` (the province key, as its folder under the root is named),
`Tên tỉnh` (its name), `Tỉnh kế thừa` (the province that carries it on), `Tên tỉnh kế thừa`,
`Từ ngày` (the first day the successor carries it on) and `Ghi chú`. The file is read with the
exports' own reader (any of .csv, .xlsx, .xls, .ods, by content), its header found by content
among the first rows; every value is kept as text and the date parsed here, so that the build
can reject a bad row with its reason (stg_provinces__crosswalk, docs/spec.md §8) instead of
failing on it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

from flows.ingest.dates import parse_datetime
from flows.ingest.readers import ReadError, read_sheets
from flows.ingest.text import clean, header_key, strip_accents

REFERENCE_DIRNAME = "reference"
# Compared with the start of the file name, lower case without accents (like the reference
# lists of a province, docs/spec.md §3.4).
FILE_PREFIXES = ("provinces", "tinh")
HEADER_SEARCH_ROWS = 30

# field -> accepted headers (compared by header_key); the first is the one the docs name.
HEADERS: dict[str, tuple[str, ...]] = {
    "province_key": ("Mã tỉnh", "Tỉnh", "Mã tỉnh cũ", "Tỉnh cũ"),
    "province_name": ("Tên tỉnh", "Tên tỉnh cũ"),
    "successor_key": ("Tỉnh kế thừa", "Mã tỉnh kế thừa", "Mã tỉnh mới", "Tỉnh mới"),
    "successor_name": ("Tên tỉnh kế thừa", "Tên tỉnh mới"),
    "from_text": ("Từ ngày", "Hiệu lực từ", "Ngày hiệu lực"),
    "note": ("Ghi chú",),
}
_BY_KEY = {header_key(h): name for name, headers in HEADERS.items() for h in headers}


@dataclass(frozen=True)
class CrosswalkRow:
    """One row as read; `read_error` says why a whole file or sheet, or a date, is unusable."""

    row_id: int
    file: str  # relative to the root, `/` separators
    sheet: str | None
    row_number: int | None  # as Excel numbers it; None for a file or sheet that failed
    province_key: str | None = None
    province_name: str | None = None
    successor_key: str | None = None
    successor_name: str | None = None
    from_text: str | None = None
    from_date: str | None = None  # ISO date, None when absent or unreadable
    note: str | None = None
    read_error: str | None = None


COLUMNS = tuple(f.name for f in fields(CrosswalkRow))


def crosswalk_files(root: Path) -> list[Path]:
    """The crosswalk files under `<root>/reference/`, in path order."""
    folder = Path(root) / REFERENCE_DIRNAME
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.rglob("*")):
        name = strip_accents(path.name.lower())
        if path.is_file() and not name.startswith(("~$", ".")) and name.startswith(FILE_PREFIXES):
            found.append(path)
    return found


def _header(rows: list[list[str | None]]) -> tuple[int, dict[str, int]] | None:
    """The first row naming the province key, and the column of each field it names."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for column, cell in enumerate(row):
            field = _BY_KEY.get(header_key(cell))
            if field is not None and field not in columns:
                columns[field] = column
        if "province_key" in columns:
            return index, columns
    return None


def _date(text: str | None) -> tuple[str | None, str | None]:
    """(ISO date, None) or (None, why the text is not a date)."""
    if text is None:
        return None, None
    try:
        parsed = parse_datetime(text)
    except (ValueError, TypeError) as exc:
        return None, f"'Từ ngày' {exc}"
    return (parsed.date().isoformat() if parsed else None), None


def read_crosswalk(root: Path) -> list[CrosswalkRow]:
    """Every data row of every crosswalk file, and a row for each file or sheet unread."""
    root = Path(root)
    out: list[CrosswalkRow] = []

    def add(**values: object) -> None:
        out.append(CrosswalkRow(row_id=len(out) + 1, **values))  # type: ignore[arg-type]

    for path in crosswalk_files(root):
        file = path.relative_to(root).as_posix()
        try:
            sheets = read_sheets(path)
        except ReadError as exc:
            add(file=file, sheet=None, row_number=None, read_error=f"{file}: {exc}")
            continue
        for sheet in sheets:
            rows = list(sheet.rows)
            found = _header(rows)
            if found is None:
                wanted = ", ".join(f"'{h}'" for h in HEADERS["province_key"][:2])
                add(
                    file=file,
                    sheet=sheet.name,
                    row_number=None,
                    read_error=f"{file}: no header naming the province ({wanted})",
                )
                continue
            start, columns = found
            for offset, row in enumerate(rows[start + 1 :], start=start + 2):
                values = {
                    field: clean(row[column]) if column < len(row) else None
                    for field, column in columns.items()
                }
                if not any(values.values()):
                    continue  # a blank line between rows, or after them
                from_date, error = _date(values.get("from_text"))
                add(
                    file=file,
                    sheet=sheet.name,
                    row_number=offset,
                    from_date=from_date,
                    read_error=error,
                    **values,
                )
    return out


def as_records(rows: list[CrosswalkRow]) -> list[dict[str, object]]:
    return [asdict(row) for row in rows]
