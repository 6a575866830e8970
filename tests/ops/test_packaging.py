"""The wheel on its own: built from the sources, installed into a fresh venv, run in an empty
folder with no checkout in sight.

The fresh venv sees the project venv's third-party packages through a plain path line in a
`.pth` file, so nothing is downloaded; a plain line only adds that folder to sys.path and does
not run the editable install's hook, so the checkout's `flows` stays out of reach.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import duckdb
import pytest

from tests.support import REPO

pytestmark = pytest.mark.slow

# The marts every published warehouse has (README, "Output tables"), each with rows in the
# sample province-year.
MARTS = ("fct_filings", "rpt_bieu06", "ind_channels", "ind_late", "dq_files", "dim_as_of")


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600):
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _sources(tmp: Path) -> Path:
    # A copy of what the wheel is built from: setuptools writes build/ and *.egg-info beside
    # the sources, which must not land in the checkout other runs of the suite read.
    src = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("flows", "sql"):
        shutil.copytree(REPO / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    return src


def _relative_files(folder: Path, pattern: str) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.glob(pattern)}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        + ["--quiet", "-w", str(dist), str(_sources(tmp))],
        cwd=tmp,
    )
    (built,) = dist.glob("cchc-*.whl")
    return built


def test_the_wheel_carries_the_models_audits_schema_and_profiles(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    shipped = {n.removeprefix("flows/sql/") for n in names if n.startswith("flows/sql/")}
    # Every model, audit and the marts' schema.toml (its generic audits).
    expected = _relative_files(REPO / "sql", "*/*.sql") | _relative_files(REPO / "sql", "*/*.toml")
    assert {p.split("/")[0] for p in expected} >= {"staging", "intermediate", "marts", "tests"}
    assert expected <= shipped
    profiles = {n for n in names if n.startswith("flows/ingest/profiles/")}
    assert profiles >= {
        f"flows/ingest/profiles/{p}"
        for p in _relative_files(REPO / "flows" / "ingest" / "profiles", "*.toml")
    }
    assert len(profiles) > 0
    assert not any(n.startswith("sql/") for n in names)  # the models live inside the package
    # The Vietnamese messages (flows/i18n.py), compiled: the installed cchc reads the .mo.
    assert "flows/locale/vi/LC_MESSAGES/cchc.mo" in names


def test_the_installed_wheel_samples_and_publishes_in_an_empty_folder(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    purelib = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            cwd=tmp_path,
        ).stdout.strip()
    )
    project_site = sysconfig.get_paths()["purelib"]
    (purelib / "project-venv.pth").write_text(project_site + "\n", encoding="utf-8")
    _run([str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)], cwd=tmp_path)

    work = tmp_path / "empty"
    work.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PREFECT_", "CCHC_")) and k != "PYTHONPATH"
    }
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"

    where = _run(
        [str(python), "-c", "import flows, flows.paths as p; print(flows.__file__, p.SQL_DIR)"],
        cwd=work,
        env=env,
    ).stdout.split()
    assert Path(where[0]).parent == purelib / "flows"
    assert Path(where[1]) == purelib / "flows" / "sql"
    assert not any(work.iterdir())

    cchc = str(venv / "bin" / "cchc")
    status = _run([cchc, "--lang", "vi", "status", "--data-dir", "data"], cwd=work, env=env)
    assert status.stdout.startswith("Thư mục dữ liệu: ")
    _run([cchc, "sample", "--data-dir", "data"], cwd=work, env=env)
    raw = work / "data" / "raw"
    assert any((raw / "igate").rglob("*.xlsx")) and any((raw / "reference").iterdir())

    _run([cchc, "run", "--data-dir", "data"], cwd=work, env=env, timeout=900)
    processed = work / "data" / "processed"
    with duckdb.connect(str(processed / "warehouse.duckdb"), read_only=True) as con:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in MARTS}
        tables = {n for (n,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert all(counts.values()), counts
    marts = {t for t in tables if t.startswith(("fct_", "rpt_", "ind_", "dq_", "dim_"))}
    assert set(MARTS) <= marts
    exports = {p.name for p in (processed / "exports").iterdir()}
    # The large tables are split into parts (a Parquet folder, a CSV per part), the rest whole.
    parted = {"fct_filings", "dq_rejects"}
    assert {f"{t}.{ext}" for t in marts - parted for ext in ("parquet", "csv")} <= exports
    for table in parted:
        assert any((processed / "exports" / table).rglob("*.parquet"))
        assert any(name.startswith(f"{table}.") and name.endswith(".csv") for name in exports)
