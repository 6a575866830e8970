"""Landing: one raw export → one typed Parquet file, its rejects and its row accounting.

A landed file is keyed by the hash of its bytes, its source profile and the parser version,
so a nightly run parses only what is new or changed (docs/spec.md §2, docs/architecture.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from flows.ingest import limits
from flows.ingest.headers import find_header
from flows.ingest.profile import Profile, ProfileError, get_profile
from flows.ingest.readers import SUFFIXES, ReadError, Sheet, read_sheets
from flows.ingest.sheet_loader import SheetLoader, SheetResult, landing_schema
from flows.ingest.sources import folders, profile_for
from flows.ingest.unit_reports import READER_VERSION as REPORTS_READER_VERSION
from flows.ingest.unit_reports import land_report_sheets
from flows.paths import DataPaths

# Bump when landing's output changes meaning, so every file is parsed again.
PARSER_VERSION = "5"

REJECT_SCHEMA = pa.schema(
    [
        ("sheet", pa.string()),
        ("row_number", pa.int32()),
        ("field", pa.string()),
        ("raw_value", pa.string()),
        ("reason", pa.string()),
        ("severity", pa.string()),
    ]
)


@dataclass
class FileResult:
    file: str  # relative to the data root, `/` separators
    source: str | None  # the folder under raw/: igate, reference, …
    status: str  # loaded, skipped, failed
    key: str | None = None
    data_path: str | None = None
    rejects_path: str | None = None
    sheets: list[SheetResult] = field(default_factory=list)
    message: str | None = None
    parsed: bool = False  # False when an earlier run's landing was reused
    profile: str | None = None  # the profile it was read with: igate, units, procedures, …
    # The reading limit a failed file exceeded ({"memory": bytes} or {"timeout": seconds}):
    # it is read again once that limit is raised (flows/ingest/limits.py).
    hit_limit: dict[str, float] | None = None
    # A known failure reused: the file it failed as (this file, or a copy of the same bytes).
    failed_as: str | None = None

    @property
    def reused(self) -> bool:
        """Its landing, or its known failure, is an earlier run's: the file was not read."""
        return not self.parsed and self.key is not None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileResult:
        sheets = [SheetResult(**s) for s in data.pop("sheets", [])]
        return cls(**data, sheets=sheets)


def source_of(paths: DataPaths, path: Path) -> tuple[str | None, str | None, str | None]:
    """(source folder, profile to read it with, reason it is skipped) of a raw file.

    Which folder and file name is which source is the registry's (flows/ingest/sources.py):
    the files of reference/ are told apart by the start of their name (docs/spec.md §3.4).
    """
    parts = path.relative_to(paths.raw).parts
    if len(parts) < 2 or parts[0] not in folders():
        return None, None, f"not under a source folder ({', '.join(folders())})"
    folder = parts[0]
    name = path.name
    if name.startswith("~$"):
        return folder, None, "Excel lock file (the workbook was open in Excel when copied)"
    if path.suffix.lower() not in SUFFIXES:
        expected = ", ".join(SUFFIXES)
        reason = f"unsupported file type '{path.suffix or name}' (expected {expected})"
        return folder, None, reason
    profile_name, reason = profile_for(folder, name)
    return folder, profile_name, reason


def discover(paths: DataPaths) -> list[Path]:
    """Every file under raw/ (`.gitkeep` placeholders aside), in a stable order."""
    if not paths.raw.exists():
        return []
    files = [p for p in paths.raw.rglob("*") if p.is_file() and p.name != ".gitkeep"]
    return sorted(files, key=lambda p: p.relative_to(paths.raw).as_posix())


def content_hash(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def landing_key(content: str, profile: Profile) -> str:
    # A source with its own reader also lands again when that reader's version changes.
    reader = f":{REPORTS_READER_VERSION}" if profile.spec.reader == "unit_reports" else ""
    material = f"{content}:{profile.digest}:{PARSER_VERSION}{reader}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def _tmp_name(target: Path) -> Path:
    # Unique per thread, not only per process: the nightly flow lands files in threads, and
    # two exports with the same bytes share a key, so two threads may write the same target.
    return target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def _write_atomically(table: pa.Table, target: Path) -> None:
    tmp = _tmp_name(target)
    # Dictionaries for text only: times, numbers and row numbers hardly repeat, and building a
    # dictionary for them cost a fifth of the write for a larger file.
    text = [f.name for f in table.schema if pa.types.is_string(f.type)]
    pq.write_table(table, tmp, compression="zstd", use_dictionary=text)
    os.replace(tmp, target)


@dataclass(frozen=True)
class Pending:
    """A raw file that must be read, with what was found out before reading it."""

    relative: str  # as FileResult.file
    source: str
    profile: str  # the source profile it is read with: igate, units, …
    key: str  # its landing key
    folder: Path  # processed/landing/<profile>/


def land_file(paths: DataPaths, path: Path) -> FileResult:
    """Land one raw file in this process, or reuse its earlier landing.

    Never raises for a bad file (it is `failed` or `skipped`, with the reason); an error
    writing the landing itself (OSError: a full disk) is raised, so that the run stops
    before publishing a warehouse without that file. The run lands each file in a child
    process instead (flows/ingest/isolation.py), where a crash or a limit fails the file.
    """
    planned = plan_landing(paths, path)
    if isinstance(planned, FileResult):
        return planned
    return read_pending(paths, path, planned)


def printable_name(relative: str) -> str:
    """A path as the `dq_` tables can hold it: valid UTF-8, the undecodable bytes escaped.

    A zip made on Windows unpacks on Linux with its Vietnamese file names in the old code page:
    bytes that are not UTF-8, which Python keeps as lone surrogates. Arrow and DuckDB refuse
    those, so one such name would fail every night's build; `Th\\xe1ng 10.xlsx` names the file
    unambiguously instead.
    """
    return relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def plan_landing(paths: DataPaths, path: Path) -> FileResult | Pending:
    """What landing a raw file needs, found without reading it.

    Its result when nothing is to be read (not an export, its profile or the file cannot be
    opened, an earlier landing or known failure reused), else the Pending file to read.
    """
    relative = printable_name(paths.relative(path))
    source, profile_name, skip_reason = source_of(paths, path)
    if profile_name is None:
        sheet = SheetResult(None, 0, "skipped", message=skip_reason)
        return FileResult(relative, source, "skipped", sheets=[sheet], message=skip_reason)
    try:
        # The shipped profile, extended by the data root's own profiles/<source>.toml.
        profile = get_profile(profile_name, paths)
    except ProfileError as exc:
        # A local profile that cannot be used fails the files of its source, named, and the
        # run goes on with the other sources: no file can stop a run.
        return _failed(relative, source, f"{relative}: {exc}")
    try:
        key = landing_key(content_hash(path), profile)
    except OSError as exc:
        return _failed(relative, source, f"{relative}: cannot read the file ({exc.strerror})")
    pending = Pending(relative, source, profile.source, key, paths.landing / profile.source)
    return _reuse(pending) or pending


def _reuse(pending: Pending) -> FileResult | None:
    """The earlier landing of the same key, or its known failure; None to read the file."""
    folder, key = pending.folder, pending.key
    meta_path = folder / f"{key}.json"
    data_path = folder / f"{key}.parquet"
    rejects_path = folder / f"{key}.rejects.parquet"
    if not meta_path.exists():
        return None
    cached = FileResult.from_json(json.loads(meta_path.read_text(encoding="utf-8")))
    if cached.status == "failed":
        # The same bytes read with the same profile and parser fail the same way: a known-bad
        # export is not read (nor crashes a reader) again every night. One that exceeded a
        # reading limit is read again once that limit is raised.
        if limits.raised_since(cached.hit_limit):
            return None
        cached.failed_as = cached.file
        _rename(cached, pending.relative)
        cached.data_path = cached.rejects_path = None
    elif data_path.exists() and rejects_path.exists():
        cached.data_path = str(data_path)
        cached.rejects_path = str(rejects_path)
    else:
        # The accounting marks a complete landing; without its Parquet files (removed by hand,
        # or by a prune interrupted half-way) reusing it would break every later build.
        return None
    cached.file, cached.source, cached.parsed = pending.relative, pending.source, False
    return cached


def _rename(result: FileResult, relative: str) -> None:
    # A known failure's messages name the file that failed first; a copy under another name
    # (the same bytes, so the same key) is named as itself.
    def renamed(text: str | None) -> str | None:
        prefix = f"{result.file}: "
        return f"{relative}: {text[len(prefix) :]}" if text and text.startswith(prefix) else text

    result.message = renamed(result.message)
    for sheet in result.sheets:
        sheet.message = renamed(sheet.message)


def read_pending(paths: DataPaths, path: Path, pending: Pending) -> FileResult:
    """Read a planned file and land it; never raises for a bad file.

    A failure of the file itself (unreadable, a declared size too large, a crash of its
    reader, a reading limit exceeded) is recorded under its landing key, so the next run
    reuses it instead of reading the file again; a failure of the machine (the file or the
    local profile cannot be opened) is not, so the next run tries again.
    """
    relative, source = pending.relative, pending.source
    try:
        profile = get_profile(pending.profile, paths)
    except ProfileError as exc:
        return _failed(relative, source, f"{relative}: {exc}")
    try:
        sheets = read_sheets(path)
    except ReadError as exc:
        memory = _memory_error_behind(exc)
        if memory is not None:
            return _unforeseen(pending, memory)
        if _system_error_behind(exc):
            # The system refused to read it (permissions, an I/O error, a file gone from a
            # network share): nothing is known about its bytes, the next run tries again.
            return _failed(relative, source, f"{relative}: {exc.reason}")
        return record_failure(pending, exc.reason)
    except OSError as exc:
        return _failed(relative, source, f"{relative}: cannot read the file ({exc.strerror})")
    except Exception as exc:
        return _unforeseen(pending, exc)
    return _land_sheets(pending, profile, sheets)


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and those it was raised from or while handling, in order."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and all(cause is not seen for seen in chain):
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain


def _system_error_behind(exc: BaseException) -> bool:
    # A system call that failed carries its errno; a library's complaint about the content
    # (a zip cut short, a bad header) is an OSError without one, or no OSError at all.
    return any(isinstance(c, OSError) and c.errno is not None for c in _causes(exc))


def _memory_error_behind(exc: BaseException) -> MemoryError | None:
    """The memory exhaustion behind a reader's error, if that is what it was.

    A reader that wraps whatever its library raises in a ReadError ("not a readable workbook")
    would make a file that only needed more memory look damaged for good.
    """
    for cause in _causes(exc):
        if isinstance(cause, MemoryError):
            return cause
        # pyo3's panic when a Python object could not be allocated for a Rust value.
        if type(cause).__name__ == "PanicException" and "pointer is null" in str(cause):
            return MemoryError(str(cause))
    return None


def _unforeseen(pending: Pending, exc: Exception) -> FileResult:
    # A file no reader foresaw fails alone, named, and the run publishes the others: raising
    # would stop the whole night over one export. Only reading and parsing are guarded so:
    # an error writing the landing (a full disk) must stop the run before it publishes.
    name = type(exc).__name__
    if isinstance(exc, MemoryError):
        budget = limits.active_budget()
        if not budget:
            # Read in the run's own process, without a budget: the machine ran out of memory,
            # perhaps for other work, so the next run tries again (no record).
            reason = f"ran out of memory while reading ({name}: {exc})"
            return _failed(pending.relative, pending.source, f"{pending.relative}: {reason}")
        reason = limits.memory_reason(pending.relative, budget, f"{name} in the reader")
        return record_failure(pending, reason, {"memory": budget})
    return record_failure(pending, f"unexpected error while reading ({name}: {exc})")


def record_failure(
    pending: Pending, reason: str, hit_limit: dict[str, float] | None = None
) -> FileResult:
    """The file failed on its own account: its failure, recorded under its landing key."""
    result = _failed(pending.relative, pending.source, f"{pending.relative}: {reason}")
    result.key, result.profile, result.parsed = pending.key, pending.profile, True
    result.hit_limit = hit_limit
    pending.folder.mkdir(parents=True, exist_ok=True)
    _write_accounting(pending.folder, pending.key, result)
    return result


def _failed(relative: str, source: str | None, message: str) -> FileResult:
    sheet = SheetResult(None, 0, "failed", message=message)
    return FileResult(relative, source, "failed", sheets=[sheet], message=message)


def _land_sheets(pending: Pending, profile: Profile, sheets: list[Sheet]) -> FileResult:
    relative, source = pending.relative, pending.source
    try:
        if profile.spec.reader == "unit_reports":
            # Units' own Biểu 06 reports: the title block, the merged header and the sector
            # rows of the official form (docs/spec.md §3.6), read by flows/ingest/unit_reports.py.
            tables, rejects, results = land_report_sheets(profile, sheets, relative)
        else:
            tables, rejects, results = _read_profile_sheets(profile, sheets)
    except Exception as exc:
        return _unforeseen(pending, exc)
    folder, key = pending.folder, pending.key
    return _write_landing(relative, source, profile, sheets, folder, key, tables, rejects, results)


def _read_profile_sheets(
    profile: Profile, sheets: list[Sheet]
) -> tuple[list[pa.Table], list[dict[str, Any]], list[SheetResult]]:
    """One row per record: each sheet's header found by content, its rows typed and checked."""
    tables, rejects, results = [], [], []
    for sheet in sheets:
        header = find_header(profile, sheet.rows)
        if header is None:
            needed = ", ".join(f"'{profile.primary_header(n)}'" for n in profile.required)
            message = f"no recognisable header (needs {needed})"
            if sheet.encoding == "cp1258":
                # The fallback encoding: a Windows-1252/Latin-1 or TCVN3 file lands here with
                # its Vietnamese headers garbled or lost.
                message += (
                    "; the text was read as Windows-1258 (neither UTF-8 nor UTF-16): if it is "
                    "in another encoding, save it as UTF-8"
                )
            results.append(
                SheetResult(
                    sheet.name,
                    sheet.index,
                    "skipped",
                    rows_read=len(sheet.rows),
                    rows_skipped=len(sheet.rows),
                    message=message,
                )
            )
            continue
        loader = SheetLoader(profile, sheet, header)
        results.append(loader.run())
        tables.append(loader.table())
        rejects.extend(loader.rejects)
    return tables, rejects, results


def _write_landing(
    relative: str,
    source: str,
    profile: Profile,
    sheets: list[Sheet],
    folder: Path,
    key: str,
    tables: list[pa.Table],
    rejects: list[dict[str, Any]],
    results: list[SheetResult],
) -> FileResult:
    if not sheets:
        results.append(SheetResult(None, 0, "skipped", message="no sheet in the workbook"))
    loaded = any(r.status == "loaded" for r in results)
    folder.mkdir(parents=True, exist_ok=True)
    data_path = folder / f"{key}.parquet"
    rejects_path = folder / f"{key}.rejects.parquet"
    schema = landing_schema(profile)
    data = pa.concat_tables(tables) if tables else schema.empty_table()
    _write_atomically(data, data_path)
    _write_atomically(pa.Table.from_pylist(rejects, schema=REJECT_SCHEMA), rejects_path)
    result = FileResult(
        file=relative,
        source=source,
        status="loaded" if loaded else "skipped",
        key=key,
        data_path=str(data_path),
        rejects_path=str(rejects_path),
        sheets=results,
        message=None if loaded else "no sheet with a recognisable header",
        parsed=True,
        profile=profile.source,
    )
    # The accounting is written last: it marks the landing complete.
    _write_accounting(folder, key, result)
    return result


def _write_accounting(folder: Path, key: str, result: FileResult) -> None:
    meta_tmp = _tmp_name(folder / f"{key}.json")
    meta_tmp.write_text(json.dumps(result.to_json(), ensure_ascii=False), encoding="utf-8")
    os.replace(meta_tmp, folder / f"{key}.json")


def prune_landing(paths: DataPaths, keep: set[str]) -> int:
    """Remove landings no current raw file refers to; returns how many files were removed."""
    removed = 0
    if not paths.landing.exists():
        return removed
    # Accounting files first: a prune killed half-way then leaves Parquet files no accounting
    # refers to (removed next time), never an accounting whose Parquet files are gone.
    items = sorted(
        (p for p in paths.landing.rglob("*") if p.is_file()), key=lambda p: p.suffix != ".json"
    )
    for item in items:
        key = item.name.lstrip(".").split(".", 1)[0]
        # `.tmp` files are writes a killed run left half-done (one run at a time holds the data
        # root, and landing is over when pruning starts): never used, always removed.
        if key not in keep or item.name.endswith(".tmp"):
            item.unlink(missing_ok=True)
            removed += 1
    return removed
