"""The sample's document registers, postal items and late-case lists, landed and built.

The generator knows what it wrote (SampleSummary.expected); the pipeline must find the same
figures from the files alone.
"""

from __future__ import annotations

import pytest

from flows.paths import DataPaths
from flows.sample import write_sample
from tests.support import land_and_build


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    paths = DataPaths(tmp_path_factory.mktemp("sample_sources") / "data")
    summary = write_sample(paths.root, cases=1500, seed=5)
    _, build, con = land_and_build(paths)
    yield summary, build, con
    con.close()


def test_documents_as_generated(run) -> None:
    summary, _, con = run
    e = summary.expected
    total, secret, signed, issued, dated, late = con.execute(
        "SELECT sum(docs_total), sum(docs_secret), sum(docs_e_signed), sum(docs_e_issued), "
        "sum(docs_with_published_on), sum(docs_published_late) "
        "FROM ind_documents WHERE period_type = 'year'"
    ).fetchone()
    assert (total, secret) == (e["documents"], e["documents_secret"])
    assert signed / (total - secret) == pytest.approx(e["documents_e_signed_rate"])
    assert issued / (total - secret) == pytest.approx(e["documents_e_issued_rate"])
    assert late / dated == pytest.approx(e["documents_published_late_rate"])
    none = con.execute(
        "SELECT count(*) FROM ind_documents_zero_esign WHERE period_type = 'year'"
    ).fetchone()[0]
    assert none == e["units_without_e_signed_documents"]


def test_postal_items_as_generated(run) -> None:
    summary, _, con = run
    e = summary.expected
    got = con.execute(
        "SELECT sum(items_in), sum(items_out), sum(items_unmatched), sum(items_returned) "
        "FROM ind_postal WHERE period_type = 'year'"
    ).fetchone()
    assert got == (
        e["postal_items_in"],
        e["postal_items_out"],
        e["postal_items_unmatched"],
        e["postal_items_returned"],
    )


def test_late_lists_and_apologies(run) -> None:
    summary, build, con = run
    loaded, rejected = con.execute(
        "SELECT sum(rows_loaded), sum(rows_rejected) FROM dq_files WHERE source = 'late'"
    ).fetchone()
    assert loaded + rejected == summary.expected["late_list_rows"]
    late, with_apology, in_time = con.execute(
        "SELECT sum(late_cases), sum(with_apology), sum(apology_in_time) FROM ind_apology "
        "WHERE period_type = 'year'"
    ).fetchone()
    assert late > with_apology > in_time > 0
    assert all(a.passed for a in build.audits if a.severity == "error")


def test_units_own_reports_against_igate(run) -> None:
    summary, _, con = run
    shares = dict(
        con.execute(
            "SELECT unit_name || ' ' || period, igate_share FROM ind_reported_vs_igate"
        ).fetchall()
    )
    assert len(shares) == summary.expected["report_unit_periods"]
    # units that report what iGate holds, give or take files counted by hand
    for key in ("UBND huyện Càng Long 2020-Q1", "UBND huyện Càng Long 2020-Q3",
                "Sở Tư pháp 2020-10", "Sở Tài nguyên và Môi trường 2020"):  # fmt: skip
        assert 0.7 <= shares[key] <= 1.0, key
    # a district that processes on paper reports far more; a commune has nothing on iGate
    assert shares["UBND huyện Trà Cú 2020-Q3"] < 0.5
    assert shares["UBND xã An Trường 2020-Q3"] == 0.0
    problems = con.execute(
        "SELECT severity, count(*) FROM dq_rejects WHERE file LIKE 'raw/reports/%' GROUP BY ALL"
    ).fetchall()
    assert problems == [("warning", 1)]  # the mistyped total of Sở TNMT's report
