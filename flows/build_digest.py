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
from functools import cache
from importlib.metadata import version
from pathlib import Path

import duckdb

from flows.landing import FileResult
from flows.paths import PROFILES_DIR, PROJECT_DIR, SQL_DIR

META_TABLE = "meta_build"
# The libraries whose results land in the warehouse: DuckDB computes it, `holidays` names the
# public holidays of the working-day calendar.
LIBRARIES = ("duckdb", "holidays", "pyarrow")


def code_digest(sql_dir: Path = SQL_DIR) -> str:
    """The SQL models, the profiles, the package's code and the libraries' versions."""
    digest = hashlib.sha256()
    for path in sorted(sql_dir.rglob("*.sql")):
        digest.update(path.relative_to(sql_dir).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(_package_digest().encode())
    return digest.hexdigest()


@cache
def _package_digest() -> str:
    digest = hashlib.sha256()
    files = sorted(PROFILES_DIR.glob("*.toml")) + sorted((PROJECT_DIR / "flows").rglob("*.py"))
    for path in files:
        digest.update(path.relative_to(PROJECT_DIR).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in LIBRARIES:
        digest.update(f"{name}={version(name)}".encode())
    return digest.hexdigest()


def build_digest(results: Sequence[FileResult], sql_dir: Path = SQL_DIR) -> str:
    """The digest of one build's inputs: every raw file's landing and accounting, and the code."""
    files = []
    for result in sorted(results, key=lambda r: r.file):
        entry = result.to_json()
        # Where the landing lies and whether this run parsed it do not change what it holds.
        for transient in ("data_path", "rejects_path", "parsed"):
            entry.pop(transient, None)
        files.append(entry)
    material = json.dumps({"code": code_digest(sql_dir), "files": files}, sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


def record(con: duckdb.DuckDBPyConnection, digest: str) -> None:
    """Store the digest in the warehouse being built."""
    con.execute(f"CREATE OR REPLACE TABLE {META_TABLE} AS SELECT ?::VARCHAR AS digest", [digest])


def published_digest(warehouse: Path) -> str | None:
    """The digest stored in the published warehouse; None when there is none to compare."""
    if not warehouse.exists():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            row = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                [META_TABLE],
            ).fetchone()
            if not row or not row[0]:
                return None
            found = con.execute(f"SELECT digest FROM {META_TABLE}").fetchone()
    except duckdb.Error:
        # An unreadable warehouse is rebuilt: the build reports what is wrong, not this check.
        return None
    return found[0] if found else None
