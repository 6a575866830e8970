"""The national run's summary: each province's run, the national warehouse, the exit status.

Kept apart from the flow (flows/national/flow.py) so that the command line formats and the
tests read it without importing Prefect.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flows.i18n import _, dec
from flows.national.warehouse import RUN_EXPORTS_STALE, RUN_FAILED, RUN_PUBLISHED
from flows.ops.summary import EXIT_FILES_FAILED, EXIT_NOT_PUBLISHED, EXIT_OK
from flows.paths import DataPaths

RUN_LOG_NAME = "national_last_run.json"


@dataclass
class ProvinceOutcome:
    """One province's run of today, and what the national build made of its exports."""

    province: str
    root: str
    run_status: str  # flows.national.warehouse RUN_*
    exit_code: int  # the province run's own exit status (`cchc run`'s), 1 for an unexpected error
    reason: str | None = None  # why it published nothing, or why its exports are stale
    files_failed: int = 0
    seconds: float | None = None  # its whole run: land, build, check, publish
    rebuilt: bool = False  # False: nothing new, its published build was kept
    incremental: bool = False  # only the new exports' cases were recomputed
    exports_status: str | None = None  # set by the national build
    exports_reason: str | None = None
    included: bool = False
    stale: bool = False

    @property
    def clean(self) -> bool:
        return self.exit_code == EXIT_OK and self.included and not self.stale


@dataclass
class NationalReport:
    root: str
    started_at: str
    ended_at: str | None = None
    provinces: list[ProvinceOutcome] = field(default_factory=list)
    provinces_seconds: float | None = None  # from the first province started to the last done
    published: bool = False  # the national warehouse was swapped in
    error: str | None = None  # why it was not
    warnings: list[str] = field(default_factory=list)  # the national audits' warnings
    warehouse: str | None = None
    rollup_seconds: float | None = None

    @property
    def exit_code(self) -> int:
        if not self.published:
            return EXIT_NOT_PUBLISHED
        return EXIT_OK if all(p.clean for p in self.provinces) else EXIT_FILES_FAILED

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> NationalReport:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        provinces = [ProvinceOutcome(**p) for p in data.pop("provinces", [])]
        return cls(provinces=provinces, **data)


def run_log(root: Path) -> Path:
    """Where the national run's summary is kept: beside the national lock, `<root>/processed/`."""
    return DataPaths(Path(root)).processed / RUN_LOG_NAME


def _province_line(outcome: ProvinceOutcome) -> str:
    took = (
        " " + _("({seconds} s)").format(seconds=dec(outcome.seconds))
        if outcome.seconds is not None
        else ""
    )
    if outcome.run_status == RUN_FAILED:
        line = _("{province}: FAILED: {reason}").format(
            province=outcome.province, reason=outcome.reason or ""
        )
    elif outcome.run_status == RUN_EXPORTS_STALE:
        line = _("{province}: published, but its exports were not refreshed: {reason}").format(
            province=outcome.province, reason=outcome.reason or ""
        )
    elif outcome.files_failed:
        line = _("{province}: published; {n} export(s) could not be read").format(
            province=outcome.province, n=outcome.files_failed
        )
    else:
        line = _("{province}: published").format(province=outcome.province)
    line += took
    if outcome.stale:
        line += "\n    " + _("its last published exports are used, marked stale")
    elif not outcome.included and outcome.exports_status is not None:
        line += "\n    " + _("left out of the national tables: {reason}").format(
            reason=outcome.exports_reason or outcome.exports_status
        )
    return line


def format_national(report: NationalReport) -> str:
    """The summary printed at the end of `cchc national`."""
    lines = [
        _("National run over {root}: {n} province(s)").format(
            root=report.root, n=len(report.provinces)
        )
    ]
    lines += ["  " + _province_line(p) for p in report.provinces]
    if report.published:
        included = sum(p.included for p in report.provinces)
        stale = sum(p.stale for p in report.provinces)
        lines.append(
            _("National warehouse published: {file} ({n} province(s), {stale} stale)").format(
                file=report.warehouse, n=included, stale=stale
            )
        )
    else:
        lines.append(
            _("National warehouse NOT published: {error}; the previous one is kept").format(
                error=report.error or ""
            )
        )
    lines += ["  " + w for w in report.warnings]
    failed = [p.province for p in report.provinces if p.run_status != RUN_PUBLISHED]
    if failed:
        lines.append(
            _("Provinces that did not publish today: {names}").format(names=", ".join(failed))
        )
    return "\n".join(lines)
