"""What each nightly run leaves in Prefect's UI: a markdown summary and a table per source.

The text is built by plain functions (tested without Prefect); `record_run` hands it to
Prefect inside the flow run, so the artifacts hang off that run in the UI.
"""

from __future__ import annotations

from typing import Any

import duckdb

from flows.ops.summary import RunReport, failure_reason

SUMMARY_KEY = "cchc-run-summary"
FILES_KEY = "cchc-files-by-source"
TOP_REASONS = 5


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def _cell(text: Any) -> str:
    # A `|` inside a cell would split a markdown table row.
    return str(text).replace("|", "\\|").replace("\n", " ")


def top_reasons(con: duckdb.DuckDBPyConnection, limit: int = TOP_REASONS) -> list[dict[str, Any]]:
    rows = con.execute(
        f"""
        SELECT severity, reason, count(*) AS n FROM dq_rejects
        GROUP BY severity, reason ORDER BY n DESC, severity, reason LIMIT {int(limit)}
        """
    ).fetchall()
    return [{"severity": s, "reason": r, "rows": int(n)} for s, r, n in rows]


def files_by_source(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Files and rows per source, from the published `dq_files` (one row per file × sheet)."""
    rows = con.execute(
        """
        SELECT source,
               count(DISTINCT file) FILTER (WHERE status = 'loaded') AS files_loaded,
               count(DISTINCT file) FILTER (WHERE status = 'skipped') AS files_skipped,
               count(DISTINCT file) FILTER (WHERE status = 'failed') AS files_failed,
               coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0),
               coalesce(sum(rows_rejected), 0), coalesce(sum(rows_skipped), 0),
               coalesce(sum(rows_superseded), 0)
        FROM dq_files GROUP BY source ORDER BY source NULLS LAST
        """
    ).fetchall()
    names = [
        "source", "files_loaded", "files_skipped", "files_failed", "rows_read", "rows_loaded",
        "rows_rejected", "rows_skipped", "rows_superseded",
    ]  # fmt: skip
    return [
        {n: (v if n == "source" else int(v)) for n, v in zip(names, row, strict=True)}
        for row in rows
    ]


def summary_markdown(report: RunReport, reasons: list[dict[str, Any]] | None = None) -> str:
    """The run as an analyst would want to read it the next morning."""
    verdict = "published" if report.published else "**NOT published** (yesterday's stays)"
    lines = [
        "# cchc nightly run",
        "",
        f"- data root: `{report.data_root}`",
        f"- started {report.started_at}, ended {report.ended_at or '–'}: {verdict}",
        "",
        "## Files",
        "| loaded | skipped | failed | read this run | reused from an earlier run |",
        "|---:|---:|---:|---:|---:|",
        f"| {report.files_loaded} | {report.files_skipped} | {report.files_failed} "
        f"| {report.files_parsed} | {report.files_reused} |",
        "",
        "## Rows",
        "| read | loaded | rejected | skipped | superseded |",
        "|---:|---:|---:|---:|---:|",
        f"| {report.rows_read} | {report.rows_loaded} | {report.rows_rejected} "
        f"| {report.rows_skipped} | {report.rows_superseded} |",
    ]
    if report.error:
        lines += ["", "## Error", "```", report.error.strip(), "```"]
    if report.failed_files:
        lines += ["", "## Files that could not be read"]
        lines += [
            f"- `{f['file']}`: {_cell(failure_reason(f['file'], f['error']))}"
            + (f" ({_cell(f['known'])})" if f.get("known") else "")
            for f in report.failed_files
        ]
    if reasons:
        lines += ["", "## Rejects and warnings by reason", "| rows | severity | reason |"]
        lines.append("|---:|---|---|")
        lines += [f"| {r['rows']} | {r['severity']} | {_cell(r['reason'])} |" for r in reasons]
    head = report.headline
    if head:
        lines += [
            "",
            f"## Headline indicators, {head['year']}",
            "| indicator | value |",
            "|---|---:|",
            f"| late rate (resolved late / resolved) | {_pct(head['late_rate'])} "
            f"({head['resolved_late']} / {head['resolved_total']}) |",
            f"| worst sector: {_cell(head['worst_sector'])} "
            f"| {_pct(head['worst_sector_late_rate'])} "
            f"({head['worst_sector_late']} / {head['worst_sector_resolved']}) |",
            f"| online share of received | {_pct(head['online_rate'])} |",
            f"| postal share of received | {_pct(head['postal_rate'])} |",
            f"| cases received | {head['received_total']} |",
        ]
    if report.warnings:
        lines += ["", "## Warnings"] + [f"- {_cell(w)}" for w in report.warnings]
    return "\n".join(lines) + "\n"


def record_run(report: RunReport, con: duckdb.DuckDBPyConnection | None) -> None:
    """Create the run's artifacts; call inside the flow run. `con`: the published warehouse."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    reasons = top_reasons(con) if con is not None else None
    create_markdown_artifact(
        markdown=summary_markdown(report, reasons),
        key=SUMMARY_KEY,
        description="Files, rows, rejects and headline indicators of the run",
    )
    if con is not None:
        create_table_artifact(
            table=files_by_source(con),
            key=FILES_KEY,
            description="Files and rows per source (dq_files)",
        )
