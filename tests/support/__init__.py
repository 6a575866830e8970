"""What the tests share: real export files written by real writers, and a build without Prefect.

`land_and_build(paths)` lands every file `discover` finds and builds the warehouse with the
project's SQL models and audits, with the pipeline's own steps (flows/pipeline.py: `land`,
`build_warehouse`, without publishing), and returns the landing results, the build result and
a read-only connection to the built warehouse.
"""

from __future__ import annotations

import csv
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter

from flows.ingest.landing import FileResult
from flows.paths import DataPaths
from flows.pipeline import build_warehouse, land
from flows.warehouse.runner import BuildResult

REPO = Path(__file__).resolve().parents[2]

IGATE_HEADER = [
    "STT",
    "Mã hồ sơ",
    "Mã TTHC",
    "Tên TTHC",
    "Lĩnh vực",
    "Đơn vị tiếp nhận",
    "Hình thức nộp",
    "Ngày tiếp nhận",
    "Ngày hẹn trả",
    "Ngày có kết quả",
    "Ngày trả kết quả",
    "Trạng thái",
    "Chủ hồ sơ",
    "Số điện thoại",
]


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write rows as they are: str, int, float, datetime cells, None for empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, date_format)
                elif isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write(r, c, value)
    workbook.close()
    return path


def cp1258_form(text: str) -> str:
    """Text as Windows-1258 stores it: letters precomposed where it can, tones combining."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            char.encode("cp1258")
            out.append(char)
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        # Keep the letter's own mark (circumflex, breve, horn) precomposed, the tone apart.
        own = [m for m in marks if m in "\u0302\u0306\u031b"]
        tones = [m for m in marks if m not in own]
        out.append(unicodedata.normalize("NFC", base + "".join(own)) + "".join(tones))
    return "".join(out)


def write_csv(
    path: Path, rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        for row in rows:
            cells = ["" if v is None else v for v in row]
            if encoding == "cp1258":
                cells = [cp1258_form(v) if isinstance(v, str) else v for v in cells]
            writer.writerow(cells)
    return path


UNIT_HEADER = [
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
PROCEDURE_HEADER = ["Mã TTHC", "Tên TTHC", "Lĩnh vực", "Thời hạn giải quyết"]


def write_units(paths: DataPaths, units: list[tuple[str, str, str, str, str]]) -> Path:
    """reference/units.xlsx from (code, name, level, kind, aliases)."""
    rows: list[list[Any]] = [UNIT_HEADER]
    for code, name, level, kind, aliases in units:
        rows.append([code, name, level, None, kind, aliases or None, "01/01/2015"])
    return write_xlsx(paths.raw / "reference" / "units.xlsx", {"Danh mục": rows})


def write_procedures(paths: DataPaths, procedures: list[tuple[str, str, str, int]]) -> Path:
    """reference/procedures.xlsx from (code, name, sector, time limit in working days)."""
    rows: list[list[Any]] = [PROCEDURE_HEADER, *[list(p) for p in procedures]]
    return write_xlsx(paths.raw / "reference" / "procedures.xlsx", {"Danh mục": rows})


def land_and_build(
    paths: DataPaths,
) -> tuple[list[FileResult], BuildResult, duckdb.DuckDBPyConnection]:
    results = land(paths)
    build = build_warehouse(paths, results).result
    failed = [a for a in build.audits if a.severity == "error" and not a.passed]
    assert not failed, failed
    return results, build, duckdb.connect(str(paths.warehouse), read_only=True)


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def d(text: str) -> date:
    """`dd/mm/yyyy` → date, for readable expectations."""
    day, month, year = (int(x) for x in text.split("/"))
    return date(year, month, day)
