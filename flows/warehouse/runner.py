"""The model runner: plain SQL files in dependency order, audits, and an atomic swap.

A model is `sql/<layer>/<name>.sql`; it becomes the table (or view) `<name>`. The order comes
from the tables DuckDB finds each model reading, so files need no numbers. Audits in
`sql/tests/` return violating rows; their first line gives the severity. The warehouse is built
in `<target>.building` and only replaces `<target>` once every error-severity audit passes, so a
reader never sees a half-built or failing warehouse.
"""

from __future__ import annotations

import graphlib
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from flows.paths import SQL_DIR

TESTS_DIRNAME = "tests"
# The folders a whole SQL tree has: a build missing one would publish a warehouse without its
# tables (docs/architecture.md, "Models").
MODEL_LAYERS = ("staging", "intermediate", "marts", TESTS_DIRNAME)
SAMPLE_ROWS = 5


class ModelGraphError(Exception):
    """The models cannot be ordered: a cycle, a missing name, a duplicate or a bad header."""


class IncompleteBuild(ModelGraphError):
    """The build is not whole (no model, a layer folder, a published mart or every audit is
    missing): it is not published and the previous warehouse and exports stay as they were.
    """


class ModelError(Exception):
    """A model or audit query failed in DuckDB; the message names the file."""


class NotIncremental(Exception):
    """An incremental build would not equal a full one: the caller builds in full instead."""


@dataclass(frozen=True)
class Increment:
    """What is new since the published build, for an incremental build on a copy of it.

    `keys_sql` returns one column, `key`: the values of the incremental models' key in the new
    rows (the case codes of the new exports).
    """

    keys_sql: str


class AuditError(Exception):
    """An error-severity audit found violations; the warehouse was not replaced."""

    def __init__(self, message: str, results: list[AuditResult]) -> None:
        super().__init__(message)
        self.results = results


@dataclass(frozen=True)
class Model:
    name: str
    path: Path
    sql: str
    materialized: str = "table"
    # Every table or view the query reads (read_names): lower case, CTE names excluded.
    reads: frozenset[str] = frozenset()
    # `-- incremental: <column>`: each row depends only on the input rows with the same value of
    # that column, so an incremental build recomputes the rows of the new keys only.
    incremental_key: str | None = None
    # `-- summed_by: <column>, …`: the table is counts and sums over the rows of its incremental
    # inputs, grouped by these columns; an incremental build adds the new keys' rows and takes
    # away what their published rows counted, instead of scanning every case again.
    summed_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditResult:
    name: str
    severity: str
    violations: int
    sample: list[dict[str, object]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.violations == 0


@dataclass(frozen=True)
class BuildResult:
    target: Path
    audits: list[AuditResult]
    timings: dict[str, float]

    @property
    def warnings(self) -> list[AuditResult]:
        return [a for a in self.audits if a.severity == "warning" and not a.passed]


# --------------------------------------------------------------------------------------------
# Reading the names a model depends on
# --------------------------------------------------------------------------------------------


_FUNCTIONS_SQL = """
    SELECT DISTINCT function_name, function_type = 'table_macro', len(parameters)
    FROM duckdb_functions()
    WHERE function_type IN ('scalar', 'macro', 'table_macro')
"""


def name_reader(connection: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """A scratch connection where read_names can bind the models `connection` runs.

    DuckDB binds the functions a query calls to find the tables it reads, so each function
    `connection` adds to DuckDB's own (name_key, sector_key) gets a stand-in of the same arity.
    Its tables and views stay out: DuckDB would bind a view's own query too, and that of a
    land_* view (read_parquet of a list of files) fails there.
    """
    reader = duckdb.connect()
    if connection is None:
        return reader
    own = reader.execute(_FUNCTIONS_SQL).fetchall()
    known = {name for name, _, _ in own}
    added: dict[tuple[str, bool], set[int]] = {}
    for name, is_table, arity in connection.execute(_FUNCTIONS_SQL).fetchall():
        if name not in known:
            added.setdefault((name, is_table), set()).add(arity)
    for (name, is_table), arities in sorted(added.items()):
        body = "TABLE (SELECT NULL AS x)" if is_table else "NULL"
        overloads = ", ".join(
            "(" + ", ".join(f"p{i}" for i in range(n)) + f") AS {body}" for n in sorted(arities)
        )
        reader.execute(f"CREATE MACRO {_quote(name)}{overloads}")
    return reader


def read_names(sql: str, connection: duckdb.DuckDBPyConnection | None = None) -> set[str]:
    """The tables and views one SQL text reads, lower case and unqualified; CTEs excluded.

    DuckDB finds them (duckdb.get_table_names) in `connection`, a name_reader (a scratch one
    without it): the functions the query calls must exist there, and a table function reading
    a file needs the file. DuckDB cannot read a query with `FROM unnest([...])` (duckdb#7752)
    or a bare PIVOT statement.
    """
    if connection is None:
        with name_reader() as reader:
            return read_names(sql, reader)
    names = duckdb.get_table_names(sql, qualified=False, connection=connection)
    # FROM 'x.parquet' scans a file: DuckDB lists it like a table, but no model or provided
    # table has a dot or a slash in its name.
    return {n.lower() for n in names if "." not in n and "/" not in n}


# --------------------------------------------------------------------------------------------
# Discovering and ordering models
# --------------------------------------------------------------------------------------------

_HEADER_RE = re.compile(r"^\s*--\s*([A-Za-z_]+)\s*:\s*(.*?)\s*$")


def _header(sql: str) -> dict[str, str]:
    """`-- key: value` lines of the leading comment block."""
    out: dict[str, str] = {}
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            break
        match = _HEADER_RE.match(stripped)
        if match:
            out.setdefault(match.group(1).lower(), match.group(2).lower())
    return out


def _summed_by(
    path: Path, header: dict[str, str], materialized: str, key: str | None
) -> tuple[str, ...]:
    if "summed_by" not in header:
        return ()
    columns = tuple(c.strip() for c in header["summed_by"].split(","))
    if materialized != "table" or key is not None:
        raise ModelGraphError(f"{path}: summed_by needs a table that is not also incremental")
    if not all(re.fullmatch(r"[a-z_][a-z_0-9]*", c) for c in columns):
        raise ModelGraphError(f"{path}: summed_by needs column names, not {header['summed_by']!r}")
    return columns


def discover_models(
    sql_dir: Path,
    provided: Iterable[str] | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> list[Model]:
    """Every `*.sql` under sql_dir except `tests/`, in dependency order; file stem = name.

    The names each model reads are found with the functions of `connection` (name_reader),
    the build's connection once prepared: models call its functions. A cycle is an error here
    already. With `provided` (the names the build supplies), a name read that is neither a
    model nor provided is one too; without it, that check waits for run_models, which knows
    the connection's tables.
    """
    sql_dir = Path(sql_dir)
    tests_dir = sql_dir / TESTS_DIRNAME
    models: list[Model] = []
    seen: dict[str, Path] = {}
    reader = name_reader(connection)
    try:
        for path in sorted(sql_dir.rglob("*.sql")):
            if tests_dir in path.parents:
                continue
            name = path.stem.lower()
            if name in seen:
                raise ModelGraphError(f"two models named {name!r}: {seen[name]} and {path}")
            seen[name] = path
            sql = path.read_text(encoding="utf-8")
            materialized = _header(sql).get("materialized", "table")
            if materialized not in ("table", "view"):
                raise ModelGraphError(
                    f"{path}: materialized must be 'table' or 'view', not {materialized!r}"
                )
            try:
                reads = read_names(sql, reader)
            except duckdb.Error as exc:
                raise ModelGraphError(f"{path}: cannot tell which tables it reads: {exc}") from exc
            header = _header(sql)
            key = header.get("incremental")
            if key is not None and (materialized != "table" or not re.fullmatch(r"[a-z_]+", key)):
                raise ModelGraphError(
                    f"{path}: incremental needs a table and one column, not {key!r}"
                )
            summed_by = _summed_by(path, header, materialized, key)
            models.append(Model(name, path, sql, materialized, frozenset(reads), key, summed_by))
    finally:
        reader.close()
    return order_models(models, provided)


def order_models(models: Iterable[Model], provided: Iterable[str] | None = ()) -> list[Model]:
    """Models in an order where each runs after every model it reads.

    A cycle is an error, and so is a name read that is neither a model nor in `provided`
    (`provided=None` skips that check). Ties are broken by name, so every run has one order.
    """
    by_name = {m.name: m for m in models}
    available = None if provided is None else {p.lower() for p in provided}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for model in sorted(by_name.values(), key=lambda m: m.name):
        deps: list[str] = []
        for ref in sorted(model.reads):
            if ref in by_name:
                deps.append(ref)
            elif available is not None and ref not in available:
                raise ModelGraphError(
                    f"{model.path}: reads {ref!r}, which is neither a model, a CTE "
                    "nor a provided table"
                )
        sorter.add(model.name, *deps)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        # A closed path where each name is read by the next; reversed, each reads the next.
        cycle = exc.args[1][::-1]
        files = " -> ".join(str(by_name[n].path) for n in cycle)
        raise ModelGraphError(f"dependency cycle between models: {files}") from exc
    ordered: list[Model] = []
    while sorter.is_active():
        # Every model whose inputs are built, by name: the same order on every run.
        ready = sorted(sorter.get_ready())
        ordered += (by_name[name] for name in ready)
        sorter.done(*ready)
    return ordered


# --------------------------------------------------------------------------------------------
# Running models and audits
# --------------------------------------------------------------------------------------------


def _statement_body(sql: str) -> str:
    """The model's query without trailing semicolons or comment lines, ready to follow `AS`."""
    lines = sql.rstrip().splitlines()
    while lines:
        last = lines[-1].strip()
        if not last or last.startswith("--"):
            lines.pop()
        elif last.endswith(";"):
            lines[-1] = lines[-1].rstrip()[:-1]
        else:
            break
    # Ends with a newline: a `-- comment` on the last line must not swallow what follows.
    return "\n".join(lines) + "\n"


def existing_relations(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Tables and views visible to the connection (temp ones included): name -> kind."""
    rows = con.execute(
        """
        SELECT lower(table_name), 'table' FROM duckdb_tables() WHERE NOT internal
        UNION ALL
        SELECT lower(view_name), 'view' FROM duckdb_views() WHERE NOT internal
        """
    ).fetchall()
    return {name: kind for name, kind in rows}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run_models(
    con: duckdb.DuckDBPyConnection, models: Iterable[Model], provided: Iterable[str] | None = None
) -> dict[str, float]:
    """Create every model in dependency order; returns seconds per model.

    Without `provided`, the tables and views already in the connection are the provided ones.
    """
    models = list(models)
    names = {m.name for m in models}
    relations = existing_relations(con)
    if provided is None:
        provided = [n for n in relations if n not in names]
    timings: dict[str, float] = {}
    for model in order_models(models, provided):
        started = time.perf_counter()
        try:
            # CREATE OR REPLACE cannot turn a table into a view or back.
            other = relations.get(model.name)
            if other and other != model.materialized:
                con.execute(f"DROP {other.upper()} {_quote(model.name)}")
            _create(con, model, _quote(model.name))
        except duckdb.Error as exc:
            raise ModelError(f"{model.path}: {exc}") from exc
        relations[model.name] = model.materialized
        timings[model.name] = time.perf_counter() - started
    return timings


def run_models_incrementally(
    con: duckdb.DuckDBPyConnection, models: Iterable[Model], increment: Increment
) -> dict[str, float]:
    """Bring a copy of the published warehouse up to date with what `increment` adds.

    An incremental model replaces only the rows of the new keys, computed from its inputs'
    rows of those keys; a summed model (`summed_by`) adds what the new keys' rows count and
    takes away what their published rows counted; every other model is created again in full.
    The models an incremental model reads that are not incremental themselves (the calendar,
    the name matches) may gain rows but must keep every row they had, and those a summed model
    reads must not change at all: otherwise the rows kept would be stale, and this raises
    NotIncremental.
    """
    models = list(models)
    incremental = {m.name: m for m in models if m.incremental_key}
    summed = {m.name: m for m in models if m.summed_by}
    # Fully qualified: inside a temporary view, `main.x` would name the view itself.
    db = _quote(con.execute("SELECT current_database()").fetchone()[0]) + ".main."
    relations = existing_relations(con)
    provided = [n for n in relations if n not in {m.name for m in models}]
    guarded = {r for m in incremental.values() for r in m.reads if r in relations}
    guarded -= set(incremental) | set(provided)
    frozen = {r for m in summed.values() for r in m.reads} - set(incremental)
    for model in summed.values():
        if model.name not in relations or model.reads & set(provided):
            raise NotIncremental(f"{model.name}: not in the published build, or reads a source")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _increment_keys AS SELECT DISTINCT key FROM "
        f"({increment.keys_sql})"
    )
    for name in guarded | frozen:
        con.execute(f"CREATE TEMP TABLE {_quote('_before_' + name)} AS FROM {db}{_quote(name)}")
    # What the published rows of the new keys counted, before they are replaced.
    for name in {r for m in summed.values() for r in m.reads} & set(incremental):
        key = incremental[name].incremental_key
        con.execute(
            f"CREATE TEMP TABLE {_quote('_published_' + name)} AS FROM {db}{_quote(name)} "
            f"WHERE {key} IN (SELECT key FROM _increment_keys)"
        )
    timings: dict[str, float] = {}
    for model in order_models(models, provided):
        started = time.perf_counter()
        try:
            if model.name in incremental:
                _update_rows(con, model, incremental, db)
            elif model.name in summed:
                _update_sums(con, model, incremental, db)
            else:
                _create(con, model, db + _quote(model.name))
        except duckdb.Error as exc:
            raise ModelError(f"{model.path}: {exc}") from exc
        if model.name in guarded | frozen:
            _check_kept(con, model.name, db, both_ways=model.name in frozen)
        timings[model.name] = time.perf_counter() - started
    return timings


def _check_kept(con: duckdb.DuckDBPyConnection, name: str, db: str, *, both_ways: bool) -> None:
    before, after = _quote("_before_" + name), f"{db}{_quote(name)}"
    lost = con.execute(f"SELECT count(*) FROM (FROM {before} EXCEPT ALL FROM {after})")
    if lost.fetchone()[0]:
        raise NotIncremental(f"{name}: row(s) of the published build changed")
    if both_ways:
        gained = con.execute(f"SELECT count(*) FROM (FROM {after} EXCEPT ALL FROM {before})")
        if gained.fetchone()[0]:
            raise NotIncremental(f"{name}: changed, and a summed model counts over it")


def _create(con: duckdb.DuckDBPyConnection, model: Model, name: str) -> None:
    kind = "VIEW" if model.materialized == "view" else "TABLE"
    con.execute(f"CREATE OR REPLACE {kind} {name} AS\n{_statement_body(model.sql)}")


def _update_rows(
    con: duckdb.DuckDBPyConnection, model: Model, incremental: dict[str, Model], db: str
) -> None:
    # The incremental models it reads are seen through temporary views of the new keys' rows
    # (a temporary name hides the table): its windows and joins see those rows only.
    shadows = [incremental[r] for r in model.reads if r in incremental]
    keys = "(SELECT key FROM _increment_keys)"
    for shadow in shadows:
        con.execute(
            f"CREATE TEMP VIEW {_quote(shadow.name)} AS FROM {db}{_quote(shadow.name)} "
            f"WHERE {shadow.incremental_key} IN {keys}"
        )
    try:
        table = f"{db}{_quote(model.name)}"
        con.execute(f"DELETE FROM {table} WHERE {model.incremental_key} IN {keys}")
        con.execute(
            f"INSERT INTO {table} SELECT * FROM (\n{_statement_body(model.sql)}\n) "
            f"WHERE {model.incremental_key} IN {keys}"
        )
    finally:
        for shadow in shadows:
            con.execute(f"DROP VIEW IF EXISTS temp.main.{_quote(shadow.name)}")


def _update_sums(
    con: duckdb.DuckDBPyConnection, model: Model, incremental: dict[str, Model], db: str
) -> None:
    # The model's own query over the new keys' rows, then over what those keys were in the
    # published build: the table plus the first minus the second is the full build's table.
    keyed = [incremental[r] for r in sorted(model.reads) if r in incremental]
    keys = "(SELECT key FROM _increment_keys)"
    sides = {
        "_summed_new": {
            m.name: f"{db}{_quote(m.name)} WHERE {m.incremental_key} IN {keys}" for m in keyed
        },
        "_summed_old": {m.name: _quote("_published_" + m.name) for m in keyed},
    }
    for result, sources in sides.items():
        for name, source in sources.items():
            con.execute(f"CREATE TEMP VIEW {_quote(name)} AS FROM {source}")
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {result} AS\n{_statement_body(model.sql)}")
        finally:
            for name in sources:
                con.execute(f"DROP VIEW IF EXISTS temp.main.{_quote(name)}")
    table = f"{db}{_quote(model.name)}"
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = 'main' "
        "AND table_name = ? ORDER BY ordinal_position",
        [model.name],
    ).fetchall()
    groups = [_quote(c) for c in model.summed_by]
    measures = [(_quote(c), t) for c, t in columns if c not in model.summed_by]
    if len(groups) + len(measures) != len(columns) or not measures:
        raise ModelGraphError(f"{model.path}: summed_by must name some, not all, of its columns")
    signed = ", ".join(groups + [f"-{c} AS {c}" for c, _ in measures])
    selected = ", ".join(
        c if (c, t) not in measures else f"CAST(sum({c}) AS {t}) AS {c}"
        for c, t in ((_quote(c), t) for c, t in columns)
    )
    # A group whose counts all come to zero has no case left: a full build has no row for it.
    nonzero = " OR ".join(f"sum({c}) <> 0" for c, _ in measures)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _summed AS
        SELECT {selected}
        FROM (
            FROM {table}
            UNION ALL BY NAME FROM _summed_new
            UNION ALL BY NAME SELECT {signed} FROM _summed_old
        )
        GROUP BY {", ".join(groups)}
        HAVING {nonzero}
        """
    )
    con.execute(f"CREATE OR REPLACE TABLE {table} AS FROM _summed")
    con.execute("DROP TABLE _summed; DROP TABLE _summed_new; DROP TABLE _summed_old")


def _severity(path: Path, sql: str) -> str:
    first = sql.lstrip().splitlines()[0] if sql.strip() else ""
    match = re.match(r"^--\s*severity\s*:\s*(error|warning)\s*$", first.strip(), re.IGNORECASE)
    if not match:
        raise ModelGraphError(f"{path}: the first line must be '-- severity: error' or 'warning'")
    return match.group(1).lower()


def run_audits(
    con: duckdb.DuckDBPyConnection, tests_dir: Path, keyed: dict[str, str] | None = None
) -> list[AuditResult]:
    """Run every `*.sql` audit of tests_dir (sorted by name); each returns violating rows.

    `keyed` (an incremental build: model → its incremental key) lets the error audits that
    say they look at each key on its own (`-- incremental: <key>` under the severity line)
    read only the new keys' rows of those models: the published rows passed them already and
    are unchanged. Every other audit, and every warning (its count is reported), reads all.
    """
    results: list[AuditResult] = []
    tests_dir = Path(tests_dir)
    if not tests_dir.is_dir():
        return results
    for path in sorted(tests_dir.glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        severity = _severity(path, sql)
        key = _header(sql).get("incremental")
        within = {m: k for m, k in (keyed or {}).items() if k == key and severity == "error"}
        with increment_rows(con, within):
            results.append(count_violations(con, path.stem, severity, _statement_body(sql), path))
    # The generic checks of <sql_dir>/marts/schema.toml are audits too, in every build and
    # re-audit. Imported here because flows.warehouse.schema builds on this module.
    from flows.warehouse.schema import run_schema_audits

    return results + run_schema_audits(con, tests_dir.parent, keyed)


def count_violations(
    con: duckdb.DuckDBPyConnection, name: str, severity: str, body: str, source: Path | str
) -> AuditResult:
    """Run one audit query: how many rows violate it, and the first few."""
    try:
        count = con.execute(f"SELECT count(*) FROM (\n{body})").fetchone()[0]
        sample: list[dict[str, object]] = []
        if count:
            cur = con.execute(f"SELECT * FROM (\n{body}) LIMIT {SAMPLE_ROWS}")
            columns = [d[0] for d in cur.description]
            sample = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
    except duckdb.Error as exc:
        raise ModelError(f"{source}: {exc}") from exc
    return AuditResult(name, severity, int(count), sample)


@contextmanager
def increment_rows(con: duckdb.DuckDBPyConnection, keyed: dict[str, str]) -> Iterator[None]:
    """Within: each model of `keyed` shows only the rows of the increment's keys."""
    db = _quote(con.execute("SELECT current_database()").fetchone()[0]) + ".main."
    for name, key in keyed.items():
        con.execute(
            f"CREATE TEMP VIEW {_quote(name)} AS FROM {db}{_quote(name)} "
            f"WHERE {key} IN (SELECT key FROM _increment_keys)"
        )
    try:
        yield
    finally:
        for name in keyed:
            con.execute(f"DROP VIEW IF EXISTS temp.main.{_quote(name)}")


def _describe_failures(failures: list[AuditResult]) -> str:
    lines = []
    for audit in failures:
        lines.append(f"audit {audit.name} failed: {audit.violations} violating row(s), e.g.")
        lines.extend(f"  {row}" for row in audit.sample)
    return "\n".join(lines)


# A ceiling on the memory DuckDB takes for the build (e.g. `4GB`), for a server shared with
# other work: above it DuckDB spills to disk beside the warehouse instead of failing. Unset, it
# takes DuckDB's default, 80% of the machine's memory.
MEMORY_LIMIT_ENV = "CCHC_MEMORY_LIMIT"


def _connection_config() -> dict[str, str]:
    limit = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    return {"memory_limit": limit} if limit else {}


def _remove_database(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def _check_tree(sql_dir: Path) -> None:
    """Refuse a SQL folder with no model, without one of MODEL_LAYERS, or with no audit."""
    tests_dir = sql_dir / TESTS_DIRNAME
    has_model = sql_dir.is_dir() and any(
        tests_dir not in path.parents for path in sql_dir.rglob("*.sql")
    )
    if not has_model:
        raise IncompleteBuild(f"no model found under {sql_dir}")
    missing = [layer for layer in MODEL_LAYERS if not (sql_dir / layer).is_dir()]
    if missing:
        raise IncompleteBuild(
            f"model layer folder(s) missing under {sql_dir}: {', '.join(missing)} "
            f"(a whole build has {', '.join(MODEL_LAYERS)})"
        )
    # Checked before the build, not after it: run_audits runs every file here or fails.
    if not any(tests_dir.glob("*.sql")):
        raise IncompleteBuild(f"no audit found under {tests_dir}: no audit would run")


def _mart_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    # publish imports this module (through digest): its prefixes are imported when needed.
    from flows.warehouse.publish import MART_PREFIXES

    rows = con.execute(
        "SELECT lower(table_name) FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_schema = 'main'"
    ).fetchall()
    return {name for (name,) in rows if name.startswith(MART_PREFIXES)}


def _published_marts(target: Path) -> set[str]:
    """The marts of the published warehouse; none when there is none to read."""
    if not target.exists():
        return set()
    try:
        with duckdb.connect(str(target), read_only=True) as con:
            return _mart_names(con)
    except duckdb.Error:
        # A published file DuckDB cannot open (corrupt, truncated) gives readers no table to
        # lose; refusing here would keep it published until someone removes it by hand.
        return set()


def build(
    target: Path,
    prepare: Callable[[duckdb.DuckDBPyConnection], None],
    sql_dir: Path = SQL_DIR,
    finish: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
    increment: Increment | None = None,
) -> BuildResult:
    """Build the warehouse into `<target>.building`, audit it, then swap it onto target.

    `prepare(con)` creates the provided tables (land_* views, ref_public_holidays) and the
    functions name_key/sector_key; `finish(con)`, once the audits pass, adds what the caller
    keeps beside the models (the build's digest). With `increment`, the build starts from a
    copy of target and recomputes only what is new (run_models_incrementally). On any failure
    target is left as it was and the building file is removed.

    A build that is not whole raises IncompleteBuild before the swap: a SQL folder with no
    model, missing a layer of MODEL_LAYERS or with no audit under tests/, or a new build
    lacking a mart (publish.MART_PREFIXES) that the published warehouse has.
    """
    target = Path(target)
    sql_dir = Path(sql_dir)
    _check_tree(sql_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(target.name + ".building")
    _remove_database(building)  # a leftover of a crashed build
    swapped = False
    if increment is not None:
        shutil.copyfile(target, building)
    con = duckdb.connect(str(building), config=_connection_config())
    try:
        prepare(con)
        # After prepare: DuckDB binds the functions a model calls to find what it reads.
        models = discover_models(sql_dir, connection=con)
        if increment is not None:
            timings = run_models_incrementally(con, models, increment)
        else:
            timings = run_models(con, models)
        # Before the audits: a schema audit of a lost mart would name a symptom, not the cause.
        lost = sorted(_published_marts(target) - _mart_names(con))
        if lost:
            raise IncompleteBuild(
                f"the new build lacks {len(lost)} table(s) the published warehouse has: "
                + ", ".join(lost)
            )
        keyed = {m.name: m.incremental_key for m in models if m.incremental_key}
        audits = run_audits(con, sql_dir / TESTS_DIRNAME, keyed if increment else None)
        failures = [a for a in audits if a.severity == "error" and not a.passed]
        if failures:
            raise AuditError(_describe_failures(failures), audits)
        if finish is not None:
            finish(con)
        con.execute("CHECKPOINT")
        con.close()
        # A WAL left by a crashed writer of the old file would be replayed onto the new one.
        target.with_name(target.name + ".wal").unlink(missing_ok=True)
        os.replace(building, target)
        swapped = True
    finally:
        if not swapped:
            con.close()
            _remove_database(building)
    return BuildResult(target, audits, timings)
