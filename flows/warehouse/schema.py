"""The marts' column docs and generic checks, kept beside the models in `marts/schema.toml`.

Like dbt's schema.yml: every mart has a one-line meaning and a grain, every column a meaning,
a Vietnamese label and optional checks (`not_null`, `accepted_values`, `between_0_and_1`, and
the table's `unique` key). `run_schema_audits` turns them into audits that run with the SQL
audits of `sql/tests/` in every build (flows/warehouse/runner.py `run_audits`), named
`schema__<table>__<check>[__<column>]`. Two rules need no entry, so nobody has to remember
them: every mart column ending in `_rate` is a fraction in [0, 1] or NULL (docs/spec.md §5),
and the file must document exactly the marts' columns. An undocumented mart or column is an
error, not a warning: the file ships with the models, so a column added without its entry is
a code change the test suite's sample build stops before it reaches a night run, and a
warning would let the data dictionary silently fall behind the warehouse.

A table may also say how it is exported (flows/warehouse/publish.py): `export_partition =
{ column = "year", expression = "year(received_at)" }` writes it as Hive-style parts
`exports/<table>/year=<value>/`, one per value of the expression, so a night that changes one
year rewrites one part. The column is the name readers see for the value; it must not be one
of the table's own columns, which the readers would then see twice.

The same file generates `cchc query --tables`, the README's "Output tables" and
docs/data-dictionary.md; `python -m flows.warehouse.schema --write-docs` rewrites both pages.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from flows.paths import PACKAGE_DIR, SQL_DIR
from flows.warehouse.runner import AuditResult, count_violations, increment_rows

MARTS_DIRNAME = "marts"
SCHEMA_FILENAME = "schema.toml"
RATE_SUFFIX = "_rate"
SEVERITIES = ("error", "warning")
TABLE_KEYS = {"meaning", "grain", "unique", "severity", "columns", "export_partition"}
PARTITION_KEYS = {"column", "expression"}
# A Hive folder name `<column>=<value>`: kept to plain identifiers, which every reader parses.
PARTITION_COLUMN = re.compile(r"[a-z_][a-z0-9_]*")
COLUMN_KEYS = {"meaning", "label", "not_null", "accepted_values", "between_0_and_1", "severity"}

README_START = "<!-- tables:start -->"
README_END = "<!-- tables:end -->"
DICTIONARY_PATH = Path("docs") / "data-dictionary.md"
WRITE_DOCS_COMMAND = ".venv/bin/python -m flows.warehouse.schema --write-docs"


class SchemaError(Exception):
    """The schema file cannot be read or has a bad entry; the message names both."""


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    label: str
    not_null: bool = False
    accepted_values: tuple[str | int | float | bool, ...] = ()
    between_0_and_1: bool = False
    severity: str = "error"

    @property
    def in_unit_interval(self) -> bool:
        """Checked between 0 and 1: listed so, or named like a rate."""
        return self.between_0_and_1 or self.name.endswith(RATE_SUFFIX)


@dataclass(frozen=True)
class ExportPartition:
    """How a table's exports are split: one part per value of `expression`, named `column`."""

    column: str
    expression: str


@dataclass(frozen=True)
class Table:
    name: str
    meaning: str
    grain: str
    columns: dict[str, Column]
    unique: tuple[str, ...] | None = None  # None: no key; (): at most one row
    severity: str = "error"
    export_partition: ExportPartition | None = None


@dataclass(frozen=True)
class Schema:
    path: Path
    tables: dict[str, Table]


@dataclass(frozen=True)
class SchemaAudit:
    """One generated audit: a query returning the violating rows."""

    name: str
    severity: str
    sql: str
    table: str = ""
    # Each violating row depends on its own row only (not_null, accepted_values, between_0_and_1)
    # or, for `unique`, on the rows sharing these key columns.
    row_local: bool = False
    key: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------------------------


def schema_path(sql_dir: Path = SQL_DIR) -> Path:
    """Where the runner looks: beside the mart models of the SQL folder it builds from."""
    return Path(sql_dir) / MARTS_DIRNAME / SCHEMA_FILENAME


def load_schema(sql_dir: Path = SQL_DIR) -> Schema | None:
    """The schema of `sql_dir`'s marts; None when the folder has no schema file."""
    path = schema_path(sql_dir)
    return load_schema_file(path) if path.is_file() else None


def load_schema_file(path: Path) -> Schema:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SchemaError(f"{path}: {exc}") from exc
    tables = {name: _table(path, name, entry) for name, entry in data.items()}
    return Schema(path, tables)


def _fail(path: Path, entry: str, problem: str) -> SchemaError:
    return SchemaError(f"{path}: [{entry}] {problem}")


def _text(path: Path, entry: str, data: dict, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, entry, f"needs `{key}`, one line of text")
    if "\n" in value:
        raise _fail(path, entry, f"`{key}` must be one line")
    return value.strip()


def _severity_of(path: Path, entry: str, data: dict) -> str:
    severity = data.get("severity", "error")
    if severity not in SEVERITIES:
        raise _fail(path, entry, f"severity must be 'error' or 'warning', not {severity!r}")
    return severity


def _flag(path: Path, entry: str, data: dict, key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise _fail(path, entry, f"`{key}` must be true or false")
    return value


def _table(path: Path, name: str, entry: object) -> Table:
    if not isinstance(entry, dict):
        raise _fail(path, name, "must be a table with meaning, grain and columns")
    unknown = sorted(set(entry) - TABLE_KEYS)
    if unknown:
        raise _fail(path, name, f"unknown key(s) {unknown}; allowed: {sorted(TABLE_KEYS)}")
    columns_data = entry.get("columns")
    if not isinstance(columns_data, dict) or not columns_data:
        raise _fail(path, name, f"needs its columns as [{name}.columns.<column>] tables")
    columns = {
        column: _column(path, f"{name}.columns.{column}", column, data)
        for column, data in columns_data.items()
    }
    unique = entry.get("unique")
    if unique is not None:
        if not isinstance(unique, list) or not all(isinstance(c, str) for c in unique):
            raise _fail(path, name, "`unique` must be a list of column names")
        missing = [c for c in unique if c not in columns]
        if missing:
            raise _fail(path, name, f"`unique` names columns not listed: {missing}")
        unique = tuple(unique)
    return Table(
        name=name,
        meaning=_text(path, name, entry, "meaning"),
        grain=_text(path, name, entry, "grain"),
        columns=columns,
        unique=unique,
        severity=_severity_of(path, name, entry),
        export_partition=_export_partition(path, name, entry, columns),
    )


def _export_partition(
    path: Path, name: str, entry: dict, columns: dict[str, Column]
) -> ExportPartition | None:
    data = entry.get("export_partition")
    if data is None:
        return None
    if not isinstance(data, dict) or set(data) != PARTITION_KEYS:
        raise _fail(path, name, '`export_partition` must be { column = "…", expression = "…" }')
    column = data["column"]
    if not isinstance(column, str) or not PARTITION_COLUMN.fullmatch(column):
        raise _fail(
            path, name, f"`export_partition.column` must be a lower-case identifier, not {column!r}"
        )
    if column in columns:
        raise _fail(
            path,
            name,
            f"`export_partition.column` {column!r} is a column of the table: readers of the "
            "parts would see it twice; choose another name",
        )
    expression = _text(path, f"{name}.export_partition", data, "expression")
    return ExportPartition(column=column, expression=expression)


def export_partitions(schema: Schema | None) -> dict[str, ExportPartition]:
    """table -> how its exports are split, for the tables that say."""
    if schema is None:
        return {}
    return {
        name: table.export_partition
        for name, table in schema.tables.items()
        if table.export_partition is not None
    }


def _column(path: Path, entry: str, name: str, data: object) -> Column:
    if not isinstance(data, dict):
        raise _fail(path, entry, "must be a table with meaning and label")
    unknown = sorted(set(data) - COLUMN_KEYS)
    if unknown:
        raise _fail(path, entry, f"unknown key(s) {unknown}; allowed: {sorted(COLUMN_KEYS)}")
    accepted = data.get("accepted_values", [])
    if not isinstance(accepted, list) or not all(
        isinstance(v, str | int | float | bool) for v in accepted
    ):
        raise _fail(path, entry, "`accepted_values` must be a list of strings or numbers")
    if "accepted_values" in data and not accepted:
        raise _fail(path, entry, "`accepted_values` is empty: no value could pass")
    return Column(
        name=name,
        meaning=_text(path, entry, data, "meaning"),
        label=_text(path, entry, data, "label"),
        not_null=_flag(path, entry, data, "not_null"),
        accepted_values=tuple(accepted),
        between_0_and_1=_flag(path, entry, data, "between_0_and_1"),
        severity=_severity_of(path, entry, data),
    )


# --------------------------------------------------------------------------------------------
# Audits
# --------------------------------------------------------------------------------------------


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + value.replace("'", "''") + "'"


def _values(values: Iterable[str | int | float | bool]) -> str:
    return ", ".join(_literal(v) for v in values)


def _columns_of(table: str) -> str:
    # The main schema of the connection's own database: not a temporary view, not an
    # attached database holding a table of the same name.
    return (
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        f"AND schema_name = 'main' AND table_name = {_literal(table)}"
    )


def mart_names(sql_dir: Path) -> list[str]:
    """The marts of `sql_dir`: one per `marts/*.sql` model."""
    return sorted(p.stem for p in (Path(sql_dir) / MARTS_DIRNAME).glob("*.sql"))


def warehouse_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """table -> its columns in order, for the tables and views of the main schema."""
    rows = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "ORDER BY table_name, column_index"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def schema_audits(
    schema: Schema, marts: Iterable[str], columns: dict[str, list[str]]
) -> list[SchemaAudit]:
    """The audits of `schema` against a warehouse whose tables have `columns`.

    `marts` are the mart models' names; a mart the schema does not list is reported, and its
    `_rate` columns are still checked. A check on a column the warehouse lacks is not
    generated (it could not run): the `exists` audit reports the column instead.
    """
    audits: list[SchemaAudit] = []
    source = f"{MARTS_DIRNAME}/{SCHEMA_FILENAME}"
    names = list(schema.tables) + sorted(set(marts) - set(schema.tables))
    for name in names:
        table = schema.tables.get(name)
        present = columns.get(name)
        if present is None and table is None:
            continue  # a mart model that built nothing: the runner has already failed
        prefix = f"schema__{name}__"
        listed = list(table.columns) if table else []
        if table is not None:
            audits.append(
                SchemaAudit(
                    prefix + "exists",
                    "error",
                    f"SELECT column_name, 'listed in {source}, not in the warehouse' AS problem\n"
                    f"FROM (VALUES {', '.join(f'({_literal(c)})' for c in listed)}) "
                    "AS listed(column_name)\n"
                    f"WHERE column_name NOT IN ({_columns_of(name)})",
                )
            )
        if present is None:
            continue
        problem = f"not in {source}" if table else f"table not in {source}"
        documented = f"\nWHERE column_name NOT IN ({_values(listed)})" if listed else ""
        audits.append(
            SchemaAudit(
                prefix + "documented",
                "error",
                f"SELECT column_name, {_literal(problem)} AS problem\n"
                f"FROM ({_columns_of(name)}) AS present{documented}",
            )
        )
        relation = _ident(name)
        keyed = table is not None and table.unique is not None
        if keyed and all(c in present for c in table.unique):
            keys = ", ".join(_ident(c) for c in table.unique)
            # GROUP BY puts NULLs together: a unit_code NULL for two unmatched names is
            # told apart by unit_name, and two rows with every key NULL are a duplicate.
            sql = (
                f"SELECT {keys}, count(*) AS duplicate_rows FROM {relation}\n"
                f"GROUP BY {keys} HAVING count(*) > 1"
                if keys
                else f"SELECT count(*) AS duplicate_rows FROM {relation} HAVING count(*) > 1"
            )
            audits.append(
                SchemaAudit(prefix + "unique", table.severity, sql, name, key=table.unique)
            )
        for column_name in present:
            column = table.columns.get(column_name) if table else None
            if column is None:
                # Not documented, yet a rate is still a fraction: check it anyway.
                column = Column(column_name, "", "")
            col = _ident(column_name)
            if column.not_null:
                audits.append(
                    SchemaAudit(
                        f"{prefix}not_null__{column_name}",
                        column.severity,
                        f"SELECT * FROM {relation} WHERE {col} IS NULL",
                        name,
                        row_local=True,
                    )
                )
            if column.accepted_values:
                audits.append(
                    SchemaAudit(
                        f"{prefix}accepted_values__{column_name}",
                        column.severity,
                        f"SELECT * FROM {relation}\nWHERE {col} IS NOT NULL "
                        f"AND {col} NOT IN ({_values(column.accepted_values)})",
                        name,
                        row_local=True,
                    )
                )
            if column.in_unit_interval:
                # NaN is not between 0 and 1 in DuckDB, so a 0/0 computed as a double fails.
                audits.append(
                    SchemaAudit(
                        f"{prefix}between_0_and_1__{column_name}",
                        column.severity,
                        f"SELECT * FROM {relation}\nWHERE {col} IS NOT NULL "
                        f"AND NOT ({col} BETWEEN 0 AND 1)",
                        name,
                        row_local=True,
                    )
                )
    return audits


def run_schema_audits(
    con: duckdb.DuckDBPyConnection, sql_dir: Path, keyed: dict[str, str] | None = None
) -> list[AuditResult]:
    """Run the audits of `<sql_dir>/marts/schema.toml`; none when the folder has no such file.

    With `keyed` (an incremental build, see run_audits), an error check of a keyed model's
    rows one by one, or of its uniqueness on a key holding its incremental key, reads only the
    new keys' rows.
    """
    schema = load_schema(sql_dir)
    if schema is None:
        return []
    results = []
    for audit in schema_audits(schema, mart_names(sql_dir), warehouse_columns(con)):
        key = (keyed or {}).get(audit.table)
        local = key is not None and (audit.row_local or key in audit.key)
        within = {audit.table: key} if local and audit.severity == "error" else {}
        with increment_rows(con, within):
            source = f"{schema.path}: audit {audit.name}"
            results.append(count_violations(con, audit.name, audit.severity, audit.sql, source))
    return results


# --------------------------------------------------------------------------------------------
# Generated documentation
# --------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _code_list(values: Iterable[object]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def column_checks(column: Column) -> list[str]:
    """The checks a column is held to, as the data dictionary writes them."""
    checks = []
    if column.not_null:
        checks.append("not null")
    if column.accepted_values:
        checks.append("one of " + _code_list(column.accepted_values))
    if column.in_unit_interval:
        checks.append("between 0 and 1 or NULL")
    if checks and column.severity == "warning":
        checks.append("(warning only)")
    return checks


def key_text(table: Table) -> str:
    if table.unique is None:
        return "none checked"
    if not table.unique:
        return "at most one row"
    return _code_list(table.unique) + " (unique; NULLs compare equal)"


def output_tables_markdown(schema: Schema) -> str:
    """The README's "Output tables": table, grain and meaning of every mart."""
    lines = ["| table | one row per | meaning |", "|---|---|---|"]
    for table in schema.tables.values():
        lines.append(f"| `{table.name}` | {_cell(table.grain)} | {_cell(table.meaning)} |")
    return "\n".join(lines) + "\n"


def data_dictionary_markdown(schema: Schema) -> str:
    """docs/data-dictionary.md: every mart with its grain, key and columns."""
    out = [
        "# Data dictionary",
        "",
        "<!-- Generated from sql/marts/schema.toml: edit the schema file, not this page, then",
        f"     run `{WRITE_DOCS_COMMAND}`. -->",
        "",
        "The output tables (marts) of the warehouse, their columns with their Vietnamese",
        "labels, and the checks every build runs on them (docs/spec.md §5 has the rules).",
        "Each check is an audit named `schema__<table>__<check>[__<column>]`; an error-severity",
        "violation stops the build before the warehouse is published. Beyond the listed checks,",
        "every column whose name ends in `_rate` is checked between 0 and 1 (or NULL), and a",
        "mart column missing from the schema file, or listed there but absent, fails the build.",
        "",
        "| table | one row per | meaning |",
        "|---|---|---|",
    ]
    for table in schema.tables.values():
        out.append(
            f"| [`{table.name}`](#{table.name}) | {_cell(table.grain)} | {_cell(table.meaning)} |"
        )
    for table in schema.tables.values():
        out += [
            "",
            f"## {table.name}",
            "",
            f"{table.meaning[0].upper()}{table.meaning[1:]}.",
            "",
            f"- One row per: {table.grain}",
            f"- Key: {key_text(table)}",
            "",
            "| column | Vietnamese label | meaning | checks |",
            "|---|---|---|---|",
        ]
        for column in table.columns.values():
            checks = "; ".join(column_checks(column)) or "–"
            out.append(
                f"| `{column.name}` | {_cell(column.label)} | {_cell(column.meaning)} "
                f"| {_cell(checks)} |"
            )
    return "\n".join(out) + "\n"


def readme_with_tables(readme: str, schema: Schema) -> str:
    """`readme` with the generated table between its tables:start / tables:end markers."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise SchemaError(f"README.md: needs the markers {README_START} … {README_END}")
    head = readme[: start + len(README_START)]
    return f"{head}\n{output_tables_markdown(schema)}{readme[end:]}"


def generated_docs(repo: Path, sql_dir: Path | None = None) -> dict[Path, str]:
    """path -> the text it should have, for README.md and docs/data-dictionary.md.

    The schema is the checkout's own (`<repo>/sql`) unless `sql_dir` says otherwise.
    """
    folder = Path(repo) / "sql" if sql_dir is None else Path(sql_dir)
    schema = load_schema(folder)
    if schema is None:
        raise SchemaError(f"{schema_path(folder)}: no such file")
    readme = Path(repo) / "README.md"
    return {
        readme: readme_with_tables(readme.read_text(encoding="utf-8"), schema),
        Path(repo) / DICTIONARY_PATH: data_dictionary_markdown(schema),
    }


def stale_docs(repo: Path, sql_dir: Path | None = None) -> list[Path]:
    """The generated pages whose text differs from what the schema gives."""
    return [
        path
        for path, text in generated_docs(repo, sql_dir).items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]


def write_docs(repo: Path, sql_dir: Path | None = None) -> list[Path]:
    """Rewrite the stale generated pages; returns them."""
    written = []
    for path, text in generated_docs(repo, sql_dir).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flows.warehouse.schema",
        description="README.md's output tables and docs/data-dictionary.md from "
        "sql/marts/schema.toml.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write-docs", action="store_true", help="rewrite the stale pages")
    action.add_argument("--check", action="store_true", help="exit 1 when a page is stale")
    parser.add_argument(
        "--repo", type=Path, default=PACKAGE_DIR.parent, help="the checkout (default: this one)"
    )
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = stale_docs(args.repo)
            for path in stale:
                print(f"stale: {path} (run `{WRITE_DOCS_COMMAND}`)", file=sys.stderr)
            return 1 if stale else 0
        for path in write_docs(args.repo):
            print(f"wrote {path}")
    except (SchemaError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
