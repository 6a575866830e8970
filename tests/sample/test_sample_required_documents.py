"""The sample's required-documents list and the registers that fulfil or miss it (docs/spec.md
§9): the pipeline finds, from the files alone, the units the generator made issue each plan,
on time or late; the others miss it in one of the ways the generator wrote."""

from __future__ import annotations

import pytest
from python_calamine import CalamineWorkbook

from flows.paths import DataPaths
from flows.sample import write_sample
from flows.sample.documents import REQUIRED_FILE, REQUIRED_HEADERS, REQUIRED_ITEMS
from tests.support import land_and_build


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    paths = DataPaths(tmp_path_factory.mktemp("sample_required") / "data")
    summary = write_sample(paths.root, cases=100, seed=3)
    _, build, con = land_and_build(paths)
    yield paths, summary, build, con
    con.close()


def test_the_list_is_a_reference_file(run) -> None:
    paths, summary, _, _ = run
    book = CalamineWorkbook.from_path(str(paths.raw / "reference" / REQUIRED_FILE))
    rows = book.get_sheet_by_index(0).to_python()
    assert tuple(rows[0]) == REQUIRED_HEADERS
    assert [r[1] for r in rows[1:]] == [item.label for item in REQUIRED_ITEMS]
    assert summary.files["reference"] == 4


def test_every_required_unit_is_found_as_generated(run) -> None:
    _, summary, build, con = run
    e = summary.expected
    got = {
        label: (required, issued, late)
        for label, required, issued, late in con.execute(
            "SELECT label, sum(units_required), sum(units_issued), sum(units_issued_late) "
            "FROM ind_required_documents_share GROUP BY label"
        ).fetchall()
    }
    assert set(got) == {item.label for item in REQUIRED_ITEMS}
    for item in REQUIRED_ITEMS:
        expected = tuple(e[f"required_{item.key}_{what}"] for what in ("units", "issued", "late"))
        assert got[item.label] == expected, item.key
        required, issued, late = expected
        assert 0 < late < issued < required  # some on time, some late, some missing
    assert all(a.passed for a in build.audits if a.severity == "error")


def test_missing_plans_are_named_per_unit(run) -> None:
    _, summary, _, con = run
    e = summary.expected
    missing = con.execute(
        "SELECT label, count(*) FROM ind_required_documents WHERE NOT is_issued GROUP BY label"
    ).fetchall()
    assert dict(missing) == {
        item.label: e[f"required_{item.key}_units"] - e[f"required_{item.key}_issued"]
        for item in REQUIRED_ITEMS
    }
    levels = con.execute(
        "SELECT DISTINCT label, unit_level FROM ind_required_documents ORDER BY ALL"
    ).fetchall()
    assert levels == sorted(
        (item.label, level)
        for item in REQUIRED_ITEMS
        for level in (item.levels or ("tỉnh", "huyện", "xã"))
    )
