"""The model runner: plain SQL files in dependency order, audits, and an atomic swap.

A model is `sql/<layer>/<name>.sql`; it becomes the table (or view) `<name>`. The order comes
from the names each model reads after FROM/JOIN, so files need no numbers. Audits in
`sql/tests/` return violating rows; their first line gives the severity. The warehouse is built
in `<target>.building` and only replaces `<target>` once every error-severity audit passes, so a
reader never sees a half-built or failing warehouse.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from flows.paths import SQL_DIR

TESTS_DIRNAME = "tests"
SAMPLE_ROWS = 5


class ModelGraphError(Exception):
    """The models cannot be ordered: a cycle, a missing name, a duplicate or a bad header."""


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
    # Every name read after FROM/JOIN, CTE names excluded, lower case.
    reads: frozenset[str] = frozenset()
    # `-- incremental: <column>`: each row depends only on the input rows with the same value of
    # that column, so an incremental build recomputes the rows of the new keys only.
    incremental_key: str | None = None


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

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<string>'(?:[^']|'')*'?|\$(?P<tag>\w*)\$.*?(?:\$(?P=tag)\$|\Z))
  | (?P<qident>"(?:[^"]|"")*"?)
  | (?P<ident>[^\W\d]\w*)
  | (?P<number>\d+(?:\.\d*)?)
  | (?P<punct>::|.)
    """,
    re.VERBOSE | re.DOTALL,
)

# A FROM inside a call such as extract(year FROM x) or trim(both FROM x) reads a column, not a
# table: a FROM reads a table only at the top level or in a group that starts a query.
_QUERY_STARTS = {"select", "with", "from", "values", "(", "pivot", "unpivot", "summarize"}


@dataclass(frozen=True)
class _Token:
    kind: str  # ident, qident, string, number, punct
    text: str  # lower case for identifiers and keywords

    @property
    def is_name(self) -> bool:
        return self.kind in ("ident", "qident")


def _tokens(sql: str) -> list[_Token]:
    out: list[_Token] = []
    for match in _TOKEN_RE.finditer(sql):
        kind = match.lastgroup  # the outermost group: `tag` is inside `string`
        if kind in ("ws", "comment"):
            continue
        text = match.group(0)
        if kind == "qident":
            # DuckDB matches quoted identifiers case-insensitively too.
            text = text[1:-1].replace('""', '"').lower()
        elif kind in ("ident", "punct"):
            text = text.lower()
        out.append(_Token(kind, text))
    return out


def _group_starts(tokens: list[_Token]) -> list[str | None]:
    """For each token, the first token of the innermost parenthesised group holding it."""
    starts: list[str | None] = []
    stack: list[int] = []  # index of each open paren
    for i, tok in enumerate(tokens):
        if stack:
            start = stack[-1] + 1
            starts.append(tokens[start].text if start < len(tokens) else None)
        else:
            starts.append(None)
        if tok.text == "(" and tok.kind == "punct":
            stack.append(i)
        elif tok.text == ")" and tok.kind == "punct" and stack:
            stack.pop()
    return starts


def _skip_group(tokens: list[_Token], i: int) -> int:
    """Index just past the parenthesised group opening at tokens[i]."""
    depth = 0
    while i < len(tokens):
        if tokens[i].kind == "punct" and tokens[i].text == "(":
            depth += 1
        elif tokens[i].kind == "punct" and tokens[i].text == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def _cte_names(tokens: list[_Token]) -> set[str]:
    names: set[str] = set()
    for i, tok in enumerate(tokens):
        if not tok.is_name or i == 0:
            continue
        before = tokens[i - 1]
        if not (
            before.text in ("with", "recursive") or (before.kind == "punct" and before.text == ",")
        ):
            continue
        j = i + 1
        if j < len(tokens) and tokens[j].text == "(":  # a column list: name(a, b) AS (...)
            j = _skip_group(tokens, j)
        if j >= len(tokens) or tokens[j].text != "as":
            continue
        j += 1
        while j < len(tokens) and tokens[j].text in ("not", "materialized"):
            j += 1
        if j < len(tokens) and tokens[j].text == "(":
            names.add(tok.text)
    return names


def _read_table_item(tokens: list[_Token], i: int, refs: set[str]) -> int:
    """Read one FROM item at tokens[i]; add a table name to refs; return the next index."""
    while i < len(tokens) and tokens[i].text in ("lateral", "only"):
        i += 1
    if i >= len(tokens):
        return i
    tok = tokens[i]
    if tok.kind == "punct" and tok.text == "(":
        return _skip_group(tokens, i)  # a subquery: its own FROMs are read on their own
    if not tok.is_name:
        return i + 1  # a string (FROM 'file.parquet') or something else: not a model
    name = tok.text
    i += 1
    while i + 1 < len(tokens) and tokens[i].text == "." and tokens[i + 1].is_name:
        name = tokens[i + 1].text  # schema.table: the table is the last part
        i += 2
    if i < len(tokens) and tokens[i].text == "(":
        return _skip_group(tokens, i)  # a table function: range(...), unnest(...), ...
    refs.add(name)
    return i


_ENDS = {  # words that end a FROM clause
    "where", "group", "having", "qualify", "window", "order", "limit", "offset", "union",
    "except", "intersect", "select", "returning",
}  # fmt: skip


def _read_comma_items(tokens: list[_Token], i: int, refs: set[str]) -> None:
    """FROM a, b JOIN c ON x, d: every item after a comma at the FROM's own depth."""
    depth = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind == "punct" and tok.text == "(":
            depth += 1
        elif tok.kind == "punct" and tok.text == ")":
            depth -= 1
            if depth < 0:
                return
        elif depth == 0 and (tok.text == ";" or (tok.kind == "ident" and tok.text in _ENDS)):
            return
        elif depth == 0 and tok.kind == "punct" and tok.text == ",":
            _read_table_item(tokens, i + 1, refs)
        i += 1


def referenced_names(sql: str) -> tuple[set[str], set[str]]:
    """(names read after FROM/JOIN, CTE names) of one SQL text, comments and strings ignored."""
    tokens = _tokens(sql)
    starts = _group_starts(tokens)
    refs: set[str] = set()
    for i, tok in enumerate(tokens):
        if tok.kind != "ident":
            continue
        if tok.text == "join":
            _read_table_item(tokens, i + 1, refs)
        elif (
            tok.text == "from"
            and (starts[i] is None or starts[i] in _QUERY_STARTS)
            and (i == 0 or tokens[i - 1].text != "distinct")  # a IS [NOT] DISTINCT FROM b
        ):
            _read_table_item(tokens, i + 1, refs)
            _read_comma_items(tokens, i + 1, refs)
    ctes = _cte_names(tokens)
    return refs - ctes, ctes


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


def discover_models(sql_dir: Path, provided: Iterable[str] | None = None) -> list[Model]:
    """Every `*.sql` under sql_dir except `tests/`, in dependency order; file stem = name.

    A cycle is an error here already. With `provided` (the names the build supplies), a name
    read that is neither a model nor provided is one too; without it, that check waits for
    run_models, which knows the connection's tables.
    """
    sql_dir = Path(sql_dir)
    tests_dir = sql_dir / TESTS_DIRNAME
    models: list[Model] = []
    seen: dict[str, Path] = {}
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
        reads, _ = referenced_names(sql)
        key = _header(sql).get("incremental")
        if key is not None and (materialized != "table" or not re.fullmatch(r"[a-z_]+", key)):
            raise ModelGraphError(f"{path}: incremental needs a table and one column, not {key!r}")
        models.append(Model(name, path, sql, materialized, frozenset(reads), key))
    return order_models(models, provided)


def _find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of graph (node -> the models it reads), as a closed path of names."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return path[path.index(dep) :] + [dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def order_models(models: Iterable[Model], provided: Iterable[str] | None = ()) -> list[Model]:
    """Models in an order where each runs after every model it reads.

    A cycle is an error, and so is a name read that is neither a model nor in `provided`
    (`provided=None` skips that check). Ties are broken by name, so every run has one order.
    """
    by_name = {m.name: m for m in models}
    available = None if provided is None else {p.lower() for p in provided}
    graph: dict[str, set[str]] = {}
    for model in by_name.values():
        deps: set[str] = set()
        for ref in sorted(model.reads):
            if ref in by_name:
                deps.add(ref)
            elif available is not None and ref not in available:
                raise ModelGraphError(
                    f"{model.path}: reads {ref!r}, which is neither a model, a CTE "
                    "nor a provided table"
                )
        graph[model.name] = deps

    ordered: list[Model] = []
    done: set[str] = set()
    remaining = dict(graph)
    while remaining:
        ready = sorted(n for n, deps in remaining.items() if deps <= done)
        if not ready:
            cycle = _find_cycle({n: d & set(remaining) for n, d in remaining.items()})
            files = " -> ".join(str(by_name[n].path) for n in cycle)
            raise ModelGraphError(f"dependency cycle between models: {files}")
        for name in ready:
            ordered.append(by_name[name])
            done.add(name)
            del remaining[name]
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
    rows of those keys; every other model is created again in full. The models an incremental
    model reads that are not incremental themselves (the calendar, the name matches) may gain
    rows but must keep every row they had: otherwise the rows kept would be stale, and this
    raises NotIncremental.
    """
    models = list(models)
    incremental = {m.name: m for m in models if m.incremental_key}
    # Fully qualified: inside a temporary view, `main.x` would name the view itself.
    db = _quote(con.execute("SELECT current_database()").fetchone()[0]) + ".main."
    relations = existing_relations(con)
    provided = [n for n in relations if n not in {m.name for m in models}]
    guarded = {r for m in incremental.values() for r in m.reads if r in relations}
    guarded -= set(incremental) | set(provided)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _increment_keys AS SELECT DISTINCT key FROM "
        f"({increment.keys_sql})"
    )
    for name in guarded:
        con.execute(f"CREATE TEMP TABLE {_quote('_before_' + name)} AS FROM {db}{_quote(name)}")
    timings: dict[str, float] = {}
    for model in order_models(models, provided):
        started = time.perf_counter()
        try:
            if model.name in incremental:
                _update_rows(con, model, incremental, db)
            else:
                _create(con, model, db + _quote(model.name))
        except duckdb.Error as exc:
            raise ModelError(f"{model.path}: {exc}") from exc
        if model.name in guarded:
            lost = con.execute(
                f"SELECT count(*) FROM (FROM {_quote('_before_' + model.name)} "
                f"EXCEPT ALL FROM {db}{_quote(model.name)})"
            ).fetchone()[0]
            if lost:
                raise NotIncremental(f"{model.name}: {lost} row(s) of the published build changed")
        timings[model.name] = time.perf_counter() - started
    return timings


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


def _severity(path: Path, sql: str) -> str:
    first = sql.lstrip().splitlines()[0] if sql.strip() else ""
    match = re.match(r"^--\s*severity\s*:\s*(error|warning)\s*$", first.strip(), re.IGNORECASE)
    if not match:
        raise ModelGraphError(f"{path}: the first line must be '-- severity: error' or 'warning'")
    return match.group(1).lower()


def run_audits(con: duckdb.DuckDBPyConnection, tests_dir: Path) -> list[AuditResult]:
    """Run every `*.sql` audit of tests_dir (sorted by name); each returns violating rows."""
    results: list[AuditResult] = []
    tests_dir = Path(tests_dir)
    if not tests_dir.is_dir():
        return results
    for path in sorted(tests_dir.glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        severity = _severity(path, sql)
        body = _statement_body(sql)
        try:
            count = con.execute(f"SELECT count(*) FROM (\n{body})").fetchone()[0]
            sample: list[dict[str, object]] = []
            if count:
                cur = con.execute(f"SELECT * FROM (\n{body}) LIMIT {SAMPLE_ROWS}")
                columns = [d[0] for d in cur.description]
                sample = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
        except duckdb.Error as exc:
            raise ModelError(f"{path}: {exc}") from exc
        results.append(AuditResult(path.stem, severity, int(count), sample))
    return results


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
    """
    target = Path(target)
    sql_dir = Path(sql_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(target.name + ".building")
    _remove_database(building)  # a leftover of a crashed build
    models = discover_models(sql_dir)
    swapped = False
    if increment is not None:
        shutil.copyfile(target, building)
    con = duckdb.connect(str(building), config=_connection_config())
    try:
        prepare(con)
        if increment is not None:
            timings = run_models_incrementally(con, models, increment)
        else:
            timings = run_models(con, models)
        audits = run_audits(con, sql_dir / TESTS_DIRNAME)
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
