"""The run summary: what was read, what was published, and the headline figures."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from flows.i18n import N_, _, num, pct, shown
from flows.ingest.landing import FileResult

EXIT_OK = 0
EXIT_FILES_FAILED = 3  # published, but at least one file could not be read
EXIT_NOT_PUBLISHED = 4  # nothing published: yesterday's warehouse is still the published one
EXIT_BUSY = 5  # another run held the data root past --wait: nothing was done


@dataclass
class RunReport:
    data_root: str
    started_at: str
    ended_at: str | None = None
    published: bool = False
    error: str | None = None
    export_error: str | None = None  # the warehouse was published, its exports were not
    # False when nothing changed since the published build: it and its exports were kept.
    rebuilt: bool = True
    # True when only new iGate exports' cases were recomputed on a copy of the published build.
    incremental: bool = False
    files_loaded: int = 0
    files_skipped: int = 0
    files_failed: int = 0
    files_parsed: int = 0  # read this run
    files_reused: int = 0  # not read: unchanged since an earlier run landed (or failed) them
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    rows_superseded: int = 0
    # {"file", "error", "known"}: known says why a failure was not read again (else None)
    failed_files: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    headline: dict[str, Any] = field(default_factory=dict)
    # When each step of the run ended, in seconds since the epoch (`landing` started: the first
    # file is read then): `cchc bench` tells the fixed cost of a run from these.
    timings: dict[str, float] = field(default_factory=dict)

    def mark(self, step: str) -> None:
        self.timings[step] = time.time()

    @property
    def exit_code(self) -> int:
        if not self.published:
            return EXIT_NOT_PUBLISHED
        return EXIT_FILES_FAILED if self.files_failed or self.export_error else EXIT_OK

    def count_files(self, results: list[FileResult]) -> None:
        for result in results:
            if result.status == "loaded":
                self.files_loaded += 1
            elif result.status == "failed":
                self.files_failed += 1
                self.failed_files.append(
                    {"file": result.file, "error": result.message or "", "known": known(result)}
                )
            else:
                self.files_skipped += 1
            self.files_parsed += int(result.parsed)
            self.files_reused += int(result.reused)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(path)


KNOWN_FAILURE = N_("known from an earlier run; unchanged")


def known(result: FileResult) -> str | None:
    """Why a failed file was not read: its failure is known (None: it was read, or could not be).

    A copy of bytes that failed under another name (in this run or an earlier one) says so.
    """
    if result.status != "failed" or not result.reused:
        return None
    if result.failed_as in (None, result.file):
        return shown(KNOWN_FAILURE)
    return _("the same bytes as {file}, which failed; not read again").format(file=result.failed_as)


def failure_reason(file: str, error: str) -> str:
    """A failure's message without the file name it starts with, for a line that names it."""
    return error.removeprefix(f"{file}: ")


def failed_line(failed: dict[str, Any]) -> str:
    """`FAILED raw/igate/x.xlsx: <reason>`, then whether the failure was known already."""
    reason = failure_reason(str(failed.get("file")), str(failed.get("error") or ""))
    note = failed.get("known")
    # Older summaries (last_run.json) have no note.
    line = _("FAILED {file}: {reason}").format(file=failed.get("file"), reason=reason)
    return line + (f" ({note})" if note else "")


def describe_result(result: FileResult) -> str:
    """One file's outcome for the run's log: read, reused from an earlier run, or not read."""
    reason = failure_reason(result.file, result.message or "")
    if result.status == "failed":
        note = known(result)
        return f"{result.file}: failed" + (f" ({note})" if note else "") + f": {reason}"
    if result.reused:
        return f"{result.file}: {result.status} (already landed)"
    if not result.parsed:
        return f"{result.file}: {result.status}, not read: {reason}"
    return f"{result.file}: {result.status}" + (f": {reason}" if reason else "")


def read_accounting(con: duckdb.DuckDBPyConnection, report: RunReport) -> None:
    """Row totals of the run, from the published `dq_files`."""
    row = con.execute(
        "SELECT coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
        "coalesce(sum(rows_rejected), 0), coalesce(sum(rows_skipped), 0), "
        "coalesce(sum(rows_superseded), 0) FROM dq_files"
    ).fetchone()
    (
        report.rows_read,
        report.rows_loaded,
        report.rows_rejected,
        report.rows_skipped,
        report.rows_superseded,
    ) = (int(v) for v in row)


def latest_year(con: duckdb.DuckDBPyConnection) -> str | None:
    """The latest year period of the published Biểu 06, e.g. `2020`."""
    return con.execute("SELECT max(period) FROM rpt_bieu06 WHERE period_type = 'year'").fetchone()[
        0
    ]


def read_headline(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Late rate overall and of the worst sector, and the online share, for the latest year."""
    year = latest_year(con)
    if year is None:
        return {}
    late = con.execute(
        """
        SELECT sum(resolved_late), sum(resolved_total),
               sum(resolved_late) / nullif(sum(resolved_total), 0)
        FROM ind_late WHERE period_type = 'year' AND period = ?
        """,
        [year],
    ).fetchone()
    worst = con.execute(
        """
        SELECT sector, sum(resolved_late) AS late, sum(resolved_total) AS total,
               sum(resolved_late) / nullif(sum(resolved_total), 0) AS rate
        FROM ind_late WHERE period_type = 'year' AND period = ?
        GROUP BY sector HAVING sum(resolved_total) > 0
        ORDER BY rate DESC, total DESC, sector LIMIT 1
        """,
        [year],
    ).fetchone()
    channels = con.execute(
        """
        SELECT sum(received_online), sum(received_postal), sum(received_total)
        FROM ind_channels WHERE period_type = 'year' AND period = ?
        """,
        [year],
    ).fetchone()
    total = channels[2] or 0
    return {
        "year": year,
        "resolved_total": int(late[1] or 0),
        "resolved_late": int(late[0] or 0),
        "late_rate": late[2],
        "worst_sector": worst[0] if worst else None,
        "worst_sector_late": int(worst[1]) if worst else 0,
        "worst_sector_resolved": int(worst[2]) if worst else 0,
        "worst_sector_late_rate": worst[3] if worst else None,
        "received_total": int(total),
        "online_rate": (channels[0] or 0) / total if total else None,
        "postal_rate": (channels[1] or 0) / total if total else None,
    }


def _pct(value: float | None) -> str:
    return pct(value)


def format_report(report: RunReport) -> str:
    """The few lines printed at the end of a run."""
    files = report.files_loaded + report.files_skipped + report.files_failed
    not_read = files - report.files_parsed - report.files_reused
    lines = [
        _("Data root: {folder}").format(folder=report.data_root),
        _(
            "Files: {loaded} loaded, {skipped} skipped, {failed} failed; {parsed} read this run, "
            "{reused} reused from an earlier run, {not_read} not read"
        ).format(
            loaded=num(report.files_loaded),
            skipped=num(report.files_skipped),
            failed=num(report.files_failed),
            parsed=num(report.files_parsed),
            reused=num(report.files_reused),
            not_read=num(not_read),
        ),
        _(
            "Rows: {read} read = {loaded} loaded + {rejected} rejected + {skipped} skipped; "
            "{superseded} of the loaded superseded by a newer row of the same case, document "
            "or item"
        ).format(
            read=num(report.rows_read),
            loaded=num(report.rows_loaded),
            rejected=num(report.rows_rejected),
            skipped=num(report.rows_skipped),
            superseded=num(report.rows_superseded),
        ),
    ]
    for failed in report.failed_files:
        lines.append(f"  {failed_line(failed)}")
    for warning in report.warnings:
        lines.append("  " + _("warning: {warning}").format(warning=warning))
    head = report.headline
    if head:
        lines.append(
            _(
                "Year {year}: late rate {late_rate} ({late} of {resolved} resolved); worst sector "
                "{sector} {sector_rate} ({sector_late} of {sector_resolved}); online share "
                "{online}, postal {postal} of {received} received"
            ).format(
                year=head["year"],
                late_rate=_pct(head["late_rate"]),
                late=num(head["resolved_late"]),
                resolved=num(head["resolved_total"]),
                sector=head["worst_sector"],
                sector_rate=_pct(head["worst_sector_late_rate"]),
                sector_late=num(head["worst_sector_late"]),
                sector_resolved=num(head["worst_sector_resolved"]),
                online=_pct(head["online_rate"]),
                postal=_pct(head["postal_rate"]),
                received=num(head["received_total"]),
            )
        )
    if report.published and report.export_error:
        lines.append(
            _("Published processed/warehouse.duckdb; {error}").format(error=report.export_error)
        )
    elif report.published and not report.rebuilt:
        lines.append(
            _(
                "Nothing new since the last build: processed/warehouse.duckdb and "
                "processed/exports/ are current"
            )
        )
    elif report.published and report.incremental:
        lines.append(
            _(
                "Published: processed/warehouse.duckdb (only the new exports' cases recomputed) "
                "and processed/exports/"
            )
        )
    elif report.published:
        lines.append(_("Published: processed/warehouse.duckdb and processed/exports/"))
    else:
        lines.append(
            _("NOT published (the previous warehouse is kept): {error}").format(error=report.error)
        )
    return "\n".join(lines)
