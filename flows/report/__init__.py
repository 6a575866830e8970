"""The inspection report: charts, the official Biểu 06 workbook, a Word draft and an HTML page.

`write_report(paths, period, units)` reads the published warehouse (read-only) and writes,
under `<root>/processed/report/<period>/`:

- `charts/<name>.png` (300 dpi) and `.svg` — one per chart (`flows.report.charts`);
- `bieu06_<period>.xlsx` — Biểu số 06/VPCP/KSTT and the list of late cases;
- `bao_cao_<period>.docx` — the Word draft;
- `bao_cao_<period>.html` — the same content as one self-contained page.

The folder is written aside and swapped in whole, so a reader never sees half a report.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flows.paths import DataPaths
from flows.report import charts as ch
from flows.report.bieu06 import write_bieu06
from flows.report.content import build_document
from flows.report.data import ReportData, load_report_data
from flows.report.webpage import write_html
from flows.report.word import write_docx

__all__ = ["ReportResult", "report_dir", "write_report"]


@dataclass
class ReportResult:
    period: str  # as asked: `2020`, `2020-Q4`, `2020-10`
    period_label: str  # `Năm 2020`, `Quý IV năm 2020`, `Tháng 10 năm 2020`
    directory: Path  # <root>/processed/report/<period>/
    workbook: Path
    docx: Path
    html: Path
    charts: list[Path] = field(default_factory=list)  # PNG and SVG of every chart
    units: list[str] = field(default_factory=list)  # names of the units in the report
    omitted: list[str] = field(default_factory=list)  # parts left out, and why (Vietnamese)

    @property
    def files(self) -> list[Path]:
        return [self.workbook, self.docx, self.html, *self.charts]


def report_dir(paths: DataPaths, period: str) -> Path:
    return paths.processed / "report" / period


def write_report(paths: DataPaths, period: str, units: list[str] | None = None) -> ReportResult:
    """Write the report of `period` for all units, or for `units` (codes or names).

    Raises ValueError for an unknown period or unit (the message lists the available ones) and
    FileNotFoundError when there is no published warehouse.
    """
    data = load_report_data(paths, period, units)
    key = data.period.period
    target = report_dir(paths, key)
    staging = target.with_name(f".{key}.{os.getpid()}.tmp")
    if staging.exists():
        shutil.rmtree(staging)
    (staging / "charts").mkdir(parents=True)
    try:
        result = _write(data, staging)
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return _moved(result, staging, target)


def _write(data: ReportData, directory: Path) -> ReportResult:
    key = data.period.period
    built: dict[str, list[ch.Chart]] = {}
    saved: dict[str, list[Path]] = {}
    chart_files: list[Path] = []
    for name, builder in ch.BUILDERS.items():
        made = builder(data)
        if not made:
            continue
        built[name] = made
        for chart in made:
            files = ch.save(chart, directory / "charts")
            saved[chart.key] = files
            chart_files += files
    content = build_document(data, built, saved)
    created = _created(data)
    workbook = write_bieu06(data, directory / f"bieu06_{key}.xlsx")
    docx = write_docx(content, directory / f"bao_cao_{key}.docx", created)
    html = write_html(content, directory / f"bao_cao_{key}.html")
    return ReportResult(
        period=key,
        period_label=data.period.label,
        directory=directory,
        workbook=workbook,
        docx=docx,
        html=html,
        charts=chart_files,
        units=[u.name for u in data.units],
        omitted=list(data.omitted),
    )


def _created(data: ReportData) -> datetime:
    day = data.as_of or data.period.end
    return datetime(day.year, day.month, day.day)


def _swap(staging: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.{os.getpid()}.old")
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    if old.exists():
        shutil.rmtree(old)


def _moved(result: ReportResult, staging: Path, target: Path) -> ReportResult:
    def move(path: Path) -> Path:
        return target / path.relative_to(staging)

    result.directory = target
    result.workbook = move(result.workbook)
    result.docx = move(result.docx)
    result.html = move(result.html)
    result.charts = [move(p) for p in result.charts]
    return result
