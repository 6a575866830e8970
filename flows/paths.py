"""The data root and every path under it (docs/spec.md §1)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


# Another SQL folder to build from (a model under development, a test's copy); read once, at
# import, like every module that takes SQL_DIR.
SQL_DIR_ENV = "CCHC_SQL_DIR"


def _sql_dir() -> Path:
    chosen = os.environ.get(SQL_DIR_ENV, "").strip()
    if chosen:
        return Path(chosen).expanduser().resolve()
    # A wheel carries the models inside the package (`flows/sql`); a checkout, installed
    # editable or not, keeps them at the top level of the repository.
    inside = PACKAGE_DIR / "sql"
    return inside if inside.is_dir() else PACKAGE_DIR.parent / "sql"


SQL_DIR = _sql_dir()
PROFILES_DIR = PACKAGE_DIR / "ingest" / "profiles"


@dataclass(frozen=True)
class DataPaths:
    root: Path

    @classmethod
    def resolve(cls, data_dir: str | os.PathLike[str] | None = None) -> DataPaths:
        """`--data-dir`, else `CCHC_DATA_DIR`, else `./data`."""
        chosen = data_dir or os.environ.get("CCHC_DATA_DIR") or "data"
        return cls(Path(chosen).expanduser().resolve())

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def processed(self) -> Path:
        return self.root / "processed"

    @property
    def landing(self) -> Path:
        return self.processed / "landing"

    @property
    def warehouse(self) -> Path:
        return self.processed / "warehouse.duckdb"

    @property
    def exports(self) -> Path:
        return self.processed / "exports"

    @property
    def run_log(self) -> Path:
        return self.processed / "last_run.json"

    @property
    def local_profiles(self) -> Path:
        """The data root's own additions to the shipped source profiles (`<source>.toml`)."""
        return self.root / "profiles"

    def relative(self, path: Path) -> str:
        """A path as the `dq_` tables name it: relative to the root, `/` separators."""
        return path.resolve().relative_to(self.root).as_posix()
