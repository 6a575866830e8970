"""A data root's own profiles (`<root>/profiles/<source>.toml`) extend the shipped ones.

Real exports written by a real writer, landed and built by the pipeline itself
(flows/pipeline.py), and the warehouse read back.
"""

from __future__ import annotations

import duckdb
import pyarrow.parquet as pq
import pytest

from flows.ingest.landing import land_file
from flows.ingest.profile import ProfileError, get_profile
from flows.ops.summary import EXIT_FILES_FAILED
from flows.paths import DataPaths
from flows.pipeline import land_in_threads, run_pipeline
from tests.support import IGATE_HEADER, rows, write_units, write_xlsx

# Another vendor's name for the case code: not among the shipped profile's headers.
VENDOR_HEADER = ["Mã biên nhận" if h == "Mã hồ sơ" else h for h in IGATE_HEADER]
CASE = ["1.004227", "Đăng ký đất đai", "Đất đai", "Sở Tư pháp", "Trực tiếp", "05/10/2020"]


def _exports(paths: DataPaths) -> None:
    write_xlsx(paths.raw / "igate" / "good.xlsx", {"S": [IGATE_HEADER, [1, "A-1", *CASE]]})
    vendor = [VENDOR_HEADER, [1, "V-1", *CASE], [2, "V-2", *CASE]]
    write_xlsx(paths.raw / "igate" / "vendor.xlsx", {"Hồ sơ": vendor})
    write_units(paths, [("S01", "Sở Tư pháp", "tỉnh", "sở", "")])


def _local_profile(paths: DataPaths, source: str, text: str) -> None:
    paths.local_profiles.mkdir(parents=True, exist_ok=True)
    (paths.local_profiles / f"{source}.toml").write_text(text, encoding="utf-8")


def _dq_file(paths: DataPaths, file: str) -> dict:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        (found,) = rows(con, "SELECT * FROM dq_files WHERE file = ?", [file])
        return found


def _cases(paths: DataPaths) -> set[str]:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return {r["case_code"] for r in rows(con, "SELECT case_code FROM fct_filings")}


def test_a_header_added_in_the_data_roots_profile_lands_that_vendors_export(data_root):
    _exports(data_root)
    first = run_pipeline(data_root)
    assert (first.files_loaded, first.files_skipped, first.files_failed) == (2, 1, 0)
    vendor = _dq_file(data_root, "raw/igate/vendor.xlsx")
    assert vendor["status"] == "skipped"
    assert vendor["message"].startswith("no recognisable header (needs 'Mã hồ sơ', ")
    assert _cases(data_root) == {"A-1"}

    _local_profile(data_root, "igate", '[fields.case_code]\nheaders = ["Mã biên nhận"]\n')
    # Landing in threads, as the nightly flow does: each thread reads the data root's profile.
    second = run_pipeline(data_root, land_in_threads(2))

    # Both iGate exports are read again with the extended profile; the units registry is not.
    assert (second.files_loaded, second.files_skipped, second.files_parsed) == (3, 0, 2)
    assert second.rebuilt and second.exit_code == 0
    assert _dq_file(data_root, "raw/igate/vendor.xlsx")["rows_loaded"] == 2
    assert _cases(data_root) == {"A-1", "V-1", "V-2"}
    # The landings made with the shipped profile alone are pruned.
    assert len(list((data_root.landing / "igate").glob("*.json"))) == 2


def test_a_spelling_added_to_a_vocabulary_loads_the_rows_it_rejected(data_root):
    rows_written = [IGATE_HEADER[:12], [1, "A-1", *CASE, None, None, None, "Đang thụ lý"]]
    path = write_xlsx(data_root.raw / "igate" / "t10.xlsx", {"S": rows_written})
    rejected = land_file(data_root, path)
    assert rejected.sheets[0].rows_rejected == 1
    assert pq.read_table(rejected.rejects_path).column("reason").to_pylist() == [
        "unknown status: 'Đang thụ lý'"
    ]

    _local_profile(data_root, "igate", '[vocabularies.status]\n4 = ["Đang thụ lý"]\n')
    loaded = land_file(data_root, path)
    assert loaded.key != rejected.key and loaded.parsed
    assert loaded.sheets[0].rows_loaded == 1
    assert pq.read_table(loaded.data_path).column("status").to_pylist() == [4]
    # The shipped spellings still match, and the shipped profile is unchanged for other roots.
    assert get_profile("igate", data_root).field("status").vocabulary["đang xử lý"] == "4"
    assert "đang thụ lý" not in get_profile("igate").field("status").vocabulary


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[fields.ma_bien_nhan]\nheaders = ["Mã biên nhận"]\n',
            "profiles/igate.toml: [fields.ma_bien_nhan]: the igate profile has no field "
            "'ma_bien_nhan'",
        ),
        (
            '[fields.status]\ntype = "integer"\n',
            "profiles/igate.toml: [fields.status]: a local profile may only add headers, not type",
        ),
        (
            '[vocabularies.state]\n4 = ["Đang thụ lý"]\n',
            "profiles/igate.toml: [vocabularies.state]: the igate profile has no vocabulary "
            "'state'",
        ),
        (
            '[contains.status]\n11 = ["chờ ký"]\n',
            "profiles/igate.toml: [contains.status]: '11' is not a value of vocabulary 'status'",
        ),
        (
            '[vocabularies.channel]\nonline = ["Trực tiếp"]\n',
            "profiles/igate.toml: 'Trực tiếp' maps to both 'direct' and 'online' in "
            "vocabulary 'channel'",
        ),
        (
            '[fields.sector]\nheaders = ["Mã hồ sơ"]\n',
            "profiles/igate.toml: header 'Mã hồ sơ' is accepted by both 'case_code' and 'sector'",
        ),
        ('[source]\nfolder = "x"\n', "profiles/igate.toml: 'source' cannot be set"),
        ("[fields.case_code\n", "profiles/igate.toml: not a valid TOML profile"),
    ],
)
def test_a_local_profile_that_cannot_be_used_is_named_with_its_entry(data_root, text, message):
    _local_profile(data_root, "igate", text)
    with pytest.raises(ProfileError) as caught:
        get_profile("igate", data_root)
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_bad_local_profile_fails_its_sources_files_and_the_run_publishes_the_others(
    data_root,
):
    # Not a bad export: no file can stop a run, so the files the profile reads fail, named
    # with the profile's error, and the other sources are published (exit 3).
    _exports(data_root)
    _local_profile(data_root, "igate", '[fields.ma_bien_nhan]\nheaders = ["Mã biên nhận"]\n')
    report = run_pipeline(data_root)

    assert report.published and report.exit_code == EXIT_FILES_FAILED
    assert [f["file"] for f in report.failed_files] == [
        "raw/igate/good.xlsx",
        "raw/igate/vendor.xlsx",
    ]
    for failed in report.failed_files:
        assert failed["error"] == (
            f"{failed['file']}: profiles/igate.toml: [fields.ma_bien_nhan]: the igate profile "
            "has no field 'ma_bien_nhan' (its fields: case_code, procedure_code, "
            "procedure_name, sector, receiving_unit, channel, received_at, due_at, finished_at, "
            "returned_at, status, apology_at, applicant, applicant_phone, applicant_address, "
            "applicant_id)"
        )
    assert _dq_file(data_root, "raw/reference/units.xlsx")["status"] == "loaded"

    # Fixed, the next run (same process: the profile is cached by the file's bytes) reads it.
    _local_profile(data_root, "igate", '[fields.case_code]\nheaders = ["Mã biên nhận"]\n')
    fixed = run_pipeline(data_root)
    assert fixed.exit_code == 0 and _cases(data_root) == {"A-1", "V-1", "V-2"}


def test_profiles_are_per_data_root(tmp_path):
    extended, plain = DataPaths(tmp_path / "a"), DataPaths(tmp_path / "b")
    _local_profile(extended, "igate", '[fields.case_code]\nheaders = ["Mã biên nhận"]\n')
    assert get_profile("igate", extended).field("case_code").headers[-1] == "Mã biên nhận"
    assert "Mã biên nhận" not in get_profile("igate", plain).field("case_code").headers
    assert get_profile("igate", plain).digest == get_profile("igate").digest
    assert get_profile("igate", extended).digest != get_profile("igate").digest
