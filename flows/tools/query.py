"""Ad-hoc queries on the published warehouse: read-only, printed aligned or written to a file.

Terminal alignment counts display columns, not code points: Vietnamese text typed or exported
in decomposed form (NFD) carries combining tone marks that take no column, and East Asian wide
characters take two. Text is NFC-normalised before it is measured, as the warehouse stores it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO
from uuid import UUID

import duckdb

from flows.i18n import _
from flows.paths import SQL_DIR
from flows.warehouse.schema import load_schema

FORMATS = ("table", "csv", "json", "xlsx")
MAX_CELL_WIDTH = 48
NULL_TEXT = "NULL"

# Tables analysts query; anything else (int_*, meta_build) is the build's own business.
OUTPUT_PREFIXES = ("fct_", "rpt_", "ind_", "dq_", "dim_")

# For a table the schema file does not document (a warehouse built by other code): its kind.
_BY_PREFIX = {
    "fct_": "a fact table: one row per event (see docs/spec.md §5)",
    "rpt_": "a report table laid out like an official form (see docs/spec.md §5)",
    "ind_": "an indicator table per period (see docs/spec.md §5)",
    "dim_": "a dimension or reference table",
    "dq_": "a data-quality table",
}


class NoWarehouse(Exception):
    """There is no published warehouse yet."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]


# --------------------------------------------------------------------------------------------
# Display width
# --------------------------------------------------------------------------------------------


def char_width(char: str) -> int:
    """Terminal columns one code point takes: 0 for combining and format marks, 2 for wide."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 1


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal, after NFC."""
    return sum(char_width(c) for c in unicodedata.normalize("NFC", text))


def truncate(text: str, width: int) -> str:
    """`text` cut to at most `width` columns, an ellipsis marking the cut."""
    text = unicodedata.normalize("NFC", text)
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = char_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def pad(text: str, width: int, right: bool = False) -> str:
    """`text` padded with spaces to `width` display columns, to the left when `right`."""
    fill = " " * max(width - display_width(text), 0)
    return fill + text if right else text + fill


# --------------------------------------------------------------------------------------------
# Rendering values
# --------------------------------------------------------------------------------------------

_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT")
_NUMERIC += ("UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL")


def is_numeric_type(type_name: str) -> bool:
    return type_name.upper().startswith(_NUMERIC)


def cell_text(value: Any) -> str:
    """A value as the terminal table shows it."""
    if value is None:
        return NULL_TEXT
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        # Rates are fractions in [0, 1]: four decimals tell 12.34 % apart; trailing zeros go.
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return text if text not in ("-0", "") else "0"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, str):
        # Line breaks would break the grid; show them as the escape an analyst recognises.
        return unicodedata.normalize("NFC", value).replace("\r", "").replace("\n", "\\n")
    return str(value)


def format_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    numeric: Sequence[bool] | None = None,
    max_width: int = MAX_CELL_WIDTH,
) -> str:
    """An aligned text grid: a header, a rule, then one line per row; numbers to the right."""
    if numeric is None:
        numeric = [
            bool(rows)
            and all(isinstance(r[i], int | float | Decimal) or r[i] is None for r in rows)
            for i in range(len(columns))
        ]
    header = [truncate(unicodedata.normalize("NFC", str(c)), max_width) for c in columns]
    body = [[truncate(cell_text(v), max_width) for v in row] for row in rows]
    widths = [display_width(h) for h in header]
    for row in body:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], display_width(cell))
    lines = [
        "  ".join(pad(h, widths[i], numeric[i]) for i, h in enumerate(header)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    for row in body:
        lines.append("  ".join(pad(c, widths[i], numeric[i]) for i, c in enumerate(row)).rstrip())
    return "\n".join(lines)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value) if value % 1 else int(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, UUID | bytes):
        return str(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def to_json(result: QueryResult) -> str:
    records = [
        {c: _json_value(v) for c, v in zip(result.columns, row, strict=True)} for row in result.rows
    ]
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_csv(result: QueryResult, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([_csv_value(v) for v in row])


def write_xlsx(result: QueryResult, path: Path) -> None:
    """One sheet, a bold frozen header, real dates and numbers, columns sized to the text."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"remove_timezone": True})
    try:
        sheet = workbook.add_worksheet("query")
        bold = workbook.add_format({"bold": True})
        day = workbook.add_format({"num_format": "dd/mm/yyyy"})
        stamp = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
        widths = [display_width(c) for c in result.columns]
        for c, name in enumerate(result.columns):
            sheet.write_string(0, c, name, bold)
        for r, row in enumerate(result.rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, stamp)
                elif isinstance(value, date):
                    sheet.write_datetime(r, c, datetime.combine(value, time()), day)
                elif isinstance(value, int | float | Decimal):
                    number = float(value)
                    if math.isnan(number) or math.isinf(number):
                        continue
                    sheet.write_number(r, c, number)
                else:
                    # write_string: a code like 001234 must stay text, not become a number.
                    sheet.write_string(r, c, cell_text(value))
                widths[c] = max(widths[c], min(display_width(cell_text(value)), 60))
        for c, width in enumerate(widths):
            sheet.set_column(c, c, width + 2)
        sheet.freeze_panes(1, 0)
    finally:
        workbook.close()


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection: it never blocks a build, and a build never blocks it."""
    if not warehouse.exists():
        raise NoWarehouse(_("no warehouse at {file}: run `cchc run` first").format(file=warehouse))
    return duckdb.connect(str(warehouse), read_only=True)


def is_output_table(table: str) -> bool:
    return table.startswith(OUTPUT_PREFIXES)


def table_docs(sql_dir: Path = SQL_DIR) -> dict[str, tuple[str, str]]:
    """table -> (grain, meaning) from the marts' schema file (sql/marts/schema.toml)."""
    schema = load_schema(sql_dir)
    if schema is None:
        return {}
    return {name: (t.grain, t.meaning) for name, t in schema.tables.items()}


def describe(table: str, docs: dict[str, tuple[str, str]] | None = None) -> tuple[str, str]:
    """(grain, meaning) of a table; for one the schema does not know, its kind by prefix."""
    docs = table_docs() if docs is None else docs
    if table in docs:
        return docs[table]
    for prefix, meaning in _BY_PREFIX.items():
        if table.startswith(prefix):
            return "", meaning
    return "", "a table of the warehouse"


def output_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, str, str]]:
    """(name, rows, one row per, meaning) of every output table, in name order."""
    names = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall()
    docs = table_docs()
    out = []
    for (name,) in names:
        if is_output_table(name):
            rows = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            out.append((name, int(rows), *describe(name, docs)))
    return out


def tables_text(con: duckdb.DuckDBPyConnection) -> str:
    rows = output_tables(con)
    return format_table(
        ["table", "rows", "one row per", "meaning"],
        rows,
        [False, True, False, False],
        max_width=120,
    )


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> QueryResult:
    """Run `sql` (the last statement's rows are the result); duckdb.Error propagates."""
    cur = con.execute(sql)
    if cur.description is None:
        return QueryResult([], [], [])
    columns = [d[0] for d in cur.description]
    types = [str(d[1]) for d in cur.description]
    return QueryResult(columns, types, cur.fetchall())


def render(result: QueryResult, fmt: str, max_rows: int = 0) -> str:
    """The result as text in `fmt` (table, csv, json); `max_rows` > 0 cuts a table."""
    if fmt == "json":
        return to_json(result)
    if fmt == "csv":
        buffer = io.StringIO()
        write_csv(result, buffer)
        return buffer.getvalue()
    rows = result.rows
    shown = rows[:max_rows] if max_rows > 0 else rows
    numeric = [is_numeric_type(t) for t in result.types]
    text = format_table(result.columns, shown, numeric)
    more = len(rows) - len(shown)
    tail = f"({len(rows)} row{'s' if len(rows) != 1 else ''})"
    if more:
        tail = (
            f"({len(rows)} rows, the first {len(shown)} shown: --max-rows 0 shows all, "
            "--output FILE writes all)"
        )
    return text + "\n" + tail + "\n"
