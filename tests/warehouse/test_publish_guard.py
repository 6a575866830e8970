"""A build that is not whole is refused before the swap (flows/warehouse/runner.py `build`).

Each case starts from a real published data root (a small province: exports landed, the
project's models built and audited, the marts exported) and builds it again from a copy of
the project's SQL folder with a part missing. The published warehouse and every export file
must keep their bytes.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import flows.warehouse.runner
from flows.ingest.landing import discover, land_file
from flows.ops.summary import EXIT_NOT_PUBLISHED
from flows.paths import SQL_DIR, SQL_DIR_ENV, DataPaths
from flows.warehouse.inputs import prepare_inputs
from flows.warehouse.publish import MART_PREFIXES, export_marts
from flows.warehouse.runner import IncompleteBuild
from tests.support import (
    IGATE_HEADER,
    REPO,
    land_and_build,
    write_procedures,
    write_units,
    write_xlsx,
)

UNIT = "Sở Tài nguyên và Môi trường"
LAND = "Đất đai"


def _case(n: int, code: str, received: str, due: str, finished: str | None) -> list:
    status = "Đã có kết quả" if finished else "Đang xử lý"
    return [n, code, "1.004221", "Đăng ký biến động", LAND, UNIT, "Trực tiếp", received, due,
            finished, None, status, "Nguyễn Văn An", "0901234567"]  # fmt: skip


CASES = [
    IGATE_HEADER,
    _case(1, "G1", "01/10/2020", "08/10/2020", "07/10/2020"),
    _case(2, "G2", "01/10/2020", "08/10/2020", "12/10/2020"),
    _case(3, "G3", "05/10/2020", "12/10/2020", None),
    _case(4, "G4", "02/11/2020", "09/11/2020", "09/11/2020"),
]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> DataPaths:
    paths = DataPaths(tmp_path_factory.mktemp("published") / "data")
    write_units(paths, [("U01", UNIT, "tỉnh", "sở", "")])
    write_procedures(paths, [("1.004221", "Đăng ký biến động", LAND, 10)])
    write_xlsx(paths.raw / "igate" / "cases.xlsx", {"Sổ theo dõi": CASES})
    _, _, con = land_and_build(paths)
    con.close()
    export_marts(paths)
    return paths


@pytest.fixture
def root(published: DataPaths, tmp_path: Path) -> DataPaths:
    """A copy of the published data root, for one test to build again."""
    shutil.copytree(published.root, tmp_path / "data")
    return DataPaths(tmp_path / "data")


def _published_bytes(paths: DataPaths) -> dict[str, str]:
    files = [paths.warehouse, *sorted(p for p in paths.exports.rglob("*") if p.is_file())]
    return {
        path.relative_to(paths.root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in files
    }


def _sql_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "sql"
    shutil.copytree(SQL_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _build(paths: DataPaths, sql_dir: Path) -> None:
    results = [land_file(paths, path) for path in discover(paths)]
    flows.warehouse.runner.build(
        paths.warehouse, functools.partial(prepare_inputs, results=results), sql_dir
    )


def _assert_refused(paths: DataPaths, before: dict[str, str]) -> None:
    assert _published_bytes(paths) == before
    assert not paths.warehouse.with_name(paths.warehouse.name + ".building").exists()


def test_the_published_root_has_marts_and_exports(published: DataPaths) -> None:
    exported = _published_bytes(published)
    # The cases are of 2020: fct_filings is exported as that year's part.
    assert "processed/exports/fct_filings/year=2020/fct_filings.year=2020.parquet" in exported
    assert "processed/exports/fct_filings.year=2020.csv" in exported
    assert "processed/exports/rpt_bieu06.csv" in exported


def test_a_sql_folder_without_models_is_refused(root: DataPaths, tmp_path: Path) -> None:
    before = _published_bytes(root)
    empty = tmp_path / "sql"
    for layer in flows.warehouse.runner.MODEL_LAYERS:
        (empty / layer).mkdir(parents=True)
    with pytest.raises(IncompleteBuild, match=r"no model found under .*sql"):
        _build(root, empty)
    _assert_refused(root, before)


def test_a_missing_layer_makes_cchc_run_exit_4(root: DataPaths, tmp_path: Path) -> None:
    before = _published_bytes(root)
    sql_dir = _sql_copy(tmp_path)
    shutil.rmtree(sql_dir / "intermediate")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CCHC_"))}
    env |= {
        SQL_DIR_ENV: str(sql_dir),
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--data-dir", str(root.root)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == EXIT_NOT_PUBLISHED, done.stdout[-3000:] + done.stderr[-3000:]
    assert "NOT published" in done.stdout
    assert "model layer folder(s) missing" in done.stdout and "intermediate" in done.stdout
    _assert_refused(root, before)


def test_a_build_lacking_a_published_mart_is_refused(root: DataPaths, tmp_path: Path) -> None:
    before = _published_bytes(root)
    sql_dir = _sql_copy(tmp_path)
    others = {p: p.read_text(encoding="utf-8") for p in sql_dir.rglob("*.sql")}
    # A mart no other model or audit reads: the build without it is otherwise sound.
    dropped = next(
        p
        for p in sorted((sql_dir / "marts").glob("*.sql"))
        if p.stem.startswith(MART_PREFIXES)
        and not any(p.stem in text for q, text in others.items() if q != p)
    )
    dropped.unlink()
    with pytest.raises(IncompleteBuild, match=rf"lacks 1 table\(s\) .*: {dropped.stem}$"):
        _build(root, sql_dir)
    _assert_refused(root, before)


def test_a_build_without_audits_is_refused(root: DataPaths, tmp_path: Path) -> None:
    before = _published_bytes(root)
    sql_dir = _sql_copy(tmp_path)
    for audit in (sql_dir / "tests").glob("*.sql"):
        audit.unlink()
    with pytest.raises(IncompleteBuild, match=r"no audit found under .*tests"):
        _build(root, sql_dir)
    _assert_refused(root, before)


def test_the_same_copy_unharmed_publishes(root: DataPaths, tmp_path: Path) -> None:
    # The control: the copied SQL folder itself builds, and its warehouse is swapped in.
    before = root.warehouse.stat().st_ino
    _build(root, _sql_copy(tmp_path))
    assert root.warehouse.stat().st_ino != before
