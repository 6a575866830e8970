"""sql/marts/schema.toml: its generic checks run as audits, catch what they say, and the pages
generated from it (README's output tables, docs/data-dictionary.md) are up to date."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from flows.paths import SQL_DIR, DataPaths
from flows.sample import write_sample
from flows.warehouse.runner import AuditError, build, run_audits
from flows.warehouse.schema import (
    SchemaError,
    load_schema,
    load_schema_file,
    mart_names,
    run_schema_audits,
    stale_docs,
    write_docs,
)
from tests.support import REPO, land_and_build


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    """The sample province-year (small), landed and built once: (warehouse path, build)."""
    paths = DataPaths(tmp_path_factory.mktemp("schema_sample") / "data")
    write_sample(paths.root, cases=1500, seed=2020)
    _, result, con = land_and_build(paths)
    con.close()
    return paths.warehouse, result


@pytest.fixture
def copy(sample, tmp_path: Path):
    """A writable copy of the sample warehouse, to break."""
    target = tmp_path / "copy.duckdb"
    shutil.copyfile(sample[0], target)
    con = duckdb.connect(str(target))
    yield con
    con.close()


@pytest.fixture
def sql_copy(tmp_path: Path) -> Path:
    """A copy of the project's SQL folder, whose schema file a test may edit."""
    return Path(shutil.copytree(SQL_DIR, tmp_path / "sql"))


def _failed(results) -> dict[str, int]:
    return {a.name: a.violations for a in results if a.name.startswith("schema__") and not a.passed}


def _by_name(results) -> dict:
    return {a.name: a for a in results}


# ---- the sample -----------------------------------------------------------------------------


def test_the_sample_passes_every_schema_audit_of_every_mart(sample):
    _, result = sample
    schema_audits = [a for a in result.audits if a.name.startswith("schema__")]
    assert schema_audits and all(a.passed for a in schema_audits), [
        (a.name, a.violations, a.sample) for a in schema_audits if not a.passed
    ]
    names = {a.name for a in schema_audits}
    # every mart is documented and checked, and the file lists exactly the mart models
    assert {n.split("__")[1] for n in names} == set(mart_names(SQL_DIR))
    assert set(load_schema(SQL_DIR).tables) == set(mart_names(SQL_DIR))
    for expected in (
        "schema__fct_filings__unique",
        "schema__fct_filings__not_null__case_code",
        "schema__fct_filings__accepted_values__outcome",
        "schema__rpt_bieu06__unique",
        "schema__ind_late__between_0_and_1__late_rate",
        "schema__ind_documents__between_0_and_1__published_late_rate",
        "schema__dq_unmatched__documented",
        "schema__dim_as_of__exists",
    ):
        assert expected in names
    assert all(a.severity == "error" for a in schema_audits)


# ---- each check catches a violation ---------------------------------------------------------


def test_each_generic_check_catches_its_violation(copy):
    late = copy.execute(
        "SELECT period_type, period, unit_name, sector FROM ind_late "
        "ORDER BY period_type, period, unit_name, sector LIMIT 3"
    ).fetchall()
    for (period_type, period, unit, sector), bad in zip(
        late, [1.5, -0.25, float("nan")], strict=True
    ):
        copy.execute(
            "UPDATE ind_late SET late_rate = ? WHERE period_type = ? AND period = ? "
            "AND unit_name = ? AND sector = ?",
            [bad, period_type, period, unit, sector],
        )
    # a duplicate key among the unmatched units (unit_code NULL): NULLs must still compare equal
    inserted = copy.execute(
        "INSERT INTO rpt_bieu06 SELECT * FROM rpt_bieu06 WHERE unit_code IS NULL "
        "ORDER BY period_type, period, unit_name, sector LIMIT 1"
    ).fetchone()[0]
    assert inserted == 1
    codes = [c for (c,) in copy.execute("SELECT case_code FROM fct_filings LIMIT 4").fetchall()]
    copy.execute("UPDATE fct_filings SET unit_name = NULL WHERE case_code = ?", [codes[0]])
    copy.execute("UPDATE fct_filings SET channel = 'fax' WHERE case_code IN (?, ?)", codes[1:3])
    copy.execute(
        "UPDATE dq_files SET status = 'lost' WHERE rowid = (SELECT min(rowid) FROM dq_files)"
    )

    results = run_schema_audits(copy, SQL_DIR)
    assert _failed(results) == {
        "schema__ind_late__between_0_and_1__late_rate": 3,
        "schema__rpt_bieu06__unique": 1,
        "schema__fct_filings__not_null__unit_name": 1,
        "schema__fct_filings__accepted_values__channel": 2,
        "schema__dq_files__accepted_values__status": 1,
    }
    audits = _by_name(results)
    duplicate = audits["schema__rpt_bieu06__unique"].sample[0]
    assert duplicate["unit_code"] is None and duplicate["duplicate_rows"] == 2
    assert {
        r["channel"] for r in audits["schema__fct_filings__accepted_values__channel"].sample
    } == {"fax"}

    # The runner's audits include them, beside the SQL audits of sql/tests/.
    every = run_audits(copy, SQL_DIR / "tests")
    assert _failed(every) == _failed(results)
    assert any(not a.name.startswith("schema__") for a in every)


def test_an_undocumented_rate_column_is_checked_and_reported(copy):
    copy.execute("ALTER TABLE ind_channels ADD COLUMN brand_new_rate DOUBLE")
    copy.execute(
        "UPDATE ind_channels SET brand_new_rate = 2.0 WHERE rowid IN (SELECT rowid FROM "
        "ind_channels ORDER BY rowid LIMIT 3)"
    )
    results = _by_name(run_schema_audits(copy, SQL_DIR))
    assert results["schema__ind_channels__between_0_and_1__brand_new_rate"].violations == 3
    documented = results["schema__ind_channels__documented"]
    assert documented.violations == 1 and documented.sample[0]["column_name"] == "brand_new_rate"


def test_an_undocumented_mart_is_reported_and_its_rates_checked(copy, sql_copy):
    (sql_copy / "marts" / "ind_brand_new.sql").write_text(
        "SELECT 1 AS n, 0.5 AS fine_rate, 7.0 AS wrong_rate\n", encoding="utf-8"
    )
    copy.execute("CREATE TABLE ind_brand_new AS SELECT 1 AS n, 0.5 AS fine_rate, 7.0 AS wrong_rate")
    assert _failed(run_schema_audits(copy, sql_copy)) == {
        "schema__ind_brand_new__documented": 3,
        "schema__ind_brand_new__between_0_and_1__wrong_rate": 1,
    }


def test_a_listed_column_or_table_absent_from_the_warehouse_is_an_error(copy, sql_copy):
    schema = sql_copy / "marts" / "schema.toml"
    text = schema.read_text(encoding="utf-8")
    text = text.replace(
        "[dim_as_of.columns.as_of]",
        '[dim_as_of.columns.ghost]\nmeaning = "gone"\nlabel = "Ma"\nnot_null = true\n\n'
        "[dim_as_of.columns.as_of]",
    )
    text += '\n[ind_gone]\nmeaning = "m"\ngrain = "g"\n'
    text += '[ind_gone.columns.a]\nmeaning = "a"\nlabel = "A"\n'
    text += '[ind_gone.columns.b_rate]\nmeaning = "b"\nlabel = "B"\n'
    schema.write_text(text, encoding="utf-8")
    results = run_schema_audits(copy, sql_copy)
    assert _failed(results) == {"schema__dim_as_of__exists": 1, "schema__ind_gone__exists": 2}
    audits = _by_name(results)
    assert audits["schema__dim_as_of__exists"].sample[0]["column_name"] == "ghost"
    assert audits["schema__dim_as_of__exists"].severity == "error"
    # no check is generated on a column that is not there (it could not run)
    assert not any("ghost" in name or "ind_gone__between" in name for name in audits)


def test_an_entry_may_lower_its_checks_to_warnings(copy, sql_copy):
    schema = sql_copy / "marts" / "schema.toml"
    text = schema.read_text(encoding="utf-8").replace(
        'accepted_values = ["direct", "online", "postal"]',
        'accepted_values = ["direct", "online", "postal"]\nseverity = "warning"',
        1,
    )
    schema.write_text(text, encoding="utf-8")
    copy.execute("UPDATE fct_filings SET channel = 'fax' WHERE rowid = 0")
    audits = _by_name(run_schema_audits(copy, sql_copy))
    channel = audits["schema__fct_filings__accepted_values__channel"]
    assert channel.severity == "warning" and channel.violations == 1
    assert audits["schema__fct_filings__not_null__channel"].severity == "warning"
    assert audits["schema__fct_filings__not_null__case_code"].severity == "error"


# ---- in a build -----------------------------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    # The runner builds only from a whole tree: every layer folder, even an empty one.
    for layer in ("staging", "intermediate", "marts", "tests"):
        (root / layer).mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE land_numbers AS SELECT * FROM (VALUES (1), (2), (NULL)) t(n)")


MINI_SCHEMA = """
[ind_numbers]
meaning = "numbers"
grain = "number"

[ind_numbers.columns.n]
meaning = "a number"
label = "Số"
{check}

[ind_numbers.columns.share_rate]
meaning = "n / 4"
label = "Tỷ lệ"
"""


def test_a_failing_schema_check_stops_the_build(tmp_path: Path):
    sql_dir = _write(
        tmp_path / "sql",
        {
            "marts/ind_numbers.sql": "SELECT n, n / 4 AS share_rate FROM land_numbers",
            "tests/fine.sql": "-- severity: error\nSELECT * FROM ind_numbers WHERE n < 0",
            "marts/schema.toml": MINI_SCHEMA.format(check="not_null = true"),
        },
    )
    target = tmp_path / "warehouse.duckdb"
    with pytest.raises(AuditError, match="schema__ind_numbers__not_null__n") as caught:
        build(target, _prepare, sql_dir)
    assert not target.exists()
    failed = [a for a in caught.value.results if not a.passed]
    assert [(a.name, a.violations) for a in failed] == [("schema__ind_numbers__not_null__n", 1)]

    (sql_dir / "marts" / "schema.toml").write_text(
        MINI_SCHEMA.format(check="accepted_values = [1, 2]"), encoding="utf-8"
    )
    result = build(target, _prepare, sql_dir)
    assert {a.name for a in result.audits} == {
        "fine",
        "schema__ind_numbers__exists",
        "schema__ind_numbers__documented",
        "schema__ind_numbers__accepted_values__n",
        "schema__ind_numbers__between_0_and_1__share_rate",
    }
    assert all(a.passed for a in result.audits)


def test_without_a_schema_file_there_are_no_schema_audits(tmp_path: Path):
    sql_dir = _write(
        tmp_path / "sql",
        {
            "marts/ind_numbers.sql": "SELECT n, n * 4 AS share_rate FROM land_numbers",
            "tests/fine.sql": "-- severity: error\nSELECT * FROM ind_numbers WHERE n < 0",
        },
    )
    result = build(tmp_path / "warehouse.duckdb", _prepare, sql_dir)
    assert [a.name for a in result.audits] == ["fine"]


# ---- reading the file -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[t]\nmeaning = 'm'\ngrain = 'g'\n[t.columns.c]\nmeaning = 'c'\n",
            r"\[t\.columns\.c\].*label",
        ),
        (
            "[t]\nmeaning = 'm'\ngrain = 'g'\n[t.columns.c]\nmeaning = 'c'\nlabel = 'C'\n"
            "not_nul = true\n",
            r"\[t\.columns\.c\] unknown key.*not_nul",
        ),
        (
            "[t]\nmeaning = 'm'\ngrain = 'g'\nunique = ['x']\n[t.columns.c]\nmeaning = 'c'\n"
            "label = 'C'\n",
            r"\[t\] `unique` names columns not listed: \['x'\]",
        ),
        (
            "[t]\nmeaning = 'm'\ngrain = 'g'\n[t.columns.c]\nmeaning = 'c'\nlabel = 'C'\n"
            "severity = 'fatal'\n",
            r"\[t\.columns\.c\] severity",
        ),
        ("[t]\nmeaning = 'm'\n", r"\[t\] needs its columns"),
        ("[t\nmeaning = 'm'\n", r"schema\.toml: "),
    ],
)
def test_a_bad_entry_is_named_with_the_file(tmp_path: Path, text: str, message: str):
    path = tmp_path / "schema.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError, match=message) as caught:
        load_schema_file(path)
    assert str(path) in str(caught.value)


# ---- generated pages ------------------------------------------------------------------------


def test_readme_tables_and_the_data_dictionary_are_up_to_date():
    stale = stale_docs(REPO)
    assert not stale, (
        f"{[str(p) for p in stale]} differ from sql/marts/schema.toml: run "
        "`.venv/bin/python -m flows.warehouse.schema --write-docs`"
    )


def test_a_schema_change_makes_both_pages_stale_until_rewritten(tmp_path: Path):
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "sql", repo / "sql")
    shutil.copy(REPO / "README.md", repo / "README.md")
    (repo / "docs").mkdir()
    shutil.copy(REPO / "docs" / "data-dictionary.md", repo / "docs" / "data-dictionary.md")
    assert stale_docs(repo) == []
    schema = repo / "sql" / "marts" / "schema.toml"
    schema.write_text(
        schema.read_text(encoding="utf-8").replace(
            'label = "Tỷ lệ trễ hạn"', 'label = "Tỷ lệ muộn"'
        ),
        encoding="utf-8",
    )
    readme_before = (repo / "README.md").read_text(encoding="utf-8")
    schema.write_text(
        schema.read_text(encoding="utf-8").replace(
            'meaning = "late and overdue counts and rates (Decision 766 style)"',
            'meaning = "late | overdue"',
        ),
        encoding="utf-8",
    )
    assert stale_docs(repo) == [repo / "README.md", repo / "docs" / "data-dictionary.md"]
    assert write_docs(repo) == [repo / "README.md", repo / "docs" / "data-dictionary.md"]
    assert stale_docs(repo) == []
    readme = (repo / "README.md").read_text(encoding="utf-8")
    assert "| `ind_late` | period × unit × sector | late \\| overdue |" in readme
    # only the part between the markers changed
    assert (
        readme.split("<!-- tables:start -->")[0] == readme_before.split("<!-- tables:start -->")[0]
    )
    assert readme.split("<!-- tables:end -->")[1] == readme_before.split("<!-- tables:end -->")[1]
    dictionary = (repo / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert "| `late_rate` | Tỷ lệ muộn |" in dictionary
