"""What a warehouse is built from, as one digest.

The build is a pure function of the landed files (their landing keys name their content, source
profile and parser version), their accounting, the SQL models and the code that prepares them.
The digest of all that is stored in the warehouse it built (`meta_build`); a nightly run whose
digest equals the published one has nothing to rebuild or publish again (docs/architecture.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb

from flows.ingest.landing import FileResult
from flows.ingest.sources import incremental_profiles
from flows.paths import PACKAGE_DIR, SQL_DIR
from flows.warehouse.runner import Increment

META_TABLE = "meta_build"
# The libraries whose results land in the warehouse: DuckDB computes it, `holidays` names the
# public holidays of the working-day calendar.
LIBRARIES = ("duckdb", "holidays", "pyarrow")


def code_digest(sql_dir: Path = SQL_DIR) -> str:
    """The SQL models, the profiles, the package's code and the libraries' versions."""
    digest = hashlib.sha256()
    # The marts' schema file too: its checks are audits, its partitions shape the exports.
    for path in sorted([*sql_dir.rglob("*.sql"), *sql_dir.rglob("*.toml")]):
        digest.update(path.relative_to(sql_dir).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(_package_digest().encode())
    return digest.hexdigest()


@cache
def _package_digest() -> str:
    digest = hashlib.sha256()
    files = sorted(PACKAGE_DIR.rglob("*.toml")) + sorted(PACKAGE_DIR.rglob("*.py"))
    for path in files:
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in LIBRARIES:
        digest.update(f"{name}={version(name)}".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class BuildInputs:
    """A build's inputs as stored beside it: the digest of all, the code's, and each file's."""

    digest: str
    code: str
    files: dict[str, dict[str, Any]]  # raw file (relative path) -> its landing and accounting


def build_inputs(results: Sequence[FileResult], sql_dir: Path = SQL_DIR) -> BuildInputs:
    """One build's inputs: every raw file's landing and accounting, and the code."""
    files = {}
    for result in sorted(results, key=lambda r: r.file):
        entry = result.to_json()
        # Where the landing lies and whether this run parsed it (or found it failed before)
        # do not change what it holds.
        for transient in ("data_path", "rejects_path", "parsed", "failed_as"):
            entry.pop(transient, None)
        files[result.file] = entry
    code = code_digest(sql_dir)
    material = json.dumps({"code": code, "files": list(files.values())}, sort_keys=True)
    return BuildInputs(hashlib.sha256(material.encode()).hexdigest(), code, files)


def record(con: duckdb.DuckDBPyConnection, inputs: BuildInputs) -> None:
    """Store what the warehouse being built is made from, in it."""
    con.execute(
        f"CREATE OR REPLACE TABLE {META_TABLE} AS "
        "SELECT ?::VARCHAR AS digest, ?::VARCHAR AS code_digest, ?::VARCHAR AS files",
        [inputs.digest, inputs.code, json.dumps(inputs.files, sort_keys=True)],
    )


def published_inputs(warehouse: Path) -> BuildInputs | None:
    """What the published warehouse was built from; None when it does not say."""
    if not warehouse.exists():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return stored_inputs(con)
    except duckdb.Error:
        # An unreadable warehouse is rebuilt: the build reports what is wrong, not this check.
        return None


def stored_inputs(con: duckdb.DuckDBPyConnection) -> BuildInputs | None:
    """What the warehouse open on `con` was built from; None when it does not say."""
    columns = {
        name
        for (name,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
            [META_TABLE],
        ).fetchall()
    }
    if not {"digest", "code_digest", "files"} <= columns:
        return None
    found = con.execute(f"SELECT digest, code_digest, files FROM {META_TABLE}").fetchone()
    return BuildInputs(found[0], found[1], json.loads(found[2])) if found else None


def plan_increment(
    previous: BuildInputs | None, current: BuildInputs, results: Sequence[FileResult]
) -> Increment | None:
    """The increment from the published build to this one, or None to build in full.

    Incremental only when the code is the same, every file of the published build is still
    there unchanged, and every new file is of a source whose profile says `incremental`
    (iGate: new case rows); a file removed or changed, a reference list, a late-case list, a
    document register… rebuild in full.
    """
    if previous is None or previous.code != current.code:
        return None
    if any(current.files.get(name) != entry for name, entry in previous.files.items()):
        return None
    new = [r for r in results if r.file not in previous.files]
    # The sources marked `incremental` in their profile's [source]: any other new file
    # rebuilds in full.
    incremental = incremental_profiles()
    if not new or any(r.key and r.profile not in incremental for r in new):
        return None
    landed = [r.data_path for r in new if r.key and r.status == "loaded" and r.data_path]
    if not landed:
        return None
    listing = ", ".join("'" + path.replace("'", "''") + "'" for path in landed)
    return Increment(f"SELECT case_code AS key FROM read_parquet([{listing}])")
