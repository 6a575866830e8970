"""`cchc bench`: the pipeline against the bare reader (the floor) and an analyst's pandas script.

Every stage runs in a child process of this one, so its wall time and peak memory (the child's
maximum resident set) are measured alike; the table prints seconds, rows/s, peak RSS and the
ratios the performance issue names.
"""

from __future__ import annotations

import csv
import ctypes
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from flows.ops.prefect_env import apply_prefect_defaults

HEADER = [
    "Mã hồ sơ",
    "Mã TTHC",
    "Lĩnh vực",
    "Đơn vị tiếp nhận",
    "Hình thức nộp",
    "Ngày tiếp nhận",
    "Ngày hẹn trả",
    "Ngày có kết quả",
    "Ngày trả kết quả",
    "Trạng thái",
]
SECTORS = ["Đất đai", "Tư pháp", "Hộ tịch", "Xây dựng", "Đăng ký kinh doanh", "Giao thông vận tải"]
UNITS = [f"UBND xã Bench {i:02d}" for i in range(40)]
CHANNELS = ["Trực tiếp"] * 90 + ["Trực tuyến"] * 8 + ["Bưu chính công ích"] * 2
FIRST_YEAR = 2021
YEARS = 4


@dataclass
class Stage:
    name: str
    seconds: float
    rows: int
    peak_rss_mb: float
    cpu_seconds: float = 0.0  # user + system time of the stage's processes
    # For a `cchc run`: seconds from the process's start to the first file read, and from the
    # end of the publish to the process's exit (processed/last_run.json's step times).
    to_first_read: float | None = None
    after_publish: float | None = None


def _workers() -> int:
    from flows.ops.nightly import LANDING_WORKERS

    return LANDING_WORKERS


def _month_starts() -> list[date]:
    return [date(FIRST_YEAR + m // 12, m % 12 + 1, 1) for m in range(YEARS * 12)]


def _month_rows(rng: random.Random, start: date, count: int, serial: int) -> list[list[str]]:
    rows = []
    days = 28
    for n in range(count):
        received = datetime.combine(start, datetime.min.time()) + timedelta(
            days=rng.randrange(days), hours=rng.randrange(7, 17), minutes=rng.randrange(60)
        )
        due = received + timedelta(days=rng.choice((5, 10, 15, 30)))
        roll = rng.random()
        finished = returned = None
        if roll < 0.9:
            finished = received + timedelta(days=rng.randrange(1, 40), hours=1)
            returned = finished + timedelta(days=1) if roll < 0.8 else None
        status = "10" if returned else ("9" if finished else "4")
        rows.append(
            [
                f"H48-{start:%y%m}-{serial + n:07d}",
                f"1.{rng.randrange(1000, 1060):06d}",
                rng.choice(SECTORS),
                rng.choice(UNITS),
                rng.choice(CHANNELS),
                f"{received:%d/%m/%Y %H:%M}",
                f"{due:%d/%m/%Y %H:%M}",
                f"{finished:%d/%m/%Y %H:%M}" if finished else "",
                f"{returned:%d/%m/%Y %H:%M}" if returned else "",
                status,
            ]
        )
    return rows


def _write(path: Path, rows: list[list[str]], fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(rows)
        return
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Hồ sơ")
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    workbook.close()


def generate(root: Path, cases: int, fmt: str, seed: int = 8) -> tuple[list[Path], Path]:
    """Monthly exports over several years; returns them and one more month held back."""
    rng = random.Random(seed)
    months = _month_starts()
    per_month = max(1, cases // len(months))
    files = []
    for i, start in enumerate(months):
        path = root / "raw" / "igate" / f"{start:%Y}" / f"thang_{start:%m}.{fmt}"
        _write(path, _month_rows(rng, start, per_month, i * per_month), fmt)
        files.append(path)
    extra_start = date(FIRST_YEAR + YEARS, 1, 1)
    extra = root / "held_back" / f"thang_{extra_start:%Y_%m}.{fmt}"
    _write(extra, _month_rows(rng, extra_start, per_month, len(months) * per_month), fmt)
    return files, extra


# --- stages, each run in a child process ---------------------------------------------------


def _stage_floor(root: Path, fmt: str) -> int:
    import duckdb

    files = sorted((root / "raw" / "igate").rglob(f"*.{fmt}"))
    con = duckdb.connect(str(root / "floor.duckdb"))
    if fmt == "csv":
        listing = ", ".join(f"'{f}'" for f in files)
        con.execute(f"CREATE OR REPLACE TABLE cases AS SELECT * FROM read_csv([{listing}])")
    else:
        import fastexcel

        def read(path: Path):
            return fastexcel.read_excel(str(path)).load_sheet(0, dtypes="string").to_arrow()

        # As many files at a time as landing reads: the same two cores for both.
        with ThreadPoolExecutor(_workers()) as pool:
            for i, batch in enumerate(pool.map(read, files)):
                con.register("batch", batch)
                verb = "CREATE OR REPLACE TABLE cases AS" if i == 0 else "INSERT INTO cases"
                con.execute(f"{verb} SELECT * FROM batch")
                con.unregister("batch")
    return con.execute("SELECT count(*) FROM cases").fetchone()[0]


def _stage_landing(root: Path) -> int:
    from flows.paths import DataPaths
    from flows.pipeline import land, land_in_threads

    # The nightly flow's own parallelism (its thread pool task runner), without Prefect.
    results = land(DataPaths(root), land_in_threads(_workers()))
    return sum(s.rows_read for r in results for s in r.sheets)


def _stage_build(root: Path) -> int:
    import duckdb

    from flows.paths import DataPaths
    from flows.pipeline import build_warehouse, land

    paths = DataPaths(root)
    results = land(paths)  # all reused: landed already
    build_warehouse(paths, results)  # in full: no published build to start from
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return con.execute("SELECT count(*) FROM fct_filings").fetchone()[0]


def _stage_publish(root: Path) -> int:
    from flows.paths import DataPaths
    from flows.warehouse.publish import export_marts

    return len(export_marts(DataPaths(root)))


def _stage_peer(root: Path, fmt: str) -> int:
    import pandas as pd

    files = sorted((root / "raw" / "igate").rglob(f"*.{fmt}"))
    if fmt == "csv":
        frames = [pd.read_csv(f, dtype=str, encoding="utf-8-sig") for f in files]
    else:
        frames = [pd.read_excel(f, dtype=str, engine="openpyxl") for f in files]
    df = pd.concat(frames, ignore_index=True)
    df = df.drop_duplicates(subset="Mã hồ sơ", keep="last")
    for column in ("Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Ngày trả kết quả"):
        df[column] = pd.to_datetime(df[column], format="%d/%m/%Y %H:%M", errors="coerce")
    ended = df["Ngày có kết quả"].fillna(df["Ngày trả kết quả"])
    df["year"] = df["Ngày tiếp nhận"].dt.year
    df["online"] = df["Hình thức nộp"].eq("Trực tuyến")
    df["resolved"] = ended.notna()
    df["late"] = df["resolved"] & (ended.dt.normalize() > df["Ngày hẹn trả"].dt.normalize())
    df["early"] = df["resolved"] & (ended.dt.normalize() < df["Ngày hẹn trả"].dt.normalize())
    df["pending"] = ~df["resolved"]
    table = df.groupby(["year", "Đơn vị tiếp nhận", "Lĩnh vực"]).agg(
        received_total=("Mã hồ sơ", "size"),
        received_online=("online", "sum"),
        resolved_total=("resolved", "sum"),
        resolved_early=("early", "sum"),
        resolved_late=("late", "sum"),
        pending_total=("pending", "sum"),
    )
    table.to_csv(root / "peer_bieu06.csv")
    return len(df)


def _run_cli(root: Path) -> int:
    command = [sys.executable, "-m", "flows.cli", "run", "--data-dir", str(root)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode not in (0, 3):
        raise RuntimeError(
            f"cchc run failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}"
        )
    return 0


@contextmanager
def prefect_server(home: Path) -> Iterator[str]:
    """A real `prefect server start` on a free loopback port; yields its API URL.

    The nightly runs against the server of its deployment (`cchc serve`), so the run stages are
    measured so too: a run without one starts a temporary server, seconds of every run.
    """
    home.mkdir(parents=True, exist_ok=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # None of the caller's Prefect settings: a database URL or profile of theirs would have
    # this throwaway server write into their real one.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    # A real server: its warnings go to server.log, unlike a run's temporary server.
    env |= {"PREFECT_HOME": str(home), "PREFECT_SERVER_LOGGING_LEVEL": "WARNING"}
    apply_prefect_defaults(env)
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    with (home / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"prefect server exited: see {home / 'server.log'}")
            try:
                with urllib.request.urlopen(api + "/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("prefect server did not answer /api/health within 180 s")
            time.sleep(0.5)
        yield api
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


STAGES = {
    "floor": lambda root, fmt: _stage_floor(root, fmt),
    "landing": lambda root, fmt: _stage_landing(root),
    "build": lambda root, fmt: _stage_build(root),
    "publish": lambda root, fmt: _stage_publish(root),
    "peer": lambda root, fmt: _stage_peer(root, fmt),
    "run": lambda root, fmt: _run_cli(root),
}


def _child(stage: str, root: str, fmt: str) -> None:
    rows = STAGES[stage](Path(root), fmt)
    print(rows)


PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>


def become_subreaper() -> bool:
    """Orphaned descendants are re-parented to this process instead of init (Linux).

    The forkserver that starts the children reading the files (a stage's, a Dask worker's)
    outlives its parent by a moment and is nobody's to wait for: as an orphan here it can be
    waited for, and its CPU time (its readers' included) counted in the stage's.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def children(keep: set[int]) -> list[int]:
    """This process's children other than `keep`, from /proc."""
    found = []
    me = str(os.getpid())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in keep:
            continue
        try:
            # The fields after the command (which may hold spaces) start after its last `)`.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        if fields[1] == me:
            found.append(int(entry.name))
    return found


def reap_orphans(keep: set[int], timeout: float = 60.0) -> None:
    """Wait for the orphans the command left (its workers' forkservers), each by its pid."""
    deadline = time.monotonic() + timeout
    for pid in children(keep):
        while time.monotonic() < deadline:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                break
            if done:
                break
            time.sleep(0.1)


def measure(stage: str, root: Path, fmt: str, api: str | None = None) -> Stage:
    """Run one stage in a child process: its wall time and its peak resident memory.

    A `run` stage talks to the Prefect server at `api`; without one it starts the temporary
    server a run starts when no server is configured, as a user's first `cchc run` does.
    """
    command = [sys.executable, "-m", "flows.ops.bench", "_child", stage, str(root), fmt]
    out_path = root / f".bench_{stage}.out"
    err_path = root / f".bench_{stage}.err"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {"PREFECT_API_URL": api} if api else {}
    others = set(children(set()))  # the Prefect server: not the stage's
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started_at = time.time()
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        # wait4 reports this child's own peak RSS (ru_maxrss, KiB), not the session's.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        ended_at = time.time()
        process.returncode = os.waitstatus_to_exitcode(status)
    reap_orphans(others | {process.pid})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        tail = err_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(
            f"bench stage {stage} ({fmt}, {root}) failed with status {process.returncode}:\n{tail}"
        )
    lines = out_path.read_text(encoding="utf-8").strip().splitlines()
    # The stage's whole tree: its own process and what it left for this one to reap.
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    measured = Stage(stage, seconds, int(lines[-1]) if lines else 0, usage.ru_maxrss / 1024, cpu)
    if stage == "run":
        steps = json.loads((root / "processed" / "last_run.json").read_text("utf-8"))["timings"]
        measured.to_first_read = steps["landing"] - started_at
        measured.after_publish = ended_at - steps["published"]
    return measured


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "–"


# The performance issue's targets: (what, format, the ratio's name, the bound, the largest
# ratio or (for "faster") the smallest one that meets it).
TARGETS = (
    ("nightly with one new month ≤ 15% of the cold run", "nightly", 0.15),
    ("cold run ≤ the pandas peer (CSV)", "cold_vs_peer_csv", 1.0),
    ("cold run ≥ 10× faster than the pandas/openpyxl peer (xlsx)", "peer_vs_cold_xlsx", 10.0),
    ("landing ≤ 1.5× the floor (xlsx)", "landing_xlsx", 1.5),
    ("landing ≤ 2.5× the floor (CSV)", "landing_csv", 2.5),
)
LARGE = 10_000_000  # the size the build targets speak of


def run_bench(
    workdir: Path,
    cases: int,
    formats: tuple[str, ...] = ("xlsx", "csv"),
    national: tuple[int, int] = (0, 0),
) -> str:
    """Every stage of every format, then the fixed cost of a run and the targets, as tables.

    `national` (provinces, cases each; none when either is 0) adds `cchc national` on the
    local Dask cluster (flows/national/bench.py) as a table of its own.
    """
    # Absolute: the data roots are handed to child processes, and a data root is always
    # resolved (DataPaths.resolve) before its files are named relative to it.
    workdir = Path(workdir).resolve()
    lines = [
        f"cchc bench: {cases:,} cases as {YEARS * 12} monthly exports, {len(UNITS)} units, "
        f"{_workers()} landing workers",
        "",
        "| format | stage | seconds | CPU s | rows | rows/s | peak RSS MB | ratio |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    measured: dict[str, dict[str, Stage]] = {}
    become_subreaper()
    with prefect_server(workdir / "prefect") as api:
        for fmt in formats:
            measured[fmt] = _bench_format(workdir / fmt, cases, fmt, api)
            lines += _stage_lines(fmt, cases, measured[fmt])
    lines += ["", *fixed_cost_lines(measured), "", *target_lines(measured, cases)]
    provinces, per_province = national
    if provinces and per_province:
        from flows.national.bench import bench_table

        fmt = "csv" if "csv" in formats else formats[0]
        lines += ["", bench_table(workdir / "national", provinces, per_province, fmt)]
    return "\n".join(lines)


def _bench_format(root: Path, cases: int, fmt: str, api: str) -> dict[str, Stage]:
    if root.exists():
        shutil.rmtree(root)
    _, extra = generate(root, cases, fmt)
    stages = {
        "floor": measure("floor", root, fmt),
        "landing": measure("landing", root, fmt),
        "build": measure("build", root, fmt),
        "publish": measure("publish", root, fmt),
    }
    shutil.rmtree(root / "processed")
    stages["cold"] = measure("run", root, fmt, api)
    shutil.copy(extra, root / "raw" / "igate" / extra.name)
    stages["nightly"] = measure("run", root, fmt, api)
    # Nothing new: what every run costs whatever its data, with the server and without one.
    stages["quiet"] = measure("run", root, fmt, api)
    stages["quiet_temporary"] = measure("run", root, fmt)
    stages["peer"] = measure("peer", root, fmt)
    return stages


def _stage_lines(fmt: str, cases: int, stages: dict[str, Stage]) -> list[str]:
    rows = (cases // (YEARS * 12)) * YEARS * 12  # what generate wrote: whole months
    floor, cold = stages["floor"], stages["cold"]
    table = [
        ("floor", "floor (bare reader → DuckDB)", ""),
        ("landing", "landing", f"{_ratio(stages['landing'].seconds, floor.seconds)} of floor"),
        ("build", "build + audits", ""),
        ("publish", "publish", ""),
        ("cold", "cchc run, cold", ""),
        (
            "nightly",
            "cchc run, one new month",
            f"{_ratio(stages['nightly'].seconds, cold.seconds)} of cold",
        ),
        ("quiet", "cchc run, nothing new (server)", ""),
        ("quiet_temporary", "cchc run, nothing new (temporary server)", ""),
        (
            "peer",
            "peer: pandas script",
            f"cold run is {_ratio(stages['peer'].seconds, cold.seconds)} faster",
        ),
    ]
    lines = []
    for key, label, ratio in table:
        stage = stages[key]
        rate = rows / stage.seconds if stage.seconds else 0
        lines.append(
            f"| {fmt} | {label} | {stage.seconds:.1f} | {stage.cpu_seconds:.1f} | {rows:,} | "
            f"{rate:,.0f} | {stage.peak_rss_mb:,.0f} | {ratio} |"
        )
    return lines


def fixed_cost_lines(measured: dict[str, dict[str, Stage]]) -> list[str]:
    """What a run costs around its work: start to first file read, publish to exit."""
    lines = [
        "Fixed cost of a run (seconds): process start → first file read, end of publish → exit",
        "",
        "| format | run | start → first read | publish → exit | whole run |",
        "|---|---|---:|---:|---:|",
    ]
    labels = {
        "cold": "cold (server)",
        "nightly": "one new month (server)",
        "quiet": "nothing new (server)",
        "quiet_temporary": "nothing new (temporary server)",
    }
    for fmt, stages in measured.items():
        for key, label in labels.items():
            stage = stages[key]
            lines.append(
                f"| {fmt} | {label} | {stage.to_first_read or 0:.1f} | "
                f"{stage.after_publish or 0:.1f} | {stage.seconds:.1f} |"
            )
        server = stages["quiet_temporary"].seconds - stages["quiet"].seconds
        lines.append(f"| {fmt} | what the temporary server costs a run | | | {server:.1f} |")
    return lines


def _target_ratios(measured: dict[str, dict[str, Stage]]) -> dict[str, list[tuple[str, float]]]:
    ratios: dict[str, list[tuple[str, float]]] = {}
    for fmt, stages in measured.items():
        seconds = {key: stage.seconds for key, stage in stages.items()}
        ratios.setdefault("nightly", []).append((fmt, seconds["nightly"] / seconds["cold"]))
        landing = seconds["landing"] / seconds["floor"]
        ratios.setdefault(f"landing_{fmt}", []).append((fmt, landing))
        if fmt == "csv":
            ratios.setdefault("cold_vs_peer_csv", []).append(
                (fmt, seconds["cold"] / seconds["peer"])
            )
        else:
            ratios.setdefault("peer_vs_cold_xlsx", []).append(
                (fmt, seconds["peer"] / seconds["cold"])
            )
    return ratios


def target_lines(measured: dict[str, dict[str, Stage]], cases: int) -> list[str]:
    """Each target of the performance issue: the measured ratio, met or not met."""
    lines = [
        f"Targets at {cases:,} cases",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    ratios = _target_ratios(measured)
    for label, key, bound in TARGETS:
        found = ratios.get(key)
        if not found:
            lines.append(f"| {label} | not measured (format left out) | – |")
            continue
        for fmt, ratio in found:
            met = ratio >= bound if key.startswith("peer_vs") else ratio <= bound
            shown = f"{ratio:.2f}×" if key != "nightly" else f"{ratio:.0%} ({fmt})"
            lines.append(f"| {label} | {shown} | {'met' if met else 'not met'} |")
    build_rows = [(fmt, stages["build"], stages["cold"]) for fmt, stages in measured.items()]
    for fmt, build_stage, cold in build_rows:
        if cases < LARGE:
            lines.append(
                f"| {LARGE:,}-case build ≤ 30 s, ≤ 4 GB; cold run < 90 s ({fmt}) | "
                f"not measured at {cases:,} cases | – |"
            )
            continue
        build_met = build_stage.seconds <= 30 and build_stage.peak_rss_mb <= 4096
        lines.append(
            f"| {LARGE:,}-case build ≤ 30 s and ≤ 4 GB ({fmt}) | {build_stage.seconds:.1f} s, "
            f"{build_stage.peak_rss_mb:,.0f} MB | {'met' if build_met else 'not met'} |"
        )
        lines.append(
            f"| {LARGE:,}-case cold run < 90 s ({fmt}) | {cold.seconds:.1f} s | "
            f"{'met' if cold.seconds < 90 else 'not met'} |"
        )
    return lines


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "_child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        print(run_bench(Path(sys.argv[1]), int(sys.argv[2])))
