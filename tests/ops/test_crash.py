"""Crash safety: real runs killed with SIGKILL at every stage, a full disk, a broken accounting.

Night 2 of the sample (tests/support/sample_runs.py: ten exports arrive, one is deleted) runs in a
child process (tests/support/pipeline_child.py) and is killed at a chosen point. Whatever the point,
the published warehouse is night 1's or night 2's — never a mix, compared by a fingerprint —
and the next run completes and publishes exactly what an uninterrupted night 2 published:
the same warehouse fingerprint, the same export bytes, the same landing files, and no
leftover `.tmp`, `.building` or staging folder.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

import flows.warehouse.inputs
import flows.warehouse.runner
from flows.paths import SQL_DIR, DataPaths
from flows.pipeline import build_warehouse, land, land_in_threads
from tests.support.pipeline_child import CRASH_POINTS, LANDED_BEFORE_CRASH, run
from tests.support.sample_runs import ARRIVING, Nights, fingerprint, start_night_two, two_nights

PROJECT = Path(__file__).resolve().parents[2]
TIMEOUT = 180


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Nights:
    return two_nights(tmp_path_factory)


def _child(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=PROJECT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(condition: Callable[[], bool], child: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if child.poll() is not None:
            out, err = child.communicate()
            pytest.fail(f"the run ended before {what}: {out[-2000:]} {err[-3000:]}")
        if time.monotonic() > deadline:
            child.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


def _kill9(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.communicate()
    assert child.returncode == -signal.SIGKILL


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _leftovers(paths: DataPaths) -> list[str]:
    """Files and folders a finished run must not leave behind."""
    found = [p for p in paths.processed.rglob("*") if p.name.endswith((".tmp", ".old"))]
    found += list(paths.processed.glob("*.building*"))
    found += list(paths.processed.glob(".exports.*"))
    return sorted({p.relative_to(paths.root).as_posix() for p in found})


def _assert_like_the_reference(paths: DataPaths, nights: Nights) -> None:
    """The run after a crash published exactly what an uninterrupted night 2 did."""
    assert fingerprint(paths.warehouse) == nights.new_fingerprint
    assert _digests(paths.exports) == _digests(nights.new.exports)
    landing = {p.relative_to(paths.landing).as_posix() for p in paths.landing.rglob("*")}
    assert landing == {
        p.relative_to(nights.new.landing).as_posix() for p in nights.new.landing.rglob("*")
    }
    assert _leftovers(paths) == []
    # Every landing Parquet file is whole: a half-written one was never renamed into place.
    for parquet in paths.landing.rglob("*.parquet"):
        pq.read_metadata(parquet)


# Where the published warehouse must stand right after the kill.
BEFORE_THE_SWAP = {"landing-mid-write", "build-before-audits", "build-before-swap", "building"}


@pytest.mark.parametrize("point", [*CRASH_POINTS, "building"])
def test_a_run_killed_at_any_point_loses_nothing(
    nights: Nights, tmp_path: Path, point: str
) -> None:
    paths = start_night_two(nights, tmp_path / "data")
    old_exports = _digests(nights.old.exports)
    ready = tmp_path / "ready"
    building = paths.warehouse.with_name(paths.warehouse.name + ".building")
    if point == "building":
        # No hook: killed the moment the build's database file shows up, mid-write.
        child = _child(["-m", "tests.support.pipeline_child", str(paths.root)])
        _wait_for(building.exists, child, "warehouse.duckdb.building")
    else:
        child = _child(["-m", "tests.support.pipeline_child", str(paths.root), point, str(ready)])
        _wait_for(ready.exists, child, f"the crash point {point}")
    _kill9(child)

    # What the kill left behind.
    published = fingerprint(paths.warehouse)
    if point in BEFORE_THE_SWAP:
        assert published == nights.old_fingerprint
        # A reader of the exports still has night 1's complete set.
        assert _digests(paths.exports) == old_exports
    else:
        assert published == nights.new_fingerprint
    if point == "landing-mid-write":
        half = [p for p in paths.landing.rglob("*.tmp")]
        assert len(half) == 1 and half[0].stat().st_size > 0
    if point.startswith("build"):
        assert building.exists()

    report = run(paths)

    assert report.published
    if point == "landing-mid-write":
        # The file being written when the run died was parsed again, not taken half-done.
        assert report.files_parsed == ARRIVING - LANDED_BEFORE_CRASH
    _assert_like_the_reference(paths, nights)


# ---------------------------------------------------------------------------------------------
# A full disk

# RLIMIT_FSIZE makes every write beyond the limit fail with EFBIG, as a full disk fails it with
# ENOSPC: a real failing write inside DuckDB, without root or a tmpfs. SIGXFSZ is ignored so
# that the write returns the error instead of killing the process.
_LIMITED = (
    "import resource, signal, sys\n"
    "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
    "limit = int(sys.argv[1])\n"
    "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))\n"
)


def test_a_full_disk_during_the_build_keeps_the_published_warehouse(
    nights: Nights, tmp_path: Path
) -> None:
    paths = start_night_two(nights, tmp_path / "data")
    # Land first, without a limit: the build is then the only big write.
    land(paths)
    before = paths.warehouse.read_bytes()
    exports = _digests(paths.exports)
    script = (
        _LIMITED + "from tests.support.pipeline_child import main\nsys.exit(main(sys.argv[2:]))\n"
    )
    child = _child(["-c", script, str(1 << 20), str(paths.root)])
    out, err = child.communicate(timeout=TIMEOUT)

    assert child.returncode == 1, out + err
    last = err.strip().splitlines()[-1]
    # Not published, because of the model that was being written: the file and the OS error
    # on the last line, the ModelError as its cause.
    assert last.startswith("flows.pipeline.RunNotPublished: "), err[-3000:]
    assert "\nflows.warehouse.runner.ModelError: " in err, err[-3000:]
    assert "Could not write file" in last and "warehouse.duckdb.building" in last
    assert "File too large" in last
    assert paths.warehouse.read_bytes() == before
    assert fingerprint(paths.warehouse) == nights.old_fingerprint
    assert _digests(paths.exports) == exports
    assert _leftovers(paths) == []  # the failed build removed its file

    run(paths)
    _assert_like_the_reference(paths, nights)


def test_a_full_disk_while_landing_stops_the_run_before_it_publishes(
    nights: Nights, tmp_path: Path
) -> None:
    # A landing that cannot be written is no bad file: the run must not publish a warehouse
    # without that export's rows (yesterday's has them), so the error stops it.
    paths = start_night_two(nights, tmp_path / "data")
    before = paths.warehouse.read_bytes()
    script = (
        _LIMITED + "from tests.support.pipeline_child import main\nsys.exit(main(sys.argv[2:]))\n"
    )
    child = _child(["-c", script, str(1 << 10), str(paths.root)])
    out, err = child.communicate(timeout=TIMEOUT)

    assert child.returncode == 1, out + err
    assert "File too large" in err.strip().splitlines()[-1], err[-3000:]
    assert paths.warehouse.read_bytes() == before

    run(paths)  # the half-written landing is ignored and removed
    _assert_like_the_reference(paths, nights)


def test_threads_landing_the_same_bytes_at_once_do_not_collide(tmp_path: Path) -> None:
    # The nightly flow lands files in threads; copies of one export share a landing key, so
    # two threads write the same landing files at the same moment.
    from tests.support import IGATE_HEADER, write_xlsx

    paths = DataPaths((tmp_path / "data").resolve())
    rows = [IGATE_HEADER] + [
        [n, f"COPY-{n}", "1.1", "x", "Đất đai", "Sở Tư pháp", "Trực tiếp", "01/10/2020"]
        for n in range(2000)
    ]
    first = write_xlsx(paths.raw / "igate" / "copy_0.xlsx", {"S": rows})
    for n in range(1, 8):
        (paths.raw / "igate" / f"copy_{n}.xlsx").write_bytes(first.read_bytes())
    results = land(paths, land_in_threads(8))
    assert [r.status for r in results] == ["loaded"] * 8, [r.message for r in results]
    assert len({r.key for r in results}) == 1
    assert sorted(p.name for p in paths.landing.rglob("*") if p.is_file()) == sorted(
        f"{results[0].key}{suffix}" for suffix in (".json", ".parquet", ".rejects.parquet")
    )


def test_a_full_disk_during_the_export_keeps_the_previous_exports(
    nights: Nights, tmp_path: Path
) -> None:
    paths = start_night_two(nights, tmp_path / "data")
    run(paths)
    exports = _digests(paths.exports)
    published = paths.warehouse.read_bytes()
    # Nothing changed since `run`, so every part would be linked, not written: without the
    # manifest's fingerprints every part is written again, as on a night that changes them all.
    script = (
        _LIMITED + "from pathlib import Path\nfrom flows.paths import DataPaths\n"
        "import flows.warehouse.publish as publish\n"
        "publish._read_manifest = lambda exports: {}\n"
        "publish.export_marts(DataPaths(Path(sys.argv[2])))\n"
    )
    child = _child(["-c", script, str(64 << 10), str(paths.root)])
    out, err = child.communicate(timeout=TIMEOUT)

    assert child.returncode == 1, out + err
    assert "File too large" in err.strip().splitlines()[-1], err[-3000:]
    assert _digests(paths.exports) == exports
    assert paths.warehouse.read_bytes() == published

    run(paths)  # the next run removes the failed export's staging folder
    _assert_like_the_reference(paths, nights)


# ---------------------------------------------------------------------------------------------
# The accounting audit fails the build


def test_a_build_whose_accounting_does_not_add_up_is_not_published(
    nights: Nights, tmp_path: Path
) -> None:
    paths = start_night_two(nights, tmp_path / "data")
    results = land(paths)
    before = paths.warehouse.read_bytes()

    def corrupted(con: duckdb.DuckDBPyConnection) -> None:
        flows.warehouse.inputs.prepare_inputs(con, results=results)
        # One row read that is neither loaded, rejected nor skipped: a row lost.
        con.execute(
            "UPDATE land_files SET rows_read = rows_read + 1 "
            "WHERE file = (SELECT min(file) FROM land_files WHERE status = 'loaded')"
        )

    with pytest.raises(
        flows.warehouse.runner.AuditError, match="audit dq_files_row_accounting failed"
    ):
        flows.warehouse.runner.build(paths.warehouse, corrupted, SQL_DIR)
    assert paths.warehouse.read_bytes() == before
    assert not paths.warehouse.with_name("warehouse.duckdb.building").exists()

    # The same landing, uncorrupted, publishes.
    build_warehouse(paths, results)
    assert fingerprint(paths.warehouse) == nights.new_fingerprint


def test_the_accounting_audit_is_an_error_not_a_warning() -> None:
    audit = SQL_DIR / "tests" / "dq_files_row_accounting.sql"
    assert audit.read_text(encoding="utf-8").splitlines()[0] == "-- severity: error"
