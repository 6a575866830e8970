"""The whole nightly flow on real files, through a real Prefect server and a real DuckDB file."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from flows.ops.nightly import nightly
from flows.ops.summary import EXIT_FILES_FAILED, EXIT_NOT_PUBLISHED, EXIT_OK
from flows.pipeline import RunNotPublished
from flows.sample import write_sample
from flows.warehouse.publish import configured_partitions
from tests.support import IGATE_HEADER, write_xlsx

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """The sample province-year, run twice: cold, then with nothing new."""
    root = tmp_path_factory.mktemp("sample")
    write_sample(root, cases=3000, seed=7)
    first = nightly(data_dir=str(root))
    first_exports = _export_digests(root)
    second = nightly(data_dir=str(root))
    return root, first, second, first_exports


def _export_digests(root: Path) -> dict[str, str]:
    exports = root / "processed" / "exports"
    return {
        p.relative_to(exports).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(exports.rglob("*"))
        if p.is_file()
    }


def _query(root: Path, sql: str):
    with duckdb.connect(str(root / "processed" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_sample_publishes_every_contract_table(sample_run):
    root, first, _, _ = sample_run
    assert first.published
    tables = {t for (t,) in _query(root, "SELECT table_name FROM information_schema.tables")}
    expected = {"fct_filings", "rpt_bieu06", "ind_channels", "ind_late"}
    expected |= {"dq_files", "dq_rejects", "dq_unmatched"}
    assert expected <= tables
    exports = root / "processed" / "exports"
    partitioned = configured_partitions()
    for table in expected:
        if table not in partitioned:
            assert (exports / f"{table}.parquet").is_file() and (exports / f"{table}.csv").is_file()
            continue
        # Hive-style parts, read back as the whole table; a CSV per part.
        column = partitioned[table].column
        parts = sorted((exports / table).glob(f"{column}=*/{table}.{column}=*.parquet"))
        assert parts, table
        assert len(list(exports.glob(f"{table}.{column}=*.csv"))) == len(parts)
        with duckdb.connect() as con:
            back = con.execute(
                f"SELECT count(*) FROM read_parquet('{exports / table}/**/*.parquet', "
                "hive_partitioning = true)"
            ).fetchone()[0]
        assert back == _query(root, f"SELECT count(*) FROM {table}")[0][0]


def test_sample_bieu06_identity_holds_on_every_row(sample_run):
    root, *_ = sample_run
    broken = _query(
        root,
        """
        SELECT count(*) FROM rpt_bieu06
        WHERE carried_over + received_total <> resolved_total + pending_total + other_ended
           OR received_total <> received_online + received_direct_postal
           OR resolved_total <> resolved_early + resolved_on_time + resolved_late
           OR pending_total <> pending_not_due + pending_overdue
        """,
    )[0][0]
    rows = _query(root, "SELECT count(*) FROM rpt_bieu06")[0][0]
    assert rows > 100 and broken == 0


def test_sample_accounting_adds_up_for_every_file(sample_run):
    root, first, *_ = sample_run
    bad = _query(
        root,
        "SELECT file, sheet FROM dq_files "
        "WHERE rows_read <> rows_loaded + rows_rejected + rows_skipped "
        "OR rows_superseded > rows_loaded",
    )
    assert bad == []
    assert first.rows_read == first.rows_loaded + first.rows_rejected + first.rows_skipped
    assert first.rows_rejected > 0 and first.rows_superseded > 0
    loaded = _query(
        root,
        "SELECT sum(rows_loaded) - sum(rows_superseded) FROM dq_files WHERE source = 'igate'",
    )[0][0]
    # One winner per case; the winners with status 1 or 3 are not received cases.
    winners = _query(
        root,
        "SELECT count(*), count(*) FILTER (WHERE status_code NOT IN (1, 3)) "
        "FROM int_cases__deduplicated",
    )[0]
    assert winners[0] == loaded
    assert _query(root, "SELECT count(*) FROM fct_filings")[0][0] == winners[1] > 0


def test_second_run_parses_nothing_and_exports_the_same_bytes(sample_run):
    root, first, second, first_exports = sample_run
    assert first.files_parsed >= first.files_loaded > 0
    assert second.files_parsed == 0
    assert second.files_loaded == first.files_loaded
    assert _export_digests(root) == first_exports


def test_nothing_personal_under_processed(sample_run):
    root, *_ = sample_run
    needles = _personal_values(root)
    assert len(needles) > 50
    for path in (root / "processed").rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            found = [n for n in needles if n.encode() in content]
            assert not found, f"{path.name} holds personal values {found[:3]}"


def _personal_values(root: Path) -> set[str]:
    """Phones, ID numbers and names as written in the raw exports' personal columns."""
    from flows.ingest.headers import find_header
    from flows.ingest.profile import get_profile
    from flows.ingest.readers import read_sheets

    profile = get_profile("igate")
    personal = {f.name for f in profile.fields if f.personal}
    values: set[str] = set()
    for path in sorted((root / "raw" / "igate").rglob("*.xlsx"))[:6]:
        for sheet in read_sheets(path):
            header = find_header(profile, sheet.rows)
            if header is None:
                continue
            cols = [c for c, name in header.columns.items() if name in personal]
            for row in sheet.rows[header.last_row + 1 :]:
                for c in cols:
                    if c < len(row) and row[c] and len(row[c].strip()) >= 8:
                        values.add(row[c].strip())
    return values


def test_a_corrupt_workbook_beside_good_ones_is_named_and_the_rest_publish(tmp_path):
    root = tmp_path / "d"
    rows = [
        IGATE_HEADER,
        [1, "A-1", "1.1", "x", "Đất đai", "Sở Tư pháp", "Trực tiếp", "01/10/2020"],
    ]
    good = write_xlsx(root / "raw" / "igate" / "good.xlsx", {"S": rows})
    (root / "raw" / "igate" / "hỏng.xlsx").write_bytes(good.read_bytes()[:500])
    report = nightly(data_dir=str(root))
    assert report.published and report.exit_code == EXIT_FILES_FAILED
    assert [f["file"] for f in report.failed_files] == ["raw/igate/hỏng.xlsx"]
    failed = _query(root, "SELECT file, status, message FROM dq_files WHERE status = 'failed'")
    assert failed[0][0] == "raw/igate/hỏng.xlsx" and failed[0][2]
    assert _query(root, "SELECT case_code FROM fct_filings") == [("A-1",)]


def test_a_failing_audit_keeps_yesterdays_warehouse(tmp_path, monkeypatch):
    root = tmp_path / "d"
    rows = [
        IGATE_HEADER,
        [1, "A-1", "1.1", "x", "Đất đai", "Sở Tư pháp", "Trực tiếp", "01/10/2020"],
    ]
    write_xlsx(root / "raw" / "igate" / "good.xlsx", {"S": rows})
    assert nightly(data_dir=str(root)).exit_code == EXIT_OK
    before = (root / "processed" / "warehouse.duckdb").read_bytes()

    import flows.pipeline

    failing_sql = tmp_path / "sql"
    shutil.copytree(flows.pipeline.SQL_DIR, failing_sql)
    (failing_sql / "tests" / "always_fails.sql").write_text(
        "-- severity: error\nSELECT case_code FROM fct_filings\n", encoding="utf-8"
    )
    # The SQL folder the pipeline builds and audits with (flows/pipeline.py).
    monkeypatch.setattr(flows.pipeline, "SQL_DIR", failing_sql)
    with pytest.raises(RunNotPublished) as caught:
        nightly(data_dir=str(root))
    assert caught.value.report.exit_code == EXIT_NOT_PUBLISHED
    assert "always_fails" in caught.value.report.error
    assert (root / "processed" / "warehouse.duckdb").read_bytes() == before


def test_a_deleted_export_drops_out_and_a_changed_one_is_read_again(tmp_path):
    root = tmp_path / "d"
    base = [1, "1.1", "x", "Đất đai", "Sở Tư pháp", "Trực tiếp"]
    october = write_xlsx(
        root / "raw" / "igate" / "t10.xlsx",
        {"S": [IGATE_HEADER, [1, "A-1", *base[1:], "01/10/2020"]]},
    )
    november = write_xlsx(
        root / "raw" / "igate" / "t11.xlsx",
        {"S": [IGATE_HEADER, [1, "B-1", *base[1:], "02/11/2020"]]},
    )
    nightly(data_dir=str(root))
    assert _query(root, "SELECT case_code FROM fct_filings ORDER BY 1") == [("A-1",), ("B-1",)]

    november.unlink()
    write_xlsx(october, {"S": [IGATE_HEADER, [1, "A-2", *base[1:], "03/10/2020"]]})
    report = nightly(data_dir=str(root))
    assert report.files_parsed == 1
    assert _query(root, "SELECT case_code FROM fct_filings ORDER BY 1") == [("A-2",)]
    assert _query(root, "SELECT file FROM dq_files") == [("raw/igate/t10.xlsx",)]
    landed = [p for p in (root / "processed" / "landing").rglob("*.parquet")]
    assert len(landed) == 2  # the data and the rejects of the one file left


def test_when_no_export_can_be_read_nothing_is_published(tmp_path):
    root = tmp_path / "d"
    rows = [
        IGATE_HEADER,
        [1, "A-1", "1.1", "x", "Đất đai", "Sở Tư pháp", "Trực tiếp", "01/10/2020"],
    ]
    good = write_xlsx(root / "raw" / "igate" / "t10.xlsx", {"S": rows})
    assert nightly(data_dir=str(root)).exit_code == EXIT_OK
    before = (root / "processed" / "warehouse.duckdb").read_bytes()
    good.write_bytes(good.read_bytes()[:400])
    with pytest.raises(RunNotPublished) as caught:
        nightly(data_dir=str(root))
    assert caught.value.report.exit_code == EXIT_NOT_PUBLISHED
    assert "none of the 1 export(s) could be read" in caught.value.report.error
    assert (root / "processed" / "warehouse.duckdb").read_bytes() == before


def test_a_night_with_nothing_new_keeps_the_build_and_a_change_rebuilds(tmp_path):
    root = tmp_path / "root"
    write_sample(root, cases=600, seed=11)
    first = nightly(data_dir=str(root))
    warehouse = root / "processed" / "warehouse.duckdb"
    exports = root / "processed" / "exports"
    built = warehouse.stat()
    exported = _export_digests(root)
    assert first.rebuilt and ".build_digest" in exported

    quiet = nightly(data_dir=str(root))
    assert quiet.published and not quiet.rebuilt
    assert (warehouse.stat().st_ino, warehouse.stat().st_mtime_ns) == (
        built.st_ino,
        built.st_mtime_ns,
    )
    assert quiet.rows_loaded == first.rows_loaded
    # the audits' warnings are still reported when nothing is rebuilt
    assert quiet.warnings == first.warnings

    # Exports lost (deleted by hand): rebuilt and published again, the same bytes.
    shutil.rmtree(exports)
    again = nightly(data_dir=str(root))
    assert again.rebuilt and _export_digests(root) == exported

    # One more export: the build must see it.
    month = sorted((root / "raw" / "igate").rglob("*.xlsx"))[0]
    shutil.copy(month, month.with_name("copy_" + month.name))
    changed = nightly(data_dir=str(root))
    assert changed.rebuilt and changed.files_loaded == first.files_loaded + 1
    files = _query(root, "SELECT count(DISTINCT file) FROM dq_files")[0][0]
    raw_files = [p for p in (root / "raw").rglob("*") if p.is_file() and p.name != ".gitkeep"]
    assert files == len(raw_files)
