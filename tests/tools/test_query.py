"""`cchc query`, `cchc status` and the run's artifacts on a small hand-made warehouse."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from flows.ops.artifacts import files_by_source, summary_markdown, top_reasons
from flows.ops.runlock import run_lock
from flows.ops.status import status_text
from flows.ops.summary import RunReport
from flows.paths import DataPaths
from flows.tools.query import describe, display_width, format_table, table_docs, truncate

NFD_LAND = unicodedata.normalize("NFD", "Đất đai")


def _build(paths: DataPaths) -> Path:
    paths.processed.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute(
            """
            CREATE TABLE fct_filings AS SELECT * FROM (VALUES
                ('A-1', 'Sở Tư pháp', 'Tư pháp', DATE '2020-10-01', 'late'),
                ('A-2', 'UBND huyện Cầu Kè', 'Đất đai', DATE '2020-10-02', 'early'),
                ('A-3', 'UBND huyện Cầu Kè', 'Đất đai', DATE '2020-10-03', 'on_time')
            ) t(case_code, unit_name, sector, received_date, outcome)
            """
        )
        con.execute(
            "CREATE TABLE ind_late AS SELECT 'Đất đai' AS sector, 10 AS resolved_late, "
            "40 AS resolved_total, 0.25 AS late_rate"
        )
        con.execute(
            """
            CREATE TABLE dq_rejects AS SELECT * FROM (VALUES
                ('raw/igate/a.xlsx', 'S', 5, 'status', 'Chờ ký', 'unknown status', 'error'),
                ('raw/igate/a.xlsx', 'S', 6, 'status', 'Chờ', 'unknown status', 'error'),
                ('raw/igate/b.csv', NULL, 9, 'due_at', 'x', 'no due date', 'warning')
            ) t(file, sheet, row_number, field, raw_value, reason, severity)
            """
        )
        con.execute(
            "CREATE TABLE dq_unmatched AS SELECT * FROM (VALUES "
            "('unit', 'UBND huyện Tiểu Cầm', 3), ('sector', 'Tư pháp - Hộ tịch', 7)) "
            "t(kind, name, occurrences)"
        )
        con.execute(
            """
            CREATE TABLE dq_files AS SELECT * FROM (VALUES
                ('raw/igate/a.xlsx', 'igate', 'S', 'loaded', 10, 8, 2, 0, 1),
                ('raw/igate/b.csv', 'igate', NULL, 'failed', 0, 0, 0, 0, 0),
                ('raw/reference/units.xlsx', 'reference', 'S', 'loaded', 4, 3, 0, 1, 0)
            ) t(file, source, sheet, status, rows_read, rows_loaded, rows_rejected,
                rows_skipped, rows_superseded)
            """
        )
        con.execute("CREATE TABLE ind_brand_new AS SELECT 1 AS x")
        con.execute("CREATE TABLE int_helper AS SELECT 1 AS x")
    return paths.warehouse


@pytest.fixture
def warehouse(tmp_path: Path) -> DataPaths:
    paths = DataPaths(tmp_path / "data")
    _build(paths)
    return paths


# ---- display width -------------------------------------------------------------------------


def test_vietnamese_takes_one_column_per_letter_in_either_unicode_form():
    assert display_width("Đất đai") == 7
    assert len(NFD_LAND) > 7 and display_width(NFD_LAND) == 7
    assert display_width("Thủ tục hành chính") == 18
    assert display_width("漢字") == 4  # East Asian wide
    assert display_width("a\u200bb") == 2  # a zero-width space takes no column


def test_truncate_cuts_by_columns_and_marks_the_cut():
    assert truncate("Trung tâm Phục vụ hành chính công", 12) == "Trung tâm P…"
    assert display_width(truncate(NFD_LAND * 3, 10)) == 10
    assert truncate("Hộ tịch", 10) == "Hộ tịch"


def test_table_columns_line_up_for_nfc_and_nfd_text():
    rows = [
        ["Đất đai", 12, 0.25],
        [NFD_LAND, 3, None],
        ["Lao động - Thương binh và Xã hội", 1234, 0.0333333],
    ]
    lines = format_table(["Lĩnh vực", "số", "tỷ lệ"], rows, [False, True, True]).splitlines()
    widths = {display_width(line) for line in lines}
    assert len(widths) == 1  # every line, rule included, as wide as the others
    # The second column ends at the same display column on every line (numbers to the right).
    header_end = display_width(lines[0].split("  số")[0] + "  số")
    for line in lines[2:]:
        cells = line.split("  ")
        assert display_width("  ".join(cells[:-1]).rstrip()) <= header_end
    assert "NULL" in lines[3] and "0.0333" in lines[4] and "0.25" in lines[2]


# ---- cchc query ----------------------------------------------------------------------------


def test_query_prints_an_aligned_table(warehouse, capsys):
    code = main(
        [
            "query",
            "--data-dir",
            str(warehouse.root),
            "SELECT unit_name, count(*) AS n FROM fct_filings GROUP BY 1 ORDER BY 1",
        ]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0].split() == ["unit_name", "n"]
    assert out[2].startswith("Sở Tư pháp ") and out[2].endswith(" 1")
    assert out[3].startswith("UBND huyện Cầu Kè ") and out[3].endswith(" 2")
    assert display_width(out[2]) == display_width(out[3])
    assert out[-1] == "(2 rows)"


def test_query_cuts_a_long_table_and_says_so(warehouse, capsys):
    sql = "FROM fct_filings ORDER BY case_code"
    assert main(["query", "--data-dir", str(warehouse.root), "--max-rows", "2", sql]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 + 2 + 1
    assert out[-1].startswith("(3 rows, the first 2 shown")


def test_query_lists_the_output_tables_with_their_meaning(warehouse, capsys):
    assert main(["query", "--tables", "--data-dir", str(warehouse.root)]) == 0
    out = capsys.readouterr().out
    assert "int_helper" not in out
    lines = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert set(lines) == {
        "dq_files", "dq_rejects", "dq_unmatched", "fct_filings", "ind_brand_new", "ind_late",
    }  # fmt: skip
    # grain and meaning come from sql/marts/schema.toml
    assert "received case" in lines["fct_filings"]
    assert "the case after de-duplication" in lines["fct_filings"]
    assert "period × unit × sector" in lines["ind_late"]
    assert lines["fct_filings"].split()[1] == "3"  # rows
    assert "an indicator table per period" in lines["ind_brand_new"]


def test_the_table_meanings_come_from_the_marts_schema_file(tmp_path):
    docs = table_docs()
    for table in ("fct_filings", "rpt_bieu06", "ind_channels", "ind_late", "dim_as_of"):
        assert docs[table][0] and docs[table][1]
    for table in ("dq_files", "dq_rejects", "dq_unmatched"):
        assert table in docs
    assert describe("ind_late", docs) == docs["ind_late"]
    assert describe("rpt_other", docs)[1].startswith("a report table")
    assert describe("whatever", docs) == ("", "a table of the warehouse")
    # A SQL folder without a schema file (a wheel built without it) still lists by prefix.
    assert table_docs(tmp_path) == {}
    assert describe("fct_filings", {})[1].startswith("a fact table")


def test_an_sql_error_shows_duckdbs_message_and_the_tables(warehouse, capsys):
    code = main(["query", "--data-dir", str(warehouse.root), "SELECT * FROM fct_filing"])
    captured = capsys.readouterr()
    assert code == 1
    assert "Table with name fct_filing does not exist" in captured.err
    assert "Tables you can query" in captured.err and "dq_unmatched" in captured.err
    assert captured.out == ""


def test_query_is_read_only(warehouse, capsys):
    before = warehouse.warehouse.read_bytes()
    code = main(["query", "--data-dir", str(warehouse.root), "DROP TABLE fct_filings"])
    assert code == 1
    assert "read-only" in capsys.readouterr().err
    assert warehouse.warehouse.read_bytes() == before


def test_query_without_a_warehouse_says_to_run_first(tmp_path, capsys):
    assert main(["query", "--data-dir", str(tmp_path), "SELECT 1"]) == 1
    assert "run `cchc run` first" in capsys.readouterr().err


def test_query_needs_sql_or_tables(warehouse):
    with pytest.raises(SystemExit) as caught:
        main(["query", "--data-dir", str(warehouse.root)])
    assert caught.value.code == 2


def test_query_writes_csv_json_and_xlsx(warehouse, tmp_path, capsys):
    sql = "SELECT case_code, sector, received_date FROM fct_filings ORDER BY 1"
    root = str(warehouse.root)
    assert main(["query", "--data-dir", root, "-o", str(tmp_path / "q.csv"), sql]) == 0
    raw = (tmp_path / "q.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Vietnamese
    assert raw.decode("utf-8-sig").splitlines()[2] == "A-2,Đất đai,2020-10-02"

    assert main(["query", "--data-dir", root, "--format", "json", sql]) == 0
    records = json.loads(capsys.readouterr().out)
    assert records[1] == {"case_code": "A-2", "sector": "Đất đai", "received_date": "2020-10-02"}

    xlsx = tmp_path / "out" / "q.xlsx"
    assert main(["query", "--data-dir", root, "--output", str(xlsx), sql]) == 0
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["case_code", "sector", "received_date"]
    assert rows[2][:2] == ["A-2", "Đất đai"]
    assert rows[2][2] in (date(2020, 10, 2), datetime(2020, 10, 2))

    with pytest.raises(SystemExit):
        main(["query", "--data-dir", root, "--format", "xlsx", sql])


# ---- cchc status ---------------------------------------------------------------------------


def _raw(paths: DataPaths, relative: str, mtime: float) -> None:
    path = paths.raw / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    os.utime(path, (mtime, mtime))


def test_status_tells_the_last_run_the_newest_exports_and_data_quality(warehouse, capsys):
    _raw(warehouse, "igate/2020/thang_01.xlsx", 1_600_000_000)
    _raw(warehouse, "igate/2020/thang_10.xlsx", 1_700_000_000)
    _raw(warehouse, "igate/cu/thang_02.xlsx", 1_650_000_000)
    _raw(warehouse, "reference/units.xlsx", 1_500_000_000)
    report = RunReport(data_root=str(warehouse.root), started_at="2026-01-02T02:00:00")
    report.ended_at = "2026-01-02T02:03:05"
    report.published = True
    report.files_loaded, report.files_failed = 4, 1
    report.failed_files = [{"file": "raw/igate/b.csv", "error": "cannot decode"}]
    report.save(warehouse.run_log)

    assert main(["status", "--data-dir", str(warehouse.root)]) == 0
    out = capsys.readouterr().out
    assert "Running now: no" in out
    assert "Last run: ended 2026-01-02 02:03:05 after 3 min 5 s, published, but 1 file(s)" in out
    assert "FAILED raw/igate/b.csv: cannot decode" in out
    igate = next(line for line in out.splitlines() if line.strip().startswith("igate"))
    assert igate.split()[1] == "3" and "raw/igate/2020/thang_10.xlsx" in igate
    late = next(line for line in out.splitlines() if line.strip().startswith("late "))
    assert late.split() == ["late", "0", "–", "–"]
    assert re.search(r"Warehouse: \S+warehouse\.duckdb, [\d.]+ (KB|MB), published 20", out)
    assert "Rejected rows: 2 (error), doubtful values: 1 (warning)" in out
    reasons = out.split("by reason, top 10:")[1].splitlines()
    assert reasons[3].split() == ["2", "error", "unknown", "status"]
    assert "Unmatched names: 2" in out
    unmatched = out.split("Unmatched names: 2")[1].splitlines()
    assert unmatched[3].split()[-1] == "7" and "Tư pháp - Hộ tịch" in unmatched[3]


def test_status_of_an_empty_root_and_of_a_root_being_written(tmp_path):
    paths = DataPaths(tmp_path / "data")
    text = status_text(paths)
    assert "Last run: none recorded" in text
    assert "Warehouse: none yet" in text
    with run_lock(paths, wait=0):
        assert f"Running now: a run (pid {os.getpid()}" in status_text(paths)


def test_status_says_when_the_last_run_published_nothing(warehouse):
    report = RunReport(data_root=str(warehouse.root), started_at="2026-01-02T02:00:00")
    report.ended_at = "2026-01-02T02:00:09"
    report.error = "audit rpt_bieu06_identity failed: 3 violating row(s)"
    report.save(warehouse.run_log)
    text = status_text(warehouse)
    assert "after 9 s, NOT published (exit 4): audit rpt_bieu06_identity failed" in text


# ---- artifacts -----------------------------------------------------------------------------


def test_the_run_summary_artifact_has_files_rows_rejects_and_headline(warehouse):
    report = RunReport(data_root="/srv/d", started_at="s", ended_at="e", published=True)
    report.files_loaded, report.rows_read, report.rows_rejected = 7, 100, 2
    report.headline = {
        "year": "2020", "late_rate": 0.125, "resolved_late": 5, "resolved_total": 40,
        "worst_sector": "Đất đai | cũ", "worst_sector_late_rate": 0.5, "worst_sector_late": 4,
        "worst_sector_resolved": 8, "online_rate": 0.2, "postal_rate": None, "received_total": 50,
    }  # fmt: skip
    with duckdb.connect(str(warehouse.warehouse), read_only=True) as con:
        text = summary_markdown(report, top_reasons(con))
        per_source = files_by_source(con)
    assert "| 7 | 0 | 0 | 0 |" in text
    assert "| 100 | 0 | 2 | 0 | 0 |" in text
    assert "| 2 | error | unknown status |" in text
    assert "12.5 % (5 / 40)" in text and "Đất đai \\| cũ" in text
    assert per_source[0] == {
        "source": "igate", "files_loaded": 1, "files_skipped": 0, "files_failed": 1,
        "rows_read": 10, "rows_loaded": 8, "rows_rejected": 2, "rows_skipped": 0,
        "rows_superseded": 1,
    }  # fmt: skip
    failed = RunReport(data_root="/d", started_at="s", error="audit x failed")
    assert "**NOT published**" in summary_markdown(failed) and "audit x failed" in (
        summary_markdown(failed)
    )
