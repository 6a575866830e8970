"""Shared fixtures: real export files written by real writers, and one Prefect server."""

from __future__ import annotations

import csv
import os
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest
import xlsxwriter

from flows.paths import DataPaths

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

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


@pytest.fixture
def data_root(tmp_path: Path) -> DataPaths:
    paths = DataPaths(tmp_path / "data")
    (paths.raw / "igate").mkdir(parents=True)
    return paths


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server for every test that runs the real flow."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
