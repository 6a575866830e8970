"""The national command at scale: N provinces × M cases through `cchc national` on Dask.

`run_national_bench(workdir, provinces, cases)` writes N provinces of M cases each (the monthly
iGate exports of `cchc bench`, flows/ops/bench.py `generate`, a different seed per province),
then runs `cchc national --task-runner dask` in a child process against a real Prefect server,
on the local cluster cchc starts (one single-threaded worker process per core) — cold, again
with one new month in every province, and again with nothing new — and returns the rows of
`cchc bench` (flows/ops/bench.py `Stage`): the whole command (wall time, the CPU time of every
process it started, the peak memory of the largest), each province's run as its task measured
it (wall time only), and the roll-up into
`national.duckdb`. `bench_lines` renders them as the rows of `cchc bench`'s table. The bench
process becomes a child subreaper (Linux) for the rest of its life, to count the CPU time of
every process the command started.
"""

from __future__ import annotations

import math
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from flows.national.report import NationalReport, ProvinceOutcome, run_log
from flows.ops.bench import (
    Stage,
    become_subreaper,
    children,
    generate,
    prefect_server,
    reap_orphans,
)

NO_VALUE = float("nan")  # what a task cannot measure of itself (CPU, peak memory)


def _run(
    root: Path, api: str, label: str, rows: int, keep: set[int]
) -> tuple[Stage, NationalReport]:
    """`cchc national` in a child process: its wall time, the CPU time of every process it
    started, its peak RSS, and its summary. `keep`: children of ours that are not its."""
    command = [sys.executable, "-m", "flows.cli", "national", "--root", str(root)]
    command += ["--task-runner", "dask"]
    log = root.parent / f".national_{label.replace(' ', '_').replace(',', '')}.log"
    env = os.environ | {"PREFECT_API_URL": api}
    env.pop("CCHC_DASK_ADDRESS", None)  # the local cluster, whatever the shell says
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        # wait4: the command's own process tree, the largest process of it for the peak.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    reap_orphans(keep | {process.pid})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"cchc national ({label}) exited with {code}; see {log}:\n{tail}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    stage = Stage(f"cchc national, {label}", seconds, rows, usage.ru_maxrss / 1024, cpu)
    return stage, NationalReport.load(run_log(root))


def _build_kind(outcome: ProvinceOutcome) -> str:
    if not outcome.rebuilt:
        return "published build kept"
    return "incremental build" if outcome.incremental else "full build"


def _parts(report: NationalReport, label: str, cases: int) -> list[Stage]:
    """Each province's run as its task timed it, and the roll-up."""
    stages = [
        Stage(
            f"province {p.province}, {label} ({_build_kind(p)})",
            p.seconds or NO_VALUE,
            cases,
            NO_VALUE,
            NO_VALUE,
        )
        for p in report.provinces
    ]
    total = cases * len(report.provinces)
    rollup = report.rollup_seconds if report.rollup_seconds is not None else NO_VALUE
    stages.append(Stage(f"national roll-up, {label}", rollup, total, NO_VALUE, NO_VALUE))
    return stages


def run_national_bench(
    workdir: Path, provinces: int = 3, cases: int = 100_000, fmt: str = "xlsx"
) -> list[Stage]:
    """Generate `provinces` × `cases`, run `cchc national` three times; the measured rows."""
    if provinces < 1 or cases < 1:
        raise ValueError("the bench needs at least one province and one case")
    workdir = Path(workdir).resolve()
    root = workdir / "provinces"
    if root.exists():
        shutil.rmtree(root)
    held_back: list[tuple[Path, Path]] = []
    for n in range(1, provinces + 1):
        folder = root / f"tinh-{n:02d}"
        files, extra = generate(folder, cases, fmt, seed=n)
        held_back.append((extra, folder / "raw" / "igate" / extra.name))
    # What generate wrote: whole months per province.
    per_province = (cases // len(files)) * len(files)
    total = per_province * provinces
    stages: list[Stage] = []
    become_subreaper()
    with prefect_server(workdir / "prefect") as api:
        server = set(children(set()))  # the Prefect server: ours, not the command's
        cold, report = _run(root, api, "cold", total, server)
        stages += [cold, *_parts(report, "cold", per_province)]
        for extra, target in held_back:
            shutil.copy(extra, target)
        night, report = _run(root, api, "one new month", total, server)
        stages += [night, *_parts(report, "one new month", per_province)]
        quiet, report = _run(root, api, "nothing new", total, server)
        stages += [quiet, *_parts(report, "nothing new", per_province)]
    return stages


def rollup_at_scale(workdir: Path, source: Path, provinces: int = 34, factor: int = 10) -> Stage:
    """The roll-up alone over `provinces` copies of one province's published exports, each
    table's rows repeated `factor` times under distinct unit codes (a province of `factor`
    times as many units): what the national build costs at a country's size of marts, without
    running the provinces. `source` is a province folder that has published."""
    import duckdb

    from flows.national.warehouse import (
        PROVINCE_TABLES,
        RUN_PUBLISHED,
        ProvinceState,
        build_national,
    )
    from flows.paths import DataPaths

    root = Path(workdir).resolve() / "rollup"
    if root.exists():
        shutil.rmtree(root)
    exports = DataPaths(Path(source)).exports
    first = DataPaths(root / "tinh-01").exports
    first.mkdir(parents=True)
    rows = 0
    with duckdb.connect() as con:
        for table in PROVINCE_TABLES:
            source_file = exports / f"{table}.parquet"
            if table == "dim_as_of":
                shutil.copy(source_file, first / source_file.name)
                continue
            copies = (
                f"SELECT * REPLACE (unit_code || '.' || copy AS unit_code, "
                f"unit_name || ' ' || copy AS unit_name) "
                f"FROM read_parquet('{source_file}'), range({factor}) AS copies(copy)"
            )
            con.execute(f"COPY ({copies}) TO '{first / source_file.name}' (FORMAT parquet)")
            if table == "rpt_bieu06":
                rows = con.execute(f"SELECT count(*) FROM '{first / source_file.name}'").fetchone()[
                    0
                ]
    states = []
    for n in range(1, provinces + 1):
        folder = root / f"tinh-{n:02d}"
        if n > 1:
            shutil.copytree(first, DataPaths(folder).exports)
        states.append(ProvinceState(folder.name, folder, RUN_PUBLISHED))
    started = time.perf_counter()
    cpu = time.process_time()
    build_national(root, states)
    seconds = time.perf_counter() - started
    name = f"national roll-up alone, {provinces} provinces × {rows:,} rpt_bieu06 rows"
    return Stage(name, seconds, rows * provinces, NO_VALUE, time.process_time() - cpu)


def _number(value: float, digits: int = 1) -> str:
    return "–" if math.isnan(value) else f"{value:,.{digits}f}"


def bench_lines(stages: list[Stage], fmt: str = "xlsx") -> list[str]:
    """The rows of `cchc bench`'s table: format, stage, seconds, CPU s, rows, rows/s, peak
    RSS MB, ratio (a province's or the roll-up's share of its command's wall time)."""
    lines = []
    whole: float | None = None
    for stage in stages:
        if stage.name.startswith("cchc national"):
            whole, ratio = stage.seconds, ""
        elif whole and not math.isnan(stage.seconds):
            ratio = f"{stage.seconds / whole:.2f}× of the command"
        else:
            ratio = ""
        rate = stage.rows / stage.seconds if stage.seconds and not math.isnan(stage.seconds) else 0
        lines.append(
            f"| {fmt} | {stage.name} | {_number(stage.seconds)} | {_number(stage.cpu_seconds)} | "
            f"{stage.rows:,} | {rate:,.0f} | {_number(stage.peak_rss_mb, 0)} | {ratio} |"
        )
    return lines


def bench_table(workdir: Path, provinces: int = 3, cases: int = 100_000, fmt: str = "xlsx") -> str:
    """The whole table, headed like `cchc bench`'s."""
    stages = run_national_bench(workdir, provinces, cases, fmt)
    head = [
        f"cchc national bench: {provinces} provinces × {cases:,} cases as monthly {fmt} "
        f"exports, a local Dask cluster of {os.cpu_count()} worker process(es)",
        "",
        "| format | stage | seconds | CPU s | rows | rows/s | peak RSS MB | ratio |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    return "\n".join(head + bench_lines(stages, fmt))


if __name__ == "__main__":
    print(bench_table(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
