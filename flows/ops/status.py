"""`cchc status`: the state of a data root at a glance, without starting Prefect."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from flows.i18n import N_, _, dec, language, moment, num, shown
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
            return f"{value:.0f} {unit}" if unit == "B" else f"{dec(value)} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _when(timestamp: float | str | None) -> str:
    if timestamp is None:
        return "–"
    if isinstance(timestamp, str):
        try:
            when = datetime.fromisoformat(timestamp)
        except ValueError:
            return timestamp
    else:
        when = datetime.fromtimestamp(timestamp)
    return moment(when)


def _duration(start: str | None, end: str | None) -> str:
    try:
        seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except (TypeError, ValueError):
        return ""
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes:
        return _(" after {minutes} min {seconds} s").format(minutes=num(minutes), seconds=secs)
    return _(" after {seconds} s").format(seconds=secs)


def last_run_lines(paths: DataPaths) -> list[str]:
    if not paths.run_log.exists():
        return [_("Last run: none recorded (processed/last_run.json is missing)")]
    try:
        run: dict[str, Any] = json.loads(paths.run_log.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [_("Last run: processed/last_run.json cannot be read ({error})").format(error=exc)]
    ended = run.get("ended_at")
    took = _duration(run.get("started_at"), ended)
    if run.get("published"):
        if run.get("files_failed"):
            how = _("published, but {n} file(s) could not be read (exit 3)").format(
                n=num(run["files_failed"])
            )
        else:
            how = _("published (exit 0)")
    else:
        how = _("NOT published (exit 4): {error}").format(
            error=run.get("error") or _("unknown error")
        )
    ended_text = _when(ended)
    lines = [_("Last run: ended {when}{took}, {how}").format(when=ended_text, took=took, how=how)]
    lines.append(
        _(
            "  files: {loaded} loaded, {skipped} skipped, {failed} failed; "
            "rows: {rows_loaded} loaded, {rows_rejected} rejected, {rows_superseded} superseded"
        ).format(
            loaded=num(run.get("files_loaded", 0)),
            skipped=num(run.get("files_skipped", 0)),
            failed=num(run.get("files_failed", 0)),
            rows_loaded=num(run.get("rows_loaded", 0)),
            rows_rejected=num(run.get("rows_rejected", 0)),
            rows_superseded=num(run.get("rows_superseded", 0)),
        )
    )
    from flows.ops.summary import failed_line

    for failed in run.get("failed_files") or []:
        lines.append(f"  {failed_line(failed)}")
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
        newest_text = _relative_or_absolute(paths, newest)
        rows.append((source, _count(len(files)), newest_text, _when(mtime)))
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
            _(
                "Rejected rows: {errors} (error), doubtful values: {warnings} (warning); "
                "by reason, top {top}:"
            ).format(errors=num(totals[0]), warnings=num(totals[1]), top=TOP_REASONS)
        )
        if reasons:
            shown = [(_count(n), _value(severity), reason) for n, severity, reason in reasons]
            lines += [
                "  " + line
                for line in format_table(
                    [_("rows"), _("severity"), _("reason")],
                    shown,
                    [True, False, False],
                    max_width=90,
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
            _("Unmatched names: {n}").format(n=num(count))
            + (_(", the {n} most frequent:").format(n=len(unmatched)) if unmatched else "")
        )
        if unmatched:
            shown = [(_value(kind), name, _count(n)) for kind, name, n in unmatched]
            lines += [
                "  " + line
                for line in format_table(
                    [_("kind"), _("name"), _("occurrences")],
                    shown,
                    [False, False, True],
                    max_width=70,
                ).splitlines()
            ]
    return lines


def status_text(paths: DataPaths) -> str:
    lines = [_("Data root: {folder}").format(folder=paths.root)]
    holder = current_holder(paths)
    lines.append(_("Running now: {who}").format(who=holder.describe() if holder else _("no")))
    lines += last_run_lines(paths)
    lines.append(_("Raw exports:"))
    table = format_table(
        [_("source"), _("files"), _("newest export (by modification time)"), _("modified")],
        raw_rows(paths),
        [False, True, False, False],
        max_width=90,
    )
    lines += ["  " + line for line in table.splitlines()]
    warehouse = paths.warehouse
    if not warehouse.exists():
        lines.append(_("Warehouse: none yet at {file}").format(file=warehouse))
        return "\n".join(lines)
    stat = warehouse.stat()
    lines.append(
        _("Warehouse: {file}, {size}, published {when}").format(
            file=warehouse, size=human_size(stat.st_size), when=_when(stat.st_mtime)
        )
    )
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            lines += quality_lines(con)
    except duckdb.Error as exc:
        lines.append("  " + _("the warehouse cannot be read: {error}").format(error=exc))
    return "\n".join(lines)


def _count(value: int) -> int | str:
    """A count in a table: the number itself in English, `1.677` in Vietnamese."""
    return num(value) if language() == "vi" else value


# The warehouse's own words shown in a table (dq_rejects.severity, dq_unmatched.kind): marked
# here for the catalogue, translated for display only.
_VALUES = {N_("error"), N_("warning"), N_("unit"), N_("sector"), N_("case")}


def _value(word: str) -> str:
    return shown(word) if word in _VALUES else word


def _relative_or_absolute(paths: DataPaths, path: Path) -> str:
    try:
        return paths.relative(path)
    except ValueError:
        return str(path)
