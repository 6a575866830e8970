"""Landing real files and building the warehouse from them, without Prefect.

`land_and_build(paths)` lands every file `discover` finds (as the nightly flow does, one
`land_file` each), builds the warehouse with the project's SQL models and audits, and returns
the landing results, the build result and a read-only connection to the built warehouse.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

import flows.inputs
import flows.warehouse
from flows.landing import FileResult, discover, land_file
from flows.paths import SQL_DIR, DataPaths
from tests.conftest import write_xlsx

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
) -> tuple[list[FileResult], flows.warehouse.BuildResult, duckdb.DuckDBPyConnection]:
    results = [land_file(paths, path) for path in discover(paths)]
    build = flows.warehouse.build(
        paths.warehouse,
        functools.partial(flows.inputs.prepare_inputs, results=results),
        SQL_DIR,
    )
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
