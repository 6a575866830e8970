"""`cchc status`: the state of a data root at a glance, without starting Prefect."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from flows.ingest.sources import folders
from flows.ops.runlock import current_holder
from flows.paths import DataPaths
from flows.tools.query import format_table

TOP_REASONS = 10
TOP_UNMATCHED = 10


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _when(timestamp: float | str | None) -> str:
    if timestamp is None:
        return "–"
    if isinstance(timestamp, str):
        try:
            moment = datetime.fromisoformat(timestamp)
        except ValueError:
            return timestamp
    else:
        moment = datetime.fromtimestamp(timestamp)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _duration(start: str | None, end: str | None) -> str:
    try:
        seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except (TypeError, ValueError):
        return ""
    minutes, secs = divmod(int(round(seconds)), 60)
    return f" after {minutes} min {secs} s" if minutes else f" after {secs} s"


def last_run_lines(paths: DataPaths) -> list[str]:
    if not paths.run_log.exists():
        return ["Last run: none recorded (processed/last_run.json is missing)"]
    try:
        run: dict[str, Any] = json.loads(paths.run_log.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"Last run: processed/last_run.json cannot be read ({exc})"]
    ended = run.get("ended_at")
    took = _duration(run.get("started_at"), ended)
    if run.get("published"):
        how = "published"
        if run.get("files_failed"):
            how += f", but {run['files_failed']} file(s) could not be read (exit 3)"
        else:
            how += " (exit 0)"
    else:
        how = f"NOT published (exit 4): {run.get('error') or 'unknown error'}"
    lines = [f"Last run: ended {_when(ended)}{took}, {how}"]
    lines.append(
        f"  files: {run.get('files_loaded', 0)} loaded, {run.get('files_skipped', 0)} skipped, "
        f"{run.get('files_failed', 0)} failed; rows: {run.get('rows_loaded', 0)} loaded, "
        f"{run.get('rows_rejected', 0)} rejected, {run.get('rows_superseded', 0)} superseded"
    )
    for failed in run.get("failed_files") or []:
        lines.append(f"  FAILED {failed.get('file')}: {failed.get('error')}")
    return lines


def raw_rows(paths: DataPaths) -> list[tuple[str, int, str, str]]:
    """(source, file count, newest file, its mtime) per source folder under raw/."""
    rows = []
    for source in folders():
        folder = paths.raw / source
        files = (
            [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
            if folder.is_dir()
            else []
        )
        if not files:
            rows.append((source, 0, "–", "–"))
            continue
        stamped = [(p.stat().st_mtime, p) for p in files]
        mtime, newest = max(stamped, key=lambda item: (item[0], str(item[1])))
        rows.append((source, len(files), _relative_or_absolute(paths, newest), _when(mtime)))
    return rows


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()[0]
    return bool(found)


def quality_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    lines: list[str] = []
    if _table_exists(con, "dq_rejects"):
        reasons = con.execute(
            f"""
            SELECT count(*) AS "rows", severity, reason FROM dq_rejects
            GROUP BY severity, reason ORDER BY "rows" DESC, severity, reason
            LIMIT {TOP_REASONS}
            """
        ).fetchall()
        totals = con.execute(
            "SELECT count(*) FILTER (WHERE severity = 'error'), "
            "count(*) FILTER (WHERE severity = 'warning') FROM dq_rejects"
        ).fetchone()
        lines.append(
            f"Rejected rows: {totals[0]} (error), doubtful values: {totals[1]} (warning); "
            f"by reason, top {TOP_REASONS}:"
        )
        if reasons:
            lines += [
                "  " + line
                for line in format_table(
                    ["rows", "severity", "reason"], reasons, [True, False, False], max_width=90
                ).splitlines()
            ]
    if _table_exists(con, "dq_unmatched"):
        unmatched = con.execute(
            f"""
            SELECT kind, name, occurrences FROM dq_unmatched
            ORDER BY occurrences DESC, kind, name LIMIT {TOP_UNMATCHED}
            """
        ).fetchall()
        count = con.execute("SELECT count(*) FROM dq_unmatched").fetchone()[0]
        lines.append(
            f"Unmatched names: {count}"
            + (f", the {len(unmatched)} most frequent:" if unmatched else "")
        )
        if unmatched:
            lines += [
                "  " + line
                for line in format_table(
                    ["kind", "name", "occurrences"], unmatched, [False, False, True], max_width=70
                ).splitlines()
            ]
    return lines


def status_text(paths: DataPaths) -> str:
    lines = [f"Data root: {paths.root}"]
    holder = current_holder(paths)
    lines.append(f"Running now: {holder.describe() if holder else 'no'}")
    lines += last_run_lines(paths)
    lines.append("Raw exports:")
    table = format_table(
        ["source", "files", "newest export (by modification time)", "modified"],
        raw_rows(paths),
        [False, True, False, False],
        max_width=90,
    )
    lines += ["  " + line for line in table.splitlines()]
    warehouse = paths.warehouse
    if not warehouse.exists():
        lines.append(f"Warehouse: none yet at {warehouse}")
        return "\n".join(lines)
    stat = warehouse.stat()
    lines.append(
        f"Warehouse: {warehouse}, {human_size(stat.st_size)}, published {_when(stat.st_mtime)}"
    )
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            lines += quality_lines(con)
    except duckdb.Error as exc:
        lines.append(f"  the warehouse cannot be read: {exc}")
    return "\n".join(lines)


def _relative_or_absolute(paths: DataPaths, path: Path) -> str:
    try:
        return paths.relative(path)
    except ValueError:
        return str(path)
