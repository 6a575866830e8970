"""No file can stop the night: each file is read in a child process held to a memory budget
and a time limit (flows/ingest/isolation.py); a file that fails there, or that a reader
refuses, fails alone and is recorded as failed, so the next night does not read it again.

Every file here is written by a real writer (XlsxWriter, the csv module) and landed in real
child processes; the limits are set the way an operator sets them, in the environment.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from flows.ingest.isolation import land_file_contained
from flows.ingest.landing import FileResult, Pending, plan_landing, read_pending
from flows.ingest.limits import ENV_MEMORY, ENV_TIMEOUT
from flows.ops.summary import EXIT_FILES_FAILED, KNOWN_FAILURE, describe_result, format_report
from flows.paths import DataPaths
from flows.pipeline import land, run_pipeline
from tests.support import IGATE_HEADER, rows, write_xlsx

CASE = ["1.1", "Đăng ký đất đai", "Đất đai", "Sở Tư pháp", "Trực tiếp"]
# A limit generous enough that only a stuck reader reaches it: a test never waits 30 minutes.
SAFE_TIMEOUT = "300"


def good_export(paths: DataPaths, name: str = "good.xlsx", codes: int = 3) -> Path:
    cases = [[n, f"GOOD-{n}", *CASE, "01/10/2020"] for n in range(1, codes + 1)]
    return write_xlsx(paths.raw / "igate" / name, {"Sổ": [IGATE_HEADER, *cases]})


def sparse_workbook(path: Path, last_row: int = 200_000) -> Path:
    """Values in A1, XFD1 and A<last_row>: three cells, a used range of 16,384 columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Sheet1")
    sheet.write_string(0, 0, "Mã hồ sơ")
    sheet.write_string(0, 16_383, "x")
    sheet.write_string(last_row - 1, 0, "y")
    workbook.close()
    return path


def big_csv(path: Path, count: int) -> Path:
    """An iGate export of `count` cases as CSV: landing it takes about 0.8 KB a row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ",".join(IGATE_HEADER[:8])
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(header + "\r\n")
        for start in range(0, count, 10_000):
            handle.write(
                "".join(
                    f"{n},BIG-{n:07d},1.1,Đăng ký đất đai,Đất đai,Sở Tư pháp,Trực tuyến,"
                    f"{1 + n % 28:02d}/10/2020 08:30\r\n"
                    for n in range(start, min(count, start + 10_000))
                )
            )
    return path


def accounting(paths: DataPaths, result: FileResult) -> Path:
    return paths.landing / (result.profile or "") / f"{result.key}.json"


def dq_files(paths: DataPaths) -> dict[str, dict]:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return {r["file"]: r for r in rows(con, "SELECT * FROM dq_files")}


@pytest.fixture
def limits_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv(ENV_MEMORY, raising=False)
    monkeypatch.setenv(ENV_TIMEOUT, SAFE_TIMEOUT)
    return monkeypatch


# ---------------------------------------------------------------------------------------------
# A workbook whose used range is far larger than its data


def test_a_sparse_workbook_fails_alone_and_the_next_run_does_not_read_it(data_root, limits_env):
    good_export(data_root)
    sparse_workbook(data_root.raw / "igate" / "sparse.xlsx")
    (data_root.raw / "igate" / "ghi chú.txt").write_text("not an export", encoding="utf-8")

    first = run_pipeline(data_root)

    # The good export is published; the run says one file could not be read (exit 3).
    assert first.published and first.exit_code == EXIT_FILES_FAILED
    assert (first.files_loaded, first.files_skipped, first.files_failed) == (1, 1, 1)
    # Read this run: the two exports; not read: the note, which is no export.
    assert (first.files_parsed, first.files_reused) == (2, 0)
    (failed,) = first.failed_files
    assert failed["file"] == "raw/igate/sparse.xlsx" and failed["known"] is None
    files = dq_files(data_root)
    sparse = files["raw/igate/sparse.xlsx"]
    assert sparse["status"] == "failed"
    # Said by the readers' size check before reading, or by the child's memory budget if a
    # reader tried: either way what is wrong and what to do.
    message = sparse["message"]
    assert message.startswith("raw/igate/sparse.xlsx: "), message
    assert (
        "16,384 columns × 200,000 rows" in message
        or "reading it needed more than 4 GB of memory" in message
    ), message
    assert "delete the empty rows and columns after the data" in message
    assert files["raw/igate/good.xlsx"]["rows_loaded"] == 3
    assert files["raw/igate/ghi chú.txt"]["status"] == "skipped"

    summary = format_report(first)
    assert "Files: 1 loaded, 1 skipped, 1 failed; 2 read this run, 0 reused from an earlier " in (
        summary
    )
    # The failed file is named once, its reason without the name again.
    failed_lines = [line for line in summary.splitlines() if "sparse.xlsx" in line]
    assert failed_lines == [f"  FAILED raw/igate/sparse.xlsx: {message.split(': ', 1)[1]}"]

    # The failure is recorded under the file's landing key, without any Parquet.
    (recorded,) = [
        p
        for p in (data_root.landing / "igate").glob("*.json")
        if json.loads(p.read_text(encoding="utf-8"))["status"] == "failed"
    ]
    assert not list(data_root.landing.rglob(f"{recorded.stem}*.parquet"))
    written = recorded.stat().st_mtime_ns

    second = run_pipeline(data_root)

    # Nothing read again: the failure is known, the good export's landing reused.
    assert (second.files_parsed, second.files_reused) == (0, 2)
    assert second.failed_files == [
        {"file": "raw/igate/sparse.xlsx", "error": message, "known": KNOWN_FAILURE}
    ]
    assert recorded.stat().st_mtime_ns == written
    assert second.exit_code == EXIT_FILES_FAILED and not second.rebuilt
    assert f"FAILED raw/igate/sparse.xlsx: {message.split(': ', 1)[1]} ({KNOWN_FAILURE})" in (
        format_report(second)
    )
    assert dq_files(data_root)["raw/igate/sparse.xlsx"]["message"] == message


def test_the_log_tells_read_reused_not_read_and_known_failures_apart(data_root, limits_env):
    good = good_export(data_root)
    sparse = sparse_workbook(data_root.raw / "igate" / "sparse.xlsx")
    note = data_root.raw / "igate" / "ghi chú.txt"
    note.write_text("not an export", encoding="utf-8")
    first = {r.file: describe_result(r) for r in land(data_root)}
    assert first["raw/igate/good.xlsx"] == "raw/igate/good.xlsx: loaded"
    assert first["raw/igate/sparse.xlsx"].startswith("raw/igate/sparse.xlsx: failed: ")
    assert first["raw/igate/ghi chú.txt"].startswith(
        "raw/igate/ghi chú.txt: skipped, not read: unsupported file type '.txt'"
    )

    # A copy of the failed bytes under another name is not read either, and says whose.
    (data_root.raw / "igate" / "sparse copy.xlsx").write_bytes(sparse.read_bytes())
    second = {r.file: describe_result(r) for r in land(data_root)}
    assert second[f"raw/igate/{good.name}"] == "raw/igate/good.xlsx: loaded (already landed)"
    assert second["raw/igate/sparse.xlsx"].startswith(
        f"raw/igate/sparse.xlsx: failed ({KNOWN_FAILURE}): "
    )
    assert second["raw/igate/sparse copy.xlsx"].startswith(
        "raw/igate/sparse copy.xlsx: failed (the same bytes as raw/igate/sparse.xlsx, which "
        "failed; not read again): "
    )
    assert second[f"raw/igate/{note.name}"] == first[f"raw/igate/{note.name}"]


# ---------------------------------------------------------------------------------------------
# Children that read one file after another


def test_a_child_reads_the_next_file_only_after_a_clean_landing(data_root, limits_env):
    from flows.ingest import isolation

    def waiting() -> list[int]:
        return [child.process.pid for child in isolation._idle]

    for child in list(isolation._idle):  # children other tests left waiting
        child.close()
    isolation._idle.clear()

    first = land_file_contained(data_root, good_export(data_root, "a.xlsx", codes=2))
    (reader,) = waiting()
    second = land_file_contained(data_root, good_export(data_root, "b.xlsx", codes=3))
    assert waiting() == [reader]  # the same child, waiting again
    assert (first.status, second.status) == ("loaded", "loaded")
    assert [s.rows_loaded for s in (*first.sheets, *second.sheets)] == [2, 3]

    # A file that fails is the last its child reads.
    limits_env.setenv(ENV_MEMORY, "20MB")
    big = big_csv(data_root.raw / "igate" / "big.csv", 200_000)
    assert land_file_contained(data_root, big).status == "failed"
    assert waiting() == []
    limits_env.delenv(ENV_MEMORY)

    # A child that is gone (killed here; one idle too long leaves by itself) is replaced, even
    # when it dies just as it is handed the file.
    third = land_file_contained(data_root, good_export(data_root, "c.xlsx", codes=1))
    (reader,) = waiting()
    isolation._idle[0].process.kill()
    fourth = land_file_contained(data_root, good_export(data_root, "d.xlsx", codes=4))
    assert (third.status, fourth.status) == ("loaded", "loaded"), fourth.message
    assert fourth.sheets[0].rows_loaded == 4
    assert len(waiting()) == 1 and waiting() != [reader]


# ---------------------------------------------------------------------------------------------
# The memory budget and the time limit


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_over_the_memory_budget_fails_and_is_read_again_when_it_is_raised(
    data_root, limits_env, kind
):
    if kind == "csv":
        path = big_csv(data_root.raw / "igate" / "big.csv", 200_000)
    else:
        # Dense, so the readers' size check lets it through to the reader (20,000 rows of 8
        # cells: a 5 MB grid), which then needs far more than 20 MB for the rows it builds.
        cases = [[n, f"D-{n}", *CASE, "01/10/2020"] for n in range(1, 20_001)]
        path = write_xlsx(data_root.raw / "igate" / "big.xlsx", {"S": [IGATE_HEADER, *cases]})
    limits_env.setenv(ENV_MEMORY, "20MB")

    result = land_file_contained(data_root, path)

    # The child ran out of its budget — a MemoryError in Python or Arrow, or the Excel
    # reader's allocation refused and the process aborted — and the file failed alone.
    assert result.status == "failed" and result.parsed and result.hit_limit == {"memory": 20e6}
    reason = result.message.removeprefix(f"raw/igate/big.{kind}: ")
    assert reason.startswith("reading it needed more than 20 MB of memory"), result.message
    assert "raise CCHC_READ_MEMORY (now 20 MB)" in reason
    assert accounting(data_root, result).exists()

    # The same budget: known, not read again.
    again = land_file_contained(data_root, path)
    assert again.reused and again.status == "failed" and again.message == result.message

    # A larger budget (the default, 4 GB): read again, and landed.
    limits_env.delenv(ENV_MEMORY)
    raised = land_file_contained(data_root, path)
    assert raised.parsed and raised.status == "loaded", raised.message
    assert raised.key == result.key


def test_a_file_over_the_time_limit_is_stopped_and_fails(data_root, limits_env):
    # 300,000 rows take seconds to land; a tenth of a second is far too short.
    path = big_csv(data_root.raw / "igate" / "slow.csv", 300_000)
    limits_env.setenv(ENV_TIMEOUT, "0.1")

    result = land_file_contained(data_root, path)

    assert result.status == "failed" and result.hit_limit == {"timeout": 0.1}
    assert result.message == (
        "raw/igate/slow.csv: reading it took more than 0.1 s: stopped; if the file really is "
        "that large, raise CCHC_READ_TIMEOUT (seconds), else split it into smaller exports"
    )
    # No half-written landing is taken for a landing: only the failure's accounting.
    assert not list(data_root.landing.rglob("*.parquet"))
    assert land_file_contained(data_root, path).reused

    limits_env.setenv(ENV_TIMEOUT, SAFE_TIMEOUT)
    landed = land_file_contained(data_root, path)
    assert landed.status == "loaded" and landed.sheets[0].rows_loaded == 300_000


def test_a_file_the_system_cannot_read_is_not_recorded(data_root, limits_env):
    # Gone between the run's look at it and its reading (a network share dropped, a file
    # moved): nothing is known about its bytes, so nothing is recorded; the next run tries.
    path = good_export(data_root)
    pending = plan_landing(data_root, path)
    assert isinstance(pending, Pending)
    moved = path.with_name("moved.bin")
    path.rename(moved)
    result = read_pending(data_root, path, pending)
    assert result.status == "failed" and result.key is None and not result.reused
    assert not (pending.folder / f"{pending.key}.json").exists()

    moved.rename(path)
    assert land_file_contained(data_root, path).status == "loaded"
