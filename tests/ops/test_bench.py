"""`cchc bench` end to end on a small case count: every stage runs and the table adds up."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from flows.ops.bench import YEARS, generate

pytestmark = pytest.mark.slow

STAGES = [
    "floor (bare reader → DuckDB)",
    "landing",
    "build + audits",
    "publish",
    "cchc run, cold",
    "cchc run, one new month",
    "cchc run, nothing new (server)",
    "cchc run, nothing new (temporary server)",
    "peer: pandas script",
]


def test_generate_writes_whole_months_and_holds_one_back(tmp_path: Path) -> None:
    files, extra = generate(tmp_path, 12 * YEARS * 3 + 5, "xlsx")
    assert len(files) == 12 * YEARS and all(f.suffix == ".xlsx" for f in files)
    assert extra.exists() and extra.parent.name == "held_back"
    from flows.ingest.readers import read_sheets

    assert [len(read_sheets(f)[0].rows) for f in files[:3]] == [4, 4, 4]  # header + 3 cases


def test_bench_prints_every_stage_with_its_rows(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    cases = 12 * YEARS * 10
    command = [sys.executable, "-m", "flows.cli", "bench", "--cases", str(cases)]
    # A relative work folder, as `make bench` gives (.bench).
    command += ["--formats", "csv", "--workdir", "w", "--output", str(out)]
    command += ["--national-provinces", "2", "--national-cases", str(12 * YEARS * 2)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = out.read_text(encoding="utf-8")
    assert table.strip() == done.stdout.strip()
    # The title, the stages; the fixed cost's title and table; the targets' title and table.
    _, stages, _, fixed, _, targets, _, national = table.split("\n\n")
    rows = [line.split("|")[1:-1] for line in stages.splitlines() if line.startswith("| csv")]
    assert [r[1].strip() for r in rows] == STAGES
    for cells in rows:
        seconds, cpu, count = (c.strip() for c in cells[2:5])
        assert float(seconds) > 0 and float(cpu) >= 0
        assert count == f"{cases:,}"
    assert re.search(r"\d+\.\d\d× of floor", rows[1][-1])
    assert re.search(r"\d+\.\d\d× of cold", rows[5][-1])
    # the nightly found the held-back month and published it
    warehouse = tmp_path / "w" / "csv" / "processed" / "warehouse.duckdb"
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        months = con.execute(
            "SELECT count(DISTINCT period) FROM rpt_bieu06 WHERE period_type = 'month'"
        ).fetchone()[0]
    assert months == 12 * YEARS + 1
    # The fixed cost: each run's start to its first read and its publish to its exit are parts
    # of its whole time; the temporary server's cost is the difference of the two quiet runs.
    fixed_rows = [line.split("|")[1:-1] for line in fixed.splitlines() if line.startswith("| csv")]
    for cells in fixed_rows[:4]:
        first, after, whole = (float(c) for c in cells[2:5])
        assert 0 < first < whole and 0 < after < whole and first + after < whole
    quiet, temporary = (float(fixed_rows[i][4]) for i in (2, 3))
    assert fixed_rows[4][1].strip() == "what the temporary server costs a run"
    assert float(fixed_rows[4][4]) == pytest.approx(temporary - quiet, abs=0.11)
    # Every target with its ratio, and a verdict; the 10M build is named as not measured here.
    verdicts = [line.split("|")[1:-1] for line in targets.splitlines()[2:]]
    assert len(verdicts) == 6
    # The CSV targets have a verdict; the .xlsx ones and the 10M ones were not measured.
    judged = [v[2].strip() for v in verdicts if v[2].strip() != "–"]
    assert len(judged) == 3 and set(judged) <= {"met", "not met"}
    assert "not measured" in verdicts[-1][1]
    # The national line: the whole command three times, each with its provinces and roll-up.
    national_rows = [line.split("|")[2].strip() for line in national.splitlines()[2:]]
    for night in ("cold", "one new month", "nothing new"):
        assert sum(night in name and name.startswith("cchc national") for name in national_rows)
        # the command, its two provinces and the roll-up
        assert sum(night in name for name in national_rows) == 4
